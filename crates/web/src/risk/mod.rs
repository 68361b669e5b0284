//! The risk and liability register's pages: a project's checks, risks,
//! liability matrix and site visits, the rules catalogue, and the
//! borough's readiness overview.

mod catalogue;
mod checks;
mod liability;
mod overview;
mod register;
mod visits;

use crate::policy::Routes;

pub(crate) fn router() -> Routes {
    Routes::new()
        .merge(checks::routes())
        .merge(register::routes())
        .merge(liability::routes())
        .merge(visits::routes())
        .merge(catalogue::routes())
        .merge(overview::routes())
}
