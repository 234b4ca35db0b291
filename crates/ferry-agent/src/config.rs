//! Agent configuration (PROTOCOL.md §8): Ferry's names first, Distr's accepted too, so an
//! agent installed by a Distr manifest runs unchanged.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ferry_proto::GoDuration;
use ferry_proto::api::Scope;
use uuid::Uuid;

/// The target secret; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Settings as given: flags and `FERRY_*` variables (clap reads those), before Distr's names
/// fill the gaps.
#[derive(Debug, Clone, Default)]
pub struct Given {
    /// `FERRY_HUB_URL`.
    pub hub_url: Option<String>,
    /// `FERRY_TARGET_ID`.
    pub target_id: Option<String>,
    /// `FERRY_TARGET_SECRET`.
    pub target_secret: Option<String>,
    /// `FERRY_INTERVAL`.
    pub interval: Option<String>,
    /// `FERRY_AGENT_VERSION_ID`.
    pub agent_version_id: Option<String>,
    /// `FERRY_STATE_DIR`.
    pub state_dir: Option<PathBuf>,
    /// `FERRY_REGISTRY_HOST`.
    pub registry_host: Option<String>,
    /// `FERRY_SCOPE`: `namespace` or `cluster`.
    pub scope: Option<String>,
    /// `FERRY_APPLY_CONCURRENCY`.
    pub apply_concurrency: Option<usize>,
    /// `FERRY_HEALTH_LISTEN`.
    pub health_listen: Option<String>,
}

/// Deployments applied at once when nothing else is configured.
pub const DEFAULT_APPLY_CONCURRENCY: usize = 4;

/// Resolved agent settings.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Base URL of the hub, no trailing slash.
    pub hub_url: String,
    /// This agent's target.
    pub target_id: Uuid,
    /// Its secret.
    pub target_secret: Secret,
    /// Time between reconcile ticks.
    pub interval: Duration,
    /// The agent version this binary was installed as; self-update compares against it.
    pub agent_version_id: Option<Uuid>,
    /// Durable state: what was applied, log watermarks.
    pub state_dir: PathBuf,
    /// The hub's registry, logged into with the agent's token.
    pub registry_host: Option<String>,
    /// What a Kubernetes agent may touch (the connect manifest sets it; least privilege
    /// when absent, as in a manifest written by Distr).
    pub scope: Scope,
    /// Most deployments applied at the same time.
    pub apply_concurrency: usize,
    /// Where to answer health probes (`GET /healthz`), if anywhere.
    pub health_listen: Option<SocketAddr>,
}

/// A setting that is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Required and absent.
    #[error("{0} is not set (also accepted: {1})")]
    Missing(&'static str, &'static str),
    /// Present but unusable.
    #[error("{name} is invalid: {reason}")]
    Invalid {
        /// The setting.
        name: &'static str,
        /// Why.
        reason: String,
    },
}

const DISTR_ENDPOINTS: [(&str, &str); 7] = [
    ("DISTR_LOGIN_ENDPOINT", "/api/v1/agent/login"),
    ("DISTR_RESOURCE_ENDPOINT", "/api/v1/agent/resources"),
    ("DISTR_STATUS_ENDPOINT", "/api/v1/agent/status"),
    ("DISTR_MANIFEST_ENDPOINT", "/api/v1/agent/manifest"),
    ("DISTR_METRICS_ENDPOINT", "/api/v1/agent/metrics"),
    ("DISTR_LOGS_ENDPOINT", "/api/v1/agent/logs"),
    ("DISTR_AGENT_LOGS_ENDPOINT", "/api/v1/agent/deployment-target-logs"),
];

impl AgentConfig {
    /// Resolves settings: `given` first, then Distr's variables from `env`.
    pub fn resolve(given: Given, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let nonempty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        let hub_url = match nonempty(given.hub_url) {
            Some(url) => url,
            None => DISTR_ENDPOINTS
                .iter()
                .find_map(|(var, suffix)| {
                    nonempty(env(var))
                        .map(|endpoint| endpoint.trim_end_matches('/').trim_end_matches(suffix).to_string())
                })
                .ok_or(ConfigError::Missing("FERRY_HUB_URL", "DISTR_LOGIN_ENDPOINT"))?,
        };
        let hub_url = hub_url.trim().trim_end_matches('/').to_string();
        if !(hub_url.starts_with("http://") || hub_url.starts_with("https://")) {
            return Err(ConfigError::Invalid {
                name: "FERRY_HUB_URL",
                reason: format!("{hub_url:?} must start with http:// or https://"),
            });
        }
        let target_id = nonempty(given.target_id)
            .or_else(|| nonempty(env("DISTR_TARGET_ID")))
            .ok_or(ConfigError::Missing("FERRY_TARGET_ID", "DISTR_TARGET_ID"))?;
        let target_id = Uuid::parse_str(target_id.trim()).map_err(|_| ConfigError::Invalid {
            name: "FERRY_TARGET_ID",
            reason: format!("{target_id:?} is not a UUID"),
        })?;
        let target_secret = nonempty(given.target_secret)
            .or_else(|| nonempty(env("DISTR_TARGET_SECRET")))
            .ok_or(ConfigError::Missing("FERRY_TARGET_SECRET", "DISTR_TARGET_SECRET"))?;
        let interval = match nonempty(given.interval).or_else(|| nonempty(env("DISTR_INTERVAL"))) {
            None => Duration::from_secs(5),
            Some(text) => {
                let d = text
                    .trim()
                    .parse::<GoDuration>()
                    .map_err(|e| ConfigError::Invalid { name: "FERRY_INTERVAL", reason: e.to_string() })?
                    .0;
                if d < Duration::from_millis(100) {
                    return Err(ConfigError::Invalid {
                        name: "FERRY_INTERVAL",
                        reason: "must be at least 100ms".into(),
                    });
                }
                d
            }
        };
        let agent_version_id = nonempty(given.agent_version_id)
            .or_else(|| nonempty(env("DISTR_AGENT_VERSION_ID")))
            .map(|v| {
                Uuid::parse_str(v.trim()).map_err(|_| ConfigError::Invalid {
                    name: "FERRY_AGENT_VERSION_ID",
                    reason: format!("{v:?} is not a UUID"),
                })
            })
            .transpose()?;
        let state_dir = given
            .state_dir
            .or_else(|| nonempty(env("DISTR_AGENT_SCRATCH_DIR")).map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("./ferry-agent-state"));
        let registry_host = nonempty(given.registry_host).or_else(|| nonempty(env("DISTR_REGISTRY_HOST")));
        let scope = match nonempty(given.scope) {
            None => Scope::Namespace,
            Some(text) => Scope::parse(text.trim()).ok_or_else(|| ConfigError::Invalid {
                name: "FERRY_SCOPE",
                reason: format!("{text:?} is neither \"namespace\" nor \"cluster\""),
            })?,
        };
        let apply_concurrency = match given.apply_concurrency {
            None => DEFAULT_APPLY_CONCURRENCY,
            Some(0) => {
                return Err(ConfigError::Invalid {
                    name: "FERRY_APPLY_CONCURRENCY",
                    reason: "must be at least 1".into(),
                });
            }
            Some(n) => n,
        };
        let health_listen = nonempty(given.health_listen)
            .map(|text| {
                text.trim().parse::<SocketAddr>().map_err(|_| ConfigError::Invalid {
                    name: "FERRY_HEALTH_LISTEN",
                    reason: format!("{text:?} is not an address like 0.0.0.0:8765"),
                })
            })
            .transpose()?;
        Ok(AgentConfig {
            hub_url,
            target_id,
            target_secret: Secret::new(target_secret.trim()),
            interval,
            agent_version_id,
            state_dir,
            registry_host,
            scope,
            apply_concurrency,
            health_listen,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "6f1d1b7e-3a5c-4a63-9a58-0c2a8a5d4e11";

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn ferry_names_win() {
        let given = Given {
            hub_url: Some("https://hub.example.com/".into()),
            target_id: Some(ID.into()),
            target_secret: Some("s3cret".into()),
            interval: Some("2s".into()),
            ..Default::default()
        };
        let c = AgentConfig::resolve(given, env_of(&[("DISTR_TARGET_ID", "nope")])).unwrap();
        assert_eq!(c.hub_url, "https://hub.example.com");
        assert_eq!(c.target_id.to_string(), ID);
        assert_eq!(c.interval, Duration::from_secs(2));
        assert_eq!(format!("{:?}", c.target_secret), "<redacted>");
    }

    #[test]
    fn distr_names_fill_gaps() {
        let env = env_of(&[
            ("DISTR_LOGIN_ENDPOINT", "https://app.distr.sh/api/v1/agent/login"),
            ("DISTR_TARGET_ID", ID),
            ("DISTR_TARGET_SECRET", "abc"),
            ("DISTR_INTERVAL", "10s"),
            ("DISTR_AGENT_VERSION_ID", ID),
            ("DISTR_AGENT_SCRATCH_DIR", "/scratch"),
            ("DISTR_REGISTRY_HOST", "registry.distr.sh"),
        ]);
        let c = AgentConfig::resolve(Given::default(), env).unwrap();
        assert_eq!(c.hub_url, "https://app.distr.sh");
        assert_eq!(c.interval, Duration::from_secs(10));
        assert_eq!(c.state_dir, PathBuf::from("/scratch"));
        assert_eq!(c.registry_host.as_deref(), Some("registry.distr.sh"));
        assert!(c.agent_version_id.is_some());
    }

    #[test]
    fn errors_name_the_setting() {
        let e = AgentConfig::resolve(Given::default(), env_of(&[])).unwrap_err();
        assert_eq!(e.to_string(), "FERRY_HUB_URL is not set (also accepted: DISTR_LOGIN_ENDPOINT)");
        let given = Given { hub_url: Some("http://h".into()), target_id: Some("x".into()), ..Default::default() };
        assert!(AgentConfig::resolve(given, env_of(&[])).unwrap_err().to_string().contains("not a UUID"));
        let given = Given {
            hub_url: Some("http://h".into()),
            target_id: Some(ID.into()),
            target_secret: Some("s".into()),
            interval: Some("5".into()),
            ..Default::default()
        };
        assert!(
            AgentConfig::resolve(given, env_of(&[])).unwrap_err().to_string().starts_with("FERRY_INTERVAL is invalid")
        );
    }

    #[test]
    fn scope_concurrency_and_health_address() {
        let base = || Given {
            hub_url: Some("http://h".into()),
            target_id: Some(ID.into()),
            target_secret: Some("s".into()),
            ..Default::default()
        };
        let c = AgentConfig::resolve(base(), env_of(&[])).unwrap();
        assert_eq!(
            (c.scope, c.apply_concurrency, c.health_listen),
            (Scope::Namespace, DEFAULT_APPLY_CONCURRENCY, None)
        );
        let given = Given {
            scope: Some("cluster".into()),
            apply_concurrency: Some(2),
            health_listen: Some("0.0.0.0:8765".into()),
            ..base()
        };
        let c = AgentConfig::resolve(given, env_of(&[])).unwrap();
        assert_eq!((c.scope, c.apply_concurrency), (Scope::Cluster, 2));
        assert_eq!(c.health_listen.unwrap().port(), 8765);
        let bad = |g: Given| AgentConfig::resolve(g, env_of(&[])).unwrap_err().to_string();
        assert!(bad(Given { scope: Some("everything".into()), ..base() }).starts_with("FERRY_SCOPE is invalid"));
        assert!(bad(Given { apply_concurrency: Some(0), ..base() }).starts_with("FERRY_APPLY_CONCURRENCY is invalid"));
        assert!(
            bad(Given { health_listen: Some("8765".into()), ..base() }).starts_with("FERRY_HEALTH_LISTEN is invalid")
        );
    }
}
