//! A software record from a publiccode.yml, and the publiccode.yml of a record.

use chrono::NaiveDate;
use serde::Serialize;

use super::{q, Store, Tx};
use crate::country::Country;
use crate::error::{Error, Result};
use crate::identifier::OfficialId;
use crate::model::{Actor, NewOrganisation, OrgKey, OrgRef, RepositoryDraft, Software, SoftwareDraft};
use crate::publiccode::{compose, fold, Adopters, Named, Reading};
use crate::slug::Slug;
use crate::vocab::{AdoptionStatus, OrganisationKind};

/// How to import: organisations a file names that the catalog does not know are created in
/// `country` (a publiccode.yml does not say where its organisations are).
#[derive(Debug, Clone)]
pub struct PublicCodeImportOptions {
    pub country: Country,
    pub today: NaiveDate,
    /// What the document came from (a file name, `api`), kept with it.
    pub source: String,
    /// The organisation a person imports for: they may add new software, and update only
    /// software it maintains or publishes. `None`: the operator or a site administrator,
    /// who may update any.
    pub acting_for: Option<String>,
}

/// An organisation an import creates: its name (and the field that gave it, for an
/// error), kind, country, identifiers and website.
pub(crate) struct NewNamed<'a> {
    pub field: &'a str,
    pub name: &'a str,
    pub kind: OrganisationKind,
    pub country: Country,
    pub identifiers: Vec<OfficialId>,
    pub website: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct PublicCodeImport {
    pub software: Software,
    pub created: bool,
    /// Organisations the file named that the catalog did not know, created by the import.
    pub organisations_created: Vec<OrgRef>,
    /// `usedBy` entries matched to known organisations, now declared adopters.
    pub adopters_matched: Vec<OrgRef>,
    /// `usedBy` entries that match no known organisation (or several): nothing recorded.
    pub used_by_unmatched: Vec<String>,
}

/// Where the catalog's fields come from in the file, so that a refusal names the file's key.
fn in_file_terms(e: Error) -> Error {
    let rename = |field: &str| -> String {
        let mut parts = field.splitn(2, '.');
        match (parts.next().unwrap_or_default(), parts.next()) {
            ("summary", Some(lang)) => format!("description.{lang}.shortDescription"),
            ("description", Some(lang)) => format!("description.{lang}.longDescription"),
            ("summary", None) | ("description", None) => "description".to_string(),
            ("licence", _) => "legal.license".to_string(),
            ("website", _) => "landingURL".to_string(),
            ("logo_url", _) => "logo".to_string(),
            ("maturity", _) => "developmentStatus".to_string(),
            (f, _) if f.starts_with("repositories") => "url".to_string(),
            _ => field.to_string(),
        }
    };
    match e {
        Error::Invalid { field, message } => Error::Invalid { field: rename(&field), message },
        Error::Conflict { field, message } => Error::Conflict { field: rename(&field), message },
        other => other,
    }
}

/// A kept document as stored: the JSON of a validated `PublicCode`.
fn decode_kept(whose: &str, json: &str) -> Result<publiccode::PublicCode> {
    serde_json::from_str(json)
        .map_err(|e| Error::Database(sqlx::Error::Decode(format!("the kept publiccode.yml of {whose}: {e}").into())))
}

impl Tx {
    /// An organisation the file names: the one its URI points to (exports write
    /// `urn:x-communs:org:SLUG`), or the one whose slug, official identifier or name the name
    /// is; `None` when none is, or when several share the name.
    pub(crate) async fn find_named(&mut self, name: &str, slug_hint: Option<Slug>) -> Result<Option<(i64, OrgRef)>> {
        let mut keys: Vec<OrgKey> = slug_hint.into_iter().chain(Slug::from_name(name).ok()).map(OrgKey::Slug).collect();
        if OfficialId::looks_like(name) {
            keys.extend(OfficialId::parse(name).ok().map(OrgKey::Official));
        }
        let mut id = None;
        for key in &keys {
            id = self.organisation_id(key).await?;
            if id.is_some() {
                break;
            }
        }
        if id.is_none() {
            let rows: Vec<(i64,)> =
                self.all(q("SELECT id FROM organisations WHERE name = $1 LIMIT 2").bind(name)).await?;
            if let [(one,)] = rows[..] {
                id = Some(one);
            }
        }
        let Some(id) = id else { return Ok(None) };
        Ok(Some((id, self.org_ref(id).await?)))
    }

    /// The organisation a file names, created when the catalog does not know it.
    async fn named_organisation(
        &mut self,
        named: &Named,
        kind: OrganisationKind,
        country: Country,
        created: &mut Vec<OrgRef>,
    ) -> Result<Slug> {
        let name = crate::text::line(&named.key, &named.name, 200)?;
        if let Some((_, org)) = self.find_named(&name, named.slug_hint()).await? {
            return Slug::parse(&org.slug);
        }
        let new = NewNamed { field: &named.key, name: &name, kind, country, identifiers: Vec::new(), website: None };
        let (_, made) = self.new_named_organisation(new, created).await?;
        Slug::parse(&made.slug)
    }

    /// The reference (slug, name, kind, country) of the organisation `id`.
    pub(crate) async fn org_ref(&mut self, id: i64) -> Result<OrgRef> {
        self.one(q("SELECT slug, name, kind, country FROM organisations WHERE id = $1").bind(id)).await
    }

    /// A new organisation of that name, under the first free slug its name gives; it joins
    /// `created`.
    pub(crate) async fn new_named_organisation(
        &mut self,
        new: NewNamed<'_>,
        created: &mut Vec<OrgRef>,
    ) -> Result<(i64, OrgRef)> {
        let base = Slug::from_name(new.name).map_err(|e| e.within(new.field))?;
        let mut slug = base.clone();
        for n in 2.. {
            if self.organisation_id(&OrgKey::Slug(slug.clone())).await?.is_none() {
                break;
            }
            slug = Slug::parse(&format!("{}-{n}", base.as_str()))?;
        }
        let org = NewOrganisation {
            slug: slug.clone(),
            liaison: None,
            name: new.name.to_string(),
            kind: new.kind,
            country: new.country,
            identifiers: new.identifiers,
            population: None,
            parents: Vec::new(),
            website: new.website,
            email_domains: Vec::new(),
            demo: false,
        };
        let (made, _) = self.put_organisation(&org).await?;
        let id = self.organisation_id(&OrgKey::Slug(slug)).await?.expect("just written");
        let made = OrgRef {
            slug: made.slug,
            name: made.name,
            kind: made.kind.as_str().to_string(),
            country: made.country.code().to_string(),
        };
        created.push(made.clone());
        Ok((id, made))
    }

    /// The organisations of one of the file's lists, each once, created when unknown.
    async fn named_organisations(
        &mut self,
        list: &[Named],
        read: &Reading,
        kind: OrganisationKind,
        country: Country,
        created: &mut Vec<OrgRef>,
    ) -> Result<Vec<Slug>> {
        let mut slugs = Vec::new();
        for n in list {
            // A contractor that also maintains is a company either way.
            let kind = if read.providers.iter().any(|p| fold(&p.name) == fold(&n.name)) {
                OrganisationKind::Company
            } else {
                kind
            };
            let s = self.named_organisation(n, kind, country, created).await?;
            if !slugs.contains(&s) {
                slugs.push(s);
            }
        }
        Ok(slugs)
    }

    pub(crate) async fn keep_publiccode(
        &mut self,
        software_id: i64,
        slug: &str,
        doc: &publiccode::PublicCode,
        source: &str,
    ) -> Result<()> {
        let before: Option<(String,)> = self
            .optional(q("SELECT document FROM software_publiccode WHERE software_id = $1").bind(software_id))
            .await?;
        let document = serde_json::to_string(doc).map_err(|e| Error::invalid("publiccode", e.to_string()))?;
        let now = self.now();
        self.execute(
            q("INSERT INTO software_publiccode (software_id, document, source, imported_at) VALUES ($1, $2, $3, $4) \
               ON CONFLICT (software_id) DO UPDATE SET document = $2, source = $3, imported_at = $4")
            .bind(software_id)
            .bind(&document)
            .bind(source)
            .bind(now),
        )
        .await?;
        let before: Option<serde_json::Value> = before.and_then(|(d,)| serde_json::from_str(&d).ok());
        let after = serde_json::json!({ "source": source, "document": doc });
        self.audit("import", "publiccode", slug, before.as_ref(), Some(&after)).await
    }

    async fn kept_publiccode(&mut self, software_id: i64) -> Result<Option<publiccode::PublicCode>> {
        let row: Option<(String,)> = self
            .optional(q("SELECT document FROM software_publiccode WHERE software_id = $1").bind(software_id))
            .await?;
        row.map(|(d,)| decode_kept(&format!("software {software_id}"), &d)).transpose()
    }

    async fn import_publiccode(
        &mut self,
        doc: &publiccode::PublicCode,
        options: &PublicCodeImportOptions,
    ) -> Result<PublicCodeImport> {
        let read = Reading::of(doc);
        // The record to update: the one with the file's repository, else the one named so.
        let by_repo: Option<(String,)> = self
            .optional(
                q("SELECT s.slug FROM repositories r JOIN software s ON s.id = r.software_id WHERE r.url = $1")
                    .bind(&read.repository),
            )
            .await?;
        let slug = match by_repo {
            Some((slug,)) => Slug::parse(&slug)?,
            None => Slug::from_name(&read.name).map_err(|e| e.within("name"))?,
        };
        let existing = self.load_software(slug.as_str()).await?;
        if let (Some(old), Some(org)) = (&existing, &options.acting_for) {
            let answers_for = old.maintainers.iter().chain(old.publisher.as_ref()).any(|o| &o.slug == org);
            if !answers_for {
                return Err(Error::forbidden(format!(
                    "{slug} is already in the catalog and {org} neither maintains nor publishes it; \
                     ask one of its maintainers to import the file"
                )));
            }
        }

        let mut created = Vec::new();
        let country = options.country;
        let mut publisher = None;
        if let Some(p) = &read.publisher {
            publisher =
                Some(self.named_organisation(p, OrganisationKind::OtherPublicBody, country, &mut created).await?);
        }
        let maintainers = self
            .named_organisations(&read.maintainers, &read, OrganisationKind::OtherPublicBody, country, &mut created)
            .await?;
        let providers =
            self.named_organisations(&read.providers, &read, OrganisationKind::Company, country, &mut created).await?;
        let funders = self
            .named_organisations(&read.funders, &read, OrganisationKind::OtherPublicBody, country, &mut created)
            .await?;
        let strings = |v: &[Slug]| v.iter().map(|s| s.as_str().to_string()).collect::<Vec<_>>();

        // What the file does not say, an update keeps; what the standard cannot say (most
        // municipal categories, service providers without a contract end date) too.
        let mut draft = SoftwareDraft {
            slug: slug.as_str().to_string(),
            name: read.name.clone(),
            summary: read.summary.clone(),
            description: read.description.clone(),
            categories: read.categories.iter().map(|c| c.slug().to_string()).collect(),
            licence: read.licence.clone(),
            maturity: read.maturity.clone(),
            website: read.website.clone(),
            logo_url: read.logo_url.clone(),
            publisher: publisher.map(|s| s.as_str().to_string()),
            maintainers: strings(&maintainers),
            providers: strings(&providers),
            funders: strings(&funders),
            similar: Vec::new(),
            repositories: vec![RepositoryDraft { url: read.repository.clone(), forge: None }],
            demo: false,
        };
        if let Some(old) = &existing {
            for (lang, text) in &old.summary {
                draft.summary.entry(lang.clone()).or_insert_with(|| text.clone());
            }
            for (lang, text) in &old.description {
                draft.description.entry(lang.clone()).or_insert_with(|| text.clone());
            }
            let union = |mine: &mut Vec<String>, theirs: Vec<String>| {
                for t in theirs {
                    if !mine.contains(&t) {
                        mine.push(t);
                    }
                }
            };
            union(&mut draft.categories, old.categories.clone());
            union(&mut draft.providers, old.providers.iter().map(|o| o.slug.clone()).collect());
            union(&mut draft.funders, old.funders.iter().map(|o| o.slug.clone()).collect());
            if draft.maintainers.is_empty() {
                draft.maintainers = old.maintainers.iter().map(|o| o.slug.clone()).collect();
            }
            draft.publisher = draft.publisher.or_else(|| old.publisher.as_ref().map(|p| p.slug.clone()));
            draft.website = draft.website.or_else(|| old.website.clone());
            draft.logo_url = draft.logo_url.or_else(|| old.logo_url.clone());
            draft.similar = old.similar.iter().map(|s| s.slug.clone()).collect();
            let mut repos: Vec<RepositoryDraft> = old
                .repositories
                .iter()
                .map(|r| RepositoryDraft { url: r.url.clone(), forge: Some(r.forge.clone()) })
                .collect();
            if !repos.iter().any(|r| r.url == read.repository) {
                repos.insert(0, RepositoryDraft { url: read.repository.clone(), forge: None });
            }
            draft.repositories = repos;
            draft.demo = old.demo;
        }
        let new = draft.validate().map_err(in_file_terms)?;
        let (software, was_created) = self.put_software(&new).await.map_err(in_file_terms)?;
        let software_id = self.software_id(slug.as_str()).await?.expect("just written");
        self.keep_publiccode(software_id, slug.as_str(), doc, &options.source).await?;

        // `usedBy` names adopters; the ones the catalog knows become declared adoptions.
        let mut matched = Vec::new();
        let mut unmatched = Vec::new();
        for name in &read.used_by {
            let Some((org_id, org)) = self.find_named(name, None).await? else {
                unmatched.push(name.clone());
                continue;
            };
            let now = self.now();
            let added = self
                .execute(
                    q("INSERT INTO adoptions (software_id, organisation_id, since, status, scope, evidence_url, state, \
                       last_confirmed, demo, created_at, updated_at, check_due) \
                       VALUES ($1, $2, $3, 'active', NULL, NULL, 'declared', NULL, $4, $5, $5, $6) \
                       ON CONFLICT (software_id, organisation_id) DO NOTHING")
                    .bind(software_id)
                    .bind(org_id)
                    .bind(options.today)
                    .bind(false)
                    .bind(now)
                    .bind(crate::model::check_due_after(options.today)),
                )
                .await?;
            if added > 0 {
                let after = self.load_adoption(software_id, org_id).await?;
                self.audit("create", "adoption", &format!("{slug}/{}", org.slug), None::<&()>, after.as_ref()).await?;
            }
            if !matched.iter().any(|m: &OrgRef| m.slug == org.slug) {
                matched.push(org);
            }
        }
        self.refresh_stats(&[software_id].into()).await?;
        Ok(PublicCodeImport {
            software,
            created: was_created,
            organisations_created: created,
            adopters_matched: matched,
            used_by_unmatched: unmatched,
        })
    }

    async fn publiccode_of(&mut self, slug: &str) -> Result<publiccode::PublicCode> {
        let (id, sw) = self.load_software_with_id(slug).await?.ok_or_else(|| Error::not_found("software", slug))?;
        let kept = self.kept_publiccode(id).await?;
        // Illustrative demo records are not facts to publish in a publiccode.yml.
        let rows: Vec<(String, String)> = self
            .all(
                q("SELECT o.name, a.status FROM adoptions a JOIN organisations o ON o.id = a.organisation_id \
                   WHERE a.software_id = $1 AND a.demo = $2 ORDER BY o.name, o.slug")
                .bind(id)
                .bind(false),
            )
            .await?;
        let mut adopters = Adopters::default();
        for (name, status) in rows {
            if status == AdoptionStatus::Ended.as_str() {
                adopters.ended.push(name);
            } else {
                adopters.current.push(name);
            }
        }
        adopters.ledger_funders = self
            .all(
                q(
                    "SELECT DISTINCT o.slug, o.name, o.kind, o.country FROM fundings f \
                   JOIN organisations o ON o.id = f.funder_id WHERE f.software_id = $1 AND f.demo = $2 ORDER BY o.slug",
                )
                .bind(id)
                .bind(false),
            )
            .await?;
        compose(&sw, &adopters, kept.as_ref())
    }
}

/// What a catalogue's import did to one of its records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", content = "slug", rename_all = "snake_case")]
pub enum CatalogueOutcome {
    Created(String),
    Updated(String),
    /// The record already holds this very document from this very source: nothing written.
    Unchanged(String),
}

/// One record of another catalogue: where it comes from, and its document.
#[derive(Debug, Clone)]
pub struct CatalogueRecord {
    /// How a problem names it: `FILE: data[3] (https://…)`.
    pub label: String,
    /// Kept with the record: `developers-italia:UUID`.
    pub source: String,
    pub document: publiccode::PublicCode,
}

impl Store {
    /// Imports the publiccode.yml documents of another catalogue in one transaction: all or
    /// nothing, the error naming its record. A record is matched by its repository, then
    /// by its name; one that already holds the same document from the same source is left
    /// as it is, so that a second run changes nothing.
    pub async fn import_catalogue(
        &self,
        actor: &Actor,
        records: &[CatalogueRecord],
        country: Country,
        today: NaiveDate,
    ) -> Result<Vec<CatalogueOutcome>> {
        let mut tx = self.begin(actor).await?;
        tx.large_write(records.len() * 20).await?;
        let mut outcomes = Vec::with_capacity(records.len());
        for r in records {
            let document =
                serde_json::to_string(&r.document).map_err(|e| Error::invalid("publiccode", e.to_string()))?;
            let kept: Option<(String, Option<String>, Option<String>)> = tx
                .optional(
                    q("SELECT s.slug, p.document, p.source FROM repositories r JOIN software s ON s.id = r.software_id \
                       LEFT JOIN software_publiccode p ON p.software_id = s.id WHERE r.url = $1")
                    .bind(&Reading::of(&r.document).repository),
                )
                .await?;
            if let Some((slug, Some(d), Some(source))) = &kept {
                if *d == document && *source == r.source {
                    outcomes.push(CatalogueOutcome::Unchanged(slug.clone()));
                    continue;
                }
            }
            let options = PublicCodeImportOptions { country, today, source: r.source.clone(), acting_for: None };
            let done = tx.import_publiccode(&r.document, &options).await.map_err(|e| e.within(&r.label))?;
            let slug = done.software.slug.clone();
            outcomes.push(if done.created { CatalogueOutcome::Created(slug) } else { CatalogueOutcome::Updated(slug) });
        }
        if outcomes.iter().all(|o| matches!(o, CatalogueOutcome::Unchanged(_))) {
            // Nothing written: the catalog's version (and every cache) stays.
            tx.commit_quietly().await?;
        } else {
            tx.commit().await?;
        }
        Ok(outcomes)
    }

    /// Creates or updates the software a valid publiccode.yml describes, with the
    /// organisations it names, in one transaction; the document is kept with the record.
    pub async fn import_publiccode(
        &self,
        actor: &Actor,
        doc: &publiccode::PublicCode,
        options: &PublicCodeImportOptions,
    ) -> Result<PublicCodeImport> {
        let mut tx = self.begin(actor).await?;
        let out = tx.import_publiccode(doc, options).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Where the record's kept publiccode.yml came from (a file's name, `api`,
    /// `developers-italia:ID`) and when it was imported; `None` when none is kept.
    pub async fn publiccode_origin(&self, slug: &str) -> Result<Option<(String, chrono::DateTime<chrono::Utc>)>> {
        self.optional(
            q("SELECT p.source, p.imported_at FROM software_publiccode p JOIN software s ON s.id = p.software_id \
               WHERE s.slug = $1")
            .bind(slug),
        )
        .await
    }

    /// The publiccode.yml document of a record (see `catalog::publiccode::compose`).
    pub async fn software_publiccode(&self, slug: &str) -> Result<publiccode::PublicCode> {
        self.read().await?.publiccode_of(slug).await
    }

    /// The kept publiccode.yml documents, written as files, by slug (for `export_fixtures`).
    pub async fn kept_publiccode_files(&self) -> Result<std::collections::BTreeMap<String, String>> {
        let rows: Vec<(String, String)> = self
            .read()
            .await?
            .all(q("SELECT s.slug, p.document FROM software_publiccode p JOIN software s ON s.id = p.software_id"))
            .await?;
        let mut out = std::collections::BTreeMap::new();
        for (slug, document) in rows {
            let doc = decode_kept(&slug, &document)?;
            out.insert(slug, publiccode::to_yaml(&doc));
        }
        Ok(out)
    }

    /// Every record's publiccode.yml document, by slug.
    pub async fn all_publiccode(&self) -> Result<Vec<(String, Result<publiccode::PublicCode>)>> {
        let mut tx = self.read().await?;
        let slugs: Vec<(String,)> = tx.all(q("SELECT slug FROM software ORDER BY slug")).await?;
        let mut out = Vec::with_capacity(slugs.len());
        for (slug,) in slugs {
            let doc = tx.publiccode_of(&slug).await;
            if let Err(Error::Database(e)) = doc {
                return Err(Error::Database(e));
            }
            out.push((slug, doc));
        }
        Ok(out)
    }
}
