//! publiccode.yml through the whole system: validate from the command line, import from
//! files and the API, export every record, and the round trip over every fixture.

use std::path::Path;

use catalog::{Actor, Country, PublicCodeImportOptions};
use tests::{communs, database_test, demo_fixtures, today, TestDb, TestServer};

fn write(dir: &Path, name: &str, content: &[u8]) -> String {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, content).unwrap();
    path.display().to_string()
}

fn options() -> PublicCodeImportOptions {
    PublicCodeImportOptions { country: Country::FR, today: today(), source: "test".into(), acting_for: None }
}

/// A publiccode.yml of a software the fixtures do not hold, naming a known commune by name
/// (Arles), one by official code (Darcey, fr-insee:21226), and one nobody knows.
const NEW_SOFTWARE: &str = r#"publiccodeYmlVersion: "0.4"
name: openRecensement
url: https://gitlab.example.org/communes/openrecensement.git
landingURL: https://openrecensement.example.org
platforms: [web]
categories: [data-collection, survey]
developmentStatus: beta
softwareType: standalone/web
usedBy:
  - Arles
  - fr-insee:21226
  - Commune de Nulle-Part
fundedBy:
  - name: Région Bourgogne-Franche-Comté
    uri: https://www.bourgognefranchecomte.fr
organisation:
  name: Ville d'Arles
  uri: https://www.arles.fr
description:
  fr:
    shortDescription: Préparation et suivi du recensement de la population par la commune.
    longDescription: >
      openRecensement aide la commune à préparer le recensement de la population :
      découpage en districts, recrutement et suivi des agents recenseurs, avancement de la
      collecte par quartier et bilan transmis à l'INSEE.
    features:
      - Districts de collecte
      - Suivi des agents recenseurs
legal:
  license: AGPL-3.0-or-later
maintenance:
  type: contract
  contractors:
    - name: Atelier Recensement SCOP
      until: "2027-12-31"
localisation:
  localisationReady: false
  availableLanguages: [fr]
"#;

database_test!(round_trip_gives_the_same_file_for_every_fixture, |db| {
    db.store.seed(&Actor::System("test"), &demo_fixtures(), today()).await.unwrap();
    let exported = db.store.all_publiccode().await.unwrap();
    assert_eq!(exported.len(), demo_fixtures().software.len());
    let empty = db.another().await;
    let mut same = 0;
    for (slug, doc) in &exported {
        let doc = doc.as_ref().unwrap_or_else(|e| panic!("{slug}: {e}"));
        let first = publiccode::to_yaml(doc);
        let report = publiccode::validate(first.as_bytes());
        assert!(report.errors.is_empty(), "{slug}: the export is not valid: {:?}\n{first}", report.errors);
        let read = report.document.expect("a valid document");
        let done = empty.store.import_publiccode(&Actor::System("test"), &read, &options()).await;
        let done = done.unwrap_or_else(|e| panic!("{slug}: the export does not import: {e}"));
        // What the file says of the record reads back as the record said it.
        let (before, after) = (db.store.software(slug).await.unwrap(), &done.software);
        let names = |orgs: &[catalog::OrgRef]| orgs.iter().map(|o| o.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&after.maintainers), names(&before.maintainers), "{slug}: maintainers");
        assert_eq!(after.publisher.as_ref().map(|p| &p.name), before.publisher.as_ref().map(|p| &p.name), "{slug}");
        assert_eq!((&after.name, &after.licence, &after.maturity), (&before.name, &before.licence, &before.maturity));
        assert_eq!((&after.summary, &after.website), (&before.summary, &before.website), "{slug}");
        let again = empty.store.software_publiccode(&done.software.slug).await.unwrap();
        let second = publiccode::to_yaml(&again);
        assert_eq!(first, second, "{slug}: exported, imported into an empty database and exported again");
        same += 1;
    }
    println!("publiccode.yml round trip: {same}/{} fixtures give the same file", exported.len());
    empty.finish().await;
});

database_test!(the_fixtures_publiccode_files_are_kept_and_exported, |db| {
    db.store.seed(&Actor::System("test"), &demo_fixtures(), today()).await.unwrap();
    // Decidim's own file says what the catalog does not model: its software type,
    // features, documentation, the languages of its interface.
    let yaml = publiccode::to_yaml(&db.store.software_publiccode("decidim").await.unwrap());
    assert!(yaml.contains("softwareType: library"), "{yaml}");
    assert!(yaml.contains("documentation: https://docs.decidim.org"), "{yaml}");
    assert!(yaml.contains("- Participatory budgets"), "{yaml}");
    assert!(yaml.contains("- ca\n"), "{yaml}");
    // Illustrative demo adoptions are not written as facts; real ones are.
    let cimetiere = publiccode::to_yaml(&db.store.software_publiccode("opencimetiere").await.unwrap());
    assert!(!cimetiere.contains("Achenheim"), "a demo adopter was exported: {cimetiere}");
    // `communs export DIR` keeps the files with the rest, and `seed --fixtures` reads them.
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = communs(&["--database-url", &db.url, "export", &dir.path().display().to_string()]).await;
    assert_eq!(code, 0, "{err}");
    assert!(dir.path().join("publiccode/decidim.yml").exists());
    let reread = catalog::import::fixtures::Fixtures::read_dir(dir.path()).unwrap();
    assert_eq!(
        reread.publiccode.keys().collect::<Vec<_>>(),
        [
            "catala",
            "consul-democracy",
            "decidim",
            "demarches-simplifiees",
            "dss",
            "grist",
            "openfisca",
            "publicodes",
            "signalen",
            "udata",
            "vitam"
        ]
    );
});

database_test!(a_fixture_publiccode_file_that_is_invalid_stops_the_seed, |db| {
    let mut fixtures = demo_fixtures();
    fixtures.publiccode.insert("geocity".into(), "publiccodeYmlVersion: \"0\"\nname: GéoCity\n".into());
    let err = db.store.seed(&Actor::System("test"), &fixtures, today()).await.unwrap_err().to_string();
    assert!(err.starts_with("publiccode/geocity.yml: "), "{err}");
    assert!(err.contains("is a required field"), "{err}");
    assert_eq!(db.store.count_software().await.unwrap(), 0, "nothing is loaded");

    let mut fixtures = demo_fixtures();
    fixtures.publiccode.insert("nowhere".into(), tests::demo_fixtures().publiccode["decidim"].clone());
    let err = db.store.seed(&Actor::System("test"), &fixtures, today()).await.unwrap_err().to_string();
    assert_eq!(err, "publiccode/nowhere.yml: no software nowhere in software.json");
});

database_test!(import_creates_a_record_with_its_organisations_and_adopters, |db| {
    db.store.seed(&Actor::System("test"), &demo_fixtures(), today()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "publiccode.yml", NEW_SOFTWARE.as_bytes());
    let (code, out, err) = communs(&["--database-url", &db.url, "import", "publiccode", &file]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("software openrecensement created"), "{out}");
    assert!(out.contains("usedBy not matched to a known organisation: Commune de Nulle-Part"), "{out}");
    assert!(out.contains("adopters (usedBy) recorded: arles, darcey"), "{out}");

    let sw = db.store.software("openrecensement").await.unwrap();
    assert_eq!(sw.maturity, "beta");
    assert_eq!(sw.licence, "AGPL-3.0-or-later");
    assert_eq!(sw.categories, ["open-data", "participation"]);
    assert_eq!(sw.website.as_deref(), Some("https://openrecensement.example.org"));
    assert_eq!(sw.repositories[0].url, "https://gitlab.example.org/communes/openrecensement.git");
    assert!(sw.summary["fr"].starts_with("Préparation"));
    assert!(sw.description["fr"].contains("districts"));
    // "Ville d'Arles" is not the name of the commune Arles: a new organisation.
    assert_eq!(sw.publisher.as_ref().unwrap().name, "Ville d'Arles");
    assert_eq!(sw.providers[0].name, "Atelier Recensement SCOP");
    assert_eq!(sw.providers[0].kind, "company");
    assert_eq!(sw.maintainers[0].name, "Atelier Recensement SCOP", "type contract: the contractor maintains it");
    assert_eq!(sw.funders[0].name, "Région Bourgogne-Franche-Comté");
    let adoptions = db.store.software_adoptions("openrecensement", 10, 0).await.unwrap();
    let mut adopters: Vec<_> = adoptions.items.iter().map(|a| (a.organisation.as_str(), a.state.as_str())).collect();
    adopters.sort();
    assert_eq!(adopters, [("arles", "declared"), ("darcey", "declared")]);

    // Importing the same file again updates the record and changes nothing else.
    let orgs = db.store.count_organisations().await.unwrap();
    let (code, out, _) = communs(&["--database-url", &db.url, "import", "publiccode", &file]).await;
    assert_eq!(code, 0);
    assert!(out.contains("software openrecensement updated"), "{out}");
    assert_eq!(db.store.count_organisations().await.unwrap(), orgs);
    assert_eq!(db.store.software_adoptions("openrecensement", 10, 0).await.unwrap().total, 2);
});

database_test!(import_updates_a_known_record_and_keeps_what_the_file_cannot_say, |db| {
    db.store.seed(&Actor::System("test"), &demo_fixtures(), today()).await.unwrap();
    let before = db.store.software("opencimetiere").await.unwrap();
    // The record is found by its repository, whatever the file calls it.
    let yaml = format!(
        "publiccodeYmlVersion: \"0\"\nname: openCimetière\nurl: {}\nplatforms: [web]\n\
         developmentStatus: stable\nsoftwareType: standalone/web\n\
         description:\n  en:\n    shortDescription: Cemetery management for municipalities.\n    \
         longDescription: \"{}\"\n    features: [Burial plots]\n\
         legal:\n  license: GPL-3.0-or-later\nmaintenance:\n  type: none\n\
         localisation:\n  localisationReady: true\n  availableLanguages: [fr]\n",
        before.repositories[0].url,
        "x".repeat(160)
    );
    let done = db
        .store
        .import_publiccode(&Actor::System("test"), &publiccode::validate(yaml.as_bytes()).document.unwrap(), &options())
        .await
        .unwrap();
    assert!(!done.created);
    let after = db.store.software("opencimetiere").await.unwrap();
    assert_eq!(after.summary["en"], "Cemetery management for municipalities.");
    assert_eq!(after.summary["fr"], before.summary["fr"], "a language the file does not give is kept");
    assert_eq!(after.categories, before.categories, "cimetieres has no publiccode.yml category; it stays");
    assert_eq!(after.similar, before.similar);
    assert_eq!(after.maintainers, before.maintainers, "the file names no maintainer");
    assert_eq!(after.publisher, before.publisher);
    // The export now starts from the file: its interface is ready for translation.
    let yaml = publiccode::to_yaml(&db.store.software_publiccode("opencimetiere").await.unwrap());
    assert!(yaml.contains("localisationReady: true"), "{yaml}");
    assert!(yaml.contains("softwareType: standalone/web"), "{yaml}");
});

database_test!(an_invalid_file_imports_nothing_and_says_why, |db| {
    db.store.seed(&Actor::System("test"), &demo_fixtures(), today()).await.unwrap();
    let (software, orgs, audit) = (
        db.store.count_software().await.unwrap(),
        db.store.count_organisations().await.unwrap(),
        db.store.audit_count().await.unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let broken = NEW_SOFTWARE.replace("developmentStatus: beta", "developmentStatus: yes");
    let bad = write(dir.path(), "folder/bad.yml", broken.as_bytes());
    write(dir.path(), "folder/also-bad.yaml", b"\xff\xfe not UTF-8");
    let (code, out, err) =
        communs(&["--database-url", &db.url, "import", "publiccode", &dir.path().join("folder").display().to_string()])
            .await;
    assert_eq!(code, 1, "{out}");
    assert!(err.contains(&format!("{bad}:7:20: developmentStatus: developmentStatus must be one of")), "{err}");
    assert!(err.contains("bad.yml: not a valid publiccode.yml; nothing was imported from it"), "{err}");
    assert!(err.contains("also-bad.yaml: not a valid publiccode.yml"), "{err}");
    // Valid for the standard, refused by the catalog: a name longer than a record's.
    let long = NEW_SOFTWARE.replace("name: openRecensement", &format!("name: {}", "n".repeat(201)));
    let long = write(dir.path(), "long.yml", long.as_bytes());
    let (code, _, err) = communs(&["--database-url", &db.url, "import", "publiccode", &long]).await;
    assert_eq!(code, 1);
    assert!(err.contains("long.yml: name: must have at most 200 characters; nothing was imported from it"), "{err}");
    let (code, _, err) = communs(&["--database-url", &db.url, "import", "publiccode", "/no/such/file.yml"]).await;
    assert_eq!(code, 2, "{err}");
    assert_eq!(db.store.count_software().await.unwrap(), software);
    assert_eq!(db.store.count_organisations().await.unwrap(), orgs, "no organisation was created half-way");
    assert_eq!(db.store.audit_count().await.unwrap(), audit);
});

#[tokio::test]
async fn validate_prints_findings_and_exits_with_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.yml", NEW_SOFTWARE.as_bytes());
    let bad =
        write(dir.path(), "bad.yml", NEW_SOFTWARE.replace("license: AGPL-3.0-or-later", "license: GNU GPL").as_bytes());
    let (code, out, err) = communs(&["publiccode", "validate", &good]).await;
    assert_eq!(code, 0, "{err}");
    // Valid, with a warning: an older version of the standard.
    assert!(out.starts_with(&format!("{good}:1:1: warning: publiccodeYmlVersion: ")), "{out}");
    assert!(err.contains("1 file(s) checked: 1 valid, 0 invalid"), "{err}");

    let (code, out, _) = communs(&["publiccode", "validate", &good, &bad]).await;
    assert_eq!(code, 1);
    let line = out.lines().find(|l| l.starts_with(&bad)).unwrap_or_else(|| panic!("{out}"));
    assert!(line.starts_with(&format!("{bad}:30:12: legal.license: license must be a valid license")), "{line}");

    let (code, out, _) = communs(&["publiccode", "validate", "--format", "json", &good, &bad]).await;
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json[0]["file"], good.as_str());
    assert_eq!(json[0]["valid"], true);
    assert_eq!(json[1]["valid"], false);
    let e = &json[1]["errors"][0];
    assert_eq!(
        (e["key"].as_str(), e["line"].as_u64(), e["column"].as_u64()),
        (Some("legal.license"), Some(30), Some(12))
    );
    assert!(e["message"].as_str().unwrap().contains("spdx.org"), "{e}");
    assert!(json[1]["warnings"].is_array());

    let (code, _, err) = communs(&["publiccode", "validate", &good, "/no/such/publiccode.yml"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("/no/such/publiccode.yml: cannot read:"), "{err}");
}

database_test!(export_writes_one_valid_file_per_record, |db| {
    db.store.seed(&Actor::System("test"), &demo_fixtures(), today()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let (code, out, err) =
        communs(&["--database-url", &db.url, "export", "publiccode", &out_dir.display().to_string()]).await;
    assert_eq!(code, 0, "{err}");
    let n = demo_fixtures().software.len();
    assert_eq!(out.trim(), format!("{n} publiccode.yml file(s) written into {}", out_dir.display()));
    let files: Vec<String> =
        std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().path().display().to_string()).collect();
    assert_eq!(files.len(), n);
    let mut args = vec!["publiccode", "validate"];
    args.extend(files.iter().map(String::as_str));
    let (code, out, err) = communs(&args).await;
    assert_eq!(code, 0, "{out}{err}");
});

database_test!(the_api_imports_and_serves_publiccode_yml, |db| {
    db.store.seed(&Actor::System("test"), &demo_fixtures(), today()).await.unwrap();
    let server = TestServer::start(db.store.clone()).await;
    let token = TestServer::write_token(&db.store, "publiccode-test").await;
    let post = |body: Vec<u8>, query: &'static str| {
        let request = server
            .client
            .post(format!("{}/api/v1/import/publiccode{query}", server.base))
            .bearer_auth(&token)
            .header("content-type", "application/yaml")
            .body(body);
        async move {
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            let ctype = r.headers()["content-type"].to_str().unwrap().to_string();
            (status, ctype, r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (status, _, body) = post(NEW_SOFTWARE.as_bytes().to_vec(), "").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["slug"], "openrecensement");
    assert_eq!(body["used_by_unmatched"], serde_json::json!(["Commune de Nulle-Part"]));
    let (status, _, body) = post(NEW_SOFTWARE.as_bytes().to_vec(), "").await;
    assert_eq!((status, body["created"].as_bool()), (200, Some(false)), "{body}");
    // The new record is in the read API at once.
    let (status, _, page) = server.get("/api/v1/software/openrecensement").await;
    assert_eq!((status, page["maturity"].as_str()), (200, Some("beta")));

    let (status, ctype, body) = post(b"name: [unclosed".to_vec(), "").await;
    assert_eq!(status, 422);
    assert_eq!(ctype, "application/problem+json");
    assert!(body["errors"].as_array().is_some_and(|e| !e.is_empty()), "{body}");
    let (status, _, body) = post(vec![0xff, 0xfe, 0x00], "").await;
    assert_eq!(status, 422, "{body}");
    // Ten megabytes are refused before they are read whole; just over the validator's
    // limit, the validator says why.
    let (status, ctype, body) = post(vec![b'#'; 10 * 1024 * 1024], "").await;
    assert_eq!((status, ctype.as_str()), (413, "application/problem+json"), "{body}");
    let (status, _, body) = post(vec![b'#'; publiccode::MAX_FILE_BYTES + 1], "").await;
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("files over"), "{body}");
    let (status, _, body) = post(NEW_SOFTWARE.as_bytes().to_vec(), "?country=Atlantis").await;
    assert_eq!((status, body["field"].as_str()), (400, Some("country")), "{body}");

    let r = server.client.get(format!("{}/software/openrecensement/publiccode.yml", server.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/yaml; charset=utf-8");
    let yaml = r.text().await.unwrap();
    let report = publiccode::validate(yaml.as_bytes());
    assert!(report.errors.is_empty(), "{:?}\n{yaml}", report.errors);
    assert!(yaml.starts_with("publiccodeYmlVersion: \"0\"\n"), "{yaml}");
    assert!(yaml.contains("Atelier Recensement SCOP"), "{yaml}");
    let (status, ctype, _) = server.get("/software/no-such-thing/publiccode.yml").await;
    assert_eq!((status, ctype.as_str()), (404, "application/problem+json"));
});

#[tokio::test]
async fn a_record_without_repository_or_website_has_no_publiccode_yml() {
    let db = TestDb::sqlite().await;
    db.store.seed(&Actor::System("test"), &demo_fixtures(), today()).await.unwrap();
    let mut draft = demo_fixtures().software.into_iter().find(|s| s.slug == "grist").unwrap();
    draft.slug = "grist-local".into();
    draft.repositories.clear();
    draft.website = None;
    draft.similar.clear();
    db.store.put_software(&Actor::System("test"), &draft.validate().unwrap()).await.unwrap();
    let err = db.store.software_publiccode("grist-local").await.unwrap_err().to_string();
    assert_eq!(
        err,
        "repositories: grist-local has neither a repository nor a website, and publiccode.yml needs its url"
    );
    db.finish().await;
}

database_test!(an_edited_record_wins_over_the_kept_file_and_the_rest_is_kept, |db| {
    db.store.seed(&Actor::System("test"), &demo_fixtures(), today()).await.unwrap();
    let mut draft = db.store.export_software().await.unwrap().into_iter().find(|s| s.slug == "decidim").unwrap();
    draft.summary.insert("en".into(), "Participatory democracy for cities and regions.".into());
    draft.website = Some("https://decidim.example.org".into());
    draft.maturity = "beta".into();
    db.store.put_software(&Actor::System("test"), &draft.validate().unwrap()).await.unwrap();
    let yaml = publiccode::to_yaml(&db.store.software_publiccode("decidim").await.unwrap());
    // What the record now says…
    assert!(yaml.contains("shortDescription: Participatory democracy for cities and regions.\n"), "{yaml}");
    assert!(yaml.contains("landingURL: https://decidim.example.org\n"), "{yaml}");
    assert!(yaml.contains("developmentStatus: beta\n"), "{yaml}");
    // …and what only the kept file knows, still there.
    assert!(yaml.contains("- Participatory budgets\n"), "{yaml}");
    assert!(yaml.contains("documentation: https://docs.decidim.org\n"), "{yaml}");
    assert!(yaml.contains("softwareType: library\n"), "{yaml}");
    // The French text was not edited: the file's own wording (folded in the file) stays.
    let fr = publiccode::validate(yaml.as_bytes()).document.unwrap().description["fr"].short_description.clone();
    assert!(fr.starts_with("Plateforme de démocratie participative"), "{fr}");
});

database_test!(the_import_command_refuses_a_bad_country_and_an_empty_folder, |db| {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "publiccode.yml", NEW_SOFTWARE.as_bytes());
    let (code, _, err) = communs(&["--database-url", &db.url, "import", "publiccode", &file, "--country", "XX"]).await;
    assert_eq!(code, 1);
    assert!(err.starts_with("error: --country: "), "{err}");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (code, _, err) =
        communs(&["--database-url", &db.url, "import", "publiccode", &empty.display().to_string()]).await;
    assert_eq!(code, 1);
    assert!(err.contains("no .yml or .yaml file in this folder"), "{err}");
    let (code, _, err) = communs(&["--database-url", &db.url, "export"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("name the folder to export into"), "{err}");
    assert_eq!(db.store.count_software().await.unwrap(), 0);
});
