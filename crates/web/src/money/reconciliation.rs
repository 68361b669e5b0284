//! A treasurer reconciles the fund holder's bank statement with the ledger.
//!
//! The statement comes as a CSV upload. The first time for a bank, or when
//! the treasurer asks, the file waits while its columns are chosen against
//! its first rows; after that the bank's mapping is used at once. Core reads
//! the file and suggests matches; the treasurer confirms them one by one or
//! all at once, matches a line by hand, or resolves it with a note. The page
//! shows what is unmatched on both sides, how far the books are reconciled,
//! and each statement's balance check.

use std::collections::{HashMap, HashSet};

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use coproduce_core::money::Pence;
use coproduce_core::policy::Action;
use coproduce_core::reconciliation::{self as rules, BankName, DateFormat, Mapping, MappingForm};
use coproduce_core::risk::ahead::long_date;
use coproduce_core::Invalid;
use coproduce_store::reconciliation::{self as store, Import, LineState};
use coproduce_store::StoreError;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::Chrome;
use crate::policy::Routes;
use crate::projects::actions::by;
use crate::AppState;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .get("/fund-holders/{id}/reconciliation", Action::Reconcile, show)
        .post(
            "/fund-holders/{id}/reconciliation/statements",
            Action::Reconcile,
            upload,
        )
        .get(
            "/fund-holders/{id}/reconciliation/uploads/{upload}",
            Action::Reconcile,
            columns,
        )
        .post(
            "/fund-holders/{id}/reconciliation/uploads/{upload}",
            Action::Reconcile,
            import_with_columns,
        )
        .post(
            "/fund-holders/{id}/reconciliation/matches",
            Action::Reconcile,
            confirm,
        )
        .post(
            "/fund-holders/{id}/reconciliation/matches/all",
            Action::Reconcile,
            confirm_all,
        )
        .post(
            "/fund-holders/{id}/reconciliation/lines/{line}/resolve",
            Action::Reconcile,
            resolve,
        )
        .post(
            "/fund-holders/{id}/reconciliation/lines/{line}/reopen",
            Action::Reconcile,
            reopen,
        )
}

/// Rows of the file shown above the column choices.
const PREVIEW_ROWS: usize = 8;

/// Settled lines listed on the page, newest first; the rest stay counted.
const SETTLED_SHOWN: usize = 50;

/// Same-amount movements offered for matching a line by hand.
const CANDIDATES_SHOWN: usize = 10;

fn missing() -> Error {
    Error::NotFound("There is no fund holder at this address.".to_owned())
}

fn amount(p: Pence) -> String {
    p.to_string()
}

struct LineView {
    id: i64,
    date: String,
    description: String,
    reference: String,
    amount: String,
    /// The line's place in its file, for finding it there.
    source: String,
}

impl LineView {
    fn of(l: &store::Line) -> Self {
        Self {
            id: l.id,
            date: long_date(l.date),
            description: l.description.clone(),
            reference: l.reference.clone(),
            amount: amount(l.amount),
            source: format!("statement {}, line {}", l.statement_id, l.line_number),
        }
    }
}

struct MovementView {
    id: i64,
    date: String,
    description: String,
    amount: String,
}

impl MovementView {
    fn of(m: &store::Movement) -> Self {
        Self {
            id: m.transaction_id,
            date: long_date(m.date),
            description: m.description.clone(),
            amount: amount(m.amount),
        }
    }
}

struct SuggestionView {
    line: LineView,
    movement: MovementView,
    reason: String,
    strong: bool,
}

struct OpenLineView {
    line: LineView,
    candidates: Vec<MovementView>,
}

struct SettledView {
    line: LineView,
    how: String,
    matched: bool,
}

struct StatementView {
    bank: String,
    file_name: String,
    period: String,
    lines: String,
    lines_total: String,
    ledger_total: String,
    difference: String,
    agrees: bool,
    imported_on: String,
}

struct BankView {
    name: String,
    describe: String,
}

#[derive(Template)]
#[template(path = "money/reconciliation.html")]
struct Page {
    chrome: Chrome,
    id: i64,
    name: String,
    window_days: i64,
    reconciled_to: Option<String>,
    line_count: usize,
    open_count: usize,
    suggestions: Vec<SuggestionView>,
    open_lines: Vec<OpenLineView>,
    unmatched: Vec<MovementView>,
    unmatched_up_to: Option<String>,
    cancelled: usize,
    settled: Vec<SettledView>,
    settled_hidden: usize,
    statements: Vec<StatementView>,
    banks: Vec<BankView>,
    errors: Vec<Invalid>,
    /// The line whose form the errors belong to.
    failed_line: Option<i64>,
    typed_note: String,
    typed_bank: String,
    notice: Option<String>,
}

impl Page {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    fn line_error(&self, line: &i64, field: &str) -> Option<&str> {
        if self.failed_line != Some(*line) {
            return None;
        }
        self.error_for(field)
    }

    /// Field ids are plain on the form that failed, so the error summary's
    /// links land on them, and carry the line's number elsewhere.
    fn field_id(&self, line: &i64, field: &str) -> String {
        if self.failed_line == Some(*line) {
            field.to_owned()
        } else {
            format!("{field}-{line}")
        }
    }

    fn is_failed(&self, line: &i64) -> bool {
        self.failed_line == Some(*line)
    }

    fn typed_note_for(&self, line: &i64) -> &str {
        if self.failed_line == Some(*line) {
            &self.typed_note
        } else {
            ""
        }
    }
}

/// What a page shows after a form: errors, where they belong, what was typed.
#[derive(Default)]
struct Feedback {
    errors: Vec<Invalid>,
    failed_line: Option<i64>,
    typed_note: String,
    typed_bank: String,
    notice: Option<String>,
}

impl Feedback {
    fn error(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            errors: vec![Invalid::new(field, message)],
            ..Self::default()
        }
    }
}

/// The books as the matcher sees them: every line and movement, and the
/// suggestions for what is still open on both sides.
struct Books {
    name: String,
    lines: Vec<store::Line>,
    movements: Vec<store::Movement>,
    suggestions: Vec<rules::Suggestion>,
}

async fn books(state: &AppState, id: i64) -> Result<Books> {
    let name = store::fund_holder_name(&state.db, id)
        .await?
        .ok_or_else(missing)?;
    let lines = store::lines(&state.db, id).await?;
    let movements = store::movements(&state.db, id).await?;
    let open: Vec<rules::Line> = lines
        .iter()
        .filter(|l| l.state == LineState::Open)
        .map(|l| rules::Line {
            id: l.id,
            date: l.date,
            amount: l.amount,
            text: format!("{} {}", l.description, l.reference),
        })
        .collect();
    let free: Vec<rules::Movement> = movements
        .iter()
        .filter(|m| m.matched_line.is_none())
        .map(store::Movement::for_matching)
        .collect();
    let suggestions = rules::suggest(&open, &free, rules::DEFAULT_WINDOW_DAYS);
    Ok(Books {
        name,
        lines,
        movements,
        suggestions,
    })
}

async fn render(chrome: Chrome, state: &AppState, id: i64, feedback: Feedback) -> Result<Response> {
    let b = books(state, id).await?;
    let by_transaction: HashMap<i64, &store::Movement> =
        b.movements.iter().map(|m| (m.transaction_id, m)).collect();
    let by_line: HashMap<i64, &store::Line> = b.lines.iter().map(|l| (l.id, l)).collect();
    let suggested_lines: HashSet<i64> = b.suggestions.iter().map(|s| s.line).collect();
    let suggested_movements: HashSet<i64> = b.suggestions.iter().map(|s| s.movement).collect();

    let suggestions = b
        .suggestions
        .iter()
        .filter_map(|s| {
            let (l, m) = (by_line.get(&s.line)?, by_transaction.get(&s.movement)?);
            Some(SuggestionView {
                line: LineView::of(l),
                movement: MovementView::of(m),
                reason: s.reason(),
                strong: s.is_strong(),
            })
        })
        .collect();
    let free: Vec<&store::Movement> = b
        .movements
        .iter()
        .filter(|m| m.matched_line.is_none())
        .collect();
    let open_lines = b
        .lines
        .iter()
        .filter(|l| l.state == LineState::Open && !suggested_lines.contains(&l.id))
        .map(|l| OpenLineView {
            line: LineView::of(l),
            candidates: free
                .iter()
                .filter(|m| {
                    m.amount == l.amount && !suggested_movements.contains(&m.transaction_id)
                })
                .take(CANDIDATES_SHOWN)
                .map(|m| MovementView::of(m))
                .collect(),
        })
        .collect();
    // The ledger's side is owed a line only as far as the bank has reported.
    let last_line_on = b.lines.iter().map(|l| l.date).max();
    let unsuggested: Vec<&store::Movement> = free
        .iter()
        .filter(|m| !suggested_movements.contains(&m.transaction_id))
        .copied()
        .collect();
    let cancelled = rules::cancelled(
        &unsuggested
            .iter()
            .map(|m| (m.transaction_id, m.reverses))
            .collect::<Vec<_>>(),
    );
    let unmatched: Vec<MovementView> = match last_line_on {
        Some(last) => unsuggested
            .iter()
            .filter(|m| m.date <= last && !cancelled.contains(&m.transaction_id))
            .map(|m| MovementView::of(m))
            .collect(),
        None => Vec::new(),
    };
    let mut settled: Vec<SettledView> = b
        .lines
        .iter()
        .rev()
        .filter_map(|l| {
            let (how, matched) = match &l.state {
                LineState::Open => return None,
                LineState::Matched { transaction_id } => {
                    let what = by_transaction
                        .get(transaction_id)
                        .map(|m| format!(": {} on {}", m.description, long_date(m.date)))
                        .unwrap_or_default();
                    (
                        format!("Matched with ledger transaction {transaction_id}{what}"),
                        true,
                    )
                }
                LineState::Resolved { note } => (format!("Resolved: {note}"), false),
            };
            Some(SettledView {
                line: LineView::of(l),
                how,
                matched,
            })
        })
        .collect();
    let settled_hidden = settled.len().saturating_sub(SETTLED_SHOWN);
    settled.truncate(SETTLED_SHOWN);
    let statements = store::statements(&state.db, id)
        .await?
        .into_iter()
        .map(|s| StatementView {
            bank: s.bank.clone(),
            file_name: s.file_name.clone(),
            period: format!("{} to {}", long_date(s.first_on), long_date(s.last_on)),
            lines: if s.lines_added == s.lines_in_file {
                s.lines_in_file.to_string()
            } else {
                format!(
                    "{} ({} already imported)",
                    s.lines_added,
                    s.lines_in_file - s.lines_added
                )
            },
            lines_total: amount(s.lines_total),
            ledger_total: amount(s.ledger_total),
            difference: amount(s.difference()),
            agrees: s.difference() == Pence::ZERO,
            imported_on: long_date(coproduce_core::local_time::uk(s.imported_at).date_naive()),
        })
        .collect();
    let banks = store::mappings(&state.db, id)
        .await?
        .into_iter()
        .map(|m| BankView {
            name: m.bank,
            describe: m.mapping.describe(),
        })
        .collect();
    let page = Page {
        chrome: chrome
            .titled(format!("Reconcile with the bank: {}", b.name), "")
            .with_errors(!feedback.errors.is_empty()),
        id,
        name: b.name.clone(),
        window_days: rules::DEFAULT_WINDOW_DAYS,
        reconciled_to: rules::reconciled_to(b.lines.iter().map(|l| (l.date, l.is_settled())))
            .map(long_date),
        line_count: b.lines.len(),
        open_count: b.lines.iter().filter(|l| !l.is_settled()).count(),
        suggestions,
        open_lines,
        unmatched,
        unmatched_up_to: last_line_on.map(long_date),
        cancelled: cancelled.len(),
        settled,
        settled_hidden,
        statements,
        banks,
        errors: feedback.errors,
        failed_line: feedback.failed_line,
        typed_note: feedback.typed_note,
        typed_bank: feedback.typed_bank,
        notice: feedback.notice,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(Deserialize, Default)]
struct Done {
    #[serde(default)]
    done: String,
    #[serde(default)]
    added: usize,
    #[serde(default)]
    already: usize,
    #[serde(default)]
    n: usize,
}

impl Done {
    fn notice(&self) -> Option<String> {
        let lines = |n: usize| {
            if n == 1 {
                "1 line".to_owned()
            } else {
                format!("{n} lines")
            }
        };
        match self.done.as_str() {
            "imported" if self.already > 0 => Some(format!(
                "The statement is imported: {} added, {} already here from an earlier statement.",
                lines(self.added),
                lines(self.already)
            )),
            "imported" => Some(format!(
                "The statement is imported: {} added.",
                lines(self.added)
            )),
            "matched" => Some(match self.n {
                1 => "1 match confirmed.".to_owned(),
                n => format!("{n} matches confirmed."),
            }),
            "resolved" => Some("The line is resolved.".to_owned()),
            "reopened" => Some("The line is open again.".to_owned()),
            _ => None,
        }
    }
}

fn back(id: i64, query: &str, anchor: &str) -> Response {
    let mut res = Redirect::to(&format!(
        "/fund-holders/{id}/reconciliation?{query}#{anchor}"
    ))
    .into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    res
}

async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<Response> {
    let feedback = Feedback {
        notice: done.notice(),
        ..Feedback::default()
    };
    render(chrome, &state, id, feedback).await
}

/// The upload form's fields.
#[derive(Default)]
struct Uploaded {
    bank: String,
    file: Option<(String, Vec<u8>)>,
    check_columns: bool,
}

async fn read_upload(mut multipart: Multipart) -> Result<Uploaded> {
    let unreadable = || {
        Error::Invalid(vec![Invalid::new(
            "file",
            "The upload could not be read: choose the file and send the form again",
        )])
    };
    let mut out = Uploaded::default();
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        match field.name().unwrap_or("") {
            "bank" => out.bank = field.text().await.map_err(|_| unreadable())?,
            "check_columns" => {
                out.check_columns = !field.text().await.map_err(|_| unreadable())?.is_empty()
            }
            "file" => {
                let name = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(|_| unreadable())?;
                // A form sent with no file chosen still has an empty part.
                if !(name.is_empty() && bytes.is_empty()) {
                    out.file = Some((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

fn imported(id: i64, i: store::Imported) -> Response {
    back(
        id,
        &format!("done=imported&added={}&already={}", i.added, i.already),
        "statements",
    )
}

/// A file uploaded: imported at once with the bank's mapping, or held while
/// its columns are chosen.
async fn upload(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response> {
    store::fund_holder_name(&state.db, id)
        .await?
        .ok_or_else(missing)?;
    let form = read_upload(multipart).await?;
    let mut errors = Vec::new();
    let bank = BankName::parse(&form.bank).map_err(|e| errors.push(e)).ok();
    let text = match &form.file {
        None => {
            errors.push(Invalid::new(
                "file",
                "Choose the statement's CSV file, downloaded from the bank",
            ));
            None
        }
        Some((_, bytes)) => rules::decode(bytes)
            .and_then(|t| rules::rows(&t).map(|_| t))
            .map_err(|e| errors.push(e))
            .ok(),
    };
    let (Some(bank), Some(text), Some((file_name, _)), true) =
        (bank, text, &form.file, errors.is_empty())
    else {
        let feedback = Feedback {
            errors,
            typed_bank: form.bank,
            ..Feedback::default()
        };
        return render(chrome, &state, id, feedback).await;
    };
    let file_name = if file_name.trim().is_empty() {
        "statement.csv".to_owned()
    } else {
        file_name.clone()
    };
    let saved = store::mapping_for(&state.db, id, &bank).await?;
    if let (Some(saved), false) = (&saved, form.check_columns) {
        match rules::read_statement(&text, &saved.mapping) {
            Ok(statement) => {
                let written = store::import(
                    &state.db,
                    Import {
                        fund_holder_id: id,
                        bank: &bank,
                        file_name: &file_name,
                        file_hash: &rules::file_hash(&text),
                        statement: &statement,
                        save_mapping: None,
                        upload_id: None,
                    },
                    by(&state, &viewer),
                )
                .await;
                return match written {
                    Ok(i) => Ok(imported(id, i)),
                    Err(StoreError::Conflict(m)) => {
                        let feedback = Feedback {
                            typed_bank: form.bank,
                            ..Feedback::error("file", m)
                        };
                        render(chrome, &state, id, feedback).await
                    }
                    Err(e) => Err(e.into()),
                };
            }
            Err(mut errors) => {
                // The bank may have changed its export: show the columns.
                let upload =
                    store::hold(&state.db, id, &bank, &file_name, &text, by(&state, &viewer))
                        .await?;
                errors.insert(
                    0,
                    Invalid::new(
                        "file",
                        format!(
                            "The columns remembered for {} do not fit this file: check them below",
                            saved.bank
                        ),
                    ),
                );
                let typed = saved.mapping.form();
                return render_columns(chrome, &state, id, upload, typed, errors).await;
            }
        }
    }
    let upload = store::hold(&state.db, id, &bank, &file_name, &text, by(&state, &viewer)).await?;
    let mut res = Redirect::to(&format!(
        "/fund-holders/{id}/reconciliation/uploads/{upload}"
    ))
    .into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    Ok(res)
}

struct FormatOption {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

struct ColumnOption {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "money/reconciliation_columns.html")]
struct ColumnsPage {
    chrome: Chrome,
    id: i64,
    name: String,
    upload: i64,
    bank: String,
    file_name: String,
    remembered: bool,
    row_count: usize,
    preview: Vec<(u64, Vec<String>)>,
    headings: Vec<String>,
    options: Vec<ColumnOption>,
    formats: Vec<FormatOption>,
    form: MappingForm,
    errors: Vec<Invalid>,
}

impl ColumnsPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Problems with the file's lines, which all belong to the preview.
    fn file_errors(&self) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|e| e.field == "file")
            .map(|e| e.message.as_str())
            .collect()
    }
}

fn upload_gone() -> Error {
    Error::NotFound(
        "This upload has been imported already, or waited more than a day: upload the file again."
            .to_owned(),
    )
}

async fn render_columns(
    chrome: Chrome,
    state: &AppState,
    id: i64,
    upload_id: i64,
    typed: MappingForm,
    errors: Vec<Invalid>,
) -> Result<Response> {
    let name = store::fund_holder_name(&state.db, id)
        .await?
        .ok_or_else(missing)?;
    let upload = store::upload(&state.db, id, upload_id)
        .await?
        .ok_or_else(upload_gone)?;
    let rows = rules::rows(&upload.content)?;
    let width = rules::width(&rows);
    let first = rows.first().map(|r| r.cells.clone()).unwrap_or_default();
    let options = (0..width)
        .map(|c| {
            let sample = first.get(c).map(String::as_str).unwrap_or("");
            let sample: String = sample.chars().take(30).collect();
            ColumnOption {
                value: (c + 1).to_string(),
                label: if sample.is_empty() {
                    format!("Column {}", c + 1)
                } else {
                    format!("Column {}: {sample}", c + 1)
                },
            }
        })
        .collect();
    let remembered = match BankName::parse(&upload.bank) {
        Ok(b) => store::mapping_for(&state.db, id, &b).await?.is_some(),
        Err(_) => false,
    };
    let page = ColumnsPage {
        chrome: chrome
            .titled(format!("Choose the columns: {}", upload.file_name), "")
            .with_errors(!errors.is_empty()),
        id,
        name,
        upload: upload.id,
        bank: upload.bank.clone(),
        file_name: upload.file_name.clone(),
        remembered,
        row_count: rows.len(),
        preview: rows
            .iter()
            .take(PREVIEW_ROWS)
            .map(|r| {
                let mut cells = r.cells.clone();
                cells.resize(width, String::new());
                (r.line, cells)
            })
            .collect(),
        headings: (1..=width).map(|c| format!("Column {c}")).collect(),
        options,
        formats: DateFormat::ALL
            .iter()
            .map(|f| FormatOption {
                value: f.as_str(),
                label: f.label(),
                checked: typed.date_format == f.as_str(),
            })
            .collect(),
        form: typed,
        errors,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// The column choices for a held upload: the bank's mapping when there is
/// one, else a guess from the file's headings.
async fn columns(
    chrome: Chrome,
    State(state): State<AppState>,
    Path((id, upload_id)): Path<(i64, i64)>,
) -> Result<Response> {
    let upload = store::upload(&state.db, id, upload_id)
        .await?
        .ok_or_else(upload_gone)?;
    let saved = match BankName::parse(&upload.bank) {
        Ok(bank) => store::mapping_for(&state.db, id, &bank).await?,
        Err(_) => None,
    };
    let typed = match saved {
        Some(s) => s.mapping.form(),
        None => rules::guess(&rules::rows(&upload.content)?),
    };
    render_columns(chrome, &state, id, upload_id, typed, Vec::new()).await
}

#[derive(Deserialize)]
struct ColumnsForm {
    #[serde(default)]
    skip_rows: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    date_format: String,
    #[serde(default)]
    amounts: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    paid_in: String,
    #[serde(default)]
    paid_out: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    reference: String,
}

/// Imports a held upload with the columns chosen, and keeps them as the
/// bank's mapping, in one transaction.
async fn import_with_columns(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, upload_id)): Path<(i64, i64)>,
    Form(f): Form<ColumnsForm>,
) -> Result<Response> {
    let upload = store::upload(&state.db, id, upload_id)
        .await?
        .ok_or_else(upload_gone)?;
    let typed = MappingForm {
        skip_rows: f.skip_rows,
        date: f.date,
        date_format: f.date_format,
        amounts: f.amounts,
        amount: f.amount,
        paid_in: f.paid_in,
        paid_out: f.paid_out,
        description: f.description,
        reference: f.reference,
    };
    let rows = rules::rows(&upload.content)?;
    let mapping = match Mapping::parse(&typed, rules::width(&rows)) {
        Ok(m) => m,
        Err(errors) => return render_columns(chrome, &state, id, upload_id, typed, errors).await,
    };
    let statement = match rules::read_statement(&upload.content, &mapping) {
        Ok(s) => s,
        Err(errors) => return render_columns(chrome, &state, id, upload_id, typed, errors).await,
    };
    let bank = BankName::parse(&upload.bank)?;
    let written = store::import(
        &state.db,
        Import {
            fund_holder_id: id,
            bank: &bank,
            file_name: &upload.file_name,
            file_hash: &rules::file_hash(&upload.content),
            statement: &statement,
            save_mapping: Some(&mapping),
            upload_id: Some(upload_id),
        },
        by(&state, &viewer),
    )
    .await;
    match written {
        Ok(i) => Ok(imported(id, i)),
        Err(StoreError::Conflict(m)) => {
            render_columns(
                chrome,
                &state,
                id,
                upload_id,
                typed,
                vec![Invalid::new("file", m)],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct MatchForm {
    #[serde(default)]
    line: String,
    #[serde(default)]
    transaction: String,
}

/// What a refused change shows: a rule's message by its field, a conflict
/// or a vanished row by the line's form (or the page's matches).
async fn refused(
    chrome: Chrome,
    state: &AppState,
    id: i64,
    e: StoreError,
    line: Option<i64>,
    field: &'static str,
    typed_note: String,
) -> Result<Response> {
    let errors = match e {
        StoreError::Invalid(i) if line.is_some() => vec![Invalid::new(field, i.message)],
        StoreError::Invalid(i) => vec![i],
        StoreError::Conflict(m) => vec![Invalid::new(field, m)],
        StoreError::NotFound => vec![Invalid::new(
            field,
            "That statement line is no longer here: look at the page again",
        )],
        e => return Err(e.into()),
    };
    let feedback = Feedback {
        errors,
        failed_line: line,
        typed_note,
        ..Feedback::default()
    };
    render(chrome, state, id, feedback).await
}

/// Confirms one pair: a suggestion, or a line matched by hand.
async fn confirm(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
    Form(f): Form<MatchForm>,
) -> Result<Response> {
    let line = f.line.trim().parse::<i64>().ok();
    let Some(line) = line else {
        return render(
            chrome,
            &state,
            id,
            Feedback::error("matches", "Choose a statement line to match"),
        )
        .await;
    };
    let Ok(transaction) = f.transaction.trim().parse::<i64>() else {
        let feedback = Feedback {
            failed_line: Some(line),
            ..Feedback::error("transaction", "Choose the ledger transaction this line is")
        };
        return render(chrome, &state, id, feedback).await;
    };
    match store::confirm(&state.db, id, &[(line, transaction)], by(&state, &viewer)).await {
        Ok(n) => Ok(back(id, &format!("done=matched&n={n}"), "suggestions")),
        Err(e) => {
            refused(
                chrome,
                &state,
                id,
                e,
                Some(line),
                "transaction",
                String::new(),
            )
            .await
        }
    }
}

/// Confirms every suggestion on the page, as the page showed them.
async fn confirm_all(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let b = books(&state, id).await?;
    let pairs: Vec<(i64, i64)> = b.suggestions.iter().map(|s| (s.line, s.movement)).collect();
    if pairs.is_empty() {
        return render(
            chrome,
            &state,
            id,
            Feedback::error("matches", "There are no suggested matches to confirm"),
        )
        .await;
    }
    match store::confirm(&state.db, id, &pairs, by(&state, &viewer)).await {
        Ok(n) => Ok(back(id, &format!("done=matched&n={n}"), "suggestions")),
        Err(e) => refused(chrome, &state, id, e, None, "matches", String::new()).await,
    }
}

#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    note: String,
}

async fn resolve(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, line)): Path<(i64, i64)>,
    Form(f): Form<NoteForm>,
) -> Result<Response> {
    match store::resolve(&state.db, id, line, &f.note, by(&state, &viewer)).await {
        Ok(()) => Ok(back(id, "done=resolved", "settled")),
        Err(e) => refused(chrome, &state, id, e, Some(line), "note", f.note).await,
    }
}

async fn reopen(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, line)): Path<(i64, i64)>,
) -> Result<Response> {
    match store::reopen(&state.db, id, line, by(&state, &viewer)).await {
        Ok(()) => Ok(back(id, "done=reopened", "open-lines")),
        Err(e) => refused(chrome, &state, id, e, None, "matches", String::new()).await,
    }
}
