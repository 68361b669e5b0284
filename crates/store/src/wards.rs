//! The borough's wards: the places projects serve and events happen in.

use serde::Serialize;
use sqlx::Row;

use crate::{Db, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ward {
    pub id: i64,
    pub name: String,
    pub slug: String,
}

pub async fn list(db: &Db) -> Result<Vec<Ward>> {
    db.fetch_all(
        sqlx::query("SELECT id, name, slug FROM wards ORDER BY name"),
        |r| {
            Ok(Ward {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                slug: r.try_get("slug")?,
            })
        },
    )
    .await
}

/// A URL-friendly form of a ward's name: `Stockwell West & Larkhall` becomes
/// `stockwell-west-larkhall`.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_are_tidy() {
        assert_eq!(
            super::slug("Stockwell West & Larkhall"),
            "stockwell-west-larkhall"
        );
        assert_eq!(super::slug("Myatt's Field"), "myatt-s-field");
    }
}
