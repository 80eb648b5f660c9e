//! The organisation search: one tantivy document per organisation (every commune of France
//! among them), for the official who looks for their own commune, a neighbour or the EPCI
//! before opening its page. A query finds names with or without accents, with a typo, as
//! they are being typed (the last word as a prefix), and official identifiers (`38185`,
//! `fr-insee:38185`, a SIREN); a commune's EPCI, département and région are searched too,
//! so `Saint-Martin Isère` finds the right one of the many Saint-Martin. Kept in step with
//! the catalog as the software index is, from `catalog::Store::organisation_changes`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Mutex, RwLock};

use catalog::{Country, OrgRef, OrganisationDocument, OrganisationKind};
use serde::{Deserialize, Serialize};
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions};
use tantivy::schema::{FAST, INDEXED, STORED};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::analysis::{self, Word};
use super::query::{MAX_LIMIT, MAX_OFFSET};
use super::{
    commit_replacing, each_meta, forget, open_index, register, version_of, AllMatches, Error, Result, WRITER_BYTES,
};

#[derive(Debug, Clone, Copy)]
struct Fields {
    id: Field,
    /// The name through the French analyzer.
    name: Field,
    /// The name's words folded, not stemmed: typos and prefixes are matched against them.
    folded: Field,
    /// The parents' names.
    parents: Field,
    /// What its kind is called (`commune`, `intercommunalité`...).
    kind: Field,
    identifiers: Field,
    meta: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |analyzer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyzer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        id: b.add_u64_field("id", NumericOptions::default() | INDEXED | FAST | STORED),
        name: b.add_text_field("name", text(analysis::FRENCH)),
        folded: b.add_text_field("folded", text(analysis::FOLDED)),
        parents: b.add_text_field("parents", text(analysis::FRENCH)),
        kind: b.add_text_field("kind", text(analysis::FRENCH)),
        identifiers: b.add_text_field("identifiers", text(analysis::FOLDED)),
        meta: b.add_text_field("meta", TextOptions::default().set_stored()),
    };
    (b.build(), fields)
}

/// The words a kind is known by, in French and English.
fn kind_words(kind: &str) -> &'static str {
    match kind {
        "commune" => "commune municipality town",
        "epci" => "intercommunalité EPCI communauté de communes agglomération métropole intermunicipal",
        "departement" => "département conseil départemental department",
        "region" => "région conseil régional region",
        "canton" => "canton",
        "province" => "province",
        "state-agency" => "administration de l'État agence opérateur state agency",
        "association" => "association",
        "company" => "entreprise société company",
        _ => "organisme public public body",
    }
}

/// What an organisation brings to hits, facets and sorts: kept small, since there is one
/// for each of the country's 35,000 communes (about 450 bytes each).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganisationEntry {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub kind: OrganisationKind,
    pub country: Country,
    pub population: Option<i64>,
    /// Words of the name, stop words aside.
    pub words: u8,
    /// Numbers in the table's parents; the `meta` field stores the parents themselves.
    #[serde(skip)]
    pub parents: Vec<u32>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    #[serde(flatten)]
    entry: OrganisationEntry,
    parents: Vec<OrgRef>,
}

impl OrganisationEntry {
    /// `None` for a kind or country the catalog would not have stored.
    fn of(d: &OrganisationDocument) -> Option<OrganisationEntry> {
        Some(OrganisationEntry {
            id: d.id,
            slug: d.slug.clone(),
            name: d.name.clone(),
            kind: OrganisationKind::parse(&d.kind).ok()?,
            country: Country::parse(&d.country).ok()?,
            population: d.population,
            words: analysis::words(&d.name).len().min(255) as u8,
            parents: Vec::new(),
        })
    }

    /// A modest boost for the larger places: of the many Saint-Martin, the town before the
    /// hamlet, unless the query says which (`Saint-Martin Isère`): ×1.3 for 1,000
    /// inhabitants, ×1.6 for 100,000. And a name with words the query does not have comes
    /// after one that is only what was typed: a typo or a prefix scores the same in every
    /// name it is found in, and `grenobel` means Grenoble before Grenoble-Alpes Métropole.
    fn boost(&self, typed: usize) -> f32 {
        let size = 1.0 + 0.05 * (1.0 + self.population.unwrap_or(0).max(0) as f32).ln();
        let extra = usize::from(self.words).saturating_sub(typed) as f32;
        size / (1.0 + 0.15 * extra)
    }
}

/// The entries, and each parent once: 35,000 communes share 1,300 EPCI and 100
/// départements.
#[derive(Debug, Default)]
struct Table {
    entries: HashMap<i64, OrganisationEntry>,
    parents: Vec<OrgRef>,
    numbers: HashMap<String, u32>,
}

impl Table {
    fn insert(&mut self, mut entry: OrganisationEntry, parents: &[OrgRef]) {
        entry.parents = parents.iter().map(|p| self.number(p)).collect();
        self.entries.insert(entry.id, entry);
    }

    fn number(&mut self, parent: &OrgRef) -> u32 {
        if let Some(&n) = self.numbers.get(&parent.slug) {
            if self.parents[n as usize] != *parent {
                self.parents[n as usize] = parent.clone();
            }
            return n;
        }
        let n = self.parents.len() as u32;
        self.parents.push(parent.clone());
        self.numbers.insert(parent.slug.clone(), n);
        n
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationSort {
    /// BM25 with the population boost; the most populous first for an empty query.
    Relevance,
    Name,
    Population,
}

impl OrganisationSort {
    pub fn parse(s: &str) -> Option<OrganisationSort> {
        match s {
            "relevance" => Some(OrganisationSort::Relevance),
            "name" => Some(OrganisationSort::Name),
            "population" => Some(OrganisationSort::Population),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrganisationRequest {
    pub q: String,
    pub kind: Option<String>,
    pub country: Option<String>,
    /// The slug of a parent (an EPCI, a département...): organisations under it.
    pub parent: Option<String>,
    pub sort: OrganisationSort,
    pub limit: usize,
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganisationHit {
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub country: String,
    pub population: Option<i64>,
    pub parents: Vec<OrgRef>,
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganisationCount {
    pub value: String,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganisationResults {
    pub hits: Vec<OrganisationHit>,
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
    pub sort: OrganisationSort,
    /// `kind` and `country`, each counted among the results filtered by the other.
    pub facets: BTreeMap<&'static str, Vec<OrganisationCount>>,
}

pub struct OrganisationSearch {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    table: RwLock<Table>,
    version: RwLock<i64>,
}

impl OrganisationSearch {
    /// Opens the index in `dir`, or creates an empty one (version 0: a rebuild fills it).
    pub fn open(dir: &Path) -> Result<OrganisationSearch> {
        let (schema, fields) = schema();
        OrganisationSearch::with_index(open_index(dir, schema)?, fields)
    }

    pub fn in_memory() -> Result<OrganisationSearch> {
        let (schema, fields) = schema();
        OrganisationSearch::with_index(Index::create_in_ram(schema), fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<OrganisationSearch> {
        register(&index);
        let writer = index.writer_with_num_threads(1, WRITER_BYTES)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let version = version_of(index.load_metas()?.payload.as_deref());
        let mut table = Table::default();
        each_meta(&reader, fields.meta, |meta| {
            if let Ok(meta) = serde_json::from_str::<Meta>(meta) {
                table.insert(meta.entry, &meta.parents);
            }
        })?;
        Ok(OrganisationSearch {
            reader,
            writer: Mutex::new(writer),
            fields,
            table: RwLock::new(table),
            version: RwLock::new(version),
        })
    }

    /// The catalog version the index reflects.
    pub fn version(&self) -> i64 {
        *self.version.read().expect("version lock")
    }

    pub fn len(&self) -> usize {
        self.table.read().expect("table lock").entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn document(&self, d: &OrganisationDocument) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, d.id as u64);
        doc.add_text(f.name, &d.name);
        doc.add_text(f.folded, &d.name);
        doc.add_text(f.kind, kind_words(&d.kind));
        for p in &d.parents {
            doc.add_text(f.parents, &p.name);
        }
        for id in &d.identifiers {
            doc.add_text(f.identifiers, id);
        }
        if let Some(entry) = OrganisationEntry::of(d) {
            let meta = Meta { entry, parents: d.parents.clone() };
            doc.add_text(f.meta, serde_json::to_string(&meta).expect("entries serialise"));
        }
        doc
    }

    /// Replaces the documents of `ids` (all of them with `None`) by `docs` and records
    /// `version`, in one commit. Blocking.
    pub fn apply(&self, ids: Option<&[i64]>, docs: &[OrganisationDocument], version: i64) -> Result<()> {
        let made = docs.iter().map(|d| self.document(d));
        commit_replacing(&self.writer, &self.reader, self.fields.id, ids, made, version)?;
        let mut table = self.table.write().expect("table lock");
        forget(&mut table.entries, ids);
        for d in docs {
            if let Some(entry) = OrganisationEntry::of(d) {
                table.insert(entry, &d.parents);
            }
        }
        drop(table);
        *self.version.write().expect("version lock") = version;
        Ok(())
    }

    /// Merges the index into one segment (after a rebuild), blocking.
    pub fn merge_segments(&self) -> Result<()> {
        super::merge_segments(&self.writer, &self.reader)
    }

    /// See `Search::set_rebuilding`.
    pub fn set_rebuilding(&self, rebuilding: bool) {
        super::set_rebuilding(&self.writer, rebuilding);
    }

    /// Every word must be found, in the name (exactly, with a typo, or as the beginning of
    /// the word being typed), a parent's name, the kind, or an identifier.
    fn query(&self, words: &[Word]) -> Option<Box<dyn Query>> {
        let f = &self.fields;
        let boosted = |q: Box<dyn Query>, w: f32| -> Box<dyn Query> { Box::new(BoostQuery::new(q, w)) };
        let exact = |field: Field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs))
        };
        let clauses: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let mut any: Vec<(Occur, Box<dyn Query>)> = vec![
                    (Occur::Should, boosted(exact(f.name, &w.fr), 4.0)),
                    (Occur::Should, boosted(exact(f.folded, &w.folded), 3.0)),
                    (Occur::Should, exact(f.parents, &w.fr)),
                    (Occur::Should, exact(f.kind, &w.fr)),
                    (Occur::Should, boosted(exact(f.identifiers, &w.folded), 4.0)),
                ];
                let edits = analysis::edits(w.len);
                if edits > 0 {
                    let fuzzy = FuzzyTermQuery::new(Term::from_field_text(f.folded, &w.folded), edits, true);
                    any.push((Occur::Should, boosted(Box::new(fuzzy), 1.5)));
                }
                if i + 1 == words.len() && w.len >= 2 {
                    let prefix = FuzzyTermQuery::new_prefix(Term::from_field_text(f.folded, &w.folded), 0, false);
                    any.push((Occur::Should, boosted(Box::new(prefix), 2.0)));
                }
                (Occur::Must, Box::new(BooleanQuery::new(any)) as Box<dyn Query>)
            })
            .collect();
        (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
    }

    pub fn search(&self, request: &OrganisationRequest) -> Result<OrganisationResults> {
        if request.limit == 0 || request.limit > MAX_LIMIT {
            return Err(Error::Invalid {
                field: "limit".into(),
                message: format!("must be between 1 and {MAX_LIMIT}"),
            });
        }
        if request.offset > MAX_OFFSET {
            return Err(Error::Invalid { field: "offset".into(), message: format!("must be at most {MAX_OFFSET}") });
        }
        let q: String = request.q.chars().take(super::query::MAX_QUERY_CHARS).collect();
        let mut words = analysis::words(&q);
        words.truncate(super::query::MAX_WORDS);
        let query = self.query(&words);
        let searcher = self.reader.searcher();
        let table = self.table.read().expect("table lock");
        let mut matched: Vec<(&OrganisationEntry, f32)> = match &query {
            None => table.entries.values().map(|e| (e, 0.0)).collect(),
            Some(q) => searcher
                .search(q.as_ref(), &AllMatches)?
                .into_iter()
                .filter_map(|(id, score)| table.entries.get(&(id as i64)).map(|e| (e, score * e.boost(words.len()))))
                .collect(),
        };
        let parent = request.parent.as_ref().map(|slug| table.numbers.get(slug).copied());
        if let Some(parent) = parent {
            matched.retain(|(e, _)| parent.is_some_and(|p| e.parents.contains(&p)));
        }
        let kind_ok = |e: &OrganisationEntry| request.kind.as_ref().is_none_or(|k| k == e.kind.as_str());
        let country_ok = |e: &OrganisationEntry| request.country.as_ref().is_none_or(|c| c == e.country.code());
        let count = |values: &mut dyn Iterator<Item = &str>| {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for v in values {
                *counts.entry(v).or_default() += 1;
            }
            let mut list: Vec<OrganisationCount> = counts
                .into_iter()
                .map(|(value, count)| OrganisationCount { value: value.to_string(), count })
                .collect();
            list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            list
        };
        let mut facets = BTreeMap::new();
        facets.insert("kind", count(&mut matched.iter().filter(|(e, _)| country_ok(e)).map(|(e, _)| e.kind.as_str())));
        facets.insert("country", count(&mut matched.iter().filter(|(e, _)| kind_ok(e)).map(|(e, _)| e.country.code())));
        matched.retain(|(e, _)| kind_ok(e) && country_ok(e));
        // The slug is the name lowercased, without accents, words joined by hyphens: the
        // order of names as a reader expects it, without keeping a sort key per entry.
        let by_name = |a: &OrganisationEntry, b: &OrganisationEntry| a.slug.cmp(&b.slug);
        let by_population = |a: &OrganisationEntry, b: &OrganisationEntry| {
            b.population.unwrap_or(-1).cmp(&a.population.unwrap_or(-1)).then_with(|| by_name(a, b))
        };
        match (request.sort, query.is_some()) {
            (OrganisationSort::Relevance, true) => {
                matched.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| by_population(a.0, b.0)))
            }
            (OrganisationSort::Relevance, false) | (OrganisationSort::Population, _) => {
                matched.sort_by(|a, b| by_population(a.0, b.0))
            }
            (OrganisationSort::Name, _) => matched.sort_by(|a, b| by_name(a.0, b.0)),
        }
        let total = matched.len();
        let hits = matched
            .into_iter()
            .skip(request.offset)
            .take(request.limit)
            .map(|(e, score)| OrganisationHit {
                slug: e.slug.clone(),
                name: e.name.clone(),
                kind: e.kind.as_str().to_string(),
                country: e.country.code().to_string(),
                population: e.population,
                parents: e.parents.iter().map(|n| table.parents[*n as usize].clone()).collect(),
                score,
            })
            .collect();
        Ok(OrganisationResults {
            hits,
            total,
            limit: request.limit,
            offset: request.offset,
            sort: request.sort,
            facets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: i64, name: &str, kind: &str, population: i64, parents: &[(&str, &str)]) -> OrganisationDocument {
        OrganisationDocument {
            id,
            slug: catalog::Slug::from_name(name).unwrap().to_string(),
            name: name.into(),
            kind: kind.into(),
            country: "FR".into(),
            population: Some(population),
            identifiers: vec![format!("fr-insee:{}", 38000 + id)],
            parents: parents
                .iter()
                .map(|(slug, name)| OrgRef {
                    slug: slug.to_string(),
                    name: name.to_string(),
                    kind: "departement".into(),
                    country: "FR".into(),
                })
                .collect(),
            demo: false,
        }
    }

    fn index() -> OrganisationSearch {
        let s = OrganisationSearch::in_memory().unwrap();
        let docs = vec![
            org(1, "Saint-Martin-d'Hères", "commune", 38_000, &[("isere", "Isère")]),
            org(2, "Saint-Martin-de-Ré", "commune", 2_500, &[("charente-maritime", "Charente-Maritime")]),
            org(3, "Grenoble", "commune", 158_000, &[("isere", "Isère")]),
            org(4, "Grenoble-Alpes Métropole", "epci", 450_000, &[("isere", "Isère")]),
            org(5, "Yverdon-les-Bains", "commune", 30_000, &[]),
        ];
        s.apply(None, &docs, 7).unwrap();
        s
    }

    fn ask(s: &OrganisationSearch, q: &str) -> Vec<String> {
        let request = OrganisationRequest {
            q: q.into(),
            kind: None,
            country: None,
            parent: None,
            sort: OrganisationSort::Relevance,
            limit: 10,
            offset: 0,
        };
        s.search(&request).unwrap().hits.into_iter().map(|h| h.slug).collect()
    }

    #[test]
    fn names_accents_typos_prefixes_parents_and_identifiers() {
        let s = index();
        assert_eq!(s.version(), 7);
        assert_eq!(ask(&s, "yverdon")[0], "yverdon-les-bains");
        assert_eq!(ask(&s, "grenobel")[0], "grenoble", "one typo");
        assert_eq!(ask(&s, "greno")[..2], ["grenoble", "grenoble-alpes-metropole"], "a prefix, the name closest first");
        assert_eq!(ask(&s, "saint martin isere"), ["saint-martin-d-heres"], "a parent's name says which");
        assert_eq!(ask(&s, "saint-martin")[0], "saint-martin-d-heres", "the larger first");
        assert_eq!(ask(&s, "38003"), ["grenoble"], "an INSEE code");
        assert_eq!(ask(&s, "metropole grenoble")[0], "grenoble-alpes-metropole");
        assert!(ask(&s, "paris").is_empty());
    }

    #[test]
    fn filters_and_facets() {
        let s = index();
        let mut request = OrganisationRequest {
            q: String::new(),
            kind: Some("commune".into()),
            country: None,
            parent: Some("isere".into()),
            sort: OrganisationSort::Name,
            limit: 10,
            offset: 0,
        };
        let r = s.search(&request).unwrap();
        assert_eq!(r.hits.iter().map(|h| h.slug.as_str()).collect::<Vec<_>>(), ["grenoble", "saint-martin-d-heres"]);
        assert_eq!(
            r.facets["kind"],
            [
                OrganisationCount { value: "commune".into(), count: 2 },
                OrganisationCount { value: "epci".into(), count: 1 }
            ]
        );
        assert_eq!(r.hits[0].parents[0].name, "Isère");
        request.parent = Some("nowhere".into());
        assert_eq!(s.search(&request).unwrap().total, 0);
        request.limit = 0;
        assert!(s.search(&request).is_err());
    }
}
