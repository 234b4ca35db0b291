//! The handshake: the hub sends a fresh nonce ([`Challenge`]); the agent answers with who it
//! is and a proof ([`Hello`]): its target's JWT (the Distr-compatible secret, exchanged at
//! `/api/v1/agent/login`), or a signature by a registered key over the nonce, the target, the
//! connection id and the time ([`crate::identity::hello_message`]). The hub accepts
//! ([`Welcome`]) or refuses ([`Refusal`]). A recorded Hello is worthless on another
//! connection: its nonce is not that connection's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::frame::Code;

/// The hub's opening frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Challenge {
    /// Protocol version the hub speaks.
    pub protocol: u32,
    /// 32 random bytes, base64url; signed by key-pair agents.
    pub nonce: String,
    /// The hub's clock (Unix seconds), so an agent can say its own clock is off.
    pub time: i64,
}

/// How an agent proves its identity.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "camelCase")]
pub enum Auth {
    /// The JWT from `/api/v1/agent/login` (target secret, Distr-compatible).
    Token {
        /// The JWT.
        token: String,
    },
    /// A signature by one of the target's registered keys.
    #[serde(rename_all = "camelCase")]
    Key {
        /// SHA-256 fingerprint of the public key (`SHA256:…`).
        fingerprint: String,
        /// The agent's clock at signing (Unix seconds); outside the hub's window is refused.
        time: i64,
        /// Base64 signature over [`crate::identity::hello_message`].
        signature: String,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Token { .. } => f.write_str("Token(<redacted>)"),
            Auth::Key { fingerprint, time, .. } => write!(f, "Key({fingerprint}, t={time})"),
        }
    }
}

/// The agent's answer to the challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hello {
    /// Protocol version the agent speaks.
    pub protocol: u32,
    /// The agent's target.
    pub target: Uuid,
    /// Which replica of the agent this is (host or pod name by default).
    pub connection_id: String,
    /// `FerryAgent/<version>`.
    pub agent: String,
    /// The proof.
    pub auth: Auth,
    /// Identity of the agent's outbox: sequence numbers of its messages count within it.
    pub origin: Uuid,
    /// Bytes of credit the agent gives each channel the hub opens or sends on.
    pub window: u32,
    /// Digest of the desired state the agent holds, so the hub sends it only if it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<String>,
    /// Channel names the agent serves when the hub opens them (`docker`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serves: Vec<String>,
}

/// Whether a connection applies deployments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// This connection applies deployments and reports their status.
    Active,
    /// Another connection of the same target applies; this one stands by (and serves live
    /// access) until the hub makes it active.
    Standby,
}

/// The hub's acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Welcome {
    /// The hub's id for this connection (shown in the UI).
    pub session: Uuid,
    /// Bytes of credit the hub gives each channel the agent opens.
    pub window: u32,
    /// How often the agent pings.
    pub heartbeat_ms: u64,
    /// The connection is dead after this long without a frame.
    pub idle_timeout_ms: u64,
    /// Largest frame the hub accepts.
    pub max_frame: u32,
    /// Per agent→hub channel name, the highest sequence number the hub has processed from
    /// this origin: the agent resumes after it.
    pub resume: BTreeMap<String, u64>,
    /// What this connection does.
    pub role: Role,
}

/// The hub's refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// Why, as a code.
    pub code: Code,
    /// Why, in words that say what to do.
    pub message: String,
}

/// Longest connection id.
pub const MAX_CONNECTION_ID: usize = 128;

/// Checks a connection id: 1 to 128 characters of letters, digits, `.`, `-`, `_` and `:`
/// (host names and pod names qualify).
pub fn validate_connection_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > MAX_CONNECTION_ID {
        return Err(format!("connection id must be 1 to {MAX_CONNECTION_ID} characters, got {}", id.len()));
    }
    if let Some(c) = id.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'))) {
        return Err(format!("connection id {id:?} contains {c:?}; use letters, digits, '.', '-', '_' or ':'"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_is_tagged_and_redacted() {
        let a = Auth::Token { token: "secret.jwt".into() };
        assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"method":"token","token":"secret.jwt"}"#);
        assert_eq!(format!("{a:?}"), "Token(<redacted>)");
        let k = Auth::Key { fingerprint: "SHA256:x".into(), time: 5, signature: "c2ln".into() };
        assert!(!format!("{k:?}").contains("c2ln"));
    }

    #[test]
    fn connection_ids_are_host_like() {
        assert!(validate_connection_id("web-7f9c-abcde").is_ok());
        assert!(validate_connection_id("host.example.com").is_ok());
        assert!(validate_connection_id("").is_err());
        assert!(validate_connection_id("a b").unwrap_err().contains("' '"));
        assert!(validate_connection_id(&"x".repeat(129)).is_err());
    }
}
