//! Self-update: an agent cannot recreate its own container, so a short-lived helper container
//! started from the new image runs Compose on the new manifest.

use ferry_agent::driver::DriverError;

use super::{DockerDriver, engine_fail, fail};
use crate::engine::HelperSpec;

/// Name of the self-update helper container; one at a time.
pub const UPDATER_NAME: &str = "ferry-agent-updater";

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
    /// Starts the single-flight helper container that replaces this agent with the one
    /// `manifest` describes.
    pub(super) async fn start_update(&self, manifest: &str) -> Result<(), DriverError> {
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
}

#[cfg(test)]
mod tests {

    use super::*;

    use super::super::fake::*;
    use super::super::*;

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
