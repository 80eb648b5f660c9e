//! Files a publiccode.yml points to: the logo, screenshots, the authors file. Their paths are
//! checked always; the files themselves only when the caller gives access to them.

use url::Url;

use super::{at, Checker};
use crate::yaml::Node;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageUse {
    Logo,
    Screenshot,
}

/// Enough of a file to recognise its format.
const HEAD_BYTES: usize = 512;

/// Where a path given in the file leads, or why it may not be used.
enum Target {
    Remote(Url),
    Relative(String),
}

fn target(c: &mut Checker<'_>, value: &str, node: &Node, path: &str) -> Option<Target> {
    if value.to_ascii_lowercase().starts_with("file:") {
        c.error(path, "is a file:// URL. Only relative paths or HTTP(s) URLs allowed", at(node));
        return None;
    }
    if value.starts_with('/') || value.starts_with('\\') {
        c.error(path, "is an absolute path. Only relative paths or HTTP(s) URLs allowed", at(node));
        return None;
    }
    if let Ok(u) = Url::parse(value) {
        if matches!(u.scheme(), "http" | "https") {
            return Some(Target::Remote(u));
        }
        let message = format!("is a {}: URL. Only relative paths or HTTP(s) URLs allowed", u.scheme());
        c.error(path, message, at(node));
        return None;
    }
    // The file must be inside the repository: a path may not climb above its root.
    let mut parts: Vec<&str> = Vec::new();
    for part in value.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    c.error(path, format!("'{value}' points outside the repository"), at(node));
                    return None;
                }
            }
            p => parts.push(p),
        }
    }
    Some(Target::Relative(parts.join("/")))
}

fn extension(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default()
}

fn looks_like(ext: &str, head: &[u8]) -> bool {
    match ext {
        "png" => head.starts_with(b"\x89PNG\r\n\x1a\n"),
        "jpg" | "jpeg" => head.starts_with(&[0xff, 0xd8, 0xff]),
        "gif" => head.starts_with(b"GIF8"),
        "webp" => head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP",
        "svgz" => head.starts_with(&[0x1f, 0x8b]),
        "svg" => {
            let text = head.strip_prefix("\u{feff}".as_bytes()).unwrap_or(head);
            text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
        }
        _ => false,
    }
}

pub(crate) fn image(c: &mut Checker<'_>, value: &str, node: &Node, path: &str, usage: ImageUse) {
    let Some(target) = target(c, value, node, path) else { return };
    let allowed: &[&str] = match usage {
        ImageUse::Logo => &["svg", "svgz", "png"],
        ImageUse::Screenshot => &["png", "jpg", "jpeg", "gif", "webp", "svg", "svgz"],
    };
    let (ext, relative) = match &target {
        Target::Remote(u) => (extension(u.path()), None),
        Target::Relative(r) => (extension(r), Some(r.as_str())),
    };
    if !allowed.contains(&ext.as_str()) {
        let message = match usage {
            ImageUse::Logo => format!("invalid file extension for: {value} (a logo is SVG, SVGZ or PNG)"),
            ImageUse::Screenshot => format!("'{value}' is not an image: unsupported file extension"),
        };
        c.error(path, message, at(node));
        return;
    }
    let Some(relative) = relative else {
        c.skip(path, format!("not checked that {value} can be fetched and is an image: needs the network"), at(node));
        return;
    };
    let Some(files) = c.files else {
        c.skip(
            path,
            format!("not checked that {value} exists and is an image: needs the repository's files"),
            at(node),
        );
        return;
    };
    match files.head(relative, HEAD_BYTES) {
        None => {
            let message = match usage {
                ImageUse::Logo => format!("no such file: {value}"),
                ImageUse::Screenshot => format!("'{value}' is not an image: no such file"),
            };
            c.error(path, message, at(node));
        }
        Some(head) if !looks_like(&ext, &head) => {
            c.error(path, format!("'{value}' is not a {} image: unknown format", ext.to_ascii_uppercase()), at(node));
        }
        Some(_) => {}
    }
}

/// A file that must exist in the repository (the authors file).
pub(crate) fn file(c: &mut Checker<'_>, value: &str, node: &Node, path: &str) {
    let Some(target) = target(c, value, node, path) else { return };
    let Target::Relative(relative) = target else {
        c.skip(path, format!("not checked that {value} exists: needs the network"), at(node));
        return;
    };
    let Some(files) = c.files else {
        c.skip(path, format!("not checked that {value} exists: needs the repository's files"), at(node));
        return;
    };
    if files.head(&relative, 0).is_none() {
        c.error(path, format!("'{value}' does not exist"), at(node));
    }
}
