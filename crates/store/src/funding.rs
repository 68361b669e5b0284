//! Fund holding in the database: each fund holder's fee policy, the
//! funding agreements behind projects' money, and grants received, which
//! post the money to the project's budget and the fee to the fund holder's
//! income in one ledger transaction.

use chrono::NaiveDate;
use coproduce_core::funding::{self, Accounts, Agreement, FeePolicy};
use coproduce_core::ledger::AccountKind;
use coproduce_core::money::Pence;
use serde_json::json;
use sqlx::Row;

use crate::ledger::{self, About};
use crate::memberships::By;
use crate::{time, Db, Result, StoreError};

/// A fund holder's fee policy.
pub async fn fee_policy(db: &Db, fund_holder_id: i64) -> Result<FeePolicy> {
    let r = sqlx::query(
        "SELECT fee_kind, fee_basis_points, fee_minimum_pence, fee_cap_pence, fee_fixed_pence
         FROM fund_holders WHERE id = $1",
    )
    .bind(fund_holder_id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(StoreError::NotFound)?;
    let kind: String = r.try_get("fee_kind")?;
    let pence =
        |c: &str| -> Result<Option<Pence>> { Ok(r.try_get::<Option<i64>, _>(c)?.map(Pence::new)) };
    Ok(if kind == "fixed" {
        FeePolicy::Fixed {
            amount: pence("fee_fixed_pence")?.unwrap_or(Pence::ZERO),
        }
    } else {
        let bp: i64 = r.try_get("fee_basis_points")?;
        FeePolicy::percent(
            u32::try_from(bp).unwrap_or(0),
            pence("fee_minimum_pence")?,
            pence("fee_cap_pence")?,
        )?
    })
}

pub async fn set_fee_policy(db: &Db, fund_holder_id: i64, policy: FeePolicy, by: By) -> Result<()> {
    let (kind, bp, min, cap, fixed) = match policy {
        FeePolicy::Percent {
            basis_points,
            minimum,
            cap,
        } => (
            "percent",
            i64::from(basis_points),
            minimum.map(Pence::get),
            cap.map(Pence::get),
            None,
        ),
        FeePolicy::Fixed { amount } => ("fixed", 0, None, None, Some(amount.get())),
    };
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "UPDATE fund_holders SET fee_kind = $1, fee_basis_points = $2, fee_minimum_pence = $3,
            fee_cap_pence = $4, fee_fixed_pence = $5 WHERE id = $6",
    )
    .bind(kind)
    .bind(bp)
    .bind(min)
    .bind(cap)
    .bind(fixed)
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
            action: "fund_holder.fee_policy",
            object_type: "fund_holder",
            object_id: fund_holder_id.to_string(),
            summary: json!({ "policy": policy }),
        },
        by.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records a funding agreement for a project held by a fund holder.
pub async fn add_agreement(
    db: &Db,
    project_id: i64,
    fund_holder_id: i64,
    a: &Agreement,
    by: By,
) -> Result<i64> {
    let mut tx = db.begin_write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO funding_agreements (project_id, fund_holder_id, funder, amount_pence, starts_on, ends_on,
            conditions, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(project_id)
    .bind(fund_holder_id)
    .bind(&a.funder)
    .bind(a.amount.get())
    .bind(time::encode_date(a.starts_on))
    .bind(a.ends_on.map(time::encode_date))
    .bind(&a.conditions)
    .bind(by.actor)
    .bind(time::encode(by.now))
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    crate::projects::audit(
        &mut tx,
        db.backend(),
        by,
        "project.funding_agreed",
        project_id,
        json!({ "agreement": id, "fund_holder": fund_holder_id, "amount_pence": a.amount.get() }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// What a grant received came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub transaction_id: i64,
    pub fee: Pence,
}

/// Money arrives under an agreement: the bank gets it, the project's
/// budget gets it less the fund holder's fee, and the fee goes to the fund
/// holder's income, all in one transaction with the receipt and its audit.
pub async fn receive_grant(
    db: &Db,
    agreement_id: i64,
    amount: Pence,
    received_on: NaiveDate,
    by: By,
) -> Result<Received> {
    receive_grant_with_reference(db, agreement_id, amount, received_on, "", by).await
}

/// `receive_grant`, keeping the bank's reference for reconciliation.
pub async fn receive_grant_with_reference(
    db: &Db,
    agreement_id: i64,
    amount: Pence,
    received_on: NaiveDate,
    reference: &str,
    by: By,
) -> Result<Received> {
    let row = sqlx::query(
        "SELECT a.project_id, a.fund_holder_id, a.funder, p.title FROM funding_agreements a
         JOIN projects p ON p.id = a.project_id WHERE a.id = $1",
    )
    .bind(agreement_id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(StoreError::NotFound)?;
    let project_id: i64 = row.try_get("project_id")?;
    let fund_holder_id: i64 = row.try_get("fund_holder_id")?;
    let funder: String = row.try_get("funder")?;
    let title: String = row.try_get("title")?;
    let policy = fee_policy(db, fund_holder_id).await?;
    let fee = policy.fee_on(amount)?;
    let mut tx = db.begin_write().await?;
    let accounts = accounts_in(&mut tx, fund_holder_id, project_id, &title, by.now).await?;
    let t = funding::grant_received(&accounts, amount, policy)?;
    let description = format!("Grant from {funder} for {title}");
    let transaction_id = ledger::record_in(
        &mut tx,
        db.backend(),
        &t,
        About {
            fund_holder_id,
            happened_on: received_on,
            description: &description,
        },
        by,
    )
    .await?;
    sqlx::query(
        "INSERT INTO grant_receipts (agreement_id, transaction_id, amount_pence, fee_pence, received_on, reference)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(agreement_id)
    .bind(transaction_id)
    .bind(amount.get())
    .bind(fee.get())
    .bind(time::encode_date(received_on))
    .bind(reference.trim())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Received {
        transaction_id,
        fee,
    })
}

/// The accounts a project's money moves through at its fund holder, made
/// the first time they are needed.
pub(crate) async fn accounts_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    fund_holder_id: i64,
    project_id: i64,
    title: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Accounts<i64>> {
    Ok(Accounts {
        bank: ledger::ensure_account(tx, fund_holder_id, AccountKind::Bank, None, "Bank", now)
            .await?,
        budget: ledger::ensure_account(
            tx,
            fund_holder_id,
            AccountKind::ProjectBudget,
            Some(project_id),
            &format!("Budget: {title}"),
            now,
        )
        .await?,
        fee_income: ledger::ensure_account(
            tx,
            fund_holder_id,
            AccountKind::FeeIncome,
            None,
            "Fee income",
            now,
        )
        .await?,
        payables: ledger::ensure_account(
            tx,
            fund_holder_id,
            AccountKind::Payables,
            None,
            "Payables",
            now,
        )
        .await?,
    })
}
