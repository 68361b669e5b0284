//! The real binary, as a person or a script runs it: every failure ends in one
//! clear sentence, a non-zero exit, and nothing half-made left behind.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn coproduce() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_coproduce"));
    // The tests choose every setting themselves.
    for var in [
        "COPRODUCE_DATABASE_URL",
        "COPRODUCE_CONFIG",
        "COPRODUCE_ADDR",
        "COPRODUCE_LOG",
        "COPRODUCE_NEW_PASSWORD",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("COPRODUCE_LOG", "warn");
    cmd
}

fn run(args: &[&str], dir: &Path) -> Output {
    coproduce().args(args).current_dir(dir).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// One line on stderr, starting with the program's name.
fn assert_one_sentence(o: &Output, wanted: &str) {
    assert!(
        !o.status.success(),
        "expected failure; stdout: {}",
        stdout(o)
    );
    let err = stderr(o);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {err}");
    assert!(lines[0].starts_with("coproduce: "), "{err}");
    assert!(err.contains(wanted), "expected {wanted:?} in: {err}");
}

#[test]
fn help_explains_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let top = run(&["--help"], dir.path());
    assert!(top.status.success());
    let text = stdout(&top);
    for cmd in [
        "serve",
        "demo",
        "migrate",
        "admin",
        "--database-url",
        "coproduce.toml",
    ] {
        assert!(text.contains(cmd), "--help does not mention {cmd}: {text}");
    }
    for args in [
        &["serve", "--help"][..],
        &["demo", "--help"],
        &["migrate", "--help"],
        &["admin", "--help"],
        &["admin", "create-user", "--help"],
    ] {
        let o = run(args, dir.path());
        assert!(o.status.success(), "{args:?}");
        assert!(stdout(&o).len() > 100, "{args:?}: {}", stdout(&o));
    }
    let demo_help = stdout(&run(&["demo", "--help"], dir.path()));
    assert!(
        demo_help.contains("small") && demo_help.contains("borough") && demo_help.contains("city")
    );
}

#[test]
fn an_unknown_flag_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&["serve", "--port", "80"], dir.path());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--port"), "{}", stderr(&o));
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing is created"
    );
}

#[test]
fn a_malformed_database_url_says_what_to_write() {
    let dir = tempfile::tempdir().unwrap();
    for url in ["coproduce.db", "mysql://root@localhost/x", "sqlite://"] {
        let o = run(&["migrate", "--database-url", url], dir.path());
        assert_one_sentence(&o, "sqlite://PATH");
    }
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing is created"
    );
}

#[test]
fn an_unreachable_postgres_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 1.
    let o = run(
        &[
            "migrate",
            "--database-url",
            "postgres://coproduce:secret@127.0.0.1:1/coproduce",
        ],
        dir.path(),
    );
    assert_one_sentence(&o, "cannot reach the database");
    assert!(
        !stderr(&o).contains("secret"),
        "the password is never printed"
    );
}

#[test]
fn a_corrupt_sqlite_file_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.db");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(&file, &garbage).unwrap();
    let o = run(
        &["migrate", "--database-url", "sqlite://broken.db"],
        dir.path(),
    );
    assert_one_sentence(&o, "is not a coproduce SQLite database");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        garbage,
        "the file is left as it was"
    );
}

#[test]
fn a_missing_folder_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &["migrate", "--database-url", "sqlite://nowhere/coproduce.db"],
        dir.path(),
    );
    assert_one_sentence(&o, "does not exist");
    assert!(!dir.path().join("nowhere").exists());
}

#[test]
fn a_port_in_use_is_reported_and_creates_no_database() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let o = run(
        &[
            "serve",
            "--addr",
            &addr,
            "--database-url",
            "sqlite://fresh.db",
        ],
        dir.path(),
    );
    assert_one_sentence(&o, "already in use");
    assert!(
        !dir.path().join("fresh.db").exists(),
        "no database is left behind"
    );
}

#[test]
fn a_bad_settings_file_names_the_mistake() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("coproduce.toml"),
        "databse_url = \"sqlite://x.db\"\n",
    )
    .unwrap();
    let o = run(&["migrate"], dir.path());
    assert_one_sentence(&o, "databse_url");
}

#[test]
fn migrate_creates_then_leaves_alone() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(&["migrate", "--database-url", "sqlite://c.db"], dir.path());
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("schema version"));
    assert!(dir.path().join("c.db").exists());
    let again = run(&["migrate", "--database-url", "sqlite://c.db"], dir.path());
    assert!(again.status.success(), "{}", stderr(&again));
}

#[test]
fn settings_come_from_the_file_and_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("coproduce.toml"),
        "database_url = \"sqlite://from-file.db\"\n",
    )
    .unwrap();
    let o = run(&["migrate"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("from-file.db").exists());
    let o = coproduce()
        .args(["migrate"])
        .env("COPRODUCE_DATABASE_URL", "sqlite://from-env.db")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        dir.path().join("from-env.db").exists(),
        "the environment wins over the file"
    );
}

#[test]
fn admin_create_user_checks_its_input_first() {
    let dir = tempfile::tempdir().unwrap();
    let url = "sqlite://people.db";
    let o = run(
        &[
            "admin",
            "create-user",
            "--email",
            "not-an-email",
            "--database-url",
            url,
        ],
        dir.path(),
    );
    assert_one_sentence(&o, "--email");
    let o = run(
        &[
            "admin",
            "create-user",
            "--email",
            "a@example.org",
            "--role",
            "mayor",
            "--database-url",
            url,
        ],
        dir.path(),
    );
    assert_one_sentence(&o, "choose resident, officer or admin");
    assert!(
        !dir.path().join("people.db").exists(),
        "bad input touches no database"
    );

    let o = run(
        &[
            "admin",
            "create-user",
            "--email",
            "Officer@Example.org",
            "--role",
            "officer",
            "--database-url",
            url,
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("officer@example.org"), "{out}");
    assert!(
        out.contains("password: "),
        "a generated password is shown once: {out}"
    );

    let o = run(
        &[
            "admin",
            "create-user",
            "--email",
            "officer@example.org",
            "--database-url",
            url,
        ],
        dir.path(),
    );
    assert_one_sentence(&o, "already has an account");

    let o = coproduce()
        .args([
            "admin",
            "create-user",
            "--email",
            "b@example.org",
            "--database-url",
            url,
        ])
        .env("COPRODUCE_NEW_PASSWORD", "password")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_one_sentence(&o, "at least 10 characters");
}

#[test]
fn demo_fills_a_database_and_refuses_to_overwrite_real_data() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&["demo", "--scale", "small", "--no-serve"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("demo data (small scale"), "{out}");
    assert!(
        out.contains("admin") && out.contains("@example.org"),
        "the sign-ins are printed: {out}"
    );
    assert!(dir.path().join("coproduce-demo.db").exists());
    // Again: the old demo data is replaced, not added to.
    let again = run(&["demo", "--scale", "small", "--no-serve"], dir.path());
    assert!(again.status.success(), "{}", stderr(&again));

    // A database with real data is never overwritten.
    let o = run(
        &[
            "admin",
            "create-user",
            "--email",
            "real@example.org",
            "--database-url",
            "sqlite://real.db",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(
        &[
            "demo",
            "--scale",
            "small",
            "--no-serve",
            "--database-url",
            "sqlite://real.db",
        ],
        dir.path(),
    );
    assert_one_sentence(&o, "not demo data");
    let o = run(
        &["migrate", "--database-url", "sqlite://real.db"],
        dir.path(),
    );
    assert!(o.status.success());
}

#[test]
fn serve_answers_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = coproduce()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            "sqlite://serve.db",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async {
        let res = reqwest::get(format!("{url}/healthz")).await.unwrap();
        res.status()
    });
    assert_eq!(status, reqwest::StatusCode::OK);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "did not stop within 10 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "exit after SIGTERM: {exit:?}");
}

#[test]
fn audit_verify_passes_a_whole_log_and_names_a_tampered_entry() {
    let dir = tempfile::tempdir().unwrap();
    let url = "sqlite://audited.db";
    let o = run(&["audit", "verify", "--database-url", url], dir.path());
    assert_one_sentence(&o, "there is no database");
    assert!(
        !dir.path().join("audited.db").exists(),
        "checking a log never creates a database"
    );

    for email in ["one@example.org", "two@example.org", "three@example.org"] {
        let o = run(
            &[
                "admin",
                "create-user",
                "--email",
                email,
                "--database-url",
                url,
            ],
            dir.path(),
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = run(&["audit", "verify", "--database-url", url], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("the audit log is intact: 3 entries, last hash "),
        "{out}"
    );
    let last_hash = out.trim().rsplit(' ').next().unwrap();
    assert!(
        last_hash.len() == 64 && last_hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{out}"
    );

    // Someone with the file rewrites the second entry, past the trigger that
    // keeps the log append-only.
    let tampered = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3, sys\n\
             db = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
             db.execute('DROP TRIGGER audit_log_no_update')\n\
             db.execute(\"UPDATE audit_log SET summary = '{\\\"role\\\":\\\"admin\\\"}' WHERE seq = 2\")\n\
             db.close()\n",
        )
        .arg(dir.path().join("audited.db"))
        .output()
        .unwrap();
    assert!(tampered.status.success(), "{}", stderr(&tampered));
    let o = run(&["audit", "verify", "--database-url", url], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_one_sentence(
        &o,
        "the audit log is broken at entry 2: its contents were changed after it was written",
    );
}
