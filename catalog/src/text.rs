//! Small validated values shared by several records: languages, URLs, dates, names.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A text in lowercase with its Latin letters' diacritics and ligatures folded to their
/// plain ASCII spelling (`Marcq-en-Barœul` -> `marcq-en-baroeul`); other characters are
/// kept, lowercased. Slugs, name matching, the demo's e-mail addresses and the bench's
/// unaccented queries all fold with it.
pub fn fold(text: &str) -> String {
    text.chars().flat_map(fold_char).flat_map(char::to_lowercase).collect()
}

/// Latin letters with diacritics and ligatures as their plain ASCII spelling.
fn fold_char(c: char) -> Vec<char> {
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' | 'Ÿ' => 'y',
        'œ' | 'Œ' => return vec!['o', 'e'],
        'æ' | 'Æ' => return vec!['a', 'e'],
        'ß' => return vec!['s', 's'],
        other => other,
    };
    vec![plain]
}

/// An ISO 639-1 language code (`fr`, `en`, `de`, `it`, `nl`): the language of a text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Lang(String);

impl Lang {
    pub fn parse(s: &str) -> Result<Lang> {
        if s.len() == 2 && s.bytes().all(|b| b.is_ascii_lowercase()) {
            Ok(Lang(s.to_string()))
        } else {
            Err(Error::invalid("lang", format!("{s:?} is not a two-letter language code such as fr or en")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Lang {
    type Error = Error;
    fn try_from(s: String) -> Result<Lang> {
        Lang::parse(&s)
    }
}

impl From<Lang> for String {
    fn from(l: Lang) -> String {
        l.0
    }
}

/// Texts keyed by language; at least one language present.
pub type Texts = BTreeMap<Lang, String>;

/// Checks a web address: absolute, `http` or `https`, with a host.
pub fn web_url(field: &str, s: &str) -> Result<String> {
    let s = s.trim();
    no_control_characters(field, s, false)?;
    let url = url::Url::parse(s).map_err(|e| Error::invalid(field, format!("{s:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::invalid(field, format!("{s:?} is not an http(s) address")));
    }
    Ok(s.to_string())
}

/// Checks a repository address of a record (drafts, imports): public hosts only. The
/// operator's `--allow-local` reaches `Store::add_repository` alone.
pub fn repository_url(field: &str, s: &str) -> Result<String> {
    crate::address::check_repository_address(field, s, crate::address::AddressPolicy::PublicOnly).map(|a| a.url)
}

pub fn date(field: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| Error::invalid(field, format!("{s:?} is not a date written YYYY-MM-DD")))
}

/// A required one-line text: trimmed, not empty, at most `max` characters.
pub fn line(field: &str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if t.chars().count() > max {
        return Err(Error::invalid(field, format!("must have at most {max} characters")));
    }
    if t.chars().any(|c| c.is_control()) {
        return Err(Error::invalid(field, "must be a single line of text"));
    }
    Ok(t.to_string())
}

/// Optional free text (Markdown allowed), at most `max` characters; empty becomes `None`.
pub fn optional_text(field: &str, s: Option<&str>, max: usize) -> Result<Option<String>> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.chars().count() > max => Err(Error::invalid(field, format!("must have at most {max} characters"))),
        Some(t) => {
            no_control_characters(field, t, true)?;
            Ok(Some(t.to_string()))
        }
    }
}

/// Refuses control characters (all of them, or all but tab and line breaks in free text):
/// they have no place in a name, an address or a description, and the store packs lists
/// with two of them as separators (`store::packed`).
fn no_control_characters(field: &str, s: &str, free_text: bool) -> Result<()> {
    let allowed = |c: char| free_text && matches!(c, '\t' | '\n' | '\r');
    match s.chars().find(|&c| c.is_control() && !allowed(c)) {
        None => Ok(()),
        Some(c) => Err(Error::invalid(field, format!("must not hold the control character U+{:04X}", c as u32))),
    }
}

pub fn texts(field: &str, raw: &BTreeMap<String, String>, max: usize, required: bool) -> Result<Texts> {
    let mut out = Texts::new();
    for (lang, text) in raw {
        let l = Lang::parse(lang).map_err(|e| e.within(field))?;
        if let Some(t) = optional_text(&format!("{field}.{lang}"), Some(text), max)? {
            out.insert(l, t);
        }
    }
    if required && out.is_empty() {
        return Err(Error::invalid(field, "give the text in at least one language (fr or en)"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_takes_accents_and_ligatures_off() {
        assert_eq!(fold("Marcq-en-Barœul"), "marcq-en-baroeul");
        assert_eq!(fold("ÉLODIE Ørsted, Straße"), "elodie orsted, strasse");
        assert_eq!(fold("déjà 2 €"), "deja 2 €");
    }

    #[test]
    fn free_text_keeps_line_breaks_and_refuses_other_control_characters() {
        assert_eq!(optional_text("body", Some("a\n\tb\r\nc"), 100).unwrap().as_deref(), Some("a\n\tb\r\nc"));
        for bad in ["a\u{1e}b", "a\u{1f}b", "a\u{0}b", "a\u{7f}b"] {
            let e = optional_text("body", Some(bad), 100).unwrap_err().to_string();
            assert!(e.contains("body") && e.contains("control character"), "{e}");
        }
    }

    #[test]
    fn addresses_refuse_control_characters() {
        assert!(web_url("website", "https://example.org/a\u{1f}b").is_err());
        assert!(web_url("website", "https://example.org/a\tb").is_err());
        assert!(repository_url("url", "https://example.org/r\u{1e}.git").is_err());
        assert!(repository_url("url", "git@example.org:a\u{1e}b").is_err());
        assert_eq!(web_url("website", " https://example.org/ ").unwrap(), "https://example.org/");
    }
}
