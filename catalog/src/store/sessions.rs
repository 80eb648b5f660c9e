//! Signed-in browsers and logins under way. A session's cookie holds a random secret whose
//! SHA-256 only is kept; a login attempt is found by its `state` and taken once.

use chrono::{DateTime, Utc};

use super::accounts::{UserRow, USER_COLUMNS};
use super::{q, Store};
use crate::account::{LoginAttempt, Session, SessionLifetimes, User};
use crate::error::Result;
use crate::model::Actor;
use crate::token;

/// How long a login may stay with the provider before its callback is refused.
const LOGIN_LASTS: chrono::Duration = chrono::Duration::minutes(15);

/// How often a session's last use is written: not at every page.
const SEEN_RECORDED_EVERY: chrono::Duration = chrono::Duration::minutes(1);

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: UserRow,
    csrf: String,
    provider: Option<String>,
    id_token: Option<String>,
    session_id: i64,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

impl Store {
    /// Opens a session for `user`; returns the secret for the cookie (not kept).
    pub async fn open_session(
        &self,
        user: &User,
        provider: Option<&str>,
        id_token: Option<&str>,
        lifetimes: SessionLifetimes,
    ) -> Result<(String, Session)> {
        let secret = token::random_hex()?;
        let csrf = token::random_hex()?;
        let mut tx = self.begin(&Actor::System("login")).await?;
        let now = tx.now();
        let expires_at = now + lifetimes.absolute;
        tx.execute(
            q("INSERT INTO sessions (hash, user_id, csrf, provider, id_token, created_at, last_seen_at, expires_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $6, $7)")
            .bind(token::hash(&secret))
            .bind(user.id)
            .bind(&csrf)
            .bind(provider)
            .bind(id_token)
            .bind(now)
            .bind(expires_at),
        )
        .await?;
        // Old sessions go when someone signs in: the table holds live ones only, near enough.
        tx.execute(
            q("DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2").bind(now).bind(now - lifetimes.idle),
        )
        .await?;
        tx.commit_quietly().await?;
        let session = Session {
            user: user.clone(),
            csrf,
            provider: provider.map(str::to_string),
            id_token: id_token.map(str::to_string),
            expires_at,
        };
        Ok((secret, session))
    }

    /// The live session whose cookie secret this is: `None` for an unknown, forged, ended,
    /// idle or expired one.
    pub async fn session(
        &self,
        secret: &str,
        lifetimes: SessionLifetimes,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>> {
        if !token::is_random_hex(secret) {
            return Ok(None);
        }
        let row: Option<SessionRow> = self
            .optional(
                q(format!(
                    "SELECT {USER_COLUMNS}, s.csrf, s.provider, s.id_token, s.id AS session_id, s.last_seen_at, \
                     s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = $1"
                ))
                .bind(token::hash(secret)),
            )
            .await?;
        let Some(row) = row.filter(|r| r.expires_at > now && now - r.last_seen_at < lifetimes.idle) else {
            return Ok(None);
        };
        if now - row.last_seen_at >= SEEN_RECORDED_EVERY {
            let mut tx = self.begin(&Actor::System("session")).await?;
            tx.execute(q("UPDATE sessions SET last_seen_at = $1 WHERE id = $2").bind(now).bind(row.session_id)).await?;
            tx.commit_quietly().await?;
        }
        Ok(Some(Session {
            user: row.user.user(),
            csrf: row.csrf,
            provider: row.provider,
            id_token: row.id_token,
            expires_at: row.expires_at,
        }))
    }

    /// Ends the session whose cookie secret this is (nothing if there is none).
    pub async fn close_session(&self, secret: &str) -> Result<()> {
        let mut tx = self.begin(&Actor::System("logout")).await?;
        tx.execute(q("DELETE FROM sessions WHERE hash = $1").bind(token::hash(secret))).await?;
        tx.commit_quietly().await?;
        Ok(())
    }

    /// Records a login begun with `provider`, bound to the browser that holds
    /// `browser_secret`.
    pub async fn begin_login(&self, state: &str, browser_secret: &str, attempt: &LoginAttempt) -> Result<()> {
        let mut tx = self.begin(&Actor::System("login")).await?;
        let now = tx.now();
        tx.execute(q("DELETE FROM login_attempts WHERE expires_at < $1").bind(now)).await?;
        tx.execute(
            q("INSERT INTO login_attempts (state_hash, browser_hash, provider, pkce_verifier, nonce, next, created_at, \
               expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(token::hash(state))
            .bind(token::hash(browser_secret))
            .bind(&attempt.provider)
            .bind(&attempt.pkce_verifier)
            .bind(&attempt.nonce)
            .bind(&attempt.next)
            .bind(now)
            .bind(now + LOGIN_LASTS),
        )
        .await?;
        tx.commit_quietly().await?;
        Ok(())
    }

    /// Takes the login begun with `state` by the browser holding `browser_secret`: it is
    /// deleted whatever the answer, so that a state (and the code it came with) serves once.
    /// `None` when there is no such login, it is too old, or another browser began it.
    pub async fn take_login(&self, state: &str, browser_secret: &str) -> Result<Option<LoginAttempt>> {
        let mut tx = self.begin(&Actor::System("login")).await?;
        let now = tx.now();
        let row: Option<(String, String, String, String, String, DateTime<Utc>)> = tx
            .optional(
                q("DELETE FROM login_attempts WHERE state_hash = $1 \
                   RETURNING browser_hash, provider, pkce_verifier, nonce, next, expires_at")
                .bind(token::hash(state)),
            )
            .await?;
        tx.commit_quietly().await?;
        Ok(row.and_then(|(browser, provider, pkce_verifier, nonce, next, expires_at)| {
            (expires_at > now && token::same_hash(&browser, &token::hash(browser_secret))).then_some(LoginAttempt {
                provider,
                pkce_verifier,
                nonce,
                next,
            })
        }))
    }
}
