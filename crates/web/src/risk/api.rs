//! The register in the JSON API: a project's checks, risks and liability
//! matrix, and the rules catalogue. What the public pages show, as data;
//! evidence itself (names, numbers, files) stays on the team's pages.

use axum::extract::{Path, State};
use axum::Json;
use chrono::NaiveDate;
use coproduce_core::projects::Stage;
use coproduce_core::risk::register::{review, Band, HeatMap};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Register;
use crate::error::{Error, Problem, Result};
use crate::AppState;

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(project_checks))
        .routes(routes!(project_risks))
        .routes(routes!(project_liability))
        .routes(routes!(catalogue))
}

/// One check a project must meet.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckOut {
    /// The check's key in the catalogue, e.g. `food-business-registration`.
    pub key: String,
    pub title: String,
    /// The rule that asks for it.
    pub rule: String,
    /// missing, submitted, verified, expiring, expired or waived.
    pub state: String,
    /// document, certificate, insurance, named_person, agreement or site_visit.
    pub evidence: String,
    /// officer or fund_holder.
    pub verifier: String,
    /// The stage it keeps the project out of until met: planning or delivery.
    pub blocks: String,
    /// The last day it can be done for the planned start.
    pub due_by: Option<NaiveDate>,
    /// When work on it should begin, given how long it takes.
    pub start_by: Option<NaiveDate>,
    /// done, undated, on_track, start_now, late (too late for the start) or
    /// overdue (the start has passed).
    pub timing: String,
    pub valid_until: Option<NaiveDate>,
    /// Why an officer waived it, when they did.
    pub waived_reason: Option<String>,
}

/// A project's checks and whether it can go ahead.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecksOut {
    pub project: i64,
    /// The catalogue version the checks come from; 0 is the shipped one.
    pub catalogue_version: i64,
    pub starts_on: Option<NaiveDate>,
    /// Why the planned start can no longer be met; empty when it can.
    pub at_risk: Vec<String>,
    /// The keys of the checks that keep it out of delivery.
    pub blocking_delivery: Vec<String>,
    /// How many liabilities nobody holds with evidence.
    pub liability_gaps: usize,
    pub checks: Vec<CheckOut>,
}

fn missing(id: i64) -> Error {
    Error::NotFound(format!("There is no project with id {id}."))
}

#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}/checks",
    tag = "risk",
    params(("id" = i64, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The project's checks", body = ChecksOut),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
async fn project_checks(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ChecksOut>> {
    let register = Register::load(&state, id)
        .await?
        .ok_or_else(|| missing(id))?;
    let readiness = register.readiness();
    let checks = readiness
        .items
        .iter()
        .map(|i| {
            let record = i.record.clone().unwrap_or_default();
            CheckOut {
                key: i.key().to_owned(),
                title: i.required.title(),
                rule: i.required.rule.id.clone(),
                state: i.state.as_str().to_owned(),
                evidence: i.required.check.evidence.as_str().to_owned(),
                verifier: i.required.check.verifier.as_str().to_owned(),
                blocks: i.required.check.blocks.as_str().to_owned(),
                due_by: i.due_by,
                start_by: i.start_by,
                timing: serde_json::to_value(i.timing)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                valid_until: record.valid_until,
                waived_reason: record.waived_by.map(|_| record.waived_reason.clone()),
            }
        })
        .collect();
    Ok(Json(ChecksOut {
        project: id,
        catalogue_version: register.version,
        starts_on: register.subject.facts.starts_on,
        at_risk: readiness.at_risk.clone(),
        blocking_delivery: readiness
            .blocking(Stage::Delivery)
            .map(|i| i.key().to_owned())
            .collect(),
        liability_gaps: register.gaps().len(),
        checks,
    }))
}

/// One risk in the register.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskOut {
    pub id: i64,
    pub description: String,
    /// e.g. health_and_safety, safeguarding, financial.
    pub category: String,
    /// 1 (rare) to 5 (almost certain).
    pub likelihood: u8,
    /// 1 (negligible) to 5 (severe).
    pub impact: u8,
    /// Likelihood times impact, 1 to 25.
    pub score: u8,
    /// low, medium, high or severe.
    pub band: String,
    pub owner: Option<String>,
    pub mitigations: String,
    pub review_on: Option<NaiveDate>,
    /// not_due, due or overdue.
    pub review: String,
    /// open, mitigated, accepted or closed.
    pub status: String,
    pub accepted_reason: String,
}

/// A project's risk register and its heat map.
#[derive(Debug, Serialize, ToSchema)]
pub struct RisksOut {
    pub project: i64,
    pub risks: Vec<RiskOut>,
    /// Live risks counted by likelihood (rows, 5 first) and impact
    /// (columns, 1 first).
    pub heat_map: Vec<Vec<u32>>,
}

#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}/risks",
    tag = "risk",
    params(("id" = i64, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The project's risk register", body = RisksOut),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
async fn project_risks(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<RisksOut>> {
    coproduce_store::projects::get(&state.db, id)
        .await?
        .ok_or_else(|| missing(id))?;
    let today = super::today(&state);
    let rows = coproduce_store::risk::register::list(&state.db, id).await?;
    let map = HeatMap::of(rows.iter().map(|r| (r.likelihood, r.impact, r.status)));
    let risks = rows
        .into_iter()
        .map(|r| {
            let score = r.score;
            RiskOut {
                id: r.id,
                description: r.description,
                category: r.category.as_str().to_owned(),
                likelihood: r.likelihood.get(),
                impact: r.impact.get(),
                score,
                band: Band::of(score).as_str().to_owned(),
                owner: r.owner,
                mitigations: r.mitigations,
                review_on: r.review_on,
                review: serde_json::to_value(review(r.status, r.review_on, today))
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                status: r.status.as_str().to_owned(),
                accepted_reason: r.accepted_reason,
            }
        })
        .collect();
    Ok(Json(RisksOut {
        project: id,
        risks,
        heat_map: map.cells.iter().map(|row| row.to_vec()).collect(),
    }))
}

/// Who holds one liability that matters to the project.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiabilityOut {
    /// e.g. public_liability, food_safety, financial_probity.
    pub liability: String,
    /// landowner, council, fund_holder, delivery_group, venue or supplier.
    pub party: Option<String>,
    pub holder: String,
    pub evidence: String,
    /// Set when an officer recorded that it does not arise, with why.
    pub not_applicable: Option<String>,
    /// unheld, no_evidence, or absent when covered.
    pub gap: Option<String>,
}

/// A project's liability matrix.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiabilityMatrixOut {
    pub project: i64,
    pub liabilities: Vec<LiabilityOut>,
    /// Each gap in words; any gap keeps the project out of delivery.
    pub gaps: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}/liability",
    tag = "risk",
    params(("id" = i64, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The project's liability matrix", body = LiabilityMatrixOut),
        (status = 404, description = "No such project", body = Problem, content_type = "application/problem+json")
    )
)]
async fn project_liability(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<LiabilityMatrixOut>> {
    use coproduce_core::risk::liability::Gap;
    let register = Register::load(&state, id)
        .await?
        .ok_or_else(|| missing(id))?;
    let gaps = register.gaps();
    let liabilities = register
        .shown_liabilities()
        .into_iter()
        .map(|l| {
            let held = register.holdings.iter().find(|h| h.liability == l);
            LiabilityOut {
                liability: l.as_str().to_owned(),
                party: held.and_then(|h| h.party).map(|p| p.as_str().to_owned()),
                holder: held.map(|h| h.holder.clone()).unwrap_or_default(),
                evidence: held.map(|h| h.evidence.clone()).unwrap_or_default(),
                not_applicable: held
                    .filter(|h| !h.not_applicable.is_empty())
                    .map(|h| h.not_applicable.clone()),
                gap: gaps.iter().find(|g| g.liability() == l).map(|g| {
                    match g {
                        Gap::Unheld { .. } => "unheld",
                        Gap::NoEvidence { .. } => "no_evidence",
                    }
                    .to_owned()
                }),
            }
        })
        .collect();
    Ok(Json(LiabilityMatrixOut {
        project: id,
        liabilities,
        gaps: gaps.iter().map(|g| g.message()).collect(),
    }))
}

/// The rules catalogue in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueOut {
    /// 0 is the catalogue shipped with the product; each officer's edit is
    /// the next number.
    pub version: i64,
    /// The catalogue's own text (TOML), which is what officers edit.
    pub toml: String,
    /// The same, read: rules with their conditions and checks.
    #[schema(value_type = Object)]
    pub catalogue: serde_json::Value,
}

#[utoipa::path(
    get,
    path = "/api/v1/risk/catalogue",
    tag = "risk",
    responses((status = 200, description = "The rules catalogue in force", body = CatalogueOut))
)]
async fn catalogue(State(state): State<AppState>) -> Result<Json<CatalogueOut>> {
    let current = coproduce_store::risk::catalogue::current(&state.db).await?;
    Ok(Json(CatalogueOut {
        version: current.version,
        toml: current.body,
        catalogue: serde_json::to_value(&current.catalogue)
            .map_err(|e| Error::Internal(format!("catalogue as JSON: {e}")))?,
    }))
}
