//! Feet, not talk: at a make event the projects being worked on each have
//! a table; people join one by standing at it, can move, and the board
//! shows how many are at each. A table nobody has joined by the time the
//! organisers set is flagged, so they can merge or re-pitch it.

use chrono::{DateTime, Duration, NaiveTime, Utc};

use crate::{local_time, Invalid};

/// When the tables are checked, as typed ("11:00", UK time on the event's
/// first day): minutes after the start, or None when left empty.
pub fn parse_check_time(
    input: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Option<i64>, Invalid> {
    let text = input.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let refuse = |why: &str| Invalid::new("tables_by", why.to_owned());
    let time = ["%H:%M", "%H.%M", "%H%M"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(text, f).ok())
        .ok_or_else(|| {
            refuse("Enter the time as hours and minutes, like 11:00, or leave it empty")
        })?;
    let day = local_time::uk(start).date_naive();
    let at = local_time::from_uk(day.and_time(time)).ok_or_else(|| {
        refuse("The clocks go forward at that time, so it never happens: choose an hour later")
    })?;
    if at < start || at > end {
        return Err(refuse(
            "Choose a time during the event's first day, after it starts and before it ends",
        ));
    }
    Ok(Some((at - start).num_minutes()))
}

/// The time the tables are checked at, for one date of the event.
pub fn check_at(occurrence: DateTime<Utc>, minutes: Option<i64>) -> Option<DateTime<Utc>> {
    minutes.map(|m| occurrence + Duration::minutes(m))
}

/// A table is flagged once its check time has come and nobody is at it.
pub fn is_flagged(people: i64, check_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    people == 0 && check_at.is_some_and(|at| now >= at)
}

/// Who may stand at a table: people who answered that they are coming (or
/// were checked in) and the organisers; and only at one of the event's
/// projects' tables.
pub fn may_join(coming: bool, organiser: bool, project_at_event: bool) -> Result<(), Invalid> {
    if !project_at_event {
        return Err(Invalid::new(
            "project",
            "That project has no table at this event: choose one from the board",
        ));
    }
    if !(coming || organiser) {
        return Err(Invalid::new(
            "project",
            "Answer that you are coming first, then choose a table",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        // 5 December 2026 is in GMT: UK time is UTC.
        Utc.with_ymd_and_hms(2026, 12, 5, h, m, 0).unwrap()
    }

    #[test]
    fn check_times_fall_within_the_first_day() {
        assert_eq!(parse_check_time("", at(10, 0), at(16, 0)), Ok(None));
        assert_eq!(
            parse_check_time("11:30", at(10, 0), at(16, 0)),
            Ok(Some(90))
        );
        assert_eq!(parse_check_time("1130", at(10, 0), at(16, 0)), Ok(Some(90)));
        assert!(parse_check_time("9:00", at(10, 0), at(16, 0)).is_err());
        assert!(parse_check_time("17:00", at(10, 0), at(16, 0)).is_err());
        assert!(parse_check_time("noon", at(10, 0), at(16, 0)).is_err());
    }

    #[test]
    fn empty_tables_are_flagged_only_once_the_time_comes() {
        let check = check_at(at(10, 0), Some(60));
        assert_eq!(check, Some(at(11, 0)));
        assert!(!is_flagged(0, check, at(10, 59)));
        assert!(is_flagged(0, check, at(11, 0)));
        assert!(!is_flagged(1, check, at(12, 0)));
        assert!(!is_flagged(0, None, at(15, 0)));
    }

    #[test]
    fn only_people_coming_join_and_only_the_events_projects() {
        assert!(may_join(true, false, true).is_ok());
        assert!(may_join(false, true, true).is_ok());
        assert_eq!(may_join(false, false, true).unwrap_err().field, "project");
        assert!(may_join(true, true, false).is_err());
    }
}
