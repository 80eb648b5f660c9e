//! The harvest bench's corpus: bare repositories of mixed sizes (8 % large, 24 % medium, the
//! rest small) with plausible histories (authors who come and go, releases, a README and a
//! changelog that grow, source files edited a few lines at a time), written from a seed so
//! that two runs on two machines fetch the same bytes. A manifest beside the repositories lets
//! the next run with the same parameters reuse them.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::{DateTime, Datelike, Utc};

use crate::history::{self, Author, CommitSpec, History, TagSpec};
use crate::rng::Rng;

/// Bump when the generator writes something else, so that an old corpus is not reused.
const GENERATOR: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Large,
    Medium,
    Small,
}

impl Size {
    pub fn label(self) -> &'static str {
        match self {
            Size::Large => "large",
            Size::Medium => "medium",
            Size::Small => "small",
        }
    }
}

/// One repository of the corpus, before and after it is written.
#[derive(Debug, Clone)]
pub struct Repo {
    /// Folder under the served folder, `NAME.git`.
    pub dir: String,
    pub size: Size,
    pub commits: usize,
    seed: u64,
    /// Filled in once written (or read back from the manifest).
    pub tags: usize,
    pub bytes: u64,
}

/// The corpus on disk: the repositories under `served`, and how it came to be there.
pub struct Corpus {
    pub served: PathBuf,
    pub repos: Vec<Repo>,
    pub bytes: u64,
    pub anchor: DateTime<Utc>,
    /// None when reused.
    pub generated_in: Option<Duration>,
    pub generated_with: usize,
}

/// How many bytes a folder holds on disk, as the harvester counts them (passed in so that the
/// generator does not depend on the harvester).
pub type FolderBytes = fn(&Path) -> u64;

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
    pub fn ensure(dir: &Path, count: usize, seed: u64, folder_bytes: FolderBytes) -> anyhow::Result<Corpus> {
        let manifest = dir.join("manifest.txt");
        let served = dir.join("repos");
        let key = format!("communs harvest bench corpus\ngenerator {GENERATOR}\nrepos {count}\nseed {seed}\n");
        let mut repos = plan(count, seed);
        if let Ok(text) = std::fs::read_to_string(&manifest) {
            if let Some(rest) = text.strip_prefix(&key) {
                if let Some(corpus) = Corpus::reuse(rest, &served, &mut repos, folder_bytes)? {
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
                            let bytes = folder_bytes(&path);
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
        let bytes = folder_bytes(&served);
        Ok(Corpus { served, repos, bytes, anchor, generated_in: Some(generated_in), generated_with: threads })
    }

    fn reuse(
        rest: &str,
        served: &Path,
        repos: &mut [Repo],
        folder_bytes: FolderBytes,
    ) -> anyhow::Result<Option<Corpus>> {
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
        let bytes = folder_bytes(served);
        Ok(Some(Corpus {
            served: served.to_path_buf(),
            repos: repos.to_vec(),
            bytes,
            anchor,
            generated_in: None,
            generated_with: 0,
        }))
    }

    pub fn commits(&self) -> u64 {
        self.repos.iter().map(|r| r.commits as u64).sum()
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
        let decidim = crate::fixtures::publiccode("decidim").expect("decidim's publiccode.yml is built in");
        first.push(("publiccode.yml".into(), Some(decidim.as_bytes().to_vec())));
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
