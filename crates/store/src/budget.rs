//! Budgets in the database.
