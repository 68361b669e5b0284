//! Calendar feeds: events written as iCalendar (RFC 5545), so residents can
//! subscribe from their phone or a desktop calendar and see changes and
//! cancellations without coming back to the site.
//!
//! Times are written as UK clock times with TZID=Europe/London, and the feed
//! carries its own definition of that zone, so a repeating event keeps its
//! clock time across the clock changes in every calendar program, as
//! `series` expands it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::local_time::{from_uk, uk};

const TZID: &str = "Europe/London";
/// RFC 5545 asks for lines of at most 75 octets, not counting the line break.
const LINE_OCTETS: usize = 75;

/// Whether an event is on. A cancelled event stays in the feed with this
/// status, so calendars that already hold it strike it out instead of
/// keeping a stale copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Confirmed,
    Cancelled,
}

/// One event of a feed. `uid` must stay the same for the life of the event,
/// and `sequence` go up when its time or place changes, so calendars update
/// their copy rather than adding another. `rrule` is the text of
/// `series::Rule::to_rrule` for a repeating event, `start` and `end` those of
/// its first occurrence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub uid: String,
    pub stamp: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub description: String,
    pub location: String,
    pub geo: Option<(f64, f64)>,
    pub url: Option<String>,
    pub status: Status,
    pub sequence: i64,
    pub rrule: Option<String>,
    pub last_modified: Option<DateTime<Utc>>,
    pub categories: Vec<String>,
}

/// A feed: its name as calendar programs show it, and its events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calendar {
    pub name: String,
    pub events: Vec<Event>,
}

/// The whole feed as iCalendar text, ready to serve as text/calendar: lines
/// ended with CRLF and folded to 75 octets, text escaped, one Europe/London
/// time zone, then the events in the order given.
pub fn write(calendar: &Calendar) -> String {
    let mut out = Lines::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line("PRODID:-//coproduce//coproduce//EN");
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    out.line(&format!("X-WR-CALNAME:{}", text(&calendar.name)));
    out.line(&format!("X-WR-TIMEZONE:{TZID}"));
    write_timezone(&mut out);
    for event in &calendar.events {
        write_event(&mut out, event);
    }
    out.line("END:VCALENDAR");
    out.0
}

/// The UK's rule since 1996, the same one `local_time` follows: each change
/// is written in the clock time it happens at, before the change.
fn write_timezone(out: &mut Lines) {
    for line in [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/London",
        "BEGIN:STANDARD",
        "DTSTART:19961027T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0000",
        "TZNAME:GMT",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:19960331T010000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "TZOFFSETFROM:+0000",
        "TZOFFSETTO:+0100",
        "TZNAME:BST",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
    ] {
        out.line(line);
    }
}

fn write_event(out: &mut Lines, event: &Event) {
    out.line("BEGIN:VEVENT");
    out.line(&format!("UID:{}", text(&event.uid)));
    out.line(&format!("DTSTAMP:{}", utc(event.stamp)));
    let repeats = event.rrule.is_some();
    out.line(&date_time("DTSTART", event.start, repeats));
    // A reader may drop a whole feed over one event that ends before it
    // starts; an event of no length is valid and shows the mistake.
    out.line(&date_time("DTEND", event.end.max(event.start), repeats));
    out.line(&format!("SUMMARY:{}", text(&event.summary)));
    if !event.description.is_empty() {
        out.line(&format!("DESCRIPTION:{}", text(&event.description)));
    }
    if !event.location.is_empty() {
        out.line(&format!("LOCATION:{}", text(&event.location)));
    }
    if let Some((lat, lon)) = event.geo {
        if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) {
            out.line(&format!("GEO:{lat};{lon}"));
        }
    }
    if let Some(url) = &event.url {
        out.line(&format!("URL:{}", without_controls(url)));
    }
    let status = match event.status {
        Status::Confirmed => "CONFIRMED",
        Status::Cancelled => "CANCELLED",
    };
    out.line(&format!("STATUS:{status}"));
    out.line(&format!("SEQUENCE:{}", event.sequence.max(0)));
    if let Some(rrule) = &event.rrule {
        out.line(&format!("RRULE:{}", without_controls(rrule)));
    }
    if let Some(modified) = event.last_modified {
        out.line(&format!("LAST-MODIFIED:{}", utc(modified)));
    }
    let categories: Vec<String> = event
        .categories
        .iter()
        .filter(|c| !c.is_empty())
        .map(|c| text(c))
        .collect();
    if !categories.is_empty() {
        out.line(&format!("CATEGORIES:{}", categories.join(",")));
    }
    out.line("END:VEVENT");
}

/// `NAME;TZID=Europe/London:` and the UK clock time. The one exception is an
/// instant in the second pass through the hour the clocks go back: readers
/// take that clock time as the first pass, so a single event's instant is
/// written in UTC instead. A repeating event keeps the zone even then, since
/// its later dates are expanded from DTSTART's clock time, as `series` does.
fn date_time(name: &str, t: DateTime<Utc>, repeats: bool) -> String {
    let local = uk(t).naive_local();
    if repeats || from_uk(local) == Some(t) {
        format!("{name};TZID={TZID}:{}", local.format("%Y%m%dT%H%M%S"))
    } else {
        format!("{name}:{}", utc(t))
    }
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value as RFC 5545 writes it: backslash, semicolon, comma and line
/// breaks escaped, and control characters, which it does not allow, dropped.
fn text(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\n' => escaped.push_str("\\n"),
            '\r' => {
                // "\r\n" from a web form is one line break, not two.
                if chars.peek() != Some(&'\n') {
                    escaped.push_str("\\n");
                }
            }
            '\t' => escaped.push('\t'),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// URL and RRULE are not TEXT and are not escaped, but a line break in one
/// would start a new property, so control characters go.
fn without_controls(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

/// The feed being written, one folded content line at a time.
#[derive(Default)]
struct Lines(String);

impl Lines {
    /// Adds `content` with CRLF, folded so no physical line is over 75 octets:
    /// a fold is CRLF and a space, and the space counts towards the next
    /// line's 75. A fold never falls inside a character's UTF-8 bytes, so each
    /// line stays valid UTF-8 for readers that check.
    fn line(&mut self, content: &str) {
        let mut used = 0;
        for c in content.chars() {
            let octets = c.len_utf8();
            if used + octets > LINE_OCTETS {
                self.0.push_str("\r\n ");
                used = 1;
            }
            self.0.push(c);
            used += octets;
        }
        self.0.push_str("\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Rule;
    use chrono::{Duration, TimeZone};

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn event(start: DateTime<Utc>) -> Event {
        Event {
            uid: "event-1@coproduce".to_owned(),
            stamp: at(2026, 6, 1, 9, 0),
            start,
            end: start + Duration::hours(2),
            summary: "Repair café".to_owned(),
            description: String::new(),
            location: String::new(),
            geo: None,
            url: None,
            status: Status::Confirmed,
            sequence: 0,
            rrule: None,
            last_modified: None,
            categories: Vec::new(),
        }
    }

    fn feed(events: Vec<Event>) -> String {
        write(&Calendar {
            name: "Events in Northfield".to_owned(),
            events,
        })
    }

    /// The content lines back: folds undone, as RFC 5545 says a reader does.
    fn unfold(feed: &str) -> Vec<String> {
        feed.replace("\r\n ", "")
            .split("\r\n")
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The lines from the first event on, so the zone's own DTSTART and RRULE
    /// lines are not mistaken for the event's.
    fn from_first_event(lines: &[String]) -> Vec<String> {
        lines
            .iter()
            .skip_while(|l| *l != "BEGIN:VEVENT")
            .cloned()
            .collect()
    }

    fn property<'a>(lines: &'a [String], name: &str) -> Vec<&'a str> {
        lines
            .iter()
            .filter(|line| line.starts_with(name))
            .map(String::as_str)
            .collect()
    }

    fn unescape(value: &str) -> String {
        let mut out = String::new();
        let mut chars = value.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
            } else if let Some(next) = chars.next() {
                out.push(if next == 'n' { '\n' } else { next });
            }
        }
        out
    }

    fn assert_folded(feed: &str) {
        assert!(feed.ends_with("\r\n"));
        for line in feed.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
            assert!(!line.contains('\n') && !line.contains('\r'));
        }
    }

    #[test]
    fn a_feed_has_its_calendar_properties_and_zone() {
        let written = feed(vec![event(at(2026, 12, 2, 18, 0))]);
        let lines = unfold(&written);
        let expected_head = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//coproduce//coproduce//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:Events in Northfield",
            "X-WR-TIMEZONE:Europe/London",
            "BEGIN:VTIMEZONE",
            "TZID:Europe/London",
        ];
        assert_eq!(lines[..expected_head.len()], expected_head);
        assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
        assert_eq!(property(&lines, "TZNAME:"), ["TZNAME:GMT", "TZNAME:BST"]);
        assert_eq!(
            property(&lines, "RRULE:"),
            [
                "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
                "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"
            ]
        );
        assert_eq!(property(&lines, "UID:"), ["UID:event-1@coproduce"]);
        assert_eq!(property(&lines, "DTSTAMP:"), ["DTSTAMP:20260601T090000Z"]);
        assert_eq!(property(&lines, "STATUS:"), ["STATUS:CONFIRMED"]);
        assert_eq!(property(&lines, "SEQUENCE:"), ["SEQUENCE:0"]);
        // Empty text is left out rather than written empty.
        assert!(property(&lines, "DESCRIPTION").is_empty());
        assert!(property(&lines, "LOCATION").is_empty());
        assert!(property(&lines, "CATEGORIES").is_empty());
        assert!(property(&lines, "GEO").is_empty());
        assert!(!written.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn start_and_end_are_uk_clock_times_in_summer_and_winter() {
        let summer = unfold(&feed(vec![event(at(2026, 7, 1, 17, 0))]));
        assert_eq!(
            property(&summer, "DTSTART;"),
            ["DTSTART;TZID=Europe/London:20260701T180000"]
        );
        assert_eq!(
            property(&summer, "DTEND;"),
            ["DTEND;TZID=Europe/London:20260701T200000"]
        );
        let winter = unfold(&feed(vec![event(at(2026, 12, 2, 18, 0))]));
        assert_eq!(
            property(&winter, "DTSTART;"),
            ["DTSTART;TZID=Europe/London:20261202T180000"]
        );
        assert_eq!(
            property(&winter, "DTEND;"),
            ["DTEND;TZID=Europe/London:20261202T200000"]
        );
    }

    #[test]
    fn the_second_pass_through_a_repeated_hour_is_written_in_utc() {
        // 01:30 UTC on 25 October 2026 reads 01:30 GMT, after 01:30 BST.
        let lines = from_first_event(&unfold(&feed(vec![event(at(2026, 10, 25, 1, 30))])));
        assert_eq!(property(&lines, "DTSTART"), ["DTSTART:20261025T013000Z"]);
        assert_eq!(
            property(&lines, "DTEND"),
            ["DTEND;TZID=Europe/London:20261025T033000"]
        );
        let mut repeating = event(at(2026, 10, 25, 1, 30));
        repeating.rrule = Some("FREQ=WEEKLY".to_owned());
        let lines = from_first_event(&unfold(&feed(vec![repeating])));
        assert_eq!(
            property(&lines, "DTSTART"),
            ["DTSTART;TZID=Europe/London:20261025T013000"]
        );
    }

    #[test]
    fn text_is_escaped_and_other_values_are_not() {
        let mut e = event(at(2026, 12, 2, 18, 0));
        e.summary = "Seeds, soil; and C:\\compost".to_owned();
        e.description = "Bring gloves.\r\nTea provided.\nBye\rnow\u{7}".to_owned();
        e.location = "Hall 2, 1 High St".to_owned();
        e.categories = vec![
            "meetup".to_owned(),
            "garden, food".to_owned(),
            String::new(),
        ];
        e.url = Some("https://example.org/events/1?a=1;b=2,3\r\nX-EVIL:1".to_owned());
        e.geo = Some((51.5074, -0.1278));
        let lines = unfold(&feed(vec![e]));
        assert_eq!(
            property(&lines, "SUMMARY:"),
            ["SUMMARY:Seeds\\, soil\\; and C:\\\\compost"]
        );
        assert_eq!(
            property(&lines, "DESCRIPTION:"),
            ["DESCRIPTION:Bring gloves.\\nTea provided.\\nBye\\nnow"]
        );
        assert_eq!(
            property(&lines, "LOCATION:"),
            ["LOCATION:Hall 2\\, 1 High St"]
        );
        assert_eq!(
            property(&lines, "CATEGORIES:"),
            ["CATEGORIES:meetup,garden\\, food"]
        );
        assert_eq!(
            property(&lines, "URL:"),
            ["URL:https://example.org/events/1?a=1;b=2,3X-EVIL:1"]
        );
        assert!(property(&lines, "X-EVIL").is_empty());
        assert_eq!(property(&lines, "GEO:"), ["GEO:51.5074;-0.1278"]);
        assert_eq!(
            unescape("Seeds\\, soil\\; and C:\\\\compost"),
            "Seeds, soil; and C:\\compost"
        );
    }

    #[test]
    fn long_lines_fold_at_75_octets_and_unfold_to_the_original() {
        let ascii = "Bring a friend and something to share. ".repeat(12);
        // Two-, three- and four-byte characters, so folds land near all of them.
        let multibyte = "Café ☕ on the green 🌳, ŵ ŷ — all welcome! ".repeat(9);
        let mut e = event(at(2026, 12, 2, 18, 0));
        e.summary = ascii.clone();
        e.description = multibyte.clone();
        e.location = "x".repeat(74);
        let written = feed(vec![e]);
        assert_folded(&written);
        let lines = unfold(&written);
        let summary = property(&lines, "SUMMARY:")[0];
        assert_eq!(unescape(summary.trim_start_matches("SUMMARY:")), ascii);
        let description = property(&lines, "DESCRIPTION:")[0];
        assert_eq!(
            unescape(description.trim_start_matches("DESCRIPTION:")),
            multibyte
        );
        // Folding every line, even after lines made entirely of wide characters,
        // leaves each physical line valid UTF-8 (the split would panic otherwise).
        let wide = "🌳".repeat(60);
        let mut out = Lines::default();
        out.line(&wide);
        assert_folded(&out.0);
        assert_eq!(out.0.replace("\r\n ", "").trim_end(), wide);
        // A line of exactly 75 octets is not folded; one more octet is.
        let mut out = Lines::default();
        out.line(&"y".repeat(75));
        out.line(&"z".repeat(76));
        assert_eq!(
            out.0,
            format!("{}\r\n{}\r\n z\r\n", "y".repeat(75), "z".repeat(75))
        );
    }

    #[test]
    fn a_cancelled_event_stays_with_its_status() {
        let mut e = event(at(2026, 12, 2, 18, 0));
        e.status = Status::Cancelled;
        e.sequence = 3;
        e.last_modified = Some(at(2026, 11, 30, 12, 0));
        let lines = unfold(&feed(vec![e]));
        assert_eq!(property(&lines, "STATUS:"), ["STATUS:CANCELLED"]);
        assert_eq!(property(&lines, "SEQUENCE:"), ["SEQUENCE:3"]);
        assert_eq!(
            property(&lines, "LAST-MODIFIED:"),
            ["LAST-MODIFIED:20261130T120000Z"]
        );
        assert_eq!(property(&lines, "UID:"), ["UID:event-1@coproduce"]);
    }

    #[test]
    fn a_series_carries_its_rule_and_an_end_never_before_the_start() {
        let start = at(2026, 9, 2, 17, 0);
        let mut e = event(start);
        let rule = Rule::parse("FREQ=MONTHLY;BYDAY=1WE;COUNT=6").unwrap();
        e.rrule = Some(rule.to_rrule());
        e.end = start - Duration::hours(1);
        let lines = unfold(&feed(vec![e]));
        let event_lines = from_first_event(&lines);
        assert_eq!(
            property(&event_lines, "RRULE:"),
            ["RRULE:FREQ=MONTHLY;BYDAY=1WE;COUNT=6"]
        );
        assert_eq!(
            property(&event_lines, "DTEND"),
            ["DTEND;TZID=Europe/London:20260902T180000"]
        );
    }
}
