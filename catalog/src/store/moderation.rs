//! Moderation: a site administrator hides a contribution (an adoption, a funding, a roadmap
//! item) with a reason. It leaves the catalog and every figure, and is kept whole with the
//! reason: its address answers that it is gone and why, and the history says who hid it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::audit::Subject;
use super::{q, Store};
use crate::contribution::Author;
use crate::error::{Error, Result};

/// What can be hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hideable {
    Adoption,
    Funding,
    RoadmapItem,
}

impl Hideable {
    pub fn entity(self) -> &'static str {
        match self {
            Hideable::Adoption => "adoption",
            Hideable::Funding => "funding",
            Hideable::RoadmapItem => "roadmap_item",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Hideable::Adoption => "adoptions",
            Hideable::Funding => "fundings",
            Hideable::RoadmapItem => "roadmap_items",
        }
    }
}

/// A hidden record: why, when, by whom.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hidden {
    pub entity: String,
    pub id: i64,
    pub reason: String,
    pub hidden_by: String,
    pub hidden_at: DateTime<Utc>,
}

const REASON_MAX: usize = 500;

impl Store {
    /// Hides a record: it is removed from the catalog in the same transaction that keeps it,
    /// with `reason`, and writes the audit event.
    pub async fn hide(&self, author: &Author, what: Hideable, id: i64, reason: &str) -> Result<Hidden> {
        let reason = crate::text::line("reason", reason, REASON_MAX)?;
        let mut tx = self.begin_as(author).await?;
        let followed = match what {
            Hideable::Adoption => crate::federation::FederatedEntity::Adoption,
            Hideable::Funding => crate::federation::FederatedEntity::Funding,
            Hideable::RoadmapItem => crate::federation::FederatedEntity::RoadmapItem,
        };
        tx.refuse_followed(followed, id).await?;
        let (record, software, software_id, organisation): (String, String, i64, Option<String>) = match what {
            Hideable::Adoption => {
                let a = tx.adoption_by_id(id).await?;
                let (software_id, _) = tx.ids_of_adoption(id).await?;
                (serde_json::to_string(&a).expect("JSON"), a.software, software_id, Some(a.organisation))
            }
            Hideable::Funding => {
                let f = tx.funding_view(id).await?.ok_or_else(|| Error::not_found("funding", id.to_string()))?;
                let (software_id,): (i64,) =
                    tx.one(q("SELECT software_id FROM fundings WHERE id = $1").bind(id)).await?;
                (serde_json::to_string(&f).expect("JSON"), f.software, software_id, Some(f.funder))
            }
            Hideable::RoadmapItem => {
                let i = tx.item_by_id(id).await?;
                let (software_id,): (i64,) =
                    tx.one(q("SELECT software_id FROM roadmap_items WHERE id = $1").bind(id)).await?;
                (serde_json::to_string(&i).expect("JSON"), i.software, software_id, None)
            }
        };
        let now = tx.now();
        tx.execute(q(format!("DELETE FROM {} WHERE id = $1", what.table())).bind(id)).await?;
        tx.execute(
            q("INSERT INTO hidden_records (entity, record_id, software, reason, hidden_by, hidden_at, record) \
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (entity, record_id) DO UPDATE SET software = $3, \
               reason = $4, hidden_by = $5, hidden_at = $6, record = $7")
            .bind(what.entity())
            .bind(id)
            .bind(&software)
            .bind(&reason)
            .bind(author.actor.label())
            .bind(now)
            .bind(&record),
        )
        .await?;
        tx.refresh_stats(&[software_id].into()).await?;
        let before: serde_json::Value = serde_json::from_str(&record).expect("JSON");
        let after = serde_json::json!({ "hidden": true, "reason": reason });
        let about = Subject {
            software: Some(&software),
            organisation: organisation.as_deref(),
            roadmap_item: (what == Hideable::RoadmapItem).then_some(id),
        };
        tx.audit_about("hide", what.entity(), &id.to_string(), about, Some(&before), Some(&after)).await?;
        tx.commit().await?;
        Ok(Hidden { entity: what.entity().to_string(), id, reason, hidden_by: author.actor.label(), hidden_at: now })
    }

    /// Why a record is gone, if it was hidden.
    pub async fn hidden(&self, what: Hideable, id: i64) -> Result<Option<Hidden>> {
        let row: Option<(String, String, DateTime<Utc>)> = self
            .optional(
                q("SELECT reason, hidden_by, hidden_at FROM hidden_records WHERE entity = $1 AND record_id = $2")
                    .bind(what.entity())
                    .bind(id),
            )
            .await?;
        Ok(row.map(|(reason, hidden_by, hidden_at)| Hidden {
            entity: what.entity().to_string(),
            id,
            reason,
            hidden_by,
            hidden_at,
        }))
    }
}
