//! Developers Italia's catalogue of public software (`https://api.developers.italia.it/v1/software`):
//! each entry is a repository address with its publiccode.yml as text. The shape is the
//! API's own model (github.com/italia/developers-italia-api, `internal/models`: `Software`
//! with `id`, `url`, `aliases`, `publiccodeYml`, `active`, `vitality`, `createdAt`,
//! `updatedAt`); one answer is a page, `{"data": [...], "links": {"prev": …, "next": …}}`.
//! A file may hold one page, or the entries of several as one array.
//!
//! Every entry is checked before anything is written: a page with one bad entry imports
//! nothing, and each problem names its entry.

use serde::Deserialize;

use super::RecordProblem;
use crate::address::{check_repository_address, AddressPolicy};

/// The largest publiccode.yml an entry may carry (the validator's own bound is the same
/// order: a document, not a dump).
const MAX_DOCUMENT: usize = 1024 * 1024;

/// One checked entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Developers Italia's id of the software (a UUID), kept as the record's source.
    pub id: String,
    /// The repository the entry is about.
    pub url: String,
    /// Whether the catalogue still lists it (inactive entries are skipped).
    pub active: bool,
    /// The document, valid.
    pub publiccode: publiccode::PublicCode,
}

impl Entry {
    /// Where the record comes from, as the catalog keeps it.
    pub fn source(&self) -> String {
        format!("developers-italia:{}", self.id)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum File {
    Page { data: Vec<serde_json::Value> },
    Entries(Vec<serde_json::Value>),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEntry {
    id: String,
    url: String,
    publiccode_yml: String,
    #[serde(default)]
    active: Option<bool>,
}

/// Reads a file of entries; `name` prefixes each problem's record (a file's name when
/// several are read).
pub fn read(bytes: &[u8], name: &str) -> Result<Vec<Entry>, Vec<RecordProblem>> {
    let file: File = serde_json::from_slice(bytes).map_err(|e| {
        vec![RecordProblem {
            record: name.to_string(),
            message: format!(
                "not an answer of the Developers Italia API (a page {{\"data\": [...]}} or an array of entries): {e}"
            ),
        }]
    })?;
    let values = match file {
        File::Page { data } | File::Entries(data) => data,
    };
    let mut entries = Vec::with_capacity(values.len());
    let mut problems = Vec::new();
    for (i, value) in values.into_iter().enumerate() {
        let label = |url: Option<&str>| match url {
            Some(u) => format!("{name}: data[{i}] ({u})"),
            None => format!("{name}: data[{i}]"),
        };
        let raw: RawEntry = match serde_json::from_value(value) {
            Ok(r) => r,
            Err(e) => {
                problems.push(RecordProblem {
                    record: label(None),
                    message: format!("not a software entry (id, url, publiccodeYml): {e}"),
                });
                continue;
            }
        };
        match entry(raw) {
            Ok(e) => entries.push(e),
            Err((url, message)) => problems.push(RecordProblem { record: label(Some(&url)), message }),
        }
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(problems)
    }
}

/// One entry checked; the error carries the entry's address and what is wrong.
fn entry(raw: RawEntry) -> Result<Entry, (String, String)> {
    let url = raw.url.trim().to_string();
    let fail = |message: String| (url.clone(), message);
    if raw.id.trim().is_empty() {
        return Err(fail("id: must not be empty".into()));
    }
    check_repository_address("url", &url, AddressPolicy::PublicOnly).map_err(|e| fail(e.to_string()))?;
    if raw.publiccode_yml.len() > MAX_DOCUMENT {
        return Err(fail(format!("publiccodeYml: {} bytes, more than {MAX_DOCUMENT}", raw.publiccode_yml.len())));
    }
    let report = publiccode::validate(raw.publiccode_yml.as_bytes());
    let Some(doc) = report.document.clone().filter(|_| report.is_valid()) else {
        let findings: Vec<String> = report
            .errors
            .iter()
            .take(5)
            .map(|f| {
                if f.key.is_empty() {
                    format!("line {}: {}", f.line, f.message)
                } else {
                    format!("line {}: {}: {}", f.line, f.key, f.message)
                }
            })
            .collect();
        return Err(fail(format!("publiccodeYml is not a valid publiccode.yml: {}", findings.join("; "))));
    };
    Ok(Entry { id: raw.id.trim().to_string(), url, active: raw.active.unwrap_or(true), publiccode: doc })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENT: &str = include_str!("../../../fixtures/publiccode/decidim.yml");

    #[test]
    fn a_page_with_a_bad_entry_names_it_and_gives_nothing() {
        let page = serde_json::json!({"data": [
            {"id": "a", "url": "https://github.com/decidim/decidim", "publiccodeYml": DOCUMENT, "active": true},
            {"id": "b", "url": "http://10.0.0.1/x", "publiccodeYml": DOCUMENT},
            {"id": "c", "url": "https://github.com/example/c", "publiccodeYml": "name: [unclosed"},
            {"url": "https://github.com/example/d"},
        ], "links": {"prev": null, "next": null}});
        let problems = read(page.to_string().as_bytes(), "page.json").unwrap_err();
        let records: Vec<&str> = problems.iter().map(|p| p.record.as_str()).collect();
        assert_eq!(
            records,
            [
                "page.json: data[1] (http://10.0.0.1/x)",
                "page.json: data[2] (https://github.com/example/c)",
                "page.json: data[3]"
            ]
        );
        assert!(problems[0].message.contains("private"), "{problems:?}");
        assert!(problems[2].message.contains("publiccodeYml"), "{problems:?}");
        assert!(read(b"{\"items\": 3}", "x.json").unwrap_err()[0].message.contains("Developers Italia"));
        let one = serde_json::json!([{"id": "a", "url": "https://github.com/decidim/decidim", "publiccodeYml": DOCUMENT,
            "active": false, "updatedAt": "2025-01-02T03:04:05Z"}]);
        let entries = read(one.to_string().as_bytes(), "x.json").unwrap();
        assert_eq!((entries[0].source().as_str(), entries[0].active), ("developers-italia:a", false));
    }
}
