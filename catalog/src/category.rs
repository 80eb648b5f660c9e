use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A municipal domain that software serves. The list is closed so that facets stay
/// meaningful; each has a French and an English label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Category(&'static CategoryInfo);

#[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CategoryInfo {
    pub slug: &'static str,
    pub fr: &'static str,
    pub en: &'static str,
}

macro_rules! categories {
    ($($slug:literal => $fr:literal, $en:literal;)*) => {
        pub const CATEGORIES: &[CategoryInfo] = &[$(CategoryInfo { slug: $slug, fr: $fr, en: $en }),*];
    };
}

categories! {
    "cimetieres" => "Cimetières", "Cemeteries";
    "etat-civil" => "État civil", "Civil registry";
    "urbanisme" => "Urbanisme et permis de construire", "Planning and building permits";
    "deliberations" => "Délibérations et conseils", "Council deliberations";
    "sig" => "SIG et cartographie", "GIS and mapping";
    "archivage" => "Archivage électronique", "Electronic archiving";
    "teleservices" => "Téléservices et démarches en ligne", "Online services";
    "participation" => "Participation citoyenne", "Citizen participation";
    "courrier" => "Courrier et gestion documentaire", "Mail and document management";
    "finances" => "Finances et comptabilité", "Finance and accounting";
    "elections" => "Élections", "Elections";
    "ressources-humaines" => "Ressources humaines", "Human resources";
    "marches-publics" => "Marchés publics", "Public procurement";
    "signature" => "Parapheur et signature électronique", "E-signature and approval";
    "open-data" => "Données ouvertes", "Open data";
    "site-web" => "Sites web", "Websites";
    "relation-usagers" => "Relation usagers et signalements", "Citizen relations and reporting";
    "tourisme-loisirs" => "Tourisme, sports et loisirs", "Tourism and leisure";
    "education-enfance" => "Éducation et enfance", "Education and childhood";
    "collaboration" => "Bureautique et travail collaboratif", "Office and collaboration";
    "action-sociale" => "Action sociale", "Social services";
    "patrimoine-technique" => "Patrimoine et services techniques", "Assets and technical services";
    "regles-calcul" => "Règles et calcul de la législation", "Rules as code";
    "identite-acces" => "Identité et accès", "Identity and access";
    "bibliotheques" => "Bibliothèques", "Libraries";
}

impl Category {
    pub fn parse(s: &str) -> Result<Category> {
        CATEGORIES.iter().find(|c| c.slug == s).map(Category).ok_or_else(|| {
            Error::invalid(
                "categories",
                format!(
                    "unknown category {s:?}; known: {}",
                    CATEGORIES.iter().map(|c| c.slug).collect::<Vec<_>>().join(", ")
                ),
            )
        })
    }

    pub fn slug(&self) -> &'static str {
        self.0.slug
    }

    pub fn info(&self) -> &'static CategoryInfo {
        self.0
    }

    pub fn all() -> impl Iterator<Item = Category> {
        CATEGORIES.iter().map(Category)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

impl TryFrom<String> for Category {
    type Error = Error;
    fn try_from(s: String) -> Result<Category> {
        Category::parse(&s)
    }
}

impl From<Category> for String {
    fn from(c: Category) -> String {
        c.slug().to_string()
    }
}
