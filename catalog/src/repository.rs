//! What a harvest learns about a repository: the facts read at HEAD of its default branch,
//! the health score explained part by part, and the failures, which are facts too. The
//! harvester (in `indexer`) fills these; the catalog stores and serves them.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The facts of one harvest, read at HEAD of the default branch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepositorySnapshot {
    pub harvested_at: DateTime<Utc>,
    pub default_branch: String,
    pub head_commit: String,
    pub head_date: DateTime<Utc>,
    pub readme: Option<Readme>,
    pub licence: Option<LicenceFile>,
    pub files: DocumentationFiles,
    pub publiccode: Option<PubliccodeFile>,
    /// Tags that look like releases, the latest first (at most `RELEASES_KEPT`).
    pub releases: Vec<Release>,
    /// How many tags look like releases, in all.
    pub release_count: u32,
    pub activity: Activity,
    /// The oldest commit reachable from HEAD: how old the project is.
    pub first_commit_date: DateTime<Utc>,
    /// Commits reachable from HEAD, in all.
    pub total_commits: u64,
    /// Bytes the mirror takes on disk.
    pub mirror_bytes: u64,
}

/// How many releases a snapshot lists; `release_count` counts them all.
pub const RELEASES_KEPT: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Readme {
    /// Path in the repository, such as `README.md`.
    pub path: String,
    /// `markdown` or `text`.
    pub format: String,
    /// Markdown rendered to HTML and sanitised; `None` for plain text.
    pub html: Option<String>,
    /// The words of the README without markup, for search and summaries.
    pub text: String,
    /// Whether the file was over the harvest's size limit and not read (`text` is then
    /// empty).
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicenceFile {
    pub path: String,
    /// The SPDX identifier when the text was recognised.
    pub spdx: Option<String>,
}

/// Paths of the documentation files found, `None` when there is none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocumentationFiles {
    pub readme: Option<String>,
    pub licence: Option<String>,
    pub contributing: Option<String>,
    pub changelog: Option<String>,
    pub security: Option<String>,
    pub code_of_conduct: Option<String>,
    pub publiccode: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PubliccodeFile {
    pub path: String,
    pub valid: bool,
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
    /// The file itself, when it could be read as UTF-8 within the size limit.
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub key: String,
    pub message: String,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub tag: String,
    pub commit: String,
    pub date: DateTime<Utc>,
}

/// Activity over the window that ends at the harvest (`window_days`, 365).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub window_days: u32,
    pub commits: u64,
    /// Distinct authors, by e-mail address (after the repository's .mailmap).
    pub authors: u64,
    /// How few authors made half of the window's commits (0 when there were none).
    pub bus_factor: u64,
    pub first_commit: Option<DateTime<Utc>>,
    pub last_commit: Option<DateTime<Utc>>,
    /// Commits per calendar month, oldest first, the last being the month of the harvest:
    /// 13 months, since the window's 365 days reach into the month a year back.
    pub monthly_commits: Vec<u32>,
}

/// A score from 0 to 100 and how it is made: every part with its weight (the most points
/// it can give), the points it gave, and the fact behind them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub score: u32,
    pub parts: Vec<HealthPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthPart {
    /// `activity`, `contributors`, `releases`, `licence`, `publiccode`, `documentation`, `age`.
    pub key: String,
    pub weight: u32,
    pub points: u32,
    /// The fact, in words: "38 commits in the last 12 months".
    pub fact: String,
}

impl Health {
    /// The band of a score that search facets and pages use (`unknown` without one): the
    /// one place its thresholds are written.
    pub fn band_of(score: Option<u32>) -> &'static str {
        score.map_or("unknown", Health::band)
    }

    /// The band search facets and pages use.
    pub fn band(score: u32) -> &'static str {
        match score {
            70.. => "good",
            40..=69 => "fair",
            _ => "poor",
        }
    }
}

/// Why a harvest failed, in classes a person can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// The URL was refused before any connection (scheme, or a private address).
    Refused,
    /// The host does not resolve or does not answer.
    Unreachable,
    AuthenticationRequired,
    NotGit,
    Empty,
    TooLarge,
    TimedOut,
    /// Anything else; the message says what.
    Other,
}

impl FailureClass {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureClass::Refused => "refused",
            FailureClass::Unreachable => "unreachable",
            FailureClass::AuthenticationRequired => "authentication_required",
            FailureClass::NotGit => "not_git",
            FailureClass::Empty => "empty",
            FailureClass::TooLarge => "too_large",
            FailureClass::TimedOut => "timed_out",
            FailureClass::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<FailureClass> {
        [
            FailureClass::Refused,
            FailureClass::Unreachable,
            FailureClass::AuthenticationRequired,
            FailureClass::NotGit,
            FailureClass::Empty,
            FailureClass::TooLarge,
            FailureClass::TimedOut,
            FailureClass::Other,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    /// What the public is told of a failure of this class. What the remote answered stays
    /// in the log and the operator's view (`communs repo status`): an answer from a host
    /// the harvester should not have reached must not be echoed to whoever planted it.
    pub fn public_text(self) -> &'static str {
        match self {
            FailureClass::Refused => "the address was refused: it is not a public repository address",
            FailureClass::Unreachable => "the host does not exist or did not answer",
            FailureClass::AuthenticationRequired => "the repository asks for credentials: it is not public",
            FailureClass::NotGit => "the address does not serve a git repository",
            FailureClass::Empty => "the repository has no commit yet",
            FailureClass::TooLarge => "the repository is over the harvest's size limit",
            FailureClass::TimedOut => "the harvest took longer than its time limit",
            FailureClass::Other => "the harvest failed; the operator's log says why",
        }
    }
}

impl fmt::Display for FailureClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HarvestFailure {
    pub class: FailureClass,
    pub message: String,
    pub at: DateTime<Utc>,
    /// Failures in a row; the wait before the next try grows with it.
    pub consecutive: u32,
}

impl HarvestFailure {
    /// The failure as the public sees it: its class in words, not the remote's answer.
    pub fn for_public(self) -> HarvestFailure {
        HarvestFailure { message: self.class.public_text().to_string(), ..self }
    }
}

/// How a repository's harvests go, with its latest snapshot and health, as a software's
/// page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepositoryHarvest {
    /// When the last harvest ended, whatever its outcome.
    pub last_harvest: Option<DateTime<Utc>>,
    /// `cloned`, `updated`, `unchanged` or `failed`.
    pub last_outcome: Option<String>,
    /// When the next harvest is due (`None`: at the next run).
    pub next_harvest: Option<DateTime<Utc>>,
    pub last_error: Option<HarvestFailure>,
    pub snapshot: Option<RepositorySnapshot>,
    pub health: Option<Health>,
}

/// How long to wait before trying again a repository whose harvest failed `consecutive`
/// times in a row: 15 minutes, doubled at each failure, at most a week. A host that is down
/// for an afternoon is tried again the same day; a repository that is gone is tried weekly.
pub fn retry_delay(consecutive: u32) -> chrono::Duration {
    let minutes = 15i64.saturating_mul(1i64 << consecutive.saturating_sub(1).min(20));
    chrono::Duration::minutes(minutes.min(7 * 24 * 60))
}

/// A repository a harvester has claimed: what it needs to harvest it.
#[derive(Debug, Clone, PartialEq)]
pub struct HarvestJob {
    pub repository_id: i64,
    pub software: String,
    /// The address on the record.
    pub url: String,
    /// Where to fetch from when it is not `url` (the demo's local copies).
    pub fetch_url: Option<String>,
    /// The snapshot stored last, if any, to tell whether facts must be read again.
    pub last_snapshot_at: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
}

impl HarvestJob {
    pub fn source(&self) -> &str {
        self.fetch_url.as_deref().unwrap_or(&self.url)
    }
}

/// Which repositories a harvest run takes.
#[derive(Debug, Clone, PartialEq)]
pub enum HarvestSelection {
    /// Those whose next harvest is due.
    Due,
    All,
    Software(String),
}

/// How a harvest of one repository ended.
#[derive(Debug, Clone, PartialEq)]
pub enum HarvestOutcome {
    Cloned(Box<RepositorySnapshot>, Health),
    Updated(Box<RepositorySnapshot>, Health),
    /// The remote advertised the refs the mirror has; facts read again from the mirror when
    /// the last snapshot was old (the 12-month window moves even when the code does not).
    Unchanged(Option<(Box<RepositorySnapshot>, Health)>),
    Failed(FailureClass, String),
}

impl HarvestOutcome {
    pub fn label(&self) -> &'static str {
        match self {
            HarvestOutcome::Cloned(..) => "cloned",
            HarvestOutcome::Updated(..) => "updated",
            HarvestOutcome::Unchanged(_) => "unchanged",
            HarvestOutcome::Failed(..) => "failed",
        }
    }
}
