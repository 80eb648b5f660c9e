//! The API's reference page, `/api`: the operations of the OpenAPI document, which `server`
//! turns into these plain structs. The document's texts are English; a French page marks
//! them so.

use askama::Template;

use crate::pages::Chrome;

#[derive(Debug, Clone)]
pub struct ApiParameter {
    pub name: String,
    /// `path` or `query`.
    pub location: String,
    pub required: bool,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct ApiOperation {
    pub method: String,
    pub path: String,
    /// An anchor for the operation.
    pub id: String,
    pub summary: String,
    pub parameters: Vec<ApiParameter>,
    /// (status, description)
    pub responses: Vec<(String, String)>,
    /// The request body's media type, for writes.
    pub body: Option<String>,
    pub needs_token: bool,
}

#[derive(Debug, Clone)]
pub struct ApiGroup {
    pub tag: String,
    pub description: String,
    pub operations: Vec<ApiOperation>,
}

#[derive(Template)]
#[template(path = "api.html")]
pub struct ApiPage {
    pub chrome: Chrome,
    pub groups: Vec<ApiGroup>,
    /// The `lang` of the document's texts when it is not the page's (`en` on a French page).
    pub doc_lang: Option<&'static str>,
}
