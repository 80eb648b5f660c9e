//! The final table: one row per figure, the target, SQLite (marked PASS or FAIL against
//! the target) and PostgreSQL beside it.

use crate::Outcome;
use demo::dataset::Counts;

/// A figure's value on one database.
type Get = Box<dyn Fn(&Outcome) -> Option<f64>>;

struct Row {
    label: String,
    /// Upper bound that passes, when the issue sets one.
    target: Option<f64>,
    decimals: usize,
    get: Get,
}

fn row(
    label: impl Into<String>,
    target: Option<f64>,
    decimals: usize,
    get: impl Fn(&Outcome) -> Option<f64> + 'static,
) -> Row {
    Row { label: label.into(), target, decimals, get: Box::new(get) }
}

fn step(name: &'static str) -> impl Fn(&Outcome) -> Option<f64> {
    move |o| o.load.as_ref()?.steps.iter().find(|s| s.name == name).map(|s| s.time.as_secs_f64())
}

fn p99(name: &'static str) -> impl Fn(&Outcome) -> Option<f64> {
    move |o| o.phase(name).map(|p| p.p99)
}

fn ratio(name: &'static str) -> impl Fn(&Outcome) -> Option<f64> {
    move |o| Some(o.phase(name)?.p99 / o.phase("healthz")?.p99)
}

pub fn print(outcomes: &[Outcome], counts: &Counts) {
    let mb = |kb: u64| kb as f64 / 1024.0;
    let rows = vec![
        row("load, total (s)", Some(120.0), 1, |o| o.load.as_ref().map(|l| l.total.as_secs_f64())),
        row("  communes, EPCI… (import_communes)", None, 1, step("communes")),
        row(format!("  {} publishers (put_organisations)", counts.publishers), None, 2, step("publishers")),
        row(
            format!("  {} software + {} repos (put_software)", counts.software, counts.repositories()),
            None,
            1,
            step("software"),
        ),
        row(format!("  {} adoptions (import_adoptions)", counts.adoptions), None, 1, step("adoptions")),
        row(format!("  {} fundings (import_fundings)", counts.fundings), None, 1, step("fundings")),
        row("counts read back match (1 = yes)", None, 0, |o| {
            o.load.as_ref().map(|l| f64::from(u8::from(l.verified())))
        }),
        row("healthz p99 (ms), baseline", None, 2, p99("healthz")),
        row("GET /software/{slug} p99 (ms)", Some(10.0), 2, p99("software")),
        row("GET /organisations/{slug} p99 (ms)", Some(10.0), 2, p99("organisations")),
        row("page /software/{slug} p99 (ms), 16 conns", Some(15.0), 2, p99("software page")),
        row("page /organisations/{slug} p99 (ms), 16 conns", Some(15.0), 2, p99("organisation page")),
        row("page /software/{slug} p99 (ms), 64 conns", Some(50.0), 2, p99("software page @64")),
        row("page /organisations/{slug} p99 (ms), 64 conns", Some(50.0), 2, p99("organisation page @64")),
        row("page /dashboards/adoption p99 (ms)", Some(20.0), 2, p99("adoption dashboard")),
        row("page /dashboards/funding p99 (ms)", Some(20.0), 2, p99("funding dashboard")),
        row("page /search?q= p99 (ms)", Some(25.0), 2, p99("search page")),
        row("page /tender?category=&for= p99 (ms)", Some(50.0), 2, p99("tender page")),
        row("/tender.odt p99 (ms), 1 conn, each read anew", Some(100.0), 2, p99("tender odt alone")),
        row("/tender.odt p99 (ms), 16 conns", None, 2, p99("tender odt")),
        row("declaration round trip p99 (ms)", Some(50.0), 2, p99("declaration round trip")),
        row("  its POST p99 (ms)", None, 2, p99(bench::contrib::STEPS[0])),
        row("  its adoption's page p99 (ms)", None, 2, p99(bench::contrib::STEPS[1])),
        row("  its search p99 (ms)", None, 2, p99(bench::contrib::STEPS[2])),
        row("  its dashboard p99 (ms)", None, 2, p99(bench::contrib::STEPS[3])),
        row("dashboards p99 (ms) under writes", Some(20.0), 2, p99("dashboards under writes")),
        row("  declarations a second meanwhile", None, 1, |o| o.writes_per_second),
        row("largest page's HTML + CSS (KB)", Some(100.0), 1, |o| {
            o.page_bytes.iter().map(|(_, b)| *b as f64 / 1024.0).reduce(f64::max)
        }),
        row("software p99 / healthz p99", None, 1, ratio("software")),
        row("organisation p99 / healthz p99", None, 1, ratio("organisations")),
        row("software p50 (ms)", None, 2, |o| o.phase("software").map(|p| p.p50)),
        row("organisation p50 (ms)", None, 2, |o| o.phase("organisations").map(|p| p.p50)),
        row("healthz requests/s", None, 0, |o| o.phase("healthz").map(|p| p.throughput)),
        row("software requests/s", None, 0, |o| o.phase("software").map(|p| p.throughput)),
        row("organisation requests/s", None, 0, |o| o.phase("organisations").map(|p| p.throughput)),
        row("non-200 responses", Some(0.0), 0, |o| {
            (!o.phases.is_empty()).then(|| o.phases.iter().map(|p| p.failures as f64).sum())
        }),
        row("server peak RSS (MB)", Some(200.0), 1, move |o| o.memory.map(|m| mb(m.peak_kb))),
        row("server RSS after the load (MB)", None, 1, move |o| o.memory.map(|m| mb(m.current_kb))),
        row("database file with WAL (MB)", None, 0, |o| o.database_bytes.map(|b| b as f64 / 1e6)),
    ];
    let names = ["SQLite", "PostgreSQL"];
    let find = |name: &str| outcomes.iter().find(|o| o.name == name);
    let width = rows.iter().map(|r| r.label.chars().count()).max().unwrap_or(10).max(6);
    let line = format!("{}-+-{}-+-{}-+-{}", "-".repeat(width), "-".repeat(8), "-".repeat(16), "-".repeat(12));
    println!("{:<width$} | {:<8} | {:<16} | {:<12}", "figure", "target", names[0], names[1]);
    println!("{line}");
    let (mut passed, mut checked) = (0, 0);
    for r in &rows {
        let target = match r.target {
            Some(0.0) => "0".to_string(),
            Some(t) => format!("≤ {t}"),
            None => String::new(),
        };
        let cell = |name: &str, mark: bool, passed: &mut usize, checked: &mut usize| -> String {
            let Some(o) = find(name) else { return "not run".into() };
            match (r.get)(o) {
                Some(v) if v.is_finite() => {
                    let value = format!("{v:.*}", r.decimals);
                    match (mark, r.target) {
                        (true, Some(t)) => {
                            *checked += 1;
                            if v <= t {
                                *passed += 1;
                                format!("{value} PASS")
                            } else {
                                format!("{value} FAIL")
                            }
                        }
                        _ => value,
                    }
                }
                _ if o.error.is_some() => "error".into(),
                _ => "n/a".into(),
            }
        };
        let sqlite = cell(names[0], true, &mut passed, &mut checked);
        let postgres = cell(names[1], false, &mut 0, &mut 0);
        println!("{:<width$} | {:<8} | {:<16} | {:<12}", r.label, target, sqlite, postgres);
    }
    println!("{line}");
    if find("SQLite").is_some() {
        println!("SQLite: {passed} of {checked} targets met (PASS/FAIL marks the SQLite column only).");
    }
    print_profile(outcomes);
    for o in outcomes {
        if let Some(e) = &o.error {
            println!("{}: the run failed: {e}", o.name);
        }
        for p in &o.phases {
            if p.failures > 0 {
                println!("{}: {} of {} {} requests did not answer 200", o.name, p.failures, p.count, p.name);
            }
        }
    }
}

/// The Store calls timed one at a time after the load: mean and p99 per database.
fn print_profile(outcomes: &[Outcome]) {
    let calls: Vec<&'static str> = outcomes
        .iter()
        .find(|o| !o.profile.is_empty())
        .map(|o| o.profile.iter().map(|c| c.call).collect())
        .unwrap_or_default();
    if calls.is_empty() {
        return;
    }
    println!();
    println!(
        "{:<36} | {:<22} | {:<22}",
        "Store call, one at a time (ms)", "SQLite mean / p99", "PostgreSQL mean / p99"
    );
    println!("{}-+-{}-+-{}", "-".repeat(36), "-".repeat(22), "-".repeat(22));
    for call in calls {
        let cell = |name: &str| -> String {
            outcomes
                .iter()
                .find(|o| o.name == name)
                .and_then(|o| o.profile.iter().find(|c| c.call == call))
                .map_or("n/a".into(), |c| format!("{:.2} / {:.2}", c.mean_ms, c.p99_ms))
        };
        println!("{:<36} | {:<22} | {:<22}", call, cell("SQLite"), cell("PostgreSQL"));
    }
}
