//! Demo people: three fixed accounts to sign in with, and residents, officers
//! and a few admins with plausible names, emails at example.org (a domain
//! reserved for examples, so no mail can reach a real person) and home wards.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use coproduce_core::people::Role;
use sqlx::AnyConnection;

use super::batch::{self, Value};
use super::names::{email_part, GROUPS};
use super::places::WARDS;
use super::rng::Rng;
use super::{DemoSignIn, Progress, DEMO_PASSWORD};
use crate::{time, Backend, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPerson {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub ward_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// One of the fixed accounts, which get the demo password.
    pub signs_in: bool,
}

/// The accounts the CLI prints, one per role, as (email, name, role, ward).
const FIXED: [(&str, &str, Role, Option<&str>); 3] = [
    ("admin@example.org", "Grace Mensah", Role::Admin, None),
    ("officer@example.org", "Tom Whitfield", Role::Officer, None),
    (
        "resident@example.org",
        "Priya Raman",
        Role::Resident,
        Some("Brixton Windrush"),
    ),
];

/// The id of the fixed resident, who leads a few projects so that signing in
/// as a resident shows something of one's own.
pub const DEMO_RESIDENT_ID: i64 = 3;

/// The ids of the fixed admin and officer, who organise events for the same
/// reason.
pub const DEMO_ADMIN_ID: i64 = 1;
pub const DEMO_OFFICER_ID: i64 = 2;

pub fn sign_ins() -> Vec<DemoSignIn> {
    FIXED
        .iter()
        .map(|(email, name, role, _)| DemoSignIn {
            email: (*email).to_owned(),
            password: DEMO_PASSWORD.to_owned(),
            role: *role,
            name: (*name).to_owned(),
        })
        .collect()
}

/// `count` people in all, the fixed accounts first, ids from 1, joined over
/// the two years before `now` in id order.
pub fn generate(rng: &mut Rng, count: usize, now: DateTime<Utc>) -> Vec<DemoPerson> {
    let count = count.max(FIXED.len());
    let span = Duration::days(730);
    let start = now - span;
    let step_seconds = span.num_seconds() / count as i64;
    let mut taken: HashSet<String> = FIXED.iter().map(|f| f.0.to_owned()).collect();
    let mut people = Vec::with_capacity(count);
    for (i, (email, name, role, ward)) in FIXED.iter().enumerate() {
        people.push(DemoPerson {
            id: i as i64 + 1,
            email: (*email).to_owned(),
            display_name: (*name).to_owned(),
            role: *role,
            ward_id: ward
                .and_then(super::places::ward_index)
                .map(|w| w as i64 + 1),
            created_at: start + Duration::seconds(i as i64 * 60),
            signs_in: true,
        });
    }
    for i in FIXED.len()..count {
        let (given, family) = name(rng);
        let email = unique_email(rng, &mut taken, given, family);
        let role = match rng.weighted(&[10_000, 150, 2]) {
            0 => Role::Resident,
            1 => Role::Officer,
            _ => Role::Admin,
        };
        // Staff serve the whole borough; residents belong to a ward, and a few
        // have not said which.
        let ward_id = match role {
            Role::Resident if rng.chance(0.95) => Some(rng.index(WARDS.len()) as i64 + 1),
            _ => None,
        };
        let jitter = rng.between(0, step_seconds.max(1) - 1);
        people.push(DemoPerson {
            id: i as i64 + 1,
            email,
            display_name: format!("{given} {family}"),
            role,
            ward_id,
            created_at: start + Duration::seconds(i as i64 * step_seconds + jitter),
            signs_in: false,
        });
    }
    people
}

/// A given and a family name, mostly from one group and sometimes mixed.
fn name(rng: &mut Rng) -> (&'static str, &'static str) {
    let weights: Vec<u32> = GROUPS.iter().map(|g| g.weight).collect();
    let group = &GROUPS[rng.weighted(&weights)];
    let given = *rng.pick(group.given);
    let family_group = if rng.chance(0.15) {
        &GROUPS[rng.weighted(&weights)]
    } else {
        group
    };
    (given, *rng.pick(family_group.family))
}

/// An address in one of the shapes people choose, with a number added when
/// someone already has it.
fn unique_email(rng: &mut Rng, taken: &mut HashSet<String>, given: &str, family: &str) -> String {
    let (g, f) = (email_part(given), email_part(family));
    let base = match rng.weighted(&[70, 15, 10, 5]) {
        0 => format!("{g}.{f}"),
        1 => format!("{g}{f}"),
        2 => format!("{}.{f}", g.get(..1).unwrap_or_default()),
        _ => format!("{f}.{g}"),
    };
    let mut candidate = format!("{base}@example.org");
    let mut n = 2u32;
    while taken.contains(&candidate) {
        candidate = format!("{base}{n}@example.org");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

pub async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    people: &[DemoPerson],
    password_hash: &str,
    progress: &dyn Progress,
) -> Result<u64> {
    let rows = people.iter().map(|p| {
        vec![
            Value::from(p.id),
            Value::from(p.email.as_str()),
            Value::from(p.display_name.as_str()),
            Value::from(p.role.as_str()),
            Value::from(p.signs_in.then(|| password_hash.to_owned())),
            Value::from(p.ward_id),
            Value::from(time::encode(p.created_at)),
        ]
    });
    batch::insert(
        conn,
        backend,
        "people",
        &[
            "id",
            "email",
            "display_name",
            "role",
            "password_hash",
            "ward_id",
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
    use chrono::TimeZone;
    use coproduce_core::people::{DisplayName, Email};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn emails_are_valid_unique_and_at_example_org() {
        let people = generate(&mut Rng::new(1), 5_000, now());
        assert_eq!(people.len(), 5_000);
        let mut seen = HashSet::new();
        for p in &people {
            let parsed = Email::parse(&p.email).unwrap();
            assert_eq!(parsed.as_str(), p.email, "emails are stored normalised");
            assert!(p.email.ends_with("@example.org"), "{}", p.email);
            assert!(seen.insert(p.email.clone()), "{} twice", p.email);
            DisplayName::parse(&p.display_name).unwrap();
        }
    }

    #[test]
    fn most_are_residents_and_ids_follow_joining_order() {
        let people = generate(&mut Rng::new(2), 2_000, now());
        let residents = people.iter().filter(|p| p.role == Role::Resident).count();
        let officers = people.iter().filter(|p| p.role == Role::Officer).count();
        assert!(residents > 1_950, "{residents}");
        assert!(officers >= 10, "{officers}");
        for pair in people.windows(2) {
            assert_eq!(pair[1].id, pair[0].id + 1);
            assert!(pair[1].created_at > pair[0].created_at);
        }
        assert!(people.iter().all(|p| p.created_at < now()));
        let signing_in: Vec<&str> = people
            .iter()
            .filter(|p| p.signs_in)
            .map(|p| p.email.as_str())
            .collect();
        assert_eq!(
            signing_in,
            [
                "admin@example.org",
                "officer@example.org",
                "resident@example.org"
            ]
        );
        assert_eq!(
            people[DEMO_RESIDENT_ID as usize - 1].email,
            "resident@example.org"
        );
        assert_eq!(people[DEMO_ADMIN_ID as usize - 1].role, Role::Admin);
        assert_eq!(people[DEMO_OFFICER_ID as usize - 1].role, Role::Officer);
    }
}
