//! A software's page and an organisation's page.

use axum::extract::{Path, State};
use axum::response::Response;
use catalog::money::Rates;
use catalog::{Adoption, Funding, Offer, OrgRef, RoadmapItem};
use web::{
    AdopterRow, Chrome, FundingRow, HealthCard, HealthPart, Lang, Link, OfferView, OrgLink, OrganisationView,
    PeerGroup, PeerSoftware, RepositoryView, RoadmapView, SoftwareView, Territory, Text, UseRow, YearTotals,
};

use super::build::{amount, category_label, localised, money};
use super::{dashboards_caught_up, html, PageContext, PageResult, Seen};
use crate::api::AppState;
use crate::error::Error;

/// Adoptions and fundings a page lists; the rest is in the API.
const LISTED: i64 = 20;

fn org(o: &OrgRef) -> OrgLink {
    OrgLink { slug: o.slug.clone(), name: o.name.clone(), kind: o.kind.clone() }
}

pub fn offer_view(o: &Offer) -> OfferView {
    OfferView {
        provider: OrgLink { slug: o.provider.clone(), name: o.provider_name.clone(), kind: o.provider_kind.clone() },
        software: (o.software.clone(), o.software_name.clone()),
        kind: o.kind.clone(),
        // A country is written by its code, which the page names; an area links to its page.
        territories: o
            .territories
            .iter()
            .zip(&o.territory_names)
            .map(|(slug, name)| match catalog::Country::parse(slug) {
                Ok(_) if slug.len() == 2 => (String::new(), slug.clone()),
                _ => (slug.clone(), name.clone()),
            })
            .collect(),
        subscribers: o.subscribers.clone(),
        membership_required: o.membership_required,
        price_model: o.price_model.clone(),
        prices: o.prices.iter().map(|p| (p.min_population, p.max_population, money(&p.yearly))).collect(),
        url: o.url.clone(),
        checked_on: o.checked_on,
        demo: o.demo,
    }
}

pub fn funding_row(f: &Funding) -> FundingRow {
    FundingRow {
        funder: OrgLink { slug: f.funder.clone(), name: f.funder_name.clone(), kind: f.funder_kind.clone() },
        software: Some((f.software.clone(), f.software_name.clone())),
        amount: money(&f.amount),
        date: f.date,
        kind: f.kind.to_string(),
        status: f.status.to_string(),
        roadmap_item: f.roadmap_item.clone(),
        roadmap_title: None,
        evidence_url: f.evidence_url.clone(),
        demo: f.demo,
    }
}

/// A roadmap item as pages show it; `rates` are the operator's exchange rates, which count
/// fundings in another currency towards its cost.
pub fn roadmap_view(i: &RoadmapItem, software: Option<(String, String)>, rates: &Rates) -> RoadmapView {
    let conversions = match &i.estimated_cost {
        None => Vec::new(),
        Some(cost) => i
            .funded
            .iter()
            .filter(|t| t.currency != cost.currency)
            .filter_map(|t| {
                let rate = rates.rate(t.currency, cost.currency)?;
                let into = rate.convert(catalog::Money::new(t.minor, t.currency).ok()?)?;
                Some(web::pages::Conversion {
                    from: amount(t.minor, t.currency.code()),
                    into: money(&into),
                    rate: rate.rate.clone(),
                    on: rate.on,
                    source: rate.source.clone(),
                })
            })
            .collect(),
    };
    RoadmapView {
        conversions,
        id: i.id,
        software,
        slug: i.slug.clone(),
        title: i.title.clone(),
        body_html: i.body.as_deref().filter(|b| !b.trim().is_empty()).map(markdown::to_html),
        status: i.status.to_string(),
        cost: i.estimated_cost.as_ref().map(money),
        target_date: i.target_date,
        funded: i.funded.iter().map(|t| amount(t.minor, t.currency.code())).collect(),
        needed_by: i.needed_by.iter().map(org).collect(),
        demo: i.demo,
    }
}

fn adopter_row(a: &Adoption) -> AdopterRow {
    AdopterRow {
        organisation: OrgLink {
            slug: a.organisation.clone(),
            name: a.organisation_name.clone(),
            kind: a.organisation_kind.clone(),
        },
        since: a.since,
        status: a.status.to_string(),
        confirmed: if a.state == catalog::AdoptionState::Confirmed { a.last_confirmed } else { None },
        scope: a.scope.clone(),
        evidence_url: a.evidence_url.clone(),
        demo: a.demo,
    }
}

#[derive(serde::Deserialize)]
pub struct NearQuery {
    near: Option<String>,
}

pub async fn software(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    cx: PageContext,
    seen: Seen,
    axum::extract::Query(q): axum::extract::Query<NearQuery>,
) -> PageResult {
    let lang = cx.lang;
    let path = cx.path;
    let near = q.near.filter(|n| !n.trim().is_empty());
    software_page(&s, &slug, lang, &path, &seen, near.as_deref()).await.map_err(missing_named(
        lang,
        "error.not_found_software",
        &slug,
    ))
}

/// The longest README a software's page shows; a longer one is read on its forge.
const README_SHOWN_BYTES: usize = 30_000;

async fn software_page(
    s: &AppState,
    slug: &str,
    lang: Lang,
    path: &str,
    seen: &Seen,
    near: Option<&str>,
) -> Result<Response, Error> {
    dashboards_caught_up(s, seen).await?;
    let page = s.store.software_page(slug, LISTED).await?;
    // The adopters nearest to the reader's organisation, when they chose one.
    let nearest = match near {
        Some(n) => {
            let filter = catalog::AdopterFilter {
                near: Some(n.to_string()),
                sort: catalog::AdopterSort::Near,
                ..Default::default()
            };
            let organisation = s
                .store
                .organisation(n)
                .await
                .map_err(|_| Error::BadRequest(web::T::new(lang).fill("error.not_found_organisation", n)))?;
            let list = s.store.software_adopters(slug, &filter, LISTED, 0).await?;
            Some((
                OrgLink { slug: organisation.slug, name: organisation.name, kind: organisation.kind.as_str().into() },
                list,
            ))
        }
        None => None,
    };
    let sw = &page.software;
    let t = web::T::new(lang);
    let health = sw.repositories.iter().find_map(|r| {
        let harvest = r.harvest.as_ref()?;
        let h = harvest.health.as_ref()?;
        // The facts again, from the snapshot scored, in the reader's language.
        let written =
            |key: &str| harvest.snapshot.as_ref().and_then(|s| super::health::fact(&t, key, s, chrono::Utc::now()));
        Some(HealthCard {
            score: h.score,
            band: catalog::Health::band(h.score),
            parts: h
                .parts
                .iter()
                .map(|p| HealthPart {
                    key: p.key.clone(),
                    weight: p.weight,
                    points: p.points,
                    fact: written(&p.key).unwrap_or_else(|| p.fact.clone()),
                })
                .collect(),
            repository: r.url.clone(),
        })
    });
    let repositories: Vec<RepositoryView> = sw
        .repositories
        .iter()
        .map(|r| {
            let h = r.harvest.as_deref();
            let snap = h.and_then(|h| h.snapshot.as_ref());
            RepositoryView {
                url: r.url.clone(),
                forge: r.forge.clone(),
                harvested: h.and_then(|h| h.last_harvest).map(|d| d.date_naive()),
                outcome: h.and_then(|h| h.last_outcome.clone()),
                error: h
                    .and_then(|h| h.last_error.as_ref())
                    .map(|e| web::T::new(lang).word("harvest_failure", e.class.as_str())),
                last_commit: snap.and_then(|s| s.activity.last_commit).map(|d| d.date_naive()),
                commits: snap.map_or(0, |s| s.activity.commits),
                authors: snap.map_or(0, |s| s.activity.authors),
                latest_release: snap.and_then(|s| s.releases.first()).map(|r| r.tag.clone()),
                monthly_commits: snap
                    .map_or_else(Vec::new, |s| s.activity.monthly_commits.iter().map(|n| i64::from(*n)).collect()),
                health: h.and_then(|h| h.health.as_ref()).map(|h| h.score),
                has_publiccode: snap.is_some_and(|s| s.publiccode.as_ref().is_some_and(|p| p.valid)),
                issues_url: web::forge::issues(&r.forge, &r.url),
                contributing: snap.and_then(|s| {
                    let path = s.files.contributing.clone()?;
                    let link = web::forge::file(&r.forge, &r.url, &s.default_branch, &path);
                    Some((path, link))
                }),
                // Rendered by pulldown-cmark and cleaned by ammonia when it was harvested; its
                // headings go below the page's own, and a very long one is only linked.
                readme_html: snap
                    .and_then(|s| s.readme.as_ref())
                    .and_then(|r| r.html.as_deref())
                    .filter(|html| html.len() <= README_SHOWN_BYTES)
                    .map(|html| web::pages::nested_headings(html, 2)),
                readme_path: snap.and_then(|s| s.readme.as_ref()).map(|r| r.path.clone()),
            }
        })
        .collect();
    let adopters = s.dashboards.adopters_of(slug);
    let active = adopters.active;
    let territories: Vec<Territory> = adopters
        .by_territory
        .into_iter()
        .map(|c| Territory {
            code: c.what.departement_code.unwrap_or_default(),
            slug: c.what.slug,
            name: c.what.name,
            count: c.count,
        })
        .collect();
    let mut years: std::collections::BTreeMap<i32, Vec<web::Amount>> = std::collections::BTreeMap::new();
    for f in &page.fundings.items {
        let list = years.entry(chrono::Datelike::year(&f.date)).or_default();
        match list.iter_mut().find(|a| a.currency == f.amount.currency.code()) {
            Some(a) => a.minor += f.amount.minor,
            None => list.push(money(&f.amount)),
        }
    }
    // Per year from the listed fundings when they are all of them; else the page says the
    // totals only (the per-year table would be partial).
    let funding_years: Vec<YearTotals> = if page.fundings.total as usize == page.fundings.items.len() {
        years.into_iter().rev().map(|(year, amounts)| YearTotals { year, amounts }).collect()
    } else {
        Vec::new()
    };
    let offers = s.store.software_offers(slug).await?;
    let demo = page.adoptions.items.iter().any(|a| a.demo)
        || page.fundings.items.iter().any(|f| f.demo)
        || page.roadmap.iter().any(|i| i.demo)
        || offers.iter().any(|o| o.demo)
        || sw.demo;
    let mut chrome = Chrome::new(lang, path, sw.name.clone(), "");
    chrome.demo = demo;
    chrome.feed = Some((t.fill("feeds.software", &sw.name), format!("/software/{}/feed.atom", sw.slug)));
    let origin = page.origin.clone().map(|o| web::pages::Origin { peer: o.peer, url: o.url });
    chrome.canonical = origin.as_ref().map(|o| o.url.clone());
    let description_html = localised(&sw.description, lang).map(|d| Text {
        text: markdown::to_html(&d.text),
        lang: d.lang,
        foreign: d.foreign,
    });
    let has_publiccode = sw.website.is_some() || !sw.repositories.is_empty();
    let view = SoftwareView {
        chrome,
        slug: sw.slug.clone(),
        name: sw.name.clone(),
        summary: localised(&sw.summary, lang),
        description_html,
        categories: sw
            .categories
            .iter()
            .map(|c| Link { label: category_label(c, lang), href: format!("/search?category={c}"), current: false })
            .collect(),
        licence: sw.licence.clone(),
        maturity: sw.maturity.clone(),
        website: sw.website.clone(),
        logo_url: sw.logo_url.clone(),
        publisher: sw.publisher.as_ref().map(org),
        maintainers: sw.maintainers.iter().map(org).collect(),
        providers: sw.providers.iter().map(org).collect(),
        funders: sw.funders.iter().map(org).collect(),
        health,
        repositories,
        adopters_total: page.adoptions.total,
        adopters_active: active,
        territories,
        adopters: match &nearest {
            Some((_, list)) => list.items.iter().map(|a| adopter_row(&a.adoption)).collect(),
            None => page.adoptions.items.iter().map(adopter_row).collect(),
        },
        near: nearest.as_ref().map(|(o, _)| o.clone()),
        // A funding towards a roadmap item names it by its title, as the roadmap does.
        fundings: page
            .fundings
            .items
            .iter()
            .map(|f| FundingRow {
                roadmap_title: f
                    .roadmap_item
                    .as_ref()
                    .and_then(|slug| page.roadmap.iter().find(|i| &i.slug == slug))
                    .map(|i| i.title.clone()),
                ..funding_row(f)
            })
            .collect(),
        fundings_total: page.fundings.total,
        funding_years,
        funding_totals: page.funding_totals.iter().map(|t| amount(t.minor, t.currency.code())).collect(),
        roadmap: page.roadmap.iter().map(|i| roadmap_view(i, None, s.store.exchange_rates())).collect(),
        offers: offers.iter().map(offer_view).collect(),
        tender: match sw.categories.first() {
            Some(c) => format!("/tender?category={}", web::encode(c)),
            None => format!("/tender?need={}", web::encode(&sw.name)),
        },
        similar: sw.similar.iter().map(|r| (r.slug.clone(), r.name.clone())).collect(),
        has_publiccode,
        demo,
        origin,
    };
    Ok(html(lang, &view))
}

pub async fn organisation(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    cx: PageContext,
    seen: Seen,
) -> PageResult {
    let lang = cx.lang;
    let path = cx.path;
    organisation_page(&s, &slug, lang, &path, &seen).await.map_err(missing_named(
        lang,
        "error.not_found_organisation",
        &slug,
    ))
}

async fn organisation_page(s: &AppState, slug: &str, lang: Lang, path: &str, seen: &Seen) -> Result<Response, Error> {
    // Where the page's time goes (`COMMUNS_LOG=server::pages::records=debug`).
    let started = std::time::Instant::now();
    let mut steps: Vec<(&str, f64)> = Vec::new();
    let mut since = std::time::Instant::now();
    let mut step = |name: &'static str, since: &mut std::time::Instant| {
        steps.push((name, since.elapsed().as_secs_f64() * 1e3));
        *since = std::time::Instant::now();
    };
    let p = s.store.organisation_profile(slug, LISTED).await?;
    step("profile", &mut since);
    let o = &p.organisation;
    let t = web::T::new(lang);
    let mut peers = Vec::new();
    // The members of its EPCI, then of its département (or canton, province): the
    // organisations an official would compare with first. A territory's hundreds of
    // communes are counted from the dashboards' aggregates, an EPCI's from its adoptions.
    dashboards_caught_up(s, seen).await?;
    let mine = s.store.software_used_by(slug).await?;
    step("mine", &mut since);
    for parent in o.parents.iter().filter(|p| matches!(p.kind.as_str(), "epci" | "departement" | "canton" | "province"))
    {
        let (count, sample) = s.store.members(&parent.slug, 6).await?;
        step("members", &mut since);
        let software: Vec<PeerSoftware> = if parent.kind == "epci" {
            s.store
                .peer_uses_in(slug, &parent.slug, 8)
                .await?
                .into_iter()
                .map(|u| PeerSoftware { slug: u.software.slug, name: u.software.name, users: u.users })
                .collect()
        } else {
            s.dashboards
                .used_in_territory(&parent.slug, &mine, 8)
                .into_iter()
                .map(|c| PeerSoftware { slug: c.what.slug, name: c.what.name, users: c.count })
                .collect()
        };
        step(if parent.kind == "epci" { "epci uses" } else { "area uses" }, &mut since);
        peers.push(PeerGroup {
            title: t.fill("organisation.peers_parent", &parent.name),
            peers: count.saturating_sub(1),
            sample: sample.iter().filter(|m| m.slug != slug).take(5).map(org).collect(),
            software,
        });
    }
    // Every organisation of its kind and country within a factor two of its population,
    // itself aside, and what they use: both from the sizes the dashboards keep; the five
    // closest in size as a sample.
    if let Some(population) = o.population.filter(|p| *p > 0) {
        let (kind, country) = (o.kind.as_str(), o.country.code());
        let bracket = (population / 2, population.saturating_mul(2));
        let count = (s.dashboards.organisations_of_size(kind, country, bracket) - 1).max(0);
        let similar = s.store.similar_in_size(slug, 5).await?;
        step("similar", &mut since);
        if count > 0 {
            let software = s
                .dashboards
                .used_by_size(kind, country, bracket, &mine, 8)
                .into_iter()
                .map(|c| PeerSoftware { slug: c.what.slug, name: c.what.name, users: c.count })
                .collect();
            step("similar uses", &mut since);
            peers.push(PeerGroup {
                title: t.s("organisation.peers_size").to_owned(),
                peers: count,
                sample: similar.iter().map(org).collect(),
                software,
            });
        }
    }
    let offers = s.store.provider_offers(slug).await?;
    step("offers", &mut since);
    let demo = p.uses.items.iter().any(|a| a.demo)
        || p.funds.items.iter().any(|f| f.demo)
        || offers.iter().any(|o| o.demo)
        || o.demo;
    let mut chrome = Chrome::new(lang, path, o.name.clone(), "");
    chrome.demo = demo;
    chrome.feed = Some((t.fill("feeds.organisation", &o.name), format!("/organisations/{}/feed.atom", o.slug)));
    let origin = p.origin.clone().map(|o| web::pages::Origin { peer: o.peer, url: o.url });
    chrome.canonical = origin.as_ref().map(|o| o.url.clone());
    let refs = |list: &[catalog::SoftwareRef]| list.iter().map(|r| (r.slug.clone(), r.name.clone())).collect();
    let view = OrganisationView {
        origin,
        chrome,
        slug: o.slug.clone(),
        name: o.name.clone(),
        liaison: o.liaison,
        kind: o.kind.as_str().to_owned(),
        country: o.country.to_string(),
        population: o.population,
        identifiers: o.identifiers.iter().map(|i| i.to_string()).collect(),
        parents: o.parents.iter().map(org).collect(),
        children: p.children,
        website: o.website.clone(),
        uses: p
            .uses
            .items
            .iter()
            .map(|a| UseRow {
                software: a.software.clone(),
                name: a.software_name.clone(),
                since: a.since,
                status: a.status.to_string(),
                confirmed: if a.state == catalog::AdoptionState::Confirmed { a.last_confirmed } else { None },
                demo: a.demo,
            })
            .collect(),
        uses_total: p.uses.total,
        funds: p.funds.items.iter().map(funding_row).collect(),
        funds_total: p.funds.total,
        publishes: refs(&p.publishes),
        maintains: refs(&p.maintains),
        provides: refs(&p.provides),
        forge_accounts: p.forge_accounts.iter().map(|a| (a.url.clone(), a.forge.clone())).collect(),
        offers: offers.iter().map(offer_view).collect(),
        peers,
        demo,
    };
    let page = html(lang, &view);
    step("render", &mut since);
    tracing::debug!(ms = started.elapsed().as_secs_f64() * 1e3, ?steps, "organisation page");
    Ok(page)
}

/// Members listed on one page of an organisation's members.
const MEMBERS_PER_PAGE: i64 = 100;

/// `/organisations/{slug}/members?offset=`: an EPCI's communes, a canton's municipalities.
pub async fn members(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    cx: PageContext,
    p: crate::params::Params,
) -> PageResult {
    let lang = cx.lang;
    let path = cx.path;
    members_page(&s, &slug, lang, &path, &p).await.map_err(missing_named(lang, "error.not_found_organisation", &slug))
}

async fn members_page(
    s: &AppState,
    slug: &str,
    lang: Lang,
    path: &str,
    p: &crate::params::Params,
) -> Result<Response, Error> {
    p.allow(&["offset"])?;
    let offset = offset(p)?;
    let organisation = s.store.organisation(slug).await?;
    let filter = catalog::OrganisationFilter { kind: None, country: None, parent: Some(slug.to_string()) };
    let page = s.store.organisations(&filter, MEMBERS_PER_PAGE, offset).await?;
    let t = web::T::new(lang);
    let at = |offset: i64| {
        if offset > 0 {
            format!("/organisations/{slug}/members?offset={offset}")
        } else {
            format!("/organisations/{slug}/members")
        }
    };
    let pager = pager(offset, page.items.len() as i64, page.total, MEMBERS_PER_PAGE, at);
    let members = page
        .items
        .iter()
        .map(|m| web::MemberRow {
            slug: m.slug.clone(),
            name: m.name.clone(),
            kind: m.kind.clone(),
            population: m.population,
        })
        .collect();
    let chrome = Chrome::new(lang, path, t.fill_place("members.h1", &organisation.name, organisation.liaison), "");
    let view = web::MembersPage {
        chrome,
        slug: slug.to_string(),
        name: organisation.name.clone(),
        liaison: organisation.liaison,
        total: page.total.max(0) as u64,
        members,
        pager,
    };
    Ok(html(lang, &view))
}

/// Adopters a page of `/software/{slug}/adopters` lists.
const ADOPTERS_PER_PAGE: i64 = 50;

/// `/software/{slug}/adopters?territory=&kind=&status=&near=&sort=&offset=`: who uses a
/// software, filtered, nearest to an organisation first when one is given.
pub async fn adopters(
    State(s): State<AppState>,
    Path(slug): Path<String>,
    cx: PageContext,
    p: crate::params::Params,
) -> PageResult {
    let lang = cx.lang;
    let path = cx.path;
    adopters_page(&s, &slug, lang, &path, &p).await.map_err(missing_named(lang, "error.not_found_software", &slug))
}

async fn adopters_page(
    s: &AppState,
    slug: &str,
    lang: Lang,
    path: &str,
    p: &crate::params::Params,
) -> Result<Response, Error> {
    let filter = crate::openapi::AdoptersQuery::filter(p)?;
    let offset = offset(p)?;
    let software = s.store.software(slug).await?;
    let page = s.store.software_adopters(slug, &filter, ADOPTERS_PER_PAGE, offset).await?;
    let near_name = match &filter.near {
        Some(n) => Some(s.store.organisation(n).await?.name),
        None => None,
    };
    let t = web::T::new(lang);
    // The same filters, at another offset.
    let at = |offset: i64| {
        let mut pairs: Vec<(&str, String)> = ["territory", "kind", "status", "near", "sort"]
            .into_iter()
            .filter_map(|k| p.text(k).map(|v| (k, v.to_string())))
            .collect();
        if offset > 0 {
            pairs.push(("offset", offset.to_string()));
        }
        let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", web::pages::encode(v))).collect();
        if query.is_empty() {
            format!("/software/{slug}/adopters")
        } else {
            format!("/software/{slug}/adopters?{}", query.join("&"))
        }
    };
    let pager = pager(offset, page.items.len() as i64, page.total, ADOPTERS_PER_PAGE, at);
    let rows = page
        .items
        .iter()
        .map(|a| web::NearAdopterRow {
            adopter: adopter_row(&a.adoption),
            population: a.population,
            nearness: a.proximity.map(|n| t.s(&format!("adopters.near{}", n.clamp(0, 5))).to_string()),
        })
        .collect();
    let view = web::AdoptersPage {
        chrome: Chrome::new(lang, path, t.fill("title.adopters", &software.name), ""),
        slug: slug.to_string(),
        name: software.name.clone(),
        total: page.total.max(0) as u64,
        demo: page.items.iter().any(|a| a.adoption.demo),
        rows,
        pager,
        territory: p.text("territory").unwrap_or_default().to_string(),
        kind: p.text("kind").unwrap_or_default().to_string(),
        status: p.text("status").unwrap_or_default().to_string(),
        near: p.text("near").unwrap_or_default().to_string(),
        sort: p.text("sort").unwrap_or("near").to_string(),
        near_name,
        kinds: catalog::OrganisationKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), t.word("kind", k.as_str())))
            .collect(),
        statuses: catalog::AdoptionStatus::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), t.word("adoption", k.as_str())))
            .collect(),
    };
    Ok(html(lang, &view))
}

/// The links to the pages before and after a list's page of `shown` items from `offset`;
/// `at` writes a page's address.
fn pager(offset: i64, shown: i64, total: i64, per_page: i64, at: impl Fn(i64) -> String) -> web::Pager {
    web::Pager {
        first: if shown == 0 { 0 } else { offset as u64 + 1 },
        last: (offset + shown) as u64,
        previous: (offset > 0).then(|| at((offset - per_page).max(0))),
        next: (offset + shown < total).then(|| at(offset + per_page)),
    }
}

/// A missing record named in the reader's words by `missing` (an i18n key) and `slug`.
fn missing_named<'a>(lang: Lang, missing: &'a str, slug: &'a str) -> impl FnOnce(Error) -> Error + 'a {
    move |e| e.or_missing(|| web::T::new(lang).fill(missing, slug))
}

/// A list page's `offset`, 0 or more (0 unless given).
fn offset(p: &crate::params::Params) -> Result<i64, Error> {
    match p.int("offset")?.unwrap_or(0) {
        o if o < 0 => Err(Error::bad_parameter("offset", "must be 0 or more")),
        o => Ok(o),
    }
}
