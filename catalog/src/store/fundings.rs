use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::adoptions::{slug_of, Owner, Resolver, BATCH};
use super::{packed, q, values_list, ImportProblem, Store, Tx};
use crate::error::{Error, Result};
use crate::model::{Actor, Funding, NewFunding, OrgKey, Page, Total};
use crate::money::{Currency, Money};
use crate::vocab::{FundingKind, FundingStatus};

#[derive(sqlx::FromRow)]
struct FundingRow {
    id: i64,
    funder: String,
    funder_name: String,
    funder_kind: String,
    software: String,
    software_name: String,
    roadmap_item: Option<String>,
    amount_minor: i64,
    currency: String,
    funded_on: NaiveDate,
    kind: String,
    status: String,
    deliberation: Option<String>,
    evidence_url: Option<String>,
    demo: bool,
}

const FUNDING_VIEW: &str = "SELECT f.id, o.slug AS funder, o.name AS funder_name, o.kind AS funder_kind, \
    s.slug AS software, s.name AS software_name, r.slug AS roadmap_item, f.amount_minor, f.currency, \
    f.funded_on, f.kind, f.status, f.deliberation, f.evidence_url, f.demo \
    FROM fundings f JOIN organisations o ON o.id = f.funder_id JOIN software s ON s.id = f.software_id \
    LEFT JOIN roadmap_items r ON r.id = f.roadmap_item_id";

/// The first `limit` fundings whose `column` (`software_id` or `funder_id`) is `owner`
/// (an SQL expression), most recent first, packed into one column (see `packed`).
pub(crate) fn first_fundings(column: &str, owner: &str, limit: &str) -> String {
    let fields = ["f.id", "o.slug", "o.name", "o.kind", "s.slug", "s.name", "r.slug", "f.amount_minor", "f.currency"]
        .into_iter()
        .chain(["f.funded_on", "f.kind", "f.status", "f.deliberation", "f.evidence_url"])
        .map(packed::field)
        .chain([packed::flag("f.demo")])
        .collect::<Vec<_>>();
    packed::list(
        &fields,
        &[("f.funded_on", "DESC"), ("f.id", "DESC")],
        &format!(
            "FROM fundings f JOIN organisations o ON o.id = f.funder_id JOIN software s ON s.id = f.software_id \
             LEFT JOIN roadmap_items r ON r.id = f.roadmap_item_id \
             WHERE f.{column} = {owner} ORDER BY f.funded_on DESC, f.id DESC LIMIT {limit}"
        ),
    )
}

/// The fundings that `first_fundings` packed.
pub(crate) fn unpack_fundings(text: Option<&str>) -> Result<Vec<Funding>> {
    packed::unpack(text, 15, "funding")?
        .iter()
        .map(|r| {
            FundingRow {
                id: r.int(0)?,
                funder: r.text(1),
                funder_name: r.text(2),
                funder_kind: r.text(3),
                software: r.text(4),
                software_name: r.text(5),
                roadmap_item: r.opt(6),
                amount_minor: r.int(7)?,
                currency: r.text(8),
                funded_on: r.date(9)?,
                kind: r.text(10),
                status: r.text(11),
                deliberation: r.opt(12),
                evidence_url: r.opt(13),
                demo: r.flag(14),
            }
            .into_funding()
        })
        .collect()
}

impl FundingRow {
    fn into_funding(self) -> Result<Funding> {
        let currency = Currency::parse(&self.currency)?;
        let amount = Money { minor: self.amount_minor, currency };
        Ok(Funding {
            id: self.id,
            funder: self.funder,
            funder_name: self.funder_name,
            funder_kind: self.funder_kind,
            software: self.software,
            software_name: self.software_name,
            roadmap_item: self.roadmap_item,
            amount_decimal: amount.decimal(),
            amount,
            date: self.funded_on,
            kind: FundingKind::parse(&self.kind)?,
            status: FundingStatus::parse(&self.status)?,
            deliberation: self.deliberation,
            evidence_url: self.evidence_url,
            demo: self.demo,
        })
    }
}

pub(crate) fn totals(rows: Vec<(String, i64, i64)>) -> Result<Vec<Total>> {
    rows.into_iter()
        .map(|(currency, minor, count)| {
            let currency = Currency::parse(&currency)?;
            Ok(Total { currency, minor, decimal: Money { minor, currency }.decimal(), count })
        })
        .collect()
}

impl Tx {
    /// One page of fundings, most recent first, with the total.
    /// `total` is counted unless the caller knows it already.
    pub(crate) async fn fundings_page(
        &mut self,
        owner: Owner,
        limit: i64,
        offset: i64,
        total: Option<i64>,
    ) -> Result<Page<Funding>> {
        let (column, id) = match owner {
            Owner::Software(id) => ("software_id", id),
            Owner::Organisation(id) => ("funder_id", id),
        };
        let total = match total {
            Some(t) => t,
            None => self.counts(owner).await?.fundings,
        };
        let rows: Vec<FundingRow> = self
            .all(
                q(format!(
                    "{FUNDING_VIEW} WHERE f.{column} = $1 ORDER BY f.funded_on DESC, f.id DESC LIMIT $2 OFFSET $3"
                ))
                .bind(id)
                .bind(limit)
                .bind(offset),
            )
            .await?;
        let items = rows.into_iter().map(FundingRow::into_funding).collect::<Result<_>>()?;
        Ok(Page { items, total, limit, offset })
    }

    /// The sums a software has received, per currency.
    pub(crate) async fn funding_totals(&mut self, software_id: i64) -> Result<Vec<Total>> {
        let rows = self
            .all(
                q("SELECT currency, amount_minor, fundings FROM software_funding_totals \
                   WHERE software_id = $1 ORDER BY currency")
                .bind(software_id),
            )
            .await?;
        totals(rows)
    }

    pub(crate) async fn import_fundings(
        &mut self,
        source: &str,
        rows: &[NewFunding],
    ) -> Result<std::result::Result<usize, Vec<ImportProblem>>> {
        let tx = self;
        let mut resolver = Resolver::for_rows(tx, rows.len()).await?;
        let mut problems = Vec::new();
        let mut resolved = Vec::with_capacity(rows.len());
        for (index, f) in rows.iter().enumerate() {
            let software = resolver.software(tx, f.software.as_str()).await?;
            let funder = resolver.organisation(tx, &f.funder).await?;
            let mut refuse = |field: &str, message: String| {
                problems.push(ImportProblem { index, field: field.to_string(), message })
            };
            match (software, funder) {
                (None, _) => refuse("software", format!("no software {} is known", f.software)),
                (_, None) => refuse("funder", format!("no organisation {} is known", f.funder)),
                (Some(s), Some(o)) => {
                    let item = match &f.roadmap_item {
                        None => None,
                        Some(slug) => match tx.roadmap_item_id(s, slug.as_str()).await? {
                            Some(id) => Some(id),
                            None => {
                                refuse("roadmap_item", format!("{} has no roadmap item {slug}", f.software));
                                continue;
                            }
                        },
                    };
                    resolved.push((s, o, item, f));
                }
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        tx.large_write(resolved.len()).await?;
        let now = tx.now();
        for chunk in resolved.chunks(BATCH) {
            let sql = format!(
                "INSERT INTO fundings (funder_id, software_id, roadmap_item_id, amount_minor, currency, funded_on, \
                 kind, status, evidence_url, demo, created_at, updated_at) VALUES {}",
                values_list(chunk.len(), 10, &format!("${0}, ${0}", chunk.len() * 10 + 1))
            );
            let mut query = q(sql);
            for (s, o, item, f) in chunk {
                query = query
                    .bind(*o)
                    .bind(*s)
                    .bind(*item)
                    .bind(f.amount.minor)
                    .bind(f.amount.currency.code())
                    .bind(f.date)
                    .bind(f.kind.as_str())
                    .bind(f.status.as_str())
                    .bind(f.evidence_url.clone())
                    .bind(f.demo);
            }
            tx.execute(query.bind(now)).await?;
        }
        // Every imported funding is new: the aggregates grow by exactly what it adds.
        let mut added: BTreeMap<(i64, String), (i64, i64)> = BTreeMap::new();
        for (s, _, _, f) in &resolved {
            let t = added.entry((*s, f.amount.currency.code().to_string())).or_default();
            t.0 += f.amount.minor;
            t.1 += 1;
        }
        tx.add_funding_deltas(&added).await?;
        let summary = serde_json::json!({ "source": source, "rows": resolved.len() });
        tx.audit("import", "fundings", source, None::<&()>, Some(&summary)).await?;
        Ok(Ok(resolved.len()))
    }

    async fn roadmap_item_id(&mut self, software_id: i64, slug: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = self
            .optional(
                q("SELECT id FROM roadmap_items WHERE software_id = $1 AND slug = $2").bind(software_id).bind(slug),
            )
            .await?;
        Ok(row.map(|r| r.0))
    }
}

impl Tx {
    /// See `Store::add_funding`.
    pub(crate) async fn add_funding(&mut self, f: &NewFunding) -> Result<Funding> {
        self.write_funding(None, f).await
    }

    /// Writes a funding: a new one, or over the one with id `existing` (a record a peer
    /// changed, see `crate::federation`), which keeps its id.
    pub(crate) async fn write_funding(&mut self, existing: Option<i64>, f: &NewFunding) -> Result<Funding> {
        let tx = self;
        let software_id = tx.require_software("software", &f.software).await?;
        let funder_id = tx.require_organisation("funder", &f.funder).await?;
        let item_id =
            match &f.roadmap_item {
                Some(slug) => Some(tx.roadmap_item_id(software_id, slug.as_str()).await?.ok_or_else(|| {
                    Error::invalid("roadmap_item", format!("{} has no roadmap item {slug}", f.software))
                })?),
                None => None,
            };
        let now = tx.now();
        let view = |id: i64| q(format!("{FUNDING_VIEW} WHERE f.id = $1")).bind(id);
        let (before, mut touched) = match existing {
            Some(id) => {
                let before = tx.one::<FundingRow>(view(id)).await?.into_funding()?;
                let (old_software,): (i64,) =
                    tx.one(q("SELECT software_id FROM fundings WHERE id = $1").bind(id)).await?;
                (Some(before), std::collections::BTreeSet::from([old_software]))
            }
            None => (None, std::collections::BTreeSet::new()),
        };
        touched.insert(software_id);
        let sql = match existing {
            None => {
                "INSERT INTO fundings (funder_id, software_id, roadmap_item_id, amount_minor, currency, funded_on, \
                 kind, status, evidence_url, demo, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id"
            }
            Some(_) => {
                "UPDATE fundings SET funder_id = $1, software_id = $2, roadmap_item_id = $3, amount_minor = $4, \
                 currency = $5, funded_on = $6, kind = $7, status = $8, evidence_url = $9, demo = $10, \
                 updated_at = $11 WHERE id = $12 RETURNING id"
            }
        };
        let mut query = q(sql)
            .bind(funder_id)
            .bind(software_id)
            .bind(item_id)
            .bind(f.amount.minor)
            .bind(f.amount.currency.code())
            .bind(f.date)
            .bind(f.kind.as_str())
            .bind(f.status.as_str())
            .bind(f.evidence_url.clone())
            .bind(f.demo)
            .bind(now);
        if let Some(id) = existing {
            query = query.bind(id);
        }
        let (id,): (i64,) = tx.one(query).await?;
        tx.refresh_stats(&touched).await?;
        let after = tx.one::<FundingRow>(view(id)).await?.into_funding()?;
        let about = super::audit::Subject {
            software: Some(&after.software),
            organisation: Some(&after.funder),
            roadmap_item: item_id,
        };
        let action = if before.is_some() { "update" } else { "create" };
        tx.audit_about(action, "funding", &id.to_string(), about, before.as_ref(), Some(&after)).await?;
        Ok(after)
    }
}

impl Store {
    /// Records a funding.
    pub async fn add_funding(&self, actor: &Actor, f: &NewFunding) -> Result<Funding> {
        let mut tx = self.begin(actor).await?;
        let out = tx.add_funding(f).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Writes many fundings at once, all or none (see `import_adoptions`).
    pub async fn import_fundings(
        &self,
        actor: &Actor,
        source: &str,
        rows: &[NewFunding],
    ) -> Result<std::result::Result<usize, Vec<ImportProblem>>> {
        let mut tx = self.begin(actor).await?;
        let out = tx.import_fundings(source, rows).await?;
        if out.is_ok() {
            tx.commit().await?;
            if rows.len() >= super::ANALYZE_FROM {
                self.analyze(&["fundings", "software_stats", "software_funding_totals"]).await?;
            }
        }
        Ok(out)
    }

    /// Fundings of a software, most recent first.
    pub async fn software_fundings(&self, slug: &str, limit: i64, offset: i64) -> Result<Page<Funding>> {
        let mut r = self.read().await?;
        let id = r.software_id(slug).await?.ok_or_else(|| Error::not_found("software", slug))?;
        r.fundings_page(Owner::Software(id), limit, offset, None).await
    }

    /// What an organisation has funded, most recent first.
    pub async fn organisation_fundings(&self, slug: &str, limit: i64, offset: i64) -> Result<Page<Funding>> {
        let mut r = self.read().await?;
        let id = r
            .organisation_id(&OrgKey::Slug(slug_of(slug)?))
            .await?
            .ok_or_else(|| Error::not_found("organisation", slug))?;
        r.fundings_page(Owner::Organisation(id), limit, offset, None).await
    }

    /// The sums a software has received, per currency (paid, voted and pledged together).
    pub async fn software_funding_totals(&self, slug: &str) -> Result<Vec<Total>> {
        let mut r = self.read().await?;
        let id = r.software_id(slug).await?.ok_or_else(|| Error::not_found("software", slug))?;
        r.funding_totals(id).await
    }

    pub async fn count_fundings(&self) -> Result<i64> {
        let (n,): (i64,) = self.one(q("SELECT COUNT(*) FROM fundings")).await?;
        Ok(n)
    }
}

impl Tx {
    /// One funding, by id.
    pub(crate) async fn funding_view(&mut self, id: i64) -> Result<Option<Funding>> {
        self.optional::<FundingRow>(q(format!("{FUNDING_VIEW} WHERE f.id = $1")).bind(id))
            .await?
            .map(FundingRow::into_funding)
            .transpose()
    }

    /// The fundings towards a roadmap item, most recent first.
    pub(crate) async fn fundings_of_item(&mut self, item: i64) -> Result<Vec<Funding>> {
        self.all::<FundingRow>(
            q(format!("{FUNDING_VIEW} WHERE f.roadmap_item_id = $1 ORDER BY f.funded_on DESC, f.id DESC")).bind(item),
        )
        .await?
        .into_iter()
        .map(FundingRow::into_funding)
        .collect()
    }
}
