//! Matching bank statement lines with the ledger's bank movements.
