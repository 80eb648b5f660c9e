//! The static files, served under names that carry a hash of their content, so that a
//! browser may keep them for a year and still gets the new file the day it changes.

use std::sync::OnceLock;

pub struct Asset {
    /// The name the sources use: `communs.css`.
    pub name: &'static str,
    /// The name it is served under: `communs.1a2b3c4d5e6f7a8b.css`.
    pub hashed: String,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

/// The files made from data at start: the map's outlines.
fn made() -> Vec<(&'static str, &'static str, &'static [u8])> {
    crate::map::Country::ALL
        .iter()
        .map(|c| {
            let outlines: &'static str = Box::leak(crate::map::outlines_svg(*c).into_boxed_str());
            (c.asset().0, "image/svg+xml", outlines.as_bytes())
        })
        .collect()
}

const FILES: &[(&str, &str, &[u8])] = &[
    ("communs.css", "text/css; charset=utf-8", include_bytes!("../assets/communs.css")),
    ("suggest.js", "text/javascript; charset=utf-8", include_bytes!("../assets/suggest.js")),
    ("favicon.svg", "image/svg+xml", include_bytes!("../assets/favicon.svg")),
];

/// FNV-1a: enough to tell versions of a file apart; not a security measure.
fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

pub fn all() -> &'static [Asset] {
    static ALL: OnceLock<Vec<Asset>> = OnceLock::new();
    ALL.get_or_init(|| {
        FILES
            .iter()
            .copied()
            .chain(made())
            .map(|(name, content_type, body)| {
                let (stem, ext) = name.rsplit_once('.').expect("asset names have an extension");
                Asset { name, hashed: format!("{stem}.{:016x}.{ext}", fingerprint(body)), content_type, body }
            })
            .collect()
    })
}

/// The served path of an asset: `/assets/communs.1a2b….css`.
pub fn href(name: &str) -> String {
    let asset = all().iter().find(|a| a.name == name).unwrap_or_else(|| panic!("no asset {name}"));
    format!("/assets/{}", asset.hashed)
}

/// The asset served under `hashed`, if any.
pub fn by_hashed_name(hashed: &str) -> Option<&'static Asset> {
    all().iter().find(|a| a.hashed == hashed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_change_with_content() {
        assert_ne!(fingerprint(b"a{}"), fingerprint(b"b{}"));
        let css = href("communs.css");
        assert!(css.starts_with("/assets/communs.") && css.ends_with(".css"), "{css}");
        assert!(by_hashed_name(css.trim_start_matches("/assets/")).is_some());
        assert!(by_hashed_name("communs.css").is_none());
    }
}
