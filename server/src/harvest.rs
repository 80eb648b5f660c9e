//! Harvest runs: workers that claim repositories from the catalog under a lease, harvest
//! each on a blocking thread with `indexer::harvest`, and record the outcome. Used by
//! `communs harvest`, by the server's background job and by the demo.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use catalog::{Claim, HarvestJob, HarvestOutcome, HarvestSelection, Store};
use chrono::Utc;
use indexer::harvest::{Limits, Settings};
use serde::Deserialize;

/// `[harvest]` in communs.toml; flags and `COMMUNS_HARVEST_*` variables win over it.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarvestFile {
    pub workers: Option<usize>,
    pub timeout_seconds: Option<u64>,
    pub max_repository_bytes: Option<u64>,
    pub max_file_bytes: Option<u64>,
    pub interval_hours: Option<u64>,
    pub every_minutes: Option<u64>,
    pub allow_local: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct HarvestConfig {
    pub mirrors: PathBuf,
    pub workers: usize,
    pub limits: Limits,
    /// How long after a successful harvest a repository is due again.
    pub interval: chrono::Duration,
    /// How often the server looks for due repositories; `None`: it does not.
    pub every: Option<Duration>,
    pub allow_local: bool,
    /// The demo's repositories, harvested from the data folder whatever `allow_local` says.
    pub trusted_root: Option<PathBuf>,
}

impl HarvestConfig {
    pub fn settings(&self) -> Settings {
        Settings {
            mirrors: self.mirrors.clone(),
            limits: self.limits.clone(),
            allow_local: self.allow_local,
            trusted_root: self.trusted_root.clone(),
        }
    }

    /// How long a claim holds: past the time limit with a margin, so that a live harvest
    /// never loses its repository, and short enough that a killed one's comes back soon.
    pub fn lease(&self) -> chrono::Duration {
        let timeout = chrono::Duration::from_std(self.limits.timeout).unwrap_or(chrono::Duration::hours(1));
        timeout * 2 + chrono::Duration::seconds(5)
    }
}

/// What a run did.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub cloned: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    /// Harvests whose lease had expired and been taken by another harvester before they
    /// ended: their results were not recorded.
    pub lost: usize,
    pub failures: Vec<(String, String, String)>,
    /// Proposed repositories whose publiccode.yml was read (`crate::proposals::read`).
    pub proposals_read: usize,
    pub elapsed: Duration,
}

impl Summary {
    pub fn done(&self) -> usize {
        self.cloned + self.updated + self.unchanged + self.failed + self.lost
    }

    pub fn line(&self) -> String {
        let proposals = match self.proposals_read {
            0 => String::new(),
            n => format!(", {n} proposed repositories read"),
        };
        format!(
            "{} cloned, {} updated, {} unchanged, {} failed{proposals} in {:.1} s",
            self.cloned,
            self.updated,
            self.unchanged,
            self.failed,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Told after each repository: the run so far, and the repository's URL.
pub type Progress = Box<dyn FnMut(&Summary, &str) + Send>;

/// Who claims: this machine, this process and this run, so that leases say whose they are.
fn owner() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "host".into());
    format!("{host}:{}:{}", std::process::id(), Utc::now().timestamp_nanos_opt().unwrap_or_default())
}

/// Harvests the selected repositories with `config.workers` workers until none is left to
/// claim. `progress` gets a line after each repository (a terminal's progress bar).
pub async fn run(
    store: &Store,
    config: &HarvestConfig,
    selection: HarvestSelection,
    progress: Option<Progress>,
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let owner = Arc::new(owner());
    let run_started = Utc::now();
    let summary = Arc::new(Mutex::new(Summary::default()));
    let progress = Arc::new(Mutex::new(progress));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..config.workers.max(1) {
        let (store, config, selection, owner, summary, progress) =
            (store.clone(), config.clone(), selection.clone(), owner.clone(), summary.clone(), progress.clone());
        workers.spawn(async move {
            let claim = Claim { owner: &owner, selection: &selection, run_started, lease: config.lease() };
            while let Some(job) = store.claim_repository(&claim, Utc::now()).await? {
                let began = Utc::now();
                let outcome = harvest_one(&job, &config).await;
                let recorded = store.record_harvest(&owner, &job, began, &outcome, config.interval).await?;
                let mut s = summary.lock().expect("summary lock");
                match (&outcome, recorded) {
                    (_, false) => s.lost += 1,
                    (HarvestOutcome::Cloned(..), _) => s.cloned += 1,
                    (HarvestOutcome::Updated(..), _) => s.updated += 1,
                    (HarvestOutcome::Unchanged(_), _) => s.unchanged += 1,
                    (HarvestOutcome::Failed(class, message), _) => {
                        tracing::warn!(url = %job.url, %class, %message, "harvest failed");
                        s.failed += 1;
                        s.failures.push((job.url.clone(), class.to_string(), message.clone()));
                    }
                }
                if let Some(report) = progress.lock().expect("progress lock").as_mut() {
                    report(&s, &job.url);
                }
            }
            anyhow::Ok(())
        });
    }
    let mut first_error = None;
    while let Some(joined) = workers.join_next().await {
        if let Err(e) = joined.map_err(anyhow::Error::from).and_then(|r| r) {
            first_error.get_or_insert(e);
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let mut s = summary.lock().expect("summary lock").clone();
    // The proposed repositories are read by the runs that go through the catalog, not by
    // one software's.
    if matches!(selection, HarvestSelection::Due | HarvestSelection::All) {
        s.proposals_read = crate::proposals::read(store, config).await?;
    }
    s.elapsed = started.elapsed();
    Ok(s)
}

/// One repository on a blocking thread. The thread keeps the harvest's own deadline; the
/// wait here adds a margin, past which the repository is recorded as timed out even if
/// libgit2 is still stuck in a read (its server timeout ends that read later).
async fn harvest_one(job: &HarvestJob, config: &HarvestConfig) -> HarvestOutcome {
    let (job2, settings) = (job.clone(), config.settings());
    let task = tokio::task::spawn_blocking(move || indexer::harvest::harvest(&job2, &settings, Utc::now()));
    match tokio::time::timeout(config.limits.timeout + Duration::from_secs(5), task).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(e)) => HarvestOutcome::Failed(catalog::FailureClass::Other, format!("the harvest stopped: {e}")),
        Err(_) => HarvestOutcome::Failed(
            catalog::FailureClass::TimedOut,
            format!("took longer than the limit of {} s", config.limits.timeout.as_secs()),
        ),
    }
}

/// A progress bar on a terminal, nothing elsewhere (logs and CI keep the summary only).
pub fn terminal_progress(total: i64) -> Option<Progress> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    Some(Box::new(move |s: &Summary, url: &str| {
        let done = s.done() as i64;
        let total = total.max(done).max(1);
        let width = 30;
        let filled = (done * width / total) as usize;
        let bar = format!("{}{}", "#".repeat(filled), ".".repeat(width as usize - filled));
        let mut short: String = url.chars().take(50).collect();
        if url.chars().count() > 50 {
            short.push('…');
        }
        let mut err = std::io::stderr();
        let _ = write!(err, "\r\x1b[2K[{bar}] {done}/{total}  {} failed  {short}", s.failed);
        if done == total {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    }))
}

/// The server's background job: every `every`, harvests the repositories that are due.
pub fn spawn_background(store: Store, config: HarvestConfig, metrics: Arc<crate::metrics::Metrics>) {
    let Some(every) = config.every else { return };
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match run(&store, &config, HarvestSelection::Due, None).await {
                Ok(s) if s.done() + s.proposals_read > 0 => {
                    metrics.harvest(&s);
                    tracing::info!(summary = %s.line(), "background harvest")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %format!("{e:#}"), "background harvest stopped"),
            }
        }
    });
}
