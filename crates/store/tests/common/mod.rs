//! The engines every repository test runs on (see `coproduce_store::testing`),
//! and the instant these tests treat as now.

#![allow(dead_code)] // each test binary uses its own part of this file

use chrono::{DateTime, TimeZone, Utc};
pub use coproduce_store::testing::*;

/// The instant the tests treat as now.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap()
}
