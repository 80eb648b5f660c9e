//! The municipal-competence thesaurus (`indexer/data/thesaurus.txt`): groups of terms that
//! name the same need (`cimetière | concession funéraire | cemetery`). A query that holds a
//! term of a group also finds the records that use another term of it, so an official who
//! types the words of their trade finds the tool whose record uses other words.

use super::analysis::{words, Word};

const DATA: &str = include_str!("../../data/thesaurus.txt");

#[derive(Debug, Clone)]
pub struct Thesaurus {
    /// Each group's terms, as analysed words.
    pub groups: Vec<Vec<Vec<Word>>>,
    /// Each term as written, for suggestions.
    pub terms: Vec<String>,
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
        Thesaurus { groups, terms }
    }

    /// The groups a query's words name, longest terms first and without overlaps, so that
    /// `budget participatif` is that need and not the budget's.
    pub fn matches(&self, query: &[Word]) -> Vec<Match> {
        let mut candidates: Vec<Match> = Vec::new();
        for (g, group) in self.groups.iter().enumerate() {
            for term in group {
                if term.len() > query.len() {
                    continue;
                }
                for start in 0..=query.len() - term.len() {
                    if term.iter().zip(&query[start..]).all(|(t, q)| t.fr == q.fr || t.folded == q.folded) {
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
}
