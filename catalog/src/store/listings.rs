//! Another catalogue's list (the Comptoir du Libre's export, the SILL) into the catalog:
//! each software matched by its repository, then its name, else created; its providers
//! added to the record; the organisations that say they use it recorded as declared
//! adopters, with the catalogue's page as the evidence. One transaction; a second run of
//! the same list changes nothing.

use chrono::NaiveDate;
use serde::Serialize;

use super::publiccode::{CatalogueOutcome, NewNamed};
use super::{q, Store, Tx};
use crate::country::Country;
use crate::error::{Error, Result};
use crate::import::{Listed, ListedOrganisation, Listing};
use crate::model::{Actor, OrgKey, OrgRef, RepositoryDraft, Software, SoftwareDraft};
use crate::slug::Slug;

/// What an import of a catalogue's list did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ListingImport {
    /// Each software, in the export's order, with what became of it.
    pub software: Vec<CatalogueOutcome>,
    /// Adoptions newly recorded (declared) from the list's users.
    pub adoptions: usize,
    /// Organisations the list named that the catalog did not know, created.
    pub organisations_created: Vec<OrgRef>,
    /// Instances left out, each with why (their software is not in the list).
    pub skipped: Vec<String>,
    /// Links between similar software newly recorded.
    pub similar: usize,
    /// Instances newly recorded on adoptions (new adoptions, or declared ones that gave no
    /// address).
    pub instances: usize,
}

/// A record's fields as a draft, to change some and write it back.
fn draft_of(sw: &Software) -> SoftwareDraft {
    let slugs = |list: &[OrgRef]| list.iter().map(|o| o.slug.clone()).collect::<Vec<_>>();
    SoftwareDraft {
        slug: sw.slug.clone(),
        name: sw.name.clone(),
        summary: sw.summary.clone(),
        description: sw.description.clone(),
        categories: sw.categories.clone(),
        licence: sw.licence.clone(),
        maturity: sw.maturity.clone(),
        website: sw.website.clone(),
        logo_url: sw.logo_url.clone(),
        publisher: sw.publisher.as_ref().map(|p| p.slug.clone()),
        maintainers: slugs(&sw.maintainers),
        providers: slugs(&sw.providers),
        funders: slugs(&sw.funders),
        similar: sw.similar.iter().map(|s| s.slug.clone()).collect(),
        repositories: sw
            .repositories
            .iter()
            .map(|r| RepositoryDraft { url: r.url.clone(), forge: Some(r.forge.clone()) })
            .collect(),
        demo: sw.demo,
    }
}

impl Store {
    /// Imports a catalogue's list (see the module's comment); `today` dates the adoptions
    /// when the list carries no date.
    pub async fn import_listing(&self, actor: &Actor, export: &Listing, today: NaiveDate) -> Result<ListingImport> {
        let mut tx = self.begin(actor).await?;
        tx.large_write(export.software.len() * 20).await?;
        let since = export.listed_on.unwrap_or(today);
        let mut report = ListingImport::default();
        let mut wrote = false;
        // Each record of the list, by its source: for its similar software and its instances.
        let mut written: std::collections::HashMap<&str, (i64, String)> = Default::default();
        for s in &export.software {
            let (outcome, software_id) =
                tx.listed_software(s, export.catalogue, &mut report).await.map_err(|e| e.within(&s.label))?;
            let slug = match &outcome {
                CatalogueOutcome::Created(s) | CatalogueOutcome::Updated(s) | CatalogueOutcome::Unchanged(s) => {
                    s.clone()
                }
            };
            written.insert(s.source.as_str(), (software_id, slug));
            let mut changed = !matches!(outcome, CatalogueOutcome::Unchanged(_));
            for user in &s.users {
                let (org_id, org) = tx.listed_organisation(user, &mut report.organisations_created).await?;
                let now = tx.now();
                let added = tx
                    .execute(
                        q("INSERT INTO adoptions (software_id, organisation_id, since, status, scope, evidence_url, \
                           state, last_confirmed, demo, created_at, updated_at, check_due) \
                           VALUES ($1, $2, $3, 'active', NULL, $4, 'declared', NULL, $5, $6, $6, $7) \
                           ON CONFLICT (software_id, organisation_id) DO NOTHING")
                        .bind(software_id)
                        .bind(org_id)
                        .bind(since)
                        .bind(user.page.clone())
                        .bind(false)
                        .bind(now)
                        .bind(crate::model::check_due_after(since)),
                    )
                    .await?;
                if added > 0 {
                    let slug = match &outcome {
                        CatalogueOutcome::Created(s)
                        | CatalogueOutcome::Updated(s)
                        | CatalogueOutcome::Unchanged(s) => s,
                    };
                    let after = tx.load_adoption(software_id, org_id).await?;
                    tx.audit("create", "adoption", &format!("{slug}/{}", org.slug), None::<&()>, after.as_ref())
                        .await?;
                    report.adoptions += 1;
                    changed = true;
                }
            }
            if changed {
                tx.refresh_stats(&[software_id].into()).await?;
                wrote = true;
            }
            report.software.push(outcome);
        }
        // What the record already says stays; the list adds the similar software it lacks.
        for s in &export.software {
            let (id, slug) = written[s.source.as_str()].clone();
            let others: Vec<&(i64, String)> =
                s.similar.iter().filter_map(|source| written.get(source.as_str())).collect();
            if others.is_empty() {
                continue;
            }
            let before = tx.load_software(&slug).await?.ok_or_else(|| Error::not_found("software", slug.clone()))?;
            let mut similar: Vec<String> = before.similar.iter().map(|r| r.slug.clone()).collect();
            let known = similar.len();
            for (other_id, other) in others {
                if *other_id != id && !similar.contains(other) {
                    similar.push(other.clone());
                }
            }
            if similar.len() == known {
                continue;
            }
            let slugs = similar.iter().map(|s| Slug::parse(s)).collect::<Result<Vec<_>>>()?;
            tx.set_similar(id, &slugs).await?;
            let after = tx.load_software(&slug).await?;
            tx.audit("update", "software", &slug, Some(&before), after.as_ref()).await?;
            report.similar += similar.len() - known;
            wrote = true;
        }
        for instance in &export.instances {
            let Some((software_id, slug)) = written.get(instance.software.as_str()).cloned() else {
                report.skipped.push(format!("{}: {} is not in the list imported", instance.label, instance.software));
                continue;
            };
            let (org_id, org) = tx
                .listed_organisation(&instance.organisation, &mut report.organisations_created)
                .await
                .map_err(|e| e.within(&instance.label))?;
            let before = tx.load_adoption(software_id, org_id).await?;
            let now = tx.now();
            let changed = match &before {
                None => {
                    tx.execute(
                        q("INSERT INTO adoptions (software_id, organisation_id, since, status, scope, evidence_url, \
                           state, last_confirmed, demo, created_at, updated_at, check_due, instance_url) \
                           VALUES ($1, $2, $3, 'active', $4, NULL, 'declared', NULL, FALSE, $5, $5, $6, $7)")
                        .bind(software_id)
                        .bind(org_id)
                        .bind(since)
                        .bind(instance.audience.clone())
                        .bind(now)
                        .bind(crate::model::check_due_after(since))
                        .bind(instance.url.clone()),
                    )
                    .await?;
                    report.adoptions += 1;
                    true
                }
                // A declared adoption that gave no address gets the instance's.
                Some(a) if a.instance_url.is_none() && instance.url.is_some() => {
                    tx.execute(
                        q("UPDATE adoptions SET instance_url = $1, updated_at = $2 \
                           WHERE software_id = $3 AND organisation_id = $4")
                        .bind(instance.url.clone())
                        .bind(now)
                        .bind(software_id)
                        .bind(org_id),
                    )
                    .await?;
                    true
                }
                Some(_) => false,
            };
            if changed {
                let after = tx.load_adoption(software_id, org_id).await?;
                let action = if before.is_some() { "update" } else { "create" };
                tx.audit(action, "adoption", &format!("{slug}/{}", org.slug), before.as_ref(), after.as_ref()).await?;
                tx.refresh_stats(&[software_id].into()).await?;
                report.instances += 1;
                wrote = true;
            }
        }
        if wrote || !report.organisations_created.is_empty() {
            tx.commit().await?;
        } else {
            // Nothing written: the catalog's version stays.
            tx.commit_quietly().await?;
        }
        Ok(report)
    }
}

impl Tx {
    /// The record of one software of the list, created or completed.
    async fn listed_software(
        &mut self,
        s: &Listed,
        catalogue: &str,
        report: &mut ListingImport,
    ) -> Result<(CatalogueOutcome, i64)> {
        let by_repo: Option<(String,)> = match &s.repository {
            Some(url) => {
                self.optional(
                    q("SELECT s.slug FROM repositories r JOIN software s ON s.id = r.software_id WHERE r.url = $1")
                        .bind(url),
                )
                .await?
            }
            None => None,
        };
        let slug = match by_repo {
            Some((slug,)) => slug,
            None => Slug::from_name(&s.name).map_err(|e| e.within("name"))?.as_str().to_string(),
        };
        let mut providers = Vec::new();
        for p in &s.providers {
            let (_, org) = self.listed_organisation(p, &mut report.organisations_created).await?;
            providers.push(org.slug);
        }
        let existing = self.load_software(&slug).await?;
        let (draft, outcome) = match &existing {
            None => {
                // The list's description, else what it says of the software in one sentence.
                let mut summary = std::collections::BTreeMap::new();
                summary.insert(
                    "fr".to_string(),
                    s.summary.clone().unwrap_or_else(|| {
                        format!("{}, logiciel libre sous licence {}, référencé par {catalogue}.", s.name, s.licence)
                    }),
                );
                let draft = SoftwareDraft {
                    slug: slug.clone(),
                    name: s.name.clone(),
                    summary,
                    description: Default::default(),
                    categories: Vec::new(),
                    licence: s.licence.clone(),
                    // Listed because public bodies use it.
                    maturity: "stable".into(),
                    website: s.website.clone(),
                    logo_url: None,
                    publisher: None,
                    maintainers: Vec::new(),
                    providers,
                    funders: Vec::new(),
                    similar: Vec::new(),
                    repositories: s
                        .repository
                        .iter()
                        .map(|url| RepositoryDraft { url: url.clone(), forge: None })
                        .collect(),
                    demo: false,
                };
                (Some(draft), CatalogueOutcome::Created(slug.clone()))
            }
            Some(old) => {
                // What the record already says stays; the Comptoir adds what it lacks.
                let mut draft = draft_of(old);
                let mut changed = false;
                if let Some(url) = &s.repository {
                    if !draft.repositories.iter().any(|r| &r.url == url) {
                        draft.repositories.push(RepositoryDraft { url: url.clone(), forge: None });
                        changed = true;
                    }
                }
                for p in providers {
                    if !draft.providers.contains(&p) {
                        draft.providers.push(p);
                        changed = true;
                    }
                }
                if draft.website.is_none() && s.website.is_some() {
                    draft.website = s.website.clone();
                    changed = true;
                }
                if changed {
                    (Some(draft), CatalogueOutcome::Updated(slug.clone()))
                } else {
                    (None, CatalogueOutcome::Unchanged(slug.clone()))
                }
            }
        };
        if let Some(draft) = draft {
            let new = draft.validate()?;
            self.put_software(&new).await?;
        }
        let id = self.software_id(&slug).await?.ok_or_else(|| Error::not_found("software", slug.clone()))?;
        if !matches!(outcome, CatalogueOutcome::Unchanged(_)) {
            let now = self.now();
            self.execute(
                q("INSERT INTO software_sources (software_id, source, imported_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (software_id, source) DO UPDATE SET imported_at = $3")
                .bind(id)
                .bind(&s.source)
                .bind(now),
            )
            .await?;
        }
        Ok((outcome, id))
    }

    /// The organisation a user or provider of the list is: the one with its identifier,
    /// else the one of its name (which then gets the identifier, when no other has it), else
    /// a new one of its kind (in France, where these catalogues' members are).
    pub(super) async fn listed_organisation(
        &mut self,
        o: &ListedOrganisation,
        created: &mut Vec<OrgRef>,
    ) -> Result<(i64, OrgRef)> {
        if let Some(id) = &o.identifier {
            if let Some(org) = self.organisation_id(&OrgKey::Official(id.clone())).await? {
                return Ok((org, self.org_ref(org).await?));
            }
        }
        if let Some((org, found)) = self.find_named(&o.name, None).await? {
            if let Some(id) = &o.identifier {
                self.execute(
                    q("INSERT INTO organisation_identifiers (scheme, value, organisation_id) VALUES ($1, $2, $3) \
                       ON CONFLICT DO NOTHING")
                    .bind(id.scheme().as_str())
                    .bind(id.value())
                    .bind(org),
                )
                .await?;
            }
            return Ok((org, found));
        }
        let new = NewNamed {
            field: "name",
            name: &o.name,
            kind: o.kind,
            country: Country::FR,
            identifiers: o.identifier.iter().cloned().collect(),
            website: o.website.clone(),
        };
        self.new_named_organisation(new, created).await
    }
}

impl Store {
    /// The other catalogues a record's facts came from (`comptoir-du-libre:123`), with when
    /// each last changed it.
    pub async fn software_sources(&self, slug: &str) -> Result<Vec<(String, chrono::DateTime<chrono::Utc>)>> {
        self.all(
            q("SELECT o.source, o.imported_at FROM software_sources o JOIN software s ON s.id = o.software_id \
               WHERE s.slug = $1 ORDER BY o.source")
            .bind(slug),
        )
        .await
    }
}
