//! The Ferry hub: the control plane agents dial out to. It serves the web UI, the vendor REST
//! API, the Distr-compatible agent API and connect manifests, on SQLite or PostgreSQL.
//!
//! [`server::start`] runs one; [`api::router`] is the HTTP surface; [`store::Store`] is
//! persistence. Decisions (validation, desired state, templating) are pure functions in
//! [`validate`], [`desired`] and [`template`].

pub mod api;
pub mod clock;
pub mod crypto;
pub mod desired;
pub mod presence;
pub mod ratelimit;
pub mod secrets;
pub mod server;
pub mod settings;
pub mod store;
pub mod telemetry;
pub mod template;
mod ui;
pub mod validate;

/// The hub's version, also the name of the agent version it registers.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
