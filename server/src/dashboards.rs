//! The adoption and co-funding aggregates, kept in memory and up to date as data changes:
//! each software's contribution (its adoptions per year, kind of adopter and territory, its
//! fundings per year, currency and kind of funder) is read again only when a write touched
//! that software, so that a dashboard never scans a million adoptions per request.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use catalog::{AdoptionFact, FundingFact, SoftwareRef, Store, TerritoryRef};

/// Above this many changed organisations, everything is read again.
const ORGANISATION_REFRESH: usize = 2_000;
/// Software read per query when everything is read.
const BATCH: usize = 500;

/// One software's part of the aggregates, in interned numbers.
#[derive(Debug, Default, Clone)]
struct Contribution {
    /// Some of its adoptions or fundings are illustrative.
    demo: bool,
    adoptions: u32,
    active: u32,
    /// Adoptions by the year they began.
    years: Vec<(i32, u32)>,
    /// Active adoptions by kind of adopter (index in `kinds`).
    kinds: Vec<(u16, u32)>,
    /// Active adoptions by territory (index in `territories`).
    territories: Vec<(u32, u32)>,
    fundings: Vec<PackedFunding>,
    /// The populations of its active adopters: how many of a given size use it is two
    /// binary searches (the report's "organisations of your size"), where the catalog reads
    /// thousands of rows for a village.
    sizes: Sizes,
}

/// The fundings of one year, currency and kind of funder, in interned numbers.
#[derive(Debug, Clone, Copy)]
struct PackedFunding {
    year: i32,
    /// Index in `currencies`.
    currency: u16,
    /// Index in `kinds`.
    funder_kind: u16,
    minor: i64,
    count: u32,
}

/// Populations, sorted, by kind and country (indexes in `kinds` and `countries`).
#[derive(Debug, Default, Clone)]
struct Sizes(Vec<(u16, u16, Vec<u32>)>);

/// A size bracket in interned numbers: a kind, a country, populations from `lo` to `hi`.
#[derive(Debug, Clone, Copy)]
struct Bracket {
    kind: u16,
    country: u16,
    lo: u32,
    hi: u32,
}

impl Sizes {
    fn push(&mut self, kind: u16, country: u16, population: u32) {
        match self.0.iter_mut().find(|(k, c, _)| *k == kind && *c == country) {
            Some((_, _, list)) => list.push(population),
            None => self.0.push((kind, country, vec![population])),
        }
    }

    /// Sorts the lists once they are all pushed.
    fn seal(&mut self) {
        for (_, _, list) in &mut self.0 {
            list.sort_unstable();
            list.shrink_to_fit();
        }
    }

    fn count(&self, b: Bracket) -> usize {
        self.0
            .iter()
            .find(|(k, c, _)| *k == b.kind && *c == b.country)
            .map_or(0, |(_, _, list)| list.partition_point(|p| *p <= b.hi) - list.partition_point(|p| *p < b.lo))
    }
}

/// Where an organisation counts: its kind, territory, country and population.
#[derive(Debug, Clone, Copy)]
struct Place {
    kind: u16,
    territory: Option<u32>,
    country: u16,
    population: Option<u32>,
}

/// The sums over every software.
#[derive(Debug, Default, Clone)]
pub struct Totals {
    /// Some of what is counted is illustrative.
    pub demo: bool,
    pub adoptions: i64,
    pub active: i64,
    pub adopted_software: i64,
    /// New adoptions by the year they began, oldest first.
    pub years: Vec<Counted<i32>>,
    /// Adoptions in use by kind of adopter, the most first.
    pub kinds: Vec<Counted<String>>,
    /// Adoptions in use by territory, the most first.
    pub territories: Vec<Counted<TerritoryRef>>,
    /// The most adopted software (in use).
    pub top: Vec<Counted<SoftwareRef>>,
    pub fundings: i64,
    /// Per currency, the one with most fundings first.
    pub funded: Vec<Funded<()>>,
    /// Per year and currency, oldest first.
    pub funding_years: Vec<Funded<i32>>,
    /// Per kind of funder and currency, the most fundings first.
    pub funder_kinds: Vec<Funded<String>>,
    /// Per software and currency, the largest amount first.
    pub funded_software: Vec<Funded<SoftwareRef>>,
}

/// How many of something: adoptions of a year, of a kind of adopter, in a territory, of a
/// software.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted<T> {
    pub what: T,
    pub count: i64,
}

/// Money given to or by something, in one currency: its sum in minor units and how many
/// fundings make it.
#[derive(Debug, Clone, PartialEq)]
pub struct Funded<T> {
    pub what: T,
    pub currency: String,
    pub minor: i64,
    pub count: i64,
}

/// A software's adoptions in use, and by territory (the most first), for its page's map.
#[derive(Debug, Clone, Default)]
pub struct Adopters {
    pub active: i64,
    pub by_territory: Vec<Counted<TerritoryRef>>,
}

/// What a software has received, from the aggregates, by year, currency and kind of
/// funder (`what`); `demo`: some of its adoptions or fundings are illustrative.
#[derive(Debug, Clone, Default)]
pub struct SoftwareFunding {
    pub by_year_and_kind: Vec<Funded<(i32, String)>>,
    pub demo: bool,
}

#[derive(Default)]
struct State {
    territories: Vec<TerritoryRef>,
    territory_of: HashMap<i64, u32>,
    kinds: Vec<String>,
    currencies: Vec<String>,
    countries: Vec<String>,
    placements: HashMap<i64, Place>,
    /// Every organisation's population.
    sizes: Sizes,
    names: HashMap<i64, SoftwareRef>,
    software: HashMap<i64, Contribution>,
    totals: Arc<Totals>,
}

fn intern(list: &mut Vec<String>, value: &str) -> u16 {
    match list.iter().position(|v| v == value) {
        Some(i) => i as u16,
        None => {
            list.push(value.to_owned());
            (list.len() - 1) as u16
        }
    }
}

fn bump<K: PartialEq + Copy>(list: &mut Vec<(K, u32)>, key: K) {
    match list.iter_mut().find(|(k, _)| *k == key) {
        Some((_, n)) => *n += 1,
        None => list.push((key, 1)),
    }
}

impl State {
    /// `kind`, `country` and populations from `lo` to `hi` in interned numbers; `None` when
    /// no organisation is of that kind or country.
    fn bracket(&self, kind: &str, country: &str, (lo, hi): (i64, i64)) -> Option<Bracket> {
        let clamp = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        Some(Bracket {
            kind: self.kinds.iter().position(|v| v == kind)? as u16,
            country: self.countries.iter().position(|v| v == country)? as u16,
            lo: clamp(lo),
            hi: clamp(hi),
        })
    }

    fn contribution(&mut self, adoptions: &[AdoptionFact], fundings: &[FundingFact]) -> Contribution {
        let mut c = Contribution {
            demo: adoptions.iter().any(|a| a.demo) || fundings.iter().any(|f| f.demo),
            ..Contribution::default()
        };
        for a in adoptions {
            c.adoptions += 1;
            bump(&mut c.years, a.year);
            if !a.active {
                continue;
            }
            c.active += 1;
            if let Some(place) = self.placements.get(&a.organisation_id) {
                bump(&mut c.kinds, place.kind);
                if let Some(t) = place.territory {
                    bump(&mut c.territories, t);
                }
                if let Some(p) = place.population {
                    c.sizes.push(place.kind, place.country, p);
                }
            }
        }
        c.sizes.seal();
        for f in fundings {
            let currency = intern(&mut self.currencies, &f.currency);
            let kind = intern(&mut self.kinds, &f.funder_kind);
            c.fundings.push(PackedFunding {
                year: f.year,
                currency,
                funder_kind: kind,
                minor: f.minor,
                count: f.count as u32,
            });
        }
        c
    }

    fn sum(&self) -> Totals {
        let mut t = Totals::default();
        let mut years: BTreeMap<i32, i64> = BTreeMap::new();
        let mut kinds: HashMap<u16, i64> = HashMap::new();
        let mut territories: HashMap<u32, i64> = HashMap::new();
        let mut funded: BTreeMap<u16, (i64, i64)> = BTreeMap::new();
        let mut funding_years: BTreeMap<(i32, u16), (i64, i64)> = BTreeMap::new();
        let mut funder_kinds: HashMap<(u16, u16), (i64, i64)> = HashMap::new();
        let mut top = Vec::new();
        let mut funded_software = Vec::new();
        for (id, c) in &self.software {
            t.demo |= c.demo;
            t.adoptions += i64::from(c.adoptions);
            t.active += i64::from(c.active);
            if c.active > 0 {
                t.adopted_software += 1;
                top.push((c.active, *id));
            }
            for (y, n) in &c.years {
                *years.entry(*y).or_default() += i64::from(*n);
            }
            for (k, n) in &c.kinds {
                *kinds.entry(*k).or_default() += i64::from(*n);
            }
            for (k, n) in &c.territories {
                *territories.entry(*k).or_default() += i64::from(*n);
            }
            let mut per_currency: BTreeMap<u16, (i64, i64)> = BTreeMap::new();
            for f in &c.fundings {
                let count = i64::from(f.count);
                t.fundings += count;
                let e = funded.entry(f.currency).or_default();
                e.0 += f.minor;
                e.1 += count;
                let e = funding_years.entry((f.year, f.currency)).or_default();
                e.0 += f.minor;
                e.1 += count;
                let e = funder_kinds.entry((f.funder_kind, f.currency)).or_default();
                e.0 += f.minor;
                e.1 += count;
                let e = per_currency.entry(f.currency).or_default();
                e.0 += f.minor;
                e.1 += count;
            }
            for (currency, (minor, count)) in per_currency {
                funded_software.push((minor, currency, count, *id));
            }
        }
        let currency = |c: u16| self.currencies[c as usize].clone();
        t.years = years.into_iter().filter(|(y, _)| *y > 0).map(|(what, count)| Counted { what, count }).collect();
        t.kinds = kinds.into_iter().map(|(k, count)| Counted { what: self.kinds[k as usize].clone(), count }).collect();
        t.kinds.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.what.cmp(&b.what)));
        t.territories = territories
            .into_iter()
            .map(|(k, count)| Counted { what: self.territories[k as usize].clone(), count })
            .collect();
        t.territories.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.what.name.cmp(&b.what.name)));
        top.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| self.name(a.1).name.cmp(&self.name(b.1).name)));
        t.top = top.into_iter().take(10).map(|(n, id)| Counted { what: self.name(id), count: i64::from(n) }).collect();
        t.funded = funded
            .into_iter()
            .map(|(c, (minor, count))| Funded { what: (), currency: currency(c), minor, count })
            .collect();
        t.funded.sort_by_key(|f| std::cmp::Reverse(f.count));
        t.funding_years = funding_years
            .into_iter()
            .map(|((year, c), (minor, count))| Funded { what: year, currency: currency(c), minor, count })
            .collect();
        t.funder_kinds = funder_kinds
            .into_iter()
            .map(|((k, c), (minor, count))| Funded {
                what: self.kinds[k as usize].clone(),
                currency: currency(c),
                minor,
                count,
            })
            .collect();
        t.funder_kinds.sort_by_key(|f| std::cmp::Reverse(f.count));
        funded_software.sort_by_key(|f| std::cmp::Reverse(f.0));
        t.funded_software = funded_software
            .into_iter()
            .take(30)
            .map(|(minor, c, count, id)| Funded { what: self.name(id), currency: currency(c), minor, count })
            .collect();
        t
    }

    fn name(&self, id: i64) -> SoftwareRef {
        self.names.get(&id).cloned().unwrap_or_else(|| SoftwareRef { slug: String::new(), name: String::new() })
    }
}

pub struct Dashboards {
    state: RwLock<State>,
    catching_up: tokio::sync::Mutex<()>,
    /// The catalog version last caught up to, and the change logs' positions.
    seen: AtomicI64,
    software_version: AtomicI64,
    organisation_version: AtomicI64,
}

impl Default for Dashboards {
    fn default() -> Self {
        Dashboards::new()
    }
}

impl Dashboards {
    pub fn new() -> Dashboards {
        Dashboards {
            state: RwLock::new(State::default()),
            catching_up: tokio::sync::Mutex::new(()),
            seen: AtomicI64::new(-1),
            software_version: AtomicI64::new(-1),
            organisation_version: AtomicI64::new(0),
        }
    }

    pub fn totals(&self) -> Arc<Totals> {
        self.state.read().expect("dashboards lock").totals.clone()
    }

    /// How many of a software's adoptions are in use, and by territory, the most first.
    pub fn adopters_of(&self, slug: &str) -> Adopters {
        let state = self.state.read().expect("dashboards lock");
        let Some(c) = state.names.iter().find(|(_, r)| r.slug == slug).and_then(|(id, _)| state.software.get(id))
        else {
            return Adopters::default();
        };
        let mut by_territory: Vec<Counted<TerritoryRef>> = c
            .territories
            .iter()
            .map(|(t, n)| Counted { what: state.territories[*t as usize].clone(), count: i64::from(*n) })
            .collect();
        by_territory.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.what.name.cmp(&b.what.name)));
        Adopters { active: i64::from(c.active), by_territory }
    }

    /// For each of `slugs`, how many of its active adopters are of `kind` in `country` with
    /// a population from `lo` to `hi`.
    pub fn sizes_of(&self, slugs: &[String], kind: &str, country: &str, bracket: (i64, i64)) -> catalog::SizeCounts {
        let state = self.state.read().expect("dashboards lock");
        let Some(b) = state.bracket(kind, country, bracket) else { return catalog::SizeCounts::new() };
        slugs
            .iter()
            .filter_map(|slug| {
                let (id, _) = state.names.iter().find(|(_, r)| &r.slug == slug)?;
                Some((slug.clone(), state.software.get(id)?.sizes.count(b) as i64))
            })
            .collect()
    }

    /// The software most used by the organisations of `kind` in `country` with a
    /// population from `lo` to `hi` (leaving out `except`), with how many of them use each:
    /// an organisation's peers of its size, whatever their number, in two binary searches
    /// per software.
    pub fn used_by_size(
        &self,
        kind: &str,
        country: &str,
        bracket: (i64, i64),
        except: &[String],
        limit: usize,
    ) -> Vec<Counted<SoftwareRef>> {
        let state = self.state.read().expect("dashboards lock");
        let Some(b) = state.bracket(kind, country, bracket) else { return Vec::new() };
        let except: std::collections::HashSet<&str> = except.iter().map(String::as_str).collect();
        let name = |id: &i64| state.names.get(id).map_or("", |r| r.name.as_str());
        // Counted over every software, named only for the few kept: a village's bracket
        // holds adopters of most of the 5,000 software of a national catalog.
        let mut used: Vec<(usize, i64)> = state
            .software
            .iter()
            .filter_map(|(id, contribution)| {
                let n = contribution.sizes.count(b);
                (n > 0).then_some((n, *id))
            })
            .filter(|(_, id)| state.names.get(id).is_none_or(|r| !except.contains(r.slug.as_str())))
            .collect();
        let order = |a: &(usize, i64), b: &(usize, i64)| b.0.cmp(&a.0).then_with(|| name(&a.1).cmp(name(&b.1)));
        if used.len() > limit {
            used.select_nth_unstable_by(limit, order);
            used.truncate(limit);
        }
        used.sort_by(order);
        used.into_iter().map(|(n, id)| Counted { what: state.name(id), count: n as i64 }).collect()
    }

    /// How many organisations of `kind` in `country` have a population from `lo` to `hi`.
    pub fn organisations_of_size(&self, kind: &str, country: &str, bracket: (i64, i64)) -> i64 {
        let state = self.state.read().expect("dashboards lock");
        state.bracket(kind, country, bracket).map_or(0, |b| state.sizes.count(b) as i64)
    }

    /// What a software has received, from the aggregates, whatever the number of its
    /// fundings.
    pub fn fundings_of(&self, slug: &str) -> SoftwareFunding {
        let state = self.state.read().expect("dashboards lock");
        let Some(c) = state.names.iter().find(|(_, r)| r.slug == slug).and_then(|(id, _)| state.software.get(id))
        else {
            return SoftwareFunding::default();
        };
        let by_year_and_kind = c
            .fundings
            .iter()
            .map(|f| Funded {
                what: (f.year, state.kinds[f.funder_kind as usize].clone()),
                currency: state.currencies[f.currency as usize].clone(),
                minor: f.minor,
                count: i64::from(f.count),
            })
            .collect();
        SoftwareFunding { by_year_and_kind, demo: c.demo }
    }

    /// The software in use in a territory (a département, canton or province, by slug), by
    /// how many of its organisations use each, leaving out `except`: counted from the
    /// aggregates rather than from the adoptions of its hundreds of communes.
    pub fn used_in_territory(&self, territory: &str, except: &[String], limit: usize) -> Vec<Counted<SoftwareRef>> {
        let state = self.state.read().expect("dashboards lock");
        let Some(t) = state.territories.iter().position(|r| r.slug == territory) else { return Vec::new() };
        let t = t as u32;
        let mut used: Vec<(i64, SoftwareRef)> = state
            .software
            .iter()
            .filter_map(|(id, c)| c.territories.iter().find(|(k, _)| *k == t).map(|(_, n)| (*id, i64::from(*n))))
            .map(|(id, n)| (n, state.name(id)))
            .filter(|(_, r)| !except.contains(&r.slug))
            .collect();
        used.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
        used.into_iter().take(limit).map(|(count, what)| Counted { what, count }).collect()
    }

    /// Applies the changes made since the last call, when the catalog is past `version`.
    ///
    /// One reader catches up; the others do not wait for it. A reader that arrives while
    /// another catches up gets the figures as they are, at most that one catch-up behind
    /// (a write of the last few milliseconds among a million adoptions), rather than
    /// waiting: while declarations arrived at 20 a second, every reader of the dashboards
    /// waited for each one's catch-up, and their p99 was twice the target. The first
    /// build is waited for: before it there are no figures to give.
    pub async fn catch_up_to(&self, store: &Store, version: i64) -> anyhow::Result<()> {
        if self.seen.load(Ordering::Acquire) == version {
            return Ok(());
        }
        let _one_at_a_time = match self.catching_up.try_lock() {
            Ok(guard) => guard,
            Err(_) if self.seen.load(Ordering::Acquire) >= 0 => return Ok(()),
            Err(_) => self.catching_up.lock().await,
        };
        if self.seen.load(Ordering::Acquire) == version {
            return Ok(());
        }
        if self.software_version.load(Ordering::Acquire) < 0 {
            self.rebuild(store).await?;
        } else {
            let (orgs, org_upto) =
                store.organisation_changes(self.organisation_version.load(Ordering::Acquire)).await?;
            if orgs.len() > ORGANISATION_REFRESH {
                self.rebuild(store).await?;
            } else {
                let (mut ids, upto) = store.search_changes(self.software_version.load(Ordering::Acquire)).await?;
                if !orgs.is_empty() {
                    self.load_placements(store).await?;
                    ids.extend(store.software_of_organisations(&orgs).await?);
                    ids.sort_unstable();
                    ids.dedup();
                }
                self.refresh(store, &ids).await?;
                self.software_version.store(upto, Ordering::Release);
                self.organisation_version.store(org_upto, Ordering::Release);
            }
        }
        self.seen.store(version, Ordering::Release);
        Ok(())
    }

    async fn load_placements(&self, store: &Store) -> anyhow::Result<()> {
        let territories = store.territories().await?;
        let placements = store.placements().await?;
        let mut state = self.state.write().expect("dashboards lock");
        state.territory_of = territories.iter().enumerate().map(|(i, t)| (t.id, i as u32)).collect();
        state.territories = territories;
        let mut kinds = std::mem::take(&mut state.kinds);
        let mut countries = std::mem::take(&mut state.countries);
        let mut map = HashMap::with_capacity(placements.len());
        let mut sizes = Sizes::default();
        for p in placements {
            let place = Place {
                kind: intern(&mut kinds, &p.kind),
                territory: p.territory.and_then(|t| state.territory_of.get(&t).copied()),
                country: intern(&mut countries, &p.country),
                population: p.population.and_then(|n| u32::try_from(n).ok()),
            };
            if let Some(n) = place.population {
                sizes.push(place.kind, place.country, n);
            }
            map.insert(p.id, place);
        }
        sizes.seal();
        state.kinds = kinds;
        state.countries = countries;
        state.placements = map;
        state.sizes = sizes;
        Ok(())
    }

    /// Reads everything again.
    pub async fn rebuild(&self, store: &Store) -> anyhow::Result<()> {
        // The logs' positions first: what is written meanwhile is read again next time.
        let software_upto = store.search_version().await?;
        let organisation_upto = store.organisation_search_version().await?;
        self.load_placements(store).await?;
        let ids: Vec<i64> = store.software_ids().await?;
        {
            let mut state = self.state.write().expect("dashboards lock");
            state.software.clear();
            state.names.clear();
        }
        for batch in ids.chunks(BATCH) {
            self.read(store, batch).await?;
        }
        let mut state = self.state.write().expect("dashboards lock");
        state.totals = Arc::new(state.sum());
        drop(state);
        // A million adoptions were read through: give their memory back to the system.
        crate::memory::give_back();
        self.software_version.store(software_upto, Ordering::Release);
        self.organisation_version.store(organisation_upto, Ordering::Release);
        Ok(())
    }

    async fn refresh(&self, store: &Store, ids: &[i64]) -> anyhow::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        for batch in ids.chunks(BATCH) {
            self.read(store, batch).await?;
        }
        let mut state = self.state.write().expect("dashboards lock");
        state.totals = Arc::new(state.sum());
        Ok(())
    }

    /// Reads the contributions of a batch of software (a software that is gone leaves).
    async fn read(&self, store: &Store, batch: &[i64]) -> anyhow::Result<()> {
        let names = store.software_refs(Some(batch)).await?;
        let adoptions = store.adoption_facts(Some(batch)).await?;
        let fundings = store.funding_facts(Some(batch)).await?;
        let mut by_software: HashMap<i64, (Vec<AdoptionFact>, Vec<FundingFact>)> = HashMap::new();
        for a in adoptions {
            by_software.entry(a.software_id).or_default().0.push(a);
        }
        for f in fundings {
            by_software.entry(f.software_id).or_default().1.push(f);
        }
        let mut state = self.state.write().expect("dashboards lock");
        for id in batch {
            state.software.remove(id);
            state.names.remove(id);
        }
        for (id, name) in names {
            let (a, f) = by_software.remove(&id).unwrap_or_default();
            let c = state.contribution(&a, &f);
            state.software.insert(id, c);
            state.names.insert(id, name);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    async fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display())).await.unwrap();
        store.migrate().await.unwrap();
        (store, dir)
    }

    #[tokio::test]
    async fn a_reader_does_not_wait_for_anothers_catch_up_once_there_are_figures() {
        let (store, _dir) = store().await;
        let dashboards = Dashboards::new();
        let held = dashboards.catching_up.lock().await;
        // Before the first build there are no figures: the reader waits for them.
        let first = tokio::time::timeout(Duration::from_millis(200), dashboards.catch_up_to(&store, 0)).await;
        assert!(first.is_err(), "the first build is waited for");
        drop(held);
        dashboards.catch_up_to(&store, 0).await.unwrap();
        assert_eq!(dashboards.seen.load(Ordering::Acquire), 0);
        // Another reader is catching up: this one gets the figures as they are, at once.
        let held = dashboards.catching_up.lock().await;
        let later = tokio::time::timeout(Duration::from_millis(200), dashboards.catch_up_to(&store, 1)).await;
        assert!(matches!(later, Ok(Ok(()))), "no wait");
        assert_eq!(dashboards.seen.load(Ordering::Acquire), 0, "and nothing is marked seen");
        drop(held);
        dashboards.catch_up_to(&store, 1).await.unwrap();
        assert_eq!(dashboards.seen.load(Ordering::Acquire), 1, "the next reader catches up");
    }
}
