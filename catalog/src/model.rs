//! The registry's records: drafts as they come from files and forms (plain strings), the
//! validated values the Store writes, and the views it reads back.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::category::Category;
use crate::country::Country;
use crate::error::{Error, Result};
use crate::identifier::OfficialId;
use crate::licence::Licence;
use crate::money::{Currency, Money};
use crate::slug::Slug;
use crate::text::{self, Texts};
use crate::vocab::*;

/// How a file or a form names an organisation: by slug, or by an official identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OrgKey {
    Slug(Slug),
    Official(OfficialId),
}

impl OrgKey {
    pub fn parse(field: &str, s: &str) -> Result<OrgKey> {
        let s = s.trim();
        let key = if OfficialId::looks_like(s) {
            OfficialId::parse(s).map(OrgKey::Official)
        } else {
            Slug::parse(s).map(OrgKey::Slug)
        };
        key.map_err(|e| match e {
            Error::Invalid { message, .. } => Error::invalid(field, message),
            other => other,
        })
    }
}

impl std::fmt::Display for OrgKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OrgKey::Slug(s) => s.fmt(f),
            OrgKey::Official(id) => id.fmt(f),
        }
    }
}

fn slug_field(field: &str, s: &str) -> Result<Slug> {
    Slug::parse(s.trim()).map_err(|e| match e {
        Error::Invalid { message, .. } => Error::invalid(field, message),
        other => other,
    })
}

fn org_keys(field: &str, raw: &[String]) -> Result<Vec<OrgKey>> {
    raw.iter().enumerate().map(|(i, s)| OrgKey::parse(&format!("{field}[{i}]"), s)).collect()
}

// ---------------------------------------------------------------------------------------
// Organisations

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationDraft {
    pub slug: String,
    pub name: String,
    /// INSEE's type de liaison of a French name (0 to 8): how it joins "de" and "à".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liaison: Option<u8>,
    pub kind: String,
    pub country: String,
    #[serde(default)]
    pub identifiers: Vec<String>,
    #[serde(default)]
    pub population: Option<i64>,
    #[serde(default)]
    pub parents: Vec<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub email_domains: Vec<String>,
    #[serde(default)]
    pub demo: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewOrganisation {
    pub slug: Slug,
    pub name: String,
    pub liaison: Option<u8>,
    pub kind: OrganisationKind,
    pub country: Country,
    pub identifiers: Vec<OfficialId>,
    pub population: Option<i64>,
    pub parents: Vec<OrgKey>,
    pub website: Option<String>,
    pub email_domains: Vec<String>,
    pub demo: bool,
}

impl OrganisationDraft {
    pub fn validate(&self) -> Result<NewOrganisation> {
        let mut identifiers = Vec::new();
        for (i, raw) in self.identifiers.iter().enumerate() {
            let id = OfficialId::parse(raw).map_err(|e| match e {
                Error::Invalid { message, .. } => Error::invalid(format!("identifiers[{i}]"), message),
                other => other,
            })?;
            if identifiers.contains(&id) {
                return Err(Error::invalid(format!("identifiers[{i}]"), format!("{id} is listed twice")));
            }
            identifiers.push(id);
        }
        if let Some(p) = self.population {
            if !(0..=2_000_000_000).contains(&p) {
                return Err(Error::invalid("population", "must be a whole number of inhabitants, 0 or more"));
            }
        }
        let slug = slug_field("slug", &self.slug)?;
        let parents = org_keys("parents", &self.parents)?;
        if parents.contains(&OrgKey::Slug(slug.clone())) {
            return Err(Error::invalid("parents", "an organisation cannot be its own parent"));
        }
        let mut email_domains = Vec::new();
        for (i, d) in self.email_domains.iter().enumerate() {
            let d = d.trim().trim_start_matches('@').to_ascii_lowercase();
            let ok = d.contains('.')
                && d.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
            if !ok {
                return Err(Error::invalid(format!("email_domains[{i}]"), format!("{d:?} is not a domain name")));
            }
            email_domains.push(d);
        }
        if self.liaison.is_some_and(|l| l > 8) {
            return Err(Error::invalid("liaison", "must be INSEE's type de liaison, 0 to 8"));
        }
        Ok(NewOrganisation {
            slug,
            name: text::line("name", &self.name, 200)?,
            kind: OrganisationKind::parse(&self.kind)?,
            country: Country::parse(&self.country)?,
            identifiers,
            liaison: self.liaison,
            population: self.population,
            parents,
            website: self
                .website
                .as_deref()
                .filter(|w| !w.trim().is_empty())
                .map(|w| text::web_url("website", w))
                .transpose()?,
            email_domains,
            demo: self.demo,
        })
    }
}

/// A short reference to an organisation, as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "store", derive(sqlx::FromRow))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgRef {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub country: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organisation {
    pub slug: String,
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: OrganisationKind,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub country: Country,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub identifiers: Vec<OfficialId>,
    /// INSEE's type de liaison of the name (see `OrganisationDraft::liaison`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liaison: Option<u8>,
    pub population: Option<i64>,
    pub parents: Vec<OrgRef>,
    pub website: Option<String>,
    pub email_domains: Vec<String>,
    pub demo: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

// ---------------------------------------------------------------------------------------
// Software

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepositoryDraft {
    pub url: String,
    #[serde(default)]
    pub forge: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoftwareDraft {
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
    pub publisher: Option<String>,
    #[serde(default)]
    pub maintainers: Vec<String>,
    #[serde(default)]
    pub providers: Vec<String>,
    /// Organisations declared as having funded it (publiccode.yml's `fundedBy`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub funders: Vec<String>,
    #[serde(default)]
    pub similar: Vec<String>,
    #[serde(default)]
    pub repositories: Vec<RepositoryDraft>,
    #[serde(default)]
    pub demo: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRepository {
    pub url: String,
    pub forge: Forge,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewSoftware {
    pub slug: Slug,
    pub name: String,
    pub summary: Texts,
    pub description: Texts,
    pub categories: Vec<Category>,
    pub licence: Licence,
    pub maturity: Maturity,
    pub website: Option<String>,
    pub logo_url: Option<String>,
    pub publisher: Option<OrgKey>,
    pub maintainers: Vec<OrgKey>,
    pub providers: Vec<OrgKey>,
    pub funders: Vec<OrgKey>,
    pub similar: Vec<Slug>,
    pub repositories: Vec<NewRepository>,
    pub demo: bool,
}

/// Guesses the forge from a repository's host, for drafts that do not say.
pub fn forge_of(url: &str) -> Forge {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| url.split(['@', ':']).nth(1).unwrap_or_default().to_string());
    if host == "github.com" {
        Forge::Github
    } else if host.contains("gitlab")
        || host == "framagit.org"
        || host.starts_with("git.") && host.ends_with(".gouv.fr")
    {
        Forge::Gitlab
    } else if host == "codeberg.org" || host.contains("gitea") {
        Forge::Gitea
    } else if host == "bitbucket.org" {
        Forge::Bitbucket
    } else if host == "git.sr.ht" {
        Forge::Sourcehut
    } else {
        Forge::Other
    }
}

impl RepositoryDraft {
    pub fn validate(&self) -> Result<NewRepository> {
        let url = text::repository_url("url", &self.url)?;
        let forge = match self.forge.as_deref() {
            Some(f) if !f.trim().is_empty() => Forge::parse(f)?,
            _ => forge_of(&url),
        };
        Ok(NewRepository { url, forge })
    }
}

impl SoftwareDraft {
    pub fn validate(&self) -> Result<NewSoftware> {
        let slug = slug_field("slug", &self.slug)?;
        let mut categories = Vec::new();
        for (i, c) in self.categories.iter().enumerate() {
            let cat = Category::parse(c.trim()).map_err(|e| match e {
                Error::Invalid { message, .. } => Error::invalid(format!("categories[{i}]"), message),
                other => other,
            })?;
            if !categories.contains(&cat) {
                categories.push(cat);
            }
        }
        let mut similar = Vec::new();
        for (i, s) in self.similar.iter().enumerate() {
            let s = slug_field(&format!("similar[{i}]"), s)?;
            if s == slug {
                return Err(Error::invalid(format!("similar[{i}]"), "a software is not similar to itself"));
            }
            similar.push(s);
        }
        let mut repositories: Vec<NewRepository> = Vec::new();
        for (i, r) in self.repositories.iter().enumerate() {
            let repo = r.validate().map_err(|e| e.within(&format!("repositories[{i}]")))?;
            if repositories.iter().any(|o| o.url == repo.url) {
                return Err(Error::invalid(format!("repositories[{i}].url"), "listed twice"));
            }
            repositories.push(repo);
        }
        let optional_url = |field: &str, v: &Option<String>| {
            v.as_deref().filter(|w| !w.trim().is_empty()).map(|w| text::web_url(field, w)).transpose()
        };
        Ok(NewSoftware {
            slug,
            name: text::line("name", &self.name, 200)?,
            summary: text::texts("summary", &self.summary, 500, true)?,
            description: text::texts("description", &self.description, 50_000, false)?,
            categories,
            licence: Licence::parse(&self.licence)?,
            maturity: Maturity::parse(&self.maturity)?,
            website: optional_url("website", &self.website)?,
            logo_url: optional_url("logo_url", &self.logo_url)?,
            publisher: self
                .publisher
                .as_deref()
                .filter(|p| !p.trim().is_empty())
                .map(|p| OrgKey::parse("publisher", p))
                .transpose()?,
            maintainers: org_keys("maintainers", &self.maintainers)?,
            providers: org_keys("providers", &self.providers)?,
            funders: org_keys("funders", &self.funders)?,
            similar,
            repositories,
            demo: self.demo,
        })
    }
}

/// A software as lists show it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SoftwareSummary {
    pub slug: String,
    pub name: String,
    pub summary: BTreeMap<String, String>,
    pub licence: String,
    pub maturity: String,
    pub categories: Vec<String>,
    pub adopters: i64,
    pub demo: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Repository {
    pub url: String,
    pub forge: String,
    /// What harvests learnt, on the pages that show it (a software's page).
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub harvest: Option<Box<crate::repository::RepositoryHarvest>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "store", derive(sqlx::FromRow))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SoftwareRef {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Software {
    pub slug: String,
    pub name: String,
    pub summary: BTreeMap<String, String>,
    pub description: BTreeMap<String, String>,
    pub categories: Vec<String>,
    pub licence: String,
    pub maturity: String,
    pub website: Option<String>,
    pub logo_url: Option<String>,
    pub publisher: Option<OrgRef>,
    pub maintainers: Vec<OrgRef>,
    pub providers: Vec<OrgRef>,
    /// Declared funders; the fundings with amounts are listed apart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub funders: Vec<OrgRef>,
    pub similar: Vec<SoftwareRef>,
    pub repositories: Vec<Repository>,
    pub demo: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

// ---------------------------------------------------------------------------------------
// Adoptions

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdoptionDraft {
    pub software: String,
    pub organisation: String,
    pub since: String,
    pub status: String,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub evidence_url: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub last_confirmed: Option<String>,
    #[serde(default)]
    pub demo: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewAdoption {
    pub software: Slug,
    pub organisation: OrgKey,
    pub since: NaiveDate,
    pub status: AdoptionStatus,
    pub scope: Option<String>,
    pub evidence_url: Option<String>,
    pub state: AdoptionState,
    pub last_confirmed: Option<NaiveDate>,
    pub demo: bool,
}

impl AdoptionDraft {
    /// `today` decides what "in the future" means, so that tests can fix it.
    pub fn validate(&self, today: NaiveDate) -> Result<NewAdoption> {
        let since = text::date("since", &self.since)?;
        if since > today {
            return Err(Error::invalid("since", format!("{since} is in the future")));
        }
        let state = match self.state.as_deref().map(str::trim) {
            None | Some("") => AdoptionState::Declared,
            Some(s) => AdoptionState::parse(s)?,
        };
        let last_confirmed = match self.last_confirmed.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(text::date("last_confirmed", s)?),
        };
        match (state, last_confirmed) {
            (AdoptionState::Confirmed, None) => {
                return Err(Error::invalid(
                    "last_confirmed",
                    "a confirmed adoption needs the date it was last confirmed",
                ))
            }
            (AdoptionState::Declared, Some(_)) => {
                return Err(Error::invalid("last_confirmed", "only a confirmed adoption has a confirmation date"))
            }
            (_, Some(d)) if d < since || d > today => {
                return Err(Error::invalid("last_confirmed", format!("{d} must be between since ({since}) and today")))
            }
            _ => {}
        }
        Ok(NewAdoption {
            software: slug_field("software", &self.software)?,
            organisation: OrgKey::parse("organisation", &self.organisation)?,
            since,
            status: AdoptionStatus::parse(&self.status)?,
            scope: text::optional_text("scope", self.scope.as_deref(), 500)?,
            evidence_url: self
                .evidence_url
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(|s| text::web_url("evidence_url", s))
                .transpose()?,
            state,
            last_confirmed,
            demo: self.demo,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "store", derive(sqlx::FromRow))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Adoption {
    pub id: i64,
    pub software: String,
    pub software_name: String,
    pub organisation: String,
    pub organisation_name: String,
    pub organisation_kind: String,
    pub since: NaiveDate,
    #[cfg_attr(feature = "store", sqlx(try_from = "String"))]
    pub status: AdoptionStatus,
    pub scope: Option<String>,
    pub evidence_url: Option<String>,
    /// The instance the organisation uses (its address), when it says.
    pub instance_url: Option<String>,
    /// The organisation that runs or supports it for them, when they say.
    pub provider: Option<String>,
    pub provider_name: Option<String>,
    #[cfg_attr(feature = "store", sqlx(try_from = "String"))]
    pub state: AdoptionState,
    pub last_confirmed: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    /// From this day on the adoption is "to be checked": 24 months after it was declared or
    /// last confirmed, by the maintainers or by its organisation saying it is still in use.
    pub check_due: Option<NaiveDate>,
    pub demo: bool,
}

/// How long an adoption stays good without being confirmed again.
pub const CHECK_EVERY_MONTHS: u32 = 24;

/// The day an adoption confirmed or declared on `on` is next to be checked.
pub fn check_due_after(on: NaiveDate) -> NaiveDate {
    on.checked_add_months(chrono::Months::new(CHECK_EVERY_MONTHS)).unwrap_or(NaiveDate::MAX)
}

impl Adoption {
    /// Whether the adoption, still current, has gone unconfirmed too long.
    pub fn to_be_checked(&self, today: NaiveDate) -> bool {
        self.status != AdoptionStatus::Ended && self.check_due.is_some_and(|d| d <= today)
    }
}

// ---------------------------------------------------------------------------------------
// Fundings

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundingDraft {
    pub funder: String,
    pub software: String,
    #[serde(default)]
    pub roadmap_item: Option<String>,
    pub amount: String,
    pub currency: String,
    pub date: String,
    pub kind: String,
    pub status: String,
    #[serde(default)]
    pub evidence_url: Option<String>,
    #[serde(default)]
    pub demo: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewFunding {
    pub funder: OrgKey,
    pub software: Slug,
    pub roadmap_item: Option<Slug>,
    pub amount: Money,
    pub date: NaiveDate,
    pub kind: FundingKind,
    pub status: FundingStatus,
    pub evidence_url: Option<String>,
    pub demo: bool,
}

impl FundingDraft {
    pub fn validate(&self, today: NaiveDate) -> Result<NewFunding> {
        let currency = Currency::parse(&self.currency)?;
        let status = FundingStatus::parse(&self.status)?;
        let date = text::date("date", &self.date)?;
        if status == FundingStatus::Paid && date > today {
            return Err(Error::invalid("date", format!("{date} is in the future, so it cannot be paid yet")));
        }
        Ok(NewFunding {
            funder: OrgKey::parse("funder", &self.funder)?,
            software: slug_field("software", &self.software)?,
            roadmap_item: self
                .roadmap_item
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(|s| slug_field("roadmap_item", s))
                .transpose()?,
            amount: Money::parse(&self.amount, currency)?,
            date,
            kind: FundingKind::parse(&self.kind)?,
            status,
            evidence_url: self
                .evidence_url
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(|s| text::web_url("evidence_url", s))
                .transpose()?,
            demo: self.demo,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Funding {
    pub id: i64,
    pub funder: String,
    pub funder_name: String,
    pub funder_kind: String,
    pub software: String,
    pub software_name: String,
    pub roadmap_item: Option<String>,
    pub amount: Money,
    /// The amount as a decimal in the currency's unit, as the CSV files write it.
    pub amount_decimal: String,
    pub date: NaiveDate,
    pub kind: FundingKind,
    pub status: FundingStatus,
    /// The council's deliberation that voted it: a reference or an address.
    pub deliberation: Option<String>,
    pub evidence_url: Option<String>,
    pub demo: bool,
}

/// The sum of fundings in one currency (amounts in different currencies are never added).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Total {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub currency: Currency,
    pub minor: i64,
    pub decimal: String,
    pub count: i64,
}

// ---------------------------------------------------------------------------------------
// Roadmaps

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostDraft {
    pub amount: String,
    pub currency: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoadmapItemDraft {
    pub software: String,
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    pub status: String,
    #[serde(default)]
    pub estimated_cost: Option<CostDraft>,
    #[serde(default)]
    pub target_date: Option<String>,
    #[serde(default)]
    pub needed_by: Vec<String>,
    #[serde(default)]
    pub demo: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewRoadmapItem {
    pub software: Slug,
    pub slug: Slug,
    pub title: String,
    pub body: Option<String>,
    pub status: RoadmapStatus,
    pub estimated_cost: Option<Money>,
    pub target_date: Option<NaiveDate>,
    pub needed_by: Vec<OrgKey>,
    pub demo: bool,
}

impl RoadmapItemDraft {
    pub fn validate(&self) -> Result<NewRoadmapItem> {
        let estimated_cost = match &self.estimated_cost {
            None => None,
            Some(c) => {
                let currency = Currency::parse(&c.currency).map_err(|e| e.within("estimated_cost"))?;
                Some(Money::parse(&c.amount, currency).map_err(|e| e.within("estimated_cost"))?)
            }
        };
        Ok(NewRoadmapItem {
            software: slug_field("software", &self.software)?,
            slug: slug_field("slug", &self.slug)?,
            title: text::line("title", &self.title, 200)?,
            body: text::optional_text("body", self.body.as_deref(), 50_000)?,
            status: RoadmapStatus::parse(&self.status)?,
            estimated_cost,
            target_date: self
                .target_date
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(|s| text::date("target_date", s))
                .transpose()?,
            needed_by: org_keys("needed_by", &self.needed_by)?,
            demo: self.demo,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoadmapItem {
    pub id: i64,
    pub software: String,
    pub slug: String,
    pub title: String,
    pub body: Option<String>,
    pub status: RoadmapStatus,
    pub estimated_cost: Option<Money>,
    pub target_date: Option<NaiveDate>,
    pub needed_by: Vec<OrgRef>,
    /// Fundings towards this item, per currency.
    pub funded: Vec<Total>,
    pub demo: bool,
}

// ---------------------------------------------------------------------------------------
// People and the trace of changes

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "store", derive(sqlx::FromRow))]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub site_admin: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "store", derive(sqlx::FromRow))]
pub struct Membership {
    pub user_id: i64,
    pub organisation: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

/// Who made a change: a person, or the system acting for a command (`seed`, `import`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A person, by handle, and the personal token they wrote with (none: in the browser).
    User {
        handle: String,
        token: Option<String>,
    },
    System(&'static str),
    /// A caller of the API, by the name of the token it showed.
    Token(String),
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Actor::User { handle, token: None } => format!("user:{handle}"),
            Actor::User { handle, token: Some(t) } => format!("user:{handle} token:{t}"),
            Actor::System(what) => format!("system:{what}"),
            Actor::Token(name) => format!("token:{name}"),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "store", derive(sqlx::FromRow))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_key: String,
    /// The record before the change, as JSON (none for a new record).
    #[serde(with = "json_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub before: Option<String>,
    /// The record after it (none for a removal).
    #[serde(with = "json_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub after: Option<String>,
    /// The organisation the person acted for.
    pub acting_for: Option<String>,
}

/// The records of an audit event are kept as JSON text and shown as JSON.
mod json_text {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        let value: Option<serde_json::Value> =
            v.as_deref().map(|t| serde_json::from_str(t).unwrap_or_else(|_| t.into()));
        value.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(Option::<serde_json::Value>::deserialize(d)?.map(|v| v.to_string()))
    }
}

/// One page of a list, with the total so that a client can page on.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn adoption() -> AdoptionDraft {
        AdoptionDraft {
            software: "geocity".into(),
            organisation: "ch-ofs:5938".into(),
            since: "2019-03-01".into(),
            status: "active".into(),
            ..Default::default()
        }
    }

    #[test]
    fn adoption_rules() {
        let ok = adoption().validate(today()).unwrap();
        assert_eq!(ok.state, AdoptionState::Declared);
        assert!(matches!(ok.organisation, OrgKey::Official(_)));

        let future = AdoptionDraft { since: "2027-01-01".into(), ..adoption() };
        assert_eq!(future.validate(today()).unwrap_err().to_string(), "since: 2027-01-01 is in the future");

        let confirmed_without_date = AdoptionDraft { state: Some("confirmed".into()), ..adoption() };
        assert!(confirmed_without_date.validate(today()).unwrap_err().to_string().starts_with("last_confirmed:"));

        let bad_org = AdoptionDraft { organisation: "fr-insee:999".into(), ..adoption() };
        assert!(bad_org.validate(today()).unwrap_err().to_string().starts_with("organisation:"));
    }

    #[test]
    fn funding_rules() {
        let draft = FundingDraft {
            funder: "vevey".into(),
            software: "geocity".into(),
            amount: "12000.50".into(),
            currency: "CHF".into(),
            date: "2024-03-12".into(),
            kind: "co-development".into(),
            status: "paid".into(),
            ..Default::default()
        };
        assert_eq!(draft.validate(today()).unwrap().amount.minor, 1_200_050);
        let negative = FundingDraft { amount: "-3".into(), ..draft.clone() };
        assert!(negative.validate(today()).unwrap_err().to_string().starts_with("amount:"));
        let bad_currency = FundingDraft { currency: "EURO".into(), ..draft.clone() };
        assert!(bad_currency.validate(today()).unwrap_err().to_string().starts_with("currency:"));
        let future_paid = FundingDraft { date: "2030-01-01".into(), ..draft.clone() };
        assert!(future_paid.validate(today()).is_err());
        let future_pledge = FundingDraft { date: "2030-01-01".into(), status: "pledged".into(), ..draft };
        assert!(future_pledge.validate(today()).is_ok());
    }

    #[test]
    fn software_rules_name_the_field() {
        let draft = SoftwareDraft {
            slug: "geocity".into(),
            name: "GéoCity".into(),
            summary: [("fr".to_string(), "Demandes en ligne".to_string())].into(),
            licence: "AGPL-3.0-or-later".into(),
            maturity: "stable".into(),
            repositories: vec![RepositoryDraft { url: "https://github.com/yverdon/geocity".into(), forge: None }],
            ..Default::default()
        };
        let ok = draft.validate().unwrap();
        assert_eq!(ok.repositories[0].forge, Forge::Github);
        let bad_licence = SoftwareDraft { licence: "GNU GPL".into(), ..draft.clone() };
        assert!(bad_licence.validate().unwrap_err().to_string().starts_with("licence:"));
        let bad_repo = SoftwareDraft {
            repositories: vec![RepositoryDraft { url: "ftp://example.org/geocity".into(), forge: None }],
            ..draft.clone()
        };
        assert!(bad_repo.validate().unwrap_err().to_string().starts_with("repositories[0].url:"));
        let bad_cat = SoftwareDraft { categories: vec!["cimetieres".into(), "gaming".into()], ..draft.clone() };
        assert!(bad_cat.validate().unwrap_err().to_string().starts_with("categories[1]:"));
        let no_summary = SoftwareDraft { summary: BTreeMap::new(), ..draft };
        assert!(no_summary.validate().unwrap_err().to_string().starts_with("summary:"));
    }
}
