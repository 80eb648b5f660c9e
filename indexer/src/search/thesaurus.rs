//! The municipal-competence thesaurus (`indexer/data/thesaurus.txt`): groups of terms that
//! name the same need (`cimetière | concession funéraire | cemetery`). A query that holds a
//! term of a group also finds the records that use another term of it, so an official who
//! types the words of their trade finds the tool whose record uses other words.

use std::collections::HashMap;

use super::analysis::{edits, words, Word};

const DATA: &str = include_str!("../../data/thesaurus.txt");

#[derive(Debug, Clone)]
pub struct Thesaurus {
    /// Each group's terms, as analysed words.
    pub groups: Vec<Vec<Vec<Word>>>,
    /// Each term as written, for suggestions.
    pub terms: Vec<String>,
    /// Every word of the terms, folded, with its analysis: a typed word that is not one of
    /// them is corrected to the nearest within its typo tolerance before the groups are
    /// looked for, so `urbanisne` still brings the terms of `urbanisme`.
    vocabulary: HashMap<String, Word>,
}

/// Where a query holds a term of a group: its words `start..end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub group: usize,
}

impl Thesaurus {
    pub fn built_in() -> Thesaurus {
        Thesaurus::parse(DATA)
    }

    pub fn parse(text: &str) -> Thesaurus {
        let mut groups = Vec::new();
        let mut terms = Vec::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let group: Vec<Vec<Word>> = line
                .split('|')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .inspect(|t| terms.push(t.to_string()))
                .map(words)
                .filter(|w| !w.is_empty())
                .collect();
            if group.len() > 1 {
                groups.push(group);
            }
        }
        let vocabulary = groups.iter().flatten().flatten().map(|w: &Word| (w.folded.clone(), w.clone())).collect();
        Thesaurus { groups, terms, vocabulary }
    }

    /// The thesaurus word a typed word stands for: itself when it is one, else the nearest
    /// within its typo tolerance (the first in alphabetical order among the nearest).
    fn corrected<'w>(&'w self, typed: &'w Word) -> &'w Word {
        let allowed = edits(typed.len) as usize;
        if allowed == 0 || self.vocabulary.contains_key(&typed.folded) {
            return typed;
        }
        let typed_chars: Vec<char> = typed.folded.chars().collect();
        let mut best: Option<(usize, &Word)> = None;
        for word in self.vocabulary.values() {
            if word.len.abs_diff(typed_chars.len()) > allowed {
                continue;
            }
            let d = distance(&typed_chars, &word.folded.chars().collect::<Vec<_>>(), allowed);
            let better = match best {
                None => d <= allowed,
                Some((bd, bw)) => d < bd || (d == bd && word.folded < bw.folded),
            };
            if better {
                best = Some((d, word));
            }
        }
        best.map_or(typed, |(_, w)| w)
    }

    /// The groups a query's words name, longest terms first and without overlaps, so that
    /// `budget participatif` is that need and not the budget's.
    pub fn matches(&self, query: &[Word]) -> Vec<Match> {
        let corrected: Vec<&Word> = query.iter().map(|w| self.corrected(w)).collect();
        let mut candidates: Vec<Match> = Vec::new();
        for (g, group) in self.groups.iter().enumerate() {
            for term in group {
                if term.len() > query.len() {
                    continue;
                }
                for start in 0..=query.len() - term.len() {
                    if term.iter().zip(&corrected[start..]).all(|(t, q)| t.fr == q.fr || t.folded == q.folded) {
                        candidates.push(Match { start, end: start + term.len(), group: g });
                    }
                }
            }
        }
        candidates.sort_by_key(|m| (std::cmp::Reverse(m.end - m.start), m.start));
        let mut taken: Vec<Match> = Vec::new();
        for m in candidates {
            if taken.iter().all(|t| m.end <= t.start || m.start >= t.end) {
                taken.push(m);
            }
        }
        taken.sort_by_key(|m| m.start);
        taken
    }
}

/// Edits between two words (insertions, deletions, substitutions and swaps of two
/// neighbours), or `limit + 1` once it is known to be over `limit`.
pub(crate) fn distance(a: &[char], b: &[char], limit: usize) -> usize {
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (previous[j] + 1).min(row[j - 1] + 1).min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(before[j - 2] + 1);
            }
        }
        if row.iter().all(|d| *d > limit) {
            return limit + 1;
        }
        before = std::mem::replace(&mut previous, row);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_thesaurus_has_the_groups_the_issue_names() {
        let t = Thesaurus::built_in();
        assert!(t.groups.len() >= 40, "{} groups", t.groups.len());
        for (a, b) in [
            ("cimetière", "concessions funéraires"),
            ("urbanisme", "permis de construire"),
            ("sig", "cartographie"),
            ("parapheur", "signature électronique"),
            ("marchés publics", "commande publique"),
        ] {
            let ga = t.matches(&words(a)).first().map(|m| m.group);
            let gb = t.matches(&words(b)).first().map(|m| m.group);
            assert!(ga.is_some() && ga == gb, "{a} and {b}: {ga:?} {gb:?}");
        }
    }

    #[test]
    fn longer_terms_win_and_matches_do_not_overlap() {
        let t = Thesaurus::parse("budget | finances\nbudget participatif | participatory budgeting\n");
        let q = words("budget participatif des communes");
        let m = t.matches(&q);
        assert_eq!(m, vec![Match { start: 0, end: 2, group: 1 }]);
        assert_eq!(t.matches(&words("budgets"))[0].group, 0);
    }

    #[test]
    fn a_typo_still_finds_its_group() {
        let t = Thesaurus::built_in();
        for (typed, meant) in [("urbanisne", "urbanisme"), ("signalemnt", "signalement"), ("cimetirre", "cimetière")] {
            let got = t.matches(&words(typed)).first().map(|m| m.group);
            assert!(got.is_some() && got == t.matches(&words(meant)).first().map(|m| m.group), "{typed}: {got:?}");
        }
        // Too short for a typo, or too far from any term.
        assert!(t.matches(&words("sug")).is_empty());
        assert!(t.matches(&words("zzzzzzzz")).is_empty());
    }

    #[test]
    fn distance_counts_edits_and_swaps() {
        let d = |a: &str, b: &str| distance(&a.chars().collect::<Vec<_>>(), &b.chars().collect::<Vec<_>>(), 3);
        assert_eq!((d("urbanisme", "urbanisme"), d("urbanisne", "urbanisme"), d("urbainsme", "urbanisme")), (0, 1, 1));
        assert_eq!(d("cimetirre", "cimetiere"), 1);
        assert!(d("abc", "xyzuvw") > 3);
    }
}
