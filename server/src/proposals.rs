//! New software proposed through the API: anyone with a token that writes sends a
//! publiccode.yml; it is validated at once (its errors named with their lines) and waits
//! for a site administrator, who accepts it (the document is then imported like any
//! publiccode.yml) or refuses it with a reason. The pages (`pages::proposals`) do the same.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use catalog::contribution::Author;
use catalog::{Country, Proposal, PublicCodeImportOptions, Store};
use serde_json::json;

use crate::api::AppState;
use crate::auth::Writer;
use crate::params::Params;
use crate::problem::Problem;
use crate::publiccode::{import_bytes, ImportAnswer, ImportRefusal};

/// Why a proposal was not kept.
pub enum ProposalRefusal {
    /// Not a valid publiccode.yml: its findings.
    Invalid(Box<publiccode::Report>),
    /// Valid, but the catalog has it already, or the person has too many waiting.
    Catalog(catalog::Error),
}

/// Validates `bytes` and keeps them as a proposal.
pub async fn propose(
    store: &Store,
    author: &Author,
    user_id: Option<i64>,
    bytes: &[u8],
    country: Country,
) -> anyhow::Result<Result<Proposal, ProposalRefusal>> {
    let report = publiccode::validate(bytes);
    let Some(doc) = report.document.clone().filter(|_| report.is_valid()) else {
        return Ok(Err(ProposalRefusal::Invalid(Box::new(report))));
    };
    let name = doc.name.trim().to_string();
    if let Ok(slug) = catalog::Slug::from_name(&name) {
        if store.software(slug.as_str()).await.is_ok() {
            return Ok(Err(ProposalRefusal::Catalog(catalog::Error::Conflict {
                field: "name".into(),
                message: format!("{name} is in the catalog already (/software/{slug}); its maintainers update it"),
            })));
        }
    }
    let text = String::from_utf8_lossy(bytes).into_owned();
    match store.propose(author, user_id, &name, country, &text).await {
        Ok(p) => Ok(Ok(p)),
        Err(e @ (catalog::Error::Conflict { .. } | catalog::Error::Invalid { .. })) => {
            Ok(Err(ProposalRefusal::Catalog(e)))
        }
        Err(e) => Err(e.into()),
    }
}

/// Accepts a waiting proposal: its document is imported, then the proposal names the
/// software it became.
pub async fn accept(
    store: &Store,
    author: &Author,
    id: i64,
) -> anyhow::Result<Result<(Proposal, ImportAnswer), ImportRefusal>> {
    let proposal = match store.proposal(id).await {
        Ok(p) => p,
        Err(e) => return Ok(Err(ImportRefusal::Catalog(e))),
    };
    if proposal.status != "waiting" {
        let message = format!("this proposal was {} already", proposal.status);
        return Ok(Err(ImportRefusal::Catalog(catalog::Error::Conflict { field: "status".into(), message })));
    }
    let options = PublicCodeImportOptions {
        country: Country::parse(&proposal.country).unwrap_or(Country::FR),
        today: chrono::Utc::now().date_naive(),
        source: format!("proposal {id}"),
        acting_for: None,
    };
    let answer = match import_bytes(store, &author.actor, proposal.publiccode.as_bytes(), &options).await? {
        Ok(a) => a,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let decided = store.decide_proposal(author, id, Some(&answer.slug), None).await?;
    Ok(Ok((decided, answer)))
}

/// The problem+json of an invalid publiccode.yml, each finding with its line.
pub fn invalid(report: &publiccode::Report) -> Response {
    let body = json!({
        "type": "about:blank",
        "title": "Invalid publiccode.yml",
        "status": 422,
        "field": "publiccode",
        "detail": format!("the file has {} error(s); nothing was proposed", report.errors.len()),
        "errors": report.errors,
        "warnings": report.warnings,
    });
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(header::CONTENT_TYPE, "application/problem+json")],
        serde_json::to_vec(&body).expect("findings serialise"),
    )
        .into_response()
}

fn writer_author(writer: &Writer, headers: &HeaderMap) -> Author {
    let once = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| catalog::contribution::once_key("Idempotency-Key", v).ok());
    Author { actor: writer.actor(), acting_for: writer.acting_for().map(str::to_string), once }
}

fn site_wide(writer: &Writer, what: &str) -> Result<(), Problem> {
    match writer.acting_for() {
        None => Ok(()),
        Some(mine) => Err(Problem {
            field: Some("Authorization".into()),
            ..Problem::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                format!("the token acts for {mine}; {what} needs a site administrator or the operator"),
            )
        }),
    }
}

fn id_of(id: &str) -> Result<i64, Problem> {
    id.parse().map_err(|_| Problem::not_found(format!("proposal not found: {id}")))
}

/// Proposes a new software by its publiccode.yml; it waits for a site administrator.
#[utoipa::path(post, path = "/api/v1/proposals", tag = "contributions", operation_id = "propose",
    params(crate::openapi::ImportQuery),
    request_body(content = String, content_type = "application/yaml", description = "A publiccode.yml"),
    security(("token" = [])),
    responses((status = 201, description = "The proposal, waiting", body = Proposal),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "In the catalog or proposed already, or too many of the person's wait", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not YAML", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid file, with each error and warning", content_type = "application/problem+json")))]
pub(crate) async fn create(
    State(s): State<AppState>,
    writer: Writer,
    headers: HeaderMap,
    p: Params,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    crate::guard::require_body_type(&headers, &crate::publiccode::YAML)?;
    p.allow_of::<crate::openapi::ImportQuery>()?;
    let country = p.parsed("country", Country::parse)?.unwrap_or(Country::FR);
    let body = body.map_err(|rejection| {
        Problem::new(
            rejection.status(),
            "Body refused",
            format!("{rejection}; a publiccode.yml is at most {} bytes", publiccode::MAX_FILE_BYTES),
        )
    })?;
    let user_id = writer.holder.user.as_ref().map(|u| u.id);
    match propose(&s.store, &writer_author(&writer, &headers), user_id, &body, country).await {
        Ok(Ok(proposal)) => {
            tracing::info!(token = %writer.label(), proposal = proposal.id, "software proposed");
            let mut r = (StatusCode::CREATED, Json(&proposal)).into_response();
            if let Ok(v) = format!("/api/v1/proposals/{}", proposal.id).parse() {
                r.headers_mut().insert(header::LOCATION, v);
            }
            Ok(r)
        }
        Ok(Err(ProposalRefusal::Invalid(report))) => Ok(invalid(&report)),
        Ok(Err(ProposalRefusal::Catalog(e))) => Err(e.into()),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "proposal failed");
            Err(Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
                "the proposal failed; the error is logged",
            ))
        }
    }
}

/// One proposal and what became of it.
#[utoipa::path(get, path = "/api/v1/proposals/{id}", tag = "contributions", operation_id = "proposal",
    params(("id" = i64, Path, description = "The proposal's id")),
    responses((status = 200, description = "The proposal", body = Proposal),
        (status = 404, description = "No such proposal", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn show(
    State(s): State<AppState>,
    Path(id): Path<String>,
    p: Params,
) -> Result<Json<Proposal>, Problem> {
    p.allow_of::<crate::openapi::NoQuery>()?;
    Ok(Json(s.store.proposal(id_of(&id)?).await?))
}

/// Accepts a proposal: its publiccode.yml is imported.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/accept", tag = "contributions", operation_id = "accept_proposal",
    params(("id" = i64, Path, description = "The proposal's id")),
    security(("token" = [])),
    responses((status = 200, description = "The proposal, accepted, and the import"),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a site administrator nor the operator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such proposal", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already, or the catalog refuses the document", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn accept_route(
    State(s): State<AppState>,
    Path(id): Path<String>,
    writer: Writer,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    site_wide(&writer, "accepting a proposal")?;
    let id = id_of(&id)?;
    match accept(&s.store, &writer_author(&writer, &headers), id).await {
        Ok(Ok((proposal, import))) => Ok(Json(json!({"proposal": proposal, "import": import})).into_response()),
        Ok(Err(ImportRefusal::Catalog(e))) => Err(e.into()),
        Ok(Err(ImportRefusal::Invalid(report))) => Ok(invalid(&report)),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "accepting a proposal failed");
            Err(Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
                "the import failed; the error is logged",
            ))
        }
    }
}

/// Why a proposal is refused.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectForm {
    /// Shown to the person who proposed it (500 characters at most).
    pub reason: String,
}

/// Refuses a proposal, with a reason.
#[utoipa::path(post, path = "/api/v1/proposals/{id}/reject", tag = "contributions", operation_id = "reject_proposal",
    params(("id" = i64, Path, description = "The proposal's id")),
    request_body(content = RejectForm, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 200, description = "The proposal, refused", body = Proposal),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a site administrator nor the operator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such proposal", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Decided already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn reject_route(
    State(s): State<AppState>,
    Path(id): Path<String>,
    writer: Writer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    site_wide(&writer, "refusing a proposal")?;
    let id = id_of(&id)?;
    crate::guard::require_body_type(&headers, &["application/json"])?;
    let body = body.map_err(|r| Problem::new(r.status(), "Body refused", r.to_string()))?;
    let form: RejectForm = serde_json::from_slice(&body).map_err(|e| Problem {
        field: Some("reason".into()),
        ..Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid input", format!("reason: {e}"))
    })?;
    let decided = s.store.decide_proposal(&writer_author(&writer, &headers), id, None, Some(&form.reason)).await?;
    Ok(Json(decided).into_response())
}
