//! Bank statements imported by a treasurer and matched with the ledger.
