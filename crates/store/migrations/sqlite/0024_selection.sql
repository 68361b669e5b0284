-- Choosing the next projects: an event's organisers open a round of
-- candidate ideas, the people there vote (approval, or N dots each), the
-- counts are shown once it closes, and the organisers record which go
-- forward; those become projects at stage 'selected', linked back here.

CREATE TABLE selection_rounds (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('approval', 'dots')),
    -- For 'dots': how many each voter spreads.
    dots INTEGER CHECK (dots IS NULL OR dots BETWEEN 1 AND 20),
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'decided')),
    opened_by INTEGER REFERENCES people (id) ON DELETE SET NULL,
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    decided_at TEXT,
    CHECK ((method = 'dots') = (dots IS NOT NULL))
);
CREATE INDEX selection_rounds_by_event ON selection_rounds (event_id);

CREATE TABLE selection_candidates (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    -- Where the idea came from, as projects record their origin.
    source TEXT NOT NULL CHECK (source IN ('event', 'space_report', 'proposal')),
    -- An idea already recorded as a project (stage 'idea'); or, once
    -- chosen, the project it became.
    project_id INTEGER REFERENCES projects (id) ON DELETE SET NULL,
    chosen INTEGER NOT NULL DEFAULT 0 CHECK (chosen IN (0, 1))
);
CREATE INDEX selection_candidates_by_round ON selection_candidates (round_id, id);
CREATE INDEX selection_candidates_by_project ON selection_candidates (project_id);

-- A voter's ballot: dots (1 for approval) per candidate; a new ballot
-- replaces the old.
CREATE TABLE selection_votes (
    round_id INTEGER NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    candidate_id INTEGER NOT NULL REFERENCES selection_candidates (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    dots INTEGER NOT NULL CHECK (dots BETWEEN 1 AND 20),
    cast_at TEXT NOT NULL,
    PRIMARY KEY (candidate_id, person_id)
);
CREATE INDEX selection_votes_by_round ON selection_votes (round_id, person_id);
