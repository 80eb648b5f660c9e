//! A folder of JSON records (the demo in `fixtures/`, or what `communs export` wrote),
//! loaded in one transaction: all of it, or nothing.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{
    Actor, AdoptionDraft, FundingDraft, NewOrganisation, OrgKey, OrganisationDraft, RoadmapItemDraft, SoftwareDraft,
};
use crate::offer::OfferDraft;
use crate::store::Store;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Fixtures {
    pub organisations: Vec<OrganisationDraft>,
    pub software: Vec<SoftwareDraft>,
    pub roadmap: Vec<RoadmapItemDraft>,
    pub adoptions: Vec<AdoptionDraft>,
    pub fundings: Vec<FundingDraft>,
    /// Who can run or support each software for others (`offers.json`).
    #[serde(default)]
    pub offers: Vec<OfferDraft>,
    /// The real projects' publiccode.yml files, by software slug (`publiccode/SLUG.yml`):
    /// kept with the records, and what their publiccode.yml export starts from.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub publiccode: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedReport {
    pub organisations: usize,
    pub software: usize,
    pub roadmap_items: usize,
    pub adoptions: usize,
    pub fundings: usize,
    #[serde(default)]
    pub offers: usize,
}

fn read_json<T: DeserializeOwned>(dir: &Path, name: &str, required: bool) -> Result<Vec<T>> {
    let path = dir.join(name);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(Vec::new()),
        Err(e) => return Err(Error::invalid(name, format!("cannot read {}: {e}", path.display()))),
    };
    serde_json::from_str(&text)
        .map_err(|e| Error::invalid(name, format!("line {}, column {}: {e}", e.line(), e.column())))
}

impl Fixtures {
    /// Reads `organisations.json` and `software.json` (required) and `roadmap.json`,
    /// `adoptions.json`, `fundings.json`, `offers.json` (optional) from a folder.
    pub fn read_dir(dir: &Path) -> Result<Fixtures> {
        Ok(Fixtures {
            organisations: read_json(dir, "organisations.json", true)?,
            software: read_json(dir, "software.json", true)?,
            roadmap: read_json(dir, "roadmap.json", false)?,
            adoptions: read_json(dir, "adoptions.json", false)?,
            fundings: read_json(dir, "fundings.json", false)?,
            offers: read_json(dir, "offers.json", false)?,
            publiccode: read_publiccode(dir)?,
        })
    }
}

/// `publiccode/*.yml` of a fixtures folder, by file stem; no folder, no files.
fn read_publiccode(dir: &Path) -> Result<BTreeMap<String, String>> {
    let folder = dir.join("publiccode");
    let entries = match std::fs::read_dir(&folder) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(Error::invalid("publiccode", format!("cannot read {}: {e}", folder.display()))),
    };
    let mut out = BTreeMap::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::invalid("publiccode", e.to_string()))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("yml") {
            continue;
        }
        let name = format!("publiccode/{}", path.file_name().and_then(|n| n.to_str()).unwrap_or_default());
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::invalid(name.clone(), format!("cannot read {}: {e}", path.display())))?;
        let slug = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        out.insert(slug, text);
    }
    Ok(out)
}

/// Each fixture publiccode.yml validated, by the slug of the software it belongs to.
fn validate_publiccode(files: &BTreeMap<String, String>) -> Result<Vec<(String, publiccode::PublicCode)>> {
    let mut out = Vec::new();
    for (slug, text) in files {
        let file = format!("publiccode/{slug}.yml");
        let report = publiccode::validate(text.as_bytes());
        match (report.document, report.errors.first()) {
            (Some(doc), None) => out.push((slug.clone(), doc)),
            (_, first) => {
                let (key, message) = first
                    .map(|f| (f.key.clone(), format!("line {}, column {}: {}", f.line, f.column, f.message)))
                    .unwrap_or_default();
                let more = report.errors.len().saturating_sub(1);
                let more = if more > 0 { format!(" (and {more} more)") } else { String::new() };
                return Err(Error::invalid(format!("{file}: {key}"), format!("{message}{more}")));
            }
        }
    }
    Ok(out)
}

/// Orders organisations so that each comes after the parents it names by slug.
fn parents_first(orgs: Vec<NewOrganisation>) -> Result<Vec<NewOrganisation>> {
    let index: HashMap<String, usize> = orgs.iter().enumerate().map(|(i, o)| (o.slug.to_string(), i)).collect();
    let mut state = vec![0u8; orgs.len()]; // 0 new, 1 visiting, 2 done
    let mut order = Vec::with_capacity(orgs.len());
    fn visit(
        i: usize,
        orgs: &[NewOrganisation],
        index: &HashMap<String, usize>,
        state: &mut [u8],
        order: &mut Vec<usize>,
    ) -> Result<()> {
        match state[i] {
            2 => return Ok(()),
            1 => {
                return Err(Error::invalid(
                    format!("organisations.json[{i}].parents"),
                    format!("{} is its own ancestor", orgs[i].slug),
                ))
            }
            _ => {}
        }
        state[i] = 1;
        for p in &orgs[i].parents {
            if let OrgKey::Slug(s) = p {
                if let Some(&j) = index.get(s.as_str()) {
                    visit(j, orgs, index, state, order)?;
                }
            }
        }
        state[i] = 2;
        order.push(i);
        Ok(())
    }
    for i in 0..orgs.len() {
        visit(i, &orgs, &index, &mut state, &mut order)?;
    }
    let mut slots: Vec<Option<NewOrganisation>> = orgs.into_iter().map(Some).collect();
    Ok(order.into_iter().map(|i| slots[i].take().expect("each once")).collect())
}

impl Store {
    /// Loads fixtures in one transaction. Every record is validated first, with its file,
    /// position and field named in the error; then everything is written, or nothing.
    pub async fn seed(&self, actor: &Actor, f: &Fixtures, today: NaiveDate) -> Result<SeedReport> {
        fn at(file: &'static str, i: usize) -> impl Fn(Error) -> Error {
            move |e: Error| e.within(&format!("{file}[{i}]"))
        }
        let mut orgs = Vec::with_capacity(f.organisations.len());
        let mut seen = HashMap::new();
        for (i, d) in f.organisations.iter().enumerate() {
            let o = d.validate().map_err(at("organisations.json", i))?;
            if let Some(first) = seen.insert(o.slug.to_string(), i) {
                return Err(Error::invalid(
                    format!("organisations.json[{i}].slug"),
                    format!("{} is also record {first}", o.slug),
                ));
            }
            orgs.push(o);
        }
        let orgs = parents_first(orgs)?;
        let software = f
            .software
            .iter()
            .enumerate()
            .map(|(i, d)| d.validate().map_err(at("software.json", i)))
            .collect::<Result<Vec<_>>>()?;
        let roadmap = f
            .roadmap
            .iter()
            .enumerate()
            .map(|(i, d)| d.validate().map_err(at("roadmap.json", i)))
            .collect::<Result<Vec<_>>>()?;
        let adoptions = f
            .adoptions
            .iter()
            .enumerate()
            .map(|(i, d)| d.validate(today).map_err(at("adoptions.json", i)))
            .collect::<Result<Vec<_>>>()?;
        let fundings = f
            .fundings
            .iter()
            .enumerate()
            .map(|(i, d)| d.validate(today).map_err(at("fundings.json", i)))
            .collect::<Result<Vec<_>>>()?;
        let offers = f
            .offers
            .iter()
            .enumerate()
            .map(|(i, d)| d.validate(today).map_err(at("offers.json", i)))
            .collect::<Result<Vec<_>>>()?;
        let publiccode = validate_publiccode(&f.publiccode)?;
        for (slug, _) in &publiccode {
            if !software.iter().any(|s| s.slug.as_str() == slug) {
                return Err(Error::invalid(
                    format!("publiccode/{slug}.yml"),
                    format!("no software {slug} in software.json"),
                ));
            }
        }

        let mut tx = self.begin(actor).await?;
        for o in &orgs {
            tx.put_organisation(o).await.map_err(|e| e.within(&format!("organisations.json[{}]", o.slug)))?;
        }
        // Similar software may name records further down the file: link them once all exist.
        for (i, s) in software.iter().enumerate() {
            let mut first = s.clone();
            first.similar.clear();
            tx.put_software(&first).await.map_err(at("software.json", i))?;
        }
        for (i, s) in software.iter().enumerate() {
            if !s.similar.is_empty() {
                let id = tx.software_id(s.slug.as_str()).await?.expect("written above");
                tx.set_similar(id, &s.similar).await.map_err(at("software.json", i))?;
            }
        }
        for (i, r) in roadmap.iter().enumerate() {
            tx.put_roadmap_item(r).await.map_err(at("roadmap.json", i))?;
        }
        let import_error = |file: &str, problems: Vec<crate::store::ImportProblem>| {
            let p = &problems[0];
            let more = if problems.len() > 1 { format!(" (and {} more)", problems.len() - 1) } else { String::new() };
            Error::invalid(format!("{file}[{}].{}", p.index, p.field), format!("{}{more}", p.message))
        };
        if let Err(problems) = tx.import_adoptions("adoptions.json", &adoptions).await? {
            return Err(import_error("adoptions.json", problems));
        }
        if let Err(problems) = tx.import_fundings("fundings.json", &fundings).await? {
            return Err(import_error("fundings.json", problems));
        }
        if !offers.is_empty() {
            if let Err(problems) = tx.import_offers("offers.json", &offers).await? {
                return Err(import_error("offers.json", problems));
            }
        }
        for (slug, doc) in &publiccode {
            let id = tx.software_id(slug).await?.expect("checked above");
            tx.keep_publiccode(id, slug, doc, &format!("fixtures/publiccode/{slug}.yml")).await?;
        }
        tx.commit().await?;
        Ok(SeedReport {
            organisations: orgs.len(),
            software: software.len(),
            roadmap_items: roadmap.len(),
            adoptions: adoptions.len(),
            fundings: fundings.len(),
            offers: offers.len(),
        })
    }

    /// Reads back everything `seed` loads, in the same shape.
    pub async fn export_fixtures(&self) -> Result<Fixtures> {
        let mut adoptions = Vec::new();
        let mut after = 0;
        loop {
            let page = self.export_adoptions(after, 10_000).await?;
            let Some((last, _)) = page.last() else { break };
            after = *last;
            adoptions.extend(page.into_iter().map(|(_, a)| a));
        }
        // By what they say, not by when they were written: an import writes its rows in the
        // order of the software's ids (`Tx::import_adoptions`), which another database gives
        // out differently, and an export loaded again must read the same.
        adoptions.sort_by(|a, b| (&a.software, &a.organisation).cmp(&(&b.software, &b.organisation)));
        let mut fundings = Vec::new();
        let mut after = 0;
        loop {
            let page = self.export_fundings(after, 10_000).await?;
            let Some((last, _)) = page.last() else { break };
            after = *last;
            fundings.extend(page.into_iter().map(|(_, f)| f));
        }
        Ok(Fixtures {
            organisations: self.export_organisations().await?,
            software: self.export_software().await?,
            roadmap: self.export_roadmap().await?,
            adoptions,
            fundings,
            offers: self.export_offers().await?.iter().map(crate::offer::Offer::draft).collect(),
            publiccode: self.kept_publiccode_files().await?,
        })
    }
}
