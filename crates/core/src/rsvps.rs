//! Answers to an event: going, maybe or not going; places up to the
//! event's capacity with a waiting list served in the order people joined
//! it; and what people need to come (crèche places, access, diet), which
//! only the organisers see, and only when the person agreed to share it.

use serde::Serialize;

use crate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    Going,
    Maybe,
    NotGoing,
}

impl Response {
    pub const ALL: [Response; 3] = [Response::Going, Response::Maybe, Response::NotGoing];

    pub fn as_str(self) -> &'static str {
        match self {
            Response::Going => "going",
            Response::Maybe => "maybe",
            Response::NotGoing => "not_going",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Response::Going => "Going",
            Response::Maybe => "Maybe",
            Response::NotGoing => "Not going",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Response::ALL
            .into_iter()
            .find(|r| r.as_str() == input.trim())
            .ok_or_else(|| Invalid::new("response", "Choose going, maybe or not going"))
    }
}

/// Where someone who is going stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// Has a place.
    Confirmed,
    /// On the waiting list; promoted in turn when a place frees up.
    Waiting,
}

impl Place {
    pub fn as_str(self) -> &'static str {
        match self {
            Place::Confirmed => "confirmed",
            Place::Waiting => "waiting",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        match input {
            "confirmed" => Some(Place::Confirmed),
            "waiting" => Some(Place::Waiting),
            _ => None,
        }
    }
}

/// Most children one answer may ask crèche places for.
pub const CHILDREN_MAX: i64 = 8;
/// Longest text for ages, access needs or dietary needs.
pub const NEEDS_TEXT_MAX: usize = 500;

/// What someone needs to come, as they gave it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Needs {
    pub creche_children: i64,
    /// The children's ages, in the parent's words ("2 and 4").
    pub creche_ages: String,
    pub access: String,
    pub dietary: String,
}

impl Needs {
    pub fn is_empty(&self) -> bool {
        self.creche_children == 0
            && self.creche_ages.is_empty()
            && self.access.is_empty()
            && self.dietary.is_empty()
    }

    /// Checks the form's fields. Needs are kept only with the person's
    /// agreement that the organisers may see them (`shared`).
    pub fn parse(
        children: &str,
        ages: &str,
        access: &str,
        dietary: &str,
        shared: bool,
    ) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let children = children.trim();
        let creche_children = if children.is_empty() {
            0
        } else {
            match children.parse::<i64>() {
                Ok(n) if (0..=CHILDREN_MAX).contains(&n) => n,
                _ => {
                    errors.push(Invalid::new(
                        "creche_children",
                        format!(
                            "Give the number of children who need a crèche place as a whole number from 0 to {CHILDREN_MAX}"
                        ),
                    ));
                    0
                }
            }
        };
        let mut text = |field: &'static str, value: &str, what: &str| {
            let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
            if value.chars().count() > NEEDS_TEXT_MAX {
                errors.push(Invalid::new(
                    field,
                    format!("Describe {what} in {NEEDS_TEXT_MAX} characters or fewer"),
                ));
            }
            value
        };
        let creche_ages = text("creche_ages", ages, "the children's ages");
        let access = text("access", access, "access needs");
        let dietary = text("dietary", dietary, "dietary needs");
        let needs = Needs {
            creche_children,
            creche_ages,
            access,
            dietary,
        };
        if needs.creche_children > 0 && needs.creche_ages.is_empty() {
            errors.push(Invalid::new(
                "creche_ages",
                "Give the children's ages, so the crèche can plan for them",
            ));
        }
        if !needs.is_empty() && !shared {
            errors.push(Invalid::new(
                "share_needs",
                "Tick the box to let the organisers see what you need, or leave those fields empty",
            ));
        }
        if errors.is_empty() {
            Ok(needs)
        } else {
            Err(errors)
        }
    }
}

/// What is known of an event when someone says they are going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Room {
    /// None: no limit.
    pub capacity: Option<i64>,
    /// Others confirmed as going (not counting this person).
    pub confirmed: i64,
    /// Others on the waiting list.
    pub waiting: i64,
    /// None: no crèche.
    pub creche_capacity: Option<i64>,
    /// Crèche places others with a confirmed place have taken.
    pub creche_taken: i64,
}

/// Where a person who says they are going stands: a place if one is free
/// and nobody is waiting ahead of them, else the waiting list. Someone who
/// already holds a place keeps it (`held`).
pub fn place_for(room: Room, held: Option<Place>) -> Place {
    if held == Some(Place::Confirmed) {
        return Place::Confirmed;
    }
    match room.capacity {
        None => Place::Confirmed,
        Some(cap) if room.confirmed < cap && (room.waiting == 0 || held.is_some()) => {
            Place::Confirmed
        }
        Some(_) => Place::Waiting,
    }
}

/// Checks the crèche places asked for against those left.
pub fn check_creche(room: Room, children: i64) -> Result<(), Invalid> {
    if children == 0 {
        return Ok(());
    }
    match room.creche_capacity {
        None => Err(Invalid::new(
            "creche_children",
            "This event has no crèche: leave the number of children at 0, or ask the organisers",
        )),
        Some(cap) => {
            let left = (cap - room.creche_taken).max(0);
            if children > left {
                Err(Invalid::new(
                    "creche_children",
                    format!(
                        "The crèche has {left} place{} left: ask for fewer, or ask the organisers",
                        if left == 1 { "" } else { "s" }
                    ),
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// How many of the waiting list, first come first served, take places that
/// are free: `confirmed` people hold places out of `capacity`.
pub fn promotions(capacity: Option<i64>, confirmed: i64, waiting: usize) -> usize {
    match capacity {
        None => waiting,
        Some(cap) => usize::try_from((cap - confirmed).max(0))
            .unwrap_or(0)
            .min(waiting),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn room(capacity: Option<i64>, confirmed: i64, waiting: i64) -> Room {
        Room {
            capacity,
            confirmed,
            waiting,
            creche_capacity: Some(6),
            creche_taken: 4,
        }
    }

    #[test]
    fn places_go_in_turn_and_nobody_jumps_the_queue() {
        assert_eq!(place_for(room(None, 500, 0), None), Place::Confirmed);
        assert_eq!(place_for(room(Some(10), 9, 0), None), Place::Confirmed);
        assert_eq!(place_for(room(Some(10), 10, 0), None), Place::Waiting);
        // A place is free but someone waits ahead: wait behind them.
        assert_eq!(place_for(room(Some(10), 9, 2), None), Place::Waiting);
        // Holding a place keeps it, even when the event is over-full after
        // the capacity was lowered.
        assert_eq!(
            place_for(room(Some(10), 12, 3), Some(Place::Confirmed)),
            Place::Confirmed
        );
        assert_eq!(promotions(Some(10), 8, 5), 2);
        assert_eq!(promotions(Some(10), 12, 5), 0);
        assert_eq!(promotions(None, 3, 5), 5);
    }

    #[test]
    fn the_creche_refuses_more_children_than_it_has_places() {
        assert!(check_creche(room(None, 0, 0), 2).is_ok());
        let full = check_creche(room(None, 0, 0), 3).unwrap_err();
        assert!(full.message.contains("2 places left"), "{}", full.message);
        let none = Room {
            creche_capacity: None,
            ..room(None, 0, 0)
        };
        assert_eq!(check_creche(none, 1).unwrap_err().field, "creche_children");
        assert!(check_creche(none, 0).is_ok());
    }

    #[test]
    fn needs_are_kept_only_when_shared_and_say_what_to_fix() {
        let ok = Needs::parse("2", " 2  and 4 ", "step-free", "", true).unwrap();
        assert_eq!(ok.creche_ages, "2 and 4");
        assert_eq!(ok.creche_children, 2);
        let fields = |e: Vec<Invalid>| e.into_iter().map(|i| i.field).collect::<Vec<_>>();
        assert_eq!(
            fields(Needs::parse("", "", "", "vegan", false).unwrap_err()),
            vec!["share_needs"]
        );
        assert_eq!(
            fields(Needs::parse("12", "", "", "", true).unwrap_err()),
            vec!["creche_children"]
        );
        assert_eq!(
            fields(Needs::parse("1", "", "", "", true).unwrap_err()),
            vec!["creche_ages"]
        );
        assert!(Needs::parse("", "", "", "", false).unwrap().is_empty());
    }

    proptest! {
        /// However people come and go, nobody is confirmed beyond the
        /// capacity and the waiting list is served in order.
        #[test]
        fn never_more_confirmed_than_the_capacity(
            capacity in 1i64..20,
            steps in proptest::collection::vec((0usize..30, any::<bool>()), 1..200),
        ) {
            // person -> Some(place) while going.
            let mut state: Vec<Option<Place>> = vec![None; 30];
            let mut queue: Vec<usize> = Vec::new();
            for (who, going) in steps {
                let confirmed = state.iter().filter(|p| **p == Some(Place::Confirmed)).count() as i64;
                if going {
                    if state[who].is_none() {
                        let r = room(Some(capacity), confirmed, queue.len() as i64);
                        let place = place_for(r, None);
                        state[who] = Some(place);
                        if place == Place::Waiting {
                            queue.push(who);
                        }
                    }
                } else if state[who].take().is_some() {
                    queue.retain(|q| *q != who);
                    let confirmed = state.iter().filter(|p| **p == Some(Place::Confirmed)).count() as i64;
                    let n = promotions(Some(capacity), confirmed, queue.len());
                    for q in queue.drain(..n) {
                        state[q] = Some(Place::Confirmed);
                    }
                }
                let confirmed = state.iter().filter(|p| **p == Some(Place::Confirmed)).count() as i64;
                prop_assert!(confirmed <= capacity);
                // Nobody waits while a place is free.
                prop_assert!(queue.is_empty() || confirmed == capacity);
            }
        }
    }
}
