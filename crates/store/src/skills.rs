//! The skills taxonomy as the product holds it, and people's skill profiles:
//! what they wrote about what they do, and the skills they confirmed or
//! rejected. Recognition itself lives in the skills crate; this is where its
//! taxonomy comes from and where people's decisions go.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::{any::AnyRow, Any, Row, Transaction};

use coproduce_core::audit::Via;
use coproduce_core::matching::Availability;
use coproduce_core::skills::{self as rules, Decision, Origin, SkillUri};
use coproduce_skills::{Skill, Taxonomy};

use crate::audit::{self, NewEntry};
use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

/// Where the rows of the taxonomy came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The small set built into the product, so it works before an import.
    Starter,
    /// An import of the full ESCO skills file.
    Esco,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Starter => "starter",
            Source::Esco => "esco",
        }
    }
}

/// What an import changed. Importing the same file twice adds and changes
/// nothing the second time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Imported {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// The taxonomy and where it stands, for pages and the CLI to say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub total: i64,
    pub esco: i64,
}

fn alt_text(skill: &Skill) -> String {
    skill.alt_labels.join("\n")
}

fn skill(r: &AnyRow) -> Result<Skill> {
    let alt: String = r.try_get("alt_labels")?;
    Ok(Skill {
        uri: r.try_get("uri")?,
        label: r.try_get("label")?,
        alt_labels: alt
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        description: r.try_get("description")?,
    })
}

/// Rows per INSERT: well under both engines' limits on bound values.
const CHUNK: usize = 200;

/// Adds the skills that are new and updates those whose text changed, in
/// one transaction with one audit entry. `progress` hears (done, total)
/// after each batch.
pub async fn import(
    db: &Db,
    skills: &[Skill],
    source: Source,
    by: By,
    mut progress: impl FnMut(usize, usize),
) -> Result<Imported> {
    for s in skills {
        SkillUri::parse(&s.uri)?;
        if s.label.trim().is_empty() {
            return Err(coproduce_core::Invalid::new(
                "label",
                format!("The skill {} has no label: check the file", s.uri),
            )
            .into());
        }
    }
    let mut tx = db.begin_write().await?;
    let existing = sqlx::query("SELECT uri, label, alt_labels, description, source FROM skills")
        .fetch_all(&mut *tx)
        .await?;
    let mut known: HashMap<String, (Skill, String)> = HashMap::with_capacity(existing.len());
    for r in &existing {
        known.insert(r.try_get("uri")?, (skill(r)?, r.try_get("source")?));
    }
    let mut report = Imported::default();
    let mut seen = std::collections::HashSet::with_capacity(skills.len());
    let mut pending: Vec<&Skill> = Vec::new();
    for s in skills {
        if !seen.insert(s.uri.as_str()) {
            return Err(coproduce_core::Invalid::new(
                "skill",
                format!(
                    "The skill {} is in the file twice: keep one row of it",
                    s.uri
                ),
            )
            .into());
        }
        match known.get(&s.uri) {
            None => {
                report.added += 1;
                pending.push(s);
            }
            Some((old, old_source)) if old == s && old_source == source.as_str() => {
                report.unchanged += 1;
            }
            Some(_) => {
                report.changed += 1;
                pending.push(s);
            }
        }
    }
    let now = time::encode(by.now);
    let total = skills.len();
    let mut done = report.unchanged;
    progress(done, total);
    for chunk in pending.chunks(CHUNK) {
        let mut sql = String::from(
            "INSERT INTO skills (uri, label, alt_labels, description, source, updated_at) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 6;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6
            ));
        }
        sql.push_str(
            " ON CONFLICT (uri) DO UPDATE SET label = excluded.label, alt_labels = excluded.alt_labels,
              description = excluded.description, source = excluded.source, updated_at = excluded.updated_at",
        );
        let mut q = sqlx::query(&sql);
        for s in chunk {
            q = q
                .bind(s.uri.trim())
                .bind(s.label.trim())
                .bind(alt_text(s))
                .bind(s.description.trim())
                .bind(source.as_str())
                .bind(&now);
        }
        q.execute(&mut *tx).await?;
        done += chunk.len();
        progress(done, total);
    }
    if report.added + report.changed > 0 {
        audit::append(
            &mut tx,
            db.backend(),
            &NewEntry {
                actor: by.actor,
                via: by.via,
                action: "skills.import",
                object_type: "skills",
                object_id: source.as_str().to_owned(),
                summary: json!({
                    "added": report.added,
                    "changed": report.changed,
                    "unchanged": report.unchanged,
                }),
            },
            by.now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(report)
}

/// Puts the built-in starter taxonomy in an empty skills table, so that
/// profiles work before anyone imports ESCO. Does nothing otherwise.
pub async fn ensure_starter(db: &Db, starter: &Taxonomy, now: DateTime<Utc>) -> Result<bool> {
    if counts(db).await?.total > 0 {
        return Ok(false);
    }
    let by = By {
        actor: None,
        via: Via::System,
        now,
    };
    import(db, starter.skills(), Source::Starter, by, |_, _| {}).await?;
    Ok(true)
}

pub async fn counts(db: &Db) -> Result<Counts> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS total,
            CAST(COALESCE(SUM(CASE WHEN source = 'esco' THEN 1 ELSE 0 END), 0) AS BIGINT) AS esco
         FROM skills",
    )
    .fetch_one(db.pool())
    .await?;
    Ok(Counts {
        total: r.try_get("total")?,
        esco: r.try_get("esco")?,
    })
}

/// The whole taxonomy in a fixed order (by id), for the recogniser.
pub async fn taxonomy(db: &Db) -> Result<Taxonomy> {
    let rows = sqlx::query("SELECT uri, label, alt_labels, description FROM skills ORDER BY id")
        .fetch_all(db.pool())
        .await?;
    Ok(Taxonomy::new(
        rows.iter().map(skill).collect::<Result<_>>()?,
    ))
}

/// One skill on a person's profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonSkill {
    pub uri: String,
    pub label: String,
    pub decision: Decision,
    pub origin: Origin,
    pub evidence: String,
    pub decided_at: DateTime<Utc>,
}

/// What a person wrote about what they do, and their decisions on skills.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub about: String,
    pub updated_at: Option<DateTime<Utc>>,
    /// When they can help, for matching.
    pub availability: Availability,
    /// Confirmed first, then rejected; each by label.
    pub skills: Vec<PersonSkill>,
}

impl Profile {
    pub fn confirmed(&self) -> impl Iterator<Item = &PersonSkill> {
        self.skills
            .iter()
            .filter(|s| s.decision == Decision::Confirmed)
    }

    pub fn decided(&self, uri: &str) -> Option<Decision> {
        self.skills
            .iter()
            .find(|s| s.uri == uri)
            .map(|s| s.decision)
    }
}

pub async fn profile(db: &Db, person_id: i64) -> Result<Profile> {
    let about = sqlx::query(
        "SELECT about, updated_at, availability, hours_per_week FROM skill_profiles WHERE person_id = $1",
    )
        .bind(person_id)
        .fetch_optional(db.pool())
        .await?;
    let rows = sqlx::query(
        "SELECT s.uri, s.label, ps.state, ps.source, ps.evidence, ps.decided_at
         FROM person_skills ps JOIN skills s ON s.id = ps.skill_id
         WHERE ps.person_id = $1
         ORDER BY CASE ps.state WHEN 'confirmed' THEN 0 ELSE 1 END, s.label",
    )
    .bind(person_id)
    .fetch_all(db.pool())
    .await?;
    let skills = rows
        .iter()
        .map(|r| {
            let state: String = r.try_get("state")?;
            let source: String = r.try_get("source")?;
            Ok(PersonSkill {
                uri: r.try_get("uri")?,
                label: r.try_get("label")?,
                decision: Decision::parse(&state)?,
                origin: Origin::parse(&source).ok_or(StoreError::NotFound)?,
                evidence: r.try_get("evidence")?,
                decided_at: time::decode(&r.try_get::<String, _>("decided_at")?)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(match about {
        Some(r) => Profile {
            about: r.try_get("about")?,
            updated_at: Some(time::decode(&r.try_get::<String, _>("updated_at")?)?),
            availability: Availability::from_stored(
                &r.try_get::<String, _>("availability")?,
                r.try_get("hours_per_week")?,
            ),
            skills,
        },
        None => Profile {
            skills,
            ..Profile::default()
        },
    })
}

async fn person_audit(
    tx: &mut Transaction<'_, Any>,
    db: &Db,
    by: By,
    action: &str,
    person_id: i64,
    summary: serde_json::Value,
) -> Result<()> {
    audit::append(
        tx,
        db.backend(),
        &NewEntry {
            actor: by.actor,
            via: by.via,
            action,
            object_type: "person",
            object_id: person_id.to_string(),
            summary,
        },
        by.now,
    )
    .await?;
    Ok(())
}

/// Keeps when a person can help, for matching.
pub async fn save_availability(
    db: &Db,
    person_id: i64,
    availability: &Availability,
    by: By,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO skill_profiles (person_id, about, updated_at, availability, hours_per_week)
         VALUES ($1, '', $2, $3, $4)
         ON CONFLICT (person_id) DO UPDATE SET availability = excluded.availability,
             hours_per_week = excluded.hours_per_week, updated_at = excluded.updated_at",
    )
    .bind(person_id)
    .bind(time::encode(by.now))
    .bind(availability.slots_csv())
    .bind(availability.hours_per_week.map(i64::from))
    .execute(&mut *tx)
    .await?;
    person_audit(
        &mut tx,
        db,
        by,
        "person.availability",
        person_id,
        json!({ "slots": availability.slots_csv(), "hours_per_week": availability.hours_per_week }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Keeps what a person wrote about what they do. The words themselves stay
/// out of the audit log, which outlives erasure.
pub async fn save_about(db: &Db, person_id: i64, about: &str, by: By) -> Result<String> {
    let about = rules::parse_about(about)?;
    let mut tx = db.begin_write().await?;
    sqlx::query(
        "INSERT INTO skill_profiles (person_id, about, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (person_id) DO UPDATE SET about = excluded.about, updated_at = excluded.updated_at",
    )
    .bind(person_id)
    .bind(&about)
    .bind(time::encode(by.now))
    .execute(&mut *tx)
    .await?;
    person_audit(
        &mut tx,
        db,
        by,
        "person.skills_about",
        person_id,
        json!({ "characters": about.chars().count() }),
    )
    .await?;
    tx.commit().await?;
    Ok(about)
}

pub(crate) async fn skill_id(tx: &mut Transaction<'_, Any>, uri: &SkillUri) -> Result<i64> {
    sqlx::query("SELECT id FROM skills WHERE uri = $1")
        .bind(uri.as_str())
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get("id"))
        .transpose()?
        .ok_or_else(|| {
            coproduce_core::Invalid::new(
                "skill",
                "That skill is not in the taxonomy: search for it by name and choose it from the list",
            )
            .into()
        })
}

/// Records a person's decision on a skill (a later decision replaces an
/// earlier one).
pub async fn decide(
    db: &Db,
    person_id: i64,
    uri: &str,
    decision: Decision,
    origin: Origin,
    evidence: &str,
    by: By,
) -> Result<()> {
    let uri = SkillUri::parse(uri)?;
    let mut tx = db.begin_write().await?;
    let id = skill_id(&mut tx, &uri).await?;
    sqlx::query(
        "INSERT INTO person_skills (person_id, skill_id, state, source, evidence, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (person_id, skill_id) DO UPDATE SET state = excluded.state,
             source = excluded.source, evidence = excluded.evidence, decided_at = excluded.decided_at",
    )
    .bind(person_id)
    .bind(id)
    .bind(decision.as_str())
    .bind(origin.as_str())
    .bind(rules::clip_evidence(evidence))
    .bind(time::encode(by.now))
    .execute(&mut *tx)
    .await?;
    person_audit(
        &mut tx,
        db,
        by,
        "person.skill_decided",
        person_id,
        json!({ "skill": uri.as_str(), "decision": decision.as_str(), "origin": origin.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a skill off a person's profile altogether, so that it may be
/// suggested again.
pub async fn forget(db: &Db, person_id: i64, uri: &str, by: By) -> Result<()> {
    let uri = SkillUri::parse(uri)?;
    let mut tx = db.begin_write().await?;
    let id = skill_id(&mut tx, &uri).await?;
    let gone = sqlx::query("DELETE FROM person_skills WHERE person_id = $1 AND skill_id = $2")
        .bind(person_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if gone.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    person_audit(
        &mut tx,
        db,
        by,
        "person.skill_forgotten",
        person_id,
        json!({ "skill": uri.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
