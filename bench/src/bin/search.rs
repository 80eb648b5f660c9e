//! `search`: Communs' tantivy search against SQLite FTS5 and PostgreSQL full-text search,
//! on the same documents and the same queries, in one run.
//!
//! 1. Loads the national dataset of the page bench (5,000 software, 50,000 repositories,
//!    a million adoptions) into a fresh SQLite catalog, then gives each of the 50,000
//!    repositories a generated README through the harvest's write path: 55,000 texts.
//! 2. `communs reindex`, timed, its peak memory read from /proc; the index's size.
//! 3. `communs serve` on that catalog and index, and `GET /api/v1/search` (and
//!    `/api/v1/suggest`) under `--concurrency` keep-alive connections on loopback.
//! 4. The same 5,000 documents (`Store::search_documents`) into an FTS5 table and a
//!    PostgreSQL `tsvector` table with a GIN index; then each of the 1,000 queries run one
//!    at a time, after a warm-up, on tantivy (a whole Communs search: top 10, total, seven
//!    facets, snippets), FTS5 and PostgreSQL (top 10 and total).
//! 5. The relevance set `tests/relevance/queries.tsv` over the demo fixtures, on all three.
//!
//! It prints each step, then the figures against the targets (PASS or MISS). The
//! exit status is 0 when every step ran, whether the targets were met or not.
//!
//! `bench/search.sh [--scale 0.05] [--postgres URL] [--queries 1000]`

#[path = "search/engines.rs"]
mod engines;
#[path = "search/readmes.rs"]
mod readmes;
#[path = "search/translate.rs"]
mod translate;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bench::load::{self, LoadSettings};
use bench::loadgen::{self, HttpTool, Phase, Settings, Stats};
use bench::server::Server;
use catalog::{Actor, SearchDocument, Store};
use clap::Parser;
use demo::dataset::Counts;
use demo::rng::{Rng, Weighted};
use indexer::search::query::{Filters, Request, Sort};
use indexer::search::thesaurus::Thesaurus;
use indexer::search::Search;

#[derive(Debug, Parser)]
#[command(name = "search", about = "Communs' search against SQLite FTS5 and PostgreSQL full-text search")]
struct Args {
    /// The `data` folder of the npm package @etalab/decoupage-administratif.
    #[arg(long)]
    communes: PathBuf,
    /// The `communs` binary (target/release/communs).
    #[arg(long)]
    communs: PathBuf,
    /// A PostgreSQL server where the bench may create and drop a database.
    #[arg(long, env = "COMMUNS_BENCH_POSTGRES_URL", default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    postgres: String,
    /// Factor on the counts of software, repositories and adoptions; 0.05 for a smoke run.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Queries timed on each engine.
    #[arg(long, default_value_t = 1000)]
    queries: usize,
    /// Concurrent connections for the API phase.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// What sends the API phases' requests: wrk (apt-get install wrk), or the bench's own
    /// loop.
    #[arg(long, value_enum, default_value = "wrk")]
    http_tool: HttpTool,
    /// Measured seconds of the API phases (default 15, or 3 when --scale < 1).
    #[arg(long)]
    duration: Option<f64>,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Work in this folder and keep it: a catalog loaded there before with the same scale
    /// and seed is used again (the load and the READMEs take two minutes).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Only reindex and time tantivy (no server, no FTS5, no PostgreSQL, no relevance): to
    /// measure a change of the index quickly, with --dir.
    #[arg(long)]
    tantivy_only: bool,
}

fn flush() {
    let _ = std::io::stdout().flush();
}

/// Latencies of one engine over the queries, in milliseconds.
struct Timing {
    name: &'static str,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
    mean: f64,
    empty: usize,
    mean_total: f64,
    /// How many queries were timed.
    n: usize,
}

impl Timing {
    fn of(name: &'static str, mut ms: Vec<f64>, totals: &[i64]) -> Timing {
        ms.sort_by(f64::total_cmp);
        let n = ms.len();
        let pct = |p: f64| ms[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
        Timing {
            name,
            p50: pct(0.5),
            p90: pct(0.9),
            p99: pct(0.99),
            max: ms[n - 1],
            mean: ms.iter().sum::<f64>() / n as f64,
            empty: totals.iter().filter(|t| **t == 0).count(),
            mean_total: totals.iter().sum::<i64>() as f64 / totals.len() as f64,
            n,
        }
    }

    fn line(&self) -> String {
        format!(
            "{:<11} p50 {:>7.3} ms  p90 {:>7.3} ms  p99 {:>7.3} ms  max {:>8.3} ms  mean {:>7.3} ms  \
             {:>4} queries, {:>4} without a match, {:.0} matches on average",
            self.name, self.p50, self.p90, self.p99, self.max, self.mean, self.n, self.empty, self.mean_total
        )
    }
}

fn request(q: &str, limit: usize) -> Request {
    Request {
        q: q.to_string(),
        filters: Filters::default(),
        sort: Sort::Relevance,
        limit,
        offset: 0,
        lang: "fr".into(),
    }
}

/// Peak resident memory of a child, polled from /proc every 10 ms until it exits.
fn run_measured(cmd: &mut Command) -> anyhow::Result<(std::process::Output, Duration, u64)> {
    let started = Instant::now();
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    while child.try_wait()?.is_none() {
        if let Ok(status) = std::fs::read_to_string(&status_path) {
            if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
                let kb = line["VmHWM:".len()..].trim().trim_end_matches("kB").trim();
                peak_kb = peak_kb.max(kb.parse().unwrap_or(0));
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output()?;
    Ok((output, started.elapsed(), peak_kb))
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The figures the report compares with the targets.
#[derive(Default)]
struct Figures {
    concurrency: usize,
    reindex: Option<(Duration, u64, u64)>,
    api: Option<Stats>,
    suggest: Option<Stats>,
    server_peak_kb: Option<u64>,
    timings: Vec<Timing>,
    sizes: Vec<(&'static str, u64, Duration)>,
    relevance: Vec<(&'static str, usize, usize, f64)>,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => {}
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}

async fn run(a: Args) -> anyhow::Result<()> {
    anyhow::ensure!(a.scale > 0.0 && a.queries > 0, "--scale and --queries must be above 0");
    anyhow::ensure!(a.communes.join("communes.json").is_file(), "{} has no communes.json", a.communes.display());
    anyhow::ensure!(
        a.http_tool != HttpTool::Wrk || a.tantivy_only || bench::wrk::available(),
        "wrk is not installed: apt-get install wrk, or measure with --http-tool builtin"
    );
    let bin_dir = tempfile::Builder::new().prefix("communs-search-bench-bin-").tempdir()?;
    let communs = bin_dir.path().join("communs");
    std::fs::copy(&a.communs, &communs).with_context(|| format!("cannot copy {}", a.communs.display()))?;
    let counts = Counts::at(a.scale);
    let small = a.scale < 1.0;
    let thesaurus = Thesaurus::built_in().terms;
    let queries = demo::search_corpus::queries(a.queries, &thesaurus, &mut Rng::new(a.seed ^ 0x5EA2C4));
    println!(
        "Communs search bench: scale {} — {} software, {} repositories with a README, {} adoptions; {} queries; \
         {} CPU(s)",
        a.scale,
        counts.software,
        counts.repositories(),
        counts.adoptions,
        queries.len(),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    let mut kinds: std::collections::BTreeMap<&str, usize> = Default::default();
    for (kind, _) in &queries {
        *kinds.entry(kind).or_default() += 1;
    }
    println!("queries by kind: {kinds:?}; for example:");
    for (kind, q) in queries.iter().take(12) {
        println!("  {kind:<9} {q}");
    }
    flush();
    let mut figures = Figures { concurrency: a.concurrency, ..Default::default() };

    // 1. The catalog, with a README per repository.
    let temporary;
    let dir: PathBuf = match &a.dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            temporary = tempfile::Builder::new().prefix("communs-search-bench-").tempdir()?;
            temporary.path().to_path_buf()
        }
    };
    let url = format!("sqlite://{}", dir.join("communs.db").display());
    let data_dir = dir.join("data");
    let ready = dir.join("catalog-ready");
    let made_for = format!("scale {} seed {}", a.scale, a.seed);
    let today = chrono::Utc::now().date_naive();
    let store;
    if std::fs::read_to_string(&ready).is_ok_and(|t| t == made_for) {
        println!("\n== LOAD: the catalog of {} ({made_for}) is used again", dir.display());
        store = Store::connect(&url).await?;
    } else {
        println!("\n== LOAD (SQLite catalog)");
        flush();
        for f in ["communs.db", "communs.db-wal", "communs.db-shm", "catalog-ready"] {
            let _ = std::fs::remove_file(dir.join(f));
        }
        let _ = std::fs::remove_dir_all(&data_dir);
        store = Store::connect(&url).await?;
        store.migrate().await?;
        let settings = LoadSettings { communes_dir: &a.communes, counts, chunk: 50_000, seed: a.seed, today };
        let loaded = load::load(&store, &settings).await?;
        println!("  national dataset: {:.1} s", loaded.total.as_secs_f64());
        let attached = readmes::attach(&store, &thesaurus, a.seed).await?;
        println!(
            "  READMEs: {} repositories harvested (claim + record_harvest) in {:.1} s, {} of README text",
            attached.repositories,
            attached.time.as_secs_f64(),
            mb(attached.readme_bytes as u64)
        );
        std::fs::write(&ready, &made_for)?;
    }
    flush();

    // 2. The real reindex.
    println!("\n== REINDEX (communs reindex)");
    flush();
    let (output, took, peak_kb) = run_measured(
        Command::new(&communs)
            .arg("--database-url")
            .arg(&url)
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("reindex")
            .env("COMMUNS_LOG", "warn")
            .current_dir(&dir),
    )?;
    anyhow::ensure!(
        output.status.success(),
        "communs reindex failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let index_bytes = dir_bytes(&data_dir.join("search"));
    println!(
        "  {} — {:.2} s wall, peak RSS {:.0} MB, index {}",
        String::from_utf8_lossy(&output.stdout).trim(),
        took.as_secs_f64(),
        peak_kb as f64 / 1024.0,
        mb(index_bytes)
    );
    figures.reindex = Some((took, peak_kb, index_bytes));
    if a.tantivy_only {
        store.close().await;
        figures.timings.extend(time_tantivy(&data_dir.join("search"), &queries)?);
        figures.timings.push(time_tantivy_plain(&data_dir.join("search"), &queries)?);
        for t in &figures.timings {
            println!("  {}", t.line());
        }
        report(&figures);
        return Ok(());
    }

    // 3. The API under load.
    println!("\n== SERVE: GET /api/v1/search and /api/v1/suggest, {} connections, response cache off", a.concurrency);
    flush();
    let encode = |q: &str| url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>();
    let search_paths: Vec<String> = queries.iter().map(|(_, q)| format!("/api/v1/search?q={}", encode(q))).collect();
    let suggest_paths: Vec<String> = queries
        .iter()
        .flat_map(|(_, q)| {
            let q = q.trim_matches('"');
            let chars: Vec<char> = q.chars().collect();
            (3..=chars.len().min(8)).map(move |n| chars[..n].iter().collect::<String>())
        })
        .map(|prefix| format!("/api/v1/suggest?q={}", encode(&prefix)))
        .collect();
    let load_settings = Settings {
        tool: a.http_tool,
        concurrency: a.concurrency,
        warmup: Duration::from_secs_f64(if small { 1.0 } else { 2.0 }),
        duration: Duration::from_secs_f64(a.duration.unwrap_or(if small { 3.0 } else { 15.0 })),
        max_per_worker: 2_000_000,
        client_threads: 1,
        seed: a.seed,
    };
    {
        // Without the response cache: every search is computed, as when officials' queries
        // seldom repeat (with it, the 1,000 queries would be answered from memory).
        let mut server = Server::start_with(&communs, &url, &dir, &["--cache-mb", "0"])?;
        server.wait_healthy().await?;
        for (name, paths) in [("search", search_paths), ("suggest", suggest_paths)] {
            let weights = Weighted::new(paths.iter().map(|_| 1));
            let phase = Arc::new(Phase { name, paths, weights });
            let base = server.base.clone();
            let workdir = dir.clone();
            let stats =
                tokio::task::spawn_blocking(move || loadgen::measure(&base, phase, load_settings, &workdir)).await??;
            println!("  {}", stats.line());
            for e in &stats.failure_examples {
                println!("    failure: {e}");
            }
            if name == "search" {
                figures.api = Some(stats);
            } else {
                figures.suggest = Some(stats);
            }
            flush();
        }
        let memory = server.memory()?;
        println!("  server peak RSS {:.0} MB", memory.peak_kb as f64 / 1024.0);
        figures.server_peak_kb = Some(memory.peak_kb);
        server.stop()?;
    }

    // 4. The three engines, on the same documents and queries.
    println!("\n== ENGINES: the same {} documents and {} queries", counts.software, queries.len());
    flush();
    for f in ["fts5.db", "fts5.db-wal", "fts5.db-shm", "fixtures.db", "fixtures-fts5.db"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let fts5 = engines::Fts5::create(&dir.join("fts5.db")).await?;
    let pg_name = format!("communs_search_bench_{}", std::process::id());
    let pg = engines::Postgres::create(&a.postgres, &pg_name).await.context("PostgreSQL")?;
    let (mut fts5_time, mut pg_time) = (Duration::ZERO, Duration::ZERO);
    let ids = store.software_ids().await?;
    for batch in ids.chunks(500) {
        let docs = store.search_documents(Some(batch)).await?;
        let t = Instant::now();
        fts5.add(&docs).await?;
        fts5_time += t.elapsed();
        let t = Instant::now();
        pg.add(&docs).await?;
        pg_time += t.elapsed();
    }
    let t = Instant::now();
    fts5.optimize().await?;
    fts5_time += t.elapsed();
    let t = Instant::now();
    pg.finish().await?;
    pg_time += t.elapsed();
    let fts5_bytes = ["fts5.db", "fts5.db-wal"].iter().map(|f| dir_bytes_file(&dir.join(f))).sum();
    let pg_bytes = pg.bytes().await? as u64;
    println!("  FTS5: indexed in {:.1} s, {}", fts5_time.as_secs_f64(), mb(fts5_bytes));
    println!("  PostgreSQL: indexed in {:.1} s (GIN index built after), {}", pg_time.as_secs_f64(), mb(pg_bytes));
    figures.sizes.push(("tantivy", index_bytes, took));
    figures.sizes.push(("SQLite FTS5", fts5_bytes, fts5_time));
    figures.sizes.push(("PostgreSQL", pg_bytes, pg_time));
    flush();

    figures.timings.extend(time_tantivy(&data_dir.join("search"), &queries)?);
    figures.timings.push(time_tantivy_plain(&data_dir.join("search"), &queries)?);
    for t in &figures.timings {
        println!("  {}", t.line());
    }
    flush();
    let warm = queries.len().min(100);
    for engine in ["SQLite FTS5", "PostgreSQL"] {
        let (mut ms, mut totals) = (Vec::new(), Vec::new());
        for (i, (_, q)) in queries[..warm].iter().chain(queries.iter()).enumerate() {
            let t = Instant::now();
            let (_, total) = if engine == "PostgreSQL" { pg.search(q).await? } else { fts5.search(q).await? };
            if i >= warm {
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
                totals.push(total);
            }
        }
        figures.timings.push(Timing::of(if engine == "PostgreSQL" { "PostgreSQL" } else { "FTS5" }, ms, &totals));
        println!("  {}", figures.timings.last().expect("pushed").line());
        flush();
    }
    store.close().await;
    pg.drop_database().await?;

    // 5. Relevance over the demo fixtures.
    println!("\n== RELEVANCE: tests/relevance/queries.tsv over the demo fixtures");
    flush();
    figures.relevance = relevance(&a.postgres, &dir, today).await?;
    report(&figures);
    Ok(())
}

/// Each query once as a warm-up (the first hundred), then each timed: a whole Communs
/// search, as the API runs it (top 10, total, facets, snippets, and the loose reading, the
/// correction and the guidance when the strict reading finds nothing). Returns the timing of
/// every query, then of those that needed more than the strict reading (an answer read
/// loosely, or none at all), when there are some.
fn time_tantivy(dir: &Path, queries: &[(&'static str, String)]) -> anyhow::Result<Vec<Timing>> {
    let search = Search::open(dir)?;
    let warm = queries.len().min(100);
    let (mut ms, mut totals) = (Vec::new(), Vec::new());
    let (mut loose_ms, mut loose_totals) = (Vec::new(), Vec::new());
    for (i, (_, q)) in queries[..warm].iter().chain(queries.iter()).enumerate() {
        let t = Instant::now();
        let results = search.search(&request(q, 10))?;
        if i >= warm {
            let took = t.elapsed().as_secs_f64() * 1000.0;
            ms.push(took);
            totals.push(results.total as i64);
            if results.partial || results.total == 0 {
                loose_ms.push(took);
                loose_totals.push(results.total as i64);
            }
        }
    }
    let mut timings = vec![Timing::of("tantivy", ms, &totals)];
    if !loose_ms.is_empty() {
        timings.push(Timing::of("fallback", loose_ms, &loose_totals));
    }
    Ok(timings)
}

/// The same as `time_tantivy`, asking tantivy only what FTS5 and PostgreSQL are asked.
fn time_tantivy_plain(dir: &Path, queries: &[(&'static str, String)]) -> anyhow::Result<Timing> {
    let search = Search::open(dir)?;
    let warm = queries.len().min(100);
    let (mut ms, mut totals) = (Vec::new(), Vec::new());
    for (i, (_, q)) in queries[..warm].iter().chain(queries.iter()).enumerate() {
        let t = Instant::now();
        let (_, total) = indexer::search::query::plain(&search, q, 10)?;
        if i >= warm {
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            totals.push(total as i64);
        }
    }
    Ok(Timing::of("tantivy*", ms, &totals))
}

fn dir_bytes_file(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// One line of the relevance set: the query and the software expected in the top 3.
fn cases() -> Vec<(String, Vec<String>)> {
    include_str!("../../../tests/relevance/queries.tsv")
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            (fields.len() >= 2)
                .then(|| (fields[0].to_string(), fields[1].split(',').map(|s| s.trim().to_string()).collect()))
        })
        .collect()
}

async fn relevance(
    postgres: &str,
    dir: &Path,
    today: chrono::NaiveDate,
) -> anyhow::Result<Vec<(&'static str, usize, usize, f64)>> {
    let fixtures_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let fixtures = catalog::import::fixtures::Fixtures::read_dir(&fixtures_dir)?;
    let store = Store::connect(&format!("sqlite://{}", dir.join("fixtures.db").display())).await?;
    store.migrate().await?;
    store.seed(&Actor::System("bench"), &fixtures, today).await?;
    let docs: Vec<SearchDocument> = store.search_documents(None).await?;
    store.close().await;
    let search = Search::in_memory()?;
    search.apply(None, &docs, 1)?;
    let fts5 = engines::Fts5::create(&dir.join("fixtures-fts5.db")).await?;
    fts5.add(&docs).await?;
    let pg = engines::Postgres::create(postgres, &format!("communs_search_relevance_{}", std::process::id())).await?;
    pg.add(&docs).await?;
    pg.finish().await?;
    let cases = cases();
    let mut out = Vec::new();
    for engine in ["tantivy", "SQLite FTS5", "PostgreSQL"] {
        let (mut hits, mut gain) = (0, 0.0);
        for (q, expected) in &cases {
            let ranked = match engine {
                "tantivy" => search.search(&request(q, 10))?.hits.into_iter().map(|h| h.slug).collect(),
                "SQLite FTS5" => fts5.search(q).await?.0,
                _ => pg.search(q).await?.0,
            };
            if ranked.iter().take(3).any(|s| expected.contains(s)) {
                hits += 1;
            }
            gain += indexer::search::relevance::ndcg_at_10(&ranked, expected);
        }
        let rate = hits as f64 / cases.len() as f64;
        println!(
            "  {engine:<11} {hits}/{} in the top 3: hit rate {:.1} %, nDCG@10 {:.3}",
            cases.len(),
            rate * 100.0,
            gain / cases.len() as f64
        );
        out.push((engine, hits, cases.len(), gain / cases.len() as f64));
    }
    pg.drop_database().await?;
    Ok(out)
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

fn report(f: &Figures) {
    println!("\n== FIGURES against the targets");
    let find = |name: &str| f.timings.iter().find(|t| t.name == name);
    if let Some(t) = find("tantivy") {
        println!("  tantivy (Communs search) p50 {:.3} ms (target ≤ 1 ms): {}", t.p50, verdict(t.p50 <= 1.0));
        println!("  tantivy (Communs search) p99 {:.3} ms (target ≤ 5 ms): {}", t.p99, verdict(t.p99 <= 5.0));
    }
    if let Some(t) = find("fallback") {
        println!(
            "  tantivy, the queries the strict reading left empty: p50 {:.3} ms, p99 {:.3} ms (counted apart; in the line above too)",
            t.p50, t.p99
        );
    }
    for (mine, what) in [("tantivy*", "the same work"), ("tantivy", "the whole Communs search")] {
        let Some(t) = find(mine) else { continue };
        for other in ["FTS5", "PostgreSQL"] {
            if let Some(o) = find(other) {
                let ratio = o.p99 / t.p99;
                println!(
                    "  {other} p99 {:.3} ms = {ratio:.1}× {mine}'s ({what}; target ≥ 5×): {}; p50 {:.1}×",
                    o.p99,
                    verdict(ratio >= 5.0),
                    o.p50 / t.p50
                );
            }
        }
    }
    println!("  (tantivy*: the typed words in the same fields, top 10 and count, as FTS5 and PostgreSQL are asked)");
    if let Some(s) = &f.api {
        println!(
            "  GET /api/v1/search p99 {:.2} ms with {} connections (target ≤ 20 ms at 16): {}; {:.0} requests/s, {} failures",
            s.p99,
            f.concurrency,
            verdict(s.p99 <= 20.0 && s.failures == 0),
            s.throughput,
            s.failures
        );
    }
    if let Some(s) = &f.suggest {
        println!("  GET /api/v1/suggest p99 {:.2} ms, {:.0} requests/s, {} failures", s.p99, s.throughput, s.failures);
    }
    if let Some(kb) = f.server_peak_kb {
        println!("  server peak RSS {:.0} MB", kb as f64 / 1024.0);
    }
    if let Some((took, peak_kb, bytes)) = f.reindex {
        println!(
            "  full reindex {:.2} s (target ≤ 20 s): {}; peak RSS {:.0} MB; index {}",
            took.as_secs_f64(),
            verdict(took.as_secs_f64() <= 20.0),
            peak_kb as f64 / 1024.0,
            mb(bytes)
        );
    }
    for (name, bytes, took) in &f.sizes {
        println!("  {name:<11} on disk {}, built in {:.1} s", mb(*bytes), took.as_secs_f64());
    }
    for (name, hits, n, ndcg) in &f.relevance {
        println!(
            "  relevance {name:<11} hit rate {:.1} % ({hits}/{n}), nDCG@10 {ndcg:.3}{}",
            *hits as f64 * 100.0 / *n as f64,
            if *name == "tantivy" {
                format!(" (target ≥ 90 %): {}", verdict(*hits * 10 >= *n * 9))
            } else {
                String::new()
            }
        );
    }
}
