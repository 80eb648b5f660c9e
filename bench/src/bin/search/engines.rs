//! The two engines Communs' tantivy index is measured against, fed the same documents
//! (`catalog::SearchDocument`, as the index reads them) with the same fields and weights:
//!
//! - SQLite FTS5, `unicode61 remove_diacritics 2` (case and accents folded, no stemming:
//!   SQLite has no French stemmer), ranked by `bm25()` with per-column weights;
//! - PostgreSQL full-text search: a `tsvector` of the `french` configuration (and
//!   `english` for the English texts) with weights A to D, a GIN index, ranked by
//!   `ts_rank`.
//!
//! Each answers a query with the top 10 and the total count of matches, what a result page
//! needs; tantivy's side does more (facets, snippets).

use catalog::{Category, SearchDocument};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool, SqlitePool};

use super::translate;

/// What each text column holds, in both engines.
struct Texts {
    name: String,
    summary: String,
    categories: String,
    description: String,
    organisations: String,
    readme: String,
    adopters: String,
    summary_en: String,
    description_en: String,
    categories_en: String,
}

fn texts(d: &SearchDocument) -> Texts {
    let lang = |m: &std::collections::BTreeMap<String, String>, en: bool| {
        m.iter().filter(|(l, _)| (l.as_str() == "en") == en).map(|(_, t)| t.as_str()).collect::<Vec<_>>().join("\n")
    };
    let cats: Vec<Category> = d.categories.iter().filter_map(|c| Category::parse(c).ok()).collect();
    let mut adopters = d.adopter_names.clone();
    adopters.extend(d.territory_names.values().cloned());
    Texts {
        name: d.name.clone(),
        summary: lang(&d.summary, false),
        categories: cats.iter().map(|c| c.info().fr).collect::<Vec<_>>().join("\n"),
        description: lang(&d.description, false),
        organisations: d.organisations.join("\n"),
        readme: d.readmes.join("\n\n"),
        adopters: adopters.join("\n"),
        summary_en: lang(&d.summary, true),
        description_en: lang(&d.description, true),
        categories_en: cats.iter().map(|c| c.info().en).collect::<Vec<_>>().join("\n"),
    }
}

/// The top 10 slugs and the count of matches.
pub type Answer = (Vec<String>, i64);

pub struct Fts5 {
    pool: SqlitePool,
}

impl Fts5 {
    pub async fn create(path: &std::path::Path) -> anyhow::Result<Fts5> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
            .disable_statement_logging();
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
        sqlx::query(
            "CREATE VIRTUAL TABLE docs USING fts5(slug UNINDEXED, name, summary, categories, description, \
             organisations, readme, adopters, tokenize = 'unicode61 remove_diacritics 2')",
        )
        .execute(&pool)
        .await?;
        Ok(Fts5 { pool })
    }

    pub async fn add(&self, docs: &[SearchDocument]) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        for d in docs {
            let t = texts(d);
            sqlx::query("INSERT INTO docs (rowid, slug, name, summary, categories, description, organisations, readme, adopters) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
                .bind(d.id)
                .bind(&d.slug)
                .bind(&t.name)
                .bind(format!("{}\n{}", t.summary, t.summary_en))
                .bind(format!("{}\n{}", t.categories, t.categories_en))
                .bind(format!("{}\n{}", t.description, t.description_en))
                .bind(&t.organisations)
                .bind(&t.readme)
                .bind(&t.adopters)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Merges the index's segments, as one would before serving.
    pub async fn optimize(&self) -> anyhow::Result<()> {
        sqlx::query("INSERT INTO docs (docs) VALUES ('optimize')").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn search(&self, q: &str) -> anyhow::Result<Answer> {
        let Some(expr) = translate::fts5(q) else { return Ok((Vec::new(), 0)) };
        // The weights of Communs' fields: name 4, summary 2, categories 1.5, description 1,
        // organisations 0.8, README and adopters 0.5.
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT slug FROM docs WHERE docs MATCH ?1 ORDER BY bm25(docs, 0, 4.0, 2.0, 1.5, 1.0, 0.8, 0.5, 0.5) LIMIT 10",
        )
        .bind(&expr)
        .fetch_all(&self.pool)
        .await?;
        let (total,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM docs WHERE docs MATCH ?1").bind(&expr).fetch_one(&self.pool).await?;
        Ok((rows.into_iter().map(|(s,)| s).collect(), total))
    }
}

pub struct Postgres {
    pool: PgPool,
    admin: String,
    pub database: String,
}

impl Postgres {
    /// A fresh database on the server of `admin_url`, dropped by `drop_database`.
    pub async fn create(admin_url: &str, name: &str) -> anyhow::Result<Postgres> {
        let mut admin = admin_url.parse::<PgConnectOptions>()?.disable_statement_logging().connect().await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&mut admin).await?;
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await?;
        admin.close().await?;
        let options = admin_url.parse::<PgConnectOptions>()?.database(name).disable_statement_logging();
        let pool = PgPoolOptions::new().max_connections(2).connect_with(options).await?;
        sqlx::query("CREATE TABLE docs (id bigint PRIMARY KEY, slug text NOT NULL, tsv tsvector NOT NULL)")
            .execute(&pool)
            .await?;
        Ok(Postgres { pool, admin: admin_url.to_string(), database: name.to_string() })
    }

    pub async fn add(&self, docs: &[SearchDocument]) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        for d in docs {
            let t = texts(d);
            sqlx::query(
                "INSERT INTO docs (id, slug, tsv) VALUES ($1, $2, \
                 setweight(to_tsvector('french', $3), 'A') || setweight(to_tsvector('english', $3), 'A') || \
                 setweight(to_tsvector('french', $4 || ' ' || $5), 'B') || \
                 setweight(to_tsvector('english', $6 || ' ' || $7), 'B') || \
                 setweight(to_tsvector('french', $8 || ' ' || $9), 'C') || setweight(to_tsvector('english', $10), 'C') || \
                 setweight(to_tsvector('french', $11), 'D') || setweight(to_tsvector('english', $11), 'D') || \
                 setweight(to_tsvector('french', $12), 'D'))",
            )
            .bind(d.id)
            .bind(&d.slug)
            .bind(&t.name)
            .bind(&t.summary)
            .bind(&t.categories)
            .bind(&t.summary_en)
            .bind(&t.categories_en)
            .bind(&t.description)
            .bind(&t.organisations)
            .bind(&t.description_en)
            .bind(&t.readme)
            .bind(&t.adopters)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn finish(&self) -> anyhow::Result<()> {
        sqlx::query("CREATE INDEX docs_tsv ON docs USING gin (tsv)").execute(&self.pool).await?;
        sqlx::query("VACUUM ANALYZE docs").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn bytes(&self) -> anyhow::Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT pg_total_relation_size('docs')").fetch_one(&self.pool).await?;
        Ok(n)
    }

    pub async fn search(&self, q: &str) -> anyhow::Result<Answer> {
        let Some(expr) = translate::tsquery(q) else { return Ok((Vec::new(), 0)) };
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT slug, count(*) OVER () FROM docs, \
             (SELECT to_tsquery('french', $1) || to_tsquery('english', $1) AS q) query \
             WHERE tsv @@ q ORDER BY ts_rank(tsv, q) DESC, id LIMIT 10",
        )
        .bind(&expr)
        .fetch_all(&self.pool)
        .await?;
        let total = rows.first().map_or(0, |r| r.1);
        Ok((rows.into_iter().map(|r| r.0).collect(), total))
    }

    pub async fn drop_database(self) -> anyhow::Result<()> {
        self.pool.close().await;
        let mut admin = self.admin.parse::<PgConnectOptions>()?.disable_statement_logging().connect().await?;
        // FORCE (PostgreSQL 13+): a closed pool's last backends may still be on their way out.
        sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database)).execute(&mut admin).await?;
        Ok(())
    }
}
