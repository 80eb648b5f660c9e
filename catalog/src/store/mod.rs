//! One `Store` over SQLite or PostgreSQL. Every query is written once, with `$1`
//! placeholders, and runs unchanged on both; `Q` carries the SQL text and its arguments
//! and is bound to whichever pool the Store has.

mod accounts;
mod adoptions;
mod audit;
mod backup;
mod changes;
mod contributions;
mod dashboards;
mod export;
mod federation;
mod forges;
mod fundings;
mod harvest;
mod listings;
mod moderation;
mod offers;
mod organisations;
mod packed;
mod proposals;
mod publiccode;
mod questions;
mod roadmap;
mod search;
mod sessions;
mod software;
mod stats;
mod tender;
mod tokens;
mod webhooks;

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{FromRow, PgPool, Postgres, Sqlite, SqlitePool, Transaction};

pub(crate) use adoptions::BATCH;
pub use adoptions::{AdopterFilter, AdopterSort, ImportProblem, NearAdoption};
pub use audit::HistoryOf;
pub use backup::{inspect_copy, sqlite_file_of, CopyFacts};
pub use changes::{Change, ChangeCursor};
pub use contributions::{Recipient, Written};
pub use dashboards::{AdoptionFact, FundingFact, PeerUse, Placement, RoadmapFilter, TerritoryRef};
pub use federation::PeerRemoval;
pub use forges::{ForgeAccountRecord, ForgeAccountsImport};
pub use harvest::Claim;
pub use listings::ListingImport;
pub use moderation::{Hidden, Hideable};
pub use offers::OfferFilter;
pub use organisations::{OrganisationFilter, OrganisationProfile, OrganisationSummary};
pub use proposals::{Proposal, READ_PER_HARVEST, WAITING_PER_PERSON};
pub use publiccode::{CatalogueOutcome, CatalogueRecord, PublicCodeImport, PublicCodeImportOptions};
pub use software::{SoftwareFilter, SoftwarePage};
pub use tender::{AreaCounts, Asker, SizeCounts, UseCounts, NEAREST};
pub use tokens::{PersonalToken, TokenHolder};

use crate::error::{Error, Result};
use crate::model::Actor;

/// Each SQLite connection's page cache, in KiB when negative: SQLite's own default (2 MB).
/// 16 MB per connection brought no measurable gain in bench/ and took the server's peak
/// memory from 105 MB to 190 MB, against a budget of 200 MB.
const SQLITE_CACHE_KIB: i64 = -2000;

// A database a newer binary migrated is run on, not refused: during a rolling upgrade the
// old processes keep serving, and restart, on it (migrations only expand; CONTRIBUTING,
// "Releases and migrations"). So the migrations applied that this binary does not know are
// left alone rather than an error.
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator =
    sqlx::migrate::Migrator { ignore_missing: true, ..sqlx::migrate!("../migrations/sqlite") };
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator =
    sqlx::migrate::Migrator { ignore_missing: true, ..sqlx::migrate!("../migrations/postgres") };

/// The pool's connections: open, idle among them, and the most it opens.
#[derive(Debug, Clone, Copy)]
pub struct PoolUse {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

#[derive(Clone, Debug)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The registry's records in a database. Cheap to clone: it is a pool handle.
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
    /// Whether `add_repository` takes local addresses: the operator's `--allow-local`.
    addresses: crate::address::AddressPolicy,
    /// The operator's exchange rates, by which the pages count pledges in another currency
    /// towards a roadmap item's cost (and say so).
    rates: std::sync::Arc<crate::money::Rates>,
}

/// Which database a Store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Its name, as the health answers give it.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    I64(Option<i64>),
    Text(Option<String>),
    Bool(bool),
    Date(Option<NaiveDate>),
    Time(Option<DateTime<Utc>>),
}

macro_rules! arg_from {
    ($($t:ty => $variant:ident($conv:expr)),* $(,)?) => {
        $(impl From<$t> for Arg {
            fn from(v: $t) -> Arg { Arg::$variant($conv(v)) }
        })*
    };
}

arg_from! {
    i64 => I64(Some),
    Option<i64> => I64(|v| v),
    String => Text(Some),
    &str => Text(|v: &str| Some(v.to_string())),
    &String => Text(|v: &String| Some(v.clone())),
    Option<String> => Text(|v| v),
    Option<&str> => Text(|v: Option<&str>| v.map(str::to_string)),
    bool => Bool(|v| v),
    NaiveDate => Date(Some),
    Option<NaiveDate> => Date(|v| v),
    DateTime<Utc> => Time(Some),
    Option<DateTime<Utc>> => Time(|v| v),
}

/// A query: SQL text with `$n` placeholders and the values for them.
#[derive(Debug)]
pub(crate) struct Q {
    sql: Cow<'static, str>,
    args: Vec<Arg>,
}

pub(crate) fn q(sql: impl Into<Cow<'static, str>>) -> Q {
    Q { sql: sql.into(), args: Vec::new() }
}

impl Q {
    pub(crate) fn bind(mut self, v: impl Into<Arg>) -> Q {
        self.args.push(v.into());
        self
    }
}

/// The `VALUES` list of a multi-row statement: `rows` groups of `width` numbered
/// placeholders, each group ending with `tail` (placeholders shared by every row, such as
/// the time of the write bound once after the rows: `$N` with N = rows × width + 1).
pub(crate) fn values_list(rows: usize, width: usize, tail: &str) -> String {
    (0..rows)
        .map(|r| {
            let mut group: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            if !tail.is_empty() {
                group.push(tail.to_string());
            }
            format!("({})", group.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows that both databases can decode.
pub(crate) trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::I64(v) => query.bind(v),
                Arg::Text(v) => query.bind(v),
                Arg::Bool(v) => query.bind(v),
                Arg::Date(v) => query.bind(v),
                Arg::Time(v) => query.bind(v),
            };
        }
        query
    }};
}

/// Runs `$q` with `$method` (fetch_all, fetch_optional, ...) on the executor that the
/// `$target` (a pool or a transaction) gives for each database.
macro_rules! run {
    (query_as $target:expr, $q:expr, $method:ident) => {{
        let Q { sql, args } = $q;
        match $target {
            Target::Sqlite(ex) => bind_args!(sqlx::query_as(&sql), args).$method(ex).await?,
            Target::Postgres(ex) => bind_args!(sqlx::query_as(&sql), args).$method(ex).await?,
        }
    }};
    (execute $target:expr, $q:expr) => {{
        let Q { sql, args } = $q;
        match $target {
            Target::Sqlite(ex) => bind_args!(sqlx::query(&sql), args).execute(ex).await?.rows_affected(),
            Target::Postgres(ex) => bind_args!(sqlx::query(&sql), args).execute(ex).await?.rows_affected(),
        }
    }};
}

enum Target<S, P> {
    Sqlite(S),
    Postgres(P),
}

impl Store {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://...`.
    pub async fn connect(url: &str) -> Result<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            // Connections are not pinged before each use: a broken one fails its query,
            // and a ping would double the round trips of every short read.
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Store { db: Db::Postgres(pool), addresses: Default::default(), rates: Default::default() })
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", SQLITE_CACHE_KIB.to_string());
            // Each SQLite connection is a thread of its own: two per core keeps the cores
            // busy while one waits on the disk, more only adds switching between threads
            // (measured in bench/ on 2 cores: a software page's p99 was 35 ms with 8
            // connections, 12 ms with 4, 17 ms with 2).
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
            let pool = SqlitePoolOptions::new()
                .max_connections(2 * cores)
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Store { db: Db::Sqlite(pool), addresses: Default::default(), rates: Default::default() })
        } else {
            Err(Error::invalid("database_url", format!("{url:?} is neither a sqlite: nor a postgres:// URL")))
        }
    }

    /// The policy repository addresses are taken under.
    pub fn address_policy(&self) -> crate::address::AddressPolicy {
        self.addresses
    }

    /// The same Store, taking repository addresses under `policy` (the operator's
    /// `--allow-local`; by default public hosts only).
    pub fn with_address_policy(mut self, policy: crate::address::AddressPolicy) -> Store {
        self.addresses = policy;
        self
    }

    pub fn with_exchange_rates(mut self, rates: crate::money::Rates) -> Store {
        self.rates = std::sync::Arc::new(rates);
        self
    }

    /// The operator's exchange rates (`[[exchange_rates]]` of communs.toml).
    pub fn exchange_rates(&self) -> &crate::money::Rates {
        &self.rates
    }

    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// The connection pool as it is now, for `/metrics`.
    pub fn pool_use(&self) -> PoolUse {
        let (open, idle, max) = match &self.db {
            Db::Sqlite(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
            Db::Postgres(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
        };
        PoolUse { open, idle: idle as u32, max }
    }

    /// Applies the migrations that have not run yet. Returns how many migrations the
    /// database has that this binary does not know (a newer release's), which it leaves
    /// alone.
    pub async fn migrate(&self) -> Result<usize> {
        let known = match &self.db {
            Db::Sqlite(pool) => {
                SQLITE_MIGRATIONS.run(pool).await?;
                &SQLITE_MIGRATIONS
            }
            Db::Postgres(pool) => {
                POSTGRES_MIGRATIONS.run(pool).await?;
                &POSTGRES_MIGRATIONS
            }
        };
        let newest = known.iter().map(|m| m.version).max().unwrap_or(0);
        let (newer,): (i64,) =
            self.one(q("SELECT COUNT(*) FROM _sqlx_migrations WHERE version > $1 AND success").bind(newest)).await?;
        Ok(newer as usize)
    }

    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }

    /// The catalog's change counter: it grows with every committed write, made by this
    /// process or another one on the same database.
    pub async fn version(&self) -> Result<i64> {
        let (v,): (i64,) = self.one(q("SELECT version FROM catalog_version WHERE id = 1")).await?;
        Ok(v)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        let _: (i64,) = self.one(q("SELECT CAST(1 AS BIGINT)")).await?;
        Ok(())
    }

    fn target(&self) -> Target<&SqlitePool, &PgPool> {
        match &self.db {
            Db::Sqlite(p) => Target::Sqlite(p),
            Db::Postgres(p) => Target::Postgres(p),
        }
    }

    pub(crate) async fn all<T: Row>(&self, q: Q) -> Result<Vec<T>> {
        Ok(run!(query_as self.target(), q, fetch_all))
    }

    pub(crate) async fn one<T: Row>(&self, q: Q) -> Result<T> {
        Ok(run!(query_as self.target(), q, fetch_one))
    }

    pub(crate) async fn optional<T: Row>(&self, q: Q) -> Result<Option<T>> {
        Ok(run!(query_as self.target(), q, fetch_optional))
    }

    /// Several reads on one connection, without a transaction: a page's queries then
    /// cost no pool round trip each, and no BEGIN and COMMIT.
    pub(crate) async fn read(&self) -> Result<Tx> {
        let inner = match &self.db {
            Db::Sqlite(p) => TxInner::SqliteRead(p.acquire().await?),
            Db::Postgres(p) => TxInner::PostgresRead(p.acquire().await?),
        };
        Ok(Tx { inner, actor: String::new(), acting_for: None, now: Utc::now(), large: false })
    }

    /// Starts a write. Every write commits together with its audit event.
    pub(crate) async fn begin(&self, actor: &Actor) -> Result<Tx> {
        let inner = match &self.db {
            // SQLite takes one writer at a time: a write asks for the lock when it starts,
            // and waits its turn (busy_timeout), rather than reading first and finding the
            // lock taken when it writes, which SQLite answers "database is locked" at once
            // when another connection wrote since the read began.
            Db::Sqlite(p) => TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => TxInner::Postgres(p.begin().await?),
        };
        Ok(Tx { inner, actor: actor.label(), acting_for: None, now: Utc::now(), large: false })
    }
}

impl Store {
    /// Starts a write by a person acting for an organisation.
    pub(crate) async fn begin_as(&self, author: &crate::contribution::Author) -> Result<Tx> {
        let mut tx = self.begin(&author.actor).await?;
        tx.acting_for = author.acting_for.clone();
        Ok(tx)
    }
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
    SqliteRead(PoolConnection<Sqlite>),
    PostgresRead(PoolConnection<Postgres>),
}

/// A write in progress (dropped without `commit`, it rolls back), or a series of reads on
/// one connection.
pub(crate) struct Tx {
    inner: TxInner,
    actor: String,
    /// The organisation the author acts for, as the audit events name it.
    acting_for: Option<String>,
    /// The write's time: every row it touches and its audit event share it.
    now: DateTime<Utc>,
    /// Whether `large_write` enlarged the connection's cache.
    large: bool,
}

impl Tx {
    fn target(&mut self) -> Target<&mut sqlx::SqliteConnection, &mut sqlx::PgConnection> {
        match &mut self.inner {
            TxInner::Sqlite(t) => Target::Sqlite(&mut **t),
            TxInner::Postgres(t) => Target::Postgres(&mut **t),
            TxInner::SqliteRead(c) => Target::Sqlite(&mut **c),
            TxInner::PostgresRead(c) => Target::Postgres(&mut **c),
        }
    }

    /// The PostgreSQL connection of a write, for the statements only PostgreSQL has (its
    /// arrays); `None` on SQLite and for reads.
    pub(crate) fn postgres(&mut self) -> Option<&mut sqlx::PgConnection> {
        match &mut self.inner {
            TxInner::Postgres(t) => Some(&mut **t),
            _ => None,
        }
    }

    /// Before a write of many rows, lets SQLite keep the transaction's pages in memory
    /// (256 MB at most) rather than spill them to the file and read them back; `commit`
    /// gives the connection its usual cache again.
    pub(crate) async fn large_write(&mut self, rows: usize) -> Result<()> {
        if rows >= ANALYZE_FROM && matches!(self.inner, TxInner::Sqlite(_)) {
            self.execute(q("PRAGMA cache_size = -262144")).await?;
            self.large = true;
        }
        Ok(())
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub(crate) async fn all<T: Row>(&mut self, q: Q) -> Result<Vec<T>> {
        Ok(run!(query_as self.target(), q, fetch_all))
    }

    pub(crate) async fn one<T: Row>(&mut self, q: Q) -> Result<T> {
        Ok(run!(query_as self.target(), q, fetch_one))
    }

    pub(crate) async fn optional<T: Row>(&mut self, q: Q) -> Result<Option<T>> {
        Ok(run!(query_as self.target(), q, fetch_optional))
    }

    pub(crate) async fn execute(&mut self, q: Q) -> Result<u64> {
        Ok(run!(execute self.target(), q))
    }

    /// Commits without counting a change of the catalog: for bookkeeping that no page
    /// shows (a harvest lease), so that caches keyed on the version stay valid.
    pub(crate) async fn commit_quietly(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
            TxInner::SqliteRead(_) | TxInner::PostgresRead(_) => {}
        }
        Ok(())
    }

    /// The condition that finds this transaction's rows of the change logs, not yet
    /// stamped: on PostgreSQL by the transaction that wrote them (migrations/postgres/0026).
    pub(crate) fn unstamped(&self) -> &'static str {
        match self.inner {
            TxInner::Postgres(_) | TxInner::PostgresRead(_) => "version IS NULL AND tx = pg_current_xact_id()",
            TxInner::Sqlite(_) | TxInner::SqliteRead(_) => "version IS NULL",
        }
    }

    pub(crate) async fn commit(mut self) -> Result<()> {
        if matches!(self.inner, TxInner::Sqlite(_) | TxInner::Postgres(_)) {
            self.execute(q("UPDATE catalog_version SET version = version + 1 WHERE id = 1")).await?;
            // The search index's changes of this transaction get the version it commits;
            // the version row stays locked until the commit, so versions follow commit
            // order (see migrations/*/0006_search_changes.sql); so do the organisation
            // search's (0007) and the changes feed's (0023).
            let unstamped = self.unstamped();
            for log in ["search_changes", "organisation_changes", "record_changes"] {
                self.execute(q(format!(
                    "UPDATE {log} SET version = (SELECT version FROM catalog_version WHERE id = 1) WHERE {unstamped}"
                )))
                .await?;
            }
        }
        if self.large {
            self.execute(q(format!("PRAGMA cache_size = {SQLITE_CACHE_KIB}"))).await?;
        }
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
            TxInner::SqliteRead(_) | TxInner::PostgresRead(_) => {}
        }
        Ok(())
    }
}

/// Turns a unique-constraint violation into a conflict on the named field; other errors
/// pass through.
pub(crate) fn conflict_on(field: &str, message: impl Into<String>) -> impl FnOnce(Error) -> Error {
    let (field, message) = (field.to_string(), message.into());
    move |e| match e {
        Error::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => Error::Conflict { field, message },
        other => other,
    }
}

/// Clamps paging parameters to what the API allows.
pub fn page_bounds(limit: Option<i64>, offset: Option<i64>) -> Result<(i64, i64)> {
    let limit = limit.unwrap_or(50);
    let offset = offset.unwrap_or(0);
    if !(1..=500).contains(&limit) {
        return Err(Error::invalid("limit", "must be between 1 and 500"));
    }
    if offset < 0 {
        return Err(Error::invalid("offset", "must be 0 or more"));
    }
    Ok((limit, offset))
}

/// From this many rows written at once, the planner's statistics are refreshed after the
/// write, so that its plans fit the new sizes of the tables at once.
pub(crate) const ANALYZE_FROM: usize = 10_000;

impl Store {
    /// Refreshes the query planner's statistics of the tables a large write filled
    /// (sampled: a second or two on a national catalog). Only those: statistics taken of a
    /// table while it is still empty would mislead the planner for as long as nothing
    /// refreshes them, and a PostgreSQL without autovacuum never does.
    ///
    /// PostgreSQL also vacuums them (`VACUUM (ANALYZE)`), which marks the written pages
    /// all-visible: until then an index-only scan still reads every row it finds in the
    /// table, and the organisation page's query of what the neighbours use took 14.8 ms
    /// instead of 3.0 on the national bench. It takes 0.3 s on a million adoptions.
    pub async fn analyze(&self, tables: &[&str]) -> Result<()> {
        let list = tables.join(", ");
        match &self.db {
            Db::Sqlite(p) => {
                let sql: String = std::iter::once("PRAGMA analysis_limit = 1000;".to_string())
                    .chain(tables.iter().map(|t| format!("ANALYZE {t};")))
                    .collect();
                sqlx::raw_sql(&sql).execute(p).await.map(|_| ())?
            }
            Db::Postgres(p) => sqlx::raw_sql(&format!("VACUUM (ANALYZE) {list}")).execute(p).await.map(|_| ())?,
        }
        Ok(())
    }

    /// Runs one administrative statement (creating or dropping a test database).
    pub async fn execute_admin(&self, sql: &str) -> Result<()> {
        match &self.db {
            Db::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ())?,
            Db::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ())?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::values_list;

    #[test]
    fn values_lists_number_each_row_and_share_the_tail() {
        assert_eq!(values_list(2, 2, "$5, $5"), "($1, $2, $5, $5), ($3, $4, $5, $5)");
        assert_eq!(values_list(1, 3, ""), "($1, $2, $3)");
    }
}
