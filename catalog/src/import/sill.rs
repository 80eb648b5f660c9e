//! The SILL (socle interministériel de logiciels libres, code.gouv.fr/sill): the free
//! software the French State's agencies recommend, with the organisations whose agents use
//! it or answer for it, and the service providers of the CNLL's directory. The shape is the
//! SILL's own `Software` type (github.com/codegouvfr/sill-api,
//! `src/core/usecases/readWriteSillData/types.ts`): `softwareId`, `softwareName`,
//! `softwareDescription`, `license`, `officialWebsiteUrl`, `codeRepositoryUrl`,
//! `dereferencing`, `userAndReferentCountByOrganization` (organisation → counts),
//! `annuaireCnllServiceProviders` (`name`, `siren`, `url`)... A file holds a list of them,
//! or the SILL API's answer that wraps it (`{"result": {"data": [...]}}`).
//!
//! Software the SILL has dereferenced are skipped. Every record is checked before anything
//! is written; a problem names the record.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{spdx_of, web, Listed, ListedInstance, ListedOrganisation, Listing, RecordProblem};
use crate::address::{check_repository_address, AddressPolicy};
use crate::identifier::OfficialId;
use crate::vocab::OrganisationKind;

/// The longest summary the catalog keeps; a longer description is cut at a word.
const SUMMARY_CHARS: usize = 500;

#[derive(Deserialize)]
#[serde(untagged)]
enum File {
    List(Vec<serde_json::Value>),
    Answer { result: AnswerResult },
}

#[derive(Deserialize)]
struct AnswerResult {
    data: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSoftware {
    software_id: i64,
    software_name: String,
    #[serde(default)]
    software_description: Option<String>,
    #[serde(default)]
    license: Option<String>,
    #[serde(default)]
    official_website_url: Option<String>,
    #[serde(default)]
    code_repository_url: Option<String>,
    #[serde(default)]
    dereferencing: Option<serde_json::Value>,
    #[serde(default)]
    user_and_referent_count_by_organization: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    annuaire_cnll_service_providers: Option<Vec<RawProvider>>,
    #[serde(default)]
    similar_softwares: Vec<RawSimilar>,
}

/// A similar software as the SILL gives it: one of its own (`isInSill`, by its name, and
/// by its id in later versions), or one only Wikidata knows, which the import leaves out.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSimilar {
    #[serde(default)]
    is_in_sill: bool,
    #[serde(default)]
    software_id: Option<i64>,
    #[serde(default)]
    software_name: Option<String>,
}

/// An instance of a software of the SILL that an organisation runs, as the SILL's own
/// `Instance` type declares it (same source as `RawSoftware`): `id`, `mainSoftwareSillId`,
/// `organization`, `targetAudience`, `publicUrl`, `otherWikidataSoftwares`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawInstance {
    main_software_sill_id: i64,
    organization: String,
    #[serde(default)]
    target_audience: Option<String>,
    #[serde(default)]
    public_url: Option<String>,
}

#[derive(Deserialize)]
struct RawProvider {
    name: String,
    #[serde(default)]
    siren: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

/// The records of a file of the SILL (`what` it lists, for the problem): a list, or the
/// API's answer that wraps it.
fn records(bytes: &[u8], name: &str, what: &str) -> Result<Vec<serde_json::Value>, Vec<RecordProblem>> {
    let file: File = serde_json::from_slice(bytes).map_err(|e| {
        vec![RecordProblem {
            record: name.to_string(),
            message: format!("not a list of the SILL's {what} ([...] or {{\"result\": {{\"data\": [...]}}}}): {e}"),
        }]
    })?;
    Ok(match file {
        File::List(v) => v,
        File::Answer { result } => result.data,
    })
}

/// Reads a file of the SILL; `name` is the file's name, for the problems.
pub fn read(bytes: &[u8], name: &str) -> Result<Listing, Vec<RecordProblem>> {
    let values = records(bytes, name, "software")?;
    let mut software = Vec::new();
    let mut similar_of = Vec::new();
    let mut skipped = Vec::new();
    let mut problems = Vec::new();
    for (i, value) in values.into_iter().enumerate() {
        let named = value.get("softwareName").and_then(|n| n.as_str()).map(str::to_string);
        let label = match &named {
            Some(n) => format!("{name}: [{i}] ({n})"),
            None => format!("{name}: [{i}]"),
        };
        let raw = match serde_json::from_value::<RawSoftware>(value) {
            Ok(r) => r,
            Err(e) => {
                problems.push(RecordProblem {
                    record: label,
                    message: format!("not a software of the SILL (softwareId, softwareName, license...): {e}"),
                });
                continue;
            }
        };
        if raw.dereferencing.as_ref().is_some_and(|d| !d.is_null()) {
            skipped.push(format!("{label}: dereferenced by the SILL"));
            continue;
        }
        let similar: Vec<(Option<i64>, Option<String>)> = raw
            .similar_softwares
            .iter()
            .filter(|s| s.is_in_sill)
            .map(|s| (s.software_id, s.software_name.clone()))
            .collect();
        match software_of(raw) {
            Ok(mut s) => {
                s.label = label;
                software.push(s);
                similar_of.push(similar);
            }
            Err(message) => problems.push(RecordProblem { record: label, message }),
        }
    }
    // Similar software named by their name in the SILL are found among the list's own.
    let ids: BTreeMap<String, String> = software.iter().map(|s| (s.name.to_lowercase(), s.source.clone())).collect();
    for (s, similar) in software.iter_mut().zip(similar_of) {
        s.similar = similar
            .into_iter()
            .filter_map(|(id, name)| match (id, name) {
                (Some(id), _) => Some(format!("sill:{id}")),
                (None, Some(name)) => ids.get(&name.to_lowercase()).cloned(),
                (None, None) => None,
            })
            .filter(|source| source != &s.source)
            .collect();
    }
    if problems.is_empty() {
        Ok(Listing { catalogue: "le SILL", listed_on: None, software, instances: Vec::new(), skipped })
    } else {
        Err(problems)
    }
}

/// Reads a file of the SILL's instances (a list of them, or the API's answer that wraps
/// it): each becomes an adoption of its software, with the instance's address, when the
/// software is in the list imported with it.
pub fn read_instances(bytes: &[u8], name: &str) -> Result<Vec<ListedInstance>, Vec<RecordProblem>> {
    let values = records(bytes, name, "instances")?;
    let mut instances = Vec::new();
    let mut problems = Vec::new();
    for (i, value) in values.into_iter().enumerate() {
        let label = match value.get("organization").and_then(|n| n.as_str()) {
            Some(o) => format!("{name}: [{i}] ({o})"),
            None => format!("{name}: [{i}]"),
        };
        let read = serde_json::from_value::<RawInstance>(value)
            .map_err(|e| format!("not an instance of the SILL (mainSoftwareSillId, organization...): {e}"))
            .and_then(instance_of);
        match read {
            Ok(mut instance) => {
                instance.label = label;
                instances.push(instance);
            }
            Err(message) => problems.push(RecordProblem { record: label, message }),
        }
    }
    if problems.is_empty() {
        Ok(instances)
    } else {
        Err(problems)
    }
}

fn instance_of(raw: RawInstance) -> Result<ListedInstance, String> {
    let organisation = crate::text::line("organization", &raw.organization, 200).map_err(|e| e.to_string())?;
    let audience = match raw.target_audience.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => Some(crate::text::line("targetAudience", a, 500).map_err(|e| e.to_string())?),
        None => None,
    };
    Ok(ListedInstance {
        software: format!("sill:{}", raw.main_software_sill_id),
        organisation: ListedOrganisation {
            name: organisation,
            kind: OrganisationKind::OtherPublicBody,
            page: None,
            website: None,
            identifier: None,
        },
        url: web("publicUrl", raw.public_url)?,
        audience,
        label: String::new(),
    })
}

/// The description cut to the catalog's summary, at a word.
fn summary_of(description: &str) -> Option<String> {
    let d = description.split_whitespace().collect::<Vec<_>>().join(" ");
    if d.is_empty() {
        return None;
    }
    if d.chars().count() <= SUMMARY_CHARS {
        return Some(d);
    }
    let mut cut: String = d.chars().take(SUMMARY_CHARS - 1).collect();
    if let Some(space) = cut.rfind(' ') {
        cut.truncate(space);
    }
    Some(format!("{cut}…"))
}

fn software_of(raw: RawSoftware) -> Result<Listed, String> {
    let name = crate::text::line("softwareName", &raw.software_name, 200).map_err(|e| e.to_string())?;
    let written = raw.license.unwrap_or_default();
    let licence = spdx_of(&written)
        .ok_or_else(|| format!("license: {written:?} is not a licence Communs can name in SPDX (such as MPL-2.0)"))?;
    let repository = match raw.code_repository_url.map(|r| r.trim().to_string()).filter(|r| !r.is_empty()) {
        Some(r) => Some(
            check_repository_address("codeRepositoryUrl", &r, AddressPolicy::PublicOnly)
                .map_err(|e| e.to_string())?
                .url,
        ),
        None => None,
    };
    // The SILL's page of the software: the evidence that these organisations use it.
    let page = format!(
        "https://code.gouv.fr/sill/detail?name={}",
        url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
    );
    let mut users = Vec::new();
    for (organisation, _) in raw.user_and_referent_count_by_organization {
        let organisation = organisation.trim();
        if organisation.is_empty() {
            continue;
        }
        let field = format!("userAndReferentCountByOrganization[{organisation:?}]");
        users.push(ListedOrganisation {
            name: crate::text::line(&field, organisation, 200).map_err(|e| e.to_string())?,
            kind: OrganisationKind::OtherPublicBody,
            page: Some(page.clone()),
            website: None,
            identifier: None,
        });
    }
    let mut providers = Vec::new();
    for (i, p) in raw.annuaire_cnll_service_providers.unwrap_or_default().into_iter().enumerate() {
        let field = format!("annuaireCnllServiceProviders[{i}]");
        let identifier = match p.siren.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(siren) => Some(OfficialId::new("fr-siren", siren).map_err(|e| format!("{field}.siren: {e}"))?),
            None => None,
        };
        providers.push(ListedOrganisation {
            name: crate::text::line(&format!("{field}.name"), &p.name, 200).map_err(|e| e.to_string())?,
            kind: OrganisationKind::Company,
            page: None,
            website: web(&format!("{field}.url"), p.url)?,
            identifier,
        });
    }
    Ok(Listed {
        source: format!("sill:{}", raw.software_id),
        name,
        summary: raw.software_description.as_deref().and_then(summary_of),
        licence,
        website: web("officialWebsiteUrl", raw.official_website_url)?,
        repository,
        page: Some(page),
        users,
        providers,
        similar: Vec::new(),
        label: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sill_is_read_and_bad_records_named() {
        let list = serde_json::json!({"result": {"data": [
            {"softwareId": 1, "softwareName": "Ok", "softwareDescription": "Un   outil.", "license": "MPL-2.0",
             "userAndReferentCountByOrganization": {"DINUM": {"userCount": 2, "referentCount": 1}},
             "annuaireCnllServiceProviders": [{"name": "Prestataire", "siren": "200054781", "url": "https://p.example"}],
             "dereferencing": null},
            {"softwareId": 2, "softwareName": "Retiré", "license": "MIT", "dereferencing": {"time": 1}},
        ]}});
        let listing = read(list.to_string().as_bytes(), "s.json").unwrap();
        assert_eq!(listing.software.len(), 1);
        assert_eq!(listing.skipped, ["s.json: [1] (Retiré): dereferenced by the SILL"]);
        let ok = &listing.software[0];
        assert_eq!((ok.source.as_str(), ok.summary.as_deref()), ("sill:1", Some("Un outil.")));
        assert_eq!(ok.users[0].name, "DINUM");
        assert_eq!(ok.providers[0].identifier.as_ref().unwrap().to_string(), "fr-siren:200054781");
        let bad = serde_json::json!([
            {"softwareId": 3, "softwareName": "Maison", "license": "Licence maison"},
            {"softwareId": 4, "softwareName": "Local", "license": "MIT", "codeRepositoryUrl": "http://127.0.0.1/x"},
            {"softwareId": 5, "softwareName": "Siren", "license": "MIT",
             "annuaireCnllServiceProviders": [{"name": "P", "siren": "123"}]},
        ]);
        let problems = read(bad.to_string().as_bytes(), "s.json").unwrap_err();
        let records: Vec<&str> = problems.iter().map(|p| p.record.as_str()).collect();
        assert_eq!(records, ["s.json: [0] (Maison)", "s.json: [1] (Local)", "s.json: [2] (Siren)"]);
        assert!(problems[2].message.contains("siren"), "{problems:?}");
        let long = "mot ".repeat(300);
        let cut = summary_of(&long).unwrap();
        assert!(cut.chars().count() <= SUMMARY_CHARS && cut.ends_with('…'), "{cut}");
    }
}
