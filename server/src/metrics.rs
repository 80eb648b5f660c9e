//! What a process has done, in the Prometheus text format, at `/metrics` on an address of
//! its own (`--metrics-bind`): the reverse proxy never reaches it, so the routes, the pool
//! and the harvest's failures are not told to the public.
//!
//! The counters are this process's since it started, as Prometheus expects of each target;
//! the gauges (pool, index lag, cache size, memory) are read when the page is asked for.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::AppState;

/// Upper bounds of the latency buckets, in seconds: from a cached answer (under a
/// millisecond) to the request timeout (30 s).
const BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0];

/// A latency histogram: how many observations fell at or under each bound, their sum.
#[derive(Debug, Clone, Default)]
struct Histogram {
    /// Per bucket, not cumulated: `render` adds them up.
    counts: [u64; BUCKETS.len()],
    /// Above the last bound.
    over: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        match BUCKETS.iter().position(|b| seconds <= *b) {
            Some(i) => self.counts[i] += 1,
            None => self.over += 1,
        }
        self.sum += seconds;
    }

    fn count(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.over
    }

    /// The `_bucket`, `_sum` and `_count` lines of `name` with `labels` (already written as
    /// `a="x",b="y"`, or empty).
    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulated = 0;
        for (bound, n) in BUCKETS.iter().zip(self.counts) {
            cumulated += n;
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulated}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}", self.count());
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count());
    }
}

/// A label's value as the text format wants it: backslash, quote and newline escaped.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// A request as counted: its method, its route's template (never the path itself, whose
/// values would make a series per record) and its status.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RequestKey {
    method: String,
    route: String,
    status: u16,
}

/// What the harvests of this process did.
#[derive(Debug, Clone, Default)]
struct Harvests {
    runs: u64,
    /// Repositories, by outcome: cloned, updated, unchanged, failed, lost.
    outcomes: BTreeMap<&'static str, u64>,
    /// Failures, by class (`network`, `too_large`, …).
    failures: BTreeMap<String, u64>,
}

/// This process's counters.
#[derive(Debug)]
pub struct Metrics {
    started: Instant,
    requests: Mutex<BTreeMap<RequestKey, Histogram>>,
    /// Searches, by index (`software`, `organisations`).
    searches: Mutex<BTreeMap<&'static str, Histogram>>,
    harvests: Mutex<Harvests>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            started: Instant::now(),
            requests: Mutex::default(),
            searches: Mutex::default(),
            harvests: Mutex::default(),
        }
    }
}

impl Metrics {
    pub fn new() -> Arc<Metrics> {
        Arc::new(Metrics::default())
    }

    fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let key = RequestKey { method: method.to_string(), route: route.to_string(), status };
        self.requests.lock().expect("metrics lock").entry(key).or_default().observe(took.as_secs_f64());
    }

    /// A search of `index` that took `took`.
    pub fn search(&self, index: &'static str, took: Duration) {
        self.searches.lock().expect("metrics lock").entry(index).or_default().observe(took.as_secs_f64());
    }

    /// A harvest run that ended with `summary`.
    pub fn harvest(&self, summary: &crate::harvest::Summary) {
        let mut h = self.harvests.lock().expect("metrics lock");
        h.runs += 1;
        for (outcome, n) in [
            ("cloned", summary.cloned),
            ("updated", summary.updated),
            ("unchanged", summary.unchanged),
            ("failed", summary.failed),
            ("lost", summary.lost),
        ] {
            *h.outcomes.entry(outcome).or_default() += n as u64;
        }
        for (_, class, _) in &summary.failures {
            *h.failures.entry(class.clone()).or_default() += 1;
        }
    }

    /// The page: this process's counters, then the gauges read now from `w`.
    pub async fn render(&self, w: &Watched) -> String {
        let mut out = String::with_capacity(16 * 1024);
        let head = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        head(
            &mut out,
            "communs_http_request_duration_seconds",
            "histogram",
            "HTTP requests by method, route and status.",
        );
        for (k, h) in self.requests.lock().expect("metrics lock").iter() {
            let labels =
                format!("method=\"{}\",route=\"{}\",status=\"{}\"", label(&k.method), label(&k.route), k.status);
            h.render(&mut out, "communs_http_request_duration_seconds", &labels);
        }
        head(
            &mut out,
            "communs_search_duration_seconds",
            "histogram",
            "Searches by index, from the query to the hits.",
        );
        for (index, h) in self.searches.lock().expect("metrics lock").iter() {
            h.render(&mut out, "communs_search_duration_seconds", &format!("index=\"{index}\""));
        }
        let harvests = self.harvests.lock().expect("metrics lock").clone();
        head(&mut out, "communs_harvest_runs_total", "counter", "Harvest runs that ended.");
        let _ = writeln!(out, "communs_harvest_runs_total {}", harvests.runs);
        head(&mut out, "communs_harvest_repositories_total", "counter", "Repositories harvested, by outcome.");
        for (outcome, n) in &harvests.outcomes {
            let _ = writeln!(out, "communs_harvest_repositories_total{{outcome=\"{outcome}\"}} {n}");
        }
        head(&mut out, "communs_harvest_failures_total", "counter", "Failed harvests, by class of failure.");
        for (class, n) in &harvests.failures {
            let _ = writeln!(out, "communs_harvest_failures_total{{class=\"{}\"}} {n}", label(class));
        }

        let pool = w.store.pool_use();
        head(&mut out, "communs_database_connections", "gauge", "Database connections open, by state.");
        let _ = writeln!(out, "communs_database_connections{{state=\"idle\"}} {}", pool.idle);
        let _ = writeln!(out, "communs_database_connections{{state=\"used\"}} {}", pool.open.saturating_sub(pool.idle));
        head(&mut out, "communs_database_connections_max", "gauge", "The pool's largest size.");
        let _ = writeln!(out, "communs_database_connections_max {}", pool.max);

        // A harvest process serves no pages: no cache, no index.
        if let Some((cache, search)) = &w.site {
            let cache = cache.stats();
            head(&mut out, "communs_cache_hits_total", "counter", "Answers served from the answer cache.");
            let _ = writeln!(out, "communs_cache_hits_total {}", cache.hits);
            head(&mut out, "communs_cache_misses_total", "counter", "Cacheable answers computed.");
            let _ = writeln!(out, "communs_cache_misses_total {}", cache.misses);
            head(&mut out, "communs_cache_bytes", "gauge", "Bytes of answers the cache holds.");
            let _ = writeln!(out, "communs_cache_bytes {}", cache.bytes);

            let seen = search.seen_version();
            head(
                &mut out,
                "communs_search_index_version",
                "gauge",
                "The catalog version the search index last caught up with.",
            );
            let _ = writeln!(out, "communs_search_index_version {seen}");
            // The lag is read only when the database answers; without it, the line is left out
            // rather than given a value that would look like "caught up".
            if let Ok(version) = w.store.version().await {
                head(&mut out, "communs_catalog_version", "gauge", "The catalog's change counter.");
                let _ = writeln!(out, "communs_catalog_version {version}");
                head(
                    &mut out,
                    "communs_search_index_lag_versions",
                    "gauge",
                    "Catalog versions the search index has not caught up with yet (it catches up before a search answers).",
                );
                let _ = writeln!(out, "communs_search_index_lag_versions {}", (version - seen.max(0)).max(0));
            }
            head(
                &mut out,
                "communs_search_text_pending",
                "gauge",
                "1 while text written is waiting for the index's commit.",
            );
            let _ = writeln!(out, "communs_search_text_pending {}", u8::from(search.text_behind()));
        }
        head(&mut out, "process_uptime_seconds", "gauge", "Seconds since the process started.");
        let _ = writeln!(out, "process_uptime_seconds {:.3}", self.started.elapsed().as_secs_f64());
        if let Some(rss) = crate::memory::resident_bytes() {
            head(&mut out, "process_resident_memory_bytes", "gauge", "Resident memory of the process.");
            let _ = writeln!(out, "process_resident_memory_bytes {rss}");
        }
        out
    }
}

/// Times each request and counts it under its route's template. Added with `Router::layer`,
/// it runs after routing, so that the template (`/software/{slug}`) is known; requests no
/// route took count as `unmatched`.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |m| m.as_str()).to_string();
    let response = next.run(request).await;
    state.metrics.request(&method, &route, response.status().as_u16(), started.elapsed());
    response
}

/// What the metrics page reads besides the counters.
#[derive(Clone)]
pub struct Watched {
    pub metrics: Arc<Metrics>,
    pub store: catalog::Store,
    /// The site's answer cache and search index; a harvest process has neither.
    pub site: Option<(Arc<crate::cache::ResponseCache>, Arc<crate::search::SearchIndex>)>,
}

impl Watched {
    pub fn of_site(state: &AppState) -> Watched {
        Watched {
            metrics: state.metrics.clone(),
            store: state.store.clone(),
            site: Some((state.cache.clone(), state.search.clone())),
        }
    }
}

/// `GET /metrics` on the metrics address.
async fn page(State(w): State<Watched>) -> Response {
    let body = w.metrics.render(&w).await;
    ([(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}

/// Serves `/metrics` on `at`, apart from the site, until the process ends.
pub async fn serve(at: std::net::SocketAddr, w: Watched, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(at)
        .await
        .map_err(|e| anyhow::anyhow!("metrics_bind: cannot listen on {at}: {e}"))?;
    writeln!(out, "metrics at http://{}/metrics", listener.local_addr()?)?;
    let app = axum::Router::new().route("/metrics", axum::routing::get(page)).with_state(w);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the metrics address stopped");
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulated_and_labels_escaped() {
        let mut h = Histogram::default();
        for s in [0.0004, 0.002, 0.002, 40.0] {
            h.observe(s);
        }
        let mut out = String::new();
        h.render(&mut out, "t", &format!("route=\"{}\"", label("/a\"b\\c\nd")));
        assert!(out.contains("t_bucket{route=\"/a\\\"b\\\\c\\nd\",le=\"0.0005\"} 1\n"), "{out}");
        assert!(out.contains("le=\"0.001\"} 1\n") && out.contains("le=\"0.0025\"} 3\n"), "{out}");
        assert!(out.contains("le=\"30\"} 3\n") && out.contains("le=\"+Inf\"} 4\n"), "{out}");
        assert!(out.contains("t_count{route=") && out.ends_with("} 4\n"), "{out}");
        let mut bare = String::new();
        Histogram::default().render(&mut bare, "u", "");
        assert!(bare.contains("u_bucket{le=\"+Inf\"} 0\n") && bare.contains("u_sum 0\n"), "{bare}");
    }
}
