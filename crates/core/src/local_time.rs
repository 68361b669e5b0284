//! How instants are shown to people in the borough: in UK civil time, whatever
//! the server's own time zone. Stored times stay UTC; this is only for display.
//!
//! The rule is the one the UK has followed since 1996: British Summer Time (UTC+1)
//! runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
//! Sunday of October. Writing it down is cheaper than a time-zone database and
//! is tested below against known changeovers.

#[cfg(test)]
use chrono::TimeZone;
use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, Offset, Utc, Weekday,
};

/// The UK's offset from UTC at the instant `t`.
pub fn uk_offset(t: DateTime<Utc>) -> FixedOffset {
    let year = t.year();
    let starts = last_sunday_at_one_utc(year, 3);
    let ends = last_sunday_at_one_utc(year, 10);
    let seconds = match (starts, ends) {
        (Some(s), Some(e)) if t >= s && t < e => 3600,
        _ => 0,
    };
    // Both offsets are well inside the valid range; UTC is the safe fallback.
    FixedOffset::east_opt(seconds).unwrap_or_else(|| Utc.fix())
}

/// `t` as UK wall-clock time.
pub fn uk(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&uk_offset(t))
}

/// The instant at which UK clocks read `local`. When the clocks go back an
/// hour is read twice: the first reading (still summer time) is taken. When
/// they go forward an hour never happens, and there is no answer.
pub fn from_uk(local: NaiveDateTime) -> Option<DateTime<Utc>> {
    [3600, 0].into_iter().find_map(|seconds| {
        let t = (local - Duration::seconds(seconds)).and_utc();
        (uk_offset(t).local_minus_utc() == seconds as i32).then_some(t)
    })
}

fn last_sunday_at_one_utc(year: i32, month: u32) -> Option<DateTime<Utc>> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let mut day = first_of_next - Duration::days(1);
    while day.weekday() != Weekday::Sun {
        day -= Duration::days(1);
    }
    Some(day.and_hms_opt(1, 0, 0)?.and_utc())
}

/// Parses a UK wall-clock time typed into a form, written `2026-06-03T10:00`
/// (what a browser's date-and-time field sends) or `2026-06-03 10:00`; `what`
/// names it in the messages ("start", "end").
pub fn parse_input(
    field: &'static str,
    what: &str,
    input: &str,
) -> Result<DateTime<Utc>, crate::Invalid> {
    let text = input.trim();
    if text.is_empty() {
        return Err(crate::Invalid::new(
            field,
            format!("Enter the {what} date and time, like 2026-06-03 10:00"),
        ));
    }
    let local = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .ok_or_else(|| {
            crate::Invalid::new(
                field,
                format!("Enter the {what} as a date and a time, like 2026-06-03 10:00"),
            )
        })?;
    from_uk(local).ok_or_else(|| {
        crate::Invalid::new(
            field,
            format!(
                "The clocks go forward at that {what}, so it never happens: choose an hour later"
            ),
        )
    })
}

/// "Wednesday 2 December 2026": the GOV.UK style for dates.
pub fn long_date(t: DateTime<Utc>) -> String {
    uk(t).format("%A %-d %B %Y").to_string()
}

/// "2 Dec 2026": for tables and lists.
pub fn short_date(t: DateTime<Utc>) -> String {
    uk(t).format("%-d %b %Y").to_string()
}

/// "6pm", "6:30pm", "midday", "midnight": the GOV.UK style for times.
pub fn clock_time(t: DateTime<Utc>) -> String {
    let local = uk(t);
    let (h, m) = (
        local.format("%H").to_string(),
        local.format("%M").to_string(),
    );
    let hour: u32 = h.parse().unwrap_or(0);
    let minute: u32 = m.parse().unwrap_or(0);
    match (hour, minute) {
        (0, 0) => "midnight".to_owned(),
        (12, 0) => "midday".to_owned(),
        _ => {
            let suffix = if hour < 12 { "am" } else { "pm" };
            let twelve = match hour % 12 {
                0 => 12,
                h => h,
            };
            if minute == 0 {
                format!("{twelve}{suffix}")
            } else {
                format!("{twelve}:{minute:02}{suffix}")
            }
        }
    }
}

/// "Wednesday 2 December 2026, 6pm to 8pm", or across days
/// "Saturday 5 December 2026, 10am to Sunday 6 December 2026, 4pm".
pub fn span(start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    if uk(start).date_naive() == uk(end).date_naive() {
        format!(
            "{}, {} to {}",
            long_date(start),
            clock_time(start),
            clock_time(end)
        )
    } else {
        format!(
            "{}, {} to {}, {}",
            long_date(start),
            clock_time(start),
            long_date(end),
            clock_time(end)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn summer_time_starts_and_ends_on_the_known_sundays() {
        // 2026: BST from 29 March to 25 October.
        assert_eq!(uk_offset(at(2026, 3, 29, 0, 59)).local_minus_utc(), 0);
        assert_eq!(uk_offset(at(2026, 3, 29, 1, 0)).local_minus_utc(), 3600);
        assert_eq!(uk_offset(at(2026, 10, 25, 0, 59)).local_minus_utc(), 3600);
        assert_eq!(uk_offset(at(2026, 10, 25, 1, 0)).local_minus_utc(), 0);
        // 2027: 28 March and 31 October.
        assert_eq!(uk_offset(at(2027, 3, 28, 1, 0)).local_minus_utc(), 3600);
        assert_eq!(uk_offset(at(2027, 10, 31, 0, 30)).local_minus_utc(), 3600);
        assert_eq!(uk_offset(at(2027, 12, 31, 23, 0)).local_minus_utc(), 0);
    }

    #[test]
    fn wall_clock_readings_map_back_to_instants() {
        let local = |d: u32, mo: u32, h: u32, mi: u32| {
            NaiveDate::from_ymd_opt(2026, mo, d)
                .unwrap()
                .and_hms_opt(h, mi, 0)
                .unwrap()
        };
        assert_eq!(from_uk(local(1, 12, 18, 0)), Some(at(2026, 12, 1, 18, 0)));
        assert_eq!(from_uk(local(1, 7, 18, 0)), Some(at(2026, 7, 1, 17, 0)));
        // 29 March 2026: 01:00 to 02:00 never happens.
        assert_eq!(from_uk(local(29, 3, 1, 30)), None);
        // 25 October 2026: 01:30 happens twice; the first is summer time.
        assert_eq!(from_uk(local(25, 10, 1, 30)), Some(at(2026, 10, 25, 0, 30)));
    }

    #[test]
    fn times_read_the_govuk_way() {
        assert_eq!(clock_time(at(2026, 12, 2, 18, 0)), "6pm");
        assert_eq!(clock_time(at(2026, 12, 2, 18, 30)), "6:30pm");
        assert_eq!(clock_time(at(2026, 12, 2, 12, 0)), "midday");
        assert_eq!(clock_time(at(2026, 12, 2, 0, 0)), "midnight");
        // 17:00 UTC in July is 6pm in London.
        assert_eq!(clock_time(at(2026, 7, 1, 17, 0)), "6pm");
        assert_eq!(
            long_date(at(2026, 12, 2, 18, 0)),
            "Wednesday 2 December 2026"
        );
        assert_eq!(short_date(at(2026, 12, 2, 18, 0)), "2 Dec 2026");
    }

    #[test]
    fn spans_name_the_day_once_when_they_can() {
        assert_eq!(
            span(at(2026, 12, 2, 18, 0), at(2026, 12, 2, 20, 0)),
            "Wednesday 2 December 2026, 6pm to 8pm"
        );
        assert_eq!(
            span(at(2026, 12, 5, 10, 0), at(2026, 12, 6, 16, 0)),
            "Saturday 5 December 2026, 10am to Sunday 6 December 2026, 4pm"
        );
    }
}
