//! The demo's money: the trusts that hold projects' budgets, with their fees
//! and approval rules; each held project's budget lines, funding agreements,
//! grants received and expenses in every state; and the double-entry ledger
//! behind them. Every ledger transaction is built by core's fund-holding
//! functions, so the demo's books balance for the same reason the product's
//! do, and the database checks them again as they arrive.
//!
//! Two showcase projects tell money's stories: the BBQ bike bought its bike
//! from a grant, and the cook's cool box waits for the lead (the demo
//! resident) to confirm it; the Larkhall clean-ups have nearly spent their
//! budget, paid a supplier twice, which the treasurer reversed, and were
//! refused the volunteers' prosecco.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use coproduce_core::budget::Category;
use coproduce_core::expenses::{Method, PayeeKind, Rules, State, Step};
use coproduce_core::funding::{self, Accounts, FeePolicy};
use coproduce_core::ledger::{AccountKind, Transaction};
use coproduce_core::money::Pence;
use coproduce_core::people::Role;
use coproduce_core::policy::ProjectRole;
use coproduce_core::projects::Stage;
use sqlx::AnyConnection;

use super::batch::{self, Value};
use super::details::{DemoMember, Details};
use super::people::{DemoPerson, DEMO_RESIDENT_ID};
use super::places::WARDS;
use super::projects::DemoProject;
use super::risk::{FUND_HOLDER, FUND_HOLDER_ID};
use super::rng::Rng;
use super::{DemoSignIn, Progress, Scale, DEMO_PASSWORD};
use crate::{time, Backend, Result};

const BBQ_BIKE: &str = "BBQ bike for community events";
const CLEAN_UPS: &str = "Love your space clean-ups";

/// The addresses the trust's treasurer and first approver sign in with,
/// printed with the other demo sign-ins.
const TREASURER_EMAIL: &str = "treasurer@example.org";
const APPROVER_EMAIL: &str = "approver@example.org";

const fn gbp(pounds: i64) -> Pence {
    Pence::new(pounds * 100)
}

/// A fund holder as the demo sets it up.
struct Spec {
    name: &'static str,
    fee: FeePolicy,
    rules: Rules,
    charity_number: &'static str,
    company_number: &'static str,
    /// Wards whose projects it mostly holds, instead of the trust, at
    /// borough scale and above.
    wards: &'static [&'static str],
    age_days: i64,
}

const SPECS: [Spec; 3] = [
    Spec {
        name: FUND_HOLDER,
        fee: FeePolicy::Percent {
            basis_points: 500,
            minimum: Some(gbp(50)),
            cap: Some(gbp(1_500)),
        },
        rules: Rules {
            approvals_required: 1,
            threshold: gbp(500),
            approvals_above_threshold: 2,
            receipt_threshold: gbp(20),
        },
        charity_number: "1168437",
        company_number: "09987412",
        wards: &[],
        // As the register made it.
        age_days: 700,
    },
    Spec {
        name: "Streatham Community Chest",
        fee: FeePolicy::Percent {
            basis_points: 750,
            minimum: Some(gbp(25)),
            cap: None,
        },
        rules: Rules {
            approvals_required: 1,
            threshold: gbp(250),
            approvals_above_threshold: 2,
            receipt_threshold: gbp(10),
        },
        charity_number: "1190215",
        company_number: "",
        wards: &[
            "Streatham Common & Vale",
            "Streatham Hill East",
            "Streatham Hill West & Thornton",
            "Streatham St Leonard's",
            "Streatham Wells",
        ],
        age_days: 540,
    },
    Spec {
        name: "North Lambeth Neighbourhood Trust",
        fee: FeePolicy::Fixed { amount: gbp(250) },
        rules: Rules {
            approvals_required: 1,
            threshold: gbp(1_000),
            approvals_above_threshold: 2,
            receipt_threshold: gbp(25),
        },
        charity_number: "1154309",
        company_number: "08712266",
        wards: &["Kennington", "Oval", "Vauxhall", "Waterloo & South Bank"],
        age_days: 620,
    },
];

/// (funder, the reference it puts on its payments).
const MAIN_FUNDER: (&str, &str) = ("Lambeth Council Cooperative Fund", "LBL COOP FUND");
const OTHER_FUNDERS: [(&str, &str); 3] = [
    ("National Lottery Awards for All", "TNLCF AFA"),
    ("Lambeth Neighbourhood CIL", "LBL NCIL"),
    ("Sport England Small Grants", "SPORT ENG SG"),
];

const CONDITIONS: [&str; 3] = [
    "Spend within the agreement's dates. Send a short report on what was done, with photographs, within two months of the end, and thank the fund on publicity.",
    "Equipment over £500 only against a quote seen by the fund holder first. Money not spent by the end date goes back to the funder.",
    "",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoHolder {
    pub id: i64,
    pub name: &'static str,
    pub fee: FeePolicy,
    pub rules: Rules,
    pub charity_number: &'static str,
    pub company_number: &'static str,
    pub created_at: DateTime<Utc>,
    pub treasurers: Vec<i64>,
    pub approvers: Vec<i64>,
}

impl DemoHolder {
    fn people(&self) -> Vec<i64> {
        self.treasurers
            .iter()
            .chain(&self.approvers)
            .copied()
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMembership {
    pub holder: i64,
    pub person: i64,
    pub role: &'static str,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLine {
    pub id: i64,
    pub project_id: i64,
    pub category: Category,
    pub description: &'static str,
    pub planned: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoChange {
    pub line_id: i64,
    pub from: i64,
    pub to: i64,
    pub reason: String,
    pub by: i64,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAgreement {
    pub id: i64,
    pub project_id: i64,
    pub holder: i64,
    pub funder: &'static str,
    pub amount: i64,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub conditions: &'static str,
    pub by: i64,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReceipt {
    pub id: i64,
    pub agreement_id: i64,
    pub transaction_id: i64,
    pub amount: i64,
    pub fee: i64,
    pub received_on: NaiveDate,
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub id: i64,
    pub holder: i64,
    pub kind: AccountKind,
    pub project_id: Option<i64>,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoTransaction {
    pub id: i64,
    pub holder: i64,
    pub happened_on: NaiveDate,
    pub description: String,
    pub recorded_by: Option<i64>,
    pub recorded_at: DateTime<Utc>,
    pub t: Transaction<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoExpense {
    pub id: i64,
    pub project_id: i64,
    pub line_id: i64,
    /// The line's, for the ledger's descriptions.
    pub category: Category,
    pub submitted_by: i64,
    pub amount: i64,
    pub payee: String,
    pub payee_kind: PayeeKind,
    pub description: String,
    pub spent_on: NaiveDate,
    pub state: State,
    pub submitted_at: Option<DateTime<Utc>>,
    pub rejected_reason: String,
    pub rejected_by: Option<i64>,
    pub committed_transaction_id: Option<i64>,
    pub paid_transaction_id: Option<i64>,
    pub paid_on: Option<NaiveDate>,
    pub method: Option<Method>,
    pub reference: String,
    pub paid_by: Option<i64>,
    pub reversed_reason: String,
    pub reversed_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoApproval {
    pub expense_id: i64,
    pub person_id: i64,
    pub step: Step,
    pub note: &'static str,
    pub at: DateTime<Utc>,
}

/// Every money row of the demo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Money {
    pub holders: Vec<DemoHolder>,
    /// Besides the trust's first treasurer, whom the register adds.
    pub members: Vec<DemoMembership>,
    /// Projects another fund holder holds instead of the trust.
    pub moved: Vec<(i64, i64)>,
    pub lines: Vec<DemoLine>,
    pub changes: Vec<DemoChange>,
    pub agreements: Vec<DemoAgreement>,
    pub receipts: Vec<DemoReceipt>,
    pub accounts: Vec<DemoAccount>,
    pub transactions: Vec<DemoTransaction>,
    pub expenses: Vec<DemoExpense>,
    pub approvals: Vec<DemoApproval>,
    /// People who sign in with the demo password, with their address.
    pub sign_ins: Vec<(i64, &'static str)>,
}

impl Money {
    pub fn postings(&self) -> usize {
        self.transactions.iter().map(|t| t.t.postings().len()).sum()
    }

    /// The rows `insert` writes, the trust's own row counted as one.
    pub fn rows(&self) -> u64 {
        (self.holders.len()
            + self.members.len()
            + self.moved.len()
            + self.lines.len()
            + self.changes.len()
            + self.agreements.len()
            + self.receipts.len()
            + self.accounts.len()
            + self.transactions.len()
            + self.postings()
            + self.expenses.len()
            + self.approvals.len()) as u64
    }
}

/// The trust's treasurer and an approver become sign-ins. Called once every
/// other stage has planned: they pick residents by `signs_in`, and must
/// pick as they always did.
pub fn mark_sign_ins(m: &Money, people: &mut [DemoPerson]) {
    for (id, email) in &m.sign_ins {
        if let Some(p) = people.iter_mut().find(|p| p.id == *id) {
            p.email = (*email).to_owned();
            p.signs_in = true;
        }
    }
}

pub fn sign_ins(m: &Money, people: &[DemoPerson]) -> Vec<DemoSignIn> {
    m.sign_ins
        .iter()
        .filter_map(|(id, email)| {
            let p = people.iter().find(|p| p.id == *id)?;
            Some(DemoSignIn {
                email: (*email).to_owned(),
                password: DEMO_PASSWORD.to_owned(),
                role: p.role,
                name: p.display_name.clone(),
            })
        })
        .collect()
}

/// What happens to an expense, decided before its story is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Draft,
    /// Submitted, with this many approvals given so far (0 to 2).
    Waiting(u8),
    /// Rejected at the project's step or at the fund holder's.
    Rejected {
        by_fund_holder: bool,
    },
    Approved,
    Paid,
    ReversedBeforePayment,
    ReversedPayment,
}

/// A movement of money, numbered once all are planned so that the journal
/// reads in the order things happened.
#[derive(Debug, Clone, Copy)]
enum Movement {
    Grant {
        receipt: usize,
        holder: usize,
    },
    Approved {
        expense: usize,
    },
    Paid {
        expense: usize,
    },
    /// Undoes the movement at this index.
    Reversal {
        of: usize,
        expense: usize,
    },
}

#[derive(Debug, Clone, Copy)]
struct Planned {
    at: DateTime<Utc>,
    by: Option<i64>,
    what: Movement,
}

/// What an expense costs and who is involved, before its fate.
#[derive(Clone)]
struct Purchase {
    project: usize,
    line: usize,
    amount: i64,
    payee: String,
    payee_kind: PayeeKind,
    description: String,
    spent_on: NaiveDate,
    submitter: i64,
}

struct Held<'a> {
    p: &'a DemoProject,
    holder: usize,
    team: Vec<&'a DemoMember>,
}

struct Planner<'a> {
    now: DateTime<Utc>,
    today: NaiveDate,
    /// Scales the size of projects' budgets, and so how many expenses they
    /// have: a small demo stays quick to read and to make.
    size: f64,
    names: HashMap<i64, &'a str>,
    holders: Vec<DemoHolder>,
    /// Everyone who approves for a fund holder: never a submitter.
    fund_people: HashSet<i64>,
    projects: Vec<Held<'a>>,
    out: Money,
    /// Per project id: its budget account, once it has an agreement.
    budget_accounts: HashMap<i64, i64>,
    /// Per holder: bank, fee income, payables.
    holder_accounts: Vec<(i64, i64, i64)>,
    moves: Vec<Planned>,
    /// Per expense: the index of its fund holder.
    expense_holders: Vec<usize>,
}

fn at_hour(d: NaiveDate, hour: i64) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc() + Duration::hours(hour)
}

#[allow(clippy::too_many_arguments)]
pub fn generate(
    rng: &mut Rng,
    scale: Scale,
    projects: &[DemoProject],
    details: &Details,
    people: &[DemoPerson],
    funded: &[i64],
    treasurer: Option<i64>,
    now: DateTime<Utc>,
) -> std::result::Result<Money, String> {
    let mut teams: HashMap<i64, Vec<&DemoMember>> = HashMap::new();
    for m in &details.members {
        teams.entry(m.project_id).or_default().push(m);
    }
    let busy: HashSet<i64> = details.members.iter().map(|m| m.person_id).collect();
    let residents = people
        .iter()
        .filter(|p| p.role == Role::Resident && !p.signs_in && Some(p.id) != treasurer);
    // People in no project's team first, so that those who approve for a
    // fund holder seldom have a stake in what they approve.
    let mut free: Vec<i64> = residents
        .clone()
        .filter(|p| !busy.contains(&p.id))
        .map(|p| p.id)
        .collect();
    let mut spare: Vec<i64> = residents
        .filter(|p| busy.contains(&p.id))
        .map(|p| p.id)
        .collect();
    rng.shuffle(&mut free);
    rng.shuffle(&mut spare);
    let mut take = || free.pop().or_else(|| spare.pop());

    let mut out = Money::default();
    let mut holders = Vec::new();
    let count = if scale == Scale::Small {
        1
    } else {
        SPECS.len()
    };
    for (k, spec) in SPECS.iter().take(count).enumerate() {
        let id = FUND_HOLDER_ID + k as i64;
        let created_at = now - Duration::days(spec.age_days);
        let mut treasurers = Vec::new();
        let mut approvers = Vec::new();
        let first = if k == 0 { treasurer } else { None };
        match first {
            Some(t) => treasurers.push(t),
            None => treasurers.extend(take()),
        }
        if k == 0 && scale != Scale::Small {
            treasurers.extend(take());
        }
        for _ in 0..(if k == 0 { 3 } else { 2 }) {
            approvers.extend(take());
        }
        for (n, (person, role)) in treasurers
            .iter()
            .map(|t| (*t, "treasurer"))
            .chain(approvers.iter().map(|a| (*a, "approver")))
            .enumerate()
        {
            if k == 0 && first == Some(person) {
                continue;
            }
            out.members.push(DemoMembership {
                holder: id,
                person,
                role,
                since: created_at + Duration::days(20 + 45 * n as i64),
            });
        }
        holders.push(DemoHolder {
            id,
            name: spec.name,
            fee: spec.fee,
            rules: spec.rules,
            charity_number: spec.charity_number,
            company_number: spec.company_number,
            created_at,
            treasurers,
            approvers,
        });
    }
    if let Some(trust) = holders.first() {
        out.sign_ins
            .extend(trust.treasurers.first().map(|t| (*t, TREASURER_EMAIL)));
        out.sign_ins
            .extend(trust.approvers.first().map(|a| (*a, APPROVER_EMAIL)));
    }

    let funded: HashSet<i64> = funded.iter().copied().collect();
    let showcase: HashSet<&str> = super::showcase::SHOWCASE.iter().map(|s| s.title).collect();
    let mut held = Vec::new();
    for p in projects.iter().filter(|p| funded.contains(&p.id)) {
        let ward = p
            .ward_id
            .and_then(|w| WARDS.get(usize::try_from(w - 1).ok()?))
            .map(|w| w.name);
        let mut holder = 0;
        if !showcase.contains(p.title.as_str()) {
            for (k, spec) in SPECS.iter().enumerate().take(holders.len()).skip(1) {
                if ward.is_some_and(|w| spec.wards.contains(&w)) && rng.chance(0.7) {
                    holder = k;
                }
            }
        }
        if holder != 0 {
            out.moved.push((p.id, holders[holder].id));
        }
        held.push(Held {
            p,
            holder,
            team: teams.get(&p.id).cloned().unwrap_or_default(),
        });
    }

    let mut planner = Planner {
        now,
        today: now.date_naive(),
        size: if scale == Scale::Small { 0.3 } else { 1.65 },
        names: people
            .iter()
            .map(|p| (p.id, p.display_name.as_str()))
            .collect(),
        fund_people: holders.iter().flat_map(DemoHolder::people).collect(),
        holders,
        projects: held,
        out,
        budget_accounts: HashMap::new(),
        holder_accounts: Vec::new(),
        moves: Vec::new(),
        expense_holders: Vec::new(),
    };
    planner.open_accounts();
    for i in 0..planner.projects.len() {
        match planner.projects[i].p.title.as_str() {
            BBQ_BIKE => planner.bbq_bike(rng, i)?,
            CLEAN_UPS => planner.ordinary(rng, i, true)?,
            _ => planner.ordinary(rng, i, false)?,
        }
    }
    planner.finish()
}

impl<'a> Planner<'a> {
    fn open_accounts(&mut self) {
        for h in &self.holders {
            let mut open = |kind: AccountKind, name: &str| {
                let id = self.out.accounts.len() as i64 + 1;
                self.out.accounts.push(DemoAccount {
                    id,
                    holder: h.id,
                    kind,
                    project_id: None,
                    name: name.to_owned(),
                    created_at: h.created_at,
                });
                id
            };
            let bank = open(AccountKind::Bank, "Bank");
            let fees = open(AccountKind::FeeIncome, "Fee income");
            let payables = open(AccountKind::Payables, "Payables");
            self.holder_accounts.push((bank, fees, payables));
        }
    }

    fn budget_account(&mut self, i: usize, at: DateTime<Utc>) -> i64 {
        let p = self.projects[i].p;
        if let Some(id) = self.budget_accounts.get(&p.id) {
            return *id;
        }
        let id = self.out.accounts.len() as i64 + 1;
        self.out.accounts.push(DemoAccount {
            id,
            holder: self.holders[self.projects[i].holder].id,
            kind: AccountKind::ProjectBudget,
            project_id: Some(p.id),
            name: format!("Budget: {}", p.title),
            created_at: at,
        });
        self.budget_accounts.insert(p.id, id);
        id
    }

    /// `t` plus a few hours, never past now.
    fn later(&self, rng: &mut Rng, t: DateTime<Utc>, low: i64, high: i64) -> DateTime<Utc> {
        let cap = self.now - Duration::minutes(1);
        (t + Duration::hours(rng.between(low, high)))
            .min(cap)
            .max(t)
    }

    fn name(&self, id: i64) -> String {
        self.names
            .get(&id)
            .map(|s| (*s).to_owned())
            .unwrap_or_default()
    }

    /// Plans lines for `total` pence over some of the categories, each a
    /// whole number of pounds. Returns their indices.
    fn lines(&mut self, rng: &mut Rng, i: usize, total: i64, at: DateTime<Utc>) -> Vec<usize> {
        let mut chosen: Vec<(Category, u32)> = Vec::new();
        for l in &LINES {
            if rng.chance(l.chance) {
                chosen.push((l.category, l.weight * rng.between(6, 14) as u32));
            }
        }
        if chosen.len() < 2 {
            chosen = vec![(Category::Materials, 400), (Category::Publicity, 100)];
        }
        // A small budget is not split into lines of a few pounds.
        chosen.truncate(usize::try_from(total / 30_000).unwrap_or(0).max(2));
        let weights: i64 = chosen.iter().map(|c| i64::from(c.1)).sum();
        let pounds = total / 100;
        let mut left = pounds;
        let mut made = Vec::new();
        for (k, (category, weight)) in chosen.iter().enumerate() {
            let share = if k + 1 == chosen.len() {
                left
            } else {
                (pounds * i64::from(*weight) / weights.max(1)) / 10 * 10
            };
            left -= share;
            made.push(self.line(rng, i, *category, share * 100, at));
        }
        made
    }

    fn line(
        &mut self,
        rng: &mut Rng,
        i: usize,
        category: Category,
        planned: i64,
        at: DateTime<Utc>,
    ) -> usize {
        let description = LINES
            .iter()
            .find(|l| l.category == category)
            .map(|l| *rng.pick(l.descriptions))
            .unwrap_or("");
        self.out.lines.push(DemoLine {
            id: self.out.lines.len() as i64 + 1,
            project_id: self.projects[i].p.id,
            category,
            description,
            planned,
            created_at: at,
        });
        self.out.lines.len() - 1
    }

    /// An agreement paid in the given tranches (date, pence); those up to
    /// yesterday are received. Returns what reaches the budget from all of
    /// them, and from those received.
    fn agreement(
        &mut self,
        rng: &mut Rng,
        i: usize,
        funder: (&'static str, &'static str),
        on: NaiveDate,
        ends_on: NaiveDate,
        tranches: &[(NaiveDate, i64)],
    ) -> std::result::Result<(i64, i64), String> {
        let h = self.projects[i].holder;
        let holder = &self.holders[h];
        let treasurer = holder.treasurers.first().copied().unwrap_or(1);
        let fee = holder.fee;
        let at = at_hour(on, 11).min(self.now);
        let id = self.out.agreements.len() as i64 + 1;
        self.out.agreements.push(DemoAgreement {
            id,
            project_id: self.projects[i].p.id,
            holder: holder.id,
            funder: funder.0,
            amount: tranches.iter().map(|t| t.1).sum(),
            starts_on: on,
            ends_on: Some(ends_on.max(on)),
            conditions: CONDITIONS[rng.index(CONDITIONS.len())],
            by: treasurer,
            at,
        });
        self.budget_account(i, at);
        let (mut net, mut received) = (0, 0);
        for (n, (day, amount)) in tranches.iter().enumerate() {
            let charged = fee
                .fee_on(Pence::new(*amount))
                .map_err(|e| e.message)?
                .get();
            net += amount - charged;
            if *day >= self.today {
                continue;
            }
            received += amount - charged;
            self.out.receipts.push(DemoReceipt {
                id: self.out.receipts.len() as i64 + 1,
                agreement_id: id,
                transaction_id: 0,
                amount: *amount,
                fee: charged,
                received_on: *day,
                reference: format!("{} {:05}/{}", funder.1, self.projects[i].p.id, n + 1),
            });
            self.moves.push(Planned {
                at: at_hour(*day, 10).min(self.now),
                by: Some(treasurer),
                what: Movement::Grant {
                    receipt: self.out.receipts.len() - 1,
                    holder: h,
                },
            });
        }
        Ok((net, received))
    }

    fn ordinary(
        &mut self,
        rng: &mut Rng,
        i: usize,
        nearly_spent: bool,
    ) -> std::result::Result<(), String> {
        let p = self.projects[i].p;
        let today = self.today;
        let born = p.created_at.date_naive();
        let planned_at = (p.created_at + Duration::days(rng.between(3, 20))).min(self.now);
        let budget = |rng: &mut Rng, factor: f64| -> i64 {
            let pounds = rng.between(2_000, 16_000) as f64 * factor;
            ((pounds / 50.0).round() as i64).max(10) * 50 * 100
        };
        match p.stage {
            Stage::Idea => return Ok(()),
            Stage::Selected | Stage::Closed => {
                let chance = if p.stage == Stage::Selected { 0.6 } else { 0.4 };
                if rng.chance(chance) {
                    let total = budget(rng, self.size * 0.6);
                    self.lines(rng, i, total, planned_at);
                }
                return Ok(());
            }
            _ => {}
        }
        let run_start = p
            .starts_on
            .unwrap_or(born + Duration::days(60))
            .max(born + Duration::days(14))
            .min(today);
        let planned_end = p
            .ends_on
            .unwrap_or(run_start + Duration::days(365))
            .max(run_start + Duration::days(30));
        let run_end = match p.stage {
            Stage::Completed | Stage::Paused => p.updated_at.date_naive(),
            _ => today,
        }
        .min(today - Duration::days(1))
        .max(run_start);
        let agreed_on = (run_start - Duration::days(rng.between(10, 45)))
            .max(born + Duration::days(5))
            .min(today);
        let planning = p.stage == Stage::Planning;
        if planning && !rng.chance(0.7) {
            let total = budget(rng, self.size * 0.7);
            self.lines(rng, i, total, planned_at);
            return Ok(());
        }

        let total = budget(rng, self.size * if planning { 0.7 } else { 1.0 });
        let receipts_before = self.out.receipts.len();
        let second = !nearly_spent && rng.chance(0.35);
        let main = if second {
            total * rng.between(55, 85) / 100 / 5_000 * 5_000
        } else {
            total
        };
        let first_in = agreed_on + Duration::days(rng.between(5, 20));
        let main_tranches = if !nearly_spent && main >= 500_000 && rng.chance(0.5) {
            let first = main * 6 / 10;
            let middle = run_start + (planned_end - run_start) / 2;
            vec![(first_in, first), (middle.max(first_in), main - first)]
        } else {
            vec![(first_in, main)]
        };
        let ends_on = planned_end + Duration::days(60);
        let (mut net, mut received) =
            self.agreement(rng, i, MAIN_FUNDER, agreed_on, ends_on, &main_tranches)?;
        if second && total > main {
            let funder = OTHER_FUNDERS[rng.weighted(&[6, 3, 1])];
            let on = (agreed_on + Duration::days(rng.between(10, 60))).min(today);
            let tranche = [(on + Duration::days(rng.between(5, 15)), total - main)];
            let (n, r) = self.agreement(rng, i, funder, on, ends_on, &tranche)?;
            net += n;
            received += r;
        }
        // Before funding is agreed the owners plan the budget to fit it.
        let lines = self.lines(rng, i, net, planned_at.min(at_hour(agreed_on, 9)));
        if !nearly_spent && lines.len() >= 2 && rng.chance(0.08) {
            self.move_between_lines(rng, i, &lines, agreed_on);
        }
        if received == 0 {
            return Ok(());
        }

        let fraction = if nearly_spent {
            0.975
        } else {
            match p.stage {
                Stage::Completed => rng.between(86, 99) as f64 / 100.0,
                Stage::Paused => rng.between(30, 70) as f64 / 100.0,
                Stage::Planning => rng.between(0, 8) as f64 / 100.0,
                _ => {
                    let whole = (planned_end - run_start).num_days().max(1) as f64;
                    let done = (today - run_start).num_days() as f64 / whole;
                    (done.clamp(0.1, 0.95) * rng.between(85, 105) as f64 / 100.0).min(0.95)
                }
            }
        };
        let first_money = self.out.receipts[receipts_before..]
            .iter()
            .map(|r| r.received_on)
            .min()
            .unwrap_or(agreed_on);
        let from = (run_start - Duration::days(14)).max(first_money + Duration::days(1));
        let to = run_end.max(from);
        if from >= today {
            return Ok(());
        }
        let purchases = self.purchases(rng, i, &lines, fraction, received, nearly_spent, from, to);
        let Some(purchases) = purchases else {
            return Ok(());
        };
        let ongoing = matches!(p.stage, Stage::Delivery | Stage::Planning);
        // The nearly spent project paid one supplier twice, early on.
        let mut paid_twice = !nearly_spent;
        for purchase in purchases {
            let age = (today - purchase.spent_on).num_days();
            let fate = if nearly_spent {
                if age < 10 {
                    Fate::Approved
                } else {
                    Fate::Paid
                }
            } else if !ongoing {
                Fate::Paid
            } else if age < 7 {
                [
                    Fate::Draft,
                    Fate::Waiting(0),
                    Fate::Waiting(1),
                    Fate::Waiting(2),
                    Fate::Approved,
                ][rng.weighted(&[20, 25, 20, 5, 30])]
            } else if age < 21 {
                [
                    Fate::Waiting(0),
                    Fate::Waiting(1),
                    Fate::Approved,
                    Fate::Paid,
                ][rng.weighted(&[5, 10, 30, 55])]
            } else if rng.chance(0.03) {
                Fate::Approved
            } else {
                Fate::Paid
            };
            let paid = fate == Fate::Paid;
            let forced = !paid_twice && paid && age > 60;
            paid_twice |= forced;
            let copy = forced || (paid && rng.chance(0.015));
            let reject = rng.chance(0.04);
            let twin = copy.then(|| purchase.clone());
            let rejected = reject.then(|| self.rejected_purchase(rng, i, &lines, &purchase));
            self.expense(rng, purchase, fate)?;
            if let Some(t) = twin {
                let fate = if rng.chance(0.25) && !nearly_spent {
                    Fate::ReversedBeforePayment
                } else {
                    Fate::ReversedPayment
                };
                self.expense(rng, t, fate)?;
            }
            if let Some(r) = rejected.flatten() {
                let by_fund_holder = rng.chance(0.6);
                self.expense(rng, r, Fate::Rejected { by_fund_holder })?;
            }
        }
        if nearly_spent {
            // Always at least one refusal to show, whatever the draws.
            let fallback = lines.first().copied();
            let owners = self.owners(i);
            let member = self.submitters(i).into_iter().find(|s| !owners.contains(s));
            if let (Some(l), Some(submitter)) = (fallback, member) {
                {
                    let r = Purchase {
                        project: i,
                        line: l,
                        amount: 4_850,
                        payee: "Stockwell Wine & Beer".to_owned(),
                        payee_kind: PayeeKind::Organisation,
                        description: "Prosecco for the volunteers' end-of-year party".to_owned(),
                        spent_on: today - Duration::days(20),
                        submitter,
                    };
                    self.expense(
                        rng,
                        r,
                        Fate::Rejected {
                            by_fund_holder: true,
                        },
                    )?;
                }
            }
        }
        Ok(())
    }

    fn move_between_lines(
        &mut self,
        rng: &mut Rng,
        i: usize,
        lines: &[usize],
        agreed_on: NaiveDate,
    ) {
        let (a, b) = (lines[0], lines[1 + rng.index(lines.len() - 1)]);
        let pounds = (self.out.lines[a].planned / 100 / 4).min(300) / 10 * 10;
        if pounds < 20 {
            return;
        }
        let holder = &self.holders[self.projects[i].holder];
        let by = holder.treasurers.first().copied().unwrap_or(1);
        let at = (at_hour(agreed_on, 14) + Duration::days(rng.between(30, 120))).min(self.now);
        let why = *rng.pick(&[
            "the hall was lent free of charge",
            "more people came than planned",
            "the supplier's prices went up",
            "a neighbour donated what was budgeted for",
        ]);
        let reason = format!(
            "Moved £{pounds} from {} to {}: {why}",
            self.out.lines[a].category.label().to_lowercase(),
            self.out.lines[b].category.label().to_lowercase()
        );
        for (line, delta) in [(a, -pounds * 100), (b, pounds * 100)] {
            let from = self.out.lines[line].planned;
            self.out.lines[line].planned = from + delta;
            self.out.changes.push(DemoChange {
                line_id: self.out.lines[line].id,
                from,
                to: from + delta,
                reason: reason.clone(),
                by,
                at,
            });
        }
    }

    /// Who may submit on the project (never the fund holder's people), each
    /// with the owners who could confirm their expenses.
    fn submitters(&self, i: usize) -> Vec<i64> {
        let team = &self.projects[i].team;
        let owners = self.owners(i);
        team.iter()
            .map(|m| m.person_id)
            .filter(|s| !self.fund_people.contains(s))
            .filter(|s| owners.iter().any(|o| o != s))
            .collect()
    }

    fn owners(&self, i: usize) -> Vec<i64> {
        self.projects[i]
            .team
            .iter()
            .filter(|m| matches!(m.role, ProjectRole::Lead | ProjectRole::CoOwner))
            .map(|m| m.person_id)
            .collect()
    }

    /// Spending across the lines, each line up to `fraction` of its plan
    /// and all of it within what has been received.
    #[allow(clippy::too_many_arguments)]
    fn purchases(
        &self,
        rng: &mut Rng,
        i: usize,
        lines: &[usize],
        fraction: f64,
        received: i64,
        exact: bool,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Option<Vec<Purchase>> {
        let submitters = self.submitters(i);
        if submitters.is_empty() {
            return None;
        }
        let mut targets: Vec<i64> = lines
            .iter()
            .map(|l| {
                let planned = self.out.lines[*l].planned;
                let jitter = if exact {
                    1.0
                } else {
                    rng.between(85, 110) as f64 / 100.0
                };
                ((planned as f64 * fraction * jitter) as i64).min(planned)
            })
            .collect();
        let sum: i64 = targets.iter().sum();
        if sum > received {
            for t in &mut targets {
                *t = (*t as f64 * received as f64 / sum as f64) as i64;
            }
        }
        let days = (to - from).num_days().max(0);
        let mut out = Vec::new();
        for (l, target) in lines.iter().zip(targets) {
            let category = self.out.lines[*l].category;
            let Some(kind) = LINES.iter().find(|x| x.category == category) else {
                continue;
            };
            let mut left = target;
            while left >= kind.low / 2 {
                let mut amount = rng.between(kind.low, kind.high);
                let individual = rng.chance(kind.individual);
                if !individual && rng.chance(0.5) {
                    amount = (amount / 100).max(1) * 100;
                }
                // What would be left too small to buy is bought with this.
                let amount = if left - amount < kind.low / 2 {
                    left
                } else {
                    amount
                };
                left -= amount;
                let submitter = *rng.pick(&submitters);
                // Erasing the demo resident (as the privacy tests do) cannot
                // reach a name typed in as a payee.
                let individual = individual && submitter != DEMO_RESIDENT_ID;
                let what = *rng.pick(kind.purchases);
                let (payee, payee_kind, description) = if individual {
                    (
                        self.name(submitter),
                        PayeeKind::Individual,
                        format!("Reimbursement: {}", lower_first(what)),
                    )
                } else {
                    (
                        (*rng.pick(kind.payees)).to_owned(),
                        PayeeKind::Organisation,
                        what.to_owned(),
                    )
                };
                out.push(Purchase {
                    project: i,
                    line: *l,
                    amount,
                    payee,
                    payee_kind,
                    description,
                    spent_on: from + Duration::days(rng.between(0, days)),
                    submitter,
                });
            }
        }
        out.sort_by_key(|p| p.spent_on);
        Some(out)
    }

    /// Something the fund holder or the project turns down, near a purchase.
    fn rejected_purchase(
        &self,
        rng: &mut Rng,
        i: usize,
        lines: &[usize],
        near: &Purchase,
    ) -> Option<Purchase> {
        let l = *rng.pick(lines);
        let kind = LINES
            .iter()
            .find(|x| x.category == self.out.lines[l].category)?;
        let submitter = *rng.pick(&self.submitters(i));
        Some(Purchase {
            project: i,
            line: l,
            amount: rng.between(kind.low, kind.high),
            payee: (*rng.pick(kind.payees)).to_owned(),
            payee_kind: PayeeKind::Organisation,
            description: (*rng.pick(kind.purchases)).to_owned(),
            spent_on: near.spent_on,
            submitter,
        })
    }

    /// Tells an expense's story to its fate: submitted, confirmed by an
    /// owner, approved by as many of the fund holder's people as its rules
    /// ask, paid by a treasurer, perhaps reversed; each money movement is
    /// planned for the ledger.
    fn expense(
        &mut self,
        rng: &mut Rng,
        buy: Purchase,
        fate: Fate,
    ) -> std::result::Result<(), String> {
        let i = buy.project;
        let h = self.projects[i].holder;
        let holder = self.holders[h].clone();
        let index = self.out.expenses.len();
        let others: Vec<i64> = self
            .owners(i)
            .into_iter()
            .filter(|o| *o != buy.submitter)
            .collect();
        // The lead first, as the owners of projects share the work.
        let Some(confirmer) = others.first().copied() else {
            return Err(format!(
                "project {} has nobody to confirm an expense",
                self.projects[i].p.id
            ));
        };
        let mut approvers: Vec<i64> = holder
            .people()
            .into_iter()
            .filter(|p| *p != buy.submitter && *p != confirmer)
            .collect();
        rng.shuffle(&mut approvers);
        let needed = usize::from(holder.rules.fund_holder_approvals(Pence::new(buy.amount)));
        if approvers.len() < needed || holder.treasurers.is_empty() {
            return Err(format!("{} has too few people to approve", holder.name));
        }
        let treasurer = *rng.pick(&holder.treasurers);
        let created = (at_hour(buy.spent_on, 17) + Duration::hours(rng.between(0, 40)))
            .min(self.now - Duration::minutes(20));
        let mut e = DemoExpense {
            id: 0,
            project_id: self.projects[i].p.id,
            line_id: self.out.lines[buy.line].id,
            category: self.out.lines[buy.line].category,
            submitted_by: buy.submitter,
            amount: buy.amount,
            payee: buy.payee,
            payee_kind: buy.payee_kind,
            description: buy.description,
            spent_on: buy.spent_on.min(created.date_naive()),
            state: State::Draft,
            submitted_at: None,
            rejected_reason: String::new(),
            rejected_by: None,
            committed_transaction_id: None,
            paid_transaction_id: None,
            paid_on: None,
            method: None,
            reference: String::new(),
            paid_by: None,
            reversed_reason: String::new(),
            reversed_by: None,
            created_at: created,
            updated_at: created,
        };
        let (state, t) = self.story(
            rng, &mut e, index, fate, confirmer, &approvers, needed, treasurer,
        );
        e.state = state;
        e.updated_at = t;
        self.out.expenses.push(e);
        self.expense_holders.push(h);
        Ok(())
    }

    /// The steps of an expense up to its fate: its state, and when it got
    /// there.
    #[allow(clippy::too_many_arguments)]
    fn story(
        &mut self,
        rng: &mut Rng,
        e: &mut DemoExpense,
        index: usize,
        fate: Fate,
        confirmer: i64,
        approvers: &[i64],
        needed: usize,
        treasurer: i64,
    ) -> (State, DateTime<Utc>) {
        let mut t = e.created_at;
        if fate == Fate::Draft {
            return (State::Draft, t);
        }
        t = self.later(rng, t, 1, 30);
        e.submitted_at = Some(t);
        if fate == Fate::Waiting(0) {
            return (State::Submitted, t);
        }
        if fate
            == (Fate::Rejected {
                by_fund_holder: false,
            })
        {
            t = self.later(rng, t, 2, 60);
            e.rejected_by = Some(confirmer);
            e.rejected_reason = (*rng.pick(&PROJECT_REFUSALS)).to_owned();
            return (State::Rejected, t);
        }
        t = self.later(rng, t, 2, 60);
        self.approval(rng, index, confirmer, Step::Project, t);
        if fate == Fate::Waiting(1) || (fate == Fate::Waiting(2) && needed < 2) {
            return (State::Submitted, t);
        }
        if fate
            == (Fate::Rejected {
                by_fund_holder: true,
            })
        {
            t = self.later(rng, t, 3, 96);
            e.rejected_by = approvers.first().copied();
            e.rejected_reason = (*rng.pick(&FUND_HOLDER_REFUSALS)).to_owned();
            return (State::Rejected, t);
        }
        for (k, person) in approvers.iter().take(needed).enumerate() {
            t = self.later(rng, t, 3, 96);
            if fate == Fate::Waiting(2) && k + 1 == needed {
                return (State::Submitted, t);
            }
            self.approval(rng, index, *person, Step::FundHolder, t);
        }
        let committed = self.moves.len();
        self.moves.push(Planned {
            at: t,
            by: approvers.get(needed.saturating_sub(1)).copied(),
            what: Movement::Approved { expense: index },
        });
        match fate {
            Fate::Approved => return (State::Approved, t),
            Fate::ReversedBeforePayment => {
                t = self.later(rng, t, 24, 240);
                self.moves.push(Planned {
                    at: t,
                    by: Some(treasurer),
                    what: Movement::Reversal {
                        of: committed,
                        expense: index,
                    },
                });
                e.reversed_by = Some(treasurer);
                e.reversed_reason = REVERSED_BEFORE_PAYMENT.to_owned();
                return (State::Reversed, t);
            }
            _ => {}
        }
        t = self.later(rng, t, 20, 200);
        let method = match (e.payee_kind, rng.weighted(&[80, 12, 5, 3])) {
            (_, 0) => Method::BankTransfer,
            (PayeeKind::Organisation, 1) => Method::Card,
            (_, 2) => Method::Cheque,
            (PayeeKind::Individual, _) => Method::Cash,
            _ => Method::BankTransfer,
        };
        e.paid_on = Some(t.date_naive());
        e.method = Some(method);
        e.paid_by = Some(treasurer);
        let paid = self.moves.len();
        self.moves.push(Planned {
            at: t,
            by: Some(treasurer),
            what: Movement::Paid { expense: index },
        });
        if fate == Fate::Paid {
            return (State::Paid, t);
        }
        // The payment is undone first, then the commitment, as the
        // product's treasurer does it.
        t = self.later(rng, t, 48, 600);
        for of in [paid, committed] {
            self.moves.push(Planned {
                at: t,
                by: Some(treasurer),
                what: Movement::Reversal { of, expense: index },
            });
        }
        e.reversed_by = Some(treasurer);
        e.reversed_reason = match e.payee_kind {
            PayeeKind::Organisation => {
                format!("Paid twice: {} refunded the duplicate payment", e.payee)
            }
            PayeeKind::Individual => {
                "Claimed twice: the volunteer paid the duplicate back".to_owned()
            }
        };
        (State::Reversed, t)
    }

    fn approval(
        &mut self,
        rng: &mut Rng,
        index: usize,
        person: i64,
        step: Step,
        at: DateTime<Utc>,
    ) {
        let note = match step {
            Step::FundHolder if rng.chance(0.2) => {
                *rng.pick(&["Receipt checked against the line", "Matches the quote"])
            }
            _ => "",
        };
        // The expense's index for now: `finish` turns it into its id.
        self.out.approvals.push(DemoApproval {
            expense_id: index as i64,
            person_id: person,
            step,
            note,
            at,
        });
    }

    /// The demo resident's BBQ bike: the bike and the first events paid
    /// for, a course approved and waiting to be paid, and the cook's cool
    /// box waiting for the lead to confirm it.
    fn bbq_bike(&mut self, rng: &mut Rng, i: usize) -> std::result::Result<(), String> {
        let p = self.projects[i].p;
        let team = self.projects[i].team.clone();
        let Some(lead) = p.lead_id else {
            return self.ordinary(rng, i, false);
        };
        let titled = |role: ProjectRole, title: &str| {
            team.iter()
                .find(|m| {
                    m.role == role
                        && (title.is_empty() || m.title == title)
                        && !self.fund_people.contains(&m.person_id)
                })
                .map(|m| m.person_id)
        };
        let co_owner = titled(ProjectRole::CoOwner, "");
        let cook = titled(ProjectRole::Member, "cook");
        let (Some(co_owner), Some(cook)) = (co_owner, cook) else {
            return self.ordinary(rng, i, false);
        };
        let keeper = titled(ProjectRole::Member, "treasurer").unwrap_or(cook);
        let mechanic = titled(ProjectRole::Member, "bike mechanic").unwrap_or(cook);
        let today = self.today;
        let ago = |days: i64| today - Duration::days(days);
        let planned_at = (p.created_at + Duration::days(10)).min(self.now);
        let lines = [
            (Category::Equipment, 360_000),
            (Category::Food, 60_000),
            (Category::Insurance, 30_000),
            (Category::Training, 40_000),
        ]
        .map(|(c, pence)| self.line(rng, i, c, pence, planned_at));
        let on = ago(200);
        self.agreement(rng, i, MAIN_FUNDER, on, ago(-215), &[(ago(190), 520_000)])?;
        let [equipment, food, insurance, training] = lines;
        let spends = [
            (
                equipment,
                318_000,
                "Electric cargo bike with a barbecue fitted to the front",
                Some("Brixton Cargo Bikes"),
                lead,
                182,
                Fate::Paid,
            ),
            (
                insurance,
                28_500,
                "Public liability cover for events, first year",
                Some("Community Insurance Partners"),
                keeper,
                176,
                Fate::Paid,
            ),
            (
                equipment,
                9_640,
                "Fire blanket, 2 kg extinguisher and a first aid kit for the bike",
                Some("Acre Lane Hardware"),
                mechanic,
                170,
                Fate::Paid,
            ),
            (
                food,
                16_485,
                "Chicken, corn and bread for the Angell Town fun day",
                Some("Brixton Village Butchers"),
                co_owner,
                140,
                Fate::Paid,
            ),
            (
                equipment,
                3_900,
                "Card reader for the takings",
                Some("Brixton Electronics"),
                keeper,
                120,
                Fate::Paid,
            ),
            (
                food,
                14_230,
                "Plantain, corn and charcoal bought at the market for the Brockwell Park make day",
                None,
                cook,
                95,
                Fate::Paid,
            ),
            (
                equipment,
                21_000,
                "Gazebo for rainy days",
                Some("Acre Lane Hardware"),
                co_owner,
                60,
                Fate::Rejected {
                    by_fund_holder: true,
                },
            ),
            (
                training,
                19_000,
                "Level 2 food hygiene course for two more cooks",
                Some("Lambeth Adult Learning"),
                lead,
                12,
                Fate::Approved,
            ),
            (
                equipment,
                14_999,
                "Lockable cool box big enough for 100 portions",
                Some("Acre Lane Hardware"),
                cook,
                3,
                Fate::Waiting(0),
            ),
            (
                food,
                4_860,
                "Charcoal and lighter fuel for the summer events",
                Some("Brixton Village Butchers"),
                lead,
                1,
                Fate::Draft,
            ),
        ];
        for (line, amount, what, payee, submitter, days, fate) in spends {
            let (payee, payee_kind, description) = match payee {
                Some(org) => (org.to_owned(), PayeeKind::Organisation, what.to_owned()),
                None => (
                    self.name(submitter),
                    PayeeKind::Individual,
                    format!("Reimbursement: {}", lower_first(what)),
                ),
            };
            let buy = Purchase {
                project: i,
                line,
                amount,
                payee,
                payee_kind,
                description,
                spent_on: ago(days),
                submitter,
            };
            self.expense(rng, buy, fate)?;
        }
        if let Some(e) = self
            .out
            .expenses
            .iter_mut()
            .rev()
            .find(|e| e.description.starts_with("Gazebo"))
        {
            e.rejected_reason = "A gazebo is not in the agreed budget: ask the treasurer to add it to the equipment line first, with a reason".to_owned();
        }
        Ok(())
    }

    /// Numbers the expenses and the journal in the order things happened,
    /// and builds every transaction with core's fund-holding functions.
    fn finish(mut self) -> std::result::Result<Money, String> {
        let mut order: Vec<usize> = (0..self.out.expenses.len()).collect();
        order.sort_by_key(|k| (self.out.expenses[*k].created_at, *k));
        for (rank, k) in order.iter().enumerate() {
            self.out.expenses[*k].id = rank as i64 + 1;
        }
        let mut journal: Vec<usize> = (0..self.moves.len()).collect();
        journal.sort_by_key(|k| (self.moves[*k].at, *k));
        let mut number = vec![0i64; self.moves.len()];
        for (rank, k) in journal.iter().enumerate() {
            number[*k] = rank as i64 + 1;
        }
        let titles: HashMap<i64, &'a str> = self
            .projects
            .iter()
            .map(|h| (h.p.id, h.p.title.as_str()))
            .collect();
        let mut built: Vec<Option<Transaction<i64>>> = vec![None; self.moves.len()];
        let mut transactions = Vec::with_capacity(self.moves.len());
        for k in journal {
            let m = self.moves[k];
            let id = number[k];
            let accounts = |holder: usize, project_id: i64| Accounts {
                bank: self.holder_accounts[holder].0,
                fee_income: self.holder_accounts[holder].1,
                payables: self.holder_accounts[holder].2,
                budget: self.budget_accounts.get(&project_id).copied().unwrap_or(0),
            };
            let (holder, t, description) = match m.what {
                Movement::Grant { receipt, holder } => {
                    let r = &mut self.out.receipts[receipt];
                    r.transaction_id = id;
                    let a = &self.out.agreements[r.agreement_id as usize - 1];
                    let policy = self.holders[holder].fee;
                    let t = funding::grant_received(
                        &accounts(holder, a.project_id),
                        Pence::new(r.amount),
                        policy,
                    )
                    .map_err(|e| e.message)?;
                    let about = format!(
                        "Grant from {} for {}",
                        a.funder,
                        titles.get(&a.project_id).copied().unwrap_or("")
                    );
                    (holder, t, about)
                }
                Movement::Approved { expense } | Movement::Paid { expense } => {
                    let holder = self.expense_holders[expense];
                    let e = &mut self.out.expenses[expense];
                    let a = accounts(holder, e.project_id);
                    let what = format!(
                        "for {}: {}, {}",
                        titles.get(&e.project_id).copied().unwrap_or(""),
                        e.category.label(),
                        e.payee_kind.public_name(&e.payee)
                    );
                    if let Movement::Approved { .. } = m.what {
                        e.committed_transaction_id = Some(id);
                        let t = funding::expense_approved(&a, Pence::new(e.amount))
                            .map_err(|e| e.message)?;
                        (holder, t, format!("Expense {} approved {what}", e.id))
                    } else {
                        e.paid_transaction_id = Some(id);
                        e.reference = reference(self.holders[holder].name, e);
                        let t = funding::expense_paid(&a, Pence::new(e.amount))
                            .map_err(|e| e.message)?;
                        (holder, t, format!("Payment of expense {} {what}", e.id))
                    }
                }
                Movement::Reversal { of, expense } => {
                    let holder = self.expense_holders[expense];
                    let e = &self.out.expenses[expense];
                    let original = built[of]
                        .as_ref()
                        .ok_or("a reversal came before what it reverses")?;
                    let t = original.reversal(number[of]);
                    let about = format!(
                        "Reversal of transaction {}: expense {} reversed: {}",
                        number[of], e.id, e.reversed_reason
                    );
                    (holder, t, about)
                }
            };
            transactions.push(DemoTransaction {
                id,
                holder: self.holders[holder].id,
                happened_on: m.at.date_naive(),
                description,
                recorded_by: m.by,
                recorded_at: m.at,
                t: t.clone(),
            });
            built[k] = Some(t);
        }
        let expense_ids: Vec<i64> = self.out.expenses.iter().map(|e| e.id).collect();
        for a in &mut self.out.approvals {
            a.expense_id = expense_ids[a.expense_id as usize];
        }
        self.out.approvals.sort_by_key(|a| (a.expense_id, a.at));
        self.out.expenses.sort_by_key(|e| e.id);
        self.out.transactions = transactions;
        self.out.holders = self.holders;
        Ok(self.out)
    }
}

/// The bank's or the treasurer's reference for a payment.
fn reference(holder: &str, e: &DemoExpense) -> String {
    let initials: String = holder
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_ascii_uppercase())
        .collect();
    match e.method {
        Some(Method::BankTransfer) => format!("{initials}-EXP-{:06}", e.id),
        Some(Method::Cheque) => format!("Cheque {}", 100_000 + e.id % 900_000),
        Some(Method::Card) => format!("Card ending {:04}", 1_000 + (e.project_id * 37) % 9_000),
        Some(Method::Cash) => format!("Petty cash voucher {}", e.id),
        None => String::new(),
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

const PROJECT_REFUSALS: [&str; 3] = [
    "We agreed at the team meeting not to buy this until the next grant arrives",
    "This is already covered by the donation from the market traders",
    "Bought for the wrong session: put it on the right project and submit it again",
];

const FUND_HOLDER_REFUSALS: [&str; 5] = [
    "No receipt attached: photograph the receipt and submit it again",
    "Alcohol cannot be paid for from this grant",
    "This looks like a personal purchase, not the project's: say how the project uses it",
    "Split in two to stay under the approval threshold: submit it as one expense",
    "Already claimed on an earlier expense: this would pay it twice",
];

const REVERSED_BEFORE_PAYMENT: &str =
    "Submitted twice: the duplicate was approved by mistake and reversed before it was paid";

/// A kind of budget line: how often projects have one, its share of a
/// budget, what it is called, and what is bought on it, from whom, for how
/// much (pence) and how often by a volunteer who claims it back.
struct LineKind {
    category: Category,
    chance: f64,
    weight: u32,
    descriptions: &'static [&'static str],
    purchases: &'static [&'static str],
    payees: &'static [&'static str],
    low: i64,
    high: i64,
    individual: f64,
}

const LINES: [LineKind; 12] = [
    LineKind {
        category: Category::Equipment,
        chance: 0.6,
        weight: 50,
        descriptions: &[
            "Tools and kit the project keeps",
            "Equipment for the sessions",
        ],
        purchases: &[
            "Cordless drill and spare batteries",
            "Folding tables for the sessions",
            "Gazebo for outdoor events",
            "Tea urn",
            "Portable PA speaker",
            "Footballs, bibs and cones",
            "Sewing machine",
            "Hose and water butt",
            "Lockable tool store",
        ],
        payees: &[
            "Acre Lane Hardware",
            "Brixton Tool Hire",
            "Stockwell Bikes",
            "Norwood Electrical",
            "Kennington Office Supplies",
        ],
        low: 4_000,
        high: 60_000,
        individual: 0.05,
    },
    LineKind {
        category: Category::Materials,
        chance: 0.8,
        weight: 40,
        descriptions: &[
            "Materials used up in the sessions",
            "Timber, compost, paint and the like",
        ],
        purchases: &[
            "Compost and seeds",
            "Timber for raised beds",
            "Paint, brushes and rollers",
            "Screws, fixings and sandpaper",
            "Fabric and thread",
            "Bin bags, gloves and litter grabbers",
            "Bulbs and plants",
            "Paper, pens and flip chart pads",
        ],
        payees: &[
            "Brixton Timber Supplies",
            "Herne Hill Garden Centre",
            "Acre Lane Hardware",
            "Stockwell Builders' Merchants",
            "Loughborough Junction Paint Co",
        ],
        low: 800,
        high: 18_000,
        individual: 0.15,
    },
    LineKind {
        category: Category::Venue,
        chance: 0.4,
        weight: 30,
        descriptions: &[
            "Room hire for sessions and meetings",
            "Hall hire for the events",
        ],
        purchases: &[
            "Hall hire for the monthly session",
            "Room hire for the planning meeting",
            "Hall hire for the open day",
            "Kitchen hire for the cook-along",
        ],
        payees: &[
            "Brixton Recreation Centre",
            "Stockwell Community Centre",
            "St Matthew's Church Hall",
            "Kennington Park Lodge",
            "Norwood Hall",
        ],
        low: 3_000,
        high: 25_000,
        individual: 0.0,
    },
    LineKind {
        category: Category::Food,
        chance: 0.6,
        weight: 30,
        descriptions: &["Refreshments at sessions", "Food for events and volunteers"],
        purchases: &[
            "Tea, coffee and biscuits for the session",
            "Shopping for the community lunch",
            "Fruit and sandwiches for the volunteers",
            "Ingredients for the cook-along",
            "Drinks and snacks for the open day",
        ],
        payees: &[
            "Brixton Village Greengrocers",
            "Stockwell Cash & Carry",
            "Norwood Bakery",
            "Coldharbour Lane Butchers",
            "Tulse Hill Caribbean Foods",
        ],
        low: 1_000,
        high: 15_000,
        individual: 0.3,
    },
    LineKind {
        category: Category::Insurance,
        chance: 0.45,
        weight: 10,
        descriptions: &["Public liability insurance for the project's activities"],
        purchases: &[
            "Public liability insurance for the year",
            "Insurance for the equipment",
        ],
        payees: &[
            "Community Insurance Partners",
            "Voluntary Sector Insurance Ltd",
        ],
        low: 12_000,
        high: 45_000,
        individual: 0.0,
    },
    LineKind {
        category: Category::Training,
        chance: 0.3,
        weight: 15,
        descriptions: &["Training for volunteers: first aid, food hygiene, coaching"],
        purchases: &[
            "First aid course for two volunteers",
            "Level 2 food hygiene course",
            "Safeguarding training",
            "Coaching badge course",
        ],
        payees: &[
            "Lambeth Adult Learning",
            "South London First Aid Training",
            "Food Safety Training Centre",
            "Brixton Coaching Academy",
        ],
        low: 6_000,
        high: 40_000,
        individual: 0.0,
    },
    LineKind {
        category: Category::Publicity,
        chance: 0.6,
        weight: 10,
        descriptions: &["Leaflets, posters and banners"],
        purchases: &[
            "Leaflets for the estate",
            "Posters and a banner for the open day",
            "Printing the newsletter",
            "Social media adverts for the launch",
        ],
        payees: &[
            "Norwood Print & Copy",
            "Brixton Signs",
            "Lambeth Community Print",
            "Acre Lane Printers",
        ],
        low: 1_500,
        high: 20_000,
        individual: 0.05,
    },
    LineKind {
        category: Category::Travel,
        chance: 0.25,
        weight: 6,
        descriptions: &["Travel for volunteers and participants"],
        purchases: &[
            "Bus fares for volunteers",
            "Minibus hire for the trip",
            "Taxi home for a volunteer after a late session",
            "Travel to collect donated kit",
        ],
        payees: &["Lambeth Minibus Hire", "South London Community Transport"],
        low: 300,
        high: 4_000,
        individual: 0.85,
    },
    LineKind {
        category: Category::VolunteerExpenses,
        chance: 0.6,
        weight: 15,
        descriptions: &["Volunteers' out-of-pocket expenses"],
        purchases: &[
            "Out-of-pocket costs for the session",
            "Phone top-up for the volunteers' group",
            "Mileage collecting supplies",
            "Lunch for volunteers on the all-day session",
        ],
        payees: &["Stockwell Cash & Carry"],
        low: 400,
        high: 6_000,
        individual: 0.95,
    },
    LineKind {
        category: Category::Fees,
        chance: 0.15,
        weight: 20,
        descriptions: &["Professional fees: DBS checks, sessional workers, design"],
        purchases: &[
            "DBS checks for the session leaders",
            "Sessional worker for the youth session",
            "Design of the leaflet and logo",
            "Independent check of the accounts",
        ],
        payees: &[
            "Lambeth Safeguarding Checks",
            "Brixton Youth Work Co-op",
            "Streatham Design Studio",
            "Brixton Accountants Co-op",
        ],
        low: 10_000,
        high: 80_000,
        individual: 0.0,
    },
    LineKind {
        category: Category::Childcare,
        chance: 0.1,
        weight: 15,
        descriptions: &["Crèche so that parents can take part"],
        purchases: &[
            "Crèche for the evening meeting",
            "Playworker for the family session",
        ],
        payees: &["Little Acorns Crèche", "Brixton Playworkers Co-op"],
        low: 4_000,
        high: 20_000,
        individual: 0.0,
    },
    LineKind {
        category: Category::Other,
        chance: 0.15,
        weight: 8,
        descriptions: &["Small costs that fit nowhere else"],
        purchases: &[
            "Postage for the survey",
            "Keys cut for the store",
            "Replacement padlocks",
            "Raffle prizes for the open day",
        ],
        payees: &["Brixton Post Office", "Acre Lane Hardware"],
        low: 500,
        high: 10_000,
        individual: 0.3,
    },
];

pub async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    m: &Money,
    progress: &dyn Progress,
) -> Result<u64> {
    let mut n = 0;
    let date = |d: NaiveDate| Value::from(time::encode_date(d));
    let at = |t: DateTime<Utc>| Value::from(time::encode(t));
    let fee = |h: &DemoHolder| -> [Value; 5] {
        match h.fee {
            FeePolicy::Percent {
                basis_points,
                minimum,
                cap,
            } => [
                Value::from("percent"),
                Value::from(i64::from(basis_points)),
                Value::from(minimum.map(Pence::get)),
                Value::from(cap.map(Pence::get)),
                Value::from(None::<i64>),
            ],
            FeePolicy::Fixed { amount } => [
                Value::from("fixed"),
                Value::from(0),
                Value::from(None::<i64>),
                Value::from(None::<i64>),
                Value::from(Some(amount.get())),
            ],
        }
    };
    let policy = |h: &DemoHolder| -> Vec<Value> {
        let mut row: Vec<Value> = fee(h).into();
        row.extend([
            Value::from(i64::from(h.rules.approvals_required)),
            Value::from(h.rules.threshold.get()),
            Value::from(i64::from(h.rules.approvals_above_threshold)),
            Value::from(h.rules.receipt_threshold.get()),
            Value::from(h.charity_number),
            Value::from(h.company_number),
        ]);
        row
    };
    const POLICY: [&str; 11] = [
        "fee_kind",
        "fee_basis_points",
        "fee_minimum_pence",
        "fee_cap_pence",
        "fee_fixed_pence",
        "approvals_required",
        "approval_threshold_pence",
        "approvals_above_threshold",
        "receipt_threshold_pence",
        "charity_number",
        "company_number",
    ];
    // The register made the trust; here it gets its policy.
    if let Some(trust) = m.holders.iter().find(|h| h.id == FUND_HOLDER_ID) {
        let set: Vec<String> = POLICY
            .iter()
            .enumerate()
            .map(|(k, c)| format!("{c} = ${}", k + 1))
            .collect();
        let sql = format!(
            "UPDATE fund_holders SET {} WHERE id = ${}",
            set.join(", "),
            POLICY.len() + 1
        );
        let mut q = sqlx::query(&sql);
        for v in policy(trust) {
            q = match v {
                Value::Int(v) => q.bind(v),
                Value::Text(v) => q.bind(v),
                Value::MaybeInt(v) => q.bind(v),
                Value::MaybeText(v) => q.bind(v),
                Value::Real(v) => q.bind(v),
                Value::MaybeReal(v) => q.bind(v),
            };
        }
        q.bind(FUND_HOLDER_ID).execute(&mut *conn).await?;
        n += 1;
        progress.advance(1);
    }
    let mut columns = vec!["id", "name", "created_at"];
    columns.extend(POLICY);
    n += batch::insert(
        conn,
        backend,
        "fund_holders",
        &columns,
        m.holders
            .iter()
            .filter(|h| h.id != FUND_HOLDER_ID)
            .map(|h| {
                let mut row = vec![Value::from(h.id), Value::from(h.name), at(h.created_at)];
                row.extend(policy(h));
                row
            }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "fund_holder_members",
        &["fund_holder_id", "person_id", "role", "since"],
        m.members.iter().map(|x| {
            vec![
                Value::from(x.holder),
                Value::from(x.person),
                Value::from(x.role),
                at(x.since),
            ]
        }),
        progress,
    )
    .await?;
    for h in m.holders.iter().filter(|h| h.id != FUND_HOLDER_ID) {
        let ids: Vec<String> = m
            .moved
            .iter()
            .filter(|(_, holder)| *holder == h.id)
            .map(|(p, _)| p.to_string())
            .collect();
        for chunk in ids.chunks(batch::CHUNK) {
            let list = chunk.join(",");
            sqlx::query(&format!(
                "UPDATE projects SET fund_holder_id = $1 WHERE id IN ({list})"
            ))
            .bind(h.id)
            .execute(&mut *conn)
            .await?;
            // The register named the trust as the one that pays.
            sqlx::query(&format!(
                "UPDATE project_liabilities SET holder = $1 WHERE liability = 'financial_probity' AND project_id IN ({list})"
            ))
            .bind(h.name)
            .execute(&mut *conn)
            .await?;
            n += chunk.len() as u64;
            progress.advance(chunk.len() as u64);
        }
    }
    n += batch::insert(
        conn,
        backend,
        "budget_lines",
        &[
            "id",
            "project_id",
            "category",
            "description",
            "planned_pence",
            "created_at",
        ],
        m.lines.iter().map(|l| {
            vec![
                Value::from(l.id),
                Value::from(l.project_id),
                Value::from(l.category.as_str()),
                Value::from(l.description),
                Value::from(l.planned),
                at(l.created_at),
            ]
        }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "budget_changes",
        &[
            "id",
            "line_id",
            "from_pence",
            "to_pence",
            "reason",
            "changed_by",
            "changed_at",
        ],
        m.changes.iter().enumerate().map(|(k, c)| {
            vec![
                Value::from(k as i64 + 1),
                Value::from(c.line_id),
                Value::from(c.from),
                Value::from(c.to),
                Value::from(c.reason.as_str()),
                Value::from(c.by),
                at(c.at),
            ]
        }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "funding_agreements",
        &[
            "id",
            "project_id",
            "fund_holder_id",
            "funder",
            "amount_pence",
            "starts_on",
            "ends_on",
            "conditions",
            "created_by",
            "created_at",
        ],
        m.agreements.iter().map(|a| {
            vec![
                Value::from(a.id),
                Value::from(a.project_id),
                Value::from(a.holder),
                Value::from(a.funder),
                Value::from(a.amount),
                date(a.starts_on),
                Value::from(a.ends_on.map(time::encode_date)),
                Value::from(a.conditions),
                Value::from(a.by),
                at(a.at),
            ]
        }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "ledger_accounts",
        &[
            "id",
            "fund_holder_id",
            "kind",
            "project_id",
            "name",
            "created_at",
        ],
        m.accounts.iter().map(|a| {
            vec![
                Value::from(a.id),
                Value::from(a.holder),
                Value::from(a.kind.as_str()),
                Value::from(a.project_id),
                Value::from(a.name.as_str()),
                at(a.created_at),
            ]
        }),
        progress,
    )
    .await?;
    // Postings before the rows that close their transactions: the rows'
    // trigger checks each balances, and refuses postings that come later.
    // On PostgreSQL the balances are added up once, after the last posting:
    // the trigger that keeps them would update the same few hundred account
    // rows once per batch, and every update of a row already updated in this
    // transaction costs more than the last. The setting (see migration 0018)
    // lasts only as long as this transaction.
    if backend == Backend::Postgres {
        sqlx::query("SELECT set_config('coproduce.balances_added_later', 'on', true)")
            .execute(&mut *conn)
            .await?;
    }
    n += batch::insert(
        conn,
        backend,
        "ledger_postings",
        &["id", "transaction_id", "account_id", "amount_pence"],
        m.transactions
            .iter()
            .flat_map(|t| t.t.postings().iter().map(move |p| (t.id, p)))
            .enumerate()
            .map(|(k, (t, p))| {
                vec![
                    Value::from(k as i64 + 1),
                    Value::from(t),
                    Value::from(p.account),
                    Value::from(p.amount.get()),
                ]
            }),
        progress,
    )
    .await?;
    if backend == Backend::Postgres {
        // The tables were emptied first, so every posting is the demo's.
        sqlx::query(
            "UPDATE ledger_accounts a SET balance_pence = s.total
             FROM (SELECT account_id, CAST(SUM(amount_pence) AS BIGINT) AS total
                   FROM ledger_postings GROUP BY account_id) s
             WHERE a.id = s.account_id",
        )
        .execute(&mut *conn)
        .await?;
        sqlx::query("SELECT set_config('coproduce.balances_added_later', 'off', true)")
            .execute(&mut *conn)
            .await?;
    }
    n += batch::insert(
        conn,
        backend,
        "ledger_transactions",
        &[
            "id",
            "fund_holder_id",
            "happened_on",
            "description",
            "reverses",
            "recorded_by",
            "recorded_at",
        ],
        m.transactions.iter().map(|t| {
            vec![
                Value::from(t.id),
                Value::from(t.holder),
                date(t.happened_on),
                Value::from(t.description.as_str()),
                Value::from(t.t.reverses()),
                Value::from(t.recorded_by),
                at(t.recorded_at),
            ]
        }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "grant_receipts",
        &[
            "id",
            "agreement_id",
            "transaction_id",
            "amount_pence",
            "fee_pence",
            "received_on",
            "reference",
        ],
        m.receipts.iter().map(|r| {
            vec![
                Value::from(r.id),
                Value::from(r.agreement_id),
                Value::from(r.transaction_id),
                Value::from(r.amount),
                Value::from(r.fee),
                date(r.received_on),
                Value::from(r.reference.as_str()),
            ]
        }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "expenses",
        &[
            "id",
            "project_id",
            "line_id",
            "submitted_by",
            "amount_pence",
            "payee",
            "payee_kind",
            "description",
            "spent_on",
            "state",
            "submitted_at",
            "rejected_reason",
            "rejected_by",
            "committed_transaction_id",
            "paid_transaction_id",
            "paid_on",
            "payment_method",
            "payment_reference",
            "paid_by",
            "reversed_reason",
            "reversed_by",
            "created_at",
            "updated_at",
        ],
        m.expenses.iter().map(|e| {
            vec![
                Value::from(e.id),
                Value::from(e.project_id),
                Value::from(e.line_id),
                Value::from(e.submitted_by),
                Value::from(e.amount),
                Value::from(e.payee.as_str()),
                Value::from(e.payee_kind.as_str()),
                Value::from(e.description.as_str()),
                date(e.spent_on),
                Value::from(e.state.as_str()),
                Value::from(e.submitted_at.map(time::encode)),
                Value::from(e.rejected_reason.as_str()),
                Value::from(e.rejected_by),
                Value::from(e.committed_transaction_id),
                Value::from(e.paid_transaction_id),
                Value::from(e.paid_on.map(time::encode_date)),
                Value::from(e.method.map(|x| x.as_str().to_owned())),
                Value::from(e.reference.as_str()),
                Value::from(e.paid_by),
                Value::from(e.reversed_reason.as_str()),
                Value::from(e.reversed_by),
                at(e.created_at),
                at(e.updated_at),
            ]
        }),
        progress,
    )
    .await?;
    n += batch::insert(
        conn,
        backend,
        "expense_approvals",
        &["expense_id", "person_id", "step", "note", "approved_at"],
        m.approvals.iter().map(|a| {
            vec![
                Value::from(a.expense_id),
                Value::from(a.person_id),
                Value::from(a.step.as_str()),
                Value::from(a.note),
                at(a.at),
            ]
        }),
        progress,
    )
    .await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
    }

    fn money(scale: Scale, seed: u64) -> Money {
        super::super::plan(scale, seed, now()).money.unwrap()
    }

    /// Committed and spent over planned, for the named showcase project.
    fn used(m: &Money, project_id: i64) -> f64 {
        let planned: i64 = m
            .lines
            .iter()
            .filter(|l| l.project_id == project_id)
            .map(|l| l.planned)
            .sum();
        let used: i64 = m
            .expenses
            .iter()
            .filter(|e| e.project_id == project_id)
            .filter(|e| matches!(e.state, State::Approved | State::Paid))
            .map(|e| e.amount)
            .sum();
        used as f64 / planned.max(1) as f64
    }

    #[test]
    fn every_small_demo_tells_the_whole_story() {
        for seed in 0..8 {
            let p = super::super::plan(Scale::Small, seed, now());
            let m = p.money.unwrap();
            for state in State::ALL {
                assert!(
                    m.expenses.iter().any(|e| e.state == state),
                    "seed {seed}: no {state:?}"
                );
            }
            assert!(
                m.expenses
                    .iter()
                    .any(|e| e.state == State::Reversed && e.paid_transaction_id.is_some()),
                "seed {seed}: no reversed payment"
            );
            let held: HashSet<i64> = m
                .receipts
                .iter()
                .map(|r| m.agreements[r.agreement_id as usize - 1].project_id)
                .collect();
            assert!(held.len() >= 12, "seed {seed}: {} held", held.len());
            let clean_ups = p.projects.iter().find(|x| x.title == CLEAN_UPS).unwrap();
            let share = used(&m, clean_ups.id);
            assert!((0.95..=1.0).contains(&share), "seed {seed}: {share}");
            for a in &m.approvals {
                let e = &m.expenses[a.expense_id as usize - 1];
                assert_eq!(e.id, a.expense_id);
                assert_ne!(a.person_id, e.submitted_by, "seed {seed}");
            }
            let signing_in: Vec<&str> = p
                .people
                .iter()
                .filter(|x| x.signs_in)
                .map(|x| x.email.as_str())
                .collect();
            assert!(signing_in.contains(&TREASURER_EMAIL), "seed {seed}");
            assert!(signing_in.contains(&APPROVER_EMAIL), "seed {seed}");
        }
    }

    #[test]
    fn a_borough_ledger_holds_about_300_000_postings() {
        let m = money(Scale::Borough, 2026);
        let postings = m.postings();
        assert!(
            (270_000..=330_000).contains(&postings),
            "{postings} postings"
        );
        assert_eq!(m.holders.len(), 3);
        // Most projects in planning, delivery and completion have a fund
        // holder; the trust holds most of them, the others some.
        for h in &m.holders {
            let holds = m.agreements.iter().filter(|a| a.holder == h.id).count();
            assert!(holds > 50, "{} holds {holds}", h.name);
        }
        let ids: Vec<i64> = m.transactions.iter().map(|t| t.id).collect();
        assert!(ids.windows(2).all(|w| w[1] == w[0] + 1));
        assert!(m
            .transactions
            .windows(2)
            .all(|w| w[0].recorded_at <= w[1].recorded_at));
    }
}
