//! Contributions under measure: the round trip of a declaration (the API's POST, then the
//! adoption's page, a search for the software and the adoption dashboard, one after the
//! other, as a person who declares and looks for it), and the dashboards read by 16
//! connections while declarations arrive at 20 a second.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::loadgen::{summarise, Stats, WorkerResult};
use crate::profile::Sampler;
use demo::rng::Rng;

/// Declarations a second while the dashboards are read.
pub const WRITES_PER_SECOND: u64 = 20;
/// Declarations sent at once at most, when each takes longer than the time between two.
const WRITERS_AT_ONCE: usize = 4;

/// Declares that a drawn organisation uses a drawn software (another draw when that pair
/// exists already); the new adoption's id.
async fn declare(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    software: &Sampler,
    organisations: &Sampler,
    rng: &mut Rng,
) -> anyhow::Result<(String, i64)> {
    for _ in 0..20 {
        let s = software.draw(rng).to_string();
        let o = organisations.draw(rng);
        // A scope as often as the loaded adoptions have one, from the same words: a scope
        // new to the software changes its text, which the search then commits at once.
        let scope = rng.chance(0.15).then(|| rng.pick(demo::dataset::SCOPES));
        let body = serde_json::json!({"organisation": o, "since": "2024-03-01", "status": "active", "scope": scope})
            .to_string();
        let r = client
            .post(format!("{base}/api/v1/software/{s}/adoptions"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        match r.status().as_u16() {
            201 => {
                let v: serde_json::Value = r.json().await?;
                return Ok((s, v["id"].as_i64().unwrap_or_default()));
            }
            409 => continue,
            other => anyhow::bail!("declaration answered {other}: {}", r.text().await.unwrap_or_default()),
        }
    }
    anyhow::bail!("20 draws in a row named adoptions that exist")
}

async fn read(client: &reqwest::Client, url: &str) -> anyhow::Result<usize> {
    let r = client.get(url).send().await?;
    anyhow::ensure!(r.status().as_u16() == 200, "{url} answered {}", r.status());
    Ok(r.bytes().await?.len())
}

/// The steps of a round trip, each timed on its own: where the time goes.
pub const STEPS: [&str; 4] =
    ["round trip: the POST", "round trip: the adoption's page", "round trip: the search", "round trip: the dashboard"];

fn micros(t: Instant) -> u64 {
    t.elapsed().as_micros().min(u128::from(u64::MAX)) as u64
}

/// Declarations one after the other for `duration`, each timed from its POST to the last
/// of the three pages that show it; and each step of them on its own (`STEPS`).
pub async fn round_trips(
    base: &str,
    token: &str,
    software: &Sampler,
    organisations: &Sampler,
    seed: u64,
    duration: Duration,
) -> anyhow::Result<(Stats, Vec<Stats>)> {
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build()?;
    let mut rng = Rng::new(seed);
    let mut r = WorkerResult::default();
    let mut steps: [WorkerResult; 4] = Default::default();
    let start = Instant::now();
    while start.elapsed() < duration {
        let t = Instant::now();
        let mut took = [0u64; 4];
        let done = async {
            let step = Instant::now();
            let (software, id) = declare(&client, base, token, software, organisations, &mut rng).await?;
            took[0] = micros(step);
            let step = Instant::now();
            let mut bytes = read(&client, &format!("{base}/adoptions/{id}")).await?;
            took[1] = micros(step);
            let step = Instant::now();
            bytes += read(&client, &format!("{base}/search?q={}", software.replace('-', "+"))).await?;
            took[2] = micros(step);
            let step = Instant::now();
            bytes += read(&client, &format!("{base}/dashboards/adoption")).await?;
            took[3] = micros(step);
            anyhow::Ok(bytes)
        }
        .await;
        match done {
            Ok(bytes) => {
                r.record(micros(t));
                r.bytes += bytes as u64;
                for (step, took) in steps.iter_mut().zip(took) {
                    step.record(took);
                }
            }
            Err(e) => r.fail(format!("{e:#}")),
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let steps = steps.into_iter().zip(STEPS).map(|(step, name)| summarise(name, step, seconds)).collect();
    Ok((summarise("declaration round trip", r, seconds), steps))
}

/// Both dashboards read by `connections` for `duration` while declarations arrive at
/// `WRITES_PER_SECOND` a second (on up to `WRITERS_AT_ONCE` connections, so that a slow
/// one does not lower the rate); also how many declarations were made.
pub async fn dashboards_under_writes(
    base: &str,
    token: &str,
    software: &Sampler,
    organisations: &Sampler,
    seed: u64,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<(Stats, usize)> {
    let end = Instant::now() + duration;
    let written = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (base, token, written) = (base.to_string(), token.to_string(), written.clone());
        let (software, organisations) = (Arc::new(software.clone()), Arc::new(organisations.clone()));
        tokio::spawn(async move {
            let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build()?;
            let mut tick = tokio::time::interval(Duration::from_millis(1000 / WRITES_PER_SECOND));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // The declarations arrive at their rate whatever each takes: each is sent on its
            // own task, a few at once at most, as several people declaring would.
            let mut sent = tokio::task::JoinSet::new();
            let mut n = 0u64;
            while Instant::now() < end {
                tick.tick().await;
                while sent.len() >= WRITERS_AT_ONCE {
                    if let Some(done) = sent.join_next().await {
                        done??;
                    }
                }
                n += 1;
                let (client, base, token, written) = (client.clone(), base.clone(), token.clone(), written.clone());
                let (software, organisations) = (software.clone(), organisations.clone());
                sent.spawn(async move {
                    let mut rng = Rng::new(seed ^ 0x5eed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
                    declare(&client, &base, &token, &software, &organisations, &mut rng).await?;
                    written.fetch_add(1, Ordering::Relaxed);
                    anyhow::Ok(())
                });
            }
            while let Some(done) = sent.join_next().await {
                done??;
            }
            anyhow::Ok(())
        })
    };
    let mut readers = Vec::new();
    for w in 0..connections {
        let base = base.to_string();
        readers.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .no_proxy()
                .pool_max_idle_per_host(1)
                .timeout(Duration::from_secs(10))
                .build()?;
            let mut r = WorkerResult::default();
            let mut i = w;
            while Instant::now() < end {
                let page = if i % 2 == 0 { "adoption" } else { "funding" };
                i += 1;
                let t = Instant::now();
                match read(&client, &format!("{base}/dashboards/{page}")).await {
                    Ok(bytes) => {
                        r.record(micros(t));
                        r.bytes += bytes as u64;
                    }
                    Err(e) => r.fail(format!("{e:#}")),
                }
            }
            anyhow::Ok(r)
        }));
    }
    let mut all = WorkerResult::default();
    for h in readers {
        all.merge(h.await??);
    }
    writer.await??;
    let stats = summarise("dashboards under writes", all, duration.as_secs_f64());
    Ok((stats, written.load(Ordering::Relaxed)))
}
