//! The vendor REST API (`/api/v1/...` with an API token): request and response bodies shared
//! by the hub, the `ferry` CLI and the web UI.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

pub use crate::agent::{DockerType, HelmOptions, StatusType};

/// The error body of every vendor API failure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApiError {
    /// What went wrong and what to do about it.
    pub error: String,
    /// The request field at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// What an application is deployed with; must equal the target's type.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum PlatformType {
    /// Docker Compose or Swarm.
    Docker,
    /// Helm chart on Kubernetes.
    Kubernetes,
}

impl PlatformType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformType::Docker => "docker",
            PlatformType::Kubernetes => "kubernetes",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "docker" => Some(PlatformType::Docker),
            "kubernetes" => Some(PlatformType::Kubernetes),
            _ => None,
        }
    }
}

impl fmt::Display for PlatformType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a Kubernetes agent may touch; fixed when the target is created. The default is the
/// least privilege.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Only its own namespace (Role + RoleBinding).
    #[default]
    Namespace,
    /// The whole cluster (ClusterRoleBinding to cluster-admin).
    Cluster,
}

impl Scope {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Namespace => "namespace",
            Scope::Cluster => "cluster",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "namespace" => Some(Scope::Namespace),
            "cluster" => Some(Scope::Cluster),
            _ => None,
        }
    }
}

/// Where a Helm chart comes from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ChartType {
    /// A classic `index.yaml` chart repository.
    Repository,
    /// An OCI registry (`oci://host/repo/chart`).
    Oci,
}

impl ChartType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChartType::Repository => "repository",
            ChartType::Oci => "oci",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "repository" => Some(ChartType::Repository),
            "oci" => Some(ChartType::Oci),
            _ => None,
        }
    }
}

/// `POST /api/v1/applications`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NewApplication {
    /// Unique within the organization.
    pub name: String,
    /// `docker` or `kubernetes`.
    #[serde(rename = "type")]
    pub kind: PlatformType,
}

/// An application.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// Identifier.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// `docker` or `kubernetes`.
    #[serde(rename = "type")]
    pub kind: PlatformType,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Versions, newest first (only on single-application reads and lists).
    #[serde(default)]
    pub versions: Vec<ApplicationVersion>,
}

/// `POST /api/v1/applications/{id}/versions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NewApplicationVersion {
    /// Unique within the application, e.g. `1.2.3`.
    pub name: String,
    /// Docker: the Compose file (YAML text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compose_file: Option<String>,
    /// Docker: the env file a deployment starts from (may use `{{ .Secrets.KEY }}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_template: Option<String>,
    /// Kubernetes: `repository` or `oci`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_type: Option<ChartType>,
    /// Kubernetes: repository URL or `oci://…` reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_url: Option<String>,
    /// Kubernetes: chart name (repository charts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_name: Option<String>,
    /// Kubernetes: chart version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_version: Option<String>,
    /// Kubernetes: base values (YAML map), merged under each deployment's values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_values: Option<String>,
    /// Kubernetes: the values a deployment starts from (may use `{{ .Secrets.KEY }}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_template: Option<String>,
}

/// An application version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationVersion {
    /// Identifier.
    pub id: Uuid,
    /// The application it belongs to.
    pub application_id: Uuid,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Set when archived: archived versions cannot be newly deployed.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub archived_at: Option<OffsetDateTime>,
    /// Name and content, as created.
    #[serde(flatten)]
    pub spec: NewApplicationVersion,
}

/// `POST /api/v1/targets`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NewTarget {
    /// Unique within the organization.
    pub name: String,
    /// `docker` or `kubernetes`.
    #[serde(rename = "type")]
    pub kind: PlatformType,
    /// Kubernetes: the agent's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Kubernetes: `namespace` (default) or `cluster`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// Send host/cluster metrics (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_enabled: Option<bool>,
    /// Ship application logs (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs_enabled: Option<bool>,
    /// Agent version to run (default: the hub's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_version_id: Option<Uuid>,
}

/// `PATCH /api/v1/targets/{id}`: fields left out stay as they are. Type, namespace and
/// scope are fixed at creation.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TargetPatch {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Metrics on/off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_enabled: Option<bool>,
    /// Logs on/off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs_enabled: Option<bool>,
    /// Move the target to another agent version (the agent self-updates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_version_id: Option<Uuid>,
}

/// Whether an agent has been heard from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum TargetState {
    /// No agent has ever called in (grey).
    NeverSeen,
    /// Heard from within the last 60 s (green).
    Online,
    /// Heard from before, but not within 60 s (yellow).
    Stale,
}

/// How long an agent may be silent before it counts as stale.
pub const STALE_AFTER: Duration = Duration::from_secs(60);

impl TargetState {
    /// Classifies a target from the last time its agent was seen.
    pub fn at(last_seen: Option<OffsetDateTime>, now: OffsetDateTime) -> Self {
        match last_seen {
            None => TargetState::NeverSeen,
            Some(t) if now - t <= STALE_AFTER => TargetState::Online,
            Some(_) => TargetState::Stale,
        }
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            TargetState::NeverSeen => "never seen",
            TargetState::Online => "online",
            TargetState::Stale => "stale",
        }
    }
}

/// A deployment target.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    /// Identifier (the agent's `FERRY_TARGET_ID`).
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// `docker` or `kubernetes`.
    #[serde(rename = "type")]
    pub kind: PlatformType,
    /// Kubernetes namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Kubernetes scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// Metrics on/off.
    pub metrics_enabled: bool,
    /// Logs on/off.
    pub logs_enabled: bool,
    /// The agent version the target should run.
    pub agent_version: AgentVersion,
    /// The version the agent last said it runs (from its User-Agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_agent_version: Option<String>,
    /// Last time the agent called in.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_seen_at: Option<OffsetDateTime>,
    /// Never seen, online or stale.
    pub state: TargetState,
    /// Whether a secret has been issued (the agent can connect).
    pub has_secret: bool,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `POST /api/v1/targets/{id}/access`: returned exactly once.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TargetAccess {
    /// The target.
    pub target_id: Uuid,
    /// The new secret; the previous one stops working.
    pub target_secret: String,
    /// URL of the install manifest, secret embedded.
    pub connect_url: String,
    /// The command a customer runs to install the agent.
    pub connect_command: String,
}

/// An agent version a target can be assigned.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AgentVersion {
    /// Identifier (`FERRY_AGENT_VERSION_ID`).
    pub id: Uuid,
    /// Version name.
    pub name: String,
    /// Container image the connect manifests use.
    pub image: String,
    /// Registration time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `POST /api/v1/agent-versions`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NewAgentVersion {
    /// Version name, unique.
    pub name: String,
    /// Container image, e.g. `ghcr.io/acme/ferry-agent:1.2.3`.
    pub image: String,
}

/// `POST /api/v1/deployments` (create, or a new revision of the target's deployment of the
/// same application) and `PUT /api/v1/deployments/{id}` (new revision).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DeployRequest {
    /// Where to deploy (ignored on `PUT`, where the deployment fixes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<Uuid>,
    /// What to deploy.
    pub application_version_id: Uuid,
    /// Docker: env file text (default: the version's env template).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_file: Option<String>,
    /// Kubernetes: values YAML (default: the version's values template).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<String>,
    /// Docker: compose (default) or swarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_type: Option<DockerType>,
    /// Recreate containers even if unchanged.
    #[serde(default)]
    pub force_restart: bool,
    /// Docker: remove unused images after an update.
    #[serde(default)]
    pub image_cleanup_enabled: bool,
    /// Kubernetes: tolerate Helm revisions made outside Ferry.
    #[serde(default)]
    pub ignore_revision_skew: bool,
    /// Kubernetes: Helm options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm_options: Option<HelmOptions>,
    /// Kubernetes: release name (default: the application's name); fixed after creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_name: Option<String>,
    /// Ship this deployment's logs (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs_enabled: Option<bool>,
    /// Credentials per registry host; values may use `{{ .Secrets.KEY }}`. Stored
    /// encrypted, never returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry_auth: Option<BTreeMap<String, crate::agent::RegistryCredentials>>,
}

/// One immutable revision of a deployment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Revision {
    /// Identifier (what agents report status for).
    pub id: Uuid,
    /// The deployment.
    pub deployment_id: Uuid,
    /// The application version deployed.
    pub application_version_id: Uuid,
    /// Its name.
    pub application_version_name: String,
    /// Docker: env file as given (secrets still as references).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_file: Option<String>,
    /// Kubernetes: values as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<String>,
    /// Docker: compose or swarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_type: Option<DockerType>,
    /// Recreate even if unchanged.
    pub force_restart: bool,
    /// Remove unused images after update.
    pub image_cleanup_enabled: bool,
    /// Tolerate Helm revision skew.
    pub ignore_revision_skew: bool,
    /// Helm options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm_options: Option<HelmOptions>,
    /// Registry hosts with credentials (the credentials themselves are never returned).
    #[serde(default)]
    pub registry_hosts: Vec<String>,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A stored status: consecutive identical reports are folded into one with a count.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentStatus {
    /// Identifier, increasing with time.
    pub id: i64,
    /// The revision reported on.
    pub revision_id: Uuid,
    /// Kind.
    #[serde(rename = "type")]
    pub kind: StatusType,
    /// Agent's message.
    pub message: String,
    /// How many consecutive identical reports this row stands for.
    pub count: i64,
    /// First report.
    #[serde(with = "time::serde::rfc3339")]
    pub first_seen_at: OffsetDateTime,
    /// Latest report.
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
}

/// What a person sees for a deployment (PROTOCOL.md §5, UI semantics).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum DeploymentState {
    /// No status ever reported.
    NoStatus,
    /// Latest status is an error (red).
    Error,
    /// Latest status older than 60 s (yellow).
    Stale,
    /// An apply is under way (blue).
    Progressing,
    /// Running, some without health checks (green ring).
    Running,
    /// Running and healthy (green).
    Healthy,
}

impl DeploymentState {
    /// Classifies a deployment from its latest status. An error stays an error even when
    /// old: a stale error is still the last thing known and the more useful thing to show.
    pub fn at(latest: Option<(StatusType, OffsetDateTime)>, now: OffsetDateTime) -> Self {
        match latest {
            None => DeploymentState::NoStatus,
            Some((StatusType::Error, _)) => DeploymentState::Error,
            Some((_, seen)) if now - seen > STALE_AFTER => DeploymentState::Stale,
            Some((StatusType::Progressing, _)) => DeploymentState::Progressing,
            Some((StatusType::Running, _)) => DeploymentState::Running,
            Some((StatusType::Healthy, _)) => DeploymentState::Healthy,
        }
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            DeploymentState::NoStatus => "No status",
            DeploymentState::Error => "Error",
            DeploymentState::Stale => "Stale",
            DeploymentState::Progressing => "Progressing",
            DeploymentState::Running => "Running",
            DeploymentState::Healthy => "Healthy",
        }
    }
}

/// A deployment with its latest revision and status.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// Identifier.
    pub id: Uuid,
    /// The target.
    pub target_id: Uuid,
    /// Its name.
    pub target_name: String,
    /// The application.
    pub application_id: Uuid,
    /// Its name.
    pub application_name: String,
    /// Kubernetes release name; Compose project name for Docker.
    pub release_name: String,
    /// Ship logs.
    pub logs_enabled: bool,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The current (latest) revision.
    pub revision: Revision,
    /// The latest status of any revision, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DeploymentStatus>,
    /// Derived display state.
    pub state: DeploymentState,
}

/// A page of a long list; pass `next` as `before` to get the following page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Page<T> {
    /// The items, newest first.
    pub items: Vec<T>,
    /// Cursor of the next (older) page, if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A window of log lines, oldest first. `cursor` is the id of the last line: pass it as
/// `after` to get only newer lines (that is how `--follow` works).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LogPage<T> {
    /// The lines, oldest first.
    pub items: Vec<T>,
    /// Where the next poll continues.
    pub cursor: i64,
}

/// A stored application log line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LogLine {
    /// Identifier, increasing in arrival order.
    pub id: i64,
    /// Deployment.
    pub deployment_id: Uuid,
    /// Revision.
    pub revision_id: Uuid,
    /// Container, service or object.
    pub resource: String,
    /// When written.
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    /// Severity as the agent sent it.
    pub severity: String,
    /// Text.
    pub body: String,
}

/// A stored line of an agent's own log.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AgentLogLine {
    /// Identifier, increasing in arrival order.
    pub id: i64,
    /// When written.
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    /// Level.
    pub severity: String,
    /// Text.
    pub body: String,
}

/// One metrics sample of a target.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MetricsSample {
    /// When received (or the start of the hour, for rolled-up history).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The sample.
    #[serde(flatten)]
    pub metrics: crate::agent::MetricsReport,
}

/// `GET /api/v1/targets/{id}/metrics`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TargetMetrics {
    /// The newest sample.
    pub latest: Option<MetricsSample>,
    /// Samples in the requested window, oldest first.
    pub history: Vec<MetricsSample>,
}

/// An organization secret as listed: the value is never returned.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SecretInfo {
    /// Key, used as `{{ .Secrets.KEY }}`.
    pub key: String,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// `PUT /api/v1/secrets/{key}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SecretValue {
    /// The value; stored encrypted.
    pub value: String,
}

/// `GET /api/v1/me`: who the token belongs to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// Organization.
    pub organization_id: Uuid,
    /// Its name.
    pub organization_name: String,
    /// User.
    pub user_id: Uuid,
    /// Their email.
    pub email: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn deployment_state_follows_the_ui_rules() {
        let now = datetime!(2026-01-01 12:00:00 UTC);
        let recent = now - Duration::from_secs(10);
        let old = now - Duration::from_secs(61);
        assert_eq!(DeploymentState::at(None, now), DeploymentState::NoStatus);
        assert_eq!(DeploymentState::at(Some((StatusType::Error, old)), now), DeploymentState::Error);
        assert_eq!(DeploymentState::at(Some((StatusType::Healthy, old)), now), DeploymentState::Stale);
        assert_eq!(DeploymentState::at(Some((StatusType::Progressing, recent)), now), DeploymentState::Progressing);
        assert_eq!(DeploymentState::at(Some((StatusType::Running, recent)), now), DeploymentState::Running);
        assert_eq!(DeploymentState::at(Some((StatusType::Healthy, recent)), now), DeploymentState::Healthy);
    }

    #[test]
    fn target_state_is_grey_green_yellow() {
        let now = datetime!(2026-01-01 12:00:00 UTC);
        assert_eq!(TargetState::at(None, now), TargetState::NeverSeen);
        assert_eq!(TargetState::at(Some(now - Duration::from_secs(60)), now), TargetState::Online);
        assert_eq!(TargetState::at(Some(now - Duration::from_secs(61)), now), TargetState::Stale);
    }

    #[test]
    fn version_spec_is_flattened() {
        let v = ApplicationVersion {
            id: Uuid::nil(),
            application_id: Uuid::nil(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            archived_at: None,
            spec: NewApplicationVersion {
                name: "1".into(),
                compose_file: Some("services: {}".into()),
                ..Default::default()
            },
        };
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["composeFile"], "services: {}");
        assert_eq!(json["name"], "1");
        let back: ApplicationVersion = serde_json::from_value(json).unwrap();
        assert_eq!(back, v);
    }
}
