//! `GET /api/v1/namespaces/{ns}/pods/{name}/log`, answered as the kubelet answers it.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::http::header;
use axum::response::Response;
use bytes::Bytes;
use serde_json::Value;
use time::OffsetDateTime;

use crate::Sim;
use crate::error::ApiError;
use crate::logs::{LogLine, parse_time};

fn select(lines: Vec<LogLine>, query: &HashMap<String, String>) -> Result<Vec<LogLine>, ApiError> {
    let mut lines = lines;
    if let Some(since) = query.get("sinceTime") {
        let since = parse_time(since)
            .ok_or_else(|| ApiError::bad_request(format!("sinceTime {since:?} is not an RFC 3339 time")))?;
        lines.retain(|l| l.time >= since);
    }
    if let Some(seconds) = query.get("sinceSeconds") {
        let seconds: i64 =
            seconds.parse().map_err(|_| ApiError::bad_request(format!("sinceSeconds {seconds:?} is not a number")))?;
        let since = OffsetDateTime::now_utc() - time::Duration::seconds(seconds);
        lines.retain(|l| l.time >= since);
    }
    if let Some(tail) = query.get("tailLines") {
        let tail: usize =
            tail.parse().map_err(|_| ApiError::bad_request(format!("tailLines {tail:?} is not a number")))?;
        let skip = lines.len().saturating_sub(tail);
        lines.drain(..skip);
    }
    Ok(lines)
}

fn render(lines: &[LogLine], timestamps: bool) -> String {
    lines.iter().map(|l| l.render(timestamps)).collect()
}

pub(crate) async fn pod_log(
    sim: &Sim,
    namespace: &str,
    name: &str,
    query: &HashMap<String, String>,
) -> Result<Response, ApiError> {
    let pods = sim.state().registry.find("", "v1", "pods").cloned().expect("pods are built in");
    let pod = sim.state().get(&pods, namespace, name)?;
    let containers: Vec<String> = ["initContainers", "containers"]
        .iter()
        .flat_map(|list| pod["spec"][list].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["name"].as_str().map(String::from))
        .collect();
    let main: Vec<&Value> = pod["spec"]["containers"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
    let container = match query.get("container") {
        Some(c) if containers.contains(c) => c.clone(),
        Some(c) => return Err(ApiError::bad_request(format!("container {c} is not valid for pod {name}"))),
        None if main.len() == 1 => main[0]["name"].as_str().unwrap_or_default().to_string(),
        None => {
            let names: Vec<&str> = main.iter().filter_map(|c| c["name"].as_str()).collect();
            return Err(ApiError::bad_request(format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                names.join(" ")
            )));
        }
    };
    if pod["status"]["phase"] == "Pending" || pod["status"]["phase"].is_null() {
        return Err(ApiError::bad_request(format!(
            "container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating"
        )));
    }
    let timestamps = query.get("timestamps").is_some_and(|v| v == "true");
    let follow = query.get("follow").is_some_and(|v| v == "true");
    let limit = query.get("limitBytes").and_then(|l| l.parse::<usize>().ok());
    let lines = select(sim.logs().lines(namespace, name, &container), query)?;
    let mut text = render(&lines, timestamps);
    if let Some(limit) = limit {
        text.truncate(limit);
    }
    let builder = Response::builder().status(200).header(header::CONTENT_TYPE, "text/plain");
    if !follow {
        return Ok(builder.body(Body::from(text)).expect("static response parts are valid"));
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
    let sim = sim.clone();
    let (namespace, name) = (namespace.to_string(), name.to_string());
    let uid = pod["metadata"]["uid"].clone();
    let mut written = sim.logs().subscribe();
    let mut seen = sim.logs().lines(&namespace, &name, &container).len();
    tokio::spawn(async move {
        if tx.send(Bytes::from(text)).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                _ = written.changed() => {}
                _ = tokio::time::sleep(Duration::from_millis(250)) => {}
                _ = tx.closed() => return,
            }
            let all = sim.logs().lines(&namespace, &name, &container);
            if all.len() > seen {
                let fresh = render(&all[seen..], timestamps);
                seen = all.len();
                if tx.send(Bytes::from(fresh)).await.is_err() {
                    return;
                }
            }
            // Follow ends when the container is gone or has terminated.
            let current = sim.state().get(&pods, &namespace, &name).ok();
            let running = current.is_some_and(|p| p["metadata"]["uid"] == uid && p["status"]["phase"] == "Running");
            if !running {
                return;
            }
        }
    });
    let stream =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx)) });
    Ok(builder.body(Body::from_stream(stream)).expect("static response parts are valid"))
}
