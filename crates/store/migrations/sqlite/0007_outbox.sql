-- The notification outbox, and password reset links.
--
-- Messages are written to the outbox in the transaction of the change that
-- causes them (a reset link is stored and its email queued together), and a
-- background worker delivers them. A message that could not be delivered is
-- tried again later; next_attempt_at is NULL once it is sent or given up.

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    -- What the message is for, e.g. password_reset: for reports and retention.
    kind TEXT NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT NULL,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error TEXT NULL,
    next_attempt_at TEXT NULL
);
-- The worker's question: what is due now?
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_by_address ON outbox (to_address, id);

CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    -- SHA-256 of the link's secret: a copy of this table resets nothing.
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT NULL
);
CREATE INDEX password_resets_by_person ON password_resets (person_id);

-- Every request for a link, whether or not an account has the address, so
-- that throttling says the same for both.
CREATE TABLE password_reset_requests (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    address TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX password_reset_requests_by_email ON password_reset_requests (email, at);
CREATE INDEX password_reset_requests_by_address ON password_reset_requests (address, at);
