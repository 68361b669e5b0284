//! The domain of coproduce: types that refuse bad input with a message a person
//! can act on, and the rules every door (HTML, API, CLI) calls. Nothing here does
//! I/O, so every rule can be tested with plain values and an injected clock.

pub mod atom;
pub mod audit;
pub mod budget;
pub mod clock;
pub mod events;
pub mod expenses;
pub mod files;
pub mod funding;
pub mod ical;
pub mod invalid;
pub mod learning;
pub mod ledger;
pub mod lifecycle;
pub mod local_time;
pub mod matching;
pub mod money;
pub mod organisations;
pub mod outbox;
pub mod password;
pub mod people;
pub mod policy;
pub mod privacy;
pub mod projects;
pub mod reconciliation;
pub mod reset;
pub mod resources;
pub mod risk;
pub mod rsvps;
pub mod selection;
pub mod series;
pub mod sessions;
pub mod skills;
pub mod tables;
pub mod text;
pub mod throttle;
pub mod tokens;
pub mod toolkit;

pub use invalid::Invalid;
