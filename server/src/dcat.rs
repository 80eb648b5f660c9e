//! The catalog described in DCAT-AP, as JSON-LD (`GET /api/v1/catalog.jsonld`), for the
//! European and national data portals that harvest such descriptions: the registry is a
//! `dcat:Catalog`, each software a `dcat:Dataset` with its page as landing page, and its
//! repositories and its publiccode.yml as `dcat:Distribution`s. The mandatory properties of
//! the profile are there (a catalog's title, description, publisher with its name and
//! datasets; a dataset's title and description; a distribution's access URL), with the
//! recommended ones the records hold (keywords, licence, dates, publisher).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::api::AppState;
use crate::error::Error;

/// The vocabularies used, by their usual prefixes.
fn context() -> Value {
    json!({
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "xsd": "http://www.w3.org/2001/XMLSchema#"
    })
}

fn time(t: &chrono::DateTime<chrono::Utc>) -> Value {
    json!({"@value": t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "@type": "xsd:dateTime"})
}

/// Texts by language as language-tagged literals.
fn texts(by_lang: &std::collections::BTreeMap<String, String>) -> Vec<Value> {
    by_lang.iter().filter(|(_, t)| !t.trim().is_empty()).map(|(l, t)| json!({"@value": t, "@language": l})).collect()
}

/// The DCAT-AP description of the whole catalog.
#[utoipa::path(get, path = "/api/v1/catalog.jsonld", tag = "index", operation_id = "catalog_dcat",
    responses((status = 200, description = "The catalog as a DCAT-AP dcat:Catalog in JSON-LD (application/ld+json)")))]
pub(crate) async fn catalog(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, Error> {
    let base = s.site.base(&headers);
    // The records that came from another instance are in its catalogue, not this one's.
    let followed = s.store.followed_software().await?;
    let mut records = s.store.export_software().await?;
    records.retain(|sw| !followed.contains(&sw.slug));
    let provenance = s.store.software_provenance().await?;
    let mut modified = None;
    let datasets: Vec<Value> = records
        .iter()
        .map(|sw| {
            let page = format!("{base}/software/{}", sw.slug);
            let mut description = texts(&sw.summary);
            if description.is_empty() {
                description = texts(&sw.description);
            }
            if description.is_empty() {
                // The profile wants a description: the name says at least what it is.
                description.push(json!({"@value": sw.name}));
            }
            // A licence of one SPDX identifier has an IRI; an expression is kept in words.
            let simple = !sw.licence.contains(' ');
            let licence = simple.then(|| json!({"@id": format!("http://spdx.org/licenses/{}", sw.licence)}));
            let mut distributions: Vec<Value> = sw
                .repositories
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let mut d = json!({
                        "@id": format!("{page}#repository-{}", i + 1),
                        "@type": "dcat:Distribution",
                        "dct:title": "git",
                        "dcat:accessURL": {"@id": r.url},
                    });
                    if let Some(l) = &licence {
                        d["dct:license"] = l.clone();
                    }
                    d
                })
                .collect();
            distributions.push(json!({
                "@id": format!("{page}/publiccode.yml"),
                "@type": "dcat:Distribution",
                "dct:title": "publiccode.yml",
                "dcat:accessURL": {"@id": format!("{page}/publiccode.yml")},
                "dcat:downloadURL": {"@id": format!("{page}/publiccode.yml")},
                "dcat:mediaType": {"@id": "https://www.iana.org/assignments/media-types/application/yaml"},
            }));
            let mut d = json!({
                "@id": page,
                "@type": "dcat:Dataset",
                "dct:identifier": sw.slug,
                "dct:title": sw.name,
                "dct:description": description,
                "dcat:keyword": sw.categories,
                "dcat:landingPage": {"@id": page},
                "dcat:distribution": distributions,
            });
            if !simple {
                d["dct:rights"] = json!(sw.licence);
            }
            if let Some((issued, changed, publisher)) = provenance.get(&sw.slug) {
                d["dct:issued"] = time(issued);
                d["dct:modified"] = time(changed);
                if modified.is_none_or(|m| changed > m) {
                    modified = Some(changed);
                }
                if let Some((slug, name)) = publisher {
                    d["dct:publisher"] = json!({
                        "@id": format!("{base}/organisations/{slug}"),
                        "@type": "foaf:Agent",
                        "foaf:name": name,
                    });
                }
            }
            d
        })
        .collect();
    let mut catalog = json!({
        "@context": context(),
        "@id": format!("{base}/api/v1/catalog.jsonld"),
        "@type": "dcat:Catalog",
        "dct:title": [{"@value": "Communs", "@language": "fr"}, {"@value": "Communs", "@language": "en"}],
        "dct:description": [
            {"@value": "Registre des logiciels libres que partagent les collectivités et les organismes publics : qui les utilise, qui les finance, et leurs dépôts.", "@language": "fr"},
            {"@value": "Registry of the free software that public bodies share: who uses it, who funds it, and its repositories.", "@language": "en"}
        ],
        "dct:publisher": {"@id": format!("{base}/"), "@type": "foaf:Agent", "foaf:name": "Communs"},
        "foaf:homepage": {"@id": format!("{base}/")},
        "dct:language": [
            {"@id": "http://publications.europa.eu/resource/authority/language/FRA"},
            {"@id": "http://publications.europa.eu/resource/authority/language/ENG"}
        ],
        "dcat:dataset": datasets,
    });
    if let Some(m) = modified {
        catalog["dct:modified"] = time(m);
    }
    let mut r = serde_json::to_vec(&catalog)
        .map_err(|e| Error::internal(e, "catalog description failed", "the description failed; it is logged"))?
        .into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/ld+json"));
    Ok(r)
}
