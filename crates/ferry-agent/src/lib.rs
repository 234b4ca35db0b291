//! The Ferry agent core. It knows the protocol and the loop; a [`driver::Driver`] knows the
//! platform. `ferry agent docker` pairs it with the Docker driver.
//!
//! - [`config`]: settings, with Distr's variable names accepted;
//! - [`hub`]: the hub client (login, token refresh, ETags);
//! - [`plan`]: what a tick does, decided from desired and local state;
//! - [`agent`]: the loop that carries the plan out and reports;
//! - [`state`]: what survives restarts;
//! - [`logship`], [`selflog`]: application logs and the agent's own;
//! - [`health`]: the liveness endpoint;
//! - [`run`]: all of it together, for any driver ([`run::run_agent`]).

pub mod agent;
pub mod config;
pub mod driver;
pub mod health;
pub mod hub;
pub mod logship;
pub mod plan;
pub mod run;
pub mod selflog;
pub mod state;

/// The version this agent reports in its User-Agent.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The User-Agent every agent request carries (PROTOCOL.md §3).
pub fn user_agent() -> String {
    format!("FerryAgent/{VERSION}")
}
