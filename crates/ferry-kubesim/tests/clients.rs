//! Acceptance by real clients nobody here wrote: the `kubectl` and `helm` binaries
//! against the simulator on a loopback port. Under `CI=true` a missing binary fails.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use ferry_kubesim::{Running, Sim, SimOptions};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The binary, from PATH or /usr/local/bin; None (skip) outside CI when it is missing.
fn tool(name: &str) -> Option<PathBuf> {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/local/bin")]);
    for dir in candidates {
        let path = dir.join(name);
        if path.is_file() {
            return Some(path);
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{name} is not installed; .ci/run installs it with .ci/install-kube-tools");
    }
    eprintln!("skipping: {name} is not installed (CI=true makes this a failure)");
    None
}

struct Env {
    sim: Sim,
    running: Running,
    dir: tempfile::TempDir,
}

impl Env {
    async fn start() -> Self {
        Self::start_with(false).await
    }

    async fn start_with(tls: bool) -> Self {
        let sim = Sim::new(SimOptions {
            ready_delay: Duration::from_millis(100),
            job_duration: Duration::from_millis(100),
            ..SimOptions::default()
        });
        let addr = "127.0.0.1:0".parse().unwrap();
        let running = if tls { sim.serve_tls(addr).await.unwrap() } else { sim.serve(addr).await.unwrap() };
        let dir = tempfile::tempdir().unwrap();
        running.write_kubeconfig(&dir.path().join("kubeconfig")).unwrap();
        Self { sim, running, dir }
    }

    fn command(&self, program: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(program);
        let home = self.dir.path();
        command
            .args(args)
            .env("KUBECONFIG", home.join("kubeconfig"))
            .env("HOME", home)
            .env("HELM_CACHE_HOME", home.join("helm-cache"))
            .env("HELM_CONFIG_HOME", home.join("helm-config"))
            .env("HELM_DATA_HOME", home.join("helm-data"))
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// Runs a command; returns (success, stdout, stderr).
    async fn run(&self, program: &Path, args: &[&str]) -> (bool, String, String) {
        let output = tokio::time::timeout(Duration::from_secs(60), self.command(program, args).output())
            .await
            .unwrap_or_else(|_| panic!("{} {args:?} did not finish in 60 s", program.display()))
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.success(), stdout, stderr)
    }

    /// Runs a command that must succeed; returns its stdout.
    async fn ok(&self, program: &Path, args: &[&str]) -> String {
        let (ok, stdout, stderr) = self.run(program, args).await;
        assert!(ok, "{} {args:?} failed:\n{stdout}\n{stderr}", program.display());
        stdout
    }
}

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_applies_gets_watches_patches_waits_logs_and_deletes() {
    let Some(kubectl) = tool("kubectl") else { return };
    let env = Env::start().await;

    let out = env.ok(&kubectl, &["apply", "-f", &fixture("workload.yaml")]).await;
    assert!(out.contains("deployment.apps/web created"), "{out}");
    env.ok(&kubectl, &["-n", "demo", "wait", "--for=condition=Available", "deployment/web", "--timeout=30s"]).await;
    let json: Value =
        serde_json::from_str(&env.ok(&kubectl, &["-n", "demo", "get", "deployment", "web", "-o", "json"]).await)
            .unwrap();
    assert_eq!((json["spec"]["replicas"].as_i64(), json["status"]["availableReplicas"].as_i64()), (Some(2), Some(2)));
    let yaml = env.ok(&kubectl, &["-n", "demo", "get", "service", "web", "-o", "yaml"]).await;
    assert!(yaml.contains("clusterIP: 10.96."), "{yaml}");
    let table = env.ok(&kubectl, &["-n", "demo", "get", "pods"]).await;
    assert_eq!(table.lines().filter(|l| l.contains("Running")).count(), 2, "{table}");
    assert!(
        env.ok(&kubectl, &["apply", "-f", &fixture("workload.yaml")]).await.contains("deployment.apps/web unchanged")
    );

    env.ok(&kubectl, &["-n", "demo", "label", "deployment", "web", "tier=front"]).await;
    env.ok(
        &kubectl,
        &[
            "-n",
            "demo",
            "patch",
            "deployment",
            "web",
            "-p",
            r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28"}]}}}}"#,
        ],
    )
    .await;
    env.ok(&kubectl, &["-n", "demo", "patch", "deployment", "web", "--type=merge", "-p", r#"{"spec":{"replicas":3}}"#])
        .await;
    env.ok(
        &kubectl,
        &[
            "-n",
            "demo",
            "patch",
            "deployment",
            "web",
            "--type=json",
            "-p",
            r#"[{"op":"add","path":"/metadata/annotations/checked","value":"yes"}]"#,
        ],
    )
    .await;
    let d = env.sim.get("apps/v1", "Deployment", "demo", "web").unwrap();
    assert_eq!(d["metadata"]["labels"]["tier"], "front");
    assert_eq!(d["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.28");
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"], 80,
        "strategic merge kept the port"
    );
    assert_eq!(d["spec"]["replicas"], 3);
    assert_eq!(d["metadata"]["annotations"]["checked"], "yes");
    env.ok(&kubectl, &["-n", "demo", "rollout", "status", "deployment/web", "--timeout=30s"]).await;

    // Server-side apply: a field changed by another manager conflicts until forced.
    let (ok, _, stderr) = env.run(&kubectl, &["apply", "--server-side", "-f", &fixture("workload.yaml")]).await;
    assert!(!ok && stderr.contains("Apply failed with") && stderr.contains(".spec.replicas"), "{stderr}");
    let out = env.ok(&kubectl, &["apply", "--server-side", "--force-conflicts", "-f", &fixture("workload.yaml")]).await;
    assert!(out.contains("deployment.apps/web serverside-applied"), "{out}");
    assert!(
        env.ok(&kubectl, &["apply", "--server-side", "-f", &fixture("settings.yaml")])
            .await
            .contains("configmap/settings serverside-applied")
    );

    // A watch sees a change made while it runs.
    let mut watch = env
        .command(&kubectl, &["-n", "demo", "get", "configmaps", "-w", "--output-watch-events"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await.unwrap().unwrap().unwrap();
    assert!(first.contains("EVENT"), "{first}");
    env.ok(&kubectl, &["-n", "demo", "create", "configmap", "watched", "--from-literal=a=b"]).await;
    let seen = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("watched") {
                return line;
            }
        }
        String::new()
    })
    .await
    .unwrap();
    assert!(seen.contains("ADDED"), "{seen}");
    watch.kill().await.unwrap();

    let logs = env.ok(&kubectl, &["-n", "demo", "logs", "deployment/web"]).await;
    // The forced server-side apply above set the image back to the manifest's.
    assert!(logs.contains("kubesim: container web started (image nginx:1.27)"), "{logs}");
    let top = env.ok(&kubectl, &["top", "nodes"]).await;
    assert!(top.contains("kubesim-node-1"), "{top}");

    env.ok(&kubectl, &["-n", "demo", "delete", "deployment", "web", "--cascade=foreground", "--timeout=30s"]).await;
    assert!(env.sim.list("apps/v1", "ReplicaSet", Some("demo")).is_empty());
    assert!(env.sim.list("v1", "Pod", Some("demo")).is_empty());
    env.ok(&kubectl, &["delete", "namespace", "demo", "--timeout=30s"]).await;
    assert!(env.sim.get("v1", "Namespace", "", "demo").is_none());
    drop(env.running);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_serves_custom_resources_and_explains_kinds() {
    let Some(kubectl) = tool("kubectl") else { return };
    let env = Env::start().await;
    env.ok(&kubectl, &["apply", "-f", &fixture("crd.yaml")]).await;
    let out = env.ok(&kubectl, &["apply", "-f", &fixture("widget.yaml")]).await;
    assert!(out.contains("widget.example.com/w created"), "{out}");
    let table = env.ok(&kubectl, &["get", "wd"]).await;
    assert!(table.lines().any(|l| l.starts_with("w ")), "{table}");
    env.ok(&kubectl, &["patch", "widget", "w", "--type=merge", "-p", r#"{"spec":{"size":4}}"#]).await;
    assert_eq!(env.sim.get("example.com/v1", "Widget", "default", "w").unwrap()["spec"]["size"], 4);
    // kubectl's default (strategic) patch is refused for custom resources, as by Kubernetes.
    let (ok, _, stderr) = env.run(&kubectl, &["patch", "widget", "w", "-p", r#"{"spec":{"size":5}}"#]).await;
    assert!(!ok && stderr.contains("strategic-merge-patch"), "{stderr}");
    let explained = env.ok(&kubectl, &["explain", "widget.spec"]).await;
    assert!(explained.contains("How big the widget is."), "{explained}");
    let explained = env.ok(&kubectl, &["explain", "deployment"]).await;
    assert!(explained.contains("KIND:       Deployment"), "{explained}");
    env.ok(&kubectl, &["delete", "crd", "widgets.example.com"]).await;
    let (ok, _, stderr) = env.run(&kubectl, &["get", "widgets"]).await;
    assert!(!ok, "the kind is gone with its CRD: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_over_tls_sees_forbidden_for_a_namespace_confined_token() {
    let Some(kubectl) = tool("kubectl") else { return };
    let env = Env::start_with(true).await;
    assert!(env.running.url.starts_with("https://"));
    let agent = ferry_kubesim::service_account("default", "agent");
    env.sim.access().add_token("agent-token", &agent);
    env.sim.access().confine_to_namespace(&agent, "default");
    let whoami = env.ok(&kubectl, &["auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"]).await;
    assert_eq!(whoami, ferry_kubesim::ADMIN, "the admin kubeconfig verifies the server with its CA");
    ferry_kubesim::write_private(
        &env.dir.path().join("kubeconfig"),
        &env.running.kubeconfig_with_token("agent-token", "default"),
    )
    .unwrap();
    let (ok, _, stderr) = env.run(&kubectl, &["get", "nodes"]).await;
    assert!(!ok);
    assert!(
        stderr.contains(&format!(
            "nodes is forbidden: User \"{agent}\" cannot list resource \"nodes\" in API group \"\" at the cluster scope"
        )),
        "{stderr}"
    );
    env.ok(&kubectl, &["get", "configmaps"]).await;
    let (_, answer, _) = env.run(&kubectl, &["auth", "can-i", "create", "clusterroles"]).await;
    assert_eq!(answer.trim(), "no");
    let (_, answer, _) = env.run(&kubectl, &["auth", "can-i", "create", "deployments"]).await;
    assert_eq!(answer.trim(), "yes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helm_installs_upgrades_rolls_back_and_uninstalls() {
    let Some(helm) = tool("helm") else { return };
    let env = Env::start().await;
    let chart = fixture("chart");
    env.sim.apply_yaml("apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n").unwrap();
    let out = env.ok(&helm, &["install", "rel", &chart, "-n", "demo", "--wait", "--timeout", "60s"]).await;
    assert!(out.contains("STATUS: deployed"), "{out}");
    assert!(env.sim.get("apps/v1", "Deployment", "demo", "rel-web").is_some());
    let d = env.sim.get("apps/v1", "Deployment", "demo", "rel-web").unwrap();
    assert!(
        d["metadata"]["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["manager"] == "helm" && m["operation"] == "Apply"),
        "helm 4 applies server-side"
    );

    env.ok(
        &helm,
        &[
            "upgrade",
            "rel",
            &chart,
            "-n",
            "demo",
            "--set",
            "replicas=2",
            "--set",
            "message=bye",
            "--wait",
            "--timeout",
            "60s",
        ],
    )
    .await;
    assert_eq!(env.sim.get("apps/v1", "Deployment", "demo", "rel-web").unwrap()["status"]["availableReplicas"], 2);
    let values = env.ok(&helm, &["get", "values", "rel", "-n", "demo"]).await;
    assert!(values.contains("message: bye") && values.contains("replicas: 2"), "{values}");
    let manifest = env.ok(&helm, &["get", "manifest", "rel", "-n", "demo"]).await;
    assert!(manifest.contains("message: \"bye\"") && manifest.contains("kind: Deployment"), "{manifest}");
    assert!(env.sim.list("batch/v1", "Job", Some("demo")).is_empty(), "the succeeded hook Job was deleted");

    env.ok(&helm, &["rollback", "rel", "1", "-n", "demo", "--wait", "--timeout", "60s"]).await;
    let history = env.ok(&helm, &["history", "rel", "-n", "demo"]).await;
    let statuses: Vec<&str> = history.lines().skip(1).filter_map(|l| l.split_whitespace().nth(6)).collect();
    assert_eq!(statuses, ["superseded", "superseded", "deployed"], "{history}");
    assert!(history.contains("Rollback to 1"), "{history}");
    let cm = env.sim.get("v1", "ConfigMap", "demo", "rel-config").unwrap();
    assert_eq!(cm["data"]["message"], "hello");
    let list = env.ok(&helm, &["ls", "-n", "demo"]).await;
    assert!(list.lines().any(|l| l.starts_with("rel") && l.contains("deployed")), "{list}");

    env.ok(&helm, &["uninstall", "rel", "-n", "demo", "--wait", "--timeout", "60s"]).await;
    assert!(env.sim.get("apps/v1", "Deployment", "demo", "rel-web").is_none());
    assert!(env.sim.list("v1", "Pod", Some("demo")).is_empty());
    assert!(env.sim.list("v1", "Secret", Some("demo")).is_empty(), "release secrets are gone");
    // Helm 4 has no `ls -a`; `ls` lists every status but uninstalled.
    let list = env.ok(&helm, &["ls", "-n", "demo"]).await;
    assert!(!list.contains("rel"), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_writes_a_kubeconfig_that_kubectl_uses() {
    let Some(kubectl) = tool("kubectl") else { return };
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let mut server = Command::new(env!("CARGO_BIN_EXE_ferry-kubesim"))
        .args(["--listen", "127.0.0.1:0", "--kubeconfig"])
        .arg(&kubeconfig)
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..250 {
        if kubeconfig.exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let output = Command::new(&kubectl)
        .args(["get", "nodes", "-o", "name"])
        .env("KUBECONFIG", &kubeconfig)
        .env("HOME", dir.path())
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "node/kubesim-node-1");
    server.kill().await.unwrap();
}
