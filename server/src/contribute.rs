//! The API's contributions: adoptions declared, edited, confirmed and ended; fundings
//! recorded and edited; roadmap items published and edited, needed and pledged to; and the
//! history each leaves. The pages' forms (`pages::contribute`) call the same rules
//! (`may_write`) and the same Store writes.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use catalog::contribution::{
    AdoptionEdit, AdoptionEnd, AdoptionForm, Author, FundingEdit, FundingForm, NeedForm, PledgeForm, RoadmapItemEdit,
    RoadmapItemForm,
};
use catalog::{Adoption, AuditEvent, Funding, Hideable, HistoryOf, OrgKey, OrgRef, Page, RoadmapItem, Written};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::api::AppState;
use crate::auth::{Need, WriteRoute, Writer};
use crate::error::Error;
use crate::params::Params;
use crate::params::RecordSlug;
use crate::problem::Problem;

/// The most a contribution's JSON may weigh: a roadmap item's Markdown at most, and room.
pub const BODY_BYTES: usize = 256 * 1024;

/// The organisations that answer for a software: its maintainers and its publisher.
pub fn stewards(software: &catalog::Software) -> Vec<&OrgRef> {
    software.maintainers.iter().chain(software.publisher.as_ref()).collect()
}

/// Whether a writer acting for `acting` (`None`: for the whole site) may use `route` on a
/// record of `owner` (an adoption's adopter, a funding's funder) for a software answered
/// for by `stewards`. Pages and API both ask this.
pub fn may_write(route: WriteRoute, acting: Option<&str>, owner: Option<&str>, stewards: &[&OrgRef]) -> bool {
    let Some(mine) = acting else { return true };
    let stewards_me = stewards.iter().any(|o| o.slug == mine);
    match route.needs {
        Need::AnyOrganisation | Need::SignedIn => true,
        Need::SoftwareMaintainer => stewards_me,
        Need::RecordOwner => owner == Some(mine),
        Need::MaintainerOrAdopter => stewards_me || owner == Some(mine),
        Need::OrganisationAdmin | Need::SiteAdmin => false,
    }
}

/// Refuses a token that acts for an organisation a site-wide route (hiding, deciding on
/// proposals): those are a site administrator's or the operator's.
pub(crate) fn site_wide(writer: &Writer, route: WriteRoute, what: &str) -> Result<(), Error> {
    match writer.acting_for() {
        None => Ok(()),
        Some(_) => Err(refused(writer, route, what)),
    }
}

fn refused(writer: &Writer, route: WriteRoute, what: &str) -> Error {
    let mine = writer.acting_for().unwrap_or_default();
    let needs = match route.needs {
        Need::SoftwareMaintainer => "a member of one of the software's maintainers or of its publisher",
        Need::RecordOwner => "a member of the organisation it belongs to",
        Need::MaintainerOrAdopter => "a member of one of the software's maintainers, or of the adopter",
        Need::SiteAdmin => "a site administrator or the operator",
        _ => "another organisation",
    };
    tracing::warn!(token = %writer.label(), route = route.path, "{what} refused: acts for {mine}");
    Error::forbidden(Some("Authorization"), format!("the token acts for {mine}; {what} needs {needs}"))
}

/// Who writes, with the `Idempotency-Key` the client sent, if any.
pub(crate) fn author(writer: &Writer, headers: &HeaderMap) -> Result<Author, Error> {
    let once = match headers.get("idempotency-key") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| catalog::Error::invalid("Idempotency-Key", "must be printable ASCII"))
                .and_then(|v| catalog::contribution::once_key("Idempotency-Key", v))?,
        ),
    };
    Ok(Author { actor: writer.actor(), acting_for: writer.acting_for().map(str::to_string), once })
}

/// The organisation a new record is for: the one the body names, which a person's token
/// must act for, or else the token's own.
async fn for_organisation(s: &AppState, writer: &Writer, named: Option<OrgKey>, field: &str) -> Result<OrgKey, Error> {
    match (writer.acting_for(), named) {
        (Some(mine), None) => Ok(OrgKey::Slug(catalog::Slug::parse(mine)?)),
        (Some(mine), Some(key)) => {
            let named = match &key {
                OrgKey::Slug(slug) => slug.to_string(),
                OrgKey::Official(_) => s.store.organisation(&key.to_string()).await.map(|o| o.slug).unwrap_or_default(),
            };
            if named == mine {
                Ok(key)
            } else {
                Err(Error::forbidden(Some(field), format!("{field}: the token acts for {mine}, not for {key}")))
            }
        }
        (None, Some(key)) => Ok(key),
        (None, None) => Err(catalog::Error::invalid(
            field,
            "name the organisation: this token answers for the whole site, not for one organisation",
        )
        .into()),
    }
}

/// The JSON body of a write, read into `T`; any other field, or a missing one, is named.
pub(crate) fn json<T: DeserializeOwned>(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<T, Error> {
    crate::guard::require_body_type(headers, &["application/json"])?;
    let body = body.map_err(|rejection| Error::BodyRefused {
        status: rejection.status(),
        detail: format!("{rejection}; at most {BODY_BYTES} bytes"),
    })?;
    serde_json::from_slice(&body).map_err(|e| {
        let text = e.to_string();
        let named = ["unknown field `", "missing field `"]
            .iter()
            .find_map(|p| text.split_once(p).and_then(|(_, rest)| rest.split('`').next()))
            .unwrap_or("body");
        let (field, detail) = (named.to_string(), format!("{named}: {text}"));
        if e.is_syntax() || e.is_eof() {
            Error::Malformed { field, detail }
        } else {
            Error::Invalid { field: Some(field), detail, each: None }
        }
    })
}

/// A new record: 201 with its address; sent again with the same key, 200 with the same
/// record and `Idempotent-Replayed: true`.
pub(crate) fn made<T: Serialize>(written: Written<T>, location: String) -> Response {
    let created = !written.replayed;
    let mut response = changed(written);
    if created {
        *response.status_mut() = StatusCode::CREATED;
    }
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// A changed record: 200; sent again with the same key, `Idempotent-Replayed: true`.
fn changed<T: Serialize>(written: Written<T>) -> Response {
    let mut response = Json(written.record).into_response();
    if written.replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// A record's id from its address: anything but a whole number names no record.
pub(crate) fn record_id(id: &str, what: &str) -> Result<i64, Error> {
    id.parse().map_err(|_| Error::not_found(format!("{what} not found: {id}")))
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

pub(crate) type Body = Result<Bytes, BytesRejection>;

// ---- the software's record --------------------------------------------------------------

/// Changes a software's record: summaries and descriptions, site, maturity.
#[utoipa::path(patch, path = "/api/v1/software/{slug}", tag = "contributions", operation_id = "edit_software",
    params(("slug" = String, Path, description = "The software's slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key, the change is made once")),
    request_body(content = catalog::contribution::SoftwareEdit, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 200, description = "The record, changed", body = catalog::Software),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token acts for neither a maintainer nor the publisher", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such software", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad fields, each named", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn edit_software(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    writer: Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    let software = s.store.software(&slug).await?;
    let route = crate::auth::EDIT_SOFTWARE;
    if !may_write(route, writer.acting_for(), None, &stewards(&software)) {
        return Err(refused(&writer, route, "changing a software's record"));
    }
    let edit: catalog::contribution::SoftwareEdit = json(&headers, body)?;
    let change = edit.validate()?;
    Ok(changed(s.store.edit_software(&author(&writer, &headers)?, &slug, &change).await?))
}

// ---- adoptions --------------------------------------------------------------------------

/// Declares that an organisation uses a software.
#[utoipa::path(post, path = "/api/v1/software/{slug}/adoptions", tag = "contributions", operation_id = "declare_adoption",
    params(("slug" = String, Path, description = "The software's slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key, the declaration is made once")),
    request_body(content = AdoptionForm, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 201, description = "The adoption, declared", body = Adoption),
        (status = 200, description = "The same key was sent before: the adoption it made", body = Adoption),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token acts for another organisation than the one named", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such software", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation has declared it already", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad fields, each named", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn declare_adoption(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    writer: Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    let form: AdoptionForm = json(&headers, body)?;
    let declaration = form.validate(today())?;
    s.store.software(&slug).await?;
    let organisation = for_organisation(&s, &writer, declaration.organisation.clone(), "organisation").await?;
    let author = author(&writer, &headers)?;
    let written = s.store.declare_adoption(&author, &slug, &organisation, &declaration).await?;
    tracing::info!(token = %writer.label(), software = %slug, adoption = written.record.id, "adoption declared");
    let location = format!("/api/v1/adoptions/{}", written.record.id);
    Ok(made(written, location))
}

/// A record that is not found may have been hidden: then it is gone, with the reason.
pub async fn or_gone<T>(s: &AppState, what: Hideable, id: i64, found: Result<T, catalog::Error>) -> Result<T, Error> {
    match found {
        Err(catalog::Error::NotFound { .. }) => match s.store.hidden(what, id).await? {
            Some(h) => Err(Error::gone(&h)),
            None => Err(Error::not_found(format!("{} not found: {id}", what.entity().replace('_', " ")))),
        },
        other => Ok(other?),
    }
}

/// The adoption and the software, for a write's checks.
async fn adoption_and_stewards(s: &AppState, id: i64) -> Result<(Adoption, catalog::Software), Error> {
    let adoption = or_gone(s, Hideable::Adoption, id, s.store.adoption(id).await).await?;
    let software = s.store.software(&adoption.software).await?;
    Ok((adoption, software))
}

/// One adoption.
#[utoipa::path(get, path = "/api/v1/adoptions/{id}", tag = "contributions", operation_id = "adoption",
    params(("id" = i64, Path, description = "The adoption's id")),
    responses((status = 200, description = "The adoption", body = Adoption),
        (status = 404, description = "No such adoption", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn adoption(
    State(s): State<AppState>,
    Path(id): Path<String>,
    p: Params,
) -> Result<Json<Adoption>, Error> {
    let id = record_id(&id, "adoption")?;
    p.allow_of::<crate::openapi::NoQuery>()?;
    Ok(Json(or_gone(&s, Hideable::Adoption, id, s.store.adoption(id).await).await?))
}

/// Changes an adoption: a new `since` or `status` awaits the maintainers' confirmation again.
#[utoipa::path(patch, path = "/api/v1/adoptions/{id}", tag = "contributions", operation_id = "edit_adoption",
    params(("id" = i64, Path, description = "The adoption's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key, the change is made once")),
    request_body(content = AdoptionEdit, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 200, description = "The adoption, changed", body = Adoption),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token does not act for the adopter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such adoption", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad fields, each named", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn edit_adoption(
    State(s): State<AppState>,
    Path(id): Path<String>,
    writer: Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    let id = record_id(&id, "adoption")?;
    let (adoption, software) = adoption_and_stewards(&s, id).await?;
    let route = crate::auth::EDIT_ADOPTION;
    if !may_write(route, writer.acting_for(), Some(&adoption.organisation), &stewards(&software)) {
        return Err(refused(&writer, route, "changing an adoption"));
    }
    let edit: AdoptionEdit = json(&headers, body)?;
    let change = edit.validate(today())?;
    Ok(changed(s.store.edit_adoption(&author(&writer, &headers)?, id, &change).await?))
}

/// Confirms an adoption: the software's maintainers confirm it; the adopter says it is
/// still in use. Either puts off its next check by 24 months.
#[utoipa::path(post, path = "/api/v1/adoptions/{id}/confirm", tag = "contributions", operation_id = "confirm_adoption",
    params(("id" = i64, Path, description = "The adoption's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key, the confirmation is made once")),
    security(("token" = [])),
    responses((status = 200, description = "The adoption, confirmed", body = Adoption),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token acts for neither a maintainer nor the adopter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such adoption", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The adoption has ended", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn confirm_adoption(
    State(s): State<AppState>,
    Path(id): Path<String>,
    writer: Writer,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let id = record_id(&id, "adoption")?;
    let (adoption, software) = adoption_and_stewards(&s, id).await?;
    let route = crate::auth::CONFIRM_ADOPTION;
    let stewards = stewards(&software);
    if !may_write(route, writer.acting_for(), Some(&adoption.organisation), &stewards) {
        return Err(refused(&writer, route, "confirming an adoption"));
    }
    // Nobody confirms their own use: a maintainer that adopts says it is still in use.
    let by_maintainer =
        writer.acting_for().is_none_or(|mine| mine != adoption.organisation && stewards.iter().any(|o| o.slug == mine));
    Ok(changed(s.store.confirm_adoption(&author(&writer, &headers)?, id, by_maintainer).await?))
}

/// Ends an adoption.
#[utoipa::path(post, path = "/api/v1/adoptions/{id}/end", tag = "contributions", operation_id = "end_adoption",
    params(("id" = i64, Path, description = "The adoption's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key, the end is recorded once")),
    request_body(content = AdoptionEnd, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 200, description = "The adoption, ended", body = Adoption),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token does not act for the adopter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such adoption", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The adoption has ended already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad date, named", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn end_adoption(
    State(s): State<AppState>,
    Path(id): Path<String>,
    writer: Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    let id = record_id(&id, "adoption")?;
    let (adoption, software) = adoption_and_stewards(&s, id).await?;
    let route = crate::auth::END_ADOPTION;
    if !may_write(route, writer.acting_for(), Some(&adoption.organisation), &stewards(&software)) {
        return Err(refused(&writer, route, "ending an adoption"));
    }
    // An empty body ends it today.
    let end: AdoptionEnd = match &body {
        Ok(b) if b.is_empty() => AdoptionEnd::default(),
        _ => json(&headers, body)?,
    };
    let on = end.validate(today())?;
    Ok(changed(s.store.end_adoption(&author(&writer, &headers)?, id, on).await?))
}

// ---- fundings ---------------------------------------------------------------------------

/// Records a funding of a software by an organisation.
#[utoipa::path(post, path = "/api/v1/software/{slug}/fundings", tag = "contributions", operation_id = "record_funding",
    params(("slug" = String, Path, description = "The software's slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key, the funding is recorded once")),
    request_body(content = FundingForm, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 201, description = "The funding, recorded", body = Funding),
        (status = 200, description = "The same key was sent before: the funding it recorded", body = Funding),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token acts for another organisation than the funder", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such software", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad fields, each named", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn record_funding(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    writer: Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    let form: FundingForm = json(&headers, body)?;
    let record = form.validate(today())?;
    s.store.software(&slug).await?;
    let funder = for_organisation(&s, &writer, record.funder.clone(), "funder").await?;
    let written = s.store.record_funding(&author(&writer, &headers)?, &slug, &funder, &record).await?;
    tracing::info!(token = %writer.label(), software = %slug, funding = written.record.id, "funding recorded");
    let location = format!("/api/v1/fundings/{}", written.record.id);
    Ok(made(written, location))
}

/// One funding.
#[utoipa::path(get, path = "/api/v1/fundings/{id}", tag = "contributions", operation_id = "funding",
    params(("id" = i64, Path, description = "The funding's id")),
    responses((status = 200, description = "The funding", body = Funding),
        (status = 404, description = "No such funding", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn funding(
    State(s): State<AppState>,
    Path(id): Path<String>,
    p: Params,
) -> Result<Json<Funding>, Error> {
    let id = record_id(&id, "funding")?;
    p.allow_of::<crate::openapi::NoQuery>()?;
    Ok(Json(or_gone(&s, Hideable::Funding, id, s.store.funding(id).await).await?))
}

/// Changes a funding: from pledged to voted to paid, or a correction.
#[utoipa::path(patch, path = "/api/v1/fundings/{id}", tag = "contributions", operation_id = "edit_funding",
    params(("id" = i64, Path, description = "The funding's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key, the change is made once")),
    request_body(content = FundingEdit, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 200, description = "The funding, changed", body = Funding),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token does not act for the funder", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such funding", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad fields, each named", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn edit_funding(
    State(s): State<AppState>,
    Path(id): Path<String>,
    writer: Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    let id = record_id(&id, "funding")?;
    let funding = or_gone(&s, Hideable::Funding, id, s.store.funding(id).await).await?;
    let software = s.store.software(&funding.software).await?;
    let route = crate::auth::EDIT_FUNDING;
    if !may_write(route, writer.acting_for(), Some(&funding.funder), &stewards(&software)) {
        return Err(refused(&writer, route, "changing a funding"));
    }
    let edit: FundingEdit = json(&headers, body)?;
    let change = edit.validate()?;
    Ok(changed(s.store.edit_funding(&author(&writer, &headers)?, id, &change, today()).await?))
}

// ---- roadmaps ---------------------------------------------------------------------------

/// A roadmap item with the fundings towards it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoadmapItemDetail {
    #[serde(flatten)]
    pub item: RoadmapItem,
    pub fundings: Vec<Funding>,
}

/// Publishes a roadmap item of a software.
#[utoipa::path(post, path = "/api/v1/software/{slug}/roadmap", tag = "contributions", operation_id = "add_roadmap_item",
    params(("slug" = String, Path, description = "The software's slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key, the item is published once")),
    request_body(content = RoadmapItemForm, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 201, description = "The item, published", body = RoadmapItem),
        (status = 200, description = "The same key was sent before: the item it published", body = RoadmapItem),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token acts for neither a maintainer nor the publisher", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such software", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad fields, each named", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn add_roadmap_item(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    writer: Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    let software = s.store.software(&slug).await?;
    let route = crate::auth::ADD_ROADMAP_ITEM;
    if !may_write(route, writer.acting_for(), None, &stewards(&software)) {
        return Err(refused(&writer, route, "publishing a roadmap item"));
    }
    let form: RoadmapItemForm = json(&headers, body)?;
    let fields = form.validate()?;
    let written = s.store.add_roadmap_item(&author(&writer, &headers)?, &slug, &fields).await?;
    let location = format!("/api/v1/roadmap/{}", written.record.id);
    Ok(made(written, location))
}

/// One roadmap item, with the fundings towards it.
#[utoipa::path(get, path = "/api/v1/roadmap/{id}", tag = "contributions", operation_id = "roadmap_item",
    params(("id" = i64, Path, description = "The item's id")),
    responses((status = 200, description = "The item", body = RoadmapItemDetail),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn roadmap_item(
    State(s): State<AppState>,
    Path(id): Path<String>,
    p: Params,
) -> Result<Json<RoadmapItemDetail>, Error> {
    let id = record_id(&id, "roadmap item")?;
    p.allow_of::<crate::openapi::NoQuery>()?;
    let item = or_gone(&s, Hideable::RoadmapItem, id, s.store.roadmap_item(id).await).await?;
    let fundings = s.store.roadmap_item_fundings(id).await?;
    Ok(Json(RoadmapItemDetail { item, fundings }))
}

async fn item_and_stewards(s: &AppState, id: i64) -> Result<(RoadmapItem, catalog::Software), Error> {
    let item = or_gone(s, Hideable::RoadmapItem, id, s.store.roadmap_item(id).await).await?;
    let software = s.store.software(&item.software).await?;
    Ok((item, software))
}

/// Changes a roadmap item.
#[utoipa::path(patch, path = "/api/v1/roadmap/{id}", tag = "contributions", operation_id = "edit_roadmap_item",
    params(("id" = i64, Path, description = "The item's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key, the change is made once")),
    request_body(content = RoadmapItemEdit, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 200, description = "The item, changed", body = RoadmapItem),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token acts for neither a maintainer nor the publisher", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad fields, each named", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn edit_roadmap_item(
    State(s): State<AppState>,
    Path(id): Path<String>,
    writer: Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    let id = record_id(&id, "roadmap item")?;
    let (_, software) = item_and_stewards(&s, id).await?;
    let route = crate::auth::EDIT_ROADMAP_ITEM;
    if !may_write(route, writer.acting_for(), None, &stewards(&software)) {
        return Err(refused(&writer, route, "changing a roadmap item"));
    }
    let edit: RoadmapItemEdit = json(&headers, body)?;
    let change = edit.validate()?;
    Ok(changed(s.store.edit_roadmap_item(&author(&writer, &headers)?, id, &change).await?))
}

/// "We need this too": an organisation joins those who need a roadmap item.
#[utoipa::path(post, path = "/api/v1/roadmap/{id}/needs", tag = "contributions", operation_id = "need_roadmap_item",
    params(("id" = i64, Path, description = "The item's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key, the need is recorded once")),
    request_body(content = NeedForm, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 201, description = "The item, with the organisation among those who need it", body = RoadmapItem),
        (status = 200, description = "The organisation needed it already", body = RoadmapItem),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token acts for another organisation than the one named", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad organisation, named", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn need_roadmap_item(
    State(s): State<AppState>,
    Path(id): Path<String>,
    writer: Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    let id = record_id(&id, "roadmap item")?;
    or_gone(&s, Hideable::RoadmapItem, id, s.store.roadmap_item(id).await).await?;
    let form: NeedForm = match &body {
        Ok(b) if b.is_empty() => NeedForm::default(),
        _ => json(&headers, body)?,
    };
    let named = form.validate()?;
    let organisation = for_organisation(&s, &writer, named, "organisation").await?;
    let written = s.store.need_roadmap_item(&author(&writer, &headers)?, id, &organisation).await?;
    Ok(made(written, format!("/api/v1/roadmap/{id}")))
}

/// Takes back a "we need this too": the organisation leaves those who need the item.
#[utoipa::path(delete, path = "/api/v1/roadmap/{id}/needs/{organisation}", tag = "contributions", operation_id = "withdraw_need",
    params(("id" = i64, Path, description = "The item's id"),
        ("organisation" = String, Path, description = "The organisation's slug or SIREN")),
    security(("token" = [])),
    responses((status = 200, description = "The item, without the organisation among those who need it", body = RoadmapItem),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token acts for another organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item, or the organisation did not say it needs it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad organisation, named", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn withdraw_need(
    State(s): State<AppState>,
    Path((id, organisation)): Path<(String, String)>,
    writer: Writer,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let id = record_id(&id, "roadmap item")?;
    or_gone(&s, Hideable::RoadmapItem, id, s.store.roadmap_item(id).await).await?;
    let named = NeedForm { organisation: Some(organisation) }.validate()?;
    let organisation = for_organisation(&s, &writer, named, "organisation").await?;
    let item = s.store.withdraw_need(&author(&writer, &headers)?, id, &organisation).await?;
    Ok(Json(item).into_response())
}

/// Pledges an amount to a roadmap item: a funding with the status pledged.
#[utoipa::path(post, path = "/api/v1/roadmap/{id}/pledges", tag = "contributions", operation_id = "pledge",
    params(("id" = i64, Path, description = "The item's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Sent again with the same key, the pledge is recorded once")),
    request_body(content = PledgeForm, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 201, description = "The pledge, recorded as a funding", body = Funding),
        (status = 200, description = "The same key was sent before: the pledge it recorded", body = Funding),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token acts for another organisation than the one named", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad fields, each named", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn pledge(
    State(s): State<AppState>,
    Path(id): Path<String>,
    writer: Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    let id = record_id(&id, "roadmap item")?;
    let item = or_gone(&s, Hideable::RoadmapItem, id, s.store.roadmap_item(id).await).await?;
    let form: PledgeForm = json(&headers, body)?;
    let record = form.validate(id, today())?;
    let funder = for_organisation(&s, &writer, record.funder.clone(), "funder").await?;
    let written = s.store.record_funding(&author(&writer, &headers)?, &item.software, &funder, &record).await?;
    let location = format!("/api/v1/fundings/{}", written.record.id);
    Ok(made(written, location))
}

// ---- history ----------------------------------------------------------------------------

/// Every change to a software and what hangs on it, newest first.
#[utoipa::path(get, path = "/api/v1/software/{slug}/history", tag = "contributions", operation_id = "software_history",
    params(("slug" = String, Path, description = "The software's slug"), crate::openapi::PageQuery),
    responses((status = 200, description = "A page of changes", body = Page<AuditEvent>),
        (status = 400, description = "A bad or unknown query parameter, named", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such software", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn software_history(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    p: Params,
) -> Result<Json<Page<AuditEvent>>, Error> {
    history(&s, HistoryOf::Software(&slug), &p).await
}

/// Every change to an organisation and what it declared, funded and needed, newest first.
#[utoipa::path(get, path = "/api/v1/organisations/{slug}/history", tag = "contributions", operation_id = "organisation_history",
    params(("slug" = String, Path, description = "The organisation's slug"), crate::openapi::PageQuery),
    responses((status = 200, description = "A page of changes", body = Page<AuditEvent>),
        (status = 400, description = "A bad or unknown query parameter, named", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn organisation_history(
    State(s): State<AppState>,
    RecordSlug(slug): RecordSlug,
    p: Params,
) -> Result<Json<Page<AuditEvent>>, Error> {
    history(&s, HistoryOf::Organisation(&slug), &p).await
}

/// Every change to a roadmap item, its needs and pledges, newest first.
#[utoipa::path(get, path = "/api/v1/roadmap/{id}/history", tag = "contributions", operation_id = "roadmap_item_history",
    params(("id" = i64, Path, description = "The item's id"), crate::openapi::PageQuery),
    responses((status = 200, description = "A page of changes", body = Page<AuditEvent>),
        (status = 400, description = "A bad or unknown query parameter, named", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn roadmap_item_history(
    State(s): State<AppState>,
    Path(id): Path<String>,
    p: Params,
) -> Result<Json<Page<AuditEvent>>, Error> {
    let id = record_id(&id, "roadmap item")?;
    history(&s, HistoryOf::RoadmapItem(id), &p).await
}

async fn history(s: &AppState, of: HistoryOf<'_>, p: &Params) -> Result<Json<Page<AuditEvent>>, Error> {
    p.allow_of::<crate::openapi::PageQuery>()?;
    let (limit, offset) = p.page()?;
    Ok(Json(s.store.history_of(of, limit, offset).await?))
}

// ---- moderation -------------------------------------------------------------------------

/// Why a record is hidden.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HideForm {
    /// Shown to whoever follows the record's address afterwards (500 characters at most).
    pub reason: String,
}

async fn hide(
    s: &AppState,
    writer: &Writer,
    headers: &HeaderMap,
    body: Body,
    what: Hideable,
    id: &str,
    route: WriteRoute,
) -> Result<Response, Error> {
    let id = record_id(id, &what.entity().replace('_', " "))?;
    site_wide(writer, route, "hiding a record")?;
    let form: HideForm = json(headers, body)?;
    let found = match what {
        Hideable::Adoption => s.store.adoption(id).await.map(|_| ()),
        Hideable::Funding => s.store.funding(id).await.map(|_| ()),
        Hideable::RoadmapItem => s.store.roadmap_item(id).await.map(|_| ()),
    };
    or_gone(s, what, id, found).await?;
    let hidden = s.store.hide(&author(writer, headers)?, what, id, &form.reason).await?;
    tracing::info!(token = %writer.label(), entity = what.entity(), id, "record hidden");
    Ok(Json(hidden).into_response())
}

/// Hides an adoption, with a reason: its address then answers 410 with it.
#[utoipa::path(post, path = "/api/v1/adoptions/{id}/hide", tag = "contributions", operation_id = "hide_adoption",
    params(("id" = i64, Path, description = "The adoption's id")),
    request_body(content = HideForm, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 200, description = "The adoption is hidden", body = catalog::Hidden),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the operator nor a site administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such adoption", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Hidden already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn hide_adoption(
    State(s): State<AppState>,
    Path(id): Path<String>,
    writer: Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    hide(&s, &writer, &headers, body, Hideable::Adoption, &id, crate::auth::HIDE_ADOPTION).await
}

/// Hides a funding, with a reason.
#[utoipa::path(post, path = "/api/v1/fundings/{id}/hide", tag = "contributions", operation_id = "hide_funding",
    params(("id" = i64, Path, description = "The funding's id")),
    request_body(content = HideForm, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 200, description = "The funding is hidden", body = catalog::Hidden),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the operator nor a site administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such funding", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Hidden already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn hide_funding(
    State(s): State<AppState>,
    Path(id): Path<String>,
    writer: Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    hide(&s, &writer, &headers, body, Hideable::Funding, &id, crate::auth::HIDE_FUNDING).await
}

/// Hides a roadmap item, with a reason.
#[utoipa::path(post, path = "/api/v1/roadmap/{id}/hide", tag = "contributions", operation_id = "hide_roadmap_item",
    params(("id" = i64, Path, description = "The item's id")),
    request_body(content = HideForm, content_type = "application/json"),
    security(("token" = [])),
    responses((status = 200, description = "The item is hidden", body = catalog::Hidden),
        (status = 401, description = "No live token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the operator nor a site administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such item", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "Hidden already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn hide_roadmap_item(
    State(s): State<AppState>,
    Path(id): Path<String>,
    writer: Writer,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Error> {
    hide(&s, &writer, &headers, body, Hideable::RoadmapItem, &id, crate::auth::HIDE_ROADMAP_ITEM).await
}
