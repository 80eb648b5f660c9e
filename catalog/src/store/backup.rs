//! Copies of a SQLite catalog: one taken while the server runs, and the checks a copy
//! passes before it may replace the catalog. (A PostgreSQL catalog is copied with
//! `pg_dump`; README, "Backups".)

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::ConnectOptions;

use super::{Db, Store, SQLITE_MIGRATIONS};
use crate::error::{Error, Result};

/// What a copy holds, read from it.
#[derive(Debug, Clone, Serialize)]
pub struct CopyFacts {
    /// The catalog's change counter when the copy was taken.
    pub version: i64,
    pub software: i64,
    pub organisations: i64,
    pub adoptions: i64,
    /// The last migration applied to it.
    pub migration: i64,
}

/// The database file a `sqlite:` URL names, read as `Store::connect` reads it; `None` for
/// any other URL.
pub fn sqlite_file_of(url: &str) -> Result<Option<PathBuf>> {
    if !url.starts_with("sqlite:") {
        return Ok(None);
    }
    Ok(Some(SqliteConnectOptions::from_str(url)?.get_filename().to_path_buf()))
}

impl Store {
    /// The database file of a SQLite catalog; `None` for PostgreSQL.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        match &self.db {
            Db::Sqlite(pool) => Some(pool.connect_options().get_filename().to_path_buf()),
            Db::Postgres(_) => None,
        }
    }

    /// Writes a consistent copy of the catalog to `to`, which must not exist. SQLite's
    /// `VACUUM INTO` reads one snapshot: the server goes on reading and writing meanwhile,
    /// and no write shows up in the copy half done.
    pub async fn copy_to(&self, to: &Path) -> Result<()> {
        let Db::Sqlite(pool) = &self.db else {
            return Err(Error::invalid(
                "database_url",
                "the catalog is on PostgreSQL, which copies itself: use pg_dump (README, \"Backups\")",
            ));
        };
        if to.exists() {
            return Err(Error::Conflict {
                field: "backup".into(),
                message: format!("{} exists already", to.display()),
            });
        }
        let target = to.to_str().ok_or_else(|| Error::invalid("backup", "the path is not UTF-8"))?;
        sqlx::query("VACUUM INTO ?").bind(target).execute(pool).await?;
        Ok(())
    }
}

/// Opens the copy at `path` read-only and checks that it is a whole Communs catalog that
/// this program can open: SQLite finds nothing damaged, its tables answer, and no migration
/// newer than this program's has run on it.
pub async fn inspect_copy(path: &Path) -> Result<CopyFacts> {
    let bad = |message: String| Error::invalid("backup", format!("{}: {message}", path.display()));
    if !path.is_file() {
        return Err(bad("no such file".into()));
    }
    let options = SqliteConnectOptions::from_str("sqlite:")?.filename(path).read_only(true);
    let mut conn = options.connect().await.map_err(|e| bad(format!("not a SQLite database ({e})")))?;
    // SQLite reads the file only now: a file that is not a database at all says so
    // (SQLITE_NOTADB), one whose pages are damaged says so otherwise.
    let problems: Vec<(String,)> =
        sqlx::query_as("PRAGMA integrity_check").fetch_all(&mut conn).await.map_err(|e| {
            let code = e.as_database_error().and_then(|d| d.code().map(|c| c.into_owned()));
            if code.as_deref() == Some("26") {
                bad(format!("not a SQLite database ({e})"))
            } else {
                bad(format!("SQLite finds it damaged ({e})"))
            }
        })?;
    if problems.first().map(|(s,)| s.as_str()) != Some("ok") {
        let said = problems.iter().take(3).map(|(s,)| s.as_str()).collect::<Vec<_>>().join("; ");
        return Err(bad(format!("SQLite finds it damaged: {said}")));
    }
    let read = |sql: &'static str| sqlx::query_as::<_, (i64,)>(sql);
    let not_ours = |e: sqlx::Error| bad(format!("not a Communs catalog ({e})"));
    let (migration,) = read("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
        .fetch_one(&mut conn)
        .await
        .map_err(not_ours)?;
    let known = SQLITE_MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0);
    if migration > known {
        return Err(bad(format!(
            "made by a newer Communs (migration {migration}; this program knows up to {known}): restore it with that version"
        )));
    }
    let (version,) =
        read("SELECT version FROM catalog_version WHERE id = 1").fetch_one(&mut conn).await.map_err(not_ours)?;
    let (software,) = read("SELECT COUNT(*) FROM software").fetch_one(&mut conn).await.map_err(not_ours)?;
    let (organisations,) = read("SELECT COUNT(*) FROM organisations").fetch_one(&mut conn).await.map_err(not_ours)?;
    let (adoptions,) = read("SELECT COUNT(*) FROM adoptions").fetch_one(&mut conn).await.map_err(not_ours)?;
    Ok(CopyFacts { version, software, organisations, adoptions, migration })
}
