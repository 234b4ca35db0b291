//! End to end with the agent image: the connect command the hub prints installs the agent
//! as a Compose project `ferry`, the agent runs a deployment, and a new agent version makes
//! it replace itself through the single-flight helper container.

mod support;

use std::time::Duration;

use ferry_proto::agent::StatusType;
use ferry_proto::api::{NewAgentVersion, TargetPatch};
use support::e2e::{self, HubProcess, containers, deploy, docker_app, docker_target, wait_status};
use support::{Cleanup, RUN_LABEL, images, quiet, runs, sh, wait_for};

fn agent_container() -> Option<String> {
    quiet(
        "docker",
        &[
            "ps",
            "-q",
            "--filter",
            "label=com.docker.compose.project=ferry",
            "--filter",
            "label=com.docker.compose.service=agent",
        ],
    )
    .split_whitespace()
    .next()
    .map(str::to_string)
}

#[tokio::test]
async fn connect_command_installs_the_agent_and_self_update_replaces_it() {
    if support::docker_prerequisites().is_err()
        || support::require(runs("debootstrap", &["--version"]), "debootstrap (to build the agent image's base)")
            .is_err()
        || support::require(runs("curl", &["--version"]), "curl").is_err()
    {
        return;
    }
    let existing = quiet("docker", &["ps", "-aq", "--filter", "label=com.docker.compose.project=ferry"]);
    if support::require(existing.trim().is_empty(), "no Compose project `ferry` on this engine (the test installs one)")
        .is_err()
    {
        return;
    }
    let cleanup = Cleanup::new();
    cleanup.project("ferry");
    cleanup.container(ferry_docker::driver::UPDATER_NAME);
    let image = images::busybox();

    // Agent images A and B: the same binary, B a distinct image.
    let ferry = e2e::ferry_binary(false);
    let tag_a = format!("ferry-agent:e2e-{}-a", cleanup.run);
    let tag_b = format!("ferry-agent:e2e-{}-b", cleanup.run);
    cleanup.image(&tag_a);
    cleanup.image(&tag_b);
    images::agent(&ferry, &tag_a);
    let context = tempfile::tempdir().unwrap();
    std::fs::write(context.path().join("Dockerfile"), format!("FROM {tag_a}\nLABEL dev.ferry.variant=b\n")).unwrap();
    sh("docker", &["build", "-q", "-t", &tag_b, &context.path().to_string_lossy()]);

    let hub = HubProcess::start("ferry-agent", &format!("e2e-{}-a", cleanup.run), "1s");
    let client = hub.client();
    let access = docker_target(&client, "customer-1").await;
    assert!(access.connect_command.contains("docker compose -p ferry"), "{}", access.connect_command);
    // Run the printed command through whichever Compose this host has.
    let command = if runs("docker", &["compose", "version"]) {
        access.connect_command.clone()
    } else {
        access.connect_command.replace("docker compose", "docker-compose")
    };
    sh("sh", &["-c", &command]);
    let first = wait_for(Duration::from_secs(60), "agent container running", || async {
        agent_container().ok_or_else(|| "no agent container".to_string())
    })
    .await;
    assert_eq!(quiet("docker", &["inspect", "-f", "{{.Config.Image}}", &first]).trim(), tag_a);

    let version = docker_app(&client, "calm", &format!(
        "services:\n  app:\n    image: {image}\n    command: [\"sh\", \"-c\", \"touch /tmp/ok; exec sleep 100000\"]\n    \
         healthcheck:\n      test: [\"CMD\", \"test\", \"-f\", \"/tmp/ok\"]\n      interval: 1s\n    labels: {{\"{RUN_LABEL}\": \"{}\"}}\n",
        cleanup.run
    ), "").await;
    let d = deploy(&client, access.target_id, version, None).await;
    cleanup.project(&d.release_name);
    wait_status(&client, d.id, StatusType::Healthy, Duration::from_secs(90)).await;
    let app = containers(&d.release_name, "app");

    // A new agent version: the agent replaces itself through the helper container.
    let b = client
        .create_agent_version(&NewAgentVersion { name: format!("e2e-{}-b", cleanup.run), image: tag_b.clone() })
        .await
        .expect("register agent version B");
    client
        .update_target(access.target_id, &TargetPatch { agent_version_id: Some(b.id), ..Default::default() })
        .await
        .expect("move the target to B");
    let second = wait_for(Duration::from_secs(120), "agent recreated from image B", || async {
        let c = agent_container().ok_or_else(|| "no agent container".to_string())?;
        let image = quiet("docker", &["inspect", "-f", "{{.Config.Image}}", &c]);
        if image.trim() == tag_b { Ok(c) } else { Err(format!("agent image {}", image.trim())) }
    })
    .await;
    assert_ne!(first, second);
    let env = quiet("docker", &["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", &second]);
    assert!(env.contains(&format!("FERRY_AGENT_VERSION_ID={}", b.id)), "{env}");
    let helper_exit = wait_for(Duration::from_secs(60), "helper finished", || async {
        let state = quiet(
            "docker",
            &["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", ferry_docker::driver::UPDATER_NAME],
        );
        if state.starts_with("exited") { Ok(state) } else { Err(state) }
    })
    .await;
    assert_eq!(helper_exit.trim(), "exited 0");

    // The new agent keeps the deployment as it was (its state survived in the volume) and
    // reports for it.
    let after = time::OffsetDateTime::now_utc();
    wait_for(Duration::from_secs(60), "new agent reports", || async {
        let dep = client.deployment(d.id).await.map_err(|e| e.to_string())?;
        match dep.status {
            Some(st) if st.last_seen_at > after && st.kind == StatusType::Healthy => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert_eq!(containers(&d.release_name, "app"), app, "the deployment was not re-applied");
    let target = client.target(access.target_id).await.unwrap();
    assert_eq!(target.agent_version.id, b.id);
}
