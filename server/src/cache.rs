//! A cache of the read API's JSON answers and of the pages (per language), valid for one
//! version of the catalog.
//!
//! Every committed write increments the catalog's change counter (`Store::version`),
//! whichever process made it, so one cheap query tells whether a cached answer is still
//! true. The same counter is the answers' `ETag`: a client that sends it back in
//! `If-None-Match` gets `304 Not Modified` while nothing has changed.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::AppState;

/// The most memory the cached answers may take; the oldest go first.
pub const DEFAULT_BUDGET: usize = 48 * 1024 * 1024;

/// Answers larger than this are not kept (they would push out many small ones).
const LARGEST: usize = 1024 * 1024;

pub struct ResponseCache {
    budget: usize,
    inner: Mutex<Entries>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// What the cache did since the process started, for `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub bytes: usize,
}

#[derive(Default)]
struct Entries {
    version: i64,
    bodies: HashMap<String, Bytes>,
    order: VecDeque<String>,
    bytes: usize,
}

impl Entries {
    /// Forgets everything cached for an older version.
    fn at(&mut self, version: i64) -> &mut Self {
        if self.version != version {
            *self = Entries { version, ..Entries::default() };
        }
        self
    }
}

impl ResponseCache {
    pub fn new(budget: usize) -> ResponseCache {
        ResponseCache {
            budget,
            inner: Mutex::new(Entries::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            bytes: self.bytes(),
        }
    }

    pub fn get(&self, version: i64, key: &str) -> Option<Bytes> {
        let mut inner = self.inner.lock().expect("cache lock");
        let found = inner.at(version).bodies.get(key).cloned();
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    pub fn put(&self, version: i64, key: String, body: Bytes) {
        if self.budget == 0 {
            return;
        }
        if body.len() > LARGEST || body.len() > self.budget {
            return;
        }
        let mut inner = self.inner.lock().expect("cache lock");
        if version < inner.version {
            return;
        }
        let entries = inner.at(version);
        if entries.bodies.contains_key(&key) {
            return;
        }
        entries.bytes += body.len() + key.len();
        entries.order.push_back(key.clone());
        entries.bodies.insert(key, body);
        while entries.bytes > self.budget {
            let Some(oldest) = entries.order.pop_front() else { break };
            if let Some(b) = entries.bodies.remove(&oldest) {
                entries.bytes -= b.len() + oldest.len();
            }
        }
    }

    pub fn bytes(&self) -> usize {
        self.inner.lock().expect("cache lock").bytes
    }
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("W/\"catalog-{version}\"")).expect("an ETag is ASCII")
}

/// Serves GET answers from the cache when the catalog has not changed, and keeps the
/// successful JSON answers it had to compute.
/// The catalog version the cache layer read for a request, for handlers that need it too
/// (the search catches up to it): one read of the counter per request, and the answer
/// cached under the version it was computed at.
#[derive(Debug, Clone, Copy)]
pub struct CatalogVersion(pub i64);

pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    // A signed-in reader's pages may hold their own forms and buttons: they are made for
    // them, neither taken from nor kept in the cache.
    let signed_in = crate::session::cookie(request.headers(), crate::session::SESSION_COOKIE).is_some();
    if request.method() != Method::GET || signed_in {
        return next.run(request).await;
    }
    let version = match state.store.version().await {
        Ok(v) => v,
        // Without the counter nothing can be known fresh: answer without the cache.
        Err(_) => return next.run(request).await,
    };
    let path = request.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
    // A page is kept per language, and its tag says which: a browser that kept the French
    // page must not be told it is still good for a reader who switched to English.
    // Under `nest`, the path is the API's own: the original one says which it is.
    let is_api = request
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map_or(path.starts_with("/api/"), |o| o.0.path().starts_with("/api/"));
    let page_lang = (!is_api).then(|| crate::pages::language(request.headers()));
    let tag = match page_lang {
        Some(lang) => HeaderValue::from_str(&format!("W/\"catalog-{version}-{}\"", lang.code())).expect("ASCII"),
        None => etag(version),
    };
    let not_modified = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag.to_str().unwrap_or_default()));
    // Only an answer known to be a success is confirmed with a 304: a kept one, or one just
    // computed. A missing record's 404 stays a 404 whatever tag the client holds.
    let unchanged = |tag: HeaderValue| (StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response();
    let key = match page_lang {
        Some(lang) => format!("{}|{path}", lang.code()),
        None => path,
    };
    if let Some(body) = state.cache.get(version, &key) {
        if not_modified {
            return unchanged(tag);
        }
        return match page_lang {
            Some(lang) => page(body, tag, lang),
            None => json(body, tag),
        };
    }
    request.extensions_mut().insert(CatalogVersion(version));
    let text_before = state.search.text_mark();
    let response = next.run(request).await;
    // An answer made while the search's text was behind the catalog (its commit runs after
    // the write, in the background) would be stale for the rest of this version.
    let text_current = text_before.is_some() && text_before == state.search.text_mark();
    let expected = if page_lang.is_some() { "text/html; charset=utf-8" } else { "application/json" };
    // A personal answer (an account page, /api/v1/me) is never kept: the next reader is
    // someone else.
    let personal = response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store") || v.contains("private"));
    if personal
        || !text_current
        || response.status() != StatusCode::OK
        || response.headers().get(header::CONTENT_TYPE).is_none_or(|c| c != expected)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    match axum::body::to_bytes(body, LARGEST * 16).await {
        Ok(bytes) => {
            state.cache.put(version, key, bytes.clone());
            if not_modified {
                return unchanged(tag);
            }
            parts.headers.insert(header::ETAG, tag);
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn page(body: Bytes, tag: HeaderValue, lang: web::Lang) -> Response {
    let mut response = Response::new(Body::from(body));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.code()));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Language, Cookie"));
    h.insert(header::ETAG, tag);
    response
}

fn json(body: Bytes, tag: HeaderValue) -> Response {
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.headers_mut().insert(header::ETAG, tag);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_one_version_within_its_budget() {
        let cache = ResponseCache::new(100);
        cache.put(1, "/a".into(), Bytes::from(vec![b'x'; 40]));
        cache.put(1, "/b".into(), Bytes::from(vec![b'x'; 40]));
        assert!(cache.get(1, "/a").is_some());
        cache.put(1, "/c".into(), Bytes::from(vec![b'x'; 40]));
        assert!(cache.get(1, "/a").is_none(), "the oldest went first");
        assert!(cache.get(1, "/c").is_some());
        assert!(cache.bytes() <= 100);
        // A new version forgets the old answers; a late answer of an old one is not kept.
        assert!(cache.get(2, "/c").is_none());
        cache.put(1, "/d".into(), Bytes::from_static(b"{}"));
        assert!(cache.get(2, "/d").is_none());
        assert_eq!(cache.bytes(), 0);
    }
}
