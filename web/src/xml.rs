//! Text for XML documents (the Atom feeds, the sitemap, the OpenDocument report).

/// `s` escaped for XML content and attribute values: the five specials as entities, and
/// the characters XML 1.0 has no place for (control characters but line feeds and tabs,
/// U+FFFE and U+FFFF) left out.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}
