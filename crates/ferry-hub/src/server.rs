//! Starting and stopping a hub: data directory, hub key, store, first-start bootstrap, the
//! HTTP listener and the background tasks (presence flush, retention).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api::{self, AppState, Hub};
use crate::clock::Clock;
use crate::crypto::{HashCost, MasterKey, Sealer, SecretHasher, TokenIssuer, new_api_token, token_digest};
use crate::settings::Settings;
use crate::store::sql::SqlStore;
use crate::store::{Retention, Store, StoreError};

/// Everything `ferry hub` can be told.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where the SQLite database and the hub key live.
    pub data_dir: PathBuf,
    /// PostgreSQL URL; SQLite in `data_dir` when absent.
    pub database_url: Option<String>,
    /// PostgreSQL pool size.
    pub database_max_connections: u32,
    /// URL agents reach the hub at; derived from `listen` when absent.
    pub public_url: Option<String>,
    /// Agent image repository used in connect manifests.
    pub agent_image: String,
    /// Agent image tag (defaults to the hub's version).
    pub agent_tag: String,
    /// The hub key as 64 hex chars; read from (or created in) `data_dir/hub.key` if absent.
    pub secret_key: Option<String>,
    /// Argon2id cost for target secrets and passwords.
    pub hash_cost: HashCost,
    /// Retention of metrics, logs and statuses.
    pub retention: Retention,
    /// Email of the admin created on first start.
    pub admin_email: String,
    /// Name of the organization created on first start.
    pub organization_name: String,
    /// Handler settings (public URL is filled in from the fields above).
    pub settings: Settings,
}

impl Retention {
    /// Defaults under which a year of a 100-target fleet stays within a few GB: raw metrics
    /// for 7 days then hourly averages for 400 days; logs for 14 days and at most 100,000
    /// lines per deployment; agent logs 7 days / 20,000 lines per target; statuses 90 days.
    pub const DEFAULT: Retention = Retention {
        metrics_raw: time::Duration::days(7),
        metrics_hourly: time::Duration::days(400),
        logs: time::Duration::days(14),
        logs_per_deployment: 100_000,
        agent_logs: time::Duration::days(7),
        agent_logs_per_target: 20_000,
        statuses: time::Duration::days(90),
    };
}

/// Why the hub could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A file or directory problem.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// Where.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The database could not be opened or migrated.
    #[error("cannot open the database: {0}")]
    Store(#[from] StoreError),
    /// The hub key is unusable.
    #[error("hub key: {0}")]
    Key(#[from] crate::crypto::CryptoError),
    /// The listen address is taken or not allowed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
}

/// What the first start created; the token is shown once and never stored in clear.
#[derive(Debug, Clone)]
pub struct FirstStart {
    /// Admin email.
    pub email: String,
    /// Organization name.
    pub organization: String,
    /// API token.
    pub token: String,
}

/// A running hub.
pub struct RunningHub {
    /// The bound address.
    pub addr: SocketAddr,
    /// Where agents reach it.
    pub public_url: String,
    /// Where the data lives.
    pub storage: String,
    /// Where the hub key came from.
    pub key_source: String,
    /// Set on the first start only.
    pub first_start: Option<FirstStart>,
    /// The shared state (tests reach the store through it).
    pub hub: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    server: JoinHandle<std::io::Result<()>>,
    background: Vec<JoinHandle<()>>,
}

impl RunningHub {
    /// Stops accepting requests, lets in-flight ones finish, flushes presence.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.server).await;
        for task in &self.background {
            task.abort();
        }
        flush_presence(&self.hub).await;
    }

    /// Waits until the server ends on its own (it does not, short of an error).
    pub async fn wait(&mut self) -> std::io::Result<()> {
        match (&mut self.server).await {
            Ok(result) => result,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

fn io_err(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StartError + use<> {
    let path = path.to_path_buf();
    move |source| StartError::Io { what, path, source }
}

/// Creates a directory only its owner can read.
fn ensure_private_dir(dir: &Path) -> Result<(), StartError> {
    std::fs::create_dir_all(dir).map_err(io_err("cannot create data directory", dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(io_err("cannot restrict permissions of", dir))?;
    }
    Ok(())
}

/// The hub key: given, or read from `data_dir/hub.key`, or created there (mode 0600).
fn load_key(config: &Config) -> Result<(MasterKey, String), StartError> {
    if let Some(hex) = &config.secret_key {
        return Ok((MasterKey::from_hex(hex)?, "FERRY_SECRET_KEY".to_string()));
    }
    let path = config.data_dir.join("hub.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok((MasterKey::from_hex(&text)?, path.display().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = MasterKey::generate()?;
            write_private(&path, &format!("{}\n", key.to_hex()))?;
            Ok((key, format!("{} (created)", path.display())))
        }
        Err(e) => Err(StartError::Io { what: "cannot read hub key", path, source: e }),
    }
}

fn write_private(path: &Path, contents: &str) -> Result<(), StartError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io_err("cannot create", path))?;
    file.write_all(contents.as_bytes()).map_err(io_err("cannot write", path))?;
    file.sync_all().map_err(io_err("cannot sync", path))
}

fn default_public_url(listen: SocketAddr) -> String {
    if listen.ip().is_unspecified() {
        format!("http://localhost:{}", listen.port())
    } else {
        format!("http://{listen}")
    }
}

/// Opens the store the configuration asks for.
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, StartError> {
    ensure_private_dir(&config.data_dir)?;
    Ok(match &config.database_url {
        Some(url) => Arc::new(SqlStore::postgres(url, config.database_max_connections).await?),
        None => Arc::new(SqlStore::sqlite(&config.data_dir.join("ferry.db")).await?),
    })
}

/// Starts a hub: opens the store, bootstraps on first start, binds, serves.
pub async fn start(config: Config, clock: Arc<dyn Clock>) -> Result<RunningHub, StartError> {
    let store = open_store(&config).await?;
    let (key, key_source) = load_key(&config)?;
    let now = clock.now();

    let first_start = {
        let token = new_api_token()?;
        store
            .bootstrap(&config.organization_name, &config.admin_email, &token_digest(&token), now)
            .await?
            .map(|b| FirstStart { email: b.email, organization: config.organization_name.clone(), token })
    };
    let image = format!("{}:{}", config.agent_image, config.agent_tag);
    let default_agent_version = store.ensure_agent_version(crate::VERSION, &image, now).await?;

    let listener =
        TcpListener::bind(config.listen).await.map_err(|source| StartError::Bind { addr: config.listen, source })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: config.listen, source })?;
    let public_url =
        config.public_url.clone().unwrap_or_else(|| default_public_url(addr)).trim_end_matches('/').to_string();
    let settings = Settings { public_url: public_url.clone(), ..config.settings.clone() };
    let storage = store.describe();
    let hub = Arc::new(Hub::new(
        store,
        TokenIssuer::new(&key),
        Sealer::new(&key),
        SecretHasher::new(config.hash_cost),
        settings,
        default_agent_version,
        clock,
    ));

    let (tx, rx) = oneshot::channel::<()>();
    let app = api::router(hub.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
    });
    let background =
        vec![tokio::spawn(presence_loop(hub.clone())), tokio::spawn(retention_loop(hub.clone(), config.retention))];
    Ok(RunningHub { addr, public_url, storage, key_source, first_start, hub, shutdown: Some(tx), server, background })
}

async fn flush_presence(hub: &Hub) {
    let batch = hub.presence.take_unflushed();
    if batch.is_empty() {
        return;
    }
    if let Err(e) = hub.store.record_sightings(&batch).await {
        tracing::warn!(error = %e, "could not record when agents were last seen; will retry");
        hub.presence.restore(&batch);
    }
}

async fn presence_loop(hub: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        flush_presence(&hub).await;
    }
}

async fn retention_loop(hub: AppState, retention: Retention) {
    // Not at startup: a restart loop must not turn into a purge loop.
    let mut tick =
        tokio::time::interval_at(tokio::time::Instant::now() + Duration::from_secs(60), Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match hub.store.prune(hub.clock.now(), &retention).await {
            Ok(p) => tracing::info!(
                metrics = p.metrics,
                logs = p.logs,
                agent_logs = p.agent_logs,
                statuses = p.statuses,
                "retention pass done"
            ),
            Err(e) => tracing::warn!(error = %e, "retention pass failed; will retry in an hour"),
        }
    }
}
