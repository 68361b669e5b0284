//! Where routes meet the policy. A page route can only be added through
//! `Routes`, which makes it name its action; API routes name theirs in
//! `API_RULES`, checked against the OpenAPI document by the tests. One
//! middleware asks core's `may` before any handler runs, and refuses a route
//! that has no rule at all, so a forgotten decision fails closed.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::handler::Handler;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::Router;
use coproduce_core::policy::{self, Action, Actor, Decision, Object, ObjectKind};

use crate::auth::Viewer;
use crate::error::Error;
use crate::AppState;

/// One route and the action it performs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub method: Method,
    pub path: &'static str,
    pub action: Action,
}

/// The JSON API's routes and their actions. Every path of the OpenAPI
/// document must be here (a test checks).
pub const API_RULES: &[(&str, Action)] = &[
    ("/api/v1/home", Action::ReadPublic),
    ("/api/v1/projects", Action::ReadPublic),
    ("/api/v1/projects/{id}", Action::ReadPublic),
    ("/api/v1/projects/{id}/checks", Action::ReadPublic),
    ("/api/v1/projects/{id}/risks", Action::ReadPublic),
    ("/api/v1/projects/{id}/liability", Action::ReadPublic),
    ("/api/v1/risk/catalogue", Action::ReadPublic),
    ("/api/v1/projects/{id}/money", Action::ReadPublic),
    ("/api/v1/projects/{id}/budget", Action::ReadPublic),
    ("/api/v1/projects/{id}/expenses", Action::ReadProjectMoney),
    (
        "/api/v1/projects/{id}/expenses/{expense}",
        Action::ReadProjectMoney,
    ),
    ("/api/v1/fund-holders", Action::ReadPublic),
    ("/api/v1/fund-holders/{id}/ledger", Action::ReadPublic),
    ("/api/v1/events", Action::ReadPublic),
    ("/api/v1/events/{id}", Action::ReadPublic),
    ("/api/v1/events/{id}/rsvp", Action::ReadDashboard),
    ("/api/v1/events/{id}/rsvps", Action::ReadEventAnswers),
    ("/api/v1/events/{id}/tables", Action::ReadPublic),
    ("/api/v1/events/{id}/selection/{round}", Action::ReadPublic),
    ("/api/v1/resources", Action::ReadPublic),
    ("/api/v1/projects/{id}/matches", Action::ManageNeeds),
    ("/api/v1/learning/sets", Action::ReadPublic),
    ("/api/v1/learning/sets/{id}", Action::ReadPublic),
    // What a token's holder may read of the log is core::learning's to say.
    ("/api/v1/learning/sets/{id}/log", Action::ReadPublic),
    ("/api/v1/toolkit", Action::ReadPublic),
    ("/api/v1/toolkit/{slug}", Action::ReadPublic),
    ("/api/v1/openapi.json", Action::ReadPublic),
];

/// The JSON API's routes that change something (POST), and their actions.
/// Every such path is in the OpenAPI document too (a test checks).
pub const API_WRITE_RULES: &[(&str, Action)] = &[
    ("/api/v1/projects/{id}/expenses", Action::SubmitExpense),
    (
        "/api/v1/projects/{id}/expenses/{expense}/approve",
        Action::ReviewExpense,
    ),
    (
        "/api/v1/projects/{id}/expenses/{expense}/reject",
        Action::ReviewExpense,
    ),
    (
        "/api/v1/projects/{id}/expenses/{expense}/pay",
        Action::PayExpense,
    ),
    (
        "/api/v1/projects/{id}/expenses/{expense}/reverse",
        Action::PayExpense,
    ),
    (
        "/api/v1/projects/{id}/resource-bookings",
        Action::RequestResource,
    ),
    ("/api/v1/events/{id}/rsvp", Action::RespondToEvent),
    (
        "/api/v1/events/{id}/selection/{round}/vote",
        Action::RespondToEvent,
    ),
    ("/api/v1/learning/sets/{id}/log", Action::TakePartInLearning),
];

/// A router that records the action of every route added to it.
pub struct Routes {
    router: Router<AppState>,
    rules: Vec<Rule>,
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

impl Routes {
    pub fn new() -> Self {
        Self {
            router: Router::new(),
            rules: Vec::new(),
        }
    }

    pub fn get<H, T>(self, path: &'static str, action: Action, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, action, axum::routing::get(handler))
    }

    pub fn post<H, T>(self, path: &'static str, action: Action, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, action, axum::routing::post(handler))
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        action: Action,
        route: MethodRouter<AppState>,
    ) -> Self {
        self.rules.push(Rule {
            method,
            path,
            action,
        });
        // Routes on one path with different methods merge into one.
        self.router = self.router.route(path, route);
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.rules.extend(other.rules);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<Rule>) {
        (self.router, self.rules)
    }
}

/// Every rule of the product: the page routes' and the API's.
pub fn all_rules(page_rules: &[Rule]) -> Vec<Rule> {
    let mut rules = page_rules.to_vec();
    rules.extend(API_RULES.iter().map(|(path, action)| Rule {
        method: Method::GET,
        path,
        action: *action,
    }));
    rules.extend(API_WRITE_RULES.iter().map(|(path, action)| Rule {
        method: Method::POST,
        path,
        action: *action,
    }));
    rules
}

pub type Table = Arc<HashMap<(Method, String), Action>>;

pub fn table(rules: &[Rule]) -> Table {
    Arc::new(
        rules
            .iter()
            .map(|r| ((r.method.clone(), r.path.to_owned()), r.action))
            .collect(),
    )
}

pub fn actor(viewer: Option<&Viewer>) -> Actor {
    let Some(viewer) = viewer else {
        return Actor::anonymous();
    };
    match &viewer.person {
        Some(p) => Actor {
            token_scope: viewer.token_scope,
            projects: viewer.projects.clone(),
            fund_holders: viewer.fund_holders.clone(),
            mandates: viewer.mandates.clone(),
            events: viewer.events.clone(),
            ..Actor::person(p.id, p.role)
        },
        None => Actor::anonymous(),
    }
}

pub async fn enforce(State(table): State<Table>, mut req: Request, next: Next) -> Response {
    let Some(matched) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
    else {
        // No route matched: the fallback answers 404.
        return next.run(req).await;
    };
    // HEAD is answered by the GET handler, so it follows GET's rule.
    let method = if req.method() == Method::HEAD {
        Method::GET
    } else {
        req.method().clone()
    };
    let Some(action) = table.get(&(method.clone(), matched.clone())).copied() else {
        if table.keys().any(|(_, path)| *path == matched) {
            // A method this address does not serve: the router answers 405.
            return next.run(req).await;
        }
        tracing::error!(path = %matched, method = %req.method(), "a route has no policy rule: refused");
        return Error::Forbidden(
            "This address has no access rule yet, so it is closed.".to_owned(),
        )
        .into_response();
    };
    // The API takes no form token, so a session cookie alone could be
    // ridden by another site: changes through the API count only the
    // bearer token, and without one nobody is signed in.
    let viewer = req.extensions().get::<Viewer>();
    let api_write = matched.starts_with("/api/") && method != Method::GET;
    let actor = if api_write && viewer.is_none_or(|v| v.token_scope.is_none()) {
        Actor::anonymous()
    } else {
        actor(viewer)
    };
    let object = match action.object_kind() {
        None => Object::None,
        Some(kind) => {
            let (mut parts, body) = req.into_parts();
            let id = RawPathParams::from_request_parts(&mut parts, &())
                .await
                .ok()
                .and_then(|params| {
                    params
                        .iter()
                        .find(|(name, _)| *name == "id")
                        .and_then(|(_, value)| value.parse::<i64>().ok())
                });
            req = Request::from_parts(parts, body);
            match (kind, id) {
                (ObjectKind::Project, Some(id)) => Object::Project(id),
                (ObjectKind::FundHolder, Some(id)) => Object::FundHolder(id),
                (ObjectKind::Event, Some(id)) => Object::Event(id),
                // Not a number: no such thing, whoever asks.
                (ObjectKind::Project, None) => {
                    return Error::NotFound("There is no project at this address.".to_owned())
                        .into_response()
                }
                (ObjectKind::FundHolder, None) => {
                    return Error::NotFound("There is no fund holder at this address.".to_owned())
                        .into_response()
                }
                (ObjectKind::Event, None) => {
                    return Error::NotFound("There is no event at this address.".to_owned())
                        .into_response()
                }
            }
        }
    };
    match policy::may(&actor, action, object) {
        Decision::Allow => next.run(req).await,
        Decision::SignInFirst if matched.starts_with("/api/") => Error::SignInFirst.into_response(),
        Decision::SignInFirst => {
            let next_path = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".to_owned());
            let target = crate::projects::query_string("/sign-in", &[("next", next_path)]);
            let mut res = StatusCode::SEE_OTHER.into_response();
            if let Ok(v) = HeaderValue::from_str(&target) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            res
        }
        Decision::Deny(reason) => Error::Forbidden(reason.to_owned()).into_response(),
    }
}

/// The stored form of a session token, for tests that start sessions
/// directly in the database.
pub fn hash_for_tests(token: &str) -> String {
    crate::auth::hash_token(token)
}
