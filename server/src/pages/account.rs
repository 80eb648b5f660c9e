//! Signing in and out, one's account, the requests waiting for an admin, and an
//! organisation's people. Every POST carries the form's CSRF token; a page that needs a
//! person sends the anonymous reader to the login page, and one that needs a role answers
//! 403. None of these pages is kept by the cache (`Cache-Control: no-store`).

// A refused request is answered with its page at once: the helpers return the response
// itself as their error, as axum's own rejections do.
#![allow(clippy::result_large_err)]

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use catalog::{Identity, JoinOutcome, PersonalToken, Role, Session, TokenScope, User};
use serde::Deserialize;
use web::{
    AccountPage, AdminPage, Chrome, DemoChoice, FieldErrors, Lang, LoginPage, MembershipRow, PeoplePage, PersonRow,
    ProviderChoice, RequestRow, RequestsPage, TokenForm, TokenRow, T,
};

use super::{html, language, PageContext};
use crate::api::AppState;
use crate::auth::{self, WriteRoute};
use crate::error::Error;
use crate::oidc::LoginError;
use crate::ratelimit::Peer;
use crate::session::{self, Viewer, LOGIN_COOKIE, SESSION_COOKIE};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page))
        .route("/login/demo", post(demo_login))
        .route("/login/{provider}", get(begin_login))
        .route("/login/{provider}/callback", get(callback))
        .route("/logout", post(logout))
        .route("/account", get(account))
        .route(auth::CREATE_TOKEN.path, post(create_token))
        .route(auth::REVOKE_TOKEN.path, post(revoke_token))
        .route(auth::REQUEST_MEMBERSHIP.path, post(request_membership))
        .route(auth::LEAVE_ORGANISATION.path, post(leave))
        .route(auth::ANSWERS_QUESTIONS_PAGE.path, post(answering))
        .route("/requests", get(requests))
        .route(auth::DECIDE_REQUEST.path, post(decide))
        .route("/organisations/{slug}/people", get(people))
        .route(auth::SET_ROLE.path, post(set_role))
        .route("/admin", get(admin))
        .route(auth::SET_SITE_ADMIN.path, post(set_site_admin))
}

/// A demo account: handle, name, the i18n key of who they are, and their organisation with
/// their role there (`None`: a site administrator).
type DemoAccount = (&'static str, &'static str, &'static str, Option<(&'static str, Role)>);

const DEMO_ACCOUNTS: [DemoAccount; 3] = [
    ("demo-official", "Élise Martin (démo)", "login.demo_official", Some(("orbe", Role::Member))),
    ("demo-maintainer", "Luc Favre (démo)", "login.demo_maintainer", Some(("association-geocity", Role::Admin))),
    ("demo-admin", "Admin (démo)", "login.demo_admin", None),
];
const DEMO_ISSUER: &str = "urn:communs:demo";

/// Where a login goes back to: the page that asked for it, else one's account.
fn after_login(next: Option<&str>) -> String {
    match next {
        Some(n) if !n.is_empty() => crate::guard::safe_next(Some(n)),
        _ => "/account".to_string(),
    }
}

/// A personal page: never kept by a cache, ours or another.
pub(super) fn personal(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub(super) fn see_other(to: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    *r.status_mut() = StatusCode::SEE_OTHER;
    r
}

pub(super) fn to_login(next: &str) -> Response {
    personal(see_other(&format!("/login?next={}", web::pages::encode(next))))
}

fn with_cookie(mut response: Response, cookie: HeaderValue) -> Response {
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

pub(super) fn page(lang: Lang, status: StatusCode, view: &impl askama::Template) -> Response {
    let mut r = html(lang, view);
    *r.status_mut() = status;
    personal(r)
}

/// An error page (see `pages::error_pages`), kept out of shared caches.
pub(super) fn refused(e: Error) -> Response {
    personal(e.into_response())
}

// ---------------------------------------------------------------------------------------
// Signing in and out

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

async fn login_page(
    State(s): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Response {
    let next = after_login(q.next.as_deref());
    if viewer.0.is_some() {
        return personal(see_other(&next));
    }
    login_form(&s, &viewer, &headers, &next, None, StatusCode::OK)
}

fn login_form(
    s: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    next: &str,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    login_view(s, viewer, headers, next, LoginExtras { problem, ..Default::default() }, status)
}

/// What a login page says besides its choices.
#[derive(Default)]
struct LoginExtras {
    problem: Option<String>,
    notice: Option<String>,
    provider_logout: Option<(String, String)>,
}

fn login_view(
    s: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    next: &str,
    extras: LoginExtras,
    status: StatusCode,
) -> Response {
    let lang = language(headers);
    let t = T::new(lang);
    let (csrf, set) = session::csrf_token(viewer, headers, &s.accounts);
    let view = LoginPage {
        chrome: Chrome::new(lang, "/login", t.s("title.login"), ""),
        providers: s
            .accounts
            .providers
            .list()
            .iter()
            .map(|p| ProviderChoice { id: p.id.clone(), name: p.name.clone() })
            .collect(),
        demo_accounts: if s.accounts.demo {
            DEMO_ACCOUNTS
                .iter()
                .map(|(handle, name, key, _)| DemoChoice {
                    handle: handle.to_string(),
                    name: name.to_string(),
                    description: t.s(key).to_string(),
                })
                .collect()
        } else {
            Vec::new()
        },
        next: next.to_string(),
        csrf,
        problem: extras.problem,
        notice: extras.notice,
        provider_logout: extras.provider_logout,
    };
    let response = page(lang, status, &view);
    match set {
        Some(cookie) => with_cookie(response, cookie),
        None => response,
    }
}

/// Signs `user` in: a new session (a new secret, whatever cookie the browser had), then
/// back to `next`.
async fn open_session(
    s: &AppState,
    user: &User,
    provider: Option<&str>,
    id_token: Option<&str>,
    next: &str,
) -> Result<Response, Error> {
    let (secret, _) = s.store.open_session(user, provider, id_token, s.accounts.lifetimes).await?;
    let max_age = s.accounts.lifetimes.absolute.num_seconds();
    tracing::info!(user = %user.handle, provider = provider.unwrap_or("demo"), "signed in");
    let response = with_cookie(see_other(next), s.accounts.cookie(SESSION_COOKIE, &secret, max_age));
    Ok(personal(with_cookie(response, s.accounts.cookie(LOGIN_COOKIE, "", 0))))
}

#[derive(Deserialize)]
struct DemoLogin {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    handle: String,
    next: Option<String>,
}

/// `POST /login/demo`: with `--demo` only, signs in one of the demo's accounts.
async fn demo_login(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Form(f): Form<DemoLogin>,
) -> Response {
    let lang = cx.lang;
    if !s.accounts.demo {
        return refused(Error::NotFound(T::new(lang).s("error.not_found_page").into()));
    }
    let next = after_login(f.next.as_deref());
    if let Err(retry) = s.limits.login(&peer.0) {
        return crate::ratelimit::with_retry_after(
            login_form(&s, &viewer, &headers, &next, Some(T::new(lang).s("login.too_many").into()), StatusCode::OK),
            retry,
        );
    }
    if !session::csrf_ok(&viewer, &headers, &f.csrf) {
        let problem = T::new(lang).s("form_error.csrf").to_string();
        return login_form(&s, &viewer, &headers, &next, Some(problem), StatusCode::FORBIDDEN);
    }
    let Some((handle, name, _, membership)) = DEMO_ACCOUNTS.iter().find(|(h, ..)| *h == f.handle) else {
        return refused(Error::BadRequest(format!("handle: {:?} is not a demo account", f.handle)));
    };
    let result = async {
        let identity = Identity {
            issuer: DEMO_ISSUER.into(),
            subject: handle.to_string(),
            name: Some(name.to_string()),
            email: Some(format!("{handle}@demo.invalid")),
            email_verified: false,
        };
        let mut user = s.store.sign_in(&identity, &[]).await?;
        match membership {
            Some((org, role)) if s.store.role_in(user.id, org).await?.is_none() => {
                s.store.set_role(None, org, &user.handle, *role).await?;
                // The official of Orbe answers other bodies' questions about what Orbe
                // uses, so that the demo's reports have someone to ask.
                if *handle == "demo-official" {
                    s.store.set_answers_questions(user.id, org, true).await?;
                }
            }
            Some(_) => {}
            None if !user.site_admin => {
                user = s.store.set_site_admin(&catalog::Actor::System("demo"), &user.handle, true).await?;
            }
            None => {}
        }
        open_session(&s, &user, None, None, &next).await
    }
    .await;
    result.unwrap_or_else(refused)
}

/// `GET /login/{provider}`: off to the provider, with a state bound to this browser.
async fn begin_login(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(provider): Path<String>,
    Query(q): Query<LoginQuery>,
) -> Response {
    let lang = cx.lang;
    let t = T::new(lang);
    let next = after_login(q.next.as_deref());
    let Some(p) = s.accounts.providers.get(&provider) else {
        return login_form(
            &s,
            &viewer,
            &headers,
            &next,
            Some(t.s("login.unknown_provider").into()),
            StatusCode::NOT_FOUND,
        );
    };
    if let Err(retry) = s.limits.login(&peer.0) {
        return crate::ratelimit::with_retry_after(
            login_form(&s, &viewer, &headers, &next, Some(t.s("login.too_many").into()), StatusCode::OK),
            retry,
        );
    }
    let redirect_uri = format!("{}/login/{}/callback", s.accounts.base_url(&headers), p.id);
    let authorization = match s.accounts.providers.authorize(p, &redirect_uri).await {
        Ok(a) => a,
        Err(e) => return login_failed(&s, &viewer, &headers, &next, &e),
    };
    let browser = match catalog::token::random_hex() {
        Ok(b) => b,
        Err(e) => return refused(e.into()),
    };
    let attempt = catalog::LoginAttempt {
        provider: p.id.clone(),
        pkce_verifier: authorization.pkce_verifier,
        nonce: authorization.nonce,
        next,
    };
    if let Err(e) = s.store.begin_login(&authorization.state, &browser, &attempt).await {
        return refused(e.into());
    }
    personal(with_cookie(see_other(authorization.url.as_str()), s.accounts.cookie(LOGIN_COOKIE, &browser, 900)))
}

fn login_failed(s: &AppState, viewer: &Viewer, headers: &HeaderMap, next: &str, e: &LoginError) -> Response {
    let t = T::new(language(headers));
    match e {
        LoginError::Unreachable { provider, .. } => {
            login_form(s, viewer, headers, next, Some(t.fill("login.provider_down", provider)), StatusCode::BAD_GATEWAY)
        }
        LoginError::Refused(why) => {
            tracing::warn!(why, "login refused");
            let key = if why.contains("accepts verified addresses") { "login.domain" } else { "login.refused" };
            login_form(s, viewer, headers, next, Some(t.s(key).into()), StatusCode::BAD_REQUEST)
        }
    }
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /login/{provider}/callback`: the provider sends the person back with a code. The
/// login under way is taken (once) by its state, from the browser that began it; the code
/// is traded for an ID token, which is checked, and the person gets a new session.
async fn callback(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(provider): Path<String>,
    Query(c): Query<Callback>,
) -> Response {
    let t = cx.t();
    if let Err(retry) = s.limits.login(&peer.0) {
        return crate::ratelimit::with_retry_after(
            login_form(&s, &viewer, &headers, "/account", Some(t.s("login.too_many").into()), StatusCode::OK),
            retry,
        );
    }
    let expired = |status| login_form(&s, &viewer, &headers, "/account", Some(t.s("login.expired").into()), status);
    let (Some(state), Some(browser)) = (c.state.as_deref(), session::cookie(&headers, LOGIN_COOKIE)) else {
        return expired(StatusCode::BAD_REQUEST);
    };
    let attempt = match s.store.take_login(state, browser).await {
        Ok(Some(a)) if a.provider == provider => a,
        Ok(_) => {
            tracing::warn!(%provider, "callback with an unknown, spent or foreign state refused");
            return expired(StatusCode::BAD_REQUEST);
        }
        Err(e) => return refused(e.into()),
    };
    if c.error.is_some() {
        return login_form(&s, &viewer, &headers, &attempt.next, Some(t.s("login.cancelled").into()), StatusCode::OK);
    }
    let (Some(code), Some(p)) = (c.code.as_deref(), s.accounts.providers.get(&provider)) else {
        return expired(StatusCode::BAD_REQUEST);
    };
    let redirect_uri = format!("{}/login/{}/callback", s.accounts.base_url(&headers), p.id);
    let (identity, id_token) =
        match s.accounts.providers.finish(p, &redirect_uri, code, &attempt.nonce, &attempt.pkce_verifier).await {
            Ok(found) => found,
            Err(e) => return login_failed(&s, &viewer, &headers, &attempt.next, &e),
        };
    let result = async {
        let user = s.store.sign_in(&identity, &s.accounts.site_admins).await?;
        open_session(&s, &user, Some(&p.id), Some(&id_token), &attempt.next).await
    }
    .await;
    result.unwrap_or_else(refused)
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: ends the session here, and offers the provider's own logout when it
/// has one. A link rather than a redirect: the pages' CSP lets forms lead to this site only,
/// and the person may want to stay signed in at their provider.
async fn logout(
    State(s): State<AppState>,
    viewer: Viewer,
    cx: PageContext,
    headers: HeaderMap,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let lang = cx.lang;
    let Some(session) = &viewer.0 else { return personal(see_other("/")) };
    if !session::csrf_ok(&viewer, &headers, &f.csrf) {
        return refused(Error::forbidden(None, T::new(lang).s("form_error.csrf")));
    }
    if let Some(secret) = session::cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = s.store.close_session(secret).await {
            return refused(e.into());
        }
    }
    tracing::info!(user = %session.user.handle, "signed out");
    let back = format!("{}/", s.accounts.base_url(&headers));
    let provider_logout = match session.provider.as_deref().and_then(|p| s.accounts.providers.get(p)) {
        Some(p) => s
            .accounts
            .providers
            .logout_url(p, session.id_token.as_deref(), &back)
            .await
            .map(|u| (p.name.clone(), u.to_string())),
        None => None,
    };
    let extras =
        LoginExtras { notice: Some(T::new(lang).s("login.signed_out").into()), provider_logout, problem: None };
    let page = login_view(&s, &Viewer(None), &headers, "/account", extras, StatusCode::OK);
    with_cookie(page, s.accounts.cookie(SESSION_COOKIE, "", 0))
}

// ---------------------------------------------------------------------------------------
// My account

/// What the account page shows besides the person's own records.
#[derive(Default)]
struct AccountState {
    new_token: Option<String>,
    token_form: TokenForm,
    token_errors: FieldErrors,
    join_organisation: String,
    join_message: String,
    join_errors: FieldErrors,
    notice: Option<String>,
}

#[derive(Deserialize)]
struct AccountQuery {
    /// An organisation to ask to join, from its page's link: fills the form.
    join: Option<String>,
}

async fn account(
    State(s): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Query(q): Query<AccountQuery>,
) -> Response {
    let here = match &q.join {
        Some(slug) => format!("/account?join={}", web::pages::encode(slug)),
        None => "/account".to_string(),
    };
    let Some(session) = &viewer.0 else { return to_login(&here) };
    let st = AccountState { join_organisation: q.join.unwrap_or_default(), ..Default::default() };
    account_page(&s, session, &headers, st, StatusCode::OK).await
}

fn date(t: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    t.date_naive()
}

fn role_word(t: &T, role: Role) -> String {
    t.word("role", role.as_str())
}

fn request_row(t: &T, r: &catalog::MembershipRequest) -> RequestRow {
    RequestRow {
        id: r.id,
        person: r.name.clone(),
        handle: r.handle.clone(),
        email: r.email.clone().unwrap_or_default(),
        email_verified: r.email_verified,
        organisation_slug: r.organisation.slug.clone(),
        organisation: r.organisation.name.clone(),
        message: r.message.clone(),
        status: t.word("request_status", r.status.as_str()),
        created: date(r.created_at),
    }
}

async fn account_page(
    s: &AppState,
    session: &Session,
    headers: &HeaderMap,
    st: AccountState,
    status: StatusCode,
) -> Response {
    let lang = language(headers);
    let t = T::new(lang);
    let user = &session.user;
    let loaded = async {
        let memberships = s.store.memberships(user.id).await?;
        let requests = s.store.requests_of(user.id).await?;
        let waiting = s.store.requests_waiting_for(user).await?.len();
        let tokens = s.store.tokens_of(user.id).await?;
        let asked = super::contribute::asked_of(s, &t, &memberships).await?;
        let answering = s.store.answering_for(user.id).await?;
        let questions = s.store.questions_of(user).await?;
        Ok::<_, catalog::Error>((memberships, requests, waiting, tokens, asked, answering, questions))
    }
    .await;
    let (memberships, requests, waiting, tokens, asked, answering, questions) = match loaded {
        Ok(l) => l,
        Err(e) => return refused(e.into()),
    };
    let view = AccountPage {
        chrome: Chrome::new(lang, "/account", t.s("title.account"), ""),
        name: user.name.clone(),
        handle: user.handle.clone(),
        email: user.email.clone().unwrap_or_default(),
        email_verified: user.email_verified,
        site_admin: user.site_admin,
        memberships: memberships
            .iter()
            .map(|m| MembershipRow {
                slug: m.organisation.slug.clone(),
                name: m.organisation.name.clone(),
                role: role_word(&t, m.role),
                admin: m.role == Role::Admin || user.site_admin,
                answers_questions: answering.contains(&m.organisation.slug),
            })
            .collect(),
        questions_to_answer: questions.received.iter().filter(|q| !q.answered_by_us).count(),
        questions_asked: questions.asked.len(),
        requests: requests.iter().map(|r| request_row(&t, r)).collect(),
        waiting,
        tokens: tokens
            .iter()
            .map(|k| TokenRow {
                name: k.name.clone(),
                scope: t.s(if k.scope.allows_writes() { "account.scope_write" } else { "account.scope_read" }).into(),
                organisation: k.organisation.clone().unwrap_or_default(),
                created: date(k.created_at),
                expires: k.expires_at.map(date),
                last_used: k.last_used_at.map(date),
                live: k.revoked_at.is_none() && k.expires_at.is_none_or(|e| e > chrono::Utc::now()),
            })
            .collect(),
        new_token: st.new_token,
        token_form: if st.token_form.days.is_empty() {
            TokenForm { days: catalog::token::DEFAULT_DAYS.to_string(), ..st.token_form }
        } else {
            st.token_form
        },
        token_errors: st.token_errors,
        join_organisation: st.join_organisation,
        join_message: st.join_message,
        join_errors: st.join_errors,
        notice: st.notice,
        csrf: session.csrf.clone(),
        asked,
        once: catalog::token::random_hex().unwrap_or_default(),
    };
    page(lang, status, &view)
}

/// The refusal of a form field, in the page's language.
fn field_error(t: &T, e: &catalog::Error) -> Option<(String, String)> {
    let (field, key) = match e {
        catalog::Error::Invalid { field, .. } if field == "organisation" => ("organisation", "form_error.organisation"),
        catalog::Error::Invalid { field, .. } if field == "name" => ("name", "form_error.name"),
        catalog::Error::Invalid { field, .. } if field == "expires" => ("expires", "form_error.expires"),
        catalog::Error::Invalid { field, .. } if field == "message" => ("message", "form_error.message"),
        catalog::Error::Conflict { field, .. } if field == "name" => ("name", "form_error.name_taken"),
        catalog::Error::Conflict { field, .. } if field == "organisation" => {
            ("organisation", "form_error.organisation_member")
        }
        catalog::Error::NotFound { what: "organisation", .. } => ("organisation", "form_error.organisation_unknown"),
        _ => return None,
    };
    Some((field.to_string(), t.s(key).to_string()))
}

/// The signed-in person of a page's POST, with its CSRF token checked; otherwise the answer.
pub(super) fn poster<'a>(
    viewer: &'a Viewer,
    headers: &HeaderMap,
    csrf: &str,
    path: &str,
) -> Result<&'a Session, Response> {
    let Some(session) = &viewer.0 else { return Err(to_login(path)) };
    if !session::csrf_ok(viewer, headers, csrf) {
        let lang = language(headers);
        tracing::warn!(user = %session.user.handle, path, "form without its CSRF token refused");
        return Err(refused(Error::forbidden(None, T::new(lang).s("form_error.csrf"))));
    }
    Ok(session)
}

/// The signed-in person of a page's POST, with its CSRF token checked and within the limits
/// on writes; otherwise the answer.
pub(super) fn admitted<'a>(
    s: &AppState,
    viewer: &'a Viewer,
    peer: &Peer,
    headers: &HeaderMap,
    csrf: &str,
    path: &str,
) -> Result<&'a Session, Response> {
    let session = poster(viewer, headers, csrf, path)?;
    limited(s, peer, headers, session)?;
    Ok(session)
}

/// The limit on writes, per address and per account, for a page's POST.
pub(super) fn limited(s: &AppState, peer: &Peer, headers: &HeaderMap, session: &Session) -> Result<(), Response> {
    let check = s.limits.write(&peer.0).and_then(|()| s.limits.account(session.user.id));
    check.map_err(|retry| {
        let lang = language(headers);
        crate::ratelimit::with_retry_after(refused(Error::BadRequest(T::new(lang).s("login.too_many").into())), retry)
    })
}

/// Refuses unless the person may use `route` as `role` in the organisation it names.
pub(super) fn may(route: WriteRoute, user: &User, role: Option<Role>, lang: Lang, path: &str) -> Result<(), Response> {
    if auth::allows(route, user, role) {
        Ok(())
    } else {
        tracing::warn!(user = %user.handle, path, "page write refused: role");
        Err(refused(Error::forbidden(None, T::new(lang).s("error.forbidden_text"))))
    }
}

#[derive(Deserialize)]
struct NewToken {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    days: String,
}

async fn create_token(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Form(f): Form<NewToken>,
) -> Response {
    let session = match admitted(&s, &viewer, &peer, &headers, &f.csrf, "/account") {
        Ok(session) => session,
        Err(r) => return r,
    };
    let t = cx.t();
    let form = TokenForm {
        name: f.name.clone(),
        organisation: f.organisation.clone(),
        scope: f.scope.clone(),
        days: f.days.clone(),
    };
    let mut errors = Vec::new();
    let days = match f.days.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(("expires".to_string(), t.s("form_error.expires").to_string()));
                None
            }
        },
    };
    let scope = if f.scope == "write" { TokenScope::Write } else { TokenScope::Read };
    if errors.is_empty() {
        let ask = PersonalToken { name: &f.name, organisation: Some(f.organisation.as_str()), scope, days };
        let actor = catalog::Actor::User { handle: session.user.handle.clone(), token: None };
        match s.store.create_personal_token(&actor, &session.user, &ask).await {
            Ok((_, secret)) => {
                let st = AccountState { new_token: Some(secret), ..Default::default() };
                return account_page(&s, session, &headers, st, StatusCode::CREATED).await;
            }
            Err(e) => match field_error(&t, &e) {
                Some(fe) => errors.push(fe),
                None => return refused(e.into()),
            },
        }
    }
    let st = AccountState { token_form: form, token_errors: FieldErrors(errors), ..Default::default() };
    account_page(&s, session, &headers, st, StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn revoke_token(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(name): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let session = match admitted(&s, &viewer, &peer, &headers, &f.csrf, "/account") {
        Ok(session) => session,
        Err(r) => return r,
    };
    let t = cx.t();
    match s.store.revoke_personal_token(&session.user, &name).await {
        Ok(_) => {
            let st = AccountState { notice: Some(t.fill("account.token_revoked", &name)), ..Default::default() };
            account_page(&s, session, &headers, st, StatusCode::OK).await
        }
        Err(e) => refused(e.into()),
    }
}

#[derive(Deserialize)]
struct Join {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    message: String,
}

async fn request_membership(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Form(f): Form<Join>,
) -> Response {
    let session = match admitted(&s, &viewer, &peer, &headers, &f.csrf, "/account") {
        Ok(session) => session,
        Err(r) => return r,
    };
    let t = cx.t();
    let slug = f.organisation.trim().trim_start_matches("/organisations/").trim_matches('/').to_string();
    match s.store.request_membership(&session.user, &slug, &f.message).await {
        Ok(outcome) => {
            let notice = match outcome {
                JoinOutcome::Joined(m) => t.fill("account.joined", &m.organisation.name),
                JoinOutcome::Waiting(r) => t.fill("account.requested", &r.organisation.name),
            };
            account_page(
                &s,
                session,
                &headers,
                AccountState { notice: Some(notice), ..Default::default() },
                StatusCode::OK,
            )
            .await
        }
        Err(e) => match field_error(&t, &e) {
            Some(fe) => {
                let st = AccountState {
                    join_organisation: f.organisation,
                    join_message: f.message,
                    join_errors: FieldErrors(vec![fe]),
                    ..Default::default()
                };
                account_page(&s, session, &headers, st, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => refused(e.into()),
        },
    }
}

async fn leave(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let session = match admitted(&s, &viewer, &peer, &headers, &f.csrf, "/account") {
        Ok(session) => session,
        Err(r) => return r,
    };
    let t = cx.t();
    match s.store.remove_member(&session.user, &slug, &session.user.handle).await {
        Ok(()) => {
            let st = AccountState { notice: Some(t.fill("account.left", &slug)), ..Default::default() };
            account_page(&s, session, &headers, st, StatusCode::OK).await
        }
        Err(catalog::Error::Conflict { .. }) => {
            let st = AccountState { notice: Some(t.s("form_error.last_admin").into()), ..Default::default() };
            account_page(&s, session, &headers, st, StatusCode::CONFLICT).await
        }
        Err(e) => refused(e.into()),
    }
}

#[derive(Deserialize)]
struct Answering {
    #[serde(default)]
    csrf: String,
    /// `on` or `off`.
    #[serde(default)]
    answers: String,
}

/// Says whether the person answers other bodies' questions about what an organisation of
/// theirs uses.
async fn answering(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(f): Form<Answering>,
) -> Response {
    let session = match admitted(&s, &viewer, &peer, &headers, &f.csrf, "/account") {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let t = T::new(lang);
    let on = match f.answers.as_str() {
        "on" => true,
        "off" => false,
        _ => return refused(Error::BadRequest(t.s("questions.answers_bad").into())),
    };
    match s.store.set_answers_questions(session.user.id, &slug, on).await {
        Ok(()) => {
            tracing::info!(user = %session.user.handle, organisation = %slug, on, "answers questions");
            let key = if on { "questions.answering_on" } else { "questions.answering_off" };
            let st = AccountState { notice: Some(t.fill(key, &slug)), ..Default::default() };
            account_page(&s, session, &headers, st, StatusCode::OK).await
        }
        Err(e) => refused(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// Requests and people, for admins

async fn requests(State(s): State<AppState>, viewer: Viewer, headers: HeaderMap) -> Response {
    let Some(session) = &viewer.0 else { return to_login("/requests") };
    requests_page(&s, session, &headers, None).await
}

async fn requests_page(s: &AppState, session: &Session, headers: &HeaderMap, notice: Option<String>) -> Response {
    let lang = language(headers);
    let t = T::new(lang);
    match s.store.requests_waiting_for(&session.user).await {
        Ok(list) => {
            let view = RequestsPage {
                chrome: Chrome::new(lang, "/requests", t.s("title.requests"), ""),
                requests: list.iter().map(|r| request_row(&t, r)).collect(),
                notice,
                csrf: session.csrf.clone(),
            };
            page(lang, StatusCode::OK, &view)
        }
        Err(e) => refused(e.into()),
    }
}

#[derive(Deserialize)]
struct Decision {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
}

async fn decide(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<Decision>,
) -> Response {
    let path = format!("/requests/{id}");
    let session = match admitted(&s, &viewer, &peer, &headers, &f.csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let t = T::new(lang);
    let accept = match f.decision.as_str() {
        "accept" => true,
        "refuse" => false,
        other => return refused(Error::BadRequest(format!("decision: {other:?} is neither accept nor refuse"))),
    };
    match s.store.decide_request(&session.user, id, accept).await {
        Ok(r) => {
            let notice = if accept { t.fill("requests.accepted", &r.name) } else { t.s("requests.refused").into() };
            requests_page(&s, session, &headers, Some(notice)).await
        }
        Err(catalog::Error::Forbidden(_)) => {
            tracing::warn!(user = %session.user.handle, path, "page write refused: role");
            refused(Error::forbidden(None, t.s("error.forbidden_text")))
        }
        Err(e) => refused(e.into()),
    }
}

async fn people(State(s): State<AppState>, viewer: Viewer, headers: HeaderMap, Path(slug): Path<String>) -> Response {
    let path = format!("/organisations/{slug}/people");
    let Some(session) = &viewer.0 else { return to_login(&path) };
    people_page(&s, session, &headers, &slug, None, None, StatusCode::OK).await
}

async fn people_page(
    s: &AppState,
    session: &Session,
    headers: &HeaderMap,
    slug: &str,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let lang = language(headers);
    let t = T::new(lang);
    let path = format!("/organisations/{slug}/people");
    let loaded = async {
        let organisation = s.store.organisation(slug).await?;
        let role = s.store.role_in(session.user.id, slug).await?;
        Ok::<_, catalog::Error>((organisation, role))
    }
    .await;
    let (organisation, role) = match loaded {
        Ok(l) => l,
        Err(e) => return refused(e.into()),
    };
    if let Err(r) = may(auth::SET_ROLE, &session.user, role, lang, &path) {
        return r;
    }
    let people = match s.store.people(slug).await {
        Ok(p) => p,
        Err(e) => return refused(e.into()),
    };
    let view = PeoplePage {
        chrome: Chrome::new(
            lang,
            path.clone(),
            t.fill_place("title.people", &organisation.name, organisation.liaison),
            "",
        ),
        slug: slug.to_string(),
        name: organisation.name.clone(),
        liaison: organisation.liaison,
        people: people
            .iter()
            .map(|p| PersonRow {
                handle: p.handle.clone(),
                name: p.name.clone(),
                email: p.email.clone().unwrap_or_default(),
                role: role_word(&t, p.role),
                admin: p.role == Role::Admin,
                since: date(p.since),
            })
            .collect(),
        notice,
        problem,
        csrf: session.csrf.clone(),
    };
    page(lang, status, &view)
}

#[derive(Deserialize)]
struct RoleChange {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
}

async fn set_role(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path((slug, handle)): Path<(String, String)>,
    Form(f): Form<RoleChange>,
) -> Response {
    let path = format!("/organisations/{slug}/people");
    let session = match admitted(&s, &viewer, &peer, &headers, &f.csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let t = T::new(lang);
    let role = match s.store.role_in(session.user.id, &slug).await {
        Ok(r) => r,
        Err(e) => return refused(e.into()),
    };
    if let Err(r) = may(auth::SET_ROLE, &session.user, role, lang, &path) {
        return r;
    }
    let result = match f.role.as_str() {
        "remove" => {
            s.store.remove_member(&session.user, &slug, &handle).await.map(|()| t.fill("people.removed", &handle))
        }
        other => match Role::parse(other) {
            Ok(role) => s
                .store
                .set_role(Some(&session.user), &slug, &handle, role)
                .await
                .map(|_| t.fill("people.changed", &handle)),
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(notice) => people_page(&s, session, &headers, &slug, Some(notice), None, StatusCode::OK).await,
        Err(catalog::Error::Conflict { .. }) => {
            let problem = Some(t.s("form_error.last_admin").to_string());
            people_page(&s, session, &headers, &slug, None, problem, StatusCode::CONFLICT).await
        }
        Err(e) => refused(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// The site's administrators

async fn admin(State(s): State<AppState>, viewer: Viewer, cx: PageContext, headers: HeaderMap) -> Response {
    let Some(session) = &viewer.0 else { return to_login("/admin") };
    let lang = cx.lang;
    if let Err(r) = may(auth::SET_SITE_ADMIN, &session.user, None, lang, "/admin") {
        return r;
    }
    admin_page(&s, session, &headers, String::new(), FieldErrors::default(), None, StatusCode::OK).await
}

async fn admin_page(
    s: &AppState,
    session: &Session,
    headers: &HeaderMap,
    user: String,
    errors: FieldErrors,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let lang = language(headers);
    let t = T::new(lang);
    match s.store.site_admins().await {
        Ok(admins) => {
            let view = AdminPage {
                chrome: Chrome::new(lang, "/admin", t.s("title.admin"), ""),
                admins: admins.into_iter().map(|u| (u.handle, u.name, u.email.unwrap_or_default())).collect(),
                me: session.user.handle.clone(),
                user,
                errors,
                notice,
                csrf: session.csrf.clone(),
            };
            page(lang, status, &view)
        }
        Err(e) => refused(e.into()),
    }
}

#[derive(Deserialize)]
struct SiteAdmin {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    action: String,
}

/// `POST /admin/site-admins`: a site administrator names another (`action=add`) or takes
/// the role from one (`remove`; not from themselves, so that the site keeps one).
async fn set_site_admin(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Form(f): Form<SiteAdmin>,
) -> Response {
    let session = match admitted(&s, &viewer, &peer, &headers, &f.csrf, "/admin") {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let t = T::new(lang);
    if let Err(r) = may(auth::SET_SITE_ADMIN, &session.user, None, lang, "/admin") {
        return r;
    }
    let add = match f.action.as_str() {
        "add" => true,
        "remove" => false,
        other => return refused(Error::BadRequest(format!("action: {other:?} is neither add nor remove"))),
    };
    let person = match s.store.user(&f.user).await {
        Ok(p) => p,
        Err(catalog::Error::NotFound { .. } | catalog::Error::Invalid { .. }) => {
            let errors = FieldErrors(vec![("user".into(), t.s("admin.unknown").into())]);
            return admin_page(&s, session, &headers, f.user, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return refused(e.into()),
    };
    if !add && person.id == session.user.id {
        return refused(Error::BadRequest("user: a site administrator cannot remove themselves".into()));
    }
    let actor = catalog::Actor::User { handle: session.user.handle.clone(), token: None };
    match s.store.set_site_admin(&actor, &person.handle, add).await {
        Ok(_) => {
            tracing::info!(by = %session.user.handle, user = %person.handle, add, "site administrators changed");
            let notice = t.fill(if add { "admin.added" } else { "admin.removed" }, &person.name);
            admin_page(&s, session, &headers, String::new(), FieldErrors::default(), Some(notice), StatusCode::OK).await
        }
        Err(e) => refused(e.into()),
    }
}
