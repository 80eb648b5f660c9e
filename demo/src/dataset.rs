//! The generated part of the national dataset: publishers, software with their
//! repositories, adoptions and fundings, all drawn from a seeded generator so that two
//! runs load the same records. Every record is marked `demo` (illustrative).

use std::collections::{BTreeMap, HashSet};

use catalog::{
    AdoptionDraft, Category, FundingDraft, OrganisationDraft, OrganisationKind, RepositoryDraft, Slug, SoftwareDraft,
};
use chrono::{Duration, NaiveDate};

use crate::rng::Rng;

/// How many records of each kind a run loads; the communes are always all loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub publishers: usize,
    pub software: usize,
    pub repositories_per_software: usize,
    pub adoptions: usize,
    pub fundings: usize,
}

impl Counts {
    /// The counts (5,000 software, 50,000 repositories, 1,000,000 adoptions,
    /// 100,000 fundings) times `scale`.
    pub fn at(scale: f64) -> Counts {
        let n = |full: f64, min: usize| ((full * scale).round() as usize).max(min);
        Counts {
            publishers: n(300.0, 6),
            software: n(5_000.0, 10),
            repositories_per_software: 10,
            adoptions: n(1_000_000.0, 100),
            fundings: n(100_000.0, 10),
        }
    }

    pub fn repositories(&self) -> usize {
        self.software * self.repositories_per_software
    }
}

// ---- organisations --------------------------------------------------------------------

/// An organisation the generator may name, by slug, by official identifier or both.
#[derive(Debug, Clone)]
pub struct Org {
    /// The slug it has in the database (`None` when the import had to change it).
    pub slug: Option<String>,
    /// `fr-insee:...`, `fr-siren:...`, `fr-dep:...` or `fr-reg:...`.
    pub official: Option<String>,
    pub kind: OrganisationKind,
}

/// Every organisation of the dataset, with indices by kind.
#[derive(Debug, Default)]
pub struct Pool {
    pub orgs: Vec<Org>,
    pub communes: Vec<usize>,
    pub epcis: Vec<usize>,
    pub departements: Vec<usize>,
    pub regions: Vec<usize>,
    pub associations: Vec<usize>,
    pub companies: Vec<usize>,
}

impl Pool {
    pub fn push(&mut self, org: Org) {
        let i = self.orgs.len();
        match org.kind {
            OrganisationKind::Commune => self.communes.push(i),
            OrganisationKind::Epci => self.epcis.push(i),
            OrganisationKind::Departement => self.departements.push(i),
            OrganisationKind::Region => self.regions.push(i),
            OrganisationKind::Association => self.associations.push(i),
            OrganisationKind::Company => self.companies.push(i),
            _ => {}
        }
        self.orgs.push(org);
    }

    /// The public bodies that adopt software: communes, EPCI, départements, régions.
    pub fn territorial(&self) -> Vec<usize> {
        [&self.communes, &self.epcis, &self.departements, &self.regions].into_iter().flatten().copied().collect()
    }

    /// How a file would name the organisation: its slug or its official identifier, half
    /// and half when both are known.
    pub fn key(&self, i: usize, rng: &mut Rng) -> String {
        let org = &self.orgs[i];
        match (&org.slug, &org.official) {
            (Some(s), Some(o)) => {
                if rng.chance(0.5) {
                    s.clone()
                } else {
                    o.clone()
                }
            }
            (Some(s), None) => s.clone(),
            (None, Some(o)) => o.clone(),
            (None, None) => unreachable!("an organisation of the pool has a slug or an identifier"),
        }
    }
}

const THEMES: &[&str] = &[
    "des Communs Numériques",
    "Libre et Territoires",
    "pour la Mutualisation Informatique",
    "des Collectivités Libres",
    "Logiciels Publics",
    "Numérique Citoyen",
    "des Maires Numériques",
    "Données Ouvertes Locales",
    "des Services Publics Libres",
    "Usages Numériques Ruraux",
];

const AREAS: &[&str] = &[
    "de Bretagne",
    "de Normandie",
    "d'Occitanie",
    "du Grand Est",
    "des Hauts-de-France",
    "de Nouvelle-Aquitaine",
    "d'Auvergne",
    "du Centre-Val de Loire",
    "de Bourgogne",
    "de Provence",
    "de Corse",
    "des Pays de la Loire",
    "d'Île-de-France",
    "du Jura",
    "des Alpes",
    "des Pyrénées",
    "du Massif central",
    "de La Réunion",
    "des Antilles",
    "de Guyane",
];

const FIRMS: &[&str] = &[
    "Libre Informatique",
    "Atelier Public",
    "Code Commun",
    "Logiciels Citoyens",
    "Numérique Local",
    "Coop Digitale",
    "Open Territoires",
    "Data Commune",
    "Service Libre",
    "Infra Publique",
];

/// Associations (two thirds) and companies that publish, maintain and host software.
pub fn publishers(n: usize) -> Vec<OrganisationDraft> {
    let associations = n * 2 / 3;
    (0..n)
        .map(|i| {
            let (kind, name) = if i < associations {
                let base =
                    format!("Association {} {}", THEMES[i % THEMES.len()], AREAS[(i / THEMES.len()) % AREAS.len()]);
                let round = i / (THEMES.len() * AREAS.len());
                ("association", if round == 0 { base } else { format!("{base} {}", round + 1) })
            } else {
                let j = i - associations;
                let base = format!("{} {} SCOP", FIRMS[j % FIRMS.len()], AREAS[(j / FIRMS.len()) % AREAS.len()]);
                let round = j / (FIRMS.len() * AREAS.len());
                ("company", if round == 0 { base } else { format!("{base} {}", round + 1) })
            };
            let slug = Slug::from_name(&name).expect("a publisher's name gives a slug").to_string();
            OrganisationDraft {
                website: Some(format!("https://{slug}.example.org")),
                slug,
                name,
                kind: kind.into(),
                country: "FR".into(),
                demo: true,
                ..Default::default()
            }
        })
        .collect()
}

// ---- software -------------------------------------------------------------------------

/// A municipal domain: its category, the stem of software names, what it does in French
/// and in English.
pub struct Domain {
    pub category: &'static str,
    pub stem: &'static str,
    pub fr: &'static str,
    pub en: &'static str,
}

macro_rules! domains {
    ($($cat:literal, $stem:literal, $fr:literal, $en:literal;)*) => {
        pub const DOMAINS: &[Domain] = &[$(Domain { category: $cat, stem: $stem, fr: $fr, en: $en }),*];
    };
}

domains! {
    "cimetieres", "Cimetière", "la gestion des cimetières, des concessions et des inhumations", "managing cemeteries, burial plots and burials";
    "etat-civil", "Civil", "la tenue des registres d'état civil et la délivrance des actes", "keeping civil registers and issuing certificates";
    "urbanisme", "Urba", "l'instruction des permis de construire et des déclarations préalables", "processing building permits and planning applications";
    "deliberations", "Délib", "la préparation des conseils municipaux et la publication des délibérations", "preparing council meetings and publishing deliberations";
    "sig", "Carto", "la cartographie et le système d'information géographique de la commune", "municipal mapping and GIS";
    "archivage", "Archives", "l'archivage électronique à valeur probante", "electronic archiving with legal value";
    "teleservices", "Démarches", "les démarches en ligne des usagers", "online procedures for residents";
    "participation", "Participe", "la participation citoyenne et les budgets participatifs", "citizen participation and participatory budgets";
    "courrier", "Courrier", "la gestion du courrier entrant et sortant", "incoming and outgoing mail management";
    "finances", "Budget", "la préparation budgétaire et la comptabilité publique", "budget preparation and public accounting";
    "elections", "Scrutin", "l'organisation des élections et la gestion des listes électorales", "running elections and electoral rolls";
    "ressources-humaines", "Agents", "la gestion des carrières et de la paie des agents", "staff careers and payroll";
    "marches-publics", "Marchés", "la passation et le suivi des marchés publics", "awarding and following public contracts";
    "signature", "Parapheur", "la circulation des parapheurs et la signature électronique", "approval workflows and e-signature";
    "open-data", "Data", "la publication des données ouvertes de la collectivité", "publishing the authority's open data";
    "site-web", "Site", "le site web de la commune et de ses services", "the municipal website";
    "relation-usagers", "Signal", "les signalements des habitants et la gestion de la relation usagers", "residents' reports and citizen relations";
    "tourisme-loisirs", "Loisirs", "les réservations de salles, d'équipements sportifs et de loisirs", "booking rooms, sports and leisure facilities";
    "education-enfance", "Cantine", "les inscriptions scolaires, la restauration et le périscolaire", "school enrolment, canteens and after-school care";
    "collaboration", "Bureau", "la bureautique et le travail collaboratif des agents", "office work and staff collaboration";
    "action-sociale", "Social", "l'action sociale et le suivi des bénéficiaires du CCAS", "social services and benefit recipients";
    "patrimoine-technique", "Voirie", "le patrimoine, la voirie et les interventions des services techniques", "assets, roads and technical services";
    "regles-calcul", "Règles", "le calcul des droits et des aides selon la législation", "computing entitlements from legislation";
    "identite-acces", "Sésame", "l'identité numérique et l'accès des agents aux applications", "digital identity and staff access";
    "bibliotheques", "Biblio", "la gestion des bibliothèques et médiathèques", "library management";
}

pub const PREFIXES: &[&str] = &[
    "Open", "Libre", "Cité", "Commune", "Terri", "Publi", "Mairie", "Agora", "Civi", "Loca", "Nova", "Pluri", "Géo",
    "Mutu", "Ville", "Hexa", "Marianne", "Village", "Inter", "Kiosque",
];

const SUFFIXES: &[&str] =
    &["", " Pro", " Cloud", " Connect", " Express", " Suite", " Next", " Lite", " Plus", " Campus"];

/// Real SPDX identifiers, as free software of public bodies uses them.
pub const LICENCES: &[&str] = &[
    "AGPL-3.0-or-later",
    "AGPL-3.0-only",
    "GPL-3.0-or-later",
    "GPL-2.0-or-later",
    "LGPL-3.0-or-later",
    "EUPL-1.2",
    "MIT",
    "Apache-2.0",
    "CECILL-2.1",
    "CECILL-B",
    "MPL-2.0",
    "BSD-3-Clause",
];

const FORGES: &[&str] = &[
    "https://github.com",
    "https://gitlab.com",
    "https://framagit.org",
    "https://gitlab.adullact.net",
    "https://codeberg.org",
    "https://git.sr.ht/~",
];

pub const COMPONENTS: &[&str] =
    &["", "-api", "-web", "-mobile", "-docs", "-deploy", "-connecteurs", "-theme", "-import", "-tests"];

/// `n` software, each with `repositories` repositories, published, maintained and hosted
/// by the given associations and companies (slugs).
pub fn software(
    n: usize,
    repositories: usize,
    associations: &[String],
    companies: &[String],
    rng: &mut Rng,
) -> Vec<SoftwareDraft> {
    assert!(repositories <= COMPONENTS.len(), "at most {} repositories per software", COMPONENTS.len());
    let categories: Vec<Category> = Category::all().collect();
    let combos = DOMAINS.len() * PREFIXES.len() * SUFFIXES.len();
    let mut slugs = HashSet::new();
    let mut out: Vec<SoftwareDraft> = Vec::with_capacity(n);
    for i in 0..n {
        let domain = &DOMAINS[i % DOMAINS.len()];
        let prefix = PREFIXES[(i / DOMAINS.len()) % PREFIXES.len()];
        let suffix = SUFFIXES[(i / (DOMAINS.len() * PREFIXES.len())) % SUFFIXES.len()];
        let round = i / combos;
        let mut name = format!("{prefix}{}{suffix}", domain.stem);
        if round > 0 {
            name = format!("{name} {}", round + 1);
        }
        let mut slug = Slug::from_name(&name).expect("a software name gives a slug").to_string();
        if !slugs.insert(slug.clone()) {
            slug = format!("{slug}-{i}");
            slugs.insert(slug.clone());
        }
        let mut cats = vec![domain.category.to_string()];
        if rng.chance(0.4) {
            let extra = rng.pick(&categories).slug().to_string();
            if extra != cats[0] {
                cats.push(extra);
            }
        }
        let maturity = match rng.below(20) {
            0 => "concept",
            1 | 2 => "development",
            3..=6 => "beta",
            7..=18 => "stable",
            _ => "obsolete",
        };
        let publisher_is_company = !companies.is_empty() && rng.chance(0.3);
        let publisher = if publisher_is_company { rng.pick(companies).clone() } else { rng.pick(associations).clone() };
        let mut maintainers = vec![publisher.clone()];
        if rng.chance(0.5) {
            let other = rng.pick(associations).clone();
            if other != publisher {
                maintainers.push(other);
            }
        }
        let mut providers = Vec::new();
        for _ in 0..rng.below(3) {
            if companies.is_empty() {
                break;
            }
            let c = rng.pick(companies).clone();
            if !providers.contains(&c) {
                providers.push(c);
            }
        }
        // Similar software: earlier ones of the same domain.
        let similar = (1..=rng.below(3))
            .filter_map(|k| i.checked_sub(k * DOMAINS.len()))
            .map(|j| out[j].slug.clone())
            .collect::<Vec<_>>();
        let home = rng.below(FORGES.len());
        let repositories = (0..repositories)
            .map(|r| {
                // Most repositories on the software's forge, a few mirrors elsewhere.
                let forge = FORGES[(home + usize::from(r % 4 == 3)) % FORGES.len()];
                let component = COMPONENTS[r % COMPONENTS.len()];
                let sep = if forge.ends_with('~') { "" } else { "/" };
                RepositoryDraft { url: format!("{forge}{sep}{publisher}/{slug}{component}"), forge: None }
            })
            .collect();
        let summary = BTreeMap::from([
            ("fr".to_string(), format!("{name} : logiciel libre pour {}, mutualisé entre collectivités.", domain.fr)),
            ("en".to_string(), format!("{name}: free software for {}, shared between local authorities.", domain.en)),
        ]);
        let description = BTreeMap::from([(
            "fr".to_string(),
            format!(
                "{name} couvre {}. Il est publié sous licence libre et développé avec les collectivités qui \
                 l'utilisent : chacune peut l'installer, l'adapter et reverser ses améliorations. Les \
                 évolutions sont décidées ensemble et financées en commun.\n\nInstallation sur un serveur \
                 de la collectivité ou chez un prestataire ; documentation et feuille de route sur la forge.",
                domain.fr
            ),
        )]);
        out.push(SoftwareDraft {
            website: rng.chance(0.7).then(|| format!("https://{slug}.example.org")),
            slug,
            name,
            summary,
            description,
            categories: cats,
            licence: rng.pick(LICENCES).to_string(),
            maturity: maturity.into(),
            logo_url: None,
            publisher: Some(publisher),
            maintainers,
            providers,
            funders: Vec::new(),
            similar,
            repositories,
            demo: true,
        });
    }
    out
}

// ---- adoptions ------------------------------------------------------------------------

/// How many adopters each popularity rank gets: a Zipf law (count ∝ 1/rank) scaled so
/// that the counts add up to `total`, capped at `cap`, at least 1. With the full counts
/// the first few software have tens of thousands of adopters and most have tens.
pub fn popularity(n: usize, total: usize, cap: usize) -> Vec<usize> {
    assert!(n > 0 && cap > 0);
    assert!(total <= n * cap, "{total} adoptions do not fit in {n} software of at most {cap} adopters");
    let counts_for =
        |c: f64| -> Vec<usize> { (0..n).map(|r| ((c / (r + 1) as f64).round() as usize).clamp(1, cap)).collect() };
    let (mut lo, mut hi) = (0.0f64, (total as f64) * 2.0 + 1.0);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if counts_for(mid).iter().sum::<usize>() < total {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut counts = counts_for(hi);
    // Round to the exact total: take the excess from the least popular above 1.
    let mut sum: usize = counts.iter().sum();
    let mut r = n;
    while sum > total {
        r = if r == 0 { n - 1 } else { r - 1 };
        if counts[r] > 1 {
            counts[r] -= 1;
            sum -= 1;
        }
    }
    let mut r = 0;
    while sum < total {
        if counts[r % n] < cap {
            counts[r % n] += 1;
            sum += 1;
        }
        r += 1;
    }
    counts
}

/// Distinct (software, adopter) pairs: software `s` gets `counts[s]` adopters drawn
/// uniformly among `adopters` positions, by a partial Fisher–Yates on one permutation
/// (O(total)). The pairs come out shuffled, as an unsorted import file would list them.
pub fn adoption_pairs(counts: &[usize], adopters: usize, rng: &mut Rng) -> Vec<(u32, u32)> {
    let mut perm: Vec<u32> = (0..adopters as u32).collect();
    let mut pairs = Vec::with_capacity(counts.iter().sum());
    for (s, &k) in counts.iter().enumerate() {
        assert!(k <= adopters);
        for j in 0..k {
            let r = j + rng.below(adopters - j);
            perm.swap(j, r);
            pairs.push((s as u32, perm[j]));
        }
    }
    rng.shuffle(&mut pairs);
    pairs
}

pub fn date_between(from: NaiveDate, to: NaiveDate, rng: &mut Rng) -> NaiveDate {
    let days = (to - from).num_days().max(0) as usize;
    from + Duration::days(rng.below(days + 1) as i64)
}

pub const SCOPES: &[&str] = &[
    "Service de l'urbanisme",
    "Direction des systèmes d'information",
    "Service état civil",
    "Services techniques",
    "Médiathèque",
    "Centre communal d'action sociale",
    "Service des finances",
    "Secrétariat de mairie",
];

pub fn adoption(software: &str, organisation: String, today: NaiveDate, rng: &mut Rng) -> AdoptionDraft {
    let since = date_between(NaiveDate::from_ymd_opt(2008, 1, 1).expect("a date"), today, rng);
    let status = match rng.below(100) {
        0..=79 => "active",
        80..=91 => "pilot",
        _ => "ended",
    };
    let confirmed = rng.chance(0.25);
    AdoptionDraft {
        software: software.to_string(),
        organisation,
        since: since.to_string(),
        status: status.into(),
        scope: rng.chance(0.15).then(|| rng.pick(SCOPES).to_string()),
        evidence_url: rng
            .chance(0.2)
            .then(|| format!("https://deliberations.example.org/{}.pdf", rng.next_u64() % 10_000_000)),
        state: Some(if confirmed { "confirmed" } else { "declared" }.into()),
        last_confirmed: confirmed.then(|| date_between(since, today, rng).to_string()),
        demo: true,
    }
}

// ---- fundings -------------------------------------------------------------------------

pub fn funding(funder: String, software: &str, today: NaiveDate, rng: &mut Rng) -> FundingDraft {
    // Log-uniform between 200 and 400,000 euros, to the cent.
    let (lo, hi) = ((20_000f64).ln(), (40_000_000f64).ln());
    let minor = (lo + (hi - lo) * rng.unit()).exp().round() as u64;
    let kind = match rng.below(10) {
        0..=3 => "co-development",
        4..=6 => "membership-fee",
        7 | 8 => "contract",
        _ => "in-kind",
    };
    let status = match rng.below(10) {
        0..=6 => "paid",
        7 | 8 => "voted",
        _ => "pledged",
    };
    FundingDraft {
        funder,
        software: software.to_string(),
        roadmap_item: None,
        amount: format!("{}.{:02}", minor / 100, minor % 100),
        currency: "EUR".into(),
        date: date_between(NaiveDate::from_ymd_opt(2012, 1, 1).expect("a date"), today, rng).to_string(),
        kind: kind.into(),
        status: status.into(),
        evidence_url: rng
            .chance(0.3)
            .then(|| format!("https://deliberations.example.org/financement-{}.pdf", rng.next_u64() % 10_000_000)),
        demo: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn popularity_is_skewed_and_exact() {
        let counts = popularity(5_000, 1_000_000, 30_000);
        assert_eq!(counts.iter().sum::<usize>(), 1_000_000);
        assert!(counts[0] >= 20_000, "{}", counts[0]);
        let mut sorted = counts.clone();
        sorted.sort_unstable();
        let median = sorted[sorted.len() / 2];
        assert!((10..100).contains(&median), "median {median}");
        let small = popularity(100, 20_000, 30_000);
        assert_eq!(small.iter().sum::<usize>(), 20_000);
    }

    #[test]
    fn pairs_are_distinct() {
        let mut rng = Rng::new(1);
        let counts = popularity(50, 5_000, 900);
        let pairs = adoption_pairs(&counts, 1_000, &mut rng);
        assert_eq!(pairs.len(), 5_000);
        let set: HashSet<_> = pairs.iter().collect();
        assert_eq!(set.len(), pairs.len());
        assert!(pairs.iter().all(|&(_, o)| o < 1_000));
    }

    #[test]
    fn generated_records_validate() {
        let mut rng = Rng::new(2);
        let pubs = publishers(30);
        for p in &pubs {
            p.validate().unwrap_or_else(|e| panic!("{}: {e}", p.slug));
        }
        let (assoc, comp): (Vec<_>, Vec<_>) = pubs.iter().partition(|p| p.kind == "association");
        let assoc: Vec<String> = assoc.iter().map(|p| p.slug.clone()).collect();
        let comp: Vec<String> = comp.iter().map(|p| p.slug.clone()).collect();
        let sw = software(600, 10, &assoc, &comp, &mut rng);
        let slugs: HashSet<_> = sw.iter().map(|s| s.slug.clone()).collect();
        assert_eq!(slugs.len(), 600);
        let urls: HashSet<_> = sw.iter().flat_map(|s| s.repositories.iter().map(|r| r.url.clone())).collect();
        assert_eq!(urls.len(), 6_000);
        for s in &sw {
            s.validate().unwrap_or_else(|e| panic!("{}: {e}", s.slug));
        }
        for licence in LICENCES {
            catalog::Licence::parse(licence).unwrap();
        }
        for _ in 0..1_000 {
            adoption("opencimetiere", "fr-insee:21231".into(), today(), &mut rng).validate(today()).unwrap();
            funding("dijon".into(), "opencimetiere", today(), &mut rng).validate(today()).unwrap();
        }
    }
}
