//! The attacks that were found against `serve --demo`, each tried again: anonymous writes,
//! writes from another site's page, misdirected hosts, requests planted towards private
//! addresses, open redirects, slow clients, and the small leaks. Each checks that nothing
//! was written and, where a connection could have been made, that none was.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use catalog::{Actor, HarvestSelection, Store, TokenScope};
use tests::{communs, database_test, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ME: Actor = Actor::System("test");

const PUBLICCODE: &str = r#"publiccodeYmlVersion: "0.4"
name: openCimetière
url: https://gitlab.example.org/communes/opencimetiere.git
platforms: [web]
categories: [data-collection]
developmentStatus: beta
softwareType: standalone/web
description:
  fr:
    shortDescription: Gestion des concessions funéraires pour les communes.
    longDescription: >
      openCimetière tient le registre des concessions, les plans et les échéances des
      cimetières communaux, et prépare les reprises de concessions abandonnées.
    features:
      - Registre des concessions
legal:
  license: AGPL-3.0-or-later
maintenance:
  type: community
  contacts:
    - name: Marie Dupont
localisation:
  localisationReady: false
  availableLanguages: [fr]
"#;

/// A listener on loopback that counts the connections made to it: the harvester's, if any.
struct Trap {
    port: u16,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Trap {
    async fn start() -> Trap {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        Trap { port, connections, task }
    }

    fn count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Trap {
    fn drop(&mut self) {
        self.task.abort();
    }
}

use tests::software_without_repository as software;

/// What a refusal answered: status, content type, body.
async fn answer(r: reqwest::Response) -> (u16, String, serde_json::Value) {
    let status = r.status().as_u16();
    let ctype = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, ctype, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// One raw HTTP/1.1 exchange, for the headers a client library would not let through.
async fn raw(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out)).await.expect("answered").unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

fn port_of(server: &TestServer) -> u16 {
    server.base.rsplit(':').next().unwrap().parse().unwrap()
}

database_test!(writes_need_a_token_allowed_to_write, |db| {
    software(&db.store, "cimetiere").await;
    let server = TestServer::start(db.store.clone()).await;
    let (_, reader) = db.store.create_token(&ME, "lecteur", TokenScope::Read).await.unwrap();
    let writer = TestServer::write_token(&db.store, "mairie-arles").await;
    let (_, revoked) = db.store.create_token(&ME, "ancien", TokenScope::Write).await.unwrap();
    db.store.revoke_token(&ME, "ancien").await.unwrap();
    let (software_before, audit_before) =
        (db.store.count_software().await.unwrap(), db.store.audit_count().await.unwrap());

    // The right prefix with another last character: found by its prefix, refused by its hash.
    let last = if writer.ends_with('0') { "1" } else { "0" };
    let altered = format!("{}{last}", &writer[..writer.len() - 1]);
    let import = |token: Option<&str>| {
        let mut r = server
            .client
            .post(format!("{}/api/v1/import/publiccode", server.base))
            .header("content-type", "application/yaml")
            .body(PUBLICCODE);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    let add = |token: Option<&str>| {
        let mut r = server
            .client
            .post(format!("{}/api/v1/software/cimetiere/repositories", server.base))
            .json(&serde_json::json!({"url": "https://gitlab.example.org/communes/cimetiere.git"}));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    for (token, status) in [
        (None, 401),
        (Some("not-a-token"), 401),
        (Some(&revoked[..]), 401),
        (Some(&altered[..]), 401),
        (Some(&reader[..]), 403),
    ] {
        for r in [import(token).await.unwrap(), add(token).await.unwrap()] {
            let authenticate = r.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_string());
            let (got, ctype, body) = answer(r).await;
            assert_eq!((got, ctype.as_str()), (status, "application/problem+json"), "{token:?}: {body}");
            assert_eq!(body["field"], "Authorization", "{body}");
            assert_eq!(authenticate.is_some(), status == 401);
        }
    }
    // A malformed header says how it should read.
    let r = server
        .client
        .post(format!("{}/api/v1/import/publiccode", server.base))
        .header("authorization", format!("Token {writer}"))
        .header("content-type", "application/yaml")
        .body(PUBLICCODE)
        .send()
        .await
        .unwrap();
    let (status, _, body) = answer(r).await;
    assert_eq!(status, 401);
    assert!(body["detail"].as_str().unwrap().contains("Bearer TOKEN"), "{body}");
    assert_eq!(db.store.count_software().await.unwrap(), software_before, "nothing was imported");
    assert_eq!(db.store.audit_count().await.unwrap(), audit_before, "nothing was written");
    assert!(db.store.software_page("cimetiere", 5).await.unwrap().software.repositories.is_empty());

    // With the write token both go through, and the audit log names it.
    assert_eq!(import(Some(&writer)).await.unwrap().status(), 201);
    assert_eq!(add(Some(&writer)).await.unwrap().status(), 201);
    let history = db.store.history("software", "cimetiere", 5, 0).await.unwrap();
    assert_eq!(history.items[0].actor, "token:mairie-arles");
    assert_eq!(history.items[0].action, "add_repository");
    let tokens = db.store.tokens().await.unwrap();
    let used = tokens.iter().find(|t| t.name == "mairie-arles").unwrap();
    assert!(used.last_used_at.is_some() && used.revoked_at.is_none());
    assert!(tokens.iter().find(|t| t.name == "ancien").unwrap().revoked_at.is_some());
});

database_test!(a_browser_cannot_be_used_against_the_api, |db| {
    software(&db.store, "cimetiere").await;
    let server = TestServer::start(db.store.clone()).await;
    let token = TestServer::write_token(&db.store, "scripts").await;
    let (software_before, audit_before) =
        (db.store.count_software().await.unwrap(), db.store.audit_count().await.unwrap());
    let import_as = |content_type: &'static str| {
        server
            .client
            .post(format!("{}/api/v1/import/publiccode", server.base))
            .bearer_auth(&token)
            .header("content-type", content_type)
    };
    let import = || import_as("application/yaml");
    // The simple request a page of any site may send without asking: text/plain.
    let r = import_as("text/plain").body(PUBLICCODE).send().await.unwrap();
    let (status, _, body) = answer(r).await;
    assert_eq!((status, body["field"].as_str()), (415, Some("Content-Type")), "{body}");
    // Another origin, even with the token and the right type.
    for origin in ["http://evil.example", "null", "http://127.0.0.1.evil.example"] {
        let r = import().header("origin", origin).body(PUBLICCODE).send().await.unwrap();
        let (status, _, body) = answer(r).await;
        assert_eq!((status, body["field"].as_str()), (403, Some("Origin")), "{origin}: {body}");
    }
    let r = import().header("sec-fetch-site", "cross-site").body(PUBLICCODE).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = server
        .client
        .post(format!("{}/api/v1/software/cimetiere/repositories", server.base))
        .bearer_auth(&token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("url=https://gitlab.example.org/x.git")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    // No CORS preflight is answered.
    let r = server
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/api/v1/import/publiccode", server.base))
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    assert_eq!(r.status(), 405);
    assert_eq!(db.store.count_software().await.unwrap(), software_before);
    assert_eq!(db.store.audit_count().await.unwrap(), audit_before);
    // The site's own origin passes.
    let r = import().header("origin", server.base.clone()).body(PUBLICCODE).send().await.unwrap();
    assert_eq!(r.status(), 201);
});

#[tokio::test]
async fn requests_for_another_host_are_refused() {
    let db = tests::TestDb::sqlite().await;
    let server = TestServer::start(db.store.clone()).await;
    let port = port_of(&server);
    // DNS rebinding: a name the attacker controls, pointed at this machine.
    for path in ["/api/v1/software", "/"] {
        let reply =
            raw(port, &format!("GET {path} HTTP/1.1\r\nHost: rebind.evil.example:{port}\r\nConnection: close\r\n\r\n"))
                .await;
        assert!(reply.starts_with("HTTP/1.1 421"), "{reply}");
        assert!(reply.contains("public_url"), "{reply}");
    }
    let api = raw(port, "GET /api/v1/software HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n").await;
    assert!(api.to_ascii_lowercase().contains("content-type: application/problem+json"), "{api}");
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")] {
        let reply =
            raw(port, &format!("GET /api/v1/healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")).await;
        assert!(reply.starts_with("HTTP/1.1 200"), "{host}: {reply}");
    }
    // The operator's public address is answered too.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let public_port = listener.local_addr().unwrap().port();
    let site = server::guard::Site::new(Some("https://communs.example.org/")).unwrap();
    let app = server::api::router_for_site(
        db.store.clone(),
        Arc::new(server::search::SearchIndex::in_memory().unwrap()),
        0,
        site,
    );
    let task = tokio::spawn(server::connections::serve(listener, app, Default::default(), std::future::pending()));
    let reply =
        raw(public_port, "GET /api/v1/healthz HTTP/1.1\r\nHost: communs.example.org\r\nConnection: close\r\n\r\n")
            .await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let reply =
        raw(public_port, "GET /api/v1/healthz HTTP/1.1\r\nHost: other.example.org\r\nConnection: close\r\n\r\n").await;
    assert!(reply.starts_with("HTTP/1.1 421"), "{reply}");
    task.abort();
    db.finish().await;
}

database_test!(private_addresses_are_refused_at_the_door_and_never_reached, |db| {
    software(&db.store, "cimetiere").await;
    let trap = Trap::start().await;
    let server = TestServer::start(db.store.clone()).await;
    let token = TestServer::write_token(&db.store, "scripts").await;
    let p = trap.port;
    let planted = [
        "http://169.254.169.254/latest/meta-data".to_string(),
        format!("http://0x7f000001:{p}/x.git"),
        format!("http://2130706433:{p}/x.git"),
        format!("git://0x7f000001:{p}/x.git"),
        format!("git://2130706433:{p}/x.git"),
        format!("git://127.1:{p}/x.git"),
        format!("git://0177.0.0.1:{p}/x.git"),
        format!("http://[::ffff:127.0.0.1]:{p}/x.git"),
        format!("http://localhost:{p}/x.git"),
        format!("git://127.0.0.1:{p}/x.git"),
        format!("ssh://git@127.0.0.1:{p}/x.git"),
        "git@0x7f000001:x.git".to_string(),
        "file:///etc/passwd".to_string(),
        "git://10.0.0.1/x".to_string(),
        "https://user:pw@gitlab.example.org/x.git".to_string(),
        "https://token@gitlab.example.org/x.git".to_string(),
        "http://gitlab.example.org#@127.0.0.1/x.git".to_string(),
    ];
    for url in &planted {
        let r = server
            .client
            .post(format!("{}/api/v1/software/cimetiere/repositories", server.base))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "url": url }))
            .send()
            .await
            .unwrap();
        let (status, ctype, body) = answer(r).await;
        assert_eq!((status, ctype.as_str()), (422, "application/problem+json"), "{url}: {body}");
        assert_eq!(body["field"], "url", "{url}: {body}");
        assert!(body["detail"].as_str().unwrap().starts_with("url: "), "{body}");
        // The command line refuses them alike.
        let (code, _, err) = communs(&["--database-url", &db.url, "repo", "add", "cimetiere", url]).await;
        assert_eq!(code, 1, "{url}");
        assert!(err.starts_with("error: url: "), "{url}: {err}");
    }
    // And so does the publiccode.yml import, for the address the file gives.
    let yaml =
        PUBLICCODE.replace("https://gitlab.example.org/communes/opencimetiere.git", "http://169.254.169.254/x.git");
    let r = server
        .client
        .post(format!("{}/api/v1/import/publiccode", server.base))
        .bearer_auth(&token)
        .header("content-type", "application/yaml")
        .body(yaml)
        .send()
        .await
        .unwrap();
    let (status, _, body) = answer(r).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("169.254.169.254") && body.to_string().contains("link-local"), "{body}");
    assert!(db.store.software_page("cimetiere", 5).await.unwrap().software.repositories.is_empty());
    assert_eq!(db.store.count_software().await.unwrap(), 1);

    // A record stored before the door was shut (written here behind the door's back) is
    // refused again by the harvest, which connects to nothing.
    db.store
        .clone()
        .with_address_policy(catalog::AddressPolicy::AllowLocal)
        .add_repository(&ME, "cimetiere", &format!("git://127.0.0.1:{p}/x.git"))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = server::harvest::HarvestConfig {
        mirrors: dir.path().join("mirrors"),
        workers: 1,
        limits: indexer::harvest::Limits { timeout: Duration::from_secs(10), ..Default::default() },
        interval: chrono::Duration::hours(24),
        every: None,
        allow_local: false,
        trusted_root: Some(dir.path().join("demo-repositories")),
    };
    let summary = server::harvest::run(&db.store, &config, HarvestSelection::All, None).await.unwrap();
    assert_eq!(summary.failed, 1);
    assert_eq!(trap.count(), 0, "the harvester connected to a planted address");
    // The public sees the class of the failure, not the harvester's words.
    let (_, _, page) = server.get("/api/v1/software/cimetiere").await;
    let error = &page["repositories"][0]["last_error"];
    assert_eq!(error["class"], "refused", "{page}");
    assert!(!error["message"].as_str().unwrap().contains("127.0.0.1"), "{error}");
    let (code, out, _) = communs(&["--database-url", &db.url, "repo", "status", "cimetiere"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("refused: ") && out.contains("loopback"), "{out}");
});

#[tokio::test]
async fn the_language_switch_follows_only_paths_of_this_site() {
    let db = tests::TestDb::sqlite().await;
    let server = TestServer::start(db.store.clone()).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for (next, location) in [
        ("/%09/evil.example", "/"),
        ("/%0A/x", "/"),
        ("//evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("https://evil.example/", "/"),
        ("/%2F/evil.example", "/"),
        ("/software/geocity", "/software/geocity"),
    ] {
        let r = client.get(format!("{}/language?to=en&next={next}", server.base)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{next}");
        assert_eq!(r.headers()["location"], location, "{next}");
    }
    db.finish().await;
}

/// A server with short limits, so that the slow clients' test takes seconds.
async fn strict_server(store: Store, max_connections: usize, patience: Duration) -> (u16, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let limits = server::ConnectionLimits {
        max_connections,
        header_timeout: patience,
        idle_timeout: patience * 2,
        trusted_proxies: Vec::new(),
    };
    let app = server::api::router(store);
    (port, tokio::spawn(server::connections::serve(listener, app, limits, std::future::pending())))
}

/// How long until the server closes `stream` (reading whatever it says), at most 10 s.
async fn closed_after(stream: &mut (impl tokio::io::AsyncRead + Unpin)) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("the connection was still open after 10 s"),
        }
    }
}

#[tokio::test]
async fn slow_and_idle_clients_are_cut_off() {
    let db = tests::TestDb::sqlite().await;
    let (port, task) = strict_server(db.store.clone(), 512, Duration::from_secs(1)).await;
    // Part of the headers, then nothing.
    let mut slow = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    slow.write_all(b"GET /api/v1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
    let waited = closed_after(&mut slow).await;
    assert!(waited < Duration::from_secs(4), "closed after {waited:?}");
    // Headers a byte at a time, never finished.
    let (mut reading, mut writing) = TcpStream::connect(("127.0.0.1", port)).await.unwrap().into_split();
    let trickle = tokio::spawn(async move {
        for byte in b"GET /api/v1/healthz HTTP/1.1\r\nX-Slow: ".iter().chain(std::iter::repeat_n(&b'a', 80)) {
            if writing.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let waited = closed_after(&mut reading).await;
    assert!(waited < Duration::from_secs(4), "a trickle kept the connection {waited:?}");
    trickle.abort();
    // A connection that says nothing at all.
    let mut silent = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    assert!(closed_after(&mut silent).await < Duration::from_secs(4));
    // A kept-alive connection, once its answer is read, is not kept for ever.
    let mut kept = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    kept.write_all(b"GET /api/v1/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await.unwrap();
    let mut first = [0u8; 64];
    let n = kept.read(&mut first).await.unwrap();
    assert!(first[..n].starts_with(b"HTTP/1.1 200"));
    assert!(closed_after(&mut kept).await < Duration::from_secs(4));
    task.abort();
    db.finish().await;
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_their_turn() {
    let db = tests::TestDb::sqlite().await;
    // Patient enough that the first connection is not cut while the second waits.
    let (port, task) = strict_server(db.store.clone(), 1, Duration::from_secs(30)).await;
    let holder = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let client = reqwest::Client::builder().timeout(Duration::from_millis(500)).build().unwrap();
    let url = format!("http://127.0.0.1:{port}/api/v1/healthz");
    assert!(client.get(&url).send().await.is_err(), "a second connection was served beside the first");
    drop(holder);
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    task.abort();
    db.finish().await;
}

database_test!(the_small_leaks_are_closed, |db| {
    software(&db.store, "cimetiere").await;
    let server = TestServer::start(db.store.clone()).await;
    // A 404 stays a 404 whatever tag the client holds.
    let r = server.client.get(format!("{}/api/v1/software/cimetiere", server.base)).send().await.unwrap();
    let tag = r.headers()["etag"].to_str().unwrap().to_string();
    for path in ["/api/v1/software/no-such-thing", "/api/v1/software?limit=0"] {
        let r = server.client.get(format!("{}{path}", server.base)).header("if-none-match", &tag).send().await.unwrap();
        assert!(r.status() == 404 || r.status() == 400, "{path}: {}", r.status());
    }
    let r = server
        .client
        .get(format!("{}/api/v1/software/cimetiere", server.base))
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    // Control characters in query text are refused, and never echoed into a page.
    let (status, ctype, body) = server.get("/api/v1/search?q=cimeti%00ere").await;
    assert_eq!((status, ctype.as_str(), body["field"].as_str()), (400, "application/problem+json", Some("q")));
    let r = server.client.get(format!("{}/search?q=%00%1B%5B31m", server.base)).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(!page.contains('\u{0}') && !page.contains('\u{1b}'), "{page}");
    // A slug that is not UTF-8 is a problem like the others.
    let (status, ctype, body) = server.get("/api/v1/software/%FF").await;
    assert_eq!((status, ctype.as_str()), (400, "application/problem+json"), "{body}");
    // The repository route's body errors name the field, and a large body is a 413.
    let token = TestServer::write_token(&db.store, "scripts").await;
    let post = |body: Vec<u8>| {
        server
            .client
            .post(format!("{}/api/v1/software/cimetiere/repositories", server.base))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (body, status, field) in [
        (&br#"{"url": 42}"#[..], 422, "url"),
        (br#"{}"#, 422, "url"),
        (br#"{"url": "https://gitlab.example.org/x.git", "admin": true}"#, 422, "admin"),
        (br#"["https://gitlab.example.org/x.git"]"#, 422, "body"),
        (b"{not json", 400, "body"),
    ] {
        let (got, ctype, problem) = answer(post(body.to_vec()).await.unwrap()).await;
        assert_eq!((got, ctype.as_str()), (status, "application/problem+json"), "{problem}");
        assert_eq!(problem["field"], field, "{problem}");
    }
    let (status, ctype, _) = answer(post(vec![b' '; 50 * 1024 * 1024]).await.unwrap()).await;
    assert_eq!((status, ctype.as_str()), (413, "application/problem+json"));
    assert!(db.store.software_page("cimetiere", 5).await.unwrap().software.repositories.is_empty());
});

#[tokio::test]
async fn tokens_are_made_listed_and_revoked_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    let (code, secret, err) = communs(&["--data-dir", &data, "token", "create", "--name", "mairie-arles"]).await;
    assert_eq!(code, 0, "{err}");
    let secret = secret.trim().to_string();
    assert!(secret.starts_with("communs_") && secret.len() == 72, "{secret}");
    assert!(err.contains("shown once"), "{err}");
    let (code, _, err) = communs(&["--data-dir", &data, "token", "create", "--name", "mairie-arles"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("name: a live token is already named mairie-arles"), "{err}");
    let (code, _, err) = communs(&["--data-dir", &data, "token", "create", "--name", "x", "--scope", "admin"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("scope: \"admin\" is not a scope"), "{err}");
    let (code, _, _) = communs(&["--data-dir", &data, "token", "create", "--name", "lecture", "--scope", "read"]).await;
    assert_eq!(code, 0);
    let (code, list, _) = communs(&["--data-dir", &data, "token", "list"]).await;
    assert_eq!(code, 0);
    assert!(
        list.contains("mairie-arles\tcommuns_") && list.contains("\twrite\t") && list.contains("\tread\t"),
        "{list}"
    );
    assert!(!list.contains(&secret), "the list shows the secret");
    // The database holds no secret either.
    let store = Store::connect(&format!("sqlite://{data}/communs.db")).await.unwrap();
    let audit = store.history("api_token", "mairie-arles", 5, 0).await.unwrap();
    assert!(!format!("{audit:?}").contains(&secret[16..]));
    assert!(store.authenticate_token(&secret, chrono::Utc::now()).await.unwrap().is_some());
    let (code, out, _) = communs(&["--data-dir", &data, "token", "revoke", "mairie-arles"]).await;
    assert_eq!((code, out.trim()), (0, "token mairie-arles revoked"));
    assert!(store.authenticate_token(&secret, chrono::Utc::now()).await.unwrap().is_none());
    let (code, _, err) = communs(&["--data-dir", &data, "token", "revoke", "mairie-arles"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("live token not found: mairie-arles"), "{err}");
    // The name is free again once its token is revoked.
    let (code, _, _) = communs(&["--data-dir", &data, "token", "create", "--name", "mairie-arles"]).await;
    assert_eq!(code, 0);
    store.close().await;
}

/// Runs `communs serve` until `probe` has finished with it, then drops the server.
async fn while_serving<T>(args: &[&str], probe: impl std::future::Future<Output = T>) -> T {
    tokio::select! {
        ended = communs(args) => panic!("communs serve stopped by itself: {ended:?}"),
        result = probe => result,
    }
}

async fn wait_for(port: u16) -> reqwest::Client {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    for _ in 0..600 {
        if client.get(format!("http://127.0.0.1:{port}/api/v1/healthz")).send().await.is_ok() {
            return client;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not answer on port {port}");
}

#[tokio::test]
async fn serve_demo_neither_takes_nor_reaches_a_planted_address() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    let trap = Trap::start().await;
    let planted = format!("git://127.0.0.1:{}/x.git", trap.port);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bind = format!("127.0.0.1:{port}");
    // First start: the demo loads and harvests its own repositories from the data folder,
    // without --allow-local. Through the API, even with a valid token, the trap is refused.
    while_serving(&["--data-dir", &data, "serve", "--demo", "--bind", &bind, "--harvest-every", "0"], async {
        let client = wait_for(port).await;
        let url = format!("sqlite://{data}/communs.db");
        let store = Store::connect(&url).await.unwrap();
        let token = TestServer::write_token(&store, "demo-test").await;
        let r = client
            .post(format!("http://{bind}/api/v1/software/geocity/repositories"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "url": planted }))
            .send()
            .await
            .unwrap();
        let (status, _, body) = answer(r).await;
        assert_eq!((status, body["field"].as_str()), (422, Some("url")), "{body}");
        let page: serde_json::Value =
            client.get(format!("http://{bind}/api/v1/software/geocity")).send().await.unwrap().json().await.unwrap();
        let repository = &page["repositories"][0];
        assert_eq!(repository["last_outcome"], "cloned", "the demo's repository: {}", repository["last_error"]);
        store.close().await;
    })
    .await;

    // An address stored behind the door's back (as by an older version) is due at the
    // second start's first background round: the harvest refuses it and connects nowhere.
    let store = Store::connect(&format!("sqlite://{data}/communs.db")).await.unwrap();
    store
        .clone()
        .with_address_policy(catalog::AddressPolicy::AllowLocal)
        .add_repository(&ME, "geocity", &planted)
        .await
        .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bind = format!("127.0.0.1:{port}");
    while_serving(&["--data-dir", &data, "serve", "--demo", "--bind", &bind, "--harvest-every", "1"], async {
        wait_for(port).await;
        for _ in 0..300 {
            let harvests = store.repository_harvests("geocity").await.unwrap();
            let planted = harvests.iter().find(|(url, _)| *url == planted).unwrap();
            if planted.1.last_outcome.is_some() {
                let error = planted.1.last_error.as_ref().expect("the planted address failed");
                assert_eq!(error.class, catalog::FailureClass::Refused, "{error:?}");
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no harvest round looked at the planted address");
    })
    .await;
    assert_eq!(trap.count(), 0, "the demo's harvest connected to a planted address");
    store.close().await;
}
