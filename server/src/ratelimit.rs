//! Rate limits on logins and writes, per client address and per account: a guesser of
//! tokens or a runaway script gets 429 with `Retry-After` instead of the database's time.
//!
//! Each key has a bucket of `burst` tries that refills at `per_minute`; the buckets live in
//! memory (one process; several processes each keep their own, so the limit is per process).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::Error;

/// How many tries a key has, and how fast they come back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub burst: u32,
    pub per_minute: u32,
}

/// The limits of the site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimits {
    /// Logins begun, demo logins and callbacks, per client address.
    pub login: Rate,
    /// Writes (API and pages), per client address and, once known, per account.
    pub write: Rate,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits { login: Rate { burst: 20, per_minute: 10 }, write: Rate { burst: 120, per_minute: 60 } }
    }
}

struct Bucket {
    tries: f64,
    at: Instant,
}

/// Buckets for one kind of action.
struct Buckets {
    rate: Rate,
    map: Mutex<HashMap<String, Bucket>>,
}

/// Above this many keys, full buckets are dropped: they hold nothing a new one would not.
const KEYS_KEPT: usize = 10_000;

impl Buckets {
    fn new(rate: Rate) -> Buckets {
        Buckets { rate, map: Mutex::new(HashMap::new()) }
    }

    /// Takes one try for `key`, or says how long until one comes back.
    fn take(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let refill = f64::from(self.rate.per_minute.max(1)) / 60.0;
        let burst = f64::from(self.rate.burst.max(1));
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > KEYS_KEPT {
            map.retain(|_, b| b.tries + now.duration_since(b.at).as_secs_f64() * refill < burst);
        }
        let bucket = map.entry(key.to_string()).or_insert(Bucket { tries: burst, at: now });
        bucket.tries = (bucket.tries + now.duration_since(bucket.at).as_secs_f64() * refill).min(burst);
        bucket.at = now;
        if bucket.tries >= 1.0 {
            bucket.tries -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(((1.0 - bucket.tries) / refill).ceil().max(1.0)))
        }
    }
}

/// The site's buckets.
pub struct Limiter {
    login: Buckets,
    write: Buckets,
}

impl Limiter {
    pub fn new(limits: RateLimits) -> Limiter {
        Limiter { login: Buckets::new(limits.login), write: Buckets::new(limits.write) }
    }

    pub fn login(&self, client: &str) -> Result<(), Duration> {
        self.login.take(client, Instant::now())
    }

    pub fn write(&self, client: &str) -> Result<(), Duration> {
        self.write.take(client, Instant::now())
    }

    pub fn account(&self, user_id: i64) -> Result<(), Duration> {
        self.write.take(&format!("user:{user_id}"), Instant::now())
    }
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter::new(RateLimits::default())
    }
}

/// The client's address: the connection's, or the one a trusted proxy forwarded for
/// (`crate::connections::client_address`). Behind a proxy that is not declared in
/// `trusted_proxies`, every client is the proxy: the per-account limits still tell people
/// apart.
pub fn client_key(parts: &Parts) -> String {
    if let Some(c) = parts.extensions.get::<crate::connections::ClientAddress>() {
        return format!("ip:{}", c.0);
    }
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| format!("ip:{}", c.0.ip()))
}

/// The client's address, as a handler's argument.
pub struct Peer(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Peer, Self::Rejection> {
        Ok(Peer(client_key(parts)))
    }
}

/// 429 with `Retry-After`, as problem+json.
pub fn too_many(retry: Duration) -> Error {
    Error::TooManyRequests { retry_after: retry.as_secs().max(1) }
}

/// Adds `Retry-After` to a page's answer.
pub fn with_retry_after(mut response: Response, retry: Duration) -> Response {
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    if let Ok(v) = HeaderValue::from_str(&retry.as_secs().max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_empties_then_refills() {
        let b = Buckets::new(Rate { burst: 3, per_minute: 60 });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(b.take("a", t0).is_ok());
        }
        let wait = b.take("a", t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
        assert!(b.take("b", t0).is_ok(), "another key has its own bucket");
        assert!(b.take("a", t0 + Duration::from_millis(1100)).is_ok());
        assert!(b.take("a", t0 + Duration::from_millis(1100)).is_err());
    }
}
