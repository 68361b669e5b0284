//! The double-entry ledger engine, shared by fund holding (pounds and pence)
//! and, later, time credits. A transaction is a set of postings that sum to
//! zero: debits positive, credits negative. It is built only through
//! `Transaction::new`, which refuses anything unbalanced, so a transaction
//! that exists is a balanced one. The journal is append-only: a mistake is
//! put right by a reversing transaction that names what it reverses.
//! Balances are kept per account as postings are applied, so reading one
//! never means summing history.

use std::collections::HashMap;
use std::hash::Hash;

use serde::Serialize;

use crate::money::Pence;
use crate::Invalid;

/// The kinds of account a fund holder keeps. Each has a normal side: the
/// side its balance usually sits on, which is how a treasurer reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// Money in the bank: an asset.
    Bank,
    /// Grants promised by a funder and not yet received: an asset.
    FunderReceivable,
    /// What the fund holder holds for one project: owed to the project.
    ProjectBudget,
    /// The fund holder's administration fees: its income.
    FeeIncome,
    /// Approved expenses not yet paid: owed to payees.
    Payables,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Bank => "bank",
            AccountKind::FunderReceivable => "funder_receivable",
            AccountKind::ProjectBudget => "project_budget",
            AccountKind::FeeIncome => "fee_income",
            AccountKind::Payables => "payables",
        }
    }

    /// Whether the balance normally sits on the debit side.
    pub fn is_debit_normal(self) -> bool {
        matches!(self, AccountKind::Bank | AccountKind::FunderReceivable)
    }

    /// A stored (debit-positive) balance as a person reads it: positive when
    /// it sits on the account's normal side.
    pub fn as_read(self, stored: Pence) -> Pence {
        if self.is_debit_normal() {
            stored
        } else {
            Pence::new(-stored.get())
        }
    }
}

/// One line of a transaction: debit when positive, credit when negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Posting<A> {
    pub account: A,
    pub amount: Pence,
}

/// A balanced set of postings. Its fields are private: the only ways to
/// make one check the balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transaction<A> {
    postings: Vec<Posting<A>>,
    /// The transaction this one reverses, by its journal number.
    reverses: Option<i64>,
}

impl<A: Copy + Eq + Hash> Transaction<A> {
    /// Checks the postings: at least two, none of nothing, no account twice,
    /// and a sum of exactly zero without overflowing.
    pub fn new(postings: Vec<Posting<A>>) -> Result<Self, Invalid> {
        if postings.len() < 2 {
            return Err(Invalid::new(
                "postings",
                "A transaction needs at least two postings: money leaves one account and arrives in another",
            ));
        }
        if postings.iter().any(|p| p.amount == Pence::ZERO) {
            return Err(Invalid::new(
                "postings",
                "A posting of nothing records nothing: leave it out",
            ));
        }
        let mut seen = std::collections::HashSet::with_capacity(postings.len());
        if !postings.iter().all(|p| seen.insert(p.account)) {
            return Err(Invalid::new(
                "postings",
                "An account appears twice in one transaction: combine its postings into one",
            ));
        }
        let mut sum = Pence::ZERO;
        for p in &postings {
            sum = sum
                .checked_add(p.amount)
                .ok_or_else(|| Invalid::new("postings", "The amounts are too large to add up"))?;
        }
        if sum != Pence::ZERO {
            return Err(Invalid::new(
                "postings",
                format!(
                    "The postings do not balance: they are out by {sum}. Debits must equal credits"
                ),
            ));
        }
        Ok(Transaction {
            postings,
            reverses: None,
        })
    }

    pub fn postings(&self) -> &[Posting<A>] {
        &self.postings
    }

    pub fn reverses(&self) -> Option<i64> {
        self.reverses
    }

    /// The transaction that undoes this one, which is journal number
    /// `number`: every posting with its sign turned over.
    pub fn reversal(&self, number: i64) -> Self {
        Transaction {
            postings: self
                .postings
                .iter()
                .map(|p| Posting {
                    account: p.account,
                    amount: Pence::new(-p.amount.get()),
                })
                .collect(),
            reverses: Some(number),
        }
    }

    /// The total that moves: the sum of the debits.
    pub fn total(&self) -> Pence {
        Pence::new(
            self.postings
                .iter()
                .map(|p| p.amount.get())
                .filter(|a| *a > 0)
                .sum(),
        )
    }
}

/// Balances kept per account as transactions are applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Balances<A: Eq + Hash> {
    by_account: HashMap<A, Pence>,
}

impl<A: Copy + Eq + Hash> Balances<A> {
    pub fn new() -> Self {
        Balances {
            by_account: HashMap::new(),
        }
    }

    /// The stored (debit-positive) balance of an account; nothing if it has
    /// never been posted to.
    pub fn of(&self, account: A) -> Pence {
        self.by_account
            .get(&account)
            .copied()
            .unwrap_or(Pence::ZERO)
    }

    /// Applies a transaction, or changes nothing if a balance would
    /// overflow.
    pub fn apply(&mut self, t: &Transaction<A>) -> Result<(), Invalid> {
        let mut next = Vec::with_capacity(t.postings.len());
        for p in &t.postings {
            let b = self.of(p.account).checked_add(p.amount).ok_or_else(|| {
                Invalid::new(
                    "postings",
                    "An account's balance would be too large to hold",
                )
            })?;
            next.push((p.account, b));
        }
        self.by_account.extend(next);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(account: u8, pence: i64) -> Posting<u8> {
        Posting {
            account,
            amount: Pence::new(pence),
        }
    }

    #[test]
    fn only_balanced_transactions_exist() {
        assert!(Transaction::new(vec![p(1, 500), p(2, -500)]).is_ok());
        let out = Transaction::new(vec![p(1, 500), p(2, -499)]).unwrap_err();
        assert!(out.message.contains("out by £0.01"), "{out}");
        assert!(Transaction::new(vec![p(1, 0), p(2, 0)]).is_err());
        assert!(Transaction::new(vec![p(1, 500)]).is_err());
        assert!(Transaction::new(vec![p(1, 500), p(1, -500)]).is_err());
        assert!(Transaction::new(vec![p(1, i64::MAX), p(2, i64::MAX), p(3, -1)]).is_err());
    }

    #[test]
    fn a_reversal_undoes_a_transaction_and_names_it() {
        let t = Transaction::new(vec![p(1, 700), p(2, -500), p(3, -200)]).unwrap();
        let r = t.reversal(42);
        assert_eq!(r.reverses(), Some(42));
        assert_eq!(t.total(), Pence::new(700));
        let mut b = Balances::new();
        b.apply(&t).unwrap();
        b.apply(&r).unwrap();
        for a in [1, 2, 3] {
            assert_eq!(b.of(a), Pence::ZERO);
        }
    }

    #[test]
    fn credit_normal_accounts_read_the_right_way_up() {
        assert_eq!(
            AccountKind::FeeIncome.as_read(Pence::new(-300)),
            Pence::new(300)
        );
        assert_eq!(AccountKind::Bank.as_read(Pence::new(300)), Pence::new(300));
    }
}
