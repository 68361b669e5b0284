//! Reminders the day before: everyone with a confirmed place at a date of
//! an event is emailed through the outbox, once for that date, with what
//! they need to find it (and the meeting link, which only they may see).

use chrono::{DateTime, Duration, Utc};
use coproduce_core::local_time;
use serde_json::json;
use sqlx::Row;

use crate::audit::{self, NewEntry};
use crate::events::{self, Event};
use crate::{time, Db, Result};
use coproduce_core::audit::Via;

/// How far ahead reminders look: a day, and an hour's slack for the hourly
/// sweep that sends them.
pub const AHEAD: Duration = Duration::hours(25);

fn body(e: &Event, start: DateTime<Utc>, creche: i64) -> String {
    let mut text = format!(
        "A reminder: \"{}\" is on {}.\n\n",
        e.title,
        local_time::span(start, start + e.length())
    );
    if e.format.has_venue() {
        text.push_str(&format!("Where: {}\n", e.venue));
        if !e.accessibility.is_empty() {
            text.push_str(&format!("Access: {}\n", e.accessibility));
        }
    }
    if e.format.has_call() && !e.meeting_link.is_empty() {
        text.push_str(&format!("Join online: {}\n", e.meeting_link));
    }
    if creche > 0 {
        text.push_str(&format!(
            "Crèche: {creche} {} booked.\n",
            if creche == 1 { "place" } else { "places" }
        ));
    }
    if !e.goals.is_empty() {
        text.push_str(&format!("\nWhat it is for: {}\n", e.goals));
    }
    text.push_str(&format!(
        "\nYour check-in code is on the event's page. If you can no longer come, say so there so that someone on the waiting list can have your place: {}/events/{}\n",
        crate::outbox::SITE,
        e.id
    ));
    text
}

/// Sends the reminders due by `now`: one email per confirmed person per
/// date starting within `AHEAD`, each date once. Returns how many emails
/// were queued.
pub async fn send_due(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let mut queued = 0;
    for e in events::upcoming(db, now, 200).await? {
        if e.is_cancelled() {
            continue;
        }
        for start in e.occurrences(now, 3) {
            if start < now || start > now + AHEAD {
                continue;
            }
            queued += remind(db, &e, start, now).await?;
        }
    }
    Ok(queued)
}

async fn remind(db: &Db, e: &Event, start: DateTime<Utc>, now: DateTime<Utc>) -> Result<u64> {
    let mut tx = db.begin_write().await?;
    let occurrence = time::encode(start);
    let done =
        sqlx::query("SELECT 1 AS one FROM event_reminders WHERE event_id = $1 AND occurrence = $2")
            .bind(e.id)
            .bind(&occurrence)
            .fetch_optional(&mut *tx)
            .await?;
    if done.is_some() {
        return Ok(0);
    }
    let people = sqlx::query(
        "SELECT p.email, r.creche_children FROM event_rsvps r JOIN people p ON p.id = r.person_id
         WHERE r.event_id = $1 AND r.place = 'confirmed' AND p.erased_at IS NULL ORDER BY r.id",
    )
    .bind(e.id)
    .fetch_all(&mut *tx)
    .await?;
    let subject = format!("Tomorrow: {}", e.title);
    for p in &people {
        let email: String = p.try_get("email")?;
        let creche: i64 = p.try_get("creche_children")?;
        crate::outbox::enqueue(
            &mut tx,
            &crate::outbox::NewMessage {
                kind: "event_reminder",
                to_address: &email,
                subject: &subject,
                body_text: &body(e, start, creche),
            },
            now,
        )
        .await?;
    }
    let n = people.len() as i64;
    sqlx::query(
        "INSERT INTO event_reminders (event_id, occurrence, sent_at, people) VALUES ($1, $2, $3, $4)",
    )
    .bind(e.id)
    .bind(&occurrence)
    .bind(time::encode(now))
    .bind(n)
    .execute(&mut *tx)
    .await?;
    audit::append(
        &mut tx,
        db.backend(),
        &NewEntry {
            actor: None,
            via: Via::System,
            action: "event.remind",
            object_type: "event",
            object_id: e.id.to_string(),
            summary: json!({ "occurrence": occurrence, "people": n }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(n as u64)
}
