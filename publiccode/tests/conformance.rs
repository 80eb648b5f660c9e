//! Every case of the reference validator's test corpus (`tests/reference/`, copied with its
//! EUPL-1.2 licence), compared with what the reference expects of it: first the verdict,
//! then, for invalid files, the set of error keys.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use publiccode::{validate_with, Folder, Options, Report};
use serde_json::Value;

fn corpus() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference"))
}

/// Expectations that contradict other expectations, so that no validator can meet them all.
/// Each is reported, not asserted.
const CONTRADICTORY: &[(&str, &str)] = &[(
    "v1/valid/valid.yml",
    "expected valid, yet it declares publiccodeYmlVersion \"1\", which 160 other cases \
     (v0/invalid/publiccodeYmlVersion_invalid.yml among them) expect to be refused as unsupported, \
     and it has no description.en.features, which v0/invalid/description_en_features_missing.yml \
     expects to be an error",
)];

fn verdict(r: &Report) -> &'static str {
    if !r.errors.is_empty() {
        "invalid"
    } else if !r.warnings.is_empty() {
        "valid_with_warnings"
    } else {
        "valid"
    }
}

fn keys(findings: &[Value]) -> BTreeSet<String> {
    findings.iter().map(|f| f["key"].as_str().unwrap_or_default().to_string()).collect()
}

#[test]
fn agrees_with_the_reference_cases() {
    let root = corpus();
    let json = std::fs::read_to_string(root.join("expectations.json"))
        .unwrap_or_else(|e| panic!("{}: {e}", root.join("expectations.json").display()));
    let expectations: Value = serde_json::from_str(&json).expect("expectations.json is JSON");
    let cases = expectations["cases"].as_array().expect("cases");

    let (mut compared, mut agreed) = (0, 0);
    let (mut with_keys, mut same_keys) = (0, 0);
    let (mut with_warnings, mut same_warnings) = (0, 0);
    let mut verdict_failures = Vec::new();
    let mut key_mismatches = Vec::new();
    let mut contradictory_seen = Vec::new();
    for case in cases {
        let file = case["file"].as_str().expect("file");
        let path = root.join("testdata").join(file);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        let folder = Folder(path.parent().unwrap_or(Path::new(".")).to_path_buf());
        let report = validate_with(&bytes, &Options { files: Some(&folder) });
        let expected = case["verdict"].as_str().expect("verdict");
        let got = verdict(&report);
        if case["needs_network"].as_bool().unwrap_or(false) {
            continue;
        }
        if let Some((_, why)) = CONTRADICTORY.iter().find(|(f, _)| *f == file) {
            contradictory_seen.push(format!("{file}: expected {expected}, got {got} — {why}"));
            continue;
        }
        compared += 1;
        let got_keys: BTreeSet<String> = report.errors.iter().map(|f| f.key.clone()).collect();
        if got == expected {
            agreed += 1;
        } else {
            let detail: Vec<String> =
                report.errors.iter().chain(&report.warnings).map(|f| format!("{} ({})", f.key, f.message)).collect();
            verdict_failures.push(format!("{file}: expected {expected}, got {got}: {detail:?}"));
        }
        if expected == "valid_with_warnings" {
            if let Some(warnings) = case["warnings"].as_array() {
                with_warnings += 1;
                let got_warnings: BTreeSet<String> = report.warnings.iter().map(|f| f.key.clone()).collect();
                if keys(warnings) == got_warnings {
                    same_warnings += 1;
                } else {
                    key_mismatches
                        .push(format!("{file}: warnings expected {:?}, got {got_warnings:?}", keys(warnings)));
                }
            }
        }
        if expected == "invalid" {
            if let Some(errors) = case["errors"].as_array() {
                with_keys += 1;
                let want = keys(errors);
                if want == got_keys {
                    same_keys += 1;
                } else {
                    key_mismatches.push(format!("{file}: expected {want:?}, got {got_keys:?}"));
                }
            }
        }
    }

    println!("verdict agreement: {agreed}/{compared} (needs_network cases excluded)");
    let share = 100.0 * f64::from(same_keys) / f64::from(with_keys.max(1));
    println!("invalid files with the expected set of error keys: {same_keys}/{with_keys} ({share:.1}%)");
    println!("files valid with warnings with the expected set of warning keys: {same_warnings}/{with_warnings}");
    for line in &contradictory_seen {
        println!("not asserted, contradictory expectation: {line}");
    }
    for line in &verdict_failures {
        println!("verdict differs: {line}");
    }
    for line in &key_mismatches {
        println!("error keys differ: {line}");
    }
    assert!(verdict_failures.is_empty(), "{} verdicts differ", verdict_failures.len());
    assert!(share >= 90.0, "only {share:.1}% of invalid files have the expected error keys");
}
