//! The search indexes beside the catalog, software and organisations: opened under
//! `DATA_DIR/search` and `DATA_DIR/search-organisations`, caught up with the catalog at
//! start, after every write seen (by this process or another on the same database) before
//! a search answers, and rebuilt by `communs reindex`. tantivy's commits run on blocking
//! threads; after a write that changed only a software's adopters (a declaration), the
//! software index's commit runs in the background (`Text`), while a search already shows
//! the software's new counts, facets and ranking.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::Context;
use catalog::Store;
use indexer::search::organisations::OrganisationSearch;
use indexer::search::Search;

/// Software read at once by a rebuild.
const SOFTWARE_BATCH: usize = 250;
/// Organisations read at once by a rebuild: their documents are small.
const ORGANISATION_BATCH: usize = 5_000;

/// The indexes with what it takes to keep them in step.
pub struct SearchIndex {
    pub search: Arc<Search>,
    pub organisations: Arc<OrganisationSearch>,
    /// The catalog version the last catch-up looked at: a search first catches up when the
    /// catalog has moved since.
    seen: AtomicI64,
    catching_up: tokio::sync::Mutex<()>,
    /// When this process last pruned the change logs (seconds since the epoch).
    pruned_at: AtomicI64,
    /// The pruning under way, if one is.
    pruning: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    text: Arc<Text>,
}

/// The software index's text commits, off the requests. A declaration's round trip waited
/// 25 ms at the median (55 at p90) for the commit of one document, whose only news for a
/// search is a word it now holds (the adopter's name, its territories); its counts, facets
/// and ranking are in the index's table at once. A change of what a software says of
/// itself is still committed before the search answers. One commit runs at a time and takes all the text waiting
/// when it starts, so that writes arriving together share one.
struct Text {
    search: Arc<Search>,
    running: AtomicBool,
    /// Commits ended (for the answer cache: an answer made while one ended may be stale).
    ended: AtomicU64,
    idle: tokio::sync::Notify,
}

impl Text {
    /// Starts the commit of the text waiting, unless one is under way (it will see it).
    fn start(self: &Arc<Text>) {
        if self.running.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_err() {
            return;
        }
        let text = self.clone();
        tokio::spawn(async move {
            loop {
                let search = text.search.clone();
                match tokio::task::spawn_blocking(move || search.commit_pending()).await {
                    Ok(Ok(true)) => {
                        text.ended.fetch_add(1, Ordering::AcqRel);
                        continue;
                    }
                    Ok(Ok(false)) => {}
                    // The text stays waiting, for the next write's commit to try again.
                    Ok(Err(e)) => tracing::warn!(error = %e, "the search index's text could not be committed"),
                    Err(e) => tracing::warn!(error = %e, "the search index's commit stopped"),
                }
                text.running.store(false, Ordering::Release);
                // Text that came after the last look and before `running` went down would
                // otherwise wait for the next write.
                if text.search.has_pending()
                    && text.running.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_ok()
                {
                    continue;
                }
                text.idle.notify_waiters();
                break;
            }
        });
    }

    fn behind(&self) -> bool {
        self.running.load(Ordering::Acquire) || self.search.has_pending()
    }
}

/// Rows of a change log deleted in one transaction.
const PRUNE_BATCH: i64 = 2_000;
/// The pause between two of them. After a national import the logs hold 1.4 million rows:
/// pruned back to back, 5,000 at a time, they kept a core busy and the write lock taken
/// for 24 s, and the dashboards' p99 under writes went from 20 to 78 ms in the run where
/// that overlapped; paced, the pruning takes longer and the writes and catch-ups meanwhile
/// get their turn.
const PRUNE_PAUSE: std::time::Duration = std::time::Duration::from_millis(20);

/// How often, at most, a process prunes the change logs after a catch-up that read some.
const PRUNE_EVERY_SECONDS: i64 = 60;

/// What a catch-up or a rebuild read again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Read {
    pub software: usize,
    pub organisations: usize,
}

impl SearchIndex {
    pub fn new(search: Search, organisations: OrganisationSearch) -> SearchIndex {
        let search = Arc::new(search);
        SearchIndex {
            text: Arc::new(Text {
                search: search.clone(),
                running: AtomicBool::new(false),
                ended: AtomicU64::new(0),
                idle: tokio::sync::Notify::new(),
            }),
            search,
            organisations: Arc::new(organisations),
            seen: AtomicI64::new(-1),
            catching_up: tokio::sync::Mutex::new(()),
            pruned_at: AtomicI64::new(0),
            pruning: std::sync::Mutex::new(None),
        }
    }

    /// The indexes of a data folder, as they were left.
    pub fn open(data_dir: &Path) -> anyhow::Result<SearchIndex> {
        let software = data_dir.join("search");
        let organisations = data_dir.join("search-organisations");
        Ok(SearchIndex::new(
            Search::open(&software)
                .with_context(|| format!("cannot open the search index in {}", software.display()))?,
            OrganisationSearch::open(&organisations)
                .with_context(|| format!("cannot open the search index in {}", organisations.display()))?,
        ))
    }

    /// Indexes in memory, filled by their first catch-up (the tests' router).
    pub fn in_memory() -> anyhow::Result<SearchIndex> {
        Ok(SearchIndex::new(Search::in_memory()?, OrganisationSearch::in_memory()?))
    }

    /// Applies the catalog's changes the indexes have not seen; says how many documents
    /// were read again.
    pub async fn catch_up(&self, store: &Store) -> anyhow::Result<Read> {
        self.catch_up_to(store, store.version().await?).await
    }

    /// `catch_up`, when the caller has just read the catalog's version.
    pub async fn catch_up_to(&self, store: &Store, version: i64) -> anyhow::Result<Read> {
        if self.seen.load(Ordering::Acquire) == version {
            return Ok(Read::default());
        }
        let _one_at_a_time = self.catching_up.lock().await;
        let mut read = Read::default();
        let started = std::time::Instant::now();
        let (ids, upto) = store.search_changes(self.search.version()).await?;
        if !ids.is_empty() {
            let docs = store.search_documents(Some(&ids)).await?;
            let made = started.elapsed();
            read.software = ids.len();
            let adopters: usize = docs.iter().map(|d| d.adopter_names.len()).sum();
            if self.search.only_adopters_changed(&ids, &docs) {
                self.search.apply_entries(&ids, docs, upto);
                self.text.start();
            } else {
                // What a software says of itself is found by its words at once.
                let search = self.search.clone();
                tokio::task::spawn_blocking(move || search.apply(Some(&ids), &docs, upto)).await??;
            }
            tracing::debug!(
                software = read.software,
                adopters,
                read_ms = made.as_secs_f64() * 1e3,
                applied_ms = (started.elapsed() - made).as_secs_f64() * 1e3,
                "search caught up"
            );
        }
        let started = std::time::Instant::now();
        let (ids, upto) = store.organisation_changes(self.organisations.version()).await?;
        if !ids.is_empty() {
            // A national import touches every commune: read in batches, like a rebuild.
            for batch in ids.chunks(ORGANISATION_BATCH) {
                let docs = store.organisation_documents(Some(batch)).await?;
                let organisations = self.organisations.clone();
                let batch = batch.to_vec();
                let at = if batch.last() == ids.last() { upto } else { self.organisations.version() };
                tokio::task::spawn_blocking(move || organisations.apply(Some(&batch), &docs, at)).await??;
            }
            read.organisations = ids.len();
            tracing::debug!(
                organisations = read.organisations,
                ms = started.elapsed().as_secs_f64() * 1e3,
                "organisation search caught up"
            );
        }
        self.seen.store(version, Ordering::Release);
        if read.software + read.organisations > 0 {
            self.prune(store).await;
        }
        Ok(read)
    }

    /// Keeps the change logs from growing with every write (a national import of communes
    /// adds 150,000 rows, one of adoptions a million): once a minute at most, after a
    /// catch-up that read changes, in the background and in batches, so that neither the
    /// catch-up nor the writes meanwhile wait for it. A failure is logged; the logs are only
    /// longer until the next one.
    async fn prune(&self, store: &Store) {
        let now = chrono::Utc::now().timestamp();
        let last = self.pruned_at.load(Ordering::Acquire);
        if now - last < PRUNE_EVERY_SECONDS
            || self.pruned_at.compare_exchange(last, now, Ordering::AcqRel, Ordering::Acquire).is_err()
        {
            return;
        }
        let store = store.clone();
        let task = tokio::spawn(async move {
            let mut total = 0;
            loop {
                match store.prune_changes(PRUNE_BATCH).await {
                    Ok(n) => {
                        total += n;
                        if n < PRUNE_BATCH as u64 {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the change logs could not be pruned");
                        break;
                    }
                }
                tokio::time::sleep(PRUNE_PAUSE).await;
            }
            if total > 0 {
                tracing::debug!(rows = total, "change logs pruned");
            }
        });
        *self.pruning.lock().expect("not poisoned") = Some(task);
    }

    /// Waits until the text of every software the catch-ups read is committed: a word
    /// only that text holds then finds it. The server waits for it at start and before it
    /// stops, the tests before they search for such a word.
    pub async fn text_committed(&self) {
        loop {
            // Registered before the look, so that the end of a commit between the two
            // is not missed.
            let idle = self.text.idle.notified();
            if !self.text.behind() {
                return;
            }
            idle.await;
        }
    }

    /// A mark for answers made from the index: equal before and after one, the text was
    /// up to date all along (nothing waiting, no commit ending meanwhile), and the answer
    /// may be kept for its catalog version.
    pub fn text_mark(&self) -> Option<u64> {
        (!self.text.behind()).then(|| self.text.ended.load(Ordering::Acquire))
    }

    /// The catalog version the last catch-up looked at (-1 before the first).
    pub fn seen_version(&self) -> i64 {
        self.seen.load(Ordering::Acquire)
    }

    /// Whether text written is waiting for the software index's commit.
    pub fn text_behind(&self) -> bool {
        self.text.behind()
    }

    /// Waits for the pruning under way, if any, to end.
    pub async fn pruned(&self) {
        let task = self.pruning.lock().expect("not poisoned").take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    /// Builds an index that has never been built (a new data folder, or an index of an older
    /// schema), and catches the others up.
    pub async fn bring_up_to_date(&self, store: &Store) -> anyhow::Result<(Read, Read)> {
        let mut built = Read::default();
        if self.search.version() == 0 {
            built.software = self.rebuild_software(store).await?;
        }
        if self.organisations.version() == 0 {
            built.organisations = self.rebuild_organisations(store).await?;
        }
        let caught = self.catch_up(store).await?;
        self.text_committed().await;
        if built.software + built.organisations > 0 {
            // glibc keeps freed memory in the arena of the thread that used it: the
            // blocking threads of the build would hold some 60 MB for the server's life.
            crate::memory::give_back();
        }
        Ok((built, caught))
    }

    /// Reads every document of both indexes again.
    pub async fn rebuild(&self, store: &Store) -> anyhow::Result<Read> {
        let software = self.rebuild_software(store).await?;
        let organisations = self.rebuild_organisations(store).await?;
        self.seen.store(-1, Ordering::Release);
        Ok(Read { software, organisations })
    }

    async fn rebuild_software(&self, store: &Store) -> anyhow::Result<usize> {
        let _one_at_a_time = self.catching_up.lock().await;
        // Read first: what commits meanwhile has a higher version and comes with the next
        // catch-up.
        let upto = store.search_version().await?;
        let ids = store.software_ids().await?;
        // Emptied first, then filled by batches, so that a national catalog (a million
        // adoptions) is never in memory at once. The batches are committed at version 0:
        // an index left half-built by a crash is built again at the next start.
        self.search.set_rebuilding(true);
        let search = self.search.clone();
        tokio::task::spawn_blocking(move || search.apply(None, &[], 0)).await??;
        let mut n = 0;
        let batches: Vec<Vec<i64>> = ids.chunks(SOFTWARE_BATCH).map(<[i64]>::to_vec).collect();
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
        // One segment instead of the batches' several: a query looks into each.
        let search = self.search.clone();
        let merged = tokio::task::spawn_blocking(move || search.merge_segments()).await;
        self.search.set_rebuilding(false);
        merged??;
        Ok(n)
    }

    async fn rebuild_organisations(&self, store: &Store) -> anyhow::Result<usize> {
        let _one_at_a_time = self.catching_up.lock().await;
        let upto = store.organisation_search_version().await?;
        let ids = store.organisation_ids().await?;
        self.organisations.set_rebuilding(true);
        let organisations = self.organisations.clone();
        tokio::task::spawn_blocking(move || organisations.apply(None, &[], 0)).await??;
        let mut n = 0;
        let batches: Vec<Vec<i64>> = ids.chunks(ORGANISATION_BATCH).map(<[i64]>::to_vec).collect();
        let last = batches.len().saturating_sub(1);
        for (i, batch) in batches.into_iter().enumerate() {
            let docs = store.organisation_documents(Some(&batch)).await?;
            n += docs.len();
            let organisations = self.organisations.clone();
            let at = if i == last { upto } else { 0 };
            tokio::task::spawn_blocking(move || organisations.apply(Some(&batch), &docs, at)).await??;
        }
        if n == 0 {
            let organisations = self.organisations.clone();
            tokio::task::spawn_blocking(move || organisations.apply(None, &[], upto)).await??;
        }
        let organisations = self.organisations.clone();
        let merged = tokio::task::spawn_blocking(move || organisations.merge_segments()).await;
        self.organisations.set_rebuilding(false);
        merged??;
        Ok(n)
    }
}
