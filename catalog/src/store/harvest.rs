//! Repositories as harvests see them: adding one, claiming due ones under a lease so that
//! several processes share the work without harvesting one repository twice at once, and
//! recording what each harvest learnt or why it failed.

use chrono::{DateTime, Utc};

use super::{q, Backend, Store};
use crate::error::{Error, Result};
use crate::model::{forge_of, Actor, Repository};
use crate::repository::{
    retry_delay, FailureClass, HarvestFailure, HarvestJob, HarvestOutcome, HarvestSelection, Health, RepositoryHarvest,
    RepositorySnapshot,
};

type JobRow = (i64, String, String, Option<String>, Option<DateTime<Utc>>, i64);

type StateRow = (
    String,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
    i64,
    Option<String>,
    Option<String>,
);

/// How a harvest run's claims are scoped.
#[derive(Debug, Clone)]
pub struct Claim<'a> {
    /// Who claims: unique per process and run, written on the leased rows.
    pub owner: &'a str,
    pub selection: &'a HarvestSelection,
    /// When the run started: a repository harvested since is not taken again by this run.
    pub run_started: DateTime<Utc>,
    /// How long the lease holds; longer than a harvest may take.
    pub lease: chrono::Duration,
}

/// A repository `r` of a software that came from a peer is harvested there, not here (see
/// `crate::federation`): its record follows the peer's.
fn not_followed() -> String {
    format!(
        "NOT EXISTS ({})",
        super::federation::followed(crate::federation::FederatedEntity::Software, "r.software_id")
    )
}

impl Store {
    /// Adds a repository to a software, after its others.
    pub async fn add_repository(&self, actor: &Actor, software: &str, url: &str) -> Result<Repository> {
        let url = crate::address::check_repository_address("url", url, self.addresses)?.url;
        let forge = forge_of(&url);
        let mut tx = self.begin(actor).await?;
        let id = tx.software_id(software).await?.ok_or_else(|| Error::not_found("software", software))?;
        tx.refuse_followed(crate::federation::FederatedEntity::Software, id).await?;
        let owner: Option<(String,)> = tx
            .optional(
                q("SELECT s.slug FROM repositories r JOIN software s ON s.id = r.software_id WHERE r.url = $1")
                    .bind(&url),
            )
            .await?;
        if let Some((other,)) = owner {
            return Err(Error::Conflict {
                field: "url".into(),
                message: format!("{url} is already a repository of {other}"),
            });
        }
        let now = tx.now();
        tx.execute(
            q("INSERT INTO repositories (software_id, url, forge, position, created_at) \
               VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position) + 1, 0) FROM repositories WHERE software_id = $1), $4)")
            .bind(id)
            .bind(&url)
            .bind(forge.as_str())
            .bind(now),
        )
        .await?;
        tx.execute(q("UPDATE software SET updated_at = $1 WHERE id = $2").bind(now).bind(id)).await?;
        let repository = Repository { url, forge: forge.as_str().to_string(), harvest: None };
        tx.audit("add_repository", "software", software, None::<&()>, Some(&repository)).await?;
        tx.commit().await?;
        Ok(repository)
    }

    /// Makes harvests fetch a repository from another address than the one on the record
    /// (the demo's local copies of the real projects), or from its own again with `None`.
    pub async fn set_fetch_url(&self, url: &str, fetch_url: Option<&str>) -> Result<()> {
        let mut tx = self.begin(&Actor::System("harvest")).await?;
        let n =
            tx.execute(q("UPDATE repositories SET fetch_url = $1 WHERE url = $2").bind(fetch_url).bind(url)).await?;
        if n == 0 {
            return Err(Error::not_found("repository", url));
        }
        tx.commit().await
    }

    /// Takes the next repository of the selection that no live lease holds and that this run
    /// has not harvested yet, and leases it to `claim.owner`. On PostgreSQL the candidate row
    /// is locked with `FOR UPDATE SKIP LOCKED`, so two processes claiming at the same moment
    /// take different rows; SQLite runs one write at a time, which gives the same.
    pub async fn claim_repository(&self, claim: &Claim<'_>, now: DateTime<Utc>) -> Result<Option<HarvestJob>> {
        let (scope, arg) = match claim.selection {
            HarvestSelection::Due => ("AND (r.next_harvest_at IS NULL OR r.next_harvest_at <= $3)", None),
            HarvestSelection::All => ("", None),
            HarvestSelection::Software(slug) => {
                ("AND r.software_id = (SELECT id FROM software WHERE slug = $5)", Some(slug.clone()))
            }
        };
        let lock = match self.backend() {
            Backend::Postgres => "FOR UPDATE OF r SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let not_followed = not_followed();
        let sql = format!(
            "UPDATE repositories SET lease_owner = $1, lease_until = $2 WHERE id = (\
               SELECT r.id FROM repositories r \
               WHERE (r.lease_until IS NULL OR r.lease_until < $3) \
               AND (r.last_harvest_at IS NULL OR r.last_harvest_at < $4) AND {not_followed} {scope} \
               ORDER BY (r.next_harvest_at IS NOT NULL), r.next_harvest_at, r.id LIMIT 1 {lock}) \
             RETURNING id"
        );
        let mut query = q(sql).bind(claim.owner).bind(now + claim.lease).bind(now).bind(claim.run_started);
        if let Some(slug) = arg {
            query = query.bind(slug);
        }
        let mut tx = self.begin(&Actor::System("harvest")).await?;
        let Some((id,)): Option<(i64,)> = tx.optional(query).await? else {
            return Ok(None);
        };
        let (repository_id, software, url, fetch_url, last_snapshot_at, failures): JobRow = tx
            .one(
                q("SELECT r.id, s.slug, r.url, r.fetch_url, sn.harvested_at, r.consecutive_failures \
                   FROM repositories r JOIN software s ON s.id = r.software_id \
                   LEFT JOIN repository_snapshots sn ON sn.repository_id = r.id WHERE r.id = $1")
                .bind(id),
            )
            .await?;
        // A lease is not a change of the catalog: committed without bumping its version.
        tx.commit_quietly().await?;
        Ok(Some(HarvestJob {
            repository_id,
            software,
            url,
            fetch_url,
            last_snapshot_at,
            consecutive_failures: failures.max(0) as u32,
        }))
    }

    /// How many repositories a run with this selection would take now, for a progress bar.
    pub async fn count_harvestable(&self, selection: &HarvestSelection, now: DateTime<Utc>) -> Result<i64> {
        let (n,): (i64,) = match selection {
            HarvestSelection::Due => {
                self.one(
                    q(format!(
                        "SELECT COUNT(*) FROM repositories r WHERE (r.next_harvest_at IS NULL OR r.next_harvest_at <= $1) \
                         AND {}",
                        not_followed()
                    ))
                    .bind(now),
                )
                .await?
            }
            HarvestSelection::All => {
                self.one(q(format!("SELECT COUNT(*) FROM repositories r WHERE {}", not_followed()))).await?
            }
            HarvestSelection::Software(slug) => {
                self.one(
                    q("SELECT COUNT(*) FROM repositories r JOIN software s ON s.id = r.software_id WHERE s.slug = $1")
                        .bind(slug),
                )
                .await?
            }
        };
        Ok(n)
    }

    /// Gives a lease back without recording a harvest (a run stopped before it began).
    pub async fn release_repository(&self, owner: &str, job: &HarvestJob) -> Result<()> {
        let mut tx = self.begin(&Actor::System("harvest")).await?;
        tx.execute(
            q("UPDATE repositories SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2")
                .bind(job.repository_id)
                .bind(owner),
        )
        .await?;
        tx.commit_quietly().await
    }

    /// Records how a harvest ended, and releases the lease, in one transaction. Returns
    /// `false`, writing nothing, when the lease was lost meanwhile (it expired and another
    /// harvester took the repository): that harvester's result is the one that counts.
    pub async fn record_harvest(
        &self,
        owner: &str,
        job: &HarvestJob,
        started: DateTime<Utc>,
        outcome: &HarvestOutcome,
        interval: chrono::Duration,
    ) -> Result<bool> {
        let mut tx = self.begin(&Actor::System("harvest")).await?;
        let now = tx.now();
        let (failure, consecutive) = match outcome {
            HarvestOutcome::Failed(class, message) => (Some((class, message)), job.consecutive_failures + 1),
            _ => (None, 0),
        };
        let next = match failure {
            Some(_) => now + retry_delay(consecutive),
            None => now + interval,
        };
        let updated = tx
            .execute(
                q("UPDATE repositories SET lease_owner = NULL, lease_until = NULL, last_harvest_at = $1, \
                   last_outcome = $2, next_harvest_at = $3, consecutive_failures = $4, \
                   failure_class = $5, failure_message = $6, failure_at = $7 \
                   WHERE id = $8 AND lease_owner = $9")
                .bind(now)
                .bind(outcome.label())
                .bind(next)
                .bind(consecutive as i64)
                .bind(failure.map(|(c, _)| c.as_str()))
                .bind(failure.map(|(_, m)| m.clone()))
                .bind(failure.map(|_| now))
                .bind(job.repository_id)
                .bind(owner),
            )
            .await?;
        if updated == 0 {
            return Ok(false);
        }
        let fresh = match outcome {
            HarvestOutcome::Cloned(s, h) | HarvestOutcome::Updated(s, h) => Some((s, h)),
            HarvestOutcome::Unchanged(Some((s, h))) => Some((s, h)),
            _ => None,
        };
        if let Some((snapshot, health)) = fresh {
            tx.execute(
                q("INSERT INTO repository_snapshots (repository_id, harvested_at, head_commit, facts, health_score, health) \
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (repository_id) DO UPDATE SET \
                   harvested_at = excluded.harvested_at, head_commit = excluded.head_commit, facts = excluded.facts, \
                   health_score = excluded.health_score, health = excluded.health")
                .bind(job.repository_id)
                .bind(snapshot.harvested_at)
                .bind(&snapshot.head_commit)
                .bind(serde_json::to_string(snapshot.as_ref()).expect("snapshots serialise"))
                .bind(health.score as i64)
                .bind(serde_json::to_string(health).expect("health serialises")),
            )
            .await?;
        }
        tx.execute(
            q("INSERT INTO repository_harvests (repository_id, harvester, started_at, ended_at, outcome, failure_class, message) \
               VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(job.repository_id)
            .bind(owner)
            .bind(started)
            .bind(now)
            .bind(outcome.label())
            .bind(failure.map(|(c, _)| c.as_str()))
            .bind(failure.map(|(_, m)| m.clone())),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Each repository of a software with what its harvests learnt, in the record's order.
    pub async fn repository_harvests(&self, software: &str) -> Result<Vec<(String, RepositoryHarvest)>> {
        let rows: Vec<StateRow> = self
            .all(
                q("SELECT r.url, r.last_harvest_at, r.last_outcome, r.next_harvest_at, r.failure_class, \
                   r.failure_message, r.failure_at, r.consecutive_failures, sn.facts, sn.health \
                   FROM repositories r JOIN software s ON s.id = r.software_id \
                   LEFT JOIN repository_snapshots sn ON sn.repository_id = r.id \
                   WHERE s.slug = $1 ORDER BY r.position, r.id")
                .bind(software),
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (url, last, outcome, next, class, message, failed_at, consecutive, facts, health) in rows {
            let last_error = match (class, failed_at) {
                (Some(class), Some(at)) => Some(HarvestFailure {
                    class: FailureClass::parse(&class).unwrap_or(FailureClass::Other),
                    message: message.unwrap_or_default(),
                    at,
                    consecutive: consecutive.max(0) as u32,
                }),
                _ => None,
            };
            let snapshot: Option<RepositorySnapshot> =
                facts.as_deref().map(|f| decode("facts", &url, f)).transpose()?;
            let health: Option<Health> = health.as_deref().map(|h| decode("health", &url, h)).transpose()?;
            out.push((
                url,
                RepositoryHarvest {
                    last_harvest: last,
                    last_outcome: outcome,
                    next_harvest: next,
                    last_error,
                    snapshot,
                    health,
                },
            ));
        }
        Ok(out)
    }

    /// How many harvests of each repository are recorded, by URL: for the tests and the
    /// operators who want to see that every repository was harvested exactly once.
    pub async fn harvest_counts(&self) -> Result<Vec<(String, i64)>> {
        self.all(q(
            "SELECT r.url, COUNT(h.id) FROM repositories r LEFT JOIN repository_harvests h ON h.repository_id = r.id \
               GROUP BY r.url ORDER BY r.url",
        ))
        .await
    }
}

fn decode<T: serde::de::DeserializeOwned>(what: &str, url: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| {
        Error::Database(sqlx::Error::Decode(format!("stored {what} of repository {url} cannot be read: {e}").into()))
    })
}
