//! What the agent remembers across restarts: which revision of each deployment it applied
//! (so a restart re-applies nothing), what it is removing, and failed applies with their
//! backoff. Written atomically (temp file, fsync, rename), readable only by its owner.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use ferry_proto::agent::AgentDeployment;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::driver::Installed;

/// An apply that failed, and when to try again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedApply {
    /// The revision that failed.
    pub revision_id: Uuid,
    /// The driver's message.
    pub message: String,
    /// Consecutive failures.
    pub attempts: u32,
    /// Whether the last failure was transient (older state files: permanent).
    #[serde(default)]
    pub transient: bool,
    /// Not before this.
    #[serde(with = "time::serde::rfc3339")]
    pub retry_at: OffsetDateTime,
}

/// One deployment the agent knows about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentState {
    /// The last deployment spec the agent tried to apply (credentials stripped): enough to
    /// remove it without the hub even if that apply failed half-way.
    pub attempted: AgentDeployment,
    /// What is installed, after a successful apply.
    #[serde(default)]
    pub installed: Option<Installed>,
    /// The last failed apply, if the latest attempt failed.
    #[serde(default)]
    pub failed: Option<FailedApply>,
}

/// Everything persisted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalState {
    /// By deployment id.
    #[serde(default)]
    pub deployments: BTreeMap<Uuid, DeploymentState>,
    /// Agent version ids self-update was last attempted for, with the time.
    #[serde(default)]
    pub self_update: Option<(Uuid, String)>,
}

/// Strips what must not be written to disk in the agent's own state (registry passwords live
/// only where the driver needs them).
pub fn without_credentials(deployment: &AgentDeployment) -> AgentDeployment {
    AgentDeployment { registry_auth: None, ..deployment.clone() }
}

/// Why state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// File system.
    #[error("{what} {path}: {source}")]
    Io {
        /// Doing what.
        what: &'static str,
        /// Where.
        path: PathBuf,
        /// OS error.
        source: std::io::Error,
    },
    /// Unreadable file.
    #[error("agent state {path} is corrupt ({reason}); move it aside to start over (deployments would be re-applied)")]
    Corrupt {
        /// Where.
        path: PathBuf,
        /// Parser message.
        reason: String,
    },
}

/// A JSON file under the state directory.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    /// `dir/name`, creating `dir` (mode 0700) if needed.
    pub fn open(dir: &Path, name: &str) -> Result<Self, StateError> {
        std::fs::create_dir_all(dir).map_err(|source| StateError::Io {
            what: "cannot create state directory",
            path: dir.to_path_buf(),
            source,
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
        Ok(StateFile { path: dir.join(name) })
    }

    /// Reads the file; the default when it does not exist yet.
    pub fn load<T: Default + for<'de> Deserialize<'de>>(&self) -> Result<T, StateError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| StateError::Corrupt { path: self.path.clone(), reason: e.to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
            Err(source) => Err(StateError::Io { what: "cannot read", path: self.path.clone(), source }),
        }
    }

    /// Replaces the file atomically.
    pub fn save<T: Serialize>(&self, value: &T) -> Result<(), StateError> {
        let tmp = self.path.with_extension("tmp");
        let io = |what, source| StateError::Io { what, path: tmp.clone(), source };
        let bytes = serde_json::to_vec_pretty(value)
            .map_err(|e| StateError::Corrupt { path: self.path.clone(), reason: e.to_string() })?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(|e| io("cannot create", e))?;
        file.write_all(&bytes).map_err(|e| io("cannot write", e))?;
        file.sync_all().map_err(|e| io("cannot sync", e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| io("cannot replace state with", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_empty_state_and_saves_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::open(&dir.path().join("nested"), "state.json").unwrap();
        let empty: LocalState = file.load().unwrap();
        assert!(empty.deployments.is_empty());
        let state =
            LocalState { self_update: Some((Uuid::nil(), "2026-01-01T00:00:00Z".into())), ..Default::default() };
        file.save(&state).unwrap();
        assert_eq!(file.load::<LocalState>().unwrap(), state);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("nested/state.json")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn corrupt_state_is_reported_not_discarded() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("state.json"), "{not json").unwrap();
        let file = StateFile::open(dir.path(), "state.json").unwrap();
        let e = file.load::<LocalState>().unwrap_err().to_string();
        assert!(e.contains("corrupt") && e.contains("move it aside"), "{e}");
    }
}
