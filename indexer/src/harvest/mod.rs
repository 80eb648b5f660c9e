//! One repository's harvest: check its address, bring its bare mirror up to date, read the
//! facts at HEAD and score its health. Blocking (git2): callers run it on threads of their
//! own. Which repositories to harvest, and recording the outcome, is the caller's part
//! (the catalog's leases, the server's workers).

pub mod address;
pub mod facts;
pub mod health;
pub mod licence;
pub mod mirror;
pub mod readme;

use std::path::PathBuf;
use std::sync::Once;
use std::time::{Duration, Instant};

use catalog::{FailureClass, HarvestJob, HarvestOutcome};
use chrono::{DateTime, Utc};

/// The bounds every repository's harvest keeps within.
#[derive(Debug, Clone)]
pub struct Limits {
    /// For the whole harvest of one repository: connecting, fetching, reading facts.
    pub timeout: Duration,
    /// Bytes a fetch may receive.
    pub max_repository_bytes: u64,
    /// Bytes a file read from the repository may have (README, LICENSE, publiccode.yml).
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            timeout: Duration::from_secs(600),
            max_repository_bytes: 2 * 1024 * 1024 * 1024,
            max_file_bytes: 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the mirrors live: `DATA_DIR/mirrors`.
    pub mirrors: PathBuf,
    pub limits: Limits,
    /// Whether `file://` addresses and hosts on loopback or private networks may be
    /// harvested (the tests, an intranet forge): the operator's setting, never implied.
    pub allow_local: bool,
    /// A folder whose `file://` repositories are harvested whatever `allow_local` says: the
    /// demo's own (`DATA_DIR/demo-repositories`), which only the demo loader points
    /// harvests to (no door takes a `file://` address).
    pub trusted_root: Option<PathBuf>,
}

/// Facts are read again from an unchanged mirror when the last snapshot is older than
/// this: the 12-month window moves even when the code does not.
pub const REREAD_AFTER: chrono::Duration = chrono::Duration::hours(24);

/// A failure with its class, before it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub class: FailureClass,
    pub message: String,
}

impl Failure {
    pub fn new(class: FailureClass, message: impl Into<String>) -> Failure {
        Failure { class, message: message.into() }
    }
}

/// Harvests one repository. Never panics on what a repository holds; every way it can go
/// wrong ends as `HarvestOutcome::Failed` with a class.
pub fn harvest(job: &HarvestJob, settings: &Settings, now: DateTime<Utc>) -> HarvestOutcome {
    network_timeouts(&settings.limits);
    let deadline = Instant::now() + settings.limits.timeout;
    let source = job.source();
    let checked = match address::check(source, settings.allow_local, settings.trusted_root.as_deref()) {
        Ok(c) => c,
        Err(r) => return HarvestOutcome::Failed(r.class, r.message),
    };
    let path = mirror::mirror_path(&settings.mirrors, &checked.url);
    let sync = match mirror::sync(&checked.url, &path, &settings.limits, deadline) {
        Ok(s) => s,
        Err(f) => return HarvestOutcome::Failed(f.class, f.message),
    };
    // Read again after a failure too: the last run may have fetched and then failed (or
    // died) before the facts were stored.
    let stale = job.consecutive_failures > 0 || job.last_snapshot_at.is_none_or(|at| now - at > REREAD_AFTER);
    if sync == mirror::Sync::Unchanged && !stale {
        return HarvestOutcome::Unchanged(None);
    }
    let snapshot = match facts::read(&path, now, &settings.limits, deadline) {
        Ok(s) => s,
        Err(f) => return HarvestOutcome::Failed(f.class, f.message),
    };
    let health = health::score(&snapshot, now);
    let snapshot = Box::new(snapshot);
    match sync {
        mirror::Sync::Cloned => HarvestOutcome::Cloned(snapshot, health),
        mirror::Sync::Updated => HarvestOutcome::Updated(snapshot, health),
        mirror::Sync::Unchanged => HarvestOutcome::Unchanged(Some((snapshot, health))),
    }
}

/// Tells libgit2, once per process, to give up on a server that does not answer within the
/// harvest's time limit. Without it a server that accepts the connection and then says
/// nothing would hold a worker's thread for ever: the transfer callbacks that enforce the
/// deadline run only when data arrives.
fn network_timeouts(limits: &Limits) {
    static SET: Once = Once::new();
    let millis = limits.timeout.as_millis().clamp(1, i32::MAX as u128) as i32;
    SET.call_once(|| {
        // SAFETY: git2 marks these setters unsafe because libgit2's global options are not
        // synchronised. They are plain integers read when a connection opens; `Once` sets
        // them before this process's first harvest connects, and never again.
        #[allow(unsafe_code)]
        unsafe {
            let _ = git2::opts::set_server_connect_timeout_in_milliseconds(millis);
            let _ = git2::opts::set_server_timeout_in_milliseconds(millis);
        }
    });
}
