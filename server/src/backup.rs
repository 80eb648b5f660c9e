//! `communs backup DIR` and `communs restore FILE`, for a SQLite catalog.
//!
//! The database is the only thing a backup needs: the mirrors are harvested again, the
//! search indexes rebuilt from the database, and `communs.toml` is the operator's own file.
//! A backup is taken while the server runs; a restore needs the server stopped, keeps the
//! database it replaces beside it, and rebuilds the search index.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use catalog::{CopyFacts, Store};

use crate::config::Config;

/// What a copy holds, in one line.
fn describe(f: &CopyFacts) -> String {
    format!(
        "catalog version {}, {} software, {} organisations, {} adoptions",
        f.version, f.software, f.organisations, f.adoptions
    )
}

/// Writes `DIR/communs-YYYYMMDD-HHMMSS.db`, a consistent copy of the catalog, checked
/// before it gets its name: an interrupted backup leaves only a `.part` file.
pub async fn backup(store: &Store, dir: &Path, out: &mut dyn Write) -> anyhow::Result<PathBuf> {
    if store.sqlite_file().is_none() {
        anyhow::bail!(
            "backup: the catalog is on PostgreSQL: copy it with pg_dump (README, \"Backups\"); this command copies SQLite catalogs"
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("backup: cannot create {}", dir.display()))?;
    let started = std::time::Instant::now();
    let name = format!("communs-{}.db", chrono::Utc::now().format("%Y%m%d-%H%M%S"));
    let done = dir.join(&name);
    if done.exists() {
        anyhow::bail!("backup: {} exists already (one backup a second at most)", done.display());
    }
    let part = dir.join(format!(".{name}.part"));
    // A .part file is only ever an interrupted backup of this very name.
    let _ = std::fs::remove_file(&part);
    store.copy_to(&part).await.map_err(|e| anyhow::anyhow!("backup: {e}"))?;
    let facts = match catalog::inspect_copy(&part).await {
        Ok(f) => f,
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            anyhow::bail!("backup: the copy does not read back: {e}");
        }
    };
    std::fs::rename(&part, &done).with_context(|| format!("backup: cannot name {}", done.display()))?;
    let bytes = std::fs::metadata(&done).map(|m| m.len()).unwrap_or(0);
    writeln!(
        out,
        "backup written: {} ({:.1} MB, {}) in {:.1} s",
        done.display(),
        bytes as f64 / 1e6,
        describe(&facts),
        started.elapsed().as_secs_f64()
    )?;
    Ok(done)
}

/// Replaces the catalog by the copy `from`, once the copy is checked; the database it
/// replaces is kept beside it as `communs.db.before-restore-…` (with its journal files).
pub async fn restore(config: &Config, from: &Path, out: &mut dyn Write) -> anyhow::Result<()> {
    let Some(db) = catalog::sqlite_file_of(&config.database_url).map_err(|e| anyhow::anyhow!("restore: {e}"))? else {
        anyhow::bail!(
            "restore: the catalog is on PostgreSQL: restore it with pg_restore or psql (README, \"Backups\")"
        );
    };
    let facts = catalog::inspect_copy(from).await.map_err(|e| anyhow::anyhow!("restore: {e}"))?;
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("restore: cannot create the data folder {}", config.data_dir.display()))?;
    // A running server holds its search index: while it does, nothing is touched.
    let search = crate::search::SearchIndex::open(&config.data_dir)
        .map_err(|e| anyhow::anyhow!("restore: {e:#} (is a server using this data folder? stop it first)"))?;
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let incoming = db.with_file_name(format!(".restoring-{stamp}.db"));
    std::fs::copy(from, &incoming).with_context(|| format!("restore: cannot copy {}", from.display()))?;
    std::fs::File::open(&incoming).and_then(|f| f.sync_all()).context("restore: cannot write the copy out")?;
    let mut kept = None;
    if db.exists() {
        let aside = db.with_file_name(format!(
            "{}.before-restore-{stamp}",
            db.file_name().and_then(|n| n.to_str()).unwrap_or("communs.db")
        ));
        // The journal files go with their database, so that the one kept opens as it was.
        for suffix in ["-wal", "-shm"] {
            let journal = PathBuf::from(format!("{}{suffix}", db.display()));
            if journal.exists() {
                std::fs::rename(&journal, format!("{}{suffix}", aside.display()))
                    .with_context(|| format!("restore: cannot move {} aside", journal.display()))?;
            }
        }
        std::fs::rename(&db, &aside).with_context(|| format!("restore: cannot move {} aside", db.display()))?;
        kept = Some(aside);
    }
    std::fs::rename(&incoming, &db).with_context(|| format!("restore: cannot put the copy at {}", db.display()))?;
    let store = Store::connect(&config.database_url).await.context("restore: cannot open the restored database")?;
    store.migrate().await.context("restore: cannot migrate the restored database")?;
    let read = search.rebuild(&store).await?;
    search.text_committed().await;
    store.close().await;
    writeln!(out, "restored from {}: {}", from.display(), describe(&facts))?;
    if let Some(aside) = kept {
        writeln!(out, "the database it replaced is kept as {}", aside.display())?;
    }
    writeln!(out, "search index rebuilt: {} software, {} organisations", read.software, read.organisations)?;
    Ok(())
}
