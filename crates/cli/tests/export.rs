//! `coproduce export` as a treasurer runs it: the file appears whole or not
//! at all, a missing setting is named with every way to set it, and what
//! is written passes the format's own validator (from target/pyenv, which
//! scripts/test fills; COPRODUCE_REQUIRE_VALIDATORS=1 makes their absence
//! fail instead of skipping that step).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{NaiveDate, TimeZone, Utc};
use coproduce_core::audit::Via;
use coproduce_core::funding::{Agreement, FeePolicy};
use coproduce_core::money::Pence;
use coproduce_core::projects::details::{Details, DetailsForm, Theme};
use coproduce_store::db::Create;
use coproduce_store::memberships::{self, By};
use coproduce_store::projects::{self, details::Placement};
use coproduce_store::{funding, ledger, Db, DbUrl};

fn coproduce(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_coproduce"));
    for var in [
        "COPRODUCE_DATABASE_URL",
        "COPRODUCE_CONFIG",
        "COPRODUCE_ADDR",
        "COPRODUCE_LOG",
        "COPRODUCE_360GIVING_PREFIX",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("COPRODUCE_LOG", "warn").current_dir(dir);
    cmd
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Fails with one line on stderr that contains every one of `wanted`.
fn assert_refused(o: &Output, wanted: &[&str]) {
    let (out, err) = text(o);
    assert!(!o.status.success(), "expected failure; stdout: {out}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {err}");
    assert!(lines[0].starts_with("coproduce: "), "{err}");
    for w in wanted {
        assert!(err.contains(w), "expected {w:?} in: {err}");
    }
}

fn tool(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/pyenv/bin")
        .join(name);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("COPRODUCE_REQUIRE_VALIDATORS").is_ok_and(|v| v == "1") {
        panic!(
            "COPRODUCE_REQUIRE_VALIDATORS=1 but {} is missing: run scripts/test",
            path.display()
        );
    }
    eprintln!(
        "note: {} is not installed, so its check is skipped",
        path.display()
    );
    None
}

/// Only the files a person would see: no leftovers of a failed export.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("coproduce.db"))
        .collect();
    names.sort();
    names
}

/// A migrated database with two grants, one received, and an expense-like
/// transfer whose description a spreadsheet would run.
async fn books(url: &str) {
    let db = Db::open(&DbUrl::parse(url).unwrap(), Create::IfMissing)
        .await
        .unwrap();
    let now = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap();
    let by = By {
        actor: None,
        via: Via::Cli,
        now,
    };
    let trust =
        memberships::create_fund_holder(&db, "Café Zoë's Trust, \"CZT\"", None, Via::Cli, now)
            .await
            .unwrap();
    funding::set_fee_policy(&db, trust, FeePolicy::percent(500, None, None).unwrap(), by)
        .await
        .unwrap();
    let mut agreements = Vec::new();
    for (title, pence) in [("Pocket park", 1_000_001), ("=Seed library", 250_050)] {
        let details = Details::parse(&DetailsForm {
            title: title.into(),
            summary: "For the street".into(),
            themes: vec![Theme::ALL[0].as_str().into()],
            ..DetailsForm::default()
        })
        .unwrap();
        let project = projects::details::create(&db, &details, &Placement::default(), None, by)
            .await
            .unwrap();
        let a = Agreement {
            funder: "Lambeth Council".into(),
            amount: Pence::new(pence),
            starts_on: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            ends_on: None,
            conditions: String::new(),
        };
        agreements.push(
            funding::add_agreement(&db, project, trust, &a, by)
                .await
                .unwrap(),
        );
    }
    let r = funding::receive_grant(
        &db,
        agreements[0],
        Pence::new(1_000_001),
        NaiveDate::from_ymd_opt(2026, 4, 2).unwrap(),
        by,
    )
    .await
    .unwrap();
    ledger::reverse(
        &db,
        r.transaction_id,
        NaiveDate::from_ymd_opt(2026, 4, 3).unwrap(),
        "=wrong amount",
        by,
    )
    .await
    .unwrap();
    db.close().await;
}

#[tokio::test]
async fn exports_write_whole_valid_files_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let url = format!("sqlite://{}", d.join("coproduce.db").display());
    books(&url).await;
    let export = |args: &[&str]| {
        coproduce(d)
            .args(["--database-url", &url, "export"])
            .args(args)
            .output()
            .unwrap()
    };

    // No prefix: every way to set it is named, and nothing is written.
    let o = export(&["360giving", "--out", "grants.json"]);
    assert_refused(
        &o,
        &[
            "--prefix 360G-",
            "COPRODUCE_360GIVING_PREFIX=360G-",
            "giving360_prefix = \"360G-",
            "coproduce.toml",
        ],
    );
    let o = coproduce(d)
        .args([
            "--database-url",
            &url,
            "export",
            "360giving",
            "--out",
            "grants.json",
        ])
        .env("COPRODUCE_360GIVING_PREFIX", "lambeth")
        .output()
        .unwrap();
    assert_refused(&o, &["must start with 360G-"]);
    assert!(names_in(d).is_empty(), "{:?}", names_in(d));

    // From the settings file, with the public address for grant links.
    std::fs::write(
        d.join("coproduce.toml"),
        "giving360_prefix = \"360G-clitest\"\npublic_url = \"https://coproduce.example.org\"\n",
    )
    .unwrap();
    let o = export(&["360giving", "--out", "grants.json"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("wrote 2 grants to grants.json"), "{out}");
    let grants = std::fs::read_to_string(d.join("grants.json")).unwrap();
    assert!(grants.contains("\"id\": \"360G-clitest-grant-"), "{grants}");
    assert!(grants.contains("\"amountAwarded\": 10000.01"), "{grants}");
    assert!(
        grants.contains("https://coproduce.example.org/projects/"),
        "{grants}"
    );
    // The reversed receipt was money recorded in error: none disbursed.
    assert!(!grants.contains("amountDisbursed"), "{grants}");
    if let Some(python) = tool("python") {
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/standards/validate_360giving.py");
        let o = Command::new(python)
            .arg(script)
            .arg(d.join("grants.json"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{:?}", text(&o));
    }
    // The flag wins over the file.
    let o = export(&["360giving", "--out", "grants.json", "--prefix", "360G-flag"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let grants = std::fs::read_to_string(d.join("grants.json")).unwrap();
    assert!(grants.contains("\"360G-flag-grant-"), "{grants}");

    let o = export(&["beancount", "--out", "books.beancount"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("2 transactions and 6 postings"), "{out}");
    if let Some(check) = tool("bean-check") {
        let o = Command::new(check)
            .arg(d.join("books.beancount"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{:?}", text(&o));
    }

    let o = export(&["ledger-csv", "--out", "ledger.csv"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let csv = std::fs::read_to_string(d.join("ledger.csv")).unwrap();
    assert!(csv.starts_with("\u{feff}transaction_id,date,fund_holder,account,account_kind,project_id,description,debit,credit,reverses\r\n"));
    assert_eq!(csv.lines().count(), 7);
    assert!(csv.contains(",\"Café Zoë's Trust, \"\"CZT\"\"\","), "{csv}");

    // A folder that is not there: said so, and nothing made.
    let o = export(&["beancount", "--out", "missing/books.beancount"]);
    assert_refused(&o, &["missing", "does not exist"]);
    assert!(!d.join("missing").exists());
    let o = export(&["beancount", "--out", "."]);
    assert_refused(&o, &["is a folder"]);

    assert_eq!(
        names_in(d),
        [
            "books.beancount",
            "coproduce.toml",
            "grants.json",
            "ledger.csv"
        ]
    );
}

#[tokio::test]
async fn a_failed_export_leaves_the_previous_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let url = format!("sqlite://{}", d.join("coproduce.db").display());
    let o = coproduce(d)
        .args(["--database-url", &url, "migrate"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    std::fs::write(d.join("grants.json"), "last month's file").unwrap();
    let o = coproduce(d)
        .args(["--database-url", &url, "export", "360giving"])
        .args(["--out", "grants.json", "--prefix", "360G-clitest"])
        .output()
        .unwrap();
    assert_refused(&o, &["no funding agreements", "needs at least one grant"]);
    assert_eq!(
        std::fs::read_to_string(d.join("grants.json")).unwrap(),
        "last month's file"
    );
    assert_eq!(names_in(d), ["grants.json"]);

    // A database that is not there is not made just to export nothing.
    let o = coproduce(d)
        .args([
            "--database-url",
            "sqlite://nothing.db",
            "export",
            "beancount",
        ])
        .args(["--out", "books.beancount"])
        .output()
        .unwrap();
    assert_refused(&o, &["nothing.db"]);
    assert_eq!(names_in(d), ["grants.json"]);
}

/// The public calendar as a subscriber's software reads it: the file parses
/// with `icalendar`, and `recurring-ical-events` expands every series to
/// exactly the dates the site shows, across the clock changes.
#[tokio::test]
async fn the_calendar_export_reads_back_as_the_site_shows_it() {
    use coproduce_core::events::{EventForm, NewEvent};
    use coproduce_store::events;

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let url = format!("sqlite://{}", d.join("coproduce.db").display());
    let db = Db::open(&DbUrl::parse(&url).unwrap(), Create::IfMissing)
        .await
        .unwrap();
    // Events are checked against the real clock, so they lie ahead of it.
    let now = Utc::now();
    let by = By {
        actor: None,
        via: Via::Cli,
        now,
    };
    let year = chrono::Datelike::year(&now) + 1;
    let first_wednesday = (1..=7)
        .map(|day| NaiveDate::from_ymd_opt(year, 1, day).unwrap())
        .find(|d| chrono::Datelike::weekday(d) == chrono::Weekday::Wed)
        .unwrap();
    let forms = [
        EventForm {
            kind: "meetup".into(),
            title: "Evening drop-in, first Wednesdays".into(),
            venue: "Oval House".into(),
            starts_at: format!("{first_wednesday}T18:00"),
            ends_at: format!("{first_wednesday}T20:00"),
            repeats: "monthly".into(),
            times: "12".into(),
            ..EventForm::default()
        },
        EventForm {
            kind: "make".into(),
            title: "Make day; fixing, not buying".into(),
            goals: "Form teams, each with a lead".into(),
            description: "Bring ideas,\nand lunch".into(),
            venue: "Brixton Library, Brixton Oval".into(),
            starts_at: format!("{year}-03-14T10:00"),
            ends_at: format!("{year}-03-15T16:00"),
            latitude: "51.4613".into(),
            longitude: "-0.1156".into(),
            ..EventForm::default()
        },
        EventForm {
            kind: "learning".into(),
            title: "Action learning set".into(),
            format: "online".into(),
            meeting_link: "https://meet.example.org/set".into(),
            starts_at: format!("{year}-02-03T14:00"),
            ends_at: format!("{year}-02-03T16:00"),
            repeats: "fortnightly".into(),
            times: "6".into(),
            ..EventForm::default()
        },
    ];
    let mut ids = Vec::new();
    for form in &forms {
        let new = NewEvent::parse(form, now, None).unwrap();
        ids.push(events::create(&db, &new, by).await.unwrap());
    }
    events::cancel(&db, ids[1], "The library is closed for repairs", by)
        .await
        .unwrap();
    let from = Utc.from_utc_datetime(
        &NaiveDate::from_ymd_opt(year, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
    );
    let to = Utc.from_utc_datetime(
        &NaiveDate::from_ymd_opt(year + 1, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
    );
    let ours: Vec<(String, i64)> = events::calendar(&db, from, to, 1000)
        .await
        .unwrap()
        .iter()
        .map(|o| (o.event.title.clone(), o.starts_at.timestamp()))
        .collect();
    db.close().await;
    assert_eq!(ours.len(), 12 + 1 + 6);

    std::fs::write(
        d.join("coproduce.toml"),
        "public_url = \"https://coproduce.example.org\"\n",
    )
    .unwrap();
    let o = coproduce(d)
        .args([
            "--database-url",
            &url,
            "export",
            "ical",
            "--out",
            "events.ics",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("wrote 3 events to events.ics"), "{out}");
    let ics = std::fs::read_to_string(d.join("events.ics")).unwrap();
    assert!(ics.contains("STATUS:CANCELLED"), "{ics}");
    assert!(ics.contains("@coproduce.example.org"), "{ics}");
    // The meeting link is for people with a place, never the public feed.
    assert!(!ics.contains("meet.example.org"), "{ics}");

    let Some(python) = tool("python") else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/check_ical.py");
    let o = Command::new(python)
        .arg(script)
        .arg(d.join("events.ics"))
        .args([
            "--from",
            &format!("{year}-01-01"),
            "--to",
            &format!("{}-01-01", year + 1),
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let read: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(read["events"], 3);
    let theirs: Vec<(String, i64)> = read["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let start = chrono::DateTime::parse_from_rfc3339(o["start"].as_str().unwrap())
                .unwrap_or_else(|e| panic!("{o}: {e}"));
            (o["summary"].as_str().unwrap().to_owned(), start.timestamp())
        })
        .collect();
    assert_eq!(theirs, ours);
    let cancelled = read["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["status"] == "CANCELLED")
        .count();
    assert_eq!(cancelled, 1);
}
