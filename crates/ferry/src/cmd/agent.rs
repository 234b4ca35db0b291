//! `ferry agent docker`: the Docker agent. Flags and `FERRY_*` variables (Distr's names are
//! accepted too), then the agent core with the Docker driver until SIGINT/SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args as ClapArgs, Subcommand};
use ferry_agent::agent::{Agent, SystemClock};
use ferry_agent::config::{AgentConfig, Given};
use ferry_agent::hub::{HttpHub, HubApi};
use ferry_agent::logship::LogShipper;
use ferry_agent::selflog::SelfLog;
use ferry_docker::{DockerConfig, DockerDriver};
use tokio_util::sync::CancellationToken;
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
    Docker(Settings),
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
    /// The host's Docker configuration directory (set by the connect manifest), used to start
    /// the self-update helper with the same mounts.
    #[arg(long, env = "FERRY_HOST_DOCKER_CONFIG")]
    host_docker_config: Option<PathBuf>,
    /// Log format: text or json.
    #[arg(long, env = "FERRY_LOG_FORMAT", default_value = "text")]
    log_format: String,
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

use tracing_subscriber::Layer as _;

/// Runs the agent until a signal arrives.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Platform::Docker(settings) = args.platform;
    let self_log = SelfLog::default();
    init_logging(&settings.log_format, &self_log);
    let given = Given {
        hub_url: settings.hub_url,
        target_id: settings.target_id,
        target_secret: settings.target_secret,
        interval: settings.interval,
        agent_version_id: settings.agent_version_id,
        state_dir: settings.state_dir,
        registry_host: settings.registry_host,
    };
    let config = AgentConfig::resolve(given, |k| std::env::var(k).ok()).context("agent configuration")?;
    let hub: Arc<dyn HubApi> = Arc::new(HttpHub::new(&config, &ferry_agent::user_agent())?);
    let mut docker = DockerConfig::new(config.state_dir.clone());
    if let Some(dir) = &settings.host_docker_config {
        docker.host_home = dir.parent().map(|p| p.display().to_string());
    }
    let driver = Arc::new(DockerDriver::connect(docker).await.context("cannot reach the Docker engine")?);
    let (agent, log_targets) = Agent::new(config.clone(), hub.clone(), driver.clone(), Arc::new(SystemClock))?;
    let shipper = LogShipper::new(hub.clone(), driver, &config.state_dir)?;

    let stop = CancellationToken::new();
    let log_period = config.interval.max(Duration::from_secs(5));
    let logs = tokio::spawn(shipper.run(log_targets, log_period, stop.clone().cancelled_owned()));
    let own_logs = tokio::spawn(self_log.ship(hub, Duration::from_secs(5), stop.clone().cancelled_owned()));
    let result = agent.run(shutdown_signal()).await;
    stop.cancel();
    let _ = tokio::join!(logs, own_logs);
    result?;
    Ok(ExitCode::SUCCESS)
}
