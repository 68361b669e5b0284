//! Money's pages: budgets and expenses, the fund holders' public ledgers,
//! the borough's fund flows, and reconciliation with the bank.

mod reconciliation;

use crate::policy::Routes;

pub(crate) fn router() -> Routes {
    Routes::new().merge(reconciliation::routes())
}
