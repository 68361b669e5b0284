-- The foundation: the settings the product keeps about itself, the borough's
-- wards, people, projects and events. Timestamps are UTC RFC 3339 text.

CREATE TABLE app_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE wards (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE
);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'resident' CHECK (role IN ('resident', 'officer', 'admin')),
    password_hash TEXT,
    ward_id INTEGER REFERENCES wards (id),
    created_at TEXT NOT NULL
);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    stage TEXT NOT NULL DEFAULT 'idea'
        CHECK (stage IN ('idea', 'selected', 'planning', 'delivery', 'completed', 'paused', 'closed')),
    ward_id INTEGER REFERENCES wards (id),
    lead_id INTEGER REFERENCES people (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX projects_by_stage ON projects (stage, id);
CREATE INDEX projects_by_ward ON projects (ward_id, id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('make', 'meetup', 'learning', 'other')),
    title TEXT NOT NULL,
    goals TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    venue TEXT NOT NULL DEFAULT '',
    ward_id INTEGER REFERENCES wards (id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    capacity INTEGER CHECK (capacity IS NULL OR capacity > 0),
    created_at TEXT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX events_by_start ON events (starts_at, id);
