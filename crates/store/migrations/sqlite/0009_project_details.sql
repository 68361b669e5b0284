-- What a project is beyond its title: the groups behind projects, the
-- wards a project serves, its themes and activities (which the risk
-- register reads), its lead's capacity, the mandate agreed between the
-- council and the lead, its team's needs and join requests, its catch-up
-- updates and next steps, its contacts and documents.

-- Organisations a project can belong to or sit on the land of. The
-- directory of networks grows from this table.
CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN
        ('constituted_group', 'informal_group', 'charity', 'housing_provider', 'business', 'public_body')),
    created_at TEXT NOT NULL
);

ALTER TABLE projects ADD COLUMN background TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN origin TEXT NOT NULL DEFAULT 'direct'
    CHECK (origin IN ('direct', 'event', 'space_report', 'proposal'));
ALTER TABLE projects ADD COLUMN origin_event_id INTEGER REFERENCES events (id) ON DELETE SET NULL;
-- The space report or proposal it came from, in words, until those have
-- pages of their own.
ALTER TABLE projects ADD COLUMN origin_note TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN address TEXT NOT NULL DEFAULT '';
-- WGS 84 in millionths of a degree: exact in both engines, about 11 cm.
ALTER TABLE projects ADD COLUMN lat_e6 INTEGER CHECK (lat_e6 IS NULL OR lat_e6 BETWEEN -90000000 AND 90000000);
ALTER TABLE projects ADD COLUMN lon_e6 INTEGER CHECK (lon_e6 IS NULL OR lon_e6 BETWEEN -180000000 AND 180000000);
ALTER TABLE projects ADD COLUMN starts_on TEXT;
ALTER TABLE projects ADD COLUMN ends_on TEXT CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on);
ALTER TABLE projects ADD COLUMN owner_org_id INTEGER REFERENCES organisations (id) ON DELETE SET NULL;
ALTER TABLE projects ADD COLUMN lead_hours_per_week INTEGER CHECK (lead_hours_per_week IS NULL OR lead_hours_per_week BETWEEN 0 AND 80);
ALTER TABLE projects ADD COLUMN lead_until TEXT;

-- The wards a project serves, beyond the one it is based in (ward_id).
CREATE TABLE project_wards (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    ward_id INTEGER NOT NULL REFERENCES wards (id),
    PRIMARY KEY (project_id, ward_id)
);
CREATE INDEX project_wards_by_ward ON project_wards (ward_id, project_id);

CREATE TABLE project_themes (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    theme TEXT NOT NULL,
    PRIMARY KEY (project_id, theme)
);
CREATE INDEX project_themes_by_theme ON project_themes (theme, project_id);

CREATE TABLE project_activities (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    activity TEXT NOT NULL,
    -- What the risk register needs to know about it: the landowner for
    -- third-party land, what is served for food.
    detail TEXT NOT NULL DEFAULT '',
    -- Expected attendance, for public events.
    attendance INTEGER CHECK (attendance IS NULL OR attendance > 0),
    PRIMARY KEY (project_id, activity)
);

ALTER TABLE project_members ADD COLUMN title TEXT NOT NULL DEFAULT '';
-- A co-owner who uses or receives what the project delivers.
ALTER TABLE project_members ADD COLUMN service_user INTEGER NOT NULL DEFAULT 0 CHECK (service_user IN (0, 1));

-- What the lead may decide without asking, agreed between an officer and
-- the lead. Any change clears both agreements.
CREATE TABLE project_mandates (
    project_id INTEGER PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    powers TEXT NOT NULL DEFAULT '',
    spending_limit_pence INTEGER NOT NULL DEFAULT 0 CHECK (spending_limit_pence >= 0),
    council_assets TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    drafted_by INTEGER,
    drafted_at TEXT NOT NULL,
    officer_id INTEGER,
    officer_agreed_at TEXT,
    lead_id INTEGER,
    lead_agreed_at TEXT
);

CREATE TABLE project_needs (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('skill', 'resource')),
    -- A skill from the taxonomy once it exists (its URI); else NULL.
    skill_uri TEXT,
    description TEXT NOT NULL,
    hours_per_week INTEGER CHECK (hours_per_week IS NULL OR hours_per_week BETWEEN 1 AND 80),
    from_on TEXT,
    to_on TEXT CHECK (to_on IS NULL OR from_on IS NULL OR to_on >= from_on),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'met', 'withdrawn')),
    created_at TEXT NOT NULL
);
CREATE INDEX project_needs_by_project ON project_needs (project_id, status);

CREATE TABLE project_join_requests (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    need_id INTEGER REFERENCES project_needs (id) ON DELETE SET NULL,
    message TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'withdrawn')),
    created_at TEXT NOT NULL,
    decided_by INTEGER,
    decided_at TEXT
);
CREATE UNIQUE INDEX project_join_requests_one_pending
    ON project_join_requests (project_id, person_id) WHERE status = 'pending';

CREATE TABLE project_updates (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    author_id INTEGER,
    happened TEXT NOT NULL,
    next TEXT NOT NULL DEFAULT '',
    posted_at TEXT NOT NULL
);
CREATE INDEX project_updates_by_project ON project_updates (project_id, id);

CREATE TABLE project_next_steps (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    what TEXT NOT NULL,
    owner_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    due_on TEXT NOT NULL,
    done_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX project_next_steps_due ON project_next_steps (due_on, id);
CREATE INDEX project_next_steps_by_project ON project_next_steps (project_id, id);

CREATE TABLE project_contacts (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT '',
    organisation TEXT NOT NULL DEFAULT '',
    reach TEXT NOT NULL DEFAULT '',
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'team', 'officers')),
    created_at TEXT NOT NULL
);
CREATE INDEX project_contacts_by_project ON project_contacts (project_id, id);

CREATE TABLE project_documents (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    file_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
    blob_id TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'team', 'officers')),
    uploaded_by INTEGER,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX project_documents_by_project ON project_documents (project_id, id);
