//! People and what they may do: a user signed in by a provider, the organisations they act
//! for and with which role, their requests to join one, and their sessions.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::OrgRef;

/// A person who signed in at least once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: i64,
    /// Short and unique: what the command line and the audit log call them.
    pub handle: String,
    pub name: String,
    pub email: Option<String>,
    /// Whether the provider vouched for the address (the `email_verified` claim).
    pub email_verified: bool,
    pub site_admin: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl User {
    /// The domain of a verified address, lower-cased: what an organisation's e-mail domain
    /// is compared with. An unverified address proves nothing.
    pub fn verified_domain(&self) -> Option<String> {
        let email = self.email.as_deref().filter(|_| self.email_verified)?;
        email.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase())
    }
}

/// What a provider says of the person it signed in.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// The provider's issuer URL.
    pub issuer: String,
    pub subject: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
}

/// A person's role in an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Acts for the organisation: declares what it uses and funds.
    Member,
    /// Also accepts members and sets their roles.
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Result<Role> {
        match s.trim() {
            "member" => Ok(Role::Member),
            "admin" => Ok(Role::Admin),
            other => Err(Error::invalid("role", format!("{other:?} is not a role (member or admin)"))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An organisation a user acts for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    pub organisation: OrgRef,
    pub role: Role,
    pub since: DateTime<Utc>,
}

/// A person as an organisation's page of people lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub handle: String,
    pub name: String,
    pub email: Option<String>,
    pub role: Role,
    pub since: DateTime<Utc>,
}

/// Where a request to join stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestStatus {
    Pending,
    Accepted,
    Refused,
}

impl RequestStatus {
    #[cfg(feature = "store")]
    pub(crate) fn parse(s: &str) -> RequestStatus {
        match s {
            "accepted" => RequestStatus::Accepted,
            "refused" => RequestStatus::Refused,
            _ => RequestStatus::Pending,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Accepted => "accepted",
            RequestStatus::Refused => "refused",
        }
    }
}

/// A person's request to act for an organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembershipRequest {
    pub id: i64,
    pub handle: String,
    pub name: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub organisation: OrgRef,
    pub message: String,
    pub status: RequestStatus,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// What happened to a request to join: an organisation whose e-mail domain is the person's
/// own takes them at once.
#[derive(Debug, Clone, PartialEq)]
pub enum JoinOutcome {
    Joined(Membership),
    Waiting(MembershipRequest),
}

/// How long sessions last: an idle one ends after `idle`, any one after `absolute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetimes {
    pub idle: chrono::Duration,
    pub absolute: chrono::Duration,
}

impl Default for SessionLifetimes {
    fn default() -> Self {
        SessionLifetimes { idle: chrono::Duration::hours(8), absolute: chrono::Duration::days(7) }
    }
}

/// A signed-in browser.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub user: User,
    /// The synchronizer token every form of the session carries.
    pub csrf: String,
    /// The configured provider that signed the person in (`None`: a demo account).
    pub provider: Option<String>,
    pub id_token: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// A login begun with a provider, as the callback finds it again.
#[derive(Debug, Clone, PartialEq)]
pub struct LoginAttempt {
    pub provider: String,
    pub pkce_verifier: String,
    pub nonce: String,
    /// The page to go back to.
    pub next: String,
}

/// A handle made from what a provider says: the e-mail's local part, else the name, else
/// the subject, kept to lower-case letters, digits and `-`.
pub fn handle_base(identity: &Identity) -> String {
    let source = identity
        .email
        .as_deref()
        .and_then(|e| e.split('@').next())
        .filter(|s| !s.is_empty())
        .or(identity.name.as_deref())
        .unwrap_or(&identity.subject);
    let handle: String = crate::slug::Slug::from_name(source).map(|s| s.as_str().to_string()).unwrap_or_default();
    let handle: String = handle.chars().take(40).collect();
    match handle.trim_end_matches('-') {
        "" => "user".to_string(),
        h => h.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(email: Option<&str>, name: Option<&str>) -> Identity {
        Identity {
            issuer: "https://id.example".into(),
            subject: "abc-123".into(),
            name: name.map(Into::into),
            email: email.map(Into::into),
            email_verified: true,
        }
    }

    #[test]
    fn handles_come_from_the_address_then_the_name() {
        assert_eq!(handle_base(&identity(Some("Élise.Martin@yverdon.ch"), None)), "elise-martin");
        assert_eq!(handle_base(&identity(None, Some("Jean  Dupont"))), "jean-dupont");
        assert_eq!(handle_base(&identity(None, None)), "abc-123");
        assert_eq!(handle_base(&identity(Some("@x"), Some("!!"))), "user");
    }

    #[test]
    fn only_a_verified_address_has_a_domain() {
        let mut u = User {
            id: 1,
            handle: "a".into(),
            name: "A".into(),
            email: Some("a@Lyon.fr".into()),
            email_verified: false,
            site_admin: false,
            created_at: Utc::now(),
            last_login_at: None,
        };
        assert_eq!(u.verified_domain(), None);
        u.email_verified = true;
        assert_eq!(u.verified_domain().as_deref(), Some("lyon.fr"));
    }
}
