//! The health score: 100 points shared among seven parts, each given by one fact of the
//! snapshot, so that a page can say why a score is what it is ("12 of 25: 8 commits in the
//! last 12 months"). The weights favour what a council needs to know before it depends on a
//! tool: that people still work on it, that more than one does, and that it is really free.

use catalog::{Health, HealthPart, RepositorySnapshot};
use chrono::{DateTime, Duration, Utc};

/// Each part's weight; they add up to 100. README.md's table says the same.
pub const WEIGHTS: [(&str, u32); 7] = [
    ("activity", 25),
    ("contributors", 20),
    ("releases", 15),
    ("licence", 15),
    ("publiccode", 10),
    ("documentation", 10),
    ("age", 5),
];

pub fn score(s: &RepositorySnapshot, now: DateTime<Utc>) -> Health {
    let parts =
        vec![activity(s), contributors(s), releases(s, now), licence(s), publiccode(s), documentation(s), age(s, now)];
    Health { score: parts.iter().map(|p| p.points).sum(), parts }
}

fn part(key: &str, points: u32, fact: String) -> HealthPart {
    let weight = WEIGHTS.iter().find(|(k, _)| *k == key).map_or(0, |(_, w)| *w);
    HealthPart { key: key.to_string(), weight, points: points.min(weight), fact }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// 25 from 50 commits in the year; a few commits already count for something.
fn activity(s: &RepositorySnapshot) -> HealthPart {
    let a = &s.activity;
    let points = match a.commits {
        50.. => 25,
        20..=49 => 20,
        5..=19 => 12,
        1..=4 => 5,
        0 => 0,
    };
    let fact = match a.last_commit {
        Some(last) => format!(
            "{} in the last 12 months, the last on {}",
            plural(a.commits, "commit", "commits"),
            last.format("%Y-%m-%d")
        ),
        None => format!("no commit in the last 12 months; the last was on {}", s.head_date.format("%Y-%m-%d")),
    };
    part("activity", points, fact)
}

/// 12 for the number of authors, 8 for how many it takes to make half of the commits (a
/// project that one person carries stops when that person does).
fn contributors(s: &RepositorySnapshot) -> HealthPart {
    let a = &s.activity;
    let authors = match a.authors {
        10.. => 12,
        5..=9 => 9,
        2..=4 => 5,
        1 => 2,
        0 => 0,
    };
    let spread = match a.bus_factor {
        3.. => 8,
        2 => 5,
        1 => 2,
        0 => 0,
    };
    let fact = if a.commits == 0 {
        "no author in the last 12 months".to_string()
    } else {
        format!(
            "{} in the last 12 months; {} made half of the commits",
            plural(a.authors, "author", "authors"),
            plural(a.bus_factor, "author", "authors")
        )
    };
    part("contributors", authors + spread, fact)
}

fn releases(s: &RepositorySnapshot, now: DateTime<Utc>) -> HealthPart {
    let Some(latest) = s.releases.first() else {
        return part("releases", 0, "no tag that looks like a release".into());
    };
    let points = if latest.date >= now - Duration::days(365) {
        15
    } else if latest.date >= now - Duration::days(730) {
        8
    } else {
        4
    };
    let fact = format!(
        "latest release {} on {} ({})",
        latest.tag,
        latest.date.format("%Y-%m-%d"),
        plural(s.release_count as u64, "release tag", "release tags")
    );
    part("releases", points, fact)
}

fn licence(s: &RepositorySnapshot) -> HealthPart {
    match &s.licence {
        Some(l) => match &l.spdx {
            Some(id) => part("licence", 15, format!("{} in {}", id, l.path)),
            None => part("licence", 7, format!("{} is there, but its licence was not recognised", l.path)),
        },
        None => part("licence", 0, "no licence file (LICENSE, COPYING)".into()),
    }
}

fn publiccode(s: &RepositorySnapshot) -> HealthPart {
    match &s.publiccode {
        Some(p) if p.valid => part("publiccode", 10, format!("{} is valid", p.path)),
        Some(p) => {
            part("publiccode", 3, format!("{} has {}", p.path, plural(p.errors.len() as u64, "error", "errors")))
        }
        None => part("publiccode", 0, "no publiccode.yml".into()),
    }
}

/// 4 for a README that says something, 2 each for how to contribute and what changed, 1
/// each for a security policy and a code of conduct.
fn documentation(s: &RepositorySnapshot) -> HealthPart {
    let readme_says_something = readme_says_something(s);
    let found = documentation_found(s);
    let points = found.iter().filter(|(_, _, ok)| *ok).map(|(_, p, _)| p).sum();
    let present: Vec<&str> = found.iter().filter(|(_, _, ok)| *ok).map(|(n, _, _)| *n).collect();
    let missing: Vec<&str> = found.iter().filter(|(_, _, ok)| !*ok).map(|(n, _, _)| *n).collect();
    let mut fact = if present.is_empty() { "no documentation file".to_string() } else { present.join(", ") };
    if s.readme.is_some() && !readme_says_something {
        fact.push_str("; the README is shorter than 200 characters");
    }
    if !missing.is_empty() && !present.is_empty() {
        fact.push_str(&format!("; missing: {}", missing.join(", ")));
    }
    part("documentation", points, fact)
}

/// Whether the README is more than a title: 200 characters at least (or too long to read).
pub fn readme_says_something(s: &RepositorySnapshot) -> bool {
    s.readme.as_ref().is_some_and(|r| r.truncated || r.text.chars().count() >= 200)
}

/// The documentation files the score looks for, each with its points and whether the
/// repository has it (a README only when it says something).
pub fn documentation_found(s: &RepositorySnapshot) -> [(&'static str, u32, bool); 5] {
    let f = &s.files;
    [
        ("README", 4, readme_says_something(s)),
        ("CONTRIBUTING", 2, f.contributing.is_some()),
        ("CHANGELOG", 2, f.changelog.is_some()),
        ("SECURITY", 1, f.security.is_some()),
        ("CODE_OF_CONDUCT", 1, f.code_of_conduct.is_some()),
    ]
}

/// A tool that has lasted has shown it can.
fn age(s: &RepositorySnapshot, now: DateTime<Utc>) -> HealthPart {
    let years = (now - s.first_commit_date).num_days() as f64 / 365.25;
    let points = if years >= 3.0 {
        5
    } else if years >= 1.0 {
        3
    } else {
        1
    };
    part("age", points, format!("first commit on {} ({years:.1} years ago)", s.first_commit_date.format("%Y-%m-%d")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalog::{Activity, DocumentationFiles, LicenceFile, PubliccodeFile, Release};
    use chrono::TimeZone;

    fn snapshot(now: DateTime<Utc>) -> RepositorySnapshot {
        RepositorySnapshot {
            harvested_at: now,
            default_branch: "main".into(),
            head_commit: "0".repeat(40),
            head_date: now,
            readme: None,
            licence: None,
            files: DocumentationFiles::default(),
            publiccode: None,
            releases: Vec::new(),
            release_count: 0,
            activity: Activity {
                window_days: 365,
                commits: 0,
                authors: 0,
                bus_factor: 0,
                first_commit: None,
                last_commit: None,
                monthly_commits: vec![0; 12],
            },
            first_commit_date: now,
            total_commits: 1,
            mirror_bytes: 0,
        }
    }

    #[test]
    fn weights_add_up_to_one_hundred() {
        assert_eq!(WEIGHTS.iter().map(|(_, w)| w).sum::<u32>(), 100);
    }

    #[test]
    fn an_empty_project_scores_almost_nothing_and_says_why() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let h = score(&snapshot(now), now);
        assert_eq!(h.score, 1, "{h:?}");
        assert_eq!(h.parts.len(), 7);
        assert!(h.parts.iter().all(|p| !p.fact.is_empty() && p.points <= p.weight));
        assert_eq!(h.parts[3].fact, "no licence file (LICENSE, COPYING)");
    }

    #[test]
    fn a_lively_free_project_scores_full_marks() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let mut s = snapshot(now);
        s.activity.commits = 120;
        s.activity.authors = 14;
        s.activity.bus_factor = 4;
        s.activity.last_commit = Some(now - Duration::days(2));
        s.releases = vec![Release { tag: "v2.1.0".into(), commit: "1".repeat(40), date: now - Duration::days(30) }];
        s.release_count = 9;
        s.licence = Some(LicenceFile { path: "LICENSE".into(), spdx: Some("AGPL-3.0-or-later".into()) });
        s.publiccode = Some(PubliccodeFile {
            path: "publiccode.yml".into(),
            valid: true,
            errors: vec![],
            warnings: vec![],
            text: None,
        });
        s.readme = Some(catalog::Readme {
            path: "README.md".into(),
            format: "markdown".into(),
            html: None,
            text: "x".repeat(300),
            truncated: false,
        });
        s.files.contributing = Some("CONTRIBUTING.md".into());
        s.files.changelog = Some("CHANGELOG.md".into());
        s.files.security = Some("SECURITY.md".into());
        s.files.code_of_conduct = Some("CODE_OF_CONDUCT.md".into());
        s.first_commit_date = now - Duration::days(6 * 365);
        let h = score(&s, now);
        assert_eq!(h.score, 100, "{h:#?}");
        assert_eq!(h.parts[0].fact, "120 commits in the last 12 months, the last on 2026-11-29");
        assert_eq!(h.parts[1].fact, "14 authors in the last 12 months; 4 authors made half of the commits");
        assert_eq!(h.parts[2].fact, "latest release v2.1.0 on 2026-11-01 (9 release tags)");
    }

    #[test]
    fn an_old_release_and_an_unrecognised_licence_give_part_of_their_weight() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let mut s = snapshot(now);
        s.releases = vec![Release { tag: "1.0".into(), commit: "1".repeat(40), date: now - Duration::days(500) }];
        s.release_count = 1;
        s.licence = Some(LicenceFile { path: "COPYING".into(), spdx: None });
        let h = score(&s, now);
        assert_eq!((h.parts[2].points, h.parts[3].points), (8, 7));
        assert!(h.parts[3].fact.contains("not recognised"));
    }
}
