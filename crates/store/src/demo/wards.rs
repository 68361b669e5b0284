//! Demo wards: Lambeth's 25, with ids 1 to 25 in alphabetical order.

use sqlx::AnyConnection;

use super::batch::{self, Value};
use super::places::WARDS;
use super::Progress;
use crate::{Backend, Result};

pub async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    progress: &dyn Progress,
) -> Result<u64> {
    let rows = WARDS.iter().enumerate().map(|(i, w)| {
        vec![
            Value::from(i as i64 + 1),
            Value::from(w.name),
            Value::from(crate::wards::slug(w.name)),
        ]
    });
    batch::insert(
        conn,
        backend,
        "wards",
        &["id", "name", "slug"],
        rows,
        progress,
    )
    .await
}
