//! [`DockerDriver`]: the [`Driver`] of Docker targets. Changes go through `docker compose`
//! (or `docker-compose`) and `docker stack deploy`; everything read goes through the Engine
//! API, so observing an unchanged deployment starts no process.
//!
//! The parts: [`workdir`] (the per-deployment directory), [`project`] (Compose),
//! [`swarm`] (stacks) and [`update`] (self-update through a helper container).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use ferry_agent::driver::{Applied, Driver, DriverError, Installed, LogLine, Observation, Progress, TargetContext};
use ferry_proto::agent::{AgentDeployment, DockerType, MetricsReport};
use serde_json::json;
use time::OffsetDateTime;
use tokio::sync::OnceCell;

use crate::auth;
use crate::compose::{self, ComposeCli};
use crate::engine::{DockerApi, EngineApi};
use crate::facts::{Facts, Mode};
use crate::metrics::HostMetrics;
use crate::runner::{CommandOutput, CommandRunner, CommandSpec, ProcessRunner};

#[cfg(test)]
mod fake;
mod project;
mod swarm;
mod update;
mod workdir;

pub use update::{UPDATER_NAME, manifest_image};

/// Settings of the Docker driver.
#[derive(Debug, Clone)]
pub struct DockerConfig {
    /// The agent's state directory; deployments live in `<state>/deployments/<id>/`.
    pub state_dir: PathBuf,
    /// The Engine's Unix socket.
    pub socket: PathBuf,
    /// The docker CLI (for `docker compose` and `docker stack`).
    pub docker_cli: String,
    /// Compose v1, used when `docker compose` is not available.
    pub compose_v1: String,
    /// The Docker CLI configuration used when a deployment has no registry credentials
    /// (the host's `~/.docker`, mounted into the agent container).
    pub host_docker_config: Option<PathBuf>,
    /// The host's `$HOME`, given to the self-update helper so the manifest's
    /// `${HOME}/.docker` mount names the same host directory as at install time.
    pub host_home: Option<String>,
    /// Longest a Compose or stack command may run.
    pub command_timeout: Duration,
    /// Where host metrics are read (`/proc`).
    pub proc_dir: PathBuf,
}

impl DockerConfig {
    /// Defaults for an agent keeping its state in `state_dir`.
    pub fn new(state_dir: impl Into<PathBuf>) -> Self {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        DockerConfig {
            state_dir: state_dir.into(),
            socket: PathBuf::from("/var/run/docker.sock"),
            docker_cli: "docker".into(),
            compose_v1: "docker-compose".into(),
            host_docker_config: home.map(|h| h.join(".docker")),
            host_home: None,
            command_timeout: Duration::from_secs(600),
            proc_dir: PathBuf::from("/proc"),
        }
    }

    /// The working directory of a deployment.
    pub fn deployment_dir(&self, id: uuid::Uuid) -> PathBuf {
        self.state_dir.join("deployments").join(id.to_string())
    }
}

#[derive(Debug, Default)]
struct Counters {
    applies: AtomicU64,
    removals: AtomicU64,
    observations: AtomicU64,
    images_removed: AtomicU64,
}

/// The Docker driver.
pub struct DockerDriver {
    config: DockerConfig,
    api: Arc<dyn DockerApi>,
    runner: Arc<dyn CommandRunner>,
    compose: OnceCell<ComposeCli>,
    stack_detach: OnceCell<bool>,
    metrics: Arc<HostMetrics>,
    counters: Counters,
}

fn fail(message: impl Into<String>) -> DriverError {
    DriverError::permanent(message)
}

/// The engine did not answer as expected: busy, restarting or unreachable, so worth a
/// quick retry.
fn engine_fail(e: impl std::fmt::Display) -> DriverError {
    DriverError::transient(e.to_string())
}

fn io_fail(what: &str, path: &Path, e: std::io::Error) -> DriverError {
    fail(format!("cannot {what} {}: {e}", path.display()))
}

impl DockerDriver {
    /// Connects to the engine and runs processes for real.
    pub async fn connect(config: DockerConfig) -> Result<Self, DriverError> {
        let api = EngineApi::connect(&config.socket).await.map_err(engine_fail)?;
        Ok(Self::with_parts(config, Arc::new(api), Arc::new(ProcessRunner::new())))
    }

    /// A driver over the given engine and process runner (tests pass fakes).
    pub fn with_parts(config: DockerConfig, api: Arc<dyn DockerApi>, runner: Arc<dyn CommandRunner>) -> Self {
        let metrics = Arc::new(HostMetrics::new(config.proc_dir.clone()));
        DockerDriver {
            config,
            api,
            runner,
            compose: OnceCell::new(),
            stack_detach: OnceCell::new(),
            metrics,
            counters: Counters::default(),
        }
    }

    /// Processes started so far.
    pub fn processes_spawned(&self) -> u64 {
        self.runner.spawned()
    }

    pub(super) async fn run_tool(
        &self,
        mut spec: CommandSpec,
        dir: &Path,
        env: Vec<(String, String)>,
        progress: Progress<'_>,
        secrets: &[String],
        what: &str,
    ) -> Result<CommandOutput, DriverError> {
        spec.cwd = Some(dir.to_path_buf());
        spec.env = env;
        spec.timeout = self.config.command_timeout;
        let on_line = |line: &str| {
            if let Some(message) = compose::progress_message(line) {
                progress(&auth::redact(&message, secrets));
            }
        };
        let output = self
            .runner
            .run(&spec, &on_line)
            .await
            .map_err(|e| fail(auth::redact(&format!("{what} failed: {e}"), secrets)))?;
        if !output.success() {
            let summary = compose::failure_summary(&output.lines);
            let code = output.code.map_or_else(|| "a signal".to_string(), |c| format!("code {c}"));
            return Err(fail(auth::redact(&format!("{what} failed ({code}):\n{summary}"), secrets)));
        }
        Ok(output)
    }

    pub(super) fn facts_of(installed: &Installed) -> Result<Facts, DriverError> {
        if let Some(facts) = Facts::from_value(&installed.facts) {
            return Ok(facts);
        }
        let text = std::str::from_utf8(installed.spec.compose_file.as_deref().unwrap_or_default())
            .map_err(|_| fail(compose::ComposeFileError::NotText.to_string()))?;
        let project = compose::project_name(text, installed.id).map_err(|e| fail(e.to_string()))?;
        let mode = match installed.spec.docker_type {
            Some(DockerType::Swarm) => Mode::Swarm,
            _ => Mode::Compose,
        };
        Ok(Facts { mode, project, ..Facts::default() })
    }
}

#[async_trait]
impl Driver for DockerDriver {
    fn name(&self) -> &'static str {
        "docker"
    }

    async fn apply(
        &self,
        target: &TargetContext,
        deployment: &AgentDeployment,
        previous: Option<&Installed>,
        progress: Progress<'_>,
    ) -> Result<Applied, DriverError> {
        let bytes =
            deployment.compose_file.as_deref().ok_or_else(|| fail(compose::ComposeFileError::Missing.to_string()))?;
        let text = std::str::from_utf8(bytes).map_err(|_| fail(compose::ComposeFileError::NotText.to_string()))?;
        let project = compose::project_name(text, deployment.id).map_err(|e| fail(e.to_string()))?;
        let mode = match deployment.docker_type {
            Some(DockerType::Swarm) => Mode::Swarm,
            _ => Mode::Compose,
        };
        let previous_facts = previous.map(Self::facts_of).transpose()?;
        // A deployment that moved between Compose and Swarm, or got another project name,
        // leaves its old incarnation behind unless it is removed first.
        if let (Some(installed), Some(old)) = (previous, &previous_facts)
            && (old.mode != mode || old.project != project)
        {
            progress(&format!("removing the previous {:?} project {}", old.mode, old.project).to_lowercase());
            self.remove(target, installed).await?;
        }
        let secrets = auth::secrets(deployment.registry_auth.as_ref(), target.hub_registry.as_ref());
        let facts = match mode {
            Mode::Compose => self.apply_compose(deployment, text, &project, target, progress, &secrets).await?,
            Mode::Swarm => self.apply_swarm(deployment, text, &project, target, progress, &secrets).await?,
        };
        self.counters.applies.fetch_add(1, Ordering::Relaxed);
        if deployment.image_cleanup_enabled
            && let Some(old) = &previous_facts
        {
            self.clean_images(old, &facts).await;
        }
        Ok(Applied { facts: facts.to_value() })
    }

    async fn remove(&self, _target: &TargetContext, installed: &Installed) -> Result<(), DriverError> {
        let facts = Self::facts_of(installed)?;
        let dir = self.config.deployment_dir(installed.id);
        match facts.mode {
            Mode::Compose => self.remove_compose(installed, &facts).await?,
            Mode::Swarm => self.remove_swarm(&facts, &dir).await?,
        }
        if let Err(e) = std::fs::remove_dir_all(&dir)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("cannot remove {}: {e}", dir.display());
        }
        self.counters.removals.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    async fn observe(&self, _target: &TargetContext, installed: &Installed) -> Result<Observation, DriverError> {
        self.counters.observations.fetch_add(1, Ordering::Relaxed);
        let Some(facts) = Facts::from_value(&installed.facts) else {
            return Ok(Observation {
                status: ferry_proto::agent::StatusType::Progressing,
                message: "the agent has no record of what it applied".into(),
                drift: Some("the agent has no record of what it applied".into()),
            });
        };
        match facts.mode {
            Mode::Compose => self.observe_compose(&facts).await,
            Mode::Swarm => self.observe_swarm(&facts).await,
        }
    }

    async fn logs(
        &self,
        _target: &TargetContext,
        installed: &Installed,
        since: Option<OffsetDateTime>,
        max: usize,
    ) -> Result<Vec<LogLine>, DriverError> {
        let facts = Self::facts_of(installed)?;
        let mut lines = Vec::new();
        match facts.mode {
            Mode::Compose => self.compose_logs(&facts, since, max, &mut lines).await?,
            Mode::Swarm => self.swarm_logs(&facts, since, max, &mut lines).await?,
        }
        // Each source is oldest first and bounded by `max`, so the oldest `max` overall are
        // among them.
        lines.sort_by_key(|l| l.timestamp);
        lines.truncate(max);
        Ok(lines)
    }

    async fn metrics(&self, _target: &TargetContext) -> Result<MetricsReport, DriverError> {
        let metrics = Arc::clone(&self.metrics);
        tokio::task::spawn_blocking(move || metrics.measure())
            .await
            .map_err(|e| fail(format!("host metrics: {e}")))?
            .map_err(|e| fail(e.to_string()))
    }

    async fn self_update(&self, _target: &TargetContext, manifest: &str) -> Result<(), DriverError> {
        self.start_update(manifest).await
    }

    fn stats(&self) -> serde_json::Value {
        json!({
            "processesSpawned": self.runner.spawned(),
            "compose": self.compose.get().map(ComposeCli::version_name),
            "applies": self.counters.applies.load(Ordering::Relaxed),
            "removals": self.counters.removals.load(Ordering::Relaxed),
            "observations": self.counters.observations.load(Ordering::Relaxed),
            "imagesRemoved": self.counters.images_removed.load(Ordering::Relaxed),
        })
    }
}
