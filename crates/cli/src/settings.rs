//! Settings in layers: flags, then `COPRODUCE_*` environment variables (both
//! read by clap), then `coproduce.toml`, then defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, Context};
use serde::Deserialize;

use crate::cli::{Cli, Command, LogFormat};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://coproduce.db";
pub const DEFAULT_DEMO_DATABASE_URL: &str = "sqlite://coproduce-demo.db";
const DEFAULT_CONFIG: &str = "coproduce.toml";

/// What `coproduce.toml` may hold. Unknown keys are refused, so a typo is
/// reported rather than silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    addr: Option<String>,
    log: Option<String>,
    log_format: Option<LogFormat>,
    request_timeout_seconds: Option<u64>,
    body_limit_bytes: Option<usize>,
    secure_cookies: Option<bool>,
}

#[derive(Debug)]
pub struct Settings {
    /// None when neither flag, environment nor file chose one: each command
    /// then picks its own default (the demo keeps its data apart).
    pub database_url: Option<String>,
    pub addr: SocketAddr,
    pub log: String,
    pub log_format: LogFormat,
    pub web: coproduce_web::Settings,
}

impl Settings {
    pub fn resolve(cli: &Cli) -> anyhow::Result<Self> {
        let file = load_file(cli.config.as_deref())?;
        let flag_addr = match &cli.command {
            Command::Serve(a) => a.addr,
            Command::Demo(a) => a.addr,
            _ => None,
        };
        let addr = match (flag_addr, &file.addr) {
            (Some(a), _) => a,
            (None, Some(text)) => text.parse().map_err(|_| {
                anyhow!("addr = \"{text}\" in the settings file is not an address: write it as IP:PORT, e.g. 127.0.0.1:8080")
            })?,
            (None, None) => coproduce_web::Settings::default().addr,
        };
        let defaults = coproduce_web::Settings::default();
        let request_timeout = match file.request_timeout_seconds {
            Some(0) => {
                return Err(anyhow!(
                    "request_timeout_seconds in the settings file must be at least 1"
                ))
            }
            Some(s) => Duration::from_secs(s),
            None => defaults.request_timeout,
        };
        Ok(Self {
            database_url: cli.database_url.clone().or(file.database_url),
            addr,
            log: cli
                .log
                .clone()
                .or(file.log)
                .unwrap_or_else(|| "info,sqlx=warn,tower_http=info".to_owned()),
            log_format: cli
                .log_format
                .or(file.log_format)
                .unwrap_or(LogFormat::Text),
            web: coproduce_web::Settings {
                addr,
                request_timeout,
                body_limit: file.body_limit_bytes.unwrap_or(defaults.body_limit),
                secure_cookies: file.secure_cookies.unwrap_or(defaults.secure_cookies),
            },
        })
    }

    pub fn database_url_or(&self, default: &str) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| default.to_owned())
    }
}

fn load_file(explicit: Option<&Path>) -> anyhow::Result<FileSettings> {
    let path: PathBuf = match explicit {
        Some(p) => {
            if !p.is_file() {
                return Err(anyhow!(
                    "the settings file {} does not exist: check the path given to --config (or COPRODUCE_CONFIG)",
                    p.display()
                ));
            }
            p.to_path_buf()
        }
        None => {
            let p = PathBuf::from(DEFAULT_CONFIG);
            if !p.is_file() {
                return Ok(FileSettings::default());
            }
            p
        }
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the settings file {}", path.display()))?;
    parse_file(&text).map_err(|e| anyhow!("the settings file {} is not valid: {e}", path.display()))
}

fn parse_file(text: &str) -> Result<FileSettings, String> {
    toml::from_str(text).map_err(|e| e.message().to_owned())
}

pub fn init_logging(settings: &Settings) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log).map_err(|e| {
        anyhow!(
            "the log filter '{}' is not understood ({e}): use a level such as info or debug",
            settings.log
        )
    })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let result = match settings.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    result.map_err(|e| anyhow!("could not start logging: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn unknown_keys_in_the_file_are_named() {
        let err = parse_file("databse_url = \"sqlite://x.db\"").unwrap_err();
        assert!(err.contains("databse_url"), "{err}");
    }

    #[test]
    fn flags_win_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("coproduce.toml");
        std::fs::write(
            &path,
            "database_url = \"sqlite://from-file.db\"\naddr = \"127.0.0.1:9000\"\nlog = \"debug\"\n",
        )
        .unwrap();
        let config = path.to_str().unwrap();
        let cli = Cli::try_parse_from(["coproduce", "--config", config, "serve"]).unwrap();
        let s = Settings::resolve(&cli).unwrap();
        assert_eq!(s.database_url.as_deref(), Some("sqlite://from-file.db"));
        assert_eq!(s.addr.port(), 9000);
        assert_eq!(s.log, "debug");

        let cli = Cli::try_parse_from([
            "coproduce",
            "--config",
            config,
            "serve",
            "--addr",
            "127.0.0.1:9100",
            "--database-url",
            "sqlite://from-flag.db",
        ])
        .unwrap();
        let s = Settings::resolve(&cli).unwrap();
        assert_eq!(s.database_url.as_deref(), Some("sqlite://from-flag.db"));
        assert_eq!(s.addr.port(), 9100);
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        let cli = Cli::try_parse_from([
            "coproduce",
            "--config",
            "/nonexistent/coproduce.toml",
            "migrate",
        ])
        .unwrap();
        let err = Settings::resolve(&cli).unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{err}");
    }
}
