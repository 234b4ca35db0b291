//! The hub through its HTTP API, on SQLite and on PostgreSQL: every scenario below runs
//! once per store.

mod support;

use std::time::Duration;

use ferry_hub::crypto::{AgentClaims, MasterKey, TokenIssuer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Backend, TestHub};

macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::support::TestHub::start(super::Backend::Sqlite).await).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::support::TestHub::start(super::Backend::Postgres).await).await
                }
            )*
        }
    };
}

on_both_stores!(
    first_start_bootstraps_once_and_token_works,
    applications_and_versions_are_validated,
    targets_and_connect_manifests,
    new_secret_invalidates_old_secret_and_tokens,
    agent_poll_uses_etags_and_sees_changes,
    statuses_are_folded_and_paginated,
    status_for_foreign_revision_is_refused,
    logs_are_scoped_filtered_and_followed,
    metrics_and_agent_logs_round_trip,
    forged_expired_wrong_audience_and_foreign_tokens_get_401,
    repeated_logins_are_rate_limited,
    malformed_and_oversized_bodies_are_refused,
    hostile_names_are_stored_verbatim,
    secrets_are_templated_and_protected,
    kubernetes_deployments_merge_values,
    agent_version_moves_trigger_self_update,
    concurrent_writers_never_fail,
    undeploy_removes_from_desired_state,
    organizations_are_isolated,
    health_readiness_and_prometheus,
    retention_prunes_old_rows,
);

async fn first_start_bootstraps_once_and_token_works(mut hub: TestHub) {
    let me = hub.ok(Method::GET, "/api/v1/me", None).await;
    assert_eq!(me["email"], "admin@example.com");
    assert_eq!(me["organizationName"], "Acme");
    let (status, body) = hub.json(Method::GET, "/api/v1/targets", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!([]));
    let no_token = hub.http.get(format!("{}/api/v1/targets", hub.url)).send().await.unwrap();
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);
    let err: Value = no_token.json().await.unwrap();
    assert!(err["error"].as_str().unwrap().contains("ferry login"), "{err}");
    let bad = hub.http.get(format!("{}/api/v1/targets", hub.url)).bearer_auth("ferry_nope").send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);

    // A second start on the same data creates nothing and keeps the token valid.
    assert!(hub.restart().await.is_none());
    assert_eq!(hub.ok(Method::GET, "/api/v1/me", None).await["email"], "admin@example.com");
    // Additional tokens can be issued and work.
    let issued = hub.ok(Method::POST, "/api/v1/tokens", Some(json!({"name": "ci"}))).await;
    let second = issued["token"].as_str().unwrap();
    let res = hub.http.get(format!("{}/api/v1/me", hub.url)).bearer_auth(second).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    hub.stop().await;
}

async fn applications_and_versions_are_validated(hub: TestHub) {
    let (app, _) = hub.docker_app("shop").await;
    let (status, err) =
        hub.json(Method::POST, "/api/v1/applications", Some(json!({"name": "shop", "type": "docker"}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert!(err["error"].as_str().unwrap().contains("already exists"));

    let (status, err) =
        hub.json(Method::POST, "/api/v1/applications", Some(json!({"name": "x", "type": "podman"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["field"], "type", "{err}");

    let versions = format!("/api/v1/applications/{app}/versions");
    let (status, err) =
        hub.json(Method::POST, &versions, Some(json!({"name": "2", "composeFile": "services:\n  web: [\n"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["field"], "composeFile");
    assert!(err["error"].as_str().unwrap().contains("not valid YAML"), "{err}");

    let (status, err) = hub
        .json(
            Method::POST,
            &versions,
            Some(json!({"name": "2", "composeFile": "services:\n  web:\n    image: a\n", "chartType": "oci"})),
        )
        .await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("chartType")));

    let (status, err) = hub
        .json(
            Method::POST,
            &versions,
            Some(json!({"name": "1.0.0", "composeFile": "services:\n  web:\n    image: a\n"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");

    // Archive, and an archived version cannot be deployed anew.
    let v2 = hub
        .ok(Method::POST, &versions, Some(json!({"name": "2.0.0", "composeFile": "services:\n  web:\n    image: a\n"})))
        .await;
    let v2_id = v2["id"].as_str().unwrap();
    let archived = hub.ok(Method::POST, &format!("{versions}/{v2_id}/archive"), None).await;
    assert!(archived["archivedAt"].is_string());
    let target = hub.target("edge", "docker").await;
    let (status, err) = hub
        .json(Method::POST, "/api/v1/deployments", Some(json!({"targetId": target, "applicationVersionId": v2_id})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["field"], "applicationVersionId");
    assert!(err["error"].as_str().unwrap().contains("archived"));
    hub.ok(Method::POST, &format!("{versions}/{v2_id}/unarchive"), None).await;
    hub.deploy(&target, v2_id, json!({})).await;

    // A kubernetes application needs chart fields; type must match the target.
    let kube = hub.ok(Method::POST, "/api/v1/applications", Some(json!({"name": "kapp", "type": "kubernetes"}))).await;
    let kversions = format!("/api/v1/applications/{}/versions", kube["id"].as_str().unwrap());
    let (status, err) = hub.json(Method::POST, &kversions, Some(json!({"name": "1", "chartType": "oci"}))).await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("chartVersion")), "{err}");
    let kv = hub
        .ok(
            Method::POST,
            &kversions,
            Some(json!({"name": "1", "chartType": "oci", "chartUrl": "oci://ghcr.io/acme/charts/kapp", "chartVersion": "1.0.0"})),
        )
        .await;
    assert_eq!(kv["chartName"], "kapp");
    let (status, err) = hub
        .json(Method::POST, "/api/v1/deployments", Some(json!({"targetId": target, "applicationVersionId": kv["id"]})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err["error"].as_str().unwrap().contains("kubernetes application but target"), "{err}");

    // Applications in use cannot be deleted.
    let (status, _) = hub.json(Method::DELETE, &format!("/api/v1/applications/{app}"), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let listed = hub.ok(Method::GET, "/api/v1/applications", None).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[1]["versions"].as_array().unwrap().len(), 2);
    hub.stop().await;
}

async fn targets_and_connect_manifests(hub: TestHub) {
    let docker = hub.target("edge-1", "docker").await;
    let t = hub.ok(Method::GET, &format!("/api/v1/targets/{docker}"), None).await;
    assert_eq!((t["state"].as_str(), t["hasSecret"].as_bool()), (Some("never-seen"), Some(false)));
    assert_eq!(t["agentVersion"]["name"], ferry_hub::VERSION);

    let (status, err) = hub
        .json(Method::POST, "/api/v1/targets", Some(json!({"name": "k", "type": "kubernetes", "namespace": "Bad_NS"})))
        .await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("namespace")));
    let (status, _) = hub
        .json(Method::POST, "/api/v1/targets", Some(json!({"name": "d", "type": "docker", "scope": "cluster"})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let access = hub.access(&docker).await;
    let secret = access["targetSecret"].as_str().unwrap();
    assert_eq!(secret.len(), 32);
    let url = access["connectUrl"].as_str().unwrap();
    assert_eq!(url, format!("{}/api/v1/connect?targetId={docker}&targetSecret={secret}", hub.url));
    assert_eq!(access["connectCommand"], format!("curl -fsSL '{url}' | docker compose -p ferry -f - up -d"));
    let res = hub.http.get(url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/yaml");
    let manifest = res.text().await.unwrap();
    assert!(manifest.contains(&format!("FERRY_TARGET_SECRET: \"{secret}\"")));
    compose_config_accepts(&manifest);

    let wrong =
        hub.http.get(format!("{}/api/v1/connect?targetId={docker}&targetSecret=nope", hub.url)).send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let not_uuid =
        hub.http.get(format!("{}/api/v1/connect?targetId=abc&targetSecret=x", hub.url)).send().await.unwrap();
    assert_eq!(not_uuid.status(), StatusCode::BAD_REQUEST);
    assert_eq!(not_uuid.text().await.unwrap(), "targetId is not a valid UUID\n");

    // The self-update manifest is the same without the secret.
    let jwt = hub.login(&docker, secret).await.unwrap();
    let res = hub.agent_req(Method::GET, "/api/v1/agent/manifest", &jwt).send().await.unwrap();
    let without = res.text().await.unwrap();
    assert!(!without.contains(secret) && !without.contains("FERRY_TARGET_SECRET"));

    for scope in ["namespace", "cluster"] {
        let k = hub
            .ok(
                Method::POST,
                "/api/v1/targets",
                Some(
                    json!({"name": format!("k8s-{scope}"), "type": "kubernetes", "namespace": "apps", "scope": scope}),
                ),
            )
            .await;
        let id = k["id"].as_str().unwrap();
        let access = hub.access(id).await;
        assert_eq!(
            access["connectCommand"],
            format!("kubectl apply -n apps -f \"{}\"", access["connectUrl"].as_str().unwrap())
        );
        let manifest = hub.http.get(access["connectUrl"].as_str().unwrap()).send().await.unwrap().text().await.unwrap();
        kubernetes_objects_are_valid(&manifest, scope);
    }
    let listed = hub.ok(Method::GET, "/api/v1/targets", None).await;
    assert_eq!(listed.as_array().unwrap().len(), 3);
    hub.stop().await;
}

/// The Docker manifest must be accepted by Compose itself (v2 when installed, else v1).
fn compose_config_accepts(manifest: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let v2 = Command::new("docker").args(["compose", "version"]).output().is_ok_and(|o| o.status.success());
    let mut cmd = if v2 {
        let mut c = Command::new("docker");
        c.arg("compose");
        c
    } else {
        Command::new("docker-compose")
    };
    let child = cmd
        .args(["-p", "ferry", "-f", "-", "config", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("skipping compose validation: no docker compose / docker-compose ({e})");
            return;
        }
        Err(e) => panic!("docker compose or docker-compose is required under CI: {e}"),
    };
    child.stdin.take().unwrap().write_all(manifest.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "compose rejected the manifest: {}\n{manifest}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every document must deserialize into the typed Kubernetes object its kind names.
fn kubernetes_objects_are_valid(manifest: &str, scope: &str) {
    use k8s_openapi::api::{apps::v1 as apps, core::v1 as core, rbac::v1 as rbac};
    let mut kinds = Vec::new();
    for doc in manifest.split("\n---\n") {
        let value: Value = serde_saphyr::from_str(doc).unwrap_or_else(|e| panic!("YAML: {e}\n{doc}"));
        let kind = value["kind"].as_str().unwrap().to_string();
        let check = match kind.as_str() {
            "ConfigMap" => serde_json::from_value::<core::ConfigMap>(value.clone()).map(|_| ()),
            "Secret" => serde_json::from_value::<core::Secret>(value.clone()).map(|_| ()),
            "ServiceAccount" => serde_json::from_value::<core::ServiceAccount>(value.clone()).map(|_| ()),
            "Role" => serde_json::from_value::<rbac::Role>(value.clone()).map(|_| ()),
            "RoleBinding" => serde_json::from_value::<rbac::RoleBinding>(value.clone()).map(|_| ()),
            "ClusterRoleBinding" => serde_json::from_value::<rbac::ClusterRoleBinding>(value.clone()).map(|_| ()),
            "Deployment" => {
                let d: apps::Deployment = serde_json::from_value(value.clone()).unwrap();
                let spec = d.spec.unwrap();
                assert_eq!(spec.replicas, Some(1));
                assert_eq!(spec.strategy.unwrap().type_.as_deref(), Some("Recreate"));
                let pod = spec.template.spec.unwrap();
                assert_eq!(pod.security_context.unwrap().run_as_non_root, Some(true));
                Ok(())
            }
            other => panic!("unexpected kind {other}"),
        };
        check.unwrap_or_else(|e| panic!("{kind} is not a valid object: {e}"));
        kinds.push(kind);
    }
    let expected: Vec<&str> = match scope {
        "namespace" => vec!["ConfigMap", "Secret", "ServiceAccount", "Role", "RoleBinding", "Deployment"],
        _ => vec!["ConfigMap", "Secret", "ServiceAccount", "ClusterRoleBinding", "Deployment"],
    };
    assert_eq!(kinds, expected);
}

async fn new_secret_invalidates_old_secret_and_tokens(hub: TestHub) {
    let (target, old_secret, old_jwt) = hub.agent("edge").await;
    let (status, text) = hub.login(&target, "0123456789abcdef0123456789abcdef").await.unwrap_err();
    assert_eq!((status, text.as_str()), (StatusCode::UNAUTHORIZED, "invalid target id or secret\n"));
    // Let a second pass so the new secret is unambiguously newer than the old token.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let new_secret = hub.access(&target).await["targetSecret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, old_secret);
    assert_eq!(hub.login(&target, &old_secret).await.unwrap_err().0, StatusCode::UNAUTHORIZED);
    let res = hub.agent_req(Method::GET, "/api/v1/agent/resources", &old_jwt).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let new_jwt = hub.login(&target, &new_secret).await.unwrap();
    hub.resources(&new_jwt).await;

    // Nothing secret is stored in clear: not the target secret, not the API token.
    if hub.backend == Backend::Sqlite {
        let mut bytes = Vec::new();
        for f in ["ferry.db", "ferry.db-wal"] {
            bytes.extend(std::fs::read(hub.dir.path().join(f)).unwrap_or_default());
        }
        let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
        assert!(!contains(&new_secret) && !contains(&old_secret), "a target secret is in the database file");
        assert!(!contains(&hub.token), "the API token is in the database file");
    }
    hub.stop().await;
}

async fn agent_poll_uses_etags_and_sees_changes(mut hub: TestHub) {
    let (target, _, jwt) = hub.agent("edge").await;
    let (_, version) = hub.docker_app("web").await;
    let first = hub.agent_req(Method::GET, "/api/v1/agent/resources", &jwt).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let body: Value = first.json().await.unwrap();
    assert!(body.get("deployments").is_none(), "empty deployments are omitted: {body}");
    assert_eq!(body["metricsEnabled"], true);
    let again = hub
        .agent_req(Method::GET, "/api/v1/agent/resources", &jwt)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());

    let deployment = hub.deploy(&target, &version, json!({"envFile": "GREETING=hi\n"})).await;
    let changed = hub
        .agent_req(Method::GET, "/api/v1/agent/resources", &jwt)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let body: Value = changed.json().await.unwrap();
    let d = &body["deployments"][0];
    assert_eq!(d["id"], deployment["id"]);
    assert_eq!(d["revisionId"], deployment["revision"]["id"]);
    assert_eq!(d["dockerType"], "compose");
    let compose = b64(d["composeFile"].as_str().unwrap());
    let project = format!("ferry-{}", &deployment["id"].as_str().unwrap().replace('-', "")[..8]);
    assert!(compose.starts_with(&format!("name: {project}\n")), "{compose}");
    assert_eq!(b64(d["envFile"].as_str().unwrap()), "GREETING=hi\n");
    assert_eq!(deployment["releaseName"], project);

    // The User-Agent's version shows on the target.
    let t = hub.ok(Method::GET, &format!("/api/v1/targets/{target}"), None).await;
    assert_eq!((t["reportedAgentVersion"].as_str(), t["state"].as_str()), (Some("9.9.9"), Some("online")));

    // Presence is flushed to the store: a restarted hub (empty memory) still knows it.
    let (other, _, _) = hub.agent("edge-2").await;
    hub.restart().await;
    for id in [&target, &other] {
        let t = hub.ok(Method::GET, &format!("/api/v1/targets/{id}"), None).await;
        assert_eq!(t["reportedAgentVersion"], "9.9.9", "{t}");
        assert_eq!(t["state"], "online", "{t}");
    }
    hub.stop().await;
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    String::from_utf8(base64::engine::general_purpose::STANDARD.decode(s).unwrap()).unwrap()
}

async fn post_status(hub: &TestHub, jwt: &str, revision: &str, kind: &str, message: &str) -> (StatusCode, String) {
    let res = hub
        .agent_req(Method::POST, "/api/v1/agent/status", jwt)
        .json(&json!({"revisionId": revision, "type": kind, "message": message}))
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn statuses_are_folded_and_paginated(hub: TestHub) {
    let (target, _, jwt) = hub.agent("edge").await;
    let (_, version) = hub.docker_app("web").await;
    let d = hub.deploy(&target, &version, json!({})).await;
    let (id, rev) = (d["id"].as_str().unwrap(), d["revision"]["id"].as_str().unwrap());
    assert_eq!(d["state"], "no-status");
    assert_eq!(post_status(&hub, &jwt, rev, "progressing", "pulling").await.0, StatusCode::OK);
    for _ in 0..5 {
        assert_eq!(post_status(&hub, &jwt, rev, "ok", "all up").await.0, StatusCode::OK);
    }
    let page = hub.ok(Method::GET, &format!("/api/v1/deployments/{id}/status"), None).await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "identical statuses fold into one row: {page}");
    assert_eq!((items[0]["type"].as_str(), items[0]["count"].as_i64()), (Some("running"), Some(5)));
    assert_eq!(items[1]["type"], "progressing");
    let d = hub.ok(Method::GET, &format!("/api/v1/deployments/{id}"), None).await;
    assert_eq!(d["state"], "running");

    for i in 0..7 {
        post_status(&hub, &jwt, rev, if i % 2 == 0 { "healthy" } else { "error" }, &format!("m{i}")).await;
    }
    let mut seen = 0;
    let mut before: Option<String> = None;
    loop {
        let path = match &before {
            Some(b) => format!("/api/v1/deployments/{id}/status?limit=4&before={b}"),
            None => format!("/api/v1/deployments/{id}/status?limit=4"),
        };
        let page = hub.ok(Method::GET, &path, None).await;
        seen += page["items"].as_array().unwrap().len();
        match page["next"].as_str() {
            Some(n) => before = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, 9);
    let (status, text) = post_status(&hub, &jwt, rev, "fine", "x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("unknown variant `fine`"), "{text}");
    hub.stop().await;
}

async fn status_for_foreign_revision_is_refused(hub: TestHub) {
    let (a, _, jwt_a) = hub.agent("a").await;
    let (b, _, jwt_b) = hub.agent("b").await;
    let (_, version) = hub.docker_app("web").await;
    hub.deploy(&a, &version, json!({})).await;
    let db = hub.deploy(&b, &version, json!({})).await;
    let rev_b = db["revision"]["id"].as_str().unwrap();
    let (status, text) = post_status(&hub, &jwt_a, rev_b, "healthy", "pwned").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("does not belong to a deployment of this target"), "{text}");
    // A's token never shows B's deployments.
    let res_a = hub.resources(&jwt_a).await;
    assert_eq!(res_a["deployments"].as_array().unwrap().len(), 1);
    assert_ne!(res_a["deployments"][0]["id"], db["id"]);
    assert_eq!(post_status(&hub, &jwt_b, rev_b, "healthy", "mine").await.0, StatusCode::OK);
    hub.stop().await;
}

async fn logs_are_scoped_filtered_and_followed(hub: TestHub) {
    let (a, _, jwt_a) = hub.agent("a").await;
    let (b, _, _) = hub.agent("b").await;
    let (_, version) = hub.docker_app("web").await;
    let da = hub.deploy(&a, &version, json!({})).await;
    let db = hub.deploy(&b, &version, json!({})).await;
    let line = |d: &Value, resource: &str, ts: &str, body: &str| {
        json!({"deploymentId": d["id"], "deploymentRevisionId": d["revision"]["id"], "resource": resource,
               "timestamp": ts, "severity": "Log", "body": body})
    };
    let batch = json!([
        line(&da, "web-1", "2026-01-01T00:00:01.123456789Z", "one"),
        line(&da, "db-1", "2026-01-01T00:00:02Z", "two"),
        line(&da, "web-1", "2026-01-01T00:00:03Z", "three"),
        line(&db, "web-1", "2026-01-01T00:00:04Z", "forged into B"),
    ]);
    let res = hub.agent_req(Method::PUT, "/api/v1/agent/logs", &jwt_a).json(&batch).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let ida = da["id"].as_str().unwrap();
    let all = hub.ok(Method::GET, &format!("/api/v1/deployments/{ida}/logs"), None).await;
    let bodies: Vec<&str> = all["items"].as_array().unwrap().iter().map(|l| l["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["one", "two", "three"]);
    assert_eq!(all["items"][0]["timestamp"], "2026-01-01T00:00:01.123456789Z");
    let b_logs = hub.ok(Method::GET, &format!("/api/v1/deployments/{}/logs", db["id"].as_str().unwrap()), None).await;
    assert_eq!(b_logs["items"], json!([]), "A cannot write B's logs");

    let web = hub.ok(Method::GET, &format!("/api/v1/deployments/{ida}/logs?resource=web-1"), None).await;
    assert_eq!(web["items"].as_array().unwrap().len(), 2);
    let window = hub
        .ok(
            Method::GET,
            &format!("/api/v1/deployments/{ida}/logs?since=2026-01-01T00:00:02Z&until=2026-01-01T00:00:03Z"),
            None,
        )
        .await;
    assert_eq!(window["items"][0]["body"], "two");
    assert_eq!(window["items"].as_array().unwrap().len(), 1);
    let tail = hub.ok(Method::GET, &format!("/api/v1/deployments/{ida}/logs?limit=1"), None).await;
    assert_eq!(tail["items"][0]["body"], "three");
    let cursor = all["cursor"].as_i64().unwrap();
    let res = hub
        .agent_req(Method::PUT, "/api/v1/agent/logs", &jwt_a)
        .json(&json!([line(&da, "web-1", "2026-01-01T00:00:05Z", "four")]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let follow = hub.ok(Method::GET, &format!("/api/v1/deployments/{ida}/logs?after={cursor}"), None).await;
    assert_eq!(follow["items"].as_array().unwrap().len(), 1);
    assert_eq!(follow["items"][0]["body"], "four");
    let resources = hub.ok(Method::GET, &format!("/api/v1/deployments/{ida}/resources"), None).await;
    assert_eq!(resources, json!(["db-1", "web-1"]));

    let res =
        hub.agent_req(Method::PUT, "/api/v1/agent/logs", &jwt_a).json(&json!([{"body": 1}])).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "a malformed batch is refused so the agent drops it");
    hub.stop().await;
}

async fn metrics_and_agent_logs_round_trip(hub: TestHub) {
    let (target, _, jwt) = hub.agent("edge").await;
    for usage in [0.25, 0.5] {
        let res = hub
            .agent_req(Method::POST, "/api/v1/agent/metrics", &jwt)
            .json(&json!({"cpuCoresMillis": 2000, "cpuUsage": usage, "memoryBytes": 1024, "memoryUsage": 0.5,
                          "diskMetrics": [{"device": "/dev/vda", "path": "/", "fsType": "ext4", "bytesTotal": 10, "bytesUsed": 5}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let bad = hub
        .agent_req(Method::POST, "/api/v1/agent/metrics", &jwt)
        .json(&json!({"cpuCoresMillis": 1, "cpuUsage": 7.0, "memoryBytes": 1, "memoryUsage": 0.1}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let m = hub.ok(Method::GET, &format!("/api/v1/targets/{target}/metrics"), None).await;
    assert_eq!(m["latest"]["cpuUsage"], 0.5);
    assert_eq!(m["history"].as_array().unwrap().len(), 2);
    assert_eq!(m["latest"]["diskMetrics"][0]["fsType"], "ext4");

    let res = hub
        .agent_req(Method::PUT, "/api/v1/agent/deployment-target-logs", &jwt)
        .json(&json!([{"timestamp": "2026-01-01T00:00:00Z", "severity": "INFO", "body": "started"},
                      {"timestamp": "2026-01-01T00:00:01Z", "severity": "WARN", "body": "slow"}]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = hub
        .agent_req(Method::PUT, "/api/v1/agent/deployment-target-logs", &jwt)
        .json(&json!({"timestamp": "2026-01-01T00:00:02Z", "severity": "INFO", "body": "single"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let logs = hub.ok(Method::GET, &format!("/api/v1/targets/{target}/logs"), None).await;
    let bodies: Vec<&str> = logs["items"].as_array().unwrap().iter().map(|l| l["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["started", "slow", "single"]);
    hub.stop().await;
}

async fn forged_expired_wrong_audience_and_foreign_tokens_get_401(hub: TestHub) {
    let (target, _, _) = hub.agent("edge").await;
    let target_id: uuid::Uuid = target.parse().unwrap();
    let me = hub.ok(Method::GET, "/api/v1/me", None).await;
    let org: uuid::Uuid = me["organizationId"].as_str().unwrap().parse().unwrap();
    let key = MasterKey::from_hex(&std::fs::read_to_string(hub.dir.path().join("hub.key")).unwrap()).unwrap();
    let issuer = TokenIssuer::new(&key);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims =
        |sub, org, aud: &str, iat: i64, exp: i64| AgentClaims { sub, aud: aud.into(), org, iat, nbf: iat, exp };

    let forged = TokenIssuer::new(&MasterKey::generate().unwrap())
        .sign(&claims(target_id, org, "agent", now, now + 60))
        .unwrap();
    let expired = issuer.sign(&claims(target_id, org, "agent", now - 7200, now - 3600)).unwrap();
    let wrong_aud = issuer.sign(&claims(target_id, org, "user", now, now + 60)).unwrap();
    let other_org = issuer.sign(&claims(target_id, uuid::Uuid::new_v4(), "agent", now, now + 60)).unwrap();
    let unknown_target = issuer.sign(&claims(uuid::Uuid::new_v4(), org, "agent", now, now + 60)).unwrap();
    let good = issuer.sign(&claims(target_id, org, "agent", now, now + 60)).unwrap();
    for (what, token) in [
        ("forged", forged.as_str()),
        ("expired", &expired),
        ("wrong audience", &wrong_aud),
        ("other organization", &other_org),
        ("unknown target", &unknown_target),
        ("garbage", "a.b.c"),
    ] {
        let res = hub.agent_req(Method::GET, "/api/v1/agent/resources", token).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{what}");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"), "{what}");
    }
    hub.resources(&good).await;
    hub.stop().await;
}

async fn repeated_logins_are_rate_limited(hub: TestHub) {
    let (target, secret, _) = hub.agent("edge").await;
    let mut limited = None;
    for i in 0..20 {
        match hub.login(&target, &secret).await {
            Ok(_) => {}
            Err((StatusCode::TOO_MANY_REQUESTS, text)) => {
                limited = Some((i, text));
                break;
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    let (i, text) = limited.expect("logins must be rate limited");
    assert!(i < 10, "limited after {i} logins");
    assert!(text.contains("too many requests"), "{text}");
    // Another target is unaffected.
    let (other, other_secret, _) = hub.agent("other").await;
    hub.login(&other, &other_secret).await.unwrap();
    hub.stop().await;
}

async fn malformed_and_oversized_bodies_are_refused(hub: TestHub) {
    let (_, _, jwt) = hub.agent("edge").await;
    let res = hub
        .api(Method::POST, "/api/v1/targets")
        .header("content-type", "application/json")
        .body("{\"name\": \"x\", ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let err: Value = res.json().await.unwrap();
    assert!(err["error"].as_str().unwrap().starts_with("malformed JSON"), "{err}");
    let res =
        hub.api(Method::POST, "/api/v1/targets").json(&json!({"name": 5, "type": "docker"})).send().await.unwrap();
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["field"], "name", "{err}");

    let res = hub.agent_req(Method::POST, "/api/v1/agent/status", &jwt).body("not json").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().starts_with("malformed JSON"));

    let huge = vec![b'x'; 50 * 1024 * 1024];
    let res = hub.api(Method::POST, "/api/v1/applications").body(huge.clone()).send().await;
    match res {
        Ok(r) => assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE),
        // The hub may close the connection before the client finished sending.
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
    let res = hub.agent_req(Method::PUT, "/api/v1/agent/logs", &jwt).body(huge).send().await;
    if let Ok(r) = res {
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
    // Still serving.
    hub.ok(Method::GET, "/api/v1/targets", None).await;
    hub.stop().await;
}

async fn hostile_names_are_stored_verbatim(hub: TestHub) {
    let names = ["Robert'); DROP TABLE targets;--", "\"quoted\" `back` \\slash", "ünïcödé 🚢 名前", "' OR '1'='1"];
    for name in names {
        let t = hub.ok(Method::POST, "/api/v1/targets", Some(json!({"name": name, "type": "docker"}))).await;
        let back = hub.ok(Method::GET, &format!("/api/v1/targets/{}", t["id"].as_str().unwrap()), None).await;
        assert_eq!(back["name"], name);
        let a = hub.ok(Method::POST, "/api/v1/applications", Some(json!({"name": name, "type": "docker"}))).await;
        assert_eq!(a["name"], name);
    }
    let listed = hub.ok(Method::GET, "/api/v1/targets", None).await;
    assert_eq!(listed.as_array().unwrap().len(), names.len());
    hub.stop().await;
}

async fn secrets_are_templated_and_protected(hub: TestHub) {
    let (target, _, jwt) = hub.agent("edge").await;
    let (_, version) = hub.docker_app("web").await;
    let (status, err) = hub
        .json(
            Method::POST,
            "/api/v1/deployments",
            Some(json!({"targetId": target, "applicationVersionId": version, "envFile": "DB={{ .Secrets.DB_PASSWORD }}\n"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["field"], "envFile");
    assert!(err["error"].as_str().unwrap().contains("\"DB_PASSWORD\""), "{err}");

    let (status, err) = hub.json(Method::PUT, "/api/v1/secrets/not-valid", Some(json!({"value": "x"}))).await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("key")));
    let plaintext = "s3cr3t-value-that-must-not-leak";
    hub.ok(Method::PUT, "/api/v1/secrets/DB_PASSWORD", Some(json!({"value": plaintext}))).await;
    hub.ok(Method::PUT, "/api/v1/secrets/REG_TOKEN", Some(json!({"value": "regpass"}))).await;
    let listed = hub.ok(Method::GET, "/api/v1/secrets", None).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(!listed.to_string().contains(plaintext), "values are never returned");

    let d = hub
        .deploy(
            &target,
            &version,
            json!({"envFile": "DB={{ .Secrets.DB_PASSWORD }}\n",
                   "registryAuth": {"registry.example.com:5000": {"username": "bot", "password": "{{ .Secrets.REG_TOKEN }}"}}}),
        )
        .await;
    assert_eq!(d["revision"]["envFile"], "DB={{ .Secrets.DB_PASSWORD }}\n", "stored with the reference");
    assert_eq!(d["revision"]["registryHosts"], json!(["registry.example.com:5000"]));
    assert!(!d.to_string().contains("regpass"));
    let res = hub.resources(&jwt).await;
    let dep = &res["deployments"][0];
    assert_eq!(b64(dep["envFile"].as_str().unwrap()), format!("DB={plaintext}\n"));
    assert_eq!(dep["registryAuth"]["registry.example.com:5000"], json!({"username": "bot", "password": "regpass"}));

    let (status, err) = hub.json(Method::DELETE, "/api/v1/secrets/DB_PASSWORD", None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(err["error"].as_str().unwrap().contains("web on edge"), "{err}");
    let (status, err) = hub.json(Method::DELETE, "/api/v1/secrets/REG_TOKEN", None).await;
    assert_eq!(status, StatusCode::CONFLICT, "registry credentials count as references: {err}");

    // Rotation reaches the agent on its next poll.
    hub.ok(Method::PUT, "/api/v1/secrets/DB_PASSWORD", Some(json!({"value": "rotated"}))).await;
    let res = hub.resources(&jwt).await;
    assert_eq!(b64(res["deployments"][0]["envFile"].as_str().unwrap()), "DB=rotated\n");

    if hub.backend == Backend::Sqlite {
        let mut bytes = std::fs::read(hub.dir.path().join("ferry.db")).unwrap();
        bytes.extend(std::fs::read(hub.dir.path().join("ferry.db-wal")).unwrap_or_default());
        for needle in [plaintext, "rotated", "regpass"] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()), "{needle} stored in clear");
        }
    }
    hub.stop().await;
}

async fn kubernetes_deployments_merge_values(hub: TestHub) {
    let kube_target = hub
        .ok(Method::POST, "/api/v1/targets", Some(json!({"name": "k", "type": "kubernetes", "namespace": "apps"})))
        .await;
    let target = kube_target["id"].as_str().unwrap();
    let secret = hub.access(target).await["targetSecret"].as_str().unwrap().to_string();
    let jwt = hub.login(target, &secret).await.unwrap();
    let app =
        hub.ok(Method::POST, "/api/v1/applications", Some(json!({"name": "Web App", "type": "kubernetes"}))).await;
    let v = hub
        .ok(
            Method::POST,
            &format!("/api/v1/applications/{}/versions", app["id"].as_str().unwrap()),
            Some(json!({"name": "1.0.0", "chartType": "repository", "chartUrl": "https://charts.example.com",
                        "chartName": "web", "chartVersion": "1.2.3",
                        "baseValues": "image:\n  tag: v1\n  pullPolicy: IfNotPresent\nreplicas: 1\n"})),
        )
        .await;
    let vid = v["id"].as_str().unwrap();
    // The application name is not a DNS label, so the release name must be given.
    let (status, err) = hub
        .json(Method::POST, "/api/v1/deployments", Some(json!({"targetId": target, "applicationVersionId": vid})))
        .await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("releaseName")), "{err}");
    let (status, err) = hub
        .json(
            Method::POST,
            "/api/v1/deployments",
            Some(json!({"targetId": target, "applicationVersionId": vid, "releaseName": "web", "values": "- list\n"})),
        )
        .await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("values")), "{err}");
    let (status, err) = hub
        .json(
            Method::POST,
            "/api/v1/deployments",
            Some(json!({"targetId": target, "applicationVersionId": vid, "releaseName": "web",
                        "helmOptions": {"timeout": "five minutes"}})),
        )
        .await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("helmOptions.timeout")), "{err}");
    let d = hub
        .deploy(
            target,
            vid,
            json!({"releaseName": "web", "values": "image:\n  tag: v2\nextra: true\n",
                   "helmOptions": {"timeout": "5m0s", "rollbackOnFailure": true}, "ignoreRevisionSkew": true}),
        )
        .await;
    assert_eq!(d["releaseName"], "web");
    let res = hub.resources(&jwt).await;
    assert_eq!(res["namespace"], "apps");
    let dep = &res["deployments"][0];
    assert_eq!(dep["releaseName"], "web");
    assert_eq!(
        (dep["chartUrl"].as_str(), dep["chartName"].as_str(), dep["chartVersion"].as_str()),
        (Some("https://charts.example.com"), Some("web"), Some("1.2.3"))
    );
    assert_eq!(
        dep["values"],
        json!({"image": {"tag": "v2", "pullPolicy": "IfNotPresent"}, "replicas": 1, "extra": true})
    );
    assert_eq!(dep["helmOptions"], json!({"timeout": "5m0s", "rollbackOnFailure": true}));
    assert_eq!(dep["ignoreRevisionSkew"], true);
    assert!(dep["composeFile"].is_null() && dep["dockerType"].is_null());
    // The release name is fixed once created.
    let (status, err) = hub
        .json(
            Method::PUT,
            &format!("/api/v1/deployments/{}", d["id"].as_str().unwrap()),
            Some(json!({"applicationVersionId": vid, "releaseName": "other"})),
        )
        .await;
    assert_eq!((status, err["field"].as_str()), (StatusCode::BAD_REQUEST, Some("releaseName")));
    hub.stop().await;
}

async fn agent_version_moves_trigger_self_update(hub: TestHub) {
    let (target, _, jwt) = hub.agent("edge").await;
    let before = hub.resources(&jwt).await;
    assert_eq!(before["version"]["name"], ferry_hub::VERSION);
    let newer = hub
        .ok(Method::POST, "/api/v1/agent-versions", Some(json!({"name": "99.0.0", "image": "ferry-agent:99"})))
        .await;
    let (status, _) = hub
        .json(Method::POST, "/api/v1/agent-versions", Some(json!({"name": "99.0.0", "image": "ferry-agent:99"})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    hub.ok(Method::PATCH, &format!("/api/v1/targets/{target}"), Some(json!({"agentVersionId": newer["id"]}))).await;
    let after = hub.resources(&jwt).await;
    assert_eq!(after["version"]["id"], newer["id"]);
    let manifest =
        hub.agent_req(Method::GET, "/api/v1/agent/manifest", &jwt).send().await.unwrap().text().await.unwrap();
    assert!(manifest.contains("image: \"ferry-agent:99\""), "{manifest}");
    assert!(manifest.contains(&format!("FERRY_AGENT_VERSION_ID: \"{}\"", newer["id"].as_str().unwrap())));
    let versions = hub.ok(Method::GET, "/api/v1/agent-versions", None).await;
    assert_eq!(versions.as_array().unwrap().len(), 2);
    hub.stop().await;
}

async fn concurrent_writers_never_fail(hub: TestHub) {
    let (target, _, jwt) = hub.agent("edge").await;
    let (_, version) = hub.docker_app("web").await;
    let d = hub.deploy(&target, &version, json!({})).await;
    let rev = d["revision"]["id"].as_str().unwrap().to_string();
    let id = d["id"].as_str().unwrap().to_string();
    let hub = std::sync::Arc::new(hub);
    let mut tasks = Vec::new();
    for i in 0..60 {
        let hub = hub.clone();
        let (jwt, rev, id, target, version) = (jwt.clone(), rev.clone(), id.clone(), target.clone(), version.clone());
        tasks.push(tokio::spawn(async move {
            match i % 4 {
                0 => post_status(&hub, &jwt, &rev, "healthy", &format!("tick {i}")).await.0,
                1 => {
                    let line = json!([{"deploymentId": id, "deploymentRevisionId": rev, "resource": "web",
                                       "timestamp": "2026-01-01T00:00:00Z", "severity": "Log", "body": format!("l{i}")}]);
                    hub.agent_req(Method::PUT, "/api/v1/agent/logs", &jwt).json(&line).send().await.unwrap().status()
                }
                2 => {
                    let body = json!({"targetId": target, "applicationVersionId": version, "envFile": format!("N={i}\n")});
                    hub.api(Method::POST, "/api/v1/deployments").json(&body).send().await.unwrap().status()
                }
                _ => hub
                    .api(Method::PUT, &format!("/api/v1/secrets/S{i}"))
                    .json(&json!({"value": "v"}))
                    .send()
                    .await
                    .unwrap()
                    .status(),
            }
        }));
    }
    for t in tasks {
        let status = t.await.unwrap();
        assert!(status.is_success(), "a concurrent write failed with {status}");
    }
    let revisions = hub.ok(Method::GET, &format!("/api/v1/deployments/{id}/revisions"), None).await;
    assert_eq!(revisions.as_array().unwrap().len(), 16);
    std::sync::Arc::into_inner(hub).unwrap().stop().await;
}

async fn undeploy_removes_from_desired_state(hub: TestHub) {
    let (target, _, jwt) = hub.agent("edge").await;
    let (app, version) = hub.docker_app("web").await;
    let d = hub.deploy(&target, &version, json!({})).await;
    let again = hub.deploy(&target, &version, json!({"forceRestart": true})).await;
    assert_eq!(again["id"], d["id"], "deploying the same application again adds a revision");
    assert_ne!(again["revision"]["id"], d["revision"]["id"]);
    let (status, _) = hub.json(Method::DELETE, &format!("/api/v1/targets/{target}"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "targets with deployments are not deleted");
    assert_eq!(hub.resources(&jwt).await["deployments"].as_array().unwrap().len(), 1);
    let (status, _) =
        hub.json(Method::DELETE, &format!("/api/v1/deployments/{}", d["id"].as_str().unwrap()), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(hub.resources(&jwt).await.get("deployments").is_none());
    let (status, _) =
        hub.json(Method::DELETE, &format!("/api/v1/deployments/{}", d["id"].as_str().unwrap()), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    hub.ok(Method::DELETE, &format!("/api/v1/applications/{app}"), None).await;
    let (status, _) = hub.json(Method::DELETE, &format!("/api/v1/targets/{target}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let res = hub.agent_req(Method::GET, "/api/v1/agent/resources", &jwt).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "a deleted target's token stops working");
    hub.stop().await;
}

async fn organizations_are_isolated(hub: TestHub) {
    let (target, _, _) = hub.agent("edge").await;
    let (app, version) = hub.docker_app("web").await;
    let d = hub.deploy(&target, &version, json!({})).await;
    let other_token = ferry_hub::crypto::new_api_token().unwrap();
    hub.hub()
        .store
        .create_organization(
            "Other",
            "other@example.com",
            &ferry_hub::crypto::token_digest(&other_token),
            time::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
    let get = |path: String| {
        let req = hub.http.get(format!("{}{path}", hub.url)).bearer_auth(&other_token);
        async move { req.send().await.unwrap() }
    };
    assert_eq!(get("/api/v1/targets".into()).await.json::<Value>().await.unwrap(), json!([]));
    assert_eq!(get("/api/v1/deployments".into()).await.json::<Value>().await.unwrap(), json!([]));
    for path in [
        format!("/api/v1/targets/{target}"),
        format!("/api/v1/applications/{app}"),
        format!("/api/v1/deployments/{}", d["id"].as_str().unwrap()),
        format!("/api/v1/deployments/{}/logs", d["id"].as_str().unwrap()),
        format!("/api/v1/targets/{target}/metrics"),
    ] {
        assert_eq!(get(path.clone()).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let res = hub
        .http
        .post(format!("{}/api/v1/targets/{target}/access", hub.url))
        .bearer_auth(&other_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = hub
        .http
        .post(format!("{}/api/v1/deployments", hub.url))
        .bearer_auth(&other_token)
        .json(&json!({"targetId": target, "applicationVersionId": version}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    hub.stop().await;
}

async fn health_readiness_and_prometheus(hub: TestHub) {
    let (_, _, jwt) = hub.agent("edge").await;
    hub.resources(&jwt).await;
    for (path, want) in [("/healthz", "ok\n"), ("/readyz", "ready\n")] {
        let res = hub.http.get(format!("{}{path}", hub.url)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.text().await.unwrap(), want);
    }
    let text = hub.http.get(format!("{}/metrics", hub.url)).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("ferry_agents_seen_last_minute 1\n"), "{text}");
    assert!(
        text.contains(r#"ferry_http_requests_total{route="/api/v1/agent/resources",method="GET",status="200"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"ferry_http_request_duration_seconds_count{route="/api/v1/agent/login"} 1"#), "{text}");
    let res = hub.http.get(format!("{}/nope", hub.url)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    hub.stop().await;
}

async fn retention_prunes_old_rows(hub: TestHub) {
    let (target, _, jwt) = hub.agent("edge").await;
    let (_, version) = hub.docker_app("web").await;
    let d = hub.deploy(&target, &version, json!({})).await;
    let rev = d["revision"]["id"].as_str().unwrap();
    for i in 0..3 {
        post_status(&hub, &jwt, rev, "healthy", &format!("m{i}")).await;
        hub.agent_req(Method::POST, "/api/v1/agent/metrics", &jwt)
            .json(&json!({"cpuCoresMillis": 1000, "cpuUsage": 0.1 * (i + 1) as f64, "memoryBytes": 10, "memoryUsage": 0.5}))
            .send()
            .await
            .unwrap();
    }
    let now = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap();
    let lines: Vec<Value> = (0..10)
        .map(|i| {
            json!({"deploymentId": d["id"], "deploymentRevisionId": rev, "resource": "web",
                        "timestamp": now, "severity": "Log", "body": format!("l{i}")})
        })
        .collect();
    hub.agent_req(Method::PUT, "/api/v1/agent/logs", &jwt).json(&lines).send().await.unwrap();

    let store = &hub.hub().store;
    let mut retention = ferry_hub::store::Retention::DEFAULT;
    retention.logs_per_deployment = 4;
    let pruned = store.prune(time::OffsetDateTime::now_utc(), &retention).await.unwrap();
    assert_eq!(pruned.logs, 6, "capped at 4 lines per deployment");
    let later = time::OffsetDateTime::now_utc() + time::Duration::days(200);
    let pruned = store.prune(later, &retention).await.unwrap();
    assert_eq!(pruned.metrics, 3, "raw samples past 7 days are rolled up");
    assert_eq!(pruned.statuses, 2, "old statuses go, the latest stays");
    let id = d["id"].as_str().unwrap();
    let statuses = hub.ok(Method::GET, &format!("/api/v1/deployments/{id}/status"), None).await;
    assert_eq!(statuses["items"].as_array().unwrap().len(), 1);
    assert_eq!(statuses["items"][0]["message"], "m2");
    let m = hub.ok(Method::GET, &format!("/api/v1/targets/{target}/metrics?since=2000-01-01T00:00:00Z"), None).await;
    let history = m["history"].as_array().unwrap();
    assert_eq!(history.len(), 1, "one hourly average: {m}");
    assert!((history[0]["cpuUsage"].as_f64().unwrap() - 0.2).abs() < 1e-9);
    assert!(m["latest"].is_null());
    hub.stop().await;
}
