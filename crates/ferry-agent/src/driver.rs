//! The seam between the agent core and a platform (Docker, Kubernetes). The core decides
//! what to do and when; a driver knows how to apply, remove, observe and read logs of one
//! deployment, and how to measure its host.

use async_trait::async_trait;
use ferry_proto::agent::{AgentDeployment, MetricsReport, StatusType};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// A deployment as installed on this target, as the agent remembers it across restarts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Installed {
    /// The deployment.
    pub id: Uuid,
    /// The revision that was applied.
    pub revision_id: Uuid,
    /// The deployment as applied, without registry credentials (those live only in the
    /// driver's per-deployment credential store), so it can be removed without the hub.
    pub spec: AgentDeployment,
    /// Facts the driver recorded when it applied (e.g. the containers and config hashes
    /// Compose created), from which it later detects drift. Opaque to the core.
    #[serde(default)]
    pub facts: serde_json::Value,
    /// When it was applied.
    #[serde(with = "time::serde::rfc3339")]
    pub applied_at: OffsetDateTime,
}

/// What an apply produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// Facts to remember (see [`Installed::facts`]).
    pub facts: serde_json::Value,
}

/// What a driver sees of an installed deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Health, as PROTOCOL.md §5 defines the kinds.
    pub status: StatusType,
    /// What a person should read: which service is in which state and why.
    pub message: String,
    /// Set when the deployment no longer matches what was applied (a container removed,
    /// stopped or altered by hand); says what differs. The core then re-applies.
    pub drift: Option<String>,
}

/// One log line a driver read; the core adds the deployment and revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Container, service or object that wrote it.
    pub resource: String,
    /// When it was written.
    pub timestamp: OffsetDateTime,
    /// `Log`/`Err` (Compose), `stdout`/`stderr` (Swarm), `Log` (Kubernetes).
    pub severity: String,
    /// The text, without the trailing newline.
    pub body: String,
}

/// A driver failure. `message` goes into the deployment's error status, so it must say what
/// failed in words a person can act on; credentials must never appear in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DriverError {
    /// What failed.
    pub message: String,
}

impl DriverError {
    /// A failure with a message.
    pub fn new(message: impl Into<String>) -> Self {
        DriverError { message: message.into() }
    }
}

/// Credentials for the hub's own registry: user `-`, the agent's current token as password
/// (PROTOCOL.md §8, `FERRY_REGISTRY_HOST`).
#[derive(Clone, PartialEq, Eq)]
pub struct HubRegistry {
    /// Registry host.
    pub host: String,
    /// The agent's JWT.
    pub token: String,
}

impl std::fmt::Debug for HubRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HubRegistry {{ host: {:?}, token: <redacted> }}", self.host)
    }
}

/// What an apply needs besides the deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplyContext {
    /// Log in to the hub's registry too, when one is configured.
    pub hub_registry: Option<HubRegistry>,
}

/// Receives live progress of an apply ("pulling web", "starting db").
pub type Progress<'a> = &'a (dyn Fn(&str) + Send + Sync);

/// A platform driver.
#[async_trait]
pub trait Driver: Send + Sync {
    /// Short name for logs (`docker`, `kubernetes`).
    fn name(&self) -> &'static str;

    /// Applies a new or changed deployment (or re-applies one that drifted). `previous` is
    /// what was installed before, if anything.
    async fn apply(
        &self,
        deployment: &AgentDeployment,
        previous: Option<&Installed>,
        context: &ApplyContext,
        progress: Progress<'_>,
    ) -> Result<Applied, DriverError>;

    /// Removes a deployment that is no longer desired. Named volumes are kept.
    async fn remove(&self, installed: &Installed) -> Result<(), DriverError>;

    /// Looks at an installed deployment: its health, and whether it drifted. Must not start
    /// processes when nothing changed (read the platform's API instead).
    async fn observe(&self, installed: &Installed) -> Result<Observation, DriverError>;

    /// Log lines written at or after `since` (all retained lines when `None`), oldest first,
    /// at most `max`.
    async fn logs(
        &self,
        installed: &Installed,
        since: Option<OffsetDateTime>,
        max: usize,
    ) -> Result<Vec<LogLine>, DriverError>;

    /// Host (or cluster) metrics.
    async fn metrics(&self) -> Result<MetricsReport, DriverError>;

    /// Replaces the running agent with the one `manifest` describes (the connect manifest
    /// of the new version with the secret re-inserted). Returns once the replacement is
    /// under way; the current process is expected to be stopped by it.
    async fn self_update(&self, manifest: &str) -> Result<(), DriverError>;

    /// Counters worth exposing (e.g. processes spawned), written to the agent's stats file.
    fn stats(&self) -> serde_json::Value {
        serde_json::Value::Null
    }
}

/// Identifies a deployment in messages.
pub fn describe(deployment: &AgentDeployment) -> String {
    if deployment.release_name.is_empty() {
        format!("deployment {}", deployment.id)
    } else {
        format!("release {}", deployment.release_name)
    }
}
