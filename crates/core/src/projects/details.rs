//! What a project is: its description, themes, where it happens, where it
//! came from, when it runs and what it involves. Activities come from a
//! controlled list because the risk register reads them to decide which
//! checks a project needs.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Title;
use crate::text;
use crate::Invalid;

/// What a project is about, for finding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    Growing,
    Food,
    Health,
    YoungPeople,
    OlderPeople,
    Arts,
    SportAndPlay,
    Estates,
    Safety,
    Digital,
    SkillsAndWork,
    Climate,
    CleanStreets,
}

impl Theme {
    pub const ALL: [Theme; 13] = [
        Theme::Growing,
        Theme::Food,
        Theme::Health,
        Theme::YoungPeople,
        Theme::OlderPeople,
        Theme::Arts,
        Theme::SportAndPlay,
        Theme::Estates,
        Theme::Safety,
        Theme::Digital,
        Theme::SkillsAndWork,
        Theme::Climate,
        Theme::CleanStreets,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Growing => "growing",
            Theme::Food => "food",
            Theme::Health => "health",
            Theme::YoungPeople => "young_people",
            Theme::OlderPeople => "older_people",
            Theme::Arts => "arts",
            Theme::SportAndPlay => "sport_and_play",
            Theme::Estates => "estates",
            Theme::Safety => "safety",
            Theme::Digital => "digital",
            Theme::SkillsAndWork => "skills_and_work",
            Theme::Climate => "climate",
            Theme::CleanStreets => "clean_streets",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::Growing => "Growing and green spaces",
            Theme::Food => "Food",
            Theme::Health => "Health and wellbeing",
            Theme::YoungPeople => "Children and young people",
            Theme::OlderPeople => "Older people",
            Theme::Arts => "Arts and culture",
            Theme::SportAndPlay => "Sport and play",
            Theme::Estates => "Housing and estates",
            Theme::Safety => "Community safety",
            Theme::Digital => "Digital",
            Theme::SkillsAndWork => "Skills and work",
            Theme::Climate => "Climate and environment",
            Theme::CleanStreets => "Clean streets and spaces",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Theme::ALL
            .into_iter()
            .find(|t| t.as_str() == input.trim())
            .ok_or_else(|| {
                Invalid::new(
                    "themes",
                    format!(
                        "'{}' is not one of the themes: choose from the list",
                        input.trim()
                    ),
                )
            })
    }
}

/// Something a project does that the risk register must know about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    Food,
    FireOrBarbecue,
    ChildrenOrVulnerableAdults,
    PhysicalWork,
    WorkingAtHeight,
    Water,
    PublicEvent,
    ThirdPartyPremises,
    Alcohol,
    ToolsAndMachinery,
    Vehicles,
    CashHandling,
    OnlineOnly,
}

impl Activity {
    pub const ALL: [Activity; 13] = [
        Activity::Food,
        Activity::FireOrBarbecue,
        Activity::ChildrenOrVulnerableAdults,
        Activity::PhysicalWork,
        Activity::WorkingAtHeight,
        Activity::Water,
        Activity::PublicEvent,
        Activity::ThirdPartyPremises,
        Activity::Alcohol,
        Activity::ToolsAndMachinery,
        Activity::Vehicles,
        Activity::CashHandling,
        Activity::OnlineOnly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Activity::Food => "food",
            Activity::FireOrBarbecue => "fire_or_barbecue",
            Activity::ChildrenOrVulnerableAdults => "children_or_vulnerable_adults",
            Activity::PhysicalWork => "physical_work",
            Activity::WorkingAtHeight => "working_at_height",
            Activity::Water => "water",
            Activity::PublicEvent => "public_event",
            Activity::ThirdPartyPremises => "third_party_premises",
            Activity::Alcohol => "alcohol",
            Activity::ToolsAndMachinery => "tools_and_machinery",
            Activity::Vehicles => "vehicles",
            Activity::CashHandling => "cash_handling",
            Activity::OnlineOnly => "online_only",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Activity::Food => "Preparing, selling or giving out food",
            Activity::FireOrBarbecue => "Open flames or a barbecue",
            Activity::ChildrenOrVulnerableAdults => "Working with children or vulnerable adults",
            Activity::PhysicalWork => "Physical work (digging, lifting, clearing)",
            Activity::WorkingAtHeight => "Working at height (ladders, roofs)",
            Activity::Water => "Near or in water",
            Activity::PublicEvent => "A public event",
            Activity::ThirdPartyPremises => {
                "On land or in a building owned by someone else (not the council)"
            }
            Activity::Alcohol => "Serving or selling alcohol",
            Activity::ToolsAndMachinery => "Tools or machinery",
            Activity::Vehicles => "Driving or vehicles (including cargo bikes)",
            Activity::CashHandling => "Handling cash",
            Activity::OnlineOnly => "Online only",
        }
    }

    /// Whether it happens in a place, so cannot go with online only.
    pub fn is_physical(self) -> bool {
        !matches!(self, Activity::OnlineOnly | Activity::CashHandling)
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Activity::ALL
            .into_iter()
            .find(|a| a.as_str() == input.trim())
            .ok_or_else(|| {
                Invalid::new(
                    "activities",
                    format!(
                        "'{}' is not one of the activities: choose from the list",
                        input.trim()
                    ),
                )
            })
    }
}

/// An activity with what the risk register needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityEntry {
    pub activity: Activity,
    /// The landowner, for third-party premises.
    pub detail: String,
    /// Expected attendance, for a public event.
    pub attendance: Option<i64>,
}

/// Where a project came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Direct,
    Event,
    SpaceReport,
    Proposal,
}

impl Origin {
    pub const ALL: [Origin; 4] = [
        Origin::Direct,
        Origin::Event,
        Origin::SpaceReport,
        Origin::Proposal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Direct => "direct",
            Origin::Event => "event",
            Origin::SpaceReport => "space_report",
            Origin::Proposal => "proposal",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Origin::Direct => "Started directly",
            Origin::Event => "Came out of an event",
            Origin::SpaceReport => "Came from a \"love your space\" report",
            Origin::Proposal => "Proposed by a resident",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Origin::ALL
            .into_iter()
            .find(|o| o.as_str() == input.trim())
            .ok_or_else(|| Invalid::new("origin", "Choose where the project came from"))
    }
}

/// A point on the map, in millionths of a degree (WGS 84).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Point {
    pub lat_e6: i64,
    pub lon_e6: i64,
}

impl Point {
    pub fn lat(self) -> f64 {
        self.lat_e6 as f64 / 1e6
    }

    pub fn lon(self) -> f64 {
        self.lon_e6 as f64 / 1e6
    }

    /// Reads decimal degrees as typed ("51.4613", "-0.1156"), exactly: the
    /// digits are read as an integer of millionths, never through a float.
    pub fn parse(lat: &str, lon: &str) -> Result<Option<Self>, Vec<Invalid>> {
        let (lat, lon) = (lat.trim(), lon.trim());
        if lat.is_empty() && lon.is_empty() {
            return Ok(None);
        }
        let mut errors = Vec::new();
        let lat_e6 = micro_degrees(lat, 90).map_err(|m| {
            Invalid::new(
                "latitude",
                format!("Latitude {m}, between -90 and 90, like 51.4613"),
            )
        });
        let lon_e6 = micro_degrees(lon, 180).map_err(|m| {
            Invalid::new(
                "longitude",
                format!("Longitude {m}, between -180 and 180, like -0.1156"),
            )
        });
        match (lat_e6, lon_e6) {
            (Ok(lat_e6), Ok(lon_e6)) => Ok(Some(Point { lat_e6, lon_e6 })),
            (a, b) => {
                errors.extend(a.err());
                errors.extend(b.err());
                Err(errors)
            }
        }
    }
}

fn micro_degrees(input: &str, bound: i64) -> Result<i64, &'static str> {
    if input.is_empty() {
        return Err("is missing: enter both numbers, or neither");
    }
    let (negative, digits) = match input.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, input.strip_prefix('+').unwrap_or(input)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) || whole.len() > 3 {
        return Err("must be a number in decimal degrees");
    }
    if fraction.len() > 6 {
        return Err("must have at most 6 decimal places");
    }
    let whole: i64 = whole
        .parse()
        .map_err(|_| "must be a number in decimal degrees")?;
    let mut frac = fraction.to_owned();
    while frac.len() < 6 {
        frac.push('0');
    }
    let frac: i64 = frac
        .parse()
        .map_err(|_| "must be a number in decimal degrees")?;
    let value = whole * 1_000_000 + frac;
    if value > bound * 1_000_000 {
        return Err("is out of range");
    }
    Ok(if negative { -value } else { value })
}

/// The form as a person filled it in: every field text, empty meaning none.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DetailsForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub background: String,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub activities: Vec<String>,
    #[serde(default)]
    pub attendance: String,
    #[serde(default)]
    pub landowner: String,
    #[serde(default)]
    pub origin: String,
    #[serde(default)]
    pub origin_note: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub latitude: String,
    #[serde(default)]
    pub longitude: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
}

/// A project's description, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Details {
    pub title: Title,
    pub summary: String,
    pub background: String,
    pub themes: Vec<Theme>,
    pub activities: Vec<ActivityEntry>,
    pub origin: Origin,
    pub origin_note: String,
    pub address: String,
    pub point: Option<Point>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

/// Reads a date from a date field (`2026-12-02`); empty is none.
pub fn parse_date(
    field: &'static str,
    input: &str,
    what: &str,
) -> Result<Option<NaiveDate>, Invalid> {
    let input = input.trim();
    if input.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(input, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            Invalid::new(
                field,
                format!("{what} must be a real date, like 2027-03-31"),
            )
        })
}

impl Details {
    /// Checks everything at once, so the page can list every mistake.
    pub fn parse(form: &DetailsForm) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let title = Title::parse(&form.title).map_err(|e| errors.push(e)).ok();
        let summary = form
            .summary
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if summary.chars().count() < 10 {
            errors.push(Invalid::new(
                "summary",
                "Enter a summary of at least 10 characters: one sentence on what the project does",
            ));
        } else if summary.chars().count() > 300 {
            errors.push(Invalid::new(
                "summary",
                "Write the summary in 300 characters or fewer",
            ));
        }
        let background = text::check_markdown("background", &form.background)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        let mut themes = Vec::new();
        for t in &form.themes {
            match Theme::parse(t) {
                Ok(t) if !themes.contains(&t) => themes.push(t),
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
        }
        if themes.is_empty() && errors.iter().all(|e| e.field != "themes") {
            errors.push(Invalid::new(
                "themes",
                "Choose at least one theme, so people can find the project",
            ));
        }
        themes.sort();
        let mut chosen = Vec::new();
        for a in &form.activities {
            match Activity::parse(a) {
                Ok(a) if !chosen.contains(&a) => chosen.push(a),
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
        }
        chosen.sort();
        if chosen.contains(&Activity::OnlineOnly) {
            if let Some(a) = chosen.iter().find(|a| a.is_physical()) {
                errors.push(Invalid::new(
                    "activities",
                    format!(
                        "A project that is online only cannot also involve \"{}\": untick one of them",
                        a.label().to_lowercase()
                    ),
                ));
            }
        }
        let mut activities = Vec::with_capacity(chosen.len());
        for a in chosen {
            let mut entry = ActivityEntry {
                activity: a,
                detail: String::new(),
                attendance: None,
            };
            match a {
                Activity::PublicEvent => match form.attendance.trim().replace(',', "").parse::<i64>() {
                    Ok(n) if (1..=1_000_000).contains(&n) => entry.attendance = Some(n),
                    _ => errors.push(Invalid::new(
                        "attendance",
                        "Enter how many people you expect at the public event, as a whole number such as 150",
                    )),
                },
                Activity::ThirdPartyPremises => {
                    let owner = form.landowner.split_whitespace().collect::<Vec<_>>().join(" ");
                    if owner.is_empty() {
                        errors.push(Invalid::new(
                            "landowner",
                            "Enter who owns the land or building, so the risk register can say who is liable",
                        ));
                    } else if owner.chars().count() > 200 {
                        errors.push(Invalid::new("landowner", "Write the owner's name in 200 characters or fewer"));
                    }
                    entry.detail = owner;
                }
                _ => {}
            }
            activities.push(entry);
        }
        let origin = if form.origin.trim().is_empty() {
            Origin::Direct
        } else {
            Origin::parse(&form.origin)
                .map_err(|e| errors.push(e))
                .unwrap_or(Origin::Direct)
        };
        let origin_note = form.origin_note.trim().to_owned();
        if origin_note.chars().count() > 500 {
            errors.push(Invalid::new(
                "origin_note",
                "Write where it came from in 500 characters or fewer",
            ));
        }
        let address = form
            .address
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if address.chars().count() > 300 {
            errors.push(Invalid::new(
                "address",
                "Write the address in 300 characters or fewer",
            ));
        }
        let point = Point::parse(&form.latitude, &form.longitude)
            .map_err(|e| errors.extend(e))
            .unwrap_or(None);
        let starts_on = parse_date("starts_on", &form.starts_on, "The planned start")
            .map_err(|e| errors.push(e))
            .unwrap_or(None);
        let ends_on = parse_date("ends_on", &form.ends_on, "The planned end")
            .map_err(|e| errors.push(e))
            .unwrap_or(None);
        if let (Some(s), Some(e)) = (starts_on, ends_on) {
            if e < s {
                errors.push(Invalid::new(
                    "ends_on",
                    "The planned end must be on or after the planned start",
                ));
            }
        }
        match title {
            Some(title) if errors.is_empty() => Ok(Details {
                title,
                summary,
                background,
                themes,
                activities,
                origin,
                origin_note,
                address,
                point,
                starts_on,
                ends_on,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> DetailsForm {
        DetailsForm {
            title: "Poly tunnel on the estate".into(),
            summary: "Growing vegetables with residents all year round".into(),
            themes: vec!["growing".into(), "food".into()],
            ..DetailsForm::default()
        }
    }

    fn fields(errors: &[Invalid]) -> Vec<&'static str> {
        errors.iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_plain_project_reads() {
        let d = Details::parse(&form()).unwrap();
        assert_eq!(d.themes, [Theme::Growing, Theme::Food]);
        assert_eq!(d.origin, Origin::Direct);
        assert!(d.point.is_none() && d.starts_on.is_none());
    }

    #[test]
    fn every_mistake_is_listed() {
        let f = DetailsForm {
            title: "x".into(),
            summary: "short".into(),
            themes: vec!["knitting".into()],
            starts_on: "2027-05-01".into(),
            ends_on: "2027-04-01".into(),
            latitude: "51.5".into(),
            ..DetailsForm::default()
        };
        let errors = Details::parse(&f).unwrap_err();
        assert_eq!(
            fields(&errors),
            ["title", "summary", "themes", "longitude", "ends_on"]
        );
    }

    #[test]
    fn risky_activities_need_their_details() {
        let mut f = form();
        f.activities = vec![
            "public_event".into(),
            "third_party_premises".into(),
            "food".into(),
        ];
        let errors = Details::parse(&f).unwrap_err();
        assert_eq!(fields(&errors), ["attendance", "landowner"]);
        f.attendance = "1,500".into();
        f.landowner = "  Brixton Hill  Housing ".into();
        let d = Details::parse(&f).unwrap();
        let event = d
            .activities
            .iter()
            .find(|a| a.activity == Activity::PublicEvent)
            .unwrap();
        assert_eq!(event.attendance, Some(1500));
        let land = d
            .activities
            .iter()
            .find(|a| a.activity == Activity::ThirdPartyPremises)
            .unwrap();
        assert_eq!(land.detail, "Brixton Hill Housing");
    }

    #[test]
    fn online_only_excludes_places() {
        let mut f = form();
        f.activities = vec!["online_only".into(), "cash_handling".into()];
        assert!(Details::parse(&f).is_ok());
        f.activities.push("water".into());
        let errors = Details::parse(&f).unwrap_err();
        assert!(errors[0].message.contains("near or in water"), "{errors:?}");
    }

    #[test]
    fn points_are_exact_and_bounded() {
        let p = Point::parse("51.4613", "-0.1156").unwrap().unwrap();
        assert_eq!((p.lat_e6, p.lon_e6), (51_461_300, -115_600));
        assert!(Point::parse("91", "0").is_err());
        assert!(Point::parse("51.1234567", "0").is_err());
        assert!(Point::parse("north", "0").is_err());
        assert_eq!(Point::parse(" ", "").unwrap(), None);
    }

    #[test]
    fn every_list_round_trips() {
        for t in Theme::ALL {
            assert_eq!(Theme::parse(t.as_str()).unwrap(), t);
        }
        for a in Activity::ALL {
            assert_eq!(Activity::parse(a.as_str()).unwrap(), a);
        }
        for o in Origin::ALL {
            assert_eq!(Origin::parse(o.as_str()).unwrap(), o);
        }
    }
}
