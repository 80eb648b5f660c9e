//! New software proposed by anyone signed in, as a publiccode.yml that the validator passed
//! or as a repository's address whose publiccode.yml the next harvest reads: it waits for a
//! site administrator, who accepts it (the document is then imported) or refuses it with a
//! reason. Each step leaves its audit event.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{q, Store, Written};
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
    /// The document; empty while a proposal by repository waits for the harvest to read it.
    pub publiccode: String,
    /// The repository's address, for a proposal by address.
    pub repository: Option<String>,
    /// When the harvest read the repository.
    pub read_at: Option<DateTime<Utc>>,
    /// reading (the harvest has yet to read the repository), unreadable (it found no valid
    /// publiccode.yml there; `reason` says why), waiting, accepted or rejected.
    pub status: String,
    /// Why it was refused.
    pub reason: Option<String>,
    /// The software it became.
    pub software: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
}

const COLUMNS: &str = "id, proposed_by, acting_for, name, country, publiccode, repository, read_at, status, reason, \
    software, created_at, decided_at, decided_by";

/// The most proposals by repository one harvest reads: the rest wait for the next.
pub const READ_PER_HARVEST: i64 = 50;

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
    ) -> Result<Written<Proposal>> {
        let mut tx = self.begin_as(author).await?;
        if let Some(earlier) = replayed(&mut tx, author).await? {
            return Ok(earlier);
        }
        let proposer = who(&author.actor);
        not_too_many(&mut tx, &proposer).await?;
        not_waiting(&mut tx, name).await?;
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
        kept(tx, author, id).await
    }

    /// Keeps a proposal of the software whose repository is at `url`: the next harvest
    /// reads its publiccode.yml. The address passes the same check as a repository's.
    pub async fn propose_repository(
        &self,
        author: &Author,
        user_id: Option<i64>,
        url: &str,
        country: Country,
    ) -> Result<Written<Proposal>> {
        let url = crate::address::check_repository_address("repository", url, self.addresses)?.url;
        let mut tx = self.begin_as(author).await?;
        if let Some(earlier) = replayed(&mut tx, author).await? {
            return Ok(earlier);
        }
        let proposer = who(&author.actor);
        not_too_many(&mut tx, &proposer).await?;
        let known: Option<(String,)> = tx
            .optional(
                q("SELECT s.slug FROM repositories r JOIN software s ON s.id = r.software_id WHERE r.url = $1")
                    .bind(&url),
            )
            .await?;
        if let Some((slug,)) = known {
            return Err(Error::Conflict {
                field: "repository".into(),
                message: format!("this repository is in the catalog already (/software/{slug})"),
            });
        }
        let (pending,): (i64,) = tx
            .one(
                q("SELECT COUNT(*) FROM proposals WHERE repository = $1 AND status IN ('reading', 'waiting')")
                    .bind(&url),
            )
            .await?;
        if pending > 0 {
            return Err(Error::Conflict {
                field: "repository".into(),
                message: "this repository is proposed already and waits for a decision".into(),
            });
        }
        let (id,): (i64,) = tx
            .one(
                q("INSERT INTO proposals (user_id, proposed_by, acting_for, name, country, publiccode, repository, status, \
                   created_at) VALUES ($1, $2, $3, $4, $5, '', $6, 'reading', $7) RETURNING id")
                .bind(user_id)
                .bind(&proposer)
                .bind(author.acting_for.clone())
                .bind(address_name(&url))
                .bind(country.code())
                .bind(&url)
                .bind(tx.now()),
            )
            .await?;
        kept(tx, author, id).await
    }

    /// The proposals by repository that the harvest has yet to read, oldest first.
    pub async fn proposals_to_read(&self) -> Result<Vec<Proposal>> {
        self.proposals("reading", READ_PER_HARVEST).await
    }

    /// Records what the harvest found in a proposed repository: its publiccode.yml, valid,
    /// with the software's name (the proposal then waits for a decision), or why there is
    /// none to propose. A proposal read already is left as it is.
    pub async fn proposal_read(&self, id: i64, found: std::result::Result<(&str, &str), &str>) -> Result<Proposal> {
        let author = Author { actor: Actor::System("harvest"), acting_for: None, once: None };
        let mut tx = self.begin_as(&author).await?;
        let before: Proposal = tx
            .optional(q(format!("SELECT {COLUMNS} FROM proposals WHERE id = $1")).bind(id))
            .await?
            .ok_or_else(|| Error::not_found("proposal", id.to_string()))?;
        if before.status != "reading" {
            return Ok(before);
        }
        let found = match found {
            Ok((name, text)) => match not_waiting(&mut tx, name).await {
                Ok(()) => Ok((name, text)),
                Err(e) => Err(e.to_string()),
            },
            Err(why) => Err(why.to_string()),
        };
        let now = tx.now();
        let update = match &found {
            Ok((name, text)) => q("UPDATE proposals SET status = 'waiting', name = $1, publiccode = $2, read_at = $3 \
                                   WHERE id = $4")
            .bind(name.to_string())
            .bind(text.to_string()),
            Err(why) => q("UPDATE proposals SET status = 'unreadable', reason = $1, publiccode = $2, read_at = $3 \
                           WHERE id = $4")
            .bind(why.chars().take(2000).collect::<String>())
            .bind(String::new()),
        };
        tx.execute(update.bind(now).bind(id)).await?;
        let after = one(&mut tx, id).await?;
        tx.audit("read_proposal", "proposal", &id.to_string(), Some(&summary(&before)), Some(&summary(&after))).await?;
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
        let after = one(&mut tx, id).await?;
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
        "reason": p.reason, "software": p.software, "repository": p.repository,
    })
}

/// What a proposal by address is called until its publiccode.yml is read: the address's
/// last part, without `.git`.
fn address_name(url: &str) -> String {
    let last = url.trim_end_matches('/').rsplit(['/', ':']).next().unwrap_or(url);
    let name = last.strip_suffix(".git").unwrap_or(last);
    if name.is_empty() {
        url.to_string()
    } else {
        name.to_string()
    }
}

/// The proposal an earlier send with the author's key made, if one did.
async fn replayed(tx: &mut super::Tx, author: &Author) -> Result<Option<Written<Proposal>>> {
    match tx.claim(author, "proposal").await? {
        Some(id) => Ok(Some(Written { record: one(tx, id).await?, replayed: true })),
        None => Ok(None),
    }
}

/// Ends the writing of a new proposal: its audit event, the author's key settled.
async fn kept(mut tx: super::Tx, author: &Author, id: i64) -> Result<Written<Proposal>> {
    let after = one(&mut tx, id).await?;
    tx.audit("propose", "proposal", &id.to_string(), None::<&()>, Some(&summary(&after))).await?;
    tx.settle(author, "proposal", id).await?;
    tx.commit().await?;
    Ok(Written { record: after, replayed: false })
}

/// A proposal, in the transaction that writes it.
async fn one(tx: &mut super::Tx, id: i64) -> Result<Proposal> {
    tx.one(q(format!("SELECT {COLUMNS} FROM proposals WHERE id = $1")).bind(id)).await
}

/// Refuses a proposal from a person with too many waiting already.
async fn not_too_many(tx: &mut super::Tx, proposer: &str) -> Result<()> {
    let (waiting,): (i64,) = tx
        .one(
            q("SELECT COUNT(*) FROM proposals WHERE proposed_by = $1 AND status IN ('reading', 'waiting')")
                .bind(proposer),
        )
        .await?;
    if waiting >= WAITING_PER_PERSON {
        return Err(Error::Conflict {
            field: "publiccode".into(),
            message: format!("{waiting} of your proposals wait already; wait for a decision before proposing more"),
        });
    }
    Ok(())
}

/// Refuses a second proposal of a software's name while the first waits.
async fn not_waiting(tx: &mut super::Tx, name: &str) -> Result<()> {
    let (taken,): (i64,) =
        tx.one(q("SELECT COUNT(*) FROM proposals WHERE status = 'waiting' AND name = $1").bind(name)).await?;
    if taken > 0 {
        return Err(Error::Conflict {
            field: "name".into(),
            message: format!("{name} is proposed already and waits for a decision"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_proposal_by_address_is_named_after_its_last_part() {
        assert_eq!(super::address_name("https://git.example.org/mairie/cimetiere.git"), "cimetiere");
        assert_eq!(super::address_name("https://git.example.org/mairie/cimetiere/"), "cimetiere");
        assert_eq!(super::address_name("git@git.example.org:mairie/registre.git"), "registre");
    }
}
