//! What every page shares: the title, the navigation with the current section,
//! and helpers that turn templates into responses.

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;

use coproduce_core::policy::{self, Action, Object};

use crate::auth::Viewer;
use crate::error::Result as WebResult;

pub const SERVICE_NAME: &str = "coproduce";

/// The frame around a page's content.
#[derive(Clone)]
pub struct Chrome {
    /// The page's own title; the browser tab shows it before the service name.
    pub title: String,
    /// Which header link is the current section ("" for none).
    pub section: &'static str,
    /// Set when the page shows an error summary, so the title says so first.
    pub has_errors: bool,
    /// The signed-in person's name, for the header.
    pub user: Option<String>,
    /// The token every form on the page carries.
    pub csrf: String,
    /// Whether the header links to the administrators' area.
    pub show_admin: bool,
    /// Whether the header links to invitations.
    pub show_invitations: bool,
}

/// Every page handler takes the chrome as an extractor, so the header always
/// knows who is signed in and forms always carry their token.
impl<S: Send + Sync> FromRequestParts<S> for Chrome {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let viewer = parts.extensions.get::<Viewer>();
        Ok(Self {
            title: String::new(),
            section: "",
            has_errors: false,
            user: viewer
                .and_then(|v| v.person.as_ref())
                .map(|p| p.display_name.clone()),
            csrf: viewer.map(|v| v.csrf.clone()).unwrap_or_default(),
            show_admin: policy::may(
                &crate::policy::actor(viewer),
                Action::ManageUsers,
                Object::None,
            )
            .is_allowed(),
            show_invitations: policy::may(
                &crate::policy::actor(viewer),
                Action::InvitePeople,
                Object::None,
            )
            .is_allowed(),
        })
    }
}

impl Chrome {
    /// The chrome of a page shown without a request's context (error pages).
    pub fn new(title: impl Into<String>, section: &'static str) -> Self {
        Self {
            title: title.into(),
            section,
            has_errors: false,
            user: None,
            csrf: String::new(),
            show_admin: false,
            show_invitations: false,
        }
    }

    /// Names the page and the header section it belongs to.
    pub fn titled(mut self, title: impl Into<String>, section: &'static str) -> Self {
        self.title = title.into();
        self.section = section;
        self
    }

    pub fn with_errors(mut self, has_errors: bool) -> Self {
        self.has_errors = has_errors;
        self
    }

    pub fn service(&self) -> &'static str {
        SERVICE_NAME
    }

    pub fn nav(&self) -> [NavLink; 6] {
        [
            NavLink::new("/", "Home", self.section == "home"),
            NavLink::new("/projects", "Projects", self.section == "projects"),
            NavLink::new("/events", "Events", self.section == "events"),
            NavLink::new("/resources", "Resources", self.section == "resources"),
            NavLink::new("/learning", "Learning", self.section == "learning"),
            NavLink::new("/toolkit", "Toolkit", self.section == "toolkit"),
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
pub fn html(page: impl Template) -> WebResult<Html<String>> {
    Ok(Html(page.render()?))
}
