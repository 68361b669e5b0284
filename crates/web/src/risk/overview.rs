//! The borough's readiness: every open project's checks, liability gaps and
//! whether it can still make its start date, for officers planning their
//! week of verifications and site visits.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use coproduce_core::policy::Action;
use coproduce_core::projects::Stage;
use coproduce_core::risk::ahead::{self, long_date};
use coproduce_core::risk::checks::State as CheckState;
use coproduce_core::risk::liability::gaps;
use coproduce_store::risk as store;

use crate::charts::{self, Bar};
use crate::error::Result;
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::AppState;

pub(super) fn routes() -> Routes {
    Routes::new().get("/risk/readiness", Action::ReadReadiness, page)
}

/// Where a project stands, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Standing {
    AtRisk,
    Expired,
    Blocked,
    Ready,
    Delivering,
}

impl Standing {
    fn label(self) -> &'static str {
        match self {
            Standing::AtRisk => "At risk",
            Standing::Expired => "Evidence expired",
            Standing::Blocked => "Not yet ready",
            Standing::Ready => "Ready for delivery",
            Standing::Delivering => "Delivering, covered",
        }
    }

    fn class(self) -> &'static str {
        match self {
            Standing::AtRisk | Standing::Expired => "check-missing",
            Standing::Blocked => "check-submitted",
            Standing::Ready | Standing::Delivering => "check-verified",
        }
    }
}

struct Line {
    id: i64,
    title: String,
    stage: &'static str,
    starts: String,
    met: String,
    waiting: usize,
    blocking: usize,
    gaps: usize,
    standing: Standing,
    reasons: Vec<String>,
    next: String,
}

#[derive(Template)]
#[template(path = "risk/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    lines: Vec<Line>,
    chart: String,
    counts: Vec<(&'static str, usize)>,
}

async fn page(chrome: Chrome, State(state): State<AppState>) -> Result<Html<String>> {
    let today = super::today(&state);
    let current = store::catalogue::current(&state.db).await?;
    let mut records = store::checks::records_of_open_projects(&state.db).await?;
    let mut lines = Vec::new();
    for open in store::open_projects(&state.db).await? {
        let subject = &open.subject;
        let recs = records.remove(&subject.project_id).unwrap_or_default();
        let readiness = ahead::assess(&current.catalogue, &subject.facts, &recs, today);
        let gap_count = gaps(&subject.facts, &open.holdings).len();
        let blocking = readiness.blocking(Stage::Delivery).count();
        let expired = readiness
            .items
            .iter()
            .any(|i| i.state == CheckState::Expired);
        let standing = if readiness.is_at_risk() {
            Standing::AtRisk
        } else if expired {
            Standing::Expired
        } else if blocking > 0 || gap_count > 0 {
            Standing::Blocked
        } else if open.stage == Stage::Delivery {
            Standing::Delivering
        } else {
            Standing::Ready
        };
        let next = readiness
            .items
            .iter()
            .find(|i| !i.state.is_met())
            .map(|i| match i.due_by {
                Some(d) => format!("{}, due by {}", i.required.title(), long_date(d)),
                None => i.required.title(),
            })
            .unwrap_or_default();
        lines.push(Line {
            id: subject.project_id,
            title: subject.title.clone(),
            stage: open.stage.label(),
            starts: subject
                .facts
                .starts_on
                .map(long_date)
                .unwrap_or_else(|| "Not set".to_owned()),
            met: format!("{} of {}", readiness.met(), readiness.items.len()),
            waiting: readiness
                .items
                .iter()
                .filter(|i| i.state == CheckState::Submitted)
                .count(),
            blocking,
            gaps: gap_count,
            standing,
            reasons: readiness.at_risk.clone(),
            next,
        });
    }
    lines.sort_by(|a, b| a.standing.cmp(&b.standing).then(a.title.cmp(&b.title)));
    let all = [
        Standing::AtRisk,
        Standing::Expired,
        Standing::Blocked,
        Standing::Ready,
        Standing::Delivering,
    ];
    let counts: Vec<(&'static str, usize)> = all
        .iter()
        .map(|s| (s.label(), lines.iter().filter(|l| l.standing == *s).count()))
        .collect();
    let chart = charts::horizontal_bars(
        "Open projects by readiness",
        &counts
            .iter()
            .map(|(label, n)| Bar {
                label: (*label).to_owned(),
                value: *n as i64,
                href: None,
            })
            .collect::<Vec<_>>(),
    );
    html(OverviewPage {
        chrome: chrome.titled("Readiness across the borough", "projects"),
        lines,
        chart,
        counts,
    })
}
