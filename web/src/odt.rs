//! The "before you tender" report as an OpenDocument text (what LibreOffice and the
//! councils' office suites open and edit): a zip with `mimetype` first and stored, then
//! `content.xml`, `styles.xml`, `meta.xml` and `META-INF/manifest.xml`. The tables are real
//! tables, so that a secretary can rework them.

use crate::i18n::T;
use crate::tender::{TenderCandidate, TenderReport};

const MIMETYPE: &str = "application/vnd.oasis.opendocument.text";

use crate::xml::escape as xml;

/// The document's body, written element by element.
#[derive(Default)]
struct Body(String);

impl Body {
    fn heading(&mut self, level: u8, text: &str) {
        self.0.push_str(&format!(
            "<text:h text:style-name=\"H{level}\" text:outline-level=\"{level}\">{}</text:h>",
            xml(text)
        ));
    }

    fn paragraph(&mut self, text: &str) {
        self.0.push_str(&format!("<text:p text:style-name=\"Body\">{}</text:p>", xml(text)));
    }

    fn small(&mut self, text: &str) {
        self.0.push_str(&format!("<text:p text:style-name=\"Small\">{}</text:p>", xml(text)));
    }

    fn page_break(&mut self) {
        self.0.push_str("<text:p text:style-name=\"Break\"/>");
    }

    fn list(&mut self, items: &[String]) {
        if items.is_empty() {
            return;
        }
        self.0.push_str("<text:list>");
        for i in items {
            self.0.push_str(&format!(
                "<text:list-item><text:p text:style-name=\"Body\">{}</text:p></text:list-item>",
                xml(i)
            ));
        }
        self.0.push_str("</text:list>");
    }

    /// A table with a header row; every row as many cells as the header.
    fn table(&mut self, name: &str, header: &[String], rows: &[Vec<String>]) {
        self.0.push_str(&format!(
            "<table:table table:name=\"{}\" table:style-name=\"Table\"><table:table-column table:number-columns-repeated=\"{}\"/>",
            xml(name),
            header.len()
        ));
        self.0.push_str("<table:table-header-rows><table:table-row>");
        for h in header {
            self.0.push_str(&format!(
                "<table:table-cell office:value-type=\"string\"><text:p text:style-name=\"Head\">{}</text:p></table:table-cell>",
                xml(h)
            ));
        }
        self.0.push_str("</table:table-row></table:table-header-rows>");
        for row in rows {
            self.0.push_str("<table:table-row>");
            for cell in row {
                self.0.push_str(&format!(
                    "<table:table-cell office:value-type=\"string\"><text:p text:style-name=\"Body\">{}</text:p></table:table-cell>",
                    xml(cell)
                ));
            }
            self.0.push_str("</table:table-row>");
        }
        self.0.push_str("</table:table>");
    }
}

fn candidate(b: &mut Body, t: &T, r: &TenderReport, c: &TenderCandidate) {
    b.page_break();
    b.heading(2, &format!("{}. {}", c.rank, c.name));
    if let Some(s) = &c.summary {
        b.paragraph(s);
    }
    let mut facts = vec![c.licence.clone(), t.word("maturity", &c.maturity)];
    if let Some(h) = &c.health {
        facts.push(format!("{} {}/100", t.s("software.health_figure"), h.score));
    }
    facts.push(t.fill("tender.score", &format!("{:.0}", c.score)));
    b.small(&facts.join(" · "));
    if c.demo {
        b.small(t.s("tender.demo"));
    }
    b.heading(3, t.s("tender.why"));
    b.list(&c.reasons);
    b.heading(3, t.s("tender.who_uses"));
    b.paragraph(&t.fill("tender.adopters_in_all", &t.num(c.adopters_total)));
    if let Some(o) = &r.organisation {
        let mut rows: Vec<Vec<String>> =
            (0..5).map(|level| vec![t.s(&format!("tender.near_{level}")).to_owned(), t.num(c.near(level))]).collect();
        if o.population.is_some() {
            rows.push(vec![t.s("tender.similar_size").to_owned(), t.num(c.similar_size)]);
        }
        b.table(
            &format!("{}-nearby", c.slug),
            &[t.s("tender.where").to_owned(), t.s("table.adopters").to_owned()],
            &rows,
        );
    }
    if !c.nearest.is_empty() {
        b.paragraph(if r.organisation.is_some() { t.s("tender.nearest") } else { t.s("tender.latest") });
        let rows: Vec<Vec<String>> = c
            .nearest
            .iter()
            .map(|a| {
                let mut who = format!("{} ({})", a.org.name, t.word("kind", &a.org.kind));
                if a.demo {
                    who.push_str(&format!(" [{}]", t.s("demo.short")));
                }
                vec![
                    who,
                    a.proximity.map(|n| t.s(&format!("tender.near_{n}")).to_owned()).unwrap_or_default(),
                    t.date(a.since),
                    t.word("adoption", &a.status),
                ]
            })
            .collect();
        let header = [t.s("table.organisation"), t.s("tender.where"), t.s("table.since"), t.s("table.status")];
        b.table(&format!("{}-adopters", c.slug), &header.map(str::to_owned), &rows);
    }
    b.heading(3, t.s("tender.money"));
    if c.funded_by_year.is_empty() {
        b.paragraph(t.s("tender.no_money"));
    } else {
        let show = |amounts: &[crate::pages::Amount]| amounts.iter().map(|a| a.show(t)).collect::<Vec<_>>().join(" + ");
        let rows: Vec<Vec<String>> = c.funded_by_year.iter().map(|(y, a)| vec![y.to_string(), show(a)]).collect();
        b.table(&format!("{}-years", c.slug), &[t.s("table.year").to_owned(), t.s("table.amount").to_owned()], &rows);
        let rows: Vec<Vec<String>> =
            c.funded_by_funder_kind.iter().map(|(k, a)| vec![t.word("kind", k), show(a)]).collect();
        b.table(
            &format!("{}-funders", c.slug),
            &[t.s("table.funder").to_owned(), t.s("table.amount").to_owned()],
            &rows,
        );
    }
    if !c.roadmap.is_empty() {
        b.heading(3, t.s("tender.roadmap"));
        let items: Vec<String> = c
            .roadmap
            .iter()
            .map(|i| {
                let mut line = format!("{} · {}", i.title, t.word("roadmap", &i.status));
                if let Some(cost) = &i.cost {
                    let funded: Vec<String> = i.funded.iter().map(|a| a.show(t)).collect();
                    line.push_str(&format!(" · {} {} / {}", t.s("tender.funded"), funded.join(" + "), cost.show(t)));
                }
                line
            })
            .collect();
        b.list(&items);
    }
    b.heading(3, t.s("offers.title"));
    if c.offers.is_empty() {
        b.paragraph(t.s("tender.no_offer"));
    } else {
        let population = r.organisation.as_ref().and_then(|o| o.population);
        let rows: Vec<Vec<String>> = c
            .offers
            .iter()
            .map(|o| {
                let mut who = o.provider.name.clone();
                if o.membership_required {
                    who.push_str(&format!(" ({})", t.s("offers.members_only")));
                }
                if o.demo {
                    who.push_str(&format!(" [{}]", t.s("demo.short")));
                }
                vec![
                    who,
                    t.word("offer_kind", &o.kind),
                    format!("{} ({})", o.price_model, t.fill("offers.checked", &t.date(o.checked_on))),
                    c.price_for(o, &population).map(|a| a.show(t)).unwrap_or_else(|| "–".into()),
                ]
            })
            .collect();
        let header = [t.s("tender.provider"), t.s("table.kind"), t.s("offers.price_model"), t.s("tender.your_price")];
        b.table(&format!("{}-offers", c.slug), &header.map(str::to_owned), &rows);
    }
}

/// The report's `content.xml`.
pub fn content(r: &TenderReport, t: &T) -> String {
    let mut b = Body::default();
    b.heading(1, &format!("{} · {}", t.s("tender.title"), t.fill("tender.for_need", &r.asked)));
    if let Some(o) = &r.organisation {
        let mut line = t.fill_place("tender.organisation", &o.org.name, o.liaison);
        if let Some(p) = o.population {
            line.push_str(&format!(" ({})", t.count("count.inhabitants", p)));
        }
        if !o.places.is_empty() {
            let places: Vec<String> = o.places.iter().map(|p| p.name.clone()).collect();
            line.push_str(&format!(" · {}", places.join(", ")));
        }
        b.paragraph(&line);
    }
    b.small(&t.fill("tender.generated", &t.date(r.generated_on)));
    if r.demo {
        b.small(t.s("tender.demo"));
    }
    if r.candidates.is_empty() {
        b.paragraph(t.s("tender.no_candidate"));
    }
    let ranking: Vec<String> = r
        .candidates
        .iter()
        .map(|c| format!("{}. {} · {}", c.rank, c.name, t.fill("tender.score", &format!("{:.0}", c.score))))
        .collect();
    b.list(&ranking);
    for c in &r.candidates {
        candidate(&mut b, t, r, c);
    }
    b.page_break();
    b.heading(2, t.s("tender.ask_title"));
    b.heading(3, t.s("tender.ask_adopters"));
    b.list(&(1..=4).map(|i| t.s(&format!("tender.ask_adopters_{i}")).to_owned()).collect::<Vec<_>>());
    b.heading(3, t.s("tender.ask_providers"));
    b.list(&(1..=3).map(|i| t.s(&format!("tender.ask_providers_{i}")).to_owned()).collect::<Vec<_>>());
    b.heading(3, t.s("tender.sources"));
    b.paragraph(&t.fill("tender.sources_text", &t.date(r.generated_on)));
    b.small(&t.fill("tender.live", &r.address));
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
         xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" \
         xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\" office:version=\"1.3\">\
         <office:automatic-styles>\
         <style:style style:name=\"Table\" style:family=\"table\"><style:table-properties style:width=\"17cm\" table:align=\"margins\" fo:margin-top=\"0.2cm\" fo:margin-bottom=\"0.3cm\"/></style:style>\
         <style:style style:name=\"Break\" style:family=\"paragraph\"><style:paragraph-properties fo:break-before=\"page\"/></style:style>\
         </office:automatic-styles>\
         <office:body><office:text>{}</office:text></office:body></office:document-content>",
        b.0
    )
}

const STYLES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<office:document-styles xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" \
xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\" \
xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.3\">\
<office:styles>\
<style:default-style style:family=\"paragraph\"><style:text-properties style:font-name=\"Liberation Sans\" fo:font-family=\"'Liberation Sans', Arial, sans-serif\" fo:font-size=\"10.5pt\" fo:language=\"fr\" fo:country=\"FR\"/></style:default-style>\
<style:style style:name=\"Body\" style:family=\"paragraph\"><style:paragraph-properties fo:margin-top=\"0.1cm\" fo:margin-bottom=\"0.15cm\"/></style:style>\
<style:style style:name=\"Small\" style:family=\"paragraph\" style:parent-style-name=\"Body\"><style:text-properties fo:font-size=\"9pt\" fo:color=\"#555555\"/></style:style>\
<style:style style:name=\"Head\" style:family=\"paragraph\" style:parent-style-name=\"Body\"><style:text-properties fo:font-weight=\"bold\"/></style:style>\
<style:style style:name=\"H1\" style:family=\"paragraph\" style:default-outline-level=\"1\"><style:paragraph-properties fo:margin-bottom=\"0.3cm\"/><style:text-properties fo:font-size=\"18pt\" fo:font-weight=\"bold\"/></style:style>\
<style:style style:name=\"H2\" style:family=\"paragraph\" style:default-outline-level=\"2\"><style:paragraph-properties fo:margin-top=\"0.4cm\" fo:margin-bottom=\"0.2cm\"/><style:text-properties fo:font-size=\"15pt\" fo:font-weight=\"bold\"/></style:style>\
<style:style style:name=\"H3\" style:family=\"paragraph\" style:default-outline-level=\"3\"><style:paragraph-properties fo:margin-top=\"0.3cm\" fo:margin-bottom=\"0.1cm\"/><style:text-properties fo:font-size=\"12pt\" fo:font-weight=\"bold\"/></style:style>\
</office:styles>\
<office:automatic-styles><style:page-layout style:name=\"A4\"><style:page-layout-properties fo:page-width=\"21cm\" fo:page-height=\"29.7cm\" fo:margin-top=\"2cm\" fo:margin-bottom=\"2cm\" fo:margin-left=\"2cm\" fo:margin-right=\"2cm\"/></style:page-layout></office:automatic-styles>\
<office:master-styles><style:master-page style:name=\"Standard\" style:page-layout-name=\"A4\"/></office:master-styles>\
</office:document-styles>";

const MANIFEST: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\">\
<manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.text\" manifest:version=\"1.3\"/>\
<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
<manifest:file-entry manifest:full-path=\"styles.xml\" manifest:media-type=\"text/xml\"/>\
<manifest:file-entry manifest:full-path=\"meta.xml\" manifest:media-type=\"text/xml\"/>\
</manifest:manifest>";

fn meta(r: &TenderReport, t: &T) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <office:document-meta xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" office:version=\"1.3\"><office:meta>\
         <meta:generator>Communs</meta:generator><dc:title>{}</dc:title><dc:language>{}</dc:language>\
         <meta:creation-date>{}T00:00:00</meta:creation-date></office:meta></office:document-meta>",
        xml(&format!("{} · {}", t.s("tender.title"), r.asked)),
        t.code(),
        r.generated_on
    )
}

/// The whole file.
pub fn tender(r: &TenderReport, t: &T) -> Vec<u8> {
    let mut zip = StoredZip::default();
    // ODF wants the media type first and uncompressed, so that a reader sniffs it at a
    // fixed offset; every entry here is stored as it is (the report is small).
    zip.add("mimetype", MIMETYPE.as_bytes());
    zip.add("content.xml", content(r, t).as_bytes());
    zip.add("styles.xml", STYLES.as_bytes());
    zip.add("meta.xml", meta(r, t).as_bytes());
    zip.add("META-INF/manifest.xml", MANIFEST.as_bytes());
    zip.finish()
}

/// A zip archive of stored (uncompressed) entries: local headers and data, then the
/// central directory and its end record (PKWARE's APPNOTE, version 2.0 features only).
#[derive(Default)]
struct StoredZip {
    out: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

impl StoredZip {
    fn add(&mut self, name: &str, data: &[u8]) {
        let offset = self.out.len() as u32;
        let crc = crc32(data);
        let size = data.len() as u32;
        let name_len = name.len() as u16;
        // 1980-01-01 00:00, the format's epoch: the file does not depend on the clock.
        let (time, date) = (0u16, 0x21u16);
        let mut local = Vec::with_capacity(30 + name.len());
        local.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        local.extend_from_slice(&20u16.to_le_bytes()); // version needed
        local.extend_from_slice(&0u16.to_le_bytes()); // flags
        local.extend_from_slice(&0u16.to_le_bytes()); // stored
        local.extend_from_slice(&time.to_le_bytes());
        local.extend_from_slice(&date.to_le_bytes());
        local.extend_from_slice(&crc.to_le_bytes());
        local.extend_from_slice(&size.to_le_bytes());
        local.extend_from_slice(&size.to_le_bytes());
        local.extend_from_slice(&name_len.to_le_bytes());
        local.extend_from_slice(&0u16.to_le_bytes()); // extra
        local.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(&local);
        self.out.extend_from_slice(data);
        let c = &mut self.central;
        c.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        c.extend_from_slice(&20u16.to_le_bytes()); // made by
        c.extend_from_slice(&20u16.to_le_bytes()); // needed
        c.extend_from_slice(&0u16.to_le_bytes());
        c.extend_from_slice(&0u16.to_le_bytes());
        c.extend_from_slice(&time.to_le_bytes());
        c.extend_from_slice(&date.to_le_bytes());
        c.extend_from_slice(&crc.to_le_bytes());
        c.extend_from_slice(&size.to_le_bytes());
        c.extend_from_slice(&size.to_le_bytes());
        c.extend_from_slice(&name_len.to_le_bytes());
        c.extend_from_slice(&0u16.to_le_bytes()); // extra
        c.extend_from_slice(&0u16.to_le_bytes()); // comment
        c.extend_from_slice(&0u16.to_le_bytes()); // disk
        c.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        c.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        c.extend_from_slice(&offset.to_le_bytes());
        c.extend_from_slice(name.as_bytes());
        self.entries += 1;
    }

    fn finish(mut self) -> Vec<u8> {
        let start = self.out.len() as u32;
        let size = self.central.len() as u32;
        self.out.extend_from_slice(&self.central);
        self.out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes());
        self.out.extend_from_slice(&self.entries.to_le_bytes());
        self.out.extend_from_slice(&self.entries.to_le_bytes());
        self.out.extend_from_slice(&size.to_le_bytes());
        self.out.extend_from_slice(&start.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes());
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_is_the_zip_one() {
        // The check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(xml("<b>&\"'\u{1}"), "&lt;b&gt;&amp;&quot;&apos;");
    }
}
