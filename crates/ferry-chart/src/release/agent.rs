//! The agent's own tracking Secret, `sh.distr.agent.v1.<release-name>`
//! (PROTOCOL.md §9), compatible with what Distr's Kubernetes agent writes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ReleaseError;
use super::secret::Secret;

/// Prefix of tracking Secret names.
pub const AGENT_SECRET_PREFIX: &str = "sh.distr.agent.v1.";
/// The label selecting tracking Secrets; its value is the release name.
pub const AGENT_DEPLOYMENT_LABEL: &str = "agent.distr.sh/deployment";
/// The data key holding the JSON document.
pub const AGENT_DATA_KEY: &str = "release";

/// Where the agent is with a deployment (`phase`). Unknown texts read as
/// [`AgentPhase::Unspecified`], as Go reads any string into its `State`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum AgentPhase {
    /// `""`: not recorded (older agents, adopted releases).
    #[default]
    Unspecified,
    /// `progressing`: an install or upgrade is under way.
    Progressing,
    /// `ready`: the revision is applied and healthy.
    Ready,
    /// `failed`: applying the revision failed.
    Failed,
}

impl AgentPhase {
    /// The text stored in the Secret.
    pub fn as_str(&self) -> &'static str {
        match self {
            AgentPhase::Unspecified => "",
            AgentPhase::Progressing => "progressing",
            AgentPhase::Ready => "ready",
            AgentPhase::Failed => "failed",
        }
    }
}

impl Serialize for AgentPhase {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AgentPhase {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        Ok(match text.as_deref() {
            Some("progressing") => AgentPhase::Progressing,
            Some("ready") => AgentPhase::Ready,
            Some("failed") => AgentPhase::Failed,
            _ => AgentPhase::Unspecified,
        })
    }
}

/// What the agent remembers about one Helm release it manages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentDeployment {
    /// Hub deployment id (the zero UUID when a user adopts a release).
    #[serde(default)]
    pub id: Uuid,
    /// Hub revision id being applied or applied.
    #[serde(default)]
    pub revision_id: Uuid,
    /// The revision last applied successfully (Distr's `currentRevisionId`,
    /// omitted when unknown).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "nil_uuid_is_none")]
    pub current_revision_id: Option<Uuid>,
    /// The Helm release name.
    #[serde(default)]
    pub release_name: String,
    /// The Helm revision the agent last deployed (omitted when unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm_revision: Option<i64>,
    /// Whether the deployment's logs are shipped.
    #[serde(default)]
    pub logs_enabled: bool,
    /// Progress of the last apply.
    #[serde(default)]
    pub phase: AgentPhase,
}

// Go's `omitzero` on uuid.UUID: the nil UUID means "none".
fn nil_uuid_is_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Uuid>, D::Error> {
    let v: Option<Uuid> = Option::deserialize(d)?;
    Ok(v.filter(|u| !u.is_nil()))
}

impl AgentDeployment {
    /// `sh.distr.agent.v1.<release-name>`.
    pub fn secret_name(&self) -> String {
        agent_secret_name(&self.release_name)
    }

    /// The JSON stored under the Secret's `release` key.
    pub fn to_json(&self) -> Result<String, ReleaseError> {
        serde_json::to_string(self).map_err(|e| ReleaseError::Encode(e.to_string()))
    }

    /// Reads the JSON stored under the Secret's `release` key.
    pub fn from_json(text: &[u8]) -> Result<AgentDeployment, ReleaseError> {
        serde_json::from_slice(text).map_err(|e| ReleaseError::Decode(format!("agent deployment: {e}")))
    }

    /// The tracking Secret in `namespace`, labelled with the release name.
    pub fn to_secret(&self, namespace: &str) -> Result<Secret, ReleaseError> {
        Ok(Secret {
            name: self.secret_name(),
            namespace: namespace.to_string(),
            labels: BTreeMap::from([(AGENT_DEPLOYMENT_LABEL.to_string(), self.release_name.clone())]),
            secret_type: String::new(),
            data: BTreeMap::from([(AGENT_DATA_KEY.to_string(), self.to_json()?.into_bytes())]),
        })
    }

    /// Reads a tracking Secret.
    pub fn from_secret(secret: &Secret) -> Result<AgentDeployment, ReleaseError> {
        let data = secret
            .data
            .get(AGENT_DATA_KEY)
            .ok_or_else(|| ReleaseError::MissingData { secret: secret.name.clone(), key: AGENT_DATA_KEY })?;
        AgentDeployment::from_json(data).map_err(|e| e.in_secret(&secret.name))
    }

    /// The revision that was last applied successfully, if any (Distr's
    /// `AppliedRevisionID`): state written before `currentRevisionId`
    /// existed only has `revisionId`, which counts unless the apply failed or
    /// is still running.
    pub fn applied_revision_id(&self) -> Option<Uuid> {
        if let Some(current) = self.current_revision_id {
            return Some(current);
        }
        match self.phase {
            AgentPhase::Ready | AgentPhase::Unspecified => Some(self.revision_id),
            AgentPhase::Progressing | AgentPhase::Failed => None,
        }
    }
}

/// `sh.distr.agent.v1.<release-name>`.
pub fn agent_secret_name(release_name: &str) -> String {
    format!("{AGENT_SECRET_PREFIX}{release_name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape() {
        let d = AgentDeployment {
            id: Uuid::nil(),
            revision_id: Uuid::nil(),
            release_name: "web".into(),
            helm_revision: Some(3),
            ..AgentDeployment::default()
        };
        assert_eq!(
            d.to_json().unwrap(),
            r#"{"id":"00000000-0000-0000-0000-000000000000","revisionId":"00000000-0000-0000-0000-000000000000","releaseName":"web","helmRevision":3,"logsEnabled":false,"phase":""}"#
        );
        let back = AgentDeployment::from_secret(&d.to_secret("apps").unwrap()).unwrap();
        assert_eq!(back, d);
        assert_eq!(back.applied_revision_id(), Some(Uuid::nil()));
        let odd = AgentDeployment::from_json(br#"{"releaseName":"x","phase":"paused","helmRevision":null}"#).unwrap();
        assert_eq!((odd.phase, odd.helm_revision), (AgentPhase::Unspecified, None));
    }
}
