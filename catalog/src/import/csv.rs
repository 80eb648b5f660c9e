//! CSV files of adoptions, fundings and service offers. The first row names the columns (in any order);
//! a UTF-8 byte-order mark, Windows line endings and `;` separators (as spreadsheets
//! write them in French) are understood. A file with any bad row yields every bad row and
//! no records.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::LineProblem;
use crate::error::Error;
use crate::model::{AdoptionDraft, FundingDraft, NewAdoption, NewFunding};
use crate::offer::{NewOffer, OfferDraft};
use crate::store::ImportProblem;

pub const ADOPTION_COLUMNS: &[&str] = &["software", "organisation", "since", "status", "scope", "evidence_url"];
pub const ADOPTION_OPTIONAL: &[&str] = &["state", "last_confirmed", "demo"];
pub const FUNDING_COLUMNS: &[&str] =
    &["funder", "software", "roadmap_item", "amount", "currency", "date", "kind", "status", "evidence_url"];
pub const FUNDING_OPTIONAL: &[&str] = &["demo"];
pub const OFFER_COLUMNS: &[&str] = &[
    "provider",
    "software",
    "kind",
    "territories",
    "subscribers",
    "membership_required",
    "price_model",
    "yearly_prices",
    "currency",
    "url",
    "checked_on",
];
pub const OFFER_OPTIONAL: &[&str] = &["demo"];

/// Rows parsed from a file, each with the line it came from, so that problems found
/// later (an unknown organisation) can still point at the line and column.
#[derive(Debug)]
pub struct Parsed<T> {
    pub records: Vec<T>,
    pub lines: Vec<u64>,
    pub columns: HashMap<String, usize>,
}

impl<T> Parsed<T> {
    /// Places the Store's problems (row index and field) in the file.
    pub fn locate(&self, problems: &[ImportProblem]) -> Vec<LineProblem> {
        problems
            .iter()
            .map(|p| LineProblem {
                line: self.lines[p.index],
                column: self.columns.get(&p.field).copied().unwrap_or(0),
                message: p.message.clone(),
            })
            .collect()
    }
}

struct Table {
    columns: HashMap<String, usize>,
    rows: Vec<(u64, Vec<String>)>,
}

fn read_table(bytes: &[u8], required: &[&str], optional: &[&str]) -> Result<Table, Vec<LineProblem>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let whole = |message: String| vec![LineProblem { line: 1, column: 0, message }];
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    if first_line.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(whole(format!("the file is empty; the first row must name the columns: {}", required.join(","))));
    }
    let delimiter = if !first_line.contains(&b',') && first_line.contains(&b';') { b';' } else { b',' };
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(bytes);
    let header = reader.headers().map_err(|e| whole(format!("cannot read the header: {e}")))?.clone();
    let mut columns = HashMap::new();
    let mut problems = Vec::new();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().to_ascii_lowercase();
        if !required.contains(&name.as_str()) && !optional.contains(&name.as_str()) {
            problems.push(LineProblem {
                line: 1,
                column: i + 1,
                message: format!("unknown column {name:?}; the columns are: {}", required.join(",")),
            });
        } else if columns.insert(name.clone(), i).is_some() {
            problems.push(LineProblem { line: 1, column: i + 1, message: format!("column {name:?} appears twice") });
        }
    }
    let missing: Vec<_> = required.iter().filter(|c| !columns.contains_key(**c)).copied().collect();
    if !missing.is_empty() {
        problems.push(LineProblem {
            line: 1,
            column: 0,
            message: format!("missing column(s) {}; the first row must be: {}", missing.join(", "), required.join(",")),
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // The reader's own line count skips blank lines, and a record's offset may point at the
    // line ends before it; skipping those and counting newlines gives the line an editor
    // shows.
    let line_at = |byte: u64| {
        let mut at = (byte as usize).min(bytes.len());
        while at < bytes.len() && (bytes[at] == b'\r' || bytes[at] == b'\n') {
            at += 1;
        }
        1 + bytes[..at].iter().filter(|b| **b == b'\n').count() as u64
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Err(e) => {
                let line = e.position().map(|p| line_at(p.byte())).unwrap_or(0);
                problems.push(LineProblem { line, column: 0, message: format!("unreadable row: {e}") });
            }
            Ok(r) => {
                let line = r.position().map(|p| line_at(p.byte())).unwrap_or(0);
                if r.iter().all(|f| f.is_empty()) {
                    continue;
                }
                if r.len() != header.len() {
                    problems.push(LineProblem {
                        line,
                        column: 0,
                        message: format!("{} fields where the header has {}", r.len(), header.len()),
                    });
                    continue;
                }
                rows.push((line, r.iter().map(str::to_string).collect()));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Table { columns, rows })
}

impl Table {
    fn get(&self, row: &[String], column: &str) -> String {
        self.columns.get(column).map(|&i| row[i].clone()).unwrap_or_default()
    }

    fn opt(&self, row: &[String], column: &str) -> Option<String> {
        Some(self.get(row, column)).filter(|s| !s.is_empty())
    }

    fn flag(&self, row: &[String], column: &str) -> Result<bool, String> {
        match self.get(row, column).to_ascii_lowercase().as_str() {
            "" | "false" | "0" | "no" => Ok(false),
            "true" | "1" | "yes" => Ok(true),
            other => Err(format!("{other:?} is not true or false")),
        }
    }

    /// Turns a validation error into a problem at its column.
    fn problem(&self, line: u64, e: Error) -> LineProblem {
        match e {
            Error::Invalid { field, message } | Error::Conflict { field, message } => {
                let column = self.columns.get(field.split('.').next().unwrap_or_default()).map(|i| i + 1).unwrap_or(0);
                LineProblem { line, column, message: format!("{field}: {message}") }
            }
            other => LineProblem { line, column: 0, message: other.to_string() },
        }
    }

    fn parse<D, T>(
        self,
        draft: impl Fn(&Table, &[String]) -> Result<D, (String, String)>,
        validate: impl Fn(&D) -> Result<T, Error>,
    ) -> Result<Parsed<T>, Vec<LineProblem>> {
        let mut problems = Vec::new();
        let mut records = Vec::new();
        let mut lines = Vec::new();
        for (line, row) in &self.rows {
            match draft(&self, row) {
                Err((column, message)) => problems.push(LineProblem {
                    line: *line,
                    column: self.columns.get(&column).map(|i| i + 1).unwrap_or(0),
                    message: format!("{column}: {message}"),
                }),
                Ok(d) => match validate(&d) {
                    Ok(t) => {
                        records.push(t);
                        lines.push(*line);
                    }
                    Err(e) => problems.push(self.problem(*line, e)),
                },
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let columns = self.columns.iter().map(|(k, v)| (k.clone(), v + 1)).collect();
        Ok(Parsed { records, lines, columns })
    }
}

pub fn parse_adoptions(bytes: &[u8], today: NaiveDate) -> Result<Parsed<NewAdoption>, Vec<LineProblem>> {
    let table = read_table(bytes, ADOPTION_COLUMNS, ADOPTION_OPTIONAL)?;
    table.parse(
        |t, row| {
            Ok(AdoptionDraft {
                software: t.get(row, "software"),
                organisation: t.get(row, "organisation"),
                since: t.get(row, "since"),
                status: t.get(row, "status"),
                scope: t.opt(row, "scope"),
                evidence_url: t.opt(row, "evidence_url"),
                state: t.opt(row, "state"),
                last_confirmed: t.opt(row, "last_confirmed"),
                demo: t.flag(row, "demo").map_err(|m| ("demo".to_string(), m))?,
            })
        },
        |d| d.validate(today),
    )
}

pub fn parse_fundings(bytes: &[u8], today: NaiveDate) -> Result<Parsed<NewFunding>, Vec<LineProblem>> {
    let table = read_table(bytes, FUNDING_COLUMNS, FUNDING_OPTIONAL)?;
    table.parse(
        |t, row| {
            Ok(FundingDraft {
                funder: t.get(row, "funder"),
                software: t.get(row, "software"),
                roadmap_item: t.opt(row, "roadmap_item"),
                amount: t.get(row, "amount"),
                currency: t.get(row, "currency"),
                date: t.get(row, "date"),
                kind: t.get(row, "kind"),
                status: t.get(row, "status"),
                evidence_url: t.opt(row, "evidence_url"),
                demo: t.flag(row, "demo").map_err(|m| ("demo".to_string(), m))?,
            })
        },
        |d| d.validate(today),
    )
}

/// Writes adoptions in the import format (with the optional columns, so nothing is lost).
pub fn adoption_writer<W: std::io::Write>(w: W) -> ::csv::Result<::csv::Writer<W>> {
    let mut writer = ::csv::Writer::from_writer(w);
    let header: Vec<&str> = ADOPTION_COLUMNS.iter().chain(ADOPTION_OPTIONAL).copied().collect();
    writer.write_record(&header)?;
    Ok(writer)
}

pub fn write_adoption<W: std::io::Write>(w: &mut ::csv::Writer<W>, a: &AdoptionDraft) -> ::csv::Result<()> {
    let demo = if a.demo { "true" } else { "false" };
    w.write_record([
        a.software.as_str(),
        &a.organisation,
        &a.since,
        &a.status,
        a.scope.as_deref().unwrap_or(""),
        a.evidence_url.as_deref().unwrap_or(""),
        a.state.as_deref().unwrap_or(""),
        a.last_confirmed.as_deref().unwrap_or(""),
        demo,
    ])
}

pub fn funding_writer<W: std::io::Write>(w: W) -> ::csv::Result<::csv::Writer<W>> {
    let mut writer = ::csv::Writer::from_writer(w);
    let header: Vec<&str> = FUNDING_COLUMNS.iter().chain(FUNDING_OPTIONAL).copied().collect();
    writer.write_record(&header)?;
    Ok(writer)
}

pub fn write_funding<W: std::io::Write>(w: &mut ::csv::Writer<W>, f: &FundingDraft) -> ::csv::Result<()> {
    let demo = if f.demo { "true" } else { "false" };
    w.write_record([
        f.funder.as_str(),
        &f.software,
        f.roadmap_item.as_deref().unwrap_or(""),
        &f.amount,
        &f.currency,
        &f.date,
        &f.kind,
        &f.status,
        f.evidence_url.as_deref().unwrap_or(""),
        demo,
    ])
}

/// Offers, one a row: lists (`territories`, `subscribers`) separated by `;` or `,`, and
/// `yearly_prices` as `0-499: 150; 500-1999: 300; 2000-: 600` in `currency`.
pub fn parse_offers(bytes: &[u8], today: NaiveDate) -> Result<Parsed<NewOffer>, Vec<LineProblem>> {
    let table = read_table(bytes, OFFER_COLUMNS, OFFER_OPTIONAL)?;
    table.parse(
        |t, row| {
            Ok(OfferDraft {
                provider: t.get(row, "provider"),
                software: t.get(row, "software"),
                kind: t.get(row, "kind"),
                territories: t.get(row, "territories"),
                subscribers: t.get(row, "subscribers"),
                membership_required: t
                    .flag(row, "membership_required")
                    .map_err(|m| ("membership_required".to_string(), m))?,
                price_model: t.get(row, "price_model"),
                yearly_prices: t.get(row, "yearly_prices"),
                currency: t.get(row, "currency"),
                url: t.opt(row, "url"),
                checked_on: t.get(row, "checked_on"),
                demo: t.flag(row, "demo").map_err(|m| ("demo".to_string(), m))?,
            })
        },
        |d| d.validate(today),
    )
}

pub fn offer_writer<W: std::io::Write>(w: W) -> ::csv::Result<::csv::Writer<W>> {
    let mut writer = ::csv::Writer::from_writer(w);
    let header: Vec<&str> = OFFER_COLUMNS.iter().chain(OFFER_OPTIONAL).copied().collect();
    writer.write_record(&header)?;
    Ok(writer)
}

pub fn write_offer<W: std::io::Write>(w: &mut ::csv::Writer<W>, o: &OfferDraft) -> ::csv::Result<()> {
    let flag = |b: bool| if b { "true" } else { "false" };
    w.write_record([
        o.provider.as_str(),
        &o.software,
        &o.kind,
        &o.territories,
        &o.subscribers,
        flag(o.membership_required),
        &o.price_model,
        &o.yearly_prices,
        &o.currency,
        o.url.as_deref().unwrap_or(""),
        &o.checked_on,
        flag(o.demo),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn reads_bom_crlf_and_semicolons() {
        let plain =
            "software,organisation,since,status,scope,evidence_url\ngeocity,vevey,2021-01-01,active,Urbanisme,\n";
        let crlf_bom = format!("\u{feff}{}", plain.replace('\n', "\r\n"));
        let semicolons = plain.replace(',', ";");
        for text in [plain.to_string(), crlf_bom, semicolons] {
            let parsed = parse_adoptions(text.as_bytes(), today()).unwrap_or_else(|p| panic!("{p:?}"));
            assert_eq!(parsed.records.len(), 1, "{text:?}");
            assert_eq!(parsed.records[0].scope.as_deref(), Some("Urbanisme"));
            assert_eq!(parsed.lines, vec![2], "{text:?}");
        }
    }

    #[test]
    fn wrong_header_is_named() {
        let text = "software,org,since,status,scope,evidence_url\n";
        let problems = parse_adoptions(text.as_bytes(), today()).unwrap_err();
        assert_eq!(
            problems[0].to_string(),
            "1:2: unknown column \"org\"; the columns are: software,organisation,since,status,scope,evidence_url"
        );
        assert!(problems[1].message.contains("missing column(s) organisation"));
    }

    #[test]
    fn every_bad_row_is_reported_with_its_column() {
        let text = "funder,software,roadmap_item,amount,currency,date,kind,status,evidence_url\n\
                    vevey,geocity,,12000.50,CHF,2024-03-12,co-development,paid,\n\
                    \n\
                    vevey,geocity,,-4,CHF,2024-03-12,co-development,paid,\n\
                    fr-siren:123,geocity,,4,EURO,2024-03-12,gift,paid,\n";
        let problems = parse_fundings(text.as_bytes(), today()).unwrap_err();
        let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            shown,
            vec![
                "4:4: amount: an amount cannot be negative",
                "5:5: currency: \"EURO\" is not an ISO 4217 code: three capital letters such as EUR or CHF"
            ]
        );
    }

    #[test]
    fn amounts_with_a_decimal_comma_in_semicolon_files() {
        let text = "funder;software;roadmap_item;amount;currency;date;kind;status;evidence_url\r\n\
                    vevey;geocity;;12000,50;CHF;2024-03-12;co-development;paid;\r\n";
        let parsed = parse_fundings(text.as_bytes(), today()).unwrap();
        assert_eq!(parsed.records[0].amount.minor, 1_200_050);
    }
}
