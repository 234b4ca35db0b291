//! `metrics.k8s.io/v1beta1`: node and pod usage as metrics-server serves it, computed
//! from the running pods, with per-node and per-container overrides.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::Sim;
use crate::error::ApiError;
use crate::resources::ResourceType;
use crate::store::now_rfc3339;

/// CPU and memory usage, in Kubernetes quantities (`"250m"`, `"128Mi"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    /// CPU, e.g. `"250m"`.
    pub cpu: String,
    /// Memory, e.g. `"128Mi"`.
    pub memory: String,
}

impl Usage {
    /// A usage from two quantities.
    pub fn new(cpu: &str, memory: &str) -> Self {
        Self { cpu: cpu.into(), memory: memory.into() }
    }
}

type ContainerKey = (String, String, String);

/// Handle to the simulated metrics-server.
#[derive(Clone, Default)]
pub struct Metrics {
    nodes: Arc<Mutex<HashMap<String, Usage>>>,
    containers: Arc<Mutex<HashMap<ContainerKey, Usage>>>,
}

impl Metrics {
    /// Sets what a node reports.
    pub fn set_node_usage(&self, node: &str, usage: Usage) {
        self.nodes.lock().expect("metrics poisoned").insert(node.into(), usage);
    }

    /// Sets what a container of a pod reports.
    pub fn set_container_usage(&self, namespace: &str, pod: &str, container: &str, usage: Usage) {
        self.containers
            .lock()
            .expect("metrics poisoned")
            .insert((namespace.into(), pod.into(), container.into()), usage);
    }

    fn node(&self, node: &str) -> Usage {
        self.nodes.lock().expect("metrics poisoned").get(node).cloned().unwrap_or_else(|| Usage::new("250m", "1024Mi"))
    }

    fn container(&self, namespace: &str, pod: &str, container: &str) -> Usage {
        let key = (namespace.to_string(), pod.to_string(), container.to_string());
        self.containers.lock().expect("metrics poisoned").get(&key).cloned().unwrap_or_else(|| Usage::new("1m", "8Mi"))
    }
}

fn item(rt: &ResourceType, metadata: Value) -> Value {
    json!({"kind": rt.kind, "apiVersion": rt.api_version(), "metadata": metadata, "timestamp": now_rfc3339(), "window": "10.5s"})
}

/// The metrics of every node, or of every running pod (in one namespace or all).
pub fn list(sim: &Sim, rt: &ResourceType, namespace: Option<&str>) -> Result<Vec<Value>, ApiError> {
    let state = sim.state();
    let metrics = sim.metrics();
    if rt.plural == "nodes" {
        let nodes = state.registry.find("", "v1", "nodes").cloned().expect("nodes are built in");
        return Ok(state
            .list(&nodes, None)
            .iter()
            .map(|n| {
                let name = n["metadata"]["name"].as_str().unwrap_or_default();
                let usage = metrics.node(name);
                let mut out = item(
                    rt,
                    json!({"name": name, "labels": n["metadata"]["labels"], "creationTimestamp": now_rfc3339()}),
                );
                out["usage"] = json!({"cpu": usage.cpu, "memory": usage.memory});
                out
            })
            .collect());
    }
    let pods = state.registry.find("", "v1", "pods").cloned().expect("pods are built in");
    Ok(state
        .list(&pods, namespace)
        .iter()
        .filter(|p| p["status"]["phase"] == "Running")
        .map(|p| {
            let ns = p["metadata"]["namespace"].as_str().unwrap_or_default();
            let name = p["metadata"]["name"].as_str().unwrap_or_default();
            let containers: Vec<Value> = p["spec"]["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    let container = c["name"].as_str().unwrap_or_default();
                    let usage = metrics.container(ns, name, container);
                    json!({"name": container, "usage": {"cpu": usage.cpu, "memory": usage.memory}})
                })
                .collect();
            let mut out = item(rt, json!({"name": name, "namespace": ns, "labels": p["metadata"]["labels"], "creationTimestamp": now_rfc3339()}));
            out["containers"] = json!(containers);
            out
        })
        .collect())
}

/// The metrics of one node or pod.
pub fn get(sim: &Sim, rt: &ResourceType, namespace: Option<&str>, name: &str) -> Result<Value, ApiError> {
    list(sim, rt, namespace)?
        .into_iter()
        .find(|i| i["metadata"]["name"] == name)
        .ok_or_else(|| ApiError::not_found(rt, name))
}
