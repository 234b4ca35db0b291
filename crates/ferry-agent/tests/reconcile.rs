//! The reconcile loop against an in-memory hub and a scripted driver.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use ferry_agent::agent::{Agent, Clock};
use ferry_agent::config::{AgentConfig, Secret};
use ferry_agent::driver::{Applied, ApplyContext, Driver, DriverError, Installed, LogLine, Observation, Progress};
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
        d: &AgentDeployment,
        _previous: Option<&Installed>,
        _context: &ApplyContext,
        progress: Progress<'_>,
    ) -> Result<Applied, DriverError> {
        progress("pulling web");
        let mut s = self.0.lock().unwrap();
        s.applies.push((d.id, d.revision_id));
        if s.failing.contains(&d.id) {
            return Err(DriverError::new("compose: service \"web\" refers to undefined volume"));
        }
        Ok(Applied { facts: serde_json::json!({"containers": 1}) })
    }
    async fn remove(&self, installed: &Installed) -> Result<(), DriverError> {
        let mut s = self.0.lock().unwrap();
        if s.failing_removes > 0 {
            s.failing_removes -= 1;
            return Err(DriverError::new("docker is busy"));
        }
        s.removes.push(installed.id);
        Ok(())
    }
    async fn observe(&self, installed: &Installed) -> Result<Observation, DriverError> {
        let mut s = self.0.lock().unwrap();
        s.observes += 1;
        let drift = s.drift.remove(&installed.id);
        Ok(Observation { status: StatusType::Healthy, message: "all 1 services healthy".into(), drift })
    }
    async fn logs(
        &self,
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
    async fn metrics(&self) -> Result<MetricsReport, DriverError> {
        Ok(MetricsReport {
            cpu_cores_millis: 1000,
            cpu_usage: 0.1,
            memory_bytes: 1,
            memory_usage: 0.1,
            disk_metrics: vec![],
        })
    }
    async fn self_update(&self, manifest: &str) -> Result<(), DriverError> {
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
