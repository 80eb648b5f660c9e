//! `imports`: how long `communs import` takes on 10,000 records of each other catalogue's
//! format (the target: 30 s each), and what a second run of the same file costs (it
//! changes nothing).
//!
//! Writes, in a temporary folder, 10,000 records of each format from the shapes of
//! `tests/catalogues/` (Developers Italia's API pages of 100 entries, each a publiccode.yml
//! from the demo's `decidim.yml` under another name and repository, naming 3 adopters; a Comptoir du Libre
//! export whose software each name 2 users among 2,000 communes and 1 provider among 100;
//! the SILL's list of 10,000 software, each with 2 of 2,000 organisations and 1 of 100 providers;
//! code.gouv.fr's list with 10,000 GitHub groups of 2,000 bodies), then runs the real
//! `communs` binary on a fresh SQLite database (and PostgreSQL with `--postgres URL`) for
//! each: the first run and the second. As a baseline measured in the same run, the same
//! 10,000 publiccode.yml files through `communs import publiccode DIR`, which writes one
//! transaction per file. On the Comptoir's database it then reads the whole changes feed
//! by pages of 1,000 (target: 50 ms a page), and serves it to a second, empty instance that
//! follows it: its first federation round (every record), and its second (nothing new: one
//! request).
//!
//! `cargo run --release -p bench --bin imports -- [--records 10000] [--communs target/release/communs] [--postgres URL]`

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;

#[derive(Debug, Parser)]
#[command(name = "imports", about = "Time `communs import` of the other catalogues' formats on 10,000 records")]
struct Args {
    /// Records of each format.
    #[arg(long, default_value_t = 10_000)]
    records: usize,
    /// The communs binary.
    #[arg(long, default_value = "target/release/communs")]
    communs: PathBuf,
    /// A PostgreSQL server where the bench may create databases.
    #[arg(long)]
    postgres: Option<String>,
}

/// The target of the issue: 10,000 records of any format in 30 s at most.
const TARGET: Duration = Duration::from_secs(30);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The demo's Decidim document under the name `Decidim {i}` and its own repository. Its
/// `usedBy` keeps 3 of its 462 bodies: Developers Italia's entries name a few adopters each,
/// not hundreds.
fn document(template: &str, i: usize) -> String {
    let mut in_used_by = false;
    let mut kept = 0;
    template
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            if *l == "usedBy:" {
                in_used_by = true;
                return true;
            }
            if in_used_by && l.starts_with("  - ") {
                kept += 1;
                return kept <= 3;
            }
            in_used_by = false;
            true
        })
        .map(|l| {
            if l == "name: Decidim" {
                format!("name: Decidim {i}")
            } else if l.starts_with("url: ") {
                format!("url: https://github.com/example/decidim-{i}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn write_developers_italia(dir: &Path, n: usize, template: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    for page in 0..n.div_ceil(100) {
        let data: Vec<serde_json::Value> = (page * 100..((page + 1) * 100).min(n))
            .map(|i| {
                serde_json::json!({"id": format!("bench-{i}"), "url": format!("https://github.com/example/decidim-{i}"),
                    "aliases": [], "publiccodeYml": document(template, i), "active": true, "vitality": null,
                    "createdAt": "2025-01-01T00:00:00Z", "updatedAt": "2025-06-01T00:00:00Z"})
            })
            .collect();
        let body = serde_json::json!({"data": data, "links": {"prev": null, "next": null}});
        std::fs::write(dir.join(format!("page-{page:04}.json")), body.to_string())?;
    }
    Ok(())
}

fn write_publiccode_files(dir: &Path, n: usize, template: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    for i in 0..n {
        std::fs::write(dir.join(format!("decidim-{i}.yml")), document(template, i))?;
    }
    Ok(())
}

fn write_comptoir(file: &Path, n: usize) -> anyhow::Result<()> {
    let org = |kind: &str, name: String, id: usize| {
        serde_json::json!({"id": id, "url": format!("https://comptoir-du-libre.org/fr/users/{id}"), "name": name,
            "type": kind, "external_resources": {"website": ""}})
    };
    let licences = ["GNU GPL v3", "GNU AGPL v3", "CeCILL v2.1", "Apache 2.0", "MIT", "EUPL v1.2"];
    let software: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({"id": i, "created": "2020-01-01T00:00:00+00:00", "modified": "2025-01-01T00:00:00+00:00",
                "url": format!("https://comptoir-du-libre.org/fr/softwares/{i}"), "name": format!("Logiciel métier {i}"),
                "licence": licences[i % licences.len()],
                "external_resources": {"website": "", "repository": format!("https://gitlab.adullact.net/bench/logiciel-{i}")},
                "providers": [org("Company", format!("Prestataire {}", i % 100), 100_000 + i % 100)],
                "users": [org("Administration", format!("Commune {}", i % 2000), 200_000 + i % 2000),
                          org("Administration", format!("Commune {}", (i * 7 + 1) % 2000), 200_000 + (i * 7 + 1) % 2000)]})
        })
        .collect();
    let export = serde_json::json!({"date_of_export": "2025-11-30T04:00:00+00:00", "number_of_software": n,
        "softwares": software});
    std::fs::write(file, export.to_string())?;
    Ok(())
}

/// A SIREN the catalog takes: 8 digits and the check digit its own rule accepts.
fn siren(i: usize) -> String {
    let body = format!("{:08}", 30_000_000 + i);
    (0..10)
        .map(|check| format!("{body}{check}"))
        .find(|s| catalog::OfficialId::new("fr-siren", s).is_ok())
        .expect("one check digit fits")
}

fn write_sill(file: &Path, n: usize) -> anyhow::Result<()> {
    let licences = ["MPL-2.0", "GPL-3.0-or-later", "AGPL-3.0-or-later", "Apache-2.0", "MIT", "EUPL-1.2"];
    let software: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let mut users = serde_json::Map::new();
            for u in [i % 2000, (i * 7 + 1) % 2000] {
                users.insert(format!("Organisme {u}"), serde_json::json!({"userCount": 1, "referentCount": 0}));
            }
            serde_json::json!({"softwareId": i, "softwareName": format!("Outil {i}"),
                "softwareDescription": format!("Outil numéro {i} du socle."), "dereferencing": null,
                "license": licences[i % licences.len()], "officialWebsiteUrl": null,
                "codeRepositoryUrl": format!("https://github.com/example/outil-{i}"),
                "userAndReferentCountByOrganization": users,
                "annuaireCnllServiceProviders": [{"name": format!("Prestataire CNLL {}", i % 100),
                    "siren": siren(i % 100), "url": null}]})
        })
        .collect();
    std::fs::write(file, serde_json::Value::Array(software).to_string())?;
    Ok(())
}

fn write_code_gouv(file: &Path, n: usize) -> anyhow::Result<()> {
    let mut text = String::from("github.com:\n  general_purpose: true\n  forge: github\n  groups:\n");
    for i in 0..n {
        let body = i % 2000;
        text.push_str(&format!(
            "    groupe-{i}:\n      pso: Organisme public {body}\n      pso_id: {:08x}-0000-4000-8000-{:012x}\n",
            body, body
        ));
    }
    std::fs::write(file, text)?;
    Ok(())
}

/// Runs `communs` with `args` on `database`; how long it took and its summary line.
fn run(communs: &Path, database: &str, args: &[&str]) -> anyhow::Result<(Duration, String)> {
    let started = Instant::now();
    let out = Command::new(communs)
        .arg("--database-url")
        .arg(database)
        .args(args)
        .output()
        .with_context(|| format!("running {}", communs.display()))?;
    let took = started.elapsed();
    if !out.status.success() {
        bail!(
            "communs {} failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or(""),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The summary: the last line that counts what was created (a listing's import says
    // its similar software and instances after it).
    let summary = stdout.lines().rev().find(|l| l.contains(" created")).or_else(|| stdout.lines().last());
    Ok((took, summary.unwrap_or("").to_string()))
}

/// A fresh database: a SQLite file in `dir`, or a new database on the PostgreSQL server.
async fn fresh(dir: &Path, postgres: Option<&str>, name: &str) -> anyhow::Result<String> {
    match postgres {
        None => Ok(format!("sqlite://{}", dir.join(format!("{name}.db")).display())),
        Some(server) => {
            let db = format!("communs_bench_imports_{name}");
            let pool = sqlx::PgPool::connect(server).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {db}")).execute(&pool).await?;
            sqlx::query(&format!("CREATE DATABASE {db}")).execute(&pool).await?;
            pool.close().await;
            let mut url = url::Url::parse(server)?;
            url.set_path(&db);
            Ok(url.to_string())
        }
    }
}

fn verdict(took: Duration) -> &'static str {
    if took <= TARGET {
        "PASS"
    } else {
        "MISS"
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let communs = args.communs.canonicalize().with_context(|| format!("no binary at {}", args.communs.display()))?;
    let n = args.records;
    let work = tempfile::tempdir()?;
    let dir = work.path();
    let template = std::fs::read_to_string(root().join("fixtures/publiccode/decidim.yml"))?;
    let started = Instant::now();
    write_developers_italia(&dir.join("italia"), n, &template)?;
    write_publiccode_files(&dir.join("publiccode"), n, &template)?;
    write_comptoir(&dir.join("comptoir.json"), n)?;
    write_code_gouv(&dir.join("comptes.yml"), n)?;
    write_sill(&dir.join("sill.json"), n)?;
    println!("== IMPORTS: {n} records of each format, written in {:.1} s", started.elapsed().as_secs_f64());
    let backends: Vec<(&str, Option<&str>)> = match &args.postgres {
        Some(url) => vec![("sqlite", None), ("postgres", Some(url.as_str()))],
        None => vec![("sqlite", None)],
    };
    for (backend, server) in backends {
        println!("-- {backend}");
        let base = fresh(dir, server, "baseline").await?;
        run(&communs, &base, &["migrate"])?;
        let publiccode_dir = dir.join("publiccode");
        let (baseline, _) = run(&communs, &base, &["import", "publiccode", publiccode_dir.to_str().unwrap()])?;
        println!(
            "  baseline: import publiccode DIR of the same {n} documents, one transaction each: {:.1} s ({:.0}/s)",
            baseline.as_secs_f64(),
            n as f64 / baseline.as_secs_f64()
        );
        let formats: [(&str, PathBuf); 4] = [
            ("developers-italia", dir.join("italia")),
            ("comptoir", dir.join("comptoir.json")),
            ("sill", dir.join("sill.json")),
            ("code-gouv", dir.join("comptes.yml")),
        ];
        for (format, path) in formats {
            let db = fresh(dir, server, &format.replace('-', "_")).await?;
            run(&communs, &db, &["migrate"])?;
            let path = path.to_str().unwrap();
            let (first, said) = run(&communs, &db, &["import", format, path])?;
            let (second, said_again) = run(&communs, &db, &["import", format, path])?;
            println!(
                "  {format}: first run {:.1} s ({:.0} records/s, {:.2}× the baseline, {:.2}× the 30 s target: {}); \
                 second run {:.1} s ({:.2}× the first)",
                first.as_secs_f64(),
                n as f64 / first.as_secs_f64(),
                first.as_secs_f64() / baseline.as_secs_f64(),
                first.as_secs_f64() / TARGET.as_secs_f64(),
                verdict(first),
                second.as_secs_f64(),
                second.as_secs_f64() / first.as_secs_f64(),
            );
            println!("    first: {said}\n    second: {said_again}");
            if format == "comptoir" {
                changes_feed(&db).await?;
                federation_round(&communs, dir, server, &db).await?;
            }
        }
    }
    Ok(())
}

/// The changes feed's read on the Comptoir's database (its software, organisations and
/// adoptions each wrote a change): the whole feed by pages of 1,000, each page timed
/// through the Store (the query and its rows, without HTTP); the target is 50 ms a page.
async fn changes_feed(database: &str) -> anyhow::Result<()> {
    let store = catalog::Store::connect(database).await?;
    let mut cursor = catalog::ChangeCursor::default();
    let mut pages = Vec::new();
    let mut total = 0;
    loop {
        let started = Instant::now();
        let page = store.record_changes(cursor, 1000).await?;
        pages.push(started.elapsed());
        total += page.len();
        let Some(last) = page.last() else { break };
        cursor = catalog::ChangeCursor::parse(&last.cursor)?;
    }
    store.close().await;
    pages.sort();
    let p99 = pages[((pages.len() as f64 * 0.99).ceil() as usize).clamp(1, pages.len()) - 1];
    let mean = pages.iter().sum::<Duration>() / pages.len() as u32;
    println!(
        "  changes feed: {total} changes in {} pages of 1,000; a page mean {:.1} ms, p99 {:.1} ms ({:.2}× the 50 ms \
         target: {})",
        pages.len(),
        mean.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        p99.as_secs_f64() / 0.050,
        if p99 <= Duration::from_millis(50) { "PASS" } else { "MISS" }
    );
    Ok(())
}

/// Serves the Comptoir's database with `communs serve` on a free loopback port, and times
/// the rounds of a fresh instance that follows it (`communs federation round`): the first
/// reads every record, the second finds nothing new.
async fn federation_round(communs: &Path, dir: &Path, server: Option<&str>, peer_db: &str) -> anyhow::Result<()> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut peer = Command::new(communs)
        .arg("--database-url")
        .arg(peer_db)
        .arg("--data-dir")
        .arg(dir.join("peer-data"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--harvest-every", "0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..600 {
        if client.get(format!("{base}/api/v1/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let result = async {
        if !up {
            bail!("the peer did not answer within 2 minutes");
        }
        let follower = fresh(dir, server, "follower").await?;
        run(communs, &follower, &["migrate"])?;
        run(communs, &follower, &["federation", "add", "comptoir", &base, "--allow-local"])?;
        let (first, said) = run(communs, &follower, &["federation", "round", "--allow-local"])?;
        let (second, said_again) = run(communs, &follower, &["federation", "round", "--allow-local"])?;
        // The round writes every record of the peer (software, organisations, adoptions):
        // its time is compared with the target as the time per 10,000 of them.
        let records: f64 = said
            .split("; ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse().ok())
            .context("the round's line names no records created")?;
        let per_10k = Duration::from_secs_f64(first.as_secs_f64() * 10_000.0 / records.max(1.0));
        println!(
            "  federation: a follower's first round {:.1} s for {records} records ({:.0} records/s; {:.1} s per \
             10,000, {:.2}× the 30 s target: {}); second round {:.2} s\n    first: {said}\n    second: {said_again}",
            first.as_secs_f64(),
            records / first.as_secs_f64(),
            per_10k.as_secs_f64(),
            per_10k.as_secs_f64() / TARGET.as_secs_f64(),
            verdict(per_10k),
            second.as_secs_f64(),
        );
        Ok(())
    }
    .await;
    let _ = peer.kill();
    let _ = peer.wait();
    result
}
