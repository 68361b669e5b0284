-- A fund holder's public ledger is read newest first, a page at a time:
-- this keeps each page a short index walk however many fund holders share
-- the ledger.
CREATE INDEX ledger_transactions_by_fund_holder ON ledger_transactions (fund_holder_id, id);
