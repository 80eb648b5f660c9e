//! Who may write: every write route takes a `Writer`, which only a live API token with the
//! write scope makes (`Authorization: Bearer TOKEN`). No address, local or not, is trusted
//! instead: behind a reverse proxy every visitor comes from loopback. The command line
//! writes through the Store directly and needs no token.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use catalog::{Actor, ApiToken};

use crate::api::AppState;
use crate::problem::Problem;

/// A caller that showed a live token allowed to write.
#[derive(Debug, Clone)]
pub struct Writer {
    pub token: ApiToken,
}

impl Writer {
    /// Who the audit log says made the change.
    pub fn actor(&self) -> Actor {
        Actor::Token(self.token.name.clone())
    }
}

fn unauthorized(detail: &str) -> Problem {
    Problem { field: Some("Authorization".into()), ..Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail) }
}

impl FromRequestParts<AppState> for Writer {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Writer, Problem> {
        // Under `nest` the path is the API's own; the log names the one the client asked for.
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| parts.uri.path().to_string(), |o| o.0.path().to_string());
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            tracing::warn!(%path, "write without a token refused");
            return Err(unauthorized(
                "this route writes: send Authorization: Bearer TOKEN, with a token the operator made with `communs token create`",
            ));
        };
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(|| {
                tracing::warn!(%path, "write with a malformed Authorization header refused");
                unauthorized("the Authorization header must read: Bearer TOKEN")
            })?;
        let token = state.store.authenticate_token(secret, chrono::Utc::now()).await?.ok_or_else(|| {
            tracing::warn!(%path, "write with an unknown or revoked token refused");
            unauthorized("the token is unknown or revoked")
        })?;
        if !token.scope.allows_writes() {
            tracing::warn!(%path, token = %token.name, "write with a read-only token refused");
            return Err(Problem {
                field: Some("Authorization".into()),
                ..Problem::new(
                    StatusCode::FORBIDDEN,
                    "Forbidden",
                    format!("the token {} may read only; this route needs a token with the write scope", token.name),
                )
            });
        }
        tracing::info!(%path, token = %token.name, "write by token");
        Ok(Writer { token })
    }
}
