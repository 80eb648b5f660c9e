//! Gives every repository of the national dataset a README, through the harvest's own
//! write path: each repository is claimed and its harvest recorded with a snapshot whose
//! README is generated (`demo::search_corpus::readme`), as a harvest of real repositories would
//! record it. The other facts are drawn so that health scores vary.

use std::time::{Duration, Instant};

use catalog::{
    Activity, Claim, DocumentationFiles, HarvestOutcome, HarvestSelection, LicenceFile, PubliccodeFile, Readme,
    Release, RepositorySnapshot, Store,
};
use chrono::{DateTime, Utc};
use demo::rng::Rng;
use demo::search_corpus as corpus;

pub struct Attached {
    pub repositories: usize,
    pub readme_bytes: usize,
    pub time: Duration,
}

fn hex(rng: &mut Rng) -> String {
    (0..5).map(|_| format!("{:08x}", rng.next_u64() as u32)).collect()
}

fn snapshot(text: String, licence: &str, now: DateTime<Utc>, rng: &mut Rng) -> RepositorySnapshot {
    let days = |n: usize| chrono::Duration::days(n as i64);
    let span = if rng.chance(0.7) { 120 } else { 1500 };
    let last = now - days(rng.below(span));
    let first = last - days(200 + rng.below(4000));
    let commits = if last > now - days(365) { rng.below(800) as u64 } else { 0 };
    let authors = if commits == 0 { 0 } else { 1 + rng.below(25) as u64 };
    let release_count = rng.below(40) as u32;
    let releases = (0..release_count.min(3))
        .map(|i| Release {
            tag: format!("v{}.{}.0", 1 + release_count / 10, i),
            commit: hex(rng),
            date: last - days(30 * i as usize),
        })
        .collect();
    let publiccode = rng.chance(0.3).then(|| PubliccodeFile {
        path: "publiccode.yml".into(),
        valid: rng.chance(0.8),
        errors: Vec::new(),
        warnings: Vec::new(),
        text: None,
    });
    RepositorySnapshot {
        harvested_at: now,
        default_branch: "main".into(),
        head_commit: hex(rng),
        head_date: last,
        readme: Some(Readme { path: "README.md".into(), format: "text".into(), html: None, text, truncated: false }),
        licence: Some(LicenceFile { path: "LICENSE".into(), spdx: Some(licence.to_string()) }),
        files: DocumentationFiles {
            readme: Some("README.md".into()),
            licence: Some("LICENSE".into()),
            contributing: rng.chance(0.5).then(|| "CONTRIBUTING.md".into()),
            changelog: rng.chance(0.5).then(|| "CHANGELOG.md".into()),
            publiccode: publiccode.as_ref().map(|p| p.path.clone()),
            ..Default::default()
        },
        publiccode,
        releases,
        release_count,
        activity: Activity {
            window_days: 365,
            commits,
            authors,
            bus_factor: authors.min(1 + rng.below(4) as u64),
            first_commit: (commits > 0).then(|| now - days(300)),
            last_commit: (commits > 0).then_some(last),
            monthly_commits: (0..13).map(|_| (commits / 13) as u32).collect(),
        },
        first_commit_date: first,
        total_commits: commits + rng.below(20_000) as u64,
        mirror_bytes: 100_000 + rng.below(50_000_000) as u64,
    }
}

pub async fn attach(store: &Store, thesaurus: &[String], seed: u64) -> anyhow::Result<Attached> {
    let started = Instant::now();
    let owner = format!("bench-readmes-{}", std::process::id());
    let run_started = Utc::now();
    let (mut repositories, mut readme_bytes) = (0, 0);
    let ids = store.software_ids().await?;
    for batch in ids.chunks(500) {
        for d in store.search_documents(Some(batch)).await? {
            let mut rng = Rng::new(seed ^ (d.id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let selection = HarvestSelection::Software(d.slug.clone());
            let claim =
                Claim { owner: &owner, selection: &selection, run_started, lease: chrono::Duration::minutes(30) };
            while let Some(job) = store.claim_repository(&claim, Utc::now()).await? {
                let now = Utc::now();
                let text = corpus::readme(&d.name, &d.categories, &job.url, thesaurus, &mut rng);
                readme_bytes += text.len();
                let snapshot = snapshot(text, &d.licence, now, &mut rng);
                let health = indexer::harvest::health::score(&snapshot, now);
                let outcome = HarvestOutcome::Cloned(Box::new(snapshot), health);
                anyhow::ensure!(
                    store.record_harvest(&owner, &job, now, &outcome, chrono::Duration::days(1)).await?,
                    "the lease on {} was lost",
                    job.url
                );
                repositories += 1;
            }
        }
    }
    Ok(Attached { repositories, readme_bytes, time: started.elapsed() })
}
