//! Settings: command-line flags, then `COMMUNS_*` environment variables (both through
//! clap), then `communs.toml`, then defaults that run the demo.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cli::HarvestArgs;
use crate::harvest::{HarvestConfig, HarvestFile};

pub const DEFAULT_DATA_DIR: &str = "./communs-data";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// What `communs.toml` may hold; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub bind: Option<String>,
    /// The site's public address: requests naming another host are refused.
    pub public_url: Option<String>,
    /// Connections served at once.
    pub max_connections: Option<usize>,
    /// Where `/metrics` is served (`127.0.0.1:9090`), apart from the site; unset: nowhere.
    pub metrics_bind: Option<String>,
    /// The reverse proxies' addresses, whose `X-Forwarded-For` is believed; empty: none is.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    #[serde(default)]
    pub harvest: HarvestFile,
    #[serde(default)]
    pub login: LoginFile,
    #[serde(default)]
    pub rate_limits: RateLimitsFile,
    #[serde(default)]
    pub mail: crate::mail::MailFile,
    #[serde(default)]
    pub webhooks: crate::webhooks::WebhooksFile,
    #[serde(default)]
    pub federation: crate::federation::FederationFile,
    /// `[[exchange_rates]]`: dated rates by which pledges in another currency count towards
    /// a roadmap item's cost.
    #[serde(default)]
    pub exchange_rates: Vec<ExchangeRateFile>,
}

/// One `[[exchange_rates]]`: one unit of `from` is worth `rate` of `to`, on the day `on`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeRateFile {
    pub from: String,
    pub to: String,
    /// A decimal, as a string (`"1.0650"`), so that it is read exactly.
    pub rate: String,
    /// `YYYY-MM-DD`.
    pub on: String,
    /// Who published it (`"BCE"`), shown beside the amounts it converts.
    #[serde(default)]
    pub source: Option<String>,
}

impl ExchangeRateFile {
    fn read(&self, i: usize) -> anyhow::Result<catalog::money::ExchangeRate> {
        let at = |e: catalog::Error| anyhow::anyhow!("exchange_rates[{i}].{e}");
        let currency = |field: &str, code: &str| {
            catalog::Currency::parse(code).map_err(|e| match e {
                catalog::Error::Invalid { message, .. } => anyhow::anyhow!("exchange_rates[{i}].{field}: {message}"),
                other => anyhow::anyhow!("exchange_rates[{i}].{field}: {other}"),
            })
        };
        let (from, to) = (currency("from", &self.from)?, currency("to", &self.to)?);
        let on = catalog::text::date("on", &self.on).map_err(at)?;
        let source = match self.source.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(catalog::text::line("source", s, 100).map_err(at)?),
            None => None,
        };
        catalog::money::ExchangeRate::new(from, to, &self.rate, on, source).map_err(at)
    }
}

/// `[rate_limits]`: tries per client address (and per account for writes), as a burst then
/// so many a minute.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitsFile {
    pub login_burst: Option<u32>,
    pub login_per_minute: Option<u32>,
    pub write_burst: Option<u32>,
    pub write_per_minute: Option<u32>,
}

impl RateLimitsFile {
    pub fn limits(&self) -> anyhow::Result<crate::ratelimit::RateLimits> {
        let d = crate::ratelimit::RateLimits::default();
        let pick = |v: Option<u32>, default: u32, name: &str| match v {
            None => Ok(default),
            Some(n @ 1..=100_000) => Ok(n),
            Some(n) => Err(anyhow::anyhow!("rate_limits.{name}: {n} is not between 1 and 100000")),
        };
        Ok(crate::ratelimit::RateLimits {
            login: crate::ratelimit::Rate {
                burst: pick(self.login_burst, d.login.burst, "login_burst")?,
                per_minute: pick(self.login_per_minute, d.login.per_minute, "login_per_minute")?,
            },
            write: crate::ratelimit::Rate {
                burst: pick(self.write_burst, d.write.burst, "write_burst")?,
                per_minute: pick(self.write_per_minute, d.write.per_minute, "write_per_minute")?,
            },
        })
    }
}

/// `[login]`: who may sign in, and for how long.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginFile {
    /// A session unused for this long ends (default 8).
    pub session_idle_hours: Option<u32>,
    /// Any session ends after this long (default 7).
    pub session_days: Option<u32>,
    /// Verified e-mail addresses that are site administrators.
    #[serde(default)]
    pub site_admins: Vec<String>,
    /// `[[login.providers]]`: the OpenID Connect providers.
    #[serde(default)]
    pub providers: Vec<crate::oidc::ProviderConfig>,
}

impl LoginFile {
    pub fn lifetimes(&self) -> anyhow::Result<catalog::SessionLifetimes> {
        let d = catalog::SessionLifetimes::default();
        let idle = self.session_idle_hours.map_or(Ok(d.idle), |h| match h {
            1..=720 => Ok(chrono::Duration::hours(i64::from(h))),
            _ => Err(anyhow::anyhow!("login.session_idle_hours: {h} is not between 1 and 720")),
        })?;
        let absolute = self.session_days.map_or(Ok(d.absolute), |n| match n {
            1..=365 => Ok(chrono::Duration::days(i64::from(n))),
            _ => Err(anyhow::anyhow!("login.session_days: {n} is not between 1 and 365")),
        })?;
        Ok(catalog::SessionLifetimes { idle: idle.min(absolute), absolute })
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub bind: SocketAddr,
    pub public_url: Option<String>,
    pub max_connections: Option<usize>,
    pub metrics_bind: Option<String>,
    pub trusted_proxies: Vec<String>,
    pub harvest_file: HarvestFile,
    pub login: LoginFile,
    pub rate_limits: RateLimitsFile,
    pub mail: crate::mail::MailFile,
    pub webhooks: crate::webhooks::WebhooksFile,
    pub federation: crate::federation::FederationFile,
    pub exchange_rates: catalog::money::Rates,
}

impl FileConfig {
    /// Reads the file when it exists; a missing default file is no error, a missing
    /// explicit one is.
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileConfig> {
        let (path, explicit) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("communs.toml"), false),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => Ok(FileConfig::default()),
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }
}

impl Config {
    pub fn resolve(
        data_dir: Option<PathBuf>,
        database_url: Option<String>,
        bind: Option<String>,
        file: FileConfig,
    ) -> anyhow::Result<Config> {
        let data_dir = data_dir.or(file.data_dir).unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = database_url
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("communs.db").display()));
        let bind_text = bind.or(file.bind).unwrap_or_else(|| DEFAULT_BIND.to_string());
        let bind = bind_text
            .parse()
            .map_err(|_| anyhow::anyhow!("bind: {bind_text:?} is not an address such as 127.0.0.1:8080"))?;
        let mut rates = Vec::new();
        for (i, r) in file.exchange_rates.iter().enumerate() {
            rates.push(r.read(i)?);
        }
        Ok(Config {
            exchange_rates: catalog::money::Rates::new(rates),
            data_dir,
            database_url,
            bind,
            public_url: file.public_url,
            max_connections: file.max_connections,
            metrics_bind: file.metrics_bind,
            trusted_proxies: file.trusted_proxies,
            harvest_file: file.harvest,
            login: file.login,
            rate_limits: file.rate_limits,
            mail: file.mail,
            webhooks: file.webhooks,
            federation: file.federation,
        })
    }

    /// Where `/metrics` is served: `flag` (`--metrics-bind`, `COMMUNS_METRICS_BIND`), else
    /// the file's `metrics_bind`; an empty value turns it off.
    pub fn metrics_bind(&self, flag: Option<&str>) -> anyhow::Result<Option<SocketAddr>> {
        let Some(text) = flag.or(self.metrics_bind.as_deref()).map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let at: SocketAddr = text
            .parse()
            .map_err(|_| anyhow::anyhow!("metrics_bind: {text:?} is not an address such as 127.0.0.1:9090"))?;
        if at == self.bind && at.port() != 0 {
            anyhow::bail!("metrics_bind: {at} is the site's own address (bind); the metrics need one of their own");
        }
        Ok(Some(at))
    }

    /// The proxies whose forwarded headers are believed: `flag` (`--trusted-proxies`,
    /// `COMMUNS_TRUSTED_PROXIES`, comma-separated) when given, else the file's list.
    pub fn trusted_proxies(&self, flag: &[String]) -> anyhow::Result<Vec<std::net::IpAddr>> {
        let list = if flag.is_empty() { &self.trusted_proxies } else { flag };
        let mut out = Vec::new();
        for (i, text) in list.iter().map(|t| t.trim()).enumerate() {
            if text.is_empty() {
                continue;
            }
            let ip: std::net::IpAddr = text.parse().map_err(|_| {
                anyhow::anyhow!("trusted_proxies[{i}]: {text:?} is not an IP address such as 127.0.0.1")
            })?;
            if !out.contains(&ip) {
                out.push(ip);
            }
        }
        Ok(out)
    }

    /// How harvests run: flags and variables (`args`), then `[harvest]` of the file, then
    /// defaults. `every` is the server's own, already resolved (minutes; 0 or `None`: no
    /// background job).
    pub fn harvest(&self, args: &HarvestArgs, every: Option<u64>) -> HarvestConfig {
        let f = &self.harvest_file;
        let defaults = indexer::harvest::Limits::default();
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let every = every.filter(|m| *m > 0);
        HarvestConfig {
            mirrors: self.data_dir.join("mirrors"),
            workers: args.workers.or(f.workers).unwrap_or(cores).max(1),
            limits: indexer::harvest::Limits {
                timeout: args
                    .timeout
                    .or(f.timeout_seconds)
                    .map(std::time::Duration::from_secs)
                    .unwrap_or(defaults.timeout),
                max_repository_bytes: args.max_size.or(f.max_repository_bytes).unwrap_or(defaults.max_repository_bytes),
                max_file_bytes: f.max_file_bytes.unwrap_or(defaults.max_file_bytes),
            },
            interval: chrono::Duration::hours(f.interval_hours.unwrap_or(24).max(1) as i64),
            every: every.map(|m| std::time::Duration::from_secs(m * 60)),
            allow_local: args.allow_local || f.allow_local.unwrap_or(false),
            trusted_root: Some(self.data_dir.join(crate::demo::REPOSITORIES)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let file = FileConfig {
            data_dir: Some("/srv/communs".into()),
            database_url: None,
            bind: Some("0.0.0.0:9000".into()),
            public_url: None,
            max_connections: None,
            metrics_bind: None,
            trusted_proxies: Vec::new(),
            harvest: HarvestFile::default(),
            login: LoginFile::default(),
            rate_limits: RateLimitsFile::default(),
            mail: crate::mail::MailFile::default(),
            webhooks: crate::webhooks::WebhooksFile::default(),
            federation: crate::federation::FederationFile::default(),
            exchange_rates: Vec::new(),
        };
        let c = Config::resolve(None, None, Some("127.0.0.1:1234".into()), file).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/srv/communs"));
        assert_eq!(c.database_url, "sqlite:///srv/communs/communs.db");
        assert_eq!(c.bind.to_string(), "127.0.0.1:1234");
        let d = Config::resolve(None, None, None, FileConfig::default()).unwrap();
        assert_eq!(d.bind.to_string(), DEFAULT_BIND);
        assert!(Config::resolve(None, None, Some("localhost".into()), FileConfig::default()).is_err());
    }

    /// deploy/communs.toml sets every setting, each to a value that is accepted. The
    /// patterns below name every field: a new setting does not compile until it is there.
    #[test]
    fn the_example_in_deploy_sets_every_setting_and_reads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/communs.toml");
        let file = FileConfig::load(Some(&path)).unwrap();
        let FileConfig {
            data_dir,
            database_url,
            bind,
            public_url,
            max_connections,
            metrics_bind,
            trusted_proxies,
            harvest,
            login,
            rate_limits,
            mail,
            webhooks,
            federation,
            exchange_rates,
        } = &file;
        assert!(data_dir.is_some() && database_url.is_some() && bind.is_some() && public_url.is_some());
        assert!(max_connections.is_some() && metrics_bind.is_some() && !trusted_proxies.is_empty());
        let HarvestFile {
            workers,
            timeout_seconds,
            max_repository_bytes,
            max_file_bytes,
            interval_hours,
            every_minutes,
            allow_local,
        } = harvest;
        assert!(workers.is_some() && timeout_seconds.is_some() && max_repository_bytes.is_some());
        assert!(
            max_file_bytes.is_some() && interval_hours.is_some() && every_minutes.is_some() && allow_local.is_some()
        );
        let LoginFile { session_idle_hours, session_days, site_admins, providers } = login;
        assert!(session_idle_hours.is_some() && session_days.is_some() && !site_admins.is_empty());
        let crate::oidc::ProviderConfig {
            id: _,
            name: _,
            issuer: _,
            client_id: _,
            client_secret: _,
            client_secret_env,
            scopes,
            allowed_domains: _,
        } = &providers[0];
        assert!(client_secret_env.is_some() && scopes.is_some());
        let RateLimitsFile { login_burst, login_per_minute, write_burst, write_per_minute } = rate_limits;
        assert!(
            login_burst.is_some() && login_per_minute.is_some() && write_burst.is_some() && write_per_minute.is_some()
        );
        let crate::mail::MailFile { smtp_url, from, digest_hour } = mail;
        assert!(smtp_url.is_some() && from.is_some() && digest_hour.is_some());
        let crate::webhooks::WebhooksFile { first_retry_seconds, poll_seconds, timeout_seconds } = webhooks;
        assert!(first_retry_seconds.is_some() && poll_seconds.is_some() && timeout_seconds.is_some());
        let crate::federation::FederationFile { every_minutes, timeout_seconds } = federation;
        assert!(every_minutes.is_some() && timeout_seconds.is_some());
        assert!(exchange_rates.iter().all(|r| r.source.is_some()) && !exchange_rates.is_empty());

        let c = Config::resolve(None, None, None, file).unwrap();
        c.login.lifetimes().unwrap();
        // Read whole; only the secret is missing, as it is on a machine without it.
        let e = crate::oidc::Providers::new(c.login.providers.clone()).err().unwrap().to_string();
        assert!(e.contains("COMMUNS_PROCONNECT_SECRET (client_secret_env) is not set"), "{e}");
        c.rate_limits.limits().unwrap();
        assert!(c.metrics_bind(None).unwrap().is_some());
        assert_eq!(c.trusted_proxies(&[]).unwrap().len(), 2);
        c.webhooks.config(false, String::new()).unwrap();
        c.federation.config(false).unwrap();
        assert!(c.mail.digest_hour.is_some_and(|h| h < 24));
        assert!(url::Url::parse(c.public_url.as_deref().unwrap()).is_ok());
    }

    #[test]
    fn proxies_and_the_metrics_address_are_read_and_bad_ones_named() {
        let c = |text: &str| Config::resolve(None, None, None, toml::from_str::<FileConfig>(text).unwrap()).unwrap();
        let file = c("trusted_proxies = [\"127.0.0.1\", \"::1\"]\nmetrics_bind = \"127.0.0.1:9090\"\n");
        assert_eq!(file.trusted_proxies(&[]).unwrap().len(), 2);
        // The flag's list replaces the file's.
        let flag = file.trusted_proxies(&["10.0.0.2".to_string()]).unwrap();
        assert_eq!(flag, vec!["10.0.0.2".parse::<std::net::IpAddr>().unwrap()]);
        let err = c("trusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\"]").trusted_proxies(&[]).unwrap_err();
        assert_eq!(err.to_string(), "trusted_proxies[1]: \"10.0.0.0/8\" is not an IP address such as 127.0.0.1");
        assert_eq!(file.metrics_bind(None).unwrap().unwrap().to_string(), "127.0.0.1:9090");
        assert_eq!(file.metrics_bind(Some("")).unwrap(), None, "an empty flag turns it off");
        assert_eq!(c("").metrics_bind(None).unwrap(), None, "off unless set");
        assert!(toml::from_str::<FileConfig>("trusted_proxy = []").is_err(), "an unknown key is refused");
    }

    #[test]
    fn bad_login_and_limit_settings_are_named() {
        let login = |text: &str| toml::from_str::<FileConfig>(text).map(|f| f.login);
        let err = login("[login]\nsession_idle_hours = 0").unwrap().lifetimes().unwrap_err();
        assert!(err.to_string().contains("login.session_idle_hours"), "{err}");
        let err = login("[login]\nsession_days = 400").unwrap().lifetimes().unwrap_err();
        assert!(err.to_string().contains("login.session_days"), "{err}");
        // The idle lifetime never outlasts the absolute one.
        let l = login("[login]\nsession_idle_hours = 720\nsession_days = 1").unwrap().lifetimes().unwrap();
        assert_eq!(l.idle, chrono::Duration::days(1));
        assert!(login("[login]\nsession_weeks = 1").is_err(), "an unknown key is refused");
        let provider = |id: &str, issuer: &str| {
            format!("[[login.providers]]\nid = \"{id}\"\nname = \"P\"\nissuer = \"{issuer}\"\nclient_id = \"c\"\n")
        };
        let providers = |text: &str| crate::oidc::Providers::new(login(text).unwrap().providers);
        assert!(providers(&provider("proconnect", "https://id.example")).is_ok());
        let err = providers(&provider("Pro Connect", "https://id.example")).err().unwrap();
        assert!(err.to_string().contains("id \"Pro Connect\""), "{err}");
        let err = providers(&provider("demo", "https://id.example")).err().unwrap();
        assert!(err.to_string().contains("demo"), "{err}");
        let err = providers(&provider("p", "not a url")).err().unwrap();
        assert!(err.to_string().contains("issuer"), "{err}");
        let twice = format!("{}{}", provider("p", "https://a.example"), provider("p", "https://b.example"));
        assert!(providers(&twice).err().unwrap().to_string().contains("given twice"));
        let limits = |text: &str| toml::from_str::<FileConfig>(text).unwrap().rate_limits.limits();
        assert!(limits("[rate_limits]\nwrite_burst = 0").unwrap_err().to_string().contains("rate_limits.write_burst"));
        assert_eq!(limits("[rate_limits]\nlogin_per_minute = 3").unwrap().login.per_minute, 3);
    }

    #[test]
    fn exchange_rates_are_read_and_bad_ones_named() {
        let rates = |text: &str| Config::resolve(None, None, None, toml::from_str::<FileConfig>(text).unwrap());
        let one = "[[exchange_rates]]\nfrom = \"CHF\"\nto = \"EUR\"\nrate = \"1.0650\"\non = \"2026-11-28\"\nsource = \"BCE\"\n";
        let c = rates(one).unwrap();
        let chf = catalog::Currency::parse("CHF").unwrap();
        let rate = c.exchange_rates.rate(chf, catalog::Currency::parse("EUR").unwrap()).unwrap();
        assert_eq!((rate.rate.as_str(), rate.source.as_deref()), ("1.0650", Some("BCE")));
        for (bad, field) in [
            (one.replace("\"CHF\"", "\"XYZ\""), "exchange_rates[0].from"),
            (one.replace("\"1.0650\"", "\"-1\""), "exchange_rates[0].rate"),
            (one.replace("\"2026-11-28\"", "\"28/11/2026\""), "exchange_rates[0].on"),
            (one.replace("\"EUR\"", "\"CHF\""), "exchange_rates[0].to"),
        ] {
            let e = rates(&bad).unwrap_err().to_string();
            assert!(e.starts_with(field), "{field}: {e}");
        }
        assert!(toml::from_str::<FileConfig>(&one.replace("source", "by")).is_err(), "an unknown key is refused");
    }
}
