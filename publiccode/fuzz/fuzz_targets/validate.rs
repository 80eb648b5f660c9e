//! Arbitrary bytes through the validator; any document that comes out must be written by
//! `to_yaml` into a file that reads back, without error or new warning, into the same document.
#![no_main]

use std::collections::BTreeSet;

use libfuzzer_sys::fuzz_target;
use publiccode::{to_yaml, validate, Report, MAX_FILE_BYTES};

fn warnings(r: &Report) -> BTreeSet<(&str, &str)> {
    r.warnings.iter().map(|f| (f.key.as_str(), f.message.as_str())).collect()
}

fuzz_target!(|data: &[u8]| {
    let report = validate(data);
    assert_eq!(report.document.is_some(), report.errors.is_empty(), "a document exactly when no error: {report:?}");
    let Some(doc) = &report.document else { return };
    let text = to_yaml(doc);
    // A document read through aliases may be larger written out than a file may be.
    if text.len() > MAX_FILE_BYTES {
        return;
    }
    let again = validate(text.as_bytes());
    assert!(again.errors.is_empty(), "errors {:?} reading back\n{text}", again.errors);
    let new: Vec<_> = warnings(&again).difference(&warnings(&report)).copied().collect();
    assert!(new.is_empty(), "warnings the writer caused {new:?} in\n{text}");
    assert_eq!(again.document.as_ref(), Some(doc), "another document read back from\n{text}");
    assert_eq!(to_yaml(doc), text, "to_yaml is not deterministic");
});
