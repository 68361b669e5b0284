//! The audit log's rule: every change appends an entry, and each entry holds
//! the hash of the one before it, so that altering, removing or reordering any
//! entry breaks the chain at that entry and `verify` names it.
//!
//! # Who is named, and how
//!
//! An entry names people **only by their id** (`actor`, and `object_id` when
//! the object is a person), never by name, email or anything else that
//! identifies them, and its `summary` holds no personal data either. Erasing
//! a person later (UK GDPR) removes or anonymises their personal data in the
//! tables that hold it, and leaves every audit entry exactly as it was, so the
//! chain stays verifiable: the id that remains is a pseudonym that no longer
//! leads to anyone. For the same reason the store keeps no foreign key from
//! the log to the people table: an erasure must never cascade into the log.
//!
//! # The hash
//!
//! `hash` is the lower-case hex SHA-256 of this byte string, in which every
//! field is framed by its length (8 bytes, big-endian) so that no text can be
//! moved from one field to its neighbour without changing the hash:
//!
//! ```text
//! field("coproduce audit v1")
//! field(seq as i64, big-endian)
//! field(at as microseconds since 1970-01-01T00:00:00Z, i64, big-endian)
//! field(actor as i64, big-endian; or no bytes when there is no actor)
//! field(via) field(action) field(object_type) field(object_id)
//! field(summary) field(prev_hash)            -- UTF-8 text, as stored
//! ```
//!
//! The first entry's `prev_hash` is [`GENESIS_HASH`], 64 zeros. Anyone can
//! recompute the chain from the stored rows with this description alone.
//!
//! # What the chain cannot see
//!
//! A chain shows every change *inside* it, but not the loss of its newest
//! entries, nor a whole chain recomputed by someone who can write to the
//! database. Both are caught by comparing the last hash with one recorded
//! elsewhere earlier (`coproduce audit verify` prints it for that purpose).

use std::borrow::Borrow;
use std::fmt::{self, Write as _};

use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};

use crate::Invalid;

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Names this encoding inside every hash, so a later encoding cannot be
/// confused with it.
const DOMAIN: &[u8] = b"coproduce audit v1";

/// The longest summary, in bytes: a summary says what changed in a few
/// fields; documents and free text belong in their own tables.
pub const MAX_SUMMARY_BYTES: usize = 4096;

/// Through which door a change came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Via {
    /// A signed-in person using the HTML pages.
    Web,
    /// A client of the JSON API, with a token.
    Api,
    /// An operator at the command line.
    Cli,
    /// The product itself: scheduled work, the demo generator, migrations.
    System,
}

impl Via {
    pub const ALL: [Via; 4] = [Via::Web, Via::Api, Via::Cli, Via::System];

    pub fn as_str(self) -> &'static str {
        match self {
            Via::Web => "web",
            Via::Api => "api",
            Via::Cli => "cli",
            Via::System => "system",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Via::ALL
            .into_iter()
            .find(|v| v.as_str() == input)
            .ok_or_else(|| {
                Invalid::new(
                    "via",
                    format!("'{input}' is not a way in: choose web, api, cli or system"),
                )
            })
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a change records, before it has a place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft<'a> {
    /// The person who made the change, by id only; `None` when nobody signed
    /// in made it (the system, or an operator at the command line).
    pub actor: Option<i64>,
    pub via: Via,
    /// A dotted name, object type first: `person.create`, `project.stage`,
    /// `session.sign_in`.
    pub action: &'a str,
    /// The kind of thing changed: `person`, `project`, `session`.
    pub object_type: &'a str,
    /// Which one, as text (usually its id).
    pub object_id: &'a str,
    /// A short JSON object of what changed, with no personal data in it.
    pub summary: &'a str,
}

impl Draft<'_> {
    fn check(&self) -> Result<(), Invalid> {
        if self.actor.is_some_and(|id| id <= 0) {
            return Err(Invalid::new("actor", "an actor is a person's id, above 0"));
        }
        let is_name = |s: &str| {
            s.starts_with(|c: char| c.is_ascii_lowercase())
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        let segments: Vec<&str> = self.action.split('.').collect();
        if self.action.len() > 64 || segments.len() < 2 || !segments.iter().all(|s| is_name(s)) {
            return Err(Invalid::new(
                "action",
                format!(
                    "'{}' is not an action: write a dotted lower-case name such as person.create",
                    self.action
                ),
            ));
        }
        if self.object_type.len() > 32 || !is_name(self.object_type) {
            return Err(Invalid::new(
                "object_type",
                format!(
                    "'{}' is not an object type: write a lower-case name such as project",
                    self.object_type
                ),
            ));
        }
        if self.object_id.is_empty()
            || self.object_id.len() > 128
            || self.object_id.chars().any(char::is_control)
        {
            return Err(Invalid::new(
                "object_id",
                "an object id is 1 to 128 characters on one line",
            ));
        }
        let summary = self.summary.trim();
        if !(summary.starts_with('{') && summary.ends_with('}')) {
            return Err(Invalid::new("summary", "a summary is a JSON object"));
        }
        if self.summary.len() > MAX_SUMMARY_BYTES {
            return Err(Invalid::new(
                "summary",
                format!(
                    "a summary is at most {MAX_SUMMARY_BYTES} bytes: record what changed, not the whole object"
                ),
            ));
        }
        Ok(())
    }
}

/// The newest entry's place and hash: what the next entry follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    pub seq: i64,
    pub hash: String,
}

impl Tail {
    /// The tail of an empty log: the first entry is number 1 and follows
    /// [`GENESIS_HASH`].
    pub fn genesis() -> Self {
        Self {
            seq: 0,
            hash: GENESIS_HASH.to_owned(),
        }
    }
}

/// One entry of the log, as it is stored. The text fields are kept as text
/// (not parsed) so that verification checks exactly what was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1 for the first entry, then each one more than the one before.
    pub seq: i64,
    /// When the change was made, in UTC, to the microsecond.
    pub at: DateTime<Utc>,
    pub actor: Option<i64>,
    pub via: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub summary: String,
    /// The `hash` of the entry before, or [`GENESIS_HASH`] for the first.
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    /// The entry that records `draft` after `tail`, with its hash. `at` is
    /// cut to whole microseconds, as the store keeps it, so that the entry
    /// read back hashes the same as the entry written.
    pub fn after(tail: &Tail, at: DateTime<Utc>, draft: &Draft<'_>) -> Result<Self, Invalid> {
        draft.check()?;
        let seq = tail
            .seq
            .checked_add(1)
            .ok_or_else(|| Invalid::new("seq", "the audit log is full"))?;
        let mut entry = Self {
            seq,
            at: at.trunc_subsecs(6),
            actor: draft.actor,
            via: draft.via.as_str().to_owned(),
            action: draft.action.to_owned(),
            object_type: draft.object_type.to_owned(),
            object_id: draft.object_id.to_owned(),
            summary: draft.summary.to_owned(),
            prev_hash: tail.hash.clone(),
            hash: String::new(),
        };
        entry.hash = entry.computed_hash();
        Ok(entry)
    }

    /// The hash this entry's fields give (see the module's description),
    /// whatever its `hash` field says.
    pub fn computed_hash(&self) -> String {
        let mut h = Sha256::new();
        let mut field = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(bytes);
        };
        field(DOMAIN);
        field(&self.seq.to_be_bytes());
        field(&self.at.timestamp_micros().to_be_bytes());
        match self.actor {
            Some(id) => field(&id.to_be_bytes()),
            None => field(&[]),
        }
        field(self.via.as_bytes());
        field(self.action.as_bytes());
        field(self.object_type.as_bytes());
        field(self.object_id.as_bytes());
        field(self.summary.as_bytes());
        field(self.prev_hash.as_bytes());
        let digest = h.finalize();
        let mut hex = String::with_capacity(64);
        for byte in digest {
            let _ = write!(hex, "{byte:02x}");
        }
        hex
    }

    /// This entry as the tail that the next one follows.
    pub fn tail(&self) -> Tail {
        Tail {
            seq: self.seq,
            hash: self.hash.clone(),
        }
    }
}

/// An unbroken log: how many entries it has and the newest one's hash (to
/// be recorded elsewhere, so that a later check can tell that nothing was
/// cut from the end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intact {
    pub entries: u64,
    pub last_hash: String,
}

/// The first entry at which the chain is broken, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub fault: Fault,
}

/// What is wrong with the first broken entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Its fields no longer give its hash: it was changed after it was written.
    Altered,
    /// It is not there: the next entry found is number `through + 1`, so
    /// entries `seq` to `through` were removed.
    Removed { through: i64 },
    /// It does not follow the entry before it: it was written after another
    /// entry, so entries were moved, renumbered, or its link was changed.
    Reordered,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seq = self.seq;
        write!(f, "the audit log is broken at entry {seq}: ")?;
        let found = |f: &mut fmt::Formatter<'_>, through: i64| {
            if seq <= 1 {
                write!(
                    f,
                    " (the log starts at entry {})",
                    through.saturating_add(1)
                )
            } else {
                write!(
                    f,
                    " (entry {} follows entry {})",
                    through.saturating_add(1),
                    seq - 1
                )
            }
        };
        match self.fault {
            Fault::Altered => f.write_str("its contents were changed after it was written"),
            Fault::Removed { through } if through == seq => {
                f.write_str("it was removed")?;
                found(f, through)
            }
            Fault::Removed { through } => {
                write!(f, "entries {seq} to {through} were removed")?;
                found(f, through)
            }
            Fault::Reordered => f.write_str(
                "it does not follow the entry before it, so entries were moved or renumbered",
            ),
        }
    }
}

impl std::error::Error for Broken {}

/// Checks a log one entry at a time, in `seq` order, so that a log of any
/// length can be checked in pages without holding it all.
#[derive(Debug, Clone)]
pub struct Verifier {
    tail: Tail,
    entries: u64,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Verifier {
    pub fn new() -> Self {
        Self {
            tail: Tail::genesis(),
            entries: 0,
        }
    }

    /// The `seq` the next entry must have.
    pub fn expected_seq(&self) -> i64 {
        self.tail.seq.saturating_add(1)
    }

    /// Checks the next entry. The checks run in the order that names the
    /// cause: a gap in the numbers is a removal, a link to another entry is a
    /// move, and only an entry in its place with its link intact whose hash
    /// does not match was altered.
    pub fn check(&mut self, entry: &Entry) -> Result<(), Broken> {
        let expected = self.expected_seq();
        if entry.seq > expected {
            return Err(Broken {
                seq: expected,
                fault: Fault::Removed {
                    through: entry.seq - 1,
                },
            });
        }
        if entry.seq < expected || entry.prev_hash != self.tail.hash {
            return Err(Broken {
                seq: expected,
                fault: Fault::Reordered,
            });
        }
        if entry.computed_hash() != entry.hash {
            return Err(Broken {
                seq: entry.seq,
                fault: Fault::Altered,
            });
        }
        self.tail = entry.tail();
        self.entries += 1;
        Ok(())
    }

    /// The verdict on a stored row numbered `seq` whose other fields cannot
    /// even be read (a time that is not a time, a missing value): the
    /// product never writes such a row, so it was changed, unless it is not
    /// where the next entry should be.
    pub fn unreadable(&self, seq: i64) -> Broken {
        let expected = self.expected_seq();
        let fault = match seq.cmp(&expected) {
            std::cmp::Ordering::Greater => Fault::Removed { through: seq - 1 },
            std::cmp::Ordering::Less => Fault::Reordered,
            std::cmp::Ordering::Equal => Fault::Altered,
        };
        Broken {
            seq: expected,
            fault,
        }
    }

    /// The verdict when every entry has been checked.
    pub fn finish(self) -> Intact {
        Intact {
            entries: self.entries,
            last_hash: self.tail.hash,
        }
    }
}

/// Checks a whole log, given in `seq` order: intact, or the first broken
/// entry.
pub fn verify<E: Borrow<Entry>>(entries: impl IntoIterator<Item = E>) -> Result<Intact, Broken> {
    let mut verifier = Verifier::new();
    for entry in entries {
        verifier.check(entry.borrow())?;
    }
    Ok(verifier.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
    }

    fn draft(n: usize) -> (String, String) {
        (
            format!("{}", n + 10),
            format!(r#"{{"role":"resident","n":{n}}}"#),
        )
    }

    fn chain(len: usize) -> Vec<Entry> {
        let mut tail = Tail::genesis();
        let mut entries = Vec::new();
        for n in 0..len {
            let (id, summary) = draft(n);
            let entry = Entry::after(
                &tail,
                at() + Duration::seconds(n as i64),
                &Draft {
                    actor: (n % 3 != 0).then_some(n as i64),
                    via: Via::ALL[n % 4],
                    action: "person.create",
                    object_type: "person",
                    object_id: &id,
                    summary: &summary,
                },
            )
            .unwrap();
            tail = entry.tail();
            entries.push(entry);
        }
        entries
    }

    #[test]
    fn the_first_entry_follows_64_zeros_and_the_rest_follow_each_other() {
        let log = chain(3);
        assert_eq!(log[0].seq, 1);
        assert_eq!(log[0].prev_hash, GENESIS_HASH);
        assert_eq!(GENESIS_HASH.len(), 64);
        assert_eq!(log[1].prev_hash, log[0].hash);
        assert_eq!(log[2].seq, 3);
        let intact = verify(&log).unwrap();
        assert_eq!(intact.entries, 3);
        assert_eq!(intact.last_hash, log[2].hash);
        assert_eq!(
            verify(Vec::<Entry>::new()).unwrap(),
            Intact {
                entries: 0,
                last_hash: GENESIS_HASH.to_owned()
            }
        );
    }

    /// Pins the encoding: this hash was computed independently (Python's
    /// hashlib over the bytes the module's description lists), so a change
    /// to the encoding that would orphan every stored chain fails here.
    #[test]
    fn the_hash_is_the_documented_encoding() {
        let entry = Entry::after(
            &Tail::genesis(),
            at() + Duration::nanoseconds(123_456_789),
            &Draft {
                actor: Some(42),
                via: Via::Cli,
                action: "person.create",
                object_type: "person",
                object_id: "7",
                summary: r#"{"role":"officer"}"#,
            },
        )
        .unwrap();
        assert_eq!(
            entry.at,
            at() + Duration::microseconds(123_456),
            "cut to the microsecond"
        );
        assert_eq!(entry.hash, KNOWN_HASH);
        let second = Entry::after(
            &entry.tail(),
            at(),
            &Draft {
                actor: None,
                via: Via::System,
                action: "demo.generate",
                object_type: "demo",
                object_id: "2026",
                summary: "{}",
            },
        )
        .unwrap();
        assert_eq!(second.hash, KNOWN_SECOND_HASH);
    }

    const KNOWN_HASH: &str = "41d816c8dac6401fc0f268a970606bb96a2dfd11311c9bfaf097e7da1d0a71a0";
    const KNOWN_SECOND_HASH: &str =
        "c1886974d7333a99952b95551c71211e65115577223d93c76e71a114d2f0d6ab";

    #[test]
    fn moving_text_between_fields_changes_the_hash() {
        let log = chain(1);
        let mut moved = log[0].clone();
        moved.object_type = "perso".to_owned();
        moved.object_id = format!("n{}", moved.object_id);
        assert_ne!(moved.computed_hash(), log[0].computed_hash());
        let mut moved = log[0].clone();
        moved.action = "person.creat".to_owned();
        moved.object_type = "eperson".to_owned();
        assert_ne!(moved.computed_hash(), log[0].computed_hash());
        // No actor and actor 0 are different, too.
        let mut a = log[0].clone();
        a.actor = None;
        let mut b = log[0].clone();
        b.actor = Some(0);
        assert_ne!(a.computed_hash(), b.computed_hash());
    }

    #[test]
    fn an_altered_entry_is_named() {
        let mut log = chain(5);
        log[2].summary = r#"{"role":"admin","n":2}"#.to_owned();
        assert_eq!(
            verify(&log),
            Err(Broken {
                seq: 3,
                fault: Fault::Altered
            })
        );
        let message = verify(&log).unwrap_err().to_string();
        assert_eq!(
            message,
            "the audit log is broken at entry 3: its contents were changed after it was written"
        );
    }

    #[test]
    fn removed_entries_are_named_from_the_first() {
        let mut log = chain(8);
        log.remove(3);
        let broken = verify(&log).unwrap_err();
        assert_eq!(
            broken,
            Broken {
                seq: 4,
                fault: Fault::Removed { through: 4 }
            }
        );
        assert_eq!(
            broken.to_string(),
            "the audit log is broken at entry 4: it was removed (entry 5 follows entry 3)"
        );
        log.drain(3..5);
        let broken = verify(&log).unwrap_err();
        assert_eq!(broken.fault, Fault::Removed { through: 6 });
        assert!(
            broken.to_string().contains("entries 4 to 6 were removed"),
            "{broken}"
        );
        // The first entry counts too.
        let mut log = chain(3);
        log.remove(0);
        let broken = verify(&log).unwrap_err();
        assert_eq!(broken.seq, 1);
        assert_eq!(
            broken.to_string(),
            "the audit log is broken at entry 1: it was removed (the log starts at entry 2)"
        );
    }

    #[test]
    fn reordered_entries_are_named() {
        // Rows read back in seq order after two entries' numbers were swapped.
        let mut log = chain(8);
        log.swap(2, 6);
        log[2].seq = 3;
        log[6].seq = 7;
        assert_eq!(
            verify(&log),
            Err(Broken {
                seq: 3,
                fault: Fault::Reordered
            })
        );
        // Entries handed over out of order: at the first, the next number
        // is missing. (The store reads in seq order, so it never does this.)
        let mut log = chain(4);
        log.swap(1, 2);
        assert_eq!(
            verify(&log),
            Err(Broken {
                seq: 2,
                fault: Fault::Removed { through: 2 }
            })
        );
        // A removal hidden by renumbering the entries after it.
        let mut log = chain(6);
        log.remove(2);
        for e in &mut log[2..] {
            e.seq -= 1;
        }
        assert_eq!(
            verify(&log),
            Err(Broken {
                seq: 3,
                fault: Fault::Reordered
            })
        );
    }

    #[test]
    fn an_unreadable_row_is_judged_by_its_place() {
        let mut v = Verifier::new();
        for e in chain(2) {
            v.check(&e).unwrap();
        }
        assert_eq!(v.unreadable(3).fault, Fault::Altered);
        assert_eq!(v.unreadable(5).fault, Fault::Removed { through: 4 });
        assert_eq!(v.unreadable(2).fault, Fault::Reordered);
        assert_eq!(v.unreadable(9).seq, 3);
    }

    #[test]
    fn drafts_that_would_muddle_the_log_are_refused() {
        let ok = Draft {
            actor: Some(1),
            via: Via::Web,
            action: "project.stage",
            object_type: "project",
            object_id: "12",
            summary: r#"{"from":"idea","to":"selected"}"#,
        };
        let tail = Tail::genesis();
        assert!(Entry::after(&tail, at(), &ok).is_ok());
        for (bad, field) in [
            (
                Draft {
                    action: "create",
                    ..ok.clone()
                },
                "action",
            ),
            (
                Draft {
                    action: "Person.Create",
                    ..ok.clone()
                },
                "action",
            ),
            (
                Draft {
                    action: "person..create",
                    ..ok.clone()
                },
                "action",
            ),
            (
                Draft {
                    object_type: "",
                    ..ok.clone()
                },
                "object_type",
            ),
            (
                Draft {
                    object_type: "a person",
                    ..ok.clone()
                },
                "object_type",
            ),
            (
                Draft {
                    object_id: "",
                    ..ok.clone()
                },
                "object_id",
            ),
            (
                Draft {
                    object_id: "1\n2",
                    ..ok.clone()
                },
                "object_id",
            ),
            (
                Draft {
                    summary: "[1]",
                    ..ok.clone()
                },
                "summary",
            ),
            (
                Draft {
                    actor: Some(0),
                    ..ok.clone()
                },
                "actor",
            ),
        ] {
            assert_eq!(Entry::after(&tail, at(), &bad).unwrap_err().field, field);
        }
        let long = format!(r#"{{"x":"{}"}}"#, "a".repeat(MAX_SUMMARY_BYTES));
        let err = Entry::after(
            &tail,
            at(),
            &Draft {
                summary: &long,
                ..ok
            },
        )
        .unwrap_err();
        assert_eq!(err.field, "summary");
    }

    #[test]
    fn ways_in_round_trip() {
        for via in Via::ALL {
            assert_eq!(Via::parse(via.as_str()).unwrap(), via);
        }
        assert!(Via::parse("email")
            .unwrap_err()
            .message
            .contains("choose web"));
    }

    /// One field of one entry, changed to a different value.
    fn alter(entry: &mut Entry, field: usize, noise: &str, delta: i64) {
        let text = |s: &mut String| {
            if s.ends_with(noise) {
                s.truncate(s.len() - noise.len());
            } else {
                s.push_str(noise);
            }
        };
        match field {
            0 => entry.seq += delta,
            1 => entry.at += Duration::microseconds(delta),
            2 => {
                entry.actor = match entry.actor {
                    None => Some(delta),
                    Some(id) if delta % 2 == 0 => Some(id + delta),
                    Some(_) => None,
                }
            }
            3 => text(&mut entry.via),
            4 => text(&mut entry.action),
            5 => text(&mut entry.object_type),
            6 => text(&mut entry.object_id),
            7 => text(&mut entry.summary),
            8 => text(&mut entry.prev_hash),
            _ => text(&mut entry.hash),
        }
    }

    proptest! {
        #[test]
        fn any_single_field_alteration_is_found_at_that_entry(
            len in 1usize..12,
            pick in any::<prop::sample::Index>(),
            field in 0usize..10,
            noise in "[a-z0-9 \"{}.]{1,6}",
            delta in prop_oneof![-1_000_000i64..=-1, 1i64..=1_000_000],
            actors in prop::collection::vec(prop::option::of(1i64..1_000_000), 12),
            ids in prop::collection::vec("[A-Za-z0-9 -]{1,12}", 12),
            micros in prop::collection::vec(0i64..10_000_000_000, 12),
        ) {
            let mut tail = Tail::genesis();
            let mut log = Vec::new();
            for n in 0..len {
                let summary = format!(r#"{{"n":{n}}}"#);
                let entry = Entry::after(&tail, at() + Duration::microseconds(micros[n]), &Draft {
                    actor: actors[n],
                    via: Via::ALL[n % 4],
                    action: "thing.change",
                    object_type: "thing",
                    object_id: &ids[n],
                    summary: &summary,
                }).unwrap();
                tail = entry.tail();
                log.push(entry);
            }
            prop_assert!(verify(&log).is_ok());
            let k = pick.index(len);
            let before = log[k].clone();
            alter(&mut log[k], field, &noise, delta);
            prop_assert_ne!(&before, &log[k]);
            let broken = verify(&log).unwrap_err();
            prop_assert_eq!(broken.seq, before.seq, "{:?}", broken);
        }
    }
}
