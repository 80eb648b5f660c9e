//! `/api`: the OpenAPI document as a page, by our own template (no script or style from
//! another site).

use axum::response::Response;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{RefOr, Required};
use web::{ApiGroup, ApiOperation, ApiPage, ApiParameter, Chrome, Lang};

use super::{html, PageContext};

pub async fn page(cx: PageContext) -> Response {
    let lang = cx.lang;
    let t = web::T::new(lang);
    let doc = crate::openapi::document();
    let mut groups: Vec<ApiGroup> = doc
        .tags
        .iter()
        .flatten()
        .map(|tag| ApiGroup {
            tag: tag.name.clone(),
            description: tag.description.clone().unwrap_or_default(),
            operations: Vec::new(),
        })
        .collect();
    for (method, path, op) in crate::openapi::each_operation() {
        let tag = op.tags.iter().flatten().next().cloned().unwrap_or_default();
        let operation = operation(method, path, op);
        match groups.iter_mut().find(|g| g.tag == tag) {
            Some(g) => g.operations.push(operation),
            None => groups.push(ApiGroup { tag, description: String::new(), operations: vec![operation] }),
        }
    }
    groups.retain(|g| !g.operations.is_empty());
    let view = ApiPage {
        chrome: Chrome::new(lang, "/api", t.s("title.api"), "about"),
        groups,
        doc_lang: (lang != Lang::En).then_some("en"),
    };
    html(lang, &view)
}

fn operation(method: &str, path: &str, op: &Operation) -> ApiOperation {
    let parameters = op
        .parameters
        .iter()
        .flatten()
        .map(|p| ApiParameter {
            name: p.name.clone(),
            location: match p.parameter_in {
                ParameterIn::Path => "path",
                ParameterIn::Query => "query",
                ParameterIn::Header => "header",
                ParameterIn::Cookie => "cookie",
            }
            .to_string(),
            required: matches!(p.required, Required::True),
            description: p.description.clone().unwrap_or_default(),
        })
        .collect();
    let responses = op
        .responses
        .responses
        .iter()
        .map(|(status, r)| {
            let d = match r {
                RefOr::T(r) => r.description.clone(),
                RefOr::Ref(r) => r.ref_location.clone(),
            };
            (status.clone(), d)
        })
        .collect();
    let summary = match (&op.summary, &op.description) {
        (Some(s), Some(d)) if !d.is_empty() => format!("{s} {d}"),
        (Some(s), _) => s.clone(),
        (None, d) => d.clone().unwrap_or_default(),
    };
    ApiOperation {
        method: method.to_string(),
        path: path.to_string(),
        id: op.operation_id.clone().unwrap_or_default(),
        summary,
        parameters,
        responses,
        body: op.request_body.as_ref().and_then(|b| b.content.keys().next().cloned()),
        needs_token: op.security.as_ref().is_some_and(|s| !s.is_empty()) && method != "GET",
    }
}
