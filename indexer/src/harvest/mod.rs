//! One repository's harvest: check its address, bring its bare mirror up to date, read the
//! facts at HEAD and score its health. Blocking (git2): callers run it on threads of their
//! own. Which repositories to harvest, and recording the outcome, is the caller's part
//! (the catalog's leases, the server's workers).

pub mod address;
pub mod facts;
pub mod health;
pub mod licence;
pub mod mirror;
pub mod pinned;
pub mod readme;

use std::path::PathBuf;
use std::sync::Once;
use std::time::{Duration, Instant};

use catalog::{FailureClass, HarvestJob, HarvestOutcome, PubliccodeFile};
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
    // The gate must outlive the sync: libgit2 connects through it.
    let (route, _gate) = match route(&checked, deadline) {
        Ok(r) => r,
        Err(f) => return HarvestOutcome::Failed(f.class, f.message),
    };
    let sync = match mirror::sync(&route, &path, &settings.limits, deadline) {
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

/// Reads the publiccode.yml at HEAD of a repository proposed for the catalog: through the
/// same address check, mirror and limits as a harvest (the mirror is then ready for the
/// software's first harvest if it is accepted). The file is validated with the
/// repository's files at hand; `Err` says why there is nothing to read.
pub fn read_proposed(url: &str, settings: &Settings, now: DateTime<Utc>) -> Result<PubliccodeFile, Failure> {
    let job = HarvestJob {
        repository_id: 0,
        software: String::new(),
        url: url.to_string(),
        fetch_url: None,
        last_snapshot_at: None,
        consecutive_failures: 0,
    };
    let snapshot = match harvest(&job, settings, now) {
        HarvestOutcome::Cloned(s, _) | HarvestOutcome::Updated(s, _) | HarvestOutcome::Unchanged(Some((s, _))) => s,
        HarvestOutcome::Unchanged(None) => {
            return Err(Failure::new(FailureClass::Other, "the repository was not read again"))
        }
        HarvestOutcome::Failed(class, message) => return Err(Failure::new(class, message)),
    };
    snapshot.publiccode.ok_or_else(|| {
        Failure::new(FailureClass::Other, "the repository has no publiccode.yml at its root on the default branch")
    })
}

/// How libgit2 reaches a checked address: to the addresses the check found, never through a
/// lookup of its own (see `pinned`).
fn route(checked: &address::Checked, deadline: Instant) -> Result<(mirror::Route, Option<pinned::Gate>), Failure> {
    let direct = mirror::Route { url: checked.url.clone(), proxy: None };
    let (Some(name), Some(first)) = (&checked.name, checked.addresses.first()) else { return Ok((direct, None)) };
    match checked.scheme.as_str() {
        "http" | "https" => {
            let gate = pinned::Gate::open(name, checked.port, checked.addresses.clone(), deadline)
                .map_err(|e| Failure::new(FailureClass::Other, format!("cannot open the harvest's gate: {e}")))?;
            Ok((mirror::Route { url: checked.url.clone(), proxy: Some(gate.proxy_url()) }, Some(gate)))
        }
        "git" | "ssh" => {
            Ok((mirror::Route { url: pinned::with_address(&checked.url, name, *first), proxy: None }, None))
        }
        _ => Ok((direct, None)),
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

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;

    /// An HTTP server on loopback that answers 404 and keeps the request lines it got.
    fn recording_server() -> (u16, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let seen = lines.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(4) {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = [0u8; 4096];
                let n = stream.read(&mut buf).unwrap_or(0);
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                seen.lock().unwrap().push(text.lines().next().unwrap_or("").to_string());
                let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
        });
        (port, lines)
    }

    #[test]
    fn a_named_http_host_is_reached_through_the_gate_at_its_checked_address() {
        let (port, lines) = recording_server();
        let mirrors = tempfile::tempdir().unwrap();
        let job = HarvestJob {
            repository_id: 1,
            software: "x".into(),
            url: format!("http://localhost:{port}/mairie/x.git"),
            fetch_url: None,
            last_snapshot_at: None,
            consecutive_failures: 0,
        };
        let settings = Settings {
            mirrors: mirrors.path().to_path_buf(),
            limits: Limits { timeout: Duration::from_secs(20), ..Limits::default() },
            allow_local: true,
            trusted_root: None,
        };
        let outcome = harvest(&job, &settings, Utc::now());
        assert!(matches!(outcome, HarvestOutcome::Failed(FailureClass::NotGit, _)), "{outcome:?}");
        let lines = lines.lock().unwrap().clone();
        // The absolute form is a proxy's: libgit2 went through the gate, which connected
        // to the address the check resolved, not to one libgit2 looked up.
        assert!(!lines.is_empty());
        for line in &lines {
            assert!(line.starts_with(&format!("GET http://localhost:{port}/mairie/x.git/info/refs")), "{line}");
        }
    }
}
