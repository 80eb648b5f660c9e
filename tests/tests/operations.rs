//! Running it: the probes a proxy asks, the metrics on their own address, the client
//! behind a trusted proxy, and backups taken while serving and restored. (The logs are in
//! `logs.rs`, a process of their own.)

use std::sync::Arc;
use std::time::Duration;

use catalog::{Actor, Store};
use tests::{communs, database_test, today};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Runs `communs serve` until `probe` has finished with it, then drops the server.
async fn while_serving<T>(args: &[&str], probe: impl std::future::Future<Output = T>) -> T {
    tokio::select! {
        ended = communs(args) => panic!("communs serve stopped by itself: {ended:?}"),
        result = probe => result,
    }
}

/// A data folder holding the demo's catalog, without its repositories.
async fn demo_data(dir: &std::path::Path) -> String {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let store = Store::connect(&format!("sqlite://{}/communs.db", data.display())).await.unwrap();
    store.migrate().await.unwrap();
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    store.close().await;
    data.display().to_string()
}

/// The value of the series `series` (its name and labels, as written) in a metrics page.
fn value(page: &str, series: &str) -> Option<f64> {
    page.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// The first answer at `url`, asked every 100 ms while nothing listens (60 s at most).
async fn first_answer(client: &reqwest::Client, url: &str) -> reqwest::Response {
    for _ in 0..600 {
        if let Ok(r) = client.get(url).send().await {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("nothing answered at {url}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_probes_answer_and_the_metrics_count_on_their_own_address() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo_data(dir.path()).await;
    let (port, metrics_port) = (free_port(), free_port());
    let (bind, metrics_bind) = (format!("127.0.0.1:{port}"), format!("127.0.0.1:{metrics_port}"));
    let args = ["--data-dir", &data, "serve", "--bind", &bind, "--harvest-every", "0", "--metrics-bind", &metrics_bind];
    while_serving(&args, async {
        let site = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
        let alive = first_answer(&client, &format!("{site}/healthz")).await;
        assert_eq!(alive.status(), 200);
        assert_eq!(alive.text().await.unwrap(), "ok\n");
        let ready = client.get(format!("{site}/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 200);
        let ready: serde_json::Value = ready.json().await.unwrap();
        assert_eq!((ready["status"].as_str(), ready["database"].as_str()), (Some("ready"), Some("sqlite")));
        assert!(ready["catalog_version"].as_i64().unwrap() > 0, "{ready}");

        // Each answer carries a request id: the proxy's when it sends one, else a new one.
        let page = client.get(format!("{site}/software/decidim")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let made = page.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_eq!(made.len(), 36, "a UUID: {made}");
        let again = client.get(format!("{site}/software/decidim")).header("X-Request-Id", "proxy-42").send().await.unwrap();
        assert_eq!(again.headers()["x-request-id"], "proxy-42");
        for path in ["/api/v1/software/decidim", "/api/v1/search?q=participation", "/no/such/page/77777"] {
            client.get(format!("{site}{path}")).send().await.unwrap();
        }

        // The site does not show the metrics; their own address does.
        let hidden = client.get(format!("{site}/metrics")).send().await.unwrap();
        assert_eq!(hidden.status(), 404);
        let r = client.get(format!("http://{metrics_bind}/metrics")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
        let m = r.text().await.unwrap();
        let count = |route: &str, status: u16| {
            value(&m, &format!("communs_http_request_duration_seconds_count{{method=\"GET\",route=\"{route}\",status=\"{status}\"}}"))
        };
        assert_eq!(count("/software/{slug}", 200), Some(2.0), "{m}");
        assert_eq!(count("/api/v1/software/{slug}", 200), Some(1.0), "{m}");
        assert_eq!(count("/api/v1/search", 200), Some(1.0), "{m}");
        assert!(count("/readyz", 200).is_some() && count("/healthz", 200).is_some(), "{m}");
        // A path no route took counts under one name: a scan cannot make a series per path.
        // (Two: the page that is not there, and /metrics asked of the site.)
        assert_eq!(count("unmatched", 404), Some(2.0), "{m}");
        assert!(!m.contains("77777"), "{m}");
        // The histogram's buckets add up to its count.
        let inf = value(
            &m,
            "communs_http_request_duration_seconds_bucket{method=\"GET\",route=\"/software/{slug}\",status=\"200\",le=\"+Inf\"}",
        );
        assert_eq!(inf, Some(2.0), "{m}");
        assert!(value(&m, "communs_search_duration_seconds_count{index=\"software\"}").unwrap() >= 1.0, "{m}");
        // The second look at the same page was the cache's.
        assert!(value(&m, "communs_cache_hits_total").unwrap() >= 1.0, "{m}");
        assert!(value(&m, "communs_cache_misses_total").unwrap() >= 1.0, "{m}");
        assert!(value(&m, "communs_database_connections_max").unwrap() >= 1.0, "{m}");
        assert!(value(&m, "communs_database_connections{state=\"idle\"}").is_some(), "{m}");
        assert_eq!(value(&m, "communs_search_index_lag_versions"), Some(0.0), "{m}");
        assert_eq!(value(&m, "communs_harvest_runs_total"), Some(0.0), "{m}");
        assert!(value(&m, "process_resident_memory_bytes").unwrap() > 1e6, "{m}");
        for line in m.lines().filter(|l| !l.starts_with('#')) {
            let (_, v) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
            assert!(v.parse::<f64>().is_ok(), "not a number: {line}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_bad_metrics_address_stops_the_start_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    let (code, _, err) = communs(&["--data-dir", &data, "serve", "--metrics-bind", "localhost"]).await;
    assert_eq!(code, server::cli::FAILED);
    assert!(err.contains("metrics_bind: \"localhost\" is not an address"), "{err}");
    let (code, _, err) =
        communs(&["--data-dir", &data, "serve", "--bind", "127.0.0.1:18080", "--metrics-bind", "127.0.0.1:18080"])
            .await;
    assert_eq!(code, server::cli::FAILED);
    assert!(err.contains("metrics_bind: 127.0.0.1:18080 is the site's own address"), "{err}");
    let config = dir.path().join("communs.toml");
    std::fs::write(&config, "metrics_bind = \"9090\"\n").unwrap();
    let (code, _, err) = communs(&["--data-dir", &data, "--config", config.to_str().unwrap(), "serve"]).await;
    assert_eq!(code, server::cli::FAILED);
    assert!(err.contains("metrics_bind: \"9090\""), "{err}");
    // The start stopped before the database was created.
    assert!(!std::path::Path::new(&data).join("communs.db").exists());
}

#[tokio::test]
async fn readiness_says_503_and_when_to_ask_again_once_the_database_is_gone() {
    let db = tests::TestDb::sqlite().await;
    let server = tests::TestServer::start(db.store.clone()).await;
    let r = server.client.get(format!("{}/readyz", server.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    db.store.close().await;
    let r = server.client.get(format!("{}/readyz", server.base)).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["detail"], "the database does not answer", "{body}");
    // Alive all the same: an orchestrator must not restart a process for its database.
    let r = server.client.get(format!("{}/healthz", server.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_writing_restores_whole_and_keeps_what_it_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo_data(dir.path()).await;
    let url = format!("sqlite://{data}/communs.db");
    let store = Store::connect(&url).await.unwrap();
    let before = store.count_organisations().await.unwrap();
    // A burst of writes while the backup is taken: the copy holds each whole or not at all.
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..60 {
                let org = catalog::NewOrganisation {
                    slug: catalog::Slug::parse(&format!("commune-temoin-{i}")).unwrap(),
                    name: format!("Commune témoin {i}"),
                    liaison: None,
                    kind: catalog::OrganisationKind::Commune,
                    country: catalog::Country::FR,
                    identifiers: Vec::new(),
                    population: None,
                    parents: Vec::new(),
                    website: None,
                    email_domains: Vec::new(),
                    demo: false,
                };
                store.put_organisation(&Actor::System("test"), &org).await.unwrap();
            }
        })
    };
    let backups = dir.path().join("backups");
    let (code, out, err) = communs(&["--data-dir", &data, "backup", backups.to_str().unwrap()]).await;
    writer.await.unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("backup written: "), "{out}");
    let files: Vec<_> = std::fs::read_dir(&backups).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "one file, no .part left: {files:?}");
    let copy = &files[0];
    let facts = catalog::inspect_copy(copy).await.unwrap();
    assert!(facts.organisations >= before && facts.organisations <= before + 60, "{facts:?}");
    assert!(out.contains(&format!("{} organisations", facts.organisations)), "{out}");
    let after = store.count_organisations().await.unwrap();
    assert_eq!(after, before + 60);
    store.close().await;

    // Bad copies are refused, and nothing of the catalog is touched.
    let text = dir.path().join("notes.db");
    std::fs::write(&text, "not a database at all, only some words that go on long enough").unwrap();
    let empty = dir.path().join("empty.db");
    let other = Store::connect(&format!("sqlite://{}", empty.display())).await.unwrap();
    other.close().await;
    let cut = dir.path().join("cut.db");
    let bytes = std::fs::read(copy).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let newer = dir.path().join("newer.db");
    std::fs::copy(copy, &newer).unwrap();
    tests::execute(
        &format!("sqlite://{}", newer.display()),
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99990101000000, 'from the future', TRUE, x'00', 0)",
    )
    .await;
    for (file, says) in [
        (dir.path().join("missing.db"), "no such file".to_string()),
        (text.clone(), "not a SQLite database".to_string()),
        (empty.clone(), "not a Communs catalog".to_string()),
        (cut.clone(), "damaged".to_string()),
        (newer.clone(), "made by a newer Communs (migration 99990101000000".to_string()),
    ] {
        let (code, _, err) = communs(&["--data-dir", &data, "restore", file.to_str().unwrap()]).await;
        assert_eq!(code, server::cli::FAILED, "{file:?}");
        assert!(err.contains(&file.display().to_string()) && err.contains(&says), "{file:?}: {err}");
    }
    let files_in = |d: &str| {
        let mut names: Vec<String> =
            std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    };
    assert!(!files_in(&data).iter().any(|n| n.contains("before-restore") || n.contains("restoring")));
    // While a server holds the data folder, a restore waits for it to stop.
    let serving = server::search::SearchIndex::open(std::path::Path::new(&data)).unwrap();
    let (code, _, err) = communs(&["--data-dir", &data, "restore", copy.to_str().unwrap()]).await;
    assert_eq!(code, server::cli::FAILED);
    assert!(err.contains("stop it first"), "{err}");
    drop(serving);
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(store.count_organisations().await.unwrap(), after, "nothing was touched");
    store.close().await;

    let (code, out, err) = communs(&["--data-dir", &data, "restore", copy.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("{} organisations", facts.organisations)), "{out}");
    assert!(out.contains("search index rebuilt:"), "{out}");
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(store.count_organisations().await.unwrap(), facts.organisations);
    store.close().await;
    // The database it replaced is kept, whole, with the writes made after the backup.
    let kept = files_in(&data)
        .into_iter()
        .find(|n| n.starts_with("communs.db.before-restore-") && !n.ends_with("-wal") && !n.ends_with("-shm"));
    let kept = std::path::Path::new(&data).join(kept.expect("the replaced database is kept"));
    assert_eq!(catalog::inspect_copy(&kept).await.unwrap().organisations, after);
    // And the restored catalog serves its search.
    let (code, out, _) = communs(&["--data-dir", &data, "reindex"]).await;
    assert_eq!(code, 0);
    assert!(out.contains(&format!("{} organisations indexed", facts.organisations)), "{out}");
}

database_test!(a_postgresql_catalog_is_sent_to_pg_dump, |db| {
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("backups");
    let (code, _, err) = communs(&["--database-url", &db.url, "backup", backups.to_str().unwrap()]).await;
    if db.url.starts_with("postgres") {
        assert_eq!(code, server::cli::FAILED);
        assert!(err.contains("the catalog is on PostgreSQL: copy it with pg_dump"), "{err}");
        assert!(!backups.exists(), "nothing was written");
    } else {
        assert_eq!(code, 0, "{err}");
    }
});

/// Token guesses (writes, as far as the limits go) from `client`, through a proxy on
/// loopback that says so in `X-Forwarded-For`; the statuses.
async fn guesses(base: &str, client: &str, n: usize) -> Vec<u16> {
    let c = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..n {
        let r = c
            .post(format!("{base}/api/v1/software/geocity/repositories"))
            .bearer_auth(format!("communs_{}", "0".repeat(64)))
            .header("content-type", "application/json")
            .header("x-forwarded-for", format!("198.51.100.250, {client}"))
            .body(r#"{"url": "https://github.com/example/x"}"#)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_limits() {
    use server::ratelimit::{Rate, RateLimits};
    for trusted in [true, false] {
        let db = tests::TestDb::sqlite().await;
        let accounts = server::session::Accounts {
            rate_limits: RateLimits {
                login: Rate { burst: 3, per_minute: 1 },
                write: Rate { burst: 2, per_minute: 1 },
            },
            ..Default::default()
        };
        let search = Arc::new(server::search::SearchIndex::in_memory().unwrap());
        let app =
            server::api::router_with_accounts(db.store.clone(), search, 0, server::guard::Site::default(), accounts);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let limits = server::ConnectionLimits {
            trusted_proxies: if trusted { vec!["127.0.0.1".parse().unwrap()] } else { Vec::new() },
            ..Default::default()
        };
        let task = tokio::spawn(server::connections::serve(listener, app, limits, std::future::pending()));
        assert_eq!(guesses(&base, "192.0.2.1", 3).await, [401, 401, 429]);
        if trusted {
            // Another client behind the same proxy is not held back by the first's guesses,
            // and the address the client wrote itself (198.51.100.250) is not believed.
            assert_eq!(guesses(&base, "192.0.2.2", 1).await, [401]);
        } else {
            // Without the proxy declared, the header is ignored: everyone is the proxy.
            assert_eq!(guesses(&base, "192.0.2.2", 1).await, [429]);
        }
        task.abort();
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_harvest_process_serves_no_pages_but_its_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let data = demo_data(dir.path()).await;
    let (port, metrics_port) = (free_port(), free_port());
    let (bind, metrics_bind) = (format!("127.0.0.1:{port}"), format!("127.0.0.1:{metrics_port}"));
    let (code, _, err) = communs(&["--data-dir", &data, "serve", "--demo", "--role", "web"]).await;
    assert_eq!(code, server::cli::FAILED);
    assert!(err.contains("--demo loads and harvests the demo: it runs with --role all"), "{err}");
    let args = ["--data-dir", &data, "serve", "--role", "harvest", "--bind", &bind, "--metrics-bind", &metrics_bind];
    while_serving(&args, async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
        let m = first_answer(&client, &format!("http://{metrics_bind}/metrics")).await.text().await.unwrap();
        assert!(value(&m, "communs_harvest_runs_total").is_some(), "{m}");
        assert!(value(&m, "communs_database_connections_max").unwrap() >= 1.0, "{m}");
        // No pages, so no answer cache and no search index to tell of.
        assert!(!m.contains("communs_cache_hits_total") && !m.contains("communs_search_index_lag"), "{m}");
        assert!(
            client.get(format!("http://{bind}/healthz")).send().await.is_err(),
            "nothing listens on the site's address"
        );
    })
    .await;
}

/// A TCP relay to PostgreSQL that can be cut: the database going away, as a restart or a
/// network fault would make it, and coming back.
struct Relay {
    port: u16,
    up: Arc<std::sync::atomic::AtomicBool>,
    links: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn start(to: std::net::SocketAddr) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let links: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let (is_up, kept) = (up.clone(), links.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !is_up.load(std::sync::atomic::Ordering::SeqCst) {
                    continue; // dropped: the connection is refused, as by a stopped server
                }
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                kept.lock().unwrap().push(link.abort_handle());
            }
        });
        Relay { port, up, links, task }
    }

    fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_gone_for_ten_seconds_gives_503s_then_the_site_recovers() {
    let Some(db) = tests::TestDb::postgres().await else { return };
    let mut url = url::Url::parse(&db.url).unwrap();
    let to = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let relay = Relay::start(tokio::net::lookup_host(&to).await.unwrap().next().unwrap()).await;
    url.set_port(Some(relay.port)).unwrap();
    let store = Store::connect(url.as_str()).await.unwrap();
    let server = tests::TestServer::start(store.clone()).await;
    let get = |path: &str| server.client.get(format!("{}{path}", server.base)).send();
    assert_eq!(get("/api/v1/software?limit=1").await.unwrap().status(), 200);

    relay.cut();
    let gone = std::time::Instant::now();
    let r = get("/api/v1/software?limit=2").await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let page = get("/dashboards/adoption").await.unwrap();
    assert_eq!(page.status(), 503);
    assert_eq!(page.headers()["retry-after"], "5");
    assert!(page.text().await.unwrap().contains("Service momentanément indisponible"));
    assert_eq!(get("/readyz").await.unwrap().status(), 503);
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    // Ten seconds away in all.
    tokio::time::sleep(Duration::from_secs(10).saturating_sub(gone.elapsed())).await;
    relay.restore();
    let back = std::time::Instant::now();
    let mut status = 0;
    for _ in 0..40 {
        // (A connection kept idle through the outage may have been closed by the server's
        // header timeout: a client asks again, as this one does.)
        status = get("/api/v1/software?limit=3").await.map_or(0, |r| r.status().as_u16());
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(status, 200, "the site recovers by itself once the database is back");
    println!("answering again {:.1} s after the database came back", back.elapsed().as_secs_f64());
    assert_eq!(get("/readyz").await.unwrap().status(), 200);
    relay.task.abort();
    store.close().await;
    db.finish().await;
}
