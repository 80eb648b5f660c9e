//! What a request can fail with: one enum for the API and the pages. Each kind knows its
//! status and its title; it is written as an RFC 9457 `application/problem+json` (the
//! [`Problem`](crate::problem::Problem)), and the pages' layer turns the same answer into
//! an error page in the reader's language (`pages::error_pages`). Internal details are
//! logged where they happen, never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::problem::{FieldProblem, Problem};

/// What a client is told to wait when the database does not answer.
pub const UNAVAILABLE_RETRY_SECONDS: u64 = 5;

#[derive(Debug)]
pub enum Error {
    /// 400: a query parameter the route cannot read, named.
    BadParameter { field: String, detail: String },
    /// 400: a request a page cannot answer (a form's or an address's mistake).
    BadRequest(String),
    /// 400: a body that is not JSON at all; `field` is "body".
    Malformed { field: String, detail: String },
    /// A body the server would not read whole (too large: 413, cut short: 400).
    BodyRefused { status: StatusCode, detail: String },
    /// A refusal an extractor or a layer wrote by itself (405, 408, …), passed on.
    Refused { status: StatusCode, detail: String },
    /// 401: no live token or session; always about `Authorization`.
    Unauthorized(String),
    /// 403: known, but not allowed; `field` names what decided, when one thing did.
    Forbidden { field: Option<String>, detail: String },
    /// 404.
    NotFound(String),
    /// 409: the record is not in a state to take this; `field` names why.
    Conflict { field: String, detail: String },
    /// 410: hidden by a site administrator; the detail says when and why.
    Gone(String),
    /// 415: about `Content-Type`.
    UnsupportedMediaType(String),
    /// 421: about `Host`.
    Misdirected(String),
    /// 422: fields refused; `each` lists them when there are several.
    Invalid { field: Option<String>, detail: String, each: Option<Vec<FieldProblem>> },
    /// 429, to be tried again after `retry_after` seconds.
    TooManyRequests { retry_after: u64 },
    /// 503: the database does not answer for now.
    Unavailable,
    /// 503 from a probe: the server cannot serve yet.
    NotReady { detail: String, retry_after: u64 },
    /// 500: the cause is logged where it happened; the client reads only this.
    Internal(&'static str),
}

/// The default detail of an internal error.
const INTERNAL: &str = "the server could not answer; the error is logged";

impl Error {
    pub fn not_found(detail: impl Into<String>) -> Error {
        Error::NotFound(detail.into())
    }

    pub fn bad_parameter(name: &str, detail: impl Into<String>) -> Error {
        Error::BadParameter { field: name.to_string(), detail: format!("{name}: {}", detail.into()) }
    }

    pub fn forbidden(field: Option<&str>, detail: impl Into<String>) -> Error {
        Error::Forbidden { field: field.map(str::to_string), detail: detail.into() }
    }

    pub fn invalid(field: &str, detail: impl Into<String>) -> Error {
        Error::Invalid { field: Some(field.to_string()), detail: detail.into(), each: None }
    }

    /// A record a site administrator hid: gone, with why.
    pub fn gone(h: &catalog::Hidden) -> Error {
        Error::Gone(format!(
            "{} {} was hidden on {} by a site administrator: {}",
            h.entity.replace('_', " "),
            h.id,
            h.hidden_at.date_naive(),
            h.reason
        ))
    }

    /// An internal failure, logged here with what failed; the client is told `detail`.
    pub fn internal(cause: impl std::fmt::Display, what: &str, detail: &'static str) -> Error {
        tracing::error!(error = %cause, "{what}");
        Error::Internal(detail)
    }

    /// A missing record named in the reader's words, any other error as it is.
    pub fn or_missing(self, missing: impl FnOnce() -> String) -> Error {
        match self {
            Error::NotFound(_) => Error::NotFound(missing()),
            other => other,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadParameter { .. } | Error::BadRequest(_) | Error::Malformed { .. } => StatusCode::BAD_REQUEST,
            Error::BodyRefused { status, .. } | Error::Refused { status, .. } => *status,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden { .. } => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict { .. } => StatusCode::CONFLICT,
            Error::Gone(_) => StatusCode::GONE,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Misdirected(_) => StatusCode::MISDIRECTED_REQUEST,
            Error::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable | Error::NotReady { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The field at fault, when one is.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::BadParameter { field, .. } | Error::Malformed { field, .. } | Error::Conflict { field, .. } => {
                Some(field)
            }
            Error::Forbidden { field, .. } | Error::Invalid { field, .. } => field.as_deref(),
            Error::Unauthorized(_) => Some("Authorization"),
            Error::UnsupportedMediaType(_) => Some("Content-Type"),
            Error::Misdirected(_) => Some("Host"),
            _ => None,
        }
    }

    /// What the client is told.
    pub fn detail(&self) -> String {
        match self {
            Error::BadParameter { detail, .. }
            | Error::BadRequest(detail)
            | Error::Malformed { detail, .. }
            | Error::BodyRefused { detail, .. }
            | Error::Refused { detail, .. }
            | Error::Unauthorized(detail)
            | Error::Forbidden { detail, .. }
            | Error::NotFound(detail)
            | Error::Conflict { detail, .. }
            | Error::Gone(detail)
            | Error::UnsupportedMediaType(detail)
            | Error::Misdirected(detail)
            | Error::Invalid { detail, .. }
            | Error::NotReady { detail, .. } => detail.clone(),
            Error::TooManyRequests { retry_after } => {
                format!("too many tries from this client or account; try again in {retry_after} s")
            }
            Error::Unavailable => "the database does not answer; try again shortly".to_string(),
            Error::Internal(detail) => detail.to_string(),
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Error::BadParameter { .. } => "Bad query parameter",
            Error::BadRequest(_) => "Bad request",
            Error::Malformed { .. } | Error::Invalid { .. } => "Invalid input",
            Error::BodyRefused { .. } => "Body refused",
            Error::Refused { .. } => "Request refused",
            Error::Unauthorized(_) => "Unauthorized",
            Error::Forbidden { .. } => "Forbidden",
            Error::NotFound(_) => "Not found",
            Error::Conflict { .. } => "Conflict",
            Error::Gone(_) => "Gone",
            Error::UnsupportedMediaType(_) => "Unsupported media type",
            Error::Misdirected(_) => "Misdirected request",
            Error::TooManyRequests { .. } => "Too many requests",
            Error::Unavailable => "Unavailable",
            Error::NotReady { .. } => "Not ready",
            Error::Internal(_) => "Internal error",
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            Error::TooManyRequests { retry_after } | Error::NotReady { retry_after, .. } => Some(*retry_after),
            Error::Unavailable => Some(UNAVAILABLE_RETRY_SECONDS),
            _ => None,
        }
    }

    /// The RFC 9457 document of this error.
    pub fn problem(&self) -> Problem {
        Problem {
            kind: "about:blank",
            title: self.title(),
            status: self.status().as_u16(),
            detail: self.detail(),
            field: self.field().map(str::to_string),
            errors: match self {
                Error::Invalid { each: Some(each), .. } => Some(Box::new(each.clone())),
                _ => None,
            },
        }
    }

    /// How a page shows this error: its status, the i18n key of its title, and its message
    /// (`None`: the title's own explanation, for what the reader cannot act on). A page
    /// answers 400 to any input it refuses, as a form does.
    pub fn shown(&self) -> Shown {
        let (status, title, message) = match self {
            Error::NotFound(m) => (StatusCode::NOT_FOUND, "error.not_found", Some(m.clone())),
            Error::Forbidden { detail, .. } => (StatusCode::FORBIDDEN, "error.forbidden", Some(detail.clone())),
            Error::Gone(m) => (StatusCode::GONE, "error.gone", Some(m.clone())),
            Error::Unavailable | Error::NotReady { .. } => (StatusCode::SERVICE_UNAVAILABLE, "error.unavailable", None),
            Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error.internal", None),
            Error::Refused { status, .. } if status.is_server_error() => (*status, "error.internal", None),
            Error::Invalid { .. } | Error::Conflict { .. } => {
                (StatusCode::BAD_REQUEST, "error.bad_request", Some(self.detail()))
            }
            other => (other.status(), "error.bad_request", Some(other.detail())),
        };
        Shown { status, title, message, retry_after: self.retry_after() }
    }
}

/// What an error page shows, carried in the answer's extensions for the pages' layer.
#[derive(Clone, Debug)]
pub struct Shown {
    pub status: StatusCode,
    /// An i18n key.
    pub title: &'static str,
    /// `None`: the key `{title}_text`.
    pub message: Option<String>,
    pub retry_after: Option<u64>,
}

impl From<catalog::Error> for Error {
    fn from(e: catalog::Error) -> Error {
        match e {
            catalog::Error::NotFound { .. } => Error::NotFound(e.to_string()),
            catalog::Error::Invalid { ref field, .. } => {
                Error::Invalid { field: Some(field.clone()), detail: e.to_string(), each: None }
            }
            catalog::Error::Conflict { ref field, .. } => {
                Error::Conflict { field: field.clone(), detail: e.to_string() }
            }
            catalog::Error::Fields(ref all) => Error::Invalid {
                field: all.first().map(|(f, _)| f.clone()),
                detail: e.to_string(),
                each: Some(all.iter().map(|(f, m)| FieldProblem { field: f.clone(), detail: m.clone() }).collect()),
            },
            catalog::Error::Forbidden(message) => Error::Forbidden { field: None, detail: message },
            ref unavailable if unavailable.is_unavailable() => {
                tracing::warn!(error = %unavailable, "the database does not answer");
                Error::Unavailable
            }
            other => Error::internal(other, "request failed", INTERNAL),
        }
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Error {
        Error::internal(format!("{e:#}"), "request failed", INTERNAL)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&self.problem()).expect("problems serialise");
        let mut response = (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response();
        if let Some(seconds) = self.retry_after() {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response.extensions_mut().insert(self.shown());
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_keeps_its_status_title_and_field() {
        let e = Error::bad_parameter("limit", "must be a whole number");
        assert_eq!(
            (e.status(), e.field(), e.detail().as_str()),
            (StatusCode::BAD_REQUEST, Some("limit"), "limit: must be a whole number")
        );
        let p = Error::Unauthorized("no token".into()).problem();
        assert_eq!((p.status, p.title, p.field.as_deref()), (401, "Unauthorized", Some("Authorization")));
        let e: Error = catalog::Error::Fields(vec![("a".into(), "x".into()), ("b".into(), "y".into())]).into();
        let p = e.problem();
        assert_eq!((p.status, p.field.as_deref(), p.errors.map(|e| e.len())), (422, Some("a"), Some(2)));
    }

    #[test]
    fn a_page_refuses_bad_input_with_400_and_explains_what_the_reader_cannot_act_on() {
        assert_eq!(Error::invalid("name", "empty").shown().status, StatusCode::BAD_REQUEST);
        assert_eq!(Error::Internal("x").shown().message, None);
        assert_eq!(Error::not_found("no such software").shown().message.as_deref(), Some("no such software"));
        // A layer's 5xx: the problem keeps its status, the page explains no more than a 500.
        let timeout = Error::Refused { status: StatusCode::GATEWAY_TIMEOUT, detail: "upstream".into() };
        assert_eq!(timeout.problem().status, 504);
        let shown = timeout.shown();
        assert_eq!((shown.status, shown.title, shown.message), (StatusCode::GATEWAY_TIMEOUT, "error.internal", None));
    }

    #[test]
    fn the_answer_carries_its_headers() {
        let r = Error::TooManyRequests { retry_after: 7 }.into_response();
        assert_eq!(r.headers()[header::RETRY_AFTER], "7");
        let r = Error::Unauthorized("no token".into()).into_response();
        assert_eq!(r.headers()[header::WWW_AUTHENTICATE], "Bearer");
        assert!(r.extensions().get::<Shown>().is_some());
    }
}
