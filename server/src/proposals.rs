//! New software proposed through the API: anyone with a token that writes sends a
//! publiccode.yml, validated at once (its errors named with their lines), or the address
//! of a repository, whose publiccode.yml the next harvest reads and validates (`read`).
//! The proposal then waits for a site administrator, who accepts it (the document is
//! imported like any publiccode.yml) or refuses it with a reason. The pages
//! (`pages::proposals`) do the same.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use catalog::contribution::Author;
use catalog::{Country, Proposal, PublicCodeImportOptions, Store, Written};
use chrono::Utc;
use serde_json::json;

use crate::api::AppState;
use crate::auth::Writer;
use crate::contribute::{record_id, site_wide};
use crate::error::Error;
use crate::harvest::HarvestConfig;
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
) -> anyhow::Result<Result<Written<Proposal>, ProposalRefusal>> {
    let report = publiccode::validate(bytes);
    let Some(doc) = report.document.clone().filter(|_| report.is_valid()) else {
        return Ok(Err(ProposalRefusal::Invalid(Box::new(report))));
    };
    let name = doc.name.trim().to_string();
    if let Err(e) = not_in_catalog(store, &name).await? {
        return Ok(Err(ProposalRefusal::Catalog(e)));
    }
    let text = String::from_utf8_lossy(bytes).into_owned();
    refusal(store.propose(author, user_id, &name, country, &text).await)
}

/// Keeps the address of a repository as a proposal; the next harvest reads it.
pub async fn propose_repository(
    store: &Store,
    author: &Author,
    user_id: Option<i64>,
    url: &str,
    country: Country,
) -> anyhow::Result<Result<Written<Proposal>, ProposalRefusal>> {
    refusal(store.propose_repository(author, user_id, url, country).await)
}

/// A person's mistake as a refusal; the rest as an error.
fn refusal<T>(r: catalog::Result<T>) -> anyhow::Result<Result<T, ProposalRefusal>> {
    match r {
        Ok(p) => Ok(Ok(p)),
        Err(e @ (catalog::Error::Conflict { .. } | catalog::Error::Invalid { .. })) => {
            Ok(Err(ProposalRefusal::Catalog(e)))
        }
        Err(e) => Err(e.into()),
    }
}

/// Refuses the name of a software the catalog has already: its maintainers update it.
async fn not_in_catalog(store: &Store, name: &str) -> anyhow::Result<Result<(), catalog::Error>> {
    let Ok(slug) = catalog::Slug::from_name(name) else { return Ok(Ok(())) };
    match store.software(slug.as_str()).await {
        Ok(_) => Ok(Err(catalog::Error::Conflict {
            field: "name".into(),
            message: format!("{name} is in the catalog already (/software/{slug}); its maintainers update it"),
        })),
        Err(catalog::Error::NotFound { .. }) => Ok(Ok(())),
        Err(e) => Err(e.into()),
    }
}

/// Reads the repositories proposed since the last harvest (at most
/// `catalog::READ_PER_HARVEST` a run): each whose publiccode.yml is valid, and names a
/// software the catalog does not have, then waits for a decision; the others say why not.
/// Returns how many were read.
pub async fn read(store: &Store, config: &HarvestConfig) -> anyhow::Result<usize> {
    let proposed = store.proposals_to_read().await?;
    for p in &proposed {
        let Some(url) = p.repository.clone() else { continue };
        let settings = config.settings();
        let task = tokio::task::spawn_blocking(move || indexer::harvest::read_proposed(&url, &settings, Utc::now()));
        let read = match tokio::time::timeout(config.limits.timeout + Duration::from_secs(5), task).await {
            Ok(Ok(read)) => read.map_err(|f| format!("{}: {}", f.class, f.message)),
            Ok(Err(e)) => Err(format!("the reading stopped: {e}")),
            Err(_) => Err(format!("took longer than the limit of {} s", config.limits.timeout.as_secs())),
        };
        let found = match read {
            Err(why) => Err(why),
            Ok(file) if !file.valid => {
                let mut why = format!("{} is not valid:", file.path);
                for e in file.errors.iter().take(10) {
                    let at = if e.line > 0 { format!(" (line {})", e.line) } else { String::new() };
                    why.push_str(&format!(" {}{at}: {};", if e.key.is_empty() { "file" } else { &e.key }, e.message));
                }
                Err(why.trim_end_matches(';').to_string())
            }
            Ok(file) => match file.text {
                None => Err(format!("{} is not UTF-8", file.path)),
                Some(text) => match publiccode::validate(text.as_bytes()).document {
                    None => Err(format!("{} could not be read again", file.path)),
                    Some(doc) => {
                        let name = doc.name.trim().to_string();
                        match not_in_catalog(store, &name).await? {
                            Ok(()) => Ok((name, text)),
                            Err(e) => Err(e.to_string()),
                        }
                    }
                },
            },
        };
        let found = found.as_ref().map(|(name, text)| (name.as_str(), text.as_str())).map_err(String::as_str);
        let decided = store.proposal_read(p.id, found).await?;
        tracing::info!(proposal = p.id, status = %decided.status, "proposed repository read");
    }
    Ok(proposed.len())
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
    // The address the file was read from stays with the software, beside the `url` the
    // file names (often the same project on another forge, or its mirror).
    if let Some(url) = &proposal.repository {
        match store.add_repository(&author.actor, &answer.slug, url).await {
            // Listed already (the file's own `url`).
            Ok(_) | Err(catalog::Error::Conflict { .. }) => {}
            Err(e) => tracing::warn!(proposal = id, error = %e, "the proposed address was not kept"),
        }
    }
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

/// A software proposed by its repository's address.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepositoryProposal {
    /// The repository's address (https, http, git or ssh), with a publiccode.yml at its root.
    pub repository: String,
}

/// Proposes a new software: by its publiccode.yml (a YAML body), validated at once, or by
/// its repository's address (a JSON body), whose publiccode.yml the next harvest reads. It
/// then waits for a site administrator.
#[utoipa::path(post, path = "/api/v1/proposals", tag = "contributions", operation_id = "propose",
    params(crate::openapi::ImportQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key, the proposal is made once")),
    request_body(description = "A publiccode.yml (application/yaml), or a repository's address (application/json)",
        content((String = "application/yaml"), (RepositoryProposal = "application/json"))),
    security(("token" = [])),
    responses((status = 201, description = "The proposal: waiting, or reading for a repository", body = Proposal),
        (status = 200, description = "Sent again with the same Idempotency-Key: the proposal made the first time", body = Proposal),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "In the catalog or proposed already, or too many of the person's wait", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither YAML nor JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An invalid file, with each error and warning, or a refused address", content_type = "application/problem+json")))]
pub(crate) async fn create(
    State(s): State<AppState>,
    writer: Writer,
    headers: HeaderMap,
    p: Params,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let by_address = crate::guard::require_body_type(&headers, &["application/json"]).is_ok();
    if !by_address {
        let mut either = crate::publiccode::YAML.to_vec();
        either.push("application/json");
        crate::guard::require_body_type(&headers, &either)?;
    }
    p.allow_of::<crate::openapi::ImportQuery>()?;
    let country = p.parsed("country", Country::parse)?.unwrap_or(Country::FR);
    let author = crate::contribute::author(&writer, &headers)?;
    let body = body.map_err(|rejection| Error::BodyRefused {
        status: rejection.status(),
        detail: format!("{rejection}; a publiccode.yml is at most {} bytes", publiccode::MAX_FILE_BYTES),
    })?;
    let user_id = writer.holder.user.as_ref().map(|u| u.id);
    let made = if by_address {
        let form: RepositoryProposal =
            serde_json::from_slice(&body).map_err(|e| Error::invalid("repository", format!("body: {e}")))?;
        propose_repository(&s.store, &author, user_id, &form.repository, country).await
    } else {
        propose(&s.store, &author, user_id, &body, country).await
    };
    match made {
        Ok(Ok(Written { record: proposal, replayed })) => {
            tracing::info!(token = %writer.label(), proposal = proposal.id, replayed, "software proposed");
            let status = if replayed { StatusCode::OK } else { StatusCode::CREATED };
            let mut r = (status, Json(&proposal)).into_response();
            if let Ok(v) = format!("/api/v1/proposals/{}", proposal.id).parse() {
                r.headers_mut().insert(header::LOCATION, v);
            }
            Ok(r)
        }
        Ok(Err(ProposalRefusal::Invalid(report))) => Ok(invalid(&report)),
        Ok(Err(ProposalRefusal::Catalog(e))) => Err(e.into()),
        Err(e) => Err(Error::internal(format!("{e:#}"), "proposal failed", "the proposal failed; the error is logged")),
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
) -> Result<Json<Proposal>, Error> {
    p.allow_of::<crate::openapi::NoQuery>()?;
    Ok(Json(s.store.proposal(record_id(&id, "proposal")?).await?))
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
) -> Result<Response, Error> {
    site_wide(&writer, crate::auth::ACCEPT_PROPOSAL, "accepting a proposal")?;
    let id = record_id(&id, "proposal")?;
    match accept(&s.store, &crate::contribute::author(&writer, &headers)?, id).await {
        Ok(Ok((proposal, import))) => Ok(Json(json!({"proposal": proposal, "import": import})).into_response()),
        Ok(Err(ImportRefusal::Catalog(e))) => Err(e.into()),
        Ok(Err(ImportRefusal::Invalid(report))) => Ok(invalid(&report)),
        Err(e) => Err(Error::internal(
            format!("{e:#}"),
            "accepting a proposal failed",
            "the import failed; the error is logged",
        )),
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
) -> Result<Response, Error> {
    site_wide(&writer, crate::auth::REJECT_PROPOSAL, "refusing a proposal")?;
    let id = record_id(&id, "proposal")?;
    crate::guard::require_body_type(&headers, &["application/json"])?;
    let body = body.map_err(|r| Error::BodyRefused { status: r.status(), detail: r.to_string() })?;
    let form: RejectForm =
        serde_json::from_slice(&body).map_err(|e| Error::invalid("reason", format!("reason: {e}")))?;
    let decided =
        s.store.decide_proposal(&crate::contribute::author(&writer, &headers)?, id, None, Some(&form.reason)).await?;
    Ok(Json(decided).into_response())
}
