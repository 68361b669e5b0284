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

/// A project's money summed up for its page and its pack: the same
/// figures the budget page shows, public by design.
pub(crate) struct Summary {
    pub holder: Option<String>,
    pub budget: coproduce_core::budget::Budget,
    pub held: coproduce_core::money::Pence,
    pub agreements: Vec<coproduce_store::budget::AgreementRow>,
}

impl Summary {
    pub async fn load(state: &AppState, id: i64) -> crate::error::Result<Self> {
        let holder = match coproduce_store::risk::subject(&state.db, id)
            .await?
            .and_then(|s| s.fund_holder)
        {
            Some(h) => coproduce_store::memberships::fund_holders(&state.db)
                .await?
                .into_iter()
                .find(|f| f.id == h)
                .map(|f| f.name),
            None => None,
        };
        Ok(Summary {
            holder,
            budget: coproduce_store::budget::budget(&state.db, id).await?,
            held: coproduce_store::budget::funds_available(&state.db, id).await?,
            agreements: coproduce_store::budget::agreements(&state.db, id).await?,
        })
    }
}
