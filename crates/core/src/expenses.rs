//! Expenses: the states they move through and who may approve, pay or
//! reverse one.
//!
//! Approval comes in two steps, and never from the person who asked for the
//! money: first the project (its lead or a co-owner) confirms the expense is
//! the project's, then the fund holder's approvers confirm probity, as many
//! different people as the fund holder's rules ask for the amount. Only then
//! is the money committed, and only the fund holder's treasurer pays it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::Pence;
use crate::policy::FundRole;
use crate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    Submitted,
    Approved,
    Rejected,
    Paid,
    Reversed,
}

impl State {
    pub const ALL: [State; 6] = [
        State::Draft,
        State::Submitted,
        State::Approved,
        State::Rejected,
        State::Paid,
        State::Reversed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Approved => "approved",
            State::Rejected => "rejected",
            State::Paid => "paid",
            State::Reversed => "reversed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "Draft",
            State::Submitted => "Waiting for approval",
            State::Approved => "Approved, to be paid",
            State::Rejected => "Rejected",
            State::Paid => "Paid",
            State::Reversed => "Reversed",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        State::ALL
            .into_iter()
            .find(|s| s.as_str() == input.trim())
            .ok_or_else(|| {
                Invalid::new(
                    "state",
                    format!(
                        "'{}' is not an expense state: choose one of {}",
                        input.trim(),
                        State::ALL.map(State::as_str).join(", ")
                    ),
                )
            })
    }

    /// Money is committed to it: it counts against the budget.
    pub fn is_committed(self) -> bool {
        self == State::Approved
    }
}

/// Who is paid. A private individual's name is never published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PayeeKind {
    Organisation,
    Individual,
}

impl PayeeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PayeeKind::Organisation => "organisation",
            PayeeKind::Individual => "individual",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input.trim() {
            "organisation" => Ok(PayeeKind::Organisation),
            "individual" => Ok(PayeeKind::Individual),
            other => Err(Invalid::new(
                "payee_kind",
                format!("'{other}' is not a kind of payee: choose organisation or individual"),
            )),
        }
    }

    /// How a payment to this payee is shown to the public.
    pub fn public_name(self, payee: &str) -> String {
        match self {
            PayeeKind::Organisation => payee.to_owned(),
            PayeeKind::Individual => "Reimbursement to a volunteer".to_owned(),
        }
    }
}

/// An expense as typed into the form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExpenseForm {
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub payee: String,
    #[serde(default)]
    pub payee_kind: String,
    #[serde(default)]
    pub line: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub spent_on: String,
}

/// An expense that may be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewExpense {
    pub amount: Pence,
    pub payee: String,
    pub payee_kind: PayeeKind,
    pub line: i64,
    pub description: String,
    pub spent_on: NaiveDate,
}

pub const PAYEE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 1000;

impl NewExpense {
    /// `lines` are the project's budget lines; `today` bounds the date.
    pub fn parse(
        form: &ExpenseForm,
        lines: &[i64],
        today: NaiveDate,
    ) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let amount = if form.amount.trim().is_empty() {
            Err(Invalid::new("amount", "Enter the amount, like 24.99"))
        } else {
            Pence::parse(&form.amount).and_then(|a| {
                if a > Pence::ZERO {
                    Ok(a)
                } else {
                    Err(Invalid::new(
                        "amount",
                        "An expense must be more than £0.00: a refund is a reversal of the payment",
                    ))
                }
            })
        }
        .map_err(|e| errors.push(e));
        let payee = form.payee.trim().to_owned();
        if payee.is_empty() {
            errors.push(Invalid::new(
                "payee",
                "Enter who is to be paid: a supplier, or the volunteer to reimburse",
            ));
        } else if payee.chars().count() > PAYEE_MAX {
            errors.push(Invalid::new(
                "payee",
                format!("Shorten the payee's name to {PAYEE_MAX} characters or fewer"),
            ));
        }
        let payee_kind = PayeeKind::parse(&form.payee_kind).map_err(|e| errors.push(e));
        let line = form
            .line
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|l| lines.contains(l))
            .ok_or_else(|| {
                errors.push(Invalid::new(
                    "line",
                    "Choose the budget line this is spent against",
                ))
            });
        let description = form.description.trim().to_owned();
        if description.is_empty() {
            errors.push(Invalid::new("description", "Say what the money was for"));
        } else if description.chars().count() > DESCRIPTION_MAX {
            errors.push(Invalid::new(
                "description",
                format!("Shorten the description to {DESCRIPTION_MAX} characters or fewer"),
            ));
        }
        let spent_on = NaiveDate::parse_from_str(form.spent_on.trim(), "%Y-%m-%d")
            .map_err(|_| {
                Invalid::new(
                    "spent_on",
                    "Enter the date of the spending as a date, like 2026-11-20",
                )
            })
            .and_then(|d| {
                if d > today {
                    Err(Invalid::new(
                        "spent_on",
                        "The date of the spending cannot be in the future: submit the expense once the money is spent or owed",
                    ))
                } else {
                    Ok(d)
                }
            })
            .map_err(|e| errors.push(e));
        match (amount, payee_kind, line, spent_on) {
            (Ok(amount), Ok(payee_kind), Ok(line), Ok(spent_on)) if errors.is_empty() => {
                Ok(NewExpense {
                    amount,
                    payee,
                    payee_kind,
                    line,
                    description,
                    spent_on,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A fund holder's rules for expenses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rules {
    /// Fund-holder approvals needed at or below the threshold.
    pub approvals_required: u8,
    pub threshold: Pence,
    /// Fund-holder approvals needed above the threshold.
    pub approvals_above_threshold: u8,
    /// Above this a receipt must be attached before submitting.
    pub receipt_threshold: Pence,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            approvals_required: 1,
            threshold: Pence::new(50_000),
            approvals_above_threshold: 2,
            receipt_threshold: Pence::new(2_000),
        }
    }
}

pub const MAX_APPROVALS: u8 = 5;

impl Rules {
    pub fn new(
        approvals_required: u8,
        threshold: Pence,
        approvals_above_threshold: u8,
        receipt_threshold: Pence,
    ) -> Result<Self, Invalid> {
        if !(1..=MAX_APPROVALS).contains(&approvals_required) {
            return Err(Invalid::new(
                "approvals_required",
                format!("Ask for between 1 and {MAX_APPROVALS} approvals"),
            ));
        }
        if !(1..=MAX_APPROVALS).contains(&approvals_above_threshold) {
            return Err(Invalid::new(
                "approvals_above_threshold",
                format!("Ask for between 1 and {MAX_APPROVALS} approvals above the threshold"),
            ));
        }
        if approvals_above_threshold < approvals_required {
            return Err(Invalid::new(
                "approvals_above_threshold",
                "Larger expenses cannot need fewer approvals than smaller ones",
            ));
        }
        if threshold < Pence::ZERO || receipt_threshold < Pence::ZERO {
            return Err(Invalid::new("threshold", "Thresholds cannot be negative"));
        }
        Ok(Rules {
            approvals_required,
            threshold,
            approvals_above_threshold,
            receipt_threshold,
        })
    }

    /// How many different fund-holder approvers an expense needs.
    pub fn fund_holder_approvals(&self, amount: Pence) -> u8 {
        if amount > self.threshold {
            self.approvals_above_threshold
        } else {
            self.approvals_required
        }
    }

    pub fn needs_receipt(&self, amount: Pence) -> bool {
        amount > self.receipt_threshold
    }
}

/// The two steps of approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The project confirms the expense is its own.
    Project,
    /// The fund holder confirms probity.
    FundHolder,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Project => "project",
            Step::FundHolder => "fund_holder",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        match input {
            "project" => Some(Step::Project),
            "fund_holder" => Some(Step::FundHolder),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Approval {
    pub person: i64,
    pub step: Step,
}

/// What the rules need to know about an expense.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub state: State,
    pub submitted_by: Option<i64>,
    pub amount: Pence,
    pub approvals: &'a [Approval],
    pub rules: Rules,
}

impl Facts<'_> {
    fn count(&self, step: Step) -> usize {
        self.approvals.iter().filter(|a| a.step == step).count()
    }

    /// The approval still wanted, if the expense is waiting for one.
    pub fn next_step(&self) -> Option<Step> {
        if self.state != State::Submitted {
            return None;
        }
        if self.count(Step::Project) == 0 {
            return Some(Step::Project);
        }
        if self.count(Step::FundHolder) < usize::from(self.rules.fund_holder_approvals(self.amount))
        {
            return Some(Step::FundHolder);
        }
        None
    }

    /// Fund-holder approvals still wanted.
    pub fn fund_holder_approvals_left(&self) -> usize {
        usize::from(self.rules.fund_holder_approvals(self.amount))
            .saturating_sub(self.count(Step::FundHolder))
    }

    /// Whether adding `approval` completes the approvals.
    pub fn completed_by(&self, approval: Approval) -> bool {
        let mut all = self.approvals.to_vec();
        all.push(approval);
        let after = Facts {
            approvals: &all,
            ..*self
        };
        after.next_step().is_none()
    }
}

/// Someone acting on an expense, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reviewer {
    pub person: i64,
    /// The project's lead or a co-owner.
    pub owns_project: bool,
    /// Their role in the fund holder that holds this project's money.
    pub fund_role: Option<FundRole>,
}

fn refuse(message: &str) -> Invalid {
    Invalid::new("expense", message)
}

/// Whether the reviewer may give the approval the expense is waiting for,
/// and which step it is.
pub fn may_approve(f: &Facts<'_>, who: Reviewer) -> Result<Step, Invalid> {
    let Some(step) = f.next_step() else {
        return Err(refuse(match f.state {
            State::Draft => "This expense has not been submitted yet.",
            State::Rejected => {
                "This expense was rejected: it must be changed and submitted again first."
            }
            _ => "This expense is not waiting for approval.",
        }));
    };
    if f.submitted_by == Some(who.person) {
        return Err(refuse(
            "You submitted this expense, so someone else must approve it: a second pair of eyes is the point.",
        ));
    }
    if f.approvals.iter().any(|a| a.person == who.person) {
        return Err(refuse(
            "You have already approved this expense: the next approval must come from a different person.",
        ));
    }
    match step {
        Step::Project if who.owns_project => Ok(step),
        Step::Project => Err(refuse(
            "The project's lead or a co-owner must confirm this expense is the project's before the fund holder approves it.",
        )),
        Step::FundHolder if who.fund_role.is_some() => Ok(step),
        Step::FundHolder => Err(refuse(
            "The project has confirmed this expense: now an approver of its fund holder must approve it.",
        )),
    }
}

/// Whether the reviewer may reject the expense (with a reason, which the
/// caller requires): anyone who could approve at this step, or any of the
/// fund holder's people at either step.
pub fn may_reject(f: &Facts<'_>, who: Reviewer, reason: &str) -> Result<(), Invalid> {
    if f.state != State::Submitted {
        return Err(refuse(
            "Only an expense waiting for approval can be rejected.",
        ));
    }
    if f.submitted_by == Some(who.person) {
        return Err(refuse(
            "You submitted this expense: withdraw it instead of rejecting it.",
        ));
    }
    if !(who.owns_project || who.fund_role.is_some()) {
        return Err(refuse(
            "Only the project's lead and co-owners and its fund holder's people can reject an expense.",
        ));
    }
    if reason.trim().is_empty() {
        return Err(Invalid::new(
            "reason",
            "Say why the expense is rejected, so the person who submitted it can put it right",
        ));
    }
    Ok(())
}

/// Whether the person may change, submit or withdraw the expense: its
/// submitter, while it is theirs to change.
pub fn may_edit(state: State, submitted_by: Option<i64>, person: i64) -> Result<(), Invalid> {
    if submitted_by != Some(person) {
        return Err(refuse(
            "Only the person who wrote this expense can change it.",
        ));
    }
    match state {
        State::Draft | State::Rejected | State::Submitted => Ok(()),
        _ => Err(refuse(
            "This expense is approved: it can no longer be changed, only reversed by the treasurer.",
        )),
    }
}

/// A payment as typed into the treasurer's form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PaymentForm {
    #[serde(default)]
    pub paid_on: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub reference: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    BankTransfer,
    Cheque,
    Card,
    Cash,
}

impl Method {
    pub const ALL: [Method; 4] = [
        Method::BankTransfer,
        Method::Cheque,
        Method::Card,
        Method::Cash,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::BankTransfer => "bank_transfer",
            Method::Cheque => "cheque",
            Method::Card => "card",
            Method::Cash => "cash",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Method::BankTransfer => "Bank transfer",
            Method::Cheque => "Cheque",
            Method::Card => "Card",
            Method::Cash => "Cash",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str() == input.trim())
            .ok_or_else(|| {
                Invalid::new(
                    "method",
                    "Choose how it was paid: bank transfer, cheque, card or cash",
                )
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub paid_on: NaiveDate,
    pub method: Method,
    pub reference: String,
}

impl Payment {
    pub fn parse(form: &PaymentForm, today: NaiveDate) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let paid_on = NaiveDate::parse_from_str(form.paid_on.trim(), "%Y-%m-%d")
            .map_err(|_| Invalid::new("paid_on", "Enter the payment date, like 2026-11-20"))
            .and_then(|d| {
                if d > today {
                    Err(Invalid::new(
                        "paid_on",
                        "Record a payment once it is made: the date cannot be in the future",
                    ))
                } else {
                    Ok(d)
                }
            })
            .map_err(|e| errors.push(e));
        let method = Method::parse(&form.method).map_err(|e| errors.push(e));
        let reference = form.reference.trim().to_owned();
        if reference.chars().count() > 100 {
            errors.push(Invalid::new(
                "reference",
                "Shorten the reference to 100 characters or fewer",
            ));
        }
        match (paid_on, method) {
            (Ok(paid_on), Ok(method)) if errors.is_empty() => Ok(Payment {
                paid_on,
                method,
                reference,
            }),
            _ => Err(errors),
        }
    }
}

/// Whether the person may record the payment: a treasurer of the fund
/// holder, never the person paid by their own submission.
pub fn may_pay(f: &Facts<'_>, who: Reviewer) -> Result<(), Invalid> {
    if who.fund_role != Some(FundRole::Treasurer) {
        return Err(refuse(
            "Only a treasurer of the project's fund holder records payments.",
        ));
    }
    if f.submitted_by == Some(who.person) {
        return Err(refuse(
            "You submitted this expense: another treasurer must record its payment.",
        ));
    }
    if f.state != State::Approved {
        return Err(refuse(match f.state {
            State::Paid => "This expense is already paid.",
            _ => "Only an approved expense can be paid.",
        }));
    }
    Ok(())
}

/// Whether the person may reverse the expense: the treasurer, with a
/// reason, once money is committed or paid. A reversal undoes the payment
/// and the commitment in the ledger, and the money returns to the budget.
pub fn may_reverse(f: &Facts<'_>, who: Reviewer, reason: &str) -> Result<(), Invalid> {
    if who.fund_role != Some(FundRole::Treasurer) {
        return Err(refuse(
            "Only a treasurer of the project's fund holder reverses an expense.",
        ));
    }
    if !matches!(f.state, State::Approved | State::Paid) {
        return Err(refuse(
            "Only an approved or paid expense can be reversed: the ledger holds nothing for this one yet.",
        ));
    }
    if reason.trim().is_empty() {
        return Err(Invalid::new(
            "reason",
            "Say why the expense is reversed: the reason is kept with the correction",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: &str = "2026-11-25";

    fn today() -> NaiveDate {
        NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").unwrap()
    }

    fn facts(amount: i64, approvals: &[Approval]) -> Facts<'_> {
        Facts {
            state: State::Submitted,
            submitted_by: Some(1),
            amount: Pence::new(amount),
            approvals,
            rules: Rules::default(),
        }
    }

    const LEAD: Reviewer = Reviewer {
        person: 2,
        owns_project: true,
        fund_role: None,
    };
    const APPROVER: Reviewer = Reviewer {
        person: 3,
        owns_project: false,
        fund_role: Some(FundRole::Approver),
    };
    const TREASURER: Reviewer = Reviewer {
        person: 4,
        owns_project: false,
        fund_role: Some(FundRole::Treasurer),
    };

    #[test]
    fn an_expense_form_is_read_or_refused_with_what_to_change() {
        let form = ExpenseForm {
            amount: "24.99".into(),
            payee: " Wickes ".into(),
            payee_kind: "organisation".into(),
            line: "7".into(),
            description: "Timber for the planters".into(),
            spent_on: "2026-11-20".into(),
        };
        let e = NewExpense::parse(&form, &[7, 8], today()).unwrap();
        assert_eq!(e.amount, Pence::new(2499));
        assert_eq!(e.payee, "Wickes");
        let bad = ExpenseForm {
            amount: "0".into(),
            payee: " ".into(),
            payee_kind: "friend".into(),
            line: "9".into(),
            description: String::new(),
            spent_on: "2026-12-01".into(),
        };
        let errors = NewExpense::parse(&bad, &[7, 8], today()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "amount",
                "payee",
                "payee_kind",
                "line",
                "description",
                "spent_on"
            ]
        );
    }

    #[test]
    fn the_project_confirms_first_then_the_fund_holder() {
        let none: Vec<Approval> = vec![];
        let f = facts(1_000, &none);
        assert_eq!(f.next_step(), Some(Step::Project));
        assert!(
            may_approve(&f, APPROVER).is_err(),
            "the fund holder waits for the project"
        );
        assert_eq!(may_approve(&f, LEAD).unwrap(), Step::Project);
        let one = vec![Approval {
            person: 2,
            step: Step::Project,
        }];
        let f = facts(1_000, &one);
        assert_eq!(may_approve(&f, APPROVER).unwrap(), Step::FundHolder);
        assert!(f.completed_by(Approval {
            person: 3,
            step: Step::FundHolder
        }));
    }

    #[test]
    fn nobody_approves_their_own_expense_or_approves_twice() {
        let none: Vec<Approval> = vec![];
        let mut f = facts(1_000, &none);
        f.submitted_by = Some(LEAD.person);
        let err = may_approve(&f, LEAD).unwrap_err();
        assert!(err.message.contains("someone else"), "{err}");
        // A lead who is also the trust's approver cannot give both steps.
        let both = Reviewer {
            person: 5,
            owns_project: true,
            fund_role: Some(FundRole::Approver),
        };
        let one = vec![Approval {
            person: 5,
            step: Step::Project,
        }];
        let f = facts(1_000, &one);
        assert!(may_approve(&f, both)
            .unwrap_err()
            .message
            .contains("different person"));
    }

    #[test]
    fn above_the_threshold_a_second_different_approver_is_needed() {
        let two = vec![
            Approval {
                person: 2,
                step: Step::Project,
            },
            Approval {
                person: 3,
                step: Step::FundHolder,
            },
        ];
        let small = facts(50_000, &two);
        assert_eq!(
            small.next_step(),
            None,
            "at the threshold one approver is enough"
        );
        let large = facts(50_001, &two);
        assert_eq!(large.next_step(), Some(Step::FundHolder));
        assert_eq!(large.fund_holder_approvals_left(), 1);
        assert!(
            may_approve(&large, APPROVER).is_err(),
            "not the same approver again"
        );
        assert_eq!(may_approve(&large, TREASURER).unwrap(), Step::FundHolder);
        let rules = Rules::new(2, Pence::new(10_000), 3, Pence::ZERO).unwrap();
        assert_eq!(rules.fund_holder_approvals(Pence::new(10_000)), 2);
        assert_eq!(rules.fund_holder_approvals(Pence::new(10_001)), 3);
        assert!(Rules::new(3, Pence::ZERO, 2, Pence::ZERO).is_err());
        assert!(Rules::new(0, Pence::ZERO, 2, Pence::ZERO).is_err());
    }

    #[test]
    fn only_a_treasurer_pays_and_reverses_and_never_their_own() {
        let done = vec![
            Approval {
                person: 2,
                step: Step::Project,
            },
            Approval {
                person: 3,
                step: Step::FundHolder,
            },
        ];
        let mut f = facts(1_000, &done);
        f.state = State::Approved;
        assert!(may_pay(&f, APPROVER).is_err());
        assert!(may_pay(&f, TREASURER).is_ok());
        f.submitted_by = Some(TREASURER.person);
        assert!(may_pay(&f, TREASURER).is_err());
        f.submitted_by = Some(1);
        assert_eq!(may_reverse(&f, TREASURER, " ").unwrap_err().field, "reason");
        assert!(may_reverse(&f, TREASURER, "Supplier refunded").is_ok());
        f.state = State::Rejected;
        assert!(may_reverse(&f, TREASURER, "why").is_err());
    }

    #[test]
    fn rejection_needs_a_reason_and_is_not_for_the_submitter() {
        let none: Vec<Approval> = vec![];
        let f = facts(1_000, &none);
        assert_eq!(may_reject(&f, APPROVER, "").unwrap_err().field, "reason");
        assert!(may_reject(&f, APPROVER, "No receipt for the cash").is_ok());
        let submitter = Reviewer {
            person: 1,
            owns_project: true,
            fund_role: None,
        };
        assert!(may_reject(&f, submitter, "oops").is_err());
        let stranger = Reviewer {
            person: 9,
            owns_project: false,
            fund_role: None,
        };
        assert!(may_reject(&f, stranger, "no").is_err());
    }

    #[test]
    fn a_receipt_is_required_above_the_fund_holders_threshold() {
        let rules = Rules::default();
        assert!(!rules.needs_receipt(Pence::new(2_000)));
        assert!(rules.needs_receipt(Pence::new(2_001)));
    }

    #[test]
    fn payments_are_read_from_the_treasurers_form() {
        let p = Payment::parse(
            &PaymentForm {
                paid_on: "2026-11-24".into(),
                method: "bank_transfer".into(),
                reference: " BACS 1234 ".into(),
            },
            today(),
        )
        .unwrap();
        assert_eq!(p.method, Method::BankTransfer);
        assert_eq!(p.reference, "BACS 1234");
        let errors = Payment::parse(
            &PaymentForm {
                paid_on: "2026-11-26".into(),
                method: "iou".into(),
                reference: String::new(),
            },
            today(),
        )
        .unwrap_err();
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn individuals_are_not_named_in_public() {
        assert_eq!(
            PayeeKind::Individual.public_name("Jo Bloggs"),
            "Reimbursement to a volunteer"
        );
        assert_eq!(PayeeKind::Organisation.public_name("Wickes"), "Wickes");
    }
}
