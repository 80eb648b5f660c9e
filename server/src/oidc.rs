//! Login with OpenID Connect: the authorisation code flow with PKCE, `state` and `nonce`,
//! the ID token checked against the keys the provider publishes (found by discovery from
//! its issuer URL), with a bounded clock skew. Any number of providers: ProConnect, a
//! regional Keycloak, a GitLab.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use catalog::Identity;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope, TokenResponse,
};
use serde::Deserialize;

/// A provider as `communs.toml` declares it, under `[[providers]]`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// Short name, in the provider's addresses (`/login/proconnect`).
    pub id: String,
    /// What the login page calls it.
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    /// The secret itself, or (better) the environment variable that holds it.
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// Scopes asked besides `openid` (default: `email profile`).
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// If set, only verified addresses of these domains may sign in with this provider.
    #[serde(default)]
    pub allowed_domains: Vec<String>,
}

impl ProviderConfig {
    /// Checks what can be checked without the network.
    pub fn check(&self) -> anyhow::Result<()> {
        let ok_id = !self.id.is_empty()
            && self.id.len() <= 40
            && self.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        anyhow::ensure!(ok_id, "providers: id {:?} must be 1 to 40 of a-z, 0-9 and -", self.id);
        anyhow::ensure!(self.id != "demo", "providers: the id demo is the demo accounts'");
        IssuerUrl::new(self.issuer.clone())
            .map_err(|e| anyhow::anyhow!("providers.{}: issuer {:?} is not a URL: {e}", self.id, self.issuer))?;
        anyhow::ensure!(!self.client_id.is_empty(), "providers.{}: client_id is empty", self.id);
        if let Some(var) = &self.client_secret_env {
            anyhow::ensure!(
                std::env::var(var).is_ok(),
                "providers.{}: the environment variable {var} (client_secret_env) is not set",
                self.id
            );
        }
        Ok(())
    }

    fn secret(&self) -> Option<ClientSecret> {
        self.client_secret_env
            .as_ref()
            .and_then(|v| std::env::var(v).ok())
            .or_else(|| self.client_secret.clone())
            .map(ClientSecret::new)
    }
}

/// Why a login with a provider did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The provider did not answer, or not with a usable discovery document.
    #[error("the provider {provider} did not answer: {detail}")]
    Unreachable { provider: String, detail: String },
    /// The provider answered, but what it sent back is refused.
    #[error("login refused: {0}")]
    Refused(String),
}

/// How long a provider's discovery document (and its keys) is kept.
const DISCOVERY_KEPT: Duration = Duration::from_secs(600);
/// How far the provider's clock may be from ours.
const CLOCK_SKEW: chrono::Duration = chrono::Duration::seconds(120);
/// An ID token issued longer ago than this is stale, whatever its expiry.
const ISSUED_WITHIN: chrono::Duration = chrono::Duration::minutes(10);

/// What the authorisation request needs the callback to find again.
pub struct Authorization {
    pub url: url::Url,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The configured providers, with their discovery documents once fetched.
#[derive(Default)]
pub struct Providers {
    list: Vec<ProviderConfig>,
    http: reqwest::Client,
    discovered: Mutex<HashMap<String, (ProviderMetadataWithLogout, Instant)>>,
}

impl Providers {
    pub fn new(list: Vec<ProviderConfig>) -> anyhow::Result<Providers> {
        for (i, p) in list.iter().enumerate() {
            p.check()?;
            anyhow::ensure!(!list[..i].iter().any(|q| q.id == p.id), "providers: the id {} is given twice", p.id);
        }
        // A redirect would let a provider send us to any address: none is followed.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()?;
        Ok(Providers { list, http, discovered: Mutex::new(HashMap::new()) })
    }

    pub fn list(&self) -> &[ProviderConfig] {
        &self.list
    }

    pub fn get(&self, id: &str) -> Option<&ProviderConfig> {
        self.list.iter().find(|p| p.id == id)
    }

    async fn metadata(&self, p: &ProviderConfig) -> Result<ProviderMetadataWithLogout, LoginError> {
        if let Some((m, at)) = self.discovered.lock().unwrap_or_else(|e| e.into_inner()).get(&p.id) {
            if at.elapsed() < DISCOVERY_KEPT {
                return Ok(m.clone());
            }
        }
        let issuer = IssuerUrl::new(p.issuer.clone()).map_err(|e| LoginError::Refused(e.to_string()))?;
        let m = ProviderMetadataWithLogout::discover_async(issuer, &self.http).await.map_err(|e| {
            tracing::warn!(provider = %p.id, error = %e, "discovery failed");
            LoginError::Unreachable { provider: p.name.clone(), detail: e.to_string() }
        })?;
        self.discovered.lock().unwrap_or_else(|e| e.into_inner()).insert(p.id.clone(), (m.clone(), Instant::now()));
        Ok(m)
    }

    /// The provider's authorisation address for a new login, coming back to `redirect_uri`.
    pub async fn authorize(&self, p: &ProviderConfig, redirect_uri: &str) -> Result<Authorization, LoginError> {
        let metadata = self.metadata(p).await?;
        let redirect = RedirectUrl::new(redirect_uri.to_string()).map_err(|e| LoginError::Refused(e.to_string()))?;
        let client = CoreClient::from_provider_metadata(metadata, ClientId::new(p.client_id.clone()), p.secret())
            .set_redirect_uri(redirect);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let scopes = p.scopes.clone().unwrap_or_else(|| vec!["email".into(), "profile".into()]);
        let mut request =
            client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
        for s in scopes.into_iter().filter(|s| s != "openid") {
            request = request.add_scope(Scope::new(s));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(Authorization {
            url,
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Trades the callback's `code` for tokens and checks the ID token: signature with the
    /// provider's keys, issuer, audience, expiry and issue time (with bounded skew), nonce.
    /// Returns who signed in and the raw ID token (for RP-initiated logout).
    pub async fn finish(
        &self,
        p: &ProviderConfig,
        redirect_uri: &str,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<(Identity, String), LoginError> {
        let metadata = self.metadata(p).await?;
        let redirect = RedirectUrl::new(redirect_uri.to_string()).map_err(|e| LoginError::Refused(e.to_string()))?;
        let client = CoreClient::from_provider_metadata(metadata, ClientId::new(p.client_id.clone()), p.secret())
            .set_redirect_uri(redirect);
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| LoginError::Refused(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| LoginError::Refused(format!("the provider refused the code: {e}")))?;
        let id_token =
            response.id_token().ok_or_else(|| LoginError::Refused("the provider sent no ID token".into()))?;
        let verifier = client
            .id_token_verifier()
            .set_time_fn(|| chrono::Utc::now() - CLOCK_SKEW)
            .set_issue_time_verifier_fn(|iat| {
                let now = chrono::Utc::now();
                if iat > now + CLOCK_SKEW {
                    Err(format!("issued in the future ({iat})"))
                } else if iat < now - ISSUED_WITHIN {
                    Err(format!("issued too long ago ({iat})"))
                } else {
                    Ok(())
                }
            });
        let claims = id_token
            .claims(&verifier, &Nonce::new(nonce.to_string()))
            .map_err(|e| LoginError::Refused(format!("the ID token is refused: {e}")))?;
        let email = claims.email().map(|e| e.as_str().to_string());
        let identity = Identity {
            issuer: p.issuer.clone(),
            subject: claims.subject().as_str().to_string(),
            name: claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string()).or_else(|| {
                let given = claims.given_name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string());
                let family = claims.family_name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string());
                match (given, family) {
                    (Some(g), Some(f)) => Some(format!("{g} {f}")),
                    (g, f) => g.or(f),
                }
            }),
            email_verified: email.is_some() && claims.email_verified().unwrap_or(false),
            email,
        };
        if !p.allowed_domains.is_empty() {
            let domain = identity
                .email
                .as_deref()
                .filter(|_| identity.email_verified)
                .and_then(|e| e.rsplit_once('@'))
                .map(|(_, d)| d.to_ascii_lowercase());
            if !domain.is_some_and(|d| p.allowed_domains.iter().any(|a| a.eq_ignore_ascii_case(&d))) {
                return Err(LoginError::Refused(format!(
                    "{} accepts verified addresses of {} only",
                    p.name,
                    p.allowed_domains.join(", ")
                )));
            }
        }
        Ok((identity, id_token.to_string()))
    }

    /// The provider's logout address (RP-initiated logout), when it offers one.
    pub async fn logout_url(&self, p: &ProviderConfig, id_token: Option<&str>, back_to: &str) -> Option<url::Url> {
        let metadata = self.metadata(p).await.ok()?;
        let end = metadata.additional_metadata().end_session_endpoint.clone()?;
        let mut url = end.url().clone();
        {
            let mut q = url.query_pairs_mut();
            if let Some(t) = id_token {
                q.append_pair("id_token_hint", t);
            }
            q.append_pair("client_id", &p.client_id);
            if PostLogoutRedirectUrl::new(back_to.to_string()).is_ok() {
                q.append_pair("post_logout_redirect_uri", back_to);
            }
        }
        Some(url)
    }
}
