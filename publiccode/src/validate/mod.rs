//! From bytes to a report: decode, read the YAML tree, then check every key while building the
//! typed document.
//!
//! Reading and checking are one walk over the tree: each key is read into the type the standard
//! gives it, and its checks run with the key's position at hand. When a top-level section holds
//! a value of the wrong type somewhere, the whole section is dropped (its other findings with
//! it) and the rest of the file is checked as if it were absent: the reference validator does
//! the same, so a required key inside it is reported missing rather than half-read.

mod assets;
mod formats;
mod sections;

use std::collections::HashMap;

use crate::yaml::{self, Entry, Node, ScalarKind, Value};
use crate::{Files, Finding, Options, Report, MAX_FILE_BYTES};

pub(crate) fn run(bytes: &[u8], options: &Options<'_>) -> Report {
    let mut report = Report { version: None, document: None, errors: vec![], warnings: vec![], skipped: vec![] };
    let fail = |mut report: Report, message: String, line: usize, column: usize| {
        report.errors.push(Finding { key: String::new(), message, line, column });
        report
    };
    if bytes.len() > MAX_FILE_BYTES {
        let message = format!("the file is {} bytes; files over {} bytes are refused", bytes.len(), MAX_FILE_BYTES);
        return fail(report, message, 0, 0);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let (line, column) = line_column(&bytes[..e.valid_up_to()]);
            return fail(report, "invalid UTF-8: a publiccode.yml must be encoded in UTF-8".into(), line, column);
        }
    };
    // A byte order mark is allowed by YAML and harmless; it is not part of the first key.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let tree = match yaml::read(text) {
        Ok(tree) => tree,
        Err(e) => return fail(report, e.message, e.line, e.column),
    };
    let mut checker = Checker {
        root: &tree.root,
        files: options.files,
        errors: vec![],
        warnings: vec![],
        skipped: vec![],
        type_errors: vec![],
        line_keys: None,
    };
    for p in &tree.problems {
        checker.errors.push(Finding {
            key: p.path.clone(),
            message: p.message.clone(),
            line: p.line,
            column: p.column,
        });
    }
    let (version, document) = sections::document(&mut checker);
    report.version = version;
    report.errors = checker.errors;
    report.warnings = checker.warnings;
    report.skipped = checker.skipped;
    if report.errors.is_empty() {
        report.document = document;
    }
    report
}

/// 1-based line and column (in characters) just after `before`.
fn line_column(before: &[u8]) -> (usize, usize) {
    let text = String::from_utf8_lossy(before);
    let line = text.matches('\n').count() + 1;
    let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

pub(crate) struct Checker<'a> {
    pub root: &'a Node,
    pub files: Option<&'a dyn Files>,
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
    pub skipped: Vec<Finding>,
    /// Wrong-type findings of the top-level section being read; see the module's comment.
    type_errors: Vec<Finding>,
    /// The first key or item that starts on each line, built when first needed: a file can
    /// hold thousands of values of the wrong type, and walking the tree for each is quadratic.
    line_keys: Option<HashMap<usize, String>>,
}

pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

pub(crate) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// A language key under `description`: dotted when it is a bare word (`description.en`),
/// bracketed otherwise (`description[en-US]`), as the reference validator writes them.
pub(crate) fn language(path: &str, tag: &str) -> String {
    if tag.bytes().all(|b| b.is_ascii_alphanumeric()) {
        join(path, tag)
    } else {
        format!("{path}[{tag}]")
    }
}

impl<'a> Checker<'a> {
    pub fn error(&mut self, key: impl Into<String>, message: impl Into<String>, at: (usize, usize)) {
        self.errors.push(Finding { key: key.into(), message: message.into(), line: at.0, column: at.1 });
    }

    pub fn warn(&mut self, key: impl Into<String>, message: impl Into<String>, at: (usize, usize)) {
        self.warnings.push(Finding { key: key.into(), message: message.into(), line: at.0, column: at.1 });
    }

    pub fn skip(&mut self, key: impl Into<String>, message: impl Into<String>, at: (usize, usize)) {
        self.skipped.push(Finding { key: key.into(), message: message.into(), line: at.0, column: at.1 });
    }

    /// Reads one top-level section; if a value of the wrong type was met inside it, everything
    /// else it reported is withdrawn and the section counts as absent.
    pub fn section<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let marks = (self.errors.len(), self.warnings.len(), self.skipped.len());
        let outer = std::mem::take(&mut self.type_errors);
        let value = read(self);
        let type_errors = std::mem::replace(&mut self.type_errors, outer);
        if type_errors.is_empty() {
            return value;
        }
        self.errors.truncate(marks.0);
        self.warnings.truncate(marks.1);
        self.skipped.truncate(marks.2);
        self.errors.extend(type_errors);
        None
    }

    /// Reports a value of the wrong type. The key is the first key or item that starts on the
    /// value's line (for a block collection, its first entry), as the reference validator
    /// names it; the path of the field itself is the fallback.
    pub fn wrong_type(&mut self, node: &Node, path: &str, expected: &str) {
        let root = self.root;
        let line_keys = self.line_keys.get_or_insert_with(|| {
            let mut keys = HashMap::new();
            first_keys_by_line(root, "", false, &mut keys);
            keys
        });
        let key = line_keys.get(&node.line).cloned().unwrap_or_else(|| path.to_string());
        let message = if expected == "a boolean" && matches!(&node.value, Value::Scalar(_)) && !node.is_null() {
            "wrong type for this field: a boolean (true or false) is expected; \
             YAML 1.1's yes/no/on/off and quoted values are strings"
                .to_string()
        } else {
            format!("wrong type for this field: {expected} is expected, not a {}", node.kind_name())
        };
        self.type_errors.push(Finding { key, message, line: node.line, column: node.column });
    }

    pub fn unknown(&mut self, entry: &Entry, path: &str) {
        let key = join(path, &entry.key);
        self.error(key, format!("unknown field \"{}\"", entry.key), (entry.key_line, entry.key_column));
    }

    /// A string value. Numbers and booleans count as their text (`softwareVersion: 1.0`), null
    /// as absent.
    pub fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Scalar(s) if s.kind == ScalarKind::Null => None,
            Value::Scalar(s) => Some(s.text.clone()),
            _ => {
                self.wrong_type(node, path, "a string");
                None
            }
        }
    }

    pub fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        match &node.value {
            Value::Scalar(s) => match s.kind {
                ScalarKind::Null => None,
                ScalarKind::Bool(b) => Some(b),
                ScalarKind::Text => {
                    self.wrong_type(node, path, "a boolean");
                    None
                }
            },
            _ => {
                self.wrong_type(node, path, "a boolean");
                None
            }
        }
    }

    pub fn seq<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(items) => Some(items),
            _ if node.is_null() => None,
            _ => {
                self.wrong_type(node, path, "a list");
                None
            }
        }
    }

    pub fn map<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n [Entry]> {
        match &node.value {
            Value::Map(entries) => Some(entries),
            _ if node.is_null() => None,
            _ => {
                self.wrong_type(node, path, "a map");
                None
            }
        }
    }

    /// A list of strings, each with its node and path for the checks that follow.
    pub fn strings<'n>(&mut self, node: &'n Node, path: &str) -> Option<Vec<(String, &'n Node, String)>> {
        let items = self.seq(node, path)?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let item_path = index(path, i);
            if let Some(s) = self.string(item, &item_path) {
                out.push((s, item, item_path));
            } else if item.is_null() {
                out.push((String::new(), item, item_path));
            }
        }
        Some(out)
    }
}

pub(crate) fn at(node: &Node) -> (usize, usize) {
    (node.line, node.column)
}

pub(crate) fn key_at(entry: &Entry) -> (usize, usize) {
    (entry.key_line, entry.key_column)
}

/// Records, for each line, the path of the first key or sequence item (in document order) that
/// starts on it.
fn first_keys_by_line(node: &Node, path: &str, in_description: bool, keys: &mut HashMap<usize, String>) {
    match &node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let item_path = index(path, i);
                keys.entry(item.line).or_insert_with(|| item_path.clone());
                first_keys_by_line(item, &item_path, false, keys);
            }
        }
        Value::Map(entries) => {
            for e in entries {
                let entry_path = if in_description { language(path, &e.key) } else { join(path, &e.key) };
                keys.entry(e.key_line).or_insert_with(|| entry_path.clone());
                first_keys_by_line(&e.value, &entry_path, path.is_empty() && e.key == "description", keys);
            }
        }
    }
}
