//! Reading the files people bring: CSV of adoptions and fundings, the French reference
//! data of communes, other catalogues' exports, and the demo fixtures.

pub mod code_gouv;
pub mod communes;
pub mod comptoir;
pub mod csv;
pub mod developers_italia;
pub mod fixtures;

use std::fmt;

/// A problem at a place in a file: 1-based line, 1-based column (0 when the whole line is
/// concerned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    pub line: u64,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// A problem with one record of a file of records (an entry of a catalogue's export),
/// named as the file names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordProblem {
    /// `FILE: data[3] (https://…)`: where, and which.
    pub record: String,
    pub message: String,
}

impl fmt::Display for RecordProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.record, self.message)
    }
}
