//! Connect manifests (PROTOCOL.md §8): what `curl <connect-url> | docker compose -f - up -d`
//! and `kubectl apply -f <connect-url>` install. Pure text generation so the hub, the agent's
//! self-update and the tests all agree on one source.

use crate::api::Scope;

/// Everything a connect manifest depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentInstall<'a> {
    /// The hub's public URL; all agent endpoints derive from it.
    pub hub_url: &'a str,
    /// The target.
    pub target_id: &'a str,
    /// The target secret; `None` renders the manifest for self-update, without it.
    pub target_secret: Option<&'a str>,
    /// `FERRY_AGENT_VERSION_ID`.
    pub agent_version_id: &'a str,
    /// Agent image reference, `repository:tag`.
    pub image: &'a str,
    /// Poll interval, Go duration text.
    pub interval: &'a str,
    /// Registry host whose pulls authenticate with the agent's JWT, if any.
    pub registry_host: Option<&'a str>,
}

/// Name of the Compose project the Docker agent runs in.
pub const DOCKER_PROJECT: &str = "ferry";
/// Name of the Kubernetes agent's Deployment, ConfigMap prefix and ServiceAccount.
pub const KUBE_AGENT_NAME: &str = "ferry-agent";

/// YAML scalar for arbitrary text: a JSON string is a valid YAML double-quoted scalar.
fn quote(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// Compose interpolates `$`; a literal `$` is written `$$`.
fn quote_compose(s: &str) -> String {
    quote(&s.replace('$', "$$"))
}

/// The Docker Compose manifest of a Docker target's agent.
pub fn docker_compose(install: &AgentInstall<'_>) -> String {
    let mut env = vec![("FERRY_HUB_URL", install.hub_url), ("FERRY_TARGET_ID", install.target_id)];
    if let Some(secret) = install.target_secret {
        env.push(("FERRY_TARGET_SECRET", secret));
    }
    env.push(("FERRY_AGENT_VERSION_ID", install.agent_version_id));
    env.push(("FERRY_INTERVAL", install.interval));
    env.push(("FERRY_STATE_DIR", "/scratch"));
    if let Some(host) = install.registry_host {
        env.push(("FERRY_REGISTRY_HOST", host));
    }
    let mut out = format!(
        "# Ferry agent for target {target}. Install or update with:\n\
         #   docker compose -p {DOCKER_PROJECT} -f <this file> up -d   (Compose v1: docker-compose -p {DOCKER_PROJECT} ...)\n\
         # No top-level `name:`: Compose v1 rejects it, so the project name comes from `-p`.\n\
         services:\n  agent:\n    image: {image}\n    command: [\"agent\", \"docker\"]\n    \
         network_mode: host\n    restart: always\n    volumes:\n      \
         - /var/run/docker.sock:/var/run/docker.sock\n      - scratch:/scratch\n      \
         - ${{HOME:-/root}}/.docker:/root/.docker:ro\n    environment:\n",
        target = install.target_id,
        image = quote_compose(install.image),
    );
    for (k, v) in env {
        out.push_str(&format!("      {k}: {}\n", quote_compose(v)));
    }
    out.push_str("      FERRY_HOST_DOCKER_CONFIG: ${HOME:-/root}/.docker\n");
    out.push_str("volumes:\n  scratch: {}\n");
    out
}

/// The Kubernetes manifest of a Kubernetes target's agent, applied into `namespace`.
pub fn kubernetes(install: &AgentInstall<'_>, namespace: &str, scope: Scope) -> String {
    let ns = quote(namespace);
    let labels = "app.kubernetes.io/name: ferry-agent\n    app.kubernetes.io/managed-by: ferry";
    let mut docs = Vec::new();
    let mut data = vec![
        ("FERRY_HUB_URL", install.hub_url),
        ("FERRY_TARGET_ID", install.target_id),
        ("FERRY_AGENT_VERSION_ID", install.agent_version_id),
        ("FERRY_INTERVAL", install.interval),
        ("FERRY_STATE_DIR", "/var/lib/ferry"),
    ];
    if let Some(host) = install.registry_host {
        data.push(("FERRY_REGISTRY_HOST", host));
    }
    let data: String = data.iter().map(|(k, v)| format!("  {k}: {}\n", quote(v))).collect();
    docs.push(format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {KUBE_AGENT_NAME}-env\n  namespace: {ns}\n  \
         labels:\n    {labels}\ndata:\n{data}"
    ));
    if let Some(secret) = install.target_secret {
        docs.push(format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {KUBE_AGENT_NAME}-auth\n  namespace: {ns}\n  \
             labels:\n    {labels}\ntype: Opaque\nstringData:\n  FERRY_TARGET_SECRET: {}\n",
            quote(secret)
        ));
    }
    docs.push(format!(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {KUBE_AGENT_NAME}\n  namespace: {ns}\n  \
         labels:\n    {labels}\n"
    ));
    match scope {
        Scope::Namespace => {
            docs.push(format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: namespace-admin\n  \
                 namespace: {ns}\n  labels:\n    {labels}\nrules:\n  - apiGroups: [\"*\"]\n    \
                 resources: [\"*\"]\n    verbs: [\"*\"]\n"
            ));
            docs.push(format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: {KUBE_AGENT_NAME}\n  \
                 namespace: {ns}\n  labels:\n    {labels}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  \
                 kind: Role\n  name: namespace-admin\nsubjects:\n  - kind: ServiceAccount\n    \
                 name: {KUBE_AGENT_NAME}\n    namespace: {ns}\n"
            ));
        }
        Scope::Cluster => {
            docs.push(format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  \
                 name: {}\n  labels:\n    {labels}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  \
                 kind: ClusterRole\n  name: cluster-admin\nsubjects:\n  - kind: ServiceAccount\n    \
                 name: {KUBE_AGENT_NAME}\n    namespace: {ns}\n",
                quote(&format!("{KUBE_AGENT_NAME}-{namespace}"))
            ));
        }
    }
    // The Secret is left out of the self-update manifest so that re-applying it keeps the
    // installed secret; the Deployment reads it either way.
    let secret_ref = format!("\n            - secretRef:\n                name: {KUBE_AGENT_NAME}-auth");
    docs.push(format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {KUBE_AGENT_NAME}\n  namespace: {ns}\n  \
         labels:\n    {labels}\nspec:\n  replicas: 1\n  strategy:\n    type: Recreate\n  selector:\n    \
         matchLabels:\n      app.kubernetes.io/name: ferry-agent\n  template:\n    metadata:\n      \
         labels:\n        app.kubernetes.io/name: ferry-agent\n    spec:\n      \
         serviceAccountName: {KUBE_AGENT_NAME}\n      securityContext:\n        runAsNonRoot: true\n        \
         runAsUser: 65532\n        runAsGroup: 65532\n        fsGroup: 65532\n        seccompProfile:\n          \
         type: RuntimeDefault\n      containers:\n        - name: agent\n          image: {image}\n          \
         args: [\"agent\", \"kubernetes\"]\n          envFrom:\n            - configMapRef:\n                \
         name: {KUBE_AGENT_NAME}-env{secret_ref}\n          securityContext:\n            \
         allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n            \
         capabilities:\n              drop: [\"ALL\"]\n          resources:\n            requests:\n              \
         cpu: 10m\n              memory: 32Mi\n            limits:\n              memory: 256Mi\n          \
         volumeMounts:\n            - name: state\n              mountPath: /var/lib/ferry\n      \
         volumes:\n        - name: state\n          emptyDir: {{}}\n",
        image = quote(install.image),
    ));
    docs.join("---\n")
}

/// Why a manifest could not take the secret back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot re-insert the target secret: {0}")]
pub struct ManifestError(String);

/// Puts the target secret back into a manifest fetched from `/api/v1/agent/manifest`, for
/// self-update (PROTOCOL.md §8): the Compose manifest gets `FERRY_TARGET_SECRET` beside
/// `FERRY_TARGET_ID`; the Kubernetes manifest gets its Secret document back.
pub fn with_secret(manifest: &str, secret: &str) -> Result<String, ManifestError> {
    if manifest.contains("FERRY_TARGET_SECRET") {
        return Ok(manifest.to_string());
    }
    if manifest.contains("kind: ConfigMap") {
        let namespace = manifest
            .lines()
            .find_map(|l| l.trim().strip_prefix("namespace: "))
            .ok_or_else(|| ManifestError("the Kubernetes manifest names no namespace".into()))?;
        let secret_doc = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {KUBE_AGENT_NAME}-auth\n  namespace: {namespace}\n\
             type: Opaque\nstringData:\n  FERRY_TARGET_SECRET: {}\n---\n",
            quote(secret)
        );
        return Ok(format!("{secret_doc}{manifest}"));
    }
    let mut out = String::with_capacity(manifest.len() + 64);
    let mut inserted = false;
    for line in manifest.lines() {
        out.push_str(line);
        out.push('\n');
        let trimmed = line.trim_start();
        if !inserted && trimmed.starts_with("FERRY_TARGET_ID:") {
            let indent = &line[..line.len() - trimmed.len()];
            out.push_str(&format!("{indent}FERRY_TARGET_SECRET: {}\n", quote_compose(secret)));
            inserted = true;
        }
    }
    if !inserted {
        return Err(ManifestError("the Compose manifest has no FERRY_TARGET_ID to place it beside".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn install(secret: Option<&'static str>) -> AgentInstall<'static> {
        AgentInstall {
            hub_url: "https://hub.example.com",
            target_id: "6f1d1b7e-3a5c-4a63-9a58-0c2a8a5d4e11",
            target_secret: secret,
            agent_version_id: "00000000-0000-0000-0000-000000000001",
            image: "ghcr.io/ferry-deploy/ferry-agent:0.1.0",
            interval: "5s",
            registry_host: None,
        }
    }

    #[test]
    fn docker_manifest_embeds_the_secret_only_when_given() {
        let with = docker_compose(&install(Some("abc123")));
        assert!(with.contains("FERRY_TARGET_SECRET: \"abc123\""));
        assert!(with.contains("network_mode: host"));
        assert!(with.contains("/var/run/docker.sock:/var/run/docker.sock"));
        let without = docker_compose(&install(None));
        assert!(!without.contains("FERRY_TARGET_SECRET"));
    }

    #[test]
    fn secret_goes_back_into_either_manifest() {
        let docker = docker_compose(&install(None));
        assert_eq!(with_secret(&docker, "abc123").unwrap(), docker_compose(&install(Some("abc123"))));
        let kube = kubernetes(&install(None), "apps", Scope::Namespace);
        let restored = with_secret(&kube, "abc123").unwrap();
        assert!(restored.starts_with("apiVersion: v1\nkind: Secret\n"));
        assert!(restored.contains("  namespace: \"apps\"\n") && restored.contains("FERRY_TARGET_SECRET: \"abc123\""));
        assert!(with_secret("services: {}\n", "x").is_err());
    }

    #[test]
    fn compose_dollars_are_escaped() {
        let mut i = install(None);
        i.hub_url = "https://hub.example.com/$x";
        assert!(docker_compose(&i).contains("\"https://hub.example.com/$$x\""));
    }

    #[test]
    fn kubernetes_scope_picks_the_binding() {
        let ns = kubernetes(&install(Some("s")), "apps", Scope::Namespace);
        assert!(ns.contains("kind: Role\n") && ns.contains("kind: RoleBinding"));
        assert!(!ns.contains("cluster-admin"));
        let cl = kubernetes(&install(Some("s")), "apps", Scope::Cluster);
        assert!(cl.contains("kind: ClusterRoleBinding") && cl.contains("name: cluster-admin"));
        assert!(!kubernetes(&install(None), "apps", Scope::Namespace).contains("kind: Secret"));
    }
}
