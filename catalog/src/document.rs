//! What the search indexes are made of, as plain types: one document per software and one
//! per organisation. The Store fills them (`Store::search_documents`,
//! `Store::organisation_documents`); `indexer` reads them without needing the Store.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::OrgRef;

/// A software as the search index reads it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchDocument {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub summary: BTreeMap<String, String>,
    pub description: BTreeMap<String, String>,
    pub categories: Vec<String>,
    pub licence: String,
    pub maturity: String,
    /// Publisher, maintainers and providers, by name.
    pub organisations: Vec<String>,
    /// The README text of each harvested repository.
    pub readmes: Vec<String>,
    pub adopter_names: Vec<String>,
    /// What the adopters wrote of their use (adoption scopes, such as "Police des
    /// constructions") and the titles of the roadmap's items, each once: the trade's own
    /// words for what the tool does.
    pub uses: Vec<String>,
    /// Kinds of the active adopters (`commune`, `epci`...), each once.
    pub adopter_kinds: Vec<String>,
    /// Départements, cantons and provinces of the active adopters, by slug, each once.
    pub territories: Vec<String>,
    /// Their names, by slug, for the facets' labels.
    pub territory_names: BTreeMap<String, String>,
    /// Countries of the active adopters, each once.
    pub countries: Vec<String>,
    pub adopters: i64,
    /// The first harvested repository's health score.
    pub health: Option<u32>,
    /// The last commit of any repository.
    pub last_activity: Option<DateTime<Utc>>,
    pub publiccode_valid: bool,
    pub demo: bool,
}

/// An organisation as the organisation search reads it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrganisationDocument {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub country: String,
    pub population: Option<i64>,
    /// Official identifiers as `scheme:value` (`fr-insee:38185`).
    pub identifiers: Vec<String>,
    /// Its parents and their parents (a commune's EPCI, département and région), each once,
    /// nearest first.
    pub parents: Vec<OrgRef>,
    pub demo: bool,
}
