//! `harvest`: how fast the harvester mirrors a corpus of git repositories, against `git clone
//! --mirror` of the same repositories over the same protocol, and how little a harvest costs
//! when nothing changed.
//!
//! Writes a deterministic corpus of bare repositories of mixed sizes with
//! `demo::git_corpus` (or reuses the one in `--dir` when its manifest names the same
//! parameters), serves it with `git daemon` on loopback, then times, with the same number of
//! repositories in flight:
//!
//! 1. `git clone --mirror` of every repository by `--workers` threads: the baseline;
//! 2. `git ls-remote` of every repository the same way: what asking for the refs alone costs
//!    here, the floor of a harvest that finds nothing new;
//! 3. the real `communs harvest --all --allow-local` binary on a fresh SQLite database whose one
//!    software lists every repository (clone, facts, health, recorded), its peak memory read
//!    from /proc while it runs, and its mirrors then compared with the served repositories;
//! 4. the same command again, nothing having changed.
//!
//! It prints the corpus, each run, and the ratios against the targets with PASS or MISS. The
//! exit status is 0 when every run went through (whether the targets were met or not), 1 when
//! one failed.
//!
//! `cargo run --release -p bench --bin harvest -- [--repos 50] [--workers 2] [--dir DIR] [--communs target/release/communs]`

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use catalog::{Actor, SoftwareDraft, Store};
use clap::Parser;
use demo::git_corpus::{Corpus, Repo, Size};

#[derive(Debug, Parser)]
#[command(name = "harvest", about = "Time `communs harvest` against `git clone --mirror` of the same corpus")]
struct Args {
    /// Repositories in the corpus: 8 % large (55,000 commits), 24 % medium (3,000), the rest
    /// small (100 to 300).
    #[arg(long, default_value_t = 50)]
    repos: usize,
    /// Repositories fetched at once, by the harvest and by the baseline alike.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Folder of the corpus, kept and reused by the next run with the same parameters
    /// (default: a temporary folder, removed at the end).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The `communs` binary (copied at the start, so a rebuild during the run changes nothing).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release/communs"))]
    communs: PathBuf,
    /// Seed of the corpus: the same seed (and day) writes the same repositories.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Keep the mirrors and the database at the end and say where they are.
    #[arg(long)]
    keep: bool,
}

const SLUG: &str = "banc-moisson";
const TARGET_THROUGHPUT_RATIO: f64 = 0.5;
const TARGET_SECOND_RATIO: f64 = 0.01;
const TARGET_PEAK_MB: f64 = 400.0;

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.repos == 0 || args.workers == 0 {
        bail!("--repos and --workers must be at least 1");
    }
    let scratch = tempfile::Builder::new().prefix("communs-bench-harvest-").tempdir()?;
    let communs = scratch.path().join("communs");
    std::fs::copy(&args.communs, &communs).with_context(|| {
        format!("cannot copy {} (build it with cargo build --release -p server)", args.communs.display())
    })?;
    println!(
        "harvest bench: {} repositories, {} workers, communs from {}",
        args.repos,
        args.workers,
        args.communs.display()
    );

    let corpus_dir = args.dir.clone().unwrap_or_else(|| scratch.path().join("corpus"));
    let corpus = Corpus::ensure(&corpus_dir, args.repos, args.seed, indexer::harvest::facts::folder_bytes)?;
    print_corpus(&corpus);
    // Both contenders then read the served repositories from the page cache, whichever runs
    // first.
    for r in &corpus.repos {
        read_all(&corpus.served.join(&r.dir))?;
    }

    let ticks = clock_ticks();
    let daemon = GitDaemon::start(&corpus.served, &scratch.path().join("git-daemon.log"))?;
    println!("git daemon: git://127.0.0.1:{}/ serving {} (pid {})", daemon.port, corpus.served.display(), daemon.pid());
    let urls: Vec<String> = corpus.repos.iter().map(|r| daemon.url(&r.dir)).collect();

    // Baseline.
    let git_dest = scratch.path().join("git-mirrors");
    let before = Cpu::read(&daemon, ticks);
    std::fs::create_dir_all(&git_dest)?;
    let git_time = in_parallel(args.workers, urls.len(), |i| {
        let dest = git_dest.join(&corpus.repos[i].dir);
        git(&["clone", "--mirror", "--quiet", &urls[i], &dest.to_string_lossy()])
    })?;
    let git_cpu = Cpu::read(&daemon, ticks).since(&before);
    let git_bytes = indexer::harvest::facts::folder_bytes(&git_dest);
    let git_rate = mb(git_bytes) / git_time.as_secs_f64();
    println!(
        "git clone --mirror, {} threads: {} repositories in {:.2} s, {:.1} MB, {:.2} MB/s; CPU {:.1} s in git, {:.1} s in git daemon",
        args.workers,
        urls.len(),
        git_time.as_secs_f64(),
        mb(git_bytes),
        git_rate,
        git_cpu.ours,
        git_cpu.daemon
    );
    if !args.keep {
        std::fs::remove_dir_all(&git_dest)?;
    }
    // What asking every repository for its refs costs over git:// on this machine, the least an
    // unchanged harvest can cost. Protocol v0 as libgit2 speaks it: git's default v2 adds a
    // round trip that loopback's delayed acknowledgements stretch to some 40 ms per repository.
    let before = Cpu::read(&daemon, ticks);
    let ls_time = in_parallel(args.workers, urls.len(), |i| git(&["-c", "protocol.version=0", "ls-remote", &urls[i]]))?;
    let ls_cpu = Cpu::read(&daemon, ticks).since(&before);
    println!(
        "git ls-remote (protocol v0), {} threads: {} repositories in {:.3} s; CPU {:.2} s in git, {:.2} s in git daemon",
        args.workers,
        urls.len(),
        ls_time.as_secs_f64(),
        ls_cpu.ours,
        ls_cpu.daemon
    );

    // The catalog: one software listing every repository.
    let data = scratch.path().join("data");
    let database_url = format!("sqlite://{}", data.join("communs.db").display());
    std::fs::create_dir_all(&data)?;
    prepare_catalog(&database_url, &urls)?;
    let workdir = scratch.path().join("work");
    std::fs::create_dir_all(&workdir)?;
    let harvest = Harvest {
        communs: &communs,
        data: &data,
        database_url: &database_url,
        workers: args.workers,
        workdir: &workdir,
    };

    let first = harvest.run("first", &daemon, ticks)?;
    let mirrors_bytes = indexer::harvest::facts::folder_bytes(&data.join("mirrors"));
    let first_rate = mb(mirrors_bytes) / first.wall.as_secs_f64();
    first.print("first harvest", Some((mirrors_bytes, first_rate)));
    first.expect(|s| s.cloned == urls.len() && s.failed == 0, &format!("{} cloned, 0 failed", urls.len()))?;
    check_mirrors(&corpus, &urls, &data.join("mirrors"))?;

    let second = harvest.run("second", &daemon, ticks)?;
    second.print("second harvest (nothing changed)", None);
    second.expect(|s| s.unchanged == urls.len() && s.failed == 0, &format!("{} unchanged, 0 failed", urls.len()))?;
    drop(daemon);

    let throughput_ratio = first_rate / git_rate;
    let second_ratio = second.wall.as_secs_f64() / first.wall.as_secs_f64();
    let peak = first.peak_kb as f64 / 1024.0;
    println!();
    println!("figure | target | value");
    println!(
        "corpus | | {} repositories, {} commits, {:.1} MB",
        corpus.repos.len(),
        thousands(corpus.commits()),
        mb(corpus.bytes)
    );
    println!("git clone --mirror | | {:.2} s, {git_rate:.2} MB/s", git_time.as_secs_f64());
    println!("first harvest | | {:.2} s, {first_rate:.2} MB/s", first.wall.as_secs_f64());
    println!(
        "second harvest | | {:.3} s ({:.1}× git ls-remote of every repository)",
        second.wall.as_secs_f64(),
        second.wall.as_secs_f64() / ls_time.as_secs_f64()
    );
    println!(
        "first harvest throughput ÷ git throughput | ≥ {TARGET_THROUGHPUT_RATIO} | {throughput_ratio:.2} {}",
        verdict(throughput_ratio >= TARGET_THROUGHPUT_RATIO)
    );
    println!(
        "second harvest time ÷ first harvest time | ≤ {TARGET_SECOND_RATIO} | {second_ratio:.4} {}",
        verdict(second_ratio <= TARGET_SECOND_RATIO)
    );
    println!(
        "first harvest peak memory, --workers {} (MB) | ≤ {TARGET_PEAK_MB:.0} | {peak:.1} {}",
        args.workers,
        verdict(peak <= TARGET_PEAK_MB)
    );

    if args.keep {
        let kept = scratch.keep();
        println!("kept: {} (mirrors and database in data/)", kept.display());
    }
    Ok(())
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn read_all(path: &Path) -> anyhow::Result<()> {
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                stack.push(entry.path());
            } else {
                std::hint::black_box(std::fs::read(entry.path())?);
            }
        }
    }
    Ok(())
}

/// What the corpus holds, by size of repository.
fn print_corpus(corpus: &Corpus) {
    match corpus.generated_in {
        Some(d) => println!(
            "corpus: written in {:.1} s with {} threads (not part of the comparison)",
            d.as_secs_f64(),
            corpus.generated_with
        ),
        None => println!(
            "corpus: reused from {} (dates up to {})",
            corpus.served.display(),
            corpus.anchor.format("%Y-%m-%d %H:%M UTC")
        ),
    }
    let tags: usize = corpus.repos.iter().map(|r| r.tags).sum();
    println!(
        "corpus: {} repositories, {} commits, {} tags, {:.1} MB on disk",
        corpus.repos.len(),
        thousands(corpus.commits()),
        thousands(tags as u64),
        mb(corpus.bytes)
    );
    for size in [Size::Large, Size::Medium, Size::Small] {
        let of: Vec<&Repo> = corpus.repos.iter().filter(|r| r.size == size).collect();
        if of.is_empty() {
            continue;
        }
        let commits: Vec<usize> = of.iter().map(|r| r.commits).collect();
        let bytes: Vec<u64> = of.iter().map(|r| r.bytes).collect();
        let (cmin, cmax) = (commits.iter().min().copied().unwrap_or(0), commits.iter().max().copied().unwrap_or(0));
        let (bmin, bmax) = (bytes.iter().min().copied().unwrap_or(0), bytes.iter().max().copied().unwrap_or(0));
        let commits = if cmin == cmax { thousands(cmin as u64) } else { format!("{cmin}–{cmax}") };
        println!(
            "  {} {}: {commits} commits each, {:.2}–{:.2} MB each, {:.1} MB in all",
            of.len(),
            size.label(),
            mb(bmin),
            mb(bmax),
            mb(bytes.iter().sum())
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The runs.

/// `git daemon` serving the corpus on a free loopback port; killed when dropped. Started as
/// `git-daemon` itself rather than through the `git` wrapper, so that its pid is the daemon's
/// (for its CPU time, and so that killing it leaves no daemon behind).
struct GitDaemon {
    child: std::process::Child,
    port: u16,
}

impl GitDaemon {
    fn start(base: &Path, log: &Path) -> anyhow::Result<GitDaemon> {
        let exec_path = Command::new("git").arg("--exec-path").output().context("git is needed")?;
        let exec_path = PathBuf::from(String::from_utf8_lossy(&exec_path.stdout).trim());
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = git_env(&mut Command::new(exec_path.join("git-daemon")))
            .args(["--reuseaddr", "--export-all", "--listen=127.0.0.1", &format!("--port={port}")])
            .arg(format!("--base-path={}", base.display()))
            .arg(base)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log)?)
            .spawn()
            .context("cannot start git-daemon (the git-daemon-sysvinit or git package)")?;
        let daemon = GitDaemon { child, port };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(daemon);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        bail!("git daemon did not listen on port {port}; see {}", log.display())
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn url(&self, dir: &str) -> String {
        format!("git://127.0.0.1:{}/{dir}", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// git with its built-in defaults: no system or user settings change what the baseline does.
fn git_env(cmd: &mut Command) -> &mut Command {
    cmd.env("GIT_CONFIG_NOSYSTEM", "1").env("GIT_CONFIG_GLOBAL", "/dev/null").env("GIT_TERMINAL_PROMPT", "0")
}

/// CPU seconds spent by the processes this one waited for (the `git` commands, the harvests)
/// and by those the daemon waited for (its `upload-pack`s), as /proc counts them.
struct Cpu {
    ours: f64,
    daemon: f64,
}

impl Cpu {
    fn read(daemon: &GitDaemon, ticks: f64) -> Cpu {
        // The daemon adds a child's time when it reaps it, shortly after the child ends.
        std::thread::sleep(Duration::from_millis(200));
        Cpu { ours: children_cpu("self", ticks), daemon: children_cpu(&daemon.pid().to_string(), ticks) }
    }

    fn since(&self, before: &Cpu) -> Cpu {
        Cpu { ours: self.ours - before.ours, daemon: self.daemon - before.daemon }
    }
}

/// cutime + cstime of /proc/PID/stat, in seconds.
fn children_cpu(pid: &str, ticks: f64) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0.0 };
    let Some((_, rest)) = stat.rsplit_once(')') else { return 0.0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 16 and 17 of proc(5); `rest` starts at field 3.
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (field(16) + field(17)) / ticks
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Runs `job(0)`, `job(1)`, … `job(count - 1)` on `workers` threads, each taking the next
/// index when done with one, as the harvest's workers claim repositories in order.
fn in_parallel(
    workers: usize,
    count: usize,
    job: impl Fn(usize) -> anyhow::Result<()> + Sync,
) -> anyhow::Result<Duration> {
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|s| -> anyhow::Result<()> {
        let threads: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| -> anyhow::Result<()> {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= count {
                            return Ok(());
                        }
                        job(i)?;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("a worker thread panicked")?;
        }
        Ok(())
    })?;
    Ok(started.elapsed())
}

fn git(args: &[&str]) -> anyhow::Result<()> {
    let out = git_env(&mut Command::new("git")).args(args).stdin(Stdio::null()).stdout(Stdio::null()).output()?;
    if !out.status.success() {
        bail!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(())
}

/// Every mirror the harvest wrote has the served repository's branches, tags and HEAD: a
/// fast harvest that fetched less would not count.
fn check_mirrors(corpus: &Corpus, urls: &[String], root: &Path) -> anyhow::Result<()> {
    let refs = |repo: &git2::Repository| -> anyhow::Result<Vec<(String, git2::Oid)>> {
        let mut out = Vec::new();
        for r in repo.references()? {
            let r = r?;
            if let (Some(name), Some(oid)) = (r.name().ok(), r.target()) {
                out.push((name.to_string(), oid));
            }
        }
        out.sort();
        Ok(out)
    };
    let mut count = 0;
    for (repo, url) in corpus.repos.iter().zip(urls) {
        let served = git2::Repository::open_bare(corpus.served.join(&repo.dir))?;
        let path = indexer::harvest::mirror::mirror_path(root, url);
        let mirror =
            git2::Repository::open_bare(&path).with_context(|| format!("no mirror of {url} at {}", path.display()))?;
        let (want, got) = (refs(&served)?, refs(&mirror)?);
        if want != got || served.head()?.target() != mirror.head()?.target() {
            bail!(
                "the mirror of {url} differs from the served repository ({} refs served, {} mirrored)",
                want.len(),
                got.len()
            );
        }
        count += want.len();
    }
    println!("  mirrors checked: {} repositories, {count} refs and every HEAD as served", urls.len());
    Ok(())
}

/// The catalog the harvests read: one software whose repositories are the served corpus, in
/// the baseline's order. Written through the Store, as `communs repo add` does.
fn prepare_catalog(database_url: &str, urls: &[String]) -> anyhow::Result<()> {
    let actor = Actor::System("bench");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        // The corpus is served by git daemon on loopback, as --allow-local allows.
        let store = Store::connect(database_url).await?.with_address_policy(catalog::AddressPolicy::AllowLocal);
        store.migrate().await?;
        let draft = SoftwareDraft {
            slug: SLUG.into(),
            name: "Banc d'essai de la moisson".into(),
            summary: [("fr".to_string(), "Dépôts écrits pour mesurer la moisson".to_string())].into(),
            licence: "AGPL-3.0-or-later".into(),
            maturity: "stable".into(),
            ..Default::default()
        };
        store.put_software(&actor, &draft.validate()?).await?;
        for url in urls {
            store.add_repository(&actor, SLUG, url).await?;
        }
        store.close().await;
        anyhow::Ok(())
    })
}

struct Harvest<'a> {
    communs: &'a Path,
    data: &'a Path,
    database_url: &'a str,
    workers: usize,
    workdir: &'a Path,
}

/// The counts of the summary line `communs harvest` prints.
#[derive(Debug, Default)]
struct Counts {
    cloned: usize,
    updated: usize,
    unchanged: usize,
    failed: usize,
}

struct Run {
    wall: Duration,
    peak_kb: u64,
    status: ExitStatus,
    stdout: String,
    stderr: String,
    counts: Option<Counts>,
    cpu: Cpu,
}

impl Harvest<'_> {
    /// `communs harvest --all` as a child process: its wall time from spawn to exit, its peak
    /// resident memory sampled every 20 ms.
    fn run(&self, name: &str, daemon: &GitDaemon, ticks: f64) -> anyhow::Result<Run> {
        let stdout_path = self.workdir.join(format!("{name}.stdout"));
        let stderr_path = self.workdir.join(format!("{name}.stderr"));
        let mut cmd = Command::new(self.communs);
        cmd.arg("--data-dir")
            .arg(self.data)
            .arg("--database-url")
            .arg(self.database_url)
            .args(["harvest", "--all", "--allow-local", "--workers", &self.workers.to_string()])
            .current_dir(self.workdir)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout_path)?)
            .stderr(std::fs::File::create(&stderr_path)?);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("COMMUNS_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("COMMUNS_LOG", "warn");
        let before = Cpu::read(daemon, ticks);
        let started = Instant::now();
        let mut child = cmd.spawn().with_context(|| format!("cannot start {}", self.communs.display()))?;
        let pid = child.id();
        // The exit is waited for on a thread of its own, so that the wall time does not
        // depend on the sampling period.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let status = child.wait();
            let _ = tx.send((status, Instant::now()));
        });
        let mut peak_kb = 0;
        let (status, ended) = loop {
            if let Some(kb) = vm_hwm(pid) {
                peak_kb = peak_kb.max(kb);
            }
            match rx.recv_timeout(Duration::from_millis(20)) {
                Ok((status, ended)) => break (status?, ended),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => bail!("lost the harvest's process"),
            }
        };
        let wall = ended - started;
        let cpu = Cpu::read(daemon, ticks).since(&before);
        let stdout = std::fs::read_to_string(&stdout_path)?;
        let stderr = std::fs::read_to_string(&stderr_path)?;
        let counts = stdout.lines().rev().find_map(parse_summary);
        Ok(Run { wall, peak_kb, status, stdout, stderr, counts, cpu })
    }
}

/// VmHWM of /proc/PID/status in kB; None once the process is gone (a zombie has none).
fn vm_hwm(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line["VmHWM:".len()..].trim().trim_end_matches("kB").trim().parse().ok()
}

/// `50 cloned, 0 updated, 0 unchanged, 0 failed in 23.1 s`
fn parse_summary(line: &str) -> Option<Counts> {
    let mut counts = Counts::default();
    let mut seen = 0;
    for part in line.split(", ") {
        let mut words = part.split_whitespace();
        let n: usize = words.next()?.parse().ok()?;
        let slot = match words.next()? {
            "cloned" => &mut counts.cloned,
            "updated" => &mut counts.updated,
            "unchanged" => &mut counts.unchanged,
            "failed" => &mut counts.failed,
            _ => return None,
        };
        *slot = n;
        seen += 1;
    }
    (seen == 4).then_some(counts)
}

impl Run {
    fn print(&self, what: &str, mirrors: Option<(u64, f64)>) {
        let mut line = format!("{what}: {:.3} s", self.wall.as_secs_f64());
        if let Some((bytes, rate)) = mirrors {
            let _ = write!(line, ", {:.1} MB of mirrors, {rate:.2} MB/s", mb(bytes));
        }
        let _ = write!(
            line,
            "; peak RSS {:.1} MB; CPU {:.1} s in communs, {:.1} s in git daemon; {}",
            self.peak_kb as f64 / 1024.0,
            self.cpu.ours,
            self.cpu.daemon,
            self.status
        );
        println!("{line}");
        for l in self.stdout.lines() {
            println!("  communs: {l}");
        }
        for l in self.stderr.lines().take(20) {
            println!("  communs (stderr): {l}");
        }
    }

    fn expect(&self, ok: impl Fn(&Counts) -> bool, wanted: &str) -> anyhow::Result<()> {
        match &self.counts {
            Some(c) if self.status.success() && ok(c) => Ok(()),
            Some(c) => bail!("the harvest said {c:?} ({}), not {wanted}", self.status),
            None => bail!("the harvest printed no summary line ({}); stderr:\n{}", self.status, self.stderr),
        }
    }
}
