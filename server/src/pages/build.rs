//! What several pages share: cards, texts in the reader's language, amounts; and the
//! home and about pages.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::Response;
use catalog::{SoftwareFilter, SoftwareSummary};
use indexer::search::query::{Filters, Request, Sort};
use web::{AboutPage, Amount, Card, Chrome, Figures, Home, Lang, Link, Text};

use super::{dashboards_caught_up, html, PageContext, PageResult, Seen};
use crate::api::AppState;
use crate::error::Error;

/// The text in the reader's language, else in the other one (marked with its `lang`).
pub fn localised(texts: &BTreeMap<String, String>, lang: Lang) -> Option<Text> {
    if let Some(t) = texts.get(lang.code()).filter(|t| !t.trim().is_empty()) {
        return Some(Text { text: t.clone(), lang, foreign: false });
    }
    texts.iter().find(|(_, t)| !t.trim().is_empty()).map(|(code, t)| Text {
        text: t.clone(),
        lang: Lang::parse(code).unwrap_or(lang.other()),
        foreign: true,
    })
}

pub fn amount(minor: i64, currency: &str) -> Amount {
    let digits = catalog::Currency::parse(currency).map_or(2, |c| c.minor_digits());
    Amount { minor, currency: currency.to_owned(), digits }
}

pub fn money(m: &catalog::Money) -> Amount {
    Amount { minor: m.minor, currency: m.currency.code().to_owned(), digits: m.currency.minor_digits() }
}

pub fn card(s: &SoftwareSummary, lang: Lang) -> Card {
    Card {
        slug: s.slug.clone(),
        name: s.name.clone(),
        summary: localised(&s.summary, lang),
        adopters: s.adopters,
        health: None,
        licence: s.licence.clone(),
        note: None,
        band: catalog::Health::band_of(None),
    }
}

pub fn category_label(slug: &str, lang: Lang) -> String {
    catalog::Category::parse(slug).map_or_else(
        |_| slug.to_owned(),
        |c| match lang {
            Lang::Fr => c.info().fr.to_owned(),
            Lang::En => c.info().en.to_owned(),
        },
    )
}

pub async fn figures(s: &AppState) -> Result<Figures, Error> {
    let totals = s.dashboards.totals();
    Ok(Figures {
        software: s.store.count_software().await?,
        organisations: s.store.count_organisations().await?,
        adoptions: totals.adoptions,
        funded: totals.funded.iter().map(|f| amount(f.minor, &f.currency)).collect(),
    })
}

pub async fn home(State(s): State<AppState>, cx: PageContext, seen: Seen) -> PageResult {
    let lang = cx.lang;
    let path = cx.path;
    render_home(&s, lang, &path, &seen).await
}

async fn render_home(s: &AppState, lang: Lang, path: &str, seen: &Seen) -> Result<Response, Error> {
    dashboards_caught_up(s, seen).await?;
    let t = web::T::new(lang);
    let figures = figures(s).await?;
    let filter = SoftwareFilter { newest_first: true, ..SoftwareFilter::default() };
    let added = s.store.software_list(&filter, 5, 0).await?.items.iter().map(|x| card(x, lang)).collect();
    let request = Request {
        q: String::new(),
        filters: Filters::default(),
        sort: Sort::Active,
        limit: 5,
        offset: 0,
        lang: lang.code().into(),
    };
    let results = crate::search_api::run_search(s, *seen, &request).await?;
    let active = results
        .hits
        .iter()
        .map(|h| Card {
            slug: h.slug.clone(),
            name: h.name.clone(),
            summary: h.summary.clone().map(|text| Text { text, lang, foreign: false }),
            adopters: h.adopters,
            health: h.health,
            licence: String::new(),
            note: None,
            band: catalog::Health::band_of(h.health),
        })
        .collect::<Vec<_>>();
    let examples = ["home.example1", "home.example2", "home.example3"]
        .iter()
        .map(|k| {
            let label = t.s(k).to_owned();
            Link { href: format!("/search?q={}", web::encode(&label)), label, current: false }
        })
        .collect();
    let mut chrome = Chrome::new(lang, path, t.s("title.home"), "home");
    chrome.demo = s.dashboards.totals().demo;
    chrome.feed = Some((t.s("feeds.new_software").to_string(), "/feeds/software.atom".to_string()));
    let page = Home { chrome, figures, added, active, examples };
    Ok(html(lang, &page))
}

pub async fn about(State(s): State<AppState>, cx: PageContext, seen: Seen) -> PageResult {
    let lang = cx.lang;
    let path = cx.path;
    let run = async {
        dashboards_caught_up(&s, &seen).await?;
        let t = web::T::new(lang);
        let mut chrome = Chrome::new(lang, &path, t.s("title.about"), "about");
        chrome.demo = s.dashboards.totals().demo;
        let page = AboutPage { chrome, figures: figures(&s).await? };
        Ok::<_, Error>(html(lang, &page))
    };
    run.await
}
