//! Atom feeds (RFC 4287): a feed and its entries as plain values, written as XML by hand
//! (a few elements, every text escaped). `server` fills them from the audit log, the
//! harvested releases and the newest records.

use chrono::{DateTime, SecondsFormat, Utc};

/// One entry of a feed.
#[derive(Debug, Clone)]
pub struct AtomEntry {
    /// A permanent, absolute IRI: the same entry keeps it across readings.
    pub id: String,
    pub title: String,
    pub updated: DateTime<Utc>,
    /// The page the entry is about (absolute).
    pub link: String,
    /// A line or two, as plain text.
    pub summary: String,
    /// Who made it: a person's handle, a token's name, or the system.
    pub author: Option<String>,
}

/// A feed: its own address, the page it stands for, its entries newest first.
#[derive(Debug, Clone)]
pub struct AtomFeed {
    pub id: String,
    pub title: String,
    pub subtitle: Option<String>,
    /// The feed's own address (absolute).
    pub self_link: String,
    /// The page it is the feed of (absolute).
    pub alternate: String,
    /// `fr` or `en`.
    pub lang: &'static str,
    /// The site's name, the feed's author when an entry names none.
    pub author: String,
    pub entries: Vec<AtomEntry>,
    /// When nothing is in it yet: the time it was read.
    pub generated: DateTime<Utc>,
}

use crate::xml::escape as xml_escape;

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl AtomFeed {
    /// The feed's `updated`: its newest entry's, else when it was read.
    pub fn updated(&self) -> DateTime<Utc> {
        self.entries.iter().map(|e| e.updated).max().unwrap_or(self.generated)
    }

    pub fn to_xml(&self) -> String {
        let e = xml_escape;
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        x.push_str(&format!("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n", self.lang));
        x.push_str(&format!("  <id>{}</id>\n", e(&self.id)));
        x.push_str(&format!("  <title>{}</title>\n", e(&self.title)));
        if let Some(s) = &self.subtitle {
            x.push_str(&format!("  <subtitle>{}</subtitle>\n", e(s)));
        }
        x.push_str(&format!("  <updated>{}</updated>\n", time(&self.updated())));
        x.push_str(&format!("  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n", e(&self.self_link)));
        x.push_str(&format!("  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", e(&self.alternate)));
        x.push_str(&format!("  <author><name>{}</name></author>\n", e(&self.author)));
        x.push_str("  <generator>Communs</generator>\n");
        for entry in &self.entries {
            x.push_str("  <entry>\n");
            x.push_str(&format!("    <id>{}</id>\n", e(&entry.id)));
            x.push_str(&format!("    <title>{}</title>\n", e(&entry.title)));
            x.push_str(&format!("    <updated>{}</updated>\n", time(&entry.updated)));
            x.push_str(&format!("    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", e(&entry.link)));
            if let Some(a) = &entry.author {
                x.push_str(&format!("    <author><name>{}</name></author>\n", e(a)));
            }
            x.push_str(&format!("    <summary type=\"text\">{}</summary>\n", e(&entry.summary)));
            x.push_str("  </entry>\n");
        }
        x.push_str("</feed>\n");
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_escaped_and_the_newest_entry_dates_the_feed() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let entry = |id: &str, when: &str| AtomEntry {
            id: format!("https://c.example/x#{id}"),
            title: "Adoption · Saint-Jean <&> \"l'été\"\u{1}".into(),
            updated: at(when),
            link: "https://c.example/adoptions/1?a=1&b=2".into(),
            summary: "ligne".into(),
            author: None,
        };
        let feed = AtomFeed {
            id: "https://c.example/software/x/feed.atom".into(),
            title: "X".into(),
            subtitle: None,
            self_link: "https://c.example/software/x/feed.atom".into(),
            alternate: "https://c.example/software/x".into(),
            lang: "fr",
            author: "Communs".into(),
            entries: vec![entry("a", "2026-01-02T03:04:05Z"), entry("b", "2026-03-01T00:00:00Z")],
            generated: at("2026-12-01T00:00:00Z"),
        };
        let xml = feed.to_xml();
        assert!(xml.contains("<title>Adoption · Saint-Jean &lt;&amp;&gt; &quot;l&apos;été&quot;</title>"), "{xml}");
        assert!(xml.contains("href=\"https://c.example/adoptions/1?a=1&amp;b=2\""));
        assert!(xml.contains("  <updated>2026-03-01T00:00:00Z</updated>\n"));
        let empty = AtomFeed { entries: Vec::new(), ..feed };
        assert!(empty.to_xml().contains("  <updated>2026-12-01T00:00:00Z</updated>\n"));
    }
}
