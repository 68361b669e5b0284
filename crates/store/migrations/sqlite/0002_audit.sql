-- The audit log: one row per change, each holding the hash of the row before
-- (see coproduce-core's audit module for the rule and the hash's encoding).
--
-- seq is given by the writer (the tail's seq + 1, under the write lock), never
-- drawn from a counter, so a rolled-back change leaves no gap. As INTEGER
-- PRIMARY KEY it is SQLite's rowid: the rows are stored in chain order.
-- actor_id names a person by id only and has no foreign key, so that erasing
-- a person never reaches into the log.

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id BIGINT,
    via TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    summary TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_by_object ON audit_log (object_type, object_id, seq);

-- Append-only: the product never changes or removes an entry, and the
-- database refuses to. (Someone who can drop these triggers can still tamper;
-- `coproduce audit verify` is what finds that.)
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: its entries are never changed');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: its entries are never removed');
END;
