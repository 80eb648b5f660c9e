//! Requests this server makes to addresses people gave it (a webhook's receiver, a followed
//! instance): the address is checked again before each use, on every address its host
//! resolves to, and the connection goes to the address checked (no second lookup an
//! attacker's DNS could answer differently), through no proxy and without following
//! redirects.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use catalog::address::{read_webhook_address, refused_kind, AddressPolicy, Host};

/// A client for `url` alone, pinned to the address checked, that gives up after `timeout`;
/// or why the address is refused.
pub async fn pinned_client(
    url: &str,
    allow_local: bool,
    timeout: Duration,
    agent: &'static str,
) -> Result<reqwest::Client, String> {
    let target = resolve(url, allow_local).await?;
    let mut client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .user_agent(agent);
    if let Some((name, address)) = &target {
        client = client.resolve(name, *address);
    }
    client.build().map_err(|e| format!("no HTTP client: {e}"))
}

/// Checks `url` again (as a webhook's or a peer's address), then every address its host
/// resolves to: the name and the address
/// to connect to, or `None` for an address written as such (already checked).
async fn resolve(url: &str, allow_local: bool) -> Result<Option<(String, SocketAddr)>, String> {
    let policy = if allow_local { AddressPolicy::AllowLocal } else { AddressPolicy::PublicOnly };
    let address = read_webhook_address(url, policy).map_err(|why| format!("refused address: {why}"))?;
    let name = match address.host {
        Host::Ip(_) | Host::Local => return Ok(None),
        Host::Name(name) => name,
    };
    let found: Vec<IpAddr> = tokio::net::lookup_host((name.as_str(), address.port))
        .await
        .map_err(|e| format!("{name} does not resolve: {e}"))?
        .map(|a| a.ip())
        .collect();
    let first = *found.first().ok_or_else(|| format!("{name} resolves to no address"))?;
    if !allow_local {
        if let Some((ip, kind)) = found.iter().find_map(|ip| refused_kind(ip).map(|k| (ip, k))) {
            return Err(format!("refused address: {name} resolves to {ip}, a {kind} address"));
        }
    }
    Ok(Some((name, SocketAddr::new(first, address.port))))
}
