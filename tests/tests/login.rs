//! Signing in, over HTTP: with the real OpenID Connect provider of the npm package
//! oidc-provider (the whole flow: redirect, login, consent, callback, session, a page that
//! needs a role, logout) and its failures, each refused with nothing written; the demo
//! accounts; personal tokens; and every write route walked with no identity, a member of
//! another organisation and the right member.

use catalog::{Actor, Role};
use server::session::Accounts;
use tests::forms::{client, demo, field, get, location, post};
use tests::{today, CookieJar, OidcProvider, TestServer};

async fn seeded() -> tests::TestDb {
    let db = tests::TestDb::sqlite().await;
    db.store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    db
}

async fn listener() -> (tokio::net::TcpListener, String) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    (l, base)
}

fn with_provider(p: &OidcProvider) -> Accounts {
    Accounts {
        providers: server::oidc::Providers::new(vec![p.config()]).unwrap(),
        site_admins: vec!["admin@example.org".into()],
        ..Accounts::default()
    }
}

fn absolute(base: &str, to: &str) -> String {
    if to.starts_with("http") {
        to.to_string()
    } else {
        format!("{base}{to}")
    }
}

fn form_action(html: &str) -> String {
    let start = html.find("action=\"").expect("a form") + "action=\"".len();
    html[start..].split('"').next().unwrap().replace("&amp;", "&")
}

/// At the provider: follows its redirects, signs in as `login` on its login page, consents,
/// and returns the address it finally sends the browser to (the site's callback).
async fn at_provider(c: &reqwest::Client, jar: &mut CookieJar, issuer: &str, authorize: &str, login: &str) -> String {
    let mut url = authorize.to_string();
    for _ in 0..12 {
        if !url.starts_with(issuer) {
            return url;
        }
        let r = get(c, jar, &url).await;
        if r.status().is_redirection() {
            url = absolute(issuer, &location(&r));
            continue;
        }
        let html = r.text().await.unwrap();
        let action = absolute(issuer, &form_action(&html));
        let r = if html.contains("name=\"login\"") {
            post(c, jar, &action, &[("prompt", "login"), ("login", login), ("password", "any")]).await
        } else {
            post(c, jar, &action, &[("prompt", "consent")]).await
        };
        assert!(r.status().is_redirection(), "the provider's form answered {}", r.status());
        url = absolute(issuer, &location(&r));
    }
    panic!("the provider never sent the browser back")
}

/// Begins a login at the site; returns the provider's authorisation address.
async fn begin(c: &reqwest::Client, jar: &mut CookieJar, base: &str) -> String {
    let r = get(c, jar, &format!("{base}/login/test?next=/account")).await;
    assert_eq!(r.status(), 303);
    assert!(jar.0.contains_key("communs_login"), "the login is bound to the browser");
    location(&r)
}

async fn sessions(db: &tests::TestDb) -> i64 {
    tests::count(&db.url, "SELECT COUNT(*) FROM sessions").await
}

#[tokio::test]
async fn the_whole_flow_with_a_real_provider() {
    let db = seeded().await;
    let (l, base) = listener().await;
    let provider = OidcProvider::start(&base, false);
    let server = TestServer::start_with_accounts(l, db.store.clone(), with_provider(&provider));
    let c = client();
    let mut jar = CookieJar::default();

    // The login page lists the provider.
    let page = get(&c, &mut jar, &format!("{base}/login")).await.text().await.unwrap();
    assert!(page.contains("/login/test?next="), "{page}");
    // A page that needs a person sends the anonymous reader to the login page.
    let r = get(&c, &mut jar, &format!("{base}/account")).await;
    assert_eq!((r.status().as_u16(), location(&r).as_str()), (303, "/login?next=/account"));

    let authorize = begin(&c, &mut jar, &base).await;
    assert!(authorize.starts_with(&provider.issuer), "{authorize}");
    for p in ["code_challenge=", "code_challenge_method=S256", "state=", "nonce=", "scope=openid"] {
        assert!(authorize.contains(p), "{p} in {authorize}");
    }
    let back = at_provider(&c, &mut jar, &provider.issuer, &authorize, "greffe@yverdon-les-bains.ch").await;
    assert!(back.starts_with(&format!("{base}/login/test/callback?")), "{back}");
    let r = get(&c, &mut jar, &back).await;
    assert_eq!((r.status().as_u16(), location(&r).as_str()), (303, "/account"));
    let cookie = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>();
    let session_cookie = cookie.iter().find(|c| c.starts_with("communs_session=")).expect("a session cookie");
    assert!(session_cookie.contains("HttpOnly") && session_cookie.contains("SameSite=Lax"), "{session_cookie}");

    // The account page: the person, verified address, no organisation yet.
    let r = get(&c, &mut jar, &format!("{base}/account")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    let html = r.text().await.unwrap();
    assert!(html.contains("greffe@yverdon-les-bains.ch") && html.contains("adresse vérifiée"), "{html}");
    // A replayed callback (same state and code) is refused and opens nothing.
    let before = sessions(&db).await;
    let r = get(&c, &mut jar, &back).await;
    assert_eq!(r.status(), 400);
    assert_eq!(sessions(&db).await, before);

    // Joining Yverdon waits for an admin; a page for admins refuses a member.
    let csrf = field(&html, "csrf");
    let r = post(
        &c,
        &mut jar,
        &format!("{base}/account/requests"),
        &[("csrf", &csrf), ("organisation", "yverdon-les-bains"), ("message", "Greffe municipal")],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("attend la décision"));
    let person = db.store.user("greffe@yverdon-les-bains.ch").await.unwrap();
    db.store.set_role(None, "yverdon-les-bains", &person.handle, Role::Member).await.unwrap();
    let r = get(&c, &mut jar, &format!("{base}/organisations/yverdon-les-bains/people")).await;
    assert_eq!(r.status(), 403);
    db.store.set_role(None, "yverdon-les-bains", &person.handle, Role::Admin).await.unwrap();
    let r = get(&c, &mut jar, &format!("{base}/organisations/yverdon-les-bains/people")).await;
    assert_eq!(r.status(), 200);
    // /api/v1/me answers the session.
    let me: serde_json::Value = get(&c, &mut jar, &format!("{base}/api/v1/me")).await.json().await.unwrap();
    assert_eq!(me["organisations"][0]["slug"], "yverdon-les-bains");
    assert_eq!(me["organisations"][0]["role"], "admin");

    // Logout ends the session here and offers the provider's end-session address.
    let r = post(&c, &mut jar, &format!("{base}/logout"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 200);
    assert!(!jar.0.contains_key("communs_session"));
    let html = r.text().await.unwrap();
    assert!(html.contains("Vous êtes déconnecté"), "{html}");
    let end = format!("href=\"{}/session/end?id_token_hint=", provider.issuer);
    assert!(html.contains(&end), "{html}");
    let r = get(&c, &mut jar, &format!("{base}/account")).await;
    assert_eq!(r.status(), 303);
    drop(server);
    db.finish().await;
}

#[tokio::test]
async fn a_tampered_login_is_refused_with_nothing_written() {
    let db = seeded().await;
    let (l, base) = listener().await;
    let provider = OidcProvider::start(&base, false);
    let _server = TestServer::start_with_accounts(l, db.store.clone(), with_provider(&provider));
    let c = client();
    let users = || async { tests::count(&db.url, "SELECT COUNT(*) FROM users").await };
    let before = users().await;

    // Wrong state: the callback's state is not the one this browser began with.
    let mut jar = CookieJar::default();
    let authorize = begin(&c, &mut jar, &base).await;
    let back = at_provider(&c, &mut jar, &provider.issuer, &authorize, "mallory").await;
    let state = url::Url::parse(&back).unwrap().query_pairs().find(|(k, _)| k == "state").unwrap().1.to_string();
    let forged = back.replace(&format!("state={state}"), "state=0000");
    assert_eq!(get(&c, &mut jar, &forged).await.status(), 400);
    // The same callback from another browser (without the login cookie) is refused too.
    let mut other = CookieJar::default();
    assert_eq!(get(&c, &mut other, &back).await.status(), 400);

    // Wrong nonce: the authorisation request is altered on its way to the provider.
    let mut jar = CookieJar::default();
    let authorize = begin(&c, &mut jar, &base).await;
    let nonce = url::Url::parse(&authorize).unwrap().query_pairs().find(|(k, _)| k == "nonce").unwrap().1.to_string();
    let altered = authorize.replace(&format!("nonce={nonce}"), "nonce=another");
    let back = at_provider(&c, &mut jar, &provider.issuer, &altered, "mallory").await;
    let r = get(&c, &mut jar, &back).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("La connexion a été refusée"));

    // A forged session cookie opens nothing.
    let mut forged = CookieJar::default();
    forged.0.insert("communs_session".into(), "ab".repeat(32));
    let r = get(&c, &mut forged, &format!("{base}/account")).await;
    assert_eq!(r.status(), 303);
    let r = get(&c, &mut forged, &format!("{base}/api/v1/me")).await;
    assert_eq!(r.status(), 401);

    assert_eq!(users().await, before, "no user was written");
    assert_eq!(tests::count(&db.url, "SELECT COUNT(*) FROM sessions").await, 0);
    db.finish().await;
}

#[tokio::test]
async fn an_id_token_signed_by_another_key_is_refused() {
    let db = seeded().await;
    let (l, base) = listener().await;
    let provider = OidcProvider::start(&base, true);
    let _server = TestServer::start_with_accounts(l, db.store.clone(), with_provider(&provider));
    let c = client();
    let mut jar = CookieJar::default();
    let authorize = begin(&c, &mut jar, &base).await;
    let back = at_provider(&c, &mut jar, &provider.issuer, &authorize, "mallory").await;
    let r = get(&c, &mut jar, &back).await;
    assert_eq!(r.status(), 400);
    assert!(!jar.0.contains_key("communs_session"));
    assert_eq!(tests::count(&db.url, "SELECT COUNT(*) FROM users").await, 0);
    db.finish().await;
}

#[tokio::test]
async fn a_provider_that_does_not_answer_is_named() {
    let db = seeded().await;
    let (l, base) = listener().await;
    // A port that nothing listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let config = server::oidc::ProviderConfig {
        id: "region".into(),
        name: "Keycloak de la région".into(),
        issuer,
        client_id: "x".into(),
        client_secret: None,
        client_secret_env: None,
        scopes: None,
        allowed_domains: vec![],
    };
    let accounts = Accounts { providers: server::oidc::Providers::new(vec![config]).unwrap(), ..Accounts::default() };
    let _server = TestServer::start_with_accounts(l, db.store.clone(), accounts);
    let mut jar = CookieJar::default();
    let r = get(&client(), &mut jar, &format!("{base}/login/region")).await;
    assert_eq!(r.status(), 502);
    assert!(r.text().await.unwrap().contains("Le fournisseur Keycloak de la région ne répond pas"));
    db.finish().await;
}

/// Signs in a demo account; returns the cookies and the page's CSRF token.
#[tokio::test]
async fn demo_accounts_exist_with_demo_only() {
    let db = seeded().await;
    let (l, base) = listener().await;
    let _plain = TestServer::start_with_accounts(l, db.store.clone(), Accounts::default());
    let c = client();
    let mut jar = CookieJar::default();
    let html = get(&c, &mut jar, &format!("{base}/login")).await.text().await.unwrap();
    assert!(!html.contains("demo-official"));
    let csrf = jar.0.get("communs_csrf").expect("an anonymous CSRF cookie").clone();
    let r = post(&c, &mut jar, &format!("{base}/login/demo"), &[("csrf", &csrf), ("handle", "demo-admin")]).await;
    assert_eq!(r.status(), 404);

    let (l, base) = listener().await;
    let _demo = TestServer::start_with_accounts(l, db.store.clone(), Accounts { demo: true, ..Accounts::default() });
    // Without the form's CSRF token, nobody is signed in.
    let mut jar = CookieJar::default();
    get(&c, &mut jar, &format!("{base}/login")).await;
    let r = post(&c, &mut jar, &format!("{base}/login/demo"), &[("csrf", "0"), ("handle", "demo-admin")]).await;
    assert_eq!(r.status(), 403);
    let (mut jar, _) = demo(&c, &base, "demo-official").await;
    let me: serde_json::Value = get(&c, &mut jar, &format!("{base}/api/v1/me")).await.json().await.unwrap();
    assert_eq!(me["handle"], "demo-official");
    assert_eq!(me["organisations"][0]["slug"], "orbe");
    // An organisation's page links to the account's form to join it, filled in.
    let page = get(&c, &mut jar, &format!("{base}/organisations/paris")).await.text().await.unwrap();
    assert!(page.contains("href=\"/account?join=paris#join\""), "{page}");
    let html = get(&c, &mut jar, &format!("{base}/account?join=paris")).await.text().await.unwrap();
    assert!(html.contains("name=\"organisation\" value=\"paris\""), "{html}");
    let (mut jar, _) = demo(&c, &base, "demo-admin").await;
    let me: serde_json::Value = get(&c, &mut jar, &format!("{base}/api/v1/me")).await.json().await.unwrap();
    assert_eq!(me["site_admin"], true);
    db.finish().await;
}

#[tokio::test]
async fn personal_tokens_from_the_account_page() {
    let db = seeded().await;
    let (l, base) = listener().await;
    let _server = TestServer::start_with_accounts(l, db.store.clone(), Accounts { demo: true, ..Accounts::default() });
    let c = client();
    let (mut jar, csrf) = demo(&c, &base, "demo-maintainer").await;
    // A bad form comes back with the field marked and what was typed kept.
    let r = post(
        &c,
        &mut jar,
        &format!("{base}/account/tokens"),
        &[
            ("csrf", &csrf),
            ("name", "mauvais nom"),
            ("organisation", "association-geocity"),
            ("scope", "write"),
            ("days", "30"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"token-name\" name=\"name\" value=\"mauvais nom\" required aria-invalid=\"true\""),
        "{html}"
    );
    assert!(html.contains("Le nom doit compter de 1 à 64 caractères"));
    // Without the CSRF token: refused, nothing made.
    let r = post(&c, &mut jar, &format!("{base}/account/tokens"), &[("name", "ci"), ("scope", "read")]).await;
    assert_eq!(r.status(), 403);
    let r = post(
        &c,
        &mut jar,
        &format!("{base}/account/tokens"),
        &[("csrf", &csrf), ("name", "ci"), ("organisation", "association-geocity"), ("scope", "write"), ("days", "30")],
    )
    .await;
    assert_eq!(r.status(), 201);
    let html = r.text().await.unwrap();
    let start = html.find("class=\"secret\">").unwrap() + "class=\"secret\">".len();
    let secret = html[start..].split('<').next().unwrap().to_string();
    assert!(secret.starts_with("communs_"));
    // The token answers /api/v1/me with its scope and organisation, and is never cached.
    let r = c.get(format!("{base}/api/v1/me")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store");
    let me: serde_json::Value = r.json().await.unwrap();
    assert_eq!(me["token"]["organisation"], "association-geocity");
    assert_eq!(me["token"]["scope"], "write");
    let anonymous = c.get(format!("{base}/api/v1/me")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    // Revoked from the page, it is refused.
    let r = post(&c, &mut jar, &format!("{base}/account/tokens/ci/revoke"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 200);
    let r = c.get(format!("{base}/api/v1/me")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(r.status(), 401);
    db.finish().await;
}

/// Every write route of `auth::WRITE_ROUTES`, with no identity, a member of another
/// organisation, and the right member.
#[tokio::test]
async fn every_write_route_needs_its_role() {
    let db = seeded().await;
    let store = db.store.clone();
    let (l, base) = listener().await;
    let _server = TestServer::start_with_accounts(l, store.clone(), Accounts { demo: true, ..Accounts::default() });
    let c = client();
    // The maintainer of Geocity (admin of association-geocity) and an official of Yverdon.
    let (mut right, right_csrf) = demo(&c, &base, "demo-maintainer").await;
    let (mut other, other_csrf) = demo(&c, &base, "demo-official").await;
    let (mut site_admin, site_admin_csrf) = demo(&c, &base, "demo-admin").await;
    let maintainer = store.user("demo-maintainer").await.unwrap();
    let token = |user: catalog::User, org: &'static str| {
        let store = store.clone();
        async move {
            let ask = catalog::PersonalToken {
                name: "walk",
                organisation: Some(org),
                scope: catalog::TokenScope::Write,
                days: None,
            };
            store.create_personal_token(&Actor::System("test"), &user, &ask).await.unwrap().1
        }
    };
    let right_token = token(maintainer.clone(), "association-geocity").await;
    // A member of Paris, which neither maintains nor publishes Geocity (Yverdon publishes it).
    let parisian = store
        .sign_in(
            &catalog::Identity {
                issuer: "https://id.example".into(),
                subject: "p".into(),
                name: Some("Parisienne".into()),
                email: Some("p@paris.fr".into()),
                email_verified: true,
            },
            &[],
        )
        .await
        .unwrap();
    store.set_role(None, "paris", &parisian.handle, Role::Member).await.unwrap();
    let other_token = token(parisian, "paris").await;
    // A request to join the association, for the admin to decide.
    let outsider = store
        .sign_in(
            &catalog::Identity {
                issuer: "https://id.example".into(),
                subject: "o".into(),
                name: Some("Outsider".into()),
                email: Some("o@example.org".into()),
                email_verified: true,
            },
            &[],
        )
        .await
        .unwrap();
    let catalog::JoinOutcome::Waiting(request) =
        store.request_membership(&outsider, "association-geocity", "").await.unwrap()
    else {
        panic!("expected a request")
    };
    // Decidim is maintained by another organisation; a renamed copy is new software.
    let decidim = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/publiccode/decidim.yml"),
    )
    .unwrap();
    let new_software = decidim
        .replace("name: Decidim", "name: Decidim Yverdon")
        .replace("url: https://github.com/decidim/decidim", "url: https://github.com/example/decidim-yverdon");

    // The contributions' routes, API and pages, are walked on both databases by
    // contributions.rs.
    for route in server::auth::CATALOG_ROUTES.iter().chain(server::auth::ACCOUNT_ROUTES) {
        let path = route
            .path
            .replace("{slug}/repositories", "geocity/repositories")
            .replace("{slug}/people/{handle}", &format!("association-geocity/people/{}", outsider.handle))
            .replace("organisations/{slug}/leave", "organisations/association-geocity/leave")
            .replace("{name}", "none")
            .replace("{id}", &request.id.to_string());
        let url = format!("{base}{path}");
        if path.starts_with("/api/") {
            let repository = r#"{"url": "https://github.com/example/geocity-fork"}"#;
            let send = |t: Option<&str>, body: &str| {
                let ctype = if path.ends_with("/repositories") { "application/json" } else { "application/yaml" };
                let mut r = c.post(&url).header("content-type", ctype).body(body.to_string());
                if let Some(t) = t {
                    r = r.bearer_auth(t);
                }
                r.send()
            };
            let (theirs, mine) = if path.ends_with("/repositories") {
                (repository, repository)
            } else {
                (decidim.as_str(), new_software.as_str())
            };
            assert_eq!(send(None, mine).await.unwrap().status(), 401, "{path} without identity");
            let status = send(Some(&other_token), theirs).await.unwrap().status();
            assert_eq!(status, 403, "{path} by another organisation");
            let status = send(Some(&right_token), mine).await.unwrap().status();
            assert!(status.is_success(), "{path} by the right member: {status}");
        } else {
            let form: Vec<(&str, &str)> = match route.path {
                "/account/tokens" => vec![("name", "walked"), ("scope", "read")],
                "/account/requests" => vec![("organisation", "lausanne")],
                "/requests/{id}" => vec![("decision", "accept")],
                "/organisations/{slug}/people/{handle}" => vec![("role", "admin")],
                "/admin/site-admins" => vec![("user", "demo-maintainer"), ("action", "add")],
                _ => vec![],
            };
            let mut none = CookieJar::default();
            let r = post(&c, &mut none, &url, &form).await;
            assert_eq!(r.status(), 303, "{path} without identity");
            assert!(location(&r).starts_with("/login?next="), "{path}: {}", location(&r));
            let with = |csrf: &str| {
                let mut f = form.clone();
                f.push(("csrf", csrf));
                f.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>()
            };
            if route.needs == server::auth::Need::SiteAdmin {
                // An organisation's admin is not the site's.
                let f = with(&right_csrf);
                let r = post(&c, &mut right, &url, &pairs(&f)).await;
                assert_eq!(r.status(), 403, "{path} by an organisation's admin");
                let f = with(&site_admin_csrf);
                let r = post(&c, &mut site_admin, &url, &pairs(&f)).await;
                assert!(r.status().is_success(), "{path} by a site administrator: {}", r.status());
                assert!(store.user("demo-maintainer").await.unwrap().site_admin);
                continue;
            }
            if route.needs == server::auth::Need::OrganisationAdmin {
                let f = with(&other_csrf);
                let r = post(&c, &mut other, &url, &pairs(&f)).await;
                assert_eq!(r.status(), 403, "{path} by another organisation");
            }
            if route.path == "/account/organisations/{slug}/leave" {
                // The last admin may not leave: the right member is refused for a good reason.
                let f = with(&right_csrf);
                let r = post(&c, &mut right, &url, &pairs(&f)).await;
                assert_eq!(r.status(), 409, "{path}: the last admin stays");
                continue;
            }
            if route.path == "/account/tokens/{name}/revoke" {
                let f = with(&right_csrf);
                let r = post(&c, &mut right, &url, &pairs(&f)).await;
                assert_eq!(r.status(), 404, "{path}: no such token");
                continue;
            }
            let f = with(&right_csrf);
            let r = post(&c, &mut right, &url, &pairs(&f)).await;
            assert!(r.status().is_success(), "{path} by the right member: {}", r.status());
        }
    }
    db.finish().await;
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn the_command_line_makes_a_persons_token() {
    let db = seeded().await;
    let person = db
        .store
        .sign_in(
            &catalog::Identity {
                issuer: "https://id.example".into(),
                subject: "g".into(),
                name: Some("Greffe".into()),
                email: Some("greffe@yverdon-les-bains.ch".into()),
                email_verified: true,
            },
            &[],
        )
        .await
        .unwrap();
    let args = |extra: &[&str]| {
        let mut a = vec!["--database-url", db.url.as_str(), "token"];
        a.extend_from_slice(extra);
        a.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run = |a: Vec<String>| async move {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        tests::communs(&a).await
    };
    // Not a member of Yverdon yet: refused, nothing made.
    let (code, _, err) = run(args(&[
        "create",
        "--name",
        "ci",
        "--user",
        "greffe@yverdon-les-bains.ch",
        "--organisation",
        "yverdon-les-bains",
    ]))
    .await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("organisation"), "{err}");
    db.store.set_role(None, "yverdon-les-bains", &person.handle, Role::Member).await.unwrap();
    let (code, out, err) = run(args(&[
        "create",
        "--name",
        "ci",
        "--user",
        &person.handle,
        "--organisation",
        "yverdon-les-bains",
        "--expires",
        "10",
    ]))
    .await;
    assert_eq!(code, 0, "{err}");
    let secret = out.trim().to_string();
    let holder = db.store.authenticate_token(&secret, chrono::Utc::now()).await.unwrap().expect("live");
    assert_eq!(holder.token.organisation.as_deref(), Some("yverdon-les-bains"));
    let (_, out, _) = run(args(&["list", "--user", &person.handle])).await;
    assert!(out.contains("ci\t") && out.contains("for yverdon-les-bains") && out.contains("expires"), "{out}");
    // The operator's list does not hold it.
    let (_, out, _) = run(args(&["list"])).await;
    assert!(!out.contains("yverdon"), "{out}");
    let (code, _, err) = run(args(&["revoke", "ci", "--user", &person.handle])).await;
    assert_eq!(code, 0, "{err}");
    assert!(db.store.authenticate_token(&secret, chrono::Utc::now()).await.unwrap().is_none());
    db.finish().await;
}

#[tokio::test]
async fn logins_and_writes_are_rate_limited() {
    use server::ratelimit::{Rate, RateLimits};
    let db = seeded().await;
    let (l, base) = listener().await;
    let accounts = Accounts {
        demo: true,
        rate_limits: RateLimits { login: Rate { burst: 3, per_minute: 1 }, write: Rate { burst: 2, per_minute: 1 } },
        ..Accounts::default()
    };
    let _server = TestServer::start_with_accounts(l, db.store.clone(), accounts);
    let c = client();
    // Three demo logins pass; the fourth from the same address waits.
    for _ in 0..3 {
        demo(&c, &base, "demo-official").await;
    }
    let mut jar = CookieJar::default();
    get(&c, &mut jar, &format!("{base}/login")).await;
    let csrf = jar.0["communs_csrf"].clone();
    let r = post(&c, &mut jar, &format!("{base}/login/demo"), &[("csrf", &csrf), ("handle", "demo-official")]).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    assert!(!jar.0.contains_key("communs_session"));
    // Token guesses count as writes: the third in a row is refused before it is looked up.
    let send = || {
        c.post(format!("{base}/api/v1/software/geocity/repositories"))
            .bearer_auth(format!("communs_{}", "0".repeat(64)))
            .header("content-type", "application/json")
            .body(r#"{"url": "https://github.com/example/x"}"#)
            .send()
    };
    assert_eq!(send().await.unwrap().status(), 401);
    assert_eq!(send().await.unwrap().status(), 401);
    let r = send().await.unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    db.finish().await;
}

#[tokio::test]
async fn an_expired_session_opens_nothing() {
    let db = seeded().await;
    let (l, base) = listener().await;
    let _server = TestServer::start_with_accounts(l, db.store.clone(), Accounts { demo: true, ..Accounts::default() });
    let c = client();
    let (mut jar, csrf) = demo(&c, &base, "demo-maintainer").await;
    assert_eq!(get(&c, &mut jar, &format!("{base}/account")).await.status(), 200);
    // The session's end passes (as a week would).
    tests::execute(&db.url, "UPDATE sessions SET expires_at = '2000-01-01T00:00:00+00:00'").await;
    let r = get(&c, &mut jar, &format!("{base}/account")).await;
    assert_eq!(r.status(), 303);
    let r =
        post(&c, &mut jar, &format!("{base}/account/tokens"), &[("csrf", &csrf), ("name", "late"), ("scope", "read")])
            .await;
    assert_eq!(r.status(), 303, "a form of an expired session leads to the login page");
    assert_eq!(tests::count(&db.url, "SELECT COUNT(*) FROM api_tokens").await, 0);
    db.finish().await;
}
