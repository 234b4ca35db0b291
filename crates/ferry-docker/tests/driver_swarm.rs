//! The Docker driver's Swarm mode against the real engine: a clear error outside Swarm mode,
//! then deploy, observe, logs, update and removal of a stack on a single-node swarm that the
//! test creates (and leaves again) when the engine is not already in Swarm mode.

mod support;

use std::time::Duration;

use ferry_agent::driver::{Driver, Installed, TargetContext};
use ferry_docker::{DockerConfig, DockerDriver};
use ferry_proto::agent::{AgentDeployment, DockerType, StatusType};
use support::{Cleanup, RUN_LABEL, images, quiet, wait_for};
use time::OffsetDateTime;
use uuid::Uuid;

fn stack_file(project: &str, image: &str, run: &str) -> String {
    format!(
        r#"name: {project}
services:
  web:
    image: {image}
    command: ["sh", "-c", "echo web says $${{GREETING}}; echo oops >&2; exec httpd -f -p 8080 -h /"]
    environment:
      GREETING: ${{GREETING}}
    labels: {{"{RUN_LABEL}": "{run}"}}
    deploy:
      replicas: 2
      labels: {{"{RUN_LABEL}": "{run}"}}
"#
    )
}

fn deployment(compose: String, env: &str, id: Uuid) -> AgentDeployment {
    AgentDeployment {
        id,
        revision_id: Uuid::new_v4(),
        registry_auth: None,
        logs_enabled: true,
        force_restart: false,
        compose_file: Some(compose.into_bytes()),
        env_file: Some(env.as_bytes().to_vec()),
        docker_type: Some(DockerType::Swarm),
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

#[tokio::test]
async fn swarm_stack_deploy_update_remove() {
    if support::docker_prerequisites().is_err() {
        return;
    }
    let image = images::busybox();
    let cleanup = Cleanup::new();
    let state = tempfile::tempdir().unwrap();
    let driver = DockerDriver::connect(DockerConfig::new(state.path())).await.expect("connect");
    let id = Uuid::new_v4();
    let project = format!("ferry-{}", &id.simple().to_string()[..8]);
    let d = deployment(stack_file(&project, &image, &cleanup.run), "GREETING=hello\n", id);

    if !support::swarm_active() {
        let err = driver.apply(&TargetContext::default(), &d, None, &|_| {}).await.unwrap_err();
        assert!(err.message.contains("not a Swarm manager") && err.message.contains("docker swarm init"), "{err}");
    }
    let _swarm = support::Swarm::ensure();
    cleanup.stack(&project);

    let progress = std::sync::Mutex::new(Vec::<String>::new());
    let applied = driver
        .apply(&TargetContext::default(), &d, None, &|m| progress.lock().unwrap().push(m.to_string()))
        .await
        .expect("stack deploy");
    assert!(progress.lock().unwrap().iter().any(|m| m.contains("creating service")), "{:?}", progress.lock().unwrap());
    let inst = Installed {
        id,
        revision_id: d.revision_id,
        spec: d.clone(),
        facts: applied.facts,
        applied_at: OffsetDateTime::now_utc(),
    };
    let message = wait_for(Duration::from_secs(90), "stack healthy", || async {
        let o = driver.observe(&TargetContext::default(), &inst).await.map_err(|e| e.to_string())?;
        if o.status == StatusType::Healthy { Ok(o.message) } else { Err(format!("{:?}: {}", o.status, o.message)) }
    })
    .await;
    assert_eq!(message, "1 service(s), 2 task(s) running");

    // Service logs, interpolated from .env, with stdout/stderr severities.
    let logs = wait_for(Duration::from_secs(30), "service logs", || async {
        let logs = driver.logs(&TargetContext::default(), &inst, None, 100).await.map_err(|e| e.to_string())?;
        if logs.iter().filter(|l| l.body == "web says hello").count() >= 2 {
            Ok(logs)
        } else {
            Err(format!("{logs:?}"))
        }
    })
    .await;
    let web = format!("{project}_web");
    assert!(logs.iter().all(|l| l.resource == web), "{logs:?}");
    assert!(logs.iter().any(|l| l.severity == "stderr" && l.body == "oops"), "{logs:?}");
    assert!(logs.iter().any(|l| l.severity == "stdout"), "{logs:?}");

    // Observing spawns nothing.
    let before = driver.processes_spawned();
    assert_eq!(driver.observe(&TargetContext::default(), &inst).await.unwrap().drift, None);
    assert_eq!(driver.processes_spawned(), before);

    // Update: a new revision with another variable.
    let d2 = AgentDeployment { revision_id: Uuid::new_v4(), env_file: Some(b"GREETING=again\n".to_vec()), ..d.clone() };
    let applied = driver.apply(&TargetContext::default(), &d2, Some(&inst), &|_| {}).await.expect("stack update");
    let inst2 = Installed { revision_id: d2.revision_id, spec: d2.clone(), facts: applied.facts, ..inst.clone() };
    wait_for(Duration::from_secs(90), "updated stack", || async {
        let logs = driver.logs(&TargetContext::default(), &inst2, None, 1000).await.map_err(|e| e.to_string())?;
        let o = driver.observe(&TargetContext::default(), &inst2).await.map_err(|e| e.to_string())?;
        let updated = logs.iter().filter(|l| l.body == "web says again").count() >= 2;
        if updated && o.status == StatusType::Healthy { Ok(()) } else { Err(format!("{:?} {}", o.status, o.message)) }
    })
    .await;

    // Removal: the services go away.
    driver.remove(&TargetContext::default(), &inst2).await.expect("stack rm");
    let left =
        quiet("docker", &["service", "ls", "-q", "--filter", &format!("label=com.docker.stack.namespace={project}")]);
    assert_eq!(left.trim(), "");
}
