//! Demo events: make days on Saturdays (some over a weekend) with goals,
//! evening drop-ins from 6 to 8pm, the staff action learning set's sessions,
//! and showcases, surgeries and walkabouts. They run from about three months
//! before `now` to three months after, at real Lambeth venues, at London
//! wall-clock times stored as UTC.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use coproduce_core::events::EventKind;
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
