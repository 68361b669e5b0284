//! The demo's projects show the whole project model, on every engine, and
//! read back through the repositories the app uses.

// Helpers outside #[test] functions may unwrap too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};

use coproduce_core::projects::details::{Activity, Origin};
use coproduce_core::projects::Stage;
use coproduce_store::demo::{self, NoProgress, Scale};
use coproduce_store::projects::{self, details, mandate, team, updates, Filter, ProjectSummary};
use coproduce_store::Db;
use sqlx::Row;

use common::now;

const SHOWCASE: [&str; 5] = [
    "BBQ bike for community events",
    "Poly tunnel on the Clapham Park Estate",
    "Community website for Brixton groups",
    "Love your space clean-ups",
    "Health watchdog, coproduced with patients",
];

/// Every project, newest first, a page at a time as the app reads them.
async fn all(db: &Db, filter: Filter) -> Vec<ProjectSummary> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = projects::list(
            db,
            &Filter {
                after,
                limit: 100,
                ..filter.clone()
            },
        )
        .await
        .unwrap();
        out.extend(page.items);
        match page.next_after {
            Some(next) => after = Some(next),
            None => return out,
        }
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

#[tokio::test]
async fn the_demo_shows_the_project_model_and_reads_back() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        demo::generate(db, Scale::Small, 2026, now(), &NoProgress)
            .await
            .unwrap();
        let every = all(db, Filter::default()).await;
        assert_eq!(every.len(), Scale::Small.sizes().projects, "{engine}");
        let stages: HashSet<Stage> = every.iter().map(|p| p.stage).collect();
        for stage in Stage::ALL {
            assert!(stages.contains(&stage), "{engine}: no project is {stage}");
        }
        let by_title: HashMap<&str, &ProjectSummary> =
            every.iter().map(|p| (p.title.as_str(), p)).collect();
        for title in SHOWCASE {
            assert!(by_title.contains_key(title), "{engine}: no {title}");
        }

        // The lone-lead filter (SQL) and the rule in core agree on every
        // project, and both kinds are there to see.
        let lone: HashSet<i64> = all(
            db,
            Filter {
                lone_lead: true,
                ..Filter::default()
            },
        )
        .await
        .iter()
        .map(|p| p.id)
        .collect();
        for p in &every {
            assert_eq!(lone.contains(&p.id), p.lone_lead, "{engine}: {}", p.title);
        }
        let led = every.iter().filter(|p| p.lead_id.is_some()).count();
        assert!(
            !lone.is_empty() && lone.len() < led,
            "{engine}: {} of {led}",
            lone.len()
        );

        // Every stored code parses, and the teams are well formed.
        for p in &every {
            let full = details::get(db, p.id).await.unwrap().unwrap();
            assert!(
                !full.themes.is_empty() && full.themes.len() <= 3,
                "{engine}: {}",
                p.title
            );
            let online = full
                .activities
                .iter()
                .any(|a| a.activity == Activity::OnlineOnly);
            assert!(
                !online || full.activities.len() == 1,
                "{engine}: {}",
                p.title
            );
            assert!(!full.background.is_empty(), "{engine}: {}", p.title);
            if full.origin == Origin::Event {
                assert!(full.origin_event.is_some(), "{engine}: {}", p.title);
            }
            if let (Some(s), Some(e)) = (full.starts_on, full.ends_on) {
                assert!(s <= e, "{engine}: {}", p.title);
            }
            let members = team::members(db, p.id).await.unwrap();
            let ids: HashSet<i64> = members.iter().map(|m| m.person_id).collect();
            assert_eq!(ids.len(), members.len(), "{engine}: {}", p.title);
            if let Some(lead) = p.lead_id {
                assert!(
                    members
                        .iter()
                        .any(|m| m.person_id == lead && m.role.as_str() == "lead"),
                    "{engine}: {}",
                    p.title
                );
            }
            team::open_needs(db, p.id).await.unwrap();
            updates::list(db, p.id, 50).await.unwrap();
            updates::steps(db, p.id).await.unwrap();
            mandate::get(db, p.id).await.unwrap();
            projects::contacts::contacts(db, p.id).await.unwrap();
        }

        // The showcase projects are what they say.
        let bbq = by_title["BBQ bike for community events"];
        assert_eq!(
            (bbq.stage, bbq.lead_id),
            (Stage::Delivery, Some(3)),
            "{engine}"
        );
        assert!(!bbq.lone_lead, "{engine}");
        let m = mandate::get(db, bbq.id).await.unwrap().unwrap();
        assert!(
            m.officer_agreed_at.is_some() && m.lead_agreed_at.is_some(),
            "{engine}"
        );
        let tunnel = by_title["Poly tunnel on the Clapham Park Estate"];
        assert!(tunnel.lone_lead, "{engine}");
        let full = details::get(db, tunnel.id).await.unwrap().unwrap();
        assert!(
            full.activities
                .iter()
                .any(|a| a.activity == Activity::ThirdPartyPremises && a.detail == "Parkside Homes"),
            "{engine}"
        );
        let web = all(
            db,
            Filter {
                skill: Some("web developer".into()),
                ..Filter::default()
            },
        )
        .await;
        assert!(
            web.iter()
                .any(|p| p.title == "Community website for Brixton groups"),
            "{engine}"
        );
        let clean = details::get(db, by_title["Love your space clean-ups"].id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            clean.owner_org.map(|o| o.kind.can_back_a_project()),
            Some(true),
            "{engine}"
        );
        let health = by_title["Health watchdog, coproduced with patients"];
        let users = team::members(db, health.id)
            .await
            .unwrap()
            .iter()
            .filter(|m| m.service_user)
            .count();
        assert_eq!(users, 2, "{engine}");

        // A word only the BBQ bike's updates use finds it, and only it.
        let found = all(
            db,
            Filter {
                q: Some("Plantain".into()),
                ..Filter::default()
            },
        )
        .await;
        let ids: Vec<i64> = found.iter().map(|p| p.id).collect();
        assert_eq!(ids, [bbq.id], "{engine}");

        // Child rows came with their own ids, and new ones follow on.
        for table in ["project_needs", "project_updates", "project_next_steps"] {
            let n = count(db, &format!("SELECT count(*) FROM {table}")).await;
            let max = count(db, &format!("SELECT COALESCE(max(id), 0) FROM {table}")).await;
            assert!(n > 0 && n == max, "{engine}: {table} {n} {max}");
        }
        t.finish().await;
    }
}

#[tokio::test]
async fn the_demo_can_be_made_again_over_itself() {
    for t in common::engines().await {
        let (db, engine) = (&t.db, t.engine);
        for seed in [1, 2, 1] {
            demo::generate(db, Scale::Small, seed, now(), &NoProgress)
                .await
                .unwrap_or_else(|e| panic!("{engine}: seed {seed}: {e}"));
            assert_eq!(
                count(db, "SELECT count(*) FROM organisations").await,
                12,
                "{engine}"
            );
            let orphans = count(
                db,
                "SELECT count(*) FROM project_members m
                 WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = m.project_id)",
            )
            .await;
            assert_eq!(orphans, 0, "{engine}");
        }
        t.finish().await;
    }
}
