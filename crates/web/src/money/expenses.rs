//! A project's expenses: submitted by its team with a receipt, confirmed by
//! its lead or a co-owner, approved by its fund holder's approvers, paid or
//! reversed by the treasurer. The rules are core's (`coproduce_core::
//! expenses`); this reads forms, shows what each person may do next, and
//! says why when they may not.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use coproduce_core::budget::Warning;
use coproduce_core::expenses::{
    ExpenseForm, Facts, Method, NewExpense, Payment, PaymentForm, State as ExpenseState, Step,
};
use coproduce_core::files;
use coproduce_core::policy::{Action, Actor};
use coproduce_core::projects::contacts::Visibility;
use coproduce_core::{local_time, Invalid};
use coproduce_store::blobs::BlobId;
use coproduce_store::expenses::{self as store, ApprovalRow, Expense, Who};
use coproduce_store::projects::contacts::{self as documents, NewDocument};
use coproduce_store::StoreError;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::projects::actions::by;
use crate::projects::documents::max_bytes;
use crate::projects::page;
use crate::risk::today;
use crate::AppState;
use coproduce_core::risk::ahead::long_date as date;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/projects/{id}/expenses", Action::ReadProjectMoney, list)
        .get("/projects/{id}/expenses.csv", Action::ReadProjectMoney, csv)
        .post("/projects/{id}/expenses", Action::SubmitExpense, create)
        .get(
            "/projects/{id}/expenses/{expense}",
            Action::ReadProjectMoney,
            show,
        )
        .post(
            "/projects/{id}/expenses/{expense}/edit",
            Action::SubmitExpense,
            edit,
        )
        .post(
            "/projects/{id}/expenses/{expense}/withdraw",
            Action::SubmitExpense,
            withdraw,
        )
        .post(
            "/projects/{id}/expenses/{expense}/approve",
            Action::ReviewExpense,
            approve,
        )
        .post(
            "/projects/{id}/expenses/{expense}/reject",
            Action::ReviewExpense,
            reject,
        )
        .post(
            "/projects/{id}/expenses/{expense}/pay",
            Action::PayExpense,
            pay,
        )
        .post(
            "/projects/{id}/expenses/{expense}/reverse",
            Action::PayExpense,
            reverse,
        )
        .get(
            "/projects/{id}/expenses/{expense}/receipt",
            Action::ReadProjectMoney,
            receipt,
        )
}

/// The fields in the order the form asks for them.
const FIELDS: [&str; 7] = [
    "amount",
    "payee",
    "payee_kind",
    "line",
    "description",
    "spent_on",
    "receipt",
];

/// How the actor stands to a project's money, given the fund holder that
/// holds it: officers, the team and that fund holder's people read it all.
pub(super) fn may_read(actor: &Actor, project: i64, holder: Option<i64>) -> bool {
    (actor.is_officer() && actor.token_scope.is_none())
        || actor.project_role(project).is_some()
        || holder.is_some_and(|h| actor.fund_role(h).is_some())
}

/// Policy lets any fund holder's people this far; only the project's own
/// fund holder reads on, and to the others the expense is not there.
fn refused() -> Error {
    Error::NotFound(
        "There is nothing for you here: only the project's team, its fund holder's people and council officers see its expenses in full."
            .to_owned(),
    )
}

pub(super) fn who<'a>(actor: &'a Actor, project: i64) -> Option<Who<'a>> {
    Some(Who {
        person: actor.person?,
        owns_project: actor.owns_project(project),
        fund_roles: &actor.fund_holders,
    })
}

struct Choice {
    value: String,
    label: String,
    checked: bool,
}

/// The new-expense or edit form with what it holds.
struct FormView {
    action: String,
    amount: String,
    payee: String,
    description: String,
    spent_on: String,
    kinds: Vec<Choice>,
    lines: Vec<Choice>,
    receipt_hint: String,
    errors: Vec<Invalid>,
}

impl FormView {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

struct Row {
    id: i64,
    spent_on: String,
    payee: String,
    category: &'static str,
    amount: String,
    state: &'static str,
    tag: &'static str,
    submitter: String,
}

fn tag(s: ExpenseState) -> &'static str {
    match s {
        ExpenseState::Draft => "tag--idea",
        ExpenseState::Submitted => "tag--planning",
        ExpenseState::Approved => "tag--delivery",
        ExpenseState::Rejected => "tag--closed",
        ExpenseState::Paid => "tag--completed",
        ExpenseState::Reversed => "tag--paused",
    }
}

#[derive(Template)]
#[template(path = "money/expenses.html")]
struct ListPage {
    chrome: Chrome,
    id: i64,
    project: String,
    holder: Option<String>,
    notice: Option<&'static str>,
    errors: Vec<Invalid>,
    rows: Vec<Row>,
    form: Option<FormView>,
}

struct Context {
    project: coproduce_store::projects::ProjectSummary,
    holder: Option<(i64, String)>,
}

async fn context(state: &AppState, id: i64) -> Result<Context> {
    let project = coproduce_store::projects::get(&state.db, id)
        .await?
        .ok_or_else(page::missing)?;
    let subject = coproduce_store::risk::subject(&state.db, id)
        .await?
        .ok_or_else(page::missing)?;
    let holder = match subject.fund_holder {
        Some(h) => coproduce_store::memberships::fund_holders(&state.db)
            .await?
            .into_iter()
            .find(|f| f.id == h)
            .map(|f| (f.id, f.name)),
        None => None,
    };
    Ok(Context { project, holder })
}

async fn form_view(
    state: &AppState,
    id: i64,
    holder: Option<i64>,
    action: String,
    typed: &ExpenseForm,
    errors: Vec<Invalid>,
) -> Result<FormView> {
    let budget = coproduce_store::budget::budget(&state.db, id).await?;
    let receipt_hint = match holder {
        Some(h) => format!(
            "A photo or scan (PDF, JPEG or PNG). The fund holder asks for one for anything over {}.",
            store::rules(&state.db, h).await?.receipt_threshold
        ),
        None => "A photo or scan (PDF, JPEG or PNG).".to_owned(),
    };
    Ok(FormView {
        action,
        amount: typed.amount.clone(),
        payee: typed.payee.clone(),
        description: typed.description.clone(),
        spent_on: typed.spent_on.clone(),
        kinds: [
            (
                "organisation",
                "A business or organisation (named in public)",
            ),
            (
                "individual",
                "A person, such as a volunteer being paid back (never named in public)",
            ),
        ]
        .into_iter()
        .map(|(v, l)| Choice {
            value: v.to_owned(),
            label: l.to_owned(),
            checked: typed.payee_kind == v,
        })
        .collect(),
        lines: budget
            .lines
            .iter()
            .map(|l| Choice {
                value: l.id.to_string(),
                label: if l.description.is_empty() {
                    format!("{} ({} left)", l.category.label(), l.remaining())
                } else {
                    format!(
                        "{}: {} ({} left)",
                        l.category.label(),
                        l.description,
                        l.remaining()
                    )
                },
                checked: typed.line.trim() == l.id.to_string(),
            })
            .collect(),
        receipt_hint,
        errors,
    })
}

async fn render_list(
    chrome: Chrome,
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    notice: Option<&'static str>,
    failed: Option<(ExpenseForm, Vec<Invalid>)>,
) -> Result<Response> {
    let ctx = context(state, id).await?;
    let actor = crate::policy::actor(Some(viewer));
    if !may_read(&actor, id, ctx.holder.as_ref().map(|h| h.0)) {
        return Err(refused());
    }
    let rows = store::of_project(&state.db, id)
        .await?
        .into_iter()
        .map(|e| Row {
            id: e.id,
            spent_on: date(e.spent_on),
            payee: e.payee.clone(),
            category: e.category.label(),
            amount: e.amount.to_string(),
            state: e.state.label(),
            tag: tag(e.state),
            submitter: if e.submitter_name.is_empty() {
                "A former member".to_owned()
            } else {
                e.submitter_name.clone()
            },
        })
        .collect();
    let member = actor.project_role(id).is_some();
    let (typed, errors) = failed.unwrap_or_default();
    let form = if member && ctx.holder.is_some() {
        let typed = ExpenseForm {
            spent_on: if typed.spent_on.is_empty() {
                today(state).to_string()
            } else {
                typed.spent_on.clone()
            },
            ..typed.clone()
        };
        Some(
            form_view(
                state,
                id,
                ctx.holder.as_ref().map(|h| h.0),
                format!("/projects/{id}/expenses"),
                &typed,
                errors.clone(),
            )
            .await?,
        )
    } else {
        None
    };
    let title = format!("Expenses: {}", ctx.project.title);
    let page = ListPage {
        chrome: chrome
            .titled(title, "projects")
            .with_errors(!errors.is_empty()),
        id,
        project: ctx.project.title,
        holder: ctx.holder.map(|h| h.1),
        notice,
        errors,
        rows,
        form,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html(page)?).into_response())
}

#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

fn notice_for(done: Option<&str>) -> Option<&'static str> {
    match done {
        Some("drafted") => Some("The expense is saved as a draft. Submit it when it is ready."),
        Some("submitted") => {
            Some("The expense is submitted: the project's lead or a co-owner confirms it next.")
        }
        Some("withdrawn") => Some("The expense is back to a draft."),
        Some("confirmed") => {
            Some("You have confirmed the expense; the fund holder's approvers have been asked.")
        }
        Some("approved") => Some("Your approval is recorded."),
        Some("committed") => {
            Some("The expense is approved and the money committed: the treasurer pays it next.")
        }
        Some("rejected") => {
            Some("The expense is rejected, and the person who submitted it has been told why.")
        }
        Some("paid") => Some("The payment is recorded."),
        Some("reversed") => {
            Some("The expense is reversed and the money returned to the project's budget.")
        }
        _ => None,
    }
}

pub async fn list(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response> {
    render_list(
        chrome,
        &state,
        &viewer,
        id,
        notice_for(q.done.as_deref()),
        None,
    )
    .await
}

/// What came in a multipart expense form.
struct Sent {
    form: ExpenseForm,
    submit: bool,
    receipt: Option<(String, Vec<u8>)>,
}

async fn read_multipart(mut multipart: Multipart) -> Result<Sent> {
    let unreadable = || {
        Error::Invalid(vec![Invalid::new(
            "receipt",
            "The form could not be read: choose the receipt again and send the form again",
        )])
    };
    let mut sent = Sent {
        form: ExpenseForm::default(),
        submit: false,
        receipt: None,
    };
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "receipt" {
            let file_name = field.file_name().unwrap_or("").to_owned();
            let bytes = field.bytes().await.map_err(|_| unreadable())?;
            if !(file_name.is_empty() && bytes.is_empty()) {
                sent.receipt = Some((file_name, bytes.to_vec()));
            }
            continue;
        }
        let text = field.text().await.map_err(|_| unreadable())?;
        match name.as_str() {
            "amount" => sent.form.amount = text,
            "payee" => sent.form.payee = text,
            "payee_kind" => sent.form.payee_kind = text,
            "line" => sent.form.line = text,
            "description" => sent.form.description = text,
            "spent_on" => sent.form.spent_on = text,
            "action" => sent.submit = text == "submit",
            _ => {}
        }
    }
    Ok(sent)
}

/// Reads the form and the receipt by core's rules, every mistake at once.
async fn check(
    state: &AppState,
    id: i64,
    sent: &Sent,
) -> Result<std::result::Result<(NewExpense, Option<files::Upload>), Vec<Invalid>>> {
    let budget = coproduce_store::budget::budget(&state.db, id).await?;
    let lines: Vec<i64> = budget.lines.iter().map(|l| l.id).collect();
    let mut errors = Vec::new();
    let expense = NewExpense::parse(&sent.form, &lines, today(state))
        .map_err(|e| errors.extend(e))
        .ok();
    if lines.is_empty() {
        errors.retain(|e| e.field != "line");
        errors.push(Invalid::new(
            "line",
            "This project has no budget lines yet: add them on the budget page first",
        ));
    }
    let upload = match &sent.receipt {
        Some((name, bytes)) => files::check_upload(name, bytes, max_bytes(state.body_limit))
            .map_err(|e| errors.push(Invalid::new("receipt", e.message)))
            .ok(),
        None => None,
    };
    errors.sort_by_key(|e| FIELDS.iter().position(|f| *f == e.field));
    Ok(match expense {
        Some(e) if errors.is_empty() => Ok((e, upload)),
        _ => Err(errors),
    })
}

/// Stores the receipt's bytes and describes the document row that will
/// point at them: seen by the team, officers and (through the expense) the
/// fund holder, never the public.
async fn store_receipt(
    state: &AppState,
    upload: &files::Upload,
    bytes: Vec<u8>,
) -> Result<(String, String, i64, &'static str)> {
    let size = bytes.len() as i64;
    let blob = state
        .blobs
        .put(bytes)
        .await
        .map_err(|e| Error::Internal(format!("could not store a receipt: {e}")))?;
    Ok((
        blob.as_str().to_owned(),
        upload.file_name().to_owned(),
        size,
        upload.kind().extensions()[0],
    ))
}

pub async fn create(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response> {
    let sent = read_multipart(multipart).await?;
    let (expense, upload) = match check(&state, id, &sent).await? {
        Ok(ok) => ok,
        Err(errors) => {
            return render_list(chrome, &state, &viewer, id, None, Some((sent.form, errors))).await
        }
    };
    let stored = match (&upload, sent.receipt) {
        (Some(u), Some((_, bytes))) => Some(store_receipt(&state, u, bytes).await?),
        _ => None,
    };
    let title = format!("Receipt: {}", expense.payee);
    let doc = stored.as_ref().map(|(blob, name, size, kind)| NewDocument {
        title: &title,
        file_name: name,
        kind,
        size_bytes: *size,
        blob_id: blob,
        visibility: Visibility::Team,
    });
    match store::create(
        &state.db,
        id,
        &expense,
        doc.as_ref(),
        sent.submit,
        by(&state, &viewer),
    )
    .await
    {
        Ok(expense_id) => Ok(see_other(&format!(
            "/projects/{id}/expenses/{expense_id}?done={}",
            if sent.submit { "submitted" } else { "drafted" }
        ))),
        Err(StoreError::Invalid(i)) => {
            render_list(
                chrome,
                &state,
                &viewer,
                id,
                None,
                Some((sent.form, vec![i])),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

fn see_other(to: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    res
}

struct ApprovalView {
    name: String,
    step: &'static str,
    note: String,
    at: String,
}

/// The forms the viewer may use on this expense now.
#[derive(Default)]
struct Offers {
    edit: Option<FormView>,
    withdraw: bool,
    approve: Option<&'static str>,
    reject: bool,
    pay: bool,
    reverse: bool,
    /// Why the viewer cannot give the approval it waits for, when they
    /// might have expected to.
    cannot_approve: Option<String>,
}

#[derive(Template)]
#[template(path = "money/expense.html")]
struct ExpensePage {
    chrome: Chrome,
    id: i64,
    project: String,
    e: Expense,
    holder: String,
    state_label: &'static str,
    tag: &'static str,
    amount: String,
    spent_on: String,
    submitted: String,
    paid: String,
    method: String,
    approvals: Vec<ApprovalView>,
    waiting_for: Option<String>,
    warnings: Vec<String>,
    notice: Option<&'static str>,
    errors: Vec<Invalid>,
    offers: Offers,
    methods: Vec<Choice>,
    today: String,
    typed_reason: String,
    typed_reference: String,
}

/// Which form came back with mistakes.
enum Failed {
    None,
    Edit(ExpenseForm, Vec<Invalid>),
    Other(Vec<Invalid>, String),
}

async fn render_expense(
    chrome: Chrome,
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    expense_id: i64,
    notice: Option<&'static str>,
    failed: Failed,
) -> Result<Response> {
    let e = store::get(&state.db, expense_id)
        .await?
        .filter(|e| e.project_id == id)
        .ok_or_else(no_such_expense)?;
    let actor = crate::policy::actor(Some(viewer));
    if !may_read(&actor, id, e.fund_holder_id) {
        return Err(refused());
    }
    let holder_name = match e.fund_holder_id {
        Some(h) => coproduce_store::memberships::fund_holders(&state.db)
            .await?
            .into_iter()
            .find(|f| f.id == h)
            .map(|f| f.name)
            .unwrap_or_default(),
        None => "no fund holder yet".to_owned(),
    };
    let rows = store::approvals(&state.db, expense_id).await?;
    let rules = match e.fund_holder_id {
        Some(h) => store::rules(&state.db, h).await?,
        None => coproduce_core::expenses::Rules::default(),
    };
    let given: Vec<coproduce_core::expenses::Approval> = rows
        .iter()
        .map(|a| coproduce_core::expenses::Approval {
            person: a.person_id,
            step: a.step,
        })
        .collect();
    let facts = Facts {
        state: e.state,
        submitted_by: e.submitted_by,
        amount: e.amount,
        approvals: &given,
        rules,
    };
    let waiting_for = facts.next_step().map(|step| match step {
        Step::Project => {
            "The project's lead or a co-owner to confirm it is the project's.".to_owned()
        }
        Step::FundHolder => {
            let left = facts.fund_holder_approvals_left();
            if left == 1 {
                format!("One approval from {holder_name}.")
            } else {
                format!("{left} approvals from different people at {holder_name}.")
            }
        }
    });
    let warnings = if facts.next_step() == Some(Step::FundHolder) {
        store::preview(&state.db, &e)
            .await?
            .warnings
            .iter()
            .map(Warning::message)
            .collect()
    } else {
        Vec::new()
    };
    let (errors, edit_typed, typed_reason) = match failed {
        Failed::None => (Vec::new(), None, String::new()),
        Failed::Edit(typed, errors) => (errors, Some(typed), String::new()),
        Failed::Other(errors, typed) => (errors, None, typed),
    };
    let mut offers = Offers::default();
    if let Some(w) = who(&actor, id) {
        let reviewer_role = e.fund_holder_id.and_then(|h| actor.fund_role(h));
        let reviewer = coproduce_core::expenses::Reviewer {
            person: w.person,
            owns_project: w.owns_project,
            fund_role: reviewer_role,
        };
        let mine = coproduce_core::expenses::may_edit(e.state, e.submitted_by, w.person).is_ok();
        if mine {
            let typed = edit_typed.clone().unwrap_or_else(|| ExpenseForm {
                amount: format!("{}.{:02}", e.amount.get() / 100, e.amount.get() % 100),
                payee: e.payee.clone(),
                payee_kind: e.payee_kind.as_str().to_owned(),
                line: e.line_id.to_string(),
                description: e.description.clone(),
                spent_on: e.spent_on.to_string(),
            });
            offers.edit = Some(
                form_view(
                    state,
                    id,
                    e.fund_holder_id,
                    format!("/projects/{id}/expenses/{expense_id}/edit"),
                    &typed,
                    if edit_typed.is_some() {
                        errors.clone()
                    } else {
                        Vec::new()
                    },
                )
                .await?,
            );
            offers.withdraw = e.state == ExpenseState::Submitted;
        }
        match coproduce_core::expenses::may_approve(&facts, reviewer) {
            Ok(Step::Project) => offers.approve = Some("Confirm it is the project's"),
            Ok(Step::FundHolder) => offers.approve = Some("Approve"),
            Err(why) => {
                let involved = reviewer.owns_project || reviewer.fund_role.is_some();
                if involved && e.state == ExpenseState::Submitted {
                    offers.cannot_approve = Some(why.message);
                }
            }
        }
        offers.reject = coproduce_core::expenses::may_reject(&facts, reviewer, "-").is_ok();
        offers.pay = coproduce_core::expenses::may_pay(&facts, reviewer).is_ok();
        offers.reverse = coproduce_core::expenses::may_reverse(&facts, reviewer, "-").is_ok();
    }
    let title = format!("Expense {expense_id}: {}", e.project_title);
    let page = ExpensePage {
        chrome: chrome
            .titled(title, "projects")
            .with_errors(!errors.is_empty()),
        id,
        project: e.project_title.clone(),
        holder: holder_name,
        state_label: e.state.label(),
        tag: tag(e.state),
        amount: e.amount.to_string(),
        spent_on: date(e.spent_on),
        submitted: e
            .submitted_at
            .map(local_time::long_date)
            .unwrap_or_else(|| "Not yet".to_owned()),
        paid: e.paid_on.map(date).unwrap_or_default(),
        method: e
            .payment_method
            .map(|m| m.label().to_owned())
            .unwrap_or_default(),
        approvals: rows
            .iter()
            .map(|a: &ApprovalRow| ApprovalView {
                name: if a.name.is_empty() {
                    "A former member".to_owned()
                } else {
                    a.name.clone()
                },
                step: match a.step {
                    Step::Project => "Confirmed for the project",
                    Step::FundHolder => "Approved for the fund holder",
                },
                note: a.note.clone(),
                at: local_time::long_date(a.approved_at),
            })
            .collect(),
        waiting_for,
        warnings,
        notice,
        errors,
        offers,
        methods: Method::ALL
            .iter()
            .map(|m| Choice {
                value: m.as_str().to_owned(),
                label: m.label().to_owned(),
                checked: *m == Method::BankTransfer,
            })
            .collect(),
        today: today(state).to_string(),
        typed_reason,
        typed_reference: String::new(),
        e,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html(page)?).into_response())
}

fn no_such_expense() -> Error {
    Error::NotFound("There is no such expense on this project.".to_owned())
}

pub async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, expense)): Path<(i64, i64)>,
    Query(q): Query<Done>,
) -> Result<Response> {
    render_expense(
        chrome,
        &state,
        &viewer,
        id,
        expense,
        notice_for(q.done.as_deref()),
        Failed::None,
    )
    .await
}

/// The expense must be this project's before anything is done to it.
async fn expense_of(state: &AppState, id: i64, expense: i64) -> Result<Expense> {
    store::get(&state.db, expense)
        .await?
        .filter(|e| e.project_id == id)
        .ok_or_else(no_such_expense)
}

pub async fn edit(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, expense_id)): Path<(i64, i64)>,
    multipart: Multipart,
) -> Result<Response> {
    expense_of(&state, id, expense_id).await?;
    let sent = read_multipart(multipart).await?;
    let (expense, upload) = match check(&state, id, &sent).await? {
        Ok(ok) => ok,
        Err(errors) => {
            let back = Failed::Edit(sent.form, errors);
            return render_expense(chrome, &state, &viewer, id, expense_id, None, back).await;
        }
    };
    let stored = match (&upload, sent.receipt) {
        (Some(u), Some((_, bytes))) => Some(store_receipt(&state, u, bytes).await?),
        _ => None,
    };
    let title = format!("Receipt: {}", expense.payee);
    let doc = stored.as_ref().map(|(blob, name, size, kind)| NewDocument {
        title: &title,
        file_name: name,
        kind,
        size_bytes: *size,
        blob_id: blob,
        visibility: Visibility::Team,
    });
    let done = if sent.submit { "submitted" } else { "drafted" };
    match store::update(
        &state.db,
        id,
        expense_id,
        &expense,
        doc.as_ref(),
        sent.submit,
        by(&state, &viewer),
    )
    .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/projects/{id}/expenses/{expense_id}?done={done}"
        ))),
        Err(StoreError::Invalid(i)) => {
            let back = Failed::Edit(sent.form, vec![i]);
            render_expense(chrome, &state, &viewer, id, expense_id, None, back).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Runs a step; a refusal by the rules comes back on the page, beside the
/// expense, with whatever was typed.
async fn step(
    chrome: Chrome,
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    expense_id: i64,
    typed: String,
    result: coproduce_store::Result<&'static str>,
) -> Result<Response> {
    match result {
        Ok(done) => Ok(see_other(&format!(
            "/projects/{id}/expenses/{expense_id}?done={done}"
        ))),
        Err(StoreError::Invalid(i)) => {
            render_expense(
                chrome,
                state,
                viewer,
                id,
                expense_id,
                None,
                Failed::Other(vec![i], typed),
            )
            .await
        }
        Err(StoreError::NotFound) => Err(no_such_expense()),
        Err(e) => Err(e.into()),
    }
}

fn signed_in(actor: &Actor, id: i64) -> Result<Who<'_>> {
    who(actor, id).ok_or(Error::SignInFirst)
}

pub async fn withdraw(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, expense_id)): Path<(i64, i64)>,
) -> Result<Response> {
    expense_of(&state, id, expense_id).await?;
    let result = store::withdraw(&state.db, id, expense_id, by(&state, &viewer))
        .await
        .map(|()| "withdrawn");
    step(
        chrome,
        &state,
        &viewer,
        id,
        expense_id,
        String::new(),
        result,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

pub async fn approve(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, expense_id)): Path<(i64, i64)>,
    Form(form): Form<NoteForm>,
) -> Result<Response> {
    expense_of(&state, id, expense_id).await?;
    let actor = crate::policy::actor(Some(&viewer));
    let who = signed_in(&actor, id)?;
    let result = store::approve(
        &state.db,
        id,
        expense_id,
        who,
        &form.note,
        today(&state),
        by(&state, &viewer),
    )
    .await
    .map(|a| match (a.step, a.completed) {
        (_, true) => "committed",
        (Step::Project, false) => "confirmed",
        (Step::FundHolder, false) => "approved",
    });
    step(
        chrome,
        &state,
        &viewer,
        id,
        expense_id,
        String::new(),
        result,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn reject(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, expense_id)): Path<(i64, i64)>,
    Form(form): Form<ReasonForm>,
) -> Result<Response> {
    expense_of(&state, id, expense_id).await?;
    let actor = crate::policy::actor(Some(&viewer));
    let who = signed_in(&actor, id)?;
    let result = store::reject(
        &state.db,
        id,
        expense_id,
        who,
        &form.reason,
        by(&state, &viewer),
    )
    .await
    .map(|()| "rejected");
    step(chrome, &state, &viewer, id, expense_id, form.reason, result).await
}

pub async fn pay(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, expense_id)): Path<(i64, i64)>,
    Form(form): Form<PaymentForm>,
) -> Result<Response> {
    expense_of(&state, id, expense_id).await?;
    let actor = crate::policy::actor(Some(&viewer));
    let who = signed_in(&actor, id)?;
    let payment = match Payment::parse(&form, today(&state)) {
        Ok(p) => p,
        Err(errors) => {
            let back = Failed::Other(errors, String::new());
            return render_expense(chrome, &state, &viewer, id, expense_id, None, back).await;
        }
    };
    let result = store::pay(
        &state.db,
        id,
        expense_id,
        who,
        &payment,
        by(&state, &viewer),
    )
    .await
    .map(|()| "paid");
    step(
        chrome,
        &state,
        &viewer,
        id,
        expense_id,
        String::new(),
        result,
    )
    .await
}

pub async fn reverse(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, expense_id)): Path<(i64, i64)>,
    Form(form): Form<ReasonForm>,
) -> Result<Response> {
    expense_of(&state, id, expense_id).await?;
    let actor = crate::policy::actor(Some(&viewer));
    let who = signed_in(&actor, id)?;
    let result = store::reverse(
        &state.db,
        id,
        expense_id,
        who,
        &form.reason,
        today(&state),
        by(&state, &viewer),
    )
    .await
    .map(|()| "reversed");
    step(chrome, &state, &viewer, id, expense_id, form.reason, result).await
}

/// The receipt, for those who may read the project's money: the team,
/// officers and the project's fund holder.
pub async fn receipt(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, expense_id)): Path<(i64, i64)>,
) -> Result<Response> {
    let e = expense_of(&state, id, expense_id).await?;
    let actor = crate::policy::actor(Some(&viewer));
    if !may_read(&actor, id, e.fund_holder_id) {
        return Err(refused());
    }
    let gone = || Error::NotFound("This expense has no receipt attached.".to_owned());
    let document = e.receipt_document_id.ok_or_else(gone)?;
    let doc = documents::document_of(&state.db, id, document)
        .await?
        .ok_or_else(gone)?;
    let blob = BlobId::parse(&doc.blob_id).map_err(|e| Error::Internal(e.to_string()))?;
    let bytes = state
        .blobs
        .get(&blob)
        .await
        .map_err(|e| Error::Internal(format!("could not read a stored receipt: {e}")))?
        .ok_or_else(gone)?;
    Ok(crate::projects::documents::attachment(
        &doc.kind,
        &doc.file_name,
        bytes,
    ))
}

/// Every expense in full, for the team, the fund holder and officers: the
/// payee named, as on these pages.
pub async fn csv(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
) -> Result<Response> {
    use super::public::{csv_response, Cell};
    let ctx = context(&state, id).await?;
    let actor = crate::policy::actor(Some(&viewer));
    if !may_read(&actor, id, ctx.holder.as_ref().map(|h| h.0)) {
        return Err(refused());
    }
    let rows: Vec<Vec<Cell>> = store::of_project(&state.db, id)
        .await?
        .iter()
        .map(|e| {
            vec![
                Cell::Plain(e.id.to_string()),
                Cell::Plain(e.spent_on.to_string()),
                Cell::Text(e.payee.clone()),
                Cell::Plain(e.payee_kind.as_str().to_owned()),
                Cell::Plain(e.category.as_str().to_owned()),
                Cell::Text(e.description.clone()),
                Cell::Money(e.amount),
                Cell::Plain(e.state.as_str().to_owned()),
                Cell::Plain(e.paid_on.map(|d| d.to_string()).unwrap_or_default()),
                Cell::Text(e.payment_reference.clone()),
            ]
        })
        .collect();
    Ok(csv_response(
        &format!("project-{id}-expenses.csv"),
        &[
            "id",
            "spent_on",
            "payee",
            "payee_kind",
            "category",
            "description",
            "amount_gbp",
            "state",
            "paid_on",
            "payment_reference",
        ],
        &rows,
    ))
}
