//! The taxonomy and skill profiles on every engine: an import is idempotent
//! and updates what changed, the starter set fills only an empty table,
//! decisions replace each other, and erasure takes a person's skills away.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use coproduce_core::audit::Via;
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::skills::{Decision, Origin};
use coproduce_skills::{Skill, Taxonomy};
use coproduce_store::memberships::By;
use coproduce_store::people::NewPerson;
use coproduce_store::skills::{self, Imported, Source};
use coproduce_store::{people, Db, StoreError};

use common::now;

fn by(actor: Option<i64>) -> By {
    By {
        actor,
        via: Via::Cli,
        now: now(),
    }
}

fn esco(id: &str, label: &str, alt: &[&str]) -> Skill {
    Skill {
        uri: format!("http://data.europa.eu/esco/skill/{id}"),
        label: label.to_owned(),
        alt_labels: alt.iter().map(|a| (*a).to_owned()).collect(),
        description: format!("The skill of {label}."),
    }
}

fn sample() -> Vec<Skill> {
    vec![
        esco("aaa-1", "prepare meals", &["cook meals", "make food"]),
        esco("bbb-2", "manage budgets", &["oversee budgets"]),
        esco("ccc-3", "coordinate volunteers", &[]),
    ]
}

async fn person(db: &Db, name: &str) -> i64 {
    let email = format!("{}@example.org", name.to_lowercase().replace(' ', "."));
    people::create(
        db,
        &NewPerson {
            email: &Email::parse(&email).unwrap(),
            display_name: &DisplayName::parse(name).unwrap(),
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

#[tokio::test]
async fn import_is_idempotent_and_updates_what_changed() {
    for t in common::engines().await {
        let db = &t.db;
        let mut heard = Vec::new();
        let first = skills::import(db, &sample(), Source::Esco, by(None), |d, n| {
            heard.push((d, n))
        })
        .await
        .unwrap();
        assert_eq!(
            first,
            Imported {
                added: 3,
                changed: 0,
                unchanged: 0
            },
            "{}",
            t.engine
        );
        assert_eq!(heard.last(), Some(&(3, 3)), "progress reaches the end");

        let again = skills::import(db, &sample(), Source::Esco, by(None), |_, _| {})
            .await
            .unwrap();
        assert_eq!(
            again,
            Imported {
                added: 0,
                changed: 0,
                unchanged: 3
            },
            "{}",
            t.engine
        );

        let mut edited = sample();
        edited[1].alt_labels.push("keep the accounts".to_owned());
        edited.push(esco("ddd-4", "teach English", &[]));
        let third = skills::import(db, &edited, Source::Esco, by(None), |_, _| {})
            .await
            .unwrap();
        assert_eq!(
            third,
            Imported {
                added: 1,
                changed: 1,
                unchanged: 2
            }
        );

        let taxonomy = skills::taxonomy(db).await.unwrap();
        assert_eq!(taxonomy.skills().len(), 4);
        assert_eq!(
            taxonomy.skills()[1].alt_labels,
            vec!["oversee budgets", "keep the accounts"],
            "alternative labels keep their order"
        );
        let counts = skills::counts(db).await.unwrap();
        assert_eq!((counts.total, counts.esco), (4, 4));
        t.finish().await;
    }
}

#[tokio::test]
async fn a_bad_file_changes_nothing() {
    for t in common::engines().await {
        let db = &t.db;
        let mut bad = sample();
        bad.push(esco("ok-5", "garden", &[]));
        bad.push(Skill {
            uri: "https://example.org/not-esco".to_owned(),
            ..esco("x", "x", &[])
        });
        let err = skills::import(db, &bad, Source::Esco, by(None), |_, _| {})
            .await
            .unwrap_err();
        assert!(err.to_string().contains("ESCO"), "{err}");
        let mut twice = sample();
        twice.push(sample()[0].clone());
        let err = skills::import(db, &twice, Source::Esco, by(None), |_, _| {})
            .await
            .unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
        assert_eq!(skills::counts(db).await.unwrap().total, 0, "{}", t.engine);
        t.finish().await;
    }
}

#[tokio::test]
async fn the_starter_set_fills_only_an_empty_table_and_esco_replaces_it() {
    for t in common::engines().await {
        let db = &t.db;
        let starter = Taxonomy::new(sample()[..2].to_vec());
        assert!(skills::ensure_starter(db, &starter, now()).await.unwrap());
        assert!(!skills::ensure_starter(db, &starter, now()).await.unwrap());
        let counts = skills::counts(db).await.unwrap();
        assert_eq!((counts.total, counts.esco), (2, 0));

        // The same skills from ESCO are a change of source, not new rows.
        let report = skills::import(db, &sample(), Source::Esco, by(None), |_, _| {})
            .await
            .unwrap();
        assert_eq!((report.added, report.changed), (1, 2));
        let counts = skills::counts(db).await.unwrap();
        assert_eq!((counts.total, counts.esco), (3, 3));
        t.finish().await;
    }
}

#[tokio::test]
async fn decisions_replace_each_other_and_only_confirmed_skills_count() {
    for t in common::engines().await {
        let db = &t.db;
        skills::import(db, &sample(), Source::Esco, by(None), |_, _| {})
            .await
            .unwrap();
        let ada = person(db, "Ada Cook").await;
        let me = by(Some(ada));
        let about = skills::save_about(db, ada, "  I cook for the lunch club.  ", me)
            .await
            .unwrap();
        assert_eq!(about, "I cook for the lunch club.");
        let meals = &sample()[0].uri;
        let budgets = &sample()[1].uri;
        skills::decide(
            db,
            ada,
            meals,
            Decision::Confirmed,
            Origin::Recognised,
            "cook",
            me,
        )
        .await
        .unwrap();
        skills::decide(db, ada, budgets, Decision::Confirmed, Origin::Added, "", me)
            .await
            .unwrap();
        skills::decide(db, ada, budgets, Decision::Rejected, Origin::Added, "", me)
            .await
            .unwrap();

        let p = skills::profile(db, ada).await.unwrap();
        assert_eq!(p.about, "I cook for the lunch club.");
        let confirmed: Vec<_> = p.confirmed().map(|s| s.label.as_str()).collect();
        assert_eq!(confirmed, vec!["prepare meals"], "{}", t.engine);
        assert_eq!(p.skills[0].evidence, "cook");
        assert_eq!(p.decided(budgets), Some(Decision::Rejected));

        let err = skills::decide(
            db,
            ada,
            "http://data.europa.eu/esco/skill/not-imported",
            Decision::Confirmed,
            Origin::Added,
            "",
            me,
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("not in the taxonomy"), "{err}");

        skills::forget(db, ada, budgets, me).await.unwrap();
        assert_eq!(
            skills::profile(db, ada).await.unwrap().decided(budgets),
            None
        );
        assert!(matches!(
            skills::forget(db, ada, budgets, me).await,
            Err(StoreError::NotFound)
        ));
        let err = skills::save_about(db, ada, &"x".repeat(5000), me)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("4000"), "{err}");
        t.finish().await;
    }
}

#[tokio::test]
async fn erasure_removes_what_a_person_wrote_and_their_skills() {
    for t in common::engines().await {
        let db = &t.db;
        skills::import(db, &sample(), Source::Esco, by(None), |_, _| {})
            .await
            .unwrap();
        let bo = person(db, "Bo Gardener").await;
        skills::save_about(db, bo, "I grow vegetables", by(Some(bo)))
            .await
            .unwrap();
        skills::decide(
            db,
            bo,
            &sample()[2].uri,
            Decision::Confirmed,
            Origin::Added,
            "",
            by(Some(bo)),
        )
        .await
        .unwrap();
        coproduce_store::privacy::erase(db, bo, Some(bo), Via::Web, now())
            .await
            .unwrap();
        let p = skills::profile(db, bo).await.unwrap();
        assert_eq!(p, skills::Profile::default(), "{}", t.engine);
        t.finish().await;
    }
}
