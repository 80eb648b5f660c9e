//! The standard, key by key: what each top-level key and section holds and what it must be.

use std::collections::BTreeMap;

use super::{at, index, join, key_at, language, Checker};
use crate::lists;
use crate::model::*;
use crate::validate::formats::*;
use crate::yaml::{Entry, Node, ScalarKind, Value};
use crate::SUPPORTED_VERSIONS;

const DEPRECATED_DROP: &str = "This key is DEPRECATED and will be removed in the future. It's safe to drop it";
const CATEGORIES_LIST: &str =
    "https://github.com/publiccodeyml/publiccode.yml/blob/main/docs/standard/categories-list.rst";
const SCOPE_LIST: &str = "https://github.com/publiccodeyml/publiccode.yml/blob/main/docs/standard/scope-list.rst";
const ALIASES_LIST: &str = "https://github.com/publiccodeyml/publiccode.yml/blob/main/docs/standard/aliases-list.rst";
const IPA_VOCABULARY: &str = "https://github.com/publiccodeyml/italian-organizations-ipa-vocabulary";
const ITALIAN_PA: &str = "urn:x-italian-pa:";

/// The top-level sections as they are read, before the mandatory ones are known to be there.
#[derive(Default)]
struct Draft {
    name: Option<String>,
    application_suite: Option<String>,
    url: Option<String>,
    landing_url: Option<String>,
    is_based_on: Vec<String>,
    software_version: Option<String>,
    release_date: Option<chrono::NaiveDate>,
    logo: Option<String>,
    monochrome_logo: Option<String>,
    input_types: Vec<String>,
    output_types: Vec<String>,
    platforms: Vec<String>,
    categories: Vec<String>,
    used_by: Vec<String>,
    funded_by: Vec<Funder>,
    organisation: Option<Organisation>,
    roadmap: Option<String>,
    development_status: Option<DevelopmentStatus>,
    software_type: Option<SoftwareType>,
    supports: Vec<Support>,
    intended_audience: Option<IntendedAudience>,
    description: BTreeMap<String, Description>,
    /// Outer `None`: absent or dropped; inner `None`: present but incomplete (already reported).
    legal: Option<Option<Legal>>,
    maintenance: Option<Option<Maintenance>>,
    localisation: Option<Option<Localisation>>,
    depends_on: Option<DependsOn>,
    it_upper: Option<ItalianSection>,
    it_lower: Option<ItalianSection>,
}

/// Checks the whole document; returns the declared version and, when it could be built, the
/// typed document (the caller keeps it only if no error was found).
pub(super) fn document(c: &mut Checker<'_>) -> (Option<String>, Option<PublicCode>) {
    let root = c.root;
    let Value::Map(entries) = &root.value else {
        let message = format!("a publiccode.yml is a map of keys, not a {}", root.kind_name());
        c.error("", message, at(root));
        return (None, None);
    };
    let top = (root.line, root.column);

    // The version decides which rules apply, so without a readable, supported one nothing
    // else is checked.
    let version_entry = entries.iter().find(|e| e.key == "publiccodeYmlVersion");
    let version = match version_entry {
        None => None,
        Some(e) => c.section(|c| c.string(&e.value, "publiccodeYmlVersion").map(|v| (v, key_at(e)))),
    };
    let Some((version, version_at)) = version else {
        if c.errors.iter().all(|f| f.key != "publiccodeYmlVersion") {
            c.error("publiccodeYmlVersion", "publiccodeYmlVersion is a required field", (0, 0));
        }
        return (None, None);
    };
    if !SUPPORTED_VERSIONS.contains(&version.as_str()) {
        let message = if version == "1" || version.starts_with("1.") {
            format!(
                "unsupported version: '{version}'. Version 1 of the standard is not yet supported. \
                 Supported versions: {}",
                SUPPORTED_VERSIONS.join(", ")
            )
        } else {
            format!("unsupported version: '{version}'. Supported versions: {}", SUPPORTED_VERSIONS.join(", "))
        };
        c.error("publiccodeYmlVersion", message, version_at);
        return (Some(version), None);
    }
    if version != "0" {
        let shown = version.split('.').take(2).collect::<Vec<_>>().join(".");
        c.warn(
            "publiccodeYmlVersion",
            format!("v{shown} is not the latest version, use '0'. Parsing this file as v0.7."),
            version_at,
        );
    }

    let mut d = Draft::default();
    let mut seen_it_upper = false;
    for e in entries {
        let v = &e.value;
        let k = e.key.as_str();
        match k {
            "publiccodeYmlVersion" => {}
            "name" => d.name = c.section(|c| c.string(v, k)),
            "applicationSuite" => d.application_suite = c.section(|c| c.string(v, k)),
            "url" => d.url = c.section(|c| url(c, v, k)),
            "landingURL" => d.landing_url = c.section(|c| http_url(c, v, k)),
            "roadmap" => d.roadmap = c.section(|c| http_url(c, v, k)),
            "isBasedOn" => d.is_based_on = c.section(|c| is_based_on(c, v)).unwrap_or_default(),
            "softwareVersion" => d.software_version = c.section(|c| c.string(v, k)),
            "releaseDate" => d.release_date = c.section(|c| date_value(c, v, k)),
            "logo" => d.logo = c.section(|c| logo(c, v, k)),
            "monochromeLogo" => {
                d.monochrome_logo = c.section(|c| {
                    let logo = logo(c, v, k);
                    c.warn(
                        k,
                        "This key is DEPRECATED and will be removed in the future. Use 'logo' instead",
                        key_at(e),
                    );
                    logo
                })
            }
            "inputTypes" | "outputTypes" => {
                let types = c
                    .section(|c| {
                        let types = mime_types(c, v, k);
                        c.warn(k, DEPRECATED_DROP, key_at(e));
                        types
                    })
                    .unwrap_or_default();
                if k == "inputTypes" {
                    d.input_types = types;
                } else {
                    d.output_types = types;
                }
            }
            "platforms" => d.platforms = c.section(|c| plain_strings(c, v, k)).unwrap_or_default(),
            "categories" => d.categories = c.section(|c| categories(c, v)).unwrap_or_default(),
            "usedBy" => d.used_by = c.section(|c| plain_strings(c, v, k)).unwrap_or_default(),
            "fundedBy" => d.funded_by = c.section(|c| funded_by(c, v)).unwrap_or_default(),
            "organisation" => d.organisation = c.section(|c| organisation(c, v)),
            "developmentStatus" => {
                d.development_status = c.section(|c| one_of(c, v, k, DevelopmentStatus::parse, &statuses()))
            }
            "softwareType" => d.software_type = c.section(|c| one_of(c, v, k, SoftwareType::parse, &software_types())),
            "supports" => d.supports = c.section(|c| supports(c, v)).unwrap_or_default(),
            "intendedAudience" => d.intended_audience = c.section(|c| intended_audience(c, v)),
            "description" => d.description = c.section(|c| description(c, v)).unwrap_or_default(),
            "legal" => d.legal = c.section(|c| legal(c, v)),
            "maintenance" => d.maintenance = c.section(|c| maintenance(c, v)),
            "localisation" => d.localisation = c.section(|c| localisation(c, v)),
            "dependsOn" => d.depends_on = c.section(|c| depends_on(c, v)),
            "IT" => {
                seen_it_upper = true;
                d.it_upper = c.section(|c| italian(c, v, k));
            }
            "it" => {
                d.it_lower = c.section(|c| italian(c, v, k));
                c.warn(
                    k,
                    "Lowercase country codes are DEPRECATED and will be removed in the future. Use 'IT' instead",
                    key_at(e),
                );
            }
            _ => c.unknown(e, ""),
        }
    }
    if let Some(e) = entries.iter().find(|e| e.key == "it") {
        if seen_it_upper {
            c.error("it", "'IT' key already present. Remove this key", key_at(e));
        }
    }

    // Mandatory keys that are missing, or were dropped for holding the wrong type.
    let blank = |s: &Option<String>| s.as_deref().is_none_or(str::is_empty);
    if blank(&d.name) {
        c.error("name", "name is a required field", top);
    }
    if blank(&d.url) && !c.errors.iter().any(|f| f.key == "url") {
        c.error("url", "url is a required field", top);
    }
    if d.platforms.is_empty() {
        c.error("platforms", "platforms must contain more than 0 items", top);
    }
    if d.development_status.is_none() && !c.errors.iter().any(|f| f.key == "developmentStatus" && is_enum_error(f)) {
        c.error("developmentStatus", "developmentStatus is a required field", top);
    }
    if d.software_type.is_none() && !c.errors.iter().any(|f| f.key == "softwareType" && is_enum_error(f)) {
        c.error("softwareType", "softwareType is a required field", top);
    }
    if d.description.is_empty() && !c.errors.iter().any(|f| f.key == "description" && f.message.contains("BCP 47")) {
        c.error("description", "description must contain more than 0 items", top);
    }
    if d.legal.is_none() {
        let legal_at = entries.iter().find(|e| e.key == "legal").map_or((0, 0), |e| at(&e.value));
        c.error("legal.license", "license is a required field", legal_at);
    }
    let section_at = |name: &str| entries.iter().find(|e| e.key == name).map_or((0, 0), |e| at(&e.value));
    if d.maintenance.is_none() {
        c.error("maintenance.type", "type is a required field", section_at("maintenance"));
    }
    if d.localisation.is_none() {
        let l = section_at("localisation");
        c.error("localisation.localisationReady", "localisationReady is a required field", l);
        c.error("localisation.availableLanguages", "availableLanguages is a required field", l);
    }

    let doc = (|| {
        Some(PublicCode {
            name: d.name?,
            application_suite: d.application_suite,
            url: d.url?,
            landing_url: d.landing_url,
            is_based_on: d.is_based_on,
            software_version: d.software_version,
            release_date: d.release_date,
            logo: d.logo,
            monochrome_logo: d.monochrome_logo,
            input_types: d.input_types,
            output_types: d.output_types,
            platforms: d.platforms,
            categories: d.categories,
            used_by: d.used_by,
            funded_by: d.funded_by,
            organisation: d.organisation,
            roadmap: d.roadmap,
            development_status: d.development_status?,
            software_type: d.software_type?,
            supports: d.supports,
            intended_audience: d.intended_audience,
            description: d.description,
            legal: d.legal??,
            maintenance: d.maintenance??,
            localisation: d.localisation??,
            depends_on: d.depends_on,
            it: d.it_upper.or(d.it_lower),
        })
    })();
    (Some(version), doc)
}

fn is_enum_error(f: &crate::Finding) -> bool {
    f.message.contains("must be one of")
}

fn statuses() -> Vec<&'static str> {
    DevelopmentStatus::ALL.iter().map(|s| s.as_str()).collect()
}

fn software_types() -> Vec<&'static str> {
    SoftwareType::ALL.iter().map(|s| s.as_str()).collect()
}

/// `"a", "b" or "c"`, the way the findings list allowed values.
fn quoted_list(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

fn one_of<T>(c: &mut Checker<'_>, v: &Node, path: &str, parse: fn(&str) -> Option<T>, allowed: &[&str]) -> Option<T> {
    let s = c.string(v, path)?;
    if s.is_empty() {
        return None;
    }
    let parsed = parse(&s);
    if parsed.is_none() {
        let field = path.rsplit('.').next().unwrap_or(path);
        c.error(path, format!("{field} must be one of the following: {}", quoted_list(allowed)), at(v));
    }
    parsed
}

/// The last segment of a path, as the findings name a field (`countries[2]`, `email`).
fn field(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

fn url(c: &mut Checker<'_>, v: &Node, path: &str) -> Option<String> {
    let s = c.string(v, path)?;
    if s.is_empty() {
        return Some(s);
    }
    if is_url(&s) {
        c.skip(path, format!("not checked that {s} can be reached and is a code repository: needs the network"), at(v));
    } else {
        c.error(path, format!("{} must be a valid URL", field(path)), at(v));
    }
    Some(s)
}

fn http_url(c: &mut Checker<'_>, v: &Node, path: &str) -> Option<String> {
    let s = c.string(v, path)?;
    check_http_url(c, &s, v, path);
    Some(s)
}

fn check_http_url(c: &mut Checker<'_>, s: &str, v: &Node, path: &str) -> bool {
    if is_http_url(s) {
        c.skip(path, format!("not checked that {s} can be reached: needs the network"), at(v));
        true
    } else {
        c.error(path, format!("{} must be an HTTP URL", field(path)), at(v));
        false
    }
}

fn is_based_on(c: &mut Checker<'_>, v: &Node) -> Option<Vec<String>> {
    // One URL or a list of them; one URL is checked as the list's first item.
    let items = match &v.value {
        Value::Scalar(_) => c.string(v, "isBasedOn").map(|s| vec![(s, v, index("isBasedOn", 0))])?,
        _ => c.strings(v, "isBasedOn")?,
    };
    let mut out = Vec::with_capacity(items.len());
    for (s, node, path) in items {
        if !is_url(&s) {
            c.error(&path, format!("{} must be a valid URL", field(&path)), at(node));
        }
        out.push(s);
    }
    Some(out)
}

fn date_value(c: &mut Checker<'_>, v: &Node, path: &str) -> Option<chrono::NaiveDate> {
    let s = c.string(v, path)?;
    let d = date(&s);
    if d.is_none() {
        c.error(path, format!("{} must be a date with format 'YYYY-MM-DD'", field(path)), at(v));
    }
    d
}

fn logo(c: &mut Checker<'_>, v: &Node, path: &str) -> Option<String> {
    let s = c.string(v, path)?;
    super::assets::image(c, &s, v, path, super::assets::ImageUse::Logo);
    Some(s)
}

fn plain_strings(c: &mut Checker<'_>, v: &Node, path: &str) -> Option<Vec<String>> {
    Some(c.strings(v, path)?.into_iter().map(|(s, _, _)| s).collect())
}

fn mime_types(c: &mut Checker<'_>, v: &Node, path: &str) -> Option<Vec<String>> {
    let items = c.strings(v, path)?;
    let mut out = Vec::with_capacity(items.len());
    for (s, node, item_path) in items {
        if !is_mime_type(&s) {
            c.error(&item_path, format!("{} is not a valid MIME type", field(&item_path)), at(node));
        }
        out.push(s);
    }
    Some(out)
}

fn categories(c: &mut Checker<'_>, v: &Node) -> Option<Vec<String>> {
    let items = c.strings(v, "categories")?;
    let mut out = Vec::with_capacity(items.len());
    for (s, node, path) in items {
        if !lists::is_category(&s) {
            c.error(&path, format!("{path} must be a valid category (see {CATEGORIES_LIST})"), at(node));
        }
        out.push(s);
    }
    Some(out)
}

/// Reads the entries of a map, handing each known key to `read` and reporting the others.
fn entries<'n>(
    c: &mut Checker<'_>,
    v: &'n Node,
    path: &str,
    mut read: impl FnMut(&mut Checker<'_>, &'n Entry, &str) -> bool,
) -> Option<&'n [Entry]> {
    let map = c.map(v, path)?;
    for e in map {
        let entry_path = join(path, &e.key);
        if !read(c, e, &entry_path) {
            c.unknown(e, path);
        }
    }
    Some(map)
}

/// An organisation's `uri`: any URI, and for Italian public administrations a code of the
/// register's shape after `urn:x-italian-pa:`.
fn organisation_uri(c: &mut Checker<'_>, uri: &str, v: &Node, path: &str) {
    if !is_uri(uri) {
        c.error(path, "uri is not a valid URI", at(v));
    } else if let Some(code) = uri.strip_prefix(ITALIAN_PA) {
        if !is_ipa_code_shape(code) {
            c.error(
                path,
                format!(
                    "uri must be a valid Italian Public Administration Code (iPA) with format \
                     'urn:x-italian-pa:[codiceIPA]' (see {IPA_VOCABULARY})"
                ),
                at(v),
            );
        } else {
            c.skip(path, format!("not checked that '{code}' is in the register of Italian public administrations (IndicePA): not shipped"), at(v));
        }
    }
}

/// `{name, uri}` with `uri` mandatory: the shape of `organisation` and of each `fundedBy`.
fn named_uri(c: &mut Checker<'_>, v: &Node, path: &str) -> Option<(Option<String>, String)> {
    let mut name = None;
    let mut uri = None;
    entries(c, v, path, |c, e, p| {
        match e.key.as_str() {
            "name" => name = c.string(&e.value, p),
            "uri" => {
                uri = c.string(&e.value, p);
                if let Some(u) = &uri {
                    organisation_uri(c, u, &e.value, p);
                }
            }
            _ => return false,
        }
        true
    })?;
    match uri {
        Some(uri) if !uri.is_empty() => Some((name, uri)),
        _ => {
            c.error(join(path, "uri"), "uri is a required field", at(v));
            None
        }
    }
}

fn organisation(c: &mut Checker<'_>, v: &Node) -> Option<Organisation> {
    named_uri(c, v, "organisation").map(|(name, uri)| Organisation { name, uri })
}

fn funded_by(c: &mut Checker<'_>, v: &Node) -> Option<Vec<Funder>> {
    let items = c.seq(v, "fundedBy")?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if let Some((name, uri)) = named_uri(c, item, &index("fundedBy", i)) {
            out.push(Funder { name, uri });
        }
    }
    Some(out)
}

fn supports(c: &mut Checker<'_>, v: &Node) -> Option<Vec<Support>> {
    let items = c.seq(v, "supports")?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = index("supports", i);
        let mut id = None;
        entries(c, item, &path, |c, e, p| {
            if e.key != "id" {
                return false;
            }
            id = c.string(&e.value, p);
            match id.as_deref().map(|s| (s, s.strip_prefix("alias:"))) {
                Some((_, Some(alias))) if !lists::is_support_alias(alias) => {
                    c.error(p, format!("id contains an unknown alias (see {ALIASES_LIST})"), at(&e.value));
                }
                Some((s, None)) if !is_uri(s) => {
                    c.error(p, "id must be a known alias (alias:<name>) or a URI", at(&e.value));
                }
                _ => {}
            }
            true
        });
        match id {
            Some(id) if !id.is_empty() => out.push(Support { id }),
            _ if item.is_null() || matches!(item.value, Value::Map(_)) => {
                c.error(join(&path, "id"), "id is a required field", at(item));
            }
            _ => {}
        }
    }
    Some(out)
}

fn countries(c: &mut Checker<'_>, v: &Node, path: &str) -> Option<Vec<String>> {
    let items = c.strings(v, path)?;
    let mut out = Vec::with_capacity(items.len());
    for (s, node, item_path) in items {
        let upper = s.to_ascii_uppercase();
        if lists::is_country(&s) {
            out.push(s);
            continue;
        }
        if s.len() == 2 && s == s.to_ascii_lowercase() && lists::is_country(&upper) {
            c.warn(
                &item_path,
                format!("Lowercase country codes are DEPRECATED. Use uppercase instead ('{upper}')"),
                at(node),
            );
        } else {
            c.error(
                &item_path,
                format!("{} must be a valid ISO 3166-1 alpha-2 two-letter country code", field(&item_path)),
                at(node),
            );
        }
        out.push(s);
    }
    Some(out)
}

fn intended_audience(c: &mut Checker<'_>, v: &Node) -> Option<IntendedAudience> {
    let mut a = IntendedAudience::default();
    entries(c, v, "intendedAudience", |c, e, p| {
        match e.key.as_str() {
            "countries" => a.countries = countries(c, &e.value, p).unwrap_or_default(),
            "unsupportedCountries" => a.unsupported_countries = countries(c, &e.value, p).unwrap_or_default(),
            "scope" => {
                for (s, node, item_path) in c.strings(&e.value, p).unwrap_or_default() {
                    if !lists::is_scope(&s) {
                        c.error(
                            &item_path,
                            format!("{} must be a valid scope (see {SCOPE_LIST})", field(&item_path)),
                            at(node),
                        );
                    }
                    a.scope.push(s);
                }
            }
            _ => return false,
        }
        true
    })?;
    // An empty section says nothing; keeping it as absent makes a written file read back equal.
    (a != IntendedAudience::default()).then_some(a)
}

fn description(c: &mut Checker<'_>, v: &Node) -> Option<BTreeMap<String, Description>> {
    let map = c.map(v, "description")?;
    let mut out = BTreeMap::new();
    for e in map {
        if !is_bcp47(&e.key) {
            c.error("description", "description must be a valid BCP 47 language", key_at(e));
        }
        let path = language("description", &e.key);
        if let Some(d) = localised_description(c, &e.value, &path, key_at(e)) {
            out.insert(e.key.clone(), d);
        }
    }
    Some(out)
}

fn localised_description(c: &mut Checker<'_>, v: &Node, path: &str, lang_at: (usize, usize)) -> Option<Description> {
    let mut d = Description::default();
    let mut features = None;
    let empty: &[Entry] = &[];
    let map = if v.is_null() { empty } else { c.map(v, path)? };
    for e in map {
        let p = join(path, &e.key);
        let val = &e.value;
        match e.key.as_str() {
            "localisedName" => d.localised_name = c.string(val, &p),
            "genericName" => {
                d.generic_name = c.string(val, &p);
                if d.generic_name.as_deref().is_some_and(|g| length(g) > 35) {
                    c.error(&p, "genericName must be a maximum of 35 characters in length", key_at(e));
                }
                c.warn(&p, DEPRECATED_DROP, key_at(e));
            }
            "shortDescription" => {
                let s = c.string(val, &p).unwrap_or_default();
                if length(&s) > 150 {
                    c.error(&p, "shortDescription must be a maximum of 150 characters in length", key_at(e));
                }
                d.short_description = s;
            }
            "longDescription" => {
                let s = c.string(val, &p).unwrap_or_default();
                let n = length(&s);
                if n > 0 && n < 150 {
                    c.error(&p, "longDescription must be at least 150 characters in length", key_at(e));
                } else if n > 10_000 {
                    c.error(&p, "longDescription must be a maximum of 10000 characters in length", key_at(e));
                }
                d.long_description = s;
            }
            "documentation" => d.documentation = http_url(c, val, &p),
            "apiDocumentation" => d.api_documentation = http_url(c, val, &p),
            "features" => features = plain_strings(c, val, &p),
            "screenshots" => {
                for (s, node, item_path) in c.strings(val, &p).unwrap_or_default() {
                    super::assets::image(c, &s, node, &item_path, super::assets::ImageUse::Screenshot);
                    d.screenshots.push(s);
                }
            }
            "videos" => {
                for (s, node, item_path) in c.strings(val, &p).unwrap_or_default() {
                    video(c, &s, node, &item_path);
                    d.videos.push(s);
                }
            }
            "awards" => d.awards = plain_strings(c, val, &p).unwrap_or_default(),
            _ => c.unknown(e, path),
        }
    }
    if d.short_description.is_empty() {
        c.error(join(path, "shortDescription"), "shortDescription is a required field", lang_at);
    }
    if d.long_description.is_empty() {
        c.error(join(path, "longDescription"), "longDescription is a required field", lang_at);
    }
    d.features = features.unwrap_or_default();
    if d.features.is_empty() {
        c.error(join(path, "features"), "features must contain more than 0 items", lang_at);
    }
    Some(d)
}

fn video(c: &mut Checker<'_>, s: &str, node: &Node, path: &str) {
    if !is_http_url(s) {
        c.error(path, format!("{} must be an HTTP URL", field(path)), at(node));
        c.error(path, format!("'{s}' is not a valid video URL supporting oEmbed"), at(node));
        return;
    }
    match http_url_host(s) {
        Some(host) if lists::is_video_host(&host) => {
            c.skip(path, format!("not checked that {s} answers oEmbed requests: needs the network"), at(node));
        }
        _ => c.error(
            path,
            format!("'{s}' is not a valid video URL supporting oEmbed: not on a known oEmbed video provider"),
            at(node),
        ),
    }
}

fn legal(c: &mut Checker<'_>, v: &Node) -> Option<Option<Legal>> {
    let mut l = Legal::default();
    if v.is_null() {
        return None;
    }
    entries(c, v, "legal", |c, e, p| {
        match e.key.as_str() {
            "license" => {
                l.license = c.string(&e.value, p).unwrap_or_default();
                if !l.license.is_empty() && !is_spdx_expression(&l.license) {
                    c.error(p, "license must be a valid license (see https://spdx.org/licenses)", at(&e.value));
                }
            }
            "mainCopyrightOwner" => l.main_copyright_owner = c.string(&e.value, p),
            "repoOwner" => {
                l.repo_owner = c.string(&e.value, p);
                c.warn(
                    p,
                    "This key is DEPRECATED and will be removed in the future. Use 'organisation.name' instead",
                    key_at(e),
                );
            }
            "authorsFile" => {
                l.authors_file = c.string(&e.value, p);
                if let Some(file) = &l.authors_file {
                    super::assets::file(c, file, &e.value, p);
                }
                c.warn(p, DEPRECATED_DROP, key_at(e));
            }
            _ => return false,
        }
        true
    })?;
    if l.license.is_empty() {
        c.error("legal.license", "license is a required field", at(v));
        return Some(None);
    }
    Some(Some(l))
}

fn maintenance(c: &mut Checker<'_>, v: &Node) -> Option<Option<Maintenance>> {
    // The type decides whether contractors are read at all, and it may come after them.
    let (mut kind_entry, mut contractors_entry, mut contacts_entry) = (None, None, None);
    entries(c, v, "maintenance", |_, e, _| {
        match e.key.as_str() {
            "type" => kind_entry = Some(e),
            "contractors" => contractors_entry = Some(e),
            "contacts" => contacts_entry = Some(e),
            _ => return false,
        }
        true
    })?;
    let allowed: Vec<_> = MaintenanceType::ALL.iter().map(|t| t.as_str()).collect();
    let kind = kind_entry.and_then(|e| one_of(c, &e.value, "maintenance.type", MaintenanceType::parse, &allowed));
    let contacts: Option<Vec<Contact>> = contacts_entry.and_then(|e| {
        let items = c.seq(&e.value, "maintenance.contacts")?;
        let path = "maintenance.contacts";
        Some(items.iter().enumerate().filter_map(|(i, item)| contact(c, item, &index(path, i))).collect())
    });
    let mut contractors = Vec::new();
    match (contractors_entry, kind) {
        (Some(e), Some(MaintenanceType::Contract)) => {
            let path = "maintenance.contractors";
            for (i, item) in c.seq(&e.value, path).unwrap_or_default().iter().enumerate() {
                if let Some(one) = contractor(c, item, &index(path, i)) {
                    contractors.push(one);
                }
            }
        }
        (None, Some(MaintenanceType::Contract)) => {
            c.error("maintenance.contractors", "contractors is a required field when \"type\" is \"contract\"", at(v))
        }
        // Contractors under another type are refused whole, not checked one by one.
        (Some(e), Some(_)) if c.seq(&e.value, "maintenance.contractors").is_some() => {
            c.error(
                "maintenance.contractors",
                "contractors must not be present unless \"type\" is \"contract\"",
                key_at(e),
            );
        }
        _ => {}
    }
    let Some(kind) = kind else {
        // A value outside the list was reported as such; "required" would say it twice.
        let invalid = kind_entry.is_some_and(
            |e| matches!(&e.value.value, Value::Scalar(s) if s.kind != ScalarKind::Null && !s.text.is_empty()),
        );
        if !invalid {
            c.error("maintenance.type", "type is a required field", at(v));
        }
        return Some(None);
    };
    if contacts.is_none() && matches!(kind, MaintenanceType::Internal | MaintenanceType::Community) {
        c.error(
            "maintenance.contacts",
            format!("contacts is a required field when \"type\" is \"{}\"", kind.as_str()),
            at(v),
        );
    }
    Some(Some(Maintenance { kind, contractors, contacts: contacts.unwrap_or_default() }))
}

fn email(c: &mut Checker<'_>, e: &Entry, p: &str) -> Option<String> {
    let s = c.string(&e.value, p)?;
    if !is_email(&s) {
        c.error(p, "email must be a valid email address", at(&e.value));
    }
    Some(s)
}

fn required_name(c: &mut Checker<'_>, name: Option<String>, path: &str, v: &Node) -> Option<String> {
    match name {
        Some(n) if !n.is_empty() => Some(n),
        _ => {
            c.error(join(path, "name"), "name is a required field", at(v));
            None
        }
    }
}

fn contractor(c: &mut Checker<'_>, v: &Node, path: &str) -> Option<Contractor> {
    let (mut name, mut until, mut email_, mut website) = (None, None, None, None);
    let mut until_seen = false;
    entries(c, v, path, |c, e, p| {
        match e.key.as_str() {
            "name" => name = c.string(&e.value, p),
            "until" => {
                until_seen = !e.value.is_null();
                until = date_value(c, &e.value, p);
            }
            "email" => email_ = email(c, e, p),
            "website" => website = http_url(c, &e.value, p),
            _ => return false,
        }
        true
    })?;
    let name = required_name(c, name, path, v);
    if !until_seen {
        c.error(join(path, "until"), "until is a required field", at(v));
    }
    Some(Contractor { name: name?, until: until?, email: email_, website })
}

fn contact(c: &mut Checker<'_>, v: &Node, path: &str) -> Option<Contact> {
    let (mut name, mut email_, mut phone, mut affiliation) = (None, None, None, None);
    entries(c, v, path, |c, e, p| {
        match e.key.as_str() {
            "name" => name = c.string(&e.value, p),
            "email" => email_ = email(c, e, p),
            "phone" => {
                phone = c.string(&e.value, p);
                // The standard asks for an international number but the reference validator
                // accepts any text, so a number that does not look like one is only a warning.
                if phone.as_deref().is_some_and(|ph| !is_phone(ph)) {
                    c.warn(
                        p,
                        "phone does not look like a phone number (digits, spaces, an optional leading +)",
                        at(&e.value),
                    );
                }
            }
            "affiliation" => affiliation = c.string(&e.value, p),
            _ => return false,
        }
        true
    })?;
    let name = required_name(c, name, path, v)?;
    Some(Contact { name, email: email_, phone, affiliation })
}

fn localisation(c: &mut Checker<'_>, v: &Node) -> Option<Option<Localisation>> {
    let mut ready = None;
    let mut languages: Option<Vec<String>> = None;
    let mut languages_at = at(v);
    entries(c, v, "localisation", |c, e, p| {
        match e.key.as_str() {
            "localisationReady" => ready = c.boolean(&e.value, p),
            "availableLanguages" => {
                languages_at = key_at(e);
                languages = c.strings(&e.value, p).map(|items| {
                    let mut out = Vec::with_capacity(items.len());
                    for (s, node, item_path) in items {
                        if !is_bcp47(&s) {
                            c.error(
                                &item_path,
                                format!("{} must be a valid BCP 47 language", field(&item_path)),
                                at(node),
                            );
                        }
                        out.push(s);
                    }
                    out
                });
            }
            _ => return false,
        }
        true
    })?;
    if ready.is_none() {
        c.error("localisation.localisationReady", "localisationReady is a required field", at(v));
    }
    match &languages {
        None => c.error("localisation.availableLanguages", "availableLanguages is a required field", at(v)),
        Some(l) if l.is_empty() => c.error(
            "localisation.availableLanguages",
            "availableLanguages must contain more than 0 items",
            languages_at,
        ),
        Some(_) => {}
    }
    Some(ready.zip(languages).map(|(r, l)| Localisation { localisation_ready: r, available_languages: l }))
}

fn depends_on(c: &mut Checker<'_>, v: &Node) -> Option<DependsOn> {
    let mut d = DependsOn::default();
    entries(c, v, "dependsOn", |c, e, p| {
        let list = match e.key.as_str() {
            "open" => &mut d.open,
            "proprietary" => &mut d.proprietary,
            "hardware" => &mut d.hardware,
            _ => return false,
        };
        for (i, item) in c.seq(&e.value, p).unwrap_or_default().iter().enumerate() {
            if let Some(dep) = dependency(c, item, &index(p, i)) {
                list.push(dep);
            }
        }
        true
    })?;
    (d != DependsOn::default()).then_some(d)
}

fn dependency(c: &mut Checker<'_>, v: &Node, path: &str) -> Option<Dependency> {
    let mut d = Dependency::default();
    let mut name = None;
    entries(c, v, path, |c, e, p| {
        match e.key.as_str() {
            "name" => name = c.string(&e.value, p),
            "versionMin" => d.version_min = c.string(&e.value, p),
            "versionMax" => d.version_max = c.string(&e.value, p),
            "version" => d.version = c.string(&e.value, p),
            "optional" => d.optional = c.boolean(&e.value, p),
            _ => return false,
        }
        true
    })?;
    d.name = required_name(c, name, path, v)?;
    Some(d)
}

fn booleans<const N: usize>(c: &mut Checker<'_>, v: &Node, path: &str, keys: [&str; N]) -> Option<[Option<bool>; N]> {
    let mut values = [None; N];
    entries(c, v, path, |c, e, p| match keys.iter().position(|k| *k == e.key) {
        Some(i) => {
            values[i] = c.boolean(&e.value, p);
            true
        }
        None => false,
    })?;
    Some(values)
}

fn italian(c: &mut Checker<'_>, v: &Node, section: &str) -> Option<ItalianSection> {
    let mut it = ItalianSection::default();
    entries(c, v, section, |c, e, p| {
        match e.key.as_str() {
            "countryExtensionVersion" => {
                it.country_extension_version = c.string(&e.value, p);
                if it.country_extension_version.as_deref().is_some_and(|s| s != "0.2" && s != "1.0") {
                    c.error(
                        p,
                        "countryExtensionVersion must be one of the following: \"0.2\" or \"1.0\"",
                        at(&e.value),
                    );
                }
            }
            "conforme" => {
                let keys = ["lineeGuidaDesign", "modelloInteroperabilita", "misureMinimeSicurezza", "gdpr"];
                if let Some([a, b, m, g]) = booleans(c, &e.value, p, keys) {
                    it.conforme = Some(Conforme {
                        linee_guida_design: a,
                        modello_interoperabilita: b,
                        misure_minime_sicurezza: m,
                        gdpr: g,
                    });
                }
                c.warn(p, DEPRECATED_DROP, key_at(e));
            }
            "riuso" => {
                let mut riuso = Riuso::default();
                entries(c, &e.value, p, |c, e, p| {
                    if e.key != "codiceIPA" {
                        return false;
                    }
                    riuso.codice_ipa = c.string(&e.value, p);
                    if let Some(code) = &riuso.codice_ipa {
                        if !is_ipa_code_shape(code) {
                            c.error(
                                p,
                                format!(
                                    "codiceIPA must be a valid Italian Public Administration Code (iPA) \
                                     (see {IPA_VOCABULARY})"
                                ),
                                at(&e.value),
                            );
                        }
                        c.warn(
                            p,
                            format!(
                                "This key is DEPRECATED and will be removed in the future. Use 'organisation.uri' \
                                 and set it to '{ITALIAN_PA}{code}' instead"
                            ),
                            key_at(e),
                        );
                    }
                    true
                });
                it.riuso = (riuso != Riuso::default()).then_some(riuso);
            }
            "piattaforme" => {
                if let Some([spid, cie, anpr, pagopa, io]) =
                    booleans(c, &e.value, p, ["spid", "cie", "anpr", "pagopa", "io"])
                {
                    it.piattaforme = Some(Piattaforme { spid, cie, anpr, pagopa, io });
                }
            }
            _ => return false,
        }
        true
    })?;
    Some(it)
}
