use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A record's name in URLs: lowercase ASCII letters, digits and single inner hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 80;

    pub fn parse(s: &str) -> Result<Slug> {
        let bad = |why: &str| Error::invalid("slug", format!("{s:?} is not a valid slug: {why}"));
        if s.len() < 2 || s.len() > Self::MAX_LEN {
            return Err(bad("it must have 2 to 80 characters"));
        }
        if !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(bad("only lowercase letters a-z, digits and hyphens are allowed"));
        }
        if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(bad("hyphens go between words, one at a time"));
        }
        Ok(Slug(s.to_string()))
    }

    /// Makes a slug from a human name: accents folded, other characters turned into
    /// hyphens (`Marcq-en-Barœul` -> `marcq-en-baroeul`).
    pub fn from_name(name: &str) -> Result<Slug> {
        let mut out = String::with_capacity(name.len());
        for c in crate::text::fold(name).chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        while out.ends_with('-') {
            out.pop();
        }
        out.truncate(Self::MAX_LEN);
        while out.ends_with('-') {
            out.pop();
        }
        Slug::parse(&out).map_err(|_| Error::invalid("name", format!("{name:?} gives no usable slug")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A slug reads as the text it is, wherever a `&str` is asked for.
impl std::ops::Deref for Slug {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Slug {
    type Error = Error;
    fn try_from(s: String) -> Result<Slug> {
        Slug::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_slugs() {
        assert_eq!(Slug::parse("geocity").unwrap().as_str(), "geocity");
        assert!(Slug::parse("open-cimetiere-2").is_ok());
    }

    #[test]
    fn refuses_bad_slugs() {
        for bad in ["", "a", "Geo", "geo city", "-geo", "geo-", "geo--city", "géo"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Slug::parse(&"a".repeat(81)).is_err());
    }

    #[test]
    fn folds_names() {
        assert_eq!(Slug::from_name("Marcq-en-Barœul").unwrap().as_str(), "marcq-en-baroeul");
        assert_eq!(Slug::from_name("L'Abergement-Clémenciat").unwrap().as_str(), "l-abergement-clemenciat");
        assert_eq!(Slug::from_name("  Saint-Légier – La Chiésaz ").unwrap().as_str(), "saint-legier-la-chiesaz");
        assert!(Slug::from_name("!!!").is_err());
    }
}
