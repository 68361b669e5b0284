-- Every move of a project between stages: who, when, from where, and why.

CREATE TABLE project_stage_history (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    from_stage TEXT NOT NULL,
    to_stage TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    -- No foreign key: the history outlives an erased account, which keeps
    -- its id.
    by_person INTEGER,
    at TEXT NOT NULL
);
CREATE INDEX project_stage_history_by_project ON project_stage_history (project_id, id);
