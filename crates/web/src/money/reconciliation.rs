//! A treasurer reconciles the fund holder's bank statement with the ledger.

use crate::policy::Routes;

pub(crate) fn routes() -> Routes {
    Routes::new()
}
