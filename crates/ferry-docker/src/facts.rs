//! What the driver remembers of an apply (stored by the core as `Installed::facts`), and drift:
//! how the containers of a Compose project differ from what was applied. Pure functions.

use serde::{Deserialize, Serialize};

use crate::status::ContainerView;

/// How a deployment was applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Docker Compose.
    #[default]
    Compose,
    /// Docker Swarm stack.
    Swarm,
}

/// Facts recorded right after an apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Facts {
    /// Compose or Swarm.
    pub mode: Mode,
    /// Compose project or stack name.
    pub project: String,
    /// `v1` or `v2` (Compose only).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub compose: String,
    /// The containers Compose created (Compose only).
    #[serde(default)]
    pub containers: Vec<AppliedContainer>,
    /// Image ids the deployment used, for image cleanup after the next revision.
    #[serde(default)]
    pub images: Vec<String>,
}

impl Facts {
    /// Reads facts the core kept; anything unreadable (e.g. from an older agent) reads as
    /// empty, which makes the driver re-apply rather than guess.
    pub fn from_value(value: &serde_json::Value) -> Option<Facts> {
        serde_json::from_value(value.clone()).ok()
    }

    /// As stored by the core.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// One container as Compose left it (its `com.docker.compose.*` labels and state).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AppliedContainer {
    /// Container id.
    pub id: String,
    /// Container name.
    pub name: String,
    /// `com.docker.compose.service`.
    pub service: String,
    /// `com.docker.compose.container-number`.
    pub number: String,
    /// `com.docker.compose.config-hash`.
    pub config_hash: String,
    /// Whether it was running after the apply (one-shot containers may have finished).
    pub running: bool,
}

/// A container of a Compose project as the Engine shows it now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveContainer {
    /// Container id.
    pub id: String,
    /// `com.docker.compose.container-number`.
    pub number: String,
    /// `com.docker.compose.config-hash`.
    pub config_hash: String,
    /// `com.docker.compose.oneoff` is `True` (`docker compose run`): not part of the app.
    pub oneoff: bool,
    /// Image id.
    pub image_id: String,
    /// State and health.
    pub view: ContainerView,
}

/// How the live containers differ from what was applied, in words; `None` when they match.
/// A container that is gone, replaced, reconfigured, or stopped by hand (not crashed: the
/// Engine would have restarted it, or it was killed by `docker stop`) is drift; one that
/// fails by itself is an error status, not drift, so the agent does not re-apply in a loop.
pub fn drift(applied: &[AppliedContainer], live: &[LiveContainer]) -> Option<String> {
    let mut findings = Vec::new();
    for expected in applied {
        let Some(now) = live.iter().find(|c| c.id == expected.id) else {
            let replaced =
                live.iter().any(|c| !c.oneoff && c.view.service == expected.service && c.number == expected.number);
            findings.push(if replaced {
                format!("container {} was replaced by another container", expected.name)
            } else {
                format!("container {} was removed", expected.name)
            });
            continue;
        };
        if now.config_hash != expected.config_hash {
            findings.push(format!("container {} was altered (its configuration changed)", expected.name));
            continue;
        }
        let v = &now.view;
        let stopped_state = matches!(v.state.as_str(), "exited" | "created");
        let killed_by_stop = matches!(v.exit_code, Some(137 | 143)) && !v.oom_killed;
        let would_restart = matches!(v.restart_policy.as_str(), "always" | "unless-stopped");
        if expected.running && stopped_state && (would_restart || killed_by_stop) {
            findings.push(format!("container {} was stopped", expected.name));
        } else if expected.running && v.state == "paused" {
            findings.push(format!("container {} was paused", expected.name));
        }
    }
    (!findings.is_empty()).then(|| findings.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(service: &str, id: &str) -> AppliedContainer {
        AppliedContainer {
            id: id.into(),
            name: format!("p_{service}_1"),
            service: service.into(),
            number: "1".into(),
            config_hash: "h1".into(),
            running: true,
        }
    }

    fn live(service: &str, id: &str, state: &str) -> LiveContainer {
        LiveContainer {
            id: id.into(),
            number: "1".into(),
            config_hash: "h1".into(),
            oneoff: false,
            image_id: "sha256:i".into(),
            view: ContainerView {
                service: service.into(),
                name: format!("p_{service}_1"),
                state: state.into(),
                restart_policy: "no".into(),
                ..Default::default()
            },
        }
    }

    #[test]
    fn unchanged_containers_are_no_drift() {
        assert_eq!(drift(&[applied("web", "a")], &[live("web", "a", "running")]), None);
    }

    #[test]
    fn removed_replaced_and_altered_containers_are_drift() {
        assert_eq!(drift(&[applied("web", "a")], &[]).as_deref(), Some("container p_web_1 was removed"));
        assert_eq!(
            drift(&[applied("web", "a")], &[live("web", "b", "running")]).as_deref(),
            Some("container p_web_1 was replaced by another container")
        );
        let mut altered = live("web", "a", "running");
        altered.config_hash = "h2".into();
        assert!(drift(&[applied("web", "a")], &[altered]).unwrap().contains("was altered"));
    }

    #[test]
    fn stopped_by_hand_is_drift_but_a_crash_is_not() {
        let mut stopped = live("web", "a", "exited");
        stopped.view.exit_code = Some(137);
        assert_eq!(drift(&[applied("web", "a")], &[stopped]).as_deref(), Some("container p_web_1 was stopped"));
        let mut always = live("web", "a", "exited");
        always.view.exit_code = Some(0);
        always.view.restart_policy = "unless-stopped".into();
        assert!(drift(&[applied("web", "a")], &[always]).is_some());
        let mut crashed = live("web", "a", "exited");
        crashed.view.exit_code = Some(1);
        assert_eq!(drift(&[applied("web", "a")], &[crashed]), None);
        let mut oom = live("web", "a", "exited");
        oom.view.exit_code = Some(137);
        oom.view.oom_killed = true;
        assert_eq!(drift(&[applied("web", "a")], &[oom]), None);
        // A one-shot that had already finished at apply time is not expected to run.
        let mut init = applied("init", "i");
        init.running = false;
        let mut done = live("init", "i", "exited");
        done.view.exit_code = Some(137);
        assert_eq!(drift(&[init], &[done]), None);
    }

    #[test]
    fn several_findings_are_listed() {
        let d = drift(&[applied("web", "a"), applied("db", "b")], &[]).unwrap();
        assert_eq!(d, "container p_web_1 was removed; container p_db_1 was removed");
    }

    #[test]
    fn facts_round_trip_and_unreadable_facts_read_as_none() {
        let f = Facts { project: "p".into(), containers: vec![applied("web", "a")], ..Default::default() };
        assert_eq!(Facts::from_value(&f.to_value()), Some(f));
        assert_eq!(Facts::from_value(&serde_json::json!({"mode": "kube"})), None);
        assert_eq!(Facts::from_value(&serde_json::Value::Null), None);
    }
}
