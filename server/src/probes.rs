//! `/healthz` and `/readyz` at the root, for the reverse proxy and for orchestrators: the
//! first says the process answers, the second that it can serve (its database answers and
//! its search index has caught up with the catalog). `/api/v1/healthz` stays, for clients
//! of the API.

use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::api::AppState;
use crate::error::Error;

/// How long readiness waits for the database and the index before it says no.
const READY_WITHIN: Duration = Duration::from_secs(5);

/// What a proxy or an orchestrator is told to wait before it asks again.
const RETRY_SECONDS: u64 = 5;

/// `GET /healthz`: the process is alive; nothing else is asked, so that a slow database
/// does not get the process restarted.
pub async fn alive() -> Response {
    ([(header::CACHE_CONTROL, "no-store"), (header::CONTENT_TYPE, "text/plain; charset=utf-8")], "ok\n").into_response()
}

/// `GET /readyz`: 200 when the database answers and the search index has caught up with
/// the catalog's version; otherwise 503 with `Retry-After`, naming what is not ready.
pub async fn ready(State(s): State<AppState>) -> Response {
    let not_ready = |what: String| Error::NotReady { detail: what, retry_after: RETRY_SECONDS }.into_response();
    let version = match tokio::time::timeout(READY_WITHIN, s.store.version()).await {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready: the database");
            return not_ready("the database does not answer".into());
        }
        Err(_) => return not_ready(format!("the database did not answer within {} s", READY_WITHIN.as_secs())),
    };
    // A search catches up before it answers: doing it here means the first reader after a
    // start or a large import does not pay for it.
    match tokio::time::timeout(READY_WITHIN, s.search.catch_up_to(&s.store, version)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %format!("{e:#}"), "not ready: the search index");
            return not_ready("the search index cannot catch up with the catalog".into());
        }
        Err(_) => return not_ready(format!("the search index is catching up with version {version} of the catalog")),
    }
    let database = s.store.backend().as_str();
    let mut response =
        Json(json!({"status": "ready", "database": database, "catalog_version": version})).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}
