//! Expenses and their approvals in the database. Every step runs in one
//! transaction with its audit entry, its ledger transaction when money
//! moves, and the emails it owes people through the outbox. The rules of
//! who may do what come from `coproduce_core::expenses`; the row is locked
//! first, so two approvers acting at once cannot both complete it.

use chrono::{DateTime, NaiveDate, Utc};
use coproduce_core::budget::{Category, Warning};
use coproduce_core::expenses::{
    self as rules, Approval, Facts, Method, NewExpense, PayeeKind, Payment, Reviewer, Rules, State,
    Step,
};
use coproduce_core::funding;
use coproduce_core::money::Pence;
use coproduce_core::policy::FundRole;
use serde::Serialize;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::ledger::{self, About};
use crate::memberships::By;
use crate::projects::contacts::NewDocument;
use crate::{time, Db, Result, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct Expense {
    pub id: i64,
    pub project_id: i64,
    pub project_title: String,
    pub fund_holder_id: Option<i64>,
    pub line_id: i64,
    pub category: Category,
    pub submitted_by: Option<i64>,
    pub submitter_name: String,
    pub amount: Pence,
    pub payee: String,
    pub payee_kind: PayeeKind,
    pub description: String,
    pub spent_on: NaiveDate,
    pub receipt_document_id: Option<i64>,
    pub state: State,
    pub submitted_at: Option<DateTime<Utc>>,
    pub rejected_reason: String,
    pub committed_transaction_id: Option<i64>,
    pub paid_transaction_id: Option<i64>,
    pub paid_on: Option<NaiveDate>,
    pub payment_method: Option<Method>,
    pub payment_reference: String,
    pub reversed_reason: String,
    pub updated_at: DateTime<Utc>,
}

impl Expense {
    /// The payee as the public sees it.
    pub fn public_payee(&self) -> String {
        self.payee_kind.public_name(&self.payee)
    }
}

const SELECT: &str =
    "SELECT e.id, e.project_id, p.title AS project_title, p.fund_holder_id, e.line_id,
        l.category, e.submitted_by, COALESCE(pe.display_name, '') AS submitter_name, e.amount_pence,
        e.payee, e.payee_kind, e.description, e.spent_on, e.receipt_document_id, e.state,
        e.submitted_at, e.rejected_reason, e.committed_transaction_id, e.paid_transaction_id,
        e.paid_on, e.payment_method, e.payment_reference, e.reversed_reason, e.updated_at
     FROM expenses e
     JOIN projects p ON p.id = e.project_id
     JOIN budget_lines l ON l.id = e.line_id
     LEFT JOIN people pe ON pe.id = e.submitted_by";

fn expense(r: &AnyRow) -> Result<Expense> {
    let category: String = r.try_get("category")?;
    let kind: String = r.try_get("payee_kind")?;
    let state: String = r.try_get("state")?;
    let submitted: Option<String> = r.try_get("submitted_at")?;
    let method: Option<String> = r.try_get("payment_method")?;
    let updated: String = r.try_get("updated_at")?;
    Ok(Expense {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        project_title: r.try_get("project_title")?,
        fund_holder_id: r.try_get("fund_holder_id")?,
        line_id: r.try_get("line_id")?,
        category: Category::parse(&category)?,
        submitted_by: r.try_get("submitted_by")?,
        submitter_name: r.try_get("submitter_name")?,
        amount: Pence::new(r.try_get("amount_pence")?),
        payee: r.try_get("payee")?,
        payee_kind: PayeeKind::parse(&kind)?,
        description: r.try_get("description")?,
        spent_on: time::date_column(r, "spent_on")?.ok_or(StoreError::NotFound)?,
        receipt_document_id: r.try_get("receipt_document_id")?,
        state: State::parse(&state)?,
        submitted_at: submitted.as_deref().map(time::decode).transpose()?,
        rejected_reason: r.try_get("rejected_reason")?,
        committed_transaction_id: r.try_get("committed_transaction_id")?,
        paid_transaction_id: r.try_get("paid_transaction_id")?,
        paid_on: time::date_column(r, "paid_on")?,
        payment_method: method.as_deref().map(Method::parse).transpose()?,
        payment_reference: r.try_get("payment_reference")?,
        reversed_reason: r.try_get("reversed_reason")?,
        updated_at: time::decode(&updated)?,
    })
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Expense>> {
    sqlx::query(&format!("{SELECT} WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .as_ref()
        .map(expense)
        .transpose()
}

/// A project's expenses, newest first.
pub async fn of_project(db: &Db, project_id: i64) -> Result<Vec<Expense>> {
    db.fetch_all(
        sqlx::query(&format!(
            "{SELECT} WHERE e.project_id = $1 ORDER BY e.id DESC"
        ))
        .bind(project_id),
        expense,
    )
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovalRow {
    pub person_id: i64,
    pub name: String,
    pub step: Step,
    pub note: String,
    pub approved_at: DateTime<Utc>,
}

pub async fn approvals(db: &Db, expense_id: i64) -> Result<Vec<ApprovalRow>> {
    db.fetch_all(
        sqlx::query(
            "SELECT a.person_id, COALESCE(p.display_name, '') AS name, a.step, a.note, a.approved_at
             FROM expense_approvals a LEFT JOIN people p ON p.id = a.person_id
             WHERE a.expense_id = $1 ORDER BY a.approved_at, a.person_id",
        )
        .bind(expense_id),
        |r| {
            let step: String = r.try_get("step")?;
            let at: String = r.try_get("approved_at")?;
            Ok(ApprovalRow {
                person_id: r.try_get("person_id")?,
                name: r.try_get("name")?,
                step: Step::parse(&step).ok_or(StoreError::NotFound)?,
                note: r.try_get("note")?,
                approved_at: time::decode(&at)?,
            })
        },
    )
    .await
}

/// A fund holder's rules for expenses.
pub async fn rules(db: &Db, fund_holder_id: i64) -> Result<Rules> {
    let mut conn = db.pool().acquire().await?;
    rules_in(&mut conn, fund_holder_id).await
}

async fn rules_in(conn: &mut sqlx::AnyConnection, fund_holder_id: i64) -> Result<Rules> {
    let r = sqlx::query(
        "SELECT approvals_required, approval_threshold_pence, approvals_above_threshold, receipt_threshold_pence
         FROM fund_holders WHERE id = $1",
    )
    .bind(fund_holder_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let count =
        |c: &str| -> Result<u8> { Ok(u8::try_from(r.try_get::<i64, _>(c)?).unwrap_or(u8::MAX)) };
    Ok(Rules::new(
        count("approvals_required")?,
        Pence::new(r.try_get("approval_threshold_pence")?),
        count("approvals_above_threshold")?,
        Pence::new(r.try_get("receipt_threshold_pence")?),
    )?)
}

pub async fn set_rules(db: &Db, fund_holder_id: i64, r: Rules, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE fund_holders SET approvals_required = $1, approval_threshold_pence = $2,
            approvals_above_threshold = $3, receipt_threshold_pence = $4 WHERE id = $5",
    )
    .bind(i64::from(r.approvals_required))
    .bind(r.threshold.get())
    .bind(i64::from(r.approvals_above_threshold))
    .bind(r.receipt_threshold.get())
    .bind(fund_holder_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::NotFound);
    }
    crate::audit::append(
        &mut tx,
        db.backend(),
        &crate::audit::NewEntry {
            actor: by.actor,
            via: by.via,
            action: "fund_holder.expense_rules",
            object_type: "fund_holder",
            object_id: fund_holder_id.to_string(),
            summary: json!({ "rules": r }),
        },
        by.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The project's fund holder, or a refusal that says what to do.
async fn holder_of(tx: &mut Transaction<'_, Any>, project_id: i64) -> Result<(i64, String)> {
    let row = sqlx::query("SELECT fund_holder_id, title FROM projects WHERE id = $1")
        .bind(project_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let holder: Option<i64> = row.try_get("fund_holder_id")?;
    let title: String = row.try_get("title")?;
    holder.map(|h| (h, title)).ok_or_else(|| {
        StoreError::Invalid(coproduce_core::Invalid::new(
            "expense",
            "This project has no fund holder yet, so nobody can approve or pay its expenses: ask a council officer to choose one on the budget page.",
        ))
    })
}

fn receipt_refusal(r: &Rules) -> StoreError {
    StoreError::Invalid(coproduce_core::Invalid::new(
        "receipt",
        format!(
            "Attach a receipt: the fund holder asks for one for anything over {}",
            r.receipt_threshold
        ),
    ))
}

/// Writes a new expense, as a draft or submitted at once, with its receipt
/// (kept as a document only the team, the fund holder and officers see).
pub async fn create(
    db: &Db,
    project_id: i64,
    e: &NewExpense,
    receipt: Option<&NewDocument<'_>>,
    submit: bool,
    by: By,
) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let (holder, title) = holder_of(&mut tx, project_id).await?;
    let r = rules_in(&mut tx, holder).await?;
    if submit && receipt.is_none() && r.needs_receipt(e.amount) {
        return Err(receipt_refusal(&r));
    }
    line_of_project(&mut tx, project_id, e.line).await?;
    let document = match receipt {
        Some(d) => Some(
            crate::projects::contacts::insert_document(&mut tx, db.backend(), project_id, d, by)
                .await?,
        ),
        None => None,
    };
    let state = if submit {
        State::Submitted
    } else {
        State::Draft
    };
    let now = time::encode(by.now);
    let id: i64 = sqlx::query(
        "INSERT INTO expenses (project_id, line_id, submitted_by, amount_pence, payee, payee_kind, description,
            spent_on, receipt_document_id, state, submitted_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(project_id)
    .bind(e.line)
    .bind(by.actor)
    .bind(e.amount.get())
    .bind(&e.payee)
    .bind(e.payee_kind.as_str())
    .bind(&e.description)
    .bind(time::encode_date(e.spent_on))
    .bind(document)
    .bind(state.as_str())
    .bind(submit.then(|| now.clone()))
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit(
        &mut tx,
        db,
        by,
        project_id,
        if submit {
            "project.expense_submitted"
        } else {
            "project.expense_drafted"
        },
        id,
        e.amount,
    )
    .await?;
    if submit {
        notify_submitted(&mut tx, project_id, &title, id, e, by).await?;
    }
    tx.commit().await?;
    Ok(id)
}

async fn line_of_project(tx: &mut Transaction<'_, Any>, project_id: i64, line: i64) -> Result<()> {
    sqlx::query("SELECT 1 AS one FROM budget_lines WHERE id = $1 AND project_id = $2")
        .bind(line)
        .bind(project_id)
        .fetch_optional(&mut **tx)
        .await?
        .map(|_| ())
        .ok_or_else(|| {
            StoreError::Invalid(coproduce_core::Invalid::new(
                "line",
                "Choose one of this project's budget lines",
            ))
        })
}

/// Locks the expense's row for the rest of the transaction and reads it.
async fn lock(
    tx: &mut Transaction<'_, Any>,
    project_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Expense> {
    let touched =
        sqlx::query("UPDATE expenses SET updated_at = $1 WHERE id = $2 AND project_id = $3")
            .bind(time::encode(now))
            .bind(id)
            .bind(project_id)
            .execute(&mut **tx)
            .await?;
    if touched.rows_affected() != 1 {
        return Err(StoreError::NotFound);
    }
    let row = sqlx::query(&format!("{SELECT} WHERE e.id = $1"))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    expense(&row)
}

async fn approvals_in(tx: &mut Transaction<'_, Any>, id: i64) -> Result<Vec<Approval>> {
    let rows = sqlx::query("SELECT person_id, step FROM expense_approvals WHERE expense_id = $1")
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|r| {
            let step: String = r.try_get("step")?;
            Ok(Approval {
                person: r.try_get("person_id")?,
                step: Step::parse(&step).ok_or(StoreError::NotFound)?,
            })
        })
        .collect()
}

/// An expense locked for a reviewer's decision, with everything the rules
/// in core need to judge it: the project's fund holder, that holder's
/// rules and the approvals already given.
struct UnderReview {
    expense: Expense,
    holder: i64,
    title: String,
    rules: Rules,
    given: Vec<Approval>,
}

impl UnderReview {
    async fn lock(
        tx: &mut Transaction<'_, Any>,
        project_id: i64,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        let expense = lock(tx, project_id, id, now).await?;
        let (holder, title) = holder_of(tx, project_id).await?;
        let rules = rules_in(tx, holder).await?;
        let given = approvals_in(tx, id).await?;
        Ok(Self {
            expense,
            holder,
            title,
            rules,
            given,
        })
    }

    fn facts(&self) -> Facts<'_> {
        Facts {
            state: self.expense.state,
            submitted_by: self.expense.submitted_by,
            amount: self.expense.amount,
            approvals: &self.given,
            rules: self.rules,
        }
    }
}

/// Changes an expense its submitter still holds (a draft, one waiting for
/// approval, or one rejected): it starts again from nothing approved.
pub async fn update(
    db: &Db,
    project_id: i64,
    id: i64,
    e: &NewExpense,
    receipt: Option<&NewDocument<'_>>,
    submit: bool,
    by: By,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let current = lock(&mut tx, project_id, id, by.now).await?;
    let person = by.actor.ok_or(StoreError::NotFound)?;
    rules::may_edit(current.state, current.submitted_by, person)?;
    let (holder, title) = holder_of(&mut tx, project_id).await?;
    let r = rules_in(&mut tx, holder).await?;
    let has_receipt = receipt.is_some() || current.receipt_document_id.is_some();
    if submit && !has_receipt && r.needs_receipt(e.amount) {
        return Err(receipt_refusal(&r));
    }
    line_of_project(&mut tx, project_id, e.line).await?;
    let document = match receipt {
        Some(d) => Some(
            crate::projects::contacts::insert_document(&mut tx, db.backend(), project_id, d, by)
                .await?,
        ),
        None => current.receipt_document_id,
    };
    sqlx::query("DELETE FROM expense_approvals WHERE expense_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let state = if submit {
        State::Submitted
    } else {
        State::Draft
    };
    let now = time::encode(by.now);
    sqlx::query(
        "UPDATE expenses SET line_id = $1, amount_pence = $2, payee = $3, payee_kind = $4, description = $5,
            spent_on = $6, receipt_document_id = $7, state = $8, submitted_at = $9, rejected_reason = '',
            rejected_by = NULL, updated_at = $10 WHERE id = $11",
    )
    .bind(e.line)
    .bind(e.amount.get())
    .bind(&e.payee)
    .bind(e.payee_kind.as_str())
    .bind(&e.description)
    .bind(time::encode_date(e.spent_on))
    .bind(document)
    .bind(state.as_str())
    .bind(submit.then(|| now.clone()))
    .bind(&now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        db,
        by,
        project_id,
        if submit {
            "project.expense_submitted"
        } else {
            "project.expense_changed"
        },
        id,
        e.amount,
    )
    .await?;
    if submit {
        notify_submitted(&mut tx, project_id, &title, id, e, by).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The submitter takes an expense back to a draft; approvals given so far
/// are dropped, since what they approved may now change.
pub async fn withdraw(db: &Db, project_id: i64, id: i64, by: By) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let current = lock(&mut tx, project_id, id, by.now).await?;
    let person = by.actor.ok_or(StoreError::NotFound)?;
    rules::may_edit(current.state, current.submitted_by, person)?;
    sqlx::query("DELETE FROM expense_approvals WHERE expense_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE expenses SET state = 'draft', submitted_at = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit(
        &mut tx,
        db,
        by,
        project_id,
        "project.expense_withdrawn",
        id,
        current.amount,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Someone acting on an expense: whether they own the project, and their
/// roles in fund holders (the one that matters is the project's).
#[derive(Debug, Clone, Copy)]
pub struct Who<'a> {
    pub person: i64,
    pub owns_project: bool,
    pub fund_roles: &'a [(i64, FundRole)],
}

impl Who<'_> {
    fn reviewer(&self, holder: Option<i64>) -> Reviewer {
        let fund_role = holder.and_then(|h| {
            self.fund_roles
                .iter()
                .filter(|(f, _)| *f == h)
                .map(|(_, r)| *r)
                .min_by_key(|r| match r {
                    FundRole::Treasurer => 0,
                    FundRole::Approver => 1,
                })
        });
        Reviewer {
            person: self.person,
            owns_project: self.owns_project,
            fund_role,
        }
    }
}

/// What an approval did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Approved {
    pub step: Step,
    /// Every approval is in: the money is committed.
    pub completed: bool,
    pub warnings: Vec<Warning>,
}

/// What approving would do to the budget, for the page to show first.
pub async fn preview(db: &Db, e: &Expense) -> Result<coproduce_core::budget::Check> {
    let mut conn = db.pool().acquire().await?;
    let budget = crate::budget::budget_in(&mut conn, e.project_id).await?;
    let available = crate::budget::funds_available_in(&mut conn, e.project_id).await?;
    Ok(budget.check(e.line_id, e.amount, available))
}

pub async fn approve(
    db: &Db,
    project_id: i64,
    id: i64,
    who: Who<'_>,
    note: &str,
    today: NaiveDate,
    by: By,
) -> Result<Approved> {
    let mut tx = db.begin_write().await?;
    let review = UnderReview::lock(&mut tx, project_id, id, by.now).await?;
    let facts = review.facts();
    let (e, holder) = (&review.expense, review.holder);
    let title = &review.title;
    let step = rules::may_approve(&facts, who.reviewer(Some(holder)))?;
    let approval = Approval {
        person: who.person,
        step,
    };
    let completed = facts.completed_by(approval);
    let mut warnings = Vec::new();
    if completed {
        let budget = crate::budget::budget_in(&mut tx, project_id).await?;
        let available = crate::budget::funds_available_in(&mut tx, project_id).await?;
        let check = budget.check(e.line_id, e.amount, available);
        if let Some(refusal) = check.refusal() {
            return Err(refusal.into());
        }
        warnings = check.warnings;
    }
    sqlx::query(
        "INSERT INTO expense_approvals (expense_id, person_id, step, note, approved_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(who.person)
    .bind(step.as_str())
    .bind(note.trim())
    .bind(time::encode(by.now))
    .execute(&mut *tx)
    .await
    .map_err(|err| StoreError::from_write(err, "You have already approved this expense"))?;
    if completed {
        let accounts =
            crate::funding::accounts_in(&mut tx, holder, project_id, title, by.now).await?;
        let t = funding::expense_approved(&accounts, e.amount)?;
        let description = format!(
            "Expense {id} approved for {title}: {}, {}",
            e.category.label(),
            e.public_payee()
        );
        let transaction = ledger::record_in(
            &mut tx,
            db.backend(),
            &t,
            About {
                fund_holder_id: holder,
                happened_on: today,
                description: &description,
            },
            by,
        )
        .await?;
        sqlx::query(
            "UPDATE expenses SET state = 'approved', committed_transaction_id = $1 WHERE id = $2",
        )
        .bind(transaction)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    audit(
        &mut tx,
        db,
        by,
        project_id,
        if completed {
            "project.expense_approved"
        } else {
            "project.expense_confirmed"
        },
        id,
        e.amount,
    )
    .await?;
    notify_approved(&mut tx, holder, e, step, completed, by).await?;
    tx.commit().await?;
    Ok(Approved {
        step,
        completed,
        warnings,
    })
}

pub async fn reject(
    db: &Db,
    project_id: i64,
    id: i64,
    who: Who<'_>,
    reason: &str,
    by: By,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let review = UnderReview::lock(&mut tx, project_id, id, by.now).await?;
    let facts = review.facts();
    let (e, holder) = (&review.expense, review.holder);
    rules::may_reject(&facts, who.reviewer(Some(holder)), reason)?;
    sqlx::query(
        "UPDATE expenses SET state = 'rejected', rejected_reason = $1, rejected_by = $2 WHERE id = $3",
    )
    .bind(reason.trim())
    .bind(who.person)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        db,
        by,
        project_id,
        "project.expense_rejected",
        id,
        e.amount,
    )
    .await?;
    let subject = format!("{}: your expense was not approved", e.project_title);
    let body = format!(
        "Your expense of {} to {} was not approved.\n\nThe reason given: {}\n\nYou can change it and submit it again: {}/projects/{}/expenses/{id}\n",
        e.amount,
        e.payee,
        reason.trim(),
        crate::outbox::SITE,
        project_id
    );
    let to = emails_of(&mut tx, e.submitted_by.into_iter().collect()).await?;
    send(&mut tx, "expense_rejected", &to, &subject, &body, by.now).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn pay(
    db: &Db,
    project_id: i64,
    id: i64,
    who: Who<'_>,
    payment: &Payment,
    by: By,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let review = UnderReview::lock(&mut tx, project_id, id, by.now).await?;
    let facts = review.facts();
    let (e, holder) = (&review.expense, review.holder);
    let title = &review.title;
    rules::may_pay(&facts, who.reviewer(Some(holder)))?;
    let accounts = crate::funding::accounts_in(&mut tx, holder, project_id, title, by.now).await?;
    let t = funding::expense_paid(&accounts, e.amount)?;
    let description = format!(
        "Payment of expense {id} for {title}: {}, {}",
        e.category.label(),
        e.public_payee()
    );
    let transaction = ledger::record_in(
        &mut tx,
        db.backend(),
        &t,
        About {
            fund_holder_id: holder,
            happened_on: payment.paid_on,
            description: &description,
        },
        by,
    )
    .await?;
    sqlx::query(
        "UPDATE expenses SET state = 'paid', paid_transaction_id = $1, paid_on = $2, payment_method = $3,
            payment_reference = $4, paid_by = $5 WHERE id = $6",
    )
    .bind(transaction)
    .bind(time::encode_date(payment.paid_on))
    .bind(payment.method.as_str())
    .bind(&payment.reference)
    .bind(who.person)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        db,
        by,
        project_id,
        "project.expense_paid",
        id,
        e.amount,
    )
    .await?;
    let subject = format!("{}: your expense has been paid", e.project_title);
    let body = format!(
        "Your expense of {} to {} was paid on {} by {}{}.\n\n{}/projects/{}/expenses/{id}\n",
        e.amount,
        e.payee,
        payment.paid_on.format("%-d %B %Y"),
        payment.method.label().to_lowercase(),
        if payment.reference.is_empty() {
            String::new()
        } else {
            format!(" (reference {})", payment.reference)
        },
        crate::outbox::SITE,
        project_id
    );
    let to = emails_of(&mut tx, e.submitted_by.into_iter().collect()).await?;
    send(&mut tx, "expense_paid", &to, &subject, &body, by.now).await?;
    tx.commit().await?;
    Ok(())
}

/// Reverses an approved or paid expense: the payment (if made) and the
/// commitment are each reversed in the ledger, naming what they correct,
/// and the money returns to the project's budget.
pub async fn reverse(
    db: &Db,
    project_id: i64,
    id: i64,
    who: Who<'_>,
    reason: &str,
    today: NaiveDate,
    by: By,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    let review = UnderReview::lock(&mut tx, project_id, id, by.now).await?;
    let facts = review.facts();
    let (e, holder) = (&review.expense, review.holder);
    rules::may_reverse(&facts, who.reviewer(Some(holder)), reason)?;
    let why = format!("expense {id} reversed: {}", reason.trim());
    if let Some(paid) = e.paid_transaction_id {
        ledger::reverse_in(&mut tx, db.backend(), paid, today, &why, by).await?;
    }
    if let Some(committed) = e.committed_transaction_id {
        ledger::reverse_in(&mut tx, db.backend(), committed, today, &why, by).await?;
    }
    sqlx::query(
        "UPDATE expenses SET state = 'reversed', reversed_reason = $1, reversed_by = $2 WHERE id = $3",
    )
    .bind(reason.trim())
    .bind(who.person)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        db,
        by,
        project_id,
        "project.expense_reversed",
        id,
        e.amount,
    )
    .await?;
    let subject = format!("{}: an expense was reversed", e.project_title);
    let body = format!(
        "The expense of {} to {} was reversed by the fund holder's treasurer, and the money returned to the project's budget.\n\nThe reason given: {}\n\n{}/projects/{}/expenses/{id}\n",
        e.amount,
        e.payee,
        reason.trim(),
        crate::outbox::SITE,
        project_id
    );
    let mut people: Vec<i64> = owners(&mut tx, project_id).await?;
    people.extend(e.submitted_by);
    let to = emails_of(&mut tx, people).await?;
    send(&mut tx, "expense_reversed", &to, &subject, &body, by.now).await?;
    tx.commit().await?;
    Ok(())
}

/// An expense waiting for someone, for their dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct Waiting {
    pub id: i64,
    pub project_id: i64,
    pub project_title: String,
    pub amount: Pence,
    pub payee: String,
    pub submitted_at: Option<DateTime<Utc>>,
    /// What is wanted of this person: "confirm", "approve" or "pay".
    pub wanted: &'static str,
}

/// Expenses waiting for this person to act, oldest first: the project step
/// on projects they own, the fund-holder step and payments at their fund
/// holders. Never their own.
pub async fn waiting_for(
    db: &Db,
    person: i64,
    owned_projects: &[i64],
    fund_roles: &[(i64, FundRole)],
    limit: i64,
) -> Result<Vec<Waiting>> {
    let mut out = Vec::new();
    let in_list = |ids: &[i64]| {
        ids.iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let base =
        "SELECT e.id, e.project_id, p.title, e.amount_pence, e.payee, e.payee_kind, e.submitted_at
        FROM expenses e JOIN projects p ON p.id = e.project_id";
    let read = |r: &AnyRow, wanted: &'static str| -> Result<Waiting> {
        let at: Option<String> = r.try_get("submitted_at")?;
        let kind: String = r.try_get("payee_kind")?;
        let payee: String = r.try_get("payee")?;
        Ok(Waiting {
            id: r.try_get("id")?,
            project_id: r.try_get("project_id")?,
            project_title: r.try_get("title")?,
            amount: Pence::new(r.try_get("amount_pence")?),
            payee: PayeeKind::parse(&kind)?.public_name(&payee),
            submitted_at: at.as_deref().map(time::decode).transpose()?,
            wanted,
        })
    };
    if !owned_projects.is_empty() {
        // The ids are integers from the person's own memberships, never
        // text from the request, so listing them inline is safe.
        let rows = sqlx::query(&format!(
            "{base} WHERE e.state = 'submitted' AND e.project_id IN ({}) AND COALESCE(e.submitted_by, 0) <> $1
             AND NOT EXISTS (SELECT 1 FROM expense_approvals a WHERE a.expense_id = e.id AND a.step = 'project')
             ORDER BY e.submitted_at, e.id LIMIT $2",
            in_list(owned_projects)
        ))
        .bind(person)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
        for r in &rows {
            out.push(read(r, "confirm")?);
        }
    }
    let holders: Vec<i64> = fund_roles.iter().map(|(f, _)| *f).collect();
    if !holders.is_empty() {
        let rows = sqlx::query(&format!(
            "{base} WHERE e.state = 'submitted' AND p.fund_holder_id IN ({}) AND COALESCE(e.submitted_by, 0) <> $1
             AND EXISTS (SELECT 1 FROM expense_approvals a WHERE a.expense_id = e.id AND a.step = 'project')
             AND NOT EXISTS (SELECT 1 FROM expense_approvals a WHERE a.expense_id = e.id AND a.person_id = $1)
             ORDER BY e.submitted_at, e.id LIMIT $2",
            in_list(&holders)
        ))
        .bind(person)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
        for r in &rows {
            out.push(read(r, "approve")?);
        }
    }
    let treasuries: Vec<i64> = fund_roles
        .iter()
        .filter(|(_, r)| *r == FundRole::Treasurer)
        .map(|(f, _)| *f)
        .collect();
    if !treasuries.is_empty() {
        let rows = sqlx::query(&format!(
            "{base} WHERE e.state = 'approved' AND p.fund_holder_id IN ({}) AND COALESCE(e.submitted_by, 0) <> $1
             ORDER BY e.updated_at, e.id LIMIT $2",
            in_list(&treasuries)
        ))
        .bind(person)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
        for r in &rows {
            out.push(read(r, "pay")?);
        }
    }
    Ok(out)
}

async fn audit(
    tx: &mut Transaction<'_, Any>,
    db: &Db,
    by: By,
    project_id: i64,
    what: &'static str,
    expense_id: i64,
    amount: Pence,
) -> Result<()> {
    crate::projects::audit(
        tx,
        db.backend(),
        by,
        what,
        project_id,
        json!({ "expense": expense_id, "amount_pence": amount.get() }),
    )
    .await
}

async fn owners(tx: &mut Transaction<'_, Any>, project_id: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT lead_id AS person FROM projects WHERE id = $1 AND lead_id IS NOT NULL
         UNION SELECT person_id AS person FROM project_members WHERE project_id = $1 AND role IN ('lead', 'co_owner')",
    )
    .bind(project_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("person")?)).collect()
}

async fn fund_people(
    tx: &mut Transaction<'_, Any>,
    holder: i64,
    treasurers_only: bool,
) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT person_id FROM fund_holder_members WHERE fund_holder_id = $1 AND ($2 = 0 OR role = 'treasurer')",
    )
    .bind(holder)
    .bind(i64::from(treasurers_only))
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("person_id")?)).collect()
}

async fn emails_of(tx: &mut Transaction<'_, Any>, mut people: Vec<i64>) -> Result<Vec<String>> {
    people.sort_unstable();
    people.dedup();
    let mut out = Vec::with_capacity(people.len());
    for p in people {
        let row = sqlx::query("SELECT email FROM people WHERE id = $1 AND erased_at IS NULL")
            .bind(p)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(r) = row {
            out.push(r.try_get("email")?);
        }
    }
    Ok(out)
}

async fn send(
    tx: &mut Transaction<'_, Any>,
    kind: &str,
    to: &[String],
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    for address in to {
        crate::outbox::enqueue(
            tx,
            &crate::outbox::NewMessage {
                kind,
                to_address: address,
                subject,
                body_text: body,
            },
            now,
        )
        .await?;
    }
    Ok(())
}

async fn notify_submitted(
    tx: &mut Transaction<'_, Any>,
    project_id: i64,
    title: &str,
    id: i64,
    e: &NewExpense,
    by: By,
) -> Result<()> {
    let people: Vec<i64> = owners(tx, project_id)
        .await?
        .into_iter()
        .filter(|p| Some(*p) != by.actor)
        .collect();
    let to = emails_of(tx, people).await?;
    let subject = format!("{title}: an expense to confirm");
    let body = format!(
        "An expense of {} to {} ({}) was submitted for {title}.\n\nAs the project's lead or a co-owner, confirm it is the project's (or reject it, saying why) before the fund holder approves it: {}/projects/{project_id}/expenses/{id}\n",
        e.amount,
        e.payee,
        e.description,
        crate::outbox::SITE
    );
    send(tx, "expense_submitted", &to, &subject, &body, by.now).await
}

async fn notify_approved(
    tx: &mut Transaction<'_, Any>,
    holder: i64,
    e: &Expense,
    step: Step,
    completed: bool,
    by: By,
) -> Result<()> {
    let link = format!(
        "{}/projects/{}/expenses/{}",
        crate::outbox::SITE,
        e.project_id,
        e.id
    );
    if completed {
        let treasurers: Vec<i64> = fund_people(tx, holder, true)
            .await?
            .into_iter()
            .filter(|p| Some(*p) != e.submitted_by)
            .collect();
        let to = emails_of(tx, treasurers).await?;
        let subject = format!("{}: an expense to pay", e.project_title);
        let body = format!(
            "The expense of {} to {} is fully approved and waits for payment: {link}\n",
            e.amount, e.payee
        );
        send(tx, "expense_to_pay", &to, &subject, &body, by.now).await?;
        let to = emails_of(tx, e.submitted_by.into_iter().collect()).await?;
        let subject = format!("{}: your expense is approved", e.project_title);
        let body = format!(
            "Your expense of {} to {} is approved; the fund holder's treasurer will pay it: {link}\n",
            e.amount, e.payee
        );
        send(tx, "expense_approved", &to, &subject, &body, by.now).await
    } else {
        let people: Vec<i64> = fund_people(tx, holder, false)
            .await?
            .into_iter()
            .filter(|p| Some(*p) != e.submitted_by && *p != by.actor.unwrap_or(0))
            .collect();
        let to = emails_of(tx, people).await?;
        let what = match step {
            Step::Project => "The project has confirmed",
            Step::FundHolder => "One approver has approved",
        };
        let subject = format!("{}: an expense to approve", e.project_title);
        let body = format!(
            "{what} an expense of {} to {} ({}). It needs the fund holder's approval: {link}\n",
            e.amount, e.payee, e.description
        );
        send(tx, "expense_to_approve", &to, &subject, &body, by.now).await
    }
}
