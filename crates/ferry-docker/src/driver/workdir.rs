//! A deployment's working directory, `<state>/deployments/<id>/`: the Compose file as the
//! tool wants it, its `.env` and the deployment's registry credentials, all private to the
//! agent.

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ferry_agent::driver::{DriverError, TargetContext};
use ferry_proto::agent::AgentDeployment;

use super::{DockerDriver, io_fail};
use crate::auth;

/// File names inside a deployment's working directory.
pub(super) const COMPOSE_FILE: &str = "docker-compose.yaml";
pub(super) const ENV_FILE: &str = ".env";
pub(super) const DOCKER_CONFIG_DIR: &str = "docker";

pub(super) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), DriverError> {
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

impl DockerDriver {
    /// Writes the working directory: the Compose file as the tool wants it, `.env` (0600),
    /// and the registry credentials. Returns the environment for the tool.
    pub(super) fn prepare_dir(
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
}
