//! The adoption and co-funding dashboards, from the aggregates kept in memory, and the list
//! of every roadmap item.

use axum::extract::State;
use axum::response::Response;
use catalog::RoadmapFilter;
use web::{
    AdoptionDashboard, Amount, Chrome, FundingDashboard, Lang, Pager, Ranked, RankedAmount, RoadmapsPage, Territory,
    YearCount, YearTotals,
};

use super::build::amount;
use super::records::roadmap_view;
use super::{dashboards_caught_up, html, PageContext, PageResult, Seen};
use crate::api::AppState;
use crate::error::Error;
use crate::params::Params;

const ITEMS_PER_PAGE: i64 = 50;

pub async fn adoption(State(s): State<AppState>, cx: PageContext, seen: Seen) -> PageResult {
    let lang = cx.lang;
    let path = cx.path;
    adoption_page(&s, lang, &path, &seen).await
}

async fn adoption_page(s: &AppState, lang: Lang, path: &str, seen: &Seen) -> Result<Response, Error> {
    dashboards_caught_up(s, seen).await?;
    let totals = s.dashboards.totals();
    let t = web::T::new(lang);
    let mut cumulative = 0;
    let years = totals
        .years
        .iter()
        .map(|y| {
            cumulative += y.count;
            YearCount { year: y.what, added: y.count, cumulative }
        })
        .collect();
    let mut chrome = Chrome::new(lang, path, t.s("title.adoption"), "adoption");
    chrome.demo = totals.demo;
    let page = AdoptionDashboard {
        chrome,
        total: totals.adoptions,
        active: totals.active,
        adopters: totals.adopted_software,
        years,
        territories: totals
            .territories
            .iter()
            .map(|c| Territory {
                code: c.what.departement_code.clone().unwrap_or_default(),
                slug: c.what.slug.clone(),
                name: c.what.name.clone(),
                count: c.count,
            })
            .collect(),
        kinds: totals
            .kinds
            .iter()
            .map(|c| Ranked { label: t.word("kind", &c.what), href: None, count: c.count })
            .collect(),
        top: totals
            .top
            .iter()
            .map(|c| Ranked {
                label: c.what.name.clone(),
                href: Some(format!("/software/{}", c.what.slug)),
                count: c.count,
            })
            .collect(),
    };
    Ok(html(lang, &page))
}

pub async fn funding(State(s): State<AppState>, cx: PageContext, seen: Seen) -> PageResult {
    let lang = cx.lang;
    let path = cx.path;
    funding_page(&s, lang, &path, &seen).await
}

async fn funding_page(s: &AppState, lang: Lang, path: &str, seen: &Seen) -> Result<Response, Error> {
    dashboards_caught_up(s, seen).await?;
    let totals = s.dashboards.totals();
    let t = web::T::new(lang);
    // The charts are drawn in the currency most fundings are in.
    let currency = totals.funded.first().map_or_else(|| "EUR".to_owned(), |f| f.currency.clone());
    let mut years: Vec<YearTotals> = Vec::new();
    for f in &totals.funding_years {
        match years.last_mut() {
            Some(y) if y.year == f.what => y.amounts.push(amount(f.minor, &f.currency)),
            _ => years.push(YearTotals { year: f.what, amounts: vec![amount(f.minor, &f.currency)] }),
        }
    }
    let items = s.store.roadmap_items(&RoadmapFilter::default(), 20, 0).await?;
    let mut chrome = Chrome::new(lang, path, t.s("title.funding"), "funding");
    chrome.demo = totals.demo || items.items.iter().any(|i| i.demo);
    let software_names = s.store.software_with_roadmaps().await?;
    let name_of = |slug: &str| software_names.iter().find(|r| r.slug == slug).map(|r| r.name.clone());
    let page = FundingDashboard {
        chrome,
        currency,
        totals: totals.funded.iter().map(|f| amount(f.minor, &f.currency)).collect::<Vec<Amount>>(),
        fundings: totals.fundings,
        years,
        software: totals
            .funded_software
            .iter()
            .map(|f| RankedAmount {
                label: f.what.name.clone(),
                href: Some(format!("/software/{}", f.what.slug)),
                amount: amount(f.minor, &f.currency),
                count: f.count,
            })
            .collect(),
        funder_kinds: totals
            .funder_kinds
            .iter()
            .map(|f| RankedAmount {
                label: t.word("kind", &f.what),
                href: None,
                amount: amount(f.minor, &f.currency),
                count: f.count,
            })
            .collect(),
        items: items
            .items
            .iter()
            .map(|i| {
                roadmap_view(
                    i,
                    Some((i.software.clone(), name_of(&i.software).unwrap_or_else(|| i.software.clone()))),
                    s.store.exchange_rates(),
                )
            })
            .collect(),
    };
    Ok(html(lang, &page))
}

pub async fn roadmaps(State(s): State<AppState>, cx: PageContext, p: Params) -> PageResult {
    let lang = cx.lang;
    let path = cx.path;
    roadmaps_page(&s, lang, &path, &p).await
}

async fn roadmaps_page(s: &AppState, lang: Lang, path: &str, p: &Params) -> Result<Response, Error> {
    p.allow(&["software", "status", "offset"])?;
    let t = web::T::new(lang);
    let status = p.text("status").filter(|v| !v.is_empty()).map(str::to_owned);
    if let Some(st) = &status {
        catalog::RoadmapStatus::parse(st)?;
    }
    let software = p.text("software").filter(|v| !v.is_empty()).map(str::to_owned);
    let offset = p.int("offset")?.unwrap_or(0);
    if !(0..=100_000).contains(&offset) {
        return Err(Error::BadRequest("offset: must be between 0 and 100000".into()));
    }
    let list = s.store.software_with_roadmaps().await?;
    if let Some(sw) = &software {
        if !list.iter().any(|r| &r.slug == sw) {
            return Err(Error::BadRequest(format!("software: no software {sw} has a roadmap")));
        }
    }
    let filter = RoadmapFilter { software: software.clone(), status: status.clone() };
    let items = s.store.roadmap_items(&filter, ITEMS_PER_PAGE, offset).await?;
    let name_of = |slug: &str| list.iter().find(|r| r.slug == slug).map_or_else(|| slug.to_owned(), |r| r.name.clone());
    let link = |offset: i64| {
        let mut q = Vec::new();
        if let Some(s) = &software {
            q.push(format!("software={}", web::encode(s)));
        }
        if let Some(s) = &status {
            q.push(format!("status={}", web::encode(s)));
        }
        if offset > 0 {
            q.push(format!("offset={offset}"));
        }
        if q.is_empty() {
            "/roadmaps".to_owned()
        } else {
            format!("/roadmaps?{}", q.join("&"))
        }
    };
    let shown = items.items.len() as i64;
    let pager = Pager {
        first: if items.total == 0 { 0 } else { offset as u64 + 1 },
        last: (offset + shown) as u64,
        previous: (offset > 0).then(|| link((offset - ITEMS_PER_PAGE).max(0))),
        next: (offset + shown < items.total).then(|| link(offset + ITEMS_PER_PAGE)),
    };
    let mut chrome = Chrome::new(lang, path, t.s("title.roadmaps"), "roadmaps");
    chrome.demo = items.items.iter().any(|i| i.demo);
    let page = RoadmapsPage {
        chrome,
        items: items
            .items
            .iter()
            .map(|i| roadmap_view(i, Some((i.software.clone(), name_of(&i.software))), s.store.exchange_rates()))
            .collect(),
        total: items.total,
        statuses: catalog::RoadmapStatus::ALL
            .iter()
            .map(|st| (st.as_str().to_owned(), t.word("roadmap", st.as_str()), status.as_deref() == Some(st.as_str())))
            .collect(),
        software: list.iter().map(|r| (r.slug.clone(), r.name.clone(), software.as_deref() == Some(&r.slug))).collect(),
        status: status.unwrap_or_default(),
        pager,
    };
    Ok(html(lang, &page))
}
