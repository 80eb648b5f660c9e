//! An organisation's webhooks, for its admins: the subscriptions with their secrets and
//! delivery logs, a form to add one, and a button to remove one.

#![allow(clippy::result_large_err)]

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use catalog::webhook::{Delivery, EventKind, Webhook, WebhookForm};
use catalog::{Actor, Session};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use web::{DeliveryRow, FieldErrors, WebhookRow, WebhooksPage, T};

use super::account::{admitted, may, page, refused, to_login};
use super::{language, PageContext};
use crate::api::AppState;
use crate::auth;
use crate::error::Error;
use crate::ratelimit::Peer;
use crate::session::Viewer;

/// How many deliveries a webhook's log shows.
const LOG_LINES: i64 = 20;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organisations/{slug}/webhooks", get(show))
        .route(auth::ADD_WEBHOOK_PAGE.path, post(add))
        .route(auth::REMOVE_WEBHOOK_PAGE.path, post(remove))
}

/// What the form held, kept when it is refused.
#[derive(Default)]
struct Values {
    url: String,
    kinds: Vec<String>,
    scope: String,
}

async fn show(State(s): State<AppState>, viewer: Viewer, headers: HeaderMap, Path(slug): Path<String>) -> Response {
    let path = format!("/organisations/{slug}/webhooks");
    let Some(session) = &viewer.0 else { return to_login(&path) };
    render(&s, session, &headers, &slug, Values::default(), FieldErrors::default(), None, StatusCode::OK).await
}

#[allow(clippy::too_many_arguments)]
async fn render(
    s: &AppState,
    session: &Session,
    headers: &HeaderMap,
    slug: &str,
    values: Values,
    errors: FieldErrors,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let lang = language(headers);
    let t = T::new(lang);
    let path = format!("/organisations/{slug}/webhooks");
    let organisation = match admin_of(s, session, slug, lang, &path).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let loaded = async {
        let mut rows = Vec::new();
        for hook in s.store.webhooks_of(slug).await? {
            let deliveries = s.store.deliveries_of(hook.id, LOG_LINES).await?;
            rows.push(webhook_row(&t, &hook, &deliveries));
        }
        Ok::<_, catalog::Error>(rows)
    }
    .await;
    let hooks = match loaded {
        Ok(h) => h,
        Err(e) => return refused(e.into()),
    };
    let kinds = EventKind::ALL
        .into_iter()
        .map(|k| {
            let ticked = values.kinds.iter().any(|v| v == k.as_str());
            (k.as_str().to_string(), t.word("entity", k.as_str()), ticked)
        })
        .collect();
    let view = WebhooksPage {
        chrome: web::Chrome::new(
            lang,
            path.clone(),
            t.fill_place("title.webhooks", &organisation.name, organisation.liaison),
            "",
        ),
        slug: slug.to_string(),
        name: organisation.name.clone(),
        liaison: organisation.liaison,
        hooks,
        kinds,
        url: values.url,
        scope: values.scope,
        errors,
        notice,
        csrf: session.csrf.clone(),
    };
    page(lang, status, &view)
}

/// The page after a change, with its notice.
async fn told(s: &AppState, session: &Session, headers: &HeaderMap, slug: &str, notice: String) -> Response {
    render(s, session, headers, slug, Values::default(), FieldErrors::default(), Some(notice), StatusCode::OK).await
}

/// The organisation, when the person administers it (or the site).
async fn admin_of(
    s: &AppState,
    session: &Session,
    slug: &str,
    lang: web::Lang,
    path: &str,
) -> Result<catalog::Organisation, Response> {
    let loaded = async {
        let organisation = s.store.organisation(slug).await?;
        let role = s.store.role_in(session.user.id, slug).await?;
        Ok::<_, catalog::Error>((organisation, role))
    }
    .await;
    let (organisation, role) = loaded.map_err(|e| refused(e.into()))?;
    may(auth::ADD_WEBHOOK_PAGE, &session.user, role, lang, path)?;
    Ok(organisation)
}

fn moment(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn webhook_row(t: &T, hook: &Webhook, deliveries: &[Delivery]) -> WebhookRow {
    WebhookRow {
        id: hook.id,
        url: hook.url.clone(),
        secret: hook.secret.clone(),
        kinds: hook.kinds.iter().map(|k| t.word("entity", k.as_str())).collect::<Vec<_>>().join(", "),
        scope: t.s(&format!("webhooks.scope_{}", hook.scope.as_str())).to_string(),
        created: format!("{} · {}", moment(hook.created_at), hook.created_by),
        deliveries: deliveries
            .iter()
            .map(|d| DeliveryRow {
                id: d.id,
                event: d.event,
                change: format!("{} · {}", t.word("entity", &d.kind), t.word("change", &d.action)),
                created: moment(d.created_at),
                status: d.status.as_str().to_string(),
                status_words: t.word("delivery_status", d.status.as_str()),
                attempts: d.attempts,
                outcome: match (d.last_status, &d.last_error) {
                    (Some(code), None) => t.fill("webhooks.http", &code.to_string()),
                    (Some(code), Some(e)) => format!("{} · {e}", t.fill("webhooks.http", &code.to_string())),
                    (None, Some(e)) => e.clone(),
                    (None, None) => String::new(),
                },
                next: match d.status {
                    catalog::webhook::DeliveryStatus::Pending => d.next_attempt_at.map(moment).unwrap_or_default(),
                    _ => String::new(),
                },
            })
            .collect(),
    }
}

/// Each refused field, in the page's language with the catalog's reason.
fn field_errors(t: &T, e: &catalog::Error) -> Option<FieldErrors> {
    let message = |field: &str, why: &str| {
        let key = match field {
            "url" => "webhooks.url_hint",
            _ => "form_error.invalid",
        };
        (field.to_string(), format!("{} ({why})", t.s(key)))
    };
    match e {
        catalog::Error::Invalid { field, message: why } | catalog::Error::Conflict { field, message: why } => {
            Some(FieldErrors(vec![message(field, why)]))
        }
        catalog::Error::Fields(all) => Some(FieldErrors(all.iter().map(|(f, why)| message(f, why)).collect())),
        _ => None,
    }
}

async fn add(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(slug): Path<String>,
    body: Bytes,
) -> Response {
    let mut csrf = String::new();
    let mut values = Values::default();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "csrf" => csrf = v.into_owned(),
            "url" => values.url = v.into_owned(),
            "kinds" => values.kinds.push(v.into_owned()),
            "scope" => values.scope = v.into_owned(),
            _ => {}
        }
    }
    let path = format!("/organisations/{slug}/webhooks");
    let session = match admitted(&s, &viewer, &peer, &headers, &csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let t = T::new(lang);
    if let Err(r) = admin_of(&s, session, &slug, lang, &path).await {
        return r;
    }
    let form = WebhookForm { url: values.url.clone(), kinds: values.kinds.clone(), scope: Some(values.scope.clone()) };
    let actor = Actor::User { handle: session.user.handle.clone(), token: None };
    let added = match form.validate(s.store.address_policy()) {
        Ok(draft) => s.store.add_webhook(&actor, &slug, &draft).await,
        Err(e) => Err(e),
    };
    match added {
        Ok(hook) => {
            tracing::info!(user = %session.user.handle, organisation = %slug, webhook = hook.id, "webhook added");
            let notice = t.fill("webhooks.added", &hook.url);
            told(&s, session, &headers, &slug, notice).await
        }
        Err(e) => match field_errors(&t, &e) {
            Some(errors) => {
                let status = match e {
                    catalog::Error::Conflict { .. } => StatusCode::CONFLICT,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                render(&s, session, &headers, &slug, values, errors, None, status).await
            }
            None => refused(e.into()),
        },
    }
}

#[derive(Deserialize)]
struct Removal {
    #[serde(default)]
    csrf: String,
}

async fn remove(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<Removal>,
) -> Response {
    let path = format!("/organisations/{slug}/webhooks");
    let session = match admitted(&s, &viewer, &peer, &headers, &f.csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let t = T::new(lang);
    if let Err(r) = admin_of(&s, session, &slug, lang, &path).await {
        return r;
    }
    let actor = Actor::User { handle: session.user.handle.clone(), token: None };
    match s.store.remove_webhook(&actor, &slug, id).await {
        Ok(()) => {
            let notice = t.fill("webhooks.removed", &id.to_string());
            told(&s, session, &headers, &slug, notice).await
        }
        Err(e) => refused(Error::from(e)),
    }
}
