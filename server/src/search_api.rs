//! `GET /api/v1/search`, `GET /api/v1/search/organisations` and `GET /api/v1/suggest`. Every parameter is checked: a bad value
//! is a 400 that names it, never a 500; a value no document has is an empty result.

use axum::extract::State;
use axum::{Extension, Json};
use catalog::{Category, Country, Licence, OrganisationKind};
use indexer::search::guidance::CategoryHit;
use indexer::search::organisations::{OrganisationHit, OrganisationRequest, OrganisationResults, OrganisationSort};
use indexer::search::query::{Filters, Request, Results, Sort, MAX_FILTER_VALUES, MAX_LIMIT, MAX_OFFSET};
use indexer::search::Suggestion;

use crate::api::AppState;
use crate::cache::CatalogVersion;
use crate::error::Error;
use crate::params::Params;

const DEFAULT_LIMIT: i64 = 20;

fn bounded(p: &Params, name: &str, default: i64, max: usize, min: i64) -> Result<usize, Error> {
    let v = p.int(name)?.unwrap_or(default);
    if v < min || v > max as i64 {
        return Err(Error::bad_parameter(name, format!("must be between {min} and {max}")));
    }
    Ok(v as usize)
}

/// Brings the index up to the catalog version the cache layer read, or reads it.
async fn caught_up(s: &AppState, seen: Option<Extension<CatalogVersion>>) -> Result<(), Error> {
    let done = match seen {
        Some(Extension(CatalogVersion(v))) => s.search.catch_up_to(&s.store, v).await,
        None => s.search.catch_up(&s.store).await,
    };
    done.map(|_| ()).map_err(internal)
}

/// Reads a software search from its parameters; a bad value is a 400 that names it.
pub fn search_request(p: &Params) -> Result<Request, Error> {
    let limit = bounded(p, "limit", DEFAULT_LIMIT, MAX_LIMIT, 1)?;
    let offset = bounded(p, "offset", 0, MAX_OFFSET, 0)?;
    let sort = match p.text("sort") {
        None => Sort::Relevance,
        Some(v) => {
            Sort::parse(v).ok_or_else(|| Error::bad_parameter("sort", "must be relevance, adopted, active or name"))?
        }
    };
    let lang = match p.text("lang") {
        None | Some("fr") => "fr",
        Some("en") => "en",
        Some(_) => return Err(Error::bad_parameter("lang", "must be fr or en")),
    };
    let health = values(p, "health", |v| match v {
        "good" | "fair" | "poor" | "unknown" => Ok(v.to_string()),
        _ => Err(catalog::Error::invalid("health", "must be good, fair, poor or unknown")),
    })?;
    let publiccode = match p.text("publiccode") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(Error::bad_parameter("publiccode", "must be true or false")),
    };
    let filters = Filters {
        category: values(p, "category", |v| Category::parse(v).map(|c| c.slug().to_string()))?,
        licence: values(p, "licence", |v| Licence::parse(v).map(|l| l.to_string()))?,
        kind: values(p, "kind", |v| OrganisationKind::parse(v).map(|k| k.as_str().to_string()))?,
        territory: values(p, "territory", |v| catalog::Slug::parse(v).map(|s| s.to_string()))?,
        country: values(p, "country", |v| Country::parse(v).map(|c| c.to_string()))?,
        health,
        publiccode,
    };
    Ok(Request { q: p.text("q").unwrap_or_default().to_string(), filters, sort, limit, offset, lang: lang.into() })
}

/// The values of a facet's filter, `urbanisme,etat-civil`: any of them (OR), each parsed, at
/// most `MAX_FILTER_VALUES`, each once.
fn values(p: &Params, name: &str, parse: impl Fn(&str) -> catalog::Result<String>) -> Result<Vec<String>, Error> {
    let Some(text) = p.text(name) else { return Ok(Vec::new()) };
    let mut out: Vec<String> = Vec::new();
    for v in text.split(',').map(str::trim) {
        if v.is_empty() {
            return Err(Error::bad_parameter(name, "has an empty value; separate values with one comma"));
        }
        let parsed = parse(v).map_err(|e| match e {
            catalog::Error::Invalid { message, .. } => Error::bad_parameter(name, message),
            other => Error::bad_parameter(name, other.to_string()),
        })?;
        if !out.contains(&parsed) {
            out.push(parsed);
        }
    }
    if out.len() > MAX_FILTER_VALUES {
        return Err(Error::bad_parameter(name, format!("takes at most {MAX_FILTER_VALUES} values")));
    }
    Ok(out)
}

/// Runs a search once the index has seen the catalog's version.
pub async fn run_search(
    s: &AppState,
    seen: Option<Extension<CatalogVersion>>,
    request: &Request,
) -> Result<Results, Error> {
    caught_up(s, seen).await?;
    let started = std::time::Instant::now();
    let results = s.search.search.search(request).map_err(|e| match e {
        indexer::search::Error::Invalid { field, message } => Error::bad_parameter(&field, message),
        other => internal(other.into()),
    });
    s.metrics.search("software", started.elapsed());
    results
}

/// A software search's answer, with the organisations and categories the query names when
/// `include` asks for them.
#[derive(serde::Serialize)]
pub struct SearchAnswer {
    #[serde(flatten)]
    pub results: Results,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisations: Option<Vec<OrganisationHit>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<CategoryHit>>,
}

/// What `include=organisations,categories` asks for beside the software.
#[derive(Debug, Clone, Copy, Default)]
pub struct Include {
    pub organisations: bool,
    pub categories: bool,
}

impl Include {
    pub const ALL: Include = Include { organisations: true, categories: true };

    fn parse(p: &Params) -> Result<Include, Error> {
        let mut include = Include::default();
        for v in p.text("include").unwrap_or_default().split(',').map(str::trim).filter(|v| !v.is_empty()) {
            match v {
                "organisations" => include.organisations = true,
                "categories" => include.categories = true,
                other => {
                    return Err(Error::bad_parameter(
                        "include",
                        format!("{other:?} is not organisations or categories"),
                    ))
                }
            }
        }
        Ok(include)
    }
}

/// How many organisations a software search names beside the software.
const ORGANISATIONS_BESIDE: usize = 5;

/// The organisations and categories a query names, as `include` asks.
pub fn beside(s: &AppState, q: &str, include: Include) -> Result<SearchAnswerBeside, Error> {
    let parsed = indexer::search::query::parse(q);
    let organisations = if include.organisations {
        let found = indexer::search::guidance::organisations(&s.search.organisations, q, &parsed, ORGANISATIONS_BESIDE);
        Some(found.map_err(|e| internal(e.into()))?)
    } else {
        None
    };
    let categories = include.categories.then(|| indexer::search::guidance::categories(&s.search.search, &parsed));
    Ok((organisations, categories))
}

/// The organisations and the categories beside a software search.
pub type SearchAnswerBeside = (Option<Vec<OrganisationHit>>, Option<Vec<CategoryHit>>);

/// Searches software (French first), with facets, and optionally the organisations and
/// categories the words name.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", operation_id = "search",
    params(crate::openapi::SearchQuery),
    responses((status = 200, description = "The hits, their facets, and guidance when there are none"), (status = 400, description = "A bad or unknown query parameter, named", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn search(
    State(s): State<AppState>,
    seen: Option<Extension<CatalogVersion>>,
    p: Params,
) -> Result<Json<SearchAnswer>, Error> {
    p.allow_of::<crate::openapi::SearchQuery>()?;
    let request = search_request(&p)?;
    let include = Include::parse(&p)?;
    let results = run_search(&s, seen, &request).await?;
    let (organisations, categories) = beside(&s, &request.q, include)?;
    Ok(Json(SearchAnswer { results, organisations, categories }))
}

#[derive(serde::Serialize)]
pub struct Suggestions {
    suggestions: Vec<Suggestion>,
}

/// Suggestions as one types: software names and words of the catalog.
#[utoipa::path(get, path = "/api/v1/suggest", tag = "search", operation_id = "suggest",
    params(crate::openapi::SuggestQuery),
    responses((status = 200, description = "The suggestions"), (status = 400, description = "A bad or unknown query parameter, named", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn suggest(
    State(s): State<AppState>,
    seen: Option<Extension<CatalogVersion>>,
    p: Params,
) -> Result<Json<Suggestions>, Error> {
    p.allow_of::<crate::openapi::SuggestQuery>()?;
    let limit = bounded(&p, "limit", 8, 20, 1)?;
    let q: String = p.text("q").unwrap_or_default().chars().take(100).collect();
    caught_up(&s, seen).await?;
    Ok(Json(Suggestions { suggestions: s.search.search.suggest(&q, limit) }))
}

fn internal(e: anyhow::Error) -> Error {
    Error::internal(format!("{e:#}"), "search failed", "the search failed; it is logged")
}

/// Searches organisations by name, kind, country and parent.
#[utoipa::path(get, path = "/api/v1/search/organisations", tag = "search", operation_id = "organisation_search",
    params(crate::openapi::OrganisationSearchQuery),
    responses((status = 200, description = "The organisations found"), (status = 400, description = "A bad or unknown query parameter, named", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn organisations(
    State(s): State<AppState>,
    seen: Option<Extension<CatalogVersion>>,
    p: Params,
) -> Result<Json<OrganisationResults>, Error> {
    p.allow_of::<crate::openapi::OrganisationSearchQuery>()?;
    let limit = bounded(&p, "limit", DEFAULT_LIMIT, MAX_LIMIT, 1)?;
    let offset = bounded(&p, "offset", 0, MAX_OFFSET, 0)?;
    let sort = match p.text("sort") {
        None => OrganisationSort::Relevance,
        Some(v) => OrganisationSort::parse(v)
            .ok_or_else(|| Error::bad_parameter("sort", "must be relevance, name or population"))?,
    };
    let parent = match p.text("parent") {
        None => None,
        Some(v) => {
            Some(catalog::Slug::parse(v).map_err(|e| Error::bad_parameter("parent", e.to_string()))?.to_string())
        }
    };
    let request = OrganisationRequest {
        q: p.text("q").unwrap_or_default().to_string(),
        kind: p.parsed("kind", |v| OrganisationKind::parse(v).map(|k| k.as_str().to_string()))?,
        country: p.parsed("country", |v| Country::parse(v).map(|c| c.to_string()))?,
        parent,
        sort,
        limit,
        offset,
    };
    caught_up(&s, seen).await?;
    let started = std::time::Instant::now();
    let results = s.search.organisations.search(&request).map_err(|e| match e {
        indexer::search::Error::Invalid { field, message } => Error::bad_parameter(&field, message),
        other => internal(other.into()),
    });
    s.metrics.search("organisations", started.elapsed());
    let results = results?;
    Ok(Json(results))
}
