-- The risk and liability register: risks per project, the rules catalogue's
-- edited versions, the checks each project must meet with their evidence,
-- site visits, and who holds each liability.

-- The fund holder that holds the project's money: its treasurers and
-- approvers may verify the checks the catalogue gives them.
ALTER TABLE projects ADD COLUMN fund_holder_id INTEGER REFERENCES fund_holders (id) ON DELETE SET NULL;

CREATE TABLE project_risks (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('health_and_safety', 'safeguarding', 'financial',
        'legal', 'property', 'environmental', 'reputational', 'delivery', 'data')),
    likelihood INTEGER NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
    impact INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 5),
    owner_id INTEGER REFERENCES people (id),
    mitigations TEXT NOT NULL DEFAULT '',
    review_on TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'mitigated', 'accepted', 'closed')),
    accepted_reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (status <> 'accepted' OR accepted_reason <> ''),
    CHECK (status = 'closed' OR review_on IS NOT NULL)
);
CREATE INDEX project_risks_by_project ON project_risks (project_id, id);
CREATE INDEX project_risks_by_review ON project_risks (review_on, project_id);

-- Each officer's edit of the catalogue is a new row; the id is its version.
-- With no rows, the catalogue that ships with the product applies.
CREATE TABLE risk_catalogues (
    id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    note TEXT NOT NULL,
    saved_by INTEGER REFERENCES people (id),
    saved_at TEXT NOT NULL
);

-- One row per check a project has done anything about; a check with no row
-- is missing. People are anonymised, never deleted, so who submitted and
-- who verified stay answerable.
CREATE TABLE project_checks (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    check_key TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    person_name TEXT NOT NULL DEFAULT '',
    insurer TEXT NOT NULL DEFAULT '',
    cover_pence INTEGER CHECK (cover_pence IS NULL OR cover_pence > 0),
    expires_on TEXT,
    note TEXT NOT NULL DEFAULT '',
    document_id INTEGER REFERENCES project_documents (id) ON DELETE SET NULL,
    submitted_by INTEGER REFERENCES people (id),
    submitted_at TEXT,
    verified_by INTEGER REFERENCES people (id),
    verified_at TEXT,
    valid_until TEXT,
    waived_by INTEGER REFERENCES people (id),
    waived_at TEXT,
    waived_reason TEXT NOT NULL DEFAULT '',
    returned_reason TEXT NOT NULL DEFAULT '',
    -- The expiry date a warning went out for, so each is warned about once.
    warned_for TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (project_id, check_key),
    -- Core refuses self-verification; the database refuses it again.
    CHECK (verified_by IS NULL OR submitted_by IS NULL OR verified_by <> submitted_by),
    CHECK (waived_by IS NULL OR waived_reason <> '')
);
CREATE INDEX project_checks_by_expiry ON project_checks (valid_until, project_id);

CREATE TABLE site_visits (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    officer_id INTEGER NOT NULL REFERENCES people (id),
    scheduled_for TEXT NOT NULL,
    scheduled_by INTEGER REFERENCES people (id),
    outcome TEXT CHECK (outcome IS NULL OR outcome IN ('pass', 'actions_required', 'fail')),
    notes TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES people (id),
    recorded_at TEXT,
    created_at TEXT NOT NULL,
    CHECK ((outcome IS NULL) = (recorded_at IS NULL))
);
CREATE INDEX site_visits_by_project ON site_visits (project_id, scheduled_for);
CREATE INDEX site_visits_due ON site_visits (scheduled_for, officer_id);

CREATE TABLE site_visit_checks (
    visit_id INTEGER NOT NULL REFERENCES site_visits (id) ON DELETE CASCADE,
    check_key TEXT NOT NULL,
    PRIMARY KEY (visit_id, check_key)
);

CREATE TABLE site_visit_photos (
    visit_id INTEGER NOT NULL REFERENCES site_visits (id) ON DELETE CASCADE,
    document_id INTEGER NOT NULL REFERENCES project_documents (id) ON DELETE CASCADE,
    PRIMARY KEY (visit_id, document_id)
);

CREATE TABLE project_liabilities (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    liability TEXT NOT NULL CHECK (liability IN ('public_liability', 'employers_liability',
        'property_damage', 'food_safety', 'safeguarding', 'financial_probity')),
    party TEXT CHECK (party IS NULL OR party IN ('landowner', 'council', 'fund_holder',
        'delivery_group', 'venue', 'supplier')),
    holder TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    document_id INTEGER REFERENCES project_documents (id) ON DELETE SET NULL,
    not_applicable TEXT NOT NULL DEFAULT '',
    updated_by INTEGER REFERENCES people (id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (project_id, liability)
);
