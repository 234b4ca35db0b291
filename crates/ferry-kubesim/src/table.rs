//! `meta.k8s.io/v1` `Table` answers, which `kubectl get` asks for to print columns.

use serde_json::{Value, json};

use crate::resources::ResourceType;

fn age(object: &Value) -> String {
    let Some(created) = object["metadata"]["creationTimestamp"].as_str().and_then(crate::logs::parse_time) else {
        return "<unknown>".into();
    };
    let seconds = (time::OffsetDateTime::now_utc() - created).whole_seconds().max(0);
    match seconds {
        s if s < 120 => format!("{s}s"),
        s if s < 600 => format!("{}m{}s", s / 60, s % 60),
        s if s < 3 * 3600 => format!("{}m", s / 60),
        s if s < 8 * 3600 => format!("{}h{}m", s / 3600, (s % 3600) / 60),
        s if s < 2 * 86400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn pod_status(pod: &Value) -> String {
    if !pod["metadata"]["deletionTimestamp"].is_null() {
        return "Terminating".into();
    }
    for status in pod["status"]["containerStatuses"].as_array().into_iter().flatten() {
        if let Some(reason) = status["state"]["waiting"]["reason"].as_str() {
            return reason.into();
        }
        if let Some(reason) = status["state"]["terminated"]["reason"].as_str()
            && pod["status"]["phase"] != "Succeeded"
        {
            return reason.into();
        }
    }
    match pod["status"]["phase"].as_str() {
        Some("Succeeded") => "Completed".into(),
        Some(phase) => phase.into(),
        None => "Pending".into(),
    }
}

fn columns(rt: &ResourceType) -> Vec<(&'static str, &'static str)> {
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("", "Pod") => vec![("Ready", "string"), ("Status", "string"), ("Restarts", "string"), ("Age", "string")],
        ("apps", "Deployment") => {
            vec![("Ready", "string"), ("Up-to-date", "integer"), ("Available", "integer"), ("Age", "string")]
        }
        ("apps", "ReplicaSet") => {
            vec![("Desired", "integer"), ("Current", "integer"), ("Ready", "integer"), ("Age", "string")]
        }
        ("apps", "StatefulSet") => vec![("Ready", "string"), ("Age", "string")],
        ("apps", "DaemonSet") => vec![
            ("Desired", "integer"),
            ("Current", "integer"),
            ("Ready", "integer"),
            ("Up-to-date", "integer"),
            ("Available", "integer"),
            ("Age", "string"),
        ],
        ("batch", "Job") => vec![("Status", "string"), ("Completions", "string"), ("Age", "string")],
        ("", "Service") => vec![
            ("Type", "string"),
            ("Cluster-IP", "string"),
            ("External-IP", "string"),
            ("Port(s)", "string"),
            ("Age", "string"),
        ],
        ("", "Namespace") => vec![("Status", "string"), ("Age", "string")],
        ("", "Node") => vec![("Status", "string"), ("Roles", "string"), ("Age", "string"), ("Version", "string")],
        ("", "Secret") => vec![("Type", "string"), ("Data", "string"), ("Age", "string")],
        ("", "ConfigMap") => vec![("Data", "string"), ("Age", "string")],
        ("", "PersistentVolumeClaim") => vec![("Status", "string"), ("Age", "string")],
        _ => vec![("Age", "string")],
    }
}

fn cells(rt: &ResourceType, o: &Value) -> Vec<Value> {
    let s = &o["spec"];
    let st = &o["status"];
    let cells: Vec<Value> = match (rt.group.as_str(), rt.kind.as_str()) {
        ("", "Pod") => {
            let statuses = st["containerStatuses"].as_array().cloned().unwrap_or_default();
            let total = s["containers"].as_array().map_or(0, Vec::len);
            let ready = statuses.iter().filter(|c| c["ready"] == true).count();
            let restarts: i64 = statuses.iter().map(|c| int(&c["restartCount"])).sum();
            vec![json!(format!("{ready}/{total}")), json!(pod_status(o)), json!(restarts.to_string()), json!(age(o))]
        }
        ("apps", "Deployment") => vec![
            json!(format!("{}/{}", int(&st["readyReplicas"]), int(&s["replicas"]))),
            json!(int(&st["updatedReplicas"])),
            json!(int(&st["availableReplicas"])),
            json!(age(o)),
        ],
        ("apps", "ReplicaSet") => {
            vec![
                json!(int(&s["replicas"])),
                json!(int(&st["replicas"])),
                json!(int(&st["readyReplicas"])),
                json!(age(o)),
            ]
        }
        ("apps", "StatefulSet") => {
            vec![json!(format!("{}/{}", int(&st["readyReplicas"]), int(&s["replicas"]))), json!(age(o))]
        }
        ("apps", "DaemonSet") => vec![
            json!(int(&st["desiredNumberScheduled"])),
            json!(int(&st["currentNumberScheduled"])),
            json!(int(&st["numberReady"])),
            json!(int(&st["updatedNumberScheduled"])),
            json!(int(&st["numberAvailable"])),
            json!(age(o)),
        ],
        ("batch", "Job") => {
            let conditions = st["conditions"].as_array().cloned().unwrap_or_default();
            let has = |t: &str| conditions.iter().any(|c| c["type"] == t && c["status"] == "True");
            let status = if has("Complete") {
                "Complete"
            } else if has("Failed") {
                "Failed"
            } else {
                "Running"
            };
            vec![
                json!(status),
                json!(format!("{}/{}", int(&st["succeeded"]), int(&s["completions"]).max(1))),
                json!(age(o)),
            ]
        }
        ("", "Service") => {
            let ports: Vec<String> = s["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| format!("{}/{}", int(&p["port"]), p["protocol"].as_str().unwrap_or("TCP")))
                .collect();
            let external = st["loadBalancer"]["ingress"][0]["ip"].as_str().unwrap_or("<none>");
            vec![
                s["type"].clone(),
                json!(s["clusterIP"].as_str().unwrap_or("<none>")),
                json!(external),
                json!(if ports.is_empty() { "<none>".to_string() } else { ports.join(",") }),
                json!(age(o)),
            ]
        }
        ("", "Namespace") => vec![json!(st["phase"].as_str().unwrap_or("Active")), json!(age(o))],
        ("", "Node") => vec![json!("Ready"), json!("<none>"), json!(age(o)), st["nodeInfo"]["kubeletVersion"].clone()],
        ("", "Secret") => {
            vec![o["type"].clone(), json!(o["data"].as_object().map_or(0, |d| d.len()).to_string()), json!(age(o))]
        }
        ("", "ConfigMap") => vec![json!(o["data"].as_object().map_or(0, |d| d.len()).to_string()), json!(age(o))],
        ("", "PersistentVolumeClaim") => vec![st["phase"].clone(), json!(age(o))],
        _ => vec![json!(age(o))],
    };
    let mut row = vec![o["metadata"]["name"].clone()];
    row.extend(cells);
    row
}

/// A `Table` of `items`; `include` is the `includeObject` parameter.
pub fn table(
    rt: &ResourceType,
    items: &[Value],
    resource_version: &str,
    continue_token: Option<String>,
    include: &str,
) -> Value {
    let mut definitions = vec![
        json!({"name": "Name", "type": "string", "format": "name", "description": "Name must be unique within a namespace.", "priority": 0}),
    ];
    for (name, kind) in columns(rt) {
        definitions.push(json!({"name": name, "type": kind, "format": "", "description": name, "priority": 0}));
    }
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let mut row = json!({"cells": cells(rt, o)});
            match include {
                "None" => {}
                "Object" => row["object"] = o.clone(),
                _ => row["object"] = json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]}),
            }
            row
        })
        .collect();
    let mut metadata = json!({"resourceVersion": resource_version});
    if let Some(token) = continue_token {
        metadata["continue"] = json!(token);
    }
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata, "columnDefinitions": definitions, "rows": rows})
}
