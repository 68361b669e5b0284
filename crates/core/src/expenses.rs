//! Expenses: the states they move through and who may approve, pay or
//! reverse one.
