//! The load generator: N workers, each with its own `reqwest::Client` and so its own
//! keep-alive connection to 127.0.0.1, sending GETs back to back (a closed loop) for a
//! warm-up whose samples are dropped, then for a fixed measured duration.

use std::sync::Arc;
use std::time::{Duration, Instant};

use demo::rng::{Rng, Weighted};
use hdrhistogram::Histogram;

/// The paths of one phase and how often each is asked for.
pub struct Phase {
    pub name: &'static str,
    pub paths: Vec<String>,
    pub weights: Weighted,
}

impl Phase {
    fn draw(&self, rng: &mut Rng) -> &str {
        &self.paths[self.weights.draw(rng)]
    }
}

/// What sends the GET phases' requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HttpTool {
    /// Debian's `wrk`, a standard HTTP load tool (`bench::wrk`).
    Wrk,
    /// This module's own closed loop of reqwest clients.
    Builtin,
}

impl std::fmt::Display for HttpTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HttpTool::Wrk => "wrk",
            HttpTool::Builtin => "the bench's own loop",
        })
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub tool: HttpTool,
    pub concurrency: usize,
    pub warmup: Duration,
    pub duration: Duration,
    /// Requests per worker at most, warm-up included.
    pub max_per_worker: usize,
    /// Threads of the built-in generator's own runtime (1: a current-thread runtime).
    pub client_threads: usize,
    pub seed: u64,
}

/// The figures of one phase; times in milliseconds.
#[derive(Debug, Clone)]
pub struct Stats {
    pub name: &'static str,
    pub count: usize,
    pub failures: usize,
    pub failure_examples: Vec<String>,
    pub seconds: f64,
    pub throughput: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub mean_bytes: f64,
}

impl Stats {
    pub fn line(&self) -> String {
        format!(
            "{:<13} {:>7} requests in {:.1} s = {:>6.0}/s  p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  \
             {:>6.1} kB/response  failures {}",
            self.name,
            self.count,
            self.seconds,
            self.throughput,
            self.p50,
            self.p90,
            self.p99,
            self.max,
            self.mean_bytes / 1024.0,
            self.failures
        )
    }
}

/// Measures a GET phase with the tool `s` names; wrk's script is written into `workdir`.
pub fn measure(base: &str, phase: Arc<Phase>, s: Settings, workdir: &std::path::Path) -> anyhow::Result<Stats> {
    match s.tool {
        HttpTool::Wrk => crate::wrk::run(base, &phase, s, workdir),
        HttpTool::Builtin => run(base, phase, s),
    }
}

/// Failed requests printed as examples, per phase.
const EXAMPLES: usize = 5;

/// What workers measured: the latencies in microseconds (an HdrHistogram, three significant
/// digits, from 1 µs to a minute), bytes read, failures with the first few examples.
pub struct WorkerResult {
    latencies_us: Histogram<u64>,
    pub bytes: u64,
    pub failures: usize,
    pub examples: Vec<String>,
}

impl Default for WorkerResult {
    fn default() -> WorkerResult {
        WorkerResult {
            latencies_us: Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid bounds"),
            bytes: 0,
            failures: 0,
            examples: Vec::new(),
        }
    }
}

impl WorkerResult {
    /// One answer that took `micros`.
    pub fn record(&mut self, micros: u64) {
        self.latencies_us.saturating_record(micros.max(1));
    }

    /// One request that failed: counted, and kept as an example among the first few.
    pub fn fail(&mut self, example: String) {
        self.failures += 1;
        if self.examples.len() < EXAMPLES {
            self.examples.push(example);
        }
    }

    /// Adds another worker's figures to these.
    pub fn merge(&mut self, other: WorkerResult) {
        self.latencies_us.add(&other.latencies_us).expect("histograms of the same bounds");
        self.bytes += other.bytes;
        self.failures += other.failures;
        let room = EXAMPLES.saturating_sub(self.examples.len());
        self.examples.extend(other.examples.into_iter().take(room));
    }
}

/// Runs one phase against `base` (`http://127.0.0.1:PORT`) on a runtime of its own, so
/// that the generator's threads are bounded (blocking: call it from `spawn_blocking`).
pub fn run(base: &str, phase: Arc<Phase>, s: Settings) -> anyhow::Result<Stats> {
    anyhow::ensure!(base.starts_with("http://127.0.0.1:"), "the load generator only talks to 127.0.0.1");
    let rt = if s.client_threads <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()?
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(s.client_threads).enable_all().build()?
    };
    rt.block_on(async move {
        let start = Instant::now();
        let measure_from = start + s.warmup;
        let end = measure_from + s.duration;
        let mut seed = Rng::new(s.seed);
        let mut handles = Vec::with_capacity(s.concurrency);
        for w in 0..s.concurrency {
            let client = reqwest::Client::builder()
                .no_proxy()
                .pool_max_idle_per_host(1)
                .timeout(Duration::from_secs(10))
                .build()?;
            let rng = seed.fork(w as u64);
            let (base, phase) = (base.to_string(), phase.clone());
            handles.push(tokio::spawn(worker(client, base, phase, rng, measure_from, end, s.max_per_worker)));
        }
        let mut all = WorkerResult::default();
        for h in handles {
            all.merge(h.await?);
        }
        let seconds = Instant::now().min(end).saturating_duration_since(measure_from).as_secs_f64().max(1e-9);
        Ok(summarise(phase.name, all, seconds))
    })
}

async fn worker(
    client: reqwest::Client,
    base: String,
    phase: Arc<Phase>,
    mut rng: Rng,
    measure_from: Instant,
    end: Instant,
    max: usize,
) -> WorkerResult {
    let mut out = WorkerResult::default();
    for _ in 0..max {
        let t0 = Instant::now();
        if t0 >= end {
            break;
        }
        let path = phase.draw(&mut rng);
        let url = format!("{base}{path}");
        let outcome = match client.get(&url).send().await {
            Ok(resp) => {
                let status = resp.status();
                match resp.bytes().await {
                    Ok(body) if status == reqwest::StatusCode::OK => Ok(body.len()),
                    Ok(body) => {
                        Err(format!("{path}: {status}: {}", String::from_utf8_lossy(&body[..body.len().min(200)])))
                    }
                    Err(e) => Err(format!("{path}: {status}, body: {e}")),
                }
            }
            Err(e) => Err(format!("{path}: {e}")),
        };
        let took = t0.elapsed();
        if t0 < measure_from {
            continue;
        }
        out.record(took.as_micros().min(u128::from(u64::MAX)) as u64);
        match outcome {
            Ok(n) => out.bytes += n as u64,
            Err(e) => out.fail(e),
        }
    }
    out
}

/// The figures of what the workers measured over `seconds`.
pub fn summarise(name: &'static str, r: WorkerResult, seconds: f64) -> Stats {
    let n = r.latencies_us.len() as usize;
    let pct = |p: f64| -> f64 {
        if n == 0 {
            return f64::NAN;
        }
        r.latencies_us.value_at_quantile(p) as f64 / 1000.0
    };
    Stats {
        name,
        count: n,
        failures: r.failures,
        failure_examples: r.examples,
        seconds,
        throughput: n as f64 / seconds,
        p50: pct(0.50),
        p90: pct(0.90),
        p99: pct(0.99),
        max: pct(1.0),
        mean_bytes: if n == 0 { 0.0 } else { r.bytes as f64 / (n - r.failures).max(1) as f64 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_within_the_histograms_precision() {
        let (mut one, mut two) = (WorkerResult::default(), WorkerResult::default());
        for ms in 1..=100u64 {
            if ms % 2 == 0 { &mut one } else { &mut two }.record(ms * 1000);
        }
        one.merge(two);
        let s = summarise("t", one, 2.0);
        assert_eq!(s.count, 100);
        // Three significant digits: each figure within 0.1 % of the exact rank's.
        for (got, exact) in [(s.p50, 50.0), (s.p90, 90.0), (s.p99, 99.0), (s.max, 100.0)] {
            assert!((got - exact).abs() <= exact * 0.001, "{got} for {exact}");
        }
        assert_eq!(s.throughput, 50.0);
    }
}
