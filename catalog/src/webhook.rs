//! Webhooks: an organisation's admins give an address that hears of the catalog's changes
//! as they happen (a new adoption of the software they maintain, a funding, a roadmap
//! item), instead of reading the feeds on a schedule. Each delivery is signed with the
//! subscription's secret, so the receiver knows it comes from this registry.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::address::{check_webhook_address, AddressPolicy};
use crate::error::{Checks, Error, Result};

/// The most subscriptions one organisation keeps: each change is written once per match.
pub const MAX_PER_ORGANISATION: i64 = 10;
/// How long a delivery is retried after its change, before it is given up.
pub const RETRY_FOR: Duration = Duration::hours(24);
/// The longest wait between two tries of a delivery.
pub const LONGEST_WAIT: Duration = Duration::hours(6);
/// The marker of a webhook's secret, so that one found in a log or a file says what it is.
pub const SECRET_MARK: &str = "whsec_";

/// The kinds of change a webhook hears of: the catalog's public records. People, their
/// tokens and memberships never leave the registry this way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A software's record: created, edited, a repository added.
    Software,
    /// A software's publiccode.yml, imported.
    Publiccode,
    /// An organisation's record.
    Organisation,
    /// An adoption: declared, confirmed, ended, hidden, or imported in bulk.
    Adoption,
    /// A funding: recorded, changed, hidden, or imported in bulk.
    Funding,
    /// A roadmap item: added, changed, needed by another body, hidden.
    RoadmapItem,
    /// A service offer, or a bulk import of them.
    Offer,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        EventKind::Software,
        EventKind::Publiccode,
        EventKind::Organisation,
        EventKind::Adoption,
        EventKind::Funding,
        EventKind::RoadmapItem,
        EventKind::Offer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Software => "software",
            EventKind::Publiccode => "publiccode",
            EventKind::Organisation => "organisation",
            EventKind::Adoption => "adoption",
            EventKind::Funding => "funding",
            EventKind::RoadmapItem => "roadmap_item",
            EventKind::Offer => "offer",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// The kind of an audit event's entity; `None` for what webhooks never carry (people,
    /// tokens, memberships, proposals, webhooks themselves). A bulk import (`adoptions`)
    /// is of its records' kind.
    pub fn of_entity(entity: &str) -> Option<EventKind> {
        match entity {
            "software" => Some(EventKind::Software),
            "publiccode" => Some(EventKind::Publiccode),
            "organisation" => Some(EventKind::Organisation),
            "adoption" | "adoptions" => Some(EventKind::Adoption),
            "funding" | "fundings" => Some(EventKind::Funding),
            "roadmap_item" => Some(EventKind::RoadmapItem),
            "offer" | "offers" => Some(EventKind::Offer),
            _ => None,
        }
    }
}

/// Which changes of the chosen kinds a webhook hears of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WebhookScope {
    /// Changes of the organisation's own records, and of the software it maintains or
    /// publishes (adoptions of it, fundings, its roadmap).
    #[default]
    Ours,
    /// Every public change of the catalog.
    Catalog,
}

impl WebhookScope {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookScope::Ours => "ours",
            WebhookScope::Catalog => "catalog",
        }
    }

    pub fn parse(s: &str) -> Option<WebhookScope> {
        match s.trim() {
            "ours" => Some(WebhookScope::Ours),
            "catalog" => Some(WebhookScope::Catalog),
            _ => None,
        }
    }
}

/// A subscription as it arrives from a form or the command line.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookForm {
    /// Where deliveries are sent: an `https` (or `http`) address of a public host.
    pub url: String,
    /// The kinds of change to hear of (at least one).
    #[serde(default)]
    pub kinds: Vec<String>,
    /// `ours` (the default) or `catalog`.
    #[serde(default)]
    pub scope: Option<String>,
}

/// A checked subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDraft {
    pub url: String,
    /// Each kind once, in a fixed order.
    pub kinds: Vec<EventKind>,
    pub scope: WebhookScope,
}

impl WebhookForm {
    /// Checks every field at once; the address under the operator's `policy`.
    pub fn validate(&self, policy: AddressPolicy) -> Result<WebhookDraft> {
        let mut checks = Checks::default();
        let url = checks.take(check_webhook_address("url", &self.url, policy)).map(|a| a.url);
        let mut kinds = Vec::new();
        for k in &self.kinds {
            match EventKind::parse(k) {
                Some(kind) if !kinds.contains(&kind) => kinds.push(kind),
                Some(_) => {}
                None => checks.push(Error::invalid(
                    "kinds",
                    format!("{k:?} is not a kind of change ({})", EventKind::ALL.map(EventKind::as_str).join(", ")),
                )),
            }
        }
        kinds.sort();
        if kinds.is_empty() && !checks.names("kinds") {
            checks.push(Error::invalid("kinds", "choose at least one kind of change"));
        }
        let scope = match self.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => WebhookScope::Ours,
            Some(s) => WebhookScope::parse(s).unwrap_or_else(|| {
                checks.push(Error::invalid("scope", format!("{s:?} is neither ours nor catalog")));
                WebhookScope::Ours
            }),
        };
        checks.finish()?;
        Ok(WebhookDraft { url: url.expect("checked"), kinds, scope })
    }
}

/// The kinds as the database keeps them: `,adoption,funding,`.
#[cfg(feature = "store")]
pub(crate) fn kinds_column(kinds: &[EventKind]) -> String {
    format!(",{},", kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(","))
}

#[cfg(feature = "store")]
pub(crate) fn kinds_of_column(s: &str) -> Vec<EventKind> {
    s.split(',').filter_map(EventKind::parse).collect()
}

/// A subscription, with its secret: only its organisation's admins see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: i64,
    /// The organisation's slug.
    pub organisation: String,
    pub url: String,
    /// Signs every delivery (`Communs-Signature`); keep it on the receiving side.
    pub secret: String,
    pub kinds: Vec<EventKind>,
    pub scope: WebhookScope,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not yet taken by the receiver: waiting for its first try or a retry.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Still refused a day after the change: given up.
    Failed,
}

impl DeliveryStatus {
    pub fn parse(s: &str) -> DeliveryStatus {
        match s {
            "delivered" => DeliveryStatus::Delivered,
            "failed" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Pending,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }
}

/// One change sent (or to be sent) to one webhook: a line of its delivery log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: i64,
    pub webhook: i64,
    /// The audit event the delivery carries.
    pub event: i64,
    pub kind: String,
    /// The change's action (`declare`, `confirm`, `import`...).
    pub action: String,
    pub created_at: DateTime<Utc>,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's HTTP status at the last try, when it answered.
    pub last_status: Option<i64>,
    /// Why the last try failed, when it did.
    pub last_error: Option<String>,
}

/// A delivery the sender took, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: i64,
    pub webhook: i64,
    pub url: String,
    pub secret: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i64,
    /// The change, as the audit log keeps it.
    pub event: crate::model::AuditEvent,
    pub kind: String,
    /// The records the change concerns (slugs), for the receiver's routing.
    pub software: Option<String>,
    pub organisation: Option<String>,
}

/// What one try of a delivery gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered 2xx.
    Delivered { status: u16 },
    /// The receiver answered something else, or could not be reached, or its address was
    /// refused: tried again later, until a day has passed.
    Failed { status: Option<u16>, error: String },
}

/// When to try a delivery again after its `attempts`-th failed try at `now`: waits double
/// from `first_wait` (1, 2, 4... minutes by default) up to six hours; `None` once the day
/// after the change (`created_at`) has passed.
pub fn next_attempt(
    created_at: DateTime<Utc>,
    attempts: i64,
    now: DateTime<Utc>,
    first_wait: Duration,
) -> Option<DateTime<Utc>> {
    let doublings = attempts.saturating_sub(1).clamp(0, 30) as u32;
    let wait = first_wait.checked_mul(2_i32.saturating_pow(doublings)).unwrap_or(LONGEST_WAIT).min(LONGEST_WAIT);
    let next = now + wait;
    let end = created_at + RETRY_FOR;
    if now >= end {
        None
    } else {
        Some(next.min(end))
    }
}

/// A new secret: `whsec_` and 32 random bytes in hex.
#[cfg(feature = "store")]
pub(crate) fn new_secret() -> Result<String> {
    Ok(format!("{SECRET_MARK}{}", crate::token::random_hex()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(url: &str, kinds: &[&str], scope: Option<&str>) -> WebhookForm {
        WebhookForm {
            url: url.into(),
            kinds: kinds.iter().map(|k| k.to_string()).collect(),
            scope: scope.map(str::to_string),
        }
    }

    #[test]
    fn a_subscription_is_checked_field_by_field() {
        let d = form("https://hooks.example.org/communs?source=x", &["funding", "adoption", "adoption"], None)
            .validate(AddressPolicy::PublicOnly)
            .unwrap();
        assert_eq!(d.kinds, vec![EventKind::Adoption, EventKind::Funding]);
        assert_eq!(d.scope, WebhookScope::Ours);
        let Err(Error::Fields(errors)) =
            form("http://127.0.0.1:9000/hook", &["adoptions"], Some("everything")).validate(AddressPolicy::PublicOnly)
        else {
            panic!("three fields refused")
        };
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["url", "kinds", "scope"]);
        assert!(errors[0].1.contains("loopback"), "{errors:?}");
        let Err(Error::Invalid { field, .. }) =
            form("https://a.example/h", &[], None).validate(AddressPolicy::PublicOnly)
        else {
            panic!("no kind")
        };
        assert_eq!(field, "kinds");
        for bad in ["ftp://a.example/h", "https://user:pw@a.example/h", "https://a.example/h#x", "https://10.1.2.3/h"] {
            assert!(form(bad, &["software"], None).validate(AddressPolicy::PublicOnly).is_err(), "{bad}");
        }
        assert!(form("http://127.0.0.1:9000/hook", &["software"], None).validate(AddressPolicy::AllowLocal).is_ok());
    }

    #[test]
    fn retries_wait_longer_each_time_and_stop_after_a_day() {
        let t0 = DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z").unwrap().with_timezone(&Utc);
        let minute = Duration::minutes(1);
        assert_eq!(next_attempt(t0, 1, t0, minute), Some(t0 + minute));
        assert_eq!(next_attempt(t0, 2, t0, minute), Some(t0 + minute * 2));
        assert_eq!(next_attempt(t0, 4, t0, minute), Some(t0 + minute * 8));
        assert_eq!(next_attempt(t0, 20, t0, minute), Some(t0 + LONGEST_WAIT), "waits at most six hours");
        let late = t0 + Duration::hours(23);
        assert_eq!(next_attempt(t0, 12, late, minute), Some(t0 + RETRY_FOR), "never past the day");
        assert_eq!(next_attempt(t0, 13, t0 + RETRY_FOR, minute), None, "given up");
    }

    #[test]
    fn kinds_keep_their_column_form() {
        let kinds = vec![EventKind::Adoption, EventKind::RoadmapItem];
        assert_eq!(kinds_column(&kinds), ",adoption,roadmap_item,");
        assert_eq!(kinds_of_column(&kinds_column(&kinds)), kinds);
        assert_eq!(EventKind::of_entity("fundings"), Some(EventKind::Funding));
        assert_eq!(EventKind::of_entity("api_token"), None);
        assert_eq!(EventKind::of_entity("membership"), None);
    }
}
