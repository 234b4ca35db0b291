//! The reconcile loop. Every tick: fetch desired state (ETag), remove what is no longer
//! desired, apply what is new or changed, observe the rest (health, drift), report. When
//! the hub is unreachable the agent backs off and leaves workloads alone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_proto::agent::{AgentDeployment, AgentResources, StatusReport, StatusType};
use futures_util::StreamExt as _;
use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::time::Instant;
use uuid::Uuid;

use crate::config::AgentConfig;
use crate::driver::{Driver, DriverError, HubRegistry, Installed, Observation, TargetContext};
use crate::health::Heartbeat;
use crate::hub::{Desired, HubApi, HubError};
use crate::logship::LogTargets;
use crate::plan::{Action, ApplyReason, plan, retry_delay};
use crate::state::{DeploymentState, FailedApply, LocalState, StateError, StateFile, without_credentials};

/// Statuses are re-sent at least this often, even when nothing changed, so the hub can tell a
/// silent agent from a healthy one.
pub const STATUS_REFRESH: Duration = Duration::from_secs(30);
/// Metrics cadence while the hub wants them.
pub const METRICS_EVERY: Duration = Duration::from_secs(30);
/// Live progress during an apply is reported at most this often.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);
/// A self-update is not attempted again for the same version sooner than this.
const SELF_UPDATE_RETRY: time::Duration = time::Duration::minutes(5);
/// Longest wait between attempts to reach an unreachable hub.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The current time, injectable for tests.
pub trait Clock: Send + Sync {
    /// Now, UTC.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// Counters written to `<state>/stats.json` after every tick.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Ticks run.
    pub ticks: u64,
    /// Successful applies (including drift corrections).
    pub applies: u64,
    /// Failed applies.
    pub failed_applies: u64,
    /// Deployments removed.
    pub removals: u64,
    /// Drift found and corrected.
    pub drift_corrections: u64,
    /// Statuses sent.
    pub statuses_sent: u64,
    /// Ticks on which the hub could not be reached.
    pub hub_unreachable: u64,
    /// Self-updates started.
    pub self_updates: u64,
    /// When the last tick ended.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_tick_at: Option<OffsetDateTime>,
    /// The driver's own counters.
    pub driver: serde_json::Value,
}

/// Why the agent stopped.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// Local state is unusable.
    #[error(transparent)]
    State(#[from] StateError),
}

struct Sent {
    revision: Uuid,
    kind: StatusType,
    message: String,
    at: Instant,
}

/// Decides whether a status must be sent now: when it changed, or to refresh it.
fn should_send(last: Option<&Sent>, revision: Uuid, kind: StatusType, message: &str, now: Instant) -> bool {
    match last {
        None => true,
        Some(s) => {
            s.revision != revision
                || s.kind != kind
                || s.message != message
                || now.duration_since(s.at) >= STATUS_REFRESH
        }
    }
}

/// The agent.
pub struct Agent {
    config: AgentConfig,
    hub: Arc<dyn HubApi>,
    driver: Arc<dyn Driver>,
    clock: Arc<dyn Clock>,
    state_file: StateFile,
    stats_file: StateFile,
    state: LocalState,
    desired: Option<AgentResources>,
    etag: Option<String>,
    sent: HashMap<Uuid, Sent>,
    last_metrics: Option<Instant>,
    failures_in_a_row: u32,
    stats: Stats,
    log_targets: watch::Sender<LogTargets>,
    heartbeat: Heartbeat,
    discovered: bool,
}

impl Agent {
    /// An agent over a hub and a driver, with state in `config.state_dir`.
    pub fn new(
        config: AgentConfig,
        hub: Arc<dyn HubApi>,
        driver: Arc<dyn Driver>,
        clock: Arc<dyn Clock>,
    ) -> Result<(Self, watch::Receiver<LogTargets>), AgentError> {
        let state_file = StateFile::open(&config.state_dir, "state.json")?;
        let stats_file = StateFile::open(&config.state_dir, "stats.json")?;
        let state = state_file.load()?;
        let (log_targets, rx) = watch::channel(LogTargets::default());
        Ok((
            Agent {
                config,
                hub,
                driver,
                clock,
                state_file,
                stats_file,
                state,
                desired: None,
                etag: None,
                sent: HashMap::new(),
                last_metrics: None,
                failures_in_a_row: 0,
                stats: Stats::default(),
                log_targets,
                heartbeat: Heartbeat::default(),
                discovered: false,
            },
            rx,
        ))
    }

    /// Beats after every tick and while an apply makes progress, for the health endpoint.
    pub fn heartbeat(&self) -> Heartbeat {
        self.heartbeat.clone()
    }

    /// Runs ticks until `shutdown` completes.
    pub async fn run(mut self, shutdown: impl std::future::Future<Output = ()>) -> Result<(), AgentError> {
        tracing::info!(
            hub = %self.config.hub_url,
            target = %self.config.target_id,
            interval = ?self.config.interval,
            driver = self.driver.name(),
            installed = self.state.deployments.len(),
            "agent started"
        );
        tokio::pin!(shutdown);
        loop {
            let wait = self.tick().await?;
            tokio::select! {
                () = &mut shutdown => {
                    tracing::info!("agent stopping");
                    return Ok(());
                }
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    fn save(&self) -> Result<(), AgentError> {
        Ok(self.state_file.save(&self.state)?)
    }

    fn write_stats(&mut self) {
        self.stats.last_tick_at = Some(self.clock.now());
        self.stats.driver = self.driver.stats();
        if let Err(e) = self.stats_file.save(&self.stats) {
            tracing::debug!(error = %e, "could not write stats");
        }
    }

    /// One reconcile pass; returns how long to wait before the next.
    pub async fn tick(&mut self) -> Result<Duration, AgentError> {
        self.stats.ticks += 1;
        let wait = self.reconcile().await?;
        self.write_stats();
        self.heartbeat.beat();
        Ok(wait)
    }

    async fn reconcile(&mut self) -> Result<Duration, AgentError> {
        let interval = self.config.interval;
        match self.hub.resources(self.etag.as_deref()).await {
            Ok(Desired::Unchanged) => {}
            Ok(Desired::Changed { resources, etag }) => {
                self.desired = Some(*resources);
                self.etag = etag;
            }
            Err(e) => {
                self.stats.hub_unreachable += 1;
                self.failures_in_a_row += 1;
                let wait = match &e {
                    HubError::RateLimited(d) => *d,
                    _ => (interval * 2u32.saturating_pow(self.failures_in_a_row.min(6))).min(MAX_BACKOFF),
                };
                tracing::warn!(error = %e, retry_in = ?wait, "cannot fetch desired state; leaving workloads as they are");
                return Ok(wait);
            }
        }
        if self.failures_in_a_row > 0 {
            tracing::info!(after = self.failures_in_a_row, "the hub is reachable again");
            self.failures_in_a_row = 0;
        }
        let Some(desired) = self.desired.clone() else { return Ok(interval) };
        self.maybe_self_update(&desired).await?;

        let target = self.target_context(&desired);
        if !self.discovered {
            self.discover(&target).await?;
        }
        let now = self.clock.now();
        let actions = plan(&desired.deployments, &self.state, now);
        let mut applies = Vec::new();
        for action in &actions {
            match action {
                Action::Remove(id) => self.remove(&target, *id).await?,
                Action::Apply(id, reason) => applies.push((*id, *reason, None)),
                Action::Observe(_) | Action::Wait(_) => {}
            }
        }
        // Observe before applying, so drift found now is corrected in the same pass.
        for action in &actions {
            match action {
                Action::Observe(id) => {
                    if let Some(drift) = self.observe(&target, *id).await {
                        applies.push((*id, ApplyReason::Changed, Some(drift)));
                    }
                }
                Action::Wait(id) => self.report_failure(*id).await,
                _ => {}
            }
        }
        if !applies.is_empty() {
            let target = TargetContext { hub_registry: self.hub_registry().await, ..target.clone() };
            self.apply_all(&desired, applies, &target).await?;
        }
        self.publish_log_targets(&desired, &target);
        self.maybe_send_metrics(&desired, &target).await;
        Ok(interval)
    }

    /// The target as drivers see it this tick: the hub's namespace and the configured scope.
    fn target_context(&self, desired: &AgentResources) -> TargetContext {
        TargetContext { namespace: desired.namespace.clone(), scope: self.config.scope, hub_registry: None }
    }

    /// Adopts what the platform says is installed but local state does not know.
    async fn discover(&mut self, target: &TargetContext) -> Result<(), AgentError> {
        let found = match self.driver.discover(target).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list what is installed; will try again");
                return Ok(());
            }
        };
        self.discovered = true;
        let mut adopted = 0;
        for installed in found {
            if self.state.deployments.contains_key(&installed.id) {
                continue;
            }
            tracing::info!(deployment = %installed.id, revision = %installed.revision_id, "found installed on the platform");
            self.state.deployments.insert(
                installed.id,
                DeploymentState { attempted: installed.spec.clone(), installed: Some(installed), failed: None },
            );
            adopted += 1;
        }
        if adopted > 0 {
            self.save()?;
        }
        Ok(())
    }

    async fn hub_registry(&self) -> Option<HubRegistry> {
        let host = self.config.registry_host.as_ref()?;
        match self.hub.token().await {
            Ok(token) => Some(HubRegistry { host: host.clone(), token }),
            Err(e) => {
                tracing::warn!(error = %e, "no token for the hub registry; pulls from it will fail");
                None
            }
        }
    }

    async fn remove(&mut self, target: &TargetContext, id: Uuid) -> Result<(), AgentError> {
        let Some(known) = self.state.deployments.get(&id) else { return Ok(()) };
        let installed = known.installed.clone().unwrap_or_else(|| Installed {
            id,
            revision_id: known.attempted.revision_id,
            spec: known.attempted.clone(),
            facts: serde_json::Value::Null,
            applied_at: self.clock.now(),
        });
        match self.driver.remove(target, &installed).await {
            Ok(()) => {
                tracing::info!(deployment = %id, "removed");
                self.state.deployments.remove(&id);
                self.sent.remove(&id);
                self.stats.removals += 1;
                self.save()
            }
            Err(e) => {
                // Local state is dropped only after a successful removal: retried next tick.
                tracing::warn!(deployment = %id, error = %e, "removal failed; will retry");
                Ok(())
            }
        }
    }

    async fn observe(&mut self, target: &TargetContext, id: Uuid) -> Option<String> {
        let installed = self.state.deployments.get(&id)?.installed.clone()?;
        match self.driver.observe(target, &installed).await {
            Ok(Observation { drift: Some(drift), .. }) => Some(drift),
            Ok(obs) => {
                self.report(id, installed.revision_id, obs.status, &obs.message).await;
                None
            }
            Err(e) => {
                self.report(id, installed.revision_id, StatusType::Error, &format!("cannot inspect: {e}")).await;
                None
            }
        }
    }

    async fn report_failure(&mut self, id: Uuid) {
        let Some(known) = self.state.deployments.get(&id) else { return };
        if let Some(failed) = known.failed.clone() {
            self.report(id, failed.revision_id, StatusType::Error, &failed.message).await;
        }
    }

    async fn apply_all(
        &mut self,
        desired: &AgentResources,
        applies: Vec<(Uuid, ApplyReason, Option<String>)>,
        target: &TargetContext,
    ) -> Result<(), AgentError> {
        let jobs: Vec<_> = applies
            .into_iter()
            .filter_map(|(id, reason, drift)| {
                let deployment = desired.deployments.iter().find(|d| d.id == id)?.clone();
                let previous = self.state.deployments.get(&id).and_then(|s| s.installed.clone());
                Some((deployment, previous, reason, drift))
            })
            .collect();
        for (deployment, _, reason, drift) in &jobs {
            let message = match drift {
                Some(d) => format!("correcting drift: {d}"),
                None => {
                    let short = &deployment.revision_id.simple().to_string()[..8];
                    match reason {
                        ApplyReason::New => format!("installing revision {short}"),
                        ApplyReason::Changed => format!("updating to revision {short}"),
                        ApplyReason::Retry => format!("retrying revision {short}"),
                    }
                }
            };
            self.report(deployment.id, deployment.revision_id, StatusType::Progressing, &message).await;
        }
        // Deployments are independent: apply them concurrently so a slow pull or a broken
        // one never holds the others back, but at most `apply_concurrency` at once so a
        // hundred changed deployments do not hit the platform all together.
        let hub = self.hub.clone();
        let driver = self.driver.clone();
        let heartbeat = self.heartbeat.clone();
        let results: Vec<_> = futures_util::stream::iter(jobs.iter().map(|(deployment, previous, _, _)| {
            apply_with_progress(hub.clone(), driver.clone(), heartbeat.clone(), target, deployment, previous.as_ref())
        }))
        .buffered(self.config.apply_concurrency.max(1))
        .collect()
        .await;
        let now = self.clock.now();
        for ((deployment, previous, _, drift), result) in jobs.into_iter().zip(results) {
            let entry = self.state.deployments.entry(deployment.id).or_insert_with(|| DeploymentState {
                attempted: without_credentials(&deployment),
                installed: None,
                failed: None,
            });
            entry.attempted = without_credentials(&deployment);
            match result {
                Ok(applied) => {
                    self.stats.applies += 1;
                    entry.failed = None;
                    entry.installed = Some(Installed {
                        id: deployment.id,
                        revision_id: deployment.revision_id,
                        spec: without_credentials(&deployment),
                        facts: applied.facts,
                        applied_at: now,
                    });
                    let installed = entry.installed.clone();
                    self.save()?;
                    if drift.is_some() {
                        self.stats.drift_corrections += 1;
                    }
                    tracing::info!(deployment = %deployment.id, revision = %deployment.revision_id, corrected = ?drift, "applied");
                    if let Some(installed) = installed {
                        let (kind, message) = match self.driver.observe(target, &installed).await {
                            Ok(obs) => (obs.status, obs.message),
                            Err(e) => (StatusType::Error, format!("applied, but cannot inspect: {e}")),
                        };
                        let message = match &drift {
                            Some(d) => format!("corrected drift ({d}); {message}"),
                            None => message,
                        };
                        self.report(deployment.id, deployment.revision_id, kind, &message).await;
                    }
                }
                Err(e) => {
                    self.stats.failed_applies += 1;
                    let attempts = match &entry.failed {
                        Some(f) if f.revision_id == deployment.revision_id => f.attempts + 1,
                        _ => 1,
                    };
                    let delay = retry_delay(attempts, e.kind);
                    entry.failed = Some(FailedApply {
                        revision_id: deployment.revision_id,
                        message: e.message.clone(),
                        attempts,
                        transient: e.is_transient(),
                        retry_at: now + delay,
                    });
                    // A failed re-apply of the same revision keeps what was installed.
                    if previous.as_ref().is_none_or(|p| p.revision_id != deployment.revision_id) {
                        entry.installed = previous;
                    }
                    self.save()?;
                    tracing::warn!(deployment = %deployment.id, error = %e, retry_in = ?delay, "apply failed");
                    self.report(deployment.id, deployment.revision_id, StatusType::Error, &e.message).await;
                }
            }
        }
        Ok(())
    }

    async fn report(&mut self, id: Uuid, revision: Uuid, kind: StatusType, message: &str) {
        let now = Instant::now();
        if !should_send(self.sent.get(&id), revision, kind, message, now) {
            return;
        }
        let report = StatusReport { revision_id: revision, kind, message: message.to_string() };
        match self.hub.status(&report).await {
            Ok(()) => {
                self.stats.statuses_sent += 1;
                self.sent.insert(id, Sent { revision, kind, message: message.to_string(), at: now });
            }
            Err(e) => tracing::debug!(deployment = %id, error = %e, "status not delivered; will resend"),
        }
    }

    fn publish_log_targets(&self, desired: &AgentResources, target: &TargetContext) {
        let deployments = desired
            .deployments
            .iter()
            .filter_map(|d| {
                let installed = self.state.deployments.get(&d.id)?.installed.clone()?;
                Some((installed, d.logs_enabled))
            })
            .collect();
        let targets = LogTargets {
            enabled: desired.deployment_logs_enabled,
            after: desired.deployment_logs_after,
            target: target.clone(),
            deployments,
        };
        self.log_targets.send_if_modified(|current| {
            if *current == targets {
                false
            } else {
                *current = targets;
                true
            }
        });
    }

    async fn maybe_send_metrics(&mut self, desired: &AgentResources, target: &TargetContext) {
        if !desired.metrics_enabled {
            return;
        }
        let due = self.last_metrics.is_none_or(|t| t.elapsed() >= METRICS_EVERY);
        if !due {
            return;
        }
        match self.driver.metrics(target).await {
            Ok(report) => match self.hub.metrics(&report).await {
                Ok(()) => self.last_metrics = Some(Instant::now()),
                Err(e) => tracing::debug!(error = %e, "metrics not delivered"),
            },
            Err(e) => {
                self.last_metrics = Some(Instant::now());
                tracing::warn!(error = %e, "cannot measure the host");
            }
        }
    }

    async fn maybe_self_update(&mut self, desired: &AgentResources) -> Result<(), AgentError> {
        let Some(mine) = self.config.agent_version_id else { return Ok(()) };
        let wanted = desired.version.id;
        if wanted == mine {
            return Ok(());
        }
        let now = self.clock.now();
        if let Some((version, at)) = &self.state.self_update
            && *version == wanted
            && OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
                .is_ok_and(|at| now - at < SELF_UPDATE_RETRY)
        {
            return Ok(());
        }
        tracing::info!(running = %mine, wanted = %wanted, version = %desired.version.name, "updating the agent");
        self.state.self_update =
            Some((wanted, now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()));
        self.save()?;
        let manifest = match self.hub.manifest().await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "cannot fetch the new agent's manifest");
                return Ok(());
            }
        };
        let manifest = match ferry_proto::manifest::with_secret(&manifest, self.config.target_secret.expose()) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "cannot prepare the new agent's manifest");
                return Ok(());
            }
        };
        match self.driver.self_update(&self.target_context(desired), &manifest).await {
            Ok(()) => {
                self.stats.self_updates += 1;
                tracing::info!("agent update started; this agent will be replaced");
            }
            Err(e) => tracing::warn!(error = %e, "agent update failed; will retry"),
        }
        Ok(())
    }
}

/// Applies one deployment, reporting the driver's latest progress as a `progressing` status
/// every couple of seconds while it runs.
async fn apply_with_progress(
    hub: Arc<dyn HubApi>,
    driver: Arc<dyn Driver>,
    heartbeat: Heartbeat,
    target: &TargetContext,
    deployment: &AgentDeployment,
    previous: Option<&Installed>,
) -> Result<crate::driver::Applied, DriverError> {
    let latest: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let sink = latest.clone();
    let progress = move |message: &str| {
        if let Ok(mut slot) = sink.lock() {
            *slot = Some(message.to_string());
        }
    };
    let apply = driver.apply(target, deployment, previous, &progress);
    tokio::pin!(apply);
    let mut ticker = tokio::time::interval(PROGRESS_EVERY);
    ticker.tick().await;
    loop {
        tokio::select! {
            result = &mut apply => return result,
            _ = ticker.tick() => {
                // A long apply (a Helm wait of minutes) is progress, not a hung agent.
                heartbeat.beat();
                let message = latest.lock().ok().and_then(|mut m| m.take());
                if let Some(message) = message {
                    let report = StatusReport { revision_id: deployment.revision_id, kind: StatusType::Progressing, message };
                    let _ = hub.status(&report).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_sent_on_change_and_refreshed() {
        let now = Instant::now();
        let r = Uuid::from_u128(1);
        assert!(should_send(None, r, StatusType::Healthy, "ok", now));
        let last = Sent { revision: r, kind: StatusType::Healthy, message: "ok".into(), at: now };
        assert!(!should_send(Some(&last), r, StatusType::Healthy, "ok", now + Duration::from_secs(29)));
        assert!(should_send(Some(&last), r, StatusType::Healthy, "ok", now + STATUS_REFRESH));
        assert!(should_send(Some(&last), r, StatusType::Running, "ok", now));
        assert!(should_send(Some(&last), r, StatusType::Healthy, "web restarted", now));
        assert!(should_send(Some(&last), Uuid::from_u128(2), StatusType::Healthy, "ok", now));
    }
}
