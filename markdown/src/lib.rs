//! Markdown written by anyone (a README, a software's description, a roadmap item), made fit
//! for the registry: HTML safe to put in its pages, or the words without markup for search
//! and summaries. Its author may be hostile, so after rendering, everything that could run
//! script, restyle the page, embed other sites or point at a dangerous URL scheme is
//! removed, while the structure a reader needs (headings, lists, code, tables, images,
//! links) is kept. The harvest (READMEs) and the pages (descriptions, roadmap items) both
//! use it, neither reaching into the other.

use std::borrow::Cow;
use std::collections::HashSet;

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{Event, Options, Parser, TagEnd};

/// Markdown footnote anchors are ids and `#` links; ids are prefixed so that a text cannot
/// clobber the ids of the page around it, and the links are prefixed to match.
const ID_PREFIX: &str = "user-content-";

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS | Options::ENABLE_FOOTNOTES
}

/// Markdown written by anyone (a README, a description, a roadmap item), as HTML safe to put
/// in a page.
pub fn to_html(source: &str) -> String {
    // Task list checkboxes are rendered as `<input>` elements, which the sanitiser rightly
    // drops; ballot-box characters keep the ticks visible without allowing form controls.
    let events = Parser::new_ext(source, options()).map(|event| match event {
        Event::TaskListMarker(true) => Event::Text("☑ ".into()),
        Event::TaskListMarker(false) => Event::Text("☐ ".into()),
        other => other,
    });
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    sanitiser().clean(&html).to_string()
}

fn sanitiser() -> Builder<'static> {
    let mut builder = Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        // Relative links and images point into the repository and are the common case.
        .url_relative(UrlRelative::PassThrough)
        // `nofollow` because the links are the README author's, not the registry's.
        .link_rel(Some("noopener noreferrer nofollow"))
        .add_tag_attributes("div", ["id"])
        .id_prefix(Some(ID_PREFIX))
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("a", "href") if value.starts_with('#') && !value[1..].starts_with(ID_PREFIX) => {
                Some(Cow::Owned(format!("#{ID_PREFIX}{}", &value[1..])))
            }
            _ => Some(Cow::Borrowed(value)),
        });
    builder
}

/// The words of a Markdown text: text and code, one block per line. Raw HTML is markup and
/// is left out.
pub fn to_text(source: &str) -> String {
    let mut text = String::with_capacity(source.len());
    for event in Parser::new_ext(source, options()) {
        match event {
            Event::Text(words) | Event::Code(words) => text.push_str(&words),
            Event::SoftBreak => text.push(' '),
            Event::HardBreak | Event::Rule => end_line(&mut text),
            Event::End(TagEnd::TableCell) => text.push('\t'),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::CodeBlock
                | TagEnd::Item
                | TagEnd::BlockQuote(_)
                | TagEnd::TableHead
                | TagEnd::TableRow
                | TagEnd::FootnoteDefinition
                | TagEnd::List(_),
            ) => end_line(&mut text),
            _ => {}
        }
    }
    text
}

/// Nested blocks end together (a paragraph in an item in a list); one line break is enough.
fn end_line(text: &mut String) {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_links_code_tables_render() {
        let out = to_html(
            "# Communs\n\nSee [the guide](https://example.org/guide) or [docs](docs/index.md).\n\n```rust\nfn \
             main() {}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n~~old~~\n",
        );
        assert!(out.contains("<h1>Communs</h1>"), "{out}");
        assert!(out.contains(r#"<a href="https://example.org/guide" rel="noopener noreferrer nofollow">"#), "{out}");
        assert!(out.contains(r#"href="docs/index.md""#), "{out}");
        assert!(out.contains("<pre><code>fn main() {}"), "{out}");
        assert!(out.contains("<table>") && out.contains("<td>1</td>"), "{out}");
        assert!(out.contains("☑ done") && out.contains("☐ todo"), "{out}");
        assert!(out.contains("<del>old</del>"), "{out}");
        assert!(!out.contains("<input"), "{out}");
    }

    #[test]
    fn dangerous_markup_is_removed() {
        let out = to_html(
            "Hello <script>alert(1)</script>\n\n<a href=\"x\" onclick=\"steal()\">click</a>\n\n\
             [bad](javascript:alert(1)) [data](data:text/html,hi)\n\n\
             <iframe src=\"https://evil.example\"></iframe>\n\n<style>body{display:none}</style>\n\n\
             <p style=\"color:red\">red</p>\n",
        );
        for forbidden in
            ["<script", "alert(1)", "onclick", "steal", "javascript:", "data:", "<iframe", "<style", "style="]
        {
            assert!(!out.contains(forbidden), "{forbidden} in {out}");
        }
        assert!(out.contains("click") && out.contains("bad") && out.contains("red"), "{out}");
    }

    #[test]
    fn images_are_kept_relative_or_absolute() {
        let out = to_html("![logo](docs/logo.png)\n\n![badge](https://img.example/badge.svg)\n");
        assert!(out.contains(r#"<img src="docs/logo.png" alt="logo">"#), "{out}");
        assert!(out.contains(r#"src="https://img.example/badge.svg""#), "{out}");
    }

    #[test]
    fn mailto_is_allowed() {
        assert!(to_html("[mail](mailto:contact@example.org)").contains(r#"href="mailto:contact@example.org""#));
    }

    #[test]
    fn footnote_links_reach_their_prefixed_ids() {
        let out = to_html("Claim.[^1]\n\n[^1]: Source.\n");
        assert!(out.contains(r##"href="#user-content-1""##), "{out}");
        assert!(out.contains(r#"id="user-content-1""#), "{out}");
    }

    #[test]
    fn text_is_the_words() {
        let text = to_text("A **registry** of `public` [software](https://example.org).\n\n<b>raw</b>\n");
        assert_eq!(text, "A registry of public software.\nraw\n");
    }
}
