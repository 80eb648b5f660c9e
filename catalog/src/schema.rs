//! How the catalog's own string types appear in the OpenAPI document. They are written
//! as strings in JSON (`#[serde(try_from = "String", into = "String")]`), which utoipa's
//! derive cannot see through, so each says so here, with what the string holds.

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;

/// A string schema with a description, an example and, for closed lists, the values.
pub(crate) fn string(description: &str, example: &str, values: Option<Vec<&'static str>>) -> RefOr<Schema> {
    let mut b = ObjectBuilder::new().schema_type(Type::String).description(Some(description)).examples([example]);
    if let Some(values) = values {
        b = b.enum_values(Some(values));
    }
    b.into()
}

/// Implements `ToSchema` for a type written as a string in JSON.
macro_rules! string_schema {
    ($ty:ty, $description:expr, $example:expr) => {
        string_schema!($ty, $description, $example, None);
    };
    ($ty:ty, $description:expr, $example:expr, $values:expr) => {
        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::schema::string($description, $example, $values)
            }
        }
        impl utoipa::ToSchema for $ty {}
    };
}
pub(crate) use string_schema;

string_schema!(crate::Currency, "An ISO 4217 currency code", "EUR");
string_schema!(crate::Country, "An ISO 3166-1 alpha-2 country code", "FR");
string_schema!(crate::Licence, "An SPDX licence expression", "AGPL-3.0-or-later");
string_schema!(
    crate::OfficialId,
    "An official identifier in one country's register, written scheme:value",
    "fr-insee:38185"
);
string_schema!(crate::Slug, "The short name of a record in URLs: lowercase letters, digits and hyphens", "geocity");
string_schema!(crate::text::Lang, "An ISO 639-1 language code", "fr");
string_schema!(
    crate::Category,
    "A category of the registry",
    "urbanisme",
    Some(crate::Category::all().map(|c| c.slug()).collect())
);
