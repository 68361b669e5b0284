//! Expenses and their approvals in the database.
