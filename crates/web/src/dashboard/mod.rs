//! The signed-in person's dashboard: their projects, next steps that are
//! overdue (every project's, for officers), and people asking to join
//! projects they run.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use axum::Extension;
use coproduce_core::local_time;
use coproduce_core::policy::Action;
use coproduce_store::projects::{self as store, team, updates};

use crate::auth::Viewer;
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::projects::ProjectView;
use crate::AppState;

pub fn router() -> Routes {
    Routes::new().get("/dashboard", Action::ReadDashboard, page)
}

struct StepLine {
    project_id: i64,
    project: String,
    what: String,
    owner: String,
    due: String,
}

/// Something on the register that needs someone's attention.
struct RiskLine {
    project_id: i64,
    project: String,
    what: String,
    when: String,
    /// Where on the project it is dealt with.
    anchor: String,
}

struct RequestLine {
    project_id: i64,
    project: String,
    name: String,
    when: String,
}

#[derive(Template)]
#[template(path = "dashboard/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    projects: Vec<ProjectView>,
    overdue: Vec<StepLine>,
    requests: Vec<RequestLine>,
    officer: bool,
    panels: Vec<Panel>,
    at_risk: Vec<RiskLine>,
    /// The fund holders where this person is treasurer.
    fund_holders: Vec<(i64, String)>,
}

/// One list of things on the register to attend to.
struct Panel {
    heading: &'static str,
    caption: &'static str,
    lines: Vec<RiskLine>,
    /// How many were left off the list.
    more: usize,
}

/// The most rows a panel lists.
const PANEL_ROWS: usize = 25;

async fn page(
    chrome: Chrome,
    State(state): State<AppState>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Html<String>> {
    let person = viewer.person.as_ref().ok_or(Error::SignInFirst)?;
    let actor = crate::policy::actor(Some(&viewer));
    let officer = actor.is_officer() && actor.token_scope.is_none();
    let today = local_time::uk(state.clock.now()).date_naive();
    let projects = store::of_person(&state.db, person.id).await?;
    let overdue = updates::overdue(&state.db, (!officer).then_some(person.id), today, 100)
        .await?
        .into_iter()
        .map(|s| StepLine {
            project_id: s.project_id,
            project: s.project_title,
            what: s.what,
            owner: s.owner.unwrap_or_else(|| "The lead".to_owned()),
            due: s.due_on.format("%-d %b %Y").to_string(),
        })
        .collect();
    let requests = team::requests_for_owner(&state.db, person.id)
        .await?
        .into_iter()
        .map(|r| RequestLine {
            project_id: r.project_id,
            project: r.project_title,
            name: r.name,
            when: local_time::short_date(r.created_at),
        })
        .collect();
    let (expiring, reviews, visits, waiting, at_risk) =
        risk_lines(&state, person.id, officer, &projects, today).await?;
    let owned: Vec<i64> = actor
        .projects
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| actor.owns_project(*p))
        .collect();
    let expenses: Vec<RiskLine> = coproduce_store::expenses::waiting_for(
        &state.db,
        person.id,
        &owned,
        &actor.fund_holders,
        (PANEL_ROWS + 1) as i64,
    )
    .await?
    .into_iter()
    .map(|w| RiskLine {
        project_id: w.project_id,
        project: w.project_title,
        what: format!(
            "{} {} to {}",
            match w.wanted {
                "confirm" => "Confirm",
                "approve" => "Approve",
                _ => "Pay",
            },
            w.amount,
            w.payee
        ),
        when: w
            .submitted_at
            .map(local_time::short_date)
            .unwrap_or_default(),
        anchor: format!("expenses/{}", w.id),
    })
    .collect();
    let treasuries: Vec<i64> = actor
        .fund_holders
        .iter()
        .filter(|(_, r)| *r == coproduce_core::policy::FundRole::Treasurer)
        .map(|(f, _)| *f)
        .collect();
    let fund_holders = if treasuries.is_empty() {
        Vec::new()
    } else {
        coproduce_store::memberships::fund_holders(&state.db)
            .await?
            .into_iter()
            .filter(|f| treasuries.contains(&f.id))
            .map(|f| (f.id, f.name))
            .collect()
    };
    html(DashboardPage {
        chrome: chrome.titled("Your dashboard", "dashboard"),
        fund_holders,
        panels: [
            (
                "Expenses waiting for you",
                "Expenses to confirm for your projects, approve for your fund holder, or pay",
                expenses,
            ),
            (
                "Evidence waiting to be verified",
                "Checks with evidence submitted and not yet verified, oldest first",
                waiting,
            ),
            (
                "Site visits coming up",
                "Site visits due in the next week or not yet recorded",
                visits,
            ),
            (
                "Checks expiring",
                "Verified checks whose evidence runs out within 30 days",
                expiring,
            ),
            (
                "Risks due for review",
                "Risks whose review date is within a week or past",
                reviews,
            ),
        ]
        .into_iter()
        .filter(|(_, _, lines)| !lines.is_empty())
        .map(|(heading, caption, mut lines)| {
            // A borough's worth would bury the rest of the page: the first
            // ones, soonest first, and how many more.
            let more = lines.len().saturating_sub(PANEL_ROWS);
            lines.truncate(PANEL_ROWS);
            Panel {
                heading,
                caption,
                lines,
                more,
            }
        })
        .collect(),
        at_risk,
        projects: projects.into_iter().map(ProjectView::from).collect(),
        overdue,
        requests,
        officer,
    })
}

type Lines = Vec<RiskLine>;

/// The register's part of the dashboard: for officers, the borough's; for
/// everyone else, the projects they lead or co-own.
async fn risk_lines(
    state: &AppState,
    person: i64,
    officer: bool,
    projects: &[store::ProjectSummary],
    today: chrono::NaiveDate,
) -> Result<(Lines, Lines, Lines, Lines, Lines)> {
    use chrono::Days;
    use coproduce_core::risk::ahead::long_date;
    use coproduce_core::risk::checks::EXPIRY_NOTICE_DAYS;
    use coproduce_core::risk::register::REVIEW_NOTICE_DAYS;
    use coproduce_store::risk as register;
    let owner = (!officer).then_some(person);
    let current = register::catalogue::current(&state.db).await?;
    let title = |key: &str| {
        current
            .catalogue
            .check(key)
            .map(|(_, c)| c.title.replace("{n}", "enough"))
            .unwrap_or_else(|| key.to_owned())
    };
    let expiring =
        register::checks::expiring(&state.db, today + Days::new(EXPIRY_NOTICE_DAYS), owner)
            .await?
            .into_iter()
            .map(|e| RiskLine {
                project_id: e.project_id,
                project: e.project_title,
                what: title(&e.check_key),
                when: if e.valid_until <= today {
                    format!("Expired on {}", long_date(e.valid_until))
                } else {
                    format!("Expires on {}", long_date(e.valid_until))
                },
                anchor: format!("checks#check-{}", e.check_key),
            })
            .collect();
    let reviews =
        register::register::due_for_review(&state.db, today + Days::new(REVIEW_NOTICE_DAYS), owner)
            .await?
            .into_iter()
            .map(|r| RiskLine {
                project_id: r.project_id,
                project: r.project_title,
                what: r.description,
                when: if r.review_on < today {
                    format!("Review was due on {}", long_date(r.review_on))
                } else {
                    format!("Review by {}", long_date(r.review_on))
                },
                anchor: format!("risks#risk-{}", r.risk_id),
            })
            .collect();
    let visits = register::visits::due(
        &state.db,
        today + Days::new(REVIEW_NOTICE_DAYS),
        officer.then_some(person),
        owner,
    )
    .await?
    .into_iter()
    .map(|v| RiskLine {
        project_id: v.project_id,
        project: v.project_title,
        what: format!("Site visit with {}", v.officer_name),
        when: if v.scheduled_for < today {
            format!("Was due on {}: record it", long_date(v.scheduled_for))
        } else {
            format!("On {}", long_date(v.scheduled_for))
        },
        anchor: format!("visits#visit-{}", v.visit_id),
    })
    .collect();
    let waiting = if officer {
        register::checks::waiting(&state.db, 50)
            .await?
            .into_iter()
            .map(|w| RiskLine {
                project_id: w.project_id,
                project: w.project_title,
                what: title(&w.check_key),
                when: format!("Submitted {}", local_time::short_date(w.submitted_at)),
                anchor: format!("checks#check-{}", w.check_key),
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut at_risk = Vec::new();
    if !officer {
        for p in projects.iter().filter(|p| p.lead_id == Some(person)) {
            if let Some(reg) = crate::risk::Register::load(state, p.id).await? {
                let readiness = reg.readiness();
                if let Some(first) = readiness.at_risk.first() {
                    at_risk.push(RiskLine {
                        project_id: p.id,
                        project: p.title.clone(),
                        what: first.clone(),
                        when: String::new(),
                        anchor: "checks#at-risk".to_owned(),
                    });
                }
            }
        }
    }
    Ok((expiring, reviews, visits, waiting, at_risk))
}
