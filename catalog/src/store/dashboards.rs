//! What the dashboards and the pages' peers are made of. The server keeps the aggregates in
//! memory and refreshes only the software a write touched (the change log of migration
//! 0006, which migration 0008 extends to adoptions and fundings), so these queries are read
//! in full once at start and then for a few software at a time.

use std::collections::HashMap;

use super::{q, Store};
use crate::error::Result;
use crate::model::{OrgRef, Page, RoadmapItem, SoftwareRef};

/// A département, canton or province: the territories adopters are counted in.
#[derive(Debug, Clone, PartialEq)]
pub struct TerritoryRef {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub kind: String,
    /// Where the maps draw it: the INSEE code of a French département (`38`, `2A`, `971`),
    /// or `CH-` and a Swiss canton's abbreviation (`CH-VD`).
    pub departement_code: Option<String>,
}

/// Where an organisation is and what it is, for counting its adoptions.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub id: i64,
    pub kind: String,
    pub country: String,
    pub population: Option<i64>,
    /// Its territory: itself when it is one, else the first found among its parents and
    /// theirs (a commune's département, directly or through its EPCI).
    pub territory: Option<i64>,
}

/// One adoption, as few columns as counting needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdoptionFact {
    pub software_id: i64,
    pub organisation_id: i64,
    pub year: i32,
    pub active: bool,
    pub demo: bool,
}

/// The fundings of one software in one year, currency and kind of funder.
#[derive(Debug, Clone, PartialEq)]
pub struct FundingFact {
    pub software_id: i64,
    pub year: i32,
    pub currency: String,
    pub funder_kind: String,
    pub minor: i64,
    pub count: i64,
    /// Some of them are illustrative.
    pub demo: bool,
}

/// Filters of the list of every roadmap item.
#[derive(Debug, Clone, Default)]
pub struct RoadmapFilter {
    pub software: Option<String>,
    pub status: Option<String>,
}

/// What organisations like one use that it does not.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerUse {
    pub software: SoftwareRef,
    pub users: i64,
}

const TERRITORY_KINDS: &str = "('departement', 'canton', 'province')";

pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

impl Store {
    pub async fn territories(&self) -> Result<Vec<TerritoryRef>> {
        let rows: Vec<(i64, String, String, String, Option<String>)> = self
            .all(q(format!(
                "SELECT o.id, o.slug, o.name, o.kind, COALESCE( \
                 (SELECT i.value FROM organisation_identifiers i WHERE i.organisation_id = o.id AND i.scheme = 'fr-dep'), \
                 (SELECT 'CH-' || i.value FROM organisation_identifiers i \
                  WHERE i.organisation_id = o.id AND i.scheme = 'ch-canton')) \
                 FROM organisations o WHERE o.kind IN {TERRITORY_KINDS} ORDER BY o.id"
            )))
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, slug, name, kind, code)| TerritoryRef { id, slug, name, kind, departement_code: code })
            .collect())
    }

    /// Every organisation's kind, country, population and territory.
    pub async fn placements(&self) -> Result<Vec<Placement>> {
        let territories: std::collections::HashSet<i64> = self
            .all::<(i64,)>(q(format!("SELECT id FROM organisations WHERE kind IN {TERRITORY_KINDS}")))
            .await?
            .into_iter()
            .map(|r| r.0)
            .collect();
        let mut parents: HashMap<i64, Vec<i64>> = HashMap::new();
        for (child, parent) in
            self.all::<(i64, i64)>(q("SELECT organisation_id, parent_id FROM organisation_parents")).await?
        {
            parents.entry(child).or_default().push(parent);
        }
        let organisations: Vec<(i64, String, String, Option<i64>)> =
            self.all(q("SELECT id, kind, country, population FROM organisations ORDER BY id")).await?;
        Ok(organisations
            .into_iter()
            .map(|(id, kind, country, population)| {
                let up = parents.get(&id).map(Vec::as_slice).unwrap_or_default();
                let territory = std::iter::once(id)
                    .chain(up.iter().copied())
                    .chain(up.iter().flat_map(|p| parents.get(p).into_iter().flatten().copied()))
                    .find(|o| territories.contains(o));
                Placement { id, kind, country, population, territory }
            })
            .collect())
    }

    /// The adoptions of the given software (all when `None`).
    pub async fn adoption_facts(&self, software: Option<&[i64]>) -> Result<Vec<AdoptionFact>> {
        let filter = software.map_or_else(String::new, |ids| format!(" WHERE software_id IN ({})", id_list(ids)));
        let rows: Vec<(i64, i64, chrono::NaiveDate, bool, bool)> = self
            .all(q(format!(
                "SELECT software_id, organisation_id, since, status <> 'ended', demo FROM adoptions{filter}"
            )))
            .await?;
        Ok(rows
            .into_iter()
            .map(|(software_id, organisation_id, since, active, demo)| AdoptionFact {
                software_id,
                organisation_id,
                year: chrono::Datelike::year(&since),
                active,
                demo,
            })
            .collect())
    }

    /// The fundings of the given software (all when `None`), summed per year, currency and
    /// kind of funder.
    pub async fn funding_facts(&self, software: Option<&[i64]>) -> Result<Vec<FundingFact>> {
        let filter = software.map_or_else(String::new, |ids| format!(" WHERE f.software_id IN ({})", id_list(ids)));
        let rows: Vec<(i64, String, String, String, i64, i64, i64)> = self
            .all(q(format!(
                "SELECT f.software_id, SUBSTR(CAST(f.funded_on AS TEXT), 1, 4), f.currency, o.kind, \
                 CAST(SUM(f.amount_minor) AS BIGINT), COUNT(*), \
                 CAST(SUM(CASE WHEN f.demo THEN 1 ELSE 0 END) AS BIGINT) FROM fundings f JOIN organisations o ON o.id = f.funder_id{filter} \
                 GROUP BY f.software_id, SUBSTR(CAST(f.funded_on AS TEXT), 1, 4), f.currency, o.kind"
            )))
            .await?;
        Ok(rows
            .into_iter()
            .map(|(software_id, year, currency, funder_kind, minor, count, demo)| FundingFact {
                software_id,
                year: year.parse().unwrap_or(0),
                currency,
                funder_kind,
                minor,
                count,
                demo: demo > 0,
            })
            .collect())
    }

    /// The software the given organisations adopt or fund.
    pub async fn software_of_organisations(&self, organisations: &[i64]) -> Result<Vec<i64>> {
        let mut out = Vec::new();
        for chunk in organisations.chunks(500) {
            let ids = id_list(chunk);
            let rows: Vec<(i64,)> = self
                .all(q(format!(
                    "SELECT software_id FROM adoptions WHERE organisation_id IN ({ids}) \
                     UNION SELECT software_id FROM fundings WHERE funder_id IN ({ids})"
                )))
                .await?;
            out.extend(rows.into_iter().map(|r| r.0));
        }
        Ok(out)
    }

    /// Every software's id, slug and name.
    pub async fn software_refs(&self, software: Option<&[i64]>) -> Result<Vec<(i64, SoftwareRef)>> {
        let filter = software.map_or_else(String::new, |ids| format!(" WHERE id IN ({})", id_list(ids)));
        let rows: Vec<(i64, String, String)> =
            self.all(q(format!("SELECT id, slug, name FROM software{filter}"))).await?;
        Ok(rows.into_iter().map(|(id, slug, name)| (id, SoftwareRef { slug, name })).collect())
    }

    /// Every roadmap item, by software then in the order written.
    pub async fn roadmap_items(&self, filter: &RoadmapFilter, limit: i64, offset: i64) -> Result<Page<RoadmapItem>> {
        let mut conditions = vec!["1 = 1".to_string()];
        let mut args = Vec::new();
        if let Some(s) = &filter.software {
            args.push(s.clone());
            conditions.push(format!("s.slug = ${}", args.len()));
        }
        if let Some(s) = &filter.status {
            args.push(s.clone());
            conditions.push(format!("r.status = ${}", args.len()));
        }
        let where_ = conditions.join(" AND ");
        let mut count =
            q(format!("SELECT COUNT(*) FROM roadmap_items r JOIN software s ON s.id = r.software_id WHERE {where_}"));
        let mut list = q(format!(
            "{} WHERE {where_} ORDER BY s.name, s.slug, r.id LIMIT ${} OFFSET ${}",
            super::roadmap::ITEM_VIEW,
            args.len() + 1,
            args.len() + 2
        ));
        for a in &args {
            count = count.bind(a.clone());
            list = list.bind(a.clone());
        }
        let (total,): (i64,) = self.one(count).await?;
        let mut r = self.read().await?;
        let items = r.load_items(list.bind(limit).bind(offset)).await?;
        Ok(Page { items, total, limit, offset })
    }

    /// The software that have roadmap items, by name.
    pub async fn software_with_roadmaps(&self) -> Result<Vec<SoftwareRef>> {
        self.all(q("SELECT s.slug, s.name FROM software s WHERE s.id IN (SELECT software_id FROM roadmap_items) \
                    ORDER BY s.name, s.slug"))
            .await
    }

    /// The members of `parent` (an EPCI, a département...), the most populous first.
    pub async fn members(&self, parent: &str, limit: i64) -> Result<(i64, Vec<OrgRef>)> {
        let (total,): (i64,) = self
            .one(
                q("SELECT COUNT(*) FROM organisation_parents p JOIN organisations o ON o.id = p.parent_id WHERE o.slug = $1")
                    .bind(parent),
            )
            .await?;
        let members = self
            .all(
                q("SELECT c.slug, c.name, c.kind, c.country FROM organisation_parents p \
                   JOIN organisations o ON o.id = p.parent_id JOIN organisations c ON c.id = p.organisation_id \
                   WHERE o.slug = $1 ORDER BY COALESCE(c.population, 0) DESC, c.name LIMIT $2")
                .bind(parent)
                .bind(limit),
            )
            .await?;
        Ok((total, members))
    }

    /// What the members of `parent` other than `organisation` use (in use, not ended) that
    /// `organisation` does not, by how many of them use it.
    pub async fn peer_uses_in(&self, organisation: &str, parent: &str, limit: i64) -> Result<Vec<PeerUse>> {
        let (Some(me), Some(parent)) =
            (self.organisation_key(organisation).await?, self.organisation_key(parent).await?)
        else {
            return Ok(Vec::new());
        };
        // The members first, then their adoptions by the organisation index: a département
        // has hundreds of communes, each with tens of adoptions, among a million.
        let rows: Vec<(String, String, i64)> = self
            .all(
                q("SELECT s.slug, s.name, COUNT(*) AS users FROM adoptions a JOIN software s ON s.id = a.software_id \
                   WHERE a.organisation_id IN (SELECT organisation_id FROM organisation_parents WHERE parent_id = $1) \
                   AND a.organisation_id <> $2 AND a.status <> 'ended' \
                   AND a.software_id NOT IN (SELECT software_id FROM adoptions WHERE organisation_id = $2) \
                   GROUP BY s.slug, s.name ORDER BY users DESC, s.name LIMIT $3")
                .bind(parent)
                .bind(me)
                .bind(limit),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(slug, name, users)| PeerUse { software: SoftwareRef { slug, name }, users })
            .collect())
    }

    /// The slugs of the software an organisation uses (in use).
    pub async fn software_used_by(&self, organisation: &str) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = self
            .all(
                q("SELECT s.slug FROM adoptions a JOIN software s ON s.id = a.software_id \
                   JOIN organisations o ON o.id = a.organisation_id WHERE o.slug = $1 AND a.status <> 'ended'")
                .bind(organisation),
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn organisation_key(&self, slug: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = self.optional(q("SELECT id FROM organisations WHERE slug = $1").bind(slug)).await?;
        Ok(row.map(|r| r.0))
    }

    /// Up to `count` organisations of the same kind and country as `organisation` whose
    /// population is closest to its own (within a factor of two).
    pub async fn similar_in_size(&self, organisation: &str, count: i64) -> Result<Vec<OrgRef>> {
        let me: Option<(i64, String, String, Option<i64>)> = self
            .optional(q("SELECT id, kind, country, population FROM organisations WHERE slug = $1").bind(organisation))
            .await?;
        let Some((id, kind, country, Some(population))) = me else { return Ok(Vec::new()) };
        // The closest above and the closest below, each read along the size index, rather
        // than every commune within the range sorted by distance.
        let side = |above: bool| {
            let (condition, order) = if above {
                ("population >= $3 AND population <= $4", "ASC")
            } else {
                ("population < $3 AND population >= $4", "DESC")
            };
            q(format!(
                "SELECT slug, name, kind, country, population FROM organisations WHERE kind = $1 AND country = $2 \
                 AND {condition} AND id <> $5 ORDER BY population {order}, slug LIMIT $6"
            ))
            .bind(kind.clone())
            .bind(country.clone())
            .bind(population)
            .bind(if above { population.saturating_mul(2) } else { population / 2 })
            .bind(id)
            .bind(count)
        };
        let mut found: Vec<(String, String, String, String, i64)> = self.all(side(true)).await?;
        found.extend(self.all::<(String, String, String, String, i64)>(side(false)).await?);
        found.sort_by(|a, b| (a.4 - population).abs().cmp(&(b.4 - population).abs()).then_with(|| a.0.cmp(&b.0)));
        Ok(found
            .into_iter()
            .take(count as usize)
            .map(|(slug, name, kind, country, _)| OrgRef { slug, name, kind, country })
            .collect())
    }
}
