//! Answers to events on every engine: places up to the capacity and a
//! waiting list in turn, exact when fifty people answer at once; a place
//! given up goes to the first waiting, who is told; the crèche never takes
//! more children than it has places; needs kept only as given.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use coproduce_core::audit::Via;
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::rsvps::{Needs, Place, Response};
use coproduce_store::memberships::By;
use coproduce_store::people::NewPerson;
use coproduce_store::{people, rsvps, Db, StoreError};
use sqlx::Row;

use common::now;

fn by(actor: i64) -> By {
    By {
        actor: Some(actor),
        via: Via::Web,
        now: now(),
    }
}

async fn person(db: &Db, n: usize) -> i64 {
    people::create(
        db,
        &NewPerson {
            email: &Email::parse(&format!("person{n}@example.org")).unwrap(),
            display_name: &DisplayName::parse(&format!("Person {n}")).unwrap(),
            role: Role::Resident,
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

async fn event(db: &Db, capacity: Option<i64>, creche: Option<i64>) -> i64 {
    sqlx::query(
        "INSERT INTO events (kind, title, goals, starts_at, ends_at, capacity, creche_capacity, created_at)
         VALUES ('make', 'Make day', 'Start three projects', $1, $2, $3, $4, $1) RETURNING id",
    )
    .bind(coproduce_store::time::encode(now() + chrono::Duration::days(7)))
    .bind(coproduce_store::time::encode(
        now() + chrono::Duration::days(7) + chrono::Duration::hours(6),
    ))
    .bind(capacity)
    .bind(creche)
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get("id")
    .unwrap()
}

async fn places(db: &Db, event: i64) -> (i64, i64) {
    let r = sqlx::query(
        "SELECT CAST(COALESCE(SUM(CASE WHEN place = 'confirmed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS c,
                CAST(COALESCE(SUM(CASE WHEN place = 'waiting' THEN 1 ELSE 0 END), 0) AS BIGINT) AS w
         FROM event_rsvps WHERE event_id = $1",
    )
    .bind(event)
    .fetch_one(db.pool())
    .await
    .unwrap();
    (r.try_get("c").unwrap(), r.try_get("w").unwrap())
}

#[tokio::test]
async fn fifty_people_answering_at_once_never_overbook() {
    for t in common::engines().await {
        let db = &t.db;
        let e = event(db, Some(10), None).await;
        let mut ids = Vec::new();
        for n in 0..50 {
            ids.push(person(db, n).await);
        }
        let mut tasks = Vec::new();
        for id in ids.clone() {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                rsvps::respond(&db, e, id, Response::Going, &Needs::default(), by(id))
                    .await
                    .unwrap()
            }));
        }
        let mut confirmed = 0;
        for task in tasks {
            if task.await.unwrap().place == Some(Place::Confirmed) {
                confirmed += 1;
            }
        }
        assert_eq!(confirmed, 10, "{}", t.engine);
        assert_eq!(places(db, e).await, (10, 40));
        t.finish().await;
    }
}

#[tokio::test]
async fn a_place_given_up_goes_to_the_first_waiting_and_the_creche_has_limits() {
    for t in common::engines().await {
        let db = &t.db;
        let e = event(db, Some(2), Some(3)).await;
        let p: Vec<i64> = {
            let mut v = Vec::new();
            for n in 0..5 {
                v.push(person(db, n).await);
            }
            v
        };
        let none = Needs::default();
        let going = |n: usize| rsvps::respond(db, e, p[n], Response::Going, &none, by(p[n]));
        assert_eq!(going(0).await.unwrap().place, Some(Place::Confirmed));
        let kids = Needs::parse("2", "3 and 5", "", "no nuts", true).unwrap();
        let with_kids = rsvps::respond(db, e, p[1], Response::Going, &kids, by(p[1]))
            .await
            .unwrap();
        assert_eq!(with_kids.place, Some(Place::Confirmed));
        // The crèche has one place left.
        let too_many = rsvps::respond(
            db,
            e,
            p[2],
            Response::Going,
            &Needs::parse("2", "1 and 2", "", "", true).unwrap(),
            by(p[2]),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(too_many, StoreError::Invalid(ref i) if i.message.contains("1 place left"))
        );
        assert_eq!(going(2).await.unwrap().place, Some(Place::Waiting));
        assert_eq!(going(3).await.unwrap().place, Some(Place::Waiting));
        // Saying "going" again keeps one's turn.
        assert_eq!(going(2).await.unwrap().place, Some(Place::Waiting));
        // Maybe is not a place.
        let maybe = rsvps::respond(db, e, p[4], Response::Maybe, &Needs::default(), by(p[4]))
            .await
            .unwrap();
        assert_eq!(maybe.place, None);

        // Person 0 gives up their place: person 2, first in line, gets it.
        let left = rsvps::respond(db, e, p[0], Response::NotGoing, &Needs::default(), by(p[0]))
            .await
            .unwrap();
        assert_eq!(left.promoted, vec![p[2]]);
        assert_eq!(places(db, e).await, (2, 1));
        let told: i64 = sqlx::query(
            "SELECT count(*) AS n FROM outbox WHERE kind = 'event_place' AND to_address = 'person2@example.org'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
        assert_eq!(told, 1);

        // The organisers' list: places, then the waiting list, then maybes,
        // with needs as given.
        let list = rsvps::for_organisers(db, e).await.unwrap();
        let order: Vec<i64> = list.iter().map(|a| a.person_id).collect();
        assert_eq!(order[2..], [p[3], p[4]]);
        let parent = list.iter().find(|a| a.person_id == p[1]).unwrap();
        assert_eq!(parent.needs.creche_ages, "3 and 5");
        assert_eq!(parent.needs.dietary, "no nuts");
        assert_eq!(
            rsvps::own(db, e, p[3]).await.unwrap().unwrap().place,
            Some(Place::Waiting)
        );

        // Erasure takes the needs away.
        coproduce_store::privacy::erase(db, p[1], Some(p[1]), Via::Web, now())
            .await
            .unwrap();
        let list = rsvps::for_organisers(db, e).await.unwrap();
        let parent = list.iter().find(|a| a.person_id == p[1]).unwrap();
        assert!(parent.needs.is_empty());
        assert!(matches!(
            rsvps::respond(db, 9999, p[3], Response::Going, &Needs::default(), by(p[3])).await,
            Err(StoreError::NotFound)
        ));
        t.finish().await;
    }
}
