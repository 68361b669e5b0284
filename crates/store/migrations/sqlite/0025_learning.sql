-- The action learning set: staff (and partners from outside the council)
-- meet in themed sessions, which are events of kind 'learning', and keep a
-- learning log whose entries each carry the visibility their author chose.
-- Beside it, the public toolkit of articles, some published from the log.

CREATE TABLE learning_sets (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    purpose TEXT NOT NULL DEFAULT '',
    open_to_partners INTEGER NOT NULL DEFAULT 0 CHECK (open_to_partners IN (0, 1)),
    created_by INTEGER REFERENCES people (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE learning_members (
    set_id INTEGER NOT NULL REFERENCES learning_sets (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('organiser', 'member', 'partner')),
    -- For partners: the organisation or group they come from.
    organisation TEXT NOT NULL DEFAULT '',
    since TEXT NOT NULL,
    PRIMARY KEY (set_id, person_id)
);
CREATE INDEX learning_members_by_person ON learning_members (person_id);

-- A session is an event; this row says which set and which theme.
CREATE TABLE learning_sessions (
    event_id INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    set_id INTEGER NOT NULL REFERENCES learning_sets (id) ON DELETE CASCADE,
    theme TEXT NOT NULL
);
CREATE INDEX learning_sessions_by_set ON learning_sessions (set_id);

-- Partners ask to join one session; an organiser accepts or declines.
CREATE TABLE learning_requests (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES learning_sessions (event_id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    organisation TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'asked' CHECK (state IN ('asked', 'accepted', 'declined')),
    asked_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by INTEGER REFERENCES people (id) ON DELETE SET NULL,
    UNIQUE (event_id, person_id)
);

CREATE TABLE learning_entries (
    id INTEGER PRIMARY KEY,
    set_id INTEGER NOT NULL REFERENCES learning_sets (id) ON DELETE CASCADE,
    event_id INTEGER REFERENCES learning_sessions (event_id) ON DELETE SET NULL,
    author_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('challenge', 'success', 'insight', 'question')),
    body TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('set', 'partners', 'public')),
    project_id INTEGER REFERENCES projects (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX learning_entries_by_set ON learning_entries (set_id, created_at);
CREATE INDEX learning_entries_by_session ON learning_entries (event_id);

CREATE TABLE learning_entry_tags (
    entry_id INTEGER NOT NULL REFERENCES learning_entries (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (entry_id, tag)
);
CREATE INDEX learning_entry_tags_by_tag ON learning_entry_tags (tag);

CREATE TABLE toolkit_articles (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    author_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    -- The log entry it was published from, if any: at most one article each.
    entry_id INTEGER UNIQUE REFERENCES learning_entries (id) ON DELETE SET NULL,
    published_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX toolkit_articles_by_category ON toolkit_articles (category, published_at);
