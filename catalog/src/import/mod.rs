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
    /// The software of the same list the catalogue calls similar, by their `source`.
    pub similar: Vec<String>,
    /// How a problem with it is named: `FILE: softwares[3] (Name)`.
    pub label: String,
}

/// An instance of a listed software that an organisation runs (the SILL's instances): an
/// adoption, with the instance's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedInstance {
    /// The software's `source` in the list (`sill:310`).
    pub software: String,
    pub organisation: ListedOrganisation,
    /// Its public address, when it has one.
    pub url: Option<String>,
    /// Who it serves, in the catalogue's words.
    pub audience: Option<String>,
    /// How a problem with it is named: `FILE: [3] (Organisation)`.
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
    /// The instances of its software that organisations run, when the catalogue lists them.
    pub instances: Vec<ListedInstance>,
    /// Records the list holds but the import leaves out, each with why.
    pub skipped: Vec<String>,
}

/// An address a list gives, kept when it is a public web address; empty strings are none.
pub(crate) fn web(field: &str, v: Option<String>) -> Result<Option<String>, String> {
    let Some(v) = v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) else { return Ok(None) };
    crate::text::web_url(field, &v).map(Some).map_err(|e| e.to_string())
}

/// The SPDX expression of a licence as the catalogues write it ("GNU GPL v3", "CeCILL v2.1",
/// "Apache 2.0"), or of an SPDX expression written as such; `None` when it names none.
/// Versions without "only" are read as "or later", as the GNU licences advise.
pub fn spdx_of(written: &str) -> Option<String> {
    let words: Vec<String> = written
        .to_lowercase()
        .replace(['.', '-', '_', '(', ')', ','], " ")
        .split_whitespace()
        .filter(|w| !matches!(*w, "gnu" | "licence" | "license" | "the" | "public" | "general" | "version" | "v"))
        .map(|w| w.trim_start_matches('v').to_string())
        .collect();
    let key = words.join(" ");
    let known = match key.as_str() {
        "gpl 2" | "gpl 2 0" => "GPL-2.0-or-later",
        "gpl 3" | "gpl 3 0" => "GPL-3.0-or-later",
        "agpl 3" | "agpl 3 0" | "affero gpl 3" | "affero 3" => "AGPL-3.0-or-later",
        "lgpl 2 1" => "LGPL-2.1-or-later",
        "lgpl 3" | "lgpl 3 0" => "LGPL-3.0-or-later",
        "cecill 2" | "cecill 2 0" => "CECILL-2.0",
        "cecill 2 1" => "CECILL-2.1",
        "cecill b" => "CECILL-B",
        "cecill c" => "CECILL-C",
        "apache 2" | "apache 2 0" => "Apache-2.0",
        "mit" => "MIT",
        "bsd 2 clause" => "BSD-2-Clause",
        "bsd 3 clause" => "BSD-3-Clause",
        "eupl 1 1" => "EUPL-1.1",
        "eupl 1 2" => "EUPL-1.2",
        "mpl 2" | "mpl 2 0" | "mozilla 2 0" => "MPL-2.0",
        _ => "",
    };
    if !known.is_empty() {
        return Some(known.to_string());
    }
    let written = written.trim();
    (!written.is_empty() && crate::licence::Licence::parse(written).is_ok()).then(|| written.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licences_are_read_as_spdx() {
        for (written, spdx) in [
            ("GNU GPL v3", "GPL-3.0-or-later"),
            ("GNU Affero GPL v3", "AGPL-3.0-or-later"),
            ("CeCILL v2.1", "CECILL-2.1"),
            ("Apache 2.0", "Apache-2.0"),
            ("GNU LGPL v2.1", "LGPL-2.1-or-later"),
            ("EUPL-1.2", "EUPL-1.2"),
            ("MIT OR Apache-2.0", "MIT OR Apache-2.0"),
        ] {
            assert_eq!(spdx_of(written).as_deref(), Some(spdx), "{written}");
        }
        assert_eq!(spdx_of("Licence maison"), None);
        assert_eq!(spdx_of(""), None);
    }
}
