-- Answers to events: going (with a place or on the waiting list), maybe or
-- not going, and what people need to come, kept only when they agreed to
-- share it with the organisers.

ALTER TABLE events ADD COLUMN creche_capacity INTEGER
    CHECK (creche_capacity IS NULL OR creche_capacity >= 0);

CREATE TABLE event_rsvps (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    response TEXT NOT NULL CHECK (response IN ('going', 'maybe', 'not_going')),
    -- For 'going' only: a place, or the waiting list.
    place TEXT CHECK (place IN ('confirmed', 'waiting')),
    -- Order on the waiting list: when the person last joined it.
    waiting_since TEXT,
    creche_children INTEGER NOT NULL DEFAULT 0 CHECK (creche_children BETWEEN 0 AND 8),
    creche_ages TEXT NOT NULL DEFAULT '',
    access_needs TEXT NOT NULL DEFAULT '',
    dietary_needs TEXT NOT NULL DEFAULT '',
    needs_shared_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (event_id, person_id),
    CHECK ((response = 'going') = (place IS NOT NULL)),
    CHECK (place IS NULL OR place <> 'waiting' OR waiting_since IS NOT NULL)
);
CREATE INDEX event_rsvps_by_event ON event_rsvps (event_id, response, place, waiting_since, id);
CREATE INDEX event_rsvps_by_person ON event_rsvps (person_id, event_id);
