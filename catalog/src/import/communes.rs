//! The French territorial reference data as the npm package `@etalab/decoupage-administratif`
//! ships it (INSEE COG, Licence Ouverte 2.0): `regions.json`, `departements.json`,
//! `epci.json`, `communes.json`. Current communes become organisations with their INSEE
//! code, SIREN, population, EPCI, département and région.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::country::Country;
use crate::error::{Error, Result};
use crate::identifier::OfficialId;
use crate::model::{Actor, NewOrganisation, OrgKey};
use crate::slug::Slug;
use crate::store::Store;
use crate::vocab::OrganisationKind;

#[derive(Debug, Deserialize)]
pub struct Region {
    pub code: String,
    pub nom: String,
}

#[derive(Debug, Deserialize)]
pub struct Departement {
    pub code: String,
    pub nom: String,
    pub region: String,
}

#[derive(Debug, Deserialize)]
pub struct Member {
    pub code: String,
}

#[derive(Debug, Deserialize)]
pub struct Epci {
    pub code: String,
    pub nom: String,
    #[serde(rename = "populationTotale")]
    pub population: Option<i64>,
    #[serde(default)]
    pub membres: Vec<Member>,
}

#[derive(Debug, Deserialize)]
pub struct Commune {
    pub code: String,
    pub nom: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub departement: Option<String>,
    pub siren: Option<String>,
    pub population: Option<i64>,
}

#[derive(Debug, Default)]
pub struct CommuneData {
    pub regions: Vec<Region>,
    pub departements: Vec<Departement>,
    pub epcis: Vec<Epci>,
    pub communes: Vec<Commune>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CommuneImport {
    pub created: usize,
    pub updated: usize,
}

fn read<T: DeserializeOwned>(dir: &Path, name: &str) -> Result<Vec<T>> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::invalid(name, format!("cannot read {}: {e} (is DIR the package's data folder?)", path.display()))
    })?;
    serde_json::from_str(&text)
        .map_err(|e| Error::invalid(name, format!("line {}, column {}: {e}", e.line(), e.column())))
}

impl CommuneData {
    pub fn read_dir(dir: &Path) -> Result<CommuneData> {
        Ok(CommuneData {
            regions: read(dir, "regions.json")?,
            departements: read(dir, "departements.json")?,
            epcis: read(dir, "epci.json")?,
            communes: read(dir, "communes.json")?,
        })
    }

    /// The records to write, parents before children, each with the slug it would get if
    /// new. Communes whose name is unique in France get it as slug; the others add their
    /// INSEE code (`saint-blaise-74226`).
    pub fn organisations(&self) -> Result<Vec<NewOrganisation>> {
        let id = |field: &str, scheme: &str, value: &str| OfficialId::new(scheme, value).map_err(|e| e.within(field));
        let slug = |name: &str| Slug::from_name(name);
        let mut out = Vec::new();
        let mut slugs: HashMap<String, String> = HashMap::new(); // identifier -> slug
        for (i, r) in self.regions.iter().enumerate() {
            let field = format!("regions.json[{i}]");
            let s = slug(&format!("region {}", r.nom)).map_err(|e| e.within(&field))?;
            slugs.insert(format!("fr-reg:{}", r.code), s.to_string());
            out.push(new_org(s, &r.nom, OrganisationKind::Region, vec![id(&field, "fr-reg", &r.code)?], None, vec![]));
        }
        for (i, d) in self.departements.iter().enumerate() {
            let field = format!("departements.json[{i}]");
            let s = slug(&format!("departement {}", d.nom)).map_err(|e| e.within(&field))?;
            slugs.insert(format!("fr-dep:{}", d.code), s.to_string());
            let parent = parent_key(&slugs, &format!("fr-reg:{}", d.region));
            out.push(new_org(
                s,
                &d.nom,
                OrganisationKind::Departement,
                vec![id(&field, "fr-dep", &d.code)?],
                None,
                parent,
            ));
        }
        let current: Vec<&Commune> = self.communes.iter().filter(|c| c.kind == "commune-actuelle").collect();
        let departement_of: HashMap<&str, &str> =
            current.iter().filter_map(|c| c.departement.as_deref().map(|d| (c.code.as_str(), d))).collect();
        let mut epci_of: HashMap<&str, String> = HashMap::new();
        let mut epci_names: HashMap<String, usize> = HashMap::new();
        for e in &self.epcis {
            *epci_names.entry(slug(&e.nom).map(|s| s.to_string()).unwrap_or_default()).or_default() += 1;
        }
        for (i, e) in self.epcis.iter().enumerate() {
            let field = format!("epci.json[{i}]");
            let base = slug(&e.nom).map_err(|err| err.within(&field))?;
            let s = if epci_names[base.as_str()] > 1 { Slug::parse(&format!("{}-{}", base, e.code))? } else { base };
            // An EPCI belongs to the département where most of its communes are.
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for m in &e.membres {
                if let Some(d) = departement_of.get(m.code.as_str()) {
                    *counts.entry(d).or_default() += 1;
                }
                epci_of.insert(m.code.as_str(), format!("fr-siren:{}", e.code));
            }
            let dep = counts.into_iter().max_by_key(|(d, n)| (*n, std::cmp::Reverse(*d))).map(|(d, _)| d);
            let parents = dep.map(|d| parent_key(&slugs, &format!("fr-dep:{d}"))).unwrap_or_default();
            slugs.insert(format!("fr-siren:{}", e.code), s.to_string());
            out.push(new_org(
                s,
                &e.nom,
                OrganisationKind::Epci,
                vec![id(&field, "fr-siren", &e.code)?],
                e.population,
                parents,
            ));
        }
        let mut names: HashMap<String, usize> = HashMap::new();
        for c in &current {
            *names.entry(slug(&c.nom).map(|s| s.to_string()).unwrap_or_default()).or_default() += 1;
        }
        for (i, c) in current.iter().enumerate() {
            let field = format!("communes.json[{}]", i);
            let base = slug(&c.nom).map_err(|e| e.within(&field))?;
            let s = if names[base.as_str()] > 1 {
                Slug::parse(&format!("{}-{}", base, c.code.to_ascii_lowercase()))?
            } else {
                base
            };
            let mut identifiers = vec![id(&field, "fr-insee", &c.code)?];
            if let Some(siren) = &c.siren {
                identifiers.push(id(&field, "fr-siren", siren)?);
            }
            let mut parents = Vec::new();
            if let Some(e) = epci_of.get(c.code.as_str()) {
                parents.extend(parent_key(&slugs, e));
            }
            if let Some(d) = &c.departement {
                parents.extend(parent_key(&slugs, &format!("fr-dep:{d}")));
            }
            out.push(new_org(s, &c.nom, OrganisationKind::Commune, identifiers, c.population, parents));
        }
        Ok(out)
    }
}

fn parent_key(slugs: &HashMap<String, String>, identifier: &str) -> Vec<OrgKey> {
    // Parents are named by identifier so that they are found whatever slug they have.
    match (slugs.contains_key(identifier), OfficialId::parse(identifier)) {
        (true, Ok(id)) => vec![OrgKey::Official(id)],
        _ => vec![],
    }
}

fn new_org(
    slug: Slug,
    name: &str,
    kind: OrganisationKind,
    identifiers: Vec<OfficialId>,
    population: Option<i64>,
    parents: Vec<OrgKey>,
) -> NewOrganisation {
    NewOrganisation {
        slug,
        name: name.to_string(),
        kind,
        country: Country::FR,
        identifiers,
        population,
        parents,
        website: None,
        email_domains: vec![],
        demo: false,
    }
}

impl Store {
    /// Writes the reference data in one transaction. An organisation already known by one
    /// of its official identifiers keeps its slug, kind, website and other parents and gets
    /// the reference name, population, identifiers and parents added.
    pub async fn import_communes(&self, actor: &Actor, data: &CommuneData) -> Result<CommuneImport> {
        let planned = data.organisations()?;
        let mut tx = self.begin(actor).await?;
        let mut report = CommuneImport::default();
        for mut org in planned {
            let mut existing = None;
            for ident in &org.identifiers {
                if let Some(id) = tx.organisation_id(&OrgKey::Official(ident.clone())).await? {
                    existing = Some(id);
                    break;
                }
            }
            match existing {
                Some(id) => {
                    let (slug,): (String,) = tx.one(crate::store::q_slug(id)).await?;
                    let current = tx.load_organisation_for_merge(&slug).await?;
                    let mut ids: BTreeSet<OfficialId> = current.identifiers.iter().cloned().collect();
                    ids.extend(org.identifiers.iter().cloned());
                    let mut parents: Vec<OrgKey> = current.parents.clone();
                    for p in org.parents {
                        if !parents.contains(&p) {
                            parents.push(p);
                        }
                    }
                    org = NewOrganisation {
                        slug: Slug::parse(&slug)?,
                        kind: current.kind,
                        identifiers: ids.into_iter().collect(),
                        parents,
                        website: current.website,
                        email_domains: current.email_domains,
                        demo: current.demo,
                        country: current.country,
                        ..org
                    };
                    report.updated += 1;
                }
                None => {
                    if tx.organisation_id(&OrgKey::Slug(org.slug.clone())).await?.is_some() {
                        let code = org.identifiers[0].value().to_ascii_lowercase();
                        org.slug = Slug::parse(&format!("{}-{}", org.slug, code))?;
                    }
                    report.created += 1;
                }
            }
            tx.put_organisation(&org).await.map_err(|e| e.within(&org.slug.to_string()))?;
        }
        tx.commit().await?;
        Ok(report)
    }
}
