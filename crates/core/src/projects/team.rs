//! A project's team and what it needs: open needs for skills and resources,
//! and residents asking to join.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::details::parse_date;
use crate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedKind {
    Skill,
    Resource,
}

impl NeedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NeedKind::Skill => "skill",
            NeedKind::Resource => "resource",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NeedKind::Skill => "Skill",
            NeedKind::Resource => "Resource",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input.trim() {
            "skill" => Ok(NeedKind::Skill),
            "resource" => Ok(NeedKind::Resource),
            _ => Err(Invalid::new(
                "kind",
                "Choose whether the project needs a skill or a resource",
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedStatus {
    Open,
    Met,
    Withdrawn,
}

impl NeedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NeedStatus::Open => "open",
            NeedStatus::Met => "met",
            NeedStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input.trim() {
            "open" => Ok(NeedStatus::Open),
            "met" => Ok(NeedStatus::Met),
            "withdrawn" => Ok(NeedStatus::Withdrawn),
            _ => Err(Invalid::new("status", "Choose met or withdrawn")),
        }
    }
}

/// A need as the form gave it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NeedForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub hours_per_week: String,
    #[serde(default)]
    pub from_on: String,
    #[serde(default)]
    pub to_on: String,
    /// The skill asked for, by name, when the lead knows it; else it is
    /// recognised from the description.
    #[serde(default)]
    pub skill: String,
}

/// An open need, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Need {
    pub kind: NeedKind,
    pub description: String,
    pub hours_per_week: Option<i64>,
    pub from_on: Option<NaiveDate>,
    pub to_on: Option<NaiveDate>,
}

impl Need {
    pub fn parse(form: &NeedForm) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let kind = NeedKind::parse(&form.kind).map_err(|e| errors.push(e)).ok();
        let description = form
            .description
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if description.chars().count() < 3 {
            errors.push(Invalid::new(
                "description",
                "Say what is needed, for example \"someone who can keep simple accounts\" or \"a gazebo\"",
            ));
        } else if description.chars().count() > 300 {
            errors.push(Invalid::new(
                "description",
                "Describe the need in 300 characters or fewer",
            ));
        }
        let hours = form.hours_per_week.trim();
        let hours_per_week = if hours.is_empty() {
            None
        } else {
            match hours.parse::<i64>() {
                Ok(h) if (1..=80).contains(&h) => Some(h),
                _ => {
                    errors.push(Invalid::new(
                        "hours_per_week",
                        "Enter the hours a week as a whole number from 1 to 80",
                    ));
                    None
                }
            }
        };
        let from_on = parse_date("from_on", &form.from_on, "The date from")
            .map_err(|e| errors.push(e))
            .unwrap_or(None);
        let to_on = parse_date("to_on", &form.to_on, "The date to")
            .map_err(|e| errors.push(e))
            .unwrap_or(None);
        if let (Some(f), Some(t)) = (from_on, to_on) {
            if t < f {
                errors.push(Invalid::new(
                    "to_on",
                    "The date to must be on or after the date from",
                ));
            }
        }
        match kind {
            Some(kind) if errors.is_empty() => Ok(Need {
                kind,
                description,
                hours_per_week,
                from_on,
                to_on,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Accepted,
    Declined,
    Withdrawn,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Accepted => "accepted",
            RequestStatus::Declined => "declined",
            RequestStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input.trim() {
            "pending" => Ok(RequestStatus::Pending),
            "accepted" => Ok(RequestStatus::Accepted),
            "declined" => Ok(RequestStatus::Declined),
            "withdrawn" => Ok(RequestStatus::Withdrawn),
            _ => Err(Invalid::new("decision", "Choose accept or decline")),
        }
    }
}

/// The note someone sends with a request to join: optional, bounded.
pub fn join_message(input: &str) -> Result<String, Invalid> {
    let m = input.trim().to_owned();
    if m.chars().count() > 1000 {
        return Err(Invalid::new(
            "message",
            "Write your message in 1,000 characters or fewer",
        ));
    }
    Ok(m)
}

/// Why someone may not ask to join: they are already in the team.
pub fn may_ask_to_join(already_member: bool, has_pending: bool) -> Result<(), Invalid> {
    if already_member {
        Err(Invalid::new(
            "message",
            "You are already in this project's team",
        ))
    } else if has_pending {
        Err(Invalid::new(
            "message",
            "You have already asked to join: the lead will accept or decline your request",
        ))
    } else {
        Ok(())
    }
}

/// A lead's answer to a request: only pending requests can be decided.
pub fn decide(current: RequestStatus, accept: bool) -> Result<RequestStatus, Invalid> {
    if current != RequestStatus::Pending {
        return Err(Invalid::new(
            "decision",
            format!("This request was already {}", current.as_str()),
        ));
    }
    Ok(if accept {
        RequestStatus::Accepted
    } else {
        RequestStatus::Declined
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_read_with_every_mistake() {
        let ok = Need::parse(&NeedForm {
            skill: String::new(),
            kind: "skill".into(),
            description: " keep  simple accounts ".into(),
            hours_per_week: "2".into(),
            from_on: "2027-01-01".into(),
            to_on: "2027-06-30".into(),
        })
        .unwrap();
        assert_eq!(ok.description, "keep simple accounts");
        let errors = Need::parse(&NeedForm {
            skill: String::new(),
            kind: "money".into(),
            description: "".into(),
            hours_per_week: "0".into(),
            from_on: "2027-02-01".into(),
            to_on: "2027-01-01".into(),
        })
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["kind", "description", "hours_per_week", "to_on"]);
    }

    #[test]
    fn joining_and_deciding() {
        assert!(may_ask_to_join(false, false).is_ok());
        assert!(may_ask_to_join(true, false).is_err());
        assert!(may_ask_to_join(false, true).is_err());
        assert_eq!(
            decide(RequestStatus::Pending, true).unwrap(),
            RequestStatus::Accepted
        );
        assert_eq!(
            decide(RequestStatus::Pending, false).unwrap(),
            RequestStatus::Declined
        );
        assert!(decide(RequestStatus::Declined, true).is_err());
        assert!(join_message(&"x".repeat(1001)).is_err());
    }
}
