//! publiccode.yml: read with the line and column of every key, validate as the standard and
//! its reference validator (italia/publiccode-parser-go) do, and write back.
//!
//! ```
//! let report = publiccode::validate(b"publiccodeYmlVersion: \"0.4\"\nname: Lizmap\n");
//! for e in &report.errors {
//!     println!("{}:{}: {}: {}", e.line, e.column, e.key, e.message);
//! }
//! // No document without its address, among others: only a valid file gives one.
//! assert!(report.document.is_none());
//! assert!(report.errors.iter().any(|e| e.key == "url"));
//! ```
//!
//! Nothing here does I/O of its own: checks that need the network (is the repository
//! reachable, does the logo URL answer) are skipped and listed in `Report::skipped`; checks of
//! files the publiccode.yml points to (logo, screenshots, authors file) run only when the
//! caller gives access to the repository's files through [`Files`].

mod lists;
mod model;
mod validate;
mod write;
pub mod yaml;

use std::path::{Component, Path, PathBuf};

use serde::Serialize;

pub use lists::{is_category, is_scope};
pub use model::*;
pub use write::to_yaml;

/// Versions of the standard this validator reads, as the reference validator lists them.
/// Version 1 is not published yet and is refused with a finding that says so.
pub const SUPPORTED_VERSIONS: &[&str] =
    &["0", "0.2", "0.2.0", "0.2.1", "0.2.2", "0.3", "0.3.0", "0.4", "0.4.0", "0.5.0", "0.5", "0.7.0", "0.7"];

/// One thing found in a file. `line` and `column` are 1-based; 0 when the finding is about the
/// file as a whole (not UTF-8, a missing top-level key...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Dotted path with indexes: `maintenance.contacts[0].name`, `description.en.features`.
    /// Empty when the finding is about the file itself.
    pub key: String,
    pub message: String,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// `publiccodeYmlVersion` as the file wrote it, when it wrote one as a string.
    pub version: Option<String>,
    /// The typed document, present exactly when there is no error.
    pub document: Option<PublicCode>,
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
    /// Checks that were not run, each saying what it would have checked and what it needs
    /// (the network, or the repository's files). They are neither errors nor warnings: the
    /// reference validator without network access does not report them either.
    pub skipped: Vec<Finding>,
}

impl Report {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Read access to the repository a publiccode.yml belongs to, for the files it names.
pub trait Files {
    /// The first `max` bytes of the file at `relative_path` (relative to the folder of the
    /// publiccode.yml, `/`-separated), or `None` when there is no such file.
    fn head(&self, relative_path: &str, max: usize) -> Option<Vec<u8>>;
}

/// The repository's files as a folder on disk: the folder holding the publiccode.yml.
#[derive(Debug, Clone)]
pub struct Folder(pub PathBuf);

impl Files for Folder {
    fn head(&self, relative_path: &str, max: usize) -> Option<Vec<u8>> {
        use std::io::Read;
        let relative = Path::new(relative_path);
        // The validator refuses paths that leave the repository before asking; this keeps the
        // folder from ever being left even if it is called directly.
        if relative.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
            return None;
        }
        let file = std::fs::File::open(self.0.join(relative)).ok()?;
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        let mut head = Vec::new();
        file.take(max as u64).read_to_end(&mut head).ok()?;
        Some(head)
    }
}

/// How to validate. The default checks everything that needs neither the network nor files.
#[derive(Default, Clone, Copy)]
pub struct Options<'a> {
    pub files: Option<&'a dyn Files>,
}

/// Validates a publiccode.yml given as bytes, without access to the repository's files.
pub fn validate(bytes: &[u8]) -> Report {
    validate_with(bytes, &Options::default())
}

/// Validates a publiccode.yml, checking the files it names through `options.files`.
pub fn validate_with(bytes: &[u8], options: &Options<'_>) -> Report {
    validate::run(bytes, options)
}

/// Files larger than this are refused before they are parsed (a publiccode.yml is a few
/// kilobytes).
pub const MAX_FILE_BYTES: usize = yaml::MAX_BYTES;
