//! Prints a publiccode.yml as `to_yaml` writes it back: `cargo run -p publiccode --example rewrite FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: rewrite FILE");
    let bytes = std::fs::read(&path).expect("readable file");
    let report = publiccode::validate(&bytes);
    for f in report.errors.iter().chain(&report.warnings) {
        eprintln!("{path}:{}:{}: {}: {}", f.line, f.column, f.key, f.message);
    }
    match report.document {
        Some(doc) => print!("{}", publiccode::to_yaml(&doc)),
        None => std::process::exit(1),
    }
}
