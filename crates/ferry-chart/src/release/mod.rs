//! Helm release storage: the release record, its Secret encoding exactly as
//! Helm 3 and Helm 4 write and read it, and the agent's tracking Secret.
//!
//! | Helm (`pkg/storage/driver`)        | here                          |
//! |------------------------------------|-------------------------------|
//! | `json.Marshal(rls)` / `Unmarshal`  | [`Release::to_json`] / [`Release::from_json`] |
//! | `encodeRelease` / `decodeRelease`  | [`encode_release`] / [`decode_release`] |
//! | `newSecretsObject` + `Create`/`Update` labels | [`release_to_secret`] |
//! | `Secrets.Get` (+ `filterSystemLabels`) | [`release_from_secret`]   |
//! | `makeKey`                          | [`release_secret_name`]       |
//!
//! Everything is pure: Secrets are plain [`Secret`] values, convertible to
//! and from the Kubernetes API's JSON; no client lives here.

mod agent;
mod model;
mod secret;
mod storage;

pub use agent::{
    AGENT_DATA_KEY, AGENT_DEPLOYMENT_LABEL, AGENT_SECRET_PREFIX, AgentDeployment, AgentPhase, agent_secret_name,
};
// The chart's own model types are the ones a release stores.
pub use crate::chart::{Dependency, File, Lock, Maintainer, Metadata};
pub use crate::timestamp::{Timestamp, TimestampError};
pub use model::{
    Chart, Hook, HookDeletePolicy, HookEvent, HookExecution, HookOutputLogPolicy, HookPhase, Info, Release, Status,
};
pub use secret::Secret;
pub use storage::{
    HELM_OWNER, HELM_RELEASE_SECRET_PREFIX, HELM_RELEASE_SECRET_TYPE, MAX_RELEASE_JSON_BYTES, RELEASE_DATA_KEY,
    SYSTEM_LABELS, StorageWrite, custom_labels, decode_release, encode_release, parse_release_secret_name,
    release_from_secret, release_json, release_secret_name, release_to_secret,
};

/// Why a release or Secret could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// A value cannot be written as JSON (NaN, a non-string map key, a
    /// time Go cannot write, ...).
    #[error("encoding release: {0}")]
    Encode(String),
    /// The JSON is malformed or has a value of the wrong kind.
    #[error("decoding release: {0}")]
    Decode(String),
    /// The stored data is not base64.
    #[error("decoding release: illegal base64 data: {0}")]
    Base64(String),
    /// Compressing or decompressing failed.
    #[error("release gzip data: {0}")]
    Gzip(String),
    /// The decompressed release exceeds [`MAX_RELEASE_JSON_BYTES`].
    #[error("decoding release: decompressed data exceeds {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The Secret lacks the data key.
    #[error("secret {secret:?} has no {key:?} data")]
    MissingData {
        /// Secret name.
        secret: String,
        /// The missing key.
        key: &'static str,
    },
    /// The object is not a usable Secret.
    #[error("invalid secret: {0}")]
    InvalidSecret(String),
    /// An error while reading the named Secret.
    #[error("secret {secret:?}: {source}")]
    InSecret {
        /// Secret name.
        secret: String,
        /// What went wrong.
        source: Box<ReleaseError>,
    },
}

impl ReleaseError {
    fn in_secret(self, secret: &str) -> ReleaseError {
        ReleaseError::InSecret { secret: secret.to_string(), source: Box::new(self) }
    }
}
