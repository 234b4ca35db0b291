//! One way to run an agent, whatever its driver: the reconcile loop, the log shipper, the
//! agent's own log and the health endpoint, until shutdown. `ferry agent docker` and
//! `ferry agent kubernetes` differ only in the driver they pass.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::agent::{Agent, AgentError, SystemClock};
use crate::config::AgentConfig;
use crate::driver::Driver;
use crate::health;
use crate::hub::{HttpHub, HubApi, HubError};
use crate::logship::LogShipper;
use crate::selflog::SelfLog;

/// Why the agent could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The hub client could not be built.
    #[error("cannot set up the hub client: {0}")]
    Hub(#[from] HubError),
    /// Local state or the loop failed.
    #[error(transparent)]
    Agent(#[from] AgentError),
    /// The health endpoint could not listen.
    #[error("cannot listen for health probes on {address}: {source}")]
    Health {
        /// The configured address.
        address: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Runs the agent with `driver` against the configured hub until `shutdown` completes.
pub async fn run_agent(
    config: AgentConfig,
    driver: Arc<dyn Driver>,
    self_log: SelfLog,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), RunError> {
    let hub: Arc<dyn HubApi> = Arc::new(HttpHub::new(&config, &crate::user_agent())?);
    let health = match config.health_listen {
        Some(address) => Some(
            TcpListener::bind(address)
                .await
                .map_err(|source| RunError::Health { address: address.to_string(), source })?,
        ),
        None => None,
    };
    let (agent, log_targets) = Agent::new(config.clone(), hub.clone(), driver.clone(), Arc::new(SystemClock))?;
    let shipper = LogShipper::new(hub.clone(), driver, &config.state_dir).map_err(AgentError::from)?;

    let stop = stop::Stop::default();
    let health = health.map(|listener| {
        tracing::info!(address = ?listener.local_addr().ok(), "answering health probes on /healthz");
        tokio::spawn(health::serve(listener, agent.heartbeat(), health::stale_after(config.interval)))
    });
    let log_period = config.interval.max(Duration::from_secs(5));
    let logs = tokio::spawn(shipper.run(log_targets, log_period, stop.wait()));
    let own_logs = tokio::spawn(self_log.ship(hub, Duration::from_secs(5), stop.wait()));
    let result = agent.run(shutdown).await;
    stop.fire();
    let _ = tokio::join!(logs, own_logs);
    if let Some(h) = health {
        h.abort();
    }
    Ok(result?)
}

/// A one-shot stop signal for the helper tasks, without another dependency.
mod stop {
    use tokio::sync::watch;

    pub struct Stop(watch::Sender<bool>);

    impl Default for Stop {
        fn default() -> Self {
            Stop(watch::channel(false).0)
        }
    }

    impl Stop {
        pub fn fire(&self) {
            let _ = self.0.send(true);
        }

        pub fn wait(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
            let mut rx = self.0.subscribe();
            async move {
                let _ = rx.wait_for(|stopped| *stopped).await;
            }
        }
    }
}
