//! Budgets in the database: each project's lines with what is committed and
//! spent on them, the funding behind them, and every change made to a line
//! once funding was agreed, with its reason.

use chrono::NaiveDate;
use coproduce_core::budget::{self, Budget, Category, Changer, LineState, NewLine};
use coproduce_core::ledger::AccountKind;
use coproduce_core::money::Pence;
use serde::Serialize;
use serde_json::json;
use sqlx::{Any, Row};

use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

/// A project's lines with their committed and spent sums, read in one
/// query grouped by line.
pub async fn budget(db: &Db, project_id: i64) -> Result<Budget> {
    let mut conn = db.pool().acquire().await?;
    budget_in(&mut conn, project_id).await
}

pub(crate) async fn budget_in(conn: &mut sqlx::AnyConnection, project_id: i64) -> Result<Budget> {
    let rows = sqlx::query(
        "SELECT l.id, l.category, l.description, l.planned_pence,
            CAST(COALESCE(SUM(CASE WHEN e.state = 'approved' THEN e.amount_pence ELSE 0 END), 0) AS BIGINT) AS committed,
            CAST(COALESCE(SUM(CASE WHEN e.state = 'paid' THEN e.amount_pence ELSE 0 END), 0) AS BIGINT) AS spent
         FROM budget_lines l LEFT JOIN expenses e ON e.line_id = l.id
         WHERE l.project_id = $1
         GROUP BY l.id, l.category, l.description, l.planned_pence
         ORDER BY l.id",
    )
    .bind(project_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut lines = Vec::with_capacity(rows.len());
    for r in rows {
        let category: String = r.try_get("category")?;
        lines.push(LineState {
            id: r.try_get("id")?,
            category: Category::parse(&category)?,
            description: r.try_get("description")?,
            planned: Pence::new(r.try_get("planned_pence")?),
            committed: Pence::new(r.try_get("committed")?),
            spent: Pence::new(r.try_get("spent")?),
        });
    }
    Ok(Budget { lines })
}

/// A funding agreement behind a project, with what has arrived under it.
#[derive(Debug, Clone, Serialize)]
pub struct AgreementRow {
    pub id: i64,
    pub fund_holder_id: i64,
    pub funder: String,
    pub amount: Pence,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub conditions: String,
    pub received: Pence,
    pub fees: Pence,
}

pub async fn agreements(db: &Db, project_id: i64) -> Result<Vec<AgreementRow>> {
    Ok(agreements_where(db, "a.project_id = $1", project_id)
        .await?
        .into_iter()
        .map(|(_, _, a)| a)
        .collect())
}

/// Every agreement a fund holder has recorded, with its project's id and
/// title, in one query.
pub async fn agreements_of_holder(
    db: &Db,
    fund_holder_id: i64,
) -> Result<Vec<(i64, String, AgreementRow)>> {
    agreements_where(db, "a.fund_holder_id = $1", fund_holder_id).await
}

async fn agreements_where(
    db: &Db,
    condition: &'static str,
    value: i64,
) -> Result<Vec<(i64, String, AgreementRow)>> {
    let rows = sqlx::query(&format!(
        "SELECT a.id, a.project_id, p.title, a.fund_holder_id, a.funder, a.amount_pence, a.starts_on, a.ends_on, a.conditions,
            CAST(COALESCE(SUM(r.amount_pence), 0) AS BIGINT) AS received,
            CAST(COALESCE(SUM(r.fee_pence), 0) AS BIGINT) AS fees
         FROM funding_agreements a JOIN projects p ON p.id = a.project_id
         LEFT JOIN grant_receipts r ON r.agreement_id = a.id
         WHERE {condition}
         GROUP BY a.id, a.project_id, p.title, a.fund_holder_id, a.funder, a.amount_pence, a.starts_on, a.ends_on, a.conditions
         ORDER BY p.title, a.starts_on, a.id"
    ))
    .bind(value)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("project_id")?,
                r.try_get("title")?,
                AgreementRow {
                    id: r.try_get("id")?,
                    fund_holder_id: r.try_get("fund_holder_id")?,
                    funder: r.try_get("funder")?,
                    amount: Pence::new(r.try_get("amount_pence")?),
                    starts_on: time::date_column(r, "starts_on")?.ok_or(StoreError::NotFound)?,
                    ends_on: time::date_column(r, "ends_on")?,
                    conditions: r.try_get("conditions")?,
                    received: Pence::new(r.try_get("received")?),
                    fees: Pence::new(r.try_get("fees")?),
                },
            ))
        })
        .collect()
}

/// The money held for a project right now: its budget account's balance as
/// a treasurer reads it (received less fees, committed and spent).
pub async fn funds_available(db: &Db, project_id: i64) -> Result<Pence> {
    let mut conn = db.pool().acquire().await?;
    funds_available_in(&mut conn, project_id).await
}

pub(crate) async fn funds_available_in(
    conn: &mut sqlx::AnyConnection,
    project_id: i64,
) -> Result<Pence> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(a.balance_pence), 0) AS BIGINT) AS balance
         FROM ledger_accounts a JOIN projects p ON p.id = a.project_id AND p.fund_holder_id = a.fund_holder_id
         WHERE a.project_id = $1 AND a.kind = 'project_budget'",
    )
    .bind(project_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(AccountKind::ProjectBudget.as_read(Pence::new(row.try_get("balance")?)))
}

async fn funding_agreed_in(conn: &mut sqlx::AnyConnection, project_id: i64) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 AS one FROM funding_agreements WHERE project_id = $1 LIMIT 1")
            .bind(project_id)
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}

pub async fn funding_agreed(db: &Db, project_id: i64) -> Result<bool> {
    let mut conn = db.pool().acquire().await?;
    funding_agreed_in(&mut conn, project_id).await
}

/// Someone changing a project's budget: whether they plan it (lead,
/// co-owner or officer), and the fund holders where they are treasurer.
#[derive(Debug, Clone, Copy)]
pub struct Planner<'a> {
    pub plans_project: bool,
    pub treasurer_of: &'a [i64],
}

async fn changer(
    tx: &mut sqlx::Transaction<'_, Any>,
    project_id: i64,
    who: Planner<'_>,
) -> Result<Changer> {
    let holder: Option<i64> = sqlx::query("SELECT fund_holder_id FROM projects WHERE id = $1")
        .bind(project_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?
        .try_get("fund_holder_id")?;
    Ok(Changer {
        plans_project: who.plans_project,
        treasurer_of_holder: holder.is_some_and(|h| who.treasurer_of.contains(&h)),
    })
}

/// Adds a line. Once funding is agreed only the treasurer may, and the
/// reason is kept as a change from nothing to the planned amount.
pub async fn add_line(
    db: &Db,
    project_id: i64,
    line: &NewLine,
    reason: &str,
    who: Planner<'_>,
    by: By,
) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let changer = changer(&mut tx, project_id, who).await?;
    let agreed = funding_agreed_in(&mut tx, project_id).await?;
    budget::may_change(agreed, changer, reason)?;
    let id: i64 = sqlx::query(
        "INSERT INTO budget_lines (project_id, category, description, planned_pence, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(project_id)
    .bind(line.category.as_str())
    .bind(&line.description)
    .bind(line.planned.get())
    .bind(time::encode(by.now))
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    if agreed {
        record_change(&mut tx, id, Pence::ZERO, line.planned, reason, by).await?;
    }
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.budget_line_added",
        project_id,
        json!({ "line": id, "category": line.category.as_str(), "planned_pence": line.planned.get(), "reason": reason.trim() }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn record_change(
    tx: &mut sqlx::Transaction<'_, Any>,
    line_id: i64,
    from: Pence,
    to: Pence,
    reason: &str,
    by: By,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO budget_changes (line_id, from_pence, to_pence, reason, changed_by, changed_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(line_id)
    .bind(from.get())
    .bind(to.get())
    .bind(reason.trim())
    .bind(by.actor)
    .bind(time::encode(by.now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Changes a line's planned amount and description. A line cannot be
/// planned below what is already committed and spent on it.
pub async fn change_line(
    db: &Db,
    project_id: i64,
    line_id: i64,
    line: &NewLine,
    reason: &str,
    who: Planner<'_>,
    by: By,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let changer = changer(&mut tx, project_id, who).await?;
    let agreed = funding_agreed_in(&mut tx, project_id).await?;
    budget::may_change(agreed, changer, reason)?;
    let current = budget_in(&mut tx, project_id).await?;
    let Some(old) = current.line(line_id) else {
        return Err(StoreError::NotFound);
    };
    let used = old.committed.get() + old.spent.get();
    if line.planned.get() < used {
        return Err(StoreError::Invalid(coproduce_core::Invalid::new(
            "planned",
            format!(
                "{} is already committed or spent on this line: plan at least that much",
                Pence::new(used)
            ),
        )));
    }
    if old.category != line.category && used > 0 {
        return Err(StoreError::Invalid(coproduce_core::Invalid::new(
            "category",
            "Money is already committed or spent on this line, so its category stays: add a new line instead",
        )));
    }
    let from = old.planned;
    sqlx::query(
        "UPDATE budget_lines SET category = $1, description = $2, planned_pence = $3 WHERE id = $4 AND project_id = $5",
    )
    .bind(line.category.as_str())
    .bind(&line.description)
    .bind(line.planned.get())
    .bind(line_id)
    .bind(project_id)
    .execute(&mut *tx)
    .await?;
    if agreed && from != line.planned {
        record_change(&mut tx, line_id, from, line.planned, reason, by).await?;
    }
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.budget_line_changed",
        project_id,
        json!({ "line": line_id, "from_pence": from.get(), "to_pence": line.planned.get(), "reason": reason.trim() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A change of plan after funding was agreed, as published.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub line_id: i64,
    pub category: Category,
    pub from: Pence,
    pub to: Pence,
    pub reason: String,
    pub changed_on: NaiveDate,
}

pub async fn changes(db: &Db, project_id: i64) -> Result<Vec<Change>> {
    let rows = sqlx::query(
        "SELECT c.line_id, l.category, c.from_pence, c.to_pence, c.reason, c.changed_at
         FROM budget_changes c JOIN budget_lines l ON l.id = c.line_id
         WHERE l.project_id = $1 ORDER BY c.id",
    )
    .bind(project_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let category: String = r.try_get("category")?;
            let at: String = r.try_get("changed_at")?;
            Ok(Change {
                line_id: r.try_get("line_id")?,
                category: Category::parse(&category)?,
                from: Pence::new(r.try_get("from_pence")?),
                to: Pence::new(r.try_get("to_pence")?),
                reason: r.try_get("reason")?,
                changed_on: time::decode(&at)?.date_naive(),
            })
        })
        .collect()
}

/// The projects whose money a fund holder holds, by title.
pub async fn projects_of_holder(db: &Db, fund_holder_id: i64) -> Result<Vec<(i64, String)>> {
    db.fetch_all(
        sqlx::query("SELECT id, title FROM projects WHERE fund_holder_id = $1 ORDER BY title, id")
            .bind(fund_holder_id),
        |r| Ok((r.try_get("id")?, r.try_get("title")?)),
    )
    .await
}

/// The fund holder an agreement was made with, if it exists.
pub async fn holder_of_agreement(db: &Db, agreement_id: i64) -> Result<Option<i64>> {
    Ok(
        sqlx::query("SELECT fund_holder_id FROM funding_agreements WHERE id = $1")
            .bind(agreement_id)
            .fetch_optional(db.pool())
            .await?
            .map(|r| r.try_get("fund_holder_id"))
            .transpose()?,
    )
}
