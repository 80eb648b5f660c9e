//! Writes that people make under their own name: adoptions declared, edited, confirmed and
//! ended; fundings recorded and edited; roadmap items, needs and pledges. Each commits with
//! its audit event, and a write sent twice with the same key happens once.

use crate::federation::FederatedEntity;
use chrono::NaiveDate;

use super::adoptions::adoption_view;
use super::audit::Subject;
use super::roadmap::ITEM_VIEW;
use super::{q, Store, Tx};
use crate::contribution::{
    AdoptionChange, AdoptionDeclaration, Author, FundingChange, FundingRecord, RoadmapItemChange, RoadmapItemFields,
    SoftwareChange,
};
use crate::error::{Error, Result};
use crate::model::{check_due_after, Adoption, Funding, OrgKey, RoadmapItem, Software};
use crate::money::Money;
use crate::slug::Slug;
use crate::vocab::{AdoptionState, AdoptionStatus, FundingStatus};

/// What a write left in the catalog, and whether an earlier send with the same key had
/// written it already (then nothing was written this time).
#[derive(Debug, Clone)]
pub struct Written<T> {
    pub record: T,
    pub replayed: bool,
}

/// A person a daily digest may go to.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub user_id: i64,
    pub handle: String,
    pub name: String,
    pub email: String,
    /// The slugs of their organisations.
    pub organisations: Vec<String>,
    pub last_sent: Option<chrono::DateTime<chrono::Utc>>,
}

/// id, handle, name, address, last digest.
type RecipientRow = (i64, String, String, String, Option<chrono::DateTime<chrono::Utc>>);

/// How long an idempotency key is remembered.
const KEYS_KEPT_HOURS: i64 = 24;

impl Tx {
    /// Takes the author's key for this write. `Some(id)` when a write with the same key
    /// was made already: the record it made, of `entity`. Taken in the write's own
    /// transaction, a key sent twice at once waits for the first write and then finds it.
    pub(super) async fn claim(&mut self, author: &Author, entity: &str) -> Result<Option<i64>> {
        let Some(key) = &author.once else { return Ok(None) };
        let owner = author.key_owner();
        let now = self.now();
        self.execute(
            q("DELETE FROM idempotency_keys WHERE created_at < $1")
                .bind(now - chrono::Duration::hours(KEYS_KEPT_HOURS)),
        )
        .await?;
        let taken = self
            .execute(
                q("INSERT INTO idempotency_keys (author, key, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(&owner)
                    .bind(key)
                    .bind(now),
            )
            .await?;
        if taken == 1 {
            return Ok(None);
        }
        let (was, id): (Option<String>, Option<String>) = self
            .one(
                q("SELECT entity, entity_key FROM idempotency_keys WHERE author = $1 AND key = $2")
                    .bind(&owner)
                    .bind(key),
            )
            .await?;
        match (was.as_deref(), id.and_then(|id| id.parse().ok())) {
            (Some(was), Some(id)) if was == entity => Ok(Some(id)),
            _ => Err(Error::Conflict {
                field: "Idempotency-Key".into(),
                message: "this key was used for another write; send a new key for a new write".into(),
            }),
        }
    }

    /// Records what the write under the author's key made.
    pub(super) async fn settle(&mut self, author: &Author, entity: &str, id: i64) -> Result<()> {
        let Some(key) = &author.once else { return Ok(()) };
        self.execute(
            q("UPDATE idempotency_keys SET entity = $1, entity_key = $2 WHERE author = $3 AND key = $4")
                .bind(entity)
                .bind(id.to_string())
                .bind(author.key_owner())
                .bind(key),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn adoption_by_id(&mut self, id: i64) -> Result<Adoption> {
        self.optional(q(format!("{} WHERE a.id = $1", adoption_view())).bind(id))
            .await?
            .ok_or_else(|| Error::not_found("adoption", id.to_string()))
    }

    async fn funding_by_id(&mut self, id: i64) -> Result<Funding> {
        self.funding_view(id).await?.ok_or_else(|| Error::not_found("funding", id.to_string()))
    }

    pub(crate) async fn item_by_id(&mut self, id: i64) -> Result<RoadmapItem> {
        self.load_items(q(format!("{ITEM_VIEW} WHERE r.id = $1")).bind(id))
            .await?
            .pop()
            .ok_or_else(|| Error::not_found("roadmap item", id.to_string()))
    }

    pub(crate) async fn ids_of_adoption(&mut self, id: i64) -> Result<(i64, i64)> {
        self.optional(q("SELECT software_id, organisation_id FROM adoptions WHERE id = $1").bind(id))
            .await?
            .ok_or_else(|| Error::not_found("adoption", id.to_string()))
    }

    async fn provider_id(&mut self, provider: Option<&OrgKey>) -> Result<Option<i64>> {
        match provider {
            None => Ok(None),
            Some(key) => Ok(Some(self.require_organisation("provider", key).await?)),
        }
    }

    /// The roadmap item `id` of the software `software_id`, refused otherwise.
    async fn item_of(&mut self, software_id: i64, id: i64) -> Result<i64> {
        let found: Option<(i64,)> = self
            .optional(q("SELECT id FROM roadmap_items WHERE id = $1 AND software_id = $2").bind(id).bind(software_id))
            .await?;
        found
            .map(|r| r.0)
            .ok_or_else(|| Error::invalid("roadmap_item", format!("this software has no roadmap item {id}")))
    }

    async fn audit_adoption(&mut self, action: &str, before: Option<&Adoption>, after: &Adoption) -> Result<()> {
        let key = format!("{}/{}", after.software, after.organisation);
        let about =
            Subject { software: Some(&after.software), organisation: Some(&after.organisation), roadmap_item: None };
        self.audit_about(action, "adoption", &key, about, before, Some(after)).await
    }

    async fn audit_funding(
        &mut self,
        action: &str,
        before: Option<&Funding>,
        after: &Funding,
        item: Option<i64>,
    ) -> Result<()> {
        let about = Subject { software: Some(&after.software), organisation: Some(&after.funder), roadmap_item: item };
        self.audit_about(action, "funding", &after.id.to_string(), about, before, Some(after)).await
    }

    async fn audit_item(&mut self, action: &str, before: Option<&RoadmapItem>, after: &RoadmapItem) -> Result<()> {
        let key = format!("{}/{}", after.software, after.slug);
        let about = Subject { software: Some(&after.software), organisation: None, roadmap_item: Some(after.id) };
        self.audit_about(action, "roadmap_item", &key, about, before, Some(after)).await
    }

    async fn funding_item(&mut self, id: i64) -> Result<Option<i64>> {
        let (item,): (Option<i64>,) =
            self.one(q("SELECT roadmap_item_id FROM fundings WHERE id = $1").bind(id)).await?;
        Ok(item)
    }
}

impl Store {
    /// One adoption, by id.
    pub async fn adoption(&self, id: i64) -> Result<Adoption> {
        self.read().await?.adoption_by_id(id).await
    }

    /// Declares that `organisation` uses `software`. One organisation declares a software
    /// once: a second declaration is a conflict that names the first.
    pub async fn declare_adoption(
        &self,
        author: &Author,
        software: &str,
        organisation: &OrgKey,
        d: &AdoptionDeclaration,
    ) -> Result<Written<Adoption>> {
        let mut tx = self.begin_as(author).await?;
        if let Some(id) = tx.claim(author, "adoption").await? {
            return Ok(Written { record: tx.adoption_by_id(id).await?, replayed: true });
        }
        let software_id = tx.software_id(software).await?.ok_or_else(|| Error::not_found("software", software))?;
        let organisation_id = tx.require_organisation("organisation", organisation).await?;
        let provider_id = tx.provider_id(d.provider.as_ref()).await?;
        let existing: Option<(i64,)> = tx
            .optional(
                q("SELECT id FROM adoptions WHERE software_id = $1 AND organisation_id = $2")
                    .bind(software_id)
                    .bind(organisation_id),
            )
            .await?;
        if let Some((id,)) = existing {
            return Err(Error::Conflict {
                field: "organisation".into(),
                message: format!("{organisation} has declared this software already: change adoption {id} instead"),
            });
        }
        let now = tx.now();
        let ended_on = (d.status == AdoptionStatus::Ended).then(|| now.date_naive());
        let (id,): (i64,) = tx
            .one(
                q("INSERT INTO adoptions (software_id, organisation_id, since, status, scope, evidence_url, \
                   instance_url, provider_id, state, last_confirmed, ended_on, check_due, demo, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11, FALSE, $12, $12) RETURNING id")
                .bind(software_id)
                .bind(organisation_id)
                .bind(d.since)
                .bind(d.status.as_str())
                .bind(d.scope.clone())
                .bind(d.evidence_url.clone())
                .bind(d.instance_url.clone())
                .bind(provider_id)
                .bind(AdoptionState::Declared.as_str())
                .bind(ended_on)
                .bind(check_due_after(now.date_naive()))
                .bind(now),
            )
            .await?;
        tx.refresh_stats(&[software_id].into()).await?;
        let after = tx.adoption_by_id(id).await?;
        tx.audit_adoption("declare", None, &after).await?;
        tx.settle(author, "adoption", id).await?;
        tx.commit().await?;
        Ok(Written { record: after, replayed: false })
    }

    /// Changes an adoption. A new `since` or `status` is a new fact: the adoption is
    /// declared again, to be confirmed again.
    pub async fn edit_adoption(&self, author: &Author, id: i64, c: &AdoptionChange) -> Result<Written<Adoption>> {
        let mut tx = self.begin_as(author).await?;
        if let Some(id) = tx.claim(author, "adoption").await? {
            return Ok(Written { record: tx.adoption_by_id(id).await?, replayed: true });
        }
        let (software_id, _) = tx.ids_of_adoption(id).await?;
        let before = tx.adoption_by_id(id).await?;
        tx.refuse_followed(FederatedEntity::Adoption, id).await?;
        let now = tx.now();
        let today = now.date_naive();
        let since = c.since.unwrap_or(before.since);
        let status = c.status.unwrap_or(before.status);
        let ended_on = match status {
            AdoptionStatus::Ended => Some(before.ended_on.unwrap_or(today)),
            _ => None,
        };
        if let Some(end) = ended_on {
            if since > end {
                return Err(Error::invalid("since", format!("{since} is after the adoption ended ({end})")));
            }
        }
        let refacted = c.since.is_some_and(|d| d != before.since) || c.status.is_some_and(|s| s != before.status);
        let (state, last_confirmed) =
            if refacted { (AdoptionState::Declared, None) } else { (before.state, before.last_confirmed) };
        let provider_id = match &c.provider {
            Some(p) => tx.provider_id(p.as_ref()).await?,
            None => {
                let (p,): (Option<i64>,) =
                    tx.one(q("SELECT provider_id FROM adoptions WHERE id = $1").bind(id)).await?;
                p
            }
        };
        tx.execute(
            q("UPDATE adoptions SET since = $1, status = $2, scope = $3, evidence_url = $4, instance_url = $5, \
               provider_id = $6, state = $7, last_confirmed = $8, ended_on = $9, updated_at = $10 WHERE id = $11")
            .bind(since)
            .bind(status.as_str())
            .bind(c.scope.clone().unwrap_or_else(|| before.scope.clone()))
            .bind(c.evidence_url.clone().unwrap_or_else(|| before.evidence_url.clone()))
            .bind(c.instance_url.clone().unwrap_or_else(|| before.instance_url.clone()))
            .bind(provider_id)
            .bind(state.as_str())
            .bind(last_confirmed)
            .bind(ended_on)
            .bind(now)
            .bind(id),
        )
        .await?;
        tx.refresh_stats(&[software_id].into()).await?;
        let after = tx.adoption_by_id(id).await?;
        tx.audit_adoption("edit", Some(&before), &after).await?;
        tx.settle(author, "adoption", id).await?;
        tx.commit().await?;
        Ok(Written { record: after, replayed: false })
    }

    /// Confirms an adoption: by the software's maintainers (`by_maintainer`), which makes
    /// it confirmed; or by its own organisation, which says it is still in use. Either puts
    /// off its next check by 24 months.
    pub async fn confirm_adoption(&self, author: &Author, id: i64, by_maintainer: bool) -> Result<Written<Adoption>> {
        let mut tx = self.begin_as(author).await?;
        if let Some(id) = tx.claim(author, "adoption").await? {
            return Ok(Written { record: tx.adoption_by_id(id).await?, replayed: true });
        }
        tx.refuse_followed(FederatedEntity::Adoption, id).await?;
        let before = tx.adoption_by_id(id).await?;
        if before.status == AdoptionStatus::Ended {
            return Err(Error::Conflict {
                field: "status".into(),
                message: "this adoption has ended: there is nothing to confirm".into(),
            });
        }
        let now = tx.now();
        let today = now.date_naive();
        if by_maintainer {
            tx.execute(
                q("UPDATE adoptions SET state = $1, last_confirmed = $2, check_due = $3, updated_at = $4 WHERE id = $5")
                    .bind(AdoptionState::Confirmed.as_str())
                    .bind(today)
                    .bind(check_due_after(today))
                    .bind(now)
                    .bind(id),
            )
            .await?;
        } else {
            tx.execute(
                q("UPDATE adoptions SET check_due = $1, updated_at = $2 WHERE id = $3")
                    .bind(check_due_after(today))
                    .bind(now)
                    .bind(id),
            )
            .await?;
        }
        let after = tx.adoption_by_id(id).await?;
        let action = if by_maintainer { "confirm" } else { "still_in_use" };
        tx.audit_adoption(action, Some(&before), &after).await?;
        tx.settle(author, "adoption", id).await?;
        tx.commit().await?;
        Ok(Written { record: after, replayed: false })
    }

    /// Ends an adoption on `on` (its last day of use).
    pub async fn end_adoption(&self, author: &Author, id: i64, on: NaiveDate) -> Result<Written<Adoption>> {
        let mut tx = self.begin_as(author).await?;
        if let Some(id) = tx.claim(author, "adoption").await? {
            return Ok(Written { record: tx.adoption_by_id(id).await?, replayed: true });
        }
        let (software_id, _) = tx.ids_of_adoption(id).await?;
        let before = tx.adoption_by_id(id).await?;
        tx.refuse_followed(FederatedEntity::Adoption, id).await?;
        if before.status == AdoptionStatus::Ended {
            return Err(Error::Conflict { field: "status".into(), message: "this adoption has ended already".into() });
        }
        if on < before.since {
            return Err(Error::invalid("on", format!("{on} is before the adoption began ({})", before.since)));
        }
        let now = tx.now();
        tx.execute(
            q("UPDATE adoptions SET status = $1, ended_on = $2, updated_at = $3 WHERE id = $4")
                .bind(AdoptionStatus::Ended.as_str())
                .bind(on)
                .bind(now)
                .bind(id),
        )
        .await?;
        tx.refresh_stats(&[software_id].into()).await?;
        let after = tx.adoption_by_id(id).await?;
        tx.audit_adoption("end", Some(&before), &after).await?;
        tx.settle(author, "adoption", id).await?;
        tx.commit().await?;
        Ok(Written { record: after, replayed: false })
    }

    /// The current adoptions of an organisation that are due for a check on `today`.
    pub async fn adoptions_to_check(&self, organisation: &str, today: NaiveDate) -> Result<Vec<Adoption>> {
        self.all(
            q(format!(
                "{} WHERE o.slug = $1 AND a.status <> 'ended' AND a.check_due <= $2 ORDER BY a.check_due, a.id",
                adoption_view()
            ))
            .bind(organisation)
            .bind(today),
        )
        .await
    }

    /// The declared adoptions, not yet confirmed, of the software that `organisation`
    /// maintains or publishes: what its members are asked to confirm.
    pub async fn adoptions_to_confirm(&self, organisation: &str) -> Result<Vec<Adoption>> {
        self.all(
            q(format!(
                "{} WHERE a.state = 'declared' AND a.status <> 'ended' AND a.demo = FALSE AND (\
                 a.software_id IN (SELECT so.software_id FROM software_organisations so \
                    JOIN organisations m ON m.id = so.organisation_id WHERE m.slug = $1 AND so.role = 'maintainer') \
                 OR s.publisher_id = (SELECT id FROM organisations WHERE slug = $1)) \
                 ORDER BY a.created_at, a.id LIMIT 200",
                adoption_view()
            ))
            .bind(organisation),
        )
        .await
    }

    /// The needs and pledges recorded since `since` on the roadmaps of the software that
    /// `organisation` maintains or publishes, newest first.
    pub async fn roadmap_news(
        &self,
        organisation: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<crate::model::AuditEvent>> {
        self.maintainer_news(organisation, since, &["need", "pledge"]).await
    }

    /// What others did since `since` (the `actions` named: `declare`, `need`, `pledge`…) to
    /// the software that `organisation` maintains or publishes, newest first, 200 at most.
    pub async fn maintainer_news(
        &self,
        organisation: &str,
        since: chrono::DateTime<chrono::Utc>,
        actions: &[&str],
    ) -> Result<Vec<crate::model::AuditEvent>> {
        let listed = (0..actions.len()).map(|i| format!("${}", i + 3)).collect::<Vec<_>>().join(", ");
        let mut query = q(format!(
            "SELECT id, at, actor, action, entity, entity_key, before, after, acting_for FROM audit_events \
             WHERE action IN ({listed}) AND at >= $2 AND (acting_for IS NULL OR acting_for <> $1) AND software IN (\
               SELECT s.slug FROM software s JOIN software_organisations so ON so.software_id = s.id \
               JOIN organisations m ON m.id = so.organisation_id WHERE m.slug = $1 AND so.role = 'maintainer' \
               UNION SELECT s.slug FROM software s JOIN organisations p ON p.id = s.publisher_id WHERE p.slug = $1) \
             ORDER BY id DESC LIMIT 200"
        ))
        .bind(organisation)
        .bind(since);
        for a in actions {
            query = query.bind(*a);
        }
        self.all(query).await
    }

    /// The current adoptions of `organisation` that fell due for a check after `from` and
    /// up to `to`.
    pub async fn adoptions_falling_due(
        &self,
        organisation: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Adoption>> {
        self.all(
            q(format!(
                "{} WHERE o.slug = $1 AND a.status <> 'ended' AND a.check_due > $2 AND a.check_due <= $3 \
                 ORDER BY a.check_due, a.id",
                adoption_view()
            ))
            .bind(organisation)
            .bind(from)
            .bind(to),
        )
        .await
    }

    /// The people a digest may go to: a verified address and at least one organisation,
    /// with when they were last sent one.
    pub async fn digest_recipients(&self) -> Result<Vec<Recipient>> {
        let rows: Vec<RecipientRow> = self
            .all(q(
                "SELECT u.id, u.handle, u.name, u.email, d.sent_at FROM users u LEFT JOIN mail_digests d ON d.user_id = u.id \
                 WHERE u.email IS NOT NULL AND u.email_verified = TRUE \
                 AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id) ORDER BY u.id",
            ))
            .await?;
        let mut memberships: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
        for (user, slug) in self
            .all::<(i64, String)>(q(
                "SELECT m.user_id, o.slug FROM memberships m JOIN organisations o ON o.id = m.organisation_id ORDER BY o.slug",
            ))
            .await?
        {
            memberships.entry(user).or_default().push(slug);
        }
        Ok(rows
            .into_iter()
            .map(|(user_id, handle, name, email, last_sent)| Recipient {
                organisations: memberships.remove(&user_id).unwrap_or_default(),
                user_id,
                handle,
                name,
                email,
                last_sent,
            })
            .collect())
    }

    /// Takes the digest of `user_id` due since `last_sent` for sending at `at`: `false` when
    /// another process took it first (several processes send digests at the same hour; each
    /// person gets one). The mark moves only if it is still `last_sent`.
    pub async fn claim_digest(
        &self,
        user_id: i64,
        last_sent: Option<chrono::DateTime<chrono::Utc>>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool> {
        // Bookkeeping that no page shows: committed without moving the catalog's version.
        let mut tx = self.begin(&crate::model::Actor::System("mail")).await?;
        let taken = match last_sent {
            None => {
                tx.execute(
                    q("INSERT INTO mail_digests (user_id, sent_at) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING")
                        .bind(user_id)
                        .bind(at),
                )
                .await?
            }
            Some(last) => {
                tx.execute(
                    q("UPDATE mail_digests SET sent_at = $2 WHERE user_id = $1 AND sent_at = $3")
                        .bind(user_id)
                        .bind(at)
                        .bind(last),
                )
                .await?
            }
        };
        tx.commit_quietly().await?;
        Ok(taken == 1)
    }

    /// Gives back a digest taken at `at` that could not be sent: the next run tries again
    /// from `last_sent`.
    pub async fn release_digest(
        &self,
        user_id: i64,
        last_sent: Option<chrono::DateTime<chrono::Utc>>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let mut tx = self.begin(&crate::model::Actor::System("mail")).await?;
        match last_sent {
            None => {
                tx.execute(q("DELETE FROM mail_digests WHERE user_id = $1 AND sent_at = $2").bind(user_id).bind(at))
                    .await?
            }
            Some(last) => {
                tx.execute(
                    q("UPDATE mail_digests SET sent_at = $3 WHERE user_id = $1 AND sent_at = $2")
                        .bind(user_id)
                        .bind(at)
                        .bind(last),
                )
                .await?
            }
        };
        tx.commit_quietly().await
    }

    /// Changes a software's record: its summaries and descriptions in French and English,
    /// its site, its maturity. A software keeps a summary in one language at least.
    pub async fn edit_software(&self, author: &Author, slug: &str, c: &SoftwareChange) -> Result<Written<Software>> {
        let mut tx = self.begin_as(author).await?;
        let (id, before) = tx.load_software_with_id(slug).await?.ok_or_else(|| Error::not_found("software", slug))?;
        tx.refuse_followed(FederatedEntity::Software, id).await?;
        if let Some(_done) = tx.claim(author, "software").await? {
            return Ok(Written { record: before, replayed: true });
        }
        let now = tx.now();
        let mut summaries = 0;
        for (lang, summary, description) in
            [("fr", &c.summary_fr, &c.description_fr), ("en", &c.summary_en, &c.description_en)]
        {
            let summary = summary.clone().unwrap_or_else(|| before.summary.get(lang).cloned());
            let description = description.clone().unwrap_or_else(|| before.description.get(lang).cloned());
            summaries += usize::from(summary.is_some());
            if summary.is_none() && description.is_none() {
                tx.execute(q("DELETE FROM software_texts WHERE software_id = $1 AND lang = $2").bind(id).bind(lang))
                    .await?;
            } else {
                tx.execute(
                    q("INSERT INTO software_texts (software_id, lang, summary, description) VALUES ($1, $2, $3, $4) \
                       ON CONFLICT (software_id, lang) DO UPDATE SET summary = $3, description = $4")
                    .bind(id)
                    .bind(lang)
                    .bind(summary)
                    .bind(description),
                )
                .await?;
            }
        }
        let kept_elsewhere = before.summary.keys().any(|l| l != "fr" && l != "en");
        if summaries == 0 && !kept_elsewhere {
            return Err(Error::invalid("summary_fr", "a software keeps a summary in one language at least"));
        }
        tx.execute(
            q("UPDATE software SET website = $1, maturity = $2, updated_at = $3 WHERE id = $4")
                .bind(c.website.clone().unwrap_or_else(|| before.website.clone()))
                .bind(c.maturity.map_or_else(|| before.maturity.clone(), |m| m.as_str().to_string()))
                .bind(now)
                .bind(id),
        )
        .await?;
        let after = tx.load_software(slug).await?.expect("the software was just written");
        tx.audit("edit", "software", slug, Some(&before), Some(&after)).await?;
        tx.settle(author, "software", id).await?;
        tx.commit().await?;
        Ok(Written { record: after, replayed: false })
    }

    // ---- fundings -------------------------------------------------------------------------

    /// One funding, by id.
    pub async fn funding(&self, id: i64) -> Result<Funding> {
        self.read().await?.funding_by_id(id).await
    }

    /// Records a funding of `software` by `funder`.
    pub async fn record_funding(
        &self,
        author: &Author,
        software: &str,
        funder: &OrgKey,
        f: &FundingRecord,
    ) -> Result<Written<Funding>> {
        let mut tx = self.begin_as(author).await?;
        if let Some(id) = tx.claim(author, "funding").await? {
            return Ok(Written { record: tx.funding_by_id(id).await?, replayed: true });
        }
        let software_id = tx.software_id(software).await?.ok_or_else(|| Error::not_found("software", software))?;
        let funder_id = tx.require_organisation("funder", funder).await?;
        let item = match f.roadmap_item {
            Some(item) => Some(tx.item_of(software_id, item).await?),
            None => None,
        };
        let now = tx.now();
        let (id,): (i64,) = tx
            .one(
                q("INSERT INTO fundings (funder_id, software_id, roadmap_item_id, amount_minor, currency, funded_on, \
                   kind, status, deliberation, evidence_url, demo, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, FALSE, $11, $11) RETURNING id")
                .bind(funder_id)
                .bind(software_id)
                .bind(item)
                .bind(f.amount.minor)
                .bind(f.amount.currency.code())
                .bind(f.date)
                .bind(f.kind.as_str())
                .bind(f.status.as_str())
                .bind(f.deliberation.clone())
                .bind(f.evidence_url.clone())
                .bind(now),
            )
            .await?;
        tx.refresh_stats(&[software_id].into()).await?;
        let after = tx.funding_by_id(id).await?;
        let action = if item.is_some() && f.status == FundingStatus::Pledged { "pledge" } else { "record" };
        tx.audit_funding(action, None, &after, item).await?;
        tx.settle(author, "funding", id).await?;
        tx.commit().await?;
        Ok(Written { record: after, replayed: false })
    }

    /// Changes a funding: its status as it moves from pledge to vote to payment, or a
    /// correction. The funder stays.
    pub async fn edit_funding(
        &self,
        author: &Author,
        id: i64,
        c: &FundingChange,
        today: NaiveDate,
    ) -> Result<Written<Funding>> {
        let mut tx = self.begin_as(author).await?;
        if let Some(id) = tx.claim(author, "funding").await? {
            return Ok(Written { record: tx.funding_by_id(id).await?, replayed: true });
        }
        let before = tx.funding_by_id(id).await?;
        let (software_id,): (i64,) = tx.one(q("SELECT software_id FROM fundings WHERE id = $1").bind(id)).await?;
        tx.refuse_followed(FederatedEntity::Funding, id).await?;
        let current = FundingRecord {
            funder: None,
            amount: before.amount,
            date: before.date,
            kind: before.kind,
            status: before.status,
            deliberation: before.deliberation.clone(),
            evidence_url: before.evidence_url.clone(),
            roadmap_item: tx.funding_item(id).await?,
        };
        let next = current.changed(c, today)?;
        let item = match next.roadmap_item {
            Some(item) => Some(tx.item_of(software_id, item).await?),
            None => None,
        };
        tx.execute(
            q("UPDATE fundings SET amount_minor = $1, currency = $2, funded_on = $3, kind = $4, status = $5, \
               deliberation = $6, evidence_url = $7, roadmap_item_id = $8, updated_at = $9 WHERE id = $10")
            .bind(next.amount.minor)
            .bind(next.amount.currency.code())
            .bind(next.date)
            .bind(next.kind.as_str())
            .bind(next.status.as_str())
            .bind(next.deliberation.clone())
            .bind(next.evidence_url.clone())
            .bind(item)
            .bind(tx.now())
            .bind(id),
        )
        .await?;
        tx.refresh_stats(&[software_id].into()).await?;
        let after = tx.funding_by_id(id).await?;
        tx.audit_funding("edit", Some(&before), &after, item.or(current.roadmap_item)).await?;
        tx.settle(author, "funding", id).await?;
        tx.commit().await?;
        Ok(Written { record: after, replayed: false })
    }

    // ---- roadmaps -------------------------------------------------------------------------

    /// One roadmap item, by id.
    pub async fn roadmap_item(&self, id: i64) -> Result<RoadmapItem> {
        self.read().await?.item_by_id(id).await
    }

    /// The fundings towards a roadmap item, most recent first.
    pub async fn roadmap_item_fundings(&self, id: i64) -> Result<Vec<Funding>> {
        let mut r = self.read().await?;
        r.item_by_id(id).await?;
        r.fundings_of_item(id).await
    }

    /// Publishes a roadmap item of `software`; its slug comes from its title.
    pub async fn add_roadmap_item(
        &self,
        author: &Author,
        software: &str,
        item: &RoadmapItemFields,
    ) -> Result<Written<RoadmapItem>> {
        let mut tx = self.begin_as(author).await?;
        if let Some(id) = tx.claim(author, "roadmap_item").await? {
            return Ok(Written { record: tx.item_by_id(id).await?, replayed: true });
        }
        let software_id = tx.software_id(software).await?.ok_or_else(|| Error::not_found("software", software))?;
        tx.refuse_followed(FederatedEntity::Software, software_id).await?;
        let base = Slug::from_name(&item.title).map_err(|e| match e {
            Error::Invalid { message, .. } => Error::invalid("title", message),
            other => other,
        })?;
        let taken: Vec<(String,)> =
            tx.all(q("SELECT slug FROM roadmap_items WHERE software_id = $1").bind(software_id)).await?;
        let slug = (1..)
            .map(|n| if n == 1 { base.to_string() } else { format!("{base}-{n}") })
            .find(|s| !taken.iter().any(|(t,)| t == s))
            .expect("a free slug");
        let now = tx.now();
        let (id,): (i64,) = tx
            .one(
                q("INSERT INTO roadmap_items (software_id, slug, title, body, status, cost_minor, cost_currency, \
                   target_date, demo, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE, $9, $9) \
                   RETURNING id")
                .bind(software_id)
                .bind(&slug)
                .bind(&item.title)
                .bind(item.description.clone())
                .bind(item.status.as_str())
                .bind(item.estimated_cost.map(|m| m.minor))
                .bind(item.estimated_cost.map(|m| m.currency.code().to_string()))
                .bind(item.target_date)
                .bind(now),
            )
            .await?;
        let after = tx.item_by_id(id).await?;
        tx.audit_item("create", None, &after).await?;
        tx.settle(author, "roadmap_item", id).await?;
        tx.commit().await?;
        Ok(Written { record: after, replayed: false })
    }

    /// Changes a roadmap item.
    pub async fn edit_roadmap_item(
        &self,
        author: &Author,
        id: i64,
        c: &RoadmapItemChange,
    ) -> Result<Written<RoadmapItem>> {
        let mut tx = self.begin_as(author).await?;
        if let Some(id) = tx.claim(author, "roadmap_item").await? {
            return Ok(Written { record: tx.item_by_id(id).await?, replayed: true });
        }
        tx.refuse_followed(FederatedEntity::RoadmapItem, id).await?;
        let before = tx.item_by_id(id).await?;
        let cost: Option<Money> = match c.estimated_cost {
            Some(cost) => cost,
            None => before.estimated_cost,
        };
        tx.execute(
            q("UPDATE roadmap_items SET title = $1, body = $2, status = $3, cost_minor = $4, cost_currency = $5, \
               target_date = $6, updated_at = $7 WHERE id = $8")
            .bind(c.title.clone().unwrap_or_else(|| before.title.clone()))
            .bind(c.description.clone().unwrap_or_else(|| before.body.clone()))
            .bind(c.status.unwrap_or(before.status).as_str())
            .bind(cost.map(|m| m.minor))
            .bind(cost.map(|m| m.currency.code().to_string()))
            .bind(c.target_date.unwrap_or(before.target_date))
            .bind(tx.now())
            .bind(id),
        )
        .await?;
        let after = tx.item_by_id(id).await?;
        tx.audit_item("edit", Some(&before), &after).await?;
        tx.settle(author, "roadmap_item", id).await?;
        tx.commit().await?;
        Ok(Written { record: after, replayed: false })
    }

    /// "We need this too": `organisation` joins those who need a roadmap item. Saying it
    /// again changes nothing (`replayed`).
    pub async fn need_roadmap_item(
        &self,
        author: &Author,
        id: i64,
        organisation: &OrgKey,
    ) -> Result<Written<RoadmapItem>> {
        let mut tx = self.begin_as(author).await?;
        if let Some(id) = tx.claim(author, "roadmap_item").await? {
            return Ok(Written { record: tx.item_by_id(id).await?, replayed: true });
        }
        tx.refuse_followed(FederatedEntity::RoadmapItem, id).await?;
        let before = tx.item_by_id(id).await?;
        let organisation_id = tx.require_organisation("organisation", organisation).await?;
        let added = tx
            .execute(
                q("INSERT INTO roadmap_needs (roadmap_item_id, organisation_id, created_at) VALUES ($1, $2, $3) \
                   ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(organisation_id)
                .bind(tx.now()),
            )
            .await?;
        let after = tx.item_by_id(id).await?;
        if added == 0 {
            return Ok(Written { record: after, replayed: true });
        }
        let (slug,): (String,) =
            tx.one(q("SELECT slug FROM organisations WHERE id = $1").bind(organisation_id)).await?;
        let key = format!("{}/{}", after.software, after.slug);
        let about = Subject { software: Some(&after.software), organisation: Some(&slug), roadmap_item: Some(id) };
        tx.audit_about("need", "roadmap_item", &key, about, Some(&before), Some(&after)).await?;
        tx.settle(author, "roadmap_item", id).await?;
        tx.commit().await?;
        Ok(Written { record: after, replayed: false })
    }

    /// Takes back a "we need this too": `organisation` leaves those who need a roadmap item.
    /// An organisation that did not say it gets `NotFound`.
    pub async fn withdraw_need(&self, author: &Author, id: i64, organisation: &OrgKey) -> Result<RoadmapItem> {
        let mut tx = self.begin_as(author).await?;
        tx.refuse_followed(FederatedEntity::RoadmapItem, id).await?;
        let before = tx.item_by_id(id).await?;
        let organisation_id = tx.require_organisation("organisation", organisation).await?;
        let removed = tx
            .execute(
                q("DELETE FROM roadmap_needs WHERE roadmap_item_id = $1 AND organisation_id = $2")
                    .bind(id)
                    .bind(organisation_id),
            )
            .await?;
        let (slug,): (String,) =
            tx.one(q("SELECT slug FROM organisations WHERE id = $1").bind(organisation_id)).await?;
        if removed == 0 {
            return Err(Error::not_found("need", format!("{slug} on roadmap item {id}")));
        }
        let after = tx.item_by_id(id).await?;
        let key = format!("{}/{}", after.software, after.slug);
        let about = Subject { software: Some(&after.software), organisation: Some(&slug), roadmap_item: Some(id) };
        tx.audit_about("withdraw_need", "roadmap_item", &key, about, Some(&before), Some(&after)).await?;
        tx.commit().await?;
        Ok(after)
    }
}
