//! The RFC 9457 `application/problem+json` document every refusal of the API is written
//! as; `crate::error::Error` says which. Internal details are logged, never sent.

use axum::http::header;
use axum::response::Response;
use serde::Serialize;

use crate::error::Error;

/// An RFC 9457 problem, as sent.
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Box<Vec<FieldProblem>>>,
}

/// One bad field of a form.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub detail: String,
}

/// Turns the plain-text errors that extractors and layers answer by themselves (a path that
/// is not UTF-8, a method the route does not take, a timeout) into a problem under the API
/// and an error page elsewhere, like every other error of the site.
pub async fn plain_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = request.uri().path().to_string();
    let headers = request.headers().clone();
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
    if status.is_server_error() {
        tracing::error!(%status, detail, "a layer failed the request");
    }
    let mut converted = crate::pages::problem_or_page(Error::Refused { status, detail }, &path, &headers, "/");
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        converted.headers_mut().insert(header::ALLOW, allow.clone());
    }
    converted
}
