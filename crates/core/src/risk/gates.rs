//! The stage gate: a project does not go into delivery (or any stage a rule
//! names) while a check that blocks it is unmet or its liabilities have
//! gaps. Plugs into the lifecycle as a `Condition`.

use super::ahead::{long_date, Readiness};
use super::checks::State;
use super::liability::Gap;
use crate::lifecycle::{Condition, Move};
use crate::projects::Stage;
use crate::Invalid;

pub struct Gate<'a, 'c> {
    pub readiness: &'a Readiness<'c>,
    pub gaps: &'a [Gap],
}

impl Condition for Gate<'_, '_> {
    fn missing(&self, mv: &Move<'_>) -> Vec<Invalid> {
        let mut missing: Vec<Invalid> = self
            .readiness
            .blocking(mv.to)
            .map(|item| {
                let title = item.required.title();
                let what = match item.state {
                    State::Submitted => format!(
                        "{title}: the evidence is waiting to be verified by {}",
                        item.required.check.verifier.label().to_lowercase()
                    ),
                    State::Expired => {
                        format!("{title}: the evidence has expired, submit new evidence")
                    }
                    _ => format!("{title}: not done yet"),
                };
                let when = match item.due_by {
                    Some(d) => format!(" (due by {})", long_date(d)),
                    None => String::new(),
                };
                Invalid::new("checks", format!("{what}{when}"))
            })
            .collect();
        if mv.to == Stage::Delivery {
            missing.extend(
                self.gaps
                    .iter()
                    .map(|g| Invalid::new("liability", g.message())),
            );
        }
        missing
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use chrono::NaiveDate;

    use super::*;
    use crate::lifecycle;
    use crate::people::Role;
    use crate::policy::Actor;
    use crate::projects::details::Activity;
    use crate::risk::ahead::assess;
    use crate::risk::catalogue::Catalogue;
    use crate::risk::checks::Record;
    use crate::risk::fixtures::facts;
    use crate::risk::liability::{gaps, Holding, Liability, Party};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn into_delivery() -> Move<'static> {
        Move {
            project: 7,
            from: Stage::Planning,
            to: Stage::Delivery,
            reason: "",
        }
    }

    fn covered(liability: Liability) -> Holding {
        Holding {
            liability,
            party: Some(Party::DeliveryGroup),
            holder: "Friends of the Park".into(),
            evidence: "Policy 123".into(),
            document_id: None,
            not_applicable: String::new(),
        }
    }

    #[test]
    fn delivery_is_refused_with_the_exact_missing_checks_then_allowed() {
        let catalogue = Catalogue::shipped().unwrap();
        let f = facts(&[Activity::Food]);
        let officer = Actor::person(9, Role::Officer);
        let today = d("2027-01-10");
        let holdings: Vec<Holding> = Liability::relevant(&f).into_iter().map(covered).collect();
        let no_gaps = gaps(&f, &holdings);
        assert!(no_gaps.is_empty());

        let mut records = HashMap::new();
        let readiness = assess(&catalogue, &f, &records, today);
        let expected: Vec<String> = readiness
            .items
            .iter()
            .filter(|i| i.blocks(Stage::Delivery))
            .map(|i| i.key().to_owned())
            .collect();
        assert!(
            expected.len() >= 4,
            "food asks for several checks: {expected:?}"
        );
        let gate = Gate {
            readiness: &readiness,
            gaps: &no_gaps,
        };
        let refused = lifecycle::check(&officer, &into_delivery(), &[&gate]).unwrap_err();
        assert_eq!(refused.len(), expected.len());
        for (message, key) in refused.iter().zip(&expected) {
            let title = catalogue.check(key).unwrap().1.title.clone();
            assert!(message.message.starts_with(&title), "{message} for {key}");
            assert!(message.message.contains("due by"), "{message}");
        }

        // Verify all but one, waive the last: then it goes.
        for (i, key) in expected.iter().enumerate() {
            let record = if i + 1 == expected.len() {
                Record {
                    waived_by: Some(9),
                    waived_reason: "The venue's own registration covers this".into(),
                    ..Record::default()
                }
            } else {
                Record {
                    submitted_by: Some(3),
                    verified_by: Some(9),
                    ..Record::default()
                }
            };
            records.insert(key.clone(), record);
        }
        let readiness = assess(&catalogue, &f, &records, today);
        let gate = Gate {
            readiness: &readiness,
            gaps: &no_gaps,
        };
        assert!(lifecycle::check(&officer, &into_delivery(), &[&gate]).is_ok());
    }

    #[test]
    fn a_submitted_check_still_blocks_and_says_who_must_verify() {
        let catalogue = Catalogue::shipped().unwrap();
        let f = facts(&[Activity::Food]);
        let mut records = HashMap::new();
        let key = catalogue
            .required(&f)
            .into_iter()
            .find(|r| r.check.evidence != crate::risk::catalogue::Evidence::SiteVisit)
            .unwrap()
            .check
            .key
            .clone();
        records.insert(
            key.clone(),
            Record {
                submitted_by: Some(3),
                ..Record::default()
            },
        );
        let readiness = assess(&catalogue, &f, &records, d("2027-01-10"));
        let gate = Gate {
            readiness: &readiness,
            gaps: &[],
        };
        let missing = gate.missing(&into_delivery());
        assert!(missing
            .iter()
            .any(|m| m.message.contains("waiting to be verified")));
    }

    #[test]
    fn a_liability_gap_blocks_delivery_but_not_planning() {
        let catalogue = Catalogue::shipped().unwrap();
        let f = facts(&[Activity::OnlineOnly]);
        let readiness = assess(&catalogue, &f, &HashMap::new(), d("2027-01-10"));
        let g = gaps(&f, &[]);
        assert_eq!(g.len(), 1);
        let gate = Gate {
            readiness: &readiness,
            gaps: &g,
        };
        let officer = Actor::person(9, Role::Officer);
        let refused = lifecycle::check(&officer, &into_delivery(), &[&gate]).unwrap_err();
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].field, "liability");
        assert!(refused[0].message.contains("financial probity"));
        let to_planning = Move {
            project: 7,
            from: Stage::Selected,
            to: Stage::Planning,
            reason: "",
        };
        assert!(lifecycle::check(&officer, &to_planning, &[&gate]).is_ok());
    }
}
