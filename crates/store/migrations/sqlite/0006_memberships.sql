-- Roles that hold within one project or one fund holder, and invitations
-- that bring people in with a role.

CREATE TABLE project_members (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('lead', 'co_owner', 'member')),
    since TEXT NOT NULL,
    PRIMARY KEY (project_id, person_id)
);
CREATE INDEX project_members_by_person ON project_members (person_id);

-- The organisations that hold money for projects (a community trust).
-- Their ledgers arrive with fund holding; here they are what people hold
-- roles in.
CREATE TABLE fund_holders (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE fund_holder_members (
    fund_holder_id INTEGER NOT NULL REFERENCES fund_holders (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('treasurer', 'approver')),
    since TEXT NOT NULL,
    PRIMARY KEY (fund_holder_id, person_id)
);
CREATE INDEX fund_holder_members_by_person ON fund_holder_members (person_id);

CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    -- SHA-256 of the secret in the link.
    token_hash TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('resident', 'officer', 'admin')),
    project_id INTEGER REFERENCES projects (id) ON DELETE CASCADE,
    project_role TEXT CHECK (project_role IS NULL OR project_role IN ('lead', 'co_owner', 'member')),
    fund_holder_id INTEGER REFERENCES fund_holders (id) ON DELETE CASCADE,
    fund_role TEXT CHECK (fund_role IS NULL OR fund_role IN ('treasurer', 'approver')),
    invited_by INTEGER REFERENCES people (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    accepted_at TEXT,
    accepted_by INTEGER REFERENCES people (id) ON DELETE SET NULL,
    CHECK ((project_id IS NULL) = (project_role IS NULL)),
    CHECK ((fund_holder_id IS NULL) = (fund_role IS NULL))
);
CREATE INDEX invitations_by_email ON invitations (email);
