-- Balances were kept by a row trigger, one UPDATE of the account per
-- posting. PostgreSQL slows with every update of the same row inside one
-- transaction, so a bulk write (the demo's 300,000 postings, most of them
-- to a few payables and bank accounts) crawled. The check that refuses a
-- posting for a transaction already recorded stays per row; the balances
-- are now added once per statement, summed per account. A single posting
-- behaves as before. SQLite keeps its row trigger, which does not slow.
CREATE OR REPLACE FUNCTION ledger_posting_arrives() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_transactions WHERE id = NEW.transaction_id) THEN
        RAISE EXCEPTION 'a posting cannot join a transaction already recorded: record a new transaction';
    END IF;
    RETURN NEW;
END;
$$;

CREATE FUNCTION ledger_postings_add_to_balances() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ledger_accounts a SET balance_pence = a.balance_pence + s.total
    FROM (SELECT account_id, SUM(amount_pence) AS total FROM arrived GROUP BY account_id) s
    WHERE a.id = s.account_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER ledger_postings_balances AFTER INSERT ON ledger_postings
    REFERENCING NEW TABLE AS arrived
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_add_to_balances();
