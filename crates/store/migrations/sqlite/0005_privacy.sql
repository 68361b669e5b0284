-- Privacy: profile fields beyond the name, who may see each of them, and the
-- consents people give, kept with the words they were shown.

ALTER TABLE people ADD COLUMN phone TEXT;
ALTER TABLE people ADD COLUMN bio TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN erased_at TEXT;

CREATE TABLE field_visibility (
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    field TEXT NOT NULL CHECK (field IN ('email', 'phone', 'bio', 'ward')),
    visibility TEXT NOT NULL CHECK (visibility IN ('private', 'officers', 'teammates', 'public')),
    PRIMARY KEY (person_id, field)
);

-- Append-only: a change of mind is a new row, so the history shows what was
-- agreed when. The newest row per purpose is the one in force.
CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('contact_matching', 'asset_map')),
    given INTEGER NOT NULL CHECK (given IN (0, 1)),
    wording TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX consents_by_person ON consents (person_id, purpose, id);

-- A subject access request lists what a person did, so find it by actor.
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, seq);
