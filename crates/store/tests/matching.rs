//! Matching on every engine: people ranked for a need by skill, related
//! skill, ward and hours; nobody who has not agreed to be contacted is ever
//! suggested, and a consent given or withdrawn counts at the next ranking;
//! invitations refused without consent and not sent twice; contact details
//! shown only after a yes, which puts the person in the team; a resident
//! sees the needs that ask for their skills; resources matched by words.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use coproduce_core::audit::Via;
use coproduce_core::matching::{Availability, InvitationState, NeedSkills, Slot};
use coproduce_core::people::{DisplayName, Email, Role};
use coproduce_core::policy::ProjectRole;
use coproduce_core::privacy::Purpose;
use coproduce_core::projects::team::{Need, NeedKind};
use coproduce_core::resources::{Kind, NewResource};
use coproduce_core::skills::{Decision, Origin, SkillUri};
use coproduce_skills::Taxonomy;
use coproduce_store::matching::{self, Matcher};
use coproduce_store::memberships::{self, By};
use coproduce_store::people::NewPerson;
use coproduce_store::privacy::{self, ProfileChange};
use coproduce_store::projects::team;
use coproduce_store::{people, resources, skills, Db, StoreError};
use sqlx::Row;

use common::now;

/// Starter skills the test leans on.
const EVENTS: &str = "http://data.europa.eu/esco/skill/03a0ab28-ce99-4e14-baf8-a66c55da28f8";
const LEAFLETS: &str = "http://data.europa.eu/esco/skill/03589d0d-a6f0-4d68-b5eb-dafbc6833efe";

fn by(actor: i64) -> By {
    By {
        actor: Some(actor),
        via: Via::Web,
        now: now(),
    }
}

async fn ward(db: &Db, name: &str) -> i64 {
    sqlx::query("INSERT INTO wards (name, slug) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(name.to_lowercase().replace(' ', "-"))
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap()
}

async fn person(db: &Db, name: &str, ward_id: Option<i64>) -> i64 {
    let email = format!("{}@example.org", name.to_lowercase());
    people::create(
        db,
        &NewPerson {
            email: &Email::parse(&email).unwrap(),
            display_name: &DisplayName::parse(name).unwrap(),
            role: Role::Resident,
            password_hash: None,
            ward_id,
        },
        None,
        Via::System,
        now(),
    )
    .await
    .unwrap()
}

async fn consent(db: &Db, id: i64, ward_id: Option<i64>, given: bool) {
    privacy::update(
        db,
        id,
        &ProfileChange {
            phone: Some("020 7946 0000"),
            bio: "",
            ward_id,
            visibility: &[],
            consents: &[(Purpose::ContactAboutMatchingProjects, given)],
        },
        Via::Web,
        now(),
    )
    .await
    .unwrap();
}

async fn confirm(db: &Db, id: i64, uri: &str) {
    skills::decide(db, id, uri, Decision::Confirmed, Origin::Added, "", by(id))
        .await
        .unwrap();
}

fn uri(s: &str) -> SkillUri {
    SkillUri::parse(s).unwrap()
}

fn need(kind: NeedKind, description: &str, hours: Option<i64>) -> Need {
    Need {
        kind,
        description: description.to_owned(),
        hours_per_week: hours,
        from_on: None,
        to_on: None,
    }
}

fn names(list: &[matching::Suggestion]) -> Vec<&str> {
    list.iter().map(|s| s.name.as_str()).collect()
}

#[tokio::test]
async fn matching_ranks_only_consenting_people_and_invitations_reveal_contacts_on_a_yes() {
    for t in common::engines().await {
        let db = &t.db;
        skills::ensure_starter(db, &Taxonomy::starter(), now())
            .await
            .unwrap();
        let north = ward(db, "North Ward").await;
        let south = ward(db, "South Ward").await;
        let lead = person(db, "Lena", Some(north)).await;
        let alice = person(db, "Alice", Some(north)).await;
        let bob = person(db, "Bob", Some(south)).await;
        let carol = person(db, "Carol", Some(north)).await;
        let dave = person(db, "Dave", Some(north)).await;
        let erin = person(db, "Erin", Some(north)).await;
        for (id, w) in [(alice, north), (bob, south), (dave, north), (erin, north)] {
            consent(db, id, Some(w), true).await;
        }
        for id in [alice, bob, carol, erin] {
            confirm(db, id, EVENTS).await;
        }
        confirm(db, dave, LEAFLETS).await;
        // Erin agreed, then changed her mind.
        consent(db, erin, Some(north), false).await;
        skills::save_availability(
            db,
            alice,
            &Availability::new(&[Slot::Weekend], Some(6)),
            by(alice),
        )
        .await
        .unwrap();

        let project: i64 = sqlx::query(
            "INSERT INTO projects (title, summary, stage, ward_id, lead_id, created_at, updated_at)
             VALUES ('Summer fair', '', 'planning', $1, $2, $3, $3) RETURNING id",
        )
        .bind(north)
        .bind(lead)
        .bind(coproduce_store::time::encode(now()))
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
        memberships::add_project_member(
            db,
            project,
            lead,
            ProjectRole::Lead,
            None,
            Via::System,
            now(),
        )
        .await
        .unwrap();
        let skills_wanted = NeedSkills::new(uri(EVENTS), &[(uri(LEAFLETS), 0.7)]);
        let need_id = team::add_need(
            db,
            project,
            &need(NeedKind::Skill, "someone to organise the fair", Some(4)),
            Some(&skills_wanted),
            by(lead),
        )
        .await
        .unwrap();
        // A resource need cannot ask for a skill.
        assert!(team::add_need(
            db,
            project,
            &need(NeedKind::Resource, "a gazebo", None),
            Some(&skills_wanted),
            by(lead)
        )
        .await
        .is_err());

        let matcher = Matcher::new();
        let found = matcher.for_project(db, project, 10).await.unwrap();
        assert_eq!(found.len(), 1);
        let m = &found[0];
        assert_eq!(m.need.skill.as_ref().unwrap().uri, EVENTS);
        assert_eq!(m.need.related.len(), 1);
        // Alice: the skill, the ward and enough hours; Bob: the skill in
        // another ward; Dave: a related skill in the ward. Carol never
        // agreed and Erin withdrew: neither is suggested.
        assert_eq!(names(&m.people), vec!["Alice", "Bob", "Dave"]);
        let reasons = &m.people[0].reasons;
        assert!(
            reasons[0].starts_with("Has the skill asked for"),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.contains("North Ward")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.contains("6 hours a week")),
            "{reasons:?}"
        );
        assert!(m.people[2].reasons[0].starts_with("Has a related skill"));

        // Consent counts at the next ranking, through the audit log.
        consent(db, carol, Some(north), true).await;
        consent(db, alice, Some(north), false).await;
        let found = matcher.for_project(db, project, 10).await.unwrap();
        assert_eq!(names(&found[0].people), vec!["Carol", "Bob", "Dave"]);

        // Inviting needs consent, and asks nobody twice.
        let refused = matching::invite(db, project, need_id, erin, "", &[], by(lead))
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::Invalid(ref i) if i.field == "person"));
        let invitation = matching::invite(
            db,
            project,
            need_id,
            carol,
            "We meet on Saturdays",
            &["Has the skill asked for".to_owned()],
            by(lead),
        )
        .await
        .unwrap();
        assert!(
            matching::invite(db, project, need_id, carol, "", &[], by(lead))
                .await
                .is_err()
        );
        let sent: i64 = sqlx::query(
            "SELECT count(*) AS n FROM outbox WHERE kind = 'need_invitation' AND to_address = 'carol@example.org'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
        assert_eq!(sent, 1);
        // Carol is not suggested again while invited.
        let found = matcher.for_project(db, project, 10).await.unwrap();
        assert_eq!(names(&found[0].people), vec!["Bob", "Dave"]);

        // No contact details either way before a yes.
        let theirs = matching::invitations_for_project(db, project)
            .await
            .unwrap();
        assert_eq!(theirs.len(), 1);
        assert!(theirs[0].contact.is_none());
        let mine = matching::invitations_for_person(db, carol).await.unwrap();
        assert_eq!(mine[0].state, InvitationState::Invited);
        assert!(mine[0].contact.is_none());
        assert_eq!(mine[0].message, "We meet on Saturdays");

        // Only the invited person answers.
        assert!(matches!(
            matching::answer(db, invitation, bob, true, by(bob)).await,
            Err(StoreError::NotFound)
        ));
        let state = matching::answer(db, invitation, carol, true, by(carol))
            .await
            .unwrap();
        assert_eq!(state, InvitationState::Accepted);
        assert!(matching::answer(db, invitation, carol, false, by(carol))
            .await
            .is_err());
        let theirs = matching::invitations_for_project(db, project)
            .await
            .unwrap();
        let contact = theirs[0].contact.as_ref().unwrap();
        assert_eq!(contact.email, "carol@example.org");
        let mine = matching::invitations_for_person(db, carol).await.unwrap();
        assert_eq!(mine[0].contact.as_ref().unwrap().email, "lena@example.org");
        let team_now = team::members(db, project).await.unwrap();
        assert!(team_now.iter().any(|m| m.person_id == carol));

        // Bob sees the need that asks for his skill; Carol, now in the
        // team, does not.
        let for_bob = matching::needs_for_person(db, bob, 10).await.unwrap();
        assert_eq!(for_bob.len(), 1);
        assert_eq!(for_bob[0].need_id, need_id);
        assert!(!for_bob[0].related);
        assert!(matching::needs_for_person(db, carol, 10)
            .await
            .unwrap()
            .is_empty());
        let for_dave = matching::needs_for_person(db, dave, 10).await.unwrap();
        assert!(for_dave[0].related);
        assert!(matching::needs_for_person(db, alice, 10)
            .await
            .unwrap()
            .iter()
            .all(|n| n.need_id == need_id));

        // Resources are matched by the words of the need.
        resources::offer(
            db,
            bob,
            None,
            &NewResource {
                title: "Large gazebo".to_owned(),
                description: "Three by six metres, with sides".to_owned(),
                kind: Kind::Equipment,
                ward_id: Some(north),
                availability: "weekends".to_owned(),
                conditions: String::new(),
                quantity: None,
            },
            by(bob),
        )
        .await
        .unwrap();
        resources::offer(
            db,
            bob,
            None,
            &NewResource {
                title: "Laundry van".to_owned(),
                description: String::new(),
                kind: Kind::Transport,
                ward_id: Some(south),
                availability: String::new(),
                conditions: String::new(),
                quantity: None,
            },
            by(bob),
        )
        .await
        .unwrap();
        team::add_need(
            db,
            project,
            &need(NeedKind::Resource, "gazebos for the stalls", None),
            None,
            by(lead),
        )
        .await
        .unwrap();
        let found = matcher.for_project(db, project, 10).await.unwrap();
        let gazebo = &found[1];
        assert_eq!(gazebo.resources.len(), 1);
        assert_eq!(gazebo.resources[0].title, "Large gazebo");
        assert!(gazebo.resources[0].reasons[0].contains("gazebos"));
        assert!(gazebo.people.is_empty());

        // An erased person leaves the pool at once.
        privacy::erase(db, bob, Some(bob), Via::Web, now())
            .await
            .unwrap();
        let found = matcher.for_project(db, project, 10).await.unwrap();
        assert_eq!(names(&found[0].people), vec!["Dave"]);
        t.finish().await;
    }
}

#[tokio::test]
async fn the_asset_map_counts_only_people_who_agreed_and_finds_the_gaps() {
    for t in common::engines().await {
        let db = &t.db;
        skills::ensure_starter(db, &Taxonomy::starter(), now())
            .await
            .unwrap();
        let north = ward(db, "North Ward").await;
        let south = ward(db, "South Ward").await;
        let lead = person(db, "Lena", Some(north)).await;
        let on_map = |id: i64, w: i64, given: bool| async move {
            privacy::update(
                db,
                id,
                &ProfileChange {
                    phone: None,
                    bio: "",
                    ward_id: Some(w),
                    visibility: &[],
                    consents: &[(Purpose::AppearOnAssetMap, given)],
                },
                Via::Web,
                now(),
            )
            .await
            .unwrap();
        };
        let ann = person(db, "Ann", Some(north)).await;
        let ben = person(db, "Ben", Some(south)).await;
        let cat = person(db, "Cat", Some(north)).await;
        on_map(ann, north, true).await;
        on_map(ben, south, true).await;
        // Cat holds the skill but never agreed to be on the map.
        for id in [ann, ben, cat] {
            confirm(db, id, LEAFLETS).await;
        }
        confirm(db, ben, EVENTS).await;
        let project: i64 = sqlx::query(
            "INSERT INTO projects (title, summary, stage, ward_id, lead_id, created_at, updated_at)
             VALUES ('Fair', '', 'planning', $1, $2, $3, $3) RETURNING id",
        )
        .bind(north)
        .bind(lead)
        .bind(coproduce_store::time::encode(now()))
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
        for (what, own) in [("leaflets", LEAFLETS), ("run the day", EVENTS)] {
            team::add_need(
                db,
                project,
                &need(NeedKind::Skill, what, None),
                Some(&NeedSkills::new(uri(own), &[])),
                by(lead),
            )
            .await
            .unwrap();
        }
        let lines = coproduce_store::asset_map::overview(db).await.unwrap();
        let n = lines.iter().find(|l| l.ward_id == north).unwrap();
        let s = lines.iter().find(|l| l.ward_id == south).unwrap();
        assert_eq!((n.people, n.skills), (1, 1));
        assert_eq!((s.people, s.skills), (1, 2));
        assert_eq!(
            (n.skill_needs, n.skill_needs_met_locally, n.gap()),
            (2, 1, 1)
        );
        let detail = coproduce_store::asset_map::ward(db, "north-ward")
            .await
            .unwrap()
            .unwrap();
        let events = detail.needed.iter().find(|x| x.uri == EVENTS).unwrap();
        assert_eq!((events.needs, events.in_ward, events.in_borough), (1, 0, 1));
        let leaflets = detail.needed.iter().find(|x| x.uri == LEAFLETS).unwrap();
        assert_eq!((leaflets.in_ward, leaflets.in_borough), (1, 2));
        assert_eq!(detail.held.len(), 1);
        assert_eq!(detail.held[0].people, 1);
        assert!(coproduce_store::asset_map::ward(db, "nowhere")
            .await
            .unwrap()
            .is_none());
        t.finish().await;
    }
}

#[tokio::test]
async fn the_demo_gives_needs_their_skills_and_residents_profiles_that_match() {
    for t in common::engines().await {
        let db = &t.db;
        coproduce_store::demo::generate(
            db,
            coproduce_store::demo::Scale::Small,
            7,
            now(),
            &coproduce_store::demo::NoProgress,
        )
        .await
        .unwrap();
        let open_skill_needs: Vec<i64> = sqlx::query(
            "SELECT DISTINCT n.project_id FROM project_needs n JOIN need_skills ns ON ns.need_id = n.id
             WHERE n.status = 'open' ORDER BY n.project_id",
        )
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("project_id").unwrap())
        .collect();
        assert!(!open_skill_needs.is_empty(), "demo needs ask for skills");
        let matcher = Matcher::new();
        let mut suggested = 0;
        for project in &open_skill_needs {
            for m in matcher.for_project(db, *project, 5).await.unwrap() {
                suggested += m.people.len();
                for p in &m.people {
                    // Everyone suggested agreed to be contacted.
                    let given: i64 = sqlx::query(
                        "SELECT given FROM consents WHERE person_id = $1 AND purpose = 'contact_matching'
                         ORDER BY id DESC LIMIT 1",
                    )
                    .bind(p.person_id)
                    .fetch_one(db.pool())
                    .await
                    .unwrap()
                    .try_get("given")
                    .unwrap();
                    assert_eq!(given, 1);
                }
            }
        }
        assert!(suggested > 0, "the demo's needs find people");
        let map = coproduce_store::asset_map::overview(db).await.unwrap();
        assert!(map.iter().map(|l| l.people).sum::<i64>() > 0);
        t.finish().await;
    }
}
