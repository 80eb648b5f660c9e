//! The Atom feeds, on SQLite and PostgreSQL: a software's, an organisation's, the new
//! software's and the roadmaps', after an adoption is declared and a need said through the
//! API. Each is read back by a feed parser (the PyPI package feedparser, installed by
//! `tests/feeds/install.sh`) and checked against RFC 4287's rules with an XML parser; the
//! pages link to their feeds. The releases of a software's repositories are checked in
//! harvest.rs, where a real repository is harvested. The sitemap lists every page. The
//! catalog's DCAT-AP description is read as RDF by rdflib (PyPI), which checks the
//! profile's mandatory properties.

use std::path::PathBuf;

use catalog::Actor;
use serde_json::{json, Value};
use tests::{database_test, TestServer};

const ATOM: &str = "http://www.w3.org/2005/Atom";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// What feedparser understood of `xml`.
fn feedparser(xml: &str) -> Value {
    python(&["tests/feeds/read.py"], xml)
}

/// What `script` (with its arguments) prints of `input`, run by the venv's Python.
fn python(script: &[&str], input: &str) -> Value {
    use std::io::Write;
    let installed = std::process::Command::new("bash").arg(root().join("tests/feeds/install.sh")).status();
    assert!(installed.is_ok_and(|s| s.success()), "tests/feeds/install.sh failed");
    let mut child = std::process::Command::new(root().join("target/feeds-venv/bin/python"))
        .arg(root().join(script[0]))
        .args(&script[1..])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{} failed", script[0]);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// RFC 4287's rules for a feed and its entries (section 4.1), checked on the XML: the
/// entries' (id, title, link).
fn atom_rules(xml: &str) -> Vec<(String, String, String)> {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    let feed = doc.root_element();
    assert_eq!((feed.tag_name().namespace(), feed.tag_name().name()), (Some(ATOM), "feed"));
    let children = |n: roxmltree::Node<'_, '_>, name: &str| -> Vec<String> {
        n.children()
            .filter(|c| c.is_element() && c.tag_name().name() == name && c.tag_name().namespace() == Some(ATOM))
            .map(|c| c.text().unwrap_or_default().to_string())
            .collect()
    };
    let one = |n: roxmltree::Node<'_, '_>, name: &str| -> String {
        let all = children(n, name);
        assert_eq!(all.len(), 1, "exactly one atom:{name} in {:?}", n.tag_name().name());
        all[0].clone()
    };
    let link = |n: roxmltree::Node<'_, '_>, rel: &str| -> Option<String> {
        n.children()
            .filter(|c| c.is_element() && c.tag_name().name() == "link")
            .find(|c| c.attribute("rel").unwrap_or("alternate") == rel)
            .and_then(|c| c.attribute("href"))
            .map(str::to_string)
    };
    let absolute = |iri: &str| iri.starts_with("http://") || iri.starts_with("https://");
    assert!(absolute(&one(feed, "id")));
    assert!(!one(feed, "title").is_empty());
    chrono::DateTime::parse_from_rfc3339(&one(feed, "updated")).expect("updated is an RFC 3339 date");
    assert!(link(feed, "self").is_some_and(|l| absolute(&l)), "a self link");
    assert!(link(feed, "alternate").is_some_and(|l| absolute(&l)), "an alternate link");
    let authored = !children(feed, "author").is_empty();
    let mut entries = Vec::new();
    for entry in feed.children().filter(|c| c.is_element() && c.tag_name().name() == "entry") {
        let id = one(entry, "id");
        assert!(absolute(&id), "{id}");
        chrono::DateTime::parse_from_rfc3339(&one(entry, "updated")).expect("an entry's updated");
        assert!(authored || !children(entry, "author").is_empty(), "an author for {id}");
        let alternate = link(entry, "alternate").expect("an entry's link");
        assert!(absolute(&alternate));
        assert!(!children(entry, "summary").is_empty() || !children(entry, "content").is_empty());
        entries.push((id, one(entry, "title"), alternate));
    }
    let mut ids: Vec<&String> = entries.iter().map(|(id, _, _)| id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), entries.len(), "the entries' ids are unique");
    entries
}

async fn feed(server: &TestServer, path: &str, lang: &str) -> (String, Vec<(String, String, String)>, Value) {
    let r = server.client.get(format!("{}{path}", server.base)).header("accept-language", lang).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    let ctype = r.headers()["content-type"].to_str().unwrap().to_string();
    assert_eq!(ctype, "application/atom+xml; charset=utf-8", "{path}");
    let xml = r.text().await.unwrap();
    let entries = atom_rules(&xml);
    let parsed = feedparser(&xml);
    assert_eq!((parsed["bozo"].as_bool(), parsed["version"].as_str()), (Some(false), Some("atom10")), "{parsed}");
    assert_eq!(parsed["entries"].as_array().unwrap().len(), entries.len());
    (xml, entries, parsed)
}

database_test!(each_feed_tells_what_changed_and_parses, |db| {
    let store = db.store.clone();
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), tests::today()).await.unwrap();
    let (_, token) = tests::member(&store, "greffe", "yverdon-les-bains").await;
    let server = TestServer::start(store.clone()).await;
    let send = |path: String, body: Value| {
        server
            .client
            .post(format!("{}{path}", server.base))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    let r = send("/api/v1/software/opencimetiere/adoptions".into(), json!({"since": "2024-03-01", "status": "pilot"}))
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let adoption: Value = r.json().await.unwrap();
    let item = store.software_roadmap("geocity").await.unwrap()[0].clone();
    let r = send(format!("/api/v1/roadmap/{}/needs", item.id), json!({})).await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());

    // The software's feed: the declaration, linked to the adoption's page.
    let (xml, entries, parsed) = feed(&server, "/software/opencimetiere/feed.atom", "fr").await;
    assert!(xml.contains("xml:lang=\"fr\""));
    assert_eq!(parsed["title"], "openCimetière : les nouvelles (fil Atom)", "{parsed}");
    let link = format!("{}/adoptions/{}", server.base, adoption["id"]);
    let declared = entries.iter().find(|(_, _, l)| *l == link).expect("the declaration is in the feed");
    assert!(declared.1.contains("Yverdon"), "{declared:?}");
    // The newest first.
    assert_eq!(entries[0].2, link, "{entries:?}");

    // The organisation's: the same declaration.
    let (_, entries, _) = feed(&server, "/organisations/yverdon-les-bains/feed.atom", "en").await;
    assert!(entries.iter().any(|(_, _, l)| *l == link), "{entries:?}");

    // The roadmaps': the need, linked to its item.
    let (_, entries, _) = feed(&server, "/feeds/roadmap.atom", "fr").await;
    let item_link = format!("{}/roadmap/{}", server.base, item.id);
    assert_eq!(entries[0].2, item_link, "{entries:?}");

    // The new software: every one of the demo's (fewer than 50), each its page.
    let (xml, entries, _) = feed(&server, "/feeds/software.atom", "en").await;
    assert!(xml.contains("xml:lang=\"en\""));
    let all = store.software_list(&Default::default(), 500, 0).await.unwrap().total as usize;
    assert_eq!(entries.len(), all.min(50));
    assert!(entries.iter().any(|(id, _, _)| *id == format!("{}/software/opencimetiere", server.base)));

    // The pages link to their feeds; an unknown software has none.
    for (page, href) in [
        ("/software/opencimetiere", "/software/opencimetiere/feed.atom"),
        ("/organisations/yverdon-les-bains", "/organisations/yverdon-les-bains/feed.atom"),
        ("/", "/feeds/software.atom"),
    ] {
        let html = server.page(page, &[], "fr").await;
        assert!(html.contains(r#"<link rel="alternate" type="application/atom+xml" title="#), "{page}");
        assert!(html.contains(&format!(r#"href="{href}">"#)), "{page}");
    }
    let (status, _, _) = server.get("/software/nope/feed.atom").await;
    assert_eq!(status, 404);
});

/// The `<loc>`s of a sitemap or sitemap index, checked to be absolute under `base`.
fn locations(xml: &str, root: &str, base: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    let top = doc.root_element();
    let ns = "http://www.sitemaps.org/schemas/sitemap/0.9";
    assert_eq!((top.tag_name().namespace(), top.tag_name().name()), (Some(ns), root));
    let locs: Vec<String> = top
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "loc")
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect();
    assert!(locs.len() <= 50_000, "a list holds 50,000 addresses at most");
    for l in &locs {
        assert!(l.starts_with(base), "{l}");
    }
    locs
}

database_test!(the_sitemap_lists_every_page, |db| {
    let store = db.store.clone();
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), tests::today()).await.unwrap();
    let server = TestServer::start(store.clone()).await;
    let base = server.base.clone();
    let index = server.page("/sitemap.xml", &[], "fr").await;
    let lists = locations(&index, "sitemapindex", &base);
    assert_eq!(lists[..2], [format!("{base}/sitemaps/pages.xml"), format!("{base}/sitemaps/software.xml")]);
    let mut pages = Vec::new();
    for list in &lists {
        let r = server.client.get(list).send().await.unwrap();
        assert_eq!(r.status(), 200, "{list}");
        assert_eq!(r.headers()["content-type"], "application/xml; charset=utf-8");
        pages.extend(locations(&r.text().await.unwrap(), "urlset", &base));
    }
    let software = store.software_slugs().await.unwrap();
    let organisations = store.count_organisations().await.unwrap();
    let of = |prefix: &str| pages.iter().filter(|p| p.starts_with(&format!("{base}{prefix}"))).count();
    assert_eq!(of("/software/"), software.len());
    assert_eq!(of("/organisations/") as i64, organisations);
    // Every page it names answers (a sample of each kind).
    for p in pages.iter().step_by(37).chain(pages.iter().take(8)) {
        let r = server.client.get(p).header("accept-language", "fr").send().await.unwrap();
        assert_eq!(r.status(), 200, "{p}");
    }
    let (status, _, _) = server.get("/sitemaps/organisations/99.xml").await;
    assert_eq!(status, 404);
    let robots = server.page("/robots.txt", &[], "fr").await;
    assert!(robots.contains(&format!("Sitemap: {base}/sitemap.xml")) && robots.contains("Disallow: /account"));
});

database_test!(the_catalog_is_described_in_dcat_ap, |db| {
    let store = db.store.clone();
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), tests::today()).await.unwrap();
    let server = TestServer::start(store.clone()).await;
    let r = server.client.get(format!("{}/api/v1/catalog.jsonld", server.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/ld+json");
    let text = r.text().await.unwrap();
    let graph = python(&["tests/feeds/graph.py", "opencimetiere"], &text);
    // One catalog, titled, described, with a named publisher and every software.
    let software = store.software_slugs().await.unwrap().len();
    let catalogs = graph["catalogs"].as_array().unwrap();
    assert_eq!(catalogs.len(), 1, "{graph}");
    assert_eq!(catalogs[0][0], format!("{}/api/v1/catalog.jsonld", server.base));
    assert_eq!(catalogs[0][1], software.to_string());
    assert_eq!(catalogs[0][3], "Communs");
    assert_eq!(graph["datasets"], software);
    for missing in ["untitled", "undescribed", "unreachable"] {
        assert_eq!(graph[missing], json!([]), "{missing}: {graph}");
    }
    // openCimetière: its repository under its licence, and its publiccode.yml.
    let urls: Vec<(&str, Option<&str>)> =
        graph["distributions"].as_array().unwrap().iter().map(|d| (d[0].as_str().unwrap(), d[1].as_str())).collect();
    let record = store.software("opencimetiere").await.unwrap();
    let licence = format!("http://spdx.org/licenses/{}", record.licence);
    for repo in &record.repositories {
        assert!(urls.contains(&(repo.url.as_str(), Some(licence.as_str()))), "{urls:?}");
    }
    let publiccode = format!("{}/software/opencimetiere/publiccode.yml", server.base);
    assert!(urls.iter().any(|(u, _)| *u == publiccode), "{urls:?}");
});
