//! The Store on SQLite and PostgreSQL: every test here runs on both.

use catalog::{
    Actor, AdoptionDraft, Error, FundingDraft, OrganisationDraft, OrganisationFilter, OrganisationKind,
    RepositoryDraft, RoadmapItemDraft, SoftwareDraft, SoftwareFilter, Store,
};
use tests::{store_test, today};

const ME: Actor = Actor::System("test");

fn org(slug: &str, kind: &str, ids: &[&str], parents: &[&str]) -> OrganisationDraft {
    OrganisationDraft {
        slug: slug.into(),
        name: format!("Org {slug}"),
        kind: kind.into(),
        country: "FR".into(),
        identifiers: ids.iter().map(|s| s.to_string()).collect(),
        population: Some(1000),
        parents: parents.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn software(slug: &str) -> SoftwareDraft {
    SoftwareDraft {
        slug: slug.into(),
        name: format!("Logiciel {slug}"),
        summary: [
            ("fr".to_string(), "Gestion des cimetières".to_string()),
            ("en".to_string(), "Cemeteries".to_string()),
        ]
        .into(),
        description: [("fr".to_string(), "Un **logiciel** libre.".to_string())].into(),
        categories: vec!["cimetieres".into()],
        licence: "AGPL-3.0-or-later".into(),
        maturity: "stable".into(),
        publisher: Some("adullact".into()),
        maintainers: vec!["adullact".into()],
        repositories: vec![RepositoryDraft {
            url: format!("https://gitlab.adullact.net/adullact/{slug}.git"),
            forge: None,
        }],
        ..Default::default()
    }
}

fn adoption(software: &str, org: &str) -> AdoptionDraft {
    AdoptionDraft {
        software: software.into(),
        organisation: org.into(),
        since: "2021-05-01".into(),
        status: "active".into(),
        scope: Some("Service état civil".into()),
        ..Default::default()
    }
}

fn funding(funder: &str, software: &str, amount: &str, currency: &str) -> FundingDraft {
    FundingDraft {
        funder: funder.into(),
        software: software.into(),
        amount: amount.into(),
        currency: currency.into(),
        date: "2024-03-12".into(),
        kind: "co-development".into(),
        status: "voted".into(),
        ..Default::default()
    }
}

/// A small world: a région, a département, an EPCI, two communes, an association, and one
/// software.
async fn small_world(store: &Store) {
    for o in [
        org("bourgogne-franche-comte", "region", &["fr-reg:27"], &[]),
        org("cote-d-or", "departement", &["fr-dep:21"], &["bourgogne-franche-comte"]),
        org("cc-pays-alesia-seine", "epci", &["fr-siren:242101459"], &["cote-d-or"]),
        org("venarey-les-laumes", "commune", &["fr-insee:21663"], &["cc-pays-alesia-seine", "cote-d-or"]),
        org("darcey", "commune", &["fr-insee:21227"], &["cc-pays-alesia-seine"]),
        org("adullact", "association", &[], &[]),
    ] {
        store.put_organisation(&ME, &o.validate().unwrap()).await.unwrap();
    }
    store.put_software(&ME, &software("opencimetiere").validate().unwrap()).await.unwrap();
}

store_test!(organisations_keep_identifiers_and_parents, |store| {
    small_world(&store).await;
    let v = store.organisation("venarey-les-laumes").await.unwrap();
    assert_eq!(v.kind, OrganisationKind::Commune);
    assert_eq!(v.identifiers[0].to_string(), "fr-insee:21663");
    let parents: Vec<_> = v.parents.iter().map(|p| p.slug.as_str()).collect();
    assert_eq!(parents, ["cc-pays-alesia-seine", "cote-d-or"]);

    let children = store
        .organisations(&OrganisationFilter { parent: Some("cc-pays-alesia-seine".into()), ..Default::default() }, 50, 0)
        .await
        .unwrap();
    assert_eq!(children.total, 2);
    let communes = store
        .organisations(&OrganisationFilter { kind: Some(OrganisationKind::Commune), ..Default::default() }, 1, 1)
        .await
        .unwrap();
    assert_eq!((communes.total, communes.items.len()), (2, 1));

    // Found by official identifier as well as by slug.
    let key = catalog::OrgKey::parse("organisation", "fr-insee:21227").unwrap();
    assert_eq!(store.organisation_slug(&key).await.unwrap().as_deref(), Some("darcey"));

    // Updating replaces the name and keeps the slug; the history has both events.
    let mut again = org("darcey", "commune", &["fr-insee:21227"], &["cc-pays-alesia-seine"]);
    again.name = "Darcey".into();
    let (updated, created) = store.put_organisation(&ME, &again.validate().unwrap()).await.unwrap();
    assert!(!created);
    assert_eq!(updated.name, "Darcey");
    let history = store.history("organisation", "darcey", 10, 0).await.unwrap();
    assert_eq!(history.total, 2);
    assert_eq!(history.items[0].action, "update");
    assert!(history.items[0].before.as_deref().unwrap().contains("Org darcey"));
});

store_test!(an_identifier_belongs_to_one_organisation, |store| {
    small_world(&store).await;
    let events = store.audit_count().await.unwrap();
    let thief = org("autre", "commune", &["fr-insee:21227"], &[]);
    let err = store.put_organisation(&ME, &thief.validate().unwrap()).await.unwrap_err();
    assert!(matches!(&err, Error::Conflict { field, .. } if field == "identifiers[0]"), "{err}");
    assert!(err.to_string().contains("already belongs to organisation darcey"));
    // Nothing was written, not even half of it.
    assert!(matches!(store.organisation("autre").await, Err(Error::NotFound { .. })));
    assert_eq!(store.audit_count().await.unwrap(), events);

    let orphan = org("orphan", "commune", &[], &["nowhere"]);
    let err = store.put_organisation(&ME, &orphan.validate().unwrap()).await.unwrap_err();
    assert_eq!(err.to_string(), "parents[0]: no organisation nowhere is known");
    assert!(store.organisation("orphan").await.is_err());
});

store_test!(software_records_round_trip, |store| {
    small_world(&store).await;
    let sw = store.software("opencimetiere").await.unwrap();
    assert_eq!(sw.summary["fr"], "Gestion des cimetières");
    assert_eq!(sw.publisher.as_ref().unwrap().slug, "adullact");
    assert_eq!(sw.repositories[0].forge, "gitlab");
    assert_eq!(sw.categories, ["cimetieres"]);

    let mut other = software("openelec");
    other.categories = vec!["elections".into()];
    other.similar = vec!["opencimetiere".into()];
    store.put_software(&ME, &other.validate().unwrap()).await.unwrap();
    assert_eq!(store.software("openelec").await.unwrap().similar[0].slug, "opencimetiere");

    let page = store
        .software_list(
            &SoftwareFilter {
                category: Some(catalog::Category::parse("elections").unwrap()),
                licence: None,
                newest_first: false,
            },
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].slug, "openelec");

    // A repository belongs to one software.
    let mut thief = software("thief");
    thief.repositories =
        vec![RepositoryDraft { url: "https://gitlab.adullact.net/adullact/opencimetiere.git".into(), forge: None }];
    let err = store.put_software(&ME, &thief.validate().unwrap()).await.unwrap_err();
    assert!(matches!(&err, Error::Conflict { field, .. } if field == "repositories[0].url"), "{err}");
    assert!(store.software("thief").await.is_err());

    // An unknown maintainer is named and nothing is written.
    let mut lost = software("lost");
    lost.maintainers = vec!["adullact".into(), "nobody".into()];
    let err = store.put_software(&ME, &lost.validate().unwrap()).await.unwrap_err();
    assert_eq!(err.to_string(), "maintainers[1]: no organisation nobody is known");
    assert!(store.software("lost").await.is_err());
});

store_test!(adoptions_are_upserted_and_paged, |store| {
    small_world(&store).await;
    let a = adoption("opencimetiere", "fr-insee:21663").validate(today()).unwrap();
    let (first, created) = store.put_adoption(&ME, &a).await.unwrap();
    assert!(created);
    assert_eq!(first.organisation, "venarey-les-laumes");
    assert_eq!(first.state.as_str(), "declared");
    let mut again = adoption("opencimetiere", "venarey-les-laumes");
    again.status = "ended".into();
    let (second, created) = store.put_adoption(&ME, &again.validate(today()).unwrap()).await.unwrap();
    assert!(!created);
    assert_eq!(second.status.as_str(), "ended");
    store.put_adoption(&ME, &adoption("opencimetiere", "darcey").validate(today()).unwrap()).await.unwrap();
    let page = store.software_adoptions("opencimetiere", 1, 1).await.unwrap();
    assert_eq!((page.total, page.items.len()), (2, 1));
    assert_eq!(store.organisation_adoptions("darcey", 10, 0).await.unwrap().total, 1);
    assert!(matches!(store.software_adoptions("nothing", 10, 0).await, Err(Error::NotFound { .. })));
});

store_test!(imports_write_everything_or_nothing, |store| {
    small_world(&store).await;
    let rows: Vec<_> = [
        adoption("opencimetiere", "darcey"),
        adoption("opencimetiere", "fr-insee:99999"),
        adoption("unknown-software", "darcey"),
        adoption("opencimetiere", "fr-insee:21227"),
    ]
    .iter()
    .map(|d| d.validate(today()).unwrap())
    .collect();
    let problems = store.import_adoptions(&ME, "test.csv", &rows).await.unwrap().unwrap_err();
    let shown: Vec<_> = problems.iter().map(|p| (p.index, p.field.as_str(), p.message.as_str())).collect();
    assert_eq!(
        shown,
        [
            (1, "organisation", "no organisation fr-insee:99999 is known"),
            (2, "software", "no software unknown-software is known"),
            (3, "organisation", "the same software and organisation as row 1"),
        ]
    );
    assert_eq!(store.count_adoptions().await.unwrap(), 0);

    // A large import (it reads every slug and identifier at once) is checked the same way.
    let communes: Vec<_> =
        (0..2100).map(|i| org(&format!("commune-{i}"), "commune", &[], &[]).validate().unwrap()).collect();
    store.put_organisations(&ME, &communes).await.unwrap();
    let mut rows: Vec<_> =
        communes.iter().map(|o| adoption("opencimetiere", o.slug.as_str()).validate(today()).unwrap()).collect();
    rows.push(adoption("opencimetiere", "commune-9999").validate(today()).unwrap());
    let problems = store.import_adoptions(&ME, "big.csv", &rows).await.unwrap().unwrap_err();
    assert_eq!(problems.len(), 1);
    assert_eq!((problems[0].index, problems[0].message.as_str()), (2100, "no organisation commune-9999 is known"));
    assert_eq!(store.count_adoptions().await.unwrap(), 0);
    rows.pop();
    assert_eq!(store.import_adoptions(&ME, "big.csv", &rows).await.unwrap().unwrap(), 2100);
    assert_eq!(store.count_adoptions().await.unwrap(), 2100);
    // Importing the same file again updates rather than duplicates.
    assert_eq!(store.import_adoptions(&ME, "big.csv", &rows).await.unwrap().unwrap(), 2100);
    assert_eq!(store.count_adoptions().await.unwrap(), 2100);
    assert_eq!(store.software_adoptions("opencimetiere", 10, 0).await.unwrap().total, 2100);
    // Ending half of them moves the active count, not the total.
    for row in rows.iter_mut().step_by(2) {
        row.status = catalog::AdoptionStatus::Ended;
    }
    store.import_adoptions(&ME, "ended.csv", &rows).await.unwrap().unwrap();
    let listed = store.software_list(&SoftwareFilter::default(), 10, 0).await.unwrap();
    let cimetiere = listed.items.iter().find(|s| s.slug == "opencimetiere").unwrap();
    assert_eq!(cimetiere.adopters, 1050);
    assert_eq!(store.software_adoptions("opencimetiere", 10, 0).await.unwrap().total, 2100);
    // Large imports refresh the planner's statistics afterwards.
    store.analyze(&["adoptions", "software_stats"]).await.unwrap();
});

store_test!(fundings_and_roadmaps, |store| {
    small_world(&store).await;
    let item = RoadmapItemDraft {
        software: "opencimetiere".into(),
        slug: "plan-interactif".into(),
        title: "Plan interactif des concessions".into(),
        body: Some("Un plan cliquable.".into()),
        status: "planned".into(),
        estimated_cost: Some(catalog::CostDraft { amount: "30000".into(), currency: "EUR".into() }),
        target_date: Some("2027-06-30".into()),
        needed_by: vec!["darcey".into()],
        demo: true,
    };
    store.put_roadmap_item(&ME, &item.validate().unwrap()).await.unwrap();

    let mut f = funding("venarey-les-laumes", "opencimetiere", "12000.50", "EUR");
    f.roadmap_item = Some("plan-interactif".into());
    let stored = store.add_funding(&ME, &f.validate(today()).unwrap()).await.unwrap();
    assert_eq!(stored.amount.minor, 1_200_050);
    assert_eq!(stored.amount_decimal, "12000.50");
    store
        .add_funding(&ME, &funding("darcey", "opencimetiere", "0.50", "EUR").validate(today()).unwrap())
        .await
        .unwrap();
    store.add_funding(&ME, &funding("darcey", "opencimetiere", "100", "CHF").validate(today()).unwrap()).await.unwrap();

    let totals = store.software_funding_totals("opencimetiere").await.unwrap();
    let shown: Vec<_> = totals.iter().map(|t| (t.currency.code().to_string(), t.decimal.clone(), t.count)).collect();
    assert_eq!(shown, [("CHF".to_string(), "100.00".to_string(), 1), ("EUR".to_string(), "12001.00".to_string(), 2)]);

    let roadmap = store.software_roadmap("opencimetiere").await.unwrap();
    assert_eq!(roadmap[0].needed_by[0].slug, "darcey");
    assert_eq!(roadmap[0].funded[0].minor, 1_200_050);
    assert_eq!(roadmap[0].estimated_cost.unwrap().minor, 3_000_000);

    let mut wrong_item = funding("darcey", "opencimetiere", "1", "EUR");
    wrong_item.roadmap_item = Some("nothing-like-it".into());
    let err = store.add_funding(&ME, &wrong_item.validate(today()).unwrap()).await.unwrap_err();
    assert_eq!(err.to_string(), "roadmap_item: opencimetiere has no roadmap item nothing-like-it");
    assert_eq!(store.count_fundings().await.unwrap(), 3);
    assert_eq!(store.organisation_fundings("darcey", 10, 0).await.unwrap().total, 2);
});

store_test!(the_demo_loads_and_exports_to_itself, |store| {
    let fixtures = tests::demo_fixtures();
    let report = store.seed(&ME, &fixtures, today()).await.unwrap();
    assert!(report.software >= 40, "{report:?}");
    assert!(report.organisations >= 150, "{report:?}");
    assert!(report.adoptions >= 400, "{report:?}");
    assert!(report.fundings >= 150, "{report:?}");
    assert!(report.roadmap_items >= 30, "{report:?}");

    // What the export gives loads into an empty database and exports identically.
    let exported = store.export_fixtures().await.unwrap();

    // The aggregates the pages read agree with the records, before and after a rebuild.
    for round in 0..2 {
        for sw in &exported.software {
            let adoptions = exported.adoptions.iter().filter(|a| a.software == sw.slug).count() as i64;
            assert_eq!(store.software_adoptions(&sw.slug, 1, 0).await.unwrap().total, adoptions, "{}", sw.slug);
            let fundings: Vec<_> = exported.fundings.iter().filter(|f| f.software == sw.slug).collect();
            assert_eq!(store.software_fundings(&sw.slug, 1, 0).await.unwrap().total, fundings.len() as i64);
            for t in store.software_funding_totals(&sw.slug).await.unwrap() {
                let sum: i64 = fundings
                    .iter()
                    .filter(|f| f.currency == t.currency.code())
                    .map(|f| catalog::Money::parse(&f.amount, t.currency).unwrap().minor)
                    .sum();
                assert_eq!(t.minor, sum, "{} {}", sw.slug, t.currency);
            }
        }
        for org in exported.organisations.iter().take(60) {
            let used = exported.adoptions.iter().filter(|a| a.organisation == org.slug).count() as i64;
            assert_eq!(store.organisation_adoptions(&org.slug, 1, 0).await.unwrap().total, used, "{}", org.slug);
        }
        if round == 0 {
            store.rebuild_stats(&ME).await.unwrap();
        }
    }
    let other = tests::TestDb::sqlite().await;
    other.store.seed(&ME, &exported, today()).await.unwrap();
    let again = other.store.export_fixtures().await.unwrap();
    assert_eq!(serde_json::to_value(&exported).unwrap(), serde_json::to_value(&again).unwrap());
    other.finish().await;
});

store_test!(a_bad_fixture_loads_nothing, |store| {
    let mut fixtures = tests::demo_fixtures();
    let last = fixtures.adoptions.len() - 1;
    fixtures.adoptions[last].organisation = "nobody-at-all".into();
    let err = store.seed(&ME, &fixtures, today()).await.unwrap_err();
    assert_eq!(err.to_string(), format!("adoptions.json[{last}].organisation: no organisation nobody-at-all is known"));
    assert_eq!(store.count_organisations().await.unwrap(), 0);
    assert_eq!(store.count_software().await.unwrap(), 0);

    let mut fixtures = tests::demo_fixtures();
    fixtures.fundings[3].currency = "EURO".into();
    let err = store.seed(&ME, &fixtures, today()).await.unwrap_err();
    assert!(err.to_string().starts_with("fundings.json[3].currency:"), "{err}");
});

store_test!(a_softwares_adopters_by_territory_kind_status_and_nearness, |store| {
    use catalog::{AdopterFilter, AdopterSort, OrganisationKind};
    store.seed(&ME, &tests::demo_fixtures(), today()).await.unwrap();
    let all = store.software_adopters("opencimetiere", &AdopterFilter::default(), 500, 0).await.unwrap();
    assert!(all.total >= 30, "{}", all.total);
    assert_eq!(all.items.len() as i64, all.total);
    let names: Vec<&str> = all.items.iter().map(|a| a.adoption.organisation_name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "by name without near");
    assert!(all.items.iter().all(|a| a.proximity.is_none()));

    // Within the Côte-d'Or: the communauté de communes and its communes, two levels down.
    let filter = AdopterFilter { territory: Some("cote-d-or".into()), ..Default::default() };
    let cote_d_or = store.software_adopters("opencimetiere", &filter, 500, 0).await.unwrap();
    assert!(cote_d_or.items.iter().any(|a| a.adoption.organisation == "cc-pays-alesia-seine"));
    assert!(cote_d_or.items.iter().any(|a| a.adoption.organisation == "alise-sainte-reine"));
    assert!(!cote_d_or.items.iter().any(|a| a.adoption.organisation == "arles"));
    let filter =
        AdopterFilter { kind: Some(OrganisationKind::Epci), status: Some("active".into()), ..Default::default() };
    let epcis = store.software_adopters("opencimetiere", &filter, 500, 0).await.unwrap();
    assert!(epcis.total >= 1);
    assert!(epcis
        .items
        .iter()
        .all(|a| a.adoption.organisation_kind == "epci" && a.adoption.status.as_str() == "active"));

    // Near Alise-Sainte-Reine: itself, then its communauté de communes and its neighbours in
    // it, and Arles (same country only) after them.
    let filter =
        AdopterFilter { near: Some("alise-sainte-reine".into()), sort: AdopterSort::Near, ..Default::default() };
    let near = store.software_adopters("opencimetiere", &filter, 500, 0).await.unwrap();
    assert_eq!(near.items[0].adoption.organisation, "alise-sainte-reine");
    assert_eq!(near.items[0].proximity, Some(0));
    let rank = |slug: &str| near.items.iter().find(|a| a.adoption.organisation == slug).unwrap().proximity.unwrap();
    assert_eq!(rank("cc-pays-alesia-seine"), 1);
    assert_eq!(rank("venarey-les-laumes"), 1);
    assert_eq!(rank("arles"), 4);
    let proximities: Vec<i64> = near.items.iter().map(|a| a.proximity.unwrap()).collect();
    assert!(proximities.windows(2).all(|w| w[0] <= w[1]), "{proximities:?}");
    // Paged, the same order.
    let page = store.software_adopters("opencimetiere", &filter, 5, 5).await.unwrap();
    assert_eq!(
        page.items.iter().map(|a| &a.adoption.organisation).collect::<Vec<_>>(),
        near.items[5..10].iter().map(|a| &a.adoption.organisation).collect::<Vec<_>>()
    );

    // An unknown territory or organisation is named.
    let filter = AdopterFilter { territory: Some("atlantide".into()), ..Default::default() };
    let err = store.software_adopters("opencimetiere", &filter, 10, 0).await.unwrap_err();
    assert!(matches!(err, Error::Invalid { ref field, .. } if field == "territory"), "{err:?}");
    let filter = AdopterFilter { near: Some("atlantide".into()), ..Default::default() };
    let err = store.software_adopters("opencimetiere", &filter, 10, 0).await.unwrap_err();
    assert!(matches!(err, Error::Invalid { ref field, .. } if field == "near"), "{err:?}");
});
