//! API tokens in the database: made, listed, revoked, and checked on each use. The
//! operator's tokens (made on the command line) belong to nobody; a person's tokens act
//! with that person's rights in one organisation, looked up again at every use.

use chrono::{DateTime, Utc};

use super::accounts::user_actor;
use super::{conflict_on, q, Store};
use crate::account::{Role, User};
use crate::error::{Error, Result};
use crate::model::Actor;
use crate::token::{self, ApiToken, TokenScope};

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    hash: String,
    scope: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    user_id: Option<i64>,
    handle: Option<String>,
    organisation: Option<String>,
    /// The person's role in the token's organisation now (`None`: not a member).
    role: Option<String>,
}

impl TokenRow {
    fn token(self) -> ApiToken {
        ApiToken {
            name: self.name,
            user: self.handle,
            organisation: self.organisation,
            expires_at: self.expires_at,
            prefix: self.prefix,
            scope: TokenScope::parse(&self.scope).unwrap_or(TokenScope::Read),
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
        }
    }
}

const TOKEN_SELECT: &str = "SELECT t.id, t.name, t.prefix, t.hash, t.scope, t.created_at, t.last_used_at, \
     t.revoked_at, t.expires_at, t.user_id, u.handle, o.slug AS organisation, m.role FROM api_tokens t \
     LEFT JOIN users u ON u.id = t.user_id LEFT JOIN organisations o ON o.id = t.organisation_id \
     LEFT JOIN memberships m ON m.user_id = t.user_id AND m.organisation_id = t.organisation_id";

/// How long a token's `last_used_at` may lag: a write per request would make every API
/// call a database write.
const USE_RECORDED_EVERY: chrono::Duration = chrono::Duration::minutes(1);

/// Who showed a live token: the operator, or a person with their role in the token's
/// organisation at this moment.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenHolder {
    pub token: ApiToken,
    pub user: Option<User>,
    /// The person's role in `token.organisation`, read at this use.
    pub role: Option<Role>,
}

/// What a person asks for when they make a token.
#[derive(Debug, Clone)]
pub struct PersonalToken<'a> {
    pub name: &'a str,
    /// The organisation it acts for: needed to write, and the person must act for it.
    pub organisation: Option<&'a str>,
    pub scope: TokenScope,
    /// Days it lasts (default `token::DEFAULT_DAYS`).
    pub days: Option<i64>,
}

impl Store {
    /// Makes an operator's token; returns it with its secret, which is not kept and cannot
    /// be read again.
    pub async fn create_token(&self, actor: &Actor, name: &str, scope: TokenScope) -> Result<(ApiToken, String)> {
        let name = token::token_name(name)?;
        let (secret, prefix, hash) = token::generate()?;
        let mut tx = self.begin(actor).await?;
        let now = tx.now();
        tx.execute(
            q("INSERT INTO api_tokens (name, prefix, hash, scope, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&name)
                .bind(&prefix)
                .bind(&hash)
                .bind(scope.as_str())
                .bind(now),
        )
        .await
        .map_err(conflict_on(
            "name",
            format!("a live token is already named {name}; revoke it or choose another name"),
        ))?;
        let created = ApiToken {
            name: name.clone(),
            user: None,
            organisation: None,
            expires_at: None,
            prefix,
            scope,
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        };
        tx.audit("create_token", "api_token", &name, None::<&()>, Some(&created)).await?;
        // No page shows tokens: the catalog's version (and the caches keyed on it) stays.
        tx.commit_quietly().await?;
        Ok((created, secret))
    }

    /// Makes a token of `user`'s, by `actor` (the person, or the operator on the command
    /// line). A token that writes acts for one organisation the person acts for.
    pub async fn create_personal_token(
        &self,
        actor: &Actor,
        user: &User,
        ask: &PersonalToken<'_>,
    ) -> Result<(ApiToken, String)> {
        let name = token::token_name(ask.name)?;
        let days = token::token_days(ask.days)?;
        let organisation = ask.organisation.map(str::trim).filter(|o| !o.is_empty());
        if ask.scope.allows_writes() && organisation.is_none() {
            return Err(Error::invalid("organisation", "a token that writes acts for an organisation: name one"));
        }
        let org_id = match organisation {
            Some(slug) => {
                if self.role_in(user.id, slug).await?.is_none() {
                    return Err(Error::invalid(
                        "organisation",
                        format!(
                            "{} does not act for {slug}; a token acts only for the person's organisations",
                            user.handle
                        ),
                    ));
                }
                let (id,): (i64,) = self.one(q("SELECT id FROM organisations WHERE slug = $1").bind(slug)).await?;
                Some(id)
            }
            None => None,
        };
        let (secret, prefix, hash) = token::generate()?;
        let mut tx = self.begin(actor).await?;
        let now = tx.now();
        let expires_at = now + chrono::Duration::days(days);
        tx.execute(
            q("INSERT INTO api_tokens (name, prefix, hash, scope, user_id, organisation_id, created_at, expires_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&name)
            .bind(&prefix)
            .bind(&hash)
            .bind(ask.scope.as_str())
            .bind(user.id)
            .bind(org_id)
            .bind(now)
            .bind(expires_at),
        )
        .await
        .map_err(conflict_on("name", format!("you already have a live token named {name}; choose another name")))?;
        let created = ApiToken {
            name: name.clone(),
            user: Some(user.handle.clone()),
            organisation: organisation.map(str::to_string),
            expires_at: Some(expires_at),
            prefix,
            scope: ask.scope,
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        };
        tx.audit("create_token", "api_token", &format!("{}/{name}", user.handle), None::<&()>, Some(&created)).await?;
        tx.commit_quietly().await?;
        Ok((created, secret))
    }

    /// The operator's tokens, live ones first, newest first.
    pub async fn tokens(&self) -> Result<Vec<ApiToken>> {
        let rows: Vec<TokenRow> = self
            .all(q(format!(
                "{TOKEN_SELECT} WHERE t.user_id IS NULL ORDER BY (t.revoked_at IS NULL) DESC, t.created_at DESC, t.id DESC"
            )))
            .await?;
        Ok(rows.into_iter().map(TokenRow::token).collect())
    }

    /// A person's tokens, live ones first, newest first.
    pub async fn tokens_of(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        let rows: Vec<TokenRow> = self
            .all(
                q(format!(
                    "{TOKEN_SELECT} WHERE t.user_id = $1 \
                     ORDER BY (t.revoked_at IS NULL) DESC, t.created_at DESC, t.id DESC"
                ))
                .bind(user_id),
            )
            .await?;
        Ok(rows.into_iter().map(TokenRow::token).collect())
    }

    /// Revokes the operator's live token `name`: it is refused from the next request on.
    pub async fn revoke_token(&self, actor: &Actor, name: &str) -> Result<ApiToken> {
        self.revoke(actor, None, name).await
    }

    /// Revokes `user`'s live token `name`.
    pub async fn revoke_personal_token(&self, user: &User, name: &str) -> Result<ApiToken> {
        self.revoke(&user_actor(user), Some(user), name).await
    }

    async fn revoke(&self, actor: &Actor, owner: Option<&User>, name: &str) -> Result<ApiToken> {
        let name = token::token_name(name)?;
        let mut tx = self.begin(actor).await?;
        let owner_id = owner.map_or(0, |u| u.id);
        let row: Option<TokenRow> = tx
            .optional(
                q(format!("{TOKEN_SELECT} WHERE t.name = $1 AND COALESCE(t.user_id, 0) = $2 AND t.revoked_at IS NULL"))
                    .bind(&name)
                    .bind(owner_id),
            )
            .await?;
        let row = row.ok_or_else(|| Error::not_found("live token", name.clone()))?;
        let id = row.id;
        let before = row.token();
        let now = tx.now();
        tx.execute(q("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2").bind(now).bind(id)).await?;
        let after = ApiToken { revoked_at: Some(now), ..before.clone() };
        let key = owner.map_or_else(|| name.clone(), |u| format!("{}/{name}", u.handle));
        tx.audit("revoke_token", "api_token", &key, Some(&before), Some(&after)).await?;
        tx.commit_quietly().await?;
        Ok(after)
    }

    /// Who holds the live token whose secret this is, or `None`: unknown, malformed,
    /// revoked, expired, or a person's token for an organisation they no longer act for.
    pub async fn authenticate_token(&self, secret: &str, now: DateTime<Utc>) -> Result<Option<TokenHolder>> {
        let Some(prefix) = token::prefix_of(secret) else { return Ok(None) };
        let row: Option<TokenRow> = self
            .optional(q(format!("{TOKEN_SELECT} WHERE t.prefix = $1 AND t.revoked_at IS NULL")).bind(prefix))
            .await?;
        let Some(row) = row.filter(|r| token::same_hash(&r.hash, &token::hash(secret))) else { return Ok(None) };
        if row.expires_at.is_some_and(|e| e <= now) {
            return Ok(None);
        }
        let role = match (&row.organisation, row.role.as_deref()) {
            (Some(_), Some(role)) => Some(Role::parse(role).unwrap_or(Role::Member)),
            // Gone from the organisation: the token is worth nothing.
            (Some(_), None) => return Ok(None),
            (None, _) => None,
        };
        let user = match row.user_id {
            None => None,
            Some(user_id) => {
                let user: super::accounts::UserRow = self
                    .one(
                        q(format!("SELECT {} FROM users u WHERE u.id = $1", super::accounts::USER_COLUMNS))
                            .bind(user_id),
                    )
                    .await?;
                Some(user.user())
            }
        };
        if row.last_used_at.is_none_or(|t| now - t >= USE_RECORDED_EVERY) {
            self.all::<(i64,)>(
                q("UPDATE api_tokens SET last_used_at = $1 WHERE prefix = $2 RETURNING id").bind(now).bind(prefix),
            )
            .await?;
        }
        Ok(Some(TokenHolder { token: TokenRow { last_used_at: Some(now), ..row }.token(), user, role }))
    }
}
