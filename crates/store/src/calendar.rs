//! Events as iCalendar (RFC 5545): what the public feed, an event's own
//! file, the private feeds and `coproduce export ical` all write.

use chrono::{DateTime, Duration, Utc};
use coproduce_core::ical::{self, Calendar};

use crate::events::{self, Event};
use crate::{Db, Result};

/// How long after it ends an event stays in the feeds: long enough for a
/// calendar to keep last month, short enough to stay small.
pub const KEEP: Duration = Duration::days(92);

/// The host part of the site's address, for event UIDs: they stay the same
/// as long as the public address does, and differ between councils.
fn uid_host(site: &str) -> &str {
    let rest = site.split_once("://").map_or(site, |(_, r)| r);
    let host = rest.split(['/', ':']).next().unwrap_or(rest);
    if host.is_empty() {
        "coproduce"
    } else {
        host
    }
}

/// One event for a calendar; `link` is the meeting link, when the reader
/// may see it. `site` is the public address pages are linked at.
pub fn entry(e: &Event, site: &str, now: DateTime<Utc>, link: Option<&str>) -> ical::Event {
    let site = site.trim_end_matches('/');
    let page = format!("{site}/events/{}", e.id);
    let mut description = String::new();
    if e.is_cancelled() {
        description.push_str(&format!("Cancelled: {}\n\n", e.cancel_reason));
    }
    if !e.goals.is_empty() {
        description.push_str(&format!("Goals: {}\n\n", e.goals));
    }
    if !e.description.is_empty() {
        description.push_str(&format!("{}\n\n", e.description));
    }
    if !e.accessibility.is_empty() && e.format.has_venue() {
        description.push_str(&format!("Access: {}\n\n", e.accessibility));
    }
    if let Some(link) = link {
        description.push_str(&format!("Join online: {link}\n\n"));
    }
    description.push_str(&format!("Details and answers: {page}"));
    ical::Event {
        uid: format!("event-{}@{}", e.id, uid_host(site)),
        stamp: now,
        start: e.starts_at,
        end: e.ends_at,
        summary: e.title.clone(),
        description,
        location: if e.format.has_venue() {
            e.venue.clone()
        } else {
            "Online".to_owned()
        },
        geo: e.point,
        url: Some(page),
        status: if e.is_cancelled() {
            ical::Status::Cancelled
        } else {
            ical::Status::Confirmed
        },
        sequence: e.sequence,
        rrule: e.rule().map(|r| r.to_rrule()),
        last_modified: Some(e.updated_at),
        categories: vec![e.kind.label().to_owned()],
    }
}

/// Every public event that has not long ended, as one calendar.
pub async fn public(db: &Db, site: &str, now: DateTime<Utc>) -> Result<String> {
    let list = events::for_feed(db, now - KEEP).await?;
    Ok(ical::write(&Calendar {
        name: "Events".to_owned(),
        events: list.iter().map(|e| entry(e, site, now, None)).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_take_the_sites_host() {
        assert_eq!(
            uid_host("https://coproduce.lambeth.example/"),
            "coproduce.lambeth.example"
        );
        assert_eq!(uid_host("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(uid_host(""), "coproduce");
    }
}
