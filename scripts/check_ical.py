#!/usr/bin/env python3
"""Check a calendar feed with third-party readers, and list its occurrences.

    check_ical.py FILE [--from YYYY-MM-DD --to YYYY-MM-DD]

coproduce writes its feeds itself (crates/core/src/ical.rs) and expands
repeating events itself (crates/core/src/series.rs). This script reads a feed
the way a subscriber's software would, with the PyPI packages `icalendar` and
`recurring-ical-events`, so tests can hold the site's own dates against an
independent reading of the same text.

It fails (exit 1, the reason on stderr) when the file does not parse, when an
event lacks UID, DTSTAMP or DTSTART, when two events share a UID, or when a
DTSTART or DTEND names a TZID that no VTIMEZONE in the file defines. Otherwise
it prints JSON:

    {"events": N, "occurrences": [{"uid", "start", "end", "status",
                                   "summary"}, ...]}

where N counts the VEVENTs in the file and the occurrences are those between
--from (inclusive) and --to (exclusive, as recurring-ical-events takes it),
sorted by start, with times in ISO 8601 with their UTC offset. Without the
dates it covers the year from the day of the earliest DTSTART.

Needs: pip install icalendar==7.3.2 recurring-ical-events==3.8.2
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from typing import Any, NoReturn

import icalendar
import recurring_ical_events


def fail(message: str) -> NoReturn:
    print(f"check_ical: {message}", file=sys.stderr)
    sys.exit(1)


def day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD") from None


def as_datetime(value: datetime.date) -> datetime.datetime:
    """A DTSTART as an aware datetime, so dates and times can be sorted together."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=datetime.timezone.utc)
        return value
    return datetime.datetime.combine(value, datetime.time(), datetime.timezone.utc)


def read(path: str) -> icalendar.Calendar:
    try:
        with open(path, "rb") as file:
            calendar = icalendar.Calendar.from_ical(file.read())
    except OSError as error:
        fail(f"cannot read {path}: {error}")
    except Exception as error:  # icalendar raises ValueError and others alike
        fail(f"{path} is not iCalendar: {error}")
    # icalendar keeps going past a property it cannot read and notes it here,
    # which for a feed we write ourselves is as bad as not parsing at all.
    for component in calendar.walk():
        if component.errors:
            fail(f"{component.name} has properties that do not parse: {component.errors}")
    return calendar


def check(calendar: icalendar.Calendar) -> list[icalendar.Event]:
    events = calendar.walk("VEVENT")
    zones = {str(zone.get("TZID")) for zone in calendar.walk("VTIMEZONE")}
    seen: set[str] = set()
    for number, event in enumerate(events, start=1):
        for name in ("UID", "DTSTAMP", "DTSTART"):
            if name not in event:
                fail(f"event {number} ({event.get('UID', 'no UID')}) has no {name}")
        uid = str(event["UID"])
        # A changed occurrence of a series (with RECURRENCE-ID) rightly
        # shares its series' UID.
        if "RECURRENCE-ID" not in event:
            if uid in seen:
                fail(f"UID {uid} is used by more than one event")
            seen.add(uid)
        for name in ("DTSTART", "DTEND"):
            tzid = event[name].params.get("TZID") if name in event else None
            if tzid is not None and tzid not in zones:
                fail(f"event {uid}: {name} names TZID {tzid}, which no VTIMEZONE defines")
    return events


def occurrence(event: icalendar.Event) -> dict[str, Any]:
    end = event.get("DTEND")
    return {
        "uid": str(event["UID"]),
        "start": event["DTSTART"].dt.isoformat(),
        "end": end.dt.isoformat() if end is not None else None,
        "status": str(event.get("STATUS", "")),
        "summary": str(event.get("SUMMARY", "")),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file")
    parser.add_argument("--from", dest="start", type=day, help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="stop", type=day, help="day after the last, YYYY-MM-DD")
    args = parser.parse_args(argv)
    if (args.start is None) != (args.stop is None):
        parser.error("give both --from and --to, or neither")

    calendar = read(args.file)
    events = check(calendar)
    start, stop = args.start, args.stop
    if start is None:
        starts = [as_datetime(event["DTSTART"].dt) for event in events]
        start = min(starts).date() if starts else datetime.date.today()
        stop = start + datetime.timedelta(days=366)
    try:
        found = recurring_ical_events.of(calendar).between(start, stop)
    except Exception as error:  # the library's errors have no common base
        fail(f"cannot expand the repeating events: {error}")
    found = sorted(found, key=lambda e: (as_datetime(e["DTSTART"].dt), str(e["UID"])))
    listed = [occurrence(event) for event in found]
    json.dump({"events": len(events), "occurrences": listed}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
