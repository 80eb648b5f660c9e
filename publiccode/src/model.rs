//! The typed publiccode.yml document, as the standard (versions 0 to 0.7) describes it.
//!
//! A `PublicCode` only comes out of a file that has no errors, so its enumerations and dates
//! are typed and its mandatory keys are plain values. The version the file declared is not part
//! of it (see `Report::version`): a document written back is always version "0", and reading
//! that back must give the same `PublicCode`.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicCode {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_suite: Option<String>,
    /// The source code repository.
    pub url: String,
    #[serde(default, rename = "landingURL", skip_serializing_if = "Option::is_none")]
    pub landing_url: Option<String>,
    /// Repositories this software is a variant of (the file may give one string or a list).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub is_based_on: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_date: Option<NaiveDate>,
    /// A path relative to the repository's root, or an HTTP(S) URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// Deprecated by the standard; kept so that nothing a file says is lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monochrome_logo: Option<String>,
    /// Deprecated by the standard.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_types: Vec<String>,
    /// Deprecated by the standard.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output_types: Vec<String>,
    pub platforms: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Names of public administrations using the software, as the file gives them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub used_by: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub funded_by: Vec<Funder>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<Organisation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roadmap: Option<String>,
    pub development_status: DevelopmentStatus,
    pub software_type: SoftwareType,
    /// Standards, regulations or platforms the software supports (`alias:gdpr`, a URI...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supports: Vec<Support>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intended_audience: Option<IntendedAudience>,
    /// Keyed by BCP 47 language tag, as written in the file.
    pub description: BTreeMap<String, Description>,
    pub legal: Legal,
    pub maintenance: Maintenance,
    pub localisation: Localisation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<DependsOn>,
    /// The Italian section, whether the file wrote it `IT` or (deprecated) `it`.
    #[serde(default, rename = "IT", skip_serializing_if = "Option::is_none")]
    pub it: Option<ItalianSection>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DevelopmentStatus {
    Concept,
    Development,
    Beta,
    Stable,
    Obsolete,
}

impl DevelopmentStatus {
    pub const ALL: [Self; 5] = [Self::Concept, Self::Development, Self::Beta, Self::Stable, Self::Obsolete];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Concept => "concept",
            Self::Development => "development",
            Self::Beta => "beta",
            Self::Stable => "stable",
            Self::Obsolete => "obsolete",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SoftwareType {
    #[serde(rename = "standalone/mobile")]
    StandaloneMobile,
    #[serde(rename = "standalone/iot")]
    StandaloneIot,
    #[serde(rename = "standalone/desktop")]
    StandaloneDesktop,
    #[serde(rename = "standalone/web")]
    StandaloneWeb,
    #[serde(rename = "standalone/backend")]
    StandaloneBackend,
    #[serde(rename = "standalone/other")]
    StandaloneOther,
    #[serde(rename = "addon")]
    Addon,
    #[serde(rename = "library")]
    Library,
    #[serde(rename = "configurationFiles")]
    ConfigurationFiles,
}

impl SoftwareType {
    pub const ALL: [Self; 9] = [
        Self::StandaloneMobile,
        Self::StandaloneIot,
        Self::StandaloneDesktop,
        Self::StandaloneWeb,
        Self::StandaloneBackend,
        Self::StandaloneOther,
        Self::Addon,
        Self::Library,
        Self::ConfigurationFiles,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::StandaloneMobile => "standalone/mobile",
            Self::StandaloneIot => "standalone/iot",
            Self::StandaloneDesktop => "standalone/desktop",
            Self::StandaloneWeb => "standalone/web",
            Self::StandaloneBackend => "standalone/backend",
            Self::StandaloneOther => "standalone/other",
            Self::Addon => "addon",
            Self::Library => "library",
            Self::ConfigurationFiles => "configurationFiles",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MaintenanceType {
    Internal,
    Contract,
    Community,
    None,
}

impl MaintenanceType {
    pub const ALL: [Self; 4] = [Self::Internal, Self::Contract, Self::Community, Self::None];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internal => "internal",
            Self::Contract => "contract",
            Self::Community => "community",
            Self::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}
display_as_str!(DevelopmentStatus, SoftwareType, MaintenanceType);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A URI naming the organisation, e.g. `urn:x-italian-pa:c_h501` or its website.
    pub uri: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funder {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub uri: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Support {
    pub id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntendedAudience {
    /// ISO 3166-1 alpha-2 codes as written (lowercase is deprecated but accepted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsupported_countries: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scope: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Description {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localised_name: Option<String>,
    /// Deprecated by the standard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generic_name: Option<String>,
    pub short_description: String,
    pub long_description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_documentation: Option<String>,
    pub features: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub screenshots: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub videos: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub awards: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Legal {
    /// An SPDX licence expression, checked when read.
    pub license: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_copyright_owner: Option<String>,
    /// Deprecated by the standard in favour of `organisation.name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo_owner: Option<String>,
    /// Deprecated by the standard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authors_file: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maintenance {
    #[serde(rename = "type")]
    pub kind: MaintenanceType,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contractors: Vec<Contractor>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contractor {
    pub name: String,
    /// When the maintenance contract ends.
    pub until: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Localisation {
    pub localisation_ready: bool,
    pub available_languages: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependsOn {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open: Vec<Dependency>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proprietary: Vec<Dependency>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hardware: Vec<Dependency>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_min: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_max: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}

/// The Italian country section (`IT`), deprecated by version 0.7 in favour of `supports` and
/// `organisation` but still common.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItalianSection {
    /// "0.2" or "1.0".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_extension_version: Option<String>,
    /// Deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conforme: Option<Conforme>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub riuso: Option<Riuso>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub piattaforme: Option<Piattaforme>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conforme {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linee_guida_design: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modello_interoperabilita: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub misure_minime_sicurezza: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gdpr: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Riuso {
    /// Deprecated in favour of `organisation.uri` = `urn:x-italian-pa:<code>`.
    #[serde(rename = "codiceIPA", default, skip_serializing_if = "Option::is_none")]
    pub codice_ipa: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Piattaforme {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spid: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cie: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anpr: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagopa: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub io: Option<bool>,
}
