//! Webhooks, on SQLite and PostgreSQL. The admin of atReal (which maintains openCimetière)
//! subscribes a receiver on loopback from the organisation's page; Yverdon declares it
//! uses openCimetière; the receiver answers 500 to the first try and 200 to the retry,
//! and both tries carry the same delivery with a signature the secret checks. A change of
//! another software, and a kind not chosen, are not sent. Refused: bad forms (each field
//! named, nothing stored), people who are not the organisation's admins, and an address on
//! this machine when the operator does not allow local addresses, which is never called,
//! even when it was stored while they were. Every route of `auth::WEBHOOK_ROUTES` is walked.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use catalog::webhook::{DeliveryStatus, WebhookForm};
use catalog::{Actor, AddressPolicy, Role, SessionLifetimes, Store};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tests::forms::{client, location};
use tests::{database_test, today, TestServer};

/// What a receiver was sent: the headers and the body of each request.
type Calls = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A receiver on loopback that answers 500 to its first `refusals` requests, then 200.
async fn receiver(refusals: usize) -> (String, Calls) {
    let calls: Calls = Arc::default();
    let kept = calls.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let kept = kept.clone();
            async move {
                let mut calls = kept.lock().unwrap();
                calls.push((headers, body));
                if calls.len() <= refusals {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, calls)
}

/// Whether `header` (`t=…,v1=…`) signs `body` with `secret`, as a receiver checks it.
fn signed(secret: &str, header: &str, body: &[u8]) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = Some(v.to_string()),
            Some(("v1", v)) => v1 = Some(v.to_string()),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else { return false };
    let Ok(expected) = (0..v1.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(v1.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

fn sender(allow_local: bool, site: &str) -> server::webhooks::WebhookConfig {
    server::webhooks::WebhookConfig {
        first_wait: chrono::Duration::milliseconds(300),
        poll: Duration::from_millis(100),
        timeout: Duration::from_secs(5),
        allow_local,
        site: site.to_string(),
    }
}

/// A person's browser session on the site: the cookie and the CSRF token.
async fn session(store: &Store, user: &catalog::User) -> (String, String) {
    let (secret, session) = store.open_session(user, None, None, SessionLifetimes::default()).await.unwrap();
    (format!("communs_session={secret}"), session.csrf)
}

async fn post(base: &str, path: &str, cookie: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let r = client()
        .post(format!("{base}{path}"))
        .header("cookie", cookie)
        .header("accept-language", "fr")
        .form(form)
        .send()
        .await
        .unwrap();
    let (status, to) = (r.status().as_u16(), location(&r));
    (status, to, r.text().await.unwrap())
}

async fn get(base: &str, path: &str, cookie: &str) -> (u16, String) {
    let r = client().get(format!("{base}{path}")).header("cookie", cookie).header("accept-language", "fr");
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn api(base: &str, method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut r = client().request(method, format!("{base}{path}")).bearer_auth(token);
    if let Some(body) = body {
        r = r.header("content-type", "application/json").body(body.to_string());
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn webhook_count(store: &Store, organisation: &str) -> usize {
    store.webhooks_of(organisation).await.unwrap().len()
}

database_test!(a_change_is_delivered_signed_and_retried_after_a_refusal, |db| {
    let store = db.store.clone().with_address_policy(AddressPolicy::AllowLocal);
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    let (admin, admin_token) = tests::member(&store, "dev-atreal", "atreal").await;
    store.set_role(None, "atreal", &admin.handle, Role::Admin).await.unwrap();
    let (member, member_token) = tests::member(&store, "stagiaire-atreal", "atreal").await;
    let (_, yverdon) = tests::member(&store, "greffe", "yverdon-les-bains").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = TestServer::start_with_accounts(listener, store.clone(), server::session::Accounts::default());
    let base = server.base.clone();
    let (url, calls) = receiver(1).await;
    let (cookie, csrf) = session(&store, &admin).await;
    let (member_cookie, member_csrf) = session(&store, &member).await;
    let path = "/organisations/atreal/webhooks";

    // Signed out: to the login page. A member who is not an admin: refused, nothing stored.
    let (status, to, _) = post(&base, path, "", &[("url", &url), ("kinds", "adoption")]).await;
    assert_eq!((status, to.starts_with("/login?next=")), (303, true), "{to}");
    assert_eq!(get(&base, path, &member_cookie).await.0, 403);
    let form = [("csrf", member_csrf.as_str()), ("url", url.as_str()), ("kinds", "adoption")];
    assert_eq!(post(&base, path, &member_cookie, &form).await.0, 403);
    assert_eq!(api(&base, "GET", "/api/v1/organisations/atreal/webhooks", &member_token, None).await.0, 403);
    // A bad form: each field named, the values kept, nothing stored.
    let form = [("csrf", csrf.as_str()), ("url", "ftp://hooks.example/x"), ("kinds", "people"), ("scope", "all")];
    let (status, _, page) = post(&base, path, &cookie, &form).await;
    assert_eq!(status, 422);
    for id in ["webhook-url-error", "webhook-kinds-error", "webhook-scope-error"] {
        assert!(page.contains(id), "{id} in the refused form");
    }
    assert!(page.contains("ftp://hooks.example/x"), "the address typed is kept");
    assert_eq!(webhook_count(&store, "atreal").await, 0);
    // A forged CSRF token.
    let form = [("csrf", "forged"), ("url", url.as_str()), ("kinds", "adoption")];
    assert_eq!(post(&base, path, &cookie, &form).await.0, 403);
    assert_eq!(webhook_count(&store, "atreal").await, 0);

    // The admin subscribes the receiver to adoptions and fundings of what atReal maintains.
    let form = [
        ("csrf", csrf.as_str()),
        ("url", url.as_str()),
        ("kinds", "adoption"),
        ("kinds", "funding"),
        ("scope", "ours"),
    ];
    let (status, _, page) = post(&base, path, &cookie, &form).await;
    assert_eq!(status, 200, "{page}");
    let hooks = store.webhooks_of("atreal").await.unwrap();
    assert_eq!(hooks.len(), 1);
    let hook = hooks[0].clone();
    assert!(hook.secret.starts_with("whsec_") && page.contains(&hook.secret), "the admin sees the secret");
    assert_eq!(post(&base, path, &cookie, &form).await.0, 409, "the same address twice");

    server::webhooks::spawn(store.clone(), sender(true, &base));
    // Paris starts using iA.Delib (iMio's): not atReal's, not sent. A roadmap item of
    // openCimetière is not of the kinds chosen.
    let (_, paris) = tests::member(&store, "paris", "paris").await;
    let declaration = json!({"organisation": "paris", "since": "2025-01-15", "status": "active"});
    let (status, body) = api(&base, "POST", "/api/v1/software/ia-delib/adoptions", &paris, Some(declaration)).await;
    assert_eq!(status, 201, "{body}");
    let item = json!({"title": "Export des concessions", "status": "proposed"});
    let (status, body) = api(&base, "POST", "/api/v1/software/opencimetiere/roadmap", &admin_token, Some(item)).await;
    assert_eq!(status, 201, "{body}");
    // Yverdon starts using openCimetière: sent.
    let declaration = json!({"organisation": "yverdon-les-bains", "since": "2025-03-01", "status": "pilot"});
    let (status, adoption) =
        api(&base, "POST", "/api/v1/software/opencimetiere/adoptions", &yverdon, Some(declaration)).await;
    assert_eq!(status, 201, "{adoption}");

    // Refused once, delivered at the retry.
    let mut waited = 0;
    while calls.lock().unwrap().len() < 2 && waited < 150 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    let received = calls.lock().unwrap().clone();
    assert_eq!(received.len(), 2, "a refusal, then the retry");
    for (headers, body) in &received {
        let header = headers.get("communs-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(signed(&hook.secret, header, body), "the signature checks: {header}");
        assert!(!signed("whsec_another", header, body), "another secret does not");
        assert_eq!(headers.get("communs-event").unwrap(), "adoption");
        assert_eq!(headers.get("content-type").unwrap(), "application/json");
    }
    let (first, second) = (&received[0], &received[1]);
    assert_eq!(first.0.get("communs-delivery"), second.0.get("communs-delivery"), "one delivery, tried twice");
    let tampered = [&second.1[..], b" "].concat();
    let header = second.0.get("communs-signature").unwrap().to_str().unwrap();
    assert!(!signed(&hook.secret, header, &tampered), "a changed body does not check");
    let sent: Value = serde_json::from_slice(&second.1).unwrap();
    assert_eq!(sent["kind"], "adoption");
    assert_eq!(sent["action"], "declare");
    assert_eq!(sent["software"], "opencimetiere");
    assert_eq!(sent["organisation"], "yverdon-les-bains");
    assert_eq!(sent["record"]["id"], adoption["id"]);
    assert_eq!(sent["links"]["software"], format!("{base}/software/opencimetiere"));

    // The log says so, on the page and through the API; nothing else was sent. The server
    // writes the outcome after the receiver has answered: wait for it, a few seconds at most.
    let mut log = store.deliveries_of(hook.id, 10).await.unwrap();
    for _ in 0..50 {
        if log.iter().all(|d| d.status != DeliveryStatus::Pending) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        log = store.deliveries_of(hook.id, 10).await.unwrap();
    }
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!((log[0].status, log[0].attempts, log[0].last_status), (DeliveryStatus::Delivered, 2, Some(200)));
    let (status, page) = get(&base, path, &cookie).await;
    assert_eq!(status, 200);
    assert!(page.contains("delivery-delivered") && page.contains("HTTP 200"), "the log on the page");
    let (status, log) =
        api(&base, "GET", &format!("/api/v1/organisations/atreal/webhooks/{}/deliveries", hook.id), &admin_token, None)
            .await;
    assert_eq!((status, log[0]["status"].as_str(), log[0]["attempts"].as_i64()), (200, Some("delivered"), Some(2)));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(calls.lock().unwrap().len(), 2, "nothing more is sent");

    // Removed from the page: its log goes with it, and nothing more is sent.
    let form = [("csrf", csrf.as_str())];
    let (status, _, _) = post(&base, &format!("{path}/{}/remove", hook.id), &member_cookie, &form).await;
    assert_eq!(status, 403, "a member may not remove it");
    let (status, _, _) = post(&base, &format!("{path}/{}/remove", hook.id), &cookie, &form).await;
    assert_eq!(status, 200);
    assert_eq!(webhook_count(&store, "atreal").await, 0);
    let declaration = json!({"organisation": "paris", "since": "2025-01-15", "status": "active"});
    let (status, _) = api(&base, "POST", "/api/v1/software/opencimetiere/adoptions", &paris, Some(declaration)).await;
    assert_eq!(status, 201);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(calls.lock().unwrap().len(), 2, "a removed webhook hears nothing");
});

database_test!(an_address_on_this_machine_is_refused_and_never_called, |db| {
    // The operator does not allow local addresses (the default).
    let store = db.store.clone();
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    let (admin, admin_token) = tests::member(&store, "dev-atreal", "atreal").await;
    store.set_role(None, "atreal", &admin.handle, Role::Admin).await.unwrap();
    let (_, yverdon) = tests::member(&store, "greffe", "yverdon-les-bains").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = TestServer::start_with_accounts(listener, store.clone(), server::session::Accounts::default());
    let base = server.base.clone();
    let (url, calls) = receiver(0).await;
    let (cookie, csrf) = session(&store, &admin).await;

    // At the door: the page and the API refuse it, naming the address.
    let path = "/organisations/atreal/webhooks";
    let form = [("csrf", csrf.as_str()), ("url", url.as_str()), ("kinds", "adoption")];
    let (status, _, page) = post(&base, path, &cookie, &form).await;
    assert_eq!(status, 422);
    assert!(page.contains("webhook-url-error") && page.contains("loopback"), "the reason is given");
    let hook = json!({"url": url, "kinds": ["adoption"]});
    let (status, problem) = api(&base, "POST", "/api/v1/organisations/atreal/webhooks", &admin_token, Some(hook)).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("url")), "{problem}");
    for bad in ["http://169.254.169.254/latest", "http://[::1]:8080/", "http://localhost/x", "http://0x7f000001/"] {
        let hook = json!({"url": bad, "kinds": ["adoption"]});
        let (status, _) = api(&base, "POST", "/api/v1/organisations/atreal/webhooks", &admin_token, Some(hook)).await;
        assert_eq!(status, 422, "{bad}");
    }
    assert_eq!(webhook_count(&store, "atreal").await, 0);

    // Stored while the operator allowed local addresses, then no longer allowed: the sender
    // checks again before each try, and never calls it.
    let form = WebhookForm { url: url.clone(), kinds: vec!["adoption".into()], scope: Some("catalog".into()) };
    let draft = form.validate(AddressPolicy::AllowLocal).unwrap();
    let hook = store.add_webhook(&Actor::System("test"), "atreal", &draft).await.unwrap();
    let declaration = json!({"organisation": "yverdon-les-bains", "since": "2025-03-01", "status": "pilot"});
    let (status, _) = api(&base, "POST", "/api/v1/software/opencimetiere/adoptions", &yverdon, Some(declaration)).await;
    assert_eq!(status, 201);
    let report = server::webhooks::send_due(&store, &sender(false, &base)).await.unwrap();
    assert_eq!((report.delivered, report.retrying), (0, 1), "{report:?}");
    assert!(calls.lock().unwrap().is_empty(), "the receiver was never called");
    let log = store.deliveries_of(hook.id, 10).await.unwrap();
    assert_eq!((log[0].status, log[0].attempts, log[0].last_status), (DeliveryStatus::Pending, 1, None));
    assert!(log[0].last_error.as_deref().unwrap_or_default().contains("refused address"), "{log:?}");
    // Not due again before its wait: a second round sends nothing.
    let report = server::webhooks::send_due(&store, &sender(false, &base)).await.unwrap();
    assert_eq!(report, server::webhooks::RoundReport::default());
});

database_test!(every_webhook_route_needs_an_admin_of_the_organisation, |db| {
    let store = db.store.clone();
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    let (admin, admin_token) = tests::member(&store, "dev-atreal", "atreal").await;
    store.set_role(None, "atreal", &admin.handle, Role::Admin).await.unwrap();
    let (_, member_token) = tests::member(&store, "stagiaire-atreal", "atreal").await;
    // The admin of another organisation.
    let (other, other_token) = tests::member(&store, "dev-imio", "imio").await;
    store.set_role(None, "imio", &other.handle, Role::Admin).await.unwrap();
    let operator = TestServer::write_token(&store, "operator").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = TestServer::start_with_accounts(listener, store.clone(), server::session::Accounts::default());
    let base = server.base.clone();
    let hook = json!({"url": "https://hooks.atreal.example/communs", "kinds": ["adoption", "roadmap_item"]});

    let mut walked = Vec::new();
    let list = "/api/v1/organisations/atreal/webhooks";
    assert_eq!(api(&base, "POST", list, &member_token, Some(hook.clone())).await.0, 403, "a member");
    assert_eq!(api(&base, "POST", list, &other_token, Some(hook.clone())).await.0, 403, "another's admin");
    assert_eq!(api(&base, "POST", list, "nonsense", Some(hook.clone())).await.0, 401);
    assert_eq!(webhook_count(&store, "atreal").await, 0);
    let (status, made) = api(&base, "POST", list, &admin_token, Some(hook.clone())).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["kinds"], json!(["adoption", "roadmap_item"]));
    assert_eq!(made["scope"], "ours");
    let (status, again) = api(&base, "POST", list, &operator, Some(hook.clone())).await;
    assert_eq!((status, again["field"].as_str()), (409, Some("url")), "the same address: {again}");
    let (status, bad) = api(
        &base,
        "POST",
        list,
        &admin_token,
        Some(json!({"url": "https://a.example/h", "kinds": ["x"], "secret": "s"})),
    )
    .await;
    assert_eq!((status, bad["field"].as_str()), (422, Some("secret")), "an unknown field: {bad}");
    walked.push(("POST", "/api/v1/organisations/{slug}/webhooks"));
    let (status, listed) = api(&base, "GET", list, &operator, None).await;
    assert_eq!((status, listed[0]["secret"].as_str()), (200, made["secret"].as_str()), "the operator reads it");
    assert_eq!(api(&base, "GET", list, &other_token, None).await.0, 403);

    let id = made["id"].as_i64().unwrap();
    let one = format!("{list}/{id}");
    assert_eq!(api(&base, "DELETE", &one, &member_token, None).await.0, 403);
    assert_eq!(
        api(&base, "DELETE", &format!("/api/v1/organisations/imio/webhooks/{id}"), &other_token, None).await.0,
        404
    );
    assert_eq!(api(&base, "DELETE", &one, &admin_token, None).await.0, 204);
    assert_eq!(api(&base, "DELETE", &one, &admin_token, None).await.0, 404, "gone");
    assert_eq!(api(&base, "GET", &format!("{one}/deliveries"), &admin_token, None).await.0, 404);
    walked.push(("DELETE", "/api/v1/organisations/{slug}/webhooks/{id}"));

    // The pages' routes.
    let (cookie, csrf) = session(&store, &admin).await;
    let (other_cookie, other_csrf) = session(&store, &other).await;
    let form = [("csrf", csrf.as_str()), ("url", "https://hooks.atreal.example/p"), ("kinds", "funding")];
    let other_form = [("csrf", other_csrf.as_str()), ("url", "https://hooks.atreal.example/p"), ("kinds", "funding")];
    let page = "/organisations/atreal/webhooks";
    assert_eq!(post(&base, page, &other_cookie, &other_form).await.0, 403);
    assert_eq!(post(&base, page, &cookie, &form).await.0, 200);
    walked.push(("POST", "/organisations/{slug}/webhooks"));
    let id = store.webhooks_of("atreal").await.unwrap()[0].id;
    let remove = format!("{page}/{id}/remove");
    assert_eq!(post(&base, &remove, &other_cookie, &[("csrf", other_csrf.as_str())]).await.0, 403);
    assert_eq!(post(&base, &remove, &cookie, &[("csrf", csrf.as_str())]).await.0, 200);
    assert_eq!(webhook_count(&store, "atreal").await, 0);
    walked.push(("POST", "/organisations/{slug}/webhooks/{id}/remove"));

    for route in server::auth::WEBHOOK_ROUTES {
        assert!(walked.contains(&(route.method, route.path)), "{} {} is walked", route.method, route.path);
    }
    // Changes of webhooks are audited, without their secrets.
    let history = store.export_history(0, 10_000).await.unwrap();
    assert!(history.iter().all(|e| e.entity != "webhook"), "not in the public history");
    let events = store.history("webhook", &id.to_string(), 10, 0).await.unwrap().items;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["remove_webhook", "add_webhook"]);
    assert!(events.iter().all(|e| !format!("{:?}{:?}", e.before, e.after).contains("whsec_")), "{events:?}");
});
