//! Events: make days, drop-in meetups and learning sessions.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::rsvps::Place;
use crate::series::{self, Rule};
use crate::{local_time, Invalid};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A day (or several) of making: people turn ideas into projects.
    Make,
    /// An evening drop-in with no set agenda.
    Meetup,
    /// A session of the staff's action learning set.
    Learning,
    Other,
}

impl EventKind {
    pub const ALL: [EventKind; 4] = [
        EventKind::Make,
        EventKind::Meetup,
        EventKind::Learning,
        EventKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Make => "make",
            EventKind::Meetup => "meetup",
            EventKind::Learning => "learning",
            EventKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EventKind::Make => "Make event",
            EventKind::Meetup => "Drop-in meetup",
            EventKind::Learning => "Learning session",
            EventKind::Other => "Event",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let wanted = input.trim().to_lowercase();
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| {
                Invalid::new(
                    "kind",
                    format!(
                        "'{}' is not a kind of event: choose make, meetup, learning or other",
                        input.trim()
                    ),
                )
            })
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How people take part: in the room, on a call, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    InPerson,
    Online,
    Hybrid,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::InPerson, Format::Online, Format::Hybrid];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::InPerson => "in_person",
            Format::Online => "online",
            Format::Hybrid => "hybrid",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Format::InPerson => "In person",
            Format::Online => "Online",
            Format::Hybrid => "In person and online",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let wanted = input.trim().to_lowercase().replace([' ', '-'], "_");
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == wanted)
            .ok_or_else(|| {
                Invalid::new(
                    "format",
                    "Choose how people take part: in person, online or both",
                )
            })
    }

    /// Whether people come to a venue.
    pub fn has_venue(self) -> bool {
        matches!(self, Format::InPerson | Format::Hybrid)
    }

    /// Whether people join a call.
    pub fn has_call(self) -> bool {
        matches!(self, Format::Online | Format::Hybrid)
    }
}

/// Whether an event is still on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Scheduled,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Scheduled => "scheduled",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input.trim() {
            "scheduled" => Ok(Status::Scheduled),
            "cancelled" => Ok(Status::Cancelled),
            other => Err(Invalid::new(
                "status",
                format!("'{other}' is not an event status: scheduled or cancelled"),
            )),
        }
    }
}

pub const TITLE_MIN: usize = 3;
pub const TITLE_MAX: usize = 120;
pub const GOALS_MAX: usize = 2000;
pub const DESCRIPTION_MAX: usize = 5000;
pub const VENUE_MAX: usize = 200;
pub const ACCESSIBILITY_MAX: usize = 1000;
pub const LINK_MAX: usize = 500;
pub const CAPACITY_MAX: i64 = 10_000;
pub const CRECHE_MAX: i64 = 200;
/// A make event may run over a long weekend; anything longer is several events.
pub const MAX_DAYS: i64 = 4;
pub const ORGANISERS_MAX: usize = 10;
pub const PROJECTS_MAX: usize = 20;
pub const CANCEL_REASON_MAX: usize = 500;
pub const WALK_IN_NAME_MAX: usize = 100;

/// An event as typed into the organisers' form.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct EventForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub goals: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub meeting_link: String,
    #[serde(default)]
    pub venue: String,
    #[serde(default)]
    pub accessibility: String,
    /// A ward's id, or empty for borough-wide.
    #[serde(default)]
    pub ward: String,
    #[serde(default)]
    pub latitude: String,
    #[serde(default)]
    pub longitude: String,
    /// UK wall-clock times, as a browser's date-and-time field sends them.
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    #[serde(default)]
    pub capacity: String,
    #[serde(default)]
    pub creche_capacity: String,
    /// none, weekly, fortnightly, monthly or custom.
    #[serde(default)]
    pub repeats: String,
    /// The rule itself, when `repeats` is custom (RFC 5545 RRULE).
    #[serde(default)]
    pub rrule: String,
    /// How many times in all, for the ready-made repeats; empty for no end.
    #[serde(default)]
    pub times: String,
    /// Email addresses of the other organisers, separated by commas or lines.
    #[serde(default)]
    pub organisers: String,
    /// Numbers of the projects the event will work on.
    #[serde(default)]
    pub projects: String,
    /// When every project's table should have someone, UK time on the
    /// first day ("11:00"); empty for no check.
    #[serde(default)]
    pub tables_by: String,
}

/// An event that may be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub kind: EventKind,
    pub title: String,
    pub goals: String,
    pub description: String,
    pub format: Format,
    pub meeting_link: String,
    pub venue: String,
    pub accessibility: String,
    pub ward_id: Option<i64>,
    /// Latitude and longitude (WGS 84) of the venue.
    pub point: Option<(f64, f64)>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: Option<i64>,
    pub creche_capacity: Option<i64>,
    pub repeats: Option<Rule>,
    /// Lower-cased, without repeats.
    pub organiser_emails: Vec<String>,
    pub project_ids: Vec<i64>,
    /// Minutes after the start by which every table should have someone.
    pub tables_check_minutes: Option<i64>,
}

impl NewEvent {
    /// When the last occurrence ends; None for a series without an end.
    pub fn series_ends_at(&self) -> Option<DateTime<Utc>> {
        match &self.repeats {
            None => Some(self.ends_at),
            Some(rule) => rule
                .last_start(self.starts_at)
                .map(|last| last + (self.ends_at - self.starts_at)),
        }
    }
}

fn words(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn bounded(
    errors: &mut Vec<Invalid>,
    field: &'static str,
    what: &str,
    input: &str,
    max: usize,
) -> String {
    let text = input.trim().replace("\r\n", "\n");
    if text.chars().count() > max {
        errors.push(Invalid::new(
            field,
            format!("Shorten the {what} to {max} characters or fewer"),
        ));
    }
    text
}

fn optional_number(
    errors: &mut Vec<Invalid>,
    field: &'static str,
    input: &str,
    range: std::ops::RangeInclusive<i64>,
    message: &str,
) -> Option<i64> {
    match input.trim() {
        "" => None,
        n => match n.parse::<i64>() {
            Ok(n) if range.contains(&n) => Some(n),
            _ => {
                errors.push(Invalid::new(field, message));
                None
            }
        },
    }
}

/// A meeting link must be a web address people can open, never a script.
pub fn check_link(input: &str) -> Result<String, Invalid> {
    let link = input.trim();
    let lower = link.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").unwrap_or_default();
    if rest.is_empty()
        || rest.starts_with('/')
        || link.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Invalid::new(
            "meeting_link",
            "Enter the meeting link as a full web address starting with https://, like https://meet.example.org/abc-defg",
        ));
    }
    if link.chars().count() > LINK_MAX {
        return Err(Invalid::new(
            "meeting_link",
            format!("Shorten the meeting link to {LINK_MAX} characters or fewer"),
        ));
    }
    Ok(link.to_owned())
}

/// The venue's point: both coordinates or neither, and in Great Britain or
/// Northern Ireland (a swapped pair lands in the sea off Somalia).
fn point(errors: &mut Vec<Invalid>, lat: &str, lon: &str) -> Option<(f64, f64)> {
    match (lat.trim(), lon.trim()) {
        ("", "") => None,
        (a, b) => {
            let lat = a.parse::<f64>().ok().filter(|v| (49.0..=61.0).contains(v));
            let lon = b.parse::<f64>().ok().filter(|v| (-8.7..=2.0).contains(v));
            if lat.is_none() {
                errors.push(Invalid::new(
                    "latitude",
                    "Enter the latitude in degrees, between 49 and 61 for the UK, like 51.4613; or leave both coordinates empty",
                ));
            }
            if lon.is_none() {
                errors.push(Invalid::new(
                    "longitude",
                    "Enter the longitude in degrees, between -8.7 and 2 for the UK, like -0.1156; or leave both coordinates empty",
                ));
            }
            lat.zip(lon)
        }
    }
}

/// The other organisers' addresses: separated by commas, semicolons or lines.
fn organiser_emails(errors: &mut Vec<Invalid>, input: &str) -> Vec<String> {
    let mut emails: Vec<String> = Vec::new();
    for part in input.split([',', ';', '\n', ' ', '\t', '\r']) {
        let email = part.trim().to_lowercase();
        if email.is_empty() {
            continue;
        }
        let valid = email
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
        if !valid {
            errors.push(Invalid::new(
                "organisers",
                format!("'{email}' is not an email address: write each organiser's address, like sam@example.org, separated by commas"),
            ));
            return emails;
        }
        if !emails.contains(&email) {
            emails.push(email);
        }
    }
    if emails.len() > ORGANISERS_MAX {
        errors.push(Invalid::new(
            "organisers",
            format!("Name at most {ORGANISERS_MAX} other organisers"),
        ));
    }
    emails
}

fn project_ids(errors: &mut Vec<Invalid>, input: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for part in input.split([',', ';', '\n', ' ', '\t', '\r']) {
        let part = part.trim().trim_start_matches('#');
        if part.is_empty() {
            continue;
        }
        match part.parse::<i64>() {
            Ok(id) if id > 0 => {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            _ => {
                errors.push(Invalid::new(
                    "projects",
                    format!("'{part}' is not a project number: write the numbers from the projects' addresses, like 12, 40"),
                ));
                return ids;
            }
        }
    }
    if ids.len() > PROJECTS_MAX {
        errors.push(Invalid::new(
            "projects",
            format!("Name at most {PROJECTS_MAX} projects"),
        ));
    }
    ids
}

/// The repeat the form asks for, checked against the first date.
fn repeats(
    errors: &mut Vec<Invalid>,
    form: &EventForm,
    start: Option<DateTime<Utc>>,
) -> Option<Rule> {
    let times = match form.times.trim() {
        "" => None,
        n => match n.parse::<u32>() {
            Ok(n) if (2..=520).contains(&n) => Some(n),
            _ => {
                errors.push(Invalid::new(
                    "times",
                    "Enter how many times it happens in all as a whole number from 2 to 520, or leave it empty for no end",
                ));
                return None;
            }
        },
    };
    let choice = form.repeats.trim();
    if matches!(choice, "" | "none") {
        return None;
    }
    let start = start?;
    let mut rule = match choice {
        "weekly" => series::weekly(start, 1),
        "fortnightly" => series::weekly(start, 2),
        "monthly" => series::monthly_same_weekday(start),
        "custom" => match Rule::parse(&form.rrule) {
            Ok(rule) => rule,
            Err(mut e) => {
                e.field = "rrule";
                errors.push(e);
                return None;
            }
        },
        _ => {
            errors.push(Invalid::new(
                "repeats",
                "Choose how often it repeats from the list",
            ));
            return None;
        }
    };
    // A written rule's own end wins over the "how many times" box.
    if choice != "custom" || (rule.count.is_none() && rule.until.is_none()) {
        rule.count = times;
    }
    if let Err(mut e) = rule.check_start(start) {
        e.field = if choice == "custom" {
            "rrule"
        } else {
            "starts_at"
        };
        errors.push(e);
        return None;
    }
    Some(rule)
}

impl NewEvent {
    /// Parses the whole form, reporting every mistake at once. `now` keeps
    /// new events out of the past; a change to an existing event passes the
    /// start it already had as `kept_start`, which may have passed.
    pub fn parse(
        form: &EventForm,
        now: DateTime<Utc>,
        kept_start: Option<DateTime<Utc>>,
    ) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let kind = EventKind::parse(&form.kind)
            .map_err(|e| errors.push(e))
            .ok();
        let title = words(&form.title);
        let chars = title.chars().count();
        if chars < TITLE_MIN {
            errors.push(Invalid::new(
                "title",
                format!("Enter a title of at least {TITLE_MIN} characters, like \"Make day: greener streets\""),
            ));
        } else if chars > TITLE_MAX {
            errors.push(Invalid::new(
                "title",
                format!("Shorten the title to {TITLE_MAX} characters or fewer"),
            ));
        }
        let goals = bounded(&mut errors, "goals", "goals", &form.goals, GOALS_MAX);
        if kind == Some(EventKind::Make) && goals.is_empty() {
            errors.push(Invalid::new(
                "goals",
                "State the goals of a make event at the outset: what people will leave with, like \"Form teams around three ideas, each with a lead\"",
            ));
        }
        let description = bounded(
            &mut errors,
            "description",
            "description",
            &form.description,
            DESCRIPTION_MAX,
        );
        let format = if form.format.trim().is_empty() {
            Some(Format::InPerson)
        } else {
            Format::parse(&form.format).map_err(|e| errors.push(e)).ok()
        };
        let meeting_link = match format {
            Some(f) if f.has_call() => match check_link(&form.meeting_link) {
                Ok(link) => link,
                Err(e) => {
                    errors.push(e);
                    String::new()
                }
            },
            _ if !form.meeting_link.trim().is_empty() => {
                errors.push(Invalid::new(
                    "meeting_link",
                    "An event only in person has no meeting link: leave it empty, or choose online or both",
                ));
                String::new()
            }
            _ => String::new(),
        };
        let venue = words(&form.venue);
        if venue.chars().count() > VENUE_MAX {
            errors.push(Invalid::new(
                "venue",
                format!("Shorten the venue to {VENUE_MAX} characters or fewer"),
            ));
        }
        if format.is_some_and(Format::has_venue) && venue.is_empty() {
            errors.push(Invalid::new(
                "venue",
                "Enter where people come, like \"Brixton Library, Brixton Oval, SW2 1JQ\"",
            ));
        }
        let accessibility = bounded(
            &mut errors,
            "accessibility",
            "accessibility information",
            &form.accessibility,
            ACCESSIBILITY_MAX,
        );
        let ward_id = match form.ward.trim() {
            "" => None,
            w => match w.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    errors.push(Invalid::new("ward", "Choose a ward from the list"));
                    None
                }
            },
        };
        let point = point(&mut errors, &form.latitude, &form.longitude);
        let starts_at = local_time::parse_input("starts_at", "start", &form.starts_at)
            .map_err(|e| errors.push(e))
            .ok();
        let ends_at = local_time::parse_input("ends_at", "end", &form.ends_at)
            .map_err(|e| errors.push(e))
            .ok();
        if let (Some(s), Some(e)) = (starts_at, ends_at) {
            if e <= s {
                errors.push(Invalid::new("ends_at", "Choose an end after the start"));
            } else if e - s > Duration::days(MAX_DAYS) {
                errors.push(Invalid::new(
                    "ends_at",
                    format!("An event lasts at most {MAX_DAYS} days: make longer ones into several events"),
                ));
            }
            if kept_start != Some(s) && s < now {
                errors.push(Invalid::new(
                    "starts_at",
                    "Choose a start that has not passed yet",
                ));
            }
        }
        let capacity = optional_number(
            &mut errors,
            "capacity",
            &form.capacity,
            1..=CAPACITY_MAX,
            &format!("Enter how many people can come as a whole number from 1 to {CAPACITY_MAX}, or leave it empty for no limit"),
        );
        let creche_capacity = optional_number(
            &mut errors,
            "creche_capacity",
            &form.creche_capacity,
            0..=CRECHE_MAX,
            &format!("Enter how many children the crèche can take as a whole number from 0 to {CRECHE_MAX}, or leave it empty if there is no crèche"),
        );
        let rule = repeats(&mut errors, form, starts_at);
        if let (Some(_), Some(s), Some(e)) = (&rule, starts_at, ends_at) {
            if e - s > Duration::hours(24) {
                errors.push(Invalid::new(
                    "repeats",
                    "A repeating event lasts at most a day each time: shorten it, or make separate events",
                ));
            }
        }
        let organiser_emails = organiser_emails(&mut errors, &form.organisers);
        let project_ids = project_ids(&mut errors, &form.projects);
        let tables_check_minutes = match (starts_at, ends_at) {
            (Some(s), Some(e)) if e > s => crate::tables::parse_check_time(&form.tables_by, s, e)
                .map_err(|e| errors.push(e))
                .ok()
                .flatten(),
            _ => None,
        };
        match (kind, format, starts_at, ends_at) {
            (Some(kind), Some(format), Some(starts_at), Some(ends_at)) if errors.is_empty() => {
                Ok(NewEvent {
                    kind,
                    title,
                    goals,
                    description,
                    format,
                    meeting_link,
                    venue,
                    accessibility,
                    ward_id,
                    point,
                    starts_at,
                    ends_at,
                    capacity,
                    creche_capacity,
                    repeats: rule,
                    organiser_emails,
                    project_ids,
                    tables_check_minutes,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Who sees an online event's meeting link: its organisers, and people with
/// a confirmed place. Someone on the waiting list would otherwise join a
/// call that has no room for them.
pub fn shows_meeting_link(is_organiser: bool, place: Option<Place>) -> bool {
    is_organiser || place == Some(Place::Confirmed)
}

/// Why an event is called off, for the people told.
pub fn check_cancel_reason(input: &str) -> Result<String, Invalid> {
    let reason = words(input);
    if reason.chars().count() < 3 {
        return Err(Invalid::new(
            "reason",
            "Say why the event is cancelled, in a few words: the people going are told",
        ));
    }
    if reason.chars().count() > CANCEL_REASON_MAX {
        return Err(Invalid::new(
            "reason",
            format!("Shorten the reason to {CANCEL_REASON_MAX} characters or fewer"),
        ));
    }
    Ok(reason)
}

/// A walk-in's name as the door list records it.
pub fn check_walk_in_name(input: &str) -> Result<String, Invalid> {
    let name = words(input);
    if name.is_empty() {
        return Err(Invalid::new(
            "name",
            "Enter the name of the person who walked in, or their first name",
        ));
    }
    if name.chars().count() > WALK_IN_NAME_MAX {
        return Err(Invalid::new(
            "name",
            format!("Shorten the name to {WALK_IN_NAME_MAX} characters or fewer"),
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()).unwrap(), kind);
        }
        assert!(EventKind::parse("party").is_err());
    }

    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()
    }

    fn make_day() -> EventForm {
        EventForm {
            kind: "make".into(),
            title: "  Make day:   greener streets ".into(),
            goals: "Form teams around three ideas".into(),
            format: "in_person".into(),
            venue: "Brixton Library".into(),
            starts_at: "2026-12-05T10:00".into(),
            ends_at: "2026-12-05T16:00".into(),
            ..EventForm::default()
        }
    }

    fn fields(errors: &[Invalid]) -> Vec<&'static str> {
        errors.iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_make_day_parses_in_uk_time() {
        let e = NewEvent::parse(&make_day(), now(), None).unwrap();
        assert_eq!(e.title, "Make day: greener streets");
        // December is GMT: 10:00 in London is 10:00 UTC.
        assert_eq!(
            e.starts_at,
            Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 0).unwrap()
        );
        assert_eq!(e.series_ends_at(), Some(e.ends_at));
        assert!(e.repeats.is_none());
    }

    #[test]
    fn make_events_state_their_goals() {
        let form = EventForm {
            goals: " ".into(),
            ..make_day()
        };
        let errors = NewEvent::parse(&form, now(), None).unwrap_err();
        assert_eq!(fields(&errors), ["goals"]);
        let meetup = EventForm {
            kind: "meetup".into(),
            goals: String::new(),
            ..make_day()
        };
        assert!(NewEvent::parse(&meetup, now(), None).is_ok());
    }

    #[test]
    fn online_events_need_a_safe_link_and_in_person_ones_none() {
        let online = EventForm {
            format: "online".into(),
            venue: String::new(),
            meeting_link: "javascript:alert(1)".into(),
            ..make_day()
        };
        let errors = NewEvent::parse(&online, now(), None).unwrap_err();
        assert_eq!(fields(&errors), ["meeting_link"]);
        let online = EventForm {
            meeting_link: "https://meet.example.org/abc".into(),
            ..online
        };
        let e = NewEvent::parse(&online, now(), None).unwrap();
        assert_eq!(e.format, Format::Online);
        let stray = EventForm {
            meeting_link: "https://meet.example.org/abc".into(),
            ..make_day()
        };
        assert_eq!(
            fields(&NewEvent::parse(&stray, now(), None).unwrap_err()),
            ["meeting_link"]
        );
        let hybrid_without_venue = EventForm {
            format: "hybrid".into(),
            venue: String::new(),
            meeting_link: "https://meet.example.org/abc".into(),
            ..make_day()
        };
        assert_eq!(
            fields(&NewEvent::parse(&hybrid_without_venue, now(), None).unwrap_err()),
            ["venue"]
        );
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let form = EventForm {
            kind: "party".into(),
            title: "x".into(),
            starts_at: "2026-12-05T10:00".into(),
            ends_at: "2026-12-05T09:00".into(),
            capacity: "0".into(),
            latitude: "51.46".into(),
            organisers: "sam@example.org, nobody".into(),
            projects: "12, twelve".into(),
            ..EventForm::default()
        };
        let errors = NewEvent::parse(&form, now(), None).unwrap_err();
        for field in [
            "kind",
            "title",
            "ends_at",
            "capacity",
            "longitude",
            "organisers",
            "projects",
        ] {
            assert!(fields(&errors).contains(&field), "{field} in {errors:?}");
        }
    }

    #[test]
    fn past_starts_are_refused_unless_kept() {
        let form = EventForm {
            starts_at: "2026-10-05T10:00".into(),
            ends_at: "2026-10-05T12:00".into(),
            ..make_day()
        };
        assert_eq!(
            fields(&NewEvent::parse(&form, now(), None).unwrap_err()),
            ["starts_at"]
        );
        // October 5th is BST: 10:00 local is 09:00 UTC.
        let kept = Utc.with_ymd_and_hms(2026, 10, 5, 9, 0, 0).unwrap();
        assert!(NewEvent::parse(&form, now(), Some(kept)).is_ok());
    }

    #[test]
    fn organisers_and_projects_are_deduplicated() {
        let form = EventForm {
            organisers: "Sam@Example.org;\nsam@example.org, ali@example.org".into(),
            projects: "#12, 40 12".into(),
            ..make_day()
        };
        let e = NewEvent::parse(&form, now(), None).unwrap();
        assert_eq!(e.organiser_emails, ["sam@example.org", "ali@example.org"]);
        assert_eq!(e.project_ids, [12, 40]);
    }

    #[test]
    fn monthly_meetups_repeat_on_the_same_weekday() {
        // Wednesday 2 December 2026 is the first Wednesday of its month.
        let form = EventForm {
            kind: "meetup".into(),
            goals: String::new(),
            starts_at: "2026-12-02T18:00".into(),
            ends_at: "2026-12-02T20:00".into(),
            repeats: "monthly".into(),
            times: "6".into(),
            ..make_day()
        };
        let e = NewEvent::parse(&form, now(), None).unwrap();
        let rule = e.repeats.clone().unwrap();
        assert_eq!(rule.to_rrule(), "FREQ=MONTHLY;BYDAY=1WE;COUNT=6");
        // The sixth is Wednesday 5 May 2027, 18:00 BST = 17:00 UTC.
        assert_eq!(
            e.series_ends_at(),
            Some(Utc.with_ymd_and_hms(2027, 5, 5, 19, 0, 0).unwrap())
        );
        let custom = EventForm {
            repeats: "custom".into(),
            rrule: "FREQ=YEARLY".into(),
            ..form.clone()
        };
        assert_eq!(
            fields(&NewEvent::parse(&custom, now(), None).unwrap_err()),
            ["rrule"]
        );
        let too_long = EventForm {
            ends_at: "2026-12-04T20:00".into(),
            ..form
        };
        assert_eq!(
            fields(&NewEvent::parse(&too_long, now(), None).unwrap_err()),
            ["repeats"]
        );
    }

    #[test]
    fn links_show_to_organisers_and_confirmed_places_only() {
        assert!(shows_meeting_link(true, None));
        assert!(shows_meeting_link(false, Some(Place::Confirmed)));
        assert!(!shows_meeting_link(false, Some(Place::Waiting)));
        assert!(!shows_meeting_link(false, None));
    }

    #[test]
    fn cancel_reasons_and_walk_in_names_are_checked() {
        assert!(check_cancel_reason(" ").is_err());
        assert_eq!(
            check_cancel_reason(" venue  flooded ").unwrap(),
            "venue flooded"
        );
        assert!(check_walk_in_name("").is_err());
        assert_eq!(check_walk_in_name(" Ama  B ").unwrap(), "Ama B");
    }
}
