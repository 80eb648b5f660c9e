//! Plausible, deterministic histories for the demo.
//!
//! The demo shows each software's activity, authors, releases and documentation files as the
//! real harvester reads them from real git repositories, but it cannot fetch the upstream
//! ones. `fixtures/histories.json` gives, per software, a handful of figures in the broad
//! strokes of what is publicly known of the project (age, liveliness, team, release habits,
//! which documentation files exist); [`Plan::history`] turns them into a full [`History`].
//!
//! Dates are counted back from a given day, so that the "last twelve months" figures are the
//! same whatever day the demo runs; and every random choice comes from the seeded generator
//! ([`crate::rng`]) keyed by the slug and drawn independently of that day, so that the same
//! slug and the same day give byte-identical repositories, and another day shifts the same
//! history in time.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Deserialize;

use super::{Author, CommitSpec, History, TagSpec};
use crate::rng::Rng;

/// One software's history, as described in `fixtures/histories.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The README's title.
    pub name: String,
    /// Language of the README, the documentation files and the commit messages.
    pub language: Language,
    /// The README's first paragraph.
    pub summary: String,
    /// Which kind of source files the commits touch.
    pub stack: Stack,
    /// Package or module name in source paths; by default the slug, with `_` for `-` where
    /// the language wants it.
    #[serde(default)]
    pub package: Option<String>,
    /// The default branch.
    pub branch: String,
    /// Date of the first commit.
    pub started_years_ago: f64,
    /// Date of the last commit, at least 1 so that no commit is later than the moment the
    /// demo runs.
    pub last_commit_days_ago: u32,
    /// Commits less than 360 days old (the last one included); 0 for a dormant project.
    pub commits_last_year: u32,
    /// Commits more than 370 days old (the first one included). The ten days between hold no
    /// commit, so that a harvest a few hours later counts the same.
    pub commits_before: u32,
    /// The people and teams who commit, with their share of the commits.
    pub authors: Vec<PlanAuthor>,
    /// Occasional contributors, generated: big projects have dozens.
    #[serde(default)]
    pub community: Option<Community>,
    /// SPDX identifier of the licence named in the README (and in LICENSE).
    pub licence: String,
    /// Whether a LICENSE file is there.
    pub licence_file: bool,
    /// Holder named in the LICENSE file.
    pub copyright: String,
    pub readme: Readme,
    pub contributing: bool,
    pub changelog: bool,
    pub security: bool,
    pub code_of_conduct: bool,
    /// Whether a publiccode.yml is there: only for the software of `fixtures/publiccode/`,
    /// whose file it is.
    pub publiccode: bool,
    /// Release tags; none when absent or null.
    #[serde(default)]
    pub releases: Option<Releases>,
    /// The plan's key in the file, set by [`plans`]: it names the package and finds the
    /// publiccode.yml, whatever seed [`Plan::history`] is given.
    #[serde(skip)]
    slug: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Fr,
    En,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stack {
    Python,
    Php,
    Java,
    Ruby,
    Javascript,
    Typescript,
    Cpp,
    Ocaml,
    Perl,
}

/// Which README the repository has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Readme {
    /// `README.md`.
    Markdown,
    /// `README`, plain text.
    Plain,
    None,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanAuthor {
    pub name: String,
    pub email: String,
    /// Relative weight among the authors active at a commit's date.
    pub share: f64,
    /// First commit possible at this age (from the start when absent).
    #[serde(default)]
    pub joined_years_ago: Option<f64>,
    /// No commit after this age (active until the end when absent).
    #[serde(default)]
    pub left_years_ago: Option<f64>,
}

/// `count` generated contributors sharing `share` between them, a few heavily and most
/// lightly, about half of them still active.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Community {
    pub count: u32,
    pub share: f64,
    /// Their e-mail domain.
    pub domain: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Releases {
    /// Tag name: `{major}`, `{minor}`, `{patch}` follow the version; `{year}`, `{yy}`, `{month}`
    /// are the release's date (a second release in the same month is then skipped).
    pub scheme: String,
    /// Mean interval between releases.
    pub every_months: f64,
    /// First release (by default one interval after the first commit).
    #[serde(default)]
    pub since_years_ago: Option<f64>,
    #[serde(default = "default_first_version")]
    pub first_version: String,
    #[serde(default)]
    pub annotated: bool,
    /// Share of releases that only bump the patch number.
    #[serde(default = "default_patch_share")]
    pub patch_share: f64,
    /// Minor bumps before a major one (never when absent; 1 for projects whose every feature
    /// release is a major).
    #[serde(default)]
    pub minors_per_major: Option<u32>,
}

fn default_first_version() -> String {
    "1.0.0".to_owned()
}

fn default_patch_share() -> f64 {
    0.35
}

/// The plans of `fixtures/histories.json` by slug; the error names the slug and the field.
///
/// The file is an object with an optional `about` string and a `plans` object, slug to plan.
pub fn plans(json: &str) -> Result<BTreeMap<String, Plan>, String> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("histories: not JSON: {e}"))?;
    let top = value.as_object().ok_or("histories: the top level must be an object")?;
    for key in top.keys() {
        if key != "about" && key != "plans" {
            return Err(format!("histories: unknown top-level key {key:?} (expected \"about\" and \"plans\")"));
        }
    }
    if top.get("about").is_some_and(|about| !about.is_string()) {
        return Err("histories: \"about\" must be a string".to_owned());
    }
    let entries = top.get("plans").and_then(|p| p.as_object()).ok_or("histories: \"plans\" must be an object")?;
    let mut plans = BTreeMap::new();
    for (slug, value) in entries {
        let mut plan = Plan::deserialize(value).map_err(|e| format!("histories: plan {slug:?}: {e}"))?;
        plan.check(slug).map_err(|e| format!("histories: plan {slug:?}, {e}"))?;
        plan.slug = Some(slug.clone());
        plans.insert(slug.clone(), plan);
    }
    Ok(plans)
}

const YEAR: f64 = 365.25;
/// Recent commits are younger than this many days, older ones older than `OLD_DAYS`.
const RECENT_DAYS: i64 = 360;
const OLD_DAYS: i64 = 370;

fn days(years: f64) -> i64 {
    (years * YEAR).round() as i64
}

impl Plan {
    /// Checks what serde cannot: ranges, consistency of dates and counts, known licences.
    pub fn check(&self, slug: &str) -> Result<(), String> {
        let field = |name: &str, why: String| Err(format!("field {name:?}: {why}"));
        if self.name.trim().is_empty() {
            return field("name", "empty".into());
        }
        if self.summary.trim().is_empty() {
            return field("summary", "empty".into());
        }
        if let Some(package) = &self.package {
            if package.is_empty() || !package.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return field("package", format!("{package:?} must be ASCII letters, digits and _"));
            }
        }
        if self.branch.contains('\0') || !git2::Reference::is_valid_name(&format!("refs/heads/{}", self.branch)) {
            return field("branch", format!("{:?} is not a valid branch name", self.branch));
        }
        if !(self.started_years_ago > 0.0 && self.started_years_ago <= 60.0) {
            return field("started_years_ago", "must be more than 0 and at most 60".into());
        }
        let start = days(self.started_years_ago);
        let last = i64::from(self.last_commit_days_ago);
        let total = self.commits_last_year + self.commits_before;
        if last < 1 {
            return field("last_commit_days_ago", "must be at least 1".into());
        }
        if total == 0 || total > 20_000 {
            return field("commits_last_year", "with commits_before, between 1 and 20000 commits".into());
        }
        if total > 1 && start < last + 2 {
            return field("started_years_ago", "the first commit must be at least two days before the last".into());
        }
        if self.commits_last_year > 0 && last >= RECENT_DAYS {
            return field("last_commit_days_ago", format!("must be under {RECENT_DAYS} when commits_last_year > 0"));
        }
        if self.commits_last_year == 0 && last <= OLD_DAYS {
            return field("last_commit_days_ago", format!("must be over {OLD_DAYS} when commits_last_year is 0"));
        }
        if self.commits_before > 0 && start <= OLD_DAYS {
            return field("started_years_ago", "must be over a year when commits_before > 0".into());
        }
        if self.commits_before == 0 && start >= RECENT_DAYS {
            return field("commits_before", "a project started over a year ago has commits before".into());
        }
        if self.authors.is_empty() {
            return field("authors", "at least one".into());
        }
        for (i, author) in self.authors.iter().enumerate() {
            let name = format!("authors[{i}]");
            if author.name.trim().is_empty() || author.name.contains(['<', '>', '\n', '\0']) {
                return field(&name, format!("bad name {:?}", author.name));
            }
            let email_ok = author.email.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.'));
            if !email_ok || author.email.contains(['<', '>', ' ', '\n', '\0']) {
                return field(&name, format!("bad e-mail {:?}", author.email));
            }
            if !(author.share > 0.0 && author.share.is_finite()) {
                return field(&name, "share must be positive".into());
            }
            if let (Some(joined), Some(left)) = (author.joined_years_ago, author.left_years_ago) {
                if joined <= left {
                    return field(&name, "joined_years_ago must be more than left_years_ago".into());
                }
            }
            if author.joined_years_ago.is_some_and(|y| y < 0.0) || author.left_years_ago.is_some_and(|y| y < 0.0) {
                return field(&name, "negative age".into());
            }
        }
        if let Some(community) = &self.community {
            if community.count == 0 || community.count > 500 {
                return field("community", "count between 1 and 500".into());
            }
            if !(community.share > 0.0 && community.share.is_finite()) {
                return field("community", "share must be positive".into());
            }
            if !community.domain.contains('.') || community.domain.contains(['@', ' ', '<', '>']) {
                return field("community", format!("bad domain {:?}", community.domain));
            }
        }
        if self.licence_file && licence_text(&self.licence, 2000, "x").is_none() {
            return field("licence", format!("no LICENSE text for {:?}; known: {}", self.licence, LICENCES.join(", ")));
        }
        if self.copyright.trim().is_empty() {
            return field("copyright", "empty".into());
        }
        if self.publiccode && crate::fixtures::publiccode(slug).is_none() {
            return field("publiccode", format!("true but there is no fixtures/publiccode/{slug}.yml"));
        }
        if let Some(releases) = &self.releases {
            check_scheme(&releases.scheme).or_else(|why| field("releases", why))?;
            if !(releases.every_months > 0.1 && releases.every_months <= 120.0) {
                return field("releases", "every_months between 0.1 and 120".into());
            }
            if parse_version(&releases.first_version).is_none() {
                return field("releases", format!("first_version {:?} is not N.N or N.N.N", releases.first_version));
            }
            if !(0.0..=1.0).contains(&releases.patch_share) {
                return field("releases", "patch_share between 0 and 1".into());
            }
            if releases.minors_per_major == Some(0) {
                return field("releases", "minors_per_major must be at least 1".into());
            }
            if releases.since_years_ago.is_some_and(|y| !(y > 0.0 && y <= self.started_years_ago)) {
                return field("releases", "since_years_ago must be after the start".into());
            }
        }
        Ok(())
    }

    /// The history of the software `slug`, dated back from `today`. `slug` seeds every random
    /// choice: a software's second repository can take `slug-1` for a history of its own,
    /// while file names and publiccode.yml still follow the plan's own slug (when it comes
    /// from [`plans`]). Expects a plan that passed [`Plan::check`], as every plan from
    /// [`plans`] did: absurd figures would overflow.
    pub fn history(&self, slug: &str, today: NaiveDate) -> History {
        let own = self.slug.as_deref().unwrap_or(slug);
        let base = today.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc().timestamp();
        let moments = self.schedule(slug, today, base);
        let people = self.people(slug);
        let releases = self.releases(slug, &moments);
        let extras = self.extras(slug, moments.len());

        let mut rng = Rng::keyed(&[slug, "content"]);
        let mut authors_rng = Rng::keyed(&[slug, "authors"]);
        let mut work = Workspace::new(self, own, base - days(self.started_years_ago) * 86_400);
        let mut commits = Vec::with_capacity(moments.len());
        let mut tags = Vec::new();
        for (index, moment) in moments.iter().enumerate() {
            let when = chrono::DateTime::from_timestamp(moment.at, 0).expect("in range");
            let docs = extras.get(&index).map_or(&[][..], |d| &d[..]);
            let (message, author) = if index == 0 {
                (work.initial(), pick_lead(&people, moment.days_ago))
            } else if let Some(tag) = releases.get(&index) {
                tags.push(TagSpec { name: tag.clone(), commit: index, annotated: self.annotated() });
                (work.release(&version_label(tag), when.date_naive()), pick_lead(&people, moment.days_ago))
            } else if docs.is_empty() {
                (work.change(&mut rng), pick(&people, moment.days_ago, &mut authors_rng))
            } else {
                (String::new(), pick(&people, moment.days_ago, &mut authors_rng))
            };
            // Documentation files arrive in a commit of their own, or with the initial or a
            // release commit, whose message stays.
            let subjects: Vec<String> = docs.iter().map(|doc| work.add_extra(*doc)).collect();
            let message = match (message.is_empty(), subjects.split_first()) {
                (true, Some((first, []))) => first.clone(),
                (true, Some((first, rest))) => format!("{first}\n\n{}", rest.join("\n")),
                _ => message,
            };
            if index != 0 && !releases.contains_key(&index) {
                work.pending.push(message.clone());
            }
            commits.push(CommitSpec { author, when, message: format!("{message}\n"), files: merge(work.take()) });
        }
        History { branch: self.branch.clone(), authors: people.into_iter().map(|p| p.author).collect(), commits, tags }
    }

    fn annotated(&self) -> bool {
        self.releases.as_ref().is_some_and(|r| r.annotated)
    }

    /// When each commit is, oldest first.
    fn schedule(&self, slug: &str, today: NaiveDate, base: i64) -> Vec<Moment> {
        let mut rng = Rng::keyed(&[slug, "schedule"]);
        let start = days(self.started_years_ago);
        let last = i64::from(self.last_commit_days_ago);
        // Activity comes in waves: a weight per 30-day block, as bursts and lulls.
        let bursts: Vec<f64> = (0..=start / 30 + 1).map(|_| 0.2 + 1.6 * rng.unit()).collect();
        let recent = i64::from(self.commits_last_year);
        let before = i64::from(self.commits_before);
        let mut moments = Vec::new();
        let mut push = |days_ago: i64, secs: i64| moments.push((days_ago, secs));
        if recent + before == 1 {
            push(last, working_hours(&mut rng));
        } else {
            push(start, working_hours(&mut rng));
            push(last, working_hours(&mut rng));
            let (old_free, new_free) = match (before > 0, recent > 0) {
                (true, true) => (before - 1, recent - 1),
                (true, false) => (before - 2, 0),
                (false, true) => (0, recent - 2),
                (false, false) => unreachable!("at least two commits"),
            };
            let old_low = if recent > 0 { OLD_DAYS } else { last + 1 };
            for (count, low, high) in [(old_free, old_low, start - 1), (new_free, last + 1, RECENT_DAYS.min(start - 1))]
            {
                if count <= 0 {
                    continue;
                }
                let high = high.max(low);
                let window = Window::new(&bursts, low, high);
                for _ in 0..count {
                    let day = window.sample(rng.unit());
                    let snap = rng.unit();
                    let secs = any_hour(&mut rng);
                    push(weekday_snap(today, day, snap, low, high), secs);
                }
            }
        }
        let mut moments: Vec<Moment> = moments
            .into_iter()
            .map(|(days_ago, secs)| Moment { days_ago, at: base - days_ago * 86_400 + secs })
            .collect();
        moments.sort_by_key(|m| m.at);
        for i in 1..moments.len() {
            if moments[i].at <= moments[i - 1].at {
                moments[i].at = moments[i - 1].at + 37;
            }
        }
        moments
    }

    /// The authors, listed ones first, then the generated community.
    fn people(&self, slug: &str) -> Vec<Person> {
        let mut rng = Rng::keyed(&[slug, "people"]);
        let start = days(self.started_years_ago);
        let last = i64::from(self.last_commit_days_ago);
        let mut people: Vec<Person> = self
            .authors
            .iter()
            .map(|a| Person {
                author: Author { name: a.name.clone(), email: a.email.clone() },
                share: a.share,
                from: a.joined_years_ago.map_or(i64::MAX, days),
                until: a.left_years_ago.map_or(0, days),
                lead: true,
            })
            .collect();
        let Some(community) = &self.community else { return people };
        let first_names: Vec<&str> = FIRST_NAMES.split_whitespace().collect();
        let last_names: Vec<&str> = LAST_NAMES.split_whitespace().collect();
        let mut taken: BTreeSet<String> = people.iter().map(|p| p.author.name.clone()).collect();
        let harmonic: f64 = (1..=community.count).map(|k| 1.0 / f64::from(k)).sum();
        for k in 1..=community.count {
            let name = loop {
                let candidate = format!("{} {}", rng.pick(&first_names), rng.pick(&last_names));
                if taken.insert(candidate.clone()) {
                    break candidate;
                }
            };
            let local: String = fold(&name).replace(' ', ".");
            let from = last + rng.below((start - last + 1).max(1) as usize) as i64;
            let until = if rng.chance(0.5) { 0 } else { (from - 60 - rng.below(1200) as i64).max(0) };
            people.push(Person {
                author: Author { name, email: format!("{local}@{}", community.domain) },
                share: community.share / harmonic / f64::from(k),
                from,
                until,
                lead: false,
            });
        }
        people
    }

    /// Tag names by commit index.
    fn releases(&self, slug: &str, moments: &[Moment]) -> BTreeMap<usize, String> {
        let mut tags = BTreeMap::new();
        let Some(plan) = &self.releases else { return tags };
        let mut rng = Rng::keyed(&[slug, "releases"]);
        let interval = plan.every_months * YEAR / 12.0;
        let last = i64::from(self.last_commit_days_ago);
        let mut day = plan.since_years_ago.map_or(days(self.started_years_ago) as f64 - interval, |y| y * YEAR);
        let mut current: Option<((u32, u32, u32), u32)> = None;
        let mut next = 1;
        while day.round() as i64 >= last && next < moments.len() {
            let due = day.round() as i64;
            day -= interval * (0.75 + 0.5 * rng.unit());
            let draw = rng.unit();
            // The release is the first commit on or after its due day; a project that went
            // quiet skips the releases it had nothing for instead of catching up later.
            let Some(offset) = moments[next..].iter().position(|m| m.days_ago <= due) else { break };
            let index = next + offset;
            if (moments[index].days_ago as f64) < due as f64 - interval {
                continue;
            }
            let (version, minors) = match current {
                None => (parse_version(&plan.first_version).unwrap_or((1, 0, 0)), 0),
                Some((version, minors)) => bump(version, minors, draw, plan),
            };
            let date = chrono::DateTime::from_timestamp(moments[index].at, 0).expect("in range").date_naive();
            let name = render_scheme(&plan.scheme, version, date);
            if !tags.values().any(|t| *t == name) {
                tags.insert(index, name);
                current = Some((version, minors));
                next = index + 1;
            }
        }
        tags
    }

    /// Which commit adds each documentation file that is not there from the start.
    fn extras(&self, slug: &str, count: usize) -> BTreeMap<usize, Vec<Extra>> {
        let mut rng = Rng::keyed(&[slug, "extras"]);
        let mut at: BTreeMap<usize, Vec<Extra>> = BTreeMap::new();
        let wanted = [
            (self.contributing, Extra::Contributing, 0.0),
            (self.code_of_conduct, Extra::CodeOfConduct, 0.4),
            (self.security, Extra::Security, 0.6),
            (
                self.publiccode && crate::fixtures::publiccode(self.slug.as_deref().unwrap_or(slug)).is_some(),
                Extra::Publiccode,
                0.5,
            ),
            (self.changelog && self.releases.is_none(), Extra::Changelog, 0.2),
        ];
        for (wanted, extra, from) in wanted {
            let draw = rng.unit();
            if !wanted {
                continue;
            }
            let index = if count <= 1 {
                0
            } else {
                let low = ((count - 1) as f64 * from) as usize + 1;
                (low + (draw * (count - low) as f64) as usize).min(count - 1)
            };
            at.entry(index).or_default().push(extra);
        }
        at
    }
}

#[derive(Debug, Clone, Copy)]
struct Moment {
    days_ago: i64,
    /// Unix time.
    at: i64,
}

#[derive(Debug, Clone)]
struct Person {
    author: Author,
    share: f64,
    /// Active between these ages, in days.
    from: i64,
    until: i64,
    lead: bool,
}

impl Person {
    fn active(&self, days_ago: i64) -> bool {
        self.until <= days_ago && days_ago <= self.from
    }
}

/// An author for an ordinary commit: by share among those active that day.
fn pick(people: &[Person], days_ago: i64, rng: &mut Rng) -> usize {
    let draw = rng.unit();
    let active: Vec<usize> = (0..people.len()).filter(|&i| people[i].active(days_ago)).collect();
    let pool = if active.is_empty() { (0..people.len()).collect() } else { active };
    let total: f64 = pool.iter().map(|&i| people[i].share).sum();
    let mut target = draw * total;
    for &i in &pool {
        target -= people[i].share;
        if target < 0.0 {
            return i;
        }
    }
    *pool.last().expect("at least one author")
}

/// The author of the initial and release commits: the biggest listed author active that day.
fn pick_lead(people: &[Person], days_ago: i64) -> usize {
    let mut best: Option<usize> = None;
    for (i, person) in people.iter().enumerate() {
        if person.lead && person.active(days_ago) && best.is_none_or(|b| person.share > people[b].share) {
            best = Some(i);
        }
    }
    best.unwrap_or(0)
}

/// Days of a window, weighted by the activity wave, for inverse-transform sampling.
struct Window {
    low: i64,
    cumulative: Vec<f64>,
}

impl Window {
    fn new(bursts: &[f64], low: i64, high: i64) -> Self {
        let mut total = 0.0;
        let cumulative = (low..=high)
            .map(|day| {
                total += bursts[(day / 30) as usize % bursts.len()];
                total
            })
            .collect();
        Self { low, cumulative }
    }

    fn sample(&self, unit: f64) -> i64 {
        let target = unit * self.cumulative.last().copied().unwrap_or(0.0);
        let index = self.cumulative.partition_point(|&c| c <= target).min(self.cumulative.len() - 1);
        self.low + index as i64
    }
}

/// Most weekend commits move to the Friday before or the Monday after. The coin is drawn
/// whatever the weekday, so that the rest of the history does not depend on the calendar.
fn weekday_snap(today: NaiveDate, day: i64, coin: f64, low: i64, high: i64) -> i64 {
    if coin >= 0.85 {
        return day;
    }
    let moved = match (today - Duration::days(day)).weekday() {
        Weekday::Sat => day + 1,
        Weekday::Sun => day - 1,
        _ => day,
    };
    if (low..=high).contains(&moved) {
        moved
    } else {
        day
    }
}

/// Seconds after midnight UTC in European office hours.
fn working_hours(rng: &mut Rng) -> i64 {
    7 * 3600 + rng.below(9 * 3600) as i64
}

/// Seconds after midnight UTC: mostly office hours, some evenings, a few early mornings.
fn any_hour(rng: &mut Rng) -> i64 {
    let which = rng.unit();
    let offset = rng.below(3600 * 10) as i64;
    if which < 0.72 {
        7 * 3600 + offset
    } else if which < 0.93 {
        17 * 3600 + offset / 2
    } else {
        5 * 3600 + offset / 5
    }
}

/// Several changes of one path in a commit: the last one counts.
fn merge(files: Vec<(String, Option<Vec<u8>>)>) -> Vec<(String, Option<Vec<u8>>)> {
    let mut last: BTreeMap<String, usize> = BTreeMap::new();
    for (i, (path, _)) in files.iter().enumerate() {
        last.insert(path.clone(), i);
    }
    files.into_iter().enumerate().filter(|(i, (path, _))| last[path] == *i).map(|(_, f)| f).collect()
}

/// The version after `version`, with the count of minor bumps since the last major.
fn bump((major, minor, patch): (u32, u32, u32), minors: u32, draw: f64, plan: &Releases) -> ((u32, u32, u32), u32) {
    if draw < plan.patch_share {
        ((major, minor, patch + 1), minors)
    } else if plan.minors_per_major.is_some_and(|m| minors + 1 >= m) {
        ((major + 1, 0, 0), 0)
    } else {
        ((major, minor + 1, 0), minors + 1)
    }
}

fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let parts: Vec<u32> = text.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    match parts[..] {
        [major, minor] => Some((major, minor, 0)),
        [major, minor, patch] => Some((major, minor, patch)),
        _ => None,
    }
}

const TOKENS: &[&str] = &["{major}", "{minor}", "{patch}", "{year}", "{yy}", "{month}"];

fn check_scheme(scheme: &str) -> Result<(), String> {
    let mut rest = scheme.to_owned();
    for token in TOKENS {
        rest = rest.replace(token, "");
    }
    if rest.contains(['{', '}']) {
        return Err(format!("scheme {scheme:?}: tokens are {}", TOKENS.join(" ")));
    }
    if rest.len() == scheme.len() {
        return Err(format!("scheme {scheme:?} has no token"));
    }
    let sample = render_scheme(scheme, (1, 2, 3), NaiveDate::from_ymd_opt(2024, 3, 1).expect("valid"));
    if !git2::Tag::is_valid_name(&sample) {
        return Err(format!("scheme {scheme:?} gives the invalid tag {sample:?}"));
    }
    Ok(())
}

fn render_scheme(scheme: &str, (major, minor, patch): (u32, u32, u32), date: NaiveDate) -> String {
    scheme
        .replace("{major}", &major.to_string())
        .replace("{minor}", &minor.to_string())
        .replace("{patch}", &patch.to_string())
        .replace("{year}", &date.year().to_string())
        .replace("{yy}", &format!("{:02}", date.year() % 100))
        .replace("{month}", &format!("{:02}", date.month()))
}

/// `v1.2.3` -> `1.2.3`, `release-2024.03` -> `2024.03`.
fn version_label(tag: &str) -> String {
    match tag.find(|c: char| c.is_ascii_digit()) {
        Some(i) => tag[i..].to_owned(),
        None => tag.to_owned(),
    }
}

/// Lower-case ASCII for an e-mail's local part: letters folded, spaces and hyphens kept,
/// anything else left out.
fn fold(text: &str) -> String {
    catalog::text::fold(text).chars().filter(|c| c.is_ascii_alphanumeric() || *c == ' ' || *c == '-').collect()
}

// Invented people for the generated communities: common first and last names of the
// countries the catalogue covers, combined at random. One string each, split on spaces.
const FIRST_NAMES: &str =
    "Camille Dominique Claude Alix Sacha Maxime Lou Noé Inès Yanis Léa Hugo Jeanne Malik Elsa Tom \
     Nora Louis Anaïs Bastien Margaux Eliott Chloé Rémi Aurélie Joris Zoé Théo Amandine Loïc Mila \
     Ruben Ana Pau Jorge Marta Sven Anouk Lieke Jonas Greta Matteo Giulia Kofi Amara Ilse Pieter Nuno \
     Oskar Yasmine";

const LAST_NAMES: &str = "Marchand Delorme Perrin Vasseur Lefort Bouvier Carrel Guillot Renaud Tissot Morand Jacquet \
     Barbier Poulain Rochat Favre Chollet Dumas Girard Leclerc Mercier Ollivier Pasquier Roussel \
     Serre Teyssier Vidal Weber Zanetti Ferrer Castell Navarro Jansen Bakker Lindqvist Novak Kowalski \
     Moreau Aubert Brunet";

/// Documentation files added after the first commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extra {
    Contributing,
    CodeOfConduct,
    Security,
    Publiccode,
    Changelog,
}

/// What commits are about: an identifier for code, and how each language says it.
const TOPICS: &[(&str, &str, &str)] = &[
    ("permit", "permits", "des autorisations"),
    ("request", "requests", "des demandes"),
    ("export", "exports", "des exports"),
    ("calendar", "the calendar", "du calendrier"),
    ("notification", "notifications", "des notifications"),
    ("address", "addresses", "des adresses"),
    ("document", "documents", "des documents"),
    ("signature", "signatures", "des signatures"),
    ("search", "search", "de la recherche"),
    ("layer", "map layers", "des couches cartographiques"),
    ("user", "user accounts", "des comptes utilisateurs"),
    ("payment", "payments", "des paiements"),
    ("archive", "archiving", "de l'archivage"),
    ("report", "reports", "des rapports"),
    ("schedule", "scheduling", "du planning"),
    ("form", "forms", "des formulaires"),
    ("map", "the map", "de la carte"),
    ("import", "imports", "des imports"),
    ("login", "login", "de la connexion"),
    ("audit", "the audit log", "du journal d'audit"),
];

const VERBS: &[&str] = &["build", "check", "format", "load", "save", "render", "compute", "validate", "parse", "list"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Add,
    Fix,
    Remove,
    Test,
    Docs,
    Dependencies,
}

fn subject(change: Change, topic: usize, language: Language, rng: &mut Rng) -> String {
    let (_, en, fr) = TOPICS[topic];
    let templates: &[&str] = match (change, language) {
        (Change::Add, Language::En) => {
            &["Add filtering of {t}", "Support sorting {t}", "Expose {t} in the API", "Allow exporting {t} as CSV"]
        }
        (Change::Fix, Language::En) => &[
            "Fix validation of {t}",
            "Fix display of {t}",
            "Improve loading of {t}",
            "Refactor handling of {t}",
            "Clean up code for {t}",
        ],
        (Change::Remove, Language::En) => &["Remove dead code for {t}", "Drop unused helper for {t}"],
        (Change::Test, Language::En) => &["Add tests for {t}", "Fix flaky test on {t}", "Cover edge cases of {t}"],
        (Change::Docs, Language::En) => &["Document {t}", "Update documentation of {t}", "Fix typos in documentation"],
        (Change::Dependencies, Language::En) => &["Update dependencies", "Bump dependencies", "Upgrade libraries"],
        (Change::Add, Language::Fr) => {
            &["Ajout du filtrage {t}", "Ajout du tri {t}", "Exposition {t} dans l'API", "Ajout de l'export CSV {t}"]
        }
        (Change::Fix, Language::Fr) => &[
            "Correction de la validation {t}",
            "Correction de l'affichage {t}",
            "Amélioration du chargement {t}",
            "Refonte de la gestion {t}",
            "Nettoyage du code {t}",
        ],
        (Change::Remove, Language::Fr) => &["Suppression du code inutilisé {t}", "Retrait d'une fonction obsolète {t}"],
        (Change::Test, Language::Fr) => {
            &["Ajout de tests de la gestion {t}", "Correction d'un test instable {t}", "Tests des cas limites {t}"]
        }
        (Change::Docs, Language::Fr) => &[
            "Documentation de la gestion {t}",
            "Mise à jour de la documentation {t}",
            "Correction de coquilles dans la documentation",
        ],
        (Change::Dependencies, Language::Fr) => &["Mise à jour des dépendances", "Montée de version des bibliothèques"],
    };
    let phrase = match language {
        Language::En => en,
        Language::Fr => fr,
    };
    rng.pick(templates).replace("{t}", phrase)
}

/// The files of a stack; `{pkg}`, `{Pkg}` and `{flat}` are the package name as the language
/// spells it.
struct Layout {
    manifest: &'static str,
    ignore: &'static str,
    sources: &'static [&'static str],
    tests: &'static [&'static str],
    docs: &'static [&'static str],
}

fn layout(stack: Stack) -> Layout {
    match stack {
        Stack::Python => Layout {
            manifest: "pyproject.toml",
            ignore: "__pycache__/\n*.pyc\n.venv/\n",
            sources: &[
                "{pkg}/__init__.py",
                "{pkg}/models.py",
                "{pkg}/views.py",
                "{pkg}/forms.py",
                "{pkg}/api/serializers.py",
                "{pkg}/api/views.py",
                "{pkg}/utils.py",
            ],
            tests: &["tests/test_models.py", "tests/test_views.py", "tests/test_api.py"],
            docs: &["docs/install.md", "docs/usage.md", "docs/admin/configuration.md"],
        },
        Stack::Php => Layout {
            manifest: "composer.json",
            ignore: "/vendor/\n/var/\n",
            sources: &[
                "src/Controller/DefaultController.php",
                "src/Service/ExportService.php",
                "src/Entity/Record.php",
                "src/Form/RecordType.php",
                "src/Repository/RecordRepository.php",
            ],
            tests: &["tests/Unit/ExportServiceTest.php", "tests/Functional/DefaultControllerTest.php"],
            docs: &["doc/installation.md", "doc/administration.md"],
        },
        Stack::Java => Layout {
            manifest: "pom.xml",
            ignore: "target/\n*.class\n",
            sources: &[
                "src/main/java/org/{flat}/core/RecordService.java",
                "src/main/java/org/{flat}/web/RecordController.java",
                "src/main/java/org/{flat}/model/Record.java",
                "src/main/java/org/{flat}/util/Dates.java",
            ],
            tests: &["src/test/java/org/{flat}/core/RecordServiceTest.java"],
            docs: &["docs/guide.md", "docs/configuration.md"],
        },
        Stack::Ruby => Layout {
            manifest: "{pkg}.gemspec",
            ignore: "/log/\n/tmp/\n/coverage/\n",
            sources: &[
                "lib/{pkg}.rb",
                "app/models/record.rb",
                "app/controllers/records_controller.rb",
                "app/services/export_service.rb",
                "app/helpers/records_helper.rb",
            ],
            tests: &["spec/models/record_spec.rb", "spec/services/export_service_spec.rb"],
            docs: &["docs/setup.md", "docs/customization.md"],
        },
        Stack::Javascript => Layout {
            manifest: "package.json",
            ignore: "node_modules/\ndist/\n",
            sources: &[
                "src/index.js",
                "src/api/routes.js",
                "src/services/records.js",
                "src/utils/format.js",
                "src/components/RecordForm.js",
            ],
            tests: &["test/records.test.js", "test/format.test.js"],
            docs: &["docs/install.md", "docs/api.md"],
        },
        Stack::Typescript => Layout {
            manifest: "package.json",
            ignore: "node_modules/\ndist/\n",
            sources: &[
                "src/index.ts",
                "src/api/routes.ts",
                "src/services/records.ts",
                "src/utils/format.ts",
                "src/components/RecordForm.ts",
            ],
            tests: &["test/records.test.ts", "test/format.test.ts"],
            docs: &["docs/install.md", "docs/api.md"],
        },
        Stack::Cpp => Layout {
            manifest: "CMakeLists.txt",
            ignore: "build/\n",
            sources: &[
                "src/core/{flat}core.cpp",
                "src/core/{flat}core.h",
                "src/app/main.cpp",
                "src/gui/mainwindow.cpp",
                "src/gui/mainwindow.h",
                "src/analysis/processing.cpp",
            ],
            tests: &["tests/src/core/testcore.cpp"],
            docs: &["doc/BUILD.md", "doc/development.md"],
        },
        Stack::Ocaml => Layout {
            manifest: "dune-project",
            ignore: "_build/\n",
            sources: &["src/{pkg}/lexer.ml", "src/{pkg}/parser.ml", "src/{pkg}/typing.ml", "src/{pkg}/interpreter.ml"],
            tests: &["tests/test_typing.ml"],
            docs: &["doc/syntax.md", "doc/tutorial.md"],
        },
        Stack::Perl => Layout {
            manifest: "Makefile.PL",
            ignore: "blib/\nMakefile\n",
            sources: &["lib/{Pkg}/Core.pm", "lib/{Pkg}/Portal.pm", "lib/{Pkg}/Auth.pm", "lib/{Pkg}/Utils.pm"],
            tests: &["t/01-core.t", "t/02-portal.t"],
            docs: &["doc/install.md"],
        },
    }
}

/// A generated source or documentation file: a list of functions (or sections).
#[derive(Debug, Clone, Default)]
struct Source {
    units: Vec<Unit>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Unit {
    verb: usize,
    topic: usize,
    value: u32,
}

/// The state of the files while the history is generated; `changed` collects the current
/// commit's files.
struct Workspace<'a> {
    plan: &'a Plan,
    slug: &'a str,
    names: Names,
    sources: Vec<String>,
    tests: Vec<String>,
    docs: Vec<String>,
    manifest: String,
    ignore: &'static str,
    files: BTreeMap<String, Source>,
    version: String,
    dependencies: u32,
    changelog: Vec<String>,
    /// Subjects since the last release, for its changelog section.
    pending: Vec<String>,
    has_contributing: bool,
    start_year: i32,
    changed: Vec<(String, Option<Vec<u8>>)>,
}

#[derive(Debug, Clone)]
struct Names {
    pkg: String,
    camel: String,
    flat: String,
}

impl<'a> Workspace<'a> {
    fn new(plan: &'a Plan, slug: &'a str, start: i64) -> Self {
        let names = match &plan.package {
            Some(package) => Names { pkg: package.clone(), camel: package.clone(), flat: package.to_lowercase() },
            None => Names {
                pkg: slug.replace('-', "_"),
                camel: slug.split('-').map(capitalise).collect(),
                flat: slug.replace('-', ""),
            },
        };
        let spell = |path: &str| {
            path.replace("{pkg}", &names.pkg).replace("{Pkg}", &names.camel).replace("{flat}", &names.flat)
        };
        let layout = layout(plan.stack);
        let version = "0.1.0".to_owned();
        Self {
            plan,
            slug,
            sources: layout.sources.iter().map(|p| spell(p)).collect(),
            tests: layout.tests.iter().map(|p| spell(p)).collect(),
            docs: layout.docs.iter().map(|p| spell(p)).collect(),
            manifest: spell(layout.manifest),
            ignore: layout.ignore,
            names,
            files: BTreeMap::new(),
            version,
            dependencies: 0,
            changelog: Vec::new(),
            pending: Vec::new(),
            has_contributing: false,
            start_year: chrono::DateTime::from_timestamp(start, 0).map_or(2000, |d| d.year()),
            changed: Vec::new(),
        }
    }

    fn take(&mut self) -> Vec<(String, Option<Vec<u8>>)> {
        std::mem::take(&mut self.changed)
    }

    fn write(&mut self, path: &str, text: String) {
        self.changed.push((path.to_owned(), Some(text.into_bytes())));
    }

    fn fr(&self) -> bool {
        self.plan.language == Language::Fr
    }

    fn initial(&mut self) -> String {
        self.write_readme();
        if let Some(text) = self
            .plan
            .licence_file
            .then(|| licence_text(&self.plan.licence, self.start_year, &self.plan.copyright))
            .flatten()
        {
            self.write("LICENSE", text);
        }
        self.write(".gitignore", self.ignore.to_owned());
        self.write_manifest();
        let first = self.sources[0].clone();
        self.files.insert(first.clone(), Source { units: vec![Unit { verb: 0, topic: 0, value: 1 }] });
        self.render(&first);
        let doc = self.docs[0].clone();
        self.files.insert(doc.clone(), Source { units: vec![Unit { verb: 0, topic: 1, value: 1 }] });
        self.render(&doc);
        if self.fr() { "Import initial" } else { "Initial commit" }.to_owned()
    }

    fn release(&mut self, label: &str, date: NaiveDate) -> String {
        self.version = label.to_owned();
        self.write_manifest();
        if self.plan.changelog {
            let mut items: Vec<String> = Vec::new();
            for subject in self.pending.iter().rev() {
                if items.len() < 6 && !items.contains(subject) {
                    items.push(subject.clone());
                }
            }
            if items.is_empty() {
                items.push(if self.fr() { "Maintenance" } else { "Maintenance release" }.to_owned());
            }
            let list: String = items.iter().map(|i| format!("- {i}\n")).collect();
            self.changelog.insert(0, format!("## {label} - {date}\n\n{list}"));
            self.write_changelog();
        }
        self.pending.clear();
        if self.fr() {
            format!("Version {label}")
        } else {
            format!("Release {label}")
        }
    }

    /// One ordinary commit: mostly code, some tests, documentation, dependencies, and now
    /// and then a file removed.
    fn change(&mut self, rng: &mut Rng) -> String {
        let language = self.plan.language;
        let roll = rng.unit();
        let topic = rng.below(TOPICS.len());
        if roll < 0.58 {
            let path = rng.pick(&self.sources).clone();
            let (change, topic) = self.edit(&path, topic, rng);
            if rng.chance(0.3) {
                let test = rng.pick(&self.tests).clone();
                self.grow(&test, topic, rng);
            }
            subject(change, topic, language, rng)
        } else if roll < 0.72 {
            let test = rng.pick(&self.tests).clone();
            self.grow(&test, topic, rng);
            subject(Change::Test, topic, language, rng)
        } else if roll < 0.84 {
            let doc = rng.pick(&self.docs).clone();
            let (_, topic) = self.edit(&doc, topic, rng);
            subject(Change::Docs, topic, language, rng)
        } else if roll < 0.90 {
            self.dependencies += 1;
            self.write_manifest();
            subject(Change::Dependencies, topic, language, rng)
        } else if roll < 0.93 {
            // Tests and documentation pages come and go; sources and the first page stay.
            let removable: Vec<String> = self
                .files
                .keys()
                .filter(|p| (self.tests.contains(p) || self.docs.contains(p)) && **p != self.docs[0])
                .cloned()
                .collect();
            if removable.is_empty() {
                let path = rng.pick(&self.sources).clone();
                let (change, topic) = self.edit(&path, topic, rng);
                return subject(change, topic, language, rng);
            }
            let path = rng.pick(&removable).clone();
            self.files.remove(&path);
            self.changed.push((path.clone(), None));
            if self.fr() {
                format!("Suppression de {path}, obsolète")
            } else {
                format!("Remove obsolete {path}")
            }
        } else {
            let first = rng.pick(&self.sources).clone();
            let second = rng.pick(&self.sources).clone();
            self.tweak(&first, topic, rng);
            self.tweak(&second, topic, rng);
            subject(Change::Fix, topic, language, rng)
        }
    }

    /// Adds, changes or removes a function of a file (creating the file if needed); returns
    /// what happened and the topic it was about.
    fn edit(&mut self, path: &str, topic: usize, rng: &mut Rng) -> (Change, usize) {
        let roll = rng.unit();
        let len = self.files.get(path).map_or(0, |s| s.units.len());
        if len == 0 || (roll < 0.45 && len < 30) {
            self.grow(path, topic, rng);
            (Change::Add, topic)
        } else if roll < 0.9 || len < 2 {
            (Change::Fix, self.tweak(path, topic, rng))
        } else {
            let source = self.files.get_mut(path).expect("len > 0");
            let gone = source.units.remove(rng.below(len));
            self.render(path);
            (Change::Remove, gone.topic)
        }
    }

    fn grow(&mut self, path: &str, topic: usize, rng: &mut Rng) {
        let source = self.files.entry(path.to_owned()).or_default();
        let verb = rng.below(VERBS.len());
        let value = 1 + rng.below(99) as u32;
        if !source.units.iter().any(|u| u.verb == verb && u.topic == topic) {
            let at = rng.below(source.units.len() + 1);
            source.units.insert(at, Unit { verb, topic, value });
        } else if let Some(unit) = source.units.iter_mut().find(|u| u.verb == verb && u.topic == topic) {
            unit.value += 1;
        }
        self.render(path);
    }

    /// Changes one function of the file; returns its topic.
    fn tweak(&mut self, path: &str, topic: usize, rng: &mut Rng) -> usize {
        let source = self.files.entry(path.to_owned()).or_default();
        if source.units.is_empty() {
            source.units.push(Unit { verb: 0, topic, value: 1 });
        }
        let index = rng.below(source.units.len());
        let unit = &mut source.units[index];
        unit.value = unit.value % 97 + 1 + rng.below(7) as u32;
        let topic = unit.topic;
        self.render(path);
        topic
    }

    fn add_extra(&mut self, extra: Extra) -> String {
        let fr = self.fr();
        match extra {
            Extra::Contributing => {
                self.write("CONTRIBUTING.md", self.contributing());
                self.has_contributing = true;
                self.write_readme();
                if fr { "Ajout du guide de contribution" } else { "Add contributing guide" }.to_owned()
            }
            Extra::CodeOfConduct => {
                self.write("CODE_OF_CONDUCT.md", self.code_of_conduct());
                if fr { "Ajout du code de conduite" } else { "Add code of conduct" }.to_owned()
            }
            Extra::Security => {
                self.write("SECURITY.md", self.security());
                if fr { "Ajout de la politique de sécurité" } else { "Add security policy" }.to_owned()
            }
            Extra::Publiccode => {
                let text = crate::fixtures::publiccode(self.slug).unwrap_or_default().to_owned();
                self.write("publiccode.yml", text);
                if fr { "Ajout du fichier publiccode.yml" } else { "Add publiccode.yml" }.to_owned()
            }
            Extra::Changelog => {
                let mut items: Vec<String> = Vec::new();
                for subject in self.pending.iter().rev() {
                    if items.len() < 6 && !items.contains(subject) {
                        items.push(subject.clone());
                    }
                }
                let list: String = items.iter().map(|i| format!("- {i}\n")).collect();
                let title = if fr { "Non publié" } else { "Unreleased" };
                self.changelog = vec![format!("## {title}\n\n{list}")];
                self.write_changelog();
                if fr { "Ajout du journal des modifications" } else { "Add changelog" }.to_owned()
            }
        }
    }

    fn render(&mut self, path: &str) {
        let text = match self.files.get(path) {
            Some(source) => render_source(path, source, &self.names, self.plan.language),
            None => return,
        };
        self.write(path, text);
    }

    fn write_manifest(&mut self) {
        let text =
            manifest(self.plan.stack, self.slug, &self.names, &self.version, self.dependencies, &self.plan.licence);
        let path = self.manifest.clone();
        self.write(&path, text);
    }

    fn write_changelog(&mut self) {
        let head = if self.fr() {
            "# Journal des modifications\n\nLes changements notables de chaque version sont consignés ici.\n"
        } else {
            "# Changelog\n\nAll notable changes of each release are documented here.\n"
        };
        let text =
            std::iter::once(head.to_owned()).chain(self.changelog.iter().cloned()).collect::<Vec<_>>().join("\n");
        self.write("CHANGELOG.md", text);
    }

    fn write_readme(&mut self) {
        let plan = self.plan;
        let docs = self.docs[0].split('/').next().unwrap_or("docs").to_owned();
        let (name, summary, licence) = (&plan.name, plan.summary.trim(), &plan.licence);
        let text = match (plan.readme, self.fr()) {
            (Readme::None, _) => return,
            (Readme::Markdown, true) => {
                let mut text = format!(
                    "# {name}\n\n{summary}\n\n## Installation\n\nLa documentation d'installation et \
                     d'administration se trouve dans le dossier `{docs}/`.\n"
                );
                if self.has_contributing {
                    text.push_str("\n## Contribuer\n\nLes contributions sont les bienvenues : voir [CONTRIBUTING.md](CONTRIBUTING.md).\n");
                }
                text.push_str(&format!("\n## Licence\n\n{name} est un logiciel libre publié sous licence {licence}"));
                text.push_str(if plan.licence_file { " ; voir le fichier [LICENSE](LICENSE).\n" } else { ".\n" });
                text
            }
            (Readme::Markdown, false) => {
                let mut text = format!(
                    "# {name}\n\n{summary}\n\n## Installation\n\nInstallation and administration guides are in \
                     the `{docs}/` folder.\n"
                );
                if self.has_contributing {
                    text.push_str(
                        "\n## Contributing\n\nContributions are welcome: see [CONTRIBUTING.md](CONTRIBUTING.md).\n",
                    );
                }
                text.push_str(&format!("\n## License\n\n{name} is free software, released under {licence}"));
                text.push_str(if plan.licence_file { "; see [LICENSE](LICENSE).\n" } else { ".\n" });
                text
            }
            (Readme::Plain, fr) => {
                let rule = "=".repeat(name.chars().count());
                let (install, licence_line, see) = if fr {
                    (
                        format!("Installation : voir la documentation dans le dossier {docs}/."),
                        "Licence :",
                        ", voir le fichier LICENSE",
                    )
                } else {
                    (
                        format!("Installation: see the guides in the {docs}/ folder."),
                        "License:",
                        ", see the LICENSE file",
                    )
                };
                let see = if plan.licence_file { see } else { "" };
                let contributing = match (self.has_contributing, fr) {
                    (false, _) => String::new(),
                    (true, true) => "Contribuer : voir CONTRIBUTING.md.\n".to_owned(),
                    (true, false) => "Contributing: see CONTRIBUTING.md.\n".to_owned(),
                };
                format!("{name}\n{rule}\n\n{summary}\n\n{install}\n{contributing}{licence_line} {licence}{see}.\n")
            }
        };
        let path = if plan.readme == Readme::Plain { "README" } else { "README.md" };
        self.write(path, text);
    }

    /// The address the security policy and code of conduct give: the lead author's.
    fn contact(&self) -> &str {
        let lead =
            self.plan.authors.iter().fold(&self.plan.authors[0], |best, a| if a.share > best.share { a } else { best });
        &lead.email
    }

    fn contributing(&self) -> String {
        let (name, branch, licence) = (&self.plan.name, &self.plan.branch, &self.plan.licence);
        if self.fr() {
            let changelog = if self.plan.changelog { " et dans CHANGELOG.md" } else { "" };
            format!(
                "# Contribuer à {name}\n\nMerci de votre intérêt ! Les contributions des collectivités, des \
                 prestataires et des particuliers sont les bienvenues.\n\n## Signaler un problème\n\nOuvrez un \
                 ticket en décrivant le contexte, les étapes pour reproduire et le comportement attendu, sans \
                 données personnelles.\n\n## Proposer une modification\n\n1. Partez de la branche `{branch}`.\n2. \
                 Ajoutez ou adaptez les tests.\n3. Décrivez la modification dans la demande de fusion{changelog}.\n\n\
                 Les contributions sont publiées sous la licence du projet ({licence}).\n"
            )
        } else {
            let changelog = if self.plan.changelog { " and in CHANGELOG.md" } else { "" };
            format!(
                "# Contributing to {name}\n\nThank you for your interest! Contributions from public bodies, \
                 service providers and individuals are welcome.\n\n## Reporting a problem\n\nOpen an issue with \
                 the context, the steps to reproduce and the expected behaviour, without personal data.\n\n## \
                 Proposing a change\n\n1. Start from the `{branch}` branch.\n2. Add or adapt the tests.\n3. \
                 Describe the change in the pull request{changelog}.\n\nContributions are published under the \
                 project's licence ({licence}).\n"
            )
        }
    }

    fn security(&self) -> String {
        let (branch, contact) = (&self.plan.branch, self.contact());
        let released = self.plan.releases.is_some();
        if self.fr() {
            let versions = if released {
                "Seule la dernière version publiée reçoit des correctifs de sécurité.".to_owned()
            } else {
                format!("Les correctifs de sécurité sont publiés sur la branche `{branch}`.")
            };
            format!(
                "# Politique de sécurité\n\n## Versions maintenues\n\n{versions}\n\n## Signaler une \
                 vulnérabilité\n\nNe signalez pas une vulnérabilité dans un ticket public : écrivez à {contact} \
                 en décrivant le problème et la façon de le reproduire. Nous accusons réception sous cinq jours \
                 ouvrés et publions un correctif et un avis dès que possible.\n"
            )
        } else {
            let versions = if released {
                "Only the latest release receives security fixes.".to_owned()
            } else {
                format!("Security fixes are published on the `{branch}` branch.")
            };
            format!(
                "# Security policy\n\n## Supported versions\n\n{versions}\n\n## Reporting a vulnerability\n\n\
                 Please do not report vulnerabilities in public issues: write to {contact} with a description of \
                 the problem and how to reproduce it. We acknowledge reports within five working days and publish \
                 a fix and an advisory as soon as possible.\n"
            )
        }
    }

    fn code_of_conduct(&self) -> String {
        let (name, contact) = (&self.plan.name, self.contact());
        if self.fr() {
            format!(
                "# Code de conduite\n\nNous voulons que la communauté de {name} soit accueillante pour toutes et \
                 tous, quels que soient l'expérience, l'origine ou l'identité.\n\n- Soyez respectueux et \
                 bienveillants, y compris dans le désaccord.\n- Les propos et comportements harcelants ou \
                 discriminatoires ne sont pas tolérés.\n- Les responsables du projet peuvent modérer, masquer ou \
                 exclure les contributions qui enfreignent ce code.\n\nPour signaler un problème : {contact}. Ce \
                 code s'inspire du Contributor Covenant, version 2.1.\n"
            )
        } else {
            format!(
                "# Code of conduct\n\nWe want the {name} community to be welcoming to everyone, whatever their \
                 experience, background or identity.\n\n- Be respectful and kind, including when you disagree.\n- \
                 Harassment and discriminatory language or behaviour are not tolerated.\n- Maintainers may \
                 moderate, hide or reject contributions that break this code.\n\nTo report a problem: {contact}. \
                 This code is adapted from the Contributor Covenant, version 2.1.\n"
            )
        }
    }
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

fn camel(verb: &str, topic: &str) -> String {
    format!("{verb}{}", capitalise(topic))
}

/// A source file in its language's syntax: one small function per unit.
fn render_source(path: &str, source: &Source, names: &Names, language: Language) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    let (stem, extension) = file.rsplit_once('.').unwrap_or((file, ""));
    let units = source.units.iter().map(|u| (VERBS[u.verb], TOPICS[u.topic].0, u.value, u.topic));
    let mut out = String::new();
    match extension {
        "py" => {
            out.push_str(&format!("\"\"\"{}.\"\"\"\n", stem.replace('_', " ")));
            for (verb, topic, value, _) in units {
                if stem.starts_with("test_") {
                    out.push_str(&format!("\n\ndef test_{verb}_{topic}():\n    assert {value} > 0\n"));
                } else {
                    out.push_str(&format!("\n\ndef {verb}_{topic}(value):\n    return value + {value}\n"));
                }
            }
        }
        "php" => {
            out.push_str(&format!("<?php\n\nfinal class {stem}\n{{\n"));
            for (verb, topic, value, _) in units {
                out.push_str(&format!(
                    "    public function {}(int $value): int\n    {{\n        return $value + {value};\n    }}\n\n",
                    camel(verb, topic)
                ));
            }
            out.push_str("}\n");
        }
        "java" => {
            let package = path
                .split_once("/java/")
                .map_or(String::new(), |(_, rest)| rest.rsplit_once('/').map_or("", |(dir, _)| dir).replace('/', "."));
            out.push_str(&format!("package {package};\n\npublic class {stem} {{\n"));
            for (verb, topic, value, _) in units {
                out.push_str(&format!(
                    "\n    public int {}(int value) {{\n        return value + {value};\n    }}\n",
                    camel(verb, topic)
                ));
            }
            out.push_str("}\n");
        }
        "rb" => {
            out.push_str("# frozen_string_literal: true\n");
            if stem.ends_with("_spec") {
                out.push_str(&format!("\nRSpec.describe \"{stem}\" do\n"));
                for (verb, topic, value, _) in units {
                    out.push_str(&format!(
                        "  it \"can {verb} {topic}\" do\n    expect({value}).to be_positive\n  end\n"
                    ));
                }
                out.push_str("end\n");
            } else {
                out.push_str(&format!("\nmodule {}\n", names.camel));
                for (verb, topic, value, _) in units {
                    out.push_str(&format!("  def self.{verb}_{topic}(value)\n    value + {value}\n  end\n\n"));
                }
                out.push_str("end\n");
            }
        }
        "js" | "ts" => {
            let typed = if extension == "ts" { ": number" } else { "" };
            for (verb, topic, value, _) in units {
                if stem.ends_with(".test") {
                    out.push_str(&format!(
                        "test('{verb} {topic}', () => {{\n  expect({value}).toBeGreaterThan(0);\n}});\n\n"
                    ));
                } else {
                    out.push_str(&format!(
                        "export function {}(value{typed}){typed} {{\n  return value + {value};\n}}\n\n",
                        camel(verb, topic)
                    ));
                }
            }
        }
        "cpp" | "h" => {
            if extension == "h" {
                out.push_str("#pragma once\n\n");
            } else {
                out.push_str(&format!("#include \"{stem}.h\"\n\n"));
            }
            for (verb, topic, value, _) in units {
                if extension == "h" {
                    out.push_str(&format!("int {}( int value );\n", camel(verb, topic)));
                } else {
                    out.push_str(&format!(
                        "int {}( int value )\n{{\n  return value + {value};\n}}\n\n",
                        camel(verb, topic)
                    ));
                }
            }
        }
        "ml" => {
            for (verb, topic, value, _) in units {
                out.push_str(&format!("let {verb}_{topic} value = value + {value}\n\n"));
            }
        }
        "pm" => {
            let module = path.trim_start_matches("lib/").trim_end_matches(".pm").replace('/', "::");
            out.push_str(&format!("package {module};\n\nuse strict;\nuse warnings;\n\n"));
            for (verb, topic, value, _) in units {
                out.push_str(&format!(
                    "sub {verb}_{topic} {{\n    my ($value) = @_;\n    return $value + {value};\n}}\n\n"
                ));
            }
            out.push_str("1;\n");
        }
        "t" => {
            out.push_str("use strict;\nuse warnings;\nuse Test::More;\n\n");
            for (verb, topic, value, _) in units {
                out.push_str(&format!("ok( {value} > 0, '{verb} {topic}' );\n"));
            }
            out.push_str("\ndone_testing();\n");
        }
        _ => {
            let title = capitalise(&stem.replace(['_', '-'], " ").to_lowercase());
            out.push_str(&format!("# {title}\n"));
            for (verb, _, value, topic) in units {
                let (_, en, fr) = TOPICS[topic];
                let line = match language {
                    Language::Fr => {
                        format!("Cette section explique comment traiter la gestion {fr} (étape {value}, « {verb} »).")
                    }
                    Language::En => format!("This section explains how to work with {en} (step {value}, `{verb}`)."),
                };
                out.push_str(&format!("\n## {}\n\n{line}\n", capitalise(en)));
            }
        }
    }
    out
}

/// The manifest of a stack, with the version released last and a dependency that moves.
fn manifest(stack: Stack, slug: &str, names: &Names, version: &str, deps: u32, licence: &str) -> String {
    match stack {
        Stack::Python => format!(
            "[project]\nname = \"{slug}\"\nversion = \"{version}\"\nlicense = \"{licence}\"\nrequires-python = \
             \">=3.10\"\ndependencies = [\n    \"requests>=2.{}\",\n    \"python-dateutil>=2.{}\",\n]\n",
            28 + deps % 10,
            8 + deps / 10 % 5
        ),
        Stack::Php => format!(
            "{{\n    \"name\": \"{slug}/{slug}\",\n    \"version\": \"{version}\",\n    \"license\": \"{licence}\",\n    \
             \"require\": {{\n        \"php\": \">=8.1\",\n        \"monolog/monolog\": \"^3.{}\"\n    }}\n}}\n",
            deps % 10
        ),
        Stack::Java => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  \
             <modelVersion>4.0.0</modelVersion>\n  <groupId>org.{}</groupId>\n  <artifactId>{slug}</artifactId>\n  \
             <version>{version}</version>\n  <properties>\n    <slf4j.version>2.0.{}</slf4j.version>\n  \
             </properties>\n</project>\n",
            names.flat, deps
        ),
        Stack::Ruby => format!(
            "Gem::Specification.new do |spec|\n  spec.name = \"{}\"\n  spec.version = \"{version}\"\n  spec.license \
             = \"{licence}\"\n  spec.add_dependency \"rails\", \"~> 7.{}\"\nend\n",
            names.pkg,
            deps % 3
        ),
        Stack::Javascript | Stack::Typescript => format!(
            "{{\n  \"name\": \"{slug}\",\n  \"version\": \"{version}\",\n  \"license\": \"{licence}\",\n  \
             \"dependencies\": {{\n    \"dayjs\": \"^1.11.{}\"\n  }}\n}}\n",
            deps
        ),
        Stack::Cpp => format!(
            "cmake_minimum_required(VERSION 3.16)\nproject({} VERSION {} LANGUAGES CXX)\n\nset(CMAKE_CXX_STANDARD \
             17)\nfind_package(Qt6 6.{} REQUIRED COMPONENTS Core)\n",
            names.camel,
            cmake_version(version),
            2 + deps % 6
        ),
        Stack::Ocaml => format!(
            "(lang dune 3.{})\n(name {})\n(version {version})\n(license {licence})\n",
            8 + deps % 8,
            names.pkg
        ),
        Stack::Perl => format!(
            "use ExtUtils::MakeMaker;\n\nWriteMakefile(\n    NAME         => '{}',\n    VERSION      => '{version}',\n    \
             LICENSE      => '{licence}',\n    PREREQ_PM    => {{ 'Mouse' => '2.{}' }},\n);\n",
            names.camel,
            4 + deps % 6
        ),
    }
}

/// CMake wants digits and dots only.
fn cmake_version(version: &str) -> String {
    let digits: String = version.chars().filter(|c| c.is_ascii_digit() || *c == '.').collect();
    if digits.is_empty() {
        "0.1.0".to_owned()
    } else {
        digits
    }
}

/// The licences a LICENSE file can be written for.
const LICENCES: &[&str] = &[
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "MPL-2.0",
    "Apache-2.0",
    "MIT",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "EUPL-1.2",
    "CECILL-2.0",
    "CECILL-2.1",
];

/// A short standard notice of the licence (the full text for the short permissive ones),
/// ending with its SPDX identifier, as many projects' LICENSE files do.
fn licence_text(spdx: &str, year: i32, holder: &str) -> Option<String> {
    let body = if let Some((title, full, version, library)) = gnu(spdx) {
        let thing = if library { "library" } else { "program" };
        let later = spdx.ends_with("-or-later");
        let permission = match (version.starts_with('3'), later) {
            (true, true) => format!(
                "This {thing} is free software: you can redistribute it and/or modify it under the terms of the \
                 {full} as published by the Free Software Foundation, either version {version} of the License, or \
                 (at your option) any later version."
            ),
            (true, false) => format!(
                "This {thing} is free software: you can redistribute it and/or modify it under the terms of the \
                 {full} as published by the Free Software Foundation, version {version}."
            ),
            (false, true) => format!(
                "This {thing} is free software; you can redistribute it and/or modify it under the terms of the \
                 {full} as published by the Free Software Foundation; either version {version} of the License, or \
                 (at your option) any later version."
            ),
            (false, false) => format!(
                "This {thing} is free software; you can redistribute it and/or modify it under the terms of the \
                 {full} version {version} as published by the Free Software Foundation."
            ),
        };
        let warranty = format!(
            "This {thing} is distributed in the hope that it will be useful, but WITHOUT ANY WARRANTY; without \
             even the implied warranty of MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE. See the {full} for \
             more details."
        );
        let copy = format!(
            "You should have received a copy of the {full} along with this {thing}. If not, see \
             <https://www.gnu.org/licenses/>."
        );
        format!("{title}\n\nCopyright (C) {year} {holder}\n\n{}\n", paragraphs(&[&permission, &warranty, &copy]))
    } else {
        match spdx {
            "MIT" => format!(
                "MIT License\n\nCopyright (c) {year} {holder}\n\n{}\n",
                paragraphs(&[
                    "Permission is hereby granted, free of charge, to any person obtaining a copy of this software \
                     and associated documentation files (the \"Software\"), to deal in the Software without \
                     restriction, including without limitation the rights to use, copy, modify, merge, publish, \
                     distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the \
                     Software is furnished to do so, subject to the following conditions:",
                    "The above copyright notice and this permission notice shall be included in all copies or \
                     substantial portions of the Software.",
                    "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING \
                     BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND \
                     NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, \
                     DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, \
                     OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.",
                ])
            ),
            "BSD-2-Clause" | "BSD-3-Clause" => {
                let three = spdx == "BSD-3-Clause";
                let mut parts = vec![
                    "Redistribution and use in source and binary forms, with or without modification, are \
                     permitted provided that the following conditions are met:",
                    "1. Redistributions of source code must retain the above copyright notice, this list of \
                     conditions and the following disclaimer.",
                    "2. Redistributions in binary form must reproduce the above copyright notice, this list of \
                     conditions and the following disclaimer in the documentation and/or other materials provided \
                     with the distribution.",
                ];
                if three {
                    parts.push(
                        "3. Neither the name of the copyright holder nor the names of its contributors may be used \
                         to endorse or promote products derived from this software without specific prior written \
                         permission.",
                    );
                }
                parts.push(
                    "THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS \"AS IS\" AND ANY EXPRESS \
                     OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF \
                     MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE \
                     COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, \
                     EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE \
                     GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND \
                     ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING \
                     NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF \
                     THE POSSIBILITY OF SUCH DAMAGE.",
                );
                let title = if three { "BSD 3-Clause License" } else { "BSD 2-Clause License" };
                format!("{title}\n\nCopyright (c) {year}, {holder}\n\n{}\n", paragraphs(&parts))
            }
            "Apache-2.0" => format!(
                "Copyright {year} {holder}\n\n{}\n\n    http://www.apache.org/licenses/LICENSE-2.0\n\n{}\n",
                paragraphs(&[
                    "Licensed under the Apache License, Version 2.0 (the \"License\"); you may not use this file \
                     except in compliance with the License. You may obtain a copy of the License at"
                ]),
                paragraphs(&[
                    "Unless required by applicable law or agreed to in writing, software distributed under the \
                     License is distributed on an \"AS IS\" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, \
                     either express or implied. See the License for the specific language governing permissions and \
                     limitations under the License."
                ])
            ),
            "MPL-2.0" => format!(
                "Mozilla Public License Version 2.0\n\n{}\n",
                paragraphs(&[
                    "This Source Code Form is subject to the terms of the Mozilla Public License, v. 2.0. If a copy \
                     of the MPL was not distributed with this file, You can obtain one at \
                     https://mozilla.org/MPL/2.0/."
                ])
            ),
            "EUPL-1.2" => format!(
                "Copyright {year} {holder}\n\n{}\n",
                paragraphs(&[
                    "Licensed under the EUPL, Version 1.2 or - as soon they will be approved by the European \
                     Commission - subsequent versions of the EUPL (the \"Licence\"); You may not use this work \
                     except in compliance with the Licence. You may obtain a copy of the Licence at: \
                     https://joinup.ec.europa.eu/software/page/eupl",
                    "Unless required by applicable law or agreed to in writing, software distributed under the \
                     Licence is distributed on an \"AS IS\" basis, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, \
                     either express or implied. See the Licence for the specific language governing permissions and \
                     limitations under the Licence.",
                ])
            ),
            "CECILL-2.0" | "CECILL-2.1" => {
                let version = &spdx["CECILL-".len()..];
                format!(
                    "Copyright (c) {year} {holder}\n\n{}\n",
                    paragraphs(&[
                        &format!(
                            "Ce logiciel est régi par la licence CeCILL version {version} soumise au droit français \
                             et respectant les principes de diffusion des logiciels libres. Vous pouvez utiliser, \
                             modifier et/ou redistribuer ce programme sous les conditions de la licence CeCILL telle \
                             que diffusée par le CEA, le CNRS et l'INRIA sur le site \"http://www.cecill.info\"."
                        ),
                        "Le fait que vous puissiez accéder à cet en-tête signifie que vous avez pris connaissance de \
                         la licence CeCILL, et que vous en avez accepté les termes.",
                    ])
                )
            }
            _ => return None,
        }
    };
    Some(format!("{body}\nSPDX-License-Identifier: {spdx}\n"))
}

/// Title, full name, version and whether it is the "Lesser" (library) licence.
fn gnu(spdx: &str) -> Option<(&'static str, &'static str, &'static str, bool)> {
    let base = spdx.strip_suffix("-only").or_else(|| spdx.strip_suffix("-or-later"))?;
    Some(match base {
        "AGPL-3.0" => ("GNU AFFERO GENERAL PUBLIC LICENSE, Version 3", "GNU Affero General Public License", "3", false),
        "GPL-3.0" => ("GNU GENERAL PUBLIC LICENSE, Version 3", "GNU General Public License", "3", false),
        "GPL-2.0" => ("GNU GENERAL PUBLIC LICENSE, Version 2", "GNU General Public License", "2", false),
        "LGPL-3.0" => ("GNU LESSER GENERAL PUBLIC LICENSE, Version 3", "GNU Lesser General Public License", "3", true),
        "LGPL-2.1" => {
            ("GNU LESSER GENERAL PUBLIC LICENSE, Version 2.1", "GNU Lesser General Public License", "2.1", true)
        }
        _ => return None,
    })
}

/// Paragraphs wrapped at 72 columns, as licence files are.
fn paragraphs(texts: &[&str]) -> String {
    texts
        .iter()
        .map(|text| {
            let mut lines = Vec::new();
            let mut line = String::new();
            for word in text.split_whitespace() {
                if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > 72 {
                    lines.push(std::mem::take(&mut line));
                }
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
            }
            lines.push(line);
            lines.join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use git2::Repository;

    use super::*;
    use crate::history::write_bare;

    const HISTORIES: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/histories.json"));
    const SOFTWARE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/software.json"));

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 15).unwrap()
    }

    fn fixture() -> BTreeMap<String, Plan> {
        plans(HISTORIES).unwrap()
    }

    fn head_file(repo: &Repository, path: &str) -> Option<String> {
        let tree = repo.head().ok()?.peel_to_tree().ok()?;
        let entry = tree.get_path(Path::new(path)).ok()?;
        Some(String::from_utf8(repo.find_blob(entry.id()).ok()?.content().to_vec()).unwrap())
    }

    #[test]
    fn every_software_has_a_plan_and_every_plan_a_software() {
        let software: Vec<serde_json::Value> = serde_json::from_str(SOFTWARE).unwrap();
        let slugs: BTreeSet<String> = software.iter().map(|s| s["slug"].as_str().unwrap().to_owned()).collect();
        let planned: BTreeSet<String> = fixture().into_keys().collect();
        assert_eq!(slugs.len(), 47);
        assert_eq!(planned, slugs);
        for record in &software {
            let plan = &fixture()[record["slug"].as_str().unwrap()];
            assert_eq!(plan.name, record["name"].as_str().unwrap());
            assert_eq!(plan.licence, record["licence"].as_str().unwrap());
        }
    }

    #[test]
    fn a_plan_has_a_publiccode_yml_exactly_when_the_fixtures_have_one() {
        for (slug, plan) in fixture() {
            assert_eq!(
                plan.publiccode,
                crate::fixtures::publiccode(&slug).is_some(),
                "{slug}: publiccode.yml exactly when the fixture has one"
            );
        }
    }

    #[test]
    fn the_fixture_is_varied_and_its_people_invented() {
        let plans = fixture();
        let mut branches = BTreeSet::new();
        for (slug, plan) in &plans {
            assert!(plan.commits_last_year + plan.commits_before <= 300, "{slug}: keep the demo small");
            for author in &plan.authors {
                assert!(author.email.ends_with(".example"), "{slug}: {} must be on a reserved domain", author.email);
            }
            assert!(plan.community.as_ref().is_none_or(|c| c.domain.ends_with(".example")), "{slug}");
            branches.insert(plan.branch.as_str());
        }
        assert!(branches.len() >= 3, "{branches:?}");
        assert!(plans.values().filter(|p| p.commits_last_year == 0).count() >= 1, "a dormant project");
        assert!(plans.values().any(|p| p.releases.is_none()), "a project without releases");
        assert!(plans.values().any(|p| !p.licence_file), "a project without a LICENSE file");
        assert!(plans.values().any(|p| p.readme == Readme::Plain), "a plain-text README");
    }

    /// Generates, writes and checks the whole demo, as `communs serve --demo` does.
    #[test]
    fn every_plan_writes_the_repository_it_describes() {
        let plans = fixture();
        let root = tempfile::tempdir().unwrap();
        let clock = std::time::Instant::now();
        let mut commits = 0;
        for (slug, plan) in &plans {
            let history = plan.history(slug, today());
            commits += history.commits.len();
            write_bare(&root.path().join(slug), &history).unwrap();
        }
        println!("{} demo plans, {commits} commits, generated and written in {:?}", plans.len(), clock.elapsed());

        let now = today().and_hms_opt(0, 0, 0).unwrap().and_utc();
        for (slug, plan) in &plans {
            let repo = Repository::open_bare(root.path().join(slug)).unwrap();
            let head = repo.head().unwrap();
            assert_eq!(head.name().ok(), Some(format!("refs/heads/{}", plan.branch).as_str()), "{slug}");
            let mut walk = repo.revwalk().unwrap();
            walk.push_head().unwrap();
            let mut recent = 0;
            let mut dates = Vec::new();
            let mut authors = BTreeSet::new();
            for id in walk {
                let commit = repo.find_commit(id.unwrap()).unwrap();
                let when = chrono::DateTime::from_timestamp(commit.time().seconds(), 0).unwrap();
                assert!(when < now, "{slug}: no commit from today or later");
                if now - when < Duration::days(365) {
                    recent += 1;
                    authors.insert(commit.author().email().unwrap().to_owned());
                }
                dates.push(when);
            }
            assert_eq!(dates.len() as u32, plan.commits_last_year + plan.commits_before, "{slug}");
            assert_eq!(recent, plan.commits_last_year, "{slug}: commits of the last 12 months");
            let newest = dates.iter().max().unwrap().date_naive();
            let oldest = dates.iter().min().unwrap().date_naive();
            assert_eq!((today() - newest).num_days(), i64::from(plan.last_commit_days_ago), "{slug}");
            assert_eq!((today() - oldest).num_days(), days(plan.started_years_ago), "{slug}");
            if plan.commits_last_year >= 50 && plan.authors.len() > 2 {
                assert!(authors.len() >= 3, "{slug}: a lively project has several recent authors");
            }

            let readme = match plan.readme {
                Readme::Markdown => head_file(&repo, "README.md"),
                Readme::Plain => head_file(&repo, "README"),
                Readme::None => None,
            };
            if plan.readme != Readme::None {
                let readme = readme.unwrap_or_else(|| panic!("{slug}: README"));
                assert!(readme.contains(plan.summary.trim()) && readme.contains(&plan.licence), "{slug}");
                assert_eq!(readme.starts_with('#'), plan.readme == Readme::Markdown, "{slug}");
            }
            let licence = head_file(&repo, "LICENSE");
            assert_eq!(licence.is_some(), plan.licence_file, "{slug}: LICENSE");
            if let Some(licence) = licence {
                assert!(licence.ends_with(&format!("SPDX-License-Identifier: {}\n", plan.licence)), "{slug}");
            }
            for (file, wanted) in [
                ("CONTRIBUTING.md", plan.contributing),
                ("CHANGELOG.md", plan.changelog),
                ("SECURITY.md", plan.security),
                ("CODE_OF_CONDUCT.md", plan.code_of_conduct),
                ("publiccode.yml", plan.publiccode),
            ] {
                assert_eq!(head_file(&repo, file).is_some(), wanted, "{slug}: {file}");
            }
            if plan.publiccode {
                assert_eq!(head_file(&repo, "publiccode.yml").as_deref(), crate::fixtures::publiccode(slug), "{slug}");
            }

            let tags = repo.tag_names(None).unwrap();
            match &plan.releases {
                None => assert_eq!(tags.len(), 0, "{slug}"),
                Some(releases) => {
                    assert!(!tags.is_empty(), "{slug}: releases");
                    for tag in tags.iter().flatten().flatten() {
                        let reference = repo.find_reference(&format!("refs/tags/{tag}")).unwrap();
                        assert_eq!(reference.peel_to_tag().is_ok(), releases.annotated, "{slug}: {tag}");
                        assert!(tag.chars().any(|c| c.is_ascii_digit()), "{slug}: {tag}");
                    }
                    if plan.changelog {
                        let changelog = head_file(&repo, "CHANGELOG.md").unwrap();
                        let newest = tags.iter().flatten().flatten().map(|t| {
                            let target =
                                repo.find_reference(&format!("refs/tags/{t}")).unwrap().peel_to_commit().unwrap();
                            (target.time().seconds(), t.to_owned())
                        });
                        let (_, newest) = newest.max().unwrap();
                        assert!(changelog.contains(&format!("## {}", version_label(&newest))), "{slug}: {newest}");
                    }
                }
            }
        }
    }

    #[test]
    fn histories_are_deterministic_and_move_with_the_day() {
        let plans = fixture();
        let plan = &plans["geocity"];
        let one = tempfile::tempdir().unwrap();
        let two = tempfile::tempdir().unwrap();
        let first = write_bare(one.path(), &plan.history("geocity", today())).unwrap();
        let second = write_bare(two.path(), &plan.history("geocity", today())).unwrap();
        assert_eq!(first, second);
        let files = |dir: &Path| {
            let mut found = BTreeMap::new();
            let mut stack = vec![dir.to_path_buf()];
            while let Some(path) = stack.pop() {
                for entry in std::fs::read_dir(&path).unwrap() {
                    let path = entry.unwrap().path();
                    if path.is_dir() {
                        stack.push(path);
                    } else {
                        found.insert(path.strip_prefix(dir).unwrap().to_owned(), std::fs::read(&path).unwrap());
                    }
                }
            }
            found
        };
        assert_eq!(files(one.path()), files(two.path()), "byte-identical repositories");
        assert_eq!(plan.history("geocity", today()), plan.history("geocity", today()));

        let later = plan.history("geocity", today() + Duration::days(100));
        let now = plan.history("geocity", today());
        assert_ne!(later, now);
        assert_eq!(later.commits.len(), now.commits.len());
        assert_eq!(later.authors, now.authors);
        // The same history shifted in time, but for weekend commits moved to a weekday, which
        // can move a release by a commit or so.
        let subjects = |h: &History| {
            h.commits.iter().map(|c| c.message.clone()).filter(|m| !m.starts_with("Version ")).collect::<Vec<_>>()
        };
        assert_eq!(subjects(&later), subjects(&now));
        assert!(later.tags.len().abs_diff(now.tags.len()) <= 1);
        // Another slug with the same plan is another history.
        assert_ne!(subjects(&plan.history("geocity-bis", today())), subjects(&now));
    }

    #[test]
    fn a_second_repository_gets_its_own_history_of_the_same_software() {
        let plans = fixture();
        let plan = &plans["signalen"];
        let (first, second) = (plan.history("signalen", today()), plan.history("signalen-1", today()));
        assert_ne!(first.commits, second.commits);
        let files =
            |h: &History| h.commits.iter().flat_map(|c| c.files.iter().map(|f| f.0.clone())).collect::<BTreeSet<_>>();
        assert!(files(&second).contains("signals/models.py") && files(&second).contains("publiccode.yml"));
        let dir = tempfile::tempdir().unwrap();
        write_bare(dir.path(), &second).unwrap();
        let repo = Repository::open_bare(dir.path()).unwrap();
        assert_eq!(head_file(&repo, "publiccode.yml").as_deref(), crate::fixtures::publiccode("signalen"));

        // A plan read on its own has no slug of its own: the seed names things, and a missing
        // publiccode.yml is left out rather than a panic.
        let json = serde_json::from_str::<serde_json::Value>(HISTORIES).unwrap()["plans"]["signalen"].clone();
        let alone: Plan = serde_json::from_value(json).unwrap();
        let history = alone.history("elsewhere", today());
        assert!(!files(&history).contains("publiccode.yml"));
    }

    #[test]
    fn bad_plans_are_named() {
        let good = serde_json::json!({"plans": {"x": serde_json::from_str::<serde_json::Value>(HISTORIES).unwrap()["plans"]["geocity"]}});
        assert!(plans(&good.to_string()).is_ok());
        let cases = [
            ("/plans/x/licence", serde_json::json!("WTFPL"), "\"x\", field \"licence\""),
            ("/plans/x/last_commit_days_ago", serde_json::json!(400), "field \"last_commit_days_ago\""),
            ("/plans/x/branch", serde_json::json!("a..b"), "field \"branch\""),
            ("/plans/x/authors", serde_json::json!([]), "field \"authors\""),
            ("/plans/x/releases/scheme", serde_json::json!("v{build}"), "field \"releases\""),
            ("/plans/x/publiccode", serde_json::json!(true), "field \"publiccode\""),
            ("/plans/x/stack", serde_json::json!("cobol"), "plan \"x\": unknown variant `cobol`"),
            ("/plans/x/colour", serde_json::json!("blue"), "plan \"x\": unknown field `colour`"),
        ];
        for (pointer, value, expected) in cases {
            let mut bad = good.clone();
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            bad.pointer_mut(parent).unwrap().as_object_mut().unwrap().insert(key.to_owned(), value);
            let error = plans(&bad.to_string()).unwrap_err();
            assert!(error.contains(expected), "{error} should contain {expected}");
        }
        let mut missing = good.clone();
        missing.pointer_mut("/plans/x").unwrap().as_object_mut().unwrap().remove("branch");
        assert!(plans(&missing.to_string()).unwrap_err().contains("plan \"x\": missing field `branch`"));
        assert!(plans("{\"plan\": {}}").unwrap_err().contains("unknown top-level key"));
        assert!(plans("[").is_err());
    }

    #[test]
    fn licence_notices() {
        for spdx in LICENCES {
            let text = licence_text(spdx, 2019, "Ville d'Exemple").unwrap();
            assert!(text.ends_with(&format!("SPDX-License-Identifier: {spdx}\n")), "{spdx}");
            assert!(text.lines().all(|l| l.chars().count() <= 72), "{spdx}: wrapped");
        }
        let agpl = licence_text("AGPL-3.0-or-later", 2019, "Ville d'Exemple").unwrap().replace('\n', " ");
        assert!(agpl.contains(
            "This program is free software: you can redistribute it and/or modify it under the terms of the GNU \
             Affero General Public License as published by the Free Software Foundation, either version 3 of the \
             License, or (at your option) any later version."
        ));
        assert!(licence_text("GPL-2.0-only", 2019, "x")
            .unwrap()
            .replace('\n', " ")
            .contains("General Public License version 2 as published"));
        assert!(licence_text("Proprietary", 2019, "x").is_none());
    }

    #[test]
    fn versions_and_schemes() {
        let date = NaiveDate::from_ymd_opt(2024, 3, 9).unwrap();
        assert_eq!(render_scheme("v{major}.{minor}.{patch}", (1, 2, 3), date), "v1.2.3");
        assert_eq!(render_scheme("release-{year}.{month}", (1, 2, 3), date), "release-2024.03");
        assert_eq!(render_scheme("{yy}.{month}.{patch}", (1, 2, 3), date), "24.03.3");
        assert_eq!(version_label("release-2024.03"), "2024.03");
        assert!(check_scheme("{major}.{minor}").is_ok());
        assert!(check_scheme("stable").is_err());
        assert!(check_scheme("v{major} {minor}").is_err());
        let plan: Releases =
            serde_json::from_value(serde_json::json!({"scheme": "v{major}", "every_months": 1, "minors_per_major": 2}))
                .unwrap();
        assert_eq!(bump((1, 0, 0), 0, 0.9, &plan), ((1, 1, 0), 1));
        assert_eq!(bump((1, 1, 0), 1, 0.9, &plan), ((2, 0, 0), 0));
        assert_eq!(bump((2, 0, 0), 0, 0.1, &plan), ((2, 0, 1), 0));
        assert_eq!(parse_version("10.0"), Some((10, 0, 0)));
        assert_eq!(parse_version("1.x"), None);
    }

    #[test]
    fn generated_sources_look_like_their_language() {
        let names = Names { pkg: "geocity".into(), camel: "Geocity".into(), flat: "geocity".into() };
        let source = Source { units: vec![Unit { verb: 7, topic: 0, value: 3 }] };
        let python = render_source("geocity/models.py", &source, &names, Language::Fr);
        assert!(python.contains("def validate_permit(value):\n    return value + 3\n"), "{python}");
        let java = render_source("src/main/java/org/geocity/core/RecordService.java", &source, &names, Language::En);
        assert!(java.starts_with("package org.geocity.core;\n\npublic class RecordService {"), "{java}");
        let perl = render_source("lib/Koha/Core.pm", &source, &names, Language::En);
        assert!(perl.starts_with("package Koha::Core;") && perl.ends_with("1;\n"), "{perl}");
        let doc = render_source("docs/install.md", &source, &names, Language::Fr);
        assert!(doc.starts_with("# Install\n") && doc.contains("des autorisations"), "{doc}");
    }
}
