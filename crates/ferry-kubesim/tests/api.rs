//! The API surface, in process through the router (a tower service).

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use ferry_kubesim::{Fault, RequestMatch, Sim, SimOptions};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

fn sim() -> Sim {
    Sim::new(SimOptions {
        ready_delay: Duration::from_millis(20),
        job_duration: Duration::from_millis(20),
        bookmark_interval: Duration::from_millis(100),
        ..SimOptions::default()
    })
}

async fn call_with(
    router: &Router,
    method: &str,
    uri: &str,
    content_type: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> (u16, Value) {
    let mut request = Request::builder().method(method).uri(uri).header("content-type", content_type);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response =
        router.clone().oneshot(request.body(body.map(Body::from).unwrap_or_else(Body::empty)).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value =
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, value)
}

async fn call(router: &Router, method: &str, uri: &str, body: Option<Value>) -> (u16, Value) {
    call_with(router, method, uri, "application/json", &[], body.map(|b| b.to_string())).await
}

async fn patch(router: &Router, uri: &str, content_type: &str, body: Value) -> (u16, Value) {
    call_with(router, "PATCH", uri, content_type, &[], Some(body.to_string())).await
}

fn deployment(name: &str, replicas: i64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}})
}

const DEPLOYMENTS: &str = "/apis/apps/v1/namespaces/default/deployments";
const CONFIGMAPS: &str = "/api/v1/namespaces/default/configmaps";

#[tokio::test]
async fn discovery_serves_builtin_kinds_and_crds() {
    let sim = sim();
    let r = sim.router();
    let (code, version) = call(&r, "GET", "/version", None).await;
    assert_eq!((code, version["gitVersion"].as_str()), (200, Some("v1.35.0")));
    let (_, core) = call(&r, "GET", "/api/v1", None).await;
    let pods = core["resources"].as_array().unwrap().iter().find(|r| r["name"] == "pods").unwrap().clone();
    assert_eq!(pods["namespaced"], true);
    assert!(core["resources"].as_array().unwrap().iter().any(|r| r["name"] == "pods/log"));
    let (_, groups) = call(&r, "GET", "/apis", None).await;
    assert!(
        groups["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "apps" && g["preferredVersion"]["version"] == "v1")
    );
    assert_eq!(call(&r, "GET", "/apis/example.com/v1", None).await.0, 404);

    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced", "names": {"plural": "widgets", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}}}]}});
    assert_eq!(call(&r, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", Some(crd)).await.0, 201);
    let (code, list) = call(&r, "GET", "/apis/example.com/v1", None).await;
    assert_eq!(code, 200);
    assert!(list["resources"].as_array().unwrap().iter().any(|r| r["name"] == "widgets/status"));
    let widget =
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 1}});
    let (code, created) = call(&r, "POST", "/apis/example.com/v1/namespaces/default/widgets", Some(widget)).await;
    assert_eq!((code, created["metadata"]["generation"].as_i64()), (201, Some(1)));

    let accept = [("accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")];
    let (_, aggregated) = call_with(&r, "GET", "/apis", "application/json", &accept, None).await;
    assert_eq!(aggregated["kind"], "APIGroupDiscoveryList");
    assert!(aggregated["items"].as_array().unwrap().iter().any(|g| g["metadata"]["name"] == "example.com"));

    // Deleting the CRD stops serving its kind and drops its objects.
    assert_eq!(
        call(&r, "DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com", None).await.0,
        200
    );
    assert_eq!(call(&r, "GET", "/apis/example.com/v1/namespaces/default/widgets/w", None).await.0, 404);
}

#[tokio::test]
async fn objects_get_metadata_and_errors_are_kubernetes_statuses() {
    let sim = sim();
    let r = sim.router();
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "v"}});
    let (code, created) = call(&r, "POST", CONFIGMAPS, Some(cm.clone())).await;
    assert_eq!(code, 201);
    for key in ["uid", "resourceVersion", "creationTimestamp", "managedFields"] {
        assert!(!created["metadata"][key].is_null(), "{key} missing: {created}");
    }
    let (code, status) = call(&r, "POST", CONFIGMAPS, Some(cm)).await;
    assert_eq!(code, 409);
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["reason"], "AlreadyExists");
    assert_eq!(status["message"], "configmaps \"a\" already exists");

    let mut stale = created.clone();
    stale["data"]["k"] = json!("w");
    assert_eq!(call(&r, "PUT", &format!("{CONFIGMAPS}/a"), Some(stale.clone())).await.0, 200);
    let (code, status) = call(&r, "PUT", &format!("{CONFIGMAPS}/a"), Some(stale)).await;
    assert_eq!((code, status["reason"].as_str()), (409, Some("Conflict")));

    let (code, status) = call(&r, "GET", "/apis/apps/v1/namespaces/default/deployments/nope", None).await;
    assert_eq!((code, status["message"].as_str()), (404, Some("deployments.apps \"nope\" not found")));
    assert_eq!(status["details"], json!({"name": "nope", "group": "apps", "kind": "deployments"}));

    let bad = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Not_Valid"}});
    let (code, status) = call(&r, "POST", CONFIGMAPS, Some(bad)).await;
    assert_eq!((code, status["reason"].as_str()), (422, Some("Invalid")));
    let (code, status) =
        call(&r, "POST", "/api/v1/namespaces/missing/configmaps", Some(json!({"metadata": {"name": "x"}}))).await;
    assert_eq!((code, status["message"].as_str()), (404, Some("namespaces \"missing\" not found")));
    // A secret's stringData is stored as base64 data.
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"p": "hi"}});
    let (_, stored) = call(&r, "POST", "/api/v1/namespaces/default/secrets", Some(secret)).await;
    assert_eq!(stored["data"]["p"], "aGk=");
    assert!(stored.get("stringData").is_none());
}

#[tokio::test]
async fn lists_filter_by_selectors_and_paginate_with_expiring_continue_tokens() {
    let sim = sim();
    let r = sim.router();
    for i in 0..5 {
        let tier = if i % 2 == 0 { "front" } else { "back" };
        let cm = json!({"metadata": {"name": format!("cm-{i}"), "labels": {"tier": tier}}});
        call(&r, "POST", CONFIGMAPS, Some(cm)).await;
    }
    let names = |list: &Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let (_, front) = call(&r, "GET", &format!("{CONFIGMAPS}?labelSelector=tier%3Dfront"), None).await;
    assert_eq!(names(&front), ["cm-0", "cm-2", "cm-4"]);
    let (_, set) = call(&r, "GET", &format!("{CONFIGMAPS}?labelSelector=tier%20notin%20(front)"), None).await;
    assert_eq!(names(&set), ["cm-1", "cm-3"]);
    let (_, one) = call(&r, "GET", &format!("{CONFIGMAPS}?fieldSelector=metadata.name%3Dcm-3"), None).await;
    assert_eq!(names(&one), ["cm-3"]);

    let (_, page1) = call(&r, "GET", &format!("{CONFIGMAPS}?limit=2"), None).await;
    assert_eq!(names(&page1), ["cm-0", "cm-1"]);
    assert_eq!(page1["metadata"]["remainingItemCount"], 3);
    let token = page1["metadata"]["continue"].as_str().unwrap().to_string();
    let (_, page2) = call(&r, "GET", &format!("{CONFIGMAPS}?limit=2&continue={token}"), None).await;
    assert_eq!(names(&page2), ["cm-2", "cm-3"]);
    call(&r, "POST", CONFIGMAPS, Some(json!({"metadata": {"name": "later"}}))).await;
    sim.compact();
    let (code, status) = call(&r, "GET", &format!("{CONFIGMAPS}?limit=2&continue={token}"), None).await;
    assert_eq!((code, status["reason"].as_str()), (410, Some("Expired")));

    let (_, all) = call(&r, "GET", "/api/v1/configmaps", None).await;
    assert_eq!(all["kind"], "ConfigMapList");
    assert_eq!(all["items"].as_array().unwrap().len(), 6);
}

struct Watch(Body);

impl Watch {
    async fn open(router: &Router, uri: &str) -> Self {
        let response = router.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.status(), 200);
        Watch(response.into_body())
    }

    async fn next(&mut self) -> Option<Value> {
        let frame =
            tokio::time::timeout(Duration::from_secs(5), self.0.frame()).await.expect("no watch event within 5 s")?;
        let data = frame.unwrap().into_data().unwrap();
        Some(serde_json::from_slice(&data).unwrap())
    }

    /// The next event that is not a bookmark.
    async fn change(&mut self) -> Value {
        loop {
            let event = self.next().await.expect("watch ended");
            if event["type"] != "BOOKMARK" {
                return event;
            }
        }
    }
}

#[tokio::test]
async fn watches_stream_changes_with_bookmarks_and_answer_gone_for_old_versions() {
    let sim = sim();
    let r = sim.router();
    let (_, list) = call(&r, "GET", CONFIGMAPS, None).await;
    let rv = list["metadata"]["resourceVersion"].as_str().unwrap().to_string();
    let mut watch = Watch::open(
        &r,
        &format!("{CONFIGMAPS}?watch=true&resourceVersion={rv}&allowWatchBookmarks=true&labelSelector=app%3Dx"),
    )
    .await;
    call(&r, "POST", CONFIGMAPS, Some(json!({"metadata": {"name": "w", "labels": {"app": "x"}}}))).await;
    call(&r, "POST", CONFIGMAPS, Some(json!({"metadata": {"name": "other"}}))).await;
    patch(&r, &format!("{CONFIGMAPS}/w"), "application/merge-patch+json", json!({"data": {"a": "b"}})).await;
    patch(
        &r,
        &format!("{CONFIGMAPS}/w"),
        "application/merge-patch+json",
        json!({"metadata": {"labels": {"app": "y"}}}),
    )
    .await;
    let added = watch.change().await;
    assert_eq!((added["type"].as_str(), added["object"]["metadata"]["name"].as_str()), (Some("ADDED"), Some("w")));
    assert_eq!(watch.change().await["type"], "MODIFIED");
    // Leaving the selection reads as a deletion.
    assert_eq!(watch.change().await["type"], "DELETED");
    let bookmark = loop {
        let event = watch.next().await.unwrap();
        if event["type"] == "BOOKMARK" {
            break event;
        }
    };
    assert!(
        bookmark["object"]["metadata"]["resourceVersion"].as_str().unwrap().parse::<u64>().unwrap()
            >= rv.parse().unwrap()
    );

    // Resuming from an old resourceVersion replays what happened since.
    let mut replay = Watch::open(&r, &format!("{CONFIGMAPS}?watch=1&resourceVersion={rv}")).await;
    assert_eq!(replay.change().await["object"]["metadata"]["name"], "w");

    // sendInitialEvents: the current objects, then a bookmark that ends them.
    let mut initial = Watch::open(
        &r,
        &format!(
            "{CONFIGMAPS}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"
        ),
    )
    .await;
    let mut names = Vec::new();
    loop {
        let event = initial.next().await.unwrap();
        if event["type"] == "BOOKMARK" {
            assert_eq!(event["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");
            break;
        }
        names.push(event["object"]["metadata"]["name"].as_str().unwrap().to_string());
    }
    assert_eq!(names, ["other", "w"]);

    sim.compact();
    let mut gone = Watch::open(&r, &format!("{CONFIGMAPS}?watch=1&resourceVersion={rv}")).await;
    let error = gone.next().await.unwrap();
    assert_eq!(error["type"], "ERROR");
    assert_eq!(error["object"]["code"], 410);
    assert!(gone.next().await.is_none(), "the watch ends after the error");

    // A dropped watch ends its stream.
    sim.faults().drop_watches();
    let mut ended = watch;
    while let Some(event) = ended.next().await {
        assert_eq!(event["type"], "BOOKMARK");
    }
}

#[tokio::test]
async fn server_side_apply_reports_conflicts_honours_force_and_removes_dropped_fields() {
    let sim = sim();
    let r = sim.router();
    let url = format!("{DEPLOYMENTS}/web");
    let apply = "application/apply-patch+yaml";
    let mut config = deployment("web", 2);
    config["metadata"]["labels"]["extra"] = json!("1");
    let (code, created) = patch(&r, &format!("{url}?fieldManager=helm"), apply, config.clone()).await;
    assert_eq!(code, 201, "{created}");
    assert_eq!(created["metadata"]["managedFields"][0]["manager"], "helm");
    assert_eq!(created["metadata"]["managedFields"][0]["operation"], "Apply");

    let (code, _) = patch(
        &r,
        &format!("{url}?fieldManager=kubectl-edit"),
        "application/merge-patch+json",
        json!({"spec": {"replicas": 5}}),
    )
    .await;
    assert_eq!(code, 200);
    let (code, status) = patch(&r, &format!("{url}?fieldManager=helm"), apply, config.clone()).await;
    assert_eq!(code, 409);
    assert_eq!(status["reason"], "Conflict");
    assert_eq!(
        status["message"],
        "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using apps/v1: .spec.replicas"
    );
    assert_eq!(
        status["details"]["causes"][0],
        json!({"reason": "FieldManagerConflict", "message": "conflict with \"kubectl-edit\" using apps/v1", "field": ".spec.replicas"})
    );

    let (code, forced) = patch(&r, &format!("{url}?fieldManager=helm&force=true"), apply, config.clone()).await;
    assert_eq!((code, forced["spec"]["replicas"].as_i64()), (200, Some(2)));
    // Applying without a field the manager owned removes it.
    config["metadata"]["labels"].as_object_mut().unwrap().remove("extra");
    let (_, applied) = patch(&r, &format!("{url}?fieldManager=helm"), apply, config.clone()).await;
    assert_eq!(applied["metadata"]["labels"], json!({"app": "web"}));
    // A missing fieldManager is a validation error.
    assert_eq!(patch(&r, &url, apply, config).await.0, 422);
}

#[tokio::test]
async fn patches_of_each_type_status_subresource_and_generation() {
    let sim = sim();
    sim.controllers().set_paused(true);
    let r = sim.router();
    let (_, d) = call(&r, "POST", DEPLOYMENTS, Some(deployment("web", 1))).await;
    assert_eq!(d["metadata"]["generation"], 1);
    let url = format!("{DEPLOYMENTS}/web");
    let sidecar = json!({"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "busybox"}]}}}});
    let (code, merged) = patch(&r, &url, "application/strategic-merge-patch+json", sidecar).await;
    assert_eq!(code, 200);
    let names: Vec<&str> = merged["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["web", "sidecar"], "strategic merge keeps containers by name");
    assert_eq!(merged["metadata"]["generation"], 2);

    let (_, replaced) = patch(
        &r,
        &url,
        "application/merge-patch+json",
        json!({"spec": {"template": {"spec": {"containers": [{"name": "only", "image": "x"}]}}}}),
    )
    .await;
    assert_eq!(
        replaced["spec"]["template"]["spec"]["containers"].as_array().unwrap().len(),
        1,
        "merge patch replaces lists"
    );
    let (_, jp) = patch(
        &r,
        &url,
        "application/json-patch+json",
        json!([{"op": "replace", "path": "/spec/replicas", "value": 4}]),
    )
    .await;
    assert_eq!(jp["spec"]["replicas"], 4);
    let (code, failed) =
        patch(&r, &url, "application/json-patch+json", json!([{"op": "test", "path": "/spec/replicas", "value": 9}]))
            .await;
    assert_eq!((code, failed["reason"].as_str()), (422, Some("Invalid")));

    // The main resource ignores status; /status changes only status.
    let (_, ignored) = patch(&r, &url, "application/merge-patch+json", json!({"status": {"replicas": 7}})).await;
    assert!(ignored["status"]["replicas"].is_null());
    let (code, with_status) = patch(
        &r,
        &format!("{url}/status"),
        "application/merge-patch+json",
        json!({"status": {"replicas": 7}, "spec": {"replicas": 1}}),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(
        (with_status["status"]["replicas"].as_i64(), with_status["spec"]["replicas"].as_i64()),
        (Some(7), Some(4))
    );
    assert_eq!(with_status["metadata"]["generation"], jp["metadata"]["generation"]);

    // Strategic merge is refused for custom resources, as Kubernetes does.
    let (code, scale) = call(&r, "GET", &format!("{url}/scale"), None).await;
    assert_eq!((code, scale["spec"]["replicas"].as_i64()), (200, Some(4)));
}

#[tokio::test]
async fn deployments_become_available_with_replicasets_and_pods() {
    let sim = sim();
    let r = sim.router();
    call(&r, "POST", DEPLOYMENTS, Some(deployment("web", 2))).await;
    let available = |d: Option<&Value>| {
        d.is_some_and(|d| {
            d["status"]["conditions"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|c| c["type"] == "Available" && c["status"] == "True"))
                && d["status"]["availableReplicas"] == 2
        })
    };
    assert!(sim.wait_for("apps/v1", "Deployment", "default", "web", Duration::from_secs(5), available).await);
    let d = sim.get("apps/v1", "Deployment", "default", "web").unwrap();
    assert_eq!(d["status"]["observedGeneration"], d["metadata"]["generation"]);
    let rs = sim.list("apps/v1", "ReplicaSet", Some("default"));
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0]["metadata"]["ownerReferences"][0]["uid"], d["metadata"]["uid"]);
    let pods = sim.list("v1", "Pod", Some("default"));
    assert_eq!(pods.len(), 2);
    assert!(
        pods.iter().all(|p| p["status"]["phase"] == "Running"
            && p["metadata"]["ownerReferences"][0]["uid"] == rs[0]["metadata"]["uid"])
    );

    // A failing template never becomes available and says so.
    let mut failing = deployment("bad", 1);
    failing["spec"]["template"]["metadata"]["annotations"] =
        json!({ferry_kubesim::FAIL_ANNOTATION: "ImagePullBackOff"});
    call(&r, "POST", DEPLOYMENTS, Some(failing)).await;
    let stuck = |d: Option<&Value>| {
        d.is_some_and(|d| {
            d["status"]["conditions"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|c| c["reason"] == "ProgressDeadlineExceeded"))
        })
    };
    assert!(sim.wait_for("apps/v1", "Deployment", "default", "bad", Duration::from_secs(5), stuck).await);
}

#[tokio::test]
async fn deletion_collects_garbage_in_background_and_foreground() {
    let sim = sim();
    let r = sim.router();
    for name in ["bg", "fg"] {
        call(&r, "POST", DEPLOYMENTS, Some(deployment(name, 1))).await;
    }
    let has_pods = |n: usize| {
        let sim = sim.clone();
        async move {
            for _ in 0..250 {
                if sim.list("v1", "Pod", Some("default")).len() == n {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            false
        }
    };
    assert!(has_pods(2).await);
    let (code, _) =
        call(&r, "DELETE", &format!("{DEPLOYMENTS}/bg"), Some(json!({"propagationPolicy": "Background"}))).await;
    assert_eq!(code, 200);
    assert!(has_pods(1).await, "background deletion removes the ReplicaSet and its pods");

    let (code, pending) =
        call(&r, "DELETE", &format!("{DEPLOYMENTS}/fg"), Some(json!({"propagationPolicy": "Foreground"}))).await;
    assert_eq!(code, 202);
    assert!(pending["metadata"]["finalizers"].as_array().unwrap().iter().any(|f| f == "foregroundDeletion"));
    assert!(sim.wait_for("apps/v1", "Deployment", "default", "fg", Duration::from_secs(5), |d| d.is_none()).await);
    assert!(sim.list("apps/v1", "ReplicaSet", Some("default")).is_empty());
    assert!(has_pods(0).await);
}

#[tokio::test]
async fn deleting_a_namespace_removes_its_objects_and_refuses_new_ones() {
    let sim = sim();
    let r = sim.router();
    call(&r, "POST", "/api/v1/namespaces", Some(json!({"metadata": {"name": "apps"}}))).await;
    call(
        &r,
        "POST",
        "/api/v1/namespaces/apps/configmaps",
        Some(json!({"metadata": {"name": "keep", "finalizers": ["example.com/hold"]}})),
    )
    .await;
    let (_, ns) = call(&r, "DELETE", "/api/v1/namespaces/apps", None).await;
    assert_eq!(ns["status"]["phase"], "Terminating");
    let (code, status) =
        call(&r, "POST", "/api/v1/namespaces/apps/configmaps", Some(json!({"metadata": {"name": "new"}}))).await;
    assert_eq!(code, 403);
    assert!(status["message"].as_str().unwrap().contains("because it is being terminated"));
    // The finalizer holds the namespace until someone removes it.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(sim.get("v1", "Namespace", "", "apps").is_some());
    patch(
        &r,
        "/api/v1/namespaces/apps/configmaps/keep",
        "application/merge-patch+json",
        json!({"metadata": {"finalizers": null}}),
    )
    .await;
    assert!(sim.wait_for("v1", "Namespace", "", "apps", Duration::from_secs(5), |n| n.is_none()).await);
}

#[tokio::test]
async fn faults_and_access_rules_answer_as_configured() {
    let sim = sim();
    let r = sim.router();
    sim.faults().inject(Fault::status(500).verb("list").resource("configmaps").times(1));
    let (code, status) = call(&r, "GET", CONFIGMAPS, None).await;
    assert_eq!((code, status["reason"].as_str()), (500, Some("InternalError")));
    assert_eq!(call(&r, "GET", CONFIGMAPS, None).await.0, 200, "the fault applied once");
    sim.faults().inject(Fault::status(409).verb("create").times(1));
    assert_eq!(call(&r, "POST", CONFIGMAPS, Some(json!({"metadata": {"name": "c"}}))).await.0, 409);
    sim.faults().inject(Fault::delay(Duration::from_millis(200)).verb("get").times(1));
    let started = std::time::Instant::now();
    call(&r, "GET", "/api/v1/namespaces/default", None).await;
    assert!(started.elapsed() >= Duration::from_millis(200));

    let agent = ferry_kubesim::service_account("apps", "agent");
    sim.access().add_token("agent-token", &agent);
    sim.access().confine_to_namespace(&agent, "default");
    sim.access().deny(RequestMatch {
        user: Some(agent.clone()),
        verb: Some("delete".into()),
        resource: Some("secrets".into()),
        ..Default::default()
    });
    let auth = [("authorization", "Bearer agent-token")];
    let (code, status) = call_with(&r, "GET", "/api/v1/nodes", "application/json", &auth, None).await;
    assert_eq!(code, 403);
    assert_eq!(
        status["message"],
        format!(
            "nodes is forbidden: User \"{agent}\" cannot list resource \"nodes\" in API group \"\" at the cluster scope"
        )
    );
    assert_eq!(call_with(&r, "GET", CONFIGMAPS, "application/json", &auth, None).await.0, 200);
    assert_eq!(
        call_with(&r, "DELETE", "/api/v1/namespaces/default/secrets/x", "application/json", &auth, None).await.0,
        403
    );
    let review = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"verb": "create", "group": "apps", "resource": "deployments", "namespace": "kube-system"}}});
    let (_, answer) = call_with(
        &r,
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        "application/json",
        &auth,
        Some(review.to_string()),
    )
    .await;
    assert_eq!(answer["status"]["allowed"], false);
    assert_eq!(sim.request_count("list", "nodes"), 1);
}

#[tokio::test]
async fn jobs_complete_and_pod_logs_are_served() {
    let sim = sim();
    let r = sim.router();
    let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"},
        "spec": {"template": {"spec": {"containers": [{"name": "main", "image": "busybox"}]}}}});
    assert_eq!(call(&r, "POST", "/apis/batch/v1/namespaces/default/jobs", Some(job)).await.0, 201);
    let complete = |j: Option<&Value>| {
        j.is_some_and(|j| {
            j["status"]["conditions"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|c| c["type"] == "Complete" && c["status"] == "True"))
        })
    };
    assert!(sim.wait_for("batch/v1", "Job", "default", "migrate", Duration::from_secs(5), complete).await);
    let pod = sim.list("v1", "Pod", Some("default")).pop().unwrap();
    assert_eq!(pod["status"]["phase"], "Succeeded");
    let name = pod["metadata"]["name"].as_str().unwrap().to_string();
    sim.logs().write_at("default", &name, "main", "old line", time::OffsetDateTime::UNIX_EPOCH);
    let (code, text) = call(&r, "GET", &format!("/api/v1/namespaces/default/pods/{name}/log"), None).await;
    assert_eq!(code, 200);
    let text = text.as_str().unwrap().to_string();
    assert!(text.contains("kubesim: container main started"), "{text}");
    assert!(text.ends_with("old line\n"));
    let (_, stamped) = call(
        &r,
        "GET",
        &format!("/api/v1/namespaces/default/pods/{name}/log?timestamps=true&sinceTime=2000-01-01T00:00:00Z"),
        None,
    )
    .await;
    let stamped = stamped.as_str().unwrap().to_string();
    assert!(!stamped.contains("old line"), "sinceTime drops older lines");
    assert!(stamped.lines().all(|l| l.split(' ').next().unwrap().ends_with('Z')), "{stamped}");
}

#[tokio::test]
async fn followed_logs_stream_new_lines() {
    let sim = sim();
    let r = sim.router();
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x"}]}});
    call(&r, "POST", "/api/v1/namespaces/default/pods", Some(pod)).await;
    assert!(
        sim.wait_for("v1", "Pod", "default", "p", Duration::from_secs(5), |p| p
            .is_some_and(|p| p["status"]["phase"] == "Running"))
            .await
    );
    let response = r
        .clone()
        .oneshot(Request::get("/api/v1/namespaces/default/pods/p/log?follow=true").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let mut body = response.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("started"));
    sim.logs().write("default", "p", "c", "hello from the test");
    let next = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .unwrap()
        .unwrap()
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&next), "hello from the test\n");
    call(&r, "DELETE", "/api/v1/namespaces/default/pods/p", None).await;
    assert!(
        tokio::time::timeout(Duration::from_secs(5), body.frame()).await.unwrap().is_none(),
        "follow ends with the pod"
    );
}

#[tokio::test]
async fn metrics_are_served_until_turned_off() {
    let sim = sim();
    let r = sim.router();
    sim.metrics().set_node_usage("kubesim-node-1", ferry_kubesim::Usage::new("1500m", "2Gi"));
    let (code, nodes) = call(&r, "GET", "/apis/metrics.k8s.io/v1beta1/nodes", None).await;
    assert_eq!(code, 200);
    assert_eq!(nodes["items"][0]["usage"]["cpu"], "1500m");
    sim.set_metrics_enabled(false);
    assert_eq!(call(&r, "GET", "/apis/metrics.k8s.io/v1beta1/nodes", None).await.0, 404);
    let (_, groups) = call(&r, "GET", "/apis", None).await;
    assert!(!groups["groups"].as_array().unwrap().iter().any(|g| g["name"] == "metrics.k8s.io"));
}

#[tokio::test]
async fn statefulsets_and_daemonsets_get_their_pods() {
    let sim = Sim::new(SimOptions {
        ready_delay: Duration::from_millis(20),
        nodes: vec!["node-a".into(), "node-b".into()],
        ..SimOptions::default()
    });
    let r = sim.router();
    let template = json!({"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "postgres:17"}]}});
    let sts = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
        "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}}, "template": template,
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}});
    assert_eq!(call(&r, "POST", "/apis/apps/v1/namespaces/default/statefulsets", Some(sts)).await.0, 201);
    let ready = |s: Option<&Value>| {
        s.is_some_and(|s| {
            s["status"]["readyReplicas"] == 2 && s["status"]["currentRevision"] == s["status"]["updateRevision"]
        })
    };
    assert!(sim.wait_for("apps/v1", "StatefulSet", "default", "db", Duration::from_secs(5), ready).await);
    assert!(sim.get("v1", "Pod", "default", "db-0").is_some() && sim.get("v1", "Pod", "default", "db-1").is_some());
    let pvc = sim.get("v1", "PersistentVolumeClaim", "default", "data-db-1").unwrap();
    assert_eq!(pvc["status"]["phase"], "Bound");

    let ds = json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
        "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": {"metadata": {"labels": {"app": "agent"}},
            "spec": {"containers": [{"name": "a", "image": "agent:1"}]}}}});
    assert_eq!(call(&r, "POST", "/apis/apps/v1/namespaces/default/daemonsets", Some(ds)).await.0, 201);
    let all_ready = |d: Option<&Value>| {
        d.is_some_and(|d| d["status"]["numberReady"] == 2 && d["status"]["desiredNumberScheduled"] == 2)
    };
    assert!(sim.wait_for("apps/v1", "DaemonSet", "default", "agent", Duration::from_secs(5), all_ready).await);
    let mut nodes: Vec<String> = sim
        .list("v1", "Pod", Some("default"))
        .iter()
        .filter(|p| p["metadata"]["labels"]["app"] == "agent")
        .map(|p| p["spec"]["nodeName"].as_str().unwrap().to_string())
        .collect();
    nodes.sort();
    assert_eq!(nodes, ["node-a", "node-b"]);
}

#[tokio::test]
async fn dry_run_orphaning_metadata_answers_and_watch_drop_faults() {
    let sim = sim();
    let r = sim.router();
    let (code, dry) =
        call(&r, "POST", &format!("{CONFIGMAPS}?dryRun=All"), Some(json!({"metadata": {"name": "dry"}}))).await;
    assert_eq!((code, dry["metadata"]["name"].as_str()), (201, Some("dry")));
    assert!(sim.get("v1", "ConfigMap", "default", "dry").is_none(), "dry runs store nothing");

    call(&r, "POST", DEPLOYMENTS, Some(deployment("orphan", 1))).await;
    assert!(
        sim.wait_for("apps/v1", "Deployment", "default", "orphan", Duration::from_secs(5), |d| d
            .is_some_and(|d| d["status"]["availableReplicas"] == 1))
            .await
    );
    assert_eq!(call(&r, "DELETE", &format!("{DEPLOYMENTS}/orphan?propagationPolicy=Orphan"), None).await.0, 200);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let rs = sim.list("apps/v1", "ReplicaSet", Some("default"));
    assert_eq!(rs.len(), 1, "orphaned dependents stay");
    assert!(rs[0]["metadata"]["ownerReferences"].as_array().is_none_or(Vec::is_empty));

    let accept = [("accept", "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json")];
    let (_, meta) =
        call_with(&r, "GET", "/apis/apps/v1/namespaces/default/replicasets", "application/json", &accept, None).await;
    assert_eq!(meta["kind"], "PartialObjectMetadataList");
    assert!(meta["items"][0].get("spec").is_none());
    let accept = [("accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")];
    let (_, table) = call_with(&r, "GET", "/api/v1/namespaces/default/pods", "application/json", &accept, None).await;
    assert_eq!(table["kind"], "Table");
    assert_eq!(table["columnDefinitions"][1]["name"], "Ready");
    assert_eq!(table["rows"][0]["cells"][2], "Running");

    sim.faults().inject(Fault::drop_watch_after(1).resource("configmaps").times(1));
    let mut watch = Watch::open(&r, &format!("{CONFIGMAPS}?watch=1&resourceVersion={}", sim.resource_version())).await;
    call(&r, "POST", CONFIGMAPS, Some(json!({"metadata": {"name": "one"}}))).await;
    call(&r, "POST", CONFIGMAPS, Some(json!({"metadata": {"name": "two"}}))).await;
    assert_eq!(watch.change().await["object"]["metadata"]["name"], "one");
    assert!(watch.next().await.is_none(), "the watch was cut after one event");
}

#[tokio::test]
async fn an_update_without_managed_fields_keeps_the_owners() {
    let sim = sim();
    let r = sim.router();
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owned"}, "data": {"a": "1"}});
    let (_, created) =
        patch(&r, &format!("{CONFIGMAPS}/owned?fieldManager=helm"), "application/apply-patch+yaml", cm).await;
    assert_eq!(created["metadata"]["managedFields"][0]["manager"], "helm");
    let replacement =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owned"}, "data": {"a": "1", "b": "2"}});
    let (code, updated) = call_with(
        &r,
        "PUT",
        &format!("{CONFIGMAPS}/owned?fieldManager=editor"),
        "application/json",
        &[],
        Some(replacement.to_string()),
    )
    .await;
    assert_eq!(code, 200);
    let managers: Vec<&str> = updated["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["manager"].as_str().unwrap())
        .collect();
    assert_eq!(managers, ["helm", "editor"]);
}

#[tokio::test]
async fn rolling_updates_keep_old_pods_until_new_ones_are_available_and_pods_log_periodically() {
    let sim = sim();
    sim.controllers().set_log_interval(Some(Duration::from_millis(30)));
    let r = sim.router();
    call(&r, "POST", DEPLOYMENTS, Some(deployment("web", 1))).await;
    let available = |d: Option<&Value>| {
        d.is_some_and(|d| d["status"]["availableReplicas"] == 1 && d["status"]["updatedReplicas"] == 1)
    };
    assert!(sim.wait_for("apps/v1", "Deployment", "default", "web", Duration::from_secs(5), available).await);
    let first_pod = sim.list("v1", "Pod", Some("default")).pop().unwrap();
    let name = first_pod["metadata"]["name"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let lines = sim.logs().lines("default", &name, "web");
    assert!(lines.iter().any(|l| l.text == "kubesim: web heartbeat 2"), "{lines:?}");

    // A new template that never becomes ready: the old pod keeps serving.
    let failing =
        json!({"spec": {"template": {"metadata": {"annotations": {ferry_kubesim::FAIL_ANNOTATION: "true"}}}}});
    patch(&r, &format!("{DEPLOYMENTS}/web"), "application/strategic-merge-patch+json", failing).await;
    let stuck = |d: Option<&Value>| {
        d.is_some_and(|d| {
            d["status"]["conditions"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|c| c["reason"] == "ProgressDeadlineExceeded"))
        })
    };
    assert!(sim.wait_for("apps/v1", "Deployment", "default", "web", Duration::from_secs(5), stuck).await);
    assert!(sim.get("v1", "Pod", "default", &name).is_some(), "the old pod still runs during a rolling update");
    let d = sim.get("apps/v1", "Deployment", "default", "web").unwrap();
    assert_eq!((d["status"]["availableReplicas"].as_i64(), d["status"]["replicas"].as_i64()), (Some(1), Some(2)));
}
