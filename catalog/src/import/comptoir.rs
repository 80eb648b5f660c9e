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

use super::{Listed, ListedOrganisation, Listing, RecordProblem};
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
        Ok(Listing { catalogue: "le Comptoir du Libre", listed_on: exported_on, software, skipped: Vec::new() })
    } else {
        Err(problems)
    }
}

/// An address the export gives, kept when it is a public web address; the export's empty
/// strings are none.
pub(super) fn web(field: &str, v: Option<String>) -> Result<Option<String>, String> {
    let Some(v) = v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) else { return Ok(None) };
    crate::text::web_url(field, &v).map(Some).map_err(|e| e.to_string())
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
        label: String::new(),
    })
}

/// The SPDX expression of a licence as the Comptoir writes it ("GNU GPL v3", "CeCILL v2.1",
/// "Apache 2.0"), or of an SPDX expression written as such; `None` when it names none.
/// Versions without "only" are read as "or later", as the GNU licences advise.
pub fn spdx_of(written: &str) -> Option<String> {
    let words: Vec<String> = written
        .to_lowercase()
        .replace(['.', '-', '_', '(', ')', ','], " ")
        .split_whitespace()
        .filter(|w| !matches!(*w, "gnu" | "licence" | "license" | "the" | "public" | "general" | "version" | "v"))
        .map(|w| w.trim_start_matches('v').to_string())
        .collect();
    let key = words.join(" ");
    let known = match key.as_str() {
        "gpl 2" | "gpl 2 0" => "GPL-2.0-or-later",
        "gpl 3" | "gpl 3 0" => "GPL-3.0-or-later",
        "agpl 3" | "agpl 3 0" | "affero gpl 3" | "affero 3" => "AGPL-3.0-or-later",
        "lgpl 2 1" => "LGPL-2.1-or-later",
        "lgpl 3" | "lgpl 3 0" => "LGPL-3.0-or-later",
        "cecill 2" | "cecill 2 0" => "CECILL-2.0",
        "cecill 2 1" => "CECILL-2.1",
        "cecill b" => "CECILL-B",
        "cecill c" => "CECILL-C",
        "apache 2" | "apache 2 0" => "Apache-2.0",
        "mit" => "MIT",
        "bsd 2 clause" => "BSD-2-Clause",
        "bsd 3 clause" => "BSD-3-Clause",
        "eupl 1 1" => "EUPL-1.1",
        "eupl 1 2" => "EUPL-1.2",
        "mpl 2" | "mpl 2 0" | "mozilla 2 0" => "MPL-2.0",
        _ => "",
    };
    if !known.is_empty() {
        return Some(known.to_string());
    }
    let written = written.trim();
    (!written.is_empty() && crate::licence::Licence::parse(written).is_ok()).then(|| written.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn licences_are_read_as_spdx() {
        for (written, spdx) in [
            ("GNU GPL v3", "GPL-3.0-or-later"),
            ("GNU Affero GPL v3", "AGPL-3.0-or-later"),
            ("CeCILL v2.1", "CECILL-2.1"),
            ("Apache 2.0", "Apache-2.0"),
            ("GNU LGPL v2.1", "LGPL-2.1-or-later"),
            ("EUPL-1.2", "EUPL-1.2"),
            ("MIT OR Apache-2.0", "MIT OR Apache-2.0"),
        ] {
            assert_eq!(spdx_of(written).as_deref(), Some(spdx), "{written}");
        }
        assert_eq!(spdx_of("Licence maison"), None);
        assert_eq!(spdx_of(""), None);
    }

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
