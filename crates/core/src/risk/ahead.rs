//! Thinking ahead: from the planned start and each check's lead time, when
//! each check is due and when work on it must start, and whether the
//! project can still make its start date.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use super::catalogue::{Catalogue, Required};
use super::checks::{Record, State};
use super::Facts;
use crate::projects::Stage;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// Met, and still valid on the planned start.
    Done,
    /// No planned start, so no dates yet.
    Undated,
    OnTrack,
    /// The day to start has come: begin now to be ready in time.
    StartNow,
    /// Too late to be ready by the planned start.
    Late,
    /// The planned start has passed and it is still not met.
    Overdue,
}

impl Timing {
    pub fn label(self) -> &'static str {
        match self {
            Timing::Done => "Done",
            Timing::Undated => "No start date yet",
            Timing::OnTrack => "On track",
            Timing::StartNow => "Start now",
            Timing::Late => "Too late for the start date",
            Timing::Overdue => "Overdue: the project has started",
        }
    }
}

/// One required check, with its state and its dates.
#[derive(Debug, Clone)]
pub struct Item<'c> {
    pub required: Required<'c>,
    pub state: State,
    pub record: Option<Record>,
    pub due_by: Option<NaiveDate>,
    pub start_by: Option<NaiveDate>,
    pub timing: Timing,
}

impl Item<'_> {
    pub fn key(&self) -> &str {
        &self.required.check.key
    }

    /// Whether it keeps the project out of `stage`. A check that blocks
    /// planning keeps a project out of delivery too, so that a paused
    /// project cannot skip past it.
    pub fn blocks(&self, stage: Stage) -> bool {
        !self.state.is_met()
            && match stage {
                Stage::Planning => self.required.check.blocks == Stage::Planning,
                Stage::Delivery => {
                    matches!(
                        self.required.check.blocks,
                        Stage::Planning | Stage::Delivery
                    )
                }
                _ => false,
            }
    }
}

/// Every check a project needs, in the order they fall due.
#[derive(Debug, Clone)]
pub struct Readiness<'c> {
    pub items: Vec<Item<'c>>,
    pub starts_on: Option<NaiveDate>,
    /// Why the project cannot make its start date, if it cannot.
    pub at_risk: Vec<String>,
}

impl Readiness<'_> {
    pub fn met(&self) -> usize {
        self.items.iter().filter(|i| i.state.is_met()).count()
    }

    pub fn blocking(&self, stage: Stage) -> impl Iterator<Item = &Item<'_>> {
        self.items.iter().filter(move |i| i.blocks(stage))
    }

    pub fn is_at_risk(&self) -> bool {
        !self.at_risk.is_empty()
    }

    /// Checks whose expiry is within the notice period or past.
    pub fn expiring(&self) -> impl Iterator<Item = &Item<'_>> {
        self.items
            .iter()
            .filter(|i| matches!(i.state, State::Expiring | State::Expired))
    }
}

pub fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// Reads every required check against what is recorded, on `today`.
pub fn assess<'c>(
    catalogue: &'c Catalogue,
    facts: &Facts,
    records: &HashMap<String, Record>,
    today: NaiveDate,
) -> Readiness<'c> {
    let start = facts.starts_on;
    // Only a start still ahead can be missed; once under way, what matters is
    // the gate and the expiries.
    let ahead = start.filter(|s| *s >= today);
    let mut at_risk = Vec::new();
    let mut items: Vec<Item<'c>> = catalogue
        .required(facts)
        .into_iter()
        .map(|required| {
            let record = records.get(&required.check.key).cloned();
            let state = record
                .as_ref()
                .map(|r| r.state(today))
                .unwrap_or(State::Missing);
            let due_by = start.map(|s| required.check.lead.due_by(s));
            let start_by = due_by.map(|d| d - Days::new(u64::from(required.check.takes_days)));
            let lapses_first = record
                .as_ref()
                .and_then(|r| r.valid_until)
                .zip(start)
                .is_some_and(|(until, s)| state != State::Waived && until <= s);
            let timing = match (state.is_met(), due_by, start_by) {
                (true, _, _) if !lapses_first => Timing::Done,
                (_, None, _) | (_, _, None) => Timing::Undated,
                _ if start.is_some_and(|s| s < today) => Timing::Overdue,
                (_, Some(due), _) if due < today => Timing::Late,
                (_, Some(due), Some(_))
                    if state == State::Missing
                        && today + Days::new(u64::from(required.check.takes_days)) > due =>
                {
                    Timing::Late
                }
                (_, _, Some(begin)) if begin <= today => Timing::StartNow,
                _ => Timing::OnTrack,
            };
            if let (Some(s), Timing::Late) = (ahead, timing) {
                let title = required.title();
                at_risk.push(if lapses_first {
                    format!(
                        "{title} runs out before the start on {}: renew it",
                        long_date(s)
                    )
                } else if due_by.is_some_and(|d| d < today) {
                    format!(
                        "{title} had to be done by {} ({}), so the start on {} can no longer be met",
                        long_date(due_by.unwrap_or(s)),
                        required.check.lead.describe(),
                        long_date(s)
                    )
                } else {
                    format!(
                        "{title} takes about {} days and is due by {}: it can no longer be ready in time for the start on {}",
                        required.check.takes_days,
                        long_date(due_by.unwrap_or(s)),
                        long_date(s)
                    )
                });
            } else if lapses_first && ahead.is_some() {
                at_risk.push(format!(
                    "{} runs out before the start on {}: renew it",
                    required.title(),
                    long_date(start.unwrap_or(today))
                ));
            }
            Item {
                required,
                state,
                record,
                due_by,
                start_by,
                timing,
            }
        })
        .collect();
    items.sort_by_key(|i| (i.state.is_met(), i.due_by));
    Readiness {
        items,
        starts_on: start,
        at_risk,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projects::details::Activity;
    use crate::risk::catalogue::{CheckDef, Evidence, Lead, Rule, Verifier, When};
    use crate::risk::fixtures::facts;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn catalogue() -> Catalogue {
        let check = |key: &str, lead: Lead, takes: u32| CheckDef {
            key: key.into(),
            title: key.into(),
            guidance: "g".into(),
            evidence: Evidence::Certificate,
            verifier: Verifier::Officer,
            valid_days: None,
            lead,
            takes_days: takes,
            blocks: Stage::Delivery,
            scale: None,
        };
        Catalogue {
            version: 1,
            title: "t".into(),
            rules: vec![Rule {
                id: "food".into(),
                title: "Food".into(),
                why: "w".into(),
                source: "s".into(),
                source_url: None,
                when: When {
                    any_activity: vec![Activity::Food],
                    ..When::default()
                },
                checks: vec![
                    check("registration", Lead::Days(28), 0),
                    check("hygiene", Lead::Days(7), 14),
                ],
            }],
        }
    }

    #[test]
    fn dates_come_from_the_start_and_the_lead_time() {
        let c = catalogue();
        let f = facts(&[Activity::Food]); // starts 1 May 2027
        let r = assess(&c, &f, &HashMap::new(), d("2027-01-10"));
        let reg = r.items.iter().find(|i| i.key() == "registration").unwrap();
        assert_eq!(reg.due_by, Some(d("2027-04-03")));
        let hyg = r.items.iter().find(|i| i.key() == "hygiene").unwrap();
        assert_eq!(hyg.due_by, Some(d("2027-04-24")));
        assert_eq!(hyg.start_by, Some(d("2027-04-10")));
        assert!(!r.is_at_risk());
        assert_eq!(hyg.timing, Timing::OnTrack);
    }

    #[test]
    fn a_start_that_can_no_longer_be_met_is_at_risk_with_the_reason() {
        let c = catalogue();
        let f = facts(&[Activity::Food]);
        let r = assess(&c, &f, &HashMap::new(), d("2027-04-15"));
        assert!(r.is_at_risk());
        assert!(r.at_risk[0].contains("registration had to be done by 3 April 2027"));
        assert!(r.at_risk[0].contains("28 days before the start"));
        // Hygiene training is due on 24 April but takes about 14 days.
        assert!(r.at_risk[1].contains("takes about 14 days"));
        let r = assess(&c, &f, &HashMap::new(), d("2027-04-12"));
        let hyg = r.items.iter().find(|i| i.key() == "hygiene").unwrap();
        assert_eq!(hyg.timing, Timing::Late);
    }

    #[test]
    fn a_met_check_is_done_unless_it_lapses_before_the_start() {
        let c = catalogue();
        let f = facts(&[Activity::Food]);
        let mut records = HashMap::new();
        records.insert(
            "registration".to_owned(),
            Record {
                submitted_by: Some(1),
                verified_by: Some(2),
                valid_until: Some(d("2027-04-20")),
                ..Record::default()
            },
        );
        let r = assess(&c, &f, &records, d("2027-01-10"));
        let reg = r.items.iter().find(|i| i.key() == "registration").unwrap();
        assert_eq!(reg.state, State::Verified);
        assert!(r
            .at_risk
            .iter()
            .any(|m| m.contains("runs out before the start")));
    }

    #[test]
    fn once_the_start_has_passed_what_is_missing_is_overdue_not_at_risk() {
        let c = catalogue();
        let f = facts(&[Activity::Food]);
        let r = assess(&c, &f, &HashMap::new(), d("2027-05-10"));
        assert!(r.items.iter().all(|i| i.timing == Timing::Overdue));
        assert!(
            !r.is_at_risk(),
            "the start can no longer be missed: it has happened"
        );
    }

    #[test]
    fn nothing_is_dated_without_a_start() {
        let c = catalogue();
        let mut f = facts(&[Activity::Food]);
        f.starts_on = None;
        let r = assess(&c, &f, &HashMap::new(), d("2027-01-10"));
        assert!(r.items.iter().all(|i| i.timing == Timing::Undated));
        assert!(!r.is_at_risk());
    }
}
