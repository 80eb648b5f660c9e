//! One struct per kind of page, holding what it shows; the templates in `templates/` write
//! them out. Links (with the whole state of a search in their query) are made by `server`,
//! which knows the routes; words, numbers, amounts and dates are written here, in the
//! page's language.

use askama::Template;
use chrono::NaiveDate;

use crate::chart::{self, Bar};
use crate::i18n::{Lang, T};

/// What every page has around its content.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub t: T,
    /// The page's path and query, which the language switch comes back to.
    pub path: String,
    /// The `<title>`, before the site's name.
    pub title: String,
    /// Which item of the main navigation is this page's: `home`, `search`, `adoption`,
    /// `funding`, `roadmaps`, `about` (or empty).
    pub section: &'static str,
    /// The page shows illustrative (demo) adoptions or fundings.
    pub demo: bool,
    /// The text of the header's search box.
    pub query: String,
    /// The page's Atom feed: (its title, its path).
    pub feed: Option<(String, String)>,
    /// Where the page's record is kept, when another instance keeps it: search engines are
    /// sent there (`<link rel="canonical">`).
    pub canonical: Option<String>,
}

impl Chrome {
    pub fn new(lang: Lang, path: impl Into<String>, title: impl Into<String>, section: &'static str) -> Chrome {
        Chrome {
            t: T::new(lang),
            path: path.into(),
            title: title.into(),
            section,
            demo: false,
            query: String::new(),
            feed: None,
            canonical: None,
        }
    }

    pub fn switch_href(&self) -> String {
        format!("/language?to={}&next={}", self.t.lang.other().code(), encode(&self.path))
    }

    pub fn other_lang(&self) -> &'static str {
        self.t.lang.other().code()
    }

    pub fn css(&self) -> String {
        crate::assets::href("communs.css")
    }

    pub fn js(&self) -> String {
        crate::assets::href("suggest.js")
    }

    pub fn icon(&self) -> String {
        crate::assets::href("favicon.svg")
    }

    pub fn current(&self, section: &str) -> bool {
        self.section == section
    }
}

/// Percent-encodes a value for a query string.
/// Sanitised HTML (a harvested README) with its headings moved `by` levels down, at most
/// to `h6`, so that it nests under the page's own headings. The HTML has been through
/// ammonia: a `<` in text is escaped, so every `<hN` is a tag.
pub fn nested_headings(html: &str, by: usize) -> String {
    let mut out = html.to_string();
    for level in (1..=6usize).rev() {
        let to = (level + by).min(6);
        for (from, into) in [(format!("<h{level}"), format!("<h{to}")), (format!("</h{level}>"), format!("</h{to}>"))] {
            out = out.replace(&from, &into);
        }
    }
    out
}

pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A text in one language, marked when it is not the page's.
#[derive(Debug, Clone)]
pub struct Text {
    pub text: String,
    pub lang: Lang,
    pub foreign: bool,
}

impl Text {
    pub fn lang_attr(&self) -> String {
        if self.foreign {
            format!(" lang=\"{}\"", self.lang.code())
        } else {
            String::new()
        }
    }
}

/// An amount in one currency.
#[derive(Debug, Clone, PartialEq)]
pub struct Amount {
    pub minor: i64,
    pub currency: String,
    pub digits: u32,
}

impl Amount {
    pub fn show(&self, t: &T) -> String {
        t.money(self.minor, &self.currency, self.digits)
    }

    pub fn units(&self) -> f64 {
        self.minor as f64 / 10f64.powi(self.digits as i32)
    }
}

/// A link with its text.
#[derive(Debug, Clone)]
pub struct Link {
    pub label: String,
    pub href: String,
    pub current: bool,
}

/// An organisation as lists show it.
#[derive(Debug, Clone)]
pub struct OrgLink {
    pub slug: String,
    pub name: String,
    pub kind: String,
}

/// A service offer as the software's and the provider's pages show it.
#[derive(Debug, Clone)]
pub struct OfferView {
    pub provider: OrgLink,
    pub software: (String, String),
    pub kind: String,
    /// Each place served: the slug of an area (empty for a country) and its name.
    pub territories: Vec<(String, String)>,
    pub subscribers: Vec<String>,
    pub membership_required: bool,
    pub price_model: String,
    /// Population bracket (from, to) and its indicative yearly amount.
    pub prices: Vec<(i64, Option<i64>, Amount)>,
    pub url: Option<String>,
    pub checked_on: NaiveDate,
    pub demo: bool,
}

impl OfferView {
    /// "jusqu'à 499 habitants", "de 500 à 1 999 habitants", "2 000 habitants et plus".
    pub fn bracket(&self, t: &T, min: &i64, max: &Option<i64>) -> String {
        match (*min, max) {
            (0, Some(max)) => t.fill("offers.bracket_upto", &t.num(*max)),
            (min, Some(max)) => t.s("offers.bracket").replace("{from}", &t.num(min)).replace("{to}", &t.num(*max)),
            (min, None) => t.fill("offers.bracket_open", &t.num(min)),
        }
    }
}

/// A software as cards and lists show it.
#[derive(Debug, Clone)]
pub struct Card {
    pub slug: String,
    pub name: String,
    pub summary: Option<Text>,
    pub adopters: i64,
    pub health: Option<u32>,
    pub licence: String,
    /// A line under the summary: "last commit 2 November 2026".
    pub note: Option<String>,
    /// The health's band (good, fair, poor; unknown without a score), as the catalog sets it.
    pub band: &'static str,
}

// ---- home -----------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Figures {
    pub software: i64,
    pub organisations: i64,
    pub adoptions: i64,
    pub funded: Vec<Amount>,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct Home {
    pub chrome: Chrome,
    pub figures: Figures,
    pub added: Vec<Card>,
    pub active: Vec<Card>,
    pub examples: Vec<Link>,
}

// ---- search ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Hit {
    pub slug: String,
    pub name: String,
    /// An extract with the typed words in `<mark>`, already escaped.
    pub snippet_html: String,
    pub adopters: i64,
    pub health: Option<u32>,
    /// The health's band (good, fair, poor; unknown without a score), as the catalog sets it.
    pub band: &'static str,
}

#[derive(Debug, Clone)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: u64,
    pub href: String,
    pub selected: bool,
}

#[derive(Debug, Clone)]
pub struct Facet {
    pub key: String,
    pub label: String,
    pub values: Vec<FacetValue>,
}

#[derive(Debug, Clone, Default)]
pub struct Pager {
    pub first: u64,
    pub last: u64,
    pub previous: Option<String>,
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub chrome: Chrome,
    pub q: String,
    pub total: u64,
    /// Whether no software had every word of the query, and these are the closest.
    pub partial: bool,
    /// The query with its unknown words replaced by the nearest known ones.
    pub did_you_mean: Option<Link>,
    /// The organisations the query names (a commune's name leads to the commune).
    pub organisations: Vec<Link>,
    /// The categories the query names, each a link to its software.
    pub categories: Vec<Link>,
    /// When nothing matched: every category, and the most adopted software of the one
    /// closest to the words typed.
    pub browse: Vec<Link>,
    /// The closest category's label, with its most adopted software.
    pub popular: Option<(String, Vec<Hit>)>,
    /// Whether a filter is set (the empty answer then suggests removing one).
    pub filtered: bool,
    pub hits: Vec<Hit>,
    pub facets: Vec<Facet>,
    /// Filters in force, each with the link that removes it.
    pub active: Vec<Link>,
    pub sorts: Vec<Link>,
    pub pager: Pager,
    /// Hidden fields that keep the filters when the query is changed.
    pub kept: Vec<(String, String)>,
    /// The "before you tender" report for these words or this category, when there are.
    pub tender: Option<String>,
}

impl SearchPage {
    pub fn count_text(&self) -> String {
        self.chrome.t.count("count.results", self.total as i64)
    }
}

// ---- software -------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct HealthPart {
    pub key: String,
    pub weight: u32,
    pub points: u32,
    pub fact: String,
}

#[derive(Debug, Clone)]
pub struct HealthCard {
    pub score: u32,
    /// Its band (good, fair, poor), as the catalog sets it with the score.
    pub band: &'static str,
    pub parts: Vec<HealthPart>,
    /// Which repository it is the health of.
    pub repository: String,
}

#[derive(Debug, Clone)]
pub struct RepositoryView {
    pub url: String,
    pub forge: String,
    pub harvested: Option<NaiveDate>,
    pub outcome: Option<String>,
    pub error: Option<String>,
    pub last_commit: Option<NaiveDate>,
    pub commits: u64,
    pub authors: u64,
    pub latest_release: Option<String>,
    pub monthly_commits: Vec<i64>,
    pub health: Option<u32>,
    pub has_publiccode: bool,
    /// The forge's issue tracker, when the forge is known.
    pub issues_url: Option<String>,
    /// The contributing guide: its path in the repository and, on a known forge, its link.
    pub contributing: Option<(String, Option<String>)>,
    /// The README as harvested, rendered and sanitised (`None` for plain text).
    pub readme_html: Option<String>,
    /// The README's path in the repository.
    pub readme_path: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Territory {
    /// Where the maps draw it: a French département's INSEE code, `CH-` and a Swiss canton's
    /// abbreviation, else empty.
    pub code: String,
    pub slug: String,
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone)]
pub struct AdopterRow {
    pub organisation: OrgLink,
    pub since: NaiveDate,
    pub status: String,
    pub confirmed: Option<NaiveDate>,
    pub scope: Option<String>,
    pub evidence_url: Option<String>,
    pub demo: bool,
}

#[derive(Debug, Clone)]
pub struct FundingRow {
    pub funder: OrgLink,
    pub software: Option<(String, String)>,
    pub amount: Amount,
    pub date: NaiveDate,
    pub kind: String,
    pub status: String,
    pub roadmap_item: Option<String>,
    /// The roadmap item's title, where the page knows it.
    pub roadmap_title: Option<String>,
    pub evidence_url: Option<String>,
    pub demo: bool,
}

#[derive(Debug, Clone)]
pub struct YearTotals {
    pub year: i32,
    pub amounts: Vec<Amount>,
}

#[derive(Debug, Clone)]
pub struct RoadmapView {
    pub id: i64,
    pub software: Option<(String, String)>,
    pub slug: String,
    pub title: String,
    pub body_html: Option<String>,
    pub status: String,
    pub cost: Option<Amount>,
    pub target_date: Option<NaiveDate>,
    pub funded: Vec<Amount>,
    /// Fundings in another currency than the cost's that an exchange rate of the
    /// configuration counts towards it.
    pub conversions: Vec<Conversion>,
    pub needed_by: Vec<OrgLink>,
    pub demo: bool,
}

/// An amount counted in another currency, and the rate that did it.
#[derive(Debug, Clone)]
pub struct Conversion {
    pub from: Amount,
    pub into: Amount,
    /// As the configuration writes it (`1.0650`): one unit of `from`'s currency in `into`'s.
    pub rate: String,
    pub on: NaiveDate,
    pub source: Option<String>,
}

impl Conversion {
    /// "1 CHF = 1.0650 EUR on 28 November 2026 (BCE)", in the reader's language.
    pub fn rate_text(&self, t: &T) -> String {
        let rate = match t.lang {
            Lang::Fr => self.rate.replace('.', ","),
            Lang::En => self.rate.clone(),
        };
        let text = t.fill("roadmap.rate", &format!("1 {} = {rate} {}", self.from.currency, self.into.currency));
        let dated = text.replace("{on}", &t.date(self.on));
        match &self.source {
            Some(s) => format!("{dated} ({s})"),
            None => dated,
        }
    }
}

impl RoadmapView {
    /// How much of the estimated cost the fundings cover, 0 to 1: those in its currency, and
    /// those an exchange rate of the configuration converts.
    pub fn progress(&self) -> Option<f64> {
        let cost = self.cost.as_ref()?;
        if cost.minor <= 0 {
            return None;
        }
        let funded: i64 = self.funded.iter().filter(|a| a.currency == cost.currency).map(|a| a.minor).sum::<i64>()
            + self.conversions.iter().map(|c| c.into.minor).sum::<i64>();
        Some((funded as f64 / cost.minor as f64).min(1.0))
    }

    pub fn progress_value(&self) -> i64 {
        self.progress().map_or(0, |p| (p * 100.0).round() as i64)
    }

    /// What was funded in the cost's currency (all that was funded, without a cost).
    pub fn in_cost_currency(&self) -> Vec<&Amount> {
        match &self.cost {
            Some(cost) => self.funded.iter().filter(|a| a.currency == cost.currency).collect(),
            None => self.funded.iter().collect(),
        }
    }

    /// What was funded in other currencies than the cost's, that no rate converts: shown
    /// beside, never added.
    pub fn in_other_currencies(&self) -> Vec<&Amount> {
        match &self.cost {
            Some(cost) => self
                .funded
                .iter()
                .filter(|a| {
                    a.currency != cost.currency && !self.conversions.iter().any(|c| c.from.currency == a.currency)
                })
                .collect(),
            None => Vec::new(),
        }
    }
}

/// The instance a record comes from (another Communs this one follows), and the record's
/// page there.
#[derive(Debug, Clone)]
pub struct Origin {
    pub peer: String,
    pub url: String,
}

#[derive(Template)]
#[template(path = "software.html")]
pub struct SoftwareView {
    pub chrome: Chrome,
    pub slug: String,
    pub name: String,
    pub summary: Option<Text>,
    pub description_html: Option<Text>,
    pub categories: Vec<Link>,
    pub licence: String,
    pub maturity: String,
    pub website: Option<String>,
    pub logo_url: Option<String>,
    pub publisher: Option<OrgLink>,
    pub maintainers: Vec<OrgLink>,
    pub providers: Vec<OrgLink>,
    pub funders: Vec<OrgLink>,
    pub health: Option<HealthCard>,
    pub repositories: Vec<RepositoryView>,
    pub adopters_total: i64,
    pub adopters_active: i64,
    pub territories: Vec<Territory>,
    pub adopters: Vec<AdopterRow>,
    /// The organisation the reader chose (`near=`): the adopters listed are the nearest to it.
    pub near: Option<OrgLink>,
    pub fundings: Vec<FundingRow>,
    pub fundings_total: i64,
    pub funding_years: Vec<YearTotals>,
    pub funding_totals: Vec<Amount>,
    pub roadmap: Vec<RoadmapView>,
    pub offers: Vec<OfferView>,
    /// The "before you tender" report for the need it answers (its first category).
    pub tender: String,
    pub similar: Vec<(String, String)>,
    pub has_publiccode: bool,
    pub demo: bool,
    /// The instance this record comes from (see `catalog::federation`): it is kept there.
    pub origin: Option<Origin>,
}

impl SoftwareView {
    pub fn sparkline(&self, i: &usize, r: &RepositoryView) -> String {
        let t = &self.chrome.t;
        let total: i64 = r.monthly_commits.iter().sum();
        let label = format!("{} {}", t.fill("software.sparkline", &t.num(total)), t.s("software.sparkline_partial"));
        chart::sparkline(&format!("spark-{i}"), &label, &r.monthly_commits)
    }

    pub fn map(&self) -> String {
        let t = &self.chrome.t;
        let values: Vec<(String, i64, String)> = self
            .territories
            .iter()
            .filter(|d| !d.code.is_empty())
            .map(|d| (d.code.clone(), d.count, t.count("count.adopters", d.count)))
            .collect();
        maps(t, "adopters-map", t.s("software.map_title"), &t.fill("software.map_desc", &self.name), &values)
    }

    pub fn has_map(&self) -> bool {
        self.territories.iter().any(|d| !d.code.is_empty())
    }
}

/// One map per country that has values, the country with most first, each with its credit.
fn maps(t: &T, id: &str, title: &str, desc: &str, values: &[(String, i64, String)]) -> String {
    let mut countries: Vec<(crate::map::Country, i64)> = crate::map::Country::ALL
        .iter()
        .map(|c| (*c, values.iter().filter(|v| crate::map::Country::of(&v.0) == *c).map(|v| v.1).sum()))
        .filter(|(_, n)| *n > 0)
        .collect();
    countries.sort_by_key(|c| std::cmp::Reverse(c.1));
    let mut out = String::new();
    for (i, (country, _)) in countries.iter().enumerate() {
        let id = if i == 0 { id.to_string() } else { format!("{id}-{i}") };
        out.push_str(&crate::map::choropleth(*country, &id, title, desc, values, t.s("map.legend"), &|n| t.num(n)));
        out.push_str(&format!("<p class=\"credit\">{}</p>", t.s(country.credit_key())));
    }
    out
}

// ---- organisation ---------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct UseRow {
    pub software: String,
    pub name: String,
    pub since: NaiveDate,
    pub status: String,
    pub confirmed: Option<NaiveDate>,
    pub demo: bool,
}

#[derive(Debug, Clone)]
pub struct PeerSoftware {
    pub slug: String,
    pub name: String,
    /// How many of the peers use it.
    pub users: i64,
}

#[derive(Debug, Clone)]
pub struct PeerGroup {
    /// "Organisations of the EPCI Grand Besançon Métropole".
    pub title: String,
    pub peers: i64,
    pub sample: Vec<OrgLink>,
    pub software: Vec<PeerSoftware>,
}

/// An organisation's members (an EPCI's communes, a canton's municipalities), a page at a
/// time.
#[derive(Template)]
#[template(path = "members.html")]
pub struct MembersPage {
    pub chrome: Chrome,
    pub slug: String,
    pub name: String,
    /// INSEE's type de liaison of the name, for its French articles.
    pub liaison: Option<u8>,
    pub total: u64,
    pub members: Vec<MemberRow>,
    pub pager: Pager,
}

#[derive(Debug, Clone)]
pub struct MemberRow {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub population: Option<i64>,
}

#[derive(Template)]
#[template(path = "organisation.html")]
pub struct OrganisationView {
    pub chrome: Chrome,
    /// The instance this record comes from, if another's.
    pub origin: Option<Origin>,
    pub slug: String,
    pub name: String,
    /// INSEE's type de liaison of the name, for its French articles.
    pub liaison: Option<u8>,
    pub kind: String,
    pub country: String,
    pub population: Option<i64>,
    pub identifiers: Vec<String>,
    pub parents: Vec<OrgLink>,
    pub children: i64,
    pub website: Option<String>,
    pub uses: Vec<UseRow>,
    pub uses_total: i64,
    pub funds: Vec<FundingRow>,
    pub funds_total: i64,
    pub publishes: Vec<(String, String)>,
    pub maintains: Vec<(String, String)>,
    pub provides: Vec<(String, String)>,
    /// Its accounts on forges (address, kind of forge), where its code is published.
    pub forge_accounts: Vec<(String, String)>,
    /// What it offers to run or support for others.
    pub offers: Vec<OfferView>,
    pub peers: Vec<PeerGroup>,
    pub demo: bool,
}

// ---- dashboards -----------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct YearCount {
    pub year: i32,
    pub added: i64,
    pub cumulative: i64,
}

#[derive(Debug, Clone)]
pub struct Ranked {
    pub label: String,
    pub href: Option<String>,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "adoption.html")]
pub struct AdoptionDashboard {
    pub chrome: Chrome,
    pub total: i64,
    pub active: i64,
    pub adopters: i64,
    pub years: Vec<YearCount>,
    pub territories: Vec<Territory>,
    pub kinds: Vec<Ranked>,
    pub top: Vec<Ranked>,
}

impl AdoptionDashboard {
    pub fn years_chart(&self) -> String {
        let t = &self.chrome.t;
        let bars: Vec<Bar> = self
            .years
            .iter()
            .map(|y| Bar {
                label: y.year.to_string(),
                value: y.cumulative as f64,
                value_label: t.num(y.cumulative),
                href: None,
            })
            .collect();
        chart::columns("chart-years", t.s("adoption.years_title"), t.s("adoption.years_desc"), &bars, &|v| {
            t.num(v as i64)
        })
    }

    pub fn map(&self) -> String {
        let t = &self.chrome.t;
        let values: Vec<(String, i64, String)> = self
            .territories
            .iter()
            .filter(|d| !d.code.is_empty())
            .map(|d| (d.code.clone(), d.count, t.count("count.adoptions", d.count)))
            .collect();
        maps(t, "chart-map", t.s("adoption.map_title"), t.s("adoption.map_desc"), &values)
    }

    pub fn kinds_chart(&self) -> String {
        ranked_chart(&self.chrome.t, "chart-kinds", "adoption.kinds_title", "adoption.kinds_desc", &self.kinds)
    }

    pub fn top_chart(&self) -> String {
        ranked_chart(&self.chrome.t, "chart-top", "adoption.top_title", "adoption.top_desc", &self.top)
    }
}

fn ranked_chart(t: &T, id: &str, title: &str, desc: &str, rows: &[Ranked]) -> String {
    let bars: Vec<Bar> = rows
        .iter()
        .map(|r| Bar {
            label: r.label.clone(),
            value: r.count as f64,
            value_label: t.num(r.count),
            href: r.href.clone(),
        })
        .collect();
    chart::bars(id, t.s(title), t.s(desc), &bars)
}

#[derive(Debug, Clone)]
pub struct RankedAmount {
    pub label: String,
    pub href: Option<String>,
    pub amount: Amount,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "funding.html")]
pub struct FundingDashboard {
    pub chrome: Chrome,
    /// The currency the charts are drawn in (amounts in different currencies are never
    /// added); the tables list the others.
    pub currency: String,
    pub totals: Vec<Amount>,
    pub fundings: i64,
    pub years: Vec<YearTotals>,
    pub software: Vec<RankedAmount>,
    pub funder_kinds: Vec<RankedAmount>,
    pub items: Vec<RoadmapView>,
}

impl FundingDashboard {
    fn in_currency<'a>(&self, amounts: &'a [Amount]) -> Option<&'a Amount> {
        amounts.iter().find(|a| a.currency == self.currency)
    }

    /// The currencies funded besides the main one, each with its own tables.
    pub fn other_currencies(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .software
            .iter()
            .chain(&self.funder_kinds)
            .map(|r| r.amount.currency.clone())
            .filter(|c| *c != self.currency)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The rows of `rows` in `currency`: a table holds one currency, each line once.
    pub fn rows_in<'a>(&self, rows: &'a [RankedAmount], currency: &str) -> Vec<&'a RankedAmount> {
        rows.iter().filter(|r| r.amount.currency == currency).collect()
    }

    pub fn years_chart(&self) -> String {
        let t = &self.chrome.t;
        let bars: Vec<Bar> = self
            .years
            .iter()
            .map(|y| {
                let a = self.in_currency(&y.amounts);
                Bar {
                    label: y.year.to_string(),
                    value: a.map_or(0.0, Amount::units),
                    value_label: a.map_or_else(String::new, |a| a.show(t)),
                    href: None,
                }
            })
            .collect();
        chart::columns(
            "chart-funding-years",
            &t.fill("funding.years_title", &self.currency),
            t.s("funding.years_desc"),
            &bars,
            &|v| t.num(v as i64),
        )
    }

    fn amounts_chart(&self, id: &str, title: &str, desc: &str, rows: &[RankedAmount]) -> String {
        let t = &self.chrome.t;
        let bars: Vec<Bar> = rows
            .iter()
            .filter(|r| r.amount.currency == self.currency)
            .map(|r| Bar {
                label: r.label.clone(),
                value: r.amount.units(),
                value_label: r.amount.show(t),
                href: r.href.clone(),
            })
            .collect();
        chart::bars(id, &t.fill(title, &self.currency), t.s(desc), &bars)
    }

    pub fn software_chart(&self) -> String {
        self.amounts_chart("chart-funding-software", "funding.software_title", "funding.software_desc", &self.software)
    }

    pub fn kinds_chart(&self) -> String {
        self.amounts_chart("chart-funding-kinds", "funding.kinds_title", "funding.kinds_desc", &self.funder_kinds)
    }
}

// ---- roadmaps, about, errors ----------------------------------------------------------

#[derive(Template)]
#[template(path = "roadmaps.html")]
pub struct RoadmapsPage {
    pub chrome: Chrome,
    pub items: Vec<RoadmapView>,
    pub total: i64,
    /// The statuses for the filter's list: (value, label, selected).
    pub statuses: Vec<(String, String, bool)>,
    /// The software that have items, for the filter's list: (slug, name, selected).
    pub software: Vec<(String, String, bool)>,
    pub status: String,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "about.html")]
pub struct AboutPage {
    pub chrome: Chrome,
    pub figures: Figures,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub status: u16,
    pub message: String,
}

/// A software's adopters, filtered: `/software/{slug}/adopters`.
#[derive(Template)]
#[template(path = "adopters.html")]
pub struct AdoptersPage {
    pub chrome: Chrome,
    pub slug: String,
    pub name: String,
    pub total: u64,
    pub rows: Vec<NearAdopterRow>,
    pub pager: Pager,
    /// The filters as given, to fill the form again.
    pub territory: String,
    pub kind: String,
    pub status: String,
    pub near: String,
    pub sort: String,
    /// The organisation `near` names, when it is known.
    pub near_name: Option<String>,
    /// The kinds of organisations and the statuses to choose from: (value, label).
    pub kinds: Vec<(String, String)>,
    pub statuses: Vec<(String, String)>,
    pub demo: bool,
}

#[derive(Debug, Clone)]
pub struct NearAdopterRow {
    pub adopter: AdopterRow,
    pub population: Option<i64>,
    /// How near, in words (same EPCI, same département…), when `near` is set.
    pub nearness: Option<String>,
}
