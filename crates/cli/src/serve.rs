//! `coproduce serve` and `coproduce migrate`.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use coproduce_core::clock::SystemClock;
use coproduce_store::db::Create;
use coproduce_store::{migrate, Db, DbUrl};
use coproduce_web::{Application, Listener};

use crate::settings::{Settings, DEFAULT_DATABASE_URL, DEFAULT_FILES_DIR};

/// Opens (creating and migrating if needed) the database a URL names.
pub async fn open(url: &str) -> anyhow::Result<Db> {
    let url = DbUrl::parse(url)?;
    Ok(Db::open(&url, Create::IfMissing).await?)
}

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    // Bind before touching the database, so a port in use creates nothing.
    let listener = Listener::bind(settings.addr).await?;
    let db = open(&settings.database_url_or(DEFAULT_DATABASE_URL)).await?;
    serve(settings, listener, db, DEFAULT_FILES_DIR).await
}

/// Serves `db` until Ctrl-C or SIGTERM.
pub async fn serve(
    settings: &Settings,
    listener: Listener,
    db: Db,
    files_default: &str,
) -> anyhow::Result<()> {
    let mut web = settings.web.clone();
    web.files_dir = settings.files_dir_or(files_default);
    web.models_dir = Some(settings.models_dir.clone());
    let app = Application::new(listener, &web, db.clone(), Arc::new(SystemClock))?;
    announce(&format!(
        "coproduce is listening on http://{}",
        app.local_addr()
    ))?;
    tracing::info!(addr = %app.local_addr(), database = %db.url(), "serving");
    app.run_until(coproduce_web::shutdown_signal())
        .await
        .context("the server stopped with an error")?;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// A line for whoever started us (people and test harnesses read stdout).
pub fn announce(line: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let url = DbUrl::parse(&settings.database_url_or(DEFAULT_DATABASE_URL))?;
    // Db::open migrates; run again to learn the version for the report.
    let db = Db::open(&url, Create::IfMissing).await?;
    let report = migrate::run(&db).await?;
    announce(&format!(
        "the database at {} is at schema version {}",
        db.url(),
        report.version
    ))?;
    db.close().await;
    Ok(())
}
