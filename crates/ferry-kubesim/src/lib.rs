//! A fake Kubernetes API server for tests and demos.
//!
//! `ferry-kubesim` keeps objects of any kind in memory and serves them the way the
//! Kubernetes API server does, closely enough that the real `kubectl`, `helm` and
//! kube-rs clients work against it: discovery (legacy and aggregated), OpenAPI
//! documents, `resourceVersion`/`uid`/`generation`/`managedFields`, label and field
//! selectors, pagination, watches with bookmarks and `410 Gone`, server-side apply
//! with conflicts, merge/strategic/JSON patches, status subresources, namespaces,
//! garbage collection, simulated controllers (Deployments, StatefulSets, DaemonSets,
//! Jobs, pods with logs), `metrics.k8s.io`, RBAC-like denial and fault injection.
//!
//! It is a test tool, not a Kubernetes: one store, one global resourceVersion
//! counter, generic JSON objects plus a few kind-specific behaviours.
//!
//! # In-process
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use ferry_kubesim::{Sim, SimOptions};
//!
//! let sim = Sim::new(SimOptions::default());
//! // A tower service (axum Router): e.g. `kube::Client::new(sim.router(), "default")`.
//! let _service = sim.router();
//! // Or on a loopback port, with a kubeconfig for kubectl, helm or kube-rs
//! // (`serve` for plain HTTP; kubectl and helm send bearer tokens only over TLS):
//! let running = sim.serve_tls("127.0.0.1:0".parse()?).await?;
//! std::fs::write("/tmp/kubeconfig", running.kubeconfig())?;
//! // Seed, inspect, inject faults, deny, steer controllers:
//! sim.apply_yaml("apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}\n")?;
//! sim.faults().inject(ferry_kubesim::Fault::status(500).verb("list").resource("deployments").times(1));
//! sim.access().add_token("agent-token", "system:serviceaccount:apps:agent");
//! sim.access().confine_to_namespace("system:serviceaccount:apps:agent", "apps");
//! sim.controllers().set_ready_delay(std::time::Duration::from_millis(200));
//! running.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! [`Sim::new`] must run inside a Tokio runtime: it starts the simulated controllers.

mod access;
mod admission;
mod controllers;
mod error;
mod faults;
mod fields;
mod http;
mod http_logs;
mod logs;
mod metrics;
mod openapi;
mod patch;
mod protobuf;
mod resources;
mod selector;
mod store;
mod table;
mod tls;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::broadcast;

pub use access::{ADMIN, Access, service_account};
pub use controllers::{
    ControllerSettings, Controllers, FAIL_ANNOTATION, LOG_INTERVAL_ANNOTATION, READY_DELAY_ANNOTATION,
};
pub use error::ApiError;
pub use faults::{Fault, FaultAction, Faults, RequestInfo, RequestMatch};
pub use logs::{LogLine, Logs};
pub use metrics::{Metrics, Usage};
pub use resources::ResourceType;
pub use store::{DeleteOptions, Event, EventKind};
pub use tls::TlsError;

/// How a simulator starts.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// How long new pods stay `Pending` before they run and are ready.
    pub ready_delay: Duration,
    /// How long a Job's pods run before they complete.
    pub job_duration: Duration,
    /// Serve `metrics.k8s.io` (as if metrics-server were installed).
    pub metrics: bool,
    /// Names of the simulated nodes (DaemonSets get one pod per node).
    pub nodes: Vec<String>,
    /// How many events are kept for watches to resume from; older resourceVersions get `410 Gone`.
    pub watch_history: usize,
    /// How often watches that allow bookmarks get one.
    pub bookmark_interval: Duration,
    /// The `gitVersion` that `/version` reports.
    pub version: String,
    /// How often running containers log a line (`None`: only a start line).
    pub log_interval: Option<Duration>,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            ready_delay: Duration::from_millis(100),
            job_duration: Duration::from_millis(100),
            metrics: true,
            nodes: vec!["kubesim-node-1".into()],
            watch_history: 10_000,
            bookmark_interval: Duration::from_secs(1),
            version: "v1.35.0".into(),
            log_interval: None,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Binding the address failed.
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
    /// Setting up TLS failed.
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// Why a test-API operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The API answered with an error.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A manifest could not be parsed.
    #[error("invalid manifest: {0}")]
    Manifest(String),
    /// The object's apiVersion/kind is not served.
    #[error("no resource type serves apiVersion {api_version:?} kind {kind:?} (register its CRD first)")]
    UnknownKind {
        /// apiVersion of the object.
        api_version: String,
        /// kind of the object.
        kind: String,
    },
}

pub(crate) struct Shared {
    state: Mutex<store::State>,
    options: SimOptions,
    faults: Faults,
    access: Access,
    logs: Logs,
    metrics: Metrics,
    controllers: Controllers,
    requests: Mutex<Vec<RequestInfo>>,
    controller_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(task) = self.controller_task.get_mut().ok().and_then(Option::take) {
            task.abort();
        }
    }
}

/// A simulated Kubernetes API server. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Sim {
    pub(crate) shared: Arc<Shared>,
}

/// At most this many requests are remembered by [`Sim::requests`].
const REQUEST_LOG_LIMIT: usize = 100_000;

impl Sim {
    /// A simulator with the built-in kinds, the namespaces `default`, `kube-system`,
    /// `kube-public` and `kube-node-lease`, and the configured nodes. Starts the
    /// simulated controllers, so it must be called inside a Tokio runtime.
    pub fn new(options: SimOptions) -> Self {
        let (events, controller_events) = broadcast::channel(16_384);
        let state = store::State::new(resources::Registry::new(options.metrics), options.watch_history, events);
        let (wake, timers) = tokio::sync::mpsc::unbounded_channel();
        let settings = ControllerSettings {
            ready_delay: options.ready_delay,
            job_duration: options.job_duration,
            paused: false,
            log_interval: options.log_interval,
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            options,
            faults: Faults::new(),
            access: Access::default(),
            logs: Logs::default(),
            metrics: Metrics::default(),
            controllers: Controllers { settings: Arc::new(Mutex::new(settings)), wake },
            requests: Mutex::new(Vec::new()),
            controller_task: Mutex::new(None),
        });
        let task = tokio::spawn(controllers::run(Arc::downgrade(&shared), controller_events, timers));
        *shared.controller_task.lock().expect("fresh mutex") = Some(task);
        let sim = Self { shared };
        sim.seed();
        sim
    }

    fn seed(&self) {
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let _ = self.create(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
        }
        for node in &self.shared.options.nodes {
            let _ = self.create(json!({
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": node, "labels": {"kubernetes.io/hostname": node, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}},
                "spec": {},
                "status": {
                    "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"},
                    "allocatable": {"cpu": "4", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"},
                    "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}],
                    "addresses": [{"type": "InternalIP", "address": "10.0.0.10"}, {"type": "Hostname", "address": node}],
                    "nodeInfo": {"kubeletVersion": self.shared.options.version, "containerRuntimeVersion": "containerd://2.0.0",
                        "operatingSystem": "linux", "architecture": "amd64", "osImage": "kubesim", "kernelVersion": "6.1.0",
                        "kubeProxyVersion": self.shared.options.version, "machineID": "", "systemUUID": "", "bootID": ""},
                },
            }));
        }
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, store::State> {
        self.shared.state.lock().expect("store poisoned")
    }

    /// The options the simulator started with.
    pub fn options(&self) -> &SimOptions {
        &self.shared.options
    }

    /// The API as an axum `Router` (a tower service), for in-process clients.
    pub fn router(&self) -> axum::Router {
        http::router(self.clone())
    }

    /// Serves the API on `addr` (use port 0 for a free port) over plain HTTP.
    pub async fn serve(&self, addr: SocketAddr) -> std::io::Result<Running> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let router = self.router();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            if let Err(e) = axum::serve(listener, router).with_graceful_shutdown(shutdown).await {
                tracing::warn!(error = %e, "kubesim server stopped with an error");
            }
        });
        Ok(Running { addr, url: format!("http://{addr}"), ca_pem: None, stop: Some(stop), task })
    }

    /// Serves the API on `addr` over HTTPS with a fresh self-signed CA; the kubeconfig
    /// carries the CA. Use this when clients must present bearer tokens: kubectl and
    /// helm send them only over TLS.
    pub async fn serve_tls(&self, addr: SocketAddr) -> Result<Running, ServeError> {
        let identity = tls::identity()?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let acceptor = tokio_rustls::TlsAcceptor::from(identity.server);
        let router = self.router();
        let task = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let (tcp, _) = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok(a) => a,
                        Err(e) => {
                            tracing::warn!(error = %e, "kubesim could not accept a connection");
                            continue;
                        }
                    },
                    _ = &mut stopped => return,
                };
                let acceptor = acceptor.clone();
                let service = hyper_util::service::TowerToHyperService::new(router.clone());
                connections.spawn(async move {
                    let Ok(stream) = acceptor.accept(tcp).await else { return };
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ =
                        hyper::server::conn::http1::Builder::new().serve_connection(io, service).with_upgrades().await;
                });
                while connections.try_join_next().is_some() {}
            }
        });
        Ok(Running { addr, url: format!("https://{addr}"), ca_pem: Some(identity.ca_pem), stop: Some(stop), task })
    }

    /// Fault injection.
    pub fn faults(&self) -> Faults {
        self.shared.faults.clone()
    }

    /// Tokens and RBAC-like denial.
    pub fn access(&self) -> Access {
        self.shared.access.clone()
    }

    /// Pod logs.
    pub fn logs(&self) -> Logs {
        self.shared.logs.clone()
    }

    /// The simulated metrics-server's figures.
    pub fn metrics(&self) -> Metrics {
        self.shared.metrics.clone()
    }

    /// Turns `metrics.k8s.io` on or off (off: as a cluster without metrics-server).
    pub fn set_metrics_enabled(&self, enabled: bool) {
        self.state().registry.set_metrics(enabled);
    }

    /// The simulated controllers.
    pub fn controllers(&self) -> Controllers {
        self.shared.controllers.clone()
    }

    /// Every resource request served so far (oldest first), for asserting what a client did.
    pub fn requests(&self) -> Vec<RequestInfo> {
        self.shared.requests.lock().expect("request log poisoned").clone()
    }

    /// How many requests with this verb on this resource (`deployments` or `deployments.apps`) were served.
    pub fn request_count(&self, verb: &str, resource: &str) -> usize {
        let matcher = RequestMatch { verb: Some(verb.into()), resource: Some(resource.into()), ..Default::default() };
        self.shared.requests.lock().expect("request log poisoned").iter().filter(|r| matcher.matches(r)).count()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        self.shared.requests.lock().expect("request log poisoned").clear();
    }

    pub(crate) fn record(&self, request: &RequestInfo) {
        let mut log = self.shared.requests.lock().expect("request log poisoned");
        if log.len() >= REQUEST_LOG_LIMIT {
            log.drain(..REQUEST_LOG_LIMIT / 2);
        }
        log.push(request.clone());
    }

    /// Forgets the watch history: every resourceVersion until now becomes too old
    /// (watches from it get `410 Gone`, continue tokens expire).
    pub fn compact(&self) {
        self.state().compact();
    }

    /// The current resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.state().resource_version()
    }

    fn type_of(&self, api_version: &str, kind: &str) -> Result<ResourceType, SimError> {
        self.state()
            .registry
            .by_kind(api_version, kind)
            .cloned()
            .ok_or_else(|| SimError::UnknownKind { api_version: api_version.into(), kind: kind.into() })
    }

    /// Creates an object as an administrator would (status is kept, for seeding).
    pub fn create(&self, object: Value) -> Result<Value, SimError> {
        let rt = self
            .type_of(object["apiVersion"].as_str().unwrap_or_default(), object["kind"].as_str().unwrap_or_default())?;
        let ns = object["metadata"]["namespace"].as_str().unwrap_or("default").to_string();
        Ok(self.state().create(&rt, &ns, object, &store::WriteOptions::internal("kubesim"))?)
    }

    /// Creates the object, or replaces it (status included) when it exists.
    pub fn put(&self, object: Value) -> Result<Value, SimError> {
        let rt = self
            .type_of(object["apiVersion"].as_str().unwrap_or_default(), object["kind"].as_str().unwrap_or_default())?;
        let ns = object["metadata"]["namespace"].as_str().unwrap_or("default").to_string();
        let name = object["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let mut state = self.state();
        let opts = store::WriteOptions::internal("kubesim");
        match state.raw(&rt, if rt.namespaced { &ns } else { "" }, &name).cloned() {
            None => Ok(state.create(&rt, &ns, object, &opts)?),
            Some(old) => Ok(state.write(&rt, &ns, old, object, fields::Part::Whole, &opts, true)?),
        }
    }

    /// Creates or replaces every object of a multi-document YAML manifest, in order.
    pub fn apply_yaml(&self, manifest: &str) -> Result<Vec<Value>, SimError> {
        let docs: Vec<Value> = serde_saphyr::from_multiple(manifest).map_err(|e| SimError::Manifest(e.to_string()))?;
        docs.into_iter().filter(|d| !d.is_null()).map(|d| self.put(d)).collect()
    }

    /// One object, if it exists (`namespace` is ignored for cluster-scoped kinds).
    pub fn get(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Option<Value> {
        let rt = self.type_of(api_version, kind).ok()?;
        let state = self.state();
        state.get(&rt, if rt.namespaced { namespace } else { "" }, name).ok()
    }

    /// Objects of a kind, in one namespace (`Some`) or all.
    pub fn list(&self, api_version: &str, kind: &str, namespace: Option<&str>) -> Vec<Value> {
        let Ok(rt) = self.type_of(api_version, kind) else { return vec![] };
        self.state().list(&rt, namespace)
    }

    /// Deletes an object (background propagation).
    pub fn delete(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Result<Value, SimError> {
        let rt = self.type_of(api_version, kind)?;
        Ok(self.state().delete(&rt, namespace, name, &DeleteOptions::default())?)
    }

    /// Replaces an object's status, as its controller would.
    pub fn set_status(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
        status: Value,
    ) -> Result<Value, SimError> {
        let rt = self.type_of(api_version, kind)?;
        let ns = if rt.namespaced { namespace } else { "" };
        let mut state = self.state();
        let old = state.raw(&rt, ns, name).cloned().ok_or_else(|| ApiError::not_found(&rt, name))?;
        let mut next = old.clone();
        next["status"] = status;
        Ok(state.write(
            &rt,
            ns,
            old,
            next,
            fields::Part::StatusOnly,
            &store::WriteOptions::internal("kubesim"),
            true,
        )?)
    }

    /// Waits until `check` holds for the object (or its absence), polling every 20 ms; false on timeout.
    pub async fn wait_for(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
        timeout: Duration,
        check: impl Fn(Option<&Value>) -> bool,
    ) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if check(self.get(api_version, kind, namespace, name).as_ref()) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A simulator served on a port. Dropping it stops the server.
pub struct Running {
    /// The bound address.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`, or `https://…` when served with TLS.
    pub url: String,
    /// The CA that signed the server certificate (PEM), when served with TLS.
    pub ca_pem: Option<String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// A kubeconfig (YAML) whose current context points at this server with the admin user.
    pub fn kubeconfig(&self) -> String {
        kubeconfig(&self.url, self.ca_pem.as_deref(), "kubesim-admin-token", "default")
    }

    /// A kubeconfig for a bearer token (see [`Access::add_token`]) and default namespace.
    pub fn kubeconfig_with_token(&self, token: &str, namespace: &str) -> String {
        kubeconfig(&self.url, self.ca_pem.as_deref(), token, namespace)
    }

    /// Writes [`Running::kubeconfig`] to a file (mode 0600, as kubectl expects of credentials).
    pub fn write_kubeconfig(&self, path: &std::path::Path) -> std::io::Result<()> {
        write_private(path, &self.kubeconfig())
    }

    /// Stops serving and waits for the server to end (open watches are cut).
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Writes a file readable only by its owner.
pub fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())
}

/// A kubeconfig pointing at `server` (trusting `ca_pem` when given) with a bearer token.
pub fn kubeconfig(server: &str, ca_pem: Option<&str>, token: &str, namespace: &str) -> String {
    use base64::Engine;
    let ca = ca_pem
        .map(|pem| {
            format!("    certificate-authority-data: {}\n", base64::engine::general_purpose::STANDARD.encode(pem))
        })
        .unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kubesim\n  cluster:\n    server: {server}\n{ca}contexts:\n- name: kubesim\n  context:\n    cluster: kubesim\n    user: kubesim\n    namespace: {namespace}\ncurrent-context: kubesim\nusers:\n- name: kubesim\n  user:\n    token: {token}\npreferences: {{}}\n"
    )
}

pub(crate) fn version_info(git_version: &str) -> Value {
    let minor = git_version.trim_start_matches('v').split('.').nth(1).unwrap_or("35").to_string();
    json!({
        "major": "1",
        "minor": minor,
        "emulationMajor": "1",
        "emulationMinor": minor,
        "gitVersion": git_version,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.25.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// Answers SelfSubjectAccessReview and SelfSubjectReview from the access rules.
pub(crate) fn review(sim: &Sim, user: &str, rt: &ResourceType, mut object: Value) -> Value {
    object["apiVersion"] = json!(rt.api_version());
    object["kind"] = json!(rt.kind);
    if object["metadata"].is_null() {
        object["metadata"] = json!({});
    }
    object["metadata"]["creationTimestamp"] = Value::Null;
    if rt.kind == "SelfSubjectReview" {
        object["status"] = json!({"userInfo": {"username": user, "groups": ["system:authenticated"]}});
        return object;
    }
    let attrs = &object["spec"]["resourceAttributes"];
    let request = RequestInfo {
        verb: attrs["verb"].as_str().unwrap_or_default().into(),
        group: attrs["group"].as_str().unwrap_or_default().into(),
        resource: match attrs["subresource"].as_str() {
            Some(sub) if !sub.is_empty() => format!("{}/{sub}", attrs["resource"].as_str().unwrap_or_default()),
            _ => attrs["resource"].as_str().unwrap_or_default().into(),
        },
        namespace: attrs["namespace"].as_str().filter(|n| !n.is_empty()).map(String::from),
        name: attrs["name"].as_str().filter(|n| !n.is_empty()).map(String::from),
        user: user.into(),
    };
    // A namespace sent along for a cluster-scoped resource does not make it namespaced.
    let cluster_scoped = sim
        .state()
        .registry
        .by_storage_key(&request.group, attrs["resource"].as_str().unwrap_or_default())
        .is_some_and(|t| !t.namespaced);
    let request = RequestInfo { namespace: if cluster_scoped { None } else { request.namespace }, ..request };
    let allowed = sim.access().allows(&request);
    object["status"] = if allowed { json!({"allowed": true}) } else { json!({"allowed": false}) };
    object
}
