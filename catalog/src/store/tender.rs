//! What the "before you tender" report reads of the catalog beside the search: where the
//! asking organisation lies, and for each candidate software how many organisations near it
//! or of its size use it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::adoptions::{NearAdoption, ADOPTION_COLUMNS, ADOPTION_TABLES};
use super::dashboards::id_list;
use super::{q, Store, Tx};
use crate::error::Result;
use crate::model::{Adoption, OrgKey, OrgRef};

/// The organisation a report is for, and the places it lies in.
#[derive(Debug, Clone, Serialize)]
pub struct Asker {
    #[serde(skip)]
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub country: String,
    pub population: Option<i64>,
    /// INSEE's type de liaison of its name, for the French articles.
    #[serde(skip)]
    pub liaison: Option<u8>,
    /// Its EPCI or district.
    pub epci: Vec<OrgRef>,
    /// Its département, canton or province.
    pub areas: Vec<OrgRef>,
    /// Its région.
    pub regions: Vec<OrgRef>,
}

/// How many organisations use a candidate, by how near they are to the asker and by size.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UseCounts {
    /// [itself, same EPCI or district, same département, canton or province, same région,
    /// anywhere else], each adopter counted once, at its nearest. Without an asker, all are
    /// anywhere else.
    pub nearby: [i64; 5],
    /// Adopters of the asker's kind in its country, with half to twice its population.
    pub similar_size: i64,
    /// The nearest adopters (organisation ids, nearest first, `NEAREST` at most) with their
    /// nearness: within the asker's département at most.
    #[serde(skip)]
    pub nearest: Vec<(i64, i64)>,
}

/// Adopters `UseCounts::nearest` keeps.
pub const NEAREST: usize = 5;

/// Current adopters of each software (by slug) in each département, canton or province
/// (by slug): the aggregates the caller keeps (the server's dashboards), which the counts
/// read rather than the hundreds of members of a département or thousands of a région.
pub type AreaCounts = BTreeMap<String, BTreeMap<String, i64>>;

/// Current adopters of each software (by slug) of the asker's kind and country whose
/// population is within half and twice the asker's, the asker included when it is one:
/// kept by the caller too (the dashboards hold each software's adopters' sizes), since
/// counting them in the catalog reads thousands of rows for a village.
pub type SizeCounts = BTreeMap<String, i64>;

const AREA_KINDS: [&str; 3] = ["departement", "canton", "province"];

impl UseCounts {
    fn nearby_push(&mut self, organisation: i64, level: i64) {
        if self.nearest.len() < NEAREST {
            self.nearest.push((organisation, level));
        }
    }
}

impl Tx {
    /// The ids of organisations named by reference.
    async fn ids_of(&mut self, places: &[OrgRef]) -> Result<Vec<i64>> {
        let mut ids = Vec::new();
        for p in places {
            if let Ok(s) = crate::slug::Slug::parse(&p.slug) {
                if let Some(id) = self.organisation_id(&OrgKey::Slug(s)).await? {
                    ids.push(id);
                }
            }
        }
        Ok(ids)
    }

    /// The organisations that are one of `places` or lie within one of them, three levels
    /// down at most (a commune in an EPCI in a département in a région), as SQL.
    fn within(places: &[i64]) -> String {
        let list = id_list(places);
        format!(
            "SELECT id FROM organisations WHERE id IN ({list}) \
             UNION SELECT organisation_id FROM organisation_parents WHERE parent_id IN ({list}) \
             UNION SELECT p1.organisation_id FROM organisation_parents p1 \
                   JOIN organisation_parents p2 ON p2.organisation_id = p1.parent_id WHERE p2.parent_id IN ({list}) \
             UNION SELECT p1.organisation_id FROM organisation_parents p1 \
                   JOIN organisation_parents p2 ON p2.organisation_id = p1.parent_id \
                   JOIN organisation_parents p3 ON p3.organisation_id = p2.parent_id WHERE p3.parent_id IN ({list})"
        )
    }

    /// The current adopters of each of `software` among the organisations within `places`.
    async fn adopters_within(&mut self, software: &[i64], places: &[i64]) -> Result<BTreeMap<i64, BTreeSet<i64>>> {
        let mut out: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
        if places.is_empty() || software.is_empty() {
            return Ok(out);
        }
        let rows: Vec<(i64, i64)> = self
            .all(q(format!(
                "SELECT a.software_id, a.organisation_id FROM adoptions a WHERE a.status <> 'ended' \
                 AND a.software_id IN ({}) AND a.organisation_id IN ({})",
                id_list(software),
                Tx::within(places)
            )))
            .await?;
        for (s, o) in rows {
            out.entry(s).or_default().insert(o);
        }
        Ok(out)
    }
}

impl Store {
    /// The organisation a report is for, by slug or official identifier, with the places
    /// it lies in (up to three levels up); `None` when there is no such organisation.
    pub async fn tender_asker(&self, key: &OrgKey) -> Result<Option<Asker>> {
        let mut r = self.read().await?;
        let Some(id) = r.organisation_id(key).await? else { return Ok(None) };
        let (slug, name, kind, country, population, liaison): (
            String,
            String,
            String,
            String,
            Option<i64>,
            Option<i64>,
        ) = r
            .one(q("SELECT slug, name, kind, country, population, liaison FROM organisations WHERE id = $1").bind(id))
            .await?;
        let mut asker = Asker {
            id,
            slug,
            name,
            kind,
            country,
            population,
            liaison: liaison.and_then(|l| u8::try_from(l).ok()),
            epci: Vec::new(),
            areas: Vec::new(),
            regions: Vec::new(),
        };
        let mut frontier = vec![id];
        let mut seen = BTreeSet::from([id]);
        for _ in 0..3 {
            if frontier.is_empty() {
                break;
            }
            let parents: Vec<(i64, String, String, String, String)> = r
                .all(q(format!(
                    "SELECT DISTINCT o.id, o.slug, o.name, o.kind, o.country FROM organisation_parents p \
                     JOIN organisations o ON o.id = p.parent_id WHERE p.organisation_id IN ({}) ORDER BY o.name",
                    id_list(&frontier)
                )))
                .await?;
            frontier.clear();
            for (pid, slug, name, kind, country) in parents {
                if !seen.insert(pid) {
                    continue;
                }
                frontier.push(pid);
                let place = OrgRef { slug, name, kind: kind.clone(), country };
                match kind.as_str() {
                    "epci" | "district" => asker.epci.push(place),
                    k if AREA_KINDS.contains(&k) => asker.areas.push(place),
                    "region" => asker.regions.push(place),
                    _ => {}
                }
            }
        }
        Ok(Some(asker))
    }

    /// For each of `software` (by slug), how many organisations use it near `asker` and of
    /// its size; without an asker, every adopter is elsewhere. Unknown slugs are left out.
    pub async fn tender_counts(
        &self,
        asker: Option<&Asker>,
        software: &[String],
        areas: &AreaCounts,
        sizes: &SizeCounts,
    ) -> Result<BTreeMap<String, UseCounts>> {
        let mut r = self.read().await?;
        let mut ids: BTreeMap<i64, String> = BTreeMap::new();
        for slug in software {
            if let Some(id) = r.software_id(slug).await? {
                ids.insert(id, slug.clone());
            }
        }
        let list: Vec<i64> = ids.keys().copied().collect();
        let mut out: BTreeMap<String, UseCounts> = BTreeMap::new();
        if list.is_empty() {
            return Ok(out);
        }
        // How many use each: the figures kept beside the catalog, not a pass over the
        // adopters (60 ms for ten popular software on the national catalog).
        let totals: Vec<(i64, i64)> = r
            .all(q(format!(
                "SELECT software_id, active_adoptions FROM software_stats WHERE software_id IN ({})",
                id_list(&list)
            )))
            .await?;
        for (id, total) in totals {
            out.entry(ids[&id].clone()).or_default().nearby[4] = total;
        }
        let Some(asker) = asker else { return Ok(out) };
        // Itself, then its EPCI's members, read from the catalog (tens of organisations).
        let level0: Vec<(i64,)> = r
            .all(
                q(format!(
                    "SELECT software_id FROM adoptions WHERE status <> 'ended' AND organisation_id = $1 \
                     AND software_id IN ({})",
                    id_list(&list)
                ))
                .bind(asker.id),
            )
            .await?;
        let epci = r.ids_of(&asker.epci).await?;
        let level1 = r.adopters_within(&list, &epci).await?;
        // Its département's and région's, from the aggregates by area.
        let area_slugs: Vec<String> = asker.areas.iter().map(|a| a.slug.clone()).collect();
        let regions = r.ids_of(&asker.regions).await?;
        let region_areas: Vec<(String,)> = if regions.is_empty() {
            Vec::new()
        } else {
            r.all(q(format!(
                "SELECT DISTINCT o.slug FROM organisation_parents p JOIN organisations o ON o.id = p.organisation_id \
                 WHERE p.parent_id IN ({}) AND o.kind IN ('departement', 'canton', 'province')",
                id_list(&regions)
            )))
            .await?
        };
        // The candidates with fewer than `NEAREST` adopters in its EPCI but some in its
        // département, with those of its EPCI: the département's are read for them.
        let mut wanting: Vec<(i64, Vec<i64>)> = Vec::new();
        for (id, slug) in &ids {
            let counts = out.entry(slug.clone()).or_default();
            let total = counts.nearby[4];
            let itself = level0.iter().any(|(s,)| s == id);
            let near: Vec<i64> =
                level1.get(id).map(|s| s.iter().copied().filter(|o| *o != asker.id).collect()).unwrap_or_default();
            counts.nearby[0] = i64::from(itself);
            counts.nearby[1] = near.len() as i64;
            if itself {
                counts.nearby_push(asker.id, 0);
            }
            for o in &near {
                counts.nearby_push(*o, 1);
            }
            let in_areas = |list: &[String]| -> i64 {
                areas.get(slug).map_or(0, |by| list.iter().filter_map(|a| by.get(a)).sum())
            };
            let area = in_areas(&area_slugs);
            let region = in_areas(&region_areas.iter().map(|(s,)| s.clone()).collect::<Vec<_>>()).max(area);
            // Its EPCI lies in its département: what the département has beyond it.
            counts.nearby[2] = (area - counts.nearby[0] - counts.nearby[1]).max(0);
            counts.nearby[3] = region - area;
            counts.nearby[4] = (total - counts.nearby[..4].iter().sum::<i64>()).max(0);
            if counts.nearest.len() < NEAREST && counts.nearby[2] > 0 {
                wanting.push((*id, near));
            }
        }
        // Fewer than `NEAREST` in its EPCI: the département's members are read for the rest
        // (a few hundred organisations), in one read for those candidates only: for all ten
        // of a village's it is 7.5 ms on the national catalog, most of a report's counts.
        if !wanting.is_empty() {
            let places = r.ids_of(&asker.areas).await?;
            let software: Vec<i64> = wanting.iter().map(|(id, _)| *id).collect();
            let area_level = r.adopters_within(&software, &places).await?;
            for (id, near) in wanting {
                let counts = out.get_mut(&ids[&id]).expect("counted above");
                for o in area_level.get(&id).into_iter().flatten() {
                    if counts.nearest.len() < NEAREST && *o != asker.id && !near.contains(o) {
                        counts.nearby_push(*o, 2);
                    }
                }
            }
        }
        if asker.population.is_some_and(|p| p > 0) {
            for slug in ids.values() {
                let counts = out.entry(slug.clone()).or_default();
                // The asker is not its own peer.
                let size = sizes.get(slug).copied().unwrap_or(0) - counts.nearby[0];
                counts.similar_size = size.max(0);
            }
        }
        Ok(out)
    }

    /// The adoptions of `software` by `organisations` (id and nearness), in that order: the
    /// nearest adopters `tender_counts` found, read whole.
    pub async fn adoptions_by(&self, software: &str, organisations: &[(i64, i64)]) -> Result<Vec<NearAdoption>> {
        if organisations.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = organisations.iter().map(|(o, _)| *o).collect();
        let rows: Vec<AdoptionOf> = self
            .all(
                q(format!(
                    "SELECT {ADOPTION_COLUMNS}, a.organisation_id, o.population FROM {ADOPTION_TABLES} \
                     WHERE s.slug = $1 AND a.status <> 'ended' AND a.organisation_id IN ({})",
                    id_list(&ids)
                ))
                .bind(software),
            )
            .await?;
        Ok(organisations
            .iter()
            .filter_map(|(o, level)| {
                let row = rows.iter().find(|r| r.organisation_id == *o)?;
                Some(NearAdoption {
                    adoption: row.adoption.clone(),
                    population: row.population,
                    proximity: Some(*level),
                })
            })
            .collect())
    }
}

impl Store {
    /// The latest adoptions of `software` in use, newest first: a report's adopters when
    /// the nearest are too few. The adopters page's list would count them all first (11 to
    /// 44 ms for a software of 27,000 adopters on the national catalog).
    pub async fn latest_adoptions(&self, software: &str, limit: i64) -> Result<Vec<NearAdoption>> {
        let rows: Vec<AdoptionOf> = self
            .all(
                q(format!(
                    "SELECT {ADOPTION_COLUMNS}, a.organisation_id, o.population FROM {ADOPTION_TABLES}                      WHERE s.slug = $1 AND a.status <> 'ended' ORDER BY a.since DESC, a.id DESC LIMIT $2"
                ))
                .bind(software)
                .bind(limit),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| NearAdoption { adoption: row.adoption, population: row.population, proximity: None })
            .collect())
    }
}

#[derive(sqlx::FromRow)]
struct AdoptionOf {
    #[sqlx(flatten)]
    adoption: Adoption,
    organisation_id: i64,
    population: Option<i64>,
}
