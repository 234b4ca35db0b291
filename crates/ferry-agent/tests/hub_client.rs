//! The agent's hub client against a real hub (in-process, SQLite).

use std::sync::Arc;
use std::time::Duration;

use ferry_agent::config::{AgentConfig, Secret};
use ferry_agent::hub::{Desired, HttpHub, HubApi, HubError};
use ferry_hub::clock::SystemClock;
use ferry_hub::crypto::HashCost;
use ferry_hub::server::{self, Config};
use ferry_hub::settings::Settings;
use ferry_hub::store::Retention;
use ferry_proto::agent::{StatusReport, StatusType};
use serde_json::{Value, json};

fn hub_config(dir: &std::path::Path, secret_key: Option<String>) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.to_path_buf(),
        database_url: None,
        database_max_connections: 4,
        public_url: None,
        agent_image: "ferry-agent".into(),
        agent_tag: "test".into(),
        secret_key,
        hash_cost: HashCost::FAST,
        retention: Retention::DEFAULT,
        admin_email: "admin@example.com".into(),
        organization_name: "Acme".into(),
        settings: Settings::default(),
    }
}

async fn vendor(http: &reqwest::Client, url: &str, token: &str, path: &str, body: Value) -> Value {
    let res = http.post(format!("{url}{path}")).bearer_auth(token).json(&body).send().await.unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap()
}

#[tokio::test]
async fn logs_in_uses_etags_and_survives_a_key_change() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let key = "11".repeat(32);
    let hub = server::start(hub_config(dir.path(), Some(key)), Arc::new(SystemClock)).await.unwrap();
    let hub_addr = hub.addr;
    let url = format!("http://{}", hub.addr);
    let token = hub.first_start.as_ref().unwrap().token.clone();
    let http = reqwest::Client::new();
    let target = vendor(&http, &url, &token, "/api/v1/targets", json!({"name": "edge", "type": "docker"})).await;
    let target_id = target["id"].as_str().unwrap().to_string();
    let access = vendor(&http, &url, &token, &format!("/api/v1/targets/{target_id}/access"), json!({})).await;

    let config = AgentConfig {
        hub_url: url.clone(),
        target_id: target_id.parse().unwrap(),
        target_secret: Secret::new(access["targetSecret"].as_str().unwrap()),
        interval: Duration::from_secs(5),
        agent_version_id: None,
        state_dir: dir.path().join("agent"),
        registry_host: None,
        scope: Default::default(),
        apply_concurrency: 1,
        health_listen: None,
    };
    let client = HttpHub::new(&config, &ferry_agent::user_agent()).unwrap();
    let Desired::Changed { resources, etag } = client.resources(None).await.unwrap() else { panic!("first fetch") };
    assert!(resources.deployments.is_empty());
    assert_eq!(client.resources(etag.as_deref()).await.unwrap(), Desired::Unchanged);

    // The hub's own status route accepts the agent, and refuses a foreign revision clearly.
    let foreign = StatusReport { revision_id: uuid::Uuid::new_v4(), kind: StatusType::Healthy, message: "x".into() };
    match client.status(&foreign).await {
        Err(HubError::Rejected { status: 400, message }) => assert!(message.contains("does not belong"), "{message}"),
        other => panic!("expected a rejection, got {other:?}"),
    }

    // A hub restarted with another key invalidates every token: the same client, holding a
    // now-invalid token, gets a 401, logs in again and the call succeeds without the caller
    // noticing.
    hub.stop().await;
    let mut rotated = hub_config(dir.path(), Some("22".repeat(32)));
    rotated.listen = hub_addr;
    let hub = server::start(rotated, Arc::new(SystemClock)).await.unwrap();
    let before = hub.hub.telemetry.render(0, "t");
    assert!(!before.contains("route=\"/api/v1/agent/login\""), "no login yet on the new hub");
    assert!(client.resources(etag.as_deref()).await.is_ok());
    let after = hub.hub.telemetry.render(0, "t");
    assert!(after.contains("route=\"/api/v1/agent/login\",method=\"POST\",status=\"200\"} 1"), "{after}");
    assert!(after.contains("route=\"/api/v1/agent/resources\",method=\"GET\",status=\"401\"} 1"), "{after}");
    let again = client;

    // A wrong secret is reported as such, not as an unreachable hub.
    let wrong = HttpHub::new(
        &AgentConfig {
            hub_url: format!("http://{}", hub.addr),
            target_secret: Secret::new("00000000000000000000000000000000"),
            ..config.clone()
        },
        "FerryAgent/test",
    )
    .unwrap();
    assert!(matches!(wrong.resources(None).await, Err(HubError::Unauthorized(_))));
    hub.stop().await;

    // And a stopped hub is unreachable, naming the URL.
    match again.resources(None).await {
        Err(HubError::Unreachable { url, .. }) => {
            assert!(url.ends_with("/api/v1/agent/login") || url.ends_with("/resources"))
        }
        other => panic!("expected unreachable, got {other:?}"),
    }
}
