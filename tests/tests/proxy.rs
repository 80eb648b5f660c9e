//! nginx (Debian's package) in front of two `communs serve --role web` processes on one
//! database, with `deploy/nginx/communs.conf` as shipped but for its addresses and paths:
//! both processes answer, a stopped one is skipped, a write through one is seen through
//! the other, the request id is nginx's, bodies over the limit stop at nginx, the assets
//! come from its cache, and https answers.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use catalog::{Actor, Store};
use tests::{communs, today};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Replaces `from` by `to`, which must be there: the test follows the shipped file's shape.
fn swap(text: &mut String, from: &str, to: &str) {
    assert!(text.contains(from), "deploy/nginx/communs.conf no longer holds {from:?}");
    *text = text.replace(from, to);
}

/// nginx and its folder, stopped when dropped: its master is told to stop, and takes its
/// workers with it (a killed master would leave them running).
struct Nginx(std::process::Child, PathBuf);

impl Drop for Nginx {
    fn drop(&mut self) {
        let stopped = std::process::Command::new("nginx")
            .arg("-p")
            .arg(&self.1)
            .arg("-c")
            .arg(self.1.join("nginx.conf"))
            .args(["-s", "stop"])
            .status();
        if !stopped.is_ok_and(|s| s.success()) {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// The shipped site, pointed at `upstreams`, listening on loopback: over https on
/// `https` and, for the client of this test (built without TLS), over http on `plain`.
fn site(dir: &Path, upstreams: &[u16], redirect: u16, https: u16, plain: u16) -> String {
    let mut c = std::fs::read_to_string(root().join("deploy/nginx/communs.conf")).unwrap();
    let servers: String =
        upstreams.iter().map(|p| format!("    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n")).collect();
    swap(
        &mut c,
        "    server 127.0.0.1:8081 max_fails=3 fail_timeout=10s;\n    server 127.0.0.1:8082 max_fails=3 fail_timeout=10s;\n",
        &servers,
    );
    swap(&mut c, "/var/cache/nginx/communs", &dir.join("cache").display().to_string());
    swap(&mut c, "    listen [::]:80;\n", "");
    swap(&mut c, "    listen [::]:443 ssl http2;\n", "");
    swap(&mut c, "listen 80;", &format!("listen 127.0.0.1:{redirect};"));
    swap(
        &mut c,
        "listen 443 ssl http2;",
        &format!("listen 127.0.0.1:{https} ssl http2;\n    listen 127.0.0.1:{plain};"),
    );
    swap(
        &mut c,
        "/etc/letsencrypt/live/communs.example.org/fullchain.pem",
        &dir.join("cert.pem").display().to_string(),
    );
    swap(&mut c, "/etc/letsencrypt/live/communs.example.org/privkey.pem", &dir.join("key.pem").display().to_string());
    c
}

fn start_nginx(dir: &Path, site: &str) -> Nginx {
    let installed = std::process::Command::new("bash").arg(root().join("tests/proxy/install.sh")).status();
    assert!(installed.is_ok_and(|s| s.success()), "tests/proxy/install.sh could not install nginx");
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=communs.example.org"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .output()
        .expect("openssl runs");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    for d in ["cache", "body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    std::fs::write(dir.join("communs.conf"), site).unwrap();
    let p = |name: &str| dir.join(name).display().to_string();
    let main = format!(
        "daemon off;\nmaster_process on;\nworker_processes 1;\nuser root;\npid {};\nerror_log {} warn;\n\
         events {{ worker_connections 512; }}\n\
         http {{\n  access_log {};\n  client_body_temp_path {};\n  proxy_temp_path {};\n  fastcgi_temp_path {};\n  \
         uwsgi_temp_path {};\n  scgi_temp_path {};\n  include {};\n}}\n",
        p("nginx.pid"),
        p("error.log"),
        p("access.log"),
        p("body"),
        p("proxy"),
        p("fastcgi"),
        p("uwsgi"),
        p("scgi"),
        p("communs.conf"),
    );
    std::fs::write(dir.join("nginx.conf"), main).unwrap();
    let checked = std::process::Command::new("nginx")
        .arg("-t")
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .output()
        .unwrap();
    assert!(checked.status.success(), "nginx -t: {}", String::from_utf8_lossy(&checked.stderr));
    Nginx(
        std::process::Command::new("nginx")
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nginx starts"),
        dir.to_path_buf(),
    )
}

/// Polls `url` until it answers 200.
async fn wait_for(client: &reqwest::Client, url: &str) {
    for _ in 0..600 {
        if client.get(url).send().await.is_ok_and(|r| r.status() == 200) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} did not answer");
}

/// The JSON answer at `url`.
async fn json(client: &reqwest::Client, url: &str) -> serde_json::Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

/// The count of GET requests a process's metrics page says it answered on `route`.
async fn answered(client: &reqwest::Client, metrics: u16, route: &str) -> f64 {
    let page = client.get(format!("http://127.0.0.1:{metrics}/metrics")).send().await.unwrap().text().await.unwrap();
    let series =
        format!("communs_http_request_duration_seconds_count{{method=\"GET\",route=\"{route}\",status=\"200\"}} ");
    page.lines().find_map(|l| l.strip_prefix(&series)?.parse().ok()).unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_in_front_of_two_web_processes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("a");
    std::fs::create_dir_all(&data).unwrap();
    let url = format!("sqlite://{}/communs.db", data.display());
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    store.close().await;
    let (code, token, err) = communs(&["--database-url", &url, "token", "create", "--name", "proxy"]).await;
    assert_eq!(code, 0, "{err}");
    let token = token.trim().to_string();

    // Two web processes on the one database, each with its own data folder (its index).
    let ports = [free_port(), free_port()];
    let metrics = [free_port(), free_port()];
    let mut processes: Vec<Vec<String>> = Vec::new();
    for (i, (port, metrics)) in ports.iter().zip(metrics).enumerate() {
        let folder = dir.path().join(format!("web-{i}")).display().to_string();
        let args: Vec<String> = [
            "--data-dir",
            &folder,
            "--database-url",
            &url,
            "serve",
            "--role",
            "web",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--metrics-bind",
            &format!("127.0.0.1:{metrics}"),
            "--trusted-proxies",
            "127.0.0.1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        processes.push(args);
    }
    let args: Vec<Vec<&str>> = processes.iter().map(|a| a.iter().map(String::as_str).collect()).collect();
    let serving = async { tokio::join!(communs(&args[0]), communs(&args[1])) };
    tokio::select! {
        ended = serving => panic!("a process stopped by itself: {ended:?}"),
        () = through_nginx(dir.path(), ports, metrics, &token) => {}
    }
}

async fn through_nginx(dir: &Path, ports: [u16; 2], metrics: [u16; 2], token: &str) {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    for port in ports {
        wait_for(&client, &format!("http://127.0.0.1:{port}/readyz")).await;
    }
    // A third upstream that is down: a process stopped or restarting.
    let down = free_port();
    let (redirect, https, plain) = (free_port(), free_port(), free_port());
    let nginx_dir = dir.join("nginx");
    std::fs::create_dir_all(&nginx_dir).unwrap();
    let _nginx = start_nginx(&nginx_dir, &site(&nginx_dir, &[ports[0], ports[1], down], redirect, https, plain));
    let base = format!("http://127.0.0.1:{plain}");
    wait_for(&client, &format!("{base}/healthz")).await;

    // Every request answered, by both processes, none by the one that is down.
    for _ in 0..12 {
        let r = client.get(format!("{base}/software/decidim")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        // nginx's request id (32 hex digits), the one the process logged.
        let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
        assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    }
    let (a, b) = (
        answered(&client, metrics[0], "/software/{slug}").await,
        answered(&client, metrics[1], "/software/{slug}").await,
    );
    assert_eq!(a + b, 12.0, "{a} + {b}");
    assert!(a >= 1.0 && b >= 1.0, "both processes served: {a} and {b}");

    // A write through the proxy is seen at once through each process, search included.
    let started = Instant::now();
    let r = client
        .patch(format!("{base}/api/v1/software/decidim"))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "website": "https://decidim.example/zygomorphe",
            "summary_fr": "Plateforme de participation citoyenne zygomorphe.",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    for port in ports {
        let r = json(&client, &format!("http://127.0.0.1:{port}/api/v1/software/decidim")).await;
        assert_eq!(r["website"], "https://decidim.example/zygomorphe", "process on {port}");
        let found = json(&client, &format!("http://127.0.0.1:{port}/api/v1/search?q=zygomorphe")).await;
        assert_eq!(found["hits"][0]["slug"], "decidim", "searchable through the process on {port}: {found}");
    }
    let seen = started.elapsed();
    println!(
        "a write read and found by search through both processes {:.1} ms after it was sent",
        seen.as_secs_f64() * 1e3
    );

    // A body over the limit stops at nginx.
    let r = client
        .post(format!("{base}/api/v1/publiccode"))
        .bearer_auth(token)
        .header("content-type", "application/yaml")
        .body(vec![b'a'; 3 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert!(r.headers().get("server").is_some_and(|s| s.to_str().unwrap().starts_with("nginx")));

    // The assets: asked of a process once, then nginx's, with their year-long lifetime.
    let page = client.get(format!("{base}/")).send().await.unwrap().text().await.unwrap();
    let at = page.find("/assets/").expect("the page links its stylesheet");
    let asset = &page[at..at + page[at..].find('"').unwrap()];
    let first = client.get(format!("{base}{asset}")).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["x-cache-status"], "MISS");
    let again = client.get(format!("{base}{asset}")).send().await.unwrap();
    assert_eq!(again.headers()["x-cache-status"], "HIT");
    assert_eq!(again.headers()["cache-control"], "public, max-age=31536000, immutable");

    // Plain http on the public port sends to https; https answers (curl, as the client
    // here has no TLS).
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = no_redirects.get(format!("http://127.0.0.1:{redirect}/software/decidim")).send().await.unwrap();
    assert_eq!(r.status(), 301);
    assert_eq!(r.headers()["location"], format!("https://127.0.0.1/software/decidim"));
    let curl = std::process::Command::new("curl")
        .args(["-sk", "-D", "-", &format!("https://127.0.0.1:{https}/healthz")])
        .output()
        .expect("curl runs");
    let said = String::from_utf8_lossy(&curl.stdout);
    assert!(
        said.contains("strict-transport-security: max-age=63072000")
            || said.contains("Strict-Transport-Security: max-age=63072000"),
        "{said}"
    );
    assert!(said.ends_with("ok\n"), "{said}");
}

/// The systemd units of deploy/ read without a word from `systemd-analyze verify` (which
/// names unknown keys and bad values), the program they start put aside.
#[test]
fn the_systemd_units_verify() {
    let dir = tempfile::tempdir().unwrap();
    let mut units = Vec::new();
    for name in ["communs-harvest.service", "communs-web@.service"] {
        let text = std::fs::read_to_string(root().join("deploy/systemd").join(name)).unwrap();
        assert!(text.contains("ExecStart=/usr/local/bin/communs serve --role "), "{name}");
        assert!(text.contains("DynamicUser=yes") && text.contains("ProtectSystem=strict"), "{name}");
        assert!(text.contains("NoNewPrivileges=yes") && text.contains("ReadWritePaths=/var/lib/communs/"), "{name}");
        // The binary is not installed here: another that exists stands in for it.
        let text = text.replace("/usr/local/bin/communs", "/usr/bin/true");
        let instance = name.replace("@.", "@1.");
        std::fs::write(dir.path().join(&instance), text).unwrap();
        units.push(dir.path().join(instance));
    }
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .args(&units)
        .output()
        .expect("systemd-analyze runs (Debian's systemd package)");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && said.trim().is_empty(), "{said}");
}
