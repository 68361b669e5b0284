//! The risk and liability register: what could go wrong on a project, the
//! checks the law and good practice ask for before anything happens on the
//! ground, who would be liable, and the gates that keep a project out of
//! delivery until all of that is settled.
//!
//! The checks come from a catalogue of rules kept as data (`catalogue`), read
//! against the facts of one project (`Facts`). Everything here is pure: the
//! store supplies records, the clock supplies today.

pub mod ahead;
pub mod catalogue;
pub mod checks;
pub mod gates;
pub mod liability;
pub mod register;
pub mod visits;
pub mod working_days;

use chrono::NaiveDate;

use crate::projects::details::{Activity, ActivityEntry};

/// What the rules read about a project.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub activities: Vec<ActivityEntry>,
    /// Led by one person with no constituted group behind them.
    pub lone_lead: bool,
    pub starts_on: Option<NaiveDate>,
}

impl Facts {
    pub fn has(&self, activity: Activity) -> bool {
        self.activities.iter().any(|a| a.activity == activity)
    }

    /// Expected attendance of the project's public event, if it has one.
    pub fn attendance(&self) -> Option<i64> {
        self.activities
            .iter()
            .find(|a| a.activity == Activity::PublicEvent)
            .and_then(|a| a.attendance)
    }

    /// Whether anything happens in a place, with people present.
    pub fn physical(&self) -> bool {
        self.activities.iter().any(|a| a.activity.is_physical())
    }

    /// The landowner named for third-party premises.
    pub fn landowner(&self) -> Option<&str> {
        self.activities
            .iter()
            .find(|a| a.activity == Activity::ThirdPartyPremises)
            .map(|a| a.detail.as_str())
            .filter(|d| !d.is_empty())
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    pub fn entry(activity: Activity) -> ActivityEntry {
        ActivityEntry {
            activity,
            detail: if activity == Activity::ThirdPartyPremises {
                "Lambeth Housing Co-op".into()
            } else {
                String::new()
            },
            attendance: None,
        }
    }

    pub fn facts(activities: &[Activity]) -> Facts {
        Facts {
            activities: activities.iter().map(|a| entry(*a)).collect(),
            lone_lead: false,
            starts_on: NaiveDate::from_ymd_opt(2027, 5, 1),
        }
    }

    pub fn with_attendance(mut f: Facts, attendance: i64) -> Facts {
        for a in &mut f.activities {
            if a.activity == Activity::PublicEvent {
                a.attendance = Some(attendance);
            }
        }
        f
    }
}
