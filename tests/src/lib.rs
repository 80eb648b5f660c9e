//! What the end-to-end tests share: a fresh database per test, on SQLite and on
//! PostgreSQL, and the real server started on a free loopback port.
//!
//! PostgreSQL tests run when `COMMUNS_TEST_POSTGRES_URL` names a server
//! (`postgres://postgres@127.0.0.1:5432/postgres`); each test creates its own database
//! there and drops it at the end. Without the variable they say they are skipped, except
//! under CI (`CI=true`), where a missing or unreachable PostgreSQL fails the test.

use std::sync::atomic::{AtomicU32, Ordering};

use catalog::Store;

pub use catalog;

/// A person ("Person SUBJECT", with a verified address at example.org) who is a member of
/// `organisation`, and a personal token that writes for it.
pub async fn member(store: &Store, subject: &str, organisation: &str) -> (catalog::User, String) {
    let person = store
        .sign_in(
            &catalog::Identity {
                issuer: "https://id.example".into(),
                subject: subject.into(),
                name: Some(format!("Person {subject}")),
                email: Some(format!("{subject}@example.org")),
                email_verified: true,
            },
            &[],
        )
        .await
        .unwrap();
    store.set_role(None, organisation, &person.handle, catalog::Role::Member).await.unwrap();
    let ask = catalog::PersonalToken {
        name: "api",
        organisation: Some(organisation),
        scope: catalog::TokenScope::Write,
        days: None,
    };
    let token = store.create_personal_token(&catalog::Actor::System("test"), &person, &ask).await.unwrap().1;
    (person, token)
}

/// A software record with no repository, of a cemetery tool, as tests that add their own
/// repositories start from.
pub async fn software_without_repository(store: &Store, slug: &str) {
    let draft = catalog::SoftwareDraft {
        slug: slug.into(),
        name: format!("Logiciel {slug}"),
        summary: [("fr".to_string(), "Gestion des cimetières".to_string())].into(),
        licence: "AGPL-3.0-or-later".into(),
        maturity: "stable".into(),
        ..Default::default()
    };
    store
        .put_software(&catalog::Actor::System("test"), &draft.validate().expect("a valid draft"))
        .await
        .expect("written");
}

/// Today's date as the tests see it, fixed so that "in the future" does not drift.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

pub struct TestDb {
    pub store: Store,
    /// The database's URL, for commands that open it themselves.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn in_ci() -> bool {
    std::env::var("CI").map(|v| v == "true" || v == "1").unwrap_or(false)
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::connect(&url).await.expect("open SQLite");
        store.migrate().await.expect("migrate SQLite");
        TestDb { store, url, _dir: Some(dir), postgres: None }
    }

    /// A fresh PostgreSQL database, or `None` (with a note) when none is configured
    /// outside CI.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url = match std::env::var("COMMUNS_TEST_POSTGRES_URL") {
            Ok(u) if !u.is_empty() => u,
            _ => {
                if in_ci() {
                    panic!("CI=true but COMMUNS_TEST_POSTGRES_URL is not set: the PostgreSQL tests cannot run");
                }
                // Written past the test harness's capture, once per test binary, so that a
                // developer sees it without --nocapture.
                static SAID: std::sync::Once = std::sync::Once::new();
                SAID.call_once(|| {
                    use std::io::Write;
                    let _ = writeln!(
                        std::io::stderr(),
                        "skipped: PostgreSQL tests (set COMMUNS_TEST_POSTGRES_URL to run them on PostgreSQL too)"
                    );
                });
                return None;
            }
        };
        let name = format!(
            "communs_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            chrono::Utc::now().timestamp_subsec_nanos()
        );
        let admin = Store::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} does not answer: {e}"));
        admin.execute_admin(&format!("CREATE DATABASE {name}")).await.expect("create the test database");
        admin.close().await;
        let url = with_database(&admin_url, &name);
        let store = Store::connect(&url).await.expect("open the test database");
        store.migrate().await.expect("migrate PostgreSQL");
        Some(TestDb { store, url, _dir: None, postgres: Some((admin_url, name)) })
    }

    /// Another fresh, empty database on the same kind of server.
    pub async fn another(&self) -> TestDb {
        if self.postgres.is_some() {
            TestDb::postgres().await.expect("PostgreSQL answered for the first database")
        } else {
            TestDb::sqlite().await
        }
    }

    /// Closes the pool and drops the PostgreSQL database.
    pub async fn finish(self) {
        self.store.close().await;
        if let Some((admin_url, name)) = &self.postgres {
            if let Ok(admin) = Store::connect(admin_url).await {
                let _ = admin.execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                admin.close().await;
            }
        }
    }
}

/// Replaces the database name in a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Runs one test body on SQLite and on PostgreSQL, as two tests named `sqlite` and
/// `postgres` in a module named after the test.
#[macro_export]
macro_rules! store_test {
    ($name:ident, |$store:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let db = $crate::TestDb::sqlite().await;
                let $store = db.store.clone();
                $body
                db.finish().await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(db) = $crate::TestDb::postgres().await else { return };
                let $store = db.store.clone();
                $body
                db.finish().await;
            }
        }
    };
}

/// Like `store_test!`, for tests that also need the database's URL (to run commands
/// against it): the body gets the whole `TestDb`.
#[macro_export]
macro_rules! database_test {
    ($name:ident, |$db:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let $db = $crate::TestDb::sqlite().await;
                $body
                $db.finish().await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some($db) = $crate::TestDb::postgres().await else { return };
                $body
                $db.finish().await;
            }
        }
    };
}

/// The real router served on a free loopback port.
pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    pub async fn start(store: Store) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        TestServer::serve(listener, server::api::router(store))
    }

    /// The site with sign-in as `accounts` allows, on a port already bound (a provider's
    /// client is registered with the port before the site starts).
    pub fn start_with_accounts(
        listener: tokio::net::TcpListener,
        store: Store,
        accounts: server::session::Accounts,
    ) -> TestServer {
        let search = std::sync::Arc::new(server::search::SearchIndex::in_memory().expect("an index"));
        let app = server::api::router_with_accounts(
            store,
            search,
            server::cache::DEFAULT_BUDGET,
            server::guard::Site::default(),
            accounts,
        );
        TestServer::serve(listener, app)
    }

    fn serve(listener: tokio::net::TcpListener, app: axum::Router) -> TestServer {
        let addr = listener.local_addr().expect("bound");
        let task = tokio::spawn(async move {
            server::connections::serve(listener, app, server::ConnectionLimits::default(), std::future::pending())
                .await;
        });
        let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(20)).build().expect("client");
        TestServer { base: format!("http://{addr}"), client, task }
    }

    /// A live token allowed to write, made as `communs token create` makes one.
    pub async fn write_token(store: &Store, name: &str) -> String {
        let (_, secret) = store
            .create_token(&catalog::Actor::System("test"), name, catalog::TokenScope::Write)
            .await
            .expect("a token is made");
        secret
    }

    /// A page's HTML as a reader of `lang` (an `Accept-Language` value) gets it; `path` may
    /// hold its query, and `query` adds encoded parameters.
    pub async fn page(&self, path: &str, query: &[(&str, &str)], lang: &str) -> String {
        let r = self.client.get(format!("{}{}", self.base, path)).query(query).header("accept-language", lang);
        r.send().await.expect("request").text().await.expect("a page")
    }

    /// An answer's status, content type and JSON body. A body that is not JSON (a page, an
    /// empty answer) is `Null`, and the content type says what it was; an answer that says it
    /// is JSON and is not fails the test, naming the path.
    pub async fn get(&self, path: &str) -> (u16, String, serde_json::Value) {
        let r = self.client.get(format!("{}{}", self.base, path)).send().await.expect("request");
        let status = r.status().as_u16();
        let ctype = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let text = r.text().await.expect("a body");
        let media = ctype.split(';').next().unwrap_or_default().trim();
        let body = if media == "application/json" || media.ends_with("+json") {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: {ctype} that is not JSON ({e}): {text}"))
        } else {
            serde_json::Value::Null
        };
        (status, ctype, body)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The demo fixtures of the repository.
pub fn demo_fixtures() -> catalog::import::fixtures::Fixtures {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    catalog::import::fixtures::Fixtures::read_dir(&dir).expect("the demo fixtures read")
}

/// Runs the `communs` command line in-process; returns the exit status, stdout, stderr.
pub async fn communs(args: &[&str]) -> (i32, String, String) {
    use clap::Parser;
    let mut argv = vec!["communs"];
    argv.extend_from_slice(args);
    let cli = server::cli::Cli::try_parse_from(argv).expect("valid arguments");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = server::cli::run(cli, &mut out, &mut err).await;
    (code, String::from_utf8_lossy(&out).into_owned(), String::from_utf8_lossy(&err).into_owned())
}

/// The cookies a browser would keep, by name (the tests' sites are all on 127.0.0.1).
#[derive(Debug, Default, Clone)]
pub struct CookieJar(pub std::collections::BTreeMap<String, String>);

impl CookieJar {
    /// Keeps what a response sets (`Max-Age=0` removes).
    pub fn keep(&mut self, response: &reqwest::Response) {
        for v in response.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap_or_default();
            let first = v.split(';').next().unwrap_or_default();
            if let Some((name, value)) = first.split_once('=') {
                if v.contains("Max-Age=0") || value.is_empty() {
                    self.0.remove(name.trim());
                } else {
                    self.0.insert(name.trim().to_string(), value.to_string());
                }
            }
        }
    }

    pub fn header(&self) -> String {
        self.0.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }
}

/// The real OpenID Connect provider of `tests/browser/oidc-provider.mjs`, on a loopback
/// port, stopped when dropped.
pub struct OidcProvider {
    pub issuer: String,
    child: std::process::Child,
}

impl OidcProvider {
    /// Starts it with its client sending people back to `site` (`http://127.0.0.1:PORT`);
    /// `rogue`: it signs with a key it does not publish.
    pub fn start(site: &str, rogue: bool) -> OidcProvider {
        use std::io::BufRead;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
        // One install at a time: the tests of a binary start providers side by side, and two
        // installs at once on a fresh machine broke each other (the known flake of
        // `an_id_token_signed_by_another_key_is_refused`).
        static INSTALLING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        {
            let _installing = INSTALLING.lock().unwrap_or_else(|e| e.into_inner());
            if !dir.join("node_modules/oidc-provider").is_dir() {
                let status = std::process::Command::new("bash").arg(dir.join("install.sh")).status();
                assert!(status.is_ok_and(|s| s.success()), "tests/browser/install.sh could not install oidc-provider");
            }
        }
        let mut child = std::process::Command::new("node")
            .arg("oidc-provider.mjs")
            .current_dir(&dir)
            .env("REDIRECT_URI", format!("{site}/login/test/callback"))
            .env("POST_LOGOUT_URI", format!("{site}/"))
            .env("ROGUE_KEYS", if rogue { "1" } else { "0" })
            .stdout(std::process::Stdio::piped())
            .stderr(
                std::fs::File::create(std::env::temp_dir().join("communs-oidc-provider.log"))
                    .map_or_else(|_| std::process::Stdio::null(), std::process::Stdio::from),
            )
            .spawn()
            .expect("node runs");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let issuer = loop {
            match lines.next() {
                Some(Ok(line)) if line.starts_with("ready ") => break line["ready ".len()..].trim().to_string(),
                Some(Ok(_)) => continue,
                _ => panic!("the OpenID Connect provider did not start"),
            }
        };
        // The provider writes notes later on: read them, or it dies of a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        OidcProvider { issuer, child }
    }

    /// The provider as `communs.toml` would declare it.
    pub fn config(&self) -> server::oidc::ProviderConfig {
        server::oidc::ProviderConfig {
            id: "test".into(),
            name: "Test provider".into(),
            issuer: self.issuer.clone(),
            client_id: "communs-test".into(),
            client_secret: Some("communs-test-secret".into()),
            client_secret_env: None,
            scopes: None,
            allowed_domains: vec![],
        }
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One number a query of a test's SQLite database answers (`SELECT COUNT(*) ...`).
pub async fn count(url: &str, sql: &str) -> i64 {
    let pool = sqlx::SqlitePool::connect(url).await.expect("the test database opens");
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await.expect("the query runs");
    pool.close().await;
    n
}

/// Runs one statement on a test's SQLite database (to age a record, say).
pub async fn execute(url: &str, sql: &str) {
    let pool = sqlx::SqlitePool::connect(url).await.expect("the test database opens");
    sqlx::query(sql).execute(&pool).await.expect("the statement runs");
    pool.close().await;
}

/// A browser without JavaScript: forms posted with cookies kept, redirects not followed.
pub mod forms {
    use super::CookieJar;

    pub fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .expect("a client")
    }

    /// A GET that keeps cookies; returns the response.
    pub async fn get(c: &reqwest::Client, jar: &mut CookieJar, url: &str) -> reqwest::Response {
        let r = c.get(url).header("cookie", jar.header()).header("accept-language", "fr").send().await.unwrap();
        jar.keep(&r);
        r
    }

    pub async fn post(c: &reqwest::Client, jar: &mut CookieJar, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let r =
            c.post(url).header("cookie", jar.header()).header("accept-language", "fr").form(form).send().await.unwrap();
        jar.keep(&r);
        r
    }

    pub fn location(r: &reqwest::Response) -> String {
        r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
    }

    /// The `value` of the hidden field `name` of a page's first form that has it.
    pub fn field(html: &str, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = html.find(&marker).unwrap_or_else(|| panic!("no field {name}")) + marker.len();
        html[start..].split('"').next().unwrap().to_string()
    }

    /// Signs in as a demo account (a site started with `Accounts { demo: true, .. }`):
    /// the cookies and the session's CSRF token.
    pub async fn demo(c: &reqwest::Client, base: &str, handle: &str) -> (CookieJar, String) {
        let mut jar = CookieJar::default();
        let html = get(c, &mut jar, &format!("{base}/login")).await.text().await.unwrap();
        let csrf = field(&html, "csrf");
        let form = [("csrf", csrf.as_str()), ("handle", handle), ("next", "/account")];
        let r = post(c, &mut jar, &format!("{base}/login/demo"), &form).await;
        assert_eq!(r.status(), 303, "demo login of {handle}");
        let html = get(c, &mut jar, &format!("{base}/account")).await.text().await.unwrap();
        let csrf = field(&html, "csrf");
        (jar, csrf)
    }
}

/// A harvest of repositories on this machine (`allow_local`), two workers, bounded: the
/// tests' settings.
pub fn harvest_config(mirrors: &std::path::Path) -> server::harvest::HarvestConfig {
    server::harvest::HarvestConfig {
        mirrors: mirrors.to_path_buf(),
        workers: 2,
        limits: indexer::harvest::Limits {
            timeout: std::time::Duration::from_secs(30),
            max_repository_bytes: 64 * 1024 * 1024,
            max_file_bytes: 1024 * 1024,
        },
        interval: chrono::Duration::hours(24),
        every: None,
        allow_local: true,
        trusted_root: None,
    }
}
