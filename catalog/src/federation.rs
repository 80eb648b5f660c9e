//! Federation: this instance follows other Communs instances (its peers). A round reads a
//! peer's changes feed (`GET /api/v1/changes`) from the cursor kept here, reads each
//! changed record where the feed says, and writes it here as the peer's: shown with a link
//! back, never edited here, removed when the peer removes or hides it.
//!
//! Each instance's feed carries only the records written on it, never those it follows: a
//! follower reads a record from the instance where it is kept, so a loop of instances
//! following one another does not echo, and two peers that follow a third do not hand its
//! records to each other twice.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::address::{read_webhook_address, AddressPolicy};
use crate::error::{Error, Result};
use crate::store::ChangeCursor;

/// An instance this one follows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Peer {
    pub id: i64,
    /// Its short name here (`region-bretagne`), as pages credit its records.
    pub name: String,
    /// Its site's address, without a trailing slash: the feed is `{url}/api/v1/changes`, a
    /// record's page `{url}/software/{slug}`.
    pub url: String,
    #[serde(skip)]
    pub cursor: ChangeCursor,
    pub added_at: DateTime<Utc>,
    pub last_round_at: Option<DateTime<Utc>>,
    /// What the last round found wrong, if anything.
    pub last_problem: Option<String>,
    /// The records here that came from it.
    pub records: i64,
}

/// A peer's name: a slug of 40 characters at most.
pub fn peer_name(s: &str) -> Result<String> {
    let slug = crate::Slug::parse(s.trim()).map_err(|e| match e {
        Error::Invalid { message, .. } => Error::invalid("name", message),
        other => other,
    })?;
    if slug.as_str().len() > 40 {
        return Err(Error::invalid("name", format!("{slug} has more than 40 characters")));
    }
    Ok(slug.as_str().to_string())
}

/// A peer's address, checked as a webhook's is (https or http, a public host unless
/// `policy` allows local ones, no credentials), with no query or fragment: the site's root,
/// or the folder it is served under.
pub fn peer_url(s: &str, policy: AddressPolicy) -> Result<String> {
    let checked = read_webhook_address(s, policy).map_err(|why| Error::invalid("url", why.to_string()))?;
    let parsed = url::Url::parse(&checked.url).map_err(|e| Error::invalid("url", e.to_string()))?;
    if parsed.query().is_some() {
        return Err(Error::invalid("url", format!("{:?} has a query (?): give the site's address", checked.url)));
    }
    Ok(checked.url.trim_end_matches('/').to_string())
}

/// The kinds of record a feed carries, as it names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FederatedEntity {
    Organisation,
    Software,
    RoadmapItem,
    Adoption,
    Funding,
}

impl FederatedEntity {
    pub fn parse(s: &str) -> Option<FederatedEntity> {
        Some(match s {
            "organisation" => FederatedEntity::Organisation,
            "software" => FederatedEntity::Software,
            "roadmap_item" => FederatedEntity::RoadmapItem,
            "adoption" => FederatedEntity::Adoption,
            "funding" => FederatedEntity::Funding,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FederatedEntity::Organisation => "organisation",
            FederatedEntity::Software => "software",
            FederatedEntity::RoadmapItem => "roadmap_item",
            FederatedEntity::Adoption => "adoption",
            FederatedEntity::Funding => "funding",
        }
    }

    /// Where the feed says a record of this kind is read: `/api/v1/{collection}/{key}`.
    pub fn collection(self) -> &'static str {
        match self {
            FederatedEntity::Organisation => "organisations",
            FederatedEntity::Software => "software",
            FederatedEntity::RoadmapItem => "roadmap",
            FederatedEntity::Adoption => "adoptions",
            FederatedEntity::Funding => "fundings",
        }
    }

    /// Whether `key` is a key this kind of record has: a slug, or a numeric id.
    pub fn valid_key(self, key: &str) -> bool {
        match self {
            FederatedEntity::Organisation | FederatedEntity::Software => crate::Slug::parse(key).is_ok(),
            _ => !key.is_empty() && key.len() <= 18 && key.bytes().all(|b| b.is_ascii_digit()),
        }
    }
}

/// One change read from a peer: the record as the peer has it now, or `None` when the peer
/// removed or hid it.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub entity: FederatedEntity,
    pub key: String,
    pub record: Option<RemoteRecord>,
}

/// A record as a peer's API gives it, read from its JSON: only what is written here, and
/// more fields than these are let through (a newer peer may have some).
#[derive(Debug, Clone)]
pub enum RemoteRecord {
    Organisation(RemoteOrganisation),
    Software(RemoteSoftware),
    RoadmapItem(RemoteRoadmapItem),
    Adoption(RemoteAdoption),
    Funding(RemoteFunding),
}

impl RemoteRecord {
    /// Reads the answer of a record's address; the problem names the record.
    pub fn read(entity: FederatedEntity, key: &str, json: &[u8]) -> Result<RemoteRecord> {
        let value = serde_json::from_slice(json)
            .map_err(|e| Error::invalid(format!("{} {key}", entity.as_str()), e.to_string()))?;
        RemoteRecord::from_value(entity, key, value)
    }

    /// Reads a record as the feed carries it (`records=true`) or its address answers it.
    pub fn from_value(entity: FederatedEntity, key: &str, value: serde_json::Value) -> Result<RemoteRecord> {
        fn parse<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> std::result::Result<T, String> {
            serde_json::from_value(value).map_err(|e| e.to_string())
        }
        let read = match entity {
            FederatedEntity::Organisation => parse(value).map(RemoteRecord::Organisation),
            FederatedEntity::Software => parse(value).map(RemoteRecord::Software),
            FederatedEntity::RoadmapItem => parse(value).map(RemoteRecord::RoadmapItem),
            FederatedEntity::Adoption => parse(value).map(RemoteRecord::Adoption),
            FederatedEntity::Funding => parse(value).map(RemoteRecord::Funding),
        };
        let record = read.map_err(|why| Error::invalid(format!("{} {key}", entity.as_str()), why))?;
        // The answer is of the record the feed named, or it is not that record.
        let answered = match &record {
            RemoteRecord::Organisation(o) => o.slug.clone(),
            RemoteRecord::Software(s) => s.slug.clone(),
            RemoteRecord::RoadmapItem(r) => r.id.to_string(),
            RemoteRecord::Adoption(a) => a.id.to_string(),
            RemoteRecord::Funding(f) => f.id.to_string(),
        };
        if answered != key {
            return Err(Error::invalid(
                format!("{} {key}", entity.as_str()),
                format!("the peer answered with the record {answered}"),
            ));
        }
        Ok(record)
    }
}

/// A reference to another record by its slug (`{"slug": ...}`, as lists give them).
#[derive(Debug, Clone, Deserialize)]
pub struct RemoteRef {
    pub slug: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RemoteOrganisation {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub country: String,
    #[serde(default)]
    pub identifiers: Vec<String>,
    #[serde(default)]
    pub liaison: Option<u8>,
    #[serde(default)]
    pub population: Option<i64>,
    #[serde(default)]
    pub parents: Vec<RemoteRef>,
    #[serde(default)]
    pub website: Option<String>,
}

/// A software, read from its page's answer: the record's fields are at the top, beside its
/// adoptions, fundings and roadmap, which come as records of their own.
#[derive(Debug, Clone, Deserialize)]
pub struct RemoteSoftware {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub summary: BTreeMap<String, String>,
    #[serde(default)]
    pub description: BTreeMap<String, String>,
    #[serde(default)]
    pub categories: Vec<String>,
    pub licence: String,
    pub maturity: String,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub logo_url: Option<String>,
    #[serde(default)]
    pub publisher: Option<RemoteRef>,
    #[serde(default)]
    pub maintainers: Vec<RemoteRef>,
    #[serde(default)]
    pub providers: Vec<RemoteRef>,
    #[serde(default)]
    pub funders: Vec<RemoteRef>,
    #[serde(default)]
    pub repositories: Vec<RemoteRepository>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RemoteRepository {
    pub url: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RemoteAdoption {
    pub id: i64,
    pub software: String,
    pub organisation: String,
    pub since: String,
    pub status: String,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub evidence_url: Option<String>,
    pub state: String,
    #[serde(default)]
    pub last_confirmed: Option<String>,
    #[serde(default)]
    pub instance_url: Option<String>,
    /// The organisation that runs or supports it for the adopter, by its slug.
    #[serde(default)]
    pub provider: Option<String>,
}

/// An amount as the API writes it: minor units and a currency.
#[derive(Debug, Clone, Deserialize)]
pub struct RemoteMoney {
    pub minor: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RemoteFunding {
    pub id: i64,
    pub funder: String,
    pub software: String,
    #[serde(default)]
    pub roadmap_item: Option<String>,
    pub amount: RemoteMoney,
    pub date: String,
    pub kind: String,
    pub status: String,
    #[serde(default)]
    pub evidence_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RemoteRoadmapItem {
    pub id: i64,
    pub software: String,
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    pub status: String,
    #[serde(default)]
    pub estimated_cost: Option<RemoteMoney>,
    #[serde(default)]
    pub target_date: Option<String>,
    #[serde(default)]
    pub needed_by: Vec<RemoteRef>,
}

/// What applying a page of a peer's changes did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    pub created: usize,
    pub updated: usize,
    /// The peer's records found here already (same repository, same official identifier):
    /// kept as they are, and used to place the peer's adoptions and fundings.
    pub matched: usize,
    pub removed: usize,
    /// Records the peer removed but on which this instance's own records hang (a commune's
    /// adoption of the peer's software): kept, as this instance's records from now on.
    pub kept: Vec<String>,
    /// Records not written, each with why (`software x: licence: …`).
    pub refused: Vec<String>,
}

impl ApplyReport {
    pub fn add(&mut self, other: ApplyReport) {
        self.created += other.created;
        self.updated += other.updated;
        self.matched += other.matched;
        self.removed += other.removed;
        self.kept.extend(other.kept);
        self.refused.extend(other.refused);
    }
}

/// Where a record here came from: the peer, and the record's page there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Origin {
    pub peer: String,
    pub url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_addresses_are_checked() {
        assert_eq!(peer_name(" bretagne ").unwrap(), "bretagne");
        assert!(peer_name("Bretagne!").unwrap_err().to_string().starts_with("name:"));
        assert!(peer_name(&"a".repeat(41)).is_err());
        let local = AddressPolicy::AllowLocal;
        assert_eq!(peer_url("http://127.0.0.1:8080/", local).unwrap(), "http://127.0.0.1:8080");
        assert_eq!(
            peer_url("https://communs.example.org/region/", local).unwrap(),
            "https://communs.example.org/region"
        );
        for bad in
            ["ftp://example.org", "https://u:p@example.org", "https://example.org/?x=1", "https://example.org/#a"]
        {
            assert!(peer_url(bad, local).unwrap_err().to_string().starts_with("url:"), "{bad}");
        }
        let refused = peer_url("http://127.0.0.1:8080", AddressPolicy::PublicOnly).unwrap_err().to_string();
        assert!(refused.contains("127.0.0.1"), "{refused}");
    }

    #[test]
    fn a_record_is_the_one_the_feed_named() {
        let json = br#"{"id": 4, "software": "a", "organisation": "b", "since": "2024-01-01", "status": "active", "state": "declared", "new_field": 1}"#;
        assert!(RemoteRecord::read(FederatedEntity::Adoption, "4", json).is_ok());
        let e = RemoteRecord::read(FederatedEntity::Adoption, "5", json).unwrap_err().to_string();
        assert!(e.starts_with("adoption 5:"), "{e}");
        let e = RemoteRecord::read(FederatedEntity::Software, "x", b"{}").unwrap_err().to_string();
        assert!(e.starts_with("software x:") && e.contains("slug"), "{e}");
        assert!(FederatedEntity::Funding.valid_key("12") && !FederatedEntity::Funding.valid_key("../x"));
        assert!(!FederatedEntity::Software.valid_key("../etc"));
    }
}
