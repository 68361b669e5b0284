//! Settings in layers: flags, then `COPRODUCE_*` environment variables (both
//! read by clap), then `coproduce.toml`, then defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, Context};
use serde::Deserialize;

use coproduce_web::outbox::{Secret, SmtpSettings};

use crate::cli::{Cli, Command, LogFormat};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://coproduce.db";
pub const DEFAULT_DEMO_DATABASE_URL: &str = "sqlite://coproduce-demo.db";
pub const DEFAULT_FILES_DIR: &str = "coproduce-files";
pub const DEFAULT_DEMO_FILES_DIR: &str = "coproduce-demo-files";
/// Where uploaded files live, when not in the settings file.
const FILES_DIR_ENV: &str = "COPRODUCE_FILES_DIR";
/// Where scripts/fetch-models puts the embedding model and the ESCO file,
/// and where the skills' embeddings are cached.
const MODELS_DIR_ENV: &str = "COPRODUCE_MODELS_DIR";
pub const DEFAULT_MODELS_DIR: &str = "models";
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
    public_url: Option<String>,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    smtp_username: Option<String>,
    /// Printed by `Debug` as `Secret(***)`.
    smtp_password: Option<Secret>,
    mail_from: Option<String>,
    smtp_starttls: Option<bool>,
    files_dir: Option<PathBuf>,
    models_dir: Option<PathBuf>,
    /// The 360Giving publisher prefix for `coproduce export 360giving`.
    giving360_prefix: Option<String>,
}

/// Read from the environment, so the password need not sit in a file.
const SMTP_PASSWORD_ENV: &str = "COPRODUCE_SMTP_PASSWORD";

#[derive(Debug)]
pub struct Settings {
    /// None when neither flag, environment nor file chose one: each command
    /// then picks its own default (the demo keeps its data apart).
    pub database_url: Option<String>,
    pub addr: SocketAddr,
    pub log: String,
    pub log_format: LogFormat,
    /// None when neither environment nor file chose one: like the database,
    /// the demo keeps its files apart.
    pub files_dir: Option<PathBuf>,
    /// The sentence-embedding model's folder is `all-MiniLM-L6-v2` in here.
    pub models_dir: PathBuf,
    /// The 360Giving publisher prefix, as given (`export` checks it): from
    /// --prefix or COPRODUCE_360GIVING_PREFIX, else the file.
    pub giving360_prefix: Option<String>,
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
        let public_url = public_url(file.public_url.as_deref())?;
        let smtp = smtp(&file)?;
        let flag_prefix = match &cli.command {
            Command::Export(a) => a.prefix.clone(),
            _ => None,
        };
        Ok(Self {
            giving360_prefix: flag_prefix
                .filter(|p| !p.trim().is_empty())
                .or(file.giving360_prefix),
            database_url: cli.database_url.clone().or(file.database_url),
            files_dir: std::env::var_os(FILES_DIR_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or(file.files_dir),
            models_dir: std::env::var_os(MODELS_DIR_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or(file.models_dir)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_MODELS_DIR)),
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
                public_url,
                smtp,
                files_dir: defaults.files_dir,
                models_dir: None,
            },
        })
    }

    pub fn files_dir_or(&self, default: &str) -> PathBuf {
        self.files_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(default))
    }

    pub fn database_url_or(&self, default: &str) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| default.to_owned())
    }
}

fn public_url(given: Option<&str>) -> anyhow::Result<Option<String>> {
    let Some(url) = given.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => {
            Ok(Some(url.trim_end_matches('/').to_owned()))
        }
        _ => Err(anyhow!(
            "public_url = \"{url}\" in the settings file is not a web address: write it as https://coproduce.example.org"
        )),
    }
}

/// The mail server, when `smtp_host` names one; the other mail keys without
/// it are a mistake worth stopping for, since mail would silently go to the
/// log instead.
fn smtp(file: &FileSettings) -> anyhow::Result<Option<SmtpSettings>> {
    let password = std::env::var(SMTP_PASSWORD_ENV)
        .ok()
        .filter(|p| !p.is_empty())
        .map(Secret::new)
        .or_else(|| file.smtp_password.clone());
    let Some(host) = file.smtp_host.clone() else {
        let stray = [
            ("smtp_port", file.smtp_port.is_some()),
            ("smtp_username", file.smtp_username.is_some()),
            ("smtp_password", password.is_some()),
            ("mail_from", file.mail_from.is_some()),
            ("smtp_starttls", file.smtp_starttls.is_some()),
        ];
        if let Some((key, _)) = stray.iter().find(|(_, set)| *set) {
            return Err(anyhow!(
                "{key} is set but smtp_host is not: name the mail server with smtp_host, or remove {key}"
            ));
        }
        return Ok(None);
    };
    let Some(from) = file.mail_from.clone() else {
        return Err(anyhow!(
            "smtp_host is set but mail_from is not: say who email comes from, e.g. mail_from = \"coproduce <noreply@example.org>\""
        ));
    };
    let settings = SmtpSettings {
        host,
        port: file.smtp_port.unwrap_or(SmtpSettings::DEFAULT_PORT),
        username: file.smtp_username.clone(),
        password,
        from,
        starttls: file.smtp_starttls.unwrap_or(true),
    };
    settings
        .check()
        .map_err(|e| anyhow!("the mail settings are not usable: {e}"))?;
    Ok(Some(settings))
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

    fn resolve_with(file: &str) -> anyhow::Result<Settings> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("coproduce.toml");
        std::fs::write(&path, file).unwrap();
        let cli = Cli::try_parse_from(["coproduce", "--config", path.to_str().unwrap(), "serve"])
            .unwrap();
        Settings::resolve(&cli)
    }

    #[test]
    fn mail_settings_are_read_checked_and_never_print_the_password() {
        let s = resolve_with(
            "public_url = \"https://coproduce.camden.example/\"\n\
             smtp_host = \"smtp.camden.example\"\n\
             smtp_username = \"coproduce\"\n\
             smtp_password = \"correct horse battery\"\n\
             mail_from = \"Camden coproduce <noreply@camden.example>\"\n",
        )
        .unwrap();
        assert_eq!(
            s.web.public_url.as_deref(),
            Some("https://coproduce.camden.example")
        );
        let smtp = s.web.smtp.as_ref().unwrap();
        assert_eq!((smtp.port, smtp.starttls), (587, true));
        assert_eq!(
            smtp.password.as_ref().map(Secret::expose),
            Some("correct horse battery")
        );
        let printed = format!("{s:?}");
        assert!(!printed.contains("correct horse"), "{printed}");

        let defaults = resolve_with("").unwrap();
        assert!(defaults.web.smtp.is_none() && defaults.web.public_url.is_none());
    }

    #[test]
    fn half_made_mail_settings_are_refused_with_the_key_to_fix() {
        let err = resolve_with("smtp_host = \"smtp.example.org\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("mail_from"), "{err}");
        let err = resolve_with("smtp_port = 25\n").unwrap_err().to_string();
        assert!(err.contains("smtp_host"), "{err}");
        let err = resolve_with("public_url = \"coproduce.example.org\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("https://"), "{err}");
    }

    #[test]
    fn the_360giving_prefix_comes_from_the_flag_before_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("coproduce.toml");
        std::fs::write(&path, "giving360_prefix = \"360G-fromfile\"\n").unwrap();
        let config = path.to_str().unwrap();
        let args = |extra: &[&'static str]| {
            let mut a = vec![
                "coproduce",
                "--config",
                config,
                "export",
                "360giving",
                "--out",
                "x",
            ];
            a.extend_from_slice(extra);
            Cli::try_parse_from(a).unwrap()
        };
        let s = Settings::resolve(&args(&[])).unwrap();
        assert_eq!(s.giving360_prefix.as_deref(), Some("360G-fromfile"));
        let s = Settings::resolve(&args(&["--prefix", "360G-fromflag"])).unwrap();
        assert_eq!(s.giving360_prefix.as_deref(), Some("360G-fromflag"));
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
