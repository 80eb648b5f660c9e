//! Reads the whole catalog back as drafts: the same shape as the fixtures and the import
//! files, so that an export can be loaded again.
// Each export query reads its row as a tuple in the order of its SELECT; naming a struct
// for every one of them would only repeat the column list.
#![allow(clippy::type_complexity)]

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::{q, Store};
use crate::error::Result;
use crate::model::{
    AdoptionDraft, CostDraft, FundingDraft, OrganisationDraft, RepositoryDraft, RoadmapItemDraft, SoftwareDraft,
};
use crate::money::{Currency, Money};

fn group<V>(rows: Vec<(i64, V)>) -> HashMap<i64, Vec<V>> {
    let mut map: HashMap<i64, Vec<V>> = HashMap::new();
    for (k, v) in rows {
        map.entry(k).or_default().push(v);
    }
    map
}

fn decimal(minor: i64, currency: &str) -> Result<String> {
    Ok(Money { minor, currency: Currency::parse(currency)? }.decimal())
}

/// id, slug, name, kind, country, population, website, demo, liaison
type OrganisationExportRow = (i64, String, String, String, String, Option<i64>, Option<String>, bool, Option<i64>);

impl Store {
    /// Every organisation, parents before children where the hierarchy allows, then by
    /// slug.
    pub async fn export_organisations(&self) -> Result<Vec<OrganisationDraft>> {
        let rows: Vec<OrganisationExportRow> = self
            .all(q(
                "SELECT id, slug, name, kind, country, population, website, demo, liaison FROM organisations ORDER BY slug",
            ))
            .await?;
        let mut identifiers = group(
            self.all::<(i64, String)>(q(
                "SELECT organisation_id, scheme || ':' || value FROM organisation_identifiers ORDER BY scheme, value",
            ))
            .await?,
        );
        let mut parents = group(
            self.all::<(i64, String)>(q(
                "SELECT p.organisation_id, o.slug FROM organisation_parents p JOIN organisations o ON o.id = p.parent_id \
                 ORDER BY o.slug",
            ))
            .await?,
        );
        let mut domains = group(
            self.all::<(i64, String)>(q(
                "SELECT organisation_id, domain FROM organisation_email_domains ORDER BY domain",
            ))
            .await?,
        );
        Ok(rows
            .into_iter()
            .map(|(id, slug, name, kind, country, population, website, demo, liaison)| OrganisationDraft {
                slug,
                name,
                kind,
                country,
                identifiers: identifiers.remove(&id).unwrap_or_default(),
                population,
                parents: parents.remove(&id).unwrap_or_default(),
                website,
                email_domains: domains.remove(&id).unwrap_or_default(),
                demo,
                liaison: liaison.and_then(|l| u8::try_from(l).ok()),
            })
            .collect())
    }

    pub async fn export_software(&self) -> Result<Vec<SoftwareDraft>> {
        let rows: Vec<(i64, String, String, String, String, Option<String>, Option<String>, Option<String>, bool)> =
            self.all(q("SELECT s.id, s.slug, s.name, s.licence, s.maturity, s.website, s.logo_url, o.slug, s.demo \
                 FROM software s LEFT JOIN organisations o ON o.id = s.publisher_id ORDER BY s.slug"))
                .await?;
        let mut texts = group(
            self.all::<(i64, String, Option<String>, Option<String>)>(q(
                "SELECT software_id, lang, summary, description FROM software_texts ORDER BY lang",
            ))
            .await?
            .into_iter()
            .map(|(id, l, s, d)| (id, (l, s, d)))
            .collect(),
        );
        let mut categories = group(
            self.all::<(i64, String)>(q("SELECT software_id, category FROM software_categories ORDER BY category"))
                .await?,
        );
        let mut roles = group(
            self.all::<(i64, String, String)>(q(
                "SELECT so.software_id, so.role, o.slug FROM software_organisations so \
                 JOIN organisations o ON o.id = so.organisation_id ORDER BY so.position",
            ))
            .await?
            .into_iter()
            .map(|(id, r, o)| (id, (r, o)))
            .collect(),
        );
        let mut similar = group(
            self.all::<(i64, String)>(q(
                "SELECT x.software_id, s.slug FROM software_similar x JOIN software s ON s.id = x.similar_id ORDER BY s.slug",
            ))
            .await?,
        );
        let mut repositories = group(
            self.all::<(i64, String, String)>(q(
                "SELECT software_id, url, forge FROM repositories ORDER BY position, id",
            ))
            .await?
            .into_iter()
            .map(|(id, url, forge)| (id, RepositoryDraft { url, forge: Some(forge) }))
            .collect(),
        );
        Ok(rows
            .into_iter()
            .map(|(id, slug, name, licence, maturity, website, logo_url, publisher, demo)| {
                let mut summary = BTreeMap::new();
                let mut description = BTreeMap::new();
                for (lang, s, d) in texts.remove(&id).unwrap_or_default() {
                    if let Some(s) = s {
                        summary.insert(lang.clone(), s);
                    }
                    if let Some(d) = d {
                        description.insert(lang, d);
                    }
                }
                let (mut maintainers, mut providers, mut funders) = (Vec::new(), Vec::new(), Vec::new());
                for (role, org) in roles.remove(&id).unwrap_or_default() {
                    match role.as_str() {
                        "maintainer" => maintainers.push(org),
                        "funder" => funders.push(org),
                        _ => providers.push(org),
                    }
                }
                SoftwareDraft {
                    slug,
                    name,
                    summary,
                    description,
                    categories: categories.remove(&id).unwrap_or_default(),
                    licence,
                    maturity,
                    website,
                    logo_url,
                    publisher,
                    maintainers,
                    providers,
                    funders,
                    similar: similar.remove(&id).unwrap_or_default(),
                    repositories: repositories.remove(&id).unwrap_or_default(),
                    demo,
                }
            })
            .collect())
    }

    pub async fn export_roadmap(&self) -> Result<Vec<RoadmapItemDraft>> {
        let rows: Vec<(i64, String, String, String, Option<String>, String, Option<i64>, Option<String>, Option<NaiveDate>, bool)> =
            self.all(q(
                "SELECT r.id, s.slug, r.slug, r.title, r.body, r.status, r.cost_minor, r.cost_currency, r.target_date, r.demo \
                 FROM roadmap_items r JOIN software s ON s.id = r.software_id ORDER BY s.slug, r.id",
            ))
            .await?;
        let mut needs = group(
            self.all::<(i64, String)>(q(
                "SELECT n.roadmap_item_id, o.slug FROM roadmap_needs n JOIN organisations o ON o.id = n.organisation_id \
                 ORDER BY o.slug",
            ))
            .await?,
        );
        rows.into_iter()
            .map(|(id, software, slug, title, body, status, cost_minor, cost_currency, target_date, demo)| {
                let estimated_cost = match (cost_minor, cost_currency) {
                    (Some(m), Some(c)) => Some(CostDraft { amount: decimal(m, &c)?, currency: c }),
                    _ => None,
                };
                Ok(RoadmapItemDraft {
                    software,
                    slug,
                    title,
                    body,
                    status,
                    estimated_cost,
                    target_date: target_date.map(|d| d.to_string()),
                    needed_by: needs.remove(&id).unwrap_or_default(),
                    demo,
                })
            })
            .collect()
    }

    /// Adoptions with an id above `after`, in id order: page through them all by passing
    /// the last id seen.
    pub async fn export_adoptions(&self, after: i64, limit: i64) -> Result<Vec<(i64, AdoptionDraft)>> {
        let rows: Vec<(i64, String, String, NaiveDate, String, Option<String>, Option<String>, String, Option<NaiveDate>, bool)> =
            self.all(
                q("SELECT a.id, s.slug, o.slug, a.since, a.status, a.scope, a.evidence_url, a.state, a.last_confirmed, a.demo \
                   FROM adoptions a JOIN software s ON s.id = a.software_id JOIN organisations o ON o.id = a.organisation_id \
                   WHERE a.id > $1 ORDER BY a.id LIMIT $2")
                .bind(after)
                .bind(limit),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, software, organisation, since, status, scope, evidence_url, state, last_confirmed, demo)| {
                (
                    id,
                    AdoptionDraft {
                        software,
                        organisation,
                        since: since.to_string(),
                        status,
                        scope,
                        evidence_url,
                        state: Some(state),
                        last_confirmed: last_confirmed.map(|d| d.to_string()),
                        demo,
                    },
                )
            })
            .collect())
    }

    /// Fundings with an id above `after`, in id order.
    pub async fn export_fundings(&self, after: i64, limit: i64) -> Result<Vec<(i64, FundingDraft)>> {
        let rows: Vec<(
            i64,
            String,
            String,
            Option<String>,
            i64,
            String,
            NaiveDate,
            String,
            String,
            Option<String>,
            bool,
        )> = self
            .all(
                q("SELECT f.id, o.slug, s.slug, r.slug, f.amount_minor, f.currency, f.funded_on, f.kind, f.status, \
                   f.evidence_url, f.demo FROM fundings f JOIN organisations o ON o.id = f.funder_id \
                   JOIN software s ON s.id = f.software_id LEFT JOIN roadmap_items r ON r.id = f.roadmap_item_id \
                   WHERE f.id > $1 ORDER BY f.id LIMIT $2")
                .bind(after)
                .bind(limit),
            )
            .await?;
        rows.into_iter()
            .map(|(id, funder, software, roadmap_item, minor, currency, date, kind, status, evidence_url, demo)| {
                Ok((
                    id,
                    FundingDraft {
                        funder,
                        software,
                        roadmap_item,
                        amount: decimal(minor, &currency)?,
                        currency,
                        date: date.to_string(),
                        kind,
                        status,
                        evidence_url,
                        demo,
                    },
                ))
            })
            .collect()
    }
}
