use serde::Serialize;

use super::{q, Store, Tx};
use crate::error::Result;
use crate::model::{AuditEvent, Page};

fn to_json(v: &impl Serialize) -> String {
    serde_json::to_string(v).expect("records serialise to JSON")
}

impl Tx {
    /// Records a change in the same transaction as the change itself.
    pub(crate) async fn audit(
        &mut self,
        action: &str,
        entity: &str,
        key: &str,
        before: Option<&impl Serialize>,
        after: Option<&impl Serialize>,
    ) -> Result<()> {
        let (actor, now) = (self.actor.clone(), self.now());
        self.execute(
            q("INSERT INTO audit_events (at, actor, action, entity, entity_key, before, after) \
               VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(now)
            .bind(actor)
            .bind(action)
            .bind(entity)
            .bind(key)
            .bind(before.map(to_json))
            .bind(after.map(to_json)),
        )
        .await?;
        Ok(())
    }
}

impl Store {
    /// The history of one record, newest first.
    pub async fn history(&self, entity: &str, key: &str, limit: i64, offset: i64) -> Result<Page<AuditEvent>> {
        let (total,): (i64,) = self
            .one(q("SELECT COUNT(*) FROM audit_events WHERE entity = $1 AND entity_key = $2").bind(entity).bind(key))
            .await?;
        let items = self
            .all(
                q("SELECT id, at, actor, action, entity, entity_key, before, after FROM audit_events \
                   WHERE entity = $1 AND entity_key = $2 ORDER BY id DESC LIMIT $3 OFFSET $4")
                .bind(entity)
                .bind(key)
                .bind(limit)
                .bind(offset),
            )
            .await?;
        Ok(Page { items, total, limit, offset })
    }

    /// How many audit events there are in all (tests check that writes leave a trace).
    pub async fn audit_count(&self) -> Result<i64> {
        let (n,): (i64,) = self.one(q("SELECT COUNT(*) FROM audit_events")).await?;
        Ok(n)
    }
}
