-- PostgreSQL's ledger checks moved from row to statement triggers here;
-- SQLite keeps its row triggers, which cost little there.
SELECT 1;
