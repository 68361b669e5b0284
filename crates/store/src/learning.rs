//! Action learning sets: the sets and who takes part, their themed
//! sessions (events of kind "learning", made in the same transaction as the
//! row that ties them to the set), partners' requests to join a session,
//! and the learning log. Which entries a reader sees is core::learning's
//! rule, applied here to every list so no door can forget it.

use chrono::{DateTime, Utc};
use coproduce_core::learning::{
    self as rules, Ask, EntryKind, MemberRole, NewEntry, NewSession, NewSet, RequestState,
    Standing, Visibility,
};
use coproduce_core::rsvps::{Needs, Response};
use coproduce_core::Invalid;
use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::audit::{self, NewEntry as AuditEntry};
use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct Set {
    pub id: i64,
    pub title: String,
    pub purpose: String,
    pub open_to_partners: bool,
    pub created_at: DateTime<Utc>,
    pub sessions: i64,
    pub members: i64,
    pub entries_public: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub person_id: i64,
    pub name: String,
    pub role: MemberRole,
    pub organisation: String,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub event_id: i64,
    pub set_id: i64,
    /// Its place in the set, counting from 1 by date.
    pub number: i64,
    pub theme: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: String,
    pub cancelled: bool,
    /// People checked in.
    pub attended: i64,
    /// People with a confirmed place.
    pub going: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Request {
    pub id: i64,
    pub event_id: i64,
    pub theme: String,
    pub session_starts_at: DateTime<Utc>,
    pub person_id: i64,
    pub name: String,
    pub organisation: String,
    pub message: String,
    pub state: RequestState,
    pub asked_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: i64,
    pub set_id: i64,
    pub session_id: Option<i64>,
    pub theme: Option<String>,
    pub author_id: Option<i64>,
    pub author: String,
    pub kind: EntryKind,
    /// Markdown.
    pub body: String,
    pub visibility: Visibility,
    pub project_id: Option<i64>,
    pub project: Option<String>,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The toolkit article it was published as.
    pub article: Option<String>,
}

async fn log(
    tx: &mut Transaction<'_, Any>,
    backend: crate::Backend,
    by: By,
    action: &'static str,
    set_id: i64,
    summary: serde_json::Value,
) -> Result<()> {
    let entry = AuditEntry {
        actor: by.actor,
        via: by.via,
        action,
        object_type: "learning_set",
        object_id: set_id.to_string(),
        summary,
    };
    audit::append(tx, backend, &entry, by.now).await?;
    Ok(())
}

// ---- sets ---------------------------------------------------------------------------

const SET_SELECT: &str = "SELECT s.id, s.title, s.purpose, s.open_to_partners, s.created_at,
        (SELECT count(*) FROM learning_sessions x WHERE x.set_id = s.id) AS sessions,
        (SELECT count(*) FROM learning_members m WHERE m.set_id = s.id) AS members,
        (SELECT count(*) FROM learning_entries e
            WHERE e.set_id = s.id AND e.visibility = 'public') AS entries_public
    FROM learning_sets s";

fn set(r: &AnyRow) -> Result<Set> {
    let created: String = r.try_get("created_at")?;
    Ok(Set {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        purpose: r.try_get("purpose")?,
        open_to_partners: r.try_get::<i64, _>("open_to_partners")? == 1,
        created_at: time::decode(&created)?,
        sessions: r.try_get("sessions")?,
        members: r.try_get("members")?,
        entries_public: r.try_get("entries_public")?,
    })
}

/// Every set, newest first: that sets exist, their themes and public
/// entries are for everyone to see.
pub async fn sets(db: &Db) -> Result<Vec<Set>> {
    let sql = format!("{SET_SELECT} ORDER BY s.created_at DESC, s.id DESC");
    db.fetch_all(sqlx::query(&sql), set).await
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Set>> {
    let sql = format!("{SET_SELECT} WHERE s.id = $1");
    match sqlx::query(&sql).bind(id).fetch_optional(db.pool()).await? {
        Some(r) => Ok(Some(set(&r)?)),
        None => Ok(None),
    }
}

/// Starts a set; whoever starts it organises it.
pub async fn create(db: &Db, new: &NewSet, by: By) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let now = time::encode(by.now);
    let id: i64 = sqlx::query(
        "INSERT INTO learning_sets (title, purpose, open_to_partners, created_by, created_at,
             updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(&new.title)
    .bind(&new.purpose)
    .bind(i64::from(new.open_to_partners))
    .bind(by.actor)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    if let Some(person) = by.actor {
        set_member(&mut tx, id, person, MemberRole::Organiser, "", &now).await?;
    }
    log(
        &mut tx,
        db.backend(),
        by,
        "learning.set.create",
        id,
        json!({"title": new.title, "open_to_partners": new.open_to_partners}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a set's title, purpose and openness to partners.
pub async fn update(db: &Db, id: i64, new: &NewSet, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE learning_sets SET title = $1, purpose = $2, open_to_partners = $3, updated_at = $4
         WHERE id = $5",
    )
    .bind(&new.title)
    .bind(&new.purpose)
    .bind(i64::from(new.open_to_partners))
    .bind(time::encode(by.now))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    log(
        &mut tx,
        db.backend(),
        by,
        "learning.set.update",
        id,
        json!({"title": new.title, "open_to_partners": new.open_to_partners}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records a part in the set. An organiser or member of staff stays what
/// they are when they are also accepted into a session as a partner.
async fn set_member(
    tx: &mut Transaction<'_, Any>,
    set_id: i64,
    person_id: i64,
    role: MemberRole,
    organisation: &str,
    now: &str,
) -> Result<bool> {
    let existing: Option<String> =
        sqlx::query("SELECT role FROM learning_members WHERE set_id = $1 AND person_id = $2")
            .bind(set_id)
            .bind(person_id)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.try_get("role"))
            .transpose()?;
    let keep = match existing.as_deref().map(MemberRole::parse).transpose()? {
        None => false,
        Some(MemberRole::Organiser) => true,
        Some(MemberRole::Member) => role != MemberRole::Organiser,
        Some(MemberRole::Partner) => role == MemberRole::Partner,
    };
    if keep {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO learning_members (set_id, person_id, role, organisation, since)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (set_id, person_id) DO UPDATE SET role = excluded.role",
    )
    .bind(set_id)
    .bind(person_id)
    .bind(role.as_str())
    .bind(organisation)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// A member of staff joins the set (the caller has checked they are staff).
pub async fn join(db: &Db, set_id: i64, person_id: i64, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let now = time::encode(by.now);
    if set_member(&mut tx, set_id, person_id, MemberRole::Member, "", &now).await? {
        log(
            &mut tx,
            db.backend(),
            by,
            "learning.member.join",
            set_id,
            json!({"person": person_id}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Makes a member of the set an organiser too (an organiser's decision).
pub async fn make_organiser(db: &Db, set_id: i64, person_id: i64, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let now = time::encode(by.now);
    if set_member(&mut tx, set_id, person_id, MemberRole::Organiser, "", &now).await? {
        // Organisers of the set organise its sessions still to come.
        sqlx::query(
            "INSERT INTO event_organisers (event_id, person_id, since)
             SELECT x.event_id, $1, $2 FROM learning_sessions x WHERE x.set_id = $3
             ON CONFLICT (event_id, person_id) DO NOTHING",
        )
        .bind(person_id)
        .bind(&now)
        .bind(set_id)
        .execute(&mut *tx)
        .await?;
        log(
            &mut tx,
            db.backend(),
            by,
            "learning.member.organiser",
            set_id,
            json!({"person": person_id}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn members(db: &Db, set_id: i64) -> Result<Vec<Member>> {
    db.fetch_all(
        sqlx::query(
            "SELECT m.person_id, p.display_name, m.role, m.organisation, m.since
             FROM learning_members m JOIN people p ON p.id = m.person_id
             WHERE m.set_id = $1
             ORDER BY CASE m.role WHEN 'organiser' THEN 0 WHEN 'member' THEN 1 ELSE 2 END,
                 p.display_name, m.person_id",
        )
        .bind(set_id),
        |r| {
            let role: String = r.try_get("role")?;
            let since: String = r.try_get("since")?;
            Ok(Member {
                person_id: r.try_get("person_id")?,
                name: r.try_get("display_name")?,
                role: MemberRole::parse(&role)?,
                organisation: r.try_get("organisation")?,
                since: time::decode(&since)?,
            })
        },
    )
    .await
}

/// Where a person stands in a set.
pub async fn standing(db: &Db, set_id: i64, person: Option<i64>) -> Result<Standing> {
    let Some(person_id) = person else {
        return Ok(Standing::outsider());
    };
    let role =
        sqlx::query("SELECT role FROM learning_members WHERE set_id = $1 AND person_id = $2")
            .bind(set_id)
            .bind(person_id)
            .fetch_optional(db.pool())
            .await?
            .map(|r| -> Result<MemberRole> {
                let role: String = r.try_get("role")?;
                Ok(MemberRole::parse(&role)?)
            })
            .transpose()?;
    Ok(Standing::of(Some(person_id), role))
}

/// Whether the person takes part in any set as a partner (partners write
/// in the toolkit as well as officers).
pub async fn is_partner_anywhere(db: &Db, person_id: i64) -> Result<bool> {
    let row = sqlx::query(
        "SELECT 1 AS one FROM learning_members WHERE person_id = $1 AND role = 'partner' LIMIT 1",
    )
    .bind(person_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.is_some())
}

// ---- sessions ---------------------------------------------------------------------

const SESSION_SELECT: &str =
    "SELECT x.event_id, x.set_id, x.theme, e.starts_at, e.ends_at, e.venue,
        e.status,
        (SELECT count(DISTINCT a.person_id) FROM event_attendance a
            WHERE a.event_id = x.event_id) AS attended,
        (SELECT count(*) FROM event_rsvps r
            WHERE r.event_id = x.event_id AND r.place = 'confirmed') AS going
    FROM learning_sessions x JOIN events e ON e.id = x.event_id";

fn session(r: &AnyRow) -> Result<Session> {
    let starts: String = r.try_get("starts_at")?;
    let ends: String = r.try_get("ends_at")?;
    let status: String = r.try_get("status")?;
    Ok(Session {
        event_id: r.try_get("event_id")?,
        set_id: r.try_get("set_id")?,
        number: 0,
        theme: r.try_get("theme")?,
        starts_at: time::decode(&starts)?,
        ends_at: time::decode(&ends)?,
        venue: r.try_get("venue")?,
        cancelled: status == "cancelled",
        attended: r.try_get("attended")?,
        going: r.try_get("going")?,
    })
}

/// A set's sessions by date, numbered.
pub async fn sessions(db: &Db, set_id: i64) -> Result<Vec<Session>> {
    let sql = format!("{SESSION_SELECT} WHERE x.set_id = $1 ORDER BY e.starts_at, x.event_id");
    let mut all = db
        .fetch_all(sqlx::query(&sql).bind(set_id), session)
        .await?;
    for (i, s) in all.iter_mut().enumerate() {
        s.number = i as i64 + 1;
    }
    Ok(all)
}

/// One session of a set.
pub async fn session_in(db: &Db, set_id: i64, event_id: i64) -> Result<Option<Session>> {
    Ok(sessions(db, set_id)
        .await?
        .into_iter()
        .find(|s| s.event_id == event_id))
}

/// How many of the set's sessions each person was checked in at.
pub async fn attendance(db: &Db, set_id: i64) -> Result<Vec<(i64, i64)>> {
    db.fetch_all(
        sqlx::query(
            "SELECT a.person_id, count(DISTINCT a.event_id) AS n
             FROM event_attendance a JOIN learning_sessions x ON x.event_id = a.event_id
             WHERE x.set_id = $1 AND a.person_id IS NOT NULL
             GROUP BY a.person_id",
        )
        .bind(set_id),
        |r| Ok((r.try_get("person_id")?, r.try_get("n")?)),
    )
    .await
}

/// The set an event is a session of, with its title and the theme.
pub async fn set_of_event(db: &Db, event_id: i64) -> Result<Option<(i64, String, String)>> {
    let row = sqlx::query(
        "SELECT s.id, s.title, x.theme FROM learning_sessions x
         JOIN learning_sets s ON s.id = x.set_id WHERE x.event_id = $1",
    )
    .bind(event_id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("title")?, r.try_get("theme")?)))
        .transpose()
}

/// Adds a session: the event and its tie to the set in one transaction,
/// organised by the set's organisers.
pub async fn add_session(db: &Db, set_id: i64, new: &NewSession, by: By) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    sqlx::query("SELECT id FROM learning_sets WHERE id = $1")
        .bind(set_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let event_id = crate::events::create_in(&mut tx, db.backend(), &new.event, by).await?;
    sqlx::query("INSERT INTO learning_sessions (event_id, set_id, theme) VALUES ($1, $2, $3)")
        .bind(event_id)
        .bind(set_id)
        .bind(&new.theme)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO event_organisers (event_id, person_id, since)
         SELECT $1, m.person_id, $2 FROM learning_members m
         WHERE m.set_id = $3 AND m.role = 'organiser'
         ON CONFLICT (event_id, person_id) DO NOTHING",
    )
    .bind(event_id)
    .bind(time::encode(by.now))
    .bind(set_id)
    .execute(&mut *tx)
    .await?;
    log(
        &mut tx,
        db.backend(),
        by,
        "learning.session.add",
        set_id,
        json!({"event": event_id, "theme": new.theme}),
    )
    .await?;
    tx.commit().await?;
    Ok(event_id)
}

// ---- partners asking to join --------------------------------------------------------

fn request(r: &AnyRow) -> Result<Request> {
    let state: String = r.try_get("state")?;
    let asked: String = r.try_get("asked_at")?;
    let starts: String = r.try_get("starts_at")?;
    Ok(Request {
        id: r.try_get("id")?,
        event_id: r.try_get("event_id")?,
        theme: r.try_get("theme")?,
        session_starts_at: time::decode(&starts)?,
        person_id: r.try_get("person_id")?,
        name: r.try_get("display_name")?,
        organisation: r.try_get("organisation")?,
        message: r.try_get("message")?,
        state: RequestState::parse(&state)?,
        asked_at: time::decode(&asked)?,
    })
}

const REQUEST_SELECT: &str = "SELECT q.id, q.event_id, x.theme, e.starts_at, q.person_id,
        p.display_name, q.organisation, q.message, q.state, q.asked_at
    FROM learning_requests q
    JOIN learning_sessions x ON x.event_id = q.event_id
    JOIN events e ON e.id = q.event_id
    JOIN people p ON p.id = q.person_id";

/// A set's requests still waiting for an answer, oldest first.
pub async fn waiting_requests(db: &Db, set_id: i64) -> Result<Vec<Request>> {
    let sql = format!(
        "{REQUEST_SELECT} WHERE x.set_id = $1 AND q.state = 'asked' ORDER BY q.asked_at, q.id"
    );
    db.fetch_all(sqlx::query(&sql).bind(set_id), request).await
}

/// A person's own requests in a set.
pub async fn requests_of(db: &Db, set_id: i64, person_id: i64) -> Result<Vec<Request>> {
    let sql = format!(
        "{REQUEST_SELECT} WHERE x.set_id = $1 AND q.person_id = $2 ORDER BY e.starts_at, q.id"
    );
    db.fetch_all(sqlx::query(&sql).bind(set_id).bind(person_id), request)
        .await
}

async fn organiser_emails(tx: &mut Transaction<'_, Any>, set_id: i64) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT p.email FROM learning_members m JOIN people p ON p.id = m.person_id
         WHERE m.set_id = $1 AND m.role = 'organiser' AND p.erased_at IS NULL ORDER BY p.id",
    )
    .bind(set_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>("email")?))
        .collect()
}

/// A partner asks to join a session (the caller has asked core whether
/// they may); the set's organisers are told.
pub async fn ask(
    db: &Db,
    set_id: i64,
    event_id: i64,
    person_id: i64,
    ask: &Ask,
    by: By,
) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let theme: String =
        sqlx::query("SELECT theme FROM learning_sessions WHERE event_id = $1 AND set_id = $2")
            .bind(event_id)
            .bind(set_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?
            .try_get("theme")?;
    let before: Option<String> =
        sqlx::query("SELECT state FROM learning_requests WHERE event_id = $1 AND person_id = $2")
            .bind(event_id)
            .bind(person_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("state"))
            .transpose()?;
    if let Some(state) = before {
        let message = match RequestState::parse(&state)? {
            RequestState::Asked => {
                "You have already asked to join this session: the organisers will answer by email"
            }
            RequestState::Accepted => "You are already in this session",
            RequestState::Declined => {
                "The organisers could not take you into this session: ask to join another"
            }
        };
        return Err(Invalid::new("session", message).into());
    }
    let id: i64 = sqlx::query(
        "INSERT INTO learning_requests (event_id, person_id, organisation, message, state, asked_at)
         VALUES ($1, $2, $3, $4, 'asked', $5) RETURNING id",
    )
    .bind(event_id)
    .bind(person_id)
    .bind(&ask.organisation)
    .bind(&ask.message)
    .bind(time::encode(by.now))
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    for email in organiser_emails(&mut tx, set_id).await? {
        crate::outbox::enqueue(
            &mut tx,
            &crate::outbox::NewMessage {
                kind: "learning_request",
                to_address: &email,
                subject: &format!("Someone asks to join a learning session: {theme}"),
                body_text: &format!(
                    "Someone from {} asks to join the session on \"{theme}\".\n\nAccept or decline on the set's page: {}/learning/{set_id}\n",
                    ask.organisation,
                    crate::outbox::SITE
                ),
            },
            by.now,
        )
        .await?;
    }
    log(
        &mut tx,
        db.backend(),
        by,
        "learning.request.ask",
        set_id,
        json!({"event": event_id, "person": person_id, "request": id}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// An organiser answers a request. Accepted, the person becomes a partner
/// in the set with a confirmed place (or a waiting-list place, if the
/// session is full), all in one transaction; either way they are told.
pub async fn answer(
    db: &Db,
    set_id: i64,
    request_id: i64,
    accept: bool,
    by: By,
) -> Result<RequestState> {
    let mut tx = db.begin_write().await?;
    let row = sqlx::query(
        "SELECT q.event_id, q.person_id, q.organisation, q.state, x.theme, p.email
         FROM learning_requests q
         JOIN learning_sessions x ON x.event_id = q.event_id
         JOIN people p ON p.id = q.person_id
         WHERE q.id = $1 AND x.set_id = $2",
    )
    .bind(request_id)
    .bind(set_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    let event_id: i64 = row.try_get("event_id")?;
    let person_id: i64 = row.try_get("person_id")?;
    let organisation: String = row.try_get("organisation")?;
    let theme: String = row.try_get("theme")?;
    let email: String = row.try_get("email")?;
    let state: String = row.try_get("state")?;
    let next = RequestState::parse(&state)?.answer(accept)?;
    let now = time::encode(by.now);
    sqlx::query(
        "UPDATE learning_requests SET state = $1, decided_at = $2, decided_by = $3 WHERE id = $4",
    )
    .bind(next.as_str())
    .bind(&now)
    .bind(by.actor)
    .bind(request_id)
    .execute(&mut *tx)
    .await?;
    let (subject, body) = if next == RequestState::Accepted {
        set_member(
            &mut tx,
            set_id,
            person_id,
            MemberRole::Partner,
            &organisation,
            &now,
        )
        .await?;
        let outcome = crate::rsvps::respond_in(
            &mut tx,
            db.backend(),
            event_id,
            person_id,
            Response::Going,
            &Needs::default(),
            by,
        )
        .await?;
        let place = if outcome.place == Some(coproduce_core::rsvps::Place::Waiting) {
            "The session is full for now, so you are on its waiting list and will be told if a place comes free."
        } else {
            "Your place is confirmed."
        };
        (
            format!("You are in: {theme}"),
            format!(
                "The organisers have accepted you into the learning session on \"{theme}\". {place}\n\nThe session's page, with its time and place: {}/events/{event_id}\n",
                crate::outbox::SITE
            ),
        )
    } else {
        (
            format!("About the learning session: {theme}"),
            format!(
                "The organisers could not take you into the session on \"{theme}\" this time. You are welcome to ask to join another: {}/learning/{set_id}\n",
                crate::outbox::SITE
            ),
        )
    };
    crate::outbox::enqueue(
        &mut tx,
        &crate::outbox::NewMessage {
            kind: "learning_answer",
            to_address: &email,
            subject: &subject,
            body_text: &body,
        },
        by.now,
    )
    .await?;
    log(
        &mut tx,
        db.backend(),
        by,
        "learning.request.answer",
        set_id,
        json!({"request": request_id, "person": person_id, "state": next.as_str()}),
    )
    .await?;
    tx.commit().await?;
    Ok(next)
}

// ---- the log ------------------------------------------------------------------------

const ENTRY_SELECT: &str = "SELECT l.id, l.set_id, l.event_id, x.theme, l.author_id,
        p.display_name, l.kind, l.body, l.visibility, l.project_id, pr.title AS project_title,
        l.created_at, l.updated_at, a.slug AS article
    FROM learning_entries l
    LEFT JOIN learning_sessions x ON x.event_id = l.event_id
    LEFT JOIN people p ON p.id = l.author_id
    LEFT JOIN projects pr ON pr.id = l.project_id
    LEFT JOIN toolkit_articles a ON a.entry_id = l.id";

fn entry(r: &AnyRow) -> Result<Entry> {
    let kind: String = r.try_get("kind")?;
    let visibility: String = r.try_get("visibility")?;
    let created: String = r.try_get("created_at")?;
    let updated: String = r.try_get("updated_at")?;
    let author: Option<String> = r.try_get("display_name")?;
    Ok(Entry {
        id: r.try_get("id")?,
        set_id: r.try_get("set_id")?,
        session_id: r.try_get("event_id")?,
        theme: r.try_get("theme")?,
        author_id: r.try_get("author_id")?,
        author: author.unwrap_or_else(|| "Someone who has left".to_owned()),
        kind: EntryKind::parse(&kind)?,
        body: r.try_get("body")?,
        visibility: Visibility::parse(&visibility)?,
        project_id: r.try_get("project_id")?,
        project: r.try_get("project_title")?,
        tags: Vec::new(),
        created_at: time::decode(&created)?,
        updated_at: time::decode(&updated)?,
        article: r.try_get("article")?,
    })
}

/// What to read of a log.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub session: Option<i64>,
    /// A session theme, as written.
    pub theme: Option<String>,
    pub tag: Option<String>,
}

async fn tags_of(db: &Db, set_id: i64) -> Result<Vec<(i64, String)>> {
    db.fetch_all(
        sqlx::query(
            "SELECT t.entry_id, t.tag FROM learning_entry_tags t
             JOIN learning_entries l ON l.id = t.entry_id
             WHERE l.set_id = $1 ORDER BY t.entry_id, t.tag",
        )
        .bind(set_id),
        |r| Ok((r.try_get("entry_id")?, r.try_get("tag")?)),
    )
    .await
}

/// The entries of a set the reader may read, newest first, narrowed by the
/// filter.
pub async fn entries(
    db: &Db,
    set_id: i64,
    filter: &Filter,
    reader: Standing,
) -> Result<Vec<Entry>> {
    let sql = format!("{ENTRY_SELECT} WHERE l.set_id = $1 ORDER BY l.created_at DESC, l.id DESC");
    let all = db.fetch_all(sqlx::query(&sql).bind(set_id), entry).await?;
    let tags = tags_of(db, set_id).await?;
    Ok(all
        .into_iter()
        .filter(|e| rules::may_read(e.visibility, e.author_id, reader))
        .map(|mut e| {
            e.tags = tags
                .iter()
                .filter(|(id, _)| *id == e.id)
                .map(|(_, t)| t.clone())
                .collect();
            e
        })
        .filter(|e| filter.session.is_none_or(|s| e.session_id == Some(s)))
        .filter(|e| {
            filter
                .theme
                .as_ref()
                .is_none_or(|t| e.theme.as_deref() == Some(t.as_str()))
        })
        .filter(|e| filter.tag.as_ref().is_none_or(|t| e.tags.contains(t)))
        .collect())
}

/// The tags of the entries the reader may read, most used first.
pub async fn tag_counts(db: &Db, set_id: i64, reader: Standing) -> Result<Vec<(String, i64)>> {
    let visible = entries(db, set_id, &Filter::default(), reader).await?;
    let mut counts: Vec<(String, i64)> = Vec::new();
    for tag in visible.iter().flat_map(|e| e.tags.iter()) {
        match counts.iter_mut().find(|(t, _)| t == tag) {
            Some((_, n)) => *n += 1,
            None => counts.push((tag.clone(), 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(counts)
}

/// One entry, whoever may read it (callers ask core).
pub async fn entry_in(db: &Db, set_id: i64, id: i64) -> Result<Option<Entry>> {
    let sql = format!("{ENTRY_SELECT} WHERE l.set_id = $1 AND l.id = $2");
    let Some(row) = sqlx::query(&sql)
        .bind(set_id)
        .bind(id)
        .fetch_optional(db.pool())
        .await?
    else {
        return Ok(None);
    };
    let mut e = entry(&row)?;
    e.tags = tags_of(db, set_id)
        .await?
        .into_iter()
        .filter(|(entry, _)| *entry == id)
        .map(|(_, t)| t)
        .collect();
    Ok(Some(e))
}

/// The session and project an entry names must be this set's session and a
/// real project.
async fn check_links(tx: &mut Transaction<'_, Any>, set_id: i64, new: &NewEntry) -> Result<()> {
    if let Some(session) = new.session {
        let found = sqlx::query(
            "SELECT 1 AS one FROM learning_sessions WHERE event_id = $1 AND set_id = $2",
        )
        .bind(session)
        .bind(set_id)
        .fetch_optional(&mut **tx)
        .await?;
        if found.is_none() {
            return Err(
                Invalid::new("session", "Choose one of this set's sessions, or none").into(),
            );
        }
    }
    if let Some(project) = new.project {
        let found = sqlx::query("SELECT 1 AS one FROM projects WHERE id = $1")
            .bind(project)
            .fetch_optional(&mut **tx)
            .await?;
        if found.is_none() {
            return Err(Invalid::new(
                "project",
                format!("There is no project numbered {project}: check the number in the project's address"),
            )
            .into());
        }
    }
    Ok(())
}

async fn set_tags(tx: &mut Transaction<'_, Any>, entry_id: i64, tags: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM learning_entry_tags WHERE entry_id = $1")
        .bind(entry_id)
        .execute(&mut **tx)
        .await?;
    for tag in tags {
        sqlx::query("INSERT INTO learning_entry_tags (entry_id, tag) VALUES ($1, $2)")
            .bind(entry_id)
            .bind(tag)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Writes an entry in the set's log (the caller has asked core whether the
/// author may).
pub async fn write(db: &Db, set_id: i64, new: &NewEntry, by: By) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    check_links(&mut tx, set_id, new).await?;
    let now = time::encode(by.now);
    let id: i64 = sqlx::query(
        "INSERT INTO learning_entries (set_id, event_id, author_id, kind, body, visibility,
             project_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(set_id)
    .bind(new.session)
    .bind(by.actor)
    .bind(new.kind.as_str())
    .bind(&new.body)
    .bind(new.visibility.as_str())
    .bind(new.project)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    set_tags(&mut tx, id, &new.tags).await?;
    // The words stay out of the audit log, which anyone with the right may read.
    log(
        &mut tx,
        db.backend(),
        by,
        "learning.entry.write",
        set_id,
        json!({"entry": id, "kind": new.kind.as_str(), "visibility": new.visibility.as_str()}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes an entry (the caller has asked core whether this is its author).
/// An entry already in the toolkit stays public.
pub async fn rewrite(db: &Db, set_id: i64, id: i64, new: &NewEntry, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    check_links(&mut tx, set_id, new).await?;
    let published = sqlx::query("SELECT 1 AS one FROM toolkit_articles WHERE entry_id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
    if published && new.visibility != Visibility::Public {
        return Err(Invalid::new(
            "visibility",
            "This entry is in the public toolkit, so it stays readable by everyone",
        )
        .into());
    }
    let done = sqlx::query(
        "UPDATE learning_entries SET event_id = $1, kind = $2, body = $3, visibility = $4,
             project_id = $5, updated_at = $6
         WHERE id = $7 AND set_id = $8",
    )
    .bind(new.session)
    .bind(new.kind.as_str())
    .bind(&new.body)
    .bind(new.visibility.as_str())
    .bind(new.project)
    .bind(time::encode(by.now))
    .bind(id)
    .bind(set_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    set_tags(&mut tx, id, &new.tags).await?;
    log(
        &mut tx,
        db.backend(),
        by,
        "learning.entry.rewrite",
        set_id,
        json!({"entry": id, "kind": new.kind.as_str(), "visibility": new.visibility.as_str()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Publishes an entry to the toolkit with one action: the entry becomes
/// public and an article is made of it, in one transaction. Publishing
/// twice gives back the article already made.
pub async fn publish(db: &Db, set_id: i64, id: i64, by: By) -> Result<String> {
    let mut tx = db.begin_write().await?;
    let sql = format!("{ENTRY_SELECT} WHERE l.set_id = $1 AND l.id = $2");
    let found = sqlx::query(&sql)
        .bind(set_id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let e = entry(&found)?;
    if let Some(slug) = e.article {
        return Ok(slug);
    }
    sqlx::query("UPDATE learning_entries SET visibility = 'public', updated_at = $1 WHERE id = $2")
        .bind(time::encode(by.now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let article =
        coproduce_core::toolkit::NewArticle::from_entry(e.kind, &e.body, e.theme.as_deref());
    // The entry's author signs the article: it is their words.
    let author = e.author_id.or(by.actor);
    let slug =
        crate::toolkit::create_in(&mut tx, db.backend(), &article, Some(id), author, by).await?;
    log(
        &mut tx,
        db.backend(),
        by,
        "learning.entry.publish",
        set_id,
        json!({"entry": id, "article": slug}),
    )
    .await?;
    tx.commit().await?;
    Ok(slug)
}
