//! `bench`: loads a national-scale dataset into a fresh SQLite database (and a fresh
//! PostgreSQL one), serves it with the real `communs` binary and measures the API under a
//! load of concurrent keep-alive connections on loopback. Prints every figure, then a
//! table against the targets. See bench/README.md.

mod report;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use catalog::Store;
use clap::Parser;

use bench::load::{self, LoadSettings, Loaded};
use bench::loadgen::{self, HttpTool, Phase, Settings, Stats};
use bench::profile;
use bench::server::{Memory, Server};
use demo::dataset::Counts;
use demo::rng::Weighted;

#[derive(Debug, Parser)]
#[command(name = "bench", about = "Load a national-scale dataset and measure the Communs API")]
struct Args {
    /// The `data` folder of the npm package @etalab/decoupage-administratif.
    #[arg(long)]
    communes: PathBuf,
    /// The `communs` binary to serve with (target/release/communs).
    #[arg(long)]
    communs: PathBuf,
    /// A PostgreSQL server where the bench may create and drop a database.
    #[arg(long, env = "COMMUNS_BENCH_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres: String,
    /// Measure SQLite only.
    #[arg(long)]
    no_postgres: bool,
    /// Measure PostgreSQL only.
    #[arg(long)]
    no_sqlite: bool,
    /// Factor on the counts of software, repositories, adoptions and fundings (the
    /// communes are always all loaded); 0.05 makes a quick smoke run.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Measured seconds of each request phase (default 15, or 3 when --scale < 1).
    #[arg(long)]
    duration: Option<f64>,
    /// Warm-up seconds before each phase, not measured (default 2, or 1 when --scale < 1).
    #[arg(long)]
    warmup: Option<f64>,
    /// Concurrent connections of the load generator.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Threads of the built-in load generator's runtime.
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// What sends the GET phases' requests: wrk (installed with apt-get install wrk), or
    /// the bench's own loop. The write phases always count themselves.
    #[arg(long, value_enum, default_value = "wrk")]
    http_tool: HttpTool,
    /// Rows per import_adoptions / import_fundings call.
    #[arg(long, default_value_t = 50_000)]
    chunk: usize,
    /// Seed of the generator: the same seed loads the same dataset and asks the same paths.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Keep the databases at the end (the SQLite folder, the PostgreSQL database) and say
    /// where they are, to look into them.
    #[arg(long)]
    keep: bool,
    /// Calls of each Store read timed one at a time after the load (0: no profile).
    #[arg(long, default_value_t = 200)]
    profile_samples: usize,
}

/// What one database gave.
pub struct Outcome {
    pub name: &'static str,
    pub load: Option<Loaded>,
    pub database_bytes: Option<u64>,
    pub phases: Vec<Stats>,
    pub memory: Option<Memory>,
    pub profile: Vec<profile::CallStats>,
    /// HTML and CSS bytes of a page of each HTML phase.
    pub page_bytes: Vec<(&'static str, usize)>,
    /// Declarations a second made while the dashboards were read.
    pub writes_per_second: Option<f64>,
    pub error: Option<String>,
}

impl Outcome {
    fn new(name: &'static str) -> Outcome {
        Outcome {
            name,
            load: None,
            database_bytes: None,
            phases: Vec::new(),
            memory: None,
            profile: Vec::new(),
            page_bytes: Vec::new(),
            writes_per_second: None,
            error: None,
        }
    }

    pub fn phase(&self, name: &str) -> Option<&Stats> {
        self.phases.iter().find(|p| p.name == name)
    }
}

fn flush() {
    let _ = std::io::stdout().flush();
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    match run(args).await {
        Ok(all_ran) => std::process::exit(if all_ran { 0 } else { 1 }),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}

/// Runs every backend asked for; `Ok(false)` when one of them could not be measured.
async fn run(a: Args) -> anyhow::Result<bool> {
    anyhow::ensure!(a.scale > 0.0, "--scale must be above 0");
    anyhow::ensure!(a.concurrency > 0 && a.chunk > 0, "--concurrency and --chunk must be above 0");
    anyhow::ensure!(
        a.communes.join("communes.json").is_file(),
        "{} has no communes.json (give the package's data folder)",
        a.communes.display()
    );
    anyhow::ensure!(
        a.communs.is_file(),
        "{} is not a file (build it with cargo build --release -p server)",
        a.communs.display()
    );
    // A copy of the binary, so that a rebuild during the run changes nothing.
    let bin_dir = tempfile::Builder::new().prefix("communs-bench-bin-").tempdir()?;
    let communs = bin_dir.path().join("communs");
    std::fs::copy(&a.communs, &communs).with_context(|| format!("cannot copy {}", a.communs.display()))?;
    let counts = Counts::at(a.scale);
    let small = a.scale < 1.0;
    anyhow::ensure!(
        a.http_tool != HttpTool::Wrk || bench::wrk::available(),
        "wrk is not installed: apt-get install wrk, or measure with --http-tool builtin"
    );
    let settings = Settings {
        tool: a.http_tool,
        concurrency: a.concurrency,
        warmup: Duration::from_secs_f64(a.warmup.unwrap_or(if small { 1.0 } else { 2.0 })),
        duration: Duration::from_secs_f64(a.duration.unwrap_or(if small { 3.0 } else { 15.0 })),
        max_per_worker: 2_000_000,
        client_threads: a.client_threads,
        seed: a.seed,
    };
    let today = chrono::Utc::now().date_naive();
    println!(
        "Communs bench: scale {} — {} publishers, {} software, {} repositories, {} adoptions, {} fundings, all communes",
        a.scale,
        counts.publishers,
        counts.software,
        counts.repositories(),
        counts.adoptions,
        counts.fundings
    );
    println!(
        "machine: {} CPU(s); communes data: {} ({}); requests: {} connections, {} s warm-up then {} s per phase, \
         sent by {}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        a.communes.display(),
        package_version(&a.communes).unwrap_or_else(|| "version unknown".into()),
        settings.concurrency,
        settings.warmup.as_secs_f64(),
        settings.duration.as_secs_f64(),
        settings.tool
    );
    println!("source: {}", source_state());
    flush();
    let load_settings = LoadSettings { communes_dir: &a.communes, counts, chunk: a.chunk, seed: a.seed, today };

    let mut outcomes = Vec::new();
    if !a.no_sqlite {
        let mut out = Outcome::new("SQLite");
        let dir = tempfile::Builder::new().prefix("communs-bench-").tempdir()?;
        let db = dir.path().join("communs.db");
        let url = format!("sqlite://{}", db.display());
        if let Err(e) =
            run_backend(&mut out, &url, dir.path(), &communs, &load_settings, settings, a.profile_samples).await
        {
            println!("SQLite: FAILED: {e:#}");
            out.error = Some(format!("{e:#}"));
        }
        if a.keep {
            println!("SQLite: kept {url}");
            let _ = dir.keep();
        }
        outcomes.push(out);
    }
    if !a.no_postgres {
        let mut out = Outcome::new("PostgreSQL");
        if let Err(e) =
            postgres(&mut out, &a.postgres, &communs, &load_settings, settings, a.keep, a.profile_samples).await
        {
            println!("PostgreSQL: FAILED: {e:#}");
            out.error = Some(format!("{e:#}"));
        }
        outcomes.push(out);
    }
    println!();
    report::print(&outcomes, &counts);
    Ok(outcomes.iter().all(|o| o.error.is_none()))
}

async fn postgres(
    out: &mut Outcome,
    admin_url: &str,
    communs: &Path,
    load_settings: &LoadSettings<'_>,
    settings: Settings,
    keep: bool,
    profile_samples: usize,
) -> anyhow::Result<()> {
    let admin =
        Store::connect(admin_url).await.with_context(|| format!("PostgreSQL does not answer at {admin_url}"))?;
    let name = format!("communs_bench_{}", std::process::id());
    admin.execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
    admin.execute_admin(&format!("CREATE DATABASE {name}")).await.context("CREATE DATABASE")?;
    let mut url = url::Url::parse(admin_url)?;
    url.set_path(&format!("/{name}"));
    let dir = tempfile::Builder::new().prefix("communs-bench-").tempdir()?;
    let result = run_backend(out, url.as_str(), dir.path(), communs, load_settings, settings, profile_samples).await;
    if keep {
        println!("PostgreSQL: kept {url}");
        admin.close().await;
        return result;
    }
    if let Err(e) = admin.execute_admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await {
        println!("PostgreSQL: could not drop {name}: {e}");
    }
    admin.close().await;
    result
}

async fn profile_store(
    store: &Store,
    loaded: &Loaded,
    load_settings: &LoadSettings<'_>,
    samples: usize,
) -> anyhow::Result<Vec<profile::CallStats>> {
    if samples == 0 {
        return Ok(Vec::new());
    }
    println!("== PROFILE: Store calls one at a time, {samples} calls each, slugs drawn as in the request phases");
    flush();
    let calls = profile::store_calls(store, loaded, samples, load_settings.seed).await?;
    for c in &calls {
        println!("  {:<28} mean {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms", c.call, c.mean_ms, c.p99_ms, c.max_ms);
    }
    let rows = load_settings.chunk.min(load_settings.counts.adoptions);
    let took = profile::adoption_resolution(store, loaded, rows, load_settings.seed, load_settings.today).await?;
    println!(
        "  import_adoptions resolving {rows} rows (refused for one bad row, nothing written): {:.2} s",
        took.as_secs_f64()
    );
    flush();
    Ok(calls)
}

async fn run_backend(
    out: &mut Outcome,
    url: &str,
    workdir: &Path,
    communs: &Path,
    load_settings: &LoadSettings<'_>,
    settings: Settings,
    profile_samples: usize,
) -> anyhow::Result<()> {
    println!("\n== {}: LOAD", out.name);
    flush();
    let store = Store::connect(url).await.context("connect")?;
    store.migrate().await.context("migrate")?;
    let loaded = load::load(&store, load_settings).await;
    let loaded = match loaded {
        Ok(l) => l,
        Err(e) => {
            store.close().await;
            return Err(e);
        }
    };
    println!("  load: {:.2} s in all", loaded.total.as_secs_f64());
    let profiled = profile_store(&store, &loaded, load_settings, profile_samples).await;
    let tender = tender_question(&store, &loaded).await;
    // The operator's token the contribution phases declare with.
    let token = store.create_token(&catalog::Actor::System("bench"), "bench-writer", catalog::TokenScope::Write).await;
    store.close().await;
    let (_, token) = token.context("an operator's token")?;
    out.profile = profiled?;
    if let Some(path) = url.strip_prefix("sqlite://") {
        let size = |p: String| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let bytes = size(path.to_string()) + size(format!("{path}-wal"));
        println!("  database file: {:.0} MB (with its WAL)", bytes as f64 / 1e6);
        out.database_bytes = Some(bytes);
    }
    let mut phases = phases(&loaded);
    match tender? {
        Some((category, communes, members)) => {
            println!(
                "  tender reports: category {category}, {} communes of a département of {members}",
                communes.len()
            );
            phases.extend(tender_phases(&category, &communes));
        }
        None => println!("  tender reports: no département with communes, no phase"),
    }
    out.load = Some(loaded);

    println!("== {}: SERVE", out.name);
    flush();
    // The contribution phases write faster than the limits on writes let one address.
    let config = workdir.join("communs-bench.toml");
    std::fs::write(&config, "[rate_limits]\nwrite_burst = 100000\nwrite_per_minute = 100000\n")?;
    let config = config.display().to_string();
    let mut server = Server::start_with(communs, url, workdir, &["--config", &config])?;
    let ready = server.wait_healthy().await?;
    println!(
        "  communs serve (pid {}) on {}, healthy after {:.0} ms",
        server.pid,
        server.base,
        ready.as_secs_f64() * 1e3
    );
    flush();
    for (i, (phase, connections)) in phases.into_iter().enumerate() {
        if phase.name.ends_with("page") || phase.name.ends_with("dashboard") {
            let path = phase.paths[0].clone();
            match page_bytes(&server.base, &path).await {
                Ok((html, css)) => {
                    println!("  {}: {path} is {html} bytes of HTML (the map aside) and {css} of CSS", phase.name);
                    out.page_bytes.push((phase.name, html + css));
                }
                Err(e) => println!("  {}: {path} could not be read: {e}", phase.name),
            }
        }
        let base = server.base.clone();
        let s = Settings {
            seed: settings.seed.wrapping_add(i as u64 + 1),
            concurrency: connections.unwrap_or(settings.concurrency),
            ..settings
        };
        let workdir = workdir.to_path_buf();
        let stats = tokio::task::spawn_blocking(move || loadgen::measure(&base, phase, s, &workdir)).await??;
        println!("  {}", stats.line());
        for e in &stats.failure_examples {
            println!("    failure: {e}");
        }
        flush();
        out.phases.push(stats);
    }
    let software = profile::software_sampler(out.load.as_ref().expect("loaded"));
    let organisations = profile::organisation_sampler(out.load.as_ref().expect("loaded"));
    let (trips, steps) =
        bench::contrib::round_trips(&server.base, &token, &software, &organisations, settings.seed, settings.duration)
            .await?;
    println!("  {}", trips.line());
    for e in &trips.failure_examples {
        println!("    failure: {e}");
    }
    out.phases.push(trips);
    for step in steps {
        println!("  {}", step.line());
        out.phases.push(step);
    }
    let (dashboards, written) = bench::contrib::dashboards_under_writes(
        &server.base,
        &token,
        &software,
        &organisations,
        settings.seed,
        16,
        settings.duration,
    )
    .await?;
    println!(
        "  {}  ({written} declarations written meanwhile, {:.1}/s)",
        dashboards.line(),
        written as f64 / settings.duration.as_secs_f64()
    );
    for e in &dashboards.failure_examples {
        println!("    failure: {e}");
    }
    out.writes_per_second = Some(written as f64 / settings.duration.as_secs_f64());
    out.phases.push(dashboards);
    flush();
    let memory = server.memory()?;
    println!(
        "  server memory: peak RSS {:.1} MB, RSS now {:.1} MB",
        memory.peak_kb as f64 / 1024.0,
        memory.current_kb as f64 / 1024.0
    );
    out.memory = Some(memory);
    let status = server.stop()?;
    println!("  server stopped ({status})");
    if !status.success() {
        println!("  server log:\n{}", server.log_tail());
    }
    flush();
    Ok(())
}

/// The request phases: the health check as baseline, the API's software and organisation
/// pages (see `profile::software_sampler` and `profile::organisation_sampler`), then the
/// HTML pages of the same records under 16 and 64 connections, both dashboards and the
/// search page. Each with the connections it runs with (`None`: `--concurrency`).
fn phases(loaded: &Loaded) -> Vec<(Arc<Phase>, Option<usize>)> {
    let healthz = Phase { name: "healthz", paths: vec!["/api/v1/healthz".into()], weights: Weighted::new([1]) };
    let page = |name: &'static str, prefix: &str, s: &profile::Sampler| Phase {
        name,
        paths: s.slugs.iter().map(|slug| format!("{prefix}{slug}")).collect(),
        weights: s.weights.clone(),
    };
    let software = profile::software_sampler(loaded);
    let organisations = profile::organisation_sampler(loaded);
    let fixed = |name: &'static str, paths: Vec<String>| {
        let weights = Weighted::new(vec![1; paths.len()]);
        Phase { name, paths, weights }
    };
    // Officials' words, then every software's name as typed (its slug's words): enough
    // distinct searches that the answer cache does not serve them all.
    let searches: Vec<String> = SEARCH_PAGE_QUERIES
        .iter()
        .map(|q| q.to_string())
        .chain(software.slugs.iter().map(|s| s.replace('-', " ")))
        .map(|q| format!("/search?q={}", encode(&q)))
        .collect();
    vec![
        (Arc::new(healthz), None),
        (Arc::new(page("software", "/api/v1/software/", &software)), None),
        (Arc::new(page("organisations", "/api/v1/organisations/", &organisations)), None),
        (Arc::new(page("software page", "/software/", &software)), Some(16)),
        (Arc::new(page("organisation page", "/organisations/", &organisations)), Some(16)),
        (Arc::new(page("software page @64", "/software/", &software)), Some(64)),
        (Arc::new(page("organisation page @64", "/organisations/", &organisations)), Some(64)),
        (Arc::new(fixed("adoption dashboard", vec!["/dashboards/adoption".into()])), Some(16)),
        (Arc::new(fixed("funding dashboard", vec!["/dashboards/funding".into()])), Some(16)),
        (Arc::new(fixed("search page", searches)), Some(16)),
    ]
}

/// The "before you tender" report's question under load: the category of the most adopted
/// software, for communes of the département with the most communes (the issue's "commune
/// with a thousand neighbours": the catalog has no distances yet, a département's
/// communes stand for them). `None` when there is none.
async fn tender_question(
    store: &catalog::Store,
    loaded: &Loaded,
) -> anyhow::Result<Option<(String, Vec<String>, i64)>> {
    let Some(top) = loaded.adopters.iter().enumerate().max_by_key(|(_, a)| **a).map(|(i, _)| &loaded.software[i])
    else {
        return Ok(None);
    };
    let page = store.software_page(top, 0).await?;
    let Some(category) = page.software.categories.first().cloned() else { return Ok(None) };
    let mut best: Option<(String, i64)> = None;
    for &i in &loaded.pool.departements {
        let Some(slug) = loaded.pool.orgs[i].slug.as_ref() else { continue };
        let (members, _) = store.members(slug, 0).await?;
        if best.as_ref().is_none_or(|(_, n)| members > *n) {
            best = Some((slug.clone(), members));
        }
    }
    let Some((departement, members)) = best else { return Ok(None) };
    let (_, communes) = store.members(&departement, 200).await?;
    let communes: Vec<String> = communes.into_iter().filter(|o| o.kind == "commune").map(|o| o.slug).collect();
    Ok((!communes.is_empty()).then_some((category, communes, members)))
}

/// The report's page and its OpenDocument file, for each of `communes` (enough distinct
/// questions that the answer cache serves few of them).
fn tender_phases(category: &str, communes: &[String]) -> Vec<(Arc<Phase>, Option<usize>)> {
    let paths = |prefix: &str| -> Vec<String> {
        communes.iter().map(|c| format!("{prefix}?category={}&for={}", encode(category), encode(c))).collect()
    };
    let phase = |name: &'static str, paths: Vec<String>| {
        let weights = Weighted::new(vec![1; paths.len()]);
        Arc::new(Phase { name, paths, weights })
    };
    // The file is never kept by the answer cache: one connection shows what a report
    // costs read anew, sixteen what they cost when they queue for two cores.
    vec![
        (phase("tender page", paths("/tender")), Some(16)),
        (phase("tender odt alone", paths("/tender.odt")), Some(1)),
        (phase("tender odt", paths("/tender.odt")), Some(16)),
    ]
}

/// What officials type, for the search page.
const SEARCH_PAGE_QUERIES: [&str; 16] = [
    "cimetière",
    "gestion des cimetières",
    "permis de construire",
    "état civil",
    "délibérations",
    "marchés publics",
    "parapheur",
    "sig",
    "urbanisme",
    "archivage électronique",
    "participation citoyenne",
    "signalement voirie",
    "bibliothèque",
    "finances",
    "élections",
    "open data",
];

fn encode(q: &str) -> String {
    q.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// The bytes of a page's HTML and of its stylesheet, fetched once.
async fn page_bytes(base: &str, path: &str) -> anyhow::Result<(usize, usize)> {
    let client = reqwest::Client::builder().no_proxy().build()?;
    let html = client.get(format!("{base}{path}")).send().await?.error_for_status()?.text().await?;
    let css_path = html
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or_else(|| anyhow::anyhow!("{path} links no stylesheet"))?;
    let css = client.get(format!("{base}{css_path}")).send().await?.error_for_status()?.bytes().await?;
    // The map of départements is not counted (the target sets it aside).
    let map = html
        .find("class=\"map\"")
        .and_then(|at| Some((html[..at].rfind("<svg")?, at + html[at..].find("</svg>")? + 6)))
        .map_or(0, |(start, end)| end - start);
    Ok((html.len() - map, css.len()))
}

/// The commit of the working tree the bench runs in, and whether the code it measures
/// (catalog, server, migrations) differs from it.
fn source_state() -> String {
    let git = |args: &[&str]| -> Option<String> {
        let out = std::process::Command::new("git").args(args).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    match git(&["rev-parse", "--short", "HEAD"]) {
        None => "not a git working tree".into(),
        Some(head) => {
            let dirty = git(&["status", "--porcelain", "--", "catalog", "server", "migrations", "Cargo.lock"])
                .unwrap_or_default();
            if dirty.is_empty() {
                format!("commit {head}")
            } else {
                format!("commit {head} with uncommitted changes: {}", dirty.lines().collect::<Vec<_>>().join(", "))
            }
        }
    }
}

fn package_version(data_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(data_dir.parent()?.join("package.json")).ok()?;
    let v = text.split("\"version\"").nth(1)?.split('"').nth(1)?;
    Some(format!("@etalab/decoupage-administratif {v}"))
}
