//! publiccode.yml in the catalog's terms: what a document says about a software record
//! (`Reading`, for imports), and the document a record writes (`compose`, for exports).
//!
//! The catalog models part of the standard (name, texts, licence, categories...). The rest
//! (platforms, software type, features, contacts, dependencies...) is kept as the document
//! last imported for the record, and written back as it was. For each part the catalog
//! models, an export writes what the kept document says when the record still says the same
//! (so a file read and written back is the same file), and otherwise writes the record. So a
//! round trip (export, import into an empty database, export) gives the same file.

use std::collections::{BTreeMap, BTreeSet};

use publiccode::{Contact, Description, DevelopmentStatus, Funder, Localisation, Maintenance, MaintenanceType};
use publiccode::{Organisation as PcOrganisation, PublicCode, SoftwareType};

use crate::category::Category;
use crate::error::{Error, Result};
use crate::model::{OrgRef, Software};
use crate::slug::Slug;

/// Catalog categories and the publiccode.yml categories that say the same thing. The first
/// one of each is what an export writes; every one listed reads back as the catalog's. Most
/// municipal domains (cemeteries, civil registry, elections...) have no counterpart in the
/// standard's list, which is about kinds of software rather than public services.
const CATEGORY_MAP: &[(&str, &[&str])] = &[
    ("sig", &["geographic-information-systems", "cad"]),
    ("signature", &["e-signature"]),
    ("courrier", &["document-management", "email-management"]),
    (
        "finances",
        &[
            "accounting",
            "budgeting",
            "billing-and-invoicing",
            "financial-reporting",
            "taxes-management",
            "payment-gateway",
            "mobile-payment",
            "grant-management",
        ],
    ),
    (
        "ressources-humaines",
        &["hr", "payroll", "employee-management", "talent-management", "applicant-tracking", "time-tracking"],
    ),
    ("marches-publics", &["procurement"]),
    ("participation", &["online-community", "survey"]),
    ("teleservices", &["digital-citizenship", "workflow-management", "business-process-management"]),
    ("open-data", &["data-collection", "data-visualization", "data-analytics", "business-intelligence"]),
    ("site-web", &["content-management", "website-builder", "blog", "seo"]),
    (
        "relation-usagers",
        &[
            "customer-service-and-support",
            "crm",
            "help-desk",
            "service-desk",
            "feedback-and-reviews-management",
            "call-center-management",
            "contact-management",
            "appointment-scheduling",
            "whistleblowing",
        ],
    ),
    ("tourisme-loisirs", &["event-management", "online-booking", "visitor-management"]),
    ("education-enfance", &["learning-management-system", "educational-content"]),
    (
        "collaboration",
        &[
            "collaboration",
            "office",
            "productivity-suite",
            "web-collaboration",
            "project-collaboration",
            "instant-messaging",
            "video-conferencing",
            "web-conferencing",
            "communications",
            "knowledge-management",
            "enterprise-social-networking",
        ],
    ),
    (
        "patrimoine-technique",
        &[
            "facility-management",
            "fleet-management",
            "property-management",
            "real-estate-management",
            "inventory-management",
            "it-asset-management",
            "warehouse-management",
            "resource-management",
        ],
    ),
    ("identite-acces", &["identity-management"]),
    ("bibliotheques", &["integrated-library-system"]),
    ("regles-calcul", &["regulations-and-directives"]),
];

/// The URI an export gives an organisation the catalog knows, read back as that organisation.
const ORG_URN: &str = "urn:x-communs:org:";

/// An organisation as a publiccode.yml names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// Where the file names it (`organisation.name`, `maintenance.contractors[0].name`).
    pub key: String,
    pub name: String,
    /// `organisation.uri` or `fundedBy[].uri`, when the file gives one.
    pub uri: Option<String>,
}

impl Named {
    /// The catalog slug the URI names, for URIs an export wrote.
    pub fn slug_hint(&self) -> Option<Slug> {
        self.uri.as_deref().and_then(|u| u.strip_prefix(ORG_URN)).and_then(|s| Slug::parse(s).ok())
    }
}

/// What a publiccode.yml says in the catalog's terms. Texts are as the file writes them;
/// the catalog's validation trims them.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub name: String,
    pub repository: String,
    pub website: Option<String>,
    pub logo_url: Option<String>,
    /// Keyed by two-letter language code.
    pub summary: BTreeMap<String, String>,
    pub description: BTreeMap<String, String>,
    pub categories: Vec<Category>,
    pub licence: String,
    pub maturity: String,
    pub publisher: Option<Named>,
    pub maintainers: Vec<Named>,
    pub providers: Vec<Named>,
    pub funders: Vec<Named>,
    pub used_by: Vec<String>,
}

/// The catalog language of a BCP 47 tag: its primary subtag when that is two letters.
fn lang_of(tag: &str) -> Option<String> {
    let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
    (primary.len() == 2 && primary.bytes().all(|b| b.is_ascii_lowercase())).then_some(primary)
}

/// For each catalog language, the document's description section that gives it: the one
/// tagged with the bare language (`en`) before regional ones (`en-GB`).
fn sections_by_lang(doc: &PublicCode) -> BTreeMap<String, (&String, &Description)> {
    let mut out: BTreeMap<String, (&String, &Description)> = BTreeMap::new();
    for (tag, d) in &doc.description {
        let Some(lang) = lang_of(tag) else { continue };
        let exact = tag.eq_ignore_ascii_case(&lang);
        match out.get(&lang) {
            Some((t, _)) if t.eq_ignore_ascii_case(&lang) || !exact => {}
            _ => {
                out.insert(lang, (tag, d));
            }
        }
    }
    out
}

fn is_web_url(s: &str) -> bool {
    crate::text::web_url("url", s).is_ok()
}

fn categories_of(pc: &[String]) -> Vec<Category> {
    let mut out = Vec::new();
    for c in pc {
        if let Some((ours, _)) = CATEGORY_MAP.iter().find(|(_, theirs)| theirs.contains(&c.as_str())) {
            let cat = Category::parse(ours).expect("the map names catalog categories");
            if !out.contains(&cat) {
                out.push(cat);
            }
        }
    }
    out.sort();
    out
}

fn publisher_of(doc: &PublicCode) -> Option<Named> {
    publisher_named(doc.organisation.as_ref(), &doc.legal)
}

fn publisher_named(organisation: Option<&PcOrganisation>, legal: &publiccode::Legal) -> Option<Named> {
    if let Some(o) = organisation {
        if let Some(name) = o.name.as_deref().filter(|n| !n.trim().is_empty()) {
            let key = "organisation.name".to_string();
            return Some(Named { key, name: name.trim().to_string(), uri: Some(o.uri.clone()) });
        }
    }
    [
        ("legal.repoOwner", legal.repo_owner.as_deref()),
        ("legal.mainCopyrightOwner", legal.main_copyright_owner.as_deref()),
    ]
    .into_iter()
    .filter_map(|(k, n)| Some((k, n?.trim())))
    .find(|(_, n)| !n.is_empty())
    .map(|(k, n)| Named { key: k.to_string(), name: n.to_string(), uri: None })
}

fn push_named(list: &mut Vec<Named>, n: Named) {
    let key = fold(&n.name);
    if !key.is_empty() && !list.iter().any(|o| fold(&o.name) == key) {
        list.push(n);
    }
}

/// Names compared as the catalog makes slugs of them: accents, case and punctuation aside.
pub(crate) fn fold(name: &str) -> String {
    Slug::from_name(name).map(|s| s.as_str().to_string()).unwrap_or_default()
}

impl Reading {
    pub fn of(doc: &PublicCode) -> Reading {
        let mut summary = BTreeMap::new();
        let mut description = BTreeMap::new();
        for (lang, (_, d)) in sections_by_lang(doc) {
            summary.insert(lang.clone(), d.short_description.clone());
            if !d.long_description.trim().is_empty() {
                description.insert(lang, d.long_description.clone());
            }
        }
        let publisher = publisher_of(doc);
        let (maintainers, providers) = maintainers_of(&doc.maintenance, publisher.as_ref());
        let mut funders = Vec::new();
        for (i, f) in doc.funded_by.iter().enumerate() {
            if let Some(name) = f.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                let key = format!("fundedBy[{i}].name");
                push_named(&mut funders, Named { key, name: name.to_string(), uri: Some(f.uri.clone()) });
            }
        }
        // A long usedBy (Decidim's names 462 bodies) is deduplicated in one pass.
        let mut used_by: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for u in &doc.used_by {
            let u = u.trim();
            if !u.is_empty() && seen.insert(fold(u)) {
                used_by.push(u.to_string());
            }
        }
        Reading {
            name: doc.name.trim().to_string(),
            repository: doc.url.trim().to_string(),
            website: doc.landing_url.as_deref().filter(|u| is_web_url(u)).map(|u| u.trim().to_string()),
            logo_url: doc.logo.as_deref().filter(|u| is_web_url(u)).map(|u| u.trim().to_string()),
            summary,
            description,
            categories: categories_of(&doc.categories),
            licence: doc.legal.license.trim().to_string(),
            maturity: doc.development_status.as_str().to_string(),
            publisher,
            maintainers,
            providers,
            funders,
            used_by,
        }
    }
}

/// The maintainers and the service providers a `maintenance` section names: the contacts'
/// affiliations, the publisher when the publisher maintains it (`internal`), the contractors
/// when they do (`contract`); contractors are service providers in any case.
fn maintainers_of(m: &Maintenance, publisher: Option<&Named>) -> (Vec<Named>, Vec<Named>) {
    let mut maintainers = Vec::new();
    let mut providers = Vec::new();
    for (i, c) in m.contacts.iter().enumerate() {
        if let Some(a) = c.affiliation.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            let key = format!("maintenance.contacts[{i}].affiliation");
            push_named(&mut maintainers, Named { key, name: a.to_string(), uri: None });
        }
    }
    if m.kind == MaintenanceType::Internal {
        if let Some(p) = publisher {
            push_named(&mut maintainers, p.clone());
        }
    }
    for (i, c) in m.contractors.iter().enumerate() {
        let key = format!("maintenance.contractors[{i}].name");
        let n = Named { key, name: c.name.trim().to_string(), uri: None };
        if m.kind == MaintenanceType::Contract {
            push_named(&mut maintainers, n.clone());
        }
        push_named(&mut providers, n);
    }
    (maintainers, providers)
}

/// Who adopts a software, for `usedBy`.
#[derive(Debug, Clone, Default)]
pub struct Adopters {
    /// Organisations whose adoption is a pilot or active, by name.
    pub current: Vec<String>,
    /// Organisations whose adoption has ended: a kept `usedBy` entry naming one is dropped.
    pub ended: Vec<String>,
    /// Organisations that funded it, from the funding ledger.
    pub ledger_funders: Vec<OrgRef>,
}

fn names(list: &[OrgRef]) -> Vec<String> {
    list.iter().map(|o| fold(&o.name)).collect()
}

fn named_keys(list: &[Named]) -> Vec<String> {
    list.iter().map(|n| fold(&n.name)).collect()
}

/// Cuts a text to at most `max` characters at a word boundary, ending it with `…`.
fn shorten(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    let ends_a_word = text.chars().nth(max - 1).is_some_and(char::is_whitespace);
    if !ends_a_word {
        if let Some(space) = out.rfind(char::is_whitespace) {
            if space > max / 2 {
                out.truncate(space);
            }
        }
    }
    let out = out.trim_end_matches(|c: char| c.is_whitespace() || c.is_ascii_punctuation());
    format!("{out}…")
}

/// The standard wants a long description of 150 to 10,000 characters. A record whose own is
/// shorter gets its summary and a sentence of what the catalog knows added, in its language.
fn long_description(sw: &Software, lang: &str) -> String {
    let summary = sw.summary.get(lang).map(String::as_str).unwrap_or_default().trim();
    let own = sw.description.get(lang).map(|d| d.trim()).filter(|d| !d.is_empty());
    let mut text = match own {
        Some(d) => d.to_string(),
        None => summary.to_string(),
    };
    if text.chars().count() < 150 {
        if own.is_some() && !summary.is_empty() && !text.contains(summary) {
            text = format!("{summary}\n\n{text}");
        }
        let publisher = sw.publisher.as_ref().map(|p| p.name.as_str());
        let facts = match (lang, publisher) {
            ("fr", Some(p)) => {
                format!("{} est un logiciel libre sous licence {}, publié par {p}.", sw.name, sw.licence)
            }
            ("fr", None) => format!("{} est un logiciel libre sous licence {}.", sw.name, sw.licence),
            (_, Some(p)) => format!("{} is free software under the {} licence, published by {p}.", sw.name, sw.licence),
            (_, None) => format!("{} is free software under the {} licence.", sw.name, sw.licence),
        };
        text = format!("{text}\n\n{facts}");
        if text.chars().count() < 150 {
            text.push_str(match lang {
                "fr" => {
                    "\n\nFiche tenue dans Communs, le registre des logiciels libres que partagent les acteurs publics."
                }
                _ => "\n\nRecord kept in Communs, the registry of the free software that public bodies share.",
            });
        }
    }
    shorten(&text, 10_000)
}

fn features(sw: &Software, lang: &str) -> Vec<String> {
    let mut out: Vec<String> = sw
        .categories
        .iter()
        .filter_map(|c| Category::parse(c).ok())
        .map(|c| if lang == "fr" { c.info().fr } else { c.info().en }.to_string())
        .collect();
    if out.is_empty() {
        out.push(shorten(sw.summary.get(lang).map(String::as_str).unwrap_or(&sw.name), 100));
    }
    out
}

fn org_uri(o: &OrgRef) -> String {
    format!("{ORG_URN}{}", o.slug)
}

/// The publiccode.yml of a record: `kept` is the document last imported for it, if any.
pub fn compose(sw: &Software, adopters: &Adopters, kept: Option<&PublicCode>) -> Result<PublicCode> {
    let read = kept.map(Reading::of);
    // A kept part is written back when the record still says what it said.
    let same = |f: &dyn Fn(&Reading) -> bool| read.as_ref().is_some_and(f);

    let url = match kept {
        Some(k) if sw.repositories.iter().any(|r| r.url == k.url.trim()) => k.url.clone(),
        _ => match (sw.repositories.first(), &sw.website) {
            (Some(r), _) => r.url.clone(),
            (None, Some(w)) => w.clone(),
            (None, None) => {
                return Err(Error::invalid(
                    "repositories",
                    format!("{} has neither a repository nor a website, and publiccode.yml needs its url", sw.slug),
                ))
            }
        },
    };
    let landing_url =
        if same(&|r| r.website == sw.website) { kept.and_then(|k| k.landing_url.clone()) } else { sw.website.clone() };
    let logo = if same(&|r| r.logo_url == sw.logo_url) {
        kept.and_then(|k| k.logo.clone())
    } else {
        // The standard takes SVG or PNG logos only.
        sw.logo_url.clone().filter(|u| {
            let path = u.split(['?', '#']).next().unwrap_or_default().to_ascii_lowercase();
            [".svg", ".svgz", ".png"].iter().any(|e| path.ends_with(e))
        })
    };
    // Only the categories the standard can say decide whether the kept ones still hold.
    let record_categories: Vec<Category> = {
        let mut v: Vec<Category> = sw
            .categories
            .iter()
            .filter_map(|c| Category::parse(c).ok())
            .filter(|c| CATEGORY_MAP.iter().any(|(ours, _)| *ours == c.slug()))
            .collect();
        v.sort();
        v
    };
    let categories = if same(&|r| r.categories == record_categories) {
        kept.map(|k| k.categories.clone()).unwrap_or_default()
    } else {
        let mut out: Vec<String> = Vec::new();
        for c in &record_categories {
            if let Some((_, theirs)) = CATEGORY_MAP.iter().find(|(ours, _)| *ours == c.slug()) {
                if !out.iter().any(|o| o == theirs[0]) {
                    out.push(theirs[0].to_string());
                }
            }
        }
        out
    };

    // Texts, one section per language of the record's summaries; sections of the kept
    // document in languages the catalog does not hold are written back as they were.
    let kept_sections = kept.map(sections_by_lang).unwrap_or_default();
    let mut description = BTreeMap::new();
    for (lang, summary) in &sw.summary {
        let section = kept_sections.get(lang);
        let mut d = section.map(|(_, d)| (*d).clone()).unwrap_or_default();
        let tag = section.map(|(t, _)| (*t).clone()).unwrap_or_else(|| lang.clone());
        if section.is_none_or(|(_, k)| k.short_description.trim() != summary.trim()) {
            d.short_description = shorten(summary, 150);
        }
        let own = sw.description.get(lang).map(|s| s.trim()).unwrap_or_default();
        if section.is_none_or(|(_, k)| k.long_description.trim() != own) {
            d.long_description = long_description(sw, lang);
        }
        if d.features.is_empty() {
            d.features = features(sw, lang);
        }
        description.insert(tag, d);
    }
    if let Some(k) = kept {
        for (tag, d) in &k.description {
            if lang_of(tag).is_none_or(|l| !sw.summary.contains_key(&l)) && !description.contains_key(tag) {
                description.insert(tag.clone(), d.clone());
            }
        }
    }

    let publisher_key = sw.publisher.as_ref().map(|p| fold(&p.name));
    let (organisation, legal_owner_kept) = if same(&|r| r.publisher.as_ref().map(|p| fold(&p.name)) == publisher_key) {
        (kept.and_then(|k| k.organisation.clone()), true)
    } else {
        (sw.publisher.as_ref().map(|p| PcOrganisation { name: Some(p.name.clone()), uri: org_uri(p) }), false)
    };
    let mut legal = kept.map(|k| k.legal.clone()).unwrap_or_default();
    let licence_same = same(&|r| crate::licence::Licence::parse(&r.licence).is_ok_and(|l| l.as_str() == sw.licence));
    if !licence_same {
        legal.license = sw.licence.clone();
    }
    if !legal_owner_kept {
        // `repoOwner` is deprecated for `organisation`, which now says who publishes it.
        legal.repo_owner = None;
        if sw.publisher.is_none() {
            legal.main_copyright_owner = None;
        }
    }

    // Kept when it still names the record's maintainers and providers, read with the
    // publisher this export writes (an `internal` section counts the publisher in).
    let publisher_written = publisher_named(organisation.as_ref(), &legal);
    let kept_maintenance = kept.map(|k| &k.maintenance).filter(|m| {
        let (maintainers, providers) = maintainers_of(m, publisher_written.as_ref());
        named_keys(&maintainers) == names(&sw.maintainers) && named_keys(&providers) == names(&sw.providers)
    });
    let maintenance = if let Some(m) = kept_maintenance {
        m.clone()
    } else {
        let contacts: Vec<Contact> = sw
            .maintainers
            .iter()
            .map(|m| Contact { name: m.name.clone(), email: None, phone: None, affiliation: Some(m.name.clone()) })
            .collect();
        let kind = if contacts.is_empty() { MaintenanceType::None } else { MaintenanceType::Community };
        Maintenance { kind, contractors: Vec::new(), contacts }
    };

    let mut funders: Vec<OrgRef> = sw.funders.clone();
    for f in &adopters.ledger_funders {
        if !funders.iter().any(|o| o.slug == f.slug) {
            funders.push(f.clone());
        }
    }
    let funder_keys: BTreeSet<String> = funders.iter().map(|o| fold(&o.name)).collect();
    let funded_by = if same(&|r| named_keys(&r.funders).into_iter().collect::<BTreeSet<_>>() == funder_keys) {
        kept.map(|k| k.funded_by.clone()).unwrap_or_default()
    } else {
        funders.sort_by(|a, b| (fold(&a.name), &a.slug).cmp(&(fold(&b.name), &b.slug)));
        funders.iter().map(|o| Funder { name: Some(o.name.clone()), uri: org_uri(o) }).collect()
    };

    // Claims the file made are kept unless the catalog knows the adoption has ended;
    // adopters the catalog knows are added.
    let ended: BTreeSet<String> = adopters.ended.iter().map(|n| fold(n)).collect();
    let mut used_by: Vec<String> =
        kept.map(|k| k.used_by.iter().filter(|u| !ended.contains(&fold(u))).cloned().collect()).unwrap_or_default();
    let mut current = adopters.current.clone();
    current.sort_by_key(|n| fold(n));
    for name in current {
        if !used_by.iter().any(|u| fold(u) == fold(&name)) {
            used_by.push(name);
        }
    }

    let development_status = DevelopmentStatus::parse(&sw.maturity).unwrap_or(DevelopmentStatus::Development);
    let localisation = kept.map(|k| k.localisation.clone()).unwrap_or_else(|| Localisation {
        // Not known to the catalog: the languages its texts are written in stand for them.
        localisation_ready: false,
        available_languages: description.keys().cloned().collect(),
    });
    Ok(PublicCode {
        name: sw.name.clone(),
        url,
        landing_url,
        logo,
        categories,
        used_by,
        funded_by,
        organisation,
        development_status,
        description,
        legal,
        maintenance,
        localisation,
        // Not modelled by the catalog: kept as the document said, or the standard's most
        // general values until a publiccode.yml of the software's own is imported.
        platforms: kept.map(|k| k.platforms.clone()).unwrap_or_else(|| vec!["web".to_string()]),
        software_type: kept.map(|k| k.software_type).unwrap_or(SoftwareType::StandaloneOther),
        application_suite: kept.and_then(|k| k.application_suite.clone()),
        is_based_on: kept.map(|k| k.is_based_on.clone()).unwrap_or_default(),
        software_version: kept.and_then(|k| k.software_version.clone()),
        release_date: kept.and_then(|k| k.release_date),
        monochrome_logo: kept.and_then(|k| k.monochrome_logo.clone()),
        input_types: kept.map(|k| k.input_types.clone()).unwrap_or_default(),
        output_types: kept.map(|k| k.output_types.clone()).unwrap_or_default(),
        roadmap: kept.and_then(|k| k.roadmap.clone()),
        supports: kept.map(|k| k.supports.clone()).unwrap_or_default(),
        intended_audience: kept.and_then(|k| k.intended_audience.clone()),
        depends_on: kept.and_then(|k| k.depends_on.clone()),
        it: kept.and_then(|k| k.it.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mapped_category_exists_on_both_sides_once() {
        let mut seen = BTreeSet::new();
        for (ours, theirs) in CATEGORY_MAP {
            Category::parse(ours).unwrap();
            for t in *theirs {
                assert!(publiccode::is_category(t), "{t} is not a publiccode.yml category");
                assert!(seen.insert(*t), "{t} is mapped twice");
            }
        }
    }

    #[test]
    fn shortens_at_a_word() {
        assert_eq!(shorten("court", 10), "court");
        let s = shorten("Gestion des cimetières et des concessions funéraires", 30);
        assert!(s.chars().count() <= 30 && s.ends_with('…'), "{s}");
        assert_eq!(s, "Gestion des cimetières et des…");
    }

    #[test]
    fn languages_prefer_the_bare_tag() {
        assert_eq!(lang_of("en-GB").as_deref(), Some("en"));
        assert_eq!(lang_of("ita"), None);
        assert_eq!(lang_of("FR").as_deref(), Some("fr"));
    }
}
