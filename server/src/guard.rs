//! What keeps browsers and misdirected requests from being used against the site: the
//! `Host` a request names must be this site's (DNS rebinding), a write must come from no
//! other origin and carry the body type of its route, and a redirect goes to a path of this
//! site only.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;

use crate::api::AppState;
use crate::error::Error;

/// The host names this site answers to: the loopback names always, and the host of its
/// public address (`public_url`) when it has one.
#[derive(Debug, Clone)]
pub struct Site {
    hosts: Vec<String>,
    /// The configured public address, without its final slash.
    public: Option<String>,
}

const LOOPBACK_NAMES: [&str; 4] = ["localhost", "127.0.0.1", "[::1]", "::1"];

impl Default for Site {
    fn default() -> Site {
        Site { hosts: LOOPBACK_NAMES.iter().map(|h| h.to_string()).collect(), public: None }
    }
}

impl Site {
    /// The site reached at `public_url` (such as `https://communs.example.org/`).
    pub fn new(public_url: Option<&str>) -> anyhow::Result<Site> {
        let mut site = Site::default();
        if let Some(u) = public_url {
            let parsed = url::Url::parse(u).map_err(|e| {
                anyhow::anyhow!("public_url: {u:?} is not an address such as https://communs.example.org/: {e}")
            })?;
            let host = match (parsed.scheme(), parsed.host_str()) {
                ("http" | "https", Some(h)) => h.to_ascii_lowercase(),
                _ => anyhow::bail!("public_url: {u:?} is not an http(s) address with a host"),
            };
            site.hosts.push(host);
            site.public = Some(u.trim_end_matches('/').to_string());
        }
        Ok(site)
    }

    /// The site's address for absolute links (a feed's): the configured public address,
    /// else the host the request named (which `answers_to` checked), over http.
    pub fn base(&self, headers: &axum::http::HeaderMap) -> String {
        if let Some(p) = &self.public {
            return p.clone();
        }
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| self.answers_to(h));
        format!("http://{}", host.unwrap_or("127.0.0.1:8080"))
    }

    /// Whether `authority` (a `Host` value, with or without its port) names this site.
    pub fn answers_to(&self, authority: &str) -> bool {
        let name = host_name(authority);
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(name))
    }
}

/// The host of a `Host` value without its port: `[::1]:8080` -> `[::1]`.
fn host_name(authority: &str) -> &str {
    let authority = authority.trim();
    if authority.starts_with('[') {
        return authority.split_inclusive(']').next().unwrap_or(authority);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

/// The authority a request was sent to: HTTP/2's, else the `Host` header.
fn authority(request: &Request) -> Option<String> {
    if let Some(a) = request.uri().authority() {
        return Some(a.as_str().to_string());
    }
    request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_string)
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

/// Refuses a request sent to another host name (421), and a write that a page of another
/// origin made a browser send (403). A request without `Host` (HTTP/1.0, or the router
/// called in-process) names no other host and passes.
pub async fn host_and_origin(State(s): State<AppState>, request: Request, next: Next) -> Response {
    let authority = authority(&request);
    if let Some(a) = &authority {
        if !s.site.answers_to(a) {
            tracing::warn!(host = %a, path = %request.uri().path(), "request for another host refused");
            return refusal(
                request.uri().path(),
                request.headers(),
                Error::Misdirected(format!(
                    "this server does not answer for {a}; its operator sets public_url to the site's address"
                )),
            );
        }
    }
    if is_write(request.method()) {
        if let Some(why) = cross_origin(request.headers(), authority.as_deref()) {
            tracing::warn!(path = %request.uri().path(), why, "write from another origin refused");
            return refusal(request.uri().path(), request.headers(), Error::forbidden(Some("Origin"), why));
        }
    }
    next.run(request).await
}

/// Why a write looks sent by another site's page, or `None`.
fn cross_origin(headers: &HeaderMap, authority: Option<&str>) -> Option<String> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site != "same-origin" && site != "none" {
            return Some(format!("writes are not taken from another site's page (Sec-Fetch-Site: {site})"));
        }
    }
    let origin = headers.get(header::ORIGIN)?;
    let origin = origin.to_str().unwrap_or("");
    let same = url::Url::parse(origin).ok().and_then(|o| {
        let host = o.host_str()?;
        let with_port = match o.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        Some(authority.is_some_and(|a| a.eq_ignore_ascii_case(&with_port)))
    });
    match same {
        Some(true) => None,
        _ => Some(format!("writes are not taken from another origin ({origin:?})")),
    }
}

fn refusal(path: &str, headers: &HeaderMap, error: Error) -> Response {
    crate::pages::problem_or_page(error, path, headers, "/")
}

/// Refuses a body whose declared type is not one the route reads (415), so that a form a
/// browser may send to any site without asking (`text/plain`, form data) is never taken.
pub fn require_body_type(headers: &HeaderMap, accepted: &[&str]) -> Result<(), Error> {
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = declared.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if accepted.contains(&essence.as_str()) {
        return Ok(());
    }
    let said = if declared.is_empty() { "no Content-Type".to_string() } else { format!("Content-Type {declared:?}") };
    Err(Error::UnsupportedMediaType(format!("this route reads {}; the request has {said}", accepted.join(" or "))))
}

/// Where a redirect after the language switch may go: a path of this site, or `/`. It must
/// start with a single `/`, hold no control character, backslash or `//`, and read as a
/// path of this site when joined to it.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(next) = next else { return "/".into() };
    let plain = next.starts_with('/')
        && !next.contains("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    if !plain {
        return "/".into();
    }
    let base = url::Url::parse("http://communs.invalid/").expect("a base address");
    match base.join(next) {
        Ok(u) if u.host_str() == Some("communs.invalid") && u.scheme() == "http" => next.to_string(),
        _ => "/".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_followed() {
        for good in ["/", "/software/geocity", "/search?q=cimeti%C3%A8re&kind=commune", "/a/b#top"] {
            assert_eq!(safe_next(Some(good)), good);
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\n/x",
            "/\\evil.example",
            "/x//y",
            "https://evil.example/",
            "evil.example",
            "/ /evil",
            "/\u{0}",
            "",
            "///evil.example",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn the_site_answers_to_loopback_names_and_its_public_host() {
        let site = Site::new(Some("https://communs.example.org/")).unwrap();
        for host in ["localhost:8080", "127.0.0.1", "[::1]:80", "COMMUNS.example.org", "communs.example.org:443"] {
            assert!(site.answers_to(host), "{host}");
        }
        for host in ["evil.example", "127.0.0.2:8080", "communs.example.org.evil", "localhost.evil:8080"] {
            assert!(!site.answers_to(host), "{host}");
        }
        assert!(Site::new(Some("ftp://x/")).is_err());
        assert!(Site::new(Some("not an address")).is_err());
    }

    #[test]
    fn a_write_from_another_origin_is_seen() {
        let mut h = HeaderMap::new();
        assert_eq!(cross_origin(&h, Some("127.0.0.1:8080")), None);
        h.insert(header::ORIGIN, "http://127.0.0.1:8080".parse().unwrap());
        assert_eq!(cross_origin(&h, Some("127.0.0.1:8080")), None);
        h.insert(header::ORIGIN, "http://evil.example".parse().unwrap());
        assert!(cross_origin(&h, Some("127.0.0.1:8080")).is_some());
        h.insert(header::ORIGIN, "null".parse().unwrap());
        assert!(cross_origin(&h, Some("127.0.0.1:8080")).is_some());
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(cross_origin(&h, Some("127.0.0.1:8080")).is_some());
    }

    #[test]
    fn bodies_of_other_types_are_refused() {
        let mut h = HeaderMap::new();
        assert_eq!(
            require_body_type(&h, &["application/json"]).unwrap_err().status(),
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        h.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        assert_eq!(
            require_body_type(&h, &["application/json"]).unwrap_err().status(),
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        h.insert(header::CONTENT_TYPE, "Application/JSON; charset=utf-8".parse().unwrap());
        assert!(require_body_type(&h, &["application/json"]).is_ok());
    }
}
