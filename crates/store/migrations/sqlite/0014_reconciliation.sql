-- Bank statements imported by a treasurer and matched with the ledger's
-- movements through the fund holder's bank account. Everything here belongs
-- to a fund holder and goes with it (the demo's data is replaced that way).

-- How a bank lays out its CSV export, chosen once per fund holder and bank.
-- Columns are counted from 0; money is one signed column or two.
CREATE TABLE bank_mappings (
    id INTEGER PRIMARY KEY,
    fund_holder_id INTEGER NOT NULL REFERENCES fund_holders (id) ON DELETE CASCADE,
    bank TEXT NOT NULL CHECK (length(trim(bank)) > 0),
    -- The bank's name as a key: the same bank however it is capitalised.
    bank_key TEXT NOT NULL,
    skip_rows INTEGER NOT NULL CHECK (skip_rows >= 0),
    date_column INTEGER NOT NULL CHECK (date_column >= 0),
    date_format TEXT NOT NULL CHECK (date_format IN ('dmy', 'ymd', 'd_mon_y')),
    amount_column INTEGER CHECK (amount_column >= 0),
    paid_in_column INTEGER CHECK (paid_in_column >= 0),
    paid_out_column INTEGER CHECK (paid_out_column >= 0),
    description_column INTEGER NOT NULL CHECK (description_column >= 0),
    reference_column INTEGER CHECK (reference_column >= 0),
    updated_by INTEGER REFERENCES people (id),
    updated_at TEXT NOT NULL,
    UNIQUE (fund_holder_id, bank_key),
    CHECK ((amount_column IS NOT NULL AND paid_in_column IS NULL AND paid_out_column IS NULL)
        OR (amount_column IS NULL AND paid_in_column IS NOT NULL AND paid_out_column IS NOT NULL))
);

-- A file uploaded and waiting for its columns to be chosen. It holds
-- payees' names, so it is kept only until it is imported, and a day at most.
CREATE TABLE bank_statement_uploads (
    id INTEGER PRIMARY KEY,
    fund_holder_id INTEGER NOT NULL REFERENCES fund_holders (id) ON DELETE CASCADE,
    bank TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content TEXT NOT NULL,
    uploaded_by INTEGER REFERENCES people (id),
    uploaded_at TEXT NOT NULL
);
CREATE INDEX bank_statement_uploads_by_fund_holder ON bank_statement_uploads (fund_holder_id, uploaded_at);

-- Each import. The same file twice is refused by its hash; lines already
-- imported from an overlapping statement are left out by their key.
CREATE TABLE bank_statements (
    id INTEGER PRIMARY KEY,
    fund_holder_id INTEGER NOT NULL REFERENCES fund_holders (id) ON DELETE CASCADE,
    bank TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    first_on TEXT NOT NULL,
    last_on TEXT NOT NULL,
    lines_in_file INTEGER NOT NULL CHECK (lines_in_file > 0),
    lines_added INTEGER NOT NULL CHECK (lines_added >= 0),
    imported_by INTEGER REFERENCES people (id),
    imported_at TEXT NOT NULL,
    UNIQUE (fund_holder_id, file_sha256),
    CHECK (first_on <= last_on)
);

-- One transaction on the statement: money in positive. A line is open,
-- matched (a row in bank_matches) or resolved with the treasurer's note.
CREATE TABLE bank_statement_lines (
    id INTEGER PRIMARY KEY,
    statement_id INTEGER NOT NULL REFERENCES bank_statements (id) ON DELETE CASCADE,
    fund_holder_id INTEGER NOT NULL REFERENCES fund_holders (id) ON DELETE CASCADE,
    line_number INTEGER NOT NULL,
    happened_on TEXT NOT NULL,
    amount_pence INTEGER NOT NULL CHECK (amount_pence <> 0),
    description TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    line_key TEXT NOT NULL,
    resolution TEXT CHECK (resolution IS NULL OR length(trim(resolution)) > 0),
    resolved_by INTEGER REFERENCES people (id),
    resolved_at TEXT,
    UNIQUE (fund_holder_id, line_key)
);
CREATE INDEX bank_statement_lines_by_date ON bank_statement_lines (fund_holder_id, happened_on);
CREATE INDEX bank_statement_lines_by_statement ON bank_statement_lines (statement_id);

-- A line confirmed as a ledger transaction's movement through the bank.
-- One to one: a line has one match and a transaction is matched once.
CREATE TABLE bank_matches (
    line_id INTEGER PRIMARY KEY REFERENCES bank_statement_lines (id) ON DELETE CASCADE,
    transaction_id INTEGER NOT NULL UNIQUE REFERENCES ledger_transactions (id) ON DELETE CASCADE,
    matched_by INTEGER REFERENCES people (id),
    matched_at TEXT NOT NULL
);

-- A line is matched or resolved, never both.
CREATE TRIGGER bank_matches_not_resolved BEFORE INSERT ON bank_matches
WHEN (SELECT resolution FROM bank_statement_lines WHERE id = NEW.line_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'this statement line is resolved with a note: reopen it before matching it');
END;
CREATE TRIGGER bank_statement_lines_resolved_not_matched BEFORE UPDATE OF resolution ON bank_statement_lines
WHEN NEW.resolution IS NOT NULL AND EXISTS (SELECT 1 FROM bank_matches WHERE line_id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'this statement line is matched: unmatch it before resolving it');
END;
