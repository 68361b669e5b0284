//! `coproduce demo`: a fresh database full of realistic synthetic data, served.

use std::time::Instant;

use anyhow::anyhow;
use chrono::Utc;
use coproduce_store::demo::{self, Scale};
use coproduce_store::{db, Backend, DbUrl};
use coproduce_web::Listener;

use crate::cli::{DemoArgs, ScaleArg};
use crate::progress::Bars;
use crate::serve::{announce, open, serve};
use crate::settings::{Settings, DEFAULT_DEMO_DATABASE_URL, DEFAULT_DEMO_FILES_DIR};

pub async fn run(settings: &Settings, args: &DemoArgs) -> anyhow::Result<()> {
    let listener = if args.no_serve {
        None
    } else {
        Some(Listener::bind(settings.addr).await?)
    };
    let url_text = settings.database_url_or(DEFAULT_DEMO_DATABASE_URL);
    let url = DbUrl::parse(&url_text)?;
    let scale = match args.scale {
        ScaleArg::Small => Scale::Small,
        ScaleArg::Borough => Scale::Borough,
        ScaleArg::City => Scale::City,
    };

    // A demo database of our own is thrown away and made again; any other
    // database with data in it is left alone.
    if let (Backend::Sqlite, Some(path)) = (url.backend(), url.sqlite_path()) {
        if path.exists() {
            let existing = open(&url_text).await?;
            let ours = demo::is_demo(&existing).await? || demo::is_empty(&existing).await?;
            existing.close().await;
            if !ours {
                return Err(anyhow!(
                    "{} holds data that is not demo data, and the demo will not overwrite it: choose another file with --database-url",
                    path.display()
                ));
            }
            db::remove_sqlite_files(path);
        }
    }

    let created_here =
        url.backend() == Backend::Sqlite && url.sqlite_path().is_some_and(|p| !p.exists());
    let database = open(&url_text).await?;
    let started = Instant::now();
    let bars = Bars::new();
    let summary = match demo::generate(&database, scale, args.seed, Utc::now(), &bars).await {
        Ok(s) => s,
        Err(e) => {
            database.close().await;
            if created_here {
                if let Some(path) = url.sqlite_path() {
                    db::remove_sqlite_files(path);
                }
            }
            return Err(e.into());
        }
    };
    announce(&format!(
        "demo data ({} scale, seed {}) written to {} in {:.1} s: {} wards, {} people, {} projects, {} events",
        scale,
        args.seed,
        database.url(),
        started.elapsed().as_secs_f64(),
        summary.wards,
        summary.people,
        summary.projects,
        summary.events
    ))?;
    announce("demo sign-ins (sign in at /sign-in; every demo account shares this password):")?;
    for s in &summary.sign_ins {
        announce(&format!(
            "  {:<8} {:<28} {}  ({})",
            s.role.as_str(),
            s.email,
            s.password,
            s.name
        ))?;
    }
    match listener {
        None => {
            database.close().await;
            Ok(())
        }
        Some(listener) => serve(settings, listener, database, DEFAULT_DEMO_FILES_DIR).await,
    }
}
