//! The `communs` server: command line, settings, the HTTP router, and the commands that
//! wire the catalog to files.

pub mod api;
pub mod cache;
pub mod cli;
pub mod config;
pub mod dashboards;
pub mod demo;
pub mod export;
pub mod harvest;
pub mod memory;
pub mod pages;
pub mod params;
pub mod problem;
pub mod publiccode;
pub mod search;
pub mod search_api;

use std::io::Write;
use std::net::SocketAddr;

use catalog::Store;

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(
    store: Store,
    search: std::sync::Arc<search::SearchIndex>,
    bind: SocketAddr,
    cache_bytes: usize,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let listener =
        tokio::net::TcpListener::bind(bind).await.map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e}"))?;
    writeln!(out, "Communs is listening on http://{}", listener.local_addr()?)?;
    out.flush()?;
    // The peer's address is kept so that writes can be refused from other machines.
    let app =
        api::router_with_cache(store.clone(), search, cache_bytes).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
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
