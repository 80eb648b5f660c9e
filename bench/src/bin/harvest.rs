//! `harvest`: how fast the harvester mirrors a corpus of git repositories, against `git clone
//! --mirror` of the same repositories over the same protocol, and how little a harvest costs
//! when nothing changed.
//!
//! Writes a deterministic corpus of bare repositories of mixed sizes with
//! `indexer::history::write_bare` (or reuses the one in `--dir` when its manifest names the same
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

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use catalog::{Actor, SoftwareDraft, Store};
use chrono::{DateTime, Datelike, Utc};
use clap::Parser;
use indexer::history::{self, Author, CommitSpec, History, TagSpec};

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
    let corpus = Corpus::ensure(&corpus_dir, args.repos, args.seed)?;
    corpus.print();
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

/// A small deterministic generator (SplitMix64): the same seed writes the same corpus on every
/// machine, without a dependency.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A whole number in `lo..=hi`.
    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// A number in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The corpus.

/// Bump when the generator writes something else, so that an old corpus is not reused.
const GENERATOR: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Size {
    Large,
    Medium,
    Small,
}

impl Size {
    fn label(self) -> &'static str {
        match self {
            Size::Large => "large",
            Size::Medium => "medium",
            Size::Small => "small",
        }
    }
}

/// One repository of the corpus, before and after it is written.
#[derive(Debug, Clone)]
struct Repo {
    /// Folder under the served folder, `NAME.git`.
    dir: String,
    size: Size,
    commits: usize,
    seed: u64,
    /// Filled in once written (or read back from the manifest).
    tags: usize,
    bytes: u64,
}

struct Corpus {
    served: PathBuf,
    repos: Vec<Repo>,
    bytes: u64,
    anchor: DateTime<Utc>,
    /// None when reused.
    generated_in: Option<Duration>,
    generated_with: usize,
}

const DOMAINS: [&str; 25] = [
    "etat-civil",
    "cimetiere",
    "urbanisme",
    "cantine",
    "facturation",
    "agenda-elus",
    "deliberations",
    "marches-publics",
    "voirie",
    "inscriptions",
    "subventions",
    "salles",
    "courrier",
    "archives",
    "rh-agents",
    "budget",
    "signalements",
    "bibliotheque",
    "stationnement",
    "dechets",
    "transport-scolaire",
    "portail-usagers",
    "elections",
    "cadastre",
    "eau-assainissement",
];

/// The repositories: 4 large, 12 medium and 34 small out of 50, in a shuffled order (the order
/// both contenders fetch them in), as a catalog lists them rather than by size.
fn plan(count: usize, seed: u64) -> Vec<Repo> {
    let large = (count * 4 + 25) / 50;
    let medium = ((count * 12 + 25) / 50).min(count - large);
    let mut rng = Rng::new(seed);
    let mut repos: Vec<Repo> = (0..count)
        .map(|i| {
            let size = if i < large {
                Size::Large
            } else if i < large + medium {
                Size::Medium
            } else {
                Size::Small
            };
            let commits = match size {
                // The catalog's biggest projects have more: QGIS, Moodle and LibreOffice over
                // 100,000 commits, Nextcloud's server about 80,000.
                Size::Large => 55_000,
                Size::Medium => 3_000,
                Size::Small => rng.between(100, 300),
            };
            Repo {
                dir: format!("{}-{:02}.git", DOMAINS[i % DOMAINS.len()], i),
                size,
                commits,
                seed: rng.next_u64(),
                tags: 0,
                bytes: 0,
            }
        })
        .collect();
    rng.shuffle(&mut repos);
    repos
}

impl Corpus {
    /// Reuses the corpus in `dir` when its manifest names the same parameters; otherwise writes
    /// it there (refusing a folder that holds something else).
    fn ensure(dir: &Path, count: usize, seed: u64) -> anyhow::Result<Corpus> {
        let manifest = dir.join("manifest.txt");
        let served = dir.join("repos");
        let key = format!("communs harvest bench corpus\ngenerator {GENERATOR}\nrepos {count}\nseed {seed}\n");
        let mut repos = plan(count, seed);
        if let Ok(text) = std::fs::read_to_string(&manifest) {
            if let Some(rest) = text.strip_prefix(&key) {
                if let Some(corpus) = Corpus::reuse(rest, &served, &mut repos)? {
                    return Ok(corpus);
                }
            }
            println!("corpus: {} holds another corpus; writing it again", dir.display());
            std::fs::remove_file(&manifest)?;
            if served.exists() {
                std::fs::remove_dir_all(&served)?;
            }
        } else if dir.exists() {
            // A run stopped while writing leaves `repos` without the manifest; anything else
            // is not ours to delete.
            for entry in std::fs::read_dir(dir)? {
                if entry?.file_name() != "repos" {
                    bail!("{} holds other files than a corpus: give an empty or new folder", dir.display());
                }
            }
            if served.exists() {
                std::fs::remove_dir_all(&served)?;
            }
        }
        std::fs::create_dir_all(&served)?;

        let anchor = anchor_now();
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        println!(
            "corpus: writing {count} repositories into {} with {threads} threads (dates up to {})",
            served.display(),
            anchor.format("%Y-%m-%d %H:%M UTC")
        );
        let started = Instant::now();
        // Largest first, so that no thread is left with a large one at the end.
        let mut order: Vec<usize> = (0..repos.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(repos[i].commits));
        let next = AtomicUsize::new(0);
        let written: Mutex<Vec<(usize, usize, u64)>> = Mutex::new(Vec::new());
        std::thread::scope(|s| -> anyhow::Result<()> {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| -> anyhow::Result<()> {
                        loop {
                            let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) else { return Ok(()) };
                            let repo = &repos[i];
                            let history = generate(repo, anchor);
                            let path = served.join(&repo.dir);
                            history::write_bare(&path, &history)
                                .with_context(|| format!("cannot write {}", path.display()))?;
                            let bytes = indexer::harvest::facts::folder_bytes(&path);
                            written.lock().expect("lock").push((i, history.tags.len(), bytes));
                        }
                    })
                })
                .collect();
            for w in workers {
                w.join().expect("a generator thread panicked")?;
            }
            Ok(())
        })?;
        for (i, tags, bytes) in written.into_inner().expect("lock") {
            repos[i].tags = tags;
            repos[i].bytes = bytes;
        }
        let generated_in = started.elapsed();
        let mut text = key;
        let _ = writeln!(text, "anchor {}", anchor.to_rfc3339());
        for r in &repos {
            let _ = writeln!(text, "repo {} {} {}", r.dir, r.tags, r.bytes);
        }
        // Written last: a run stopped midway leaves no manifest, so the next run starts over.
        std::fs::write(&manifest, text)?;
        let bytes = indexer::harvest::facts::folder_bytes(&served);
        Ok(Corpus { served, repos, bytes, anchor, generated_in: Some(generated_in), generated_with: threads })
    }

    fn reuse(rest: &str, served: &Path, repos: &mut [Repo]) -> anyhow::Result<Option<Corpus>> {
        let mut lines = rest.lines();
        let Some(anchor) = lines.next().and_then(|l| l.strip_prefix("anchor ")) else { return Ok(None) };
        let anchor = DateTime::parse_from_rfc3339(anchor)?.with_timezone(&Utc);
        for (repo, line) in repos.iter_mut().zip(lines.by_ref()) {
            let fields: Vec<&str> = line.split(' ').collect();
            match fields[..] {
                ["repo", dir, tags, bytes] if dir == repo.dir && served.join(dir).join("HEAD").is_file() => {
                    repo.tags = tags.parse()?;
                    repo.bytes = bytes.parse()?;
                }
                _ => return Ok(None),
            }
        }
        if repos.iter().any(|r| r.bytes == 0) {
            return Ok(None);
        }
        let bytes = indexer::harvest::facts::folder_bytes(served);
        Ok(Some(Corpus {
            served: served.to_path_buf(),
            repos: repos.to_vec(),
            bytes,
            anchor,
            generated_in: None,
            generated_with: 0,
        }))
    }

    fn commits(&self) -> u64 {
        self.repos.iter().map(|r| r.commits as u64).sum()
    }

    fn print(&self) {
        match self.generated_in {
            Some(d) => println!(
                "corpus: written in {:.1} s with {} threads (not part of the comparison)",
                d.as_secs_f64(),
                self.generated_with
            ),
            None => println!(
                "corpus: reused from {} (dates up to {})",
                self.served.display(),
                self.anchor.format("%Y-%m-%d %H:%M UTC")
            ),
        }
        let tags: usize = self.repos.iter().map(|r| r.tags).sum();
        println!(
            "corpus: {} repositories, {} commits, {} tags, {:.1} MB on disk",
            self.repos.len(),
            thousands(self.commits()),
            thousands(tags as u64),
            mb(self.bytes)
        );
        for size in [Size::Large, Size::Medium, Size::Small] {
            let of: Vec<&Repo> = self.repos.iter().filter(|r| r.size == size).collect();
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
}

/// The newest date a commit may have: the start of this hour, so that the last commits are
/// of today and none is in the future, and a corpus written again within the hour is the same.
fn anchor_now() -> DateTime<Utc> {
    let now = Utc::now().timestamp();
    DateTime::from_timestamp(now - now % 3600, 0).expect("a valid time")
}

const FIRST_NAMES: [(&str, &str); 24] = [
    ("Hélène", "helene"),
    ("Julien", "julien"),
    ("Camille", "camille"),
    ("Mathieu", "mathieu"),
    ("Sophie", "sophie"),
    ("Nicolas", "nicolas"),
    ("Élodie", "elodie"),
    ("Thomas", "thomas"),
    ("Claire", "claire"),
    ("Antoine", "antoine"),
    ("Amélie", "amelie"),
    ("Pierre", "pierre"),
    ("Laure", "laure"),
    ("François", "francois"),
    ("Inès", "ines"),
    ("Karim", "karim"),
    ("Chloé", "chloe"),
    ("Yann", "yann"),
    ("Marion", "marion"),
    ("Olivier", "olivier"),
    ("Nadia", "nadia"),
    ("Benoît", "benoit"),
    ("Léa", "lea"),
    ("Sébastien", "sebastien"),
];

const LAST_NAMES: [(&str, &str); 24] = [
    ("Martin", "martin"),
    ("Bernard", "bernard"),
    ("Dubois", "dubois"),
    ("Lefèvre", "lefevre"),
    ("Moreau", "moreau"),
    ("Girard", "girard"),
    ("Roux", "roux"),
    ("Fournier", "fournier"),
    ("Mercier", "mercier"),
    ("Bonnet", "bonnet"),
    ("Lambert", "lambert"),
    ("Fontaine", "fontaine"),
    ("Rousseau", "rousseau"),
    ("Chevalier", "chevalier"),
    ("Gauthier", "gauthier"),
    ("Perrin", "perrin"),
    ("Morel", "morel"),
    ("Garnier", "garnier"),
    ("Le Goff", "legoff"),
    ("Kerbrat", "kerbrat"),
    ("Benali", "benali"),
    ("Nguyen", "nguyen"),
    ("Rivière", "riviere"),
    ("Castel", "castel"),
];

const MAIL_DOMAINS: [&str; 8] = [
    "ville-rennes.fr",
    "grandlyon.com",
    "mairie-albi.fr",
    "agglo-pau.fr",
    "adullact.org",
    "libriciel.coop",
    "atelier-num.fr",
    "users.noreply.forge.example.org",
];

const WORDS: [&str; 48] = [
    "commune",
    "usager",
    "dossier",
    "demande",
    "acte",
    "registre",
    "concession",
    "parcelle",
    "facture",
    "tarif",
    "agent",
    "service",
    "adresse",
    "courrier",
    "rendez_vous",
    "inscription",
    "ecole",
    "cantine",
    "permis",
    "voirie",
    "budget",
    "mandat",
    "titre",
    "marche",
    "subvention",
    "association",
    "salle",
    "reservation",
    "export",
    "import",
    "statut",
    "date",
    "montant",
    "liste",
    "total",
    "index",
    "cache",
    "config",
    "session",
    "requete",
    "reponse",
    "erreur",
    "journal",
    "fichier",
    "document",
    "piece",
    "signature",
    "validation",
];

const METHODS: [&str; 16] = [
    "get", "find", "load", "save", "update", "check", "build", "render", "parse", "format", "compute", "send", "fetch",
    "filter", "sort", "validate",
];

const COMMENT_VERBS: [&str; 10] =
    ["vérifie", "calcule", "met à jour", "enregistre", "charge", "exporte", "trie", "ignore", "arrondit", "complète"];

const COMMENT_ENDS: [&str; 10] = [
    "avant l'envoi",
    "pour la commune",
    "si le dossier est clos",
    "selon le barème en vigueur",
    "comme le demande le service",
    "(voir le ticket)",
    "sans toucher à l'historique",
    "une seule fois par jour",
    "pour les anciens dossiers",
    "quand l'usager n'a pas d'adresse",
];

#[derive(Debug, Clone, Copy)]
enum Lang {
    Python,
    Php,
    JavaScript,
    Rust,
}

impl Lang {
    fn ext(self) -> &'static str {
        match self {
            Lang::Python => "py",
            Lang::Php => "php",
            Lang::JavaScript => "js",
            Lang::Rust => "rs",
        }
    }

    fn comment(self) -> &'static str {
        match self {
            Lang::Python => "#",
            _ => "//",
        }
    }
}

/// A source file as lines, so that commits can edit it as people do: a few lines inserted,
/// removed or rewritten at one place.
struct Source {
    path: String,
    lines: Vec<String>,
}

impl Source {
    fn bytes(&self) -> Vec<u8> {
        let mut out = self.lines.join("\n");
        out.push('\n');
        out.into_bytes()
    }
}

/// Writes the history of one repository.
struct Writer {
    rng: Rng,
    lang: Lang,
    project: String,
    modules: Vec<String>,
    sources: Vec<Source>,
    paths: HashSet<String>,
    readme: Vec<String>,
    changelog: Vec<String>,
    /// A data file that only grows (a reference table a project ships), in some repositories.
    table: Option<Vec<String>>,
}

impl Writer {
    fn word(&mut self) -> &'static str {
        WORDS[self.rng.below(WORDS.len())]
    }

    fn ident(&mut self) -> String {
        if self.rng.chance(0.5) {
            format!("{}_{}", self.word(), self.word())
        } else {
            self.word().to_string()
        }
    }

    fn comment_text(&mut self) -> String {
        let verb = *self.rng.pick(&COMMENT_VERBS);
        let end = *self.rng.pick(&COMMENT_ENDS);
        format!("{verb} le {} {end}", self.word().replace('_', " "))
    }

    /// One line of source-like text, 0 to 3 levels deep.
    fn line(&mut self) -> String {
        let depth = self.rng.below(4);
        let indent = "    ".repeat(depth);
        let (a, b, c) = (self.ident(), self.ident(), self.word());
        let m = *self.rng.pick(&METHODS);
        let n = self.rng.below(1000);
        let kind = self.rng.below(20);
        let text = match (self.lang, kind) {
            (_, 0..=1) => return String::new(),
            (lang, 2..=3) => format!("{} {}", lang.comment(), self.comment_text()),
            (Lang::Python, 4..=8) => format!("{a} = self.{b}.{m}_{c}({n})"),
            (Lang::Python, 9..=11) => format!("if {a} is None or {a}.{c} > {n}:"),
            (Lang::Python, 12..=13) => format!("def {m}_{a}(self, {b}, {c}=None):"),
            (Lang::Python, 14..=15) => format!("for {c} in self.{a}:"),
            (Lang::Python, _) => format!("return {m}_{a}({b}, \"{c}\")"),
            (Lang::Php, 4..=8) => format!("${a} = $this->{b}->{m}('{c}', {n});"),
            (Lang::Php, 9..=11) => format!("if (${a} === null || ${a}->{c} > {n}) {{"),
            (Lang::Php, 12..=13) => format!("public function {m}{}(${b}, ${c} = null) {{", capitalise(&a)),
            (Lang::Php, 14..=15) => format!("foreach ($this->{a} as ${c}) {{"),
            (Lang::Php, _) => format!("return $this->{m}(${b}, '{c}');"),
            (Lang::JavaScript, 4..=8) => format!("const {} = await {b}.{m}('{c}', {n});", camel(&a)),
            (Lang::JavaScript, 9..=11) => format!("if (!{} || {}.{c} > {n}) {{", camel(&a), camel(&a)),
            (Lang::JavaScript, 12..=13) => {
                format!("export function {m}{}({}, {c}) {{", capitalise(&camel(&a)), camel(&b))
            }
            (Lang::JavaScript, 14..=15) => format!("for (const {c} of {}) {{", camel(&a)),
            (Lang::JavaScript, _) => format!("return {m}({}, '{c}');", camel(&b)),
            (Lang::Rust, 4..=8) => format!("let {a} = self.{b}.{m}_{c}({n})?;"),
            (Lang::Rust, 9..=11) => format!("if {a}.{c} > {n} {{"),
            (Lang::Rust, 12..=13) => {
                format!("pub fn {m}_{a}(&self, {b}: &str) -> Result<{}> {{", capitalise(&camel(c)))
            }
            (Lang::Rust, 14..=15) => format!("for {c} in &self.{a} {{"),
            (Lang::Rust, _) => format!("Ok({m}_{a}(&{b}, \"{c}\"))"),
        };
        format!("{indent}{text}")
    }

    fn lines(&mut self, n: usize) -> Vec<String> {
        (0..n).map(|_| self.line()).collect()
    }

    fn new_source(&mut self, tests: bool) -> Source {
        if !tests && self.rng.chance(0.04) {
            let module = self.ident();
            if !self.modules.contains(&module) {
                self.modules.push(module);
            }
        }
        let ext = self.lang.ext();
        let folder = if tests { "tests".to_string() } else { format!("src/{}", self.rng.pick(&self.modules)) };
        let mut name = self.ident();
        if tests {
            name = format!("test_{name}");
        }
        let mut path = format!("{folder}/{name}.{ext}");
        let mut k = 2;
        while self.paths.contains(&path) {
            path = format!("{folder}/{name}_{k}.{ext}");
            k += 1;
        }
        self.paths.insert(path.clone());
        // Sizes from a few lines to a few hundred: most files are small, a few are long.
        let u = self.rng.unit();
        let n = 10 + (u * u * 390.0) as usize;
        let lines = self.lines(n);
        Source { path, lines }
    }

    /// An edit at one place: lines inserted, some removed or rewritten. Long files lose
    /// more than they gain, as refactorings split them.
    fn edit(&mut self, i: usize) {
        let len = self.sources[i].lines.len();
        let long = len > 900;
        let at = self.rng.below(len + 1);
        let removed = if long { self.rng.between(20, 80) } else { self.rng.below(4) };
        let added = self.rng.between(1, if long { 5 } else { 14 });
        let new = self.lines(added);
        let end = (at + removed).min(len);
        self.sources[i].lines.splice(at..end, new);
        for _ in 0..self.rng.below(3) {
            let len = self.sources[i].lines.len();
            if len > 0 {
                let j = self.rng.below(len);
                self.sources[i].lines[j] = self.line();
            }
        }
    }

    /// Which file an edit touches: the first files (the project's core) far more often than
    /// the later ones.
    fn hot(&mut self) -> usize {
        let u = self.rng.unit();
        ((u.powf(1.8) * self.sources.len() as f64) as usize).min(self.sources.len() - 1)
    }

    fn readme_text(&self) -> Vec<u8> {
        let mut out = self.readme.join("\n\n");
        out.push('\n');
        out.into_bytes()
    }

    fn paragraph(&mut self) -> String {
        let sentences = self.rng.between(2, 5);
        let mut out = String::new();
        for s in 0..sentences {
            if s > 0 {
                out.push(' ');
            }
            let text = self.comment_text();
            out.push_str(&capitalise(&text));
            out.push('.');
        }
        out
    }

    fn message(&mut self, files: &[(String, Option<Vec<u8>>)]) -> String {
        let module = files
            .first()
            .and_then(|(p, _)| {
                p.split('/').nth(1).map(|m| m.trim_end_matches(&format!(".{}", self.lang.ext())).to_string())
            })
            .unwrap_or_else(|| "docs".into());
        let mut out = if self.rng.chance(0.3) {
            let kind = *self.rng.pick(&["fix", "feat", "refactor", "docs", "test", "chore"]);
            format!("{kind}({module}): {} {}", self.rng.pick(&METHODS), self.word().replace('_', " "))
        } else {
            let verb = *self.rng.pick(&["Corrige", "Revoit", "Simplifie", "Accélère", "Documente", "Teste", "Reprend"]);
            let what =
                *self.rng.pick(&["le calcul du", "l'export du", "la validation du", "l'affichage du", "le tri par"]);
            format!("{verb} {what} {} dans {module}", self.word().replace('_', " "))
        };
        if self.rng.chance(0.25) {
            out.push_str("\n\n");
            let body = self.paragraph();
            out.push_str(&body);
        }
        out.push('\n');
        out
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn camel(s: &str) -> String {
    let mut parts = s.split('_');
    let mut out = parts.next().unwrap_or_default().to_string();
    for p in parts {
        out.push_str(&capitalise(p));
    }
    out
}

/// The notice the GNU project asks programs under the AGPL to carry, which the harvest's
/// licence recognition knows.
const AGPL_NOTICE: &str = "This program is free software: you can redistribute it and/or modify it under \
the terms of the GNU Affero General Public License as published by the Free Software Foundation, \
either version 3 of the License, or (at your option) any later version.\n\n\
This program is distributed in the hope that it will be useful, but WITHOUT ANY WARRANTY; without \
even the implied warranty of MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE. See the GNU \
Affero General Public License for more details.\n\n\
You should have received a copy of the GNU Affero General Public License along with this program. \
If not, see <https://www.gnu.org/licenses/>.\n";

const PUBLICCODE: &str = include_str!("../../../fixtures/publiccode/decidim.yml");

/// Commit times: months of uneven activity (a busy release month, a quiet summer), working
/// hours, few week-ends; sorted, none after `end`.
fn commit_times(rng: &mut Rng, n: usize, start: i64, end: i64) -> Vec<i64> {
    const DAY: i64 = 86_400;
    const MONTH: i64 = 30 * DAY;
    let months = ((end - start) / MONTH).max(1) as usize;
    let mut cumulative = Vec::with_capacity(months);
    let mut total = 0.0;
    for _ in 0..months {
        total += (3.0 * (rng.unit() - 0.5)).exp();
        cumulative.push(total);
    }
    let mut times: Vec<i64> = (0..n)
        .map(|_| {
            let x = rng.unit() * total;
            let month = cumulative.partition_point(|&c| c <= x).min(months - 1) as i64;
            let mut day = (start + month * MONTH) / DAY + rng.below(30) as i64;
            // 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays.
            let weekday = (day + 3).rem_euclid(7);
            if weekday >= 5 && rng.chance(0.8) {
                day -= weekday - 4;
            }
            let t = day * DAY + (8 * 3600) + rng.below(11 * 3600) as i64;
            t.clamp(start, end)
        })
        .collect();
    times.sort_unstable();
    times
}

fn generate(repo: &Repo, anchor: DateTime<Utc>) -> History {
    const DAY: i64 = 86_400;
    let mut rng = Rng::new(repo.seed);
    let now = anchor.timestamp();
    let (start_days, end_days, author_count, releases) = match repo.size {
        Size::Large => (1826, rng.below(3), 40, 150),
        Size::Medium => (rng.between(1100, 1826), rng.below(20), rng.between(10, 16), 40),
        Size::Small => {
            let start = rng.between(180, 1826);
            // A third of the small projects stopped a year or two ago.
            let end = if rng.chance(0.33) { rng.between(400, 900).min(start - 60) } else { rng.below(60) };
            (start, end, rng.between(2, 6), rng.between(2, 8))
        }
    };
    let (start, end) = (now - start_days as i64 * DAY, now - end_days as i64 * DAY);
    let times = commit_times(&mut rng, repo.commits, start, end);

    // Authors: Zipf-like shares, each active over a part of the project's life (the first one
    // throughout), drawn among those active at the commit's time.
    let mut names: Vec<(usize, usize)> =
        (0..FIRST_NAMES.len()).flat_map(|f| (0..LAST_NAMES.len()).map(move |l| (f, l))).collect();
    rng.shuffle(&mut names);
    let authors: Vec<Author> = names[..author_count]
        .iter()
        .map(|&(f, l)| {
            let domain = rng.pick(&MAIL_DOMAINS);
            Author {
                name: format!("{} {}", FIRST_NAMES[f].0, LAST_NAMES[l].0),
                email: format!("{}.{}@{domain}", FIRST_NAMES[f].1, LAST_NAMES[l].1),
            }
        })
        .collect();
    let span = (end - start).max(1) as f64;
    let active: Vec<(i64, i64, f64)> = (0..author_count)
        .map(|i| {
            let weight = 1.0 / ((i + 1) as f64).powf(0.9);
            if i == 0 {
                (start, end, weight)
            } else {
                let from = start + (rng.unit() * 0.7 * span) as i64;
                let to = from + ((0.3 + rng.unit() * 0.7) * span) as i64;
                (from, to, weight)
            }
        })
        .collect();

    let lang = *rng.pick(&[Lang::Python, Lang::Php, Lang::JavaScript, Lang::Rust]);
    let project = repo.dir.trim_end_matches(".git").to_string();
    let mut w = Writer {
        rng,
        lang,
        project: project.clone(),
        modules: Vec::new(),
        sources: Vec::new(),
        paths: HashSet::new(),
        readme: Vec::new(),
        changelog: vec!["# Journal des modifications".into()],
        table: None,
    };
    for _ in 0..w.rng.between(3, 8) {
        let m = w.ident();
        if !w.modules.contains(&m) {
            w.modules.push(m);
        }
    }
    w.readme.push(format!("# {}", capitalise(&w.project.replace('-', " "))));
    for _ in 0..w.rng.between(3, 8) {
        let p = w.paragraph();
        w.readme.push(p);
    }
    w.readme.push(format!(
        "## Installation\n\n```sh\ngit clone https://forge.example.org/{}.git\ncd {}\nmake install\n```",
        w.project, w.project
    ));
    if w.rng.chance(0.4) {
        w.table = Some(vec!["code_insee;nom;population;siren_epci".into()]);
    }

    // The first commit: the project's files and its first sources.
    let year = DateTime::from_timestamp(times[0], 0).expect("a valid time").year();
    let mut first: Vec<(String, Option<Vec<u8>>)> = vec![
        ("README.md".into(), Some(w.readme_text())),
        (
            "LICENSE".into(),
            Some(format!("Copyright (C) {year} Les contributeurs de {}\n\n{AGPL_NOTICE}", w.project).into_bytes()),
        ),
        (".gitignore".into(), Some(b"/target\n/node_modules\n/vendor\n__pycache__/\n*.log\n.env\n".to_vec())),
    ];
    if w.rng.chance(0.5) {
        first.push(("publiccode.yml".into(), Some(PUBLICCODE.as_bytes().to_vec())));
    }
    if w.rng.chance(0.5) {
        first.push((
            "CONTRIBUTING.md".into(),
            Some(b"# Contribuer\n\nOuvrez un ticket avant une demande de fusion.\n".to_vec()),
        ));
    }
    for _ in 0..w.rng.between(8, 30) {
        let s = w.new_source(false);
        first.push((s.path.clone(), Some(s.bytes())));
        w.sources.push(s);
    }

    let gap = (repo.commits / (releases + 1)).max(1);
    let mut release_at: Vec<usize> =
        (1..=releases).map(|k| (k * gap + w.rng.below(gap / 2 + 1)).min(repo.commits - 1)).collect();
    release_at.dedup();
    let mut next_release = 0;
    let mut version = (0u32, 1u32, 0u32);
    let prefix = if w.rng.chance(0.8) { "v" } else { "" };
    let mut tags = Vec::new();

    let mut commits = Vec::with_capacity(repo.commits);
    for (index, &t) in times.iter().enumerate() {
        let when = DateTime::from_timestamp(t, 0).expect("a valid time");
        let mut files: Vec<(String, Option<Vec<u8>>)> = Vec::new();
        if index == 0 {
            files = std::mem::take(&mut first);
        } else {
            let r = w.rng.unit();
            if r < 0.62 {
                let i = w.hot();
                w.edit(i);
                files.push((w.sources[i].path.clone(), Some(w.sources[i].bytes())));
            } else if r < 0.80 {
                let mut touched = Vec::new();
                for _ in 0..w.rng.between(2, 4) {
                    let i = w.hot();
                    w.edit(i);
                    if !touched.contains(&i) {
                        touched.push(i);
                    }
                }
                for i in touched {
                    files.push((w.sources[i].path.clone(), Some(w.sources[i].bytes())));
                }
            } else if r < 0.93 {
                let tests = w.rng.chance(0.2);
                let s = w.new_source(tests);
                files.push((s.path.clone(), Some(s.bytes())));
                w.sources.push(s);
            } else if r < 0.96 && w.sources.len() > 12 {
                // Not one of the core files.
                let i = w.rng.between(8, w.sources.len() - 1);
                let s = w.sources.remove(i);
                w.paths.remove(&s.path);
                files.push((s.path, None));
            } else {
                let len = w.readme.len();
                if w.rng.chance(0.5) || len < 3 {
                    let p = w.paragraph();
                    w.readme.insert(len - 1, p);
                } else {
                    let i = w.rng.between(1, len - 2);
                    w.readme[i] = w.paragraph();
                }
                files.push(("README.md".into(), Some(w.readme_text())));
            }
            if w.table.is_some() && w.rng.chance(0.01) {
                let rows: Vec<String> = (0..w.rng.between(20, 40))
                    .map(|_| {
                        format!(
                            "{:05};{};{};2{:08}",
                            w.rng.below(100_000),
                            capitalise(&w.word().replace('_', "-")),
                            w.rng.below(200_000),
                            w.rng.below(100_000_000)
                        )
                    })
                    .collect();
                let table = w.table.as_mut().expect("checked");
                table.extend(rows);
                let mut text = table.join("\n");
                text.push('\n');
                files.push(("data/referentiel.csv".into(), Some(text.into_bytes())));
            }
            // Projects of this age also carry images, fonts and test fixtures: most of a real
            // large repository's bytes, and bytes that do not compress.
            if !matches!(repo.size, Size::Small) && w.rng.chance(0.03) {
                let len = w.rng.between(40_000, 240_000);
                let mut blob = Vec::with_capacity(len + 8);
                while blob.len() < len {
                    blob.extend_from_slice(&w.rng.next_u64().to_le_bytes());
                }
                files.push((format!("assets/images/{}-{index}.png", w.word()), Some(blob)));
            }
        }
        if release_at.get(next_release) == Some(&index) {
            next_release += 1;
            version = match w.rng.below(20) {
                0 => (version.0 + 1, 0, 0),
                1..=4 => (version.0, version.1 + 1, 0),
                _ => (version.0, version.1, version.2 + 1),
            };
            let name = format!("{}.{}.{}", version.0, version.1, version.2);
            let mut entry = format!("## {name} ({})\n", when.format("%Y-%m-%d"));
            for _ in 0..w.rng.between(2, 8) {
                let line = w.comment_text();
                let _ = write!(entry, "\n- {}", capitalise(&line));
            }
            w.changelog.insert(1, entry);
            let mut text = w.changelog.join("\n\n");
            text.push('\n');
            files.retain(|(p, _)| p != "CHANGELOG.md");
            files.push(("CHANGELOG.md".into(), Some(text.into_bytes())));
            tags.push(TagSpec { name: format!("{prefix}{name}"), commit: index, annotated: w.rng.chance(0.6) });
        }
        let eligible: Vec<(usize, f64)> = active
            .iter()
            .enumerate()
            .filter(|(_, (from, to, _))| (*from..=*to).contains(&t))
            .map(|(i, (_, _, weight))| (i, *weight))
            .collect();
        let author = if eligible.is_empty() {
            0
        } else {
            let total: f64 = eligible.iter().map(|e| e.1).sum();
            let mut x = w.rng.unit() * total;
            eligible
                .iter()
                .find(|e| {
                    x -= e.1;
                    x < 0.0
                })
                .map_or(eligible[eligible.len() - 1].0, |e| e.0)
        };
        let message = if index == 0 { "Premier import\n".to_string() } else { w.message(&files) };
        commits.push(CommitSpec { author, when, message, files });
    }
    // Tags that are not releases, as projects have them.
    let marker = w.rng.below(repo.commits);
    tags.push(TagSpec { name: "avant-refonte".into(), commit: marker, annotated: false });
    if repo.commits > 1000 {
        tags.push(TagSpec {
            name: "demo-salon-des-maires".into(),
            commit: repo.commits - 1 - marker / 2,
            annotated: false,
        });
    }
    History { branch: "main".into(), authors, commits, tags }
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
