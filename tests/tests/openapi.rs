//! The API's OpenAPI document: it validates against the OpenAPI 3.1 schema (the PyPI
//! package openapi-spec-validator, installed by `tests/openapi/install.sh`), every route of
//! the router is in it, every documented operation answers on the demo, and the API's index
//! and allow-lists come from the same declarations.

use std::path::PathBuf;

use catalog::Actor;
use tests::{today, TestServer};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The routes the API router declares, read from its source: what the document must hold.
fn declared_routes() -> Vec<String> {
    let source = std::fs::read_to_string(root().join("server/src/api.rs")).unwrap();
    let start = source.find("let api = Router::new()").expect("the API router");
    let end = source[start..].find(".fallback(").expect("its end") + start;
    let mut routes: Vec<String> = source[start..end]
        .split(".route(\"")
        .skip(1)
        .map(|r| r.split('"').next().unwrap().to_string())
        .map(|r| if r == "/" { "/api/v1/".to_string() } else { format!("/api/v1{r}") })
        .collect();
    routes.push("/software/{slug}/publiccode.yml".into());
    routes
}

#[tokio::test]
async fn the_document_is_valid_and_complete() {
    let db = tests::TestDb::sqlite().await;
    db.store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    // A proposal, so that /api/v1/proposals/1 names one.
    let author = catalog::contribution::Author::new(Actor::System("test"));
    db.store.propose(&author, None, "Un logiciel", catalog::Country::FR, "name: Un logiciel\n").await.unwrap();
    let server = TestServer::start(db.store.clone()).await;
    let (status, ctype, doc) = server.get("/api/v1/openapi.json").await;
    assert_eq!((status, ctype.as_str()), (200, "application/json"));
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().unwrap();

    // Every route of the router is documented.
    for route in declared_routes() {
        assert!(paths.contains_key(&route), "{route} is not in the OpenAPI document");
    }

    // Every documented operation answers: reads on the demo's records, writes refused
    // without a token (as documented).
    for (path, item) in paths {
        let concrete = if path.starts_with("/api/v1/organisations/") {
            path.replace("{slug}", "arles")
        } else {
            path.replace("{slug}", "geocity")
        };
        let concrete = concrete.replace("{id}", "1");
        // A report needs a question: a need or a category.
        let concrete =
            if concrete == "/api/v1/tender" { "/api/v1/tender?category=urbanisme&for=vevey".into() } else { concrete };
        for method in ["get", "post", "patch"] {
            if item.get(method).is_none() {
                continue;
            }
            let url = format!("{}{concrete}", server.base);
            let r = if method == "get" {
                server.client.get(&url).send().await.unwrap()
            } else {
                let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                server
                    .client
                    .request(method, &url)
                    .header("content-type", "application/json")
                    .body("{}")
                    .send()
                    .await
                    .unwrap()
            };
            let status = r.status().as_u16();
            let documented: Vec<&String> = item[method]["responses"].as_object().unwrap().keys().collect();
            assert!(
                documented.contains(&&status.to_string()),
                "{method} {path} answered {status}, documented {documented:?}"
            );
            // A person's own answers need a token or a session; an organisation's
            // webhooks, its admin's token.
            let personal = [
                "/api/v1/me",
                "/api/v1/questions",
                "/api/v1/questions/{id}",
                "/api/v1/organisations/{slug}/webhooks",
                "/api/v1/organisations/{slug}/webhooks/{id}/deliveries",
            ];
            if method == "get" && !personal.contains(&path.as_str()) {
                assert_eq!(status, 200, "{path}");
            }
        }
    }

    // The index is made from the same document.
    let (_, _, index) = server.get("/api/v1/").await;
    assert_eq!(
        index["api"]["search"].as_str().unwrap(),
        format!("/api/v1/search{{?{}}}", server::openapi::names::<server::openapi::SearchQuery>().join(","))
    );
    assert_eq!(index["openapi"], "/api/v1/openapi.json");
    // And a parameter the document does not declare is refused, naming it.
    let (status, _, problem) = server.get("/api/v1/software?categorie=x").await;
    assert_eq!(status, 400);
    assert_eq!(problem["field"], "categorie");

    // The document validates against the OpenAPI 3.1 schema.
    let installed = std::process::Command::new("bash").arg(root().join("tests/openapi/install.sh")).status();
    assert!(installed.is_ok_and(|s| s.success()), "tests/openapi/install.sh failed");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = std::process::Command::new(root().join("target/openapi-venv/bin/openapi-spec-validator"))
        .args(["--schema", "3.1"])
        .arg(file.path())
        .output()
        .expect("the validator runs");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && said.contains("OK"), "the OpenAPI document is refused:\n{said}");
    drop(server);
    db.finish().await;
}

#[tokio::test]
async fn the_reference_page_lists_every_operation_in_both_languages() {
    let db = tests::TestDb::sqlite().await;
    let server = TestServer::start(db.store.clone()).await;
    let fr = server.page("/api", &[], "fr").await;
    let en = server.page("/api", &[], "en").await;
    assert!(fr.contains("<h1>Référence de l’API</h1>"), "{fr}");
    assert!(en.contains("<h1>API reference</h1>"), "{en}");
    // The document's texts are English: a French page says so.
    assert!(fr.contains(r#"<p lang="en">The software of the catalog, by name.</p>"#), "{fr}");
    assert!(en.contains("<p>The software of the catalog, by name.</p>"), "{en}");
    for (method, path, id, _, query) in server::openapi::operations() {
        let heading = format!("<code>{method} {path}</code>");
        assert!(fr.contains(&heading) && en.contains(&heading), "{heading}");
        assert!(fr.contains(&format!("id=\"{id}\"")), "{id}");
        for q in query {
            assert!(en.contains(&format!("<code>{q}</code>")), "{path}: {q}");
        }
    }
    // The footer of every page links to it.
    let home = server.page("/", &[], "fr").await;
    assert!(home.contains(r#"<a href="/api">API</a>"#));
    drop(server);
    db.finish().await;
}

/// The operations whose answers on the demo are the document's examples, with their query.
const EXAMPLE_QUERIES: [(&str, &str); 5] = [
    ("software", "limit=2"),
    ("organisations", "kind=canton&limit=2"),
    ("organisation_search", "q=alise%20sainte%20reine&limit=1"),
    ("suggest", "q=cimet&limit=3"),
    ("health", ""),
];

#[tokio::test]
async fn the_examples_are_answers_of_the_demo() {
    let db = tests::TestDb::sqlite().await;
    db.store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    let server = TestServer::start(db.store.clone()).await;
    let paths: std::collections::HashMap<String, String> =
        server::openapi::operations().into_iter().map(|(_, path, id, _, _)| (id, path)).collect();
    let mut answers = serde_json::Map::new();
    for (id, query) in EXAMPLE_QUERIES {
        let path = &paths[id];
        let url = if query.is_empty() { path.clone() } else { format!("{path}?{query}") };
        let (status, _, answer) = server.get(&url).await;
        assert_eq!(status, 200, "{url}");
        answers.insert(id.to_string(), serde_json::json!({ "query": query, "answer": answer }));
    }
    let file = root().join("server/openapi-examples.json");
    if std::env::var("COMMUNS_UPDATE_EXAMPLES").is_ok_and(|v| v == "1") {
        std::fs::write(&file, serde_json::to_string_pretty(&answers).unwrap() + "\n").unwrap();
    }
    let kept: serde_json::Value = serde_json::from_str(server::openapi::EXAMPLES).unwrap();
    assert_eq!(
        kept,
        serde_json::Value::Object(answers),
        "the demo answers otherwise than server/openapi-examples.json: run COMMUNS_UPDATE_EXAMPLES=1 cargo test -p tests --test openapi, then build again"
    );
    // And the document shows them.
    let (_, _, doc) = server.get("/api/v1/openapi.json").await;
    let shown = &doc["paths"]["/api/v1/software"]["get"]["responses"]["200"]["content"]["application/json"]["example"];
    assert_eq!(shown, &kept["software"]["answer"]);
    drop(server);
    db.finish().await;
}
