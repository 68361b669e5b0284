//! (in progress)

use crate::policy::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
}
