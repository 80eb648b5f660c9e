//! Settings: command-line flags, then `COMMUNS_*` environment variables (both through
//! clap), then `communs.toml`, then defaults that run the demo.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const DEFAULT_DATA_DIR: &str = "./communs-data";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// What `communs.toml` may hold; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub bind: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub bind: SocketAddr,
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
        Ok(Config { data_dir, database_url, bind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let file =
            FileConfig { data_dir: Some("/srv/communs".into()), database_url: None, bind: Some("0.0.0.0:9000".into()) };
        let c = Config::resolve(None, None, Some("127.0.0.1:1234".into()), file).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/srv/communs"));
        assert_eq!(c.database_url, "sqlite:///srv/communs/communs.db");
        assert_eq!(c.bind.to_string(), "127.0.0.1:1234");
        let d = Config::resolve(None, None, None, FileConfig::default()).unwrap();
        assert_eq!(d.bind.to_string(), DEFAULT_BIND);
        assert!(Config::resolve(None, None, Some("localhost".into()), FileConfig::default()).is_err());
    }
}
