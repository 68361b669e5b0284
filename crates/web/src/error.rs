//! One error type for the web layer. A handler returns it; the `render`
//! middleware then turns it into an HTML page in the site layout or an RFC 9457
//! problem document, by what the request asked for. Details of 5xx errors go
//! to the log, never to the person.

use std::any::Any;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use coproduce_core::Invalid;
use coproduce_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::errors;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    NotFound(String),
    #[error("the request has mistakes")]
    Invalid(Vec<Invalid>),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("sign in first")]
    SignInFirst,
    #[error("the API token is not valid")]
    BadToken,
    #[error("what was sent is too large")]
    TooLarge,
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::NotFound("That record does not exist.".to_owned()),
            StoreError::Conflict(m) => Error::Conflict(m),
            StoreError::Invalid(i) => Error::Invalid(vec![i]),
            StoreError::Unreachable { .. } => Error::Unavailable(e.to_string()),
            other => Error::Internal(other.to_string()),
        }
    }
}

impl From<Invalid> for Error {
    fn from(i: Invalid) -> Self {
        Error::Invalid(vec![i])
    }
}

impl From<askama::Error> for Error {
    fn from(e: askama::Error) -> Self {
        Error::Internal(format!("a page template failed: {e}"))
    }
}

/// A mistake in one field, pointing at the field so a page can link to it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// The name of the field or query parameter.
    pub field: String,
    /// What is wrong and what to do about it.
    pub message: String,
}

/// RFC 9457 problem details.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `about:blank`: the status code says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    /// The status code's short name, e.g. "Not Found".
    pub title: String,
    pub status: u16,
    /// What went wrong here, and what to do.
    pub detail: String,
    /// The fields that need changing, when the input had mistakes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            kind: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
        }
    }
}

impl Error {
    fn status(&self) -> StatusCode {
        match self {
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::SignInFirst | Error::BadToken => StatusCode::UNAUTHORIZED,
            Error::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn problem(&self) -> Problem {
        let status = self.status();
        match self {
            Error::NotFound(m) | Error::Conflict(m) | Error::Forbidden(m) => {
                Problem::new(status, m.clone())
            }
            Error::SignInFirst => Problem::new(status, "Sign in first: this needs an account."),
            Error::BadToken => Problem::new(
                status,
                "This API token is not valid: it may have been revoked or mistyped. Create a new one at /account/tokens.",
            ),
            Error::TooLarge => Problem::new(
                status,
                "What was sent is too large. Send something smaller.",
            ),
            Error::Invalid(fields) => {
                let mut p =
                    Problem::new(status, "Some of what was sent needs changing: see errors.");
                p.errors = fields
                    .iter()
                    .map(|i| FieldError {
                        field: i.field.to_owned(),
                        message: i.message.clone(),
                    })
                    .collect();
                p
            }
            Error::Unavailable(_) => Problem::new(
                status,
                "coproduce cannot reach its database just now. Please try again in a few minutes.",
            ),
            Error::Internal(_) => Problem::new(
                status,
                "Something went wrong on our side. It has been logged; please try again later.",
            ),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match &self {
            Error::Internal(detail) | Error::Unavailable(detail) => {
                tracing::error!(error = %detail, "request failed");
            }
            _ => {}
        }
        problem_response(self.problem())
    }
}

/// A bare response carrying the problem; `render` gives it a body.
fn problem_response(problem: Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = status.into_response();
    res.extensions_mut().insert(Arc::new(problem));
    res
}

pub async fn not_found() -> Error {
    Error::NotFound(
        "There is no page at this address. Check it, or start again from the home page.".to_owned(),
    )
}

pub fn panicked(err: Box<dyn Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    Error::Internal(format!("a handler panicked: {what}")).into_response()
}

/// True when the request wants JSON back: the API, or a client that asks for
/// JSON and not HTML.
fn wants_json(req: &Request) -> bool {
    if req.uri().path().starts_with("/api/") {
        return true;
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("json") && !accept.contains("text/html")
}

/// Gives every error response its body: a page for people, a problem document
/// for programs. Errors raised by layers (body too large, timeouts, unknown
/// methods) get the same treatment as errors from handlers.
pub async fn render(req: Request, next: Next) -> Response {
    let json = wants_json(&req);
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    // A handler that wrote its own page or JSON (a form shown again with its
    // errors, the health check's report) meant that body: keep it.
    let own_body = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.contains("json"));
    if own_body && res.extensions().get::<Arc<Problem>>().is_none() {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let problem = match parts.extensions.remove::<Arc<Problem>>() {
        Some(p) => (*p).clone(),
        None => {
            let detail = match status {
                StatusCode::PAYLOAD_TOO_LARGE => {
                    "What was sent is too large. Send something smaller.".to_owned()
                }
                StatusCode::REQUEST_TIMEOUT => {
                    "The request took too long to answer. Please try again.".to_owned()
                }
                StatusCode::METHOD_NOT_ALLOWED => {
                    "This address does not accept that kind of request.".to_owned()
                }
                StatusCode::NOT_FOUND => "There is no page at this address.".to_owned(),
                s if s.is_server_error() => {
                    "Something went wrong on our side. It has been logged; please try again later."
                        .to_owned()
                }
                _ => {
                    // A client error from an extractor: its text says what was wrong.
                    let bytes = axum::body::to_bytes(body, 16 * 1024)
                        .await
                        .unwrap_or_default();
                    let text = String::from_utf8_lossy(&bytes).trim().to_owned();
                    if text.is_empty() {
                        "The request could not be understood.".to_owned()
                    } else {
                        text
                    }
                }
            };
            Problem::new(status, detail)
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    if json {
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        return Response::from_parts(parts, Body::from(body));
    }
    let html = errors::page(&problem);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Response::from_parts(parts, Body::from(html))
}
