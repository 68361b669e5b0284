//! Privacy: a person's profile with the visibility of each field, their
//! consents, everything held about them (for a subject access request), and
//! erasure that keeps the audit chain whole.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use coproduce_core::privacy::{self, Field, Purpose, Visibility};
use serde_json::{json, Value};
use sqlx::Row;

use crate::audit::{self, NewEntry, Via};
use crate::people::Person;
use crate::{time, Db, Result, StoreError};

/// A profile as stored, before anyone's view of it is decided.
#[derive(Debug, Clone)]
pub struct Profile {
    pub person: Person,
    pub phone: Option<String>,
    pub bio: String,
    pub ward_id: Option<i64>,
    pub ward: Option<String>,
    pub erased: bool,
    visibility: HashMap<Field, Visibility>,
}

impl Profile {
    /// The visibility in force for a field: the person's choice, or the default.
    pub fn visibility(&self, field: Field) -> Visibility {
        self.visibility
            .get(&field)
            .copied()
            .unwrap_or_else(|| field.default_visibility())
    }
}

pub async fn profile(db: &Db, person_id: i64) -> Result<Option<Profile>> {
    let row = sqlx::query(
        "SELECT p.id, p.email, p.display_name, p.role, p.created_at, p.phone, p.bio, p.ward_id, p.erased_at,
                w.name AS ward
         FROM people p LEFT JOIN wards w ON w.id = p.ward_id WHERE p.id = $1",
    )
    .bind(person_id)
    .fetch_optional(db.pool())
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let rows = sqlx::query("SELECT field, visibility FROM field_visibility WHERE person_id = $1")
        .bind(person_id)
        .fetch_all(db.pool())
        .await?;
    let mut visibility = HashMap::new();
    for v in rows {
        let field: String = v.try_get("field")?;
        let vis: String = v.try_get("visibility")?;
        if let Some(f) = Field::parse(&field) {
            visibility.insert(f, Visibility::parse(&vis)?);
        }
    }
    let erased: Option<String> = r.try_get("erased_at")?;
    Ok(Some(Profile {
        person: crate::people::person_from_row(&r)?,
        phone: r.try_get("phone")?,
        bio: r.try_get("bio")?,
        ward_id: r.try_get("ward_id")?,
        ward: r.try_get("ward")?,
        erased: erased.is_some(),
        visibility,
    }))
}

/// The consents in force: the newest record per purpose.
pub async fn consents(db: &Db, person_id: i64) -> Result<HashMap<Purpose, bool>> {
    let rows = sqlx::query("SELECT purpose, given FROM consents WHERE person_id = $1 ORDER BY id")
        .bind(person_id)
        .fetch_all(db.pool())
        .await?;
    let mut now_in_force = HashMap::new();
    for r in rows {
        let purpose: String = r.try_get("purpose")?;
        let given: i64 = r.try_get("given")?;
        if let Some(p) = Purpose::parse(&purpose) {
            now_in_force.insert(p, given == 1);
        }
    }
    Ok(now_in_force)
}

/// What a person changes about their own profile in one go.
pub struct ProfileChange<'a> {
    pub phone: Option<&'a str>,
    pub bio: &'a str,
    pub ward_id: Option<i64>,
    pub visibility: &'a [(Field, Visibility)],
    pub consents: &'a [(Purpose, bool)],
}

/// Saves a profile change, the consents that changed (with their wording)
/// and the audit entries, in one transaction. The audit log names the fields
/// and purposes that changed, never their values.
pub async fn update(
    db: &Db,
    person_id: i64,
    change: &ProfileChange<'_>,
    via: Via,
    now: DateTime<Utc>,
) -> Result<()> {
    let before = profile(db, person_id).await?.ok_or(StoreError::NotFound)?;
    if before.erased {
        return Err(StoreError::Conflict(
            "This account has been erased and cannot be changed.".to_owned(),
        ));
    }
    let consents_before = consents(db, person_id).await?;
    let mut changed: Vec<&str> = Vec::new();
    if before.phone.as_deref() != change.phone {
        changed.push("phone");
    }
    if before.bio != change.bio {
        changed.push("bio");
    }
    if before.ward_id != change.ward_id {
        changed.push("ward");
    }
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE people SET phone = $1, bio = $2, ward_id = $3 WHERE id = $4")
        .bind(change.phone)
        .bind(change.bio)
        .bind(change.ward_id)
        .bind(person_id)
        .execute(&mut *tx)
        .await?;
    let mut visibility_changed = Vec::new();
    for (field, vis) in change.visibility {
        if before.visibility(*field) != *vis {
            visibility_changed.push(field.as_str());
        }
        sqlx::query(
            "INSERT INTO field_visibility (person_id, field, visibility) VALUES ($1, $2, $3)
             ON CONFLICT (person_id, field) DO UPDATE SET visibility = excluded.visibility",
        )
        .bind(person_id)
        .bind(field.as_str())
        .bind(vis.as_str())
        .execute(&mut *tx)
        .await?;
    }
    if !changed.is_empty() || !visibility_changed.is_empty() {
        let entry = NewEntry {
            actor: Some(person_id),
            via,
            action: "person.profile_update",
            object_type: "person",
            object_id: person_id.to_string(),
            summary: json!({ "fields": changed, "visibility": visibility_changed }),
        };
        audit::append(&mut tx, db.backend(), &entry, now).await?;
    }
    for (purpose, given) in change.consents {
        // A consent never recorded counts as not given.
        if consents_before.get(purpose).copied().unwrap_or(false) == *given {
            continue;
        }
        sqlx::query("INSERT INTO consents (person_id, purpose, given, wording, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(person_id)
            .bind(purpose.as_str())
            .bind(i64::from(*given))
            .bind(purpose.wording())
            .bind(time::encode(now))
            .execute(&mut *tx)
            .await?;
        let entry = NewEntry {
            actor: Some(person_id),
            via,
            action: if *given {
                "consent.give"
            } else {
                "consent.withdraw"
            },
            object_type: "person",
            object_id: person_id.to_string(),
            summary: json!({ "purpose": purpose.as_str() }),
        };
        audit::append(&mut tx, db.backend(), &entry, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Everything coproduce holds about a person, as one JSON document: the
/// answer to a subject access request, and the person's own download.
pub async fn export(db: &Db, person_id: i64, now: DateTime<Utc>) -> Result<Value> {
    let p = profile(db, person_id).await?.ok_or(StoreError::NotFound)?;
    let visibility: Value = Field::ALL
        .iter()
        .map(|f| (f.as_str().to_owned(), json!(p.visibility(*f).as_str())))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let consent_rows = sqlx::query(
        "SELECT purpose, given, wording, at FROM consents WHERE person_id = $1 ORDER BY id",
    )
    .bind(person_id)
    .fetch_all(db.pool())
    .await?;
    let mut consent_history = Vec::new();
    for r in consent_rows {
        let given: i64 = r.try_get("given")?;
        consent_history.push(json!({
            "purpose": r.try_get::<String, _>("purpose")?,
            "given": given == 1,
            "wording": r.try_get::<String, _>("wording")?,
            "at": r.try_get::<String, _>("at")?,
        }));
    }
    let session_rows = sqlx::query("SELECT created_at, last_seen_at, expires_at FROM sessions WHERE person_id = $1 ORDER BY created_at")
        .bind(person_id)
        .fetch_all(db.pool())
        .await?;
    let mut sessions = Vec::new();
    for r in session_rows {
        sessions.push(json!({
            "created_at": r.try_get::<String, _>("created_at")?,
            "last_seen_at": r.try_get::<String, _>("last_seen_at")?,
            "expires_at": r.try_get::<String, _>("expires_at")?,
        }));
    }
    let tokens: Vec<Value> = crate::tokens::list(db, person_id)
        .await?
        .into_iter()
        .map(|t| {
            json!({
                "name": t.name,
                "scope": t.scope.as_str(),
                "created_at": time::encode(t.created_at),
                "last_used_at": t.last_used_at.map(time::encode),
                "revoked_at": t.revoked_at.map(time::encode),
            })
        })
        .collect();
    let attempt_rows = sqlx::query(
        "SELECT address, at, succeeded FROM sign_in_attempts WHERE email = $1 ORDER BY at",
    )
    .bind(&p.person.email)
    .fetch_all(db.pool())
    .await?;
    let mut attempts = Vec::new();
    for r in attempt_rows {
        let ok: i64 = r.try_get("succeeded")?;
        attempts.push(json!({
            "address": r.try_get::<String, _>("address")?,
            "at": r.try_get::<String, _>("at")?,
            "succeeded": ok == 1,
        }));
    }
    let message_rows = sqlx::query(
        "SELECT kind, subject, created_at, sent_at FROM outbox WHERE to_address = $1 ORDER BY id",
    )
    .bind(&p.person.email)
    .fetch_all(db.pool())
    .await?;
    let mut messages = Vec::new();
    for r in message_rows {
        messages.push(json!({
            "kind": r.try_get::<String, _>("kind")?,
            "subject": r.try_get::<String, _>("subject")?,
            "created_at": r.try_get::<String, _>("created_at")?,
            "sent_at": r.try_get::<Option<String>, _>("sent_at")?,
        }));
    }
    // What they wrote about what they do, their decisions on skills and when
    // they can help; and the invitations to meet projects' needs.
    let profile = crate::skills::profile(db, person_id).await?;
    let skills = json!({
        "about": profile.about,
        "availability": profile.availability,
        "skills": profile.skills.iter().map(|s| json!({
            "uri": s.uri,
            "label": s.label,
            "decision": s.decision.as_str(),
            "origin": s.origin.as_str(),
            "evidence": s.evidence,
            "decided_at": time::encode(s.decided_at),
        })).collect::<Vec<_>>(),
    });
    let invitations: Vec<Value> = crate::matching::invitations_for_person(db, person_id)
        .await?
        .into_iter()
        .map(|i| {
            json!({
                "project": i.project_title,
                "need": i.need,
                "message": i.message,
                "reasons": i.reasons,
                "state": i.state.as_str(),
                "created_at": time::encode(i.created_at),
            })
        })
        .collect();
    // What they wrote in learning sets' logs, and their requests to join.
    let entry_rows = sqlx::query(
        "SELECT s.title, l.kind, l.body, l.visibility, l.created_at
         FROM learning_entries l JOIN learning_sets s ON s.id = l.set_id
         WHERE l.author_id = $1 ORDER BY l.id",
    )
    .bind(person_id)
    .fetch_all(db.pool())
    .await?;
    let mut learning_log = Vec::new();
    for r in entry_rows {
        learning_log.push(json!({
            "set": r.try_get::<String, _>("title")?,
            "kind": r.try_get::<String, _>("kind")?,
            "body": r.try_get::<String, _>("body")?,
            "visibility": r.try_get::<String, _>("visibility")?,
            "created_at": r.try_get::<String, _>("created_at")?,
        }));
    }
    let request_rows = sqlx::query(
        "SELECT x.theme, q.organisation, q.message, q.state, q.asked_at
         FROM learning_requests q JOIN learning_sessions x ON x.event_id = q.event_id
         WHERE q.person_id = $1 ORDER BY q.id",
    )
    .bind(person_id)
    .fetch_all(db.pool())
    .await?;
    let mut learning_requests = Vec::new();
    for r in request_rows {
        learning_requests.push(json!({
            "session": r.try_get::<String, _>("theme")?,
            "organisation": r.try_get::<String, _>("organisation")?,
            "message": r.try_get::<String, _>("message")?,
            "state": r.try_get::<String, _>("state")?,
            "asked_at": r.try_get::<String, _>("asked_at")?,
        }));
    }
    let activity: Vec<Value> = audit_about(db, person_id)
        .await?
        .into_iter()
        .map(|e| {
            json!({
                "seq": e.seq,
                "at": time::encode(e.at),
                "action": e.action,
                "object": format!("{}/{}", e.object_type, e.object_id),
                "by_you": e.actor == Some(person_id),
                "summary": serde_json::from_str::<Value>(&e.summary).unwrap_or(Value::Null),
            })
        })
        .collect();
    Ok(json!({
        "format": "coproduce personal data export, version 1",
        "exported_at": time::encode(now),
        "person": {
            "id": p.person.id,
            "display_name": p.person.display_name,
            "email": p.person.email,
            "role": p.person.role.as_str(),
            "phone": p.phone,
            "bio": p.bio,
            "ward": p.ward,
            "created_at": time::encode(p.person.created_at),
        },
        "visibility": visibility,
        "consents": consent_history,
        "sessions": sessions,
        "api_tokens": tokens,
        "sign_in_attempts": attempts,
        // Message bodies can hold one-time links, so only what was sent and when.
        "messages": messages,
        "skills": skills,
        "need_invitations": invitations,
        "learning_log": learning_log,
        "learning_requests": learning_requests,
        "activity": activity,
    }))
}

/// Audit entries made by the person or about them, oldest first.
async fn audit_about(db: &Db, person_id: i64) -> Result<Vec<coproduce_core::audit::Entry>> {
    let mut about = audit::for_object(db, "person", &person_id.to_string(), 10_000).await?;
    let by = audit::by_actor(db, person_id, 10_000).await?;
    for e in by {
        if !about.iter().any(|a| a.seq == e.seq) {
            about.push(e);
        }
    }
    about.sort_by_key(|e| e.seq);
    Ok(about)
}

/// Erases a person's personal data: the account row is kept under its id,
/// anonymised, so the audit chain (which names people only by id) and any
/// ledger that references them stay whole and verifiable. Everything else
/// that is theirs alone goes: sessions, tokens, consents, visibility
/// choices, and the sign-in attempts recorded against their address.
pub async fn erase(
    db: &Db,
    person_id: i64,
    actor: Option<i64>,
    via: Via,
    now: DateTime<Utc>,
) -> Result<()> {
    let p = profile(db, person_id).await?.ok_or(StoreError::NotFound)?;
    if p.erased {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    for sql in [
        "DELETE FROM sessions WHERE person_id = $1",
        "DELETE FROM api_tokens WHERE person_id = $1",
        "DELETE FROM consents WHERE person_id = $1",
        "DELETE FROM field_visibility WHERE person_id = $1",
        "DELETE FROM skill_profiles WHERE person_id = $1",
        "DELETE FROM person_skills WHERE person_id = $1",
        "UPDATE event_rsvps SET creche_children = 0, creche_ages = '', access_needs = '',
             dietary_needs = '', needs_shared_at = NULL, checkin_code = NULL WHERE person_id = $1",
        "DELETE FROM calendar_feeds WHERE person_id = $1",
        // What they wrote to a set's organisers when asking to join.
        "UPDATE learning_requests SET message = '' WHERE person_id = $1",
        "DELETE FROM password_resets WHERE person_id = $1",
    ] {
        sqlx::query(sql).bind(person_id).execute(&mut *tx).await?;
    }
    for sql in [
        "DELETE FROM sign_in_attempts WHERE email = $1",
        "DELETE FROM password_reset_requests WHERE email = $1",
        // Messages to them, sent or waiting: they hold the address and links.
        "DELETE FROM outbox WHERE to_address = $1",
        // Invitations still waiting for this address hold it; used ones keep
        // only the id of who accepted.
        "DELETE FROM invitations WHERE email = $1 AND accepted_at IS NULL",
        "UPDATE invitations SET email = '' WHERE email = $1",
    ] {
        sqlx::query(sql)
            .bind(&p.person.email)
            .execute(&mut *tx)
            .await?;
    }
    // Their name as others typed it where the register names people: a first
    // aider or safeguarding lead on a check, a holder of a liability; and a
    // volunteer paid back, named as the payee of an expense.
    for sql in [
        "UPDATE project_checks SET person_name = REPLACE(person_name, $1, $2) WHERE person_name LIKE $3",
        "UPDATE project_liabilities SET holder = REPLACE(holder, $1, $2) WHERE holder LIKE $3",
        "UPDATE expenses SET payee = REPLACE(payee, $1, $2) WHERE payee_kind = 'individual' AND payee LIKE $3",
    ] {
        sqlx::query(sql)
            .bind(p.person.display_name.as_str())
            .bind(privacy::ERASED_NAME)
            .bind(format!("%{}%", p.person.display_name.as_str()))
            .execute(&mut *tx)
            .await?;
    }
    // What they offered to the pool leaves it, and requests still waiting
    // for them to decide are declined: nobody is left to answer them.
    // Bookings they confirmed stand, as a withdrawal leaves them.
    for sql in [
        "UPDATE resource_bookings SET state = 'declined', decided_at = $2, updated_at = $2
         WHERE state = 'requested'
           AND resource_id IN (SELECT id FROM resources WHERE owner_id = $1 AND withdrawn_at IS NULL)",
        "UPDATE resources SET withdrawn_at = $2, updated_at = $2 WHERE owner_id = $1 AND withdrawn_at IS NULL",
    ] {
        sqlx::query(sql)
            .bind(person_id)
            .bind(time::encode(now))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "UPDATE people SET email = $1, display_name = $2, password_hash = NULL, phone = NULL, bio = '',
                ward_id = NULL, erased_at = $3
         WHERE id = $4",
    )
    .bind(privacy::erased_email(person_id))
    .bind(privacy::ERASED_NAME)
    .bind(time::encode(now))
    .bind(person_id)
    .execute(&mut *tx)
    .await?;
    let entry = NewEntry {
        actor,
        via,
        action: "person.erase",
        object_type: "person",
        object_id: person_id.to_string(),
        summary: json!({}),
    };
    audit::append(&mut tx, db.backend(), &entry, now).await?;
    tx.commit().await?;
    Ok(())
}
