//! The search page: the API's search, with the whole state in the URL so that a result can
//! be shared, every facet a link that adds or removes its filter.

use axum::extract::State;
use axum::response::Response;
use indexer::search::query::Sort;
use web::{Chrome, Facet, FacetValue, Hit, Lang, Link, Pager, SearchPage};

use super::build::category_label;
use super::{html, PageContext, PageResult, Seen};
use crate::api::AppState;
use crate::error::Error;
use crate::params::Params;

/// The filters, in the order the page shows them.
const FACETS: [&str; 7] = ["category", "kind", "territory", "health", "licence", "country", "publiccode"];
const PER_PAGE: usize = 20;

pub async fn page(State(s): State<AppState>, cx: PageContext, seen: Seen, p: Params) -> PageResult {
    let lang = cx.lang;
    let path = cx.path;
    search_page(&s, lang, &path, seen, &p).await
}

/// The query string of a search state.
fn href(state: &[(String, String)]) -> String {
    if state.is_empty() {
        return "/search".into();
    }
    let pairs: Vec<String> = state.iter().map(|(k, v)| format!("{k}={}", web::encode(v))).collect();
    format!("/search?{}", pairs.join("&"))
}

fn with(state: &[(String, String)], key: &str, value: Option<&str>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = state.iter().filter(|(k, _)| k != key && k != "offset").cloned().collect();
    if let Some(v) = value {
        out.push((key.to_owned(), v.to_owned()));
    }
    out
}

/// A facet's value as a label: every facet's labels begin with a capital, as the
/// categories' and places' names do ("Commune", "Bonne", not "commune", "bonne").
fn facet_label(t: &web::T, facet: &str, value: &str, label: Option<&str>, lang: Lang) -> String {
    let label = facet_word(t, facet, value, label, lang);
    let mut chars = label.chars();
    match chars.next() {
        Some(first) if !facet.eq("licence") => first.to_uppercase().chain(chars).collect(),
        _ => label,
    }
}

fn facet_word(t: &web::T, facet: &str, value: &str, label: Option<&str>, lang: Lang) -> String {
    match facet {
        "category" => category_label(value, lang),
        "kind" => t.word("kind", value),
        "health" => t.word("band", value),
        "country" => t.word("country", value),
        "publiccode" => {
            t.s(if value == "true" { "facet.publiccode_true" } else { "facet.publiccode_false" }).to_owned()
        }
        _ => label.unwrap_or(value).to_owned(),
    }
}

async fn search_page(s: &AppState, lang: Lang, path: &str, seen: Seen, p: &Params) -> Result<Response, Error> {
    // The API's parameters, but the page's language is the reader's and it shows no extras.
    let names = crate::openapi::names::<crate::openapi::SearchQuery>();
    let known: Vec<&str> = names.iter().map(String::as_str).filter(|k| *k != "lang" && *k != "include").collect();
    p.allow(&known)?;
    let mut request = crate::search_api::search_request(p)?;
    request.lang = lang.code().into();
    if p.text("limit").is_none() {
        request.limit = PER_PAGE;
    }
    // After a write both catch up, the dashboards (for the demo's notice) and the search:
    // side by side rather than one after the other.
    let (dashboards, results) =
        tokio::join!(super::dashboards_caught_up(s, &seen), crate::search_api::run_search(s, seen, &request));
    dashboards?;
    let results = results?;
    let demo = s.dashboards.totals().demo;
    let t = web::T::new(lang);
    // The state, in a stable order: the query, the filters, the sort, the page.
    let mut state: Vec<(String, String)> = Vec::new();
    for key in ["q"].into_iter().chain(FACETS).chain(["sort", "limit", "offset"]) {
        if let Some(v) = p.text(key).filter(|v| !v.is_empty()) {
            state.push((key.to_owned(), v.to_owned()));
        }
    }
    let mut facets = Vec::new();
    let mut active = Vec::new();
    for key in FACETS {
        // A facet takes several values (any of them), except the yes-or-no one.
        let several = key != "publiccode";
        let chosen: Vec<&str> =
            p.text(key).map(|t| t.split(',').map(str::trim).filter(|v| !v.is_empty()).collect()).unwrap_or_default();
        // The facet's filter with `value` added or taken away.
        let toggled = |value: &str| -> Option<String> {
            let mut next: Vec<&str> = chosen.iter().copied().filter(|v| *v != value).collect();
            if next.len() == chosen.len() {
                if !several {
                    next.clear();
                }
                next.push(value);
            }
            (!next.is_empty()).then(|| next.join(","))
        };
        let values = results.facets.get(key).cloned().unwrap_or_default();
        for v in &chosen {
            let label = values.iter().find(|f| f.value == *v).and_then(|f| f.label.clone());
            active.push(Link {
                label: format!(
                    "{} : {}",
                    t.s(&format!("facet.{key}")),
                    facet_label(&t, key, v, label.as_deref(), lang)
                ),
                href: href(&with(&state, key, toggled(v).as_deref())),
                current: true,
            });
        }
        let values: Vec<FacetValue> = values
            .iter()
            .take(if key == "territory" || key == "licence" { 12 } else { 30 })
            .map(|f| {
                let selected = chosen.contains(&f.value.as_str());
                FacetValue {
                    value: f.value.clone(),
                    label: facet_label(&t, key, &f.value, f.label.as_deref(), lang),
                    count: f.count as u64,
                    href: href(&with(&state, key, toggled(&f.value).as_deref())),
                    selected,
                }
            })
            .collect();
        facets.push(Facet { key: key.to_owned(), label: t.s(&format!("facet.{key}")).to_owned(), values });
    }
    let sorts = [Sort::Relevance, Sort::Adopted, Sort::Active, Sort::Name]
        .into_iter()
        .map(|sort| {
            let name = sort_name(sort);
            Link {
                label: t.s(&format!("sort.{name}")).to_owned(),
                href: href(&with(&state, "sort", if sort == Sort::Relevance { None } else { Some(name) })),
                current: sort == request.sort,
            }
        })
        .collect();
    let total = results.total as u64;
    let first = if total == 0 { 0 } else { request.offset as u64 + 1 };
    let last = (request.offset + results.hits.len()) as u64;
    let page_at = |offset: usize| {
        let mut st = with(&state, "offset", None);
        if offset > 0 {
            st.push(("offset".into(), offset.to_string()));
        }
        href(&st)
    };
    let pager = Pager {
        first,
        last,
        previous: (request.offset > 0).then(|| page_at(request.offset.saturating_sub(request.limit))),
        next: (last < total).then(|| page_at(request.offset + request.limit)),
    };
    let hit = |h: &indexer::search::query::Hit| Hit {
        slug: h.slug.clone(),
        name: h.name.clone(),
        snippet_html: h.snippet.clone().unwrap_or_else(|| h.summary.as_deref().map(escape).unwrap_or_default()),
        adopters: h.adopters,
        health: h.health,
        band: catalog::Health::band_of(h.health),
    };
    let hits = results.hits.iter().map(hit).collect();
    // What the query names beside the software: the page always shows it.
    let (organisations, categories) = crate::search_api::beside(s, &request.q, crate::search_api::Include::ALL)?;
    let category_link = |c: &indexer::search::guidance::CategoryHit| Link {
        label: format!("{} ({})", category_label(&c.slug, lang), t.num(c.count as i64)),
        href: href(&[("category".to_owned(), c.slug.clone())]),
        current: false,
    };
    let organisations = organisations
        .unwrap_or_default()
        .iter()
        .map(|o| Link {
            label: format!("{} ({})", o.name, t.word("kind", &o.kind)),
            href: format!("/organisations/{}", o.slug),
            current: false,
        })
        .collect();
    let categories = categories.unwrap_or_default().iter().map(category_link).collect();
    let did_you_mean = results.did_you_mean.as_ref().map(|better| Link {
        label: better.clone(),
        href: href(&with(&state, "q", Some(better))),
        current: false,
    });
    let (browse, popular) = match &results.guidance {
        None => (Vec::new(), None),
        Some(g) => (
            g.categories.iter().map(category_link).collect(),
            g.closest.as_ref().map(|c| (category_label(&c.slug, lang), g.popular.iter().map(hit).collect())),
        ),
    };
    let q = request.q.clone();
    let title = if q.is_empty() { t.s("search.h1_all").to_owned() } else { t.fill("search.h1", &q) };
    let mut chrome = Chrome::new(lang, path, title, "search");
    chrome.query = q.clone();
    // The results may count illustrative adoptions: the banner says so here too.
    chrome.demo = demo;
    let kept = state.iter().filter(|(k, _)| k != "q" && k != "offset").cloned().collect();
    let filtered = !active.is_empty();
    let chosen_category = p.text("category").filter(|c| !c.contains(','));
    let tender = match (q.trim(), chosen_category) {
        ("", None) => None,
        ("", Some(c)) => Some(format!("/tender?category={}", web::encode(c))),
        (words, _) => Some(format!("/tender?need={}", web::encode(words))),
    };
    let page = SearchPage {
        tender,
        chrome,
        q,
        total,
        partial: results.partial,
        did_you_mean,
        organisations,
        categories,
        browse,
        popular,
        filtered,
        hits,
        facets,
        active,
        sorts,
        pager,
        kept,
    };
    Ok(html(lang, &page))
}

fn sort_name(sort: Sort) -> &'static str {
    match sort {
        Sort::Relevance => "relevance",
        Sort::Adopted => "adopted",
        Sort::Active => "active",
        Sort::Name => "name",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
