//! The changes feed: every create, update and removal of the catalog's records in commit
//! order, paged by a cursor (version, id) that a follower keeps (see migration 0023). The
//! records written from a peer's feed are not in it (migration 0024, `crate::federation`).

use serde::Serialize;

use super::{q, Store};
use crate::error::{Error, Result};
use crate::federation::FederatedEntity;

/// Where a follower is in the feed: after the change `id` of the catalog version
/// `version`. Written `VERSION.ID`; `0` is the start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChangeCursor {
    pub version: i64,
    pub id: i64,
}

impl ChangeCursor {
    pub fn parse(s: &str) -> Result<ChangeCursor> {
        let s = s.trim();
        let bad =
            || Error::invalid("since", format!("{s:?} is not a cursor of this feed: VERSION.ID, or 0 for the start"));
        let (version, id) = s.split_once('.').unwrap_or((s, "0"));
        let version: i64 = version.parse().map_err(|_| bad())?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        if version < 0 || id < 0 {
            return Err(bad());
        }
        Ok(ChangeCursor { version, id })
    }
}

impl std::fmt::Display for ChangeCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.version, self.id)
    }
}

/// One change of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    /// Give it back as `since` to read what follows.
    pub cursor: String,
    /// The catalog version that committed it.
    pub version: i64,
    /// `software`, `organisation`, `adoption`, `funding` or `roadmap_item`.
    pub entity: String,
    /// A software's or an organisation's slug; an adoption's, a funding's or an item's id.
    pub key: String,
    /// `upsert` (created or changed: read the record) or `delete` (removed or hidden).
    pub change: String,
    /// Where the record is read in the API; none once it is removed.
    pub href: Option<String>,
    /// The record as `href` answers it now, when the follower asked for records
    /// (`records=true`) and the page's budget for them was not spent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub record: Option<serde_json::Value>,
}

type ChangeRow = (i64, i64, String, String, bool);

impl Store {
    /// The changes after `since`, `limit` of them at most, in commit order.
    pub async fn record_changes(&self, since: ChangeCursor, limit: i64) -> Result<Vec<Change>> {
        let rows: Vec<ChangeRow> = self
            .all(
                q("SELECT version, id, entity, record_key, deleted FROM record_changes \
                   WHERE version IS NOT NULL AND (version > $1 OR (version = $1 AND id > $2)) \
                   AND peer_id IS NULL \
                   ORDER BY version, id LIMIT $3")
                .bind(since.version)
                .bind(since.id)
                .bind(limit),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(version, id, entity, key, deleted)| {
                // The triggers write only the kinds federation knows (migration 0023).
                let collection = FederatedEntity::parse(&entity).map_or("roadmap", FederatedEntity::collection);
                Change {
                    cursor: ChangeCursor { version, id }.to_string(),
                    version,
                    href: (!deleted).then(|| format!("/api/v1/{collection}/{key}")),
                    entity,
                    key,
                    change: if deleted { "delete" } else { "upsert" }.to_string(),
                    record: None,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back() {
        assert_eq!(ChangeCursor::parse("0").unwrap(), ChangeCursor::default());
        let c = ChangeCursor::parse("12.345").unwrap();
        assert_eq!((c.version, c.id, c.to_string()), (12, 345, "12.345".to_string()));
        for bad in ["", "x", "1.x", "-1.2", "1.2.3"] {
            let e = ChangeCursor::parse(bad).unwrap_err().to_string();
            assert!(e.starts_with("since:"), "{bad}: {e}");
        }
    }
}
