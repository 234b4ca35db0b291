//! What the API server adds on write for a few kinds: defaults, allocated addresses,
//! accepted CRD names. Only what clients and charts observe.

use base64::Engine;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::resources::ResourceType;

fn set_default(object: &mut Value, pointer: &str, value: Value) {
    if object.pointer(pointer).is_none_or(Value::is_null) {
        let mut current = &mut *object;
        for part in pointer.trim_start_matches('/').split('/') {
            if !current.is_object() {
                *current = json!({});
            }
            current = current.as_object_mut().expect("made an object").entry(part.to_string()).or_insert(Value::Null);
        }
        *current = value;
    }
}

fn default_containers(spec: &mut Value) {
    for list in ["containers", "initContainers"] {
        for c in spec.get_mut(list).and_then(Value::as_array_mut).into_iter().flatten() {
            let image = c["image"].as_str().unwrap_or_default();
            let latest = image.ends_with(":latest") || !image.rsplit('/').next().unwrap_or_default().contains(':');
            set_default(c, "/imagePullPolicy", json!(if latest { "Always" } else { "IfNotPresent" }));
            set_default(c, "/terminationMessagePath", json!("/dev/termination-log"));
            set_default(c, "/terminationMessagePolicy", json!("File"));
            for port in c.get_mut("ports").and_then(Value::as_array_mut).into_iter().flatten() {
                set_default(port, "/protocol", json!("TCP"));
            }
        }
    }
}

fn default_pod_spec(spec: &mut Value) {
    set_default(spec, "/restartPolicy", json!("Always"));
    set_default(spec, "/dnsPolicy", json!("ClusterFirst"));
    set_default(spec, "/schedulerName", json!("default-scheduler"));
    set_default(spec, "/terminationGracePeriodSeconds", json!(30));
    set_default(spec, "/securityContext", json!({}));
    if spec["serviceAccountName"].is_null() {
        let account = spec["serviceAccount"].as_str().unwrap_or("default").to_string();
        spec["serviceAccountName"] = json!(account);
    }
    default_containers(spec);
}

/// Fills the defaults of `object` (its type is `rt`); `counter` makes allocations unique.
pub fn default(rt: &ResourceType, object: &mut Value, old: Option<&Value>, counter: u64) {
    let name = object["metadata"]["name"].as_str().unwrap_or_default().to_string();
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("", "Namespace") => {
            if !object["metadata"]["labels"].is_object() {
                object["metadata"]["labels"] = json!({});
            }
            object["metadata"]["labels"]["kubernetes.io/metadata.name"] = json!(name);
            set_default(object, "/spec/finalizers", json!(["kubernetes"]));
            if object["metadata"]["deletionTimestamp"].is_null() {
                object["status"] = json!({"phase": "Active"});
            }
        }
        ("", "Secret") => {
            if let Some(string_data) = object.as_object_mut().and_then(|o| o.remove("stringData"))
                && let Some(map) = string_data.as_object()
            {
                for (k, v) in map {
                    let encoded = base64::engine::general_purpose::STANDARD.encode(v.as_str().unwrap_or_default());
                    set_default(object, "/data", json!({}));
                    object["data"][k] = json!(encoded);
                }
            }
            set_default(object, "/type", json!("Opaque"));
        }
        ("", "Service") => {
            let previous_ip = old.and_then(|o| o["spec"]["clusterIP"].as_str()).map(String::from);
            set_default(object, "/spec/type", json!("ClusterIP"));
            set_default(object, "/spec/sessionAffinity", json!("None"));
            let kind = object["spec"]["type"].as_str().unwrap_or("ClusterIP").to_string();
            if kind != "ExternalName" {
                let ip =
                    previous_ip.unwrap_or_else(|| format!("10.96.{}.{}", (counter / 250) % 250, counter % 250 + 2));
                set_default(object, "/spec/clusterIP", json!(ip));
                let ip = object["spec"]["clusterIP"].clone();
                set_default(object, "/spec/clusterIPs", json!([ip]));
                set_default(object, "/spec/ipFamilies", json!(["IPv4"]));
                set_default(object, "/spec/ipFamilyPolicy", json!("SingleStack"));
                set_default(object, "/spec/internalTrafficPolicy", json!("Cluster"));
            }
            let ports = object.get_mut("spec").and_then(|s| s.get_mut("ports")).and_then(Value::as_array_mut);
            for (i, port) in ports.into_iter().flatten().enumerate() {
                set_default(port, "/protocol", json!("TCP"));
                let number = port["port"].clone();
                set_default(port, "/targetPort", number);
                if kind == "NodePort" || kind == "LoadBalancer" {
                    set_default(port, "/nodePort", json!(30000 + (counter * 3 + i as u64) % 2767));
                }
            }
            if kind == "LoadBalancer" {
                set_default(
                    object,
                    "/status/loadBalancer/ingress",
                    json!([{"ip": format!("172.18.255.{}", counter % 250 + 1)}]),
                );
            } else {
                set_default(object, "/status/loadBalancer", json!({}));
            }
        }
        ("", "Pod") => {
            default_pod_spec(&mut object["spec"]);
            if old.is_none() && object["status"]["phase"].is_null() {
                object["status"] = json!({"phase": "Pending", "qosClass": "BestEffort"});
            }
        }
        ("", "PersistentVolumeClaim") => {
            set_default(object, "/spec/volumeMode", json!("Filesystem"));
            set_default(object, "/status/phase", json!("Pending"));
        }
        ("apps", kind @ ("Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet")) => {
            if kind != "DaemonSet" {
                set_default(object, "/spec/replicas", json!(1));
            }
            set_default(object, "/spec/revisionHistoryLimit", json!(10));
            match kind {
                "Deployment" => {
                    set_default(object, "/spec/progressDeadlineSeconds", json!(600));
                    set_default(object, "/spec/strategy/type", json!("RollingUpdate"));
                    if object["spec"]["strategy"]["type"] == "RollingUpdate" {
                        set_default(
                            object,
                            "/spec/strategy/rollingUpdate",
                            json!({"maxSurge": "25%", "maxUnavailable": "25%"}),
                        );
                    }
                }
                "StatefulSet" => {
                    set_default(object, "/spec/podManagementPolicy", json!("OrderedReady"));
                    set_default(
                        object,
                        "/spec/updateStrategy",
                        json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
                    );
                }
                "DaemonSet" => {
                    set_default(
                        object,
                        "/spec/updateStrategy",
                        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}),
                    );
                }
                _ => {}
            }
            default_pod_spec(&mut object["spec"]["template"]["spec"]);
        }
        ("batch", "Job") => {
            set_default(object, "/spec/completions", json!(1));
            set_default(object, "/spec/parallelism", json!(1));
            set_default(object, "/spec/backoffLimit", json!(6));
            set_default(object, "/spec/completionMode", json!("NonIndexed"));
            set_default(object, "/spec/suspend", json!(false));
            if object["spec"]["template"]["spec"]["restartPolicy"].is_null() {
                object["spec"]["template"]["spec"]["restartPolicy"] = json!("Never");
            }
            default_pod_spec(&mut object["spec"]["template"]["spec"]);
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            let names = object["spec"]["names"].clone();
            let mut accepted = names.clone();
            if accepted["singular"].is_null() {
                accepted["singular"] = json!(names["kind"].as_str().unwrap_or_default().to_ascii_lowercase());
            }
            if accepted["listKind"].is_null() {
                accepted["listKind"] = json!(format!("{}List", names["kind"].as_str().unwrap_or_default()));
            }
            let stored: Vec<Value> = object["spec"]["versions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|v| v["storage"].as_bool().unwrap_or(false))
                .map(|v| v["name"].clone())
                .collect();
            let now = crate::store::now_rfc3339();
            object["status"] = json!({
                "acceptedNames": accepted,
                "storedVersions": stored,
                "conditions": [
                    {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": now},
                    {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": now},
                ],
            });
        }
        _ => {}
    }
}

/// A CRD must name its group, kind, plural and at least one version, and be named `<plural>.<group>`.
pub fn validate_crd(rt: &ResourceType, crd: &Value) -> Result<(), ApiError> {
    let name = crd["metadata"]["name"].as_str().unwrap_or_default();
    let spec = &crd["spec"];
    let group = spec["group"].as_str().unwrap_or_default();
    let plural = spec["names"]["plural"].as_str().unwrap_or_default();
    let invalid = |field: &str, detail: &str| Err(ApiError::invalid(rt, name, field, "FieldValueInvalid", detail));
    if group.is_empty() {
        return invalid("spec.group", "Required value");
    }
    if plural.is_empty() {
        return invalid("spec.names.plural", "Required value");
    }
    if spec["names"]["kind"].as_str().unwrap_or_default().is_empty() {
        return invalid("spec.names.kind", "Required value");
    }
    if name != format!("{plural}.{group}") {
        return invalid(
            "metadata.name",
            &format!("Invalid value: {name:?}: must be spec.names.plural+\".\"+spec.group"),
        );
    }
    if spec["versions"].as_array().is_none_or(Vec::is_empty) {
        return invalid(
            "spec.versions",
            "Invalid value: null: must have exactly one version marked as storage version",
        );
    }
    Ok(())
}
