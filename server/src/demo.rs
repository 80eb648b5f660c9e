//! The demo fixtures, built into the binary so that `communs serve --demo` works from any
//! folder.

use catalog::import::fixtures::Fixtures;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/", $name))
    };
}

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
    });
    Ok(serde_json::from_value(value)?)
}
