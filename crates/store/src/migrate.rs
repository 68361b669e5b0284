//! Schema migrations, one SQL file per engine per step, embedded in the binary.
//! Pending steps run in one transaction, so a database is either at the old
//! version or the new one, never between. A step that was applied and then
//! edited is refused by its checksum, and a database from a newer coproduce is
//! refused rather than touched.

use sqlx::Row;

use crate::{Backend, Db, Result, StoreError};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

macro_rules! migration {
    ($version:literal, $file:literal) => {
        Migration {
            version: $version,
            name: $file,
            sqlite: include_str!(concat!("../migrations/sqlite/", $file, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $file, ".sql")),
        }
    };
}

pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_foundation"),
    migration!(2, "0002_audit"),
    migration!(3, "0003_accounts"),
    migration!(4, "0004_api_tokens"),
    migration!(5, "0005_privacy"),
    migration!(6, "0006_memberships"),
    migration!(7, "0007_outbox"),
    migration!(8, "0008_stage_history"),
    migration!(9, "0009_project_details"),
    migration!(10, "0010_risk"),
    migration!(11, "0011_ledger"),
    migration!(12, "0012_funding"),
    migration!(13, "0013_expenses"),
    migration!(14, "0014_reconciliation"),
    migration!(15, "0015_ledger_pages"),
    migration!(16, "0016_ledger_balances_per_statement"),
    migration!(17, "0017_skills"),
    migration!(18, "0018_ledger_checks_per_statement"),
    migration!(19, "0019_resources"),
    migration!(20, "0020_matching"),
    migration!(21, "0021_rsvps"),
    migration!(22, "0022_event_details"),
    migration!(23, "0023_event_tables"),
    migration!(24, "0024_selection"),
    migration!(25, "0025_learning"),
];

/// An arbitrary constant that names coproduce's migration lock in PostgreSQL,
/// so that several app servers starting at once migrate one after another.
const PG_LOCK_KEY: i64 = 0x636f_7072_6f64;

/// What `run` did, for the CLI to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub applied: Vec<&'static str>,
    pub version: i64,
}

pub async fn run(db: &Db) -> Result<Report> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS coproduce_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )
    .execute(db.pool())
    .await?;

    let mut tx = db.begin_write().await?;
    if db.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(PG_LOCK_KEY)
            .execute(&mut *tx)
            .await?;
    }
    let rows =
        sqlx::query("SELECT version, name, checksum FROM coproduce_migrations ORDER BY version")
            .fetch_all(&mut *tx)
            .await?;
    let newest_known = MIGRATIONS.last().map(|m| m.version).unwrap_or(0);
    let mut applied_versions = Vec::with_capacity(rows.len());
    for row in &rows {
        let version: i64 = row.try_get("version")?;
        let checksum: String = row.try_get("checksum")?;
        let Some(known) = MIGRATIONS.iter().find(|m| m.version == version) else {
            return Err(StoreError::Migration(format!(
                "this database was migrated by a newer coproduce (schema version {version}, this build knows up to {newest_known}): run that newer version, or restore a backup"
            )));
        };
        if checksum != checksum_of(sql_for(db.backend(), known)) {
            return Err(StoreError::Migration(format!(
                "schema step {} was changed after it was applied to this database: restore the step as released, or start from a fresh database",
                known.name
            )));
        }
        applied_versions.push(version);
    }

    let now = crate::time::encode(chrono::Utc::now());
    let mut applied = Vec::new();
    for m in MIGRATIONS
        .iter()
        .filter(|m| !applied_versions.contains(&m.version))
    {
        let sql = sql_for(db.backend(), m);
        sqlx::raw_sql(sql)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::Migration(format!("schema step {} failed: {e}", m.name)))?;
        sqlx::query("INSERT INTO coproduce_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)")
            .bind(m.version)
            .bind(m.name)
            .bind(checksum_of(sql))
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        applied.push(m.name);
    }
    tx.commit().await?;
    if !applied.is_empty() {
        tracing::info!(steps = ?applied, "database schema brought up to date");
    }
    Ok(Report {
        applied,
        version: newest_known,
    })
}

fn sql_for(backend: Backend, m: &Migration) -> &'static str {
    match backend {
        Backend::Sqlite => m.sqlite,
        Backend::Postgres => m.postgres,
    }
}

/// FNV-1a over the text with line endings normalised: enough to notice an
/// edited step, and stable across checkouts that convert line endings.
fn checksum_of(sql: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in sql.bytes().filter(|b| *b != b'\r') {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every step exists for both engines and is listed: a file added to one
    /// folder and forgotten in the other fails here, not in production.
    #[test]
    fn both_engines_have_the_same_steps() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let names = |engine: &str| {
            let mut names: Vec<String> = std::fs::read_dir(root.join(engine))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let listed: Vec<String> = MIGRATIONS
            .iter()
            .map(|m| format!("{}.sql", m.name))
            .collect();
        assert_eq!(names("sqlite"), listed);
        assert_eq!(names("postgres"), listed);
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(
                m.version,
                i as i64 + 1,
                "versions run 1, 2, 3 ... without gaps"
            );
        }
    }

    #[test]
    fn checksums_ignore_carriage_returns_but_not_edits() {
        assert_eq!(checksum_of("a\r\nb"), checksum_of("a\nb"));
        assert_ne!(checksum_of("a\nb"), checksum_of("a\nc"));
    }
}
