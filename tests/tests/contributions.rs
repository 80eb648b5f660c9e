//! Contributions through the API, on SQLite and PostgreSQL: every write route of
//! `auth::WRITE_ROUTES` that records what organisations declare, fund and plan is used by
//! the right member (and leaves its audit event), refused to another organisation's
//! (leaving nothing), done once when sent twice with the same `Idempotency-Key`, and
//! answers bad fields by name.

use catalog::{Actor, Store};
use serde_json::{json, Value};
use tests::{database_test, today, TestServer};

/// A person, member of `organisation`, with a token that writes for it.
async fn member(store: &Store, subject: &str, organisation: &str) -> String {
    tests::member(store, subject, organisation).await.1
}

struct Api {
    server: TestServer,
}

impl Api {
    /// Sends `body` (JSON, or nothing) with `token` and an optional `Idempotency-Key`.
    async fn send(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> (u16, Value) {
        let url = format!("{}{path}", self.server.base);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut r = self.server.client.request(method, url).bearer_auth(token);
        if let Some(body) = body {
            r = r.header("content-type", "application/json").body(body.to_string());
        }
        if let Some(key) = key {
            r = r.header("idempotency-key", key);
        }
        let response = r.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> Value {
        let (status, _, body) = self.server.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    /// The newest event of a record's history.
    async fn last_event(&self, history: &str) -> Value {
        self.get(history).await["items"][0].clone()
    }
}

/// The demo's publiccode.yml of Decidim.
fn decidim() -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/publiccode/decidim.yml"))
        .unwrap()
}

/// A copy of a publiccode.yml that is another software: another name and repository.
fn renamed(yaml: &str, name: &str) -> String {
    let slug = name.to_lowercase().replace(' ', "-");
    yaml.replace("name: Decidim", &format!("name: {name}"))
        .replace("url: https://github.com/decidim/decidim", &format!("url: https://github.com/example/{slug}"))
}

/// What a write left in the catalog: counts that a refused write must not move.
async fn counts(store: &Store) -> (i64, i64, i64, i64) {
    (
        store.count_adoptions().await.unwrap(),
        store.count_fundings().await.unwrap(),
        store.count_roadmap_items().await.unwrap(),
        store.audit_count().await.unwrap(),
    )
}

database_test!(every_contribution_route_needs_its_role_and_leaves_a_trace, |db| {
    let store = db.store.clone();
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    // Yverdon uses Geocity, which the association maintains; Paris does neither.
    let official = member(&store, "greffe", "yverdon-les-bains").await;
    let maintainer = member(&store, "dev", "association-geocity").await;
    let other = member(&store, "paris", "paris").await;
    let api = Api { server: TestServer::start(store.clone()).await };
    let mut walked = Vec::new();

    // Declare: Yverdon starts using openCimetière.
    let before = counts(&store).await;
    let declaration = json!({"organisation": "yverdon-les-bains", "since": "2025-03-01", "status": "pilot",
        "scope": "Cimetière de Clendy", "evidence_url": "https://www.yverdon-les-bains.ch/cimetieres"});
    let path = "/api/v1/software/opencimetiere/adoptions";
    assert_eq!(api.send("POST", path, &other, Some(declaration.clone()), None).await.0, 403);
    assert_eq!(counts(&store).await, before, "a refused declaration leaves nothing");
    let (status, first) = api.send("POST", path, &official, Some(declaration.clone()), Some("k-declare")).await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = api.send("POST", path, &official, Some(declaration.clone()), Some("k-declare")).await;
    assert_eq!((status, &again["id"]), (200, &first["id"]), "the same key declares once");
    assert_eq!(store.count_adoptions().await.unwrap(), before.0 + 1);
    let (status, conflict) = api.send("POST", path, &official, Some(declaration), None).await;
    assert_eq!((status, conflict["field"].as_str()), (409, Some("organisation")), "{conflict}");
    let event = api.last_event("/api/v1/software/opencimetiere/history").await;
    assert_eq!(event["action"], "declare");
    assert_eq!(event["acting_for"], "yverdon-les-bains");
    assert!(event["actor"].as_str().unwrap().starts_with("user:greffe token:api"), "{event}");
    assert_eq!(api.last_event("/api/v1/organisations/yverdon-les-bains/history").await["action"], "declare");
    walked.push(("POST", "/api/v1/software/{slug}/adoptions"));
    let id = first["id"].as_i64().unwrap();
    assert_eq!(first["state"], "declared");
    assert_eq!(api.get(&format!("/api/v1/adoptions/{id}")).await["scope"], "Cimetière de Clendy");

    // Edit: only Yverdon.
    let path = format!("/api/v1/adoptions/{id}");
    let before = counts(&store).await;
    assert_eq!(api.send("PATCH", &path, &other, Some(json!({"status": "active"})), None).await.0, 403);
    assert_eq!(counts(&store).await, before);
    let (status, edited) =
        api.send("PATCH", &path, &official, Some(json!({"status": "active", "scope": null})), None).await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!((edited["status"].as_str(), &edited["scope"]), (Some("active"), &Value::Null));
    assert_eq!(api.last_event("/api/v1/software/opencimetiere/history").await["action"], "edit");
    walked.push(("PATCH", "/api/v1/adoptions/{id}"));

    // Confirm: Geocity's maintainers confirm Yverdon's use; Yverdon says it is still in use.
    let geocity = api.get("/api/v1/organisations/yverdon-les-bains/adoptions?limit=50").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["software"] == "geocity")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/adoptions/{geocity}/confirm");
    let before = counts(&store).await;
    assert_eq!(api.send("POST", &path, &other, None, None).await.0, 403);
    assert_eq!(counts(&store).await, before);
    let (status, kept) = api.send("POST", &path, &official, None, None).await;
    assert_eq!((status, kept["state"].as_str()), (200, Some("declared")), "the adopter does not confirm itself");
    let (status, confirmed) = api.send("POST", &path, &maintainer, None, None).await;
    assert_eq!((status, confirmed["state"].as_str()), (200, Some("confirmed")), "{confirmed}");
    assert_eq!(confirmed["last_confirmed"], today().to_string());
    let event = api.last_event("/api/v1/software/geocity/history").await;
    assert_eq!(
        (event["action"].as_str(), event["acting_for"].as_str()),
        (Some("confirm"), Some("association-geocity"))
    );
    walked.push(("POST", "/api/v1/adoptions/{id}/confirm"));

    // End: only Yverdon, once.
    let path = format!("/api/v1/adoptions/{id}/end");
    assert_eq!(api.send("POST", &path, &other, None, None).await.0, 403);
    let (status, ended) = api.send("POST", &path, &official, None, None).await;
    assert_eq!((status, ended["status"].as_str()), (200, Some("ended")), "{ended}");
    assert_eq!(ended["ended_on"], today().to_string());
    assert_eq!(api.send("POST", &path, &official, None, None).await.0, 409);
    walked.push(("POST", "/api/v1/adoptions/{id}/end"));

    // Record a funding: Yverdon pays for Geocity.
    let path = "/api/v1/software/geocity/fundings";
    let funding = json!({"funder": "yverdon-les-bains", "amount": "12000.50", "currency": "CHF", "date": "2025-06-30",
        "status": "voted", "deliberation": "Préavis PR25.12"});
    let before = counts(&store).await;
    assert_eq!(api.send("POST", path, &other, Some(funding.clone()), Some("k-fund")).await.0, 403);
    assert_eq!(counts(&store).await, before);
    let (status, recorded) = api.send("POST", path, &official, Some(funding.clone()), Some("k-fund")).await;
    assert_eq!(status, 201, "{recorded}");
    assert_eq!(recorded["amount"]["minor"], 1200050);
    let (status, again) = api.send("POST", path, &official, Some(funding), Some("k-fund")).await;
    assert_eq!((status, &again["id"]), (200, &recorded["id"]));
    assert_eq!(store.count_fundings().await.unwrap(), before.1 + 1);
    assert_eq!(api.last_event("/api/v1/organisations/yverdon-les-bains/history").await["entity"], "funding");
    walked.push(("POST", "/api/v1/software/{slug}/fundings"));

    // Edit it: paid.
    let path = format!("/api/v1/fundings/{}", recorded["id"]);
    assert_eq!(api.send("PATCH", &path, &other, Some(json!({"status": "paid"})), None).await.0, 403);
    let (status, paid) = api.send("PATCH", &path, &official, Some(json!({"status": "paid"})), None).await;
    assert_eq!((status, paid["status"].as_str()), (200, Some("paid")), "{paid}");
    assert_eq!(paid["deliberation"], "Préavis PR25.12");
    walked.push(("PATCH", "/api/v1/fundings/{id}"));

    // Publish a roadmap item: only Geocity's maintainers (or publisher).
    let path = "/api/v1/software/geocity/roadmap";
    let item = json!({"title": "Rappels par SMS", "status": "proposed", "description": "Envoyer un **rappel**.\n\n<script>alert(1)</script>",
        "estimated_cost": "30000", "currency": "CHF", "target_date": "2027-06-30"});
    let before = counts(&store).await;
    assert_eq!(api.send("POST", path, &other, Some(item.clone()), None).await.0, 403);
    assert_eq!(api.send("POST", path, &official, Some(item.clone()), None).await.0, 201, "the publisher may");
    let (status, published) = api.send("POST", path, &maintainer, Some(item.clone()), Some("k-item")).await;
    assert_eq!(status, 201, "{published}");
    assert_eq!(published["slug"], "rappels-par-sms-2", "a second item of the same title gets a slug of its own");
    assert!(published["body"].as_str().unwrap().contains("<script>"), "Markdown is kept as written, never as HTML");
    assert_eq!(api.send("POST", path, &maintainer, Some(item), Some("k-item")).await.0, 200);
    assert_eq!(store.count_roadmap_items().await.unwrap(), before.2 + 2);
    let item_id = published["id"].as_i64().unwrap();
    walked.push(("POST", "/api/v1/software/{slug}/roadmap"));

    let path = format!("/api/v1/roadmap/{item_id}");
    assert_eq!(api.send("PATCH", &path, &other, Some(json!({"status": "planned"})), None).await.0, 403);
    let (status, planned) = api.send("PATCH", &path, &maintainer, Some(json!({"status": "in_progress"})), None).await;
    assert_eq!((status, planned["status"].as_str()), (200, Some("in-progress")), "{planned}");
    walked.push(("PATCH", "/api/v1/roadmap/{id}"));

    // Paris needs it too, and pledges to it; it cannot speak for Yverdon.
    let path = format!("/api/v1/roadmap/{item_id}/needs");
    let before = counts(&store).await;
    let (status, _) = api.send("POST", &path, &other, Some(json!({"organisation": "yverdon-les-bains"})), None).await;
    assert_eq!(status, 403);
    assert_eq!(counts(&store).await, before);
    let (status, needed) = api.send("POST", &path, &other, None, None).await;
    assert_eq!(status, 201, "{needed}");
    assert_eq!(needed["needed_by"][0]["slug"], "paris");
    assert_eq!(api.send("POST", &path, &other, None, None).await.0, 200, "needing it twice changes nothing");
    let history = api.get(&format!("/api/v1/roadmap/{item_id}/history")).await;
    assert_eq!(history["items"][0]["action"], "need");
    walked.push(("POST", "/api/v1/roadmap/{id}/needs"));

    // Taken back: by Paris only, once; then said again.
    let withdraw = format!("/api/v1/roadmap/{item_id}/needs/paris");
    let before = counts(&store).await;
    let (status, _) =
        api.send("DELETE", &format!("/api/v1/roadmap/{item_id}/needs/yverdon-les-bains"), &other, None, None).await;
    assert_eq!(status, 403, "Paris cannot take back Yverdon's need");
    assert_eq!(api.send("DELETE", &withdraw, &maintainer, None, None).await.0, 403);
    assert_eq!(counts(&store).await, before);
    let (status, withdrawn) = api.send("DELETE", &withdraw, &other, None, None).await;
    assert_eq!(status, 200, "{withdrawn}");
    assert!(withdrawn["needed_by"].as_array().unwrap().is_empty(), "{withdrawn}");
    let history = api.get(&format!("/api/v1/roadmap/{item_id}/history")).await;
    assert_eq!(history["items"][0]["action"], "withdraw_need");
    let (status, problem) = api.send("DELETE", &withdraw, &other, None, None).await;
    assert_eq!(status, 404, "taken back already: {problem}");
    assert_eq!(api.send("POST", &path, &other, None, None).await.0, 201, "said again");
    walked.push(("DELETE", "/api/v1/roadmap/{id}/needs/{organisation}"));

    let path = format!("/api/v1/roadmap/{item_id}/pledges");
    let pledge = json!({"amount": "5000", "currency": "CHF"});
    let (status, _) = api
        .send(
            "POST",
            &path,
            &other,
            Some(json!({"funder": "yverdon-les-bains", "amount": "5000", "currency": "CHF"})),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, pledged) = api.send("POST", &path, &other, Some(pledge.clone()), Some("k-pledge")).await;
    assert_eq!(status, 201, "{pledged}");
    assert_eq!((pledged["status"].as_str(), pledged["funder"].as_str()), (Some("pledged"), Some("paris")));
    assert_eq!(api.send("POST", &path, &other, Some(pledge), Some("k-pledge")).await.0, 200);
    let detail = api.get(&format!("/api/v1/roadmap/{item_id}")).await;
    assert_eq!(detail["funded"][0]["minor"], 500000, "{detail}");
    assert_eq!(detail["fundings"].as_array().unwrap().len(), 1);
    walked.push(("POST", "/api/v1/roadmap/{id}/pledges"));

    // A site administrator hides a funding, an adoption and an item: gone with the reason,
    // out of the figures, in the history; nobody else may.
    let operator = TestServer::write_token(&store, "moderator").await;
    let reason = json!({"reason": "Déclaration en double"});
    for (path, read) in [
        (format!("/api/v1/fundings/{}/hide", recorded["id"]), format!("/api/v1/fundings/{}", recorded["id"])),
        (format!("/api/v1/adoptions/{geocity}/hide"), format!("/api/v1/adoptions/{geocity}")),
        (format!("/api/v1/roadmap/{item_id}/hide"), format!("/api/v1/roadmap/{item_id}")),
    ] {
        let before = counts(&store).await;
        assert_eq!(api.send("POST", &path, &maintainer, Some(reason.clone()), None).await.0, 403, "{path}");
        assert_eq!(api.send("POST", &path, &operator, Some(json!({"reason": " "})), None).await.0, 422, "{path}");
        assert_eq!(counts(&store).await, before, "{path}");
        let (status, hidden) = api.send("POST", &path, &operator, Some(reason.clone()), None).await;
        assert_eq!(status, 200, "{path}: {hidden}");
        let (status, _, gone) = api.server.get(&read).await;
        assert_eq!(status, 410, "{read}: {gone}");
        assert!(gone["detail"].as_str().unwrap().contains("Déclaration en double"), "{gone}");
        assert_eq!(api.send("POST", &path, &operator, Some(reason.clone()), None).await.0, 410, "hidden already");
    }
    let event = api.last_event("/api/v1/software/geocity/history").await;
    assert_eq!(
        (event["action"].as_str(), event["after"]["reason"].as_str()),
        (Some("hide"), Some("Déclaration en double"))
    );
    assert!(event["before"]["title"].is_string(), "the record is kept whole: {event}");
    walked.extend([
        ("POST", "/api/v1/adoptions/{id}/hide"),
        ("POST", "/api/v1/fundings/{id}/hide"),
        ("POST", "/api/v1/roadmap/{id}/hide"),
    ]);

    // The record: Geocity's maintainers and publisher change it; Paris may not.
    let path = "/api/v1/software/geocity";
    let before = counts(&store).await;
    assert_eq!(api.send("PATCH", path, &other, Some(json!({"website": "https://geocity.ch"})), None).await.0, 403);
    assert_eq!(counts(&store).await, before);
    let (status, bad) =
        api.send("PATCH", path, &maintainer, Some(json!({"website": "geocity.ch", "maturity": "done"})), None).await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(bad["errors"].as_array().map(Vec::len), Some(2), "{bad}");
    let change = json!({"website": "https://geocity.ch", "summary_en": "Online permits for municipalities"});
    let (status, record) = api.send("PATCH", path, &maintainer, Some(change), None).await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(
        (record["website"].as_str(), record["summary"]["en"].as_str()),
        (Some("https://geocity.ch"), Some("Online permits for municipalities"))
    );
    assert_eq!(api.last_event("/api/v1/software/geocity/history").await["action"], "edit");
    walked.push(("PATCH", "/api/v1/software/{slug}"));

    // Propose new software by its publiccode.yml; a site administrator decides.
    let decidim = decidim();
    let new_one = renamed(&decidim, "Decidim Orbe");
    let yaml = |token: &str, body: String| {
        api.server
            .client
            .post(format!("{}/api/v1/proposals", api.server.base))
            .bearer_auth(token.to_string())
            .header("content-type", "application/yaml")
            .body(body)
            .send()
    };
    let r = yaml(&other, "publiccodeYmlVersion: '0.4'\nname: x\n".into()).await.unwrap();
    assert_eq!(r.status(), 422);
    let problem: Value = r.json().await.unwrap();
    assert!(problem["errors"][0]["line"].is_number(), "findings with their lines: {problem}");
    assert_eq!(yaml(&other, decidim.clone()).await.unwrap().status(), 409, "Decidim is in the catalog already");
    let r = yaml(&other, new_one.clone()).await.unwrap();
    assert_eq!(r.status(), 201);
    let proposal: Value = r.json().await.unwrap();
    assert_eq!(proposal["status"], "waiting");
    assert_eq!(yaml(&other, new_one).await.unwrap().status(), 409, "proposed already");
    let accept = format!("/api/v1/proposals/{}/accept", proposal["id"]);
    assert_eq!(api.send("POST", &accept, &official, None, None).await.0, 403);
    assert!(store.software("decidim-orbe").await.is_err(), "nothing is imported before a decision");
    let (status, accepted) = api.send("POST", &accept, &operator, None, None).await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(accepted["proposal"]["software"], "decidim-orbe");
    assert!(store.software("decidim-orbe").await.is_ok());
    assert_eq!(api.send("POST", &accept, &operator, None, None).await.0, 409, "decided once");
    assert_eq!(api.last_event("/api/v1/software/decidim-orbe/history").await["action"], "accept_proposal");
    let r = yaml(&other, renamed(&decidim, "Decidim Paris")).await.unwrap();
    let refused: Value = r.json().await.unwrap();
    let reject = format!("/api/v1/proposals/{}/reject", refused["id"]);
    assert_eq!(api.send("POST", &reject, &operator, Some(json!({"reason": ""})), None).await.0, 422);
    let (status, rejected) = api.send("POST", &reject, &operator, Some(json!({"reason": "Hors du champ"})), None).await;
    assert_eq!((status, rejected["status"].as_str()), (200, Some("rejected")), "{rejected}");
    walked.extend([
        ("POST", "/api/v1/proposals"),
        ("POST", "/api/v1/proposals/{id}/accept"),
        ("POST", "/api/v1/proposals/{id}/reject"),
    ]);

    // Every contribution route of the API was walked.
    for route in server::auth::CONTRIBUTION_ROUTES.iter().filter(|r| r.path.starts_with("/api/")) {
        assert!(walked.contains(&(route.method, route.path)), "{} {} is not walked", route.method, route.path);
    }

    // A key used for one kind of write cannot serve another.
    let other_item = store.software_roadmap("geocity").await.unwrap()[0].id;
    let path = format!("/api/v1/roadmap/{other_item}/pledges");
    let (status, problem) =
        api.send("POST", &path, &official, Some(json!({"amount": "1", "currency": "CHF"})), Some("k-declare")).await;
    assert_eq!((status, problem["field"].as_str()), (409, Some("Idempotency-Key")), "{problem}");
});

database_test!(bad_fields_are_named_and_nothing_is_written, |db| {
    let store = db.store.clone();
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    let official = member(&store, "greffe", "yverdon-les-bains").await;
    let api = Api { server: TestServer::start(store.clone()).await };
    let before = counts(&store).await;
    let tomorrow = (today() + chrono::Duration::days(1)).to_string();
    let path = "/api/v1/software/opencimetiere/adoptions";

    let (status, p) = api
        .send(
            "POST",
            path,
            &official,
            Some(json!({"since": tomorrow, "status": "active", "evidence_url": "ftp://x.org/a"})),
            None,
        )
        .await;
    assert_eq!(status, 422, "{p}");
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["since", "evidence_url"], "{p}");
    assert!(p["errors"][0]["detail"].as_str().unwrap().contains("in the future"), "{p}");

    let (status, p) = api
        .send("POST", path, &official, Some(json!({"since": "2024-01-01", "status": "active", "colour": "red"})), None)
        .await;
    assert_eq!((status, p["field"].as_str()), (422, Some("colour")), "{p}");
    let (status, p) = api.send("POST", path, &official, Some(json!({"status": "active"})), None).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("since")), "{p}");

    let path = "/api/v1/software/geocity/fundings";
    let (status, p) = api
        .send("POST", path, &official, Some(json!({"amount": "10.125", "currency": "EUR", "status": "paid"})), None)
        .await;
    assert_eq!((status, p["field"].as_str()), (422, Some("amount")), "{p}");
    assert!(p["detail"].as_str().unwrap().contains("2 decimal digits"), "{p}");
    let (status, p) = api
        .send("POST", path, &official, Some(json!({"amount": "10", "currency": "EUX", "status": "paid"})), None)
        .await;
    assert_eq!((status, p["field"].as_str()), (422, Some("currency")), "{p}");
    let (status, p) = api
        .send("POST", path, &official, Some(json!({"amount": "10", "currency": "EUR", "status": "voted"})), None)
        .await;
    assert_eq!((status, p["field"].as_str()), (422, Some("deliberation")), "{p}");

    let (status, p) = api.send("POST", "/api/v1/software/geocity/adoptions", &official, None, None).await;
    assert_eq!((status, p["field"].as_str()), (415, Some("Content-Type")), "{p}");
    let (status, p) = api
        .send(
            "POST",
            "/api/v1/software/opencimetiere/adoptions",
            &official,
            Some(json!({"since": "2024-01-01", "status": "active"})),
            Some("bad key"),
        )
        .await;
    assert_eq!((status, p["field"].as_str()), (422, Some("Idempotency-Key")), "{p}");
    assert_eq!(counts(&store).await, before, "nothing was written");
});

// The pages' forms, as the demo's people use them: each route of the pages in
// `CONTRIBUTION_ROUTES`, by the right person (a trace is left), by another organisation's
// (403, nothing written), posted twice (one record), and refused fields marked.
database_test!(the_pages_forms_follow_the_same_rules, |db| {
    use tests::forms::{client, demo, field, get, location, post};
    let store = db.store.clone();
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let accounts = server::session::Accounts { demo: true, ..Default::default() };
    let _server = TestServer::start_with_accounts(l, store.clone(), accounts);
    let c = client();
    // Élise acts for Orbe; Luc for the association that maintains Geocity.
    let (mut official, official_csrf) = demo(&c, &base, "demo-official").await;
    let (mut maintainer, maintainer_csrf) = demo(&c, &base, "demo-maintainer").await;
    let mut walked: Vec<&str> = Vec::new();
    let form_once = |html: &str| field(html, "once");

    // Orbe declares openCimetière through the form; posting the same form twice declares once.
    let url = format!("{base}/software/opencimetiere/adopt");
    let html = get(&c, &mut official, &url).await.text().await.unwrap();
    let once = form_once(&html);
    let tomorrow = (today() + chrono::Duration::days(1)).to_string();
    let bad = [
        ("csrf", official_csrf.as_str()),
        ("once", once.as_str()),
        ("organisation", "orbe"),
        ("since", tomorrow.as_str()),
        ("status", "active"),
        ("scope", "Cimetière de Clendy"),
        ("evidence_url", "javascript:alert(1)"),
    ];
    let before = counts(&store).await;
    let r = post(&c, &mut official, &url, &bad).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"id="adopt-since" name="since" type="date" value=""#), "the typed date is kept");
    assert!(html.contains("adopt-since-error") && html.contains("adopt-evidence-error"), "each bad field is marked");
    assert!(html.contains("Cimetière de Clendy"), "what was typed is kept");
    assert!(html.contains("AAAA-MM-JJ"), "in the page's language");
    assert_eq!(counts(&store).await, before);
    let good = [
        ("csrf", official_csrf.as_str()),
        ("once", once.as_str()),
        ("organisation", "orbe"),
        ("since", "2024-05-01"),
        ("status", "active"),
        ("scope", "Cimetière de Clendy"),
        ("evidence_url", ""),
        ("instance_url", ""),
        ("provider", ""),
    ];
    let r = post(&c, &mut official, &url, &good).await;
    assert_eq!(r.status(), 303);
    let adoption = location(&r);
    assert!(adoption.starts_with("/adoptions/") && adoption.ends_with("?done=declared"), "{adoption}");
    let r = post(&c, &mut official, &url, &good).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, adoption.clone()), "the same form twice declares once");
    assert_eq!(store.count_adoptions().await.unwrap(), before.0 + 1);
    let id: i64 = adoption.trim_start_matches("/adoptions/").split('?').next().unwrap().parse().unwrap();
    let event = &store.history_of(catalog::HistoryOf::Software("opencimetiere"), 1, 0).await.unwrap().items[0];
    assert_eq!((event.action.as_str(), event.acting_for.as_deref()), ("declare", Some("orbe")));
    assert_eq!(event.actor, "user:demo-official");
    // Another organisation's member cannot declare for Orbe.
    let html = get(&c, &mut maintainer, &url).await.text().await.unwrap();
    let theirs = [
        ("csrf", maintainer_csrf.as_str()),
        ("once", &form_once(&html)),
        ("organisation", "orbe"),
        ("since", "2024-05-01"),
        ("status", "active"),
    ];
    let before = counts(&store).await;
    assert_eq!(post(&c, &mut maintainer, &url, &theirs).await.status(), 403);
    assert_eq!(counts(&store).await, before);
    walked.push("/software/{slug}/adopt");

    // Change it: Orbe may, the association may not.
    let url = format!("{base}/adoptions/{id}");
    let html = get(&c, &mut official, &url).await.text().await.unwrap();
    let edit = |csrf: &str, once: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("once", once.to_string()),
            ("since", "2024-05-01".to_string()),
            ("status", "pilot".to_string()),
            ("scope", "".to_string()),
            ("evidence_url", "".to_string()),
            ("instance_url", "".to_string()),
            ("provider", "".to_string()),
        ]
    };
    let theirs = edit(&maintainer_csrf, "x1");
    let before = counts(&store).await;
    let r = post(&c, &mut maintainer, &url, &theirs.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
    assert_eq!(r.status(), 403);
    assert_eq!(counts(&store).await, before);
    let mine = edit(&official_csrf, &form_once(&html));
    let r = post(&c, &mut official, &url, &mine.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, format!("/adoptions/{id}?done=saved")));
    assert_eq!(store.adoption(id).await.unwrap().status.as_str(), "pilot");
    walked.push("/adoptions/{id}");

    // Confirm: the association cannot confirm openCimetière (not theirs), but confirms
    // Yverdon's use of Geocity.
    let confirm = format!("{base}/adoptions/{id}/confirm");
    let r = post(&c, &mut maintainer, &confirm, &[("csrf", &maintainer_csrf), ("once", "c1")]).await;
    assert_eq!(r.status(), 403);
    let geocity = store.organisation_adoptions("yverdon-les-bains", 50, 0).await.unwrap().items;
    let geocity = geocity.iter().find(|a| a.software == "geocity").unwrap().id;
    let confirm = format!("{base}/adoptions/{geocity}/confirm");
    let html = get(&c, &mut maintainer, &format!("{base}/adoptions/{geocity}")).await.text().await.unwrap();
    assert!(html.contains(&format!("action=\"/adoptions/{geocity}/confirm\"")), "the maintainer is offered to confirm");
    let r = post(&c, &mut maintainer, &confirm, &[("csrf", &maintainer_csrf), ("once", "c2")]).await;
    assert_eq!(location(&r), format!("/adoptions/{geocity}?done=confirmed"));
    assert_eq!(store.adoption(geocity).await.unwrap().state.as_str(), "confirmed");
    walked.push("/adoptions/{id}/confirm");

    // End: only Orbe.
    let end = format!("{base}/adoptions/{id}/end");
    assert_eq!(
        post(&c, &mut maintainer, &end, &[("csrf", &maintainer_csrf), ("once", "e1"), ("on", "")]).await.status(),
        403
    );
    let r = post(&c, &mut official, &end, &[("csrf", &official_csrf), ("once", "e2"), ("on", "")]).await;
    assert_eq!(location(&r), format!("/adoptions/{id}?done=ended"));
    assert_eq!(store.adoption(id).await.unwrap().status.as_str(), "ended");
    walked.push("/adoptions/{id}/end");

    // Record a funding; the association cannot record one for Orbe.
    let url = format!("{base}/software/geocity/fund");
    let html = get(&c, &mut official, &url).await.text().await.unwrap();
    let funding = |csrf: &str, once: String| {
        vec![
            ("csrf", csrf.to_string()),
            ("once", once),
            ("funder", "orbe".to_string()),
            ("amount", "8000".to_string()),
            ("currency", "CHF".to_string()),
            ("date", "2025-01-15".to_string()),
            ("kind", "co-development".to_string()),
            ("status", "voted".to_string()),
            ("deliberation", "PR24.31".to_string()),
            ("evidence_url", "".to_string()),
            ("roadmap_item", "".to_string()),
        ]
    };
    let before = counts(&store).await;
    let theirs = funding(&maintainer_csrf, "f1".into());
    let r = post(&c, &mut maintainer, &url, &theirs.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
    assert_eq!(r.status(), 403);
    assert_eq!(counts(&store).await, before);
    let mine = funding(&official_csrf, form_once(&html));
    let mine: Vec<(&str, &str)> = mine.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(post(&c, &mut official, &url, &mine).await.status(), 303);
    assert_eq!(post(&c, &mut official, &url, &mine).await.status(), 303);
    assert_eq!(store.count_fundings().await.unwrap(), before.1 + 1, "the same form twice records once");
    walked.push("/software/{slug}/fund");

    // Publish a roadmap item: the association maintains Geocity, not openCimetière.
    let url = format!("{base}/software/geocity/roadmap/new");
    let html = get(&c, &mut maintainer, &url).await.text().await.unwrap();
    let item = |csrf: &str, once: String| {
        vec![
            ("csrf", csrf.to_string()),
            ("once", once),
            ("title", "Export des permis en CSV".to_string()),
            ("description", "Un export **simple**.".to_string()),
            ("status", "planned".to_string()),
            ("estimated_cost", "20000".to_string()),
            ("currency", "CHF".to_string()),
            ("target_date", "".to_string()),
        ]
    };
    let elsewhere = item(&maintainer_csrf, "i1".into());
    let elsewhere: Vec<(&str, &str)> = elsewhere.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        post(&c, &mut maintainer, &format!("{base}/software/opencimetiere/roadmap/new"), &elsewhere).await.status(),
        403
    );
    let mine = item(&maintainer_csrf, form_once(&html));
    let mine: Vec<(&str, &str)> = mine.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = post(&c, &mut maintainer, &url, &mine).await;
    assert_eq!(r.status(), 303);
    let item_url = location(&r);
    let item_id: i64 = item_url.trim_start_matches("/roadmap/").split('?').next().unwrap().parse().unwrap();
    walked.push("/software/{slug}/roadmap/new");

    // Change it: the association may; openCimetière's items are not theirs.
    let url = format!("{base}/roadmap/{item_id}");
    let mut change = item(&maintainer_csrf, "i2".into());
    change[4].1 = "in-progress".into();
    let change: Vec<(&str, &str)> = change.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(location(&post(&c, &mut maintainer, &url, &change).await), format!("/roadmap/{item_id}?done=saved"));
    assert_eq!(store.roadmap_item(item_id).await.unwrap().status.as_str(), "in-progress");
    let cimetiere = store.software_roadmap("opencimetiere").await.unwrap()[0].id;
    let r = post(&c, &mut maintainer, &format!("{base}/roadmap/{cimetiere}"), &change).await;
    assert_eq!(r.status(), 403);
    walked.push("/roadmap/{id}");

    // Orbe needs it and pledges; it cannot speak for Lausanne.
    let needs = format!("{base}/roadmap/{item_id}/needs");
    let r = post(&c, &mut official, &needs, &[("csrf", &official_csrf), ("once", "n1"), ("organisation", "lausanne")])
        .await;
    assert_eq!(r.status(), 403);
    let r =
        post(&c, &mut official, &needs, &[("csrf", &official_csrf), ("once", "n2"), ("organisation", "orbe")]).await;
    assert_eq!(location(&r), format!("/roadmap/{item_id}?done=needed"));
    walked.push("/roadmap/{id}/needs");
    let html = get(&c, &mut official, &url).await.text().await.unwrap();
    assert!(html.contains(&format!("action=\"/roadmap/{item_id}/needs/withdraw\"")), "Orbe may take it back");
    let withdraw = format!("{base}/roadmap/{item_id}/needs/withdraw");
    let r =
        post(&c, &mut maintainer, &withdraw, &[("csrf", &maintainer_csrf), ("once", "w1"), ("organisation", "orbe")])
            .await;
    assert_eq!(r.status(), 403, "not for another organisation");
    let r =
        post(&c, &mut official, &withdraw, &[("csrf", &official_csrf), ("once", "w2"), ("organisation", "orbe")]).await;
    assert_eq!(location(&r), format!("/roadmap/{item_id}?done=withdrawn"));
    let html = get(&c, &mut official, &url).await.text().await.unwrap();
    assert!(!html.contains(">Orbe</a>"), "Orbe no longer needs it");
    walked.push("/roadmap/{id}/needs/withdraw");
    let r =
        post(&c, &mut official, &needs, &[("csrf", &official_csrf), ("once", "n3"), ("organisation", "orbe")]).await;
    assert_eq!(location(&r), format!("/roadmap/{item_id}?done=needed"));
    let pledges = format!("{base}/roadmap/{item_id}/pledges");
    let html = get(&c, &mut official, &url).await.text().await.unwrap();
    assert!(html.contains(">Orbe</a>"), "the item names who needs it");
    let once = form_once(&html);
    let bad = [
        ("csrf", official_csrf.as_str()),
        ("once", once.as_str()),
        ("funder", "orbe"),
        ("amount", "10.125"),
        ("currency", "CHF"),
    ];
    let r = post(&c, &mut official, &pledges, &bad).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("pledge-amount-error") && html.contains("value=\"10.125\""),
        "the bad amount is marked and kept"
    );
    let good = [
        ("csrf", official_csrf.as_str()),
        ("once", once.as_str()),
        ("funder", "orbe"),
        ("amount", "5000"),
        ("currency", "CHF"),
    ];
    let r = post(&c, &mut official, &pledges, &good).await;
    assert_eq!(location(&r), format!("/roadmap/{item_id}?done=pledged"));
    post(&c, &mut official, &pledges, &good).await;
    let item = store.roadmap_item(item_id).await.unwrap();
    assert_eq!(item.funded[0].minor, 500_000, "pledged once: {:?}", item.funded);
    let html = get(&c, &mut official, &url).await.text().await.unwrap();
    assert!(html.contains(r#"<progress id="progress" max="100" value="25">"#), "the progress moved");
    walked.push("/roadmap/{id}/pledges");

    // The record's page: the association changes the summary and adds a repository, through
    // the address check; the official of Orbe may not.
    let record_url = format!("{base}/software/geocity/edit");
    assert_eq!(get(&c, &mut official, &record_url).await.status(), 403);
    let html = get(&c, &mut maintainer, &record_url).await.text().await.unwrap();
    let record = |summary: &str, website: &str, once: String| {
        vec![
            ("csrf", maintainer_csrf.clone()),
            ("once", once),
            ("summary_fr", summary.to_string()),
            ("summary_en", "".to_string()),
            ("description_fr", "Un **guichet**.".to_string()),
            ("description_en", "".to_string()),
            ("website", website.to_string()),
            ("maturity", "stable".to_string()),
        ]
    };
    let theirs: Vec<(String, String)> =
        record("Guichet", "", "r0".into()).into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let mut theirs: Vec<(&str, &str)> = theirs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    theirs[0].1 = official_csrf.as_str();
    assert_eq!(post(&c, &mut official, &record_url, &theirs).await.status(), 403);
    let bad = record("Guichet virtuel", "pas une adresse", form_once(&html));
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = post(&c, &mut maintainer, &record_url, &bad).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("sw-website-error"), "the bad site is marked");
    let good = record("Guichet virtuel des communes", "https://geocity.ch", form_once(&html));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(location(&post(&c, &mut maintainer, &record_url, &good).await), "/software/geocity/edit?done=saved");
    assert_eq!(store.software("geocity").await.unwrap().summary["fr"], "Guichet virtuel des communes");
    walked.push("/software/{slug}/edit");
    let repos = format!("{base}/software/geocity/repositories");
    let local = [("csrf", maintainer_csrf.as_str()), ("once", "p1"), ("url", "http://127.0.0.1:22/x.git")];
    let r = post(&c, &mut maintainer, &repos, &local).await;
    assert_eq!(r.status(), 422, "a local address is refused");
    let public =
        [("csrf", maintainer_csrf.as_str()), ("once", "p2"), ("url", "https://gitlab.com/example/geocity-plugins.git")];
    assert_eq!(location(&post(&c, &mut maintainer, &repos, &public).await), "/software/geocity/edit?done=repository");
    assert!(store.software("geocity").await.unwrap().repositories.iter().any(|r| r.url.contains("geocity-plugins")));
    walked.push("/software/{slug}/repositories");

    // A site administrator removes the item; its page then says why.
    let (mut admin, admin_csrf) = demo(&c, &base, "demo-admin").await;
    let hide = format!("{base}/roadmap/{item_id}/hide");
    let r = post(&c, &mut official, &hide, &[("csrf", &official_csrf), ("once", "h1"), ("reason", "Doublon")]).await;
    assert_eq!(r.status(), 403);
    let r = post(&c, &mut admin, &hide, &[("csrf", &admin_csrf), ("once", "h2"), ("reason", "Doublon")]).await;
    assert_eq!(r.status(), 303);
    let r = get(&c, &mut official, &url).await;
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("Doublon"));
    walked.push("/roadmap/{id}/hide");
    let hide = format!("{base}/adoptions/{id}/hide");
    let r = post(&c, &mut admin, &hide, &[("csrf", &admin_csrf), ("once", "h3"), ("reason", "Erreur de saisie")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(get(&c, &mut official, &format!("{base}/adoptions/{id}")).await.status(), 410);
    walked.push("/adoptions/{id}/hide");

    // Orbe proposes a software through the form; the site administrator accepts it.
    let html = get(&c, &mut official, &format!("{base}/propose")).await.text().await.unwrap();
    let yaml = renamed(&decidim(), "Decidim Vaud");
    let form = [
        ("csrf", official_csrf.as_str()),
        ("once", &form_once(&html)),
        ("publiccode", "name: [oops"),
        ("country", "CH"),
    ];
    let r = post(&c, &mut official, &format!("{base}/propose"), &form).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("publiccode.yml:"), "the findings with their lines");
    let form = [
        ("csrf", official_csrf.as_str()),
        ("once", &form_once(&html)),
        ("publiccode", yaml.as_str()),
        ("country", "CH"),
    ];
    let r = post(&c, &mut official, &format!("{base}/propose"), &form).await;
    assert_eq!(location(&r), "/propose?done=proposed");
    walked.push("/propose");
    let waiting = store.proposals("waiting", 10).await.unwrap();
    let decide = format!("{base}/admin/proposals/{}", waiting[0].id);
    let r = post(&c, &mut official, &decide, &[("csrf", &official_csrf), ("once", "d1"), ("decision", "accept")]).await;
    assert_eq!(r.status(), 403);
    let r = post(&c, &mut admin, &decide, &[("csrf", &admin_csrf), ("once", "d2"), ("decision", "accept")]).await;
    assert_eq!(location(&r), "/admin/proposals?done=accepted");
    assert!(store.software("decidim-vaud").await.is_ok());
    walked.push("/admin/proposals/{id}");

    // The history shows it all.
    let html = get(&c, &mut official, &format!("{base}/software/geocity/history")).await.text().await.unwrap();
    assert!(html.contains("Promesse de financement") && html.contains("Adoption confirmée"), "{html}");

    for route in server::auth::CONTRIBUTION_ROUTES.iter().filter(|r| !r.path.starts_with("/api/")) {
        assert!(walked.contains(&route.path), "{} is not walked", route.path);
    }
});
