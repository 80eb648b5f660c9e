//! Reading the files people bring: CSV of adoptions and fundings, the French reference
//! data of communes, other catalogues' exports, and the demo fixtures.

pub mod code_gouv;
pub mod communes;
pub mod comptoir;
pub mod csv;
pub mod developers_italia;
pub mod fixtures;
pub mod sill;

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

/// A software as another catalogue lists it (the Comptoir du Libre, the SILL), checked:
/// what the catalog makes of it is `Store::import_listing`'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Where it comes from, as the record keeps it: `comptoir-du-libre:67`, `sill:12`.
    pub source: String,
    pub name: String,
    /// Its description in French, when the catalogue gives one.
    pub summary: Option<String>,
    /// The licence as an SPDX expression.
    pub licence: String,
    pub website: Option<String>,
    pub repository: Option<String>,
    /// Its page in that catalogue: the evidence of what the catalogue says of it.
    pub page: Option<String>,
    pub users: Vec<ListedOrganisation>,
    pub providers: Vec<ListedOrganisation>,
    /// How a problem with it is named: `FILE: softwares[3] (Name)`.
    pub label: String,
}

/// A user or a provider of a listed software.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedOrganisation {
    pub name: String,
    pub kind: crate::vocab::OrganisationKind,
    /// Its page in that catalogue, when it has one: the evidence of its use.
    pub page: Option<String>,
    pub website: Option<String>,
    /// An official identifier the catalogue gives (a provider's SIREN).
    pub identifier: Option<crate::identifier::OfficialId>,
}

/// A catalogue's list, checked.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The catalogue, as a new record's summary names it (`le Comptoir du Libre`).
    pub catalogue: &'static str,
    /// The day of the list: since when, at the latest, its users use what they say.
    pub listed_on: Option<chrono::NaiveDate>,
    pub software: Vec<Listed>,
    /// Records the list holds but the import leaves out, each with why.
    pub skipped: Vec<String>,
}
