//! The agent stream (issue 13): one long-lived, agent-initiated WebSocket per agent
//! connection at `/api/v1/agent/stream`, multiplexing named channels.
//!
//! - [`frame`]: the wire format of one WebSocket message;
//! - [`handshake`]: challenge, hello (token or key proof), welcome, refusal;
//! - [`connection`]: the sans-IO state machine — channels, per-channel flow control,
//!   numbered and acknowledged messages with resume across reconnects, heartbeats, limits;
//! - [`limit`]: the inbound budget that slows a flooding peer without cutting others;
//! - [`identity`]: agent key pairs (Ed25519, RSA), fingerprints, handshake proofs;
//! - [`signed`]: the hub's Ed25519 signature on desired state;
//! - [`backoff`]: jittered exponential reconnect delays;
//! - [`driver`]: the async loop running a connection over any WebSocket.
//!
//! Well-known channel names are in [`channels`].

pub mod backoff;
pub mod connection;
#[cfg(feature = "driver")]
pub mod driver;
pub mod frame;
pub mod handshake;
pub mod identity;
pub mod limit;
pub mod signed;

pub use connection::{Config, Connection, Event, SendError, Side};
pub use frame::{ChannelId, ChannelKind, Code, Frame, PROTOCOL_VERSION};

/// The route agents open the stream on.
pub const PATH: &str = "/api/v1/agent/stream";

/// Channel names with a fixed meaning.
pub mod channels {
    /// Hub → agent messages: the target's desired state, signed (JSON [`crate::channels::DesiredState`]).
    pub const DESIRED: &str = "desired";
    /// Hub → agent messages: role changes and other instructions (JSON [`crate::channels::Control`]).
    pub const CONTROL: &str = "control";
    /// Agent → hub messages: one deployment status each (the JSON of `POST /api/v1/agent/status`).
    pub const STATUS: &str = "status";
    /// Agent → hub messages: a log batch each (the JSON of `PUT /api/v1/agent/logs`).
    pub const LOGS: &str = "logs";
    /// Agent → hub messages: host metrics (the JSON of `POST /api/v1/agent/metrics`).
    pub const METRICS: &str = "metrics";
    /// Agent → hub messages: the agent's own log lines (`PUT /api/v1/agent/deployment-target-logs`).
    pub const AGENT_LOGS: &str = "agent-logs";

    /// The agent → hub channels whose messages the hub acknowledges durably.
    pub const UPLINK: [&str; 4] = [STATUS, LOGS, METRICS, AGENT_LOGS];

    /// A desired-state push.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct DesiredState {
        /// Digest of `body` (the ETag the HTTP route would give).
        pub digest: String,
        /// `Ferry-Signature` value, when the hub signs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub signature: Option<String>,
        /// The exact JSON of `GET /api/v1/agent/resources`.
        pub body: String,
    }

    /// An instruction from the hub.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    #[serde(tag = "type", rename_all = "camelCase")]
    pub enum Control {
        /// This connection's role changed.
        Role {
            /// The new role.
            role: crate::handshake::Role,
        },
    }
}
