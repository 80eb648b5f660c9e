//! The JSON API under `/api/v1`: the whole router in one place, handlers grouped by
//! resource.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use catalog::{
    Adoption, Category, Country, Funding, OrganisationFilter, OrganisationKind, OrganisationProfile, Page,
    SoftwareFilter, SoftwarePage, SoftwareSummary, Store,
};
use serde_json::json;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::cache::ResponseCache;
use crate::contribute;
use crate::error::Error;
use crate::params::Params;
use crate::params::RecordSlug;
use crate::search::SearchIndex;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub cache: Arc<ResponseCache>,
    pub search: Arc<SearchIndex>,
    pub dashboards: Arc<crate::dashboards::Dashboards>,
    /// The host names this site answers to.
    pub site: Arc<crate::guard::Site>,
    /// Sign-in: providers, session lifetimes, demo accounts.
    pub accounts: Arc<crate::session::Accounts>,
    pub limits: Arc<crate::ratelimit::Limiter>,
    /// This process's counters, shown at `/metrics` on the metrics address.
    pub metrics: Arc<crate::metrics::Metrics>,
}

type ApiResult<T> = Result<Json<T>, Error>;

/// How many adoptions and fundings a record's page embeds; the rest is paged from the
/// sub-resources.
const EMBEDDED: i64 = 20;

/// The router with a search index in memory, filled from the catalog by the first search.
pub fn router(store: Store) -> Router {
    let search = SearchIndex::in_memory().expect("an index in memory opens");
    router_with(store, Arc::new(search))
}

pub fn router_with(store: Store, search: Arc<SearchIndex>) -> Router {
    router_with_cache(store, search, crate::cache::DEFAULT_BUDGET)
}

/// The router, with `cache_bytes` for recent answers (0: none kept), for a site reached on
/// loopback names only.
pub fn router_with_cache(store: Store, search: Arc<SearchIndex>, cache_bytes: usize) -> Router {
    router_for_site(store, search, cache_bytes, crate::guard::Site::default())
}

/// The whole site: `site` says which host names it answers to; nobody can sign in.
pub fn router_for_site(store: Store, search: Arc<SearchIndex>, cache_bytes: usize, site: crate::guard::Site) -> Router {
    router_with_accounts(store, search, cache_bytes, site, crate::session::Accounts::default())
}

/// The whole site, with the sign-in `accounts` allows.
pub fn router_with_accounts(
    store: Store,
    search: Arc<SearchIndex>,
    cache_bytes: usize,
    site: crate::guard::Site,
    accounts: crate::session::Accounts,
) -> Router {
    site_router(app_state(store, search, cache_bytes, site, accounts, crate::metrics::Metrics::new()))
}

/// What every handler shares.
pub fn app_state(
    store: Store,
    search: Arc<SearchIndex>,
    cache_bytes: usize,
    site: crate::guard::Site,
    accounts: crate::session::Accounts,
    metrics: Arc<crate::metrics::Metrics>,
) -> AppState {
    AppState {
        store,
        cache: Arc::new(ResponseCache::new(cache_bytes)),
        search,
        dashboards: Arc::new(crate::dashboards::Dashboards::new()),
        site: Arc::new(site),
        limits: Arc::new(crate::ratelimit::Limiter::new(accounts.rate_limits)),
        accounts: Arc::new(accounts),
        metrics,
    }
}

/// The whole site on `state`: the pages, the API, `/healthz` and `/readyz`.
pub fn site_router(state: AppState) -> Router {
    let api = Router::new()
        .route("/", get(index))
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(crate::openapi::openapi_json))
        .route("/catalog.jsonld", get(crate::dcat::catalog))
        .route("/me", get(crate::session::me))
        .route("/search", get(crate::search_api::search))
        .route("/search/organisations", get(crate::search_api::organisations))
        .route("/suggest", get(crate::search_api::suggest))
        .route("/software", get(software_list))
        .route("/software/{slug}", get(software_detail).patch(contribute::edit_software).layer(body_limit()))
        .route(
            "/software/{slug}/repositories",
            axum::routing::post(add_repository).layer(axum::extract::DefaultBodyLimit::max(REPOSITORY_BODY_BYTES)),
        )
        .route(
            "/software/{slug}/adoptions",
            get(software_adoptions).post(contribute::declare_adoption).layer(body_limit()),
        )
        .route("/software/{slug}/fundings", get(software_fundings).post(contribute::record_funding).layer(body_limit()))
        .route("/software/{slug}/roadmap", post(contribute::add_roadmap_item).layer(body_limit()))
        .route("/software/{slug}/adopters", get(software_adopters))
        .route("/software/{slug}/offers", get(software_offers))
        .route("/offers", get(offers))
        .route("/software/{slug}/questions/recipients", get(crate::questions::recipients))
        .route("/software/{slug}/questions", post(crate::questions::ask).layer(body_limit()))
        .route("/questions", get(crate::questions::list))
        .route("/questions/{id}", get(crate::questions::show))
        .route("/questions/{id}/answers", post(crate::questions::answer).layer(body_limit()))
        .route(
            "/organisations/{slug}/webhooks",
            get(crate::webhook_api::list).post(crate::webhook_api::add).layer(body_limit()),
        )
        .route("/organisations/{slug}/webhooks/{id}", axum::routing::delete(crate::webhook_api::remove))
        .route("/organisations/{slug}/webhooks/{id}/deliveries", get(crate::webhook_api::deliveries))
        .route("/changes", get(crate::changes::changes))
        .route("/tender", get(crate::tender::api))
        .route("/software/{slug}/history", get(contribute::software_history))
        .route("/adoptions/{id}", get(contribute::adoption).patch(contribute::edit_adoption).layer(body_limit()))
        .route("/adoptions/{id}/confirm", post(contribute::confirm_adoption))
        .route("/adoptions/{id}/end", post(contribute::end_adoption).layer(body_limit()))
        .route("/adoptions/{id}/hide", post(contribute::hide_adoption).layer(body_limit()))
        .route("/fundings/{id}/hide", post(contribute::hide_funding).layer(body_limit()))
        .route("/roadmap/{id}/hide", post(contribute::hide_roadmap_item).layer(body_limit()))
        .route("/fundings/{id}", get(contribute::funding).patch(contribute::edit_funding).layer(body_limit()))
        .route("/roadmap/{id}", get(contribute::roadmap_item).patch(contribute::edit_roadmap_item).layer(body_limit()))
        .route("/roadmap/{id}/needs", post(contribute::need_roadmap_item).layer(body_limit()))
        .route("/roadmap/{id}/needs/{organisation}", axum::routing::delete(contribute::withdraw_need))
        .route("/roadmap/{id}/pledges", post(contribute::pledge).layer(body_limit()))
        .route("/roadmap/{id}/history", get(contribute::roadmap_item_history))
        .route(
            "/proposals",
            post(crate::proposals::create)
                .layer(axum::extract::DefaultBodyLimit::max(publiccode::MAX_FILE_BYTES + 1024)),
        )
        .route("/proposals/{id}", get(crate::proposals::show))
        .route("/proposals/{id}/accept", post(crate::proposals::accept_route))
        .route("/proposals/{id}/reject", post(crate::proposals::reject_route).layer(body_limit()))
        .route("/organisations", get(organisation_list))
        .route("/organisations/{slug}", get(organisation_detail))
        .route("/organisations/{slug}/adoptions", get(organisation_adoptions))
        .route("/organisations/{slug}/fundings", get(organisation_fundings))
        .route("/organisations/{slug}/history", get(contribute::organisation_history))
        .route(
            "/import/publiccode",
            axum::routing::post(crate::publiccode::http::import)
                // Room for the validator to refuse a file just over its limit by itself.
                .layer(axum::extract::DefaultBodyLimit::max(publiccode::MAX_FILE_BYTES + 1024)),
        )
        .fallback(api_not_found);
    let pages = crate::pages::router().layer(axum::middleware::from_fn_with_state(state.clone(), crate::cache::layer));
    Router::new()
        .route("/api/v1/", get(index))
        .route("/healthz", get(crate::probes::alive))
        .route("/readyz", get(crate::probes::ready))
        .route("/software/{slug}/publiccode.yml", get(crate::publiccode::http::software_publiccode))
        .nest("/api/v1", api.layer(axum::middleware::from_fn_with_state(state.clone(), crate::cache::layer)))
        .merge(pages)
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::guard::host_and_origin))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(crate::problem::plain_errors))
        .layer(axum::middleware::from_fn(crate::pages::security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::metrics::layer))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        // Outside the trace, so that its span carries the id; a proxy's own id is kept.
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(tower_http::request_id::MakeRequestUuid))
        .with_state(state)
}

/// Each request's span: what every line logged while it runs carries, its id first, so
/// that the lines of one request can be found together (and matched with the proxy's, which
/// sends its own id in `X-Request-Id`).
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
    tracing::info_span!("request", request_id = %id, method = %request.method(), uri = %request.uri())
}

/// A contribution's body: its JSON, at most `contribute::BODY_BYTES`.
fn body_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(contribute::BODY_BYTES)
}

/// Outside the API, a page in the reader's language; under it, a problem.
async fn not_found(headers: axum::http::HeaderMap, uri: axum::http::Uri) -> Response {
    let error = if uri.path().starts_with("/api/") {
        api_not_found().await
    } else {
        Error::not_found(web::T::new(crate::pages::language(&headers)).s("error.not_found_page"))
    };
    crate::pages::problem_or_page(error, uri.path(), &headers, uri.path())
}

async fn api_not_found() -> Error {
    Error::not_found("no such resource; the API's index is at /api/v1/")
}

/// The API's entry point: where each resource is.
#[utoipa::path(get, path = "/api/v1/", tag = "index", operation_id = "index",
    responses((status = 200, description = "Each operation's URI template, and the categories")))]
pub(crate) async fn index() -> Json<serde_json::Value> {
    // Each operation as a URI template, from the OpenAPI document: the one list of routes and
    // of their parameters.
    let mut api = serde_json::Map::new();
    for (method, path, id, _, query) in crate::openapi::operations() {
        let template = if query.is_empty() { path } else { format!("{path}{{?{}}}", query.join(",")) };
        let value =
            if method == "GET" { template } else { format!("{method} {template} (Authorization: Bearer TOKEN)") };
        api.insert(id, serde_json::Value::String(value));
    }
    Json(json!({
        "name": "Communs",
        "description": "Registry of the free software that public bodies share",
        "openapi": "/api/v1/openapi.json",
        "api": api,
        "categories": Category::all().map(|c| json!({"slug": c.slug(), "fr": c.info().fr, "en": c.info().en})).collect::<Vec<_>>(),
    }))
}

/// Whether the server and its database answer.
#[utoipa::path(get, path = "/api/v1/healthz", tag = "index", operation_id = "health",
    responses((status = 200, description = "The server and its database answer"),
        (status = 503, description = "The database does not answer", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub(crate) async fn healthz(State(s): State<AppState>) -> Response {
    let backend = s.store.backend().as_str();
    match s.store.ping().await {
        Ok(()) => Json(json!({"status": "ok", "database": backend})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            Error::Unavailable.into_response()
        }
    }
}

// ---- software -------------------------------------------------------------------------

/// The software of the catalog, by name.
#[utoipa::path(get, path = "/api/v1/software", tag = "software", operation_id = "software",
    params(crate::openapi::SoftwareListQuery),
    responses((status = 200, description = "A page of software", body = Page<SoftwareSummary>), (status = 400, description = "A bad or unknown query parameter, named", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub(crate) async fn software_list(State(s): State<AppState>, p: Params) -> ApiResult<Page<SoftwareSummary>> {
    p.allow_of::<crate::openapi::SoftwareListQuery>()?;
    let (limit, offset) = p.page()?;
    let filter = SoftwareFilter {
        category: p.parsed("category", Category::parse)?,
        licence: p.parsed("licence", |l| catalog::Licence::parse(l).map(|l| l.to_string()))?,
        newest_first: false,
    };
    Ok(Json(s.store.software_list(&filter, limit, offset).await?))
}

/// One software: its record, first adoptions and fundings, roadmap and health.
#[utoipa::path(get, path = "/api/v1/software/{slug}", tag = "software", operation_id = "software_detail",
    params(("slug" = String, Path, description = "The record's slug")),
    responses((status = 200, description = "The software", body = SoftwarePage), (status = 404, description = "No such record", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub(crate) async fn software_detail(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    p: Params,
) -> ApiResult<SoftwarePage> {
    p.allow_of::<crate::openapi::NoQuery>()?;
    Ok(Json(s.store.software_page(&slug, EMBEDDED).await?))
}

/// The body of a new repository.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct NewRepository {
    /// https, http, git or ssh, of a public host.
    url: String,
}

/// The most a new repository's JSON may weigh: an address and its braces.
const REPOSITORY_BODY_BYTES: usize = 16 * 1024;

/// `POST /api/v1/software/{slug}/repositories` with `{"url": "..."}` and a token allowed to
/// write: the next harvest clones it. The address is checked here (public hosts only,
/// unless the operator allows local ones) and again by the harvest on what it resolves to.
/// Adds a repository to a software; the next harvest reads it.
#[utoipa::path(post, path = "/api/v1/software/{slug}/repositories", tag = "software", operation_id = "add_repository",
    params(("slug" = String, Path, description = "The record's slug")),
    request_body(content = NewRepository, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 201, description = "The repository, added", body = catalog::Repository),
        (status = 401, description = "No live token", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's person does not act for a maintainer or the publisher", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such record", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A refused address, named", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub(crate) async fn add_repository(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    writer: crate::auth::Writer,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    if let Err(problem) = crate::guard::require_body_type(&headers, &["application/json"]) {
        return problem.into_response();
    }
    let body = match body {
        Ok(b) => b,
        Err(rejection) => {
            return Error::BodyRefused {
                status: rejection.status(),
                detail: format!(
                "{rejection}; a repository is given as {{\"url\": \"...\"}} in at most {REPOSITORY_BODY_BYTES} bytes"
            ),
            }
            .into_response()
        }
    };
    let url = match repository_url(&body) {
        Ok(url) => url,
        Err(problem) => return problem.into_response(),
    };
    let software = match s.store.software(&slug).await {
        Ok(software) => software,
        Err(e) => return Error::from(e).into_response(),
    };
    let answers: Vec<&catalog::OrgRef> = software.maintainers.iter().chain(software.publisher.as_ref()).collect();
    if let Err(problem) = writer.may_act_for(crate::auth::ADD_REPOSITORY, &answers) {
        tracing::warn!(token = %writer.label(), software = %slug, "repository refused: not a maintainer");
        return problem.into_response();
    }
    match s.store.add_repository(&writer.actor(), &slug, &url).await {
        Ok(repository) => {
            tracing::info!(token = %writer.label(), software = %slug, url = %repository.url, "repository added");
            (StatusCode::CREATED, Json(repository)).into_response()
        }
        Err(e) => {
            tracing::warn!(token = %writer.label(), software = %slug, error = %e, "repository refused");
            Error::from(e).into_response()
        }
    }
}

/// The `url` of `{"url": "..."}`; anything else is named in the refusal.
fn repository_url(body: &[u8]) -> Result<String, Error> {
    let invalid = |field: &str, detail: String| Error::invalid(field, detail);
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Error::Malformed { field: "body".into(), detail: format!("body: not JSON: {e}") })?;
    let serde_json::Value::Object(mut fields) = value else {
        return Err(invalid("body", "body: must be an object such as {\"url\": \"https://...\"}".into()));
    };
    if let Some(other) = fields.keys().find(|k| k.as_str() != "url") {
        return Err(invalid(other, format!("{other}: unknown field; a repository has only a url")));
    }
    match fields.remove("url") {
        Some(serde_json::Value::String(url)) => Ok(url),
        Some(_) => Err(invalid("url", "url: must be a string".into())),
        None => Err(invalid("url", "url: missing".into())),
    }
}

/// Who uses a software.
#[utoipa::path(get, path = "/api/v1/software/{slug}/adoptions", tag = "software", operation_id = "software_adoptions",
    params(("slug" = String, Path, description = "The record's slug"), crate::openapi::PageQuery),
    responses((status = 200, description = "A page of adoptions", body = Page<Adoption>), (status = 404, description = "No such record", body = crate::problem::Problem, content_type = "application/problem+json"), (status = 400, description = "A bad or unknown query parameter, named", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub(crate) async fn software_adoptions(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    p: Params,
) -> ApiResult<Page<Adoption>> {
    p.allow_of::<crate::openapi::PageQuery>()?;
    let (limit, offset) = p.page()?;
    Ok(Json(s.store.software_adoptions(&slug, limit, offset).await?))
}

/// Who uses a software, filtered by territory, kind and status, nearest to an organisation first.
#[utoipa::path(get, path = "/api/v1/software/{slug}/adopters", tag = "software", operation_id = "software_adopters",
    params(("slug" = String, Path, description = "The record's slug"), crate::openapi::AdoptersQuery),
    responses((status = 200, description = "A page of adoptions, each with its organisation's population and nearness"),
        (status = 404, description = "No such record", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 400, description = "A bad or unknown query parameter, named", body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown territory or organisation, named", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub(crate) async fn software_adopters(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    p: Params,
) -> ApiResult<Page<catalog::NearAdoption>> {
    let filter = crate::openapi::AdoptersQuery::filter(&p)?;
    let (limit, offset) = p.page()?;
    Ok(Json(s.store.software_adopters(&slug, &filter, limit, offset).await?))
}

/// Who funded a software, and how much.
#[utoipa::path(get, path = "/api/v1/software/{slug}/fundings", tag = "software", operation_id = "software_fundings",
    params(("slug" = String, Path, description = "The record's slug"), crate::openapi::PageQuery),
    responses((status = 200, description = "A page of fundings", body = Page<Funding>), (status = 404, description = "No such record", body = crate::problem::Problem, content_type = "application/problem+json"), (status = 400, description = "A bad or unknown query parameter, named", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub(crate) async fn software_fundings(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    p: Params,
) -> ApiResult<Page<Funding>> {
    p.allow_of::<crate::openapi::PageQuery>()?;
    let (limit, offset) = p.page()?;
    Ok(Json(s.store.software_fundings(&slug, limit, offset).await?))
}

// ---- offers ------------------------------------------------------------------------------

/// Who can run or support a software for others: hosting, support, training, integration,
/// development, with the territories served, who may subscribe and indicative prices.
#[utoipa::path(get, path = "/api/v1/software/{slug}/offers", tag = "offers", operation_id = "software_offers",
    params(("slug" = String, Path, description = "The software's slug")),
    responses((status = 200, description = "Its offers, by provider", body = Vec<catalog::Offer>), (status = 404, description = "No such record", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub(crate) async fn software_offers(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    p: Params,
) -> ApiResult<Vec<catalog::Offer>> {
    p.allow(&[])?;
    Ok(Json(s.store.software_offers(&slug).await?))
}

/// Offers by place and software: `territory` names an organisation (a commune, an EPCI, a
/// département...) and keeps the offers that serve it, an area it lies in, or its country.
#[utoipa::path(get, path = "/api/v1/offers", tag = "offers", operation_id = "offers",
    params(crate::openapi::OfferQuery),
    responses((status = 200, description = "The offers", body = Vec<catalog::Offer>), (status = 400, description = "A bad or unknown query parameter, named", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub(crate) async fn offers(State(s): State<AppState>, p: Params) -> ApiResult<Vec<catalog::Offer>> {
    p.allow_of::<crate::openapi::OfferQuery>()?;
    let filter = catalog::OfferFilter {
        territory: p.parsed("territory", |v| catalog::OrgKey::parse("territory", v))?,
        software: p.parsed("software", |v| catalog::Slug::parse(v).map(|s| s.to_string()))?.into_iter().collect(),
    };
    s.store.offers(&filter).await.map(Json).map_err(|e| match e {
        catalog::Error::Invalid { field, message } => Error::bad_parameter(&field, message),
        other => other.into(),
    })
}

// ---- organisations --------------------------------------------------------------------

/// The organisations of the catalog.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", operation_id = "organisations",
    params(crate::openapi::OrganisationListQuery),
    responses((status = 200, description = "A page of organisations", body = Page<catalog::OrganisationSummary>), (status = 400, description = "A bad or unknown query parameter, named", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub(crate) async fn organisation_list(
    State(s): State<AppState>,
    p: Params,
) -> ApiResult<Page<catalog::OrganisationSummary>> {
    p.allow_of::<crate::openapi::OrganisationListQuery>()?;
    let (limit, offset) = p.page()?;
    let filter = OrganisationFilter {
        kind: p.parsed("kind", OrganisationKind::parse)?,
        country: p.parsed("country", Country::parse)?,
        parent: p.parsed("parent", |v| catalog::Slug::parse(v).map(|s| s.to_string()))?,
    };
    if let Some(parent) = &filter.parent {
        // An unknown parent is a mistake in the query, not an empty list.
        s.store.organisation(parent).await.map_err(|e| match e {
            catalog::Error::NotFound { .. } => {
                Error::bad_parameter("parent", format!("no organisation {parent} is known"))
            }
            other => Error::from(other),
        })?;
    }
    Ok(Json(s.store.organisations(&filter, limit, offset).await?))
}

/// One organisation: what it uses, funds, publishes, maintains and provides.
#[utoipa::path(get, path = "/api/v1/organisations/{slug}", tag = "organisations", operation_id = "organisation_detail",
    params(("slug" = String, Path, description = "The record's slug")),
    responses((status = 200, description = "The organisation", body = OrganisationProfile), (status = 404, description = "No such record", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub(crate) async fn organisation_detail(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    p: Params,
) -> ApiResult<OrganisationProfile> {
    p.allow_of::<crate::openapi::NoQuery>()?;
    Ok(Json(s.store.organisation_profile(&slug, EMBEDDED).await?))
}

/// What an organisation uses.
#[utoipa::path(get, path = "/api/v1/organisations/{slug}/adoptions", tag = "organisations", operation_id = "organisation_adoptions",
    params(("slug" = String, Path, description = "The record's slug"), crate::openapi::PageQuery),
    responses((status = 200, description = "A page of adoptions", body = Page<Adoption>), (status = 404, description = "No such record", body = crate::problem::Problem, content_type = "application/problem+json"), (status = 400, description = "A bad or unknown query parameter, named", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub(crate) async fn organisation_adoptions(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    p: Params,
) -> ApiResult<Page<Adoption>> {
    p.allow_of::<crate::openapi::PageQuery>()?;
    let (limit, offset) = p.page()?;
    Ok(Json(s.store.organisation_adoptions(&slug, limit, offset).await?))
}

/// What an organisation funded.
#[utoipa::path(get, path = "/api/v1/organisations/{slug}/fundings", tag = "organisations", operation_id = "organisation_fundings",
    params(("slug" = String, Path, description = "The record's slug"), crate::openapi::PageQuery),
    responses((status = 200, description = "A page of fundings", body = Page<Funding>), (status = 404, description = "No such record", body = crate::problem::Problem, content_type = "application/problem+json"), (status = 400, description = "A bad or unknown query parameter, named", body = crate::problem::Problem, content_type = "application/problem+json")))]
pub(crate) async fn organisation_fundings(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    p: Params,
) -> ApiResult<Page<Funding>> {
    p.allow_of::<crate::openapi::PageQuery>()?;
    let (limit, offset) = p.page()?;
    Ok(Json(s.store.organisation_fundings(&slug, limit, offset).await?))
}
