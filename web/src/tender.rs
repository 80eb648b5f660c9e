//! The "before you tender" report as a page: the question's form, then the candidates, each
//! with why it ranks there and what an official takes to the council.

use askama::Template;
use chrono::NaiveDate;

use crate::pages::{Amount, Chrome, HealthCard, OfferView, OrgLink, RoadmapView};

/// The organisation a report is for, and the places it lies in.
#[derive(Debug, Clone)]
pub struct TenderOrganisation {
    pub org: OrgLink,
    pub population: Option<i64>,
    pub liaison: Option<u8>,
    /// Its EPCI, département (canton, province) and région, in that order.
    pub places: Vec<OrgLink>,
}

/// An adopter as the report lists it.
#[derive(Debug, Clone)]
pub struct TenderAdopter {
    pub org: OrgLink,
    pub population: Option<i64>,
    /// How near it is: 0 itself ... 5 elsewhere (see `tender.near_*`).
    pub proximity: Option<i64>,
    pub since: NaiveDate,
    pub status: String,
    pub demo: bool,
}

/// One candidate of the report.
#[derive(Debug, Clone)]
pub struct TenderCandidate {
    pub rank: usize,
    pub slug: String,
    pub name: String,
    pub summary: Option<String>,
    pub licence: String,
    pub maturity: String,
    pub score: f64,
    /// Why it ranks there, already in the reader's language.
    pub reasons: Vec<String>,
    pub health: Option<HealthCard>,
    /// Adopters: in all, then itself, same EPCI, same département, same région, anywhere
    /// else.
    pub adopters_total: i64,
    pub nearby: [i64; 5],
    pub similar_size: i64,
    pub nearest: Vec<TenderAdopter>,
    pub funded_by_year: Vec<(i32, Vec<Amount>)>,
    /// Per kind of funder (`commune`, `epci`...), with its sums.
    pub funded_by_funder_kind: Vec<(String, Vec<Amount>)>,
    pub roadmap: Vec<RoadmapView>,
    pub offers: Vec<OfferView>,
    /// How many adopters answer questions, and the form that asks them.
    pub answering_adopters: i64,
    pub ask: String,
    pub demo: bool,
}

impl TenderCandidate {
    /// How many adopters at `level` of nearness (see `nearby`).
    pub fn near(&self, level: usize) -> i64 {
        self.nearby.get(level).copied().unwrap_or(0)
    }

    /// The indicative yearly price of an offer for the organisation's population.
    pub fn price_for(&self, o: &OfferView, population: &Option<i64>) -> Option<Amount> {
        let p = (*population)?;
        o.prices.iter().find(|(min, max, _)| p >= *min && max.is_none_or(|m| p <= m)).map(|(_, _, a)| a.clone())
    }
}

#[derive(Template)]
#[template(path = "tender.html")]
pub struct TenderPage {
    pub chrome: Chrome,
    /// What the form holds: the need, the category, the organisation.
    pub need: String,
    pub category: String,
    pub organisation_key: String,
    /// The categories to choose from: slug and label.
    pub categories: Vec<(String, String)>,
    /// A bad question: the parameter and what is wrong.
    pub error: Option<(String, String)>,
    /// The report, once the question is good.
    pub report: Option<TenderReport>,
}

#[derive(Debug, Clone)]
pub struct TenderReport {
    /// What was asked, in words: the need, or the category's name.
    pub asked: String,
    pub organisation: Option<TenderOrganisation>,
    pub generated_on: NaiveDate,
    /// The live report's full address, for the printed footer.
    pub address: String,
    /// The same report as an OpenDocument text and as JSON.
    pub odt: String,
    pub json: String,
    pub candidates: Vec<TenderCandidate>,
    pub demo: bool,
}
