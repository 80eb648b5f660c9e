//! The demo's records (`fixtures/`), built into the binary so that `communs serve --demo`
//! works from any folder: real software and organisations, illustrative adoptions, fundings
//! and roadmaps, the real projects' publiccode.yml files, and the figures the demo's git
//! histories are drawn from.

use std::collections::BTreeMap;

use catalog::import::fixtures::Fixtures;

use crate::history::{self, Plan};

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

/// The built-in publiccode.yml of the software `slug`, if the fixtures have one.
pub fn publiccode(slug: &str) -> Option<&'static str> {
    PUBLICCODE.iter().find(|(s, _)| *s == slug).map(|(_, text)| *text)
}

/// The demo's records, ready for `Store::seed`.
pub fn records() -> anyhow::Result<Fixtures> {
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
        "publiccode": PUBLICCODE.iter().map(|(slug, text)| (slug.to_string(), text.to_string())).collect::<BTreeMap<_, _>>(),
    });
    Ok(serde_json::from_value(value)?)
}

/// The plans of the demo's git histories (`fixtures/histories.json`), by software slug.
pub fn history_plans() -> anyhow::Result<BTreeMap<String, Plan>> {
    history::plans(fixture!("histories.json")).map_err(|e| anyhow::anyhow!("built-in fixtures/histories.json: {e}"))
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
        assert_eq!(built_in, on_disk, "list the files of fixtures/publiccode in demo::fixtures::PUBLICCODE");
    }

    #[test]
    fn the_built_in_records_and_plans_read() {
        let records = super::records().unwrap();
        let plans = super::history_plans().unwrap();
        assert!(!records.software.is_empty());
        assert!(records.software.iter().all(|s| plans.contains_key(s.slug.as_str())), "a plan for every software");
    }
}
