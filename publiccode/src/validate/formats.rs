//! Checks of a single value's format: URLs, URIs, dates, e-mail addresses, MIME types,
//! licences, language tags, codes. Syntax only: nothing here goes on the network.

use chrono::NaiveDate;
use language_tags::LanguageTag;
use unicode_segmentation::UnicodeSegmentation;
use url::Url;

/// Length as a reader counts it: grapheme clusters, so that an emoji made of several code
/// points counts once, as the standard's limits mean.
pub fn length(s: &str) -> usize {
    s.graphemes(true).count()
}

/// An absolute URL with a host, of any scheme (`url` may be `git://`, `svn://`...).
pub fn is_url(s: &str) -> bool {
    Url::parse(s).is_ok_and(|u| u.host_str().is_some_and(|h| !h.is_empty()))
}

pub fn is_http_url(s: &str) -> bool {
    Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()))
}

pub fn http_url_host(s: &str) -> Option<String> {
    let u = Url::parse(s).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    u.host_str().map(str::to_string)
}

/// RFC 3986's shape of a URI: a scheme, a colon, and something after it without spaces. URNs
/// (`urn:x-italian-pa:pcm`) are URIs, a bare code (`pcm`) is not.
pub fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else { return false };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !rest.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The shape every code of the Italian public administrations' register (IndicePA) has: one
/// to eight letters, digits or underscores. The register itself is not shipped, so a code of
/// the right shape that is not registered goes unnoticed.
pub fn is_ipa_code_shape(s: &str) -> bool {
    (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `YYYY-MM-DD` and nothing else, as the standard requires, and a day that exists.
pub fn date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    let year = s[0..4].parse().ok()?;
    let month = s[5..7].parse().ok()?;
    let day = s[8..10].parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// An address someone can write to: `local@domain`, with a dotted domain of valid labels.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else { return false };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let domain_ok = domain.len() <= 255
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

/// RFC 6838: `type/subtype`, each a restricted name, parameters allowed after `;`.
pub fn is_mime_type(s: &str) -> bool {
    fn restricted_name(n: &str) -> bool {
        let mut chars = n.chars();
        (1..=127).contains(&n.len())
            && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
            && chars.all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
    }
    let essence = s.split(';').next().unwrap_or("").trim();
    match essence.split_once('/') {
        Some((kind, sub)) => restricted_name(kind) && restricted_name(sub),
        None => false,
    }
}

/// A phone number as people write them: an optional `+`, digits, and the usual separators.
pub fn is_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let rest = s.strip_prefix('+').unwrap_or(s);
    (3..=20).contains(&digits) && rest.chars().all(|c| c.is_ascii_digit() || " .-()/".contains(c))
}

/// An SPDX licence expression, strictly as the SPDX specification writes them.
pub fn is_spdx_expression(s: &str) -> bool {
    spdx::Expression::parse(s).is_ok()
}

/// A well-formed BCP 47 tag whose subtags are all registered (IANA language subtag registry).
pub fn is_bcp47(s: &str) -> bool {
    LanguageTag::parse(s).is_ok_and(|t| t.is_valid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(date("2017-04-15").is_some());
        assert!(date("2017-02-29").is_none());
        assert!(date("2011-01-01 20:04:05").is_none());
        assert!(date("2017-4-15").is_none());
        assert!(date("").is_none());
    }

    #[test]
    fn languages() {
        for ok in ["en", "en-GB", "it", "sl-IT-nedis", "fr-CA", "zh-Hant-TW"] {
            assert!(is_bcp47(ok), "{ok}");
        }
        for bad in ["en_GB", "xxx", "no such language", "hr_HR", ""] {
            assert!(!is_bcp47(bad), "{bad}");
        }
    }

    #[test]
    fn uris_and_urls() {
        assert!(is_uri("urn:x-italian-pa:c_h501"));
        assert!(is_uri("https://example.org"));
        assert!(!is_uri("pcm"));
        assert!(!is_uri("1"));
        assert!(is_url("https://github.com/italia/developers.italia.it.git"));
        assert!(!is_url("foobar"));
        assert!(!is_http_url("ftp://example.org"));
        assert!(!is_http_url("X"));
    }

    #[test]
    fn emails_mime_phones_licences() {
        assert!(is_email("francesco.rossi@example.org"));
        assert!(!is_email("not_an_email"));
        assert!(is_mime_type("image/svg+xml"));
        assert!(!is_mime_type("foobar"));
        assert!(is_phone("+39 231 13215112"));
        assert!(is_phone("+391624231322"));
        assert!(!is_phone("call me"));
        assert!(is_spdx_expression("MIT WITH Bison-exception-2.2"));
        assert!(is_spdx_expression("MIT OR Apache-2.0"));
        assert!(!is_spdx_expression("Invalid License"));
        assert!(is_ipa_code_shape("c_h501"));
        assert!(!is_ipa_code_shape("no_such_pa"));
    }
}
