//! A record's page read as one row: its lists (identifiers, first adoptions, fundings,
//! ...) come packed into one text column each, by `string_agg` over a subquery, and are
//! unpacked here.
//!
//! Why: with sqlx every row of a result crosses from the database's side to the async
//! side on its own (on SQLite, from the connection's thread, waking the task each time),
//! and every query is a round trip. Measured in bench/ on the organisation page (one
//! organisation, 20 adoptions, 20 fundings): the rows, not the SQL, took most of the
//! server's time. One row per page pays the crossing once.
//!
//! The format: records separated by U+001E (record separator), fields by U+001F (unit
//! separator), each field either empty (SQL NULL) or `=` followed by its value. Stored
//! text never holds these two characters: every text is validated without control
//! characters but tabs and line breaks (`text::line`, `text::optional_text`), and a record
//! with the wrong number of fields is refused rather than misread. `string_agg` (SQLite
//! 3.44 and later, PostgreSQL) and `||` are written the same in both databases.

use chrono::NaiveDate;

use crate::error::{Error, Result};

const FIELD: char = '\u{1f}';
const RECORD: char = '\u{1e}';

/// The SQL of one field of a packed record: `=value`, or empty for NULL.
pub(crate) fn field(expr: &str) -> String {
    format!("COALESCE('=' || {expr}, '')")
}

/// The SQL of a boolean field, written `=1` or `=0` by both databases (PostgreSQL would
/// write `true` and SQLite `1`).
pub(crate) fn flag(expr: &str) -> String {
    format!("CASE WHEN {expr} THEN '=1' ELSE '=0' END")
}

/// A scalar subquery packing the rows that `from` selects (`FROM ... WHERE ...`, with
/// `ORDER BY ... LIMIT ...` when only the first rows are wanted) into one text. `fields`
/// are the record's SQL fields (`field(..)`, `flag(..)`); `order` the expressions and
/// directions the records come in, as in the `ORDER BY` of `from` if it has one.
pub(crate) fn list(fields: &[String], order: &[(&str, &str)], from: &str) -> String {
    let record = fields.join(&format!(" || '{FIELD}' || "));
    let keys: String = order.iter().enumerate().map(|(i, (expr, _))| format!(", {expr} AS k{i}")).collect();
    let by: Vec<String> = order.iter().enumerate().map(|(i, (_, dir))| format!("k{i} {dir}")).collect();
    let by = if by.is_empty() { String::new() } else { format!(" ORDER BY {}", by.join(", ")) };
    format!("(SELECT string_agg(rec, '{RECORD}'{by}) FROM (SELECT {record} AS rec{keys} {from}) AS packed)")
}

/// One unpacked record.
pub(crate) struct Record<'a> {
    fields: Vec<Option<&'a str>>,
    what: &'static str,
}

impl<'a> Record<'a> {
    fn get(&self, i: usize) -> Option<&'a str> {
        self.fields.get(i).copied().flatten()
    }

    /// A field that may be NULL.
    pub fn opt(&self, i: usize) -> Option<String> {
        self.get(i).map(str::to_string)
    }

    /// A field of a NOT NULL column.
    pub fn text(&self, i: usize) -> String {
        self.get(i).unwrap_or_default().to_string()
    }

    pub fn int(&self, i: usize) -> Result<i64> {
        self.opt_int(i)?.ok_or_else(|| self.bad(i, "a number"))
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        self.get(i).map(|v| v.parse().map_err(|_| self.bad(i, "a number"))).transpose()
    }

    pub fn date(&self, i: usize) -> Result<NaiveDate> {
        self.opt_date(i)?.ok_or_else(|| self.bad(i, "a date"))
    }

    pub fn opt_date(&self, i: usize) -> Result<Option<NaiveDate>> {
        self.get(i).map(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| self.bad(i, "a date"))).transpose()
    }

    pub fn flag(&self, i: usize) -> bool {
        self.get(i) == Some("1")
    }

    fn bad(&self, i: usize, expected: &str) -> Error {
        decode_error(format!("field {i} of a packed {} is not {expected}", self.what))
    }
}

fn decode_error(message: String) -> Error {
    Error::Database(sqlx::Error::Decode(message.into()))
}

/// Splits a packed list into records of `width` fields; `what` names them in errors.
pub(crate) fn unpack<'a>(packed: Option<&'a str>, width: usize, what: &'static str) -> Result<Vec<Record<'a>>> {
    let Some(packed) = packed else { return Ok(Vec::new()) };
    packed
        .split(RECORD)
        .map(|record| {
            let fields: Vec<Option<&str>> =
                record.split(FIELD).map(|f| if f.is_empty() { None } else { Some(&f[1..]) }).collect();
            if fields.len() != width {
                return Err(decode_error(format!("a packed {what} has {} fields, not {width}", fields.len())));
            }
            Ok(Record { fields, what })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpacks_values_nulls_and_refuses_a_wrong_width() {
        let text = format!("=a{FIELD}{FIELD}=2024-03-01{FIELD}=1{RECORD}={FIELD}=x{FIELD}{FIELD}=0");
        let records = unpack(Some(&text), 4, "thing").unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].text(0), "a");
        assert_eq!(records[0].opt(1), None);
        assert_eq!(records[0].date(2).unwrap(), NaiveDate::from_ymd_opt(2024, 3, 1).unwrap());
        assert!(records[0].flag(3));
        // An empty string stays distinct from NULL.
        assert_eq!(records[1].opt(0), Some(String::new()));
        assert!(records[1].opt_date(2).unwrap().is_none());
        assert!(!records[1].flag(3));
        assert!(records[1].date(1).is_err());
        assert!(unpack(Some(&text), 3, "thing").is_err());
        assert!(unpack(None, 3, "thing").unwrap().is_empty());
    }
}
