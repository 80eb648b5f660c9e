//! Webhook subscriptions and their deliveries. A change that a subscription hears of
//! becomes a delivery in the same transaction as the change and its audit event, so none
//! is lost to a crash and none is sent for a change that rolled back; the server's sender
//! takes due deliveries with a lease, so that several processes never send one twice at
//! once.

use chrono::{DateTime, Duration, Utc};

use super::audit::Subject;
use super::{q, Store, Tx};
use crate::error::{Error, Result};
use crate::model::{Actor, AuditEvent};
use crate::webhook::{
    kinds_column, kinds_of_column, new_secret, next_attempt, Attempt, Delivery, DeliveryStatus, DueDelivery, EventKind,
    Webhook, WebhookDraft, WebhookScope, MAX_PER_ORGANISATION,
};

type WebhookRow = (i64, String, String, String, String, String, DateTime<Utc>, String);

const WEBHOOK_COLUMNS: &str =
    "w.id, o.slug, w.url, w.secret, w.kinds, w.scope, w.created_at, w.created_by FROM webhooks w \
     JOIN organisations o ON o.id = w.organisation_id";

fn webhook((id, organisation, url, secret, kinds, scope, created_at, created_by): WebhookRow) -> Webhook {
    Webhook {
        id,
        organisation,
        url,
        secret,
        kinds: kinds_of_column(&kinds),
        scope: WebhookScope::parse(&scope).unwrap_or_default(),
        created_at,
        created_by,
    }
}

type DeliveryRow = (
    i64,
    i64,
    i64,
    String,
    String,
    DateTime<Utc>,
    String,
    i64,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<i64>,
    Option<String>,
);

/// A due delivery as read, before it is taken.
#[derive(sqlx::FromRow)]
struct DueRow {
    id: i64,
    webhook_id: i64,
    url: String,
    secret: String,
    created_at: DateTime<Utc>,
    attempts: i64,
    kind: String,
    event_id: i64,
    at: DateTime<Utc>,
    actor: String,
    action: String,
    entity: String,
    entity_key: String,
    before: Option<String>,
    after: Option<String>,
    acting_for: Option<String>,
    software: Option<String>,
    organisation: Option<String>,
}

impl Tx {
    /// Writes a delivery of the audit event `event` for every subscription that hears of
    /// it: of its kind, and of the whole catalog or of one of the organisations it
    /// concerns (the organisation itself, or a maintainer or the publisher of its software).
    pub(crate) async fn fan_out(&mut self, event: i64, kind: EventKind, about: &Subject<'_>) -> Result<()> {
        let now = self.now();
        self.execute(
            q("INSERT INTO webhook_deliveries (webhook_id, event_id, kind, created_at, status, next_attempt_at, attempts) \
               SELECT w.id, $1, $2, $3, 'pending', $3, 0 FROM webhooks w JOIN organisations o ON o.id = w.organisation_id \
               WHERE w.kinds LIKE $4 AND (w.scope = 'catalog' OR o.slug = $5 OR w.organisation_id IN (\
                 SELECT so.organisation_id FROM software_organisations so JOIN software s ON s.id = so.software_id \
                 WHERE s.slug = $6 AND so.role = 'maintainer' \
                 UNION SELECT s.publisher_id FROM software s WHERE s.slug = $6 AND s.publisher_id IS NOT NULL))")
            .bind(event)
            .bind(kind.as_str())
            .bind(now)
            .bind(format!("%,{},%", kind.as_str()))
            .bind(about.organisation)
            .bind(about.software),
        )
        .await?;
        Ok(())
    }
}

impl Store {
    /// Subscribes an address of `organisation` to the draft's kinds of change, with a new
    /// secret. The caller has checked that `actor` administers the organisation.
    pub async fn add_webhook(&self, actor: &Actor, organisation: &str, draft: &WebhookDraft) -> Result<Webhook> {
        let mut tx = self.begin(actor).await?;
        let org = super::accounts::organisation_id_tx(&mut tx, organisation).await?;
        let (count,): (i64,) = tx.one(q("SELECT COUNT(*) FROM webhooks WHERE organisation_id = $1").bind(org)).await?;
        if count >= MAX_PER_ORGANISATION {
            return Err(Error::Conflict {
                field: "url".into(),
                message: format!("{organisation} has {count} webhooks already, the most it may keep; remove one first"),
            });
        }
        let now = tx.now();
        let (id,): (i64,) = tx
            .one(
                q("INSERT INTO webhooks (organisation_id, url, secret, kinds, scope, created_at, created_by) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(org)
                .bind(&draft.url)
                .bind(new_secret()?)
                .bind(kinds_column(&draft.kinds))
                .bind(draft.scope.as_str())
                .bind(now)
                .bind(actor.label()),
            )
            .await
            .map_err(super::conflict_on("url", format!("{organisation} has a webhook at {} already", draft.url)))?;
        let created = webhook_tx(&mut tx, id).await?;
        // The secret stays out of the log.
        let logged = serde_json::json!({
            "id": id, "organisation": organisation, "url": created.url, "kinds": created.kinds, "scope": created.scope,
        });
        tx.audit("add_webhook", "webhook", &id.to_string(), None::<&()>, Some(&logged)).await?;
        // No page shows a webhook: the catalog's version (and the caches) stay as they are.
        tx.commit_quietly().await?;
        Ok(created)
    }

    /// The webhooks of `organisation`, oldest first.
    pub async fn webhooks_of(&self, organisation: &str) -> Result<Vec<Webhook>> {
        let mut tx = self.read().await?;
        let org = super::accounts::organisation_id_tx(&mut tx, organisation).await?;
        let rows: Vec<WebhookRow> =
            tx.all(q(format!("SELECT {WEBHOOK_COLUMNS} WHERE w.organisation_id = $1 ORDER BY w.id")).bind(org)).await?;
        Ok(rows.into_iter().map(webhook).collect())
    }

    /// Removes the webhook `id` of `organisation`, and its delivery log.
    pub async fn remove_webhook(&self, actor: &Actor, organisation: &str, id: i64) -> Result<()> {
        let mut tx = self.begin(actor).await?;
        let before = webhook_tx(&mut tx, id).await?;
        if before.organisation != organisation {
            return Err(Error::not_found("webhook", id.to_string()));
        }
        tx.execute(q("DELETE FROM webhook_deliveries WHERE webhook_id = $1").bind(id)).await?;
        tx.execute(q("DELETE FROM webhooks WHERE id = $1").bind(id)).await?;
        let logged = serde_json::json!({ "id": id, "organisation": organisation, "url": before.url });
        tx.audit("remove_webhook", "webhook", &id.to_string(), Some(&logged), None::<&()>).await?;
        tx.commit_quietly().await
    }

    /// The newest `limit` deliveries of the webhook `id`, newest first.
    pub async fn deliveries_of(&self, id: i64, limit: i64) -> Result<Vec<Delivery>> {
        let rows: Vec<DeliveryRow> = self
            .all(
                q("SELECT d.id, d.webhook_id, d.event_id, d.kind, e.action, d.created_at, d.status, d.attempts, \
                   d.next_attempt_at, d.last_attempt_at, d.last_status, d.last_error FROM webhook_deliveries d \
                   JOIN audit_events e ON e.id = d.event_id WHERE d.webhook_id = $1 ORDER BY d.id DESC LIMIT $2")
                .bind(id)
                .bind(limit),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, webhook, event, kind, action, created_at, status, attempts, next, last, code, error)| Delivery {
                id,
                webhook,
                event,
                kind,
                action,
                created_at,
                status: DeliveryStatus::parse(&status),
                attempts,
                next_attempt_at: next,
                last_attempt_at: last,
                last_status: code,
                last_error: error,
            })
            .collect())
    }

    /// Takes up to `limit` deliveries due at `now` for `lease`: until it runs out, no other
    /// sender takes them. A sender that dies mid-way leaves them to be taken again then.
    pub async fn take_due_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<DueDelivery>> {
        let rows: Vec<DueRow> = self
            .all(
                q("SELECT d.id, d.webhook_id, w.url, w.secret, d.created_at, d.attempts, d.kind, \
                   e.id AS event_id, e.at, e.actor, e.action, e.entity, e.entity_key, e.before, e.after, e.acting_for, \
                   e.software, e.organisation FROM webhook_deliveries d \
                   JOIN webhooks w ON w.id = d.webhook_id JOIN audit_events e ON e.id = d.event_id \
                   WHERE d.next_attempt_at IS NOT NULL AND d.next_attempt_at <= $1 \
                   ORDER BY d.next_attempt_at, d.id LIMIT $2")
                .bind(now)
                .bind(limit),
            )
            .await?;
        let mut taken = Vec::with_capacity(rows.len());
        for r in rows {
            let claimed = self
                .execute_quietly(
                    q("UPDATE webhook_deliveries SET next_attempt_at = $1 \
                       WHERE id = $2 AND next_attempt_at IS NOT NULL AND next_attempt_at <= $3")
                    .bind(now + lease)
                    .bind(r.id)
                    .bind(now),
                )
                .await?;
            if claimed == 0 {
                continue;
            }
            taken.push(DueDelivery {
                id: r.id,
                webhook: r.webhook_id,
                url: r.url,
                secret: r.secret,
                created_at: r.created_at,
                attempts: r.attempts,
                kind: r.kind,
                event: AuditEvent {
                    id: r.event_id,
                    at: r.at,
                    actor: r.actor,
                    action: r.action,
                    entity: r.entity,
                    entity_key: r.entity_key,
                    before: r.before,
                    after: r.after,
                    acting_for: r.acting_for,
                },
                software: r.software,
                organisation: r.organisation,
            });
        }
        Ok(taken)
    }

    /// Records how a try of the delivery `d` went at `now`; a failure is tried again after
    /// a wait that doubles from `first_wait`, until a day after the change. Returns where
    /// the delivery stands.
    pub async fn record_attempt(
        &self,
        d: &DueDelivery,
        attempt: &Attempt,
        now: DateTime<Utc>,
        first_wait: Duration,
    ) -> Result<DeliveryStatus> {
        let attempts = d.attempts + 1;
        let (status, next, code, error) = match attempt {
            Attempt::Delivered { status } => (DeliveryStatus::Delivered, None, Some(i64::from(*status)), None),
            Attempt::Failed { status, error } => {
                let next = next_attempt(d.created_at, attempts, now, first_wait);
                let state = if next.is_some() { DeliveryStatus::Pending } else { DeliveryStatus::Failed };
                // The receiver's words are its own: kept short.
                let error: String = error.chars().take(500).collect();
                (state, next, status.map(i64::from), Some(error))
            }
        };
        self.execute_quietly(
            q("UPDATE webhook_deliveries SET status = $1, next_attempt_at = $2, attempts = $3, last_attempt_at = $4, \
               last_status = $5, last_error = $6 WHERE id = $7")
            .bind(status.as_str())
            .bind(next)
            .bind(attempts)
            .bind(now)
            .bind(code)
            .bind(error)
            .bind(d.id),
        )
        .await?;
        Ok(status)
    }

    /// One statement outside a transaction that changes nothing a page shows.
    async fn execute_quietly(&self, query: super::Q) -> Result<u64> {
        let mut tx = self.begin(&Actor::System("webhooks")).await?;
        let n = tx.execute(query).await?;
        tx.commit_quietly().await?;
        Ok(n)
    }
}

async fn webhook_tx(tx: &mut Tx, id: i64) -> Result<Webhook> {
    let row: Option<WebhookRow> = tx.optional(q(format!("SELECT {WEBHOOK_COLUMNS} WHERE w.id = $1")).bind(id)).await?;
    row.map(webhook).ok_or_else(|| Error::not_found("webhook", id.to_string()))
}
