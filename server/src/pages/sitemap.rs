//! The sitemap (sitemaps.org 0.9): an index at `/sitemap.xml` of three kinds of lists, the
//! site's fixed pages, every software's page, and the organisations' pages by pages of
//! 40,000 (a list holds 50,000 addresses at most, and a national catalog has 37,000
//! organisations and counting). Addresses are absolute, made from `public_url`.
//! `/robots.txt` names the index.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use web::xml::escape as xml_escape;

use crate::api::AppState;

/// Organisations per list.
const PER_LIST: i64 = 40_000;

/// The pages that are always there.
const FIXED: [&str; 8] =
    ["/", "/search", "/dashboards/adoption", "/dashboards/funding", "/roadmaps", "/tender", "/about", "/api"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sitemap.xml", get(index))
        .route("/sitemaps/pages.xml", get(pages))
        .route("/sitemaps/software.xml", get(software))
        .route("/sitemaps/organisations/{n}", get(organisations))
        .route("/robots.txt", get(robots))
}

/// Robots may read everything public; the personal pages are of no use to them.
async fn robots(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let body = format!(
        "User-agent: *\nDisallow: /account\nDisallow: /questions\nDisallow: /login\nDisallow: /requests\n\
         Sitemap: {}/sitemap.xml\n",
        s.site.base(&headers)
    );
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

fn xml(body: String) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=utf-8"));
    r
}

fn failed(e: catalog::Error) -> Response {
    tracing::error!(error = %e, "sitemap failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "the sitemap could not be read; it is logged").into_response()
}

/// A `<urlset>` of `paths` under `base`.
fn urlset(base: &str, paths: impl Iterator<Item = String>) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for p in paths {
        x.push_str(&format!("  <url><loc>{}</loc></url>\n", xml_escape(&format!("{base}{p}"))));
    }
    x.push_str("</urlset>\n");
    x
}

async fn index(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let base = s.site.base(&headers);
    let total = match s.store.count_organisations().await {
        Ok(t) => t,
        Err(e) => return failed(e),
    };
    let mut lists = vec!["/sitemaps/pages.xml".to_string(), "/sitemaps/software.xml".to_string()];
    for n in 0..(total + PER_LIST - 1) / PER_LIST {
        lists.push(format!("/sitemaps/organisations/{}.xml", n + 1));
    }
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for l in lists {
        x.push_str(&format!("  <sitemap><loc>{}</loc></sitemap>\n", xml_escape(&format!("{base}{l}"))));
    }
    x.push_str("</sitemapindex>\n");
    xml(x)
}

async fn pages(State(s): State<AppState>, headers: HeaderMap) -> Response {
    xml(urlset(&s.site.base(&headers), FIXED.iter().map(|p| p.to_string())))
}

async fn software(State(s): State<AppState>, headers: HeaderMap) -> Response {
    match s.store.software_slugs().await {
        Ok(slugs) => xml(urlset(&s.site.base(&headers), slugs.into_iter().map(|s| format!("/software/{s}")))),
        Err(e) => failed(e),
    }
}

async fn organisations(State(s): State<AppState>, headers: HeaderMap, Path(n): Path<String>) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "no such list").into_response();
    let Some(n) = n.strip_suffix(".xml").and_then(|n| n.parse::<i64>().ok()).filter(|n| *n >= 1) else {
        return not_found();
    };
    match s.store.organisation_slugs(PER_LIST, (n - 1) * PER_LIST).await {
        Ok(slugs) if slugs.is_empty() => not_found(),
        Ok(slugs) => xml(urlset(&s.site.base(&headers), slugs.into_iter().map(|s| format!("/organisations/{s}")))),
        Err(e) => failed(e),
    }
}
