//! Events on every engine: putting them on the calendar with organisers and
//! projects (all or nothing), series expanded into occurrences, changes
//! and cancellations told to the people coming, the door (check-in counted
//! once, walk-ins, undo), private calendar feeds, and the iCalendar text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, TimeZone, Utc};
use coproduce_core::audit::Via;
use coproduce_core::events::{EventForm, NewEvent, Status};
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::rsvps::{Needs, Place, Response};
use coproduce_store::memberships::By;
use coproduce_store::people::NewPerson;
use coproduce_store::{
    attendance, calendar, calendar_feeds, events, memberships, people, rsvps, tables, Db,
    StoreError,
};
use sqlx::Row;

use common::now;

fn by(actor: i64) -> By {
    By {
        actor: Some(actor),
        via: Via::Web,
        now: now(),
    }
}

async fn person(db: &Db, name: &str, role: Role) -> i64 {
    people::create(
        db,
        &NewPerson {
            email: &Email::parse(&format!(
                "{}@example.org",
                name.to_lowercase().replace(' ', ".")
            ))
            .unwrap(),
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
    sqlx::query(
        "INSERT INTO projects (title, summary, stage, lead_id, created_at, updated_at)
         VALUES ($1, '', 'planning', $2, $3, $3) RETURNING id",
    )
    .bind(title)
    .bind(lead)
    .bind(coproduce_store::time::encode(now()))
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap()
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

/// A make day a week after `now`, 10am to 4pm London time (BST in May).
fn make_day() -> EventForm {
    EventForm {
        kind: "make".into(),
        title: "Make day: greener streets".into(),
        goals: "Form teams around three ideas".into(),
        format: "in_person".into(),
        venue: "Brixton Library".into(),
        starts_at: "2026-05-09T10:00".into(),
        ends_at: "2026-05-09T16:00".into(),
        capacity: "2".into(),
        ..EventForm::default()
    }
}

fn parse(form: &EventForm) -> NewEvent {
    NewEvent::parse(form, now(), None).unwrap()
}

#[tokio::test]
async fn events_are_created_whole_with_organisers_and_projects() {
    for t in common::engines().await {
        let db = &t.db;
        let officer = person(db, "Olu", Role::Officer).await;
        let sam = person(db, "Sam", Role::Resident).await;
        let garden = project(db, "Garden", sam).await;
        let before = count(db, "SELECT count(*) FROM events").await;
        let audit_before = count(db, "SELECT count(*) FROM audit_log").await;

        // An address nobody has, and a project that does not exist: refused,
        // each named, and nothing written.
        let wrong = parse(&EventForm {
            organisers: "sam@example.org, nobody@example.org".into(),
            ..make_day()
        });
        match events::create(db, &wrong, by(officer)).await {
            Err(StoreError::Invalid(i)) => {
                assert_eq!(i.field, "organisers");
                assert!(i.message.contains("nobody@example.org"), "{}", i.message);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        let wrong = parse(&EventForm {
            projects: format!("{garden}, 999999"),
            ..make_day()
        });
        match events::create(db, &wrong, by(officer)).await {
            Err(StoreError::Invalid(i)) => assert_eq!(i.field, "projects"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(count(db, "SELECT count(*) FROM events").await, before);
        assert_eq!(
            count(db, "SELECT count(*) FROM audit_log").await,
            audit_before
        );

        let good = parse(&EventForm {
            organisers: "SAM@example.org".into(),
            projects: garden.to_string(),
            latitude: "51.4613".into(),
            longitude: "-0.1156".into(),
            ..make_day()
        });
        let id = events::create(db, &good, by(officer)).await.unwrap();
        let e = events::get(db, id).await.unwrap().unwrap();
        assert_eq!(e.title, "Make day: greener streets");
        // 10am BST is 9am UTC.
        assert_eq!(
            e.starts_at,
            Utc.with_ymd_and_hms(2026, 5, 9, 9, 0, 0).unwrap()
        );
        assert_eq!(e.point, Some((51.4613, -0.1156)));
        assert_eq!(e.status, Status::Scheduled);
        let names: Vec<String> = events::organisers(db, id)
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.name)
            .collect();
        assert_eq!(names, ["Olu", "Sam"]);
        assert_eq!(
            events::projects(db, id).await.unwrap(),
            [(garden, "Garden".to_owned())]
        );
        assert_eq!(events::for_project(db, garden).await.unwrap()[0].id, id);
        // The policy learns who organises what.
        assert!(memberships::for_person(db, sam)
            .await
            .unwrap()
            .events
            .contains(&id));
        assert_eq!(
            count(
                db,
                "SELECT count(*) FROM audit_log WHERE action = 'event.create'"
            )
            .await,
            1
        );
    }
}

#[tokio::test]
async fn a_monthly_series_shows_each_date_and_stays_upcoming() {
    for t in common::engines().await {
        let db = &t.db;
        let officer = person(db, "Olu", Role::Officer).await;
        // The first Wednesday of May 2026 is the 6th; six times, to October.
        let meetup = parse(&EventForm {
            kind: "meetup".into(),
            title: "Evening drop-in".into(),
            goals: String::new(),
            starts_at: "2026-05-06T18:00".into(),
            ends_at: "2026-05-06T20:00".into(),
            repeats: "monthly".into(),
            times: "6".into(),
            capacity: String::new(),
            ..make_day()
        });
        let id = events::create(db, &meetup, by(officer)).await.unwrap();
        let e = events::get(db, id).await.unwrap().unwrap();
        assert_eq!(e.repeats.as_deref(), Some("FREQ=MONTHLY;BYDAY=1WE;COUNT=6"));

        let dates = events::calendar(db, now(), now() + Duration::days(365), 50)
            .await
            .unwrap();
        let ours: Vec<_> = dates.iter().filter(|o| o.event.id == id).collect();
        assert_eq!(ours.len(), 6);
        // Each at 6pm London time: 17:00 UTC in summer, 18:00 after October's change.
        assert_eq!(
            ours[0].starts_at,
            Utc.with_ymd_and_hms(2026, 5, 6, 17, 0, 0).unwrap()
        );
        assert_eq!(
            ours[5].starts_at,
            Utc.with_ymd_and_hms(2026, 10, 7, 17, 0, 0).unwrap()
        );
        assert_eq!(ours[5].ends_at - ours[5].starts_at, Duration::hours(2));

        // After the first date has passed the series is still coming up.
        let later = Utc.with_ymd_and_hms(2026, 7, 2, 12, 0, 0).unwrap();
        let upcoming = events::upcoming(db, later, 10).await.unwrap();
        let found = upcoming.iter().find(|u| u.id == id).unwrap();
        assert_eq!(
            found.next_start(later),
            Some(Utc.with_ymd_and_hms(2026, 8, 5, 17, 0, 0).unwrap())
        );
        // After the last, it is not.
        let over = Utc.with_ymd_and_hms(2026, 10, 8, 0, 0, 0).unwrap();
        assert!(events::upcoming(db, over, 10)
            .await
            .unwrap()
            .iter()
            .all(|u| u.id != id));
    }
}

#[tokio::test]
async fn changes_and_cancellations_reach_the_people_coming() {
    for t in common::engines().await {
        let db = &t.db;
        let officer = person(db, "Olu", Role::Officer).await;
        let a = person(db, "Ama", Role::Resident).await;
        let b = person(db, "Ben", Role::Resident).await;
        let c = person(db, "Cat", Role::Resident).await;
        let d = person(db, "Dev", Role::Resident).await;
        let id = events::create(db, &parse(&make_day()), by(officer))
            .await
            .unwrap();
        for p in [a, b, c] {
            rsvps::respond(db, id, p, Response::Going, &Needs::default(), by(p))
                .await
                .unwrap();
        }
        rsvps::respond(db, id, d, Response::NotGoing, &Needs::default(), by(d))
            .await
            .unwrap();
        assert_eq!(
            rsvps::own(db, id, c).await.unwrap().unwrap().place,
            Some(Place::Waiting)
        );
        let outbox = "SELECT count(*) FROM outbox";
        let before = count(db, outbox).await;

        // A new time and one more place: the three going are told, the one
        // not going is not, and the waiting list moves up.
        let moved = parse(&EventForm {
            starts_at: "2026-05-10T10:00".into(),
            ends_at: "2026-05-10T16:00".into(),
            capacity: "3".into(),
            ..make_day()
        });
        events::update(db, id, &moved, by(officer)).await.unwrap();
        let e = events::get(db, id).await.unwrap().unwrap();
        assert_eq!(e.sequence, 1);
        assert_eq!(
            rsvps::own(db, id, c).await.unwrap().unwrap().place,
            Some(Place::Confirmed)
        );
        let changed = count(
            db,
            "SELECT count(*) FROM outbox WHERE kind = 'event_changed'",
        )
        .await;
        assert_eq!(changed, 3);
        let placed = count(db, "SELECT count(*) FROM outbox WHERE kind = 'event_place'").await;
        assert_eq!(placed, 1);
        assert_eq!(count(db, outbox).await, before + 4);
        // The organiser who changed it stays one, though the form named nobody.
        assert_eq!(
            events::organisers(db, id).await.unwrap()[0].person_id,
            officer
        );

        // Cancelling needs a reason; then everyone coming is told once.
        match events::cancel(db, id, " ", by(officer)).await {
            Err(StoreError::Invalid(i)) => assert_eq!(i.field, "reason"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        events::cancel(db, id, "The library is flooded", by(officer))
            .await
            .unwrap();
        let e = events::get(db, id).await.unwrap().unwrap();
        assert!(e.is_cancelled());
        assert_eq!(e.sequence, 2);
        assert_eq!(e.cancel_reason, "The library is flooded");
        assert_eq!(
            count(
                db,
                "SELECT count(*) FROM outbox WHERE kind = 'event_cancelled'"
            )
            .await,
            3
        );
        assert!(events::cancel(db, id, "again", by(officer)).await.is_err());
        assert!(events::update(db, id, &moved, by(officer)).await.is_err());
    }
}

#[tokio::test]
async fn the_door_counts_each_person_once() {
    for t in common::engines().await {
        let db = &t.db;
        let officer = person(db, "Olu", Role::Officer).await;
        let ama = person(db, "Ama Boateng", Role::Resident).await;
        let ben = person(db, "Ben Okafor", Role::Resident).await;
        let stranger = person(db, "Stranger", Role::Resident).await;
        let with_creche = EventForm {
            creche_capacity: "5".into(),
            ..make_day()
        };
        let id = events::create(db, &parse(&with_creche), by(officer))
            .await
            .unwrap();
        let at = events::get(db, id).await.unwrap().unwrap().starts_at;
        let kids = Needs::parse("1", "4", "", "", true).unwrap();
        rsvps::respond(db, id, ama, Response::Going, &kids, by(ama))
            .await
            .unwrap();
        rsvps::respond(db, id, ben, Response::Maybe, &Needs::default(), by(ben))
            .await
            .unwrap();

        let first = attendance::check_in(db, id, at, ama, by(officer))
            .await
            .unwrap();
        assert!(first.new);
        let later = By {
            now: now() + Duration::minutes(5),
            ..by(officer)
        };
        let again = attendance::check_in(db, id, at, ama, later).await.unwrap();
        assert!(!again.new);
        assert_eq!(again.at, first.at, "the first check-in's time stands");
        assert_eq!(count(db, "SELECT count(*) FROM event_attendance").await, 1);
        assert_eq!(
            count(
                db,
                "SELECT count(*) FROM audit_log WHERE action = 'event.check_in'"
            )
            .await,
            1
        );
        // Someone who never answered is a walk-in, not a check-in.
        assert!(matches!(
            attendance::check_in(db, id, at, stranger, by(officer)).await,
            Err(StoreError::NotFound)
        ));
        assert!(attendance::walk_in(db, id, at, "  ", by(officer))
            .await
            .is_err());
        let walk = attendance::walk_in(db, id, at, "Chidi", by(officer))
            .await
            .unwrap();

        let list = attendance::door_list(db, id, at, "").await.unwrap();
        let names: Vec<&str> = list.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Ama Boateng", "Ben Okafor", "Chidi"]);
        assert_eq!(list[0].creche_children, 1);
        assert!(list[0].checked_in_at.is_some() && list[1].checked_in_at.is_none());
        // Search ignores case, and finds walk-ins too.
        let found = attendance::door_list(db, id, at, "OKAF").await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "Ben Okafor");
        assert_eq!(
            attendance::door_list(db, id, at, "chi")
                .await
                .unwrap()
                .len(),
            1
        );
        let n = attendance::count(db, id, at).await.unwrap();
        assert_eq!((n.answered, n.walk_ins), (1, 1));
        assert_eq!(attendance::attended(db, ama).await.unwrap(), [(id, at)]);

        // The QR code finds its person, for this event only.
        let code = rsvps::own(db, id, ama)
            .await
            .unwrap()
            .unwrap()
            .checkin_code
            .unwrap();
        assert_eq!(code.len(), 20);
        assert_eq!(
            attendance::by_code(db, id, &code).await.unwrap(),
            Some((ama, "Ama Boateng".to_owned()))
        );
        assert_eq!(attendance::by_code(db, id + 1, &code).await.unwrap(), None);
        // A changed answer keeps its code.
        rsvps::respond(db, id, ama, Response::Maybe, &Needs::default(), by(ama))
            .await
            .unwrap();
        let kept = rsvps::own(db, id, ama).await.unwrap().unwrap().checkin_code;
        assert_eq!(kept.as_deref(), Some(code.as_str()));

        attendance::undo(db, id, walk, by(officer)).await.unwrap();
        assert!(matches!(
            attendance::undo(db, id, walk, by(officer)).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(attendance::count(db, id, at).await.unwrap().walk_ins, 0);
    }
}

#[tokio::test]
async fn private_feeds_open_with_their_secret_until_replaced_or_revoked() {
    for t in common::engines().await {
        let db = &t.db;
        let officer = person(db, "Olu", Role::Officer).await;
        let ama = person(db, "Ama", Role::Resident).await;
        let going = events::create(db, &parse(&make_day()), by(officer))
            .await
            .unwrap();
        let other = events::create(
            db,
            &parse(&EventForm {
                title: "Another day".into(),
                ..make_day()
            }),
            by(officer),
        )
        .await
        .unwrap();
        rsvps::respond(db, going, ama, Response::Going, &Needs::default(), by(ama))
            .await
            .unwrap();
        rsvps::respond(db, other, ama, Response::Maybe, &Needs::default(), by(ama))
            .await
            .unwrap();

        calendar_feeds::replace(db, ama, "hash-one", by(ama))
            .await
            .unwrap();
        assert_eq!(
            calendar_feeds::owner(db, "hash-one").await.unwrap(),
            Some(ama)
        );
        calendar_feeds::replace(db, ama, "hash-two", by(ama))
            .await
            .unwrap();
        assert_eq!(calendar_feeds::owner(db, "hash-one").await.unwrap(), None);
        assert_eq!(
            calendar_feeds::owner(db, "hash-two").await.unwrap(),
            Some(ama)
        );
        assert!(calendar_feeds::made_at(db, ama).await.unwrap().is_some());

        // Only the event with a place is in their feed; both organise-side.
        let mine = events::for_person_feed(db, ama, now()).await.unwrap();
        assert_eq!(mine.iter().map(|e| e.id).collect::<Vec<_>>(), [going]);
        let theirs = events::for_person_feed(db, officer, now()).await.unwrap();
        assert_eq!(theirs.len(), 2);

        assert!(calendar_feeds::revoke(db, ama, by(ama)).await.unwrap());
        assert_eq!(calendar_feeds::owner(db, "hash-two").await.unwrap(), None);
        assert!(!calendar_feeds::revoke(db, ama, by(ama)).await.unwrap());
    }
}

#[tokio::test]
async fn the_public_calendar_carries_series_and_cancellations() {
    for t in common::engines().await {
        let db = &t.db;
        let officer = person(db, "Olu", Role::Officer).await;
        let single = events::create(db, &parse(&make_day()), by(officer))
            .await
            .unwrap();
        events::create(
            db,
            &parse(&EventForm {
                kind: "meetup".into(),
                title: "Evening drop-in".into(),
                starts_at: "2026-05-06T18:00".into(),
                ends_at: "2026-05-06T20:00".into(),
                repeats: "monthly".into(),
                ..make_day()
            }),
            by(officer),
        )
        .await
        .unwrap();
        events::cancel(db, single, "Rain", by(officer))
            .await
            .unwrap();
        let text = calendar::public(db, "https://coproduce.lambeth.example", now())
            .await
            .unwrap();
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
        assert!(text.contains(&format!("UID:event-{single}@coproduce.lambeth.example")));
        assert!(text.contains("STATUS:CANCELLED"));
        assert!(text.contains("RRULE:FREQ=MONTHLY;BYDAY=1WE"));
        assert!(text.contains("BEGIN:VTIMEZONE"));
    }
}

#[tokio::test]
async fn a_series_keeps_each_dates_attendance_apart() {
    for t in common::engines().await {
        let db = &t.db;
        let officer = person(db, "Olu", Role::Officer).await;
        let ama = person(db, "Ama", Role::Resident).await;
        let form = EventForm {
            kind: "meetup".into(),
            title: "Evening drop-in".into(),
            starts_at: "2026-05-06T18:00".into(),
            ends_at: "2026-05-06T20:00".into(),
            repeats: "monthly".into(),
            ..make_day()
        };
        let id = events::create(db, &parse(&form), by(officer))
            .await
            .unwrap();
        let e = events::get(db, id).await.unwrap().unwrap();
        rsvps::respond(db, id, ama, Response::Going, &Needs::default(), by(ama))
            .await
            .unwrap();
        let may = e
            .occurrence_on(chrono::NaiveDate::from_ymd_opt(2026, 5, 6).unwrap())
            .unwrap();
        let june = e
            .occurrence_on(chrono::NaiveDate::from_ymd_opt(2026, 6, 3).unwrap())
            .unwrap();
        assert_eq!(
            e.occurrence_on(chrono::NaiveDate::from_ymd_opt(2026, 6, 4).unwrap()),
            None
        );
        // The door opens on the date under way or next: late on the night
        // of 6 May it is still May's.
        assert_eq!(e.door_occurrence(may + Duration::hours(3)), may);
        assert_eq!(e.door_occurrence(may + Duration::days(2)), june);
        assert_eq!(
            e.dates_around(june, 1),
            [
                may,
                june,
                e.occurrence_on(chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap())
                    .unwrap()
            ]
        );

        assert!(
            attendance::check_in(db, id, may, ama, by(officer))
                .await
                .unwrap()
                .new
        );
        assert!(
            attendance::check_in(db, id, june, ama, by(officer))
                .await
                .unwrap()
                .new
        );
        assert!(
            !attendance::check_in(db, id, june, ama, by(officer))
                .await
                .unwrap()
                .new
        );
        assert_eq!(
            attendance::attended(db, ama).await.unwrap(),
            [(id, may), (id, june)]
        );
        assert_eq!(attendance::count(db, id, may).await.unwrap().answered, 1);
        let july = e
            .occurrence_on(chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap())
            .unwrap();
        let list = attendance::door_list(db, id, july, "").await.unwrap();
        assert!(list[0].checked_in_at.is_none(), "July's door starts empty");
    }
}

#[tokio::test]
async fn people_stand_at_one_table_and_may_move() {
    for t in common::engines().await {
        let db = &t.db;
        let officer = person(db, "Olu", Role::Officer).await;
        let ama = person(db, "Ama", Role::Resident).await;
        let ben = person(db, "Ben", Role::Resident).await;
        let cat = person(db, "Cat", Role::Resident).await;
        let garden = project(db, "Garden", ama).await;
        let repair = project(db, "Repair cafe", ama).await;
        let elsewhere = project(db, "Elsewhere", ama).await;
        let form = EventForm {
            projects: format!("{garden}, {repair}"),
            tables_by: "11:00".into(),
            ..make_day()
        };
        let new = parse(&form);
        assert_eq!(new.tables_check_minutes, Some(60));
        let id = events::create(db, &new, by(officer)).await.unwrap();
        let e = events::get(db, id).await.unwrap().unwrap();
        assert_eq!(e.tables_check_minutes, Some(60));
        let at = e.starts_at;
        for p in [ama, ben] {
            rsvps::respond(db, id, p, Response::Going, &Needs::default(), by(p))
                .await
                .unwrap();
        }
        rsvps::respond(db, id, cat, Response::NotGoing, &Needs::default(), by(cat))
            .await
            .unwrap();

        tables::stand(db, id, at, ama, Some(garden), by(ama))
            .await
            .unwrap();
        tables::stand(db, id, at, ben, Some(garden), by(ben))
            .await
            .unwrap();
        let counts = |b: Vec<tables::Table>| {
            b.iter()
                .map(|t| (t.title.clone(), t.people))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            counts(tables::board(db, id, at).await.unwrap()),
            [("Garden".to_owned(), 2), ("Repair cafe".to_owned(), 0)]
        );
        // Moving leaves the first table; standing where one stands changes
        // nothing and logs nothing.
        tables::stand(db, id, at, ben, Some(repair), by(ben))
            .await
            .unwrap();
        tables::stand(db, id, at, ben, Some(repair), by(ben))
            .await
            .unwrap();
        assert_eq!(
            counts(tables::board(db, id, at).await.unwrap()),
            [("Garden".to_owned(), 1), ("Repair cafe".to_owned(), 1)]
        );
        assert_eq!(
            count(
                db,
                "SELECT count(*) FROM audit_log WHERE action = 'event.table'"
            )
            .await,
            3
        );
        assert_eq!(
            tables::standing_at(db, id, at, ben).await.unwrap(),
            Some(repair)
        );
        tables::stand(db, id, at, ben, None, by(ben)).await.unwrap();
        assert_eq!(tables::standing_at(db, id, at, ben).await.unwrap(), None);

        // Not coming, or a project the event does not work on: refused.
        for (who, project) in [(cat, garden), (ama, elsewhere)] {
            match tables::stand(db, id, at, who, Some(project), by(who)).await {
                Err(StoreError::Invalid(i)) => assert_eq!(i.field, "project"),
                other => panic!("expected a refusal, got {other:?}"),
            }
        }
        // The organiser may stand anywhere on the board without answering.
        tables::stand(db, id, at, officer, Some(repair), by(officer))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_selection_round_counts_every_ballot_once_and_makes_projects() {
    use coproduce_core::selection::{NewRound, RoundForm};
    use coproduce_store::selection;

    for t in common::engines().await {
        let db = &t.db;
        let officer = person(db, "Olu", Role::Officer).await;
        let outsider = person(db, "Stranger", Role::Resident).await;
        let idea = project(db, "Street piano", officer).await;
        sqlx::query("UPDATE projects SET stage = 'idea' WHERE id = $1")
            .bind(idea)
            .execute(db.pool())
            .await
            .unwrap();
        let id = events::create(db, &parse(&make_day()), by(officer))
            .await
            .unwrap();
        let new = NewRound::parse(&RoundForm {
            title: "Our next projects".into(),
            method: "dots".into(),
            dots: "3".into(),
            ideas: "Tool library: lend drills\nSeed swap".into(),
            projects: idea.to_string(),
            ..RoundForm::default()
        })
        .unwrap();
        let round = selection::open(db, id, &new, by(officer)).await.unwrap();
        let r = selection::get(db, id, round).await.unwrap().unwrap();
        let c: Vec<i64> = r.candidates.iter().map(|c| c.id).collect();
        assert_eq!(c.len(), 3);
        assert_eq!(r.candidates[2].project_id, Some(idea));

        // Twelve people at the event vote at once; each ballot counts once.
        let mut voters = Vec::new();
        for n in 0..12 {
            let p = person(db, &format!("Voter{n}"), Role::Resident).await;
            rsvps::respond(db, id, p, Response::Maybe, &Needs::default(), by(p))
                .await
                .unwrap();
            voters.push(p);
        }
        let ballots: Vec<Vec<(i64, i64)>> = (0..12)
            .map(|n| match n % 3 {
                0 => vec![(c[0], 3)],
                1 => vec![(c[0], 1), (c[1], 2)],
                _ => vec![(c[2], 1), (c[1], 1)],
            })
            .collect();
        let mut tasks = Vec::new();
        for (p, b) in voters.iter().zip(&ballots) {
            let db = db.clone();
            let (p, b) = (*p, b.clone());
            tasks.push(tokio::spawn(async move {
                selection::vote(&db, id, round, p, &b, by(p)).await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        // Someone changes their mind: the new ballot replaces the old.
        selection::vote(db, id, round, voters[0], &[(c[1], 3)], by(voters[0]))
            .await
            .unwrap();
        // Too many dots, not at the event: refused.
        assert!(
            selection::vote(db, id, round, voters[1], &[(c[0], 4)], by(voters[1]))
                .await
                .is_err()
        );
        match selection::vote(db, id, round, outsider, &[(c[0], 1)], by(outsider)).await {
            Err(StoreError::Invalid(i)) => assert!(i.message.contains("answer"), "{}", i.message),
            other => panic!("expected a refusal, got {other:?}"),
        }
        let (counts, n) = selection::results(db, round).await.unwrap();
        assert_eq!(n, 12);
        // c0: three ballots of 3 (the fourth changed away) and four of 1 = 13;
        // c1: four of 2, four of 1 and the changed 3 = 15; c2: four of 1.
        let points: Vec<(i64, i64, i64)> = counts
            .iter()
            .map(|x| (x.candidate_id, x.points, x.voters))
            .collect();
        assert_eq!(points, [(c[1], 15, 9), (c[0], 13, 7), (c[2], 4, 4)]);

        // Deciding needs the voting closed; then two go forward as projects.
        assert!(selection::decide(db, id, round, &[c[1]], by(officer))
            .await
            .is_err());
        selection::close(db, id, round, by(officer)).await.unwrap();
        assert!(
            selection::vote(db, id, round, voters[2], &[(c[0], 1)], by(voters[2]))
                .await
                .is_err()
        );
        let made = selection::decide(db, id, round, &[c[1], c[2]], by(officer))
            .await
            .unwrap();
        assert_eq!(made[1], idea, "the recorded idea moves on, not copied");
        for p in &made {
            let stage: String = sqlx::query("SELECT stage FROM projects WHERE id = $1")
                .bind(p)
                .fetch_one(db.pool())
                .await
                .unwrap()
                .try_get(0)
                .unwrap();
            assert_eq!(stage, "selected");
            assert_eq!(
                selection::chosen_in(db, *p).await.unwrap().unwrap().1,
                round
            );
        }
        let history = count(
            db,
            "SELECT count(*) FROM project_stage_history WHERE to_stage = 'selected'",
        )
        .await;
        assert_eq!(history, 2);
        assert!(selection::decide(db, id, round, &[c[0]], by(officer))
            .await
            .is_err());
    }
}

#[tokio::test]
async fn each_date_is_reminded_of_once_to_the_people_with_places() {
    use coproduce_store::reminders;

    for t in common::engines().await {
        let db = &t.db;
        let officer = person(db, "Olu", Role::Officer).await;
        let ama = person(db, "Ama", Role::Resident).await;
        let ben = person(db, "Ben", Role::Resident).await;
        let cat = person(db, "Cat", Role::Resident).await;
        // A weekly online drop-in for one place, from Wednesday 6 May, 6pm.
        let form = EventForm {
            kind: "meetup".into(),
            title: "Online drop-in".into(),
            format: "online".into(),
            venue: String::new(),
            meeting_link: "https://meet.example.org/weekly".into(),
            starts_at: "2026-05-06T18:00".into(),
            ends_at: "2026-05-06T19:00".into(),
            repeats: "weekly".into(),
            capacity: "1".into(),
            ..make_day()
        };
        let id = events::create(db, &parse(&form), by(officer))
            .await
            .unwrap();
        let cancelled = events::create(db, &parse(&make_day()), by(officer))
            .await
            .unwrap();
        rsvps::respond(db, id, ama, Response::Going, &Needs::default(), by(ama))
            .await
            .unwrap();
        rsvps::respond(db, id, ben, Response::Going, &Needs::default(), by(ben))
            .await
            .unwrap();
        rsvps::respond(
            db,
            cancelled,
            cat,
            Response::Going,
            &Needs::default(),
            by(cat),
        )
        .await
        .unwrap();
        events::cancel(db, cancelled, "No hall", by(officer))
            .await
            .unwrap();
        let reminders_sent = "SELECT count(*) FROM outbox WHERE kind = 'event_reminder'";

        // Two days ahead, nothing is due.
        assert_eq!(reminders::send_due(db, now()).await.unwrap(), 0);
        // The day before the first date: Ama, who has the place, is told,
        // with the link; Ben, waiting, is not; again an hour later, nothing.
        let day_before = Utc.with_ymd_and_hms(2026, 5, 5, 17, 30, 0).unwrap();
        assert_eq!(reminders::send_due(db, day_before).await.unwrap(), 1);
        assert_eq!(
            reminders::send_due(db, day_before + Duration::hours(1))
                .await
                .unwrap(),
            0
        );
        let body: String = sqlx::query(
            "SELECT body_text FROM outbox WHERE kind = 'event_reminder' AND to_address = 'ama@example.org'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
        assert!(body.contains("https://meet.example.org/weekly"), "{body}");
        assert!(body.contains("Wednesday 6 May 2026, 6pm to 7pm"), "{body}");
        // The next week's date is reminded of in its turn.
        let next = Utc.with_ymd_and_hms(2026, 5, 12, 17, 30, 0).unwrap();
        assert_eq!(reminders::send_due(db, next).await.unwrap(), 1);
        assert_eq!(count(db, reminders_sent).await, 2);
    }
}
