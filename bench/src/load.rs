//! LOAD: the dataset written through the catalog's own write paths (`import_communes`,
//! `put_organisations`, `put_software`, `import_adoptions`, `import_fundings`), each step
//! timed, the counts read back at the end.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use catalog::import::communes::CommuneData;
use catalog::{Actor, NewAdoption, NewFunding, NewSoftware, OrganisationFilter, OrganisationKind, Store};
use chrono::NaiveDate;

use demo::dataset::{self, Counts, Org, Pool};
use demo::rng::{Rng, Weighted};

const ACTOR: Actor = Actor::System("bench");

/// One timed step of the load.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: &'static str,
    /// Wall time of the step, generating its records included.
    pub time: Duration,
    /// Of which inside Store calls.
    pub store_time: Duration,
    pub detail: String,
}

/// A count read back from the database after the load.
#[derive(Debug, Clone)]
pub struct Check {
    pub what: &'static str,
    pub expected: i64,
    pub found: i64,
}

/// What the load wrote and what the request phases need to name it.
#[derive(Debug)]
pub struct Loaded {
    pub steps: Vec<Step>,
    pub total: Duration,
    pub checks: Vec<Check>,
    pub pool: Pool,
    pub software: Vec<String>,
    /// Adopters of each software, in the order of `software`.
    pub adopters: Vec<usize>,
}

impl Loaded {
    pub fn verified(&self) -> bool {
        self.checks.iter().all(|c| c.expected == c.found)
    }
}

pub struct LoadSettings<'a> {
    pub communes_dir: &'a Path,
    pub counts: Counts,
    pub chunk: usize,
    pub seed: u64,
    pub today: NaiveDate,
}

fn say(text: impl std::fmt::Display) {
    println!("  {text}");
    let _ = std::io::stdout().flush();
}

fn say_step(step: &Step) {
    say(format!("{}: {} (Store calls {}) — {}", step.name, secs(step.time), secs(step.store_time), step.detail));
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

pub async fn load(store: &Store, s: &LoadSettings<'_>) -> anyhow::Result<Loaded> {
    let started = Instant::now();
    let mut rng = Rng::new(s.seed);
    let mut steps = Vec::new();

    // 1. Communes, EPCI, départements, régions from the INSEE reference data.
    let t = Instant::now();
    let data = CommuneData::read_dir(s.communes_dir)
        .map_err(|e| anyhow::anyhow!("{}: {e}", s.communes_dir.display()))
        .context("reading the communes")?;
    let read = t.elapsed();
    let ts = Instant::now();
    let report = store.import_communes(&ACTOR, &data).await.context("import_communes")?;
    let store_time = ts.elapsed();
    let planned = data.organisations()?;
    let mut pool = Pool::default();
    pool_from_import(store, &planned, &mut pool).await?;
    steps.push(Step {
        name: "communes",
        time: t.elapsed(),
        store_time,
        detail: format!(
            "{} organisations created ({} communes, {} EPCI, {} départements, {} régions); files read in {}",
            report.created,
            pool.communes.len(),
            pool.epcis.len(),
            pool.departements.len(),
            pool.regions.len(),
            secs(read)
        ),
    });
    say_step(&steps[0]);
    let communes_created = report.created as i64;

    // 2. Associations and companies that publish the software.
    let t = Instant::now();
    let drafts = dataset::publishers(s.counts.publishers);
    let orgs = drafts.iter().map(|d| d.validate()).collect::<Result<Vec<_>, _>>().context("a publisher")?;
    let ts = Instant::now();
    let (created, _) = store.put_organisations(&ACTOR, &orgs).await.context("put_organisations")?;
    let store_time = ts.elapsed();
    for o in &orgs {
        pool.push(Org { slug: Some(o.slug.to_string()), official: None, kind: o.kind });
    }
    steps.push(Step {
        name: "publishers",
        time: t.elapsed(),
        store_time,
        detail: format!("{created} associations and companies in one put_organisations"),
    });
    say_step(&steps[1]);

    // 3. Software, each with its repositories, one put_software each.
    let t = Instant::now();
    let slugs_of = |idx: &[usize]| idx.iter().filter_map(|&i| pool.orgs[i].slug.clone()).collect::<Vec<_>>();
    let (associations, companies) = (slugs_of(&pool.associations), slugs_of(&pool.companies));
    let drafts = dataset::software(
        s.counts.software,
        s.counts.repositories_per_software,
        &associations,
        &companies,
        &mut rng.fork(3),
    );
    let software: Vec<NewSoftware> = drafts
        .iter()
        .map(|d| d.validate().with_context(|| format!("software {}", d.slug)))
        .collect::<Result<_, _>>()?;
    let mut store_time = Duration::ZERO;
    let mut slowest = (Duration::ZERO, String::new());
    for (i, sw) in software.iter().enumerate() {
        let ts = Instant::now();
        store.put_software(&ACTOR, sw).await.with_context(|| format!("put_software {}", sw.slug))?;
        let took = ts.elapsed();
        store_time += took;
        if took > slowest.0 {
            slowest = (took, sw.slug.to_string());
        }
        if (i + 1) % 1000 == 0 {
            say(format!("  software {}/{} ({})", i + 1, software.len(), secs(t.elapsed())));
        }
    }
    steps.push(Step {
        name: "software",
        time: t.elapsed(),
        store_time,
        detail: format!(
            "{} put_software with {} repositories in all; {:.2} ms per call on average, slowest {:.1} ms",
            software.len(),
            s.counts.repositories(),
            store_time.as_secs_f64() * 1e3 / software.len().max(1) as f64,
            slowest.0.as_secs_f64() * 1e3
        ),
    });
    say_step(&steps[2]);
    let software_slugs: Vec<String> = software.iter().map(|s| s.slug.to_string()).collect();

    // 4. Adoptions: a Zipf popularity over a shuffled order of the software, distinct
    // (software, organisation) pairs, imported in chunks.
    let t = Instant::now();
    let territorial = pool.territorial();
    let cap = 30_000.min(territorial.len() * 9 / 10).max(1);
    let by_rank = dataset::popularity(software_slugs.len(), s.counts.adoptions, cap);
    let mut order: Vec<usize> = (0..software_slugs.len()).collect();
    let mut arng = rng.fork(4);
    arng.shuffle(&mut order);
    let mut adopters = vec![0usize; software_slugs.len()];
    for (rank, &i) in order.iter().enumerate() {
        adopters[i] = by_rank[rank];
    }
    let pairs = dataset::adoption_pairs(&adopters, territorial.len(), &mut arng);
    let mut store_time = Duration::ZERO;
    let mut chunk_times = Vec::new();
    for (c, chunk) in pairs.chunks(s.chunk).enumerate() {
        let rows: Vec<NewAdoption> = chunk
            .iter()
            .map(|&(sw, o)| {
                let key = pool.key(territorial[o as usize], &mut arng);
                dataset::adoption(&software_slugs[sw as usize], key, s.today, &mut arng).validate(s.today)
            })
            .collect::<Result<_, _>>()
            .context("a generated adoption")?;
        let ts = Instant::now();
        let out =
            store.import_adoptions(&ACTOR, &format!("bench-adoptions-{c}"), &rows).await.context("import_adoptions")?;
        let took = ts.elapsed();
        if let Err(problems) = out {
            bail!("import_adoptions refused chunk {c}: {:?}", &problems[..problems.len().min(5)]);
        }
        store_time += took;
        chunk_times.push(took);
    }
    let mut sorted = adopters.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    steps.push(Step {
        name: "adoptions",
        time: t.elapsed(),
        store_time,
        detail: format!(
            "{} rows in {} import_adoptions of {}; chunk time {}; adopters per software: top {:?}, median {}, least {}",
            pairs.len(),
            chunk_times.len(),
            s.chunk,
            spread(&chunk_times),
            &sorted[..sorted.len().min(5)],
            sorted[sorted.len() / 2],
            sorted.last().copied().unwrap_or(0)
        ),
    });
    say_step(&steps[3]);

    // 5. Fundings: funders mostly communes and EPCI, software weighted by popularity.
    let t = Instant::now();
    let mut frng = rng.fork(5);
    let groups: Vec<(&[usize], u64)> = vec![
        (&pool.communes, 55),
        (&pool.epcis, 25),
        (&pool.departements, 10),
        (&pool.regions, 5),
        (&pool.associations, 5),
    ];
    let groups: Vec<(&[usize], u64)> = groups.into_iter().filter(|(g, _)| !g.is_empty()).collect();
    let group_draw = Weighted::new(groups.iter().map(|g| g.1));
    let popular = Weighted::new(adopters.iter().map(|&a| a as u64));
    let mut store_time = Duration::ZERO;
    let mut chunk_times = Vec::new();
    let mut done = 0;
    let mut c = 0;
    while done < s.counts.fundings {
        let n = s.chunk.min(s.counts.fundings - done);
        let rows: Vec<NewFunding> = (0..n)
            .map(|_| {
                let group = groups[group_draw.draw(&mut frng)].0;
                let funder = pool.key(*frng.pick(group), &mut frng);
                let sw = if frng.chance(0.7) { popular.draw(&mut frng) } else { frng.below(software_slugs.len()) };
                dataset::funding(funder, &software_slugs[sw], s.today, &mut frng).validate(s.today)
            })
            .collect::<Result<_, _>>()
            .context("a generated funding")?;
        let ts = Instant::now();
        let out =
            store.import_fundings(&ACTOR, &format!("bench-fundings-{c}"), &rows).await.context("import_fundings")?;
        let took = ts.elapsed();
        if let Err(problems) = out {
            bail!("import_fundings refused chunk {c}: {:?}", &problems[..problems.len().min(5)]);
        }
        store_time += took;
        chunk_times.push(took);
        done += n;
        c += 1;
    }
    steps.push(Step {
        name: "fundings",
        time: t.elapsed(),
        store_time,
        detail: format!(
            "{done} rows in {} import_fundings of up to {}; chunk time {}",
            chunk_times.len(),
            s.chunk,
            spread(&chunk_times)
        ),
    });
    say_step(&steps[4]);
    let total = started.elapsed();

    // Read the counts back.
    let mut checks = vec![
        Check {
            what: "organisations",
            expected: communes_created + s.counts.publishers as i64,
            found: store.count_organisations().await?,
        },
        Check { what: "software", expected: s.counts.software as i64, found: store.count_software().await? },
        Check { what: "adoptions", expected: s.counts.adoptions as i64, found: store.count_adoptions().await? },
        Check { what: "fundings", expected: s.counts.fundings as i64, found: store.count_fundings().await? },
    ];
    // The Store counts no repositories; read them on a sample of software.
    let sample: Vec<&String> = software_slugs.iter().step_by((software_slugs.len() / 50).max(1)).collect();
    let mut repositories = 0;
    for slug in &sample {
        repositories += store.software(slug).await?.repositories.len() as i64;
    }
    checks.push(Check {
        what: "repositories (sampled software)",
        expected: (sample.len() * s.counts.repositories_per_software) as i64,
        found: repositories,
    });
    for c in &checks {
        let mark = if c.expected == c.found { "ok" } else { "MISMATCH" };
        say(format!("count {}: {} (expected {}) {mark}", c.what, c.found, c.expected));
    }
    Ok(Loaded { steps, total, checks, pool, software: software_slugs, adopters })
}

/// The pool of territorial organisations as the import planned them, each with the slug
/// it really has (read back from the database) and its main official identifier.
async fn pool_from_import(store: &Store, planned: &[catalog::NewOrganisation], pool: &mut Pool) -> anyhow::Result<()> {
    let listed = store.organisations(&OrganisationFilter::default(), i64::MAX / 4, 0).await?;
    let mut in_db: HashMap<String, bool> = listed.items.into_iter().map(|o| (o.slug, false)).collect();
    for org in planned {
        // The first organisation planned with a slug gets it; a later one with the same
        // slug was renamed by the import and is named by its identifier only.
        let slug = match in_db.get_mut(org.slug.as_str()) {
            Some(taken @ false) => {
                *taken = true;
                Some(org.slug.to_string())
            }
            _ => None,
        };
        let official = org.identifiers.first().map(|i| i.to_string());
        if slug.is_none() && official.is_none() {
            continue;
        }
        if matches!(
            org.kind,
            OrganisationKind::Commune
                | OrganisationKind::Epci
                | OrganisationKind::Departement
                | OrganisationKind::Region
        ) {
            pool.push(Org { slug, official, kind: org.kind });
        }
    }
    Ok(())
}

fn spread(times: &[Duration]) -> String {
    if times.is_empty() {
        return "-".into();
    }
    let ms = |d: &Duration| d.as_secs_f64();
    let first = ms(&times[0]);
    let last = ms(times.last().expect("not empty"));
    let max = times.iter().map(ms).fold(0.0, f64::max);
    format!("first {first:.2} s, last {last:.2} s, max {max:.2} s")
}
