//! Proposing a new software through the pages (by its repository's address, by its
//! publiccode.yml pasted or uploaded, or by a form that becomes one), and a site
//! administrator's decisions: the same checks as the API (`crate::proposals`), with the
//! validator's findings shown on the form that was sent.

// A refused request is answered with its page at once: the helpers return the response
// itself as their error, as axum's own rejections do.
#![allow(clippy::result_large_err)]

use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use catalog::contribution::Author;
use catalog::proposal::SoftwareDescription;
use catalog::{Actor, Country, Proposal, Session};
use serde::Deserialize;
use web::{Chrome, FieldErrors, FormValues, ProposalRow, ProposalsPage, ProposePage, T};

use super::account::{admitted, page, personal, refused, see_other, to_login};
use super::{language, PageContext};
use crate::api::AppState;
use crate::auth;
use crate::error::Error;
use crate::proposals::ProposalRefusal;
use crate::publiccode::ImportRefusal;
use crate::ratelimit::Peer;
use crate::session::Viewer;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(auth::PROPOSE_PAGE.path, get(form).post(propose))
        .route("/admin/proposals", get(waiting))
        .route(auth::DECIDE_PROPOSAL_PAGE.path, post(decide))
}

fn row(p: &Proposal) -> ProposalRow {
    ProposalRow {
        id: p.id,
        name: p.name.clone(),
        proposed_by: p.proposed_by.clone(),
        created: p.created_at.date_naive(),
        status: p.status.clone(),
        reason: p.reason.clone(),
        software: p.software.clone(),
        publiccode: p.publiccode.clone(),
        repository: p.repository.clone(),
    }
}

fn author(session: &Session, once: &str) -> Author {
    Author {
        actor: Actor::User { handle: session.user.handle.clone(), token: None },
        acting_for: None,
        once: catalog::contribution::once_key("once", once).ok(),
    }
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

async fn form(
    State(s): State<AppState>,
    viewer: Viewer,
    cx: PageContext,
    headers: HeaderMap,
    Query(d): Query<Done>,
) -> Response {
    let Some(session) = &viewer.0 else { return to_login("/propose") };
    let t = cx.t();
    let notice = d.done.as_deref().and_then(|d| match d {
        "proposed" => Some(t.s("propose.proposed").to_string()),
        "reading" => Some(t.s("propose.reading").to_string()),
        _ => None,
    });
    let view = View { notice, ..View::default() };
    propose_page(&s, session, &headers, view, StatusCode::OK).await
}

/// What the forms show besides the person's proposals: what was sent, and what is wrong
/// with it, on the form of the way it was sent.
#[derive(Default)]
struct View {
    way: String,
    repository: String,
    repository_errors: FieldErrors,
    publiccode: String,
    country: String,
    findings: Vec<String>,
    errors: FieldErrors,
    described: SoftwareDescription,
    described_errors: FieldErrors,
    notice: Option<String>,
}

async fn propose_page(s: &AppState, session: &Session, headers: &HeaderMap, v: View, status: StatusCode) -> Response {
    let lang = language(headers);
    let t = T::new(lang);
    let mine = match s.store.proposals_of(&session.user.handle).await {
        Ok(m) => m,
        Err(e) => return refused(e.into()),
    };
    let described = match serde_json::to_value(&v.described) {
        Ok(serde_json::Value::Object(fields)) => {
            fields.into_iter().filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_string()))).collect()
        }
        _ => Default::default(),
    };
    let view = ProposePage {
        chrome: Chrome::new(lang, "/propose", t.s("propose.title"), ""),
        way: v.way,
        repository: v.repository,
        repository_errors: v.repository_errors,
        publiccode: v.publiccode,
        country: if v.country.is_empty() { "FR".into() } else { v.country },
        findings: v.findings,
        errors: v.errors,
        described: FormValues(described),
        described_errors: v.described_errors,
        mine: mine.iter().map(row).collect(),
        notice: v.notice,
        csrf: session.csrf.clone(),
        once: catalog::token::random_hex().unwrap_or_default(),
    };
    page(lang, status, &view)
}

/// What one of the three forms sent: the fields of all three, each form filling its own.
#[derive(Deserialize, Default)]
struct ProposePost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    once: String,
    /// `repository`, `file` or `form`.
    #[serde(default)]
    way: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    repository: String,
    #[serde(default)]
    publiccode: String,
    #[serde(flatten)]
    described: SoftwareDescription,
}

/// Reads the form, a multipart one when it carries a file: the file, when one was chosen,
/// stands for the pasted text.
async fn read_post(request: Request) -> Result<ProposePost, String> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let Form(post) = Form::<ProposePost>::from_request(request, &()).await.map_err(|e| e.body_text())?;
        return Ok(post);
    }
    let mut parts = Multipart::from_request(request, &()).await.map_err(|e| e.body_text())?;
    let mut post = ProposePost::default();
    let mut file: Option<Vec<u8>> = None;
    while let Some(part) = parts.next_field().await.map_err(|e| e.body_text())? {
        let name = part.name().unwrap_or_default().to_string();
        let chosen = part.file_name().is_some_and(|f| !f.is_empty());
        let bytes = part.bytes().await.map_err(|e| e.body_text())?;
        if bytes.len() > publiccode::MAX_FILE_BYTES {
            return Err(format!("{name}: larger than {} bytes", publiccode::MAX_FILE_BYTES));
        }
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf" => post.csrf = text(),
            "once" => post.once = text(),
            "way" => post.way = text(),
            "country" => post.country = text(),
            "publiccode" => post.publiccode = text(),
            "file" if chosen => file = Some(bytes.to_vec()),
            _ => {}
        }
    }
    if let Some(file) = file {
        post.publiccode = String::from_utf8(file).map_err(|_| "file: not UTF-8 text".to_string())?;
    }
    Ok(post)
}

async fn propose(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let f = match read_post(request).await {
        Ok(f) => f,
        Err(why) => return refused(Error::BadRequest(why)),
    };
    let session = match admitted(&s, &viewer, &peer, &headers, &f.csrf, "/propose") {
        Ok(session) => session,
        Err(r) => return r,
    };
    let country = Country::parse(&f.country).unwrap_or(Country::FR);
    let author = author(session, &f.once);
    let user = Some(session.user.id);
    let mut view = View { way: f.way.clone(), country: country.code().to_string(), ..View::default() };
    let result = match f.way.as_str() {
        "repository" => {
            view.repository = f.repository.clone();
            crate::proposals::propose_repository(&s.store, &author, user, &f.repository, country).await
        }
        "form" => {
            view.described = f.described.clone();
            match f.described.publiccode(s.store.address_policy()) {
                Ok(yaml) => crate::proposals::propose(&s.store, &author, user, yaml.as_bytes(), country).await,
                Err(e) => Ok(Err(ProposalRefusal::Catalog(e))),
            }
        }
        _ => {
            view.way = "file".into();
            view.publiccode = f.publiccode.clone();
            crate::proposals::propose(&s.store, &author, user, f.publiccode.as_bytes(), country).await
        }
    };
    let errors = |e: catalog::Error, default: &str| match e {
        catalog::Error::Fields(all) => FieldErrors(all),
        catalog::Error::Invalid { field, message } | catalog::Error::Conflict { field, message } => {
            FieldErrors(vec![(field, message)])
        }
        other => FieldErrors(vec![(default.to_string(), other.to_string())]),
    };
    let status = match result {
        Ok(Ok(written)) if written.record.status == "reading" => return personal(see_other("/propose?done=reading")),
        Ok(Ok(_)) => return personal(see_other("/propose?done=proposed")),
        Ok(Err(ProposalRefusal::Invalid(report))) => {
            view.findings =
                report.errors.iter().map(|e| crate::publiccode::finding_line("publiccode.yml", "", e)).collect();
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Ok(Err(ProposalRefusal::Catalog(e))) => {
            let status = if matches!(e, catalog::Error::Conflict { .. }) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            // Each refusal names its field, shown on the form of the way it was sent.
            match view.way.as_str() {
                "repository" => view.repository_errors = errors(e, "repository"),
                "form" => view.described_errors = errors(e, "name"),
                _ => view.errors = errors(e, "publiccode"),
            }
            status
        }
        Err(e) => return refused(Error::from(e)),
    };
    propose_page(&s, session, &headers, view, status).await
}

async fn waiting(
    State(s): State<AppState>,
    viewer: Viewer,
    cx: PageContext,
    headers: HeaderMap,
    Query(d): Query<Done>,
) -> Response {
    let Some(session) = &viewer.0 else { return to_login("/admin/proposals") };
    let lang = cx.lang;
    let t = T::new(lang);
    let notice = d.done.as_deref().and_then(|d| match d {
        "accepted" => Some(t.s("propose.accepted").to_string()),
        "rejected" => Some(t.s("propose.rejected").to_string()),
        _ => None,
    });
    waiting_page(&s, session, &headers, notice, None, StatusCode::OK).await
}

async fn waiting_page(
    s: &AppState,
    session: &Session,
    headers: &HeaderMap,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let lang = language(headers);
    let t = T::new(lang);
    if !session.user.site_admin {
        return refused(Error::forbidden(None, t.s("error.forbidden_text")));
    }
    let waiting = match s.store.proposals("waiting", 200).await {
        Ok(w) => w,
        Err(e) => return refused(e.into()),
    };
    let view = ProposalsPage {
        chrome: Chrome::new(lang, "/admin/proposals", t.s("propose.waiting_title"), ""),
        waiting: waiting.iter().map(row).collect(),
        notice,
        problem,
        csrf: session.csrf.clone(),
        once: catalog::token::random_hex().unwrap_or_default(),
    };
    page(lang, status, &view)
}

#[derive(Deserialize, Default)]
struct Decision {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    once: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Decision>,
) -> Response {
    let path = "/admin/proposals";
    let session = match admitted(&s, &viewer, &peer, &headers, &f.csrf, path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let t = T::new(lang);
    if !session.user.site_admin {
        return refused(Error::forbidden(None, t.s("error.forbidden_text")));
    }
    let Ok(id) = id.parse::<i64>() else {
        return refused(catalog::Error::not_found("proposal", id).into());
    };
    let author = author(session, &f.once);
    let problem = match f.decision.as_str() {
        "accept" => match crate::proposals::accept(&s.store, &author, id).await {
            Ok(Ok(_)) => return personal(see_other("/admin/proposals?done=accepted")),
            Ok(Err(ImportRefusal::Catalog(e))) => e.to_string(),
            Ok(Err(ImportRefusal::Invalid(report))) => format!("{} error(s) in the file", report.errors.len()),
            Err(e) => return refused(Error::from(e)),
        },
        "reject" => match s.store.decide_proposal(&author, id, None, Some(&f.reason)).await {
            Ok(_) => return personal(see_other("/admin/proposals?done=rejected")),
            Err(catalog::Error::Invalid { .. }) => t.s("propose.reason").to_string(),
            Err(e) => e.to_string(),
        },
        other => format!("decision: {other:?} is not accept or reject"),
    };
    waiting_page(&s, session, &headers, None, Some(problem), StatusCode::UNPROCESSABLE_ENTITY).await
}
