//! The Docker Engine API, behind [`DockerApi`] so the driver's decisions can be tested without
//! an engine. [`EngineApi`] is the real one: bollard over the Unix socket, no TLS. Reading
//! state never starts a process.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use async_trait::async_trait;
use bollard::Docker;
use bollard::container::LogOutput;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, ListContainersOptionsBuilder, ListServicesOptionsBuilder,
    ListTasksOptionsBuilder, LogsOptions, LogsOptionsBuilder, RemoveContainerOptionsBuilder, RemoveImageOptionsBuilder,
};
use futures_util::StreamExt;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::facts::LiveContainer;
use crate::status::{ContainerView, ServiceView};

/// Compose's labels on the containers it creates.
pub mod labels {
    /// Project name.
    pub const PROJECT: &str = "com.docker.compose.project";
    /// Service name.
    pub const SERVICE: &str = "com.docker.compose.service";
    /// Replica number.
    pub const NUMBER: &str = "com.docker.compose.container-number";
    /// `True` for `compose run` containers.
    pub const ONEOFF: &str = "com.docker.compose.oneoff";
    /// Hash of the service configuration.
    pub const CONFIG_HASH: &str = "com.docker.compose.config-hash";
    /// Stack of a Swarm service.
    pub const STACK: &str = "com.docker.stack.namespace";
}

/// An Engine API call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Docker Engine API: {what} failed: {reason}")]
pub struct EngineError {
    /// The call.
    pub what: String,
    /// The engine's answer or the transport error.
    pub reason: String,
    /// HTTP status, when the engine answered.
    pub status: Option<u16>,
}

impl EngineError {
    fn new(what: impl Into<String>, e: bollard::errors::Error) -> Self {
        let status = match &e {
            bollard::errors::Error::DockerResponseServerError { status_code, .. } => Some(*status_code),
            _ => None,
        };
        let reason = match e {
            bollard::errors::Error::DockerResponseServerError { message, .. } => message,
            other => other.to_string(),
        };
        EngineError { what: what.into(), reason, status }
    }

    /// The object does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }
}

/// One log line from the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLogLine {
    /// When it was written.
    pub timestamp: OffsetDateTime,
    /// Written to standard error.
    pub stderr: bool,
    /// The text.
    pub body: String,
}

/// A short-lived container to start (the self-update helper).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelperSpec {
    /// Container name; only one container of a name can exist, which makes it single-flight.
    pub name: String,
    /// Image.
    pub image: String,
    /// Entrypoint and arguments.
    pub entrypoint: Vec<String>,
    /// Environment, `KEY=value`.
    pub env: Vec<String>,
    /// Bind mounts, `host:container[:mode]`.
    pub binds: Vec<String>,
    /// Labels.
    pub labels: HashMap<String, String>,
}

/// What the driver reads from and does through the Engine API.
#[async_trait]
pub trait DockerApi: Send + Sync {
    /// All containers (any state) of a Compose project.
    async fn project_containers(&self, project: &str) -> Result<Vec<LiveContainer>, EngineError>;
    /// Log lines of a container at or after `since`, oldest first, at most `max`.
    async fn container_logs(
        &self,
        container: &str,
        since: Option<OffsetDateTime>,
        max: usize,
    ) -> Result<Vec<RawLogLine>, EngineError>;
    /// The last `lines` log lines of a container.
    async fn last_logs(&self, container: &str, lines: usize) -> Result<Vec<String>, EngineError>;
    /// Whether the engine is a Swarm manager.
    async fn swarm_manager(&self) -> Result<bool, EngineError>;
    /// The services of a stack with their task counts.
    async fn stack_services(&self, stack: &str) -> Result<Vec<ServiceView>, EngineError>;
    /// Log lines of a Swarm service at or after `since`, oldest first, at most `max`.
    async fn service_logs(
        &self,
        service: &str,
        since: Option<OffsetDateTime>,
        max: usize,
    ) -> Result<Vec<RawLogLine>, EngineError>;
    /// Ids of the images any container uses.
    async fn images_in_use(&self) -> Result<HashSet<String>, EngineError>;
    /// Removes an image (not forced: an image in use stays).
    async fn remove_image(&self, id: &str) -> Result<(), EngineError>;
    /// `Some(running)` when a container of that name exists.
    async fn container_running(&self, name: &str) -> Result<Option<bool>, EngineError>;
    /// Removes a container by name, forcibly.
    async fn remove_container(&self, name: &str) -> Result<(), EngineError>;
    /// Makes sure an image is present, pulling it when missing.
    async fn ensure_image(&self, image: &str) -> Result<(), EngineError>;
    /// Creates and starts a container.
    async fn start_helper(&self, spec: &HelperSpec) -> Result<(), EngineError>;
}

/// The Engine API over the Unix socket.
#[derive(Debug, Clone)]
pub struct EngineApi {
    docker: Docker,
}

impl EngineApi {
    /// Connects to the engine at `socket` and agrees on an API version both sides speak
    /// (e.g. 1.41 for Docker 20.10).
    pub async fn connect(socket: &Path) -> Result<Self, EngineError> {
        let path = socket.to_string_lossy();
        let docker = Docker::connect_with_socket(&path, 120, bollard::API_DEFAULT_VERSION)
            .map_err(|e| EngineError::new(format!("connecting to {path}"), e))?;
        let docker = docker
            .negotiate_version()
            .await
            .map_err(|e| EngineError::new(format!("talking to the engine at {path} (is Docker running?)"), e))?;
        Ok(EngineApi { docker })
    }

    /// The bollard client, for tests and tools.
    pub fn client(&self) -> &Docker {
        &self.docker
    }

    async fn inspect_view(&self, id: &str, view: &mut ContainerView) -> Result<(), EngineError> {
        let inspect = match self.docker.inspect_container(id, None).await {
            Ok(i) => i,
            Err(e) => {
                let e = EngineError::new(format!("inspecting container {id}"), e);
                // Removed between listing and inspecting: keep what the listing said.
                return if e.is_not_found() { Ok(()) } else { Err(e) };
            }
        };
        if let Some(state) = inspect.state {
            view.exit_code = state.exit_code;
            view.oom_killed = state.oom_killed.unwrap_or(false);
            view.error = state.error.filter(|e| !e.is_empty());
            if let Some(status) = state.health.and_then(|h| h.status) {
                view.health = Some(status.to_string()).filter(|s| !s.is_empty() && s != "none");
            }
        }
        view.restart_count = inspect.restart_count.unwrap_or(0);
        view.restart_policy = inspect
            .host_config
            .and_then(|h| h.restart_policy)
            .and_then(|p| p.name)
            .map(|n| n.to_string())
            .unwrap_or_default();
        Ok(())
    }

    async fn read_logs(
        &self,
        stream: impl futures_util::Stream<Item = Result<LogOutput, bollard::errors::Error>>,
        what: &str,
        since: Option<OffsetDateTime>,
        max: usize,
    ) -> Result<Vec<RawLogLine>, EngineError> {
        let mut stream = std::pin::pin!(stream);
        let mut out = Vec::new();
        while out.len() < max {
            let Some(item) = stream.next().await else {
                break;
            };
            let item = item.map_err(|e| EngineError::new(format!("reading logs of {what}"), e))?;
            let (stderr, bytes) = match item {
                LogOutput::StdErr { message } => (true, message),
                LogOutput::StdOut { message } | LogOutput::Console { message } => (false, message),
                LogOutput::StdIn { .. } => continue,
            };
            for line in String::from_utf8_lossy(&bytes).lines() {
                let Some(parsed) = parse_timestamped(line, stderr) else {
                    continue;
                };
                if since.is_some_and(|s| parsed.timestamp < s) {
                    continue;
                }
                if out.len() < max {
                    out.push(parsed);
                }
            }
        }
        Ok(out)
    }
}

/// Splits `2024-01-01T00:00:00.123456789Z text` into its time and text.
pub fn parse_timestamped(line: &str, stderr: bool) -> Option<RawLogLine> {
    let (stamp, body) = line.split_once(' ').unwrap_or((line, ""));
    let timestamp = OffsetDateTime::parse(stamp, &Rfc3339).ok()?;
    Some(RawLogLine { timestamp, stderr, body: body.trim_end_matches('\r').to_string() })
}

/// The engine's `since` takes whole seconds; finer filtering happens on the lines.
fn since_seconds(since: Option<OffsetDateTime>) -> i32 {
    since.map_or(0, |s| i32::try_from(s.unix_timestamp()).unwrap_or(i32::MAX))
}

/// Both streams of a container or service, timestamped so lines can be ordered and
/// watermarked, from `since` on.
fn stream_options(since: Option<OffsetDateTime>) -> LogsOptions {
    LogsOptionsBuilder::default().stdout(true).stderr(true).timestamps(true).since(since_seconds(since)).build()
}

fn label(labels: &HashMap<String, String>, key: &str) -> String {
    labels.get(key).cloned().unwrap_or_default()
}

/// Reads health from the listing's status text ("Up 3 minutes (healthy)").
fn health_from_status(status: &str) -> Option<String> {
    if status.contains("(healthy)") {
        Some("healthy".into())
    } else if status.contains("(unhealthy)") {
        Some("unhealthy".into())
    } else if status.contains("(health: starting)") {
        Some("starting".into())
    } else {
        None
    }
}

#[async_trait]
impl DockerApi for EngineApi {
    async fn project_containers(&self, project: &str) -> Result<Vec<LiveContainer>, EngineError> {
        let filters = HashMap::from([("label", vec![format!("{}={project}", labels::PROJECT)])]);
        let options = ListContainersOptionsBuilder::default().all(true).filters(&filters).build();
        let list = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(|e| EngineError::new(format!("listing containers of project {project}"), e))?;
        let mut out = Vec::with_capacity(list.len());
        for c in list {
            let labels = c.labels.unwrap_or_default();
            let id = c.id.unwrap_or_default();
            let name = c
                .names
                .and_then(|n| n.into_iter().next())
                .map(|n| n.trim_start_matches('/').to_string())
                .unwrap_or_else(|| id.chars().take(12).collect());
            let state = c.state.map(|s| s.to_string()).unwrap_or_default();
            let mut view = ContainerView {
                service: label(&labels, labels::SERVICE),
                name,
                health: health_from_status(c.status.as_deref().unwrap_or("")),
                state,
                ..Default::default()
            };
            // A running container's listing says all the status needs; anything else is
            // inspected for its exit code, restart policy and count.
            if view.state != "running" {
                self.inspect_view(&id, &mut view).await?;
            }
            out.push(LiveContainer {
                number: label(&labels, labels::NUMBER),
                config_hash: label(&labels, labels::CONFIG_HASH),
                oneoff: label(&labels, labels::ONEOFF).eq_ignore_ascii_case("true"),
                image_id: c.image_id.unwrap_or_default(),
                id,
                view,
            });
        }
        Ok(out)
    }

    async fn container_logs(
        &self,
        container: &str,
        since: Option<OffsetDateTime>,
        max: usize,
    ) -> Result<Vec<RawLogLine>, EngineError> {
        self.read_logs(self.docker.logs(container, Some(stream_options(since))), container, since, max).await
    }

    async fn last_logs(&self, container: &str, lines: usize) -> Result<Vec<String>, EngineError> {
        let options =
            LogsOptionsBuilder::default().stdout(true).stderr(true).timestamps(true).tail(&lines.to_string()).build();
        let logs = self.read_logs(self.docker.logs(container, Some(options)), container, None, lines).await?;
        Ok(logs.into_iter().map(|l| l.body).collect())
    }

    async fn swarm_manager(&self) -> Result<bool, EngineError> {
        let info = self.docker.info().await.map_err(|e| EngineError::new("reading engine info", e))?;
        let swarm = info.swarm.unwrap_or_default();
        let active = swarm.local_node_state.map(|s| s.to_string()) == Some("active".into());
        Ok(active && swarm.control_available.unwrap_or(false))
    }

    async fn stack_services(&self, stack: &str) -> Result<Vec<ServiceView>, EngineError> {
        let filters = HashMap::from([("label", vec![format!("{}={stack}", labels::STACK)])]);
        let options = ListServicesOptionsBuilder::default().filters(&filters).status(true).build();
        let services = self
            .docker
            .list_services(Some(options))
            .await
            .map_err(|e| EngineError::new(format!("listing services of stack {stack}"), e))?;
        let mut out = Vec::with_capacity(services.len());
        for s in services {
            let spec = s.spec.unwrap_or_default();
            let name = spec.name.unwrap_or_default();
            let mode = spec.mode.unwrap_or_default();
            let status = s.service_status.unwrap_or_default();
            let mut view = ServiceView {
                desired: status.desired_tasks.unwrap_or(0),
                running: status.running_tasks.unwrap_or(0),
                job: mode.replicated_job.is_some() || mode.global_job.is_some(),
                task_errors: Vec::new(),
                name,
            };
            if view.running < view.desired && !view.job {
                let filters = HashMap::from([("service", vec![view.name.clone()])]);
                let tasks = self
                    .docker
                    .list_tasks(Some(ListTasksOptionsBuilder::default().filters(&filters).build()))
                    .await
                    .map_err(|e| EngineError::new(format!("listing tasks of service {}", view.name), e))?;
                let mut failed: Vec<(String, String)> = tasks
                    .into_iter()
                    .filter_map(|t| {
                        let status = t.status?;
                        let state = status.state.map(|s| s.to_string()).unwrap_or_default();
                        if !matches!(state.as_str(), "failed" | "rejected") {
                            return None;
                        }
                        let err = status.err.or(status.message).unwrap_or(state);
                        Some((status.timestamp.map(|t| t.to_string()).unwrap_or_default(), err))
                    })
                    .collect();
                failed.sort_by(|a, b| b.0.cmp(&a.0));
                view.task_errors = failed.into_iter().map(|(_, e)| e).take(3).collect();
            }
            out.push(view);
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    async fn service_logs(
        &self,
        service: &str,
        since: Option<OffsetDateTime>,
        max: usize,
    ) -> Result<Vec<RawLogLine>, EngineError> {
        self.read_logs(self.docker.service_logs(service, Some(stream_options(since))), service, since, max).await
    }

    async fn images_in_use(&self) -> Result<HashSet<String>, EngineError> {
        let options = ListContainersOptionsBuilder::default().all(true).build();
        let list =
            self.docker.list_containers(Some(options)).await.map_err(|e| EngineError::new("listing containers", e))?;
        Ok(list.into_iter().filter_map(|c| c.image_id).collect())
    }

    async fn remove_image(&self, id: &str) -> Result<(), EngineError> {
        let options = RemoveImageOptionsBuilder::default().force(false).build();
        self.docker
            .remove_image(id, Some(options), None)
            .await
            .map(|_| ())
            .map_err(|e| EngineError::new(format!("removing image {id}"), e))
    }

    async fn container_running(&self, name: &str) -> Result<Option<bool>, EngineError> {
        match self.docker.inspect_container(name, None).await {
            Ok(c) => Ok(Some(c.state.and_then(|s| s.running).unwrap_or(false))),
            Err(e) => {
                let e = EngineError::new(format!("inspecting container {name}"), e);
                if e.is_not_found() { Ok(None) } else { Err(e) }
            }
        }
    }

    async fn remove_container(&self, name: &str) -> Result<(), EngineError> {
        let options = RemoveContainerOptionsBuilder::default().force(true).build();
        match self.docker.remove_container(name, Some(options)).await {
            Ok(()) => Ok(()),
            Err(e) => {
                let e = EngineError::new(format!("removing container {name}"), e);
                if e.is_not_found() { Ok(()) } else { Err(e) }
            }
        }
    }

    async fn ensure_image(&self, image: &str) -> Result<(), EngineError> {
        if self.docker.inspect_image(image).await.is_ok() {
            return Ok(());
        }
        let options = CreateImageOptionsBuilder::default().from_image(image).build();
        let mut pull = std::pin::pin!(self.docker.create_image(Some(options), None, None));
        while let Some(step) = pull.next().await {
            step.map_err(|e| EngineError::new(format!("pulling image {image}"), e))?;
        }
        Ok(())
    }

    async fn start_helper(&self, spec: &HelperSpec) -> Result<(), EngineError> {
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            entrypoint: Some(spec.entrypoint.clone()),
            env: Some(spec.env.clone()),
            labels: Some(spec.labels.clone()),
            host_config: Some(HostConfig { binds: Some(spec.binds.clone()), ..Default::default() }),
            ..Default::default()
        };
        let options = CreateContainerOptionsBuilder::default().name(&spec.name).build();
        self.docker
            .create_container(Some(options), body)
            .await
            .map_err(|e| EngineError::new(format!("creating container {}", spec.name), e))?;
        self.docker
            .start_container(&spec.name, None)
            .await
            .map_err(|e| EngineError::new(format!("starting container {}", spec.name), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamped_lines_parse() {
        let l = parse_timestamped("2024-05-01T10:00:00.123456789Z hello world", true).unwrap();
        assert_eq!(l.body, "hello world");
        assert!(l.stderr);
        assert_eq!(l.timestamp.nanosecond(), 123_456_789);
        assert_eq!(parse_timestamped("2024-05-01T10:00:00Z", false).unwrap().body, "");
        assert_eq!(parse_timestamped("not a time x", false), None);
    }

    #[test]
    fn health_reads_from_status_text() {
        assert_eq!(health_from_status("Up 3 minutes (healthy)").as_deref(), Some("healthy"));
        assert_eq!(health_from_status("Up 1 second (health: starting)").as_deref(), Some("starting"));
        assert_eq!(health_from_status("Up 2 hours (unhealthy)").as_deref(), Some("unhealthy"));
        assert_eq!(health_from_status("Up 2 hours"), None);
    }
}
