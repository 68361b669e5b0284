//! Answers to events, with places and the waiting list kept exact when many
//! people answer at once: each answer locks its event (SQLite's write lock;
//! PostgreSQL's row lock on the event) before counting the places.

use coproduce_core::rsvps::{self as rules, Needs, Place, Response, Room};
use serde::Serialize;
use serde_json::json;
use sqlx::{Any, Row, Transaction};

use crate::memberships::By;
use crate::{time, Backend, Db, Result, StoreError};

/// What an answer did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub response: Response,
    /// For someone going: a place, or the waiting list.
    pub place: Option<Place>,
    /// People moved from the waiting list to a place by this answer.
    pub promoted: Vec<i64>,
}

async fn lock_event(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    event_id: i64,
) -> Result<(String, Option<i64>, Option<i64>)> {
    let sql = match backend {
        // BEGIN IMMEDIATE already holds the database's write lock.
        Backend::Sqlite => "SELECT title, capacity, creche_capacity FROM events WHERE id = $1",
        Backend::Postgres => {
            "SELECT title, capacity, creche_capacity FROM events WHERE id = $1 FOR UPDATE"
        }
    };
    let row = sqlx::query(sql)
        .bind(event_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((
        row.try_get("title")?,
        row.try_get("capacity")?,
        row.try_get("creche_capacity")?,
    ))
}

/// The person's answer: going, maybe or not going, with what they need to
/// come. A place freed by the answer goes to the first on the waiting
/// list, who is told by email.
pub async fn respond(
    db: &Db,
    event_id: i64,
    person_id: i64,
    response: Response,
    needs: &Needs,
    by: By,
) -> Result<Outcome> {
    let mut tx = db.begin_write().await?;
    let outcome = respond_in(
        &mut tx,
        db.backend(),
        event_id,
        person_id,
        response,
        needs,
        by,
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// The same answer, inside the caller's transaction (a partner accepted
/// into a learning session is given a place as part of the acceptance).
pub(crate) async fn respond_in(
    tx: &mut Transaction<'_, Any>,
    backend: crate::Backend,
    event_id: i64,
    person_id: i64,
    response: Response,
    needs: &Needs,
    by: By,
) -> Result<Outcome> {
    let (title, capacity, creche_capacity) = lock_event(tx, backend, event_id).await?;
    let before = sqlx::query(
        "SELECT place, waiting_since FROM event_rsvps WHERE event_id = $1 AND person_id = $2",
    )
    .bind(event_id)
    .bind(person_id)
    .fetch_optional(&mut **tx)
    .await?;
    let held: Option<Place> = match &before {
        Some(r) => r
            .try_get::<Option<String>, _>("place")?
            .as_deref()
            .and_then(Place::parse),
        None => None,
    };
    let waiting_since: Option<String> = match &before {
        Some(r) => r.try_get("waiting_since")?,
        None => None,
    };
    let counts = sqlx::query(
        "SELECT
            CAST(COALESCE(SUM(CASE WHEN place = 'confirmed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS confirmed,
            CAST(COALESCE(SUM(CASE WHEN place = 'waiting' THEN 1 ELSE 0 END), 0) AS BIGINT) AS waiting,
            CAST(COALESCE(SUM(creche_children), 0) AS BIGINT) AS creche
         FROM event_rsvps WHERE event_id = $1 AND response = 'going' AND person_id <> $2",
    )
    .bind(event_id)
    .bind(person_id)
    .fetch_one(&mut **tx)
    .await?;
    let room = Room {
        capacity,
        confirmed: counts.try_get("confirmed")?,
        waiting: counts.try_get("waiting")?,
        creche_capacity,
        creche_taken: counts.try_get("creche")?,
    };
    let place = match response {
        Response::Going => {
            rules::check_creche(room, needs.creche_children)?;
            Some(rules::place_for(room, held))
        }
        Response::Maybe | Response::NotGoing => None,
    };
    // Someone who stays on the waiting list keeps their turn.
    let waiting_since = match place {
        Some(Place::Waiting) => Some(waiting_since.unwrap_or_else(|| time::encode(by.now))),
        _ => None,
    };
    let now = time::encode(by.now);
    let shared_at = (!needs.is_empty()).then(|| now.clone());
    // The first answer gets the code its QR code carries; later ones keep it.
    sqlx::query(
        "INSERT INTO event_rsvps (event_id, person_id, response, place, waiting_since, creche_children,
             creche_ages, access_needs, dietary_needs, needs_shared_at, created_at, updated_at,
             checkin_code)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)
         ON CONFLICT (event_id, person_id) DO UPDATE SET response = excluded.response,
             checkin_code = COALESCE(event_rsvps.checkin_code, excluded.checkin_code),
             place = excluded.place, waiting_since = excluded.waiting_since,
             creche_children = excluded.creche_children, creche_ages = excluded.creche_ages,
             access_needs = excluded.access_needs, dietary_needs = excluded.dietary_needs,
             needs_shared_at = excluded.needs_shared_at, updated_at = excluded.updated_at",
    )
    .bind(event_id)
    .bind(person_id)
    .bind(response.as_str())
    .bind(place.map(Place::as_str))
    .bind(waiting_since)
    .bind(needs.creche_children)
    .bind(&needs.creche_ages)
    .bind(&needs.access)
    .bind(&needs.dietary)
    .bind(shared_at)
    .bind(&now)
    .bind(checkin_code()?)
    .execute(&mut **tx)
    .await?;

    let promoted = if held == Some(Place::Confirmed) && place != Some(Place::Confirmed) {
        promote(tx, event_id, capacity, &title, by).await?
    } else {
        Vec::new()
    };
    // What they need stays out of the log, which outlives erasure.
    crate::events::log(
        tx,
        backend,
        by,
        "event.rsvp",
        event_id,
        json!({
            "person": person_id,
            "response": response.as_str(),
            "place": place.map(Place::as_str),
            "promoted": promoted,
        }),
    )
    .await?;
    Ok(Outcome {
        response,
        place,
        promoted,
    })
}

/// Gives free places to the waiting list in turn, inside the caller's
/// transaction, and tells each person promoted.
pub(crate) async fn promote(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    capacity: Option<i64>,
    title: &str,
    by: By,
) -> Result<Vec<i64>> {
    let confirmed: i64 = sqlx::query(
        "SELECT count(*) AS n FROM event_rsvps WHERE event_id = $1 AND place = 'confirmed'",
    )
    .bind(event_id)
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?;
    let waiting = sqlx::query(
        "SELECT r.person_id, p.email FROM event_rsvps r JOIN people p ON p.id = r.person_id
         WHERE r.event_id = $1 AND r.place = 'waiting' ORDER BY r.waiting_since, r.id",
    )
    .bind(event_id)
    .fetch_all(&mut **tx)
    .await?;
    let n = rules::promotions(capacity, confirmed, waiting.len());
    let mut promoted = Vec::new();
    for r in waiting.iter().take(n) {
        let person: i64 = r.try_get("person_id")?;
        let email: String = r.try_get("email")?;
        sqlx::query(
            "UPDATE event_rsvps SET place = 'confirmed', waiting_since = NULL, updated_at = $1
             WHERE event_id = $2 AND person_id = $3",
        )
        .bind(time::encode(by.now))
        .bind(event_id)
        .bind(person)
        .execute(&mut **tx)
        .await?;
        crate::outbox::enqueue(
            tx,
            &crate::outbox::NewMessage {
                kind: "event_place",
                to_address: &email,
                subject: &format!("A place is yours: {title}"),
                body_text: &format!(
                    "Good news: a place came free at \"{title}\" and it is yours, as you were next on the waiting list.\n\nIf you can no longer come, say so on the event's page so that the next person can have it: {}/events/{event_id}\n",
                    crate::outbox::SITE
                ),
            },
            by.now,
        )
        .await?;
        promoted.push(person);
    }
    Ok(promoted)
}

/// One answer as the organisers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub person_id: i64,
    pub name: String,
    pub response: Response,
    pub place: Option<Place>,
    pub needs: Needs,
}

/// The organisers' list: places first, then the waiting list in turn, then
/// maybes; with what each person needs.
pub async fn for_organisers(db: &Db, event_id: i64) -> Result<Vec<Answer>> {
    db.fetch_all(
        sqlx::query(
            "SELECT r.person_id, p.display_name, r.response, r.place, r.creche_children,
                    r.creche_ages, r.access_needs, r.dietary_needs
             FROM event_rsvps r JOIN people p ON p.id = r.person_id
             WHERE r.event_id = $1 AND r.response <> 'not_going'
             ORDER BY CASE WHEN r.place = 'confirmed' THEN 0 WHEN r.place = 'waiting' THEN 1 ELSE 2 END,
                      r.waiting_since, p.display_name, r.id",
        )
        .bind(event_id),
        |r| {
            let place: Option<String> = r.try_get("place")?;
            Ok(Answer {
                person_id: r.try_get("person_id")?,
                name: r.try_get("display_name")?,
                response: Response::parse(&r.try_get::<String, _>("response")?)?,
                place: place.as_deref().and_then(Place::parse),
                needs: Needs {
                    creche_children: r.try_get("creche_children")?,
                    creche_ages: r.try_get("creche_ages")?,
                    access: r.try_get("access_needs")?,
                    dietary: r.try_get("dietary_needs")?,
                },
            })
        },
    )
    .await
}

/// Twenty characters from an alphabet without look-alikes: enough that a
/// code cannot be guessed, short enough for a small QR code.
fn checkin_code() -> Result<String> {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
    let mut bytes = [0u8; 20];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| StoreError::System(format!("no randomness from the operating system: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// A person's own answer, as their page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mine {
    pub response: Response,
    pub place: Option<Place>,
    pub needs: Needs,
    /// What their QR code carries, for the door.
    #[serde(skip)]
    pub checkin_code: Option<String>,
    /// Their latest check-in, at any date of a series.
    pub checked_in_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A person's own answer to an event, if any.
pub async fn own(db: &Db, event_id: i64, person_id: i64) -> Result<Option<Mine>> {
    let row = sqlx::query(
        "SELECT r.response, r.place, r.creche_children, r.creche_ages, r.access_needs,
                r.dietary_needs, r.checkin_code,
                (SELECT max(a.checked_in_at) FROM event_attendance a
                 WHERE a.event_id = r.event_id AND a.person_id = r.person_id) AS checked_in_at
         FROM event_rsvps r
         WHERE r.event_id = $1 AND r.person_id = $2",
    )
    .bind(event_id)
    .bind(person_id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        let place: Option<String> = r.try_get("place")?;
        let at: Option<String> = r.try_get("checked_in_at")?;
        Ok(Mine {
            response: Response::parse(&r.try_get::<String, _>("response")?)?,
            place: place.as_deref().and_then(Place::parse),
            needs: Needs {
                creche_children: r.try_get("creche_children")?,
                creche_ages: r.try_get("creche_ages")?,
                access: r.try_get("access_needs")?,
                dietary: r.try_get("dietary_needs")?,
            },
            checkin_code: r.try_get("checkin_code")?,
            checked_in_at: at.as_deref().map(time::decode).transpose()?,
        })
    })
    .transpose()
}

/// The organisers' totals: places, the waiting list, maybes, and what the
/// crèche and kitchen must plan for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub confirmed: i64,
    pub waiting: i64,
    pub maybe: i64,
    pub creche_children: i64,
    pub with_access_needs: i64,
    pub with_dietary_needs: i64,
}

/// Totals over answers already read for the organisers: people with a
/// place count towards the crèche and the kitchen; the waiting list does
/// not, until promoted.
pub fn totals(answers: &[Answer]) -> Totals {
    let mut t = Totals::default();
    for a in answers {
        match (a.response, a.place) {
            (Response::Going, Some(Place::Confirmed)) => {
                t.confirmed += 1;
                t.creche_children += a.needs.creche_children;
                t.with_access_needs += i64::from(!a.needs.access.is_empty());
                t.with_dietary_needs += i64::from(!a.needs.dietary.is_empty());
            }
            (Response::Going, _) => t.waiting += 1,
            (Response::Maybe, _) => t.maybe += 1,
            (Response::NotGoing, _) => {}
        }
    }
    t
}
