//! A project's checks: what the catalogue asks of it, each check's state and
//! dates, the evidence, and the forms to submit, verify, send back and
//! waive. Every decision is core's; this page reads and forwards.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use coproduce_core::files;
use coproduce_core::local_time;
use coproduce_core::policy::{Action, Actor};
use coproduce_core::projects::contacts::{Standing, Visibility};
use coproduce_core::risk::ahead::{long_date, Item, Timing};
use coproduce_core::risk::catalogue::Evidence;
use coproduce_core::risk::checks::{
    self as rules, State as CheckState, Submission, SubmissionForm,
};
use coproduce_core::Invalid;
use coproduce_store::projects::contacts::NewDocument;
use coproduce_store::risk::checks::{self as store, EvidenceFile};
use serde::Deserialize;

use super::Register;
use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::Chrome;
use crate::policy::Routes;
use crate::projects::actions::by;
use crate::projects::documents::max_bytes;
use crate::projects::page;
use crate::AppState;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/projects/{id}/checks", Action::ReadPublic, show)
        .post(
            "/projects/{id}/checks/{check}",
            Action::SubmitEvidence,
            submit,
        )
        .post(
            "/projects/{id}/checks/{check}/verify",
            Action::VerifyChecks,
            verify,
        )
        .post(
            "/projects/{id}/checks/{check}/return",
            Action::VerifyChecks,
            send_back,
        )
        .post(
            "/projects/{id}/checks/{check}/waive",
            Action::WaiveChecks,
            waive,
        )
        .post(
            "/projects/{id}/checks/{check}/unwaive",
            Action::WaiveChecks,
            unwaive,
        )
}

/// One check as the page shows it.
struct CheckView {
    key: String,
    title: String,
    guidance: String,
    state: &'static str,
    state_label: &'static str,
    evidence: &'static str,
    evidence_label: &'static str,
    verifier: &'static str,
    rule_title: String,
    why: String,
    source: String,
    source_url: Option<String>,
    blocks: &'static str,
    lead: String,
    due: Option<String>,
    start: Option<String>,
    timing: &'static str,
    timing_label: &'static str,
    /// Shown only to the team, officers and the fund holder.
    details: Vec<(&'static str, String)>,
    document: Option<i64>,
    waived_reason: String,
    returned_reason: String,
    may_submit: bool,
    may_verify: bool,
    /// Why the viewer, a verifier, may not verify this one (their own).
    own_submission: bool,
    may_waive: bool,
    may_unwaive: bool,
}

#[derive(Template)]
#[template(path = "risk/checks.html")]
struct ChecksPage {
    chrome: Chrome,
    id: i64,
    project: String,
    catalogue_version: i64,
    starts_on: Option<String>,
    met: usize,
    total: usize,
    at_risk: Vec<String>,
    blocking_delivery: usize,
    gaps: usize,
    checks: Vec<CheckView>,
    errors: Vec<Invalid>,
    /// The check whose form the errors belong to, and what was typed there.
    failed: Option<String>,
    typed: HashMap<&'static str, String>,
}

impl ChecksPage {
    fn error_for(&self, key: &str, field: &str) -> Option<&str> {
        if self.failed.as_deref() != Some(key) {
            return None;
        }
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Field ids are plain on the form that failed, so the error summary's
    /// links land on them, and prefixed with the check elsewhere.
    fn field_id(&self, key: &str, field: &str) -> String {
        if self.failed.as_deref() == Some(key) {
            field.to_owned()
        } else {
            format!("{key}-{field}")
        }
    }

    fn typed(&self, key: &str, field: &str) -> &str {
        if self.failed.as_deref() == Some(key) {
            self.typed.get(field).map(String::as_str).unwrap_or("")
        } else {
            ""
        }
    }
}

fn timing_class(t: Timing) -> &'static str {
    match t {
        Timing::Done => "done",
        Timing::Undated => "undated",
        Timing::OnTrack => "on-track",
        Timing::StartNow => "start-now",
        Timing::Late | Timing::Overdue => "late",
    }
}

fn view(
    item: &Item<'_>,
    actor: &Actor,
    standing: Standing,
    fund_holder: Option<i64>,
    names: &HashMap<i64, String>,
) -> CheckView {
    let def = item.required.check;
    let rule = item.required.rule;
    let record = item.record.clone().unwrap_or_default();
    let name = |id: Option<i64>| {
        id.and_then(|i| names.get(&i).cloned())
            .unwrap_or_else(|| "someone".to_owned())
    };
    let is_verifier =
        rules::is_verifier(actor, def.verifier, fund_holder) && actor.token_scope.is_none();
    let sees = standing != Standing::Public || is_verifier;
    let mut details = Vec::new();
    if sees {
        if let Some(s) = &record.submission {
            for (label, value) in [
                ("Reference", s.reference.clone()),
                ("Person", s.person_name.clone()),
                ("Insurer", s.insurer.clone()),
            ] {
                if !value.is_empty() {
                    details.push((label, value));
                }
            }
            if let Some(c) = s.cover {
                details.push(("Cover", c.to_string()));
            }
            if let Some(e) = s.expires_on {
                details.push(("Evidence expires", long_date(e)));
            }
            if !s.note.is_empty() {
                details.push(("Note", s.note.clone()));
            }
            if let Some(at) = record.submitted_at {
                details.push((
                    "Submitted",
                    format!(
                        "by {} on {}",
                        name(record.submitted_by),
                        local_time::long_date(at)
                    ),
                ));
            }
        }
    }
    if let (Some(_), Some(at)) = (record.verified_by, record.verified_at) {
        details.push((
            "Verified",
            format!(
                "by {} on {}",
                name(record.verified_by),
                local_time::long_date(at)
            ),
        ));
    }
    if let Some(until) = record.valid_until {
        details.push(("Valid until", long_date(until)));
    }
    let submittable = def.evidence != Evidence::SiteVisit && record.waived_by.is_none();
    let own = record.submitted_by.is_some() && record.submitted_by == actor.person;
    CheckView {
        key: def.key.clone(),
        title: item.required.title(),
        guidance: item.required.guidance(),
        state: item.state.as_str(),
        state_label: item.state.label(),
        evidence: def.evidence.as_str(),
        evidence_label: def.evidence.label(),
        verifier: def.verifier.label(),
        rule_title: rule.title.clone(),
        why: rule.why.clone(),
        source: rule.source.clone(),
        source_url: rule.source_url.clone(),
        blocks: def.blocks.label(),
        lead: def.lead.describe(),
        due: item.due_by.map(long_date),
        start: item
            .start_by
            .filter(|s| Some(*s) != item.due_by)
            .map(long_date),
        timing: timing_class(item.timing),
        timing_label: item.timing.label(),
        details,
        document: record
            .submission
            .as_ref()
            .and_then(|s| s.document_id)
            .filter(|_| sees),
        waived_reason: record.waived_reason.clone(),
        returned_reason: if sees {
            record.returned_reason.clone()
        } else {
            String::new()
        },
        may_submit: submittable
            && matches!(
                standing,
                Standing::Officer | Standing::Owner | Standing::Member
            )
            && actor.token_scope.is_none(),
        may_verify: is_verifier
            && item.state == CheckState::Submitted
            && !own
            && def.evidence != Evidence::SiteVisit,
        own_submission: is_verifier && item.state == CheckState::Submitted && own,
        may_waive: actor.is_officer() && actor.token_scope.is_none() && record.waived_by.is_none(),
        may_unwaive: actor.is_officer()
            && actor.token_scope.is_none()
            && record.waived_by.is_some(),
    }
}

pub(crate) async fn render(
    chrome: Chrome,
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    errors: Vec<Invalid>,
    failed: Option<String>,
    typed: HashMap<&'static str, String>,
) -> Result<Response> {
    let register = Register::load(state, id).await?.ok_or_else(page::missing)?;
    let actor = crate::policy::actor(Some(viewer));
    let standing = page::standing(&actor, id);
    let readiness = register.readiness();
    let mut people: Vec<i64> = Vec::new();
    for r in register.records.values() {
        people.extend(r.submitted_by);
        people.extend(r.verified_by);
    }
    let names = coproduce_store::risk::names(&state.db, &people).await?;
    let checks: Vec<CheckView> = readiness
        .items
        .iter()
        .map(|i| view(i, &actor, standing, register.subject.fund_holder, &names))
        .collect();
    let page = ChecksPage {
        chrome: chrome
            .titled(format!("Checks for {}", register.subject.title), "projects")
            .with_errors(!errors.is_empty()),
        id,
        project: register.subject.title.clone(),
        catalogue_version: register.version,
        starts_on: register.subject.facts.starts_on.map(long_date),
        met: readiness.met(),
        total: readiness.items.len(),
        at_risk: readiness.at_risk.clone(),
        blocking_delivery: readiness
            .blocking(coproduce_core::projects::Stage::Delivery)
            .count(),
        gaps: register.gaps().len(),
        checks,
        errors,
        failed,
        typed,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = page
        .render()
        .map_err(|e| Error::Internal(format!("checks page: {e}")))?;
    Ok((status, axum::response::Html(body)).into_response())
}

async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<i64>,
) -> Result<Response> {
    render(
        chrome,
        &state,
        &viewer,
        id,
        Vec::new(),
        None,
        HashMap::new(),
    )
    .await
}

fn to_check(id: i64, key: &str) -> Response {
    let mut res = Redirect::to(&format!("/projects/{id}/checks#check-{key}")).into_response();
    *res.status_mut() = StatusCode::SEE_OTHER;
    res
}

/// The register and the one check a form is about, or "not found".
async fn load(state: &AppState, id: i64, key: &str) -> Result<Register> {
    let register = Register::load(state, id).await?.ok_or_else(page::missing)?;
    let needed = register
        .catalogue
        .required(&register.subject.facts)
        .iter()
        .any(|r| r.check.key == key);
    if !needed {
        return Err(Error::NotFound(
            "This project does not need that check: see its list of checks.".to_owned(),
        ));
    }
    Ok(register)
}

async fn submit(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, key)): Path<(i64, String)>,
    mut multipart: Multipart,
) -> Result<Response> {
    let register = load(&state, id, &key).await?;
    let Some((_, def)) = register.catalogue.check(&key) else {
        return Err(page::missing());
    };
    let mut form = SubmissionForm::default();
    let mut file: Option<(String, Vec<u8>)> = None;
    let unreadable = || {
        Error::Invalid(vec![Invalid::new(
            "file",
            "The form could not be read: choose the file and send the form again",
        )])
    };
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_owned();
            let bytes = field.bytes().await.map_err(|_| unreadable())?;
            if !(file_name.is_empty() && bytes.is_empty()) {
                file = Some((file_name, bytes.to_vec()));
            }
            continue;
        }
        let text = field.text().await.map_err(|_| unreadable())?;
        match name.as_str() {
            "reference" => form.reference = text,
            "person_name" => form.person_name = text,
            "insurer" => form.insurer = text,
            "cover" => form.cover = text,
            "expires_on" => form.expires_on = text,
            "note" => form.note = text,
            _ => {}
        }
    }
    let typed: HashMap<&'static str, String> = [
        ("reference", form.reference.clone()),
        ("person_name", form.person_name.clone()),
        ("insurer", form.insurer.clone()),
        ("cover", form.cover.clone()),
        ("expires_on", form.expires_on.clone()),
        ("note", form.note.clone()),
    ]
    .into_iter()
    .collect();
    let mut errors = Vec::new();
    let upload = match &file {
        Some((name, bytes)) => files::check_upload(name, bytes, max_bytes(state.body_limit))
            .map_err(|e| errors.push(e))
            .ok(),
        None => None,
    };
    let submission = Submission::parse(def, &form, upload.is_some(), register.today)
        .map_err(|e| errors.extend(e))
        .ok();
    let Some(submission) = submission.filter(|_| errors.is_empty()) else {
        return render(chrome, &state, &viewer, id, errors, Some(key), typed).await;
    };
    let size = file.as_ref().map(|(_, b)| b.len() as i64).unwrap_or(0);
    let blob = match (&upload, file) {
        (Some(_), Some((_, bytes))) => Some(
            state
                .blobs
                .put(bytes)
                .await
                .map_err(|e| Error::Internal(format!("could not store evidence: {e}")))?,
        ),
        _ => None,
    };
    let title = format!("Evidence: {}", def.title.replace("{n}", "").trim());
    let evidence = match (&upload, &blob) {
        (Some(u), Some(b)) => Some(EvidenceFile {
            document: NewDocument {
                title: &title,
                file_name: u.file_name(),
                kind: u.kind().extensions()[0],
                size_bytes: size,
                blob_id: b.as_str(),
                // Evidence often names people (a DBS certificate, a policy
                // holder): the team and officers see it, the public does not.
                visibility: Visibility::Team,
            },
        }),
        _ => None,
    };
    store::submit(
        &state.db,
        id,
        &key,
        &submission,
        evidence,
        by(&state, &viewer),
    )
    .await?;
    Ok(to_check(id, &key))
}

#[derive(Deserialize)]
struct ReasonForm {
    #[serde(default)]
    reason: String,
}

async fn verify(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, key)): Path<(i64, String)>,
) -> Result<Response> {
    let register = load(&state, id, &key).await?;
    let Some((_, def)) = register.catalogue.check(&key) else {
        return Err(page::missing());
    };
    let actor = crate::policy::actor(Some(&viewer));
    let record = register.records.get(&key).cloned().unwrap_or_default();
    if let Err(e) = rules::may_verify(&actor, def, &record, register.subject.fund_holder) {
        return render(
            chrome,
            &state,
            &viewer,
            id,
            vec![Invalid::new("verify", e.message)],
            Some(key),
            HashMap::new(),
        )
        .await;
    }
    let until = rules::valid_until(def, record.submission.as_ref(), register.today);
    match store::verify(&state.db, id, &key, until, by(&state, &viewer)).await {
        Ok(()) => Ok(to_check(id, &key)),
        Err(coproduce_store::StoreError::Conflict(m)) => {
            render(
                chrome,
                &state,
                &viewer,
                id,
                vec![Invalid::new("verify", m)],
                Some(key),
                HashMap::new(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn send_back(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, key)): Path<(i64, String)>,
    Form(form): Form<ReasonForm>,
) -> Result<Response> {
    let register = load(&state, id, &key).await?;
    let Some((_, def)) = register.catalogue.check(&key) else {
        return Err(page::missing());
    };
    let actor = crate::policy::actor(Some(&viewer));
    let record = register.records.get(&key).cloned().unwrap_or_default();
    let typed: HashMap<&'static str, String> = [("return_reason", form.reason.clone())]
        .into_iter()
        .collect();
    let decided = rules::may_verify(&actor, def, &record, register.subject.fund_holder)
        .map_err(|e| Invalid::new("return_reason", e.message))
        .and_then(|()| rules::reason("return_reason", &form.reason, "the evidence is sent back"));
    let reason = match decided {
        Ok(r) => r,
        Err(e) => return render(chrome, &state, &viewer, id, vec![e], Some(key), typed).await,
    };
    match store::send_back(&state.db, id, &key, &reason, by(&state, &viewer)).await {
        Ok(()) => Ok(to_check(id, &key)),
        Err(coproduce_store::StoreError::Conflict(m)) => {
            render(
                chrome,
                &state,
                &viewer,
                id,
                vec![Invalid::new("return_reason", m)],
                Some(key),
                typed,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn waive(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, key)): Path<(i64, String)>,
    Form(form): Form<ReasonForm>,
) -> Result<Response> {
    load(&state, id, &key).await?;
    let actor = crate::policy::actor(Some(&viewer));
    let typed: HashMap<&'static str, String> = [("waive_reason", form.reason.clone())]
        .into_iter()
        .collect();
    let reason = match rules::may_waive(&actor, &form.reason) {
        Ok(r) => r,
        Err(e) => {
            let e = Invalid::new("waive_reason", e.message);
            return render(chrome, &state, &viewer, id, vec![e], Some(key), typed).await;
        }
    };
    store::waive(&state.db, id, &key, &reason, by(&state, &viewer)).await?;
    Ok(to_check(id, &key))
}

async fn unwaive(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, key)): Path<(i64, String)>,
) -> Result<Response> {
    load(&state, id, &key).await?;
    match store::withdraw_waiver(&state.db, id, &key, by(&state, &viewer)).await {
        Ok(()) => Ok(to_check(id, &key)),
        Err(coproduce_store::StoreError::Conflict(m)) => {
            render(
                chrome,
                &state,
                &viewer,
                id,
                vec![Invalid::new("unwaive", m)],
                Some(key),
                HashMap::new(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
