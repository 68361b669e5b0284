-- The ledger's two remaining row triggers become statement triggers, as the
-- balances did in 0016: a bulk write of 500 postings or transactions ran
-- 500 PL/pgSQL calls; now it runs one, with the same index lookups.
-- What they refuse is unchanged, and a single row behaves as before.

-- A posting may not join a transaction already recorded.
DROP TRIGGER ledger_postings_arrive ON ledger_postings;
DROP FUNCTION ledger_posting_arrives();
CREATE FUNCTION ledger_postings_arrive() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- LATERAL with LIMIT keeps the planner to one index lookup per new
    -- row: it knows nothing of a transition table's size, and a hash join
    -- would read the whole table on every statement.
    IF EXISTS (
        SELECT 1 FROM arrived a
        CROSS JOIN LATERAL (
            SELECT 1 FROM ledger_transactions t WHERE t.id = a.transaction_id LIMIT 1
        ) found
    ) THEN
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
    -- Per new row, its own postings by index (see above).
    IF EXISTS (
        SELECT 1 FROM arrived t
        CROSS JOIN LATERAL (
            SELECT COUNT(*) AS n, COALESCE(SUM(p.amount_pence), 0) AS total
            FROM ledger_postings p WHERE p.transaction_id = t.id
        ) s
        WHERE s.n < 2 OR s.total <> 0
    ) THEN
        RAISE EXCEPTION 'the transaction does not balance: its postings must sum to zero';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER ledger_transactions_balance AFTER INSERT ON ledger_transactions
    REFERENCING NEW TABLE AS arrived
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_transactions_balance();

-- A bulk load (the demo) may add the balances up once at the end instead,
-- by turning this on for its own transaction only. It opens no new door:
-- whoever may insert postings may also write balances directly.
CREATE OR REPLACE FUNCTION ledger_postings_add_to_balances() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('coproduce.balances_added_later', true) = 'on' THEN
        RETURN NULL;
    END IF;
    UPDATE ledger_accounts a SET balance_pence = a.balance_pence + s.total
    FROM (SELECT account_id, SUM(amount_pence) AS total FROM arrived GROUP BY account_id) s
    WHERE a.id = s.account_id;
    RETURN NULL;
END;
$$;
