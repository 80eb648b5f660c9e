//! Service offers: the demo's, read by software, provider and place; the CSV import, all
//! or nothing with each bad value at its line and column; the export; the API and pages.

use tests::{communs, database_test, today};

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn keys(offers: &[catalog::Offer]) -> Vec<String> {
    let mut keys: Vec<String> = offers.iter().map(|o| format!("{}/{}/{}", o.provider, o.software, o.kind)).collect();
    keys.sort();
    keys
}

async fn offers_at(store: &catalog::Store, place: &str) -> Vec<String> {
    let filter =
        catalog::OfferFilter { territory: Some(catalog::OrgKey::parse("territory", place).unwrap()), software: vec![] };
    keys(&store.offers(&filter).await.unwrap())
}

const HEADER: &str =
    "provider,software,kind,territories,subscribers,membership_required,price_model,yearly_prices,currency,url,checked_on\n";

database_test!(offers_are_read_by_software_provider_and_place, |db| {
    let store = &db.store;
    store.seed(&catalog::Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    let cemetery = store.software_offers("opencimetiere").await.unwrap();
    assert_eq!(
        keys(&cemetery),
        ["adico/opencimetiere/hosting", "atreal/opencimetiere/support", "atreal/opencimetiere/training"]
    );
    let adico = cemetery.iter().find(|o| o.provider == "adico").unwrap();
    assert_eq!(adico.territories, ["oise"]);
    assert_eq!(adico.subscribers, ["commune", "epci"]);
    assert!(adico.membership_required && adico.demo);
    // A commune of 1,767 inhabitants pays the 500-1999 bracket; Beauvais the open one.
    assert_eq!(adico.price_for(1_767).map(|p| p.yearly.minor), Some(18_000));
    assert_eq!(adico.price_for(55_550).map(|p| p.max_population), Some(None));
    assert_eq!(keys(&store.provider_offers("imio").await.unwrap()), ["imio/ia-delib/hosting", "imio/publik/hosting"]);

    // A commune of the Oise (through its EPCI and département), one of the Côte-d'Or, one
    // of Wallonia (through its province and region), one of Vaud.
    let beauvais = offers_at(store, "allonne").await;
    assert!(beauvais.contains(&"adico/opencimetiere/hosting".to_string()), "{beauvais:?}");
    assert!(beauvais.contains(&"atreal/opencimetiere/support".to_string()), "{beauvais:?}");
    assert!(!beauvais.iter().any(|k| k.starts_with("imio/") || k.starts_with("liip/")), "{beauvais:?}");
    let alise = offers_at(store, "alise-sainte-reine").await;
    assert!(!alise.iter().any(|k| k.starts_with("adico/")), "{alise:?}");
    assert!(alise.contains(&"adullact/pastell/hosting".to_string()), "{alise:?}");
    assert_eq!(offers_at(store, "namur").await, ["imio/ia-delib/hosting", "imio/publik/hosting"]);
    assert_eq!(offers_at(store, "vevey").await, ["liip/geocity/integration"]);
    let filter = catalog::OfferFilter {
        territory: Some(catalog::OrgKey::parse("territory", "allonne").unwrap()),
        software: vec!["opencimetiere".into()],
    };
    assert_eq!(store.offers(&filter).await.unwrap().len(), 3);
    let unknown = catalog::OfferFilter {
        territory: Some(catalog::OrgKey::parse("territory", "nowhere-at-all").unwrap()),
        software: vec![],
    };
    assert!(matches!(store.offers(&unknown).await, Err(catalog::Error::Invalid { field, .. }) if field == "territory"));
});

database_test!(an_offers_file_is_imported_whole_or_not_at_all, |db| {
    let dir = tempfile::tempdir().unwrap();
    communs(&["--database-url", &db.url, "seed"]).await;
    let before = db.store.export_offers().await.unwrap();
    // Every bad value at its line and column, and nothing stored.
    let bad = write(
        dir.path(),
        "bad.csv",
        &format!(
            "{HEADER}\
             adico,opencimetiere,hosting,oise,commune,true,Adhésion,0-499: -90,EUR,,2026-11-16\n\
             adico,opencimetiere,hosting,atlantide,commune,true,Adhésion,,,,2026-11-16\n\
             adico,opencimetiere,hosting,beauvais,commune,true,Adhésion,,,,2026-11-16\n\
             adico,opencimetiere,rental,oise,commune,true,Adhésion,,,,2026-11-16\n\
             adico,opencimetiere,hosting,oise,commune,true,Adhésion,0-499: 90,,,2026-11-16\n\
             adico,opencimetiere,hosting,oise,commune,true,Adhésion,,,,2099-01-01\n"
        ),
    );
    let (code, _, err) = communs(&["--database-url", &db.url, "import", "offers", &bad]).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("bad.csv:2:8: yearly_prices:"), "{err}");
    assert!(err.contains("cannot be negative"), "{err}");
    assert!(err.contains("bad.csv:5:3: kind: \"rental\" is not one of"), "{err}");
    assert!(err.contains("bad.csv:6:9: currency:"), "{err}");
    assert!(err.contains("bad.csv:7:11: checked_on:"), "{err}");
    // The rows that read well are then checked against the catalog: in a file of those
    // alone, the unknown territory and the commune named as one.
    let unresolved = write(
        dir.path(),
        "unresolved.csv",
        &format!(
            "{HEADER}\
             adico,opencimetiere,development,oise,,false,Sur devis,,,,2026-11-16\n\
             adico,opencimetiere,hosting,atlantide,commune,true,Adhésion,,,,2026-11-16\n\
             adico,opencimetiere,support,beauvais,commune,true,Adhésion,,,,2026-11-16\n\
             adico,no-such-software,hosting,oise,commune,true,Adhésion,,,,2026-11-16\n"
        ),
    );
    let (code, _, err) = communs(&["--database-url", &db.url, "import", "offers", &unresolved]).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("unresolved.csv:3:4: no territory atlantide is known"), "{err}");
    assert!(err.contains("unresolved.csv:4:4: beauvais is a commune, not a territory"), "{err}");
    assert!(err.contains("unresolved.csv:5:2: no software no-such-software is known"), "{err}");
    assert_eq!(db.store.export_offers().await.unwrap(), before, "nothing stored from a refused file");

    // A good file updates the offer of the same provider, software and kind, and adds one.
    let good = write(
        dir.path(),
        "good.csv",
        &format!(
            "{HEADER}\
             adico,opencimetiere,hosting,oise; aisne,commune,true,Adhésion 2027,\"0-999: 100; 1000-: 300\",EUR,https://example.org/offre,2026-12-01\n\
             fr-siren:246000798,opencimetiere,training,FR,,false,Sur devis,,,,2026-12-01\n"
        ),
    );
    let (code, out, err) = communs(&["--database-url", &db.url, "import", "offers", &good]).await;
    assert!(err.contains("no territory aisne is known"), "{err}");
    assert_eq!(code, 1);
    let good = write(
        dir.path(),
        "good.csv",
        &format!(
            "{HEADER}\
             adico,opencimetiere,hosting,oise,commune,true,Adhésion 2027,\"0-999: 100; 1000-: 300\",EUR,https://example.org/offre,2026-12-01\n\
             adullact,opencimetiere,training,FR,,false,Sur devis,,,,2026-12-01\n"
        ),
    );
    let (code2, out2, err2) = communs(&["--database-url", &db.url, "import", "offers", &good]).await;
    assert_eq!(code2, 0, "{out} {err2}");
    assert_eq!(out2.trim(), "2 offers imported");
    let after = db.store.software_offers("opencimetiere").await.unwrap();
    assert_eq!(after.len(), 4);
    let adico = after.iter().find(|o| o.provider == "adico").unwrap();
    assert_eq!(adico.price_model, "Adhésion 2027");
    assert_eq!(adico.prices.len(), 2);
    assert_eq!(adico.url.as_deref(), Some("https://example.org/offre"));
    assert!(!adico.demo);
    // Each offer's change is in the software's and the provider's history.
    let history = db.store.history_of(catalog::HistoryOf::Software("opencimetiere"), 50, 0).await.unwrap();
    assert!(history.items.iter().any(|e| e.entity == "offer" && e.entity_key == "adico/opencimetiere/hosting"));

    // The export holds them in the import's format, and imports back unchanged.
    let out_dir = dir.path().join("export");
    let (code, _, err) = communs(&["--database-url", &db.url, "export", out_dir.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read(out_dir.join("offers.csv")).unwrap();
    let parsed = catalog::import::csv::parse_offers(&csv, today()).unwrap();
    assert_eq!(parsed.records.len(), db.store.export_offers().await.unwrap().len());
    let json = std::fs::read_to_string(out_dir.join("offers.json")).unwrap();
    assert!(json.contains("Adhésion 2027"), "{json}");
    let exported = db.store.export_offers().await.unwrap();
    let (code, _, err) =
        communs(&["--database-url", &db.url, "import", "offers", out_dir.join("offers.csv").to_str().unwrap()]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(db.store.export_offers().await.unwrap(), exported);
});

database_test!(offers_in_the_api_and_on_the_pages, |db| {
    communs(&["--database-url", &db.url, "seed"]).await;
    let server = tests::TestServer::start(db.store.clone()).await;
    let (status, _, body) = server.get("/api/v1/software/opencimetiere/offers").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_array().unwrap().len(), 3, "{body}");
    let adico = body.as_array().unwrap().iter().find(|o| o["provider"] == "adico").unwrap();
    assert_eq!(adico["prices"][1]["yearly"]["minor"], 18_000, "{adico}");
    assert_eq!(adico["territory_names"][0], "Oise");
    let (status, _, body) = server.get("/api/v1/offers?territory=allonne&software=opencimetiere").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_array().unwrap().len(), 3, "{body}");
    let (status, _, body) = server.get("/api/v1/offers?territory=fr-insee:21008").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.as_array().unwrap().iter().all(|o| o["provider"] != "adico"), "{body}");
    for (query, field, wanted) in [
        ("territory=nowhere-at-all", "territory", 400),
        ("territory=Pas%20un%20slug", "territory", 400),
        ("software=nothing-of-the-kind", "software", 400),
        ("colour=blue", "colour", 400),
    ] {
        let (status, ctype, body) = server.get(&format!("/api/v1/offers?{query}")).await;
        assert_eq!((status, ctype.as_str()), (wanted, "application/problem+json"), "{query}: {body}");
        assert!(body.to_string().contains(field), "{query}: {body}");
    }
    let (status, _, _) = server.get("/api/v1/software/no-such-software/offers").await;
    assert_eq!(status, 404);

    let page = server.client.get(format!("{}/software/opencimetiere", server.base)).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("Qui peut l’héberger ou vous accompagner"), "the section");
    assert!(html.contains("href=\"/organisations/adico\""), "the provider");
    assert!(html.contains("de 500 à 1 999 habitants") || html.contains("de 500 à 1\u{202f}999 habitants"), "{html}");
    let page = server.client.get(format!("{}/organisations/adico", server.base)).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("Ce que nous proposons aux autres"), "the provider's section");
    assert!(html.contains("href=\"/software/openresultat\""), "its offers");
    let english = server.page("/software/geocity", &[], "en").await;
    assert!(english.contains("Who can host it or support you") && english.contains("integration"), "{english}");
});
