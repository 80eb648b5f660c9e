//! Asking the adopters through the API: which adopters of a software can be asked, asking
//! them one question, reading one's questions and answering those sent to one's
//! organisation. A question is asked and answered by a person (a personal token, or a
//! session for the reads); the operator's tokens answer for nobody and are refused. The
//! store decides who may read a question (`Store::question`); the answers are personal
//! and never cached.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use catalog::question::{AnswerForm, AnsweringAdopter, Question, QuestionForm, Questions};
use catalog::User;

use crate::api::AppState;
use crate::auth::Writer;
use crate::contribute::{author, json, made, record_id, Body};
use crate::error::Error;
use crate::params::RecordSlug;
use crate::problem::Problem;
use crate::session::personal_answer as private;

/// The person behind a write: a person's token only.
fn person(writer: &Writer) -> Result<&User, Error> {
    writer.holder.user.as_ref().ok_or_else(|| {
        Error::forbidden(
            Some("Authorization"),
            "a question is asked and answered by a person: use a personal token made on your account page",
        )
    })
}

/// The organisation a person's write is for: the one named, which their token must act
/// for, else the token's.
fn for_organisation(writer: &Writer, named: Option<&str>) -> Result<String, Error> {
    let token = writer.holder.token.organisation.as_deref();
    match (named.map(str::trim).filter(|n| !n.is_empty()), token) {
        (Some(named), Some(mine)) if named != mine => {
            Err(Error::forbidden(Some("organisation"), format!("the token acts for {mine}, not for {named}")))
        }
        (Some(named), _) => Ok(named.to_string()),
        (None, Some(mine)) => Ok(mine.to_string()),
        (None, None) => Err(catalog::Error::invalid("organisation", "name the organisation you act for").into()),
    }
}

/// The person reading: a live token's (any scope) or the session's; the operator's tokens
/// have no questions.
async fn reader(s: &AppState, request: axum::extract::Request) -> Result<User, Response> {
    match crate::session::reader(s, request).await? {
        (Some(user), _) => Ok(user),
        (None, _) => {
            Err(Error::forbidden(None, "the operator's tokens have no questions: use a personal token").into_response())
        }
    }
}

/// The adopters of a software that can be asked a question: those that use it and have a
/// member who answers questions. No person is named.
#[utoipa::path(get, path = "/api/v1/software/{slug}/questions/recipients", tag = "questions",
    operation_id = "question_recipients",
    params(("slug" = String, Path, description = "The software's slug")),
    responses((status = 200, description = "The adopters that can be asked, by name", body = [AnsweringAdopter]),
        (status = 404, description = "No such software", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn recipients(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
) -> Result<Json<Vec<AnsweringAdopter>>, Error> {
    Ok(Json(s.store.answering_adopters(&slug).await?))
}

/// Asks adopters of a software one question. Their members who answer questions see it on
/// their page and in their daily digest; nobody's address is shown.
#[utoipa::path(post, path = "/api/v1/software/{slug}/questions", tag = "questions", operation_id = "ask_question",
    params(("slug" = String, Path, description = "The software's slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key, the question is asked once")),
    request_body(content = QuestionForm, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 201, description = "The question, asked", body = Question),
        (status = 200, description = "The same key was sent before: the question it asked", body = Question),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The operator's token, or one acting for another organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such software", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Too many questions today", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad fields, each named: an adopter that cannot be asked, words too short or too long", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn ask(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    writer: Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    let user = person(&writer)?.clone();
    let form: QuestionForm = json(&headers, body)?;
    let draft = form.validate()?;
    let organisation = for_organisation(&writer, form.organisation.as_deref())?;
    let written = s.store.ask_question(&author(&writer, &headers)?, &user, &organisation, &slug, &draft).await?;
    tracing::info!(question = written.record.id, software = %slug, by = %user.handle, "question asked");
    let location = format!("/api/v1/questions/{}", written.record.id);
    Ok(private(made(written, location)))
}

/// The person's questions: those they (or their organisations) asked, and those sent to
/// their organisations.
#[utoipa::path(get, path = "/api/v1/questions", tag = "questions", operation_id = "questions",
    security(("token" = []), ()),
    responses((status = 200, description = "Asked and received, newest first", body = Questions),
        (status = 401, description = "No live token or session", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list(State(s): State<AppState>, request: axum::extract::Request) -> Response {
    let user = match reader(&s, request).await {
        Ok(user) => user,
        Err(response) => return private(response),
    };
    private(match s.store.questions_of(&user).await {
        Ok(questions) => Json(questions).into_response(),
        Err(e) => Error::from(e).into_response(),
    })
}

/// One question with its answers, for the asker, the members of the organisation asking
/// and of those asked.
#[utoipa::path(get, path = "/api/v1/questions/{id}", tag = "questions", operation_id = "question",
    params(("id" = i64, Path, description = "The question's id")),
    security(("token" = []), ()),
    responses((status = 200, description = "The question and its answers", body = Question),
        (status = 401, description = "No live token or session", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such question, or not one the reader may see", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn show(
    State(s): State<AppState>,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> Response {
    let user = match reader(&s, request).await {
        Ok(user) => user,
        Err(response) => return private(response),
    };
    private(match record_id(&id, "question") {
        Err(p) => p.into_response(),
        Ok(id) => match s.store.question(id, &user).await {
            Ok(q) => Json(q).into_response(),
            Err(e) => Error::from(e).into_response(),
        },
    })
}

/// Answers a question sent to the organisation the person acts for.
#[utoipa::path(post, path = "/api/v1/questions/{id}/answers", tag = "questions", operation_id = "answer_question",
    params(("id" = i64, Path, description = "The question's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key, the answer is written once")),
    request_body(content = AnswerForm, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 201, description = "The question with the answer", body = Question),
        (status = 200, description = "The same key was sent before", body = Question),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The question was not sent to this organisation, or the token acts for another", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such question, or not one the person may see", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad fields, each named", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn answer(
    State(s): State<AppState>,
    Path(id): Path<String>,
    writer: Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    let id = record_id(&id, "question")?;
    let user = person(&writer)?.clone();
    let form: AnswerForm = json(&headers, body)?;
    let organisation = for_organisation(&writer, form.organisation.as_deref())?;
    let written = s.store.answer_question(&author(&writer, &headers)?, &user, id, &organisation, &form.body).await?;
    tracing::info!(question = id, by = %user.handle, "question answered");
    Ok(private(made(written, format!("/api/v1/questions/{id}"))))
}
