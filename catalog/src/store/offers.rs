//! Service offers: imported from a file, all or nothing; read by software, by provider,
//! and by the place an organisation is in.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::adoptions::{slug_of, Resolver};
use super::audit::Subject;
use super::dashboards::id_list;
use super::{q, ImportProblem, Store, Tx};
use crate::error::{Error, Result};
use crate::model::{Actor, OrgKey};
use crate::money::{Currency, Money};
use crate::offer::{NewOffer, Offer, PriceBracket, Territory, TERRITORY_KINDS};
use crate::vocab::OrganisationKind;

#[derive(sqlx::FromRow)]
struct OfferRow {
    id: i64,
    provider: String,
    provider_name: String,
    provider_kind: String,
    software: String,
    software_name: String,
    kind: String,
    subscribers: String,
    membership_required: bool,
    price_model: String,
    url: Option<String>,
    checked_on: NaiveDate,
    demo: bool,
}

const OFFER_VIEW: &str = "SELECT f.id, o.slug AS provider, o.name AS provider_name, o.kind AS provider_kind, \
    s.slug AS software, s.name AS software_name, f.kind, f.subscribers, f.membership_required, f.price_model, \
    f.url, f.checked_on, f.demo \
    FROM offers f JOIN organisations o ON o.id = f.provider_id JOIN software s ON s.id = f.software_id";

/// The order offers are listed in: by software, then the provider's name, then the kind.
const ORDER: &str = " ORDER BY s.name, o.name, f.kind";

/// Which offers a list holds.
#[derive(Debug, Clone, Default)]
pub struct OfferFilter {
    /// Offers an organisation here may subscribe to as far as the place goes: those that
    /// serve the place itself, an area it lies in (its EPCI, département, région...) or its
    /// whole country. An organisation's slug or official identifier.
    pub territory: Option<OrgKey>,
    /// Offers for any of these software, by slug; none named, every software.
    pub software: Vec<String>,
}

/// A place an offer serves as read back: the offer, the area's slug and name (none for a
/// country), the country's code (none for an area).
type ServedRow = (i64, Option<String>, Option<String>, Option<String>);

/// A territory of an offer resolved against the catalog.
enum Served {
    Area(i64),
    Country(String),
}

impl Tx {
    /// Resolves the rows' providers, software and territories; writes every row if all of
    /// them resolve, nothing otherwise.
    pub(crate) async fn import_offers(
        &mut self,
        source: &str,
        rows: &[NewOffer],
    ) -> Result<std::result::Result<usize, Vec<ImportProblem>>> {
        let tx = self;
        let mut resolver = Resolver::for_rows(tx, rows.len()).await?;
        let mut problems = Vec::new();
        let mut resolved = Vec::with_capacity(rows.len());
        let mut seen: HashMap<(i64, i64, &str), usize> = HashMap::new();
        for (index, offer) in rows.iter().enumerate() {
            let mut refuse =
                |field: &str, message: String| problems.push(ImportProblem { index, field: field.into(), message });
            let software = resolver.software(tx, offer.software.as_str()).await?;
            let provider = resolver.organisation(tx, &offer.provider).await?;
            let mut served = Vec::new();
            for t in &offer.territories {
                match t {
                    Territory::Country(c) => served.push(Served::Country(c.to_string())),
                    Territory::Area(slug) => {
                        let row: Option<(i64, String)> = tx
                            .optional(q("SELECT id, kind FROM organisations WHERE slug = $1").bind(slug.as_str()))
                            .await?;
                        match row {
                            None => refuse("territories", format!("no territory {slug} is known")),
                            Some((id, kind))
                                if OrganisationKind::parse(&kind).is_ok_and(|k| TERRITORY_KINDS.contains(&k)) =>
                            {
                                served.push(Served::Area(id))
                            }
                            Some((_, kind)) => refuse(
                                "territories",
                                format!(
                                    "{slug} is a {kind}, not a territory: name a région, département, canton, \
                                     province or EPCI, or a country code"
                                ),
                            ),
                        }
                    }
                }
            }
            match (software, provider) {
                (None, _) => refuse("software", format!("no software {} is known", offer.software)),
                (_, None) => refuse("provider", format!("no organisation {} is known", offer.provider)),
                (Some(s), Some(p)) => {
                    if seen.insert((p, s, offer.kind.as_str()), index).is_some() {
                        refuse(
                            "kind",
                            format!(
                                "{} offers {} for {} on an earlier row already",
                                offer.provider, offer.kind, offer.software
                            ),
                        );
                    }
                    resolved.push((p, s, served, offer));
                }
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let now = tx.now();
        for (provider, software, served, offer) in &resolved {
            let key = format!("{}/{}/{}", offer.provider, offer.software, offer.kind);
            let before = tx.offer_id(*provider, *software, offer.kind.as_str()).await?;
            let before = match before {
                Some(id) => tx.offers_where("f.id = $1", Some(id)).await?.pop(),
                None => None,
            };
            let subscribers: Vec<&str> = offer.subscribers.iter().map(|k| k.as_str()).collect();
            let (id,): (i64,) = tx
                .one(
                    q("INSERT INTO offers (provider_id, software_id, kind, subscribers, membership_required, \
                       price_model, url, checked_on, demo, created_at, updated_at) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
                       ON CONFLICT (provider_id, software_id, kind) DO UPDATE SET subscribers = $4, \
                       membership_required = $5, price_model = $6, url = $7, checked_on = $8, demo = $9, \
                       updated_at = $10 RETURNING id")
                    .bind(*provider)
                    .bind(*software)
                    .bind(offer.kind.as_str())
                    .bind(subscribers.join(","))
                    .bind(offer.membership_required)
                    .bind(offer.price_model.as_str())
                    .bind(offer.url.clone())
                    .bind(offer.checked_on)
                    .bind(offer.demo)
                    .bind(now),
                )
                .await?;
            tx.execute(q("DELETE FROM offer_territories WHERE offer_id = $1").bind(id)).await?;
            tx.execute(q("DELETE FROM offer_prices WHERE offer_id = $1").bind(id)).await?;
            for (position, s) in served.iter().enumerate() {
                let (area, country) = match s {
                    Served::Area(id) => (Some(*id), None),
                    Served::Country(c) => (None, Some(c.clone())),
                };
                tx.execute(
                    q("INSERT INTO offer_territories (offer_id, position, organisation_id, country) \
                       VALUES ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(position as i64)
                    .bind(area)
                    .bind(country),
                )
                .await?;
            }
            for p in &offer.prices {
                tx.execute(
                    q("INSERT INTO offer_prices (offer_id, min_population, max_population, amount_minor, currency) \
                       VALUES ($1, $2, $3, $4, $5)")
                    .bind(id)
                    .bind(p.min_population)
                    .bind(p.max_population)
                    .bind(p.yearly.minor)
                    .bind(p.yearly.currency.code()),
                )
                .await?;
            }
            let after = tx.offers_where("f.id = $1", Some(id)).await?.pop();
            let about = Subject {
                software: after.as_ref().map(|o| o.software.as_str()),
                organisation: after.as_ref().map(|o| o.provider.as_str()),
                roadmap_item: None,
            };
            let (before, after) = (before.map(|o| o.draft()), after.as_ref().map(Offer::draft));
            tx.audit_about("import", "offer", &key, about, before.as_ref(), after.as_ref()).await?;
        }
        let summary = serde_json::json!({ "source": source, "rows": resolved.len() });
        tx.audit("import", "offers", source, None::<&()>, Some(&summary)).await?;
        Ok(Ok(resolved.len()))
    }

    async fn offer_id(&mut self, provider: i64, software: i64, kind: &str) -> Result<Option<i64>> {
        let row: Option<(i64,)> = self
            .optional(
                q("SELECT id FROM offers WHERE provider_id = $1 AND software_id = $2 AND kind = $3")
                    .bind(provider)
                    .bind(software)
                    .bind(kind),
            )
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// The offers whose row passes `condition` (with at most one `$1`, bound to `id`),
    /// whole: territories and prices read for all of them at once.
    async fn offers_where(&mut self, condition: &str, id: Option<i64>) -> Result<Vec<Offer>> {
        let mut query = q(format!("{OFFER_VIEW} WHERE {condition}{ORDER}"));
        if let Some(id) = id {
            query = query.bind(id);
        }
        let rows: Vec<OfferRow> = self.all(query).await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let list = id_list(&ids);
        let mut territories: BTreeMap<i64, Vec<(String, String)>> = BTreeMap::new();
        let served: Vec<ServedRow> = self
            .all(q(format!(
                "SELECT t.offer_id, o.slug, o.name, t.country FROM offer_territories t \
                 LEFT JOIN organisations o ON o.id = t.organisation_id WHERE t.offer_id IN ({list}) \
                 ORDER BY t.offer_id, t.position"
            )))
            .await?;
        for (offer, slug, name, country) in served {
            let entry = match (slug, name, country) {
                (Some(slug), Some(name), _) => (slug, name),
                (_, _, Some(country)) => (country.clone(), country),
                _ => continue,
            };
            territories.entry(offer).or_default().push(entry);
        }
        let mut prices: BTreeMap<i64, Vec<PriceBracket>> = BTreeMap::new();
        let brackets: Vec<(i64, i64, Option<i64>, i64, String)> = self
            .all(q(format!(
                "SELECT offer_id, min_population, max_population, amount_minor, currency FROM offer_prices \
                 WHERE offer_id IN ({list}) ORDER BY offer_id, min_population"
            )))
            .await?;
        for (offer, min, max, minor, currency) in brackets {
            let yearly = Money::new(minor, Currency::parse(&currency)?)?;
            prices.entry(offer).or_default().push(PriceBracket { min_population: min, max_population: max, yearly });
        }
        Ok(rows
            .into_iter()
            .map(|r| {
                let (territories, territory_names) = territories.remove(&r.id).unwrap_or_default().into_iter().unzip();
                Offer {
                    id: r.id,
                    provider: r.provider,
                    provider_name: r.provider_name,
                    provider_kind: r.provider_kind,
                    software: r.software,
                    software_name: r.software_name,
                    kind: r.kind,
                    territories,
                    territory_names,
                    subscribers: r.subscribers.split(',').filter(|k| !k.is_empty()).map(str::to_string).collect(),
                    membership_required: r.membership_required,
                    price_model: r.price_model,
                    prices: prices.remove(&r.id).unwrap_or_default(),
                    url: r.url,
                    checked_on: r.checked_on,
                    demo: r.demo,
                }
            })
            .collect())
    }

    /// An organisation and every area it lies in (its parents, their parents...), and its
    /// country.
    async fn places_of(&mut self, id: i64) -> Result<(Vec<i64>, String)> {
        let (country,): (String,) = self.one(q("SELECT country FROM organisations WHERE id = $1").bind(id)).await?;
        let mut places = vec![id];
        let mut frontier = vec![id];
        // Communes, EPCI, départements, régions: a few levels; the bound keeps a cycle in
        // the data from looping.
        for _ in 0..8 {
            if frontier.is_empty() {
                break;
            }
            let parents: Vec<(i64,)> = self
                .all(q(format!(
                    "SELECT DISTINCT parent_id FROM organisation_parents WHERE organisation_id IN ({})",
                    id_list(&frontier)
                )))
                .await?;
            frontier = parents.into_iter().map(|p| p.0).filter(|p| !places.contains(p)).collect();
            places.extend(&frontier);
        }
        Ok((places, country))
    }
}

impl Store {
    /// Imports offers: every row is checked against the catalog (provider, software,
    /// territories) and either all are written, each with its audit event, or none, with
    /// every problem. An offer of the same provider, software and kind is updated.
    pub async fn import_offers(
        &self,
        actor: &Actor,
        source: &str,
        rows: &[NewOffer],
    ) -> Result<std::result::Result<usize, Vec<ImportProblem>>> {
        let mut tx = self.begin(actor).await?;
        let out = tx.import_offers(source, rows).await?;
        if out.is_ok() {
            tx.commit().await?;
        }
        Ok(out)
    }

    /// The offers for a software, by provider.
    pub async fn software_offers(&self, slug: &str) -> Result<Vec<Offer>> {
        let mut r = self.read().await?;
        let id = r.software_id(slug).await?.ok_or_else(|| Error::not_found("software", slug))?;
        r.offers_where("f.software_id = $1", Some(id)).await
    }

    /// What an organisation offers to others.
    pub async fn provider_offers(&self, slug: &str) -> Result<Vec<Offer>> {
        let mut r = self.read().await?;
        let id = r
            .organisation_id(&OrgKey::Slug(slug_of(slug)?))
            .await?
            .ok_or_else(|| Error::not_found("organisation", slug))?;
        r.offers_where("f.provider_id = $1", Some(id)).await
    }

    /// The offers a filter lets through. An unknown territory or software is an error that
    /// names the parameter.
    pub async fn offers(&self, filter: &OfferFilter) -> Result<Vec<Offer>> {
        let mut r = self.read().await?;
        let mut conditions = Vec::new();
        let mut software = Vec::new();
        for slug in &filter.software {
            let id = r
                .software_id(slug)
                .await?
                .ok_or_else(|| Error::invalid("software", format!("no software {slug} is known")))?;
            software.push(id);
        }
        if !software.is_empty() {
            conditions.push(format!("f.software_id IN ({})", id_list(&software)));
        }
        if let Some(key) = &filter.territory {
            let id = r
                .organisation_id(key)
                .await?
                .ok_or_else(|| Error::invalid("territory", format!("no organisation {key} is known")))?;
            let (places, country) = r.places_of(id).await?;
            // The country code comes from the catalog (two capital letters), never from
            // the request.
            let country = crate::country::Country::parse(&country)?;
            conditions.push(format!(
                "f.id IN (SELECT offer_id FROM offer_territories WHERE organisation_id IN ({}) OR country = '{}')",
                id_list(&places),
                country.code()
            ));
        }
        let condition = if conditions.is_empty() { "1 = 1".to_string() } else { conditions.join(" AND ") };
        r.offers_where(&condition, None).await
    }

    /// Every offer, for the export.
    pub async fn export_offers(&self) -> Result<Vec<Offer>> {
        self.read().await?.offers_where("1 = 1", None).await
    }
}
