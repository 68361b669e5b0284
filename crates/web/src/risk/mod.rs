//! The risk and liability register's pages: a project's checks, risks,
//! liability matrix and site visits, the rules catalogue, and the
//! borough's readiness overview.

mod api;
mod catalogue;
mod checks;
mod liability;
mod overview;
mod register;
mod visits;

use crate::policy::Routes;

pub use api::api_router;

pub(crate) fn router() -> Routes {
    Routes::new()
        .merge(checks::routes())
        .merge(register::routes())
        .merge(liability::routes())
        .merge(visits::routes())
        .merge(catalogue::routes())
        .merge(overview::routes())
}

use std::collections::HashMap;

use chrono::NaiveDate;
use coproduce_core::local_time;
use coproduce_core::risk::ahead::{self, Readiness};
use coproduce_core::risk::catalogue::Catalogue;
use coproduce_core::risk::checks::Record;
use coproduce_core::risk::gates::Gate;
use coproduce_core::risk::liability::{gaps, Gap, Holding};
use coproduce_store::risk::{self as store, Subject};

use crate::error::Result;
use crate::AppState;

/// Everything the register knows about one project on one day: loaded
/// once, read by the checks page, the project page, the pack, the API and
/// the stage gate alike, so they can never disagree.
pub(crate) struct Register {
    pub subject: Subject,
    pub version: i64,
    pub catalogue: Catalogue,
    pub records: HashMap<String, Record>,
    pub holdings: Vec<Holding>,
    pub risks: Vec<store::register::RiskRow>,
    pub today: NaiveDate,
}

impl Register {
    pub async fn load(state: &AppState, project_id: i64) -> Result<Option<Register>> {
        let Some(subject) = store::subject(&state.db, project_id).await? else {
            return Ok(None);
        };
        let current = store::catalogue::current(&state.db).await?;
        Ok(Some(Register {
            records: store::checks::records(&state.db, project_id).await?,
            holdings: store::liability::holdings(&state.db, project_id).await?,
            risks: store::register::list(&state.db, project_id).await?,
            subject,
            version: current.version,
            catalogue: current.catalogue,
            today: today(state),
        }))
    }

    pub fn readiness(&self) -> Readiness<'_> {
        ahead::assess(
            &self.catalogue,
            &self.subject.facts,
            &self.records,
            self.today,
        )
    }

    pub fn gaps(&self) -> Vec<Gap> {
        gaps(&self.subject.facts, &self.holdings)
    }

    /// Runs `f` with the gate built from this register, for the lifecycle.
    pub fn with_gate<T>(&self, f: impl FnOnce(&Gate<'_, '_>) -> T) -> T {
        let readiness = self.readiness();
        let gaps = self.gaps();
        f(&Gate {
            readiness: &readiness,
            gaps: &gaps,
        })
    }
}

/// Today in the borough, which is what review and expiry dates mean.
pub(crate) fn today(state: &AppState) -> NaiveDate {
    local_time::uk(state.clock.now()).date_naive()
}

/// Queues a warning to each project's owners for every check whose evidence
/// runs out within the notice period, once per expiry date. The outbox
/// worker runs it hourly; it is safe to run from two servers at once.
pub async fn warn_expiring(
    db: &coproduce_store::Db,
    now: chrono::DateTime<chrono::Utc>,
) -> std::result::Result<usize, coproduce_store::StoreError> {
    let current = store::catalogue::current(db).await?;
    let today = local_time::uk(now).date_naive();
    store::checks::warn_expiring(
        db,
        today,
        |key| {
            current
                .catalogue
                .check(key)
                .map(|(_, c)| c.title.replace("{n}", "").replace("  ", " "))
                .unwrap_or_else(|| key.to_owned())
        },
        coproduce_store::memberships::By {
            actor: None,
            via: coproduce_core::audit::Via::System,
            now,
        },
    )
    .await
}

/// A check in brief, for the project page and the pack.
pub(crate) struct CheckLine {
    pub title: String,
    pub state_label: &'static str,
    pub due: String,
    pub note: String,
}

/// A liability in brief: who holds it, and any gap in words.
pub(crate) struct LiabilityLine {
    pub label: &'static str,
    pub party: String,
    pub holder: String,
    pub evidence: String,
    pub gap: Option<String>,
}

/// A risk in brief, for the pack.
pub(crate) struct RiskLine {
    pub description: String,
    pub score: String,
    pub owner: String,
    pub review: String,
    pub status: String,
}

/// The register summed up for the project's page and its pack.
pub(crate) struct Summary {
    pub met: usize,
    pub total: usize,
    pub blocking_delivery: usize,
    pub at_risk: Vec<String>,
    pub waivers: Vec<(String, String)>,
    pub checks: Vec<CheckLine>,
    pub liabilities: Vec<LiabilityLine>,
    pub gaps: Vec<String>,
    pub risks: Vec<RiskLine>,
}

impl Register {
    /// The liabilities the matrix lists: those that matter to the project,
    /// and any recorded besides, in the matrix's order.
    pub fn shown_liabilities(&self) -> Vec<coproduce_core::risk::liability::Liability> {
        let mut shown = coproduce_core::risk::liability::Liability::relevant(&self.subject.facts);
        for h in &self.holdings {
            if !shown.contains(&h.liability) {
                shown.push(h.liability);
            }
        }
        shown.sort();
        shown
    }

    pub fn summary(&self) -> Summary {
        use coproduce_core::projects::Stage;
        let readiness = self.readiness();
        let gaps = self.gaps();
        let checks = readiness
            .items
            .iter()
            .map(|i| {
                let record = i.record.clone().unwrap_or_default();
                let note = if record.waived_by.is_some() {
                    format!("Waived: {}", record.waived_reason)
                } else if let Some(until) = record.valid_until.filter(|_| i.state.is_met()) {
                    format!("Valid until {}", ahead::long_date(until))
                } else {
                    String::new()
                };
                CheckLine {
                    title: i.required.title(),
                    state_label: i.state.label(),
                    due: i
                        .due_by
                        .map(ahead::long_date)
                        .unwrap_or_else(|| i.required.check.lead.describe()),
                    note,
                }
            })
            .collect();
        let waivers = readiness
            .items
            .iter()
            .filter_map(|i| {
                let r = i.record.as_ref()?;
                r.waived_by
                    .map(|_| (i.required.title(), r.waived_reason.clone()))
            })
            .collect();
        let liabilities = self
            .shown_liabilities()
            .into_iter()
            .map(|l| {
                let held = self.holdings.iter().find(|h| h.liability == l);
                LiabilityLine {
                    label: l.label(),
                    party: match held {
                        Some(h) if !h.not_applicable.is_empty() => "Does not arise".to_owned(),
                        Some(h) => h.party.map(|p| p.label().to_owned()).unwrap_or_default(),
                        None => String::new(),
                    },
                    holder: held.map(|h| h.holder.clone()).unwrap_or_default(),
                    evidence: held
                        .map(|h| {
                            if h.not_applicable.is_empty() {
                                h.evidence.clone()
                            } else {
                                h.not_applicable.clone()
                            }
                        })
                        .unwrap_or_default(),
                    gap: gaps
                        .iter()
                        .find(|g| g.liability() == l)
                        .map(|g| g.message()),
                }
            })
            .collect();
        Summary {
            met: readiness.met(),
            total: readiness.items.len(),
            blocking_delivery: readiness.blocking(Stage::Delivery).count(),
            at_risk: readiness.at_risk.clone(),
            waivers,
            checks,
            liabilities,
            gaps: gaps.iter().map(|g| g.message()).collect(),
            risks: self
                .risks
                .iter()
                .map(|k| {
                    use coproduce_core::risk::register::{review, Band, Review, Status};
                    RiskLine {
                        description: k.description.clone(),
                        score: format!(
                            "{} ({}: likelihood {} × impact {})",
                            k.score,
                            Band::of(k.score).label().to_lowercase(),
                            k.likelihood.get(),
                            k.impact.get()
                        ),
                        owner: k.owner.clone().unwrap_or_else(|| "The lead".to_owned()),
                        review: match (k.review_on, review(k.status, k.review_on, self.today)) {
                            (_, _) if k.status == Status::Closed => String::new(),
                            (Some(d), Review::Overdue) => {
                                format!("Overdue since {}", ahead::long_date(d))
                            }
                            (Some(d), _) => ahead::long_date(d),
                            (None, _) => String::new(),
                        },
                        status: if k.status == Status::Accepted {
                            format!("Accepted: {}", k.accepted_reason)
                        } else {
                            k.status.label().to_owned()
                        },
                    }
                })
                .collect(),
        }
    }
}
