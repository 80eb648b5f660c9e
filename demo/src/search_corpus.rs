//! The text the search bench adds to the national dataset: a README for each repository,
//! and the queries an official or a developer would type. Both drawn from a seeded
//! generator, from the vocabulary of the software's domain, the municipal thesaurus and
//! the words of a forge's README, so that two runs index and ask the same.

use catalog::Category;

use crate::dataset::{Domain, COMPONENTS, DOMAINS, PREFIXES};
use crate::rng::Rng;

/// The domain a software's first category belongs to.
pub fn domain_of(categories: &[String]) -> &'static Domain {
    let first = categories.first().map(String::as_str).unwrap_or("");
    DOMAINS.iter().find(|d| d.category == first).unwrap_or(&DOMAINS[0])
}

const FR_PARAGRAPHS: &[&str] = &[
    "Le logiciel est développé en commun par les collectivités qui l'utilisent et par l'association qui le maintient. \
     Chaque évolution est discutée sur la forge avant d'être financée.",
    "Les agents de la mairie saisissent les informations une seule fois ; les documents sont produits automatiquement \
     et archivés avec leurs pièces justificatives.",
    "Une interface simple permet au secrétariat de mairie de traiter les demandes sans formation particulière, et \
     un tableau de bord résume l'activité du service.",
    "Les habitants suivent leurs demandes en ligne et reçoivent un courriel à chaque étape du traitement.",
    "Les droits d'accès sont définis par service ; chaque action est tracée dans un journal consultable par \
     l'administrateur.",
    "Les données peuvent être exportées en CSV, en JSON ou publiées en données ouvertes sur le portail de la \
     collectivité.",
    "Le module de statistiques produit les indicateurs demandés par la préfecture et par le conseil municipal.",
    "La mutualisation entre communes d'une même intercommunalité réduit le coût d'hébergement et de maintenance.",
    "L'application respecte le RGPD : les durées de conservation sont paramétrables et les données personnelles \
     sont purgées automatiquement.",
    "Un connecteur permet l'échange avec le parapheur électronique, le tiers de télétransmission et le système \
     d'archivage électronique.",
    "La documentation utilisateur décrit pas à pas les opérations courantes, avec des captures d'écran.",
    "Les modèles de courriers et d'arrêtés sont modifiables par la collectivité.",
];

const FR_INSTALL: &[&str] = &[
    "## Installation\n\nPrérequis : PostgreSQL 15, Python 3.11 et un serveur web. Copier le fichier de configuration \
     d'exemple, renseigner l'adresse de la base de données puis lancer les migrations.",
    "## Installation\n\nL'image Docker fournie démarre l'application et sa base de données : `docker compose up`. \
     Pour une installation en production, voir la documentation d'exploitation.",
    "## Installation\n\nLe paquet Debian installe le service et son unité systemd. La configuration se trouve dans \
     /etc ; les journaux sont envoyés au journal système.",
];

const FR_CONTRIBUTE: &[&str] = &[
    "## Contribuer\n\nLes contributions sont les bienvenues : ouvrez un ticket pour décrire un besoin ou une anomalie, \
     puis proposez une demande de fusion. Les tests doivent passer avant toute fusion.",
    "## Contribuer\n\nLa feuille de route est votée chaque année par le comité des collectivités utilisatrices. \
     Les demandes d'évolution se font sur la forge.",
];

const EN_PARAGRAPHS: &[&str] = &[
    "The software is developed together by the local authorities that use it and by the association that maintains \
     it. Every change is discussed on the forge before it is funded.",
    "Staff enter information once; documents are generated automatically and archived with their supporting files.",
    "A simple interface lets the town hall's office handle requests without specific training, and a dashboard \
     sums up the service's activity.",
    "Residents follow their requests online and get an e-mail at each step.",
    "Access rights are set per department; every action is logged and can be reviewed by the administrator.",
    "Data can be exported as CSV or JSON, or published as open data on the authority's portal.",
    "Sharing one installation between the towns of an intercommunal body lowers hosting and maintenance costs.",
    "Retention periods are configurable and personal data is purged automatically, as the GDPR requires.",
];

const EN_INSTALL: &[&str] = &[
    "## Installation\n\nRequirements: PostgreSQL 15, Python 3.11 and a web server. Copy the example configuration, \
     set the database address and run the migrations.",
    "## Installation\n\nThe provided Docker image starts the application and its database: `docker compose up`. See \
     the operations guide for a production setup.",
];

/// What a repository's component (`-api`, `-docs`...) adds to its README.
fn component_line(component: &str, fr: bool) -> &'static str {
    match (component, fr) {
        ("-api", true) => "Ce dépôt contient l'API REST et sa documentation OpenAPI.",
        ("-api", false) => "This repository holds the REST API and its OpenAPI description.",
        ("-web", true) => "Ce dépôt contient l'interface web, accessible et adaptée aux mobiles.",
        ("-web", false) => "This repository holds the web interface, accessible and mobile friendly.",
        ("-mobile", true) => "Application mobile pour Android et iOS, utilisable hors connexion sur le terrain.",
        ("-mobile", false) => "Mobile application for Android and iOS, usable offline in the field.",
        ("-docs", true) => "Documentation utilisateur et guide d'administration.",
        ("-docs", false) => "User documentation and administration guide.",
        ("-deploy", true) => "Scripts de déploiement Ansible et recettes Docker.",
        ("-deploy", false) => "Ansible deployment scripts and Docker recipes.",
        ("-connecteurs", true) => "Connecteurs vers les logiciels métiers, le parapheur et la plateforme d'échange.",
        ("-connecteurs", false) => "Connectors to business software, e-signature and exchange platforms.",
        ("-theme", true) => "Thème graphique conforme au système de design de l'État.",
        ("-theme", false) => "A theme that follows the government design system.",
        ("-import", true) => "Outils d'import des données depuis l'ancien logiciel.",
        ("-import", false) => "Tools to import data from the former software.",
        ("-tests", true) => "Tests de bout en bout et jeux de données de recette.",
        ("-tests", false) => "End-to-end tests and acceptance datasets.",
        (_, true) => "Ce dépôt contient le cœur de l'application.",
        (_, false) => "This repository holds the core of the application.",
    }
}

/// The README of one repository of a software: about 150 to 400 words, 70 % in French.
pub fn readme(name: &str, categories: &[String], url: &str, thesaurus: &[String], rng: &mut Rng) -> String {
    let domain = domain_of(categories);
    let component = COMPONENTS.iter().filter(|c| !c.is_empty()).find(|c| url.ends_with(*c)).copied().unwrap_or("");
    let fr = rng.chance(0.7);
    let mut out = format!("# {name}{component}\n\n");
    let category_names: Vec<&str> = categories
        .iter()
        .filter_map(|c| Category::parse(c).ok())
        .map(|c| if fr { c.info().fr } else { c.info().en })
        .collect();
    if fr {
        out.push_str(&format!(
            "{name} est un logiciel libre pour {}. {}\n\n",
            domain.fr,
            component_line(component, true)
        ));
        out.push_str("## Fonctionnalités\n\n");
    } else {
        out.push_str(&format!("{name} is free software for {}. {}\n\n", domain.en, component_line(component, false)));
        out.push_str("## Features\n\n");
    }
    for c in &category_names {
        out.push_str(&format!("- {c}\n"));
    }
    // Terms of the trade, as a README lists what it covers.
    for _ in 0..2 + rng.below(4) {
        out.push_str(&format!("- {}\n", rng.pick(thesaurus)));
    }
    out.push('\n');
    let (paragraphs, install) = if fr { (FR_PARAGRAPHS, FR_INSTALL) } else { (EN_PARAGRAPHS, EN_INSTALL) };
    for _ in 0..2 + rng.below(4) {
        out.push_str(rng.pick::<&str>(paragraphs));
        out.push_str("\n\n");
    }
    out.push_str(rng.pick::<&str>(install));
    out.push_str("\n\n");
    if fr {
        out.push_str(rng.pick::<&str>(FR_CONTRIBUTE));
        out.push_str("\n\n## Licence\n\nLogiciel libre ; voir le fichier LICENSE.\n");
    } else {
        out.push_str(
            "## Contributing\n\nIssues and merge requests are welcome on the forge.\n\n## Licence\n\nFree \
                      software; see the LICENSE file.\n",
        );
    }
    out
}

/// The words of a text worth asking for: four letters or more, not a joining word.
fn content_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .filter(|w| !matches!(*w, "pour" | "avec" | "dans" | "entre" | "selon" | "from" | "with" | "their" | "des"))
        .map(str::to_string)
        .collect()
}

/// One to three different words of a text, in its order.
fn distinct_words(text: &str, rng: &mut Rng) -> String {
    let mut words = content_words(text);
    words.dedup();
    let k = 1 + rng.below(3.min(words.len()));
    let start = rng.below(words.len() + 1 - k);
    words[start..start + k].join(" ")
}

/// One typo in a word of five letters or more: a letter dropped, doubled, replaced or two
/// swapped, as fingers make them.
fn typo(word: &str, rng: &mut Rng) -> String {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 5 {
        return word.to_string();
    }
    let i = 1 + rng.below(chars.len() - 2);
    let mut out = chars.clone();
    match rng.below(4) {
        0 => {
            out.remove(i);
        }
        1 => out.insert(i, chars[i]),
        2 => out[i] = if chars[i] == 'e' { 'r' } else { 'e' },
        _ => out.swap(i, i + 1),
    }
    out.into_iter().collect()
}

/// Lowercase, without accents: how many officials type.
fn unaccented(text: &str) -> String {
    catalog::text::fold(text)
}

/// Words no record of the catalog has, as a person adds them to a need.
const UNKNOWN_WORDS: &[&str] = &["licornes", "zeppelin", "trampoline", "cornemuse", "origami", "volcan"];

/// `n` queries, one to four words: thesaurus terms, words of the domains in French and in
/// English, software names, some with a typo, some quoted as phrases, a third without
/// accents. Returns (kind, query).
pub fn queries(n: usize, thesaurus: &[String], rng: &mut Rng) -> Vec<(&'static str, String)> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let domain = rng.pick(DOMAINS);
        let (kind, mut q) = match rng.below(22) {
            0..=6 => ("thesaurus", rng.pick(thesaurus).clone()),
            7..=10 => ("words", distinct_words(domain.fr, rng)),
            11 | 12 => ("english", distinct_words(domain.en, rng)),
            13..=15 => {
                let base =
                    if rng.chance(0.5) { rng.pick(thesaurus).clone() } else { content_words(domain.fr).join(" ") };
                let words: Vec<&str> = base.split(' ').take(3).collect();
                let j = rng.below(words.len());
                let typed: Vec<String> =
                    words.iter().enumerate().map(|(i, w)| if i == j { typo(w, rng) } else { w.to_string() }).collect();
                ("typo", typed.join(" "))
            }
            16 | 17 => {
                let multi: Vec<&String> = thesaurus.iter().filter(|t| t.contains(' ')).collect();
                let term = multi[rng.below(multi.len())];
                let extra =
                    if rng.chance(0.5) { format!(" {}", rng.pick(&content_words(domain.fr))) } else { String::new() };
                ("phrase", format!("\"{term}\"{extra}"))
            }
            // As people type a need: with words that name no subject, and now and then a
            // word no record has, so that the loose reading runs.
            18 | 19 => {
                let need = distinct_words(domain.fr, rng);
                let framed = match rng.below(4) {
                    0 => format!("logiciel de gestion {need} pour la commune"),
                    1 => format!("je cherche un outil pour {need}"),
                    2 => format!("{need} mairie"),
                    _ => format!("{need} {}", rng.pick(UNKNOWN_WORDS)),
                };
                ("natural", framed)
            }
            _ => {
                let name = format!("{}{}", rng.pick(PREFIXES), domain.stem);
                ("name", if rng.chance(0.5) { name } else { format!("{name} {}", rng.pick(&content_words(domain.fr))) })
            }
        };
        if rng.chance(0.33) {
            q = unaccented(&q);
        }
        let words = q.split_whitespace().count();
        if (1..=4).contains(&words) || kind == "phrase" || kind == "natural" {
            out.push((kind, q));
        }
    }
    out
}
