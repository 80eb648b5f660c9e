use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::stats::AdoptionDelta;
use super::{packed, q, values_list, Store, Tx};
use crate::error::{Error, Result};

use crate::model::{check_due_after, Actor, Adoption, NewAdoption, OrgKey, Page};
use crate::vocab::{AdoptionState, AdoptionStatus};

/// A row that an import refused: which row (0-based, in the order given), which field, why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportProblem {
    pub index: usize,
    pub field: String,
    pub message: String,
}

/// An adoption's columns, as `Adoption` reads them, from `adoptions a`, `software s`,
/// `organisations o` and the provider `organisations p` (left-joined).
pub(crate) const ADOPTION_COLUMNS: &str = "a.id, s.slug AS software, s.name AS software_name, o.slug AS organisation, \
    o.name AS organisation_name, o.kind AS organisation_kind, a.since, a.status, a.scope, a.evidence_url, \
    a.instance_url, p.slug AS provider, p.name AS provider_name, a.state, a.last_confirmed, a.ended_on, \
    a.check_due, a.demo";

/// What `ADOPTION_COLUMNS` reads from.
pub(crate) const ADOPTION_TABLES: &str = "adoptions a JOIN software s ON s.id = a.software_id \
    JOIN organisations o ON o.id = a.organisation_id LEFT JOIN organisations p ON p.id = a.provider_id";

pub(crate) fn adoption_view() -> String {
    format!("SELECT {ADOPTION_COLUMNS} FROM {ADOPTION_TABLES}")
}

/// How a software's adopters are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdopterSort {
    /// Nearest to `near` first (by name without it).
    #[default]
    Near,
    Name,
    Recent,
}

impl AdopterSort {
    pub fn parse(s: &str) -> Result<AdopterSort> {
        match s {
            "near" => Ok(AdopterSort::Near),
            "name" => Ok(AdopterSort::Name),
            "recent" => Ok(AdopterSort::Recent),
            other => Err(Error::invalid("sort", format!("{other:?} is not near, name or recent"))),
        }
    }
}

/// Which of a software's adopters to list.
#[derive(Debug, Clone, Default)]
pub struct AdopterFilter {
    /// An organisation's slug: adopters that are it or lie within it (two levels down).
    pub territory: Option<String>,
    pub kind: Option<crate::vocab::OrganisationKind>,
    /// An adoption status: evaluating, pilot, active, ended. Without it, the current
    /// adoptions (all but ended): an adopter is an organisation that uses the software now.
    pub status: Option<String>,
    /// An organisation's slug: adopters are ranked by what they share with it.
    pub near: Option<String>,
    pub sort: AdopterSort,
}

/// An adoption with its organisation's population and how near it is to the chosen one.
#[derive(Debug, Clone, Serialize)]
pub struct NearAdoption {
    #[serde(flatten)]
    pub adoption: Adoption,
    pub population: Option<i64>,
    /// 0 the organisation itself, 1 same EPCI or district, 2 same département, canton or
    /// province, 3 same région, 4 same country, 5 none of these; `None` without `near`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proximity: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct NearRow {
    #[sqlx(flatten)]
    adoption: Adoption,
    population: Option<i64>,
    proximity: Option<i64>,
}

impl NearRow {
    fn adoption(self) -> NearAdoption {
        NearAdoption { adoption: self.adoption, population: self.population, proximity: self.proximity }
    }
}

/// The first `limit` adoptions whose `column` (`software_id` or `organisation_id`) is
/// `owner` (an SQL expression), most recent first, packed into one column (see `packed`).
pub(crate) fn first_adoptions(column: &str, owner: &str, limit: &str) -> String {
    let fields = ["a.id", "s.slug", "s.name", "o.slug", "o.name", "o.kind", "a.since", "a.status", "a.scope"]
        .into_iter()
        .chain(["a.evidence_url", "a.instance_url", "p.slug", "p.name", "a.state", "a.last_confirmed"])
        .chain(["a.ended_on", "a.check_due"])
        .map(packed::field)
        .chain([packed::flag("a.demo")])
        .collect::<Vec<_>>();
    packed::list(
        &fields,
        &[("a.since", "DESC"), ("a.id", "DESC")],
        &format!("FROM {ADOPTION_TABLES} WHERE a.{column} = {owner} ORDER BY a.since DESC, a.id DESC LIMIT {limit}"),
    )
}

/// The adoptions that `first_adoptions` packed.
pub(crate) fn unpack_adoptions(text: Option<&str>) -> Result<Vec<Adoption>> {
    packed::unpack(text, 18, "adoption")?
        .iter()
        .map(|r| {
            Ok(Adoption {
                id: r.int(0)?,
                software: r.text(1),
                software_name: r.text(2),
                organisation: r.text(3),
                organisation_name: r.text(4),
                organisation_kind: r.text(5),
                since: r.date(6)?,
                status: AdoptionStatus::parse(&r.text(7))?,
                scope: r.opt(8),
                evidence_url: r.opt(9),
                instance_url: r.opt(10),
                provider: r.opt(11),
                provider_name: r.opt(12),
                state: AdoptionState::parse(&r.text(13))?,
                last_confirmed: r.opt_date(14)?,
                ended_on: r.opt_date(15)?,
                check_due: r.opt_date(16)?,
                demo: r.flag(17),
            })
        })
        .collect()
}

/// Rows per multi-row INSERT in imports: fewer round trips, well under both databases'
/// limits on placeholders, and few enough placeholders that SQLite's lookup of each one
/// by name stays cheap.
pub(crate) const BATCH: usize = 40;

/// Resolves slugs and identifiers to ids once per import.
#[derive(Default)]
pub(crate) struct Resolver {
    software: HashMap<String, Option<i64>>,
    organisations: HashMap<OrgKey, Option<i64>>,
    /// Everything was read at once: a key not in the maps is unknown.
    complete: bool,
}

/// From this many rows on, an import reads every slug and identifier in three queries
/// rather than asking for each new one (a national import names tens of thousands).
const PRELOAD_FROM: usize = 2_000;

impl Resolver {
    pub(crate) async fn for_rows(tx: &mut Tx, rows: usize) -> Result<Resolver> {
        let mut r = Resolver::default();
        if rows < PRELOAD_FROM {
            return Ok(r);
        }
        for (slug, id) in tx.all::<(String, i64)>(q("SELECT slug, id FROM software")).await? {
            r.software.insert(slug, Some(id));
        }
        for (slug, id) in tx.all::<(String, i64)>(q("SELECT slug, id FROM organisations")).await? {
            if let Ok(slug) = crate::slug::Slug::parse(&slug) {
                r.organisations.insert(OrgKey::Slug(slug), Some(id));
            }
        }
        for (scheme, value, id) in tx
            .all::<(String, String, i64)>(q("SELECT scheme, value, organisation_id FROM organisation_identifiers"))
            .await?
        {
            if let Ok(ident) = crate::identifier::OfficialId::new(&scheme, &value) {
                r.organisations.insert(OrgKey::Official(ident), Some(id));
            }
        }
        r.complete = true;
        Ok(r)
    }

    pub(crate) async fn software(&mut self, tx: &mut Tx, slug: &str) -> Result<Option<i64>> {
        if let Some(id) = self.software.get(slug) {
            return Ok(*id);
        }
        let id = if self.complete { None } else { tx.software_id(slug).await? };
        self.software.insert(slug.to_string(), id);
        Ok(id)
    }

    pub(crate) async fn organisation(&mut self, tx: &mut Tx, key: &OrgKey) -> Result<Option<i64>> {
        if let Some(id) = self.organisations.get(key) {
            return Ok(*id);
        }
        let id = if self.complete { None } else { tx.organisation_id(key).await? };
        self.organisations.insert(key.clone(), id);
        Ok(id)
    }
}

/// How many records hang on a software or an organisation.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    pub adoptions: i64,
    pub fundings: i64,
}

/// Whose adoptions or fundings a page lists.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner {
    Software(i64),
    Organisation(i64),
}

/// A slug from a URL; one that cannot be a slug names nothing.
pub(crate) fn slug_of(s: &str) -> Result<crate::slug::Slug> {
    crate::slug::Slug::parse(s).map_err(|_| Error::not_found("organisation", s))
}

impl Tx {
    /// One page of adoptions, most recent first, with the total.
    /// `total` is counted unless the caller knows it already.
    pub(crate) async fn adoptions_page(
        &mut self,
        owner: Owner,
        limit: i64,
        offset: i64,
        total: Option<i64>,
    ) -> Result<Page<Adoption>> {
        let (column, id) = match owner {
            Owner::Software(id) => ("software_id", id),
            Owner::Organisation(id) => ("organisation_id", id),
        };
        let total = match total {
            Some(t) => t,
            None => self.counts(owner).await?.adoptions,
        };
        let items = self
            .all(
                q(format!(
                    "{} WHERE a.{column} = $1 ORDER BY a.since DESC, a.id DESC LIMIT $2 OFFSET $3",
                    adoption_view()
                ))
                .bind(id)
                .bind(limit)
                .bind(offset),
            )
            .await?;
        Ok(Page { items, total, limit, offset })
    }

    /// How many adoptions and fundings an owner has, in one query: a software's from its
    /// aggregates, an organisation's counted directly (a few dozen at most).
    pub(crate) async fn counts(&mut self, owner: Owner) -> Result<Counts> {
        Ok(match owner {
            Owner::Software(id) => {
                let row: Option<(i64, i64)> = self
                    .optional(q("SELECT adoptions, fundings FROM software_stats WHERE software_id = $1").bind(id))
                    .await?;
                let (adoptions, fundings) = row.unwrap_or_default();
                Counts { adoptions, fundings }
            }
            Owner::Organisation(id) => {
                let (adoptions, fundings): (i64, i64) = self
                    .one(
                        q("SELECT (SELECT COUNT(*) FROM adoptions WHERE organisation_id = $1), \
                           (SELECT COUNT(*) FROM fundings WHERE funder_id = $1)")
                        .bind(id),
                    )
                    .await?;
                Counts { adoptions, fundings }
            }
        })
    }

    pub(crate) async fn load_adoption(&mut self, software_id: i64, organisation_id: i64) -> Result<Option<Adoption>> {
        self.optional(
            q(format!("{} WHERE a.software_id = $1 AND a.organisation_id = $2", adoption_view()))
                .bind(software_id)
                .bind(organisation_id),
        )
        .await
    }
}

impl Tx {
    pub(crate) async fn import_adoptions(
        &mut self,
        source: &str,
        rows: &[NewAdoption],
    ) -> Result<std::result::Result<usize, Vec<ImportProblem>>> {
        let tx = self;
        let mut resolver = Resolver::for_rows(tx, rows.len()).await?;
        let mut problems = Vec::new();
        let mut resolved = Vec::with_capacity(rows.len());
        let mut seen: HashMap<(i64, i64), usize> = HashMap::with_capacity(rows.len());
        for (index, a) in rows.iter().enumerate() {
            let software = resolver.software(tx, a.software.as_str()).await?;
            let organisation = resolver.organisation(tx, &a.organisation).await?;
            let mut refuse = |field: &str, message: String| {
                problems.push(ImportProblem { index, field: field.to_string(), message })
            };
            match (software, organisation) {
                (None, _) => refuse("software", format!("no software {} is known", a.software)),
                (_, None) => refuse("organisation", format!("no organisation {} is known", a.organisation)),
                (Some(s), Some(o)) => {
                    if let Some(first) = seen.insert((s, o), index) {
                        refuse("organisation", format!("the same software and organisation as row {}", first + 1));
                    } else {
                        resolved.push((s, o, a));
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        tx.large_write(resolved.len()).await?;
        // In the order of the indexes by software: on SQLite each 40-row statement then
        // touches a few software, and its trigger logs a few changes rather than one a row;
        // on both, the indexes by software are written in order.
        resolved.sort_unstable_by_key(|(s, o, _)| (*s, *o));
        let now = tx.now();
        let mut deltas: BTreeMap<i64, AdoptionDelta> = BTreeMap::new();
        if let Some(pg) = tx.postgres() {
            write_unnested(pg, &resolved, now, &mut deltas).await?;
        } else {
            for chunk in resolved.chunks(BATCH) {
                // Which rows exist already, and with what status, so that the aggregates can be
                // moved by what this import changes rather than recounted.
                let mut query = q(format!(
                    "SELECT software_id, organisation_id, status FROM adoptions \
                     WHERE (software_id, organisation_id) IN (VALUES {})",
                    values_list(chunk.len(), 2, "")
                ));
                for (s, o, _) in chunk {
                    query = query.bind(*s).bind(*o);
                }
                let before: HashMap<(i64, i64), String> =
                    tx.all::<(i64, i64, String)>(query).await?.into_iter().map(|(s, o, st)| ((s, o), st)).collect();
                count_changes(&mut deltas, &before, chunk);
                let sql = format!(
                    "{IMPORT_INTO} VALUES {} {IMPORT_CONFLICT}",
                    values_list(chunk.len(), 10, &format!("${0}, ${0}", chunk.len() * 10 + 1))
                );
                let mut query = q(sql);
                for (s, o, a) in chunk {
                    query = query
                        .bind(*s)
                        .bind(*o)
                        .bind(a.since)
                        .bind(a.status.as_str())
                        .bind(a.scope.clone())
                        .bind(a.evidence_url.clone())
                        .bind(a.state.as_str())
                        .bind(a.last_confirmed)
                        .bind(check_due_after(a.last_confirmed.unwrap_or(now.date_naive())))
                        .bind(a.demo);
                }
                tx.execute(query.bind(now)).await?;
            }
        }
        tx.add_adoption_deltas(&deltas).await?;
        let summary = serde_json::json!({ "source": source, "rows": resolved.len() });
        tx.audit("import", "adoptions", source, None::<&()>, Some(&summary)).await?;
        Ok(Ok(resolved.len()))
    }
}

/// An import's insert, its columns in the order both paths bind them.
const IMPORT_INTO: &str = "INSERT INTO adoptions (software_id, organisation_id, since, status, scope, evidence_url, \
     state, last_confirmed, check_due, demo, created_at, updated_at)";

/// An adoption imported again updates the one of the same software and organisation.
const IMPORT_CONFLICT: &str = "ON CONFLICT (software_id, organisation_id) DO UPDATE SET since = excluded.since, \
     status = excluded.status, scope = excluded.scope, evidence_url = excluded.evidence_url, \
     state = excluded.state, last_confirmed = excluded.last_confirmed, check_due = excluded.check_due, \
     demo = excluded.demo, updated_at = excluded.updated_at";

/// Moves the aggregates by what writing `rows` changes, given the status each had before
/// (none: a new adoption).
fn count_changes(
    deltas: &mut BTreeMap<i64, AdoptionDelta>,
    before: &HashMap<(i64, i64), String>,
    rows: &[(i64, i64, &NewAdoption)],
) {
    let active = |status: &str| i64::from(status != AdoptionStatus::Ended.as_str());
    for (s, o, a) in rows {
        let d = deltas.entry(*s).or_default();
        match before.get(&(*s, *o)) {
            Some(old) => d.active += active(a.status.as_str()) - active(old),
            None => {
                d.adoptions += 1;
                d.active += active(a.status.as_str());
            }
        }
    }
}

/// PostgreSQL: an import's rows read and written in one statement each, their columns bound
/// as arrays (`UNNEST`), instead of one pair of statements per 40 rows. Each statement runs
/// the adoptions' statement triggers once; 25,000 statements of 40 rows took 68 s for the
/// national bench's million adoptions.
async fn write_unnested(
    pg: &mut sqlx::PgConnection,
    rows: &[(i64, i64, &NewAdoption)],
    now: chrono::DateTime<chrono::Utc>,
    deltas: &mut BTreeMap<i64, AdoptionDelta>,
) -> Result<()> {
    let software: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let organisations: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let before: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT a.software_id, a.organisation_id, a.status FROM adoptions a \
         JOIN UNNEST($1::BIGINT[], $2::BIGINT[]) AS n (software_id, organisation_id) \
         ON a.software_id = n.software_id AND a.organisation_id = n.organisation_id",
    )
    .bind(&software)
    .bind(&organisations)
    .fetch_all(&mut *pg)
    .await?;
    let before: HashMap<(i64, i64), String> = before.into_iter().map(|(s, o, st)| ((s, o), st)).collect();
    count_changes(deltas, &before, rows);
    let today = now.date_naive();
    sqlx::query(&format!(
        "{IMPORT_INTO} SELECT n.*, $11, $11 FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::DATE[], $4::TEXT[], \
         $5::TEXT[], $6::TEXT[], $7::TEXT[], $8::DATE[], $9::DATE[], $10::BOOLEAN[]) AS n {IMPORT_CONFLICT}"
    ))
    .bind(&software)
    .bind(&organisations)
    .bind(rows.iter().map(|r| r.2.since).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.2.status.as_str().to_string()).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.2.scope.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.2.evidence_url.clone()).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.2.state.as_str().to_string()).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.2.last_confirmed).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| check_due_after(r.2.last_confirmed.unwrap_or(today))).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.2.demo).collect::<Vec<_>>())
    .bind(now)
    .execute(&mut *pg)
    .await?;
    Ok(())
}

impl Tx {
    /// See `Store::put_adoption`.
    pub(crate) async fn put_adoption(&mut self, a: &NewAdoption) -> Result<(Adoption, bool)> {
        let tx = self;
        let software_id = tx.require_software("software", &a.software).await?;
        let organisation_id = tx.require_organisation("organisation", &a.organisation).await?;
        let before = tx.load_adoption(software_id, organisation_id).await?;
        let now = tx.now();
        tx.execute(
            q("INSERT INTO adoptions (software_id, organisation_id, since, status, scope, evidence_url, state, \
               last_confirmed, demo, created_at, updated_at, check_due) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) \
               ON CONFLICT (software_id, organisation_id) DO UPDATE SET since = $3, status = $4, scope = $5, \
               evidence_url = $6, state = $7, last_confirmed = $8, demo = $9, updated_at = $10, check_due = $11")
            .bind(software_id)
            .bind(organisation_id)
            .bind(a.since)
            .bind(a.status.as_str())
            .bind(a.scope.clone())
            .bind(a.evidence_url.clone())
            .bind(a.state.as_str())
            .bind(a.last_confirmed)
            .bind(a.demo)
            .bind(now)
            .bind(check_due_after(a.last_confirmed.unwrap_or(now.date_naive()))),
        )
        .await?;
        tx.refresh_stats(&[software_id].into()).await?;
        let after = tx.load_adoption(software_id, organisation_id).await?.expect("just written");
        let key = format!("{}/{}", after.software, after.organisation);
        let action = if before.is_some() { "update" } else { "create" };
        tx.audit(action, "adoption", &key, before.as_ref(), Some(&after)).await?;
        Ok((after, before.is_none()))
    }
}

impl Store {
    /// Declares an adoption, or updates the one of the same organisation and software.
    pub async fn put_adoption(&self, actor: &Actor, a: &NewAdoption) -> Result<(Adoption, bool)> {
        let mut tx = self.begin(actor).await?;
        let out = tx.put_adoption(a).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Writes many adoptions at once, all or none: every row's references are checked
    /// first, and if any is refused nothing is written and every problem is returned. An
    /// adoption that exists already (same software and organisation) is updated. One audit
    /// event records the import.
    pub async fn import_adoptions(
        &self,
        actor: &Actor,
        source: &str,
        rows: &[NewAdoption],
    ) -> Result<std::result::Result<usize, Vec<ImportProblem>>> {
        let mut tx = self.begin(actor).await?;
        let out = tx.import_adoptions(source, rows).await?;
        if out.is_ok() {
            tx.commit().await?;
            if rows.len() >= super::ANALYZE_FROM {
                self.analyze(&["adoptions", "software_stats"]).await?;
            }
        }
        Ok(out)
    }

    /// Adoptions of a software, most recent first.
    pub async fn software_adoptions(&self, slug: &str, limit: i64, offset: i64) -> Result<Page<Adoption>> {
        let mut r = self.read().await?;
        let id = r.software_id(slug).await?.ok_or_else(|| Error::not_found("software", slug))?;
        r.adoptions_page(Owner::Software(id), limit, offset, None).await
    }

    /// What an organisation uses, most recent first.
    pub async fn organisation_adoptions(&self, slug: &str, limit: i64, offset: i64) -> Result<Page<Adoption>> {
        let mut r = self.read().await?;
        let id = r
            .organisation_id(&OrgKey::Slug(slug_of(slug)?))
            .await?
            .ok_or_else(|| Error::not_found("organisation", slug))?;
        r.adoptions_page(Owner::Organisation(id), limit, offset, None).await
    }

    /// A software's adopters, filtered and ordered as `filter` says, with how near each is to
    /// `filter.near` when one is given.
    pub async fn software_adopters(
        &self,
        slug: &str,
        filter: &AdopterFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<NearAdoption>> {
        let mut r = self.read().await?;
        let software = r.software_id(slug).await?.ok_or_else(|| Error::not_found("software", slug))?;
        // A filter naming no known organisation is a mistake in the query, named as such.
        let mut id_of = async |what: &str, field: &str, key: &str| -> Result<i64> {
            let id = match crate::slug::Slug::parse(key) {
                Ok(slug) => r.organisation_id(&OrgKey::Slug(slug)).await?,
                Err(_) => None,
            };
            id.ok_or_else(|| Error::invalid(field, format!("no {what} {key} is known")))
        };
        let territory = match &filter.territory {
            Some(t) => Some(id_of("territory", "territory", t).await?),
            None => None,
        };
        let near = match &filter.near {
            Some(n) => Some(id_of("organisation", "near", n).await?),
            None => None,
        };
        // The filters, each bound once: $1 software, $2 territory, $3 kind, $4 status, $5 near.
        let conditions = "a.software_id = $1 \
            AND ($2 IS NULL OR o.id = $2 \
                 OR o.id IN (SELECT organisation_id FROM organisation_parents WHERE parent_id = $2) \
                 OR o.id IN (SELECT p1.organisation_id FROM organisation_parents p1 \
                             JOIN organisation_parents p2 ON p2.organisation_id = p1.parent_id WHERE p2.parent_id = $2)) \
            AND ($3 IS NULL OR o.kind = $3) \
            AND (($4 IS NULL AND a.status <> 'ended') OR a.status = $4)";
        // How near an adopter is to `near`: itself (0); what `near` lies in, or an adopter
        // of its EPCI or district (1); of another direct parent such as its département or
        // canton (2); of a parent's parent such as its région (3); of its country (4);
        // nothing of these (5).
        let proximity = "CAST(CASE WHEN $5 IS NULL THEN NULL WHEN o.id = $5 THEN 0 \
            WHEN o.id IN (SELECT parent_id FROM organisation_parents WHERE organisation_id = $5) THEN 1 \
            WHEN EXISTS (SELECT 1 FROM organisation_parents x JOIN organisation_parents y ON y.parent_id = x.parent_id \
                         JOIN organisations k ON k.id = x.parent_id \
                         WHERE x.organisation_id = o.id AND y.organisation_id = $5 AND k.kind IN ('epci', 'district')) THEN 1 \
            WHEN EXISTS (SELECT 1 FROM organisation_parents x JOIN organisation_parents y ON y.parent_id = x.parent_id \
                         WHERE x.organisation_id = o.id AND y.organisation_id = $5) THEN 2 \
            WHEN EXISTS (SELECT 1 FROM organisation_parents x JOIN organisation_parents x2 ON x2.organisation_id = x.parent_id \
                         JOIN organisation_parents y ON y.organisation_id = $5 \
                         LEFT JOIN organisation_parents y2 ON y2.organisation_id = y.parent_id \
                         WHERE x.organisation_id = o.id AND (x2.parent_id = y.parent_id OR x2.parent_id = y2.parent_id \
                               OR x.parent_id = y2.parent_id)) THEN 3 \
            WHEN o.country = (SELECT country FROM organisations WHERE id = $5) THEN 4 ELSE 5 END AS BIGINT)";
        let order = match (filter.sort, near) {
            (AdopterSort::Near, Some(_)) => "proximity, o.name, o.id",
            (AdopterSort::Name, _) | (AdopterSort::Near, None) => "o.name, o.id",
            (AdopterSort::Recent, _) => "a.since DESC, a.id DESC",
        };
        let kind = filter.kind.map(|k| k.as_str().to_string());
        let filters =
            |query: super::Q| query.bind(software).bind(territory).bind(kind.clone()).bind(filter.status.clone());
        let (total,): (i64,) = r
            .one(filters(q(format!(
                "SELECT COUNT(*) FROM adoptions a JOIN organisations o ON o.id = a.organisation_id WHERE {conditions}"
            ))))
            .await?;
        let rows: Vec<NearRow> = r
            .all(
                filters(q(format!(
                    "SELECT {ADOPTION_COLUMNS}, o.population, {proximity} AS proximity \
                     FROM {ADOPTION_TABLES} WHERE {conditions} ORDER BY {order} LIMIT $6 OFFSET $7"
                )))
                .bind(near)
                .bind(limit)
                .bind(offset),
            )
            .await?;
        let items = rows.into_iter().map(NearRow::adoption).collect();
        Ok(Page { items, total, limit, offset })
    }

    pub async fn count_adoptions(&self) -> Result<i64> {
        let (n,): (i64,) = self.one(q("SELECT COUNT(*) FROM adoptions")).await?;
        Ok(n)
    }
}
