//! What a search offers beside its results, so that no query is a dead end: the closest
//! known word for a word that matches nothing ("did you mean"), the categories a query
//! names, and, when nothing matches at all, the categories with the most adopted tools of
//! the one closest to what was typed.

use serde::Serialize;
use tantivy::collector::Count;

use super::analysis::{self, Word};
use super::organisations::{OrganisationHit, OrganisationRequest, OrganisationSearch, OrganisationSort};
use super::query::{self, is_filler, Hit, Parsed};
use super::thesaurus::distance;
use super::Search;
use catalog::Category;

/// A category, with how many software it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryHit {
    pub slug: String,
    pub fr: String,
    pub en: String,
    pub count: usize,
}

/// What a query that found nothing at all is offered instead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Guidance {
    /// Every category that holds software, the largest first.
    pub categories: Vec<CategoryHit>,
    /// The category whose name is closest to a word of the query, if one is close.
    pub closest: Option<CategoryHit>,
    /// The most adopted software of that category.
    pub popular: Vec<Hit>,
}

/// The organisations a query names, `limit` at most: those the whole query finds and,
/// when it finds none, the places called by one of its subject words alone ("lausanne
/// urbanisme": the need's words are in no organisation's name, the place's is).
pub fn organisations(
    index: &OrganisationSearch,
    q: &str,
    parsed: &Parsed,
    limit: usize,
) -> super::Result<Vec<OrganisationHit>> {
    if q.trim().is_empty() {
        return Ok(Vec::new());
    }
    let find = |q: &str, limit: usize| {
        let request = OrganisationRequest {
            q: q.to_string(),
            kind: None,
            country: None,
            parent: None,
            sort: OrganisationSort::Relevance,
            limit,
            offset: 0,
        };
        index.search(&request).map(|r| r.hits)
    };
    let mut hits = find(q, limit)?;
    let words: Vec<&Word> = parsed.words.iter().filter(|w| w.len >= 4 && !is_filler(w)).collect();
    // A query of one such word was just looked for whole.
    if !hits.is_empty() || words.len() < 2 {
        return Ok(hits);
    }
    for w in words.into_iter().take(4) {
        // Only a place called by that one word: a word found inside longer names
        // ("conseil") names no organisation in particular.
        let named = |h: &OrganisationHit| analysis::words_with_stop_words(&h.name) == [w.folded.clone()];
        for hit in find(&w.folded, 2)?.into_iter().filter(named) {
            if hits.len() < limit && hits.iter().all(|h| h.slug != hit.slug) {
                hits.push(hit);
            }
        }
    }
    Ok(hits)
}

/// The shortest word a correction is looked for: below, too many words are one edit away.
const MIN_CORRECTED: usize = 4;

/// The query with each word that matches no document replaced by the nearest word the
/// index knows (names, summaries, descriptions, categories), or `None` when every word
/// matches or no word is near enough. Up to two edits, three from nine letters.
pub fn did_you_mean(search: &Search, q: &str, parsed: &Parsed) -> Option<String> {
    let searcher = search.searcher();
    let mut replacements: Vec<(String, String)> = Vec::new();
    for w in &parsed.words {
        if w.len < MIN_CORRECTED || is_filler(w) {
            continue;
        }
        // A word the thesaurus reads as one of its terms found what it stands for.
        if !search.thesaurus().matches(std::slice::from_ref(w)).is_empty() {
            continue;
        }
        let clause = query::word_clause(search, w);
        if searcher.search(clause.as_ref(), &Count).ok()? > 0 {
            continue;
        }
        if let Some(better) = nearest_term(search, w) {
            replacements.push((w.folded.clone(), better));
        }
    }
    if replacements.is_empty() {
        return None;
    }
    Some(replace_words(q, &replacements))
}

/// The term of the folded field nearest to `w`: fewest edits, then the same first letter
/// (people seldom miss the first one), then the most frequent.
fn nearest_term(search: &Search, w: &Word) -> Option<String> {
    let allowed = if w.len >= 9 { 3 } else { 2 };
    let typed: Vec<char> = w.folded.chars().collect();
    let first = typed.first().copied();
    let mut best: Option<(usize, bool, u32, String)> = None;
    for segment in search.searcher().segment_readers() {
        let Ok(inverted) = segment.inverted_index(search.fields().folded) else { continue };
        let mut terms = inverted.terms().stream().ok()?;
        while terms.advance() {
            let Ok(term) = std::str::from_utf8(terms.key()) else { continue };
            let length = term.chars().count();
            if length.abs_diff(typed.len()) > allowed || length < MIN_CORRECTED {
                continue;
            }
            let d = distance(&typed, &term.chars().collect::<Vec<_>>(), allowed);
            if d == 0 || d > allowed {
                continue;
            }
            let frequency = terms.value().doc_freq;
            let same_first = term.chars().next() == first;
            let key = (std::cmp::Reverse(d), same_first, frequency);
            let better = match &best {
                None => true,
                Some((bd, bs, bf, bt)) => {
                    let held = (std::cmp::Reverse(*bd), *bs, *bf);
                    key > held || (key == held && term < bt.as_str())
                }
            };
            if better {
                best = Some((d, same_first, frequency, term.to_string()));
            }
        }
    }
    best.map(|(_, _, _, t)| t)
}

/// `q` with each word whose folded form is a key of `replacements` replaced, the rest (stop
/// words, punctuation, accents) as typed.
fn replace_words(q: &str, replacements: &[(String, String)]) -> String {
    let mut out = String::with_capacity(q.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let folded = analysis::words_with_stop_words(word).join(" ");
        match replacements.iter().find(|(typed, _)| *typed == folded) {
            Some((_, better)) => out.push_str(better),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in q.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out.trim().to_string()
}

/// Each category's slug with the words of its French and English names, analysed once.
fn category_names() -> &'static [(&'static str, Vec<Word>)] {
    static NAMES: std::sync::OnceLock<Vec<(&'static str, Vec<Word>)>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        Category::all().map(|c| (c.info().slug, analysis::words(&format!("{} {}", c.info().fr, c.info().en)))).collect()
    })
}

/// How many software each of `wanted` (every category with `None`) holds, the largest
/// first, in one pass over the catalog; empty categories left out.
fn category_counts(search: &Search, wanted: Option<&[&str]>) -> Vec<CategoryHit> {
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let table = search.entries();
    for e in table.entries.values() {
        for c in &e.categories {
            if wanted.is_none_or(|w| w.contains(&c.as_str())) {
                *counts.entry(c.as_str()).or_default() += 1;
            }
        }
    }
    let mut hits: Vec<CategoryHit> = Category::all()
        .filter_map(|c| {
            let info = c.info();
            let count = *counts.get(info.slug)?;
            Some(CategoryHit { slug: info.slug.into(), fr: info.fr.into(), en: info.en.into(), count })
        })
        .collect();
    hits.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.slug.cmp(&b.slug)));
    hits
}

/// The categories a query names: each of its subject words is a word of the category's
/// name (French or English, stems compared), or the query is the category's slug.
pub fn categories(search: &Search, parsed: &Parsed) -> Vec<CategoryHit> {
    let subjects: Vec<&Word> = parsed.words.iter().filter(|w| !is_filler(w)).collect();
    if subjects.is_empty() {
        return Vec::new();
    }
    let typed = subjects.iter().map(|w| w.folded.as_str()).collect::<Vec<_>>().join(" ");
    let named: Vec<&str> = category_names()
        .iter()
        .filter(|(slug, names)| {
            subjects.iter().all(|w| names.iter().any(|n| n.fr == w.fr || n.en == w.en))
                || typed == slug.replace('-', " ")
        })
        .map(|(slug, _)| *slug)
        .collect();
    if named.is_empty() {
        return Vec::new();
    }
    category_counts(search, Some(&named))
}

/// For a query that found nothing: every category, the one closest to a word typed, and
/// its most adopted software.
pub fn guidance(search: &Search, parsed: &Parsed, lang: &str) -> Guidance {
    let categories = category_counts(search, None);
    let mut closest: Option<(usize, &CategoryHit)> = None;
    for c in &categories {
        let names = category_names().iter().find(|(slug, _)| *slug == c.slug).map_or(&[][..], |(_, n)| n.as_slice());
        for name in names {
            let name_chars: Vec<char> = name.folded.chars().collect();
            for w in parsed.words.iter().filter(|w| w.len >= MIN_CORRECTED) {
                let allowed = if w.len >= 9 { 3 } else { 2 };
                let typed: Vec<char> = w.folded.chars().collect();
                // A prefix counts as near: "cimet" is on its way to "cimetières".
                let d = if name.folded.starts_with(&w.folded) { 0 } else { distance(&typed, &name_chars, allowed) };
                if d <= allowed && closest.is_none_or(|(bd, _)| d < bd) {
                    closest = Some((d, c));
                }
            }
        }
    }
    let closest = closest.map(|(_, c)| c.clone());
    let popular = match &closest {
        None => Vec::new(),
        Some(c) => {
            let table = search.entries();
            let mut members: Vec<&super::Entry> =
                table.entries.values().filter(|e| e.categories.contains(&c.slug)).collect();
            members.sort_by(|a, b| b.adopters.cmp(&a.adopters).then_with(|| a.sort_name.cmp(&b.sort_name)));
            members
                .into_iter()
                .take(3)
                .map(|e| {
                    let other = if lang == "en" { "fr" } else { "en" };
                    Hit {
                        slug: e.slug.clone(),
                        name: e.name.clone(),
                        summary: e.summary.get(lang).or_else(|| e.summary.get(other)).cloned(),
                        snippet: None,
                        score: 0.0,
                        adopters: e.adopters,
                        health: e.health,
                    }
                })
                .collect()
        }
    };
    Guidance { categories, closest, popular }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_replaced_where_they_were_typed() {
        let fixes = [("cimitiere".to_string(), "cimetiere".to_string())];
        assert_eq!(replace_words("gestion des cimitière", &fixes), "gestion des cimetiere");
        assert_eq!(replace_words("Cimitiere, concessions", &fixes), "cimetiere, concessions");
        assert_eq!(replace_words("état civil", &fixes), "état civil");
    }
}
