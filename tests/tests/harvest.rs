//! Harvests of real git repositories that the tests write with git2, served by `file://`
//! and by `git daemon` on loopback, recorded in SQLite and PostgreSQL.

use std::path::Path;
use std::time::Duration;

use catalog::{Actor, Claim, FailureClass, HarvestSelection, RepositoryHarvest, Store};
use chrono::{DateTime, Utc};
use demo::history::{self, Author, CommitSpec, History, TagSpec};
use server::harvest::{HarvestConfig, Summary};
use tests::{database_test, store_test};

const ME: Actor = Actor::System("test");

fn config(mirrors: &Path) -> HarvestConfig {
    tests::harvest_config(mirrors)
}

use tests::software_without_repository;

/// The store as `--allow-local` makes it: these tests' repositories are on this machine.
fn allowing_local(store: &Store) -> Store {
    store.clone().with_address_policy(catalog::AddressPolicy::AllowLocal)
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn days_ago(now: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    now - chrono::Duration::days(days)
}

fn authors(names: &[&str]) -> Vec<Author> {
    names.iter().map(|n| Author { name: n.to_string(), email: format!("{}@example.org", n.to_lowercase()) }).collect()
}

fn commit(author: usize, when: DateTime<Utc>, files: &[(&str, &str)]) -> CommitSpec {
    CommitSpec {
        author,
        when,
        message: format!("Change by {author} on {}", when.format("%Y-%m-%d")),
        files: files.iter().map(|(p, c)| (p.to_string(), Some(c.as_bytes().to_vec()))).collect(),
    }
}

const README: &str = "# Cimetière\n\nGestion des concessions funéraires pour les communes : plans, \
    registres, échéances, reprises. Le logiciel est partagé par plusieurs communes qui financent \
    ensemble les évolutions et publient leur feuille de route. [Contribuer](CONTRIBUTING.md)\n";
const AGPL_NOTICE: &str = "This program is free software: you can redistribute it and/or modify it under \
    the terms of the GNU Affero General Public License as published by the Free Software Foundation, \
    either version 3 of the License, or (at your option) any later version.\n";

/// Fourteen commits: four by Dave two to three years ago, then ten in the last year by
/// Alice (6), Bob (3) and Carol (1); two release tags and two tags that are not releases.
fn known_history(now: DateTime<Utc>) -> History {
    let mut commits = Vec::new();
    for i in 0..4 {
        let files: &[(&str, &str)] = if i == 0 { &[("README.md", README), ("LICENSE", AGPL_NOTICE)] } else { &[] };
        let mut c = commit(3, days_ago(now, 1100 - i * 100), files);
        c.files.push((format!("src/old{i}.rs"), Some(format!("// {i}\n").into_bytes())));
        commits.push(c);
    }
    let window: [(usize, i64); 10] =
        [(0, 300), (1, 280), (0, 250), (0, 200), (2, 150), (1, 120), (0, 90), (0, 60), (1, 30), (0, 3)];
    for (n, (author, ago)) in window.into_iter().enumerate() {
        let mut c = commit(author, days_ago(now, ago), &[]);
        c.files.push((format!("src/mod{n}.rs"), Some(format!("// {n}\n").into_bytes())));
        if n == 1 {
            c.files.push(("CONTRIBUTING.md".into(), Some(b"Ouvrez une demande de fusion.\n".to_vec())));
            c.files.push(("CHANGELOG.md".into(), Some(b"## 1.1.0\n".to_vec())));
            c.files.push((".github/SECURITY.md".into(), Some(b"security@example.org\n".to_vec())));
            c.files.push((
                "publiccode.yml".into(),
                Some(include_bytes!("../../fixtures/publiccode/decidim.yml").to_vec()),
            ));
        }
        commits.push(c);
    }
    History {
        branch: "main".into(),
        authors: authors(&["Alice", "Bob", "Carol", "Dave"]),
        commits,
        tags: vec![
            TagSpec { name: "v1.0.0".into(), commit: 1, annotated: false },
            TagSpec { name: "v1.1.0".into(), commit: 11, annotated: true },
            TagSpec { name: "latest".into(), commit: 13, annotated: false },
            TagSpec { name: "build-7".into(), commit: 12, annotated: false },
        ],
    }
}

async fn harvest(store: &Store, config: &HarvestConfig, selection: HarvestSelection) -> Summary {
    server::harvest::run(store, config, selection, None).await.expect("the run goes to its end")
}

async fn state(store: &Store, slug: &str) -> Vec<(String, RepositoryHarvest)> {
    store.repository_harvests(slug).await.unwrap()
}

store_test!(facts_are_counted_exactly_and_follow_the_remote, |store| {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let remote = dir.path().join("remote/cimetiere.git");
    history::write_bare(&remote, &known_history(now)).unwrap();
    software_without_repository(&store, "cimetiere").await;
    allowing_local(&store).add_repository(&ME, "cimetiere", &file_url(&remote)).await.unwrap();
    let config = config(&dir.path().join("mirrors"));

    let first = harvest(&store, &config, HarvestSelection::Due).await;
    assert_eq!((first.cloned, first.failed), (1, 0), "{first:?}");
    let states = state(&store, "cimetiere").await;
    let h = &states[0].1;
    let s = h.snapshot.as_ref().expect("a snapshot");
    assert_eq!(h.last_outcome.as_deref(), Some("cloned"));
    assert_eq!(s.default_branch, "main");
    assert_eq!((s.activity.commits, s.activity.authors, s.activity.bus_factor), (10, 3, 1));
    assert_eq!(s.total_commits, 14);
    assert_eq!(s.activity.monthly_commits.iter().sum::<u32>() as u64, s.activity.commits);
    assert_eq!(s.activity.last_commit.unwrap().date_naive(), days_ago(now, 3).date_naive());
    assert_eq!(s.first_commit_date.date_naive(), days_ago(now, 1100).date_naive());
    let tags: Vec<&str> = s.releases.iter().map(|r| r.tag.as_str()).collect();
    assert_eq!(tags, ["v1.1.0", "v1.0.0"]);
    assert_eq!(s.release_count, 2);
    // The software's Atom feed tells them, the newest first (feeds.rs checks the feeds).
    let server = tests::TestServer::start(store.clone()).await;
    let xml = server.page("/software/cimetiere/feed.atom", &[], "fr").await;
    let (newer, older) = (xml.find("#release-v1.1.0</id>"), xml.find("#release-v1.0.0</id>"));
    assert!(newer.is_some() && newer < older, "{xml}");
    assert!(xml.contains("<title>Version v1.1.0 · "), "{xml}");
    drop(server);
    assert_eq!(s.licence.as_ref().and_then(|l| l.spdx.as_deref()), Some("AGPL-3.0-or-later"));
    assert_eq!(s.files.readme.as_deref(), Some("README.md"));
    assert_eq!(s.files.contributing.as_deref(), Some("CONTRIBUTING.md"));
    assert_eq!(s.files.changelog.as_deref(), Some("CHANGELOG.md"));
    assert_eq!(s.files.security.as_deref(), Some(".github/SECURITY.md"));
    assert_eq!(s.files.code_of_conduct, None);
    let readme = s.readme.as_ref().unwrap();
    assert!(readme.html.as_deref().unwrap().contains("<h1>Cimetière</h1>"), "{readme:?}");
    assert!(readme.text.contains("concessions funéraires") && !readme.text.contains('#'));
    let pc = s.publiccode.as_ref().expect("publiccode.yml read");
    assert!(pc.valid, "{:?}", pc.errors);
    let health = h.health.as_ref().unwrap();
    assert_eq!(health.parts.len(), 7);
    assert_eq!(health.score, health.parts.iter().map(|p| p.points).sum::<u32>());
    let part = |k: &str| health.parts.iter().find(|p| p.key == k).unwrap().clone();
    assert_eq!(part("licence").points, 15);
    assert_eq!(part("publiccode").points, 10);
    assert_eq!(part("releases").points, 15, "{:?}", part("releases"));
    assert_eq!(
        part("activity").fact,
        format!("10 commits in the last 12 months, the last on {}", days_ago(now, 3).format("%Y-%m-%d"))
    );

    // Nothing changed: the remote's refs are the mirror's, and the run stops there.
    let second = harvest(&store, &config, HarvestSelection::All).await;
    assert_eq!((second.unchanged, second.cloned, second.updated), (1, 0, 0), "{second:?}");
    assert_eq!(state(&store, "cimetiere").await[0].1.snapshot.as_ref().unwrap().head_commit, s.head_commit);

    // Two new commits by a new author.
    let mut erin = authors(&["Alice", "Bob", "Carol", "Dave", "Erin"]);
    let new = [
        commit(4, days_ago(now, 1), &[("src/new.rs", "// new\n")]),
        commit(4, now - chrono::Duration::hours(2), &[("src/new.rs", "// newer\n")]),
    ];
    history::append(&remote, "main", &erin, &new).unwrap();
    let third = harvest(&store, &config, HarvestSelection::All).await;
    assert_eq!(third.updated, 1, "{third:?}");
    let s = state(&store, "cimetiere").await[0].1.snapshot.clone().unwrap();
    assert_eq!((s.activity.commits, s.activity.authors, s.total_commits), (12, 4, 16));

    // A force-push rewrites the history: three commits, no tags.
    erin.truncate(1);
    let rewritten = History {
        branch: "main".into(),
        authors: erin,
        commits: (0..3).map(|i| commit(0, days_ago(now, 10 - i), &[("README.md", "# Réécrit\n")])).collect(),
        tags: Vec::new(),
    };
    // write_bare replaces every ref, tags included, as a force-push of the branch and a
    // deletion of the tags would.
    let head = history::write_bare(&remote, &rewritten).unwrap().unwrap();
    let fourth = harvest(&store, &config, HarvestSelection::All).await;
    assert_eq!(fourth.updated, 1, "{fourth:?}");
    let s = state(&store, "cimetiere").await[0].1.snapshot.clone().unwrap();
    assert_eq!(s.head_commit, head.to_string());
    assert_eq!((s.total_commits, s.activity.authors, s.release_count), (3, 1, 0));

    // The default branch is deleted; the remote's HEAD names nothing, and the harvest takes
    // the branch that is left.
    {
        let repo = git2::Repository::open_bare(&remote).unwrap();
        let tip = repo.find_reference("refs/heads/main").unwrap().target().unwrap();
        repo.reference("refs/heads/develop", tip, true, "test").unwrap();
        repo.find_reference("refs/heads/main").unwrap().delete().unwrap();
    }
    let fifth = harvest(&store, &config, HarvestSelection::All).await;
    assert_eq!(fifth.updated, 1, "{fifth:?}");
    let s = state(&store, "cimetiere").await[0].1.snapshot.clone().unwrap();
    assert_eq!(s.default_branch, "develop");

    // The API shows it all on the software's page.
    let server = tests::TestServer::start(store.clone()).await;
    let (status, _, body) = server.get("/api/v1/software/cimetiere").await;
    assert_eq!(status, 200);
    let repo = &body["repositories"][0];
    assert_eq!(repo["snapshot"]["default_branch"], "develop");
    assert_eq!(repo["last_outcome"], "updated");
    assert!(repo["health"]["parts"].as_array().unwrap().len() == 7);
    assert_eq!(body["health"]["score"], repo["health"]["score"]);
});

/// A tiny web server that answers every request with an HTML page.
async fn html_server() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let app =
            axum::Router::new().fallback(|| async { axum::response::Html("<html><body>Bienvenue</body></html>") });
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}/mairie/site.git"), task)
}

store_test!(failures_are_facts_with_their_class_and_back_off, |store| {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let good = dir.path().join("good.git");
    history::write_bare(&good, &known_history(now)).unwrap();
    let empty = dir.path().join("empty.git");
    history::write_bare(&empty, &History { branch: "main".into(), authors: vec![], commits: vec![], tags: vec![] })
        .unwrap();
    let not_git = dir.path().join("just-a-folder");
    std::fs::create_dir_all(&not_git).unwrap();
    std::fs::write(not_git.join("index.html"), "<p>Bonjour</p>").unwrap();
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (html, _web) = html_server().await;

    software_without_repository(&store, "mixed").await;
    let urls = [
        (file_url(&good), None),
        (file_url(&empty), Some(FailureClass::Empty)),
        (file_url(&not_git), Some(FailureClass::NotGit)),
        (format!("git://127.0.0.1:{closed_port}/nothing.git"), Some(FailureClass::Unreachable)),
        (html.clone(), Some(FailureClass::NotGit)),
    ];
    for (url, _) in &urls {
        allowing_local(&store).add_repository(&ME, "mixed", url).await.unwrap();
    }
    let config = config(&dir.path().join("mirrors"));
    let run = harvest(&store, &config, HarvestSelection::Due).await;
    assert_eq!((run.cloned, run.failed), (1, 4), "{run:?}");
    let states = state(&store, "mixed").await;
    for ((url, expected), (got_url, h)) in urls.iter().zip(&states) {
        assert_eq!(url, got_url);
        match expected {
            None => assert!(h.snapshot.is_some() && h.last_error.is_none(), "{url}: {h:?}"),
            Some(class) => {
                let e = h.last_error.as_ref().unwrap_or_else(|| panic!("{url} has no error: {h:?}"));
                assert_eq!(e.class, *class, "{url}: {}", e.message);
                assert!(!e.message.is_empty());
                assert_eq!(e.consecutive, 1);
                // Tried again after a wait, not at the next run.
                assert!(h.next_harvest.unwrap() >= now + chrono::Duration::minutes(14), "{url}");
            }
        }
    }
    let again = harvest(&store, &config, HarvestSelection::Due).await;
    assert_eq!(again.done(), 0, "nothing is due yet: {again:?}");
    // Forced, the failures fail again and wait longer.
    let forced = harvest(&store, &config, HarvestSelection::All).await;
    assert_eq!((forced.unchanged, forced.failed), (1, 4), "{forced:?}");
    let e = state(&store, "mixed").await[1].1.last_error.clone().unwrap();
    assert_eq!(e.consecutive, 2);
    assert!(state(&store, "mixed").await[1].1.next_harvest.unwrap() >= now + chrono::Duration::minutes(29));

    // The API shows the error of each repository.
    let server = tests::TestServer::start(store.clone()).await;
    let (_, _, body) = server.get("/api/v1/software/mixed").await;
    assert_eq!(body["repositories"][1]["last_error"]["class"], "empty");
    assert_eq!(body["repositories"][3]["last_error"]["class"], "unreachable");
});

store_test!(addresses_are_checked_before_any_connection, |store| {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local.git");
    history::write_bare(&local, &known_history(Utc::now())).unwrap();
    software_without_repository(&store, "guarded").await;
    for url in [
        file_url(&local),
        "https://10.1.2.3/mairie/app.git".into(),
        "git://127.0.0.1:1/app.git".into(),
        "https://169.254.169.254/latest.git".into(),
    ] {
        allowing_local(&store).add_repository(&ME, "guarded", &url).await.unwrap();
    }
    let mut config = config(&dir.path().join("mirrors"));
    config.allow_local = false;
    let run = harvest(&store, &config, HarvestSelection::Due).await;
    assert_eq!(run.failed, 4, "{run:?}");
    for (url, h) in state(&store, "guarded").await {
        let e = h.last_error.unwrap();
        assert_eq!(e.class, FailureClass::Refused, "{url}: {}", e.message);
        assert!(e.message.contains("--allow-local"), "{url}: {}", e.message);
    }
    assert!(
        !dir.path().join("mirrors").exists() || std::fs::read_dir(dir.path().join("mirrors")).unwrap().next().is_none()
    );
});

/// `git daemon` serving `base` on a free loopback port; killed when dropped.
struct GitDaemon {
    child: std::process::Child,
    port: u16,
}

impl GitDaemon {
    fn start(base: &Path) -> GitDaemon {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        // git-daemon itself rather than `git daemon`, whose child would outlive a kill.
        let exec_path = std::process::Command::new("git").arg("--exec-path").output().expect("git is installed");
        let exec_path = String::from_utf8_lossy(&exec_path.stdout).trim().to_string();
        let mut child = std::process::Command::new(Path::new(&exec_path).join("git-daemon"))
            .args(["--reuseaddr", "--export-all", "--listen=127.0.0.1", &format!("--port={port}")])
            .arg(format!("--base-path={}", base.display()))
            .arg(base)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("git daemon starts (the git package)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return GitDaemon { child, port };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("git daemon did not listen on {port}");
    }

    fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

store_test!(over_the_git_protocol_limits_hold, |store| {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("served");
    let now = Utc::now();
    history::write_bare(&base.join("small.git"), &known_history(now)).unwrap();
    // Incompressible content, so that the pack is larger than the limit.
    let mut noise = Vec::with_capacity(400_000);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while noise.len() < 400_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        noise.extend_from_slice(&x.to_le_bytes());
    }
    let big = History {
        branch: "main".into(),
        authors: authors(&["Alice"]),
        commits: vec![CommitSpec {
            author: 0,
            when: now,
            message: "Données".into(),
            files: vec![("data.bin".into(), Some(noise))],
        }],
        tags: vec![],
    };
    history::write_bare(&base.join("big.git"), &big).unwrap();
    let daemon = GitDaemon::start(&base);
    // A server that accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("git://127.0.0.1:{}/silent.git", silent.local_addr().unwrap().port());
    let _hold = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in silent.incoming().take(4) {
            held.push(s);
        }
        std::thread::sleep(Duration::from_secs(30));
    });

    software_without_repository(&store, "served").await;
    for url in [daemon.url("small.git"), daemon.url("big.git"), silent_url.clone()] {
        allowing_local(&store).add_repository(&ME, "served", &url).await.unwrap();
    }
    let mut config = config(&dir.path().join("mirrors"));
    config.limits.max_repository_bytes = 200_000;
    config.limits.timeout = Duration::from_secs(3);
    let run = harvest(&store, &config, HarvestSelection::Due).await;
    assert_eq!((run.cloned, run.failed), (1, 2), "{run:?}");
    let states = state(&store, "served").await;
    assert_eq!(states[0].1.snapshot.as_ref().unwrap().activity.commits, 10);
    assert_eq!(states[1].1.last_error.as_ref().unwrap().class, FailureClass::TooLarge, "{:?}", states[1].1.last_error);
    assert_eq!(states[2].1.last_error.as_ref().unwrap().class, FailureClass::TimedOut, "{:?}", states[2].1.last_error);

    // Unchanged over the network too; then a new commit is fetched.
    let again = harvest(&store, &config, HarvestSelection::Software("served".into())).await;
    assert_eq!(again.unchanged, 1, "{again:?}");
    history::append(&base.join("small.git"), "main", &authors(&["Zoé"]), &[commit(0, now, &[("z.txt", "z")])]).unwrap();
    let third = harvest(&store, &config, HarvestSelection::Software("served".into())).await;
    assert_eq!(third.updated, 1, "{third:?}");
    assert_eq!(state(&store, "served").await[0].1.snapshot.as_ref().unwrap().activity.authors, 4);
});

/// Writes `n` small repositories and lists them for `software`.
async fn corpus(store: &Store, dir: &Path, software: &str, n: usize) {
    let now = Utc::now();
    software_without_repository(store, software).await;
    for i in 0..n {
        let path = dir.join(format!("r{i}.git"));
        let h = History {
            branch: "main".into(),
            authors: authors(&["Alice"]),
            commits: (0..3).map(|d| commit(0, days_ago(now, d + i as i64), &[("README.md", "# x\n")])).collect(),
            tags: vec![],
        };
        history::write_bare(&path, &h).unwrap();
        allowing_local(store).add_repository(&ME, software, &file_url(&path)).await.unwrap();
    }
}

database_test!(two_harvesters_on_one_database_harvest_each_repository_once, |db| {
    let store = db.store.clone();
    let dir = tempfile::tempdir().unwrap();
    corpus(&store, dir.path(), "shared", 12).await;
    // Two processes' worth: two pools on the same database, two owners, run at once.
    let other = Store::connect(&db.url).await.unwrap();
    let (ca, cb) = (config(&dir.path().join("mirrors-a")), config(&dir.path().join("mirrors-b")));
    let (a, b) = tokio::join!(harvest(&store, &ca, HarvestSelection::Due), harvest(&other, &cb, HarvestSelection::Due));
    assert_eq!(a.cloned + b.cloned, 12, "{a:?} {b:?}");
    assert_eq!(a.lost + b.lost, 0);
    for (url, count) in store.harvest_counts().await.unwrap() {
        assert_eq!(count, 1, "{url} was harvested {count} times");
    }
    other.close().await;
});

store_test!(a_lease_left_by_a_killed_harvester_expires, |store| {
    let dir = tempfile::tempdir().unwrap();
    corpus(&store, dir.path(), "orphan", 2).await;
    let config = config(&dir.path().join("mirrors"));
    // A harvester claims one repository and dies: its lease stays, and so does the
    // half-written clone it left.
    let due = HarvestSelection::Due;
    let claim =
        Claim { owner: "dead:1:1", selection: &due, run_started: Utc::now(), lease: chrono::Duration::seconds(2) };
    let job = store.claim_repository(&claim, Utc::now()).await.unwrap().unwrap();
    let partial = indexer::harvest::mirror::mirror_path(&config.mirrors, job.source()).with_extension("partial");
    std::fs::create_dir_all(partial.join("objects")).unwrap();
    std::fs::write(partial.join("HEAD"), "garbage").unwrap();

    let during = harvest(&store, &config, HarvestSelection::Due).await;
    assert_eq!(during.cloned, 1, "the other repository only: {during:?}");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let after = harvest(&store, &config, HarvestSelection::Due).await;
    assert_eq!(after.cloned, 1, "the orphan, once its lease expired: {after:?}");
    assert!(!partial.exists(), "the half-written clone was cleared");
    // The dead harvester's late result is not recorded over the new one.
    let late = catalog::HarvestOutcome::Failed(FailureClass::Other, "late".into());
    assert!(!store.record_harvest("dead:1:1", &job, Utc::now(), &late, chrono::Duration::hours(1)).await.unwrap());
    for (url, count) in store.harvest_counts().await.unwrap() {
        assert_eq!(count, 1, "{url}");
    }
});

#[tokio::test]
async fn the_command_line_adds_and_harvests_repositories() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    let remote = dir.path().join("cli.git");
    history::write_bare(&remote, &known_history(Utc::now())).unwrap();
    let url = format!("sqlite://{data}/communs.db");
    std::fs::create_dir_all(&data).unwrap();
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    software_without_repository(&store, "cli").await;
    store.close().await;

    let remote_url = file_url(&remote);
    // A local folder is taken only when the operator says so.
    let (code, _, err) = tests::communs(&["--data-dir", &data, "repo", "add", "cli", &remote_url]).await;
    assert_eq!(code, 1);
    assert!(err.contains("url: file:// addresses are refused"), "{err}");
    let (code, out, err) =
        tests::communs(&["--data-dir", &data, "repo", "add", "cli", &remote_url, "--allow-local"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("added to cli"), "{out}");
    let (code, _, err) =
        tests::communs(&["--data-dir", &data, "repo", "add", "cli", &remote_url, "--allow-local"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("already a repository of cli"), "{err}");
    let (code, _, err) =
        tests::communs(&["--data-dir", &data, "repo", "add", "nothing", "https://example.org/x.git"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("software not found: nothing"), "{err}");
    let (code, _, err) = tests::communs(&["--data-dir", &data, "repo", "add", "cli", "ftp://example.org/x"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("url: "), "{err}");

    // Without --allow-local the file:// repository is refused, and the run says so.
    let (code, out, err) = tests::communs(&["--data-dir", &data, "harvest", "--all"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("0 cloned, 0 updated, 0 unchanged, 1 failed"), "{out}");
    assert!(err.contains("refused: file:// addresses are harvested only with --allow-local"), "{err}");
    let (code, out, err) =
        tests::communs(&["--data-dir", &data, "harvest", "--all", "--allow-local", "--workers", "1"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 cloned, 0 updated, 0 unchanged, 0 failed"), "{out}");
    let (code, out, _) = tests::communs(&["--data-dir", &data, "harvest", "--software", "cli", "--allow-local"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("0 cloned, 0 updated, 1 unchanged, 0 failed"), "{out}");
    let (code, _, err) = tests::communs(&["--data-dir", &data, "harvest", "--software", "nothing"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("--software: software not found: nothing"), "{err}");
    assert!(Path::new(&data).join("mirrors").read_dir().unwrap().count() == 1);
}

#[tokio::test]
async fn the_api_adds_a_repository() {
    let db = tests::TestDb::sqlite().await;
    software_without_repository(&db.store, "api").await;
    let server = tests::TestServer::start(db.store.clone()).await;
    let token = tests::TestServer::write_token(&db.store, "harvest-test").await;
    let post = |body: serde_json::Value| {
        server
            .client
            .post(format!("{}/api/v1/software/api/repositories", server.base))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let r = post(serde_json::json!({"url": "https://gitlab.example.org/mairie/api.git"})).await.unwrap();
    assert_eq!(r.status(), 201);
    let r = post(serde_json::json!({"url": "https://gitlab.example.org/mairie/api.git"})).await.unwrap();
    assert_eq!(r.status(), 409);
    let r = post(serde_json::json!({"url": "mailto:x@example.org"})).await.unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body.to_string().contains("url"), "{body}");
    let r = post(serde_json::json!({"adresse": "x"})).await.unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["field"], "adresse", "{body}");
    let (_, _, page) = server.get("/api/v1/software/api").await;
    assert_eq!(page["repositories"][0]["url"], "https://gitlab.example.org/mairie/api.git");
    assert!(page["repositories"][0].get("snapshot").is_none() || page["repositories"][0]["snapshot"].is_null());
    db.finish().await;
}

store_test!(the_software_page_shows_what_the_harvest_read, |store| {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    let remote = dir.path().join("remote/cimetiere.git");
    history::write_bare(&remote, &known_history(now)).unwrap();
    software_without_repository(&store, "cimetiere").await;
    // The record names the forge; the harvest reads a local copy, as the demo's do.
    let upstream = "https://github.com/mairie-exemple/cimetiere";
    store.add_repository(&ME, "cimetiere", upstream).await.unwrap();
    store.set_fetch_url(upstream, Some(&file_url(&remote))).await.unwrap();
    let summary = harvest(&store, &config(&dir.path().join("mirrors")), HarvestSelection::Due).await;
    assert_eq!(summary.cloned, 1, "{summary:?}");
    let server = tests::TestServer::start(store.clone()).await;
    let page = server.client.get(format!("{}/software/cimetiere", server.base)).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains(&format!("href=\"{upstream}/issues\"")), "the issue tracker is linked");
    assert!(page.contains(&format!("href=\"{upstream}/blob/main/CONTRIBUTING.md\"")), "CONTRIBUTING is linked");
    assert!(page.contains("Contribuer : CONTRIBUTING.md"));
    // The README, its heading nested under the page's: the page keeps one h1.
    assert!(page.contains("<details class=\"readme\"><summary>Lire README.md</summary>"), "{page}");
    assert!(page.contains("<h3>Cimetière</h3>"), "{page}");
    assert_eq!(page.matches("<h1").count(), 1);
    // The health card's facts in the reader's language, from the snapshot scored.
    assert!(page.contains("10 commits en 12 mois, le dernier le "), "{page}");
    assert!(page.contains("3 contributeurs en 12 mois ; 1 personne a fait la moitié des commits"), "{page}");
    assert!(page.contains("dernière version v1.1.0 le "), "{page}");
    assert!(page.contains("AGPL-3.0-or-later dans LICENSE"), "{page}");
    assert!(page.contains("premier commit le ") && page.contains(" ans)"), "{page}");
    let english = server.page("/software/cimetiere", &[], "en").await;
    assert!(english.contains("10 commits in 12 months, the last on "), "{english}");
    assert!(english.contains("3 contributors in the last 12 months; 1 author made half of the commits"), "{english}");
    // The sparkline says its last month is still running, and draws it dashed.
    assert!(page.contains("Le dernier mois, en pointillé, est en cours."));
    assert!(page.contains("stroke-dasharray"));
});
