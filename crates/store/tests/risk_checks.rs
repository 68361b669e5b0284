//! Checks and their evidence on every engine: submission, verification by
//! someone else only (refused by the database too), sending back, waivers,
//! the catalogue's versions, and expiry warnings sent once through the
//! outbox.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Days, NaiveDate};
use coproduce_core::audit::Via;
use coproduce_core::money::Pence;
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::risk::checks::{State, Submission};
use coproduce_store::memberships::By;
use coproduce_store::people::NewPerson;
use coproduce_store::risk::{catalogue, checks};
use coproduce_store::{outbox, people, Db, StoreError};
use sqlx::Row;

use common::now;

async fn person(db: &Db, email: &str, role: Role) -> i64 {
    people::create(
        db,
        &NewPerson {
            email: &Email::parse(email).unwrap(),
            display_name: &DisplayName::parse(email.split('@').next().unwrap()).unwrap(),
            role,
            password_hash: None,
            ward_id: None,
        },
        None,
        Via::System,
        now(),
    )
    .await
    .unwrap()
}

async fn project(db: &Db, lead: i64) -> i64 {
    let row = sqlx::query(
        "INSERT INTO projects (title, summary, stage, lead_id, created_at, updated_at)
         VALUES ('BBQ bike', 'Hot food at fun days', 'planning', $1, $2, $2) RETURNING id",
    )
    .bind(lead)
    .bind(coproduce_store::time::encode(now()))
    .fetch_one(db.pool())
    .await
    .unwrap();
    row.try_get("id").unwrap()
}

fn by(actor: i64) -> By {
    By {
        actor: Some(actor),
        via: Via::Web,
        now: now(),
    }
}

fn today() -> NaiveDate {
    now().date_naive()
}

#[tokio::test]
async fn evidence_is_verified_by_someone_else_and_the_database_refuses_self_verification() {
    for t in common::engines().await {
        let db = &t.db;
        let lead = person(db, "lead@example.org", Role::Resident).await;
        let officer = person(db, "officer@example.org", Role::Officer).await;
        let p = project(db, lead).await;
        let s = Submission {
            reference: "FBR-2026-0042".into(),
            ..Submission::default()
        };
        checks::submit(db, p, "food-business-registration", &s, None, by(lead))
            .await
            .unwrap();
        let rec = &checks::records(db, p).await.unwrap()["food-business-registration"];
        assert_eq!(rec.state(today()), State::Submitted, "{}", t.engine);
        assert_eq!(rec.submission.as_ref().unwrap().reference, "FBR-2026-0042");

        // The submitter cannot verify, whatever door they come through.
        let own = checks::verify(db, p, "food-business-registration", None, by(lead)).await;
        assert!(matches!(own, Err(StoreError::Conflict(_))), "{}", t.engine);
        let direct = sqlx::query(
            "UPDATE project_checks SET verified_by = submitted_by WHERE project_id = $1",
        )
        .bind(p)
        .execute(db.pool())
        .await;
        assert!(
            direct.is_err(),
            "{}: the CHECK constraint refuses it",
            t.engine
        );

        let until = today() + Days::new(365);
        checks::verify(
            db,
            p,
            "food-business-registration",
            Some(until),
            by(officer),
        )
        .await
        .unwrap();
        let rec = &checks::records(db, p).await.unwrap()["food-business-registration"];
        assert_eq!(rec.state(today()), State::Verified, "{}", t.engine);
        assert_eq!(rec.valid_until, Some(until));
        // Verifying twice is a conflict, not a second verification.
        assert!(
            checks::verify(db, p, "food-business-registration", None, by(officer))
                .await
                .is_err()
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn evidence_sent_back_is_missing_again_and_a_waiver_needs_a_reason() {
    for t in common::engines().await {
        let db = &t.db;
        let lead = person(db, "lead@example.org", Role::Resident).await;
        let officer = person(db, "officer@example.org", Role::Officer).await;
        let p = project(db, lead).await;
        let s = Submission {
            insurer: "Zurich".into(),
            reference: "PL-1".into(),
            cover: Some(Pence::new(500_000_000)),
            expires_on: Some(today() + Days::new(200)),
            ..Submission::default()
        };
        checks::submit(db, p, "public-liability-insurance", &s, None, by(lead))
            .await
            .unwrap();
        checks::send_back(
            db,
            p,
            "public-liability-insurance",
            "The policy names another group",
            by(officer),
        )
        .await
        .unwrap();
        let rec = &checks::records(db, p).await.unwrap()["public-liability-insurance"];
        assert_eq!(rec.state(today()), State::Missing, "{}", t.engine);
        assert_eq!(rec.returned_reason, "The policy names another group");

        checks::waive(
            db,
            p,
            "allergen-information",
            "Only whole fruit is given away",
            by(officer),
        )
        .await
        .unwrap();
        let rec = &checks::records(db, p).await.unwrap()["allergen-information"];
        assert_eq!(rec.state(today()), State::Waived);
        let blank = sqlx::query("UPDATE project_checks SET waived_reason = '' WHERE project_id = $1 AND check_key = 'allergen-information'")
            .bind(p)
            .execute(db.pool())
            .await;
        assert!(
            blank.is_err(),
            "{}: a waiver always has its reason",
            t.engine
        );
        checks::withdraw_waiver(db, p, "allergen-information", by(officer))
            .await
            .unwrap();
        let rec = &checks::records(db, p).await.unwrap()["allergen-information"];
        assert_eq!(rec.state(today()), State::Missing);

        let actions: Vec<String> = sqlx::query(
            "SELECT action FROM audit_log WHERE object_type = 'project' AND object_id = $1 ORDER BY seq",
        )
        .bind(p.to_string())
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("action").unwrap())
        .collect();
        for a in [
            "project.check_submitted",
            "project.check_returned",
            "project.check_waived",
            "project.check_waiver_withdrawn",
        ] {
            assert!(
                actions.iter().any(|x| x == a),
                "{}: {a} in {actions:?}",
                t.engine
            );
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn expiring_checks_are_warned_about_once_per_expiry() {
    for t in common::engines().await {
        let db = &t.db;
        let lead = person(db, "lead@example.org", Role::Resident).await;
        let officer = person(db, "officer@example.org", Role::Officer).await;
        let p = project(db, lead).await;
        checks::submit(
            db,
            p,
            "risk-assessment",
            &Submission::default(),
            None,
            by(lead),
        )
        .await
        .unwrap();
        checks::verify(
            db,
            p,
            "risk-assessment",
            Some(today() + Days::new(20)),
            by(officer),
        )
        .await
        .unwrap();
        let system = By {
            actor: None,
            via: Via::System,
            now: now(),
        };
        let title = |k: &str| format!("check {k}");
        assert_eq!(
            checks::warn_expiring(db, today(), title, system)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            checks::warn_expiring(db, today(), title, system)
                .await
                .unwrap(),
            0,
            "{}: only once",
            t.engine
        );
        let sent = outbox::to_address(db, "lead@example.org", 10)
            .await
            .unwrap();
        assert_eq!(sent.len(), 1, "{}", t.engine);
        assert!(
            sent[0].subject.contains("check risk-assessment expires"),
            "{}",
            sent[0].subject
        );
        assert!(sent[0]
            .body_text
            .contains(&format!("/projects/{p}/checks#check-risk-assessment")));
        let soon = checks::expiring(db, today() + Days::new(30), Some(lead))
            .await
            .unwrap();
        assert_eq!(soon.len(), 1);
        assert!(checks::expiring(db, today() + Days::new(30), Some(officer))
            .await
            .unwrap()
            .is_empty());
        t.finish().await;
    }
}

#[tokio::test]
async fn catalogue_edits_are_versions_and_a_stale_edit_is_refused() {
    for t in common::engines().await {
        let db = &t.db;
        let officer = person(db, "officer@example.org", Role::Officer).await;
        let shipped = catalogue::current(db).await.unwrap();
        assert_eq!(shipped.version, 0);
        let edited = shipped.body.replace("lead_days = 28", "lead_days = 30");
        let v = catalogue::save(
            db,
            &edited,
            "Our food team asks for 30 days",
            0,
            by(officer),
        )
        .await
        .unwrap();
        let current = catalogue::current(db).await.unwrap();
        assert_eq!(current.version, v, "{}", t.engine);
        assert!(current.body.contains("lead_days = 30"));
        let stale = catalogue::save(db, &shipped.body, "Back to 28", 0, by(officer)).await;
        assert!(
            matches!(stale, Err(StoreError::Conflict(_))),
            "{}",
            t.engine
        );
        assert!(catalogue::save(db, "version = ", "Broken", v, by(officer))
            .await
            .is_err());
        assert_eq!(catalogue::versions(db).await.unwrap().len(), 1);
        t.finish().await;
    }
}
