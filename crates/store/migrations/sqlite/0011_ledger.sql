-- The fund holders' double-entry ledger. A transaction's postings are
-- written first and its row last; the row's trigger refuses it unless the
-- postings sum to zero, no posting may join a transaction once its row
-- exists, and a deferred foreign key refuses at commit any posting whose
-- transaction row never came. So whatever writes, and however, only
-- balanced transactions are ever committed. Balances are kept on the
-- account by trigger as postings arrive, so reading one is a single row.

CREATE TABLE ledger_accounts (
    id INTEGER PRIMARY KEY,
    fund_holder_id INTEGER NOT NULL REFERENCES fund_holders (id),
    kind TEXT NOT NULL CHECK (kind IN ('bank', 'funder_receivable', 'project_budget', 'fee_income', 'payables')),
    project_id INTEGER REFERENCES projects (id),
    name TEXT NOT NULL,
    -- Debit positive, credit negative, as the postings.
    balance_pence INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    CHECK ((kind = 'project_budget') = (project_id IS NOT NULL))
);
CREATE UNIQUE INDEX ledger_accounts_one_of_each ON ledger_accounts (fund_holder_id, kind, COALESCE(project_id, 0));

CREATE TABLE ledger_transactions (
    id INTEGER PRIMARY KEY,
    fund_holder_id INTEGER NOT NULL REFERENCES fund_holders (id),
    happened_on TEXT NOT NULL,
    description TEXT NOT NULL,
    -- A correction names what it reverses, and nothing is reversed twice.
    reverses INTEGER UNIQUE REFERENCES ledger_transactions (id),
    recorded_by INTEGER REFERENCES people (id),
    recorded_at TEXT NOT NULL
);

CREATE TABLE ledger_postings (
    id INTEGER PRIMARY KEY,
    transaction_id INTEGER NOT NULL REFERENCES ledger_transactions (id) DEFERRABLE INITIALLY DEFERRED,
    account_id INTEGER NOT NULL REFERENCES ledger_accounts (id),
    amount_pence INTEGER NOT NULL CHECK (amount_pence <> 0)
);
CREATE INDEX ledger_postings_by_transaction ON ledger_postings (transaction_id);
CREATE INDEX ledger_postings_by_account ON ledger_postings (account_id, id);

CREATE TRIGGER ledger_postings_before_their_transaction BEFORE INSERT ON ledger_postings
WHEN EXISTS (SELECT 1 FROM ledger_transactions WHERE id = NEW.transaction_id)
BEGIN
    SELECT RAISE(ABORT, 'a posting cannot join a transaction already recorded: record a new transaction');
END;

CREATE TRIGGER ledger_postings_keep_balances AFTER INSERT ON ledger_postings
BEGIN
    UPDATE ledger_accounts SET balance_pence = balance_pence + NEW.amount_pence WHERE id = NEW.account_id;
END;

CREATE TRIGGER ledger_transactions_balance AFTER INSERT ON ledger_transactions
WHEN (SELECT COUNT(*) FROM ledger_postings WHERE transaction_id = NEW.id) < 2
  OR (SELECT SUM(amount_pence) FROM ledger_postings WHERE transaction_id = NEW.id) <> 0
BEGIN
    SELECT RAISE(ABORT, 'the transaction does not balance: its postings must sum to zero');
END;

CREATE TRIGGER ledger_postings_no_update BEFORE UPDATE ON ledger_postings
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: correct a transaction by reversing it');
END;
CREATE TRIGGER ledger_postings_no_delete BEFORE DELETE ON ledger_postings
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: correct a transaction by reversing it');
END;
CREATE TRIGGER ledger_transactions_no_update BEFORE UPDATE ON ledger_transactions
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: correct a transaction by reversing it');
END;
CREATE TRIGGER ledger_transactions_no_delete BEFORE DELETE ON ledger_transactions
BEGIN
    SELECT RAISE(ABORT, 'the ledger is append-only: correct a transaction by reversing it');
END;
