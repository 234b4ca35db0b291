//! [`DockerDriver`]: the [`Driver`] of Docker targets. Changes go through `docker compose`
//! (or `docker-compose`) and `docker stack deploy`; everything read goes through the Engine
//! API, so observing an unchanged deployment starts no process.

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
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
use crate::engine::{DockerApi, EngineApi, HelperSpec};
use crate::facts::{AppliedContainer, Facts, Mode};
use crate::metrics::HostMetrics;
use crate::runner::{CommandOutput, CommandRunner, CommandSpec, ProcessRunner};
use crate::status::{self, ContainerView};

/// File names inside a deployment's working directory.
const COMPOSE_FILE: &str = "docker-compose.yaml";
const ENV_FILE: &str = ".env";
const DOCKER_CONFIG_DIR: &str = "docker";
/// Name of the self-update helper container; one at a time.
pub const UPDATER_NAME: &str = "ferry-agent-updater";
/// Log lines shown with a container in trouble.
const ERROR_LOG_LINES: usize = 5;

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

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), DriverError> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| io_fail("write", &tmp, e))?;
    f.write_all(bytes).map_err(|e| io_fail("write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io_fail("write", path, e))
}

/// The image of the agent service in a connect manifest.
pub fn manifest_image(manifest: &str) -> Option<String> {
    let doc: serde_json::Value = serde_saphyr::from_str(manifest).ok()?;
    let services = doc.get("services")?.as_object()?;
    let image_of = |s: &serde_json::Value| s.get("image").and_then(|i| i.as_str()).map(str::to_string);
    services.get("agent").and_then(image_of).or_else(|| services.values().find_map(image_of))
}

/// The helper's job: write the manifest and let Compose (v2 or v1) recreate the agent.
const UPDATER_SCRIPT: &str = r#"set -e
printf '%s' "$FERRY_UPDATE_MANIFEST" > /tmp/ferry-agent.yaml
if docker compose version >/dev/null 2>&1; then
  exec docker compose -p "$FERRY_UPDATE_PROJECT" -f /tmp/ferry-agent.yaml up -d
fi
exec docker-compose -p "$FERRY_UPDATE_PROJECT" -f /tmp/ferry-agent.yaml up -d
"#;

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

    async fn compose_cli(&self) -> Result<&ComposeCli, DriverError> {
        self.compose
            .get_or_try_init(|| async {
                let v2 = CommandSpec::new(self.config.docker_cli.clone(), ["compose", "version"]);
                if self.runner.run(&v2, &|_| {}).await.is_ok_and(|o| o.success()) {
                    tracing::info!("using Compose v2 ({} compose)", self.config.docker_cli);
                    return Ok(ComposeCli::V2 { docker: self.config.docker_cli.clone() });
                }
                let v1 = CommandSpec::new(self.config.compose_v1.clone(), ["version"]);
                match self.runner.run(&v1, &|_| {}).await {
                    Ok(o) if o.success() => {
                        tracing::info!("using Compose v1 ({}); `docker compose` is not available", self.config.compose_v1);
                        Ok(ComposeCli::V1 { program: self.config.compose_v1.clone() })
                    }
                    _ => Err(fail(format!(
                        "neither `{} compose` (Compose v2) nor `{}` (Compose v1) works on this host: install the Docker Compose plugin",
                        self.config.docker_cli, self.config.compose_v1
                    ))),
                }
            })
            .await
    }

    /// `docker stack deploy --detach` exists only in newer CLIs (docker 20.10 has none and
    /// always returns at once); older ones reject the flag.
    async fn stack_detach_flag(&self) -> bool {
        *self
            .stack_detach
            .get_or_init(|| async {
                let help = CommandSpec::new(self.config.docker_cli.clone(), ["stack", "deploy", "--help"]);
                self.runner.run(&help, &|_| {}).await.is_ok_and(|o| o.lines.iter().any(|l| l.contains("--detach")))
            })
            .await
    }

    /// Writes the working directory: the Compose file as the tool wants it, `.env` (0600),
    /// and the registry credentials. Returns the environment for the tool.
    fn prepare_dir(
        &self,
        deployment: &AgentDeployment,
        compose_text: &str,
        target: Option<&TargetContext>,
    ) -> Result<(PathBuf, Vec<(String, String)>), DriverError> {
        let dir = self.config.deployment_dir(deployment.id);
        std::fs::create_dir_all(&dir).map_err(|e| io_fail("create", &dir, e))?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| io_fail("protect", &dir, e))?;
        write_private(&dir.join(COMPOSE_FILE), compose_text.as_bytes())?;
        write_private(&dir.join(ENV_FILE), deployment.env_file.as_deref().unwrap_or_default())?;
        let mut env = Vec::new();
        if let Some(target) = target {
            let config_dir = dir.join(DOCKER_CONFIG_DIR);
            match auth::config_json(deployment.registry_auth.as_ref(), target.hub_registry.as_ref()) {
                Some(config) => {
                    auth::write_config_dir(&config_dir, &config, self.config.host_docker_config.as_deref())
                        .map_err(|e| io_fail("write registry credentials into", &config_dir, e))?;
                    env.push(("DOCKER_CONFIG".to_string(), config_dir.to_string_lossy().into_owned()));
                }
                None => {
                    let _ = std::fs::remove_dir_all(&config_dir);
                }
            }
        } else if dir.join(DOCKER_CONFIG_DIR).join("config.json").is_file() {
            env.push(("DOCKER_CONFIG".to_string(), dir.join(DOCKER_CONFIG_DIR).to_string_lossy().into_owned()));
        }
        Ok((dir, env))
    }

    async fn run_tool(
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

    async fn apply_compose(
        &self,
        deployment: &AgentDeployment,
        text: &str,
        project: &str,
        target: &TargetContext,
        progress: Progress<'_>,
        secrets: &[String],
    ) -> Result<Facts, DriverError> {
        let cli = self.compose_cli().await?.clone();
        let file = match cli {
            ComposeCli::V1 { .. } => compose::without_name(text),
            ComposeCli::V2 { .. } => text.to_string(),
        };
        let (dir, env) = self.prepare_dir(deployment, &file, Some(target))?;
        progress(&format!("applying with Compose {}", cli.version_name()));
        let (program, mut args) = cli.base(project, COMPOSE_FILE);
        args.extend(ComposeCli::up_args(deployment.force_restart));
        let what = format!("{program} up of project {project}");
        self.run_tool(CommandSpec::new(program, args), &dir, env, progress, secrets, &what).await?;
        let live = self.api.project_containers(project).await.map_err(engine_fail)?;
        let mut images: Vec<String> = live.iter().filter(|c| !c.oneoff).map(|c| c.image_id.clone()).collect();
        images.sort();
        images.dedup();
        Ok(Facts {
            mode: Mode::Compose,
            project: project.to_string(),
            compose: cli.version_name().to_string(),
            containers: live
                .iter()
                .filter(|c| !c.oneoff)
                .map(|c| AppliedContainer {
                    id: c.id.clone(),
                    name: c.view.name.clone(),
                    service: c.view.service.clone(),
                    number: c.number.clone(),
                    config_hash: c.config_hash.clone(),
                    running: matches!(c.view.state.as_str(), "running" | "restarting"),
                })
                .collect(),
            images,
        })
    }

    async fn apply_swarm(
        &self,
        deployment: &AgentDeployment,
        text: &str,
        project: &str,
        target: &TargetContext,
        progress: Progress<'_>,
        secrets: &[String],
    ) -> Result<Facts, DriverError> {
        if !self.api.swarm_manager().await.map_err(engine_fail)? {
            return Err(fail(
                "this Docker engine is not a Swarm manager (Swarm mode is inactive): run `docker swarm init`, \
                 or deploy with dockerType compose",
            ));
        }
        let file = compose::with_stack_version(&compose::without_name(text));
        let (dir, mut env) = self.prepare_dir(deployment, &file, Some(target))?;
        // `docker stack deploy` interpolates from its environment only, not from `.env`.
        let dotenv = String::from_utf8_lossy(deployment.env_file.as_deref().unwrap_or_default()).into_owned();
        env.extend(compose::parse_env_file(&dotenv));
        let mut args: Vec<String> = ["stack", "deploy", "--with-registry-auth", "--prune"].map(String::from).to_vec();
        if self.stack_detach_flag().await {
            args.push("--detach=true".into());
        }
        args.extend(["-c".to_string(), COMPOSE_FILE.to_string(), project.to_string()]);
        progress("deploying the stack");
        let what = format!("docker stack deploy of stack {project}");
        self.run_tool(CommandSpec::new(self.config.docker_cli.clone(), args), &dir, env, progress, secrets, &what)
            .await?;
        Ok(Facts { mode: Mode::Swarm, project: project.to_string(), ..Facts::default() })
    }

    /// Removes the previous revision's images that nothing uses any more.
    async fn clean_images(&self, previous: &Facts, now: &Facts) {
        let stale: Vec<&String> = previous.images.iter().filter(|i| !now.images.contains(i)).collect();
        if stale.is_empty() {
            return;
        }
        let in_use = match self.api.images_in_use().await {
            Ok(set) => set,
            Err(e) => {
                tracing::warn!("image cleanup skipped: {e}");
                return;
            }
        };
        for image in stale.into_iter().filter(|i| !in_use.contains(*i)) {
            match self.api.remove_image(image).await {
                Ok(()) => {
                    self.counters.images_removed.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(image = %image, project = %now.project, "removed an image the previous revision used");
                }
                Err(e) => tracing::warn!("image cleanup: {e}"),
            }
        }
    }

    fn facts_of(installed: &Installed) -> Result<Facts, DriverError> {
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

    async fn observe_compose(&self, facts: &Facts) -> Result<Observation, DriverError> {
        let live = self.api.project_containers(&facts.project).await.map_err(engine_fail)?;
        let live: Vec<_> = live.into_iter().filter(|c| !c.oneoff).collect();
        let drift = if facts.containers.is_empty() && live.is_empty() {
            Some(format!("no containers of project {} exist", facts.project))
        } else {
            crate::facts::drift(&facts.containers, &live)
        };
        let mut views: Vec<ContainerView> = Vec::with_capacity(live.len());
        for c in live {
            let mut view = c.view;
            let (kind, _) = status::compose_status(std::slice::from_ref(&view));
            if kind == ferry_proto::agent::StatusType::Error
                && let Ok(lines) = self.api.last_logs(&c.id, ERROR_LOG_LINES).await
            {
                view.last_logs = lines;
            }
            views.push(view);
        }
        views.sort_by(|a, b| a.name.cmp(&b.name));
        let (status, message) = status::compose_status(&views);
        Ok(Observation { status, message, drift })
    }

    async fn observe_swarm(&self, facts: &Facts) -> Result<Observation, DriverError> {
        let services = self.api.stack_services(&facts.project).await.map_err(engine_fail)?;
        let drift = services.is_empty().then(|| format!("the services of stack {} were removed", facts.project));
        let (status, message) = status::stack_status(&services);
        Ok(Observation { status, message, drift })
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
            Mode::Compose => {
                let text = std::str::from_utf8(installed.spec.compose_file.as_deref().unwrap_or_default())
                    .unwrap_or_default()
                    .to_string();
                let cli = self.compose_cli().await?.clone();
                let file = match cli {
                    ComposeCli::V1 { .. } => compose::without_name(&text),
                    ComposeCli::V2 { .. } => text,
                };
                let (dir, env) = self.prepare_dir(&installed.spec, &file, None)?;
                let (program, mut args) = cli.base(&facts.project, COMPOSE_FILE);
                args.extend(ComposeCli::down_args());
                let what = format!("{program} down of project {}", facts.project);
                if let Err(e) = self.run_tool(CommandSpec::new(program, args), &dir, env, &|_| {}, &[], &what).await {
                    // A file Compose cannot read (it never got applied) leaves nothing behind
                    // to remove; anything still there must be.
                    let left = self.api.project_containers(&facts.project).await.map_err(engine_fail)?;
                    if !left.is_empty() {
                        return Err(e);
                    }
                    tracing::warn!(project = %facts.project, "compose down failed but no containers remain: {e}");
                }
            }
            Mode::Swarm => {
                let args = ["stack", "rm", facts.project.as_str()];
                let what = format!("docker stack rm of stack {}", facts.project);
                std::fs::create_dir_all(&dir).map_err(|e| io_fail("create", &dir, e))?;
                self.run_tool(
                    CommandSpec::new(self.config.docker_cli.clone(), args),
                    &dir,
                    Vec::new(),
                    &|_| {},
                    &[],
                    &what,
                )
                .await?;
            }
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
            Mode::Compose => {
                let live = self.api.project_containers(&facts.project).await.map_err(engine_fail)?;
                for c in live.iter().filter(|c| !c.oneoff) {
                    let raw = self.api.container_logs(&c.id, since, max).await.map_err(engine_fail)?;
                    lines.extend(raw.into_iter().map(|l| LogLine {
                        resource: c.view.name.clone(),
                        timestamp: l.timestamp,
                        severity: if l.stderr { "Err" } else { "Log" }.to_string(),
                        body: l.body,
                    }));
                }
            }
            Mode::Swarm => {
                let services = self.api.stack_services(&facts.project).await.map_err(engine_fail)?;
                for s in &services {
                    let raw = self.api.service_logs(&s.name, since, max).await.map_err(engine_fail)?;
                    lines.extend(raw.into_iter().map(|l| LogLine {
                        resource: s.name.clone(),
                        timestamp: l.timestamp,
                        severity: if l.stderr { "stderr" } else { "stdout" }.to_string(),
                        body: l.body,
                    }));
                }
            }
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
        let image =
            manifest_image(manifest).ok_or_else(|| fail("the agent manifest names no image for the agent service"))?;
        match self.api.container_running(UPDATER_NAME).await.map_err(engine_fail)? {
            Some(true) => {
                tracing::info!("an agent update is already under way ({UPDATER_NAME} is running)");
                return Ok(());
            }
            Some(false) => self.api.remove_container(UPDATER_NAME).await.map_err(engine_fail)?,
            None => {}
        }
        self.api.ensure_image(&image).await.map_err(engine_fail)?;
        let mut env = vec![
            format!("FERRY_UPDATE_MANIFEST={manifest}"),
            format!("FERRY_UPDATE_PROJECT={}", ferry_proto::manifest::DOCKER_PROJECT),
        ];
        if let Some(home) = &self.config.host_home {
            env.push(format!("HOME={home}"));
        }
        let socket = self.config.socket.to_string_lossy();
        let spec = HelperSpec {
            name: UPDATER_NAME.into(),
            image: image.clone(),
            entrypoint: vec!["sh".into(), "-c".into(), UPDATER_SCRIPT.into()],
            env,
            binds: vec![format!("{socket}:/var/run/docker.sock")],
            labels: [("dev.ferry.role".to_string(), "agent-updater".to_string())].into(),
        };
        self.api.start_helper(&spec).await.map_err(engine_fail)?;
        tracing::info!(image = %image, "started {UPDATER_NAME} to replace this agent");
        Ok(())
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

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::sync::Mutex;

    use ferry_agent::driver::HubRegistry;
    use ferry_proto::agent::{RegistryCredentials, StatusType};
    use uuid::Uuid;

    use super::*;
    use crate::engine::{EngineError, RawLogLine};
    use crate::facts::LiveContainer;
    use crate::runner::FakeRunner;
    use crate::status::ServiceView;

    /// An engine whose project containers are whatever the test puts there.
    #[derive(Default)]
    struct FakeEngine {
        containers: Mutex<Vec<LiveContainer>>,
        removed_images: Mutex<Vec<String>>,
        in_use: Mutex<HashSet<String>>,
        helpers: Mutex<Vec<HelperSpec>>,
        running: Mutex<HashMap<String, bool>>,
    }

    #[async_trait]
    impl DockerApi for FakeEngine {
        async fn project_containers(&self, _: &str) -> Result<Vec<LiveContainer>, EngineError> {
            Ok(self.containers.lock().unwrap().clone())
        }
        async fn container_logs(
            &self,
            _: &str,
            _: Option<OffsetDateTime>,
            _: usize,
        ) -> Result<Vec<RawLogLine>, EngineError> {
            Ok(vec![])
        }
        async fn last_logs(&self, _: &str, _: usize) -> Result<Vec<String>, EngineError> {
            Ok(vec!["boom".into()])
        }
        async fn swarm_manager(&self) -> Result<bool, EngineError> {
            Ok(false)
        }
        async fn stack_services(&self, _: &str) -> Result<Vec<ServiceView>, EngineError> {
            Ok(vec![])
        }
        async fn service_logs(
            &self,
            _: &str,
            _: Option<OffsetDateTime>,
            _: usize,
        ) -> Result<Vec<RawLogLine>, EngineError> {
            Ok(vec![])
        }
        async fn images_in_use(&self) -> Result<HashSet<String>, EngineError> {
            Ok(self.in_use.lock().unwrap().clone())
        }
        async fn remove_image(&self, id: &str) -> Result<(), EngineError> {
            self.removed_images.lock().unwrap().push(id.to_string());
            Ok(())
        }
        async fn container_running(&self, name: &str) -> Result<Option<bool>, EngineError> {
            Ok(self.running.lock().unwrap().get(name).copied())
        }
        async fn remove_container(&self, name: &str) -> Result<(), EngineError> {
            self.running.lock().unwrap().remove(name);
            Ok(())
        }
        async fn ensure_image(&self, _: &str) -> Result<(), EngineError> {
            Ok(())
        }
        async fn start_helper(&self, spec: &HelperSpec) -> Result<(), EngineError> {
            self.helpers.lock().unwrap().push(spec.clone());
            self.running.lock().unwrap().insert(spec.name.clone(), true);
            Ok(())
        }
    }

    fn live(id: &str, service: &str, image: &str) -> LiveContainer {
        LiveContainer {
            id: id.into(),
            number: "1".into(),
            config_hash: "h".into(),
            oneoff: false,
            image_id: image.into(),
            view: ContainerView {
                service: service.into(),
                name: format!("ferry-1a2b3c4d_{service}_1"),
                state: "running".into(),
                restart_policy: "no".into(),
                ..Default::default()
            },
        }
    }

    fn deployment() -> AgentDeployment {
        AgentDeployment {
            id: Uuid::parse_str("1a2b3c4d-0000-4000-8000-000000000000").unwrap(),
            revision_id: Uuid::new_v4(),
            registry_auth: None,
            logs_enabled: true,
            force_restart: true,
            compose_file: Some(b"name: ferry-1a2b3c4d\nservices:\n  web:\n    image: x\n".to_vec()),
            env_file: Some(b"A=1\n".to_vec()),
            docker_type: None,
            image_cleanup_enabled: true,
            release_name: String::new(),
            chart_url: String::new(),
            chart_name: String::new(),
            chart_version: String::new(),
            values: None,
            ignore_revision_skew: false,
            helm_options: None,
        }
    }

    fn driver(state: &Path) -> (DockerDriver, Arc<FakeEngine>, Arc<FakeRunner>) {
        let engine = Arc::new(FakeEngine::default());
        let runner = Arc::new(FakeRunner::new());
        runner.on("docker compose version", 1, &["docker: 'compose' is not a docker command."]);
        let driver = DockerDriver::with_parts(DockerConfig::new(state), engine.clone(), runner.clone());
        (driver, engine, runner)
    }

    #[tokio::test]
    async fn compose_v1_apply_strips_the_name_passes_the_project_and_keeps_credentials_private() {
        let state = tempfile::tempdir().unwrap();
        let (driver, engine, runner) = driver(state.path());
        runner.on(
            "up -d",
            0,
            &[
                "Creating network \"ferry-1a2b3c4d_default\" with the default driver",
                "Creating ferry-1a2b3c4d_web_1 ... done",
            ],
        );
        engine.containers.lock().unwrap().push(live("c1", "web", "sha256:new"));
        let mut d = deployment();
        let mut auth = std::collections::BTreeMap::new();
        auth.insert(
            "registry.example.com".to_string(),
            RegistryCredentials { username: "u".into(), password: "pw-secret".into() },
        );
        d.registry_auth = Some(auth);
        let context = TargetContext {
            hub_registry: Some(HubRegistry { host: "hub.example.com".into(), token: "jwt-token".into() }),
            ..TargetContext::default()
        };
        let progress = Mutex::new(Vec::new());
        let applied =
            driver.apply(&context, &d, None, &|m| progress.lock().unwrap().push(m.to_string())).await.unwrap();

        let calls = runner.calls();
        let up = calls.iter().find(|c| c.args.contains(&"up".to_string())).unwrap();
        assert_eq!(up.program, "docker-compose");
        assert_eq!(
            up.args,
            ["-p", "ferry-1a2b3c4d", "-f", "docker-compose.yaml", "up", "-d", "--remove-orphans", "--force-recreate"]
        );
        let dir = state.path().join("deployments").join(d.id.to_string());
        assert_eq!(up.cwd.as_deref(), Some(dir.as_path()));
        assert_eq!(std::fs::read_to_string(dir.join(COMPOSE_FILE)).unwrap(), "services:\n  web:\n    image: x\n");
        assert_eq!(std::fs::read_to_string(dir.join(ENV_FILE)).unwrap(), "A=1\n");
        let config_dir = dir.join(DOCKER_CONFIG_DIR);
        assert!(up.env.contains(&("DOCKER_CONFIG".to_string(), config_dir.to_string_lossy().into_owned())));
        let config = std::fs::read_to_string(config_dir.join("config.json")).unwrap();
        assert!(config.contains("registry.example.com") && config.contains("hub.example.com"));
        assert_eq!(
            *progress.lock().unwrap(),
            [
                "applying with Compose v1",
                "creating network ferry-1a2b3c4d_default",
                "creating ferry-1a2b3c4d_web_1: done"
            ]
        );
        let facts = Facts::from_value(&applied.facts).unwrap();
        assert_eq!(facts.project, "ferry-1a2b3c4d");
        assert_eq!(facts.compose, "v1");
        assert_eq!(facts.images, ["sha256:new"]);
        assert_eq!(driver.stats()["processesSpawned"], 3, "{}", driver.stats());

        // Observing spawns nothing; a removed container is drift.
        let installed = Installed {
            id: d.id,
            revision_id: d.revision_id,
            spec: d.clone(),
            facts: applied.facts.clone(),
            applied_at: OffsetDateTime::now_utc(),
        };
        let o = driver.observe(&TargetContext::default(), &installed).await.unwrap();
        assert_eq!((o.status, o.drift.clone()), (StatusType::Running, None), "{o:?}");
        engine.containers.lock().unwrap().clear();
        let o = driver.observe(&TargetContext::default(), &installed).await.unwrap();
        assert_eq!(o.drift.as_deref(), Some("container ferry-1a2b3c4d_web_1 was removed"));
        assert_eq!(driver.processes_spawned(), 3);

        // The next revision uses another image: the old one is removed when unused.
        engine.containers.lock().unwrap().push(live("c2", "web", "sha256:newer"));
        let next = AgentDeployment { revision_id: Uuid::new_v4(), ..d.clone() };
        driver.apply(&context, &next, Some(&installed), &|_| {}).await.unwrap();
        assert_eq!(*engine.removed_images.lock().unwrap(), ["sha256:new"]);
    }

    #[tokio::test]
    async fn compose_v2_is_preferred_and_keeps_the_name() {
        let state = tempfile::tempdir().unwrap();
        let engine = Arc::new(FakeEngine::default());
        let runner = Arc::new(FakeRunner::new());
        let driver = DockerDriver::with_parts(DockerConfig::new(state.path()), engine, runner.clone());
        let d = AgentDeployment { force_restart: false, ..deployment() };
        driver.apply(&TargetContext::default(), &d, None, &|_| {}).await.unwrap();
        let calls = runner.calls();
        assert_eq!(calls.len(), 2, "detection, then up: {calls:?}");
        assert_eq!(calls[1].program, "docker");
        assert_eq!(
            calls[1].args,
            ["compose", "-p", "ferry-1a2b3c4d", "-f", "docker-compose.yaml", "up", "-d", "--remove-orphans"]
        );
        let dir = state.path().join("deployments").join(d.id.to_string());
        let file = std::fs::read_to_string(dir.join(COMPOSE_FILE)).unwrap();
        assert!(file.starts_with("name: ferry-1a2b3c4d\n"), "{file}");
        // No credentials anywhere: the host's Docker configuration is used.
        assert!(!calls[1].env.iter().any(|(k, _)| k == "DOCKER_CONFIG"));
        assert_eq!(driver.stats()["compose"], "v2");
    }

    #[tokio::test]
    async fn failed_compose_run_reports_compose_words_without_secrets() {
        let state = tempfile::tempdir().unwrap();
        let (driver, _engine, runner) = driver(state.path());
        runner.on("up -d", 1, &["Pulling web (x)...", "ERROR: login with pw-secret failed: unauthorized"]);
        let mut d = deployment();
        let mut auth = std::collections::BTreeMap::new();
        auth.insert("r".to_string(), RegistryCredentials { username: "u".into(), password: "pw-secret".into() });
        d.registry_auth = Some(auth);
        let err = driver.apply(&TargetContext::default(), &d, None, &|_| {}).await.unwrap_err();
        assert_eq!(
            err.message,
            "docker-compose up of project ferry-1a2b3c4d failed (code 1):\nERROR: login with *** failed: unauthorized"
        );
    }

    #[tokio::test]
    async fn removal_keeps_volumes_and_succeeds_only_when_nothing_is_left() {
        let state = tempfile::tempdir().unwrap();
        let (driver, engine, runner) = driver(state.path());
        let d = deployment();
        let installed = Installed {
            id: d.id,
            revision_id: d.revision_id,
            spec: d.clone(),
            facts: serde_json::Value::Null,
            applied_at: OffsetDateTime::now_utc(),
        };
        runner.on(" down", 1, &["ERROR: cannot talk to the engine"]);
        engine.containers.lock().unwrap().push(live("c1", "web", "i"));
        let err = driver.remove(&TargetContext::default(), &installed).await.unwrap_err();
        assert!(err.message.contains("down of project ferry-1a2b3c4d failed"), "{err}");
        let down = runner.calls().into_iter().find(|c| c.args.contains(&"down".to_string())).unwrap();
        assert_eq!(down.args, ["-p", "ferry-1a2b3c4d", "-f", "docker-compose.yaml", "down", "--remove-orphans"]);
        // A failed `down` that left nothing behind (a file Compose never accepted) is done.
        engine.containers.lock().unwrap().clear();
        driver.remove(&TargetContext::default(), &installed).await.unwrap();
        assert!(!state.path().join("deployments").join(d.id.to_string()).exists());
    }

    #[tokio::test]
    async fn swarm_apply_outside_swarm_mode_says_what_to_do() {
        let state = tempfile::tempdir().unwrap();
        let (driver, _engine, runner) = driver(state.path());
        let d = AgentDeployment { docker_type: Some(DockerType::Swarm), ..deployment() };
        let err = driver.apply(&TargetContext::default(), &d, None, &|_| {}).await.unwrap_err();
        assert!(err.message.contains("docker swarm init"), "{err}");
        assert!(runner.calls().is_empty());
    }

    #[tokio::test]
    async fn self_update_is_single_flight() {
        let state = tempfile::tempdir().unwrap();
        let (driver, engine, _runner) = driver(state.path());
        let manifest = "services:\n  agent:\n    image: \"ferry-agent:2\"\n";
        driver.self_update(&TargetContext::default(), manifest).await.unwrap();
        driver.self_update(&TargetContext::default(), manifest).await.unwrap();
        let helpers = engine.helpers.lock().unwrap().clone();
        assert_eq!(helpers.len(), 1, "a running helper is left alone");
        assert_eq!(helpers[0].image, "ferry-agent:2");
        assert_eq!(helpers[0].name, UPDATER_NAME);
        assert!(helpers[0].env.iter().any(|e| e == &format!("FERRY_UPDATE_MANIFEST={manifest}")));
        assert!(helpers[0].binds.contains(&"/var/run/docker.sock:/var/run/docker.sock".to_string()));
        // A finished helper is replaced by the next update.
        engine.running.lock().unwrap().insert(UPDATER_NAME.into(), false);
        driver.self_update(&TargetContext::default(), manifest).await.unwrap();
        assert_eq!(engine.helpers.lock().unwrap().len(), 2);
        assert!(driver.self_update(&TargetContext::default(), "services: {}\n").await.is_err());
    }

    #[test]
    fn manifest_image_prefers_the_agent_service() {
        assert_eq!(manifest_image("services:\n  x:\n    image: a\n  agent:\n    image: b\n").as_deref(), Some("b"));
        assert_eq!(manifest_image("services:\n  x:\n    image: a\n").as_deref(), Some("a"));
        assert_eq!(manifest_image("nope"), None);
    }
}
