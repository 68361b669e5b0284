//! The outbox and password reset links, on every engine.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Duration;
use coproduce_core::outbox::{backoff, LEASE_MINUTES, MAX_ATTEMPTS};
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::reset::Refusal;
use coproduce_store::audit::Via;
use coproduce_store::outbox::{self, NewMessage, SITE};
use coproduce_store::passwords::{self, NewReset};
use coproduce_store::people::{self, NewPerson};
use coproduce_store::Db;

use common::now;

fn message<'a>(to: &'a str, body: &'a str) -> NewMessage<'a> {
    NewMessage {
        kind: "test",
        to_address: to,
        subject: "Hello",
        body_text: body,
    }
}

async fn queue(db: &Db, to: &str, body: &str, at: chrono::DateTime<chrono::Utc>) -> i64 {
    let mut tx = db.begin_write().await.unwrap();
    let id = outbox::enqueue(&mut tx, &message(to, body), at)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn a_message_is_queued_only_if_its_transaction_commits() {
    for t in common::engines().await {
        let db = &t.db;
        let mut tx = db.begin_write().await.unwrap();
        outbox::enqueue(&mut tx, &message("a@example.org", "rolled back"), now())
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(outbox::pending(db).await.unwrap(), 0, "{}", t.engine);

        let id = queue(db, "a@example.org", &format!("see {SITE}/x"), now()).await;
        let stored = outbox::get(db, id).await.unwrap().unwrap();
        assert_eq!(stored.attempts, 0);
        assert_eq!(stored.next_attempt_at, Some(now()), "due at once");
        assert_eq!(stored.sent_at, None);
        assert_eq!(
            stored.body_for("https://coproduce.example/"),
            "see https://coproduce.example/x"
        );
        assert_eq!(outbox::pending(db).await.unwrap(), 1, "{}", t.engine);
        t.finish().await;
    }
}

#[tokio::test]
async fn due_messages_are_claimed_once_in_order_and_in_batches() {
    for t in common::engines().await {
        let db = &t.db;
        let first = queue(db, "a@example.org", "1", now()).await;
        let second = queue(db, "b@example.org", "2", now()).await;
        let third = queue(db, "c@example.org", "3", now()).await;
        // Queued an hour from now: not due until then.
        queue(db, "d@example.org", "later", now() + Duration::hours(1)).await;

        let batch = outbox::claim_due(db, 2, now()).await.unwrap();
        let ids: Vec<i64> = batch.iter().map(|m| m.id).collect();
        assert_eq!(ids, [first, second], "{}", t.engine);
        assert!(batch.iter().all(|m| m.attempts == 1));

        // Claimed messages are leased: a second worker gets the rest only.
        let rest = outbox::claim_due(db, 10, now()).await.unwrap();
        let ids: Vec<i64> = rest.iter().map(|m| m.id).collect();
        assert_eq!(ids, [third], "{}", t.engine);
        assert!(outbox::claim_due(db, 10, now()).await.unwrap().is_empty());

        // A worker that stopped mid-send leaves its claim to lapse, and the
        // message is claimed again: delivery is at least once.
        let after_lease = now() + Duration::minutes(LEASE_MINUTES) + Duration::seconds(1);
        let again = outbox::claim_due(db, 10, after_lease).await.unwrap();
        let ids: Vec<i64> = again.iter().map(|m| m.id).collect();
        assert_eq!(ids, [first, second, third], "{}", t.engine);
        assert!(again.iter().all(|m| m.attempts == 2));
        t.finish().await;
    }
}

#[tokio::test]
async fn sent_messages_stay_sent_and_failures_back_off_then_give_up() {
    for t in common::engines().await {
        let db = &t.db;
        let ok = queue(db, "a@example.org", "fine", now()).await;
        let bad = queue(db, "b@example.org", "refused", now()).await;
        let claimed = outbox::claim_due(db, 10, now()).await.unwrap();
        outbox::mark_sent(db, ok, now()).await.unwrap();
        let failing = claimed.iter().find(|m| m.id == bad).unwrap();
        let next = outbox::mark_failed(db, failing, "550 mailbox unavailable", now())
            .await
            .unwrap();
        assert_eq!(next, Some(now() + backoff(1)), "{}", t.engine);

        let sent = outbox::get(db, ok).await.unwrap().unwrap();
        assert_eq!(sent.sent_at, Some(now()));
        assert_eq!(sent.next_attempt_at, None);
        let failed = outbox::get(db, bad).await.unwrap().unwrap();
        assert_eq!(
            failed.last_error.as_deref(),
            Some("550 mailbox unavailable")
        );
        assert_eq!(failed.sent_at, None);

        // Not again before the wait is over; then again, with a longer wait.
        assert!(
            outbox::claim_due(db, 10, now() + backoff(1) - Duration::seconds(1))
                .await
                .unwrap()
                .is_empty()
        );
        let mut at = now() + backoff(1);
        let retry = outbox::claim_due(db, 10, at).await.unwrap();
        assert_eq!(retry.len(), 1, "{}", t.engine);
        assert_eq!(retry[0].attempts, 2);
        let next = outbox::mark_failed(db, &retry[0], "still refused", at)
            .await
            .unwrap();
        assert_eq!(next, Some(at + backoff(2)));
        assert!(backoff(2) > backoff(1));

        // Keep failing until the last attempt: then it is given up on and
        // stays, with its error, out of the queue.
        let mut gave_up = false;
        for _ in 0..MAX_ATTEMPTS {
            at += Duration::days(1);
            let Some(m) = outbox::claim_due(db, 10, at).await.unwrap().pop() else {
                break;
            };
            if outbox::mark_failed(db, &m, "still refused", at)
                .await
                .unwrap()
                .is_none()
            {
                assert_eq!(m.attempts, MAX_ATTEMPTS);
                gave_up = true;
            }
        }
        assert!(gave_up, "{}", t.engine);
        assert_eq!(outbox::pending(db).await.unwrap(), 0);
        let kept = outbox::get(db, bad).await.unwrap().unwrap();
        assert_eq!((kept.sent_at, kept.next_attempt_at), (None, None));
        assert_eq!(kept.last_error.as_deref(), Some("still refused"));

        // Old sent messages are swept; unsent ones are not.
        assert_eq!(
            outbox::sweep_sent(db, now() + Duration::days(31))
                .await
                .unwrap(),
            1
        );
        assert!(outbox::get(db, ok).await.unwrap().is_none());
        assert!(outbox::get(db, bad).await.unwrap().is_some());
        t.finish().await;
    }
}

#[tokio::test]
async fn a_reset_link_works_once_within_the_hour_and_ends_every_session() {
    for t in common::engines().await {
        let db = &t.db;
        let email = Email::parse("ada@example.org").unwrap();
        let person = people::create(
            db,
            &NewPerson {
                email: &email,
                display_name: &DisplayName::parse("Ada").unwrap(),
                role: Role::Resident,
                password_hash: Some("old"),
                ward_id: None,
            },
            None,
            Via::Cli,
            now(),
        )
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO sessions (id_hash, person_id, csrf_token, created_at, last_seen_at, expires_at)
             VALUES ('s1', $1, 'c', $2, $2, $3), ('s2', $1, 'c', $2, $2, $3)",
        )
        .bind(person)
        .bind(coproduce_store::time::encode(now()))
        .bind(coproduce_store::time::encode(now() + Duration::hours(2)))
        .execute(db.pool())
        .await
        .unwrap();

        for hash in ["link-1", "link-2"] {
            passwords::issue_reset(
                db,
                &NewReset {
                    person_id: person,
                    token_hash: hash,
                    message: NewMessage {
                        kind: "password_reset",
                        to_address: email.as_str(),
                        subject: "Reset",
                        body_text: "link",
                    },
                },
                Via::Web,
                now(),
            )
            .await
            .unwrap();
        }
        assert_eq!(
            outbox::to_address(db, email.as_str(), 10)
                .await
                .unwrap()
                .len(),
            2
        );
        let soon = now() + Duration::minutes(10);
        assert_eq!(
            passwords::check_reset(db, "link-1", soon).await.unwrap(),
            Ok(person)
        );
        assert_eq!(
            passwords::check_reset(db, "nope", soon).await.unwrap(),
            Err(Refusal::Unknown)
        );
        assert_eq!(
            passwords::check_reset(db, "link-1", now() + Duration::minutes(60))
                .await
                .unwrap(),
            Err(Refusal::Expired),
            "{}",
            t.engine
        );

        let notice = |_: &str| ("Changed".to_owned(), "changed".to_owned());
        let done = passwords::reset(db, "link-1", "new", notice, Via::Web, soon)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(done.sessions_ended, 2, "{}", t.engine);
        assert_eq!(
            passwords::password_hash(db, person)
                .await
                .unwrap()
                .as_deref(),
            Some("new")
        );
        assert_eq!(
            passwords::reset(db, "link-1", "again", notice, Via::Web, soon)
                .await
                .unwrap(),
            Err(Refusal::Used)
        );
        // The other link in the inbox is closed by the new password.
        assert_eq!(
            passwords::reset(db, "link-2", "again", notice, Via::Web, soon)
                .await
                .unwrap(),
            Err(Refusal::Used),
            "{}",
            t.engine
        );
        assert_eq!(
            passwords::password_hash(db, person)
                .await
                .unwrap()
                .as_deref(),
            Some("new")
        );
        let queued = outbox::to_address(db, email.as_str(), 10).await.unwrap();
        assert_eq!(queued[0].kind, "password_reset_done");
        t.finish().await;
    }
}

#[tokio::test]
async fn reset_requests_are_counted_per_email_and_per_network_address() {
    for t in common::engines().await {
        let db = &t.db;
        for (email, from) in [
            ("a@x.org", "10.0.0.1"),
            ("a@x.org", "10.0.0.2"),
            ("b@x.org", "10.0.0.1"),
        ] {
            passwords::record_request(db, email, from, now())
                .await
                .unwrap();
        }
        let old = now() - Duration::hours(2);
        passwords::record_request(db, "a@x.org", "10.0.0.1", old)
            .await
            .unwrap();
        let counts = passwords::recent_requests(db, "a@x.org", "10.0.0.1", now())
            .await
            .unwrap();
        assert_eq!(
            (counts.for_account, counts.from_address),
            (2, 2),
            "{}",
            t.engine
        );
        assert_eq!(counts.latest_for_account, Some(now()));
        t.finish().await;
    }
}
