//! `ferry agent docker` and `ferry agent kubernetes`: flags and `FERRY_*` variables (Distr's
//! names are accepted too), a driver, then [`run_agent`] until SIGINT/SIGTERM. Both agents
//! share everything but the driver.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Args as ClapArgs, Subcommand};
use ferry_agent::config::{AgentConfig, Given};
use ferry_agent::driver::Driver;
use ferry_agent::selflog::SelfLog;
use ferry_docker::{DockerConfig, DockerDriver};
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Run an agent on this machine.
///
/// The agent dials out to the hub (no inbound port), fetches the deployments this target
/// should run, applies them and reports status, logs and metrics. It is normally started
/// by the connect command the hub prints; every option below is usually set by that
/// manifest's environment.
#[derive(ClapArgs, Debug)]
pub struct Args {
    #[command(subcommand)]
    platform: Platform,
}

#[derive(Subcommand, Debug)]
enum Platform {
    /// Run the Docker agent: Docker Compose and Swarm deployments on this host's engine.
    ///
    /// Example (normally done by the connect command):
    ///   FERRY_HUB_URL=https://hub.example.com FERRY_TARGET_ID=… FERRY_TARGET_SECRET=… ferry agent docker
    Docker(DockerSettings),
}

/// The Docker agent's settings.
#[derive(ClapArgs, Debug)]
struct DockerSettings {
    #[command(flatten)]
    common: Settings,
    /// The host's Docker configuration directory (set by the connect manifest), used to start
    /// the self-update helper with the same mounts.
    #[arg(long, env = "FERRY_HOST_DOCKER_CONFIG")]
    host_docker_config: Option<PathBuf>,
}

/// Settings shared by every agent (PROTOCOL.md §8).
#[derive(ClapArgs, Debug)]
struct Settings {
    /// The hub's URL; every endpoint derives from it. [Distr: DISTR_LOGIN_ENDPOINT]
    #[arg(long, env = "FERRY_HUB_URL")]
    hub_url: Option<String>,
    /// This target's id. [Distr: DISTR_TARGET_ID]
    #[arg(long, env = "FERRY_TARGET_ID")]
    target_id: Option<String>,
    /// This target's secret. [Distr: DISTR_TARGET_SECRET]
    #[arg(long, env = "FERRY_TARGET_SECRET", hide_env_values = true)]
    target_secret: Option<String>,
    /// Time between reconcile ticks, as a Go duration (default 5s). [Distr: DISTR_INTERVAL]
    #[arg(long, env = "FERRY_INTERVAL")]
    interval: Option<String>,
    /// The agent version this agent was installed as; a different version from the hub
    /// triggers a self-update. [Distr: DISTR_AGENT_VERSION_ID]
    #[arg(long, env = "FERRY_AGENT_VERSION_ID")]
    agent_version_id: Option<String>,
    /// Directory for durable state (default ./ferry-agent-state). [Distr: DISTR_AGENT_SCRATCH_DIR]
    #[arg(long, env = "FERRY_STATE_DIR")]
    state_dir: Option<PathBuf>,
    /// The hub's registry, logged into with this agent's token. [Distr: DISTR_REGISTRY_HOST]
    #[arg(long, env = "FERRY_REGISTRY_HOST")]
    registry_host: Option<String>,
    /// Most deployments applied at the same time (default 4).
    #[arg(long, env = "FERRY_APPLY_CONCURRENCY")]
    apply_concurrency: Option<usize>,
    /// Answer liveness and readiness probes (GET /healthz) on this address, e.g. 0.0.0.0:8765.
    #[arg(long, env = "FERRY_HEALTH_LISTEN")]
    health_listen: Option<String>,
    /// Log format: text or json.
    #[arg(long, env = "FERRY_LOG_FORMAT", default_value = "text")]
    log_format: String,
}

impl Settings {
    fn given(self, scope: Option<String>) -> Given {
        Given {
            hub_url: self.hub_url,
            target_id: self.target_id,
            target_secret: self.target_secret,
            interval: self.interval,
            agent_version_id: self.agent_version_id,
            state_dir: self.state_dir,
            registry_host: self.registry_host,
            scope,
            apply_concurrency: self.apply_concurrency,
            health_listen: self.health_listen,
        }
    }
}

async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

fn init_logging(format: &str, self_log: &SelfLog) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FERRY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let registry = tracing_subscriber::registry().with(self_log.layer());
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(ansi);
    let _ = if format == "json" {
        registry.with(fmt.json().with_filter(filter)).try_init()
    } else {
        registry.with(fmt.with_filter(filter)).try_init()
    };
}

/// Logging and configuration, before a driver exists.
fn prepare(settings: Settings, scope: Option<String>) -> anyhow::Result<(AgentConfig, SelfLog)> {
    let self_log = SelfLog::default();
    init_logging(&settings.log_format, &self_log);
    let config =
        AgentConfig::resolve(settings.given(scope), |k| std::env::var(k).ok()).context("agent configuration")?;
    Ok((config, self_log))
}

/// Runs an agent with `driver` until a signal arrives.
async fn run_agent(prepared: (AgentConfig, SelfLog), driver: Arc<dyn Driver>) -> anyhow::Result<ExitCode> {
    let (config, self_log) = prepared;
    ferry_agent::run::run_agent(config, driver, self_log, shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Runs the chosen agent until a signal arrives.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.platform {
        Platform::Docker(settings) => {
            let host_docker_config = settings.host_docker_config;
            let prepared = prepare(settings.common, None)?;
            let mut docker = DockerConfig::new(prepared.0.state_dir.clone());
            if let Some(dir) = &host_docker_config {
                docker.host_home = dir.parent().map(|p| p.display().to_string());
            }
            let driver = DockerDriver::connect(docker).await.context("cannot reach the Docker engine")?;
            run_agent(prepared, Arc::new(driver)).await
        }
    }
}
