//! `communs import FORMAT FILE|DIR` for the other catalogues' exports: each format is read
//! by its module of `catalog::import`, every record checked before anything is written,
//! then imported in one transaction; the command prints what it created, updated and left
//! unchanged, or every refused record with why, and imports nothing then.

use std::io::Write;
use std::path::{Path, PathBuf};

use catalog::import::{code_gouv, developers_italia, Listing, RecordProblem};
use catalog::{Actor, CatalogueOutcome, CatalogueRecord, Country, Store};

use crate::cli::{FAILED, REFUSED};

/// The largest export file read: a catalogue's whole export, not an unbounded stream.
const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// The files to read: the file itself, or the `.json` files of a folder, sorted.
fn json_files(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| anyhow::anyhow!("{}: cannot read the folder: {e}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().and_then(|e| e.to_str()) == Some("json"))
        .collect();
    files.sort();
    Ok(files)
}

/// A file's bytes, at most `MAX_FILE_BYTES`; `None` when it cannot be read, which it says.
fn read(path: &Path, err: &mut dyn Write) -> anyhow::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes));
    let problem = match read {
        Err(e) => e.to_string(),
        Ok(_) if bytes.len() as u64 > MAX_FILE_BYTES => format!("larger than {MAX_FILE_BYTES} bytes"),
        Ok(_) => return Ok(Some(bytes)),
    };
    writeln!(err, "{}: cannot read: {problem}", path.display())?;
    Ok(None)
}

/// How an outcome is said, and the counts it adds to.
fn tell(outcome: &CatalogueOutcome, counts: &mut [usize; 3]) -> (&'static str, String) {
    match outcome {
        CatalogueOutcome::Created(s) => {
            counts[0] += 1;
            ("created", s.clone())
        }
        CatalogueOutcome::Updated(s) => {
            counts[1] += 1;
            ("updated", s.clone())
        }
        CatalogueOutcome::Unchanged(s) => {
            counts[2] += 1;
            ("unchanged", s.clone())
        }
    }
}

/// The organisations an import created, by name and slug.
fn tell_created(created: &[catalog::OrgRef], out: &mut dyn Write) -> anyhow::Result<()> {
    if !created.is_empty() {
        let names: Vec<String> = created.iter().map(|o| format!("{} ({})", o.name, o.slug)).collect();
        writeln!(out, "organisations created: {}", names.join(", "))?;
    }
    Ok(())
}

/// A refusal of the catalog (a name taken, a field it refuses) says why and imports
/// nothing; any other error is the service's.
fn refused_by_catalog(e: catalog::Error, err: &mut dyn Write) -> anyhow::Result<i32> {
    match e {
        catalog::Error::Invalid { .. } | catalog::Error::Conflict { .. } | catalog::Error::Fields(_) => {
            writeln!(err, "{e}")?;
            writeln!(err, "nothing was imported")?;
            Ok(REFUSED)
        }
        other => Err(other.into()),
    }
}

fn refuse(problems: &[RecordProblem], err: &mut dyn Write) -> anyhow::Result<i32> {
    for p in problems {
        writeln!(err, "{p}")?;
    }
    writeln!(err, "{} record(s) refused; nothing was imported", problems.len())?;
    Ok(REFUSED)
}

/// `communs import developers-italia FILE|DIR`: answers of Developers Italia's
/// `GET /v1/software`, one page per file.
pub async fn developers_italia(
    store: &Store,
    path: &Path,
    country: Country,
    today: chrono::NaiveDate,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let files = json_files(path)?;
    if files.is_empty() {
        writeln!(err, "{}: no .json file in this folder", path.display())?;
        return Ok(REFUSED);
    }
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for file in &files {
        let name = file.display().to_string();
        let Some(bytes) = read(file, err)? else { return Ok(FAILED) };
        match developers_italia::read(&bytes, &name) {
            Ok(read) => entries.extend(read.into_iter().map(|e| (name.clone(), e))),
            Err(p) => problems.extend(p),
        }
    }
    if !problems.is_empty() {
        return refuse(&problems, err);
    }
    let (active, inactive): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(_, e)| e.active);
    let records: Vec<CatalogueRecord> = active
        .iter()
        .map(|(file, e)| CatalogueRecord {
            label: format!("{file}: {} ({})", e.id, e.url),
            source: e.source(),
            document: e.publiccode.clone(),
        })
        .collect();
    let outcomes = match store.import_catalogue(&Actor::System("import"), &records, country, today).await {
        Ok(o) => o,
        Err(e) => return refused_by_catalog(e, err),
    };
    let mut counts = [0; 3];
    for (record, outcome) in records.iter().zip(&outcomes) {
        let (verb, slug) = tell(outcome, &mut counts);
        writeln!(out, "{}: software {slug} {verb}", record.label)?;
    }
    for (file, e) in &inactive {
        writeln!(out, "{file}: {} ({}): skipped, no longer active in the catalogue", e.id, e.url)?;
    }
    writeln!(
        out,
        "{} created, {} updated, {} unchanged, {} skipped (inactive)",
        counts[0],
        counts[1],
        counts[2],
        inactive.len()
    )?;
    Ok(0)
}

/// `communs import code-gouv FILE`: code.gouv.fr's list of public bodies' forge accounts
/// (`comptes-organismes-publics.yml`).
pub async fn code_gouv(store: &Store, file: &Path, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    let name = file.display().to_string();
    let Some(bytes) = read(file, err)? else { return Ok(FAILED) };
    let Ok(text) = String::from_utf8(bytes) else {
        writeln!(err, "{name}: not UTF-8 text; nothing was imported")?;
        return Ok(REFUSED);
    };
    let accounts = match code_gouv::read(&text, &name) {
        Ok(a) => a,
        Err(problems) => return refuse(&problems, err),
    };
    let source =
        format!("code.gouv.fr:{}", file.file_name().map_or(name.clone(), |f| f.to_string_lossy().into_owned()));
    let report = match store.import_forge_accounts(&Actor::System("import"), &source, &accounts).await {
        Ok(r) => r,
        Err(e) => return refused_by_catalog(e, err),
    };
    for (url, organisation) in &report.accounts {
        writeln!(out, "{url}: {organisation}")?;
    }
    tell_created(&report.organisations_created, out)?;
    writeln!(
        out,
        "{} accounts created, {} updated, {} unchanged; {} organisations created",
        report.created,
        report.updated,
        report.unchanged,
        report.organisations_created.len()
    )?;
    Ok(0)
}

/// Reads a catalogue's list from the bytes of a file named so.
pub type ListingReader = fn(&[u8], &str) -> Result<Listing, Vec<RecordProblem>>;

/// `communs import comptoir FILE` (the Comptoir du Libre's public export) and `communs
/// import sill FILE` (the SILL's software), each read by its `reader`.
pub async fn listing(
    store: &Store,
    file: &Path,
    reader: ListingReader,
    instances: Option<&Path>,
    today: chrono::NaiveDate,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let name = file.display().to_string();
    let Some(bytes) = read(file, err)? else { return Ok(FAILED) };
    let mut export = match reader(&bytes, &name) {
        Ok(e) => e,
        Err(problems) => return refuse(&problems, err),
    };
    // The SILL's instances, read whole before anything is written, like the list.
    if let Some(path) = instances {
        let name = path.display().to_string();
        let Some(bytes) = read(path, err)? else { return Ok(FAILED) };
        export.instances = match catalog::import::sill::read_instances(&bytes, &name) {
            Ok(i) => i,
            Err(problems) => return refuse(&problems, err),
        };
    }
    let report = match store.import_listing(&Actor::System("import"), &export, today).await {
        Ok(r) => r,
        Err(e) => return refused_by_catalog(e, err),
    };
    let mut counts = [0; 3];
    for (s, outcome) in export.software.iter().zip(&report.software) {
        let (verb, slug) = tell(outcome, &mut counts);
        writeln!(out, "{}: software {slug} {verb}", s.label)?;
    }
    for s in export.skipped.iter().chain(&report.skipped) {
        writeln!(out, "{s}: skipped")?;
    }
    tell_created(&report.organisations_created, out)?;
    writeln!(
        out,
        "{} created, {} updated, {} unchanged, {} skipped; {} adoptions declared; {} organisations created",
        counts[0],
        counts[1],
        counts[2],
        export.skipped.len(),
        report.adoptions,
        report.organisations_created.len()
    )?;
    writeln!(out, "{} similar software linked; {} instances recorded", report.similar, report.instances)?;
    Ok(0)
}
