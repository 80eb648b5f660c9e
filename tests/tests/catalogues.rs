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
