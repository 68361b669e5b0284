//! Money's pages: budgets and expenses, the fund holders' public ledgers,
//! the borough's fund flows, and reconciliation with the bank.

mod api;
mod borough;
mod budget;
mod expenses;
mod fund_holders;
mod funding;
mod public;
mod public_api;
mod reconciliation;

use utoipa_axum::router::OpenApiRouter;

use crate::policy::Routes;
use crate::AppState;

pub(crate) fn router() -> Routes {
    Routes::new()
        .merge(public::routes())
        .merge(fund_holders::routes())
        .merge(borough::routes())
        .merge(reconciliation::routes())
        .merge(expenses::routes())
        .merge(budget::routes())
        .merge(funding::routes())
}

pub(crate) fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(public_api::api_router())
        .merge(api::api_router())
}
