//! The learning log: reading it by theme or tag, writing in it, changing
//! one's own entries, exporting it as Markdown, and publishing an entry to
//! the toolkit with one action.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use coproduce_core::learning::{
    self as rules, EntryForm, EntryKind, NewEntry, Standing, Visibility, Written,
};
use coproduce_core::local_time;
use coproduce_core::text::markdown_to_html;
use coproduce_core::Invalid;
use coproduce_store::learning::{self as store, Entry, Filter};
use coproduce_store::StoreError;
use serde::Deserialize;

use super::{error_for, load, status, InSet};
use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::events::see_other;
use crate::layout::{html, Chrome};
use crate::projects::actions::by;
use crate::AppState;

/// One entry as pages show it.
pub(crate) struct EntryView {
    pub id: i64,
    pub kind: &'static str,
    pub body_html: String,
    pub author: String,
    pub when: String,
    pub theme: Option<String>,
    pub session_id: Option<i64>,
    pub project: Option<(i64, String)>,
    pub tags: Vec<String>,
    pub visibility: &'static str,
    pub article: Option<String>,
    pub may_edit: bool,
    pub may_publish: bool,
}

impl EntryView {
    pub(crate) fn of(e: &Entry, reader: Standing) -> Self {
        Self {
            id: e.id,
            kind: e.kind.label(),
            body_html: markdown_to_html(&e.body),
            author: e.author.clone(),
            when: local_time::short_date(e.created_at),
            theme: e.theme.clone(),
            session_id: e.session_id,
            project: e.project_id.zip(e.project.clone()),
            tags: e.tags.clone(),
            visibility: e.visibility.label(),
            article: e.article.clone(),
            may_edit: rules::may_edit(e.author_id, reader).is_ok(),
            may_publish: e.article.is_none()
                && rules::may_publish(e.visibility, e.author_id, reader).is_ok(),
        }
    }
}

/// Entries as the Markdown export writes them.
pub(crate) fn written(entries: &[Entry]) -> Vec<Written<'_>> {
    entries
        .iter()
        .map(|e| Written {
            kind: e.kind,
            author: &e.author,
            written_at: e.created_at,
            session: e.theme.as_deref(),
            project: e.project.as_deref(),
            tags: &e.tags,
            body: &e.body,
        })
        .collect()
}

pub(crate) fn markdown_response(text: String, filename: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        text,
    )
        .into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct LogQuery {
    #[serde(default)]
    theme: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    done: String,
}

impl LogQuery {
    fn filter(&self) -> Filter {
        Filter {
            session: None,
            theme: (!self.theme.trim().is_empty()).then(|| self.theme.trim().to_owned()),
            tag: rules::parse_tag(&self.tag),
        }
    }

    /// The same filters, for the export link.
    fn query_string(&self) -> String {
        let mut parts: Vec<(&str, String)> = Vec::new();
        if !self.theme.trim().is_empty() {
            parts.push(("theme", self.theme.trim().to_owned()));
        }
        if let Some(t) = rules::parse_tag(&self.tag) {
            parts.push(("tag", t));
        }
        if let Ok(k) = EntryKind::parse(&self.kind) {
            parts.push(("kind", k.as_str().to_owned()));
        }
        match serde_urlencoded::to_string(&parts) {
            Ok(q) if !q.is_empty() => format!("?{q}"),
            _ => String::new(),
        }
    }
}

pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "learning/log.html")]
struct LogPage {
    chrome: Chrome,
    set_id: i64,
    set_title: String,
    entries: Vec<EntryView>,
    themes: Vec<Choice>,
    kinds: Vec<Choice>,
    tag: String,
    tags: Vec<(String, i64)>,
    export: String,
    filtered: bool,
    takes_part: bool,
    signed_in: bool,
    notice: Option<String>,
    form: EntryForm,
    sessions: Vec<Choice>,
    visibilities: Vec<VisibilityChoice>,
    errors: Vec<Invalid>,
}

impl LogPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }

    fn entry_kinds(&self) -> Vec<Choice> {
        kind_choices(&self.form.kind)
    }
}

pub(crate) struct VisibilityChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub checked: bool,
}

pub(crate) fn visibility_choices(chosen: &str) -> Vec<VisibilityChoice> {
    Visibility::ALL
        .into_iter()
        .map(|v| VisibilityChoice {
            value: v.as_str(),
            label: v.label(),
            hint: v.hint(),
            checked: v.as_str() == chosen,
        })
        .collect()
}

pub(crate) fn kind_choices(chosen: &str) -> Vec<Choice> {
    EntryKind::ALL
        .into_iter()
        .map(|k| Choice {
            value: k.as_str().to_owned(),
            label: k.label().to_owned(),
            selected: k.as_str() == chosen,
        })
        .collect()
}

pub(crate) async fn session_choices(
    state: &AppState,
    set_id: i64,
    chosen: &str,
) -> Result<Vec<Choice>> {
    Ok(store::sessions(&state.db, set_id)
        .await?
        .into_iter()
        .map(|s| Choice {
            selected: s.event_id.to_string() == chosen.trim(),
            value: s.event_id.to_string(),
            label: format!(
                "Session {}: {} ({})",
                s.number,
                s.theme,
                local_time::short_date(s.starts_at)
            ),
        })
        .collect())
}

async fn render_log(
    chrome: Chrome,
    state: &AppState,
    s: &InSet,
    q: &LogQuery,
    form: EntryForm,
    errors: Vec<Invalid>,
) -> Result<Response> {
    let kind = EntryKind::parse(&q.kind).ok();
    let entries = store::entries(&state.db, s.set.id, &q.filter(), s.standing).await?;
    let sessions = store::sessions(&state.db, s.set.id).await?;
    let mut themes: Vec<Choice> = Vec::new();
    for x in &sessions {
        if !themes.iter().any(|t| t.value == x.theme) {
            themes.push(Choice {
                value: x.theme.clone(),
                label: x.theme.clone(),
                selected: q.theme.trim() == x.theme,
            });
        }
    }
    let filter = q.filter();
    let code = status(&errors);
    let page = LogPage {
        chrome: chrome
            .titled(format!("Learning log: {}", s.set.title), "learning")
            .with_errors(!errors.is_empty()),
        set_id: s.set.id,
        set_title: s.set.title.clone(),
        entries: entries
            .iter()
            .filter(|e| kind.is_none_or(|k| e.kind == k))
            .map(|e| EntryView::of(e, s.standing))
            .collect(),
        themes,
        kinds: kind_choices(&q.kind),
        tag: filter.tag.clone().unwrap_or_default(),
        tags: store::tag_counts(&state.db, s.set.id, s.standing).await?,
        export: q.query_string(),
        filtered: filter.theme.is_some() || filter.tag.is_some() || kind.is_some(),
        takes_part: s.standing.takes_part(),
        signed_in: s.standing.person.is_some(),
        notice: match q.done.as_str() {
            "written" => Some("Your entry is in the log.".to_owned()),
            "changed" => Some("Your entry is changed.".to_owned()),
            _ => None,
        },
        sessions: session_choices(state, s.set.id, &form.session).await?,
        visibilities: visibility_choices(&form.visibility),
        form,
        errors,
    };
    Ok((code, html(page)?).into_response())
}

pub async fn page(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Query(q): Query<LogQuery>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    let form = EntryForm {
        visibility: "set".into(),
        ..EntryForm::default()
    };
    render_log(chrome, &state, &s, &q, form, Vec::new()).await
}

pub async fn write(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Form(sent): Form<EntryForm>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    let q = LogQuery::default();
    if let Err(i) = rules::may_write(s.standing) {
        return render_log(chrome, &state, &s, &q, sent, vec![i]).await;
    }
    let new = match NewEntry::parse(&sent) {
        Ok(n) => n,
        Err(errors) => return render_log(chrome, &state, &s, &q, sent, errors).await,
    };
    match store::write(&state.db, s.set.id, &new, by(&state, &viewer)).await {
        Ok(entry) => Ok(see_other(&format!(
            "/learning/{}/log?done=written#entry-{entry}",
            s.set.id
        ))),
        Err(StoreError::Invalid(i)) => render_log(chrome, &state, &s, &q, sent, vec![i]).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn markdown(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    Query(q): Query<LogQuery>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    let kind = EntryKind::parse(&q.kind).ok();
    let filter = q.filter();
    let entries: Vec<Entry> = store::entries(&state.db, s.set.id, &filter, s.standing)
        .await?
        .into_iter()
        .filter(|e| kind.is_none_or(|k| e.kind == k))
        .collect();
    let mut context = Vec::new();
    if !s.set.purpose.is_empty() {
        context.push(s.set.purpose.replace('\n', " "));
    }
    if let Some(t) = &filter.theme {
        context.push(format!("Theme: {t}"));
    }
    if let Some(t) = &filter.tag {
        context.push(format!("Tag: {t}"));
    }
    context.push(format!(
        "Exported {} with {} entries.",
        local_time::long_date(state.clock.now()),
        entries.len()
    ));
    let text = rules::to_markdown(
        &format!("Learning log: {}", s.set.title),
        &context,
        &written(&entries),
    );
    Ok(markdown_response(
        text,
        &format!("learning-set-{}-log.md", s.set.id),
    ))
}

// ---- changing an entry --------------------------------------------------------------

fn no_entry() -> Error {
    Error::NotFound("There is no such entry in this set's log.".to_owned())
}

async fn load_entry(state: &AppState, s: &InSet, entry: &str) -> Result<Entry> {
    let id: i64 = entry.parse().map_err(|_| no_entry())?;
    let e = store::entry_in(&state.db, s.set.id, id)
        .await?
        .ok_or_else(no_entry)?;
    // An entry the viewer may not read does not exist for them.
    if rules::may_read(e.visibility, e.author_id, s.standing) {
        Ok(e)
    } else {
        Err(no_entry())
    }
}

#[derive(Template)]
#[template(path = "learning/entry_form.html")]
struct EditPage {
    chrome: Chrome,
    set_id: i64,
    set_title: String,
    entry_id: i64,
    published: bool,
    form: EntryForm,
    sessions: Vec<Choice>,
    visibilities: Vec<VisibilityChoice>,
    errors: Vec<Invalid>,
}

impl EditPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }

    fn entry_kinds(&self) -> Vec<Choice> {
        kind_choices(&self.form.kind)
    }
}

async fn render_edit(
    chrome: Chrome,
    state: &AppState,
    s: &InSet,
    e: &Entry,
    form: EntryForm,
    errors: Vec<Invalid>,
) -> Result<Response> {
    let code = status(&errors);
    let page = EditPage {
        chrome: chrome
            .titled("Change your log entry", "learning")
            .with_errors(!errors.is_empty()),
        set_id: s.set.id,
        set_title: s.set.title.clone(),
        entry_id: e.id,
        published: e.article.is_some(),
        sessions: session_choices(state, s.set.id, &form.session).await?,
        visibilities: visibility_choices(&form.visibility),
        form,
        errors,
    };
    Ok((code, html(page)?).into_response())
}

pub async fn edit_form(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, entry)): Path<(String, String)>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    let e = load_entry(&state, &s, &entry).await?;
    rules::may_edit(e.author_id, s.standing)?;
    let form = EntryForm {
        kind: e.kind.as_str().into(),
        body: e.body.clone(),
        tags: e.tags.join(", "),
        visibility: e.visibility.as_str().into(),
        session: e.session_id.map(|x| x.to_string()).unwrap_or_default(),
        project: e.project_id.map(|x| x.to_string()).unwrap_or_default(),
    };
    render_edit(chrome, &state, &s, &e, form, Vec::new()).await
}

pub async fn rewrite(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, entry)): Path<(String, String)>,
    Form(sent): Form<EntryForm>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    let e = load_entry(&state, &s, &entry).await?;
    rules::may_edit(e.author_id, s.standing)?;
    let new = match NewEntry::parse(&sent) {
        Ok(n) => n,
        Err(errors) => return render_edit(chrome, &state, &s, &e, sent, errors).await,
    };
    match store::rewrite(&state.db, s.set.id, e.id, &new, by(&state, &viewer)).await {
        Ok(()) => Ok(see_other(&format!(
            "/learning/{}/log?done=changed#entry-{}",
            s.set.id, e.id
        ))),
        Err(StoreError::Invalid(i)) => render_edit(chrome, &state, &s, &e, sent, vec![i]).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn publish(
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path((id, entry)): Path<(String, String)>,
) -> Result<Response> {
    let s = load(&state, &viewer, &id).await?;
    let e = load_entry(&state, &s, &entry).await?;
    rules::may_publish(e.visibility, e.author_id, s.standing)?;
    let slug = store::publish(&state.db, s.set.id, e.id, by(&state, &viewer)).await?;
    Ok(see_other(&format!("/toolkit/{slug}?done=published")))
}
