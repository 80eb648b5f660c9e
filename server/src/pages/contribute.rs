//! The pages' contributions: the forms that declare, change, confirm and end adoptions,
//! record fundings, publish roadmap items, need and pledge to them, and the histories.
//! The rules are the API's (`crate::contribute::may_write`, `auth::WRITE_ROUTES`); a form
//! carries its CSRF token and a one-time token, so that posting it twice makes one record.
//! A refused form comes back with what was typed and each bad field marked.

// A refused request is answered with its page at once: the helpers return the response
// itself as their error, as axum's own rejections do.
#![allow(clippy::result_large_err)]

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use catalog::contribution::{
    AdoptionEdit, AdoptionEnd, AdoptionForm, Author, FundingForm, PledgeForm, RoadmapItemEdit, RoadmapItemForm,
};
use catalog::{
    Actor, Adoption, AdoptionState, AdoptionStatus, AuditEvent, Hideable, HistoryOf, OrgKey, Session, Software,
};
use serde::Deserialize;
use web::{
    ActingFor, AdoptPage, AdoptionFields, AdoptionRecordPage, AdoptionView, Choice, Chrome, EventRow, FieldChange,
    FieldErrors, FundPage, FundingFields, HistoryPage, ItemFields, Lang, OrgLink, PledgeFields, RoadmapItemPage,
    RoadmapNewPage, T,
};

use super::account::{admitted, page, personal, refused, see_other, to_login};
use super::{language, PageContext};
use crate::api::AppState;
use crate::auth::{self, WriteRoute};
use crate::contribute::{may_write, stewards};
use crate::error::Error;
use crate::ratelimit::Peer;
use crate::session::Viewer;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/software/{slug}/adopt", get(adopt_form).post(adopt))
        .route("/software/{slug}/fund", get(fund_form).post(fund))
        .route("/software/{slug}/roadmap/new", get(item_form).post(add_item))
        .route("/software/{slug}/history", get(software_history))
        .route("/software/{slug}/edit", get(record_form).post(edit_record))
        .route(auth::ADD_REPOSITORY_PAGE.path, post(add_repository))
        .route("/organisations/{slug}/history", get(organisation_history))
        .route("/adoptions/{id}", get(adoption_page).post(edit_adoption))
        .route(auth::CONFIRM_ADOPTION_PAGE.path, post(confirm_adoption))
        .route(auth::END_ADOPTION_PAGE.path, post(end_adoption))
        .route("/roadmap/{id}", get(item_page).post(edit_item))
        .route(auth::NEED_ROADMAP_ITEM_PAGE.path, post(need_item))
        .route(auth::WITHDRAW_NEED_PAGE.path, post(withdraw_need))
        .route(auth::PLEDGE_PAGE.path, post(pledge))
        .route("/roadmap/{id}/history", get(item_history))
        .route(auth::HIDE_ADOPTION_PAGE.path, post(hide_adoption))
        .route(auth::HIDE_ROADMAP_ITEM_PAGE.path, post(hide_item))
}

/// A fresh one-time token for a form.
pub(super) fn once() -> String {
    catalog::token::random_hex().unwrap_or_default()
}

/// The author of a page's write: the person, for `acting_for`, with the form's one-time token.
pub(super) fn author(session: &Session, acting_for: Option<&str>, once: &str) -> Author {
    Author {
        actor: Actor::User { handle: session.user.handle.clone(), token: None },
        acting_for: acting_for.map(str::to_string),
        once: catalog::contribution::once_key("once", once).ok(),
    }
}

/// The organisations a person may act for on a form.
async fn acting_for(s: &AppState, session: &Session) -> Result<ActingFor, Error> {
    let memberships = s.store.memberships(session.user.id).await?;
    let choices: Vec<Choice> = memberships
        .into_iter()
        .map(|m| Choice { value: m.organisation.slug.clone(), label: m.organisation.name.clone() })
        .collect();
    Ok(ActingFor { free: choices.is_empty() && session.user.site_admin, choices })
}

/// The organisation a form acts for, checked: one the person acts for, or any for a site
/// administrator (who then answers for the whole site, `None`). `Err` names the field.
async fn acting(s: &AppState, session: &Session, named: &str) -> Result<(OrgKey, Option<String>), catalog::Error> {
    let named = named.trim();
    let field = "organisation";
    if named.is_empty() {
        return Err(catalog::Error::invalid(field, "choose the organisation you act for"));
    }
    let key = OrgKey::parse(field, named)?;
    let org =
        s.store.organisation(&key.to_string()).await.map_err(|_| catalog::Error::not_found("organisation", named))?;
    if s.store.role_in(session.user.id, &org.slug).await?.is_some() {
        return Ok((OrgKey::Slug(catalog::Slug::parse(&org.slug)?), Some(org.slug)));
    }
    if session.user.site_admin {
        return Ok((OrgKey::Slug(catalog::Slug::parse(&org.slug)?), None));
    }
    Err(catalog::Error::forbidden(format!("you do not act for {}", org.slug)))
}

/// The organisations among `among` the person acts for (all of them for a site administrator).
async fn mine_among(s: &AppState, session: &Session, among: &[&str]) -> Result<Vec<String>, Error> {
    let memberships = s.store.memberships(session.user.id).await?;
    Ok(among
        .iter()
        .filter(|o| session.user.site_admin || memberships.iter().any(|m| m.organisation.slug == **o))
        .map(|o| o.to_string())
        .collect())
}

/// The first of the software's maintainers and publisher the person acts for (the first
/// of them for a site administrator).
async fn steward_for(s: &AppState, session: &Session, software: &Software) -> Result<Option<String>, Error> {
    let answering: Vec<&str> = stewards(software).iter().map(|o| o.slug.as_str()).collect();
    Ok(mine_among(s, session, &answering).await?.into_iter().next())
}

/// Each refused field with its message in the page's language; `None` when the error is
/// not about the form's fields.
fn field_errors(t: &T, e: &catalog::Error, rename: &[(&str, &str)]) -> Option<FieldErrors> {
    let one = |field: &str, key: &str| {
        let field = rename.iter().find(|(from, _)| *from == field).map_or(field, |(_, to)| to);
        (field.to_string(), t.s(key).to_string())
    };
    let message = |field: &str| match field {
        "organisation" | "funder" => "form_error.acting_for",
        "since" | "on" | "date" | "target_date" => "form_error.date",
        "status" => "form_error.status",
        "scope" => "form_error.scope",
        "evidence_url" | "instance_url" => "form_error.url",
        "provider" => "form_error.provider",
        "amount" | "estimated_cost" => "form_error.amount",
        "currency" => "form_error.currency",
        "kind" => "form_error.kind",
        "deliberation" => "form_error.deliberation",
        "roadmap_item" => "form_error.roadmap_item",
        "title" => "form_error.title",
        "description" => "form_error.description",
        _ => "form_error.invalid",
    };
    let errors = match e {
        catalog::Error::Invalid { field, .. } => vec![one(field, message(field))],
        catalog::Error::Fields(all) => all.iter().map(|(f, _)| one(f, message(f))).collect(),
        catalog::Error::Conflict { field, .. } if field == "organisation" => {
            vec![one("organisation", "form_error.already_declared")]
        }
        catalog::Error::Conflict { field, .. } if field == "status" => vec![one("status", "form_error.ended")],
        catalog::Error::NotFound { what: "organisation", .. } => vec![one("organisation", "form_error.acting_for")],
        _ => return None,
    };
    Some(FieldErrors(errors))
}

/// The page of a record that is not there: gone with its reason if it was hidden.
async fn missing(s: &AppState, lang: Lang, what: Hideable, id: i64, e: catalog::Error) -> Response {
    if matches!(e, catalog::Error::NotFound { .. }) {
        if let Ok(Some(h)) = s.store.hidden(what, id).await {
            let t = T::new(lang);
            let text =
                t.s("error.gone_text").replace("{d}", &t.date(h.hidden_at.date_naive())).replace("{x}", &h.reason);
            return refused(Error::Gone(text));
        }
    }
    failed(e)
}

fn forbidden(lang: Lang, path: &str, who: &str) -> Response {
    tracing::warn!(user = who, path, "page write refused: role");
    refused(Error::forbidden(None, T::new(lang).s("error.forbidden_text")))
}

fn failed(e: impl Into<Error>) -> Response {
    refused(e.into())
}

/// Whether the session may use `route` acting for `acting` on a record of `owner`.
fn allowed(
    route: WriteRoute,
    session: &Session,
    acting: Option<&str>,
    owner: Option<&str>,
    software: &Software,
) -> bool {
    // `acting` is `None` when the person acts for no organisation that counts here; a site
    // administrator answers for the whole site.
    if session.user.site_admin {
        return may_write(route, None, owner, &stewards(software));
    }
    acting.is_some_and(|mine| may_write(route, Some(mine), owner, &stewards(software)))
}

/// A form's CSRF and one-time tokens.
#[derive(Deserialize, Default)]
struct Tokens {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    once: String,
}

// ---- declaring an adoption --------------------------------------------------------------

#[derive(Deserialize, Default)]
struct AdoptPost {
    #[serde(flatten)]
    tokens: Tokens,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    evidence_url: String,
    #[serde(default)]
    instance_url: String,
    #[serde(default)]
    provider: String,
}

impl AdoptPost {
    fn fields(&self) -> AdoptionFields {
        AdoptionFields {
            organisation: self.organisation.clone(),
            since: self.since.clone(),
            status: self.status.clone(),
            scope: self.scope.clone(),
            evidence_url: self.evidence_url.clone(),
            instance_url: self.instance_url.clone(),
            provider: self.provider.clone(),
        }
    }
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string()).filter(|s| !s.trim().is_empty())
}

async fn adopt_form(
    State(s): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    let path = format!("/software/{slug}/adopt");
    let Some(session) = &viewer.0 else { return to_login(&path) };
    let values = AdoptionFields { status: "active".into(), ..AdoptionFields::default() };
    adopt_page(&s, session, &headers, &slug, values, FieldErrors::default(), StatusCode::OK).await
}

async fn adopt_page(
    s: &AppState,
    session: &Session,
    headers: &HeaderMap,
    slug: &str,
    mut values: AdoptionFields,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let lang = language(headers);
    let path = format!("/software/{slug}/adopt");
    let software = match s.store.software(slug).await {
        Ok(sw) => sw,
        Err(e) => return failed(e),
    };
    let acting = match acting_for(s, session).await {
        Ok(a) => a,
        Err(e) => return failed(e),
    };
    if values.organisation.is_empty() {
        values.organisation = acting.choices.first().map(|c| c.value.clone()).unwrap_or_default();
    }
    let t = T::new(lang);
    let view = AdoptPage {
        chrome: Chrome::new(lang, path, t.fill("contribute.adopt_title", &software.name), ""),
        software: (software.slug.clone(), software.name.clone()),
        acting,
        values,
        errors,
        csrf: session.csrf.clone(),
        once: once(),
    };
    page(lang, status, &view)
}

async fn adopt(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(f): Form<AdoptPost>,
) -> Response {
    let path = format!("/software/{slug}/adopt");
    let session = match admitted(&s, &viewer, &peer, &headers, &f.tokens.csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let t = T::new(lang);
    let refuse = |e: &catalog::Error| field_errors(&t, e, &[]);
    let (organisation, acting_slug) = match acting(&s, session, &f.organisation).await {
        Ok(o) => o,
        Err(e) => {
            return match refuse(&e) {
                Some(errors) => {
                    adopt_page(&s, session, &headers, &slug, f.fields(), errors, StatusCode::UNPROCESSABLE_ENTITY).await
                }
                None => failed(e),
            }
        }
    };
    let form = AdoptionForm {
        organisation: None,
        since: f.since.clone(),
        status: f.status.clone(),
        scope: some(&f.scope),
        evidence_url: some(&f.evidence_url),
        instance_url: some(&f.instance_url),
        provider: some(&f.provider),
    };
    let today = chrono::Utc::now().date_naive();
    let written = match form.validate(today) {
        Ok(d) => {
            s.store
                .declare_adoption(&author(session, acting_slug.as_deref(), &f.tokens.once), &slug, &organisation, &d)
                .await
        }
        Err(e) => Err(e),
    };
    match written {
        Ok(w) => personal(see_other(&format!("/adoptions/{}?done=declared", w.record.id))),
        Err(e) => match refuse(&e) {
            Some(errors) => {
                adopt_page(&s, session, &headers, &slug, f.fields(), errors, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => failed(e),
        },
    }
}

// ---- one adoption -----------------------------------------------------------------------

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

fn adoption_view(a: &Adoption, today: chrono::NaiveDate) -> AdoptionView {
    AdoptionView {
        id: a.id,
        software: (a.software.clone(), a.software_name.clone()),
        organisation: OrgLink {
            slug: a.organisation.clone(),
            name: a.organisation_name.clone(),
            kind: a.organisation_kind.clone(),
        },
        since: a.since,
        status: a.status.to_string(),
        scope: a.scope.clone(),
        evidence_url: a.evidence_url.clone(),
        instance_url: a.instance_url.clone(),
        provider: a.provider.clone().zip(a.provider_name.clone()),
        confirmed: a.last_confirmed.filter(|_| a.state == AdoptionState::Confirmed),
        ended_on: a.ended_on,
        check_due: a.check_due,
        to_be_checked: a.to_be_checked(today),
    }
}

fn adoption_fields(a: &Adoption) -> AdoptionFields {
    AdoptionFields {
        organisation: a.organisation.clone(),
        since: a.since.to_string(),
        status: a.status.to_string(),
        scope: a.scope.clone().unwrap_or_default(),
        evidence_url: a.evidence_url.clone().unwrap_or_default(),
        instance_url: a.instance_url.clone().unwrap_or_default(),
        provider: a.provider.clone().unwrap_or_default(),
    }
}

/// How the reader may confirm an adoption: as a maintainer (not of their own use), or as
/// the adopter saying it is still in use.
async fn confirms_as(
    s: &AppState,
    session: &Session,
    a: &Adoption,
    software: &Software,
) -> Result<Option<bool>, Error> {
    if a.status == AdoptionStatus::Ended {
        return Ok(None);
    }
    if session.user.site_admin {
        return Ok(Some(true));
    }
    let stewards: Vec<&str> = stewards(software).iter().map(|o| o.slug.as_str()).collect();
    let among: Vec<&str> = stewards.iter().copied().chain([a.organisation.as_str()]).collect();
    let mine = mine_among(s, session, &among).await?;
    if mine.iter().any(|o| *o != a.organisation && stewards.contains(&o.as_str())) {
        return Ok(Some(true));
    }
    Ok(mine.contains(&a.organisation).then_some(false))
}

async fn adoption_page(
    State(s): State<AppState>,
    viewer: Viewer,
    cx: PageContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let lang = cx.lang;
    let t = T::new(lang);
    let notice = done.done.as_deref().and_then(|d| match d {
        "declared" => Some(t.s("contribute.declared")),
        "saved" => Some(t.s("contribute.saved")),
        "confirmed" => Some(t.s("contribute.confirmed")),
        "still_in_use" => Some(t.s("contribute.still_in_use_done")),
        "ended" => Some(t.s("contribute.ended")),
        _ => None,
    });
    show_adoption(&s, &viewer, &headers, &id, notice.map(str::to_string), None).await
}

async fn show_adoption(
    s: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    id: &str,
    notice: Option<String>,
    refused_edit: Option<(AdoptionFields, FieldErrors)>,
) -> Response {
    let lang = language(headers);
    let path = format!("/adoptions/{id}");
    let Ok(id) = id.parse::<i64>() else {
        return failed(catalog::Error::not_found("adoption", id));
    };
    let a = match s.store.adoption(id).await {
        Ok(a) => a,
        Err(e) => return missing(s, lang, Hideable::Adoption, id, e).await,
    };
    let software = match s.store.software(&a.software).await {
        Ok(sw) => sw,
        Err(e) => return failed(e),
    };
    let (can_edit, confirm, csrf) = match &viewer.0 {
        None => (false, None, String::new()),
        Some(session) => {
            let adopter = session.user.site_admin
                || matches!(mine_among(s, session, &[a.organisation.as_str()]).await, Ok(m) if !m.is_empty());
            let confirm = confirms_as(s, session, &a, &software).await.unwrap_or(None);
            (adopter, confirm, session.csrf.clone())
        }
    };
    let t = T::new(lang);
    let (values, errors, status) = match refused_edit {
        Some((values, errors)) => (values, errors, StatusCode::UNPROCESSABLE_ENTITY),
        None => (adoption_fields(&a), FieldErrors::default(), StatusCode::OK),
    };
    let title = t.fill("contribute.adoption_title", &a.organisation_name);
    let view = AdoptionRecordPage {
        chrome: Chrome::new(lang, path, title, ""),
        a: adoption_view(&a, chrono::Utc::now().date_naive()),
        can_edit,
        can_hide: viewer.0.as_ref().is_some_and(|v| v.user.site_admin),
        confirm,
        values,
        errors,
        notice,
        csrf,
        once: once(),
    };
    let response = page(lang, status, &view);
    if viewer.0.is_some() {
        response
    } else {
        // Nobody's own: the anonymous page may be kept.
        let mut r = response;
        r.headers_mut().remove(axum::http::header::CACHE_CONTROL);
        r
    }
}

#[derive(Deserialize, Default)]
struct EditAdoptionPost {
    #[serde(flatten)]
    tokens: Tokens,
    #[serde(default)]
    since: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    evidence_url: String,
    #[serde(default)]
    instance_url: String,
    #[serde(default)]
    provider: String,
}

/// The adoption and its software, or the answer that ends the request.
async fn adoption_of(s: &AppState, lang: Lang, id: &str) -> Result<(Adoption, Software), Response> {
    let Ok(id) = id.parse::<i64>() else {
        return Err(failed(catalog::Error::not_found("adoption", id)));
    };
    let a = match s.store.adoption(id).await {
        Ok(a) => a,
        Err(e) => return Err(missing(s, lang, Hideable::Adoption, id, e).await),
    };
    let software = s.store.software(&a.software).await.map_err(failed)?;
    Ok((a, software))
}

async fn edit_adoption(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<EditAdoptionPost>,
) -> Response {
    let path = format!("/adoptions/{id}");
    let session = match admitted(&s, &viewer, &peer, &headers, &f.tokens.csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let (a, software) = match adoption_of(&s, lang, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let acting = mine_among(&s, session, &[a.organisation.as_str()]).await.unwrap_or_default();
    if !allowed(auth::EDIT_ADOPTION_PAGE, session, acting.first().map(String::as_str), Some(&a.organisation), &software)
    {
        return forbidden(lang, &path, &session.user.handle);
    }
    let edit = AdoptionEdit {
        since: Some(f.since.clone()),
        status: Some(f.status.clone()),
        scope: Some(some(&f.scope)),
        evidence_url: Some(some(&f.evidence_url)),
        instance_url: Some(some(&f.instance_url)),
        provider: Some(some(&f.provider)),
    };
    let written = match edit.validate(chrono::Utc::now().date_naive()) {
        Ok(change) => {
            s.store.edit_adoption(&author(session, Some(&a.organisation), &f.tokens.once), a.id, &change).await
        }
        Err(e) => Err(e),
    };
    let t = T::new(lang);
    match written {
        Ok(_) => personal(see_other(&format!("/adoptions/{}?done=saved", a.id))),
        Err(e) => match field_errors(&t, &e, &[]) {
            Some(errors) => {
                let values = AdoptionFields {
                    organisation: a.organisation.clone(),
                    since: f.since,
                    status: f.status,
                    scope: f.scope,
                    evidence_url: f.evidence_url,
                    instance_url: f.instance_url,
                    provider: f.provider,
                };
                show_adoption(&s, &viewer, &headers, &id, None, Some((values, errors))).await
            }
            None => failed(e),
        },
    }
}

async fn confirm_adoption(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<Tokens>,
) -> Response {
    let path = format!("/adoptions/{id}");
    let session = match admitted(&s, &viewer, &peer, &headers, &f.csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let (a, software) = match adoption_of(&s, lang, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let by_maintainer = match confirms_as(&s, session, &a, &software).await {
        Ok(Some(m)) => m,
        Ok(None) => return forbidden(lang, &path, &session.user.handle),
        Err(e) => return failed(e),
    };
    let stewards: Vec<&str> = stewards(&software).iter().map(|o| o.slug.as_str()).collect();
    let acting = if by_maintainer {
        mine_among(&s, session, &stewards).await.unwrap_or_default().into_iter().find(|o| *o != a.organisation)
    } else {
        Some(a.organisation.clone())
    };
    let acting = if session.user.site_admin { None } else { acting };
    match s.store.confirm_adoption(&author(session, acting.as_deref(), &f.once), a.id, by_maintainer).await {
        Ok(_) => {
            let done = if by_maintainer { "confirmed" } else { "still_in_use" };
            personal(see_other(&format!("/adoptions/{}?done={done}", a.id)))
        }
        Err(e) => failed(e),
    }
}

#[derive(Deserialize, Default)]
struct EndPost {
    #[serde(flatten)]
    tokens: Tokens,
    #[serde(default)]
    on: String,
}

async fn end_adoption(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<EndPost>,
) -> Response {
    let path = format!("/adoptions/{id}");
    let session = match admitted(&s, &viewer, &peer, &headers, &f.tokens.csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let (a, software) = match adoption_of(&s, lang, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let acting = mine_among(&s, session, &[a.organisation.as_str()]).await.unwrap_or_default();
    if !allowed(auth::END_ADOPTION_PAGE, session, acting.first().map(String::as_str), Some(&a.organisation), &software)
    {
        return forbidden(lang, &path, &session.user.handle);
    }
    let today = chrono::Utc::now().date_naive();
    let written = match (AdoptionEnd { on: some(&f.on) }).validate(today) {
        Ok(on) => s.store.end_adoption(&author(session, Some(&a.organisation), &f.tokens.once), a.id, on).await,
        Err(e) => Err(e),
    };
    let t = T::new(lang);
    match written {
        Ok(_) => personal(see_other(&format!("/adoptions/{}?done=ended", a.id))),
        Err(e) => match field_errors(&t, &e, &[]) {
            Some(errors) => show_adoption(&s, &viewer, &headers, &id, None, Some((adoption_fields(&a), errors))).await,
            None => failed(e),
        },
    }
}

// ---- recording a funding ----------------------------------------------------------------

#[derive(Deserialize, Default)]
struct FundPost {
    #[serde(flatten)]
    tokens: Tokens,
    #[serde(default)]
    funder: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    deliberation: String,
    #[serde(default)]
    evidence_url: String,
    #[serde(default)]
    roadmap_item: String,
}

impl FundPost {
    fn fields(&self) -> FundingFields {
        FundingFields {
            funder: self.funder.clone(),
            amount: self.amount.clone(),
            currency: self.currency.clone(),
            date: self.date.clone(),
            kind: self.kind.clone(),
            status: self.status.clone(),
            deliberation: self.deliberation.clone(),
            evidence_url: self.evidence_url.clone(),
            roadmap_item: self.roadmap_item.clone(),
        }
    }
}

async fn fund_form(
    State(s): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    let path = format!("/software/{slug}/fund");
    let Some(session) = &viewer.0 else { return to_login(&path) };
    let default_currency =
        if s.store.software(&slug).await.is_ok_and(|sw| sw.publisher.is_some_and(|p| p.country == "CH")) {
            "CHF"
        } else {
            "EUR"
        };
    let values = FundingFields {
        currency: default_currency.into(),
        status: "paid".into(),
        kind: "co-development".into(),
        date: chrono::Utc::now().date_naive().to_string(),
        ..FundingFields::default()
    };
    fund_page(&s, session, &headers, &slug, values, FieldErrors::default(), StatusCode::OK).await
}

async fn fund_page(
    s: &AppState,
    session: &Session,
    headers: &HeaderMap,
    slug: &str,
    mut values: FundingFields,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let lang = language(headers);
    let path = format!("/software/{slug}/fund");
    let software = match s.store.software(slug).await {
        Ok(sw) => sw,
        Err(e) => return failed(e),
    };
    let (acting, roadmap) = match (acting_for(s, session).await, s.store.software_roadmap(slug).await) {
        (Ok(a), Ok(r)) => (a, r),
        (Err(e), _) => return failed(e),
        (_, Err(e)) => return failed(e),
    };
    if values.funder.is_empty() {
        values.funder = acting.choices.first().map(|c| c.value.clone()).unwrap_or_default();
    }
    let t = T::new(lang);
    let view = FundPage {
        chrome: Chrome::new(lang, path, t.fill("contribute.fund_title", &software.name), ""),
        software: (software.slug.clone(), software.name.clone()),
        acting,
        items: roadmap.iter().map(|i| Choice { value: i.id.to_string(), label: i.title.clone() }).collect(),
        values,
        errors,
        csrf: session.csrf.clone(),
        once: once(),
    };
    page(lang, status, &view)
}

async fn fund(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(f): Form<FundPost>,
) -> Response {
    let path = format!("/software/{slug}/fund");
    let session = match admitted(&s, &viewer, &peer, &headers, &f.tokens.csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let t = T::new(lang);
    let rename = [("organisation", "funder")];
    let refuse = |e: &catalog::Error| field_errors(&t, e, &rename);
    let (funder, acting_slug) = match acting(&s, session, &f.funder).await {
        Ok(o) => o,
        Err(e) => {
            return match refuse(&e) {
                Some(errors) => {
                    fund_page(&s, session, &headers, &slug, f.fields(), errors, StatusCode::UNPROCESSABLE_ENTITY).await
                }
                None => failed(e),
            }
        }
    };
    let roadmap_item = match f.roadmap_item.trim() {
        "" => Ok(None),
        v => v.parse::<i64>().map(Some).map_err(|_| catalog::Error::invalid("roadmap_item", "not an item")),
    };
    let form = roadmap_item.map(|roadmap_item| FundingForm {
        funder: None,
        amount: f.amount.clone(),
        currency: f.currency.clone(),
        date: some(&f.date),
        kind: some(&f.kind),
        status: f.status.clone(),
        deliberation: some(&f.deliberation),
        evidence_url: some(&f.evidence_url),
        roadmap_item,
    });
    let today = chrono::Utc::now().date_naive();
    let written = match form.and_then(|form| form.validate(today)) {
        Ok(r) => {
            let author = author(session, acting_slug.as_deref(), &f.tokens.once);
            s.store.record_funding(&author, &slug, &funder, &r).await
        }
        Err(e) => Err(e),
    };
    match written {
        Ok(_) => personal(see_other(&format!("/software/{slug}#fundings"))),
        Err(e) => match refuse(&e) {
            Some(errors) => {
                fund_page(&s, session, &headers, &slug, f.fields(), errors, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => failed(e),
        },
    }
}

// ---- roadmap items ----------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct ItemPost {
    #[serde(flatten)]
    tokens: Tokens,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    estimated_cost: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    target_date: String,
}

impl ItemPost {
    fn fields(&self) -> ItemFields {
        ItemFields {
            title: self.title.clone(),
            description: self.description.clone(),
            status: self.status.clone(),
            estimated_cost: self.estimated_cost.clone(),
            currency: self.currency.clone(),
            target_date: self.target_date.clone(),
        }
    }
}

/// The software, if the person answers for it (a maintainer, its publisher, a site
/// administrator); otherwise the refusal.
async fn stewarded(
    s: &AppState,
    session: &Session,
    lang: Lang,
    path: &str,
    slug: &str,
) -> Result<(Software, Option<String>), Response> {
    let software = s.store.software(slug).await.map_err(failed)?;
    let acting = steward_for(s, session, &software).await.map_err(failed)?;
    if allowed(auth::ADD_ROADMAP_ITEM_PAGE, session, acting.as_deref(), None, &software) {
        Ok((software, acting))
    } else {
        Err(forbidden(lang, path, &session.user.handle))
    }
}

async fn item_form(
    State(s): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Response {
    let path = format!("/software/{slug}/roadmap/new");
    let Some(session) = &viewer.0 else { return to_login(&path) };
    let values = ItemFields { status: "proposed".into(), currency: "EUR".into(), ..ItemFields::default() };
    item_new_page(&s, session, &headers, &slug, values, FieldErrors::default(), StatusCode::OK).await
}

async fn item_new_page(
    s: &AppState,
    session: &Session,
    headers: &HeaderMap,
    slug: &str,
    values: ItemFields,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let lang = language(headers);
    let path = format!("/software/{slug}/roadmap/new");
    let software = match stewarded(s, session, lang, &path, slug).await {
        Ok((sw, _)) => sw,
        Err(r) => return r,
    };
    let t = T::new(lang);
    let view = RoadmapNewPage {
        chrome: Chrome::new(lang, path, t.fill("contribute.item_title", &software.name), ""),
        software: (software.slug.clone(), software.name.clone()),
        values,
        errors,
        csrf: session.csrf.clone(),
        once: once(),
    };
    page(lang, status, &view)
}

async fn add_item(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(f): Form<ItemPost>,
) -> Response {
    let path = format!("/software/{slug}/roadmap/new");
    let session = match admitted(&s, &viewer, &peer, &headers, &f.tokens.csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let acting = match stewarded(&s, session, lang, &path, &slug).await {
        Ok((_, acting)) => acting,
        Err(r) => return r,
    };
    let form = RoadmapItemForm {
        title: f.title.clone(),
        description: some(&f.description),
        status: f.status.clone(),
        estimated_cost: some(&f.estimated_cost),
        currency: some(&f.currency),
        target_date: some(&f.target_date),
    };
    let written = match form.validate() {
        Ok(fields) => {
            s.store.add_roadmap_item(&author(session, acting.as_deref(), &f.tokens.once), &slug, &fields).await
        }
        Err(e) => Err(e),
    };
    let t = T::new(lang);
    match written {
        Ok(w) => personal(see_other(&format!("/roadmap/{}?done=published", w.record.id))),
        Err(e) => match field_errors(&t, &e, &[]) {
            Some(errors) => {
                item_new_page(&s, session, &headers, &slug, f.fields(), errors, StatusCode::UNPROCESSABLE_ENTITY).await
            }
            None => failed(e),
        },
    }
}

/// What a refused form on the item's page brings back.
#[derive(Default)]
struct ItemRefusal {
    pledge: Option<(PledgeFields, FieldErrors)>,
    need: Option<FieldErrors>,
    edit: Option<(ItemFields, FieldErrors)>,
}

async fn item_page(
    State(s): State<AppState>,
    viewer: Viewer,
    cx: PageContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let t = cx.t();
    let notice = done.done.as_deref().and_then(|d| match d {
        "published" => Some(t.s("contribute.item_published")),
        "saved" => Some(t.s("contribute.saved")),
        "needed" => Some(t.s("contribute.needed")),
        "withdrawn" => Some(t.s("contribute.withdrawn")),
        "pledged" => Some(t.s("contribute.pledged")),
        _ => None,
    });
    show_item(&s, &viewer, &headers, &id, notice.map(str::to_string), ItemRefusal::default()).await
}

async fn show_item(
    s: &AppState,
    viewer: &Viewer,
    headers: &HeaderMap,
    id: &str,
    notice: Option<String>,
    refusal: ItemRefusal,
) -> Response {
    let lang = language(headers);
    let path = format!("/roadmap/{id}");
    let (item, software) = match item_of(s, lang, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let fundings = match s.store.roadmap_item_fundings(item.id).await {
        Ok(f) => f,
        Err(e) => return failed(e),
    };
    let (acting, can_edit, csrf) = match &viewer.0 {
        None => (ActingFor::default(), false, String::new()),
        Some(session) => {
            let acting = match acting_for(s, session).await {
                Ok(a) => a,
                Err(e) => return failed(e),
            };
            let mine = steward_for(s, session, &software).await.unwrap_or_default();
            let can_edit = allowed(auth::EDIT_ROADMAP_ITEM_PAGE, session, mine.as_deref(), None, &software);
            (acting, can_edit, session.csrf.clone())
        }
    };
    let cost = item.estimated_cost;
    let default_edit = ItemFields {
        title: item.title.clone(),
        description: item.body.clone().unwrap_or_default(),
        status: item.status.to_string(),
        estimated_cost: cost.map(|m| m.decimal()).unwrap_or_default(),
        currency: cost.map_or_else(|| "EUR".to_string(), |m| m.currency.code().to_string()),
        target_date: item.target_date.map(|d| d.to_string()).unwrap_or_default(),
    };
    let refused_any = refusal.pledge.is_some() || refusal.need.is_some() || refusal.edit.is_some();
    let (pledge, pledge_errors) = refusal.pledge.unwrap_or_else(|| {
        let currency = cost.map_or_else(|| "EUR".to_string(), |m| m.currency.code().to_string());
        let funder = acting.choices.first().map(|c| c.value.clone()).unwrap_or_default();
        (PledgeFields { funder, amount: String::new(), currency }, FieldErrors::default())
    });
    let (edit, edit_errors) = refusal.edit.unwrap_or((default_edit, FieldErrors::default()));
    let view = RoadmapItemPage {
        chrome: Chrome::new(lang, path, item.title.clone(), "roadmaps"),
        software: (software.slug.clone(), software.name.clone()),
        item: super::records::roadmap_view(&item, None, s.store.exchange_rates()),
        fundings: fundings.iter().map(super::records::funding_row).collect(),
        signed_in: viewer.0.is_some(),
        acting,
        can_edit,
        can_hide: viewer.0.as_ref().is_some_and(|v| v.user.site_admin),
        pledge,
        pledge_errors,
        need_errors: refusal.need.unwrap_or_default(),
        edit,
        edit_errors,
        notice,
        csrf,
        once: once(),
    };
    let status = if refused_any { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let mut response = page(lang, status, &view);
    if viewer.0.is_none() {
        // Nobody's own: the anonymous page may be kept.
        response.headers_mut().remove(axum::http::header::CACHE_CONTROL);
    }
    response
}

async fn item_of(s: &AppState, lang: Lang, id: &str) -> Result<(catalog::RoadmapItem, Software), Response> {
    let Ok(id) = id.parse::<i64>() else {
        return Err(failed(catalog::Error::not_found("roadmap item", id)));
    };
    let item = match s.store.roadmap_item(id).await {
        Ok(i) => i,
        Err(e) => return Err(missing(s, lang, Hideable::RoadmapItem, id, e).await),
    };
    let software = s.store.software(&item.software).await.map_err(failed)?;
    Ok((item, software))
}

async fn edit_item(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<ItemPost>,
) -> Response {
    let path = format!("/roadmap/{id}");
    let session = match admitted(&s, &viewer, &peer, &headers, &f.tokens.csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let (item, software) = match item_of(&s, lang, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mine = steward_for(&s, session, &software).await.unwrap_or_default();
    if !allowed(auth::EDIT_ROADMAP_ITEM_PAGE, session, mine.as_deref(), None, &software) {
        return forbidden(lang, &path, &session.user.handle);
    }
    let edit = RoadmapItemEdit {
        title: Some(f.title.clone()),
        description: Some(some(&f.description)),
        status: Some(f.status.clone()),
        estimated_cost: Some(some(&f.estimated_cost)),
        currency: some(&f.currency),
        target_date: Some(some(&f.target_date)),
    };
    let written = match edit.validate() {
        Ok(change) => {
            let acting = if session.user.site_admin { None } else { mine.as_deref() };
            s.store.edit_roadmap_item(&author(session, acting, &f.tokens.once), item.id, &change).await
        }
        Err(e) => Err(e),
    };
    let t = T::new(lang);
    match written {
        Ok(_) => personal(see_other(&format!("/roadmap/{}?done=saved", item.id))),
        Err(e) => match field_errors(&t, &e, &[]) {
            Some(errors) => {
                let refusal = ItemRefusal { edit: Some((f.fields(), errors)), ..ItemRefusal::default() };
                show_item(&s, &viewer, &headers, &id, None, refusal).await
            }
            None => failed(e),
        },
    }
}

#[derive(Deserialize, Default)]
struct NeedPost {
    #[serde(flatten)]
    tokens: Tokens,
    #[serde(default)]
    organisation: String,
}

async fn need_item(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<NeedPost>,
) -> Response {
    need_or_not(&s, &viewer, &peer, &headers, &id, &f, true).await
}

/// Takes back the need of one of the person's organisations.
async fn withdraw_need(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<NeedPost>,
) -> Response {
    need_or_not(&s, &viewer, &peer, &headers, &id, &f, false).await
}

/// "We need this too" (`need`), or taking it back, for the organisation the form names.
async fn need_or_not(
    s: &AppState,
    viewer: &Viewer,
    peer: &Peer,
    headers: &HeaderMap,
    id: &str,
    f: &NeedPost,
    need: bool,
) -> Response {
    let path = format!("/roadmap/{id}");
    let session = match admitted(s, viewer, peer, headers, &f.tokens.csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = language(headers);
    let (item, _) = match item_of(s, lang, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let done = match acting(s, session, &f.organisation).await {
        Ok((org, acting_slug)) => {
            let author = author(session, acting_slug.as_deref(), &f.tokens.once);
            if need {
                s.store.need_roadmap_item(&author, item.id, &org).await.map(|_| "needed")
            } else {
                s.store.withdraw_need(&author, item.id, &org).await.map(|_| "withdrawn")
            }
        }
        Err(e) => Err(e),
    };
    let t = T::new(lang);
    match done {
        Ok(done) => personal(see_other(&format!("/roadmap/{}?done={done}", item.id))),
        Err(e) => match field_errors(&t, &e, &[]) {
            Some(errors) => {
                let refusal = ItemRefusal { need: Some(errors), ..ItemRefusal::default() };
                show_item(s, viewer, headers, id, None, refusal).await
            }
            None => failed(e),
        },
    }
}

#[derive(Deserialize, Default)]
struct PledgePost {
    #[serde(flatten)]
    tokens: Tokens,
    #[serde(default)]
    funder: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
}

async fn pledge(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<PledgePost>,
) -> Response {
    let path = format!("/roadmap/{id}");
    let session = match admitted(&s, &viewer, &peer, &headers, &f.tokens.csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let (item, _) = match item_of(&s, lang, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let today = chrono::Utc::now().date_naive();
    let written = match acting(&s, session, &f.funder).await {
        Ok((funder, acting_slug)) => {
            let form =
                PledgeForm { funder: None, amount: f.amount.clone(), currency: f.currency.clone(), evidence_url: None };
            match form.validate(item.id, today) {
                Ok(r) => {
                    let author = author(session, acting_slug.as_deref(), &f.tokens.once);
                    s.store.record_funding(&author, &item.software, &funder, &r).await
                }
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    let t = T::new(lang);
    match written {
        Ok(_) => personal(see_other(&format!("/roadmap/{}?done=pledged", item.id))),
        Err(e) => match field_errors(&t, &e, &[("organisation", "funder")]) {
            Some(errors) => {
                let values = PledgeFields { funder: f.funder, amount: f.amount, currency: f.currency };
                let refusal = ItemRefusal { pledge: Some((values, errors)), ..ItemRefusal::default() };
                show_item(&s, &viewer, &headers, &id, None, refusal).await
            }
            None => failed(e),
        },
    }
}

// ---- histories --------------------------------------------------------------------------

#[derive(Deserialize)]
struct HistoryQuery {
    offset: Option<i64>,
}

const HISTORY_PAGE: i64 = 50;

async fn software_history(
    State(s): State<AppState>,
    cx: PageContext,
    Path(slug): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Response {
    let lang = cx.lang;
    let path = format!("/software/{slug}/history");
    let name = match s.store.software(&slug).await {
        Ok(sw) => sw.name,
        Err(e) => return failed(e),
    };
    history_page(&s, lang, &path, HistoryOf::Software(&slug), (format!("/software/{slug}"), name), q.offset).await
}

async fn organisation_history(
    State(s): State<AppState>,
    cx: PageContext,
    Path(slug): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Response {
    let lang = cx.lang;
    let path = format!("/organisations/{slug}/history");
    let name = match s.store.organisation(&slug).await {
        Ok(o) => o.name,
        Err(e) => return failed(e),
    };
    history_page(&s, lang, &path, HistoryOf::Organisation(&slug), (format!("/organisations/{slug}"), name), q.offset)
        .await
}

async fn item_history(
    State(s): State<AppState>,
    cx: PageContext,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Response {
    let lang = cx.lang;
    let path = format!("/roadmap/{id}/history");
    let (item, _) = match item_of(&s, lang, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    history_page(
        &s,
        lang,
        &path,
        HistoryOf::RoadmapItem(item.id),
        (format!("/roadmap/{}", item.id), item.title),
        q.offset,
    )
    .await
}

async fn history_page(
    s: &AppState,
    lang: Lang,
    path: &str,
    of: HistoryOf<'_>,
    record: (String, String),
    offset: Option<i64>,
) -> Response {
    let offset = offset.unwrap_or(0).max(0);
    let events = match s.store.history_of(of, HISTORY_PAGE, offset).await {
        Ok(e) => e,
        Err(e) => return failed(e),
    };
    let t = T::new(lang);
    let at = |n: i64| format!("{path}?offset={n}");
    let view = HistoryPage {
        chrome: Chrome::new(lang, path, t.fill("contribute.history_title", &record.1), ""),
        record,
        events: events.items.iter().map(|e| event_row(&t, e)).collect(),
        total: events.total,
        newer: (offset > 0).then(|| at((offset - HISTORY_PAGE).max(0))),
        older: (offset + HISTORY_PAGE < events.total).then(|| at(offset + HISTORY_PAGE)),
    };
    super::html(lang, &view)
}

/// A change as a history shows it: what, by whom, and each field it touched.
pub fn event_row(t: &T, e: &AuditEvent) -> EventRow {
    let parse = |s: &Option<String>| s.as_deref().and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok());
    let (before, after) = (parse(&e.before), parse(&e.after));
    let record = after.as_ref().or(before.as_ref());
    let field = |name: &str| record.and_then(|r| r.get(name)).and_then(|v| v.as_str()).map(str::to_string);
    let id = record.and_then(|r| r.get("id")).and_then(|v| v.as_i64());
    let (what, href) = match e.entity.as_str() {
        "adoption" => (
            format!(
                "{} · {} → {}",
                t.word("entity", "adoption"),
                field("organisation_name").unwrap_or_default(),
                field("software_name").unwrap_or_default()
            ),
            id.map(|id| format!("/adoptions/{id}")),
        ),
        "funding" => (format!("{} · {}", t.word("entity", "funding"), field("funder_name").unwrap_or_default()), None),
        "roadmap_item" => (
            format!("{} · {}", t.word("entity", "roadmap_item"), field("title").unwrap_or_default()),
            id.map(|id| format!("/roadmap/{id}")),
        ),
        other => (format!("{} · {}", t.word("entity", other), e.entity_key), None),
    };
    EventRow {
        at: e.at.format("%Y-%m-%d %H:%M UTC").to_string(),
        actor: e.actor.clone(),
        acting_for: e.acting_for.clone(),
        action: t.word("change", &e.action),
        what,
        href,
        changes: changes(before.as_ref(), after.as_ref()),
    }
}

/// The fields whose values differ between two records, for a history (derived names and
/// the records' own identity left out).
fn changes(before: Option<&serde_json::Value>, after: Option<&serde_json::Value>) -> Vec<FieldChange> {
    const SKIP: [&str; 9] = [
        "id",
        "software",
        "software_name",
        "organisation",
        "organisation_kind",
        "funder_kind",
        "amount_decimal",
        "demo",
        "slug",
    ];
    let (Some(serde_json::Value::Object(b)), Some(serde_json::Value::Object(a))) = (before, after) else {
        return Vec::new();
    };
    let show = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    a.iter()
        .filter(|(k, _)| !SKIP.contains(&k.as_str()))
        .filter(|(k, v)| b.get(k.as_str()) != Some(v))
        .map(|(k, v)| FieldChange { field: k.clone(), before: show(b.get(k.as_str())), after: show(Some(v)) })
        .collect()
}

// ---- what a person's organisations are asked ---------------------------------------------

fn waiting(a: &Adoption) -> web::WaitingAdoption {
    web::WaitingAdoption {
        id: a.id,
        software: (a.software.clone(), a.software_name.clone()),
        organisation: (a.organisation.clone(), a.organisation_name.clone()),
        since: a.since,
        status: a.status.to_string(),
        check_due: a.check_due,
    }
}

/// How many days back the account page shows the needs and pledges of one's roadmaps.
const NEWS_DAYS: i64 = 30;

/// For the account page: the adoptions of software the person's organisations maintain that
/// wait for confirmation, their own adoptions due for a check, and the recent needs and
/// pledges on their roadmaps.
pub(super) async fn asked_of(
    s: &AppState,
    t: &T,
    memberships: &[catalog::Membership],
) -> Result<web::AskedOfMe, catalog::Error> {
    let today = chrono::Utc::now().date_naive();
    let since = chrono::Utc::now() - chrono::Duration::days(NEWS_DAYS);
    let mut asked = web::AskedOfMe::default();
    for m in memberships {
        let slug = &m.organisation.slug;
        asked
            .to_confirm
            .extend(s.store.adoptions_to_confirm(slug).await?.iter().filter(|a| &a.organisation != slug).map(waiting));
        asked.to_check.extend(s.store.adoptions_to_check(slug, today).await?.iter().map(waiting));
        asked.roadmap_news.extend(s.store.roadmap_news(slug, since).await?.iter().map(|e| event_row(t, e)));
    }
    // One software maintained by two of the person's organisations is asked once.
    asked.to_confirm.sort_by_key(|a| a.id);
    asked.to_confirm.dedup_by_key(|a| a.id);
    Ok(asked)
}

// ---- moderation -------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct HidePost {
    #[serde(flatten)]
    tokens: Tokens,
    #[serde(default)]
    reason: String,
}

/// A site administrator hides a record; then its page says it is gone, and why.
async fn hide_record(
    s: &AppState,
    viewer: &Viewer,
    peer: &Peer,
    headers: &HeaderMap,
    f: HidePost,
    what: Hideable,
    id: &str,
) -> Response {
    let page = if what == Hideable::Adoption { "adoptions" } else { "roadmap" };
    let path = &format!("/{page}/{id}");
    let session = match admitted(s, viewer, peer, headers, &f.tokens.csrf, path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = language(headers);
    if !session.user.site_admin {
        return forbidden(lang, path, &session.user.handle);
    }
    let Ok(id) = id.parse::<i64>() else {
        return failed(catalog::Error::not_found("record", id));
    };
    match s.store.hide(&author(session, None, &f.tokens.once), what, id, &f.reason).await {
        Ok(_) => personal(see_other(path)),
        Err(catalog::Error::Invalid { .. }) => {
            refused(Error::BadRequest(T::new(lang).s("form_error.reason").to_string()))
        }
        Err(e) => missing(s, lang, what, id, e).await,
    }
}

async fn hide_adoption(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<HidePost>,
) -> Response {
    hide_record(&s, &viewer, &peer, &headers, f, Hideable::Adoption, &id).await
}

async fn hide_item(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<HidePost>,
) -> Response {
    hide_record(&s, &viewer, &peer, &headers, f, Hideable::RoadmapItem, &id).await
}

// ---- the software's record --------------------------------------------------------------

fn record_fields(sw: &Software) -> web::SoftwareFields {
    let text = |m: &std::collections::BTreeMap<String, String>, lang: &str| m.get(lang).cloned().unwrap_or_default();
    web::SoftwareFields {
        summary_fr: text(&sw.summary, "fr"),
        summary_en: text(&sw.summary, "en"),
        description_fr: text(&sw.description, "fr"),
        description_en: text(&sw.description, "en"),
        website: sw.website.clone().unwrap_or_default(),
        maturity: sw.maturity.clone(),
    }
}

/// What a refused form of the record's page brings back.
#[derive(Default)]
struct RecordRefusal {
    record: Option<(web::SoftwareFields, FieldErrors)>,
    repository: Option<(String, FieldErrors)>,
}

async fn record_form(
    State(s): State<AppState>,
    viewer: Viewer,
    cx: PageContext,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let path = format!("/software/{slug}/edit");
    let Some(session) = &viewer.0 else { return to_login(&path) };
    let t = cx.t();
    let notice = done.done.as_deref().and_then(|d| match d {
        "saved" => Some(t.s("contribute.saved").to_string()),
        "repository" => Some(t.s("edit_software.repository_added").to_string()),
        _ => None,
    });
    record_page(&s, session, &headers, &slug, notice, RecordRefusal::default()).await
}

async fn record_page(
    s: &AppState,
    session: &Session,
    headers: &HeaderMap,
    slug: &str,
    notice: Option<String>,
    refusal: RecordRefusal,
) -> Response {
    let lang = language(headers);
    let path = format!("/software/{slug}/edit");
    let software = match stewarded(s, session, lang, &path, slug).await {
        Ok((sw, _)) => sw,
        Err(r) => return r,
    };
    let t = T::new(lang);
    let status = if refusal.record.is_some() || refusal.repository.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (values, errors) = refusal.record.unwrap_or_else(|| (record_fields(&software), FieldErrors::default()));
    let (repository, repository_errors) = refusal.repository.unwrap_or_default();
    let view = web::SoftwareEditPage {
        chrome: Chrome::new(lang, path, t.fill("edit_software.title", &software.name), ""),
        software: (software.slug.clone(), software.name.clone()),
        values,
        errors,
        repositories: software.repositories.iter().map(|r| r.url.clone()).collect(),
        repository,
        repository_errors,
        notice,
        csrf: session.csrf.clone(),
        once: once(),
    };
    page(lang, status, &view)
}

#[derive(Deserialize, Default)]
struct RecordPost {
    #[serde(flatten)]
    tokens: Tokens,
    #[serde(default)]
    summary_fr: String,
    #[serde(default)]
    summary_en: String,
    #[serde(default)]
    description_fr: String,
    #[serde(default)]
    description_en: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    maturity: String,
}

async fn edit_record(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(f): Form<RecordPost>,
) -> Response {
    let path = format!("/software/{slug}/edit");
    let session = match admitted(&s, &viewer, &peer, &headers, &f.tokens.csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    let acting = match stewarded(&s, session, lang, &path, &slug).await {
        Ok((_, acting)) => acting,
        Err(r) => return r,
    };
    let edit = catalog::contribution::SoftwareEdit {
        summary_fr: Some(some(&f.summary_fr)),
        summary_en: Some(some(&f.summary_en)),
        description_fr: Some(some(&f.description_fr)),
        description_en: Some(some(&f.description_en)),
        website: Some(some(&f.website)),
        maturity: some(&f.maturity),
    };
    let written = match edit.validate() {
        Ok(change) => s.store.edit_software(&author(session, acting.as_deref(), &f.tokens.once), &slug, &change).await,
        Err(e) => Err(e),
    };
    let t = T::new(lang);
    match written {
        Ok(_) => personal(see_other(&format!("/software/{slug}/edit?done=saved"))),
        Err(e) => {
            let errors = match &e {
                catalog::Error::Invalid { field, .. } => {
                    FieldErrors(vec![(field.clone(), t.s("form_error.invalid").into())])
                }
                catalog::Error::Fields(all) => {
                    FieldErrors(all.iter().map(|(f, _)| (f.clone(), t.s("form_error.invalid").into())).collect())
                }
                _ => return failed(e),
            };
            let values = web::SoftwareFields {
                summary_fr: f.summary_fr,
                summary_en: f.summary_en,
                description_fr: f.description_fr,
                description_en: f.description_en,
                website: f.website,
                maturity: f.maturity,
            };
            let refusal = RecordRefusal { record: Some((values, errors)), ..RecordRefusal::default() };
            record_page(&s, session, &headers, &slug, None, refusal).await
        }
    }
}

#[derive(Deserialize, Default)]
struct RepositoryPost {
    #[serde(flatten)]
    tokens: Tokens,
    #[serde(default)]
    url: String,
}

/// Adds a repository through the same address check as the API; the next harvest reads it.
async fn add_repository(
    State(s): State<AppState>,
    viewer: Viewer,
    peer: Peer,
    cx: PageContext,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Form(f): Form<RepositoryPost>,
) -> Response {
    let path = format!("/software/{slug}/edit");
    let session = match admitted(&s, &viewer, &peer, &headers, &f.tokens.csrf, &path) {
        Ok(session) => session,
        Err(r) => return r,
    };
    let lang = cx.lang;
    if let Err(r) = stewarded(&s, session, lang, &path, &slug).await {
        return r;
    }
    let actor = Actor::User { handle: session.user.handle.clone(), token: None };
    match s.store.add_repository(&actor, &slug, &f.url).await {
        Ok(_) => personal(see_other(&format!("/software/{slug}/edit?done=repository"))),
        Err(catalog::Error::Invalid { .. } | catalog::Error::Conflict { .. }) => {
            let t = T::new(lang);
            let errors = FieldErrors(vec![("url".into(), t.s("edit_software.url").into())]);
            let refusal = RecordRefusal { repository: Some((f.url, errors)), ..RecordRefusal::default() };
            record_page(&s, session, &headers, &slug, None, refusal).await
        }
        Err(e) => failed(e),
    }
}
