//! Demo events: make days on Saturdays (some over a weekend) with goals,
//! evening drop-ins from 6 to 8pm, the staff action learning set's sessions,
//! and showcases, surgeries and walkabouts. They run from about three months
//! before `now` to three months after, at real Lambeth venues, at London
//! wall-clock times stored as UTC.
//!
//! `furnish` then gives them what the event form asks for beyond that:
//! learning sessions held on a call, crèches at make days, drop-ins that
//! meet monthly, and a cancellation or two, from a fork of its own.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use coproduce_core::events::{EventKind, Format, Status};
use coproduce_core::projects::details::Point;
use coproduce_core::series::{self, Rule};
use sqlx::AnyConnection;

use super::batch::{self, Value};
use super::places::{ward_index, Venue, VenueKind, VENUES, WARDS};
use super::rng::Rng;
use super::{ensure_every, Progress};
use crate::{time, Backend, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoEvent {
    pub id: i64,
    pub kind: EventKind,
    pub title: String,
    pub goals: String,
    pub description: String,
    pub venue: String,
    pub ward_id: Option<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub format: Format,
    pub meeting_link: String,
    pub accessibility: String,
    pub point: Option<Point>,
    pub creche_capacity: Option<i64>,
    /// An RFC 5545 rule, empty for a single event.
    pub repeats: String,
    /// When the last occurrence ends: `ends_at` for a single event, None
    /// for a series without an end.
    pub series_ends_at: Option<DateTime<Utc>>,
    pub status: Status,
    pub cancel_reason: String,
    pub sequence: i64,
    pub updated_at: DateTime<Utc>,
    /// Set with the organisers, by `answers`: the first of them.
    pub created_by: Option<i64>,
}

/// Days either side of `now` over which events are spread.
pub const WINDOW_DAYS: i64 = 90;

/// Sessions of one action learning set within the window: about fortnightly.
const SESSIONS_PER_SET: usize = 12;

const MAKE_THEMES: &[&str] = &[
    "greener streets",
    "food for everyone",
    "young people's ideas",
    "warm spaces for winter",
    "fixing, not buying",
    "safer walks to school",
    "play on our estates",
    "growing food together",
    "nobody lonely",
    "spaces nobody loves",
];

const MAKE_GOALS: &[&str] = &[
    "Form teams around the ideas people bring, each with a named lead.",
    "Leave with a first list of what each team needs: skills, kit, space and money.",
    "Agree a date for each team's next meetup.",
    "Hear from three finished projects what they would do differently.",
    "Choose up to five ideas for the council to back this round.",
    "Match at least one person with a skill to every team that needs it.",
];

const LEARNING_THEMES: &[&str] = &[
    "sharing power with residents",
    "saying yes to risk, safely",
    "when a project stalls",
    "money that follows ideas",
    "working across departments",
    "hearing people we rarely hear from",
    "what counts as success",
    "handing over to residents",
    "when residents disagree",
    "keeping promises we cannot control",
];

/// The other events, each with its own day, hours and venue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Other {
    Showcase,
    FundingSurgery,
    Walkabout,
    InsuranceClinic,
    Celebration,
    OpenDay,
}

const OTHERS: [Other; 6] = [
    Other::Showcase,
    Other::FundingSurgery,
    Other::Walkabout,
    Other::InsuranceClinic,
    Other::Celebration,
    Other::OpenDay,
];

/// When and where, before titles are written.
struct Slot {
    kind: EventKind,
    other: Other,
    two_days: bool,
    venue: usize,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
}

/// `count` events with ids from 1 in order of their start.
pub fn generate(rng: &mut Rng, count: usize, now: DateTime<Utc>) -> Vec<DemoEvent> {
    let mut kinds: Vec<EventKind> = (0..count)
        .map(|_| EventKind::ALL[rng.weighted(&[20, 45, 20, 15])])
        .collect();
    ensure_every(rng, &mut kinds, &EventKind::ALL);

    let today = now.date_naive();
    let mut slots: Vec<Slot> = kinds
        .into_iter()
        .map(|kind| {
            let day = today + Duration::days(rng.between(-WINDOW_DAYS, WINDOW_DAYS));
            schedule(rng, kind, day)
        })
        .collect();
    slots.sort_by_key(|s| (s.starts_at, s.venue));

    // One action learning set meets about every fortnight; more sessions in
    // the window mean more sets, as in a bigger council.
    let learning = slots
        .iter()
        .filter(|s| s.kind == EventKind::Learning)
        .count();
    let sets = learning.div_ceil(SESSIONS_PER_SET).max(1);
    let mut sessions_seen = 0;
    slots
        .into_iter()
        .enumerate()
        .map(|(i, slot)| {
            let venue = &VENUES[slot.venue];
            let ward = ward_index(venue.ward);
            let area = ward.map_or("Lambeth", |w| WARDS[w].area);
            let session = Session {
                set: sessions_seen % sets + 1,
                sets,
                number: sessions_seen / sets + 1,
            };
            if slot.kind == EventKind::Learning {
                sessions_seen += 1;
            }
            let (title, goals, description, capacity) = describe(rng, &slot, venue, area, &session);
            let created_at = slot.starts_at.min(now)
                - Duration::days(rng.between(7, 45))
                - Duration::minutes(rng.between(0, 600));
            DemoEvent {
                id: i as i64 + 1,
                kind: slot.kind,
                title,
                goals,
                description,
                venue: venue.name.to_owned(),
                ward_id: ward.map(|w| w as i64 + 1),
                starts_at: slot.starts_at,
                ends_at: slot.ends_at,
                capacity,
                created_at,
                format: Format::InPerson,
                meeting_link: String::new(),
                accessibility: access(slot.venue).to_owned(),
                point: Some(Point {
                    lat_e6: venue.point.0,
                    lon_e6: venue.point.1,
                }),
                creche_capacity: None,
                repeats: String::new(),
                series_ends_at: Some(slot.ends_at),
                status: Status::Scheduled,
                cancel_reason: String::new(),
                sequence: 0,
                updated_at: created_at,
                created_by: None,
            }
        })
        .collect()
}

fn schedule(rng: &mut Rng, kind: EventKind, day: NaiveDate) -> Slot {
    let other = *rng.pick(&OTHERS);
    let summer = (4..=9).contains(&day.month());
    let mut two_days = false;
    let (day, start, end, venue_kinds): (NaiveDate, (u32, u32), (u32, u32), &[VenueKind]) =
        match kind {
            EventKind::Make => {
                two_days = rng.chance(0.3);
                let kinds: &[VenueKind] = if summer {
                    &[VenueKind::Hall, VenueKind::Outdoor, VenueKind::Library]
                } else {
                    &[VenueKind::Hall, VenueKind::Library]
                };
                (next(day, &[Weekday::Sat]), (10, 0), (16, 0), kinds)
            }
            EventKind::Meetup => (
                next(
                    day,
                    &[Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu],
                ),
                (18, 0),
                (20, 0),
                &[VenueKind::Library, VenueKind::Hall],
            ),
            EventKind::Learning => {
                let (start, end) = if rng.chance(0.5) {
                    ((14, 0), (16, 30))
                } else {
                    ((9, 30), (12, 0))
                };
                (
                    next(day, &[Weekday::Tue, Weekday::Wed, Weekday::Thu]),
                    start,
                    end,
                    &[VenueKind::Civic, VenueKind::Civic, VenueKind::Library],
                )
            }
            EventKind::Other => match other {
                Other::Showcase => (
                    next(day, &[Weekday::Sat]),
                    (12, 0),
                    (15, 0),
                    &[VenueKind::Hall, VenueKind::Civic],
                ),
                Other::FundingSurgery => (
                    next(day, &[Weekday::Wed]),
                    (18, 30),
                    (20, 0),
                    &[VenueKind::Library],
                ),
                Other::Walkabout => (
                    next(day, &[Weekday::Sat]),
                    (11, 0),
                    (13, 0),
                    &[VenueKind::Outdoor, VenueKind::Hall],
                ),
                Other::InsuranceClinic => (
                    next(day, &[Weekday::Tue]),
                    (18, 0),
                    (19, 30),
                    &[VenueKind::Civic, VenueKind::Library],
                ),
                Other::Celebration => (
                    next(day, &[Weekday::Fri]),
                    (18, 0),
                    (21, 0),
                    &[VenueKind::Civic],
                ),
                Other::OpenDay => (
                    next(day, &[Weekday::Sat]),
                    (11, 0),
                    (15, 0),
                    &[VenueKind::Hall, VenueKind::Outdoor],
                ),
            },
        };
    let venue_kind = *rng.pick(venue_kinds);
    let candidates: Vec<usize> = (0..VENUES.len())
        .filter(|i| VENUES[*i].kind == venue_kind)
        .collect();
    let venue = *rng.pick(&candidates);
    let end_day = if two_days {
        day + Duration::days(1)
    } else {
        day
    };
    Slot {
        kind,
        other,
        two_days,
        venue,
        starts_at: london(day, start),
        ends_at: london(end_day, end),
    }
}

/// Which session of which action learning set an event is.
struct Session {
    set: usize,
    sets: usize,
    number: usize,
}

/// Title, goals, description and capacity.
fn describe(
    rng: &mut Rng,
    slot: &Slot,
    venue: &Venue,
    area: &str,
    session: &Session,
) -> (String, String, String, Option<i64>) {
    let place = venue.short();
    match slot.kind {
        EventKind::Make => {
            let theme = rng.pick(MAKE_THEMES);
            let title = if slot.two_days {
                format!("{area} make weekend: {theme}")
            } else {
                match rng.index(3) {
                    0 => format!("Make day: {theme} in {area}"),
                    1 => format!("{area} make day"),
                    _ => format!("Make day at {place}"),
                }
            };
            let mut goals: Vec<&str> = MAKE_GOALS.to_vec();
            rng.shuffle(&mut goals);
            goals.truncate(rng.between(2, 3) as usize);
            let mut description = format!(
                "Bring an idea for {area}, or come and help someone else's happen. Lunch, childcare and \
                 interpreters are provided: tell us what you need when you book."
            );
            if slot.two_days {
                description.push_str(" Saturday is for ideas and teams; Sunday for plans, needs and a first step for each team.");
            }
            (title, goals.join(" "), description, Some(rng.between(4, 12) * 10))
        }
        EventKind::Meetup => {
            let title = match rng.index(4) {
                0 => format!("Drop-in meetup: {area}"),
                1 => format!("Evening drop-in at {place}"),
                2 => format!("Ideas drop-in, {area}"),
                _ => format!("Project leads' drop-in at {place}"),
            };
            let goals = match rng.index(4) {
                0 => format!("Meet people with ideas for {area}."),
                1 => "Bring your project's questions about money, insurance and permissions.".to_owned(),
                _ => String::new(),
            };
            let description = "No agenda and no need to book: come any time between 6 and 8pm. Tea, coffee, \
                               and council officers who can answer questions."
                .to_owned();
            let capacity = (!rng.chance(0.2)).then(|| rng.between(2, 6) * 10);
            (title, goals, description, capacity)
        }
        EventKind::Learning => {
            let theme = LEARNING_THEMES[(session.number - 1) % LEARNING_THEMES.len()];
            let set = if session.sets > 1 {
                format!("Action learning set {}", session.set)
            } else {
                "Action learning set".to_owned()
            };
            (
                format!("{set}, session {}: {theme}", session.number),
                "Each member brings one live problem from their work with residents; the set asks questions, not advice."
                    .to_owned(),
                "For council officers in the co-production programme. What is said stays in the room; notes go \
                 to the learning log only with everyone's agreement."
                    .to_owned(),
                Some(rng.between(8, 12)),
            )
        }
        EventKind::Other => match slot.other {
            Other::Showcase => (
                format!("Showcase: projects from {area}"),
                "See what neighbours have made happen, and join a team.".to_owned(),
                "Stalls from projects at every stage, short talks on the hour, and food from local cooks.".to_owned(),
                Some(150),
            ),
            Other::FundingSurgery => (
                "Funding surgery: small grants explained".to_owned(),
                "Leave knowing which fund fits your project and what to write.".to_owned(),
                "One-to-one slots of twenty minutes with the fund-holding trust and a council officer. Bring your \
                 budget, however rough."
                    .to_owned(),
                Some(rng.between(2, 3) * 10),
            ),
            Other::Walkabout => (
                format!("Walkabout: unloved spaces around {area}"),
                "Find the corners people would like to adopt, and report them together.".to_owned(),
                format!("Meet at {place}. We walk for about two hours at an easy pace; wear shoes for the weather."),
                Some(25),
            ),
            Other::InsuranceClinic => (
                "Risk and insurance clinic for project leads".to_owned(),
                "Settle what cover your project needs before it starts.".to_owned(),
                "The council's insurance team and the trust answer questions about public liability, risk \
                 assessments and working with children."
                    .to_owned(),
                Some(20),
            ),
            Other::Celebration => (
                "Celebration of this season's completed projects".to_owned(),
                String::new(),
                "An evening to thank everyone who made a project happen, with music, food and a few short stories."
                    .to_owned(),
                Some(200),
            ),
            Other::OpenDay => (
                format!("Open day at {place}"),
                String::new(),
                "Drop in to see the space, meet the people who run it and find out how to book it for your project."
                    .to_owned(),
                None,
            ),
        },
    }
}

/// What a venue offers people who need step-free access, a hearing loop or
/// an accessible toilet. Made up, like everything held there, but one
/// wording per venue: the same hall reads the same at every event in it.
fn access(venue: usize) -> &'static str {
    let texts: &[&str] = match VENUES[venue].kind {
        VenueKind::Library => &[
            "Step-free entrance and a lift to the meeting room. Accessible toilet on the ground floor, \
             and a hearing loop at the front desk.",
            "Step-free entrance from the street; the meeting room is on the ground floor. Accessible \
             toilet, and a portable hearing loop you can ask for.",
        ],
        VenueKind::Hall => &[
            "Step-free entrance by the side door, signed from the street. Accessible toilet, and \
             chairs with arms on request.",
            "A ramp to the main door and everything on one level. Accessible toilet; the hall has a \
             hearing loop.",
            "Three steps at the front door and a ramp at the back entrance: ring the bell and someone \
             will open it. Accessible toilet.",
        ],
        VenueKind::Civic => &[
            "Step-free entrance, lifts to every floor, accessible toilets and hearing loops in the \
             meeting rooms. Ask at reception for a quiet room.",
        ],
        VenueKind::Outdoor => &[
            "Firm, level paths to the meeting point, then grass that can be muddy after rain. \
             Accessible toilet nearby, signed from the gate.",
            "Level paths throughout; the nearest accessible toilet is a short walk away. Much of it \
             is outdoors, so bring layers.",
        ],
    };
    texts[venue % texts.len()]
}

/// The rule of the demo's own evening drop-in, as the brief for it reads:
/// the first Wednesday of the month, 6 to 8pm.
pub const FIRST_WEDNESDAY: &str = "FREQ=MONTHLY;BYDAY=1WE";

/// Shares of learning sessions held only on a call, and on a call as well
/// as in the room: officers across the borough join from their desks.
const ONLINE: f64 = 0.25;
const HYBRID: f64 = 0.2;

/// Drop-ins in the window per monthly series: a small demo has one, a
/// borough several.
const MEETUPS_PER_SERIES: usize = 40;

/// Events still to come per one called off.
const UPCOMING_PER_CANCELLATION: usize = 100;

const CANCEL_REASONS: &[&str] = &[
    "The hall is closed for repairs after a leak, and no other room nearby is free that day. We \
     will set a new date soon.",
    "Too few people could come on this date. We will choose a new one with the people who answered.",
    "The organiser is unwell. Everyone who answered will hear about the new date first.",
];

const PARK_CLOSED: &str =
    "The park is closed that weekend for a festival. We are looking for a new date.";

/// Gives planned events what the event form asks for besides a time and a
/// place. Draws only from `rng`, so the events' titles and dates, and the
/// projects that came from them, stay as `generate` made them; the one
/// date it moves is a drop-in's, and only earlier, so that a project that
/// came from it still came after it.
pub fn furnish(rng: &mut Rng, events: &mut [DemoEvent], now: DateTime<Utc>) {
    for e in events.iter_mut() {
        match e.kind {
            EventKind::Make => {
                e.creche_capacity = Some(rng.between(8, 15));
                e.accessibility
                    .push_str(" A quiet room is kept free all day for anyone who needs a break.");
            }
            EventKind::Learning => {
                let roll = rng.unit();
                if roll < ONLINE + HYBRID {
                    e.meeting_link = meeting_link(rng);
                }
                if roll < ONLINE {
                    e.format = Format::Online;
                    e.venue.clear();
                    e.ward_id = None;
                    e.point = None;
                    e.accessibility = "Live captions are on for the whole call, and the slides \
                                       are sent the day before."
                        .to_owned();
                } else if roll < ONLINE + HYBRID {
                    e.format = Format::Hybrid;
                    e.accessibility
                        .push_str(" Live captions are on for anyone joining on the call.");
                }
            }
            EventKind::Meetup | EventKind::Other => {}
        }
    }
    repeat_monthly(rng, events, now);
    cancel(rng, events, now);
}

/// "https://meet.example.org/xkq-mwtr-pdz": the shape video calls give out.
fn meeting_link(rng: &mut Rng) -> String {
    const LETTERS: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    let mut word =
        |n: usize| -> String { (0..n).map(|_| char::from(*rng.pick(LETTERS))).collect() };
    let (a, b, c) = (word(3), word(4), word(3));
    format!("https://meet.example.org/{a}-{b}-{c}")
}

/// Turns drop-ins into monthly series that began before `now` and carry
/// on after it. The first meets on the first Wednesday with no end: the
/// drop-in that moves least to a first Wednesday at least six weeks before
/// `now`, so that two of its dates have passed. Any others keep their date
/// and its weekday of the month, for six months to a year.
fn repeat_monthly(rng: &mut Rng, events: &mut [DemoEvent], now: DateTime<Utc>) {
    let meetups = events
        .iter()
        .filter(|e| e.kind == EventKind::Meetup)
        .count();
    let wanted = (meetups / MEETUPS_PER_SERIES).max(1);
    let latest = local_date(now) - Duration::days(42);
    let first = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == EventKind::Meetup)
        .map(|(i, e)| {
            let day = local_date(e.starts_at);
            let to = first_wednesday_on_or_before(day.min(latest));
            ((day - to).num_days(), e.id, i, to)
        })
        .min();
    let Some((_, _, i, day)) = first else {
        return;
    };
    let Ok(rule) = Rule::parse(FIRST_WEDNESDAY) else {
        return;
    };
    let e = &mut events[i];
    e.starts_at = london(day, (18, 0));
    e.ends_at = london(day, (20, 0));
    e.created_at = e.created_at.min(e.starts_at - Duration::days(21));
    e.updated_at = e.created_at;
    repeat(e, &rule);

    let begun = |e: &DemoEvent| {
        e.kind == EventKind::Meetup
            && e.repeats.is_empty()
            && e.starts_at < now - Duration::days(28)
    };
    let mut others: Vec<usize> = (0..events.len()).filter(|i| begun(&events[*i])).collect();
    rng.shuffle(&mut others);
    for i in others.into_iter().take(wanted - 1) {
        let e = &mut events[i];
        let mut rule = series::monthly_same_weekday(e.starts_at);
        rule.count = Some(rng.between(6, 12) as u32);
        let ends = rule
            .last_start(e.starts_at)
            .map(|last| last + (e.ends_at - e.starts_at));
        if ends.is_some_and(|end| end > now) {
            repeat(e, &rule);
        }
    }
}

fn repeat(e: &mut DemoEvent, rule: &Rule) {
    e.repeats = rule.to_rrule();
    e.series_ends_at = rule
        .last_start(e.starts_at)
        .map(|last| last + (e.ends_at - e.starts_at));
    let when = rule.describe();
    let mut chars = when.chars();
    let when = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => when,
    };
    e.description.push_str(&format!(" It meets on {when}."));
}

fn local_date(t: DateTime<Utc>) -> NaiveDate {
    coproduce_core::local_time::uk(t).date_naive()
}

/// The latest first Wednesday of a month on or before `day`, passing over
/// New Year's Day and the 2nd: nobody starts a drop-in then.
fn first_wednesday_on_or_before(day: NaiveDate) -> NaiveDate {
    let first =
        |d: NaiveDate| NaiveDate::from_weekday_of_month_opt(d.year(), d.month(), Weekday::Wed, 1);
    let before_month = |d: NaiveDate| d.with_day(1).and_then(|d| d.pred_opt()).and_then(first);
    let found = match first(day) {
        Some(w) if w <= day => Some(w),
        _ => before_month(day),
    };
    match found {
        Some(w) if in_winter_break(w) => before_month(w).unwrap_or(w),
        Some(w) => w,
        None => day,
    }
}

/// Calls off a few events still to come, never one of the next few: a demo
/// should open on what is on.
fn cancel(rng: &mut Rng, events: &mut [DemoEvent], now: DateTime<Utc>) {
    let mut upcoming: Vec<usize> = (0..events.len())
        .filter(|i| events[*i].starts_at > now && events[*i].repeats.is_empty())
        .collect();
    upcoming.sort_by_key(|i| (events[*i].starts_at, events[*i].id));
    let wanted = (upcoming.len() / UPCOMING_PER_CANCELLATION).max(1);
    let mut candidates: Vec<usize> = upcoming
        .into_iter()
        .skip(3)
        .filter(|i| {
            events[*i].kind != EventKind::Learning && events[*i].starts_at > now + Duration::days(5)
        })
        .collect();
    rng.shuffle(&mut candidates);
    for i in candidates.into_iter().take(wanted) {
        let outdoor = VENUES
            .iter()
            .any(|v| v.name == events[i].venue && v.kind == VenueKind::Outdoor);
        let reason = if outdoor {
            PARK_CLOSED
        } else {
            rng.pick(CANCEL_REASONS)
        };
        let e = &mut events[i];
        e.status = Status::Cancelled;
        e.cancel_reason = reason.to_owned();
        e.sequence += 1;
        let told = now - Duration::days(rng.between(1, 6)) - Duration::minutes(rng.between(0, 600));
        e.updated_at = told.max(e.created_at + (now - e.created_at) / 2);
    }
}

/// The first of `days` on or after `day`, outside the winter break.
fn next(day: NaiveDate, days: &[Weekday]) -> NaiveDate {
    let mut d = day;
    // At most the 13 days of the break and a week after it.
    for _ in 0..21 {
        if days.contains(&d.weekday()) && !in_winter_break(d) {
            return d;
        }
        d += Duration::days(1);
    }
    day
}

/// Nobody holds a make day or a drop-in between 21 December and 2 January.
fn in_winter_break(day: NaiveDate) -> bool {
    (day.month() == 12 && day.day() >= 21) || (day.month() == 1 && day.day() <= 2)
}

/// A London wall-clock time as UTC: British Summer Time (UTC+1) runs from the
/// last Sunday of March to the last Sunday of October. Events start after the
/// 1am change, so the day alone decides the offset.
pub fn london(day: NaiveDate, (hour, minute): (u32, u32)) -> DateTime<Utc> {
    let local = day.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(hour * 60 + minute));
    let offset = if is_summer_time(day) { 1 } else { 0 };
    Utc.from_utc_datetime(&(local - Duration::hours(offset)))
}

fn is_summer_time(day: NaiveDate) -> bool {
    match (last_sunday(day.year(), 3), last_sunday(day.year(), 10)) {
        (Some(begins), Some(ends)) => day >= begins && day < ends,
        _ => false,
    }
}

fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let last = NaiveDate::from_ymd_opt(year, month + 1, 1)?.pred_opt()?;
    Some(last - Duration::days(i64::from(last.weekday().num_days_from_sunday())))
}

pub async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    events: &[DemoEvent],
    progress: &dyn Progress,
) -> Result<u64> {
    let rows = events.iter().map(|e| {
        vec![
            Value::from(e.id),
            Value::from(e.kind.as_str()),
            Value::from(e.title.as_str()),
            Value::from(e.goals.as_str()),
            Value::from(e.description.as_str()),
            Value::from(e.venue.as_str()),
            Value::from(e.ward_id),
            Value::from(time::encode(e.starts_at)),
            Value::from(time::encode(e.ends_at)),
            Value::from(e.capacity),
            Value::from(time::encode(e.created_at)),
            Value::from(e.format.as_str()),
            Value::from(e.meeting_link.as_str()),
            Value::from(e.accessibility.as_str()),
            Value::from(e.point.map(Point::lat)),
            Value::from(e.point.map(Point::lon)),
            Value::from(e.creche_capacity),
            Value::from(e.repeats.as_str()),
            Value::from(e.series_ends_at.map(time::encode)),
            Value::from(e.status.as_str()),
            Value::from(e.cancel_reason.as_str()),
            Value::from(e.sequence),
            Value::from(time::encode(e.updated_at)),
            Value::from(e.created_by),
        ]
    });
    batch::insert(
        conn,
        backend,
        "events",
        &[
            "id",
            "kind",
            "title",
            "goals",
            "description",
            "venue",
            "ward_id",
            "starts_at",
            "ends_at",
            "capacity",
            "created_at",
            "format",
            "meeting_link",
            "accessibility",
            "latitude",
            "longitude",
            "creche_capacity",
            "repeats",
            "series_ends_at",
            "status",
            "cancel_reason",
            "sequence",
            "updated_at",
            "created_by",
        ],
        rows,
        progress,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn london_times_follow_british_summer_time() {
        let winter = NaiveDate::from_ymd_opt(2026, 1, 14).unwrap();
        let summer = NaiveDate::from_ymd_opt(2026, 6, 10).unwrap();
        assert_eq!(
            london(winter, (18, 0)),
            Utc.with_ymd_and_hms(2026, 1, 14, 18, 0, 0).unwrap()
        );
        assert_eq!(
            london(summer, (18, 0)),
            Utc.with_ymd_and_hms(2026, 6, 10, 17, 0, 0).unwrap()
        );
        // 2026: summer time from Sunday 29 March to Sunday 25 October.
        assert_eq!(last_sunday(2026, 3), NaiveDate::from_ymd_opt(2026, 3, 29));
        assert_eq!(last_sunday(2026, 10), NaiveDate::from_ymd_opt(2026, 10, 25));
        assert!(!is_summer_time(
            NaiveDate::from_ymd_opt(2026, 3, 28).unwrap()
        ));
        assert!(is_summer_time(
            NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()
        ));
        assert!(!is_summer_time(
            NaiveDate::from_ymd_opt(2026, 10, 25).unwrap()
        ));
    }

    #[test]
    fn events_keep_their_promised_days_and_hours() {
        let december = Utc.with_ymd_and_hms(2026, 12, 20, 9, 0, 0).unwrap();
        for now in [now(), december] {
            check_events(now);
        }
    }

    #[test]
    fn first_wednesdays_are_found_and_new_year_is_passed_over() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(first_wednesday_on_or_before(d(2026, 5, 1)), d(2026, 4, 1));
        assert_eq!(first_wednesday_on_or_before(d(2026, 5, 6)), d(2026, 5, 6));
        assert_eq!(first_wednesday_on_or_before(d(2026, 5, 31)), d(2026, 5, 6));
        // 1 January 2025 was a Wednesday.
        assert_eq!(first_wednesday_on_or_before(d(2025, 1, 20)), d(2024, 12, 4));
    }

    #[test]
    fn furnished_events_meet_monthly_go_online_and_call_some_off() {
        let december = Utc.with_ymd_and_hms(2026, 12, 20, 9, 0, 0).unwrap();
        for (seed, count, now) in [(3, 600, now()), (4, 24, now()), (5, 24, december)] {
            let mut events = generate(&mut Rng::new(seed), count, now);
            let before = events.clone();
            furnish(&mut Rng::new(seed).fork("details"), &mut events, now);
            check_furnished(&before, &events, now);
        }
    }

    fn check_furnished(before: &[DemoEvent], events: &[DemoEvent], now: DateTime<Utc>) {
        let monthly: Vec<&DemoEvent> = events
            .iter()
            .filter(|e| e.repeats == FIRST_WEDNESDAY)
            .collect();
        assert_eq!(monthly.len(), 1, "one first-Wednesday drop-in");
        let m = monthly[0];
        let rule = Rule::parse(&m.repeats).unwrap();
        rule.check_start(m.starts_at).unwrap();
        let local = coproduce_core::local_time::uk(m.starts_at);
        assert_eq!(
            (
                local.weekday(),
                local.hour(),
                (m.ends_at - m.starts_at).num_hours()
            ),
            (Weekday::Wed, 18, 2)
        );
        assert_eq!(m.kind, EventKind::Meetup);
        assert_eq!(m.series_ends_at, None, "the drop-in has no end");
        let dates = rule.occurrences(m.starts_at, m.ends_at - m.starts_at, m.starts_at, 20);
        assert!(dates.iter().filter(|d| **d < now).count() >= 2, "{dates:?}");
        assert!(dates.iter().any(|d| *d > now));
        assert!(m.created_at < m.starts_at);
        let was = before.iter().find(|e| e.id == m.id).unwrap();
        assert!(m.starts_at <= was.starts_at, "moved only earlier");
        assert_eq!(m.title, was.title, "projects that came from it name it");

        for e in events.iter().filter(|e| !e.repeats.is_empty()) {
            let rule = Rule::parse(&e.repeats).unwrap();
            rule.check_start(e.starts_at).unwrap();
            assert!(
                e.series_ends_at.is_none_or(|end| end > now),
                "{}",
                e.repeats
            );
            assert!(e.description.contains("It meets on "), "{}", e.description);
        }
        for e in events.iter().filter(|e| e.repeats.is_empty()) {
            assert_eq!(e.series_ends_at, Some(e.ends_at));
        }

        let cancelled: Vec<&DemoEvent> = events
            .iter()
            .filter(|e| e.status == Status::Cancelled)
            .collect();
        assert!(!cancelled.is_empty());
        for e in cancelled {
            assert!(e.starts_at > now + Duration::days(5), "{}", e.title);
            assert!(!e.cancel_reason.is_empty() && e.sequence == 1);
            assert!(e.created_at < e.updated_at && e.updated_at <= now);
        }

        for e in events {
            match e.format {
                Format::Online => {
                    assert!(e.venue.is_empty() && e.point.is_none());
                    assert!(e.meeting_link.starts_with("https://meet.example.org/"));
                    coproduce_core::events::check_link(&e.meeting_link).unwrap();
                }
                Format::Hybrid => {
                    assert!(!e.venue.is_empty() && e.point.is_some());
                    coproduce_core::events::check_link(&e.meeting_link).unwrap();
                }
                Format::InPerson => {
                    assert!(e.meeting_link.is_empty() && e.point.is_some());
                    assert!(!e.accessibility.is_empty());
                }
            }
            assert_eq!(
                e.format != Format::InPerson,
                e.kind == EventKind::Learning && !e.meeting_link.is_empty()
            );
            match e.kind {
                EventKind::Make => {
                    assert!(e.creche_capacity.is_some_and(|c| (8..=15).contains(&c)))
                }
                _ => assert_eq!(e.creche_capacity, None),
            }
        }
        if events.len() >= 100 {
            for format in Format::ALL {
                assert!(events.iter().any(|e| e.format == format), "no {format:?}");
            }
        }
    }

    fn check_events(now: DateTime<Utc>) {
        let events = generate(&mut Rng::new(3), 600, now);
        assert_eq!(events.len(), 600);
        for kind in EventKind::ALL {
            assert!(events.iter().any(|e| e.kind == kind), "no {kind}");
        }
        for pair in events.windows(2) {
            assert!(
                pair[0].starts_at <= pair[1].starts_at,
                "ids follow start times"
            );
        }
        let window = Duration::days(WINDOW_DAYS + 21);
        for e in &events {
            assert!(e.ends_at > e.starts_at, "{}", e.title);
            assert!(
                e.created_at < e.starts_at && e.created_at <= now,
                "{}",
                e.title
            );
            assert!((e.starts_at - now).abs() <= window, "{}", e.title);
            assert!(e.capacity.is_none_or(|c| c > 0));
            assert!(!e.title.is_empty() && !e.venue.is_empty() && e.ward_id.is_some());
            assert!(
                !in_winter_break(e.starts_at.date_naive()),
                "{} at Christmas",
                e.title
            );
            let local =
                e.starts_at + Duration::hours(i64::from(is_summer_time(e.starts_at.date_naive())));
            match e.kind {
                EventKind::Make => {
                    assert_eq!(local.weekday(), Weekday::Sat, "{}", e.title);
                    assert_eq!(local.hour(), 10);
                    assert!(!e.goals.is_empty());
                    assert!((e.ends_at - e.starts_at) <= Duration::hours(31));
                }
                EventKind::Meetup => {
                    assert!(local.weekday().num_days_from_monday() < 4, "{}", e.title);
                    assert_eq!(
                        (local.hour(), (e.ends_at - e.starts_at).num_hours()),
                        (18, 2)
                    );
                }
                EventKind::Learning => {
                    assert!(
                        e.title.starts_with("Action learning set")
                            && e.title.contains(", session "),
                        "{}",
                        e.title
                    );
                    assert!(e.capacity.is_some_and(|c| c <= 12));
                }
                EventKind::Other => {}
            }
        }
        let first_session = events
            .iter()
            .find(|e| e.kind == EventKind::Learning)
            .unwrap();
        assert!(
            first_session
                .title
                .starts_with("Action learning set 1, session 1:"),
            "{}",
            first_session.title
        );
        let small = generate(&mut Rng::new(3), 24, now);
        let first_small = small
            .iter()
            .find(|e| e.kind == EventKind::Learning)
            .unwrap();
        assert!(
            first_small
                .title
                .starts_with("Action learning set, session 1:"),
            "{}",
            first_small.title
        );
    }
}
