//! End-to-end harness: the real `ferry` binary as a hub process and as an agent process, and
//! the hub's vendor API through `ferry-client`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ferry_client::Client;
use ferry_proto::agent::StatusType;
use ferry_proto::api::{
    DeployRequest, Deployment, NewApplication, NewApplicationVersion, NewTarget, PlatformType, TargetAccess,
};
use uuid::Uuid;

/// The `ferry` binary: `FERRY_BIN` when set, else built with cargo into this test's target
/// directory (cargo releases its lock before running tests, so this does not deadlock).
pub fn ferry_binary(release: bool) -> PathBuf {
    static DEBUG: OnceLock<PathBuf> = OnceLock::new();
    static RELEASE: OnceLock<PathBuf> = OnceLock::new();
    if let Some(bin) = std::env::var_os("FERRY_BIN") {
        return PathBuf::from(bin);
    }
    let cell = if release { &RELEASE } else { &DEBUG };
    cell.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut args = vec!["build", "-p", "ferry", "--bin", "ferry", "--message-format=json-render-diagnostics"];
        if release {
            args.push("--release");
        }
        let mut command = Command::new(cargo);
        // Cargo gives the test the package's variables; build scripts that watch the
        // environment would rebuild if the nested build saw them (and again for the tests).
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            let per_package =
                ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_CRATE_", "CARGO_BIN_"].iter().any(|p| key.starts_with(p))
                    || ["CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR", "CARGO_RUSTC_CURRENT_DIR", "OUT_DIR"]
                        .contains(&key.as_ref());
            if per_package {
                command.env_remove(key.as_ref());
            }
        }
        // Cargo also prepends its build and toolchain directories to LD_LIBRARY_PATH.
        let target = std::env::current_exe().ok().and_then(|e| e.ancestors().nth(3).map(Path::to_path_buf));
        if let Some(paths) = std::env::var_os("LD_LIBRARY_PATH") {
            let kept: Vec<PathBuf> = std::env::split_paths(&paths)
                .filter(|p| {
                    !target.as_ref().is_some_and(|t| p.starts_with(t)) && !p.to_string_lossy().contains("/toolchains/")
                })
                .collect();
            match std::env::join_paths(&kept) {
                Ok(joined) if !kept.is_empty() => command.env("LD_LIBRARY_PATH", joined),
                _ => command.env_remove("LD_LIBRARY_PATH"),
            };
        }
        let out = command
            .args(&args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stderr(Stdio::inherit())
            .output()
            .expect("run cargo build -p ferry");
        assert!(out.status.success(), "cargo build -p ferry failed");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["reason"] == "compiler-artifact" && v["target"]["name"] == "ferry")
            .find_map(|v| v["executable"].as_str().map(PathBuf::from))
            .expect("cargo reported the ferry executable")
    })
    .clone()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Copies a child's output into a log file (so pipes never fill up).
fn drain(reader: impl std::io::Read + Send + 'static, log: PathBuf) {
    std::thread::spawn(move || {
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            let _ = writeln!(file, "{line}");
        }
    });
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A hub process on 127.0.0.1.
pub struct HubProcess {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// The first-start API token.
    pub token: String,
    child: Option<Child>,
    args: Vec<String>,
    /// Data directory (and logs).
    pub dir: tempfile::TempDir,
}

impl HubProcess {
    /// Starts a hub whose connect manifests use `agent_image:agent_tag` and interval `interval`.
    pub fn start(agent_image: &str, agent_tag: &str, interval: &str) -> HubProcess {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        let args: Vec<String> = [
            "hub",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
            &dir.path().join("data").to_string_lossy(),
            "--public-url",
            &url,
            "--agent-image",
            agent_image,
            "--agent-tag",
            agent_tag,
            "--agent-interval",
            interval,
            "--insecure-fast-hashing",
        ]
        .map(String::from)
        .to_vec();
        let mut hub = HubProcess { url, token: String::new(), child: None, args, dir };
        hub.token = hub.spawn().expect("a first start prints the API token");
        hub
    }

    fn spawn(&mut self) -> Option<String> {
        let log = self.dir.path().join("hub.log");
        let mut child = Command::new(ferry_binary(false))
            .args(&self.args)
            .env("FERRY_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ferry hub");
        drain(child.stderr.take().unwrap(), log.clone());
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut token = None;
        let mut line = String::new();
        let start = Instant::now();
        // Read the banner up to the listening line, or the token on a first start.
        let mut after_token_heading = false;
        while start.elapsed() < Duration::from_secs(30) {
            line.clear();
            if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            let t = line.trim();
            if after_token_heading && !t.is_empty() {
                token = Some(t.to_string());
                break;
            }
            if t.starts_with("API token") {
                after_token_heading = true;
            }
            if t.starts_with("Data:") && self.child.is_none() && !self.token.is_empty() {
                break;
            }
        }
        drain(stdout.into_inner(), log);
        self.child = Some(child);
        let addr = self.url.trim_start_matches("http://").to_string();
        let start = Instant::now();
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(start.elapsed() < Duration::from_secs(30), "hub did not listen on {addr}");
            std::thread::sleep(Duration::from_millis(50));
        }
        token
    }

    /// Stops the hub (SIGKILL).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port and data.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// A vendor API client.
    pub fn client(&self) -> Client {
        Client::new(&self.url, &self.token).expect("client")
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- hub log (tail) ---\n{}", tail(&self.dir.path().join("hub.log"), 30));
        }
        self.stop();
    }
}

/// An agent process (`ferry agent docker`) on this host.
pub struct AgentProcess {
    child: Option<Child>,
    env: Vec<(String, String)>,
    /// Its state directory.
    pub state: tempfile::TempDir,
    /// Binary used.
    pub binary: PathBuf,
}

impl AgentProcess {
    /// Starts an agent for a target.
    pub fn start(binary: PathBuf, hub_url: &str, access: &TargetAccess, interval: &str) -> AgentProcess {
        Self::start_with(binary, hub_url, access, interval, &[])
    }

    /// Starts an agent for a target with extra environment variables.
    pub fn start_with(
        binary: PathBuf,
        hub_url: &str,
        access: &TargetAccess,
        interval: &str,
        extra: &[(&str, &str)],
    ) -> AgentProcess {
        let state = tempfile::tempdir().unwrap();
        let mut env = vec![
            ("FERRY_HUB_URL".to_string(), hub_url.to_string()),
            ("FERRY_TARGET_ID".to_string(), access.target_id.to_string()),
            ("FERRY_TARGET_SECRET".to_string(), access.target_secret.clone()),
            ("FERRY_INTERVAL".to_string(), interval.to_string()),
            ("FERRY_STATE_DIR".to_string(), state.path().join("state").to_string_lossy().into_owned()),
            ("FERRY_LOG".to_string(), "info".to_string()),
        ];
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let mut agent = AgentProcess { child: None, env, state, binary };
        agent.spawn();
        agent
    }

    fn spawn(&mut self) {
        let log = self.state.path().join("agent.log");
        let mut child = Command::new(&self.binary)
            .args(["agent", "docker"])
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ferry agent docker");
        drain(child.stdout.take().unwrap(), log.clone());
        drain(child.stderr.take().unwrap(), log);
        self.child = Some(child);
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Kills the agent (SIGKILL: no chance to tidy up).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Kills and starts it again on the same state.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// `<state>/stats.json`, or null before the first tick.
    pub fn stats(&self) -> serde_json::Value {
        std::fs::read_to_string(self.state.path().join("state/stats.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null)
    }

    /// The agent's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.state.path().join("agent.log")).unwrap_or_default()
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- agent log (tail) ---\n{}", tail(&self.state.path().join("agent.log"), 40));
        }
        self.kill();
    }
}

/// Creates a Docker application with one version; returns the version id.
pub async fn docker_app(client: &Client, name: &str, compose: &str, env: &str) -> Uuid {
    let app = client
        .create_application(&NewApplication { name: name.into(), kind: PlatformType::Docker })
        .await
        .expect("create application");
    add_version(client, app.id, "1.0.0", compose, env).await
}

/// Adds a version to an application; returns its id.
pub async fn add_version(client: &Client, app: Uuid, name: &str, compose: &str, env: &str) -> Uuid {
    client
        .create_version(
            app,
            &NewApplicationVersion {
                name: name.into(),
                compose_file: Some(compose.into()),
                env_template: Some(env.into()),
                ..Default::default()
            },
        )
        .await
        .expect("create version")
        .id
}

/// Creates a Docker target and a secret for it.
pub async fn docker_target(client: &Client, name: &str) -> TargetAccess {
    let target = client
        .create_target(&NewTarget {
            name: name.into(),
            kind: PlatformType::Docker,
            namespace: None,
            scope: None,
            metrics_enabled: Some(true),
            logs_enabled: Some(true),
            agent_version_id: None,
        })
        .await
        .expect("create target");
    client.target_access(target.id).await.expect("target access")
}

/// Deploys a version to a target.
pub async fn deploy(client: &Client, target: Uuid, version: Uuid, env: Option<&str>) -> Deployment {
    client
        .deploy(&DeployRequest {
            target_id: Some(target),
            application_version_id: version,
            env_file: env.map(str::to_string),
            ..Default::default()
        })
        .await
        .expect("deploy")
        .deployment
}

/// Waits until the deployment's current revision reports `want`; returns the message.
pub async fn wait_status(client: &Client, deployment: Uuid, want: StatusType, limit: Duration) -> String {
    super::wait_for(limit, &format!("deployment {deployment} {want:?}"), || async {
        let d = client.deployment(deployment).await.map_err(|e| e.to_string())?;
        match d.status {
            Some(s) if s.revision_id == d.revision.id && s.kind == want => Ok(s.message),
            Some(s) => Err(format!("revision {} {:?}: {}", s.revision_id == d.revision.id, s.kind, s.message)),
            None => Err("no status".into()),
        }
    })
    .await
}

/// Container ids of a Compose service, running or not.
pub fn containers(project: &str, service: &str) -> Vec<String> {
    super::quiet(
        "docker",
        &[
            "ps",
            "-aq",
            "--no-trunc",
            "--filter",
            &format!("label=com.docker.compose.project={project}"),
            "--filter",
            &format!("label=com.docker.compose.service={service}"),
        ],
    )
    .split_whitespace()
    .map(str::to_string)
    .collect()
}

/// The project name the hub gives a deployment.
pub fn project_of(deployment: Uuid) -> String {
    format!("ferry-{}", &deployment.simple().to_string()[..8])
}
