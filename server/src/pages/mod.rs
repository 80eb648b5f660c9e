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
        .route("/tender.odt", get(crate::tender::odt))
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

/// What went wrong with a page, shown as a page in the reader's language.
pub enum PageError {
    NotFound(String),
    /// Known, but not allowed.
    Forbidden(String),
    BadRequest(String),
    /// Hidden by a site administrator: the message says when and why.
    Gone(String),
    /// The database does not answer for now: 503, to be tried again.
    Unavailable,
    Internal(anyhow::Error),
}

impl From<catalog::Error> for PageError {
    fn from(e: catalog::Error) -> Self {
        match e {
            catalog::Error::NotFound { .. } => PageError::NotFound(e.to_string()),
            catalog::Error::Invalid { .. } | catalog::Error::Fields(_) | catalog::Error::Conflict { .. } => {
                PageError::BadRequest(e.to_string())
            }
            catalog::Error::Forbidden(m) => PageError::Forbidden(m),
            ref unavailable if unavailable.is_unavailable() => {
                tracing::warn!(error = %unavailable, "the database does not answer");
                PageError::Unavailable
            }
            other => PageError::Internal(other.into()),
        }
    }
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        PageError::Internal(e)
    }
}

impl From<crate::problem::Problem> for PageError {
    fn from(p: crate::problem::Problem) -> Self {
        match p.status {
            404 => PageError::NotFound(p.detail),
            403 => PageError::Forbidden(p.detail),
            400 | 422 => PageError::BadRequest(p.detail),
            503 => PageError::Unavailable,
            _ => PageError::Internal(anyhow::anyhow!(p.detail)),
        }
    }
}

impl PageError {
    pub fn render(self, lang: Lang, path: &str) -> Response {
        let t = web::T::new(lang);
        let (status, title, message) = match self {
            PageError::NotFound(m) => (StatusCode::NOT_FOUND, t.s("error.not_found"), m),
            PageError::Forbidden(m) => (StatusCode::FORBIDDEN, t.s("error.forbidden"), m),
            PageError::BadRequest(m) => (StatusCode::BAD_REQUEST, t.s("error.bad_request"), m),
            PageError::Gone(m) => (StatusCode::GONE, t.s("error.gone"), m),
            PageError::Unavailable => {
                (StatusCode::SERVICE_UNAVAILABLE, t.s("error.unavailable"), t.s("error.unavailable_text").to_owned())
            }
            PageError::Internal(e) => {
                tracing::error!(error = %e, path, "a page failed");
                (StatusCode::INTERNAL_SERVER_ERROR, t.s("error.internal"), t.s("error.internal_text").to_owned())
            }
        };
        let page = ErrorPage { chrome: Chrome::new(lang, path, title, ""), status: status.as_u16(), message };
        let mut response = html(lang, &page);
        *response.status_mut() = status;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(crate::problem::UNAVAILABLE_RETRY_SECONDS),
            );
        }
        response
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

/// The result of a page handler.
pub type PageResult = Result<Response, Response>;

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

pub async fn catalog_version(s: &AppState, seen: &Seen) -> Result<i64, PageError> {
    match seen {
        Some(axum::Extension(crate::cache::CatalogVersion(v))) => Ok(*v),
        None => Ok(s.store.version().await?),
    }
}

/// Brings the dashboards' aggregates up to the catalog's version.
pub async fn dashboards_caught_up(s: &AppState, seen: &Seen) -> Result<(), PageError> {
    let v = catalog_version(s, seen).await?;
    s.dashboards.catch_up_to(&s.store, v).await?;
    Ok(())
}
