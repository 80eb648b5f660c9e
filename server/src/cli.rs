//! The `communs` command line.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use catalog::import::communes::CommuneData;
use catalog::import::csv as csv_import;
use catalog::import::fixtures::Fixtures;
use catalog::{Actor, HarvestSelection, Store};
use clap::{Parser, Subcommand};

use crate::config::{Config, FileConfig};

#[derive(Debug, Parser)]
#[command(name = "communs", version, about = "Registry of the free software that public bodies share")]
pub struct Cli {
    /// Folder for the SQLite database and the search index.
    #[arg(long, global = true, env = "COMMUNS_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// `sqlite://PATH` or `postgres://USER@HOST/DB`; default: SQLite in the data folder.
    #[arg(long, global = true, env = "COMMUNS_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Address to listen on.
    #[arg(long, global = true, env = "COMMUNS_BIND")]
    pub bind: Option<String>,
    /// Settings file (default: ./communs.toml when it exists).
    #[arg(long, global = true, env = "COMMUNS_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// What a `serve` process does, when several share one database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// The pages and the API, and the background work.
    All,
    /// The pages and the API; another process does the background work.
    Web,
    /// The background work; no pages.
    Harvest,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site and the API; repositories that are due are harvested in the
    /// background.
    Serve {
        /// On an empty database, load the demo data first, with local git repositories
        /// for its software, and harvest them.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        harvest: HarvestArgs,
        /// Minutes between two looks for repositories due for a harvest (0: none in the
        /// background; default 10).
        #[arg(long, env = "COMMUNS_HARVEST_EVERY")]
        harvest_every: Option<u64>,
        /// Memory for recent API answers, in MB (default 48; 0: every answer is computed).
        #[arg(long, value_name = "MB", env = "COMMUNS_CACHE_MB")]
        cache_mb: Option<usize>,
        /// The site's public address (https://communs.example.org/): requests naming another
        /// host are refused. Loopback names are always answered.
        #[arg(long, value_name = "URL", env = "COMMUNS_PUBLIC_URL")]
        public_url: Option<String>,
        /// Connections served at once; more wait to be accepted (default 512).
        #[arg(long, value_name = "N", env = "COMMUNS_MAX_CONNECTIONS")]
        max_connections: Option<usize>,
        /// Where to serve `/metrics` (Prometheus text format), apart from the site, such as
        /// 127.0.0.1:9090; unset: nowhere. Keep it off the address the proxy forwards to.
        #[arg(long, value_name = "ADDRESS", env = "COMMUNS_METRICS_BIND")]
        metrics_bind: Option<String>,
        /// The reverse proxies' addresses (comma-separated), whose X-Forwarded-For names
        /// the client; from other peers it is ignored.
        #[arg(long, value_name = "IP,...", env = "COMMUNS_TRUSTED_PROXIES", value_delimiter = ',')]
        trusted_proxies: Vec<String>,
        /// What this process does: `web` serves the pages and the API only; `harvest` runs
        /// the background work only (harvests, webhooks, federation rounds, digests);
        /// `all` does both, for a single process.
        #[arg(long, value_enum, default_value = "all", env = "COMMUNS_ROLE")]
        role: Role,
    },
    /// API tokens: the API takes writes only with a token allowed to write.
    #[command(subcommand)]
    Token(Token),
    /// Harvest repositories: those that are due (default), all, or one software's. Prints
    /// a summary: cloned, updated, unchanged, failed. Exit status 1 when one failed.
    Harvest {
        #[arg(long, conflicts_with = "software")]
        all: bool,
        #[arg(long, value_name = "SLUG")]
        software: Option<String>,
        #[command(flatten)]
        harvest: HarvestArgs,
    },
    /// Rebuild the search index from the database (the server keeps it in step by
    /// itself; this is for a damaged or deleted index).
    Reindex,
    /// Write a consistent copy of a SQLite catalog to DIR, while the server runs
    /// (`communs-YYYYMMDD-HHMMSS.db`). PostgreSQL: use pg_dump.
    Backup {
        /// The folder the copy goes into (created if missing).
        dir: PathBuf,
    },
    /// Replace the catalog by a backup, with the server stopped: the copy is checked first,
    /// the database it replaces is kept beside it, and the search index is rebuilt.
    Restore {
        /// A file written by `communs backup`.
        file: PathBuf,
    },
    /// Send now the daily digests of what people's organisations are asked (`[mail]` of
    /// communs.toml names the SMTP server); `serve` sends them every day by itself.
    Digest,
    /// Work with a software's repositories.
    #[command(subcommand)]
    Repo(Repo),
    /// Apply the database migrations.
    Migrate,
    /// Load fixtures into an empty database (default: the built-in demo data).
    Seed {
        #[arg(long)]
        fixtures: Option<PathBuf>,
    },
    /// Import records from files.
    #[command(subcommand)]
    Import(Import),
    /// Write the whole catalog as JSON and CSV into a folder (`export DIR`), or every
    /// record's publiccode.yml (`export publiccode DIR`).
    #[command(args_conflicts_with_subcommands = true)]
    Export {
        #[command(subcommand)]
        what: Option<Export>,
        dir: Option<PathBuf>,
    },
    /// Work with publiccode.yml files.
    #[command(subcommand)]
    Publiccode(Publiccode),
    /// Follow other Communs instances: their records are shown here as theirs, with a link
    /// back, and follow their changes.
    #[command(subcommand)]
    Federation(Federation),
}

#[derive(Debug, Subcommand)]
pub enum Federation {
    /// Follow the instance at URL (its site's address) under NAME; its records come with the
    /// next round (`serve` runs one every hour, `[federation] every_minutes`; or
    /// `federation round`). Public hosts only, unless --allow-local.
    Add {
        name: String,
        url: String,
        /// Also take hosts on loopback or private networks.
        #[arg(long, env = "COMMUNS_HARVEST_ALLOW_LOCAL")]
        allow_local: bool,
    },
    /// The instances followed: address, records that came from each, last round, last
    /// problem.
    List,
    /// Stop following NAME: the records that came from it are removed.
    Remove { name: String },
    /// Read now what the instances followed (or NAME alone) changed since the last round.
    /// Exit status 1 when a record was refused, 2 when a peer could not be read.
    Round {
        name: Option<String>,
        /// Also reach hosts on loopback or private networks.
        #[arg(long, env = "COMMUNS_HARVEST_ALLOW_LOCAL")]
        allow_local: bool,
    },
}

/// How harvests run; each also reads `[harvest]` in communs.toml.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct HarvestArgs {
    /// Repositories harvested at once (default: the number of cores).
    #[arg(long, env = "COMMUNS_HARVEST_WORKERS")]
    pub workers: Option<usize>,
    /// Time limit for one repository, in seconds (default 600).
    #[arg(long, value_name = "SECONDS", env = "COMMUNS_HARVEST_TIMEOUT")]
    pub timeout: Option<u64>,
    /// Bytes one repository's fetch may receive (default 2 GiB).
    #[arg(long, value_name = "BYTES", env = "COMMUNS_HARVEST_MAX_SIZE")]
    pub max_size: Option<u64>,
    /// Also harvest file:// addresses and hosts on loopback or private networks.
    #[arg(long, env = "COMMUNS_HARVEST_ALLOW_LOCAL")]
    pub allow_local: bool,
}

#[derive(Debug, Subcommand)]
pub enum Repo {
    /// Add a repository to a software; the next harvest clones it. Public hosts only, unless
    /// --allow-local.
    Add {
        software: String,
        url: String,
        /// Also take file:// addresses and hosts on loopback or private networks.
        #[arg(long, env = "COMMUNS_HARVEST_ALLOW_LOCAL")]
        allow_local: bool,
    },
    /// The operator's view of a software's repositories: each one's last harvest and, for a
    /// failure, the full message (the public pages give only its class).
    Status { software: String },
}

#[derive(Debug, Subcommand)]
pub enum Token {
    /// Make a token and print it once; only its hash is kept. Without --user, an operator's
    /// token, which answers for the whole site; with it, a person's, acting with their role
    /// in --organisation (needed to write) until it expires.
    Create {
        #[arg(long)]
        name: String,
        /// `write` (the default) or `read`.
        #[arg(long, default_value = "write")]
        scope: String,
        /// The person (handle or e-mail address) whose token it is.
        #[arg(long)]
        user: Option<String>,
        /// The organisation a person's token acts for.
        #[arg(long, requires = "user")]
        organisation: Option<String>,
        /// Days a person's token lasts (1 to 366; default 90).
        #[arg(long, requires = "user")]
        expires: Option<i64>,
    },
    /// List the tokens (the operator's, or --user's): name, prefix, scope, made, last used, revoked.
    List {
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a live token (the operator's, or --user's): it is refused from the next request on.
    Revoke {
        name: String,
        #[arg(long)]
        user: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum Publiccode {
    /// Check publiccode.yml files against the standard; prints FILE:LINE:COLUMN: key: message.
    /// Exit status 0 when every file is valid, 1 when one is not, 2 when one cannot be read.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: crate::publiccode::Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum Export {
    /// Every record's publiccode.yml, as DIR/SLUG.yml.
    Publiccode { dir: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum Import {
    /// French communes, EPCI, départements and régions from the data folder of the npm
    /// package @etalab/decoupage-administratif.
    Communes { dir: PathBuf },
    /// Adoptions from a CSV file (software,organisation,since,status,scope,evidence_url).
    Adoptions { file: PathBuf },
    /// Fundings from a CSV file
    /// (funder,software,roadmap_item,amount,currency,date,kind,status,evidence_url).
    Fundings { file: PathBuf },
    /// Service offers from a CSV file (provider,software,kind,territories,subscribers,
    /// membership_required,price_model,yearly_prices,currency,url,checked_on): all or
    /// nothing; an offer of the same provider, software and kind is updated.
    Offers { file: PathBuf },
    /// A publiccode.yml file, or every .yml/.yaml file of a folder: each creates or updates
    /// a software record. An invalid file imports nothing and its findings are printed.
    Publiccode {
        path: PathBuf,
        /// Country of the organisations the files name that the catalog does not know yet.
        #[arg(long, default_value = "FR")]
        country: String,
    },
    /// code.gouv.fr's list of public bodies' forge accounts (comptes-organismes-publics.yml):
    /// records each account for the body it belongs to (found by its Annuaire id, then its
    /// name, else created). All or nothing; a second run of the same list changes nothing.
    CodeGouv { file: PathBuf },
    /// The Comptoir du Libre's public export (comptoir-du-libre_export_v1.json): software
    /// (matched by repository, then name, else created), their providers, and the
    /// organisations that use them as declared adoptions. All or nothing; a second run of
    /// the same export changes nothing.
    Comptoir { file: PathBuf },
    /// The SILL's software (a list of the SILL API's Software records): matched by
    /// repository, then name, else created, with the CNLL's providers and the organisations
    /// whose agents use them as declared adoptions; dereferenced software skipped. All or
    /// nothing; a second run of the same list changes nothing.
    Sill {
        file: PathBuf,
        /// The SILL's instances (a list of its API's Instance records): each is recorded as
        /// an adoption of its software by the organisation that runs it, with its address.
        #[arg(long, value_name = "FILE")]
        instances: Option<PathBuf>,
    },
    /// Developers Italia's catalogue: answers of its API's GET /v1/software (a page
    /// {"data": [...]} per file, or a folder of them). All or nothing; a second run of the
    /// same answers changes nothing; inactive entries are skipped.
    DevelopersItalia {
        path: PathBuf,
        /// Country of the organisations the documents name that the catalog does not know.
        #[arg(long, default_value = "IT")]
        country: String,
    },
}

/// Minutes between the server's looks for due repositories, unless told otherwise.
const DEFAULT_HARVEST_EVERY: u64 = 10;

/// Exit statuses: 0 done, 1 the input was refused, 2 a file could not be read or the
/// service failed.
pub const REFUSED: i32 = 1;
pub const FAILED: i32 = 2;

pub async fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match execute(cli, out, err).await {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(err, "error: {e:#}");
            FAILED
        }
    }
}

async fn open(config: &Config) -> anyhow::Result<Store> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create the data folder {}", config.data_dir.display()))?;
    }
    let store = Store::connect(&config.database_url).await.context("cannot open the database")?;
    let newer = store.migrate().await.context("cannot migrate the database")?;
    if newer > 0 {
        // A rolling upgrade's old process: it runs on, as the migrations only expanded.
        tracing::warn!(newer, "the database has {newer} migrations newer than this binary, left alone");
    }
    Ok(store)
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

async fn execute(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    let file = FileConfig::load(cli.config.as_deref())?;
    let config = Config::resolve(cli.data_dir, cli.database_url, cli.bind, file)?;
    match cli.command {
        Command::Migrate => {
            open(&config).await?;
            writeln!(out, "migrations applied")?;
            Ok(0)
        }
        Command::Serve {
            demo,
            harvest,
            harvest_every,
            cache_mb,
            public_url,
            max_connections,
            metrics_bind,
            trusted_proxies,
            role,
        } => {
            if demo && role != Role::All {
                anyhow::bail!("--demo loads and harvests the demo: it runs with --role all");
            }
            let trusted_proxies = config.trusted_proxies(&trusted_proxies)?;
            let observe = crate::Observe {
                metrics: Default::default(),
                metrics_bind: config.metrics_bind(metrics_bind.as_deref())?,
            };
            let every = harvest_every.or(config.harvest_file.every_minutes).unwrap_or(DEFAULT_HARVEST_EVERY);
            // --allow-local is the operator's alone: the demo's repositories are harvested
            // from the data folder through the harvest's trusted root, not by allowing every
            // local address for the whole run.
            let harvest = config.harvest(&harvest, Some(every));
            let site = crate::guard::Site::new(public_url.as_deref().or(config.public_url.as_deref()))?;
            let store = open(&config)
                .await?
                .with_address_policy(address_policy(harvest.allow_local))
                .with_exchange_rates(config.exchange_rates.clone());
            if demo && is_empty(&store).await? {
                let report = store.seed(&Actor::System("demo"), &demo::fixtures::records()?, today()).await?;
                writeln!(out, "demo data loaded: {}", describe(&report))?;
                let made = crate::demo::repositories(&store, &config.data_dir, today()).await?;
                let summary = crate::harvest::run(&store, &harvest, HarvestSelection::Due, None).await?;
                observe.metrics.harvest(&summary);
                writeln!(out, "demo repositories: {made} created and harvested ({})", summary.line())?;
            }
            let allow_local = harvest.allow_local;
            // Read even where unused, so that a bad setting stops every process alike.
            let mail_url = public_url.as_deref().or(config.public_url.as_deref()).map(url::Url::parse).transpose()?;
            let mail = crate::mail::Mail::new(&config.mail, mail_url.as_ref())?;
            let site_url = public_url
                .as_deref()
                .or(config.public_url.as_deref())
                .map_or_else(|| format!("http://{}", config.bind), |u| u.trim_end_matches('/').to_string());
            let webhooks = config.webhooks.config(allow_local, site_url)?;
            let federation = config.federation.config(allow_local)?;
            if role != Role::Web {
                if harvest.every.is_none() && role == Role::Harvest {
                    writeln!(err, "note: harvest_every is 0: this harvest process harvests nothing by itself")?;
                }
                crate::harvest::spawn_background(store.clone(), harvest, observe.metrics.clone());
                if let Some(mail) = mail {
                    writeln!(out, "daily digests at {:02}:00 UTC", mail.digest_hour)?;
                    crate::mail::spawn_daily(store.clone(), mail);
                }
                crate::webhooks::spawn(store.clone(), webhooks);
                crate::federation::spawn(store.clone(), federation);
            }
            if role == Role::Harvest {
                crate::serve_jobs(store, observe, out).await?;
                return Ok(0);
            }
            let search = std::sync::Arc::new(open_search(&config, &store, out).await?);
            let cache = cache_mb.map_or(crate::cache::DEFAULT_BUDGET, |mb| mb * 1024 * 1024);
            let limits = crate::ConnectionLimits {
                max_connections: max_connections
                    .or(config.max_connections)
                    .unwrap_or(crate::DEFAULT_MAX_CONNECTIONS)
                    .max(1),
                trusted_proxies,
                ..crate::ConnectionLimits::default()
            };
            let public_url = public_url.as_deref().or(config.public_url.as_deref()).map(url::Url::parse).transpose()?;
            let accounts = crate::session::Accounts {
                providers: crate::oidc::Providers::new(config.login.providers.clone())?,
                lifetimes: config.login.lifetimes()?,
                site_admins: config.login.site_admins.clone(),
                demo,
                public_url,
                rate_limits: config.rate_limits.limits()?,
            };
            crate::serve(store, search, config.bind, cache, site, accounts, limits, observe, out).await?;
            Ok(0)
        }
        Command::Digest => {
            let store = open(&config).await?;
            let public_url = config.public_url.as_deref().map(url::Url::parse).transpose()?;
            let Some(mail) = crate::mail::Mail::new(&config.mail, public_url.as_ref())? else {
                writeln!(err, "error: no SMTP server: set smtp_url and from under [mail] in communs.toml")?;
                return Ok(FAILED);
            };
            let report = crate::mail::send_digests(&store, &mail, chrono::Utc::now()).await?;
            let taken = if report.taken > 0 {
                format!(", {} sent by another process at the same time", report.taken)
            } else {
                String::new()
            };
            writeln!(
                out,
                "{} digest(s) sent, {} with nothing new, {} failed{taken}",
                report.sent, report.quiet, report.failed
            )?;
            Ok(if report.failed > 0 { FAILED } else { 0 })
        }
        Command::Backup { dir } => {
            let store = open(&config).await?;
            let written = crate::backup::backup(&store, &dir, out).await;
            store.close().await;
            written?;
            Ok(0)
        }
        Command::Restore { file } => {
            crate::backup::restore(&config, &file, out).await?;
            Ok(0)
        }
        Command::Reindex => {
            let store = open(&config).await?;
            let started = std::time::Instant::now();
            let search = match crate::search::SearchIndex::open(&config.data_dir) {
                Ok(s) => s,
                Err(e) => {
                    writeln!(err, "error: {e:#} (is a server using this data folder? stop it first)")?;
                    return Ok(FAILED);
                }
            };
            let n = search.rebuild(&store).await?;
            writeln!(
                out,
                "{} software and {} organisations indexed in {:.1} s",
                n.software,
                n.organisations,
                started.elapsed().as_secs_f64()
            )?;
            Ok(0)
        }
        Command::Harvest { all, software, harvest } => {
            let store = open(&config).await?;
            let selection = match software {
                Some(slug) => {
                    if let Err(e) = store.software(&slug).await {
                        writeln!(err, "error: --software: {e}")?;
                        return Ok(REFUSED);
                    }
                    HarvestSelection::Software(slug)
                }
                None if all => HarvestSelection::All,
                None => HarvestSelection::Due,
            };
            let harvest = config.harvest(&harvest, None);
            let total = store.count_harvestable(&selection, chrono::Utc::now()).await?;
            let progress = crate::harvest::terminal_progress(total);
            let summary = crate::harvest::run(&store, &harvest, selection, progress).await?;
            for (url, class, message) in &summary.failures {
                writeln!(err, "{url}: {class}: {message}")?;
            }
            writeln!(out, "{}", summary.line())?;
            Ok(if summary.failed > 0 { REFUSED } else { 0 })
        }
        Command::Repo(Repo::Add { software, url, allow_local }) => {
            let allow_local = allow_local || config.harvest_file.allow_local.unwrap_or(false);
            let store = open(&config).await?.with_address_policy(address_policy(allow_local));
            match store.add_repository(&Actor::System("cli"), &software, &url).await {
                Ok(r) => {
                    writeln!(out, "{} added to {software}; the next harvest clones it", r.url)?;
                    Ok(0)
                }
                Err(
                    e @ (catalog::Error::Invalid { .. }
                    | catalog::Error::Conflict { .. }
                    | catalog::Error::NotFound { .. }),
                ) => {
                    writeln!(err, "error: {e}")?;
                    Ok(REFUSED)
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Federation(command) => federation(&config, command, out, err).await,
        Command::Repo(Repo::Status { software }) => {
            let store = open(&config).await?;
            if let Err(e) = store.software(&software).await {
                writeln!(err, "error: {e}")?;
                return Ok(REFUSED);
            }
            for (url, h) in store.repository_harvests(&software).await? {
                let when = h.last_harvest.map_or_else(|| "never harvested".to_string(), |t| t.to_rfc3339());
                writeln!(out, "{url}\t{}\t{when}", h.last_outcome.as_deref().unwrap_or("-"))?;
                if let Some(e) = h.last_error {
                    writeln!(out, "  {}: {} ({} in a row)", e.class, e.message, e.consecutive)?;
                }
            }
            Ok(0)
        }
        Command::Seed { fixtures } => {
            let store = open(&config).await?;
            if !is_empty(&store).await? {
                writeln!(err, "error: the database already holds records; seed loads only into an empty database")?;
                return Ok(REFUSED);
            }
            let data = match fixtures {
                Some(dir) => Fixtures::read_dir(&dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?,
                None => demo::fixtures::records()?,
            };
            match store.seed(&Actor::System("seed"), &data, today()).await {
                Ok(report) => {
                    writeln!(out, "loaded {}", describe(&report))?;
                    Ok(0)
                }
                Err(e @ (catalog::Error::Invalid { .. } | catalog::Error::Conflict { .. })) => {
                    writeln!(err, "error: {e}; nothing was loaded")?;
                    Ok(REFUSED)
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Import(what) => import(&config, what, out, err).await,
        Command::Token(what) => token(&config, what, out, err).await,
        Command::Export { what: Some(Export::Publiccode { dir }), .. } => {
            let store = open(&config).await?;
            crate::publiccode::export_dir(&store, &dir, out, err).await
        }
        Command::Export { what: None, dir: Some(dir) } => {
            let store = open(&config).await?;
            let counts = crate::export::export(&store, &dir).await?;
            writeln!(out, "exported {counts} into {}", dir.display())?;
            Ok(0)
        }
        Command::Export { what: None, dir: None } => {
            writeln!(
                err,
                "error: name the folder to export into: communs export DIR, or communs export publiccode DIR"
            )?;
            Ok(FAILED)
        }
        Command::Publiccode(Publiccode::Validate { files, format }) => {
            crate::publiccode::validate_files(&files, format, out, err)
        }
    }
}

/// Opens the search index of the data folder and brings it up to date: a new index is
/// built whole, an existing one catches up with the changes it missed.
async fn open_search(
    config: &Config,
    store: &Store,
    out: &mut dyn Write,
) -> anyhow::Result<crate::search::SearchIndex> {
    let search = crate::search::SearchIndex::open(&config.data_dir)?;
    let started = std::time::Instant::now();
    let (built, caught) = search.bring_up_to_date(store).await?;
    if built.software + built.organisations > 0 {
        writeln!(
            out,
            "search index built: {} software and {} organisations in {:.1} s",
            built.software,
            built.organisations,
            started.elapsed().as_secs_f64()
        )?;
    }
    if caught.software + caught.organisations > 0 {
        writeln!(
            out,
            "search index caught up: {} software and {} organisations read again",
            caught.software, caught.organisations
        )?;
    }
    Ok(search)
}

fn address_policy(allow_local: bool) -> catalog::AddressPolicy {
    if allow_local {
        catalog::AddressPolicy::AllowLocal
    } else {
        catalog::AddressPolicy::PublicOnly
    }
}

async fn token(config: &Config, what: Token, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    let store = open(config).await?;
    let refused = |e: catalog::Error, err: &mut dyn Write| -> anyhow::Result<i32> {
        match e {
            e
            @ (catalog::Error::Invalid { .. } | catalog::Error::Conflict { .. } | catalog::Error::NotFound { .. }) => {
                writeln!(err, "error: {e}")?;
                Ok(REFUSED)
            }
            other => Err(other.into()),
        }
    };
    match what {
        Token::Create { name, scope, user, organisation, expires } => {
            let scope = match catalog::TokenScope::parse(&scope) {
                Ok(s) => s,
                Err(e) => return refused(e, err),
            };
            let made = match user {
                None => store.create_token(&Actor::System("cli"), &name, scope).await,
                Some(who) => match store.user(&who).await {
                    Ok(person) => {
                        let ask = catalog::PersonalToken {
                            name: &name,
                            organisation: organisation.as_deref(),
                            scope,
                            days: expires,
                        };
                        store.create_personal_token(&Actor::System("cli"), &person, &ask).await
                    }
                    Err(e) => Err(e),
                },
            };
            match made {
                Ok((token, secret)) => {
                    writeln!(out, "{secret}")?;
                    writeln!(
                        err,
                        "token {} ({} scope) made; it is shown once: keep it now. Send it as Authorization: Bearer TOKEN.",
                        token.name, token.scope
                    )?;
                    Ok(0)
                }
                Err(e) => refused(e, err),
            }
        }
        Token::List { user } => {
            let tokens = match user {
                None => store.tokens().await?,
                Some(who) => match store.user(&who).await {
                    Ok(person) => store.tokens_of(person.id).await?,
                    Err(e) => return refused(e, err),
                },
            };
            if tokens.is_empty() {
                writeln!(err, "no token yet: communs token create --name NAME")?;
            }
            let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map_or_else(|| "-".to_string(), |t| t.format("%Y-%m-%d %H:%M").to_string())
            };
            for t in tokens {
                writeln!(
                    out,
                    "{}\t{}…\t{}{}\tmade {}\tused {}\t{}{}",
                    t.name,
                    t.prefix,
                    t.scope,
                    t.organisation.as_ref().map_or_else(String::new, |o| format!(" for {o}")),
                    when(Some(t.created_at)),
                    when(t.last_used_at),
                    t.revoked_at.map_or_else(|| "live".to_string(), |r| format!("revoked {}", when(Some(r)))),
                    t.expires_at.map_or_else(String::new, |e| format!("\texpires {}", when(Some(e))))
                )?;
            }
            Ok(0)
        }
        Token::Revoke { name, user } => match match user {
            None => store.revoke_token(&Actor::System("cli"), &name).await,
            Some(who) => match store.user(&who).await {
                Ok(person) => store.revoke_personal_token(&person, &name).await,
                Err(e) => Err(e),
            },
        } {
            Ok(t) => {
                writeln!(out, "token {} revoked", t.name)?;
                Ok(0)
            }
            Err(e) => refused(e, err),
        },
    }
}

async fn is_empty(store: &Store) -> anyhow::Result<bool> {
    Ok(store.count_organisations().await? == 0 && store.count_software().await? == 0)
}

fn describe(r: &catalog::import::fixtures::SeedReport) -> String {
    format!(
        "{} organisations, {} software, {} roadmap items, {} adoptions, {} fundings, {} offers",
        r.organisations, r.software, r.roadmap_items, r.adoptions, r.fundings, r.offers
    )
}

fn read_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Whether the file an import names exists; when not, says so.
fn existing_file(file: &Path, err: &mut dyn Write) -> anyhow::Result<bool> {
    if !file.is_file() {
        writeln!(err, "error: {}: no such file", file.display())?;
    }
    Ok(file.is_file())
}

/// The `--country` and the file or folder of an import of documents, or the exit status
/// of a refused country (1) or a missing path (2).
fn import_input(country: &str, path: &Path, err: &mut dyn Write) -> anyhow::Result<Result<catalog::Country, i32>> {
    let country = match catalog::Country::parse(country) {
        Ok(c) => c,
        Err(e) => {
            writeln!(err, "error: --country: {e}")?;
            return Ok(Err(REFUSED));
        }
    };
    if !path.exists() {
        writeln!(err, "error: {}: no such file or folder", path.display())?;
        return Ok(Err(FAILED));
    }
    Ok(Ok(country))
}

/// `communs import comptoir|sill FILE`.
async fn listing_file(
    config: &Config,
    file: &Path,
    reader: crate::catalogues::ListingReader,
    instances: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    if !existing_file(file, err)? {
        return Ok(FAILED);
    }
    let store = open(config).await?;
    crate::catalogues::listing(&store, file, reader, instances, today(), out, err).await
}

async fn import(config: &Config, what: Import, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    match what {
        Import::Communes { dir } => {
            let data = CommuneData::read_dir(&dir).map_err(|e| anyhow::anyhow!("{e}"))?;
            let store = open(config).await?;
            let report = store.import_communes(&Actor::System("import"), &data).await?;
            writeln!(
                out,
                "{} organisations created, {} updated, {} unchanged",
                report.created, report.updated, report.unchanged
            )?;
            Ok(0)
        }
        Import::Adoptions { file } => {
            let bytes = read_file(&file)?;
            let name = file.display().to_string();
            let parsed = match csv_import::parse_adoptions(&bytes, today()) {
                Ok(p) => p,
                Err(problems) => return refuse(&name, &problems, err),
            };
            let store = open(config).await?;
            match store.import_adoptions(&Actor::System("import"), &name, &parsed.records).await? {
                Ok(n) => {
                    writeln!(out, "{n} adoptions imported")?;
                    Ok(0)
                }
                Err(problems) => refuse(&name, &parsed.locate(&problems), err),
            }
        }
        Import::Publiccode { path, country } => {
            let country = match import_input(&country, &path, err)? {
                Ok(c) => c,
                Err(status) => return Ok(status),
            };
            let store = open(config).await?;
            crate::publiccode::import_path(&store, &path, country, today(), out, err).await
        }
        Import::Comptoir { file } => listing_file(config, &file, catalog::import::comptoir::read, None, out, err).await,
        Import::Sill { file, instances } => {
            if let Some(i) = instances.as_deref().filter(|i| !i.is_file()) {
                writeln!(err, "error: --instances: {}: no such file", i.display())?;
                return Ok(FAILED);
            }
            listing_file(config, &file, catalog::import::sill::read, instances.as_deref(), out, err).await
        }
        Import::CodeGouv { file } => {
            if !existing_file(&file, err)? {
                return Ok(FAILED);
            }
            let store = open(config).await?;
            crate::catalogues::code_gouv(&store, &file, out, err).await
        }
        Import::DevelopersItalia { path, country } => {
            let country = match import_input(&country, &path, err)? {
                Ok(c) => c,
                Err(status) => return Ok(status),
            };
            let store = open(config).await?;
            crate::catalogues::developers_italia(&store, &path, country, today(), out, err).await
        }
        Import::Fundings { file } => {
            let bytes = read_file(&file)?;
            let name = file.display().to_string();
            let parsed = match csv_import::parse_fundings(&bytes, today()) {
                Ok(p) => p,
                Err(problems) => return refuse(&name, &problems, err),
            };
            let store = open(config).await?;
            match store.import_fundings(&Actor::System("import"), &name, &parsed.records).await? {
                Ok(n) => {
                    writeln!(out, "{n} fundings imported")?;
                    Ok(0)
                }
                Err(problems) => refuse(&name, &parsed.locate(&problems), err),
            }
        }
        Import::Offers { file } => {
            let bytes = read_file(&file)?;
            let name = file.display().to_string();
            let parsed = match csv_import::parse_offers(&bytes, today()) {
                Ok(p) => p,
                Err(problems) => return refuse(&name, &problems, err),
            };
            let store = open(config).await?;
            match store.import_offers(&Actor::System("import"), &name, &parsed.records).await? {
                Ok(n) => {
                    writeln!(out, "{n} offers imported")?;
                    Ok(0)
                }
                Err(problems) => refuse(&name, &parsed.locate(&problems), err),
            }
        }
    }
}

fn refuse(file: &str, problems: &[catalog::import::LineProblem], err: &mut dyn Write) -> anyhow::Result<i32> {
    for p in problems {
        writeln!(err, "{file}:{p}")?;
    }
    writeln!(err, "{} bad row(s); nothing was imported", problems.len())?;
    Ok(REFUSED)
}

/// `communs federation ...`.
async fn federation(
    config: &Config,
    command: Federation,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    let store = open(config).await?;
    let refused = |e: catalog::Error| -> anyhow::Result<catalog::Error> {
        match e {
            e
            @ (catalog::Error::Invalid { .. } | catalog::Error::Conflict { .. } | catalog::Error::NotFound { .. }) => {
                Ok(e)
            }
            other => Err(other.into()),
        }
    };
    let allowed = |flag: bool| flag || config.harvest_file.allow_local.unwrap_or(false);
    match command {
        Federation::Add { name, url, allow_local } => {
            match store.add_peer(&Actor::System("cli"), &name, &url, address_policy(allowed(allow_local))).await {
                Ok(peer) => {
                    writeln!(out, "following {} at {}; its records come with the next round", peer.name, peer.url)?;
                    Ok(0)
                }
                Err(e) => {
                    writeln!(err, "error: {}", refused(e)?)?;
                    Ok(REFUSED)
                }
            }
        }
        Federation::List => {
            for p in store.peers().await? {
                let last = p.last_round_at.map_or_else(|| "never read".to_string(), |t| t.to_rfc3339());
                writeln!(out, "{}\t{}\t{} record(s)\t{last}", p.name, p.url, p.records)?;
                if let Some(problem) = p.last_problem {
                    writeln!(out, "  {problem}")?;
                }
            }
            Ok(0)
        }
        Federation::Remove { name } => match store.remove_peer(&Actor::System("cli"), &name).await {
            Ok(r) => {
                if !r.kept.is_empty() {
                    writeln!(
                        out,
                        "kept as this instance's, since its own records hang on them: {}",
                        r.kept.join(", ")
                    )?;
                }
                writeln!(out, "no longer following {name}; {} record(s) that came from it removed", r.removed)?;
                Ok(0)
            }
            Err(e) => {
                writeln!(err, "error: {}", refused(e)?)?;
                Ok(REFUSED)
            }
        },
        Federation::Round { name, allow_local } => {
            let peers = match name {
                Some(name) => match store.peer(&name).await {
                    Ok(p) => vec![p],
                    Err(e) => {
                        writeln!(err, "error: {}", refused(e)?)?;
                        return Ok(REFUSED);
                    }
                },
                None => store.peers().await?,
            };
            let settings = config.federation.config(allowed(allow_local))?;
            let mut code = 0;
            for peer in peers {
                match crate::federation::round(&store, &peer, &settings).await {
                    Ok(report) => {
                        for why in &report.applied.refused {
                            writeln!(err, "{}: refused: {why}", peer.name)?;
                        }
                        writeln!(out, "{}", report.line())?;
                        if !report.applied.refused.is_empty() {
                            code = code.max(REFUSED);
                        }
                    }
                    Err(e) => {
                        writeln!(err, "error: {}: {e:#}", peer.name)?;
                        code = FAILED;
                    }
                }
            }
            Ok(code)
        }
    }
}
