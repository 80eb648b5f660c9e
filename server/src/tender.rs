//! "Before you tender": for a need (words, or a category) and optionally the organisation
//! asking, the candidate software ranked with the reasons, and for each what an official
//! takes to the council: what it does, who near them and of their size uses it, what others
//! have paid, what is planned, who can run it for them and at what cost. One gathering
//! (`gather`) feeds the page, the JSON (`/api/v1/tender`) and the OpenDocument file.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use catalog::tender::{rank, CandidateFacts, Ranked, Reason};
use catalog::{Asker, Money, NearAdoption, Offer, OfferFilter, OrgKey, RoadmapItem, Store};
use chrono::NaiveDate;
use indexer::search::query::{Filters, Request, Sort};
use serde::Serialize;
use web::{Lang, OrgLink, TenderAdopter, TenderCandidate, TenderOrganisation, TenderPage, TenderReport, T};

use crate::api::AppState;
use crate::error::Error;
use crate::pages::build::money;
use crate::pages::records::{offer_view, roadmap_view};
use crate::pages::PageContext;
use crate::params::Params;

/// Candidates a report weighs and shows.
pub const CANDIDATES: usize = 5;
/// Adopters listed per candidate: the nearest.
const NEAREST: i64 = catalog::NEAREST as i64;

/// What a report is asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Question {
    /// The need in the asker's words.
    pub need: Option<String>,
    /// Or a category, by slug.
    pub category: Option<String>,
    /// The organisation asking, by slug or official identifier.
    pub organisation: Option<String>,
}

impl Question {
    /// The question of a query string: `need`, `category`, `for`. A bad one is a 400 that
    /// names the parameter.
    pub fn read(p: &crate::params::Params) -> Result<Question, Error> {
        p.allow(&["need", "category", "for"])?;
        let need = p.given("need").map(|n| n.trim().to_string());
        let category = p.text("category").map(|c| c.trim().to_string());
        let organisation = p.text("for").map(|o| o.trim().to_string());
        match (&need, &category) {
            (Some(n), None) if n.is_empty() => {
                return Err(refused("need", "say what the software must do, such as \"gestion des cimetières\""))
            }
            (None, None) => return Err(refused("need", "give a need (need=...) or a category (category=...)")),
            (Some(n), _) if n.chars().count() > NEED_MAX => {
                return Err(refused("need", format!("must have at most {NEED_MAX} characters")))
            }
            _ => {}
        }
        if let Some(c) = &category {
            if catalog::Category::parse(c).is_err() {
                return Err(refused("category", format!("no category {c} exists")));
            }
        }
        Ok(Question { need: need.filter(|n| !n.is_empty()), category, organisation })
    }

    /// The query string that asks it again.
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(n) = &self.need {
            parts.push(format!("need={}", web::encode(n)));
        }
        if let Some(c) = &self.category {
            parts.push(format!("category={}", web::encode(c)));
        }
        if let Some(o) = &self.organisation {
            parts.push(format!("for={}", web::encode(o)));
        }
        parts.join("&")
    }
}

/// The form that asks a candidate's adopters a question, for the report's organisation,
/// coming back to the candidate in the report.
fn ask_address(slug: &str, asker: Option<&str>, report: &str) -> String {
    let back = web::encode(&format!("/tender?{report}#candidate-{slug}"));
    match asker {
        Some(asker) => format!("/software/{slug}/ask?for={}&back={back}", web::encode(asker)),
        None => format!("/software/{slug}/ask?back={back}"),
    }
}

/// Sums per currency, in a stable order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Sums(pub BTreeMap<String, i64>);

impl Sums {
    pub fn amounts(&self) -> Vec<Money> {
        self.0.iter().filter_map(|(c, minor)| Money::new(*minor, catalog::Currency::parse(c).ok()?).ok()).collect()
    }
}

/// One candidate, whole.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub slug: String,
    pub name: String,
    pub summary: Option<String>,
    pub licence: String,
    pub maturity: String,
    pub health: Option<catalog::Health>,
    #[serde(flatten)]
    pub ranked: Ranked,
    /// Current adopters by nearness: itself, same EPCI, same département (canton,
    /// province), same région, anywhere else.
    pub nearby: [i64; 5],
    pub similar_size: i64,
    pub adopters_total: i64,
    /// The nearest adopters (or the latest, without an organisation).
    pub nearest: Vec<NearAdoption>,
    /// What has been put in, per year (newest first) and per kind of funder.
    pub funded_by_year: Vec<(i32, Sums)>,
    pub funded_by_funder_kind: Vec<(String, Sums)>,
    /// Roadmap items not done nor abandoned, with who needs them and what is pledged.
    pub open_roadmap: Vec<RoadmapItem>,
    /// Offers the organisation may subscribe to where it is (all, without one).
    pub offers: Vec<Offer>,
    /// How many adopters have someone who answers questions, and where to ask them.
    pub answering_adopters: i64,
    pub ask: String,
    pub demo: bool,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub need: Option<String>,
    pub category: Option<String>,
    pub organisation: Option<Asker>,
    /// The day the figures were read.
    pub generated_on: NaiveDate,
    /// The live report: path and query.
    pub address: String,
    pub candidates: Vec<Candidate>,
    /// Some figure of the report is illustrative.
    pub demo: bool,
}

fn refused(field: &str, message: impl Into<String>) -> Error {
    Error::bad_parameter(field, message)
}

/// The longest need a report takes, in characters.
const NEED_MAX: usize = 200;

/// Reads everything the report says.
pub async fn gather(s: &AppState, question: &Question, lang: &str, today: NaiveDate) -> Result<Report, Error> {
    let store: &Store = &s.store;
    let organisation = match &question.organisation {
        None => None,
        Some(key) => {
            let parsed = OrgKey::parse("for", key).map_err(|e| match e {
                catalog::Error::Invalid { message, .. } => refused("for", message),
                other => refused("for", other.to_string()),
            })?;
            let asker = store.tender_asker(&parsed).await?;
            Some(asker.ok_or_else(|| refused("for", format!("no organisation {key} is known")))?)
        }
    };
    // The candidates: what the search finds for the need, or the category's most adopted.
    let mut filters = Filters::default();
    if let Some(c) = &question.category {
        filters.category.push(c.clone());
    }
    let request = Request {
        q: question.need.clone().unwrap_or_default(),
        filters,
        sort: if question.need.is_some() { Sort::Relevance } else { Sort::Adopted },
        limit: CANDIDATES * 2,
        offset: 0,
        lang: lang.into(),
    };
    // The fundings' sums come from the dashboards' aggregates: brought up to date first.
    let version = store.version().await?;
    if let Err(e) = s.dashboards.catch_up_to(store, version).await {
        return Err(Error::internal(
            format!("{e:#}"),
            "the dashboards could not catch up",
            "the report failed; it is logged",
        ));
    }
    let started = std::time::Instant::now();
    let mut steps: Vec<(&str, f64)> = Vec::new();
    let mut step = |name: &'static str, since: &mut std::time::Instant| {
        steps.push((name, since.elapsed().as_secs_f64() * 1e3));
        *since = std::time::Instant::now();
    };
    let mut since = std::time::Instant::now();
    let results = crate::search_api::run_search(s, None, &request).await?;
    step("search", &mut since);
    let best = results.hits.iter().map(|h| h.score).fold(0.0f32, f32::max);
    let hits: Vec<_> = results.hits.iter().take(CANDIDATES * 2).collect();
    let slugs: Vec<String> = hits.iter().map(|h| h.slug.clone()).collect();
    // Each candidate's adopters by département, canton or province, from the dashboards.
    let areas: catalog::AreaCounts = slugs
        .iter()
        .map(|slug| {
            let by_area = s.dashboards.adopters_of(slug).by_territory;
            (slug.clone(), by_area.into_iter().map(|c| (c.what.slug, c.count)).collect())
        })
        .collect();
    // And of the asker's size (half to twice its population), from the same aggregates.
    let sizes = match &organisation {
        Some(a) => match a.population.filter(|p| *p > 0) {
            Some(p) => s.dashboards.sizes_of(&slugs, &a.kind, &a.country, (p / 2, p * 2)),
            None => catalog::SizeCounts::new(),
        },
        None => catalog::SizeCounts::new(),
    };
    let counts = store.tender_counts(organisation.as_ref(), &slugs, &areas, &sizes).await?;
    step("counts", &mut since);
    // Every candidate's offers where the asker is (anywhere without one), in one read.
    let territory = organisation.as_ref().map(|a| OrgKey::parse("for", &a.slug)).transpose()?;
    let mut offers_of: BTreeMap<String, Vec<Offer>> = BTreeMap::new();
    if !slugs.is_empty() {
        for offer in store.offers(&OfferFilter { territory, software: slugs.clone() }).await? {
            offers_of.entry(offer.software.clone()).or_default().push(offer);
        }
    }
    let mut facts = Vec::new();
    for h in &hits {
        let offers = offers_of.get(&h.slug).map_or(0, Vec::len);
        let c = counts.get(&h.slug).cloned().unwrap_or_default();
        facts.push(CandidateFacts {
            slug: h.slug.clone(),
            fit: if question.need.is_some() && best > 0.0 { f64::from(h.score / best) } else { 1.0 },
            nearby: c.nearby,
            similar_size: c.similar_size,
            health: h.health,
            offers_here: offers as i64,
        });
    }
    let mut candidates = Vec::new();
    step("offers", &mut since);
    let ranking: Vec<_> = rank(&facts).into_iter().take(CANDIDATES).collect();
    let answering = store.answering_counts(&ranking.iter().map(|r| r.slug.clone()).collect::<Vec<_>>()).await?;
    // Where the candidates' time goes, summed over them (ms): record, adopters, roadmap.
    let mut parts = [0.0f64; 3];
    for ranked in ranking {
        let slug = ranked.slug.clone();
        let mut clock = std::time::Instant::now();
        let mut part = |i: usize, clock: &mut std::time::Instant| {
            parts[i] += clock.elapsed().as_secs_f64() * 1e3;
            *clock = std::time::Instant::now();
        };
        let sw = store.software(&slug).await?;
        part(0, &mut clock);
        let counts = counts.get(&slug).cloned().unwrap_or_default();
        // The nearest adopters the counts found (within the région), then the latest: the
        // adopters page's sort by nearness weighs every adopter, 130 ms for a software of
        // 25,000 on the national catalog.
        let mut nearest = store.adoptions_by(&slug, &counts.nearest).await?;
        if nearest.len() < NEAREST as usize {
            for a in store.latest_adoptions(&slug, NEAREST).await? {
                if nearest.len() < NEAREST as usize && !nearest.iter().any(|n| n.adoption.id == a.adoption.id) {
                    nearest.push(a);
                }
            }
        }
        part(1, &mut clock);
        // Every funding, from the dashboards' aggregates (a popular software has thousands).
        let mut by_year: BTreeMap<i32, Sums> = BTreeMap::new();
        let mut by_kind: BTreeMap<String, Sums> = BTreeMap::new();
        let funding = s.dashboards.fundings_of(&slug);
        // Marked when the software has illustrative adoptions or fundings: the aggregates
        // do not say which.
        let funded_demo = funding.demo && !funding.by_year_and_kind.is_empty();
        for f in funding.by_year_and_kind {
            let (year, kind) = f.what;
            *by_year.entry(year).or_default().0.entry(f.currency.clone()).or_default() += f.minor;
            *by_kind.entry(kind).or_default().0.entry(f.currency).or_default() += f.minor;
        }
        let offers = offers_of.remove(&slug).unwrap_or_default();
        let open_roadmap: Vec<RoadmapItem> = store
            .software_roadmap(&slug)
            .await?
            .into_iter()
            .filter(|i| !matches!(i.status, catalog::RoadmapStatus::Done | catalog::RoadmapStatus::Abandoned))
            .collect();
        part(2, &mut clock);
        // The health of the first harvested repository, as the software's page says it.
        let health = sw.repositories.iter().find_map(|r| r.harvest.as_ref()?.health.clone());
        let demo = sw.demo
            || nearest.iter().any(|a| a.adoption.demo)
            || funded_demo
            || open_roadmap.iter().any(|i| i.demo)
            || offers.iter().any(|o| o.demo);
        candidates.push(Candidate {
            summary: sw
                .summary
                .get(lang)
                .or_else(|| sw.summary.get("fr"))
                .or_else(|| sw.summary.values().next())
                .cloned(),
            name: sw.name,
            licence: sw.licence,
            maturity: sw.maturity,
            health,
            nearby: counts.nearby,
            similar_size: counts.similar_size,
            adopters_total: counts.nearby.iter().sum(),
            nearest,
            funded_by_year: by_year.into_iter().rev().collect(),
            funded_by_funder_kind: by_kind.into_iter().collect(),
            open_roadmap,
            offers,
            answering_adopters: answering.get(&slug).copied().unwrap_or(0),
            ask: ask_address(&slug, organisation.as_ref().map(|o| o.slug.as_str()), &question.query()),
            demo,
            slug,
            ranked,
        });
    }
    step("candidates", &mut since);
    // Where a report's time goes (`COMMUNS_LOG=server::tender=debug`).
    tracing::debug!(ms = started.elapsed().as_secs_f64() * 1e3, ?steps, candidates = ?parts, "tender report read");
    let demo = candidates.iter().any(|c| c.demo);
    let query = question.query();
    Ok(Report {
        need: question.need.clone(),
        category: question.category.clone(),
        organisation,
        generated_on: today,
        address: format!("/tender?{query}"),
        candidates,
        demo,
    })
}

// ---- the page and the JSON --------------------------------------------------------------

fn org(o: &catalog::OrgRef) -> OrgLink {
    OrgLink { slug: o.slug.clone(), name: o.name.clone(), kind: o.kind.clone() }
}

fn amounts(sums: &Sums) -> Vec<web::Amount> {
    sums.amounts().iter().map(money).collect()
}

/// A reason in the reader's words.
pub fn reason(t: &T, r: &Reason) -> String {
    match r {
        Reason::UsedHere => t.s("tender.reason_used_here").to_owned(),
        Reason::Fits { percent } => t.fill("tender.reason_fits", &percent.to_string()),
        Reason::Nearby { epci, area, region } => t
            .s("tender.reason_nearby")
            .replace("{epci}", &t.num(*epci))
            .replace("{area}", &t.num(*area))
            .replace("{region}", &t.num(*region)),
        Reason::NoNeighbours => t.s("tender.reason_no_neighbours").to_owned(),
        Reason::SimilarSize { count } => t.fill("tender.reason_similar", &t.num(*count)),
        Reason::Health { score } => t.fill("tender.reason_health", &score.to_string()),
        Reason::Offers { count } => t.fill("tender.reason_offers", &t.num(*count)),
        Reason::NoOffer => t.s("tender.reason_no_offer").to_owned(),
    }
}

/// The report as the page shows it.
pub fn view(report: &Report, t: &T, site: &str, rates: &catalog::money::Rates) -> TenderReport {
    let asked = match (&report.need, &report.category) {
        (Some(n), _) => n.clone(),
        (None, Some(c)) => crate::pages::build::category_label(c, t.lang),
        (None, None) => String::new(),
    };
    let organisation = report.organisation.as_ref().map(|a| TenderOrganisation {
        org: OrgLink { slug: a.slug.clone(), name: a.name.clone(), kind: a.kind.clone() },
        population: a.population,
        liaison: a.liaison,
        places: a.epci.iter().chain(&a.areas).chain(&a.regions).map(org).collect(),
    });
    let query = report.address.trim_start_matches("/tender?");
    let candidates = report
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| TenderCandidate {
            rank: i + 1,
            slug: c.slug.clone(),
            name: c.name.clone(),
            summary: c.summary.clone(),
            licence: c.licence.clone(),
            maturity: c.maturity.clone(),
            score: c.ranked.score,
            reasons: c.ranked.reasons.iter().map(|r| reason(t, r)).collect(),
            health: c.health.as_ref().map(|h| web::HealthCard {
                score: h.score,
                band: catalog::Health::band(h.score),
                parts: h
                    .parts
                    .iter()
                    .map(|p| web::HealthPart {
                        key: p.key.clone(),
                        weight: p.weight,
                        points: p.points,
                        fact: p.fact.clone(),
                    })
                    .collect(),
                repository: String::new(),
            }),
            adopters_total: c.adopters_total,
            nearby: c.nearby,
            similar_size: c.similar_size,
            nearest: c
                .nearest
                .iter()
                .map(|a| TenderAdopter {
                    org: OrgLink {
                        slug: a.adoption.organisation.clone(),
                        name: a.adoption.organisation_name.clone(),
                        kind: a.adoption.organisation_kind.clone(),
                    },
                    population: a.population,
                    proximity: a.proximity,
                    since: a.adoption.since,
                    status: a.adoption.status.to_string(),
                    demo: a.adoption.demo,
                })
                .collect(),
            funded_by_year: c.funded_by_year.iter().map(|(y, s)| (*y, amounts(s))).collect(),
            funded_by_funder_kind: c.funded_by_funder_kind.iter().map(|(k, s)| (k.clone(), amounts(s))).collect(),
            roadmap: c.open_roadmap.iter().map(|i| roadmap_view(i, None, rates)).collect(),
            offers: c.offers.iter().map(offer_view).collect(),
            answering_adopters: c.answering_adopters,
            ask: c.ask.clone(),
            demo: c.demo,
        })
        .collect();
    TenderReport {
        asked,
        organisation,
        generated_on: report.generated_on,
        address: format!("{site}{}", report.address),
        odt: format!("/tender.odt?{query}"),
        json: format!("/api/v1/tender?{query}"),
        candidates,
        demo: report.demo,
    }
}

/// The site's address for the printed footer: the configured public one, or the one the
/// reader used (the `Host` check lets only the site's own names through).
fn site_address(s: &AppState, headers: &HeaderMap) -> String {
    match &s.accounts.public_url {
        Some(u) => u.as_str().trim_end_matches('/').to_string(),
        None => headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(|h| format!("http://{h}"))
            .unwrap_or_default(),
    }
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// `/tender`: the question's form, and the report once asked.
pub async fn page(State(s): State<AppState>, cx: PageContext, headers: HeaderMap, p: Params) -> Response {
    let lang = cx.lang;
    let path = cx.path;
    let t = T::new(lang);
    let mut chrome = web::Chrome::new(lang, &path, t.s("tender.title"), "");
    let categories = catalog::Category::all()
        .map(|c| (c.info().slug.to_string(), if lang == Lang::En { c.info().en } else { c.info().fr }.to_string()))
        .collect();
    let mut view = TenderPage {
        need: p.given("need").unwrap_or_default().to_string(),
        category: p.given("category").unwrap_or_default().to_string(),
        organisation_key: p.given("for").unwrap_or_default().to_string(),
        categories,
        error: None,
        report: None,
        chrome: chrome.clone(),
    };
    // Nothing, or an organisation alone (its page's link), pre-fills the form; anything
    // else is a question, answered or refused.
    let only_for = p.len() == 1 && p.given("for").is_some();
    if p.is_empty() || only_for {
        return crate::pages::html(lang, &view);
    }
    let answer = async {
        let question = Question::read(&p)?;
        gather(&s, &question, lang.code(), today()).await
    }
    .await;
    match answer {
        Ok(report) => {
            chrome.demo = report.demo;
            view.chrome = chrome;
            view.report = Some(self::view(&report, &t, &site_address(&s, &headers), s.store.exchange_rates()));
            crate::pages::html(lang, &view)
        }
        Err(Error::BadParameter { field, detail }) => {
            view.error = Some((field, detail));
            (StatusCode::BAD_REQUEST, crate::pages::html(lang, &view)).into_response()
        }
        Err(problem) => problem.into_response(),
    }
}

/// The report as an OpenDocument text, to edit and take to the council.
pub async fn odt(State(s): State<AppState>, cx: PageContext, headers: HeaderMap, p: Params) -> Result<Response, Error> {
    let lang = cx.lang;
    let t = T::new(lang);
    let question = Question::read(&p)?;
    let report = gather(&s, &question, lang.code(), today()).await?;
    let view = self::view(&report, &t, &site_address(&s, &headers), s.store.exchange_rates());
    let name = match &report.organisation {
        Some(o) => format!("avant-marche-{}.odt", o.slug),
        None => "avant-marche.odt".to_string(),
    };
    let file = web::odt::tender(&view, &t);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/vnd.oasis.opendocument.text".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        file,
    )
        .into_response())
}

/// The report's data, for other tools.
#[utoipa::path(get, path = "/api/v1/tender", tag = "tender", operation_id = "tender",
    params(crate::openapi::TenderQuery),
    responses((status = 200, description = "The candidates ranked, each with its reasons, adopters near the organisation, fundings, open roadmap and offers", body = Object), (status = 400, description = "A bad or unknown query parameter, named", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn api(State(s): State<AppState>, p: Params) -> Result<Json<Report>, Error> {
    let question = Question::read(&p)?;
    let lang = if p.given("lang") == Some("en") { "en" } else { "fr" };
    Ok(Json(gather(&s, &question, lang, today()).await?))
}
