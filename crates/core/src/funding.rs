//! Fund holding: the fee a fund holder takes on each grant, and the
//! transactions that move a project's money. Every movement is a balanced
//! ledger transaction built here, once, whichever door asks for it.

use serde::Serialize;

use crate::ledger::{Posting, Transaction};
use crate::money::Pence;
use crate::Invalid;

/// How a fund holder charges for holding a project's money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeePolicy {
    /// A share of each grant in basis points (hundredths of a per cent),
    /// with an optional floor and ceiling.
    Percent {
        basis_points: u32,
        minimum: Option<Pence>,
        cap: Option<Pence>,
    },
    /// The same amount on every grant.
    Fixed { amount: Pence },
}

impl FeePolicy {
    /// Checks a policy as a fund holder would set it.
    pub fn percent(
        basis_points: u32,
        minimum: Option<Pence>,
        cap: Option<Pence>,
    ) -> Result<Self, Invalid> {
        if basis_points > 5_000 {
            return Err(Invalid::new(
                "fee_percent",
                "A fee of more than 50% of a grant is not fund holding: check the percentage",
            ));
        }
        if minimum.is_some_and(|m| m.get() < 0) || cap.is_some_and(|c| c.get() < 0) {
            return Err(Invalid::new(
                "fee_minimum",
                "A minimum or cap cannot be negative",
            ));
        }
        if let (Some(m), Some(c)) = (minimum, cap) {
            if m > c {
                return Err(Invalid::new(
                    "fee_cap",
                    format!("The cap ({c}) is below the minimum ({m}): raise the cap or lower the minimum"),
                ));
            }
        }
        Ok(FeePolicy::Percent {
            basis_points,
            minimum,
            cap,
        })
    }

    /// The fee on a grant. A percentage is rounded to the nearest penny,
    /// halves up; the minimum and cap then apply; a fee never exceeds the
    /// grant itself.
    pub fn fee_on(self, grant: Pence) -> Result<Pence, Invalid> {
        if grant.get() <= 0 {
            return Err(Invalid::new(
                "amount",
                "A grant received must be more than nothing",
            ));
        }
        let fee = match self {
            FeePolicy::Fixed { amount } => amount.get(),
            FeePolicy::Percent {
                basis_points,
                minimum,
                cap,
            } => {
                // i128: a grant times 5,000 cannot overflow it.
                let exact = i128::from(grant.get()) * i128::from(basis_points);
                let rounded = ((exact + 5_000) / 10_000) as i64;
                let floored = minimum.map_or(rounded, |m| rounded.max(m.get()));
                cap.map_or(floored, |c| floored.min(c.get()))
            }
        };
        Ok(Pence::new(fee.clamp(0, grant.get())))
    }
}

/// A funding agreement as typed into its form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AgreementForm {
    #[serde(default)]
    pub funder: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    #[serde(default)]
    pub conditions: String,
}

/// What a funder agreed to give a project, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agreement {
    pub funder: String,
    pub amount: Pence,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: Option<chrono::NaiveDate>,
    pub conditions: String,
}

impl Agreement {
    pub fn parse(form: &AgreementForm) -> Result<Self, Vec<Invalid>> {
        use crate::projects::details::parse_date;
        let mut errors = Vec::new();
        let funder = form.funder.split_whitespace().collect::<Vec<_>>().join(" ");
        if funder.chars().count() < 2 {
            errors.push(Invalid::new(
                "funder",
                "Name the funder, like Lambeth Council",
            ));
        } else if funder.chars().count() > 200 {
            errors.push(Invalid::new(
                "funder",
                "Write the funder's name in 200 characters or fewer",
            ));
        }
        let amount = match Pence::parse(&form.amount) {
            Ok(a) if a.get() > 0 => Some(a),
            Ok(_) => {
                errors.push(Invalid::new(
                    "amount",
                    "The amount agreed must be more than nothing",
                ));
                None
            }
            Err(e) => {
                errors.push(Invalid::new("amount", e.message));
                None
            }
        };
        let starts_on = match parse_date("starts_on", &form.starts_on, "The start date") {
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                errors.push(Invalid::new(
                    "starts_on",
                    "Enter the date the agreement starts",
                ));
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let ends_on = parse_date("ends_on", &form.ends_on, "The end date")
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        if let (Some(s), Some(e)) = (starts_on, ends_on) {
            if e < s {
                errors.push(Invalid::new(
                    "ends_on",
                    "The agreement cannot end before it starts",
                ));
            }
        }
        let conditions = form.conditions.trim().replace("\r\n", "\n");
        if conditions.chars().count() > 4000 {
            errors.push(Invalid::new(
                "conditions",
                "Write the conditions in 4,000 characters or fewer",
            ));
        }
        match (amount, starts_on) {
            (Some(amount), Some(starts_on)) if errors.is_empty() => Ok(Agreement {
                funder,
                amount,
                starts_on,
                ends_on,
                conditions,
            }),
            _ => Err(errors),
        }
    }
}

/// The accounts one movement touches, by whatever the store calls them.
#[derive(Debug, Clone, Copy)]
pub struct Accounts<A> {
    pub bank: A,
    pub budget: A,
    pub fee_income: A,
    pub payables: A,
}

/// A grant arrives in the bank: the project's budget gets it less the
/// fee, and the fee is the fund holder's income, in one transaction.
pub fn grant_received<A: Copy + Eq + std::hash::Hash>(
    a: &Accounts<A>,
    amount: Pence,
    policy: FeePolicy,
) -> Result<Transaction<A>, Invalid> {
    let fee = policy.fee_on(amount)?;
    let mut postings = vec![
        Posting {
            account: a.bank,
            amount,
        },
        Posting {
            account: a.budget,
            amount: Pence::new(-(amount.get() - fee.get())),
        },
    ];
    if fee != Pence::ZERO {
        postings.push(Posting {
            account: a.fee_income,
            amount: Pence::new(-fee.get()),
        });
    }
    // A fee of the whole grant leaves the budget nothing: drop that line.
    postings.retain(|p| p.amount != Pence::ZERO);
    Transaction::new(postings)
}

/// An expense approved: the project's budget is committed to it, and the
/// payee is owed.
pub fn expense_approved<A: Copy + Eq + std::hash::Hash>(
    a: &Accounts<A>,
    amount: Pence,
) -> Result<Transaction<A>, Invalid> {
    positive(amount)?;
    Transaction::new(vec![
        Posting {
            account: a.budget,
            amount,
        },
        Posting {
            account: a.payables,
            amount: Pence::new(-amount.get()),
        },
    ])
}

/// An approved expense paid from the bank.
pub fn expense_paid<A: Copy + Eq + std::hash::Hash>(
    a: &Accounts<A>,
    amount: Pence,
) -> Result<Transaction<A>, Invalid> {
    positive(amount)?;
    Transaction::new(vec![
        Posting {
            account: a.payables,
            amount,
        },
        Posting {
            account: a.bank,
            amount: Pence::new(-amount.get()),
        },
    ])
}

fn positive(amount: Pence) -> Result<(), Invalid> {
    if amount.get() > 0 {
        Ok(())
    } else {
        Err(Invalid::new(
            "amount",
            "An expense must be more than nothing",
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;
    use crate::ledger::Balances;

    fn gbp(pounds: i64) -> Pence {
        Pence::new(pounds * 100)
    }

    #[test]
    fn a_percentage_rounds_half_up_then_meets_its_floor_and_cap() {
        let five = FeePolicy::percent(500, Some(gbp(50)), Some(gbp(500))).unwrap();
        assert_eq!(five.fee_on(gbp(2_000)).unwrap(), gbp(100));
        assert_eq!(five.fee_on(gbp(200)).unwrap(), gbp(50), "the minimum");
        assert_eq!(five.fee_on(gbp(50_000)).unwrap(), gbp(500), "the cap");
        let odd = FeePolicy::percent(750, None, None).unwrap();
        // 7.5% of £10.10 is 75.75p: 76p.
        assert_eq!(odd.fee_on(Pence::new(1_010)).unwrap(), Pence::new(76));
        assert_eq!(odd.fee_on(Pence::new(1_002)).unwrap(), Pence::new(75));
        let fixed = FeePolicy::Fixed { amount: gbp(40) };
        assert_eq!(
            fixed.fee_on(gbp(30)).unwrap(),
            gbp(30),
            "never more than the grant"
        );
        assert!(FeePolicy::percent(6_000, None, None).is_err());
        assert!(FeePolicy::percent(500, Some(gbp(10)), Some(gbp(5))).is_err());
        assert!(five.fee_on(Pence::ZERO).is_err());
    }

    #[test]
    fn an_agreement_lists_every_mistake_at_once() {
        let bad = AgreementForm {
            funder: "x".into(),
            amount: "-5".into(),
            starts_on: "2027-04-01".into(),
            ends_on: "2027-03-01".into(),
            conditions: String::new(),
        };
        let fields: Vec<&str> = Agreement::parse(&bad)
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["funder", "amount", "ends_on"]);
        let ok = Agreement::parse(&AgreementForm {
            funder: " Lambeth   Council ".into(),
            amount: "£12,500".into(),
            starts_on: "2027-04-01".into(),
            ..AgreementForm::default()
        })
        .unwrap();
        assert_eq!(ok.funder, "Lambeth Council");
        assert_eq!(ok.amount, Pence::new(1_250_000));
    }

    #[test]
    fn a_grant_splits_between_the_budget_and_the_fee_in_one_transaction() {
        let a = Accounts {
            bank: 1,
            budget: 2,
            fee_income: 3,
            payables: 4,
        };
        let policy = FeePolicy::percent(500, None, None).unwrap();
        let t = grant_received(&a, gbp(1_000), policy).unwrap();
        let mut b = Balances::new();
        b.apply(&t).unwrap();
        assert_eq!(b.of(1), gbp(1_000));
        assert_eq!(b.of(2), gbp(-950));
        assert_eq!(b.of(3), gbp(-50));
    }

    /// What a fund holder may do, as a property test drives it.
    #[derive(Debug, Clone)]
    enum Op {
        Grant { project: usize, pence: i64 },
        Approve { project: usize, pence: i64 },
        Pay { project: usize, pence: i64 },
        Reverse { which: usize },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..4usize, 1..5_000_000i64).prop_map(|(project, pence)| Op::Grant { project, pence }),
            (0..4usize, 1..2_000_000i64)
                .prop_map(|(project, pence)| Op::Approve { project, pence }),
            (0..4usize, 1..2_000_000i64).prop_map(|(project, pence)| Op::Pay { project, pence }),
            (0..64usize).prop_map(|which| Op::Reverse { which }),
        ]
    }

    // Account numbers: 0 bank, 1 fee income, 2 payables, 10 + n project n.
    const BANK: u32 = 0;
    const FEES: u32 = 1;
    const PAYABLES: u32 = 2;

    proptest! {
        #[test]
        fn any_sequence_of_operations_keeps_the_books_balanced(
            ops in proptest::collection::vec(op(), 1..80),
            basis_points in 0u32..2_000,
            minimum in proptest::option::of(0i64..10_000),
        ) {
            let policy = FeePolicy::percent(basis_points, minimum.map(Pence::new), None).unwrap();
            let mut balances = Balances::new();
            let mut journal: Vec<Transaction<u32>> = Vec::new();
            let mut reversed = std::collections::HashSet::new();
            for op in ops {
                let accounts = |project: usize| Accounts {
                    bank: BANK,
                    budget: 10 + project as u32,
                    fee_income: FEES,
                    payables: PAYABLES,
                };
                let t = match op {
                    Op::Grant { project, pence } => grant_received(&accounts(project), Pence::new(pence), policy),
                    Op::Approve { project, pence } => expense_approved(&accounts(project), Pence::new(pence)),
                    Op::Pay { project, pence } => expense_paid(&accounts(project), Pence::new(pence)),
                    Op::Reverse { which } => {
                        // Only an original that has not been reversed already.
                        match journal.get(which) {
                            Some(t) if t.reverses().is_none() && reversed.insert(which) => Ok(t.reversal(which as i64)),
                            _ => continue,
                        }
                    }
                };
                let t = t.unwrap();
                let sum: i64 = t.postings().iter().map(|p| p.amount.get()).sum();
                prop_assert_eq!(sum, 0);
                balances.apply(&t).unwrap();
                journal.push(t);
            }
            // Every stored balance is the sum of its postings.
            let mut summed: HashMap<u32, i64> = HashMap::new();
            for t in &journal {
                for p in t.postings() {
                    *summed.entry(p.account).or_default() += p.amount.get();
                }
            }
            for (account, total) in &summed {
                prop_assert_eq!(balances.of(*account).get(), *total);
            }
            // The bank holds exactly what is owed: the projects' budgets, the
            // fee income and what is approved but unpaid.
            let owed: i64 = summed
                .iter()
                .filter(|(a, _)| **a != BANK)
                .map(|(_, v)| -v)
                .sum();
            prop_assert_eq!(balances.of(BANK).get(), owed);
        }
    }
}
