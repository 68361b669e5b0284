//! (being written)

use crate::policy::Routes;

pub(crate) fn routes() -> Routes {
    Routes::new()
}
