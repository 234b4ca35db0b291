//! The client against a real hub (in-process, SQLite, 127.0.0.1:0), and against bare TCP
//! servers for what a hub never does (HTML errors, silence).

use std::sync::Arc;
use std::time::Duration;

use ferry_client::api::{
    DeployRequest, NewAgentVersion, NewApplication, NewApplicationVersion, NewTarget, PlatformType, StatusType,
    TargetPatch,
};
use ferry_client::{Client, ClientError, ClientOptions, LogFilter};
use ferry_hub::clock::SystemClock;
use ferry_hub::crypto::HashCost;
use ferry_hub::server::{self, Config, RunningHub};
use ferry_hub::settings::Settings;
use ferry_hub::store::Retention;
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

struct Hub {
    running: RunningHub,
    url: String,
    token: String,
    _dir: tempfile::TempDir,
}

async fn start_hub() -> Hub {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        database_url: None,
        database_max_connections: 4,
        public_url: None,
        agent_image: "ferry-agent".into(),
        agent_tag: "test".into(),
        secret_key: None,
        hash_cost: HashCost::FAST,
        retention: Retention::DEFAULT,
        admin_email: "admin@example.com".into(),
        organization_name: "Acme".into(),
        settings: Settings::default(),
    };
    let running = server::start(config, Arc::new(SystemClock)).await.unwrap();
    let token = running.first_start.as_ref().unwrap().token.clone();
    Hub { url: format!("http://{}", running.addr), running, token, _dir: dir }
}

const COMPOSE: &str = "services:\n  web:\n    image: nginx:1.27\n";

/// Logs in as the target over the agent API, the way an agent does.
async fn agent_jwt(hub: &Hub, target: &str, secret: &str) -> String {
    let http = reqwest::Client::new();
    let res =
        http.post(format!("{}/api/v1/agent/login", hub.url)).basic_auth(target, Some(secret)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_round_trips() {
    let hub = start_hub().await;
    let c = Client::new(&hub.url, &hub.token).unwrap();
    assert_eq!(c.me().await.unwrap().email, "admin@example.com");
    let issued = c.create_token("ci").await.unwrap();
    assert_eq!(issued.name, "ci");
    assert_eq!(Client::new(&hub.url, &issued.token).unwrap().me().await.unwrap().organization_name, "Acme");

    // Applications and versions.
    let app = c.create_application(&NewApplication { name: "shop".into(), kind: PlatformType::Docker }).await.unwrap();
    let spec = NewApplicationVersion {
        name: "1.0.0".into(),
        compose_file: Some(COMPOSE.into()),
        env_template: Some("A=1\n".into()),
        ..Default::default()
    };
    let v1 = c.create_version(app.id, &spec).await.unwrap();
    assert_eq!(v1.spec.env_template.as_deref(), Some("A=1\n"));
    let v2 = c
        .create_version(
            app.id,
            &NewApplicationVersion { name: "2.0.0".into(), compose_file: Some(COMPOSE.into()), ..Default::default() },
        )
        .await
        .unwrap();
    assert_eq!(c.versions(app.id).await.unwrap().len(), 2);
    assert_eq!(c.version(app.id, v1.id).await.unwrap().spec.name, "1.0.0");
    assert!(c.archive_version(app.id, v2.id).await.unwrap().archived_at.is_some());
    assert!(c.unarchive_version(app.id, v2.id).await.unwrap().archived_at.is_none());
    assert_eq!(c.application(app.id).await.unwrap().versions.len(), 2);
    assert_eq!(c.applications().await.unwrap().len(), 1);

    // Targets, access, agent versions.
    let new_target = NewTarget {
        name: "edge".into(),
        kind: PlatformType::Docker,
        namespace: None,
        scope: None,
        metrics_enabled: Some(false),
        logs_enabled: None,
        agent_version_id: None,
    };
    let target = c.create_target(&new_target).await.unwrap();
    assert!(!target.has_secret && !target.metrics_enabled && target.logs_enabled);
    let access = c.target_access(target.id).await.unwrap();
    assert!(access.connect_command.contains(&access.connect_url));
    assert!(access.connect_url.starts_with(&hub.url));
    assert!(c.target(target.id).await.unwrap().has_secret);
    let av = c
        .create_agent_version(&NewAgentVersion { name: "99.0.0".into(), image: "ferry-agent:99".into() })
        .await
        .unwrap();
    assert_eq!(c.agent_versions().await.unwrap().len(), 2);
    let patched =
        c.update_target(target.id, &TargetPatch { agent_version_id: Some(av.id), ..Default::default() }).await.unwrap();
    assert_eq!(patched.agent_version.id, av.id);
    assert_eq!(c.targets().await.unwrap().len(), 1);

    // Deploy creates, deploying again adds a revision; PUT adds one too.
    let request = DeployRequest { target_id: Some(target.id), application_version_id: v1.id, ..Default::default() };
    let first = c.deploy(&request).await.unwrap();
    assert!(first.created);
    let again = c.deploy(&DeployRequest { force_restart: true, ..request.clone() }).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.deployment.id, first.deployment.id);
    let d = first.deployment.id;
    let updated =
        c.update_deployment(d, &DeployRequest { application_version_id: v2.id, ..Default::default() }).await.unwrap();
    assert_eq!(updated.revision.application_version_name, "2.0.0");
    assert_eq!(c.revisions(d).await.unwrap().len(), 3);
    assert_eq!(c.deployments(Some(target.id)).await.unwrap().len(), 1);
    assert_eq!(c.deployments(None).await.unwrap().len(), 1);

    // What the agent reports shows through status history, logs and metrics.
    let jwt = agent_jwt(&hub, &target.id.to_string(), &access.target_secret).await;
    let http = reqwest::Client::new();
    let agent =
        |method: reqwest::Method, path: &str| http.request(method, format!("{}{path}", hub.url)).bearer_auth(&jwt);
    for (kind, message) in [("progressing", "pulling"), ("healthy", "all up")] {
        let res = agent(reqwest::Method::POST, "/api/v1/agent/status")
            .json(&json!({"revisionId": updated.revision.id, "type": kind, "message": message}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let page = c.status_history(d, None, Some(1)).await.unwrap();
    assert_eq!((page.items.len(), page.items[0].kind), (1, StatusType::Healthy));
    let older = c.status_history(d, page.next.as_deref(), Some(1)).await.unwrap();
    assert_eq!(older.items[0].message, "pulling");
    let now = time::OffsetDateTime::now_utc();
    let lines: Vec<_> = ["one", "two", "three"]
        .iter()
        .enumerate()
        .map(|(i, body)| {
            json!({"deploymentId": d, "deploymentRevisionId": updated.revision.id, "resource": if i == 1 { "db" } else { "web" },
                   "timestamp": now.format(&time::format_description::well_known::Rfc3339).unwrap(),
                   "severity": "Log", "body": body})
        })
        .collect();
    let res = agent(reqwest::Method::PUT, "/api/v1/agent/logs").json(&lines).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let all = c.deployment_logs(d, &LogFilter::default()).await.unwrap();
    assert_eq!(all.items.iter().map(|l| l.body.as_str()).collect::<Vec<_>>(), ["one", "two", "three"]);
    let web = c
        .deployment_logs(
            d,
            &LogFilter {
                resource: Some("web".into()),
                since: Some(now - time::Duration::minutes(1)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(web.items.len(), 2);
    let after = c
        .deployment_logs(d, &LogFilter { after: Some(all.items[0].id), limit: Some(1), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(after.items[0].body, "two");
    assert_eq!(c.log_resources(d).await.unwrap(), ["db", "web"]);
    let res = agent(reqwest::Method::POST, "/api/v1/agent/metrics")
        .json(&json!({"cpuCoresMillis": 2000, "cpuUsage": 0.5, "memoryBytes": 100, "memoryUsage": 0.25}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let metrics = c.target_metrics(target.id, Some(now - time::Duration::hours(1)), None).await.unwrap();
    assert_eq!(metrics.latest.map(|m| m.metrics.cpu_cores_millis), Some(2000));
    let res = agent(reqwest::Method::PUT, "/api/v1/agent/deployment-target-logs")
        .json(&json!([{"timestamp": "2026-01-01T00:00:00Z", "severity": "INFO", "body": "agent started"}]))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    assert_eq!(c.target_logs(target.id, None, Some(10)).await.unwrap().items[0].body, "agent started");

    // Secrets, with a key that needs escaping in the path refused by the hub, not by us.
    let info = c.put_secret("DB_PASSWORD", "s3cret").await.unwrap();
    assert_eq!(info.key, "DB_PASSWORD");
    assert_eq!(c.secrets().await.unwrap().len(), 1);
    let err = c.put_secret("bad/key", "x").await.unwrap_err();
    assert!(err.status().is_some_and(|s| s.is_client_error()), "{err}");
    c.delete_secret("DB_PASSWORD").await.unwrap();
    assert!(c.secrets().await.unwrap().is_empty());

    // Tear down in the order the hub allows.
    c.delete_deployment(d).await.unwrap();
    c.delete_application(app.id).await.unwrap();
    c.delete_target(target.id).await.unwrap();
    assert!(c.targets().await.unwrap().is_empty());
    hub.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_errors_keep_status_message_and_field() {
    let hub = start_hub().await;
    let c = Client::new(&hub.url, &hub.token).unwrap();

    let err = Client::new(&hub.url, "ferry_wrong").unwrap().me().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(err.api_error().unwrap().error.contains("ferry login"), "{err}");

    let err = c.target(uuid::Uuid::new_v4()).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.api_error().unwrap().error, "target not found");
    assert!(err.to_string().contains("/api/v1/targets/"), "names the URL: {err}");

    c.create_application(&NewApplication { name: "shop".into(), kind: PlatformType::Docker }).await.unwrap();
    let err =
        c.create_application(&NewApplication { name: "shop".into(), kind: PlatformType::Docker }).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::CONFLICT), "{err}");

    let app = c.applications().await.unwrap().remove(0);
    let err = c
        .create_version(
            app.id,
            &NewApplicationVersion { name: "1".into(), compose_file: Some("services: [".into()), ..Default::default() },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(err.api_error().unwrap().field.as_deref(), Some("composeFile"), "{err}");
    assert!(err.to_string().ends_with("(field: composeFile)"), "{err}");

    let err = c
        .deploy(&DeployRequest { application_version_id: uuid::Uuid::new_v4(), ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(err.api_error().unwrap().field.as_deref(), Some("targetId"), "{err}");
    hub.running.stop().await;
}

#[tokio::test]
async fn unreachable_hubs_are_named() {
    // Bind, learn the port, close: nothing listens there any more.
    let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let c = Client::new(&format!("http://127.0.0.1:{port}"), "t").unwrap();
    let err = c.targets().await.unwrap_err();
    assert!(matches!(err, ClientError::Transport { .. }), "{err}");
    assert_eq!(err.to_string(), format!("GET http://127.0.0.1:{port}/api/v1/targets: no answer from the hub"));
    assert!(err.status().is_none());
}

/// Serves one connection: returns the request head it read and writes `response`.
async fn serve_once(response: &'static str) -> (String, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        if !response.is_empty() {
            socket.write_all(response.as_bytes()).await.unwrap();
        } else {
            // Say nothing until the client gives up.
            let _ = socket.read(&mut buf).await;
        }
        String::from_utf8_lossy(&head).into_owned()
    });
    (url, task)
}

#[tokio::test]
async fn non_hub_errors_headers_and_timeouts() {
    let html = "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 34\r\nConnection: close\r\n\r\n<html><b>upstream down</b></html>\n";
    let (url, seen) = serve_once(html).await;
    let err = Client::new(&url, "ferry_tok").unwrap().me().await.unwrap_err();
    assert!(matches!(err, ClientError::UnexpectedStatus { .. }), "{err}");
    assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));
    assert!(err.to_string().contains("<html><b>upstream down</b></html>"), "{err}");
    let head = seen.await.unwrap().to_ascii_lowercase();
    assert!(head.starts_with("get /api/v1/me http/1.1\r\n"), "{head}");
    assert!(head.contains(&format!("user-agent: ferry-cli/{}\r\n", env!("CARGO_PKG_VERSION"))), "{head}");
    assert!(head.contains("authorization: bearer ferry_tok\r\n"), "{head}");

    let not_json = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
    let (url, _seen) = serve_once(not_json).await;
    let err = Client::new(&url, "t").unwrap().me().await.unwrap_err();
    assert!(matches!(err, ClientError::Decode { .. }), "{err}");

    let (url, _seen) = serve_once("").await;
    let options = ClientOptions { timeout: Duration::from_millis(300), ..Default::default() };
    let err = Client::with_options(&url, "t", options).unwrap().me().await.unwrap_err();
    let ClientError::Transport { source, .. } = &err else { panic!("{err}") };
    assert!(source.is_timeout(), "{source:?}");
}
