//! The agent API (PROTOCOL.md §2–§8): what an agent fetches and what it reports.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Response of `POST /api/v1/agent/login`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LoginResponse {
    /// The JWT to send as `Authorization: Bearer` on every other agent route.
    pub token: String,
}

/// The agent version a target should run (`resources.version`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AgentVersionRef {
    /// Identifier the agent compares with its own `FERRY_AGENT_VERSION_ID`.
    pub id: Uuid,
    /// When the version was registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Human version name, e.g. `1.2.3`.
    pub name: String,
}

/// Desired state of one target: `GET /api/v1/agent/resources` (PROTOCOL.md §4).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AgentResources {
    /// The agent version the target should run.
    pub version: AgentVersionRef,
    /// Kubernetes targets only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Whether the agent should send host/cluster metrics.
    pub metrics_enabled: bool,
    /// Whether the agent should ship application logs at all.
    pub deployment_logs_enabled: bool,
    /// Never ship log lines older than this.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub deployment_logs_after: Option<OffsetDateTime>,
    /// The deployments the target should run; omitted when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<AgentDeployment>,
}

/// Username and password for one registry host.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RegistryCredentials {
    /// Registry user name.
    pub username: String,
    /// Registry password or token.
    pub password: String,
}

/// How the Docker agent runs a Compose file.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum DockerType {
    /// `docker compose up`.
    #[default]
    Compose,
    /// `docker stack deploy`.
    Swarm,
}

/// Helm install/upgrade options of a Kubernetes deployment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct HelmOptions {
    /// Go duration, e.g. `5m0s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Helm 4 wait strategy (`watcher`, `legacy`, `hookOnly`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_strategy: Option<String>,
    /// Roll back when an upgrade fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_on_failure: Option<bool>,
    /// Delete new resources when an install fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup_on_failure: Option<bool>,
    /// Take over fields owned by other managers on server-side apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_conflicts: Option<bool>,
}

/// One desired deployment in [`AgentResources`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AgentDeployment {
    /// The deployment (stable across revisions).
    pub id: Uuid,
    /// The revision the agent must converge to.
    pub revision_id: Uuid,
    /// Credentials per registry host, or null.
    #[serde(default)]
    pub registry_auth: Option<BTreeMap<String, RegistryCredentials>>,
    /// Ship this deployment's logs.
    #[serde(default)]
    pub logs_enabled: bool,
    /// Recreate containers even when nothing changed.
    #[serde(default)]
    pub force_restart: bool,
    /// Docker: the Compose file, base64.
    #[serde(default, with = "base64_opt")]
    pub compose_file: Option<Vec<u8>>,
    /// Docker: the `.env` file, base64.
    #[serde(default, with = "base64_opt")]
    pub env_file: Option<Vec<u8>>,
    /// Docker: compose or swarm.
    #[serde(default)]
    pub docker_type: Option<DockerType>,
    /// Docker: remove images no longer used after an update.
    #[serde(default)]
    pub image_cleanup_enabled: bool,
    /// Kubernetes: Helm release name.
    #[serde(default)]
    pub release_name: String,
    /// Kubernetes: `oci://…` or a chart repository URL.
    #[serde(default)]
    pub chart_url: String,
    /// Kubernetes: chart name within a repository.
    #[serde(default)]
    pub chart_name: String,
    /// Kubernetes: chart version.
    #[serde(default)]
    pub chart_version: String,
    /// Kubernetes: merged values.
    #[serde(default)]
    pub values: Option<serde_json::Map<String, serde_json::Value>>,
    /// Kubernetes: do not complain when Helm's revision differs from the tracked one.
    #[serde(default)]
    pub ignore_revision_skew: bool,
    /// Kubernetes: Helm options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm_options: Option<HelmOptions>,
}

/// Deployment status kinds (PROTOCOL.md §5).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum StatusType {
    /// Everything running and passing health checks.
    Healthy,
    /// Running, some without health checks. The legacy `ok` maps here.
    #[serde(alias = "ok")]
    Running,
    /// An apply is under way or something is still starting.
    Progressing,
    /// The apply failed or something is down.
    Error,
}

impl StatusType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusType::Healthy => "healthy",
            StatusType::Running => "running",
            StatusType::Progressing => "progressing",
            StatusType::Error => "error",
        }
    }

    /// Parses a wire name, accepting the legacy `ok`.
    pub fn parse(s: &str) -> Option<StatusType> {
        Some(match s {
            "healthy" => StatusType::Healthy,
            "running" | "ok" => StatusType::Running,
            "progressing" => StatusType::Progressing,
            "error" => StatusType::Error,
            _ => return None,
        })
    }
}

/// Body of `POST /api/v1/agent/status`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct StatusReport {
    /// The revision this status is about.
    pub revision_id: Uuid,
    /// What state it is in.
    #[serde(rename = "type")]
    pub kind: StatusType,
    /// Human explanation.
    #[serde(default)]
    pub message: String,
}

/// One filesystem in [`MetricsReport`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DiskMetric {
    /// Block device.
    #[serde(default)]
    pub device: String,
    /// Mount point.
    #[serde(default)]
    pub path: String,
    /// Filesystem type.
    #[serde(default)]
    pub fs_type: String,
    /// Size in bytes.
    #[serde(default)]
    pub bytes_total: u64,
    /// Used bytes.
    #[serde(default)]
    pub bytes_used: u64,
}

/// Body of `POST /api/v1/agent/metrics` (PROTOCOL.md §6).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MetricsReport {
    /// CPU capacity in millicores.
    pub cpu_cores_millis: u64,
    /// CPU usage, fraction 0..1.
    pub cpu_usage: f64,
    /// Memory capacity in bytes.
    pub memory_bytes: u64,
    /// Memory usage, fraction 0..1.
    pub memory_usage: f64,
    /// Filesystems, optional.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disk_metrics: Vec<DiskMetric>,
}

/// One application log line: an element of the `PUT /api/v1/agent/logs` array.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LogRecord {
    /// The deployment the line belongs to.
    pub deployment_id: Uuid,
    /// The revision running when it was written.
    pub deployment_revision_id: Uuid,
    /// Container, service or `<plural>/<name>`.
    pub resource: String,
    /// When the line was written.
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    /// `Log`/`Err`, `stdout`/`stderr`, …
    pub severity: String,
    /// The line.
    pub body: String,
}

/// One line of the agent's own log: `PUT /api/v1/agent/deployment-target-logs`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AgentLogRecord {
    /// When the line was written.
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    /// Level, e.g. `INFO`.
    pub severity: String,
    /// The line.
    pub body: String,
}

mod base64_opt {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(bytes) => s.serialize_str(&STANDARD.encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| STANDARD.decode(t.as_bytes()).map_err(serde::de::Error::custom)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_ok_status_reads_as_running() {
        let r: StatusReport = serde_json::from_str(
            r#"{"revisionId":"6f1d1b7e-3a5c-4a63-9a58-0c2a8a5d4e11","type":"ok","message":"x","extra":1}"#,
        )
        .unwrap();
        assert_eq!(r.kind, StatusType::Running);
        assert_eq!(serde_json::to_value(&r).unwrap()["type"], "running");
    }

    #[test]
    fn unknown_status_type_is_rejected() {
        let r = serde_json::from_str::<StatusReport>(
            r#"{"revisionId":"6f1d1b7e-3a5c-4a63-9a58-0c2a8a5d4e11","type":"fine"}"#,
        );
        assert!(r.unwrap_err().to_string().contains("unknown variant `fine`"));
    }

    #[test]
    fn compose_file_travels_as_padded_base64() {
        let d = AgentDeployment {
            id: Uuid::nil(),
            revision_id: Uuid::nil(),
            registry_auth: None,
            logs_enabled: true,
            force_restart: false,
            compose_file: Some(b"name: x\n".to_vec()),
            env_file: None,
            docker_type: Some(DockerType::Compose),
            image_cleanup_enabled: false,
            release_name: String::new(),
            chart_url: String::new(),
            chart_name: String::new(),
            chart_version: String::new(),
            values: None,
            ignore_revision_skew: false,
            helm_options: None,
        };
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["composeFile"], "bmFtZTogeAo=");
        assert_eq!(json["envFile"], serde_json::Value::Null);
        assert_eq!(json["registryAuth"], serde_json::Value::Null);
        let back: AgentDeployment = serde_json::from_value(json).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn empty_deployments_are_omitted() {
        let r = AgentResources {
            version: AgentVersionRef { id: Uuid::nil(), created_at: OffsetDateTime::UNIX_EPOCH, name: "1.0.0".into() },
            namespace: None,
            metrics_enabled: true,
            deployment_logs_enabled: false,
            deployment_logs_after: None,
            deployments: vec![],
        };
        let json = serde_json::to_value(&r).unwrap();
        assert!(json.get("deployments").is_none());
        assert!(json.get("namespace").is_none());
        assert_eq!(json["version"]["createdAt"], "1970-01-01T00:00:00Z");
    }
}
