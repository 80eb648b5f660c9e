//! Errors as RFC 9457 `application/problem+json`. Internal details are logged, never sent.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// What a client is told to wait when the database does not answer.
pub const UNAVAILABLE_RETRY_SECONDS: u64 = 5;

/// An RFC 9457 problem.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// The parameter or field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every bad field of a form, when there are several.
    /// (Boxed: a problem travels in every `Result` of the server, and is rarely a form's.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Box<Vec<FieldProblem>>>,
    /// Seconds to wait, sent as `Retry-After` (429).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

/// One bad field of a form.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub detail: String,
}

impl Problem {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "about:blank",
            title,
            status: status.as_u16(),
            detail: detail.into(),
            field: None,
            errors: None,
            retry_after: None,
        }
    }

    pub fn bad_parameter(name: &str, detail: impl Into<String>) -> Problem {
        Problem {
            field: Some(name.to_string()),
            ..Problem::new(StatusCode::BAD_REQUEST, "Bad query parameter", format!("{name}: {}", detail.into()))
        }
    }

    /// 503 with `Retry-After`: the database does not answer for now.
    pub fn unavailable() -> Problem {
        Problem {
            retry_after: Some(UNAVAILABLE_RETRY_SECONDS),
            ..Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Unavailable",
                "the database does not answer; try again shortly",
            )
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "Not found", detail)
    }

    /// A record a site administrator hid: gone, with why.
    pub fn gone(h: &catalog::Hidden) -> Problem {
        Problem::new(
            StatusCode::GONE,
            "Gone",
            format!(
                "{} {} was hidden on {} by a site administrator: {}",
                h.entity.replace('_', " "),
                h.id,
                h.hidden_at.date_naive(),
                h.reason
            ),
        )
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
            catalog::Error::Fields(ref all) => Problem {
                field: all.first().map(|(f, _)| f.clone()),
                errors: Some(Box::new(
                    all.iter().map(|(f, m)| FieldProblem { field: f.clone(), detail: m.clone() }).collect(),
                )),
                ..Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Invalid input", e.to_string())
            },
            catalog::Error::Forbidden(message) => Problem::new(StatusCode::FORBIDDEN, "Forbidden", message),
            ref unavailable if unavailable.is_unavailable() => {
                tracing::warn!(error = %unavailable, "the database does not answer");
                Problem::unavailable()
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
        let mut response = (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Turns the plain-text errors that extractors and layers answer by themselves (a path that
/// is not UTF-8, a method the route does not take, a timeout) into a problem under the API
/// and an error page elsewhere, like every other error of the site.
pub async fn plain_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let lang = crate::pages::language(request.headers());
    let response = next.run(request).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|c| c.to_str().is_ok_and(|c| c.starts_with("text/plain")));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let title = status.canonical_reason().unwrap_or("Error");
    let detail = if text.is_empty() { title.to_lowercase() } else { text };
    let mut converted = if is_api {
        Problem::new(status, "Request refused", detail).into_response()
    } else {
        let error = if status.is_server_error() {
            crate::pages::PageError::Internal(anyhow::anyhow!(detail))
        } else {
            crate::pages::PageError::BadRequest(detail)
        };
        error.render(lang, "/")
    };
    *converted.status_mut() = status;
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        converted.headers_mut().insert(header::ALLOW, allow.clone());
    }
    converted
}
