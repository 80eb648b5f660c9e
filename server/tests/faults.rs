//! Faults survived: the `communs` program killed (SIGKILL, nothing tidied) in the middle of
//! a harvest, of a CSV import, of a search rebuild and of a burst of writes, then started
//! again. Nothing is half-written, what was acknowledged is there, leases expire and are
//! taken again, and the indexes catch up. (The database going away is in
//! tests/tests/operations.rs.)

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use catalog::Store;

/// The tests here time a run, then kill the next one partway through: side by side they
/// slow each other down and make those times wrong (a rebuild timed under another test's
/// load ended before its kill once). So they run one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn communs(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_communs"));
    c.arg("--data-dir").arg(data).env("COMMUNS_LOG", "warn").env_remove("COMMUNS_DATABASE_URL");
    c
}

fn run(data: &Path, args: &[&str]) -> Output {
    let out = communs(data).args(args).output().expect("communs runs");
    assert!(
        out.status.success(),
        "communs {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

async fn store(data: &Path) -> Store {
    Store::connect(&format!("sqlite://{}/communs.db", data.display())).await.unwrap()
}

/// A copy of a data folder, to time a command on without touching the original. A journal
/// file SQLite removes meanwhile (a pool just closed checkpoints it away) is left out: what
/// it held is in the database by then.
fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &target);
            continue;
        }
        match std::fs::copy(entry.path(), &target) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => panic!("cannot copy {}: {e}", entry.path().display()),
        }
    }
}

/// Starts `args`, and kills it after `after` unless it ended before: whether it was killed.
fn kill_after(data: &Path, args: &[&str], after: Duration) -> bool {
    let mut child: Child = communs(data).args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    std::thread::sleep(after);
    let running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    running
}

/// A data folder with the demo's catalog.
fn demo(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data");
    run(&data, &["seed"]);
    data
}

#[tokio::test]
async fn an_import_killed_midway_leaves_nothing_half_written() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let s = store(&data).await;
    let before = s.count_adoptions().await.unwrap();
    let software = s.software_slugs().await.unwrap();
    let organisations = s.organisation_slugs(10_000, 0).await.unwrap();
    s.close().await;
    // Every pair: thousands of rows, one transaction.
    let mut csv = String::from("software,organisation,since,status,scope,evidence_url\n");
    for sw in &software {
        for org in &organisations {
            csv.push_str(&format!("{sw},{org},2024-01-15,active,,\n"));
        }
    }
    let file = dir.path().join("adoptions.csv");
    std::fs::write(&file, csv).unwrap();
    let file = file.to_str().unwrap();

    // How long the whole import takes, and what it gives, on a copy.
    let probe = dir.path().join("probe");
    copy(&data, &probe);
    let started = Instant::now();
    run(&probe, &["import", "adoptions", file]);
    let whole = started.elapsed();
    let s = store(&probe).await;
    let after = s.count_adoptions().await.unwrap();
    s.close().await;
    assert!(after > before + 1_000, "{before} → {after}: enough rows to be caught midway");

    // Killed halfway: nothing of it is there, and the database is whole.
    assert!(kill_after(&data, &["import", "adoptions", file], whole / 2), "the import was still running");
    let s = store(&data).await;
    assert_eq!(s.count_adoptions().await.unwrap(), before, "none of the rows, rather than some");
    s.close().await;
    let facts = catalog::inspect_copy(&data.join("communs.db")).await.unwrap();
    assert_eq!(facts.adoptions, before);
    // Run again, it all goes in.
    run(&data, &["import", "adoptions", file]);
    let s = store(&data).await;
    assert_eq!(s.count_adoptions().await.unwrap(), after);
    s.close().await;
    println!(
        "import of {} rows: {:.1} s; killed at {:.1} s",
        after - before,
        whole.as_secs_f64(),
        whole.as_secs_f64() / 2.0
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `communs serve` as a child, once it answers `/readyz`.
async fn serve(data: &Path) -> (Child, String) {
    let port = free_port();
    let mut child = communs(data)
        .args(["serve", "--harvest-every", "0", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status() == 200) {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("communs serve did not get ready");
}

#[tokio::test]
async fn a_search_rebuild_killed_midway_is_caught_up_at_the_next_start() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let probe = dir.path().join("probe");
    copy(&data, &probe);
    let started = Instant::now();
    run(&probe, &["reindex"]);
    let whole = started.elapsed();
    assert!(kill_after(&data, &["reindex"], whole / 2), "the rebuild was still running");
    // The next start finds the index as the kill left it (locks and all), and serves.
    let (mut child, base) = serve(&data).await;
    let found: serde_json::Value =
        reqwest::get(format!("{base}/api/v1/search?q=decidim")).await.unwrap().json().await.unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(found["hits"][0]["slug"], "decidim", "{found}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_acknowledged_before_a_kill_are_all_there_after() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let token =
        String::from_utf8(run(&data, &["token", "create", "--name", "burst"]).stdout).unwrap().trim().to_string();
    let (mut child, base) = serve(&data).await;
    // Four writers, back to back, until the kill.
    let mut writers = Vec::new();
    for w in 0..4 {
        let (base, token) = (base.clone(), token.clone());
        writers.push(tokio::spawn(async move {
            let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
            let mut acknowledged = Vec::new();
            for n in 0.. {
                let sent = client
                    .post(format!("{base}/api/v1/software/geocity/roadmap"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"title": format!("Item {w}-{n}"), "status": "proposed"}))
                    .send()
                    .await;
                let Ok(r) = sent else { break };
                if r.status() != 201 {
                    break;
                }
                let Ok(body) = r.json::<serde_json::Value>().await else { break };
                acknowledged.push(body["id"].as_i64().unwrap());
            }
            acknowledged
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let mut acknowledged = Vec::new();
    for w in writers {
        acknowledged.extend(w.await.unwrap());
    }
    assert!(acknowledged.len() >= 10, "{} writes acknowledged before the kill", acknowledged.len());
    let (mut child, base) = serve(&data).await;
    let client = reqwest::Client::new();
    let mut missing = Vec::new();
    for id in &acknowledged {
        if client.get(format!("{base}/api/v1/roadmap/{id}")).send().await.unwrap().status() != 200 {
            missing.push(*id);
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(missing.is_empty(), "acknowledged, then lost: {missing:?}");
    // Opened and closed once (SQLite recovers its journal), then checked whole.
    store(&data).await.close().await;
    let facts = catalog::inspect_copy(&data.join("communs.db")).await;
    assert!(facts.is_ok(), "{facts:?}");
    println!("{} writes acknowledged before the kill, all there after", acknowledged.len());
}

/// A bare repository of one commit holding `megabytes` of bytes that do not compress, so
/// that cloning it takes long enough to be killed in the middle.
fn heavy_repository(dir: &Path, name: &str, megabytes: usize, seed: u64) -> String {
    let work = dir.join(format!("{name}-work"));
    std::fs::create_dir_all(&work).unwrap();
    let mut state = seed | 1;
    let mut bytes = Vec::with_capacity(megabytes << 20);
    while bytes.len() < megabytes << 20 {
        // xorshift64: random enough that zlib cannot shrink it.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    std::fs::write(work.join("data.bin"), bytes).unwrap();
    std::fs::write(work.join("README.md"), format!("# {name}\n")).unwrap();
    let git = |args: &[&str], at: &Path| {
        let out = Command::new("git")
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(at)
            .output()
            .expect("git is installed");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    git(&["init", "-q", "."], &work);
    git(&["add", "."], &work);
    git(&["commit", "-q", "-m", "Heavy data"], &work);
    let bare = dir.join(format!("{name}.git"));
    git(&["clone", "-q", "--bare", work.to_str().unwrap(), bare.to_str().unwrap()], dir);
    format!("file://{}", bare.display())
}

/// `git fsck` of a mirror: its objects and refs are whole.
fn fsck(mirror: &Path) -> Result<(), String> {
    let out = Command::new("git").arg("-C").arg(mirror).args(["fsck", "--no-progress"]).output().unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{}: {}", mirror.display(), String::from_utf8_lossy(&out.stderr)))
    }
}

fn entries(dir: &Path, suffix: &str) -> Vec<std::path::PathBuf> {
    let Ok(read) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<_> = read.map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().ends_with(suffix)).collect();
    out.sort();
    out
}

#[tokio::test]
async fn a_harvest_killed_midway_leaves_no_mirror_half_written() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let data = demo(dir.path());
    let s = store(&data).await;
    let draft = catalog::SoftwareDraft {
        slug: "cimetieres".into(),
        name: "Cimetières".into(),
        summary: [("fr".to_string(), "Gestion des cimetières".to_string())].into(),
        licence: "AGPL-3.0-or-later".into(),
        maturity: "stable".into(),
        ..Default::default()
    };
    s.put_software(&catalog::Actor::System("test"), &draft.validate().unwrap()).await.unwrap();
    s.close().await;
    let remotes = dir.path().join("remotes");
    std::fs::create_dir_all(&remotes).unwrap();
    let urls: Vec<String> =
        (0..4).map(|n| heavy_repository(&remotes, &format!("heavy-{n}"), 24, 7 + n as u64)).collect();
    for url in &urls {
        run(&data, &["repo", "add", "cimetieres", url, "--allow-local"]);
    }
    // One repository at a time; a lease of 2 × 5 + 5 s.
    let harvest = ["harvest", "--software", "cimetieres", "--allow-local", "--workers", "1", "--timeout", "5"];
    let mirrors = data.join("mirrors");

    // Killed once a clone is under way, its pack half received.
    let mut child = communs(&data).args(harvest).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    let mut caught = false;
    while started.elapsed() < Duration::from_secs(60) && child.try_wait().unwrap().is_none() {
        let packing = entries(&mirrors, ".partial")
            .iter()
            .any(|p| std::fs::read_dir(p.join("objects/pack")).is_ok_and(|mut d| d.next().is_some()));
        if packing {
            caught = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let killed_at = started.elapsed();
    assert!(caught, "no clone was seen under way before the harvest ended");
    assert_eq!(entries(&mirrors, ".partial").len(), 1, "the clone under way, left as it was");
    let whole_before: Vec<_> = entries(&mirrors, ".git");
    for mirror in &whole_before {
        fsck(mirror).unwrap();
    }

    // Started again at once: the killed clone's repository is still under its lease.
    let again = run(&data, &harvest);
    let line = String::from_utf8_lossy(&again.stdout).trim().to_string();
    assert_eq!(entries(&mirrors, ".git").len(), 3, "{line}");
    // Once the lease has expired, the repository is taken again and cloned from scratch.
    tokio::time::sleep(Duration::from_secs(15)).await;
    let last = run(&data, &harvest);
    let last_line = String::from_utf8_lossy(&last.stdout).trim().to_string();
    assert!(last_line.starts_with("1 cloned"), "{last_line}");
    assert!(entries(&mirrors, ".partial").is_empty(), "the half-written clone was cleared");
    let mirrored = entries(&mirrors, ".git");
    assert_eq!(mirrored.len(), 4);
    for mirror in &mirrored {
        fsck(mirror).unwrap();
    }
    let s = store(&data).await;
    for (url, harvest) in s.repository_harvests("cimetieres").await.unwrap() {
        assert!(harvest.last_error.is_none(), "{url}: {:?}", harvest.last_error);
        // --software takes all of its repositories, due or not: the last run found the
        // three others as the second left them.
        assert!(matches!(harvest.last_outcome.as_deref(), Some("cloned" | "unchanged")), "{url}: {harvest:?}");
        assert!(harvest.snapshot.is_some(), "{url}: its facts were read");
    }
    s.close().await;
    println!(
        "harvest killed at {:.2} s with a clone under way; then {line}; after the lease, {last_line}",
        killed_at.as_secs_f64()
    );
}
