//! Repeating events: "the first Wednesday of each month, 6pm to 8pm", "every
//! week". A rule is a small part of the iCalendar RRULE (RFC 5545), so that the
//! text the site stores is the text calendar feeds carry, and calendar programs
//! expand it to the dates the site shows.
//!
//! Dates are worked out in UK dates and every occurrence keeps the UK clock time
//! of the first, so an 18:00 meetup is at 18:00 in both GMT and BST.
//!
//! Two days a year the clocks make that awkward. On the day they go forward
//! an hour of clock time never happens: an occurrence whose time falls in it is
//! skipped and does not count towards COUNT, which is what RFC 5545 asks for.
//! On the day they go back an hour happens twice: the first (summer) reading is
//! taken, as `local_time::from_uk` does and as RFC 5545 asks.
//!
//! So that any rule, however rare its dates, is answered quickly, a series is
//! taken to end 100 years after its first date.

use chrono::{DateTime, Datelike, Days, Duration, Months, NaiveDate, NaiveTime, Utc, Weekday};
use serde::Serialize;

use crate::local_time::{from_uk, uk};
use crate::Invalid;

const FIELD: &str = "repeats";
const MAX_INTERVAL: u32 = 52;
const MAX_COUNT: u32 = 520;
const HORIZON: Months = Months::new(100 * 12);
/// How far either side of a date that does not fit a rule to look for ones
/// that do: a year holds at least one of every pattern a rule can parse to.
const NEARBY_DAYS: usize = 400;

/// How often a series repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Freq {
    Daily,
    Weekly,
    Monthly,
}

impl Freq {
    fn as_rrule(self) -> &'static str {
        match self {
            Freq::Daily => "DAILY",
            Freq::Weekly => "WEEKLY",
            Freq::Monthly => "MONTHLY",
        }
    }
}

/// A day of the week that a series falls on. In a monthly rule `ordinal` picks
/// which of the month's such days: 1 the first, -1 the last ("1WE", "-1FR");
/// without one every such day of the month counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct ByDay {
    pub ordinal: Option<i8>,
    pub weekday: Weekday,
}

impl ByDay {
    fn parse(text: &str, freq: Freq) -> Result<ByDay, Invalid> {
        let not_a_day = || {
            Invalid::new(
                FIELD,
                format!(
                    "'{text}' in BYDAY is not a day: use MO, TU, WE, TH, FR, SA or SU, \
                     and in a monthly rule an ordinal before it, such as 1WE or -1FR"
                ),
            )
        };
        let split = text.len().checked_sub(2).ok_or_else(not_a_day)?;
        let (prefix, code) = match (text.get(..split), text.get(split..)) {
            (Some(prefix), Some(code)) => (prefix, code),
            _ => return Err(not_a_day()),
        };
        let weekday = weekday_from_code(code).ok_or_else(not_a_day)?;
        if prefix.is_empty() {
            return Ok(ByDay {
                ordinal: None,
                weekday,
            });
        }
        let ordinal: i32 = prefix.parse().map_err(|_| not_a_day())?;
        if freq != Freq::Monthly {
            return Err(Invalid::new(
                FIELD,
                format!(
                    "BYDAY={text} needs FREQ=MONTHLY: a weekly rule takes plain days, \
                     such as BYDAY={code}"
                ),
            ));
        }
        match i8::try_from(ordinal) {
            Ok(n @ (1..=5 | -5..=-1)) => Ok(ByDay {
                ordinal: Some(n),
                weekday,
            }),
            _ => Err(Invalid::new(
                FIELD,
                format!(
                    "BYDAY={text} is not supported: the number before the day must be \
                     1 to 5, or -1 to -5 to count from the end of the month"
                ),
            )),
        }
    }

    fn to_rrule(self) -> String {
        let code = weekday_code(self.weekday);
        match self.ordinal {
            Some(n) => format!("{n}{code}"),
            None => code.to_owned(),
        }
    }

    /// Where this day goes in the canonical order: by weekday from Monday, then
    /// every such day, first to fifth, fifth from last to last.
    fn sort_key(self) -> (u32, i32) {
        let rank = match self.ordinal {
            None => 0,
            Some(n) if n > 0 => i32::from(n),
            Some(n) => 11 + i32::from(n),
        };
        (self.weekday.num_days_from_monday(), rank)
    }

    /// Whether `date` is this day of its month. Worked out from the day of the
    /// month rather than by listing the month's dates, so that tests can hold
    /// `dates_in` against it.
    fn fits(self, date: NaiveDate) -> bool {
        if date.weekday() != self.weekday {
            return false;
        }
        match self.ordinal {
            None => true,
            Some(n) if n > 0 => (date.day() - 1) / 7 + 1 == n.unsigned_abs().into(),
            Some(n) => {
                let after = u32::from(date.num_days_in_month()) - date.day();
                after / 7 + 1 == n.unsigned_abs().into()
            }
        }
    }

    /// This day's dates in the month that begins on `first_of_month`.
    fn dates_in(self, first_of_month: NaiveDate) -> Vec<NaiveDate> {
        let month = first_of_month.month();
        let ahead = (7 + self.weekday.num_days_from_monday()
            - first_of_month.weekday().num_days_from_monday())
            % 7;
        let all: Vec<NaiveDate> = (0..5)
            .filter_map(|week| {
                first_of_month.checked_add_days(Days::new(u64::from(ahead + 7 * week)))
            })
            .filter(|date| date.month() == month)
            .collect();
        match self.ordinal {
            None => all,
            Some(n) if n > 0 => all
                .get(usize::from(n.unsigned_abs()) - 1)
                .copied()
                .into_iter()
                .collect(),
            Some(n) => all
                .len()
                .checked_sub(usize::from(n.unsigned_abs()))
                .and_then(|i| all.get(i))
                .copied()
                .into_iter()
                .collect(),
        }
    }
}

/// A repeating series: which days, how often, and until when. `interval` is
/// counted in the unit of `freq` (every 2 weeks); a series ends after `count`
/// occurrences, or with the last occurrence at or before `until`, or never.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub freq: Freq,
    pub interval: u32,
    pub by_day: Vec<ByDay>,
    pub count: Option<u32>,
    pub until: Option<DateTime<Utc>>,
}

impl Rule {
    /// Reads RRULE text such as "FREQ=MONTHLY;BYDAY=1WE", with or without the
    /// "RRULE:" in front, in any case. FREQ may be DAILY, WEEKLY or MONTHLY;
    /// INTERVAL 1 to 52; BYDAY plain days for a weekly rule, and for a monthly
    /// one plain days or days with an ordinal from 1 to 5 or -1 to -5; COUNT 1
    /// to 520; UNTIL a date (YYYYMMDD, meaning the end of that UK day) or a UTC
    /// time (YYYYMMDDTHHMMSSZ), not with COUNT. WKST=MO is accepted since it
    /// changes nothing. Anything else is refused with a message that names it.
    /// BYDAY comes back in a canonical order, so equal rules compare equal.
    pub fn parse(text: &str) -> Result<Rule, Invalid> {
        let text = text.trim();
        let body = match text.get(..6) {
            Some(prefix) if prefix.eq_ignore_ascii_case("RRULE:") => text.get(6..).unwrap_or(""),
            _ => text,
        };
        let mut seen: Vec<String> = Vec::new();
        let mut freq = None;
        let mut interval = None;
        let mut by_day_text = None;
        let mut count = None;
        let mut until = None;
        for part in body.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = match part.split_once('=') {
                Some((key, value)) if !key.trim().is_empty() => (
                    key.trim().to_ascii_uppercase(),
                    value.trim().to_ascii_uppercase(),
                ),
                _ => {
                    return Err(Invalid::new(
                        FIELD,
                        format!(
                            "'{part}' is not a part of a repeat rule: write parts such as \
                             FREQ=WEEKLY, separated by semicolons"
                        ),
                    ))
                }
            };
            if seen.contains(&key) {
                return Err(Invalid::new(
                    FIELD,
                    format!("{key} is given more than once: give each part once"),
                ));
            }
            match key.as_str() {
                "FREQ" => freq = Some(parse_freq(&value)?),
                "INTERVAL" => {
                    interval = Some(parse_number(
                        &key,
                        &value,
                        MAX_INTERVAL,
                        "how many days, weeks or months apart",
                    )?)
                }
                "BYDAY" => by_day_text = Some(value),
                "COUNT" => {
                    count = Some(parse_number(
                        &key,
                        &value,
                        MAX_COUNT,
                        "the number of times",
                    )?)
                }
                "UNTIL" => until = Some(parse_until(&value)?),
                // Weeks start on Monday here; naming that is harmless, any
                // other start would change which weeks an INTERVAL skips.
                "WKST" if value == "MO" => {}
                "WKST" => {
                    return Err(Invalid::new(
                        FIELD,
                        format!("WKST={value} is not supported: weeks start on Monday (WKST=MO)"),
                    ))
                }
                _ => return Err(unsupported_part(&key)),
            }
            seen.push(key);
        }
        let freq = freq.ok_or_else(|| {
            Invalid::new(
                FIELD,
                "Say how often the event repeats with FREQ=DAILY, FREQ=WEEKLY or FREQ=MONTHLY",
            )
        })?;
        if count.is_some() && until.is_some() {
            return Err(Invalid::new(
                FIELD,
                "COUNT and UNTIL cannot both be given: end the series after a number of \
                 times or on a date, not both",
            ));
        }
        let by_day = match by_day_text {
            Some(days) => parse_by_day(&days, freq)?,
            None => Vec::new(),
        };
        Ok(Rule {
            freq,
            interval: interval.unwrap_or(1),
            by_day,
            count,
            until,
        })
    }

    /// The rule as RFC 5545 text without "RRULE:", parts in a fixed order and
    /// defaults left out: "FREQ=MONTHLY;BYDAY=1WE;COUNT=6". UNTIL is always in
    /// UTC, which RFC 5545 requires when DTSTART names a time zone. `parse`
    /// reads it back to an equal rule (to the second, for UNTIL).
    pub fn to_rrule(&self) -> String {
        let mut parts = vec![format!("FREQ={}", self.freq.as_rrule())];
        if self.interval != 1 {
            parts.push(format!("INTERVAL={}", self.interval));
        }
        if !self.by_day.is_empty() {
            let days: Vec<String> = self.by_day.iter().map(|d| d.to_rrule()).collect();
            parts.push(format!("BYDAY={}", days.join(",")));
        }
        if let Some(count) = self.count {
            parts.push(format!("COUNT={count}"));
        }
        if let Some(until) = self.until {
            parts.push(format!("UNTIL={}", until.format("%Y%m%dT%H%M%SZ")));
        }
        parts.join(";")
    }

    /// The rule in plain English for people: "Every week on Wednesday", "The
    /// first Wednesday of every month", "Every 2 weeks on Monday and Thursday,
    /// 10 times", "Every day until 31 March 2027" (the UK date).
    pub fn describe(&self) -> String {
        let pattern = self.pattern();
        match (self.count, self.until) {
            (Some(1), _) => format!("{pattern}, once"),
            (Some(count), _) => format!("{pattern}, {count} times"),
            (None, Some(until)) => format!("{pattern} until {}", uk(until).format("%-d %B %Y")),
            (None, None) => pattern,
        }
    }

    /// The starts of the series' occurrences, in order, that have not ended by
    /// `from` (an occurrence lasts `length`), at most `limit` of them. `start`
    /// is always the first occurrence and counts towards COUNT, as in RFC 5545,
    /// unless it is after UNTIL, when there are none.
    pub fn occurrences(
        &self,
        start: DateTime<Utc>,
        length: Duration,
        from: DateTime<Utc>,
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        self.starts(start)
            .filter(|t| {
                t.checked_add_signed(length)
                    .map_or(length > Duration::zero(), |end| end >= from)
            })
            .take(limit)
            .collect()
    }

    /// The start of the series' last occurrence, or None when it never ends
    /// (or, after an UNTIL before `start`, never begins). A series that would
    /// run past 100 years is cut there, like every other.
    pub fn last_start(&self, start: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.count.is_none() && self.until.is_none() {
            return None;
        }
        self.starts(start).last()
    }

    /// Whether `start` can begin this series: its UK date must fit the pattern
    /// (a "first Wednesday" rule needs the first Wednesday of a month), and
    /// UNTIL must not be before it. The message names the fitting dates
    /// either side, so the person can pick one.
    pub fn check_start(&self, start: DateTime<Utc>) -> Result<(), Invalid> {
        if let Some(until) = self.until.filter(|until| *until < start) {
            return Err(Invalid::new(
                FIELD,
                format!(
                    "The series ends on {}, before its first date, {}: choose an end \
                     date on or after the first date",
                    long_date(uk(until).date_naive()),
                    long_date(uk(start).date_naive())
                ),
            ));
        }
        let local = uk(start);
        let date = local.date_naive();
        if self.fits_pattern(date) {
            return Ok(());
        }
        let time = local.time();
        let fits = |d: &NaiveDate| self.fits_pattern(*d) && from_uk(d.and_time(time)).is_some();
        let before = std::iter::successors(date.pred_opt(), NaiveDate::pred_opt)
            .take(NEARBY_DAYS)
            .find(fits);
        let after = std::iter::successors(date.succ_opt(), NaiveDate::succ_opt)
            .take(NEARBY_DAYS)
            .find(fits);
        let nearby: Vec<String> = [before, after]
            .into_iter()
            .flatten()
            .map(long_date)
            .collect();
        let mut message = format!("{} does not fit '{}'", long_date(date), self.pattern());
        if !nearby.is_empty() {
            message.push_str(&format!(
                ": start the series on {} instead",
                nearby.join(" or ")
            ));
        }
        Err(Invalid::new(FIELD, message))
    }

    /// The starts in order, without end; `occurrences` and `last_start` cut it.
    fn starts(&self, start: DateTime<Utc>) -> Starts<'_> {
        let local = uk(start);
        let first = local.date_naive();
        Starts {
            rule: self,
            start,
            first,
            time: local.time(),
            last_date: first.checked_add_months(HORIZON).unwrap_or(NaiveDate::MAX),
            period: 0,
            queue: Vec::new().into_iter(),
            counted: 0,
            finished: false,
        }
    }

    /// Whether `date` has the weekday (and place in its month) the rule asks
    /// for, whatever the interval.
    fn fits_pattern(&self, date: NaiveDate) -> bool {
        match self.freq {
            _ if self.by_day.is_empty() => true,
            Freq::Daily => true,
            Freq::Weekly => self.by_day.iter().any(|d| d.weekday == date.weekday()),
            Freq::Monthly => self.by_day.iter().any(|d| d.fits(date)),
        }
    }

    /// The first date of the `k`th period (day, week or month) from the one
    /// holding `first`, and the period's dates that fit the rule, in order.
    /// None past the calendar's end.
    fn period(&self, first: NaiveDate, k: u32) -> Option<(NaiveDate, Vec<NaiveDate>)> {
        // A hand-built rule may say 0; repeating every 0 days would never move.
        let step = u64::from(k) * u64::from(self.interval.max(1));
        match self.freq {
            Freq::Daily => {
                let day = first.checked_add_days(Days::new(step))?;
                Some((day, vec![day]))
            }
            Freq::Weekly => {
                let monday = first
                    .checked_sub_days(Days::new(first.weekday().num_days_from_monday().into()))?
                    .checked_add_days(Days::new(step.checked_mul(7)?))?;
                let mut days: Vec<NaiveDate> = if self.by_day.is_empty() {
                    vec![first.weekday()]
                } else {
                    self.by_day.iter().map(|d| d.weekday).collect()
                }
                .into_iter()
                .filter_map(|w| monday.checked_add_days(Days::new(w.num_days_from_monday().into())))
                .collect();
                days.sort();
                days.dedup();
                Some((monday, days))
            }
            Freq::Monthly => {
                let first_of_month = first
                    .with_day(1)?
                    .checked_add_months(Months::new(u32::try_from(step).ok()?))?;
                let mut days: Vec<NaiveDate> = if self.by_day.is_empty() {
                    // A month without the first date's day (the 31st, say) has
                    // no occurrence, as RFC 5545 says, rather than a nearby one.
                    first_of_month.with_day(first.day()).into_iter().collect()
                } else {
                    self.by_day
                        .iter()
                        .flat_map(|d| d.dates_in(first_of_month))
                        .collect()
                };
                days.sort();
                days.dedup();
                Some((first_of_month, days))
            }
        }
    }

    fn pattern(&self) -> String {
        let every = |unit: &str| match self.interval {
            1 => format!("every {unit}"),
            n => format!("every {n} {unit}s"),
        };
        let text = match self.freq {
            Freq::Daily => every("day"),
            Freq::Weekly if self.by_day.is_empty() => every("week"),
            Freq::Weekly => {
                let days: Vec<String> = self
                    .by_day
                    .iter()
                    .map(|d| weekday_name(d.weekday).to_owned())
                    .collect();
                format!("{} on {}", every("week"), join_with_and(&days))
            }
            Freq::Monthly if self.by_day.is_empty() => {
                format!("{} on the same date", every("month"))
            }
            Freq::Monthly => format!(
                "{} of {}",
                join_with_and(&self.monthly_days()),
                every("month")
            ),
        };
        capitalise(&text)
    }

    /// "the first and third Wednesday", "every Monday", "the last Friday":
    /// one phrase per weekday, in the canonical order `parse` leaves.
    fn monthly_days(&self) -> Vec<String> {
        let mut phrases = Vec::new();
        let mut rest = self.by_day.as_slice();
        while let Some(day) = rest.first() {
            let same = rest.iter().take_while(|d| d.weekday == day.weekday).count();
            let (group, after) = rest.split_at(same);
            let name = weekday_name(day.weekday);
            let ordinals: Vec<String> = group
                .iter()
                .map(|d| d.ordinal.map(ordinal_words))
                .collect::<Option<Vec<_>>>()
                .unwrap_or_default();
            if ordinals.is_empty() {
                phrases.push(format!("every {name}"));
            } else {
                phrases.push(format!("the {} {name}", join_with_and(&ordinals)));
            }
            rest = after;
        }
        phrases
    }
}

/// A weekly series on `start`'s UK weekday, every `interval` weeks (kept
/// within 1 to 52): the form's "every week" and "every 2 weeks".
pub fn weekly(start: DateTime<Utc>, interval: u32) -> Rule {
    Rule {
        freq: Freq::Weekly,
        interval: interval.clamp(1, MAX_INTERVAL),
        by_day: vec![ByDay {
            ordinal: None,
            weekday: uk(start).weekday(),
        }],
        count: None,
        until: None,
    }
}

/// A monthly series on the same weekday of the month as `start`'s UK date:
/// the first to fourth, or the last when the date is past the 28th, since a
/// fifth one is missing from most months and a person who picks the 29th to
/// 31st means the month's last.
pub fn monthly_same_weekday(start: DateTime<Utc>) -> Rule {
    let date = uk(start).date_naive();
    let ordinal = match date.day() {
        29.. => -1,
        day => i8::try_from((day - 1) / 7 + 1).unwrap_or(1),
    };
    Rule {
        freq: Freq::Monthly,
        interval: 1,
        by_day: vec![ByDay {
            ordinal: Some(ordinal),
            weekday: date.weekday(),
        }],
        count: None,
        until: None,
    }
}

struct Starts<'a> {
    rule: &'a Rule,
    start: DateTime<Utc>,
    first: NaiveDate,
    time: NaiveTime,
    last_date: NaiveDate,
    period: u32,
    queue: std::vec::IntoIter<NaiveDate>,
    counted: u32,
    finished: bool,
}

impl Starts<'_> {
    fn next_after_first(&mut self) -> Option<DateTime<Utc>> {
        loop {
            if let Some(date) = self.queue.next() {
                // The first date was DTSTART's own, already given.
                if date <= self.first || date > self.last_date {
                    continue;
                }
                match from_uk(date.and_time(self.time)) {
                    Some(t) => return Some(t),
                    // The clock time does not happen on this day.
                    None => continue,
                }
            }
            let (begins, dates) = self.rule.period(self.first, self.period)?;
            if begins > self.last_date {
                return None;
            }
            self.period = self.period.checked_add(1)?;
            self.queue = dates.into_iter();
        }
    }
}

impl Iterator for Starts<'_> {
    type Item = DateTime<Utc>;

    fn next(&mut self) -> Option<DateTime<Utc>> {
        if self.finished {
            return None;
        }
        let found = if self.counted == 0 {
            Some(self.start)
        } else {
            self.next_after_first()
        };
        match found {
            Some(t) if self.rule.until.is_none_or(|until| t <= until) => {
                self.counted += 1;
                if self.rule.count.is_some_and(|count| self.counted >= count) {
                    self.finished = true;
                }
                Some(t)
            }
            _ => {
                self.finished = true;
                None
            }
        }
    }
}

fn parse_freq(value: &str) -> Result<Freq, Invalid> {
    match value {
        "DAILY" => Ok(Freq::Daily),
        "WEEKLY" => Ok(Freq::Weekly),
        "MONTHLY" => Ok(Freq::Monthly),
        _ => Err(Invalid::new(
            FIELD,
            format!("FREQ={value} is not supported: choose DAILY, WEEKLY or MONTHLY"),
        )),
    }
}

fn parse_number(key: &str, value: &str, max: u32, what: &str) -> Result<u32, Invalid> {
    value
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| {
            Invalid::new(
                FIELD,
                format!(
                    "{key}={value} is not supported: give {what} as a whole number from 1 to {max}"
                ),
            )
        })
}

fn parse_until(value: &str) -> Result<DateTime<Utc>, Invalid> {
    let wrong = || {
        Invalid::new(
            FIELD,
            format!(
                "UNTIL={value} is not a date this can read: write a date as YYYYMMDD \
                 (20270331), or a UTC time as YYYYMMDDTHHMMSSZ (20270331T230000Z)"
            ),
        )
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    match value.len() {
        8 if all_digits(value) => {
            let date = NaiveDate::parse_from_str(value, "%Y%m%d").map_err(|_| wrong())?;
            // A date alone means the whole of that UK day, which is what a
            // person choosing "until 31 March" has in mind.
            let last_second = date.and_hms_opt(23, 59, 59).ok_or_else(wrong)?;
            from_uk(last_second).ok_or_else(wrong)
        }
        16 if value.ends_with('Z') => {
            let digits = value.get(..15).ok_or_else(wrong)?;
            chrono::NaiveDateTime::parse_from_str(digits, "%Y%m%dT%H%M%S")
                .map(|t| t.and_utc())
                .map_err(|_| wrong())
        }
        _ => Err(wrong()),
    }
}

fn parse_by_day(text: &str, freq: Freq) -> Result<Vec<ByDay>, Invalid> {
    if freq == Freq::Daily {
        return Err(Invalid::new(
            FIELD,
            "BYDAY does not go with FREQ=DAILY: to repeat on particular days, use \
             FREQ=WEEKLY with the days, such as FREQ=WEEKLY;BYDAY=MO,WE,FR",
        ));
    }
    let mut days: Vec<ByDay> = Vec::new();
    for item in text.split(',').map(str::trim) {
        let day = ByDay::parse(item, freq)?;
        if days.contains(&day) {
            return Err(Invalid::new(
                FIELD,
                format!("BYDAY names {item} more than once: name each day once"),
            ));
        }
        days.push(day);
    }
    for day in &days {
        let every = days
            .iter()
            .any(|d| d.weekday == day.weekday && d.ordinal.is_none());
        if every && day.ordinal.is_some() {
            let code = weekday_code(day.weekday);
            return Err(Invalid::new(
                FIELD,
                format!(
                    "BYDAY has both {code} and {}: {code} alone already means every {}",
                    day.to_rrule(),
                    weekday_name(day.weekday)
                ),
            ));
        }
    }
    days.sort_by_key(|d| d.sort_key());
    Ok(days)
}

fn unsupported_part(key: &str) -> Invalid {
    let hint = match key {
        "BYSETPOS" => {
            "; for the last or nth day of a month, put the number in BYDAY, such as BYDAY=-1FR"
        }
        "BYMONTHDAY" => {
            "; to repeat on the first date's day of the month, use FREQ=MONTHLY without BYDAY"
        }
        _ => "",
    };
    Invalid::new(
        FIELD,
        format!(
            "{key} is not supported: a repeat rule can use FREQ, INTERVAL, BYDAY, COUNT and UNTIL{hint}"
        ),
    )
}

fn weekday_from_code(code: &str) -> Option<Weekday> {
    Some(match code {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

fn weekday_code(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn ordinal_words(n: i8) -> String {
    let nth = |n: u8| match n {
        1 => "first",
        2 => "second",
        3 => "third",
        4 => "fourth",
        _ => "fifth",
    };
    match n {
        -1 => "last".to_owned(),
        n if n < 0 => format!("{} to last", nth(n.unsigned_abs())),
        n => nth(n.unsigned_abs()).to_owned(),
    }
}

fn join_with_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "Wednesday 7 January 2026", as `local_time::long_date` writes instants.
fn long_date(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDateTime, TimeZone, Timelike};
    use proptest::prelude::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        from_uk(
            NaiveDate::from_ymd_opt(y, mo, d)
                .unwrap()
                .and_hms_opt(h, mi, 0)
                .unwrap(),
        )
        .unwrap()
    }

    fn all(rule: &str, start: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        Rule::parse(rule)
            .unwrap()
            .occurrences(start, Duration::zero(), start, 1000)
    }

    fn refusal(text: &str) -> String {
        let invalid = Rule::parse(text).unwrap_err();
        assert_eq!(invalid.field, "repeats", "{text}");
        invalid.message
    }

    #[test]
    fn reads_the_rules_the_form_writes() {
        let rule = Rule::parse("FREQ=MONTHLY;BYDAY=1WE").unwrap();
        assert_eq!(
            rule,
            Rule {
                freq: Freq::Monthly,
                interval: 1,
                by_day: vec![ByDay {
                    ordinal: Some(1),
                    weekday: Weekday::Wed
                }],
                count: None,
                until: None,
            }
        );
        let rule = Rule::parse(" rrule:freq=weekly;byday=th,mo;interval=2;count=10; ").unwrap();
        assert_eq!(rule.freq, Freq::Weekly);
        assert_eq!(rule.interval, 2);
        assert_eq!(rule.count, Some(10));
        // Days come back Monday first whatever order they were written in.
        assert_eq!(
            rule.by_day.iter().map(|d| d.weekday).collect::<Vec<_>>(),
            [Weekday::Mon, Weekday::Thu]
        );
        assert_eq!(
            Rule::parse("FREQ=MONTHLY;BYDAY=+2TU").unwrap().by_day[0].ordinal,
            Some(2)
        );
        assert!(Rule::parse("FREQ=WEEKLY;WKST=MO").is_ok());
    }

    #[test]
    fn refuses_what_it_cannot_do_and_says_what_it_can() {
        let cases: &[(&str, &[&str])] = &[
            ("", &["FREQ=DAILY"]),
            ("FREQ=YEARLY", &["FREQ=YEARLY", "DAILY, WEEKLY or MONTHLY"]),
            (
                "FREQ=MONTHLY;BYMONTHDAY=15",
                &["BYMONTHDAY", "FREQ, INTERVAL, BYDAY, COUNT and UNTIL"],
            ),
            (
                "FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1",
                &["BYSETPOS", "BYDAY=-1FR"],
            ),
            (
                "FREQ=WEEKLY;X-COLOUR=red",
                &["X-COLOUR", "FREQ, INTERVAL, BYDAY, COUNT and UNTIL"],
            ),
            ("FREQ=WEEKLY;freq=daily", &["FREQ", "once"]),
            (
                "FREQ=WEEKLY;COUNT=3;UNTIL=20270101",
                &["COUNT and UNTIL", "not both"],
            ),
            ("FREQ=WEEKLY;INTERVAL=0", &["INTERVAL=0", "1 to 52"]),
            ("FREQ=WEEKLY;INTERVAL=53", &["INTERVAL=53", "1 to 52"]),
            ("FREQ=WEEKLY;INTERVAL=two", &["INTERVAL=TWO", "1 to 52"]),
            ("FREQ=WEEKLY;COUNT=0", &["COUNT=0", "1 to 520"]),
            ("FREQ=WEEKLY;COUNT=521", &["COUNT=521", "1 to 520"]),
            (
                "FREQ=WEEKLY;BYDAY=1WE",
                &["BYDAY=1WE", "FREQ=MONTHLY", "BYDAY=WE"],
            ),
            ("FREQ=MONTHLY;BYDAY=6WE", &["BYDAY=6WE", "1 to 5"]),
            ("FREQ=MONTHLY;BYDAY=0WE", &["BYDAY=0WE", "1 to 5"]),
            ("FREQ=MONTHLY;BYDAY=-6WE", &["BYDAY=-6WE", "-1 to -5"]),
            ("FREQ=WEEKLY;BYDAY=WED", &["'WED'", "MO, TU, WE"]),
            ("FREQ=WEEKLY;BYDAY=", &["''", "MO, TU, WE"]),
            ("FREQ=WEEKLY;BYDAY=MO,MO", &["MO more than once"]),
            (
                "FREQ=MONTHLY;BYDAY=WE,1WE",
                &["WE and 1WE", "every Wednesday"],
            ),
            (
                "FREQ=DAILY;BYDAY=MO",
                &["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE,FR"],
            ),
            (
                "FREQ=WEEKLY;UNTIL=2027-03-31",
                &["UNTIL=2027-03-31", "YYYYMMDD"],
            ),
            (
                "FREQ=WEEKLY;UNTIL=20270231",
                &["UNTIL=20270231", "YYYYMMDD"],
            ),
            (
                "FREQ=WEEKLY;UNTIL=20270331T230000",
                &["UNTIL=20270331T230000", "YYYYMMDDTHHMMSSZ"],
            ),
            ("FREQ=WEEKLY;WKST=SU", &["WKST=SU", "Monday"]),
            ("FREQ", &["'FREQ'", "FREQ=WEEKLY"]),
            ("INTERVAL=2", &["FREQ=DAILY, FREQ=WEEKLY or FREQ=MONTHLY"]),
        ];
        for (text, wanted) in cases {
            let message = refusal(text);
            for part in *wanted {
                assert!(
                    message.contains(part),
                    "{text:?} gave {message:?}, wanted {part:?}"
                );
            }
        }
    }

    #[test]
    fn canonical_text_reads_back_to_the_same_rule() {
        let cases = [
            (
                "FREQ=MONTHLY;BYDAY=1WE;COUNT=6",
                "FREQ=MONTHLY;BYDAY=1WE;COUNT=6",
            ),
            ("RRULE:FREQ=WEEKLY;INTERVAL=1", "FREQ=WEEKLY"),
            (
                "freq=weekly;byday=th,mo;interval=2;count=10",
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=10",
            ),
            (
                "FREQ=MONTHLY;BYDAY=-1FR,1FR,3MO",
                "FREQ=MONTHLY;BYDAY=3MO,1FR,-1FR",
            ),
            (
                "FREQ=DAILY;UNTIL=20270331T230000Z",
                "FREQ=DAILY;UNTIL=20270331T230000Z",
            ),
            // 31 March 2027 is in BST, so the UK day ends at 22:59:59 UTC.
            (
                "FREQ=DAILY;UNTIL=20270331",
                "FREQ=DAILY;UNTIL=20270331T225959Z",
            ),
            ("FREQ=MONTHLY;INTERVAL=3;WKST=MO", "FREQ=MONTHLY;INTERVAL=3"),
        ];
        for (text, canonical) in cases {
            let rule = Rule::parse(text).unwrap();
            assert_eq!(rule.to_rrule(), canonical);
            assert_eq!(Rule::parse(canonical).unwrap(), rule);
        }
        let start = at(2026, 12, 2, 18, 0);
        for rule in [weekly(start, 2), monthly_same_weekday(start)] {
            assert_eq!(Rule::parse(&rule.to_rrule()).unwrap(), rule);
        }
    }

    #[test]
    fn a_date_alone_as_until_means_the_end_of_that_uk_day() {
        let rule = Rule::parse("FREQ=DAILY;UNTIL=20261210").unwrap();
        assert_eq!(
            rule.until,
            Some(at(2026, 12, 10, 23, 59) + Duration::seconds(59))
        );
        let starts = rule.occurrences(
            local(2026, 12, 8, 18, 0),
            Duration::zero(),
            at(2000, 1, 1, 0, 0),
            10,
        );
        assert_eq!(starts.len(), 3);
    }

    #[test]
    fn describes_rules_in_plain_english() {
        let cases = [
            ("FREQ=WEEKLY;BYDAY=WE", "Every week on Wednesday"),
            ("FREQ=WEEKLY", "Every week"),
            (
                "FREQ=MONTHLY;BYDAY=1WE",
                "The first Wednesday of every month",
            ),
            (
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=10",
                "Every 2 weeks on Monday and Thursday, 10 times",
            ),
            (
                "FREQ=WEEKLY;BYDAY=MO,WE,FR",
                "Every week on Monday, Wednesday and Friday",
            ),
            (
                "FREQ=DAILY;UNTIL=20270331T120000Z",
                "Every day until 31 March 2027",
            ),
            // 23:30 UTC on 31 March is already 1 April in BST.
            (
                "FREQ=DAILY;UNTIL=20270331T233000Z",
                "Every day until 1 April 2027",
            ),
            ("FREQ=DAILY;INTERVAL=3;COUNT=1", "Every 3 days, once"),
            ("FREQ=MONTHLY", "Every month on the same date"),
            ("FREQ=MONTHLY;BYDAY=-1FR", "The last Friday of every month"),
            (
                "FREQ=MONTHLY;BYDAY=-2SA",
                "The second to last Saturday of every month",
            ),
            (
                "FREQ=MONTHLY;BYDAY=3WE,1WE,-1FR",
                "The first and third Wednesday and the last Friday of every month",
            ),
            (
                "FREQ=MONTHLY;INTERVAL=2;BYDAY=TU",
                "Every Tuesday of every 2 months",
            ),
        ];
        for (text, wanted) in cases {
            assert_eq!(Rule::parse(text).unwrap().describe(), wanted, "{text}");
        }
    }

    #[test]
    fn first_wednesdays_stay_at_six_across_both_clock_changes() {
        let start = local(2026, 9, 2, 18, 0);
        let starts = all("FREQ=MONTHLY;BYDAY=1WE;COUNT=8", start);
        let wanted = [
            at(2026, 9, 2, 17, 0),
            at(2026, 10, 7, 17, 0),
            // The clocks went back on 25 October 2026 ...
            at(2026, 11, 4, 18, 0),
            at(2026, 12, 2, 18, 0),
            at(2027, 1, 6, 18, 0),
            at(2027, 2, 3, 18, 0),
            at(2027, 3, 3, 18, 0),
            // ... and forward on 28 March 2027.
            at(2027, 4, 7, 17, 0),
        ];
        assert_eq!(starts, wanted);
        assert!(starts.iter().all(|t| uk(*t).hour() == 18));
    }

    #[test]
    fn count_includes_the_first_date() {
        let start = local(2026, 12, 2, 18, 0);
        let starts = all("FREQ=WEEKLY;COUNT=3", start);
        assert_eq!(
            starts,
            [start, local(2026, 12, 9, 18, 0), local(2026, 12, 16, 18, 0)]
        );
        assert_eq!(
            Rule::parse("FREQ=WEEKLY;COUNT=3")
                .unwrap()
                .last_start(start),
            Some(local(2026, 12, 16, 18, 0))
        );
        assert_eq!(all("FREQ=WEEKLY;COUNT=1", start), [start]);
    }

    #[test]
    fn until_includes_an_occurrence_at_that_instant() {
        let start = at(2026, 12, 2, 18, 0);
        let starts = all("FREQ=WEEKLY;UNTIL=20261216T180000Z", start);
        assert_eq!(
            starts,
            [start, at(2026, 12, 9, 18, 0), at(2026, 12, 16, 18, 0)]
        );
        assert_eq!(all("FREQ=WEEKLY;UNTIL=20261216T175959Z", start).len(), 2);
        let rule = Rule::parse("FREQ=WEEKLY;UNTIL=20261216T180000Z").unwrap();
        assert_eq!(rule.last_start(start), Some(at(2026, 12, 16, 18, 0)));
        // An end before the first date leaves nothing, as calendar programs do.
        assert!(all("FREQ=WEEKLY;UNTIL=20261201T000000Z", start).is_empty());
    }

    #[test]
    fn never_ending_series_have_no_last_start() {
        let rule = Rule::parse("FREQ=WEEKLY").unwrap();
        assert_eq!(rule.last_start(at(2026, 12, 2, 18, 0)), None);
    }

    #[test]
    fn last_fridays_of_the_month() {
        let start = local(2026, 9, 25, 10, 0);
        let days: Vec<(i32, u32, u32)> = all("FREQ=MONTHLY;BYDAY=-1FR;COUNT=5", start)
            .iter()
            .map(|t| {
                let d = uk(*t).date_naive();
                (d.year(), d.month(), d.day())
            })
            .collect();
        assert_eq!(
            days,
            [
                (2026, 9, 25),
                (2026, 10, 30),
                (2026, 11, 27),
                (2026, 12, 25),
                (2027, 1, 29)
            ]
        );
    }

    #[test]
    fn months_without_the_date_are_skipped() {
        let start = at(2027, 1, 31, 12, 0);
        let starts = all("FREQ=MONTHLY;COUNT=4", start);
        // In BST, 12:00 local is 11:00 UTC.
        assert_eq!(
            starts,
            [
                start,
                at(2027, 3, 31, 11, 0),
                at(2027, 5, 31, 11, 0),
                at(2027, 7, 31, 11, 0)
            ]
        );
    }

    #[test]
    fn weekly_intervals_count_weeks_from_the_first_dates_week() {
        // From Thursday 3 December 2026, every other week on Monday and
        // Thursday: the Monday of the first week is before the start.
        let start = local(2026, 12, 3, 10, 0);
        let starts = all("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=5", start);
        assert_eq!(
            starts,
            [
                start,
                local(2026, 12, 14, 10, 0),
                local(2026, 12, 17, 10, 0),
                local(2026, 12, 28, 10, 0),
                local(2026, 12, 31, 10, 0),
            ]
        );
    }

    #[test]
    fn from_skips_what_has_ended_and_keeps_what_is_still_on() {
        let rule = Rule::parse("FREQ=WEEKLY;COUNT=10").unwrap();
        let start = at(2026, 12, 2, 18, 0);
        let two_hours = Duration::hours(2);
        // 19:00 on the 16th: that evening's event is still on.
        let starts = rule.occurrences(start, two_hours, at(2026, 12, 16, 19, 0), 100);
        assert_eq!(starts.first(), Some(&at(2026, 12, 16, 18, 0)));
        assert_eq!(starts.len(), 8);
        // 20:00 is its end, which still counts; a second later it has gone.
        assert_eq!(
            rule.occurrences(start, two_hours, at(2026, 12, 16, 20, 0), 100)
                .len(),
            8
        );
        let later = at(2026, 12, 16, 20, 0) + Duration::seconds(1);
        assert_eq!(rule.occurrences(start, two_hours, later, 100).len(), 7);
        // The count runs from the first date, not from `from`.
        assert!(rule
            .occurrences(start, two_hours, at(2027, 6, 1, 0, 0), 100)
            .is_empty());
    }

    #[test]
    fn limit_caps_how_many_come_back() {
        let rule = Rule::parse("FREQ=DAILY").unwrap();
        let start = at(2026, 12, 2, 18, 0);
        let starts = rule.occurrences(start, Duration::hours(1), start, 4);
        assert_eq!(
            starts,
            [
                start,
                at(2026, 12, 3, 18, 0),
                at(2026, 12, 4, 18, 0),
                at(2026, 12, 5, 18, 0)
            ]
        );
        assert!(rule
            .occurrences(start, Duration::hours(1), start, 0)
            .is_empty());
    }

    #[test]
    fn fifth_mondays_come_when_a_month_has_one() {
        let start = local(2026, 3, 30, 19, 0);
        let dates: Vec<NaiveDate> = all("FREQ=MONTHLY;BYDAY=5MO;COUNT=6", start)
            .iter()
            .map(|t| uk(*t).date_naive())
            .collect();
        let wanted: Vec<NaiveDate> = [
            (2026, 3, 30),
            (2026, 6, 29),
            (2026, 8, 31),
            (2026, 11, 30),
            (2027, 3, 29),
            (2027, 5, 31),
        ]
        .iter()
        .map(|(y, m, d)| NaiveDate::from_ymd_opt(*y, *m, *d).unwrap())
        .collect();
        assert_eq!(dates, wanted);
    }

    #[test]
    fn rules_that_never_match_end_rather_than_loop() {
        // No month has a sixth Monday; `parse` refuses one, a hand-built rule may not.
        let never = Rule {
            freq: Freq::Monthly,
            interval: 1,
            by_day: vec![ByDay {
                ordinal: Some(6),
                weekday: Weekday::Mon,
            }],
            count: Some(10),
            until: None,
        };
        let start = at(2026, 12, 7, 18, 0);
        assert_eq!(
            never.occurrences(start, Duration::hours(1), start, 100),
            [start]
        );
        assert_eq!(never.last_start(start), Some(start));
        let far_apart = Rule {
            freq: Freq::Daily,
            interval: u32::MAX,
            by_day: Vec::new(),
            count: None,
            until: Some(at(9999, 1, 1, 0, 0)),
        };
        assert_eq!(far_apart.last_start(start), Some(start));
        let stuck = Rule {
            interval: 0,
            ..Rule::parse("FREQ=WEEKLY;COUNT=3").unwrap()
        };
        assert_eq!(
            stuck.occurrences(start, Duration::zero(), start, 10).len(),
            3
        );
        // A daily series with no end asked about a century on: it stops at the horizon.
        let daily = Rule::parse("FREQ=DAILY").unwrap();
        assert!(daily
            .occurrences(start, Duration::hours(1), at(2200, 1, 1, 0, 0), 10)
            .is_empty());
    }

    #[test]
    fn a_clock_time_that_never_happens_is_skipped_and_not_counted() {
        // 01:30 on Sunday 29 March 2026 does not happen in the UK.
        let start = local(2026, 3, 28, 1, 30);
        let starts = all("FREQ=DAILY;COUNT=3", start);
        assert_eq!(
            starts,
            [
                at(2026, 3, 28, 1, 30),
                at(2026, 3, 30, 0, 30),
                at(2026, 3, 31, 0, 30)
            ]
        );
    }

    #[test]
    fn a_clock_time_that_happens_twice_takes_the_first() {
        // 01:30 on Sunday 25 October 2026 happens in BST and again in GMT.
        let start = local(2026, 10, 24, 1, 30);
        let starts = all("FREQ=DAILY;COUNT=3", start);
        assert_eq!(
            starts,
            [
                at(2026, 10, 24, 0, 30),
                at(2026, 10, 25, 0, 30),
                at(2026, 10, 26, 1, 30)
            ]
        );
    }

    #[test]
    fn a_first_date_must_fit_the_pattern() {
        let first_wednesday = Rule::parse("FREQ=MONTHLY;BYDAY=1WE").unwrap();
        assert!(first_wednesday
            .check_start(local(2026, 1, 7, 18, 0))
            .is_ok());
        let refused = first_wednesday
            .check_start(local(2026, 1, 14, 18, 0))
            .unwrap_err();
        assert_eq!(refused.field, "repeats");
        assert_eq!(
            refused.message,
            "Wednesday 14 January 2026 does not fit 'The first Wednesday of every month': \
             start the series on Wednesday 7 January 2026 or Wednesday 4 February 2026 instead"
        );
        let weekly_on = Rule::parse("FREQ=WEEKLY;BYDAY=MO,TH").unwrap();
        assert!(weekly_on.check_start(local(2026, 12, 3, 10, 0)).is_ok());
        let refused = weekly_on
            .check_start(local(2026, 12, 2, 10, 0))
            .unwrap_err();
        assert!(refused
            .message
            .contains("Monday 30 November 2026 or Thursday 3 December 2026"));
        // Rules that take their day from the first date take any first date.
        for text in ["FREQ=DAILY", "FREQ=WEEKLY", "FREQ=MONTHLY"] {
            assert!(Rule::parse(text)
                .unwrap()
                .check_start(local(2026, 12, 2, 10, 0))
                .is_ok());
        }
        let ended = Rule::parse("FREQ=WEEKLY;UNTIL=20261101").unwrap();
        let refused = ended.check_start(local(2026, 12, 2, 10, 0)).unwrap_err();
        assert!(refused
            .message
            .contains("ends on Sunday 1 November 2026, before its first date"));
    }

    #[test]
    fn presets_take_their_day_from_the_first_date() {
        // 18:00 on Wednesday 2 December 2026.
        let start = at(2026, 12, 2, 18, 0);
        assert_eq!(weekly(start, 1).to_rrule(), "FREQ=WEEKLY;BYDAY=WE");
        assert_eq!(weekly(start, 2).describe(), "Every 2 weeks on Wednesday");
        assert_eq!(weekly(start, 0).interval, 1);
        assert_eq!(
            monthly_same_weekday(start).to_rrule(),
            "FREQ=MONTHLY;BYDAY=1WE"
        );
        assert_eq!(
            monthly_same_weekday(at(2026, 12, 23, 18, 0)).to_rrule(),
            "FREQ=MONTHLY;BYDAY=4WE"
        );
        assert_eq!(
            monthly_same_weekday(at(2026, 12, 28, 18, 0)).to_rrule(),
            "FREQ=MONTHLY;BYDAY=4MO"
        );
        assert_eq!(
            monthly_same_weekday(at(2026, 12, 30, 18, 0)).to_rrule(),
            "FREQ=MONTHLY;BYDAY=-1WE"
        );
        // 23:30 UTC on 31 July is already Saturday 1 August in London.
        assert_eq!(
            monthly_same_weekday(at(2026, 7, 31, 23, 30)).to_rrule(),
            "FREQ=MONTHLY;BYDAY=1SA"
        );
        for start in [
            at(2026, 12, 2, 18, 0),
            at(2026, 12, 30, 18, 0),
            at(2026, 7, 31, 23, 30),
        ] {
            assert!(monthly_same_weekday(start).check_start(start).is_ok());
        }
    }

    #[test]
    fn month_dates_agree_with_the_day_of_month_test() {
        let mut first_of_month = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        for _ in 0..48 {
            for weekday in [Weekday::Mon, Weekday::Wed, Weekday::Sun] {
                for ordinal in [
                    None,
                    Some(1),
                    Some(2),
                    Some(4),
                    Some(5),
                    Some(-1),
                    Some(-2),
                    Some(-5),
                ] {
                    let day = ByDay { ordinal, weekday };
                    let listed = day.dates_in(first_of_month);
                    let tested: Vec<NaiveDate> = first_of_month
                        .iter_days()
                        .take_while(|d| d.month() == first_of_month.month())
                        .filter(|d| day.fits(*d))
                        .collect();
                    assert_eq!(listed, tested, "{day:?} in {first_of_month}");
                }
            }
            first_of_month = first_of_month.checked_add_months(Months::new(1)).unwrap();
        }
    }

    /// Whether `date` belongs to the series that begins on `first`, tested
    /// directly rather than by listing periods as `Starts` does.
    fn belongs(rule: &Rule, first: NaiveDate, date: NaiveDate) -> bool {
        let interval = i64::from(rule.interval);
        let aligned = match rule.freq {
            Freq::Daily => (date - first).num_days() % interval == 0,
            Freq::Weekly => {
                let monday =
                    |d: NaiveDate| d - Duration::days(d.weekday().num_days_from_monday().into());
                ((monday(date) - monday(first)).num_days() / 7) % interval == 0
            }
            Freq::Monthly => {
                let months = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
                (months(date) - months(first)) % interval == 0
            }
        };
        let day_fits = match rule.freq {
            Freq::Daily => true,
            Freq::Weekly if rule.by_day.is_empty() => date.weekday() == first.weekday(),
            Freq::Monthly if rule.by_day.is_empty() => date.day() == first.day(),
            _ => rule.fits_pattern(date),
        };
        aligned && day_fits
    }

    fn any_rule() -> impl Strategy<Value = Rule> {
        let weekday = (0u8..7).prop_map(|n| Weekday::try_from(n).unwrap());
        let plain = weekday.clone().prop_map(|weekday| ByDay {
            ordinal: None,
            weekday,
        });
        let ordinal = prop_oneof![1i8..=5, -5i8..=-1];
        let nth = (ordinal, weekday).prop_map(|(n, weekday)| ByDay {
            ordinal: Some(n),
            weekday,
        });
        let freq_and_days = prop_oneof![
            Just((Freq::Daily, Vec::new())),
            proptest::collection::vec(plain.clone(), 0..4).prop_map(|d| (Freq::Weekly, d)),
            proptest::collection::vec(prop_oneof![plain, nth], 0..3)
                .prop_map(|d| (Freq::Monthly, d)),
        ];
        let end = prop_oneof![
            Just((None, None)),
            (1u32..=40).prop_map(|c| (Some(c), None)),
            (0i64..1500).prop_map(|days| (None, Some(days))),
        ];
        (freq_and_days, 1u32..=4, end).prop_map(
            |((freq, by_day), interval, (count, until_days))| {
                let until = until_days.map(|days| {
                    at(2026, 1, 1, 0, 0) + Duration::days(days) + Duration::hours(days % 24)
                });
                // Through the text, so that the rule is one `parse` would give.
                let rule = Rule {
                    freq,
                    interval,
                    by_day,
                    count,
                    until,
                };
                Rule::parse(&rule.to_rrule()).unwrap_or(Rule {
                    by_day: Vec::new(),
                    ..rule
                })
            },
        )
    }

    proptest! {
        #[test]
        fn occurrences_rise_fit_the_rule_and_keep_the_clock_time(
            rule in any_rule(),
            minutes in 0i64..(4 * 365 * 24 * 60),
            limit in 1usize..60,
        ) {
            let start = at(2025, 6, 1, 0, 0) + Duration::minutes(minutes);
            let first = uk(start).date_naive();
            let time = uk(start).time();
            let starts = rule.occurrences(start, Duration::zero(), start, limit);

            prop_assert!(starts.len() <= limit);
            prop_assert_eq!(starts.first(), rule.until.is_none_or(|u| start <= u).then_some(&start));
            prop_assert!(starts.windows(2).all(|w| w[0] < w[1]));
            for t in starts.iter().skip(1) {
                let date = uk(*t).date_naive();
                prop_assert!(belongs(&rule, first, date), "{} does not belong", t);
                prop_assert_eq!(uk(*t).time(), time);
                prop_assert!(rule.until.is_none_or(|u| *t <= u));
            }
            if let Some(count) = rule.count {
                prop_assert!(starts.len() <= count as usize);
            }

            // The same list by walking day by day, for up to 15 years.
            let mut walked = Vec::new();
            let mut date = first;
            let mut walked_all = false;
            if rule.until.is_none_or(|u| start <= u) {
                walked.push(start);
                walked_all = true;
                for _ in 0..(15 * 366) {
                    if walked.len() >= limit || rule.count.is_some_and(|c| walked.len() >= c as usize) {
                        break;
                    }
                    date = date.succ_opt().unwrap();
                    if !belongs(&rule, first, date) {
                        continue;
                    }
                    let Some(t) = from_uk(NaiveDateTime::new(date, time)) else { continue };
                    if rule.until.is_some_and(|u| t > u) {
                        break;
                    }
                    walked.push(t);
                }
                walked_all = walked_all && date < first + Duration::days(15 * 366);
            }
            // A walk cut off by its 15 years says nothing about later dates.
            let within: Vec<DateTime<Utc>> = starts
                .iter()
                .copied()
                .filter(|t| walked_all || uk(*t).date_naive() <= date)
                .collect();
            prop_assert_eq!(within, walked);
        }
    }
}
