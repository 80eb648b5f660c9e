//! New software proposed by its repository's address (the next harvest reads its
//! publiccode.yml from a real git repository), by a publiccode.yml uploaded with the page's
//! file field, and by the page's form that becomes one; on SQLite and PostgreSQL.

use std::path::Path;

use catalog::proposal::SoftwareDescription;
use catalog::{Actor, AddressPolicy, HarvestSelection};
use chrono::Utc;
use demo::history::{self, Author, CommitSpec, History};
use serde_json::{json, Value};
use server::harvest::HarvestConfig;
use tests::{database_test, today, TestServer};

fn config(mirrors: &Path) -> HarvestConfig {
    tests::harvest_config(mirrors)
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A software described as its maintainers would, with its repository at `url`.
fn described(name: &str, url: &str) -> SoftwareDescription {
    SoftwareDescription {
        name: name.into(),
        url: url.into(),
        language: "fr".into(),
        short_description: "Tient le registre des arrêtés municipaux.".into(),
        long_description: "Le registre des arrêtés municipaux, tenu par le secrétariat de mairie : saisie, \
            numérotation, signature, publication et archivage des arrêtés, avec la recherche par date, par \
            objet et par signataire, et l'export pour le contrôle de légalité."
            .into(),
        features: "Numérotation\nPublication\nArchivage".into(),
        licence: "AGPL-3.0-or-later".into(),
        platforms: "web".into(),
        development_status: "stable".into(),
        software_type: "standalone/web".into(),
        maintenance: "community".into(),
        ..Default::default()
    }
}

/// A bare repository at `path` with one commit of `files`.
fn repository(path: &Path, files: &[(&str, &str)]) {
    let history = History {
        branch: "main".into(),
        authors: vec![Author { name: "Alice".into(), email: "alice@example.org".into() }],
        commits: vec![CommitSpec {
            author: 0,
            when: Utc::now() - chrono::Duration::days(3),
            message: "First version".into(),
            files: files.iter().map(|(p, c)| (p.to_string(), Some(c.as_bytes().to_vec()))).collect(),
        }],
        tags: Vec::new(),
    };
    history::write_bare(path, &history).expect("the repository is written");
}

async fn send(server: &TestServer, token: &str, body: Value, key: Option<&str>) -> (u16, Value) {
    let mut r = server
        .client
        .post(format!("{}/api/v1/proposals", server.base))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(key) = key {
        r = r.header("idempotency-key", key);
    }
    let response = r.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

database_test!(a_proposed_repository_is_read_at_the_next_harvest, |db| {
    // The repositories are on this machine: the operator's --allow-local.
    let store = db.store.clone().with_address_policy(AddressPolicy::AllowLocal);
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("registre.git");
    // The file names the repository's public address, which the standard requires.
    let yaml = described("Registre des arrêtés", "https://git.example.org/mairie/registre.git")
        .publiccode(AddressPolicy::PublicOnly)
        .unwrap();
    repository(&good, &[("publiccode.yml", &yaml), ("README.md", "# Registre\n")]);
    let bare = dir.path().join("bare.git");
    repository(&bare, &[("README.md", "# Rien\n")]);
    let broken = dir.path().join("broken.git");
    repository(&broken, &[("publiccode.yml", "publiccodeYmlVersion: '0.4'\nname: Cassé\n")]);
    let server = TestServer::start(store.clone()).await;
    let token = TestServer::write_token(&store, "proposer").await;

    let (status, first) = send(&server, &token, json!({"repository": file_url(&good)}), Some("k1")).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!((first["status"].as_str(), first["name"].as_str()), (Some("reading"), Some("registre")));
    let (status, again) = send(&server, &token, json!({"repository": file_url(&good)}), Some("k1")).await;
    assert_eq!((status, &again["id"]), (200, &first["id"]), "the same key proposes once");
    let (status, twice) = send(&server, &token, json!({"repository": file_url(&good)}), Some("k2")).await;
    assert_eq!((status, twice["field"].as_str()), (409, Some("repository")), "{twice}");

    // Bad input: each answer names its field, and nothing is kept.
    let before = store.proposals("reading", 100).await.unwrap().len();
    let (status, p) = send(&server, &token, json!({"repository": "javascript:alert(1)"}), None).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("repository")), "{p}");
    let (status, p) = send(&server, &token, json!({"repository": 5}), None).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("repository")), "{p}");
    let (status, p) = send(&server, &token, json!({"repository": file_url(&bare)}), Some(&"x".repeat(300))).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("Idempotency-Key")), "{p}");
    let r = server
        .client
        .post(format!("{}/api/v1/proposals", server.base))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(store.proposals("reading", 100).await.unwrap().len(), before);

    for path in [&bare, &broken] {
        let (status, p) = send(&server, &token, json!({"repository": file_url(path)}), None).await;
        assert_eq!(status, 201, "{p}");
    }
    assert!(store.software("registre-des-arretes").await.is_err());

    // The next harvest reads the three; the run after has nothing left to read.
    let events = store.audit_count().await.unwrap();
    let mirrors = tempfile::tempdir().unwrap();
    let summary = server::harvest::run(&store, &config(mirrors.path()), HarvestSelection::Due, None).await.unwrap();
    assert_eq!(summary.proposals_read, 3, "{}", summary.line());
    assert!(summary.line().contains("3 proposed repositories read"), "{}", summary.line());
    assert_eq!(store.audit_count().await.unwrap(), events + 3, "each reading leaves its event");
    let again = server::harvest::run(&store, &config(mirrors.path()), HarvestSelection::Due, None).await.unwrap();
    assert_eq!(again.proposals_read, 0);

    let id = first["id"].as_i64().unwrap();
    let read = store.proposal(id).await.unwrap();
    assert_eq!((read.status.as_str(), read.name.as_str()), ("waiting", "Registre des arrêtés"));
    assert!(read.read_at.is_some() && read.publiccode.contains("publiccodeYmlVersion"));
    let unreadable = store.proposals("unreadable", 10).await.unwrap();
    assert_eq!(unreadable.len(), 2);
    let reason = |path: &Path| {
        let url = file_url(path);
        unreadable.iter().find(|p| p.repository.as_deref() == Some(url.as_str())).unwrap().reason.clone().unwrap()
    };
    assert!(reason(&bare).contains("no publiccode.yml"), "{}", reason(&bare));
    assert!(reason(&broken).contains("not valid") && reason(&broken).contains("url"), "{}", reason(&broken));

    // Accepted, it is a software of the catalog, with its repository; proposed again, refused.
    let (status, body) = server
        .client
        .post(format!("{}/api/v1/proposals/{id}/accept", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    assert_eq!(status, 200, "{:?}", body.text().await);
    let software = store.software("registre-des-arretes").await.unwrap();
    assert_eq!(software.name, "Registre des arrêtés");
    // Both addresses: the file's `url`, and the one it was read from.
    let urls: Vec<&str> = software.repositories.iter().map(|r| r.url.as_str()).collect();
    assert!(urls.contains(&"https://git.example.org/mairie/registre.git"), "{urls:?}");
    assert!(urls.iter().any(|u| u.starts_with("file://") && u.ends_with("registre.git")), "{urls:?}");
    // Its address proposed again is refused at once: it is the software's now.
    let (status, p) = send(&server, &token, json!({"repository": file_url(&good)}), None).await;
    assert_eq!((status, p["field"].as_str()), (409, Some("repository")), "{p}");
    assert!(p["detail"].as_str().unwrap().contains("/software/registre-des-arretes"), "{p}");
    // A copy at another address is read, and refused: the catalog has the software.
    let copy = dir.path().join("registre-copie.git");
    repository(&copy, &[("publiccode.yml", &yaml)]);
    let (status, p) = send(&server, &token, json!({"repository": file_url(&copy)}), None).await;
    assert_eq!(status, 201, "{p}");
    server::harvest::run(&store, &config(mirrors.path()), HarvestSelection::Due, None).await.unwrap();
    let refused = store.proposal(p["id"].as_i64().unwrap()).await.unwrap();
    assert_eq!(refused.status.as_str(), "unreadable");
    assert!(refused.reason.unwrap().contains("/software/registre-des-arretes"));
});

/// A multipart form as a browser sends a file field: its body and its content type.
fn multipart(fields: &[(&str, &str)], file: (&str, &str)) -> (Vec<u8>, String) {
    let boundary = "----communs-test-7f3a";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n\
         Content-Type: application/yaml\r\n\r\n{}\r\n--{boundary}--\r\n",
        file.0, file.1
    ));
    (body.into_bytes(), format!("multipart/form-data; boundary={boundary}"))
}

database_test!(the_propose_page_takes_an_address_a_file_or_a_form, |db| {
    use tests::forms::{client, demo, field, get, location, post};
    let store = db.store.clone().with_address_policy(AddressPolicy::AllowLocal);
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let accounts = server::session::Accounts { demo: true, ..Default::default() };
    let _server = TestServer::start_with_accounts(l, store.clone(), accounts);
    let c = client();
    let (mut official, csrf) = demo(&c, &base, "demo-official").await;
    let url = format!("{base}/propose");
    let html = get(&c, &mut official, &url).await.text().await.unwrap();
    for way in ["by-repository", "by-file", "by-form"] {
        assert!(html.contains(&format!("id=\"{way}\"")), "the {way} form");
    }
    let once = field(&html, "once");

    // The form: bad fields come back marked, with what was typed.
    let bad = [
        ("csrf", csrf.as_str()),
        ("once", once.as_str()),
        ("way", "form"),
        ("name", "Registre des délibérations"),
        ("url", "https://git.example.org/mairie/deliberations.git"),
        ("short_description", ""),
        ("long_description", "Trop court."),
        ("features", "Publication"),
        ("licence", "pas-une-licence"),
        ("platforms", "web"),
        ("development_status", "stable"),
        ("software_type", "standalone/web"),
        ("maintenance", "community"),
        ("country", "FR"),
    ];
    let r = post(&c, &mut official, &url, &bad).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    for id in ["d-short", "d-long", "d-licence"] {
        assert!(page.contains(&format!("id=\"{id}\" name=")), "{id}");
        let at = page.find(&format!("id=\"{id}\" name=")).unwrap();
        let tag = &page[at..at + page[at..].find('>').unwrap()];
        assert!(tag.contains("aria-invalid=\"true\""), "{id} is marked: {tag}");
    }
    assert!(page.contains("value=\"Registre des délibérations\""), "what was typed is kept");
    assert!(page.contains("<details id=\"by-form\" open>"), "the form that was sent is open");
    assert!(store.proposals("waiting", 10).await.unwrap().is_empty(), "nothing proposed");

    let long = "Le registre des délibérations du conseil municipal : ordre du jour, votes, \
        publication, transmission au contrôle de légalité et recherche dans les délibérations passées.";
    let mut good: Vec<(&str, &str)> = bad
        .iter()
        .copied()
        .filter(|(k, _)| !["short_description", "long_description", "licence"].contains(k))
        .collect();
    good.extend([
        ("short_description", "Tient le registre des délibérations."),
        ("long_description", long),
        ("licence", "EUPL-1.2"),
    ]);
    let r = post(&c, &mut official, &url, &good).await;
    assert_eq!(location(&r), "/propose?done=proposed");
    let waiting = store.proposals("waiting", 10).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].name, "Registre des délibérations");
    assert!(publiccode::validate(waiting[0].publiccode.as_bytes()).is_valid(), "{}", waiting[0].publiccode);
    let r = post(&c, &mut official, &url, &good).await;
    assert_eq!(location(&r), "/propose?done=proposed", "posted twice, proposed once");
    assert_eq!(store.proposals("waiting", 10).await.unwrap().len(), 1);

    // The file: uploaded, it stands for the text area.
    let html = get(&c, &mut official, &url).await.text().await.unwrap();
    let once = field(&html, "once");
    let yaml = described("Registre des arrêtés", "https://git.example.org/mairie/arretes.git")
        .publiccode(AddressPolicy::PublicOnly)
        .unwrap();
    let fields =
        [("csrf", csrf.as_str()), ("once", once.as_str()), ("way", "file"), ("publiccode", ""), ("country", "FR")];
    let (body, kind) = multipart(&fields, ("publiccode.yml", &yaml));
    let send = |body: Vec<u8>| {
        c.post(&url)
            .header("cookie", official.header())
            .header("accept-language", "fr")
            .header("content-type", kind.clone())
            .body(body)
            .send()
    };
    let r = send(body).await.unwrap();
    assert_eq!(location(&r), "/propose?done=proposed");
    assert!(store.proposals("waiting", 10).await.unwrap().iter().any(|p| p.name == "Registre des arrêtés"));
    let (body, _) = multipart(&fields, ("publiccode.yml", "name: [oops"));
    let r = send(body).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("publiccode.yml:"), "the findings with their lines");
    let csrf_refused = [("csrf", "forged"), ("once", "x"), ("way", "file"), ("country", "FR")];
    let (body, _) = multipart(&csrf_refused, ("publiccode.yml", &yaml));
    assert_eq!(send(body).await.unwrap().status(), 403, "a forged CSRF token is refused");

    // The address: refused with its reason, or kept until the next harvest reads it.
    let address = |repository: &'static str, once: &'static str| {
        [("csrf", csrf.as_str()), ("once", once), ("way", "repository"), ("repository", repository), ("country", "FR")]
    };
    let r = post(&c, &mut official, &url, &address("javascript:alert(1)", "a1")).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("<details id=\"by-repository\" open>") && page.contains("javascript"), "kept and marked");
    let r = post(&c, &mut official, &url, &address("https://git.example.org/mairie/cimetiere.git", "a2")).await;
    assert_eq!(location(&r), "/propose?done=reading");
    let page = get(&c, &mut official, &format!("{url}?done=reading")).await.text().await.unwrap();
    assert!(page.contains("prochaine récolte") && page.contains("en attente de lecture du dépôt"), "{page}");

    // Signed out, the page asks to sign in first.
    let mut nobody = tests::CookieJar::default();
    let r = get(&c, &mut nobody, &url).await;
    assert_eq!(r.status(), 303);
});
