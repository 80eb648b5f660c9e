//! Federation, on SQLite and PostgreSQL, between real instances on loopback: B follows A;
//! A's records appear on B within one round, with a link back, and cannot be changed on
//! B; a round with nothing new is one request; an edit and a hide on A follow; a record
//! B already has (same repository) is matched, not copied. A loop of three instances does
//! not echo. A peer's bad records are refused by name without stopping its feed; an
//! unreachable peer leaves its cursor where it was; a peer's address goes through the
//! address check; removing a peer removes what came from it.

use std::time::Duration;

use catalog::address::AddressPolicy;
use catalog::contribution::Author;
use catalog::federation::{FederatedEntity, Peer};
use catalog::{Actor, Hideable, Store};
use server::federation::{round, FederationConfig, RoundReport};
use tests::{database_test, today, TestServer};

fn config() -> FederationConfig {
    FederationConfig { every: None, timeout: Duration::from_secs(20), allow_local: true }
}

async fn follow(store: &Store, name: &str, server: &TestServer) -> Peer {
    store.add_peer(&Actor::System("test"), name, &server.base, AddressPolicy::AllowLocal).await.unwrap()
}

async fn round_with(store: &Store, name: &str) -> RoundReport {
    let peer = store.peer(name).await.unwrap();
    let report = round(store, &peer, &config()).await.unwrap();
    assert!(report.applied.refused.is_empty(), "{:?}", report.applied.refused);
    report
}

fn organisation(slug: &str, name: &str, kind: &str, identifiers: &[&str]) -> catalog::NewOrganisation {
    catalog::OrganisationDraft {
        slug: slug.into(),
        name: name.into(),
        kind: kind.into(),
        country: "FR".into(),
        identifiers: identifiers.iter().map(|s| s.to_string()).collect(),
        email_domains: vec![format!("{slug}.example")],
        ..Default::default()
    }
    .validate()
    .unwrap()
}

fn software(slug: &str, name: &str, repository: &str, publisher: Option<&str>) -> catalog::NewSoftware {
    catalog::SoftwareDraft {
        slug: slug.into(),
        name: name.into(),
        summary: [("fr".to_string(), format!("{name}, en bref"))].into(),
        licence: "AGPL-3.0-or-later".into(),
        maturity: "stable".into(),
        publisher: publisher.map(str::to_string),
        maintainers: publisher.map(str::to_string).into_iter().collect(),
        repositories: vec![catalog::RepositoryDraft { url: repository.into(), forge: None }],
        ..Default::default()
    }
    .validate()
    .unwrap()
}

fn adoption(software: &str, organisation: &str, status: &str) -> catalog::NewAdoption {
    catalog::AdoptionDraft {
        software: software.into(),
        organisation: organisation.into(),
        since: "2024-02-01".into(),
        status: status.into(),
        ..Default::default()
    }
    .validate(today())
    .unwrap()
}

/// A: two bodies, two software, adoptions, a funding and a roadmap item.
async fn instance_a(store: &Store) {
    let a = Actor::System("test");
    store.put_organisation(&a, &organisation("adullact", "ADULLACT", "association", &[])).await.unwrap();
    store.put_organisation(&a, &organisation("dijon", "Dijon", "commune", &["fr-insee:21231"])).await.unwrap();
    store
        .put_software(
            &a,
            &software("openmairie", "openMairie", "https://gitlab.example.org/openmairie.git", Some("adullact")),
        )
        .await
        .unwrap();
    store
        .put_software(
            &a,
            &software("opencimetiere", "openCimetière", "https://gitlab.example.org/opencimetiere.git", None),
        )
        .await
        .unwrap();
    store.put_adoption(&a, &adoption("openmairie", "dijon", "active")).await.unwrap();
    store.put_adoption(&a, &adoption("opencimetiere", "dijon", "pilot")).await.unwrap();
    let funding = catalog::FundingDraft {
        funder: "dijon".into(),
        software: "openmairie".into(),
        amount: "12000".into(),
        currency: "EUR".into(),
        date: "2024-03-01".into(),
        kind: "co-development".into(),
        status: "paid".into(),
        ..Default::default()
    };
    store.add_funding(&a, &funding.validate(today()).unwrap()).await.unwrap();
    let item = catalog::RoadmapItemDraft {
        software: "openmairie".into(),
        slug: "etat-civil".into(),
        title: "Module d'état civil".into(),
        status: "planned".into(),
        needed_by: vec!["dijon".into()],
        ..Default::default()
    };
    store.put_roadmap_item(&a, &item.validate().unwrap()).await.unwrap();
}

database_test!(a_peers_records_follow_it_and_stay_its_own, |db| {
    let a_db = db.another().await;
    let (a, b) = (a_db.store.clone(), db.store.clone());
    instance_a(&a).await;
    // B keeps openCimetière already, under another slug, with the same repository.
    b.put_software(
        &Actor::System("test"),
        &software("cimetiere", "Cimetière", "https://gitlab.example.org/opencimetiere.git", None),
    )
    .await
    .unwrap();
    let server_a = TestServer::start(a.clone()).await;
    let server_b = TestServer::start(b.clone()).await;
    follow(&b, "region-a", &server_a).await;

    // One round: A's records are on B.
    let first = round_with(&b, "region-a").await;
    assert_eq!(first.requests, 1, "one page, each change with its record: {first:?}");
    assert_eq!(first.applied.matched, 1, "openCimetière matched by its repository: {first:?}");
    assert!(first.applied.created >= 6, "{first:?}");
    let openmairie = b.software_page("openmairie", 10).await.unwrap();
    assert_eq!(openmairie.software.name, "openMairie");
    assert_eq!(openmairie.software.publisher.as_ref().map(|p| p.slug.as_str()), Some("adullact"));
    assert_eq!((openmairie.adoptions.total, openmairie.fundings.total, openmairie.roadmap.len()), (1, 1, 1));
    assert_eq!(openmairie.roadmap[0].needed_by[0].slug, "dijon");
    let dijon = b.organisation("dijon").await.unwrap();
    assert!(dijon.email_domains.is_empty(), "a peer's e-mail domains would let people join here");
    let origin = b.origin(FederatedEntity::Software, "openmairie").await.unwrap().expect("A's");
    assert_eq!(origin.url, format!("{}/software/openmairie", server_a.base));
    // The record B had stays B's, and A's adoption of it is placed on it.
    let cimetiere = b.software_page("cimetiere", 10).await.unwrap();
    assert_eq!((cimetiere.software.name.as_str(), cimetiere.adoptions.total), ("Cimetière", 1));
    assert!(b.software("opencimetiere").await.is_err(), "not copied");
    assert_eq!(b.origin(FederatedEntity::Software, "cimetiere").await.unwrap(), None);
    // B does not harvest A's repositories: A does.
    assert_eq!(b.count_harvestable(&catalog::HarvestSelection::All, chrono::Utc::now()).await.unwrap(), 1);

    // The feed gives each change's record when asked, as its address answers it.
    let (_, _, page) = server_a.get("/api/v1/changes?records=true").await;
    let change = page["changes"].as_array().unwrap().iter().find(|c| c["key"] == "openmairie").unwrap();
    let (_, _, answered) = server_a.get("/api/v1/software/openmairie").await;
    assert_eq!(change["record"]["name"], answered["name"]);
    assert_eq!(change["record"]["repositories"][0]["url"], answered["repositories"][0]["url"]);
    let (_, _, plain) = server_a.get("/api/v1/changes").await;
    assert!(plain["changes"][0].get("record").is_none(), "only when asked");
    let (status, _, problem) = server_a.get("/api/v1/changes?records=yes").await;
    assert_eq!((status, problem["field"].as_str()), (400, Some("records")), "{problem}");

    // The API says where the record is kept.
    let (_, _, json) = server_b.get("/api/v1/software/openmairie").await;
    assert_eq!(json["origin"]["peer"], "region-a");
    let (_, _, json) = server_b.get("/api/v1/organisations/dijon").await;
    assert_eq!(json["origin"]["url"], format!("{}/organisations/dijon", server_a.base));
    let (_, _, json) = server_b.get("/api/v1/software/cimetiere").await;
    assert!(json.get("origin").is_none(), "B's own record");

    // The page credits A and links back.
    let page = server_b.page("/software/openmairie", &[], "en").await;
    assert!(page.contains(&format!("href=\"{}/software/openmairie\"", server_a.base)), "a link back");
    let canonical = format!("<link rel=\"canonical\" href=\"{}/software/openmairie\">", server_a.base);
    assert!(page.contains(&canonical), "search engines are sent to A");
    // A's records are in A's sitemap and DCAT catalogue, not in B's.
    let sitemap = server_b.client.get(format!("{}/sitemaps/software.xml", server_b.base)).send().await.unwrap();
    let sitemap = sitemap.text().await.unwrap();
    assert!(
        sitemap.contains("/software/cimetiere</loc>") && !sitemap.contains("/software/openmairie</loc>"),
        "{sitemap}"
    );
    let (_, _, dcat) = server_b.get("/api/v1/catalog.jsonld").await;
    let dcat = dcat.to_string();
    assert!(dcat.contains("/software/cimetiere") && !dcat.contains("/software/openmairie"), "{dcat}");

    // Beaune, a commune of B's own, says it uses A's openMairie.
    let t = Actor::System("test");
    b.put_organisation(&t, &organisation("beaune", "Beaune", "commune", &["fr-insee:21054"])).await.unwrap();
    b.put_adoption(&t, &adoption("openmairie", "beaune", "active")).await.unwrap();

    // Nothing new: one request.
    let quiet = round_with(&b, "region-a").await;
    assert_eq!((quiet.requests, quiet.applied), (1, Default::default()));

    // A's records cannot be changed on B, by the API or otherwise.
    let operator = TestServer::write_token(&b, "operator").await;
    let r = server_b
        .client
        .patch(format!("{}/api/v1/software/openmairie", server_b.base))
        .bearer_auth(&operator)
        .json(&serde_json::json!({"website": "https://elsewhere.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let problem: serde_json::Value = r.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("comes from region-a"), "{problem}");
    let adoption_id = openmairie.adoptions.items[0].id;
    let hide = b
        .hide(
            &Author { actor: Actor::System("test"), acting_for: None, once: None },
            Hideable::Adoption,
            adoption_id,
            "spam",
        )
        .await;
    assert!(matches!(hide, Err(catalog::Error::Conflict { .. })), "{hide:?}");

    // An edit and a hide on A follow with the next round.
    let mut renamed =
        software("openmairie", "openMairie 5", "https://gitlab.example.org/openmairie.git", Some("adullact"));
    renamed.website = Some("https://www.openmairie.org".into());
    a.put_software(&t, &renamed).await.unwrap();
    a.put_adoption(&t, &adoption("openmairie", "dijon", "ended")).await.unwrap();
    let a_funding = a.software_page("openmairie", 10).await.unwrap().fundings.items[0].id;
    let moderator = Author { actor: t.clone(), acting_for: None, once: None };
    a.hide(&moderator, Hideable::Funding, a_funding, "a duplicate").await.unwrap();
    let edits = round_with(&b, "region-a").await;
    assert_eq!((edits.applied.updated, edits.applied.removed), (2, 1), "{edits:?}");
    let openmairie = b.software_page("openmairie", 10).await.unwrap();
    assert_eq!(openmairie.software.name, "openMairie 5");
    assert_eq!(openmairie.software.website.as_deref(), Some("https://www.openmairie.org"));
    let dijon = openmairie.adoptions.items.iter().find(|a| a.organisation == "dijon").expect("Dijon's");
    assert_eq!((dijon.status.as_str(), openmairie.fundings.total), ("ended", 0));

    // B's own feed does not carry A's records: a follower of B reads them from A.
    let (_, _, feed) = server_b.get("/api/v1/changes?since=0&limit=1000").await;
    let keys: Vec<&str> = feed["changes"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap()).collect();
    assert!(keys.contains(&"cimetiere") && !keys.contains(&"openmairie") && !keys.contains(&"dijon"), "{keys:?}");

    // Removing A removes what came from it, and only that: openMairie, on which Beaune's
    // adoption hangs, stays, as B's record from now on, and so does ADULLACT, which the
    // record names as its publisher.
    let peer = b.peer("region-a").await.unwrap();
    assert!(peer.records >= 6 && peer.last_problem.is_none(), "{peer:?}");
    let gone = b.remove_peer(&t, "region-a").await.unwrap();
    assert_eq!(gone.kept, ["software openmairie", "organisation adullact"]);
    assert_eq!(gone.removed as i64, peer.records - 2);
    assert_eq!(b.software("openmairie").await.unwrap().publisher.map(|p| p.slug), Some("adullact".into()));
    assert!(b.organisation("dijon").await.is_err(), "nothing of B's hung on Dijon");
    let openmairie = b.software_page("openmairie", 10).await.unwrap();
    assert_eq!((openmairie.origin, openmairie.adoptions.total), (None, 1), "B's now, with Beaune's adoption");
    assert_eq!(openmairie.adoptions.items[0].organisation, "beaune");
    let cimetiere = b.software_page("cimetiere", 10).await.unwrap();
    assert_eq!(cimetiere.adoptions.total, 0, "Dijon's adoption went with Dijon");
    a_db.finish().await;
});

database_test!(a_loop_of_three_instances_does_not_echo, |db| {
    let (a_db, c_db) = (db.another().await, db.another().await);
    let (a, b, c) = (a_db.store.clone(), db.store.clone(), c_db.store.clone());
    instance_a(&a).await;
    c.put_organisation(&Actor::System("test"), &organisation("yverdon", "Yverdon-les-Bains", "commune", &[]))
        .await
        .unwrap();
    let (sa, sb, sc) =
        (TestServer::start(a.clone()).await, TestServer::start(b.clone()).await, TestServer::start(c.clone()).await);
    // B follows A, C follows B, A follows C.
    follow(&b, "region-a", &sa).await;
    follow(&c, "region-b", &sb).await;
    follow(&a, "region-c", &sc).await;
    let counts = |s: Store| async move { (s.count_software().await.unwrap(), s.count_organisations().await.unwrap()) };
    let before_a = counts(a.clone()).await;
    for _ in 0..3 {
        round_with(&b, "region-a").await;
        round_with(&c, "region-b").await;
        round_with(&a, "region-c").await;
    }
    assert_eq!(counts(b.clone()).await, before_a, "B has A's records");
    assert_eq!(counts(c.clone()).await, (0, 1), "C reads A's records from A, not from B");
    assert_eq!(
        counts(a.clone()).await,
        (before_a.0, before_a.1 + 1),
        "A has C's own body, and nothing of its own back"
    );
    assert!(a.organisation("yverdon").await.is_ok());
    // Every instance is quiet now: one request a round.
    for (store, name) in [(&b, "region-a"), (&c, "region-b"), (&a, "region-c")] {
        assert_eq!(round_with(store, name).await.requests, 1, "{name}");
    }
    a_db.finish().await;
    c_db.finish().await;
});

/// A peer that answers a feed of bad records, and a record that is fine.
async fn bad_peer() -> String {
    use axum::routing::get;
    use axum::Json;
    let feed = serde_json::json!({
        "changes": [
            {"cursor": "1.1", "version": 1, "entity": "organisation", "key": "lyon", "change": "upsert", "href": "/api/v1/organisations/lyon"},
            {"cursor": "1.2", "version": 1, "entity": "software", "key": "broken", "change": "upsert", "href": "/api/v1/software/broken"},
            {"cursor": "1.3", "version": 1, "entity": "software", "key": "../../etc", "change": "upsert", "href": "/etc/passwd"},
            {"cursor": "1.4", "version": 1, "entity": "adoption", "key": "9", "change": "upsert", "href": "/api/v1/adoptions/9"},
            {"cursor": "1.5", "version": 1, "entity": "newer_kind", "key": "x", "change": "upsert", "href": null},
            {"cursor": "1.6", "version": 1, "entity": "organisation", "key": "saint-denis", "change": "upsert", "href": "/api/v1/organisations/saint-denis"}
        ],
        "next": "1.6", "more": false, "version": 1
    });
    let app = axum::Router::new()
        .route(
            "/api/v1/changes",
            get(move |q: axum::extract::RawQuery| {
                let feed = feed.clone();
                async move {
                    if q.0.unwrap_or_default().contains("since=1.6") {
                        Json(serde_json::json!({"changes": [], "next": "1.6", "more": false, "version": 1}))
                    } else {
                        Json(feed)
                    }
                }
            }),
        )
        .route(
            "/api/v1/organisations/lyon",
            get(|| async { Json(serde_json::json!({"slug": "lyon", "name": "Lyon", "kind": "commune", "country": "FR"})) }),
        )
        .route(
            "/api/v1/organisations/saint-denis",
            get(|| async {
                Json(serde_json::json!({"slug": "saint-denis", "name": "Saint-Denis", "kind": "commune", "country": "FR", "identifiers": ["fr-insee:97411"]}))
            }),
        )
        .route(
            "/api/v1/software/broken",
            get(|| async {
                Json(serde_json::json!({"slug": "broken", "name": "Broken", "summary": {"fr": "Cassé"}, "licence": "not a licence", "maturity": "stable"}))
            }),
        )
        .route(
            "/api/v1/adoptions/9",
            get(|| async {
                Json(serde_json::json!({"id": 9, "software": "unknown", "organisation": "lyon", "since": "2024-01-01", "status": "active", "state": "declared"}))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

database_test!(bad_records_and_bad_peers_are_named, |db| {
    let store = db.store.clone();
    let t = Actor::System("test");

    // The address check: a peer on loopback needs --allow-local.
    let e = store.add_peer(&t, "local", "http://127.0.0.1:9", AddressPolicy::PublicOnly).await.unwrap_err();
    assert!(e.to_string().starts_with("url:"), "{e}");
    let e =
        store.add_peer(&t, "Not A Name", "https://communs.example.org", AddressPolicy::PublicOnly).await.unwrap_err();
    assert!(e.to_string().starts_with("name:"), "{e}");

    // Saint-Denis of the Seine is here; the peer's, of La Réunion, is another body.
    let here = catalog::OrganisationDraft {
        slug: "saint-denis".into(),
        name: "Saint-Denis".into(),
        kind: "commune".into(),
        country: "FR".into(),
        identifiers: vec!["fr-insee:93066".into()],
        ..Default::default()
    };
    store.put_organisation(&t, &here.validate().unwrap()).await.unwrap();

    // Bad records are refused by name; the good ones are written; the cursor moves on.
    let base = bad_peer().await;
    store.add_peer(&t, "bad", &base, AddressPolicy::AllowLocal).await.unwrap();
    let e = store.add_peer(&t, "again", &base, AddressPolicy::AllowLocal).await.unwrap_err();
    assert!(matches!(e, catalog::Error::Conflict { .. }), "{e}");
    let peer = store.peer("bad").await.unwrap();
    let report = round(&store, &peer, &config()).await.unwrap();
    let refused = report.applied.refused.join("\n");
    assert_eq!(report.applied.refused.len(), 3, "{refused}");
    assert!(refused.contains("software broken: licence"), "{refused}");
    assert!(refused.contains("\"../../etc\""), "{refused}");
    assert!(refused.contains("adoption 9: software: unknown is not known here"), "{refused}");
    assert_eq!(report.applied.created, 2);
    assert_eq!(store.organisation("lyon").await.unwrap().name, "Lyon");
    let reunion = store.organisation("saint-denis-bad").await.unwrap();
    assert_eq!(reunion.identifiers[0].to_string(), "fr-insee:97411");
    let peer = store.peer("bad").await.unwrap();
    assert_eq!(peer.cursor.to_string(), "1.6");
    assert!(peer.last_problem.as_deref().unwrap_or_default().contains("software broken"), "{peer:?}");
    // The next round starts after them: nothing new.
    let again = round(&store, &peer, &config()).await.unwrap();
    assert_eq!((again.requests, again.applied.created), (1, 0));

    // An unreachable peer: the round fails, says why, and the cursor stays.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gone = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    store.add_peer(&t, "gone", &gone, AddressPolicy::AllowLocal).await.unwrap();
    let peer = store.peer("gone").await.unwrap();
    assert!(round(&store, &peer, &config()).await.is_err());
    let peer = store.peer("gone").await.unwrap();
    assert_eq!(peer.cursor.to_string(), "0.0");
    assert!(peer.last_problem.is_some() && peer.last_round_at.is_some(), "{peer:?}");
});

database_test!(the_command_line_follows_a_peer, |db| {
    let a_db = db.another().await;
    instance_a(&a_db.store).await;
    let server_a = TestServer::start(a_db.store.clone()).await;
    let here = ["--database-url", db.url.as_str(), "federation"];
    let run = |args: &[&str]| {
        let argv: Vec<String> = here.iter().chain(args).map(|s| s.to_string()).collect();
        async move { tests::communs(&argv.iter().map(String::as_str).collect::<Vec<_>>()).await }
    };

    // A peer on loopback is the operator's choice alone.
    let (code, _, err) = run(&["add", "region-a", &server_a.base]).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.starts_with("error: url:") && err.contains("127.0.0.1"), "{err}");
    let (code, out, err) = run(&["add", "region-a", &server_a.base, "--allow-local"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("following region-a at http://127.0.0.1:"), "{out}");

    let (code, out, err) = run(&["round", "--allow-local"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("region-a: ") && out.contains("8 created, 0 updated, 0 matched"), "{out}");
    // Without --allow-local, the round checks the address again and does not call it.
    let (code, _, err) = run(&["round", "region-a"]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("refused address"), "{err}");
    let (code, out, _) = run(&["list"]).await;
    assert_eq!(code, 0);
    assert!(out.contains(&format!("region-a\t{}\t8 record(s)", server_a.base)), "{out}");
    assert!(out.contains("\n  refused address"), "the last problem: {out}");

    let (code, _, err) = run(&["round", "nowhere"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("nowhere"), "{err}");
    let (code, out, _) = run(&["remove", "region-a"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("8 record(s) that came from it removed"), "{out}");
    assert_eq!(db.store.count_software().await.unwrap(), 0);
    a_db.finish().await;
});
