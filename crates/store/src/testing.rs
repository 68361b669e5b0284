//! Fresh databases for tests, on every engine: a temporary SQLite file always,
//! and a new PostgreSQL database when `COPRODUCE_TEST_POSTGRES_URL` names a
//! server (for example `postgres://postgres@127.0.0.1:55432/postgres`). Set
//! `COPRODUCE_REQUIRE_POSTGRES=1` to make a missing URL fail the tests instead
//! of skipping PostgreSQL, as CI does. Built only with the `testing` feature.

// Test support reports a broken test environment by panicking, at once and
// with the reason, like the tests that call it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::db::Create;
use crate::{Db, DbUrl};
use sqlx::Connection;

pub const POSTGRES_URL: &str = "COPRODUCE_TEST_POSTGRES_URL";
pub const REQUIRE_POSTGRES: &str = "COPRODUCE_REQUIRE_POSTGRES";

/// A database made for one test, removed when it is dropped (even when the
/// test panics).
pub struct TestDb {
    pub db: Db,
    pub engine: &'static str,
    /// Held only for its `Drop`, which removes the database.
    _cleanup: Cleanup,
}

enum Cleanup {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { server_url: String, name: String },
}

impl TestDb {
    /// Closes the pool first, so that dropping the database waits for no one.
    pub async fn finish(self) {
        self.db.close().await;
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let Cleanup::Postgres { server_url, name } = self else {
            return; // TempDir removes the SQLite file itself
        };
        let (server_url, name) = (server_url.clone(), name.clone());
        // Drop cannot await, and may run inside the test's runtime: use a
        // thread with a runtime of its own. Best effort: a leftover database
        // on a throwaway server is harmless.
        let dropped = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Ok(mut conn) = sqlx::postgres::PgConnection::connect(&server_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    if let Err(e) = sqlx::raw_sql(&sql).execute(&mut conn).await {
                        eprintln!("note: could not drop test database {name}: {e}");
                    }
                    let _ = conn.close().await;
                }
            });
        });
        let _ = dropped.join();
    }
}

/// Every engine to test: SQLite, then PostgreSQL when configured.
pub async fn engines() -> Vec<TestDb> {
    let mut all = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        all.push(pg);
    }
    all
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = DbUrl::sqlite_file(&dir.path().join("coproduce.db"));
    let db = Db::open(&url, Create::IfMissing)
        .await
        .expect("a fresh SQLite database");
    TestDb {
        db,
        engine: "sqlite",
        _cleanup: Cleanup::Sqlite { _dir: dir },
    }
}

/// A fresh database on the configured PostgreSQL server, or None (with a
/// note) when there is none and none is required.
pub async fn postgres() -> Option<TestDb> {
    let Some(server_url) = std::env::var(POSTGRES_URL)
        .ok()
        .filter(|u| !u.trim().is_empty())
    else {
        if std::env::var(REQUIRE_POSTGRES).is_ok_and(|v| v == "1") {
            panic!("{REQUIRE_POSTGRES}=1 but {POSTGRES_URL} is not set: point it at a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres");
        }
        eprintln!(
            "note: PostgreSQL skipped; set {POSTGRES_URL} to run this test on PostgreSQL too"
        );
        return None;
    };
    let name = format!("coproduce_test_{}", unique_suffix());
    let mut admin = sqlx::postgres::PgConnection::connect(&server_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_URL}: {e}"));
    sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
    let _ = admin.close().await;
    let cleanup = Cleanup::Postgres {
        server_url: server_url.clone(),
        name: name.clone(),
    };
    let url = DbUrl::parse(&with_database(&server_url, &name)).expect("a PostgreSQL URL");
    let db = Db::open(&url, Create::IfMissing)
        .await
        .expect("a fresh PostgreSQL database");
    Some(TestDb {
        db,
        engine: "postgres",
        _cleanup: cleanup,
    })
}

/// The URL with its database (the path) replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let (scheme, rest) = base.split_once("://").unwrap_or(("postgres", base));
    let authority = rest.split('/').next().unwrap_or(rest);
    match query {
        Some(q) => format!("{scheme}://{authority}/{name}?{q}"),
        None => format!("{scheme}://{authority}/{name}"),
    }
}

fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    format!("{:016x}", hasher.finish())
}
