-- Skills: the ESCO taxonomy (a built-in starter set until an import), what
-- people write about themselves, and the skills they confirmed or rejected.

CREATE TABLE skills (
    id INTEGER PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    -- One alternative label per line.
    alt_labels TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL CHECK (source IN ('starter', 'esco')),
    updated_at TEXT NOT NULL
);

CREATE TABLE skill_profiles (
    person_id INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    about TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Only confirmed skills count; a rejected one is kept so that it is not
-- suggested again.
CREATE TABLE person_skills (
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    skill_id INTEGER NOT NULL REFERENCES skills (id),
    state TEXT NOT NULL CHECK (state IN ('confirmed', 'rejected')),
    source TEXT NOT NULL CHECK (source IN ('recognised', 'added')),
    evidence TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL,
    PRIMARY KEY (person_id, skill_id)
);
CREATE INDEX person_skills_by_skill ON person_skills (skill_id, state, person_id);

-- A person's skills get a visibility of their own. SQLite cannot change a
-- CHECK constraint in place, so the table is rebuilt with the wider one.
CREATE TABLE field_visibility_new (
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    field TEXT NOT NULL CHECK (field IN ('email', 'phone', 'bio', 'ward', 'skills')),
    visibility TEXT NOT NULL CHECK (visibility IN ('private', 'officers', 'teammates', 'public')),
    PRIMARY KEY (person_id, field)
);
INSERT INTO field_visibility_new (person_id, field, visibility)
    SELECT person_id, field, visibility FROM field_visibility;
DROP TABLE field_visibility;
ALTER TABLE field_visibility_new RENAME TO field_visibility;
