//! The pages in a real browser: `communs serve --demo` on a loopback port, Debian's
//! Chromium driven by playwright-core through `tests/browser/run.mjs` (search, a software's
//! page, a facet, the language switch, both dashboards, a login with the real OpenID Connect
//! provider of `oidc-provider` and a demo account, axe-core on every kind of page,
//! screenshots at 1280 and 375 px under `target/screenshots/`). What the test needs is
//! installed by `tests/browser/install.sh` when it is missing.

use std::path::PathBuf;
use std::time::Duration;

use tests::communs;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("browser")
}

async fn wait_for(port: u16) {
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if client.get(format!("http://127.0.0.1:{port}/api/v1/healthz")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not answer on port {port}");
}

async fn run(program: &str, args: &[&str], env: &[(&str, String)], limit: Duration) -> (bool, String) {
    let mut command = tokio::process::Command::new(program);
    command.args(args).current_dir(browser_dir()).kill_on_drop(true);
    for (k, v) in env {
        command.env(k, v);
    }
    let output = tokio::time::timeout(limit, command.output())
        .await
        .unwrap_or_else(|_| panic!("{program} {args:?} took more than {limit:?}"))
        .unwrap_or_else(|e| panic!("{program} could not start: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_work_in_chromium_and_pass_axe() {
    let (installed, log) = run("bash", &["install.sh"], &[], Duration::from_secs(900)).await;
    assert!(installed, "tests/browser/install.sh failed:\n{log}");

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    // The real OpenID Connect provider, with the site as its client, declared in communs.toml.
    let provider = tests::OidcProvider::start(&format!("http://127.0.0.1:{port}"), false);
    let config = dir.path().join("communs.toml");
    let p = provider.config();
    std::fs::write(
        &config,
        format!(
            "[[login.providers]]\nid = \"{}\"\nname = \"{}\"\nissuer = \"{}\"\nclient_id = \"{}\"\nclient_secret = \"{}\"\n",
            p.id,
            p.name,
            p.issuer,
            p.client_id,
            p.client_secret.clone().unwrap_or_default()
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let screenshots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    let browse = async {
        wait_for(port).await;
        run(
            "node",
            &["run.mjs"],
            &[
                ("COMMUNS_URL", format!("http://127.0.0.1:{port}")),
                ("SCREENSHOTS", screenshots.display().to_string()),
                ("OIDC_ISSUER", provider.issuer.clone()),
            ],
            Duration::from_secs(300),
        )
        .await
    };
    let args = ["--config", config.as_str(), "--data-dir", data.as_str(), "serve", "--demo", "--bind", bind.as_str()];
    let (passed, log) = tokio::select! {
        ended = communs(&args) => panic!("communs serve stopped by itself: {ended:?}"),
        result = browse => result,
    };
    println!("{log}");
    assert!(passed, "the browser test failed:\n{log}");
    assert!(log.contains("checks passed"), "{log}");
    for name in [
        "home",
        "search",
        "software",
        "organisation",
        "dashboard-adoption",
        "dashboard-funding",
        "roadmaps",
        "about",
        "login",
        "account",
    ] {
        for width in [1280, 375] {
            let shot = screenshots.join(format!("{name}-{width}.png"));
            assert!(shot.metadata().is_ok_and(|m| m.len() > 1000), "no screenshot {}", shot.display());
        }
    }
}
