//! Ownership that lasts past the event: the lead's stated capacity, and
//! whether the lead is on their own.

use chrono::NaiveDate;
use serde::Serialize;

use super::details::parse_date;
use crate::organisations::OrgKind;
use crate::Invalid;

/// Who stands behind a project, as far as the lone-lead rule cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Backing {
    pub has_lead: bool,
    pub co_owners: usize,
    pub owner_org: Option<OrgKind>,
}

/// Whether a lead carries the project alone: a lead, no co-owner, and no
/// constituted group (or charity) that owns it. A project without a lead is
/// not a lone-lead project: it is looking for a lead, which is another flag.
pub fn is_lone_lead(b: Backing) -> bool {
    b.has_lead && b.co_owners == 0 && !b.owner_org.is_some_and(OrgKind::can_back_a_project)
}

/// What would end a lone-lead flag, for the project's page.
pub fn lone_lead_remedies(b: Backing) -> Vec<&'static str> {
    if !is_lone_lead(b) {
        return Vec::new();
    }
    let mut out = vec!["Invite a co-owner to share the running of the project"];
    match b.owner_org {
        Some(kind) if !kind.can_back_a_project() => out.push(
            "The owning organisation is not constituted: a constituted group or charity taking the project on would also resolve it",
        ),
        _ => out.push("Or bring it under a constituted community group or charity from the directory"),
    }
    out
}

/// How much the lead can give, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Capacity {
    pub hours_per_week: Option<i64>,
    pub until: Option<NaiveDate>,
}

impl Capacity {
    pub fn parse(hours: &str, until: &str) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let hours = hours.trim();
        let hours_per_week = if hours.is_empty() {
            None
        } else {
            match hours.parse::<i64>() {
                Ok(h) if (0..=80).contains(&h) => Some(h),
                _ => {
                    errors.push(Invalid::new(
                        "hours_per_week",
                        "Enter the hours a week as a whole number from 0 to 80",
                    ));
                    None
                }
            }
        };
        let until = parse_date("lead_until", until, "The date you can lead until")
            .map_err(|e| errors.push(e))
            .unwrap_or(None);
        if errors.is_empty() {
            Ok(Self {
                hours_per_week,
                until,
            })
        } else {
            Err(errors)
        }
    }

    /// Whether the lead's stated time has run out, so someone should ask.
    pub fn has_lapsed(self, today: NaiveDate) -> bool {
        self.until.is_some_and(|u| u < today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backing(has_lead: bool, co_owners: usize, org: Option<OrgKind>) -> Backing {
        Backing {
            has_lead,
            co_owners,
            owner_org: org,
        }
    }

    #[test]
    fn a_lead_alone_is_flagged_until_someone_stands_with_them() {
        assert!(is_lone_lead(backing(true, 0, None)));
        assert!(
            !is_lone_lead(backing(true, 1, None)),
            "a co-owner resolves it"
        );
        assert!(
            !is_lone_lead(backing(true, 0, Some(OrgKind::ConstitutedGroup))),
            "a constituted group resolves it"
        );
        assert!(!is_lone_lead(backing(true, 0, Some(OrgKind::Charity))));
        assert!(
            is_lone_lead(backing(true, 0, Some(OrgKind::InformalGroup))),
            "an informal group does not answer for the project"
        );
        assert!(
            !is_lone_lead(backing(false, 0, None)),
            "no lead is another flag"
        );
    }

    #[test]
    fn remedies_say_what_would_resolve_it() {
        assert!(lone_lead_remedies(backing(true, 1, None)).is_empty());
        let r = lone_lead_remedies(backing(true, 0, Some(OrgKind::InformalGroup)));
        assert_eq!(r.len(), 2);
        assert!(r[1].contains("not constituted"));
    }

    #[test]
    fn capacity_reads_and_lapses() {
        let c = Capacity::parse("6", "2027-03-31").unwrap();
        assert_eq!(c.hours_per_week, Some(6));
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(!c.has_lapsed(d("2027-03-31")));
        assert!(c.has_lapsed(d("2027-04-01")));
        let errors = Capacity::parse("many", "31/03/2027").unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(Capacity::parse("", "").unwrap(), Capacity::default());
    }
}
