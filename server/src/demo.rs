//! `--demo`: the demo's records and git repositories, which the `demo` crate generates,
//! written into this instance's database and data folder.

use std::path::Path;

use catalog::Store;
use chrono::NaiveDate;

/// The data folder's subfolder that holds the demo's git repositories.
pub const REPOSITORIES: &str = "demo-repositories";

/// Creates a local git repository for every repository of the demo's software, from the
/// illustrative histories of `fixtures/histories.json`, and points harvests at them. The
/// records keep their real upstream URLs for people to follow; only harvests read the
/// local copies. Returns how many repositories were written.
pub async fn repositories(store: &Store, data_dir: &Path, today: NaiveDate) -> anyhow::Result<usize> {
    let plans = demo::fixtures::history_plans()?;
    let root = data_dir.join(REPOSITORIES);
    let mut made = Vec::new();
    for software in store.export_software().await? {
        let Some(plan) = plans.get(&software.slug) else { continue };
        for (i, repository) in software.repositories.iter().enumerate() {
            // Further repositories of a software get histories of their own, seeded apart.
            let seed = if i == 0 { software.slug.clone() } else { format!("{}-{i}", software.slug) };
            let path = root.join(format!("{seed}.git"));
            made.push((repository.url.clone(), path, plan.history(&seed, today)));
        }
    }
    let written = made.len();
    let urls = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<(String, String)>> {
        let mut urls = Vec::new();
        for (url, path, history) in made {
            demo::history::write_bare(&path, &history)
                .map_err(|e| anyhow::anyhow!("cannot write the demo repository {}: {}", path.display(), e.message()))?;
            let absolute = std::fs::canonicalize(&path)?;
            urls.push((url, format!("file://{}", absolute.display())));
        }
        Ok(urls)
    })
    .await??;
    for (url, local) in urls {
        store.set_fetch_url(&url, Some(&local)).await?;
    }
    Ok(written)
}
