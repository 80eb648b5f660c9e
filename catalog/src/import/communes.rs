//! The French territorial reference data as the npm package `@etalab/decoupage-administratif`
//! ships it (INSEE COG, Licence Ouverte 2.0): `regions.json`, `departements.json`,
//! `epci.json`, `communes.json`. Current communes become organisations with their INSEE
//! code, SIREN, population, EPCI, département and région.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::country::Country;
use crate::error::{Error, Result};
use crate::identifier::OfficialId;
use crate::model::{Actor, NewOrganisation, OrgKey};
use crate::slug::Slug;
use crate::store::{q, values_list, Store, Tx, BATCH};
use crate::vocab::OrganisationKind;

#[derive(Debug, Deserialize)]
pub struct Region {
    pub code: String,
    pub nom: String,
    /// INSEE's type de liaison: how the name joins "de" and "à".
    #[serde(default, rename = "typeLiaison")]
    pub liaison: Option<u8>,
}

#[derive(Debug, Deserialize)]
pub struct Departement {
    pub code: String,
    pub nom: String,
    pub region: String,
    #[serde(default, rename = "typeLiaison")]
    pub liaison: Option<u8>,
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
    #[serde(default, rename = "typeLiaison")]
    pub liaison: Option<u8>,
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
    pub unchanged: usize,
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
        // A name too short for a slug (the commune of Y, in the Somme) takes its code along.
        let named = |name: &str, code: &str| slug(name).or_else(|_| slug(&format!("{name} {code}")));
        let mut out = Vec::new();
        let mut slugs: HashMap<String, String> = HashMap::new(); // identifier -> slug
        for (i, r) in self.regions.iter().enumerate() {
            let field = format!("regions.json[{i}]");
            let s = slug(&format!("region {}", r.nom)).map_err(|e| e.within(&field))?;
            slugs.insert(format!("fr-reg:{}", r.code), s.to_string());
            let region =
                new_org(s, &r.nom, OrganisationKind::Region, vec![id(&field, "fr-reg", &r.code)?], None, vec![]);
            out.push(NewOrganisation { liaison: r.liaison, ..region });
        }
        for (i, d) in self.departements.iter().enumerate() {
            let field = format!("departements.json[{i}]");
            let s = slug(&format!("departement {}", d.nom)).map_err(|e| e.within(&field))?;
            slugs.insert(format!("fr-dep:{}", d.code), s.to_string());
            let parent = parent_key(&slugs, &format!("fr-reg:{}", d.region));
            let departement =
                new_org(s, &d.nom, OrganisationKind::Departement, vec![id(&field, "fr-dep", &d.code)?], None, parent);
            out.push(NewOrganisation { liaison: d.liaison, ..departement });
        }
        let current: Vec<&Commune> = self.communes.iter().filter(|c| c.kind == "commune-actuelle").collect();
        let departement_of: HashMap<&str, &str> =
            current.iter().filter_map(|c| c.departement.as_deref().map(|d| (c.code.as_str(), d))).collect();
        let mut epci_of: HashMap<&str, String> = HashMap::new();
        let mut epci_names: HashMap<String, usize> = HashMap::new();
        for e in &self.epcis {
            *epci_names.entry(named(&e.nom, &e.code).map(|s| s.to_string()).unwrap_or_default()).or_default() += 1;
        }
        for (i, e) in self.epcis.iter().enumerate() {
            let field = format!("epci.json[{i}]");
            let base = named(&e.nom, &e.code).map_err(|err| err.within(&field))?;
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
            *names.entry(named(&c.nom, &c.code).map(|s| s.to_string()).unwrap_or_default()).or_default() += 1;
        }
        for (i, c) in current.iter().enumerate() {
            let field = format!("communes.json[{}]", i);
            let base = named(&c.nom, &c.code).map_err(|e| e.within(&field))?;
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
            let commune = new_org(s, &c.nom, OrganisationKind::Commune, identifiers, c.population, parents);
            out.push(NewOrganisation { liaison: c.liaison, ..commune });
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
        liaison: None,
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

/// What the database holds before the import, read in a few queries rather than one per
/// organisation.
struct Known {
    by_identifier: HashMap<OfficialId, i64>,
    identifiers: HashMap<i64, BTreeSet<OfficialId>>,
    parents: HashMap<i64, BTreeSet<i64>>,
    rows: HashMap<i64, (String, String, Option<i64>)>,
    slugs: HashSet<String>,
}

impl Known {
    async fn read(tx: &mut Tx) -> Result<Known> {
        let mut known = Known {
            by_identifier: HashMap::new(),
            identifiers: HashMap::new(),
            parents: HashMap::new(),
            rows: HashMap::new(),
            slugs: HashSet::new(),
        };
        for (scheme, value, id) in tx
            .all::<(String, String, i64)>(q("SELECT scheme, value, organisation_id FROM organisation_identifiers"))
            .await?
        {
            if let Ok(ident) = OfficialId::new(&scheme, &value) {
                known.by_identifier.insert(ident.clone(), id);
                known.identifiers.entry(id).or_default().insert(ident);
            }
        }
        for (id, parent) in
            tx.all::<(i64, i64)>(q("SELECT organisation_id, parent_id FROM organisation_parents")).await?
        {
            known.parents.entry(id).or_default().insert(parent);
        }
        for (id, slug, name, population) in tx
            .all::<(i64, String, String, Option<i64>)>(q("SELECT id, slug, name, population FROM organisations"))
            .await?
        {
            known.slugs.insert(slug.clone());
            known.rows.insert(id, (slug, name, population));
        }
        Ok(known)
    }

    fn id_of(&self, org: &NewOrganisation) -> Option<i64> {
        org.identifiers.iter().find_map(|i| self.by_identifier.get(i).copied())
    }

    fn parent_ids(&self, org: &NewOrganisation) -> Result<BTreeSet<i64>> {
        org.parents
            .iter()
            .map(|p| {
                match p {
                    OrgKey::Official(id) => self.by_identifier.get(id).copied(),
                    OrgKey::Slug(_) => None,
                }
                .ok_or_else(|| {
                    Error::invalid("parents", format!("{} names a parent that is not in the data: {p}", org.slug))
                })
            })
            .collect()
    }
}

impl Store {
    /// Writes the reference data in one transaction. New organisations are inserted in
    /// batches, each with its audit event. An organisation already known by one of its
    /// official identifiers keeps its slug, kind, website and other parents, and gets the
    /// reference name, population, identifiers and parents; when that changes nothing, it
    /// is not written at all.
    pub async fn import_communes(&self, actor: &Actor, data: &CommuneData) -> Result<CommuneImport> {
        let planned = data.organisations()?;
        let mut tx = self.begin(actor).await?;
        let mut known = Known::read(&mut tx).await?;
        let mut report = CommuneImport::default();
        let (mut fresh, mut existing): (Vec<_>, Vec<_>) = planned.into_iter().partition(|o| known.id_of(o).is_none());

        // Parents come before children in the plan, so that each batch finds its parents
        // among the organisations known or written before it.
        for org in &mut fresh {
            if !known.slugs.insert(org.slug.to_string()) {
                let code = org.identifiers[0].value().to_ascii_lowercase();
                org.slug = Slug::parse(&format!("{}-{}", org.slug, code))?;
                known.slugs.insert(org.slug.to_string());
            }
        }
        let actor_label = actor.label();
        for chunk in fresh.chunks(BATCH) {
            insert_batch(&mut tx, &mut known, chunk, &actor_label).await?;
            report.created += chunk.len();
        }

        for org in &mut existing {
            let id = known.id_of(org).expect("partitioned on it");
            let (slug, name, population) = known.rows[&id].clone();
            let mut identifiers = known.identifiers.get(&id).cloned().unwrap_or_default();
            let mut parents = known.parents.get(&id).cloned().unwrap_or_default();
            let unchanged = org.identifiers.iter().all(|i| identifiers.contains(i))
                && known.parent_ids(org)?.is_subset(&parents)
                && org.name == name
                && org.population == population;
            if unchanged {
                report.unchanged += 1;
                continue;
            }
            identifiers.extend(org.identifiers.iter().cloned());
            parents.extend(known.parent_ids(org)?);
            let current = tx.load_organisation_for_merge(&slug).await?;
            let merged = NewOrganisation {
                slug: Slug::parse(&slug)?,
                liaison: org.liaison,
                name: org.name.clone(),
                kind: current.kind,
                country: current.country,
                identifiers: identifiers.into_iter().collect(),
                population: org.population,
                parents: parents
                    .iter()
                    .map(|p| Slug::parse(&known.rows[p].0).map(OrgKey::Slug))
                    .collect::<Result<_>>()?,
                website: current.website,
                email_domains: current.email_domains,
                demo: current.demo,
            };
            tx.put_organisation(&merged).await.map_err(|e| e.within(&slug))?;
            report.updated += 1;
        }
        tx.commit().await?;
        if report.created + report.updated >= crate::store::ANALYZE_FROM {
            self.analyze(&["organisations", "organisation_identifiers", "organisation_parents"]).await?;
        }
        Ok(report)
    }
}

/// Inserts new organisations with their identifiers, parents and audit events, a few
/// statements for the whole batch.
async fn insert_batch(tx: &mut Tx, known: &mut Known, chunk: &[NewOrganisation], actor: &str) -> Result<()> {
    let now = tx.now();
    let sql = format!(
        "INSERT INTO organisations (slug, name, kind, country, population, website, demo, liaison, created_at, \
         updated_at) VALUES {} RETURNING id, slug",
        values_list(chunk.len(), 8, &format!("${0}, ${0}", chunk.len() * 8 + 1))
    );

    let mut query = q(sql);
    for o in chunk {
        query = query
            .bind(o.slug.as_str())
            .bind(&o.name)
            .bind(o.kind.as_str())
            .bind(o.country.code())
            .bind(o.population)
            .bind(o.website.clone())
            .bind(o.demo)
            .bind(o.liaison.map(i64::from));
    }
    let query = query.bind(now);
    let ids: HashMap<String, i64> = tx.all::<(i64, String)>(query).await?.into_iter().map(|(id, s)| (s, id)).collect();

    let mut identifier_rows = Vec::new();
    for o in chunk {
        let id = ids[o.slug.as_str()];
        for ident in &o.identifiers {
            if let Some(other) = known.by_identifier.insert(ident.clone(), id) {
                let owner = known.rows.get(&other).map(|r| r.0.clone()).unwrap_or_default();
                return Err(Error::Conflict {
                    field: format!("{}.identifiers", o.slug),
                    message: format!("{ident} already belongs to organisation {owner}"),
                });
            }
            known.identifiers.entry(id).or_default().insert(ident.clone());
            identifier_rows.push((ident.clone(), id));
        }
        known.rows.insert(id, (o.slug.to_string(), o.name.clone(), o.population));
    }
    if !identifier_rows.is_empty() {
        let mut query = q(format!(
            "INSERT INTO organisation_identifiers (scheme, value, organisation_id) VALUES {}",
            values_list(identifier_rows.len(), 3, "")
        ));
        for (ident, id) in &identifier_rows {
            query = query.bind(ident.scheme().as_str()).bind(ident.value()).bind(*id);
        }
        tx.execute(query).await?;
    }

    let mut parent_rows = Vec::new();
    let mut events = Vec::new();
    for o in chunk {
        let id = ids[o.slug.as_str()];
        let parents = known.parent_ids(o)?;
        let mut refs = Vec::new();
        for p in &parents {
            parent_rows.push((id, *p));
            known.parents.entry(id).or_default().insert(*p);
            let (slug, name, _) = &known.rows[p];
            refs.push(serde_json::json!({ "slug": slug, "name": name }));
        }
        // The same shape as the Store's other organisation events, so that a history reads
        // alike whatever wrote it.
        let after = serde_json::json!({
            "slug": o.slug, "name": o.name, "kind": o.kind, "country": o.country,
            "identifiers": o.identifiers, "population": o.population, "parents": refs,
            "website": o.website, "email_domains": o.email_domains, "demo": o.demo,
            "created_at": now, "updated_at": now,
        });
        events.push((o.slug.to_string(), after.to_string()));
    }
    if !parent_rows.is_empty() {
        let mut query = q(format!(
            "INSERT INTO organisation_parents (organisation_id, parent_id) VALUES {} ON CONFLICT DO NOTHING",
            values_list(parent_rows.len(), 2, "")
        ));
        for (id, p) in &parent_rows {
            query = query.bind(*id).bind(*p);
        }
        tx.execute(query).await?;
    }
    let values: Vec<String> = (0..events.len())
        .map(|i| format!("($1, $2, 'create', 'organisation', ${}, NULL, ${})", i * 2 + 3, i * 2 + 4))
        .collect();
    let mut query = q(format!(
        "INSERT INTO audit_events (at, actor, action, entity, entity_key, before, after) VALUES {}",
        values.join(",")
    ))
    .bind(now)
    .bind(actor);
    for (slug, after) in events {
        query = query.bind(slug).bind(after);
    }
    tx.execute(query).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commune(code: &str, nom: &str, dep: &str) -> Commune {
        Commune {
            code: code.into(),
            nom: nom.into(),
            kind: "commune-actuelle".into(),
            departement: Some(dep.into()),
            siren: None,
            population: Some(100),
            liaison: Some(0),
        }
    }

    #[test]
    fn short_names_homonyms_and_overseas_codes_get_slugs() {
        let data = CommuneData {
            regions: vec![
                Region { code: "32".into(), nom: "Hauts-de-France".into(), liaison: Some(4) },
                Region { code: "975".into(), nom: "Saint-Pierre-et-Miquelon".into(), liaison: None },
            ],
            departements: vec![
                Departement { code: "80".into(), nom: "Somme".into(), region: "32".into(), liaison: Some(3) },
                Departement {
                    code: "975".into(),
                    nom: "Saint-Pierre-et-Miquelon".into(),
                    region: "975".into(),
                    liaison: None,
                },
            ],
            epcis: vec![],
            communes: vec![
                commune("80829", "Y", "80"),
                commune("80001", "Abbeville", "80"),
                commune("80002", "Saint-Pierre", "80"),
                commune("97502", "Saint-Pierre", "975"),
            ],
        };
        let orgs = data.organisations().unwrap();
        // The reference data's type de liaison comes along: "de la Somme".
        assert_eq!(orgs.iter().find(|o| o.name == "Somme").unwrap().liaison, Some(3));
        let slugs: Vec<_> = orgs.iter().map(|o| o.slug.to_string()).collect();
        assert!(slugs.contains(&"y-80829".to_string()), "{slugs:?}");
        assert!(slugs.contains(&"abbeville".to_string()));
        assert!(slugs.contains(&"saint-pierre-80002".to_string()) && slugs.contains(&"saint-pierre-97502".to_string()));
        let miquelon = orgs.iter().find(|o| o.slug.as_str() == "saint-pierre-97502").unwrap();
        assert_eq!(miquelon.parents, vec![OrgKey::Official(OfficialId::parse("fr-dep:975").unwrap())]);
    }
}
