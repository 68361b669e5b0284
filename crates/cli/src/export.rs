//! `coproduce export FORMAT --out FILE`: the fund holders' books, or the
//! public calendar, in an open format. The store writes the format; this picks it, resolves the
//! settings it needs, and makes the file appear whole or not at all.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context};
use chrono::Utc;
use coproduce_store::db::Create;
use coproduce_store::exports::{beancount, giving360, ledger_csv, ExportError};
use coproduce_store::{Db, DbUrl};

use crate::cli::{ExportArgs, ExportFormat};
use crate::progress::Bars;
use crate::serve::announce;
use crate::settings::{Settings, DEFAULT_DATABASE_URL};

pub async fn run(settings: &Settings, args: &ExportArgs) -> anyhow::Result<()> {
    // Settings first, so a missing prefix costs no database connection.
    let giving = match args.format {
        ExportFormat::Giving360 => Some(giving360::Options {
            prefix: prefix(settings.giving360_prefix.as_deref())?,
            public_url: settings.web.public_url.clone(),
            now: Utc::now(),
        }),
        _ => None,
    };
    let (pending, file) = Pending::create(&args.out)?;
    let url = DbUrl::parse(&settings.database_url_or(DEFAULT_DATABASE_URL))?;
    // A missing database is a mistake in the URL: never create an empty one
    // only to export nothing from it.
    let db = Db::open(&url, Create::Never).await?;
    let bars = Bars::new();
    let mut out = BufWriter::new(file);
    let done = match (&giving, args.format) {
        (Some(options), _) => giving360::write(&db, options, &mut out, &bars)
            .await
            .map(|w| format!("{} {}", w.grants, plural(w.grants, "grant", "grants"))),
        (None, ExportFormat::Beancount) => beancount::write(&db, &mut out, &bars).await.map(|w| {
            format!(
                "{} {}, {} {} and {} {}",
                w.accounts,
                plural(w.accounts as u64, "account", "accounts"),
                w.transactions,
                plural(w.transactions, "transaction", "transactions"),
                w.postings,
                plural(w.postings, "posting", "postings")
            )
        }),
        (None, ExportFormat::Ical) => {
            let site = coproduce_web::outbox::site_address(&settings.web);
            ical(&db, &site, &mut out).await
        }
        (None, _) => ledger_csv::write(&db, &mut out, &bars).await.map(|w| {
            format!(
                "{} {} in {} {}",
                w.postings,
                plural(w.postings, "posting", "postings"),
                w.transactions,
                plural(w.transactions, "transaction", "transactions")
            )
        }),
    };
    db.close().await;
    let what = done?;
    let file_handle = out
        .into_inner()
        .map_err(|e| anyhow!("could not write {}: {}", args.out.display(), e.error()))?;
    pending.commit(file_handle)?;
    announce(&format!("wrote {what} to {}", args.out.display()))
}

fn prefix(given: Option<&str>) -> anyhow::Result<giving360::Prefix> {
    let Some(text) = given.map(str::trim).filter(|p| !p.is_empty()) else {
        return Err(anyhow!(
            "the 360Giving export needs your publisher prefix, the 360G-... that 360Giving gives an organisation when it registers to publish: \
             pass --prefix 360G-yourorg, set COPRODUCE_360GIVING_PREFIX=360G-yourorg, \
             or add giving360_prefix = \"360G-yourorg\" to coproduce.toml"
        ));
    };
    giving360::Prefix::parse(text).map_err(|e| {
        anyhow!(
            "{} (set it with --prefix, COPRODUCE_360GIVING_PREFIX or giving360_prefix in coproduce.toml)",
            e.message
        )
    })
}

/// The public calendar, written whole; says how many events it holds.
async fn ical(db: &Db, site: &str, out: &mut impl Write) -> Result<String, ExportError> {
    let text = coproduce_store::calendar::public(db, site, Utc::now()).await?;
    out.write_all(text.as_bytes())?;
    let n = text.matches("BEGIN:VEVENT").count() as u64;
    Ok(format!("{n} {}", plural(n, "event", "events")))
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// The output, written beside its final name and renamed over it only when
/// complete; dropped before that, it removes what was written. A rename
/// within one folder is atomic, so readers see the old file or the new,
/// never half of one.
struct Pending {
    temp: PathBuf,
    target: PathBuf,
    done: bool,
}

impl Pending {
    fn create(target: &Path) -> anyhow::Result<(Self, File)> {
        if target.is_dir() {
            return Err(anyhow!(
                "--out {} is a folder: give a file name inside it",
                target.display()
            ));
        }
        let name = target.file_name().ok_or_else(|| {
            anyhow!(
                "--out {} names no file: give a file name, e.g. --out books.beancount",
                target.display()
            )
        })?;
        let folder = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !folder.is_dir() {
            return Err(anyhow!(
                "the folder {} for --out does not exist: create it first, or choose another --out",
                folder.display()
            ));
        }
        let temp = folder.join(format!(
            ".{}.{}.partial",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&temp)
            .with_context(|| format!("cannot write in the folder {}", folder.display()))?;
        let pending = Self {
            temp,
            target: target.to_path_buf(),
            done: false,
        };
        Ok((pending, file))
    }

    fn commit(mut self, written: File) -> anyhow::Result<()> {
        let target = self.target.display().to_string();
        written
            .sync_all()
            .with_context(|| format!("could not finish writing {target}"))?;
        drop(written);
        fs::rename(&self.temp, &self.target)
            .with_context(|| format!("could not put the export in place at {target}"))?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_missing_prefix_says_every_way_to_set_it() {
        let err = prefix(None).unwrap_err().to_string();
        for way in [
            "--prefix",
            "COPRODUCE_360GIVING_PREFIX",
            "giving360_prefix",
            "360G-",
        ] {
            assert!(err.contains(way), "{way}: {err}");
        }
        let err = prefix(Some("camden")).unwrap_err().to_string();
        assert!(
            err.contains("must start with 360G-") && err.contains("--prefix"),
            "{err}"
        );
        assert_eq!(prefix(Some("360G-camden")).unwrap().as_str(), "360G-camden");
    }

    #[test]
    fn a_dropped_pending_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        let (pending, mut f) = Pending::create(&target).unwrap();
        writeln!(f, "half").unwrap();
        drop(pending);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);

        fs::write(&target, "old").unwrap();
        let (pending, mut f) = Pending::create(&target).unwrap();
        write!(f, "new").unwrap();
        pending.commit(f).unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
