//! Deterministic, realistic demo data for the London Borough of Lambeth: its
//! wards, residents and staff, projects at every stage and a season of events.
//!
//! Everything is drawn from one seed, so the same seed and the same `now` give
//! the same database on every machine and both engines. Each capability has
//! its own file that plans its rows (pure, testable without a database) and
//! inserts them; this module orders the stages. A new capability (groups,
//! budgets, RSVPs ...) adds a file, a stage in `generate`, its tables to
//! `TABLES`, and draws from its own fork of the seed so the data of the
//! existing stages stays as it was.

mod answers;
mod batch;
mod details;
mod events;
mod learning;
mod money;
mod names;
mod people;
mod places;
mod projects;
mod resources;
mod risk;
mod rng;
mod showcase;
mod skills;
mod wards;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use coproduce_core::password::NewPassword;
use coproduce_core::people::Role;
use coproduce_core::Invalid;
use sqlx::AnyConnection;

use crate::audit::{self, NewEntry, Via};
use crate::{meta, Backend, Db, Result, StoreError};
use rng::Rng;

/// The password of the demo sign-ins. It is printed for anyone to read, so
/// a demo database must never hold real people's data.
pub const DEMO_PASSWORD: &str = "demo-password-2026";

/// How much data to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    /// A few dozen of everything: quick to make and to look through.
    Small,
    /// About a borough's worth: 20,000 people, 2,000 projects, 600 events.
    Borough,
    /// Five boroughs' worth, for trying the product under load.
    City,
}

/// How many rows a scale makes. Wards are always Lambeth's 25.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    pub people: usize,
    pub projects: usize,
    pub events: usize,
}

impl Scale {
    pub const ALL: [Scale; 3] = [Scale::Small, Scale::Borough, Scale::City];

    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Small => "small",
            Scale::Borough => "borough",
            Scale::City => "city",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let wanted = input.trim().to_lowercase();
        Scale::ALL
            .into_iter()
            .find(|s| s.as_str() == wanted)
            .ok_or_else(|| {
                Invalid::new(
                    "scale",
                    format!(
                        "'{}' is not a demo scale: choose small, borough or city",
                        input.trim()
                    ),
                )
            })
    }

    pub fn sizes(self) -> Sizes {
        match self {
            Scale::Small => Sizes {
                people: 60,
                projects: 40,
                events: 24,
            },
            Scale::Borough => Sizes {
                people: 20_000,
                projects: 2_000,
                events: 600,
            },
            Scale::City => Sizes {
                people: 100_000,
                projects: 10_000,
                events: 3_000,
            },
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scale {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Invalid> {
        Scale::parse(s)
    }
}

/// Told how far `generate` has got. `stage` is one of "wards", "people",
/// "organisations", "events", "projects", "event answers", "project details",
/// "risk register", "money", "resources" and "skills" (more as the generator
/// grows), in that order; `total` is the number of rows that stage will write.
pub trait Progress: Send + Sync {
    fn start(&self, stage: &str, total: u64);
    fn advance(&self, n: u64);
    fn finish(&self);
}

/// For callers that do not show progress.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _stage: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

/// An account the demo can be signed in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSignIn {
    pub email: String,
    pub password: String,
    pub role: Role,
    pub name: String,
}

/// What `generate` made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub people: u64,
    pub projects: u64,
    pub events: u64,
    pub wards: u64,
    /// Expenses in every state, and the postings of the fund holders'
    /// ledgers.
    pub expenses: u64,
    pub postings: u64,
    pub sign_ins: Vec<DemoSignIn>,
}

/// The tables the demo fills, children before parents: wiped in this order,
/// and on PostgreSQL the id sequences of those with ids (all but
/// `LINK_TABLES`) are moved past the demo's ids. The events' own tables go
/// first, before the projects and people they name would drag them out by
/// cascade, row by row. Projects go next: they refer to events,
/// organisations, people and wards, and take the project_* tables with them
/// (by ON DELETE CASCADE on SQLite, by TRUNCATE ... CASCADE on PostgreSQL),
/// so that no later delete has to look through them row by row.
const TABLES: &[&str] = &[
    "learning_entry_tags",
    "toolkit_articles",
    "learning_entries",
    "learning_requests",
    "learning_sessions",
    "learning_members",
    "learning_sets",
    "event_attendance",
    "event_rsvps",
    "event_organisers",
    "event_projects",
    "resource_bookings",
    "resources",
    "expenses",
    "budget_changes",
    "budget_lines",
    "grant_receipts",
    "funding_agreements",
    "ledger_postings",
    "ledger_transactions",
    "ledger_accounts",
    "projects",
    "fund_holders",
    "events",
    "organisations",
    "people",
    "wards",
];

/// Tables of `TABLES` keyed by the two rows they link, with no id sequence.
const LINK_TABLES: &[&str] = &[
    "event_organisers",
    "event_projects",
    "learning_entry_tags",
    "learning_sessions",
    "learning_members",
];

/// Tables the demo does not fill whose rows belong to its accounts without a
/// foreign key to say so (tables with one go by cascade on both engines).
const DEPENDENT_TABLES: &[&str] = &[
    "sessions",
    "sign_in_attempts",
    "risk_catalogues",
    "expense_approvals",
];

/// Every row of the demo, planned before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Plan {
    people: Vec<people::DemoPerson>,
    organisations: Vec<details::DemoOrg>,
    projects: Vec<projects::DemoProject>,
    events: Vec<events::DemoEvent>,
    details: details::Details,
    /// Planned from the shipped catalogue, which a test keeps readable.
    register: std::result::Result<risk::Register, String>,
    money: std::result::Result<money::Money, String>,
    resources: resources::Pool,
    answers: answers::Answers,
    learning: learning::Learning,
}

fn plan(scale: Scale, seed: u64, now: DateTime<Utc>) -> Plan {
    let root = Rng::new(seed);
    let sizes = scale.sizes();
    let mut people = people::generate(&mut root.fork("people"), sizes.people, now);
    let mut projects = projects::generate(&mut root.fork("projects"), sizes.projects, &people, now);
    let mut events = events::generate(&mut root.fork("events"), sizes.events, now);
    let details = details::generate(
        &mut root.fork("details"),
        &mut projects,
        &people,
        &events,
        now,
    );
    // Once `details` has read the events for the projects that came from
    // them: furnishing renames none and moves none later (see `furnish`).
    events::furnish(&mut root.fork("event details"), &mut events, now);
    let organisations = details::organisations(now);
    let register = risk::generate(
        &mut root.fork("risk"),
        &projects,
        &details,
        &organisations,
        &people,
        now,
    );
    let money = match &register {
        Ok(r) => money::generate(
            &mut root.fork("money"),
            scale,
            &projects,
            &details,
            &people,
            &r.funded,
            r.treasurer,
            now,
        ),
        Err(e) => Err(e.clone()),
    };
    if let Ok(m) = &money {
        money::mark_sign_ins(m, &mut people);
    }
    let resources = resources::generate(&mut root.fork("resources"), &projects, &people, now);
    let answers = answers::generate(
        &mut root.fork("event answers"),
        &mut events,
        &people,
        &projects,
        now,
    );
    let learning = learning::generate(
        &mut root.fork("learning"),
        &events,
        &answers,
        &people,
        &projects,
        now,
    );
    Plan {
        learning,
        people,
        organisations,
        projects,
        events,
        details,
        register,
        money,
        resources,
        answers,
    }
}

/// Fills the database with demo data made from `seed`, with events around
/// `now`. A database that already holds demo data has it replaced; one that
/// holds anything else is refused with `StoreError::Conflict`, because
/// overwriting real people's data would be a disaster. Everything is written
/// in one transaction, with one "demo.generate" entry in the audit log (which
/// is appended to, never wiped): if anything fails, the database is left as
/// it was.
pub async fn generate(
    db: &Db,
    scale: Scale,
    seed: u64,
    now: DateTime<Utc>,
    progress: &dyn Progress,
) -> Result<DemoSummary> {
    // Refuse early, before the slow password hash; checked again below under
    // the write lock, in case something wrote in between.
    if !is_demo(db).await? && !is_empty(db).await? {
        return Err(refusal());
    }
    let password_hash = demo_password_hash(seed)?;
    let plan = plan(scale, seed, now);

    let mut tx = db.begin_write().await?;
    let conn: &mut AnyConnection = &mut tx;
    if !marked_as_demo(conn).await? && holds_data(conn).await? {
        return Err(refusal());
    }
    // A borough's ledger outgrows SQLite's default page cache of a few
    // megabytes many times over: every page spilled mid-transaction is
    // written to the WAL and read back. The size is restored before the
    // commit, so the pooled connection goes back to its usual settings
    // (temporary storage is in memory on every connection: see db.rs).
    let cache_size = match db.backend() {
        Backend::Sqlite => {
            let row = sqlx::query("PRAGMA cache_size")
                .fetch_one(&mut *conn)
                .await?;
            let pages: i64 = sqlx::Row::try_get(&row, 0)?;
            sqlx::query("PRAGMA cache_size = -262144")
                .execute(&mut *conn)
                .await?;
            Some(pages)
        }
        Backend::Postgres => None,
    };
    match db.backend() {
        // TRUNCATE is quick where DELETE checks every foreign key row by row.
        // CASCADE takes along whatever belongs to the demo's people (sessions,
        // tokens and the like, as later capabilities add them): the database
        // is known to hold only demo data by now.
        Backend::Postgres => {
            let all: Vec<&str> = DEPENDENT_TABLES.iter().chain(TABLES).copied().collect();
            sqlx::query(&format!("TRUNCATE TABLE {} CASCADE", all.join(", ")))
                .execute(&mut *conn)
                .await?;
        }
        Backend::Sqlite => {
            // The ledger refuses deletes unless a wipe is under way (see
            // migration 0013); the flag lives only inside this transaction.
            sqlx::query("INSERT INTO ledger_wipe (started_at) VALUES ($1)")
                .bind(crate::time::encode(now))
                .execute(&mut *conn)
                .await?;
            for table in DEPENDENT_TABLES.iter().chain(TABLES) {
                sqlx::query(&format!("DELETE FROM {table}"))
                    .execute(&mut *conn)
                    .await?;
            }
            sqlx::query("DELETE FROM ledger_wipe")
                .execute(&mut *conn)
                .await?;
        }
    }

    progress.start("wards", places::WARDS.len() as u64);
    let wards = wards::insert(conn, db.backend(), progress).await?;
    progress.finish();

    progress.start("people", plan.people.len() as u64);
    let people = people::insert(conn, db.backend(), &plan.people, &password_hash, progress).await?;
    progress.finish();

    progress.start("organisations", plan.organisations.len() as u64);
    let organisations =
        details::insert_organisations(conn, db.backend(), &plan.organisations, progress).await?;
    progress.finish();

    // Events before projects: a project can name the event it came from.
    progress.start("events", plan.events.len() as u64);
    let events = events::insert(conn, db.backend(), &plan.events, progress).await?;
    progress.finish();

    progress.start("projects", plan.projects.len() as u64);
    let projects = projects::insert(conn, db.backend(), &plan.projects, progress).await?;
    progress.finish();

    // After the projects, which events work on.
    progress.start("event answers", plan.answers.rows());
    let event_answers = answers::insert(conn, db.backend(), &plan.answers, progress).await?;
    progress.finish();

    progress.start("project details", plan.details.rows());
    let project_details = details::insert(conn, db.backend(), &plan.details, progress).await?;
    progress.finish();

    let register = plan
        .register
        .as_ref()
        .map_err(|e| StoreError::Conflict(e.clone()))?;
    progress.start("risk register", register.rows());
    let register_rows = risk::insert(conn, db.backend(), register, now, progress).await?;
    progress.finish();

    // After the register, which makes the trust that holds most projects.
    let money = plan
        .money
        .as_ref()
        .map_err(|e| StoreError::Conflict(e.clone()))?;
    progress.start("money", money.rows());
    let money_rows = money::insert(conn, db.backend(), money, progress).await?;
    progress.finish();

    progress.start("resources", plan.resources.rows());
    let resource_rows = resources::insert(conn, db.backend(), &plan.resources, progress).await?;
    progress.finish();

    // After the projects' needs, which it gives their skills. It starts its
    // own stage once it knows how many rows it will write.
    let skill_rows = skills::insert(
        conn,
        db.backend(),
        &plan.people,
        &mut Rng::new(seed).fork("skills"),
        now,
        progress,
    )
    .await?;
    progress.finish();

    // After the events' answers, whose organisers and people it reads.
    progress.start("learning", plan.learning.rows());
    let learning_rows = learning::insert(conn, db.backend(), &plan.learning, progress).await?;
    progress.finish();

    if db.backend() == Backend::Postgres {
        // The rows carry explicit ids, which identity columns do not notice:
        // without this the next person to sign up would collide with id 1.
        for table in TABLES.iter().filter(|t| !LINK_TABLES.contains(t)) {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
            ))
            .execute(&mut *conn)
            .await?;
        }
    }
    if let Some(pages) = cache_size {
        sqlx::query(&format!("PRAGMA cache_size = {pages}"))
            .execute(&mut *conn)
            .await?;
    }
    let marker = format!("scale={scale} seed={seed}");
    meta::set_in(conn, meta::DEMO_KEY, &marker).await?;
    // One entry for the whole demo, not one per row: it is one change, made
    // by the system, and the log is kept, not wiped, when a demo is replaced.
    audit::append(
        &mut tx,
        db.backend(),
        &NewEntry {
            actor: None,
            via: Via::System,
            action: "demo.generate",
            object_type: "demo",
            object_id: seed.to_string(),
            summary: serde_json::json!({
                "scale": scale.as_str(),
                "seed": seed,
                "wards": wards,
                "people": people,
                "projects": projects,
                "events": events,
                "event_answers": event_answers,
                "organisations": organisations,
                "project_details": project_details,
                "risk_register": register_rows,
                "money": money_rows,
                "resources": resource_rows,
                "skills": skill_rows,
                "learning": learning_rows,
            }),
        },
        now,
    )
    .await?;
    tx.commit().await?;

    let mut sign_ins = people::sign_ins();
    sign_ins.extend(money::sign_ins(money, &plan.people));
    Ok(DemoSummary {
        people,
        projects,
        events,
        wards,
        expenses: money.expenses.len() as u64,
        postings: money.postings() as u64,
        sign_ins,
    })
}

/// True when the database holds demo data, which `generate` may replace.
pub async fn is_demo(db: &Db) -> Result<bool> {
    Ok(meta::get(db, meta::DEMO_KEY).await?.is_some())
}

/// True when the database holds no people, projects, events or wards.
pub async fn is_empty(db: &Db) -> Result<bool> {
    let mut conn = db.pool().acquire().await?;
    Ok(!holds_data(&mut conn).await?)
}

async fn marked_as_demo(conn: &mut AnyConnection) -> Result<bool> {
    let row = sqlx::query("SELECT value FROM app_meta WHERE key = $1")
        .bind(meta::DEMO_KEY)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.is_some())
}

async fn holds_data(conn: &mut AnyConnection) -> Result<bool> {
    for table in TABLES {
        let row = sqlx::query(&format!("SELECT 1 AS one FROM {table} LIMIT 1"))
            .fetch_optional(&mut *conn)
            .await?;
        if row.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

fn refusal() -> StoreError {
    StoreError::Conflict(
        "this database already holds people, projects, events or wards that are not demo data, and \
         demo data is never written over real data: choose an empty database for the demo with \
         --database-url (for example sqlite://coproduce-demo.db)"
            .to_owned(),
    )
}

/// Hashes the demo password once for all the demo sign-ins (argon2 is slow on
/// purpose). The salt comes from the seed: the password is published anyway,
/// and a seeded salt keeps the whole database reproducible.
fn demo_password_hash(seed: u64) -> Result<String> {
    let mut salt = [0u8; 16];
    Rng::new(seed).fork("password").fill(&mut salt);
    Ok(NewPassword::parse(DEMO_PASSWORD)?.hash(&salt)?)
}

/// Makes sure each of `all` appears in `items` (when there are enough items),
/// by changing items whose value appears more than once.
fn ensure_every<T: Copy + PartialEq>(rng: &mut Rng, items: &mut [T], all: &[T]) {
    if items.len() < all.len() {
        return;
    }
    for wanted in all {
        if items.contains(wanted) {
            continue;
        }
        loop {
            let i = rng.index(items.len());
            let current = items[i];
            if items.iter().filter(|x| **x == current).count() > 1 {
                items[i] = *wanted;
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use coproduce_core::events::EventKind;
    use coproduce_core::projects::Stage;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
    }

    fn covers_every_stage_and_kind(stages: &[Stage], kinds: &[EventKind]) -> bool {
        Stage::ALL.iter().all(|s| stages.contains(s))
            && EventKind::ALL.iter().all(|k| kinds.contains(k))
    }

    #[test]
    fn scales_parse_and_say_what_to_choose() {
        for scale in Scale::ALL {
            assert_eq!(scale.as_str().parse::<Scale>().unwrap(), scale);
            assert_eq!(Scale::parse(&scale.to_string()).unwrap(), scale);
        }
        assert_eq!(Scale::parse(" Borough ").unwrap(), Scale::Borough);
        let err = "huge".parse::<Scale>().unwrap_err();
        assert_eq!(err.field, "scale");
        assert!(
            err.message.contains("choose small, borough or city"),
            "{err}"
        );
        assert_eq!(
            Scale::City.sizes().people,
            5 * Scale::Borough.sizes().people
        );
    }

    #[test]
    fn the_same_seed_plans_the_same_data() {
        let a = plan(Scale::Small, 42, now());
        let b = plan(Scale::Small, 42, now());
        assert_eq!(a, b);
        let c = plan(Scale::Small, 43, now());
        assert_ne!(a.projects, c.projects);
        assert_ne!(a.people, c.people);
        assert_eq!(
            demo_password_hash(42).unwrap(),
            demo_password_hash(42).unwrap()
        );
    }

    #[test]
    fn a_small_plan_shows_every_stage_and_kind() {
        for seed in 0..20 {
            let p = plan(Scale::Small, seed, now());
            let sizes = Scale::Small.sizes();
            assert_eq!(
                (p.people.len(), p.projects.len(), p.events.len()),
                (sizes.people, sizes.projects, sizes.events)
            );
            let stages: Vec<Stage> = p.projects.iter().map(|x| x.stage).collect();
            let kinds: Vec<EventKind> = p.events.iter().map(|x| x.kind).collect();
            assert!(covers_every_stage_and_kind(&stages, &kinds), "seed {seed}");
        }
    }

    #[test]
    fn the_borough_runs_learning_sets_with_six_sessions_and_their_logs() {
        use coproduce_core::learning::{MemberRole, Visibility};
        let p = plan(Scale::Borough, 2026, now());
        let l = &p.learning;
        let learning_events = p
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Learning)
            .count();
        assert_eq!(
            l.sessions.len(),
            learning_events,
            "every session has its set"
        );
        let officer = p
            .people
            .iter()
            .find(|x| x.email == "officer@example.org")
            .unwrap()
            .id;
        assert!(l
            .members
            .iter()
            .any(|m| m.set_id == 1 && m.person_id == officer && m.role == MemberRole::Organiser));
        for set in &l.sets {
            let sessions: Vec<i64> = l
                .sessions
                .iter()
                .filter(|s| s.set_id == set.id)
                .map(|s| s.event_id)
                .collect();
            assert!(sessions.len() >= 6, "set {} has {}", set.id, sessions.len());
            for id in &sessions {
                let e = p.events.iter().find(|e| e.id == *id).unwrap();
                let written = l.entries.iter().filter(|x| x.event_id == Some(*id)).count();
                assert_eq!(written > 0, e.ends_at < now(), "session {id}");
            }
        }
        for v in Visibility::ALL {
            assert!(l.entries.iter().any(|e| e.visibility == v), "{v:?}");
        }
        assert!(l.requests.iter().any(|r| r.state == "asked"));
        assert!(l.members.iter().any(|m| m.role == MemberRole::Partner));
        let from_log = l.articles.iter().filter(|a| a.entry_id.is_some()).count();
        assert_eq!(from_log, 2);
        let slugs: std::collections::HashSet<&str> =
            l.articles.iter().map(|a| a.slug.as_str()).collect();
        assert_eq!(slugs.len(), l.articles.len(), "addresses are unique");
    }

    #[test]
    fn the_demo_password_meets_the_policy_and_verifies() {
        let hash = demo_password_hash(1).unwrap();
        assert!(coproduce_core::password::verify(DEMO_PASSWORD, &hash));
        let sign_ins = people::sign_ins();
        let roles: Vec<Role> = sign_ins.iter().map(|s| s.role).collect();
        assert_eq!(roles, Role::ALL.iter().rev().copied().collect::<Vec<_>>());
        assert!(sign_ins.iter().all(|s| s.password == DEMO_PASSWORD));
    }

    #[test]
    fn ensure_every_fills_gaps_without_losing_a_value() {
        let mut rng = Rng::new(1);
        let mut items = [1, 1, 1, 1, 2];
        ensure_every(&mut rng, &mut items, &[1, 2, 3, 4]);
        for v in [1, 2, 3, 4] {
            assert!(items.contains(&v), "{items:?}");
        }
        let mut few = [1];
        ensure_every(&mut rng, &mut few, &[1, 2]);
        assert_eq!(few, [1]);
    }
}
