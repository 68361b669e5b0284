//! The liability matrix and site visits on every engine: holdings recorded
//! and read back with their gaps, visits scheduled and recorded once, and
//! a visit's outcome settling the checks it served in its own transaction.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Days, NaiveDate};
use coproduce_core::audit::Via;
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::projects::contacts::Visibility;
use coproduce_core::projects::details::{Activity, ActivityEntry};
use coproduce_core::risk::checks::{State, Submission};
use coproduce_core::risk::liability::{gaps, Gap, Holding, Liability, Party};
use coproduce_core::risk::visits::{Outcome, Report, Schedule};
use coproduce_core::risk::Facts;
use coproduce_store::memberships::By;
use coproduce_store::people::NewPerson;
use coproduce_store::projects::contacts::{self, NewDocument};
use coproduce_store::risk::{checks, liability, visits};
use coproduce_store::{people, Db, StoreError};
use sqlx::Row;

use common::now;

async fn person(db: &Db, email: &str, name: &str, role: Role) -> i64 {
    people::create(
        db,
        &NewPerson {
            email: &Email::parse(email).unwrap(),
            display_name: &DisplayName::parse(name).unwrap(),
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

async fn project(db: &Db, title: &str, lead: i64) -> i64 {
    let row = sqlx::query(
        "INSERT INTO projects (title, summary, stage, lead_id, created_at, updated_at)
         VALUES ($1, 'Growing food on the estate', 'planning', $2, $3, $3) RETURNING id",
    )
    .bind(title)
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

fn growing() -> Facts {
    Facts {
        activities: [Activity::PhysicalWork, Activity::ThirdPartyPremises]
            .into_iter()
            .map(|activity| ActivityEntry {
                activity,
                detail: "Clapham Park Homes".into(),
                attendance: None,
            })
            .collect(),
        lone_lead: false,
        starts_on: None,
    }
}

fn held(liability: Liability, party: Party, evidence: &str) -> Holding {
    Holding {
        liability,
        party: Some(party),
        holder: "Clapham Park Homes".into(),
        evidence: evidence.into(),
        document_id: None,
        not_applicable: String::new(),
    }
}

fn photo() -> NewDocument<'static> {
    NewDocument {
        title: "The food store",
        file_name: "store.png",
        kind: "png",
        size_bytes: 67,
        blob_id: "0000000000000000000000000000000000000000000000000000000000000000",
        visibility: Visibility::Public,
    }
}

async fn actions(db: &Db, project: i64) -> Vec<String> {
    sqlx::query(
        "SELECT action FROM audit_log WHERE object_type = 'project' AND object_id = $1 ORDER BY seq",
    )
    .bind(project.to_string())
    .fetch_all(db.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get("action").unwrap())
    .collect()
}

#[tokio::test]
async fn holdings_are_recorded_replaced_and_read_back_with_their_gaps() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let lead = person(db, "lead@example.org", "Dee Lead", Role::Resident).await;
        let p = project(db, "Poly tunnel", lead).await;
        let other = project(db, "Another project", lead).await;
        assert!(liability::holdings(db, p).await.unwrap().is_empty());
        assert_eq!(gaps(&growing(), &[]).len(), 4, "{engine}");

        // Held by the landowner, but nothing shows it yet: still a gap.
        liability::set(
            db,
            p,
            &held(Liability::PublicLiability, Party::Landowner, ""),
            by(lead),
        )
        .await
        .unwrap();
        let now_held = liability::holdings(db, p).await.unwrap();
        assert!(gaps(&growing(), &now_held).contains(&Gap::NoEvidence {
            liability: Liability::PublicLiability,
            party: Party::Landowner
        }));

        // Recorded again with its policy, the row is replaced, not doubled.
        let doc = contacts::add_document(db, p, &photo(), by(lead))
            .await
            .unwrap();
        let with_evidence = Holding {
            evidence: "Zurich policy PL-2231, £5m".into(),
            document_id: Some(doc),
            ..held(Liability::PublicLiability, Party::Landowner, "")
        };
        liability::set(db, p, &with_evidence, by(lead))
            .await
            .unwrap();
        liability::set(
            db,
            p,
            &held(
                Liability::FinancialProbity,
                Party::FundHolder,
                "Fund-holding agreement",
            ),
            by(lead),
        )
        .await
        .unwrap();
        let entries = liability::entries(db, p).await.unwrap();
        assert_eq!(entries.len(), 2, "{engine}");
        assert_eq!(entries[0].holding, with_evidence, "{engine}");
        assert_eq!(entries[0].updated_by.as_deref(), Some("Dee Lead"));
        assert_eq!(entries[0].updated_at, now());
        assert_eq!(
            entries[1].holding.liability,
            Liability::FinancialProbity,
            "{engine}: the matrix's order"
        );
        let left: Vec<Liability> = gaps(&growing(), &liability::holdings(db, p).await.unwrap())
            .iter()
            .map(Gap::liability)
            .collect();
        assert_eq!(
            left,
            [Liability::EmployersLiability, Liability::PropertyDamage],
            "{engine}"
        );

        // Another project's document cannot be evidence here.
        let theirs = contacts::add_document(db, other, &photo(), by(lead))
            .await
            .unwrap();
        let borrowed = Holding {
            document_id: Some(theirs),
            ..held(Liability::PropertyDamage, Party::Landowner, "")
        };
        match liability::set(db, p, &borrowed, by(lead)).await {
            Err(StoreError::Invalid(i)) => assert_eq!(i.field, "document", "{engine}"),
            other => panic!("{engine}: expected the document refused, got {other:?}"),
        }
        assert_eq!(liability::holdings(db, p).await.unwrap().len(), 2);

        let audit = actions(db, p).await;
        assert_eq!(
            audit
                .iter()
                .filter(|a| *a == "project.liability_set")
                .count(),
            3,
            "{engine}: {audit:?}"
        );
        t.finish().await;
    }
}

#[tokio::test]
async fn a_passed_visit_verifies_what_it_served_and_is_recorded_once() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let lead = person(db, "lead@example.org", "Dee Lead", Role::Resident).await;
        let officer = person(db, "amara@example.org", "Amara Officer", Role::Officer).await;
        let p = project(db, "BBQ bike", lead).await;
        assert_eq!(
            visits::officers(db).await.unwrap(),
            [(officer, "Amara Officer".to_owned())]
        );

        // Only an officer can be sent.
        let s = Schedule {
            scheduled_for: today() + Days::new(7),
            officer: None,
            checks: vec!["food-site-visit".into(), "food-hygiene-training".into()],
        };
        match visits::schedule(db, p, &s, lead, by(officer)).await {
            Err(StoreError::Invalid(i)) => assert_eq!(i.field, "officer"),
            other => panic!("{engine}: expected the officer refused, got {other:?}"),
        }
        let v = visits::schedule(db, p, &s, officer, by(officer))
            .await
            .unwrap();
        // Training evidence waits on the check; the visit passes it too.
        checks::submit(
            db,
            p,
            "food-hygiene-training",
            &Submission {
                person_name: "Dee Lead".into(),
                ..Submission::default()
            },
            None,
            by(lead),
        )
        .await
        .unwrap();

        let row = visits::get(db, p, v).await.unwrap().unwrap();
        assert_eq!(row.scheduled_for, today() + Days::new(7), "{engine}");
        assert_eq!(row.officer_name, "Amara Officer");
        assert_eq!(row.checks, ["food-hygiene-training", "food-site-visit"]);
        assert!(row.outcome.is_none() && row.recorded_at.is_none());
        assert!(visits::get(db, p + 1, v).await.unwrap().is_none());

        let report = Report {
            outcome: Outcome::Pass,
            notes: "Clean, cold store at 3°C, hot water at the sink".into(),
        };
        let until = today() + Days::new(365);
        visits::record(
            db,
            p,
            v,
            &report,
            &[("food-site-visit".into(), Some(until))],
            &[photo()],
            by(officer),
        )
        .await
        .unwrap();

        let records = checks::records(db, p).await.unwrap();
        let site = &records["food-site-visit"];
        assert_eq!(site.state(today()), State::Verified, "{engine}");
        assert_eq!(site.verified_by, Some(officer));
        assert_eq!(site.valid_until, Some(until));
        let training = &records["food-hygiene-training"];
        assert_eq!(training.state(today()), State::Verified, "{engine}");
        assert_eq!(training.valid_until, None, "{engine}: not in `settle`");

        let row = visits::get(db, p, v).await.unwrap().unwrap();
        assert_eq!(row.outcome, Some(Outcome::Pass), "{engine}");
        assert_eq!(row.notes, report.notes);
        assert_eq!(row.recorded_at, Some(now()));
        assert_eq!(row.recorded_by.as_deref(), Some("Amara Officer"));
        assert_eq!(row.photos.len(), 1, "{engine}");
        let (doc, title) = &row.photos[0];
        assert_eq!(title, "The food store");
        // Photos are the team's, whatever the caller asked.
        let stored = contacts::document_of(db, p, *doc).await.unwrap().unwrap();
        assert_eq!(stored.visibility, Visibility::Team, "{engine}");

        // Recording again is refused, and changes nothing.
        let again = Report {
            outcome: Outcome::Fail,
            notes: "Changed my mind about the sink".into(),
        };
        match visits::record(db, p, v, &again, &[], &[photo()], by(officer)).await {
            Err(StoreError::Conflict(m)) => assert!(m.contains("already been recorded"), "{m}"),
            other => panic!("{engine}: expected a conflict, got {other:?}"),
        }
        assert!(matches!(
            visits::record(db, p, v + 100, &again, &[], &[], by(officer)).await,
            Err(StoreError::NotFound)
        ));
        let row = visits::get(db, p, v).await.unwrap().unwrap();
        assert_eq!(
            (row.outcome, row.photos.len()),
            (Some(Outcome::Pass), 1),
            "{engine}"
        );
        assert_eq!(contacts::documents(db, p).await.unwrap().len(), 1);

        let audit = actions(db, p).await;
        for action in [
            "project.site_visit_scheduled",
            "project.site_visit_recorded",
        ] {
            assert!(audit.iter().any(|a| a == action), "{engine}: {audit:?}");
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn a_failed_visit_sends_its_checks_back_and_an_officer_cannot_pass_their_own_evidence() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let lead = person(db, "lead@example.org", "Dee Lead", Role::Resident).await;
        let officer = person(db, "amara@example.org", "Amara Officer", Role::Officer).await;
        let p = project(db, "BBQ bike", lead).await;
        let schedule = |key: &str| Schedule {
            scheduled_for: today(),
            officer: None,
            checks: vec![key.to_owned()],
        };
        let evidence = Submission {
            reference: "FBR-2026-0042".into(),
            ..Submission::default()
        };

        // A fail sends the waiting evidence back with the visit's notes.
        checks::submit(
            db,
            p,
            "food-business-registration",
            &evidence,
            None,
            by(lead),
        )
        .await
        .unwrap();
        let v = visits::schedule(
            db,
            p,
            &schedule("food-business-registration"),
            officer,
            by(officer),
        )
        .await
        .unwrap();
        let notes = "Raw chicken stored above salad: move it and book another visit";
        visits::record(
            db,
            p,
            v,
            &Report {
                outcome: Outcome::Fail,
                notes: notes.into(),
            },
            &[],
            &[],
            by(officer),
        )
        .await
        .unwrap();
        let rec = &checks::records(db, p).await.unwrap()["food-business-registration"];
        assert_eq!(rec.state(today()), State::Missing, "{engine}");
        assert_eq!(rec.returned_reason, notes);

        // Evidence the officer submitted themselves: the pass is refused and
        // nothing of the visit is kept.
        checks::submit(db, p, "risk-assessment", &evidence, None, by(officer))
            .await
            .unwrap();
        let own = visits::schedule(db, p, &schedule("risk-assessment"), officer, by(officer))
            .await
            .unwrap();
        let pass = Report {
            outcome: Outcome::Pass,
            notes: String::new(),
        };
        match visits::record(db, p, own, &pass, &[], &[photo()], by(officer)).await {
            Err(StoreError::Conflict(m)) => {
                assert!(m.contains("another officer must pass it"), "{m}")
            }
            other => panic!("{engine}: expected a conflict, got {other:?}"),
        }
        let row = visits::get(db, p, own).await.unwrap().unwrap();
        assert!(row.outcome.is_none() && row.photos.is_empty(), "{engine}");
        assert!(contacts::documents(db, p).await.unwrap().is_empty());
        let rec = &checks::records(db, p).await.unwrap()["risk-assessment"];
        assert_eq!(rec.state(today()), State::Submitted, "{engine}");

        // Another officer can.
        let second = person(db, "bo@example.org", "Bo Officer", Role::Admin).await;
        visits::record(db, p, own, &pass, &[], &[], by(second))
            .await
            .unwrap();
        let rec = &checks::records(db, p).await.unwrap()["risk-assessment"];
        assert_eq!(rec.state(today()), State::Verified, "{engine}");
        assert_eq!(rec.verified_by, Some(second));
        t.finish().await;
    }
}

#[tokio::test]
async fn due_visits_are_found_by_officer_and_by_owner() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        let lead = person(db, "lead@example.org", "Dee Lead", Role::Resident).await;
        let co = person(db, "co@example.org", "Cy Owner", Role::Resident).await;
        let amara = person(db, "amara@example.org", "Amara Officer", Role::Officer).await;
        let bo = person(db, "bo@example.org", "Bo Officer", Role::Officer).await;
        let bbq = project(db, "BBQ bike", lead).await;
        let tunnel = project(db, "Poly tunnel", co).await;
        sqlx::query(
            "INSERT INTO project_members (project_id, person_id, role, since) VALUES ($1, $2, 'co_owner', $3)",
        )
        .bind(bbq)
        .bind(co)
        .bind(coproduce_store::time::encode(now()))
        .execute(db.pool())
        .await
        .unwrap();
        let at = |days: u64| Schedule {
            scheduled_for: today() + Days::new(days),
            officer: None,
            checks: vec!["food-site-visit".into()],
        };
        let soon = visits::schedule(db, bbq, &at(2), amara, by(amara))
            .await
            .unwrap();
        let later = visits::schedule(db, tunnel, &at(20), bo, by(amara))
            .await
            .unwrap();
        let today_one = visits::schedule(db, tunnel, &at(0), bo, by(bo))
            .await
            .unwrap();
        let ids = |d: Vec<visits::DueVisit>| d.iter().map(|v| v.visit_id).collect::<Vec<_>>();
        let week = today() + Days::new(7);

        assert_eq!(
            ids(visits::due(db, week, None, None).await.unwrap()),
            [today_one, soon],
            "{engine}: soonest first, within the week"
        );
        let all = visits::due(db, today() + Days::new(30), None, None)
            .await
            .unwrap();
        assert_eq!(ids(all.clone()), [today_one, soon, later], "{engine}");
        assert_eq!(all[1].project_title, "BBQ bike");
        assert_eq!(all[1].officer_name, "Amara Officer");
        assert_eq!(all[1].scheduled_for, today() + Days::new(2));
        assert_eq!(
            ids(visits::due(db, week, Some(bo), None).await.unwrap()),
            [today_one],
            "{engine}"
        );
        // The lead sees their project; the co-owner sees both.
        assert_eq!(
            ids(visits::due(db, week, None, Some(lead)).await.unwrap()),
            [soon],
            "{engine}"
        );
        assert_eq!(
            ids(visits::due(db, week, None, Some(co)).await.unwrap()),
            [today_one, soon],
            "{engine}"
        );
        assert_eq!(
            ids(visits::due(db, week, Some(amara), Some(co)).await.unwrap()),
            [soon],
            "{engine}: both filters at once"
        );

        // A recorded visit is no longer due.
        visits::record(
            db,
            tunnel,
            today_one,
            &Report {
                outcome: Outcome::Pass,
                notes: String::new(),
            },
            &[],
            &[],
            by(bo),
        )
        .await
        .unwrap();
        assert_eq!(
            ids(visits::due(db, week, None, None).await.unwrap()),
            [soon],
            "{engine}"
        );
        t.finish().await;
    }
}
