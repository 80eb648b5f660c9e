//! `GET /api/v1/changes`: the changes feed, for a follower (another Communs, a script)
//! that keeps its cursor and asks what changed since. Cached like every public read: the
//! answer changes with the catalog's version.

use axum::extract::State;
use axum::Json;
use catalog::federation::FederatedEntity;
use catalog::{Change, ChangeCursor};
use serde::Serialize;

use crate::api::AppState;
use crate::error::Error;
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
pub(crate) async fn changes(State(s): State<AppState>, p: Params) -> Result<Json<Changes>, Error> {
    p.allow_of::<crate::openapi::ChangesQuery>()?;
    let since = p.parsed("since", ChangeCursor::parse)?.unwrap_or_default();
    let limit = p.int("limit")?.unwrap_or(DEFAULT_CHANGES);
    if !(1..=MAX_CHANGES).contains(&limit) {
        return Err(Error::bad_parameter("limit", format!("{limit} is not between 1 and {MAX_CHANGES}")));
    }
    let records = match p.text("records") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(Error::bad_parameter("records", format!("{other:?} is neither true nor false"))),
    };
    let version = s.store.version().await?;
    // One more than asked tells whether more follow.
    let mut changes = s.store.record_changes(since, limit + 1).await?;
    let more = changes.len() as i64 > limit;
    changes.truncate(limit as usize);
    if records {
        with_records(&s.store, &mut changes).await?;
    }
    let next = changes.last().map_or_else(|| since.to_string(), |c| c.cursor.clone());
    Ok(Json(Changes { changes, next, more, version }))
}

/// The most a page's records may weigh, serialised: past it, the changes carry none and the
/// follower reads them at their `href` (a software's description may be long).
const RECORDS_BUDGET: usize = 4 * 1024 * 1024;

/// Puts in each change that is not a removal its record as its `href` answers it (for a
/// software, its record without the page's adoptions and fundings, which are changes of
/// their own). A record gone since is left out; the follower finds it gone at its `href`.
async fn with_records(store: &catalog::Store, changes: &mut [Change]) -> Result<(), Error> {
    // The records' types serialise without fail (no map with other than string keys).
    fn json<T: Serialize>(r: T) -> serde_json::Value {
        serde_json::to_value(r).expect("a record serialises")
    }
    let mut spent = 0;
    for c in changes.iter_mut().filter(|c| c.href.is_some()) {
        // The feed writes the ids of adoptions, fundings and roadmap items as numbers.
        let id = c.key.parse::<i64>().unwrap_or(-1);
        let Some(entity) = FederatedEntity::parse(&c.entity) else { continue };
        let read = match entity {
            FederatedEntity::Software => store.software(&c.key).await.map(json),
            FederatedEntity::Organisation => store.organisation(&c.key).await.map(json),
            FederatedEntity::Adoption => store.adoption(id).await.map(json),
            FederatedEntity::Funding => store.funding(id).await.map(json),
            FederatedEntity::RoadmapItem => store.roadmap_item(id).await.map(json),
        };
        let record = match read {
            Ok(value) => value,
            Err(catalog::Error::NotFound { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        spent += record.to_string().len();
        if spent > RECORDS_BUDGET {
            break;
        }
        c.record = Some(record);
    }
    Ok(())
}
