//! Persistence. [`Store`] is what the rest of the hub sees; [`sql::SqlStore`] implements it
//! on SQLite (embedded, the default) and on PostgreSQL (for several hub replicas). Each
//! dialect has its own versioned migrations; the queries are shared.

pub mod sql;

use std::collections::BTreeMap;

use async_trait::async_trait;
use ferry_proto::agent::{AgentLogRecord, LogRecord, MetricsReport, RegistryCredentials, StatusType};
use ferry_proto::api::{
    AgentLogLine, AgentVersion, Application, ApplicationVersion, DeploymentStatus, DockerType, HelmOptions, LogLine,
    LogPage, MetricsSample, NewApplicationVersion, Page, PlatformType, Scope, SecretInfo,
};
use time::OffsetDateTime;
use uuid::Uuid;

/// Store failures. Conflicts and misses are separate so the API can answer 409 and 404.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The object does not exist (in this organization).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule or a reference forbids the change.
    #[error("{0}")]
    Conflict(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value could not be read back.
    #[error("corrupt stored value in {what}: {detail}")]
    Corrupt {
        /// Which column or object.
        what: &'static str,
        /// What was wrong.
        detail: String,
    },
}

/// Shorthand.
pub type StoreResult<T> = Result<T, StoreError>;

/// What the first start creates.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    /// The organization.
    pub organization_id: Uuid,
    /// The admin user.
    pub user_id: Uuid,
    /// The admin's email.
    pub email: String,
}

/// Who an API token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenOwner {
    /// Organization.
    pub organization_id: Uuid,
    /// User.
    pub user_id: Uuid,
}

/// A browser session of the web UI.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// Whose session it is.
    pub owner: TokenOwner,
    /// The user's email, for the page header.
    pub email: String,
    /// The per-session token every form must echo.
    pub csrf_token: String,
    /// When the user logged in.
    pub created_at: OffsetDateTime,
    /// When the session was last used (recorded at most once a minute).
    pub last_seen_at: OffsetDateTime,
    /// A sealed one-time message for the next page.
    pub flash: Option<Vec<u8>>,
}

/// A target as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRecord {
    /// Identifier.
    pub id: Uuid,
    /// Owner.
    pub organization_id: Uuid,
    /// Name.
    pub name: String,
    /// Platform.
    pub kind: PlatformType,
    /// Kubernetes namespace.
    pub namespace: Option<String>,
    /// Kubernetes scope.
    pub scope: Option<Scope>,
    /// Metrics on/off.
    pub metrics_enabled: bool,
    /// Logs on/off.
    pub logs_enabled: bool,
    /// Assigned agent version.
    pub agent_version: AgentVersion,
    /// Argon2id PHC string of the current secret.
    pub secret_hash: Option<String>,
    /// When the current secret was issued; older JWTs are refused.
    pub secret_issued_at: Option<OffsetDateTime>,
    /// Last reported agent version.
    pub reported_agent_version: Option<String>,
    /// Last time seen, as last flushed to the store.
    pub last_seen_at: Option<OffsetDateTime>,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// A new target, validated.
#[derive(Debug, Clone)]
pub struct TargetSpec {
    /// Name.
    pub name: String,
    /// Platform.
    pub kind: PlatformType,
    /// Kubernetes namespace.
    pub namespace: Option<String>,
    /// Kubernetes scope.
    pub scope: Option<Scope>,
    /// Metrics on/off.
    pub metrics_enabled: bool,
    /// Logs on/off.
    pub logs_enabled: bool,
    /// Agent version.
    pub agent_version_id: Uuid,
}

/// Changes to a target; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct TargetChanges {
    /// New name.
    pub name: Option<String>,
    /// Metrics on/off.
    pub metrics_enabled: Option<bool>,
    /// Logs on/off.
    pub logs_enabled: Option<bool>,
    /// Agent version.
    pub agent_version_id: Option<Uuid>,
}

/// The part of a target an agent request needs, plus the organization's generation, read in
/// one query on every agent call.
#[derive(Debug, Clone)]
pub struct AgentView {
    /// The target.
    pub target: TargetRecord,
    /// The organization's desired-state generation.
    pub generation: i64,
}

/// A new revision, validated, with registry credentials already sealed.
#[derive(Debug, Clone)]
pub struct RevisionSpec {
    /// What to deploy.
    pub application_version_id: Uuid,
    /// Docker env file (secret references unresolved).
    pub env_file: Option<String>,
    /// Kubernetes values YAML (secret references unresolved).
    pub values: Option<String>,
    /// Compose or swarm.
    pub docker_type: Option<DockerType>,
    /// Recreate even if unchanged.
    pub force_restart: bool,
    /// Remove unused images.
    pub image_cleanup_enabled: bool,
    /// Tolerate Helm revision skew.
    pub ignore_revision_skew: bool,
    /// Helm options.
    pub helm_options: Option<HelmOptions>,
    /// Sealed JSON of the registry credentials.
    pub registry_auth_sealed: Option<Vec<u8>>,
    /// The registry hosts, for display.
    pub registry_hosts: Vec<String>,
}

/// A deployment as stored, with its latest revision and status.
#[derive(Debug, Clone)]
pub struct DeploymentRecord {
    /// Identifier.
    pub id: Uuid,
    /// Target.
    pub target_id: Uuid,
    /// Target name.
    pub target_name: String,
    /// Application.
    pub application_id: Uuid,
    /// Application name.
    pub application_name: String,
    /// Release / project name.
    pub release_name: String,
    /// Ship logs.
    pub logs_enabled: bool,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Latest revision.
    pub revision: RevisionRecord,
    /// Latest status.
    pub status: Option<DeploymentStatus>,
}

/// A revision as stored.
#[derive(Debug, Clone)]
pub struct RevisionRecord {
    /// Identifier.
    pub id: Uuid,
    /// Deployment.
    pub deployment_id: Uuid,
    /// 1, 2, 3, … within the deployment.
    pub seq: i64,
    /// Application version.
    pub application_version_id: Uuid,
    /// Its name.
    pub application_version_name: String,
    /// The spec.
    pub spec: RevisionSpec,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// Everything needed to tell an agent about one deployment.
#[derive(Debug, Clone)]
pub struct DesiredDeployment {
    /// The deployment, with its latest revision.
    pub deployment: DeploymentRecord,
    /// The application version of that revision.
    pub version: ApplicationVersion,
}

/// A status report to record, already checked for shape.
#[derive(Debug, Clone)]
pub struct StatusUpdate {
    /// Revision reported on.
    pub revision_id: Uuid,
    /// Kind.
    pub kind: StatusType,
    /// Message.
    pub message: String,
    /// When received.
    pub at: OffsetDateTime,
}

/// Filters for reading application logs.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    /// Only this resource.
    pub resource: Option<String>,
    /// Lines written at or after this time.
    pub since: Option<OffsetDateTime>,
    /// Lines written before this time.
    pub until: Option<OffsetDateTime>,
    /// Only lines stored after this cursor (id), oldest first; without it, the newest lines.
    pub after: Option<i64>,
    /// At most this many lines.
    pub limit: i64,
}

/// Presence observed by the hub, flushed in batches.
#[derive(Debug, Clone)]
pub struct Sighting {
    /// Target.
    pub target_id: Uuid,
    /// When.
    pub at: OffsetDateTime,
    /// Agent version from the User-Agent.
    pub agent_version: Option<String>,
}

/// How long things are kept; `None` keeps forever.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Raw metrics samples.
    pub metrics_raw: time::Duration,
    /// Hourly metrics averages.
    pub metrics_hourly: time::Duration,
    /// Application log lines.
    pub logs: time::Duration,
    /// At most this many log lines per deployment.
    pub logs_per_deployment: i64,
    /// Agent log lines.
    pub agent_logs: time::Duration,
    /// At most this many agent log lines per target.
    pub agent_logs_per_target: i64,
    /// Status rows (the latest per deployment is always kept).
    pub statuses: time::Duration,
}

/// What a pruning pass removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Raw metrics rows folded into hourly averages and removed.
    pub metrics: u64,
    /// Log lines removed.
    pub logs: u64,
    /// Agent log lines removed.
    pub agent_logs: u64,
    /// Status rows removed.
    pub statuses: u64,
}

/// Organizations, users, API tokens and web sessions. Every organization-scoped call takes the organization id and never sees
/// another organization's rows.
#[async_trait]
pub trait AccessStore: Send + Sync {
    /// On an empty database, creates an organization, an admin user and an API token
    /// (given as its digest) in one transaction; `None` if any organization exists.
    async fn bootstrap(
        &self,
        org_name: &str,
        email: &str,
        token_digest: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<Bootstrap>>;
    /// Creates another organization with its first user and token.
    async fn create_organization(
        &self,
        org_name: &str,
        email: &str,
        token_digest: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Bootstrap>;
    /// Finds the owner of an API token by its digest.
    async fn token_owner(&self, token_digest: &str) -> StoreResult<Option<TokenOwner>>;
    /// Adds an API token for a user.
    async fn add_api_token(
        &self,
        owner: TokenOwner,
        name: &str,
        token_digest: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Organization name and user email.
    async fn identity(&self, owner: TokenOwner) -> StoreResult<(String, String)>;
    /// Finds a user by email: (owner, password hash).
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<(TokenOwner, Option<String>)>>;
    /// Sets a user's password hash.
    async fn set_password(&self, user_id: Uuid, password_hash: &str) -> StoreResult<()>;
    /// Whether any user has a password (the web UI's first-run page is needed until one has).
    async fn any_password(&self) -> StoreResult<bool>;
    /// Stores a new browser session under the digest of its token.
    async fn create_session(
        &self,
        token_digest: &str,
        owner: TokenOwner,
        csrf_token: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// A session by the digest of its token, with its user's email.
    async fn session(&self, token_digest: &str) -> StoreResult<Option<SessionRecord>>;
    /// Notes that a session was used.
    async fn touch_session(&self, token_digest: &str, now: OffsetDateTime) -> StoreResult<()>;
    /// Sets (or clears) the session's sealed one-time message.
    async fn set_session_flash(&self, token_digest: &str, flash: Option<&[u8]>) -> StoreResult<()>;
    /// Ends a session.
    async fn delete_session(&self, token_digest: &str) -> StoreResult<()>;
    /// Removes sessions idle since `idle_before` or created before `created_before`.
    async fn delete_expired_sessions(
        &self,
        idle_before: OffsetDateTime,
        created_before: OffsetDateTime,
    ) -> StoreResult<u64>;
}

/// Agent versions: the images agents run.
#[async_trait]
pub trait AgentVersionStore: Send + Sync {
    /// Registers (or finds) an agent version by name; the image is updated if it changed.
    async fn ensure_agent_version(&self, name: &str, image: &str, now: OffsetDateTime) -> StoreResult<AgentVersion>;
    /// Adds an agent version; conflict if the name exists.
    async fn create_agent_version(&self, name: &str, image: &str, now: OffsetDateTime) -> StoreResult<AgentVersion>;
    /// All agent versions, newest first.
    async fn agent_versions(&self) -> StoreResult<Vec<AgentVersion>>;
    /// One agent version.
    async fn agent_version(&self, id: Uuid) -> StoreResult<AgentVersion>;
}

/// Applications and their versions. Every organization-scoped call takes the organization id and never sees
/// another organization's rows.
#[async_trait]
pub trait ApplicationStore: Send + Sync {
    /// Creates an application.
    async fn create_application(
        &self,
        org: Uuid,
        name: &str,
        kind: PlatformType,
        now: OffsetDateTime,
    ) -> StoreResult<Application>;
    /// All applications with their versions.
    async fn applications(&self, org: Uuid) -> StoreResult<Vec<Application>>;
    /// One application with its versions.
    async fn application(&self, org: Uuid, id: Uuid) -> StoreResult<Application>;
    /// Deletes an application that is not deployed anywhere.
    async fn delete_application(&self, org: Uuid, id: Uuid) -> StoreResult<()>;
    /// Adds a version.
    async fn create_version(
        &self,
        org: Uuid,
        app: Uuid,
        spec: &NewApplicationVersion,
        now: OffsetDateTime,
    ) -> StoreResult<ApplicationVersion>;
    /// One version, with its application.
    async fn version(&self, org: Uuid, id: Uuid) -> StoreResult<(Application, ApplicationVersion)>;
    /// Archives or restores a version.
    async fn set_version_archived(
        &self,
        org: Uuid,
        app: Uuid,
        id: Uuid,
        at: Option<OffsetDateTime>,
    ) -> StoreResult<ApplicationVersion>;
}

/// Deployment targets, their secrets and when their agents were seen. Every organization-scoped call takes the organization id and never sees
/// another organization's rows.
#[async_trait]
pub trait TargetStore: Send + Sync {
    /// Creates a target.
    async fn create_target(&self, org: Uuid, spec: &TargetSpec, now: OffsetDateTime) -> StoreResult<TargetRecord>;
    /// All targets.
    async fn targets(&self, org: Uuid) -> StoreResult<Vec<TargetRecord>>;
    /// One target.
    async fn target(&self, org: Uuid, id: Uuid) -> StoreResult<TargetRecord>;
    /// Changes a target.
    async fn update_target(&self, org: Uuid, id: Uuid, changes: &TargetChanges) -> StoreResult<TargetRecord>;
    /// Deletes a target without deployments.
    async fn delete_target(&self, org: Uuid, id: Uuid) -> StoreResult<()>;
    /// Replaces the target's secret hash.
    async fn set_target_secret(&self, org: Uuid, id: Uuid, secret_hash: &str, now: OffsetDateTime) -> StoreResult<()>;
    /// A target by id alone (agent login and connect, before the organization is known).
    async fn target_by_id(&self, id: Uuid) -> StoreResult<Option<TargetRecord>>;
    /// What an authenticated agent request needs, in one read.
    async fn agent_view(&self, org: Uuid, target: Uuid) -> StoreResult<Option<AgentView>>;
    /// Records when agents were seen.
    async fn record_sightings(&self, sightings: &[Sighting]) -> StoreResult<()>;
}

/// Deployments, their immutable revisions and the desired state of a target. Every organization-scoped call takes the organization id and never sees
/// another organization's rows.
#[async_trait]
pub trait DeploymentStore: Send + Sync {
    /// Creates the target's deployment of the version's application, or adds a revision to
    /// the existing one. Returns the deployment and whether it was created. Without a release
    /// name (Docker), the Compose project name `ferry-<id prefix>` is used.
    async fn deploy(
        &self,
        org: Uuid,
        target: Uuid,
        release_name: Option<&str>,
        logs_enabled: Option<bool>,
        spec: &RevisionSpec,
        now: OffsetDateTime,
    ) -> StoreResult<(DeploymentRecord, bool)>;
    /// Adds a revision to an existing deployment.
    async fn add_revision(
        &self,
        org: Uuid,
        deployment: Uuid,
        logs_enabled: Option<bool>,
        spec: &RevisionSpec,
        now: OffsetDateTime,
    ) -> StoreResult<DeploymentRecord>;
    /// Deployments (optionally of one target), newest first.
    async fn deployments(&self, org: Uuid, target: Option<Uuid>) -> StoreResult<Vec<DeploymentRecord>>;
    /// One deployment.
    async fn deployment(&self, org: Uuid, id: Uuid) -> StoreResult<DeploymentRecord>;
    /// Removes a deployment (the agent tears it down on its next poll).
    async fn delete_deployment(&self, org: Uuid, id: Uuid) -> StoreResult<()>;
    /// All revisions of a deployment, newest first.
    async fn revisions(&self, org: Uuid, deployment: Uuid) -> StoreResult<Vec<RevisionRecord>>;
    /// The desired state of a target.
    async fn desired(&self, org: Uuid, target: Uuid) -> StoreResult<Vec<DesiredDeployment>>;
    /// The organization's deployments with their current revisions (to find references to a
    /// secret before it is deleted).
    async fn current_revisions(&self, org: Uuid) -> StoreResult<Vec<DeploymentRecord>>;
}

/// What agents report: statuses, application and agent logs, metrics. Every organization-scoped call takes the organization id and never sees
/// another organization's rows.
#[async_trait]
pub trait TelemetryStore: Send + Sync {
    /// Records a status of one of the target's revisions, folding it into the previous row
    /// when identical. `NotFound` when the revision is not the target's.
    async fn record_status(&self, org: Uuid, target: Uuid, update: &StatusUpdate) -> StoreResult<()>;
    /// Status history of a deployment, newest first.
    async fn statuses(
        &self,
        org: Uuid,
        deployment: Uuid,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Page<DeploymentStatus>>;
    /// Stores log lines of the target's deployments; lines naming other deployments or
    /// revisions are dropped. Returns how many were stored.
    async fn insert_logs(&self, org: Uuid, target: Uuid, lines: &[LogRecord]) -> StoreResult<usize>;
    /// Reads application logs.
    async fn logs(&self, org: Uuid, deployment: Uuid, query: &LogQuery) -> StoreResult<LogPage<LogLine>>;
    /// Resources that have logged, for filters.
    async fn log_resources(&self, org: Uuid, deployment: Uuid) -> StoreResult<Vec<String>>;
    /// Stores the agent's own log lines.
    async fn insert_agent_logs(&self, target: Uuid, lines: &[AgentLogRecord]) -> StoreResult<()>;
    /// Reads an agent's own log.
    async fn agent_logs(
        &self,
        org: Uuid,
        target: Uuid,
        after: Option<i64>,
        limit: i64,
    ) -> StoreResult<LogPage<AgentLogLine>>;
    /// Stores a metrics sample.
    async fn insert_metrics(&self, target: Uuid, at: OffsetDateTime, report: &MetricsReport) -> StoreResult<()>;
    /// Metrics of a target in a window (raw where still kept, hourly averages before).
    async fn metrics(
        &self,
        org: Uuid,
        target: Uuid,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> StoreResult<(Option<MetricsSample>, Vec<MetricsSample>)>;
}

/// Sealed organization secrets. Every organization-scoped call takes the organization id and never sees
/// another organization's rows.
#[async_trait]
pub trait SecretStore: Send + Sync {
    /// Creates or replaces a secret (already sealed).
    async fn put_secret(&self, org: Uuid, key: &str, sealed: &[u8], now: OffsetDateTime) -> StoreResult<SecretInfo>;
    /// Deletes a secret.
    async fn delete_secret(&self, org: Uuid, key: &str) -> StoreResult<()>;
    /// Lists secrets (no values).
    async fn secrets(&self, org: Uuid) -> StoreResult<Vec<SecretInfo>>;
    /// All sealed values of an organization, for templating.
    async fn sealed_secrets(&self, org: Uuid) -> StoreResult<BTreeMap<String, Vec<u8>>>;
}

/// Removing telemetry past its retention.
#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// Applies retention: folds old raw metrics into hourly averages, removes old rows.
    async fn prune(&self, now: OffsetDateTime, retention: &Retention) -> StoreResult<Pruned>;
}

/// The hub's persistence. Every organization-scoped call takes the organization id and
/// never sees another organization's rows.
#[async_trait]
pub trait Store:
    AccessStore
    + AgentVersionStore
    + ApplicationStore
    + TargetStore
    + DeploymentStore
    + TelemetryStore
    + SecretStore
    + RetentionStore
{
    /// Is the database reachable?
    async fn ping(&self) -> StoreResult<()>;
    /// Where the data lives, for the startup message.
    fn describe(&self) -> String;
}

/// Registry credentials as sealed inside a revision.
pub type RegistryAuth = BTreeMap<String, RegistryCredentials>;
