//! The catch-up: dated updates on what happened and what is next, and next
//! steps with an owner and a due date.

use chrono::NaiveDate;
use serde::Deserialize;

use super::details::parse_date;
use crate::Invalid;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    pub happened: String,
    #[serde(default)]
    pub next: String,
}

/// An update, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub happened: String,
    pub next: String,
}

impl Update {
    pub fn parse(form: &UpdateForm) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let happened = form.happened.trim().replace("\r\n", "\n");
        let next = form.next.trim().replace("\r\n", "\n");
        if happened.chars().count() < 3 {
            errors.push(Invalid::new(
                "happened",
                "Say what happened since the last update",
            ));
        } else if happened.chars().count() > 5000 {
            errors.push(Invalid::new(
                "happened",
                "Write what happened in 5,000 characters or fewer",
            ));
        }
        if next.chars().count() > 2000 {
            errors.push(Invalid::new(
                "next",
                "Write what is next in 2,000 characters or fewer",
            ));
        }
        if errors.is_empty() {
            Ok(Update { happened, next })
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    pub what: String,
    /// A team member's id, or empty for "the lead".
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub due_on: String,
}

/// A next step, checked. The owner must be in the team: the caller checks
/// that against the team it knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub what: String,
    pub owner: Option<i64>,
    pub due_on: NaiveDate,
}

impl Step {
    pub fn parse(form: &StepForm, team: &[i64]) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let what = form.what.split_whitespace().collect::<Vec<_>>().join(" ");
        if what.chars().count() < 3 {
            errors.push(Invalid::new("what", "Say what the next step is"));
        } else if what.chars().count() > 300 {
            errors.push(Invalid::new(
                "what",
                "Write the next step in 300 characters or fewer",
            ));
        }
        let owner = match form.owner.trim() {
            "" => None,
            id => match id.parse::<i64>() {
                Ok(id) if team.contains(&id) => Some(id),
                _ => {
                    errors.push(Invalid::new(
                        "owner",
                        "Choose someone from the project's team",
                    ));
                    None
                }
            },
        };
        let due_on = match parse_date("due_on", &form.due_on, "The due date") {
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                errors.push(Invalid::new("due_on", "Enter the date the step is due"));
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        match due_on {
            Some(due_on) if errors.is_empty() => Ok(Step {
                what,
                owner,
                due_on,
            }),
            _ => Err(errors),
        }
    }
}

/// A step is overdue the day after it was due, until it is done.
pub fn is_overdue(due_on: NaiveDate, done: bool, today: NaiveDate) -> bool {
    !done && due_on < today
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn updates_need_words() {
        assert!(Update::parse(&UpdateForm {
            happened: "We met".into(),
            next: String::new()
        })
        .is_ok());
        let errors = Update::parse(&UpdateForm {
            happened: " ".into(),
            next: "x".repeat(2001),
        })
        .unwrap_err();
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn steps_belong_to_the_team_and_have_a_date() {
        let form = StepForm {
            what: "Book the hall".into(),
            owner: "7".into(),
            due_on: "2027-01-10".into(),
        };
        assert_eq!(Step::parse(&form, &[7]).unwrap().owner, Some(7));
        let errors = Step::parse(&form, &[8]).unwrap_err();
        assert_eq!(errors[0].field, "owner");
        let errors = Step::parse(
            &StepForm {
                what: "x".into(),
                owner: String::new(),
                due_on: String::new(),
            },
            &[],
        )
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["what", "due_on"]);
    }

    #[test]
    fn overdue_from_the_day_after() {
        assert!(!is_overdue(d("2027-01-10"), false, d("2027-01-10")));
        assert!(is_overdue(d("2027-01-10"), false, d("2027-01-11")));
        assert!(!is_overdue(d("2027-01-10"), true, d("2027-02-11")));
    }
}
