//! `to_yaml` writes what `validate` reads back into the same document: over every file of the
//! reference corpus that gives a document, and over documents holding strings that are hard to
//! write in YAML.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use publiccode::{to_yaml, validate, validate_with, Folder, Options, PublicCode, Report};

fn corpus() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference"))
}

fn yml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("readable folder").flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(path);
        }
    }
}

fn findings(r: &Report) -> BTreeSet<(String, String)> {
    r.warnings.iter().map(|f| (f.key.clone(), f.message.clone())).collect()
}

/// Writes `doc`, reads it back and checks: no error, no warning the original did not have, the
/// same document, and writing that gives the same text.
fn assert_round_trip(doc: &PublicCode, original: &Report, options: &Options<'_>, what: &str) -> String {
    let text = to_yaml(doc);
    assert!(text.starts_with("publiccodeYmlVersion: \"0\"\n"), "{what}: {text}");
    let again = validate_with(text.as_bytes(), options);
    assert!(again.errors.is_empty(), "{what}: errors {:?} in\n{text}", again.errors);
    let new_warnings: Vec<_> = findings(&again).difference(&findings(original)).cloned().collect();
    assert!(new_warnings.is_empty(), "{what}: warnings the writer caused {new_warnings:?} in\n{text}");
    assert_eq!(again.document.as_ref(), Some(doc), "{what}: another document read back from\n{text}");
    assert_eq!(to_yaml(again.document.as_ref().expect("document")), text, "{what}: not a fixed point");
    text
}

#[test]
fn every_document_of_the_corpus_reads_back_the_same() {
    let root = corpus().join("testdata");
    let mut files = Vec::new();
    yml_files(&root, &mut files);
    let (mut documents, mut with_warnings) = (BTreeSet::new(), 0);
    for path in &files {
        let bytes = std::fs::read(path).expect("readable file");
        let folder = Folder(path.parent().unwrap_or(Path::new(".")).to_path_buf());
        let options = Options { files: Some(&folder) };
        let report = validate_with(&bytes, &options);
        let Some(doc) = &report.document else { continue };
        let what = path.strip_prefix(&root).unwrap_or(path).display().to_string();
        assert_round_trip(doc, &report, &options, &what);
        documents.insert(what);
        with_warnings += usize::from(!report.warnings.is_empty());
    }
    println!(
        "round trip: {} of {} files give a document ({with_warnings} with warnings); each reads back the same",
        documents.len(),
        files.len()
    );
    // Every file the reference finds valid is among them, but the one whose expectation
    // contradicts the others (see conformance.rs).
    let json = std::fs::read_to_string(corpus().join("expectations.json")).expect("expectations.json");
    let expectations: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    for case in expectations["cases"].as_array().expect("cases") {
        let file = case["file"].as_str().expect("file");
        if case["verdict"] != "invalid" && file != "v1/valid/valid.yml" {
            assert!(documents.contains(file), "{file} is valid for the reference but gave no document");
        }
    }
}

fn base() -> PublicCode {
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/minimal.yml")).expect("minimal.yml");
    let report = validate(&bytes);
    assert!(report.errors.is_empty() && report.warnings.is_empty(), "{:?} {:?}", report.errors, report.warnings);
    report.document.expect("document")
}

const LONG: &str = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt \
                    ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation.";

/// Strings that a careless writer gets wrong.
fn nasty() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        " ",
        "  leading",
        "trailing  ",
        "yes",
        "No",
        "off",
        "ON",
        "y",
        "n",
        "null",
        "Null",
        "~",
        "true",
        "False",
        "1",
        "1.0",
        "0.10",
        "-1",
        "+1",
        "1e3",
        "0x1F",
        "0o17",
        ".inf",
        "-.inf",
        ".NaN",
        "2020-01-01",
        "2020-01-01T10:00:00Z",
        "12:30",
        "- item",
        "-",
        "--",
        "---",
        "...",
        "? key",
        ":",
        "a:",
        "a: b",
        "a:b",
        "a #b",
        "a#b",
        "#comment",
        "*alias",
        "&anchor",
        "!tag",
        "!!str",
        "|",
        ">",
        "|-",
        "%YAML",
        "@at",
        "`tick`",
        "'single'",
        "\"double\"",
        "it's",
        "say \"hi\"",
        "back\\slash",
        "\\",
        "C:\\path\\to",
        "[a, b]",
        "{a: b}",
        "a, b",
        "a,b",
        "<<",
        "=",
        "tab\there",
        "\ttab first",
        "tab last\t",
        "line\nbreak",
        "line\nbreak\n",
        "two\n\nbreaks\n\n",
        "\nleading newline",
        "\n",
        "\n\n",
        "crlf\r\nline",
        "cr\ronly",
        "\r\n",
        "nel\u{85}x",
        "ls\u{2028}x",
        "ps\u{2029}x",
        "bom\u{feff}x",
        "\u{feff}bom first",
        "nbsp\u{a0}",
        "\u{a0}nbsp first",
        "nul\0x",
        "bell\u{7}x",
        "esc\u{1b}x",
        "del\u{7f}x",
        "\u{fffe}",
        "\u{10ffff}",
        "Città di Milano",
        "Ελληνικά",
        "日本語のテキスト",
        "emoji 🇫🇷 👩‍👩‍👧",
        "עברית",
        "combining e\u{301}",
        "\u{301}combining first",
        "  indented\nlines\n",
        "\tindented\nby tab\n",
        "a\n  \nb",
        "a\n\t\nb",
        "a \nb ",
        "trailing spaces  \n",
        "#hash\nfirst",
        "- dash\n- list\n",
        "key: value\nother: value\n",
        "---\n...\n",
        "a\n---\nb",
        "a\n...\nb",
        "   \n",
        "x\n\n\n\n",
        "\n\nx",
        "%\n",
        "é\n",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("x".repeat(20_000));
    v.push(format!("{LONG} ").repeat(60));
    v.push(format!("{LONG}\n").repeat(40));
    v.push(format!("{LONG}\r\n").repeat(10));
    v.push(format!("  {LONG}\n\n").repeat(10));
    v
}

#[test]
fn nasty_strings_read_back_the_same() {
    let options = Options::default();
    for (n, s) in nasty().into_iter().enumerate() {
        let mut doc = base();
        let what = format!("string {n} {:?}", s.chars().take(40).collect::<String>());
        doc.application_suite = Some(s.clone());
        doc.software_version = Some(s.clone());
        doc.platforms.push(s.clone());
        doc.used_by = vec![s.clone(), s.clone()];
        doc.legal.main_copyright_owner = Some(s.clone());
        let en = doc.description.get_mut("en").expect("en");
        en.features.insert(0, s.clone());
        en.awards.push(s.clone());
        en.localised_name = Some(s.clone());
        // Within the limits of the standard: 150 to 10,000 characters.
        en.long_description = format!("{s}{LONG}{s}");
        if en.long_description.chars().count() > 10_000 {
            en.long_description = format!("{LONG}\n{}", s.chars().take(9_000).collect::<String>());
        }
        doc.maintenance.contacts[0].affiliation = Some(s.clone());
        let original = Report { version: None, document: None, errors: vec![], warnings: vec![], skipped: vec![] };
        assert_round_trip(&doc, &original, &options, &what);
    }
}

#[test]
fn long_descriptions_are_literal_blocks_when_they_can_be() {
    let mut doc = base();
    let en = doc.description.get_mut("en").expect("en");
    en.long_description = format!("{LONG}\n\nSecond paragraph.\n\n  - an indented item\n");
    let text = to_yaml(&doc);
    assert!(text.contains("    longDescription: |\n      Lorem ipsum"), "{text}");
    assert!(text.contains("\n\n        - an indented item\n"), "{text}");
    let original = validate(text.as_bytes());
    assert_round_trip(&doc, &original, &Options::default(), "literal block");
}

#[test]
fn empty_lists_the_standard_requires_are_kept() {
    let mut doc = base();
    doc.maintenance.contacts.clear();
    let text = to_yaml(&doc);
    assert!(text.contains("  contacts: []\n"), "{text}");
    assert_eq!(validate(text.as_bytes()).document, Some(doc));
}

#[test]
fn output_is_the_standard_order() {
    let text = to_yaml(&base());
    let keys: Vec<&str> = text.lines().filter(|l| !l.starts_with(' ')).filter_map(|l| l.split(':').next()).collect();
    assert_eq!(
        keys,
        [
            "publiccodeYmlVersion",
            "name",
            "url",
            "releaseDate",
            "platforms",
            "developmentStatus",
            "softwareType",
            "description",
            "legal",
            "maintenance",
            "localisation"
        ]
    );
}
