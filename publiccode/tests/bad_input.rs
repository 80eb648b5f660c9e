//! Input that is not a publiccode.yml, or is one built to hurt: each gives a finding that says
//! what is wrong and where, in bounded time and memory, and never a panic. The inputs the fuzz
//! target ever crashed on are replayed here too (`tests/fuzz-regressions/`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use publiccode::{to_yaml, validate, Finding, Report, MAX_FILE_BYTES};

const MINIMAL: &str = include_str!("data/minimal.yml");

/// Validates on a thread with a 2 MB stack, as a server's worker threads have, within `limit`.
fn check(bytes: Vec<u8>, limit: Duration) -> Report {
    let started = Instant::now();
    let report = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let report = validate(&bytes);
            round_trip(&report);
            report
        })
        .expect("thread")
        .join()
        .expect("validate does not panic");
    let took = started.elapsed();
    assert!(took < limit, "took {took:?}, more than {limit:?}");
    report
}

const FAST: Duration = Duration::from_secs(2);

/// What any document validate gives must survive: written, it reads back the same.
fn round_trip(report: &Report) {
    let Some(doc) = &report.document else { return };
    let text = to_yaml(doc);
    if text.len() > MAX_FILE_BYTES {
        // A document read through aliases may be larger written out than the limit allows.
        return;
    }
    let again = validate(text.as_bytes());
    assert!(again.errors.is_empty(), "errors {:?} reading back\n{text}", again.errors);
    assert_eq!(again.document.as_ref(), Some(doc), "another document read back from\n{text}");
}

fn only_error(report: &Report) -> &Finding {
    assert!(report.document.is_none());
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    &report.errors[0]
}

#[track_caller]
fn assert_mentions(f: &Finding, words: &[&str]) {
    for w in words {
        assert!(f.message.contains(w), "{:?} does not mention {w:?}", f.message);
    }
}

#[test]
fn not_utf8_points_at_the_first_bad_byte() {
    let mut bytes = b"publiccodeYmlVersion: \"0\"\nname: Caf".to_vec();
    bytes.extend([0xe9, b'\n']);
    let r = check(bytes, FAST);
    let f = only_error(&r);
    assert_mentions(f, &["UTF-8"]);
    assert_eq!((f.key.as_str(), f.line, f.column), ("", 2, 10));
}

#[test]
fn latin1_and_utf16_files_are_not_utf8() {
    let utf16: Vec<u8> = "\u{feff}name: x\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    for bytes in [utf16, b"name: \xff\xfe".to_vec(), vec![0xc3]] {
        assert_mentions(only_error(&check(bytes, FAST)), &["UTF-8"]);
    }
}

/// A UTF-8 byte order mark is read past, as the reference validator (go-yaml) does and YAML
/// allows: the file is valid, and positions on its first line do not count the mark.
#[test]
fn a_byte_order_mark_is_accepted() {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(MINIMAL.as_bytes());
    let r = check(bytes.clone(), FAST);
    assert!(r.errors.is_empty() && r.warnings.is_empty(), "{:?} {:?}", r.errors, r.warnings);
    assert_eq!(r.document, validate(MINIMAL.as_bytes()).document);
    let bad =
        String::from_utf8(bytes).expect("utf-8").replace("publiccodeYmlVersion: \"0\"", "publiccodeYmlVersion: []");
    let f = &check(bad.into_bytes(), FAST).errors[0];
    assert_eq!((f.key.as_str(), f.line, f.column), ("publiccodeYmlVersion", 1, 23));
}

#[test]
fn a_byte_order_mark_elsewhere_is_refused() {
    let text = MINIMAL.replace("name: Medusa", "\u{feff}name: Medusa");
    let r = check(text.into_bytes(), FAST);
    assert!(r.document.is_none(), "{:?}", r.warnings);
    assert!(r.errors[0].line == 2, "{:?}", r.errors);
}

#[test]
fn tabs_as_indentation_are_refused_where_they_are() {
    let text = MINIMAL.replace("  license: AGPL-3.0-or-later", "\tlicense: AGPL-3.0-or-later");
    let f = only_error(&check(text.into_bytes(), FAST)).clone();
    assert_mentions(&f, &["invalid YAML", "tab"]);
    assert_eq!(f.line, 18, "{f:?}");
}

#[test]
fn tabs_inside_values_are_text() {
    let text = MINIMAL.replace("name: Medusa", "name: \"Medusa\\tand\ttabs\"");
    let r = check(text.into_bytes(), FAST);
    assert_eq!(r.document.expect("valid").name, "Medusa\tand\ttabs");
}

#[test]
fn duplicate_keys_name_the_key_and_both_lines() {
    let text = MINIMAL.replace("name: Medusa\n", "name: Medusa\nurl: https://example.org/a.git\nname: Other\n");
    let r = check(text.into_bytes(), FAST);
    assert!(r.document.is_none());
    let dups: Vec<_> = r.errors.iter().filter(|f| f.message.contains("duplicate")).collect();
    assert_eq!(dups.len(), 2, "{:?}", r.errors);
    assert_eq!((dups[0].key.as_str(), dups[0].line, dups[0].column), ("name", 4, 1));
    assert_mentions(dups[0], &["line 2", "line 4"]);
    assert_eq!((dups[1].key.as_str(), dups[1].line), ("url", 5));
    assert_mentions(dups[1], &["line 3", "line 5"]);
}

#[test]
fn nested_duplicate_keys_have_their_path() {
    let text = MINIMAL.replace("    - name: Francesco Rossi\n", "    - name: Francesco Rossi\n      name: Again\n");
    let r = check(text.into_bytes(), FAST);
    let f = r.errors.iter().find(|f| f.message.contains("duplicate")).expect("duplicate");
    assert_eq!((f.key.as_str(), f.line, f.column), ("maintenance.contacts[0].name", 23, 7));
}

#[test]
fn a_billion_laughs_is_refused_quickly() {
    let mut text = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (name, prev) in "bcdefghij".chars().zip("abcdefghi".chars()) {
        let refs = vec![format!("*{prev}"); 9].join(",");
        text.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    let f = only_error(&check(text.into_bytes(), FAST)).clone();
    assert_mentions(&f, &["expands", "aliases"]);
    assert!(f.line >= 5, "{f:?}");
}

#[test]
fn a_quadratic_blowup_through_one_big_string_is_refused() {
    // One anchored string of 512 KiB referred to many times: few nodes, many bytes.
    let mut text = format!("a: &a \"{}\"\nb: [", "x".repeat(512 * 1024));
    text.push_str(&vec!["*a"; 100].join(","));
    text.push_str("]\n");
    assert_mentions(only_error(&check(text.into_bytes(), FAST)), &["expands"]);
}

#[test]
fn aliases_within_reason_are_read() {
    let text = MINIMAL.replace("platforms:\n  - web\n", "platforms: &p\n  - web\nusedBy: *p\n");
    let r = check(text.into_bytes(), FAST);
    assert_eq!(r.document.expect("valid").used_by, ["web"]);
}

#[test]
fn a_recursive_alias_is_refused() {
    let r = check(b"a: &a [*a]\n".to_vec(), FAST);
    let f = only_error(&r);
    assert_mentions(f, &["alias"]);
    assert_eq!((f.line, f.column), (1, 8));
}

#[test]
fn ten_megabytes_are_refused_before_parsing() {
    let mut bytes = MINIMAL.as_bytes().to_vec();
    bytes.resize(10 * 1024 * 1024, b'#');
    let f = only_error(&check(bytes, Duration::from_millis(50))).clone();
    assert_mentions(&f, &["10485760 bytes", &MAX_FILE_BYTES.to_string(), "refused"]);
    assert_eq!((f.line, f.column), (0, 0));
}

#[test]
fn just_under_the_limit_is_read_quickly() {
    // A valid file padded with a comment.
    let mut text = MINIMAL.to_string();
    text.push('#');
    text.push_str(&"x".repeat(MAX_FILE_BYTES - text.len() - 1));
    text.push('\n');
    assert_eq!(text.len(), MAX_FILE_BYTES);
    let r = check(text.into_bytes(), FAST);
    assert!(r.errors.is_empty(), "{:?}", r.errors);

    // One huge description.
    let text = MINIMAL.replace("    features:", &format!("      {}\n    features:", "long ".repeat(200_000)));
    let r = check(text.into_bytes(), FAST);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert_mentions(&r.errors[0], &["maximum of 10000"]);

    // As many keys as fit: more values than a publiccode.yml ever holds.
    let mut text = String::new();
    let mut n = 0;
    while text.len() < MAX_FILE_BYTES - 20 {
        text.push_str(&format!("k{n}: v\n"));
        n += 1;
    }
    let f = only_error(&check(text.into_bytes(), FAST)).clone();
    assert_mentions(&f, &["more than 50000 values"]);
    assert!(!f.message.contains("alias"), "{f:?}");
}

#[test]
fn many_values_of_the_wrong_type_are_reported_in_linear_time() {
    // Each item is a map where a string is expected: one finding each, and each finding looks
    // up the key on its line.
    let mut text = MINIMAL.replace("platforms:\n  - web\n", "platforms:\n");
    let items = "  - {a: b}\n".repeat(12_000);
    text = text.replace("platforms:\n", &format!("platforms:\n{items}"));
    let r = check(text.into_bytes(), FAST);
    assert!(r.errors.len() >= 12_000, "{}", r.errors.len());
    assert_eq!((r.errors[0].key.as_str(), r.errors[0].line), ("platforms[0]", 6));
}

#[test]
fn a_thousand_nested_flow_sequences_are_refused_without_overflow() {
    let text = format!("a: {}{}\n", "[".repeat(1000), "]".repeat(1000));
    let f = only_error(&check(text.into_bytes(), FAST)).clone();
    // The scanner refuses them before the tree's own limit of 32 is reached.
    assert_mentions(&f, &["nested deeper than 255"]);
    assert_eq!((f.line, f.column), (1, 259));
}

#[test]
fn a_thousand_nested_flow_maps_are_refused_without_overflow() {
    let text = format!("{}{}\n", "{a: ".repeat(1000), "}".repeat(1000));
    assert_mentions(only_error(&check(text.into_bytes(), FAST)), &["nested deeper"]);
}

#[test]
fn a_thousand_nested_block_sequences_are_refused_without_overflow() {
    let text = format!("{}x\n", "- ".repeat(1000));
    assert_mentions(only_error(&check(text.into_bytes(), FAST)), &["nested deeper"]);
    let mut text = String::new();
    for depth in 0..1000 {
        text.push_str(&" ".repeat(depth));
        text.push_str("-\n");
    }
    assert_mentions(only_error(&check(text.into_bytes(), FAST)), &["nested deeper"]);
}

#[test]
fn a_thousand_nested_block_maps_are_refused_without_overflow() {
    let mut text = String::new();
    for depth in 0..1000 {
        text.push_str(&" ".repeat(depth));
        text.push_str("k:\n");
    }
    let f = only_error(&check(text.into_bytes(), FAST)).clone();
    assert_mentions(&f, &["nested deeper"]);
    // The root map is the first level: the 33rd opens on line 33.
    assert_eq!(f.line, 33, "{f:?}");
}

#[test]
fn unclosed_brackets_are_refused() {
    let text = format!("a: {}\n", "[".repeat(20));
    let f = only_error(&check(text.into_bytes(), FAST)).clone();
    assert_mentions(&f, &["invalid YAML"]);
    assert!(f.line >= 1, "{f:?}");
}

#[test]
fn a_sequence_where_a_map_should_be() {
    let text = MINIMAL.replace(
        "maintenance:\n  type: community\n  contacts:\n    - name: Francesco Rossi\n",
        "maintenance: [1, 2]\n",
    );
    let r = check(text.into_bytes(), FAST);
    let f = &r.errors[0];
    assert_eq!((f.key.as_str(), f.line, f.column), ("maintenance", 19, 14), "{:?}", r.errors);
    assert_mentions(f, &["a map is expected, not a sequence"]);

    let text = MINIMAL.replace("description:\n  en:\n", "description: []\n  en:\n");
    let r = check(text.into_bytes(), FAST);
    assert!(r.document.is_none());
    assert!(r.errors[0].message.contains("invalid YAML") || r.errors[0].key == "description", "{:?}", r.errors);

    let start = MINIMAL.find("description:").expect("description");
    let end = MINIMAL.find("legal:").expect("legal");
    let text = format!("{}description: []\n{}", &MINIMAL[..start], &MINIMAL[end..]);
    let r = check(text.into_bytes(), FAST);
    let f = &r.errors[0];
    assert_eq!((f.key.as_str(), f.line, f.column), ("description", 9, 14), "{:?}", r.errors);
    assert_mentions(f, &["a map is expected, not a sequence"]);
    assert!(r.errors.iter().any(|f| f.key == "description" && f.message.contains("more than 0")), "{:?}", r.errors);
}

#[test]
fn a_map_where_a_string_should_be() {
    let text = MINIMAL.replace("name: Medusa", "name:\n  first: Medusa");
    let r = check(text.into_bytes(), FAST);
    let f = &r.errors[0];
    assert_eq!((f.key.as_str(), f.line, f.column), ("name.first", 3, 3), "{:?}", r.errors);
    assert_mentions(f, &["a string is expected, not a map"]);
}

#[test]
fn a_yaml11_boolean_is_not_a_boolean() {
    let text = MINIMAL.replace("localisationReady: true", "localisationReady: yes");
    let r = check(text.into_bytes(), FAST);
    let f = &r.errors[0];
    assert_eq!((f.key.as_str(), f.line, f.column), ("localisation.localisationReady", 24, 22), "{:?}", r.errors);
    assert_mentions(f, &["boolean", "yes/no"]);
}

#[test]
fn an_empty_file() {
    for text in ["", "\n\n", "   \n"] {
        let f = only_error(&check(text.into(), FAST)).clone();
        assert_mentions(&f, &["empty"]);
        assert_eq!((f.key.as_str(), f.line), ("", 0));
    }
}

#[test]
fn a_file_of_only_comments() {
    let f = only_error(&check(b"# publiccode.yml\n# to do\n".to_vec(), FAST)).clone();
    assert_mentions(&f, &["empty", "comments"]);
}

#[test]
fn documents_that_are_not_maps() {
    for (text, kind) in [
        ("null\n", "null"),
        ("~\n", "null"),
        ("just a scalar\n", "string"),
        ("42\n", "string"),
        ("true\n", "boolean"),
        ("- a\n- b\n", "sequence"),
    ] {
        let r = check(text.into(), FAST);
        let f = only_error(&r);
        assert_mentions(f, &["a map of keys", kind]);
        assert_eq!((f.key.as_str(), f.line, f.column), ("", 1, 1), "{text:?}");
    }
}

#[test]
fn a_document_start_alone_is_a_null_document() {
    let f = only_error(&check(b"---\n".to_vec(), FAST)).clone();
    assert_mentions(&f, &["a map of keys", "null"]);
}

#[test]
fn two_documents_are_refused() {
    let text = format!("{MINIMAL}---\n{MINIMAL}");
    let f = only_error(&check(text.into_bytes(), FAST)).clone();
    assert_mentions(&f, &["one YAML document"]);
    assert_eq!(f.line, 27);
}

#[test]
fn a_key_that_is_a_map() {
    let text = MINIMAL.replace("name: Medusa", "? {a: b}\n: x\nname: Medusa");
    let r = check(text.into_bytes(), FAST);
    assert!(r.errors.iter().any(|f| f.message.contains("map key")), "{:?}", r.errors);
}

#[test]
fn control_characters_are_refused() {
    let text = MINIMAL.replace("name: Medusa", "name: Med\u{7}usa");
    let r = check(text.into_bytes(), FAST);
    let f = only_error(&r);
    assert_mentions(f, &["control character U+0007", "\\u0007"]);
    assert_eq!((f.line, f.column), (2, 10));
    let r = check(b"name: a\x7f\n".to_vec(), FAST);
    assert_mentions(only_error(&r), &["U+007F"]);
    let r = check("name: \"\u{9c}\"\n".as_bytes().to_vec(), FAST);
    assert_mentions(only_error(&r), &["U+009C"]);
}

/// Inputs the fuzz target once crashed on (see fuzz/README.md): each is validated and, when it
/// gives a document, written and read back.
#[test]
fn fuzz_regressions() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz-regressions"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fuzz-regressions")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_none_or(|e| e != "md"))
        .collect();
    files.sort();
    for path in &files {
        let bytes = std::fs::read(path).expect("readable");
        let name = path.display().to_string();
        let r = std::panic::catch_unwind(|| check(bytes, Duration::from_secs(5)));
        assert!(r.is_ok(), "{name} panics");
    }
    println!("fuzz regressions replayed: {}", files.len());
}
