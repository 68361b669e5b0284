//! The asset map for officers: per ward, the skills and resources the
//! borough has on the map against what its projects need, with the gaps
//! where outreach would help. Counts only, from people who agreed to appear.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use coproduce_core::policy::Action;
use coproduce_store::asset_map::{self as store, WardDetail, WardLine};

use crate::charts::{self, Bar};
use crate::error::{Error, Result};
use crate::layout::{html, Chrome};
use crate::policy::Routes;
use crate::AppState;

pub fn router() -> Routes {
    Routes::new()
        .get("/asset-map", Action::ReadAssetMap, overview)
        .get("/asset-map/{ward}", Action::ReadAssetMap, ward)
}

#[derive(Template)]
#[template(path = "asset_map/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    lines: Vec<WardLine>,
    totals: WardLine,
    gap_chart: String,
    people_chart: String,
}

async fn overview(chrome: Chrome, State(state): State<AppState>) -> Result<Response> {
    let lines = store::overview(&state.db).await?;
    let mut totals = WardLine::default();
    for l in &lines {
        totals.people += l.people;
        totals.resources += l.resources;
        totals.skill_needs += l.skill_needs;
        totals.skill_needs_met_locally += l.skill_needs_met_locally;
        totals.resource_needs += l.resource_needs;
    }
    let mut by_gap: Vec<&WardLine> = lines.iter().filter(|l| l.gap() > 0).collect();
    by_gap.sort_by(|a, b| b.gap().cmp(&a.gap()).then_with(|| a.ward.cmp(&b.ward)));
    let gap_chart = charts::horizontal_bars_with_id(
        "gap-chart-title",
        "Skill needs nobody on the map in the same ward could meet, by ward",
        &by_gap
            .iter()
            .take(12)
            .map(|l| Bar {
                label: l.ward.clone(),
                value: l.gap(),
                href: Some(format!("/asset-map/{}", l.slug)),
            })
            .collect::<Vec<_>>(),
    );
    let mut by_people: Vec<&WardLine> = lines.iter().collect();
    by_people.sort_by(|a, b| b.people.cmp(&a.people).then_with(|| a.ward.cmp(&b.ward)));
    let people_chart = charts::horizontal_bars_with_id(
        "people-chart-title",
        "People on the asset map, by ward",
        &by_people
            .iter()
            .take(12)
            .map(|l| Bar {
                label: l.ward.clone(),
                value: l.people,
                href: Some(format!("/asset-map/{}", l.slug)),
            })
            .collect::<Vec<_>>(),
    );
    Ok(html(OverviewPage {
        chrome: chrome.titled("Asset map", "asset-map"),
        lines,
        totals,
        gap_chart,
        people_chart,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "asset_map/ward.html")]
struct WardPage {
    chrome: Chrome,
    detail: WardDetail,
    chart: String,
}

async fn ward(
    chrome: Chrome,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response> {
    let detail = store::ward(&state.db, &slug).await?.ok_or_else(|| {
        Error::NotFound(
            "There is no ward at this address: choose one from the asset map".to_owned(),
        )
    })?;
    let chart = charts::horizontal_bars(
        &format!(
            "People on the map in {} with each skill its projects ask for",
            detail.line.ward
        ),
        &detail
            .needed
            .iter()
            .take(12)
            .map(|n| Bar {
                label: n.label.clone(),
                value: n.in_ward,
                href: None,
            })
            .collect::<Vec<_>>(),
    );
    Ok(html(WardPage {
        chrome: chrome.titled(format!("Asset map: {}", detail.line.ward), "asset-map"),
        detail,
        chart,
    })?
    .into_response())
}
