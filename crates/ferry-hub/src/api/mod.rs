//! HTTP: the vendor REST API (JSON errors), the agent API (plain-text errors, PROTOCOL.md),
//! health, readiness and Prometheus metrics.

mod agent;
mod error;
pub(crate) mod vendor;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use uuid::Uuid;

pub use error::{AgentError, ApiError};

use crate::clock::Clock;
use crate::crypto::{Sealer, SecretHasher, TokenIssuer};
use crate::presence::Presence;
use crate::ratelimit::Limiter;
use crate::settings::Settings;
use crate::store::Store;
use crate::telemetry::Telemetry;
use ferry_proto::api::AgentVersion;

/// The ETag last computed for a target, valid while the organization's generation holds.
#[derive(Debug, Clone)]
pub(crate) struct CachedEtag {
    generation: i64,
    etag: String,
}

/// Rate limiters of the agent-facing routes.
pub struct Limits {
    /// Logins per target id.
    pub login: Limiter<Uuid>,
    /// Connect-manifest downloads per target id.
    pub connect: Limiter<Uuid>,
    /// Authenticated agent calls per target.
    pub agent: Limiter<Uuid>,
}

impl Limits {
    /// Limits as PROTOCOL.md describes: a handful of logins and connects per minute per
    /// target, a few hundred agent calls per minute per target.
    pub fn new(settings: &Settings) -> Self {
        Limits {
            login: Limiter::new(settings.login_rate),
            connect: Limiter::new(settings.login_rate),
            agent: Limiter::new(settings.agent_rate),
        }
    }
}

/// Everything a request handler can reach.
pub struct Hub {
    /// Persistence.
    pub store: Arc<dyn Store>,
    /// Agent JWTs.
    pub tokens: TokenIssuer,
    /// Secret sealing.
    pub sealer: Sealer,
    /// Argon2id.
    pub hasher: SecretHasher,
    /// Configuration.
    pub settings: Settings,
    /// The agent version this hub registered for itself.
    pub default_agent_version: AgentVersion,
    /// Rate limiters.
    pub limits: Limits,
    /// Agent presence.
    pub presence: Presence,
    /// Request metrics.
    pub telemetry: Telemetry,
    /// Time.
    pub clock: Arc<dyn Clock>,
    pub(crate) etags: Mutex<HashMap<Uuid, CachedEtag>>,
}

impl Hub {
    /// Assembles a hub around a store.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Arc<dyn Store>,
        tokens: TokenIssuer,
        sealer: Sealer,
        hasher: SecretHasher,
        settings: Settings,
        default_agent_version: AgentVersion,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Hub {
            store,
            tokens,
            sealer,
            hasher,
            limits: Limits::new(&settings),
            settings,
            default_agent_version,
            presence: Presence::default(),
            telemetry: Telemetry::default(),
            clock,
            etags: Mutex::new(HashMap::new()),
        }
    }
}

/// Shared handle to the hub.
pub type AppState = Arc<Hub>;

/// The whole HTTP surface.
pub fn router(hub: AppState) -> Router {
    let agent = agent::routes().layer(DefaultBodyLimit::max(hub.settings.agent_body_limit));
    let vendor = vendor::routes().layer(DefaultBodyLimit::max(hub.settings.vendor_body_limit));
    let ui = crate::ui::routes(&hub).layer(DefaultBodyLimit::max(hub.settings.vendor_body_limit));
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(prometheus))
        .merge(agent)
        .merge(vendor)
        .merge(ui)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(hub.clone(), observe))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_response))
        .with_state(hub)
}

async fn readyz(State(hub): State<AppState>) -> Response {
    match hub.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, format!("database unreachable: {e}\n")).into_response()
        }
    }
}

async fn prometheus(State(hub): State<AppState>) -> Response {
    let active = hub.presence.active(hub.clock.now(), time::Duration::minutes(1));
    let body = hub.telemetry.render(active, crate::VERSION);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

async fn not_found(uri: axum::http::Uri) -> Response {
    if !uri.path().starts_with("/api/") {
        return crate::ui::not_found();
    }
    if uri.path().starts_with("/api/v1/agent/") {
        AgentError::new(StatusCode::NOT_FOUND, format!("no such route: {}", uri.path())).into_response()
    } else {
        ApiError::new(StatusCode::NOT_FOUND, format!("no such route: {}", uri.path())).into_response()
    }
}

async fn observe(State(hub): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = request.method().as_str().to_string();
    let response = next.run(request).await;
    hub.telemetry.observe(&route, &method, response.status().as_u16(), started.elapsed());
    response
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked; this is a bug");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}
