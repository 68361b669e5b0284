//! The register in the demo: checks at every state, risks with review dates,
//! liabilities with and without holders, site visits done and due, and the
//! trust that holds the money. The showcase projects tell the two lessons
//! the register answers: the BBQ bike's food checks half done with a site
//! visit due, the poly tunnel's liability gap on a housing provider's land,
//! and the Larkhall clean-ups cleared for delivery as every project should be.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use coproduce_core::organisations::OrgKind;
use coproduce_core::policy::ProjectRole;
use coproduce_core::projects::details::{Activity, ActivityEntry};
use coproduce_core::projects::ownership::{self, Backing};
use coproduce_core::projects::Stage;
use coproduce_core::risk::catalogue::{Catalogue, Evidence};
use coproduce_core::risk::liability::{Liability, Party};
use coproduce_core::risk::Facts;
use sqlx::AnyConnection;

use super::batch::{self, Value};
use super::details::{DemoOrg, Details};
use super::people::DemoPerson;
use super::projects::DemoProject;
use super::rng::Rng;
use super::Progress;
use crate::{time, Backend, Result};

/// The trust that holds most projects' money, as in the model we build for.
pub const FUND_HOLDER: &str = "Lambeth Community Trust";

/// The trust's id. Explicit, like every demo id: the money stage plans its
/// ledger against it before anything is written.
pub const FUND_HOLDER_ID: i64 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCheck {
    pub project_id: i64,
    pub key: String,
    pub reference: String,
    pub person_name: String,
    pub insurer: String,
    pub cover_pence: Option<i64>,
    pub expires_on: Option<NaiveDate>,
    pub submitted_by: Option<i64>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub verified_by: Option<i64>,
    pub verified_at: Option<DateTime<Utc>>,
    pub valid_until: Option<NaiveDate>,
    pub waived_by: Option<i64>,
    pub waived_reason: String,
    pub returned_reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRisk {
    pub project_id: i64,
    pub description: String,
    pub category: &'static str,
    pub likelihood: i64,
    pub impact: i64,
    pub owner_id: Option<i64>,
    pub mitigations: String,
    pub review_on: Option<NaiveDate>,
    pub status: &'static str,
    pub accepted_reason: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoVisit {
    pub id: i64,
    pub project_id: i64,
    pub officer_id: i64,
    pub scheduled_for: NaiveDate,
    pub outcome: Option<&'static str>,
    pub notes: String,
    pub checks: Vec<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoHolding {
    pub project_id: i64,
    pub liability: Liability,
    pub party: Option<Party>,
    pub holder: String,
    pub evidence: String,
    /// Who recorded it: the project's lead.
    pub by: Option<i64>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Register {
    /// Projects whose money the trust holds.
    pub funded: Vec<i64>,
    pub treasurer: Option<i64>,
    pub checks: Vec<DemoCheck>,
    pub risks: Vec<DemoRisk>,
    pub visits: Vec<DemoVisit>,
    pub holdings: Vec<DemoHolding>,
}

impl Register {
    pub fn rows(&self) -> u64 {
        let visit_checks: usize = self.visits.iter().map(|v| v.checks.len()).sum();
        (self.funded.len()
            + self.checks.len()
            + self.risks.len()
            + self.visits.len()
            + visit_checks
            + self.holdings.len()) as u64
    }
}

struct Ctx<'a> {
    catalogue: Catalogue,
    officers: Vec<i64>,
    names: HashMap<i64, &'a str>,
    now: DateTime<Utc>,
    today: NaiveDate,
}

/// What the register would read about one project, from the plan's rows
/// grouped by project.
fn facts_of(
    p: &DemoProject,
    activities: &HashMap<i64, Vec<ActivityEntry>>,
    co_owners: &HashMap<i64, usize>,
    orgs: &[DemoOrg],
) -> Facts {
    let org_kind: Option<OrgKind> = p
        .owner_org_id
        .and_then(|id| orgs.iter().find(|o| o.id == id))
        .map(|o| o.kind);
    Facts {
        activities: activities.get(&p.id).cloned().unwrap_or_default(),
        lone_lead: ownership::is_lone_lead(Backing {
            has_lead: p.lead_id.is_some(),
            co_owners: co_owners.get(&p.id).copied().unwrap_or(0),
            owner_org: org_kind,
        }),
        starts_on: p.starts_on,
    }
}

pub fn generate(
    rng: &mut Rng,
    projects: &[DemoProject],
    details: &Details,
    orgs: &[DemoOrg],
    people: &[DemoPerson],
    now: DateTime<Utc>,
) -> std::result::Result<Register, String> {
    let catalogue = Catalogue::shipped().map_err(|e| {
        format!(
            "the shipped rules catalogue does not read: {}",
            e.first().map(|i| i.message.as_str()).unwrap_or("")
        )
    })?;
    let officers: Vec<i64> = people
        .iter()
        .filter(|p| p.role == coproduce_core::people::Role::Officer)
        .map(|p| p.id)
        .collect();
    let ctx = Ctx {
        catalogue,
        officers: if officers.is_empty() {
            vec![1]
        } else {
            officers
        },
        names: people
            .iter()
            .map(|p| (p.id, p.display_name.as_str()))
            .collect(),
        now,
        today: now.date_naive(),
    };
    let mut out = Register {
        treasurer: people
            .iter()
            .find(|p| p.role == coproduce_core::people::Role::Resident && !p.signs_in)
            .map(|p| p.id),
        ..Register::default()
    };
    // Grouped once: looking each project's rows up in the whole plan would
    // be quadratic, which at city scale is most of the demo's time.
    let mut activities: HashMap<i64, Vec<ActivityEntry>> = HashMap::new();
    for a in &details.activities {
        activities
            .entry(a.project_id)
            .or_default()
            .push(ActivityEntry {
                activity: a.activity,
                detail: a.detail.clone(),
                attendance: a.attendance,
            });
    }
    let mut co_owners: HashMap<i64, usize> = HashMap::new();
    let mut teams: HashMap<i64, Vec<i64>> = HashMap::new();
    for m in &details.members {
        if m.role == ProjectRole::CoOwner {
            *co_owners.entry(m.project_id).or_default() += 1;
        }
        teams.entry(m.project_id).or_default().push(m.person_id);
    }
    let mut visit_id = 0;
    for p in projects {
        let facts = facts_of(p, &activities, &co_owners, orgs);
        if !matches!(p.stage, Stage::Idea) {
            out.funded.push(p.id);
        }
        let team: Vec<i64> = teams.get(&p.id).cloned().unwrap_or_default();
        match p.title.as_str() {
            "BBQ bike for community events" => {
                bbq_bike(rng, &ctx, p, &facts, &team, &mut out, &mut visit_id)
            }
            "Poly tunnel on the Clapham Park Estate" => {
                poly_tunnel(&ctx, p, &facts, &team, &mut out, &mut visit_id)
            }
            "Love your space clean-ups" => {
                cleared(rng, &ctx, p, &facts, &team, &mut out, &mut visit_id)
            }
            _ => ordinary(rng, &ctx, p, &facts, &team, &mut out),
        }
    }
    Ok(out)
}

fn officer(rng: &mut Rng, ctx: &Ctx<'_>) -> i64 {
    *rng.pick(&ctx.officers)
}

fn name(ctx: &Ctx<'_>, id: i64) -> String {
    ctx.names
        .get(&id)
        .map(|s| (*s).to_owned())
        .unwrap_or_default()
}

/// A submission of the kind the check asks for, as a team would make it.
fn evidence(ctx: &Ctx<'_>, p: &DemoProject, key: &str, by: i64, days_ago: i64) -> DemoCheck {
    let evidence = ctx
        .catalogue
        .check(key)
        .map(|(_, c)| c.evidence)
        .unwrap_or(Evidence::Document);
    let at = ctx.now - Duration::days(days_ago);
    let mut c = DemoCheck {
        project_id: p.id,
        key: key.to_owned(),
        reference: String::new(),
        person_name: String::new(),
        insurer: String::new(),
        cover_pence: None,
        expires_on: None,
        submitted_by: Some(by),
        submitted_at: Some(at),
        verified_by: None,
        verified_at: None,
        valid_until: None,
        waived_by: None,
        waived_reason: String::new(),
        returned_reason: String::new(),
    };
    match evidence {
        Evidence::Certificate => {
            c.reference = format!("LBL-{}-{:04}", key.len() * 7 + 2026, p.id % 9973)
        }
        Evidence::Insurance => {
            c.insurer = "Community Insurance Partners".to_owned();
            c.reference = format!("PL-{:06}", p.id * 37 % 999_983);
            c.cover_pence = Some(500_000_000);
            c.expires_on = Some(ctx.today + Duration::days(365 - days_ago.min(300)));
        }
        Evidence::NamedPerson => c.person_name = name(ctx, by),
        _ => {}
    }
    c
}

/// Marks a submission verified `days_ago` by an officer who is not the
/// submitter, valid for as long as the catalogue says.
fn verify(ctx: &Ctx<'_>, c: &mut DemoCheck, by: i64, days_ago: i64) {
    let at = ctx.now - Duration::days(days_ago);
    let on = at.date_naive();
    let def = ctx.catalogue.check(&c.key).map(|(_, d)| d.clone());
    let by_catalogue = def
        .as_ref()
        .and_then(|d| d.valid_days)
        .map(|d| on + Duration::days(i64::from(d)));
    c.verified_by = Some(by);
    c.verified_at = Some(at);
    c.valid_until = match (by_catalogue, c.expires_on) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
}

fn required_keys(ctx: &Ctx<'_>, facts: &Facts) -> Vec<(String, Evidence, Stage)> {
    ctx.catalogue
        .required(facts)
        .iter()
        .map(|r| (r.check.key.clone(), r.check.evidence, r.check.blocks))
        .collect()
}

/// Generated projects: the further along, the more is settled, and a
/// project in delivery has everything that blocks delivery met, as the gate
/// would have insisted.
fn ordinary(
    rng: &mut Rng,
    ctx: &Ctx<'_>,
    p: &DemoProject,
    facts: &Facts,
    team: &[i64],
    out: &mut Register,
) {
    let Some(lead) = p.lead_id else { return };
    let submitter = |rng: &mut Rng| {
        *rng.pick(if team.is_empty() {
            std::slice::from_ref(&lead)
        } else {
            team
        })
    };
    let settled = matches!(p.stage, Stage::Delivery | Stage::Completed);
    for (key, evidence_kind, _) in required_keys(ctx, facts) {
        let roll = rng.unit();
        let (submit, verified) = match p.stage {
            _ if settled => (true, true),
            Stage::Planning | Stage::Paused => (roll < 0.7, roll < 0.45),
            Stage::Selected => (roll < 0.3, roll < 0.1),
            _ => (false, false),
        };
        if evidence_kind == Evidence::SiteVisit {
            if verified {
                let mut c = evidence(ctx, p, &key, lead, 60);
                c.submitted_by = None;
                c.submitted_at = None;
                verify(ctx, &mut c, officer(rng, ctx), rng.between(20, 120));
                out.checks.push(c);
            }
            continue;
        }
        if settled && key == "food-business-registration" && rng.chance(0.3) {
            let mut c = evidence(ctx, p, &key, lead, 90);
            c.submitted_by = None;
            c.submitted_at = None;
            c.reference.clear();
            c.waived_by = Some(officer(rng, ctx));
            c.waived_reason = "Food is given away at a few events a year: the council's food team confirmed that registration is not needed".to_owned();
            out.checks.push(c);
            continue;
        }
        if !submit {
            continue;
        }
        let by = submitter(rng);
        let mut c = evidence(ctx, p, &key, by, rng.between(15, 200));
        if verified {
            let mut v = officer(rng, ctx);
            if Some(v) == c.submitted_by {
                v = ctx
                    .officers
                    .iter()
                    .copied()
                    .find(|o| *o != by)
                    .unwrap_or(v + 1);
            }
            verify(ctx, &mut c, v, rng.between(1, 14));
        }
        out.checks.push(c);
    }
    let relevant = Liability::relevant(facts);
    for l in relevant {
        let held =
            settled || (matches!(p.stage, Stage::Planning | Stage::Paused) && rng.chance(0.6));
        if held {
            out.holdings.push(holding(p, facts, l, ctx.now));
        }
    }
    if !matches!(p.stage, Stage::Idea | Stage::Closed) {
        for k in 0..rng.between(1, 3) {
            out.risks.push(generic_risk(rng, ctx, p, facts, lead, k));
        }
    }
}

/// Who usually holds a liability on a community project, with evidence.
fn holding(p: &DemoProject, facts: &Facts, l: Liability, now: DateTime<Utc>) -> DemoHolding {
    let (party, holder, evidence) = match l {
        Liability::FinancialProbity => (
            Party::FundHolder,
            FUND_HOLDER.to_owned(),
            "Fund-holding agreement: the trust holds the budget and pays each expense against receipts".to_owned(),
        ),
        Liability::PropertyDamage if facts.has(Activity::ThirdPartyPremises) => (
            Party::Landowner,
            facts.landowner().unwrap_or("The landowner").to_owned(),
            "Licence to use the land, clause 7: the landowner's buildings insurance covers the site".to_owned(),
        ),
        _ => (
            Party::DeliveryGroup,
            "The project's delivery group".to_owned(),
            format!("Community Insurance Partners policy PL-{:06}", p.id * 37 % 999_983),
        ),
    };
    DemoHolding {
        project_id: p.id,
        liability: l,
        party: Some(party),
        holder,
        evidence,
        by: p.lead_id,
        at: now - Duration::days(30),
    }
}

const RISKS: &[(&str, &str, i64, i64, &str)] = &[
    (
        "Too few volunteers turn up on the day and the work cannot be done safely",
        "delivery",
        3,
        3,
        "A rota agreed a week ahead; the day is called off below four people",
    ),
    (
        "Someone trips on uneven ground or kit left lying around",
        "health_and_safety",
        3,
        2,
        "Walk the site first; tools go back in the crate when not in use",
    ),
    (
        "Bad weather on the day",
        "delivery",
        3,
        2,
        "A wet-weather date is booked with the venue",
    ),
    (
        "Money is spent without receipts",
        "financial",
        2,
        3,
        "Every purchase goes through the trust, with the receipt photographed",
    ),
    (
        "Neighbours complain about noise or mess",
        "reputational",
        2,
        2,
        "Letters to neighbours a week before; finish by 4pm",
    ),
    (
        "The lead becomes unable to carry on",
        "delivery",
        2,
        4,
        "A co-owner shadows the lead and holds the contacts",
    ),
    (
        "Personal details of participants are shared by mistake",
        "data",
        1,
        3,
        "Sign-up sheets are kept by the lead and destroyed after the event",
    ),
];

fn generic_risk(
    rng: &mut Rng,
    ctx: &Ctx<'_>,
    p: &DemoProject,
    facts: &Facts,
    lead: i64,
    k: i64,
) -> DemoRisk {
    let (description, category, likelihood, impact, mitigations) =
        if k == 0 && facts.has(Activity::Food) {
            (
                "Someone has an allergic reaction to food served",
                "health_and_safety",
                2,
                5,
                "Allergen sheet on the stall; ingredients listed for every dish",
            )
        } else if k == 0 && facts.has(Activity::ChildrenOrVulnerableAdults) {
            (
                "A child or vulnerable adult is left alone with one adult",
                "safeguarding",
                2,
                5,
                "Two adults at all times; the safeguarding lead is named on the day",
            )
        } else {
            *rng.pick(RISKS)
        };
    let status = match rng.below(10) {
        0..=4 => "open",
        5..=7 => "mitigated",
        8 => "accepted",
        _ => "closed",
    };
    DemoRisk {
        project_id: p.id,
        description: description.to_owned(),
        category,
        likelihood,
        impact,
        owner_id: Some(lead),
        mitigations: mitigations.to_owned(),
        review_on: (status != "closed").then(|| ctx.today + Duration::days(rng.between(-10, 60))),
        status,
        accepted_reason: if status == "accepted" {
            "Small and rare: the group accepts it rather than call off the day".to_owned()
        } else {
            String::new()
        },
        at: ctx.now - Duration::days(rng.between(10, 90)),
    }
}

/// The BBQ bike: already out cooking, with its food checks half done and
/// the officer's site visit a few days away.
#[allow(clippy::too_many_arguments)]
fn bbq_bike(
    rng: &mut Rng,
    ctx: &Ctx<'_>,
    p: &DemoProject,
    facts: &Facts,
    team: &[i64],
    out: &mut Register,
    visit_id: &mut i64,
) {
    let Some(lead) = p.lead_id else { return };
    let cook = team.iter().copied().find(|t| *t != lead).unwrap_or(lead);
    let officer_id = ctx.officers.first().copied().unwrap_or(2);
    for (key, kind, _) in required_keys(ctx, facts) {
        match key.as_str() {
            // The lessons: registration done, the cooks' hygiene training waiting
            // for an officer, allergen information never written down.
            "food-business-registration" => {
                let mut c = evidence(ctx, p, &key, lead, 160);
                c.reference = "LBL-FBR-2026-0417".to_owned();
                verify(ctx, &mut c, officer_id, 155);
                out.checks.push(c);
            }
            "food-hygiene-level-2" => {
                let mut c = evidence(ctx, p, &key, cook, 3);
                c.person_name = format!("{}, {}", name(ctx, cook), name(ctx, lead));
                c.expires_on = Some(ctx.today + Duration::days(900));
                out.checks.push(c);
            }
            "allergen-information" | "food-site-visit" => {}
            "public-liability-insurance" => {
                // Verified last year; runs out in three weeks, so the owners
                // have been warned.
                let mut c = evidence(ctx, p, &key, lead, 345);
                c.expires_on = Some(ctx.today + Duration::days(20));
                verify(ctx, &mut c, officer_id, 340);
                out.checks.push(c);
            }
            _ if kind == Evidence::SiteVisit => {}
            _ => {
                let mut c = evidence(ctx, p, &key, lead, rng.between(100, 150));
                verify(ctx, &mut c, officer_id, rng.between(60, 99));
                out.checks.push(c);
            }
        }
    }
    *visit_id += 1;
    out.visits.push(DemoVisit {
        id: *visit_id,
        project_id: p.id,
        officer_id,
        scheduled_for: ctx.today + Duration::days(4),
        outcome: None,
        notes: String::new(),
        checks: vec!["food-site-visit".to_owned()],
        created_at: ctx.now - Duration::days(2),
    });
    for l in Liability::relevant(facts) {
        out.holdings.push(holding(p, facts, l, ctx.now));
    }
    out.risks.push(DemoRisk {
        project_id: p.id,
        description: "Someone is burnt by the barbecue in a crowd".to_owned(),
        category: "health_and_safety",
        likelihood: 2,
        impact: 4,
        owner_id: Some(lead),
        mitigations: "A rope barrier a metre from the grill; fire blanket and extinguisher on the bike; only the two cooks behind the barrier".to_owned(),
        review_on: Some(ctx.today + Duration::days(3)),
        status: "mitigated",
        accepted_reason: String::new(),
        at: ctx.now - Duration::days(140),
    });
    out.risks.push(DemoRisk {
        project_id: p.id,
        description: "Someone has an allergic reaction: nobody can say what is in the marinade"
            .to_owned(),
        category: "health_and_safety",
        likelihood: 3,
        impact: 5,
        owner_id: Some(cook),
        mitigations: String::new(),
        review_on: Some(ctx.today - Duration::days(2)),
        status: "open",
        accepted_reason: String::new(),
        at: ctx.now - Duration::days(20),
    });
    out.risks.push(DemoRisk {
        project_id: p.id,
        description: "The cash tin goes missing at a busy event".to_owned(),
        category: "financial",
        likelihood: 2,
        impact: 2,
        owner_id: Some(lead),
        mitigations: "Card payments first; the tin is emptied into the trust's bag every hour"
            .to_owned(),
        review_on: Some(ctx.today + Duration::days(40)),
        status: "mitigated",
        accepted_reason: String::new(),
        at: ctx.now - Duration::days(90),
    });
}

/// The poly tunnel: on a housing provider's land with nobody holding public
/// liability, and the landowner's cover unevidenced.
fn poly_tunnel(
    ctx: &Ctx<'_>,
    p: &DemoProject,
    facts: &Facts,
    team: &[i64],
    out: &mut Register,
    visit_id: &mut i64,
) {
    let Some(lead) = p.lead_id else { return };
    let grower = team.iter().copied().find(|t| *t != lead).unwrap_or(lead);
    let officer_id = ctx
        .officers
        .get(1)
        .or(ctx.officers.first())
        .copied()
        .unwrap_or(2);
    for (key, _, _) in required_keys(ctx, facts) {
        match key.as_str() {
            "risk-assessment" => {
                let mut c = evidence(ctx, p, &key, lead, 12);
                c.returned_reason = "The site visit found broken paving by the gate: add it to the assessment and say how it will be fenced off".to_owned();
                c.submitted_by = None;
                c.submitted_at = None;
                out.checks.push(c);
            }
            "first-aid-person" => out.checks.push(evidence(ctx, p, &key, grower, 5)),
            _ => {}
        }
    }
    *visit_id += 1;
    out.visits.push(DemoVisit {
        id: *visit_id,
        project_id: p.id,
        officer_id,
        scheduled_for: ctx.today - Duration::days(10),
        outcome: Some("actions_required"),
        notes: "Walked the drying green with the lead and Parkside Homes' housing officer. The ground is sound, but the paving by the gate is broken and must be fenced off before work starts. Parkside Homes will only give written permission once the project shows its own public liability insurance.".to_owned(),
        checks: vec!["risk-assessment".to_owned()],
        created_at: ctx.now - Duration::days(20),
    });
    out.holdings.push(DemoHolding {
        project_id: p.id,
        liability: Liability::PropertyDamage,
        party: Some(Party::Landowner),
        holder: "Parkside Homes".to_owned(),
        evidence: String::new(),
        by: p.lead_id,
        at: ctx.now - Duration::days(15),
    });
    out.holdings
        .push(holding(p, facts, Liability::FinancialProbity, ctx.now));
    out.risks.push(DemoRisk {
        project_id: p.id,
        description: "Parkside Homes withdraws permission after the tunnel is bought".to_owned(),
        category: "legal",
        likelihood: 2,
        impact: 4,
        owner_id: Some(lead),
        mitigations: "Buy the frame only after the written licence is signed".to_owned(),
        review_on: Some(ctx.today + Duration::days(5)),
        status: "open",
        accepted_reason: String::new(),
        at: ctx.now - Duration::days(30),
    });
    out.risks.push(DemoRisk {
        project_id: p.id,
        description: "The lead is carrying the project alone and cannot keep it going".to_owned(),
        category: "delivery",
        likelihood: 4,
        impact: 4,
        owner_id: Some(lead),
        mitigations: "Ask at the next estate meeting for a co-owner; talk to the Clapham Park residents' association about standing behind the project".to_owned(),
        review_on: Some(ctx.today + Duration::days(14)),
        status: "open",
        accepted_reason: String::new(),
        at: ctx.now - Duration::days(30),
    });
}

/// The Larkhall clean-ups: a constituted, insured group with every check
/// verified and every liability held. This is what cleared looks like.
fn cleared(
    rng: &mut Rng,
    ctx: &Ctx<'_>,
    p: &DemoProject,
    facts: &Facts,
    team: &[i64],
    out: &mut Register,
    visit_id: &mut i64,
) {
    let Some(lead) = p.lead_id else { return };
    let officer_id = ctx.officers.first().copied().unwrap_or(2);
    for (key, kind, _) in required_keys(ctx, facts) {
        if kind == Evidence::SiteVisit {
            continue;
        }
        let by = if rng.chance(0.5) {
            lead
        } else {
            team.iter().copied().find(|t| *t != lead).unwrap_or(lead)
        };
        let mut c = evidence(ctx, p, &key, by, 250);
        verify(ctx, &mut c, officer_id, 245);
        if key == "public-liability-insurance" {
            c.insurer = "Zurich Municipal".to_owned();
            c.reference = "LRG-PL-22871".to_owned();
            c.expires_on = Some(ctx.today + Duration::days(190));
            c.valid_until = c.expires_on;
        }
        out.checks.push(c);
    }
    *visit_id += 1;
    out.visits.push(DemoVisit {
        id: *visit_id,
        project_id: p.id,
        officer_id,
        scheduled_for: ctx.today - Duration::days(248),
        outcome: Some("pass"),
        notes:
            "Meeting point, skip position and tool store all sensible. Sharps kit and gloves ready."
                .to_owned(),
        checks: vec!["risk-assessment".to_owned()],
        created_at: ctx.now - Duration::days(260),
    });
    for l in Liability::relevant(facts) {
        let mut h = holding(p, facts, l, ctx.now);
        if h.party == Some(Party::DeliveryGroup) {
            h.holder = "Larkhall Residents' Group".to_owned();
            h.evidence = "Zurich Municipal policy LRG-PL-22871, £5,000,000, to the end of next May"
                .to_owned();
        }
        out.holdings.push(h);
    }
    for k in 0..2 {
        out.risks.push(generic_risk(rng, ctx, p, facts, lead, k));
    }
}

pub async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    r: &Register,
    now: DateTime<Utc>,
    progress: &dyn Progress,
) -> Result<u64> {
    let mut n = 0;
    let fund_holder = FUND_HOLDER_ID;
    sqlx::query("INSERT INTO fund_holders (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(fund_holder)
        .bind(FUND_HOLDER)
        .bind(time::encode(now - Duration::days(700)))
        .execute(&mut *conn)
        .await?;
    if let Some(t) = r.treasurer {
        sqlx::query("INSERT INTO fund_holder_members (fund_holder_id, person_id, role, since) VALUES ($1, $2, 'treasurer', $3)")
            .bind(fund_holder)
            .bind(t)
            .bind(time::encode(now - Duration::days(700)))
            .execute(&mut *conn)
            .await?;
    }
    for chunk in r.funded.chunks(500) {
        let list: Vec<String> = chunk.iter().map(|id| id.to_string()).collect();
        sqlx::query(&format!(
            "UPDATE projects SET fund_holder_id = $1 WHERE id IN ({})",
            list.join(",")
        ))
        .bind(fund_holder)
        .execute(&mut *conn)
        .await?;
        n += chunk.len() as u64;
        progress.advance(chunk.len() as u64);
    }
    let date = |d: Option<NaiveDate>| Value::from(d.map(time::encode_date));
    let at = |d: Option<DateTime<Utc>>| Value::from(d.map(time::encode));
    n += batch::insert(
        conn,
        backend,
        "project_checks",
        &[
            "project_id",
            "check_key",
            "reference",
            "person_name",
            "insurer",
            "cover_pence",
            "expires_on",
            "submitted_by",
            "submitted_at",
            "verified_by",
            "verified_at",
            "valid_until",
            "waived_by",
            "waived_at",
            "waived_reason",
            "returned_reason",
            "updated_at",
        ],
        r.checks.iter().map(|c| {
            let updated = c.verified_at.or(c.submitted_at).unwrap_or(now);
            vec![
                Value::from(c.project_id),
                Value::from(c.key.as_str()),
                Value::from(c.reference.as_str()),
                Value::from(c.person_name.as_str()),
                Value::from(c.insurer.as_str()),
                Value::from(c.cover_pence),
                date(c.expires_on),
                Value::from(c.submitted_by),
                at(c.submitted_at),
                Value::from(c.verified_by),
                at(c.verified_at),
                date(c.valid_until),
                Value::from(c.waived_by),
                at(c.waived_by.map(|_| updated)),
                Value::from(c.waived_reason.as_str()),
                Value::from(c.returned_reason.as_str()),
                Value::from(time::encode(updated)),
            ]
        }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "project_risks",
        &[
            "project_id",
            "description",
            "category",
            "likelihood",
            "impact",
            "owner_id",
            "mitigations",
            "review_on",
            "status",
            "accepted_reason",
            "created_at",
            "updated_at",
        ],
        r.risks.iter().map(|k| {
            vec![
                Value::from(k.project_id),
                Value::from(k.description.as_str()),
                Value::from(k.category),
                Value::from(k.likelihood),
                Value::from(k.impact),
                Value::from(k.owner_id),
                Value::from(k.mitigations.as_str()),
                date(k.review_on),
                Value::from(k.status),
                Value::from(k.accepted_reason.as_str()),
                Value::from(time::encode(k.at)),
                Value::from(time::encode(k.at)),
            ]
        }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "site_visits",
        &[
            "id",
            "project_id",
            "officer_id",
            "scheduled_for",
            "scheduled_by",
            "outcome",
            "notes",
            "recorded_by",
            "recorded_at",
            "created_at",
        ],
        r.visits.iter().map(|v| {
            let recorded = v.outcome.map(|_| {
                time::encode(
                    v.scheduled_for
                        .and_hms_opt(15, 0, 0)
                        .map(|d| d.and_utc())
                        .unwrap_or(v.created_at),
                )
            });
            vec![
                Value::from(v.id),
                Value::from(v.project_id),
                Value::from(v.officer_id),
                Value::from(time::encode_date(v.scheduled_for)),
                Value::from(Some(v.officer_id)),
                Value::from(v.outcome.map(str::to_owned)),
                Value::from(v.notes.as_str()),
                Value::from(v.outcome.map(|_| v.officer_id)),
                Value::from(recorded),
                Value::from(time::encode(v.created_at)),
            ]
        }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "site_visit_checks",
        &["visit_id", "check_key"],
        r.visits.iter().flat_map(|v| {
            v.checks
                .iter()
                .map(move |k| vec![Value::from(v.id), Value::from(k.as_str())])
        }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "project_liabilities",
        &[
            "project_id",
            "liability",
            "party",
            "holder",
            "evidence",
            "not_applicable",
            "updated_by",
            "updated_at",
        ],
        r.holdings.iter().map(|h| {
            vec![
                Value::from(h.project_id),
                Value::from(h.liability.as_str()),
                Value::from(h.party.map(|p| p.as_str().to_owned())),
                Value::from(h.holder.as_str()),
                Value::from(h.evidence.as_str()),
                Value::from(""),
                Value::from(h.by),
                Value::from(time::encode(h.at)),
            ]
        }),
        progress,
    )
    .await?;
    if backend == Backend::Postgres {
        sqlx::query("SELECT setval(pg_get_serial_sequence('site_visits', 'id'), COALESCE((SELECT max(id) FROM site_visits), 0) + 1, false)")
            .execute(&mut *conn)
            .await?;
    }
    Ok(n)
}
