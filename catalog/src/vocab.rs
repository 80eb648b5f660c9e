//! The closed vocabularies of the registry: kinds, statuses and roles, each written in
//! kebab-case in files, URLs and the database.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Result<$name> {
                match s.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err(Error::invalid(
                        $field,
                        format!("{other:?} is not one of: {}", [$($text),+].join(", ")),
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<$name> {
                $name::parse(&s)
            }
        }

        impl From<$name> for &'static str {
            fn from(v: $name) -> &'static str {
                v.as_str()
            }
        }

        /// In the API's description, a string of one of the words.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

vocabulary!(
    /// What sort of body an organisation is.
    OrganisationKind, "kind" {
        Commune => "commune",
        Epci => "epci",
        Departement => "departement",
        Region => "region",
        Canton => "canton",
        Province => "province",
        StateAgency => "state-agency",
        Association => "association",
        Company => "company",
        OtherPublicBody => "other-public-body",
    }
);

vocabulary!(
    /// How far a software has come (the publiccode.yml `developmentStatus` values).
    Maturity, "maturity" {
        Concept => "concept",
        Development => "development",
        Beta => "beta",
        Stable => "stable",
        Obsolete => "obsolete",
    }
);

vocabulary!(
    /// Where a repository is hosted, which decides how its facts are read.
    Forge, "forge" {
        Github => "github",
        Gitlab => "gitlab",
        Gitea => "gitea",
        Bitbucket => "bitbucket",
        Sourcehut => "sourcehut",
        Other => "other",
    }
);

vocabulary!(
    AdoptionStatus, "status" {
        Evaluating => "evaluating",
        Pilot => "pilot",
        Active => "active",
        Ended => "ended",
    }
);

vocabulary!(
    /// A declared adoption becomes confirmed when the software's maintainers confirm it.
    AdoptionState, "state" {
        Declared => "declared",
        Confirmed => "confirmed",
    }
);

vocabulary!(
    FundingKind, "kind" {
        CoDevelopment => "co-development",
        MembershipFee => "membership-fee",
        Contract => "contract",
        InKind => "in-kind",
    }
);

vocabulary!(
    /// A funding moves from a promise to a council's vote to a payment.
    FundingStatus, "status" {
        Pledged => "pledged",
        Voted => "voted",
        Paid => "paid",
    }
);

vocabulary!(
    RoadmapStatus, "status" {
        Proposed => "proposed",
        Planned => "planned",
        InProgress => "in-progress",
        Done => "done",
        Abandoned => "abandoned",
    }
);

vocabulary!(
    /// A user's role in an organisation.
    Role, "role" {
        Member => "member",
        Admin => "admin",
    }
);

vocabulary!(
    /// How an organisation takes part in a software besides adopting it. A funder is one
    /// declared as such (publiccode.yml's `fundedBy`), apart from the fundings recorded with
    /// their amounts.
    SoftwareRole, "role" {
        Maintainer => "maintainer",
        Provider => "provider",
        Funder => "funder",
    }
);

vocabulary!(
    /// What a provider does for the organisations that subscribe to its offer.
    OfferKind, "kind" {
        Hosting => "hosting",
        Support => "support",
        Training => "training",
        Integration => "integration",
        Development => "development",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        for k in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::parse(k.as_str()).unwrap(), *k);
        }
        let err = FundingStatus::parse("promised").unwrap_err().to_string();
        assert_eq!(err, "status: \"promised\" is not one of: pledged, voted, paid");
    }
}
