//! The changes feed, on SQLite and PostgreSQL: after the demo's seed, a follower reads every
//! change from the start by pages; then a declaration, a bulk import of adoptions (one audit
//! event for the batch, one change per adoption), and a hidden adoption each appear after
//! its cursor, in commit order, each with where to read the record. Bad cursors and limits
//! are refused, naming the parameter.

use serde_json::{json, Value};
use tests::{communs, database_test, today, TestServer};

/// Every change after `since`, by pages of `limit`; the last `next`.
async fn follow(server: &TestServer, since: &str, limit: usize) -> (Vec<Value>, String) {
    let mut seen = Vec::new();
    let mut cursor = since.to_string();
    for _ in 0..10_000 {
        let (status, _, page) = server.get(&format!("/api/v1/changes?since={cursor}&limit={limit}")).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(page["changes"].as_array().unwrap().iter().cloned());
        cursor = page["next"].as_str().unwrap().to_string();
        if !page["more"].as_bool().unwrap() {
            return (seen, cursor);
        }
    }
    panic!("the feed never ended");
}

fn cursor_of(c: &Value) -> (i64, i64) {
    let (v, i) = c["cursor"].as_str().unwrap().split_once('.').unwrap();
    (v.parse().unwrap(), i.parse().unwrap())
}

database_test!(a_follower_reads_every_change_in_commit_order, |db| {
    let store = db.store.clone();
    store.seed(&catalog::Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    let server = TestServer::start(store.clone()).await;

    // From the start, by pages of 1,000 and of 7: the same changes, in order.
    let (all, end) = follow(&server, "0", 1000).await;
    let software = all.iter().filter(|c| c["entity"] == "software").count() as i64;
    assert!(software >= store.count_software().await.unwrap(), "every software at least once");
    let cursors: Vec<(i64, i64)> = all.iter().map(cursor_of).collect();
    assert!(cursors.windows(2).all(|w| w[0] < w[1]), "in commit order");
    let (paged, paged_end) = follow(&server, "0", 7).await;
    assert_eq!((paged, paged_end), (all.clone(), end.clone()));
    let (_, _, nothing) = server.get(&format!("/api/v1/changes?since={end}")).await;
    assert_eq!((nothing["changes"].as_array().unwrap().len(), nothing["next"].as_str()), (0, Some(end.as_str())));

    // A declaration: one change, whose record reads where it says.
    let (_, yverdon) = tests::member(&store, "greffe", "yverdon-les-bains").await;
    let declaration = json!({"organisation": "yverdon-les-bains", "since": "2025-03-01", "status": "pilot"});
    let r = server
        .client
        .post(format!("{}/api/v1/software/opencimetiere/adoptions", server.base))
        .bearer_auth(&yverdon)
        .json(&declaration)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let adoption: Value = r.json().await.unwrap();
    let (after, end) = follow(&server, &end, 100).await;
    let id = adoption["id"].to_string();
    let declared = after.iter().find(|c| c["entity"] == "adoption" && c["key"] == id.as_str()).expect("the adoption");
    assert_eq!(declared["change"], "upsert");
    let (status, _, read) = server.get(declared["href"].as_str().unwrap()).await;
    assert_eq!((status, &read["id"]), (200, &adoption["id"]));

    // A bulk import: one audit event, a change for each adoption.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("a.csv");
    std::fs::write(
        &csv,
        "software,organisation,since,status,scope,evidence_url\nopenelec,fr-insee:21663,2022-01-15,active,,\n\
         openelec,darcey,2023-06-01,pilot,,\n",
    )
    .unwrap();
    let events = store.audit_count().await.unwrap();
    let (code, out, err) = communs(&["--database-url", &db.url, "import", "adoptions", csv.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(store.audit_count().await.unwrap(), events + 1, "one event for the batch");
    let (imported, end) = follow(&server, &end, 100).await;
    assert_eq!(
        imported.iter().filter(|c| c["entity"] == "adoption" && c["change"] == "upsert").count(),
        2,
        "{imported:?}"
    );

    // Hidden: a removal, with nowhere to read it.
    let operator = TestServer::write_token(&store, "moderator").await;
    let r = server
        .client
        .post(format!("{}/api/v1/adoptions/{id}/hide", server.base))
        .bearer_auth(&operator)
        .json(&json!({"reason": "Déclaration en double"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (hidden, _) = follow(&server, &end, 100).await;
    let gone = hidden.iter().find(|c| c["entity"] == "adoption" && c["key"] == id.as_str()).expect("the removal");
    assert_eq!((gone["change"].as_str(), gone["href"].is_null()), (Some("delete"), true));

    // Bad parameters are named.
    for (query, field) in [
        ("since=abc", "since"),
        ("since=1.x", "since"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("after=3", "after"),
    ] {
        let (status, _, problem) = server.get(&format!("/api/v1/changes?{query}")).await;
        assert_eq!((status, problem["field"].as_str()), (400, Some(field)), "{query}: {problem}");
    }
});
