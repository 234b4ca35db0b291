//! The Docker driver against the real Docker engine and Compose of this machine: apply,
//! observe, drift, logs, errors and removal of Compose deployments.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use ferry_agent::driver::{Driver, Installed, TargetContext};
use ferry_docker::{DockerConfig, DockerDriver};
use ferry_proto::agent::{AgentDeployment, DockerType, RegistryCredentials, StatusType};
use support::{Cleanup, RUN_LABEL, images, sh, wait_for};
use time::OffsetDateTime;
use uuid::Uuid;

fn deployment(compose: &str, env: &str) -> AgentDeployment {
    AgentDeployment {
        id: Uuid::new_v4(),
        revision_id: Uuid::new_v4(),
        registry_auth: None,
        logs_enabled: true,
        force_restart: false,
        compose_file: Some(compose.as_bytes().to_vec()),
        env_file: Some(env.as_bytes().to_vec()),
        docker_type: Some(DockerType::Compose),
        image_cleanup_enabled: false,
        release_name: String::new(),
        chart_url: String::new(),
        chart_name: String::new(),
        chart_version: String::new(),
        values: None,
        ignore_revision_skew: false,
        helm_options: None,
    }
}

/// The shared test application under a Compose project name, as the hub would send it.
fn app(project: &str, image: &str, run: &str) -> String {
    format!("name: {project}\n{}", support::shop_compose(image, run))
}

struct Harness {
    driver: DockerDriver,
    _state: tempfile::TempDir,
    cleanup: Cleanup,
    image: String,
}

async fn harness() -> Option<Harness> {
    support::docker_prerequisites().ok()?;
    let state = tempfile::tempdir().unwrap();
    let driver = DockerDriver::connect(DockerConfig::new(state.path())).await.expect("connect to docker");
    Some(Harness { driver, _state: state, cleanup: Cleanup::new(), image: images::busybox() })
}

fn installed(d: &AgentDeployment, facts: serde_json::Value) -> Installed {
    Installed { id: d.id, revision_id: d.revision_id, spec: d.clone(), facts, applied_at: OffsetDateTime::now_utc() }
}

fn project_of(d: &AgentDeployment) -> String {
    format!("ferry-{}", &d.id.simple().to_string()[..8])
}

async fn wait_status(driver: &DockerDriver, inst: &Installed, want: StatusType) -> String {
    wait_for(Duration::from_secs(60), &format!("status {want:?}"), || async {
        let o = driver.observe(&TargetContext::default(), inst).await.map_err(|e| e.to_string())?;
        if o.status == want {
            Ok(o.message)
        } else {
            Err(format!("{:?}: {} (drift {:?})", o.status, o.message, o.drift))
        }
    })
    .await
}

fn container_of(project: &str, service: &str) -> String {
    sh(
        "docker",
        &[
            "ps",
            "-aq",
            "--filter",
            &format!("label=com.docker.compose.project={project}"),
            "--filter",
            &format!("label=com.docker.compose.service={service}"),
        ],
    )
    .trim()
    .to_string()
}

#[tokio::test]
async fn compose_lifecycle_apply_observe_drift_logs_remove() {
    let Some(h) = harness().await else { return };
    let d0 = deployment("", "");
    let project = project_of(&d0);
    h.cleanup.project(&project);
    let d = AgentDeployment {
        compose_file: Some(app(&project, &h.image, &h.cleanup.run).into_bytes()),
        env_file: Some(b"GREETING=hello\n".to_vec()),
        ..d0
    };

    let progress_seen = Mutex::new(Vec::<String>::new());
    let progress = |m: &str| progress_seen.lock().unwrap().push(m.to_string());
    let applied = h.driver.apply(&TargetContext::default(), &d, None, &progress).await.expect("apply");
    let seen = progress_seen.lock().unwrap().clone();
    assert!(seen.iter().any(|m| m.starts_with("applying with Compose")), "{seen:?}");
    assert!(seen.iter().any(|m| m.contains("creating") || m.contains("created")), "{seen:?}");
    assert_eq!(applied.facts["project"], project);
    assert_eq!(applied.facts["containers"].as_array().unwrap().len(), 2, "{}", applied.facts);

    // The working directory holds the file and a private .env.
    let dir = h._state.path().join("deployments").join(d.id.to_string());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(dir.join(".env")).unwrap().permissions().mode() & 0o777, 0o600);

    let inst = installed(&d, applied.facts.clone());
    let message = wait_status(&h.driver, &inst, StatusType::Healthy).await;
    assert!(message.contains("1 one-shot container(s) completed"), "{message}");

    // The web server serves what init wrote with the interpolated and env_file variables.
    let web = container_of(&project, "web");
    let page = sh("docker", &["exec", &web, "wget", "-q", "-O", "-", "http://127.0.0.1:8080/index.html"]);
    assert_eq!(page.trim(), "hello from init");

    // Observing an unchanged deployment starts no process.
    let before = h.driver.processes_spawned();
    for _ in 0..5 {
        let o = h.driver.observe(&TargetContext::default(), &inst).await.unwrap();
        assert_eq!(o.drift, None);
    }
    assert_eq!(h.driver.processes_spawned(), before);

    // Logs of both containers, with the right resource and severity, bounded.
    let logs = h.driver.logs(&TargetContext::default(), &inst, None, 100).await.unwrap();
    assert!(
        logs.iter().any(|l| l.body == "init done" && l.resource.contains("init") && l.severity == "Log"),
        "{logs:?}"
    );
    assert!(logs.iter().any(|l| l.body == "serving hello" && l.resource.contains("web")), "{logs:?}");
    assert!(logs.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
    assert_eq!(h.driver.logs(&TargetContext::default(), &inst, None, 1).await.unwrap().len(), 1);
    let last = logs.last().unwrap().timestamp;
    let newer = h.driver.logs(&TargetContext::default(), &inst, Some(last), 100).await.unwrap();
    assert!(newer.iter().all(|l| l.timestamp >= last) && !newer.is_empty());

    // Stopping or removing a container by hand is drift; re-applying restores it.
    sh("docker", &["stop", "-t", "1", &web]);
    let o = h.driver.observe(&TargetContext::default(), &inst).await.unwrap();
    assert!(o.drift.as_deref().unwrap_or("").contains("was stopped"), "{o:?}");
    sh("docker", &["rm", "-f", &web]);
    let o = h.driver.observe(&TargetContext::default(), &inst).await.unwrap();
    assert!(o.drift.as_deref().unwrap_or("").contains("was removed"), "{o:?}");
    let reapplied = h.driver.apply(&TargetContext::default(), &d, Some(&inst), &|_| {}).await.expect("re-apply");
    let inst = installed(&d, reapplied.facts);
    wait_status(&h.driver, &inst, StatusType::Healthy).await;
    assert_eq!(h.driver.observe(&TargetContext::default(), &inst).await.unwrap().drift, None);

    // Undeploy removes the containers and keeps the named volume.
    h.driver.remove(&TargetContext::default(), &inst).await.expect("remove");
    assert_eq!(container_of(&project, "web"), "");
    assert_eq!(container_of(&project, "init"), "");
    let volumes = sh("docker", &["volume", "ls", "-q", "--filter", &format!("label={RUN_LABEL}={}", h.cleanup.run)]);
    assert!(volumes.contains(&format!("{project}_data")), "volume kept: {volumes}");
    assert!(!dir.exists());
}

#[tokio::test]
async fn changed_env_file_recreates_containers() {
    let Some(h) = harness().await else { return };
    let d0 = deployment("", "");
    let project = project_of(&d0);
    h.cleanup.project(&project);
    let compose = app(&project, &h.image, &h.cleanup.run);
    let d =
        AgentDeployment { compose_file: Some(compose.into_bytes()), env_file: Some(b"GREETING=one\n".to_vec()), ..d0 };
    let first = h.driver.apply(&TargetContext::default(), &d, None, &|_| {}).await.expect("apply");
    let inst = installed(&d, first.facts.clone());
    wait_status(&h.driver, &inst, StatusType::Healthy).await;
    let old_web = container_of(&project, "web");

    let d2 = AgentDeployment { revision_id: Uuid::new_v4(), env_file: Some(b"GREETING=two\n".to_vec()), ..d.clone() };
    let second = h.driver.apply(&TargetContext::default(), &d2, Some(&inst), &|_| {}).await.expect("apply 2");
    let inst2 = installed(&d2, second.facts);
    wait_status(&h.driver, &inst2, StatusType::Healthy).await;
    let new_web = container_of(&project, "web");
    assert_ne!(old_web, new_web, "web was recreated");
    let page = sh("docker", &["exec", &new_web, "wget", "-q", "-O", "-", "http://127.0.0.1:8080/index.html"]);
    assert_eq!(page.trim(), "two from init");
    h.driver.remove(&TargetContext::default(), &inst2).await.unwrap();
}

#[tokio::test]
async fn failures_are_errors_that_say_why() {
    let Some(h) = harness().await else { return };
    // A file Compose rejects: the error carries Compose's own words.
    let bad = deployment("services:\n  web:\n    image: [oops\n", "");
    let err = h.driver.apply(&TargetContext::default(), &bad, None, &|_| {}).await.unwrap_err();
    assert!(err.message.contains("up of project") && err.message.len() > 40, "{err}");

    // An image that cannot be pulled.
    let d0 = deployment("", "");
    let project = project_of(&d0);
    h.cleanup.project(&project);
    let missing = AgentDeployment {
        compose_file: Some(
            format!(
                "services:\n  web:\n    image: 127.0.0.1:9/ferry-no-such-image:{}\n    labels: {{\"{RUN_LABEL}\": \"{}\"}}\n",
                h.cleanup.run, h.cleanup.run
            )
            .into_bytes(),
        ),
        ..d0
    };
    let err = h.driver.apply(&TargetContext::default(), &missing, None, &|_| {}).await.unwrap_err();
    assert!(err.message.contains("ferry-no-such-image"), "{err}");

    // A crashing service: error status naming the service, the exit code and its last words.
    let d0 = deployment("", "");
    let project = project_of(&d0);
    h.cleanup.project(&project);
    let crash = AgentDeployment {
        compose_file: Some(
            format!(
                "services:\n  job:\n    image: {}\n    command: [\"sh\", \"-c\", \"echo cannot find config; exit 3\"]\n    labels: {{\"{RUN_LABEL}\": \"{}\"}}\n",
                h.image, h.cleanup.run
            )
            .into_bytes(),
        ),
        ..d0
    };
    let applied = h.driver.apply(&TargetContext::default(), &crash, None, &|_| {}).await.expect("apply");
    let inst = installed(&crash, applied.facts);
    let message = wait_status(&h.driver, &inst, StatusType::Error).await;
    assert!(message.contains("job (") && message.contains("exited with code 3"), "{message}");
    assert!(message.contains("cannot find config"), "{message}");
    // A crash is not drift: re-applying would not help.
    assert_eq!(h.driver.observe(&TargetContext::default(), &inst).await.unwrap().drift, None);
    h.driver.remove(&TargetContext::default(), &inst).await.unwrap();
}

/// A private registry (Debian's docker-registry, htpasswd auth): pulls work with the
/// deployment's credentials only, and the credentials appear in no message.
#[tokio::test]
async fn private_registry_pulls_with_the_deployments_credentials() {
    let Some(h) = harness().await else { return };
    if support::require(Path::new("/usr/bin/docker-registry").is_file(), "Debian's docker-registry").is_err()
        || support::require(
            support::runs("htpasswd", &["-h"]) || Path::new("/usr/bin/htpasswd").is_file(),
            "htpasswd (apache2-utils)",
        )
        .is_err()
    {
        return;
    }
    let registry = support::registry::Registry::start("ferry", "pa55-w0rd-secret");
    let remote = format!("{}/ferry-test/app:{}", registry.host, h.cleanup.run);
    images::tag(&h.image, &remote);
    h.cleanup.image(&remote);
    registry.push(&remote);
    sh("docker", &["rmi", &remote]);

    let d0 = deployment("", "");
    let project = project_of(&d0);
    h.cleanup.project(&project);
    let compose = format!(
        "services:\n  web:\n    image: {remote}\n    command: [\"sleep\", \"300\"]\n    labels: {{\"{RUN_LABEL}\": \"{}\"}}\n",
        h.cleanup.run
    );
    let without = AgentDeployment { compose_file: Some(compose.into_bytes()), ..d0 };
    let err = h.driver.apply(&TargetContext::default(), &without, None, &|_| {}).await.unwrap_err();
    assert!(err.message.to_lowercase().contains("auth") || err.message.contains("denied"), "{err}");

    let mut auth = BTreeMap::new();
    auth.insert(
        registry.host.clone(),
        RegistryCredentials { username: "ferry".into(), password: "pa55-w0rd-secret".into() },
    );
    let with = AgentDeployment { registry_auth: Some(auth), ..without.clone() };
    let applied = h.driver.apply(&TargetContext::default(), &with, None, &|_| {}).await.expect("pull with credentials");
    let config = h._state.path().join("deployments").join(with.id.to_string()).join("docker/config.json");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&config).unwrap().permissions().mode() & 0o777, 0o600);
    let inst = installed(&with, applied.facts);
    wait_status(&h.driver, &inst, StatusType::Running).await;

    // Wrong credentials fail without echoing them.
    let mut wrong = BTreeMap::new();
    wrong.insert(
        registry.host.clone(),
        RegistryCredentials { username: "ferry".into(), password: "not-the-pa55".into() },
    );
    sh("docker", &["rm", "-f", &container_of(&project, "web")]);
    sh("docker", &["rmi", &remote]);
    let bad = AgentDeployment { registry_auth: Some(wrong), revision_id: Uuid::new_v4(), ..without };
    let err = h.driver.apply(&TargetContext::default(), &bad, None, &|_| {}).await.unwrap_err();
    assert!(!err.message.contains("not-the-pa55"), "{err}");
    h.driver.remove(&TargetContext::default(), &inst).await.unwrap();
}
