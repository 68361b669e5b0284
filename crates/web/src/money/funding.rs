//! A fund holder's treasurer sets its fee and its rules for expenses,
//! records funding agreed for the projects it holds, and records money as
//! it arrives: the grant to the project's budget and the fee to the fund
//! holder's income, in one ledger transaction.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use coproduce_core::expenses::Rules;
use coproduce_core::funding::{Agreement, AgreementForm, FeePolicy};
use coproduce_core::money::Pence;
use coproduce_core::policy::Action;
use coproduce_core::Invalid;
use coproduce_store::{budget, expenses, funding, StoreError};
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::projects::actions::by;
use crate::risk::today;
use crate::AppState;
use coproduce_core::risk::ahead::long_date as date;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/fund-holders/{id}/manage", Action::ManageFunding, show)
        .post("/fund-holders/{id}/fees", Action::ManageFunding, set_fees)
        .post("/fund-holders/{id}/rules", Action::ManageFunding, set_rules)
        .post(
            "/fund-holders/{id}/agreements",
            Action::ManageFunding,
            add_agreement,
        )
        .post(
            "/fund-holders/{id}/agreements/{agreement}/receipts",
            Action::ManageFunding,
            receive,
        )
}

struct Choice {
    value: String,
    label: String,
    checked: bool,
}

struct AgreementView {
    id: i64,
    project_id: i64,
    project: String,
    funder: String,
    amount: String,
    dates: String,
    received: String,
    fees: String,
}

#[derive(Template)]
#[template(path = "money/funding.html")]
struct FundingPage {
    chrome: Chrome,
    id: i64,
    name: String,
    notice: Option<&'static str>,
    errors: Vec<Invalid>,
    fee_kind: &'static str,
    basis_points: String,
    minimum: String,
    cap: String,
    fixed: String,
    fee_words: String,
    rules: Rules,
    threshold: String,
    receipt_threshold: String,
    projects: Vec<Choice>,
    agreements: Vec<AgreementView>,
    typed: AgreementSent,
    today: String,
}

impl FundingPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

fn plain(p: Pence) -> String {
    format!("{}.{:02}", p.get() / 100, p.get() % 100)
}

/// The fee policy in a sentence, as the public page also says it.
pub(super) fn fee_in_words(policy: FeePolicy) -> String {
    match policy {
        FeePolicy::Fixed { amount } => format!("{amount} on each grant received"),
        FeePolicy::Percent {
            basis_points,
            minimum,
            cap,
        } => {
            let mut s = format!(
                "{}.{:02}% of each grant received",
                basis_points / 100,
                basis_points % 100
            );
            if let Some(m) = minimum {
                s.push_str(&format!(", at least {m}"));
            }
            if let Some(c) = cap {
                s.push_str(&format!(", at most {c}"));
            }
            s
        }
    }
}

async fn render(
    chrome: Chrome,
    state: &AppState,
    id: i64,
    notice: Option<&'static str>,
    errors: Vec<Invalid>,
    typed: AgreementSent,
) -> Result<Response> {
    let name = coproduce_store::memberships::fund_holders(&state.db)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .map(|f| f.name)
        .ok_or_else(|| Error::NotFound("There is no such fund holder.".to_owned()))?;
    let policy = funding::fee_policy(&state.db, id).await?;
    let rules = expenses::rules(&state.db, id).await?;
    let projects = budget::projects_of_holder(&state.db, id)
        .await?
        .into_iter()
        .map(|(pid, title)| Choice {
            value: pid.to_string(),
            label: title,
            checked: typed.project.trim() == pid.to_string(),
        })
        .collect();
    let agreements = budget::agreements_of_holder(&state.db, id)
        .await?
        .into_iter()
        .map(|(project_id, project, a)| AgreementView {
            id: a.id,
            project_id,
            project,
            funder: a.funder,
            amount: a.amount.to_string(),
            dates: match a.ends_on {
                Some(end) => format!("{} to {}", date(a.starts_on), date(end)),
                None => format!("from {}", date(a.starts_on)),
            },
            received: a.received.to_string(),
            fees: a.fees.to_string(),
        })
        .collect();
    let (fee_kind, basis_points, minimum, cap, fixed) = match policy {
        FeePolicy::Percent {
            basis_points,
            minimum,
            cap,
        } => (
            "percent",
            format!("{}.{:02}", basis_points / 100, basis_points % 100),
            minimum.map(plain).unwrap_or_default(),
            cap.map(plain).unwrap_or_default(),
            String::new(),
        ),
        FeePolicy::Fixed { amount } => (
            "fixed",
            String::new(),
            String::new(),
            String::new(),
            plain(amount),
        ),
    };
    let page = FundingPage {
        chrome: chrome
            .titled(format!("Manage: {name}"), "")
            .with_errors(!errors.is_empty()),
        id,
        name,
        notice,
        fee_kind,
        basis_points,
        minimum,
        cap,
        fixed,
        fee_words: fee_in_words(policy),
        threshold: plain(rules.threshold),
        receipt_threshold: plain(rules.receipt_threshold),
        rules,
        projects,
        agreements,
        typed,
        today: today(state).to_string(),
        errors,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html(page)?).into_response())
}

#[derive(Deserialize, Default)]
pub struct Saved {
    saved: Option<String>,
}

pub async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<Saved>,
) -> Result<Response> {
    let notice = match q.saved.as_deref() {
        Some("fees") => Some("The fee policy is saved. It applies to grants received from now on."),
        Some("rules") => Some("The approval rules are saved."),
        Some("agreement") => Some("The funding agreement is recorded."),
        Some("received") => Some("The money received is recorded, with the fee taken."),
        _ => None,
    };
    render(
        chrome,
        &state,
        id,
        notice,
        Vec::new(),
        AgreementSent::default(),
    )
    .await
}

fn saved(id: i64, what: &str) -> Response {
    let mut res = Redirect::to(&format!("/fund-holders/{id}/manage?saved={what}")).into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    res
}

#[derive(Deserialize, Default)]
pub struct FeeSent {
    #[serde(default)]
    fee_kind: String,
    #[serde(default)]
    percent: String,
    #[serde(default)]
    minimum: String,
    #[serde(default)]
    cap: String,
    #[serde(default)]
    fixed: String,
}

/// An optional amount: blank is none.
fn optional(field: &'static str, s: &str) -> std::result::Result<Option<Pence>, Invalid> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    let p = Pence::parse(s).map_err(|e| Invalid::new(field, e.message))?;
    if p < Pence::ZERO {
        return Err(Invalid::new(field, "Amounts here cannot be negative"));
    }
    Ok(Some(p))
}

/// A percentage with up to two decimals, as basis points.
fn basis_points(s: &str) -> std::result::Result<u32, Invalid> {
    let refuse = || {
        Invalid::new(
            "percent",
            "Enter the fee as a percentage, like 5 or 7.5, from 0 to 50",
        )
    };
    let p = Pence::parse(s.trim().trim_end_matches('%')).map_err(|_| refuse())?;
    u32::try_from(p.get()).map_err(|_| refuse())
}

pub async fn set_fees(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(sent): Form<FeeSent>,
) -> Result<Response> {
    let policy = if sent.fee_kind == "fixed" {
        match optional("fixed", &sent.fixed) {
            Ok(Some(amount)) => Ok(FeePolicy::Fixed { amount }),
            Ok(None) => Err(vec![Invalid::new(
                "fixed",
                "Enter the fixed fee per grant, like 250",
            )]),
            Err(e) => Err(vec![e]),
        }
    } else {
        let mut errors = Vec::new();
        let bp = basis_points(&sent.percent).map_err(|e| errors.push(e)).ok();
        let minimum = optional("minimum", &sent.minimum)
            .map_err(|e| errors.push(e))
            .ok();
        let cap = optional("cap", &sent.cap).map_err(|e| errors.push(e)).ok();
        match (bp, minimum, cap) {
            (Some(bp), Some(minimum), Some(cap)) if errors.is_empty() => {
                FeePolicy::percent(bp, minimum, cap).map_err(|e| vec![e])
            }
            _ => Err(errors),
        }
    };
    match policy {
        Ok(p) => {
            funding::set_fee_policy(&state.db, id, p, by(&state, &viewer)).await?;
            Ok(saved(id, "fees"))
        }
        Err(errors) => render(chrome, &state, id, None, errors, AgreementSent::default()).await,
    }
}

#[derive(Deserialize, Default)]
pub struct RulesSent {
    #[serde(default)]
    approvals_required: String,
    #[serde(default)]
    threshold: String,
    #[serde(default)]
    approvals_above_threshold: String,
    #[serde(default)]
    receipt_threshold: String,
}

pub async fn set_rules(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(sent): Form<RulesSent>,
) -> Result<Response> {
    let count = |field: &'static str, s: &str| {
        s.trim()
            .parse::<u8>()
            .map_err(|_| Invalid::new(field, "Enter a number of approvals from 1 to 5"))
    };
    let mut errors = Vec::new();
    let below = count("approvals_required", &sent.approvals_required)
        .map_err(|e| errors.push(e))
        .ok();
    let threshold = optional("threshold", &sent.threshold)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten()
        .unwrap_or(Pence::ZERO);
    let above = count("approvals_above_threshold", &sent.approvals_above_threshold)
        .map_err(|e| errors.push(e))
        .ok();
    let receipt = optional("receipt_threshold", &sent.receipt_threshold)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten()
        .unwrap_or(Pence::ZERO);
    let rules = match (below, above) {
        (Some(b), Some(a)) if errors.is_empty() => {
            Rules::new(b, threshold, a, receipt).map_err(|e| vec![e])
        }
        _ => Err(errors),
    };
    match rules {
        Ok(r) => {
            expenses::set_rules(&state.db, id, r, by(&state, &viewer)).await?;
            Ok(saved(id, "rules"))
        }
        Err(errors) => render(chrome, &state, id, None, errors, AgreementSent::default()).await,
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct AgreementSent {
    #[serde(default)]
    project: String,
    #[serde(default)]
    funder: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    conditions: String,
}

async fn holds(state: &AppState, id: i64, project: i64) -> Result<bool> {
    Ok(coproduce_store::risk::subject(&state.db, project)
        .await?
        .is_some_and(|s| s.fund_holder == Some(id)))
}

pub async fn add_agreement(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(sent): Form<AgreementSent>,
) -> Result<Response> {
    let mut errors = Vec::new();
    let project = match sent.project.trim().parse::<i64>() {
        Ok(p) if holds(&state, id, p).await? => Some(p),
        _ => {
            errors.push(Invalid::new(
                "project",
                "Choose one of the projects this fund holder holds",
            ));
            None
        }
    };
    let agreement = Agreement::parse(&AgreementForm {
        funder: sent.funder.clone(),
        amount: sent.amount.clone(),
        starts_on: sent.starts_on.clone(),
        ends_on: sent.ends_on.clone(),
        conditions: sent.conditions.clone(),
    })
    .map_err(|e| errors.extend(e))
    .ok();
    match (project, agreement) {
        (Some(p), Some(a)) if errors.is_empty() => {
            funding::add_agreement(&state.db, p, id, &a, by(&state, &viewer)).await?;
            Ok(saved(id, "agreement"))
        }
        _ => render(chrome, &state, id, None, errors, sent).await,
    }
}

#[derive(Deserialize, Default)]
pub struct ReceiptSent {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    reference: String,
}

pub async fn receive(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, agreement)): Path<(i64, i64)>,
    Form(sent): Form<ReceiptSent>,
) -> Result<Response> {
    let owner = budget::holder_of_agreement(&state.db, agreement).await?;
    if owner != Some(id) {
        return Err(Error::NotFound(
            "There is no such funding agreement at this fund holder.".to_owned(),
        ));
    }
    let mut errors = Vec::new();
    let amount = match Pence::parse(&sent.amount) {
        Ok(a) if a > Pence::ZERO => Some(a),
        Ok(_) => {
            errors.push(Invalid::new(
                "amount",
                "Enter the amount received, more than £0.00",
            ));
            None
        }
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let on = chrono::NaiveDate::parse_from_str(sent.received_on.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d <= today(&state));
    if on.is_none() {
        errors.push(Invalid::new(
            "received_on",
            "Enter the date the money arrived, like 2026-11-20; it cannot be in the future",
        ));
    }
    match (amount, on) {
        (Some(amount), Some(on)) if errors.is_empty() => {
            match funding::receive_grant_with_reference(
                &state.db,
                agreement,
                amount,
                on,
                &sent.reference,
                by(&state, &viewer),
            )
            .await
            {
                Ok(_) => Ok(saved(id, "received")),
                Err(StoreError::Invalid(i)) => {
                    render(chrome, &state, id, None, vec![i], AgreementSent::default()).await
                }
                Err(e) => Err(e.into()),
            }
        }
        _ => render(chrome, &state, id, None, errors, AgreementSent::default()).await,
    }
}
