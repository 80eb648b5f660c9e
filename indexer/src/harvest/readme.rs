//! A repository's README made fit for the catalog: Markdown rendered to HTML that is safe
//! to put in the registry's pages, and the README's words without markup for search and
//! summaries. The README is written by whoever controls the repository, so its HTML is
//! treated as hostile: after rendering, everything that could run script, restyle the page,
//! embed other sites or point at a dangerous URL scheme is removed, while the structure a
//! reader needs (headings, lists, code, tables, images, links) is kept.

use std::borrow::Cow;
use std::collections::HashSet;

use ammonia::{Builder, UrlRelative};
use catalog::Readme;
use pulldown_cmark::{Event, Options, Parser, TagEnd};

/// Enough for search and summaries; a longer README adds index weight, not meaning.
const TEXT_MAX_CHARS: usize = 20_000;

const MARKDOWN_EXTENSIONS: &[&str] = &[".md", ".markdown", ".mdown", ".mkd"];

/// Markdown footnote anchors are ids and `#` links; ids are prefixed so that a README cannot
/// clobber the ids of the page around it, and the links are prefixed to match.
const ID_PREFIX: &str = "user-content-";

/// The README at `path`, from the bytes read (`truncated` when the harvest read only the
/// start of a longer file).
pub fn render(path: &str, bytes: &[u8], truncated: bool) -> Readme {
    let decoded = String::from_utf8_lossy(bytes);
    let source = decoded.strip_prefix('\u{feff}').unwrap_or(&decoded);
    let (format, html, text) = if is_markdown(path) {
        ("markdown", Some(markdown_html(source)), markdown_text(source))
    } else {
        ("text", None, source.to_owned())
    };
    Readme {
        path: path.to_owned(),
        format: format.to_owned(),
        html,
        text: cap(&tidy(&text), TEXT_MAX_CHARS),
        truncated,
    }
}

fn is_markdown(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path).to_ascii_lowercase();
    MARKDOWN_EXTENSIONS.iter().any(|ext| name.len() > ext.len() && name.ends_with(ext))
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS | Options::ENABLE_FOOTNOTES
}

/// Markdown written by anyone (a README, a description, a roadmap item), as HTML safe to put
/// in a page.
pub fn markdown_html(source: &str) -> String {
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

/// The words of a Markdown README: text and code, one block per line. Raw HTML is markup and
/// is left out.
fn markdown_text(source: &str) -> String {
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

/// Lines without trailing blanks, at most one empty line in a row, none at the ends: what
/// is left of a README once its markup is gone is mostly such gaps.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(line);
    }
    out
}

fn cap(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(markdown: &str) -> String {
        render("README.md", markdown.as_bytes(), false).html.unwrap()
    }

    #[test]
    fn markdown_formats_by_extension() {
        for path in ["README.md", "docs/README.MD", "Readme.markdown", "README.mdown", "readme.mkd"] {
            let readme = render(path, b"# Title", false);
            assert_eq!(readme.format, "markdown", "{path}");
            assert!(readme.html.is_some());
        }
        for path in ["README", "README.txt", "README.rst", "README.adoc", "md", "README.md.txt"] {
            let readme = render(path, b"Title\n=====\n\n*words*", true);
            assert_eq!(readme.format, "text", "{path}");
            assert_eq!(readme.html, None);
            assert!(readme.truncated);
        }
    }

    #[test]
    fn rst_is_kept_as_text() {
        let readme = render("README.rst", b"Project\n=======\n\n\n\n\nSee `docs <https://example.org>`_.\n", false);
        assert_eq!(readme.text, "Project\n=======\n\nSee `docs <https://example.org>`_.");
        assert_eq!(readme.path, "README.rst");
    }

    #[test]
    fn headings_links_code_tables_render() {
        let out = html(
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
        let out = html(
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
        let out = html("![logo](docs/logo.png)\n\n![badge](https://img.example/badge.svg)\n");
        assert!(out.contains(r#"<img src="docs/logo.png" alt="logo">"#), "{out}");
        assert!(out.contains(r#"src="https://img.example/badge.svg""#), "{out}");
    }

    #[test]
    fn mailto_is_allowed() {
        assert!(html("[mail](mailto:contact@example.org)").contains(r#"href="mailto:contact@example.org""#));
    }

    #[test]
    fn footnote_links_reach_their_prefixed_ids() {
        let out = html("Claim.[^1]\n\n[^1]: Source.\n");
        assert!(out.contains(r##"href="#user-content-1""##), "{out}");
        assert!(out.contains(r#"id="user-content-1""#), "{out}");
    }

    #[test]
    fn invalid_utf8_does_not_panic() {
        let readme = render("README.md", b"# Caf\xe9\n\n\xff\xfe bytes", false);
        assert!(readme.html.unwrap().contains("Caf\u{fffd}"));
        assert!(readme.text.starts_with("Caf\u{fffd}"));
        let readme = render("README", b"\xc3", false);
        assert_eq!(readme.text, "\u{fffd}");
    }

    #[test]
    fn bom_is_stripped() {
        let readme = render("README.md", "\u{feff}# Titre".as_bytes(), false);
        assert_eq!(readme.html.as_deref(), Some("<h1>Titre</h1>\n"));
        assert_eq!(readme.text, "Titre");
        let readme = render("README.txt", "\u{feff}Bonjour".as_bytes(), false);
        assert_eq!(readme.text, "Bonjour");
    }

    #[test]
    fn text_has_no_markup() {
        let readme = render(
            "README.md",
            b"# Communs\n\nA **registry** of `public` [software](https://example.org).\n\n\n\n\
              <div align=\"center\">\n\n- one\n- two\n\n```\nmake run\n```\n\n<b>raw</b>\n",
            false,
        );
        assert_eq!(readme.text, "Communs\nA registry of public software.\none\ntwo\nmake run\nraw");
        for markup in ["#", "**", "`", "](", "<", ">"] {
            assert!(!readme.text.contains(markup), "{markup} in {:?}", readme.text);
        }
    }

    #[test]
    fn text_is_capped_on_a_char_boundary() {
        let long = "é".repeat(TEXT_MAX_CHARS + 10);
        let readme = render("README.txt", long.as_bytes(), false);
        assert_eq!(readme.text.chars().count(), TEXT_MAX_CHARS);
        let readme = render("README.md", long.as_bytes(), false);
        assert_eq!(readme.text.chars().count(), TEXT_MAX_CHARS);
    }

    #[test]
    fn empty_readme() {
        let readme = render("README.md", b"", false);
        assert_eq!(readme.text, "");
        assert_eq!(readme.html.as_deref(), Some(""));
    }
}
