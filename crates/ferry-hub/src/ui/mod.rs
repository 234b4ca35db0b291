//! The web UI for vendors, served at `/`: server-rendered HTML (maud) with a little plain
//! JavaScript, assets embedded in the binary. It does what the REST API does, through the
//! same functions (`api::vendor`), for a person logged in with email and password.
//!
//! Security: sessions are random tokens kept only as SHA-256 digests ([`session`]), every form
//! carries a per-session CSRF token compared in constant time, and the first-run page asks for
//! the API token the hub printed on its console before it sets the admin's password.

mod applications;
mod assets;
mod auth;
mod chart;
mod deployments;
mod error;
mod form;
mod layout;
mod live;
mod overview;
mod secrets;
mod session;
mod targets;

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use uuid::Uuid;

use crate::api::AppState;
use crate::ratelimit::Limiter;

/// State of the UI that the rest of the hub does not need.
pub(crate) struct UiState {
    /// Login attempts per (lowercased) email.
    login: Limiter<String>,
    /// A hash to verify against when the email is unknown, so the answer takes as long.
    decoy_hash: tokio::sync::OnceCell<String>,
}

/// The UI's routes, to be merged into the hub's router.
pub(crate) fn routes(hub: &AppState) -> Router<AppState> {
    let state =
        Arc::new(UiState { login: Limiter::new(hub.settings.login_rate), decoy_hash: tokio::sync::OnceCell::new() });
    let pages = Router::new()
        .route("/", get(overview::page))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/setup", get(auth::setup_page).post(auth::setup))
        .route("/targets", get(|| async { Redirect::to("/") }).post(targets::create))
        .route("/targets/new", get(targets::new_page))
        .route("/targets/{id}", get(targets::page))
        .route("/targets/{id}/reconnect", post(targets::reconnect))
        .route("/targets/{id}/agent-version", post(targets::set_agent_version))
        .route("/targets/{id}/deploy", post(targets::deploy))
        .route("/targets/{id}/delete", post(targets::delete))
        .route("/deployments/{id}", get(deployments::page))
        .route("/deployments/{id}/redeploy", post(deployments::redeploy))
        .route("/deployments/{id}/undeploy", post(deployments::undeploy))
        .route("/applications", get(applications::list_page).post(applications::create))
        .route("/applications/{id}", get(applications::page))
        .route("/applications/{id}/versions", post(applications::add_version))
        .route("/applications/{id}/versions/{version}/archive", post(applications::archive))
        .route("/applications/{id}/delete", post(applications::delete))
        .route("/secrets", get(secrets::page).post(secrets::add))
        .route("/secrets/{key}/rotate", post(secrets::rotate))
        .route("/secrets/{key}/delete", post(secrets::delete))
        .route("/ui/live/state", get(live::state))
        .route("/ui/live/deployments/{id}/logs", get(live::deployment_logs))
        .route("/ui/live/deployments/{id}/timeline", get(live::timeline))
        .route("/ui/live/targets/{id}/agent-logs", get(live::agent_logs))
        .layer(middleware::from_fn(page_headers))
        .layer(Extension(state));
    Router::new().route("/assets/{file}", get(assets::serve)).route("/favicon.ico", get(assets::favicon)).merge(pages)
}

/// The page for an unknown address (the hub's fallback for everything outside `/api/`).
pub(crate) fn not_found() -> Response {
    with_page_headers(error::UiError::not_found("page").into_response())
}

async fn page_headers(request: Request, next: Next) -> Response {
    with_page_headers(next.run(request).await)
}

/// Pages load nothing from elsewhere, run no inline script, are never framed and never cached
/// (a connect command shown once must not come back from the cache).
fn with_page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Parses an id from a path, answering with the not-found page when it is not one.
fn parse_id(what: &'static str, text: &str) -> Result<Uuid, error::UiError> {
    Uuid::parse_str(text).map_err(|_| error::UiError::not_found(what))
}
