//! A repository's README made fit for the catalog: a Markdown one rendered by the
//! `markdown` crate (HTML safe to put in the registry's pages, and its words for search and
//! summaries), any other kept as text; the words tidied and capped.

use catalog::Readme;

/// Enough for search and summaries; a longer README adds index weight, not meaning.
const TEXT_MAX_CHARS: usize = 20_000;

const MARKDOWN_EXTENSIONS: &[&str] = &[".md", ".markdown", ".mdown", ".mkd"];

/// The README at `path`, from the bytes read (`truncated` when the harvest read only the
/// start of a longer file).
pub fn render(path: &str, bytes: &[u8], truncated: bool) -> Readme {
    let decoded = String::from_utf8_lossy(bytes);
    let source = decoded.strip_prefix('\u{feff}').unwrap_or(&decoded);
    let (format, html, text) = if is_markdown(path) {
        ("markdown", Some(markdown::to_html(source)), markdown::to_text(source))
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
