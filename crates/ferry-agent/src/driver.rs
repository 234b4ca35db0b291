//! The seam between the agent core and a platform (Docker, Kubernetes). The core decides
//! what to do and when; a driver knows how to apply, remove, observe and read logs of one
//! deployment, and how to measure its host.

use async_trait::async_trait;
use ferry_proto::agent::{AgentDeployment, MetricsReport, StatusType};
pub use ferry_proto::api::Scope;
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

/// Whether retrying a failed driver call soon can help. The core backs off accordingly:
/// transient failures are retried within about a minute, permanent ones (a broken
/// deployment, a refused object) with a backoff that grows to five minutes, so a broken
/// revision never turns into a hot loop while a flaky API recovers quickly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The platform was unreachable, busy or timed out (connection refused, 5xx, 409, 429).
    Transient,
    /// The deployment itself or the platform's answer is wrong (invalid input, 403, 404, 422).
    Permanent,
}

/// A driver failure. `message` goes into the deployment's error status, so it must say what
/// failed in words a person can act on; credentials must never appear in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DriverError {
    /// What failed.
    pub message: String,
    /// Whether retrying soon can help.
    pub kind: FailureKind,
}

impl DriverError {
    /// A failure that retrying will not fix until something changes.
    pub fn permanent(message: impl Into<String>) -> Self {
        DriverError { message: message.into(), kind: FailureKind::Permanent }
    }

    /// A failure that may go away on its own (the platform was unreachable or busy).
    pub fn transient(message: impl Into<String>) -> Self {
        DriverError { message: message.into(), kind: FailureKind::Transient }
    }

    /// Whether retrying soon can help.
    pub fn is_transient(&self) -> bool {
        self.kind == FailureKind::Transient
    }

    /// The same failure with `context` in front of the message.
    pub fn context(self, context: impl std::fmt::Display) -> Self {
        DriverError { message: format!("{context}: {}", self.message), kind: self.kind }
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

/// What every driver call knows about the target besides the deployment: where it deploys,
/// what it may touch, and which registries it may pull from. The core builds it from its
/// configuration and the hub's desired state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetContext {
    /// The namespace the hub assigned (`resources.namespace`); `None` for Docker targets.
    pub namespace: Option<String>,
    /// What a Kubernetes agent may touch (`FERRY_SCOPE`); Docker drivers ignore it.
    pub scope: Scope,
    /// The hub's registry, logged into with the agent's token. Only filled for applies (the
    /// token is fetched when it is needed, not on every observation).
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
        target: &TargetContext,
        deployment: &AgentDeployment,
        previous: Option<&Installed>,
        progress: Progress<'_>,
    ) -> Result<Applied, DriverError>;

    /// Removes a deployment that is no longer desired. Named volumes are kept.
    async fn remove(&self, target: &TargetContext, installed: &Installed) -> Result<(), DriverError>;

    /// Looks at an installed deployment: its health, and whether it drifted. Must not start
    /// processes when nothing changed (read the platform's API instead).
    async fn observe(&self, target: &TargetContext, installed: &Installed) -> Result<Observation, DriverError>;

    /// Log lines written at or after `since` (all retained lines when `None`), oldest first,
    /// at most `max`.
    async fn logs(
        &self,
        target: &TargetContext,
        installed: &Installed,
        since: Option<OffsetDateTime>,
        max: usize,
    ) -> Result<Vec<LogLine>, DriverError>;

    /// Host (or cluster) metrics.
    async fn metrics(&self, target: &TargetContext) -> Result<MetricsReport, DriverError>;

    /// Replaces the running agent with the one `manifest` describes (the connect manifest
    /// of the new version with the secret re-inserted). Returns once the replacement is
    /// under way; the current process is expected to be stopped by it.
    async fn self_update(&self, target: &TargetContext, manifest: &str) -> Result<(), DriverError>;

    /// Deployments the platform says this agent installed, for when the agent's own state
    /// is missing or behind (a Kubernetes agent keeps its state on an `emptyDir` that a new
    /// pod starts without). The core adopts the ones it does not know: it removes those no
    /// longer desired and observes or re-applies the rest. The default knows of none.
    async fn discover(&self, target: &TargetContext) -> Result<Vec<Installed>, DriverError> {
        let _ = target;
        Ok(Vec::new())
    }

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
