//! Atom feeds: what changed on a software (its history and its repositories' releases),
//! on an organisation (what it declared, funded and planned), the new software of the
//! registry, and the roadmaps' changes. Each is in the reader's language, as the pages
//! are, and its page links to it with `<link rel="alternate">`.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use catalog::{AuditEvent, HistoryOf};
use web::atom::{AtomEntry, AtomFeed};
use web::T;

use super::contribute::event_row;
use super::PageContext;
use crate::api::AppState;
use crate::error::Error;

/// How many entries a feed holds.
const ENTRIES: i64 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/software/{slug}/feed.atom", get(software))
        .route("/organisations/{slug}/feed.atom", get(organisation))
        .route("/feeds/software.atom", get(new_software))
        .route("/feeds/roadmap.atom", get(roadmaps))
}

fn atom(feed: &AtomFeed) -> Response {
    let mut r = feed.to_xml().into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/atom+xml; charset=utf-8"));
    r.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    r
}

/// An entry for a change of the audit log: what was done to which record, by whom.
fn event(t: &T, base: &str, fallback: &str, e: &AuditEvent) -> AtomEntry {
    let row = event_row(t, e);
    let changes: Vec<String> = row.changes.iter().map(|c| format!("{}: {} → {}", c.field, c.before, c.after)).collect();
    let mut summary = format!("{} · {}", row.action, row.what);
    if let Some(o) = &row.acting_for {
        summary.push_str(&format!(" · {o}"));
    }
    if !changes.is_empty() {
        summary.push_str(&format!(" ({})", changes.join("; ")));
    }
    AtomEntry {
        // The audit event's number is permanent: so is the entry's id.
        id: format!("{base}/history/{}", e.id),
        title: format!("{} — {}", row.action, row.what),
        updated: e.at,
        link: format!("{base}{}", row.href.as_deref().unwrap_or(fallback)),
        summary,
        author: Some(e.actor.clone()),
    }
}

fn feed(t: &T, base: &str, path: &str, page: &str, title: String, entries: Vec<AtomEntry>) -> AtomFeed {
    AtomFeed {
        id: format!("{base}{path}"),
        title,
        subtitle: None,
        self_link: format!("{base}{path}"),
        alternate: format!("{base}{page}"),
        lang: t.code(),
        author: "Communs".into(),
        entries,
        generated: chrono::Utc::now(),
    }
}

async fn software(
    State(s): State<AppState>,
    cx: PageContext,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    let lang = cx.lang;
    let t = T::new(lang);
    let path = format!("/software/{slug}/feed.atom");
    let page = format!("/software/{slug}");
    let base = s.site.base(&headers);
    let loaded = async {
        let sw = s.store.software(&slug).await?;
        let history = s.store.history_of(HistoryOf::Software(&slug), ENTRIES, 0).await?;
        let harvests = s.store.repository_harvests(&slug).await?;
        Ok::<_, catalog::Error>((sw, history, harvests))
    }
    .await;
    let (sw, history, harvests) = match loaded {
        Ok(l) => l,
        Err(e) => return Error::from(e).into_response(),
    };
    let mut entries: Vec<AtomEntry> = history.items.iter().map(|e| event(&t, &base, &page, e)).collect();
    // Its repositories' releases, as the last harvest read them.
    for (url, harvest) in &harvests {
        let Some(snapshot) = &harvest.snapshot else { continue };
        for r in &snapshot.releases {
            entries.push(AtomEntry {
                // The repository's address and the tag: the same release, the same id.
                id: format!("{url}#release-{}", web::encode(&r.tag)),
                title: format!("{} {} · {}", t.s("feeds.release"), r.tag, sw.name),
                updated: r.date,
                link: url.clone(),
                summary: format!("{} {} ({}) · {url}", t.s("feeds.release"), r.tag, r.commit),
                author: None,
            });
        }
    }
    entries.sort_by(|a, b| b.updated.cmp(&a.updated).then_with(|| a.id.cmp(&b.id)));
    entries.truncate(ENTRIES as usize);
    atom(&feed(&t, &base, &path, &page, t.fill("feeds.software", &sw.name), entries))
}

async fn organisation(
    State(s): State<AppState>,
    cx: PageContext,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    let lang = cx.lang;
    let t = T::new(lang);
    let path = format!("/organisations/{slug}/feed.atom");
    let page = format!("/organisations/{slug}");
    let base = s.site.base(&headers);
    let loaded = async {
        let o = s.store.organisation(&slug).await?;
        let history = s.store.history_of(HistoryOf::Organisation(&slug), ENTRIES, 0).await?;
        Ok::<_, catalog::Error>((o, history))
    }
    .await;
    let (o, history) = match loaded {
        Ok(l) => l,
        Err(e) => return Error::from(e).into_response(),
    };
    let entries = history.items.iter().map(|e| event(&t, &base, &page, e)).collect();
    atom(&feed(&t, &base, &path, &page, t.fill("feeds.organisation", &o.name), entries))
}

async fn new_software(State(s): State<AppState>, cx: PageContext, headers: HeaderMap) -> Response {
    let lang = cx.lang;
    let t = T::new(lang);
    let path = "/feeds/software.atom";
    let base = s.site.base(&headers);
    let newest = match s.store.newest_software(ENTRIES).await {
        Ok(n) => n,
        Err(e) => return Error::from(e).into_response(),
    };
    let entries = newest
        .into_iter()
        .map(|(sw, added)| {
            let summary = sw.summary.get(t.code()).or_else(|| sw.summary.values().next()).cloned().unwrap_or_default();
            AtomEntry {
                id: format!("{base}/software/{}", sw.slug),
                title: sw.name.clone(),
                updated: added,
                link: format!("{base}/software/{}", sw.slug),
                summary: format!("{summary} ({}, {})", sw.licence, t.word("maturity", &sw.maturity)),
                author: None,
            }
        })
        .collect();
    atom(&feed(&t, &base, path, "/", t.s("feeds.new_software").into(), entries))
}

async fn roadmaps(State(s): State<AppState>, cx: PageContext, headers: HeaderMap) -> Response {
    let lang = cx.lang;
    let t = T::new(lang);
    let path = "/feeds/roadmap.atom";
    let base = s.site.base(&headers);
    let events = match s.store.roadmap_changes(ENTRIES).await {
        Ok(e) => e,
        Err(e) => return Error::from(e).into_response(),
    };
    let entries = events.iter().map(|e| event(&t, &base, "/roadmaps", e)).collect();
    atom(&feed(&t, &base, path, "/roadmaps", t.s("feeds.roadmap").into(), entries))
}
