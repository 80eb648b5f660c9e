//! The facts of a mirror, read at HEAD of its default branch: the documentation files, the
//! licence, the publiccode.yml with its findings, the release tags and a year of activity.
//! Nothing of the repository is executed, and no file over the size limit is read: its
//! size is asked of the object database first.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use catalog::{
    Activity, DocumentationFiles, FailureClass, LicenceFile, PubliccodeFile, Release, RepositorySnapshot, RELEASES_KEPT,
};
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use git2::{ObjectType, Oid, Repository, Sort, Tree};

use super::{licence, readme, Failure, Limits};

/// The activity window: the year before the harvest.
pub const WINDOW_DAYS: u32 = 365;

/// Branches taken as the default, in this order, when the remote's HEAD names none (its
/// default branch was deleted).
const FALLBACK_BRANCHES: [&str; 4] = ["main", "master", "trunk", "develop"];

pub fn read(
    path: &Path,
    now: DateTime<Utc>,
    limits: &Limits,
    deadline: Instant,
) -> Result<RepositorySnapshot, Failure> {
    let repo = Repository::open_bare(path).map_err(|e| other("cannot open the mirror", &e))?;
    let branch = default_branch(&repo)?;
    let head = repo
        .find_reference(&format!("refs/heads/{branch}"))
        .and_then(|r| r.peel_to_commit())
        .map_err(|e| other("cannot read the default branch", &e))?;
    let tree = head.tree().map_err(|e| other("cannot read the tree at HEAD", &e))?;
    let files = documentation_files(&repo, &tree);

    let read_blob = |path: &str| read_limited(&repo, &tree, path, limits.max_file_bytes);
    let readme = files.readme.as_deref().map(|p| match read_blob(p) {
        Some(bytes) => readme::render(p, &bytes, false),
        None => readme::render(p, b"", true),
    });
    let licence = files.licence.as_deref().map(|p| LicenceFile {
        path: p.to_string(),
        spdx: read_blob(p).and_then(|b| licence::recognise(&String::from_utf8_lossy(&b)).map(str::to_string)),
    });
    let publiccode = files.publiccode.as_deref().map(|p| publiccode_file(&repo, &tree, p, limits));

    let (releases, release_count) = releases(&repo)?;
    // The .mailmap is read within the size limit like any file (libgit2 would read it whole).
    let mailmap = read_blob(".mailmap").and_then(|b| git2::Mailmap::from_buffer(&String::from_utf8_lossy(&b)).ok());
    let walk = walk(&repo, head.id(), now, mailmap.as_ref(), deadline)?;
    let head_date = time(&head.committer().when());
    let snapshot = RepositorySnapshot {
        harvested_at: now,
        default_branch: branch,
        head_commit: head.id().to_string(),
        head_date,
        readme,
        licence,
        files,
        publiccode,
        releases,
        release_count,
        activity: walk.activity,
        first_commit_date: walk.first_commit,
        total_commits: walk.total,
        mirror_bytes: folder_bytes(path),
    };
    Ok(snapshot)
}

fn other(what: &str, e: &git2::Error) -> Failure {
    Failure::new(FailureClass::Other, format!("{what}: {}", e.message()))
}

fn time(t: &git2::Time) -> DateTime<Utc> {
    Utc.timestamp_opt(t.seconds(), 0).single().unwrap_or_default()
}

fn default_branch(repo: &Repository) -> Result<String, Failure> {
    if let Ok(head) = repo.find_reference("HEAD") {
        if let Some(target) = head.symbolic_target().ok().flatten() {
            if let Some(name) = target.strip_prefix("refs/heads/") {
                if repo.find_reference(target).is_ok() {
                    return Ok(name.to_string());
                }
            }
        }
    }
    let mut branches: Vec<String> = repo
        .references_glob("refs/heads/*")
        .map_err(|e| other("cannot list branches", &e))?
        .filter_map(|r| r.ok().and_then(|r| r.name().ok().map(|n| n.trim_start_matches("refs/heads/").to_string())))
        .collect();
    branches.sort();
    FALLBACK_BRANCHES
        .iter()
        .find(|b| branches.iter().any(|x| x == *b))
        .map(|b| b.to_string())
        .or_else(|| branches.into_iter().next())
        .ok_or_else(|| Failure::new(FailureClass::Empty, "the repository has no branch"))
}

/// The kinds of documentation file, each with the names it goes by (compared without case
/// and extension), and the folders where forges also look for it.
const DOCUMENTS: [(&str, &[&str], &[&str]); 7] = [
    ("readme", &["readme"], &[]),
    ("licence", &["license", "licence", "copying", "unlicense"], &[]),
    ("contributing", &["contributing"], &[".github", "docs"]),
    ("changelog", &["changelog", "changes", "history", "news", "releases"], &["docs"]),
    ("security", &["security"], &[".github", "docs"]),
    ("code_of_conduct", &["code_of_conduct", "code-of-conduct"], &[".github", "docs"]),
    ("publiccode", &[], &[]),
];

fn documentation_files(repo: &Repository, tree: &Tree<'_>) -> DocumentationFiles {
    let mut found: HashMap<&str, String> = HashMap::new();
    let blobs = |t: &Tree<'_>, prefix: &str| -> Vec<String> {
        let mut names: Vec<String> = t
            .iter()
            .filter(|e| e.kind() == Some(ObjectType::Blob))
            .filter_map(|e| e.name().ok().map(|n| format!("{prefix}{n}")))
            .collect();
        // Prefer README.md over README.txt over README: the shortest extension that renders.
        names.sort_by_key(|n| (!n.to_lowercase().ends_with(".md"), n.len(), n.clone()));
        names
    };
    let root = blobs(tree, "");
    for name in &root {
        let lower = name.to_lowercase();
        if lower == "publiccode.yml" || lower == "publiccode.yaml" {
            found.entry("publiccode").or_insert_with(|| name.clone());
        }
    }
    for (kind, names, folders) in DOCUMENTS {
        let matches = |path: &str| {
            let file = path.rsplit('/').next().unwrap_or(path).to_lowercase();
            let stem = file.split('.').next().unwrap_or(&file).to_string();
            names.contains(&stem.as_str())
        };
        if let Some(n) = root.iter().find(|n| matches(n)) {
            found.entry(kind).or_insert_with(|| n.clone());
            continue;
        }
        for folder in folders {
            let Some(sub) = tree.get_name(folder).filter(|e| e.kind() == Some(ObjectType::Tree)) else { continue };
            let Ok(sub) = repo.find_tree(sub.id()) else { continue };
            if let Some(n) = blobs(&sub, &format!("{folder}/")).iter().find(|n| matches(n)) {
                found.entry(kind).or_insert_with(|| n.clone());
                break;
            }
        }
    }
    let mut take = |k: &str| found.remove(k);
    DocumentationFiles {
        readme: take("readme"),
        licence: take("licence"),
        contributing: take("contributing"),
        changelog: take("changelog"),
        security: take("security"),
        code_of_conduct: take("code_of_conduct"),
        publiccode: take("publiccode"),
    }
}

/// The content of the blob at `path`, or `None` when there is none or it is larger than
/// `max` bytes (its size is read from the object's header, before its content).
fn read_limited(repo: &Repository, tree: &Tree<'_>, path: &str, max: u64) -> Option<Vec<u8>> {
    let entry = tree.get_path(Path::new(path)).ok()?;
    if entry.kind() != Some(ObjectType::Blob) {
        return None;
    }
    let odb = repo.odb().ok()?;
    let (size, _) = odb.read_header(entry.id()).ok()?;
    if size as u64 > max {
        return None;
    }
    repo.find_blob(entry.id()).ok().map(|b| b.content().to_vec())
}

/// The repository's files at HEAD, for the publiccode.yml's checks of the files it names.
struct TreeFiles<'r> {
    repo: &'r Repository,
    tree: &'r Tree<'r>,
    folder: String,
    max: u64,
}

impl publiccode::Files for TreeFiles<'_> {
    fn head(&self, relative_path: &str, max: usize) -> Option<Vec<u8>> {
        let path =
            if self.folder.is_empty() { relative_path.to_string() } else { format!("{}/{relative_path}", self.folder) };
        let mut bytes = read_limited(self.repo, self.tree, &path, self.max)?;
        bytes.truncate(max);
        Some(bytes)
    }
}

fn publiccode_file(repo: &Repository, tree: &Tree<'_>, path: &str, limits: &Limits) -> PubliccodeFile {
    let finding = |f: &publiccode::Finding| catalog::Finding {
        key: f.key.clone(),
        message: f.message.clone(),
        line: f.line,
        column: f.column,
    };
    let limit = limits.max_file_bytes.min(publiccode::MAX_FILE_BYTES as u64);
    let Some(bytes) = read_limited(repo, tree, path, limit) else {
        return PubliccodeFile {
            path: path.to_string(),
            valid: false,
            errors: vec![catalog::Finding {
                key: String::new(),
                message: format!("larger than {limit} bytes: not read"),
                line: 0,
                column: 0,
            }],
            warnings: Vec::new(),
            text: None,
        };
    };
    let folder = path.rsplit_once('/').map(|(f, _)| f.to_string()).unwrap_or_default();
    let files = TreeFiles { repo, tree, folder, max: limits.max_file_bytes };
    let report = publiccode::validate_with(&bytes, &publiccode::Options { files: Some(&files) });
    PubliccodeFile {
        path: path.to_string(),
        valid: report.is_valid(),
        errors: report.errors.iter().map(finding).collect(),
        warnings: report.warnings.iter().map(finding).collect(),
        text: String::from_utf8(bytes).ok(),
    }
}

/// Whether a tag names a release: a version number, possibly after `v` or a word and a
/// separator (`v1.2.3`, `2024.03`, `release-3.1`, `geocity-2.4.0-rc1`), with at least two
/// numbers, or `v` and one (`v2`). `latest`, `stable` and `build-42` are not releases.
pub fn is_release_tag(name: &str) -> bool {
    let name = name.rsplit('/').next().unwrap_or(name);
    let candidates = std::iter::once(name)
        .chain(name.char_indices().filter(|(_, c)| matches!(c, '-' | '_' | '/')).map(|(i, _)| &name[i + 1..]));
    for rest in candidates {
        let (v_prefixed, rest) = match rest.strip_prefix(['v', 'V']) {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let version = rest.split(['-', '+', '~']).next().unwrap_or("");
        let parts: Vec<&str> = version.split('.').collect();
        if parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            && (parts.len() >= 2 || v_prefixed)
        {
            return true;
        }
    }
    false
}

fn releases(repo: &Repository) -> Result<(Vec<Release>, u32), Failure> {
    let mut out = Vec::new();
    let tags = repo.references_glob("refs/tags/*").map_err(|e| other("cannot list tags", &e))?;
    for tag in tags.flatten() {
        let Some(name) = tag.name().ok().map(|n| n.trim_start_matches("refs/tags/").to_string()) else { continue };
        if !is_release_tag(&name) {
            continue;
        }
        let Ok(commit) = tag.peel_to_commit() else { continue };
        // An annotated tag's own date says when the release was made; a light one has only
        // its commit's.
        let date = tag
            .peel_to_tag()
            .ok()
            .and_then(|t| t.tagger().map(|s| time(&s.when())))
            .unwrap_or_else(|| time(&commit.committer().when()));
        out.push(Release { tag: name, commit: commit.id().to_string(), date });
    }
    out.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| b.tag.cmp(&a.tag)));
    let count = out.len() as u32;
    out.truncate(RELEASES_KEPT);
    Ok((out, count))
}

struct Walk {
    activity: Activity,
    first_commit: DateTime<Utc>,
    total: u64,
}

/// Walks every commit reachable from HEAD once: the whole history for the project's age,
/// the last year for its activity. Commits count at their committer date (when they
/// landed); authors are told apart by e-mail, after the repository's .mailmap.
fn walk(
    repo: &Repository,
    head: Oid,
    now: DateTime<Utc>,
    mailmap: Option<&git2::Mailmap>,
    deadline: Instant,
) -> Result<Walk, Failure> {
    let start = now - Duration::days(WINDOW_DAYS as i64);
    let mut revwalk = repo.revwalk().map_err(|e| other("cannot walk the history", &e))?;
    revwalk.set_sorting(Sort::NONE).map_err(|e| other("cannot walk the history", &e))?;
    revwalk.push(head).map_err(|e| other("cannot walk the history", &e))?;
    // 13 calendar months: the window's 365 days reach into the month a year back.
    let months: Vec<(i32, u32)> = (0..13).rev().map(|back| month_back(now, back)).collect();
    let mut monthly = vec![0u32; months.len()];
    let mut by_author: HashMap<String, u64> = HashMap::new();
    let (mut total, mut commits) = (0u64, 0u64);
    let mut first_ever: Option<DateTime<Utc>> = None;
    let mut first: Option<DateTime<Utc>> = None;
    let mut last: Option<DateTime<Utc>> = None;
    for oid in revwalk {
        let oid = oid.map_err(|e| other("cannot walk the history", &e))?;
        let commit = repo.find_commit(oid).map_err(|e| other("cannot read a commit", &e))?;
        total += 1;
        if total % 4096 == 0 && Instant::now() > deadline {
            return Err(Failure::new(FailureClass::TimedOut, "reading the history took longer than the limit"));
        }
        let when = time(&commit.committer().when());
        first_ever = Some(first_ever.map_or(when, |f| f.min(when)));
        if when < start || when > now {
            continue;
        }
        commits += 1;
        first = Some(first.map_or(when, |f| f.min(when)));
        last = Some(last.map_or(when, |l| l.max(when)));
        let author = match mailmap {
            Some(m) => commit.author_with_mailmap(m).ok().and_then(|s| s.email().ok().map(str::to_lowercase)),
            None => commit.author().email().ok().map(str::to_lowercase),
        };
        *by_author.entry(author.unwrap_or_default()).or_default() += 1;
        if let Some(i) = months.iter().position(|m| *m == (when.year(), when.month())) {
            monthly[i] += 1;
        }
    }
    let mut shares: Vec<u64> = by_author.values().copied().collect();
    shares.sort_unstable_by(|a, b| b.cmp(a));
    let mut bus_factor = 0u64;
    let mut covered = 0u64;
    for n in &shares {
        if covered * 2 >= commits {
            break;
        }
        covered += n;
        bus_factor += 1;
    }
    Ok(Walk {
        activity: Activity {
            window_days: WINDOW_DAYS,
            commits,
            authors: by_author.len() as u64,
            bus_factor,
            first_commit: first,
            last_commit: last,
            monthly_commits: monthly,
        },
        first_commit: first_ever.unwrap_or(now),
        total,
    })
}

/// The (year, month) `back` months before `now`'s.
fn month_back(now: DateTime<Utc>, back: u32) -> (i32, u32) {
    let index = now.year() * 12 + now.month0() as i32 - back as i32;
    (index.div_euclid(12), index.rem_euclid(12) as u32 + 1)
}

/// Bytes of the files under `path`, as a mirror takes them on disk.
pub fn folder_bytes(path: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(entry.path()),
                Ok(t) if t.is_file() => total += entry.metadata().map(|m| m.len()).unwrap_or(0),
                _ => {}
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_tags_are_version_numbers() {
        for yes in
            ["v1.2.3", "1.2", "2024.03", "release-3.1", "geocity-2.4.0-rc1", "v2", "V10.0.1+build.5", "releases/1.0"]
        {
            assert!(is_release_tag(yes), "{yes}");
        }
        for no in ["latest", "stable", "build-42", "v", "1", "nightly-2024", "v1.x", "", "-", "1..2"] {
            assert!(!is_release_tag(no), "{no}");
        }
    }

    #[test]
    fn months_count_back_across_years() {
        let now = Utc.with_ymd_and_hms(2026, 2, 10, 0, 0, 0).unwrap();
        assert_eq!(month_back(now, 0), (2026, 2));
        assert_eq!(month_back(now, 1), (2026, 1));
        assert_eq!(month_back(now, 2), (2025, 12));
        assert_eq!(month_back(now, 11), (2025, 3));
    }
}
