-- Fund holders' fee policies and the funding agreements behind each
-- project's money.

-- A percentage in basis points with an optional minimum and cap, or a
-- fixed amount per grant; a new fund holder charges nothing until set.
ALTER TABLE fund_holders ADD COLUMN fee_kind TEXT NOT NULL DEFAULT 'percent' CHECK (fee_kind IN ('percent', 'fixed'));
ALTER TABLE fund_holders ADD COLUMN fee_basis_points INTEGER NOT NULL DEFAULT 0 CHECK (fee_basis_points BETWEEN 0 AND 5000);
ALTER TABLE fund_holders ADD COLUMN fee_minimum_pence INTEGER CHECK (fee_minimum_pence IS NULL OR fee_minimum_pence >= 0);
ALTER TABLE fund_holders ADD COLUMN fee_cap_pence INTEGER CHECK (fee_cap_pence IS NULL OR fee_cap_pence >= 0);
ALTER TABLE fund_holders ADD COLUMN fee_fixed_pence INTEGER CHECK (fee_fixed_pence IS NULL OR fee_fixed_pence >= 0);

CREATE TABLE funding_agreements (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    fund_holder_id INTEGER NOT NULL REFERENCES fund_holders (id),
    funder TEXT NOT NULL,
    amount_pence INTEGER NOT NULL CHECK (amount_pence > 0),
    starts_on TEXT NOT NULL,
    ends_on TEXT,
    conditions TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES people (id),
    created_at TEXT NOT NULL,
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX funding_agreements_by_project ON funding_agreements (project_id);

-- Each receipt of money under an agreement, and the ledger transaction
-- that posted it with its fee.
CREATE TABLE grant_receipts (
    id INTEGER PRIMARY KEY,
    agreement_id INTEGER NOT NULL REFERENCES funding_agreements (id),
    transaction_id INTEGER NOT NULL UNIQUE REFERENCES ledger_transactions (id),
    amount_pence INTEGER NOT NULL CHECK (amount_pence > 0),
    fee_pence INTEGER NOT NULL CHECK (fee_pence >= 0 AND fee_pence <= amount_pence),
    received_on TEXT NOT NULL
);
CREATE INDEX grant_receipts_by_agreement ON grant_receipts (agreement_id);
