//! Working days in England, for notice periods the law counts that way (a
//! Temporary Event Notice must reach the council ten clear working days
//! before the event).

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Bank holidays in England and Wales, as published on GOV.UK. Past the last
/// year listed, only weekends are skipped; `known_until` says so.
const BANK_HOLIDAYS: &[(i32, u32, u32)] = &[
    (2025, 1, 1),
    (2025, 4, 18),
    (2025, 4, 21),
    (2025, 5, 5),
    (2025, 5, 26),
    (2025, 8, 25),
    (2025, 12, 25),
    (2025, 12, 26),
    (2026, 1, 1),
    (2026, 4, 3),
    (2026, 4, 6),
    (2026, 5, 4),
    (2026, 5, 25),
    (2026, 8, 31),
    (2026, 12, 25),
    (2026, 12, 28),
    (2027, 1, 1),
    (2027, 3, 26),
    (2027, 3, 29),
    (2027, 5, 3),
    (2027, 5, 31),
    (2027, 8, 30),
    (2027, 12, 27),
    (2027, 12, 28),
    (2028, 1, 3),
    (2028, 4, 14),
    (2028, 4, 17),
    (2028, 5, 1),
    (2028, 5, 29),
    (2028, 8, 28),
    (2028, 12, 25),
    (2028, 12, 26),
];

/// The last year whose bank holidays are known here.
pub fn known_until() -> i32 {
    BANK_HOLIDAYS.last().map(|(y, _, _)| *y).unwrap_or(0)
}

pub fn is_working_day(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
        && !BANK_HOLIDAYS
            .iter()
            .any(|&(y, m, d)| day.year() == y && day.month() == m && day.day() == d)
}

/// The last day a notice can arrive and still leave `clear` whole working
/// days between the day it arrives and the day of the event, neither of
/// which counts. That day is itself a working day, when someone is there to
/// receive it.
pub fn notice_deadline(event: NaiveDate, clear: u32) -> NaiveDate {
    let mut day = event;
    let mut counted = 0;
    while counted < clear {
        day = day - Days::new(1);
        if is_working_day(day) {
            counted += 1;
        }
    }
    day = day - Days::new(1);
    while !is_working_day(day) {
        day = day - Days::new(1);
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weekends_and_bank_holidays_are_not_working_days() {
        assert!(is_working_day(d("2026-11-26")));
        assert!(!is_working_day(d("2026-11-28")));
        assert!(!is_working_day(d("2026-12-28")));
        assert!(!is_working_day(d("2027-03-29")));
    }

    #[test]
    fn a_notice_leaves_ten_clear_working_days() {
        // An event on Saturday 12 June 2027: the ten working days before it are
        // 28 May to 11 June, skipping the weekends and the bank holiday on 31 May;
        // the day it arrives does not count, so it must arrive by Thursday 27 May.
        assert_eq!(notice_deadline(d("2027-06-12"), 10), d("2027-05-27"));
        let deadline = notice_deadline(d("2027-06-12"), 10);
        let mut day = deadline + Days::new(1);
        let mut n = 0;
        while day < d("2027-06-12") {
            if is_working_day(day) {
                n += 1;
            }
            day = day + Days::new(1);
        }
        assert_eq!(n, 10);
    }
}
