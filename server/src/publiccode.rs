//! publiccode.yml at the edges: `communs publiccode validate`, `communs import publiccode`,
//! `communs export publiccode`, and their HTTP counterparts.

use std::io::Write;
use std::path::{Path, PathBuf};

use catalog::{Actor, Country, PublicCodeImport, PublicCodeImportOptions, Store};
use publiccode::{Finding, Report};
use serde::Serialize;

use crate::cli::{FAILED, REFUSED};

/// How `validate` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `FILE:LINE:COLUMN: key: message`, one finding a line.
    Text,
    /// `[{"file", "valid", "errors", "warnings"}]`.
    Json,
}

#[derive(Serialize)]
struct FileReport<'a> {
    file: String,
    valid: bool,
    errors: &'a [Finding],
    warnings: &'a [Finding],
}

/// One finding as the command line prints it; a finding about the whole file has no
/// position, and one about no key in particular has no key.
pub fn finding_line(file: &str, severity: &str, f: &Finding) -> String {
    let at = if f.line == 0 { format!("{file}:") } else { format!("{file}:{}:{}:", f.line, f.column) };
    let key = if f.key.is_empty() { String::new() } else { format!(" {}:", f.key) };
    format!("{at}{severity}{key} {}", f.message)
}

/// Validates files; exit status 0 when all are valid, 1 when one is not, 2 when one cannot
/// be read.
pub fn validate_files(
    files: &[PathBuf],
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let mut unreadable = false;
    let mut invalid = false;
    let mut reports: Vec<(String, Report)> = Vec::new();
    for path in files {
        let name = path.display().to_string();
        match read_bounded(path) {
            Ok(bytes) => {
                // The file's own folder stands for its repository, so that a logo or a
                // screenshot it names by a relative path is checked.
                let folder =
                    publiccode::Folder(path.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(".")));
                let report = publiccode::validate_with(&bytes, &publiccode::Options { files: Some(&folder) });
                invalid |= !report.is_valid();
                reports.push((name, report));
            }
            Err(e) => {
                writeln!(err, "{name}: cannot read: {e}")?;
                unreadable = true;
            }
        }
    }
    match format {
        Format::Text => {
            for (name, r) in &reports {
                for e in &r.errors {
                    writeln!(out, "{}", finding_line(name, "", e))?;
                }
                for w in &r.warnings {
                    writeln!(out, "{}", finding_line(name, " warning:", w))?;
                }
            }
            let bad = reports.iter().filter(|(_, r)| !r.is_valid()).count();
            writeln!(err, "{} file(s) checked: {} valid, {bad} invalid", reports.len(), reports.len() - bad)?;
        }
        Format::Json => {
            let list: Vec<FileReport> = reports
                .iter()
                .map(|(file, r)| FileReport {
                    file: file.clone(),
                    valid: r.is_valid(),
                    errors: &r.errors,
                    warnings: &r.warnings,
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &list)?;
            writeln!(out)?;
        }
    }
    Ok(if unreadable {
        FAILED
    } else if invalid {
        REFUSED
    } else {
        0
    })
}

/// Reads at most the validator's limit plus one byte, so that a huge file is refused by
/// the validator's own finding without being read whole.
fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    if file.metadata()?.is_dir() {
        return Err(std::io::Error::other("is a folder"));
    }
    let mut bytes = Vec::new();
    file.take(publiccode::MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The publiccode.yml files of a folder and its subfolders (`*.yml`, `*.yaml`), sorted.
fn files_in(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|e| anyhow::anyhow!("{}: cannot read the folder: {e}", d.display()))?;
        for entry in entries {
            let entry = entry?;
            let path = entry.path();
            // The entry's own type, so that a link to a parent folder is not walked forever.
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The body types a publiccode.yml is accepted as.
pub const YAML: [&str; 3] = ["application/yaml", "text/yaml", "application/x-yaml"];

/// What an import says back, for the API and the command line.
#[derive(Debug, Serialize)]
pub struct ImportAnswer {
    pub slug: String,
    pub created: bool,
    pub organisations_created: Vec<String>,
    pub adopters_matched: Vec<String>,
    pub used_by_unmatched: Vec<String>,
    pub warnings: Vec<Finding>,
}

impl ImportAnswer {
    fn new(done: PublicCodeImport, warnings: Vec<Finding>) -> ImportAnswer {
        ImportAnswer {
            slug: done.software.slug,
            created: done.created,
            organisations_created: done.organisations_created.into_iter().map(|o| o.slug).collect(),
            adopters_matched: done.adopters_matched.into_iter().map(|o| o.slug).collect(),
            used_by_unmatched: done.used_by_unmatched,
            warnings,
        }
    }
}

/// Why an import did not happen.
pub enum ImportRefusal {
    /// The file is not a valid publiccode.yml: its findings.
    Invalid(Box<Report>),
    /// The file is valid but the catalog refuses what it says (a name taken, a text too long).
    Catalog(catalog::Error),
}

/// Validates and imports one document.
pub async fn import_bytes(
    store: &Store,
    actor: &Actor,
    bytes: &[u8],
    options: &PublicCodeImportOptions,
) -> anyhow::Result<Result<ImportAnswer, ImportRefusal>> {
    let report = publiccode::validate(bytes);
    let Some(doc) = report.document.clone().filter(|_| report.is_valid()) else {
        return Ok(Err(ImportRefusal::Invalid(Box::new(report))));
    };
    match store.import_publiccode(actor, &doc, options).await {
        Ok(done) => Ok(Ok(ImportAnswer::new(done, report.warnings))),
        Err(e @ (catalog::Error::Invalid { .. } | catalog::Error::Conflict { .. } | catalog::Error::Forbidden(_))) => {
            Ok(Err(ImportRefusal::Catalog(e)))
        }
        Err(e) => Err(e.into()),
    }
}

/// `communs import publiccode FILE|DIR`: each file on its own, an invalid one importing
/// nothing. Exit status 0 when all were imported, 1 when one was refused, 2 when one could
/// not be read.
pub async fn import_path(
    store: &Store,
    path: &Path,
    country: Country,
    today: chrono::NaiveDate,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let files = if path.is_dir() { files_in(path)? } else { vec![path.to_path_buf()] };
    if files.is_empty() {
        writeln!(err, "{}: no .yml or .yaml file in this folder", path.display())?;
        return Ok(REFUSED);
    }
    let (mut refused, mut unreadable) = (0, 0);
    for file in &files {
        let name = file.display().to_string();
        let bytes = match read_bounded(file) {
            Ok(b) => b,
            Err(e) => {
                writeln!(err, "{name}: cannot read: {e}")?;
                unreadable += 1;
                continue;
            }
        };
        let options = PublicCodeImportOptions { country, today, source: name.clone(), acting_for: None };
        match import_bytes(store, &Actor::System("import"), &bytes, &options).await? {
            Ok(a) => {
                let verb = if a.created { "created" } else { "updated" };
                writeln!(out, "{name}: software {} {verb}", a.slug)?;
                if !a.organisations_created.is_empty() {
                    writeln!(out, "  organisations created: {}", a.organisations_created.join(", "))?;
                }
                if !a.adopters_matched.is_empty() {
                    writeln!(out, "  adopters (usedBy) recorded: {}", a.adopters_matched.join(", "))?;
                }
                if !a.used_by_unmatched.is_empty() {
                    writeln!(out, "  usedBy not matched to a known organisation: {}", a.used_by_unmatched.join("; "))?;
                }
                for w in &a.warnings {
                    writeln!(err, "{}", finding_line(&name, " warning:", w))?;
                }
            }
            Err(ImportRefusal::Invalid(report)) => {
                for e in &report.errors {
                    writeln!(err, "{}", finding_line(&name, "", e))?;
                }
                writeln!(err, "{name}: not a valid publiccode.yml; nothing was imported from it")?;
                refused += 1;
            }
            Err(ImportRefusal::Catalog(e)) => {
                writeln!(err, "{name}: {e}; nothing was imported from it")?;
                refused += 1;
            }
        }
    }
    Ok(if unreadable > 0 {
        FAILED
    } else if refused > 0 {
        REFUSED
    } else {
        0
    })
}

/// `communs export publiccode DIR`: `DIR/SLUG.yml` for every record.
pub async fn export_dir(store: &Store, dir: &Path, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let (mut written, mut refused) = (0, 0);
    for (slug, doc) in store.all_publiccode().await? {
        match doc {
            Ok(doc) => {
                let path = dir.join(format!("{slug}.yml"));
                std::fs::write(&path, publiccode::to_yaml(&doc))
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                written += 1;
            }
            Err(e) => {
                writeln!(err, "{slug}: {e}; no publiccode.yml written")?;
                refused += 1;
            }
        }
    }
    writeln!(out, "{written} publiccode.yml file(s) written into {}", dir.display())?;
    Ok(if refused > 0 { REFUSED } else { 0 })
}

// ---- HTTP ---------------------------------------------------------------------------

pub mod http {
    use axum::body::Bytes;
    use axum::extract::rejection::BytesRejection;
    use axum::extract::State;
    use axum::http::{header, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::Json;
    use catalog::{Country, PublicCodeImportOptions};
    use serde_json::json;

    use super::{import_bytes, ImportRefusal};
    use crate::api::AppState;
    use crate::error::Error;
    use crate::params::Params;

    /// A software's record as a publiccode.yml.
    #[utoipa::path(get, path = "/software/{slug}/publiccode.yml", tag = "software", operation_id = "software_publiccode",
        params(("slug" = String, Path, description = "The record's slug")),
        responses((status = 200, description = "The publiccode.yml", content_type = "application/yaml"),
            (status = 404, description = "No such record", body = crate::problem::Problem, content_type = "application/problem+json")))]
    pub async fn software_publiccode(
        State(s): State<AppState>,
        crate::params::RecordSlug(slug): crate::params::RecordSlug,
        p: Params,
    ) -> Response {
        if let Err(problem) = p.allow_of::<crate::openapi::NoQuery>() {
            return problem.into_response();
        }
        match s.store.software_publiccode(&slug).await {
            Ok(doc) => (
                [
                    (header::CONTENT_TYPE, "application/yaml; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, "inline; filename=\"publiccode.yml\"".to_string()),
                ],
                publiccode::to_yaml(&doc),
            )
                .into_response(),
            Err(e) => Error::from(e).into_response(),
        }
    }

    /// Creates or updates a software from its publiccode.yml (the YAML as body).
    #[utoipa::path(post, path = "/api/v1/import/publiccode", tag = "software", operation_id = "import_publiccode",
        params(crate::openapi::ImportQuery),
        request_body(content = String, content_type = "application/yaml", description = "A publiccode.yml"),
        security(("token" = [])),
        responses((status = 201, description = "A new software"), (status = 200, description = "The software, updated"),
            (status = 401, description = "No live token", body = crate::problem::Problem, content_type = "application/problem+json"),
            (status = 403, description = "The software is another organisation's", body = crate::problem::Problem, content_type = "application/problem+json"),
            (status = 415, description = "Not YAML", body = crate::problem::Problem, content_type = "application/problem+json"),
            (status = 422, description = "An invalid file, with each error and warning", content_type = "application/problem+json")))]
    pub async fn import(
        State(s): State<AppState>,
        writer: crate::auth::Writer,
        headers: axum::http::HeaderMap,
        p: Params,
        body: Result<Bytes, BytesRejection>,
    ) -> Response {
        if let Err(problem) = crate::guard::require_body_type(&headers, &super::YAML) {
            return problem.into_response();
        }
        if let Err(problem) = p.allow_of::<crate::openapi::ImportQuery>() {
            return problem.into_response();
        }
        let country = match p.parsed("country", Country::parse) {
            Ok(c) => c.unwrap_or(Country::FR),
            Err(problem) => return problem.into_response(),
        };
        let body = match body {
            Ok(b) => b,
            Err(rejection) => {
                return Error::BodyRefused {
                    status: rejection.status(),
                    detail: format!("{rejection}; a publiccode.yml is at most {} bytes", publiccode::MAX_FILE_BYTES),
                }
                .into_response()
            }
        };
        let options = PublicCodeImportOptions {
            country,
            today: chrono::Utc::now().date_naive(),
            source: "api".into(),
            acting_for: writer.acting_for().map(str::to_string),
        };
        match import_bytes(&s.store, &writer.actor(), &body, &options).await {
            Ok(Ok(answer)) => {
                let status = if answer.created { StatusCode::CREATED } else { StatusCode::OK };
                (status, Json(answer)).into_response()
            }
            Ok(Err(ImportRefusal::Invalid(report))) => {
                let body = json!({
                    "type": "about:blank",
                    "title": "Invalid publiccode.yml",
                    "status": 422,
                    "detail": format!("the file has {} error(s); nothing was imported", report.errors.len()),
                    "errors": report.errors,
                    "warnings": report.warnings,
                });
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    [(header::CONTENT_TYPE, "application/problem+json")],
                    serde_json::to_vec(&body).expect("findings serialise"),
                )
                    .into_response()
            }
            Ok(Err(ImportRefusal::Catalog(e))) => Error::from(e).into_response(),
            Err(e) => {
                Error::internal(e, "publiccode import failed", "the import failed; the error is logged").into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_finding_line_names_the_file_position_and_key() {
        let f = publiccode::Finding { key: "legal.license".into(), message: "bad".into(), line: 3, column: 12 };
        assert_eq!(super::finding_line("p.yml", "", &f), "p.yml:3:12: legal.license: bad");
        let whole = publiccode::Finding { key: String::new(), message: "empty file".into(), line: 0, column: 0 };
        assert_eq!(super::finding_line("p.yml", " warning:", &whole), "p.yml: warning: empty file");
    }
}
