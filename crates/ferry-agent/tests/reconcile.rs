//! The reconcile loop against an in-memory hub and a scripted driver.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use ferry_agent::agent::{Agent, Clock};
use ferry_agent::config::{AgentConfig, Secret};
use ferry_agent::driver::{
    Applied, Driver, DriverError, Installed, LogLine, Observation, Progress, Scope, TargetContext,
};
use ferry_agent::hub::{Desired, HubApi, HubError};
use ferry_agent::logship::LogShipper;
use ferry_proto::agent::{
    AgentDeployment, AgentLogRecord, AgentResources, AgentVersionRef, LogRecord, MetricsReport, StatusReport,
    StatusType,
};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Default)]
struct HubState {
    resources: Option<AgentResources>,
    generation: u64,
    reachable: bool,
    statuses: Vec<StatusReport>,
    logs: Vec<LogRecord>,
    reject_logs: bool,
    metrics: usize,
    manifest_fetches: usize,
}

#[derive(Clone)]
struct FakeHub(Arc<Mutex<HubState>>);

impl FakeHub {
    fn new() -> Self {
        FakeHub(Arc::new(Mutex::new(HubState { reachable: true, ..Default::default() })))
    }
    fn set(&self, resources: AgentResources) {
        let mut s = self.0.lock().unwrap();
        s.resources = Some(resources);
        s.generation += 1;
    }
    fn statuses(&self) -> Vec<StatusReport> {
        self.0.lock().unwrap().statuses.clone()
    }
    fn last_status(&self, revision: Uuid) -> Option<StatusReport> {
        self.statuses().into_iter().rev().find(|s| s.revision_id == revision)
    }
    fn down(&self, down: bool) {
        self.0.lock().unwrap().reachable = !down;
    }
    fn check(&self) -> Result<(), HubError> {
        if self.0.lock().unwrap().reachable {
            Ok(())
        } else {
            Err(HubError::Unreachable { url: "http://hub".into(), reason: "connection refused".into() })
        }
    }
}

#[async_trait]
impl HubApi for FakeHub {
    async fn resources(&self, etag: Option<&str>) -> Result<Desired, HubError> {
        self.check()?;
        let s = self.0.lock().unwrap();
        let tag = format!("\"{}\"", s.generation);
        if etag == Some(tag.as_str()) {
            return Ok(Desired::Unchanged);
        }
        Ok(Desired::Changed { resources: Box::new(s.resources.clone().unwrap()), etag: Some(tag) })
    }
    async fn status(&self, report: &StatusReport) -> Result<(), HubError> {
        self.check()?;
        self.0.lock().unwrap().statuses.push(report.clone());
        Ok(())
    }
    async fn metrics(&self, _: &MetricsReport) -> Result<(), HubError> {
        self.check()?;
        self.0.lock().unwrap().metrics += 1;
        Ok(())
    }
    async fn logs(&self, lines: &[LogRecord]) -> Result<(), HubError> {
        self.check()?;
        let mut s = self.0.lock().unwrap();
        if s.reject_logs {
            return Err(HubError::Rejected { status: 400, message: "malformed".into() });
        }
        s.logs.extend_from_slice(lines);
        Ok(())
    }
    async fn agent_logs(&self, _: &[AgentLogRecord]) -> Result<(), HubError> {
        self.check()
    }
    async fn manifest(&self) -> Result<String, HubError> {
        self.check()?;
        self.0.lock().unwrap().manifest_fetches += 1;
        Ok("services:\n  agent:\n    environment:\n      FERRY_TARGET_ID: \"t\"\n".into())
    }
    async fn token(&self) -> Result<String, HubError> {
        self.check()?;
        Ok("jwt".into())
    }
}

#[derive(Default)]
struct DriverState {
    applies: Vec<(Uuid, Uuid)>,
    targets: Vec<TargetContext>,
    running: usize,
    most_running: usize,
    apply_delay: Option<Duration>,
    transient: HashSet<Uuid>,
    discovered: Vec<Installed>,
    removes: Vec<Uuid>,
    observes: usize,
    failing: HashSet<Uuid>,
    failing_removes: u32,
    drift: HashMap<Uuid, String>,
    logs: HashMap<Uuid, Vec<LogLine>>,
    updates: Vec<String>,
}

#[derive(Clone, Default)]
struct FakeDriver(Arc<Mutex<DriverState>>);

impl FakeDriver {
    fn applies(&self) -> Vec<(Uuid, Uuid)> {
        self.0.lock().unwrap().applies.clone()
    }
}

#[async_trait]
impl Driver for FakeDriver {
    fn name(&self) -> &'static str {
        "fake"
    }
    async fn apply(
        &self,
        target: &TargetContext,
        d: &AgentDeployment,
        _previous: Option<&Installed>,
        progress: Progress<'_>,
    ) -> Result<Applied, DriverError> {
        progress("pulling web");
        let delay = {
            let mut s = self.0.lock().unwrap();
            s.applies.push((d.id, d.revision_id));
            s.targets.push(target.clone());
            s.running += 1;
            s.most_running = s.most_running.max(s.running);
            s.apply_delay
        };
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        let mut s = self.0.lock().unwrap();
        s.running -= 1;
        if s.transient.contains(&d.id) {
            return Err(DriverError::transient("the Kubernetes API at https://10.0.0.1 is unreachable"));
        }
        if s.failing.contains(&d.id) {
            return Err(DriverError::permanent("compose: service \"web\" refers to undefined volume"));
        }
        Ok(Applied { facts: serde_json::json!({"containers": 1}) })
    }
    async fn remove(&self, _target: &TargetContext, installed: &Installed) -> Result<(), DriverError> {
        let mut s = self.0.lock().unwrap();
        if s.failing_removes > 0 {
            s.failing_removes -= 1;
            return Err(DriverError::transient("docker is busy"));
        }
        s.removes.push(installed.id);
        Ok(())
    }
    async fn observe(&self, _target: &TargetContext, installed: &Installed) -> Result<Observation, DriverError> {
        let mut s = self.0.lock().unwrap();
        s.observes += 1;
        let drift = s.drift.remove(&installed.id);
        Ok(Observation { status: StatusType::Healthy, message: "all 1 services healthy".into(), drift })
    }
    async fn logs(
        &self,
        _target: &TargetContext,
        installed: &Installed,
        since: Option<OffsetDateTime>,
        max: usize,
    ) -> Result<Vec<LogLine>, DriverError> {
        let s = self.0.lock().unwrap();
        Ok(s.logs
            .get(&installed.id)
            .map(|lines| lines.iter().filter(|l| since.is_none_or(|t| l.timestamp >= t)).take(max).cloned().collect())
            .unwrap_or_default())
    }
    async fn metrics(&self, _target: &TargetContext) -> Result<MetricsReport, DriverError> {
        Ok(MetricsReport {
            cpu_cores_millis: 1000,
            cpu_usage: 0.1,
            memory_bytes: 1,
            memory_usage: 0.1,
            disk_metrics: vec![],
        })
    }
    async fn discover(&self, _target: &TargetContext) -> Result<Vec<Installed>, DriverError> {
        Ok(self.0.lock().unwrap().discovered.clone())
    }
    async fn self_update(&self, _target: &TargetContext, manifest: &str) -> Result<(), DriverError> {
        self.0.lock().unwrap().updates.push(manifest.to_string());
        Ok(())
    }
}

struct ManualClock(Mutex<OffsetDateTime>);

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

impl ManualClock {
    fn advance(&self, secs: i64) {
        *self.0.lock().unwrap() += time::Duration::seconds(secs);
    }
}

const VERSION: u128 = 0xabc;

fn deployment(id: u128, revision: u128) -> AgentDeployment {
    serde_json::from_value(serde_json::json!({
        "id": Uuid::from_u128(id), "revisionId": Uuid::from_u128(revision), "logsEnabled": true,
        "composeFile": "bmFtZTogeAo=", "envFile": "", "dockerType": "compose",
        "registryAuth": {"r.example.com": {"username": "u", "password": "hunter2"}}
    }))
    .unwrap()
}

fn resources(deployments: Vec<AgentDeployment>) -> AgentResources {
    AgentResources {
        version: AgentVersionRef {
            id: Uuid::from_u128(VERSION),
            created_at: OffsetDateTime::UNIX_EPOCH,
            name: "1".into(),
        },
        namespace: None,
        metrics_enabled: true,
        deployment_logs_enabled: true,
        deployment_logs_after: None,
        deployments,
    }
}

struct Rig {
    hub: FakeHub,
    driver: FakeDriver,
    clock: Arc<ManualClock>,
    dir: tempfile::TempDir,
}

impl Rig {
    fn new() -> Rig {
        Rig {
            hub: FakeHub::new(),
            driver: FakeDriver::default(),
            clock: Arc::new(ManualClock(Mutex::new(OffsetDateTime::UNIX_EPOCH + time::Duration::days(20000)))),
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn config(&self) -> AgentConfig {
        AgentConfig {
            hub_url: "http://hub".into(),
            target_id: Uuid::from_u128(7),
            target_secret: Secret::new("0123456789abcdef0123456789abcdef"),
            interval: Duration::from_secs(5),
            agent_version_id: Some(Uuid::from_u128(VERSION)),
            state_dir: self.dir.path().to_path_buf(),
            registry_host: None,
            scope: Scope::Cluster,
            apply_concurrency: 2,
            health_listen: None,
        }
    }
    fn agent(&self) -> Agent {
        let (agent, _targets) =
            Agent::new(self.config(), Arc::new(self.hub.clone()), Arc::new(self.driver.clone()), self.clock.clone())
                .unwrap();
        agent
    }
}

#[tokio::test(start_paused = true)]
async fn applies_once_and_a_restart_reapplies_nothing() {
    let rig = Rig::new();
    rig.hub.set(resources(vec![deployment(1, 10)]));
    let mut agent = rig.agent();
    agent.tick().await.unwrap();
    assert_eq!(rig.driver.applies(), vec![(Uuid::from_u128(1), Uuid::from_u128(10))]);
    let healthy = rig.hub.last_status(Uuid::from_u128(10)).unwrap();
    assert_eq!((healthy.kind, healthy.message.as_str()), (StatusType::Healthy, "all 1 services healthy"));
    let sent = rig.hub.statuses().len();
    agent.tick().await.unwrap();
    agent.tick().await.unwrap();
    assert_eq!(rig.driver.applies().len(), 1, "unchanged deployments are only observed");
    assert_eq!(rig.hub.statuses().len(), sent, "an unchanged status is not resent within 30 s");
    tokio::time::advance(Duration::from_secs(31)).await;
    agent.tick().await.unwrap();
    assert_eq!(rig.hub.statuses().len(), sent + 1, "statuses are refreshed every 30 s");

    // The registry password never reaches the agent's state file.
    let state = std::fs::read_to_string(rig.dir.path().join("state.json")).unwrap();
    assert!(!state.contains("hunter2"), "{state}");

    drop(agent);
    let mut restarted = rig.agent();
    restarted.tick().await.unwrap();
    restarted.tick().await.unwrap();
    assert_eq!(rig.driver.applies().len(), 1, "a restarted agent re-applies nothing");
}

#[tokio::test(start_paused = true)]
async fn a_broken_deployment_does_not_block_the_others_and_retries_with_backoff() {
    let rig = Rig::new();
    rig.driver.0.lock().unwrap().failing.insert(Uuid::from_u128(1));
    rig.hub.set(resources(vec![deployment(1, 10), deployment(2, 20)]));
    let mut agent = rig.agent();
    agent.tick().await.unwrap();
    let bad = rig.hub.last_status(Uuid::from_u128(10)).unwrap();
    assert_eq!(bad.kind, StatusType::Error);
    assert!(bad.message.contains("undefined volume"));
    assert_eq!(rig.hub.last_status(Uuid::from_u128(20)).unwrap().kind, StatusType::Healthy);
    agent.tick().await.unwrap();
    assert_eq!(rig.driver.applies().len(), 2, "no retry before the backoff elapses");
    rig.clock.advance(16);
    agent.tick().await.unwrap();
    assert_eq!(rig.driver.applies().len(), 3, "retried after 15 s");
    rig.driver.0.lock().unwrap().failing.clear();
    rig.clock.advance(31);
    agent.tick().await.unwrap();
    assert_eq!(rig.hub.last_status(Uuid::from_u128(10)).unwrap().kind, StatusType::Healthy);
}

#[tokio::test(start_paused = true)]
async fn transient_failures_retry_sooner_than_permanent_ones() {
    let rig = Rig::new();
    {
        let mut d = rig.driver.0.lock().unwrap();
        d.transient.insert(Uuid::from_u128(1));
        d.failing.insert(Uuid::from_u128(2));
    }
    rig.hub.set(resources(vec![deployment(1, 10), deployment(2, 20)]));
    let mut agent = rig.agent();
    agent.tick().await.unwrap();
    let flaky = rig.hub.last_status(Uuid::from_u128(10)).unwrap();
    assert_eq!(flaky.kind, StatusType::Error);
    assert!(flaky.message.contains("unreachable"), "{}", flaky.message);
    rig.clock.advance(6);
    agent.tick().await.unwrap();
    let retried: Vec<u128> = rig.driver.applies().iter().skip(2).map(|(id, _)| id.as_u128()).collect();
    assert_eq!(retried, vec![1], "after 6 s only the transient failure is retried");
    let state = std::fs::read_to_string(rig.dir.path().join("state.json")).unwrap();
    assert!(state.contains("\"transient\": true") && state.contains("\"transient\": false"), "{state}");
}

#[tokio::test(start_paused = true)]
async fn applies_run_concurrently_but_bounded_and_see_the_target() {
    let rig = Rig::new();
    rig.driver.0.lock().unwrap().apply_delay = Some(Duration::from_secs(1));
    let mut wanted = resources((1..=5).map(|i| deployment(i, i * 10)).collect());
    wanted.namespace = Some("apps".into());
    rig.hub.set(wanted);
    let mut agent = rig.agent();
    agent.tick().await.unwrap();
    let d = rig.driver.0.lock().unwrap();
    assert_eq!(d.applies.len(), 5);
    assert_eq!(d.most_running, 2, "FERRY_APPLY_CONCURRENCY=2 bounds the applies in flight");
    assert!(d.targets.iter().all(|t| t.namespace.as_deref() == Some("apps") && t.scope == Scope::Cluster));
}

#[tokio::test(start_paused = true)]
async fn what_the_platform_knows_is_adopted_when_local_state_is_lost() {
    let rig = Rig::new();
    let (kept, orphan) = (deployment(1, 10), deployment(2, 20));
    let found = |d: &AgentDeployment| Installed {
        id: d.id,
        revision_id: d.revision_id,
        spec: d.clone(),
        facts: serde_json::Value::Null,
        applied_at: OffsetDateTime::UNIX_EPOCH,
    };
    rig.driver.0.lock().unwrap().discovered = vec![found(&kept), found(&orphan)];
    rig.hub.set(resources(vec![kept.clone()]));
    let mut agent = rig.agent();
    agent.tick().await.unwrap();
    let d = rig.driver.0.lock().unwrap();
    assert!(d.applies.is_empty(), "the installed revision is observed, not re-applied");
    assert_eq!(d.removes, vec![orphan.id], "an installed deployment no longer desired is removed");
    assert_eq!(rig.hub.last_status(kept.revision_id).unwrap().kind, StatusType::Healthy);
}

#[tokio::test(start_paused = true)]
async fn changes_removals_and_retried_removals() {
    let rig = Rig::new();
    rig.hub.set(resources(vec![deployment(1, 10), deployment(2, 20)]));
    let mut agent = rig.agent();
    agent.tick().await.unwrap();
    rig.driver.0.lock().unwrap().failing_removes = 1;
    rig.hub.set(resources(vec![deployment(1, 11)]));
    agent.tick().await.unwrap();
    assert_eq!(rig.driver.applies().last(), Some(&(Uuid::from_u128(1), Uuid::from_u128(11))));
    assert!(rig.driver.0.lock().unwrap().removes.is_empty(), "the first removal failed");
    let state = std::fs::read_to_string(rig.dir.path().join("state.json")).unwrap();
    assert!(state.contains(&Uuid::from_u128(2).to_string()), "kept until removed");
    agent.tick().await.unwrap();
    assert_eq!(rig.driver.0.lock().unwrap().removes, vec![Uuid::from_u128(2)]);
    let state = std::fs::read_to_string(rig.dir.path().join("state.json")).unwrap();
    assert!(!state.contains(&Uuid::from_u128(2).to_string()));
}

#[tokio::test(start_paused = true)]
async fn drift_is_corrected_and_reported() {
    let rig = Rig::new();
    rig.hub.set(resources(vec![deployment(1, 10)]));
    let mut agent = rig.agent();
    agent.tick().await.unwrap();
    rig.driver.0.lock().unwrap().drift.insert(Uuid::from_u128(1), "container web-1 was removed".into());
    agent.tick().await.unwrap();
    assert_eq!(rig.driver.applies().len(), 2);
    let corrected = rig.hub.last_status(Uuid::from_u128(10)).unwrap();
    assert_eq!(corrected.kind, StatusType::Healthy);
    assert!(corrected.message.contains("corrected drift (container web-1 was removed)"), "{}", corrected.message);
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_hub_leaves_workloads_alone_and_backs_off() {
    let rig = Rig::new();
    rig.hub.set(resources(vec![deployment(1, 10)]));
    let mut agent = rig.agent();
    agent.tick().await.unwrap();
    let observed = rig.driver.0.lock().unwrap().observes;
    rig.hub.down(true);
    let waits: Vec<Duration> = {
        let mut w = Vec::new();
        for _ in 0..4 {
            w.push(agent.tick().await.unwrap());
        }
        w
    };
    assert!(waits.windows(2).all(|p| p[1] >= p[0]) && waits[3] > waits[0], "backs off: {waits:?}");
    assert!(waits.iter().all(|w| *w <= Duration::from_secs(60)));
    let touched = {
        let d = rig.driver.0.lock().unwrap();
        (d.applies.len(), d.removes.len(), d.observes)
    };
    assert_eq!(touched, (1, 0, observed), "nothing touched");
    rig.hub.down(false);
    assert_eq!(agent.tick().await.unwrap(), Duration::from_secs(5), "back to the normal interval");
}

#[tokio::test(start_paused = true)]
async fn self_update_runs_once_per_version_with_the_secret() {
    let rig = Rig::new();
    let mut wanted = resources(vec![]);
    wanted.version.id = Uuid::from_u128(0xdef);
    rig.hub.set(wanted);
    let mut agent = rig.agent();
    agent.tick().await.unwrap();
    agent.tick().await.unwrap();
    let updates = rig.driver.0.lock().unwrap().updates.clone();
    assert_eq!(updates.len(), 1, "single flight");
    assert!(updates[0].contains("FERRY_TARGET_SECRET: \"0123456789abcdef0123456789abcdef\""));
    rig.clock.advance(301);
    agent.tick().await.unwrap();
    assert_eq!(rig.driver.0.lock().unwrap().updates.len(), 2, "retried after 5 minutes if still old");
}

#[tokio::test(start_paused = true)]
async fn metrics_every_thirty_seconds() {
    let rig = Rig::new();
    rig.hub.set(resources(vec![]));
    let mut agent = rig.agent();
    agent.tick().await.unwrap();
    agent.tick().await.unwrap();
    assert_eq!(rig.hub.0.lock().unwrap().metrics, 1);
    tokio::time::advance(Duration::from_secs(30)).await;
    agent.tick().await.unwrap();
    assert_eq!(rig.hub.0.lock().unwrap().metrics, 2);
}

fn log_line(secs: i64, body: &str) -> LogLine {
    LogLine {
        resource: "web-1".into(),
        timestamp: OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(secs),
        severity: "Log".into(),
        body: body.into(),
    }
}

#[tokio::test]
async fn logs_are_shipped_once_across_restarts_and_kept_when_the_hub_fails() {
    let rig = Rig::new();
    let d = deployment(1, 10);
    rig.hub.set(resources(vec![d.clone()]));
    let (mut agent, targets) =
        Agent::new(rig.config(), Arc::new(rig.hub.clone()), Arc::new(rig.driver.clone()), rig.clock.clone()).unwrap();
    agent.tick().await.unwrap();
    rig.driver.0.lock().unwrap().logs.insert(d.id, vec![log_line(1, "a"), log_line(2, "b")]);
    let hub: Arc<dyn HubApi> = Arc::new(rig.hub.clone());
    let driver: Arc<dyn Driver> = Arc::new(rig.driver.clone());
    let mut shipper = LogShipper::new(hub.clone(), driver.clone(), rig.dir.path()).unwrap();
    let current = targets.borrow().clone();
    assert_eq!(shipper.cycle(&current).await.unwrap(), 2);
    assert_eq!(shipper.cycle(&current).await.unwrap(), 0, "nothing twice");

    // A restarted shipper continues from the persisted watermark.
    rig.driver.0.lock().unwrap().logs.get_mut(&d.id).unwrap().push(log_line(2, "c"));
    let mut restarted = LogShipper::new(hub.clone(), driver.clone(), rig.dir.path()).unwrap();
    rig.hub.down(true);
    assert!(restarted.cycle(&current).await.is_err());
    rig.hub.down(false);
    assert_eq!(restarted.cycle(&current).await.unwrap(), 1, "not lost while the hub was down");
    let bodies: Vec<String> = rig.hub.0.lock().unwrap().logs.iter().map(|l| l.body.clone()).collect();
    assert_eq!(bodies, ["a", "b", "c"]);
    let shipped = rig.hub.0.lock().unwrap().logs.clone();
    assert!(shipped.iter().all(|l| l.deployment_id == d.id && l.deployment_revision_id == d.revision_id));

    // A batch the hub refuses as malformed is dropped, not retried forever.
    rig.driver.0.lock().unwrap().logs.get_mut(&d.id).unwrap().push(log_line(3, "bad"));
    rig.hub.0.lock().unwrap().reject_logs = true;
    assert_eq!(restarted.cycle(&current).await.unwrap(), 1);
    rig.hub.0.lock().unwrap().reject_logs = false;
    assert_eq!(restarted.cycle(&current).await.unwrap(), 0);
}
