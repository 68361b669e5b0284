//! Who is asking: the session cookie is read once per request, in one
//! middleware, which also guards every state-changing form against
//! cross-site request forgery. Handlers see the result as a `Viewer`.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use coproduce_core::policy::{FundRole, ProjectRole};
use coproduce_core::sessions::Lifetime;
use coproduce_core::tokens::{self, Scope};
use coproduce_store::people::Person;
use coproduce_store::tokens as store_tokens;
use coproduce_store::{accounts, memberships};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::AppState;

pub const SESSION_COOKIE: &str = "coproduce_session";
pub const CSRF_COOKIE: &str = "coproduce_csrf";
/// The hidden field every form carries.
pub const CSRF_FIELD: &str = "csrf_token";
/// The header scripts may send instead of the field.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The person behind a request, if any, and the token their forms must carry.
#[derive(Clone)]
pub struct Viewer {
    pub person: Option<Person>,
    /// The hash of the session's id, when signed in.
    pub session: Option<String>,
    pub csrf: String,
    /// Whether cookies must be marked `Secure` (served over HTTPS).
    pub secure: bool,
    /// Set when an API request came with a token: what the token allows.
    pub token_scope: Option<Scope>,
    /// The signed-in person's roles in projects and fund holders.
    pub projects: Vec<(i64, ProjectRole)>,
    pub fund_holders: Vec<(i64, FundRole)>,
    /// Mandates in force on the projects they lead or co-own.
    pub mandates: Vec<coproduce_core::projects::mandate::InForce>,
    /// The events they organise.
    pub events: Vec<i64>,
}

/// 32 random bytes, hex-encoded: for session ids and CSRF tokens.
pub fn random_token() -> Result<String, Error> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| Error::Internal(format!("no randomness from the operating system: {e}")))?;
    Ok(hex(&bytes))
}

/// Sessions are stored by the hash of their id, so a leaked table signs no one in.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn looks_like_token(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Compares without stopping at the first difference, so timing tells an
/// attacker nothing about how much of a token they guessed.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The secret of an `Authorization: Bearer ...` header.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| secret.trim().to_owned())
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value. `max_age` None makes a cookie that ends with the
/// browser session; Some(0) deletes it.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
}

fn is_https(req: &Request, configured: bool) -> bool {
    configured
        || req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// Changes state, so must prove it came from one of our own pages.
fn needs_csrf(req: &Request) -> bool {
    !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        // The API authenticates with tokens, which a forged cross-site
        // request cannot carry.
        && !req.uri().path().starts_with("/api/")
}

pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let now = state.clock.now();
    let secure = is_https(&req, state.secure_cookies);
    let lifetime = Lifetime::default();
    let mut viewer = Viewer {
        person: None,
        session: None,
        csrf: String::new(),
        secure,
        token_scope: None,
        projects: Vec::new(),
        fund_holders: Vec::new(),
        mandates: Vec::new(),
        events: Vec::new(),
    };
    let mut clear_session_cookie = false;

    // The API: a bearer token, when one is given, decides who is asking.
    // A token that is not valid is refused rather than treated as no one,
    // so a script with a revoked token fails loudly.
    if req.uri().path().starts_with("/api/") {
        if let Some(secret) = bearer(req.headers()) {
            let found = if tokens::looks_like_token(&secret) {
                match store_tokens::authenticate(&state.db, &hash_token(&secret)).await {
                    Ok(found) => found,
                    Err(e) => return Error::from(e).into_response(),
                }
            } else {
                None
            };
            let Some(found) = found else {
                return Error::BadToken.into_response();
            };
            let stale = found
                .last_used_at
                .is_none_or(|t| lifetime.should_touch(t, now));
            if stale {
                if let Err(e) = store_tokens::touch(&state.db, found.token_id, now).await {
                    tracing::warn!(error = %e, "could not record a token's use");
                }
            }
            match memberships::for_person(&state.db, found.person.id).await {
                Ok(roles) => {
                    viewer.projects = roles.projects;
                    viewer.fund_holders = roles.fund_holders;
                    viewer.mandates = roles.mandates;
                    viewer.events = roles.events;
                }
                Err(e) => return Error::from(e).into_response(),
            }
            viewer.person = Some(found.person);
            viewer.token_scope = Some(found.scope);
            req.extensions_mut().insert(viewer);
            return next.run(req).await;
        }
    }

    if let Some(token) = cookie(req.headers(), SESSION_COOKIE) {
        let hash = hash_token(&token);
        match accounts::find_session(&state.db, &hash, now).await {
            Ok(Some(s)) if lifetime.is_live(s.created_at, s.last_seen_at, now) => {
                if lifetime.should_touch(s.last_seen_at, now) {
                    let expires = lifetime.expires_at(s.created_at, now);
                    if let Err(e) = accounts::touch_session(&state.db, &hash, now, expires).await {
                        tracing::warn!(error = %e, "could not record a session's use");
                    }
                }
                viewer.person = Some(s.person);
                viewer.csrf = s.csrf_token;
                viewer.session = Some(hash);
            }
            Ok(_) => clear_session_cookie = true,
            Err(e) => return Error::from(e).into_response(),
        }
    }

    let mut new_csrf_cookie = None;
    if viewer.person.is_none() {
        match cookie(req.headers(), CSRF_COOKIE).filter(|t| looks_like_token(t)) {
            Some(t) => viewer.csrf = t,
            None => match random_token() {
                Ok(t) => {
                    viewer.csrf = t.clone();
                    new_csrf_cookie = Some(t);
                }
                Err(e) => return e.into_response(),
            },
        }
    }

    if needs_csrf(&req) {
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, state.body_limit).await {
            Ok(b) => b,
            Err(_) => return Error::TooLarge.into_response(),
        };
        let from_header = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let from_form = match multipart_boundary(&parts.headers) {
            Some(boundary) => multipart_field(&bytes, &boundary, CSRF_FIELD),
            None => serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .ok()
                .and_then(|pairs| {
                    pairs
                        .into_iter()
                        .find(|(k, _)| k == CSRF_FIELD)
                        .map(|(_, v)| v)
                }),
        };
        let given = from_header.or(from_form).unwrap_or_default();
        // A visitor without our cookie cannot have loaded our form.
        if new_csrf_cookie.is_some() || !same(&given, &viewer.csrf) {
            tracing::warn!(path = %parts.uri.path(), "refused a form without a valid CSRF token");
            return Error::Forbidden(
                "This form has expired or did not come from this site. Go back, reload the page and try again."
                    .to_owned(),
            )
            .into_response();
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }

    if let Some(p) = &viewer.person {
        match memberships::for_person(&state.db, p.id).await {
            Ok(roles) => {
                viewer.projects = roles.projects;
                viewer.fund_holders = roles.fund_holders;
                viewer.mandates = roles.mandates;
                viewer.events = roles.events;
            }
            Err(e) => return Error::from(e).into_response(),
        }
    }
    req.extensions_mut().insert(viewer);
    let mut res = next.run(req).await;
    if let Some(t) = new_csrf_cookie {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(CSRF_COOKIE, &t, None, secure),
        );
    }
    if clear_session_cookie && !res.headers().contains_key(header::SET_COOKIE) {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", Some(0), secure),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; coproduce_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "missing"), None);
    }

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_ne!(a, b);
        assert!(looks_like_token(&a));
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
    }

    #[test]
    fn comparison_needs_every_character() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }

    #[test]
    fn cookies_are_locked_down() {
        let c = set_cookie(SESSION_COOKIE, "x", None, true);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
    }
}

/// The boundary of a `multipart/form-data` body, when the request is one.
fn multipart_boundary(headers: &axum::http::HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let (kind, params) = value.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// A small text field of a multipart body (the form token), read without
/// buffering its files a second time: each part is headers, a blank line,
/// then its bytes up to the next boundary.
fn multipart_field(body: &[u8], boundary: &str, name: &str) -> Option<String> {
    let delimiter = format!("--{boundary}");
    let wanted = format!("name=\"{name}\"");
    let mut rest = body;
    while let Some(at) = find(rest, delimiter.as_bytes()) {
        rest = &rest[at + delimiter.len()..];
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&rest[..head_end]);
        let content = &rest[head_end + 4..];
        let next = find(content, delimiter.as_bytes())?;
        let is_wanted = head.lines().any(|l| {
            l.to_ascii_lowercase().starts_with("content-disposition") && l.contains(&wanted)
        });
        if is_wanted {
            let value = content[..next]
                .strip_suffix(b"\r\n")
                .unwrap_or(&content[..next]);
            return String::from_utf8(value.to_vec()).ok();
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod multipart_tests {
    use super::*;

    #[test]
    fn the_form_token_is_read_from_a_multipart_body() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nPlan\r\n--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\r\n--XyZ--\r\n";
        assert_eq!(
            multipart_field(body, "XyZ", "csrf_token").as_deref(),
            Some("abc123")
        );
        assert_eq!(multipart_field(body, "XyZ", "missing"), None);
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "multipart/form-data; boundary=\"XyZ\"".parse().unwrap(),
        );
        assert_eq!(multipart_boundary(&headers).as_deref(), Some("XyZ"));
    }
}
