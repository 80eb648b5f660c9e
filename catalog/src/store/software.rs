use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::adoptions::first_adoptions;
use super::adoptions::unpack_adoptions;
use super::fundings::first_fundings;
use super::fundings::{totals, unpack_fundings};
use super::roadmap::{roadmap_columns, unpack_roadmap};

use super::{conflict_on, packed, q, Store, Tx};
use crate::category::Category;
use crate::error::{Error, Result};
use crate::federation::FederatedEntity;
use crate::model::{Actor, NewSoftware, OrgRef, Page, Repository, Software, SoftwareRef, SoftwareSummary};
use crate::model::{Adoption, Funding, RoadmapItem, Total};
use crate::slug::Slug;
use crate::vocab::SoftwareRole;

#[derive(sqlx::FromRow)]
struct SoftwareRow {
    id: i64,
    slug: String,
    name: String,
    licence: String,
    maturity: String,
    website: Option<String>,
    logo_url: Option<String>,
    publisher_slug: Option<String>,
    publisher_name: Option<String>,
    publisher_kind: Option<String>,
    publisher_country: Option<String>,
    demo: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// The software of a query (`this_sw`, named by slug in `$1`) and its publisher.
const SOFTWARE_FROM: &str =
    "FROM software this_sw LEFT JOIN organisations p ON p.id = this_sw.publisher_id WHERE this_sw.slug = $1";

/// A software's row with its texts, categories, organisations, similar software and
/// repositories packed (see `packed`), in one row.
#[derive(sqlx::FromRow)]
struct SoftwareRecordRow {
    #[sqlx(flatten)]
    row: SoftwareRow,
    texts: Option<String>,
    categories: Option<String>,
    organisations: Option<String>,
    similar: Option<String>,
    repositories: Option<String>,
}

/// The columns of `SoftwareRecordRow`, for the software `this_sw` of `SOFTWARE_FROM`.
fn record_columns() -> String {
    use packed::{field, list};
    let texts = list(
        &["t.lang", "t.summary", "t.description"].map(field),
        &[],
        "FROM software_texts t WHERE t.software_id = this_sw.id",
    );
    let categories = list(&[field("c.category")], &[], "FROM software_categories c WHERE c.software_id = this_sw.id");
    let organisations = list(
        &["so.role", "so.position", "o.slug", "o.name", "o.kind", "o.country"].map(field),
        &[],
        "FROM software_organisations so JOIN organisations o ON o.id = so.organisation_id \
         WHERE so.software_id = this_sw.id",
    );
    let similar = list(
        &["s.slug", "s.name"].map(field),
        &[],
        "FROM software_similar x JOIN software s ON s.id = x.similar_id WHERE x.software_id = this_sw.id",
    );
    let repositories = list(
        &["r.position", "r.url", "r.forge"].map(field),
        &[],
        "FROM repositories r WHERE r.software_id = this_sw.id",
    );
    format!(
        "this_sw.id, this_sw.slug, this_sw.name, this_sw.licence, this_sw.maturity, this_sw.website, \
         this_sw.logo_url, p.slug AS publisher_slug, p.name AS publisher_name, p.kind AS publisher_kind, \
         p.country AS publisher_country, this_sw.demo, this_sw.created_at, this_sw.updated_at, \
         {texts} AS texts, {categories} AS categories, {organisations} AS organisations, {similar} AS similar, \
         {repositories} AS repositories"
    )
}

impl SoftwareRecordRow {
    fn into_software(self) -> Result<(i64, Software)> {
        let row = self.row;
        let mut summary = BTreeMap::new();
        let mut description = BTreeMap::new();
        for r in packed::unpack(self.texts.as_deref(), 3, "text")? {
            if let Some(s) = r.opt(1) {
                summary.insert(r.text(0), s);
            }
            if let Some(d) = r.opt(2) {
                description.insert(r.text(0), d);
            }
        }
        let mut categories: Vec<String> =
            packed::unpack(self.categories.as_deref(), 1, "category")?.iter().map(|r| r.text(0)).collect();
        categories.sort();
        let (mut maintainers, mut providers, mut funders) = (Vec::new(), Vec::new(), Vec::new());
        for r in packed::unpack(self.organisations.as_deref(), 6, "software organisation")? {
            let org = (r.int(1)?, OrgRef { slug: r.text(2), name: r.text(3), kind: r.text(4), country: r.text(5) });
            match SoftwareRole::parse(&r.text(0)) {
                Ok(SoftwareRole::Maintainer) => maintainers.push(org),
                Ok(SoftwareRole::Provider) => providers.push(org),
                Ok(SoftwareRole::Funder) => funders.push(org),
                Err(e) => return Err(e),
            }
        }
        let mut similar: Vec<SoftwareRef> = packed::unpack(self.similar.as_deref(), 2, "similar software")?
            .iter()
            .map(|r| SoftwareRef { slug: r.text(0), name: r.text(1) })
            .collect();
        similar.sort_by(|x, y| (&x.name, &x.slug).cmp(&(&y.name, &y.slug)));
        let mut repositories = Vec::new();
        for r in packed::unpack(self.repositories.as_deref(), 3, "repository")? {
            repositories.push((r.int(0)?, Repository { url: r.text(1), forge: r.text(2), harvest: None }));
        }
        fn in_order<T>(mut v: Vec<(i64, T)>) -> Vec<T> {
            v.sort_by_key(|(p, _)| *p);
            v.into_iter().map(|(_, x)| x).collect()
        }
        let publisher = match (row.publisher_slug, row.publisher_name, row.publisher_kind, row.publisher_country) {
            (Some(slug), Some(name), Some(kind), Some(country)) => Some(OrgRef { slug, name, kind, country }),
            _ => None,
        };
        Ok((
            row.id,
            Software {
                slug: row.slug,
                name: row.name,
                summary,
                description,
                categories,
                licence: row.licence,
                maturity: row.maturity,
                website: row.website,
                logo_url: row.logo_url,
                publisher,
                maintainers: in_order(maintainers),
                providers: in_order(providers),
                funders: in_order(funders),
                similar,
                repositories: in_order(repositories),
                demo: row.demo,
                created_at: row.created_at,
                updated_at: row.updated_at,
            },
        ))
    }
}

/// A software's page in one row: its record, counts, first adoptions and fundings,
/// funding totals and roadmap.
#[derive(sqlx::FromRow)]
struct SoftwarePageRow {
    #[sqlx(flatten)]
    record: SoftwareRecordRow,
    adoption_count: Option<i64>,
    funding_count: Option<i64>,
    adoptions: Option<String>,
    fundings: Option<String>,
    totals: Option<String>,
    roadmap: Option<String>,
    roadmap_needs: Option<String>,
    roadmap_funded: Option<String>,
    #[sqlx(flatten)]
    origin: super::federation::OriginColumns,
}

/// A software and what its page shows besides.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SoftwarePage {
    #[serde(flatten)]
    pub software: Software,
    pub adoptions: Page<Adoption>,
    pub fundings: Page<Funding>,
    pub funding_totals: Vec<Total>,
    pub roadmap: Vec<RoadmapItem>,
    /// The health of the first repository that has been harvested, in the record's order.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub health: Option<crate::repository::Health>,
    /// The instance this record comes from, when another keeps it (see `crate::federation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<crate::federation::Origin>,
}

/// Filters of the software list; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct SoftwareFilter {
    pub category: Option<Category>,
    pub licence: Option<String>,
    /// The most recently added first, instead of by name.
    pub newest_first: bool,
}

impl Tx {
    pub(crate) async fn software_id(&mut self, slug: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = self.optional(q("SELECT id FROM software WHERE slug = $1").bind(slug)).await?;
        Ok(row.map(|r| r.0))
    }

    pub(crate) async fn require_software(&mut self, field: &str, slug: &Slug) -> Result<i64> {
        self.software_id(slug.as_str())
            .await?
            .ok_or_else(|| Error::invalid(field, format!("no software {slug} is known")))
    }

    pub(crate) async fn load_software(&mut self, slug: &str) -> Result<Option<Software>> {
        Ok(self.load_software_with_id(slug).await?.map(|(_, s)| s))
    }

    pub(crate) async fn load_software_with_id(&mut self, slug: &str) -> Result<Option<(i64, Software)>> {
        let sql = format!("SELECT {} {SOFTWARE_FROM}", record_columns());
        let row: Option<SoftwareRecordRow> = self.optional(q(sql).bind(slug)).await?;
        row.map(SoftwareRecordRow::into_software).transpose()
    }

    pub(crate) async fn put_software(&mut self, sw: &NewSoftware) -> Result<(Software, bool)> {
        let slug = sw.slug.as_str();
        let before = self.load_software(slug).await?;
        let now = self.now();
        let publisher_id = match &sw.publisher {
            Some(key) => Some(self.require_organisation("publisher", key).await?),
            None => None,
        };
        let id = match self.software_id(slug).await? {
            Some(id) => {
                self.execute(
                    q("UPDATE software SET name = $1, licence = $2, maturity = $3, website = $4, logo_url = $5, \
                       publisher_id = $6, demo = $7, updated_at = $8 WHERE id = $9")
                    .bind(&sw.name)
                    .bind(sw.licence.as_str())
                    .bind(sw.maturity.as_str())
                    .bind(sw.website.clone())
                    .bind(sw.logo_url.clone())
                    .bind(publisher_id)
                    .bind(sw.demo)
                    .bind(now)
                    .bind(id),
                )
                .await?;
                for table in ["software_texts", "software_categories", "software_organisations", "software_similar"] {
                    self.execute(q(format!("DELETE FROM {table} WHERE software_id = $1")).bind(id)).await?;
                }
                id
            }
            None => {
                let (id,): (i64,) = self
                    .one(
                        q("INSERT INTO software (slug, name, licence, maturity, website, logo_url, publisher_id, demo, \
                           created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id")
                        .bind(slug)
                        .bind(&sw.name)
                        .bind(sw.licence.as_str())
                        .bind(sw.maturity.as_str())
                        .bind(sw.website.clone())
                        .bind(sw.logo_url.clone())
                        .bind(publisher_id)
                        .bind(sw.demo)
                        .bind(now),
                    )
                    .await
                    .map_err(conflict_on("slug", format!("{slug} is taken")))?;
                id
            }
        };
        let langs: std::collections::BTreeSet<_> = sw.summary.keys().chain(sw.description.keys()).collect();
        for lang in langs {
            self.execute(
                q("INSERT INTO software_texts (software_id, lang, summary, description) VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(lang.as_str())
                    .bind(sw.summary.get(lang).cloned())
                    .bind(sw.description.get(lang).cloned()),
            )
            .await?;
        }
        for c in &sw.categories {
            self.execute(
                q("INSERT INTO software_categories (software_id, category) VALUES ($1, $2)").bind(id).bind(c.slug()),
            )
            .await?;
        }
        for (role, list, field) in [
            ("maintainer", &sw.maintainers, "maintainers"),
            ("provider", &sw.providers, "providers"),
            ("funder", &sw.funders, "funders"),
        ] {
            for (i, key) in list.iter().enumerate() {
                let org = self.require_organisation(&format!("{field}[{i}]"), key).await?;
                self.execute(
                    q("INSERT INTO software_organisations (software_id, organisation_id, role, position) \
                       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(org)
                    .bind(role)
                    .bind(i as i64),
                )
                .await?;
            }
        }
        self.set_similar(id, &sw.similar).await?;
        // Repositories are merged rather than replaced, so that what a harvest learnt about
        // a repository that stays listed is kept.
        let existing: Vec<(i64, String)> =
            self.all(q("SELECT id, url FROM repositories WHERE software_id = $1").bind(id)).await?;
        for (rid, url) in &existing {
            if !sw.repositories.iter().any(|r| &r.url == url) {
                self.execute(q("DELETE FROM repositories WHERE id = $1").bind(*rid)).await?;
            }
        }
        for (i, repo) in sw.repositories.iter().enumerate() {
            if existing.iter().any(|(_, url)| url == &repo.url) {
                self.execute(
                    q("UPDATE repositories SET forge = $1, position = $2 WHERE url = $3")
                        .bind(repo.forge.as_str())
                        .bind(i as i64)
                        .bind(&repo.url),
                )
                .await?;
                continue;
            }
            let owner: Option<(String,)> = self
                .optional(
                    q("SELECT s.slug FROM repositories r JOIN software s ON s.id = r.software_id WHERE r.url = $1")
                        .bind(&repo.url),
                )
                .await?;
            if let Some((other,)) = owner {
                return Err(Error::Conflict {
                    field: format!("repositories[{i}].url"),
                    message: format!("{} is already a repository of {other}", repo.url),
                });
            }
            self.execute(
                q("INSERT INTO repositories (software_id, url, forge, position, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(id)
                    .bind(&repo.url)
                    .bind(repo.forge.as_str())
                    .bind(i as i64)
                    .bind(now),
            )
            .await?;
        }
        let after = self.load_software(slug).await?.expect("the software was just written");
        let action = if before.is_some() { "update" } else { "create" };
        self.audit(action, "software", slug, before.as_ref(), Some(&after)).await?;
        Ok((after, before.is_none()))
    }

    pub(crate) async fn set_similar(&mut self, id: i64, similar: &[Slug]) -> Result<()> {
        self.execute(q("DELETE FROM software_similar WHERE software_id = $1").bind(id)).await?;
        for (i, s) in similar.iter().enumerate() {
            let other = self.require_software(&format!("similar[{i}]"), s).await?;
            self.execute(
                q("INSERT INTO software_similar (software_id, similar_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(other),
            )
            .await?;
        }
        Ok(())
    }
}

impl Store {
    /// Creates the software, or updates the one with the same slug. Returns whether it was
    /// created.
    pub async fn put_software(&self, actor: &Actor, sw: &NewSoftware) -> Result<(Software, bool)> {
        let mut tx = self.begin(actor).await?;
        let out = tx.put_software(sw).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Sets the similar software of a record (loaders call it once every record exists).
    pub async fn set_similar(&self, actor: &Actor, slug: &str, similar: &[Slug]) -> Result<()> {
        let mut tx = self.begin(actor).await?;
        let before = tx.load_software(slug).await?.ok_or_else(|| Error::not_found("software", slug))?;
        let id = tx.software_id(slug).await?.expect("loaded above");
        tx.set_similar(id, similar).await?;
        let after = tx.load_software(slug).await?;
        tx.audit("update", "software", slug, Some(&before), after.as_ref()).await?;
        tx.commit().await
    }

    pub async fn software(&self, slug: &str) -> Result<Software> {
        self.read().await?.load_software(slug).await?.ok_or_else(|| Error::not_found("software", slug))
    }

    /// A software with the first `limit` adoptions and fundings, its funding totals and its
    /// roadmap: what its page shows, in one query.
    pub async fn software_page(&self, slug: &str, limit: i64) -> Result<SoftwarePage> {
        let totals_column = packed::list(
            &["t.currency", "t.amount_minor", "t.fundings"].map(packed::field),
            &[("t.currency", "ASC")],
            "FROM software_funding_totals t WHERE t.software_id = this_sw.id",
        );
        let sql = format!(
            "SELECT {}, \
             (SELECT st.adoptions FROM software_stats st WHERE st.software_id = this_sw.id) AS adoption_count, \
             (SELECT st.fundings FROM software_stats st WHERE st.software_id = this_sw.id) AS funding_count, \
             {} AS adoptions, {} AS fundings, {totals_column} AS totals, {}, {} {SOFTWARE_FROM}",
            record_columns(),
            first_adoptions("software_id", "this_sw.id", "$2"),
            first_fundings("software_id", "this_sw.id", "$2"),
            roadmap_columns("this_sw.id"),
            super::federation::OriginColumns::sql(FederatedEntity::Software, "this_sw.id"),
        );
        let row: SoftwarePageRow =
            self.optional(q(sql).bind(slug).bind(limit)).await?.ok_or_else(|| Error::not_found("software", slug))?;
        let mut funding_totals = Vec::new();
        for r in packed::unpack(row.totals.as_deref(), 3, "funding total")? {
            funding_totals.push((r.text(0), r.int(1)?, r.int(2)?));
        }
        funding_totals.sort();
        let adoptions = Page {
            items: unpack_adoptions(row.adoptions.as_deref())?,
            total: row.adoption_count.unwrap_or_default(),
            limit,
            offset: 0,
        };
        let fundings = Page {
            items: unpack_fundings(row.fundings.as_deref())?,
            total: row.funding_count.unwrap_or_default(),
            limit,
            offset: 0,
        };
        let roadmap =
            unpack_roadmap(slug, row.roadmap.as_deref(), row.roadmap_needs.as_deref(), row.roadmap_funded.as_deref())?;
        let (_, mut software) = row.record.into_software()?;
        for (url, mut harvest) in self.repository_harvests(slug).await? {
            harvest.last_error = harvest.last_error.map(crate::repository::HarvestFailure::for_public);
            if let Some(r) = software.repositories.iter_mut().find(|r| r.url == url) {
                r.harvest = Some(Box::new(harvest));
            }
        }
        let health = software.repositories.iter().find_map(|r| r.harvest.as_ref().and_then(|h| h.health.clone()));
        let origin = row.origin.origin(FederatedEntity::Software);
        Ok(SoftwarePage {
            software,
            adoptions,
            fundings,
            funding_totals: totals(funding_totals)?,
            roadmap,
            health,
            origin,
        })
    }

    pub async fn software_list(
        &self,
        filter: &SoftwareFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<SoftwareSummary>> {
        let mut conditions = vec!["1 = 1".to_string()];
        let mut args: Vec<String> = Vec::new();
        if let Some(c) = filter.category {
            args.push(c.slug().to_string());
            conditions.push(format!(
                "s.id IN (SELECT software_id FROM software_categories WHERE category = ${})",
                args.len()
            ));
        }
        if let Some(l) = &filter.licence {
            args.push(l.clone());
            conditions.push(format!("s.licence = ${}", args.len()));
        }
        let where_ = conditions.join(" AND ");
        let order = if filter.newest_first { "s.created_at DESC, s.id DESC" } else { "s.name, s.slug" };
        let mut count = q(format!("SELECT COUNT(*) FROM software s WHERE {where_}"));
        // Each item's summaries and categories come packed in its row (see `packed`): one
        // query for the page rather than two per item.
        let texts = packed::list(
            &[packed::field("t.lang"), packed::field("t.summary")],
            &[],
            "FROM software_texts t WHERE t.software_id = s.id AND t.summary IS NOT NULL",
        );
        let categories =
            packed::list(&[packed::field("c.category")], &[], "FROM software_categories c WHERE c.software_id = s.id");
        let mut list = q(format!(
            "SELECT s.slug, s.name, s.licence, s.maturity, s.demo, \
             COALESCE(st.active_adoptions, 0) AS adopters, {texts} AS texts, {categories} AS categories \
             FROM software s LEFT JOIN software_stats st ON st.software_id = s.id WHERE {where_} ORDER BY {order} LIMIT ${} OFFSET ${}",
            args.len() + 1,
            args.len() + 2
        ));
        for a in &args {
            count = count.bind(a);
            list = list.bind(a);
        }
        let (total,): (i64,) = self.one(count).await?;
        type ListRow = (String, String, String, String, bool, i64, Option<String>, Option<String>);
        let rows: Vec<ListRow> = self.all(list.bind(limit).bind(offset)).await?;
        let mut items = Vec::with_capacity(rows.len());
        for (slug, name, licence, maturity, demo, adopters, texts, categories) in rows {
            let summary =
                packed::unpack(texts.as_deref(), 2, "summary")?.iter().map(|r| (r.text(0), r.text(1))).collect();
            let mut categories: Vec<String> =
                packed::unpack(categories.as_deref(), 1, "category")?.iter().map(|r| r.text(0)).collect();
            categories.sort();
            items.push(SoftwareSummary { slug, name, summary, licence, maturity, categories, adopters, demo });
        }
        Ok(Page { items, total, limit, offset })
    }

    pub async fn count_software(&self) -> Result<i64> {
        let (n,): (i64,) = self.one(q("SELECT COUNT(*) FROM software")).await?;
        Ok(n)
    }
}

impl Store {
    /// The newest software, with when each entered the catalog: the feed of new software.
    pub async fn newest_software(&self, limit: i64) -> Result<Vec<(SoftwareSummary, DateTime<Utc>)>> {
        let filter = SoftwareFilter { newest_first: true, ..SoftwareFilter::default() };
        let items = self.software_list(&filter, limit, 0).await?.items;
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=items.len()).map(|i| format!("${i}")).collect();
        let mut query = q(format!("SELECT slug, created_at FROM software WHERE slug IN ({})", marks.join(", ")));
        for s in &items {
            query = query.bind(s.slug.as_str());
        }
        let added: std::collections::HashMap<String, DateTime<Utc>> =
            self.all::<(String, DateTime<Utc>)>(query).await?.into_iter().collect();
        Ok(items
            .into_iter()
            .filter_map(|s| {
                let at = *added.get(&s.slug)?;
                Some((s, at))
            })
            .collect())
    }
}

impl Store {
    /// Every software's slug, by slug: the sitemap's and the catalog's list.
    pub async fn software_slugs(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = self
            .all(q(format!(
                "SELECT slug FROM software s WHERE NOT EXISTS ({}) ORDER BY slug",
                super::federation::followed(FederatedEntity::Software, "s.id")
            )))
            .await?;
        Ok(rows.into_iter().map(|(s,)| s).collect())
    }

    /// The organisations' slugs, `limit` of them from `offset`, by id: a sitemap's page. The
    /// records another instance keeps are its sitemap's (see `crate::federation`), as are
    /// its software's above.
    pub async fn organisation_slugs(&self, limit: i64, offset: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = self
            .all(
                q(format!(
                    "SELECT slug FROM organisations o WHERE NOT EXISTS ({}) ORDER BY id LIMIT $1 OFFSET $2",
                    super::federation::followed(FederatedEntity::Organisation, "o.id")
                ))
                .bind(limit)
                .bind(offset),
            )
            .await?;
        Ok(rows.into_iter().map(|(s,)| s).collect())
    }
}

/// When a software entered the catalog, when it last changed, and its publisher (slug and
/// name).
pub type Provenance = (DateTime<Utc>, DateTime<Utc>, Option<(String, String)>);

/// A software's slug with its provenance's columns.
type ProvenanceRow = (String, DateTime<Utc>, DateTime<Utc>, Option<String>, Option<String>);

impl Store {
    /// Every software's provenance, by slug: what the catalog's DCAT-AP description adds to
    /// the exported records.
    pub async fn software_provenance(&self) -> Result<std::collections::HashMap<String, Provenance>> {
        let rows: Vec<ProvenanceRow> = self
            .all(q("SELECT s.slug, s.created_at, s.updated_at, o.slug, o.name FROM software s \
                    LEFT JOIN organisations o ON o.id = s.publisher_id"))
            .await?;
        Ok(rows.into_iter().map(|(slug, created, updated, p, name)| (slug, (created, updated, p.zip(name)))).collect())
    }
}
