//! The webhook sender: a background task that takes the deliveries due, sends each as a
//! signed JSON POST, and records how it went; a refused delivery is tried again with waits
//! that double, for a day. The address is checked again before each try, and the connection
//! goes to the address checked (`crate::outbound`).
//!
//! The signature: `Communs-Signature: t=UNIX_SECONDS,v1=HEX`, where HEX is
//! HMAC-SHA256(secret, "UNIX_SECONDS." + body). A receiver recomputes it, compares in
//! constant time, and refuses a `t` too far from its clock.

use std::time::Duration;

use catalog::webhook::{Attempt, DueDelivery};
use catalog::Store;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// `[webhooks]` of `communs.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksFile {
    /// The wait before the first retry, in seconds (60 unless told); each next one doubles.
    pub first_retry_seconds: Option<u64>,
    /// How often the sender looks for due deliveries, in seconds (5 unless told).
    pub poll_seconds: Option<u64>,
    /// How long a receiver has to answer, in seconds (10 unless told).
    pub timeout_seconds: Option<u64>,
}

/// How the sender runs.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub first_wait: chrono::Duration,
    pub poll: Duration,
    pub timeout: Duration,
    /// The operator's `--allow-local`: receivers on this machine or its private networks.
    pub allow_local: bool,
    /// The site's address, for the links in the deliveries.
    pub site: String,
}

impl WebhooksFile {
    pub fn config(&self, allow_local: bool, site: String) -> anyhow::Result<WebhookConfig> {
        let pick = |v: Option<u64>, default: u64, max: u64, name: &str| match v {
            None => Ok(default),
            Some(n) if (1..=max).contains(&n) => Ok(n),
            Some(n) => Err(anyhow::anyhow!("webhooks.{name}: {n} is not between 1 and {max}")),
        };
        Ok(WebhookConfig {
            first_wait: chrono::Duration::seconds(
                pick(self.first_retry_seconds, 60, 3600, "first_retry_seconds")? as i64
            ),
            poll: Duration::from_secs(pick(self.poll_seconds, 5, 3600, "poll_seconds")?),
            timeout: Duration::from_secs(pick(self.timeout_seconds, 10, 120, "timeout_seconds")?),
            allow_local,
            site,
        })
    }
}

/// How many deliveries one round takes, and sends at once.
const PER_ROUND: i64 = 16;

/// What a round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RoundReport {
    pub delivered: usize,
    /// Refused this time; tried again later.
    pub retrying: usize,
    /// Refused for a day: given up.
    pub failed: usize,
}

/// Sends the deliveries due at `now`, PER_ROUND at once, until none is due.
pub async fn send_due(store: &Store, config: &WebhookConfig) -> anyhow::Result<RoundReport> {
    let mut report = RoundReport::default();
    loop {
        let now = Utc::now();
        // A try lasts the timeout at most; the lease outlasts it, so that no other sender
        // takes a delivery still being tried.
        let lease = chrono::Duration::from_std(config.timeout * 3)?;
        let due = store.take_due_deliveries(now, lease, PER_ROUND).await?;
        if due.is_empty() {
            return Ok(report);
        }
        let mut tries = tokio::task::JoinSet::new();
        for d in due {
            let config = config.clone();
            tries.spawn(async move {
                let attempt = deliver(&d, &config, Utc::now()).await;
                (d, attempt)
            });
        }
        while let Some(done) = tries.join_next().await {
            let (d, attempt) = done?;
            match &attempt {
                Attempt::Delivered { status } => {
                    tracing::info!(delivery = d.id, webhook = d.webhook, status, "webhook delivered")
                }
                Attempt::Failed { status, error } => {
                    tracing::warn!(delivery = d.id, webhook = d.webhook, ?status, %error, "webhook refused")
                }
            }
            match store.record_attempt(&d, &attempt, Utc::now(), config.first_wait).await? {
                catalog::webhook::DeliveryStatus::Delivered => report.delivered += 1,
                catalog::webhook::DeliveryStatus::Pending => report.retrying += 1,
                catalog::webhook::DeliveryStatus::Failed => report.failed += 1,
            }
        }
    }
}

/// Sends due deliveries every `config.poll`, as long as the server runs.
pub fn spawn(store: Store, config: WebhookConfig) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = send_due(&store, &config).await {
                tracing::error!(error = %format!("{e:#}"), "webhook round failed");
            }
            tokio::time::sleep(config.poll).await;
        }
    });
}

/// The JSON a delivery carries.
pub fn body(d: &DueDelivery, site: &str) -> Vec<u8> {
    let json = |s: &Option<String>| {
        s.as_deref().map(|t| serde_json::from_str::<serde_json::Value>(t).unwrap_or(serde_json::Value::Null))
    };
    let link = |kind: &str, slug: &Option<String>| slug.as_ref().map(|s| format!("{site}/{kind}/{s}"));
    let value = serde_json::json!({
        "delivery": d.id,
        "webhook": d.webhook,
        "event": d.event.id,
        "kind": d.kind,
        "action": d.event.action,
        "at": d.event.at,
        "entity": d.event.entity,
        "key": d.event.entity_key,
        "software": d.software,
        "organisation": d.organisation,
        "acting_for": d.event.acting_for,
        "record": json(&d.event.after),
        "previous": json(&d.event.before),
        "links": {
            "software": link("software", &d.software),
            "organisation": link("organisations", &d.organisation),
        },
        "site": site,
    });
    serde_json::to_vec(&value).expect("a delivery serialises")
}

/// The `Communs-Signature` header's value for `body` sent at `t` (Unix seconds).
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

/// One try of a delivery.
pub async fn deliver(d: &DueDelivery, config: &WebhookConfig, now: DateTime<Utc>) -> Attempt {
    let failed = |error: String| Attempt::Failed { status: None, error };
    let agent = concat!("communs-webhooks/", env!("CARGO_PKG_VERSION"));
    let client = match crate::outbound::pinned_client(&d.url, config.allow_local, config.timeout, agent).await {
        Ok(c) => c,
        Err(why) => return failed(why),
    };
    let body = body(d, &config.site);
    let sent = client
        .post(&d.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Communs-Signature", signature(&d.secret, now.timestamp(), &body))
        .header("Communs-Event", &d.kind)
        .header("Communs-Delivery", d.id.to_string())
        .body(body)
        .send()
        .await;
    match sent {
        Ok(r) if r.status().is_success() => Attempt::Delivered { status: r.status().as_u16() },
        Ok(r) => {
            let status = r.status();
            Attempt::Failed { status: Some(status.as_u16()), error: format!("the receiver answered {status}") }
        }
        Err(e) if e.is_timeout() => failed(format!("no answer within {} s", config.timeout.as_secs())),
        Err(e) => failed(format!(
            "could not reach the receiver: {}",
            std::error::Error::source(&e).map_or_else(|| e.to_string(), |s| s.to_string())
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_time_and_the_body() {
        let s = signature("whsec_k", 1_700_000_000, b"{}");
        assert!(s.starts_with("t=1700000000,v1="), "{s}");
        assert_eq!(s.len(), "t=1700000000,v1=".len() + 64);
        assert_ne!(s, signature("whsec_k", 1_700_000_001, b"{}"));
        assert_ne!(s, signature("whsec_k", 1_700_000_000, b"{ }"));
        assert_ne!(s, signature("whsec_l", 1_700_000_000, b"{}"));
    }

    #[test]
    fn bad_settings_are_named() {
        let file = |text: &str| toml::from_str::<WebhooksFile>(text).unwrap();
        let err = file("first_retry_seconds = 0").config(false, String::new()).unwrap_err();
        assert!(err.to_string().contains("webhooks.first_retry_seconds"), "{err}");
        let c = file("poll_seconds = 2").config(false, String::new()).unwrap();
        assert_eq!(c.poll, Duration::from_secs(2));
        assert_eq!(c.first_wait, chrono::Duration::minutes(1));
        assert!(toml::from_str::<WebhooksFile>("retries = 3").is_err(), "an unknown key is refused");
    }
}
