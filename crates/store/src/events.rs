//! Events: putting them on the calendar, changing and cancelling them (with
//! the people coming told), their organisers and projects, and what is
//! coming up, series expanded into their occurrences.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use coproduce_core::events::{EventKind, Format, NewEvent, Status};
use coproduce_core::local_time;
use coproduce_core::series::Rule;
use coproduce_core::Invalid;
use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::audit::{self, NewEntry};
use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: i64,
    pub kind: EventKind,
    pub title: String,
    pub goals: String,
    pub description: String,
    pub format: Format,
    /// Never serialised: only organisers and confirmed places see it.
    #[serde(skip)]
    pub meeting_link: String,
    pub venue: String,
    pub accessibility: String,
    pub ward_id: Option<i64>,
    pub ward: Option<String>,
    /// Latitude and longitude of the venue.
    pub point: Option<(f64, f64)>,
    /// The first occurrence.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: Option<i64>,
    pub creche_capacity: Option<i64>,
    /// The RFC 5545 rule of a series, None for a single event.
    pub repeats: Option<String>,
    /// When the last occurrence ends; None for a series without an end.
    pub series_ends_at: Option<DateTime<Utc>>,
    pub status: Status,
    pub cancel_reason: String,
    /// Minutes after each date's start by which every table should have
    /// someone.
    pub tables_check_minutes: Option<i64>,
    /// Grows with every change, for calendars.
    pub sequence: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Event {
    pub fn rule(&self) -> Option<Rule> {
        self.repeats.as_deref().and_then(|r| Rule::parse(r).ok())
    }

    pub fn length(&self) -> Duration {
        self.ends_at - self.starts_at
    }

    /// The starts of the occurrences that have not ended by `from`, at most
    /// `limit` of them; a single event has one occurrence.
    pub fn occurrences(&self, from: DateTime<Utc>, limit: usize) -> Vec<DateTime<Utc>> {
        match self.rule() {
            Some(rule) => rule.occurrences(self.starts_at, self.length(), from, limit),
            None if self.ends_at >= from && limit > 0 => vec![self.starts_at],
            None => Vec::new(),
        }
    }

    /// The next occurrence that has not ended by `now`, if any.
    pub fn next_start(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.occurrences(now, 1).into_iter().next()
    }

    pub fn is_cancelled(&self) -> bool {
        self.status == Status::Cancelled
    }

    /// The start of the occurrence on a UK date, if there is one.
    pub fn occurrence_on(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        let midnight = local_time::from_uk(date.and_hms_opt(0, 0, 0)?)?;
        self.occurrences(midnight - self.length(), 3)
            .into_iter()
            .find(|s| local_time::uk(*s).date_naive() == date)
    }

    /// The occurrence the door works on by default: the one under way or
    /// next (one that ended within the last twelve hours still counts, for
    /// late check-ins), else the last one.
    pub fn door_occurrence(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        if let Some(next) = self.occurrences(now - Duration::hours(12), 1).first() {
            return *next;
        }
        self.rule()
            .and_then(|r| r.last_start(self.starts_at))
            .unwrap_or(self.starts_at)
    }

    /// Dates of a series around `at` for the door to choose between: up to
    /// `n` before it and `n` after, in order.
    pub fn dates_around(&self, at: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
        if self.rule().is_none() {
            return vec![self.starts_at];
        }
        // Enough dates from the start to reach `n` before `at`: series are
        // at most a few hundred dates long.
        let all = self.occurrences(self.starts_at, 1000);
        let here = all.iter().position(|s| *s >= at).unwrap_or(all.len());
        let from = here.saturating_sub(n);
        let to = (here + n + 1).min(all.len());
        all[from..to].to_vec()
    }
}

const SELECT: &str =
    "SELECT e.id, e.kind, e.title, e.goals, e.description, e.format, e.meeting_link,
            e.venue, e.accessibility, e.ward_id, e.latitude, e.longitude, e.starts_at, e.ends_at,
            e.capacity, e.creche_capacity, e.repeats, e.series_ends_at, e.status, e.cancel_reason,
            e.sequence, e.created_at, e.updated_at, e.tables_check_minutes, w.name AS ward
     FROM events e LEFT JOIN wards w ON w.id = e.ward_id";

fn event(r: &AnyRow) -> Result<Event> {
    let kind: String = r.try_get("kind")?;
    let format: String = r.try_get("format")?;
    let status: String = r.try_get("status")?;
    let starts: String = r.try_get("starts_at")?;
    let ends: String = r.try_get("ends_at")?;
    let created: String = r.try_get("created_at")?;
    let updated: Option<String> = r.try_get("updated_at")?;
    let series_end: Option<String> = r.try_get("series_ends_at")?;
    let repeats: String = r.try_get("repeats")?;
    let lat: Option<f64> = r.try_get("latitude")?;
    let lon: Option<f64> = r.try_get("longitude")?;
    let created_at = time::decode(&created)?;
    Ok(Event {
        id: r.try_get("id")?,
        kind: EventKind::parse(&kind)?,
        title: r.try_get("title")?,
        goals: r.try_get("goals")?,
        description: r.try_get("description")?,
        format: Format::parse(&format)?,
        meeting_link: r.try_get("meeting_link")?,
        venue: r.try_get("venue")?,
        accessibility: r.try_get("accessibility")?,
        ward_id: r.try_get("ward_id")?,
        ward: r.try_get("ward")?,
        point: lat.zip(lon),
        starts_at: time::decode(&starts)?,
        ends_at: time::decode(&ends)?,
        capacity: r.try_get("capacity")?,
        creche_capacity: r.try_get("creche_capacity")?,
        repeats: (!repeats.is_empty()).then_some(repeats),
        series_ends_at: series_end.as_deref().map(time::decode).transpose()?,
        status: Status::parse(&status)?,
        cancel_reason: r.try_get("cancel_reason")?,
        tables_check_minutes: r.try_get("tables_check_minutes")?,
        sequence: r.try_get("sequence")?,
        created_at,
        updated_at: updated
            .as_deref()
            .map(time::decode)
            .transpose()?
            .unwrap_or(created_at),
    })
}

/// Events not over by `$1`: a single event until it ends, a series until
/// its last occurrence ends (never, without an end).
const NOT_OVER: &str = "((e.repeats = '' AND e.ends_at >= $1)
     OR (e.repeats <> '' AND (e.series_ends_at IS NULL OR e.series_ends_at >= $1)))";

/// The most events read to work out what comes next: series make the
/// order something only Rust can compute.
const SCAN_MAX: i64 = 5000;

/// Events (cancelled ones too, so people learn of it) with an occurrence
/// that has not ended by `now`, soonest next occurrence first.
pub async fn upcoming(db: &Db, now: DateTime<Utc>, limit: i64) -> Result<Vec<Event>> {
    let sql = format!(
        "{SELECT} WHERE {NOT_OVER}
         ORDER BY e.starts_at, e.id LIMIT $2"
    );
    let query = sqlx::query(&sql).bind(time::encode(now)).bind(SCAN_MAX);
    let mut events: Vec<(DateTime<Utc>, Event)> = db
        .fetch_all(query, event)
        .await?
        .into_iter()
        .filter_map(|e| e.next_start(now).map(|next| (next, e)))
        .collect();
    events.sort_by_key(|(next, e)| (*next, e.id));
    let limit = usize::try_from(limit.clamp(1, 200)).unwrap_or(1);
    Ok(events.into_iter().take(limit).map(|(_, e)| e).collect())
}

/// One occurrence of an event: a single event's only one, or one date of a
/// series.
#[derive(Debug, Clone, Serialize)]
pub struct Occurrence {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub event: Event,
}

/// Every occurrence that has not ended by `from` and starts before `to`,
/// in order: the calendar.
pub async fn calendar(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<Occurrence>> {
    let sql = format!(
        "{SELECT} WHERE {NOT_OVER} AND e.starts_at < $2
         ORDER BY e.starts_at, e.id LIMIT $3"
    );
    let query = sqlx::query(&sql)
        .bind(time::encode(from))
        .bind(time::encode(to))
        .bind(SCAN_MAX);
    let mut all = Vec::new();
    for e in db.fetch_all(query, event).await? {
        let length = e.length();
        for start in e.occurrences(from, limit) {
            if start >= to {
                break;
            }
            all.push(Occurrence {
                starts_at: start,
                ends_at: start + length,
                event: e.clone(),
            });
        }
    }
    all.sort_by_key(|o| (o.starts_at, o.event.id));
    all.truncate(limit);
    Ok(all)
}

/// Every event, for the public calendar feed: those that ended long ago
/// are left out, since no calendar needs them.
pub async fn for_feed(db: &Db, since: DateTime<Utc>) -> Result<Vec<Event>> {
    let sql = format!(
        "{SELECT} WHERE {NOT_OVER}
         ORDER BY e.starts_at, e.id LIMIT $2"
    );
    db.fetch_all(
        sqlx::query(&sql).bind(time::encode(since)).bind(SCAN_MAX),
        event,
    )
    .await
}

/// The events a person is going to (with a confirmed place) or organises,
/// for their private calendar feed.
pub async fn for_person_feed(db: &Db, person_id: i64, since: DateTime<Utc>) -> Result<Vec<Event>> {
    let sql = format!(
        "{SELECT} WHERE {NOT_OVER}
           AND (e.id IN (SELECT event_id FROM event_rsvps WHERE person_id = $2 AND place = 'confirmed')
                OR e.id IN (SELECT event_id FROM event_organisers WHERE person_id = $2))
         ORDER BY e.starts_at, e.id LIMIT $3"
    );
    db.fetch_all(
        sqlx::query(&sql)
            .bind(time::encode(since))
            .bind(person_id)
            .bind(SCAN_MAX),
        event,
    )
    .await
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Event>> {
    let sql = format!("{SELECT} WHERE e.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(db.pool()).await?;
    row.as_ref().map(event).transpose()
}

/// The events a project came from or takes part in, newest first.
pub async fn for_project(db: &Db, project_id: i64) -> Result<Vec<Event>> {
    let sql = format!(
        "{SELECT} WHERE e.id IN (SELECT event_id FROM event_projects WHERE project_id = $1)
            OR e.id IN (SELECT origin_event_id FROM projects WHERE id = $1 AND origin_event_id IS NOT NULL)
         ORDER BY e.starts_at DESC, e.id DESC"
    );
    db.fetch_all(sqlx::query(&sql).bind(project_id), event)
        .await
}

/// Events to name as a project's origin: the newest first, by start.
pub async fn choices(db: &Db, limit: i64) -> Result<Vec<(i64, String, DateTime<Utc>)>> {
    db.fetch_all(
        sqlx::query(
            "SELECT id, title, starts_at FROM events ORDER BY starts_at DESC, id DESC LIMIT $1",
        )
        .bind(limit),
        |r| {
            let at: String = r.try_get("starts_at")?;
            Ok((
                r.try_get("id")?,
                r.try_get("title")?,
                crate::time::decode(&at)?,
            ))
        },
    )
    .await
}

/// One of an event's organisers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organiser {
    pub person_id: i64,
    pub name: String,
    #[serde(skip)]
    pub email: String,
}

pub async fn organisers(db: &Db, event_id: i64) -> Result<Vec<Organiser>> {
    db.fetch_all(
        sqlx::query(
            "SELECT p.id, p.display_name, p.email FROM event_organisers o
             JOIN people p ON p.id = o.person_id
             WHERE o.event_id = $1 ORDER BY o.since, p.id",
        )
        .bind(event_id),
        |r| {
            Ok(Organiser {
                person_id: r.try_get("id")?,
                name: r.try_get("display_name")?,
                email: r.try_get("email")?,
            })
        },
    )
    .await
}

/// The projects an event works on: (id, title).
pub async fn projects(db: &Db, event_id: i64) -> Result<Vec<(i64, String)>> {
    db.fetch_all(
        sqlx::query(
            "SELECT p.id, p.title FROM event_projects ep JOIN projects p ON p.id = ep.project_id
             WHERE ep.event_id = $1 ORDER BY p.title, p.id",
        )
        .bind(event_id),
        |r| Ok((r.try_get("id")?, r.try_get("title")?)),
    )
    .await
}

/// The ids of the events a person organises, for the policy.
pub async fn organised_by(db: &Db, person_id: i64) -> Result<Vec<i64>> {
    db.fetch_all(
        sqlx::query("SELECT event_id FROM event_organisers WHERE person_id = $1 ORDER BY event_id")
            .bind(person_id),
        |r| Ok(r.try_get("event_id")?),
    )
    .await
}

/// People named as organisers, by email; every unknown address is named in
/// the refusal so the form can say whom to invite first.
async fn resolve_organisers(tx: &mut Transaction<'_, Any>, emails: &[String]) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(emails.len());
    let mut unknown = Vec::new();
    for email in emails {
        let row =
            sqlx::query("SELECT id FROM people WHERE lower(email) = $1 AND erased_at IS NULL")
                .bind(email)
                .fetch_optional(&mut **tx)
                .await?;
        match row {
            Some(r) => ids.push(r.try_get("id")?),
            None => unknown.push(email.as_str()),
        }
    }
    if !unknown.is_empty() {
        return Err(Invalid::new(
            "organisers",
            format!(
                "No one has an account with {}: invite them first, or leave them out",
                unknown.join(", ")
            ),
        )
        .into());
    }
    Ok(ids)
}

async fn check_projects(tx: &mut Transaction<'_, Any>, ids: &[i64]) -> Result<()> {
    let mut unknown = Vec::new();
    for id in ids {
        let found = sqlx::query("SELECT id FROM projects WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        if found.is_none() {
            unknown.push(id.to_string());
        }
    }
    if !unknown.is_empty() {
        return Err(Invalid::new(
            "projects",
            format!(
                "There is no project numbered {}: check the numbers in the projects' addresses",
                unknown.join(", ")
            ),
        )
        .into());
    }
    Ok(())
}

async fn set_organisers(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    people: &[i64],
    now: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM event_organisers WHERE event_id = $1")
        .bind(event_id)
        .execute(&mut **tx)
        .await?;
    for person in people {
        sqlx::query(
            "INSERT INTO event_organisers (event_id, person_id, since) VALUES ($1, $2, $3)
             ON CONFLICT (event_id, person_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(person)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn set_projects(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    projects: &[i64],
) -> Result<()> {
    sqlx::query("DELETE FROM event_projects WHERE event_id = $1")
        .bind(event_id)
        .execute(&mut **tx)
        .await?;
    for project in projects {
        sqlx::query(
            "INSERT INTO event_projects (event_id, project_id) VALUES ($1, $2)
             ON CONFLICT (event_id, project_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(project)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// Binds an event's fields as $1 to $18, in the order the INSERT and the
/// UPDATE both name them.
fn bind_fields<'q>(query: AnyQuery<'q>, new: &'q NewEvent) -> AnyQuery<'q> {
    query
        .bind(new.kind.as_str())
        .bind(&new.title)
        .bind(&new.goals)
        .bind(&new.description)
        .bind(new.format.as_str())
        .bind(&new.meeting_link)
        .bind(&new.venue)
        .bind(&new.accessibility)
        .bind(new.ward_id)
        .bind(new.point.map(|p| p.0))
        .bind(new.point.map(|p| p.1))
        .bind(time::encode(new.starts_at))
        .bind(time::encode(new.ends_at))
        .bind(new.capacity)
        .bind(new.creche_capacity)
        .bind(new.repeats.as_ref().map(Rule::to_rrule).unwrap_or_default())
        .bind(new.series_ends_at().map(time::encode))
        .bind(new.tables_check_minutes)
}

fn summary(e: &NewEvent) -> serde_json::Value {
    json!({
        "kind": e.kind.as_str(),
        "title": e.title,
        "format": e.format.as_str(),
        "starts_at": time::encode(e.starts_at),
        "ends_at": time::encode(e.ends_at),
        "capacity": e.capacity,
        "creche_capacity": e.creche_capacity,
        "repeats": e.repeats.as_ref().map(Rule::to_rrule),
        "projects": e.project_ids,
    })
}

/// Puts an event on the calendar; whoever creates it organises it, with
/// the people named.
pub async fn create(db: &Db, new: &NewEvent, by: By) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let id = create_in(&mut tx, db.backend(), new, by).await?;
    tx.commit().await?;
    Ok(id)
}

/// Creates an event inside the caller's transaction, with its audit entry.
pub(crate) async fn create_in(
    tx: &mut Transaction<'_, Any>,
    backend: crate::Backend,
    new: &NewEvent,
    by: By,
) -> Result<i64> {
    let mut organisers = resolve_organisers(tx, &new.organiser_emails).await?;
    if let Some(actor) = by.actor {
        organisers.insert(0, actor);
    }
    check_projects(tx, &new.project_ids).await?;
    let now = time::encode(by.now);
    let row = bind_fields(
        sqlx::query(
            "INSERT INTO events (kind, title, goals, description, format, meeting_link, venue,
             accessibility, ward_id, latitude, longitude, starts_at, ends_at, capacity,
             creche_capacity, repeats, series_ends_at, tables_check_minutes, status, sequence,
             created_at, updated_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
             $18, 'scheduled', 0, $19, $19, $20)
         RETURNING id",
        ),
        new,
    )
    .bind(&now)
    .bind(by.actor)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| ward_refused(e, new.ward_id))?;
    let id: i64 = row.try_get("id")?;
    set_organisers(tx, id, &organisers, &now).await?;
    set_projects(tx, id, &new.project_ids).await?;
    crate::events::log(tx, backend, by, "event.create", id, summary(new)).await?;
    Ok(id)
}

/// A ward id the database does not know becomes the form's error.
fn ward_refused(e: sqlx::Error, ward: Option<i64>) -> StoreError {
    let text = e.to_string().to_lowercase();
    if ward.is_some() && (text.contains("foreign key") || text.contains("violates")) {
        Invalid::new("ward", "Choose a ward from the list").into()
    } else {
        e.into()
    }
}

/// The people an event's news goes to: everyone going or maybe going.
async fn people_coming(tx: &mut Transaction<'_, Any>, event_id: i64) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT p.email FROM event_rsvps r JOIN people p ON p.id = r.person_id
         WHERE r.event_id = $1 AND r.response IN ('going', 'maybe') AND p.erased_at IS NULL
         ORDER BY r.id",
    )
    .bind(event_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>("email")?))
        .collect()
}

async fn tell(
    tx: &mut Transaction<'_, Any>,
    emails: &[String],
    kind: &str,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    for email in emails {
        crate::outbox::enqueue(
            tx,
            &crate::outbox::NewMessage {
                kind,
                to_address: email,
                subject,
                body_text: body,
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// Changes an event. The editor stays an organiser if they were one; people
/// coming are told when the time, place or way of joining changes; places
/// added to the capacity go to the waiting list in turn.
pub async fn update(db: &Db, id: i64, new: &NewEvent, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let before = {
        let sql = format!("{SELECT} WHERE e.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        event(&row)?
    };
    if before.is_cancelled() {
        return Err(Invalid::new(
            "status",
            "This event is cancelled, so it can no longer be changed",
        )
        .into());
    }
    let mut organisers = resolve_organisers(&mut tx, &new.organiser_emails).await?;
    let was_organiser = match by.actor {
        Some(actor) => sqlx::query(
            "SELECT 1 AS one FROM event_organisers WHERE event_id = $1 AND person_id = $2",
        )
        .bind(id)
        .bind(actor)
        .fetch_optional(&mut *tx)
        .await?
        .is_some()
        .then_some(actor),
        None => None,
    };
    if let Some(actor) = was_organiser {
        if !organisers.contains(&actor) {
            organisers.insert(0, actor);
        }
    }
    if organisers.is_empty() {
        return Err(Invalid::new(
            "organisers",
            "Name at least one organiser by their email address",
        )
        .into());
    }
    check_projects(&mut tx, &new.project_ids).await?;
    let now = time::encode(by.now);
    bind_fields(
        sqlx::query(
            "UPDATE events SET kind = $1, title = $2, goals = $3, description = $4, format = $5,
             meeting_link = $6, venue = $7, accessibility = $8, ward_id = $9, latitude = $10,
             longitude = $11, starts_at = $12, ends_at = $13, capacity = $14,
             creche_capacity = $15, repeats = $16, series_ends_at = $17,
             tables_check_minutes = $18, sequence = sequence + 1, updated_at = $19
         WHERE id = $20",
        ),
        new,
    )
    .bind(&now)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(|e| ward_refused(e, new.ward_id))?;
    set_organisers(&mut tx, id, &organisers, &now).await?;
    set_projects(&mut tx, id, &new.project_ids).await?;
    // A single event's attendance is keyed by its start: it moves with it.
    if before.repeats.is_none() && new.repeats.is_none() && before.starts_at != new.starts_at {
        sqlx::query(
            "UPDATE event_attendance SET occurrence = $1 WHERE event_id = $2 AND occurrence = $3",
        )
        .bind(time::encode(new.starts_at))
        .bind(id)
        .bind(time::encode(before.starts_at))
        .execute(&mut *tx)
        .await?;
    }

    let moved = before.starts_at != new.starts_at
        || before.ends_at != new.ends_at
        || before.repeats != new.repeats.as_ref().map(Rule::to_rrule)
        || before.venue != new.venue
        || before.format != new.format
        || before.meeting_link != new.meeting_link;
    if moved {
        let coming = people_coming(&mut tx, id).await?;
        let when = local_time::span(new.starts_at, new.ends_at);
        let place = if new.format.has_venue() {
            new.venue.clone()
        } else {
            "online".to_owned()
        };
        tell(
            &mut tx,
            &coming,
            "event_changed",
            &format!("Changed: {}", new.title),
            &format!(
                "The organisers of \"{}\" changed when or where it happens. It is now:\n\n{when}\n{place}\n\nIf you can no longer come, say so on the event's page so that someone else can have your place: {}/events/{id}\n",
                new.title,
                crate::outbox::SITE
            ),
            by.now,
        )
        .await?;
    }
    let promoted = crate::rsvps::promote(&mut tx, id, new.capacity, &new.title, by).await?;
    let mut entry = summary(new);
    entry["promoted"] = json!(promoted);
    entry["told"] = json!(moved);
    crate::events::log(&mut tx, db.backend(), by, "event.update", id, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Calls an event off, with the reason, telling everyone going or maybe
/// going. Calendars show it as cancelled; nothing is deleted.
pub async fn cancel(db: &Db, id: i64, reason: &str, by: By) -> Result<()> {
    let reason = coproduce_core::events::check_cancel_reason(reason)?;
    let mut tx = db.begin_write().await?;
    let row = sqlx::query("SELECT title, status FROM events WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let title: String = row.try_get("title")?;
    if row.try_get::<String, _>("status")? == Status::Cancelled.as_str() {
        return Err(Invalid::new("reason", "This event is already cancelled").into());
    }
    sqlx::query(
        "UPDATE events SET status = 'cancelled', cancel_reason = $1, sequence = sequence + 1,
             updated_at = $2 WHERE id = $3",
    )
    .bind(&reason)
    .bind(time::encode(by.now))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let coming = people_coming(&mut tx, id).await?;
    tell(
        &mut tx,
        &coming,
        "event_cancelled",
        &format!("Cancelled: {title}"),
        &format!(
            "Sorry: \"{title}\" is cancelled. The organisers say: {reason}\n\nSee what else is coming up: {}/events\n",
            crate::outbox::SITE
        ),
        by.now,
    )
    .await?;
    crate::events::log(
        &mut tx,
        db.backend(),
        by,
        "event.cancel",
        id,
        json!({ "reason": reason, "told": coming.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The event a project came from, if it names one.
pub async fn origin_of(db: &Db, project_id: i64) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT origin_event_id FROM projects WHERE id = $1")
        .bind(project_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(match row {
        Some(r) => r.try_get("origin_event_id")?,
        None => None,
    })
}

/// The audit entry of a change to an event (its answers, door, tables and
/// rounds included), inside the caller's transaction.
pub(crate) async fn log(
    tx: &mut Transaction<'_, Any>,
    backend: crate::Backend,
    by: By,
    action: &'static str,
    event_id: i64,
    summary: serde_json::Value,
) -> Result<()> {
    let entry = NewEntry {
        actor: by.actor,
        via: by.via,
        action,
        object_type: "event",
        object_id: event_id.to_string(),
        summary,
    };
    audit::append(tx, backend, &entry, by.now).await?;
    Ok(())
}
