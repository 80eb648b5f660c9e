//! Signed-in browsers: the session cookie, the CSRF token of every form, and who the
//! reader is (`Viewer`). The cookie holds a random secret that only the database can turn
//! into a session; it is `HttpOnly`, `SameSite=Lax`, `Secure` when the site is served over
//! https, and made anew at every login (no session fixation).

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use catalog::{Session, SessionLifetimes};
use serde_json::json;

use crate::api::AppState;
use crate::error::Error;
use crate::oidc::Providers;
use crate::ratelimit::RateLimits;

pub const SESSION_COOKIE: &str = "communs_session";
/// The anonymous reader's CSRF token (double submit): the login forms carry it.
pub const CSRF_COOKIE: &str = "communs_csrf";
/// Binds a login under way to the browser that began it.
pub const LOGIN_COOKIE: &str = "communs_login";

/// How people sign in, and for how long.
#[derive(Default)]
pub struct Accounts {
    pub providers: Providers,
    pub lifetimes: SessionLifetimes,
    /// Verified addresses that are site administrators.
    pub site_admins: Vec<String>,
    /// The demo's accounts can sign in (`--demo` only).
    pub demo: bool,
    /// The site's public address: where providers send people back, and whether cookies
    /// are `Secure`. Without it, the address the browser used (a loopback name: the
    /// `Host` check lets no other through).
    pub public_url: Option<url::Url>,
    pub rate_limits: RateLimits,
}

impl Accounts {
    fn secure(&self) -> bool {
        self.public_url.as_ref().is_some_and(|u| u.scheme() == "https")
    }

    /// A `Set-Cookie` value: `max_age` seconds (0 removes the cookie).
    pub fn cookie(&self, name: &str, value: &str, max_age: i64) -> HeaderValue {
        let secure = if self.secure() { "; Secure" } else { "" };
        HeaderValue::from_str(&format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"))
            .expect("cookie values are hex")
    }

    /// The site's address as the browser should see it, without a trailing slash.
    pub fn base_url(&self, headers: &HeaderMap) -> String {
        match &self.public_url {
            Some(u) => u.as_str().trim_end_matches('/').to_string(),
            None => {
                let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
                format!("http://{host}")
            }
        }
    }
}

/// The value of cookie `name`, if the request has it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
}

/// Who reads the page: a live session, or nobody.
pub struct Viewer(pub Option<Session>);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, Response> {
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else { return Ok(Viewer(None)) };
        match state.store.session(secret, state.accounts.lifetimes, chrono::Utc::now()).await {
            Ok(session) => Ok(Viewer(session)),
            Err(e) => Err(Error::from(e).into_response()),
        }
    }
}

/// The token a form of this reader must carry: the session's, else the anonymous cookie's
/// (made when missing; `Some` is then the cookie to set).
pub fn csrf_token(viewer: &Viewer, headers: &HeaderMap, accounts: &Accounts) -> (String, Option<HeaderValue>) {
    if let Some(session) = &viewer.0 {
        return (session.csrf.clone(), None);
    }
    match cookie(headers, CSRF_COOKIE).filter(|v| catalog::token::is_random_hex(v)) {
        Some(v) => (v.to_string(), None),
        None => {
            let fresh = catalog::token::random_hex().expect("the OS gives randomness");
            let set = accounts.cookie(CSRF_COOKIE, &fresh, 86_400);
            (fresh, Some(set))
        }
    }
}

/// Whether a posted form's `csrf` is this reader's: the session's token when signed in,
/// else the anonymous cookie's. Compared in constant time.
pub fn csrf_ok(viewer: &Viewer, headers: &HeaderMap, posted: &str) -> bool {
    let expected = match &viewer.0 {
        Some(session) => session.csrf.as_str(),
        None => match cookie(headers, CSRF_COOKIE) {
            Some(v) if catalog::token::is_random_hex(v) => v,
            _ => return false,
        },
    };
    !posted.is_empty() && catalog::token::same_hash(expected, posted)
}

/// Who the token or the session is: name, organisations with roles, the token's scope.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", operation_id = "me",
    security(("token" = []), ()),
    responses((status = 200, description = "The person (or the operator's token)"),
        (status = 401, description = "No live token or session", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn me(State(s): State<AppState>, request: axum::extract::Request) -> Response {
    personal_answer(me_answer(&s, request).await)
}

/// An answer about the person asking: never kept by a cache, ours or another.
pub fn personal_answer(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("Authorization, Cookie"));
    response
}

/// Who a personal read is for: a live token's person (nobody for the operator's tokens)
/// with the token, else the signed-in person. `Err` is the answer to give: 401 without a
/// live token or session.
pub async fn reader(
    s: &AppState,
    request: axum::extract::Request,
) -> Result<(Option<catalog::User>, Option<catalog::ApiToken>), Response> {
    let (mut parts, _) = request.into_parts();
    let unauthorized = |detail: &str| Error::Unauthorized(detail.to_string()).into_response();
    match crate::auth::bearer(&parts) {
        Err(problem) => Err(problem.into_response()),
        Ok(Some(secret)) => match s.store.authenticate_token(secret, chrono::Utc::now()).await {
            Ok(Some(holder)) => Ok((holder.user, Some(holder.token))),
            Ok(None) => Err(unauthorized("the token is unknown, revoked or expired")),
            Err(e) => Err(Error::from(e).into_response()),
        },
        Ok(None) => match Viewer::from_request_parts(&mut parts, s).await {
            Ok(Viewer(Some(session))) => Ok((Some(session.user), None)),
            Ok(Viewer(None)) => Err(unauthorized("send Authorization: Bearer TOKEN, or sign in at /login")),
            Err(response) => Err(response),
        },
    }
}

async fn me_answer(s: &AppState, request: axum::extract::Request) -> Response {
    let (user, token) = match reader(s, request).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let Some(user) = user else {
        // The operator's token belongs to nobody.
        let token = token.expect("no user without a token");
        return Json(json!({ "operator": true, "token": { "name": token.name, "scope": token.scope } }))
            .into_response();
    };
    let memberships = match s.store.memberships(user.id).await {
        Ok(m) => m,
        Err(e) => return Error::from(e).into_response(),
    };
    let organisations: Vec<_> = memberships
        .iter()
        .map(|m| json!({ "slug": m.organisation.slug, "name": m.organisation.name, "role": m.role }))
        .collect();
    let mut body = json!({
        "handle": user.handle,
        "name": user.name,
        "email": user.email,
        "email_verified": user.email_verified,
        "site_admin": user.site_admin,
        "organisations": organisations,
    });
    if let Some(t) = token {
        body["token"] = json!({
            "name": t.name,
            "scope": t.scope,
            "organisation": t.organisation,
            "expires_at": t.expires_at,
        });
    }
    Json(body).into_response()
}
