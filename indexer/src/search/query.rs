//! What a query understands, and how its results are filtered, counted, sorted and cut.
//!
//! The query is read word by word, never by tantivy's query parser: quotes make phrases and
//! every other character (`:`, `(`, `*`, `-`) only separates words, so no input is a syntax
//! error. Each word is looked for in every field through its language's analyzer, exactly
//! and, from five letters, with one typo (two from nine). A run of words that a thesaurus
//! group holds also matches the group's other terms. With three clauses or more, one may be
//! missing, so that a stray word does not empty the results.
//!
//! Words that name no subject in this domain (`logiciel`, `gestion`, `commune`, `mairie`,
//! `software`…: `FILLER_WORDS`) add a little to a score but are never required, unless the
//! query holds nothing else. When that strict reading finds nothing, the search reads the
//! query again keeping the records that match most of its words (`Results::partial`): a
//! person who typed one word too many gets the closest tools, not an empty page.

use std::collections::BTreeMap;

use serde::Serialize;
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;

use super::analysis::{self, Word};
use super::{AllMatches, Entry, Error, Result, Search, Table};

/// Longer queries are cut here: no need says more, and each word costs.
pub const MAX_QUERY_CHARS: usize = 500;
pub const MAX_WORDS: usize = 24;
pub const MAX_LIMIT: usize = 100;
/// Offsets past this are refused: no one pages that far, and the API says so.
pub const MAX_OFFSET: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// BM25 with a modest boost for adoption and health (`Entry::boost`).
    Relevance,
    /// Most active adopters first.
    Adopted,
    /// Most recent commit first.
    Active,
    Name,
}

impl Sort {
    pub fn parse(s: &str) -> Option<Sort> {
        match s {
            "relevance" => Some(Sort::Relevance),
            "adopted" => Some(Sort::Adopted),
            "active" => Some(Sort::Active),
            "name" => Some(Sort::Name),
            _ => None,
        }
    }
}

/// Words of a request that carry no subject for this catalog, folded: every record is a
/// piece of software that some public body uses to manage something. Plurals are found by
/// their stems.
#[rustfmt::skip]
pub const FILLER_WORDS: &[&str] = &[
    "logiciel", "logiciels", "gestion", "gerer", "application", "applications", "appli", "outil", "outils",
    "solution", "solutions", "programme", "commune", "communes", "communal", "communale", "communaux", "mairie",
    "mairies", "collectivite", "collectivites", "municipal", "municipale", "municipaux", "ville", "villes",
    "cherche", "cherchons", "recherche", "besoin", "trouver", "libre", "libres", "gratuit", "software", "softwares",
    "tool", "tools", "app", "apps", "management", "manage", "managing", "system", "systems", "municipality",
    "municipalities", "council", "councils", "town", "city", "cities", "local", "authority", "authorities",
    "looking", "need", "needs", "free", "open", "source", "quel", "quelle", "quels", "quelles", "comment", "existe",
    "exister", "veux", "voudrais", "souhaite", "souhaitons", "devons", "faut", "what", "which", "how", "want",
    "wants", "exists", "any",
];

/// Whether a word of a query is one of `FILLER_WORDS`.
pub fn is_filler(w: &Word) -> bool {
    FILLER_WORDS.contains(&w.folded.as_str())
}

/// How strictly a query is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Every subject word (all but one from three on), fillers optional.
    Strict,
    /// Any subject word: the records that match most of them come first.
    Partial,
}

/// Filters on the facets' values: a document passes a facet's filter when it has one of
/// its values (OR within a facet), and every facet's filter (AND across facets). An empty
/// list filters nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub category: Vec<String>,
    pub licence: Vec<String>,
    /// Kinds of an active adopter.
    pub kind: Vec<String>,
    /// Départements, cantons or provinces of an active adopter, by slug.
    pub territory: Vec<String>,
    pub country: Vec<String>,
    /// `good`, `fair`, `poor` or `unknown`.
    pub health: Vec<String>,
    pub publiccode: Option<bool>,
}

/// How many values one facet's filter may hold.
pub const MAX_FILTER_VALUES: usize = 20;

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub q: String,
    pub filters: Filters,
    pub sort: Sort,
    pub limit: usize,
    pub offset: usize,
    /// The reader's language, for summaries and snippets: `fr` or `en`.
    pub lang: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub slug: String,
    pub name: String,
    pub summary: Option<String>,
    /// An extract with the matched words in `<mark>`, HTML-escaped otherwise.
    pub snippet: Option<String>,
    pub score: f32,
    pub adopters: i64,
    pub health: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FacetCount {
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    pub hits: Vec<Hit>,
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
    pub sort: Sort,
    /// For each facet, the count of each value among the results filtered by the other
    /// facets, so that choosing another value of the same facet shows how many it gives.
    pub facets: BTreeMap<&'static str, Vec<FacetCount>>,
    /// Whether no record matched every word, and these are the closest: the records that
    /// match most of them.
    pub partial: bool,
    /// The query with its words that match nothing replaced by the nearest known ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<String>,
    /// For a query that found nothing at all: the categories, the closest one and its most
    /// adopted software.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guidance: Option<super::guidance::Guidance>,
}

/// A query read into phrases and words.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub words: Vec<Word>,
    pub phrases: Vec<Vec<Word>>,
}

pub fn parse(q: &str) -> Parsed {
    let q: String = q.chars().take(MAX_QUERY_CHARS).collect();
    let mut parsed = Parsed::default();
    // Even pieces are outside quotes, odd ones inside; an unclosed quote is ignored.
    let pieces: Vec<&str> = q.split('"').collect();
    let closed = pieces.len() % 2 == 1;
    for (i, piece) in pieces.iter().enumerate() {
        let quoted = i % 2 == 1 && (closed || i + 1 < pieces.len());
        let words = analysis::words(piece);
        if quoted && words.len() > 1 {
            parsed.phrases.push(words);
        } else {
            parsed.words.extend(words);
        }
    }
    parsed.words.truncate(MAX_WORDS);
    parsed.phrases.truncate(4);
    parsed
}

fn term(field: Field, text: &str) -> Term {
    Term::from_field_text(field, text)
}

fn boosted(q: Box<dyn Query>, weight: f32) -> Box<dyn Query> {
    if (weight - 1.0).abs() < f32::EPSILON {
        q
    } else {
        Box::new(BoostQuery::new(q, weight))
    }
}

fn any(clauses: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(clauses.into_iter().map(|c| (Occur::Should, c)).collect()))
}

/// One word in every field, exactly, and in the main fields with its typos.
pub(crate) fn word_clause(search: &Search, w: &Word) -> Box<dyn Query> {
    let f = search.fields();
    let edits = analysis::edits(w.len);
    let mut clauses: Vec<Box<dyn Query>> = Vec::new();
    for (field, weight, french) in f.searched() {
        let stem = if french { &w.fr } else { &w.en };
        clauses.push(boosted(Box::new(TermQuery::new(term(field, stem), IndexRecordOption::WithFreqs)), weight));
    }
    if edits > 0 {
        let fuzzy = FuzzyTermQuery::new(term(f.folded, &w.folded), edits, true);
        clauses.push(boosted(Box::new(fuzzy), 1.5));
    }
    any(clauses)
}

/// Words in this order (a phrase, or a thesaurus term of several words) in the given
/// fields (`Fields::searched` or `Fields::record`).
fn phrase_clause(fields: &[(Field, f32, bool)], words: &[Word], weight: f32) -> Box<dyn Query> {
    if words.len() == 1 {
        return boosted(exact_word(fields, &words[0]), weight);
    }
    let mut clauses: Vec<Box<dyn Query>> = Vec::new();
    for &(field, w, french) in fields {
        let terms: Vec<(usize, Term)> = words
            .iter()
            .enumerate()
            .map(|(i, word)| (i, term(field, if french { &word.fr } else { &word.en })))
            .collect();
        // A slop of one lets a stop word removed from the query stand between two words.
        clauses.push(boosted(Box::new(PhraseQuery::new_with_offset_and_slop(terms, 1)), w * weight));
    }
    any(clauses)
}

fn exact_word(fields: &[(Field, f32, bool)], w: &Word) -> Box<dyn Query> {
    let clauses = fields
        .iter()
        .map(|&(field, weight, french)| {
            let stem = if french { &w.fr } else { &w.en };
            boosted(Box::new(TermQuery::new(term(field, stem), IndexRecordOption::WithFreqs)) as Box<dyn Query>, weight)
        })
        .collect();
    any(clauses)
}

/// The query tantivy runs, or `None` for an empty one (every document matches).
/// `expand`: whether thesaurus groups bring their other terms (not for the snippets, which
/// mark the words that were typed).
pub fn build(search: &Search, parsed: &Parsed, expand: bool, reading: Reading) -> Option<Box<dyn Query>> {
    // Each clause with whether it names a subject (a filler word does not; a thesaurus
    // term or a phrase always does).
    let mut clauses: Vec<(Box<dyn Query>, bool)> = Vec::new();
    let matches = if expand { search.thesaurus().matches(&parsed.words) } else { Vec::new() };
    let record = search.fields().record();
    let mut i = 0;
    while i < parsed.words.len() {
        if let Some(m) = matches.iter().find(|m| m.start == i) {
            let own = &parsed.words[m.start..m.end];
            // The words as typed (with their typos), or any term of the group, a little
            // below: the record that says what was typed comes first.
            let mut alternatives: Vec<Box<dyn Query>> = vec![if own.len() == 1 {
                word_clause(search, &own[0])
            } else {
                Box::new(BooleanQuery::new(own.iter().map(|w| (Occur::Must, word_clause(search, w))).collect()))
            }];
            for other in &search.thesaurus().groups[m.group] {
                if other.iter().map(|w| &w.fr).ne(own.iter().map(|w| &w.fr)) {
                    alternatives.push(phrase_clause(&record, other, 0.8));
                }
            }
            clauses.push((any(alternatives), true));
            if reading == Reading::Partial && own.len() > 1 {
                // Read loosely, each word of the term counts on its own too: "réservation de
                // salles" still finds what says "réservations".
                clauses.extend(own.iter().filter(|w| !is_filler(w)).map(|w| (word_clause(search, w), true)));
            }
            i = m.end;
        } else {
            let w = &parsed.words[i];
            clauses.push((word_clause(search, w), !is_filler(w)));
            i += 1;
        }
    }
    for phrase in &parsed.phrases {
        clauses.push((phrase_clause(&search.fields().searched(), phrase, 1.5), true));
    }
    if clauses.is_empty() {
        return None;
    }
    // A query of fillers only ("logiciel de gestion") is read as it is.
    let only_fillers = clauses.iter().all(|(_, subject)| !subject);
    let (subjects, fillers): (Vec<_>, Vec<_>) = clauses.into_iter().partition(|(_, subject)| *subject || only_fillers);
    let mut subjects: Vec<Box<dyn Query>> = subjects.into_iter().map(|(c, _)| c).collect();
    let required: Box<dyn Query> = match (reading, subjects.len()) {
        (_, 1) => subjects.pop().expect("one clause"),
        (Reading::Strict, 2) => Box::new(BooleanQuery::new(subjects.into_iter().map(|c| (Occur::Must, c)).collect())),
        (Reading::Strict, n) => {
            let should = subjects.into_iter().map(|c| (Occur::Should, c)).collect();
            Box::new(BooleanQuery::with_minimum_required_clauses(should, n - 1))
        }
        // Coverage first: each subject word found adds a constant far above what a word's
        // score can reach; the words' own scores then order records of equal coverage.
        (Reading::Partial, _) => any(subjects
            .into_iter()
            .map(|c| any(vec![Box::new(ConstScoreQuery::new(c.box_clone(), COVERAGE)) as Box<dyn Query>, c]))
            .collect()),
    };
    if fillers.is_empty() {
        return Some(required);
    }
    let mut all = vec![(Occur::Must, required)];
    all.extend(fillers.into_iter().map(|(c, _)| (Occur::Should, boosted(c, FILLER_WEIGHT))));
    Some(Box::new(BooleanQuery::new(all)))
}

/// What each subject word found adds to a record in a partial reading.
const COVERAGE: f32 = 1000.0;

/// What a filler word adds to a record that has it: enough to order ties, never to decide.
const FILLER_WEIGHT: f32 = 0.2;

/// Whether a partial reading could find more than the strict one: it differs only when
/// there are two subject clauses or more.
fn could_relax(parsed: &Parsed) -> bool {
    parsed.words.iter().filter(|w| !is_filler(w)).count() + parsed.phrases.len() >= 2
}

const FACETS: [&str; 7] = ["category", "licence", "kind", "territory", "country", "health", "publiccode"];

/// A facet's filter: the numbers of its values that some document has (a value no
/// document has adds nothing; none at all lets no document through).
type Chosen = (&'static str, Vec<u32>);

/// The filters of a request, each as its facet and the numbers of its values.
fn chosen(table: &Table, filters: &Filters) -> Vec<Chosen> {
    let f = filters;
    [
        ("category", f.category.clone()),
        ("licence", f.licence.clone()),
        ("kind", f.kind.clone()),
        ("territory", f.territory.clone()),
        ("country", f.country.clone()),
        ("health", f.health.clone()),
        ("publiccode", f.publiccode.map(|b| b.to_string()).into_iter().collect()),
    ]
    .into_iter()
    .filter(|(_, values)| !values.is_empty())
    .map(|(facet, values)| (facet, values.iter().filter_map(|v| table.value_number(facet, v)).collect()))
    .collect()
}

/// Whether a document passes every filter but the one of facet `except`.
fn passes(e: &Entry, chosen: &[Chosen], except: Option<&str>) -> bool {
    chosen.iter().filter(|(f, _)| Some(*f) != except).all(|(_, ns)| ns.iter().any(|n| e.values.contains(n)))
}

/// Each facet's values with their counts, most frequent first: for a facet without a
/// filter, among the documents that pass every filter; for a filtered one, among those that
/// pass the others, so that choosing another value shows how many it would give. Counted by
/// number, in one pass over the matches when nothing is filtered.
fn count(table: &Table, matched: &[(&Entry, f32)], chosen: &[Chosen]) -> BTreeMap<&'static str, Vec<FacetCount>> {
    let mut counts = vec![0usize; table.values.len()];
    let filtered = |n: u32| chosen.iter().any(|(f, _)| *f == table.values[n as usize].facet);
    for (e, _) in matched.iter().filter(|(e, _)| passes(e, chosen, None)) {
        for &n in &e.values {
            if chosen.is_empty() || !filtered(n) {
                counts[n as usize] += 1;
            }
        }
    }
    for (facet, _) in chosen {
        for (e, _) in matched.iter().filter(|(e, _)| passes(e, chosen, Some(facet))) {
            for &n in &e.values {
                if table.values[n as usize].facet == *facet {
                    counts[n as usize] += 1;
                }
            }
        }
    }
    let mut facets: BTreeMap<&'static str, Vec<FacetCount>> = FACETS.iter().map(|f| (*f, Vec::new())).collect();
    for (n, count) in counts.into_iter().enumerate().filter(|(_, c)| *c > 0) {
        let v = &table.values[n];
        if let Some(list) = facets.get_mut(v.facet) {
            list.push(FacetCount { value: v.value.clone(), label: v.label.clone(), count });
        }
    }
    for list in facets.values_mut() {
        list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    }
    facets
}

/// The query a reading made, and the documents it matched with their scores.
type Matching<'a> = (Option<Box<dyn Query>>, Vec<(&'a Entry, f32)>);

pub fn run(search: &Search, request: &Request) -> Result<Results> {
    if request.limit == 0 || request.limit > MAX_LIMIT {
        return Err(Error::Invalid { field: "limit".into(), message: format!("must be between 1 and {MAX_LIMIT}") });
    }
    if request.offset > MAX_OFFSET {
        return Err(Error::Invalid { field: "offset".into(), message: format!("must be at most {MAX_OFFSET}") });
    }
    let parsed = parse(&request.q);
    let searcher = search.searcher();
    let table = search.entries();
    let entries = &table.entries;
    let chosen = chosen(&table, &request.filters);
    let matching = |reading: Reading| -> Result<Matching<'_>> {
        let query = build(search, &parsed, true, reading);
        let matched: Vec<(&Entry, f32)> = match &query {
            None => entries.values().map(|e| (e, 0.0)).collect(),
            Some(q) => searcher
                .search(q.as_ref(), &AllMatches)?
                .into_iter()
                .filter_map(|(id, score)| entries.get(&(id as i64)).map(|e| (e, score * e.boost())))
                .collect(),
        };
        Ok((query, matched))
    };
    let (mut query, mut matched) = matching(Reading::Strict)?;
    let mut partial = false;
    if query.is_some() && could_relax(&parsed) && !matched.iter().any(|(e, _)| passes(e, &chosen, None)) {
        (query, matched) = matching(Reading::Partial)?;
        partial = !matched.is_empty();
    }
    let facets = count(&table, &matched, &chosen);
    if !chosen.is_empty() {
        matched.retain(|(e, _)| passes(e, &chosen, None));
    }
    let by_name = |a: &Entry, b: &Entry| a.sort_name.cmp(&b.sort_name).then_with(|| a.slug.cmp(&b.slug));
    match (request.sort, query.is_some()) {
        (Sort::Relevance, true) => {
            matched.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| by_name(a.0, b.0)));
        }
        (Sort::Relevance, false) | (Sort::Adopted, _) => {
            matched.sort_by(|a, b| b.0.adopters.cmp(&a.0.adopters).then_with(|| by_name(a.0, b.0)));
        }
        (Sort::Active, _) => {
            matched.sort_by(|a, b| b.0.last_activity.cmp(&a.0.last_activity).then_with(|| by_name(a.0, b.0)));
        }
        (Sort::Name, _) => matched.sort_by(|a, b| by_name(a.0, b.0)),
    }
    let total = matched.len();
    let page: Vec<(&Entry, f32)> = matched.into_iter().skip(request.offset).take(request.limit).collect();
    let f = search.fields();
    let (own, other) = if request.lang == "en" { ("en", "fr") } else { ("fr", "en") };
    let typed = build(search, &parsed, false, Reading::Strict);
    let fields = if own == "en" {
        [f.summary_en, f.description_en, f.summary_fr, f.description_fr]
    } else {
        [f.summary_fr, f.description_fr, f.summary_en, f.description_en]
    };
    // Made when a hit first needs one: most hits find their snippet in the reader's
    // language, and each generator costs a look-up of every typed term.
    let mut generators: [Option<Option<tantivy::snippet::SnippetGenerator>>; 4] = [None, None, None, None];
    let mut hits = Vec::with_capacity(page.len());
    for (e, score) in page {
        let summary = e.summary.get(own).or_else(|| e.summary.get(other)).cloned();
        let texts = [e.summary.get(own), e.description.get(own), e.summary.get(other), e.description.get(other)];
        let mut snippet = None;
        if let Some(q) = &typed {
            for (i, text) in texts.iter().enumerate() {
                let Some(text) = text else { continue };
                let made =
                    generators[i].get_or_insert_with(|| search.snippet_generator(&searcher, q.as_ref(), fields[i]));
                let Some(generator) = made.as_ref() else { continue };
                let mut s = generator.snippet(text);
                if !s.highlighted().is_empty() {
                    s.set_snippet_prefix_postfix("<mark>", "</mark>");
                    snippet = Some(s.to_html());
                    break;
                }
            }
        }
        hits.push(Hit {
            slug: e.slug.clone(),
            name: e.name.clone(),
            summary,
            snippet,
            score,
            adopters: e.adopters,
            health: e.health,
        });
    }
    // A word that matches nothing may be a typo beyond the tolerance: the nearest known
    // word is offered. Looked for only when the answer is thin, since it reads the terms.
    let did_you_mean = if total <= request.limit.min(3) || partial {
        super::guidance::did_you_mean(search, &request.q, &parsed)
    } else {
        None
    };
    let guidance = (total == 0 && !parsed.words.is_empty()).then(|| super::guidance::guidance(search, &parsed, own));
    Ok(Results {
        hits,
        total,
        limit: request.limit,
        offset: request.offset,
        sort: request.sort,
        facets,
        partial,
        did_you_mean,
        guidance,
    })
}

/// The words as typed, in the same fields, combined as `build` combines them, without the
/// thesaurus, the typo tolerance, facets or snippets: the top `limit` slugs and the count
/// of matches. What the benchmark asks SQLite FTS5 and PostgreSQL, so that the engines are
/// compared on the same work (`bench/src/bin/search.rs`).
pub fn plain(search: &Search, q: &str, limit: usize) -> Result<(Vec<String>, usize)> {
    let parsed = parse(q);
    let fields = search.fields().searched();
    let mut clauses: Vec<Box<dyn Query>> = parsed.words.iter().map(|w| exact_word(&fields, w)).collect();
    clauses.extend(parsed.phrases.iter().map(|p| phrase_clause(&fields, p, 1.0)));
    let query: Box<dyn Query> = match clauses.len() {
        0 => return Ok((Vec::new(), 0)),
        1 => clauses.pop().expect("one clause"),
        2 => Box::new(BooleanQuery::new(clauses.into_iter().map(|c| (Occur::Must, c)).collect())),
        n => {
            let should = clauses.into_iter().map(|c| (Occur::Should, c)).collect();
            Box::new(BooleanQuery::with_minimum_required_clauses(should, n - 1))
        }
    };
    let searcher = search.searcher();
    let (top, total) = searcher.search(
        query.as_ref(),
        &(tantivy::collector::TopDocs::with_limit(limit).order_by_score(), tantivy::collector::Count),
    )?;
    let table = search.entries();
    let mut slugs = Vec::with_capacity(top.len());
    for (_, address) in top {
        let ids = searcher.segment_reader(address.segment_ord).fast_fields().u64("id")?;
        if let Some(e) = ids.first(address.doc_id).and_then(|id| table.entries.get(&(id as i64))) {
            slugs.push(e.slug.clone());
        }
    }
    Ok((slugs, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filler_words_are_written_as_queries_are_folded() {
        for w in FILLER_WORDS {
            let words = analysis::words(w);
            assert_eq!(words.len(), 1, "{w} is one word, and no stop word");
            assert_eq!(words[0].folded, *w, "{w} is lowercase and without accents");
            assert!(is_filler(&words[0]));
        }
        let parsed = parse("Gestion du cimetière de la Mairie");
        let fillers: Vec<bool> = parsed.words.iter().map(is_filler).collect();
        assert_eq!(fillers, [true, false, true]);
        assert!(could_relax(&parse("cimetière réservation")));
        assert!(!could_relax(&parse("logiciel cimetière mairie")));
    }

    #[test]
    fn quotes_make_phrases_and_other_characters_only_separate() {
        let p = parse(r#"gestion "état civil" :(*-urbanisme"#);
        let words: Vec<&str> = p.words.iter().map(|w| w.folded.as_str()).collect();
        assert_eq!(words, ["gestion", "urbanisme"]);
        assert_eq!(p.phrases.len(), 1);
        let unclosed = parse(r#"cimetière "concessions"#);
        assert_eq!(unclosed.phrases.len(), 0);
        assert_eq!(unclosed.words.len(), 2);
        assert!(parse(&"x".repeat(10_000)).words.len() <= 1);
        assert_eq!(parse("\" : ( * -").words.len(), 0);
    }
}
