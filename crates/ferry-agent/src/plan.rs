//! Deciding what a tick does, as a pure function of desired and local state.

use std::time::Duration;

use ferry_proto::agent::AgentDeployment;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::driver::FailureKind;
use crate::state::LocalState;

/// Why a deployment is (re)applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyReason {
    /// Not installed yet.
    New,
    /// The hub wants another revision.
    Changed,
    /// The previous attempt at this revision failed and its backoff elapsed.
    Retry,
}

/// One thing to do this tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// No longer desired: tear down (named volumes kept).
    Remove(Uuid),
    /// Apply the desired revision.
    Apply(Uuid, ApplyReason),
    /// Installed at the desired revision: check health and drift.
    Observe(Uuid),
    /// The desired revision failed to apply and waits for its retry time.
    Wait(Uuid),
}

/// Removals first (they free names and ports), then applies, then observations, each in id
/// order so a tick is deterministic.
pub fn plan(desired: &[AgentDeployment], local: &LocalState, now: OffsetDateTime) -> Vec<Action> {
    let mut actions = Vec::new();
    for id in local.deployments.keys() {
        if !desired.iter().any(|d| d.id == *id) {
            actions.push(Action::Remove(*id));
        }
    }
    let mut desired: Vec<&AgentDeployment> = desired.iter().collect();
    desired.sort_by_key(|d| d.id);
    let mut observe = Vec::new();
    for d in desired {
        let Some(known) = local.deployments.get(&d.id) else {
            actions.push(Action::Apply(d.id, ApplyReason::New));
            continue;
        };
        match (&known.installed, &known.failed) {
            (_, Some(failed)) if failed.revision_id == d.revision_id => {
                if now >= failed.retry_at {
                    actions.push(Action::Apply(d.id, ApplyReason::Retry));
                } else {
                    actions.push(Action::Wait(d.id));
                }
            }
            (Some(installed), _) if installed.revision_id == d.revision_id => observe.push(Action::Observe(d.id)),
            (Some(_), _) => actions.push(Action::Apply(d.id, ApplyReason::Changed)),
            (None, _) => actions.push(Action::Apply(d.id, ApplyReason::New)),
        }
    }
    actions.extend(observe);
    actions
}

/// How long to wait before retrying a failed apply. Permanent failures: 15 s doubling to
/// 5 min, so a broken revision never turns into a Compose run or a Helm upgrade every tick.
/// Transient failures (the platform was unreachable or busy): 5 s doubling to 1 min, so the
/// deployment converges soon after the platform recovers.
pub fn retry_delay(attempts: u32, kind: FailureKind) -> Duration {
    let (first, cap) = match kind {
        FailureKind::Permanent => (15u64, 300u64),
        FailureKind::Transient => (5, 60),
    };
    let secs = first.saturating_mul(1u64 << attempts.saturating_sub(1).min(5));
    Duration::from_secs(secs.min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::Installed;
    use crate::state::{DeploymentState, FailedApply};

    fn deployment(id: u128, revision: u128) -> AgentDeployment {
        serde_json::from_value(serde_json::json!({
            "id": Uuid::from_u128(id), "revisionId": Uuid::from_u128(revision),
            "composeFile": "bmFtZTogeAo=", "dockerType": "compose"
        }))
        .unwrap()
    }

    fn installed(d: &AgentDeployment) -> DeploymentState {
        DeploymentState {
            attempted: d.clone(),
            installed: Some(Installed {
                id: d.id,
                revision_id: d.revision_id,
                spec: d.clone(),
                facts: serde_json::Value::Null,
                applied_at: OffsetDateTime::UNIX_EPOCH,
            }),
            failed: None,
        }
    }

    #[test]
    fn new_changed_unchanged_and_removed() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let mut local = LocalState::default();
        let (a1, b1, c1) = (deployment(1, 10), deployment(2, 20), deployment(3, 30));
        local.deployments.insert(a1.id, installed(&a1));
        local.deployments.insert(b1.id, installed(&b1));
        local.deployments.insert(c1.id, installed(&c1));
        let desired = vec![deployment(2, 21), deployment(1, 10), deployment(4, 40)];
        assert_eq!(
            plan(&desired, &local, now),
            vec![
                Action::Remove(Uuid::from_u128(3)),
                Action::Apply(Uuid::from_u128(2), ApplyReason::Changed),
                Action::Apply(Uuid::from_u128(4), ApplyReason::New),
                Action::Observe(Uuid::from_u128(1)),
            ]
        );
    }

    #[test]
    fn failed_revisions_wait_for_their_backoff() {
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::hours(1);
        let d = deployment(1, 10);
        let mut state = installed(&deployment(1, 9));
        state.failed = Some(FailedApply {
            revision_id: d.revision_id,
            message: "boom".into(),
            attempts: 1,
            transient: false,
            retry_at: now + time::Duration::seconds(10),
        });
        let mut local = LocalState::default();
        local.deployments.insert(d.id, state.clone());
        assert_eq!(plan(std::slice::from_ref(&d), &local, now), vec![Action::Wait(d.id)]);
        let later = now + time::Duration::seconds(11);
        assert_eq!(plan(std::slice::from_ref(&d), &local, later), vec![Action::Apply(d.id, ApplyReason::Retry)]);
        // A newer revision is applied at once, whatever failed before.
        let newer = deployment(1, 11);
        assert_eq!(plan(&[newer], &local, now), vec![Action::Apply(d.id, ApplyReason::Changed)]);
    }

    #[test]
    fn retry_delay_doubles_and_caps() {
        let permanent = |n| retry_delay(n, FailureKind::Permanent);
        assert_eq!(permanent(1), Duration::from_secs(15));
        assert_eq!(permanent(2), Duration::from_secs(30));
        assert_eq!(permanent(5), Duration::from_secs(240));
        assert_eq!(permanent(50), Duration::from_secs(300));
        let transient = |n| retry_delay(n, FailureKind::Transient);
        assert_eq!(transient(1), Duration::from_secs(5));
        assert_eq!(transient(4), Duration::from_secs(40));
        assert_eq!(transient(50), Duration::from_secs(60));
    }
}
