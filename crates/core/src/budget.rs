//! Budgets: lines per project, what is committed and spent on each, and
//! who may change them.
//!
//! The agreed budget is the sum of the planned lines. Until a funding
//! agreement exists the project's owners plan it freely; once money is
//! agreed, the plan is what the funder agreed to, so only the fund holder's
//! treasurer changes a line, and always with a written reason.

use serde::Serialize;

use crate::money::Pence;
use crate::Invalid;

/// What a budget line is for. A fixed list, so that spending by category
/// adds up across projects and reads the same on every public page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Equipment,
    Materials,
    Venue,
    Food,
    Insurance,
    Training,
    Publicity,
    Travel,
    VolunteerExpenses,
    Fees,
    Childcare,
    Other,
}

impl Category {
    pub const ALL: [Category; 12] = [
        Category::Equipment,
        Category::Materials,
        Category::Venue,
        Category::Food,
        Category::Insurance,
        Category::Training,
        Category::Publicity,
        Category::Travel,
        Category::VolunteerExpenses,
        Category::Fees,
        Category::Childcare,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Equipment => "equipment",
            Category::Materials => "materials",
            Category::Venue => "venue",
            Category::Food => "food",
            Category::Insurance => "insurance",
            Category::Training => "training",
            Category::Publicity => "publicity",
            Category::Travel => "travel",
            Category::VolunteerExpenses => "volunteer_expenses",
            Category::Fees => "fees",
            Category::Childcare => "childcare",
            Category::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::Equipment => "Equipment",
            Category::Materials => "Materials",
            Category::Venue => "Venue hire",
            Category::Food => "Food and drink",
            Category::Insurance => "Insurance",
            Category::Training => "Training",
            Category::Publicity => "Publicity and printing",
            Category::Travel => "Travel",
            Category::VolunteerExpenses => "Volunteers' expenses",
            Category::Fees => "Fees and professional services",
            Category::Childcare => "Childcare (crèche)",
            Category::Other => "Other",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let wanted = input.trim();
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == wanted)
            .ok_or_else(|| {
                Invalid::new(
                    "category",
                    format!(
                        "'{wanted}' is not a budget category: choose one of {}",
                        Category::ALL.map(Category::as_str).join(", ")
                    ),
                )
            })
    }
}

/// A budget line as typed into the form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct LineForm {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub planned: String,
}

/// A budget line that may be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine {
    pub category: Category,
    pub description: String,
    pub planned: Pence,
}

/// Longest description of a line: a sentence, not a document.
pub const DESCRIPTION_MAX: usize = 300;

impl NewLine {
    pub fn parse(form: &LineForm) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let category = Category::parse(&form.category).map_err(|e| errors.push(e));
        let description = form.description.trim().to_owned();
        if description.chars().count() > DESCRIPTION_MAX {
            errors.push(Invalid::new(
                "description",
                format!("Shorten the description to {DESCRIPTION_MAX} characters or fewer"),
            ));
        }
        let planned = planned_amount(&form.planned).map_err(|e| errors.push(e));
        match (category, planned) {
            (Ok(category), Ok(planned)) if errors.is_empty() => Ok(NewLine {
                category,
                description,
                planned,
            }),
            _ => Err(errors),
        }
    }
}

/// A planned amount: zero or more, in pounds and pence.
pub fn planned_amount(input: &str) -> Result<Pence, Invalid> {
    if input.trim().is_empty() {
        return Err(Invalid::new(
            "planned",
            "Enter the planned amount, like 250.00",
        ));
    }
    let amount = Pence::parse(input).map_err(|e| Invalid::new("planned", e.message))?;
    if amount < Pence::ZERO {
        return Err(Invalid::new(
            "planned",
            "A planned amount cannot be negative",
        ));
    }
    Ok(amount)
}

/// A line with what has happened on it so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineState {
    pub id: i64,
    pub category: Category,
    pub description: String,
    pub planned: Pence,
    /// Approved and not yet paid.
    pub committed: Pence,
    pub spent: Pence,
}

impl LineState {
    /// Planned less committed and spent; negative once overspent.
    pub fn remaining(&self) -> Pence {
        Pence::new(self.planned.get() - self.committed.get() - self.spent.get())
    }

    pub fn is_overspent(&self) -> bool {
        self.remaining() < Pence::ZERO
    }
}

/// A project's whole budget.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Budget {
    pub lines: Vec<LineState>,
}

impl Budget {
    fn sum(&self, f: impl Fn(&LineState) -> Pence) -> Pence {
        Pence::new(self.lines.iter().map(|l| f(l).get()).sum())
    }

    /// The agreed budget.
    pub fn planned(&self) -> Pence {
        self.sum(|l| l.planned)
    }

    pub fn committed(&self) -> Pence {
        self.sum(|l| l.committed)
    }

    pub fn spent(&self) -> Pence {
        self.sum(|l| l.spent)
    }

    pub fn remaining(&self) -> Pence {
        Pence::new(self.planned().get() - self.committed().get() - self.spent().get())
    }

    pub fn line(&self, id: i64) -> Option<&LineState> {
        self.lines.iter().find(|l| l.id == id)
    }

    /// What committing `amount` to line `line` would do, given the money
    /// actually held for the project (received less fees less what is
    /// already committed or spent).
    pub fn check(&self, line: i64, amount: Pence, funds_available: Pence) -> Check {
        let mut warnings = Vec::new();
        if let Some(l) = self.line(line) {
            let after = l.remaining().get() - amount.get();
            if after < 0 {
                warnings.push(Warning::LineOver {
                    category: l.category,
                    by: Pence::new(-after),
                });
            }
        }
        let after = self.remaining().get() - amount.get();
        let budget_over = (after < 0).then(|| Pence::new(-after));
        if let Some(by) = budget_over {
            warnings.push(Warning::BudgetOver { by });
        }
        let short = amount.get() - funds_available.get();
        if short > 0 {
            warnings.push(Warning::FundsShort {
                short: Pence::new(short),
            });
        }
        Check {
            warnings,
            budget_over,
        }
    }
}

/// Something a person should know before committing money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    /// The line would be overspent; allowed while the whole budget holds.
    LineOver { category: Category, by: Pence },
    /// The whole agreed budget would be overspent: approval is refused.
    BudgetOver { by: Pence },
    /// The fund holder holds less for the project than this would commit:
    /// payment waits for the money to arrive.
    FundsShort { short: Pence },
}

impl Warning {
    pub fn message(&self) -> String {
        match self {
            Warning::LineOver { category, by } => format!(
                "This would overspend the {} line by {by}.",
                category.label().to_lowercase()
            ),
            Warning::BudgetOver { by } => format!(
                "This would take the project {by} past its agreed budget: the fund holder's treasurer must raise a line first, with a reason."
            ),
            Warning::FundsShort { short } => format!(
                "The fund holder holds {short} less for this project than this would commit: it cannot be paid until more funding arrives."
            ),
        }
    }
}

/// The outcome of `Budget::check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub warnings: Vec<Warning>,
    /// Set when the agreed budget would be exceeded.
    pub budget_over: Option<Pence>,
}

impl Check {
    /// Approval past the agreed budget is refused.
    pub fn refusal(&self) -> Option<Invalid> {
        self.budget_over
            .map(|by| Invalid::new("amount", Warning::BudgetOver { by }.message()))
    }
}

/// Who is changing a budget line, as far as the rule cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Changer {
    /// The project's lead or a co-owner, or a council officer.
    pub plans_project: bool,
    /// A treasurer of the fund holder that holds the project's money.
    pub treasurer_of_holder: bool,
}

/// Whether this person may add or change a line now, and whether they owe
/// a reason. Before funding is agreed the owners plan; after, the plan is
/// what was agreed, and only the treasurer moves it, saying why.
pub fn may_change(funding_agreed: bool, who: Changer, reason: &str) -> Result<(), Invalid> {
    if !funding_agreed {
        if who.plans_project || who.treasurer_of_holder {
            return Ok(());
        }
        return Err(Invalid::new(
            "budget",
            "Only the project's lead, its co-owners and council officers plan its budget.",
        ));
    }
    if !who.treasurer_of_holder {
        return Err(Invalid::new(
            "budget",
            "Funding is agreed for this project, so its budget is fixed: ask the fund holder's treasurer to change it.",
        ));
    }
    if reason.trim().is_empty() {
        return Err(Invalid::new(
            "reason",
            "Say why the budget changes: funding is agreed, and every change to it is published with its reason.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: i64, planned: i64, committed: i64, spent: i64) -> LineState {
        LineState {
            id,
            category: Category::Materials,
            description: String::new(),
            planned: Pence::new(planned),
            committed: Pence::new(committed),
            spent: Pence::new(spent),
        }
    }

    #[test]
    fn a_line_form_is_read_or_refused_with_reasons() {
        let ok = NewLine::parse(&LineForm {
            category: "food".into(),
            description: " Tea and biscuits ".into(),
            planned: "£120.50".into(),
        })
        .unwrap();
        assert_eq!(ok.category, Category::Food);
        assert_eq!(ok.planned, Pence::new(12050));
        assert_eq!(ok.description, "Tea and biscuits");
        let errors = NewLine::parse(&LineForm {
            category: "sweets".into(),
            description: String::new(),
            planned: "-3".into(),
        })
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["category", "planned"]);
        assert!(NewLine::parse(&LineForm {
            category: "food".into(),
            planned: String::new(),
            ..LineForm::default()
        })
        .is_err());
    }

    #[test]
    fn overspending_a_line_warns_and_overspending_the_budget_refuses() {
        let budget = Budget {
            lines: vec![line(1, 10_000, 2_000, 6_000), line(2, 5_000, 0, 0)],
        };
        assert_eq!(budget.planned(), Pence::new(15_000));
        assert_eq!(budget.remaining(), Pence::new(7_000));

        let within = budget.check(1, Pence::new(2_000), Pence::new(50_000));
        assert!(within.warnings.is_empty());
        assert!(within.refusal().is_none());

        let line_over = budget.check(1, Pence::new(3_000), Pence::new(50_000));
        assert_eq!(
            line_over.warnings,
            [Warning::LineOver {
                category: Category::Materials,
                by: Pence::new(1_000)
            }]
        );
        assert!(
            line_over.refusal().is_none(),
            "the whole budget still holds"
        );

        let budget_over = budget.check(2, Pence::new(7_001), Pence::new(50_000));
        assert_eq!(budget_over.budget_over, Some(Pence::new(1)));
        assert!(budget_over.refusal().is_some());

        let short = budget.check(2, Pence::new(100), Pence::new(40));
        assert_eq!(
            short.warnings,
            [Warning::FundsShort {
                short: Pence::new(60)
            }]
        );
    }

    #[test]
    fn once_funding_is_agreed_only_the_treasurer_changes_the_budget_with_a_reason() {
        let owner = Changer {
            plans_project: true,
            treasurer_of_holder: false,
        };
        let treasurer = Changer {
            plans_project: false,
            treasurer_of_holder: true,
        };
        assert!(may_change(false, owner, "").is_ok());
        assert!(may_change(true, owner, "a good reason").is_err());
        assert_eq!(
            may_change(true, treasurer, "  ").unwrap_err().field,
            "reason"
        );
        assert!(may_change(true, treasurer, "The funder agreed a larger venue").is_ok());
        let nobody = Changer {
            plans_project: false,
            treasurer_of_holder: false,
        };
        assert!(may_change(false, nobody, "").is_err());
    }
}
