//! Selection rounds at events: opening one with its candidate ideas,
//! ballots (one a voter, replaceable while open, from the people at the
//! event), the counts, and the organisers' decision, which turns the
//! chosen ideas into projects at stage 'selected' in the same transaction.

use chrono::{DateTime, Utc};
use coproduce_core::selection::{self as rules, Method, NewRound, State};
use coproduce_core::Invalid;
use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub source: String,
    /// The project it already was, or became when chosen.
    pub project_id: Option<i64>,
    pub chosen: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Round {
    pub id: i64,
    pub event_id: i64,
    pub title: String,
    pub method: Method,
    pub dots: Option<i64>,
    pub state: State,
    pub opened_at: DateTime<Utc>,
    pub candidates: Vec<Candidate>,
}

fn round(r: &AnyRow) -> Result<Round> {
    let method: String = r.try_get("method")?;
    let state: String = r.try_get("state")?;
    let opened: String = r.try_get("opened_at")?;
    Ok(Round {
        id: r.try_get("id")?,
        event_id: r.try_get("event_id")?,
        title: r.try_get("title")?,
        method: Method::parse(&method)?,
        dots: r.try_get("dots")?,
        state: State::parse(&state)?,
        opened_at: time::decode(&opened)?,
        candidates: Vec::new(),
    })
}

const SELECT: &str =
    "SELECT id, event_id, title, method, dots, state, opened_at FROM selection_rounds";

async fn candidates(db: &Db, round_id: i64) -> Result<Vec<Candidate>> {
    db.fetch_all(
        sqlx::query(
            "SELECT id, title, summary, source, project_id, chosen FROM selection_candidates
             WHERE round_id = $1 ORDER BY id",
        )
        .bind(round_id),
        |r| {
            Ok(Candidate {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                summary: r.try_get("summary")?,
                source: r.try_get("source")?,
                project_id: r.try_get("project_id")?,
                chosen: r.try_get::<i64, _>("chosen")? == 1,
            })
        },
    )
    .await
}

/// A round of an event, with its candidates.
pub async fn get(db: &Db, event_id: i64, round_id: i64) -> Result<Option<Round>> {
    let sql = format!("{SELECT} WHERE id = $1 AND event_id = $2");
    let row = sqlx::query(&sql)
        .bind(round_id)
        .bind(event_id)
        .fetch_optional(db.pool())
        .await?;
    match row {
        None => Ok(None),
        Some(r) => {
            let mut found = round(&r)?;
            found.candidates = candidates(db, found.id).await?;
            Ok(Some(found))
        }
    }
}

/// An event's rounds, newest first, without their candidates.
pub async fn for_event(db: &Db, event_id: i64) -> Result<Vec<Round>> {
    let sql = format!("{SELECT} WHERE event_id = $1 ORDER BY opened_at DESC, id DESC");
    db.fetch_all(sqlx::query(&sql).bind(event_id), round).await
}

/// Opens a round at an event. Projects named must still be ideas.
pub async fn open(db: &Db, event_id: i64, new: &NewRound, by: By) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    sqlx::query("SELECT id FROM events WHERE id = $1")
        .bind(event_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let now = time::encode(by.now);
    let id: i64 = sqlx::query(
        "INSERT INTO selection_rounds (event_id, title, method, dots, state, opened_by, opened_at)
         VALUES ($1, $2, $3, $4, 'open', $5, $6) RETURNING id",
    )
    .bind(event_id)
    .bind(&new.title)
    .bind(new.method.as_str())
    .bind(new.dots)
    .bind(by.actor)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    for idea in &new.ideas {
        sqlx::query(
            "INSERT INTO selection_candidates (round_id, title, summary, source)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(&idea.title)
        .bind(&idea.summary)
        .bind(&new.source)
        .execute(&mut *tx)
        .await?;
    }
    for project in &new.project_ids {
        let row = sqlx::query("SELECT title, summary, stage, origin FROM projects WHERE id = $1")
            .bind(project)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Err(Invalid::new(
                "projects",
                format!("There is no project numbered {project}"),
            )
            .into());
        };
        let stage: String = row.try_get("stage")?;
        if stage != "idea" {
            return Err(Invalid::new(
                "projects",
                format!("Project {project} is past the idea stage, so it is not chosen again: leave it out"),
            )
            .into());
        }
        let origin: String = row.try_get("origin")?;
        let source = match origin.as_str() {
            "space_report" | "proposal" | "event" => origin.as_str(),
            _ => "proposal",
        };
        sqlx::query(
            "INSERT INTO selection_candidates (round_id, title, summary, source, project_id)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(row.try_get::<String, _>("title")?)
        .bind(row.try_get::<String, _>("summary")?)
        .bind(source)
        .bind(project)
        .execute(&mut *tx)
        .await?;
    }
    crate::events::log(
        &mut tx,
        db.backend(),
        by,
        "selection.open",
        event_id,
        json!({
            "round": id,
            "method": new.method.as_str(),
            "dots": new.dots,
            "ideas": new.ideas.len() + new.project_ids.len(),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn state_of(tx: &mut Transaction<'_, Any>, event_id: i64, round_id: i64) -> Result<AnyRow> {
    sqlx::query(
        "SELECT id, event_id, title, method, dots, state, opened_at FROM selection_rounds
         WHERE id = $1 AND event_id = $2",
    )
    .bind(round_id)
    .bind(event_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)
}

/// Whether someone may vote in an event's round: the people who said they
/// were coming or were checked in, and its organisers.
async fn may_vote(tx: &mut Transaction<'_, Any>, event_id: i64, person: i64) -> Result<bool> {
    let row = sqlx::query(
        "SELECT 1 AS one WHERE EXISTS (SELECT 1 FROM event_rsvps
                 WHERE event_id = $1 AND person_id = $2 AND response <> 'not_going')
            OR EXISTS (SELECT 1 FROM event_attendance WHERE event_id = $1 AND person_id = $2)
            OR EXISTS (SELECT 1 FROM event_organisers WHERE event_id = $1 AND person_id = $2)",
    )
    .bind(event_id)
    .bind(person)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.is_some())
}

/// Casts (or replaces) the person's ballot: (candidate, dots) pairs.
pub async fn vote(
    db: &Db,
    event_id: i64,
    round_id: i64,
    person: i64,
    ballot: &[(i64, i64)],
    by: By,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let r = round(&state_of(&mut tx, event_id, round_id).await?)?;
    if r.state != State::Open {
        return Err(Invalid::new("ballot", "Voting in this round has closed").into());
    }
    if !may_vote(&mut tx, event_id, person).await? {
        return Err(Invalid::new(
            "ballot",
            "Only the people at the event vote: answer that you are coming first",
        )
        .into());
    }
    let ids: Vec<i64> = sqlx::query("SELECT id FROM selection_candidates WHERE round_id = $1")
        .bind(round_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<std::result::Result<_, _>>()?;
    let counted = rules::check_ballot(r.method, r.dots, &ids, ballot)?;
    sqlx::query("DELETE FROM selection_votes WHERE round_id = $1 AND person_id = $2")
        .bind(round_id)
        .bind(person)
        .execute(&mut *tx)
        .await?;
    let now = time::encode(by.now);
    for (candidate, dots) in &counted {
        sqlx::query(
            "INSERT INTO selection_votes (round_id, candidate_id, person_id, dots, cast_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(round_id)
        .bind(candidate)
        .bind(person)
        .bind(dots)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    // Ballots are secret from the log; the votes table holds them.
    crate::events::log(
        &mut tx,
        db.backend(),
        by,
        "selection.vote",
        event_id,
        json!({ "round": round_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The person's ballot as cast: (candidate, dots).
pub async fn ballot(db: &Db, round_id: i64, person: i64) -> Result<Vec<(i64, i64)>> {
    db.fetch_all(
        sqlx::query(
            "SELECT candidate_id, dots FROM selection_votes
             WHERE round_id = $1 AND person_id = $2 ORDER BY candidate_id",
        )
        .bind(round_id)
        .bind(person),
        |r| Ok((r.try_get("candidate_id")?, r.try_get("dots")?)),
    )
    .await
}

/// One line of the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub candidate_id: i64,
    pub points: i64,
    pub voters: i64,
}

/// The counts, most points first, and how many people voted.
pub async fn results(db: &Db, round_id: i64) -> Result<(Vec<Count>, i64)> {
    let ids: Vec<i64> = db
        .fetch_all(
            sqlx::query("SELECT id FROM selection_candidates WHERE round_id = $1 ORDER BY id")
                .bind(round_id),
            |r| Ok(r.try_get("id")?),
        )
        .await?;
    let rows: Vec<(i64, i64, i64)> = db
        .fetch_all(
            sqlx::query(
                "SELECT person_id, candidate_id, dots FROM selection_votes
                 WHERE round_id = $1 ORDER BY person_id, candidate_id",
            )
            .bind(round_id),
            |r| {
                Ok((
                    r.try_get("person_id")?,
                    r.try_get("candidate_id")?,
                    r.try_get("dots")?,
                ))
            },
        )
        .await?;
    let mut ballots: Vec<Vec<(i64, i64)>> = Vec::new();
    let mut last = None;
    for (person, candidate, dots) in rows {
        if last != Some(person) {
            ballots.push(Vec::new());
            last = Some(person);
        }
        if let Some(b) = ballots.last_mut() {
            b.push((candidate, dots));
        }
    }
    let voters = ballots.len() as i64;
    let counts = rules::tally(&ids, &ballots)
        .into_iter()
        .map(|(candidate_id, points, voters)| Count {
            candidate_id,
            points,
            voters,
        })
        .collect();
    Ok((counts, voters))
}

/// Closes voting; the counts become public.
pub async fn close(db: &Db, event_id: i64, round_id: i64, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let r = round(&state_of(&mut tx, event_id, round_id).await?)?;
    if r.state != State::Open {
        return Err(Invalid::new("round", "This round has already closed").into());
    }
    sqlx::query("UPDATE selection_rounds SET state = 'closed', closed_at = $1 WHERE id = $2")
        .bind(time::encode(by.now))
        .bind(round_id)
        .execute(&mut *tx)
        .await?;
    crate::events::log(
        &mut tx,
        db.backend(),
        by,
        "selection.close",
        event_id,
        json!({ "round": round_id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records which ideas go forward: each becomes a project at stage
/// 'selected' (an idea already a project moves to it), with the history
/// saying so, all in one transaction. Returns the projects' ids.
pub async fn decide(
    db: &Db,
    event_id: i64,
    round_id: i64,
    chosen: &[i64],
    by: By,
) -> Result<Vec<i64>> {
    let mut tx = db.begin_write().await?;
    let r = round(&state_of(&mut tx, event_id, round_id).await?)?;
    match r.state {
        State::Open => {
            return Err(Invalid::new("chosen", "Close the voting before deciding").into())
        }
        State::Decided => {
            return Err(Invalid::new("chosen", "This round is already decided").into())
        }
        State::Closed => {}
    }
    if chosen.is_empty() {
        return Err(Invalid::new("chosen", "Tick at least one idea to take forward").into());
    }
    let now = time::encode(by.now);
    let reason = format!("Chosen in \"{}\"", r.title);
    let mut projects = Vec::with_capacity(chosen.len());
    for candidate in chosen {
        let row = sqlx::query(
            "SELECT title, summary, source, project_id FROM selection_candidates
             WHERE id = $1 AND round_id = $2",
        )
        .bind(candidate)
        .bind(round_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Invalid::new("chosen", "That idea is not in this round"))?;
        let existing: Option<i64> = row.try_get("project_id")?;
        let project = match existing {
            Some(id) => {
                sqlx::query(
                    "UPDATE projects SET stage = 'selected', updated_at = $1
                     WHERE id = $2 AND stage = 'idea'",
                )
                .bind(&now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                id
            }
            None => {
                let source: String = row.try_get("source")?;
                sqlx::query(
                    "INSERT INTO projects (title, summary, stage, created_at, updated_at, origin,
                         origin_event_id, origin_note)
                     VALUES ($1, $2, 'selected', $3, $3, $4, $5, $6) RETURNING id",
                )
                .bind(row.try_get::<String, _>("title")?)
                .bind(row.try_get::<String, _>("summary")?)
                .bind(&now)
                .bind(&source)
                .bind((source == "event").then_some(event_id))
                .bind(&reason)
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?
            }
        };
        sqlx::query(
            "INSERT INTO project_stage_history (project_id, from_stage, to_stage, reason, by_person, at)
             VALUES ($1, 'idea', 'selected', $2, $3, $4)",
        )
        .bind(project)
        .bind(&reason)
        .bind(by.actor)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE selection_candidates SET chosen = 1, project_id = $1 WHERE id = $2")
            .bind(project)
            .bind(candidate)
            .execute(&mut *tx)
            .await?;
        projects.push(project);
    }
    sqlx::query("UPDATE selection_rounds SET state = 'decided', decided_at = $1 WHERE id = $2")
        .bind(&now)
        .bind(round_id)
        .execute(&mut *tx)
        .await?;
    crate::events::log(
        &mut tx,
        db.backend(),
        by,
        "selection.decide",
        event_id,
        json!({ "round": round_id, "chosen": chosen, "projects": projects }),
    )
    .await?;
    tx.commit().await?;
    Ok(projects)
}

/// The round a project was chosen in, if any: (event, round, title).
pub async fn chosen_in(db: &Db, project_id: i64) -> Result<Option<(i64, i64, String)>> {
    let row = sqlx::query(
        "SELECT r.event_id, r.id, r.title FROM selection_candidates c
         JOIN selection_rounds r ON r.id = c.round_id
         WHERE c.project_id = $1 AND c.chosen = 1 ORDER BY r.id DESC LIMIT 1",
    )
    .bind(project_id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        Ok((
            r.try_get("event_id")?,
            r.try_get("id")?,
            r.try_get("title")?,
        ))
    })
    .transpose()
}
