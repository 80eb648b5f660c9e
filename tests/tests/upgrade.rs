//! A rolling upgrade: the previous release (deploy/previous-release) keeps serving and
//! writing while this tree migrates its database, and starts again on the migrated
//! database, as its processes would while they are replaced one by one (CONTRIBUTING,
//! "Releases and migrations"). Its binary is built from this clone's history by
//! tests/upgrade/build-previous.sh, once per release.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use catalog::Store;
use tests::{communs, store_test, with_database, TestServer};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The previous release's binary, built at the first call of the test binary.
fn previous() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let out = Command::new("bash")
            .arg(root().join("tests/upgrade/build-previous.sh"))
            .stderr(Stdio::inherit())
            .output()
            .expect("bash runs");
        assert!(out.status.success(), "the previous release could not be built (its messages are above)");
        root().join(String::from_utf8(out.stdout).unwrap().trim())
    })
}

/// Where a process keeps its data, and the database it uses when not its folder's SQLite.
struct Site {
    data: PathBuf,
    database: Option<String>,
}

impl Site {
    fn old(&self) -> Command {
        let mut c = Command::new(previous());
        c.arg("--data-dir").arg(&self.data).env("COMMUNS_LOG", "warn").env_remove("COMMUNS_DATABASE_URL");
        if let Some(url) = &self.database {
            c.env("COMMUNS_DATABASE_URL", url);
        }
        c
    }

    fn old_run(&self, args: &[&str]) -> String {
        let out = self.old().args(args).output().expect("the previous release runs");
        assert!(
            out.status.success(),
            "previous release, {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// This tree's command line, in-process, on the same site.
    async fn new_run(&self, args: &[&str]) -> String {
        let data = self.data.display().to_string();
        let mut argv = vec!["--data-dir", data.as_str()];
        if let Some(url) = &self.database {
            argv.extend(["--database-url", url.as_str()]);
        }
        argv.extend_from_slice(args);
        let (code, out, err) = communs(&argv).await;
        assert_eq!(code, 0, "this tree, {args:?}: {out}{err}");
        out
    }

    fn url(&self) -> String {
        self.database.clone().unwrap_or_else(|| format!("sqlite://{}/communs.db", self.data.display()))
    }

    /// The previous release serving the site (`--role web`), once it answers `/readyz`.
    async fn old_serve(&self) -> Running {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = self
            .old()
            .args(["serve", "--role", "web", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status() == 200) {
                return Running { child, base };
            }
            if let Some(status) = child.try_wait().unwrap() {
                let mut err = String::new();
                std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
                panic!("the previous release stopped ({status}) instead of serving: {err}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the previous release did not get ready");
    }
}

struct Running {
    child: Child,
    base: String,
}

impl Running {
    /// What a visitor and a writer do: a software's page and record, a search, a
    /// roadmap item written and read back. Returns the item's id.
    async fn serves(&self, token: &str, title: &str) -> i64 {
        let client = reqwest::Client::new();
        let page = client.get(format!("{}/software/decidim", self.base)).send().await.unwrap();
        assert_eq!(page.status(), 200, "the software page");
        let record: serde_json::Value =
            client.get(format!("{}/api/v1/software/decidim", self.base)).send().await.unwrap().json().await.unwrap();
        assert_eq!(record["slug"], "decidim", "{record}");
        let found: serde_json::Value =
            client.get(format!("{}/api/v1/search?q=decidim", self.base)).send().await.unwrap().json().await.unwrap();
        assert_eq!(found["hits"][0]["slug"], "decidim", "{found}");
        let written = client
            .post(format!("{}/api/v1/software/geocity/roadmap", self.base))
            .bearer_auth(token)
            .json(&serde_json::json!({"title": title, "status": "proposed"}))
            .send()
            .await
            .unwrap();
        assert_eq!(written.status(), 201, "a write: {}", written.text().await.unwrap());
        let id = written.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
        let read = client.get(format!("{}/api/v1/roadmap/{id}", self.base)).send().await.unwrap();
        assert_eq!(read.status(), 200);
        id
    }

    fn stop(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

async fn rolling_upgrade(site: Site) {
    // The previous release made the site and serves it.
    site.old_run(&["seed"]);
    let token = site.old_run(&["token", "create", "--name", "upgrade"]).trim().to_string();
    let old = site.old_serve().await;
    let before = old.serves(&token, "Written before the upgrade").await;

    // This tree migrates the database under it; the old process serves on.
    site.new_run(&["migrate"]).await;
    let during = old.serves(&token, "Written by the old release after the migration").await;
    old.stop();

    // An old process restarted during the roll starts on the migrated database.
    let restarted = site.old_serve().await;
    let after = restarted.serves(&token, "Written by a restarted old process").await;
    restarted.stop();

    // This tree reads all of it.
    let store = Store::connect(&site.url()).await.unwrap();
    let server = TestServer::start(store).await;
    for id in [before, during, after] {
        let (status, _, body) = server.get(&format!("/api/v1/roadmap/{id}")).await;
        assert_eq!(status, 200, "roadmap item {id}: {body}");
    }
    let (status, _, body) = server.get("/api/v1/search?q=decidim").await;
    assert_eq!((status, body["hits"][0]["slug"].as_str()), (200, Some("decidim")), "{body}");
}

#[tokio::test]
async fn the_previous_release_runs_on_a_database_this_tree_migrated_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    rolling_upgrade(Site { data: dir.path().join("data"), database: None }).await;
}

#[tokio::test]
async fn the_previous_release_runs_on_a_database_this_tree_migrated_postgres() {
    let admin_url = std::env::var("COMMUNS_TEST_POSTGRES_URL").unwrap_or_default();
    if admin_url.is_empty() {
        assert!(std::env::var("CI").is_err(), "CI sets COMMUNS_TEST_POSTGRES_URL");
        eprintln!("skipped: set COMMUNS_TEST_POSTGRES_URL to run the upgrade on PostgreSQL too");
        return;
    }
    let name = format!("communs_upgrade_{}", std::process::id());
    let admin = Store::connect(&admin_url).await.unwrap();
    admin.execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.unwrap();
    admin.execute_admin(&format!("CREATE DATABASE {name}")).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let site = Site { data: dir.path().join("data"), database: Some(with_database(&admin_url, &name)) };
    rolling_upgrade(site).await;
    admin.execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.unwrap();
    admin.close().await;
}

store_test!(a_database_a_newer_release_migrated_is_run_on, |store| {
    assert_eq!(store.migrate().await.unwrap(), 0, "nothing newer than this tree");
    // What a newer release's migration leaves in the ledger (its own checksum aside).
    store
        .execute_admin(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             SELECT 99990101, 'a newer release''s', success, checksum, 1 FROM _sqlx_migrations WHERE version = 1",
        )
        .await
        .unwrap();
    assert_eq!(store.migrate().await.unwrap(), 1, "left alone, and counted");
    assert!(store.count_software().await.is_ok());
});
