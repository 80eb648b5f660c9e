//! "Before you tender": the report's ranking on the demo, for a commune with neighbour
//! adopters, for Swiss and Belgian communes, for one with no neighbour; its JSON and its
//! page; and the bad questions.

use tests::{communs, database_test};

async fn report(server: &tests::TestServer, query: &str) -> serde_json::Value {
    let (status, _, body) = server.get(&format!("/api/v1/tender?{query}")).await;
    assert_eq!(status, 200, "{query}: {body}");
    body
}

fn slugs(body: &serde_json::Value) -> Vec<String> {
    body["candidates"].as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap().to_string()).collect()
}

fn reasons(candidate: &serde_json::Value) -> Vec<String> {
    candidate["reasons"].as_array().unwrap().iter().map(|r| r["reason"].as_str().unwrap().to_string()).collect()
}

database_test!(the_report_ranks_the_candidates_for_an_organisation, |db| {
    communs(&["--database-url", &db.url, "seed"]).await;
    let server = tests::TestServer::start(db.store.clone()).await;

    // Alise-Sainte-Reine and its 24 neighbours of the Pays d'Alésia pilot openCimetière.
    let body = report(&server, "need=cimeti%C3%A8re&for=alise-sainte-reine").await;
    assert_eq!(slugs(&body)[0], "opencimetiere", "{body}");
    let first = &body["candidates"][0];
    assert_eq!(body["organisation"]["epci"][0]["slug"], "cc-pays-alesia-seine", "{body}");
    assert_eq!(body["organisation"]["areas"][0]["slug"], "cote-d-or", "{body}");
    assert_eq!(first["nearby"][0], 1, "it uses it itself: {first}");
    assert!(first["nearby"][1].as_i64().unwrap() >= 20, "the EPCI's communes: {first}");
    assert!(reasons(first).contains(&"used_here".to_string()), "{first}");
    assert!(reasons(first).contains(&"nearby".to_string()), "{first}");
    // The nearest adopters come first: itself, then the EPCI's.
    let nearest = first["nearest"].as_array().unwrap();
    assert_eq!(nearest[0]["organisation"], "alise-sainte-reine", "{first}");
    assert_eq!(nearest[1]["proximity"], 1, "{first}");
    // Offers where it is: the FR-wide ones, not the Oise's.
    let providers: Vec<&str> =
        first["offers"].as_array().unwrap().iter().map(|o| o["provider"].as_str().unwrap()).collect();
    assert!(providers.contains(&"atreal") && !providers.contains(&"adico"), "{providers:?}");
    // The demo records 18 fundings of openCimetière: their sums by year are there.
    assert!(!first["funded_by_year"].as_array().unwrap().is_empty(), "{first}");
    assert_eq!(body["demo"], true);
    // Organisations of its size (its kind and country, half to twice its population,
    // itself aside, in use), counted here from the adopters' own records.
    let population = body["organisation"]["population"].as_i64().unwrap();
    let mut some = false;
    for c in body["candidates"].as_array().unwrap() {
        let slug = c["slug"].as_str().unwrap();
        let (_, _, adopters) = server.get(&format!("/api/v1/software/{slug}/adopters?kind=commune&limit=500")).await;
        let mut peers = 0;
        for a in adopters["items"].as_array().unwrap() {
            let p = a["population"].as_i64().unwrap_or(-1);
            if a["status"] == "ended"
                || a["organisation"] == "alise-sainte-reine"
                || p < population / 2
                || p > population * 2
            {
                continue;
            }
            let (_, _, org) =
                server.get(&format!("/api/v1/organisations/{}", a["organisation"].as_str().unwrap())).await;
            peers += i64::from(org["country"] == "FR");
        }
        assert_eq!(c["similar_size"], peers, "{slug}: {c}");
        some |= peers > 0;
    }
    assert!(some, "some candidate is used by communes of its size");

    // A commune of the Oise: ADICO's offer counts for it.
    let body = report(&server, "need=cimeti%C3%A8re&for=allonne").await;
    let first = &body["candidates"].as_array().unwrap().iter().find(|c| c["slug"] == "opencimetiere").unwrap().clone();
    let providers: Vec<&str> =
        first["offers"].as_array().unwrap().iter().map(|o| o["provider"].as_str().unwrap()).collect();
    assert!(providers.contains(&"adico"), "{providers:?}");
    // Two EPCI of the Oise use it: its département, beyond its own EPCI.
    assert!(first["nearby"][2].as_i64().unwrap() >= 2, "{first}");

    // Swiss and Belgian communes: cantons and provinces are their areas.
    let body = report(&server, "category=urbanisme&for=vevey").await;
    assert_eq!(body["organisation"]["areas"][0]["slug"], "canton-de-vaud", "{body}");
    assert!(slugs(&body).contains(&"geocity".to_string()), "{body}");
    let body = report(&server, "need=d%C3%A9lib%C3%A9rations&for=namur").await;
    assert_eq!(body["organisation"]["areas"][0]["slug"], "province-namur", "{body}");
    assert_eq!(body["organisation"]["regions"][0]["slug"], "region-wallonne", "{body}");

    // An organisation with no neighbour adopter still gets candidates, ranked by the
    // search and by organisations of its size.
    let body = report(&server, "need=cimeti%C3%A8re&for=charleroi").await;
    assert!(!slugs(&body).is_empty(), "{body}");
    assert!(reasons(&body["candidates"][0]).contains(&"no_neighbours".to_string()), "{body}");
    // Without an organisation: candidates without nearness.
    let body = report(&server, "need=cimeti%C3%A8re").await;
    assert_eq!(slugs(&body)[0], "opencimetiere");
    assert!(body["organisation"].is_null());
});

database_test!(the_report_page_and_its_bad_questions, |db| {
    communs(&["--database-url", &db.url, "seed"]).await;
    let server = tests::TestServer::start(db.store.clone()).await;
    let get = |path: String| {
        let client = server.client.clone();
        let url = format!("{}{path}", server.base);
        async move {
            let r = client.get(url).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.text().await.unwrap())
        }
    };
    // The form alone.
    let (status, html) = get("/tender".into()).await;
    assert_eq!(status, 200);
    assert!(html.contains("Avant de lancer un marché") && html.contains("name=\"need\""), "{html}");
    // An organisation alone (its page's link) fills in the form, and asks nothing yet.
    let (status, html) = get("/tender?for=alise-sainte-reine".into()).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("value=\"alise-sainte-reine\"") && !html.contains("id=\"report\""), "{html}");
    // The report: the candidates, the reasons, the adopters, the offers, the questions, the
    // downloads and the live address for print.
    let (status, html) = get("/tender?need=cimeti%C3%A8re&for=fr-insee:21008".into()).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"candidate-opencimetiere\""), "{html}");
    assert!(html.contains("Votre organisation l’utilise déjà."), "{html}");
    assert!(html.contains("Préparé pour Alise-Sainte-Reine"), "{html}");
    assert!(html.contains("Ce qu’il faut demander"), "{html}");
    assert!(html.contains("href=\"/api/v1/tender?need=cimeti%C3%A8re&#38;for=fr-insee%3A21008\""), "{html}");
    assert!(html.contains("class=\"print-only\""), "{html}");
    // Bad questions: the form again, the field named, a 400.
    for (query, field, says) in [
        ("need=", "need", "say what the software must do"),
        ("need=cimeti%C3%A8re&for=nowhere-at-all", "for", "no organisation nowhere-at-all is known"),
        ("category=astrologie", "category", "no category astrologie exists"),
        ("need=x&colour=blue", "colour", "colour"),
    ] {
        let (status, html) = get(format!("/tender?{query}")).await;
        assert_eq!(status, 400, "{query}: {html}");
        assert!(html.contains(says), "{query}: {html}");
        let (status, _, body) = server.get(&format!("/api/v1/tender?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["field"], field, "{query}: {body}");
    }
    // English.
    let english = server.page("/tender?category=etat-civil", &[], "en").await;
    assert!(english.contains("Before you tender") && english.contains("What to ask"), "{english}");
});

database_test!(the_report_as_an_opendocument_file, |db| {
    communs(&["--database-url", &db.url, "seed"]).await;
    let server = tests::TestServer::start(db.store.clone()).await;
    let url = format!("{}/tender.odt?need=cimeti%C3%A8re&for=alise-sainte-reine", server.base);
    let r = server.client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/vnd.oasis.opendocument.text");
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("avant-marche-alise-sainte-reine.odt"));
    let bytes = r.bytes().await.unwrap().to_vec();
    // The media type first, stored, at the offset readers sniff.
    assert_eq!(&bytes[30..38], b"mimetype");
    assert_eq!(&bytes[38..38 + 39], b"application/vnd.oasis.opendocument.text");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let names: Vec<String> = archive.file_names().map(str::to_string).collect();
    for wanted in ["mimetype", "content.xml", "styles.xml", "meta.xml", "META-INF/manifest.xml"] {
        assert!(names.iter().any(|n| n == wanted), "{wanted} in {names:?}");
    }
    let read = |archive: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut archive.by_name(name).unwrap(), &mut text).unwrap();
        text
    };
    for name in ["styles.xml", "meta.xml", "META-INF/manifest.xml"] {
        roxmltree::Document::parse(&read(&mut archive, name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let content = read(&mut archive, "content.xml");
    let doc = roxmltree::Document::parse(&content).unwrap();
    let table_ns = "urn:oasis:names:tc:opendocument:xmlns:table:1.0";
    let text_ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";
    let tables = doc.descendants().filter(|n| n.has_tag_name((table_ns, "table"))).count();
    assert!(tables >= 3, "real tables: {tables}");
    // The same candidates as the page, in the same order.
    let (_, _, json) = server.get("/api/v1/tender?need=cimeti%C3%A8re&for=alise-sainte-reine").await;
    let headings: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name((text_ns, "h")) && n.attribute((text_ns, "outline-level")) == Some("2"))
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect();
    let names: Vec<String> = json["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{}. {}", i + 1, c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(&headings[..names.len()], &names[..], "{headings:?}");
    assert!(content.contains("Alise-Sainte-Reine"), "the organisation");
    assert!(content.contains("Ce qu’il faut demander"), "the questions");
    // Where LibreOffice is installed, it converts the file (an optional check).
    if std::process::Command::new("soffice").arg("--version").output().is_ok_and(|o| o.status.success()) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("report.odt");
        std::fs::write(&file, &bytes).unwrap();
        let done = std::process::Command::new("soffice")
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(dir.path())
            .arg(&file)
            .output()
            .unwrap();
        assert!(done.status.success() && dir.path().join("report.pdf").exists(), "{done:?}");
    }
    // A bad question is named, as for the page.
    let (status, _, body) = server.get("/tender.odt?need=").await;
    assert_eq!((status, body["field"].as_str()), (400, Some("need")), "{body}");
});
