//! How fast the store answers the reads behind the busiest pages, and how long
//! the demo generator takes. Run with `scripts/bench` (or `cargo bench -p
//! coproduce-store --bench store`); BENCHMARKS.md says what each benchmark
//! measures and records the figures with the machine they came from.
//!
//! The reads run on one SQLite database holding the borough demo (20,000
//! people, 2,000 projects, 600 events), made once before they start. When
//! `COPRODUCE_BENCH_POSTGRES_URL` names a PostgreSQL server, the same reads run
//! again on a database `coproduce_bench_<random>` made there for the purpose
//! and dropped afterwards.
//!
//! `cargo test --benches` (and `--all-targets`) runs every benchmark once, as
//! a smoke test; criterion calls that its test mode. The data is then the
//! small demo and the borough-scale generator is left out, so it stays quick.

// A benchmark whose setup fails has nothing to measure: it stops at once with
// the reason, as a test would, rather than carrying errors through.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use coproduce_core::projects::Stage;
use coproduce_core::risk::ahead::assess;
use coproduce_store::db::Create;
use coproduce_store::demo::{self, NoProgress, Scale};
use coproduce_store::matching;
use coproduce_store::projects::{self, Filter};
use coproduce_store::{events, home, risk, Db, DbUrl};
use criterion::{Criterion, SamplingMode};
use sqlx::{Connection, Row};
use tokio::runtime::Runtime;

const POSTGRES_URL: &str = "COPRODUCE_BENCH_POSTGRES_URL";

/// The seed `coproduce demo` uses by default, so the data measured here is
/// the data a person trying the product sees.
const SEED: u64 = 2026;

/// The instant the benchmarks treat as now: fixed, so that every run reads
/// the same rows (which events are upcoming depends on it).
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let full = is_full_run();
    let scale = if full { Scale::Borough } else { Scale::Small };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");

    let dir = tempfile::tempdir().expect("a temporary folder");
    let sqlite = runtime.block_on(filled(
        &DbUrl::sqlite_file(&dir.path().join("bench.db")),
        scale,
    ));
    reads(&mut c, &runtime, "sqlite", &sqlite);
    runtime.block_on(sqlite.close());

    match std::env::var(POSTGRES_URL)
        .ok()
        .filter(|u| !u.trim().is_empty())
    {
        Some(server_url) => {
            let scratch = runtime.block_on(ScratchPostgres::create(&server_url));
            let postgres = runtime.block_on(filled(&scratch.url(), scale));
            reads(&mut c, &runtime, "postgres", &postgres);
            runtime.block_on(postgres.close());
            drop(scratch);
        }
        None => eprintln!(
            "note: PostgreSQL skipped; set {POSTGRES_URL} (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run the reads on PostgreSQL too"
        ),
    }

    generator(&mut c, &runtime, full);
    c.final_summary();
}

/// True when criterion is about to measure, rather than run each benchmark
/// once (`cargo test --benches`, `cargo bench -- --test`) or list them.
fn is_full_run() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    has("--bench") && !has("--test") && !has("--list")
}

/// Opens (creating and migrating) the database at `url` and fills it with the
/// demo at `scale`.
async fn filled(url: &DbUrl, scale: Scale) -> Db {
    let db = Db::open(url, Create::IfMissing)
        .await
        .expect("a fresh database");
    let started = Instant::now();
    demo::generate(&db, scale, SEED, now(), &NoProgress)
        .await
        .expect("the demo data");
    eprintln!(
        "{} demo written to {url} in {:.1} s",
        scale,
        started.elapsed().as_secs_f64()
    );
    db
}

/// The reads behind the home page, the projects list (first page, search,
/// stage filter, a page deep in the list) and the events list.
fn reads(c: &mut Criterion, runtime: &Runtime, engine: &str, db: &Db) {
    // The id halfway down the list: `after` it is page 50 of 100 at borough
    // scale, which keyset paging should read as fast as the first page.
    let newest = runtime
        .block_on(projects::list(db, &page(Filter::default())))
        .expect("the first page of projects")
        .items
        .first()
        .map(|p| p.id)
        .expect("at least one project");
    let deep_after = newest / 2 + 1;

    // A read takes about a millisecond: 50 samples of a rising number of reads
    // (1 + 2 + ... + 50 at the least) fit in five seconds on both engines.
    let mut group = c.benchmark_group(format!("read/{engine}"));
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));

    group.bench_function("home_load", |b| {
        b.to_async(runtime)
            .iter(|| async { black_box(home::load(db, now()).await.unwrap()) })
    });
    group.bench_function("projects_count_by_stage", |b| {
        b.to_async(runtime)
            .iter(|| async { black_box(projects::count_by_stage(db).await.unwrap()) })
    });
    let first = page(Filter::default());
    group.bench_function("projects_list_first_page", |b| {
        b.to_async(runtime)
            .iter(|| async { black_box(projects::list(db, &first).await.unwrap()) })
    });
    let search = page(Filter {
        q: Some("garden".to_owned()),
        ..Filter::default()
    });
    group.bench_function("projects_list_search_garden", |b| {
        b.to_async(runtime)
            .iter(|| async { black_box(projects::list(db, &search).await.unwrap()) })
    });
    let by_stage = page(Filter {
        stage: Some(Stage::Delivery),
        ..Filter::default()
    });
    group.bench_function("projects_list_stage_delivery", |b| {
        b.to_async(runtime)
            .iter(|| async { black_box(projects::list(db, &by_stage).await.unwrap()) })
    });
    let deep = page(Filter {
        after: Some(deep_after),
        ..Filter::default()
    });
    group.bench_function("projects_list_deep_page", |b| {
        b.to_async(runtime)
            .iter(|| async { black_box(projects::list(db, &deep).await.unwrap()) })
    });
    group.bench_function("events_upcoming_20", |b| {
        b.to_async(runtime)
            .iter(|| async { black_box(events::upcoming(db, now(), 20).await.unwrap()) })
    });
    // The matches page's work for the project with the most open skill
    // needs: its needs, who to leave out, the ranking from the warm pool,
    // and the final consent check of the people shown.
    let busiest: i64 = runtime.block_on(async {
        sqlx::query(
            "SELECT n.project_id, count(*) AS needs FROM project_needs n
             WHERE n.status = 'open' AND n.kind = 'skill'
               AND EXISTS (SELECT 1 FROM need_skills ns WHERE ns.need_id = n.id)
             GROUP BY n.project_id ORDER BY needs DESC, n.project_id LIMIT 1",
        )
        .fetch_one(db.pool())
        .await
        .expect("a project with skill needs")
        .get("project_id")
    });
    let matcher = matching::Matcher::new();
    let pool = runtime.block_on(matcher.warm(db)).expect("the pool loads");
    eprintln!("matching pool: {} people", pool.people);
    group.bench_function("matches_for_busiest_project", |b| {
        b.to_async(runtime)
            .iter(|| async { black_box(matcher.for_project(db, busiest, 8).await.unwrap()) })
    });
    group.finish();

    // The officers' readiness overview: every open project's facts, checks
    // and liabilities read in a few queries, then each assessed by core.
    // Rendering is left out; it is the reads and the rules that grow with
    // the borough.
    let mut group = c.benchmark_group(format!("risk/{engine}"));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    group.bench_function("readiness_of_every_open_project", |b| {
        b.to_async(runtime).iter(|| async {
            let current = risk::catalogue::current(db).await.unwrap();
            let mut records = risk::checks::records_of_open_projects(db).await.unwrap();
            let today = now().date_naive();
            let mut at_risk = 0;
            for open in risk::open_projects(db).await.unwrap() {
                let recs = records.remove(&open.subject.project_id).unwrap_or_default();
                let readiness = assess(&current.catalogue, &open.subject.facts, &recs, today);
                let gaps =
                    coproduce_core::risk::liability::gaps(&open.subject.facts, &open.holdings);
                at_risk += usize::from(readiness.is_at_risk() || !gaps.is_empty());
            }
            black_box(at_risk)
        })
    });
    group.finish();
}

/// A page of 20, the size of the projects page.
fn page(filter: Filter) -> Filter {
    Filter {
        limit: 20,
        ..filter
    }
}

/// `demo::generate` into a fresh SQLite database each time. Only the
/// generation is timed: making, migrating, closing and removing the database
/// are not.
fn generator(c: &mut Criterion, runtime: &Runtime, full: bool) {
    // The small demo takes some tens of milliseconds, and each run also makes
    // and migrates a database (not timed, but it takes time): 50 samples.
    let mut group = c.benchmark_group("demo_generate/sqlite");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("small", |b| {
        b.iter_custom(|iters| generate_fresh(runtime, Scale::Small, iters))
    });

    if full {
        // A run takes about a fifth of a second: criterion's default, a rising
        // number of runs per sample (1 + 2 + ... + 20 here), would take over
        // half a minute; the same few runs in each of 20 samples take ten.
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(20)
            .measurement_time(Duration::from_secs(10));
        group.bench_function("borough", |b| {
            b.iter_custom(|iters| generate_fresh(runtime, Scale::Borough, iters))
        });
    } else {
        eprintln!("note: demo_generate/sqlite/borough runs only under `cargo bench`");
    }
    group.finish();
}

fn generate_fresh(runtime: &Runtime, scale: Scale, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("demo.db");
        let db = runtime
            .block_on(Db::open(&DbUrl::sqlite_file(&path), Create::IfMissing))
            .expect("a fresh database");
        let started = Instant::now();
        let summary = runtime
            .block_on(demo::generate(&db, scale, SEED, now(), &NoProgress))
            .expect("the demo data");
        total += started.elapsed();
        black_box(summary);
        runtime.block_on(db.close());
        drop(dir);
    }
    total
}

/// A database made on a PostgreSQL server for one run of the benchmarks, and
/// dropped again when this is dropped (also when a benchmark panics).
struct ScratchPostgres {
    server_url: String,
    name: String,
}

impl ScratchPostgres {
    async fn create(server_url: &str) -> Self {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        let name = format!("coproduce_bench_{:016x}", hasher.finish());
        let mut admin = sqlx::postgres::PgConnection::connect(server_url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_URL}: {e}"));
        sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create the database {name}: {e}"));
        let _ = admin.close().await;
        Self {
            server_url: server_url.to_owned(),
            name,
        }
    }

    /// The server's URL with its database (the path) replaced by ours.
    fn url(&self) -> DbUrl {
        let (base, query) = match self.server_url.split_once('?') {
            Some((base, query)) => (base, Some(query)),
            None => (self.server_url.as_str(), None),
        };
        let (scheme, rest) = base.split_once("://").unwrap_or(("postgres", base));
        let authority = rest.split('/').next().unwrap_or(rest);
        let mut url = format!("{scheme}://{authority}/{}", self.name);
        if let Some(query) = query {
            url.push('?');
            url.push_str(query);
        }
        DbUrl::parse(&url).expect("a PostgreSQL URL")
    }
}

impl Drop for ScratchPostgres {
    fn drop(&mut self) {
        // Drop cannot await, and may run while the benchmarks' runtime is
        // busy unwinding: a thread with a runtime of its own does the work.
        let (server_url, name) = (self.server_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a Tokio runtime");
            runtime.block_on(async move {
                let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                match sqlx::postgres::PgConnection::connect(&server_url).await {
                    Ok(mut conn) => {
                        if let Err(e) = sqlx::raw_sql(&sql).execute(&mut conn).await {
                            eprintln!("note: could not drop the database {name}: {e}");
                        }
                        let _ = conn.close().await;
                    }
                    Err(e) => eprintln!("note: could not drop the database {name}: {e}"),
                }
            });
        });
        let _ = dropped.join();
    }
}
