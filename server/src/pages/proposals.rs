//! Proposing a new software through the pages, and a site administrator's decisions: the
//! same checks as the API (`crate::proposals`), with the validator's findings shown on the
//! form.

// A refused request is answered with its page at once: the helpers return the response
// itself as their error, as axum's own rejections do.
#![allow(clippy::result_large_err)]

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use catalog::contribution::Author;
use catalog::{Actor, Country, Proposal, Session};
use serde::Deserialize;
use web::{Chrome, FieldErrors, ProposalRow, ProposalsPage, ProposePage, T};

use super::account::{admitted, page, personal, refused, see_other, to_login};
use super::{language, PageError};
use crate::api::AppState;
use crate::auth;
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

async fn form(State(s): State<AppState>, viewer: Viewer, headers: HeaderMap, Query(d): Query<Done>) -> Response {
    let Some(session) = &viewer.0 else { return to_login("/propose") };
    let t = T::new(language(&headers));
    let notice = d.done.filter(|d| d == "proposed").map(|_| t.s("propose.proposed").to_string());
    let view = View {
        publiccode: String::new(),
        country: "FR".into(),
        findings: Vec::new(),
        errors: FieldErrors::default(),
        notice,
    };
    propose_page(&s, session, &headers, view, StatusCode::OK).await
}

/// What the form shows besides the person's proposals.
struct View {
    publiccode: String,
    country: String,
    findings: Vec<String>,
    errors: FieldErrors,
    notice: Option<String>,
}

async fn propose_page(s: &AppState, session: &Session, headers: &HeaderMap, v: View, status: StatusCode) -> Response {
    let lang = language(headers);
    let t = T::new(lang);
    let mine = match s.store.proposals_of(&session.user.handle).await {
        Ok(m) => m,
        Err(e) => return refused(lang, "/propose", e.into()),
    };
    let view = ProposePage {
        chrome: Chrome::new(lang, "/propose", t.s("propose.title"), ""),
        publiccode: v.publiccode,
        country: v.country,
        findings: v.findings,
        errors: v.errors,
        mine: mine.iter().map(row).collect(),
        notice: v.notice,
        csrf: session.csrf.clone(),
        once: catalog::token::random_hex().unwrap_or_default(),
    };
    page(lang, status, &view)
}

#[derive(Deserialize, Default)]
struct ProposePost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    once: String,
    #[serde(default)]
    publiccode: String,
    #[serde(default)]
    country: String,
}

async fn propose(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    headers: HeaderMap,
    Form(f): Form<ProposePost>,
) -> Response {
    let session = match admitted(&s, &viewer, &peer, &headers, &f.csrf, "/propose") {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = language(&headers);
    let country = Country::parse(&f.country).unwrap_or(Country::FR);
    let result = crate::proposals::propose(
        &s.store,
        &author(session, &f.once),
        Some(session.user.id),
        f.publiccode.as_bytes(),
        country,
    )
    .await;
    let refused_with = |findings: Vec<String>, errors: FieldErrors| View {
        publiccode: f.publiccode.clone(),
        country: country.code().to_string(),
        findings,
        errors,
        notice: None,
    };
    match result {
        Ok(Ok(_)) => personal(see_other("/propose?done=proposed")),
        Ok(Err(ProposalRefusal::Invalid(report))) => {
            let findings =
                report.errors.iter().map(|e| crate::publiccode::finding_line("publiccode.yml", "", e)).collect();
            propose_page(
                &s,
                session,
                &headers,
                refused_with(findings, FieldErrors::default()),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Ok(Err(ProposalRefusal::Catalog(e))) => {
            // The catalog's reason names the software or the limit; shown as it is.
            let errors = FieldErrors(vec![("publiccode".into(), e.to_string())]);
            propose_page(&s, session, &headers, refused_with(Vec::new(), errors), StatusCode::CONFLICT).await
        }
        Err(e) => refused(lang, "/propose", PageError::Internal(e)),
    }
}

async fn waiting(State(s): State<AppState>, viewer: Viewer, headers: HeaderMap, Query(d): Query<Done>) -> Response {
    let Some(session) = &viewer.0 else { return to_login("/admin/proposals") };
    let lang = language(&headers);
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
        return refused(lang, "/admin/proposals", PageError::Forbidden(t.s("error.forbidden_text").into()));
    }
    let waiting = match s.store.proposals("waiting", 200).await {
        Ok(w) => w,
        Err(e) => return refused(lang, "/admin/proposals", e.into()),
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
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Decision>,
) -> Response {
    let path = "/admin/proposals";
    let session = match admitted(&s, &viewer, &peer, &headers, &f.csrf, path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = language(&headers);
    let t = T::new(lang);
    if !session.user.site_admin {
        return refused(lang, path, PageError::Forbidden(t.s("error.forbidden_text").into()));
    }
    let Ok(id) = id.parse::<i64>() else {
        return refused(lang, path, catalog::Error::not_found("proposal", id).into());
    };
    let author = author(session, &f.once);
    let problem = match f.decision.as_str() {
        "accept" => match crate::proposals::accept(&s.store, &author, id).await {
            Ok(Ok(_)) => return personal(see_other("/admin/proposals?done=accepted")),
            Ok(Err(ImportRefusal::Catalog(e))) => e.to_string(),
            Ok(Err(ImportRefusal::Invalid(report))) => format!("{} error(s) in the file", report.errors.len()),
            Err(e) => return refused(lang, path, PageError::Internal(e)),
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
