//! Following peers (see `catalog::federation`): a round reads a peer's changes feed from the
//! cursor kept here, by pages of 1,000, each change with its record (`records=true`); a
//! record the page does not carry (past the peer's budget for a page) is read once, at an
//! address this instance builds itself from the change's kind and key; the page is written
//! here in one transaction that moves the cursor. A round is one request a page, and one
//! with nothing new one request. The peer's address is checked again and resolved before each
//! round, and every request of the round goes to the address checked, without redirects.

use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use catalog::federation::{ApplyReport, FederatedEntity, Incoming, Peer, RemoteRecord};
use catalog::{ChangeCursor, Store};
use serde::Deserialize;

/// `[federation]` of `communs.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FederationFile {
    /// Minutes between two rounds of `serve` (60 unless told; 0: none in the background).
    pub every_minutes: Option<u64>,
    /// How long a peer has to answer one request, in seconds (30 unless told).
    pub timeout_seconds: Option<u64>,
}

/// How rounds run.
#[derive(Debug, Clone)]
pub struct FederationConfig {
    /// None: no rounds in the background.
    pub every: Option<Duration>,
    pub timeout: Duration,
    /// The operator's `--allow-local`: peers on this machine or its private networks.
    pub allow_local: bool,
}

impl FederationFile {
    pub fn config(&self, allow_local: bool) -> anyhow::Result<FederationConfig> {
        let every = match self.every_minutes {
            None => Some(60),
            Some(0) => None,
            Some(n) if n <= 7 * 24 * 60 => Some(n),
            Some(n) => bail!("federation.every_minutes: {n} is more than a week (10080)"),
        };
        let timeout = match self.timeout_seconds {
            None => 30,
            Some(n) if (1..=600).contains(&n) => n,
            Some(n) => bail!("federation.timeout_seconds: {n} is not between 1 and 600"),
        };
        Ok(FederationConfig {
            every: every.map(|m| Duration::from_secs(m * 60)),
            timeout: Duration::from_secs(timeout),
            allow_local,
        })
    }
}

/// Changes read by one request.
const PAGE: usize = 1000;
/// The most a round reads (a million changes): the next round goes on from there.
const MAX_PAGES: usize = 1000;
/// The most one answer of a peer may weigh.
const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// What a round did.
#[derive(Debug, Clone, Default)]
pub struct RoundReport {
    pub peer: String,
    /// Requests made to the peer.
    pub requests: usize,
    pub applied: ApplyReport,
    /// Where the next round starts.
    pub cursor: String,
}

impl RoundReport {
    pub fn line(&self) -> String {
        let a = &self.applied;
        format!(
            "{}: {} request(s); {} created, {} updated, {} matched, {} removed, {} kept, {} refused; next from {}",
            self.peer,
            self.requests,
            a.created,
            a.updated,
            a.matched,
            a.removed,
            a.kept.len(),
            a.refused.len(),
            self.cursor
        )
    }
}

#[derive(Deserialize)]
struct FeedPage {
    changes: Vec<FeedChange>,
    next: String,
    more: bool,
}

#[derive(Deserialize)]
struct FeedChange {
    entity: String,
    key: String,
    change: String,
    /// The record as it is now, when the peer gave it (`records=true`).
    #[serde(default)]
    record: Option<serde_json::Value>,
}

/// The peer, reached at the address checked for this round.
struct PeerClient {
    http: reqwest::Client,
    base: String,
}

impl PeerClient {
    async fn new(peer: &Peer, config: &FederationConfig) -> anyhow::Result<PeerClient> {
        let agent = concat!("communs-federation/", env!("CARGO_PKG_VERSION"));
        let http = crate::outbound::pinned_client(&peer.url, config.allow_local, config.timeout, agent)
            .await
            .map_err(|why| anyhow!(why))?;
        Ok(PeerClient { http, base: peer.url.clone() })
    }

    /// The status and body of `GET {base}{path}`, the body bounded.
    async fn get(&self, path: &str) -> anyhow::Result<(u16, Vec<u8>)> {
        let url = format!("{}{path}", self.base);
        let mut response =
            self.http.get(&url).header(reqwest::header::ACCEPT, "application/json").send().await.map_err(|e| {
                anyhow!("{url}: {}", std::error::Error::source(&e).map_or_else(|| e.to_string(), |s| s.to_string()))
            })?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.with_context(|| format!("{url}: the answer broke off"))? {
            if body.len() + chunk.len() > MAX_ANSWER {
                bail!("{url}: the answer is larger than {} MiB", MAX_ANSWER / 1024 / 1024);
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, body))
    }
}

/// One round with `peer`: every page of its feed after the cursor kept here.
pub async fn round(store: &Store, peer: &Peer, config: &FederationConfig) -> anyhow::Result<RoundReport> {
    let mut report = RoundReport { peer: peer.name.clone(), cursor: peer.cursor.to_string(), ..Default::default() };
    let result = read_feed(store, peer, config, &mut report).await;
    if let Err(e) = &result {
        store.note_peer_problem(peer, &format!("{e:#}")).await?;
    }
    result.map(|()| report)
}

async fn read_feed(
    store: &Store,
    peer: &Peer,
    config: &FederationConfig,
    report: &mut RoundReport,
) -> anyhow::Result<()> {
    let client = PeerClient::new(peer, config).await?;
    let mut cursor = peer.cursor;
    for _ in 0..MAX_PAGES {
        let (status, body) = client.get(&format!("/api/v1/changes?since={cursor}&limit={PAGE}&records=true")).await?;
        report.requests += 1;
        if status != 200 {
            bail!("{}/api/v1/changes answered {status}: is it a Communs instance?", peer.url);
        }
        let page: FeedPage = serde_json::from_slice(&body)
            .with_context(|| format!("{}/api/v1/changes: not a page of the changes feed", peer.url))?;
        if page.changes.is_empty() {
            store.note_quiet_round(peer).await?;
            return Ok(());
        }
        let next = ChangeCursor::parse(&page.next).map_err(|e| anyhow!("{}: the feed's next cursor: {e}", peer.url))?;
        if next <= cursor {
            bail!("{}: the feed went back from {cursor} to {next}", peer.url);
        }
        let (incoming, refused) = read_records(&client, &page.changes, &mut report.requests).await?;
        let applied = store
            .apply_peer_changes(peer, &incoming, refused, next, chrono::Utc::now().date_naive())
            .await
            .context("cannot write the peer's records")?;
        report.applied.add(applied);
        cursor = next;
        report.cursor = cursor.to_string();
        if !page.more {
            return Ok(());
        }
    }
    Ok(())
}

/// Each record a page changed, read once as it is now (`None`: removed, or gone since), in
/// the order of their first change; and the records refused as read, with why.
async fn read_records(
    client: &PeerClient,
    changes: &[FeedChange],
    requests: &mut usize,
) -> anyhow::Result<(Vec<Incoming>, Vec<String>)> {
    // Each record once: (kind, key, removed, its record as the page gives it).
    let mut last: Vec<(FederatedEntity, &str, bool, Option<&serde_json::Value>)> = Vec::new();
    let mut at: std::collections::HashMap<(FederatedEntity, &str), usize> = Default::default();
    let mut refused = Vec::new();
    for c in changes {
        // A kind of record a newer peer has, which this instance does not keep.
        let Some(entity) = FederatedEntity::parse(&c.entity) else { continue };
        if !entity.valid_key(&c.key) {
            refused.push(format!("{} {:?}: not a key of this kind of record", c.entity, c.key));
            continue;
        }
        // A record keeps the place of its first change in the page, so that what it needs
        // (a software's organisations) comes before it, and takes its last change's kind.
        let deleted = c.change == "delete";
        match at.get(&(entity, c.key.as_str())) {
            Some(&i) => last[i] = (entity, &c.key, deleted, c.record.as_ref().or(last[i].3)),
            None => {
                at.insert((entity, &c.key), last.len());
                last.push((entity, &c.key, deleted, c.record.as_ref()));
            }
        }
    }
    let mut incoming = Vec::with_capacity(last.len());
    for (entity, key, deleted, given) in last {
        let record = if deleted {
            None
        } else if let Some(value) = given {
            match RemoteRecord::from_value(entity, key, value.clone()) {
                Ok(r) => Some(r),
                Err(e) => {
                    refused.push(e.to_string());
                    continue;
                }
            }
        } else {
            // Past the page's budget for records, or a peer that gives none: read where
            // the feed says.
            let (status, body) = client.get(&format!("/api/v1/{}/{key}", entity.collection())).await?;
            *requests += 1;
            match status {
                200 => match RemoteRecord::read(entity, key, &body) {
                    Ok(r) => Some(r),
                    Err(e) => {
                        refused.push(e.to_string());
                        continue;
                    }
                },
                404 | 410 => None,
                other => bail!("{}/api/v1/{}/{key} answered {other}", client.base, entity.collection()),
            }
        };
        incoming.push(Incoming { entity, key: key.to_string(), record });
    }
    Ok((incoming, refused))
}

/// A round with every peer each `config.every`, as long as the server runs.
pub fn spawn(store: Store, config: FederationConfig) {
    let Some(every) = config.every else { return };
    tokio::spawn(async move {
        loop {
            match store.peers().await {
                Ok(peers) => {
                    for peer in peers {
                        match round(&store, &peer, &config).await {
                            Ok(r) => tracing::info!(peer = %peer.name, "{}", r.line()),
                            Err(e) => {
                                tracing::warn!(peer = %peer.name, error = %format!("{e:#}"), "federation round failed")
                            }
                        }
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot read the peers"),
            }
            tokio::time::sleep(every).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_are_named() {
        let file = |text: &str| toml::from_str::<FederationFile>(text).unwrap();
        assert_eq!(file("").config(false).unwrap().every, Some(Duration::from_secs(3600)));
        assert_eq!(file("every_minutes = 0").config(false).unwrap().every, None);
        let e = file("timeout_seconds = 0").config(false).unwrap_err().to_string();
        assert!(e.starts_with("federation.timeout_seconds"), "{e}");
        assert!(toml::from_str::<FederationFile>("every = 3").is_err(), "an unknown key is refused");
    }
}
