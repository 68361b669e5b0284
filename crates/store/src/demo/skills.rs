//! Demo skills: the starter taxonomy, skill profiles for some residents
//! (with when they can help and the consents matching and the asset map
//! need), and the skills each open skill need asks for, recognised from its
//! words as the product does when a lead writes one.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use coproduce_core::matching::{Availability, NeedSkills, Slot, RELATED_MAX};
use coproduce_core::people::Role;
use coproduce_core::privacy::Purpose;
use coproduce_core::skills::SkillUri;
use coproduce_skills::{Recogniser, Taxonomy};
use sqlx::{AnyConnection, Row};

use super::batch::{self, Value};
use super::people::DemoPerson;
use super::rng::Rng;
use super::Progress;
use crate::{time, Backend, Result};

/// Share of residents who wrote a skill profile, and of those, who agreed
/// to be contacted about projects and to appear on the asset map.
const PROFILED: f64 = 0.3;
const MATCHABLE: f64 = 0.7;
const ON_MAP: f64 = 0.6;

/// The demo's resident, who signs in: given a profile so the pages have
/// something to show them.
const DEMO_RESIDENT: &str = "resident@example.org";

pub async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    people: &[DemoPerson],
    rng: &mut Rng,
    now: DateTime<Utc>,
    progress: &dyn Progress,
) -> Result<u64> {
    let starter = Taxonomy::starter();
    let present: std::collections::HashSet<String> = sqlx::query("SELECT uri FROM skills")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get("uri"))
        .collect::<std::result::Result<_, _>>()?;
    let stamp = time::encode(now);
    // Quietly: a one-off of at most a few hundred rows, before the stage's
    // size is known.
    let mut rows = batch::insert(
        conn,
        backend,
        "skills",
        &[
            "uri",
            "label",
            "alt_labels",
            "description",
            "source",
            "updated_at",
        ],
        starter
            .skills()
            .iter()
            .filter(|s| !present.contains(&s.uri))
            .map(|s| {
                vec![
                    Value::from(s.uri.as_str()),
                    Value::from(s.label.as_str()),
                    Value::from(s.alt_labels.join("\n")),
                    Value::from(s.description.as_str()),
                    Value::from("starter"),
                    Value::from(stamp.as_str()),
                ]
            }),
        &super::NoProgress,
    )
    .await?;
    let ids: HashMap<String, i64> = sqlx::query("SELECT id, uri FROM skills")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("uri")?, r.try_get("id")?)))
        .collect::<Result<_>>()?;
    let starter_ids: Vec<i64> = starter
        .skills()
        .iter()
        .filter_map(|s| ids.get(&s.uri).copied())
        .collect();

    let mut profiles = Vec::new();
    let mut person_skills = Vec::new();
    let mut consents = Vec::new();
    for p in people.iter().filter(|p| p.role == Role::Resident) {
        let fixed = p.email == DEMO_RESIDENT;
        if !fixed && !rng.chance(PROFILED) {
            continue;
        }
        let mut slots = Vec::new();
        for slot in Slot::ALL {
            if rng.chance(0.45) {
                slots.push(slot);
            }
        }
        let hours = rng.chance(0.7).then(|| rng.between(1, 8) as u8);
        let availability = Availability::new(&slots, hours);
        profiles.push(vec![
            Value::from(p.id),
            Value::from(""),
            Value::from(stamp.as_str()),
            Value::from(availability.slots_csv()),
            Value::from(hours.map(i64::from)),
        ]);
        let mut chosen: Vec<i64> = Vec::new();
        for _ in 0..rng.between(2, 5) {
            let id = *rng.pick(&starter_ids);
            if !chosen.contains(&id) {
                chosen.push(id);
            }
        }
        for id in chosen {
            person_skills.push(vec![
                Value::from(p.id),
                Value::from(id),
                Value::from("confirmed"),
                Value::from("added"),
                Value::from(""),
                Value::from(stamp.as_str()),
            ]);
        }
        for (purpose, share) in [
            (Purpose::ContactAboutMatchingProjects, MATCHABLE),
            (Purpose::AppearOnAssetMap, ON_MAP),
        ] {
            if fixed || rng.chance(share) {
                consents.push(vec![
                    Value::from(p.id),
                    Value::from(purpose.as_str()),
                    Value::from(1),
                    Value::from(purpose.wording()),
                    Value::from(stamp.as_str()),
                ]);
            }
        }
    }
    // Each open skill need asks for the skill its words name best, and
    // that skill's neighbours, as when a lead writes one on the page.
    let recogniser = Recogniser::new(Arc::new(starter), None);
    let needs = sqlx::query(
        "SELECT id, description FROM project_needs WHERE kind = 'skill' AND status = 'open' ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut need_rows = Vec::new();
    for r in &needs {
        let need_id: i64 = r.try_get("id")?;
        let description: String = r.try_get("description")?;
        let Some(own) = recogniser
            .recognise(&description, 1)
            .suggestions
            .into_iter()
            .next()
        else {
            continue;
        };
        let Ok(own_uri) = SkillUri::parse(&own.uri) else {
            continue;
        };
        let neighbours: Vec<(SkillUri, f32)> = recogniser
            .recognise(&own.label, RELATED_MAX * 2)
            .suggestions
            .into_iter()
            .filter_map(|s| Some((SkillUri::parse(&s.uri).ok()?, s.score)))
            .collect();
        let wanted = NeedSkills::new(own_uri, &neighbours);
        sqlx::query("UPDATE project_needs SET skill_uri = $1 WHERE id = $2")
            .bind(wanted.own.as_str())
            .bind(need_id)
            .execute(&mut *conn)
            .await?;
        let Some(&own_id) = ids.get(wanted.own.as_str()) else {
            continue;
        };
        need_rows.push(vec![
            Value::from(need_id),
            Value::from(own_id),
            Value::from(1.0),
            Value::from(0),
        ]);
        for (uri, weight) in &wanted.related {
            if let Some(&id) = ids.get(uri.as_str()) {
                need_rows.push(vec![
                    Value::from(need_id),
                    Value::from(id),
                    Value::from(f64::from(*weight)),
                    Value::from(1),
                ]);
            }
        }
    }
    progress.start(
        "skills",
        (profiles.len() + person_skills.len() + consents.len() + need_rows.len()) as u64,
    );
    rows += batch::insert(
        conn,
        backend,
        "skill_profiles",
        &[
            "person_id",
            "about",
            "updated_at",
            "availability",
            "hours_per_week",
        ],
        profiles,
        progress,
    )
    .await?;
    rows += batch::insert(
        conn,
        backend,
        "person_skills",
        &[
            "person_id",
            "skill_id",
            "state",
            "source",
            "evidence",
            "decided_at",
        ],
        person_skills,
        progress,
    )
    .await?;
    rows += batch::insert(
        conn,
        backend,
        "consents",
        &["person_id", "purpose", "given", "wording", "at"],
        consents,
        progress,
    )
    .await?;

    rows += batch::insert(
        conn,
        backend,
        "need_skills",
        &["need_id", "skill_id", "weight", "related"],
        need_rows,
        progress,
    )
    .await?;
    Ok(rows)
}
