//! Imports of the other catalogues' exports, on SQLite and PostgreSQL, through the command
//! line: Developers Italia's API answers (`tests/catalogues/developers-italia.json`). A
//! first run creates the records and keeps where each came from; a second changes nothing
//! (not even the catalog's version); a changed entry updates its record, matched by its
//! repository. Bad files (a wrong shape, a record with a bad address, an invalid
//! publiccode.yml) import nothing, and the errors name the record.

use tests::{communs, database_test};

fn example(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogues").join(name)
}

database_test!(developers_italia_answers_are_imported_once, |db| {
    let file = example("developers-italia.json");
    let path = file.to_str().unwrap();
    let (code, out, err) = communs(&["--database-url", &db.url, "import", "developers-italia", path]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("3 created, 0 updated, 0 unchanged, 1 skipped (inactive)"), "{out}");
    assert!(out.contains("software decidim created"), "{out}");
    assert!(out.contains("skipped, no longer active"), "{out}");
    let store = &db.store;
    assert_eq!(store.count_software().await.unwrap(), 3);
    // Each record keeps where it came from, and when.
    let (source, _) = store.publiccode_origin("decidim").await.unwrap().expect("kept");
    assert_eq!(source, "developers-italia:0b5e1a8e-6c1c-4d1e-9a55-2f4c6f2a0c01");

    // A second run of the same answer changes nothing.
    let (version, events) = (store.version().await.unwrap(), store.audit_count().await.unwrap());
    let (code, out, _) = communs(&["--database-url", &db.url, "import", "developers-italia", path]).await;
    assert_eq!(code, 0);
    assert!(out.contains("0 created, 0 updated, 3 unchanged, 1 skipped (inactive)"), "{out}");
    assert_eq!((store.version().await.unwrap(), store.audit_count().await.unwrap()), (version, events));

    // The catalogue changes an entry: its record is updated, found by its repository.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let changed = text.replacen("name: Decidim", "name: Decidim Italia", 1);
    assert_ne!(changed, text);
    std::fs::write(dir.path().join("page-1.json"), changed).unwrap();
    let folder = dir.path().to_str().unwrap();
    let (code, out, err) = communs(&["--database-url", &db.url, "import", "developers-italia", folder]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 created, 1 updated, 2 unchanged"), "{out}");
    assert_eq!(store.software("decidim").await.unwrap().name, "Decidim Italia");
    assert_eq!(store.count_software().await.unwrap(), 3);
});

database_test!(a_bad_developers_italia_file_imports_nothing, |db| {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example("developers-italia.json")).unwrap();
    let mut page: serde_json::Value = serde_json::from_str(&text).unwrap();
    let run = |name: &'static str, body: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        let url = db.url.clone();
        async move {
            let path = path.to_str().unwrap().to_string();
            communs(&["--database-url", &url, "import", "developers-italia", &path]).await
        }
    };

    // A wrong shape.
    let (code, _, err) = run("shape.json", r#"{"items": [{"name": "x"}]}"#.into()).await;
    assert_eq!(code, 1);
    assert!(err.contains("shape.json") && err.contains("Developers Italia"), "{err}");

    // A good entry, then one on this machine and one whose document is not valid: both
    // named, the good one not imported.
    page["data"][1]["url"] = "http://127.0.0.1/signals".into();
    page["data"][2]["publiccodeYml"] = "publiccodeYmlVersion: \"0.4\"\nname: Catala\n".into();
    let (code, out, err) = run("bad.json", page.to_string()).await;
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("bad.json: data[1] (http://127.0.0.1/signals)"), "{err}");
    assert!(err.contains("loopback"), "{err}");
    assert!(err.contains("bad.json: data[2] (https://github.com/CatalaLang/catala): publiccodeYml"), "{err}");
    assert!(err.contains("2 record(s) refused; nothing was imported"), "{err}");
    assert_eq!(db.store.count_software().await.unwrap(), 0);

    // Two entries of one repository under two names are one record: the later one wins.
    let mut page: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut twin = page["data"][0].clone();
    twin["id"] = "twin".into();
    twin["publiccodeYml"] =
        twin["publiccodeYml"].as_str().unwrap().replacen("name: Decidim", "name: Decidim Bis", 1).into();
    page["data"].as_array_mut().unwrap().push(twin);
    let (code, out, err) = run("twins.json", page.to_string()).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("3 created, 1 updated"), "{out}");
    assert_eq!(db.store.software("decidim").await.unwrap().name, "Decidim Bis");

    // A missing file.
    let (code, _, err) =
        communs(&["--database-url", &db.url, "import", "developers-italia", "/nonexistent/x.json"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("no such file"), "{err}");
});

database_test!(code_gouv_forge_accounts_are_recorded_for_their_bodies, |db| {
    let store = db.store.clone();
    store.seed(&catalog::Actor::System("test"), &tests::demo_fixtures(), tests::today()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &'static str, body: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        let url = db.url.clone();
        async move {
            let path = path.to_str().unwrap().to_string();
            communs(&["--database-url", &url, "import", "code-gouv", &path]).await
        }
    };
    let text = std::fs::read_to_string(example("comptes-organismes-publics.yml")).unwrap();

    // Bad lists import nothing, and name the account and its line.
    let (code, _, err) = run("list.yml", "- github.com/etalab\n".into()).await;
    assert_eq!(code, 1);
    assert!(err.contains("list.yml") && err.contains("map"), "{err}");
    let bad = text.replace("      pso: Paris\n", "      floss: none\n").replace("git.arles.example", "192.168.1.20");
    let (code, out, err) = run("bad.yml", bad).await;
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("bad.yml:15: github.com/paris: pso"), "{err}");
    assert!(err.contains("bad.yml:28: 192.168.1.20") && err.contains("private"), "{err}");
    assert!(err.contains("2 record(s) refused; nothing was imported"), "{err}");
    assert!(store.forge_accounts_of("adullact").await.unwrap().is_empty());

    // The list: accounts recorded for known bodies (by name) and new ones (with their
    // Annuaire id), one body for two accounts.
    let (code, out, err) = run("comptes-organismes-publics.yml", text.clone()).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("6 accounts created, 0 updated, 0 unchanged; 2 organisations created"), "{out}");
    assert!(out.contains("https://github.com/paris: paris"), "{out}");
    assert!(out.contains("https://git.arles.example: arles"), "{out}");
    let dinum =
        out.lines().find_map(|l| l.strip_prefix("https://github.com/etalab: ")).expect("etalab's body").to_string();
    assert!(out.contains(&format!("https://github.com/betagouv: {dinum}")), "one body for both: {out}");
    let accounts = store.forge_accounts_of(&dinum).await.unwrap();
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[0].source, "code.gouv.fr:comptes-organismes-publics.yml");
    let etalab = accounts.iter().find(|a| a.url == "https://github.com/etalab").unwrap();
    assert!(etalab.floss_policy.as_deref().unwrap().starts_with("https://www.numerique.gouv.fr"));
    let annuaire = catalog::OfficialId::parse("fr-annuaire:0c3e4f6a-1b2c-4d5e-8f90-a1b2c3d4e5f6").unwrap();
    let found = store.organisation_slug(&catalog::OrgKey::Official(annuaire)).await.unwrap();
    assert_eq!(found, Some(dinum.clone()), "the body has its Annuaire id");
    let ignored = store.forge_accounts_of("ministere-de-la-transition-ecologique").await.unwrap();
    assert_eq!(ignored[0].ignored_since, chrono::NaiveDate::from_ymd_opt(2023, 6, 1));

    // Shown on the organisation's page and in the API.
    let server = tests::TestServer::start(store.clone()).await;
    let page = server.page("/organisations/paris", &[], "fr").await;
    assert!(page.contains("Comptes sur les forges") && page.contains("https://github.com/paris"), "the page");
    let (_, _, profile) = server.get("/api/v1/organisations/arles").await;
    assert_eq!(profile["forge_accounts"][0]["url"], "https://git.arles.example");

    // A second run changes nothing; a changed policy updates its account.
    let (version, events) = (store.version().await.unwrap(), store.audit_count().await.unwrap());
    let (code, out, _) = run("comptes-organismes-publics.yml", text.clone()).await;
    assert_eq!(code, 0);
    assert!(out.contains("0 accounts created, 0 updated, 6 unchanged; 0 organisations created"), "{out}");
    assert_eq!((store.version().await.unwrap(), store.audit_count().await.unwrap()), (version, events));
    let changed = text.replace("politique-logiciel-libre/", "politique-logiciel-libre-2025/");
    let (code, out, _) = run("comptes-organismes-publics.yml", changed).await;
    assert_eq!(code, 0);
    assert!(out.contains("0 accounts created, 1 updated, 5 unchanged"), "{out}");
});

database_test!(the_comptoir_du_libre_export_adds_software_users_and_providers, |db| {
    let store = db.store.clone();
    store.seed(&catalog::Actor::System("test"), &tests::demo_fixtures(), tests::today()).await.unwrap();
    let file = example("comptoir-du-libre.json");
    let path = file.to_str().unwrap();
    let adoptions = store.count_adoptions().await.unwrap();

    let (code, out, err) = communs(&["--database-url", &db.url, "import", "comptoir", path]).await;
    assert_eq!(code, 0, "{out}{err}");
    // openCimetière and Lutece are matched by their repositories; the third is new.
    assert!(out.contains("softwares[0] (openCimetière): software opencimetiere unchanged"), "{out}");
    assert!(out.contains("softwares[2] (Registre Exemple): software registre-exemple created"), "{out}");
    assert!(out.contains("1 created, 0 updated, 2 unchanged"), "{out}");
    let registre = store.software("registre-exemple").await.unwrap();
    assert_eq!(registre.licence, "CECILL-2.1");
    assert_eq!(registre.providers[0].name, "Association Exemple Numérique");
    assert_eq!(registre.providers[0].kind, "association");
    let sources = store.software_sources("registre-exemple").await.unwrap();
    assert_eq!(sources[0].0, "comptoir-du-libre:901");
    // A commune unknown to the catalog is created and declared an adopter of both, with its
    // Comptoir page as the evidence; a person is not.
    let commune = store.organisation("commune-de-saint-exemple").await.unwrap();
    assert_eq!(commune.kind.as_str(), "other-public-body");
    let uses = store.organisation_adoptions("commune-de-saint-exemple", 10, 0).await.unwrap();
    assert_eq!(uses.total, 2);
    assert!(uses.items.iter().all(|a| a.state == catalog::AdoptionState::Declared));
    assert!(uses.items.iter().all(|a| a.evidence_url.as_deref() == Some("https://comptoir-du-libre.org/fr/users/311")));
    assert!(store.organisation("jeanne-martin").await.is_err(), "a person is no organisation");
    let added = store.count_adoptions().await.unwrap() - adoptions;
    assert!(out.contains(&format!("; {added} adoptions declared; 2 organisations created")), "{added}: {out}");

    // A second run changes nothing.
    let (version, events) = (store.version().await.unwrap(), store.audit_count().await.unwrap());
    let (code, out, _) = communs(&["--database-url", &db.url, "import", "comptoir", path]).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("0 created, 0 updated, 3 unchanged, 0 skipped; 0 adoptions declared; 0 organisations created"),
        "{out}"
    );
    assert_eq!((store.version().await.unwrap(), store.audit_count().await.unwrap()), (version, events));

    // Bad exports import nothing, and name the record.
    let dir = tempfile::tempdir().unwrap();
    let shape = dir.path().join("shape.json");
    std::fs::write(&shape, r#"{"software": []}"#).unwrap();
    let (code, _, err) = communs(&["--database-url", &db.url, "import", "comptoir", shape.to_str().unwrap()]).await;
    assert_eq!(code, 1);
    assert!(err.contains("shape.json") && err.contains("Comptoir du Libre"), "{err}");
    let text = std::fs::read_to_string(&file).unwrap();
    let bad = text
        .replace("\"licence\": \"BSD 3 Clause\"", "\"licence\": \"Licence maison\"")
        .replace("https://gitlab.adullact.net/exemple/registre", "http://10.1.2.3/registre")
        .replace("\"name\": \"Registre Exemple\"", "\"name\": \"Registre Neuf\"");
    let bad_file = dir.path().join("bad.json");
    std::fs::write(&bad_file, bad).unwrap();
    let (code, _, err) = communs(&["--database-url", &db.url, "import", "comptoir", bad_file.to_str().unwrap()]).await;
    assert_eq!(code, 1);
    assert!(err.contains("bad.json: softwares[1] (Lutece): licence"), "{err}");
    assert!(err.contains("bad.json: softwares[2] (Registre Neuf)") && err.contains("private"), "{err}");
    assert!(store.software("registre-neuf").await.is_err(), "nothing imported");
});

database_test!(the_sill_adds_software_their_users_and_providers, |db| {
    let store = db.store.clone();
    store.seed(&catalog::Actor::System("test"), &tests::demo_fixtures(), tests::today()).await.unwrap();
    let file = example("sill.json");
    let path = file.to_str().unwrap();
    let (code, out, err) = communs(&["--database-url", &db.url, "import", "sill", path]).await;
    assert_eq!(code, 0, "{out}{err}");
    // Decidim is the demo's, found by its repository; so is LibreOffice, found by its name,
    // which gains the SILL's repository; the dereferenced one is left out.
    let summary = store.software("libreoffice").await.unwrap().summary;
    assert!(out.contains("[0] (LibreOffice): software libreoffice updated"), "{out}");
    assert!(out.contains("[3] (Ancien Outil): dereferenced by the SILL: skipped"), "{out}");
    assert!(out.contains("1 created, 1 updated, 1 unchanged, 1 skipped"), "{out}");
    // ONLYOFFICE Docs names LibreOffice, of the same list, as similar (and a software only
    // Wikidata knows, left out).
    assert!(out.contains("\n1 similar software linked; 0 instances recorded"), "{out}");
    let onlyoffice = store.software("onlyoffice-docs").await.unwrap();
    assert_eq!(onlyoffice.similar.iter().map(|s| s.slug.as_str()).collect::<Vec<_>>(), ["libreoffice"]);
    let libreoffice = store.software("libreoffice").await.unwrap();
    assert_eq!(libreoffice.summary, summary, "what the record says stays");
    assert!(libreoffice.repositories.iter().any(|r| r.url == "https://github.com/LibreOffice/core"));
    // The CNLL's provider is created with its SIREN; Paris, known, is declared a user.
    let provider = &libreoffice.providers[0];
    assert_eq!(provider.kind, "company");
    let siren = catalog::OfficialId::parse("fr-siren:200054781").unwrap();
    assert_eq!(store.organisation_slug(&catalog::OrgKey::Official(siren)).await.unwrap(), Some(provider.slug.clone()));
    let paris = store.organisation_adoptions("paris", 100, 0).await.unwrap();
    let used = paris.items.iter().find(|a| a.software == "libreoffice").expect("Paris uses LibreOffice");
    assert_eq!(used.evidence_url.as_deref(), Some("https://code.gouv.fr/sill/detail?name=LibreOffice"));
    assert!(store.software("ancien-outil").await.is_err());
    assert_eq!(store.software_sources("libreoffice").await.unwrap()[0].0, "sill:94");
    // A software new to the catalog takes the SILL's description as its summary.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let new = text
        .replace("\"softwareName\": \"LibreOffice\"", "\"softwareName\": \"Bureautique Neuve\"")
        .replace("https://github.com/LibreOffice/core", "https://github.com/example/bureautique-neuve");
    let new_file = dir.path().join("new.json");
    std::fs::write(&new_file, new).unwrap();
    let (code, out, _) = communs(&["--database-url", &db.url, "import", "sill", new_file.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{out}");
    let created = store.software("bureautique-neuve").await.unwrap();
    assert_eq!(created.summary["fr"], "Suite bureautique : traitement de texte, tableur, présentations.");
    assert_eq!(created.licence, "MPL-2.0");

    // A second run changes nothing; a bad list imports nothing.
    let (version, events) = (store.version().await.unwrap(), store.audit_count().await.unwrap());
    let (code, out, _) = communs(&["--database-url", &db.url, "import", "sill", path]).await;
    assert_eq!(code, 0);
    assert!(out.contains("0 created, 0 updated, 3 unchanged, 1 skipped; 0 adoptions declared"), "{out}");
    assert!(out.contains("\n0 similar software linked; 0 instances recorded"), "{out}");
    assert_eq!((store.version().await.unwrap(), store.audit_count().await.unwrap()), (version, events));

    // The SILL's instances: adoptions with the instance's address, by the organisations that
    // run them; an instance of a software the list does not hold is left out, said so.
    let instances = example("sill-instances.json");
    let with = ["--database-url", db.url.as_str(), "import", "sill", path, "--instances", instances.to_str().unwrap()];
    let (code, out, err) = communs(&with).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("sill-instances.json: [2] (Paris): sill:12 is not in the list imported: skipped"), "{out}");
    assert!(out.contains("0 created, 0 updated, 3 unchanged, 1 skipped; 1 adoptions declared"), "{out}");
    assert!(out.contains("\n0 similar software linked; 2 instances recorded"), "{out}");
    let montpellier = store.organisation_adoptions("montpellier", 100, 0).await.unwrap();
    let decidim = montpellier.items.iter().find(|a| a.software == "decidim").expect("Montpellier uses Decidim");
    assert_eq!(decidim.instance_url.as_deref(), Some("https://participer.montpellier.example"));
    let users = store.software_adoptions("onlyoffice-docs", 10, 0).await.unwrap();
    assert_eq!(users.items[0].organisation_name, "Ministère Exemple");
    assert_eq!(users.items[0].scope.as_deref(), Some("Les agents du ministère"));
    let (version, events) = (store.version().await.unwrap(), store.audit_count().await.unwrap());
    let (code, out, _) = communs(&with).await;
    assert_eq!(code, 0);
    assert!(out.contains("\n0 similar software linked; 0 instances recorded"), "{out}");
    assert_eq!((store.version().await.unwrap(), store.audit_count().await.unwrap()), (version, events));
    let bad_instances = dir.path().join("bad-instances.json");
    std::fs::write(&bad_instances, r#"[{"id": 1, "organization": "Sans logiciel"}]"#).unwrap();
    let bad =
        ["--database-url", db.url.as_str(), "import", "sill", path, "--instances", bad_instances.to_str().unwrap()];
    let (code, _, err) = communs(&bad).await;
    assert_eq!(code, 1);
    assert!(
        err.contains("bad-instances.json: [0] (Sans logiciel): not an instance") && err.contains("mainSoftwareSillId"),
        "{err}"
    );
    let bad =
        std::fs::read_to_string(&file).unwrap().replace("\"license\": \"MPL-2.0\"", "\"license\": \"Propriétaire\"");
    let bad_file = dir.path().join("bad.json");
    std::fs::write(&bad_file, bad).unwrap();
    let (code, _, err) = communs(&["--database-url", &db.url, "import", "sill", bad_file.to_str().unwrap()]).await;
    assert_eq!(code, 1);
    assert!(err.contains("bad.json: [0] (LibreOffice): license"), "{err}");
});
