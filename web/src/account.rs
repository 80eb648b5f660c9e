//! The pages of people: signing in, one's account (organisations, requests, tokens), the
//! requests waiting for an admin, and an organisation's people. `server` fills them; a form
//! that was refused comes back with what the person typed and each bad field marked.

use askama::Template;
use chrono::NaiveDate;

use crate::pages::Chrome;

/// A form's refused fields: `(field, message in the page's language)`.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub Vec<(String, String)>);

impl FieldErrors {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A way to sign in.
#[derive(Debug, Clone)]
pub struct ProviderChoice {
    pub id: String,
    pub name: String,
}

/// A demo account (`--demo` only).
#[derive(Debug, Clone)]
pub struct DemoChoice {
    pub handle: String,
    pub name: String,
    /// Who they are, in the page's language.
    pub description: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub providers: Vec<ProviderChoice>,
    pub demo_accounts: Vec<DemoChoice>,
    /// Where to go once signed in.
    pub next: String,
    pub csrf: String,
    /// Why the last try failed, in the page's language.
    pub problem: Option<String>,
    /// What just happened (signed out).
    pub notice: Option<String>,
    /// After logout: the provider's own logout, as (its name, the address), when it has one.
    pub provider_logout: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct MembershipRow {
    pub slug: String,
    pub name: String,
    pub role: String,
    pub admin: bool,
    /// Whether the person answers other bodies' questions about what it uses.
    pub answers_questions: bool,
}

#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: i64,
    pub person: String,
    pub handle: String,
    pub email: String,
    pub email_verified: bool,
    pub organisation_slug: String,
    pub organisation: String,
    pub message: String,
    pub status: String,
    pub created: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub name: String,
    pub scope: String,
    pub organisation: String,
    pub created: NaiveDate,
    pub expires: Option<NaiveDate>,
    pub last_used: Option<NaiveDate>,
    pub live: bool,
}

/// What the token form holds (as typed, when it comes back refused).
#[derive(Debug, Clone, Default)]
pub struct TokenForm {
    pub name: String,
    pub organisation: String,
    pub scope: String,
    pub days: String,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub chrome: Chrome,
    pub name: String,
    pub handle: String,
    pub email: String,
    pub email_verified: bool,
    pub site_admin: bool,
    pub memberships: Vec<MembershipRow>,
    /// Questions sent to the person's organisations that none of them answered yet.
    pub questions_to_answer: usize,
    /// Questions the person or their organisations asked.
    pub questions_asked: usize,
    pub requests: Vec<RequestRow>,
    /// Requests waiting for this person's decision.
    pub waiting: usize,
    pub tokens: Vec<TokenRow>,
    /// A token just made: shown this once.
    pub new_token: Option<String>,
    pub token_form: TokenForm,
    pub token_errors: FieldErrors,
    pub join_organisation: String,
    pub join_message: String,
    pub join_errors: FieldErrors,
    /// What just happened, in the page's language.
    pub notice: Option<String>,
    pub csrf: String,
    /// What the person's organisations are asked: adoptions to confirm or check, news of
    /// their roadmaps.
    pub asked: crate::contribute::AskedOfMe,
    /// The one-time token of the page's confirmation buttons.
    pub once: String,
}

#[derive(Template)]
#[template(path = "requests.html")]
pub struct RequestsPage {
    pub chrome: Chrome,
    pub requests: Vec<RequestRow>,
    pub notice: Option<String>,
    pub csrf: String,
}

#[derive(Debug, Clone)]
pub struct PersonRow {
    pub handle: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub admin: bool,
    pub since: NaiveDate,
}

#[derive(Template)]
#[template(path = "people.html")]
pub struct PeoplePage {
    pub chrome: Chrome,
    pub slug: String,
    pub name: String,
    pub liaison: Option<u8>,
    pub people: Vec<PersonRow>,
    pub notice: Option<String>,
    pub problem: Option<String>,
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
pub struct AdminPage {
    pub chrome: Chrome,
    /// The site administrators: (handle, name, address).
    pub admins: Vec<(String, String, String)>,
    /// The handle of the reader, who cannot remove themselves here.
    pub me: String,
    /// What the form to name one holds, as typed.
    pub user: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    pub csrf: String,
}

/// An organisation's webhooks, for its admins.
#[derive(Template)]
#[template(path = "webhooks.html")]
pub struct WebhooksPage {
    pub chrome: Chrome,
    pub slug: String,
    pub name: String,
    pub liaison: Option<u8>,
    pub hooks: Vec<WebhookRow>,
    /// The kinds of change to choose from: value, words, ticked.
    pub kinds: Vec<(String, String, bool)>,
    /// The form's values, kept when it is refused.
    pub url: String,
    pub scope: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    pub csrf: String,
}

#[derive(Debug, Clone)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub secret: String,
    /// The kinds, in words.
    pub kinds: String,
    /// The scope, in words.
    pub scope: String,
    pub created: String,
    pub deliveries: Vec<DeliveryRow>,
}

/// A line of a webhook's delivery log.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub id: i64,
    pub event: i64,
    /// Kind and action, in words.
    pub change: String,
    pub created: String,
    /// `pending`, `delivered` or `failed`, for the class.
    pub status: String,
    pub status_words: String,
    pub attempts: i64,
    /// The last try's outcome: the receiver's status, or why it failed.
    pub outcome: String,
    /// When the next try is due, for a pending delivery.
    pub next: String,
}
