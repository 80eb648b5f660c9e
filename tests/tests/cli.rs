//! The `communs` command line, run in-process against real databases and files.

use std::path::Path;

use tests::{communs, database_test, TestDb};

fn write(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.display().to_string()
}

fn sample_communes() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/communes-sample").display().to_string()
}

database_test!(seed_then_refuse_to_seed_twice, |db| {
    let (code, out, err) = communs(&["--database-url", &db.url, "seed"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("loaded "), "{out}");
    let (code, _, err) = communs(&["--database-url", &db.url, "seed"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("already holds records"), "{err}");
});

database_test!(csv_imports_all_or_nothing, |db| {
    let dir = tempfile::tempdir().unwrap();
    communs(&["--database-url", &db.url, "seed"]).await;
    let before = db.store.count_adoptions().await.unwrap();

    // A spreadsheet's export: BOM, CRLF, semicolons; an organisation by official code.
    let good = write(
        dir.path(),
        "good.csv",
        "\u{feff}software;organisation;since;status;scope;evidence_url\r\n\
         openelec;fr-insee:21663;2022-01-15;active;Élections;\r\n\
         openelec;darcey;2023-06-01;pilot;;https://example.org/deliberation-2023-12.pdf\r\n",
    );
    let (code, out, err) = communs(&["--database-url", &db.url, "import", "adoptions", &good]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "2 adoptions imported");
    assert_eq!(db.store.count_adoptions().await.unwrap(), before + 2);

    let bad = write(
        dir.path(),
        "bad.csv",
        "software,organisation,since,status,scope,evidence_url\n\
         opencimetiere,alise-sainte-reine,2022-01-15,active,,\n\
         opencimetiere,nowhere-at-all,2022-01-15,active,,\n\
         opencimetiere,venarey-les-laumes,2099-01-01,active,,\n\
         no-such-software,darcey,2022-01-15,active,,\n\
         opencimetiere,darcey,2022-01-15,retired,,\n",
    );
    let (code, out, err) = communs(&["--database-url", &db.url, "import", "adoptions", &bad]).await;
    assert_eq!(code, 1, "{out}");
    // Format errors come first; when every row parses, reference errors are reported.
    assert!(err.contains("bad.csv:4:3: since: 2099-01-01 is in the future"), "{err}");
    assert!(err.contains("bad.csv:6:4: status: \"retired\" is not one of: evaluating, pilot, active, ended"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(db.store.count_adoptions().await.unwrap(), before + 2);

    let unknown = write(
        dir.path(),
        "unknown.csv",
        "software,organisation,since,status,scope,evidence_url\n\
         opencimetiere,alise-sainte-reine,2022-01-15,active,,\n\
         opencimetiere,nowhere-at-all,2022-01-15,active,,\n\
         no-such-software,darcey,2022-01-15,active,,\n",
    );
    let (code, _, err) = communs(&["--database-url", &db.url, "import", "adoptions", &unknown]).await;
    assert_eq!(code, 1);
    assert!(err.contains("unknown.csv:3:2: no organisation nowhere-at-all is known"), "{err}");
    assert!(err.contains("unknown.csv:4:1: no software no-such-software is known"), "{err}");
    assert_eq!(db.store.count_adoptions().await.unwrap(), before + 2, "the good first row was not written either");

    let header = write(dir.path(), "header.csv", "logiciel,commune,depuis\nopencimetiere,darcey,2022-01-01\n");
    let (code, _, err) = communs(&["--database-url", &db.url, "import", "adoptions", &header]).await;
    assert_eq!(code, 1);
    assert!(err.contains("header.csv:1:1: unknown column \"logiciel\""), "{err}");
    assert!(err.contains("missing column(s) software, organisation, since, status, scope, evidence_url"), "{err}");

    let missing = dir.path().join("missing.csv").display().to_string();
    let (code, _, err) = communs(&["--database-url", &db.url, "import", "adoptions", &missing]).await;
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
});

database_test!(funding_imports_check_amounts_and_roadmap_items, |db| {
    let dir = tempfile::tempdir().unwrap();
    communs(&["--database-url", &db.url, "seed"]).await;
    let before = db.store.count_fundings().await.unwrap();
    let item = db.store.software_roadmap("opencimetiere").await.unwrap();
    let item = item.first().map(|i| i.slug.clone()).unwrap_or_default();
    let good = write(
        dir.path(),
        "f.csv",
        &format!(
            "funder,software,roadmap_item,amount,currency,date,kind,status,evidence_url\n\
             darcey,opencimetiere,{item},12000.50,EUR,2024-03-12,co-development,voted,https://example.org/d.pdf\n\
             fr-siren:242101459,opencimetiere,,800,EUR,2025-01-10,membership-fee,paid,\n"
        ),
    );
    let (code, out, err) = communs(&["--database-url", &db.url, "import", "fundings", &good]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "2 fundings imported");
    assert_eq!(db.store.count_fundings().await.unwrap(), before + 2);

    let bad = write(
        dir.path(),
        "bad.csv",
        "funder,software,roadmap_item,amount,currency,date,kind,status,evidence_url\n\
         darcey,opencimetiere,,-5,EUR,2024-03-12,co-development,paid,\n\
         darcey,opencimetiere,,5,EURO,2024-03-12,co-development,paid,\n\
         darcey,opencimetiere,,5.555,EUR,2024-03-12,co-development,paid,\n\
         darcey,opencimetiere,no-such-item,5,EUR,2024-03-12,co-development,paid,\n",
    );
    let (code, _, err) = communs(&["--database-url", &db.url, "import", "fundings", &bad]).await;
    assert_eq!(code, 1);
    assert!(err.contains("bad.csv:2:4: amount: an amount cannot be negative"), "{err}");
    assert!(err.contains("bad.csv:3:5: currency:"), "{err}");
    assert!(err.contains("bad.csv:4:4: amount: \"5.555\" is not an amount: EUR has 2 decimal digits at most"), "{err}");
    assert_eq!(db.store.count_fundings().await.unwrap(), before + 2);
});

database_test!(communes_import_completes_known_organisations, |db| {
    communs(&["--database-url", &db.url, "seed"]).await;
    let venarey = db.store.organisation("venarey-les-laumes").await.unwrap();
    let (code, out, err) = communs(&["--database-url", &db.url, "import", "communes", &sample_communes()]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("organisations created"), "{out}");
    // Known by its INSEE code: completed, same slug, not duplicated.
    let after = db.store.organisation("venarey-les-laumes").await.unwrap();
    assert_eq!(after.created_at, venarey.created_at);
    let key = catalog::OrgKey::parse("organisation", "fr-insee:21663").unwrap();
    assert_eq!(db.store.organisation_slug(&key).await.unwrap().as_deref(), Some("venarey-les-laumes"));
    // Every current commune of the sample is there; delegated communes that have a code of
    // their own are not.
    let data: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(Path::new(&sample_communes()).join("communes.json")).unwrap())
            .unwrap();
    let current: std::collections::HashSet<_> =
        data.iter().filter(|c| c["type"] == "commune-actuelle").map(|c| c["code"].as_str().unwrap()).collect();
    let mut former = 0;
    for c in &data {
        let code = c["code"].as_str().unwrap();
        let key = catalog::OrgKey::parse("organisation", &format!("fr-insee:{code}")).unwrap();
        let found = db.store.organisation_slug(&key).await.unwrap();
        assert_eq!(found.is_some(), current.contains(code), "{c}");
        former += usize::from(!current.contains(code));
    }
    assert!(former > 0, "the sample has delegated communes with codes of their own");
    // Beaune: commune -> CA Beaune Côte et Sud -> Côte-d'Or -> Bourgogne-Franche-Comté.
    let key = catalog::OrgKey::parse("organisation", "fr-insee:21054").unwrap();
    let beaune = db.store.organisation(&db.store.organisation_slug(&key).await.unwrap().unwrap()).await.unwrap();
    let kinds: Vec<_> = beaune.parents.iter().map(|p| p.kind.as_str()).collect();
    assert!(kinds.contains(&"epci") && kinds.contains(&"departement"), "{:?}", beaune.parents);
    assert!(beaune.identifiers.iter().any(|i| i.to_string().starts_with("fr-siren:")));
    assert!(beaune.population.unwrap() > 20_000);

    // Importing again changes nothing.
    let total = db.store.count_organisations().await.unwrap();
    let (code, out, _) = communs(&["--database-url", &db.url, "import", "communes", &sample_communes()]).await;
    assert_eq!(code, 0);
    assert!(out.starts_with("0 organisations created"), "{out}");
    assert_eq!(db.store.count_organisations().await.unwrap(), total);

    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) =
        communs(&["--database-url", &db.url, "import", "communes", &empty.path().display().to_string()]).await;
    assert_eq!(code, 2);
    assert!(err.contains("regions.json"), "{err}");
});

database_test!(export_loads_again, |db| {
    communs(&["--database-url", &db.url, "seed"]).await;
    // A contribution, hidden: its trace and its reason are exported, people's records are not.
    let user = db
        .store
        .sign_in(
            &catalog::Identity {
                issuer: "https://id.example".into(),
                subject: "x".into(),
                name: Some("Secret Person".into()),
                email: Some("secret@example.org".into()),
                email_verified: true,
            },
            &[],
        )
        .await
        .unwrap();
    let author = catalog::contribution::Author::new(catalog::Actor::User { handle: user.handle.clone(), token: None });
    let hidden = db.store.software_adoptions("geocity", 1, 0).await.unwrap().items[0].id;
    db.store.hide(&author, catalog::Hideable::Adoption, hidden, "Doublon").await.unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let dir = out_dir.path().display().to_string();
    let (code, out, err) = communs(&["--database-url", &db.url, "export", &dir]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("exported "), "{out}");
    for f in ["organisations", "software", "roadmap", "adoptions", "fundings"] {
        assert!(out_dir.path().join(format!("{f}.json")).exists(), "{f}.json");
    }
    for f in ["organisations", "software", "adoptions", "fundings"] {
        assert!(out_dir.path().join(format!("{f}.csv")).exists(), "{f}.csv");
    }
    let history = std::fs::read_to_string(out_dir.path().join("history.jsonl")).unwrap();
    let events: Vec<serde_json::Value> = history.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(events.iter().any(|e| e["action"] == "hide" && e["after"]["reason"] == "Doublon"), "{history}");
    assert!(!history.contains("secret@example.org"), "people's records stay out of the export");
    let gone: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.path().join("hidden.json")).unwrap()).unwrap();
    assert_eq!((gone[0]["id"].as_i64(), gone[0]["reason"].as_str()), (Some(hidden), Some("Doublon")));

    // The JSON loads into an empty database; the CSV imports into it again.
    let other = TestDb::sqlite().await;
    let (code, _, err) = communs(&["--database-url", &other.url, "seed", "--fixtures", &dir]).await;
    assert_eq!(code, 0, "{err}");
    let adoptions = other.store.count_adoptions().await.unwrap();
    assert_eq!(adoptions, db.store.count_adoptions().await.unwrap());
    let csv = out_dir.path().join("adoptions.csv").display().to_string();
    let (code, out, err) = communs(&["--database-url", &other.url, "import", "adoptions", &csv]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), format!("{adoptions} adoptions imported"));
    assert_eq!(other.store.count_adoptions().await.unwrap(), adoptions);
    let csv = out_dir.path().join("fundings.csv").display().to_string();
    let (code, _, err) = communs(&["--database-url", &other.url, "import", "fundings", &csv]).await;
    assert_eq!(code, 0, "{err}");

    let again = tempfile::tempdir().unwrap();
    communs(&["--database-url", &other.url, "export", &again.path().display().to_string()]).await;
    for f in ["organisations", "software", "roadmap", "adoptions"] {
        let a = std::fs::read_to_string(out_dir.path().join(format!("{f}.json"))).unwrap();
        let b = std::fs::read_to_string(again.path().join(format!("{f}.json"))).unwrap();
        assert!(a == b, "{f}.json differs after a round trip");
    }
    other.finish().await;
});

#[tokio::test]
async fn settings_come_from_flags_environment_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write(dir.path(), "communs.toml", &format!("data_dir = {:?}\n", data.display().to_string()));
    let (code, out, err) = communs(&["--config", &config, "migrate"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "migrations applied");
    assert!(data.join("communs.db").exists(), "the file's data_dir was used");

    let bad = write(dir.path(), "bad.toml", "data_dri = \"/tmp\"\n");
    let (code, _, err) = communs(&["--config", &bad, "migrate"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("unknown field `data_dri`"), "{err}");

    let (code, _, err) = communs(&["--database-url", "mysql://localhost/x", "migrate"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("neither a sqlite: nor a postgres:// URL"), "{err}");
}

/// Runs `communs serve` until `probe` has finished with it, then drops the server.
async fn while_serving<T>(args: &[&str], probe: impl std::future::Future<Output = T>) -> T {
    tokio::select! {
        ended = communs(args) => panic!("communs serve stopped by itself: {ended:?}"),
        result = probe => result,
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Polls until the server answers, then asks how many software it serves. `serve --demo`
/// writes and harvests the demo's 57 repositories before it listens: 11 s in a debug build
/// on a slow 2-core machine, so the wait goes up to a minute.
async fn software_total(port: u16) -> i64 {
    let client = reqwest::Client::new();
    for _ in 0..1200 {
        if let Ok(r) = client.get(format!("http://127.0.0.1:{port}/api/v1/software?limit=1")).send().await {
            let body: serde_json::Value = r.json().await.unwrap();
            return body["total"].as_i64().unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the server did not answer on port {port}");
}

#[tokio::test]
async fn serve_demo_loads_once_and_keeps_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").display().to_string();
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let first = while_serving(&["--data-dir", &data, "serve", "--demo", "--bind", &bind], software_total(port)).await;
    assert!(first >= 40, "{first} software in the demo");

    // Something the second start must keep: the demo is not loaded over it again.
    let url = format!("sqlite://{data}/communs.db");
    let store = catalog::Store::connect(&url).await.unwrap();
    let fundings = store.count_fundings().await.unwrap();
    store.close().await;

    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let second = while_serving(&["--data-dir", &data, "serve", "--demo", "--bind", &bind], software_total(port)).await;
    assert_eq!(second, first);
    let store = catalog::Store::connect(&url).await.unwrap();
    assert_eq!(store.count_fundings().await.unwrap(), fundings);
    store.close().await;
}
