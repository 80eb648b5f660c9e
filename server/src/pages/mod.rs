//! The HTML pages: their routes, the reader's language, the security headers and the
//! static assets. Each handler reads the catalog or the search index, builds the `web`
//! crate's view struct and renders it.

mod account;
mod api_doc;
pub(crate) mod build;
mod contribute;
mod dashboards;
mod feeds;
mod health;
mod proposals;
mod questions;
pub(crate) mod records;
mod search;
mod sitemap;
mod webhooks;

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use web::{Chrome, ErrorPage, Lang};

use crate::api::AppState;
use crate::error::{Error, Shown};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(build::home))
        .route("/search", get(search::page))
        .route("/software/{slug}", get(records::software))
        .route("/software/{slug}/adopters", get(records::adopters))
        .route("/organisations/{slug}", get(records::organisation))
        .route("/organisations/{slug}/members", get(records::members))
        .route("/dashboards/adoption", get(dashboards::adoption))
        .route("/dashboards/funding", get(dashboards::funding))
        .route("/roadmaps", get(dashboards::roadmaps))
        .route("/about", get(build::about))
        .route("/tender", get(crate::tender::page))
        .route("/api", get(api_doc::page))
        .route("/language", get(switch_language))
        .route("/assets/{name}", get(asset))
        .merge(account::router())
        .merge(contribute::router())
        .merge(proposals::router())
        .merge(questions::router())
        .merge(feeds::router())
        .merge(sitemap::router())
        .merge(webhooks::router())
        .layer(axum::middleware::from_fn(error_pages))
        // A download: its refusals stay problems, for the client that asked for a file.
        .route("/tender.odt", get(crate::tender::odt))
}

/// The reader's language: the one they chose with the switch (a cookie), else the first of
/// French or English their browser asks for, else French.
pub fn language(headers: &HeaderMap) -> Lang {
    let chosen = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("lang=").and_then(Lang::parse));
    chosen.unwrap_or_else(|| {
        headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map_or(Lang::Fr, Lang::from_accept_language)
    })
}

/// An error page in the reader's language, for what `Error::shown` says.
pub fn error_page(shown: &Shown, lang: Lang, path: &str) -> Response {
    let t = web::T::new(lang);
    let message = match &shown.message {
        Some(m) => m.clone(),
        None => t.s(&format!("{}_text", shown.title)).to_owned(),
    };
    let page =
        ErrorPage { chrome: Chrome::new(lang, path, t.s(shown.title), ""), status: shown.status.as_u16(), message };
    let mut response = html(lang, &page);
    *response.status_mut() = shown.status;
    if let Some(seconds) = shown.retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// A refusal answered before any handler (the guard, the layers, the fallback): under
/// `/api/` the problem, elsewhere the error page, whose language switch leads to `back_to`.
pub fn problem_or_page(error: Error, path: &str, headers: &HeaderMap, back_to: &str) -> Response {
    if path.starts_with("/api/") {
        return error.into_response();
    }
    error_page(&error.shown(), language(headers), back_to)
}

/// Turns the errors the page handlers return (written as problems) into error pages in
/// the reader's language. The headers the handler set (`Cache-Control`, cookies) stay.
pub async fn error_pages(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let cx = PageContext::of(request.uri(), request.headers());
    let response = next.run(request).await;
    let Some(shown) = response.extensions().get::<Shown>().cloned() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    let page = error_page(&shown, cx.lang, &cx.path);
    let (page_parts, body) = page.into_parts();
    parts.extensions.remove::<Shown>();
    for name in [header::CONTENT_TYPE, header::CONTENT_LANGUAGE, header::VARY, header::CONTENT_LENGTH] {
        parts.headers.remove(&name);
        if let Some(v) = page_parts.headers.get(&name) {
            parts.headers.insert(name, v.clone());
        }
    }
    parts.headers.remove(header::WWW_AUTHENTICATE);
    parts.status = page_parts.status;
    Response::from_parts(parts, body)
}

/// What every page handler knows of its request: the reader's language and the page's own
/// path and query (for the language switch and the links back).
#[derive(Clone, Debug)]
pub struct PageContext {
    pub lang: Lang,
    pub path: String,
}

impl PageContext {
    pub fn of(uri: &axum::http::Uri, headers: &HeaderMap) -> PageContext {
        PageContext { lang: language(headers), path: here(uri) }
    }

    pub fn t(&self) -> web::T {
        web::T::new(self.lang)
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PageContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PageContext::of(&parts.uri, &parts.headers))
    }
}

/// A rendered page, marked with its language.
pub fn html(lang: Lang, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
                (header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.code())),
                (header::VARY, HeaderValue::from_static("Accept-Language, Cookie")),
            ],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be written").into_response()
        }
    }
}

/// The result of a page handler: its page, or an error the pages' layer shows as a page.
pub type PageResult = Result<Response, Error>;

#[derive(serde::Deserialize)]
struct Switch {
    to: Option<String>,
    next: Option<String>,
}

/// `GET /language?to=en&next=/software/geocity`: remembers the choice for a year and goes
/// back to the page. Only a path of this site is followed.
async fn switch_language(Query(s): Query<Switch>) -> Response {
    let lang = s.to.as_deref().and_then(Lang::parse).unwrap_or(Lang::Fr);
    let next = crate::guard::safe_next(s.next.as_deref());
    let cookie = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
    let mut response = Redirect::to(&next).into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    response
}

/// A static file under its content-hashed name, to be kept a year.
async fn asset(Path(name): Path<String>) -> Response {
    match web::assets::by_hashed_name(&name) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(a.content_type)),
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
            ],
            a.body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

/// The headers every answer carries: the pages allow no inline script or style, and no
/// other site's scripts; logos and screenshots may come from other sites over https.
pub async fn security_headers(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    response
}

/// The page's own path and query, for the language switch.
pub fn here(uri: &axum::http::Uri) -> String {
    uri.path_and_query().map_or_else(|| "/".to_string(), |p| p.as_str().to_string())
}

/// The catalog version the cache layer read, if it did.
pub type Seen = Option<axum::Extension<crate::cache::CatalogVersion>>;

pub async fn catalog_version(s: &AppState, seen: &Seen) -> Result<i64, Error> {
    match seen {
        Some(axum::Extension(crate::cache::CatalogVersion(v))) => Ok(*v),
        None => Ok(s.store.version().await?),
    }
}

/// Brings the dashboards' aggregates up to the catalog's version.
pub async fn dashboards_caught_up(s: &AppState, seen: &Seen) -> Result<(), Error> {
    let v = catalog_version(s, seen).await?;
    s.dashboards.catch_up_to(&s.store, v).await?;
    Ok(())
}
