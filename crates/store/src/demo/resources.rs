//! Demo resources in the shared pool: equipment, spaces, materials and
//! transport offered by residents across the wards, each with a few
//! bookings by projects around `now` that never overlap (the database would
//! refuse them): past ones returned or declined, coming ones asked for or
//! confirmed.

use chrono::{DateTime, Duration, Timelike, Utc};
use coproduce_core::people::Role;
use coproduce_core::resources::{Kind, State};
use sqlx::AnyConnection;

use super::batch::{self, Value};
use super::people::DemoPerson;
use super::projects::DemoProject;
use super::rng::Rng;
use super::Progress;
use crate::{time, Backend, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoResource {
    pub id: i64,
    pub owner_id: i64,
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub ward_id: Option<i64>,
    pub availability: String,
    pub conditions: String,
    pub quantity: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoBooking {
    pub id: i64,
    pub resource_id: i64,
    pub project_id: i64,
    pub requested_by: Option<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub state: State,
    pub decided_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pool {
    pub resources: Vec<DemoResource>,
    pub bookings: Vec<DemoBooking>,
}

impl Pool {
    pub fn rows(&self) -> u64 {
        (self.resources.len() + self.bookings.len()) as u64
    }
}

/// (kind, title, description, availability, conditions, quantity)
type Offer = (
    Kind,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<i64>,
);

const OFFERS: &[Offer] = &[
    (
        Kind::Equipment,
        "Pop-up gazebo, 3 by 3 metres",
        "With weights for the legs and two side walls.",
        "weekends",
        "return dry; deposit £20",
        None,
    ),
    (
        Kind::Equipment,
        "Cordless drill and bits",
        "18V with two batteries and a charger.",
        "weekday evenings",
        "return charged",
        None,
    ),
    (
        Kind::Equipment,
        "PA system with two microphones",
        "Good for a crowd of about a hundred outdoors.",
        "weekends, with a week's notice",
        "collect and return in person",
        None,
    ),
    (
        Kind::Equipment,
        "Garden tools for ten",
        "Spades, forks, rakes, gloves and a wheelbarrow.",
        "any day",
        "return clean",
        None,
    ),
    (
        Kind::Equipment,
        "Urn and forty mugs",
        "A 20-litre urn for tea at events.",
        "any day",
        "wash the mugs before returning",
        None,
    ),
    (
        Kind::Space,
        "Community hall, main room",
        "Seats sixty; kitchen next door; step-free.",
        "weekday evenings and Saturdays",
        "leave it as you found it; keys from the caretaker",
        None,
    ),
    (
        Kind::Space,
        "Church meeting room",
        "A quiet room for twelve around a table.",
        "weekday mornings",
        "no food; out by 1pm",
        None,
    ),
    (
        Kind::Space,
        "Estate garden plot",
        "A raised bed in the estate's shared garden.",
        "from spring to autumn",
        "water it in dry weeks",
        None,
    ),
    (
        Kind::Materials,
        "Reclaimed scaffold boards",
        "Cleaned boards, good for raised beds and benches.",
        "collect on Saturdays",
        "take what you need; tell us what you took",
        Some(40),
    ),
    (
        Kind::Materials,
        "Exterior paint, mixed colours",
        "Part-used tins, mostly greens and greys.",
        "any weekday",
        "bring your own brushes",
        Some(25),
    ),
    (
        Kind::Materials,
        "Compost bags",
        "Peat-free multipurpose compost.",
        "spring and summer",
        "collect from the garden centre gate",
        Some(60),
    ),
    (
        Kind::Transport,
        "Long-wheelbase van",
        "Seats three; fits a gazebo and tables.",
        "weekends",
        "return with a full tank; named drivers over 25",
        None,
    ),
    (
        Kind::Transport,
        "Cargo bike",
        "Carries up to 100 kg; lock and helmet included.",
        "weekdays",
        "return by 6pm",
        None,
    ),
    (
        Kind::Transport,
        "Minibus with driver",
        "Sixteen seats, wheelchair lift.",
        "Saturdays, booked a fortnight ahead",
        "the driver's hours are fixed",
        None,
    ),
];

/// About one resource for every eight projects, at least as many as there
/// are kinds of offer.
pub fn generate(
    rng: &mut Rng,
    projects: &[DemoProject],
    people: &[DemoPerson],
    now: DateTime<Utc>,
) -> Pool {
    let residents: Vec<&DemoPerson> = people.iter().filter(|p| p.role == Role::Resident).collect();
    let leads: Vec<(i64, i64)> = projects
        .iter()
        .filter_map(|p| p.lead_id.map(|l| (p.id, l)))
        .collect();
    if residents.is_empty() {
        return Pool::default();
    }
    let count = (projects.len() / 8).max(OFFERS.len());
    // On the hour, so that booked times read cleanly.
    let today = now
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now);
    let mut pool = Pool::default();
    for i in 0..count {
        let (kind, title, description, availability, conditions, quantity) =
            OFFERS[i % OFFERS.len()];
        let owner = rng.pick(&residents);
        let id = i as i64 + 1;
        let title = if i < OFFERS.len() {
            title.to_owned()
        } else {
            format!("{title} ({})", i / OFFERS.len() + 1)
        };
        pool.resources.push(DemoResource {
            id,
            owner_id: owner.id,
            kind,
            title,
            description: description.to_owned(),
            ward_id: if rng.chance(0.8) { owner.ward_id } else { None },
            availability: availability.to_owned(),
            conditions: conditions.to_owned(),
            quantity,
            created_at: now - Duration::days(rng.between(40, 200)),
        });
        if leads.is_empty() {
            continue;
        }
        // Bookings one after another from about a month ago, with gaps, so
        // none overlaps.
        let mut start =
            today - Duration::days(rng.between(20, 35)) + Duration::hours(rng.between(0, 8));
        for _ in 0..rng.between(0, 4) {
            let length = Duration::hours(rng.between(3, 72));
            let end = start + length;
            let (project, lead) = *rng.pick(&leads);
            let state = if end <= now {
                if rng.chance(0.8) {
                    State::Returned
                } else {
                    State::Declined
                }
            } else if start <= now || rng.chance(0.6) {
                State::Confirmed
            } else {
                State::Requested
            };
            pool.bookings.push(DemoBooking {
                id: pool.bookings.len() as i64 + 1,
                resource_id: id,
                project_id: project,
                requested_by: Some(lead),
                starts_at: start,
                ends_at: end,
                state,
                decided_by: (state != State::Requested).then_some(owner.id),
                created_at: (start - Duration::days(rng.between(3, 14))).min(now),
            });
            start = end + Duration::hours(rng.between(0, 24 * 10));
        }
    }
    pool
}

pub async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    pool: &Pool,
    progress: &dyn Progress,
) -> Result<u64> {
    let resources = pool.resources.iter().map(|r| {
        vec![
            Value::from(r.id),
            Value::from(r.owner_id),
            Value::from(r.kind.as_str()),
            Value::from(r.title.as_str()),
            Value::from(r.description.as_str()),
            Value::from(r.ward_id),
            Value::from(r.availability.as_str()),
            Value::from(r.conditions.as_str()),
            Value::from(r.quantity),
            Value::from(time::encode(r.created_at)),
            Value::from(time::encode(r.created_at)),
        ]
    });
    let mut rows = batch::insert(
        conn,
        backend,
        "resources",
        &[
            "id",
            "owner_id",
            "kind",
            "title",
            "description",
            "ward_id",
            "availability",
            "conditions",
            "quantity",
            "created_at",
            "updated_at",
        ],
        resources,
        progress,
    )
    .await?;
    let bookings = pool.bookings.iter().map(|b| {
        let decided_at = (b.state != State::Requested).then(|| time::encode(b.created_at));
        vec![
            Value::from(b.id),
            Value::from(b.resource_id),
            Value::from(b.project_id),
            Value::from(b.requested_by),
            Value::from(time::encode(b.starts_at)),
            Value::from(time::encode(b.ends_at)),
            Value::from(b.state.as_str()),
            Value::from(b.decided_by),
            Value::from(decided_at),
            Value::from(time::encode(b.created_at)),
            Value::from(time::encode(b.created_at)),
        ]
    });
    rows += batch::insert(
        conn,
        backend,
        "resource_bookings",
        &[
            "id",
            "resource_id",
            "project_id",
            "requested_by",
            "starts_at",
            "ends_at",
            "state",
            "decided_by",
            "decided_at",
            "created_at",
            "updated_at",
        ],
        bookings,
        progress,
    )
    .await?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_pool_is_deterministic_and_never_double_booked() {
        let now = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap();
        let root = Rng::new(7);
        let people = super::super::people::generate(&mut root.fork("people"), 60, now);
        let projects =
            super::super::projects::generate(&mut root.fork("projects"), 40, &people, now);
        let a = generate(&mut root.fork("resources"), &projects, &people, now);
        let b = generate(&mut root.fork("resources"), &projects, &people, now);
        assert_eq!(a, b);
        assert_eq!(a.resources.len(), OFFERS.len());
        assert!(!a.bookings.is_empty());
        for (i, x) in a.bookings.iter().enumerate() {
            assert!(x.ends_at > x.starts_at);
            for y in &a.bookings[i + 1..] {
                let both_active = x.state.is_active() && y.state.is_active();
                let overlap = x.starts_at < y.ends_at && y.starts_at < x.ends_at;
                assert!(!(x.resource_id == y.resource_id && both_active && overlap));
            }
        }
    }
}
