//! The same query for SQLite FTS5 and PostgreSQL: its words and quoted phrases, stop words
//! left out, combined as Communs combines them (every clause when there are one or two;
//! all but one from three on, so that a stray word does not empty the results), in each
//! engine's own syntax. Neither engine is given the thesaurus, the typo tolerance or the
//! stemming of the other: each does what it does.

use indexer::search::analysis;

/// A query's clauses: single words and phrases, each a list of words as typed (lowercase,
/// accents kept).
pub fn clauses(q: &str) -> Vec<Vec<String>> {
    let pieces: Vec<&str> = q.split('"').collect();
    let closed = pieces.len() % 2 == 1;
    let mut out = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let quoted = i % 2 == 1 && (closed || i + 1 < pieces.len());
        let words: Vec<String> = piece
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .filter(|w| analysis::words_with_stop_words(w).iter().all(|f| !analysis::is_stop_word(f)))
            .collect();
        if quoted && words.len() > 1 {
            out.push(words);
        } else {
            out.extend(words.into_iter().map(|w| vec![w]));
        }
    }
    out
}

/// Combines clauses already written in an engine's syntax.
fn combine(parts: Vec<String>, and: &str, or: &str) -> Option<String> {
    match parts.len() {
        0 => None,
        1 | 2 => Some(parts.join(and)),
        n => Some(
            (0..n)
                .map(|skip| {
                    let kept: Vec<&str> =
                        parts.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, p)| p.as_str()).collect();
                    format!("({})", kept.join(and))
                })
                .collect::<Vec<_>>()
                .join(or),
        ),
    }
}

/// An FTS5 MATCH expression; every word quoted, so that no input is a syntax error.
pub fn fts5(q: &str) -> Option<String> {
    let parts = clauses(q).into_iter().map(|words| format!("\"{}\"", words.join(" ").replace('"', ""))).collect();
    combine(parts, " AND ", " OR ")
}

/// A `to_tsquery` expression: words quoted as lexemes, phrases with `<->`.
pub fn tsquery(q: &str) -> Option<String> {
    let parts = clauses(q)
        .into_iter()
        .map(|words| {
            let quoted: Vec<String> = words.iter().map(|w| format!("'{}'", w.replace('\'', ""))).collect();
            if quoted.len() == 1 {
                quoted[0].clone()
            } else {
                format!("({})", quoted.join(" <-> "))
            }
        })
        .collect();
    combine(parts, " & ", " | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_become_each_engines_syntax() {
        assert_eq!(fts5("gestion du cimetière").unwrap(), "\"gestion\" AND \"cimetière\"");
        assert_eq!(tsquery("\"état civil\" actes").unwrap(), "('état' <-> 'civil') & 'actes'");
        assert_eq!(tsquery("registre des délibérations municipales").unwrap().matches(" | ").count(), 2);
        assert_eq!(
            fts5("urbanisme permis construire").unwrap(),
            "(\"permis\" AND \"construire\") OR (\"urbanisme\" AND \"construire\") OR (\"urbanisme\" AND \"permis\")"
        );
        assert_eq!(fts5("\" : ( *"), None);
    }
}
