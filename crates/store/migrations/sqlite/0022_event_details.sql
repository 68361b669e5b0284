-- What an event needs beyond its time and place: how people take part, the
-- venue's access and point on the map, repeats, organisers, the projects it
-- works on, its status for calendars, and who came through the door.

ALTER TABLE events ADD COLUMN format TEXT NOT NULL DEFAULT 'in_person'
    CHECK (format IN ('in_person', 'online', 'hybrid'));
-- Shown only to organisers and people with a confirmed place.
ALTER TABLE events ADD COLUMN meeting_link TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN accessibility TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN latitude REAL CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90);
ALTER TABLE events ADD COLUMN longitude REAL CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180);
-- An RFC 5545 RRULE for a series, empty for a single event.
ALTER TABLE events ADD COLUMN repeats TEXT NOT NULL DEFAULT '';
-- When the last occurrence ends; NULL for a series without an end.
ALTER TABLE events ADD COLUMN series_ends_at TEXT;
ALTER TABLE events ADD COLUMN status TEXT NOT NULL DEFAULT 'scheduled'
    CHECK (status IN ('scheduled', 'cancelled'));
ALTER TABLE events ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
-- Calendars take a change only when SEQUENCE grows.
ALTER TABLE events ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN updated_at TEXT;
ALTER TABLE events ADD COLUMN created_by INTEGER REFERENCES people (id) ON DELETE SET NULL;

UPDATE events SET series_ends_at = ends_at;
CREATE INDEX events_by_series_end ON events (series_ends_at);

CREATE TABLE event_organisers (
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    since TEXT NOT NULL,
    PRIMARY KEY (event_id, person_id)
);
CREATE INDEX event_organisers_by_person ON event_organisers (person_id);

CREATE TABLE event_projects (
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, project_id)
);
CREATE INDEX event_projects_by_project ON event_projects (project_id);

-- The code in a person's QR code: it lets an organiser at the door find
-- their answer without searching.
ALTER TABLE event_rsvps ADD COLUMN checkin_code TEXT;
CREATE UNIQUE INDEX event_rsvps_by_checkin_code ON event_rsvps (checkin_code);

-- Who came: people who answered (one row each per date, however often they
-- are checked in) and walk-ins, known by the name they gave at the door. A
-- series keeps each date's attendance apart: `occurrence` is that date's
-- start, the event's own start for a single event.
CREATE TABLE event_attendance (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    occurrence TEXT NOT NULL,
    walk_in_name TEXT NOT NULL DEFAULT '',
    checked_in_at TEXT NOT NULL,
    checked_in_by INTEGER REFERENCES people (id) ON DELETE SET NULL,
    UNIQUE (event_id, occurrence, person_id),
    CHECK (person_id IS NOT NULL OR walk_in_name <> '')
);
CREATE INDEX event_attendance_by_person ON event_attendance (person_id);

-- A person's private calendar feed of the events they are going to: stored
-- by the hash of its secret, so a leaked table opens no one's calendar.
CREATE TABLE calendar_feeds (
    person_id INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- Reminders sent the day before each date, so a date is never reminded of
-- twice however often the sweep runs.
CREATE TABLE event_reminders (
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    occurrence TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    people INTEGER NOT NULL,
    PRIMARY KEY (event_id, occurrence)
);
