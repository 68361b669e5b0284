//! The risk register: what could go wrong, how likely and how bad, what is
//! being done about it, and when someone looks at it again.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::projects::details::parse_date;
use crate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    HealthAndSafety,
    Safeguarding,
    Financial,
    Legal,
    Property,
    Environmental,
    Reputational,
    Delivery,
    Data,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::HealthAndSafety,
        Category::Safeguarding,
        Category::Financial,
        Category::Legal,
        Category::Property,
        Category::Environmental,
        Category::Reputational,
        Category::Delivery,
        Category::Data,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::HealthAndSafety => "health_and_safety",
            Category::Safeguarding => "safeguarding",
            Category::Financial => "financial",
            Category::Legal => "legal",
            Category::Property => "property",
            Category::Environmental => "environmental",
            Category::Reputational => "reputational",
            Category::Delivery => "delivery",
            Category::Data => "data",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::HealthAndSafety => "Health and safety",
            Category::Safeguarding => "Safeguarding",
            Category::Financial => "Money and probity",
            Category::Legal => "Legal and permissions",
            Category::Property => "Property and equipment",
            Category::Environmental => "Environment",
            Category::Reputational => "Reputation and relationships",
            Category::Delivery => "Delivery (people, time, capacity)",
            Category::Data => "Personal data",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == input.trim())
            .ok_or_else(|| Invalid::new("category", "Choose the kind of risk from the list"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Mitigated,
    /// Accepted as it is, with a reason someone wrote down.
    Accepted,
    Closed,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Open,
        Status::Mitigated,
        Status::Accepted,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Mitigated => "mitigated",
            Status::Accepted => "accepted",
            Status::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Open => "Open",
            Status::Mitigated => "Mitigated",
            Status::Accepted => "Accepted",
            Status::Closed => "Closed",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Status::ALL
            .into_iter()
            .find(|s| s.as_str() == input.trim())
            .ok_or_else(|| Invalid::new("status", "Choose the risk's status from the list"))
    }
}

/// Likelihood or impact, 1 (rare, negligible) to 5 (almost certain, severe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Level(u8);

impl Level {
    pub fn new(n: u8) -> Option<Self> {
        (1..=5).contains(&n).then_some(Level(n))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// A stored number as a level, held to 1..=5 (the database's CHECK
    /// already keeps it there).
    pub fn clamped(n: i64) -> Self {
        Level(n.clamp(1, 5) as u8)
    }

    fn parse(field: &'static str, what: &str, input: &str) -> Result<Self, Invalid> {
        input
            .trim()
            .parse::<u8>()
            .ok()
            .and_then(Level::new)
            .ok_or_else(|| Invalid::new(field, format!("Choose the {what}, from 1 to 5")))
    }

    pub fn likelihood_label(self) -> &'static str {
        ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"][self.0 as usize - 1]
    }

    pub fn impact_label(self) -> &'static str {
        ["Negligible", "Minor", "Moderate", "Major", "Severe"][self.0 as usize - 1]
    }
}

/// How a score reads: the colour band on the heat map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Low,
    Medium,
    High,
    Severe,
}

impl Band {
    pub fn of(score: u8) -> Band {
        match score {
            0..=4 => Band::Low,
            5..=9 => Band::Medium,
            10..=16 => Band::High,
            _ => Band::Severe,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Band::Low => "low",
            Band::Medium => "medium",
            Band::High => "high",
            Band::Severe => "severe",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Band::Low => "Low",
            Band::Medium => "Medium",
            Band::High => "High",
            Band::Severe => "Severe",
        }
    }
}

pub fn score(likelihood: Level, impact: Level) -> u8 {
    likelihood.0 * impact.0
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RiskForm {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub likelihood: String,
    #[serde(default)]
    pub impact: String,
    /// A person's id, or empty for the project's lead.
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub mitigations: String,
    #[serde(default)]
    pub review_on: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub accepted_reason: String,
}

/// A risk as written down, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Risk {
    pub description: String,
    pub category: Category,
    pub likelihood: Level,
    pub impact: Level,
    pub owner: Option<i64>,
    pub mitigations: String,
    pub review_on: Option<NaiveDate>,
    pub status: Status,
    pub accepted_reason: String,
}

impl Risk {
    /// Checks everything at once. `today` keeps a new review date from being
    /// set in the past, where it would be overdue the moment it was saved.
    pub fn parse(form: &RiskForm, today: NaiveDate) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let description = form.description.trim().replace("\r\n", "\n");
        if description.chars().count() < 5 {
            errors.push(Invalid::new(
                "description",
                "Describe the risk: what could happen, and to whom",
            ));
        } else if description.chars().count() > 2000 {
            errors.push(Invalid::new(
                "description",
                "Describe the risk in 2,000 characters or fewer",
            ));
        }
        let category = Category::parse(&form.category)
            .map_err(|e| errors.push(e))
            .ok();
        let likelihood = Level::parse("likelihood", "likelihood", &form.likelihood)
            .map_err(|e| errors.push(e))
            .ok();
        let impact = Level::parse("impact", "impact", &form.impact)
            .map_err(|e| errors.push(e))
            .ok();
        let owner = match form.owner.trim() {
            "" => None,
            id => match id.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(Invalid::new(
                        "owner",
                        "Choose who owns the risk from the team",
                    ));
                    None
                }
            },
        };
        let mitigations = form.mitigations.trim().replace("\r\n", "\n");
        if mitigations.chars().count() > 4000 {
            errors.push(Invalid::new(
                "mitigations",
                "Write the mitigations in 4,000 characters or fewer",
            ));
        }
        let status = if form.status.trim().is_empty() {
            Some(Status::Open)
        } else {
            Status::parse(&form.status).map_err(|e| errors.push(e)).ok()
        };
        let review_on = parse_date("review_on", &form.review_on, "The review date")
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        match (status, review_on) {
            (Some(s), None) if s != Status::Closed => errors.push(Invalid::new(
                "review_on",
                "Set a date to review the risk again: every risk that is not closed is reviewed",
            )),
            (_, Some(d)) if d < today => errors.push(Invalid::new(
                "review_on",
                "Set the review date today or later",
            )),
            _ => {}
        }
        let accepted_reason = form.accepted_reason.trim().to_owned();
        if status == Some(Status::Accepted) && accepted_reason.chars().count() < 10 {
            errors.push(Invalid::new(
                "accepted_reason",
                "Say why the risk is accepted as it is (at least 10 characters)",
            ));
        }
        if status == Some(Status::Mitigated) && mitigations.is_empty() {
            errors.push(Invalid::new(
                "mitigations",
                "Say what mitigates the risk before marking it mitigated",
            ));
        }
        match (category, likelihood, impact, status) {
            (Some(category), Some(likelihood), Some(impact), Some(status)) if errors.is_empty() => {
                Ok(Risk {
                    description,
                    category,
                    likelihood,
                    impact,
                    owner,
                    mitigations,
                    review_on,
                    status,
                    accepted_reason: if status == Status::Accepted {
                        accepted_reason
                    } else {
                        String::new()
                    },
                })
            }
            _ => Err(errors),
        }
    }

    pub fn score(&self) -> u8 {
        score(self.likelihood, self.impact)
    }
}

/// How far ahead a review shows as due on a dashboard.
pub const REVIEW_NOTICE_DAYS: u64 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    NotDue,
    Due,
    Overdue,
}

/// Whether a risk needs looking at: closed risks never do.
pub fn review(status: Status, review_on: Option<NaiveDate>, today: NaiveDate) -> Review {
    match (status, review_on) {
        (Status::Closed, _) | (_, None) => Review::NotDue,
        (_, Some(d)) if d < today => Review::Overdue,
        (_, Some(d)) if d <= today + Days::new(REVIEW_NOTICE_DAYS) => Review::Due,
        _ => Review::NotDue,
    }
}

/// Counts of live risks by likelihood (rows, 5 at the top) and impact
/// (columns, 1 at the left): `cells[5 - likelihood][impact - 1]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HeatMap {
    pub cells: [[u32; 5]; 5],
}

impl HeatMap {
    /// Closed risks are history, so they are left off the map.
    pub fn of(risks: impl IntoIterator<Item = (Level, Level, Status)>) -> Self {
        let mut map = HeatMap::default();
        for (likelihood, impact, status) in risks {
            if status != Status::Closed {
                map.cells[5 - likelihood.0 as usize][impact.0 as usize - 1] += 1;
            }
        }
        map
    }

    pub fn count(&self, likelihood: Level, impact: Level) -> u32 {
        self.cells[5 - likelihood.0 as usize][impact.0 as usize - 1]
    }

    pub fn total(&self) -> u32 {
        self.cells.iter().flatten().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    fn form() -> RiskForm {
        RiskForm {
            description: "A child is burnt by the barbecue".into(),
            category: "health_and_safety".into(),
            likelihood: "2".into(),
            impact: "4".into(),
            owner: String::new(),
            mitigations: "Barrier round the grill".into(),
            review_on: "2026-12-10".into(),
            status: "open".into(),
            accepted_reason: String::new(),
        }
    }

    #[test]
    fn a_risk_scores_likelihood_times_impact() {
        let risk = Risk::parse(&form(), today()).unwrap();
        assert_eq!(risk.score(), 8);
        assert_eq!(Band::of(risk.score()), Band::Medium);
        assert_eq!(Band::of(4), Band::Low);
        assert_eq!(Band::of(12), Band::High);
        assert_eq!(Band::of(25), Band::Severe);
    }

    #[test]
    fn every_mistake_is_listed_at_once() {
        let bad = RiskForm {
            description: "x".into(),
            category: "weather".into(),
            likelihood: "6".into(),
            impact: "".into(),
            status: "accepted".into(),
            review_on: "2026-11-01".into(),
            ..RiskForm::default()
        };
        let errors = Risk::parse(&bad, today()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "description",
                "category",
                "likelihood",
                "impact",
                "review_on",
                "accepted_reason"
            ]
        );
    }

    #[test]
    fn an_open_risk_needs_a_review_date_and_a_closed_one_does_not() {
        let mut f = form();
        f.review_on.clear();
        assert_eq!(Risk::parse(&f, today()).unwrap_err()[0].field, "review_on");
        f.status = "closed".into();
        assert!(Risk::parse(&f, today()).is_ok());
    }

    #[test]
    fn reviews_fall_due_a_week_ahead_and_closed_risks_never() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            review(Status::Open, Some(d("2026-12-10")), today()),
            Review::NotDue
        );
        assert_eq!(
            review(Status::Open, Some(d("2026-12-03")), today()),
            Review::Due
        );
        assert_eq!(
            review(Status::Mitigated, Some(d("2026-11-26")), today()),
            Review::Due
        );
        assert_eq!(
            review(Status::Accepted, Some(d("2026-11-25")), today()),
            Review::Overdue
        );
        assert_eq!(
            review(Status::Closed, Some(d("2026-11-01")), today()),
            Review::NotDue
        );
    }

    #[test]
    fn the_heat_map_places_live_risks_by_likelihood_and_impact() {
        let l = |n| Level::new(n).unwrap();
        let map = HeatMap::of([
            (l(5), l(1), Status::Open),
            (l(5), l(1), Status::Mitigated),
            (l(1), l(5), Status::Accepted),
            (l(3), l(3), Status::Closed),
        ]);
        assert_eq!(map.cells[0][0], 2);
        assert_eq!(map.cells[4][4], 1);
        assert_eq!(map.count(l(3), l(3)), 0);
        assert_eq!(map.total(), 3);
    }
}
