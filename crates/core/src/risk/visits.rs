//! Site visits: an officer goes and looks. A visit is scheduled for the
//! checks it serves and recorded with notes, photos and an outcome, and
//! the outcome settles those checks.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::projects::details::parse_date;
use crate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    ActionsRequired,
    Fail,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Pass, Outcome::ActionsRequired, Outcome::Fail];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::ActionsRequired => "actions_required",
            Outcome::Fail => "fail",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "Pass",
            Outcome::ActionsRequired => "Actions required",
            Outcome::Fail => "Fail",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == input.trim())
            .ok_or_else(|| Invalid::new("outcome", "Choose the outcome of the visit"))
    }

    /// What the outcome does to each check the visit served.
    pub fn effect(self) -> Effect {
        match self {
            Outcome::Pass => Effect::Verify,
            Outcome::ActionsRequired => Effect::Hold,
            Outcome::Fail => Effect::SendBack,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The check is verified by the visiting officer.
    Verify,
    /// The check stays as it is until the actions are done and a follow-up
    /// visit passes; the actions are written on it.
    Hold,
    /// Any evidence on the check is sent back, with the visit's notes.
    SendBack,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScheduleForm {
    #[serde(default)]
    pub scheduled_for: String,
    /// The officer's id, or empty for the person scheduling.
    #[serde(default)]
    pub officer: String,
    #[serde(default)]
    pub checks: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub scheduled_for: NaiveDate,
    pub officer: Option<i64>,
    pub checks: Vec<String>,
}

impl Schedule {
    /// `required` is the keys of the checks the project needs: a visit serves
    /// only those.
    pub fn parse(
        form: &ScheduleForm,
        required: &[&str],
        today: NaiveDate,
    ) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let scheduled_for = match parse_date("scheduled_for", &form.scheduled_for, "The visit date")
        {
            Ok(Some(d)) if d < today => {
                errors.push(Invalid::new(
                    "scheduled_for",
                    "Schedule the visit for today or later",
                ));
                None
            }
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                errors.push(Invalid::new("scheduled_for", "Enter the date of the visit"));
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let officer = match form.officer.trim() {
            "" => None,
            id => id
                .parse::<i64>()
                .map_err(|_| errors.push(Invalid::new("officer", "Choose the visiting officer")))
                .ok(),
        };
        let mut checks: Vec<String> = Vec::new();
        for c in &form.checks {
            let c = c.trim();
            if !required.contains(&c) {
                errors.push(Invalid::new(
                    "checks",
                    format!("'{c}' is not a check this project needs"),
                ));
            } else if !checks.iter().any(|k| k == c) {
                checks.push(c.to_owned());
            }
        }
        if checks.is_empty() && errors.iter().all(|e| e.field != "checks") {
            errors.push(Invalid::new(
                "checks",
                "Choose at least one check the visit is for",
            ));
        }
        match scheduled_for {
            Some(scheduled_for) if errors.is_empty() => Ok(Schedule {
                scheduled_for,
                officer,
                checks,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub outcome: Outcome,
    pub notes: String,
}

impl Report {
    pub fn parse(form: &ReportForm) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let outcome = Outcome::parse(&form.outcome)
            .map_err(|e| errors.push(e))
            .ok();
        let notes = form.notes.trim().replace("\r\n", "\n");
        if outcome.is_some_and(|o| o != Outcome::Pass) && notes.chars().count() < 10 {
            errors.push(Invalid::new(
                "notes",
                "Write what must change (at least 10 characters): the team acts on these notes",
            ));
        }
        if notes.chars().count() > 5000 {
            errors.push(Invalid::new(
                "notes",
                "Write the notes in 5,000 characters or fewer",
            ));
        }
        match outcome {
            Some(outcome) if errors.is_empty() => Ok(Report { outcome, notes }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_visit_serves_only_checks_the_project_needs() {
        let form = ScheduleForm {
            scheduled_for: "2026-12-03".into(),
            officer: String::new(),
            checks: vec!["food-site-visit".into(), "dbs".into()],
        };
        let e = Schedule::parse(&form, &["food-site-visit"], d("2026-11-26")).unwrap_err();
        assert_eq!(e[0].field, "checks");
        let ok = Schedule::parse(
            &ScheduleForm {
                checks: vec!["food-site-visit".into(), "food-site-visit".into()],
                ..form
            },
            &["food-site-visit"],
            d("2026-11-26"),
        )
        .unwrap();
        assert_eq!(ok.checks, ["food-site-visit"]);
    }

    #[test]
    fn a_visit_in_the_past_cannot_be_scheduled() {
        let form = ScheduleForm {
            scheduled_for: "2026-11-01".into(),
            officer: String::new(),
            checks: vec!["a".into()],
        };
        assert_eq!(
            Schedule::parse(&form, &["a"], d("2026-11-26")).unwrap_err()[0].field,
            "scheduled_for"
        );
    }

    #[test]
    fn anything_but_a_pass_needs_notes_and_outcomes_settle_checks() {
        let bad = ReportForm {
            outcome: "actions_required".into(),
            notes: "".into(),
        };
        assert_eq!(Report::parse(&bad).unwrap_err()[0].field, "notes");
        let pass = ReportForm {
            outcome: "pass".into(),
            notes: "".into(),
        };
        assert_eq!(Report::parse(&pass).unwrap().outcome, Outcome::Pass);
        assert_eq!(Outcome::Pass.effect(), Effect::Verify);
        assert_eq!(Outcome::ActionsRequired.effect(), Effect::Hold);
        assert_eq!(Outcome::Fail.effect(), Effect::SendBack);
    }
}
