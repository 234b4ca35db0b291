//! A fake engine and fixtures for the driver's unit tests.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use async_trait::async_trait;
use uuid::Uuid;

use super::*;
use crate::engine::{EngineError, HelperSpec, RawLogLine};
use crate::facts::LiveContainer;
use crate::runner::FakeRunner;
use crate::status::{ContainerView, ServiceView};

/// An engine whose project containers are whatever the test puts there.
#[derive(Default)]
pub(super) struct FakeEngine {
    pub(super) containers: Mutex<Vec<LiveContainer>>,
    pub(super) removed_images: Mutex<Vec<String>>,
    pub(super) in_use: Mutex<HashSet<String>>,
    pub(super) helpers: Mutex<Vec<HelperSpec>>,
    pub(super) running: Mutex<HashMap<String, bool>>,
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
    async fn service_logs(&self, _: &str, _: Option<OffsetDateTime>, _: usize) -> Result<Vec<RawLogLine>, EngineError> {
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

pub(super) fn live(id: &str, service: &str, image: &str) -> LiveContainer {
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

pub(super) fn deployment() -> AgentDeployment {
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

pub(super) fn driver(state: &Path) -> (DockerDriver, Arc<FakeEngine>, Arc<FakeRunner>) {
    let engine = Arc::new(FakeEngine::default());
    let runner = Arc::new(FakeRunner::new());
    runner.on("docker compose version", 1, &["docker: 'compose' is not a docker command."]);
    let driver = DockerDriver::with_parts(DockerConfig::new(state), engine.clone(), runner.clone());
    (driver, engine, runner)
}
