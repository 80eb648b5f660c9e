//! The API described from the code: each route's query parameters are a typed struct here
//! (the one list of them: `Params::allow_of` refuses any other, the API's index and the
//! search page read their names from it), each handler carries its `#[utoipa::path]`, and
//! `ApiDoc` gathers them into the OpenAPI 3.1 document served at `/api/v1/openapi.json`.

use crate::error::Error;
use std::sync::OnceLock;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};

/// Paging of a list: `limit` (1 to 500, default 50) from `offset` (default 0).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct PageQuery {
    /// How many items (1 to 500; 50 unless told).
    pub limit: Option<i64>,
    /// How many to skip (0 unless told).
    pub offset: Option<i64>,
}

/// `GET /api/v1/changes`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ChangesQuery {
    /// The cursor of the last change read (`VERSION.ID`, from a change's `cursor` or the
    /// answer's `next`); `0`, or none, for the start.
    pub since: Option<String>,
    /// How many changes (1 to 1,000; 100 unless told).
    pub limit: Option<i64>,
    /// `true`: each change carries its record as its `href` answers it now (up to 4 MiB of
    /// records a page; the changes past that carry none and are read at their `href`), so
    /// that a follower reads a page in one request.
    pub records: Option<bool>,
}

/// `GET /api/v1/software`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SoftwareListQuery {
    /// A category's slug (`/api/v1/` lists them).
    pub category: Option<String>,
    /// An SPDX licence identifier, such as `AGPL-3.0-or-later`.
    pub licence: Option<String>,
    /// How many items (1 to 500; 50 unless told).
    pub limit: Option<i64>,
    /// How many to skip (0 unless told).
    pub offset: Option<i64>,
}

/// `GET /api/v1/organisations`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct OrganisationListQuery {
    /// commune, epci, departement, region, canton, …
    pub kind: Option<String>,
    /// ISO 3166 code: FR, BE, CH, …
    pub country: Option<String>,
    /// The slug or official identifier of the organisation they are part of.
    pub parent: Option<String>,
    /// How many items (1 to 500; 50 unless told).
    pub limit: Option<i64>,
    /// How many to skip (0 unless told).
    pub offset: Option<i64>,
}

/// `GET /api/v1/offers`: offers by place and software.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct OfferQuery {
    /// The slug or official identifier of an organisation: the offers that serve its place
    /// (itself, an area it lies in, or its country).
    pub territory: Option<String>,
    /// A software's slug.
    pub software: Option<String>,
}

/// `GET /api/v1/tender`: the "before you tender" report's data.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct TenderQuery {
    /// The need in words, such as `gestion des cimetières`.
    pub need: Option<String>,
    /// Or a category's slug.
    pub category: Option<String>,
    /// The organisation asking: its slug or official identifier (optional).
    #[serde(rename = "for")]
    #[param(rename = "for")]
    pub organisation: Option<String>,
}

/// `GET /api/v1/search`: a software search, as the search page takes it too.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SearchQuery {
    /// The words sought, in French or English; accents and plurals do not matter.
    pub q: Option<String>,
    /// Category slugs, comma-separated (any of them).
    pub category: Option<String>,
    /// SPDX identifiers, comma-separated.
    pub licence: Option<String>,
    /// Kinds of adopting organisations, comma-separated.
    pub kind: Option<String>,
    /// Territories of adopters (slug or official identifier), comma-separated.
    pub territory: Option<String>,
    /// Countries of adopters, comma-separated.
    pub country: Option<String>,
    /// Health bands, comma-separated: good, fair, poor, unknown.
    pub health: Option<String>,
    /// `yes` or `no`: whether the software has a publiccode.yml.
    pub publiccode: Option<String>,
    /// relevance (default), adopted, active or name.
    pub sort: Option<String>,
    /// The language of the query: fr (default) or en.
    pub lang: Option<String>,
    /// How many hits (1 to 100; 20 unless told).
    pub limit: Option<i64>,
    /// How many to skip (0 unless told).
    pub offset: Option<i64>,
    /// Beside the hits, comma-separated: organisations, categories.
    pub include: Option<String>,
}

/// `GET /api/v1/software/{slug}/adopters`, and the page of the same name.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct AdoptersQuery {
    /// An organisation's slug: adopters that are it or lie within it (a département, an
    /// EPCI, a canton, a region, a country's organisations).
    pub territory: Option<String>,
    /// A kind of organisation: commune, epci, departement, …
    pub kind: Option<String>,
    /// An adoption status: evaluating, pilot, active, ended (the current ones, all but
    /// ended, unless told).
    pub status: Option<String>,
    /// An organisation's slug: each adopter says how near it is (itself, same EPCI or
    /// district, same département or canton, same region, same country, elsewhere).
    pub near: Option<String>,
    /// near (default; by name without near), name or recent.
    pub sort: Option<String>,
    /// How many items (1 to 500; 50 unless told).
    pub limit: Option<i64>,
    /// How many to skip (0 unless told).
    pub offset: Option<i64>,
}

impl AdoptersQuery {
    /// The filters of the adopters' page and API, read from their parameters.
    pub fn filter(p: &crate::params::Params) -> Result<catalog::AdopterFilter, Error> {
        p.allow_of::<AdoptersQuery>()?;
        Ok(catalog::AdopterFilter {
            territory: p.text("territory").map(str::to_string),
            kind: p.parsed("kind", catalog::OrganisationKind::parse)?,
            status: p.parsed("status", |v| catalog::AdoptionStatus::parse(v).map(|s| s.as_str().to_string()))?,
            near: p.text("near").map(str::to_string),
            sort: p.parsed("sort", catalog::AdopterSort::parse)?.unwrap_or_default(),
        })
    }
}

/// `GET /api/v1/suggest`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SuggestQuery {
    /// What was typed so far.
    pub q: Option<String>,
    /// How many suggestions (1 to 20; 8 unless told).
    pub limit: Option<i64>,
}

/// `GET /api/v1/search/organisations`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct OrganisationSearchQuery {
    /// A name, in any spelling of its accents.
    pub q: Option<String>,
    pub kind: Option<String>,
    pub country: Option<String>,
    pub parent: Option<String>,
    /// relevance (default), name or population.
    pub sort: Option<String>,
    /// How many organisations (1 to 100; 20 unless told).
    pub limit: Option<i64>,
    /// How many to skip (0 unless told).
    pub offset: Option<i64>,
}

/// `POST /api/v1/import/publiccode`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ImportQuery {
    /// The country of the organisations the file names, when new (FR unless told).
    pub country: Option<String>,
}

/// A route without query parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NoQuery {}

/// The query parameters a struct declares, by name.
pub fn names<T: IntoParams>() -> Vec<String> {
    T::into_params(|| Some(ParameterIn::Query)).into_iter().map(|p| p.name).collect()
}

/// The API's whole description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Communs",
        description = "Registry of the free software that public bodies share: software, the organisations that use \
                       and fund it, roadmaps, and search. Reading needs nothing; writing needs a token \
                       (Authorization: Bearer).",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    paths(
        crate::api::index,
        crate::api::healthz,
        openapi_json,
        crate::dcat::catalog,
        crate::session::me,
        crate::search_api::search,
        crate::search_api::organisations,
        crate::search_api::suggest,
        crate::api::software_list,
        crate::api::software_detail,
        crate::api::software_adoptions,
        crate::api::software_fundings,
        crate::api::software_adopters,
        crate::api::software_offers,
        crate::api::offers,
        crate::tender::api,
        crate::questions::recipients,
        crate::questions::ask,
        crate::questions::list,
        crate::questions::show,
        crate::questions::answer,
        crate::changes::changes,
        crate::webhook_api::list,
        crate::webhook_api::add,
        crate::webhook_api::remove,
        crate::webhook_api::deliveries,
        crate::api::add_repository,
        crate::api::organisation_list,
        crate::api::organisation_detail,
        crate::api::organisation_adoptions,
        crate::api::organisation_fundings,
        crate::contribute::edit_software,
        crate::contribute::declare_adoption,
        crate::contribute::adoption,
        crate::contribute::edit_adoption,
        crate::contribute::confirm_adoption,
        crate::contribute::end_adoption,
        crate::contribute::record_funding,
        crate::contribute::funding,
        crate::contribute::edit_funding,
        crate::contribute::add_roadmap_item,
        crate::contribute::roadmap_item,
        crate::contribute::edit_roadmap_item,
        crate::contribute::need_roadmap_item,
        crate::contribute::withdraw_need,
        crate::contribute::pledge,
        crate::contribute::hide_adoption,
        crate::contribute::hide_funding,
        crate::contribute::hide_roadmap_item,
        crate::proposals::create,
        crate::proposals::show,
        crate::proposals::accept_route,
        crate::proposals::reject_route,
        crate::contribute::software_history,
        crate::contribute::organisation_history,
        crate::contribute::roadmap_item_history,
        crate::publiccode::http::import,
        crate::publiccode::http::software_publiccode,
    ),
    components(schemas(crate::problem::Problem, crate::api::NewRepository)),
    modifiers(&BearerToken, &Examples),
    tags(
        (name = "index", description = "Where everything is"),
        (name = "search", description = "Searching software and organisations"),
        (name = "software", description = "Software records, their adoptions and fundings"),
        (name = "organisations", description = "Organisations and what they use and fund"),
        (name = "offers", description = "Who can run or support a software for others, where, and at what cost"),
        (name = "tender", description = "Before you tender: the candidates for a need, ranked, with what to take to the council"),
        (name = "questions", description = "Asking the adopters of a software a question, through the registry, and answering"),
        (name = "changes", description = "Every change of the catalog's records, in commit order, for followers"),
        (name = "webhooks", description = "An organisation's webhooks: signed deliveries of the changes it hears of"),
        (name = "accounts", description = "Who a token or session is"),
        (name = "contributions", description = "What organisations declare, fund and plan, and the history of every change"),
    )
)]
pub struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A personal token made on one's account page, or an operator's made with \
                         `communs token create`",
                    ))
                    .build(),
            ),
        );
    }
}

/// Real answers of the demo, shown as examples: `openapi-examples.json` maps an operation
/// id to the query it was asked with and its answer. `tests/tests/openapi.rs` asks the
/// demo again and fails when an answer changed (`COMMUNS_UPDATE_EXAMPLES=1` writes them anew).
pub const EXAMPLES: &str = include_str!("../openapi-examples.json");

struct Examples;

impl Modify for Examples {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let examples: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(EXAMPLES).expect("openapi-examples.json is JSON");
        for item in openapi.paths.paths.values_mut() {
            let Some(op) = item.get.as_mut() else { continue };
            let Some(example) = op.operation_id.as_ref().and_then(|id| examples.get(id)) else { continue };
            let Some(utoipa::openapi::RefOr::T(ok)) = op.responses.responses.get_mut("200") else { continue };
            let content = ok.content.entry("application/json".to_string()).or_insert_with(Default::default);
            content.example = Some(example["answer"].clone());
        }
    }
}

/// The document, made once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(ApiDoc::openapi)
}

/// `GET /api/v1/openapi.json`: this API's OpenAPI 3.1 description.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "index",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json() -> Response {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    let body = BODY.get_or_init(|| serde_json::to_vec_pretty(document()).expect("the document serialises"));
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body.clone()).into_response()
}

/// Every operation of the document, in its order: (method, path, operation).
pub fn each_operation() -> impl Iterator<Item = (&'static str, &'static str, &'static utoipa::openapi::path::Operation)>
{
    document().paths.paths.iter().flat_map(|(path, item)| {
        [("GET", &item.get), ("POST", &item.post), ("PATCH", &item.patch), ("DELETE", &item.delete)]
            .into_iter()
            .filter_map(move |(method, op)| op.as_ref().map(|op| (method, path.as_str(), op)))
    })
}

/// The API's operations, in the document's order: (method, path, operation id, summary,
/// query parameter names).
pub fn operations() -> Vec<(String, String, String, String, Vec<String>)> {
    each_operation()
        .map(|(method, path, op)| {
            let query = op
                .parameters
                .iter()
                .flatten()
                .filter(|p| matches!(p.parameter_in, ParameterIn::Query))
                .map(|p| p.name.clone())
                .collect();
            (
                method.to_string(),
                path.to_string(),
                op.operation_id.clone().unwrap_or_default(),
                op.summary.clone().unwrap_or_default(),
                query,
            )
        })
        .collect()
}
