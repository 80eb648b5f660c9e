use chrono::NaiveDate;

use super::fundings::totals;
use super::{q, Store, Tx};
use crate::error::{Error, Result};
use crate::model::{Actor, NewRoadmapItem, OrgRef, RoadmapItem};
use crate::money::{Currency, Money};
use crate::vocab::RoadmapStatus;

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    software: String,
    slug: String,
    title: String,
    body: Option<String>,
    status: String,
    cost_minor: Option<i64>,
    cost_currency: Option<String>,
    target_date: Option<NaiveDate>,
    demo: bool,
}

pub(crate) const ITEM_VIEW: &str = "SELECT r.id, s.slug AS software, r.slug, r.title, r.body, r.status, r.cost_minor, \
    r.cost_currency, r.target_date, r.demo FROM roadmap_items r JOIN software s ON s.id = r.software_id";

/// Three packed columns (see `packed`) with the roadmap of the software `owner` (an SQL
/// expression): `roadmap` (its items), `roadmap_needs` (who needs each) and
/// `roadmap_funded` (the fundings towards each, per currency).
pub(crate) fn roadmap_columns(owner: &str) -> String {
    use super::packed::{field, flag, list};
    let items = list(
        &["r.id", "r.slug", "r.title", "r.body", "r.status", "r.cost_minor", "r.cost_currency", "r.target_date"]
            .into_iter()
            .map(field)
            .chain([flag("r.demo")])
            .collect::<Vec<_>>(),
        &[("r.id", "ASC")],
        &format!("FROM roadmap_items r WHERE r.software_id = {owner}"),
    );
    let needs = list(
        &["n.roadmap_item_id", "o.slug", "o.name", "o.kind", "o.country"].map(field),
        &[],
        &format!(
            "FROM roadmap_needs n JOIN roadmap_items r ON r.id = n.roadmap_item_id \
             JOIN organisations o ON o.id = n.organisation_id WHERE r.software_id = {owner}"
        ),
    );
    let funded = list(
        &["f.roadmap_item_id", "f.currency", "CAST(SUM(f.amount_minor) AS BIGINT)", "COUNT(*)"].map(field),
        &[],
        &format!(
            "FROM fundings f JOIN roadmap_items r ON r.id = f.roadmap_item_id WHERE r.software_id = {owner} \
             GROUP BY f.roadmap_item_id, f.currency"
        ),
    );
    format!("{items} AS roadmap, {needs} AS roadmap_needs, {funded} AS roadmap_funded")
}

/// The roadmap of `software` from the columns of `roadmap_columns`, in the order its items
/// were written, as `Tx::roadmap` reads it.
pub(crate) fn unpack_roadmap(
    software: &str,
    items: Option<&str>,
    needs: Option<&str>,
    funded: Option<&str>,
) -> Result<Vec<RoadmapItem>> {
    use std::collections::BTreeMap;
    let mut needed_by: BTreeMap<i64, Vec<OrgRef>> = BTreeMap::new();
    for r in super::packed::unpack(needs, 5, "roadmap need")? {
        let org = OrgRef { slug: r.text(1), name: r.text(2), kind: r.text(3), country: r.text(4) };
        needed_by.entry(r.int(0)?).or_default().push(org);
    }
    let mut sums: BTreeMap<i64, Vec<(String, i64, i64)>> = BTreeMap::new();
    for r in super::packed::unpack(funded, 4, "roadmap funding")? {
        sums.entry(r.int(0)?).or_default().push((r.text(1), r.int(2)?, r.int(3)?));
    }
    let mut out = Vec::new();
    for r in super::packed::unpack(items, 9, "roadmap item")? {
        let id = r.int(0)?;
        let estimated_cost = match (r.opt_int(5)?, r.opt(6)) {
            (Some(minor), Some(c)) => Some(Money { minor, currency: Currency::parse(&c)? }),
            _ => None,
        };
        let mut needed_by = needed_by.remove(&id).unwrap_or_default();
        needed_by.sort_by(|x, y| (&x.name, &x.slug).cmp(&(&y.name, &y.slug)));
        let mut funded = sums.remove(&id).unwrap_or_default();
        funded.sort();
        out.push(RoadmapItem {
            id,
            software: software.to_string(),
            slug: r.text(1),
            title: r.text(2),
            body: r.opt(3),
            status: RoadmapStatus::parse(&r.text(4))?,
            estimated_cost,
            target_date: r.opt_date(7)?,
            needed_by,
            funded: totals(funded)?,
            demo: r.flag(8),
        });
    }
    Ok(out)
}

impl Tx {
    /// A software's roadmap, in the order its items were written.
    pub(crate) async fn roadmap(&mut self, software_id: i64) -> Result<Vec<RoadmapItem>> {
        self.load_items(q(format!("{ITEM_VIEW} WHERE r.software_id = $1 ORDER BY r.id")).bind(software_id)).await
    }

    pub(crate) async fn load_items(&mut self, key: super::Q) -> Result<Vec<RoadmapItem>> {
        let rows: Vec<ItemRow> = self.all(key).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let needed_by: Vec<OrgRef> = self
                .all(
                    q("SELECT o.slug, o.name, o.kind, o.country FROM roadmap_needs n \
                       JOIN organisations o ON o.id = n.organisation_id WHERE n.roadmap_item_id = $1")
                    .bind(row.id),
                )
                .await?;
            // Sorted here rather than by the database, whose collation may differ between
            // SQLite and PostgreSQL: pages read from `unpack_roadmap` sort the same way.
            let mut needed_by = needed_by;
            needed_by.sort_by(|x, y| (&x.name, &x.slug).cmp(&(&y.name, &y.slug)));
            let funded = totals(
                self.all(
                    q("SELECT currency, CAST(SUM(amount_minor) AS BIGINT), COUNT(*) FROM fundings \
                       WHERE roadmap_item_id = $1 GROUP BY currency ORDER BY currency")
                    .bind(row.id),
                )
                .await?,
            )?;
            let estimated_cost = match (row.cost_minor, row.cost_currency) {
                (Some(minor), Some(c)) => Some(Money { minor, currency: Currency::parse(&c)? }),
                _ => None,
            };
            items.push(RoadmapItem {
                id: row.id,
                software: row.software,
                slug: row.slug,
                title: row.title,
                body: row.body,
                status: RoadmapStatus::parse(&row.status)?,
                estimated_cost,
                target_date: row.target_date,
                needed_by,
                funded,
                demo: row.demo,
            });
        }
        Ok(items)
    }
}

impl Tx {
    pub(crate) async fn put_roadmap_item(&mut self, item: &NewRoadmapItem) -> Result<(RoadmapItem, bool)> {
        let tx = self;
        let software_id = tx.require_software("software", &item.software).await?;
        let one = || {
            q(format!("{ITEM_VIEW} WHERE r.software_id = $1 AND r.slug = $2"))
                .bind(software_id)
                .bind(item.slug.as_str())
        };
        let before = tx.load_items(one()).await?.pop();
        let now = tx.now();
        let (id,): (i64,) = tx
            .one(
                q("INSERT INTO roadmap_items (software_id, slug, title, body, status, cost_minor, cost_currency, \
                   target_date, demo, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
                   ON CONFLICT (software_id, slug) DO UPDATE SET title = $3, body = $4, status = $5, cost_minor = $6, \
                   cost_currency = $7, target_date = $8, demo = $9, updated_at = $10 RETURNING id")
                .bind(software_id)
                .bind(item.slug.as_str())
                .bind(&item.title)
                .bind(item.body.clone())
                .bind(item.status.as_str())
                .bind(item.estimated_cost.map(|m| m.minor))
                .bind(item.estimated_cost.map(|m| m.currency.code().to_string()))
                .bind(item.target_date)
                .bind(item.demo)
                .bind(now),
            )
            .await?;
        tx.execute(q("DELETE FROM roadmap_needs WHERE roadmap_item_id = $1").bind(id)).await?;
        for (i, key) in item.needed_by.iter().enumerate() {
            let org = tx.require_organisation(&format!("needed_by[{i}]"), key).await?;
            tx.execute(
                q("INSERT INTO roadmap_needs (roadmap_item_id, organisation_id, created_at) VALUES ($1, $2, $3) \
                   ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(org)
                .bind(now),
            )
            .await?;
        }
        let after = tx.load_items(one()).await?.pop().expect("just written");
        let key = format!("{}/{}", item.software, item.slug);
        let action = if before.is_some() { "update" } else { "create" };
        let about =
            super::audit::Subject { software: Some(&after.software), organisation: None, roadmap_item: Some(id) };
        tx.audit_about(action, "roadmap_item", &key, about, before.as_ref(), Some(&after)).await?;
        Ok((after, before.is_none()))
    }
}

impl Store {
    /// Creates a roadmap item, or updates the one of the same software and slug.
    pub async fn put_roadmap_item(&self, actor: &Actor, item: &NewRoadmapItem) -> Result<(RoadmapItem, bool)> {
        let mut tx = self.begin(actor).await?;
        let out = tx.put_roadmap_item(item).await?;
        tx.commit().await?;
        Ok(out)
    }
    /// The roadmap of a software, in the order its items were written.
    pub async fn software_roadmap(&self, slug: &str) -> Result<Vec<RoadmapItem>> {
        let mut r = self.read().await?;
        let id = r.software_id(slug).await?.ok_or_else(|| Error::not_found("software", slug))?;
        r.roadmap(id).await
    }

    pub async fn count_roadmap_items(&self) -> Result<i64> {
        let (n,): (i64,) = self.one(q("SELECT COUNT(*) FROM roadmap_items")).await?;
        Ok(n)
    }
}
