-- Feet, not talk: at a make event each project it works on has a table;
-- people stand at one (and may move), and a table nobody has joined by the
-- time the organisers set is flagged.

-- Minutes after each date's start by which every table should have someone.
ALTER TABLE events ADD COLUMN tables_check_minutes BIGINT
    CHECK (tables_check_minutes IS NULL OR tables_check_minutes >= 0);

-- Where each person stands now, one table a date; a move replaces the row.
CREATE TABLE event_tables (
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    occurrence TEXT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    joined_at TEXT NOT NULL,
    PRIMARY KEY (event_id, occurrence, person_id)
);
CREATE INDEX event_tables_by_project ON event_tables (event_id, occurrence, project_id);
