//! Figures that agree: for every software and every territory of the demo, the software's
//! page, its search hit, the API's list, its adopters (page and API) and the dashboards give
//! the same number of adopters. An adopter is an organisation with a current adoption (any
//! status but ended); an adoption is any declared adoption, current or ended.

use catalog::Actor;
use tests::{store_test, today, TestServer};

fn number_before(html: &str, word: &str) -> i64 {
    let at = html.find(word).unwrap_or_else(|| panic!("no {word:?}"));
    let digits: String = html[..at]
        .chars()
        .rev()
        .skip_while(|c| c.is_whitespace())
        .take_while(|c| c.is_ascii_digit() || *c == '\u{202f}' || *c == '\u{a0}' || *c == ' ')
        .filter(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().unwrap_or_else(|_| panic!("no number before {word:?}"))
}

store_test!(every_count_of_adopters_agrees, |store| {
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    let server = TestServer::start(store.clone()).await;
    let (_, _, list) = server.get("/api/v1/software?limit=500").await;
    let (_, _, search) = server.get("/api/v1/search?limit=100").await;
    let hits = search["hits"].as_array().unwrap();
    let mut checked_territories = 0;
    for item in list["items"].as_array().unwrap() {
        let slug = item["slug"].as_str().unwrap();
        let adopters = item["adopters"].as_i64().unwrap();
        let hit = hits.iter().find(|h| h["slug"] == slug).unwrap_or_else(|| panic!("{slug} not in search"));
        assert_eq!(hit["adopters"].as_i64().unwrap(), adopters, "{slug}: search hit");
        let (_, _, listed) = server.get(&format!("/api/v1/software/{slug}/adopters?limit=1")).await;
        assert_eq!(listed["total"].as_i64().unwrap(), adopters, "{slug}: adopters API");
        let page = server.page(&format!("/software/{slug}"), &[], "fr").await;
        let on_page = if adopters == 0 {
            0
        } else {
            number_before(&page, if adopters == 1 { "adoptant<" } else { "adoptants<" })
        };
        assert_eq!(on_page, adopters, "{slug}: software page");
        let their = server.page(&format!("/software/{slug}/adopters"), &[], "fr").await;
        if adopters > 0 {
            assert_eq!(
                number_before(&their, if adopters == 1 { "adoptant<" } else { "adoptants<" }),
                adopters,
                "{slug}: adopters page"
            );
        }
        // Each territory of the software's table: the same count as its adopters there.
        let start = page.find("<tbody>").unwrap_or(0);
        for row in page[start..].split(&format!("href=\"/software/{slug}/adopters?territory=")).skip(1) {
            let territory = row.split('"').next().unwrap();
            let cell = row.split("<td class=\"num\">").nth(1).unwrap();
            let shown: i64 = cell
                .split('<')
                .next()
                .unwrap()
                .chars()
                .filter(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap();
            let (_, _, there) =
                server.get(&format!("/api/v1/software/{slug}/adopters?territory={territory}&limit=1")).await;
            assert_eq!(there["total"].as_i64().unwrap(), shown, "{slug} in {territory}");
            checked_territories += 1;
        }
    }
    assert!(checked_territories >= 10, "only {checked_territories} territories checked");
});

store_test!(money_is_never_added_across_currencies, |store| {
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    let server = TestServer::start(store.clone()).await;
    // Lizmap's "module cimetières" costs euros and was funded in euros and francs: the
    // progress counts the euros, and the francs are shown beside.
    let page = server.page("/software/lizmap", &[], "fr").await;
    let item = &page[page.find("id=\"item-module-cimetieres\"").expect("the item")..];
    let item = &item[..item.find("</li>").unwrap()];
    assert!(item.contains("dans une autre monnaie, non compté dans la progression"), "{item}");
    let before_cost = &item[item.find("<progress").unwrap()..item.find(" / ").unwrap()];
    assert!(!before_cost.contains("CHF"), "francs counted with euros: {before_cost}");
    assert!(item.contains("+ ") && item[item.find("<br>").unwrap()..].contains("CHF"), "{item}");
    let roadmaps = server.page("/roadmaps", &[], "en").await;
    assert!(roadmaps.contains("<span class=\"meta\">+ CHF"), "the roadmaps table lists other currencies beside");
});

store_test!(an_exchange_rate_counts_other_currencies_and_says_which, |store| {
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    let progress = |page: &str| -> (i64, String) {
        let item = &page[page.find("id=\"item-module-cimetieres\"").expect("the item")..];
        let item = &item[..item.find("</li>").unwrap()];
        let value = item.split("value=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
        (value, item.to_string())
    };
    let without = TestServer::start(store.clone()).await;
    let (before, _) = progress(&without.page("/software/lizmap", &[], "fr").await);
    // The operator's rate: one franc is worth 1.0650 euros.
    let (chf, eur) = (catalog::Currency::parse("CHF").unwrap(), catalog::Currency::parse("EUR").unwrap());
    let on = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let rate = catalog::money::ExchangeRate::new(chf, eur, "1.0650", on, Some("BCE".into())).unwrap();
    let with = TestServer::start(store.clone().with_exchange_rates(catalog::money::Rates::new(vec![rate]))).await;
    let (after, item) = progress(&with.page("/software/lizmap", &[], "fr").await);
    assert!(after > before, "the francs count once converted: {before} then {after}");
    assert!(item.contains("compté au taux de 1 CHF = 1,0650 EUR au ") && item.contains("(BCE)"), "{item}");
    assert!(!item.contains("non compté dans la progression"), "nothing left beside: {item}");
    let roadmaps = with.page("/roadmaps", &[], "en").await;
    assert!(roadmaps.contains("counted at 1 CHF = 1.0650 EUR on "), "the roadmaps table says the rate too");
});

store_test!(a_dashboard_table_holds_one_currency_and_each_software_once, |store| {
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    let server = TestServer::start(store.clone()).await;
    let page = server.page("/dashboards/funding", &[], "fr").await;
    let mut tables = 0;
    for table in page.split("<table").skip(1) {
        let table = &table[..table.find("</table>").unwrap()];
        let Some(start) = table.find("<tbody>") else { continue };
        let body = &table[start..];
        let currencies: std::collections::BTreeSet<&str> =
            ["€", "CHF", "$", "£"].into_iter().filter(|c| body.contains(c)).collect();
        if body.contains("href=\"/software/") && !body.contains("<progress") {
            assert!(currencies.len() <= 1, "a table mixes currencies: {currencies:?}\n{table}");
            let mut seen = std::collections::BTreeSet::new();
            for link in body.split("href=\"/software/").skip(1) {
                let slug = link.split('"').next().unwrap();
                assert!(seen.insert(slug), "{slug} twice in one table\n{table}");
            }
            tables += 1;
        }
    }
    assert!(tables >= 2, "the main currency's table and another currency's: {tables}");
});
