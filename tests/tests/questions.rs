//! Asking the adopters, on SQLite and PostgreSQL: a member who answers questions for an
//! adopter of openCimetière is counted in the "before you tender" report; an official of
//! Alise-Sainte-Reine asks that adopter one question from the report's form, the referent
//! reads it and answers, and the official reads the answer; nobody's address appears. The
//! same through the API. Refused: bad fields (each named, nothing stored), a forged CSRF
//! token, a signed-out visitor, an adopter nobody answers for, the operator's token,
//! readers and answerers the question was not for, more than the day's questions. Every
//! route of `auth::QUESTION_ROUTES` is walked.

use catalog::{Actor, SessionLifetimes, Store, User};
use serde_json::{json, Value};
use tests::forms::{client, location};
use tests::{database_test, today, TestServer};

/// A person of `organisation`, with a browser session and a token that writes for it.
struct Person {
    user: User,
    cookie: String,
    csrf: String,
    token: String,
}

async fn person(store: &Store, subject: &str, organisation: &str) -> Person {
    let (user, token) = tests::member(store, subject, organisation).await;
    let (secret, session) = store.open_session(&user, None, None, SessionLifetimes::default()).await.unwrap();
    Person { user, cookie: format!("communs_session={secret}"), csrf: session.csrf, token }
}

struct Site {
    server: TestServer,
    c: reqwest::Client,
}

impl Site {
    async fn get(&self, who: Option<&Person>, path: &str) -> (u16, String, String) {
        let mut r = self.c.get(format!("{}{path}", self.server.base)).header("accept-language", "fr");
        if let Some(p) = who {
            r = r.header("cookie", &p.cookie);
        }
        let r = r.send().await.unwrap();
        let (status, to) = (r.status().as_u16(), location(&r));
        (status, to, r.text().await.unwrap())
    }

    async fn post(&self, who: Option<&Person>, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
        let mut r = self.c.post(format!("{}{path}", self.server.base)).header("accept-language", "fr").form(form);
        if let Some(p) = who {
            r = r.header("cookie", &p.cookie);
        }
        let r = r.send().await.unwrap();
        let (status, to) = (r.status().as_u16(), location(&r));
        (status, to, r.text().await.unwrap())
    }

    async fn api(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut r = self.c.request(method, format!("{}{path}", self.server.base)).bearer_auth(token);
        if let Some(body) = body {
            r = r.header("content-type", "application/json").body(body.to_string());
        }
        let r = r.send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

async fn questions(store: &Store, user: &User) -> usize {
    store.questions_of(user).await.unwrap().asked.len()
}

database_test!(an_official_asks_the_adopters_and_reads_their_answers, |db| {
    let store = db.store.clone();
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    // Arles uses openCimetière and has a referent; Venarey uses it and has none; Paris does
    // not use it.
    let asker = person(&store, "mairie-alise", "alise-sainte-reine").await;
    let referent = person(&store, "dsi-arles", "arles").await;
    let silent = person(&store, "venarey", "venarey-les-laumes").await;
    let outsider = person(&store, "paris", "paris").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = TestServer::start_with_accounts(listener, store.clone(), server::session::Accounts::default());
    let site = Site { server, c: client() };
    let mut walked: Vec<&str> = Vec::new();

    // Nobody answers yet: the report says so and points to the public pages.
    let report = "/tender?need=cimeti%C3%A8re&for=alise-sainte-reine";
    let (_, _, html) = site.get(None, report).await;
    assert!(html.contains("leurs pages publiques"), "no contact pages in the report");

    // The referent says they answer for Arles, on their account page.
    let toggle = "/account/organisations/arles/questions";
    let (status, _, html) = site.post(Some(&referent), toggle, &[("csrf", &referent.csrf), ("answers", "on")]).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Vous y répondez"), "the account page shows it");
    walked.push("/account/organisations/{slug}/questions");
    let (status, _, _) = site
        .post(Some(&referent), "/account/organisations/paris/questions", &[("csrf", &referent.csrf), ("answers", "on")])
        .await;
    assert_eq!(status, 404, "not a member of Paris");
    let (status, _, _) = site.post(Some(&referent), toggle, &[("csrf", &referent.csrf), ("answers", "oui")]).await;
    assert_eq!(status, 400);
    let (status, _, _) = site.post(Some(&referent), toggle, &[("csrf", "forged"), ("answers", "off")]).await;
    assert_eq!(status, 403);
    assert_eq!(store.answering_for(referent.user.id).await.unwrap(), ["arles"]);

    // The report counts Arles and links to the form, for Alise-Sainte-Reine.
    let (_, _, html) = site.get(None, report).await;
    assert!(html.contains("1 organisation qui l’utilise répond aux questions"), "count in the report");
    let ask_link = "/software/opencimetiere/ask?for=alise-sainte-reine&#38;back=/tender%3Fneed%3D";
    assert!(
        html.contains(ask_link),
        "the ask link of the report: {}",
        &html[html.find("répond aux questions").unwrap_or(0)..][..600]
    );
    let (status, _, json) = site.server.get("/api/v1/tender?need=cimeti%C3%A8re&for=alise-sainte-reine").await;
    assert_eq!(status, 200);
    let first = &json["candidates"][0];
    assert_eq!((first["slug"].as_str(), first["answering_adopters"].as_i64()), (Some("opencimetiere"), Some(1)));
    let (status, _, json) = site.server.get("/api/v1/software/opencimetiere/questions/recipients").await;
    assert_eq!(status, 200);
    let slugs: Vec<&str> =
        json.as_array().unwrap().iter().map(|a| a["organisation"]["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["arles"]);

    // The form: signed out, to the login page; signed in, Arles offered and checked.
    let form = "/software/opencimetiere/ask?for=alise-sainte-reine&back=/tender%3Fneed%3Dcimeti%25C3%25A8re";
    let (status, to, _) = site.get(None, form).await;
    assert_eq!((status, to.starts_with("/login?next=")), (303, true), "{to}");
    let (status, _, html) = site.get(Some(&asker), form).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"name="to" value="arles" checked"#), "Arles is offered");
    assert!(!html.contains(r#"value="venarey-les-laumes""#), "Venarey has nobody to answer");
    assert!(html.contains(r#"href="/tender?need=cimeti%C3%A8re""#), "back to the report");
    let once = tests::forms::field(&html, "once");

    // Bad fields come back named and kept; nothing is asked.
    let path = "/software/opencimetiere/ask";
    let bad =
        [("csrf", asker.csrf.as_str()), ("once", "b1"), ("organisation", "alise-sainte-reine"), ("body", "court")];
    let (status, _, html) = site.post(Some(&asker), path, &bad).await;
    assert_eq!(status, 422);
    assert!(html.contains("Choisissez entre 1 et 25 organisations") && html.contains("Écrivez entre 10"), "{html}");
    let mut venarey = bad.to_vec();
    venarey.extend([("to", "venarey-les-laumes"), ("body", "Une question assez longue pour partir")]);
    venarey.retain(|(k, v)| *k != "body" || *v != "court");
    let (status, _, html) = site.post(Some(&asker), path, &venarey).await;
    assert_eq!(status, 422, "an adopter nobody answers for");
    assert!(html.contains("Une question assez longue pour partir"), "the words are kept");
    let (status, _, _) = site
        .post(
            Some(&asker),
            path,
            &[
                ("csrf", asker.csrf.as_str()),
                ("once", "b2"),
                ("organisation", "arles"),
                ("to", "arles"),
                ("body", "Une question à moi-même"),
            ],
        )
        .await;
    assert_eq!(status, 422, "for an organisation one does not act for");
    let question = "Combien vous coûte openCimetière par an, hébergement compris ?\nEt qui vous l’a installé ?";
    let good = [
        ("csrf", asker.csrf.as_str()),
        ("once", once.as_str()),
        ("organisation", "alise-sainte-reine"),
        ("to", "arles"),
        ("body", question),
    ];
    let mut forged = good.to_vec();
    forged[0] = ("csrf", "forged");
    assert_eq!(site.post(Some(&asker), path, &forged).await.0, 403);
    let (status, to, _) = site.post(None, path, &good).await;
    assert_eq!((status, to.starts_with("/login?next=")), (303, true));
    assert_eq!(questions(&store, &asker.user).await, 0, "nothing asked by refused forms");

    // Asked, once even when posted twice.
    let (status, to, _) = site.post(Some(&asker), path, &good).await;
    assert_eq!(status, 303);
    assert!(to.starts_with("/questions/") && to.ends_with("?done=asked"), "{to}");
    let (_, again, _) = site.post(Some(&asker), path, &good).await;
    assert_eq!(again, to, "the same form asks once");
    assert_eq!(questions(&store, &asker.user).await, 1);
    walked.push("/software/{slug}/ask");
    let thread = to.trim_end_matches("?done=asked").to_string();
    let id: i64 = thread.trim_start_matches("/questions/").parse().unwrap();

    // The referent reads it and answers; their colleagues' pages show what waits.
    let (_, _, html) = site.get(Some(&referent), "/questions").await;
    assert!(html.contains("Combien vous coûte openCimetière") && html.contains("à répondre"), "{html}");
    let (_, _, html) = site.get(Some(&referent), "/account").await;
    assert!(html.contains("1 question attend votre réponse"), "the account page says it");
    let (status, _, html) = site.get(Some(&referent), &thread).await;
    assert_eq!(status, 200);
    assert!(html.contains("Et qui vous l’a installé ?") && html.contains("Person mairie-alise"), "{html}");
    assert!(!html.contains("mairie-alise@example.org"), "no address of the asker");
    // Neither Paris nor Venarey (not asked) may read or answer it.
    for other in [&outsider, &silent] {
        assert_eq!(site.get(Some(other), &thread).await.0, 404);
        let answer = [
            ("csrf", other.csrf.as_str()),
            ("once", "x"),
            ("organisation", "paris"),
            ("body", "Je réponds quand même"),
        ];
        assert_eq!(site.post(Some(other), &format!("{thread}/answers"), &answer).await.0, 404);
    }
    let (status, _, _) = site.get(None, &thread).await;
    assert_eq!(status, 303, "signed out: to the login page");
    let answering = format!("{thread}/answers");
    let short = [("csrf", referent.csrf.as_str()), ("once", "a0"), ("organisation", "arles"), ("body", "Oui")];
    let (status, _, html) = site.post(Some(&referent), &answering, &short).await;
    assert_eq!((status, html.contains("Écrivez entre 10")), (422, true));
    let answer = "Environ 1 200 € par an chez notre syndicat informatique, installation comprise.";
    let form = [("csrf", referent.csrf.as_str()), ("once", "a1"), ("organisation", "arles"), ("body", answer)];
    let (status, to, _) = site.post(Some(&referent), &answering, &form).await;
    assert_eq!((status, to.as_str()), (303, format!("{thread}?done=answered#answers-h").as_str()));
    site.post(Some(&referent), &answering, &form).await;
    walked.push("/questions/{id}/answers");

    // The official reads the answer, once, with no address of the referent.
    let (_, _, html) = site.get(Some(&asker), &thread).await;
    assert_eq!(html.matches("Environ 1 200 €").count(), 1, "{html}");
    assert!(html.contains("Person dsi-arles") && !html.contains("dsi-arles@example.org"));
    assert!(html.contains("a répondu"));
    let (_, _, html) = site.get(Some(&asker), "/questions").await;
    assert!(html.contains("réponses : 1 sur 1"), "{html}");

    // The daily digest tells the referent of the question and the official of the answer.
    let before = chrono::Utc::now() - chrono::Duration::hours(1);
    let people = store.digest_recipients().await.unwrap();
    let of = |u: &User| people.iter().find(|p| p.user_id == u.id).unwrap().clone();
    let mail = server::mail::digest(&store, "https://communs.example", &of(&referent.user), before, chrono::Utc::now())
        .await
        .unwrap()
        .expect("a digest for the referent");
    assert!(mail.contains(&format!("https://communs.example/questions/{id}")) && mail.contains("Combien vous coûte"));
    let mail = server::mail::digest(&store, "https://communs.example", &of(&asker.user), before, chrono::Utc::now())
        .await
        .unwrap()
        .expect("a digest for the asker");
    assert!(mail.contains("Réponses à vos questions") && mail.contains("Arles"), "{mail}");
    let quiet = server::mail::digest(&store, "https://communs.example", &of(&silent.user), before, chrono::Utc::now())
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(!quiet.contains("Combien vous coûte"), "not asked, not told");

    // The same through the API.
    let ask = "/api/v1/software/opencimetiere/questions";
    let body = json!({"to": ["arles"], "body": "Avez-vous repris les données de l’ancien logiciel ?"});
    let operator = TestServer::write_token(&store, "ops").await;
    assert_eq!(site.api("POST", ask, &operator, Some(body.clone())).await.0, 403, "the operator asks nothing");
    let (status, p) = site
        .api(
            "POST",
            ask,
            &asker.token,
            Some(json!({"to": ["venarey-les-laumes"], "body": "Une question assez longue"})),
        )
        .await;
    assert_eq!((status, p["field"].as_str()), (422, Some("to")), "{p}");
    let (status, p) = site.api("POST", ask, &asker.token, Some(json!({"to": ["arles"], "body": "x", "cc": "y"}))).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("cc")), "{p}");
    let (status, p) = site
        .api(
            "POST",
            ask,
            &asker.token,
            Some(json!({"organisation": "paris", "to": ["arles"], "body": "Une question assez longue"})),
        )
        .await;
    assert_eq!((status, p["field"].as_str()), (403, Some("organisation")), "{p}");
    let (status, asked) = site.api("POST", ask, &asker.token, Some(body)).await;
    assert_eq!(status, 201, "{asked}");
    let second = asked["id"].as_i64().unwrap();
    assert_eq!(asked["to"][0]["organisation"]["slug"], "arles");
    assert!(!asked.to_string().contains("@example.org"), "no address in the API either");
    let (status, mine) = site.api("GET", "/api/v1/questions", &asker.token, None).await;
    assert_eq!((status, mine["asked"].as_array().unwrap().len()), (200, 2));
    let (status, theirs) = site.api("GET", "/api/v1/questions", &referent.token, None).await;
    assert_eq!((status, theirs["received"][0]["answered_by_us"].as_bool()), (200, Some(false)));
    assert_eq!(site.api("GET", "/api/v1/questions", "nope", None).await.0, 401);
    let path = format!("/api/v1/questions/{second}");
    assert_eq!(site.api("GET", &path, &outsider.token, None).await.0, 404);
    let answers = format!("{path}/answers");
    let reply = json!({"body": "Oui, par un export CSV fourni par l’éditeur précédent."});
    assert_eq!(site.api("POST", &answers, &outsider.token, Some(reply.clone())).await.0, 404);
    let (status, answered) = site.api("POST", &answers, &referent.token, Some(reply)).await;
    assert_eq!((status, answered["answers"].as_array().unwrap().len()), (201, 1), "{answered}");
    let (status, read) = site.api("GET", &path, &asker.token, None).await;
    assert_eq!((status, read["to"][0]["answered"].as_bool()), (200, Some(true)));

    // Ten questions a day at most.
    for n in 2..catalog::question::QUESTIONS_PER_DAY {
        let body = json!({"to": ["arles"], "body": format!("Question numéro {n}, assez longue")});
        assert_eq!(site.api("POST", ask, &asker.token, Some(body)).await.0, 201);
    }
    let body = json!({"to": ["arles"], "body": "Une question de trop aujourd’hui"});
    let (status, p) = site.api("POST", ask, &asker.token, Some(body)).await;
    assert_eq!((status, p["field"].as_str()), (409, Some("body")), "{p}");

    // Every route of questions was walked.
    let api_walked = ["/api/v1/software/{slug}/questions", "/api/v1/questions/{id}/answers"];
    for route in server::auth::QUESTION_ROUTES {
        assert!(walked.contains(&route.path) || api_walked.contains(&route.path), "{} is not walked", route.path);
    }
});
