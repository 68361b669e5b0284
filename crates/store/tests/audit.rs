//! The audit log, on every engine: real writes append a valid chain, and any
//! entry altered, removed or reordered behind the product's back is named.

// Helpers outside #[test] functions may unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Mutex;

use chrono::Duration;
use coproduce_core::audit::{Entry, GENESIS_HASH};
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_store::audit::{self, Broken, Fault, Intact, NewEntry, Verdict, Via};
use coproduce_store::demo::{self, NoProgress, Progress, Scale};
use coproduce_store::people::{self, NewPerson};
use coproduce_store::{Backend, Db, StoreError};
use sqlx::Row;

use common::{now, TestDb};

async fn add_person(db: &Db, n: usize, actor: Option<i64>) -> i64 {
    let email = Email::parse(&format!("person{n}@example.org")).unwrap();
    let name = DisplayName::parse(&format!("Person {n}")).unwrap();
    let new = NewPerson {
        email: &email,
        display_name: &name,
        role: Role::Resident,
        password_hash: None,
        ward_id: None,
    };
    people::create(
        db,
        &new,
        actor,
        Via::Web,
        now() + Duration::seconds(n as i64),
    )
    .await
    .unwrap()
}

async fn verdict(db: &Db) -> Verdict {
    audit::verify(db, &NoProgress).await.unwrap()
}

fn broken(seq: i64, fault: Fault) -> Verdict {
    Verdict::Broken(Broken { seq, fault })
}

async fn seqs(db: &Db) -> Vec<i64> {
    sqlx::query("SELECT seq FROM audit_log ORDER BY seq")
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("seq").unwrap())
        .collect()
}

/// Runs raw SQL the way someone with the database's password could: past
/// the triggers that keep the log append-only, which they would drop first.
async fn tamper(t: &TestDb, sql: &str) {
    let unguard = match t.db.backend() {
        Backend::Sqlite => {
            "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;"
        }
        Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;",
    };
    sqlx::raw_sql(unguard).execute(t.db.pool()).await.unwrap();
    sqlx::raw_sql(sql).execute(t.db.pool()).await.unwrap();
}

/// One stored row, read without the store's help.
async fn row(
    db: &Db,
    seq: i64,
) -> (
    String,
    Option<i64>,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
) {
    let r = sqlx::query(
        "SELECT at, actor_id, via, action, object_type, object_id, summary, prev_hash, hash
         FROM audit_log WHERE seq = $1",
    )
    .bind(seq)
    .fetch_one(db.pool())
    .await
    .unwrap();
    (
        r.try_get("at").unwrap(),
        r.try_get("actor_id").unwrap(),
        r.try_get("via").unwrap(),
        r.try_get("action").unwrap(),
        r.try_get("object_type").unwrap(),
        r.try_get("object_id").unwrap(),
        r.try_get("summary").unwrap(),
        r.try_get("prev_hash").unwrap(),
        r.try_get("hash").unwrap(),
    )
}

#[tokio::test]
async fn real_writes_make_a_chain_and_tampering_is_named_at_its_entry() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        assert_eq!(
            verdict(db).await,
            Verdict::Intact(Intact {
                entries: 0,
                last_hash: GENESIS_HASH.to_owned()
            }),
            "{engine}"
        );

        // The demo is one entry; each account another.
        let summary = demo::generate(db, Scale::Small, 7, now(), &NoProgress)
            .await
            .unwrap();
        let mut ids = Vec::new();
        for n in 0..10 {
            ids.push(add_person(db, n, Some(1)).await);
        }
        assert_eq!(seqs(db).await, (1..=11).collect::<Vec<_>>(), "{engine}");
        let Verdict::Intact(intact) = verdict(db).await else {
            panic!("{engine}: a chain of real writes is intact");
        };
        assert_eq!(intact.entries, 11, "{engine}");
        assert_eq!(intact.last_hash, row(db, 11).await.8, "{engine}");

        // What the entries say, and what they leave out.
        let demo_entry = &audit::for_object(db, "demo", "7", 10).await.unwrap()[0];
        assert_eq!(
            (demo_entry.seq, demo_entry.action.as_str(), demo_entry.actor),
            (1, "demo.generate", None),
            "{engine}"
        );
        assert_eq!(demo_entry.via, "system");
        let said: serde_json::Value = serde_json::from_str(&demo_entry.summary).unwrap();
        assert_eq!(said["scale"], "small", "{engine}");
        assert_eq!(said["people"], summary.people, "{engine}");
        assert_eq!(said["projects"], summary.projects, "{engine}");
        let person = audit::for_object(db, "person", &ids[4].to_string(), 10)
            .await
            .unwrap();
        assert_eq!(person.len(), 1, "{engine}");
        let entry: &Entry = &person[0];
        assert_eq!(
            (
                entry.seq,
                entry.action.as_str(),
                entry.actor,
                entry.via.as_str()
            ),
            (6, "person.create", Some(1), "web"),
            "{engine}"
        );
        assert_eq!(entry.at, now() + Duration::seconds(4), "{engine}");
        assert_eq!(entry.summary, r#"{"role":"resident"}"#, "{engine}");
        assert!(
            !entry.summary.contains("person4") && !entry.summary.contains("Person 4"),
            "no personal data in the log"
        );

        // The database itself refuses to change or remove an entry.
        for sql in [
            "UPDATE audit_log SET summary = '{}' WHERE seq = 3",
            "DELETE FROM audit_log WHERE seq = 3",
        ] {
            let err = sqlx::query(sql).execute(db.pool()).await.unwrap_err();
            assert!(err.to_string().contains("append-only"), "{engine}: {err}");
        }

        // Altered: a summary rewritten in place. Put back, the chain is whole.
        let original = row(db, 5).await.6;
        tamper(
            &t,
            r#"UPDATE audit_log SET summary = '{"role":"admin"}' WHERE seq = 5"#,
        )
        .await;
        assert_eq!(verdict(db).await, broken(5, Fault::Altered), "{engine}");
        tamper(
            &t,
            &format!("UPDATE audit_log SET summary = '{original}' WHERE seq = 5"),
        )
        .await;
        assert!(matches!(verdict(db).await, Verdict::Intact(_)), "{engine}");

        // Altered into something that cannot even be read as a time.
        let at = row(db, 9).await.0;
        tamper(&t, "UPDATE audit_log SET at = 'yesterday' WHERE seq = 9").await;
        assert_eq!(verdict(db).await, broken(9, Fault::Altered), "{engine}");
        tamper(
            &t,
            &format!("UPDATE audit_log SET at = '{at}' WHERE seq = 9"),
        )
        .await;

        // Removed: a middle entry deleted.
        let saved = row(db, 7).await;
        tamper(&t, "DELETE FROM audit_log WHERE seq = 7").await;
        assert_eq!(
            verdict(db).await,
            broken(7, Fault::Removed { through: 7 }),
            "{engine}"
        );
        let message = match verdict(db).await {
            Verdict::Broken(b) => b.to_string(),
            other => panic!("{other:?}"),
        };
        assert!(message.contains("broken at entry 7"), "{message}");
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor_id, via, action, object_type, object_id, summary, prev_hash, hash)
             VALUES (7, $1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&saved.0)
        .bind(saved.1)
        .bind(&saved.2)
        .bind(&saved.3)
        .bind(&saved.4)
        .bind(&saved.5)
        .bind(&saved.6)
        .bind(&saved.7)
        .bind(&saved.8)
        .execute(db.pool())
        .await
        .unwrap();
        assert!(matches!(verdict(db).await, Verdict::Intact(_)), "{engine}");

        // Reordered: two entries' numbers swapped.
        let swap = "UPDATE audit_log SET seq = -1 WHERE seq = 3;
                    UPDATE audit_log SET seq = 3 WHERE seq = 8;
                    UPDATE audit_log SET seq = 8 WHERE seq = -1;";
        tamper(&t, swap).await;
        assert_eq!(verdict(db).await, broken(3, Fault::Reordered), "{engine}");
        tamper(&t, swap).await;
        assert!(matches!(verdict(db).await, Verdict::Intact(_)), "{engine}");

        // The newest entry removed leaves a chain that is whole but shorter,
        // with another last hash: why `audit verify` prints the last hash.
        tamper(&t, "DELETE FROM audit_log WHERE seq = 11").await;
        let Verdict::Intact(shorter) = verdict(db).await else {
            panic!("{engine}: a shorter chain is still a chain");
        };
        assert_eq!(shorter.entries, 10);
        assert_ne!(shorter.last_hash, intact.last_hash);
        t.finish().await;
    }
}

#[tokio::test]
async fn a_change_that_fails_leaves_no_entry_and_no_gap() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        add_person(db, 1, None).await;
        let email = Email::parse("person1@example.org").unwrap();
        let name = DisplayName::parse("Someone Else").unwrap();
        let again = NewPerson {
            email: &email,
            display_name: &name,
            role: Role::Officer,
            password_hash: None,
            ward_id: None,
        };
        let refused = people::create(db, &again, None, Via::Cli, now()).await;
        assert!(
            matches!(refused, Err(StoreError::Conflict(_))),
            "{engine}: {refused:?}"
        );
        add_person(db, 2, None).await;
        assert_eq!(seqs(db).await, [1, 2], "{engine}");

        // A malformed entry is refused before anything is written, and the
        // change it belonged to goes with it.
        let mut tx = db.begin_write().await.unwrap();
        let bad = NewEntry {
            actor: None,
            via: Via::System,
            action: "person.create",
            object_type: "person",
            object_id: "9".to_owned(),
            summary: serde_json::json!(["not", "an", "object"]),
        };
        match audit::append(&mut tx, db.backend(), &bad, now()).await {
            Err(StoreError::Invalid(invalid)) => assert_eq!(invalid.field, "summary"),
            other => panic!("{engine}: {other:?}"),
        }
        tx.rollback().await.unwrap();
        assert!(matches!(
            verdict(db).await,
            Verdict::Intact(Intact { entries: 2, .. })
        ));
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn people_created_at_once_still_make_one_consecutive_chain() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let tasks: Vec<_> = (0..20)
            .map(|n| {
                let db = db.clone();
                tokio::spawn(async move { add_person(&db, n, None).await })
            })
            .collect();
        let mut ids = Vec::new();
        for task in tasks {
            ids.push(task.await.unwrap());
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 20, "{engine}");
        assert_eq!(seqs(db).await, (1..=20).collect::<Vec<_>>(), "{engine}");
        assert!(
            matches!(
                verdict(db).await,
                Verdict::Intact(Intact { entries: 20, .. })
            ),
            "{engine}"
        );
        // Every person has exactly their own entry.
        for id in ids {
            let entries = audit::for_object(db, "person", &id.to_string(), 5)
                .await
                .unwrap();
            assert_eq!(entries.len(), 1, "{engine}: person {id}");
        }
        t.finish().await;
    }
}

/// Counts what it is told.
#[derive(Default)]
struct Recorder {
    log: Mutex<Vec<(String, u64, u64)>>,
}

impl Progress for Recorder {
    fn start(&self, stage: &str, total: u64) {
        self.log.lock().unwrap().push((stage.to_owned(), total, 0));
    }
    fn advance(&self, n: u64) {
        if let Some(last) = self.log.lock().unwrap().last_mut() {
            last.2 += n;
        }
    }
    fn finish(&self) {}
}

#[tokio::test]
async fn a_log_longer_than_a_page_is_checked_across_pages() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let total = audit::PAGE + 7;
        let mut tx = db.begin_write().await.unwrap();
        for n in 0..total {
            let entry = NewEntry {
                actor: Some(n % 50 + 1),
                via: Via::Api,
                action: "project.update",
                object_type: "project",
                object_id: (n % 100).to_string(),
                summary: serde_json::json!({ "n": n }),
            };
            let seq = audit::append(&mut tx, db.backend(), &entry, now())
                .await
                .unwrap();
            assert_eq!(seq, n + 1);
        }
        tx.commit().await.unwrap();

        let progress = Recorder::default();
        let Verdict::Intact(intact) = audit::verify(db, &progress).await.unwrap() else {
            panic!("{engine}: intact");
        };
        assert_eq!(intact.entries, total as u64, "{engine}");
        let log = progress.log.lock().unwrap().clone();
        assert_eq!(
            log,
            [("audit log".to_owned(), total as u64, total as u64)],
            "{engine}"
        );

        // Newest first, as many as asked for.
        let recent = audit::for_object(db, "project", "3", 4).await.unwrap();
        let recent_seqs: Vec<i64> = recent.iter().map(|e| e.seq).collect();
        assert_eq!(recent_seqs, [5004, 4904, 4804, 4704], "{engine}");

        // A break on the second page is found there.
        let target = audit::PAGE + 3;
        tamper(
            &t,
            &format!("UPDATE audit_log SET actor_id = 999 WHERE seq = {target}"),
        )
        .await;
        assert_eq!(
            verdict(db).await,
            broken(target, Fault::Altered),
            "{engine}"
        );
        t.finish().await;
    }
}
