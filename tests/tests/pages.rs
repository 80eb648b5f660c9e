//! The HTML pages served by the real router over the demo data, on SQLite and PostgreSQL:
//! every page in both languages with its headers, errors as pages, the language switch,
//! the static assets, and dashboards that follow a write.

use catalog::{Actor, AdoptionDraft, FundingDraft};
use tests::{store_test, today, TestServer};

async fn demo_server(store: &catalog::Store) -> TestServer {
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    TestServer::start(store.clone()).await
}

struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn get(server: &TestServer, path: &str, accept_language: &str) -> Page {
    let r = server
        .client
        .get(format!("{}{}", server.base, path))
        .header("accept-language", accept_language)
        .send()
        .await
        .expect("request");
    Page { status: r.status().as_u16(), headers: r.headers().clone(), body: r.text().await.unwrap() }
}

fn header(p: &Page, name: &str) -> String {
    p.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

const PAGES: [&str; 10] = [
    "/",
    "/search",
    "/search?q=cimetiere&sort=adopted",
    "/software/opencimetiere",
    "/organisations/arles",
    "/organisations/cc-pays-alesia-seine/members",
    "/dashboards/adoption",
    "/dashboards/funding",
    "/roadmaps",
    "/about",
];

store_test!(every_page_in_both_languages_with_its_headers, |store| {
    let server = demo_server(&store).await;
    for path in PAGES {
        for (accept, lang) in [("fr-FR,fr;q=0.9", "fr"), ("en-GB,en;q=0.8", "en"), ("de-CH", "fr")] {
            let p = get(&server, path, accept).await;
            assert_eq!(p.status, 200, "{path} in {lang}: {}", p.body);
            assert_eq!(header(&p, "content-type"), "text/html; charset=utf-8", "{path}");
            assert_eq!(header(&p, "content-language"), lang, "{path} for {accept}");
            assert!(p.body.contains(&format!("<html lang=\"{lang}\">")), "{path} in {lang}");
            let csp = header(&p, "content-security-policy");
            assert!(csp.contains("script-src 'self'") && csp.contains("style-src 'self'"), "{csp}");
            assert!(!csp.contains("unsafe-inline"), "{csp}");
            assert_eq!(header(&p, "x-content-type-options"), "nosniff");
            assert_eq!(header(&p, "referrer-policy"), "strict-origin-when-cross-origin");
            assert!(!p.body.contains(web::i18n::MISSING), "{path} in {lang} has a missing translation");
            assert!(!p.body.contains(" style=") && !p.body.contains("<style"), "{path} has inline style");
            assert!(!p.body.contains("<script>"), "{path} has an inline script");
            assert_eq!(p.body.matches("<h1").count(), 1, "{path} has one h1");
            assert!(p.body.len() < 100_000, "{path} in {lang} is {} bytes", p.body.len());
        }
    }
    // The demo's illustrative data is said to be so, in French on French pages.
    for path in
        ["/software/opencimetiere", "/dashboards/adoption", "/dashboards/funding", "/", "/search?q=cimetiere", "/about"]
    {
        let p = get(&server, path, "fr").await;
        assert!(p.body.contains("données de démonstration"), "{path} does not label the demo data");
        // And in English on English pages, without a French aside.
        let p = get(&server, path, "en").await;
        assert!(p.body.contains("demonstration data") && !p.body.contains("démonstration"), "{path} in English");
    }
    // Amounts and numbers as each language writes them.
    let fr = get(&server, "/software/opencimetiere", "fr").await.body;
    let en = get(&server, "/software/opencimetiere", "en").await.body;
    // ADICO's 12,000 EUR towards the multi-commune mode, as each language writes it.
    assert!(fr.contains("12\u{202f}000\u{a0}€"), "French amounts end with €");
    assert!(en.contains("€12,000") && !en.contains("12\u{202f}000"), "English amounts start with €");
    assert!(!en.contains("\u{a0}€"), "no amount in the French way on the English page");
    assert!(en.contains("Who uses it") && fr.contains("Qui l’utilise"));
    // Countries by their names; a funding towards a roadmap item by the item's title.
    let lausanne = get(&server, "/organisations/lausanne", "fr").await.body;
    assert!(lausanne.contains("Commune · Suisse") || lausanne.contains("· Suisse"), "{lausanne}");
    assert!(get(&server, "/organisations/lausanne", "en").await.body.contains("· Switzerland"));
    let geocity = get(&server, "/software/geocity", "fr").await.body;
    assert!(
        geocity.contains("href=\"#item-signature-electronique\">Signature électronique des demandes</a>"),
        "{geocity}"
    );
    // An EPCI's members as a page, linked from its own.
    let epci = get(&server, "/organisations/cc-pays-alesia-seine", "fr").await.body;
    assert!(epci.contains("href=\"/organisations/cc-pays-alesia-seine/members\""), "{epci}");
    let members = get(&server, "/organisations/cc-pays-alesia-seine/members", "fr").await;
    assert_eq!(members.status, 200);
    assert!(members.body.contains("24 membres"), "{}", members.body);
    assert_eq!(members.body.matches("<tr><th scope=\"row\"><a href=\"/organisations/").count(), 24);
    assert!(get(&server, "/organisations/cc-pays-alesia-seine/members", "en").await.body.contains("Members of"));
    assert_eq!(get(&server, "/organisations/cc-pays-alesia-seine/members?offset=-1", "fr").await.status, 400);
    assert_eq!(get(&server, "/organisations/cc-pays-alesia-seine/members?page=2", "fr").await.status, 400);
    assert_eq!(get(&server, "/organisations/nowhere/members", "fr").await.status, 404);
    // Facets' labels begin with a capital, whatever the facet (licences as SPDX writes them).
    let facets = get(&server, "/search?q=cimetiere", "fr").await.body;
    assert!(facets.contains(">Commune <span class=\"count\">") && !facets.contains(">commune <span"), "{facets}");
    let search = get(&server, "/search?q=geocity", "fr").await.body;
    assert!(search.contains("Suisse <span class=\"count\">"), "{search}");
});

store_test!(errors_are_pages_in_the_readers_language, |store| {
    let server = demo_server(&store).await;
    let p = get(&server, "/software/no-such-thing", "fr").await;
    assert_eq!(p.status, 404);
    assert!(p.body.contains("Aucun logiciel ne porte l’adresse « no-such-thing »"), "{}", p.body);
    let p = get(&server, "/organisations/nowhere", "en").await;
    assert_eq!(p.status, 404);
    assert!(p.body.contains("No organisation has the address “nowhere”"), "{}", p.body);
    let p = get(&server, "/nothing/here", "en").await;
    assert_eq!(p.status, 404);
    assert!(p.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    // Under the API, a problem, not a page.
    let p = get(&server, "/api/v1/nothing", "fr").await;
    assert_eq!(header(&p, "content-type"), "application/problem+json");
    for (path, field) in [
        ("/search?sort=cheapest", "sort"),
        ("/search?category=gaming", "category"),
        ("/search?offset=-1", "offset"),
        ("/search?colour=blue", "colour"),
        ("/roadmaps?status=someday", "status"),
        ("/roadmaps?software=no-such", "software"),
    ] {
        let p = get(&server, path, "fr").await;
        assert_eq!(p.status, 400, "{path}");
        assert!(p.body.contains(field), "{path}: the page names {field}: {}", p.body);
        assert!(p.body.contains("<html lang=\"fr\">"));
    }
});

store_test!(the_language_switch_keeps_the_page, |store| {
    let server = demo_server(&store).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = client.get(format!("{}/language?to=en&next=/software/geocity%3Fx%3D1", server.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/software/geocity?x=1");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("lang=en;") && cookie.contains("SameSite=Lax"), "{cookie}");
    // The choice wins over the browser's languages.
    let page = client
        .get(format!("{}/software/geocity", server.base))
        .header("cookie", "lang=en")
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("href=\"/language?to=fr&#38;next=/software/geocity\""), "the switch comes back here");
    // Only this site's paths are followed.
    for next in ["//evil.example/", "https://evil.example/", "/\\evil.example"] {
        let r = client.get(format!("{}/language?to=fr&next={}", server.base, web::encode(next))).send().await.unwrap();
        assert_eq!(r.headers()["location"], "/", "{next}");
    }
});

store_test!(static_assets_have_hashed_names_and_long_lives, |store| {
    let server = demo_server(&store).await;
    let home = get(&server, "/", "fr").await.body;
    let css = web::assets::href("communs.css");
    assert!(home.contains(&css), "the home page links {css}");
    let r = server.client.get(format!("{}{css}", server.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(r.headers()["content-type"], "text/css; charset=utf-8");
    let stylesheet = r.text().await.unwrap();
    assert!(home.len() + stylesheet.len() < 100_000, "home and its stylesheet under 100 KB");
    let r = server.client.get(format!("{}/assets/communs.css", server.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404, "an unhashed name is not served");
});

fn active_adoptions(page: &str) -> i64 {
    // "<p class=\"lede\">N adoptions · M en cours · ..."
    let lede = page.split("<p class=\"lede\">").nth(1).expect("a lede");
    let digits: String = lede.split(" adoption").next().unwrap().chars().filter(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

store_test!(dashboards_follow_each_write, |store| {
    let server = demo_server(&store).await;
    let before = get(&server, "/dashboards/adoption", "fr").await.body;
    let funding_before = get(&server, "/dashboards/funding", "en").await.body;
    let n = active_adoptions(&before);
    let adoption = AdoptionDraft {
        software: "geocity".into(),
        organisation: "fr-insee:21663".into(),
        since: "2016-05-01".into(),
        status: "active".into(),
        ..Default::default()
    };
    let (_, created) = store.put_adoption(&Actor::System("test"), &adoption.validate(today()).unwrap()).await.unwrap();
    assert!(created);
    let after = get(&server, "/dashboards/adoption", "fr").await.body;
    assert_eq!(active_adoptions(&after), n + 1, "the new adoption is counted");
    let funding = FundingDraft {
        funder: "fr-insee:21663".into(),
        software: "geocity".into(),
        amount: "123456.78".into(),
        currency: "EUR".into(),
        date: "2019-06-01".into(),
        kind: "contract".into(),
        status: "paid".into(),
        ..Default::default()
    };
    store.add_funding(&Actor::System("test"), &funding.validate(today()).unwrap()).await.unwrap();
    let funding_after = get(&server, "/dashboards/funding", "en").await.body;
    assert_ne!(funding_before, funding_after);
    assert!(funding_after.contains("<th scope=\"row\">2019</th>"), "the year of the new funding is listed");
    // The software's page shows it in its ledger.
    let page = get(&server, "/software/geocity", "en").await.body;
    assert!(page.contains("€123,456.78"), "the ledger shows the amount in English");
});

store_test!(a_kept_page_is_not_good_for_the_other_language, |store| {
    let server = demo_server(&store).await;
    let fr = get(&server, "/software/geocity", "fr").await;
    let tag = header(&fr, "etag");
    assert!(tag.ends_with("-fr\""), "{tag}");
    let again = server
        .client
        .get(format!("{}/software/geocity", server.base))
        .header("accept-language", "fr")
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304, "the same page, unchanged");
    let english = server
        .client
        .get(format!("{}/software/geocity", server.base))
        .header("cookie", "lang=en")
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(english.status().as_u16(), 200, "the French page's tag does not answer for English");
    assert!(english.text().await.unwrap().contains("<html lang=\"en\">"));
});

store_test!(who_near_me_uses_it, |store| {
    let server = demo_server(&store).await;
    // The software page's territory table leads to the adopters of each territory.
    let page = get(&server, "/software/opencimetiere", "fr").await;
    assert!(page.body.contains("href=\"/software/opencimetiere/adopters?territory=cote-d-or\""), "{}", page.body);
    assert!(page.body.contains("href=\"/software/opencimetiere/adopters\""));
    // Within the Côte-d'Or, nearest to Alise-Sainte-Reine first, in both languages.
    let fr = get(&server, "/software/opencimetiere/adopters?territory=cote-d-or&near=alise-sainte-reine", "fr").await;
    assert_eq!(fr.status, 200);
    assert!(fr.body.contains("les plus proches de Alise-Sainte-Reine d’abord"), "{}", fr.body);
    let first = fr.body.find("<tbody>").unwrap();
    assert!(fr.body[first..].find("Alise-Sainte-Reine").unwrap() < fr.body[first..].find("Venarey").unwrap());
    assert!(fr.body.contains("elle-même") && fr.body.contains("même intercommunalité ou district"));
    assert!(!fr.body.contains(">Arles<"), "Arles is not in the Côte-d'Or");
    let en = get(&server, "/software/opencimetiere/adopters?near=alise-sainte-reine&kind=commune", "en").await;
    assert!(en.body.contains("nearest to Alise-Sainte-Reine first") && en.body.contains("same country"), "{}", en.body);
    // The software page lists the nearest when asked, and keeps the choice in its links.
    let near = get(&server, "/software/opencimetiere?near=alise-sainte-reine", "fr").await;
    assert!(near.body.contains("Les adoptants les plus proches de Alise-Sainte-Reine"), "{}", near.body);
    assert!(near.body.contains("href=\"/software/opencimetiere/adopters?near=alise-sainte-reine\""));
    // Bad filters are named.
    let bad = get(&server, "/software/opencimetiere/adopters?territory=atlantide", "fr").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("territory"), "{}", bad.body);
    let bad = get(&server, "/software/opencimetiere/adopters?statut=active", "fr").await;
    assert_eq!(bad.status, 400);
    // The API gives the same, with each adopter's nearness.
    let (status, _, json) = server.get("/api/v1/software/opencimetiere/adopters?near=alise-sainte-reine&limit=3").await;
    assert_eq!(status, 200);
    assert_eq!(json["items"][0]["organisation"], "alise-sainte-reine");
    assert_eq!(json["items"][0]["proximity"], 0);
    let (status, _, problem) = server.get("/api/v1/software/opencimetiere/adopters?near=atlantide").await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("near")));
});

store_test!(french_names_take_their_articles, |store| {
    let server = demo_server(&store).await;
    let members = get(&server, "/organisations/cote-d-or/members", "fr").await;
    assert!(members.body.contains("<h1>Les membres de la Côte-d&#39;Or</h1>"), "{}", members.body);
    assert!(members.body.contains(">Retour à la Côte-d&#39;Or<"), "{}", members.body);
    let vaud = get(&server, "/organisations/canton-de-vaud/members", "fr").await;
    assert!(vaud.body.contains("<h1>Les membres du canton de Vaud</h1>"), "{}", vaud.body);
    assert!(vaud.body.contains(">Retour au canton de Vaud<"));
    let cc = get(&server, "/organisations/cc-pays-alesia-seine", "fr").await;
    assert!(cc.body.contains("Vous travaillez pour la CC du Pays d&#39;Alésia et de la Seine ?"), "{}", cc.body);
    let english = get(&server, "/organisations/cote-d-or/members", "en").await;
    assert!(english.body.contains("<h1>Members of Côte-d&#39;Or</h1>"), "{}", english.body);
    // The reference data's liaison is kept with the record and given by the API.
    let (_, _, org) = server.get("/api/v1/organisations/cote-d-or").await;
    assert_eq!(org["liaison"], 3);
});

store_test!(untranslated_texts_say_their_language, |store| {
    let server = demo_server(&store).await;
    let en = get(&server, "/software/geocity", "en").await;
    assert!(
        en.body.contains("<h3 lang=\"fr\"><a href=\"/roadmap/1\">Signature électronique des demandes</a></h3>"),
        "{}",
        en.body
    );
    assert!(en.body.contains("<span class=\"meta\" lang=\"fr\">Guichet virtuel"), "{}", en.body);
    let fr = get(&server, "/software/geocity", "fr").await;
    assert!(fr.body.contains("<h3><a href=\"/roadmap/1\">Signature électronique des demandes</a></h3>"));
    let roadmaps = get(&server, "/roadmaps", "en").await;
    assert!(roadmaps.body.contains("lang=\"fr\">Signature électronique des demandes</a>"), "{}", roadmaps.body);
});

store_test!(switzerland_has_its_map_of_cantons, |store| {
    let server = demo_server(&store).await;
    // Geocity is used in Vaud and Neuchâtel: its page draws the cantons.
    let geocity = get(&server, "/software/geocity", "fr").await;
    assert!(geocity.body.contains(".svg#cVD\" fill=\"#"), "{}", geocity.body);
    assert!(geocity.body.contains("<title>Vaud : "), "{}", geocity.body);
    assert!(geocity.body.contains("swiss-maps (BSD-3-Clause)"));
    assert!(!geocity.body.contains("/assets/departements."), "no French map without a French adopter");
    // The adoption dashboard: one map per country, the one with most adoptions first.
    let dashboard = get(&server, "/dashboards/adoption", "en").await;
    let france = dashboard.body.find("/assets/departements.").expect("the French map");
    let switzerland = dashboard.body.find("/assets/cantons.").expect("the Swiss map");
    assert!(france < switzerland);
    // The outlines are an asset of their own, kept a year.
    let href = geocity.body.split("href=\"/assets/cantons").nth(1).unwrap().split('#').next().unwrap();
    let asset = get(&server, &format!("/assets/cantons{href}"), "fr").await;
    assert_eq!(asset.status, 200);
    assert_eq!(asset.body.matches("<path id=\"c").count(), 26);
});

// An organisation's peers of its size are every organisation of its kind and country
// within a factor two of its population, and what they use is counted over all of them.
store_test!(an_organisations_peers_of_its_size_are_all_counted, |store| {
    let server = demo_server(&store).await;
    let (_, _, me) = server.get("/api/v1/organisations/alise-sainte-reine").await;
    let population = me["population"].as_i64().unwrap();
    let (lo, hi) = (population / 2, population * 2);
    let mut peers = std::collections::BTreeSet::new();
    for offset in (0..).step_by(500) {
        let (_, _, list) =
            server.get(&format!("/api/v1/organisations?kind=commune&country=FR&limit=500&offset={offset}")).await;
        let items = list["items"].as_array().unwrap();
        for o in items {
            let p = o["population"].as_i64().unwrap_or(-1);
            if (lo..=hi).contains(&p) && o["slug"] != "alise-sainte-reine" {
                peers.insert(o["slug"].as_str().unwrap().to_string());
            }
        }
        if items.len() < 500 {
            break;
        }
    }
    assert!(peers.len() > 5, "the demo has communes of its size: {peers:?}");
    let html = get(&server, "/organisations/alise-sainte-reine", "fr").await.body;
    let group = &html[html.find("Les organisations de même type et de taille comparable").expect("the size group")..];
    assert!(group.contains(&format!("<p class=\"meta\">{} organisations : ", peers.len())), "{group}");
    // Its first software, counted here from that software's adopters.
    let first = group.split("<a href=\"/software/").nth(1).expect("a software their size use");
    let slug = first.split('"').next().unwrap();
    let shown: i64 = first.split("<td class=\"num\">").nth(1).unwrap().split('<').next().unwrap().parse().unwrap();
    let (_, _, adopters) = server.get(&format!("/api/v1/software/{slug}/adopters?kind=commune&limit=500")).await;
    let users = adopters["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["status"] != "ended" && peers.contains(a["organisation"].as_str().unwrap()))
        .count() as i64;
    assert_eq!(shown, users, "{slug}");
});
