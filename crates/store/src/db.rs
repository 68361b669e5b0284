//! The database handle: which engine, how to reach it, and the connection pool.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};

use crate::{migrate, Result, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed database URL. Its `Debug` and `Display` never show a password, so
/// it can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct DbUrl {
    backend: Backend,
    url: String,
    sqlite_path: Option<PathBuf>,
}

impl DbUrl {
    /// Accepts `sqlite://PATH` (relative), `sqlite:///ABSOLUTE/PATH`, `sqlite:PATH`
    /// and `postgres://` or `postgresql://` URLs. A bare path is refused: it is
    /// too easy to mistype a URL into a file name.
    pub fn parse(input: &str) -> Result<Self> {
        let trimmed = input.trim();
        if let Some(rest) = trimmed
            .strip_prefix("sqlite://")
            .or_else(|| trimmed.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                return Err(StoreError::BadUrl {
                    url: trimmed.to_owned(),
                    why: "it names no file".to_owned(),
                });
            }
            return Ok(Self {
                backend: Backend::Sqlite,
                url: trimmed.to_owned(),
                sqlite_path: Some(PathBuf::from(path)),
            });
        }
        if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
            let after_scheme = trimmed
                .split_once("://")
                .map(|(_, r)| r)
                .unwrap_or_default();
            if after_scheme.is_empty() || after_scheme.starts_with('/') {
                return Err(StoreError::BadUrl {
                    url: Self::redact(trimmed),
                    why: "it names no host".to_owned(),
                });
            }
            return Ok(Self {
                backend: Backend::Postgres,
                url: trimmed.to_owned(),
                sqlite_path: None,
            });
        }
        let why = match trimmed.split_once("://") {
            Some((scheme, _)) => format!("'{scheme}' is not a database coproduce can use"),
            None if trimmed.is_empty() => "it is empty".to_owned(),
            None => "it has no scheme such as sqlite:// or postgres://".to_owned(),
        };
        Err(StoreError::BadUrl {
            url: Self::redact(trimmed),
            why,
        })
    }

    /// A SQLite URL for a file path.
    pub fn sqlite_file(path: &Path) -> Self {
        Self {
            backend: Backend::Sqlite,
            url: format!("sqlite://{}", path.display()),
            sqlite_path: Some(path.to_path_buf()),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn sqlite_path(&self) -> Option<&Path> {
        self.sqlite_path.as_deref()
    }

    /// The URL as given, password included: for connecting, never for printing.
    pub fn expose(&self) -> &str {
        &self.url
    }

    fn redact(url: &str) -> String {
        // postgres://user:secret@host/db -> postgres://user:***@host/db
        if let Some((scheme, rest)) = url.split_once("://") {
            if let Some((creds, host)) = rest.split_once('@') {
                if let Some((user, _)) = creds.split_once(':') {
                    return format!("{scheme}://{user}:***@{host}");
                }
            }
        }
        url.to_owned()
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&Self::redact(&self.url))
    }
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbUrl({self})")
    }
}

/// How `Db::open` treats a SQLite file that does not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    /// Create and migrate it (first start of `serve`, `migrate`, `demo`).
    IfMissing,
    /// Refuse: the command needs data that must already be there.
    Never,
}

#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    url: DbUrl,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Db({})", self.url)
    }
}

impl Db {
    /// Connects, checks that the database is one we can use, and brings its
    /// schema up to date. A SQLite file that this call created is removed again
    /// when anything fails, so a failed start leaves nothing half-made behind.
    pub async fn open(url: &DbUrl, create: Create) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let created_file = match url.sqlite_path() {
            Some(path) => prepare_sqlite_file(path, create)?,
            None => None,
        };
        let result = async {
            let db = Self::connect(url, created_file.is_some()).await?;
            db.check_readable().await?;
            migrate::run(&db).await?;
            Ok(db)
        }
        .await;
        if let (Err(_), Some(path)) = (&result, &created_file) {
            remove_sqlite_files(path);
        }
        result
    }

    async fn connect(url: &DbUrl, creating: bool) -> Result<Self> {
        let backend = url.backend();
        let connect_url = match url.sqlite_path() {
            Some(path) => {
                let mode = if creating { "rwc" } else { "rw" };
                format!("sqlite://{}?mode={mode}", path.display())
            }
            None => url.expose().to_owned(),
        };
        let max = match backend {
            // One writer at a time in SQLite anyway; a few more for readers.
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        if let Some(path) = url.sqlite_path() {
            probe_sqlite(url, path, &connect_url).await?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers go on while one writer writes; NORMAL
                        // sync is durable across a crash of the process in WAL mode.
                        // Temporary sorts and indexes in memory: set here because
                        // SQLite refuses to change it later, inside a transaction,
                        // once a connection has used temporary storage.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; \
                             PRAGMA temp_store = MEMORY;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&connect_url)
            .await
            .map_err(|e| classify_connect_error(url, e))?;
        Ok(Self {
            pool,
            backend,
            url: url.clone(),
        })
    }

    /// SQLite opens any file lazily; a damaged or foreign file only shows itself
    /// at the first read, so read once now and say what is wrong.
    async fn check_readable(&self) -> Result<()> {
        let probe = match self.backend {
            Backend::Sqlite => "SELECT count(*) FROM sqlite_master",
            Backend::Postgres => "SELECT 1",
        };
        match sqlx::query(probe).fetch_one(&self.pool).await {
            Ok(_) => Ok(()),
            Err(e) => Err(match self.url.sqlite_path() {
                Some(path) if is_not_a_database(&e) => StoreError::NotADatabase(path.to_path_buf()),
                _ => classify_connect_error(&self.url, e),
            }),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a transaction for a change. On SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout instead
    /// of one failing when it upgrades from reading to writing.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(tx)
    }

    /// True when the database answers a trivial query within `within`.
    pub async fn ping(&self, within: Duration) -> bool {
        let query = sqlx::query("SELECT 1").fetch_one(&self.pool);
        matches!(tokio::time::timeout(within, query).await, Ok(Ok(_)))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Runs a read query and maps each row.
    pub(crate) async fn fetch_all<'q, T>(
        &self,
        query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
        map: impl Fn(&AnyRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(map).collect()
    }
}

/// Opens one connection to a SQLite file and reads from it. A pool whose
/// connections fail while being set up reports only a timeout, ten seconds
/// later; a single connection reports at once what is wrong with the file.
async fn probe_sqlite(url: &DbUrl, path: &Path, connect_url: &str) -> Result<()> {
    let classify = |e: sqlx::Error| {
        if is_not_a_database(&e) {
            StoreError::NotADatabase(path.to_path_buf())
        } else {
            classify_connect_error(url, e)
        }
    };
    let mut conn = AnyConnection::connect(connect_url)
        .await
        .map_err(classify)?;
    let read = sqlx::query("SELECT count(*) FROM sqlite_master")
        .fetch_one(&mut conn)
        .await;
    let _ = conn.close().await;
    read.map(|_| ()).map_err(classify)
}

/// SQLITE_NOTADB: the file is damaged, encrypted or of another kind.
fn is_not_a_database(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.code().as_deref() == Some("26") || db.message().contains("not a database")
        }
        _ => false,
    }
}

/// Decides what to do about the SQLite file before connecting; returns the path
/// when this call is about to create it.
fn prepare_sqlite_file(path: &Path, create: Create) -> Result<Option<PathBuf>> {
    if path.exists() {
        if path.is_dir() {
            return Err(StoreError::NotADatabase(path.to_path_buf()));
        }
        return Ok(None);
    }
    if create == Create::Never {
        return Err(StoreError::NoSuchFile(path.to_path_buf()));
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent {
        if !parent.is_dir() {
            return Err(StoreError::MissingFolder(parent.to_path_buf()));
        }
    }
    Ok(Some(path.to_path_buf()))
}

/// Removes a SQLite database with its write-ahead log and shared-memory files.
pub fn remove_sqlite_files(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

fn classify_connect_error(url: &DbUrl, err: sqlx::Error) -> StoreError {
    let target = url.to_string();
    match &err {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let reason = db.message().to_owned();
            match code.as_str() {
                // invalid_password, invalid_authorization_specification
                "28P01" | "28000" => StoreError::AccessDenied { target, reason },
                // invalid_catalog_name: the database does not exist
                "3D000" => StoreError::Unreachable { target, reason },
                "26" => match url.sqlite_path() {
                    Some(p) => StoreError::NotADatabase(p.to_path_buf()),
                    None => StoreError::Database(err),
                },
                // SQLITE_CANTOPEN
                "14" => StoreError::Unreachable {
                    target,
                    reason: format!("{reason} (is the file readable and its folder writable?)"),
                },
                _ => StoreError::Database(err),
            }
        }
        sqlx::Error::Io(io) => StoreError::Unreachable {
            target,
            reason: io.to_string(),
        },
        sqlx::Error::Tls(tls) => StoreError::Unreachable {
            target,
            reason: format!("TLS failed: {tls}"),
        },
        sqlx::Error::PoolTimedOut => StoreError::Unreachable {
            target,
            reason: "no connection within 10 seconds".to_owned(),
        },
        sqlx::Error::Configuration(c) => StoreError::BadUrl {
            url: target,
            why: c.to_string(),
        },
        _ => StoreError::Database(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_engine() {
        let s = DbUrl::parse("sqlite://data/coproduce.db").unwrap();
        assert_eq!(s.backend(), Backend::Sqlite);
        assert_eq!(s.sqlite_path().unwrap(), Path::new("data/coproduce.db"));
        let abs = DbUrl::parse("sqlite:///var/lib/coproduce.db?mode=rwc").unwrap();
        assert_eq!(
            abs.sqlite_path().unwrap(),
            Path::new("/var/lib/coproduce.db")
        );
        let p = DbUrl::parse("postgresql://u:pw@db.example/coproduce").unwrap();
        assert_eq!(p.backend(), Backend::Postgres);
    }

    #[test]
    fn bad_urls_say_what_to_write() {
        for bad in [
            "coproduce.db",
            "mysql://x",
            "sqlite://",
            "postgres:///db",
            "",
        ] {
            let msg = DbUrl::parse(bad).unwrap_err().to_string();
            assert!(msg.contains("is not understood"), "{bad}: {msg}");
        }
    }

    #[test]
    fn passwords_never_print() {
        let p = DbUrl::parse("postgres://coproduce:hunter2@localhost:5432/coproduce").unwrap();
        assert_eq!(
            p.to_string(),
            "postgres://coproduce:***@localhost:5432/coproduce"
        );
        assert!(!format!("{p:?}").contains("hunter2"));
        let bad = DbUrl::parse("mysql://root:hunter2@localhost/x")
            .unwrap_err()
            .to_string();
        assert!(!bad.contains("hunter2"), "{bad}");
    }
}
