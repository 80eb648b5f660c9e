//! API tokens: what a caller of the write API shows to say who it is. A token is 32 random
//! bytes, shown once; the catalog keeps its SHA-256 and a short prefix to find it by, and
//! compares hashes in constant time.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    /// Reads only: the API's reads need no token, so this one names a caller in the logs.
    Read,
    /// Reads and writes.
    Write,
}

impl TokenScope {
    pub fn parse(s: &str) -> Result<TokenScope> {
        match s.trim() {
            "read" => Ok(TokenScope::Read),
            "write" => Ok(TokenScope::Write),
            other => Err(Error::invalid("scope", format!("{other:?} is not a scope (read or write)"))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    pub fn allows_writes(self) -> bool {
        self == TokenScope::Write
    }
}

impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A token as the catalog keeps it (never the secret itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiToken {
    pub name: String,
    /// The handle of the person whose token it is (`None`: the operator's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The organisation a personal token acts for (`None`: it reads only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// The first characters of the token, to tell tokens apart in lists and logs.
    pub prefix: String,
    pub scope: TokenScope,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The longest life a personal token may be given, and the one it gets unless told.
pub const MAX_DAYS: i64 = 366;
pub const DEFAULT_DAYS: i64 = 90;

/// A personal token's life in days, from 1 to `MAX_DAYS`.
pub fn token_days(days: Option<i64>) -> Result<i64> {
    match days.unwrap_or(DEFAULT_DAYS) {
        d @ 1..=MAX_DAYS => Ok(d),
        d => Err(Error::invalid("expires", format!("{d} days: a token lasts from 1 to {MAX_DAYS} days"))),
    }
}

/// Every token starts so: a scanner of leaked secrets can recognise it.
pub const TOKEN_MARK: &str = "communs_";
/// Characters after the mark that are kept in clear, to find the token by.
#[cfg(feature = "store")]
const PREFIX_CHARS: usize = 8;

/// A token's name: what `token revoke NAME` and the audit log call it.
pub fn token_name(s: &str) -> Result<String> {
    let name = s.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(Error::invalid("name", "must have 1 to 64 characters"));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@')) {
        return Err(Error::invalid("name", format!("{name:?} may hold only letters, digits and - _ . @")));
    }
    Ok(name.to_string())
}

/// A new random token, with its prefix and hash.
#[cfg(feature = "store")]
pub(crate) fn generate() -> Result<(String, String, String)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::invalid("token", format!("no randomness available: {e}")))?;
    let secret = format!("{TOKEN_MARK}{}", hex(&bytes));
    let prefix = prefix_of(&secret).expect("a new token has a prefix").to_string();
    let hash = hash(&secret);
    Ok((secret, prefix, hash))
}

/// 32 random bytes in hex: a session's secret, a form's CSRF token, a login's state.
pub fn random_hex() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::invalid("token", format!("no randomness available: {e}")))?;
    Ok(hex(&bytes))
}

/// Whether `s` can be what `random_hex` makes.
pub fn is_random_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The part of a presented token the catalog looks it up by, or `None` for a string that
/// cannot be a token.
#[cfg(feature = "store")]
pub(crate) fn prefix_of(secret: &str) -> Option<&str> {
    let body = secret.strip_prefix(TOKEN_MARK)?;
    (body.len() == 64 && body.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| &secret[..TOKEN_MARK.len() + PREFIX_CHARS])
}

pub fn hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Equal strings, in a time that does not depend on where they differ.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_random_marked_and_found_by_its_prefix() {
        let (a, prefix, h) = generate().unwrap();
        let (b, ..) = generate().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_MARK) && a.len() == TOKEN_MARK.len() + 64, "{a}");
        assert_eq!(prefix_of(&a), Some(prefix.as_str()));
        assert!(same_hash(&hash(&a), &h));
        assert!(!same_hash(&hash(&b), &h));
        assert_eq!(prefix_of("communs_short"), None);
        assert_eq!(prefix_of(&format!("other_{}", &a[TOKEN_MARK.len()..])), None);
        assert_eq!(prefix_of(&format!("{TOKEN_MARK}{}", "z".repeat(64))), None);
    }

    #[test]
    fn names_and_scopes_are_checked() {
        assert_eq!(token_name(" ci-import ").unwrap(), "ci-import");
        assert!(token_name("").is_err());
        assert!(token_name("a b").is_err());
        assert!(token_name(&"x".repeat(65)).is_err());
        assert_eq!(TokenScope::parse("write").unwrap(), TokenScope::Write);
        assert!(TokenScope::parse("admin").is_err());
    }
}
