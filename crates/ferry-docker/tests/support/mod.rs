//! Shared helpers of the Docker tests: prerequisites (fail under CI=true, skip otherwise),
//! locally built images, and a per-test guard that removes every container, network, volume
//! and image the test made, even when it fails.

#![allow(dead_code)]

pub mod e2e;
pub mod images;
pub mod registry;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Label on everything a test creates, valued with the test's run id.
pub const RUN_LABEL: &str = "dev.ferry.test-run";

/// Whether the suite runs in CI, where a missing prerequisite is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Checks a prerequisite: `Ok` when present; when absent, panics under CI=true and otherwise
/// returns `Err` so the test can return early (it prints why).
pub fn require(present: bool, what: &str) -> Result<(), ()> {
    if present {
        return Ok(());
    }
    if in_ci() {
        panic!("missing prerequisite: {what} (CI=true: this is a failure, not a skip)");
    }
    eprintln!("SKIPPED: missing prerequisite: {what}");
    Err(())
}

/// Whether a program runs (`program args…` exits 0).
pub fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program).args(args).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// The prerequisites of every Docker test: the engine and Compose (v2 or v1).
pub fn docker_prerequisites() -> Result<(), ()> {
    require(runs("docker", &["info"]), "a running Docker engine (`docker info`)")?;
    require(
        runs("docker", &["compose", "version"]) || runs("docker-compose", &["version"]),
        "Docker Compose (`docker compose` or Debian's docker-compose)",
    )?;
    require(Path::new(images::BUSYBOX).is_file(), "Debian's busybox-static (/bin/busybox)")
}

/// Runs a command and returns its standard output; panics with its output on failure.
pub fn sh(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a command, ignoring how it ends (cleanup).
pub fn quiet(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// A random 8-hex-digit id.
pub fn short_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}

/// Removes, when dropped, everything labelled with its run id or belonging to its Compose
/// projects and stacks.
pub struct Cleanup {
    /// The run id (value of [`RUN_LABEL`]).
    pub run: String,
    projects: Mutex<Vec<String>>,
    stacks: Mutex<Vec<String>>,
    images: Mutex<Vec<String>>,
    containers: Mutex<Vec<String>>,
}

impl Cleanup {
    /// A new guard with a fresh run id.
    pub fn new() -> Self {
        Cleanup {
            run: short_id(),
            projects: Mutex::default(),
            stacks: Mutex::default(),
            images: Mutex::default(),
            containers: Mutex::default(),
        }
    }

    /// Remove this Compose project's containers, networks and volumes.
    pub fn project(&self, name: &str) {
        self.projects.lock().unwrap().push(name.to_string());
    }

    /// Remove this Swarm stack.
    pub fn stack(&self, name: &str) {
        self.stacks.lock().unwrap().push(name.to_string());
    }

    /// Remove this image tag.
    pub fn image(&self, tag: &str) {
        self.images.lock().unwrap().push(tag.to_string());
    }

    /// Remove this container by name.
    pub fn container(&self, name: &str) {
        self.containers.lock().unwrap().push(name.to_string());
    }

    fn remove_by_filter(&self, filter: &str) {
        let ids = quiet("docker", &["ps", "-aq", "--filter", filter]);
        let ids: Vec<&str> = ids.split_whitespace().collect();
        if !ids.is_empty() {
            let mut args = vec!["rm", "-f", "-v"];
            args.extend(ids);
            quiet("docker", &args);
        }
        for kind in ["network", "volume"] {
            let names = quiet("docker", &[kind, "ls", "-q", "--filter", filter]);
            for name in names.split_whitespace() {
                quiet("docker", &[kind, "rm", name]);
            }
        }
    }
}

impl Default for Cleanup {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for stack in self.stacks.lock().map(|s| s.clone()).unwrap_or_default() {
            quiet("docker", &["stack", "rm", &stack]);
        }
        for name in self.containers.lock().map(|s| s.clone()).unwrap_or_default() {
            quiet("docker", &["rm", "-f", &name]);
        }
        self.remove_by_filter(&format!("label={RUN_LABEL}={}", self.run));
        for project in self.projects.lock().map(|p| p.clone()).unwrap_or_default() {
            self.remove_by_filter(&format!("label=com.docker.compose.project={project}"));
        }
        for image in self.images.lock().map(|i| i.clone()).unwrap_or_default() {
            quiet("docker", &["rmi", "-f", &image]);
        }
    }
}

/// Whether the engine is in Swarm mode.
pub fn swarm_active() -> bool {
    quiet("docker", &["info", "--format", "{{.Swarm.LocalNodeState}}"]).trim() == "active"
}

/// A single-node swarm for a test: created when the engine is not in Swarm mode, and then
/// left again on drop (an engine that already was in Swarm mode stays as it was).
pub struct Swarm {
    created: bool,
}

impl Swarm {
    /// Makes sure the engine is a Swarm manager.
    pub fn ensure() -> Swarm {
        let created = !swarm_active();
        if created {
            sh("docker", &["swarm", "init", "--advertise-addr", "127.0.0.1"]);
        }
        Swarm { created }
    }
}

impl Drop for Swarm {
    fn drop(&mut self) {
        if self.created {
            quiet("docker", &["swarm", "leave", "--force"]);
            // Swarm's own bridge outlives the swarm; it was not there before.
            quiet("docker", &["network", "rm", "docker_gwbridge"]);
        }
    }
}

/// Polls `check` every 250 ms until it returns `Some`, or panics after `limit` with the last
/// state `describe` gives.
pub async fn wait_for<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let start = Instant::now();
    let mut last = String::new();
    while start.elapsed() < limit {
        match check().await {
            Ok(v) => return v,
            Err(state) => last = state,
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("timed out after {limit:?} waiting for {what}; last state: {last}");
}

/// Health check, one-shot init job that the server waits for, named volume, `.env`
/// interpolation and `env_file: .env`.
pub fn shop_compose(image: &str, run: &str) -> String {
    format!(
        r#"services:
  init:
    image: {image}
    restart: "no"
    env_file: .env
    command: ["sh", "-c", "echo \"$$GREETING from init\" > /data/index.html && echo init done"]
    volumes: ["data:/data"]
    labels: {{"{RUN_LABEL}": "{run}"}}
  web:
    image: {image}
    restart: unless-stopped
    command: ["sh", "-c", "echo serving ${{GREETING}}; exec httpd -f -v -p 8080 -h /data"]
    depends_on:
      init:
        condition: service_completed_successfully
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/index.html"]
      interval: 1s
      timeout: 2s
      retries: 30
    volumes: ["data:/data"]
    labels: {{"{RUN_LABEL}": "{run}"}}
volumes:
  data:
    labels: {{"{RUN_LABEL}": "{run}"}}
"#
    )
}
