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
pub mod query;
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
const WRITER_BYTES: usize = 20 * 1024 * 1024;

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
            (self.organisations, 0.8, true),
            (self.readme_fr, 0.5, true),
            (self.readme_en, 0.5, false),
            (self.adopters, 0.5, true),
        ]
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
    pub territories: Vec<String>,
    pub territory_names: BTreeMap<String, String>,
    pub countries: Vec<String>,
    pub adopters: i64,
    pub health: Option<u32>,
    pub last_activity: Option<DateTime<Utc>>,
    pub publiccode_valid: bool,
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
            territories: d.territories.clone(),
            territory_names: d.territory_names.clone(),
            countries: d.countries.clone(),
            adopters: d.adopters,
            health: d.health,
            last_activity: d.last_activity,
            publiccode_valid: d.publiccode_valid,
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

/// The index and the table of its documents' values.
pub struct Search {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    entries: RwLock<HashMap<i64, Entry>>,
    thesaurus: Thesaurus,
    /// The catalog version the index reflects.
    version: RwLock<i64>,
}

fn register(index: &Index) {
    let m = index.tokenizers();
    m.register(analysis::FRENCH, analysis::french());
    m.register(analysis::ENGLISH, analysis::english());
    m.register(analysis::FOLDED, analysis::folded());
}

impl Search {
    /// Opens the index in `dir`, or creates an empty one (version 0: a catch-up fills it).
    pub fn open(dir: &Path) -> Result<Search> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(dir)?;
        let index = match Index::open_or_create(directory, schema.clone()) {
            Ok(index) => index,
            // An index of another schema (an older Communs) is derived data: start anew.
            Err(tantivy::TantivyError::SchemaError(_)) => {
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                Index::create_in_dir(dir, schema)?
            }
            Err(e) => return Err(e.into()),
        };
        Search::with_index(index, fields)
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
        let version = index.load_metas()?.payload.and_then(|p| p.parse().ok()).unwrap_or(0);
        let search = Search {
            reader,
            writer: Mutex::new(writer),
            fields,
            entries: RwLock::new(HashMap::new()),
            thesaurus: Thesaurus::built_in(),
            version: RwLock::new(version),
        };
        search.load_entries()?;
        Ok(search)
    }

    fn load_entries(&self) -> Result<()> {
        let searcher = self.reader.searcher();
        let mut entries = HashMap::new();
        for segment in searcher.segment_readers() {
            let store = segment.get_store_reader(64)?;
            for doc in store.iter::<TantivyDocument>(segment.alive_bitset()) {
                let doc = doc?;
                if let Some(meta) = doc.get_first(self.fields.meta).and_then(|v| v.as_str()) {
                    if let Ok(entry) = serde_json::from_str::<Entry>(meta) {
                        entries.insert(entry.id, entry);
                    }
                }
            }
        }
        *self.entries.write().expect("entries lock") = entries;
        Ok(())
    }

    /// The catalog version the index reflects.
    pub fn version(&self) -> i64 {
        *self.version.read().expect("version lock")
    }

    pub fn len(&self) -> usize {
        self.entries.read().expect("entries lock").len()
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
        doc.add_text(f.meta, serde_json::to_string(&Entry::of(d)).expect("entries serialise"));
        doc
    }

    /// Replaces the documents of `ids` (all of them with `None`) by `docs`, and records
    /// `version`, in one commit. `docs` come from `catalog::Store::search_documents` for the
    /// ids `Store::search_changes` gave (or every software, for a rebuild). Blocking.
    pub fn apply(&self, ids: Option<&[i64]>, docs: &[SearchDocument], version: i64) -> Result<()> {
        let mut writer = self.writer.lock().expect("writer lock");
        match ids {
            None => {
                writer.delete_all_documents()?;
            }
            Some(ids) => {
                for id in ids {
                    writer.delete_term(Term::from_field_u64(self.fields.id, *id as u64));
                }
            }
        }
        for d in docs {
            writer.add_document(self.document(d))?;
        }
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&version.to_string());
        commit.commit()?;
        drop(writer);
        self.reader.reload()?;
        let mut entries = self.entries.write().expect("entries lock");
        match ids {
            None => entries.clear(),
            Some(ids) => {
                for id in ids {
                    entries.remove(id);
                }
            }
        }
        for d in docs {
            entries.insert(d.id, Entry::of(d));
        }
        drop(entries);
        *self.version.write().expect("version lock") = version;
        Ok(())
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
        let fits = |text: &str| {
            let words: Vec<String> = analysis::words_with_stop_words(text);
            words.iter().any(|w| w.starts_with(&last)) && before.iter().all(|b| words.iter().any(|w| w.starts_with(b)))
        };
        // A name is often one word made of several (`openCimetière`): within it too.
        let name_fits = |name: &str| {
            let folded = analysis::words_with_stop_words(name).join(" ");
            fits(name) || (before.is_empty() && folded.contains(&last))
        };
        let mut out: Vec<Suggestion> = Vec::new();
        let entries = self.entries.read().expect("entries lock");
        let mut names: Vec<&Entry> = entries.values().filter(|e| name_fits(&e.name)).collect();
        names.sort_by(|a, b| b.adopters.cmp(&a.adopters).then_with(|| a.sort_name.cmp(&b.sort_name)));
        out.extend(names.into_iter().take(limit).map(|e| Suggestion {
            text: e.name.clone(),
            kind: "software".into(),
            slug: Some(e.slug.clone()),
        }));
        let mut terms: Vec<String> = self
            .thesaurus
            .terms
            .iter()
            .cloned()
            .chain(Category::all().map(|c| c.info().fr.to_string()))
            .filter(|t| fits(t))
            .collect();
        terms.sort_by_key(|t| (t.chars().count(), t.clone()));
        terms.dedup();
        out.extend(terms.into_iter().map(|t| Suggestion { text: t, kind: "term".into(), slug: None }));
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

    pub(crate) fn entries(&self) -> std::sync::RwLockReadGuard<'_, HashMap<i64, Entry>> {
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
