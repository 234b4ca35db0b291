//! `ferry hub`: flags and environment to [`ferry_hub::server::Config`], then serve until
//! SIGINT/SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Args as ClapArgs, ValueEnum};
use ferry_hub::clock::SystemClock;
use ferry_hub::crypto::HashCost;
use ferry_hub::ratelimit::Rate;
use ferry_hub::server::{self, Config, RunningHub};
use ferry_hub::settings::Settings;
use ferry_hub::store::Retention;
use ferry_proto::GoDuration;

/// Run the hub.
///
/// With no options the hub keeps everything in ./ferry-data (an embedded SQLite database and
/// the hub key) and listens on port 8080. The first start creates an organization, an admin
/// user and an API token, and prints the token once.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, env = "FERRY_LISTEN", default_value = "0.0.0.0:8080")]
    listen: SocketAddr,

    /// Directory for the SQLite database and the hub key (created with mode 0700).
    #[arg(long, env = "FERRY_DATA_DIR", default_value = "./ferry-data")]
    data_dir: PathBuf,

    /// Use PostgreSQL instead of SQLite, e.g. postgres://ferry:secret@db:5432/ferry.
    /// Several hubs may share one database (give them the same --secret-key).
    #[arg(long, env = "FERRY_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,

    /// PostgreSQL connection pool size.
    #[arg(long, env = "FERRY_DATABASE_MAX_CONNECTIONS", default_value_t = 16)]
    database_max_connections: u32,

    /// URL agents and installers reach this hub at; goes into connect URLs and manifests.
    /// Defaults to http://localhost:<port>, which only works for agents on this machine.
    #[arg(long, env = "FERRY_PUBLIC_URL")]
    public_url: Option<String>,

    /// Agent image repository written into connect manifests.
    #[arg(long, env = "FERRY_AGENT_IMAGE", default_value = "ghcr.io/ferry-deploy/ferry-agent")]
    agent_image: String,

    /// Agent image tag written into connect manifests (default: this hub's version).
    #[arg(long, env = "FERRY_AGENT_TAG")]
    agent_tag: Option<String>,

    /// How often agents poll, as a Go duration (written into connect manifests).
    #[arg(long, env = "FERRY_AGENT_INTERVAL", default_value = "5s")]
    agent_interval: GoDuration,

    /// Registry whose pulls agents authenticate with their own token (user "-").
    #[arg(long, env = "FERRY_REGISTRY_HOST")]
    registry_host: Option<String>,

    /// The hub key (64 hex chars) that signs agent tokens and encrypts secrets. Default: read
    /// from, or created in, <data-dir>/hub.key.
    #[arg(long, env = "FERRY_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,

    /// Email of the admin user created on the first start.
    #[arg(long, env = "FERRY_ADMIN_EMAIL", default_value = "admin@localhost")]
    admin_email: String,

    /// Name of the organization created on the first start.
    #[arg(long, env = "FERRY_ORGANIZATION", default_value = "Default")]
    organization: String,

    /// Lifetime of agent tokens.
    #[arg(long, env = "FERRY_TOKEN_LIFETIME", default_value = "24h")]
    token_lifetime: GoDuration,

    /// Keep raw metrics samples this long, then hourly averages (e.g. 7d, 36h).
    #[arg(long, env = "FERRY_METRICS_RAW_RETENTION", default_value = "7d", value_parser = parse_days)]
    metrics_raw_retention: time::Duration,

    /// Keep hourly metrics averages this long.
    #[arg(long, env = "FERRY_METRICS_RETENTION", default_value = "400d", value_parser = parse_days)]
    metrics_retention: time::Duration,

    /// Keep application log lines this long.
    #[arg(long, env = "FERRY_LOG_RETENTION", default_value = "14d", value_parser = parse_days)]
    log_retention: time::Duration,

    /// Keep at most this many log lines per deployment.
    #[arg(long, env = "FERRY_LOG_MAX_LINES", default_value_t = 100_000)]
    log_max_lines: i64,

    /// Keep agents' own log lines this long.
    #[arg(long, env = "FERRY_AGENT_LOG_RETENTION", default_value = "7d", value_parser = parse_days)]
    agent_log_retention: time::Duration,

    /// Keep status history this long (the latest status of each deployment always stays).
    #[arg(long, env = "FERRY_STATUS_RETENTION", default_value = "90d", value_parser = parse_days)]
    status_retention: time::Duration,

    /// Log format.
    #[arg(long, env = "FERRY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,

    /// Cheap Argon2 parameters, for tests and load generators only: stored secrets become
    /// far easier to brute-force.
    #[arg(long, env = "FERRY_INSECURE_FAST_HASHING", hide = true)]
    insecure_fast_hashing: bool,
}

/// How the hub writes its log.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Go durations plus a `d` (days) suffix, which retention settings want.
fn parse_days(text: &str) -> Result<time::Duration, String> {
    if let Some(days) = text.strip_suffix('d') {
        let days: i64 = days.parse().map_err(|_| format!("invalid duration {text:?} (examples: 7d, 36h, 90m)"))?;
        return Ok(time::Duration::days(days));
    }
    let d: GoDuration = text.parse().map_err(|e| format!("{e}"))?;
    time::Duration::try_from(d.0).map_err(|e| e.to_string())
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FERRY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

impl Args {
    fn into_config(self) -> Config {
        let retention = Retention {
            metrics_raw: self.metrics_raw_retention,
            metrics_hourly: self.metrics_retention,
            logs: self.log_retention,
            logs_per_deployment: self.log_max_lines,
            agent_logs: self.agent_log_retention,
            agent_logs_per_target: Retention::DEFAULT.agent_logs_per_target,
            statuses: self.status_retention,
        };
        let mut settings = Settings {
            agent_interval: self.agent_interval.to_string(),
            token_lifetime: self.token_lifetime.0,
            registry_host: self.registry_host,
            ..Settings::default()
        };
        if self.insecure_fast_hashing {
            // Load generators log thousands of simulated agents in at once.
            settings.login_rate = Rate { per_minute: 600, burst: 100 };
        }
        Config {
            listen: self.listen,
            data_dir: self.data_dir,
            database_url: self.database_url,
            database_max_connections: self.database_max_connections,
            public_url: self.public_url,
            agent_image: self.agent_image,
            agent_tag: self.agent_tag.unwrap_or_else(|| ferry_hub::VERSION.to_string()),
            secret_key: self.secret_key,
            hash_cost: if self.insecure_fast_hashing { HashCost::FAST } else { HashCost::default() },
            retention,
            admin_email: self.admin_email,
            organization_name: self.organization,
            settings,
        }
    }
}

fn print_banner(hub: &RunningHub) {
    println!("Ferry hub {} listening on {} (agents reach it at {})", ferry_hub::VERSION, hub.addr, hub.public_url);
    println!("Data: {}; hub key: {}", hub.storage, hub.key_source);
    if let Some(first) = &hub.first_start {
        let url = &hub.public_url;
        println!();
        println!("First start: created organization {:?} with admin {}.", first.organization, first.email);
        println!("API token (shown only now; keep it somewhere safe):");
        println!();
        println!("    {}", first.token);
        println!();
        println!("Web UI: open {url}/ and set the admin password for {} with this token.", first.email);
        println!();
        println!("Or from the command line:");
        println!("    ferry login {url} --token {}", first.token);
        println!("    ferry app create web --type docker");
        println!("    ferry version add web 1.0.0 --compose compose.yaml");
        println!("    ferry target create edge-1 --type docker      # prints the agent install command");
        println!("    ferry deploy edge-1 web 1.0.0");
        println!("    ferry status");
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
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
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// Runs the hub until a signal arrives.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    init_logging(args.log_format);
    if args.insecure_fast_hashing {
        tracing::warn!("--insecure-fast-hashing is on: target secrets are hashed with cheap parameters");
    }
    let config = args.into_config();
    let mut hub = server::start(config, Arc::new(SystemClock)).await.context("the hub could not start")?;
    print_banner(&hub);
    tokio::select! {
        result = hub.wait() => {
            result.context("the HTTP server stopped")?;
        }
        () = shutdown_signal() => {
            tracing::info!("shutting down");
            hub.stop().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}
