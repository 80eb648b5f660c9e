//! The pages where people bring what they know: declaring an adoption, recording a
//! funding, publishing a roadmap item, needing and pledging to one, and the history of every
//! change. `server` fills them; a refused form comes back with what was typed and each bad
//! field marked in the page's language. Each form carries, besides its CSRF token, a
//! one-time token (`once`): the same form posted twice makes one record.

use askama::Template;
use chrono::NaiveDate;

use crate::account::FieldErrors;
use crate::pages::{Chrome, FundingRow, OrgLink, RoadmapView};

/// An option of a select: its value and what the reader sees.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// Who the form acts for: the person's organisations, or (a site administrator with none)
/// any organisation typed by its slug.
#[derive(Debug, Clone, Default)]
pub struct ActingFor {
    pub choices: Vec<Choice>,
    pub free: bool,
}

impl ActingFor {
    /// Whether the person acts for the organisation of this slug.
    pub fn includes(&self, slug: &str) -> bool {
        self.choices.iter().any(|c| c.value == slug)
    }
}

/// What the adoption form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct AdoptionFields {
    pub organisation: String,
    pub since: String,
    pub status: String,
    pub scope: String,
    pub evidence_url: String,
    pub instance_url: String,
    pub provider: String,
}

pub const ADOPTION_STATUSES: [&str; 4] = ["evaluating", "pilot", "active", "ended"];
pub const FUNDING_STATUSES: [&str; 3] = ["pledged", "voted", "paid"];
pub const FUNDING_KINDS: [&str; 4] = ["co-development", "membership-fee", "contract", "in-kind"];
pub const ROADMAP_STATUSES: [&str; 5] = ["proposed", "planned", "in-progress", "done", "abandoned"];

#[derive(Template)]
#[template(path = "adopt.html")]
pub struct AdoptPage {
    pub chrome: Chrome,
    /// The software's slug and name.
    pub software: (String, String),
    pub acting: ActingFor,
    pub values: AdoptionFields,
    pub errors: FieldErrors,
    pub csrf: String,
    pub once: String,
}

/// An adoption as its page shows it.
#[derive(Debug, Clone)]
pub struct AdoptionView {
    pub id: i64,
    pub software: (String, String),
    pub organisation: OrgLink,
    pub since: NaiveDate,
    pub status: String,
    pub scope: Option<String>,
    pub evidence_url: Option<String>,
    pub instance_url: Option<String>,
    pub provider: Option<(String, String)>,
    pub confirmed: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub check_due: Option<NaiveDate>,
    pub to_be_checked: bool,
}

#[derive(Template)]
#[template(path = "adoption_record.html")]
pub struct AdoptionRecordPage {
    pub chrome: Chrome,
    pub a: AdoptionView,
    /// The reader acts for the adopter: they may change and end it.
    pub can_edit: bool,
    /// The reader is a site administrator: they may hide it.
    pub can_hide: bool,
    /// The reader may confirm it: `Some(true)` as a maintainer, `Some(false)` as the adopter
    /// saying it is still in use.
    pub confirm: Option<bool>,
    pub values: AdoptionFields,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    pub csrf: String,
    pub once: String,
}

/// What the funding form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct FundingFields {
    pub funder: String,
    pub amount: String,
    pub currency: String,
    pub date: String,
    pub kind: String,
    pub status: String,
    pub deliberation: String,
    pub evidence_url: String,
    pub roadmap_item: String,
}

#[derive(Template)]
#[template(path = "fund.html")]
pub struct FundPage {
    pub chrome: Chrome,
    pub software: (String, String),
    pub acting: ActingFor,
    /// The software's roadmap items, to fund one.
    pub items: Vec<Choice>,
    pub values: FundingFields,
    pub errors: FieldErrors,
    pub csrf: String,
    pub once: String,
}

/// What the roadmap item form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct ItemFields {
    pub title: String,
    pub description: String,
    pub status: String,
    pub estimated_cost: String,
    pub currency: String,
    pub target_date: String,
}

#[derive(Template)]
#[template(path = "roadmap_new.html")]
pub struct RoadmapNewPage {
    pub chrome: Chrome,
    pub software: (String, String),
    pub values: ItemFields,
    pub errors: FieldErrors,
    pub csrf: String,
    pub once: String,
}

/// What the pledge form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct PledgeFields {
    pub funder: String,
    pub amount: String,
    pub currency: String,
}

#[derive(Template)]
#[template(path = "roadmap_item.html")]
pub struct RoadmapItemPage {
    pub chrome: Chrome,
    pub software: (String, String),
    pub item: RoadmapView,
    pub fundings: Vec<FundingRow>,
    /// Signed in: the reader may say they need it and pledge.
    pub signed_in: bool,
    pub acting: ActingFor,
    /// The reader acts for a maintainer or the publisher.
    pub can_edit: bool,
    /// The reader is a site administrator: they may hide it.
    pub can_hide: bool,
    pub pledge: PledgeFields,
    pub pledge_errors: FieldErrors,
    pub need_errors: FieldErrors,
    pub edit: ItemFields,
    pub edit_errors: FieldErrors,
    pub notice: Option<String>,
    pub csrf: String,
    pub once: String,
}

/// One field a change touched: its name, before and after, as text.
#[derive(Debug, Clone)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// One change in a history.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub at: String,
    /// Who: a person's handle, a token, or the system.
    pub actor: String,
    pub acting_for: Option<String>,
    /// What was done, in the page's language.
    pub action: String,
    /// Which record, in words, with its address when it has one.
    pub what: String,
    pub href: Option<String>,
    pub changes: Vec<FieldChange>,
}

#[derive(Template)]
#[template(path = "history.html")]
pub struct HistoryPage {
    pub chrome: Chrome,
    /// The record whose history it is: its address and name.
    pub record: (String, String),
    pub events: Vec<EventRow>,
    pub total: i64,
    pub newer: Option<String>,
    pub older: Option<String>,
}

/// An adoption or a roadmap change waiting for the reader, on their account page.
#[derive(Debug, Clone)]
pub struct WaitingAdoption {
    pub id: i64,
    pub software: (String, String),
    pub organisation: (String, String),
    pub since: NaiveDate,
    pub status: String,
    pub check_due: Option<NaiveDate>,
}

/// What the account page asks of a person's organisations.
#[derive(Debug, Clone, Default)]
pub struct AskedOfMe {
    /// Adoptions of software their organisations maintain, waiting for confirmation.
    pub to_confirm: Vec<WaitingAdoption>,
    /// Their organisations' adoptions not confirmed for 24 months.
    pub to_check: Vec<WaitingAdoption>,
    /// New needs and pledges on the roadmaps of the software they maintain.
    pub roadmap_news: Vec<EventRow>,
}

/// The form to propose a new software by its publiccode.yml.
#[derive(Template)]
#[template(path = "propose.html")]
pub struct ProposePage {
    pub chrome: Chrome,
    /// The way the person proposed, whose form shows what they sent: `repository`, `file`
    /// or `form`.
    pub way: String,
    pub repository: String,
    pub repository_errors: FieldErrors,
    pub publiccode: String,
    pub country: String,
    /// The validator's findings on what was sent: `line: key: message`.
    pub findings: Vec<String>,
    pub errors: FieldErrors,
    /// The description form's fields, as typed.
    pub described: FormValues,
    pub described_errors: FieldErrors,
    /// The proposals the person made, newest first: (name, status, reason, software).
    pub mine: Vec<ProposalRow>,
    pub notice: Option<String>,
    pub csrf: String,
    pub once: String,
}

/// A form's fields as typed, by name.
#[derive(Debug, Clone, Default)]
pub struct FormValues(pub std::collections::BTreeMap<String, String>);

impl FormValues {
    pub fn get(&self, field: &str) -> String {
        self.0.get(field).cloned().unwrap_or_default()
    }
}

pub const SOFTWARE_TYPES: [&str; 9] = [
    "standalone/web",
    "standalone/desktop",
    "standalone/mobile",
    "standalone/backend",
    "standalone/iot",
    "standalone/other",
    "addon",
    "library",
    "configurationFiles",
];
pub const MAINTENANCE_KINDS: [&str; 4] = ["community", "internal", "contract", "none"];

/// A proposal as a list shows it.
#[derive(Debug, Clone)]
pub struct ProposalRow {
    pub id: i64,
    pub name: String,
    pub proposed_by: String,
    pub created: NaiveDate,
    pub status: String,
    pub reason: Option<String>,
    pub software: Option<String>,
    pub publiccode: String,
    /// The repository it was proposed by, if it was.
    pub repository: Option<String>,
}

/// The proposals waiting for a site administrator.
#[derive(Template)]
#[template(path = "proposals.html")]
pub struct ProposalsPage {
    pub chrome: Chrome,
    pub waiting: Vec<ProposalRow>,
    pub notice: Option<String>,
    pub problem: Option<String>,
    pub csrf: String,
    pub once: String,
}

/// What the record's form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct SoftwareFields {
    pub summary_fr: String,
    pub summary_en: String,
    pub description_fr: String,
    pub description_en: String,
    pub website: String,
    pub maturity: String,
}

pub const MATURITIES: [&str; 5] = ["concept", "development", "beta", "stable", "obsolete"];

/// The maintainers' page of a software's record: its texts, and its repositories.
#[derive(Template)]
#[template(path = "software_edit.html")]
pub struct SoftwareEditPage {
    pub chrome: Chrome,
    pub software: (String, String),
    pub values: SoftwareFields,
    pub errors: FieldErrors,
    pub repositories: Vec<String>,
    pub repository: String,
    pub repository_errors: FieldErrors,
    pub notice: Option<String>,
    pub csrf: String,
    pub once: String,
}
