//! Writes a `PublicCode` as a publiccode.yml of version "0".
//!
//! A hand-written emitter, so that the output is the same for the same document on every run
//! and reads back into the same document with the validator's own reader:
//!
//! - Keys come in the order of the standard's example file; absent and empty optional values are
//!   left out (except where the standard tells an empty list from a missing one, see
//!   `maintenance`).
//! - A string is written plain only when no YAML reader could take it for anything else: it
//!   starts with a letter, `/`, `_` or `(`, holds no `: `, ` #`, flow indicator, tab or line
//!   break, does not end with a space or a colon, and is not one of the words YAML 1.1 or 1.2
//!   reads as a boolean or null (`yes`, `No`, `null`...). Numbers and dates start with a digit or
//!   a sign, so they are always quoted (`softwareVersion: "1.0"`, `releaseDate: "2020-01-01"`).
//! - A string of several lines is written as a literal block (`|`, `|-` or `|+` as its final
//!   line breaks require, with an indentation indicator when its first line starts with a
//!   space) when that block reads back exactly; otherwise, and for every other string, it is
//!   double-quoted on one line with YAML's escapes.
//!
//! Reading the output back gives the same document, with no finding the writer caused. The
//! findings a document carries with it come back: a deprecated key it holds (`monochromeLogo`,
//! `inputTypes`, `legal.repoOwner`, `IT.conforme`...), a lowercase country code, a phone number
//! that does not look like one. The version warning of an older file goes, since the output is
//! version "0", and so does the warning for a lowercase `it` section, which is written `IT`.
//!
//! One limit: a document read from a file that used YAML aliases may be larger once written
//! out in full; if that exceeds [`crate::MAX_FILE_BYTES`], the output is refused when read back.

use std::fmt::Write as _;

use crate::model::*;

/// The publiccode.yml text of `doc`, version "0".
pub fn to_yaml(doc: &PublicCode) -> String {
    let mut w = Writer { out: String::with_capacity(4096), pending_dash: false };
    w.line(0, "publiccodeYmlVersion");
    w.out.push_str(" \"0\"\n");
    w.string(0, "name", &doc.name);
    w.opt(0, "applicationSuite", &doc.application_suite);
    w.string(0, "url", &doc.url);
    w.opt(0, "landingURL", &doc.landing_url);
    w.strings(0, "isBasedOn", &doc.is_based_on);
    w.opt(0, "softwareVersion", &doc.software_version);
    if let Some(date) = doc.release_date {
        w.date(0, "releaseDate", date);
    }
    w.opt(0, "logo", &doc.logo);
    w.opt(0, "monochromeLogo", &doc.monochrome_logo);
    w.strings(0, "inputTypes", &doc.input_types);
    w.strings(0, "outputTypes", &doc.output_types);
    w.strings(0, "platforms", &doc.platforms);
    w.strings(0, "categories", &doc.categories);
    w.strings(0, "usedBy", &doc.used_by);
    w.items(0, "fundedBy", &doc.funded_by, false, |w, i, f| {
        w.opt(i, "name", &f.name);
        w.string(i, "uri", &f.uri);
    });
    if let Some(o) = &doc.organisation {
        w.map(0, "organisation", |w, i| {
            w.opt(i, "name", &o.name);
            w.string(i, "uri", &o.uri);
        });
    }
    w.opt(0, "roadmap", &doc.roadmap);
    w.string(0, "developmentStatus", doc.development_status.as_str());
    w.string(0, "softwareType", doc.software_type.as_str());
    w.items(0, "supports", &doc.supports, false, |w, i, s| w.string(i, "id", &s.id));
    if let Some(a) = &doc.intended_audience {
        w.map(0, "intendedAudience", |w, i| {
            w.strings(i, "countries", &a.countries);
            w.strings(i, "unsupportedCountries", &a.unsupported_countries);
            w.strings(i, "scope", &a.scope);
        });
    }
    w.map(0, "description", |w, i| {
        for (language, d) in &doc.description {
            w.map(i, language, |w, i| description(w, i, d));
        }
    });
    w.map(0, "legal", |w, i| {
        let l = &doc.legal;
        w.string(i, "license", &l.license);
        w.opt(i, "mainCopyrightOwner", &l.main_copyright_owner);
        w.opt(i, "repoOwner", &l.repo_owner);
        w.opt(i, "authorsFile", &l.authors_file);
    });
    w.map(0, "maintenance", |w, i| {
        let m = &doc.maintenance;
        w.string(i, "type", m.kind.as_str());
        // The standard requires these lists for some types and tells an empty one from a missing
        // one there, so an empty list the type requires is written out as `[]`.
        let contract = m.kind == MaintenanceType::Contract;
        w.items(i, "contractors", &m.contractors, contract, |w, i, c| {
            w.string(i, "name", &c.name);
            w.date(i, "until", c.until);
            w.opt(i, "email", &c.email);
            w.opt(i, "website", &c.website);
        });
        let needs_contacts = matches!(m.kind, MaintenanceType::Internal | MaintenanceType::Community);
        w.items(i, "contacts", &m.contacts, needs_contacts, |w, i, c| {
            w.string(i, "name", &c.name);
            w.opt(i, "email", &c.email);
            w.opt(i, "phone", &c.phone);
            w.opt(i, "affiliation", &c.affiliation);
        });
    });
    w.map(0, "localisation", |w, i| {
        let l = &doc.localisation;
        w.boolean(i, "localisationReady", l.localisation_ready);
        w.items(i, "availableLanguages", &l.available_languages, true, |w, i, s| w.item_string(i, s));
    });
    if let Some(d) = &doc.depends_on {
        w.map(0, "dependsOn", |w, i| {
            for (key, list) in [("open", &d.open), ("proprietary", &d.proprietary), ("hardware", &d.hardware)] {
                w.items(i, key, list, false, |w, i, dep| {
                    w.string(i, "name", &dep.name);
                    w.opt(i, "versionMin", &dep.version_min);
                    w.opt(i, "versionMax", &dep.version_max);
                    w.opt(i, "version", &dep.version);
                    if let Some(b) = dep.optional {
                        w.boolean(i, "optional", b);
                    }
                });
            }
        });
    }
    if let Some(it) = &doc.it {
        w.map(0, "IT", |w, i| {
            w.opt(i, "countryExtensionVersion", &it.country_extension_version);
            if let Some(c) = &it.conforme {
                w.map(i, "conforme", |w, i| {
                    w.opt_bool(i, "lineeGuidaDesign", c.linee_guida_design);
                    w.opt_bool(i, "modelloInteroperabilita", c.modello_interoperabilita);
                    w.opt_bool(i, "misureMinimeSicurezza", c.misure_minime_sicurezza);
                    w.opt_bool(i, "gdpr", c.gdpr);
                });
            }
            if let Some(r) = &it.riuso {
                w.map(i, "riuso", |w, i| w.opt(i, "codiceIPA", &r.codice_ipa));
            }
            if let Some(p) = &it.piattaforme {
                w.map(i, "piattaforme", |w, i| {
                    w.opt_bool(i, "spid", p.spid);
                    w.opt_bool(i, "cie", p.cie);
                    w.opt_bool(i, "anpr", p.anpr);
                    w.opt_bool(i, "pagopa", p.pagopa);
                    w.opt_bool(i, "io", p.io);
                });
            }
        });
    }
    w.out
}

fn description(w: &mut Writer, i: usize, d: &Description) {
    w.opt(i, "localisedName", &d.localised_name);
    w.opt(i, "genericName", &d.generic_name);
    w.string(i, "shortDescription", &d.short_description);
    w.string(i, "longDescription", &d.long_description);
    w.opt(i, "documentation", &d.documentation);
    w.opt(i, "apiDocumentation", &d.api_documentation);
    // Features are required: an empty list is written so that it is reported, not lost.
    w.items(i, "features", &d.features, true, |w, i, s| w.item_string(i, s));
    w.strings(i, "screenshots", &d.screenshots);
    w.strings(i, "videos", &d.videos);
    w.strings(i, "awards", &d.awards);
}

struct Writer {
    out: String,
    /// A sequence item's `- ` has been written and the item's first line goes after it.
    pending_dash: bool,
}

impl Writer {
    /// Starts a line at `indent` with `key:`, or continues the line of a pending `- `.
    fn line(&mut self, indent: usize, key: &str) {
        if self.pending_dash {
            self.pending_dash = false;
        } else {
            self.indent(indent);
        }
        key_text(key, &mut self.out);
        self.out.push(':');
    }

    fn indent(&mut self, indent: usize) {
        self.out.extend(std::iter::repeat_n(' ', indent));
    }

    fn string(&mut self, indent: usize, key: &str, value: &str) {
        self.line(indent, key);
        self.out.push(' ');
        scalar(value, indent, &mut self.out);
        self.out.push('\n');
    }

    fn opt(&mut self, indent: usize, key: &str, value: &Option<String>) {
        if let Some(v) = value {
            self.string(indent, key, v);
        }
    }

    fn boolean(&mut self, indent: usize, key: &str, value: bool) {
        self.line(indent, key);
        self.out.push_str(if value { " true\n" } else { " false\n" });
    }

    fn opt_bool(&mut self, indent: usize, key: &str, value: Option<bool>) {
        if let Some(b) = value {
            self.boolean(indent, key, b);
        }
    }

    fn date(&mut self, indent: usize, key: &str, date: chrono::NaiveDate) {
        self.line(indent, key);
        // Quoted: YAML 1.1 readers would otherwise take it for a timestamp.
        let _ = writeln!(self.out, " \"{}\"", date.format("%Y-%m-%d"));
    }

    /// A nested map; an empty one is written `{}` so that it stays present.
    fn map(&mut self, indent: usize, key: &str, body: impl FnOnce(&mut Self, usize)) {
        self.line(indent, key);
        self.out.push('\n');
        let mark = self.out.len();
        body(self, indent + 2);
        if self.out.len() == mark {
            self.out.pop();
            self.out.push_str(" {}\n");
        }
    }

    /// A list of strings, left out when empty.
    fn strings(&mut self, indent: usize, key: &str, values: &[String]) {
        self.items(indent, key, values, false, |w, i, s| w.item_string(i, s));
    }

    /// A string as a sequence item: its `- ` is pending, the value follows it.
    fn item_string(&mut self, indent: usize, value: &str) {
        self.pending_dash = false;
        // The item's parent column, for a literal block's indentation, is the dash's.
        scalar(value, indent - 2, &mut self.out);
        self.out.push('\n');
    }

    /// A list under `key`, items as `- ` at `indent + 2` and their content at `indent + 4`.
    /// Empty: left out, or written `[]` when `keep_empty`.
    fn items<T>(
        &mut self,
        indent: usize,
        key: &str,
        values: &[T],
        keep_empty: bool,
        mut item: impl FnMut(&mut Self, usize, &T),
    ) {
        if values.is_empty() {
            if keep_empty {
                self.line(indent, key);
                self.out.push_str(" []\n");
            }
            return;
        }
        self.line(indent, key);
        self.out.push('\n');
        for value in values {
            self.indent(indent + 2);
            self.out.push_str("- ");
            self.pending_dash = true;
            let mark = self.out.len();
            item(self, indent + 4, value);
            if self.out.len() == mark {
                self.pending_dash = false;
                self.out.push_str("{}\n");
            }
        }
    }
}

/// Words that some YAML reader takes for a boolean or null when written plain.
const RESERVED_WORDS: &[&str] = &["null", "true", "false", "yes", "no", "on", "off", "y", "n"];

/// YAML's printable characters (`c-printable`), less the byte order mark.
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

/// Characters a YAML 1.1 reader treats as line breaks, and the byte order mark.
fn breaks_lines(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else { return false };
    (first.is_alphabetic() || matches!(first, '/' | '_' | '('))
        && !s.ends_with([' ', ':'])
        && !s.contains(": ")
        && !s.contains(" #")
        && s.chars().all(|c| printable(c) && !breaks_lines(c) && !matches!(c, '\t' | '[' | ']' | '{' | '}'))
        && !RESERVED_WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
}

/// A literal block reads back exactly when every line is printable text without YAML 1.1 line
/// breaks or carriage returns, and no line is blank but for spaces or tabs (such a line could be
/// taken for indentation). It needs a line break to be worth it and some text to anchor it.
fn literal_ok(s: &str) -> bool {
    s.contains('\n')
        && s.chars().all(|c| c == '\n' || (printable(c) && !breaks_lines(c)))
        && s.split('\n').all(|l| l.is_empty() || !l.trim_matches([' ', '\t']).is_empty())
        && s.chars().any(|c| !matches!(c, '\n' | ' ' | '\t'))
}

fn key_text(key: &str, out: &mut String) {
    if plain_ok(key) {
        out.push_str(key);
    } else {
        double_quoted(key, out);
    }
}

/// Writes a value whose key (or sequence dash) is at column `parent`.
fn scalar(s: &str, parent: usize, out: &mut String) {
    if plain_ok(s) {
        out.push_str(s);
    } else if literal_ok(s) {
        literal(s, parent, out);
    } else {
        double_quoted(s, out);
    }
}

fn literal(s: &str, parent: usize, out: &mut String) {
    out.push('|');
    // Auto-detected indentation comes from the first line with text: if it starts with
    // whitespace, the reader would take that for indentation, so the indentation is given.
    let first_text = s.split('\n').find(|l| !l.is_empty()).unwrap_or("");
    if first_text.starts_with([' ', '\t']) {
        out.push('2');
    }
    let body = s.trim_end_matches('\n');
    match s.len() - body.len() {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    out.push('\n');
    let lines: Vec<&str> = s.split('\n').collect();
    // `split` gives one more piece than there are line breaks: the text after the last one,
    // empty when the string ends with a break, and then it is no line of its own.
    let last = if s.ends_with('\n') { lines.len() - 1 } else { lines.len() };
    for (n, line) in lines[..last].iter().enumerate() {
        if !line.is_empty() {
            out.extend(std::iter::repeat_n(' ', parent + 2));
            out.push_str(line);
        }
        if n + 1 < last {
            out.push('\n');
        }
    }
}

fn double_quoted(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if printable(c) => out.push(c),
            c if (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(s: &str) -> String {
        let mut out = String::new();
        scalar(s, 0, &mut out);
        out
    }

    #[test]
    fn quotes_what_would_read_as_something_else() {
        for s in ["", "yes", "No", "ON", "null", "~", "1.0", "2020-01-01", "-1", ".inf", " a", "a ", "a: b", "a #b"] {
            assert!(written(s).starts_with('"'), "{s:?} -> {}", written(s));
        }
        for s in ["*a", "&a", "!a", "|a", ">a", "%a", "@a", "`a", "- a", "? a", "#a", "'a", "\"a", "[a]", "{a}"] {
            assert!(written(s).starts_with('"'), "{s:?} -> {}", written(s));
        }
        for s in ["web", "https://example.org/a#b", "C#", "Città di Roma", "a:b", "(beta) x", "/path/to x"] {
            assert_eq!(written(s), s);
        }
    }

    #[test]
    fn chomping_follows_final_line_breaks() {
        assert_eq!(written("a\nb"), "|-\n  a\n  b");
        assert_eq!(written("a\nb\n"), "|\n  a\n  b");
        assert_eq!(written("a\nb\n\n"), "|+\n  a\n  b\n");
        assert_eq!(written("  a\nb\n"), "|2\n    a\n  b");
        assert_eq!(written("a\r\nb"), "\"a\\r\\nb\"");
        assert_eq!(written("a\n  \nb"), "\"a\\n  \\nb\"");
    }

    #[test]
    fn escapes_what_is_not_printable() {
        assert_eq!(written("a\u{1}\u{7f}\u{feff}\u{2028}b\t"), "\"a\\x01\\x7F\\uFEFF\\Lb\\t\"");
    }
}
