//! The action learning set on every engine: a session is made whole (its
//! event and its tie to the set) or not at all; partners ask, are accepted
//! with a place in the same transaction, and are told; the log shows each
//! reader only what its authors let them read; publishing to the toolkit
//! makes an entry public and an article at once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use coproduce_core::audit::Via;
use coproduce_core::learning::{
    Ask, AskForm, EntryForm, MemberRole, NewEntry, NewSession, NewSet, RequestState, SessionForm,
    SetForm, Standing, Visibility,
};
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::rsvps::Place;
use coproduce_core::toolkit::{ArticleForm, NewArticle};
use coproduce_store::learning::{self, Filter};
use coproduce_store::memberships::By;
use coproduce_store::people::NewPerson;
use coproduce_store::{people, rsvps, toolkit, Db, StoreError};
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
            email: &Email::parse(&format!("{}@example.org", name.to_lowercase())).unwrap(),
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

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

fn new_set() -> NewSet {
    NewSet::parse(&SetForm {
        title: "Cooperative working 2026".into(),
        purpose: "Staff and partners learn from each other's projects.".into(),
        open_to_partners: Some("on".into()),
    })
    .unwrap()
}

fn session(theme: &str, day: u32, capacity: &str) -> NewSession {
    NewSession::parse(
        &SessionForm {
            theme: theme.into(),
            format: "in_person".into(),
            venue: "Town Hall, room 2".into(),
            starts_at: format!("2026-05-{day:02}T14:00"),
            ends_at: format!("2026-05-{day:02}T16:30"),
            capacity: capacity.into(),
            ..SessionForm::default()
        },
        now(),
    )
    .unwrap()
}

fn entry(kind: &str, body: &str, visibility: &str, tags: &str, session: Option<i64>) -> NewEntry {
    NewEntry::parse(&EntryForm {
        kind: kind.into(),
        body: body.into(),
        tags: tags.into(),
        visibility: visibility.into(),
        session: session.map(|s| s.to_string()).unwrap_or_default(),
        project: String::new(),
    })
    .unwrap()
}

#[tokio::test]
async fn sessions_are_events_of_the_set_made_whole_and_numbered_by_date() {
    for t in common::engines().await {
        let db = &t.db;
        let olu = person(db, "Olu", Role::Officer).await;
        let set = learning::create(db, &new_set(), by(olu)).await.unwrap();
        let members = learning::members(db, set).await.unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!(members[0].role, MemberRole::Organiser);

        let later =
            learning::add_session(db, set, &session("Money at arm's length", 20, ""), by(olu))
                .await
                .unwrap();
        let sooner = learning::add_session(db, set, &session("Risk early", 6, ""), by(olu))
            .await
            .unwrap();
        let sessions = learning::sessions(db, set).await.unwrap();
        assert_eq!(
            sessions
                .iter()
                .map(|s| (s.number, s.event_id))
                .collect::<Vec<_>>(),
            [(1, sooner), (2, later)]
        );
        // The session is an event the set's organisers organise.
        let kind: String = sqlx::query("SELECT kind FROM events WHERE id = $1")
            .bind(sooner)
            .fetch_one(db.pool())
            .await
            .unwrap()
            .try_get("kind")
            .unwrap();
        assert_eq!(kind, "learning");
        assert_eq!(
            coproduce_store::events::organised_by(db, olu)
                .await
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            learning::set_of_event(db, later).await.unwrap().unwrap().2,
            "Money at arm's length"
        );

        // A set that does not exist: nothing is written, not even the event.
        let events_before = count(db, "SELECT count(*) FROM events").await;
        let audit_before = count(db, "SELECT count(*) FROM audit_log").await;
        match learning::add_session(db, 999_999, &session("Nowhere", 9, ""), by(olu)).await {
            Err(StoreError::NotFound) => {}
            other => panic!("expected not found, got {other:?}"),
        }
        assert_eq!(
            count(db, "SELECT count(*) FROM events").await,
            events_before
        );
        assert_eq!(
            count(db, "SELECT count(*) FROM audit_log").await,
            audit_before
        );

        // Staff join; a second join changes nothing.
        let ama = person(db, "Ama", Role::Officer).await;
        learning::join(db, set, ama, by(ama)).await.unwrap();
        learning::join(db, set, ama, by(ama)).await.unwrap();
        assert!(learning::standing(db, set, Some(ama))
            .await
            .unwrap()
            .in_set());
        learning::make_organiser(db, set, ama, by(olu))
            .await
            .unwrap();
        assert!(learning::standing(db, set, Some(ama))
            .await
            .unwrap()
            .organises());
        assert_eq!(
            coproduce_store::events::organised_by(db, ama)
                .await
                .unwrap()
                .len(),
            2,
            "a new organiser organises the set's sessions"
        );
    }
}

#[tokio::test]
async fn partners_ask_and_are_accepted_with_a_place_or_declined() {
    for t in common::engines().await {
        let db = &t.db;
        let olu = person(db, "Olu", Role::Officer).await;
        let set = learning::create(db, &new_set(), by(olu)).await.unwrap();
        let full = learning::add_session(db, set, &session("Risk early", 6, "1"), by(olu))
            .await
            .unwrap();
        let pat = person(db, "Pat", Role::Resident).await;
        let kim = person(db, "Kim", Role::Resident).await;
        let ask = Ask::parse(&AskForm {
            organisation: "Brixton Tenants' Association".into(),
            message: "We run the estate garden.".into(),
        })
        .unwrap();
        let outbox_before = count(db, "SELECT count(*) FROM outbox").await;
        let pat_asks = learning::ask(db, set, full, pat, &ask, by(pat))
            .await
            .unwrap();
        assert_eq!(
            count(db, "SELECT count(*) FROM outbox").await,
            outbox_before + 1,
            "the organiser is told"
        );
        match learning::ask(db, set, full, pat, &ask, by(pat)).await {
            Err(StoreError::Invalid(i)) => assert!(i.message.contains("already asked"), "{i}"),
            other => panic!("asking twice is refused, got {other:?}"),
        }
        let kim_asks = learning::ask(db, set, full, kim, &ask, by(kim))
            .await
            .unwrap();
        assert_eq!(learning::waiting_requests(db, set).await.unwrap().len(), 2);

        assert_eq!(
            learning::answer(db, set, pat_asks, true, by(olu))
                .await
                .unwrap(),
            RequestState::Accepted
        );
        let standing = learning::standing(db, set, Some(pat)).await.unwrap();
        assert_eq!(standing.role, Some(MemberRole::Partner));
        // Attendance at the session counts towards the set's record.
        let starts = learning::session_in(db, set, full)
            .await
            .unwrap()
            .unwrap()
            .starts_at;
        coproduce_store::attendance::check_in(db, full, starts, pat, by(olu))
            .await
            .unwrap();
        assert_eq!(learning::attendance(db, set).await.unwrap(), [(pat, 1)]);
        let mine = rsvps::own(db, full, pat).await.unwrap().unwrap();
        assert_eq!(mine.place, Some(Place::Confirmed));
        // The session holds one: the next partner accepted waits for a place.
        learning::answer(db, set, kim_asks, true, by(olu))
            .await
            .unwrap();
        let kims = rsvps::own(db, full, kim).await.unwrap().unwrap();
        assert_eq!(kims.place, Some(Place::Waiting));
        match learning::answer(db, set, kim_asks, false, by(olu)).await {
            Err(StoreError::Invalid(i)) => assert!(i.message.contains("already"), "{i}"),
            other => panic!("answering twice is refused, got {other:?}"),
        }
        assert!(learning::waiting_requests(db, set)
            .await
            .unwrap()
            .is_empty());
        let told = count(
            db,
            "SELECT count(*) FROM outbox WHERE kind = 'learning_answer'",
        )
        .await;
        assert_eq!(told, 2);
        // Their request is in their data export, and erasure clears its words.
        let data = coproduce_store::privacy::export(db, pat, now())
            .await
            .unwrap();
        assert_eq!(
            data["learning_requests"][0]["message"],
            "We run the estate garden."
        );
        coproduce_store::privacy::erase(db, pat, Some(pat), Via::Web, now())
            .await
            .unwrap();
        let message: String = sqlx::query("SELECT message FROM learning_requests WHERE id = $1")
            .bind(pat_asks)
            .fetch_one(db.pool())
            .await
            .unwrap()
            .try_get("message")
            .unwrap();
        assert_eq!(message, "");

        // A declined request, on another session.
        let next = learning::add_session(db, set, &session("Money", 20, ""), by(olu))
            .await
            .unwrap();
        let lee = person(db, "Lee", Role::Resident).await;
        let lee_asks = learning::ask(db, set, next, lee, &ask, by(lee))
            .await
            .unwrap();
        assert_eq!(
            learning::answer(db, set, lee_asks, false, by(olu))
                .await
                .unwrap(),
            RequestState::Declined
        );
        assert_eq!(
            learning::standing(db, set, Some(lee)).await.unwrap().role,
            None
        );
        assert!(rsvps::own(db, next, lee).await.unwrap().is_none());
        // A request of another set is nobody's business here.
        let other = learning::create(db, &new_set(), by(olu)).await.unwrap();
        assert!(matches!(
            learning::answer(db, other, lee_asks, true, by(olu)).await,
            Err(StoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn each_reader_sees_what_authors_allowed_and_filters_narrow_it() {
    for t in common::engines().await {
        let db = &t.db;
        let olu = person(db, "Olu", Role::Officer).await;
        let set = learning::create(db, &new_set(), by(olu)).await.unwrap();
        let risk = learning::add_session(db, set, &session("Risk early", 6, ""), by(olu))
            .await
            .unwrap();
        let pat = person(db, "Pat", Role::Resident).await;
        let ask = Ask::parse(&AskForm {
            organisation: "Garden group".into(),
            message: String::new(),
        })
        .unwrap();
        let q = learning::ask(db, set, risk, pat, &ask, by(pat))
            .await
            .unwrap();
        learning::answer(db, set, q, true, by(olu)).await.unwrap();

        learning::write(
            db,
            set,
            &entry(
                "challenge",
                "Insurance took weeks",
                "set",
                "insurance, risk",
                Some(risk),
            ),
            by(olu),
        )
        .await
        .unwrap();
        learning::write(
            db,
            set,
            &entry(
                "success",
                "The landowner said yes",
                "partners",
                "land",
                Some(risk),
            ),
            by(olu),
        )
        .await
        .unwrap();
        learning::write(
            db,
            set,
            &entry(
                "insight",
                "Ask the landowner first",
                "public",
                "land, risk",
                None,
            ),
            by(olu),
        )
        .await
        .unwrap();
        learning::write(
            db,
            set,
            &entry(
                "question",
                "Who signs the risk assessment?",
                "set",
                "risk",
                Some(risk),
            ),
            by(pat),
        )
        .await
        .unwrap();

        let read = |reader: Standing| async move {
            learning::entries(db, set, &Filter::default(), reader)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.body)
                .collect::<Vec<_>>()
        };
        let staff = learning::standing(db, set, Some(olu)).await.unwrap();
        let partner = learning::standing(db, set, Some(pat)).await.unwrap();
        let anyone = Standing::outsider();
        assert_eq!(read(staff).await.len(), 4);
        // The partner reads what was shared with partners, and their own
        // question though it was written for the set.
        assert_eq!(
            read(partner).await,
            [
                "Who signs the risk assessment?",
                "Ask the landowner first",
                "The landowner said yes"
            ]
        );
        assert_eq!(read(anyone).await, ["Ask the landowner first"]);

        let by_tag = learning::entries(
            db,
            set,
            &Filter {
                tag: Some("risk".into()),
                ..Filter::default()
            },
            staff,
        )
        .await
        .unwrap();
        assert_eq!(by_tag.len(), 3);
        let by_theme = learning::entries(
            db,
            set,
            &Filter {
                theme: Some("Risk early".into()),
                ..Filter::default()
            },
            partner,
        )
        .await
        .unwrap();
        assert_eq!(by_theme.len(), 2);
        let tags = learning::tag_counts(db, set, anyone).await.unwrap();
        assert_eq!(tags, [("land".to_owned(), 1), ("risk".to_owned(), 1)]);

        // A session of another set, and a project that does not exist, are refused.
        let other = learning::create(db, &new_set(), by(olu)).await.unwrap();
        match learning::write(
            db,
            other,
            &entry("insight", "x", "set", "", Some(risk)),
            by(olu),
        )
        .await
        {
            Err(StoreError::Invalid(i)) => assert_eq!(i.field, "session"),
            got => panic!("expected a refusal, got {got:?}"),
        }
        let mut bad = entry("insight", "x", "set", "", None);
        bad.project = Some(999_999);
        match learning::write(db, set, &bad, by(olu)).await {
            Err(StoreError::Invalid(i)) => assert_eq!(i.field, "project"),
            got => panic!("expected a refusal, got {got:?}"),
        }
    }
}

#[tokio::test]
async fn publishing_makes_the_entry_public_and_an_article_once() {
    for t in common::engines().await {
        let db = &t.db;
        let olu = person(db, "Olu", Role::Officer).await;
        let ama = person(db, "Ama", Role::Officer).await;
        let set = learning::create(db, &new_set(), by(olu)).await.unwrap();
        let risk = learning::add_session(db, set, &session("Risk early", 6, ""), by(olu))
            .await
            .unwrap();
        let id = learning::write(
            db,
            set,
            &entry(
                "insight",
                "Ask the **landowner** first. It saves weeks.",
                "set",
                "land",
                Some(risk),
            ),
            by(ama),
        )
        .await
        .unwrap();
        let slug = learning::publish(db, set, id, by(ama)).await.unwrap();
        assert_eq!(slug, "insight-ask-the-landowner-first");
        let e = learning::entry_in(db, set, id).await.unwrap().unwrap();
        assert_eq!(e.visibility, Visibility::Public);
        assert_eq!(e.article.as_deref(), Some(slug.as_str()));
        let article = toolkit::get(db, &slug).await.unwrap().unwrap();
        assert_eq!(article.author_id, Some(ama));
        assert_eq!(article.entry_id, Some(id));
        assert_eq!(article.set_id, Some(set));
        assert!(article.summary.contains("Risk early"));
        // Again: the same article, not a second one.
        assert_eq!(learning::publish(db, set, id, by(ama)).await.unwrap(), slug);
        assert_eq!(count(db, "SELECT count(*) FROM toolkit_articles").await, 1);
        // Once in the toolkit, the entry cannot be hidden again.
        match learning::rewrite(
            db,
            set,
            id,
            &entry("insight", "Changed", "set", "", None),
            by(ama),
        )
        .await
        {
            Err(StoreError::Invalid(i)) => assert_eq!(i.field, "visibility"),
            got => panic!("expected a refusal, got {got:?}"),
        }
        learning::rewrite(
            db,
            set,
            id,
            &entry("insight", "Changed", "public", "land, risk", None),
            by(ama),
        )
        .await
        .unwrap();
        let e = learning::entry_in(db, set, id).await.unwrap().unwrap();
        assert_eq!((e.body.as_str(), e.tags.len()), ("Changed", 2));

        // An article with the same title gets an address of its own.
        let same = NewArticle::parse(&ArticleForm {
            title: "Insight: Ask the landowner first".into(),
            category: "risk-and-safety".into(),
            summary: String::new(),
            body: "Another take.".into(),
        })
        .unwrap();
        let second = toolkit::create(db, &same, by(olu)).await.unwrap();
        assert_eq!(second, "insight-ask-the-landowner-first-2");
        toolkit::update(
            db,
            &second,
            &NewArticle {
                body: "Edited".into(),
                ..same
            },
            by(olu),
        )
        .await
        .unwrap();
        assert_eq!(
            toolkit::get(db, &second).await.unwrap().unwrap().body,
            "Edited"
        );
        assert_eq!(
            toolkit::list(db, Some("risk-and-safety"), 10)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(toolkit::list(db, None, 10).await.unwrap().len(), 2);
        let audit = count(
            db,
            "SELECT count(*) FROM audit_log WHERE action IN ('toolkit.publish', 'toolkit.update', 'learning.entry.publish')",
        )
        .await;
        assert_eq!(audit, 4);
    }
}
