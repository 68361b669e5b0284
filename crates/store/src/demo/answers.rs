//! Demo answers to events: who organises each event and which projects it
//! works on, the answers of the people coming (places, the waiting list,
//! maybes and regrets, with crèche, access and dietary needs shared by
//! consent), and who came through the door on each date that has passed,
//! walk-ins included.
//!
//! Everything is planned from the events as `events::furnish` left them, the
//! people and the projects (with the events they came from), and draws from
//! its own fork of the seed.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use coproduce_core::events::{EventKind, Format, Status};
use coproduce_core::people::Role;
use coproduce_core::projects::Stage;
use coproduce_core::rsvps::{Needs, Place, Response};
use coproduce_core::series::Rule;
use sqlx::AnyConnection;

use super::batch::{self, Value};
use super::events::{DemoEvent, FIRST_WEDNESDAY};
use super::names::GROUPS;
use super::people::{DemoPerson, DEMO_ADMIN_ID, DEMO_OFFICER_ID, DEMO_RESIDENT_ID};
use super::places::WARDS;
use super::projects::DemoProject;
use super::rng::Rng;
use super::Progress;
use crate::{time, Backend, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrganiser {
    pub event_id: i64,
    pub person_id: i64,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRsvp {
    pub id: i64,
    pub event_id: i64,
    pub person_id: i64,
    pub response: Response,
    pub place: Option<Place>,
    pub waiting_since: Option<DateTime<Utc>>,
    pub needs: Needs,
    pub needs_shared_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub checkin_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCheckIn {
    pub id: i64,
    pub event_id: i64,
    /// None for a walk-in, known only by `walk_in_name`.
    pub person_id: Option<i64>,
    pub occurrence: DateTime<Utc>,
    pub walk_in_name: String,
    pub checked_in_at: DateTime<Utc>,
    pub checked_in_by: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    pub organisers: Vec<DemoOrganiser>,
    /// (event, project) pairs.
    pub projects: Vec<(i64, i64)>,
    pub rsvps: Vec<DemoRsvp>,
    pub check_ins: Vec<DemoCheckIn>,
}

impl Answers {
    pub fn rows(&self) -> u64 {
        (self.organisers.len() + self.projects.len() + self.rsvps.len() + self.check_ins.len())
            as u64
    }
}

/// How many answer an event without a limit, as if it had one.
const OPEN_DROP_IN: i64 = 30;
const OPEN_DAY: i64 = 60;

/// Days before an event by which most of its answers are in: events
/// further off have had less time to fill.
const BOOKING_DAYS: f64 = 120.0;

/// Shares of those with a place who book the crèche at a make event (while
/// it has room: at the biggest make days it fills first), and of those
/// going who tell the organisers of an access need. Diets depend on the
/// food: see `answer`.
const CRECHE: f64 = 0.15;
const ACCESS: f64 = 0.05;

/// The demo's resident books the crèche for her daughter at make days, so
/// that her answer shows what sharing needs looks like.
const RESIDENT_CHILD_AGE: &str = "6";

/// Shares of those with a place who turn up, at a single event and at any
/// one date of a monthly series (people come most months, not every one),
/// and of those who said maybe.
const SHOW_UP: f64 = 0.88;
const SHOW_UP_MONTHLY: f64 = 0.65;
const MAYBE_SHOWS_UP: f64 = 0.25;

/// A date is checked in once it is this far behind `now`: the door list of
/// an event under way is still being filled.
const DOOR_CLOSED: i64 = 2;

const ACCESS_NEEDS: &[&str] = &[
    "step-free access",
    "hearing loop",
    "BSL interpreter",
    "step-free access and a seat near the door",
    "a seat near the front: I am partially sighted",
    "large print handouts",
    "a quiet space to take breaks",
];

/// For an event on a call: what the room cannot give, the call can.
const CALL_ACCESS_NEEDS: &[&str] = &["BSL interpreter", "live captions", "large print slides"];

const DIETS: &[(&str, u32)] = &[
    ("vegetarian", 30),
    ("halal", 20),
    ("no nuts", 12),
    ("vegan", 12),
    ("gluten free", 8),
    ("dairy free", 6),
    ("kosher", 4),
    ("vegetarian, no nuts", 4),
    ("diabetic: nothing too sweet", 4),
];

/// The alphabet of check-in codes: no 0/o, 1/l/i to confuse at the door.
const CODE_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
const CODE_LENGTH: usize = 20;

/// Everyone in the plan the answers draw from, sorted once.
struct Crowd {
    officers: Vec<i64>,
    staff: Vec<i64>,
    /// Residents other than the demo's own, whose answers are chosen.
    residents: Vec<i64>,
    by_ward: Vec<Vec<i64>>,
    /// Residents who lead a project, by the project's ward.
    leads_by_ward: Vec<Vec<i64>>,
}

impl Crowd {
    fn new(people: &[DemoPerson], projects: &[DemoProject]) -> Self {
        let of = |wanted: &dyn Fn(&DemoPerson) -> bool| -> Vec<i64> {
            people.iter().filter(|p| wanted(p)).map(|p| p.id).collect()
        };
        let mut officers = of(&|p| p.role == Role::Officer);
        if officers.is_empty() {
            officers = of(&|p| p.role == Role::Admin);
        }
        let staff = of(&|p| p.role != Role::Resident);
        let residents = of(&|p| p.role == Role::Resident && p.id != DEMO_RESIDENT_ID);
        let mut by_ward = vec![Vec::new(); WARDS.len()];
        for p in people {
            if p.role == Role::Resident && p.id != DEMO_RESIDENT_ID {
                if let Some(w) = ward(p.ward_id) {
                    by_ward[w].push(p.id);
                }
            }
        }
        let is_resident: HashSet<i64> = residents.iter().copied().collect();
        let mut leads_by_ward = vec![Vec::new(); WARDS.len()];
        for p in projects {
            if let (Some(w), Some(lead)) = (ward(p.ward_id), p.lead_id) {
                if is_resident.contains(&lead) && !leads_by_ward[w].contains(&lead) {
                    leads_by_ward[w].push(lead);
                }
            }
        }
        Crowd {
            officers,
            staff,
            residents,
            by_ward,
            leads_by_ward,
        }
    }
}

fn ward(id: Option<i64>) -> Option<usize> {
    id.and_then(|w| usize::try_from(w - 1).ok())
        .filter(|w| *w < WARDS.len())
}

/// Plans every answer row, and names each event's creator (its first
/// organiser) in `events`.
pub fn generate(
    rng: &mut Rng,
    events: &mut [DemoEvent],
    people: &[DemoPerson],
    projects: &[DemoProject],
    now: DateTime<Utc>,
) -> Answers {
    let crowd = Crowd::new(people, projects);
    let mut out = Answers::default();
    let organisers = organise(rng, events, &crowd, now);
    for (e, chosen) in events.iter_mut().zip(&organisers) {
        e.created_by = chosen.first().copied();
        for (k, person) in chosen.iter().enumerate() {
            // The creator from the start; a co-organiser joins within days.
            let since = if k == 0 {
                e.created_at
            } else {
                (e.created_at + Duration::hours(rng.between(1, 72))).min(now)
            };
            out.organisers.push(DemoOrganiser {
                event_id: e.id,
                person_id: *person,
                since,
            });
        }
    }
    out.projects = link_projects(rng, events, projects);

    let resident = resident_answers(events, now);
    let mut codes = Codes::new(rng.fork("checkin codes"));
    let mut names = rng.fork("walk-ins");
    for (e, chosen) in events.iter().zip(&organisers) {
        let answers = answer(
            rng,
            e,
            chosen,
            &crowd,
            resident.get(&e.id).copied(),
            &mut codes,
            now,
        );
        let came = check_in(rng, &mut names, e, chosen, &answers, now);
        let first = out.rsvps.len() as i64 + 1;
        out.rsvps
            .extend(answers.into_iter().enumerate().map(|(k, mut r)| {
                r.id = first + k as i64;
                r
            }));
        let first = out.check_ins.len() as i64 + 1;
        out.check_ins
            .extend(came.into_iter().enumerate().map(|(k, mut c)| {
                c.id = first + k as i64;
                c
            }));
    }
    out
}

/// One or two organisers per event, first the one who put it on the
/// calendar: officers, with a resident who leads a project nearby at some
/// drop-ins. The demo's officer runs the monthly drop-in and the next make
/// day, and its admin another event soon, so that both find organisers'
/// pages when they sign in.
fn organise(
    rng: &mut Rng,
    events: &[DemoEvent],
    crowd: &Crowd,
    now: DateTime<Utc>,
) -> Vec<Vec<i64>> {
    let mut all: Vec<Vec<i64>> = events
        .iter()
        .map(|e| {
            let mut chosen = vec![*rng.pick(&crowd.officers)];
            let second = match e.kind {
                EventKind::Make => rng.chance(0.7).then(|| *rng.pick(&crowd.officers)),
                EventKind::Meetup => {
                    if rng.chance(0.35) {
                        co_organiser(rng, e, crowd)
                    } else {
                        None
                    }
                }
                EventKind::Learning => rng.chance(0.3).then(|| *rng.pick(&crowd.officers)),
                EventKind::Other => rng.chance(0.4).then(|| *rng.pick(&crowd.officers)),
            };
            if let Some(s) = second.filter(|s| !chosen.contains(s)) {
                chosen.push(s);
            }
            chosen
        })
        .collect();

    let soonest = |wanted: &dyn Fn(usize) -> bool| -> Option<usize> {
        (0..events.len())
            .filter(|i| {
                let e = &events[*i];
                e.status == Status::Scheduled
                    && e.repeats.is_empty()
                    && e.starts_at > now
                    && wanted(*i)
            })
            .min_by_key(|i| (events[*i].starts_at, events[*i].id))
    };
    let series = events.iter().position(|e| e.repeats == FIRST_WEDNESDAY);
    let make_day = soonest(&|i| events[i].kind == EventKind::Make).or_else(|| soonest(&|_| true));
    let for_officer: Vec<usize> = series.into_iter().chain(make_day).collect();
    let for_admin = soonest(&|i| {
        matches!(events[i].kind, EventKind::Other | EventKind::Meetup) && !for_officer.contains(&i)
    })
    .or_else(|| soonest(&|i| !for_officer.contains(&i)));
    let lead = |chosen: &mut Vec<i64>, person: i64| {
        chosen.retain(|p| *p != person);
        chosen.insert(0, person);
        chosen.truncate(2);
    };
    for i in for_officer {
        lead(&mut all[i], DEMO_OFFICER_ID);
    }
    if let Some(i) = for_admin {
        lead(&mut all[i], DEMO_ADMIN_ID);
    }
    all
}

/// A resident who leads a project in the drop-in's ward, else any of its
/// residents: the people who would help run one.
fn co_organiser(rng: &mut Rng, e: &DemoEvent, crowd: &Crowd) -> Option<i64> {
    let w = ward(e.ward_id)?;
    if !crowd.leads_by_ward[w].is_empty() {
        return Some(*rng.pick(&crowd.leads_by_ward[w]));
    }
    if !crowd.by_ward[w].is_empty() {
        return Some(*rng.pick(&crowd.by_ward[w]));
    }
    None
}

/// Each make event works on one to four projects: those that came out of
/// it, then projects being planned, nearby ones first.
fn link_projects(rng: &mut Rng, events: &[DemoEvent], projects: &[DemoProject]) -> Vec<(i64, i64)> {
    let mut from_event: HashMap<i64, Vec<i64>> = HashMap::new();
    for p in projects {
        if let Some(e) = p.origin_event_id {
            from_event.entry(e).or_default().push(p.id);
        }
    }
    let planning: Vec<&DemoProject> = projects
        .iter()
        .filter(|p| p.stage == Stage::Planning)
        .collect();
    let mut links = Vec::new();
    for e in events.iter().filter(|e| e.kind == EventKind::Make) {
        let wanted = rng.between(1, 4) as usize;
        let mut chosen: Vec<i64> = from_event
            .get(&e.id)
            .map(|ids| ids.iter().take(wanted).copied().collect())
            .unwrap_or_default();
        let nearby: Vec<i64> = planning
            .iter()
            .filter(|p| p.ward_id.is_some() && p.ward_id == e.ward_id)
            .map(|p| p.id)
            .collect();
        // A few tries more than needed: a small demo may have few projects
        // being planned, and repeats are skipped.
        for _ in 0..wanted * 4 {
            if chosen.len() >= wanted || planning.is_empty() {
                break;
            }
            let id = if !nearby.is_empty() && rng.chance(0.6) {
                *rng.pick(&nearby)
            } else {
                rng.pick(&planning).id
            };
            if !chosen.contains(&id) {
                chosen.push(id);
            }
        }
        chosen.sort_unstable();
        links.extend(chosen.into_iter().map(|p| (e.id, p)));
    }
    links
}

/// What the demo's resident has answered: a place at the next make day
/// (so her page shows a QR code), the monthly drop-in, a maybe, and the
/// two latest events that have passed, which she came to.
fn resident_answers(events: &[DemoEvent], now: DateTime<Utc>) -> HashMap<i64, Response> {
    let open = |e: &&DemoEvent| {
        e.status == Status::Scheduled && e.repeats.is_empty() && e.kind != EventKind::Learning
    };
    let mut upcoming: Vec<&DemoEvent> = events
        .iter()
        .filter(open)
        .filter(|e| e.starts_at > now)
        .collect();
    upcoming.sort_by_key(|e| (e.starts_at, e.id));
    let mut past: Vec<&DemoEvent> = events
        .iter()
        .filter(open)
        .filter(|e| e.ends_at < now)
        .collect();
    past.sort_by_key(|e| (std::cmp::Reverse(e.starts_at), e.id));

    let mut answers = HashMap::new();
    let place = upcoming
        .iter()
        .find(|e| e.kind == EventKind::Make)
        .or_else(|| upcoming.first());
    if let Some(e) = place {
        answers.insert(e.id, Response::Going);
    }
    if let Some(e) = upcoming.iter().find(|e| !answers.contains_key(&e.id)) {
        answers.insert(e.id, Response::Maybe);
    }
    if let Some(e) = events.iter().find(|e| e.repeats == FIRST_WEDNESDAY) {
        answers.insert(e.id, Response::Going);
    }
    for e in past.iter().take(2) {
        answers.insert(e.id, Response::Going);
    }
    answers
}

/// Check-in codes, unique across the demo as the database requires.
struct Codes {
    rng: Rng,
    seen: HashSet<String>,
}

impl Codes {
    fn new(rng: Rng) -> Self {
        Codes {
            rng,
            seen: HashSet::new(),
        }
    }

    fn next(&mut self) -> String {
        loop {
            let code: String = (0..CODE_LENGTH)
                .map(|_| char::from(*self.rng.pick(CODE_ALPHABET)))
                .collect();
            if self.seen.insert(code.clone()) {
                return code;
            }
        }
    }
}

/// The answers to one event, in the order they came in (ids left for the
/// caller): places to the first who said they were going, the waiting list
/// after them in turn, crèche places while the crèche has room.
fn answer(
    rng: &mut Rng,
    e: &DemoEvent,
    organisers: &[i64],
    crowd: &Crowd,
    resident: Option<Response>,
    codes: &mut Codes,
    now: DateTime<Utc>,
) -> Vec<DemoRsvp> {
    let series = !e.repeats.is_empty();
    // Answers open when the event is put on the calendar and close when it
    // starts; a series' stand for every date, so people still join it.
    let opens = e.created_at + Duration::hours(1);
    let closes = if series {
        now - Duration::minutes(10)
    } else {
        (e.starts_at - Duration::minutes(30)).min(now - Duration::minutes(10))
    };
    let closes = closes.max(opens + Duration::minutes(30));
    let span = (closes - opens).num_seconds();

    let learning = e.kind == EventKind::Learning;
    let nominal = e.capacity.unwrap_or(match e.kind {
        EventKind::Meetup => OPEN_DROP_IN,
        _ => OPEN_DAY,
    });
    let fill = if learning {
        rng.between(60, 100) as f64 / 100.0
    } else {
        rng.between(55, 125) as f64 / 100.0
    };
    let ahead = if series {
        0.0
    } else {
        (e.starts_at - now).num_days().max(0) as f64
    };
    let booked = (1.0 - ahead / BOOKING_DAYS).clamp(0.3, 1.0);
    let going = (nominal as f64 * fill * booked).round() as usize;
    let maybe = (going as f64 * rng.between(5, 20) as f64 / 100.0).round() as usize;
    let regrets = (going as f64 * rng.between(3, 10) as f64 / 100.0).round() as usize;

    let exclude: HashSet<i64> = organisers.iter().copied().collect();
    let (pool, nearby): (&[i64], &[i64]) = if learning {
        (&crowd.staff, &[])
    } else {
        let w = ward(e.ward_id);
        (&crowd.residents, w.map_or(&[][..], |w| &crowd.by_ward[w]))
    };
    let mut people = sample(rng, going + maybe + regrets, pool, nearby, &exclude);

    struct Draft {
        person: i64,
        response: Response,
        at: DateTime<Utc>,
    }
    let mut drafts: Vec<Draft> = Vec::with_capacity(people.len() + 1);
    if let Some(response) = resident.filter(|_| !exclude.contains(&DEMO_RESIDENT_ID)) {
        // The first to answer, so that she has a place.
        drafts.push(Draft {
            person: DEMO_RESIDENT_ID,
            response,
            at: opens,
        });
    }
    for (k, person) in people.drain(..).enumerate() {
        let response = if k < going {
            Response::Going
        } else if k < going + maybe {
            Response::Maybe
        } else {
            Response::NotGoing
        };
        drafts.push(Draft {
            person,
            response,
            at: opens + Duration::seconds(rng.between(1, span)),
        });
    }
    drafts.sort_by_key(|d| (d.at, d.person));

    let diet_weights: Vec<u32> = DIETS.iter().map(|(_, w)| *w).collect();
    let mut confirmed = 0i64;
    let mut creche_taken = 0i64;
    let mut out = Vec::with_capacity(drafts.len());
    for d in drafts {
        let place = match d.response {
            Response::Going if e.capacity.is_none_or(|cap| confirmed < cap) => {
                confirmed += 1;
                Some(Place::Confirmed)
            }
            Response::Going => Some(Place::Waiting),
            Response::Maybe | Response::NotGoing => None,
        };
        let mut needs = Needs::default();
        if let (Some(Place::Confirmed), Some(cap)) = (place, e.creche_capacity) {
            let left = cap - creche_taken;
            if d.person == DEMO_RESIDENT_ID && left > 0 {
                needs.creche_children = 1;
                needs.creche_ages = RESIDENT_CHILD_AGE.to_owned();
            } else if d.person != DEMO_RESIDENT_ID && rng.chance(CRECHE) {
                let children = (rng.weighted(&[55, 33, 12]) as i64 + 1).min(left);
                if children > 0 {
                    needs.creche_children = children;
                    needs.creche_ages = ages(rng, children);
                }
            }
            creche_taken += needs.creche_children;
        }
        // Those without a place may be given one later, and say now what
        // they would need; maybes and regrets say nothing.
        if place.is_some() {
            if rng.chance(ACCESS) {
                let list = if e.format == Format::Online {
                    CALL_ACCESS_NEEDS
                } else {
                    ACCESS_NEEDS
                };
                needs.access = (*rng.pick(list)).to_owned();
            }
            let diet = match (e.kind, e.format) {
                (_, Format::Online) => 0.0,
                // Lunch is provided all day.
                (EventKind::Make, _) => 0.14,
                (EventKind::Other, _) => 0.06,
                // Tea and biscuits.
                (EventKind::Meetup | EventKind::Learning, _) => 0.03,
            };
            if rng.chance(diet) {
                needs.dietary = DIETS[rng.weighted(&diet_weights)].0.to_owned();
            }
        }
        let shared = !needs.is_empty();
        out.push(DemoRsvp {
            id: 0,
            event_id: e.id,
            person_id: d.person,
            response: d.response,
            place,
            waiting_since: (place == Some(Place::Waiting)).then_some(d.at),
            needs,
            needs_shared_at: shared.then_some(d.at),
            created_at: d.at,
            checkin_code: codes.next(),
        });
    }
    out
}

/// `n` different people from `pool` (half from `nearby` when there are
/// any), none of them in `exclude`; fewer when the pool runs short.
fn sample(
    rng: &mut Rng,
    n: usize,
    pool: &[i64],
    nearby: &[i64],
    exclude: &HashSet<i64>,
) -> Vec<i64> {
    let n = n.min(pool.len().saturating_sub(exclude.len()));
    let mut seen = exclude.clone();
    let mut chosen = Vec::with_capacity(n);
    // Ample tries for a small demo, where an event may want most of the
    // borough; a big one rarely draws anyone twice.
    for _ in 0..n * 20 + 100 {
        if chosen.len() >= n {
            break;
        }
        let from = if !nearby.is_empty() && rng.chance(0.5) {
            nearby
        } else {
            pool
        };
        let id = *rng.pick(from);
        if seen.insert(id) {
            chosen.push(id);
        }
    }
    chosen
}

/// Children's ages in a parent's words: "4", "2 and 5", "3, 6 and 9".
fn ages(rng: &mut Rng, children: i64) -> String {
    let mut years: Vec<i64> = (0..children).map(|_| rng.between(1, 11)).collect();
    years.sort_unstable();
    let words: Vec<String> = years
        .iter()
        .map(|y| match y {
            1 if rng.chance(0.5) => "18 months".to_owned(),
            y => y.to_string(),
        })
        .collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => words.concat(),
    }
}

/// The starts of an event's dates that are over for the door: its one date,
/// or a series' dates so far.
pub fn dates_passed(e: &DemoEvent, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let cutoff = now - Duration::hours(DOOR_CLOSED);
    if e.repeats.is_empty() {
        return if e.starts_at < cutoff {
            vec![e.starts_at]
        } else {
            Vec::new()
        };
    }
    let Ok(rule) = Rule::parse(&e.repeats) else {
        return Vec::new();
    };
    rule.occurrences(e.starts_at, e.ends_at - e.starts_at, e.starts_at, 1000)
        .into_iter()
        .take_while(|t| *t < cutoff)
        .collect()
}

/// Who came on each date that has passed (ids left for the caller): most
/// of those with a place, a few maybes, and some who walked in and gave a
/// first name, checked in by an organiser around the start.
fn check_in(
    rng: &mut Rng,
    names: &mut Rng,
    e: &DemoEvent,
    organisers: &[i64],
    answers: &[DemoRsvp],
    now: DateTime<Utc>,
) -> Vec<DemoCheckIn> {
    let mut out = Vec::new();
    if e.status == Status::Cancelled {
        return out;
    }
    let series = !e.repeats.is_empty();
    let weights: Vec<u32> = GROUPS.iter().map(|g| g.weight).collect();
    for date in dates_passed(e, now) {
        let mut came: Vec<(Option<i64>, String)> = Vec::new();
        for a in answers {
            let chance = match a.place {
                Some(Place::Confirmed) if a.person_id == DEMO_RESIDENT_ID && !series => 1.0,
                Some(Place::Confirmed) if series => SHOW_UP_MONTHLY,
                Some(Place::Confirmed) => SHOW_UP,
                Some(Place::Waiting) => 0.0,
                None if a.response == Response::Maybe => MAYBE_SHOWS_UP,
                None => 0.0,
            };
            // Someone who joined a series later came to its later dates only.
            if a.created_at < date && rng.chance(chance) {
                came.push((Some(a.person_id), String::new()));
            }
        }
        if e.kind != EventKind::Learning {
            let mut given: Vec<&str> = Vec::new();
            for _ in 0..rng.between(0, 5) {
                let group = &GROUPS[names.weighted(&weights)];
                let name = *names.pick(group.given);
                if !given.contains(&name) {
                    given.push(name);
                    came.push((None, name.to_owned()));
                }
            }
        }
        let mut rows: Vec<DemoCheckIn> = came
            .into_iter()
            .map(|(person_id, walk_in_name)| DemoCheckIn {
                id: 0,
                event_id: e.id,
                person_id,
                occurrence: date,
                walk_in_name,
                checked_in_at: date
                    + Duration::minutes(rng.between(-20, 50))
                    + Duration::seconds(rng.between(0, 59)),
                checked_in_by: Some(*rng.pick(organisers)),
            })
            .collect();
        rows.sort_by_key(|r| (r.checked_in_at, r.person_id));
        out.extend(rows);
    }
    out
}

pub async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    answers: &Answers,
    progress: &dyn Progress,
) -> Result<u64> {
    let mut rows = batch::insert(
        conn,
        backend,
        "event_organisers",
        &["event_id", "person_id", "since"],
        answers.organisers.iter().map(|o| {
            vec![
                Value::from(o.event_id),
                Value::from(o.person_id),
                Value::from(time::encode(o.since)),
            ]
        }),
        progress,
    )
    .await?;
    rows += batch::insert(
        conn,
        backend,
        "event_projects",
        &["event_id", "project_id"],
        answers
            .projects
            .iter()
            .map(|(e, p)| vec![Value::from(*e), Value::from(*p)]),
        progress,
    )
    .await?;
    rows += batch::insert(
        conn,
        backend,
        "event_rsvps",
        &[
            "id",
            "event_id",
            "person_id",
            "response",
            "place",
            "waiting_since",
            "creche_children",
            "creche_ages",
            "access_needs",
            "dietary_needs",
            "needs_shared_at",
            "created_at",
            "updated_at",
            "checkin_code",
        ],
        answers.rsvps.iter().map(|r| {
            vec![
                Value::from(r.id),
                Value::from(r.event_id),
                Value::from(r.person_id),
                Value::from(r.response.as_str()),
                Value::from(r.place.map(|p| p.as_str().to_owned())),
                Value::from(r.waiting_since.map(time::encode)),
                Value::from(r.needs.creche_children),
                Value::from(r.needs.creche_ages.as_str()),
                Value::from(r.needs.access.as_str()),
                Value::from(r.needs.dietary.as_str()),
                Value::from(r.needs_shared_at.map(time::encode)),
                Value::from(time::encode(r.created_at)),
                Value::from(time::encode(r.created_at)),
                Value::from(r.checkin_code.as_str()),
            ]
        }),
        progress,
    )
    .await?;
    rows += batch::insert(
        conn,
        backend,
        "event_attendance",
        &[
            "id",
            "event_id",
            "person_id",
            "occurrence",
            "walk_in_name",
            "checked_in_at",
            "checked_in_by",
        ],
        answers.check_ins.iter().map(|c| {
            vec![
                Value::from(c.id),
                Value::from(c.event_id),
                Value::from(c.person_id),
                Value::from(time::encode(c.occurrence)),
                Value::from(c.walk_in_name.as_str()),
                Value::from(time::encode(c.checked_in_at)),
                Value::from(c.checked_in_by),
            ]
        }),
        progress,
    )
    .await?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{details, events, people, projects};
    use chrono::TimeZone;
    use std::collections::BTreeMap;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
    }

    /// Plans people, projects and events as `plan` does, at any size.
    fn world(
        seed: u64,
        sizes: (usize, usize, usize),
    ) -> (Vec<DemoEvent>, Vec<DemoPerson>, Vec<DemoProject>, Answers) {
        let root = Rng::new(seed);
        let people = people::generate(&mut root.fork("people"), sizes.0, now());
        let mut projects = projects::generate(&mut root.fork("projects"), sizes.1, &people, now());
        let mut events = events::generate(&mut root.fork("events"), sizes.2, now());
        details::generate(
            &mut root.fork("details"),
            &mut projects,
            &people,
            &events,
            now(),
        );
        events::furnish(&mut root.fork("event details"), &mut events, now());
        let answers = generate(
            &mut root.fork("event answers"),
            &mut events,
            &people,
            &projects,
            now(),
        );
        (events, people, projects, answers)
    }

    #[test]
    fn answers_keep_to_the_rooms_and_the_rules() {
        for seed in 0..8 {
            let (events, people, _, answers) = world(seed, (60, 40, 24));
            check(&events, &people, &answers);
        }
        let (events, people, _, answers) = world(1, (4_000, 400, 160));
        check(&events, &people, &answers);
        // At this size every kind of answer turns up.
        let r = &answers.rsvps;
        assert!(r.iter().any(|r| r.place == Some(Place::Waiting)));
        assert!(r.iter().any(|r| r.response == Response::Maybe));
        assert!(r.iter().any(|r| r.response == Response::NotGoing));
        assert!(r.iter().any(|r| r.needs.creche_children > 1));
        assert!(r.iter().any(|r| !r.needs.access.is_empty()));
        assert!(r.iter().any(|r| !r.needs.dietary.is_empty()));
        assert!(answers.check_ins.iter().any(|c| c.person_id.is_none()));
        let going: Vec<&DemoRsvp> = r
            .iter()
            .filter(|r| r.place == Some(Place::Confirmed) && r.person_id != DEMO_RESIDENT_ID)
            .collect();
        let make_days: HashSet<i64> = events
            .iter()
            .filter(|e| e.kind == EventKind::Make)
            .map(|e| e.id)
            .collect();
        let at_make: Vec<&&DemoRsvp> = going
            .iter()
            .filter(|r| make_days.contains(&r.event_id))
            .collect();
        let creche = at_make
            .iter()
            .filter(|r| r.needs.creche_children > 0)
            .count() as f64;
        let share = creche / at_make.len() as f64;
        assert!((0.06..=0.16).contains(&share), "crèche share {share}");
    }

    fn check(events: &[DemoEvent], people: &[DemoPerson], answers: &Answers) {
        let now = now();
        let by_id: HashMap<i64, &DemoEvent> = events.iter().map(|e| (e.id, e)).collect();
        let role: HashMap<i64, Role> = people.iter().map(|p| (p.id, p.role)).collect();

        let mut organisers: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for o in &answers.organisers {
            organisers.entry(o.event_id).or_default().push(o.person_id);
            assert!(o.since <= now);
        }
        for e in events {
            let chosen = &organisers[&e.id];
            assert!((1..=2).contains(&chosen.len()), "event {}", e.id);
            assert_eq!(e.created_by, Some(chosen[0]), "event {}", e.id);
            assert_ne!(role[&chosen[0]], Role::Resident, "event {}", e.id);
            if e.kind != EventKind::Meetup {
                assert!(chosen.iter().all(|p| role[p] != Role::Resident));
            }
        }
        for who in [DEMO_OFFICER_ID, DEMO_ADMIN_ID] {
            assert!(
                answers.organisers.iter().any(|o| {
                    let e = by_id[&o.event_id];
                    o.person_id == who
                        && e.status == Status::Scheduled
                        && e.repeats.is_empty()
                        && e.starts_at > now
                }),
                "{who} organises nothing to come"
            );
        }

        let mut links: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for (e, p) in &answers.projects {
            links.entry(*e).or_default().push(*p);
        }
        for e in events.iter().filter(|e| e.kind == EventKind::Make) {
            let linked = &links[&e.id];
            assert!((1..=4).contains(&linked.len()), "event {}", e.id);
            let mut unique = linked.clone();
            unique.dedup();
            assert_eq!(&unique, linked);
        }
        assert!(links.keys().all(|e| by_id[e].kind == EventKind::Make));

        let mut codes = HashSet::new();
        let mut answered = HashSet::new();
        for (k, r) in answers.rsvps.iter().enumerate() {
            assert_eq!(r.id, k as i64 + 1);
            assert!(answered.insert((r.event_id, r.person_id)), "answered twice");
            assert!(!organisers[&r.event_id].contains(&r.person_id));
            assert!(codes.insert(r.checkin_code.clone()));
            assert_eq!(r.checkin_code.len(), CODE_LENGTH);
            assert!(r.checkin_code.bytes().all(|b| CODE_ALPHABET.contains(&b)));
            assert_eq!(r.response == Response::Going, r.place.is_some());
            assert_eq!(r.place == Some(Place::Waiting), r.waiting_since.is_some());
            assert_eq!(!r.needs.is_empty(), r.needs_shared_at.is_some());
            assert!(r.needs.is_empty() || r.response == Response::Going);
            assert!((0..=8).contains(&r.needs.creche_children));
            assert_eq!(r.needs.creche_children > 0, !r.needs.creche_ages.is_empty());
            let e = by_id[&r.event_id];
            assert!(r.created_at > e.created_at && r.created_at < now);
            if e.repeats.is_empty() {
                assert!(r.created_at < e.starts_at);
            }
        }
        for e in events {
            let mine: Vec<&DemoRsvp> = answers
                .rsvps
                .iter()
                .filter(|r| r.event_id == e.id)
                .collect();
            let confirmed: Vec<&&DemoRsvp> = mine
                .iter()
                .filter(|r| r.place == Some(Place::Confirmed))
                .collect();
            let waiting: Vec<&&DemoRsvp> = mine
                .iter()
                .filter(|r| r.place == Some(Place::Waiting))
                .collect();
            if let Some(cap) = e.capacity {
                assert!(confirmed.len() as i64 <= cap, "event {}", e.id);
                if !waiting.is_empty() {
                    assert_eq!(confirmed.len() as i64, cap, "waiting with room");
                }
            } else {
                assert!(waiting.is_empty());
            }
            // The waiting list came after everyone with a place.
            let last_place = confirmed.iter().map(|r| r.created_at).max();
            assert!(waiting
                .iter()
                .all(|w| last_place.is_none_or(|t| w.created_at >= t)));
            let children: i64 = mine.iter().map(|r| r.needs.creche_children).sum();
            assert!(children <= e.creche_capacity.unwrap_or(0), "event {}", e.id);
            assert!(waiting.iter().all(|w| w.needs.creche_children == 0));
            if e.kind == EventKind::Learning {
                assert!(mine.iter().all(|r| role[&r.person_id] != Role::Resident));
            }
        }

        let mut seen = HashSet::new();
        for (k, c) in answers.check_ins.iter().enumerate() {
            assert_eq!(c.id, k as i64 + 1);
            let e = by_id[&c.event_id];
            assert_eq!(e.status, Status::Scheduled);
            assert!(
                dates_passed(e, now).contains(&c.occurrence),
                "event {}",
                e.id
            );
            assert!(c.occurrence < now);
            assert!(
                c.checked_in_at >= c.occurrence - Duration::minutes(30)
                    && c.checked_in_at <= c.occurrence + Duration::hours(1)
                    && c.checked_in_at < now
            );
            assert!(organisers[&c.event_id].contains(&c.checked_in_by.unwrap()));
            match c.person_id {
                Some(p) => {
                    assert!(answered.contains(&(c.event_id, p)), "not answered");
                    assert!(seen.insert((c.event_id, c.occurrence, p)), "in twice");
                    assert!(c.walk_in_name.is_empty());
                }
                None => assert!(!c.walk_in_name.is_empty()),
            }
        }

        // The demo's resident has a place to come, and came before.
        let hers: Vec<&DemoRsvp> = answers
            .rsvps
            .iter()
            .filter(|r| r.person_id == DEMO_RESIDENT_ID)
            .collect();
        assert!(hers.iter().any(|r| {
            let e = by_id[&r.event_id];
            r.place == Some(Place::Confirmed) && e.repeats.is_empty() && e.starts_at > now
        }));
        assert!(answers
            .check_ins
            .iter()
            .any(|c| c.person_id == Some(DEMO_RESIDENT_ID)));
        // And the monthly drop-in was attended on more than one date.
        let monthly = events
            .iter()
            .find(|e| e.repeats == FIRST_WEDNESDAY)
            .unwrap();
        let dates: HashSet<DateTime<Utc>> = answers
            .check_ins
            .iter()
            .filter(|c| c.event_id == monthly.id)
            .map(|c| c.occurrence)
            .collect();
        assert!(dates.len() >= 2, "{dates:?}");
    }

    #[test]
    fn ages_read_as_a_parent_would_write_them() {
        let mut rng = Rng::new(5);
        for children in 1..=3 {
            for _ in 0..50 {
                let text = ages(&mut rng, children);
                let parts = text.split(", ").flat_map(|p| p.split(" and ")).count();
                assert_eq!(parts as i64, children, "{text}");
            }
        }
    }
}
