//! What people bring under their own name: adoptions they declare, fundings they record,
//! roadmap items, needs and pledges. Forms arrive as plain strings (from the API's JSON or
//! a page's form) and are checked here, every bad field named at once, into values that
//! the Store writes.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Checks, Error, Result};
use crate::model::{Actor, OrgKey};
use crate::money::{Currency, Money};
use crate::text;
use crate::vocab::{AdoptionStatus, FundingKind, FundingStatus, RoadmapStatus};

/// Who makes a change, for which organisation, and the key that makes the same change sent
/// twice (a form posted again, an API call retried) happen once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub actor: Actor,
    /// The organisation (slug) the person acts for; the audit event names it.
    pub acting_for: Option<String>,
    /// A form's one-time token or an API's `Idempotency-Key`.
    pub once: Option<String>,
}

impl Author {
    pub fn new(actor: Actor) -> Author {
        Author { actor, acting_for: None, once: None }
    }

    /// Whose keys `once` is unique among: a person whichever token or browser they use.
    #[cfg(feature = "store")]
    pub(crate) fn key_owner(&self) -> String {
        match &self.actor {
            Actor::User { handle, .. } => format!("user:{handle}"),
            other => other.label(),
        }
    }
}

/// The longest an idempotency key may be.
pub const MAX_ONCE_KEY: usize = 200;

/// Checks an `Idempotency-Key` or a form's token: printable ASCII, 1 to 200 characters.
pub fn once_key(field: &str, s: &str) -> Result<String> {
    let s = s.trim();
    if s.is_empty() || s.len() > MAX_ONCE_KEY || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(field, format!("must be 1 to {MAX_ONCE_KEY} printable ASCII characters")));
    }
    Ok(s.to_string())
}

/// A field of a change: absent (`None`), cleared with `null` or `""` (`Some(None)`), or set.
pub type Change<T> = Option<Option<T>>;

/// Reads a present field, `null` included, as `Some`: with `#[serde(default)]` an absent
/// one stays `None`.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> std::result::Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

fn filled(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

fn web_url(field: &str, s: Option<&str>) -> Result<Option<String>> {
    filled(s).map(|s| text::web_url(field, s)).transpose()
}

fn not_after(field: &str, d: NaiveDate, today: NaiveDate) -> Result<NaiveDate> {
    if d > today {
        return Err(Error::invalid(field, format!("{d} is in the future")));
    }
    Ok(d)
}

fn org_key(field: &str, s: Option<&str>) -> Result<Option<OrgKey>> {
    filled(s).map(|s| OrgKey::parse(field, s)).transpose()
}

// ---- the software's record --------------------------------------------------------------

/// A change to a software's record by its maintainers (`PATCH /api/v1/software/{slug}` or
/// the record's form): absent fields stay, `null` or "" clears one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SoftwareEdit {
    /// One line in French (500 characters at most).
    #[serde(default, deserialize_with = "present")]
    pub summary_fr: Change<String>,
    #[serde(default, deserialize_with = "present")]
    pub summary_en: Change<String>,
    /// Markdown in French.
    #[serde(default, deserialize_with = "present")]
    pub description_fr: Change<String>,
    #[serde(default, deserialize_with = "present")]
    pub description_en: Change<String>,
    /// The software's own site, http(s).
    #[serde(default, deserialize_with = "present")]
    pub website: Change<String>,
    /// concept, development, beta, stable or obsolete.
    #[serde(default)]
    pub maturity: Option<String>,
}

/// A change to a software's record, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SoftwareChange {
    pub summary_fr: Change<String>,
    pub summary_en: Change<String>,
    pub description_fr: Change<String>,
    pub description_en: Change<String>,
    pub website: Change<String>,
    pub maturity: Option<crate::vocab::Maturity>,
}

impl SoftwareEdit {
    pub fn validate(&self) -> Result<SoftwareChange> {
        let mut c = Checks::default();
        let summary = |field: &'static str, v: &Change<String>| {
            change(v, |s| filled(s).map(|s| text::line(field, s, 500)).transpose())
        };
        let description =
            |field: &'static str, v: &Change<String>| change(v, |s| text::optional_text(field, s, DESCRIPTION_MAX));
        let summary_fr = c.take(summary("summary_fr", &self.summary_fr));
        let summary_en = c.take(summary("summary_en", &self.summary_en));
        let description_fr = c.take(description("description_fr", &self.description_fr));
        let description_en = c.take(description("description_en", &self.description_en));
        let website = c.take(change(&self.website, |s| web_url("website", s)));
        let maturity = c.take(filled(self.maturity.as_deref()).map(crate::vocab::Maturity::parse).transpose());
        c.finish()?;
        let change = SoftwareChange {
            summary_fr: summary_fr.expect("checked"),
            summary_en: summary_en.expect("checked"),
            description_fr: description_fr.expect("checked"),
            description_en: description_en.expect("checked"),
            website: website.expect("checked"),
            maturity: maturity.expect("checked"),
        };
        if change == SoftwareChange::default() {
            return Err(Error::invalid("body", "names nothing to change"));
        }
        Ok(change)
    }
}

// ---- adoptions --------------------------------------------------------------------------

/// A declaration as sent: `POST /api/v1/software/{slug}/adoptions` or the page's form.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdoptionForm {
    /// The adopting organisation (slug or official identifier); a person's token or
    /// session answers for its own, so only site-wide writers need it.
    #[serde(default)]
    pub organisation: Option<String>,
    /// YYYY-MM-DD, not in the future.
    pub since: String,
    /// evaluating, pilot, active or ended.
    pub status: String,
    /// What it is used for, in the organisation's words.
    #[serde(default)]
    pub scope: Option<String>,
    /// An http(s) address showing it: a deliberation, a contract, a page.
    #[serde(default)]
    pub evidence_url: Option<String>,
    /// The address of the instance used.
    #[serde(default)]
    pub instance_url: Option<String>,
    /// The organisation that runs or supports it for them (slug or official identifier).
    #[serde(default)]
    pub provider: Option<String>,
}

/// A declaration, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct AdoptionDeclaration {
    pub organisation: Option<OrgKey>,
    pub since: NaiveDate,
    pub status: AdoptionStatus,
    pub scope: Option<String>,
    pub evidence_url: Option<String>,
    pub instance_url: Option<String>,
    pub provider: Option<OrgKey>,
}

const SCOPE_MAX: usize = 500;

impl AdoptionForm {
    pub fn validate(&self, today: NaiveDate) -> Result<AdoptionDeclaration> {
        let mut c = Checks::default();
        let organisation = c.take(org_key("organisation", self.organisation.as_deref()));
        let since = c.take(text::date("since", &self.since).and_then(|d| not_after("since", d, today)));
        let status = c.take(AdoptionStatus::parse(self.status.trim()));
        let scope = c.take(text::optional_text("scope", self.scope.as_deref(), SCOPE_MAX));
        let evidence_url = c.take(web_url("evidence_url", self.evidence_url.as_deref()));
        let instance_url = c.take(web_url("instance_url", self.instance_url.as_deref()));
        let provider = c.take(org_key("provider", self.provider.as_deref()));
        c.finish()?;
        Ok(AdoptionDeclaration {
            organisation: organisation.expect("checked"),
            since: since.expect("checked"),
            status: status.expect("checked"),
            scope: scope.expect("checked"),
            evidence_url: evidence_url.expect("checked"),
            instance_url: instance_url.expect("checked"),
            provider: provider.expect("checked"),
        })
    }
}

/// A change to an adoption as sent (`PATCH /api/v1/adoptions/{id}`): absent fields stay.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdoptionEdit {
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub scope: Change<String>,
    #[serde(default, deserialize_with = "present")]
    pub evidence_url: Change<String>,
    #[serde(default, deserialize_with = "present")]
    pub instance_url: Change<String>,
    #[serde(default, deserialize_with = "present")]
    pub provider: Change<String>,
}

/// A change to an adoption, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdoptionChange {
    pub since: Option<NaiveDate>,
    pub status: Option<AdoptionStatus>,
    pub scope: Change<String>,
    pub evidence_url: Change<String>,
    pub instance_url: Change<String>,
    pub provider: Change<OrgKey>,
}

/// Checks a field of a change: absent stays absent, empty clears, a value is checked.
fn change<T>(v: &Change<String>, check: impl FnOnce(Option<&str>) -> Result<Option<T>>) -> Result<Change<T>> {
    match v {
        None => Ok(None),
        Some(v) => check(v.as_deref()).map(Some),
    }
}

impl AdoptionEdit {
    pub fn validate(&self, today: NaiveDate) -> Result<AdoptionChange> {
        let mut c = Checks::default();
        let since = c.take(
            filled(self.since.as_deref())
                .map(|s| text::date("since", s).and_then(|d| not_after("since", d, today)))
                .transpose(),
        );
        let status = c.take(filled(self.status.as_deref()).map(AdoptionStatus::parse).transpose());
        let scope = c.take(change(&self.scope, |s| text::optional_text("scope", s, SCOPE_MAX)));
        let evidence_url = c.take(change(&self.evidence_url, |s| web_url("evidence_url", s)));
        let instance_url = c.take(change(&self.instance_url, |s| web_url("instance_url", s)));
        let provider = c.take(change(&self.provider, |s| org_key("provider", s)));
        c.finish()?;
        let change = AdoptionChange {
            since: since.expect("checked"),
            status: status.expect("checked"),
            scope: scope.expect("checked"),
            evidence_url: evidence_url.expect("checked"),
            instance_url: instance_url.expect("checked"),
            provider: provider.expect("checked"),
        };
        if change == AdoptionChange::default() {
            return Err(Error::invalid("body", "names nothing to change"));
        }
        Ok(change)
    }
}

/// How an adoption ends (`POST /api/v1/adoptions/{id}/end`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdoptionEnd {
    /// The last day of use, YYYY-MM-DD; today when absent.
    #[serde(default)]
    pub on: Option<String>,
}

impl AdoptionEnd {
    pub fn validate(&self, today: NaiveDate) -> Result<NaiveDate> {
        match filled(self.on.as_deref()) {
            None => Ok(today),
            Some(s) => text::date("on", s).and_then(|d| not_after("on", d, today)),
        }
    }
}

// ---- fundings ---------------------------------------------------------------------------

/// A funding as sent: `POST /api/v1/software/{slug}/fundings` or the page's form.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FundingForm {
    /// The paying organisation; a person's token or session answers for its own.
    #[serde(default)]
    pub funder: Option<String>,
    /// A decimal in the currency's unit: "12000.50".
    pub amount: String,
    /// ISO 4217: EUR, CHF.
    pub currency: String,
    /// When it was pledged, voted or paid, YYYY-MM-DD; today when absent.
    #[serde(default)]
    pub date: Option<String>,
    /// co-development (default), membership-fee, contract or in-kind.
    #[serde(default)]
    pub kind: Option<String>,
    /// pledged, voted (with its deliberation) or paid.
    pub status: String,
    /// The deliberation's reference or address; a vote needs one.
    #[serde(default)]
    pub deliberation: Option<String>,
    #[serde(default)]
    pub evidence_url: Option<String>,
    /// The roadmap item it pays towards, by id.
    #[serde(default)]
    pub roadmap_item: Option<i64>,
}

/// A funding, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct FundingRecord {
    pub funder: Option<OrgKey>,
    pub amount: Money,
    pub date: NaiveDate,
    pub kind: FundingKind,
    pub status: FundingStatus,
    pub deliberation: Option<String>,
    pub evidence_url: Option<String>,
    pub roadmap_item: Option<i64>,
}

const DELIBERATION_MAX: usize = 300;

fn money(c: &mut Checks, amount: &str, currency: &str) -> Option<Money> {
    let currency = c.take(Currency::parse(currency))?;
    c.take(Money::parse(amount, currency))
}

/// A paid funding's date cannot be ahead of today; a vote needs its deliberation.
fn funding_rules(
    c: &mut Checks,
    status: Option<FundingStatus>,
    date: Option<NaiveDate>,
    deliberation: Option<&str>,
    today: NaiveDate,
) {
    if let (Some(FundingStatus::Paid), Some(d)) = (status, date) {
        if d > today {
            c.push(Error::invalid("date", format!("{d} is in the future, so it cannot be paid yet")));
        }
    }
    if status == Some(FundingStatus::Voted) && deliberation.is_none() {
        c.push(Error::invalid("deliberation", "a voted funding names its deliberation: a reference or an address"));
    }
}

impl FundingForm {
    pub fn validate(&self, today: NaiveDate) -> Result<FundingRecord> {
        let mut c = Checks::default();
        let funder = c.take(org_key("funder", self.funder.as_deref()));
        let amount = money(&mut c, &self.amount, &self.currency);
        let date =
            c.take(filled(self.date.as_deref()).map(|s| text::date("date", s)).transpose()).map(|d| d.unwrap_or(today));
        let kind = c.take(filled(self.kind.as_deref()).map(FundingKind::parse).transpose());
        let status = c.take(FundingStatus::parse(self.status.trim()));
        let deliberation = c.take(text::optional_text("deliberation", self.deliberation.as_deref(), DELIBERATION_MAX));
        let evidence_url = c.take(web_url("evidence_url", self.evidence_url.as_deref()));
        funding_rules(&mut c, status, date, deliberation.as_ref().and_then(|d| d.as_deref()), today);
        c.finish()?;
        Ok(FundingRecord {
            funder: funder.expect("checked"),
            amount: amount.expect("checked"),
            date: date.expect("checked"),
            kind: kind.expect("checked").unwrap_or(FundingKind::CoDevelopment),
            status: status.expect("checked"),
            deliberation: deliberation.expect("checked"),
            evidence_url: evidence_url.expect("checked"),
            roadmap_item: self.roadmap_item,
        })
    }
}

/// A change to a funding as sent (`PATCH /api/v1/fundings/{id}`): absent fields stay; an
/// amount comes with its currency.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FundingEdit {
    #[serde(default)]
    pub amount: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub deliberation: Change<String>,
    #[serde(default, deserialize_with = "present")]
    pub evidence_url: Change<String>,
    #[serde(default, deserialize_with = "present")]
    pub roadmap_item: Change<i64>,
}

/// A change to a funding, checked field by field; the Store checks the whole record again.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FundingChange {
    pub amount: Option<Money>,
    pub date: Option<NaiveDate>,
    pub kind: Option<FundingKind>,
    pub status: Option<FundingStatus>,
    pub deliberation: Change<String>,
    pub evidence_url: Change<String>,
    pub roadmap_item: Change<i64>,
}

impl FundingEdit {
    pub fn validate(&self) -> Result<FundingChange> {
        let mut c = Checks::default();
        let amount = match (filled(self.amount.as_deref()), filled(self.currency.as_deref())) {
            (None, None) => None,
            (Some(a), Some(cur)) => money(&mut c, a, cur),
            (Some(_), None) => {
                c.push(Error::invalid("currency", "an amount comes with its currency"));
                None
            }
            (None, Some(_)) => {
                c.push(Error::invalid("amount", "a currency comes with its amount"));
                None
            }
        };
        let date = c.take(filled(self.date.as_deref()).map(|s| text::date("date", s)).transpose());
        let kind = c.take(filled(self.kind.as_deref()).map(FundingKind::parse).transpose());
        let status = c.take(filled(self.status.as_deref()).map(FundingStatus::parse).transpose());
        let deliberation =
            c.take(change(&self.deliberation, |s| text::optional_text("deliberation", s, DELIBERATION_MAX)));
        let evidence_url = c.take(change(&self.evidence_url, |s| web_url("evidence_url", s)));
        c.finish()?;
        let change = FundingChange {
            amount,
            date: date.expect("checked"),
            kind: kind.expect("checked"),
            status: status.expect("checked"),
            deliberation: deliberation.expect("checked"),
            evidence_url: evidence_url.expect("checked"),
            roadmap_item: self.roadmap_item,
        };
        if change == FundingChange::default() {
            return Err(Error::invalid("body", "names nothing to change"));
        }
        Ok(change)
    }
}

impl FundingRecord {
    /// The record with `change` applied, checked again as a whole.
    pub fn changed(&self, change: &FundingChange, today: NaiveDate) -> Result<FundingRecord> {
        let next = FundingRecord {
            funder: self.funder.clone(),
            amount: change.amount.unwrap_or(self.amount),
            date: change.date.unwrap_or(self.date),
            kind: change.kind.unwrap_or(self.kind),
            status: change.status.unwrap_or(self.status),
            deliberation: change.deliberation.clone().unwrap_or_else(|| self.deliberation.clone()),
            evidence_url: change.evidence_url.clone().unwrap_or_else(|| self.evidence_url.clone()),
            roadmap_item: change.roadmap_item.unwrap_or(self.roadmap_item),
        };
        let mut c = Checks::default();
        funding_rules(&mut c, Some(next.status), Some(next.date), next.deliberation.as_deref(), today);
        c.finish()?;
        Ok(next)
    }
}

/// A pledge to a roadmap item (`POST /api/v1/roadmap/{id}/pledges`): a funding pledged.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PledgeForm {
    /// The pledging organisation; a person's token or session answers for its own.
    #[serde(default)]
    pub funder: Option<String>,
    pub amount: String,
    pub currency: String,
    #[serde(default)]
    pub evidence_url: Option<String>,
}

impl PledgeForm {
    pub fn validate(&self, item: i64, today: NaiveDate) -> Result<FundingRecord> {
        FundingForm {
            funder: self.funder.clone(),
            amount: self.amount.clone(),
            currency: self.currency.clone(),
            date: None,
            kind: None,
            status: FundingStatus::Pledged.as_str().to_string(),
            deliberation: None,
            evidence_url: self.evidence_url.clone(),
            roadmap_item: Some(item),
        }
        .validate(today)
    }
}

// ---- roadmaps ---------------------------------------------------------------------------

/// A roadmap item as sent: `POST /api/v1/software/{slug}/roadmap` or the page's form.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoadmapItemForm {
    pub title: String,
    /// Markdown; shown rendered and sanitised, stored as written.
    #[serde(default)]
    pub description: Option<String>,
    /// proposed, planned, in_progress, done or abandoned.
    pub status: String,
    /// The estimated cost, a decimal in `currency`'s unit.
    #[serde(default)]
    pub estimated_cost: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub target_date: Option<String>,
}

/// A roadmap item, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct RoadmapItemFields {
    pub title: String,
    pub description: Option<String>,
    pub status: RoadmapStatus,
    pub estimated_cost: Option<Money>,
    pub target_date: Option<NaiveDate>,
}

const TITLE_MAX: usize = 200;
const DESCRIPTION_MAX: usize = 50_000;

/// A roadmap status as the API writes it (`in_progress`) or as the catalog stores it.
pub fn roadmap_status(s: &str) -> Result<RoadmapStatus> {
    RoadmapStatus::parse(&s.trim().replace('_', "-")).map_err(|_| {
        Error::invalid("status", format!("{s:?} is not one of: proposed, planned, in_progress, done, abandoned"))
    })
}

fn cost(c: &mut Checks, amount: Option<&str>, currency: Option<&str>) -> Option<Option<Money>> {
    match (filled(amount), filled(currency)) {
        (None, _) => Some(None),
        (Some(a), Some(cur)) => {
            let cur = c.take(Currency::parse(cur))?;
            c.take(Money::parse(a, cur).map_err(|e| match e {
                Error::Invalid { message, .. } => Error::invalid("estimated_cost", message),
                other => other,
            }))
            .map(Some)
        }
        (Some(_), None) => {
            c.push(Error::invalid("currency", "an estimated cost comes with its currency"));
            None
        }
    }
}

impl RoadmapItemForm {
    pub fn validate(&self) -> Result<RoadmapItemFields> {
        let mut c = Checks::default();
        let title = c.take(text::line("title", &self.title, TITLE_MAX));
        let description = c.take(text::optional_text("description", self.description.as_deref(), DESCRIPTION_MAX));
        let status = c.take(roadmap_status(&self.status));
        let estimated_cost = cost(&mut c, self.estimated_cost.as_deref(), self.currency.as_deref());
        let target_date = c.take(filled(self.target_date.as_deref()).map(|s| text::date("target_date", s)).transpose());
        c.finish()?;
        Ok(RoadmapItemFields {
            title: title.expect("checked"),
            description: description.expect("checked"),
            status: status.expect("checked"),
            estimated_cost: estimated_cost.expect("checked"),
            target_date: target_date.expect("checked"),
        })
    }
}

/// A change to a roadmap item as sent (`PATCH /api/v1/roadmap/{id}`): absent fields stay.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoadmapItemEdit {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub description: Change<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// With `currency`; `null` or "" clears the estimate.
    #[serde(default, deserialize_with = "present")]
    pub estimated_cost: Change<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub target_date: Change<String>,
}

/// A change to a roadmap item, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoadmapItemChange {
    pub title: Option<String>,
    pub description: Change<String>,
    pub status: Option<RoadmapStatus>,
    pub estimated_cost: Change<Money>,
    pub target_date: Change<NaiveDate>,
}

impl RoadmapItemEdit {
    pub fn validate(&self) -> Result<RoadmapItemChange> {
        let mut c = Checks::default();
        let title = c.take(filled(self.title.as_deref()).map(|s| text::line("title", s, TITLE_MAX)).transpose());
        let description = c.take(change(&self.description, |s| text::optional_text("description", s, DESCRIPTION_MAX)));
        let status = c.take(filled(self.status.as_deref()).map(roadmap_status).transpose());
        let estimated_cost = match &self.estimated_cost {
            None => Some(None),
            Some(amount) => cost(&mut c, amount.as_deref(), self.currency.as_deref()).map(Some),
        };
        let target_date =
            c.take(change(&self.target_date, |s| filled(s).map(|s| text::date("target_date", s)).transpose()));
        c.finish()?;
        let change = RoadmapItemChange {
            title: title.expect("checked"),
            description: description.expect("checked"),
            status: status.expect("checked"),
            estimated_cost: estimated_cost.expect("checked"),
            target_date: target_date.expect("checked"),
        };
        if change == RoadmapItemChange::default() {
            return Err(Error::invalid("body", "names nothing to change"));
        }
        Ok(change)
    }
}

/// "We need this too" (`POST /api/v1/roadmap/{id}/needs`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NeedForm {
    /// The organisation that needs it; a person's token or session answers for its own.
    #[serde(default)]
    pub organisation: Option<String>,
}

impl NeedForm {
    pub fn validate(&self) -> Result<Option<OrgKey>> {
        org_key("organisation", self.organisation.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    }

    #[test]
    fn a_declaration_names_every_bad_field() {
        let form = AdoptionForm {
            since: "2027-01-01".into(),
            status: "using".into(),
            evidence_url: Some("javascript:alert(1)".into()),
            ..Default::default()
        };
        let Error::Fields(errors) = form.validate(today()).unwrap_err() else { panic!("several fields") };
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["since", "status", "evidence_url"]);
        assert!(errors[0].1.contains("in the future"), "{errors:?}");
    }

    #[test]
    fn a_funding_checks_its_amount_and_its_vote() {
        let form = FundingForm {
            amount: "12.345".into(),
            currency: "EUR".into(),
            status: "voted".into(),
            ..Default::default()
        };
        let Error::Fields(errors) = form.validate(today()).unwrap_err() else { panic!("several fields") };
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["amount", "deliberation"]);
        let form =
            FundingForm { amount: "12".into(), currency: "EUX".into(), status: "paid".into(), ..Default::default() };
        assert!(matches!(form.validate(today()), Err(Error::Invalid { field, .. }) if field == "currency"));
        let ok = FundingForm {
            amount: "1200,50".into(),
            currency: "EUR".into(),
            status: "paid".into(),
            ..Default::default()
        };
        let f = ok.validate(today()).unwrap();
        assert_eq!((f.amount.minor, f.date, f.kind), (120050, today(), FundingKind::CoDevelopment));
    }

    #[test]
    fn an_edit_tells_absent_from_cleared() {
        let edit: AdoptionEdit = serde_json::from_str(r#"{"scope": null, "status": "ended"}"#).unwrap();
        let change = edit.validate(today()).unwrap();
        assert_eq!(change.scope, Some(None));
        assert_eq!(change.evidence_url, None);
        assert_eq!(change.status, Some(AdoptionStatus::Ended));
        let empty: AdoptionEdit = serde_json::from_str("{}").unwrap();
        assert!(matches!(empty.validate(today()), Err(Error::Invalid { field, .. }) if field == "body"));
    }

    #[test]
    fn roadmap_status_reads_both_spellings() {
        assert_eq!(roadmap_status("in_progress").unwrap(), RoadmapStatus::InProgress);
        assert_eq!(roadmap_status("in-progress").unwrap(), RoadmapStatus::InProgress);
        let form = RoadmapItemForm {
            title: " ".into(),
            status: "soon".into(),
            estimated_cost: Some("10".into()),
            ..Default::default()
        };
        let Error::Fields(errors) = form.validate().unwrap_err() else { panic!("several fields") };
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["title", "status", "currency"]);
    }
}
