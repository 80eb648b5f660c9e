//! The read API served by the real router on a loopback port, over the demo data, on
//! SQLite and PostgreSQL.

use catalog::Actor;
use tests::{store_test, today, TestServer};

async fn demo_server(store: &catalog::Store) -> TestServer {
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    TestServer::start(store.clone()).await
}

store_test!(software_list_and_detail, |store| {
    let server = demo_server(&store).await;
    let (status, ctype, body) = server.get("/api/v1/software?limit=5").await;
    assert_eq!(status, 200);
    assert!(ctype.starts_with("application/json"), "{ctype}");
    assert_eq!(body["items"].as_array().unwrap().len(), 5);
    assert_eq!(body["limit"], 5);
    assert!(body["total"].as_i64().unwrap() >= 40);

    let (status, _, body) = server.get("/api/v1/software?category=cimetieres").await;
    assert_eq!(status, 200);
    let slugs: Vec<_> = body["items"].as_array().unwrap().iter().map(|i| i["slug"].as_str().unwrap()).collect();
    assert!(slugs.contains(&"opencimetiere"), "{slugs:?}");
    assert!(body["items"].as_array().unwrap().iter().all(|i| i["categories"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "cimetieres")));

    let (status, _, body) = server.get("/api/v1/software/geocity").await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "GéoCity");
    assert!(!body["repositories"].as_array().unwrap().is_empty());
    assert!(body["summary"]["fr"].as_str().unwrap().len() > 10);
    let adopters: Vec<_> =
        body["adoptions"]["items"].as_array().unwrap().iter().map(|a| a["organisation"].as_str().unwrap()).collect();
    assert!(adopters.contains(&"yverdon-les-bains"), "{adopters:?}");
    assert!(body["adoptions"]["total"].as_i64().unwrap() >= adopters.len() as i64);
    assert!(body["roadmap"].is_array());
    assert!(body["funding_totals"].is_array());
    // Illustrative records say so.
    assert!(body["adoptions"]["items"].as_array().unwrap().iter().any(|a| a["demo"] == true));

    let (status, _, page) = server.get("/api/v1/software/geocity/adoptions?limit=2&offset=1").await;
    assert_eq!(status, 200);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["offset"], 1);
});

/// What depends on the day the test runs, written as `[today]`: the times records were
/// written, and an adoption's next check and state, which count from its last confirmation
/// (or from the day it was seeded) to today. Every other value is the demo's own, the same
/// on both databases and on any day.
fn steady(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                let of_today = key.ends_with("_at") || key == "check_due" || key == "state";
                if of_today && field.is_string() {
                    *field = serde_json::Value::String("[today]".into());
                } else {
                    steady(field);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(steady),
        _ => {}
    }
}

// Whole answers, where the tests above check a few fields: a field that appears, changes or
// disappears shows in review as a change to tests/tests/snapshots/. One snapshot serves
// both databases, so a difference between them fails too.
store_test!(a_software_and_an_organisation_as_a_whole, |store| {
    let server = demo_server(&store).await;
    for (name, path) in [
        ("software_geocity", "/api/v1/software/geocity"),
        ("organisation_yverdon", "/api/v1/organisations/yverdon-les-bains"),
        ("software_list", "/api/v1/software?category=cimetieres&limit=3"),
    ] {
        let (status, _, mut body) = server.get(path).await;
        assert_eq!(status, 200, "{path}");
        steady(&mut body);
        insta::assert_json_snapshot!(name, body);
    }
});

store_test!(organisations_list_and_detail, |store| {
    let server = demo_server(&store).await;
    let (status, _, body) = server.get("/api/v1/organisations?kind=commune&country=CH&limit=500").await;
    assert_eq!(status, 200);
    let items = body["items"].as_array().unwrap();
    assert!(items.iter().all(|o| o["kind"] == "commune" && o["country"] == "CH"));
    assert!(items.iter().any(|o| o["slug"] == "yverdon-les-bains"));

    let (_, _, yverdon) = server.get("/api/v1/organisations/yverdon-les-bains").await;
    assert!(yverdon["identifiers"].as_array().unwrap().iter().any(|i| i == "ch-ofs:5938"), "{yverdon}");
    assert!(yverdon["uses"]["items"].as_array().unwrap().iter().any(|a| a["software"] == "geocity"));

    // Children of an EPCI: the 24 communes of the Pays d'Alésia et de la Seine.
    let (_, _, alesia) = server.get("/api/v1/organisations?kind=epci&country=FR&limit=500").await;
    let epci = alesia["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"].as_str().unwrap().contains("Alésia"))
        .expect("the CC du Pays d'Alésia et de la Seine")["slug"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _, members) = server.get(&format!("/api/v1/organisations?parent={epci}&limit=100")).await;
    assert_eq!(status, 200);
    assert_eq!(members["total"], 24, "{members}");

    let (status, _, detail) = server.get(&format!("/api/v1/organisations/{epci}")).await;
    assert_eq!(status, 200);
    assert_eq!(detail["children"], 24);
});

store_test!(bad_requests_are_problems_naming_the_parameter, |store| {
    let server = demo_server(&store).await;
    for (path, status, field) in [
        ("/api/v1/software/no-such-software", 404, None),
        ("/api/v1/organisations/no-such-org", 404, None),
        ("/api/v1/software/no-such-software/adoptions", 404, None),
        ("/api/v1/nothing-here", 404, None),
        // What cannot be a slug names no record: 404 too, not a 400 about the address.
        ("/api/v1/software/Not_A_Slug", 404, None),
        ("/api/v1/organisations/%C3%A9vian", 404, None),
        ("/api/v1/software/Not_A_Slug/fundings", 404, None),
        ("/api/v1/software?limit=0", 400, Some("limit")),
        ("/api/v1/software?limit=abc", 400, Some("limit")),
        ("/api/v1/software?offset=-1", 400, Some("offset")),
        ("/api/v1/software?category=gaming", 400, Some("category")),
        ("/api/v1/software?licence=GNU%20GPL", 400, Some("licence")),
        ("/api/v1/software?categroy=sig", 400, Some("categroy")),
        ("/api/v1/organisations?kind=village", 400, Some("kind")),
        ("/api/v1/organisations?country=France", 400, Some("country")),
        ("/api/v1/organisations?parent=atlantis", 400, Some("parent")),
        ("/api/v1/organisations?limit=1&limit=2", 400, Some("limit")),
    ] {
        let (got, ctype, body) = server.get(path).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(ctype, "application/problem+json", "{path}");
        assert_eq!(body["status"], status, "{path}");
        assert!(body["title"].is_string() && body["detail"].is_string(), "{path}: {body}");
        if path.contains("Not_A_Slug") {
            assert_eq!(body["detail"], "software not found: Not_A_Slug", "{path}: {body}");
        }
        if let Some(field) = field {
            assert_eq!(body["field"], field, "{path}: {body}");
            assert!(body["detail"].as_str().unwrap().starts_with(field), "{path}: {body}");
        }
    }
});

store_test!(health_and_index, |store| {
    let server = TestServer::start(store.clone()).await;
    let (status, _, body) = server.get("/api/v1/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    let (status, _, index) = server.get("/api/v1/").await;
    assert_eq!(status, 200);
    assert!(index["api"]["software"].as_str().unwrap().starts_with("/api/v1/software"));
    // An empty registry answers with empty lists, not errors.
    let (status, _, empty) = server.get("/api/v1/software").await;
    assert_eq!((status, empty["total"].as_i64()), (200, Some(0)));
});

store_test!(answers_are_cached_until_the_catalog_changes, |store| {
    let server = demo_server(&store).await;
    let url = format!("{}/api/v1/software/geocity", server.base);
    let first = server.client.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let tag = first.headers()["etag"].to_str().unwrap().to_string();
    let before: serde_json::Value = first.json().await.unwrap();

    // Unchanged: the client's copy is still good.
    let again = server.client.get(&url).header("If-None-Match", &tag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    let cached: serde_json::Value = server.client.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(cached, before);

    // A write, as another process would make it, is seen at once.
    let org = catalog::OrganisationDraft {
        slug: "nouvelle-commune".into(),
        name: "Nouvelle Commune".into(),
        kind: "commune".into(),
        country: "CH".into(),
        ..Default::default()
    };
    store.put_organisation(&Actor::System("test"), &org.validate().unwrap()).await.unwrap();
    let adoption = catalog::AdoptionDraft {
        software: "geocity".into(),
        organisation: "nouvelle-commune".into(),
        since: today().to_string(),
        status: "pilot".into(),
        ..Default::default()
    };
    store.put_adoption(&Actor::System("test"), &adoption.validate(today()).unwrap()).await.unwrap();
    let changed = server.client.get(&url).header("If-None-Match", &tag).send().await.unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), tag);
    let after: serde_json::Value = changed.json().await.unwrap();
    assert_eq!(after["adoptions"]["total"].as_i64().unwrap(), before["adoptions"]["total"].as_i64().unwrap() + 1);
    assert_eq!(after["adoptions"]["items"][0]["organisation"], "nouvelle-commune");
});
