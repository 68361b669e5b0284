//! What every page shares: the title, the navigation with the current section,
//! and helpers that turn templates into responses.

use askama::Template;
use axum::response::Html;

use crate::error::Result;

pub const SERVICE_NAME: &str = "coproduce";

/// The frame around a page's content.
pub struct Chrome {
    /// The page's own title; the browser tab shows it before the service name.
    pub title: String,
    /// Which header link is the current section ("" for none).
    pub section: &'static str,
    /// Set when the page shows an error summary, so the title says so first.
    pub has_errors: bool,
}

impl Chrome {
    pub fn new(title: impl Into<String>, section: &'static str) -> Self {
        Self {
            title: title.into(),
            section,
            has_errors: false,
        }
    }

    pub fn service(&self) -> &'static str {
        SERVICE_NAME
    }

    pub fn nav(&self) -> [NavLink; 3] {
        [
            NavLink::new("/", "Home", self.section == "home"),
            NavLink::new("/projects", "Projects", self.section == "projects"),
            NavLink::new("/events", "Events", self.section == "events"),
        ]
    }
}

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

impl NavLink {
    fn new(href: &'static str, label: &'static str, current: bool) -> Self {
        Self {
            href,
            label,
            current,
        }
    }
}

/// Renders a page template into a response.
pub fn html(page: impl Template) -> Result<Html<String>> {
    Ok(Html(page.render()?))
}
