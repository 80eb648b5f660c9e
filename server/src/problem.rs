//! Errors as RFC 9457 `application/problem+json`. Internal details are logged, never sent.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// The parameter or field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Problem {
        Problem { kind: "about:blank", title, status: status.as_u16(), detail: detail.into(), field: None }
    }

    pub fn bad_parameter(name: &str, detail: impl Into<String>) -> Problem {
        Problem {
            field: Some(name.to_string()),
            ..Problem::new(StatusCode::BAD_REQUEST, "Bad query parameter", format!("{name}: {}", detail.into()))
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "Not found", detail)
    }
}

impl From<catalog::Error> for Problem {
    fn from(e: catalog::Error) -> Problem {
        match e {
            catalog::Error::NotFound { .. } => Problem::not_found(e.to_string()),
            catalog::Error::Invalid { ref field, .. } => Problem {
                field: Some(field.clone()),
                ..Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid input", e.to_string())
            },
            catalog::Error::Conflict { ref field, .. } => {
                Problem { field: Some(field.clone()), ..Problem::new(StatusCode::CONFLICT, "Conflict", e.to_string()) }
            }
            other => {
                tracing::error!(error = %other, "request failed");
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error",
                    "the server could not answer; the error is logged",
                )
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).expect("problems serialise");
        (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response()
    }
}
