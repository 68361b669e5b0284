-- Matching people to projects: the skills a need asks for (its own skill and
-- the related ones found when it was written), when people can help, and
-- the invitations a lead sends to the people suggested.

-- Kept with the need so that ranking never recomputes relatedness, and so
-- that the lead sees why someone with a neighbouring skill was suggested.
CREATE TABLE need_skills (
    need_id INTEGER NOT NULL REFERENCES project_needs (id) ON DELETE CASCADE,
    skill_id INTEGER NOT NULL REFERENCES skills (id),
    -- 1 for the need's own skill; below 1 for a related one.
    weight REAL NOT NULL CHECK (weight > 0 AND weight <= 1),
    related INTEGER NOT NULL CHECK (related IN (0, 1)),
    PRIMARY KEY (need_id, skill_id)
);
CREATE INDEX need_skills_by_skill ON need_skills (skill_id, need_id);

-- When a person can help: a comma-separated set of weekday_daytime,
-- weekday_evening and weekend, and the hours a week they could give.
ALTER TABLE skill_profiles ADD COLUMN availability TEXT NOT NULL DEFAULT '';
ALTER TABLE skill_profiles ADD COLUMN hours_per_week INTEGER
    CHECK (hours_per_week IS NULL OR hours_per_week BETWEEN 1 AND 80);

CREATE TABLE need_invitations (
    id INTEGER PRIMARY KEY,
    need_id INTEGER NOT NULL REFERENCES project_needs (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    invited_by INTEGER REFERENCES people (id) ON DELETE SET NULL,
    message TEXT NOT NULL DEFAULT '',
    -- Why the person was suggested, as the lead saw it when inviting.
    reasons TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'invited'
        CHECK (state IN ('invited', 'accepted', 'declined', 'withdrawn')),
    created_at TEXT NOT NULL,
    answered_at TEXT
);
CREATE UNIQUE INDEX need_invitations_one_open
    ON need_invitations (need_id, person_id) WHERE state = 'invited';
CREATE INDEX need_invitations_by_person ON need_invitations (person_id, state, id);
CREATE INDEX need_invitations_by_project ON need_invitations (project_id, state, id);
