//! End to end: a real hub process, a real `ferry agent docker` process and the real Docker
//! engine. Intervals are 1 s to keep the suite fast.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use ferry_proto::agent::{RegistryCredentials, StatusType};
use ferry_proto::api::{DeployRequest, DockerType};
use support::e2e::{self, AgentProcess, HubProcess, containers, deploy, docker_app, docker_target, wait_status};
use support::{Cleanup, RUN_LABEL, images, quiet, sh, wait_for};

const INTERVAL: &str = "1s";

/// A single healthy service.
fn calm(image: &str, run: &str) -> String {
    format!(
        r#"services:
  app:
    image: {image}
    command: ["sh", "-c", "touch /tmp/ok; echo calm; exec sleep 100000"]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ok"]
      interval: 1s
      retries: 30
    labels: {{"{RUN_LABEL}": "{run}"}}
"#
    )
}

struct Setup {
    hub: HubProcess,
    agent: AgentProcess,
    client: ferry_client::Client,
    access: ferry_proto::api::TargetAccess,
    cleanup: Cleanup,
    image: String,
}

async fn setup() -> Option<Setup> {
    support::docker_prerequisites().ok()?;
    let image = images::busybox();
    let hub = HubProcess::start("ferry-agent", "unused", INTERVAL);
    let client = hub.client();
    let access = docker_target(&client, "edge").await;
    let agent = AgentProcess::start(e2e::ferry_binary(false), &hub.url, &access, INTERVAL);
    Some(Setup { hub, agent, client, access, cleanup: Cleanup::new(), image })
}

#[tokio::test]
async fn compose_app_deploy_update_drift_undeploy() {
    let Some(s) = setup().await else { return };
    let version =
        docker_app(&s.client, "shop", &support::shop_compose(&s.image, &s.cleanup.run), "GREETING=hello\n").await;
    let started = Instant::now();
    let d = deploy(&s.client, s.access.target_id, version, None).await;
    let project = d.release_name.clone();
    s.cleanup.project(&project);
    let message = wait_status(&s.client, d.id, StatusType::Healthy, Duration::from_secs(90)).await;
    eprintln!("deploy -> healthy in {:?}: {message}", started.elapsed());
    assert!(message.contains("one-shot container(s) completed"), "{message}");
    let web = containers(&project, "web");
    assert_eq!(web.len(), 1);
    let page = sh("docker", &["exec", &web[0], "wget", "-q", "-O", "-", "http://127.0.0.1:8080/index.html"]);
    assert_eq!(page.trim(), "hello from init");

    // Logs reach the hub with container names as resources.
    wait_for(Duration::from_secs(30), "logs at the hub", || async {
        let page = s.client.deployment_logs(d.id, &Default::default()).await.map_err(|e| e.to_string())?;
        let found =
            page.items.iter().any(|l| l.body == "serving hello" && l.resource.contains("web") && l.severity == "Log");
        if found { Ok(()) } else { Err(format!("{} lines", page.items.len())) }
    })
    .await;

    // A new env file: a new revision, containers recreated, healthy.
    let updated = s
        .client
        .update_deployment(
            d.id,
            &DeployRequest {
                application_version_id: version,
                env_file: Some("GREETING=bonjour\n".into()),
                ..Default::default()
            },
        )
        .await
        .expect("update");
    assert_ne!(updated.revision.id, d.revision.id);
    wait_status(&s.client, d.id, StatusType::Healthy, Duration::from_secs(90)).await;
    let web2 = containers(&project, "web");
    assert_eq!(web2.len(), 1);
    assert_ne!(web2, web, "the web container was recreated");
    let page = sh("docker", &["exec", &web2[0], "wget", "-q", "-O", "-", "http://127.0.0.1:8080/index.html"]);
    assert_eq!(page.trim(), "bonjour from init");

    // A container removed by hand is restored and the correction is reported.
    sh("docker", &["rm", "-f", &web2[0]]);
    let removed_at = Instant::now();
    let restored = wait_for(Duration::from_secs(60), "web restored", || async {
        let now = containers(&project, "web");
        let running = now.iter().any(|c| quiet("docker", &["inspect", "-f", "{{.State.Running}}", c]).trim() == "true");
        if running { Ok(now) } else { Err(format!("{now:?}")) }
    })
    .await;
    eprintln!("removed container restored after {:?}", removed_at.elapsed());
    assert_ne!(restored, web2);
    wait_for(Duration::from_secs(30), "drift reported", || async {
        let history = s.client.status_history(d.id, None, Some(50)).await.map_err(|e| e.to_string())?;
        let reported = history.items.iter().any(|h| h.message.contains("was removed"));
        if reported {
            Ok(())
        } else {
            Err(format!("{:?}", history.items.iter().map(|h| &h.message).collect::<Vec<_>>()))
        }
    })
    .await;
    wait_status(&s.client, d.id, StatusType::Healthy, Duration::from_secs(60)).await;

    // Undeploy: containers gone, named volume kept.
    s.client.delete_deployment(d.id).await.expect("undeploy");
    wait_for(Duration::from_secs(60), "containers removed", || async {
        let left = [containers(&project, "web"), containers(&project, "init")].concat();
        if left.is_empty() { Ok(()) } else { Err(format!("{left:?}")) }
    })
    .await;
    let volumes =
        sh("docker", &["volume", "ls", "-q", "--filter", &format!("label=com.docker.compose.project={project}")]);
    assert!(volumes.contains(&format!("{project}_data")), "named volume kept: {volumes:?}");
    assert!(s.agent.stats()["driftCorrections"].as_u64().unwrap_or(0) >= 1, "{}", s.agent.stats());
}

#[tokio::test]
async fn failing_deployments_leave_a_healthy_neighbour_alone() {
    let Some(s) = setup().await else { return };
    let calm_version = docker_app(&s.client, "calm", &calm(&s.image, &s.cleanup.run), "").await;
    let neighbour = deploy(&s.client, s.access.target_id, calm_version, None).await;
    s.cleanup.project(&neighbour.release_name);
    wait_status(&s.client, neighbour.id, StatusType::Healthy, Duration::from_secs(60)).await;
    let calm_containers = containers(&neighbour.release_name, "app");

    // Valid YAML the hub accepts, but not a valid Compose file: Compose's message comes back.
    let invalid = format!("services:\n  web:\n    image: {}\n    imagez: typo\n", s.image);
    let broken_version = docker_app(&s.client, "broken", &invalid, "").await;
    let broken = deploy(&s.client, s.access.target_id, broken_version, None).await;
    s.cleanup.project(&broken.release_name);
    // An image no registry has.
    let ghost_compose = format!(
        "services:\n  web:\n    image: 127.0.0.1:9/ferry-ghost:{}\n    labels: {{\"{RUN_LABEL}\": \"{}\"}}\n",
        s.cleanup.run, s.cleanup.run
    );
    let ghost_version = docker_app(&s.client, "ghost", &ghost_compose, "").await;
    let ghost = deploy(&s.client, s.access.target_id, ghost_version, None).await;
    s.cleanup.project(&ghost.release_name);

    let broken_message = wait_status(&s.client, broken.id, StatusType::Error, Duration::from_secs(60)).await;
    eprintln!("invalid Compose file -> {broken_message}");
    assert!(broken_message.contains("imagez"), "Compose's own message: {broken_message}");
    let ghost_message = wait_status(&s.client, ghost.id, StatusType::Error, Duration::from_secs(60)).await;
    eprintln!("missing image -> {ghost_message}");
    assert!(ghost_message.contains("ferry-ghost"), "{ghost_message}");
    // The neighbour is untouched and still reported healthy.
    wait_status(&s.client, neighbour.id, StatusType::Healthy, Duration::from_secs(10)).await;
    assert_eq!(containers(&neighbour.release_name, "app"), calm_containers);

    // A private registry: pulls only with the deployment's registryAuth.
    if support::require(Path::new("/usr/bin/docker-registry").is_file(), "Debian's docker-registry").is_err() {
        return;
    }
    let registry = support::registry::Registry::start("vendor", "r3gistry-pa55");
    let remote = format!("{}/vendor/app:{}", registry.host, s.cleanup.run);
    images::tag(&s.image, &remote);
    s.cleanup.image(&remote);
    registry.push(&remote);
    sh("docker", &["rmi", &remote]);
    let private_compose = calm(&remote, &s.cleanup.run);
    let private_version = docker_app(&s.client, "private", &private_compose, "").await;
    let without = deploy(&s.client, s.access.target_id, private_version, None).await;
    s.cleanup.project(&without.release_name);
    let denied = wait_status(&s.client, without.id, StatusType::Error, Duration::from_secs(60)).await;
    assert!(denied.to_lowercase().contains("auth") || denied.contains("denied"), "{denied}");
    let mut auth = BTreeMap::new();
    auth.insert(
        registry.host.clone(),
        RegistryCredentials { username: "vendor".into(), password: "r3gistry-pa55".into() },
    );
    s.client
        .update_deployment(
            without.id,
            &DeployRequest { application_version_id: private_version, registry_auth: Some(auth), ..Default::default() },
        )
        .await
        .expect("add registry credentials");
    wait_status(&s.client, without.id, StatusType::Healthy, Duration::from_secs(60)).await;
    assert!(!s.agent.log().contains("r3gistry-pa55"), "credentials never logged");
}

#[tokio::test]
async fn hub_outage_and_agent_restart_change_nothing() {
    let Some(mut s) = setup().await else { return };
    let version = docker_app(&s.client, "steady", &calm(&s.image, &s.cleanup.run), "").await;
    let d = deploy(&s.client, s.access.target_id, version, None).await;
    s.cleanup.project(&d.release_name);
    wait_status(&s.client, d.id, StatusType::Healthy, Duration::from_secs(60)).await;
    let before = containers(&d.release_name, "app");

    // The hub goes away for 30 s: the workload keeps running untouched.
    s.hub.stop();
    let outage = Instant::now();
    while outage.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(containers(&d.release_name, "app"), before, "containers untouched while the hub is down");
    }
    assert!(s.agent.stats()["hubUnreachable"].as_u64().unwrap_or(0) > 0, "{}", s.agent.stats());
    s.hub.restart();
    let back = time::OffsetDateTime::now_utc();
    wait_for(Duration::from_secs(90), "agent reports again", || async {
        let dep = s.client.deployment(d.id).await.map_err(|e| e.to_string())?;
        match dep.status {
            Some(st) if st.last_seen_at > back && st.kind == StatusType::Healthy => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert_eq!(containers(&d.release_name, "app"), before);

    // Killed and restarted: the agent re-applies nothing and spawns no process.
    s.agent.kill();
    // Counters start from zero in the new process; drop the old process's file.
    std::fs::remove_file(s.agent.state.path().join("state/stats.json")).expect("stats.json of the first run");
    s.agent.restart();
    let restarted = time::OffsetDateTime::now_utc();
    wait_for(Duration::from_secs(30), "ticks after restart", || async {
        let stats = s.agent.stats();
        let ticks = stats["ticks"].as_u64().unwrap_or(0);
        if ticks >= 5 { Ok(()) } else { Err(stats.to_string()) }
    })
    .await;
    let stats = s.agent.stats();
    assert_eq!(stats["applies"], 0, "{stats}");
    assert_eq!(stats["driver"]["processesSpawned"], 0, "{stats}");
    assert_eq!(containers(&d.release_name, "app"), before);
    wait_for(Duration::from_secs(60), "status after restart", || async {
        let dep = s.client.deployment(d.id).await.map_err(|e| e.to_string())?;
        match dep.status {
            Some(st) if st.last_seen_at > restarted => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
}

#[tokio::test]
async fn swarm_stack_deploy_update_undeploy() {
    let Some(s) = setup().await else { return };
    let _swarm = support::Swarm::ensure();
    let compose = format!(
        "services:\n  web:\n    image: {}\n    command: [\"sh\", \"-c\", \"echo hi $${{WHO}}; exec sleep 100000\"]\n    \
         environment:\n      WHO: ${{WHO}}\n    deploy:\n      replicas: 1\n      labels: {{\"{RUN_LABEL}\": \"{}\"}}\n",
        s.image, s.cleanup.run
    );
    let version = docker_app(&s.client, "stack", &compose, "WHO=one\n").await;
    let d = s
        .client
        .deploy(&DeployRequest {
            target_id: Some(s.access.target_id),
            application_version_id: version,
            docker_type: Some(DockerType::Swarm),
            ..Default::default()
        })
        .await
        .expect("deploy")
        .deployment;
    s.cleanup.stack(&d.release_name);
    wait_status(&s.client, d.id, StatusType::Healthy, Duration::from_secs(90)).await;
    let service = format!("{}_web", d.release_name);
    s.client
        .update_deployment(
            d.id,
            &DeployRequest {
                application_version_id: version,
                env_file: Some("WHO=two\n".into()),
                docker_type: Some(DockerType::Swarm),
                ..Default::default()
            },
        )
        .await
        .expect("update");
    wait_for(Duration::from_secs(90), "service updated", || async {
        let env = quiet("docker", &["service", "inspect", "-f", "{{.Spec.TaskTemplate.ContainerSpec.Env}}", &service]);
        if env.contains("WHO=two") { Ok(()) } else { Err(env) }
    })
    .await;
    wait_status(&s.client, d.id, StatusType::Healthy, Duration::from_secs(90)).await;
    s.client.delete_deployment(d.id).await.expect("undeploy");
    wait_for(Duration::from_secs(60), "stack removed", || async {
        let left = quiet("docker", &["service", "ls", "-q", "--filter", &format!("name={service}")]);
        if left.trim().is_empty() { Ok(()) } else { Err(left) }
    })
    .await;
}
