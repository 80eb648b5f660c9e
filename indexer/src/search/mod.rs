//! The search index: one tantivy document per software, derived from the catalog and kept
//! in step with it. tantivy finds and scores the matching documents; their facets, filters
//! and sorts are computed here over a table of every document's values, which a catalog of
//! a few thousand software keeps in memory at no cost.
//!
//! The index remembers, in its commit's payload, the catalog version it reflects; the
//! changes after it (`catalog::Store::search_changes`) are applied at the next catch-up, so
//! a crash between a write and its index update is repaired at the next start without a
//! full rebuild.

pub mod analysis;
pub mod guidance;
pub mod organisations;
pub mod query;
pub mod relevance;
pub mod thesaurus;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Mutex, RwLock};

use catalog::{Category, Health, SearchDocument};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader, TantivyDocument, Term};

use self::thesaurus::Thesaurus;

/// Memory the writer may use before it flushes a segment: tantivy's smallest budget
/// (15 MB) and a little more, since the server's whole budget is 200 MB.
pub(crate) const WRITER_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("search index: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Catalog(#[from] catalog::Error),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
}

pub type Result<T> = std::result::Result<T, Error>;

/// The text fields, each with the analyzer of its language and the weight of a match in it.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub name: Field,
    pub name_en: Field,
    pub summary_fr: Field,
    pub summary_en: Field,
    pub description_fr: Field,
    pub description_en: Field,
    pub categories_fr: Field,
    pub categories_en: Field,
    pub organisations: Field,
    pub readme_fr: Field,
    pub readme_en: Field,
    pub adopters: Field,
    /// What the adopters wrote of their use and the roadmap's titles.
    pub uses: Field,
    /// The words of the name, summaries, descriptions and categories, folded but not
    /// stemmed: typos are forgiven against the words as written, since a typo can change
    /// what the stemmer makes of a word (`urbanisne` is not one edit from `urban`).
    pub folded: Field,
    /// The document's facet values as JSON, stored only: the table is rebuilt from it.
    pub meta: Field,
}

impl Fields {
    /// (field, weight, French?) for every searched field. The name weighs most; the README
    /// and the adopters' names least, since a word there says less about what the tool is.
    pub fn searched(&self) -> Vec<(Field, f32, bool)> {
        vec![
            (self.name, 4.0, true),
            (self.name_en, 4.0, false),
            (self.summary_fr, 2.0, true),
            (self.summary_en, 2.0, false),
            (self.categories_fr, 1.5, true),
            (self.categories_en, 1.5, false),
            (self.description_fr, 1.0, true),
            (self.description_en, 1.0, false),
            (self.uses, 0.8, true),
            (self.organisations, 0.8, true),
            (self.readme_fr, 0.5, true),
            (self.readme_en, 0.5, false),
            (self.adopters, 0.5, true),
        ]
    }

    /// The fields of the record itself (name, summaries, categories, descriptions), where a
    /// thesaurus term other than the one typed is looked for: in a README or an adopter's
    /// name it says little, and looking there took half of a search's time on the national
    /// catalog.
    pub fn record(&self) -> Vec<(Field, f32, bool)> {
        let body = [self.organisations, self.readme_fr, self.readme_en, self.adopters, self.uses];
        self.searched().into_iter().filter(|(f, _, _)| !body.contains(f)).collect()
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |analyzer: &str, stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let options = TextOptions::default().set_indexing_options(indexing);
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let (fr, en) = (analysis::FRENCH, analysis::ENGLISH);
    let fields = Fields {
        id: b.add_u64_field("id", NumericOptions::default() | INDEXED | FAST | STORED),
        name: b.add_text_field("name", text(fr, true)),
        name_en: b.add_text_field("name_en", text(en, false)),
        summary_fr: b.add_text_field("summary_fr", text(fr, true)),
        summary_en: b.add_text_field("summary_en", text(en, true)),
        description_fr: b.add_text_field("description_fr", text(fr, true)),
        description_en: b.add_text_field("description_en", text(en, true)),
        categories_fr: b.add_text_field("categories_fr", text(fr, false)),
        categories_en: b.add_text_field("categories_en", text(en, false)),
        organisations: b.add_text_field("organisations", text(fr, false)),
        readme_fr: b.add_text_field("readme_fr", text(fr, true)),
        readme_en: b.add_text_field("readme_en", text(en, false)),
        adopters: b.add_text_field("adopters", text(fr, false)),
        uses: b.add_text_field("uses", text(fr, false)),
        folded: b.add_text_field("folded", text(analysis::FOLDED, false)),
        meta: b.add_text_field("meta", TextOptions::default().set_stored()),
    };
    (b.build(), fields)
}

/// What a document brings to facets, filters, sorts and hits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: i64,
    pub slug: String,
    pub name: String,
    /// Lowercase and without accents, for the sort by name.
    pub sort_name: String,
    pub summary: BTreeMap<String, String>,
    /// For the snippets.
    pub description: BTreeMap<String, String>,
    pub categories: Vec<String>,
    pub licence: String,
    pub adopter_kinds: Vec<String>,
    pub countries: Vec<String>,
    pub adopters: i64,
    pub health: Option<u32>,
    pub last_activity: Option<DateTime<Utc>>,
    pub publiccode_valid: bool,
    /// A hash of what the software says of itself (`own_words`).
    #[serde(default)]
    pub own_words: u64,
    /// Its value of every facet, territories included, as numbers in the table's
    /// `FacetValue`s: facets are counted over thousands of matches, by number.
    #[serde(skip)]
    pub values: Vec<u32>,
}

/// A document's values as its stored `meta` field holds them: the entry, and its
/// territories by slug with their names.
#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    #[serde(flatten)]
    entry: Entry,
    territories: BTreeMap<String, String>,
}

/// A hash of a document's text but its adopters' names and territories: equal, a write
/// changed only what its adopters add (`Search::only_adopters_changed`).
fn own_words(d: &SearchDocument) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (&d.slug, &d.name, &d.summary, &d.description, &d.categories, &d.licence).hash(&mut h);
    (&d.organisations, &d.readmes, &d.uses).hash(&mut h);
    h.finish()
}

impl Entry {
    fn of(d: &SearchDocument) -> Entry {
        Entry {
            id: d.id,
            slug: d.slug.clone(),
            name: d.name.clone(),
            // Every word counts for the order, stop words too: "ma cantine" is under M.
            sort_name: analysis::words_with_stop_words(&d.name).join(" "),
            summary: d.summary.clone(),
            description: d.description.clone(),
            categories: d.categories.clone(),
            licence: d.licence.clone(),
            adopter_kinds: d.adopter_kinds.clone(),
            countries: d.countries.clone(),
            adopters: d.adopters,
            health: d.health,
            last_activity: d.last_activity,
            publiccode_valid: d.publiccode_valid,
            own_words: own_words(d),
            values: Vec::new(),
        }
    }

    /// The modest boost relevance gets from use and health: at most +40 % for a tool a
    /// thousand organisations use, ±10 % from the health score, so that a better match
    /// still wins over a more popular one.
    fn boost(&self) -> f32 {
        let adoption = 1.0 + 0.058 * (1.0 + self.adopters.max(0) as f32).ln();
        let health = 0.9 + 0.2 * self.health.unwrap_or(50) as f32 / 100.0;
        adoption * health
    }
}

/// One value of one facet.
#[derive(Debug, Clone, PartialEq)]
pub struct FacetValue {
    pub facet: &'static str,
    pub value: String,
    /// A territory's name.
    pub label: Option<String>,
}

/// Every document's entry, and each facet value once, by number. A tool used across the
/// country names a hundred départements: five thousand entries holding their own copies
/// took 40 MB of the server's memory on the national catalog.
#[derive(Debug, Default)]
pub struct Table {
    pub entries: HashMap<i64, Entry>,
    pub values: Vec<FacetValue>,
    numbers: HashMap<(&'static str, String), u32>,
}

impl Table {
    fn insert(&mut self, mut entry: Entry, territories: &BTreeMap<String, String>) {
        let mut values = Vec::new();
        for c in &entry.categories {
            values.push(self.number("category", c, None));
        }
        values.push(self.number("licence", &entry.licence, None));
        for k in &entry.adopter_kinds {
            values.push(self.number("kind", k, None));
        }
        for (slug, name) in territories {
            values.push(self.number("territory", slug, Some(name)));
        }
        for c in &entry.countries {
            values.push(self.number("country", c, None));
        }
        values.push(self.number("health", band(entry.health), None));
        values.push(self.number("publiccode", if entry.publiccode_valid { "true" } else { "false" }, None));
        entry.values = values;
        self.entries.insert(entry.id, entry);
    }

    /// The number of a facet value; a new label replaces the old one (a renamed
    /// département).
    fn number(&mut self, facet: &'static str, value: &str, label: Option<&str>) -> u32 {
        if let Some(&n) = self.numbers.get(&(facet, value.to_string())) {
            let known = &mut self.values[n as usize];
            if label.is_some() && known.label.as_deref() != label {
                known.label = label.map(str::to_string);
            }
            return n;
        }
        let n = self.values.len() as u32;
        self.values.push(FacetValue { facet, value: value.to_string(), label: label.map(str::to_string) });
        self.numbers.insert((facet, value.to_string()), n);
        n
    }

    /// The number of a facet's value, if a document has it.
    pub fn value_number(&self, facet: &'static str, value: &str) -> Option<u32> {
        self.numbers.get(&(facet, value.to_string())).copied()
    }
}

/// The index and the table of its documents' values.
pub struct Search {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    entries: RwLock<Table>,
    thesaurus: Thesaurus,
    /// The thesaurus' terms and the categories' names with their folded words, for the
    /// suggestions (analysed once: the suggestions answer every key typed).
    terms: Vec<(String, Vec<String>)>,
    /// The catalog version the entries reflect (the text may be behind: `pending`).
    version: RwLock<i64>,
    /// Documents whose entries are applied and whose text waits for `commit_pending`.
    pending: Mutex<Pending>,
    /// Held by a commit from taking its documents to its end, so that commits land in the
    /// order their documents were read.
    committing: Mutex<()>,
}

/// Text waiting for its commit: each software's newest document, or `None` once it is gone,
/// and the catalog version the commit brings the index to.
#[derive(Default)]
struct Pending {
    docs: HashMap<i64, Option<SearchDocument>>,
    version: i64,
}

pub(crate) fn register(index: &Index) {
    let m = index.tokenizers();
    m.register(analysis::FRENCH, analysis::french());
    m.register(analysis::ENGLISH, analysis::english());
    m.register(analysis::FOLDED, analysis::folded());
}

/// Bumped whenever the analyzers change what they make of a text: an index written with
/// others reads as never built (version 0), and is built again at the next start.
const ANALYSIS: u32 = 2;

/// The commit payload: the analysis and the catalog version the index reflects.
pub(crate) fn payload(version: i64) -> String {
    format!("analysis {ANALYSIS}, version {version}")
}

/// The catalog version of a commit payload, 0 if it was written with other analyzers.
pub(crate) fn version_of(payload: Option<&str>) -> i64 {
    payload
        .and_then(|p| p.strip_prefix(&format!("analysis {ANALYSIS}, version ")))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The writing half of both indexes' `apply`: deletes the documents of `ids` (every
/// document with `None`), adds `docs`, commits with `version` in the payload, and reloads
/// the reader.
pub(crate) fn commit_replacing(
    writer: &Mutex<IndexWriter>,
    reader: &IndexReader,
    id: Field,
    ids: Option<&[i64]>,
    docs: impl IntoIterator<Item = TantivyDocument>,
    version: i64,
) -> Result<()> {
    let mut writer = writer.lock().expect("writer lock");
    match ids {
        None => {
            writer.delete_all_documents()?;
        }
        Some(ids) => {
            for i in ids {
                writer.delete_term(Term::from_field_u64(id, *i as u64));
            }
        }
    }
    for doc in docs {
        writer.add_document(doc)?;
    }
    let mut commit = writer.prepare_commit()?;
    commit.set_payload(&payload(version));
    commit.commit()?;
    drop(writer);
    reader.reload()?;
    Ok(())
}

/// Forgets the entries of `ids` (all of them with `None`) before their new ones go in.
pub(crate) fn forget<V>(entries: &mut HashMap<i64, V>, ids: Option<&[i64]>) {
    match ids {
        None => entries.clear(),
        Some(ids) => {
            for id in ids {
                entries.remove(id);
            }
        }
    }
}

/// Calls `each` with the stored `meta` of every live document: how both indexes fill their
/// tables when they open.
pub(crate) fn each_meta(reader: &IndexReader, meta: Field, mut each: impl FnMut(&str)) -> Result<()> {
    for segment in reader.searcher().segment_readers() {
        let store = segment.get_store_reader(64)?;
        for doc in store.iter::<TantivyDocument>(segment.alive_bitset()) {
            if let Some(text) = doc?.get_first(meta).and_then(|v| v.as_str()) {
                each(text);
            }
        }
    }
    Ok(())
}

pub(crate) fn set_rebuilding(writer: &Mutex<IndexWriter>, rebuilding: bool) {
    let writer = writer.lock().expect("writer lock");
    if rebuilding {
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
    } else {
        writer.set_merge_policy(Box::new(tantivy::indexer::LogMergePolicy::default()));
    }
}

/// Merges every segment of a writer's index into one and reloads the reader; the commit's
/// payload (the catalog version) is kept. Only a speed-up: a merge that the writer's own
/// background merges get in the way of (they took some of the segments meanwhile) is tried
/// again a few times, then left to them.
pub(crate) fn merge_segments(writer: &Mutex<IndexWriter>, reader: &IndexReader) -> Result<()> {
    let mut writer = writer.lock().expect("writer lock");
    for _ in 0..5 {
        let segments = writer.index().searchable_segment_ids()?;
        if segments.len() <= 1 || writer.merge(&segments).wait().is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    drop(writer);
    reader.reload()?;
    Ok(())
}

/// The index in `dir`, created empty if there is none.
pub(crate) fn open_index(dir: &Path, schema: Schema) -> Result<Index> {
    std::fs::create_dir_all(dir)?;
    let directory = tantivy::directory::MmapDirectory::open(dir)?;
    match Index::open_or_create(directory, schema.clone()) {
        Ok(index) => Ok(index),
        // An index of another schema (an older Communs) is derived data: start anew.
        Err(tantivy::TantivyError::SchemaError(_)) => {
            std::fs::remove_dir_all(dir)?;
            std::fs::create_dir_all(dir)?;
            Ok(Index::create_in_dir(dir, schema)?)
        }
        Err(e) => Err(e.into()),
    }
}

impl Search {
    /// Opens the index in `dir`, or creates an empty one (version 0: a catch-up fills it).
    pub fn open(dir: &Path) -> Result<Search> {
        let (schema, fields) = schema();
        Search::with_index(open_index(dir, schema)?, fields)
    }

    /// An index in memory, for tests and benchmarks.
    pub fn in_memory() -> Result<Search> {
        let (schema, fields) = schema();
        Search::with_index(Index::create_in_ram(schema), fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<Search> {
        register(&index);
        let writer = index.writer_with_num_threads(1, WRITER_BYTES)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let version = version_of(index.load_metas()?.payload.as_deref());
        let thesaurus = Thesaurus::built_in();
        let search = Search {
            reader,
            writer: Mutex::new(writer),
            fields,
            entries: RwLock::new(Table::default()),
            terms: thesaurus
                .terms
                .iter()
                .cloned()
                .chain(Category::all().map(|c| c.info().fr.to_string()))
                .map(|t| {
                    let words = analysis::words_with_stop_words(&t);
                    (t, words)
                })
                .collect(),
            thesaurus,
            version: RwLock::new(version),
            pending: Mutex::new(Pending::default()),
            committing: Mutex::new(()),
        };
        search.load_entries()?;
        Ok(search)
    }

    fn load_entries(&self) -> Result<()> {
        let mut table = Table::default();
        each_meta(&self.reader, self.fields.meta, |meta| {
            if let Ok(meta) = serde_json::from_str::<Meta>(meta) {
                table.insert(meta.entry, &meta.territories);
            }
        })?;
        *self.entries.write().expect("entries lock") = table;
        Ok(())
    }

    /// The catalog version the index reflects.
    pub fn version(&self) -> i64 {
        *self.version.read().expect("version lock")
    }

    pub fn len(&self) -> usize {
        self.entries.read().expect("entries lock").entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn document(&self, d: &SearchDocument) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, d.id as u64);
        doc.add_text(f.name, &d.name);
        doc.add_text(f.name_en, &d.name);
        for (lang, text) in &d.summary {
            doc.add_text(if lang == "en" { f.summary_en } else { f.summary_fr }, text);
        }
        for (lang, text) in &d.description {
            doc.add_text(if lang == "en" { f.description_en } else { f.description_fr }, text);
        }
        for slug in &d.categories {
            if let Ok(c) = Category::parse(slug) {
                doc.add_text(f.categories_fr, c.info().fr);
                doc.add_text(f.categories_en, c.info().en);
            }
        }
        let folded = d
            .summary
            .values()
            .chain(d.description.values())
            .map(String::as_str)
            .chain(std::iter::once(d.name.as_str()))
            .chain(
                d.categories.iter().filter_map(|c| Category::parse(c).ok()).flat_map(|c| [c.info().fr, c.info().en]),
            );
        for text in folded {
            doc.add_text(f.folded, text);
        }
        for name in &d.organisations {
            doc.add_text(f.organisations, name);
        }
        // A README may be in either language: both analyzers read it.
        for readme in &d.readmes {
            doc.add_text(f.readme_fr, readme);
            doc.add_text(f.readme_en, readme);
        }
        for name in d.adopter_names.iter().chain(d.territory_names.values()) {
            doc.add_text(f.adopters, name);
        }
        for text in &d.uses {
            doc.add_text(f.uses, text);
        }
        let meta = Meta { entry: Entry::of(d), territories: d.territory_names.clone() };
        doc.add_text(f.meta, serde_json::to_string(&meta).expect("entries serialise"));
        doc
    }

    /// Replaces the documents of `ids` (all of them with `None`) by `docs`, and records
    /// `version`, in one commit. `docs` come from `catalog::Store::search_documents` for the
    /// ids `Store::search_changes` gave (or every software, for a rebuild). Blocking.
    pub fn apply(&self, ids: Option<&[i64]>, docs: &[SearchDocument], version: i64) -> Result<()> {
        let _in_order = self.committing.lock().expect("commit lock");
        // The text still waiting goes in the same commit, unless these documents are newer.
        let waiting = std::mem::take(&mut *self.pending.lock().expect("pending lock")).docs;
        let result = match ids {
            None => {
                let made = docs.iter().map(|d| self.document(d));
                commit_replacing(&self.writer, &self.reader, self.fields.id, None, made, version)
            }
            Some(ids) => {
                let fresh: std::collections::HashSet<i64> = ids.iter().copied().collect();
                let earlier: Vec<(&i64, &Option<SearchDocument>)> =
                    waiting.iter().filter(|(id, _)| !fresh.contains(id)).collect();
                let all: Vec<i64> = ids.iter().copied().chain(earlier.iter().map(|(id, _)| **id)).collect();
                let made = docs.iter().chain(earlier.iter().filter_map(|(_, d)| d.as_ref())).map(|d| self.document(d));
                commit_replacing(&self.writer, &self.reader, self.fields.id, Some(&all), made, version)
            }
        };
        if let Err(e) = result {
            self.wait_again(waiting, version);
            return Err(e);
        }
        self.set_entries(ids, docs, version);
        Ok(())
    }

    /// Whether `docs` change nothing of what their software say of themselves (name,
    /// summary, description, categories, organisations, READMEs, uses): only their
    /// adopters' names and territories and the figures, which `apply_entries` may leave
    /// the text of for later. A new or deleted software says more.
    pub fn only_adopters_changed(&self, ids: &[i64], docs: &[SearchDocument]) -> bool {
        let table = self.entries.read().expect("entries lock");
        ids.len() == docs.len()
            && docs.iter().all(|d| table.entries.get(&d.id).is_some_and(|e| e.own_words == own_words(d)))
    }

    /// Applies the entries of `docs` at once (what a search shows of each software, its
    /// facets and its ranking) and leaves their text to `commit_pending`: a commit takes 10
    /// to 40 ms, a request need not wait for it. Until then a word only the new text holds
    /// does not find the software; everything else about it is already current.
    pub fn apply_entries(&self, ids: &[i64], docs: Vec<SearchDocument>, version: i64) {
        let mut pending = self.pending.lock().expect("pending lock");
        self.set_entries(Some(ids), &docs, version);
        for id in ids {
            pending.docs.insert(*id, None);
        }
        for d in docs {
            pending.docs.insert(d.id, Some(d));
        }
        pending.version = version;
    }

    fn set_entries(&self, ids: Option<&[i64]>, docs: &[SearchDocument], version: i64) {
        let mut table = self.entries.write().expect("entries lock");
        forget(&mut table.entries, ids);
        for d in docs {
            table.insert(Entry::of(d), &d.territory_names);
        }
        drop(table);
        *self.version.write().expect("version lock") = version;
    }

    /// Puts back the text of a commit that failed, unless newer documents of the same
    /// software came meanwhile.
    fn wait_again(&self, docs: HashMap<i64, Option<SearchDocument>>, version: i64) {
        let mut pending = self.pending.lock().expect("pending lock");
        pending.version = pending.version.max(version);
        for (id, doc) in docs {
            pending.docs.entry(id).or_insert(doc);
        }
    }

    /// Whether some text waits for `commit_pending`.
    pub fn has_pending(&self) -> bool {
        !self.pending.lock().expect("pending lock").docs.is_empty()
    }

    /// Commits the text `apply_entries` left, all of it at once; says whether there was
    /// some. Blocking. After a failure the text waits for the next call, unless newer
    /// documents of the same software came meanwhile.
    pub fn commit_pending(&self) -> Result<bool> {
        let _in_order = self.committing.lock().expect("commit lock");
        let taken = std::mem::take(&mut *self.pending.lock().expect("pending lock"));
        if taken.docs.is_empty() {
            return Ok(false);
        }
        let ids: Vec<i64> = taken.docs.keys().copied().collect();
        let made = taken.docs.values().flatten().map(|d| self.document(d));
        if let Err(e) = commit_replacing(&self.writer, &self.reader, self.fields.id, Some(&ids), made, taken.version) {
            self.wait_again(taken.docs, taken.version);
            return Err(e);
        }
        Ok(true)
    }

    /// Merges the index into one segment, blocking: after a rebuild, whose batches leave
    /// several, each of which every query would look into (one segment instead of six made a
    /// search twice as quick on the national catalog).
    pub fn merge_segments(&self) -> Result<()> {
        merge_segments(&self.writer, &self.reader)
    }

    /// During a rebuild (`true`), the writer merges nothing by itself, so that
    /// `merge_segments` at the end merges every batch at once; after it, tantivy's own
    /// merges resume for the small commits of catch-ups.
    pub fn set_rebuilding(&self, rebuilding: bool) {
        set_rebuilding(&self.writer, rebuilding);
    }

    /// Runs a search.
    pub fn search(&self, request: &query::Request) -> Result<query::Results> {
        query::run(self, request)
    }

    /// Completions of what is being typed: software names first, then the thesaurus'
    /// terms and the categories, whose words start with the last word typed.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Vec<Suggestion> {
        let typed = analysis::words(prefix);
        let Some(last) = analysis::words_with_stop_words(prefix).pop() else { return Vec::new() };
        let before: Vec<String> = typed.iter().map(|w| w.folded.clone()).filter(|w| *w != last).collect();
        let fits = |words: &mut dyn Iterator<Item = &str>| {
            let words: Vec<&str> = words.collect();
            words.iter().any(|w| w.starts_with(&last)) && before.iter().all(|b| words.iter().any(|w| w.starts_with(b)))
        };
        // A name is often one word made of several (`openCimetière`): within it too. Its
        // folded words are the entry's sort key, made once.
        let name_fits =
            |e: &Entry| fits(&mut e.sort_name.split(' ')) || (before.is_empty() && e.sort_name.contains(&last));
        let mut out: Vec<Suggestion> = Vec::new();
        let table = self.entries.read().expect("entries lock");
        let mut names: Vec<&Entry> = table.entries.values().filter(|e| name_fits(e)).collect();
        names.sort_by(|a, b| b.adopters.cmp(&a.adopters).then_with(|| a.sort_name.cmp(&b.sort_name)));
        out.extend(names.into_iter().take(limit).map(|e| Suggestion {
            text: e.name.clone(),
            kind: "software".into(),
            slug: Some(e.slug.clone()),
        }));
        let mut terms: Vec<&String> = self
            .terms
            .iter()
            .filter(|(_, words)| fits(&mut words.iter().map(String::as_str)))
            .map(|(term, _)| term)
            .collect();
        terms.sort_by_key(|t| (t.chars().count(), *t));
        terms.dedup();
        out.extend(terms.into_iter().map(|t| Suggestion { text: t.clone(), kind: "term".into(), slug: None }));
        out.truncate(limit);
        out
    }

    pub(crate) fn fields(&self) -> &Fields {
        &self.fields
    }

    pub(crate) fn thesaurus(&self) -> &Thesaurus {
        &self.thesaurus
    }

    pub(crate) fn searcher(&self) -> tantivy::Searcher {
        self.reader.searcher()
    }

    pub(crate) fn entries(&self) -> std::sync::RwLockReadGuard<'_, Table> {
        self.entries.read().expect("entries lock")
    }

    pub(crate) fn snippet_generator(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn tantivy::query::Query,
        field: Field,
    ) -> Option<SnippetGenerator> {
        let mut generator = SnippetGenerator::create(searcher, query, field).ok()?;
        generator.set_max_num_chars(180);
        Some(generator)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub text: String,
    /// `software` (with its slug) or `term`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
}

/// The band of a health score, as facets name it.
pub fn band(health: Option<u32>) -> &'static str {
    match health {
        Some(h) => Health::band(h),
        None => "unknown",
    }
}

/// Every matching document with its score and catalog id.
pub(crate) struct AllMatches;

pub(crate) struct SegmentMatches {
    ids: tantivy::columnar::Column<u64>,
    found: Vec<(u64, Score)>,
}

impl Collector for AllMatches {
    type Fruit = Vec<(u64, Score)>;
    type Child = SegmentMatches;

    fn for_segment(&self, _: tantivy::SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentMatches> {
        Ok(SegmentMatches { ids: segment.fast_fields().u64("id")?, found: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(u64, Score)>>) -> tantivy::Result<Vec<(u64, Score)>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentMatches {
    type Fruit = Vec<(u64, Score)>;

    fn collect(&mut self, doc: tantivy::DocId, score: Score) {
        if let Some(id) = self.ids.first(doc) {
            self.found.push((id, score));
        }
    }

    fn harvest(self) -> Vec<(u64, Score)> {
        self.found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_of_other_analyzers_reads_as_never_built() {
        assert_eq!(version_of(Some(&payload(42))), 42);
        assert_eq!(version_of(Some("42")), 0, "an index written before the analysis was recorded");
        assert_eq!(version_of(Some("analysis 1, version 42")), 0);
        assert_eq!(version_of(None), 0);
        let dir = tempfile::tempdir().unwrap();
        let search = Search::open(dir.path()).unwrap();
        search.apply(None, &[], 9).unwrap();
        search.apply(Some(&[1]), &[], 10).unwrap();
        search.merge_segments().unwrap();
        drop(search);
        assert_eq!(Search::open(dir.path()).unwrap().version(), 10, "a merge keeps the version");
    }
}
