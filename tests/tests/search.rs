//! Search over the demo catalog: what queries understand, facets, sorts, bad input, the
//! index kept in step with the database, and the relevance test set of
//! `tests/relevance/queries.tsv` with its hit rate and nDCG@10.

use catalog::{Actor, Store};
use indexer::search::query::{Filters, Request, Sort};
use server::search::SearchIndex;
use tests::{store_test, today};

const ME: Actor = Actor::System("test");

async fn seeded(store: &Store) {
    store.seed(&ME, &tests::demo_fixtures(), today()).await.unwrap();
}

fn request(q: &str) -> Request {
    Request { q: q.into(), filters: Filters::default(), sort: Sort::Relevance, limit: 10, offset: 0, lang: "fr".into() }
}

/// The record of `slug` as a draft, to be changed and written back.
async fn draft(store: &Store, slug: &str) -> catalog::SoftwareDraft {
    store.export_software().await.unwrap().into_iter().find(|d| d.slug == slug).unwrap()
}

fn slugs(results: &indexer::search::query::Results) -> Vec<String> {
    results.hits.iter().map(|h| h.slug.clone()).collect()
}

/// One line of the relevance set.
struct Case {
    query: String,
    expected: Vec<String>,
    kind: String,
}

fn cases() -> Vec<Case> {
    let text = include_str!("../relevance/queries.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            assert!(fields.len() >= 3, "a line of queries.tsv has query, expected, kind: {l:?}");
            Case {
                query: fields[0].to_string(),
                expected: fields[1].split(',').map(|s| s.trim().to_string()).collect(),
                kind: fields[2].to_string(),
            }
        })
        .collect()
}

#[tokio::test]
async fn the_relevance_set_finds_the_right_tools_in_the_top_three() {
    let db = tests::TestDb::sqlite().await;
    seeded(&db.store).await;
    let index = SearchIndex::in_memory().unwrap();
    index.rebuild(&db.store).await.unwrap();
    let cases = cases();
    assert!(cases.len() >= 150, "{} queries", cases.len());
    let mut by_kind: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let (mut hits, mut gain) = (0, 0.0);
    let mut misses = Vec::new();
    // Every query of the set is in the catalog's domain: none may come back empty.
    let mut empty = Vec::new();
    for case in &cases {
        let results = index.search.search(&request(&case.query)).unwrap();
        if results.total == 0 {
            empty.push(case.query.clone());
        }
        let ranked = slugs(&results);
        let hit = ranked.iter().take(3).any(|s| case.expected.contains(s));
        let entry = by_kind.entry(case.kind.clone()).or_default();
        entry.1 += 1;
        if hit {
            hits += 1;
            entry.0 += 1;
        } else {
            misses.push(format!(
                "  {:?} ({}) expected {:?}, got {:?}",
                case.query,
                case.kind,
                case.expected,
                &ranked[..ranked.len().min(3)]
            ));
        }
        gain += indexer::search::relevance::ndcg_at_10(&ranked, &case.expected);
    }
    let rate = hits as f64 / cases.len() as f64;
    println!(
        "relevance: {hits}/{} queries with an expected software in the top 3: hit rate {:.1} %",
        cases.len(),
        rate * 100.0
    );
    println!("relevance: nDCG@10 {:.3}", gain / cases.len() as f64);
    println!("relevance: {} of {} queries with no result", empty.len(), cases.len());
    for (kind, (h, n)) in &by_kind {
        println!("  {kind}: {h}/{n}");
    }
    for m in &misses {
        println!("{m}");
    }
    assert!(rate >= 0.95, "hit rate {:.1} % is below 95 %:\n{}", rate * 100.0, misses.join("\n"));
    for (kind, (h, n)) in &by_kind {
        assert!(*h as f64 >= 0.9 * *n as f64, "{kind}: {h}/{n} is below 90 %:\n{}", misses.join("\n"));
    }
    assert!(empty.is_empty(), "queries with no result: {empty:?}");
    db.finish().await;
}

store_test!(the_search_api_understands_filters_counts_and_sorts, |store| {
    seeded(&store).await;
    let server = tests::TestServer::start(store.clone()).await;
    let (status, _, body) = server.get("/api/v1/search?q=cimetiere").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["hits"][0]["slug"], "opencimetiere");
    assert!(body["hits"][0]["snippet"].as_str().unwrap().contains("<mark>cimetières</mark>"), "{body}");
    assert!(body["hits"][0]["adopters"].as_i64().unwrap() > 0);
    let facets = body["facets"].as_object().unwrap();
    for facet in ["category", "licence", "kind", "territory", "country", "health", "publiccode"] {
        assert!(facets.contains_key(facet), "{facet} missing");
    }

    // Facets count the results, and combine as filters.
    let (_, _, all) = server.get("/api/v1/search?q=&limit=100").await;
    assert_eq!(all["total"], 47);
    let gis = all["facets"]["category"].as_array().unwrap().iter().find(|c| c["value"] == "sig").unwrap().clone();
    let (_, _, only) = server.get("/api/v1/search?category=sig&limit=100").await;
    assert_eq!(only["total"], gis["count"]);
    let agpl = only["facets"]["licence"].as_array().unwrap().first().unwrap().clone();
    let licence = agpl["value"].as_str().unwrap();
    let (_, _, both) = server.get(&format!("/api/v1/search?category=sig&licence={licence}&limit=100")).await;
    assert_eq!(both["total"], agpl["count"]);
    assert!(both["hits"].as_array().unwrap().len() as i64 == agpl["count"].as_i64().unwrap());
    // Several values of one facet: any of them (OR); across facets, all (AND).
    let slug_set = |body: &serde_json::Value| -> std::collections::BTreeSet<String> {
        body["hits"].as_array().unwrap().iter().map(|h| h["slug"].as_str().unwrap().to_string()).collect()
    };
    let (_, _, courrier) = server.get("/api/v1/search?category=courrier&limit=100").await;
    let (status, _, either) = server.get("/api/v1/search?category=sig,courrier&limit=100").await;
    assert_eq!(status, 200, "{either}");
    let union: std::collections::BTreeSet<String> = slug_set(&only).union(&slug_set(&courrier)).cloned().collect();
    assert!(slug_set(&only).len() < union.len() && slug_set(&courrier).len() < union.len());
    assert_eq!(slug_set(&either), union);
    // The chosen facet still counts each of its values among what the others let through.
    let counted = either["facets"]["category"].as_array().unwrap();
    assert_eq!(counted.iter().find(|c| c["value"] == "sig").unwrap()["count"], gis["count"]);
    let (_, _, narrowed) =
        server.get(&format!("/api/v1/search?category=sig,courrier&licence={licence}&limit=100")).await;
    assert!(slug_set(&narrowed).is_subset(&union) && slug_set(&narrowed).len() < union.len());
    let (_, _, twice) = server.get("/api/v1/search?category=sig,sig&limit=100").await;
    assert_eq!(twice["total"], only["total"]);
    let many = vec!["sig"; 21].join(",");
    for (query, field) in [
        ("category=sig,", "category"),
        ("category=sig,jeux", "category"),
        ("territory=cote-d-or,Not%20A%20Slug", "territory"),
        ("health=good,excellent", "health"),
    ] {
        let (status, _, body) = server.get(&format!("/api/v1/search?{query}")).await;
        assert_eq!((status, body["field"].as_str()), (400, Some(field)), "{query}: {body}");
    }
    let (status, _, _) = server.get(&format!("/api/v1/search?category={many}")).await;
    assert_eq!(status, 200, "the same value many times is one value");
    // On the page, each chosen value is a filter of its own, removed by its own link.
    let page = server.client.get(format!("{}/search?category=sig,courrier", server.base)).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(
        page.contains("href=\"/search?category=courrier\"") && page.contains("href=\"/search?category=sig\""),
        "{page}"
    );

    let (_, _, ch) = server.get("/api/v1/search?country=CH&kind=commune&limit=100").await;
    assert!(ch["total"].as_i64().unwrap() >= 1);
    assert!(ch["hits"].as_array().unwrap().iter().any(|h| h["slug"] == "geocity"), "{ch}");

    // Sorts.
    let (_, _, by_name) = server.get("/api/v1/search?sort=name&limit=100").await;
    // Names compare without case or accents: Démarches Simplifiées among the d.
    let names: Vec<String> = by_name["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| indexer::search::analysis::words_with_stop_words(h["name"].as_str().unwrap()).join(" "))
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names.len(), 47);
    assert_eq!(names, sorted);
    let (_, _, adopted) = server.get("/api/v1/search?sort=adopted&limit=100").await;
    let counts: Vec<i64> =
        adopted["hits"].as_array().unwrap().iter().map(|h| h["adopters"].as_i64().unwrap()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");

    // Paging.
    let (_, _, page2) = server.get("/api/v1/search?sort=name&limit=10&offset=10").await;
    assert_eq!(page2["hits"][0]["name"], by_name["hits"][10]["name"]);

    // Suggestions as one types.
    let (status, _, s) = server.get("/api/v1/suggest?q=cimet").await;
    assert_eq!(status, 200);
    let texts: Vec<&str> = s["suggestions"].as_array().unwrap().iter().map(|x| x["text"].as_str().unwrap()).collect();
    assert!(texts.contains(&"openCimetière"), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("cimeti")), "{texts:?}");
});

store_test!(bad_search_input_is_a_result_or_a_400_that_names_the_parameter, |store| {
    seeded(&store).await;
    let server = tests::TestServer::start(store.clone()).await;
    let long = "cimetière ".repeat(1000);
    for q in [long.as_str(), "\"", "\"\"", ":", "(", "*", "-", "a\"b:c(d*e-f", "-cimetière", "urbanisme:(", "((((((("]
    {
        let r = server.client.get(format!("{}/api/v1/search", server.base)).query(&[("q", q)]).send().await.unwrap();
        assert_eq!(r.status(), 200, "{:?}", &q[..q.len().min(20)]);
        let r = server.client.get(format!("{}/api/v1/suggest", server.base)).query(&[("q", q)]).send().await.unwrap();
        assert_eq!(r.status(), 200, "suggest {:?}", &q[..q.len().min(20)]);
    }
    // A control character has no place in a query: refused, naming the parameter.
    for path in ["/api/v1/search?q=cimeti%00ere", "/api/v1/suggest?q=%1B%5B31m"] {
        let (status, ctype, body) = server.get(path).await;
        assert_eq!((status, ctype.as_str(), body["field"].as_str()), (400, "application/problem+json", Some("q")));
    }
    for (query, parameter) in [
        ("category=jeux", "category"),
        ("licence=GNU", "licence"),
        ("kind=village", "kind"),
        ("country=XX", "country"),
        ("health=excellent", "health"),
        ("publiccode=yes", "publiccode"),
        ("sort=popular", "sort"),
        ("lang=de", "lang"),
        ("offset=-1", "offset"),
        ("offset=99999999", "offset"),
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("limit=abc", "limit"),
        ("territory=Not%20A%20Slug", "territory"),
        ("page=2", "page"),
    ] {
        let (status, ctype, body) = server.get(&format!("/api/v1/search?q=cimetiere&{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(ctype, "application/problem+json", "{query}");
        assert!(body.to_string().contains(parameter), "{query}: {body}");
    }
    // A value no document has is an empty result, not an error.
    let (status, _, body) = server.get("/api/v1/search?territory=nulle-part").await;
    assert_eq!((status, body["total"].as_i64()), (200, Some(0)));
});

store_test!(the_index_follows_the_database_and_catches_up_after_a_crash, |store| {
    seeded(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let open = || SearchIndex::open(dir.path()).unwrap();
    let index = open();
    let organisations = store.count_organisations().await.unwrap() as usize;
    let built = index.rebuild(&store).await.unwrap();
    assert_eq!((built.software, built.organisations), (47, organisations));
    let version = index.search.version();
    assert!(version > 0);
    drop(index);

    // A write the index does not see (the process died before its catch-up).
    let mut d = draft(&store, "opencimetiere").await;
    d.summary.insert("fr".into(), "Plans des allées et des hortensias de la commune".into());
    store.put_software(&ME, &d.validate().unwrap()).await.unwrap();

    let index = open();
    assert_eq!(index.search.version(), version, "the version was kept with the index");
    assert_eq!(index.search.len(), 47, "the documents were kept");
    assert!(slugs(&index.search.search(&request("hortensias")).unwrap()).is_empty());
    let read = index.catch_up(&store).await.unwrap();
    assert_eq!((read.software, read.organisations), (1, 0), "only the changed software is read again");
    assert_eq!(slugs(&index.search.search(&request("hortensia")).unwrap())[0], "opencimetiere");

    // Through the API: a write, then a search, sees the write.
    let server = tests::TestServer::start(store.clone()).await;
    let (_, _, before) = server.get("/api/v1/search?q=begonias").await;
    assert_eq!(before["total"], 0);
    let mut d = draft(&store, "openresultat").await;
    d.summary.insert("fr".into(), "Résultats électoraux et bégonias".into());
    store.put_software(&ME, &d.validate().unwrap()).await.unwrap();
    let (_, _, after) = server.get("/api/v1/search?q=begonias").await;
    assert!(after["hits"].as_array().unwrap().iter().any(|h| h["slug"] == "openresultat"), "{after}");
});

fn encode(q: &str) -> String {
    url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

fn org_slugs(body: &serde_json::Value) -> Vec<String> {
    body["hits"].as_array().unwrap().iter().map(|h| h["slug"].as_str().unwrap().to_string()).collect()
}

store_test!(the_organisation_search_finds_communes_as_officials_type_them, |store| {
    seeded(&store).await;
    let server = tests::TestServer::start(store.clone()).await;
    let ask = |q: &str| {
        let q = q.to_string();
        let path = format!("/api/v1/search/organisations?q={}", encode(&q));
        let server = &server;
        async move {
            let (status, _, body) = server.get(&path).await;
            assert_eq!(status, 200, "{q}: {body}");
            body
        }
    };
    // The commune before the metropolis named after it; accents, ligatures, typos, prefixes.
    assert_eq!(org_slugs(&ask("strasbourg").await)[0], "strasbourg");
    assert_eq!(org_slugs(&ask("hoenheim").await), ["hoenheim"], "Hœnheim without its ligature");
    assert_eq!(org_slugs(&ask("menetreux").await)[0], "menetreux-le-pitois", "without accents");
    assert_eq!(org_slugs(&ask("schiltigeim").await), ["schiltigheim"], "one typo");
    assert_eq!(org_slugs(&ask("illkirch graff").await), ["illkirch-graffenstaden"], "the last word as a prefix");
    assert_eq!(org_slugs(&ask("67482").await), ["strasbourg"], "an INSEE code");
    assert_eq!(org_slugs(&ask("fr-siren:246700488").await), ["eurometropole-strasbourg"], "a SIREN");
    let yverdon = ask("yverdon").await;
    assert_eq!(yverdon["hits"][0]["slug"], "yverdon-les-bains", "{yverdon}");
    assert_eq!(yverdon["hits"][0]["country"], "CH");
    // A parent's name narrows: the communes of the Eurométropole.
    let (_, _, under) = server
        .get("/api/v1/search/organisations?parent=eurometropole-strasbourg&kind=commune&sort=name&limit=100")
        .await;
    let names = org_slugs(&under);
    assert!(names.len() > 5 && names.contains(&"schiltigheim".to_string()), "{under}");
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sorted by name");
    assert_eq!(under["facets"]["kind"][0]["value"], "commune");
    let (_, _, epci) = server.get("/api/v1/search/organisations?q=strasbourg&kind=epci").await;
    assert_eq!(org_slugs(&epci), ["eurometropole-strasbourg"]);
    let commune_count = under["total"].as_i64().unwrap();
    let (_, _, by_kind) = server.get("/api/v1/search/organisations?parent=eurometropole-strasbourg").await;
    assert!(by_kind["total"].as_i64().unwrap() >= commune_count);

    // Bad input: a 400 naming the parameter; an unknown parent is an empty result.
    for (query, parameter) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("offset=-1", "offset"),
        ("kind=village", "kind"),
        ("country=ZZZ", "country"),
        ("sort=size", "sort"),
        ("parent=Not%20a%20slug!", "parent"),
        ("colour=blue", "colour"),
    ] {
        let (status, _, body) = server.get(&format!("/api/v1/search/organisations?q=strasbourg&{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body.to_string().contains(parameter), "{query}: {body}");
    }
    let (status, _, body) = server.get("/api/v1/search/organisations?parent=nulle-part").await;
    assert_eq!((status, body["total"].as_i64()), (200, Some(0)));
    for q in ["\"", ":(*-", &"saint ".repeat(2000)] {
        let (status, _, _) = server.get(&format!("/api/v1/search/organisations?q={}", encode(q))).await;
        assert_eq!(status, 200, "{q:.20}");
    }

    // A new commune, and a renamed EPCI, are found by the next search.
    let before = ask("hortensia").await;
    assert_eq!(before["total"], 0);
    let commune = catalog::OrganisationDraft {
        slug: "hortensia-sur-ill".into(),
        name: "Hortensia-sur-Ill".into(),
        kind: "commune".into(),
        country: "FR".into(),
        parents: vec!["eurometropole-strasbourg".into()],
        ..Default::default()
    };
    store.put_organisations(&ME, &[commune.validate().unwrap()]).await.unwrap();
    assert_eq!(org_slugs(&ask("hortensia").await), ["hortensia-sur-ill"]);
    let epci = catalog::OrganisationDraft {
        slug: "eurometropole-strasbourg".into(),
        name: "Eurométropole des Hortensias".into(),
        kind: "epci".into(),
        country: "FR".into(),
        identifiers: vec!["fr-siren:246700488".into()],
        parents: vec!["bas-rhin".into()],
        ..Default::default()
    };
    store.put_organisations(&ME, &[epci.validate().unwrap()]).await.unwrap();
    let renamed = ask("schiltigheim").await;
    let parents = renamed["hits"][0]["parents"].to_string();
    assert!(parents.contains("Eurométropole des Hortensias"), "the commune's document names its EPCI anew: {parents}");
    // By name first, then the communes whose EPCI has the word.
    let mut named = org_slugs(&ask("hortensias").await)[..2].to_vec();
    named.sort();
    assert_eq!(named, ["eurometropole-strasbourg", "hortensia-sur-ill"]);
});

store_test!(queries_typed_as_people_type_them_lead_somewhere, |store| {
    seeded(&store).await;
    let server = tests::TestServer::start(store.clone()).await;
    let search = |q: &'static str| {
        let client = server.client.clone();
        let url = format!("{}/api/v1/search", server.base);
        async move {
            let r = client.get(url).query(&[("q", q)]).send().await.unwrap();
            assert_eq!(r.status(), 200, "{q}");
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let first = |body: &serde_json::Value| body["hits"][0]["slug"].as_str().unwrap_or("").to_string();
    // Words that name no subject do not empty the results.
    for q in ["gestion cimetiere commune", "cimetiere mairie", "je cherche un logiciel de gestion du cimetiere"] {
        let body = search(q).await;
        assert_eq!((first(&body).as_str(), body["partial"].as_bool()), ("opencimetiere", Some(false)), "{q}: {body}");
    }
    // The trade's words: the funeral trade's, and GéoCity's adopters' own.
    assert_eq!(first(&search("pompes funebres").await), "opencimetiere");
    let body = search("autorisations de fouille").await;
    assert_eq!(first(&body), "geocity", "{body}");
    let body = search("police des constructions").await;
    assert!(body["hits"].as_array().unwrap().iter().take(5).any(|h| h["slug"] == "geocity"), "{body}");
    // No record has every word: the closest come, and the answer says so.
    let body = search("salle des fetes reservation").await;
    assert_eq!(body["partial"], true, "{body}");
    assert!(!body["hits"].as_array().unwrap().is_empty(), "{body}");
    // Records that cover more of the query come first in a partial answer.
    let body = search("cimetiere reservation licornes").await;
    assert_eq!((first(&body).as_str(), body["partial"].as_bool()), ("opencimetiere", Some(true)), "{body}");
    // A query of such words alone is read as it is.
    let body = search("logiciel").await;
    assert!(body["total"].as_u64().unwrap() > 1 && body["partial"] == false, "{body}");
    // Nothing at all in the domain: still an answer, empty, not partial.
    let body = search("licornes xylophones").await;
    assert_eq!((body["total"].as_u64(), body["partial"].as_bool()), (Some(0), Some(false)), "{body}");
    // The page says it in the reader's language.
    for (lang, text) in [("fr", "voici les plus proches"), ("en", "here are the closest")] {
        let page = server.page("/search", &[("q", "salle des fetes reservation")], lang).await;
        assert!(page.contains(text), "{lang}");
    }
    let page = server.client.get(format!("{}/search?q=cimetiere", server.base)).send().await.unwrap().text().await;
    assert!(!page.unwrap().contains("voici les plus proches"));

    // What adopters write of their use and the roadmap's titles are searched, and kept in
    // step with the database.
    let body = search("abreuvoirs communaux").await;
    assert_eq!(body["total"], 0, "{body}");
    let item = catalog::RoadmapItemDraft {
        software: "geotrek".into(),
        slug: "abreuvoirs".into(),
        title: "Inventaire des abreuvoirs communaux".into(),
        body: None,
        status: "proposed".into(),
        estimated_cost: None,
        target_date: None,
        needed_by: vec![],
        demo: false,
    };
    store.put_roadmap_item(&ME, &item.validate().unwrap()).await.unwrap();
    assert_eq!(first(&search("abreuvoirs communaux").await), "geotrek");
});

store_test!(the_change_logs_stay_bounded_and_readers_behind_still_catch_up, |store| {
    seeded(&store).await;
    let behind = SearchIndex::in_memory().unwrap();
    behind.catch_up(&store).await.unwrap();
    behind.pruned().await;
    // A re-import of every commune of the sample, twice, and three edits of one record.
    let communes = catalog::import::communes::CommuneData::read_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/communes-sample"),
    )
    .unwrap();
    for _ in 0..2 {
        store.import_communes(&ME, &communes).await.unwrap();
    }
    for word in ["zorglubs", "schtroumpfs", "jardinsdusouvenir"] {
        let mut d = draft(&store, "opencimetiere").await;
        d.summary.insert("fr".into(), format!("Gestion des cimetières et des {word}."));
        store.put_software(&ME, &d.validate().unwrap()).await.unwrap();
    }
    let (software_rows, organisation_rows) = store.change_rows().await.unwrap();
    let organisations = store.count_organisations().await.unwrap();
    assert!(organisation_rows > organisations, "{organisation_rows} rows for {organisations} organisations");
    // Another process's index catches up, and prunes in the background (a process prunes
    // once a minute at most, and this one never has): one row per entity at most is left.
    let ahead = SearchIndex::in_memory().unwrap();
    ahead.catch_up(&store).await.unwrap();
    ahead.pruned().await;
    let (software_after, organisations_after) = store.change_rows().await.unwrap();
    assert!(software_after < software_rows, "{software_after} of {software_rows}");
    assert!(software_after <= store.count_software().await.unwrap());
    assert!(organisations_after <= organisations, "{organisations_after} rows for {organisations} organisations");
    // A reader left behind before the writes still finds everything they changed.
    behind.catch_up(&store).await.unwrap();
    for index in [&ahead, &behind] {
        let hits = slugs(&index.search.search(&request("jardinsdusouvenir")).unwrap());
        assert_eq!(hits, ["opencimetiere"]);
        assert!(slugs(&index.search.search(&request("zorglubs")).unwrap()).is_empty());
        let request = indexer::search::organisations::OrganisationRequest {
            q: "agencourt".into(),
            kind: None,
            country: None,
            parent: None,
            sort: indexer::search::organisations::OrganisationSort::Relevance,
            limit: 5,
            offset: 0,
        };
        let found = index.organisations.search(&request).unwrap();
        assert_eq!(found.hits.first().map(|h| h.name.as_str()), Some("Agencourt"));
    }
    // Pruning again keeps them as they are.
    assert_eq!(store.prune_changes(5_000).await.unwrap(), 0);
    assert_eq!(store.change_rows().await.unwrap(), (software_after, organisations_after));
});

store_test!(no_query_is_a_dead_end, |store| {
    seeded(&store).await;
    let server = tests::TestServer::start(store.clone()).await;
    // A word too far from any for the typo tolerance: the nearest known word is offered,
    // and the closest category's most adopted tools.
    let (status, _, body) = server.get("/api/v1/search?q=urbnsme").await;
    assert_eq!((status, body["total"].as_u64()), (200, Some(0)), "{body}");
    assert_eq!(body["did_you_mean"], "urbanisme", "{body}");
    let guidance = &body["guidance"];
    assert_eq!(guidance["closest"]["slug"], "urbanisme", "{body}");
    let popular: Vec<&str> =
        guidance["popular"].as_array().unwrap().iter().map(|h| h["slug"].as_str().unwrap()).collect();
    assert!(!popular.is_empty() && popular.len() <= 3, "{body}");
    assert!(guidance["categories"].as_array().unwrap().len() > 10, "{body}");
    // Nothing near at all: the categories still, no closest, no correction.
    let (_, _, body) = server.get("/api/v1/search?q=licornes").await;
    assert!(body["guidance"]["closest"].is_null() && body.get("did_you_mean").is_none(), "{body}");
    assert!(!body["guidance"]["categories"].as_array().unwrap().is_empty());
    // A word the typo tolerance or the thesaurus already reads is not corrected.
    for q in ["cimetiere", "cimetirre", "cmetiere"] {
        let (_, _, body) = server.get(&format!("/api/v1/search?q={q}")).await;
        assert!(body["total"].as_u64().unwrap() > 0, "{q}: {body}");
        assert!(body.get("did_you_mean").is_none() && body.get("guidance").is_none(), "{q}: {body}");
    }
    // Organisations and categories in the same answer, when asked for.
    let (_, _, body) = server.get("/api/v1/search?q=urbanisme&include=organisations,categories").await;
    assert_eq!(body["categories"][0]["slug"], "urbanisme", "{body}");
    assert!(body["categories"][0]["count"].as_u64().unwrap() >= 3);
    let (_, _, body) = server.get("/api/v1/search?q=arles&include=organisations").await;
    assert_eq!(body["organisations"][0]["slug"], "arles", "{body}");
    assert!(body.get("categories").is_none());
    let (_, _, body) = server.get("/api/v1/search?q=lausanne%20urbanisme&include=organisations").await;
    let named: Vec<&str> =
        body["organisations"].as_array().unwrap().iter().map(|o| o["slug"].as_str().unwrap()).collect();
    assert_eq!(named, ["lausanne"], "{body}");
    let (_, _, body) = server.get("/api/v1/search?q=arles").await;
    assert!(body.get("organisations").is_none() && body.get("categories").is_none());
    let (status, _, body) = server.get("/api/v1/search?q=arles&include=organisations,people").await;
    assert_eq!((status, body["field"].as_str()), (400, Some("include")), "{body}");
    // Only stop words, or punctuation: an answer, never an error.
    for q in ["de%20la%20des", "%3F%21%2E", "the%20of%20and"] {
        let (status, _, _) = server.get(&format!("/api/v1/search?q={q}")).await;
        assert_eq!(status, 200, "{q}");
    }
    // The page answers such queries as pages, and a control character as a page naming it.
    let long = "cimetière ".repeat(1000);
    for q in ["de la des", "?!.", "\"(*-:", long.as_str()] {
        let r = server.client.get(format!("{}/search", server.base)).query(&[("q", q)]).send().await.unwrap();
        assert_eq!(r.status(), 200, "{:?}", &q[..q.len().min(20)]);
    }
    let r = server.client.get(format!("{}/search?q=cimeti%00ere", server.base)).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("q: holds a control character"));
    // The page offers them in the reader's language.
    let server = &server;
    let page = |q: &'static str, lang: &'static str| async move { server.page("/search", &[("q", q)], lang).await };
    let fr = page("urbnsme", "fr").await;
    assert!(fr.contains("Vouliez-vous dire <a href=\"/search?q=urbanisme\">urbanisme</a>"), "{fr}");
    assert!(fr.contains("Les plus adoptés en « Urbanisme et permis de construire »"), "{fr}");
    assert!(page("urbnsme", "en").await.contains("Did you mean"));
    assert!(page("licornes", "fr").await.contains("Parcourir les catégories"));
    assert!(page("licornes", "en").await.contains("Browse the categories"));
    let beside = page("lausanne urbanisme", "fr").await;
    assert!(beside.contains("href=\"/organisations/lausanne\""), "{beside}");
    assert!(page("urbanisme", "fr").await.contains("href=\"/search?category=urbanisme\""));
});

// A catch-up reads a few software's documents by another way than a rebuild reads them all
// (their adopters' parents, not every link): both give the same documents.
store_test!(a_document_read_alone_is_the_one_a_rebuild_reads, |store| {
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    let all = store.search_documents(None).await.unwrap();
    assert!(all.iter().any(|d| !d.territories.is_empty()), "the demo has adopters in territories");
    for d in &all {
        let alone = store.search_documents(Some(&[d.id])).await.unwrap();
        assert_eq!(alone.len(), 1);
        let a = &alone[0];
        assert_eq!(
            (&a.territories, &a.territory_names, &a.adopter_names, &a.adopter_kinds, &a.countries),
            (&d.territories, &d.territory_names, &d.adopter_names, &d.adopter_kinds, &d.countries),
            "{}",
            d.slug
        );
    }
});

store_test!(a_declaration_counts_at_once_and_its_adopter_is_found_once_committed, |store| {
    seeded(&store).await;
    let index = SearchIndex::in_memory().unwrap();
    index.catch_up(&store).await.unwrap();
    let adopters = |index: &SearchIndex| {
        let found = index.search.search(&request("cimetiere")).unwrap();
        found.hits.iter().find(|h| h.slug == "opencimetiere").map(|h| h.adopters).unwrap()
    };
    let before = adopters(&index);
    // A commune whose name no record holds yet.
    let org = catalog::OrganisationDraft {
        slug: "vaux-les-glycines".into(),
        name: "Vaux-les-Glycines".into(),
        kind: "commune".into(),
        country: "FR".into(),
        ..Default::default()
    };
    store.put_organisation(&ME, &org.validate().unwrap()).await.unwrap();
    index.catch_up(&store).await.unwrap();
    assert!(index.search.search(&request("glycines")).unwrap().hits.is_empty());
    let adoption = catalog::AdoptionDraft {
        software: "opencimetiere".into(),
        organisation: "vaux-les-glycines".into(),
        since: today().to_string(),
        status: "active".into(),
        ..Default::default()
    };
    store.put_adoption(&ME, &adoption.validate(today()).unwrap()).await.unwrap();
    let read = index.catch_up(&store).await.unwrap();
    assert_eq!(read.software, 1);
    // The figures at once, whether or not the text is committed yet.
    assert_eq!(adopters(&index), before + 1);
    // The adopter's name once the text is.
    index.text_committed().await;
    assert_eq!(slugs(&index.search.search(&request("glycines")).unwrap()), ["opencimetiere"]);
    // What a software says of itself is found without waiting.
    let mut d = draft(&store, "opencimetiere").await;
    d.summary.insert("fr".into(), "Gestion des cimetières et des ossuaires".into());
    store.put_software(&ME, &d.validate().unwrap()).await.unwrap();
    index.catch_up(&store).await.unwrap();
    assert_eq!(slugs(&index.search.search(&request("ossuaires")).unwrap()), ["opencimetiere"]);
    // Nothing is left waiting (that the version kept on disk covers it is the next test's).
    let version = index.search.version();
    assert!(!index.search.has_pending());

    // Through the API: an answer made while the text was behind is not kept for the
    // catalog's version, so the adopter is found once its text is committed.
    let server = tests::TestServer::start(store.clone()).await;
    let (_, _, body) = server.get("/api/v1/search?q=chataigniers").await;
    assert_eq!(body["total"], 0, "{body}");
    let org = catalog::OrganisationDraft {
        slug: "ville-aux-chataigniers".into(),
        name: "Ville-aux-Châtaigniers".into(),
        kind: "commune".into(),
        country: "FR".into(),
        ..Default::default()
    };
    store.put_organisation(&ME, &org.validate().unwrap()).await.unwrap();
    server.get("/api/v1/search?q=chataigniers").await;
    let adoption = catalog::AdoptionDraft { organisation: "ville-aux-chataigniers".into(), ..adoption };
    store.put_adoption(&ME, &adoption.validate(today()).unwrap()).await.unwrap();
    let mut found = false;
    for _ in 0..100 {
        let (_, _, body) = server.get("/api/v1/search?q=chataigniers").await;
        if body["hits"].as_array().unwrap().iter().any(|h| h["slug"] == "opencimetiere") {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(found, "the adopter's name never found the software");
    assert!(version > 0);
});

store_test!(text_committed_in_the_background_is_kept_with_its_version, |store| {
    seeded(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    index.rebuild(&store).await.unwrap();
    let org = catalog::OrganisationDraft {
        slug: "vaux-les-glycines".into(),
        name: "Vaux-les-Glycines".into(),
        kind: "commune".into(),
        country: "FR".into(),
        ..Default::default()
    };
    store.put_organisation(&ME, &org.validate().unwrap()).await.unwrap();
    let adoption = catalog::AdoptionDraft {
        software: "opencimetiere".into(),
        organisation: "vaux-les-glycines".into(),
        since: today().to_string(),
        status: "active".into(),
        ..Default::default()
    };
    store.put_adoption(&ME, &adoption.validate(today()).unwrap()).await.unwrap();
    assert_eq!(index.catch_up(&store).await.unwrap().software, 1);
    index.text_committed().await;
    drop(index);
    // Opened again, the index reads nothing more: its commit kept the version it reached.
    let index = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(index.catch_up(&store).await.unwrap().software, 0);
    assert_eq!(slugs(&index.search.search(&request("glycines")).unwrap()), ["opencimetiere"]);
});
