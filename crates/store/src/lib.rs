//! Persistence for coproduce: one database handle over SQLite (embedded default)
//! or PostgreSQL (the scale path), migrations kept equivalent for both, and one
//! repository module per capability. Every query is written once, with `$n`
//! placeholders that both engines accept, and runs through sqlx's `Any` driver.

pub mod accounts;
pub mod asset_map;
pub mod attendance;
pub mod audit;
pub mod blobs;
pub mod db;

pub mod budget;
pub mod calendar;
pub mod calendar_feeds;
pub mod demo;
pub mod error;
pub mod events;
pub mod expenses;
pub mod exports;
pub mod funding;
pub mod home;
pub mod invitations;
pub mod learning;
pub mod ledger;
pub mod matching;
pub mod memberships;
pub mod meta;
pub mod migrate;
pub mod organisations;
pub mod outbox;
pub mod passwords;
pub mod people;
pub mod privacy;
pub mod projects;
pub mod reconciliation;
pub mod reminders;
pub mod resources;
pub mod risk;
pub mod rsvps;
pub mod selection;
pub mod skills;
pub mod tables;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod tokens;
pub mod toolkit;
pub mod transparency;
pub mod wards;

pub use db::{Backend, Db, DbUrl};
pub use error::StoreError;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
