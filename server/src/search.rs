//! The search index beside the catalog: opened under `DATA_DIR/search`, caught up with the
//! catalog at start, after every write seen (by this process or another on the same
//! database) before a search answers, and rebuilt by `communs reindex`. tantivy's commits
//! run on blocking threads.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use catalog::Store;
use indexer::search::Search;

/// Software read at once by a rebuild.
const REBUILD_BATCH: usize = 500;

/// The index with what it takes to keep it in step.
pub struct SearchIndex {
    pub search: Arc<Search>,
    /// The catalog version the last catch-up looked at: a search first catches up when the
    /// catalog has moved since.
    seen: AtomicI64,
    catching_up: tokio::sync::Mutex<()>,
}

impl SearchIndex {
    pub fn new(search: Search) -> SearchIndex {
        SearchIndex { search: Arc::new(search), seen: AtomicI64::new(-1), catching_up: tokio::sync::Mutex::new(()) }
    }

    /// An index in memory, filled by its first catch-up (the tests' router).
    pub fn in_memory() -> anyhow::Result<SearchIndex> {
        Ok(SearchIndex::new(Search::in_memory()?))
    }

    /// Applies the catalog's changes the index has not seen; returns how many documents
    /// were read again.
    pub async fn catch_up(&self, store: &Store) -> anyhow::Result<usize> {
        self.catch_up_to(store, store.version().await?).await
    }

    /// `catch_up`, when the caller has just read the catalog's version.
    pub async fn catch_up_to(&self, store: &Store, version: i64) -> anyhow::Result<usize> {
        if self.seen.load(Ordering::Acquire) == version {
            return Ok(0);
        }
        let _one_at_a_time = self.catching_up.lock().await;
        let (ids, upto) = store.search_changes(self.search.version()).await?;
        let mut n = 0;
        if !ids.is_empty() {
            let docs = store.search_documents(Some(&ids)).await?;
            let search = self.search.clone();
            n = ids.len();
            tokio::task::spawn_blocking(move || search.apply(Some(&ids), &docs, upto)).await??;
        }
        self.seen.store(version, Ordering::Release);
        Ok(n)
    }

    /// Reads every document again.
    pub async fn rebuild(&self, store: &Store) -> anyhow::Result<usize> {
        let _one_at_a_time = self.catching_up.lock().await;
        let version = store.version().await?;
        // Read first: what commits meanwhile has a higher version and comes with the next
        // catch-up.
        let upto = store.search_version().await?;
        let ids = store.software_ids().await?;
        // Emptied first, then filled by batches, so that a national catalog (a million
        // adoptions) is never in memory at once. The batches are committed at version 0:
        // an index left half-built by a crash is built again at the next start.
        let search = self.search.clone();
        tokio::task::spawn_blocking(move || search.apply(None, &[], 0)).await??;
        let mut n = 0;
        let batches: Vec<Vec<i64>> = ids.chunks(REBUILD_BATCH).map(<[i64]>::to_vec).collect();
        let last = batches.len().saturating_sub(1);
        for (i, batch) in batches.into_iter().enumerate() {
            let docs = store.search_documents(Some(&batch)).await?;
            n += docs.len();
            let search = self.search.clone();
            let at = if i == last { upto } else { 0 };
            tokio::task::spawn_blocking(move || search.apply(Some(&batch), &docs, at)).await??;
        }
        if n == 0 {
            let search = self.search.clone();
            tokio::task::spawn_blocking(move || search.apply(None, &[], upto)).await??;
        }
        self.seen.store(version, Ordering::Release);
        Ok(n)
    }
}
