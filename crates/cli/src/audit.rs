//! `coproduce audit verify`: walks the audit log's hash chain and says whether
//! it is intact, or where it is first broken.

use anyhow::anyhow;
use coproduce_store::audit::{self, Verdict};
use coproduce_store::db::Create;
use coproduce_store::{Db, DbUrl};

use crate::cli::AuditCommand;
use crate::progress::Bars;
use crate::serve::announce;
use crate::settings::{Settings, DEFAULT_DATABASE_URL};

pub async fn run(settings: &Settings, cmd: &AuditCommand) -> anyhow::Result<()> {
    match cmd {
        AuditCommand::Verify => verify(settings).await,
    }
}

async fn verify(settings: &Settings) -> anyhow::Result<()> {
    let url = DbUrl::parse(&settings.database_url_or(DEFAULT_DATABASE_URL))?;
    // A missing database is a mistake in the URL, not an empty log: never
    // create one only to call it intact.
    let db = Db::open(&url, Create::Never).await?;
    let verdict = audit::verify(&db, &Bars::new()).await;
    db.close().await;
    match verdict? {
        Verdict::Intact(intact) if intact.entries == 0 => {
            announce("the audit log is intact: it has no entries yet")
        }
        Verdict::Intact(intact) => announce(&format!(
            "the audit log is intact: {} {}, last hash {}",
            grouped(intact.entries),
            if intact.entries == 1 {
                "entry"
            } else {
                "entries"
            },
            intact.last_hash
        )),
        // One sentence, and a failing exit, through main's `fail`.
        Verdict::Broken(broken) => Err(anyhow!("{broken}")),
    }
}

/// 1234567 as 1,234,567.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_in_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_234), "1,234");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
