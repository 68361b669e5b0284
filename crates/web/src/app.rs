//! The application: one shared state, the site map, the layers every request
//! passes through, and the listener.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::Router;
use coproduce_core::clock::Clock;
use coproduce_store::Db;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::policy::{self, Routes};
use crate::{
    accounts, admin, api, assets, auth, dashboard, error, events, health, home, invitations,
    privacy, projects, risk, security, tokens,
};

/// What the server needs to know; the CLI builds it from flags, environment
/// and `coproduce.toml`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub addr: SocketAddr,
    /// A request that takes longer is answered 408 and its work dropped.
    pub request_timeout: Duration,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Mark cookies `Secure` even when no proxy says the request came over
    /// HTTPS (set it when coproduce itself is only ever reached over HTTPS).
    pub secure_cookies: bool,
    /// The address people reach coproduce at, for links in emails (e.g.
    /// `https://coproduce.camden.example`); None: this server's own address.
    pub public_url: Option<String>,
    /// The mail server; None writes each email to the log instead.
    pub smtp: Option<crate::outbox::SmtpSettings>,
    /// The folder uploaded documents are kept in (created if missing).
    pub files_dir: std::path::PathBuf,
    /// Where the sentence-embedding model and the skills' embedding cache
    /// are (scripts/fetch-models); None: recognise skills lexical-only.
    pub models_dir: Option<std::path::PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            request_timeout: Duration::from_secs(30),
            // Room for a 10 MB document and the form around it.
            body_limit: 11 * 1024 * 1024,
            secure_cookies: false,
            public_url: None,
            smtp: None,
            files_dir: std::path::PathBuf::from("coproduce-files"),
            models_dir: None,
        }
    }
}

pub struct App {
    pub db: Db,
    /// Uploaded files, by the hash of their content.
    pub blobs: coproduce_store::blobs::BlobStore,
    pub clock: Arc<dyn Clock>,
    pub secure_cookies: bool,
    pub body_limit: usize,
    /// Skill recognition, started on first use.
    pub skills: Arc<crate::skills::Engine>,
    /// The pool of people who agreed to be matched, loaded on first use.
    pub matcher: Arc<coproduce_store::matching::Matcher>,
    /// The address people reach the site at, for links that leave it: QR
    /// codes, calendar feeds.
    pub site: String,
}

/// The state every handler receives: cheap to clone, one pointer.
#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

/// Why the server could not start listening, in words that say what to do.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("the address {0} is already in use by another program: stop it, or choose another address with --addr (or COPRODUCE_ADDR)")]
    InUse(SocketAddr),
    #[error("not allowed to listen on {0}: ports below 1024 need special rights, so choose a port such as 8080 with --addr")]
    Denied(SocketAddr),
    #[error("cannot listen on {0}: this machine has no such address; use 127.0.0.1 or 0.0.0.0 with --addr")]
    NoSuchAddress(SocketAddr),
    #[error("cannot listen on {addr}: {source}")]
    Other { addr: SocketAddr, source: io::Error },
    /// Not about listening, but found at the same moment: the folder for
    /// uploaded files cannot be used.
    #[error("{0}")]
    Files(#[from] coproduce_store::blobs::BlobError),
}

/// A bound listening socket. Binding comes first, before any database is
/// opened or created, so a port in use leaves nothing behind.
pub struct Listener {
    listener: TcpListener,
    addr: SocketAddr,
}

impl Listener {
    /// Binds `addr`; port 0 picks a free port, as tests do.
    pub async fn bind(addr: SocketAddr) -> Result<Self, BindError> {
        let listener = TcpListener::bind(addr).await.map_err(|e| match e.kind() {
            io::ErrorKind::AddrInUse => BindError::InUse(addr),
            io::ErrorKind::PermissionDenied => BindError::Denied(addr),
            io::ErrorKind::AddrNotAvailable => BindError::NoSuchAddress(addr),
            _ => BindError::Other { addr, source: e },
        })?;
        let local = listener
            .local_addr()
            .map_err(|e| BindError::Other { addr, source: e })?;
        Ok(Self {
            listener,
            addr: local,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

pub struct Application {
    listener: Listener,
    router: Router,
    /// Delivers the notification outbox while the server runs.
    worker: crate::outbox::Worker,
}

impl Application {
    /// Fails only when the folder for uploaded files cannot be used.
    pub fn new(
        listener: Listener,
        settings: &Settings,
        db: Db,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, BindError> {
        let blobs = coproduce_store::blobs::BlobStore::Dir(coproduce_store::blobs::DirStore::open(
            settings.files_dir.clone(),
        )?);
        let state = AppState(Arc::new(App {
            db,
            blobs,
            clock,
            secure_cookies: settings.secure_cookies,
            body_limit: settings.body_limit,
            skills: Arc::new(crate::skills::Engine::new(settings.models_dir.clone())),
            matcher: Arc::new(coproduce_store::matching::Matcher::new()),
            site: crate::outbox::site_address(&Settings {
                addr: listener.addr,
                ..settings.clone()
            }),
        }));
        let worker = crate::outbox::spawn_worker(&state, settings);
        Ok(Self {
            router: router(state, settings),
            listener,
            worker,
        })
    }

    /// Binds `settings.addr` and builds the application in one step.
    pub async fn build(
        settings: &Settings,
        db: Db,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, BindError> {
        let listener = Listener::bind(settings.addr).await?;
        Self::new(listener, settings, db, clock)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.addr
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        let Application {
            listener,
            router,
            worker,
        } = self;
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(listener.listener, service)
            .with_graceful_shutdown(shutdown)
            .await;
        // Finish the message in hand, then stop: nothing is sent twice
        // because of a shutdown.
        worker.stop().await;
        served
    }
}

/// Completes on Ctrl-C or SIGTERM, whichever comes first.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// The API half of the site map, from which the OpenAPI document is derived.
fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(api::ApiDoc::openapi())
        .merge(home::api_router())
        .merge(projects::api_router())
        .merge(risk::api_router())
        .merge(crate::money::api_router())
        .merge(events::api_router())
        .merge(crate::learning::api_router())
        .merge(crate::toolkit::api_router())
        .merge(crate::resources::api_router())
        .merge(crate::matching::api::api_router())
}

pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

/// The page routes, each with its action.
pub(crate) fn page_routes() -> Routes {
    Routes::new()
        .merge(home::router())
        .merge(projects::router())
        .merge(risk::router())
        .merge(crate::money::router())
        .merge(dashboard::router())
        .merge(crate::skills::router())
        .merge(crate::matching::router())
        .merge(crate::asset_map::router())
        .merge(events::router())
        .merge(crate::learning::router())
        .merge(crate::toolkit::router())
        .merge(crate::resources::router())
        .merge(accounts::router())
        .merge(admin::router())
        .merge(tokens::router())
        .merge(privacy::router())
        .merge(invitations::router())
        .merge(health::router())
        .merge(assets::router())
}

/// Every route of the product with the action it performs, for the
/// authorisation tests.
pub fn route_rules() -> Vec<policy::Rule> {
    policy::all_rules(&page_routes().into_parts().1)
}

/// The site map: every public address, then the layers, outermost last.
fn router(state: AppState, settings: &Settings) -> Router {
    let (api_routes, doc) = api_router().split_for_parts();
    let doc = Arc::new(doc);
    let (pages, page_rules) = page_routes().into_parts();
    let table = policy::table(&policy::all_rules(&page_rules));
    pages
        .merge(api_routes)
        .merge(api::doc_router(doc))
        // Only matched routes pass through the policy; the fallback is a 404.
        .route_layer(axum::middleware::from_fn_with_state(table, policy::enforce))
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::middleware))
        .with_state(state)
        .layer(security::headers())
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(settings.body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout,
        ))
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(error::panicked))
        .layer(axum::middleware::from_fn(error::render))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    let id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), id)
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
