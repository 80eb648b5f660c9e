//! The demo fixtures, built into the binary so that `communs serve --demo` works from any
//! folder.

use std::path::Path;

use catalog::import::fixtures::Fixtures;
use catalog::Store;
use chrono::NaiveDate;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/", $name))
    };
}

/// The real projects' publiccode.yml files of `fixtures/publiccode/`, by software slug.
/// A test checks that this list names every file of the folder.
pub const PUBLICCODE: &[(&str, &str)] = &[
    ("catala", fixture!("publiccode/catala.yml")),
    ("consul-democracy", fixture!("publiccode/consul-democracy.yml")),
    ("decidim", fixture!("publiccode/decidim.yml")),
    ("demarches-simplifiees", fixture!("publiccode/demarches-simplifiees.yml")),
    ("dss", fixture!("publiccode/dss.yml")),
    ("grist", fixture!("publiccode/grist.yml")),
    ("openfisca", fixture!("publiccode/openfisca.yml")),
    ("publicodes", fixture!("publiccode/publicodes.yml")),
    ("signalen", fixture!("publiccode/signalen.yml")),
    ("udata", fixture!("publiccode/udata.yml")),
    ("vitam", fixture!("publiccode/vitam.yml")),
];

/// The data folder's subfolder that holds the demo's git repositories.
pub const REPOSITORIES: &str = "demo-repositories";

pub fn fixtures() -> anyhow::Result<Fixtures> {
    let parse = |name: &str, text: &str| -> anyhow::Result<serde_json::Value> {
        serde_json::from_str(text).map_err(|e| anyhow::anyhow!("built-in fixtures/{name}: {e}"))
    };
    let value = serde_json::json!({
        "organisations": parse("organisations.json", fixture!("organisations.json"))?,
        "software": parse("software.json", fixture!("software.json"))?,
        "roadmap": parse("roadmap.json", fixture!("roadmap.json"))?,
        "adoptions": parse("adoptions.json", fixture!("adoptions.json"))?,
        "fundings": parse("fundings.json", fixture!("fundings.json"))?,
        "offers": parse("offers.json", fixture!("offers.json"))?,
        "publiccode": PUBLICCODE.iter().map(|(slug, text)| (slug.to_string(), text.to_string())).collect::<std::collections::BTreeMap<_, _>>(),
    });
    Ok(serde_json::from_value(value)?)
}

/// Creates a local git repository for every repository of the demo's software, from the
/// illustrative histories of `fixtures/histories.json`, and points harvests at them. The
/// records keep their real upstream URLs for people to follow; only harvests read the
/// local copies. Returns how many repositories were written.
pub async fn repositories(store: &Store, data_dir: &Path, today: NaiveDate) -> anyhow::Result<usize> {
    let plans = indexer::history::plans(fixture!("histories.json"))
        .map_err(|e| anyhow::anyhow!("built-in fixtures/histories.json: {e}"))?;
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
            indexer::history::write_bare(&path, &history)
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

#[cfg(test)]
mod tests {
    #[test]
    fn every_fixture_publiccode_file_is_built_in() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/publiccode");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yml"))
            .collect();
        on_disk.sort();
        let built_in: Vec<String> = super::PUBLICCODE.iter().map(|(slug, _)| format!("{slug}.yml")).collect();
        assert_eq!(built_in, on_disk, "list the files of fixtures/publiccode in demo::PUBLICCODE");
    }
}
