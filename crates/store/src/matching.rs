//! Matching people and resources to projects' open needs, and the
//! invitations that follow.
//!
//! Ranking people reads an in-memory pool (core's `matching::Pool`) of those
//! who agreed to be contacted about matching projects. The pool is loaded
//! once and then kept current from the audit log: every change to a person
//! (their skills, consents, ward, erasure) is recorded there against the
//! person, so each ranking first reloads just the people changed since the
//! last one. The people finally shown are checked against the database once
//! more, so a suggestion never outruns a withdrawn consent.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use coproduce_core::matching::{
    self as rules, Availability, InvitationState, InviteFacts, Member, NeedQuery, NeedSkills, Pool,
    Reason, Wanted,
};
use coproduce_core::projects::team::NeedKind;
use coproduce_core::skills::SkillUri;
use serde::Serialize;
use serde_json::json;
use sqlx::{Any, Row, Transaction};
use tokio::sync::Mutex;

use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

/// The consent that lets a person be suggested, as the newest record says.
const CONSENTED: &str = "(SELECT c.given FROM consents c
      WHERE c.person_id = p.id AND c.purpose = 'contact_matching'
      ORDER BY c.id DESC LIMIT 1) = 1";

/// Writes the skills of a new or changed need inside the caller's
/// transaction: the need's own skill goes on the need too, so the page can
/// name it without a join.
pub(crate) async fn write_need_skills(
    tx: &mut Transaction<'_, Any>,
    need_id: i64,
    skills: &NeedSkills,
) -> Result<()> {
    sqlx::query("DELETE FROM need_skills WHERE need_id = $1")
        .bind(need_id)
        .execute(&mut **tx)
        .await?;
    let own = crate::skills::skill_id(tx, &skills.own).await?;
    sqlx::query("UPDATE project_needs SET skill_uri = $1 WHERE id = $2")
        .bind(skills.own.as_str())
        .bind(need_id)
        .execute(&mut **tx)
        .await?;
    let mut rows = vec![(own, 1.0_f64, 0_i64)];
    for (uri, weight) in &skills.related {
        // A related skill missing from this taxonomy is skipped, not an
        // error: the need still stands on its own skill.
        let id = sqlx::query("SELECT id FROM skills WHERE uri = $1")
            .bind(uri.as_str())
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.try_get::<i64, _>("id"))
            .transpose()?;
        if let Some(id) = id {
            if id != own {
                rows.push((id, f64::from(*weight), 1));
            }
        }
    }
    for (skill_id, weight, related) in rows {
        sqlx::query(
            "INSERT INTO need_skills (need_id, skill_id, weight, related) VALUES ($1, $2, $3, $4)
             ON CONFLICT (need_id, skill_id) DO NOTHING",
        )
        .bind(need_id)
        .bind(skill_id)
        .bind(weight)
        .bind(related)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Gives an open need the skills it asks for (or new ones), with its audit
/// entry.
pub async fn set_need_skills(
    db: &Db,
    project_id: i64,
    need_id: i64,
    skills: &NeedSkills,
    by: By,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let kind: Option<String> = sqlx::query(
        "SELECT kind FROM project_needs WHERE id = $1 AND project_id = $2 AND status = 'open'",
    )
    .bind(need_id)
    .bind(project_id)
    .fetch_optional(&mut *tx)
    .await?
    .map(|r| r.try_get("kind"))
    .transpose()?;
    match kind.as_deref() {
        None => return Err(StoreError::NotFound),
        Some("skill") => {}
        Some(_) => {
            return Err(coproduce_core::Invalid::new(
                "skill",
                "Only a need for a skill asks for a skill; a resource need is matched by its words",
            )
            .into())
        }
    }
    write_need_skills(&mut tx, need_id, skills).await?;
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.need_skills",
        project_id,
        json!({ "need": need_id, "skill": skills.own.as_str(), "related": skills.related.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The pool and how far into the audit log it has read.
struct Loaded {
    pool: Pool,
    seq: i64,
}

/// Ranks people for needs. One per server: it holds the pool.
#[derive(Default)]
pub struct Matcher {
    state: Mutex<Option<Loaded>>,
}

/// How the pool stands, for the bench and for logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PoolSize {
    pub people: usize,
    pub reloaded: usize,
}

async fn max_seq(db: &Db) -> Result<i64> {
    let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS seq FROM audit_log")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("seq")?)
}

/// Reads pool members: everyone, or only `ids`. People without consent or
/// erased are not returned, which is how a refresh drops them.
async fn read_members(db: &Db, ids: Option<&[i64]>) -> Result<Vec<Member>> {
    let mut sql = format!(
        "SELECT p.id, p.ward_id, sp.availability, sp.hours_per_week, ps.skill_id
         FROM people p
         JOIN person_skills ps ON ps.person_id = p.id AND ps.state = 'confirmed'
         LEFT JOIN skill_profiles sp ON sp.person_id = p.id
         WHERE p.erased_at IS NULL AND {CONSENTED}"
    );
    if let Some(ids) = ids {
        let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        sql.push_str(&format!(" AND p.id IN ({})", marks.join(", ")));
    }
    sql.push_str(" ORDER BY p.id");
    let mut query = sqlx::query(&sql);
    for id in ids.unwrap_or(&[]) {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(db.pool()).await?;
    let mut members: Vec<Member> = Vec::new();
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let skill: i64 = r.try_get("skill_id")?;
        match members.last_mut() {
            Some(m) if m.person_id == id => m.skills.push(skill),
            _ => {
                let slots: Option<String> = r.try_get("availability")?;
                let hours: Option<i64> = r.try_get("hours_per_week")?;
                members.push(Member {
                    person_id: id,
                    ward_id: r.try_get("ward_id")?,
                    availability: Availability::from_stored(slots.as_deref().unwrap_or(""), hours),
                    skills: vec![skill],
                });
            }
        }
    }
    Ok(members)
}

/// Rows per `IN (...)` list when reloading changed people.
const RELOAD_CHUNK: usize = 500;

impl Matcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads the pool if it is not loaded, else reads the people changed
    /// since, then hands it to `f`.
    async fn with_pool<R>(&self, db: &Db, f: impl FnOnce(&Pool) -> R) -> Result<(R, PoolSize)> {
        let mut state = self.state.lock().await;
        let mut reloaded = 0;
        match state.as_mut() {
            None => {
                let seq = max_seq(db).await?;
                let mut pool = Pool::new();
                for m in read_members(db, None).await? {
                    pool.upsert(m);
                }
                reloaded = pool.len();
                *state = Some(Loaded { pool, seq });
            }
            Some(loaded) => {
                let seq = max_seq(db).await?;
                if seq > loaded.seq {
                    let changed = sqlx::query(
                        "SELECT DISTINCT object_id FROM audit_log
                         WHERE seq > $1 AND seq <= $2 AND object_type = 'person'",
                    )
                    .bind(loaded.seq)
                    .bind(seq)
                    .fetch_all(db.pool())
                    .await?;
                    let ids: Vec<i64> = changed
                        .iter()
                        .filter_map(|r| r.try_get::<String, _>("object_id").ok())
                        .filter_map(|s| s.parse().ok())
                        .collect();
                    for chunk in ids.chunks(RELOAD_CHUNK) {
                        let fresh = read_members(db, Some(chunk)).await?;
                        let back: HashSet<i64> = fresh.iter().map(|m| m.person_id).collect();
                        for id in chunk {
                            if !back.contains(id) {
                                loaded.pool.remove(*id);
                            }
                        }
                        for m in fresh {
                            loaded.pool.upsert(m);
                        }
                    }
                    reloaded = ids.len();
                    loaded.seq = seq;
                }
            }
        }
        let Some(loaded) = state.as_ref() else {
            return Err(StoreError::NotFound);
        };
        let size = PoolSize {
            people: loaded.pool.len(),
            reloaded,
        };
        Ok((f(&loaded.pool), size))
    }

    /// Loads or refreshes the pool without ranking, and says its size.
    pub async fn warm(&self, db: &Db) -> Result<PoolSize> {
        Ok(self.with_pool(db, |_| ()).await?.1)
    }

    /// Suggestions for every open need of a project: up to `per_need` people
    /// for a skill need and resources for a resource need, each with its
    /// reasons.
    pub async fn for_project(
        &self,
        db: &Db,
        project_id: i64,
        per_need: usize,
    ) -> Result<Vec<NeedMatches>> {
        let project = sqlx::query(
            "SELECT pr.ward_id, w.name AS ward FROM projects pr
             LEFT JOIN wards w ON w.id = pr.ward_id WHERE pr.id = $1",
        )
        .bind(project_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        let ward_id: Option<i64> = project.try_get("ward_id")?;
        let ward: Option<String> = project.try_get("ward")?;
        let needs = needs_of(db, project_id).await?;
        let exclude = asked_or_in_team(db, project_id).await?;

        // Over-ask, so that people dropped by the final check leave no hole.
        let ask = per_need + 5;
        let (ranked, _) = self
            .with_pool(db, |pool| {
                needs
                    .iter()
                    .map(|n| match n.kind {
                        NeedKind::Skill => {
                            let skip = exclude.get(&n.id).cloned().unwrap_or_default();
                            pool.rank(&n.query(ward_id), &skip, ask)
                        }
                        NeedKind::Resource => Vec::new(),
                    })
                    .collect::<Vec<_>>()
            })
            .await?;
        let wanted: Vec<i64> = ranked.iter().flatten().map(|r| r.person_id).collect();
        let people = still_matchable(db, &wanted).await?;
        let labels: HashMap<i64, String> = needs
            .iter()
            .flat_map(|n| n.skills.iter().map(|s| (s.skill_id, s.label.clone())))
            .collect();
        let label = |id: i64| labels.get(&id).cloned().unwrap_or_default();
        let mut out = Vec::new();
        for (need, ranked) in needs.into_iter().zip(ranked) {
            let suggested: Vec<Suggestion> = ranked
                .into_iter()
                .filter_map(|r| {
                    let (name, person_ward) = people.get(&r.person_id)?.clone();
                    Some(Suggestion {
                        person_id: r.person_id,
                        name,
                        ward: person_ward,
                        score: r.score,
                        reasons: r
                            .reasons
                            .iter()
                            .map(|x| x.describe(label, ward.as_deref()))
                            .collect(),
                        reason_codes: r.reasons,
                    })
                })
                .take(per_need)
                .collect();
            let resources = if need.kind == NeedKind::Resource {
                resources_for(db, &need, ward_id, per_need).await?
            } else {
                Vec::new()
            };
            out.push(NeedMatches {
                need: need.public(),
                people: suggested,
                resources,
            });
        }
        Ok(out)
    }
}

/// A need as matching reads it.
struct NeedRow {
    id: i64,
    kind: NeedKind,
    description: String,
    hours_per_week: Option<i64>,
    from_on: Option<NaiveDate>,
    to_on: Option<NaiveDate>,
    skills: Vec<NeedSkill>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeedSkill {
    #[serde(skip)]
    pub skill_id: i64,
    pub uri: String,
    pub label: String,
    pub weight: f64,
    pub related: bool,
}

impl NeedRow {
    fn query(&self, ward_id: Option<i64>) -> NeedQuery {
        NeedQuery {
            wanted: self
                .skills
                .iter()
                .map(|s| Wanted {
                    skill_id: s.skill_id,
                    weight: s.weight as f32,
                })
                .collect(),
            ward_id,
            hours_per_week: self
                .hours_per_week
                .map(|h| h.clamp(1, rules::HOURS_MAX) as u8),
        }
    }

    fn public(self) -> NeedShown {
        let (own, related): (Vec<_>, Vec<_>) = self.skills.into_iter().partition(|s| !s.related);
        NeedShown {
            id: self.id,
            kind: self.kind,
            description: self.description,
            hours_per_week: self.hours_per_week,
            from_on: self.from_on,
            to_on: self.to_on,
            skill: own.into_iter().next(),
            related,
        }
    }
}

/// A need with the skills it asks for, for pages and the API.
#[derive(Debug, Clone, Serialize)]
pub struct NeedShown {
    pub id: i64,
    pub kind: NeedKind,
    pub description: String,
    pub hours_per_week: Option<i64>,
    pub from_on: Option<NaiveDate>,
    pub to_on: Option<NaiveDate>,
    /// None when no skill has been chosen or recognised for it.
    pub skill: Option<NeedSkill>,
    pub related: Vec<NeedSkill>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    pub person_id: i64,
    pub name: String,
    pub ward: Option<String>,
    pub score: f32,
    /// The reasons in words, best first.
    pub reasons: Vec<String>,
    #[serde(skip)]
    pub reason_codes: Vec<Reason>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuggestedResource {
    pub resource_id: i64,
    pub title: String,
    pub kind: String,
    pub ward: Option<String>,
    pub score: f32,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NeedMatches {
    pub need: NeedShown,
    pub people: Vec<Suggestion>,
    pub resources: Vec<SuggestedResource>,
}

async fn needs_of(db: &Db, project_id: i64) -> Result<Vec<NeedRow>> {
    let rows = sqlx::query(
        "SELECT n.id, n.kind, n.description, n.hours_per_week, n.from_on, n.to_on,
                s.id AS skill_id, s.uri, s.label, ns.weight, ns.related
         FROM project_needs n
         LEFT JOIN need_skills ns ON ns.need_id = n.id
         LEFT JOIN skills s ON s.id = ns.skill_id
         WHERE n.project_id = $1 AND n.status = 'open'
         ORDER BY n.id, ns.related, ns.weight DESC, s.label",
    )
    .bind(project_id)
    .fetch_all(db.pool())
    .await?;
    let mut needs: Vec<NeedRow> = Vec::new();
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        if needs.last().map(|n| n.id) != Some(id) {
            let kind: String = r.try_get("kind")?;
            needs.push(NeedRow {
                id,
                kind: NeedKind::parse(&kind)?,
                description: r.try_get("description")?,
                hours_per_week: r.try_get("hours_per_week")?,
                from_on: time::date_column(r, "from_on")?,
                to_on: time::date_column(r, "to_on")?,
                skills: Vec::new(),
            });
        }
        let skill_id: Option<i64> = r.try_get("skill_id")?;
        if let (Some(skill_id), Some(need)) = (skill_id, needs.last_mut()) {
            let related: i64 = r.try_get("related")?;
            need.skills.push(NeedSkill {
                skill_id,
                uri: r.try_get("uri")?,
                label: r.try_get("label")?,
                weight: r.try_get("weight")?,
                related: related != 0,
            });
        }
    }
    Ok(needs)
}

/// Per need, the people not to suggest: the team, and anyone already
/// invited to it (waiting, accepted or declined).
async fn asked_or_in_team(db: &Db, project_id: i64) -> Result<HashMap<i64, HashSet<i64>>> {
    let team: HashSet<i64> = sqlx::query(
        "SELECT person_id FROM project_members WHERE project_id = $1
         UNION SELECT lead_id FROM projects WHERE id = $1 AND lead_id IS NOT NULL",
    )
    .bind(project_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| r.try_get("person_id"))
    .collect::<std::result::Result<_, _>>()?;
    let mut out: HashMap<i64, HashSet<i64>> = HashMap::new();
    let needs =
        sqlx::query("SELECT id FROM project_needs WHERE project_id = $1 AND status = 'open'")
            .bind(project_id)
            .fetch_all(db.pool())
            .await?;
    for r in &needs {
        out.insert(r.try_get("id")?, team.clone());
    }
    let asked = sqlx::query(
        "SELECT need_id, person_id FROM need_invitations WHERE project_id = $1 AND state <> 'withdrawn'",
    )
    .bind(project_id)
    .fetch_all(db.pool())
    .await?;
    for r in &asked {
        let need: i64 = r.try_get("need_id")?;
        out.entry(need).or_default().insert(r.try_get("person_id")?);
    }
    Ok(out)
}

/// Of `ids`, those who may still be suggested now, with name and ward.
async fn still_matchable(db: &Db, ids: &[i64]) -> Result<HashMap<i64, (String, Option<String>)>> {
    let mut out = HashMap::new();
    let unique: Vec<i64> = ids
        .iter()
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    for chunk in unique.chunks(RELOAD_CHUNK) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT p.id, p.display_name, w.name AS ward FROM people p
             LEFT JOIN wards w ON w.id = p.ward_id
             WHERE p.id IN ({}) AND p.erased_at IS NULL AND {CONSENTED}",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for r in query.fetch_all(db.pool()).await? {
            out.insert(
                r.try_get("id")?,
                (r.try_get("display_name")?, r.try_get("ward")?),
            );
        }
    }
    Ok(out)
}

/// The words of a text that matching compares: stemmed, without stop words.
fn terms(text: &str) -> HashSet<String> {
    coproduce_skills::text::tokens(text)
        .into_iter()
        .filter(|t| !t.is_stopword())
        .map(|t| t.stem)
        .collect()
}

async fn resources_for(
    db: &Db,
    need: &NeedRow,
    ward_id: Option<i64>,
    limit: usize,
) -> Result<Vec<SuggestedResource>> {
    let rows = sqlx::query(
        "SELECT r.id, r.title, r.description, r.kind, r.ward_id, w.name AS ward
         FROM resources r LEFT JOIN wards w ON w.id = r.ward_id
         WHERE r.withdrawn_at IS NULL ORDER BY r.id",
    )
    .fetch_all(db.pool())
    .await?;
    // A resource already held for part of the need's dates cannot meet it.
    let busy: HashSet<i64> = match (need.from_on, need.to_on) {
        (Some(from), Some(to)) => {
            let starts = time::encode(from.and_time(chrono::NaiveTime::MIN).and_utc());
            let ends = time::encode(
                (to + chrono::Duration::days(1))
                    .and_time(chrono::NaiveTime::MIN)
                    .and_utc(),
            );
            sqlx::query(
                "SELECT DISTINCT resource_id FROM resource_bookings
                 WHERE state IN ('requested', 'confirmed') AND starts_at < $1 AND $2 < ends_at",
            )
            .bind(ends)
            .bind(starts)
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|r| r.try_get("resource_id"))
            .collect::<std::result::Result<_, _>>()?
        }
        _ => HashSet::new(),
    };
    let wanted = terms(&need.description);
    let mut scored = Vec::new();
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        if busy.contains(&id) {
            continue;
        }
        let title: String = r.try_get("title")?;
        let description: String = r.try_get("description")?;
        let their_ward: Option<i64> = r.try_get("ward_id")?;
        let same_ward = ward_id.is_some() && their_ward == ward_id;
        let offered = terms(&format!("{title} {description}"));
        let Some(score) = rules::resource_score(&wanted, &offered, same_ward) else {
            continue;
        };
        let mut shared: Vec<&str> = coproduce_skills::text::tokens(&need.description)
            .iter()
            .filter(|t| !t.is_stopword() && offered.contains(&t.stem))
            .map(|t| &need.description[t.start..t.end])
            .collect();
        shared.dedup();
        let ward: Option<String> = r.try_get("ward")?;
        let mut reasons = vec![format!("Offered as: {}", shared.join(", "))];
        if same_ward {
            reasons.push(format!(
                "In {}, where the project is",
                ward.as_deref().unwrap_or("the project's ward")
            ));
        }
        if need.from_on.is_some() && need.to_on.is_some() {
            reasons.push("Not booked on the dates needed".to_owned());
        }
        scored.push(SuggestedResource {
            resource_id: id,
            title,
            kind: r.try_get("kind")?,
            ward,
            score,
            reasons,
        });
    }
    scored.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.resource_id.cmp(&b.resource_id))
    });
    scored.truncate(limit);
    Ok(scored)
}

/// An invitation as either side sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    pub id: i64,
    pub need_id: i64,
    pub need: String,
    pub project_id: i64,
    pub project_title: String,
    pub person_id: i64,
    pub person_name: String,
    pub invited_by: Option<String>,
    pub message: String,
    pub reasons: Vec<String>,
    pub state: InvitationState,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The other side's email and phone: filled in only once accepted.
    pub contact: Option<Contact>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
}

/// Invites a suggested person to meet a need. Refused unless the person
/// consents now, the need is open, and they were not asked before.
pub async fn invite(
    db: &Db,
    project_id: i64,
    need_id: i64,
    person_id: i64,
    message: &str,
    reasons: &[String],
    by: By,
) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let need = sqlx::query(
        "SELECT n.description, n.status, pr.title FROM project_needs n
         JOIN projects pr ON pr.id = n.project_id WHERE n.id = $1 AND n.project_id = $2",
    )
    .bind(need_id)
    .bind(project_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let status: String = need.try_get("status")?;
    let description: String = need.try_get("description")?;
    let title: String = need.try_get("title")?;
    let person = sqlx::query(&format!(
        "SELECT p.email, p.display_name, CAST(CASE WHEN {CONSENTED} THEN 1 ELSE 0 END AS BIGINT) AS consented
         FROM people p WHERE p.id = $1 AND p.erased_at IS NULL"
    ))
    .bind(person_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let consented: i64 = person.try_get("consented")?;
    let email: String = person.try_get("email")?;
    let in_team = sqlx::query(
        "SELECT 1 AS one FROM project_members WHERE project_id = $1 AND person_id = $2
         UNION SELECT 1 FROM projects WHERE id = $1 AND lead_id = $2",
    )
    .bind(project_id)
    .bind(person_id)
    .fetch_optional(&mut *tx)
    .await?
    .is_some();
    let asked = sqlx::query(
        "SELECT 1 AS one FROM need_invitations
         WHERE need_id = $1 AND person_id = $2 AND state IN ('invited', 'accepted', 'declined')",
    )
    .bind(need_id)
    .bind(person_id)
    .fetch_optional(&mut *tx)
    .await?
    .is_some();
    let message = rules::check_invitation(
        InviteFacts {
            need_open: status == "open",
            consented: consented == 1,
            already_in_team: in_team,
            asked_before: asked,
        },
        message,
    )?;
    let row = sqlx::query(
        "INSERT INTO need_invitations (need_id, project_id, person_id, invited_by, message, reasons, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(need_id)
    .bind(project_id)
    .bind(person_id)
    .bind(by.actor)
    .bind(&message)
    .bind(reasons.join("\n"))
    .bind(time::encode(by.now))
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        StoreError::from_write(
            e,
            "This person has already been invited to this need: wait for their answer",
        )
    })?;
    let id: i64 = row.try_get("id")?;
    let body = format!(
        "Hello,\n\nThe project \"{title}\" would like your help with: {description}.\n\n{}You were suggested because you agreed to be contacted about projects that need what you can do. Your contact details have not been shared: the project sees them only if you accept.\n\nAnswer here: {}/account/invitations\n\nTo stop these suggestions, change your privacy settings: {}/account/privacy\n",
        if message.is_empty() {
            String::new()
        } else {
            format!("Their message:\n{message}\n\n")
        },
        crate::outbox::SITE,
        crate::outbox::SITE,
    );
    crate::outbox::enqueue(
        &mut tx,
        &crate::outbox::NewMessage {
            kind: "need_invitation",
            to_address: &email,
            subject: &format!("A project would like your help: {title}"),
            body_text: &body,
        },
        by.now,
    )
    .await?;
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.need_invitation",
        project_id,
        json!({ "invitation": id, "need": need_id, "person": person_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The invited person says yes or no. A yes puts them in the team, and
/// from then on each side sees the other's contact details.
pub async fn answer(
    db: &Db,
    invitation_id: i64,
    person_id: i64,
    accept: bool,
    by: By,
) -> Result<InvitationState> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "SELECT i.state, i.project_id, i.need_id, n.description, pr.title, p.display_name
         FROM need_invitations i
         JOIN project_needs n ON n.id = i.need_id
         JOIN projects pr ON pr.id = i.project_id
         JOIN people p ON p.id = i.person_id
         WHERE i.id = $1 AND i.person_id = $2",
    )
    .bind(invitation_id)
    .bind(person_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let state: String = row.try_get("state")?;
    let project_id: i64 = row.try_get("project_id")?;
    let description: String = row.try_get("description")?;
    let title: String = row.try_get("title")?;
    let name: String = row.try_get("display_name")?;
    let next = rules::answer(InvitationState::parse(&state)?, accept)?;
    sqlx::query("UPDATE need_invitations SET state = $1, answered_at = $2 WHERE id = $3")
        .bind(next.as_str())
        .bind(time::encode(by.now))
        .bind(invitation_id)
        .execute(&mut *tx)
        .await?;
    if accept {
        let role_title: String = description.chars().take(80).collect();
        sqlx::query(
            "INSERT INTO project_members (project_id, person_id, role, title, since) VALUES ($1, $2, 'member', $3, $4)
             ON CONFLICT (project_id, person_id) DO NOTHING",
        )
        .bind(project_id)
        .bind(person_id)
        .bind(role_title.trim())
        .bind(time::encode(by.now))
        .execute(&mut *tx)
        .await?;
    }
    let owners = sqlx::query(
        "SELECT DISTINCT p.email FROM people p WHERE p.erased_at IS NULL AND p.id IN (
             SELECT person_id FROM project_members WHERE project_id = $1 AND role IN ('lead', 'co_owner')
             UNION SELECT lead_id FROM projects WHERE id = $1)",
    )
    .bind(project_id)
    .fetch_all(&mut *tx)
    .await?;
    let body = if accept {
        format!("{name} accepted your invitation to help \"{title}\" with: {description}. They are now in the team, and their contact details are on the project's matches page: {}/projects/{project_id}/matches\n", crate::outbox::SITE)
    } else {
        format!("{name} declined your invitation to help \"{title}\" with: {description}. They will not be suggested for this need again.\n")
    };
    for r in &owners {
        let to: String = r.try_get("email")?;
        crate::outbox::enqueue(
            &mut tx,
            &crate::outbox::NewMessage {
                kind: "need_invitation_answer",
                to_address: &to,
                subject: &format!(
                    "{name} {} your invitation",
                    if accept { "accepted" } else { "declined" }
                ),
                body_text: &body,
            },
            by.now,
        )
        .await?;
    }
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.need_invitation_answer",
        project_id,
        json!({ "invitation": invitation_id, "person": person_id, "state": next.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(next)
}

const INVITATIONS: &str = "SELECT i.id, i.need_id, n.description AS need, i.project_id, pr.title,
        i.person_id, p.display_name AS person_name, p.email AS person_email, p.phone AS person_phone,
        ib.display_name AS invited_by, ib.email AS inviter_email, ib.phone AS inviter_phone,
        i.message, i.reasons, i.state, i.created_at
     FROM need_invitations i
     JOIN project_needs n ON n.id = i.need_id
     JOIN projects pr ON pr.id = i.project_id
     JOIN people p ON p.id = i.person_id
     LEFT JOIN people ib ON ib.id = i.invited_by";

/// Which side is reading: each sees the other's contact once accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Project,
    Person,
}

fn invitation(r: &sqlx::any::AnyRow, side: Side) -> Result<Invitation> {
    let state = InvitationState::parse(&r.try_get::<String, _>("state")?)?;
    let at: String = r.try_get("created_at")?;
    let reasons: String = r.try_get("reasons")?;
    let contact = if state.reveals_contacts() {
        match side {
            Side::Project => Some(Contact {
                name: r.try_get("person_name")?,
                email: r.try_get("person_email")?,
                phone: r.try_get("person_phone")?,
            }),
            Side::Person => {
                let name: Option<String> = r.try_get("invited_by")?;
                let email: Option<String> = r.try_get("inviter_email")?;
                match (name, email) {
                    (Some(name), Some(email)) => Some(Contact {
                        name,
                        email,
                        phone: r.try_get("inviter_phone")?,
                    }),
                    _ => None,
                }
            }
        }
    } else {
        None
    };
    Ok(Invitation {
        id: r.try_get("id")?,
        need_id: r.try_get("need_id")?,
        need: r.try_get("need")?,
        project_id: r.try_get("project_id")?,
        project_title: r.try_get("title")?,
        person_id: r.try_get("person_id")?,
        person_name: r.try_get("person_name")?,
        invited_by: r.try_get("invited_by")?,
        message: r.try_get("message")?,
        reasons: reasons.lines().map(str::to_owned).collect(),
        state,
        created_at: time::decode(&at)?,
        contact,
    })
}

/// A project's invitations, newest first.
pub async fn invitations_for_project(db: &Db, project_id: i64) -> Result<Vec<Invitation>> {
    db.fetch_all(
        sqlx::query(&format!(
            "{INVITATIONS} WHERE i.project_id = $1 AND i.state <> 'withdrawn' ORDER BY i.id DESC"
        ))
        .bind(project_id),
        |r| invitation(r, Side::Project),
    )
    .await
}

/// A person's invitations, those waiting first, then newest first.
pub async fn invitations_for_person(db: &Db, person_id: i64) -> Result<Vec<Invitation>> {
    let mut list = db
        .fetch_all(
            sqlx::query(&format!(
                "{INVITATIONS} WHERE i.person_id = $1 AND i.state <> 'withdrawn' ORDER BY i.id DESC"
            ))
            .bind(person_id),
            |r| invitation(r, Side::Person),
        )
        .await?;
    list.sort_by_key(|i| i.state != InvitationState::Invited);
    Ok(list)
}

/// An open need a person could meet, for their own page.
#[derive(Debug, Clone, Serialize)]
pub struct NeedForYou {
    pub project_id: i64,
    pub project_title: String,
    pub need_id: i64,
    pub need: String,
    pub ward: Option<String>,
    /// The person's skill that the need asks for.
    pub skill: String,
    pub related: bool,
    pub same_ward: bool,
}

/// Projects whose open needs ask for a skill the person confirmed: their
/// own skill first, then in their ward, then newest.
pub async fn needs_for_person(db: &Db, person_id: i64, limit: usize) -> Result<Vec<NeedForYou>> {
    let rows = sqlx::query(
        "SELECT n.id AS need_id, n.description, pr.id AS project_id, pr.title, w.name AS ward,
                s.label, ns.weight, ns.related,
                CAST(CASE WHEN pr.ward_id IS NOT NULL AND pr.ward_id = me.ward_id THEN 1 ELSE 0 END AS BIGINT) AS same_ward
         FROM person_skills ps
         JOIN people me ON me.id = ps.person_id
         JOIN need_skills ns ON ns.skill_id = ps.skill_id
         JOIN project_needs n ON n.id = ns.need_id AND n.status = 'open'
         JOIN projects pr ON pr.id = n.project_id AND pr.stage NOT IN ('completed', 'closed')
         JOIN skills s ON s.id = ps.skill_id
         LEFT JOIN wards w ON w.id = pr.ward_id
         WHERE ps.person_id = $1 AND ps.state = 'confirmed'
           AND NOT EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = pr.id AND m.person_id = $1)
           AND (pr.lead_id IS NULL OR pr.lead_id <> $1)
         ORDER BY ns.related, same_ward DESC, n.id DESC",
    )
    .bind(person_id)
    .fetch_all(db.pool())
    .await?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for r in &rows {
        let need_id: i64 = r.try_get("need_id")?;
        if !seen.insert(need_id) {
            continue;
        }
        let related: i64 = r.try_get("related")?;
        let same: i64 = r.try_get("same_ward")?;
        out.push(NeedForYou {
            project_id: r.try_get("project_id")?,
            project_title: r.try_get("title")?,
            need_id,
            need: r.try_get("description")?,
            ward: r.try_get("ward")?,
            skill: r.try_get("label")?,
            related: related != 0,
            same_ward: same != 0,
        });
        if out.len() == limit {
            break;
        }
    }
    Ok(out)
}

/// Checks a skill's address and finds it in the taxonomy, for callers that
/// take one from a form.
pub async fn skill_exists(db: &Db, uri: &SkillUri) -> Result<bool> {
    Ok(sqlx::query("SELECT 1 AS one FROM skills WHERE uri = $1")
        .bind(uri.as_str())
        .fetch_optional(db.pool())
        .await?
        .is_some())
}
