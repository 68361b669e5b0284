use std::path::PathBuf;

/// What went wrong below the web layer, phrased for the person who must act on
/// it. Constraint violations become `Conflict` here, once, so that no handler
/// matches on database error strings.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database URL '{url}' is not understood ({why}): use sqlite://PATH for a file, or postgres://USER@HOST:PORT/DB for PostgreSQL")]
    BadUrl { url: String, why: String },
    #[error("the folder {} for the SQLite database does not exist: create it, or choose another --database-url", .0.display())]
    MissingFolder(PathBuf),
    #[error("there is no database at {}: start `coproduce serve` or run `coproduce migrate` to create it", .0.display())]
    NoSuchFile(PathBuf),
    #[error("{} is not a coproduce SQLite database (the file is damaged or of another kind): restore it from a backup, or choose another --database-url", .0.display())]
    NotADatabase(PathBuf),
    #[error("cannot reach the database at {target}: {reason}. Check that the server is running and that --database-url (or COPRODUCE_DATABASE_URL) is right")]
    Unreachable { target: String, reason: String },
    #[error("the database refused the sign-in for {target}: {reason}. Check the user name and password in the database URL")]
    AccessDenied { target: String, reason: String },
    #[error("{0}")]
    Migration(String),
    #[error("{0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(#[from] coproduce_core::Invalid),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The operating system failed the store (no randomness, say).
    #[error("{0}")]
    System(String),
}

impl StoreError {
    /// Maps a write's failure: a unique violation becomes a sentence naming what
    /// is already taken; everything else stays a database error.
    pub fn from_write(err: sqlx::Error, what_is_taken: &str) -> Self {
        if let sqlx::Error::Database(db) = &err {
            if db.is_unique_violation() {
                return StoreError::Conflict(what_is_taken.to_owned());
            }
        }
        StoreError::Database(err)
    }
}
