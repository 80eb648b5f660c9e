//! What the search index is made of: one document per software, with the words of its
//! record, its repositories' READMEs and its adopters, and the values its facets count.
//! The index itself lives in `indexer`; this is the catalog's side of it, and the list of
//! software whose documents changed since a version (see migrations/*/0006_search_changes).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{q, Backend, Store};
use crate::document::{OrganisationDocument, SearchDocument};
use crate::error::Result;
use crate::model::{Actor, OrgRef};
use crate::repository::RepositorySnapshot;

/// id, slug, name, kind, country, population, demo.
type OrganisationRow = (i64, String, String, String, String, Option<i64>, bool);

/// id, slug, name, licence, maturity, demo, active adoptions.
type SoftwareRow = (i64, String, String, String, String, bool, Option<i64>);

/// Territories are the ancestors of these kinds (a commune's département, a Swiss commune's
/// canton, a Belgian one's province).
const TERRITORY_KINDS: &str = "('departement', 'canton', 'province')";

impl Store {
    /// The documents of the given software (all of them with `None`), in id order. A
    /// software that no longer exists has no document.
    pub async fn search_documents(&self, ids: Option<&[i64]>) -> Result<Vec<SearchDocument>> {
        let filter = |column: &str| match ids {
            None => String::new(),
            Some([]) => " AND 1 = 0".to_string(),
            Some(ids) => {
                format!(" AND {column} IN ({})", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", "))
            }
        };
        let rows: Vec<SoftwareRow> = self
            .all(q(format!(
                "SELECT s.id, s.slug, s.name, s.licence, s.maturity, s.demo, st.active_adoptions \
                 FROM software s LEFT JOIN software_stats st ON st.software_id = s.id WHERE 1 = 1{} ORDER BY s.id",
                filter("s.id")
            )))
            .await?;
        let mut docs: Vec<SearchDocument> = rows
            .into_iter()
            .map(|(id, slug, name, licence, maturity, demo, adopters)| SearchDocument {
                id,
                slug,
                name,
                licence,
                maturity,
                demo,
                adopters: adopters.unwrap_or(0),
                ..Default::default()
            })
            .collect();
        let index: HashMap<i64, usize> = docs.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
        let at = |id: i64| index.get(&id).copied();

        let texts: Vec<(i64, String, Option<String>, Option<String>)> = self
            .all(q(format!(
                "SELECT software_id, lang, summary, description FROM software_texts WHERE 1 = 1{}",
                filter("software_id")
            )))
            .await?;
        for (id, lang, summary, description) in texts {
            if let Some(i) = at(id) {
                let d = &mut docs[i];
                if let Some(s) = summary {
                    d.summary.insert(lang.clone(), s);
                }
                if let Some(t) = description {
                    d.description.insert(lang, t);
                }
            }
        }
        let categories: Vec<(i64, String)> = self
            .all(q(format!(
                "SELECT software_id, category FROM software_categories WHERE 1 = 1{} ORDER BY software_id, category",
                filter("software_id")
            )))
            .await?;
        for (id, category) in categories {
            if let Some(i) = at(id) {
                let d = &mut docs[i];
                d.categories.push(category);
            }
        }
        let organisations: Vec<(i64, String)> = self
            .all(q(format!(
                "SELECT so.software_id, o.name FROM software_organisations so \
                 JOIN organisations o ON o.id = so.organisation_id WHERE 1 = 1{} \
                 UNION SELECT s.id, o.name FROM software s JOIN organisations o ON o.id = s.publisher_id WHERE 1 = 1{}",
                filter("so.software_id"),
                filter("s.id")
            )))
            .await?;
        for (id, name) in organisations {
            if let Some(i) = at(id) {
                let d = &mut docs[i];
                d.organisations.push(name);
            }
        }
        let snapshots: Vec<(i64, String, i64)> = self
            .all(q(format!(
                "SELECT r.software_id, sn.facts, sn.health_score FROM repositories r \
                 JOIN repository_snapshots sn ON sn.repository_id = r.id WHERE 1 = 1{} ORDER BY r.software_id, r.position, r.id",
                filter("r.software_id")
            )))
            .await?;
        for (id, facts, score) in snapshots {
            let Some(i) = at(id) else { continue };
            let d = &mut docs[i];
            // A snapshot that cannot be read is left out of the document rather than
            // failing the whole index: the record's page reports it.
            let Ok(snapshot) = serde_json::from_str::<RepositorySnapshot>(&facts) else { continue };
            if d.health.is_none() {
                d.health = Some(score.max(0) as u32);
            }
            if let Some(readme) = snapshot.readme {
                d.readmes.push(readme.text);
            }
            if let Some(last) = snapshot.activity.last_commit.or(Some(snapshot.head_date)) {
                d.last_activity = Some(d.last_activity.map_or(last, |l| l.max(last)));
            }
            d.publiccode_valid |= snapshot.publiccode.is_some_and(|p| p.valid);
        }
        let uses: Vec<(i64, String)> = self
            .all(q(format!(
                "SELECT software_id, scope FROM adoptions WHERE scope IS NOT NULL AND status <> 'ended'{} \
                 UNION SELECT software_id, title FROM roadmap_items WHERE 1 = 1{} ORDER BY 1, 2",
                filter("software_id"),
                filter("software_id")
            )))
            .await?;
        for (id, text) in uses {
            if let Some(i) = at(id) {
                docs[i].uses.push(text);
            }
        }
        // One row per software with its adopters aggregated by the database: a hundred
        // thousand rows decoded one by one took three times as long on the national catalog.
        let (names, ids_of, kinds_of, countries_of) = match self.backend() {
            Backend::Sqlite => (
                "group_concat(o.name, char(10))",
                "group_concat(o.id)",
                "group_concat(DISTINCT o.kind)",
                "group_concat(DISTINCT o.country)",
            ),
            Backend::Postgres => (
                "string_agg(o.name, E'\\n')",
                "string_agg(o.id::text, ',')",
                "string_agg(DISTINCT o.kind, ',')",
                "string_agg(DISTINCT o.country, ',')",
            ),
        };
        let adopters: Vec<(i64, String, String, String, String)> = self
            .all(q(format!(
                "SELECT a.software_id, {names}, {ids_of}, {kinds_of}, {countries_of} FROM adoptions a \
                 JOIN organisations o ON o.id = a.organisation_id WHERE a.status <> 'ended'{} GROUP BY a.software_id",
                filter("a.software_id")
            )))
            .await?;
        // Territories: a commune's département, an EPCI's, a Swiss commune's canton, and a
        // département adopting for itself. Looked up here from the parents rather than
        // joined in SQL, which took half a second per 500 software on the national catalog.
        let territories: HashMap<i64, (String, String)> = self
            .all::<(i64, String, String)>(q(format!(
                "SELECT id, slug, name FROM organisations WHERE kind IN {TERRITORY_KINDS}"
            )))
            .await?
            .into_iter()
            .map(|(id, slug, name)| (id, (slug, name)))
            .collect();
        // Each software's territories up to two levels above its adopters: a commune's
        // EPCI's département, as well as its own.
        let mut above: HashMap<i64, BTreeSet<i64>> = HashMap::new();
        let mut parents: HashMap<i64, Vec<i64>> = HashMap::new();
        let few = matches!(ids, Some(ids) if ids.len() <= 20);
        if few {
            // A few software (a catch-up after a write): the distinct parents of their
            // adopters, then those parents' own, rather than every adopter's links (a
            // software adopted by 27,000 communes has 54,000; these are 1,400).
            let first: Vec<(i64, i64)> = self
                .all(q(format!(
                    "SELECT DISTINCT a.software_id, p.parent_id FROM adoptions a \
                     JOIN organisation_parents p ON p.organisation_id = a.organisation_id \
                     WHERE a.status <> 'ended'{}",
                    filter("a.software_id")
                )))
                .await?;
            let mut firsts: Vec<i64> = first.iter().map(|(_, p)| *p).collect();
            firsts.sort_unstable();
            firsts.dedup();
            for chunk in firsts.chunks(1_000) {
                let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
                let rows: Vec<(i64, i64)> = self
                    .all(q(format!(
                        "SELECT organisation_id, parent_id FROM organisation_parents WHERE organisation_id IN ({list})"
                    )))
                    .await?;
                for (child, parent) in rows {
                    parents.entry(child).or_default().push(parent);
                }
            }
            for (software, parent) in first {
                let found = above.entry(software).or_default();
                found.insert(parent);
                found.extend(parents.get(&parent).into_iter().flatten());
            }
            for found in above.values_mut() {
                found.retain(|o| territories.contains_key(o));
            }
        } else {
            // Many: reading every link is quicker than choosing them.
            let rows: Vec<(i64, i64)> =
                self.all(q("SELECT organisation_id, parent_id FROM organisation_parents")).await?;
            for (child, parent) in rows {
                parents.entry(child).or_default().push(parent);
            }
        }
        let mut of_organisation: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut kinds: HashMap<i64, BTreeSet<String>> = HashMap::new();
        let mut countries: HashMap<i64, BTreeSet<String>> = HashMap::new();
        let mut by_software: HashMap<i64, BTreeMap<String, String>> = HashMap::new();
        for (id, names, organisations, kind_list, country_list) in adopters {
            let Some(i) = at(id) else { continue };
            docs[i].adopter_names = names.split('\n').map(str::to_string).collect();
            docs[i].adopter_names.sort_unstable();
            kinds.insert(id, kind_list.split(',').map(str::to_string).collect());
            countries.insert(id, country_list.split(',').map(str::to_string).collect());
            let mut found: BTreeSet<i64> = above.remove(&id).unwrap_or_default();
            for organisation in organisations.split(',').filter_map(|o| o.parse::<i64>().ok()) {
                if few {
                    // Its parents are in `above` already; the adopter may be a territory.
                    if territories.contains_key(&organisation) {
                        found.insert(organisation);
                    }
                    continue;
                }
                let up = of_organisation.entry(organisation).or_insert_with(|| {
                    let mut up = vec![organisation];
                    for p in parents.get(&organisation).into_iter().flatten() {
                        up.push(*p);
                        up.extend(parents.get(p).into_iter().flatten());
                    }
                    up.retain(|o| territories.contains_key(o));
                    up
                });
                found.extend(up.iter().copied());
            }
            if !found.is_empty() {
                let names = by_software.entry(id).or_default();
                for t in &found {
                    let (slug, name) = &territories[t];
                    names.entry(slug.clone()).or_insert_with(|| name.clone());
                }
            }
        }
        for d in &mut docs {
            d.adopter_kinds = kinds.remove(&d.id).map(|k| k.into_iter().collect()).unwrap_or_default();
            d.countries = countries.remove(&d.id).map(|c| c.into_iter().collect()).unwrap_or_default();
            let names = by_software.remove(&d.id).unwrap_or_default();
            d.territories = names.keys().cloned().collect();
            d.territory_names = names;
        }
        Ok(docs)
    }

    /// The software whose documents changed after version `since`, each once, and the
    /// version they bring the index to.
    pub async fn search_changes(&self, since: i64) -> Result<(Vec<i64>, i64)> {
        self.changes("search_changes", "software_id", since).await
    }

    /// The organisations whose documents changed after version `since`, each once, and the
    /// version they bring the organisation index to.
    pub async fn organisation_changes(&self, since: i64) -> Result<(Vec<i64>, i64)> {
        self.changes("organisation_changes", "organisation_id", since).await
    }

    /// Forgets the changes no reader needs: of each software's and each organisation's
    /// rows, only the latest stays. A reader (an index, the dashboards) at version V needs
    /// the entities changed after V; an entity's older row is after V only if its latest is
    /// too, and the reader reads the entity's current state either way. Rows of transactions
    /// not yet committed (no version) are left alone. Returns how many rows went.
    ///
    /// At most `batch` rows of each log go in one transaction: after a national import the
    /// logs hold a million rows, and one transaction deleting them all would hold the
    /// database's write lock for seconds. Call it again while it prunes `batch` rows or more.
    pub async fn prune_changes(&self, batch: i64) -> Result<u64> {
        let mut tx = self.begin(&Actor::System("search")).await?;
        let mut pruned = 0;
        for (table, column) in [("search_changes", "software_id"), ("organisation_changes", "organisation_id")] {
            pruned += tx
                .execute(
                    q(format!(
                        "DELETE FROM {table} WHERE id IN (SELECT id FROM {table} old WHERE old.version IS NOT NULL \
                         AND EXISTS (SELECT 1 FROM {table} newer WHERE newer.{column} = old.{column} \
                         AND newer.version IS NOT NULL AND (newer.version > old.version \
                         OR (newer.version = old.version AND newer.id > old.id))) LIMIT $1)"
                    ))
                    .bind(batch),
                )
                .await?;
        }
        // Bookkeeping: no record changed, so the catalog's version (and the caches keyed on
        // it) stays.
        tx.commit_quietly().await?;
        Ok(pruned)
    }

    /// How many rows the change logs hold: software's, organisations'.
    pub async fn change_rows(&self) -> Result<(i64, i64)> {
        let (software,): (i64,) = self.one(q("SELECT COUNT(*) FROM search_changes")).await?;
        let (organisations,): (i64,) = self.one(q("SELECT COUNT(*) FROM organisation_changes")).await?;
        Ok((software, organisations))
    }

    async fn changes(&self, table: &str, column: &str, since: i64) -> Result<(Vec<i64>, i64)> {
        let rows: Vec<(i64, i64)> = self
            .all(
                q(format!("SELECT DISTINCT {column}, version FROM {table} WHERE version > $1 ORDER BY version"))
                    .bind(since),
            )
            .await?;
        let upto = rows.iter().map(|(_, v)| *v).max().unwrap_or(since);
        let ids: BTreeSet<i64> = rows.into_iter().map(|(id, _)| id).collect();
        Ok((ids.into_iter().collect(), upto))
    }

    /// Every organisation's id, for a rebuild read in batches.
    pub async fn organisation_ids(&self) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = self.all(q("SELECT id FROM organisations ORDER BY id")).await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The latest version any organisation change carries.
    pub async fn organisation_search_version(&self) -> Result<i64> {
        let (v,): (Option<i64>,) = self.one(q("SELECT MAX(version) FROM organisation_changes")).await?;
        Ok(v.unwrap_or(0))
    }

    /// The documents of the given organisations (all of them with `None`), in id order.
    pub async fn organisation_documents(&self, ids: Option<&[i64]>) -> Result<Vec<OrganisationDocument>> {
        let filter = |column: &str| match ids {
            None => String::new(),
            Some([]) => " AND 1 = 0".to_string(),
            Some(ids) => {
                format!(" AND {column} IN ({})", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", "))
            }
        };
        let rows: Vec<OrganisationRow> = self
            .all(q(format!(
                "SELECT id, slug, name, kind, country, population, demo FROM organisations WHERE 1 = 1{} ORDER BY id",
                filter("id")
            )))
            .await?;
        let mut docs: Vec<OrganisationDocument> = rows
            .into_iter()
            .map(|(id, slug, name, kind, country, population, demo)| OrganisationDocument {
                id,
                slug,
                name,
                kind,
                country,
                population,
                demo,
                ..Default::default()
            })
            .collect();
        let index: HashMap<i64, usize> = docs.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
        let identifiers: Vec<(i64, String, String)> = self
            .all(q(format!(
                "SELECT organisation_id, scheme, value FROM organisation_identifiers WHERE 1 = 1{} \
                 ORDER BY organisation_id, scheme, value",
                filter("organisation_id")
            )))
            .await?;
        for (id, scheme, value) in identifiers {
            if let Some(&i) = index.get(&id) {
                docs[i].identifiers.push(format!("{scheme}:{value}"));
            }
        }
        // Parents (level 1) and their parents (level 2), nearest first.
        let parents: Vec<(i64, i64, String, String, String, String)> = self
            .all(q(format!(
                "SELECT p.organisation_id, CAST(1 AS BIGINT), t.slug, t.name, t.kind, t.country FROM organisation_parents p \
                 JOIN organisations t ON t.id = p.parent_id WHERE 1 = 1{f} \
                 UNION ALL SELECT p.organisation_id, CAST(2 AS BIGINT), t.slug, t.name, t.kind, t.country FROM organisation_parents p \
                 JOIN organisation_parents p2 ON p2.organisation_id = p.parent_id \
                 JOIN organisations t ON t.id = p2.parent_id WHERE 1 = 1{f} \
                 ORDER BY 1, 2, 3",
                f = filter("p.organisation_id")
            )))
            .await?;
        for (id, _level, slug, name, kind, country) in parents {
            if let Some(&i) = index.get(&id) {
                let d = &mut docs[i];
                if !d.parents.iter().any(|p| p.slug == slug) {
                    d.parents.push(OrgRef { slug, name, kind, country });
                }
            }
        }
        Ok(docs)
    }

    /// Every software's id, for a rebuild read in batches.
    pub async fn software_ids(&self) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = self.all(q("SELECT id FROM software ORDER BY id")).await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The latest version any change carries: where a rebuilt index stands.
    pub async fn search_version(&self) -> Result<i64> {
        let (v,): (Option<i64>,) = self.one(q("SELECT MAX(version) FROM search_changes")).await?;
        Ok(v.unwrap_or(0))
    }
}
