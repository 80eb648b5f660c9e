//! Who may write, and what each write route needs.
//!
//! Every write of the API takes a `Writer`, which only a live token with the write scope
//! makes (`Authorization: Bearer TOKEN`): the operator's (made with `communs token create`),
//! which answers for the whole site, or a person's, which acts with that person's role in
//! one organisation, read again at every use. No address, local or not, is trusted
//! instead: behind a reverse proxy every visitor comes from loopback. The pages' writes take
//! a signed-in session instead (`crate::session`). `WRITE_ROUTES` is the one list of the
//! routes that write and of what each needs; a test walks it.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use catalog::{Actor, OrgRef, Role, TokenHolder, User};

use crate::api::AppState;
use crate::error::Error;

/// What a write route asks of its caller, beyond being known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Acting for one of the software's maintainers or its publisher.
    SoftwareMaintainer,
    /// Acting for an organisation: new records; changing another's needs `SoftwareMaintainer`.
    AnyOrganisation,
    /// Acting for the organisation a record belongs to: an adoption's adopter, a funding's
    /// funder, an organisation a question was sent to.
    RecordOwner,
    /// Acting for one of the software's maintainers (which confirms an adoption) or for the
    /// adopter (which says it is still in use).
    MaintainerOrAdopter,
    /// Signed in: a page of one's own (account, tokens, requests to join).
    SignedIn,
    /// An admin of the organisation the route names.
    OrganisationAdmin,
    /// A site administrator.
    SiteAdmin,
}

/// A route that writes, with what it needs.
#[derive(Debug, Clone, Copy)]
pub struct WriteRoute {
    pub method: &'static str,
    /// The route as the router declares it.
    pub path: &'static str,
    pub needs: Need,
}

pub const ADD_REPOSITORY: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/software/{slug}/repositories", needs: Need::SoftwareMaintainer };
pub const IMPORT_PUBLICCODE: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/import/publiccode", needs: Need::AnyOrganisation };
pub const DECLARE_ADOPTION: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/software/{slug}/adoptions", needs: Need::AnyOrganisation };
pub const EDIT_ADOPTION: WriteRoute =
    WriteRoute { method: "PATCH", path: "/api/v1/adoptions/{id}", needs: Need::RecordOwner };
pub const CONFIRM_ADOPTION: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/adoptions/{id}/confirm", needs: Need::MaintainerOrAdopter };
pub const END_ADOPTION: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/adoptions/{id}/end", needs: Need::RecordOwner };
pub const RECORD_FUNDING: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/software/{slug}/fundings", needs: Need::AnyOrganisation };
pub const EDIT_FUNDING: WriteRoute =
    WriteRoute { method: "PATCH", path: "/api/v1/fundings/{id}", needs: Need::RecordOwner };
pub const ADD_ROADMAP_ITEM: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/software/{slug}/roadmap", needs: Need::SoftwareMaintainer };
pub const EDIT_ROADMAP_ITEM: WriteRoute =
    WriteRoute { method: "PATCH", path: "/api/v1/roadmap/{id}", needs: Need::SoftwareMaintainer };
pub const NEED_ROADMAP_ITEM: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/roadmap/{id}/needs", needs: Need::AnyOrganisation };
pub const WITHDRAW_NEED: WriteRoute =
    WriteRoute { method: "DELETE", path: "/api/v1/roadmap/{id}/needs/{organisation}", needs: Need::AnyOrganisation };
pub const PLEDGE: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/roadmap/{id}/pledges", needs: Need::AnyOrganisation };
pub const DECLARE_ADOPTION_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/software/{slug}/adopt", needs: Need::AnyOrganisation };
pub const EDIT_ADOPTION_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/adoptions/{id}", needs: Need::RecordOwner };
pub const CONFIRM_ADOPTION_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/adoptions/{id}/confirm", needs: Need::MaintainerOrAdopter };
pub const END_ADOPTION_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/adoptions/{id}/end", needs: Need::RecordOwner };
pub const RECORD_FUNDING_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/software/{slug}/fund", needs: Need::AnyOrganisation };
pub const ADD_ROADMAP_ITEM_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/software/{slug}/roadmap/new", needs: Need::SoftwareMaintainer };
pub const EDIT_ROADMAP_ITEM_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/roadmap/{id}", needs: Need::SoftwareMaintainer };
pub const NEED_ROADMAP_ITEM_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/roadmap/{id}/needs", needs: Need::AnyOrganisation };
pub const WITHDRAW_NEED_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/roadmap/{id}/needs/withdraw", needs: Need::AnyOrganisation };
pub const PLEDGE_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/roadmap/{id}/pledges", needs: Need::AnyOrganisation };
pub const HIDE_ADOPTION: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/adoptions/{id}/hide", needs: Need::SiteAdmin };
pub const HIDE_FUNDING: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/fundings/{id}/hide", needs: Need::SiteAdmin };
pub const HIDE_ROADMAP_ITEM: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/roadmap/{id}/hide", needs: Need::SiteAdmin };
pub const HIDE_ADOPTION_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/adoptions/{id}/hide", needs: Need::SiteAdmin };
pub const HIDE_ROADMAP_ITEM_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/roadmap/{id}/hide", needs: Need::SiteAdmin };
pub const PROPOSE: WriteRoute = WriteRoute { method: "POST", path: "/api/v1/proposals", needs: Need::SignedIn };
pub const ACCEPT_PROPOSAL: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/proposals/{id}/accept", needs: Need::SiteAdmin };
pub const REJECT_PROPOSAL: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/proposals/{id}/reject", needs: Need::SiteAdmin };
pub const PROPOSE_PAGE: WriteRoute = WriteRoute { method: "POST", path: "/propose", needs: Need::SignedIn };
pub const DECIDE_PROPOSAL_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/admin/proposals/{id}", needs: Need::SiteAdmin };
pub const EDIT_SOFTWARE: WriteRoute =
    WriteRoute { method: "PATCH", path: "/api/v1/software/{slug}", needs: Need::SoftwareMaintainer };
pub const EDIT_SOFTWARE_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/software/{slug}/edit", needs: Need::SoftwareMaintainer };
pub const ADD_REPOSITORY_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/software/{slug}/repositories", needs: Need::SoftwareMaintainer };
pub const CREATE_TOKEN: WriteRoute = WriteRoute { method: "POST", path: "/account/tokens", needs: Need::SignedIn };
pub const REVOKE_TOKEN: WriteRoute =
    WriteRoute { method: "POST", path: "/account/tokens/{name}/revoke", needs: Need::SignedIn };
pub const REQUEST_MEMBERSHIP: WriteRoute =
    WriteRoute { method: "POST", path: "/account/requests", needs: Need::SignedIn };
pub const LEAVE_ORGANISATION: WriteRoute =
    WriteRoute { method: "POST", path: "/account/organisations/{slug}/leave", needs: Need::SignedIn };
pub const DECIDE_REQUEST: WriteRoute =
    WriteRoute { method: "POST", path: "/requests/{id}", needs: Need::OrganisationAdmin };
pub const SET_ROLE: WriteRoute =
    WriteRoute { method: "POST", path: "/organisations/{slug}/people/{handle}", needs: Need::OrganisationAdmin };
pub const SET_SITE_ADMIN: WriteRoute =
    WriteRoute { method: "POST", path: "/admin/site-admins", needs: Need::SiteAdmin };

pub const ASK_QUESTION: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/software/{slug}/questions", needs: Need::AnyOrganisation };
pub const ANSWER_QUESTION: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/questions/{id}/answers", needs: Need::RecordOwner };
pub const ASK_QUESTION_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/software/{slug}/ask", needs: Need::AnyOrganisation };
pub const ANSWER_QUESTION_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/questions/{id}/answers", needs: Need::RecordOwner };
pub const ANSWERS_QUESTIONS_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/account/organisations/{slug}/questions", needs: Need::SignedIn };

pub const ADD_WEBHOOK_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/organisations/{slug}/webhooks", needs: Need::OrganisationAdmin };
pub const REMOVE_WEBHOOK_PAGE: WriteRoute =
    WriteRoute { method: "POST", path: "/organisations/{slug}/webhooks/{id}/remove", needs: Need::OrganisationAdmin };
pub const ADD_WEBHOOK: WriteRoute =
    WriteRoute { method: "POST", path: "/api/v1/organisations/{slug}/webhooks", needs: Need::OrganisationAdmin };
pub const REMOVE_WEBHOOK: WriteRoute =
    WriteRoute { method: "DELETE", path: "/api/v1/organisations/{slug}/webhooks/{id}", needs: Need::OrganisationAdmin };

/// The routes that record what organisations declare, fund and plan, through the API and
/// the pages.
pub const CONTRIBUTION_ROUTES: &[WriteRoute] = &[
    DECLARE_ADOPTION,
    EDIT_ADOPTION,
    CONFIRM_ADOPTION,
    END_ADOPTION,
    RECORD_FUNDING,
    EDIT_FUNDING,
    ADD_ROADMAP_ITEM,
    EDIT_ROADMAP_ITEM,
    NEED_ROADMAP_ITEM,
    WITHDRAW_NEED,
    PLEDGE,
    DECLARE_ADOPTION_PAGE,
    EDIT_ADOPTION_PAGE,
    CONFIRM_ADOPTION_PAGE,
    END_ADOPTION_PAGE,
    RECORD_FUNDING_PAGE,
    ADD_ROADMAP_ITEM_PAGE,
    EDIT_ROADMAP_ITEM_PAGE,
    NEED_ROADMAP_ITEM_PAGE,
    WITHDRAW_NEED_PAGE,
    PLEDGE_PAGE,
    HIDE_ADOPTION,
    HIDE_FUNDING,
    HIDE_ROADMAP_ITEM,
    HIDE_ADOPTION_PAGE,
    HIDE_ROADMAP_ITEM_PAGE,
    PROPOSE,
    ACCEPT_PROPOSAL,
    REJECT_PROPOSAL,
    PROPOSE_PAGE,
    DECIDE_PROPOSAL_PAGE,
    EDIT_SOFTWARE,
    EDIT_SOFTWARE_PAGE,
    ADD_REPOSITORY_PAGE,
];

/// The operator's and the maintainers' imports and repositories.
pub const CATALOG_ROUTES: &[WriteRoute] = &[ADD_REPOSITORY, IMPORT_PUBLICCODE];

/// People's own accounts, organisations' people and the site's administrators. Signing in
/// and out (`/login/...`, `/logout`) is not listed: it writes a session, not the catalog,
/// and is open to all (with its own CSRF check).
pub const ACCOUNT_ROUTES: &[WriteRoute] =
    &[CREATE_TOKEN, REVOKE_TOKEN, REQUEST_MEMBERSHIP, LEAVE_ORGANISATION, DECIDE_REQUEST, SET_ROLE, SET_SITE_ADMIN];

/// Asking the adopters a question and answering one, and saying one answers them.
pub const QUESTION_ROUTES: &[WriteRoute] =
    &[ASK_QUESTION, ANSWER_QUESTION, ASK_QUESTION_PAGE, ANSWER_QUESTION_PAGE, ANSWERS_QUESTIONS_PAGE];

/// An organisation's webhooks, which its admins manage.
pub const WEBHOOK_ROUTES: &[WriteRoute] = &[ADD_WEBHOOK_PAGE, REMOVE_WEBHOOK_PAGE, ADD_WEBHOOK, REMOVE_WEBHOOK];

/// Every route that writes, in its five parts.
pub const WRITE_ROUTES: [&[WriteRoute]; 5] =
    [CATALOG_ROUTES, CONTRIBUTION_ROUTES, ACCOUNT_ROUTES, QUESTION_ROUTES, WEBHOOK_ROUTES];

/// Every route that writes, one after the other.
pub fn write_routes() -> impl Iterator<Item = &'static WriteRoute> {
    WRITE_ROUTES.into_iter().flatten()
}

/// A caller that showed a live token allowed to write.
#[derive(Debug, Clone)]
pub struct Writer {
    pub holder: TokenHolder,
}

impl Writer {
    /// Who the audit log says made the change.
    pub fn actor(&self) -> Actor {
        match &self.holder.user {
            None => Actor::Token(self.holder.token.name.clone()),
            Some(user) => Actor::User { handle: user.handle.clone(), token: Some(self.holder.token.name.clone()) },
        }
    }

    /// The token, as the logs name it.
    pub fn label(&self) -> String {
        self.actor().label()
    }

    /// The organisation a person's token acts for; `None` for the operator's tokens and a
    /// site administrator's, which answer for the whole site.
    pub fn acting_for(&self) -> Option<&str> {
        match &self.holder.user {
            Some(user) if !user.site_admin => self.holder.token.organisation.as_deref(),
            _ => None,
        }
    }

    /// Refuses unless the writer answers for the site or acts for one of `organisations`.
    pub fn may_act_for(&self, route: WriteRoute, organisations: &[&OrgRef]) -> Result<(), Error> {
        let Some(mine) = self.acting_for() else { return Ok(()) };
        if route.needs == Need::AnyOrganisation || organisations.iter().any(|o| o.slug == mine) {
            return Ok(());
        }
        let names: Vec<&str> = organisations.iter().map(|o| o.slug.as_str()).collect();
        Err(forbidden(if names.is_empty() {
            format!("the token acts for {mine}; only the operator or a site administrator may change this record")
        } else {
            format!("the token acts for {mine}; this route needs a member of {}", names.join(" or "))
        }))
    }
}

/// Whether `user`, with `role` in the organisation a route names, may use it.
pub fn allows(route: WriteRoute, user: &User, role: Option<Role>) -> bool {
    match route.needs {
        Need::SignedIn => true,
        _ if user.site_admin => true,
        Need::SiteAdmin => false,
        Need::OrganisationAdmin => role == Some(Role::Admin),
        Need::SoftwareMaintainer | Need::AnyOrganisation | Need::RecordOwner | Need::MaintainerOrAdopter => {
            role.is_some()
        }
    }
}

fn unauthorized(detail: &str) -> Error {
    Error::Unauthorized(detail.to_string())
}

fn forbidden(detail: String) -> Error {
    Error::forbidden(Some("Authorization"), detail)
}

/// The secret of an `Authorization: Bearer` header: `None` without the header, an error
/// when it is not of that form.
pub fn bearer(parts: &Parts) -> Result<Option<&str>, Error> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else { return Ok(None) };
    value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|v| Some(v.trim()))
        .ok_or_else(|| unauthorized("the Authorization header must read: Bearer TOKEN"))
}

/// The path the client asked for: under `nest` the request's own is the API's.
pub fn asked_path(parts: &Parts) -> String {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| parts.uri.path().to_string(), |o| o.0.path().to_string())
}

impl FromRequestParts<AppState> for Writer {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Writer, Error> {
        let path = asked_path(parts);
        if let Err(retry) = state.limits.write(&crate::ratelimit::client_key(parts)) {
            return Err(crate::ratelimit::too_many(retry));
        }
        let secret = match bearer(parts) {
            Ok(Some(secret)) => secret,
            Ok(None) => {
                tracing::warn!(%path, "write without a token refused");
                return Err(unauthorized(
                    "this route writes: send Authorization: Bearer TOKEN, with a personal token made on your account \
                     page or one the operator made with `communs token create`",
                ));
            }
            Err(problem) => {
                tracing::warn!(%path, "write with a malformed Authorization header refused");
                return Err(problem);
            }
        };
        let holder = state.store.authenticate_token(secret, chrono::Utc::now()).await?.ok_or_else(|| {
            tracing::warn!(%path, "write with an unknown, revoked or expired token refused");
            unauthorized("the token is unknown, revoked or expired, or its person no longer acts for its organisation")
        })?;
        let writer = Writer { holder };
        if !writer.holder.token.scope.allows_writes() {
            tracing::warn!(%path, token = %writer.label(), "write with a read-only token refused");
            return Err(forbidden(format!(
                "the token {} may read only; this route needs a token with the write scope",
                writer.holder.token.name
            )));
        }
        if let Some(user) = &writer.holder.user {
            if let Err(retry) = state.limits.account(user.id) {
                return Err(crate::ratelimit::too_many(retry));
            }
        }
        tracing::info!(%path, token = %writer.label(), "write by token");
        Ok(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_write_route_is_listed_once() {
        let mut seen = std::collections::BTreeSet::new();
        for r in write_routes() {
            assert!(seen.insert((r.method, r.path)), "{} {} is listed twice", r.method, r.path);
        }
        assert!(
            seen.len()
                >= CONTRIBUTION_ROUTES.len()
                    + ACCOUNT_ROUTES.len()
                    + CATALOG_ROUTES.len()
                    + QUESTION_ROUTES.len()
                    + WEBHOOK_ROUTES.len()
        );
    }
}
