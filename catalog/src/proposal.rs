//! A new software described in a form, for people whose repository has no publiccode.yml
//! yet: the form's fields become a publiccode.yml (written by `publiccode::to_yaml`), which
//! the validator then checks like any other. Its findings come back on the fields that gave
//! the values, so that the form can mark them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::address::{check_repository_address, AddressPolicy};
use crate::error::{Checks, Error, Result};
use ::publiccode::{
    Contact, Description, DevelopmentStatus, Legal, Localisation, Maintenance, MaintenanceType, PublicCode,
    SoftwareType,
};

/// What the form asks. Lists come one item a line (features) or separated by commas
/// (platforms, categories, languages), as people type them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SoftwareDescription {
    #[serde(default)]
    pub name: String,
    /// The source code repository.
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub landing_url: String,
    /// The language the descriptions are written in (`fr`, `de`, `en`...).
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub short_description: String,
    #[serde(default)]
    pub long_description: String,
    #[serde(default)]
    pub features: String,
    #[serde(default)]
    pub licence: String,
    #[serde(default)]
    pub platforms: String,
    #[serde(default)]
    pub categories: String,
    #[serde(default)]
    pub development_status: String,
    #[serde(default)]
    pub software_type: String,
    #[serde(default)]
    pub maintenance: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub languages: String,
}

/// The form's fields, in the order it shows them: the order its errors are named in.
pub const FIELDS: [&str; 16] = [
    "name",
    "url",
    "landing_url",
    "language",
    "short_description",
    "long_description",
    "features",
    "licence",
    "platforms",
    "categories",
    "development_status",
    "software_type",
    "maintenance",
    "contact_name",
    "contact_email",
    "languages",
];

fn listed(s: &str, separators: &[char]) -> Vec<String> {
    s.split(separators).map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

fn optional(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Keeps line breaks and tabs, drops the other control characters a YAML file cannot hold.
fn printable(s: &str) -> String {
    s.replace("\r\n", "\n").chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect()
}

impl SoftwareDescription {
    /// The publiccode.yml the form describes, valid; or every field the validator (or the
    /// form's own checks) found wrong, named as the form names it. The repository's address
    /// passes the same check as any repository's, under the catalog's `policy`.
    pub fn publiccode(&self, policy: AddressPolicy) -> Result<String> {
        let mut checks = Checks::default();
        checks.take(check_repository_address("url", &self.url, policy));
        let language = match self.language.trim() {
            "" => "fr".to_string(),
            l => l.to_ascii_lowercase(),
        };
        let pick = |field: &str, value: &str, known: &[&str]| -> Result<String> {
            let value = value.trim();
            if known.contains(&value) {
                Ok(value.to_string())
            } else {
                Err(Error::invalid(field, format!("{value:?} is not one of {}", known.join(", "))))
            }
        };
        let statuses: Vec<&str> = DevelopmentStatus::ALL.iter().map(|s| s.as_str()).collect();
        let types: Vec<&str> = SoftwareType::ALL.iter().map(|s| s.as_str()).collect();
        let kinds: Vec<&str> = MaintenanceType::ALL.iter().map(|s| s.as_str()).collect();
        let status = checks.take(pick("development_status", &self.development_status, &statuses));
        let kind = checks.take(pick("software_type", &self.software_type, &types));
        let maintenance = checks.take(pick("maintenance", &self.maintenance, &kinds));
        let (Some(status), Some(kind), Some(maintenance)) = (status, kind, maintenance) else {
            // Without these three there is no document to ask the validator about; the other
            // fields are checked with them on the next send.
            return Err(checks.finish().expect_err("a field was refused"));
        };
        let contacts = match optional(&self.contact_name) {
            Some(name) => vec![Contact {
                name: printable(&name),
                email: optional(&self.contact_email),
                phone: None,
                affiliation: None,
            }],
            None => Vec::new(),
        };
        let mut description = BTreeMap::new();
        description.insert(
            language.clone(),
            Description {
                localised_name: None,
                generic_name: None,
                short_description: printable(self.short_description.trim()),
                long_description: printable(self.long_description.trim()),
                documentation: None,
                api_documentation: None,
                features: listed(&printable(&self.features), &['\n']),
                screenshots: Vec::new(),
                videos: Vec::new(),
                awards: Vec::new(),
            },
        );
        let mut available = listed(&self.languages, &[',', ' ']);
        if available.is_empty() {
            available.push(language.clone());
        }
        let doc = PublicCode {
            name: printable(self.name.trim()),
            application_suite: None,
            url: self.url.trim().to_string(),
            landing_url: optional(&self.landing_url),
            is_based_on: Vec::new(),
            software_version: None,
            release_date: None,
            logo: None,
            monochrome_logo: None,
            input_types: Vec::new(),
            output_types: Vec::new(),
            platforms: listed(&self.platforms, &[',', ' ']),
            categories: listed(&self.categories, &[',', ' ']),
            used_by: Vec::new(),
            funded_by: Vec::new(),
            organisation: None,
            roadmap: None,
            development_status: DevelopmentStatus::parse(&status).expect("picked from the list"),
            software_type: SoftwareType::parse(&kind).expect("picked from the list"),
            supports: Vec::new(),
            intended_audience: None,
            description,
            legal: Legal { license: self.licence.trim().to_string(), ..Legal::default() },
            maintenance: Maintenance {
                kind: MaintenanceType::parse(&maintenance).expect("picked from the list"),
                contractors: Vec::new(),
                contacts,
            },
            localisation: Localisation { localisation_ready: available.len() > 1, available_languages: available },
            depends_on: None,
            it: None,
        };
        let yaml = ::publiccode::to_yaml(&doc);
        let report = ::publiccode::validate(yaml.as_bytes());
        // The address check said already what is wrong with the address, in its own words.
        let url_named = checks.names("url");
        for finding in report.errors.iter().filter(|f| !(url_named && f.key == "url")) {
            checks.push(Error::invalid(field_of(&finding.key), finding.message.clone()));
        }
        checks.finish()?;
        Ok(yaml)
    }
}

/// The form's field that gave the value at a finding's key
/// (`description.fr.longDescription` → `long_description`).
pub fn field_of(key: &str) -> &'static str {
    let parts: Vec<&str> = key.split('.').map(|p| p.split('[').next().unwrap_or(p)).collect();
    match parts.as_slice() {
        ["name", ..] => "name",
        ["url", ..] => "url",
        ["landingURL", ..] => "landing_url",
        ["platforms", ..] => "platforms",
        ["categories", ..] => "categories",
        ["developmentStatus", ..] => "development_status",
        ["softwareType", ..] => "software_type",
        ["description", _, "shortDescription", ..] => "short_description",
        ["description", _, "longDescription", ..] => "long_description",
        ["description", _, "features", ..] => "features",
        ["description", ..] => "language",
        ["legal", ..] => "licence",
        ["maintenance", "contacts", "email", ..] => "contact_email",
        ["maintenance", "contacts", ..] => "contact_name",
        ["maintenance", ..] => "maintenance",
        ["localisation", ..] => "languages",
        _ => "name",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described() -> SoftwareDescription {
        SoftwareDescription {
            name: "Registre des arrêtés".into(),
            url: "https://git.example.org/mairie/registre.git".into(),
            language: "fr".into(),
            short_description: "Tient le registre des arrêtés municipaux.".into(),
            long_description: "Le registre des arrêtés municipaux, tenu par le secrétariat de mairie : \
                saisie, numérotation, signature, publication et archivage des arrêtés, avec la recherche \
                par date, par objet et par signataire, et l'export pour le contrôle de légalité."
                .into(),
            features: "Numérotation\nPublication\n\nArchivage\n".into(),
            licence: "AGPL-3.0-or-later".into(),
            platforms: "web".into(),
            development_status: "stable".into(),
            software_type: "standalone/web".into(),
            maintenance: "community".into(),
            contact_name: "Secrétariat".into(),
            contact_email: "secretariat@example.org".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_described_software_becomes_a_valid_publiccode_yml() {
        let yaml = described().publiccode(AddressPolicy::PublicOnly).unwrap();
        let report = ::publiccode::validate(yaml.as_bytes());
        assert!(report.is_valid(), "{:?}", report.errors);
        let doc = report.document.unwrap();
        assert_eq!(doc.name, "Registre des arrêtés");
        assert_eq!(doc.description["fr"].features, ["Numérotation", "Publication", "Archivage"]);
        assert_eq!(doc.localisation.available_languages, ["fr"]);
    }

    #[test]
    fn the_validators_findings_come_back_on_the_fields() {
        let form = SoftwareDescription {
            url: "ftp://example.org/x".into(),
            short_description: String::new(),
            licence: "not-a-licence".into(),
            ..described()
        };
        let Err(Error::Fields(errors)) = form.publiccode(AddressPolicy::PublicOnly) else { panic!("refused") };
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        for field in ["url", "short_description", "licence"] {
            assert!(fields.contains(&field), "{field} in {errors:?}");
        }
    }

    #[test]
    fn an_unknown_choice_is_named_before_anything_else() {
        let form = SoftwareDescription { development_status: "finished".into(), ..described() };
        let Err(Error::Invalid { field, message }) = form.publiccode(AddressPolicy::PublicOnly) else {
            panic!("refused")
        };
        assert_eq!(field, "development_status");
        assert!(message.contains("stable"), "{message}");
    }

    #[test]
    fn keys_map_to_the_fields_that_gave_them() {
        assert_eq!(field_of("description.fr.longDescription"), "long_description");
        assert_eq!(field_of("categories[2]"), "categories");
        assert_eq!(field_of("maintenance.contacts[0].email"), "contact_email");
        assert_eq!(field_of("legal.license"), "licence");
    }
}
