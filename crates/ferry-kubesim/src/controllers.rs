//! Simulated controllers: Deployments, ReplicaSets, StatefulSets, DaemonSets and Jobs
//! get pods; pods start (and Job pods finish) after a configurable delay and write
//! log lines; PVCs bind; namespaces are emptied when deleted; owner references are
//! garbage collected (background and foreground).
//!
//! Per-object knobs, as annotations on a workload's pod template (or a bare pod):
//! `kubesim.ferry.dev/ready-delay: "3s"` (how long pods take to start) and
//! `kubesim.ferry.dev/fail: "CrashLoopBackOff"` (pods never become ready; Jobs fail;
//! Deployments report `ProgressDeadlineExceeded`).

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::{broadcast, mpsc};

use crate::fields::Part;
use crate::resources::ResourceType;
use crate::store::{DeleteOptions, Event, EventKind, State, WriteOptions, now_rfc3339};
use crate::{Shared, Sim};

/// Annotation: how long the pods of this template take to become ready (`"2s"`, `"250ms"`).
pub const READY_DELAY_ANNOTATION: &str = "kubesim.ferry.dev/ready-delay";
/// Annotation: pods of this template fail with this reason (`"true"` means `CrashLoopBackOff`).
pub const FAIL_ANNOTATION: &str = "kubesim.ferry.dev/fail";
/// Annotation: running containers of this template log a line this often (`"1s"`).
pub const LOG_INTERVAL_ANNOTATION: &str = "kubesim.ferry.dev/log-interval";

const MANAGER: &str = "kube-controller-manager";

/// Timing and switches of the simulated controllers.
#[derive(Debug, Clone)]
pub struct ControllerSettings {
    /// How long a new pod stays `Pending` before it runs and is ready.
    pub ready_delay: Duration,
    /// How long a Job's pod runs before it completes.
    pub job_duration: Duration,
    /// When paused, controllers do nothing (objects stay as written).
    pub paused: bool,
    /// How often running containers log a line (`None`: only the start line).
    pub log_interval: Option<Duration>,
}

/// Handle to change the simulated controllers at run time.
#[derive(Clone)]
pub struct Controllers {
    pub(crate) settings: Arc<Mutex<ControllerSettings>>,
    pub(crate) wake: mpsc::UnboundedSender<Timer>,
}

impl Controllers {
    /// Sets how long new pods take to become ready.
    pub fn set_ready_delay(&self, delay: Duration) {
        self.settings.lock().expect("controller settings poisoned").ready_delay = delay;
    }

    /// Sets how long Job pods run.
    pub fn set_job_duration(&self, duration: Duration) {
        self.settings.lock().expect("controller settings poisoned").job_duration = duration;
    }

    /// Sets how often running containers log a line (`None`: only at start).
    pub fn set_log_interval(&self, interval: Option<Duration>) {
        self.settings.lock().expect("controller settings poisoned").log_interval = interval;
    }

    /// Pauses or resumes every controller; resuming reconciles everything once.
    pub fn set_paused(&self, paused: bool) {
        self.settings.lock().expect("controller settings poisoned").paused = paused;
        if !paused {
            let _ = self.wake.send(Timer::Resync);
        }
    }

    fn current(&self) -> ControllerSettings {
        self.settings.lock().expect("controller settings poisoned").clone()
    }
}

/// Work that arrives later than the event that caused it.
#[derive(Debug, Clone)]
pub(crate) enum Timer {
    PodStart { namespace: String, name: String, uid: String },
    PodFinish { namespace: String, name: String, uid: String },
    PodLog { namespace: String, name: String, uid: String, count: u64 },
    Resync,
}

pub(crate) async fn run(
    shared: Weak<Shared>,
    mut events: broadcast::Receiver<Arc<Event>>,
    mut timers: mpsc::UnboundedReceiver<Timer>,
) {
    loop {
        let work = tokio::select! {
            event = events.recv() => match event {
                Ok(event) => Some(event),
                Err(broadcast::error::RecvError::Lagged(_)) => None,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            timer = timers.recv() => match timer {
                Some(Timer::Resync) => None,
                Some(timer) => {
                    let Some(shared) = shared.upgrade() else { return };
                    let sim = Sim { shared };
                    if !sim.controllers().current().paused {
                        on_timer(&sim, timer);
                    }
                    continue;
                }
                None => return,
            },
        };
        let Some(shared) = shared.upgrade() else { return };
        let sim = Sim { shared };
        if sim.controllers().current().paused {
            continue;
        }
        match work {
            Some(event) => on_event(&sim, &event),
            None => resync(&sim),
        }
    }
}

fn rt(state: &State, group: &str, plural: &str) -> ResourceType {
    state.registry.by_storage_key(group, plural).cloned().expect("built-in resource types are always registered")
}

fn meta_str<'a>(object: &'a Value, key: &str) -> &'a str {
    object["metadata"][key].as_str().unwrap_or_default()
}

fn deleting(object: &Value) -> bool {
    !object["metadata"]["deletionTimestamp"].is_null()
}

fn controller_uid(object: &Value) -> Option<&str> {
    object["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|r| r["controller"] == true)
        .and_then(|r| r["uid"].as_str())
}

fn owner_reference(owner: &Value) -> Value {
    json!([{
        "apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true,
    }])
}

fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if let Some(ms) = text.strip_suffix("ms") {
        return ms.parse().ok().map(Duration::from_millis);
    }
    if let Some(m) = text.strip_suffix('m') {
        return m.parse::<f64>().ok().map(|m| Duration::from_secs_f64(m * 60.0));
    }
    text.strip_suffix('s').unwrap_or(text).parse::<f64>().ok().map(Duration::from_secs_f64)
}

fn template_hash(template: &Value) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    Sha256::digest(template.to_string().as_bytes())
        .iter()
        .take(10)
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

fn failure(object: &Value) -> Option<String> {
    object["metadata"]["annotations"][FAIL_ANNOTATION]
        .as_str()
        .map(|v| if v == "true" { "CrashLoopBackOff".into() } else { v.into() })
}

fn condition(existing: &Value, kind: &str, status: bool, reason: &str, message: &str, now: &str) -> Value {
    let status = if status { "True" } else { "False" };
    if let Some(c) = existing.as_array().and_then(|cs| cs.iter().find(|c| c["type"] == kind))
        && c["status"] == status
        && c["reason"] == reason
    {
        return c.clone();
    }
    json!({"type": kind, "status": status, "reason": reason, "message": message, "lastTransitionTime": now, "lastUpdateTime": now})
}

fn set_status(state: &mut State, rt: &ResourceType, object: &Value, status: Value) {
    if object["status"] == status {
        return;
    }
    let mut next = object.clone();
    next["status"] = status;
    let _ = state.write(
        rt,
        meta_str(object, "namespace"),
        object.clone(),
        next,
        Part::StatusOnly,
        &WriteOptions::internal(MANAGER),
        true,
    );
}

fn create(state: &mut State, rt: &ResourceType, namespace: &str, object: Value) {
    if let Err(e) = state.create(rt, namespace, object, &WriteOptions::internal(MANAGER)) {
        tracing::debug!(error = %e, "simulated controller could not create an object");
    }
}

fn delete(state: &mut State, rt: &ResourceType, object: &Value, propagation: &str) {
    let opts = DeleteOptions { propagation: Some(propagation.into()), ..Default::default() };
    let _ = state.delete(rt, meta_str(object, "namespace"), meta_str(object, "name"), &opts);
}

fn on_event(sim: &Sim, event: &Event) {
    let ns = event.namespace().to_string();
    let name = event.name().to_string();
    let object = &event.object;
    let mut state = sim.state();
    match (event.group.as_str(), event.plural.as_str(), event.kind) {
        ("apps", "deployments", EventKind::Added | EventKind::Modified) => deployment(&mut state, &ns, &name),
        ("apps", "replicasets", _) => {
            replicaset(&mut state, &ns, &name);
            reconcile_owner(&mut state, object);
        }
        ("apps", "statefulsets", EventKind::Added | EventKind::Modified) => statefulset(&mut state, &ns, &name),
        ("apps", "daemonsets", EventKind::Added | EventKind::Modified) => daemonset(&mut state, sim, &ns, &name),
        ("batch", "jobs", EventKind::Added | EventKind::Modified) => job(&mut state, &ns, &name),
        ("", "pods", kind) => {
            if kind == EventKind::Added && object["status"]["phase"] == "Pending" {
                let delay = object["metadata"]["annotations"][READY_DELAY_ANNOTATION]
                    .as_str()
                    .and_then(parse_duration)
                    .unwrap_or_else(|| sim.controllers().current().ready_delay);
                let timer =
                    Timer::PodStart { namespace: ns.clone(), name: name.clone(), uid: meta_str(object, "uid").into() };
                schedule(sim, delay, timer);
            }
            if kind == EventKind::Deleted {
                sim.logs().forget_pod(&ns, &name);
            }
            reconcile_owner(&mut state, object);
        }
        ("", "persistentvolumeclaims", EventKind::Added) => {
            let pvcs = rt(&state, "", "persistentvolumeclaims");
            let status = json!({
                "phase": "Bound",
                "accessModes": object["spec"]["accessModes"],
                "capacity": object["spec"]["resources"]["requests"],
            });
            set_status(&mut state, &pvcs, object, status);
        }
        ("", "namespaces", EventKind::Added) => {
            let accounts = rt(&state, "", "serviceaccounts");
            if state.raw(&accounts, &name, "default").is_none() {
                create(&mut state, &accounts, &name, json!({"metadata": {"name": "default"}}));
            }
        }
        ("", "namespaces", EventKind::Modified) if deleting(object) => namespace(&mut state, &name),
        _ => {}
    }
    if event.kind == EventKind::Deleted {
        collect_garbage(&mut state, object);
        let namespaces = rt(&state, "", "namespaces");
        if !ns.is_empty() && state.raw(&namespaces, "", &ns).is_some_and(deleting) {
            namespace(&mut state, &ns);
        }
    } else if deleting(object)
        && object["metadata"]["finalizers"].as_array().is_some_and(|f| f.iter().any(|f| f == "foregroundDeletion"))
    {
        let object_type = rt(&state, &event.group, &event.plural);
        foreground(&mut state, &object_type, object);
    }
}

fn schedule(sim: &Sim, delay: Duration, timer: Timer) {
    let wake = sim.controllers().wake.clone();
    if delay.is_zero() {
        let _ = wake.send(timer);
        return;
    }
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let _ = wake.send(timer);
    });
}

fn resync(sim: &Sim) {
    let mut state = sim.state();
    let pods_rt = rt(&state, "", "pods");
    let pending: Vec<Value> =
        state.list(&pods_rt, None).into_iter().filter(|p| p["status"]["phase"] == "Pending").collect();
    for (kind, list) in [("deployments", "apps"), ("statefulsets", "apps"), ("jobs", "batch"), ("daemonsets", "apps")] {
        let t = rt(&state, list, kind);
        for o in state.list(&t, None) {
            let (ns, name) = (meta_str(&o, "namespace").to_string(), meta_str(&o, "name").to_string());
            match kind {
                "deployments" => deployment(&mut state, &ns, &name),
                "statefulsets" => statefulset(&mut state, &ns, &name),
                "jobs" => job(&mut state, &ns, &name),
                _ => daemonset(&mut state, sim, &ns, &name),
            }
        }
    }
    drop(state);
    for pod in pending {
        let timer = Timer::PodStart {
            namespace: meta_str(&pod, "namespace").into(),
            name: meta_str(&pod, "name").into(),
            uid: meta_str(&pod, "uid").into(),
        };
        let _ = sim.controllers().wake.send(timer);
    }
}

fn reconcile_owner(state: &mut State, object: &Value) {
    let ns = meta_str(object, "namespace").to_string();
    for owner in object["metadata"]["ownerReferences"].as_array().cloned().unwrap_or_default() {
        let name = owner["name"].as_str().unwrap_or_default().to_string();
        match owner["kind"].as_str().unwrap_or_default() {
            "Deployment" => deployment(state, &ns, &name),
            "ReplicaSet" => {
                replicaset(state, &ns, &name);
                // A pod's change can matter to the Deployment even when the ReplicaSet's counts stay.
                let replicasets = rt(state, "apps", "replicasets");
                if let Some(rs) = state.raw(&replicasets, &ns, &name).cloned() {
                    reconcile_owner(state, &rs);
                }
            }
            "StatefulSet" => statefulset(state, &ns, &name),
            "DaemonSet" => daemonset_status(state, &ns, &name),
            "Job" => job(state, &ns, &name),
            _ => {}
        }
    }
}

fn pod_ready(pod: &Value) -> bool {
    !deleting(pod)
        && pod["status"]["conditions"]
            .as_array()
            .is_some_and(|cs| cs.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
}

/// The objects of one resource that `owner` controls.
fn controlled(state: &State, group: &str, plural: &str, owner: &Value) -> Vec<Value> {
    let uid = meta_str(owner, "uid");
    state
        .dependents(uid)
        .into_iter()
        .filter(|(t, o)| t.group == group && t.plural == plural && controller_uid(o) == Some(uid))
        .map(|(t, o)| crate::store::present(&t, &o))
        .collect()
}

fn pods_of(state: &State, owner: &Value) -> Vec<Value> {
    controlled(state, "", "pods", owner)
}

fn pod_from_template(template: &Value, owner: &Value, name: Value, extra_labels: Value) -> Value {
    let mut metadata = template["metadata"].clone();
    if !metadata.is_object() {
        metadata = json!({});
    }
    match name {
        Value::String(n) if n.ends_with('-') => metadata["generateName"] = json!(n),
        n => metadata["name"] = n,
    }
    if !metadata["labels"].is_object() {
        metadata["labels"] = json!({});
    }
    for (k, v) in extra_labels.as_object().into_iter().flatten() {
        metadata["labels"][k] = v.clone();
    }
    metadata["ownerReferences"] = owner_reference(owner);
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": template["spec"]})
}

fn deployment(state: &mut State, ns: &str, name: &str) {
    let deployments = rt(state, "apps", "deployments");
    let replicasets = rt(state, "apps", "replicasets");
    let Some(d) = state.raw(&deployments, ns, name).cloned() else { return };
    if deleting(&d) {
        return;
    }
    let desired = d["spec"]["replicas"].as_i64().unwrap_or(1);
    let template = &d["spec"]["template"];
    let hash = template_hash(template);
    let new_name = format!("{name}-{hash}");
    let owned: Vec<Value> = controlled(state, "apps", "replicasets", &d);
    if !owned.iter().any(|rs| meta_str(rs, "name") == new_name) {
        let revision = owned
            .iter()
            .filter_map(|rs| {
                rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"].as_str()?.parse::<i64>().ok()
            })
            .max()
            .unwrap_or(0)
            + 1;
        let mut rs_template = template.clone();
        rs_template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
        let mut selector = d["spec"]["selector"].clone();
        selector["matchLabels"]["pod-template-hash"] = json!(hash);
        let rs = json!({
            "metadata": {
                "name": new_name,
                "labels": rs_template["metadata"]["labels"],
                "annotations": {"deployment.kubernetes.io/revision": revision.to_string(),
                    "deployment.kubernetes.io/desired-replicas": desired.to_string()},
                "ownerReferences": owner_reference(&d),
            },
            "spec": {"replicas": desired, "selector": selector, "template": rs_template, "minReadySeconds": d["spec"]["minReadySeconds"]},
        });
        create(state, &replicasets, ns, rs);
        let mut annotated = d.clone();
        annotated["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = json!(revision.to_string());
        let _ =
            state.write(&deployments, ns, d.clone(), annotated, Part::Whole, &WriteOptions::internal(MANAGER), true);
    }
    let owned_now = controlled(state, "apps", "replicasets", &d);
    let new_available = owned_now
        .iter()
        .find(|rs| meta_str(rs, "name") == new_name)
        .map_or(0, |rs| rs["status"]["availableReplicas"].as_i64().unwrap_or(0));
    // A rolling update keeps the old pods until the new ones are available; Recreate does not.
    let retire_old = d["spec"]["strategy"]["type"] == "Recreate" || new_available >= desired;
    for rs in &owned_now {
        let want = if meta_str(rs, "name") == new_name {
            desired
        } else if retire_old {
            0
        } else {
            rs["spec"]["replicas"].as_i64().unwrap_or(0)
        };
        if rs["spec"]["replicas"].as_i64() != Some(want) {
            let mut next = rs.clone();
            next["spec"]["replicas"] = json!(want);
            let _ =
                state.write(&replicasets, ns, rs.clone(), next, Part::Whole, &WriteOptions::internal(MANAGER), true);
        }
    }
    let Some(d) = state.raw(&deployments, ns, name).cloned() else { return };
    let owned: Vec<Value> = controlled(state, "apps", "replicasets", &d);
    let sum = |key: &str| owned.iter().map(|rs| rs["status"][key].as_i64().unwrap_or(0)).sum::<i64>();
    let new_rs = owned.iter().find(|rs| meta_str(rs, "name") == new_name);
    let updated = new_rs.map_or(0, |rs| rs["status"]["replicas"].as_i64().unwrap_or(0));
    let (replicas, ready, available) = (sum("replicas"), sum("readyReplicas"), sum("availableReplicas"));
    let failing = new_rs.is_some_and(|rs| {
        pods_of(state, rs).iter().any(|p| {
            p["status"]["containerStatuses"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|c| !c["state"]["waiting"].is_null()))
                && failure(p).is_some()
        })
    });
    let complete = updated == desired && replicas == desired && available >= desired;
    let now = now_rfc3339();
    let existing = &d["status"]["conditions"];
    let available_condition = if available >= desired {
        condition(existing, "Available", true, "MinimumReplicasAvailable", "Deployment has minimum availability.", &now)
    } else {
        condition(
            existing,
            "Available",
            false,
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            &now,
        )
    };
    let progressing = if failing {
        condition(
            existing,
            "Progressing",
            false,
            "ProgressDeadlineExceeded",
            &format!("ReplicaSet \"{new_name}\" has timed out progressing."),
            &now,
        )
    } else if complete {
        condition(
            existing,
            "Progressing",
            true,
            "NewReplicaSetAvailable",
            &format!("ReplicaSet \"{new_name}\" has successfully progressed."),
            &now,
        )
    } else {
        condition(
            existing,
            "Progressing",
            true,
            "ReplicaSetUpdated",
            &format!("ReplicaSet \"{new_name}\" is progressing."),
            &now,
        )
    };
    let mut status = json!({
        "observedGeneration": d["metadata"]["generation"],
        "replicas": replicas,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": available,
        "conditions": [available_condition, progressing],
    });
    if replicas - available > 0 {
        status["unavailableReplicas"] = json!(replicas - available);
    }
    strip_zero(&mut status, &["replicas", "updatedReplicas", "readyReplicas", "availableReplicas"]);
    set_status(state, &deployments, &d, status);
}

/// The API server omits zero counts (`omitempty`); clients treat absent as 0.
fn strip_zero(status: &mut Value, keys: &[&str]) {
    if let Some(map) = status.as_object_mut() {
        for key in keys {
            if map.get(*key).and_then(Value::as_i64) == Some(0) {
                map.remove(*key);
            }
        }
    }
}

fn replicaset(state: &mut State, ns: &str, name: &str) {
    let replicasets = rt(state, "apps", "replicasets");
    let pods_rt = rt(state, "", "pods");
    let Some(rs) = state.raw(&replicasets, ns, name).cloned() else { return };
    if deleting(&rs) {
        return;
    }
    let desired = rs["spec"]["replicas"].as_i64().unwrap_or(1).max(0) as usize;
    let live: Vec<Value> = pods_of(state, &rs).into_iter().filter(|p| !deleting(p)).collect();
    for _ in live.len()..desired {
        let pod = pod_from_template(&rs["spec"]["template"], &rs, json!(format!("{name}-")), json!({}));
        create(state, &pods_rt, ns, pod);
    }
    for extra in live.iter().skip(desired) {
        delete(state, &pods_rt, extra, "Background");
    }
    let pods: Vec<Value> = pods_of(state, &rs).into_iter().filter(|p| !deleting(p)).collect();
    let ready = pods.iter().filter(|p| pod_ready(p)).count();
    let mut status = json!({
        "replicas": pods.len(),
        "fullyLabeledReplicas": pods.len(),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "observedGeneration": rs["metadata"]["generation"],
    });
    strip_zero(&mut status, &["fullyLabeledReplicas", "readyReplicas", "availableReplicas"]);
    set_status(state, &replicasets, &rs, status);
}

fn statefulset(state: &mut State, ns: &str, name: &str) {
    let sets = rt(state, "apps", "statefulsets");
    let pods_rt = rt(state, "", "pods");
    let claims = rt(state, "", "persistentvolumeclaims");
    let Some(set) = state.raw(&sets, ns, name).cloned() else { return };
    if deleting(&set) {
        return;
    }
    let desired = set["spec"]["replicas"].as_i64().unwrap_or(1).max(0);
    let revision = format!("{name}-{}", template_hash(&set["spec"]["template"]));
    let pods = pods_of(state, &set);
    for ordinal in 0..desired {
        let pod_name = format!("{name}-{ordinal}");
        for claim in set["spec"]["volumeClaimTemplates"].as_array().into_iter().flatten() {
            let claim_name = format!("{}-{pod_name}", meta_str(claim, "name"));
            if state.raw(&claims, ns, &claim_name).is_none() {
                let mut pvc = claim.clone();
                pvc["metadata"] = json!({"name": claim_name, "labels": set["spec"]["selector"]["matchLabels"]});
                create(state, &claims, ns, pvc);
            }
        }
        match pods.iter().find(|p| meta_str(p, "name") == pod_name) {
            Some(p) if deleting(p) => {}
            Some(p) if p["metadata"]["labels"]["controller-revision-hash"] != revision.as_str() => {
                delete(state, &pods_rt, p, "Background")
            }
            Some(_) => {}
            None => {
                let labels = json!({"statefulset.kubernetes.io/pod-name": pod_name, "controller-revision-hash": revision,
                    "apps.kubernetes.io/pod-index": ordinal.to_string()});
                let mut pod = pod_from_template(&set["spec"]["template"], &set, json!(pod_name), labels);
                pod["spec"]["hostname"] = json!(pod_name);
                if let Some(service) = set["spec"]["serviceName"].as_str() {
                    pod["spec"]["subdomain"] = json!(service);
                }
                create(state, &pods_rt, ns, pod);
            }
        }
    }
    for p in &pods {
        let ordinal = meta_str(p, "name").rsplit('-').next().and_then(|o| o.parse::<i64>().ok()).unwrap_or(i64::MAX);
        if ordinal >= desired && !deleting(p) {
            delete(state, &pods_rt, p, "Background");
        }
    }
    let pods: Vec<Value> = pods_of(state, &set).into_iter().filter(|p| !deleting(p)).collect();
    let current =
        pods.iter().filter(|p| p["metadata"]["labels"]["controller-revision-hash"] == revision.as_str()).count();
    let ready = pods.iter().filter(|p| pod_ready(p)).count();
    let mut status = json!({
        "observedGeneration": set["metadata"]["generation"],
        "replicas": pods.len(),
        "readyReplicas": ready,
        "currentReplicas": current,
        "updatedReplicas": current,
        "availableReplicas": ready,
        "currentRevision": revision,
        "updateRevision": revision,
        "collisionCount": 0,
    });
    strip_zero(&mut status, &["readyReplicas", "currentReplicas", "updatedReplicas"]);
    set_status(state, &sets, &set, status);
}

fn daemonset(state: &mut State, sim: &Sim, ns: &str, name: &str) {
    let sets = rt(state, "apps", "daemonsets");
    let pods_rt = rt(state, "", "pods");
    let Some(set) = state.raw(&sets, ns, name).cloned() else { return };
    if deleting(&set) {
        return;
    }
    let revision = template_hash(&set["spec"]["template"]);
    let pods: Vec<Value> = pods_of(state, &set).into_iter().filter(|p| !deleting(p)).collect();
    for node in &sim.options().nodes {
        let on_node: Vec<&Value> = pods.iter().filter(|p| p["spec"]["nodeName"] == node.as_str()).collect();
        for stale in on_node.iter().filter(|p| p["metadata"]["labels"]["controller-revision-hash"] != revision.as_str())
        {
            delete(state, &pods_rt, stale, "Background");
        }
        if !on_node.iter().any(|p| p["metadata"]["labels"]["controller-revision-hash"] == revision.as_str()) {
            let labels = json!({"controller-revision-hash": revision, "pod-template-generation": set["metadata"]["generation"].to_string()});
            let mut pod = pod_from_template(&set["spec"]["template"], &set, json!(format!("{name}-")), labels);
            pod["spec"]["nodeName"] = json!(node);
            create(state, &pods_rt, ns, pod);
        }
    }
    daemonset_status(state, ns, name);
}

fn daemonset_status(state: &mut State, ns: &str, name: &str) {
    let sets = rt(state, "apps", "daemonsets");
    let Some(set) = state.raw(&sets, ns, name).cloned() else { return };
    let revision = template_hash(&set["spec"]["template"]);
    let pods: Vec<Value> = pods_of(state, &set).into_iter().filter(|p| !deleting(p)).collect();
    let nodes = rt(state, "", "nodes");
    let desired = state.list(&nodes, None).len();
    let ready = pods.iter().filter(|p| pod_ready(p)).count();
    let updated =
        pods.iter().filter(|p| p["metadata"]["labels"]["controller-revision-hash"] == revision.as_str()).count();
    let mut status = json!({
        "observedGeneration": set["metadata"]["generation"],
        "desiredNumberScheduled": desired,
        "currentNumberScheduled": pods.len(),
        "numberMisscheduled": 0,
        "numberReady": ready,
        "numberAvailable": ready,
        "updatedNumberScheduled": updated,
    });
    if desired > ready {
        status["numberUnavailable"] = json!(desired - ready);
    }
    strip_zero(&mut status, &["numberAvailable", "updatedNumberScheduled"]);
    set_status(state, &sets, &set, status);
}

fn job(state: &mut State, ns: &str, name: &str) {
    let jobs = rt(state, "batch", "jobs");
    let pods_rt = rt(state, "", "pods");
    let Some(job) = state.raw(&jobs, ns, name).cloned() else { return };
    if deleting(&job) {
        return;
    }
    let conditions = &job["status"]["conditions"];
    let finished = conditions.as_array().is_some_and(|cs| {
        cs.iter().any(|c| (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True")
    });
    if finished || job["spec"]["suspend"] == true {
        return;
    }
    let completions = job["spec"]["completions"].as_i64().unwrap_or(1);
    let parallelism = job["spec"]["parallelism"].as_i64().unwrap_or(1);
    let backoff = job["spec"]["backoffLimit"].as_i64().unwrap_or(6);
    let pods = pods_of(state, &job);
    let phase_count = |phase: &str| pods.iter().filter(|p| p["status"]["phase"] == phase).count() as i64;
    let (succeeded, failed) = (phase_count("Succeeded"), phase_count("Failed"));
    let active = pods.len() as i64 - succeeded - failed;
    let now = now_rfc3339();
    let mut status = json!({
        "startTime": job["status"]["startTime"].as_str().unwrap_or(&now),
        "active": active,
        "succeeded": succeeded,
        "failed": failed,
        "ready": pods.iter().filter(|p| pod_ready(p)).count(),
        "terminating": 0,
        "uncountedTerminatedPods": {},
    });
    let fails_fast = failure(&job["spec"]["template"]).is_some();
    if succeeded >= completions {
        status["completionTime"] = json!(now);
        status["conditions"] = json!([
            condition(
                conditions,
                "SuccessCriteriaMet",
                true,
                "CompletionsReached",
                "Reached expected number of succeeded pods",
                &now
            ),
            condition(
                conditions,
                "Complete",
                true,
                "CompletionsReached",
                "Reached expected number of succeeded pods",
                &now
            ),
        ]);
    } else if failed > backoff || (failed > 0 && fails_fast) {
        status["conditions"] = json!([
            condition(
                conditions,
                "FailureTarget",
                true,
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
                &now
            ),
            condition(
                conditions,
                "Failed",
                true,
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
                &now
            ),
        ]);
    } else {
        let want = parallelism.min(completions - succeeded) - active;
        for _ in 0..want.max(0) {
            let labels = json!({"batch.kubernetes.io/job-name": name, "job-name": name,
                "batch.kubernetes.io/controller-uid": meta_str(&job, "uid"), "controller-uid": meta_str(&job, "uid")});
            let pod = pod_from_template(&job["spec"]["template"], &job, json!(format!("{name}-")), labels);
            create(state, &pods_rt, ns, pod);
        }
        status["active"] = json!(active + want.max(0));
    }
    strip_zero(&mut status, &["active", "succeeded", "failed"]);
    set_status(state, &jobs, &job, status);
}

fn on_timer(sim: &Sim, timer: Timer) {
    let (namespace, name, uid, finish) = match timer {
        Timer::PodStart { namespace, name, uid } => (namespace, name, uid, false),
        Timer::PodFinish { namespace, name, uid } => (namespace, name, uid, true),
        Timer::PodLog { namespace, name, uid, count } => return heartbeat(sim, namespace, name, uid, count),
        Timer::Resync => return resync(sim),
    };
    let mut state = sim.state();
    let pods_rt = rt(&state, "", "pods");
    let Some(pod) = state.raw(&pods_rt, &namespace, &name).cloned() else { return };
    if meta_str(&pod, "uid") != uid || deleting(&pod) {
        return;
    }
    let now = now_rfc3339();
    let fail = failure(&pod);
    let containers: Vec<Value> = pod["spec"]["containers"].as_array().cloned().unwrap_or_default();
    let job_pod = pod["metadata"]["ownerReferences"].as_array().is_some_and(|r| r.iter().any(|o| o["kind"] == "Job"));
    let mut next = pod.clone();
    if finish {
        if pod["status"]["phase"] != "Running" {
            return;
        }
        let ok = fail.is_none();
        next["status"]["phase"] = json!(if ok { "Succeeded" } else { "Failed" });
        next["status"]["conditions"] = json!([
            condition(&pod["status"]["conditions"], "Initialized", true, "PodCompleted", "", &now),
            condition(&pod["status"]["conditions"], "Ready", false, "PodCompleted", "", &now),
            condition(&pod["status"]["conditions"], "ContainersReady", false, "PodCompleted", "", &now),
            condition(&pod["status"]["conditions"], "PodScheduled", true, "", "", &now),
        ]);
        next["status"]["containerStatuses"] = json!(containers.iter().map(|c| {
            let started = pod["status"]["startTime"].clone();
            json!({"name": c["name"], "image": c["image"], "imageID": "", "ready": false, "started": false, "restartCount": 0,
                "state": {"terminated": {"exitCode": if ok { 0 } else { 1 }, "reason": if ok { "Completed" } else { "Error" }, "startedAt": started, "finishedAt": now}}})
        }).collect::<Vec<_>>());
        for c in &containers {
            let line = if ok { "kubesim: completed" } else { "kubesim: failed (simulated)" };
            sim.logs().write(&namespace, &name, c["name"].as_str().unwrap_or_default(), line);
        }
    } else {
        if pod["status"]["phase"] != "Pending" {
            return;
        }
        let node = pod["spec"]["nodeName"]
            .as_str()
            .map(String::from)
            .unwrap_or_else(|| sim.options().nodes.first().cloned().unwrap_or_default());
        next["spec"]["nodeName"] = json!(node);
        let ready = fail.is_none();
        let ip = format!("10.244.{}.{}", (state.resource_version() / 250) % 250, state.resource_version() % 250 + 2);
        next["status"] = json!({
            "phase": "Running",
            "hostIP": "10.0.0.10",
            "hostIPs": [{"ip": "10.0.0.10"}],
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": now,
            "qosClass": pod["status"]["qosClass"].as_str().unwrap_or("BestEffort"),
            "conditions": [
                condition(&Value::Null, "PodReadyToStartContainers", true, "", "", &now),
                condition(&Value::Null, "Initialized", true, "", "", &now),
                condition(&Value::Null, "Ready", ready, if ready { "" } else { "ContainersNotReady" }, "", &now),
                condition(&Value::Null, "ContainersReady", ready, if ready { "" } else { "ContainersNotReady" }, "", &now),
                condition(&Value::Null, "PodScheduled", true, "", "", &now),
            ],
            "containerStatuses": containers.iter().map(|c| {
                let state = match &fail {
                    None => json!({"running": {"startedAt": now}}),
                    Some(reason) => json!({"waiting": {"reason": reason, "message": "simulated failure (kubesim.ferry.dev/fail)"}}),
                };
                json!({"name": c["name"], "image": c["image"], "imageID": format!("{}@sha256:{}", c["image"].as_str().unwrap_or_default(), "0".repeat(64)),
                    "containerID": format!("containerd://{}", uuid::Uuid::new_v4().simple()), "ready": ready, "started": ready,
                    "restartCount": if ready { 0 } else { 1 }, "state": state})
            }).collect::<Vec<_>>(),
        });
        for c in &containers {
            let container = c["name"].as_str().unwrap_or_default();
            let line = match &fail {
                None => format!(
                    "kubesim: container {container} started (image {})",
                    c["image"].as_str().unwrap_or_default()
                ),
                Some(reason) => format!("kubesim: container {container} failed to start: {reason} (simulated)"),
            };
            sim.logs().write(&namespace, &name, container, &line);
        }
        if let Some(interval) = log_interval(sim, &pod).filter(|_| fail.is_none()) {
            let timer = Timer::PodLog { namespace: namespace.clone(), name: name.clone(), uid: uid.clone(), count: 1 };
            schedule(sim, interval, timer);
        }
        if job_pod {
            let duration = sim.controllers().current().job_duration;
            schedule(
                sim,
                duration,
                Timer::PodFinish { namespace: namespace.clone(), name: name.clone(), uid: uid.clone() },
            );
        }
    }
    let _ = state.write(&pods_rt, &namespace, pod, next, Part::Whole, &WriteOptions::internal("kubelet"), true);
}

fn log_interval(sim: &Sim, pod: &Value) -> Option<Duration> {
    let annotated = pod["metadata"]["annotations"][LOG_INTERVAL_ANNOTATION].as_str().and_then(parse_duration);
    annotated.or_else(|| sim.controllers().current().log_interval).filter(|d| !d.is_zero())
}

/// A running container's periodic log line; stops with the pod.
fn heartbeat(sim: &Sim, namespace: String, name: String, uid: String, count: u64) {
    let pod = {
        let state = sim.state();
        let pods_rt = rt(&state, "", "pods");
        state.raw(&pods_rt, &namespace, &name).cloned()
    };
    let Some(pod) = pod else { return };
    if meta_str(&pod, "uid") != uid || pod["status"]["phase"] != "Running" || deleting(&pod) {
        return;
    }
    for c in pod["spec"]["containers"].as_array().into_iter().flatten() {
        let container = c["name"].as_str().unwrap_or_default();
        sim.logs().write(&namespace, &name, container, &format!("kubesim: {container} heartbeat {count}"));
    }
    if let Some(interval) = log_interval(sim, &pod) {
        schedule(sim, interval, Timer::PodLog { namespace, name, uid, count: count + 1 });
    }
}

fn namespace(state: &mut State, name: &str) {
    let namespaces = rt(state, "", "namespaces");
    let Some(ns) = state.raw(&namespaces, "", name).cloned() else { return };
    if !deleting(&ns) {
        return;
    }
    let contents: Vec<(ResourceType, Value)> =
        state.select_all(|t, o| t.namespaced && meta_str(o, "namespace") == name);
    if contents.is_empty() {
        let _ = state.remove(&namespaces, "", name, false);
        return;
    }
    for (t, object) in contents.iter().filter(|(_, o)| !deleting(o)) {
        delete(state, t, object, "Background");
    }
}

fn collect_garbage(state: &mut State, deleted: &Value) {
    let uid = meta_str(deleted, "uid").to_string();
    for (t, dependent) in state.dependents(&uid) {
        let refs = dependent["metadata"]["ownerReferences"].as_array().cloned().unwrap_or_default();
        let other_owner_alive =
            refs.iter().filter(|r| r["uid"].as_str() != Some(uid.as_str())).any(|r| owner_exists(state, &dependent, r));
        if other_owner_alive {
            let mut next = dependent.clone();
            next["metadata"]["ownerReferences"] =
                json!(refs.iter().filter(|r| r["uid"].as_str() != Some(uid.as_str())).collect::<Vec<_>>());
            let ns = meta_str(&dependent, "namespace").to_string();
            let _ = state.write(
                &t,
                &ns,
                dependent,
                next,
                Part::Whole,
                &WriteOptions::internal("kube-garbage-collector"),
                true,
            );
        } else if !deleting(&dependent) {
            delete(state, &t, &dependent, "Background");
        }
    }
    // An owner in foreground deletion waits for this dependent; look at it again.
    for owner_ref in deleted["metadata"]["ownerReferences"].as_array().cloned().unwrap_or_default() {
        let Some(owner_type) = state
            .registry
            .by_kind(
                owner_ref["apiVersion"].as_str().unwrap_or_default(),
                owner_ref["kind"].as_str().unwrap_or_default(),
            )
            .cloned()
        else {
            continue;
        };
        let ns = if owner_type.namespaced { meta_str(deleted, "namespace") } else { "" };
        if let Some(owner) = state.raw(&owner_type, ns, owner_ref["name"].as_str().unwrap_or_default()).cloned()
            && deleting(&owner)
        {
            foreground(state, &owner_type, &owner);
        }
    }
}

fn owner_exists(state: &State, dependent: &Value, owner_ref: &Value) -> bool {
    let Some(t) = state
        .registry
        .by_kind(owner_ref["apiVersion"].as_str().unwrap_or_default(), owner_ref["kind"].as_str().unwrap_or_default())
    else {
        return false;
    };
    let ns = if t.namespaced { meta_str(dependent, "namespace") } else { "" };
    state
        .raw(t, ns, owner_ref["name"].as_str().unwrap_or_default())
        .is_some_and(|o| o["metadata"]["uid"] == owner_ref["uid"])
}

fn foreground(state: &mut State, t: &ResourceType, owner: &Value) {
    if !owner["metadata"]["finalizers"].as_array().is_some_and(|f| f.iter().any(|f| f == "foregroundDeletion")) {
        return;
    }
    let dependents = state.dependents(meta_str(owner, "uid"));
    if dependents.is_empty() {
        let mut next = owner.clone();
        if let Some(f) = next["metadata"]["finalizers"].as_array_mut() {
            f.retain(|f| f != "foregroundDeletion");
        }
        let ns = meta_str(owner, "namespace").to_string();
        let _ = state.write(
            t,
            &ns,
            owner.clone(),
            next,
            Part::Whole,
            &WriteOptions::internal("kube-garbage-collector"),
            true,
        );
        return;
    }
    for (dt, dependent) in dependents.iter().filter(|(_, d)| !deleting(d)) {
        delete(state, dt, dependent, "Foreground");
    }
}
