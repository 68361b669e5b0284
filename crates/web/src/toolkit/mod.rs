//! The public toolkit: guides by officers and partners, on a few shelves,
//! with an Atom feed; writing and changing them; and the JSON twin.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form, Json};
use chrono::{DateTime, Utc};
use coproduce_core::atom;
use coproduce_core::local_time;
use coproduce_core::policy::Action;
use coproduce_core::text::markdown_to_html;
use coproduce_core::toolkit::{self as rules, ArticleForm, NewArticle, CATEGORIES};
use coproduce_core::Invalid;
use coproduce_store::toolkit::{self as store, Article};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Viewer;
use crate::error::{Error, Problem, Result};
use crate::events::see_other;
use crate::layout::{html, Chrome};
use crate::learning::error_for;
use crate::policy::Routes;
use crate::projects::actions::by;
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/toolkit", Action::ReadPublic, list)
        .get("/toolkit.atom", Action::ReadPublic, feed)
        .get("/toolkit/new", Action::WriteToolkit, new_form)
        .post("/toolkit/new", Action::WriteToolkit, create)
        .get("/toolkit/{slug}", Action::ReadPublic, show)
        .get("/toolkit/{slug}/edit", Action::WriteToolkit, edit_form)
        .post("/toolkit/{slug}/edit", Action::WriteToolkit, update)
}

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_articles))
        .routes(routes!(get_article))
}

/// How many articles the list, the feed and the API give at most.
const SHOWN: i64 = 200;

fn missing() -> Error {
    Error::NotFound(
        "There is no article at this address. See the toolkit's list instead.".to_owned(),
    )
}

async fn load(state: &AppState, slug: &str) -> Result<Article> {
    store::get(&state.db, slug).await?.ok_or_else(missing)
}

/// Whether the viewer writes in the toolkit: officers, and partners in a
/// learning set (core::toolkit says so).
async fn may_write(state: &AppState, viewer: &Viewer) -> Result<std::result::Result<(), Invalid>> {
    let actor = crate::policy::actor(Some(viewer));
    let is_partner = match viewer.person.as_ref() {
        Some(p) => coproduce_store::learning::is_partner_anywhere(&state.db, p.id).await?,
        None => false,
    };
    Ok(rules::may_write(actor.is_officer(), is_partner))
}

fn may_edit(viewer: &Viewer, a: &Article) -> std::result::Result<(), Invalid> {
    let actor = crate::policy::actor(Some(viewer));
    rules::may_edit(
        actor.is_officer() && actor.token_scope.is_none(),
        a.author_id,
        viewer.person.as_ref().map(|p| p.id),
    )
}

fn category_label(slug: &str) -> &'static str {
    rules::category_label(slug).unwrap_or("Other")
}

// ---- the list ---------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    category: String,
}

struct Shelf {
    slug: &'static str,
    label: &'static str,
    about: &'static str,
    count: i64,
    current: bool,
}

struct Card {
    slug: String,
    title: String,
    summary: String,
    meta: String,
}

#[derive(Template)]
#[template(path = "toolkit/list.html")]
struct ListPage {
    chrome: Chrome,
    shelves: Vec<Shelf>,
    shelf: Option<&'static str>,
    articles: Vec<Card>,
    may_write: bool,
}

async fn list(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Query(q): Query<ListQuery>,
) -> Result<Response> {
    let category = rules::parse_category(&q.category).ok();
    let articles = store::list(&state.db, category, SHOWN).await?;
    let counts = store::counts(&state.db).await?;
    let page = ListPage {
        chrome: chrome.titled("Toolkit", "toolkit"),
        shelves: CATEGORIES
            .iter()
            .map(|(slug, label, about)| Shelf {
                slug,
                label,
                about,
                count: counts
                    .iter()
                    .find(|(c, _)| c == slug)
                    .map_or(0, |(_, n)| *n),
                current: category == Some(*slug),
            })
            .collect(),
        shelf: category.map(category_label),
        articles: articles
            .into_iter()
            .map(|a| Card {
                meta: format!(
                    "{} · {} · {}",
                    category_label(&a.category),
                    a.author,
                    local_time::short_date(a.published_at)
                ),
                slug: a.slug,
                title: a.title,
                summary: a.summary,
            })
            .collect(),
        may_write: may_write(&state, &viewer).await?.is_ok(),
    };
    Ok(html(page)?.into_response())
}

// ---- one article -------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    done: String,
}

#[derive(Template)]
#[template(path = "toolkit/article.html")]
struct ArticlePage {
    chrome: Chrome,
    article: Article,
    category: &'static str,
    body_html: String,
    published: String,
    updated: Option<String>,
    may_edit: bool,
    notice: Option<&'static str>,
}

async fn show(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(slug): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response> {
    let a = load(&state, &slug).await?;
    let page = ArticlePage {
        chrome: chrome.titled(a.title.clone(), "toolkit"),
        category: category_label(&a.category),
        body_html: markdown_to_html(&a.body),
        published: local_time::long_date(a.published_at),
        updated: (a.updated_at.date_naive() != a.published_at.date_naive())
            .then(|| local_time::long_date(a.updated_at)),
        may_edit: may_edit(&viewer, &a).is_ok(),
        notice: match q.done.as_str() {
            "published" => Some("Published: the article is in the toolkit and its feed."),
            "changed" => Some("The article is changed."),
            _ => None,
        },
        article: a,
    };
    Ok(html(page)?.into_response())
}

// ---- writing -----------------------------------------------------------------------

struct CategoryChoice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "toolkit/form.html")]
struct FormPage {
    chrome: Chrome,
    slug: Option<String>,
    form: ArticleForm,
    categories: Vec<CategoryChoice>,
    errors: Vec<Invalid>,
}

impl FormPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_for(&self.errors, field)
    }
}

fn render_form(
    chrome: Chrome,
    slug: Option<String>,
    form: ArticleForm,
    errors: Vec<Invalid>,
) -> Result<Response> {
    let code = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = if slug.is_some() {
        "Change the article"
    } else {
        "Write for the toolkit"
    };
    let page = FormPage {
        chrome: chrome
            .titled(title, "toolkit")
            .with_errors(!errors.is_empty()),
        categories: CATEGORIES
            .iter()
            .map(|(value, label, _)| CategoryChoice {
                value,
                label,
                selected: *value == form.category,
            })
            .collect(),
        slug,
        form,
        errors,
    };
    Ok((code, html(page)?).into_response())
}

async fn new_form(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response> {
    may_write(&state, &viewer).await??;
    render_form(chrome, None, ArticleForm::default(), Vec::new())
}

async fn create(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Form(sent): Form<ArticleForm>,
) -> Result<Response> {
    if let Err(i) = may_write(&state, &viewer).await? {
        return render_form(chrome, None, sent, vec![i]);
    }
    let new = match NewArticle::parse(&sent) {
        Ok(n) => n,
        Err(errors) => return render_form(chrome, None, sent, errors),
    };
    let slug = store::create(&state.db, &new, by(&state, &viewer)).await?;
    Ok(see_other(&format!("/toolkit/{slug}?done=published")))
}

async fn edit_form(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(slug): Path<String>,
) -> Result<Response> {
    let a = load(&state, &slug).await?;
    may_edit(&viewer, &a)?;
    let form = ArticleForm {
        title: a.title,
        category: a.category,
        summary: a.summary,
        body: a.body,
    };
    render_form(chrome, Some(a.slug), form, Vec::new())
}

async fn update(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
    Path(slug): Path<String>,
    Form(sent): Form<ArticleForm>,
) -> Result<Response> {
    let a = load(&state, &slug).await?;
    may_edit(&viewer, &a)?;
    let new = match NewArticle::parse(&sent) {
        Ok(n) => n,
        Err(errors) => return render_form(chrome, Some(a.slug), sent, errors),
    };
    store::update(&state.db, &a.slug, &new, by(&state, &viewer)).await?;
    Ok(see_other(&format!("/toolkit/{}?done=changed", a.slug)))
}

// ---- the feed ----------------------------------------------------------------------

/// The host part of the site's address, for `tag:` ids.
fn host(site: &str) -> &str {
    let rest = site.split_once("://").map_or(site, |(_, r)| r);
    rest.split(['/', ':']).next().unwrap_or(rest)
}

async fn feed(State(state): State<AppState>) -> Result<Response> {
    let site = state.site.trim_end_matches('/').to_owned();
    let articles = store::list(&state.db, None, SHOWN).await?;
    let h = host(&site);
    let self_url = format!("{site}/toolkit.atom");
    let site_url = format!("{site}/toolkit");
    // The feed's id never changes, whatever is in it.
    let id = format!("tag:{h},2026:toolkit");
    let entries = articles
        .iter()
        .map(|a| atom::Entry {
            id: atom::tag_uri(h, a.published_at, &format!("toolkit/{}", a.id)),
            title: &a.title,
            url: format!("{site}/toolkit/{}", a.slug),
            author: &a.author,
            category: (&a.category, category_label(&a.category)),
            published: a.published_at,
            updated: a.updated_at,
            summary: &a.summary,
            content_html: markdown_to_html(&a.body),
        })
        .collect();
    let xml = atom::Feed {
        id: &id,
        title: "coproduce toolkit",
        subtitle:
            "Guides for co-producing community projects, written by council officers and partners",
        self_url: &self_url,
        site_url: &site_url,
        author: "The council",
        entries,
    }
    .write(state.clock.now());
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

// ---- the API -----------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleOut {
    pub slug: String,
    pub title: String,
    /// One of the toolkit's shelves, e.g. `risk-and-safety`.
    pub category: String,
    pub summary: String,
    /// Markdown.
    pub body: String,
    pub author: String,
    /// The learning-log entry it was published from, if any.
    pub entry_id: Option<i64>,
    pub learning_set_id: Option<i64>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Article> for ArticleOut {
    fn from(a: Article) -> Self {
        Self {
            slug: a.slug,
            title: a.title,
            category: a.category,
            summary: a.summary,
            body: a.body,
            author: a.author,
            entry_id: a.entry_id,
            learning_set_id: a.set_id,
            published_at: a.published_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleParams {
    /// Only articles on this shelf.
    category: Option<String>,
}

/// The toolkit's articles, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/toolkit",
    tag = "learning",
    params(ArticleParams),
    responses(
        (status = 200, description = "The articles", body = Vec<ArticleOut>),
        (status = 422, description = "No such category", body = Problem, content_type = "application/problem+json")
    )
)]
async fn list_articles(
    State(state): State<AppState>,
    Query(params): Query<ArticleParams>,
) -> Result<Json<Vec<ArticleOut>>> {
    let category = match params.category.as_deref() {
        Some(c) => Some(rules::parse_category(c)?),
        None => None,
    };
    let articles = store::list(&state.db, category, SHOWN).await?;
    Ok(Json(articles.into_iter().map(ArticleOut::from).collect()))
}

/// One article.
#[utoipa::path(
    get,
    path = "/api/v1/toolkit/{slug}",
    tag = "learning",
    params(("slug" = String, Path, description = "The article's address name")),
    responses(
        (status = 200, description = "The article", body = ArticleOut),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json")
    )
)]
async fn get_article(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<ArticleOut>> {
    Ok(Json(load(&state, &slug).await?.into()))
}
