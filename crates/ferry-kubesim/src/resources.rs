//! The resource types the server serves: a built-in table plus the kinds that
//! registered CustomResourceDefinitions add, and the discovery documents made from them.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// One served resource: a group/version/kind and how it is addressed.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceType {
    /// API group, empty for the core group.
    pub group: String,
    /// API version within the group.
    pub version: String,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
    /// Plural resource name used in paths, e.g. `deployments`.
    pub plural: String,
    /// Singular name.
    pub singular: String,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Short names (`deploy`, `po`, …) for kubectl.
    pub short_names: Vec<String>,
    /// Categories (`all`) for kubectl.
    pub categories: Vec<String>,
    /// Whether `/status` is a separate subresource (then writes to the main
    /// resource leave `.status` alone).
    pub status_subresource: bool,
    /// Whether `/scale` is served.
    pub scale_subresource: bool,
    /// Verbs served.
    pub verbs: Vec<String>,
    /// Defined by a CustomResourceDefinition.
    pub custom: bool,
}

impl ResourceType {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.clone() } else { format!("{}/{}", self.group, self.version) }
    }

    /// `deployments.apps`, or `pods` for the core group, as error messages name resources.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() { self.plural.clone() } else { format!("{}.{}", self.plural, self.group) }
    }

    /// The key objects are stored under: one store per group and resource, whatever
    /// the version it is read at.
    pub fn storage_key(&self) -> (String, String) {
        (self.group.clone(), self.plural.clone())
    }

    /// URL prefix of this resource's group version (`/api/v1`, `/apis/apps/v1`).
    pub fn prefix(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        }
    }
}

const ALL_VERBS: &[&str] = &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

struct Builtin {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
    status: bool,
    scale: bool,
    all: bool,
}

const fn b(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
    status: bool,
) -> Builtin {
    Builtin { group, version, kind, plural, namespaced, short, status, scale: false, all: false }
}

const fn workload(mut b: Builtin, scale: bool) -> Builtin {
    b.scale = scale;
    b.all = true;
    b
}

/// The built-in kinds: what charts and agents commonly use, not all of Kubernetes.
const BUILTINS: &[Builtin] = &[
    workload(b("", "v1", "Pod", "pods", true, &["po"], true), false),
    workload(b("", "v1", "Service", "services", true, &["svc"], true), false),
    workload(b("", "v1", "ReplicationController", "replicationcontrollers", true, &["rc"], true), true),
    b("", "v1", "ConfigMap", "configmaps", true, &["cm"], false),
    b("", "v1", "Secret", "secrets", true, &[], false),
    b("", "v1", "Namespace", "namespaces", false, &["ns"], true),
    b("", "v1", "ServiceAccount", "serviceaccounts", true, &["sa"], false),
    b("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, &["pvc"], true),
    b("", "v1", "PersistentVolume", "persistentvolumes", false, &["pv"], true),
    b("", "v1", "Node", "nodes", false, &["no"], true),
    b("", "v1", "Event", "events", true, &["ev"], false),
    b("", "v1", "Endpoints", "endpoints", true, &["ep"], false),
    b("", "v1", "LimitRange", "limitranges", true, &["limits"], false),
    b("", "v1", "ResourceQuota", "resourcequotas", true, &["quota"], true),
    b("", "v1", "PodTemplate", "podtemplates", true, &[], false),
    workload(b("apps", "v1", "Deployment", "deployments", true, &["deploy"], true), true),
    workload(b("apps", "v1", "ReplicaSet", "replicasets", true, &["rs"], true), true),
    workload(b("apps", "v1", "StatefulSet", "statefulsets", true, &["sts"], true), true),
    workload(b("apps", "v1", "DaemonSet", "daemonsets", true, &["ds"], true), false),
    b("apps", "v1", "ControllerRevision", "controllerrevisions", true, &[], false),
    workload(b("batch", "v1", "Job", "jobs", true, &[], true), false),
    workload(b("batch", "v1", "CronJob", "cronjobs", true, &["cj"], true), false),
    workload(
        b("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, &["hpa"], true),
        false,
    ),
    workload(
        b("autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, &["hpa"], true),
        false,
    ),
    b("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true, &["pdb"], true),
    b("networking.k8s.io", "v1", "Ingress", "ingresses", true, &["ing"], true),
    b("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false, &[], false),
    b("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true, &["netpol"], false),
    b("rbac.authorization.k8s.io", "v1", "Role", "roles", true, &[], false),
    b("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true, &[], false),
    b("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false, &[], false),
    b("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false, &[], false),
    b("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, &["sc"], false),
    b(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        &["crd", "crds"],
        true,
    ),
    b(
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
        &[],
        false,
    ),
    b(
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
        &[],
        false,
    ),
    b("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false, &["pc"], false),
    b("coordination.k8s.io", "v1", "Lease", "leases", true, &[], false),
    b("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, &[], false),
    b("events.k8s.io", "v1", "Event", "events", true, &["ev"], false),
    b("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false, &[], false),
    b("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", false, &[], false),
];

/// Group and version of the metrics API (served only when metrics are enabled).
pub const METRICS_GROUP: &str = "metrics.k8s.io";

fn builtin(entry: &Builtin) -> ResourceType {
    let review = entry.kind.ends_with("Review");
    ResourceType {
        group: entry.group.into(),
        version: entry.version.into(),
        kind: entry.kind.into(),
        plural: entry.plural.into(),
        singular: entry.kind.to_ascii_lowercase(),
        namespaced: entry.namespaced,
        short_names: entry.short.iter().map(|s| s.to_string()).collect(),
        categories: if entry.all { vec!["all".into()] } else { vec![] },
        status_subresource: entry.status,
        scale_subresource: entry.scale,
        verbs: if review { vec!["create".into()] } else { ALL_VERBS.iter().map(|v| v.to_string()).collect() },
        custom: false,
    }
}

fn metrics_types() -> Vec<ResourceType> {
    [("NodeMetrics", "nodes", false), ("PodMetrics", "pods", true)]
        .into_iter()
        .map(|(kind, plural, namespaced)| ResourceType {
            group: METRICS_GROUP.into(),
            version: "v1beta1".into(),
            kind: kind.into(),
            plural: plural.into(),
            singular: String::new(),
            namespaced,
            short_names: vec![],
            categories: vec![],
            status_subresource: false,
            scale_subresource: false,
            verbs: vec!["get".into(), "list".into()],
            custom: false,
        })
        .collect()
}

/// All served resource types, in discovery order.
#[derive(Debug, Clone)]
pub struct Registry {
    types: Vec<ResourceType>,
}

impl Registry {
    /// The built-in table, with or without `metrics.k8s.io`.
    pub fn new(metrics: bool) -> Self {
        let mut types: Vec<ResourceType> = BUILTINS.iter().map(builtin).collect();
        if metrics {
            types.extend(metrics_types());
        }
        Self { types }
    }

    /// Turns `metrics.k8s.io` on or off.
    pub fn set_metrics(&mut self, on: bool) {
        self.types.retain(|t| t.group != METRICS_GROUP);
        if on {
            self.types.extend(metrics_types());
        }
    }

    /// Every served type.
    pub fn all(&self) -> &[ResourceType] {
        &self.types
    }

    /// The type served at `group/version/plural`.
    pub fn find(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceType> {
        self.types.iter().find(|t| t.group == group && t.version == version && t.plural == plural)
    }

    /// The type of an object with this apiVersion and kind.
    pub fn by_kind(&self, api_version: &str, kind: &str) -> Option<&ResourceType> {
        let (group, version) = split_api_version(api_version);
        self.types.iter().find(|t| t.group == group && t.version == version && t.kind == kind)
    }

    /// Any version of `group/plural` (the storage key), preferring the first listed.
    pub fn by_storage_key(&self, group: &str, plural: &str) -> Option<&ResourceType> {
        self.types.iter().find(|t| t.group == group && t.plural == plural)
    }

    /// Replaces the kinds a CRD serves (or removes them when `crd` is `None`).
    /// Returns the types the CRD served before, for cleaning up their objects.
    pub fn set_crd(&mut self, crd_name: &str, crd: Option<&Value>) -> Vec<ResourceType> {
        let (plural, group) = crd_name.split_once('.').unwrap_or((crd_name, ""));
        let old: Vec<ResourceType> =
            self.types.iter().filter(|t| t.custom && t.group == group && t.plural == plural).cloned().collect();
        self.types.retain(|t| !(t.custom && t.group == group && t.plural == plural));
        if let Some(crd) = crd {
            self.types.extend(crd_types(crd));
        }
        old
    }

    /// The groups, each with its versions, preferred (first served) version first.
    pub fn groups(&self) -> BTreeMap<String, Vec<String>> {
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for t in &self.types {
            let versions = groups.entry(t.group.clone()).or_default();
            if !versions.contains(&t.version) {
                versions.push(t.version.clone());
            }
        }
        groups
    }

    /// `GET /api`.
    pub fn api_versions(&self) -> Value {
        json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
        })
    }

    fn group_json(name: &str, versions: &[String]) -> Value {
        let versions: Vec<Value> =
            versions.iter().map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v})).collect();
        json!({"name": name, "versions": versions, "preferredVersion": versions[0]})
    }

    /// `GET /apis`.
    pub fn api_group_list(&self) -> Value {
        let groups: Vec<Value> = self
            .groups()
            .iter()
            .filter(|(g, _)| !g.is_empty())
            .map(|(g, versions)| Self::group_json(g, versions))
            .collect();
        json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
    }

    /// `GET /apis/{group}`.
    pub fn api_group(&self, group: &str) -> Option<Value> {
        let groups = self.groups();
        let versions = groups.get(group).filter(|_| !group.is_empty())?;
        let mut doc = Self::group_json(group, versions);
        doc["kind"] = json!("APIGroup");
        doc["apiVersion"] = json!("v1");
        Some(doc)
    }

    fn resource_entries(&self, group: &str, version: &str) -> Vec<Value> {
        let mut out = Vec::new();
        for t in self.types.iter().filter(|t| t.group == group && t.version == version) {
            let mut entry = json!({
                "name": t.plural,
                "singularName": t.singular,
                "namespaced": t.namespaced,
                "kind": t.kind,
                "verbs": t.verbs,
            });
            add_names(&mut entry, t);
            out.push(entry);
            for sub in subresources(t) {
                out.push(json!({
                    "name": format!("{}/{}", t.plural, sub.name),
                    "singularName": "",
                    "namespaced": t.namespaced,
                    "kind": sub.kind,
                    "group": sub.group,
                    "version": sub.version,
                    "verbs": sub.verbs,
                }));
            }
        }
        out
    }

    /// `GET /api/v1` or `GET /apis/{group}/{version}`.
    pub fn api_resource_list(&self, group: &str, version: &str) -> Option<Value> {
        let resources = self.resource_entries(group, version);
        if resources.is_empty() {
            return None;
        }
        let group_version = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
        Some(
            json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}),
        )
    }

    /// Aggregated discovery (`apidiscovery.k8s.io/v2`) for `/api` (`core` true) or `/apis`.
    pub fn aggregated(&self, core: bool) -> Value {
        let mut items = Vec::new();
        for (group, versions) in self.groups() {
            if group.is_empty() != core {
                continue;
            }
            let versions: Vec<Value> = versions
                .iter()
                .map(|version| {
                    let resources: Vec<Value> = self
                        .types
                        .iter()
                        .filter(|t| t.group == group && &t.version == version)
                        .map(|t| {
                            let subs: Vec<Value> = subresources(t)
                                .into_iter()
                                .map(|s| {
                                    json!({"subresource": s.name,
                                        "responseKind": {"group": s.group, "version": s.version, "kind": s.kind},
                                        "verbs": s.verbs})
                                })
                                .collect();
                            let mut r = json!({
                                "resource": t.plural,
                                "responseKind": {"group": t.group, "version": t.version, "kind": t.kind},
                                "scope": if t.namespaced { "Namespaced" } else { "Cluster" },
                                "singularResource": t.singular,
                                "verbs": t.verbs,
                            });
                            add_names(&mut r, t);
                            if !subs.is_empty() {
                                r["subresources"] = json!(subs);
                            }
                            r
                        })
                        .collect();
                    json!({"version": version, "resources": resources, "freshness": "Current"})
                })
                .collect();
            items.push(json!({"metadata": {"name": group, "creationTimestamp": null}, "versions": versions}));
        }
        json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items})
    }
}

/// Short names and categories, which discovery omits when empty.
fn add_names(entry: &mut Value, t: &ResourceType) {
    if !t.short_names.is_empty() {
        entry["shortNames"] = json!(t.short_names);
    }
    if !t.categories.is_empty() {
        entry["categories"] = json!(t.categories);
    }
}

struct Subresource {
    name: &'static str,
    group: String,
    version: String,
    kind: String,
    verbs: Vec<&'static str>,
}

fn subresources(t: &ResourceType) -> Vec<Subresource> {
    let mut out = Vec::new();
    if t.status_subresource {
        out.push(Subresource {
            name: "status",
            group: t.group.clone(),
            version: t.version.clone(),
            kind: t.kind.clone(),
            verbs: vec!["get", "patch", "update"],
        });
    }
    if t.scale_subresource {
        out.push(Subresource {
            name: "scale",
            group: "autoscaling".into(),
            version: "v1".into(),
            kind: "Scale".into(),
            verbs: vec!["get", "patch", "update"],
        });
    }
    if t.group.is_empty() && t.plural == "pods" {
        out.push(Subresource {
            name: "log",
            group: String::new(),
            version: "v1".into(),
            kind: "Pod".into(),
            verbs: vec!["get"],
        });
    }
    out
}

/// `apps/v1` → (`apps`, `v1`); `v1` → (``, `v1`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

/// The served types of a CRD object (`spec.versions[].served`).
pub fn crd_types(crd: &Value) -> Vec<ResourceType> {
    let spec = &crd["spec"];
    let names = &spec["names"];
    let group = spec["group"].as_str().unwrap_or_default();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect()).unwrap_or_default()
    };
    let Some(versions) = spec["versions"].as_array() else { return vec![] };
    let kind = names["kind"].as_str().unwrap_or_default();
    versions
        .iter()
        .filter(|v| v["served"].as_bool().unwrap_or(true))
        .map(|v| ResourceType {
            group: group.into(),
            version: v["name"].as_str().unwrap_or_default().into(),
            kind: kind.into(),
            plural: names["plural"].as_str().unwrap_or_default().into(),
            singular: names["singular"].as_str().map(String::from).unwrap_or_else(|| kind.to_ascii_lowercase()),
            namespaced: spec["scope"].as_str() != Some("Cluster"),
            short_names: strings(&names["shortNames"]),
            categories: strings(&names["categories"]),
            status_subresource: v["subresources"]["status"].is_object(),
            scale_subresource: v["subresources"]["scale"].is_object(),
            verbs: ALL_VERBS.iter().map(|v| v.to_string()).collect(),
            custom: true,
        })
        .collect()
}
