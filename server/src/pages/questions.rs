//! The pages of questions to adopters: the form that asks the adopters of a software (from
//! the "before you tender" report or the software's page), a person's questions, and one
//! question with its answers and the form that answers it. The rules are the store's and
//! the API's (`crate::questions`); a form carries its CSRF token and a one-time token, so
//! that posting it twice asks once. Every page is personal (`Cache-Control: no-store`).

// A refused request is answered with its page at once, as in the other form modules.
#![allow(clippy::result_large_err)]

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use catalog::question::{Question, QuestionForm, QuestionSummary, MAX_RECIPIENTS};
use catalog::Session;
use serde::Deserialize;
use web::{
    ActingFor, AdopterChoice, AnswerRow, AskPage, AskedRow, Choice, Chrome, FieldErrors, QuestionPage, QuestionRow,
    QuestionsPage, T,
};

use super::account::{admitted, page, personal, refused, see_other, to_login};
use super::contribute::{author, once};
use super::{here, language, PageContext};
use crate::api::AppState;
use crate::auth;
use crate::error::Error;
use crate::ratelimit::Peer;
use crate::session::Viewer;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/software/{slug}/ask", get(ask_form).post(ask))
        .route("/questions", get(list))
        .route("/questions/{id}", get(show))
        .route(auth::ANSWER_QUESTION_PAGE.path, post(answer))
}

/// A refused question's or answer's fields, in the page's language; `None` when the error
/// is not about the form (no such question or software).
fn field_errors(t: &T, e: &catalog::Error) -> Option<FieldErrors> {
    let message = |field: &str| match field {
        "to" => t.s("questions.error_to"),
        "body" => t.s("questions.error_body"),
        _ => t.s("form_error.acting_for"),
    };
    let fields: Vec<String> = match e {
        catalog::Error::Invalid { field, .. } => vec![field.clone()],
        catalog::Error::Fields(all) => all.iter().map(|(f, _)| f.clone()).collect(),
        catalog::Error::Forbidden(_) => vec!["organisation".into()],
        catalog::Error::Conflict { .. } => {
            return Some(FieldErrors(vec![("body".into(), t.s("questions.error_too_many").into())]))
        }
        _ => return None,
    };
    let mut errors: Vec<(String, String)> = Vec::new();
    for f in fields {
        let f = if f.starts_with("organisation") { "organisation".to_string() } else { f };
        if !errors.iter().any(|(g, _)| *g == f) {
            let m = message(&f).to_string();
            errors.push((f, m));
        }
    }
    Some(FieldErrors(errors))
}

/// The person's organisations, as the form's choices.
async fn choices(s: &AppState, session: &Session) -> Result<Vec<Choice>, catalog::Error> {
    Ok(s.store
        .memberships(session.user.id)
        .await?
        .into_iter()
        .map(|m| Choice { value: m.organisation.slug, label: m.organisation.name })
        .collect())
}

#[derive(Deserialize)]
struct AskQuery {
    /// The organisation the report was prepared for: the one to ask for, if the person
    /// acts for it.
    #[serde(rename = "for")]
    for_organisation: Option<String>,
    /// The report to go back to.
    back: Option<String>,
}

/// What the ask form holds, as typed.
#[derive(Default)]
struct AskValues {
    organisation: String,
    to: Vec<String>,
    body: String,
    back: Option<String>,
}

/// Only a report of this site is a place to go back to.
fn back_to(b: Option<&str>) -> Option<String> {
    let b = crate::guard::safe_next(b);
    b.starts_with("/tender").then_some(b)
}

async fn ask_form(
    State(s): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    uri: Uri,
    Path(slug): Path<String>,
    Query(q): Query<AskQuery>,
) -> Response {
    let Some(session) = &viewer.0 else { return to_login(&here(&uri)) };
    let values = AskValues {
        organisation: q.for_organisation.unwrap_or_default(),
        back: back_to(q.back.as_deref()),
        ..AskValues::default()
    };
    ask_page(&s, session, &headers, &slug, values, FieldErrors::default(), StatusCode::OK).await
}

async fn ask_page(
    s: &AppState,
    session: &Session,
    headers: &HeaderMap,
    slug: &str,
    values: AskValues,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let lang = language(headers);
    let t = T::new(lang);
    let path = format!("/software/{slug}/ask");
    let loaded = async {
        let software = s.store.software(slug).await?;
        let acting = choices(s, session).await?;
        let adopters = s.store.answering_adopters(slug).await?;
        Ok::<_, catalog::Error>((software, acting, adopters))
    }
    .await;
    let (software, acting, adopters) = match loaded {
        Ok(l) => l,
        Err(e) => return refused(e.into()),
    };
    // One's own organisations are not asked.
    let adopters: Vec<_> =
        adopters.into_iter().filter(|a| !acting.iter().any(|c| c.value == a.organisation.slug)).collect();
    let fresh = values.to.is_empty() && errors.is_empty();
    let organisation = if acting.iter().any(|c| c.value == values.organisation) {
        values.organisation.clone()
    } else {
        acting.first().map(|c| c.value.clone()).unwrap_or_default()
    };
    let view = AskPage {
        chrome: Chrome::new(lang, path, t.fill("title.ask", &software.name), ""),
        software: (software.slug.clone(), software.name.clone()),
        acting: ActingFor { free: false, choices: acting },
        organisation,
        // A first form asks them all when they are few enough for one question.
        adopters: adopters
            .iter()
            .map(|a| AdopterChoice {
                slug: a.organisation.slug.clone(),
                name: a.organisation.name.clone(),
                population: a.population,
                since: a.since,
                status: t.word("adoption", &a.status),
                checked: if fresh {
                    adopters.len() <= MAX_RECIPIENTS
                } else {
                    values.to.contains(&a.organisation.slug)
                },
            })
            .collect(),
        body: values.body,
        errors,
        csrf: session.csrf.clone(),
        once: once(),
        back: values.back,
        max: MAX_RECIPIENTS,
    };
    page(lang, status, &view)
}

async fn ask(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(slug): Path<String>,
    body: Bytes,
) -> Response {
    let mut csrf = String::new();
    let mut once = String::new();
    let mut values = AskValues::default();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "csrf" => csrf = v.into_owned(),
            "once" => once = v.into_owned(),
            "organisation" => values.organisation = v.into_owned(),
            "to" => values.to.push(v.into_owned()),
            "body" => values.body = v.into_owned(),
            "back" => values.back = back_to(Some(&v)),
            _ => {}
        }
    }
    let path = format!("/software/{slug}/ask");
    let session = match admitted(&s, &viewer, &peer, &headers, &csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let t = T::new(lang);
    let form = QuestionForm { organisation: None, to: values.to.clone(), body: values.body.clone() };
    let asked = match form.validate() {
        Ok(draft) => {
            let author = author(session, Some(values.organisation.trim()), &once);
            s.store.ask_question(&author, &session.user, values.organisation.trim(), &slug, &draft).await
        }
        Err(e) => Err(e),
    };
    match asked {
        Ok(written) => {
            tracing::info!(question = written.record.id, software = %slug, by = %session.user.handle, "question asked");
            personal(see_other(&format!("/questions/{}?done=asked", written.record.id)))
        }
        Err(e) => match field_errors(&t, &e) {
            Some(errors) => {
                ask_page(&s, session, &headers, &slug, values, errors, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => refused(e.into()),
        },
    }
}

fn row(q: &QuestionSummary) -> QuestionRow {
    QuestionRow {
        id: q.id,
        software: (q.software.clone(), q.software_name.clone()),
        by: q.by.name.clone(),
        by_organisation: (q.by.organisation.slug.clone(), q.by.organisation.name.clone()),
        excerpt: q.excerpt.clone(),
        created: q.created_at.date_naive(),
        asked: q.asked,
        answered: q.answered,
        answered_by_us: q.answered_by_us,
    }
}

async fn list(State(s): State<AppState>, viewer: Viewer, cx: PageContext) -> Response {
    let Some(session) = &viewer.0 else { return to_login("/questions") };
    let lang = cx.lang;
    let t = T::new(lang);
    match s.store.questions_of(&session.user).await {
        Ok(q) => {
            let view = QuestionsPage {
                chrome: Chrome::new(lang, "/questions", t.s("title.questions"), ""),
                asked: q.asked.iter().map(row).collect(),
                received: q.received.iter().map(row).collect(),
            };
            page(lang, StatusCode::OK, &view)
        }
        Err(e) => refused(e.into()),
    }
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

async fn show(
    State(s): State<AppState>,
    viewer: Viewer,
    cx: PageContext,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(d): Query<Done>,
) -> Response {
    let Some(session) = &viewer.0 else { return to_login(&here(&uri)) };
    let t = cx.t();
    let notice = match d.done.as_deref() {
        Some("asked") => Some(t.s("questions.asked_notice").to_string()),
        Some("answered") => Some(t.s("questions.answered_notice").to_string()),
        _ => None,
    };
    thread(&s, session, &headers, &id, notice, String::new(), FieldErrors::default(), StatusCode::OK).await
}

#[allow(clippy::too_many_arguments)]
async fn thread(
    s: &AppState,
    session: &Session,
    headers: &HeaderMap,
    id: &str,
    notice: Option<String>,
    answer_body: String,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let lang = language(headers);
    let t = T::new(lang);
    let path = format!("/questions/{id}");
    let Ok(number) = id.parse::<i64>() else {
        return refused(Error::NotFound(format!("question not found: {id}")));
    };
    let loaded = async {
        let q = s.store.question(number, &session.user).await?;
        let mine = choices(s, session).await?;
        Ok::<_, catalog::Error>((q, mine))
    }
    .await;
    let (q, mine): (Question, Vec<Choice>) = match loaded {
        Ok(l) => l,
        Err(e) => return refused(e.into()),
    };
    let answer_as: Vec<Choice> =
        mine.into_iter().filter(|c| q.to.iter().any(|a| a.organisation.slug == c.value)).collect();
    let view = QuestionPage {
        chrome: Chrome::new(lang, path, t.fill("title.question", &q.software_name), ""),
        id: q.id,
        software: (q.software.clone(), q.software_name.clone()),
        by: q.by.name.clone(),
        by_organisation: (q.by.organisation.slug.clone(), q.by.organisation.name.clone()),
        body: q.body.clone(),
        created: q.created_at.date_naive(),
        to: q
            .to
            .iter()
            .map(|a| AskedRow {
                organisation: (a.organisation.slug.clone(), a.organisation.name.clone()),
                answered: a.answered,
            })
            .collect(),
        answers: q
            .answers
            .iter()
            .map(|a| AnswerRow {
                id: a.id,
                by: a.by.name.clone(),
                organisation: (a.by.organisation.slug.clone(), a.by.organisation.name.clone()),
                body: a.body.clone(),
                created: a.created_at.date_naive(),
            })
            .collect(),
        answer_as: ActingFor { free: false, choices: answer_as },
        answer_body,
        errors,
        notice,
        csrf: session.csrf.clone(),
        once: once(),
    };
    page(lang, status, &view)
}

#[derive(Deserialize)]
struct AnswerPost {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    once: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    body: String,
}

async fn answer(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<AnswerPost>,
) -> Response {
    let path = format!("/questions/{id}");
    let session = match admitted(&s, &viewer, &peer, &headers, &f.csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let t = T::new(lang);
    let Ok(number) = id.parse::<i64>() else {
        return refused(Error::NotFound(format!("question not found: {id}")));
    };
    let author = author(session, Some(f.organisation.trim()), &f.once);
    match s.store.answer_question(&author, &session.user, number, f.organisation.trim(), &f.body).await {
        Ok(_) => {
            tracing::info!(question = number, by = %session.user.handle, "question answered");
            personal(see_other(&format!("/questions/{number}?done=answered#answers-h")))
        }
        Err(e) => match field_errors(&t, &e) {
            Some(errors) => {
                thread(&s, session, &headers, &id, None, f.body, errors, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => refused(e.into()),
        },
    }
}
