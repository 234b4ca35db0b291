//! Runtime settings the request handlers consult.

use std::time::Duration;

use crate::ratelimit::Rate;

/// What handlers need to know about the hub's configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Base URL agents and installers reach the hub at (no trailing slash).
    pub public_url: String,
    /// Poll interval written into connect manifests (Go duration text).
    pub agent_interval: String,
    /// Lifetime of agent JWTs.
    pub token_lifetime: Duration,
    /// Registry whose pulls authenticate with the agent's JWT, if any.
    pub registry_host: Option<String>,
    /// Logins (and connect downloads) per target id.
    pub login_rate: Rate,
    /// Authenticated agent calls per target.
    pub agent_rate: Rate,
    /// Largest agent request body (log batches).
    pub agent_body_limit: usize,
    /// Largest vendor request body (compose files, values).
    pub vendor_body_limit: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: "http://localhost:8080".into(),
            agent_interval: "5s".into(),
            token_lifetime: Duration::from_secs(24 * 3600),
            registry_host: None,
            login_rate: Rate { per_minute: 6, burst: 5 },
            agent_rate: Rate { per_minute: 300, burst: 60 },
            agent_body_limit: 8 * 1024 * 1024,
            vendor_body_limit: 8 * 1024 * 1024,
        }
    }
}
