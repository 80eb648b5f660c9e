//! The GET phases measured by wrk (Debian's `wrk`, <https://github.com/wg/wrk>), a standard
//! HTTP load tool, rather than by our own loop: a reader can check its figures against any
//! other measurement of wrk. The phase's paths are drawn with the bench's seeded generator,
//! by their weights, and written into a Lua script that wrk's threads walk in turn.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use demo::rng::Rng;

use crate::loadgen::{Phase, Settings, Stats};

/// Paths drawn per phase: enough that a phase of 10 s at a few thousand requests a second
/// walks most of them, not so many that the script takes long to load.
const DRAWN: usize = 20_000;

/// Whether `wrk` can be run here.
pub fn available() -> bool {
    Command::new("wrk").arg("--version").output().is_ok()
}

/// Runs a warm-up whose figures are dropped, then the measured run, and reads wrk's report.
pub fn run(base: &str, phase: &Phase, s: Settings, workdir: &Path) -> anyhow::Result<Stats> {
    anyhow::ensure!(base.starts_with("http://127.0.0.1:"), "the load only goes to 127.0.0.1");
    let script = workdir.join(format!("wrk-{}.lua", phase.name.replace(' ', "-")));
    std::fs::write(&script, lua(&draw(phase, s.seed)))?;
    // wrk wants at least as many connections as threads; two threads match the machine the
    // figures are written for, and leave the server its share of it.
    let threads = s.concurrency.min(2);
    if !s.warmup.is_zero() {
        wrk(base, &script, threads, s.concurrency, s.warmup)?;
    }
    let report = wrk(base, &script, threads, s.concurrency, s.duration)?;
    parse(phase.name, &report)
}

fn draw(phase: &Phase, seed: u64) -> Vec<String> {
    let mut rng = Rng::keyed(&[&seed.to_string(), phase.name]);
    (0..DRAWN).map(|_| phase.paths[phase.weights.draw(&mut rng)].clone()).collect()
}

/// The script: each thread starts at its own place in the drawn paths and asks them in turn.
fn lua(paths: &[String]) -> String {
    let mut out = String::from("local paths = {\n");
    for p in paths {
        out.push_str("  \"");
        for c in p.chars() {
            match c {
                '"' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                c if c.is_control() => out.push_str(&format!("\\{:03}", c as u32)),
                c => out.push(c),
            }
        }
        out.push_str("\",\n");
    }
    out.push_str(
        "}\n\
         local started = 0\n\
         function setup(thread)\n  thread:set(\"first\", started * 7919)\n  started = started + 1\nend\n\
         local i = nil\n\
         function request()\n  i = ((i or first or 0) % #paths) + 1\n  return wrk.format(\"GET\", paths[i])\nend\n",
    );
    out
}

fn wrk(base: &str, script: &Path, threads: usize, connections: usize, length: Duration) -> anyhow::Result<String> {
    let out = Command::new("wrk")
        .arg(format!("--threads={threads}"))
        .arg(format!("--connections={connections}"))
        .arg(format!("--duration={}s", length.as_secs().max(1)))
        .arg("--timeout=10s")
        .arg("--latency")
        .arg(format!("--script={}", script.display()))
        .arg(base)
        .output()
        .map_err(|e| anyhow::anyhow!("wrk could not be started ({e}): install it (apt-get install wrk)"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    anyhow::ensure!(
        out.status.success(),
        "wrk failed ({}): {}{}",
        out.status,
        text,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(text)
}

/// A duration of wrk's report ("812.00us", "1.23ms", "2.00s", "1.00m"), in milliseconds.
fn millis(text: &str) -> Option<f64> {
    let at = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = text.split_at(at);
    let n: f64 = n.parse().ok()?;
    Some(match unit {
        "us" => n / 1e3,
        "ms" => n,
        "s" => n * 1e3,
        "m" => n * 60e3,
        "h" => n * 3_600e3,
        _ => return None,
    })
}

/// A size of wrk's report ("45.67MB", "812B"), in bytes (wrk counts in 1024s).
fn bytes(text: &str) -> Option<f64> {
    let at = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = text.split_at(at);
    let n: f64 = n.parse().ok()?;
    let k = 1024.0;
    Some(match unit {
        "B" => n,
        "KB" => n * k,
        "MB" => n * k * k,
        "GB" => n * k * k * k,
        "TB" => n * k * k * k * k,
        _ => return None,
    })
}

/// The figures of wrk's `--latency` report. What the report does not hold is an error
/// naming the line, not a zero.
pub fn parse(name: &'static str, report: &str) -> anyhow::Result<Stats> {
    let missing = |what: &str| anyhow::anyhow!("wrk's report has no {what}:\n{report}");
    let words = |prefix: &str| -> Option<Vec<&str>> {
        report.lines().map(str::trim).find(|l| l.starts_with(prefix)).map(|l| l.split_whitespace().collect())
    };
    let percentile = |p: &str| -> anyhow::Result<f64> {
        let line = words(p).ok_or_else(|| missing(&format!("{p} latency")))?;
        line.get(1).and_then(|t| millis(t)).ok_or_else(|| missing(&format!("{p} latency")))
    };
    // "Latency   1.23ms  456.00us  12.34ms   89.00%": average, deviation, most.
    let latency = words("Latency ").ok_or_else(|| missing("latency line"))?;
    let max = latency.get(3).and_then(|t| millis(t)).ok_or_else(|| missing("greatest latency"))?;
    // "12345 requests in 8.00s, 45.67MB read"
    let totals = report
        .lines()
        .map(str::trim)
        .find(|l| l.contains(" requests in "))
        .ok_or_else(|| missing("request count"))?
        .split_whitespace()
        .collect::<Vec<_>>();
    let count: usize = totals.first().and_then(|n| n.parse().ok()).ok_or_else(|| missing("request count"))?;
    let seconds = totals
        .get(3)
        .map(|t| t.trim_end_matches(','))
        .and_then(millis)
        .map(|ms| ms / 1e3)
        .ok_or_else(|| missing("duration"))?;
    let read = totals.get(4).and_then(|t| bytes(t)).ok_or_else(|| missing("bytes read"))?;
    let throughput: f64 = words("Requests/sec:")
        .and_then(|w| w.get(1).and_then(|n| n.parse().ok()))
        .ok_or_else(|| missing("Requests/sec"))?;
    // Answers other than 2xx or 3xx, and connections that failed or timed out.
    let not_ok: usize = words("Non-2xx or 3xx responses:").and_then(|w| w.last()?.parse().ok()).unwrap_or(0);
    let socket: usize = words("Socket errors:")
        .map(|w| w.iter().filter_map(|t| t.trim_end_matches(',').parse::<usize>().ok()).sum())
        .unwrap_or(0);
    let mut failure_examples = Vec::new();
    if not_ok > 0 {
        failure_examples.push(format!("{not_ok} answers neither 2xx nor 3xx (wrk does not say which)"));
    }
    if socket > 0 {
        failure_examples.push(format!("socket errors: {}", words("Socket errors:").unwrap_or_default()[2..].join(" ")));
    }
    Ok(Stats {
        name,
        count,
        failures: not_ok + socket,
        failure_examples,
        seconds,
        throughput,
        p50: percentile("50%")?,
        p90: percentile("90%")?,
        p99: percentile("99%")?,
        max,
        mean_bytes: if count == 0 { 0.0 } else { read / count as f64 },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 8s test @ http://127.0.0.1:40123
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.23ms  456.00us  12.34ms   89.00%
    Req/Sec     6.50k   300.00     7.10k    70.00%
  Latency Distribution
     50%  812.00us
     75%    1.30ms
     90%    1.80ms
     99%    3.20ms
  103456 requests in 8.00s, 45.50MB read
  Non-2xx or 3xx responses: 3
Requests/sec:  12932.00
Transfer/sec:      5.69MB
";

    #[test]
    fn reads_every_figure_of_the_report() {
        let s = parse("software API", REPORT).unwrap();
        assert_eq!((s.count, s.failures), (103_456, 3));
        assert!((s.p50 - 0.812).abs() < 1e-9 && (s.p90 - 1.8).abs() < 1e-9 && (s.p99 - 3.2).abs() < 1e-9);
        assert!((s.max - 12.34).abs() < 1e-9 && (s.seconds - 8.0).abs() < 1e-9);
        assert!((s.throughput - 12_932.0).abs() < 1e-9);
        assert!((s.mean_bytes - 45.5 * 1024.0 * 1024.0 / 103_456.0).abs() < 1e-6);
    }

    #[test]
    fn socket_errors_count_as_failures() {
        let report = REPORT
            .replace("  Non-2xx or 3xx responses: 3\n", "  Socket errors: connect 0, read 2, write 0, timeout 5\n");
        let s = parse("x", &report).unwrap();
        assert_eq!(s.failures, 7);
        assert_eq!(s.failure_examples, ["socket errors: connect 0, read 2, write 0, timeout 5"]);
    }

    #[test]
    fn a_report_without_percentiles_is_an_error_naming_them() {
        let cut: String = REPORT.lines().filter(|l| !l.trim().starts_with("99%")).map(|l| format!("{l}\n")).collect();
        let e = parse("x", &cut).unwrap_err().to_string();
        assert!(e.contains("99% latency"), "{e}");
    }

    #[test]
    fn units_are_read() {
        assert_eq!(millis("812.00us"), Some(0.812));
        assert_eq!(millis("2.00s"), Some(2000.0));
        assert_eq!(millis("1.5m"), Some(90_000.0));
        assert_eq!(millis("3.2"), None);
        assert_eq!(bytes("2.00KB"), Some(2048.0));
    }

    #[test]
    fn the_script_quotes_what_it_holds() {
        let script = lua(&["/search?q=\"a\\b\"".to_string()]);
        assert!(script.contains(r#""/search?q=\"a\\b\"""#), "{script}");
        assert!(script.contains("function request()"));
    }
}
