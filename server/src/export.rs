//! `communs export DIR`: the catalog as JSON (the fixtures' format, loadable with
//! `communs seed --fixtures DIR`) and CSV (adoptions, fundings and offers in the import format,
//! organisations and software for spreadsheets), with the history of every change to the
//! catalog's records (`history.jsonl`) and the records site administrators hid (`hidden.json`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;
use catalog::import::csv as csv_import;
use catalog::Store;

fn create(dir: &Path, name: &str) -> anyhow::Result<BufWriter<File>> {
    let path = dir.join(name);
    Ok(BufWriter::new(File::create(&path).with_context(|| format!("cannot write {}", path.display()))?))
}

fn json(dir: &Path, name: &str, value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut w = create(dir, name)?;
    serde_json::to_writer_pretty(&mut w, value)?;
    w.write_all(b"\n")?;
    w.flush()?;
    Ok(())
}

pub async fn export(store: &Store, dir: &Path) -> anyhow::Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let all = store.export_fixtures().await?;
    json(dir, "organisations.json", &all.organisations)?;
    json(dir, "software.json", &all.software)?;
    json(dir, "roadmap.json", &all.roadmap)?;
    json(dir, "adoptions.json", &all.adoptions)?;
    json(dir, "fundings.json", &all.fundings)?;
    json(dir, "offers.json", &all.offers)?;
    if !all.publiccode.is_empty() {
        let folder = dir.join("publiccode");
        std::fs::create_dir_all(&folder).with_context(|| format!("cannot create {}", folder.display()))?;
        for (slug, text) in &all.publiccode {
            let path = folder.join(format!("{slug}.yml"));
            std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        }
    }

    // The trace of every change, one event a line, read a page at a time.
    let mut w = create(dir, "history.jsonl")?;
    let mut after = 0;
    let mut events = 0;
    loop {
        let page = store.export_history(after, 5_000).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for e in &page {
            serde_json::to_writer(&mut w, e)?;
            w.write_all(b"\n")?;
        }
        events += page.len();
    }
    w.flush()?;
    json(dir, "hidden.json", &store.export_hidden().await?)?;

    let mut w = csv_import::adoption_writer(create(dir, "adoptions.csv")?)?;
    for a in &all.adoptions {
        csv_import::write_adoption(&mut w, a)?;
    }
    w.flush()?;
    let mut w = csv_import::funding_writer(create(dir, "fundings.csv")?)?;
    for f in &all.fundings {
        csv_import::write_funding(&mut w, f)?;
    }
    w.flush()?;

    let mut w = csv_import::offer_writer(create(dir, "offers.csv")?)?;
    for o in &all.offers {
        csv_import::write_offer(&mut w, o)?;
    }
    w.flush()?;

    let mut w = csv::Writer::from_writer(create(dir, "organisations.csv")?);
    w.write_record(["slug", "name", "kind", "country", "identifiers", "population", "parents", "website", "demo"])?;
    for o in &all.organisations {
        w.write_record([
            o.slug.as_str(),
            &o.name,
            &o.kind,
            &o.country,
            &o.identifiers.join(" "),
            &o.population.map(|p| p.to_string()).unwrap_or_default(),
            &o.parents.join(" "),
            o.website.as_deref().unwrap_or(""),
            if o.demo { "true" } else { "false" },
        ])?;
    }
    w.flush()?;
    let mut w = csv::Writer::from_writer(create(dir, "software.csv")?);
    w.write_record([
        "slug",
        "name",
        "summary_fr",
        "summary_en",
        "categories",
        "licence",
        "maturity",
        "website",
        "publisher",
        "repositories",
    ])?;
    for s in &all.software {
        let repos: Vec<&str> = s.repositories.iter().map(|r| r.url.as_str()).collect();
        w.write_record([
            s.slug.as_str(),
            &s.name,
            s.summary.get("fr").map(String::as_str).unwrap_or(""),
            s.summary.get("en").map(String::as_str).unwrap_or(""),
            &s.categories.join(" "),
            &s.licence,
            &s.maturity,
            s.website.as_deref().unwrap_or(""),
            s.publisher.as_deref().unwrap_or(""),
            &repos.join(" "),
        ])?;
    }
    w.flush()?;
    Ok(format!(
        "{} organisations, {} software, {} roadmap items, {} adoptions, {} fundings, {} offers, {events} changes",
        all.organisations.len(),
        all.software.len(),
        all.roadmap.len(),
        all.adoptions.len(),
        all.fundings.len(),
        all.offers.len()
    ))
}
