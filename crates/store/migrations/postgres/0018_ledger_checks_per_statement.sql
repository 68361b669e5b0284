-- The ledger's two remaining row triggers become statement triggers, as the
-- balances did in 0016: a bulk write of 500 postings or transactions ran
-- 500 PL/pgSQL calls and 500 lookups; now it runs one call and one join.
-- What they refuse is unchanged, and a single row behaves as before.

-- A posting may not join a transaction already recorded.
DROP TRIGGER ledger_postings_arrive ON ledger_postings;
DROP FUNCTION ledger_posting_arrives();
CREATE FUNCTION ledger_postings_arrive() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM arrived a JOIN ledger_transactions t ON t.id = a.transaction_id) THEN
        RAISE EXCEPTION 'a posting cannot join a transaction already recorded: record a new transaction';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER ledger_postings_arrive AFTER INSERT ON ledger_postings
    REFERENCING NEW TABLE AS arrived
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_arrive();

-- A transaction must close at least two postings that sum to zero.
DROP TRIGGER ledger_transactions_balance ON ledger_transactions;
DROP FUNCTION ledger_transaction_balances();
CREATE FUNCTION ledger_transactions_balance() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1
        FROM arrived t LEFT JOIN ledger_postings p ON p.transaction_id = t.id
        GROUP BY t.id
        HAVING COUNT(p.transaction_id) < 2 OR COALESCE(SUM(p.amount_pence), 0) <> 0
    ) THEN
        RAISE EXCEPTION 'the transaction does not balance: its postings must sum to zero';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER ledger_transactions_balance AFTER INSERT ON ledger_transactions
    REFERENCING NEW TABLE AS arrived
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_transactions_balance();
