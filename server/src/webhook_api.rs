//! An organisation's webhooks through the API, for its admins' scripts and the operator:
//! list them (with their secrets), add one, remove one, read a delivery log. Every route
//! takes a token with the write scope, as the secrets are the keys of the signatures.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use catalog::webhook::{Delivery, Webhook, WebhookForm};
use catalog::Role;

use crate::api::AppState;
use crate::auth::{Writer, ADD_WEBHOOK};
use crate::contribute::{json, record_id, Body};
use crate::error::Error;
use crate::params::RecordSlug;
use crate::problem::Problem;
use crate::session::personal_answer as private;

/// Refuses unless the writer answers for the site, or is an admin of `slug`.
fn admin_of(writer: &Writer, slug: &str) -> Result<(), Error> {
    match writer.acting_for() {
        None => Ok(()),
        Some(mine) if mine == slug && writer.holder.role == Some(Role::Admin) => Ok(()),
        Some(mine) => {
            tracing::warn!(token = %writer.label(), organisation = slug, route = ADD_WEBHOOK.path, "webhooks refused");
            Err(Error::forbidden(
                Some("Authorization"),
                format!("the token acts for {mine}; an organisation's webhooks are its admins' ({slug})"),
            ))
        }
    }
}

/// The organisation's webhooks, with their secrets.
#[utoipa::path(get, path = "/api/v1/organisations/{slug}/webhooks", tag = "webhooks", operation_id = "webhooks",
    params(("slug" = String, Path, description = "The organisation's slug")),
    security(("token" = [])),
    responses((status = 200, description = "The webhooks, oldest first", body = [Webhook]),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin of this organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    writer: Writer,
) -> Result<Response, Error> {
    admin_of(&writer, &slug)?;
    Ok(private(Json(s.store.webhooks_of(&slug).await?).into_response()))
}

/// Subscribes an address to kinds of change. Each matching change is sent as a signed
/// JSON POST (`Communs-Signature: t=…,v1=…`, HMAC-SHA256 of `t.` and the body with the
/// secret) and tried again for a day while the receiver refuses it.
#[utoipa::path(post, path = "/api/v1/organisations/{slug}/webhooks", tag = "webhooks", operation_id = "add_webhook",
    params(("slug" = String, Path, description = "The organisation's slug")),
    request_body(content = WebhookForm, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 201, description = "The webhook, with its secret", body = Webhook),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin of this organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The same address already, or ten webhooks already", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad fields, each named: an address that is not public, an unknown kind", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn add(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    writer: Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    admin_of(&writer, &slug)?;
    let form: WebhookForm = json(&headers, body)?;
    let draft = form.validate(s.store.address_policy())?;
    let hook = s.store.add_webhook(&writer.actor(), &slug, &draft).await?;
    tracing::info!(token = %writer.label(), organisation = %slug, webhook = hook.id, "webhook added");
    let mut response = (StatusCode::CREATED, Json(&hook)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/organisations/{slug}/webhooks/{}/deliveries", hook.id)) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(private(response))
}

/// Removes a webhook and its delivery log.
#[utoipa::path(delete, path = "/api/v1/organisations/{slug}/webhooks/{id}", tag = "webhooks",
    operation_id = "remove_webhook",
    params(("slug" = String, Path, description = "The organisation's slug"),
        ("id" = i64, Path, description = "The webhook's id")),
    security(("token" = [])),
    responses((status = 204, description = "Removed"),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin of this organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook of this organisation", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn remove(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    writer: Writer,
) -> Result<Response, Error> {
    admin_of(&writer, &slug)?;
    let id = record_id(&id, "webhook")?;
    s.store.remove_webhook(&writer.actor(), &slug, id).await?;
    tracing::info!(token = %writer.label(), organisation = %slug, webhook = id, "webhook removed");
    Ok(private(StatusCode::NO_CONTENT.into_response()))
}

/// A webhook's newest deliveries (100 at most), newest first: the change each carries,
/// where it stands, its tries and the last outcome.
#[utoipa::path(get, path = "/api/v1/organisations/{slug}/webhooks/{id}/deliveries", tag = "webhooks",
    operation_id = "webhook_deliveries",
    params(("slug" = String, Path, description = "The organisation's slug"),
        ("id" = i64, Path, description = "The webhook's id")),
    security(("token" = [])),
    responses((status = 200, description = "The delivery log", body = [Delivery]),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin of this organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such webhook of this organisation", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn deliveries(
    State(s): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    writer: Writer,
) -> Result<Response, Error> {
    admin_of(&writer, &slug)?;
    let id = record_id(&id, "webhook")?;
    if !s.store.webhooks_of(&slug).await?.iter().any(|w| w.id == id) {
        return Err(catalog::Error::not_found("webhook", id.to_string()).into());
    }
    Ok(private(Json(s.store.deliveries_of(id, 100).await?).into_response()))
}
