//! ADULLACT's Comptoir du Libre public export
//! (`https://comptoir-du-libre.org/public/export/comptoir-du-libre_export_v1.json`): the
//! software it lists, with their licence, website and repository, the organisations that
//! say they use each one, and the service providers for it. The shape is the one the SILL's
//! own reader of this export declares (github.com/codegouvfr/sill-api,
//! `src/core/ports/GetComptoirDuLibre.ts`): `{date_of_export, number_of_software,
//! softwares: [{id, created, modified, url, name, licence, external_resources: {website,
//! repository}, providers: [...], users: [...]}]}`, each provider and user
//! `{id, url, name, type, external_resources: {website}}`.
//!
//! Every record is checked before anything is written; a problem names the record.

use serde::Deserialize;

use super::{spdx_of, web, Listed, ListedOrganisation, Listing, RecordProblem};
use crate::address::{check_repository_address, AddressPolicy};
use crate::vocab::OrganisationKind;

#[derive(Deserialize)]
struct RawExport {
    #[serde(default)]
    date_of_export: Option<String>,
    softwares: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawSoftware {
    id: i64,
    name: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    licence: Option<String>,
    #[serde(default)]
    external_resources: Option<RawResources>,
    #[serde(default)]
    providers: Vec<RawOrganisation>,
    #[serde(default)]
    users: Vec<RawOrganisation>,
}

#[derive(Deserialize, Default)]
struct RawResources {
    #[serde(default)]
    website: Option<String>,
    #[serde(default)]
    repository: Option<String>,
}

#[derive(Deserialize)]
struct RawOrganisation {
    name: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    external_resources: Option<RawResources>,
}

/// Reads the export; `name` is the file's name, for the problems.
pub fn read(bytes: &[u8], name: &str) -> Result<Listing, Vec<RecordProblem>> {
    let raw: RawExport = serde_json::from_slice(bytes).map_err(|e| {
        vec![RecordProblem {
            record: name.to_string(),
            message: format!("not a Comptoir du Libre export ({{\"softwares\": [...]}}): {e}"),
        }]
    })?;
    let exported_on = raw.date_of_export.as_deref().and_then(|d| d.get(..10)).and_then(|d| d.parse().ok());
    let mut software = Vec::with_capacity(raw.softwares.len());
    let mut problems = Vec::new();
    for (i, value) in raw.softwares.into_iter().enumerate() {
        let named = value.get("name").and_then(|n| n.as_str()).map(str::to_string);
        let label = match &named {
            Some(n) => format!("{name}: softwares[{i}] ({n})"),
            None => format!("{name}: softwares[{i}]"),
        };
        let checked = serde_json::from_value::<RawSoftware>(value)
            .map_err(|e| format!("not a software of the export (id, name, licence...): {e}"))
            .and_then(software_of);
        match checked {
            Ok(mut s) => {
                s.label = label;
                software.push(s);
            }
            Err(message) => problems.push(RecordProblem { record: label, message }),
        }
    }
    if problems.is_empty() {
        Ok(Listing {
            catalogue: "le Comptoir du Libre",
            listed_on: exported_on,
            software,
            instances: Vec::new(),
            skipped: Vec::new(),
        })
    } else {
        Err(problems)
    }
}

fn software_of(raw: RawSoftware) -> Result<Listed, String> {
    let name = crate::text::line("name", &raw.name, 200).map_err(|e| e.to_string())?;
    let written = raw.licence.unwrap_or_default();
    let licence = spdx_of(&written).ok_or_else(|| {
        format!("licence: {written:?} is not a licence Communs can name in SPDX (such as GPL-3.0-or-later)")
    })?;
    let resources = raw.external_resources.unwrap_or_default();
    let repository = match resources.repository.map(|r| r.trim().to_string()).filter(|r| !r.is_empty()) {
        Some(r) => Some(
            check_repository_address("external_resources.repository", &r, AddressPolicy::PublicOnly)
                .map_err(|e| e.to_string())?
                .url,
        ),
        None => None,
    };
    let organisation = |o: RawOrganisation, what: &str, i: usize| -> Result<Option<ListedOrganisation>, String> {
        let field = format!("{what}[{i}]");
        let kind = match o.kind.as_deref().map(str::trim).unwrap_or("") {
            // A person is not an organisation of the registry.
            "Person" => return Ok(None),
            "Company" => OrganisationKind::Company,
            "Association" | "Non-Profit" | "NonProfit" => OrganisationKind::Association,
            _ => OrganisationKind::OtherPublicBody,
        };
        let name = crate::text::line(&format!("{field}.name"), &o.name, 200).map_err(|e| e.to_string())?;
        Ok(Some(ListedOrganisation {
            name,
            kind,
            page: web(&format!("{field}.url"), o.url)?,
            website: web(
                &format!("{field}.external_resources.website"),
                o.external_resources.unwrap_or_default().website,
            )?,
            identifier: None,
        }))
    };
    let mut users = Vec::new();
    for (i, u) in raw.users.into_iter().enumerate() {
        users.extend(organisation(u, "users", i)?);
    }
    let mut providers = Vec::new();
    for (i, p) in raw.providers.into_iter().enumerate() {
        providers.extend(organisation(p, "providers", i)?);
    }
    Ok(Listed {
        source: format!("comptoir-du-libre:{}", raw.id),
        name,
        summary: None,
        licence,
        website: web("external_resources.website", resources.website)?,
        repository,
        page: web("url", raw.url)?,
        users,
        providers,
        similar: Vec::new(),
        label: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn an_export_with_bad_records_names_them() {
        let export = serde_json::json!({"date_of_export": "2025-11-30T04:00:00+00:00", "number_of_software": 3,
        "softwares": [
            {"id": 1, "name": "Ok", "licence": "MIT", "external_resources": {"website": "", "repository": ""},
             "users": [{"id": 9, "name": "Jean", "type": "Person", "url": "https://comptoir-du-libre.org/fr/users/9"}],
             "providers": []},
            {"id": 2, "name": "Maison", "licence": "Licence maison"},
            {"id": 3, "name": "Local", "licence": "MIT", "external_resources": {"repository": "file:///etc"}},
            {"name": "Sans id"}
        ]});
        let problems = read(export.to_string().as_bytes(), "e.json").unwrap_err();
        let records: Vec<&str> = problems.iter().map(|p| p.record.as_str()).collect();
        assert_eq!(
            records,
            ["e.json: softwares[1] (Maison)", "e.json: softwares[2] (Local)", "e.json: softwares[3] (Sans id)"]
        );
        assert!(problems[0].message.contains("licence"), "{problems:?}");
        assert!(problems[1].message.contains("repository"), "{problems:?}");
        let ok = serde_json::json!({"date_of_export": "2025-11-30T04:00:00+00:00", "softwares": [
            {"id": 1, "name": "Ok", "licence": "MIT", "users": [{"id": 9, "name": "Jean", "type": "Person"}]}]});
        let read = read(ok.to_string().as_bytes(), "e.json").unwrap();
        assert_eq!(read.listed_on, NaiveDate::from_ymd_opt(2025, 11, 30));
        assert!(read.software[0].users.is_empty(), "a person is not an organisation");
    }
}
