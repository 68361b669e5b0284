//! The shared pool: equipment, spaces, materials and transport that people
//! and groups offer, and the bookings projects make of them.
//!
//! A booking is asked for by a project's lead or co-owner, then confirmed or
//! declined by whoever offered the resource (or a council officer). While a
//! booking is asked for or confirmed it holds its time: no other booking of
//! the same resource may overlap it. Touching ends do not overlap, so a van
//! returned at noon can go out again at noon.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::local_time;
use crate::Invalid;

/// What sort of thing is offered. A fixed list, so that the pool can be
/// filtered the same way on every page and in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Equipment,
    Space,
    Materials,
    Transport,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Equipment,
        Kind::Space,
        Kind::Materials,
        Kind::Transport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Equipment => "equipment",
            Kind::Space => "space",
            Kind::Materials => "materials",
            Kind::Transport => "transport",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Equipment => "Equipment",
            Kind::Space => "Space",
            Kind::Materials => "Materials",
            Kind::Transport => "Transport",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let wanted = input.trim().to_lowercase();
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| {
                Invalid::new(
                    "kind",
                    "Choose what kind of resource it is: equipment, space, materials or transport",
                )
            })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Shortest and longest title: enough to tell one drill from another, short
/// enough for a list.
pub const TITLE_MIN: usize = 3;
pub const TITLE_MAX: usize = 120;
/// Longest description, availability, conditions and booking note.
pub const DESCRIPTION_MAX: usize = 2000;
pub const AVAILABILITY_MAX: usize = 200;
pub const CONDITIONS_MAX: usize = 500;
pub const NOTE_MAX: usize = 500;
/// The most of a material one offer can hold.
pub const QUANTITY_MAX: i64 = 100_000;

/// A resource as typed into the form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResourceForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub kind: String,
    /// A ward's id, or empty for none in particular.
    #[serde(default)]
    pub ward: String,
    #[serde(default)]
    pub availability: String,
    #[serde(default)]
    pub conditions: String,
    #[serde(default)]
    pub quantity: String,
}

/// A resource that may be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResource {
    pub title: String,
    pub description: String,
    pub kind: Kind,
    pub ward_id: Option<i64>,
    /// In words: "weekday evenings", "school holidays".
    pub availability: String,
    /// In words: "return clean; deposit £20".
    pub conditions: String,
    /// How much there is, for materials only.
    pub quantity: Option<i64>,
}

fn bounded(
    errors: &mut Vec<Invalid>,
    field: &'static str,
    what: &str,
    input: &str,
    max: usize,
) -> String {
    let text = input.trim().to_owned();
    if text.chars().count() > max {
        errors.push(Invalid::new(
            field,
            format!("Shorten the {what} to {max} characters or fewer"),
        ));
    }
    text
}

impl NewResource {
    /// Parses the whole form, reporting every mistake at once.
    pub fn parse(form: &ResourceForm) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let title = form.title.split_whitespace().collect::<Vec<_>>().join(" ");
        let chars = title.chars().count();
        if chars < TITLE_MIN {
            errors.push(Invalid::new(
                "title",
                format!("Enter a title of at least {TITLE_MIN} characters, like \"Pop-up gazebo\""),
            ));
        } else if chars > TITLE_MAX {
            errors.push(Invalid::new(
                "title",
                format!("Shorten the title to {TITLE_MAX} characters or fewer"),
            ));
        }
        let kind = Kind::parse(&form.kind).map_err(|e| errors.push(e)).ok();
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
        let description = bounded(
            &mut errors,
            "description",
            "description",
            &form.description,
            DESCRIPTION_MAX,
        );
        let availability = bounded(
            &mut errors,
            "availability",
            "availability",
            &form.availability,
            AVAILABILITY_MAX,
        );
        let conditions = bounded(
            &mut errors,
            "conditions",
            "conditions",
            &form.conditions,
            CONDITIONS_MAX,
        );
        let quantity = match form.quantity.trim() {
            "" => None,
            q => match q.parse::<i64>() {
                Ok(n) if (1..=QUANTITY_MAX).contains(&n) => Some(n),
                _ => {
                    errors.push(Invalid::new(
                        "quantity",
                        format!("Enter the quantity as a whole number from 1 to {QUANTITY_MAX}, or leave it empty"),
                    ));
                    None
                }
            },
        };
        if quantity.is_some() && kind.is_some_and(|k| k != Kind::Materials) {
            errors.push(Invalid::new(
                "quantity",
                "Only materials have a quantity: leave it empty for equipment, spaces and transport",
            ));
        }
        match kind {
            Some(kind) if errors.is_empty() => Ok(NewResource {
                title,
                description,
                kind,
                ward_id,
                availability,
                conditions,
                quantity,
            }),
            _ => Err(errors),
        }
    }
}

/// The longest a single booking may run: the pool is for sharing, so a
/// project that needs something for longer asks again.
pub const MAX_BOOKING_DAYS: i64 = 14;
/// How far ahead a booking may start.
pub const MAX_DAYS_AHEAD: i64 = 366;

/// A stretch of time a resource is booked for, from `start` up to (not
/// including) `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Period {
    /// Any period that ends after it starts: for periods already stored.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, Invalid> {
        if end <= start {
            return Err(Invalid::new("ends_at", "Choose an end after the start"));
        }
        Ok(Self { start, end })
    }

    /// A period for a new booking: it ends after it starts, runs for at most
    /// `MAX_BOOKING_DAYS`, and has not started yet.
    pub fn for_booking(
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Self, Invalid> {
        let period = Self::new(start, end)?;
        if start < now {
            return Err(Invalid::new(
                "starts_at",
                "Choose a start that has not passed yet",
            ));
        }
        if start > now + Duration::days(MAX_DAYS_AHEAD) {
            return Err(Invalid::new(
                "starts_at",
                "Choose a start within the next year",
            ));
        }
        if end - start > Duration::days(MAX_BOOKING_DAYS) {
            return Err(Invalid::new(
                "ends_at",
                format!("A booking can last at most {MAX_BOOKING_DAYS} days: choose an earlier end, and book again for longer"),
            ));
        }
        Ok(period)
    }

    /// Parses the booking form's start and end, UK wall-clock times written
    /// `2026-06-03T10:00` (what a browser's date-and-time field sends) or
    /// `2026-06-03 10:00`.
    pub fn parse(start: &str, end: &str, now: DateTime<Utc>) -> Result<Self, Vec<Invalid>> {
        let start = local_time::parse_input("starts_at", "start", start);
        let end = local_time::parse_input("ends_at", "end", end);
        match (start, end) {
            (Ok(s), Ok(e)) => Self::for_booking(s, e, now).map_err(|e| vec![e]),
            (s, e) => Err([s.err(), e.err()].into_iter().flatten().collect()),
        }
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// Two periods overlap when each starts before the other ends; periods
    /// that only touch do not.
    pub fn overlaps(&self, other: &Period) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// The days it covers in UK time, as a person says them: "3 June",
    /// "3–5 June", "30 May–2 June", "30 December 2026–2 January 2027".
    pub fn days(&self) -> String {
        let first = local_time::uk(self.start).date_naive();
        // A period ending at midnight does not reach into the next day.
        let last = local_time::uk(self.end - Duration::seconds(1)).date_naive();
        if first == last {
            first.format("%-d %B").to_string()
        } else if first.year() != last.year() {
            format!("{}–{}", first.format("%-d %B %Y"), last.format("%-d %B %Y"))
        } else if first.month() != last.month() {
            format!("{}–{}", first.format("%-d %B"), last.format("%-d %B"))
        } else {
            format!("{}–{}", first.format("%-d"), last.format("%-d %B"))
        }
    }

    /// In full, with times: for the booking's own page.
    pub fn span(&self) -> String {
        local_time::span(self.start, self.end)
    }
}

/// Where a booking has got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Requested,
    Confirmed,
    Declined,
    Cancelled,
    Returned,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Requested,
        State::Confirmed,
        State::Declined,
        State::Cancelled,
        State::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Requested => "requested",
            State::Confirmed => "confirmed",
            State::Declined => "declined",
            State::Cancelled => "cancelled",
            State::Returned => "returned",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Requested => "Asked for",
            State::Confirmed => "Confirmed",
            State::Declined => "Declined",
            State::Cancelled => "Cancelled",
            State::Returned => "Returned",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        State::ALL
            .into_iter()
            .find(|s| s.as_str() == input.trim())
            .ok_or_else(|| {
                Invalid::new(
                    "state",
                    format!("'{}' is not a booking state", input.trim()),
                )
            })
    }

    /// Whether the booking holds its time against other bookings.
    pub fn is_active(self) -> bool {
        matches!(self, State::Requested | State::Confirmed)
    }

    /// The state after `step`, or why the step cannot be taken now.
    pub fn after(self, step: Step) -> Result<State, Invalid> {
        match (self, step) {
            (State::Requested, Step::Confirm) => Ok(State::Confirmed),
            (State::Requested, Step::Decline) => Ok(State::Declined),
            (State::Requested | State::Confirmed, Step::Cancel) => Ok(State::Cancelled),
            (State::Confirmed, Step::Return) => Ok(State::Returned),
            (state, step) => Err(Invalid::new(
                "state",
                format!(
                    "This booking is {}, so it cannot be {} now",
                    state.label().to_lowercase(),
                    step.done()
                ),
            )),
        }
    }
}

/// What someone does to a booking after it was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Confirm,
    Decline,
    Cancel,
    /// The resource came back: the booking is over.
    Return,
}

impl Step {
    pub const ALL: [Step; 4] = [Step::Confirm, Step::Decline, Step::Cancel, Step::Return];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Confirm => "confirm",
            Step::Decline => "decline",
            Step::Cancel => "cancel",
            Step::Return => "return",
        }
    }

    fn done(self) -> &'static str {
        match self {
            Step::Confirm => "confirmed",
            Step::Decline => "declined",
            Step::Cancel => "cancelled",
            Step::Return => "marked as returned",
        }
    }
}

/// How the person acting stands to one booking.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Party {
    /// They offered the resource.
    pub is_owner: bool,
    pub is_officer: bool,
    /// They asked for this booking.
    pub is_requester: bool,
    /// They lead or co-own the project it is for.
    pub owns_project: bool,
}

/// Whether `party` may take `step`: the owner (or an officer) confirms,
/// declines and marks returned; whoever asked, the project's owners and the
/// resource's owner may cancel.
pub fn may_take(step: Step, party: Party) -> Result<(), Invalid> {
    let allowed = match step {
        Step::Confirm | Step::Decline | Step::Return => party.is_owner || party.is_officer,
        Step::Cancel => {
            party.is_owner || party.is_officer || party.is_requester || party.owns_project
        }
    };
    if allowed {
        return Ok(());
    }
    Err(Invalid::new(
        "state",
        match step {
            Step::Confirm | Step::Decline => {
                "Only the person who offered this resource, or a council officer, can confirm or decline its bookings"
            }
            Step::Return => {
                "Only the person who offered this resource, or a council officer, can mark it returned"
            }
            Step::Cancel => {
                "Only whoever asked for this booking, the project's lead and co-owners, or the resource's owner can cancel it"
            }
        },
    ))
}

/// Whether someone may change or withdraw an offer: its owner, or an officer
/// keeping the pool tidy.
pub fn may_manage(is_owner: bool, is_officer: bool) -> Result<(), Invalid> {
    if is_owner || is_officer {
        Ok(())
    } else {
        Err(Invalid::new(
            "resource",
            "Only the person who offered this resource, or a council officer, can change or withdraw it",
        ))
    }
}

/// Whether someone may ask for a resource for a project: its lead or a
/// co-owner, since the project answers for what it borrows.
pub fn may_request(owns_project: bool) -> Result<(), Invalid> {
    if owns_project {
        Ok(())
    } else {
        Err(Invalid::new(
            "project",
            "Only a project's lead and co-owners can ask for resources for it: choose one of your projects",
        ))
    }
}

/// The booking note, trimmed and bounded.
pub fn note(input: &str) -> Result<String, Invalid> {
    let note = input.trim().to_owned();
    if note.chars().count() > NOTE_MAX {
        return Err(Invalid::new(
            "note",
            format!("Shorten the note to {NOTE_MAX} characters or fewer"),
        ));
    }
    Ok(note)
}

/// The first active booking in `existing` that `wanted` overlaps, if any.
pub fn clash<'a>(
    wanted: &Period,
    existing: impl IntoIterator<Item = (&'a Period, State)>,
) -> Option<&'a Period> {
    existing
        .into_iter()
        .find(|(p, s)| s.is_active() && p.overlaps(wanted))
        .map(|(p, _)| p)
}

/// Checks `wanted` against a resource's bookings, saying which booking it
/// overlaps and what to do.
pub fn check_free<'a>(
    wanted: &Period,
    existing: impl IntoIterator<Item = (&'a Period, State)>,
) -> Result<(), Invalid> {
    match clash(wanted, existing) {
        None => Ok(()),
        Some(taken) => Err(overlap_message(Some(taken))),
    }
}

/// The refusal of an overlapping booking, naming the booking's days when
/// they are known.
pub fn overlap_message(taken: Option<&Period>) -> Invalid {
    Invalid::new(
        "starts_at",
        match taken {
            Some(p) => format!(
                "That time overlaps a booking already made for {}: choose another time",
                p.days()
            ),
            None => "That time overlaps a booking already made: choose another time".to_owned(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(mo: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, mo, d, h, 0, 0).unwrap()
    }

    fn now() -> DateTime<Utc> {
        at(5, 1, 12)
    }

    fn form() -> ResourceForm {
        ResourceForm {
            title: "  Pop-up   gazebo ".into(),
            description: "Three by three metres".into(),
            kind: "equipment".into(),
            ward: "4".into(),
            availability: "weekends".into(),
            conditions: "return dry; deposit £20".into(),
            quantity: String::new(),
        }
    }

    #[test]
    fn a_good_offer_parses_and_tidies_its_title() {
        let r = NewResource::parse(&form()).unwrap();
        assert_eq!(r.title, "Pop-up gazebo");
        assert_eq!(r.kind, Kind::Equipment);
        assert_eq!(r.ward_id, Some(4));
        assert_eq!(r.quantity, None);
    }

    #[test]
    fn a_bad_offer_says_every_mistake() {
        let f = ResourceForm {
            title: "ab".into(),
            kind: "boat".into(),
            ward: "x".into(),
            quantity: "-3".into(),
            ..form()
        };
        let errors = NewResource::parse(&f).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["title", "kind", "ward", "quantity"]);
        let long = ResourceForm {
            title: "x".repeat(TITLE_MAX + 1),
            ..form()
        };
        assert_eq!(NewResource::parse(&long).unwrap_err()[0].field, "title");
    }

    #[test]
    fn only_materials_have_a_quantity() {
        let sand = ResourceForm {
            kind: "materials".into(),
            quantity: "20".into(),
            ..form()
        };
        assert_eq!(NewResource::parse(&sand).unwrap().quantity, Some(20));
        let drill = ResourceForm {
            quantity: "2".into(),
            ..form()
        };
        assert!(NewResource::parse(&drill).unwrap_err()[0]
            .message
            .contains("Only materials"));
    }

    #[test]
    fn kinds_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()).unwrap(), k);
        }
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()).unwrap(), s);
        }
    }

    #[test]
    fn booking_times_are_uk_wall_clock() {
        // 10am in London in June is 9am UTC.
        let p = Period::parse("2026-06-03T10:00", "2026-06-05 16:00", now()).unwrap();
        assert_eq!(p.start(), at(6, 3, 9));
        assert_eq!(p.end(), at(6, 5, 15));
        assert_eq!(p.days(), "3–5 June");
    }

    #[test]
    fn booking_periods_are_refused_with_reasons() {
        let err = |s: &str, e: &str| Period::parse(s, e, now()).unwrap_err();
        assert_eq!(err("", "")[0].field, "starts_at");
        assert_eq!(err("", "")[1].field, "ends_at");
        assert!(err("tomorrow", "2026-06-03 10:00")[0]
            .message
            .contains("like 2026-06-03 10:00"));
        assert!(err("2026-06-03 10:00", "2026-06-03 09:00")[0]
            .message
            .contains("end after the start"));
        assert!(err("2026-04-03 10:00", "2026-04-04 09:00")[0]
            .message
            .contains("not passed"));
        assert!(err("2026-06-01 10:00", "2026-06-16 10:00")[0]
            .message
            .contains("at most 14 days"));
        assert!(Period::parse("2026-06-01 10:00", "2026-06-15 10:00", now()).is_ok());
        assert!(err("2027-06-01 10:00", "2027-06-02 10:00")[0]
            .message
            .contains("within the next year"));
        assert!(err("2027-03-28 01:30", "2027-03-28 05:00")[0]
            .message
            .contains("clocks go forward"));
    }

    #[test]
    fn days_read_as_people_say_them() {
        let p = |a, b| Period::new(a, b).unwrap().days();
        assert_eq!(p(at(6, 3, 9), at(6, 3, 12)), "3 June");
        // Ends at midnight UK time (23:00 UTC in summer): still one day.
        assert_eq!(p(at(6, 3, 9), at(6, 3, 23)), "3 June");
        assert_eq!(p(at(5, 30, 9), at(6, 2, 12)), "30 May–2 June");
        let new_year = Period::new(
            Utc.with_ymd_and_hms(2026, 12, 30, 10, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2027, 1, 2, 10, 0, 0).unwrap(),
        )
        .unwrap();
        assert_eq!(new_year.days(), "30 December 2026–2 January 2027");
    }

    #[test]
    fn touching_periods_do_not_overlap() {
        let morning = Period::new(at(6, 3, 9), at(6, 3, 12)).unwrap();
        let afternoon = Period::new(at(6, 3, 12), at(6, 3, 17)).unwrap();
        let lunch = Period::new(at(6, 3, 11), at(6, 3, 13)).unwrap();
        assert!(!morning.overlaps(&afternoon));
        assert!(lunch.overlaps(&morning) && lunch.overlaps(&afternoon));
        assert!(morning.overlaps(&morning));
    }

    #[test]
    fn only_asked_for_and_confirmed_bookings_hold_their_time() {
        let taken = Period::new(at(6, 3, 9), at(6, 5, 17)).unwrap();
        let wanted = Period::new(at(6, 4, 9), at(6, 4, 17)).unwrap();
        for state in State::ALL {
            let refused = check_free(&wanted, [(&taken, state)]).is_err();
            assert_eq!(refused, state.is_active(), "{state:?}");
        }
        let message = check_free(&wanted, [(&taken, State::Confirmed)])
            .unwrap_err()
            .message;
        assert_eq!(
            message,
            "That time overlaps a booking already made for 3–5 June: choose another time"
        );
    }

    #[test]
    fn bookings_move_only_forward() {
        use State::*;
        use Step::*;
        assert_eq!(Requested.after(Confirm).unwrap(), Confirmed);
        assert_eq!(Requested.after(Decline).unwrap(), Declined);
        assert_eq!(Requested.after(Cancel).unwrap(), Cancelled);
        assert_eq!(Confirmed.after(Cancel).unwrap(), Cancelled);
        assert_eq!(Confirmed.after(Return).unwrap(), Returned);
        assert!(Confirmed.after(Confirm).is_err());
        assert!(Requested.after(Return).is_err());
        for done in [Declined, Cancelled, Returned] {
            for step in Step::ALL {
                assert!(done.after(step).is_err(), "{done:?} {step:?}");
            }
        }
        assert_eq!(
            Declined.after(Confirm).unwrap_err().message,
            "This booking is declined, so it cannot be confirmed now"
        );
    }

    #[test]
    fn who_may_do_what() {
        let stranger = Party::default();
        let owner = Party {
            is_owner: true,
            ..Party::default()
        };
        let officer = Party {
            is_officer: true,
            ..Party::default()
        };
        let requester = Party {
            is_requester: true,
            owns_project: true,
            ..Party::default()
        };
        let co_owner = Party {
            owns_project: true,
            ..Party::default()
        };
        for step in [Step::Confirm, Step::Decline, Step::Return] {
            assert!(may_take(step, owner).is_ok());
            assert!(may_take(step, officer).is_ok());
            assert!(may_take(step, requester).is_err());
            assert!(may_take(step, stranger).is_err());
        }
        for party in [owner, officer, requester, co_owner] {
            assert!(may_take(Step::Cancel, party).is_ok());
        }
        assert!(may_take(Step::Cancel, stranger).is_err());
        assert!(may_request(true).is_ok());
        assert!(may_request(false).is_err());
        assert!(may_manage(true, false).is_ok());
        assert!(may_manage(false, true).is_ok());
        assert!(may_manage(false, false).is_err());
    }

    #[test]
    fn notes_are_bounded() {
        assert_eq!(note("  for the fun day ").unwrap(), "for the fun day");
        assert!(note(&"x".repeat(NOTE_MAX + 1)).is_err());
    }

    fn period() -> impl Strategy<Value = Period> {
        // Hours from a fixed origin: small numbers make overlaps and
        // touching ends common.
        (0i64..200, 1i64..48).prop_map(|(start, len)| {
            let origin = at(6, 1, 0);
            Period::new(
                origin + Duration::hours(start),
                origin + Duration::hours(start + len),
            )
            .unwrap()
        })
    }

    fn state() -> impl Strategy<Value = State> {
        prop::sample::select(State::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn overlap_is_symmetric(a in period(), b in period()) {
            prop_assert_eq!(a.overlaps(&b), b.overlaps(&a));
            prop_assert!(a.overlaps(&a));
        }

        /// Accepting only what `check_free` allows, and then moving
        /// bookings along, never leaves two active bookings overlapping.
        #[test]
        fn an_accepted_schedule_never_double_books(
            wanted in prop::collection::vec((period(), state()), 0..40),
        ) {
            let mut schedule: Vec<(Period, State)> = Vec::new();
            for (p, later) in wanted {
                if check_free(&p, schedule.iter().map(|(q, s)| (q, *s))).is_ok() {
                    schedule.push((p, State::Requested));
                    // Some bookings go on to other states, freeing their time.
                    if let Some((_, s)) = schedule.last_mut() {
                        if later != State::Requested {
                            let step = match later {
                                State::Confirmed => Step::Confirm,
                                State::Declined => Step::Decline,
                                State::Cancelled => Step::Cancel,
                                _ => Step::Confirm,
                            };
                            *s = s.after(step).unwrap();
                        }
                    }
                }
            }
            for (i, (a, sa)) in schedule.iter().enumerate() {
                for (b, sb) in &schedule[i + 1..] {
                    prop_assert!(
                        !(sa.is_active() && sb.is_active() && a.overlaps(b)),
                        "{:?} and {:?} overlap", a, b
                    );
                }
            }
        }
    }
}
