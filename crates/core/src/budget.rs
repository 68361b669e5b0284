//! Budgets: lines per project, what is committed and spent on each, and
//! who may change them.
