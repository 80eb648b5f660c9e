//! The `communs` server: command line, settings, the HTTP router, and the commands that
//! wire the catalog to files.

pub mod api;
pub mod auth;
pub mod backup;
pub mod cache;
pub mod catalogues;
pub mod changes;
pub mod cli;
pub mod config;
pub mod connections;
pub mod contribute;
pub mod dashboards;
pub mod dcat;
pub mod demo;
pub mod error;
pub mod export;
pub mod federation;
pub mod guard;
pub mod harvest;
pub mod logging;
pub mod mail;
pub mod memory;
pub mod metrics;
pub mod oidc;
pub mod openapi;
pub mod outbound;
pub mod pages;
pub mod params;
pub mod probes;
pub mod problem;
pub mod proposals;
pub mod publiccode;
pub mod questions;
pub mod ratelimit;
pub mod search;
pub mod search_api;
pub mod session;
pub mod tender;
pub mod webhook_api;
pub mod webhooks;

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use catalog::Store;

/// Connections served at once unless the operator says otherwise.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// How long clients may take: a slow or silent client must not hold a connection.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Connections served at once; the next ones wait in the listen queue.
    pub max_connections: usize,
    /// For a request's headers to arrive, from the moment the connection waits for them.
    pub header_timeout: Duration,
    /// A connection that neither reads nor writes for this long is closed.
    pub idle_timeout: Duration,
    /// The reverse proxies whose `X-Forwarded-For` is believed (`trusted_proxies`); from any
    /// other peer, forwarded headers are ignored and the peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            trusted_proxies: Vec::new(),
        }
    }
}

/// What the operator watches the process by.
#[derive(Debug, Default)]
pub struct Observe {
    pub metrics: std::sync::Arc<metrics::Metrics>,
    /// Where `/metrics` is served, apart from the site; `None`: nowhere.
    pub metrics_bind: Option<SocketAddr>,
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
#[allow(clippy::too_many_arguments)]
pub async fn serve(
    store: Store,
    search: std::sync::Arc<search::SearchIndex>,
    bind: SocketAddr,
    cache_bytes: usize,
    site: guard::Site,
    accounts: session::Accounts,
    limits: ConnectionLimits,
    observe: Observe,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let listener =
        tokio::net::TcpListener::bind(bind).await.map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e}"))?;
    let state = api::app_state(store.clone(), search.clone(), cache_bytes, site, accounts, observe.metrics);
    if let Some(at) = observe.metrics_bind {
        metrics::serve(at, metrics::Watched::of_site(&state), out).await?;
    }
    writeln!(out, "Communs is listening on http://{}", listener.local_addr()?)?;
    out.flush()?;
    let app = api::site_router(state);
    connections::serve(listener, app, limits, shutdown()).await;
    // What the last writes left for the index's text, committed: the next start need not
    // read it again.
    search.text_committed().await;
    store.close().await;
    Ok(())
}

/// A process that serves no pages (`serve --role harvest`): its background work runs until
/// Ctrl-C or SIGTERM, its metrics on their address if it has one.
pub async fn serve_jobs(store: Store, observe: Observe, out: &mut dyn Write) -> anyhow::Result<()> {
    if let Some(at) = observe.metrics_bind {
        let watched = metrics::Watched { metrics: observe.metrics.clone(), store: store.clone(), site: None };
        metrics::serve(at, watched, out).await?;
    }
    writeln!(out, "Communs is running its background work (no pages: --role harvest)")?;
    out.flush()?;
    shutdown().await;
    store.close().await;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
