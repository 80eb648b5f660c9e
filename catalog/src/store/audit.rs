use serde::Serialize;

use super::{q, Store, Tx};
use crate::error::Result;
use crate::model::{AuditEvent, Page};

fn to_json(v: &impl Serialize) -> String {
    serde_json::to_string(v).expect("records serialise to JSON")
}

/// The records a change concerns, whose histories show it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Subject<'a> {
    pub software: Option<&'a str>,
    pub organisation: Option<&'a str>,
    pub roadmap_item: Option<i64>,
}

impl<'a> Subject<'a> {
    /// What an event's entity and key say of themselves: `software` and `publiccode` are
    /// keyed by the software, `organisation` by the organisation, an `adoption` by both
    /// (`software/organisation`).
    fn of(entity: &str, key: &'a str) -> Subject<'a> {
        match entity {
            "software" | "publiccode" => Subject { software: Some(key), ..Subject::default() },
            "organisation" => Subject { organisation: Some(key), ..Subject::default() },
            "adoption" => match key.split_once('/') {
                Some((software, organisation)) => {
                    Subject { software: Some(software), organisation: Some(organisation), roadmap_item: None }
                }
                None => Subject::default(),
            },
            _ => Subject::default(),
        }
    }
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
        self.audit_about(action, entity, key, Subject::of(entity, key), before, after).await
    }

    /// Records a change that concerns the records `about` names.
    pub(crate) async fn audit_about(
        &mut self,
        action: &str,
        entity: &str,
        key: &str,
        about: Subject<'_>,
        before: Option<&impl Serialize>,
        after: Option<&impl Serialize>,
    ) -> Result<()> {
        let (actor, acting_for, now) = (self.actor.clone(), self.acting_for.clone(), self.now());
        let (event,): (i64,) = self
            .one(
                q("INSERT INTO audit_events (at, actor, action, entity, entity_key, before, after, acting_for, \
               software, organisation, roadmap_item) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
               RETURNING id")
                .bind(now)
                .bind(actor)
                .bind(action)
                .bind(entity)
                .bind(key)
                .bind(before.map(to_json))
                .bind(after.map(to_json))
                .bind(acting_for)
                .bind(about.software.map(str::to_string))
                .bind(about.organisation.map(str::to_string))
                .bind(about.roadmap_item),
            )
            .await?;
        if let Some(kind) = crate::webhook::EventKind::of_entity(entity) {
            self.fan_out(event, kind, &about).await?;
        }
        Ok(())
    }
}

/// Whose history to read.
#[derive(Debug, Clone, Copy)]
pub enum HistoryOf<'a> {
    Software(&'a str),
    Organisation(&'a str),
    RoadmapItem(i64),
}

/// The entities of the catalog's own records, whose history is public and exported; people,
/// their sessions, tokens and memberships keep theirs to the operator.
const CATALOG_ENTITIES: &str = "'software', 'publiccode', 'organisation', 'adoption', 'adoptions', 'funding', \
    'fundings', 'roadmap_item', 'proposal', 'offer', 'offers'";

const EVENT_COLUMNS: &str = "id, at, actor, action, entity, entity_key, before, after, acting_for";

impl Store {
    /// The history of one record, newest first.
    pub async fn history(&self, entity: &str, key: &str, limit: i64, offset: i64) -> Result<Page<AuditEvent>> {
        let (total,): (i64,) = self
            .one(q("SELECT COUNT(*) FROM audit_events WHERE entity = $1 AND entity_key = $2").bind(entity).bind(key))
            .await?;
        let items = self
            .all(
                q(format!(
                    "SELECT {EVENT_COLUMNS} FROM audit_events \
                     WHERE entity = $1 AND entity_key = $2 ORDER BY id DESC LIMIT $3 OFFSET $4"
                ))
                .bind(entity)
                .bind(key)
                .bind(limit)
                .bind(offset),
            )
            .await?;
        Ok(Page { items, total, limit, offset })
    }

    /// Every change that concerns a software, an organisation or a roadmap item, newest
    /// first: the record itself and what hangs on it (adoptions, fundings, roadmap items,
    /// needs). The record must exist.
    pub async fn history_of(&self, of: HistoryOf<'_>, limit: i64, offset: i64) -> Result<Page<AuditEvent>> {
        let mut r = self.read().await?;
        let (column, key) = match of {
            HistoryOf::Software(slug) => {
                r.software_id(slug).await?.ok_or_else(|| crate::Error::not_found("software", slug))?;
                ("software", Key::Text(slug.to_string()))
            }
            HistoryOf::Organisation(slug) => {
                let key = crate::model::OrgKey::Slug(super::adoptions::slug_of(slug)?);
                r.organisation_id(&key).await?.ok_or_else(|| crate::Error::not_found("organisation", slug))?;
                ("organisation", Key::Text(slug.to_string()))
            }
            HistoryOf::RoadmapItem(id) => {
                let found: Option<(i64,)> =
                    r.optional(q("SELECT id FROM roadmap_items WHERE id = $1").bind(id)).await?;
                found.ok_or_else(|| crate::Error::not_found("roadmap item", id.to_string()))?;
                ("roadmap_item", Key::Id(id))
            }
        };
        let bind = |query: super::Q| match &key {
            Key::Text(t) => query.bind(t.clone()),
            Key::Id(id) => query.bind(*id),
        };
        let (total,): (i64,) = r.one(bind(q(format!("SELECT COUNT(*) FROM audit_events WHERE {column} = $1")))).await?;
        let items = r
            .all(
                bind(q(format!(
                    "SELECT {EVENT_COLUMNS} FROM audit_events WHERE {column} = $1 ORDER BY id DESC LIMIT $2 OFFSET $3"
                )))
                .bind(limit)
                .bind(offset),
            )
            .await?;
        Ok(Page { items, total, limit, offset })
    }

    /// The history of the catalog's records (not of people, sessions or tokens) after the
    /// event `after`, in order: page through it by passing the last id seen.
    pub async fn export_history(&self, after: i64, limit: i64) -> Result<Vec<AuditEvent>> {
        self.all(
            q(format!(
                "SELECT {EVENT_COLUMNS} FROM audit_events WHERE id > $1 AND entity IN ({CATALOG_ENTITIES}) \
                 ORDER BY id LIMIT $2"
            ))
            .bind(after)
            .bind(limit),
        )
        .await
    }

    /// The records site administrators hid, with why: (entity, id, reason, hidden_at, record).
    pub async fn export_hidden(&self) -> Result<Vec<serde_json::Value>> {
        let rows: Vec<(String, i64, String, chrono::DateTime<chrono::Utc>, String)> = self
            .all(q(
                "SELECT entity, record_id, reason, hidden_at, record FROM hidden_records ORDER BY entity, record_id",
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|(entity, id, reason, at, record)| {
                let record: serde_json::Value =
                    serde_json::from_str(&record).unwrap_or(serde_json::Value::String(record));
                serde_json::json!({ "entity": entity, "id": id, "reason": reason, "hidden_at": at, "record": record })
            })
            .collect())
    }

    /// How many audit events there are in all (tests check that writes leave a trace).
    pub async fn audit_count(&self) -> Result<i64> {
        let (n,): (i64,) = self.one(q("SELECT COUNT(*) FROM audit_events")).await?;
        Ok(n)
    }
}

enum Key {
    Text(String),
    Id(i64),
}

impl Store {
    /// The newest changes of roadmap items, whatever their software: the feed of roadmaps.
    pub async fn roadmap_changes(&self, limit: i64) -> Result<Vec<AuditEvent>> {
        self.all(
            q(format!(
                "SELECT {EVENT_COLUMNS} FROM audit_events WHERE entity = 'roadmap_item' ORDER BY id DESC LIMIT $1"
            ))
            .bind(limit),
        )
        .await
    }
}
