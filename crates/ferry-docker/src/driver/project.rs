//! Compose projects: `docker compose` (v2) or `docker-compose` (v1) for changes, the Engine
//! API for everything read.

use std::sync::atomic::Ordering;

use ferry_agent::driver::{DriverError, Installed, LogLine, Observation, Progress, TargetContext};
use ferry_proto::agent::AgentDeployment;
use time::OffsetDateTime;

use super::workdir::COMPOSE_FILE;
use super::{DockerDriver, engine_fail, fail};
use crate::compose::{self, ComposeCli};
use crate::facts::{AppliedContainer, Facts, Mode};
use crate::runner::CommandSpec;
use crate::status::{self, ContainerView};

/// Log lines shown with a container in trouble.
const ERROR_LOG_LINES: usize = 5;

impl DockerDriver {
    pub(super) async fn compose_cli(&self) -> Result<&ComposeCli, DriverError> {
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

    pub(super) async fn apply_compose(
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

    /// `compose down` of the project; volumes are kept.
    pub(super) async fn remove_compose(&self, installed: &Installed, facts: &Facts) -> Result<(), DriverError> {
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
        Ok(())
    }

    pub(super) async fn observe_compose(&self, facts: &Facts) -> Result<Observation, DriverError> {
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

    /// Log lines of the project's containers.
    pub(super) async fn compose_logs(
        &self,
        facts: &Facts,
        since: Option<OffsetDateTime>,
        max: usize,
        lines: &mut Vec<LogLine>,
    ) -> Result<(), DriverError> {
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
        Ok(())
    }

    /// Removes the previous revision's images that nothing uses any more.
    pub(super) async fn clean_images(&self, previous: &Facts, now: &Facts) {
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
}

#[cfg(test)]
mod tests {

    use std::sync::Mutex;

    use ferry_agent::driver::HubRegistry;
    use ferry_proto::agent::{RegistryCredentials, StatusType};
    use uuid::Uuid;

    use super::super::workdir::{COMPOSE_FILE, DOCKER_CONFIG_DIR, ENV_FILE};
    use super::*;

    use crate::runner::FakeRunner;

    use std::sync::Arc;

    use super::super::fake::*;
    use super::super::*;

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
}
