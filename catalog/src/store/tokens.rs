//! API tokens in the database: made, listed, revoked, and checked on each write.

use chrono::{DateTime, Utc};

use super::{conflict_on, q, Store};
use crate::error::{Error, Result};
use crate::model::Actor;
use crate::token::{self, ApiToken, TokenScope};

#[derive(sqlx::FromRow)]
struct TokenRow {
    name: String,
    prefix: String,
    hash: String,
    scope: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl TokenRow {
    fn token(self) -> ApiToken {
        ApiToken {
            name: self.name,
            prefix: self.prefix,
            scope: TokenScope::parse(&self.scope).unwrap_or(TokenScope::Read),
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
        }
    }
}

const TOKEN_COLUMNS: &str = "name, prefix, hash, scope, created_at, last_used_at, revoked_at";

/// How long a token's `last_used_at` may lag: a write per request would make every API
/// call a database write.
const USE_RECORDED_EVERY: chrono::Duration = chrono::Duration::minutes(1);

impl Store {
    /// Makes a token; returns it with its secret, which is not kept and cannot be read again.
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
        let created =
            ApiToken { name: name.clone(), prefix, scope, created_at: now, last_used_at: None, revoked_at: None };
        tx.audit("create_token", "api_token", &name, None::<&()>, Some(&created)).await?;
        // No page shows tokens: the catalog's version (and the caches keyed on it) stays.
        tx.commit_quietly().await?;
        Ok((created, secret))
    }

    /// Every token, live ones first, newest first.
    pub async fn tokens(&self) -> Result<Vec<ApiToken>> {
        let rows: Vec<TokenRow> = self
            .all(q(format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY (revoked_at IS NULL) DESC, created_at DESC, id DESC"
            )))
            .await?;
        Ok(rows.into_iter().map(TokenRow::token).collect())
    }

    /// Revokes the live token `name`: it is refused from the next request on.
    pub async fn revoke_token(&self, actor: &Actor, name: &str) -> Result<ApiToken> {
        let name = token::token_name(name)?;
        let mut tx = self.begin(actor).await?;
        let row: Option<TokenRow> = tx
            .optional(
                q(format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE name = $1 AND revoked_at IS NULL")).bind(&name),
            )
            .await?;
        let before = row.ok_or_else(|| Error::not_found("live token", name.clone()))?.token();
        let now = tx.now();
        tx.execute(
            q("UPDATE api_tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL").bind(now).bind(&name),
        )
        .await?;
        let after = ApiToken { revoked_at: Some(now), ..before.clone() };
        tx.audit("revoke_token", "api_token", &name, Some(&before), Some(&after)).await?;
        tx.commit_quietly().await?;
        Ok(after)
    }

    /// The live token whose secret this is, or `None`: unknown, malformed or revoked.
    pub async fn authenticate_token(&self, secret: &str, now: DateTime<Utc>) -> Result<Option<ApiToken>> {
        let Some(prefix) = token::prefix_of(secret) else { return Ok(None) };
        let row: Option<TokenRow> = self
            .optional(
                q(format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE prefix = $1 AND revoked_at IS NULL"))
                    .bind(prefix),
            )
            .await?;
        let Some(row) = row.filter(|r| token::same_hash(&r.hash, &token::hash(secret))) else { return Ok(None) };
        if row.last_used_at.is_none_or(|t| now - t >= USE_RECORDED_EVERY) {
            self.all::<(i64,)>(
                q("UPDATE api_tokens SET last_used_at = $1 WHERE prefix = $2 RETURNING id").bind(now).bind(prefix),
            )
            .await?;
        }
        Ok(Some(TokenRow { last_used_at: Some(now), ..row }.token()))
    }
}
