//! The records of the instances this one follows (see `crate::federation` and migration
//! 0024): the peers, where each is in its feed, and which records here are theirs.

use chrono::{DateTime, NaiveDate, Utc};

use super::{conflict_on, q, Store, Tx};
use crate::address::AddressPolicy;
use crate::error::{Error, Result};
use crate::federation::{
    peer_name, peer_url, ApplyReport, FederatedEntity, Incoming, Origin, Peer, RemoteAdoption, RemoteFunding,
    RemoteOrganisation, RemoteRecord, RemoteRoadmapItem, RemoteSoftware,
};
use crate::model::{
    Actor, AdoptionDraft, CostDraft, FundingDraft, OrganisationDraft, RepositoryDraft, RoadmapItemDraft, SoftwareDraft,
};
use crate::money::{Currency, Money};
use crate::store::ChangeCursor;
use crate::Slug;

/// A subquery that finds a row when the record of `entity` whose id is the SQL expression
/// `id` came from a peer; within `EXISTS (…)` or `NOT EXISTS (…)`.
pub(crate) fn followed(entity: FederatedEntity, id: &str) -> String {
    format!(
        "SELECT 1 FROM federated_records f WHERE f.entity = '{}' AND f.local_id = {id} AND f.owned",
        entity.as_str()
    )
}

const PEER_COLUMNS: &str = "p.id, p.name, p.url, p.cursor, p.added_at, p.last_round_at, p.last_problem, \
     (SELECT COUNT(*) FROM federated_records f WHERE f.peer_id = p.id AND f.owned)";

type PeerRow = (i64, String, String, String, DateTime<Utc>, Option<DateTime<Utc>>, Option<String>, i64);

fn peer((id, name, url, cursor, added_at, last_round_at, last_problem, records): PeerRow) -> Result<Peer> {
    Ok(Peer { id, name, url, cursor: ChangeCursor::parse(&cursor)?, added_at, last_round_at, last_problem, records })
}

/// Where a page's record came from, read by the page's own query (`origin_columns`) rather
/// than by a second one.
#[derive(sqlx::FromRow)]
pub(crate) struct OriginColumns {
    origin_peer: Option<String>,
    origin_base: Option<String>,
    origin_key: Option<String>,
}

impl OriginColumns {
    /// The columns `origin_peer`, `origin_base` and `origin_key` of the record of `entity`
    /// whose id is the SQL expression `id`.
    pub(crate) fn sql(entity: FederatedEntity, id: &str) -> String {
        let from = format!(
            "FROM federated_records f JOIN federation_peers p ON p.id = f.peer_id \
             WHERE f.entity = '{}' AND f.local_id = {id} AND f.owned",
            entity.as_str()
        );
        format!("(SELECT p.name {from}) AS origin_peer, (SELECT p.url {from}) AS origin_base, (SELECT f.remote_key {from}) AS origin_key")
    }

    pub(crate) fn origin(self, entity: FederatedEntity) -> Option<Origin> {
        match (self.origin_peer, self.origin_base, self.origin_key) {
            (Some(peer), Some(base), Some(key)) => Some(Origin { peer, url: origin_url(&base, entity, &key) }),
            _ => None,
        }
    }
}

/// What stopping following a peer did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerRemoval {
    /// The records that came from it, removed.
    pub removed: usize,
    /// Its software and organisations on which this instance's own records hang, kept as
    /// this instance's (`software openmairie`).
    pub kept: Vec<String>,
}

/// What one change did here.
enum Outcome {
    Created,
    Updated,
    Matched,
    Removed,
    /// The peer removed it, but this instance's own records hang on it: kept as this
    /// instance's.
    Kept,
    Unchanged,
}

/// The table of each kind of record.
fn table(entity: FederatedEntity) -> &'static str {
    match entity {
        FederatedEntity::Organisation => "organisations",
        FederatedEntity::Software => "software",
        FederatedEntity::RoadmapItem => "roadmap_items",
        FederatedEntity::Adoption => "adoptions",
        FederatedEntity::Funding => "fundings",
    }
}

/// A record's address on the peer: its page for software and organisations, its API
/// address for the others.
fn origin_url(base: &str, entity: FederatedEntity, key: &str) -> String {
    match entity {
        FederatedEntity::Organisation => format!("{base}/organisations/{key}"),
        FederatedEntity::Software => format!("{base}/software/{key}"),
        other => format!("{base}/api/v1/{}/{key}", other.collection()),
    }
}

/// Whether an error is the record's (a field it gets wrong, a rule of the catalog it
/// breaks), which refuses it alone, rather than the database's, which stops the round.
fn refusal(e: &Error) -> bool {
    match e {
        Error::Invalid { .. } | Error::Conflict { .. } | Error::NotFound { .. } | Error::Fields(_) => true,
        Error::Database(sqlx::Error::Database(db)) => !matches!(db.kind(), sqlx::error::ErrorKind::Other),
        _ => false,
    }
}

fn same_name(a: &str, b: &str) -> bool {
    match (Slug::from_name(a), Slug::from_name(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

impl Store {
    /// Follows the instance at `url` under `name`, from the start of its feed.
    pub async fn add_peer(&self, actor: &Actor, name: &str, url: &str, policy: AddressPolicy) -> Result<Peer> {
        let name = peer_name(name)?;
        let url = peer_url(url, policy)?;
        let mut tx = self.begin(actor).await?;
        let followed: Option<(String,)> =
            tx.optional(q("SELECT name FROM federation_peers WHERE url = $1").bind(&url)).await?;
        if let Some((other,)) = followed {
            return Err(Error::Conflict {
                field: "url".into(),
                message: format!("{url} is followed already, as {other}"),
            });
        }
        let now = tx.now();
        tx.execute(
            q("INSERT INTO federation_peers (name, url, added_at) VALUES ($1, $2, $3)")
                .bind(&name)
                .bind(&url)
                .bind(now),
        )
        .await
        .map_err(conflict_on("name", format!("a peer is named {name} already")))?;
        tx.audit("create", "federation_peer", &name, None::<&()>, Some(&serde_json::json!({ "url": url }))).await?;
        tx.commit_quietly().await?;
        self.peer(&name).await
    }

    pub async fn peers(&self) -> Result<Vec<Peer>> {
        let rows: Vec<PeerRow> =
            self.all(q(format!("SELECT {PEER_COLUMNS} FROM federation_peers p ORDER BY p.name"))).await?;
        rows.into_iter().map(peer).collect()
    }

    pub async fn peer(&self, name: &str) -> Result<Peer> {
        let row: Option<PeerRow> = self
            .optional(q(format!("SELECT {PEER_COLUMNS} FROM federation_peers p WHERE p.name = $1")).bind(name))
            .await?;
        row.map(peer).transpose()?.ok_or_else(|| Error::not_found("peer", name))
    }

    /// Stops following a peer: the records that came from it go (those it matched here
    /// stay, and so do its software and organisations on which this instance's own records
    /// hang, which become this instance's).
    pub async fn remove_peer(&self, actor: &Actor, name: &str) -> Result<PeerRemoval> {
        let peer = self.peer(name).await?;
        let mut tx = self.begin(actor).await?;
        let mut report = PeerRemoval::default();
        let mut removed = 0;
        // The records that hang on others first: an adoption before its software.
        for entity in [
            FederatedEntity::Funding,
            FederatedEntity::Adoption,
            FederatedEntity::RoadmapItem,
            FederatedEntity::Software,
            FederatedEntity::Organisation,
        ] {
            let ids: Vec<(i64,)> = tx
                .all(
                    q("SELECT local_id FROM federated_records WHERE peer_id = $1 AND entity = $2 AND owned")
                        .bind(peer.id)
                        .bind(entity.as_str()),
                )
                .await?;
            for (id,) in ids {
                if tx.let_go(entity, id).await? {
                    removed += 1;
                } else {
                    report.kept.push(format!("{} {}", entity.as_str(), tx.label_of(entity, id).await?));
                }
            }
        }
        tx.execute(q("DELETE FROM federation_peers WHERE id = $1").bind(peer.id)).await?;
        tx.audit("delete", "federation_peer", name, Some(&serde_json::json!({ "url": peer.url })), None::<&()>).await?;
        // Those removals were never in this instance's feed: they stay out of it.
        let unstamped = tx.unstamped();
        tx.execute(q(format!("UPDATE record_changes SET peer_id = $1 WHERE {unstamped}")).bind(peer.id)).await?;
        tx.commit().await?;
        report.removed = removed;
        Ok(report)
    }

    /// Notes a round that could not read the peer: when, and why.
    pub async fn note_peer_problem(&self, peer: &Peer, problem: &str) -> Result<()> {
        let mut tx = self.begin(&Actor::System("federation")).await?;
        let now = tx.now();
        tx.execute(
            q("UPDATE federation_peers SET last_round_at = $1, last_problem = $2 WHERE id = $3")
                .bind(now)
                .bind(problem)
                .bind(peer.id),
        )
        .await?;
        tx.commit_quietly().await
    }

    /// Notes a round that found nothing new.
    pub async fn note_quiet_round(&self, peer: &Peer) -> Result<()> {
        let mut tx = self.begin(&Actor::System("federation")).await?;
        let now = tx.now();
        tx.execute(
            q("UPDATE federation_peers SET last_round_at = $1, last_problem = NULL WHERE id = $2")
                .bind(now)
                .bind(peer.id),
        )
        .await?;
        tx.commit_quietly().await
    }

    /// Writes a page of a peer's changes, read up to `next`, in one transaction: each
    /// record is written, or refused with the reason (the others are written all the same,
    /// so that one bad record does not stop a peer's feed), and the cursor moves to `next`.
    /// `refused_as_read`: the page's records that could not be read, kept with the others'
    /// refusals as the peer's last problem.
    pub async fn apply_peer_changes(
        &self,
        peer: &Peer,
        incoming: &[Incoming],
        refused_as_read: Vec<String>,
        next: ChangeCursor,
        today: NaiveDate,
    ) -> Result<ApplyReport> {
        let mut tx = self.begin(&Actor::System("federation")).await?;
        tx.actor = format!("federation:{}", peer.name);
        let mut report = ApplyReport { refused: refused_as_read, ..ApplyReport::default() };
        for change in incoming {
            tx.execute(q("SAVEPOINT federated_record")).await?;
            match tx.apply_change(peer, change, today).await {
                Ok(outcome) => {
                    match outcome {
                        Outcome::Created => report.created += 1,
                        Outcome::Updated => report.updated += 1,
                        Outcome::Matched => report.matched += 1,
                        Outcome::Removed => report.removed += 1,
                        Outcome::Kept => report.kept.push(format!("{} {}", change.entity.as_str(), change.key)),
                        Outcome::Unchanged => {}
                    }
                    tx.execute(q("RELEASE SAVEPOINT federated_record")).await?;
                }
                Err(e) if refusal(&e) => {
                    tx.execute(q("ROLLBACK TO SAVEPOINT federated_record")).await?;
                    tx.execute(q("RELEASE SAVEPOINT federated_record")).await?;
                    report.refused.push(format!("{} {}: {e}", change.entity.as_str(), change.key));
                }
                Err(e) => return Err(e),
            }
        }
        let now = tx.now();
        let problem = (!report.refused.is_empty()).then(|| format!("refused: {}", report.refused.join("; ")));
        tx.execute(
            q("UPDATE federation_peers SET cursor = $1, last_round_at = $2, last_problem = $3 WHERE id = $4")
                .bind(next.to_string())
                .bind(now)
                .bind(problem)
                .bind(peer.id),
        )
        .await?;
        let unstamped = tx.unstamped();
        tx.execute(q(format!("UPDATE record_changes SET peer_id = $1 WHERE {unstamped}")).bind(peer.id)).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// The slugs of the software that came from peers: the peers publish them (DCAT).
    pub async fn followed_software(&self) -> Result<std::collections::HashSet<String>> {
        let rows: Vec<(String,)> = self
            .all(q(format!(
                "SELECT s.slug FROM software s WHERE EXISTS ({})",
                followed(FederatedEntity::Software, "s.id")
            )))
            .await?;
        Ok(rows.into_iter().map(|(s,)| s).collect())
    }

    /// Where a software or an organisation here came from, when a peer's it is.
    pub async fn origin(&self, entity: FederatedEntity, slug: &str) -> Result<Option<Origin>> {
        let sql = format!(
            "SELECT p.name, p.url, f.remote_key FROM federated_records f \
             JOIN federation_peers p ON p.id = f.peer_id JOIN {} r ON r.id = f.local_id \
             WHERE f.entity = $1 AND f.owned AND r.slug = $2",
            table(entity)
        );
        let row: Option<(String, String, String)> = self.optional(q(sql).bind(entity.as_str()).bind(slug)).await?;
        Ok(row.map(|(peer, base, key)| Origin { peer, url: origin_url(&base, entity, &key) }))
    }
}

impl Tx {
    /// Refuses to change here a record that a peer keeps: it is changed there.
    pub(crate) async fn refuse_followed(&mut self, entity: FederatedEntity, local_id: i64) -> Result<()> {
        let row: Option<(String, String, String)> = self
            .optional(
                q("SELECT p.name, p.url, f.remote_key FROM federated_records f \
                   JOIN federation_peers p ON p.id = f.peer_id \
                   WHERE f.entity = $1 AND f.local_id = $2 AND f.owned")
                .bind(entity.as_str())
                .bind(local_id),
            )
            .await?;
        match row {
            None => Ok(()),
            Some((peer, base, key)) => Err(Error::Conflict {
                field: entity.as_str().to_string(),
                message: format!(
                    "this record comes from {peer} and is changed there, not here: {}",
                    origin_url(&base, entity, &key)
                ),
            }),
        }
    }

    async fn mapping(&mut self, peer: &Peer, entity: FederatedEntity, key: &str) -> Result<Option<(i64, bool)>> {
        self.optional(
            q("SELECT local_id, owned FROM federated_records WHERE peer_id = $1 AND entity = $2 AND remote_key = $3")
                .bind(peer.id)
                .bind(entity.as_str())
                .bind(key),
        )
        .await
    }

    async fn map(&mut self, peer: &Peer, entity: FederatedEntity, key: &str, local_id: i64, owned: bool) -> Result<()> {
        self.execute(
            q("INSERT INTO federated_records (peer_id, entity, remote_key, local_id, owned) VALUES ($1, $2, $3, $4, $5)")
                .bind(peer.id)
                .bind(entity.as_str())
                .bind(key)
                .bind(local_id)
                .bind(owned),
        )
        .await
        .map_err(conflict_on(entity.as_str(), format!("{key}: the record here comes from another peer already")))?;
        Ok(())
    }

    /// The slug here of a software or an organisation the peer names by its slug there.
    async fn slug_here(&mut self, peer: &Peer, entity: FederatedEntity, remote: &str) -> Result<Option<String>> {
        let sql = format!(
            "SELECT r.slug FROM federated_records f JOIN {} r ON r.id = f.local_id \
             WHERE f.peer_id = $1 AND f.entity = $2 AND f.remote_key = $3",
            table(entity)
        );
        let row: Option<(String,)> = self.optional(q(sql).bind(peer.id).bind(entity.as_str()).bind(remote)).await?;
        Ok(row.map(|(s,)| s))
    }

    async fn require_here(
        &mut self,
        peer: &Peer,
        entity: FederatedEntity,
        field: &str,
        remote: &str,
    ) -> Result<String> {
        self.slug_here(peer, entity, remote).await?.ok_or_else(|| {
            Error::invalid(field, format!("{remote} is not known here: the peer's feed has not given it"))
        })
    }

    /// A record as pages name it: a software's or an organisation's slug, else its id.
    async fn label_of(&mut self, entity: FederatedEntity, id: i64) -> Result<String> {
        match entity {
            FederatedEntity::Software | FederatedEntity::Organisation => self.slug_of_id(entity, id).await,
            _ => Ok(id.to_string()),
        }
    }

    async fn slug_of_id(&mut self, entity: FederatedEntity, id: i64) -> Result<String> {
        let (slug,): (String,) =
            self.one(q(format!("SELECT slug FROM {} WHERE id = $1", table(entity))).bind(id)).await?;
        Ok(slug)
    }

    /// A free slug for a peer's record: its own, else with the peer's name after it.
    async fn free_slug(&mut self, entity: FederatedEntity, peer: &Peer, wanted: &str) -> Result<String> {
        for candidate in [wanted.to_string(), format!("{wanted}-{}", peer.name)] {
            let taken: Option<(i64,)> =
                self.optional(q(format!("SELECT id FROM {} WHERE slug = $1", table(entity))).bind(&candidate)).await?;
            if taken.is_none() && Slug::parse(&candidate).is_ok() {
                return Ok(candidate);
            }
        }
        Err(Error::Conflict {
            field: "slug".into(),
            message: format!("{wanted} is taken here, and so is {wanted}-{}", peer.name),
        })
    }

    /// How many of this instance's own records (not a peer's) hang on a software or an
    /// organisation: adoptions, fundings, roadmap items, memberships, the records that name
    /// it. Removing it would take them too.
    async fn own_dependents(&mut self, entity: FederatedEntity, id: i64) -> Result<i64> {
        let not_followed = |kind: FederatedEntity, alias: &str| format!("NOT EXISTS ({})", followed(kind, alias));
        let own_software = not_followed(FederatedEntity::Software, "s.id");
        let sql = match entity {
            FederatedEntity::Software => format!(
                "SELECT (SELECT COUNT(*) FROM adoptions a WHERE a.software_id = $1 AND {}) \
                 + (SELECT COUNT(*) FROM fundings u WHERE u.software_id = $1 AND {}) \
                 + (SELECT COUNT(*) FROM roadmap_items r WHERE r.software_id = $1 AND {})",
                not_followed(FederatedEntity::Adoption, "a.id"),
                not_followed(FederatedEntity::Funding, "u.id"),
                not_followed(FederatedEntity::RoadmapItem, "r.id"),
            ),
            FederatedEntity::Organisation => format!(
                "SELECT (SELECT COUNT(*) FROM adoptions a WHERE a.organisation_id = $1 AND {}) \
                 + (SELECT COUNT(*) FROM fundings u WHERE u.funder_id = $1 AND {}) \
                 + (SELECT COUNT(*) FROM memberships m WHERE m.organisation_id = $1) \
                 + (SELECT COUNT(*) FROM software s WHERE s.publisher_id = $1 AND {own_software}) \
                 + (SELECT COUNT(*) FROM software_organisations so JOIN software s ON s.id = so.software_id \
                    WHERE so.organisation_id = $1 AND {own_software})",
                not_followed(FederatedEntity::Adoption, "a.id"),
                not_followed(FederatedEntity::Funding, "u.id"),
            ),
            _ => return Ok(0),
        };
        let (n,): (i64,) = self.one(q(sql).bind(id)).await?;
        Ok(n)
    }

    /// A peer's software or organisation leaving (the peer removed it, or this instance
    /// stops following the peer): removed, unless this instance's own records hang on it;
    /// then it stays, as this instance's record from now on, so that nothing of this
    /// instance's goes with it. Returns whether it was removed.
    async fn let_go(&mut self, entity: FederatedEntity, id: i64) -> Result<bool> {
        if self.own_dependents(entity, id).await? > 0 {
            self.execute(
                q("DELETE FROM federated_records WHERE entity = $1 AND local_id = $2").bind(entity.as_str()).bind(id),
            )
            .await?;
            return Ok(false);
        }
        self.remove_local(entity, id).await?;
        Ok(true)
    }

    /// Removes a record here, with what hangs on it, and the figures it counted in.
    async fn remove_local(&mut self, entity: FederatedEntity, id: i64) -> Result<()> {
        let software: Vec<(i64,)> = match entity {
            FederatedEntity::Adoption | FederatedEntity::Funding | FederatedEntity::RoadmapItem => {
                self.all(q(format!("SELECT software_id FROM {} WHERE id = $1", table(entity))).bind(id)).await?
            }
            FederatedEntity::Organisation => {
                // Software here that named it as publisher keep their record, without it.
                self.execute(q("UPDATE software SET publisher_id = NULL WHERE publisher_id = $1").bind(id)).await?;
                self.all(
                    q("SELECT software_id FROM adoptions WHERE organisation_id = $1 \
                       UNION SELECT software_id FROM fundings WHERE funder_id = $1")
                    .bind(id),
                )
                .await?
            }
            FederatedEntity::Software => Vec::new(),
        };
        self.execute(q(format!("DELETE FROM {} WHERE id = $1", table(entity))).bind(id)).await?;
        self.execute(
            q("DELETE FROM federated_records WHERE entity = $1 AND local_id = $2").bind(entity.as_str()).bind(id),
        )
        .await?;
        if !software.is_empty() {
            self.refresh_stats(&software.into_iter().map(|(s,)| s).collect()).await?;
        }
        Ok(())
    }

    async fn apply_change(&mut self, peer: &Peer, change: &Incoming, today: NaiveDate) -> Result<Outcome> {
        let known = self.mapping(peer, change.entity, &change.key).await?;
        let Some(record) = &change.record else {
            return match known {
                Some((id, true)) => {
                    // The audit event names the record as the pages do: a slug, else its id.
                    let key = self.label_of(change.entity, id).await?;
                    if !self.let_go(change.entity, id).await? {
                        // This instance's own records hang on it: it stays, as this
                        // instance's record.
                        return Ok(Outcome::Kept);
                    }
                    self.audit("delete", change.entity.as_str(), &key, None::<&()>, None::<&()>).await?;
                    Ok(Outcome::Removed)
                }
                Some((_, false)) => {
                    self.execute(
                        q("DELETE FROM federated_records WHERE peer_id = $1 AND entity = $2 AND remote_key = $3")
                            .bind(peer.id)
                            .bind(change.entity.as_str())
                            .bind(&change.key),
                    )
                    .await?;
                    Ok(Outcome::Unchanged)
                }
                None => Ok(Outcome::Unchanged),
            };
        };
        if let Some((_, false)) = known {
            // The record here is this instance's: the peer's is only a way to reach it.
            return Ok(Outcome::Matched);
        }
        let owned = known.map(|(id, _)| id);
        match record {
            RemoteRecord::Organisation(o) => self.apply_organisation(peer, &change.key, owned, o).await,
            RemoteRecord::Software(s) => self.apply_software(peer, &change.key, owned, s).await,
            RemoteRecord::Adoption(a) => self.apply_adoption(peer, &change.key, owned, a, today).await,
            RemoteRecord::Funding(f) => self.apply_funding(peer, &change.key, owned, f, today).await,
            RemoteRecord::RoadmapItem(r) => self.apply_roadmap_item(peer, &change.key, owned, r).await,
        }
    }

    async fn apply_organisation(
        &mut self,
        peer: &Peer,
        key: &str,
        owned: Option<i64>,
        o: &RemoteOrganisation,
    ) -> Result<Outcome> {
        let entity = FederatedEntity::Organisation;
        let slug = match owned {
            Some(id) => self.slug_of_id(entity, id).await?,
            None => {
                // The same body here already: by an official identifier, else by its slug
                // and name.
                for raw in &o.identifiers {
                    let Ok(id) = crate::identifier::OfficialId::parse(raw) else { continue };
                    if let Some(local) = self.organisation_id(&crate::model::OrgKey::Official(id)).await? {
                        self.map(peer, entity, key, local, false).await?;
                        return Ok(Outcome::Matched);
                    }
                }
                // Two bodies of the same name that both have official identifiers, none of
                // them shared, are two bodies (Saint-Denis of La Réunion and of the Seine).
                let same: Option<(i64, String, i64)> = self
                    .optional(
                        q("SELECT o.id, o.name, (SELECT COUNT(*) FROM organisation_identifiers i \
                           WHERE i.organisation_id = o.id) FROM organisations o WHERE o.slug = $1")
                        .bind(&o.slug),
                    )
                    .await?;
                if let Some((local, name, identified)) = same {
                    if same_name(&name, &o.name) && (identified == 0 || o.identifiers.is_empty()) {
                        self.map(peer, entity, key, local, false).await?;
                        return Ok(Outcome::Matched);
                    }
                }
                self.free_slug(entity, peer, &o.slug).await?
            }
        };
        let mut parents = Vec::new();
        for p in &o.parents {
            if let Some(here) = self.slug_here(peer, entity, &p.slug).await? {
                parents.push(here);
            }
        }
        let draft = OrganisationDraft {
            slug,
            name: o.name.clone(),
            liaison: o.liaison,
            kind: o.kind.clone(),
            country: o.country.clone(),
            identifiers: o.identifiers.clone(),
            population: o.population,
            parents,
            website: o.website.clone(),
            // Never a peer's: an e-mail domain lets people join the organisation here.
            email_domains: Vec::new(),
            demo: false,
        };
        let (written, _) = self.put_organisation(&draft.validate()?).await?;
        self.placed(peer, entity, key, owned, &written.slug).await
    }

    /// Maps a record just written from the peer, when it is new here.
    async fn placed(
        &mut self,
        peer: &Peer,
        entity: FederatedEntity,
        key: &str,
        owned: Option<i64>,
        slug: &str,
    ) -> Result<Outcome> {
        if owned.is_some() {
            return Ok(Outcome::Updated);
        }
        let (id,): (i64,) = self.one(q(format!("SELECT id FROM {} WHERE slug = $1", table(entity))).bind(slug)).await?;
        self.map(peer, entity, key, id, true).await?;
        Ok(Outcome::Created)
    }

    async fn apply_software(
        &mut self,
        peer: &Peer,
        key: &str,
        owned: Option<i64>,
        s: &RemoteSoftware,
    ) -> Result<Outcome> {
        let entity = FederatedEntity::Software;
        let slug = match owned {
            Some(id) => self.slug_of_id(entity, id).await?,
            None => {
                // The same software here already: by one of its repositories, else by its
                // slug and name.
                for r in &s.repositories {
                    let found: Option<(i64,)> = self
                        .optional(q("SELECT software_id FROM repositories WHERE url = $1").bind(r.url.trim()))
                        .await?;
                    if let Some((local,)) = found {
                        self.map(peer, entity, key, local, false).await?;
                        return Ok(Outcome::Matched);
                    }
                }
                let same: Option<(i64, String)> =
                    self.optional(q("SELECT id, name FROM software WHERE slug = $1").bind(&s.slug)).await?;
                if let Some((local, name)) = same {
                    if same_name(&name, &s.name) {
                        self.map(peer, entity, key, local, false).await?;
                        return Ok(Outcome::Matched);
                    }
                }
                self.free_slug(entity, peer, &s.slug).await?
            }
        };
        let org = FederatedEntity::Organisation;
        let publisher = match &s.publisher {
            Some(p) => self.slug_here(peer, org, &p.slug).await?,
            None => None,
        };
        let mut lists = [Vec::new(), Vec::new(), Vec::new()];
        for (list, remote) in lists.iter_mut().zip([&s.maintainers, &s.providers, &s.funders]) {
            for r in remote {
                // An organisation the peer's feed has not given (yet) is left out rather
                // than refusing the software.
                if let Some(here) = self.slug_here(peer, org, &r.slug).await? {
                    list.push(here);
                }
            }
        }
        let [maintainers, providers, funders] = lists;
        let draft = SoftwareDraft {
            slug,
            name: s.name.clone(),
            summary: s.summary.clone(),
            description: s.description.clone(),
            categories: s.categories.clone(),
            licence: s.licence.clone(),
            maturity: s.maturity.clone(),
            website: s.website.clone(),
            logo_url: s.logo_url.clone(),
            publisher,
            maintainers,
            providers,
            funders,
            similar: Vec::new(),
            repositories: s.repositories.iter().map(|r| RepositoryDraft { url: r.url.clone(), forge: None }).collect(),
            demo: false,
        };
        let (written, _) = self.put_software(&draft.validate()?).await?;
        self.placed(peer, entity, key, owned, &written.slug).await
    }

    async fn apply_adoption(
        &mut self,
        peer: &Peer,
        key: &str,
        owned: Option<i64>,
        a: &RemoteAdoption,
        today: NaiveDate,
    ) -> Result<Outcome> {
        let software = self.require_here(peer, FederatedEntity::Software, "software", &a.software).await?;
        let organisation =
            self.require_here(peer, FederatedEntity::Organisation, "organisation", &a.organisation).await?;
        let draft = AdoptionDraft {
            software,
            organisation,
            since: a.since.clone(),
            status: a.status.clone(),
            scope: a.scope.clone(),
            evidence_url: a.evidence_url.clone(),
            state: Some(a.state.clone()),
            last_confirmed: a.last_confirmed.clone(),
            demo: false,
        };
        let new = draft.validate(today)?;
        if owned.is_none() {
            // The organisation here declared it already: theirs stands.
            let here: Option<(i64,)> = self
                .optional(
                    q("SELECT a.id FROM adoptions a JOIN software s ON s.id = a.software_id \
                       JOIN organisations o ON o.id = a.organisation_id WHERE s.slug = $1 AND o.slug = $2")
                    .bind(new.software.as_str())
                    .bind(new.organisation.to_string()),
                )
                .await?;
            if let Some((local,)) = here {
                self.map(peer, FederatedEntity::Adoption, key, local, false).await?;
                return Ok(Outcome::Matched);
            }
        }
        let instance_url = match a.instance_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) => Some(crate::text::web_url("instance_url", u)?),
            None => None,
        };
        let provider = match &a.provider {
            Some(p) => match self.slug_here(peer, FederatedEntity::Organisation, p).await? {
                Some(here) => self.organisation_id(&crate::model::OrgKey::Slug(Slug::parse(&here)?)).await?,
                None => None,
            },
            None => None,
        };
        let (written, _) = self.put_adoption(&new).await?;
        self.execute(
            q("UPDATE adoptions SET instance_url = $1, provider_id = $2 WHERE id = $3")
                .bind(instance_url)
                .bind(provider)
                .bind(written.id),
        )
        .await?;
        if owned.is_some() {
            return Ok(Outcome::Updated);
        }
        self.map(peer, FederatedEntity::Adoption, key, written.id, true).await?;
        Ok(Outcome::Created)
    }

    async fn apply_funding(
        &mut self,
        peer: &Peer,
        key: &str,
        owned: Option<i64>,
        f: &RemoteFunding,
        today: NaiveDate,
    ) -> Result<Outcome> {
        let software = self.require_here(peer, FederatedEntity::Software, "software", &f.software).await?;
        let funder = self.require_here(peer, FederatedEntity::Organisation, "funder", &f.funder).await?;
        let currency = Currency::parse(&f.amount.currency).map_err(|e| e.within("amount"))?;
        let amount = Money::new(f.amount.minor, currency).map_err(|e| e.within("amount"))?;
        let draft = FundingDraft {
            funder,
            software,
            roadmap_item: f.roadmap_item.clone(),
            amount: amount.decimal(),
            currency: currency.code().to_string(),
            date: f.date.clone(),
            kind: f.kind.clone(),
            status: f.status.clone(),
            evidence_url: f.evidence_url.clone(),
            demo: false,
        };
        let written = self.write_funding(owned, &draft.validate(today)?).await?;
        if owned.is_some() {
            return Ok(Outcome::Updated);
        }
        self.map(peer, FederatedEntity::Funding, key, written.id, true).await?;
        Ok(Outcome::Created)
    }

    async fn apply_roadmap_item(
        &mut self,
        peer: &Peer,
        key: &str,
        owned: Option<i64>,
        r: &RemoteRoadmapItem,
    ) -> Result<Outcome> {
        let entity = FederatedEntity::Software;
        let Some((software_id, true)) = self.mapping(peer, entity, &r.software).await? else {
            // A roadmap is written where the software is kept: the peer's items of a
            // software kept here are not taken.
            return match self.slug_here(peer, entity, &r.software).await? {
                Some(_) => Ok(Outcome::Matched),
                None => Err(Error::invalid("software", format!("{} is not known here", r.software))),
            };
        };
        let software = self.slug_of_id(entity, software_id).await?;
        let mut needed_by = Vec::new();
        for o in &r.needed_by {
            if let Some(here) = self.slug_here(peer, FederatedEntity::Organisation, &o.slug).await? {
                needed_by.push(here);
            }
        }
        let estimated_cost = match &r.estimated_cost {
            None => None,
            Some(m) => {
                let currency = Currency::parse(&m.currency).map_err(|e| e.within("estimated_cost"))?;
                let money = Money::new(m.minor, currency).map_err(|e| e.within("estimated_cost"))?;
                Some(CostDraft { amount: money.decimal(), currency: m.currency.clone() })
            }
        };
        let draft = RoadmapItemDraft {
            software,
            slug: r.slug.clone(),
            title: r.title.clone(),
            body: r.body.clone(),
            status: r.status.clone(),
            estimated_cost,
            target_date: r.target_date.clone(),
            needed_by,
            demo: false,
        };
        let (written, _) = self.put_roadmap_item(&draft.validate()?).await?;
        if owned.is_some() {
            return Ok(Outcome::Updated);
        }
        self.map(peer, FederatedEntity::RoadmapItem, key, written.id, true).await?;
        Ok(Outcome::Created)
    }
}
