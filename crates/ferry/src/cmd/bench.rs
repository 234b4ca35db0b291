//! `ferry bench`: load-test a hub with simulated agents. Without `--hub-url` it starts a
//! fresh hub of its own as a child process (so the hub's memory and CPU can be measured
//! apart from the load generator's) on a throw-away data directory.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{Context as _, bail};
use ferry_proto::GoDuration;

/// Simulate a fleet of agents against a hub and print throughput, latency and hub memory.
///
/// Each simulated agent has its own target and deployment; it logs in, polls its desired
/// state with an ETag every interval, and reports a status and metrics every 30 s.
///
/// Example: ferry bench --agents 10000 --interval 5s --duration 60s
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Number of simulated agents.
    #[arg(long, default_value_t = 1000)]
    agents: usize,
    /// Poll interval of each agent.
    #[arg(long, default_value = "5s")]
    interval: GoDuration,
    /// Settling time after all agents are polling, before measuring (one status period).
    #[arg(long, default_value = "30s")]
    warmup: GoDuration,
    /// Measurement window.
    #[arg(long, default_value = "60s")]
    duration: GoDuration,
    /// HTTP connections the simulated agents share.
    #[arg(long, default_value_t = 256)]
    connections: usize,
    /// Load an already running hub instead of starting one (needs --token).
    #[arg(long, env = "FERRY_HUB_URL")]
    hub_url: Option<String>,
    /// API token for --hub-url.
    #[arg(long, env = "FERRY_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Process id of the --hub-url hub, to report its memory and CPU.
    #[arg(long)]
    hub_pid: Option<u32>,
    /// Start the hub on this PostgreSQL database instead of SQLite.
    #[arg(long)]
    database_url: Option<String>,
}

struct SpawnedHub {
    child: Child,
    dir: PathBuf,
    url: String,
    token: String,
}

impl Drop for SpawnedHub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn spawn_hub(database_url: Option<&str>) -> anyhow::Result<SpawnedHub> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let dir = std::env::temp_dir().join(format!("ferry-bench-{}", uuid::Uuid::new_v4().simple()));
    let exe = std::env::current_exe().context("cannot find the ferry executable")?;
    let mut cmd = Command::new(exe);
    cmd.args(["hub", "--listen", &format!("127.0.0.1:{port}"), "--insecure-fast-hashing", "--data-dir"])
        .arg(&dir)
        .env("FERRY_LOG", "warn")
        // The spawned hub hashes secrets with cheap 1 MiB Argon2 parameters so that setup
        // takes seconds. glibc would serve those buffers from the heap and fragment it, which
        // the real 64 MiB buffers (always mmapped, always returned) never do; pinning the
        // threshold keeps that artifact out of the memory figures.
        .env("MALLOC_MMAP_THRESHOLD_", "131072")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    let mut child = cmd.spawn().context("cannot start the hub")?;
    let stdout = child.stdout.take().context("hub stdout")?;
    let mut token = None;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        let t = line.trim();
        if t.starts_with("ferry_") {
            token = Some(t.to_string());
            break;
        }
    }
    let Some(token) = token else {
        let _ = child.kill();
        bail!("the hub did not print an API token; is its data directory fresh?");
    };
    Ok(SpawnedHub { child, dir, url: format!("http://127.0.0.1:{port}"), token })
}

/// Runs the benchmark.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let spawned = match &args.hub_url {
        Some(_) => None,
        None => Some(spawn_hub(args.database_url.as_deref())?),
    };
    let (hub_url, token, hub_pid) = match (&spawned, args.hub_url, args.token) {
        (Some(s), _, _) => (s.url.clone(), s.token.clone(), Some(s.child.id())),
        (None, Some(url), Some(token)) => (url, token, args.hub_pid),
        (None, _, None) => bail!("--hub-url needs --token (or FERRY_TOKEN)"),
        (None, None, _) => unreachable!("spawned when no URL"),
    };
    let started = Instant::now();
    let options = ferry_bench::Options {
        hub_url,
        token,
        agents: args.agents,
        interval: args.interval.0,
        warmup: args.warmup.0,
        duration: args.duration.0,
        connections: args.connections,
        hub_pid,
    };
    let report = ferry_bench::run(options, |msg| eprintln!("[{:>6.1}s] {msg}", started.elapsed().as_secs_f64()))
        .await
        .context("the benchmark failed")?;
    print!("{}", report.render());
    drop(spawned);
    Ok(ExitCode::SUCCESS)
}
