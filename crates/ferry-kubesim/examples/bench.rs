//! How fast the simulator answers, in process through the router, so a client's own
//! timings (e.g. "install a chart to deployed in < 200 ms") are not the fake's.
//!
//! `cargo run --release -p ferry-kubesim --example bench`

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use ferry_kubesim::{Sim, SimOptions};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

async fn send(router: &Router, method: &str, uri: &str, content_type: &str, body: Option<&Value>) -> Value {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", content_type)
        .body(body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty))
        .expect("valid request");
    let response = router.clone().oneshot(request).await.expect("router is infallible");
    let bytes = response.into_body().collect().await.expect("in-memory body").to_bytes();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn deployment(name: &str, image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": image}]}}}})
}

#[tokio::main]
async fn main() {
    let sim =
        Sim::new(SimOptions { ready_delay: Duration::ZERO, job_duration: Duration::ZERO, ..SimOptions::default() });
    let r = sim.router();
    let cms = "/api/v1/namespaces/default/configmaps";

    let mut creates = Vec::new();
    for i in 0..2000 {
        let cm =
            json!({"metadata": {"name": format!("cm-{i}"), "labels": {"i": (i % 10).to_string()}}, "data": {"k": "v"}});
        let started = Instant::now();
        send(&r, "POST", cms, "application/json", Some(&cm)).await;
        creates.push(started.elapsed());
    }
    println!("create ConfigMap: median {:?} over 2000", median(creates));

    let mut lists = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let list = send(&r, "GET", &format!("{cms}?labelSelector=i%3D3"), "application/json", None).await;
        assert_eq!(list["items"].as_array().map(Vec::len), Some(200));
        lists.push(started.elapsed());
    }
    println!("list 200 of 2000 ConfigMaps by label: median {:?}", median(lists));

    let mut applies = Vec::new();
    for i in 0..500 {
        let url = format!("/apis/apps/v1/namespaces/default/deployments/app-{}?fieldManager=bench", i % 50);
        let config = deployment(&format!("app-{}", i % 50), &format!("img:{}", i / 50));
        let started = Instant::now();
        send(&r, "PATCH", &url, "application/apply-patch+yaml", Some(&config)).await;
        applies.push(started.elapsed());
    }
    println!("server-side apply of a Deployment: median {:?} over 500", median(applies));

    // The controllers catch up with the rollouts those applies started.
    let started = Instant::now();
    let events_before = sim.resource_version();
    let mut last = sim.resource_version();
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = sim.resource_version();
        if now == last {
            break;
        }
        last = now;
    }
    println!(
        "controllers settled after the 500 applies in {:?} ({} more writes)",
        started.elapsed() - Duration::from_millis(200),
        last - events_before
    );

    let mut ready = Vec::new();
    for i in 0..50 {
        let name = format!("ready-{i}");
        let started = Instant::now();
        let created = send(
            &r,
            "POST",
            "/apis/apps/v1/namespaces/default/deployments",
            "application/json",
            Some(&deployment(&name, "x:1")),
        )
        .await;
        assert_eq!(created["kind"], "Deployment", "{created}");
        let available = |d: Option<&Value>| d.is_some_and(|d| d["status"]["availableReplicas"] == 3);
        assert!(
            sim.wait_for("apps/v1", "Deployment", "default", &name, Duration::from_secs(120), available).await,
            "{name} did not become available in 30 s"
        );
        ready.push(started.elapsed());
    }
    println!(
        "Deployment (3 replicas, ready delay 0) created to available: median {:?} over 50 (polled every 20 ms)",
        median(ready)
    );
    println!("objects stored: {}, resourceVersion {}", sim.list("v1", "ConfigMap", None).len(), sim.resource_version());
}
