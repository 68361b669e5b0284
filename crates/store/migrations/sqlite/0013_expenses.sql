-- Budgets, expenses and their approvals. Each fund holder sets how many
-- of its people must approve an expense, more above a threshold, and above
-- what amount a receipt is required.

ALTER TABLE fund_holders ADD COLUMN approvals_required INTEGER NOT NULL DEFAULT 1 CHECK (approvals_required BETWEEN 1 AND 5);
ALTER TABLE fund_holders ADD COLUMN approval_threshold_pence INTEGER NOT NULL DEFAULT 50000 CHECK (approval_threshold_pence >= 0);
ALTER TABLE fund_holders ADD COLUMN approvals_above_threshold INTEGER NOT NULL DEFAULT 2 CHECK (approvals_above_threshold BETWEEN 1 AND 5);
ALTER TABLE fund_holders ADD COLUMN receipt_threshold_pence INTEGER NOT NULL DEFAULT 2000 CHECK (receipt_threshold_pence >= 0);
-- Registered numbers give 360Giving its organisation identifiers.
ALTER TABLE fund_holders ADD COLUMN charity_number TEXT NOT NULL DEFAULT '';
ALTER TABLE fund_holders ADD COLUMN company_number TEXT NOT NULL DEFAULT '';

-- The bank's reference for money received, for reconciliation.
ALTER TABLE grant_receipts ADD COLUMN reference TEXT NOT NULL DEFAULT '';

CREATE TABLE budget_lines (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    category TEXT NOT NULL CHECK (category IN ('equipment', 'materials', 'venue', 'food', 'insurance',
        'training', 'publicity', 'travel', 'volunteer_expenses', 'fees', 'childcare', 'other')),
    description TEXT NOT NULL DEFAULT '',
    planned_pence INTEGER NOT NULL CHECK (planned_pence >= 0),
    created_at TEXT NOT NULL
);
CREATE INDEX budget_lines_by_project ON budget_lines (project_id, id);

-- Every change of a line's planned amount once funding is agreed, with the
-- treasurer's reason.
CREATE TABLE budget_changes (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL REFERENCES budget_lines (id) ON DELETE CASCADE,
    from_pence INTEGER NOT NULL,
    to_pence INTEGER NOT NULL,
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    changed_by INTEGER REFERENCES people (id),
    changed_at TEXT NOT NULL
);
CREATE INDEX budget_changes_by_line ON budget_changes (line_id, id);

CREATE TABLE expenses (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    line_id INTEGER NOT NULL REFERENCES budget_lines (id),
    submitted_by INTEGER REFERENCES people (id),
    amount_pence INTEGER NOT NULL CHECK (amount_pence > 0),
    payee TEXT NOT NULL CHECK (length(trim(payee)) > 0),
    -- Payments to private individuals are published without their name.
    payee_kind TEXT NOT NULL CHECK (payee_kind IN ('organisation', 'individual')),
    description TEXT NOT NULL,
    spent_on TEXT NOT NULL,
    receipt_document_id INTEGER REFERENCES project_documents (id) ON DELETE SET NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'rejected', 'paid', 'reversed')),
    submitted_at TEXT,
    rejected_reason TEXT NOT NULL DEFAULT '',
    rejected_by INTEGER REFERENCES people (id),
    -- Dr the project's budget, Cr payables: the money is committed.
    committed_transaction_id INTEGER UNIQUE REFERENCES ledger_transactions (id),
    -- Dr payables, Cr bank: the money has left.
    paid_transaction_id INTEGER UNIQUE REFERENCES ledger_transactions (id),
    paid_on TEXT,
    payment_method TEXT CHECK (payment_method IS NULL OR payment_method IN ('bank_transfer', 'cheque', 'card', 'cash')),
    payment_reference TEXT NOT NULL DEFAULT '',
    paid_by INTEGER REFERENCES people (id),
    reversed_reason TEXT NOT NULL DEFAULT '',
    reversed_by INTEGER REFERENCES people (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (state <> 'rejected' OR length(trim(rejected_reason)) > 0),
    CHECK (state <> 'reversed' OR length(trim(reversed_reason)) > 0),
    CHECK ((state IN ('approved', 'paid', 'reversed')) = (committed_transaction_id IS NOT NULL)),
    CHECK ((state = 'paid' OR (state = 'reversed' AND paid_on IS NOT NULL)) = (paid_transaction_id IS NOT NULL)),
    -- Whoever pays is not whoever asked for the money.
    CHECK (paid_by IS NULL OR submitted_by IS NULL OR paid_by <> submitted_by)
);
CREATE INDEX expenses_by_project ON expenses (project_id, id);
CREATE INDEX expenses_by_state ON expenses (state, project_id);
CREATE INDEX expenses_by_line ON expenses (line_id, state);

-- One row per approval. The key makes every approver of an expense a
-- different person; core and the trigger below keep the submitter out.
CREATE TABLE expense_approvals (
    expense_id INTEGER NOT NULL REFERENCES expenses (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id),
    step TEXT NOT NULL CHECK (step IN ('project', 'fund_holder')),
    note TEXT NOT NULL DEFAULT '',
    approved_at TEXT NOT NULL,
    PRIMARY KEY (expense_id, person_id)
);

CREATE TRIGGER expense_approvals_not_by_submitter BEFORE INSERT ON expense_approvals
WHEN NEW.person_id = (SELECT submitted_by FROM expenses WHERE id = NEW.expense_id)
BEGIN
    SELECT RAISE(ABORT, 'an expense cannot be approved by the person who submitted it');
END;

-- Replacing the demo's data is the one time the ledger is emptied: it puts
-- a row here, in the same transaction, for as long as it deletes. Nothing
-- else writes this table.
CREATE TABLE ledger_wipe (
    started_at TEXT NOT NULL
);

DROP TRIGGER ledger_postings_no_delete;
DROP TRIGGER ledger_transactions_no_delete;
CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
WHEN NOT EXISTS (SELECT 1 FROM ledger_wipe)
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: correct a transaction by reversing it');
END;
CREATE TRIGGER ledger_transactions_no_delete BEFORE DELETE ON ledger_transactions
WHEN NOT EXISTS (SELECT 1 FROM ledger_wipe)
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: correct a transaction by reversing it');
END;
