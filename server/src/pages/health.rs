//! The health card's facts in the reader's language. The score and its parts are stored
//! with an English sentence each (what the API gives); a page writes the same fact again
//! from the snapshot it was read from, in French or English.

use catalog::RepositorySnapshot;
use chrono::{DateTime, Utc};
use web::T;

/// The fact behind part `key` of the health of `s`, in `t`'s language, or `None` for a
/// part this page does not know (the stored sentence is shown then).
pub fn fact(t: &T, key: &str, s: &RepositorySnapshot, now: DateTime<Utc>) -> Option<String> {
    let pair = |key: &str, x: &str, y: &str| t.s(key).replace("{x}", x).replace("{y}", y);
    let text = match key {
        "activity" => {
            let a = &s.activity;
            match a.last_commit {
                Some(last) => pair(
                    "health_fact.activity",
                    &t.count("count.commits", a.commits as i64),
                    &t.date(last.date_naive()),
                ),
                None => t.fill("health_fact.no_commit", &t.date(s.head_date.date_naive())),
            }
        }
        "contributors" => {
            let a = &s.activity;
            if a.commits == 0 {
                t.s("health_fact.no_author").to_owned()
            } else {
                pair(
                    "health_fact.contributors",
                    &t.count("count.authors", a.authors as i64),
                    &t.count("count.half_of_commits", a.bus_factor as i64),
                )
            }
        }
        "releases" => match s.releases.first() {
            None => t.s("health_fact.no_release").to_owned(),
            Some(latest) => format!(
                "{} ({})",
                pair("health_fact.release", &latest.tag, &t.date(latest.date.date_naive())),
                t.count("count.release_tags", i64::from(s.release_count))
            ),
        },
        "licence" => match &s.licence {
            Some(l) => match &l.spdx {
                Some(id) => pair("health_fact.licence", id, &l.path),
                None => t.fill("health_fact.licence_unknown", &l.path),
            },
            None => t.s("health_fact.no_licence").to_owned(),
        },
        "publiccode" => match &s.publiccode {
            Some(p) if p.valid => t.fill("health_fact.publiccode_valid", &p.path),
            Some(p) => pair("health_fact.publiccode_errors", &p.path, &t.count("count.errors", p.errors.len() as i64)),
            None => t.s("health_fact.no_publiccode").to_owned(),
        },
        "documentation" => {
            // The files the score counted, as it counted them.
            let files = indexer::harvest::health::documentation_found(s);
            let present: Vec<&str> = files.iter().filter(|(_, _, ok)| *ok).map(|(n, _, _)| *n).collect();
            let missing: Vec<&str> = files.iter().filter(|(_, _, ok)| !*ok).map(|(n, _, _)| *n).collect();
            let mut text =
                if present.is_empty() { t.s("health_fact.no_documentation").to_owned() } else { present.join(", ") };
            if s.readme.is_some() && !indexer::harvest::health::readme_says_something(s) {
                text.push_str(t.s("health_fact.short_readme"));
            }
            if !missing.is_empty() && !present.is_empty() {
                text.push_str(&t.fill("health_fact.missing", &missing.join(", ")));
            }
            text
        }
        "age" => {
            let years = (now - s.first_commit_date).num_days() as f64 / 365.25;
            let years = match t.lang {
                web::Lang::Fr => format!("{years:.1}").replace('.', ","),
                web::Lang::En => format!("{years:.1}"),
            };
            pair("health_fact.age", &t.date(s.first_commit_date.date_naive()), &years)
        }
        _ => return None,
    };
    Some(text)
}
