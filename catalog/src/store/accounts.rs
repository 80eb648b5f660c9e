//! People in the database: who signed in, the organisations they act for, and the requests
//! to join one. No page of the catalog shows them, so their writes leave the catalog's
//! version (and the caches keyed on it) alone.

use chrono::{DateTime, Utc};

use super::adoptions::slug_of;
use super::{q, Store, Tx};
use crate::account::{self, Identity, JoinOutcome, Member, Membership, MembershipRequest, RequestStatus, Role, User};
use crate::error::{Error, Result};
use crate::model::{Actor, OrgKey, OrgRef};

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    handle: Option<String>,
    name: String,
    email: Option<String>,
    email_verified: bool,
    site_admin: bool,
    created_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
}

impl UserRow {
    pub(crate) fn user(self) -> User {
        User {
            id: self.id,
            handle: self.handle.unwrap_or_else(|| format!("user-{}", self.id)),
            name: self.name,
            email: self.email,
            email_verified: self.email_verified,
            site_admin: self.site_admin,
            created_at: self.created_at,
            last_login_at: self.last_login_at,
        }
    }
}

/// handle, name, email, role, since
type PersonRow = (Option<String>, String, Option<String>, String, DateTime<Utc>);

pub(crate) const USER_COLUMNS: &str =
    "u.id, u.handle, u.name, u.email, u.email_verified, u.site_admin, u.created_at, u.last_login_at";

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: i64,
    handle: Option<String>,
    name: String,
    email: Option<String>,
    email_verified: bool,
    slug: String,
    org_name: String,
    kind: String,
    country: String,
    message: String,
    status: String,
    created_at: DateTime<Utc>,
    decided_at: Option<DateTime<Utc>>,
}

impl RequestRow {
    fn request(self) -> MembershipRequest {
        MembershipRequest {
            id: self.id,
            handle: self.handle.unwrap_or_default(),
            name: self.name,
            email: self.email,
            email_verified: self.email_verified,
            organisation: OrgRef { slug: self.slug, name: self.org_name, kind: self.kind, country: self.country },
            message: self.message,
            status: RequestStatus::parse(&self.status),
            created_at: self.created_at,
            decided_at: self.decided_at,
        }
    }
}

const REQUEST_SELECT: &str = "SELECT r.id, u.handle, u.name, u.email, u.email_verified, o.slug, o.name AS org_name, \
     o.kind, o.country, r.message, r.status, r.created_at, r.decided_at \
     FROM membership_requests r JOIN users u ON u.id = r.user_id JOIN organisations o ON o.id = r.organisation_id";

/// The longest message a request to join may carry.
const MESSAGE_CHARS: usize = 1000;

impl Store {
    /// The user a provider signed in: found by (issuer, subject), else made, with a handle
    /// of their own. Their name and address follow the provider's at every login; a verified
    /// address listed in `site_admins` makes them a site administrator.
    pub async fn sign_in(&self, identity: &Identity, site_admins: &[String]) -> Result<User> {
        let name = identity
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .or(identity.email.as_deref())
            .unwrap_or(&identity.subject)
            .chars()
            .take(200)
            .collect::<String>();
        let email = identity.email.as_deref().map(|e| e.trim().to_string()).filter(|e| e.contains('@'));
        let admin = identity.email_verified
            && email.as_deref().is_some_and(|e| site_admins.iter().any(|a| a.trim().eq_ignore_ascii_case(e)));
        let mut tx = self.begin(&Actor::System("login")).await?;
        let now = tx.now();
        let found: Option<(i64,)> = tx
            .optional(
                q("SELECT user_id FROM user_identities WHERE provider = $1 AND subject = $2")
                    .bind(&identity.issuer)
                    .bind(&identity.subject),
            )
            .await?;
        let id = match found {
            Some((id,)) => {
                tx.execute(
                    q("UPDATE users SET name = $1, email = $2, email_verified = $3, last_login_at = $4, \
                       site_admin = (site_admin OR $5) WHERE id = $6")
                    .bind(&name)
                    .bind(email.clone())
                    .bind(identity.email_verified)
                    .bind(now)
                    .bind(admin)
                    .bind(id),
                )
                .await?;
                id
            }
            None => {
                let handle = free_handle(&mut tx, &account::handle_base(identity)).await?;
                let (id,): (i64,) = tx
                    .one(
                        q("INSERT INTO users (handle, name, email, email_verified, site_admin, created_at, last_login_at) \
                           VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id")
                            .bind(&handle)
                            .bind(&name)
                            .bind(email.clone())
                            .bind(identity.email_verified)
                            .bind(admin)
                            .bind(now),
                    )
                    .await?;
                tx.execute(
                    q("INSERT INTO user_identities (provider, subject, user_id) VALUES ($1, $2, $3)")
                        .bind(&identity.issuer)
                        .bind(&identity.subject)
                        .bind(id),
                )
                .await?;
                let user = user_by_id(&mut tx, id).await?;
                tx.audit("create_user", "user", &user.handle, None::<&()>, Some(&user)).await?;
                id
            }
        };
        let user = user_by_id(&mut tx, id).await?;
        tx.commit_quietly().await?;
        Ok(user)
    }

    /// The user with this handle or (case aside) this e-mail address.
    pub async fn user(&self, handle_or_email: &str) -> Result<User> {
        let key = handle_or_email.trim();
        let rows: Vec<UserRow> = self
            .all(
                q(format!(
                    "SELECT {USER_COLUMNS} FROM users u WHERE u.handle = $1 OR LOWER(u.email) = LOWER($1) \
                     ORDER BY (u.handle = $1) DESC, u.id LIMIT 2"
                ))
                .bind(key),
            )
            .await?;
        match rows.len() {
            0 => Err(Error::not_found("user", key)),
            // Two people may share an address that no provider verified: the handle decides.
            2 if rows[0].handle.as_deref() != Some(key) => {
                Err(Error::invalid("user", format!("several users have the address {key}; name one by handle")))
            }
            _ => Ok(rows.into_iter().next().expect("one row").user()),
        }
    }

    /// Makes `handle` a site administrator, or no longer one.
    pub async fn set_site_admin(&self, actor: &Actor, handle: &str, admin: bool) -> Result<User> {
        let mut tx = self.begin(actor).await?;
        let before = user_by_handle(&mut tx, handle).await?;
        tx.execute(q("UPDATE users SET site_admin = $1 WHERE id = $2").bind(admin).bind(before.id)).await?;
        let after = User { site_admin: admin, ..before.clone() };
        tx.audit("set_site_admin", "user", handle, Some(&before), Some(&after)).await?;
        tx.commit_quietly().await?;
        Ok(after)
    }

    /// The site administrators, by name.
    pub async fn site_admins(&self) -> Result<Vec<User>> {
        let rows: Vec<UserRow> =
            self.all(q(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.site_admin ORDER BY u.name, u.id"))).await?;
        Ok(rows.into_iter().map(UserRow::user).collect())
    }

    /// The organisations `user_id` acts for, by name.
    pub async fn memberships(&self, user_id: i64) -> Result<Vec<Membership>> {
        let rows: Vec<(String, String, String, String, String, DateTime<Utc>)> = self
            .all(
                q("SELECT o.slug, o.name, o.kind, o.country, m.role, m.created_at FROM memberships m \
                   JOIN organisations o ON o.id = m.organisation_id WHERE m.user_id = $1 ORDER BY o.name, o.slug")
                .bind(user_id),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(slug, name, kind, country, role, since)| Membership {
                organisation: OrgRef { slug, name, kind, country },
                role: Role::parse(&role).unwrap_or(Role::Member),
                since,
            })
            .collect())
    }

    /// The role of `user_id` in the organisation `slug`, if they act for it.
    pub async fn role_in(&self, user_id: i64, slug: &str) -> Result<Option<Role>> {
        let row: Option<(String,)> = self
            .optional(
                q("SELECT m.role FROM memberships m JOIN organisations o ON o.id = m.organisation_id \
                   WHERE m.user_id = $1 AND o.slug = $2")
                .bind(user_id)
                .bind(slug),
            )
            .await?;
        Ok(row.map(|(r,)| Role::parse(&r).unwrap_or(Role::Member)))
    }

    /// The people who act for the organisation `slug`: admins first.
    pub async fn people(&self, slug: &str) -> Result<Vec<Member>> {
        let org = organisation_id_tx(&mut self.read().await?, slug).await?;
        let rows: Vec<PersonRow> = self
            .all(
                q("SELECT u.handle, u.name, u.email, m.role, m.created_at FROM memberships m \
                   JOIN users u ON u.id = m.user_id WHERE m.organisation_id = $1 \
                   ORDER BY (m.role = 'admin') DESC, u.name, u.id")
                .bind(org),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|(handle, name, email, role, since)| Member {
                handle: handle.unwrap_or_default(),
                name,
                email,
                role: Role::parse(&role).unwrap_or(Role::Member),
                since,
            })
            .collect())
    }

    /// `user` asks to act for the organisation `slug`. A verified address of the
    /// organisation's e-mail domain makes them a member at once; otherwise the request waits
    /// for an admin. Asking again while a request waits, or as a member, is refused.
    pub async fn request_membership(&self, user: &User, slug: &str, message: &str) -> Result<JoinOutcome> {
        let message = message.trim();
        if message.chars().count() > MESSAGE_CHARS {
            return Err(Error::invalid("message", format!("must have at most {MESSAGE_CHARS} characters")));
        }
        let actor = user_actor(user);
        let mut tx = self.begin(&actor).await?;
        let now = tx.now();
        let org_id = organisation_id_tx(&mut tx, slug).await?;
        // The organisation's own e-mail domains (organisation_email_domains) vouch for it.
        let by_domain: Option<(String,)> = match user.verified_domain() {
            Some(d) => {
                tx.optional(
                    q("SELECT domain FROM organisation_email_domains WHERE organisation_id = $1 AND domain = $2")
                        .bind(org_id)
                        .bind(d),
                )
                .await?
            }
            None => None,
        };
        let member: Option<(String,)> = role_tx(&mut tx, user.id, org_id).await?;
        if member.is_some() {
            return Err(Error::Conflict {
                field: "organisation".into(),
                message: format!("you already act for {slug}"),
            });
        }
        if by_domain.is_some() {
            insert_membership(&mut tx, user.id, org_id, Role::Member, now).await?;
            tx.audit("join_by_domain", "membership", &format!("{slug}/{}", user.handle), None::<&()>, Some(&"member"))
                .await?;
            tx.commit_quietly().await?;
            let membership = self
                .memberships(user.id)
                .await?
                .into_iter()
                .find(|m| m.organisation.slug == slug)
                .ok_or_else(|| Error::not_found("membership", slug))?;
            return Ok(JoinOutcome::Joined(membership));
        }
        let (id,): (i64,) = tx
            .one(
                q("INSERT INTO membership_requests (user_id, organisation_id, message, status, created_at) \
                   VALUES ($1, $2, $3, 'pending', $4) RETURNING id")
                .bind(user.id)
                .bind(org_id)
                .bind(message)
                .bind(now),
            )
            .await
            .map_err(super::conflict_on("organisation", format!("your request to join {slug} is already waiting")))?;
        let request = request_by_id(&mut tx, id).await?;
        tx.audit("request_membership", "membership_request", &id.to_string(), None::<&()>, Some(&request)).await?;
        tx.commit_quietly().await?;
        Ok(JoinOutcome::Waiting(request))
    }

    /// A user's own requests, newest first.
    pub async fn requests_of(&self, user_id: i64) -> Result<Vec<MembershipRequest>> {
        let rows: Vec<RequestRow> = self
            .all(
                q(format!("{REQUEST_SELECT} WHERE r.user_id = $1 ORDER BY r.created_at DESC, r.id DESC")).bind(user_id),
            )
            .await?;
        Ok(rows.into_iter().map(RequestRow::request).collect())
    }

    /// The requests `user` may decide: those waiting at the organisations they administer,
    /// and, for a site administrator, every waiting request.
    pub async fn requests_waiting_for(&self, user: &User) -> Result<Vec<MembershipRequest>> {
        let rows: Vec<RequestRow> = self
            .all(
                q(format!(
                    "{REQUEST_SELECT} WHERE r.status = 'pending' AND ($2 OR r.organisation_id IN \
                     (SELECT organisation_id FROM memberships WHERE user_id = $1 AND role = 'admin')) \
                     ORDER BY r.created_at, r.id"
                ))
                .bind(user.id)
                .bind(user.site_admin),
            )
            .await?;
        Ok(rows.into_iter().map(RequestRow::request).collect())
    }

    /// An admin of the request's organisation (or a site administrator) accepts it, which
    /// makes the person a member, or refuses it.
    pub async fn decide_request(&self, decider: &User, id: i64, accept: bool) -> Result<MembershipRequest> {
        let mut tx = self.begin(&user_actor(decider)).await?;
        let now = tx.now();
        let before = request_by_id(&mut tx, id).await?;
        let org_id = organisation_id_tx(&mut tx, &before.organisation.slug).await?;
        may_administer(&mut tx, decider, org_id, &before.organisation.slug).await?;
        if before.status != RequestStatus::Pending {
            return Err(Error::Conflict {
                field: "request".into(),
                message: format!("this request was already {}", before.status.as_str()),
            });
        }
        let status = if accept { RequestStatus::Accepted } else { RequestStatus::Refused };
        tx.execute(
            q("UPDATE membership_requests SET status = $1, decided_at = $2, decided_by = $3 WHERE id = $4")
                .bind(status.as_str())
                .bind(now)
                .bind(decider.id)
                .bind(id),
        )
        .await?;
        if accept {
            let (user_id,): (i64,) =
                tx.one(q("SELECT user_id FROM membership_requests WHERE id = $1").bind(id)).await?;
            insert_membership(&mut tx, user_id, org_id, Role::Member, now).await?;
        }
        let after = request_by_id(&mut tx, id).await?;
        tx.audit("decide_membership_request", "membership_request", &id.to_string(), Some(&before), Some(&after))
            .await?;
        tx.commit_quietly().await?;
        Ok(after)
    }

    /// Gives `handle` the role `role` in the organisation `slug` (making them a member if
    /// they were not): by one of its admins, a site administrator, or the operator.
    pub async fn set_role(&self, by: Option<&User>, slug: &str, handle: &str, role: Role) -> Result<Member> {
        let actor = by.map_or(Actor::System("cli"), user_actor);
        let mut tx = self.begin(&actor).await?;
        let now = tx.now();
        let org_id = organisation_id_tx(&mut tx, slug).await?;
        if let Some(by) = by {
            may_administer(&mut tx, by, org_id, slug).await?;
        }
        let user = user_by_handle(&mut tx, handle).await?;
        let before: Option<(String,)> = role_tx(&mut tx, user.id, org_id).await?;
        if before.as_ref().is_some_and(|(r,)| r == "admin") && role != Role::Admin {
            last_admin_stays(&mut tx, org_id, slug).await?;
        }
        match before {
            Some(_) => {
                tx.execute(
                    q("UPDATE memberships SET role = $1 WHERE user_id = $2 AND organisation_id = $3")
                        .bind(role.as_str())
                        .bind(user.id)
                        .bind(org_id),
                )
                .await?;
            }
            None => insert_membership(&mut tx, user.id, org_id, role, now).await?,
        }
        tx.audit("set_role", "membership", &format!("{slug}/{handle}"), before.map(|(r,)| r).as_ref(), Some(&role))
            .await?;
        tx.commit_quietly().await?;
        self.people(slug)
            .await?
            .into_iter()
            .find(|m| m.handle == handle)
            .ok_or_else(|| Error::not_found("member", handle.to_string()))
    }

    /// `handle` no longer acts for `slug`: they leave, or an admin removes them. Their tokens
    /// for the organisation stop working at once (a token's rights are looked up at each use).
    pub async fn remove_member(&self, by: &User, slug: &str, handle: &str) -> Result<()> {
        let mut tx = self.begin(&user_actor(by)).await?;
        let org_id = organisation_id_tx(&mut tx, slug).await?;
        if by.handle != handle {
            may_administer(&mut tx, by, org_id, slug).await?;
        }
        let user = user_by_handle(&mut tx, handle).await?;
        let before: Option<(String,)> = role_tx(&mut tx, user.id, org_id).await?;
        let (role,) = before.ok_or_else(|| Error::not_found("member", format!("{slug}/{handle}")))?;
        if role == "admin" {
            last_admin_stays(&mut tx, org_id, slug).await?;
        }
        tx.execute(q("DELETE FROM memberships WHERE user_id = $1 AND organisation_id = $2").bind(user.id).bind(org_id))
            .await?;
        tx.audit("remove_member", "membership", &format!("{slug}/{handle}"), Some(&role), None::<&()>).await?;
        tx.commit_quietly().await?;
        Ok(())
    }
}

/// Who the audit log says acted: a person in the browser.
pub(crate) fn user_actor(user: &User) -> Actor {
    Actor::User { handle: user.handle.clone(), token: None }
}

/// The base itself if no one has it, else the base with the first free number.
async fn free_handle(tx: &mut Tx, base: &str) -> Result<String> {
    let taken: Vec<(String,)> = tx
        .all(q("SELECT handle FROM users WHERE handle = $1 OR handle LIKE $2").bind(base).bind(format!("{base}-%")))
        .await?;
    let taken: std::collections::HashSet<String> = taken.into_iter().map(|(h,)| h).collect();
    if !taken.contains(base) {
        return Ok(base.to_string());
    }
    Ok((2..).map(|n| format!("{base}-{n}")).find(|h| !taken.contains(h)).expect("a free number"))
}

async fn user_by_id(tx: &mut Tx, id: i64) -> Result<User> {
    let row: UserRow = tx.one(q(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1")).bind(id)).await?;
    Ok(row.user())
}

async fn user_by_handle(tx: &mut Tx, handle: &str) -> Result<User> {
    let row: Option<UserRow> =
        tx.optional(q(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.handle = $1")).bind(handle)).await?;
    Ok(row.ok_or_else(|| Error::not_found("user", handle))?.user())
}

async fn request_by_id(tx: &mut Tx, id: i64) -> Result<MembershipRequest> {
    let row: Option<RequestRow> = tx.optional(q(format!("{REQUEST_SELECT} WHERE r.id = $1")).bind(id)).await?;
    Ok(row.ok_or_else(|| Error::not_found("request", id.to_string()))?.request())
}

/// The id of the organisation `slug`, which must exist.
pub(super) async fn organisation_id_tx(tx: &mut Tx, slug: &str) -> Result<i64> {
    tx.organisation_id(&OrgKey::Slug(slug_of(slug)?)).await?.ok_or_else(|| Error::not_found("organisation", slug))
}

/// The role of `user_id` in the organisation `org_id`, as stored.
async fn role_tx(tx: &mut Tx, user_id: i64, org_id: i64) -> Result<Option<(String,)>> {
    tx.optional(
        q("SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2").bind(user_id).bind(org_id),
    )
    .await
}

async fn insert_membership(tx: &mut Tx, user_id: i64, org_id: i64, role: Role, now: DateTime<Utc>) -> Result<()> {
    tx.execute(
        q("INSERT INTO memberships (user_id, organisation_id, role, created_at) VALUES ($1, $2, $3, $4) \
           ON CONFLICT (user_id, organisation_id) DO UPDATE SET role = excluded.role")
        .bind(user_id)
        .bind(org_id)
        .bind(role.as_str())
        .bind(now),
    )
    .await?;
    Ok(())
}

/// Refuses unless `user` administers the organisation or the site.
async fn may_administer(tx: &mut Tx, user: &User, org_id: i64, slug: &str) -> Result<()> {
    if user.site_admin {
        return Ok(());
    }
    let role: Option<(String,)> = role_tx(tx, user.id, org_id).await?;
    match role {
        Some((r,)) if r == "admin" => Ok(()),
        _ => Err(Error::forbidden(format!("only an admin of {slug} or a site administrator may do this"))),
    }
}

/// An organisation that has admins keeps one: otherwise nobody could accept anyone again.
async fn last_admin_stays(tx: &mut Tx, org_id: i64, slug: &str) -> Result<()> {
    let (admins,): (i64,) = tx
        .one(q("SELECT COUNT(*) FROM memberships WHERE organisation_id = $1 AND role = 'admin'").bind(org_id))
        .await?;
    if admins <= 1 {
        return Err(Error::Conflict {
            field: "role".into(),
            message: format!("{slug} would have no admin left; make another member admin first"),
        });
    }
    Ok(())
}
