//! PROFILE: the Store calls behind each page, timed one at a time on the loaded database
//! (no concurrency), to tell which call a page's latency comes from; and the share of an
//! adoption import that goes to resolving names, measured with a chunk that the import
//! refuses for one bad row (nothing is written).

use std::time::{Duration, Instant};

use anyhow::Context;
use catalog::{Actor, NewAdoption, Store};
use chrono::NaiveDate;

use crate::load::Loaded;
use demo::dataset;
use demo::rng::{Rng, Weighted};

/// Slugs and how often each is asked for.
#[derive(Clone)]
pub struct Sampler {
    pub slugs: Vec<String>,
    pub weights: Weighted,
}

impl Sampler {
    pub fn draw(&self, rng: &mut Rng) -> &str {
        &self.slugs[self.weights.draw(rng)]
    }
}

/// Software: half uniform over all software, half in proportion to the number of
/// adopters, so the most adopted pages are asked for often.
pub fn software_sampler(loaded: &Loaded) -> Sampler {
    let n = loaded.software.len() as u64;
    let total: u64 = loaded.adopters.iter().map(|&a| a as u64).sum();
    Sampler {
        slugs: loaded.software.clone(),
        weights: Weighted::new(loaded.adopters.iter().map(|&a| total + n * a as u64)),
    }
}

/// Organisations: 85 % communes, 10 % EPCI, 3 % départements and régions, 2 %
/// publishers, uniform within each group.
pub fn organisation_sampler(loaded: &Loaded) -> Sampler {
    let pool = &loaded.pool;
    let deps_regions: Vec<usize> = pool.departements.iter().chain(&pool.regions).copied().collect();
    let publishers: Vec<usize> = pool.associations.iter().chain(&pool.companies).copied().collect();
    let mut slugs = Vec::new();
    let mut weights = Vec::new();
    for (group, share) in [(&pool.communes, 85u64), (&pool.epcis, 10), (&deps_regions, 3), (&publishers, 2)] {
        let named: Vec<&String> = group.iter().filter_map(|&i| pool.orgs[i].slug.as_ref()).collect();
        for slug in &named {
            slugs.push(slug.to_string());
            weights.push(share * 1_000_000_000 / named.len() as u64);
        }
    }
    Sampler { slugs, weights: Weighted::new(weights) }
}

#[derive(Debug, Clone)]
pub struct CallStats {
    pub call: &'static str,
    pub count: usize,
    pub mean_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

fn stats(call: &'static str, mut times: Vec<Duration>) -> CallStats {
    times.sort_unstable();
    let n = times.len().max(1);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    CallStats {
        call,
        count: times.len(),
        mean_ms: times.iter().map(|&d| ms(d)).sum::<f64>() / n as f64,
        p99_ms: times.get(((0.99 * n as f64).ceil() as usize).clamp(1, n) - 1).map_or(f64::NAN, |&d| ms(d)),
        max_ms: times.last().map_or(f64::NAN, |&d| ms(d)),
    }
}

macro_rules! time_calls {
    ($name:literal, $samples:expr, $sampler:expr, $rng:expr, |$slug:ident| $call:expr) => {{
        let mut times = Vec::with_capacity($samples);
        for _ in 0..$samples {
            let $slug = $sampler.draw(&mut $rng).to_string();
            let t = Instant::now();
            $call.await.with_context(|| format!("{} {}", $name, $slug))?;
            times.push(t.elapsed());
        }
        stats($name, times)
    }};
}

pub async fn store_calls(store: &Store, loaded: &Loaded, samples: usize, seed: u64) -> anyhow::Result<Vec<CallStats>> {
    let (sw, org) = (software_sampler(loaded), organisation_sampler(loaded));
    let mut rng = Rng::new(seed ^ 0x5052_4f46);
    let n = samples;
    let mut out = Vec::new();
    out.push(time_calls!("ping", n, sw, rng, |_s| store.ping()));
    out.push(time_calls!("software", n, sw, rng, |s| store.software(&s)));
    out.push(time_calls!("software_adoptions(50)", n, sw, rng, |s| store.software_adoptions(&s, 50, 0)));
    out.push(time_calls!("software_fundings(50)", n, sw, rng, |s| store.software_fundings(&s, 50, 0)));
    out.push(time_calls!("software_funding_totals", n, sw, rng, |s| store.software_funding_totals(&s)));
    out.push(time_calls!("software_roadmap", n, sw, rng, |s| store.software_roadmap(&s)));
    out.push(time_calls!("organisation_profile(50)", n, org, rng, |s| store.organisation_profile(&s, 50)));
    out.push(time_calls!("organisation", n, org, rng, |s| store.organisation(&s)));
    out.push(time_calls!("organisation_adoptions(50)", n, org, rng, |s| store.organisation_adoptions(&s, 50, 0)));
    out.push(time_calls!("organisation_fundings(50)", n, org, rng, |s| store.organisation_fundings(&s, 50, 0)));
    Ok(out)
}

/// Times `import_adoptions` on `rows` rows drawn like the load's plus one row naming an
/// unknown software: the Store resolves every row, refuses the chunk and writes nothing,
/// so the time is what resolving names costs in an import of that size.
pub async fn adoption_resolution(
    store: &Store,
    loaded: &Loaded,
    rows: usize,
    seed: u64,
    today: NaiveDate,
) -> anyhow::Result<Duration> {
    let mut rng = Rng::new(seed ^ 0x5245_534f);
    let territorial = loaded.pool.territorial();
    let popular = Weighted::new(loaded.adopters.iter().map(|&a| a as u64));
    let mut chunk: Vec<NewAdoption> = (0..rows)
        .map(|_| {
            let sw = &loaded.software[popular.draw(&mut rng)];
            let key = loaded.pool.key(*rng.pick(&territorial), &mut rng);
            dataset::adoption(sw, key, today, &mut rng).validate(today)
        })
        .collect::<Result<_, _>>()?;
    let bad = dataset::adoption("no-such-software-in-the-bench", "fr-insee:21231".into(), today, &mut rng);
    chunk.push(bad.validate(today)?);
    let t = Instant::now();
    let out = store.import_adoptions(&Actor::System("bench"), "bench-resolution-only", &chunk).await?;
    let took = t.elapsed();
    match out {
        Err(problems) if problems.iter().any(|p| p.index == rows) => Ok(took),
        Err(problems) => anyhow::bail!("unexpected refusals: {:?}", &problems[..problems.len().min(3)]),
        Ok(n) => anyhow::bail!("the import wrote {n} rows although one names an unknown software"),
    }
}
