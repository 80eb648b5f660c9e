//! `publiccode`: how fast the publiccode.yml validator is, against bare YAML parsing.
//!
//! Reads every .yml file of the reference corpus into memory once, then times: validating the
//! whole folder over and over (files per second, mean µs per file); one typical file parsed and
//! validated many times (mean, p50 and p99 µs), and written back with `to_yaml`; and the same
//! files through saphyr-parser alone (the event stream, no tree, no checks) in the same run, so
//! that the figures read as "validation costs X× bare YAML parsing". Validation runs without
//! access to the repository's files (`publiccode::validate`), so no I/O is timed.
//!
//! `cargo run --release -p bench --bin publiccode -- [--corpus DIR] [--file REL] [--seconds S]`

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;

#[derive(Debug, Parser)]
#[command(name = "publiccode", about = "Time the publiccode.yml validator against bare YAML parsing")]
struct Args {
    /// The reference corpus (its .yml files are read from DIR/testdata, or DIR itself).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../publiccode/tests/reference"))]
    corpus: PathBuf,
    /// The typical file, relative to the folder the files are read from.
    #[arg(long, default_value = "v0/valid/valid.yml")]
    file: PathBuf,
    /// Minimum measured seconds of each timing.
    #[arg(long, default_value_t = 2.0)]
    seconds: f64,
}

struct File {
    name: String,
    bytes: Vec<u8>,
}

fn read_files(dir: &Path, root: &Path, out: &mut Vec<File>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_files(&path, root, out)?;
        } else if path.extension().is_some_and(|e| e == "yml") {
            let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let name = path.strip_prefix(root).unwrap_or(&path).display().to_string();
            out.push(File { name, bytes });
        }
    }
    Ok(())
}

/// The bare parse: every event of the stream, as the validator's reader gets them.
fn parse_events(bytes: &[u8]) -> usize {
    let Ok(text) = std::str::from_utf8(bytes) else { return 0 };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut events = 0;
    for event in saphyr_parser::Parser::new_from_str(text) {
        if event.is_err() {
            break;
        }
        black_box(&event);
        events += 1;
    }
    events
}

/// Runs `pass` over and over until `min` has passed (and at least 3 times); the mean duration
/// of one pass.
fn time_passes(min: Duration, mut pass: impl FnMut()) -> (Duration, u32) {
    pass(); // warm-up
    let start = Instant::now();
    let mut passes = 0;
    while passes < 3 || start.elapsed() < min {
        pass();
        passes += 1;
    }
    (start.elapsed() / passes, passes)
}

/// Times each call of `f` on its own until `min` has passed (and at least 1,000 calls); the
/// sorted durations.
fn time_calls(min: Duration, mut f: impl FnMut()) -> Vec<Duration> {
    for _ in 0..100 {
        f(); // warm-up
    }
    let mut samples = Vec::with_capacity(100_000);
    let start = Instant::now();
    while samples.len() < 1_000 || start.elapsed() < min {
        let t = Instant::now();
        f();
        samples.push(t.elapsed());
    }
    samples.sort();
    samples
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn mean(samples: &[Duration]) -> Duration {
    samples.iter().sum::<Duration>() / samples.len() as u32
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let min = Duration::from_secs_f64(args.seconds);
    let root = if args.corpus.join("testdata").is_dir() { args.corpus.join("testdata") } else { args.corpus.clone() };
    let root = root.canonicalize().with_context(|| format!("no corpus at {}", root.display()))?;
    let mut files = Vec::new();
    read_files(&root, &root, &mut files)?;
    if files.is_empty() {
        bail!("no .yml files under {}", root.display());
    }
    let total_bytes: usize = files.iter().map(|f| f.bytes.len()).sum();
    println!("corpus: {} files, {} bytes, read from {}", files.len(), total_bytes, root.display());
    let valid = files.iter().filter(|f| publiccode::validate(&f.bytes).document.is_some()).count();
    println!("        {valid} give a document (no error)");

    // The whole folder, validated.
    let (folder, passes) = time_passes(min, || {
        for f in &files {
            black_box(publiccode::validate(black_box(&f.bytes)));
        }
    });
    let per_file = folder / files.len() as u32;
    let files_per_second = files.len() as f64 / folder.as_secs_f64();
    println!(
        "folder, parse + validate: {files_per_second:.0} files/s, mean {:.1} µs per file ({passes} passes of {:.2} ms)",
        micros(per_file),
        folder.as_secs_f64() * 1e3
    );
    // The same files, bare YAML parsing.
    let (bare, bare_passes) = time_passes(min, || {
        for f in &files {
            black_box(parse_events(black_box(&f.bytes)));
        }
    });
    let bare_per_file = bare / files.len() as u32;
    println!(
        "folder, saphyr-parser events only: {:.0} files/s, mean {:.1} µs per file ({bare_passes} passes)",
        files.len() as f64 / bare.as_secs_f64(),
        micros(bare_per_file)
    );
    println!("folder: validation costs {:.2}× bare YAML parsing", folder.as_secs_f64() / bare.as_secs_f64());

    // One typical file.
    let name = args.file.display().to_string();
    let Some(typical) = files.iter().find(|f| f.name == name) else {
        bail!("{name} is not among the files read");
    };
    let report = publiccode::validate(&typical.bytes);
    let Some(doc) = report.document else {
        bail!("{name} does not validate: {:?}", report.errors);
    };
    println!(
        "typical file: {name}, {} bytes, {} lines, {} warnings",
        typical.bytes.len(),
        typical.bytes.iter().filter(|b| **b == b'\n').count(),
        report.warnings.len()
    );
    let validate = time_calls(min, || {
        black_box(publiccode::validate(black_box(&typical.bytes)));
    });
    let bare = time_calls(min, || {
        black_box(parse_events(black_box(&typical.bytes)));
    });
    let write = time_calls(min, || {
        black_box(publiccode::to_yaml(black_box(&doc)));
    });
    for (what, samples) in [("parse + validate", &validate), ("saphyr-parser events only", &bare), ("to_yaml", &write)]
    {
        println!(
            "typical file, {what}: mean {:.1} µs, p50 {:.1} µs, p99 {:.1} µs ({} calls)",
            micros(mean(samples)),
            micros(percentile(samples, 0.50)),
            micros(percentile(samples, 0.99)),
            samples.len()
        );
    }
    println!(
        "typical file: validation costs {:.2}× bare YAML parsing",
        mean(&validate).as_secs_f64() / mean(&bare).as_secs_f64()
    );
    let target = Duration::from_millis(1);
    let verdict = if percentile(&validate, 0.99) < target { "PASS" } else { "FAIL" };
    println!("target: a typical file parsed and validated well under 1 ms (p99): {verdict}");
    Ok(())
}
