//! Service offers: who can run or support a software for a public body that does not
//! install it itself (an OPSN, a syndicat informatique, an association, a company, a State
//! service), where, for whom and at what indicative cost.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::country::Country;
use crate::error::{Error, Result};
use crate::model::OrgKey;
use crate::money::{Currency, Money};
use crate::slug::Slug;
use crate::text;
use crate::vocab::{OfferKind, OrganisationKind};

/// The kinds of organisation an offer's territory may name: the places a provider serves.
pub const TERRITORY_KINDS: &[OrganisationKind] = &[
    OrganisationKind::Region,
    OrganisationKind::Departement,
    OrganisationKind::Canton,
    OrganisationKind::Province,
    OrganisationKind::Epci,
];

const PRICE_MODEL_MAX: usize = 500;

/// An offer as a CSV row or a fixture writes it; `validate` makes it a `NewOffer`.
///
/// `territories` and `subscribers` are lists separated by `;` (or `,` in JSON lists);
/// `yearly_prices` reads `0-499: 150; 500-1999: 300; 2000-: 600`, amounts in `currency`
/// for organisations of that many inhabitants.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OfferDraft {
    pub provider: String,
    pub software: String,
    pub kind: String,
    pub territories: String,
    #[serde(default)]
    pub subscribers: String,
    #[serde(default)]
    pub membership_required: bool,
    pub price_model: String,
    #[serde(default)]
    pub yearly_prices: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub url: Option<String>,
    pub checked_on: String,
    #[serde(default)]
    pub demo: bool,
}

/// A place an offer serves: a whole country, or a region, département, canton, province
/// or EPCI of the catalog, by slug (and everything inside it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Territory {
    Country(Country),
    Area(Slug),
}

impl Territory {
    /// Two capital letters are a country (`FR`), anything else an area's slug (`oise`).
    pub fn parse(s: &str) -> Result<Territory> {
        let s = s.trim();
        if s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()) {
            return Country::parse(s)
                .map(Territory::Country)
                .map_err(|_| Error::invalid("territories", format!("{s:?} is not an ISO 3166 country code")));
        }
        Slug::parse(s).map(Territory::Area).map_err(|_| {
            Error::invalid(
                "territories",
                format!("{s:?} is neither a country code (FR) nor the slug of a région, département, canton, province or EPCI"),
            )
        })
    }

    pub fn as_string(&self) -> String {
        match self {
            Territory::Country(c) => c.to_string(),
            Territory::Area(s) => s.to_string(),
        }
    }
}

/// An indicative yearly amount for organisations of `min` to `max` inhabitants (no `max`:
/// and more).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PriceBracket {
    pub min_population: i64,
    pub max_population: Option<i64>,
    pub yearly: Money,
}

impl PriceBracket {
    pub fn covers(&self, population: i64) -> bool {
        population >= self.min_population && self.max_population.is_none_or(|max| population <= max)
    }
}

/// A validated offer, its provider and software still by key.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOffer {
    pub provider: OrgKey,
    pub software: Slug,
    pub kind: OfferKind,
    pub territories: Vec<Territory>,
    /// Kinds of organisation that may subscribe; none listed, any.
    pub subscribers: Vec<OrganisationKind>,
    pub membership_required: bool,
    pub price_model: String,
    pub prices: Vec<PriceBracket>,
    pub url: Option<String>,
    pub checked_on: NaiveDate,
    pub demo: bool,
}

fn list(s: &str) -> impl Iterator<Item = &str> {
    s.split([';', ',']).map(str::trim).filter(|x| !x.is_empty())
}

/// Reads `0-499: 150; 500-1999: 300; 2000-: 600`: brackets in increasing order that do not
/// overlap, each with an amount that is not negative.
pub fn parse_prices(s: &str, currency: Option<Currency>) -> Result<Vec<PriceBracket>> {
    let bad = |why: String| Error::invalid("yearly_prices", why);
    let mut out: Vec<PriceBracket> = Vec::new();
    for part in s.split(';').map(str::trim).filter(|x| !x.is_empty()) {
        let Some(currency) = currency else {
            return Err(Error::invalid("currency", "yearly prices need their currency, such as EUR"));
        };
        let (range, amount) = part
            .split_once(':')
            .ok_or_else(|| bad(format!("{part:?} is not of the form MIN-MAX: AMOUNT, such as 500-1999: 300")))?;
        let (min, max) = range
            .trim()
            .split_once('-')
            .ok_or_else(|| bad(format!("{range:?} is not a population range such as 500-1999 or 2000-")))?;
        let number = |n: &str| {
            n.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| bad(format!("{:?} in {part:?} is not a number of inhabitants", n.trim())))
        };
        let min = number(min)?;
        let max = if max.trim().is_empty() { None } else { Some(number(max)?) };
        if max.is_some_and(|max| max < min) {
            return Err(bad(format!("{range:?} ends before it starts")));
        }
        let yearly = Money::parse(amount, currency).map_err(|e| match e {
            Error::Invalid { message, .. } => bad(format!("{part:?}: {message}")),
            other => other,
        })?;
        if let Some(last) = out.last() {
            if last.max_population.is_none_or(|m| m >= min) {
                return Err(bad(format!("{range:?} overlaps the bracket before it; write them in increasing order")));
            }
        }
        out.push(PriceBracket { min_population: min, max_population: max, yearly });
    }
    Ok(out)
}

impl OfferDraft {
    /// `today` decides what "in the future" means for the date it was checked.
    pub fn validate(&self, today: NaiveDate) -> Result<NewOffer> {
        let checked_on = text::date("checked_on", &self.checked_on)?;
        if checked_on > today {
            return Err(Error::invalid("checked_on", format!("{checked_on} is in the future")));
        }
        let mut territories = Vec::new();
        for t in list(&self.territories) {
            let t = Territory::parse(t)?;
            if !territories.contains(&t) {
                territories.push(t);
            }
        }
        if territories.is_empty() {
            return Err(Error::invalid(
                "territories",
                "name at least one territory served: a country code (FR) or the slug of a région, département, \
                 canton, province or EPCI",
            ));
        }
        let mut subscribers = Vec::new();
        for k in list(&self.subscribers) {
            let k = OrganisationKind::parse(k).map_err(|e| match e {
                Error::Invalid { message, .. } => Error::invalid("subscribers", message),
                other => other,
            })?;
            if !subscribers.contains(&k) {
                subscribers.push(k);
            }
        }
        let currency = match self.currency.trim() {
            "" => None,
            c => Some(Currency::parse(c)?),
        };
        Ok(NewOffer {
            provider: OrgKey::parse("provider", &self.provider)?,
            software: Slug::parse(self.software.trim()).map_err(|e| match e {
                Error::Invalid { message, .. } => Error::invalid("software", message),
                other => other,
            })?,
            kind: OfferKind::parse(&self.kind)?,
            territories,
            subscribers,
            membership_required: self.membership_required,
            price_model: text::line("price_model", &self.price_model, PRICE_MODEL_MAX)?,
            prices: parse_prices(&self.yearly_prices, currency)?,
            url: self.url.as_deref().filter(|s| !s.trim().is_empty()).map(|s| text::web_url("url", s)).transpose()?,
            checked_on,
            demo: self.demo,
        })
    }
}

/// Writes brackets back as `parse_prices` reads them.
pub fn write_prices(prices: &[PriceBracket]) -> String {
    prices
        .iter()
        .map(|p| {
            let max = p.max_population.map(|m| m.to_string()).unwrap_or_default();
            format!("{}-{max}: {}", p.min_population, p.yearly.decimal())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// An offer as pages and the API show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Offer {
    pub id: i64,
    pub provider: String,
    pub provider_name: String,
    pub provider_kind: String,
    pub software: String,
    pub software_name: String,
    pub kind: String,
    /// Countries by code, areas by slug.
    pub territories: Vec<String>,
    /// The areas' names, in the order of `territories` (a country's code stands for itself).
    pub territory_names: Vec<String>,
    /// Kinds of organisation that may subscribe; empty, any.
    pub subscribers: Vec<String>,
    pub membership_required: bool,
    pub price_model: String,
    pub prices: Vec<PriceBracket>,
    pub url: Option<String>,
    pub checked_on: NaiveDate,
    pub demo: bool,
}

impl Offer {
    /// The indicative yearly amount for an organisation of `population` inhabitants.
    pub fn price_for(&self, population: i64) -> Option<&PriceBracket> {
        self.prices.iter().find(|p| p.covers(population))
    }

    /// The offer as the import reads it: an export imports back unchanged.
    pub fn draft(&self) -> OfferDraft {
        OfferDraft {
            provider: self.provider.clone(),
            software: self.software.clone(),
            kind: self.kind.clone(),
            territories: self.territories.join("; "),
            subscribers: self.subscribers.join("; "),
            membership_required: self.membership_required,
            price_model: self.price_model.clone(),
            yearly_prices: write_prices(&self.prices),
            currency: self.prices.first().map(|p| p.yearly.currency.code().to_string()).unwrap_or_default(),
            url: self.url.clone(),
            checked_on: self.checked_on.to_string(),
            demo: self.demo,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    fn draft() -> OfferDraft {
        OfferDraft {
            provider: "adico".into(),
            software: "opencimetiere".into(),
            kind: "hosting".into(),
            territories: "oise; aisne".into(),
            subscribers: "commune; epci".into(),
            membership_required: true,
            price_model: "Compris dans l'adhésion".into(),
            yearly_prices: "0-499: 150; 500-1999: 300.50; 2000-: 600".into(),
            currency: "EUR".into(),
            url: Some("https://www.example.org/offre".into()),
            checked_on: "2026-11-02".into(),
            demo: false,
        }
    }

    #[test]
    fn a_whole_offer_reads_and_writes_back() {
        let o = draft().validate(today()).unwrap();
        assert_eq!(o.territories.len(), 2);
        assert_eq!(o.subscribers, [OrganisationKind::Commune, OrganisationKind::Epci]);
        assert_eq!(o.prices.len(), 3);
        assert_eq!(o.prices[1].yearly.minor, 30050);
        assert_eq!(o.prices[2].max_population, None);
        assert!(o.prices[2].covers(1_000_000) && !o.prices[2].covers(1_999));
        assert_eq!(write_prices(&o.prices), "0-499: 150.00; 500-1999: 300.50; 2000-: 600.00");
        assert_eq!(parse_prices(&write_prices(&o.prices), Some(Currency::EUR)).unwrap(), o.prices);
        assert_eq!(Territory::parse("FR").unwrap(), Territory::Country(Country::parse("FR").unwrap()));
    }

    #[test]
    fn each_bad_value_names_its_field() {
        let field = |d: OfferDraft| match d.validate(today()) {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(OfferDraft { kind: "rental".into(), ..draft() }), "kind");
        assert_eq!(field(OfferDraft { territories: "".into(), ..draft() }), "territories");
        assert_eq!(field(OfferDraft { territories: "ZZ".into(), ..draft() }), "territories");
        assert_eq!(field(OfferDraft { territories: "Pas un slug".into(), ..draft() }), "territories");
        assert_eq!(field(OfferDraft { subscribers: "mairie".into(), ..draft() }), "subscribers");
        assert_eq!(field(OfferDraft { yearly_prices: "0-499: -150".into(), ..draft() }), "yearly_prices");
        assert_eq!(field(OfferDraft { yearly_prices: "0-499: 15.505".into(), ..draft() }), "yearly_prices");
        assert_eq!(field(OfferDraft { yearly_prices: "500-100: 15".into(), ..draft() }), "yearly_prices");
        assert_eq!(field(OfferDraft { yearly_prices: "0-600: 1; 500-: 2".into(), ..draft() }), "yearly_prices");
        assert_eq!(field(OfferDraft { yearly_prices: "beaucoup".into(), ..draft() }), "yearly_prices");
        assert_eq!(field(OfferDraft { currency: "".into(), ..draft() }), "currency");
        assert_eq!(field(OfferDraft { currency: "EURO".into(), ..draft() }), "currency");
        assert_eq!(field(OfferDraft { checked_on: "2027-01-01".into(), ..draft() }), "checked_on");
        assert_eq!(field(OfferDraft { url: Some("ftp://example.org".into()), ..draft() }), "url");
        assert_eq!(field(OfferDraft { price_model: "".into(), ..draft() }), "price_model");
        assert_eq!(field(OfferDraft { provider: "".into(), ..draft() }), "provider");
    }
}
