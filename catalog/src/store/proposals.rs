//! New software proposed by anyone signed in, as a publiccode.yml that the validator passed:
//! it waits for a site administrator, who accepts it (the document is then imported) or
//! refuses it with a reason. Each step leaves its audit event.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{q, Store};
use crate::contribution::Author;
use crate::country::Country;
use crate::error::{Error, Result};
use crate::model::Actor;

/// A proposal and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proposal {
    pub id: i64,
    /// Who proposed it (a person's handle or a token's name).
    pub proposed_by: String,
    pub acting_for: Option<String>,
    /// The software's name, as the document gives it.
    pub name: String,
    /// The country its organisations are taken to be in.
    pub country: String,
    pub publiccode: String,
    /// waiting, accepted or rejected.
    pub status: String,
    /// Why it was refused.
    pub reason: Option<String>,
    /// The software it became.
    pub software: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
}

const COLUMNS: &str = "id, proposed_by, acting_for, name, country, publiccode, status, reason, software, created_at, \
    decided_at, decided_by";

/// The most proposals that wait at once from one person: more is a flood, not a catalogue.
pub const WAITING_PER_PERSON: i64 = 20;

fn who(actor: &Actor) -> String {
    match actor {
        Actor::User { handle, .. } => handle.clone(),
        other => other.label(),
    }
}

impl Store {
    /// Keeps a proposal of a new software, named `name`, described by `publiccode` (which
    /// the caller has validated). `user_id`: the person proposing, if it is one.
    pub async fn propose(
        &self,
        author: &Author,
        user_id: Option<i64>,
        name: &str,
        country: Country,
        publiccode: &str,
    ) -> Result<Proposal> {
        let mut tx = self.begin_as(author).await?;
        let proposer = who(&author.actor);
        let (waiting,): (i64,) = tx
            .one(q("SELECT COUNT(*) FROM proposals WHERE proposed_by = $1 AND status = 'waiting'").bind(&proposer))
            .await?;
        if waiting >= WAITING_PER_PERSON {
            return Err(Error::Conflict {
                field: "publiccode".into(),
                message: format!("{waiting} of your proposals wait already; wait for a decision before proposing more"),
            });
        }
        let (taken,): (i64,) =
            tx.one(q("SELECT COUNT(*) FROM proposals WHERE status = 'waiting' AND name = $1").bind(name)).await?;
        if taken > 0 {
            return Err(Error::Conflict {
                field: "name".into(),
                message: format!("{name} is proposed already and waits for a decision"),
            });
        }
        let (id,): (i64,) = tx
            .one(
                q("INSERT INTO proposals (user_id, proposed_by, acting_for, name, country, publiccode, status, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, 'waiting', $7) RETURNING id")
                .bind(user_id)
                .bind(&proposer)
                .bind(author.acting_for.clone())
                .bind(name)
                .bind(country.code())
                .bind(publiccode)
                .bind(tx.now()),
            )
            .await?;
        let after: Proposal = tx.one(q(format!("SELECT {COLUMNS} FROM proposals WHERE id = $1")).bind(id)).await?;
        tx.audit("propose", "proposal", &id.to_string(), None::<&()>, Some(&summary(&after))).await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn proposal(&self, id: i64) -> Result<Proposal> {
        self.optional(q(format!("SELECT {COLUMNS} FROM proposals WHERE id = $1")).bind(id))
            .await?
            .ok_or_else(|| Error::not_found("proposal", id.to_string()))
    }

    /// The proposals a person made, newest first.
    pub async fn proposals_of(&self, proposed_by: &str) -> Result<Vec<Proposal>> {
        self.all(
            q(format!("SELECT {COLUMNS} FROM proposals WHERE proposed_by = $1 ORDER BY id DESC LIMIT 100"))
                .bind(proposed_by),
        )
        .await
    }

    /// The proposals of a status, oldest first.
    pub async fn proposals(&self, status: &str, limit: i64) -> Result<Vec<Proposal>> {
        self.all(
            q(format!("SELECT {COLUMNS} FROM proposals WHERE status = $1 ORDER BY id LIMIT $2"))
                .bind(status)
                .bind(limit),
        )
        .await
    }

    /// Records the decision on a waiting proposal: accepted as `software`, or rejected for
    /// `reason`. A decided proposal is not decided again.
    pub async fn decide_proposal(
        &self,
        author: &Author,
        id: i64,
        accepted: Option<&str>,
        reason: Option<&str>,
    ) -> Result<Proposal> {
        let reason = match (accepted, reason) {
            (None, r) => Some(crate::text::line("reason", r.unwrap_or_default(), 500)?),
            (Some(_), _) => None,
        };
        let mut tx = self.begin_as(author).await?;
        let before: Proposal = tx
            .optional(q(format!("SELECT {COLUMNS} FROM proposals WHERE id = $1")).bind(id))
            .await?
            .ok_or_else(|| Error::not_found("proposal", id.to_string()))?;
        if before.status != "waiting" {
            return Err(Error::Conflict {
                field: "status".into(),
                message: format!("this proposal was {} already", before.status),
            });
        }
        let status = if accepted.is_some() { "accepted" } else { "rejected" };
        tx.execute(
            q("UPDATE proposals SET status = $1, reason = $2, software = $3, decided_at = $4, decided_by = $5 WHERE id = $6")
                .bind(status)
                .bind(reason)
                .bind(accepted.map(str::to_string))
                .bind(tx.now())
                .bind(who(&author.actor))
                .bind(id),
        )
        .await?;
        let after: Proposal = tx.one(q(format!("SELECT {COLUMNS} FROM proposals WHERE id = $1")).bind(id)).await?;
        let action = if accepted.is_some() { "accept_proposal" } else { "reject_proposal" };
        let about = super::audit::Subject { software: accepted, organisation: None, roadmap_item: None };
        tx.audit_about(action, "proposal", &id.to_string(), about, Some(&summary(&before)), Some(&summary(&after)))
            .await?;
        tx.commit().await?;
        Ok(after)
    }
}

/// A proposal as its audit events keep it: without the whole document.
fn summary(p: &Proposal) -> serde_json::Value {
    serde_json::json!({
        "id": p.id, "name": p.name, "proposed_by": p.proposed_by, "status": p.status,
        "reason": p.reason, "software": p.software,
    })
}
