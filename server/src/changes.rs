//! `GET /api/v1/changes`: the changes feed, for a follower (another Communs, a script)
//! that keeps its cursor and asks what changed since. Cached like every public read: the
//! answer changes with the catalog's version.

use axum::extract::State;
use axum::Json;
use catalog::{Change, ChangeCursor};
use serde::Serialize;

use crate::api::AppState;
use crate::params::Params;
use crate::problem::Problem;

/// The most changes one answer holds.
const MAX_CHANGES: i64 = 1000;
/// Unless told otherwise.
const DEFAULT_CHANGES: i64 = 100;

/// A page of the feed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Changes {
    /// In commit order.
    pub changes: Vec<Change>,
    /// Give it as `since` to read what follows (the `since` given when nothing followed).
    pub next: String,
    /// Whether more changes follow this page.
    pub more: bool,
    /// The catalog's version when it was read.
    pub version: i64,
}

/// Every create, update and removal of software, organisations, adoptions, fundings and
/// roadmap items, in commit order, from a cursor a follower keeps.
#[utoipa::path(get, path = "/api/v1/changes", tag = "changes", operation_id = "changes",
    params(crate::openapi::ChangesQuery),
    responses((status = 200, description = "The changes after `since`", body = Changes),
        (status = 400, description = "A bad cursor or limit, or an unknown parameter, named", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn changes(State(s): State<AppState>, p: Params) -> Result<Json<Changes>, Problem> {
    p.allow_of::<crate::openapi::ChangesQuery>()?;
    let since = p.parsed("since", ChangeCursor::parse)?.unwrap_or_default();
    let limit = p.int("limit")?.unwrap_or(DEFAULT_CHANGES);
    if !(1..=MAX_CHANGES).contains(&limit) {
        return Err(Problem::bad_parameter("limit", format!("{limit} is not between 1 and {MAX_CHANGES}")));
    }
    let version = s.store.version().await?;
    // One more than asked tells whether more follow.
    let mut changes = s.store.record_changes(since, limit + 1).await?;
    let more = changes.len() as i64 > limit;
    changes.truncate(limit as usize);
    let next = changes.last().map_or_else(|| since.to_string(), |c| c.cursor.clone());
    Ok(Json(Changes { changes, next, more, version }))
}
