//! [`Store`] over SQL, for SQLite and PostgreSQL alike. Both speak the same SQL here
//! (`$n` parameters, `ON CONFLICT`, `RETURNING`); ids are TEXT, times BIGINT nanoseconds,
//! and only connection setup and migrations differ per dialect.
//!
//! SQLite gets one writer connection and a pool of readers: writes queue in-process instead
//! of failing with "database is locked", and WAL lets readers proceed alongside.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use async_trait::async_trait;
use ferry_proto::agent::{AgentLogRecord, DiskMetric, LogRecord, MetricsReport, StatusType};
use ferry_proto::api::{
    AgentLogLine, AgentVersion, Application, ApplicationVersion, ChartType, DeploymentStatus, DockerType, LogLine,
    LogPage, MetricsSample, NewApplicationVersion, Page, PlatformType, Scope, SecretInfo,
};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::*;

/// Rows per presence UPDATE (three parameters each, well under both databases' limits).
const SIGHTINGS_PER_STATEMENT: usize = 500;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Which database is behind the pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// The SQL store.
pub struct SqlStore {
    read: AnyPool,
    write: AnyPool,
    dialect: Dialect,
    location: String,
}

fn nanos(t: OffsetDateTime) -> i64 {
    // Saturates outside 1677..2262, far beyond anything an agent reports honestly.
    t.unix_timestamp_nanos().clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

fn from_nanos(n: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(n as i128).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn corrupt(what: &'static str, detail: impl ToString) -> StoreError {
    StoreError::Corrupt { what, detail: detail.to_string() }
}

fn get_uuid(row: &AnyRow, col: &'static str) -> StoreResult<Uuid> {
    let text: String = row.try_get(col)?;
    Uuid::parse_str(&text).map_err(|e| corrupt(col, e))
}

fn get_time(row: &AnyRow, col: &'static str) -> StoreResult<OffsetDateTime> {
    Ok(from_nanos(row.try_get(col)?))
}

fn get_opt_time(row: &AnyRow, col: &'static str) -> StoreResult<Option<OffsetDateTime>> {
    Ok(row.try_get::<Option<i64>, _>(col)?.map(from_nanos))
}

/// SQLite hands booleans back as integers through the Any driver, PostgreSQL as booleans.
fn get_bool(row: &AnyRow, col: &'static str) -> StoreResult<bool> {
    match row.try_get::<bool, _>(col) {
        Ok(b) => Ok(b),
        Err(_) => Ok(row.try_get::<i64, _>(col)? != 0),
    }
}

fn get_json<T: serde::de::DeserializeOwned>(row: &AnyRow, col: &'static str) -> StoreResult<Option<T>> {
    let text: Option<String> = row.try_get(col)?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| corrupt(col, e))).transpose()
}

fn unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

fn conflict_if_unique(e: sqlx::Error, message: impl FnOnce() -> String) -> StoreError {
    if unique_violation(&e) { StoreError::Conflict(message()) } else { StoreError::Database(e) }
}

fn agent_version_from(
    row: &AnyRow,
    prefix_id: &'static str,
    name: &'static str,
    image: &'static str,
    created: &'static str,
) -> StoreResult<AgentVersion> {
    Ok(AgentVersion {
        id: get_uuid(row, prefix_id)?,
        name: row.try_get(name)?,
        image: row.try_get(image)?,
        created_at: get_time(row, created)?,
    })
}

fn platform(row: &AnyRow, col: &'static str) -> StoreResult<PlatformType> {
    let text: String = row.try_get(col)?;
    PlatformType::parse(&text).ok_or_else(|| corrupt(col, text))
}

macro_rules! target_select {
    () => {
        "SELECT t.id, t.organization_id, t.name, t.type, t.namespace, t.scope, t.metrics_enabled, \
         t.logs_enabled, t.secret_hash, t.secret_issued_at, t.reported_agent_version, t.last_seen_at, \
         t.created_at, v.id AS av_id, v.name AS av_name, v.image AS av_image, v.created_at AS av_created_at \
         FROM targets t JOIN agent_versions v ON v.id = t.agent_version_id "
    };
}

fn target_from(row: &AnyRow) -> StoreResult<TargetRecord> {
    let scope: Option<String> = row.try_get("scope")?;
    Ok(TargetRecord {
        id: get_uuid(row, "id")?,
        organization_id: get_uuid(row, "organization_id")?,
        name: row.try_get("name")?,
        kind: platform(row, "type")?,
        namespace: row.try_get("namespace")?,
        scope: scope.map(|s| Scope::parse(&s).ok_or_else(|| corrupt("targets.scope", s))).transpose()?,
        metrics_enabled: get_bool(row, "metrics_enabled")?,
        logs_enabled: get_bool(row, "logs_enabled")?,
        agent_version: agent_version_from(row, "av_id", "av_name", "av_image", "av_created_at")?,
        secret_hash: row.try_get("secret_hash")?,
        secret_issued_at: get_opt_time(row, "secret_issued_at")?,
        reported_agent_version: row.try_get("reported_agent_version")?,
        last_seen_at: get_opt_time(row, "last_seen_at")?,
        created_at: get_time(row, "created_at")?,
    })
}

macro_rules! version_columns {
    () => {
        "v.id AS v_id, v.application_id AS v_application_id, v.name AS v_name, v.compose_file, \
         v.env_template, v.chart_type, v.chart_url, v.chart_name, v.chart_version, v.base_values, \
         v.values_template, v.archived_at AS v_archived_at, v.created_at AS v_created_at"
    };
}

fn version_from(row: &AnyRow) -> StoreResult<ApplicationVersion> {
    let chart_type: Option<String> = row.try_get("chart_type")?;
    Ok(ApplicationVersion {
        id: get_uuid(row, "v_id")?,
        application_id: get_uuid(row, "v_application_id")?,
        created_at: get_time(row, "v_created_at")?,
        archived_at: get_opt_time(row, "v_archived_at")?,
        spec: NewApplicationVersion {
            name: row.try_get("v_name")?,
            compose_file: row.try_get("compose_file")?,
            env_template: row.try_get("env_template")?,
            chart_type: chart_type.map(|c| ChartType::parse(&c).ok_or_else(|| corrupt("chart_type", c))).transpose()?,
            chart_url: row.try_get("chart_url")?,
            chart_name: row.try_get("chart_name")?,
            chart_version: row.try_get("chart_version")?,
            base_values: row.try_get("base_values")?,
            values_template: row.try_get("values_template")?,
        },
    })
}

macro_rules! deployment_select {
    () => {
        concat!(
            "SELECT d.id, d.target_id, t.name AS target_name, d.application_id, a.name AS application_name, \
             a.type AS application_type, a.created_at AS application_created_at, \
             d.release_name, d.logs_enabled, d.created_at, \
             r.id AS r_id, r.seq AS r_seq, r.env_file, r.values_yaml, r.docker_type, r.force_restart, \
             r.image_cleanup_enabled, r.ignore_revision_skew, r.helm_options, r.registry_auth, \
             r.registry_hosts, r.created_at AS r_created_at, ",
            version_columns!(),
            ", s.id AS s_id, s.revision_id AS s_revision_id, s.type AS s_type, s.message AS s_message, \
             s.count AS s_count, s.first_seen_at AS s_first, s.last_seen_at AS s_last \
             FROM deployments d \
             JOIN targets t ON t.id = d.target_id \
             JOIN applications a ON a.id = d.application_id \
             JOIN deployment_revisions r ON r.deployment_id = d.id \
               AND r.seq = (SELECT MAX(seq) FROM deployment_revisions WHERE deployment_id = d.id) \
             JOIN application_versions v ON v.id = r.application_version_id \
             LEFT JOIN deployment_statuses s \
               ON s.id = (SELECT MAX(id) FROM deployment_statuses WHERE deployment_id = d.id) "
        )
    };
}

fn revision_spec_from(row: &AnyRow) -> StoreResult<RevisionSpec> {
    let docker_type: Option<String> = row.try_get("docker_type")?;
    Ok(RevisionSpec {
        application_version_id: get_uuid(row, "v_id")?,
        env_file: row.try_get("env_file")?,
        values: row.try_get("values_yaml")?,
        docker_type: docker_type
            .map(|d| match d.as_str() {
                "compose" => Ok(DockerType::Compose),
                "swarm" => Ok(DockerType::Swarm),
                _ => Err(corrupt("docker_type", d)),
            })
            .transpose()?,
        force_restart: get_bool(row, "force_restart")?,
        image_cleanup_enabled: get_bool(row, "image_cleanup_enabled")?,
        ignore_revision_skew: get_bool(row, "ignore_revision_skew")?,
        helm_options: get_json(row, "helm_options")?,
        registry_auth_sealed: row.try_get("registry_auth")?,
        registry_hosts: get_json(row, "registry_hosts")?.unwrap_or_default(),
    })
}

fn status_from(row: &AnyRow, p: [&'static str; 7]) -> StoreResult<DeploymentStatus> {
    let kind: String = row.try_get(p[2])?;
    Ok(DeploymentStatus {
        id: row.try_get(p[0])?,
        revision_id: get_uuid(row, p[1])?,
        kind: StatusType::parse(&kind).ok_or_else(|| corrupt("status type", kind))?,
        message: row.try_get(p[3])?,
        count: row.try_get(p[4])?,
        first_seen_at: get_time(row, p[5])?,
        last_seen_at: get_time(row, p[6])?,
    })
}

const STATUS_COLUMNS: [&str; 7] = ["id", "revision_id", "type", "message", "count", "first_seen_at", "last_seen_at"];

fn deployment_from(row: &AnyRow) -> StoreResult<(DeploymentRecord, ApplicationVersion)> {
    let version = version_from(row)?;
    let status = match row.try_get::<Option<i64>, _>("s_id")? {
        Some(_) => {
            Some(status_from(row, ["s_id", "s_revision_id", "s_type", "s_message", "s_count", "s_first", "s_last"])?)
        }
        None => None,
    };
    let id = get_uuid(row, "id")?;
    let record = DeploymentRecord {
        id,
        target_id: get_uuid(row, "target_id")?,
        target_name: row.try_get("target_name")?,
        application_id: get_uuid(row, "application_id")?,
        application_name: row.try_get("application_name")?,
        release_name: row.try_get("release_name")?,
        logs_enabled: get_bool(row, "logs_enabled")?,
        created_at: get_time(row, "created_at")?,
        revision: RevisionRecord {
            id: get_uuid(row, "r_id")?,
            deployment_id: id,
            seq: row.try_get("r_seq")?,
            application_version_id: version.id,
            application_version_name: version.spec.name.clone(),
            spec: revision_spec_from(row)?,
            created_at: get_time(row, "r_created_at")?,
        },
        status,
    };
    Ok((record, version))
}

impl SqlStore {
    /// Opens (creating if needed) the SQLite database at `path` and migrates it.
    pub async fn sqlite(path: &Path) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let location = path.display().to_string();
        let url = format!("sqlite://{location}");
        let write = AnyPoolOptions::new()
            .max_connections(1)
            .after_connect(sqlite_pragmas)
            .connect(&format!("{url}?mode=rwc"))
            .await?;
        SQLITE_MIGRATIONS.run(&write).await?;
        let read = AnyPoolOptions::new()
            .max_connections(4)
            .after_connect(sqlite_pragmas)
            .connect(&format!("{url}?mode=ro"))
            .await?;
        Ok(SqlStore { read, write, dialect: Dialect::Sqlite, location: format!("SQLite database {location}") })
    }

    /// Connects to PostgreSQL and migrates (safe with several hubs starting together: the
    /// migrator takes an advisory lock).
    pub async fn postgres(url: &str, max_connections: u32) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new().max_connections(max_connections).connect(url).await?;
        POSTGRES_MIGRATIONS.run(&pool).await?;
        let location = redact_url(url);
        Ok(SqlStore {
            read: pool.clone(),
            write: pool,
            dialect: Dialect::Postgres,
            location: format!("PostgreSQL {location}"),
        })
    }

    /// Which database this is.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    async fn bump_generation(tx: &mut sqlx::Transaction<'_, sqlx::Any>, org: Uuid) -> StoreResult<()> {
        sqlx::query("UPDATE organizations SET generation = generation + 1 WHERE id = $1")
            .bind(org.to_string())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    async fn insert_org_user_token(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        org_name: &str,
        email: &str,
        token_digest: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Bootstrap> {
        let org = Uuid::new_v4();
        let user = Uuid::new_v4();
        sqlx::query("INSERT INTO organizations (id, name, generation, created_at) VALUES ($1, $2, 0, $3)")
            .bind(org.to_string())
            .bind(org_name.to_string())
            .bind(nanos(now))
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO users (id, organization_id, email, password_hash, created_at) VALUES ($1, $2, $3, NULL, $4)",
        )
        .bind(user.to_string())
        .bind(org.to_string())
        .bind(email.to_string())
        .bind(nanos(now))
        .execute(&mut **tx)
        .await
        .map_err(|e| conflict_if_unique(e, || format!("a user with email {email:?} already exists")))?;
        sqlx::query(
            "INSERT INTO api_tokens (id, organization_id, user_id, name, token_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::new_v4().to_string())
        .bind(org.to_string())
        .bind(user.to_string())
        .bind("initial".to_string())
        .bind(token_digest.to_string())
        .bind(nanos(now))
        .execute(&mut **tx)
        .await?;
        Ok(Bootstrap { organization_id: org, user_id: user, email: email.to_string() })
    }

    async fn deployment_in(&self, org: Uuid, id: Uuid) -> StoreResult<(DeploymentRecord, ApplicationVersion)> {
        let row = sqlx::query(concat!(deployment_select!(), "WHERE d.organization_id = $1 AND d.id = $2"))
            .bind(org.to_string())
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound("deployment"))?;
        deployment_from(&row)
    }

    /// Checks that a row of the organization exists; `sql` selects it by `$1` org, `$2` id.
    async fn ensure_exists(&self, sql: &'static str, what: &'static str, org: Uuid, id: Uuid) -> StoreResult<()> {
        sqlx::query(sql)
            .bind(org.to_string())
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound(what))?;
        Ok(())
    }

    async fn ensure_deployment(&self, org: Uuid, id: Uuid) -> StoreResult<()> {
        self.ensure_exists("SELECT id FROM deployments WHERE organization_id = $1 AND id = $2", "deployment", org, id)
            .await
    }

    async fn ensure_target(&self, org: Uuid, id: Uuid) -> StoreResult<()> {
        self.ensure_exists("SELECT id FROM targets WHERE organization_id = $1 AND id = $2", "target", org, id).await
    }

    /// Deletes a row unless deployments still use it. `count_sql` counts them and
    /// `delete_sql` deletes, both bound to `$1` org, `$2` id.
    async fn delete_unless_deployed(
        &self,
        count_sql: &'static str,
        delete_sql: &'static str,
        what: &'static str,
        org: Uuid,
        id: Uuid,
        conflict: impl FnOnce(i64) -> String,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        let used: i64 = sqlx::query(count_sql)
            .bind(org.to_string())
            .bind(id.to_string())
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        if used > 0 {
            return Err(StoreError::Conflict(conflict(used)));
        }
        let done = sqlx::query(delete_sql).bind(org.to_string()).bind(id.to_string()).execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(what));
        }
        tx.commit().await?;
        Ok(())
    }

    async fn insert_revision(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        deployment: Uuid,
        spec: &RevisionSpec,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let seq: i64 = sqlx::query(
            "UPDATE deployments SET revision_count = revision_count + 1 WHERE id = $1 RETURNING revision_count",
        )
        .bind(deployment.to_string())
        .fetch_one(&mut **tx)
        .await?
        .try_get("revision_count")?;
        let helm = spec.helm_options.as_ref().map(|h| serde_json::to_string(h).unwrap_or_default());
        let hosts = serde_json::to_string(&spec.registry_hosts).unwrap_or_else(|_| "[]".into());
        sqlx::query(
            "INSERT INTO deployment_revisions (id, deployment_id, seq, application_version_id, env_file, \
             values_yaml, docker_type, force_restart, image_cleanup_enabled, ignore_revision_skew, \
             helm_options, registry_auth, registry_hosts, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(Uuid::new_v4().to_string())
        .bind(deployment.to_string())
        .bind(seq)
        .bind(spec.application_version_id.to_string())
        .bind(spec.env_file.clone())
        .bind(spec.values.clone())
        .bind(spec.docker_type.map(|d| match d {
            DockerType::Compose => "compose".to_string(),
            DockerType::Swarm => "swarm".to_string(),
        }))
        .bind(spec.force_restart)
        .bind(spec.image_cleanup_enabled)
        .bind(spec.ignore_revision_skew)
        .bind(helm)
        .bind(spec.registry_auth_sealed.clone())
        .bind(hosts)
        .bind(nanos(now))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    async fn deploy_once(
        &self,
        org: Uuid,
        target: Uuid,
        release_name: Option<&str>,
        logs_enabled: Option<bool>,
        spec: &RevisionSpec,
        now: OffsetDateTime,
    ) -> StoreResult<(DeploymentRecord, bool)> {
        self.ensure_target(org, target).await?;
        let (app, _) = self.version(org, spec.application_version_id).await?;
        let mut tx = self.write.begin().await?;
        let existing = sqlx::query("SELECT id FROM deployments WHERE target_id = $1 AND application_id = $2")
            .bind(target.to_string())
            .bind(app.id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let (id, created) = match existing {
            Some(row) => (get_uuid(&row, "id")?, false),
            None => {
                let id = Uuid::new_v4();
                let release_name =
                    release_name.map(str::to_string).unwrap_or_else(|| crate::desired::compose_project(id));
                let inserted = sqlx::query(
                    "INSERT INTO deployments (id, organization_id, target_id, application_id, release_name, \
                     logs_enabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id.to_string())
                .bind(org.to_string())
                .bind(target.to_string())
                .bind(app.id.to_string())
                .bind(release_name.clone())
                .bind(logs_enabled.unwrap_or(true))
                .bind(nanos(now))
                .execute(&mut *tx)
                .await;
                if let Err(e) = inserted {
                    if !unique_violation(&e) {
                        return Err(e.into());
                    }
                    // Either the same application was deployed concurrently (the caller
                    // retries and adds a revision) or the release name belongs to another one.
                    let raced = sqlx::query("SELECT id FROM deployments WHERE target_id = $1 AND application_id = $2")
                        .bind(target.to_string())
                        .bind(app.id.to_string())
                        .fetch_optional(&self.read)
                        .await?
                        .is_some();
                    return Err(if raced {
                        StoreError::Database(e)
                    } else {
                        StoreError::Conflict(format!(
                            "release name {release_name:?} is already used by another deployment on this target"
                        ))
                    });
                }
                (id, true)
            }
        };
        if let (false, Some(enabled)) = (created, logs_enabled) {
            sqlx::query("UPDATE deployments SET logs_enabled = $1 WHERE id = $2")
                .bind(enabled)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        Self::insert_revision(&mut tx, id, spec, now).await?;
        Self::bump_generation(&mut tx, org).await?;
        tx.commit().await?;
        Ok((self.deployment_in(org, id).await?.0, created))
    }

    /// Deletes one row that agents' desired state depends on (`$1` org, `$2` key) and bumps
    /// the organization's generation so agents see the change on their next poll.
    async fn delete_desired(&self, sql: &'static str, what: &'static str, org: Uuid, key: String) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        let done = sqlx::query(sql).bind(org.to_string()).bind(key).execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(what));
        }
        Self::bump_generation(&mut tx, org).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes rows chosen by `select_ids` (a query returning `id`, bound to `cutoff`) in
    /// chunks, so a large purge never holds the SQLite writer for long.
    async fn delete_in_chunks(&self, select_ids: &'static str, delete: &'static str, arg: i64) -> StoreResult<u64> {
        let mut total = 0;
        loop {
            let ids: Vec<i64> = sqlx::query(select_ids)
                .bind(arg)
                .fetch_all(&self.read)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>("id"))
                .collect::<Result<_, _>>()?;
            if ids.is_empty() {
                return Ok(total);
            }
            let (lo, hi) = (ids.iter().min().copied().unwrap_or(0), ids.iter().max().copied().unwrap_or(0));
            let done = sqlx::query(delete).bind(lo).bind(hi).bind(arg).execute(&self.write).await?;
            total += done.rows_affected();
            if done.rows_affected() == 0 {
                return Ok(total);
            }
        }
    }

    async fn cap_rows(
        &self,
        groups: &'static str,
        threshold: &'static str,
        delete: &'static str,
        cap: i64,
    ) -> StoreResult<u64> {
        let owners: Vec<String> = sqlx::query(groups)
            .bind(cap)
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("owner"))
            .collect::<Result<_, _>>()?;
        let mut total = 0;
        for owner in owners {
            let Some(row) = sqlx::query(threshold).bind(owner.clone()).bind(cap).fetch_optional(&self.read).await?
            else {
                continue;
            };
            let id: i64 = row.try_get("id")?;
            total += sqlx::query(delete).bind(owner).bind(id).execute(&self.write).await?.rows_affected();
        }
        Ok(total)
    }
}

type ConnectHook<'c> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), sqlx::Error>> + Send + 'c>>;

/// WAL so readers never block the writer; a long busy timeout so a second process sharing
/// the file waits instead of failing; foreign keys for the cascades the schema relies on.
fn sqlite_pragmas(conn: &mut sqlx::AnyConnection, _meta: sqlx::pool::PoolConnectionMetadata) -> ConnectHook<'_> {
    Box::pin(async move {
        sqlx::raw_sql(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON;",
        )
        .execute(conn)
        .await?;
        Ok(())
    })
}

/// Hides the password of a database URL for messages.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1 AS one").fetch_one(&self.read).await?;
        Ok(())
    }

    fn describe(&self) -> String {
        self.location.clone()
    }

    async fn bootstrap(
        &self,
        org_name: &str,
        email: &str,
        token_digest: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<Bootstrap>> {
        let mut tx = self.write.begin().await?;
        let claimed = sqlx::query("INSERT INTO hub_settings (key, value) VALUES ('bootstrap', $1)")
            .bind(nanos(now).to_string())
            .execute(&mut *tx)
            .await;
        match claimed {
            Ok(_) => {}
            Err(e) if unique_violation(&e) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        let done = Self::insert_org_user_token(&mut tx, org_name, email, token_digest, now).await?;
        tx.commit().await?;
        Ok(Some(done))
    }

    async fn create_organization(
        &self,
        org_name: &str,
        email: &str,
        token_digest: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Bootstrap> {
        let mut tx = self.write.begin().await?;
        let done = Self::insert_org_user_token(&mut tx, org_name, email, token_digest, now).await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn token_owner(&self, token_digest: &str) -> StoreResult<Option<TokenOwner>> {
        let row = sqlx::query("SELECT organization_id, user_id FROM api_tokens WHERE token_hash = $1")
            .bind(token_digest.to_string())
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| {
            Ok(TokenOwner { organization_id: get_uuid(&r, "organization_id")?, user_id: get_uuid(&r, "user_id")? })
        })
        .transpose()
    }

    async fn add_api_token(
        &self,
        owner: TokenOwner,
        name: &str,
        token_digest: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_tokens (id, organization_id, user_id, name, token_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::new_v4().to_string())
        .bind(owner.organization_id.to_string())
        .bind(owner.user_id.to_string())
        .bind(name.to_string())
        .bind(token_digest.to_string())
        .bind(nanos(now))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn identity(&self, owner: TokenOwner) -> StoreResult<(String, String)> {
        let row = sqlx::query(
            "SELECT o.name AS org_name, u.email FROM users u JOIN organizations o ON o.id = u.organization_id \
             WHERE u.id = $1 AND o.id = $2",
        )
        .bind(owner.user_id.to_string())
        .bind(owner.organization_id.to_string())
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
        Ok((row.try_get("org_name")?, row.try_get("email")?))
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<(TokenOwner, Option<String>)>> {
        let row = sqlx::query("SELECT id, organization_id, password_hash FROM users WHERE email = $1")
            .bind(email.to_string())
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| {
            Ok((
                TokenOwner { organization_id: get_uuid(&r, "organization_id")?, user_id: get_uuid(&r, "id")? },
                r.try_get("password_hash")?,
            ))
        })
        .transpose()
    }

    async fn set_password(&self, user_id: Uuid, password_hash: &str) -> StoreResult<()> {
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash.to_string())
            .bind(user_id.to_string())
            .execute(&self.write)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }

    async fn any_password(&self) -> StoreResult<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE password_hash IS NOT NULL")
            .fetch_one(&self.read)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    async fn create_session(
        &self,
        token_digest: &str,
        owner: TokenOwner,
        csrf_token: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO ui_sessions (token_hash, user_id, organization_id, csrf_token, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(token_digest.to_string())
        .bind(owner.user_id.to_string())
        .bind(owner.organization_id.to_string())
        .bind(csrf_token.to_string())
        .bind(nanos(now))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn session(&self, token_digest: &str) -> StoreResult<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT s.user_id, s.organization_id, u.email, s.csrf_token, s.created_at, s.last_seen_at, s.flash \
             FROM ui_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
        )
        .bind(token_digest.to_string())
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok(SessionRecord {
                owner: TokenOwner {
                    organization_id: get_uuid(&r, "organization_id")?,
                    user_id: get_uuid(&r, "user_id")?,
                },
                email: r.try_get("email")?,
                csrf_token: r.try_get("csrf_token")?,
                created_at: get_time(&r, "created_at")?,
                last_seen_at: get_time(&r, "last_seen_at")?,
                flash: r.try_get("flash")?,
            })
        })
        .transpose()
    }

    async fn touch_session(&self, token_digest: &str, now: OffsetDateTime) -> StoreResult<()> {
        sqlx::query("UPDATE ui_sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(nanos(now))
            .bind(token_digest.to_string())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn set_session_flash(&self, token_digest: &str, flash: Option<&[u8]>) -> StoreResult<()> {
        sqlx::query("UPDATE ui_sessions SET flash = $1 WHERE token_hash = $2")
            .bind(flash.map(<[u8]>::to_vec))
            .bind(token_digest.to_string())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn delete_session(&self, token_digest: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM ui_sessions WHERE token_hash = $1")
            .bind(token_digest.to_string())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn delete_expired_sessions(
        &self,
        idle_before: OffsetDateTime,
        created_before: OffsetDateTime,
    ) -> StoreResult<u64> {
        Ok(sqlx::query("DELETE FROM ui_sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(nanos(idle_before))
            .bind(nanos(created_before))
            .execute(&self.write)
            .await?
            .rows_affected())
    }

    async fn ensure_agent_version(&self, name: &str, image: &str, now: OffsetDateTime) -> StoreResult<AgentVersion> {
        let row = sqlx::query(
            "INSERT INTO agent_versions (id, name, image, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO UPDATE SET image = excluded.image \
             RETURNING id, name, image, created_at",
        )
        .bind(Uuid::new_v4().to_string())
        .bind(name.to_string())
        .bind(image.to_string())
        .bind(nanos(now))
        .fetch_one(&self.write)
        .await?;
        agent_version_from(&row, "id", "name", "image", "created_at")
    }

    async fn create_agent_version(&self, name: &str, image: &str, now: OffsetDateTime) -> StoreResult<AgentVersion> {
        let id = Uuid::new_v4();
        sqlx::query("INSERT INTO agent_versions (id, name, image, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id.to_string())
            .bind(name.to_string())
            .bind(image.to_string())
            .bind(nanos(now))
            .execute(&self.write)
            .await
            .map_err(|e| conflict_if_unique(e, || format!("agent version {name:?} already exists")))?;
        self.agent_version(id).await
    }

    async fn agent_versions(&self) -> StoreResult<Vec<AgentVersion>> {
        sqlx::query("SELECT id, name, image, created_at FROM agent_versions ORDER BY created_at DESC, name")
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| agent_version_from(r, "id", "name", "image", "created_at"))
            .collect()
    }

    async fn agent_version(&self, id: Uuid) -> StoreResult<AgentVersion> {
        let row = sqlx::query("SELECT id, name, image, created_at FROM agent_versions WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound("agent version"))?;
        agent_version_from(&row, "id", "name", "image", "created_at")
    }

    async fn create_application(
        &self,
        org: Uuid,
        name: &str,
        kind: PlatformType,
        now: OffsetDateTime,
    ) -> StoreResult<Application> {
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO applications (id, organization_id, name, type, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(org.to_string())
        .bind(name.to_string())
        .bind(kind.as_str().to_string())
        .bind(nanos(now))
        .execute(&self.write)
        .await
        .map_err(|e| conflict_if_unique(e, || format!("an application named {name:?} already exists")))?;
        Ok(Application { id, name: name.to_string(), kind, created_at: now, versions: vec![] })
    }

    async fn applications(&self, org: Uuid) -> StoreResult<Vec<Application>> {
        let apps =
            sqlx::query("SELECT id, name, type, created_at FROM applications WHERE organization_id = $1 ORDER BY name")
                .bind(org.to_string())
                .fetch_all(&self.read)
                .await?;
        let versions = sqlx::query(concat!(
            "SELECT ",
            version_columns!(),
            " FROM application_versions v JOIN applications a ON a.id = v.application_id \
             WHERE a.organization_id = $1 ORDER BY v.created_at DESC"
        ))
        .bind(org.to_string())
        .fetch_all(&self.read)
        .await?;
        let mut by_app: HashMap<Uuid, Vec<ApplicationVersion>> = HashMap::new();
        for row in &versions {
            let v = version_from(row)?;
            by_app.entry(v.application_id).or_default().push(v);
        }
        apps.iter()
            .map(|r| {
                let id = get_uuid(r, "id")?;
                Ok(Application {
                    id,
                    name: r.try_get("name")?,
                    kind: platform(r, "type")?,
                    created_at: get_time(r, "created_at")?,
                    versions: by_app.remove(&id).unwrap_or_default(),
                })
            })
            .collect()
    }

    async fn application(&self, org: Uuid, id: Uuid) -> StoreResult<Application> {
        let r =
            sqlx::query("SELECT id, name, type, created_at FROM applications WHERE organization_id = $1 AND id = $2")
                .bind(org.to_string())
                .bind(id.to_string())
                .fetch_optional(&self.read)
                .await?
                .ok_or(StoreError::NotFound("application"))?;
        let versions = sqlx::query(concat!(
            "SELECT ",
            version_columns!(),
            " FROM application_versions v WHERE v.application_id = $1 ORDER BY v.created_at DESC"
        ))
        .bind(id.to_string())
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(version_from)
        .collect::<StoreResult<_>>()?;
        Ok(Application {
            id,
            name: r.try_get("name")?,
            kind: platform(&r, "type")?,
            created_at: get_time(&r, "created_at")?,
            versions,
        })
    }

    async fn delete_application(&self, org: Uuid, id: Uuid) -> StoreResult<()> {
        self.delete_unless_deployed(
            "SELECT COUNT(*) AS n FROM deployments WHERE organization_id = $1 AND application_id = $2",
            "DELETE FROM applications WHERE organization_id = $1 AND id = $2",
            "application",
            org,
            id,
            |n| format!("the application is deployed to {n} target(s); undeploy it first"),
        )
        .await
    }

    async fn create_version(
        &self,
        org: Uuid,
        app: Uuid,
        spec: &NewApplicationVersion,
        now: OffsetDateTime,
    ) -> StoreResult<ApplicationVersion> {
        self.application(org, app).await?;
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO application_versions (id, application_id, name, compose_file, env_template, \
             chart_type, chart_url, chart_name, chart_version, base_values, values_template, archived_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12)",
        )
        .bind(id.to_string())
        .bind(app.to_string())
        .bind(spec.name.clone())
        .bind(spec.compose_file.clone())
        .bind(spec.env_template.clone())
        .bind(spec.chart_type.map(|c| c.as_str().to_string()))
        .bind(spec.chart_url.clone())
        .bind(spec.chart_name.clone())
        .bind(spec.chart_version.clone())
        .bind(spec.base_values.clone())
        .bind(spec.values_template.clone())
        .bind(nanos(now))
        .execute(&self.write)
        .await
        .map_err(|e| {
            conflict_if_unique(e, || format!("version {:?} already exists for this application", spec.name))
        })?;
        Ok(ApplicationVersion { id, application_id: app, created_at: now, archived_at: None, spec: spec.clone() })
    }

    async fn version(&self, org: Uuid, id: Uuid) -> StoreResult<(Application, ApplicationVersion)> {
        let row = sqlx::query(concat!(
            "SELECT a.name AS a_name, a.type AS a_type, a.created_at AS a_created_at, ",
            version_columns!(),
            " FROM application_versions v JOIN applications a ON a.id = v.application_id \
             WHERE a.organization_id = $1 AND v.id = $2"
        ))
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound("application version"))?;
        let version = version_from(&row)?;
        let app = Application {
            id: version.application_id,
            name: row.try_get("a_name")?,
            kind: platform(&row, "a_type")?,
            created_at: get_time(&row, "a_created_at")?,
            versions: vec![],
        };
        Ok((app, version))
    }

    async fn set_version_archived(
        &self,
        org: Uuid,
        app: Uuid,
        id: Uuid,
        at: Option<OffsetDateTime>,
    ) -> StoreResult<ApplicationVersion> {
        self.application(org, app).await?;
        let done =
            sqlx::query("UPDATE application_versions SET archived_at = $1 WHERE application_id = $2 AND id = $3")
                .bind(at.map(nanos))
                .bind(app.to_string())
                .bind(id.to_string())
                .execute(&self.write)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("application version"));
        }
        Ok(self.version(org, id).await?.1)
    }

    async fn create_target(&self, org: Uuid, spec: &TargetSpec, now: OffsetDateTime) -> StoreResult<TargetRecord> {
        self.agent_version(spec.agent_version_id).await?;
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO targets (id, organization_id, name, type, namespace, scope, metrics_enabled, logs_enabled, \
             agent_version_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id.to_string())
        .bind(org.to_string())
        .bind(spec.name.clone())
        .bind(spec.kind.as_str().to_string())
        .bind(spec.namespace.clone())
        .bind(spec.scope.map(|s| s.as_str().to_string()))
        .bind(spec.metrics_enabled)
        .bind(spec.logs_enabled)
        .bind(spec.agent_version_id.to_string())
        .bind(nanos(now))
        .execute(&self.write)
        .await
        .map_err(|e| conflict_if_unique(e, || format!("a target named {:?} already exists", spec.name)))?;
        self.target(org, id).await
    }

    async fn targets(&self, org: Uuid) -> StoreResult<Vec<TargetRecord>> {
        sqlx::query(concat!(target_select!(), "WHERE t.organization_id = $1 ORDER BY t.name"))
            .bind(org.to_string())
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(target_from)
            .collect()
    }

    async fn target(&self, org: Uuid, id: Uuid) -> StoreResult<TargetRecord> {
        let row = sqlx::query(concat!(target_select!(), "WHERE t.organization_id = $1 AND t.id = $2"))
            .bind(org.to_string())
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound("target"))?;
        target_from(&row)
    }

    async fn update_target(&self, org: Uuid, id: Uuid, changes: &TargetChanges) -> StoreResult<TargetRecord> {
        if let Some(version) = changes.agent_version_id {
            self.agent_version(version).await?;
        }
        let mut tx = self.write.begin().await?;
        let done = sqlx::query(
            "UPDATE targets SET name = COALESCE($3, name), metrics_enabled = COALESCE($4, metrics_enabled), \
             logs_enabled = COALESCE($5, logs_enabled), agent_version_id = COALESCE($6, agent_version_id) \
             WHERE organization_id = $1 AND id = $2",
        )
        .bind(org.to_string())
        .bind(id.to_string())
        .bind(changes.name.clone())
        .bind(changes.metrics_enabled)
        .bind(changes.logs_enabled)
        .bind(changes.agent_version_id.map(|v| v.to_string()))
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            conflict_if_unique(e, || {
                format!("a target named {:?} already exists", changes.name.clone().unwrap_or_default())
            })
        })?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("target"));
        }
        Self::bump_generation(&mut tx, org).await?;
        tx.commit().await?;
        self.target(org, id).await
    }

    async fn delete_target(&self, org: Uuid, id: Uuid) -> StoreResult<()> {
        self.delete_unless_deployed(
            "SELECT COUNT(*) AS n FROM deployments WHERE organization_id = $1 AND target_id = $2",
            "DELETE FROM targets WHERE organization_id = $1 AND id = $2",
            "target",
            org,
            id,
            |n| format!("the target still has {n} deployment(s); undeploy them first"),
        )
        .await
    }

    async fn set_target_secret(&self, org: Uuid, id: Uuid, secret_hash: &str, now: OffsetDateTime) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE targets SET secret_hash = $1, secret_issued_at = $2 WHERE organization_id = $3 AND id = $4",
        )
        .bind(secret_hash.to_string())
        .bind(nanos(now))
        .bind(org.to_string())
        .bind(id.to_string())
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("target"));
        }
        Ok(())
    }

    async fn target_by_id(&self, id: Uuid) -> StoreResult<Option<TargetRecord>> {
        sqlx::query(concat!(target_select!(), "WHERE t.id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?
            .as_ref()
            .map(target_from)
            .transpose()
    }

    async fn agent_view(&self, org: Uuid, target: Uuid) -> StoreResult<Option<AgentView>> {
        let row = sqlx::query(concat!(
            "SELECT o.generation AS generation, x.* FROM organizations o JOIN (",
            target_select!(),
            ") x ON x.organization_id = o.id WHERE o.id = $1 AND x.id = $2"
        ))
        .bind(org.to_string())
        .bind(target.to_string())
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| Ok(AgentView { generation: r.try_get("generation")?, target: target_from(&r)? })).transpose()
    }

    async fn record_sightings(&self, sightings: &[Sighting]) -> StoreResult<()> {
        // One statement per chunk: thousands of single-row updates would hold SQLite's only
        // writer for a second every flush and queue every agent's status report behind it.
        for chunk in sightings.chunks(SIGHTINGS_PER_STATEMENT) {
            let rows: Vec<String> =
                (0..chunk.len()).map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3)).collect();
            let sql = format!(
                "UPDATE targets SET last_seen_at = CASE WHEN targets.last_seen_at IS NULL \
                 OR targets.last_seen_at < v.column2 THEN v.column2 ELSE targets.last_seen_at END, \
                 reported_agent_version = COALESCE(v.column3, targets.reported_agent_version) \
                 FROM (VALUES {}) AS v WHERE targets.id = v.column1",
                rows.join(", ")
            );
            // Only placeholders are formatted into the text; every value is bound.
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for s in chunk {
                query = query.bind(s.target_id.to_string()).bind(nanos(s.at)).bind(s.agent_version.clone());
            }
            query.execute(&self.write).await?;
        }
        Ok(())
    }

    async fn deploy(
        &self,
        org: Uuid,
        target: Uuid,
        release_name: Option<&str>,
        logs_enabled: Option<bool>,
        spec: &RevisionSpec,
        now: OffsetDateTime,
    ) -> StoreResult<(DeploymentRecord, bool)> {
        // Two first deploys of one application to one target may race; the loser finds the
        // winner's deployment on its second attempt and adds a revision to it.
        match self.deploy_once(org, target, release_name, logs_enabled, spec, now).await {
            Err(StoreError::Database(e)) if unique_violation(&e) => {
                self.deploy_once(org, target, release_name, logs_enabled, spec, now).await
            }
            other => other,
        }
    }

    async fn add_revision(
        &self,
        org: Uuid,
        deployment: Uuid,
        logs_enabled: Option<bool>,
        spec: &RevisionSpec,
        now: OffsetDateTime,
    ) -> StoreResult<DeploymentRecord> {
        let (current, _) = self.deployment_in(org, deployment).await?;
        let (app, _) = self.version(org, spec.application_version_id).await?;
        if app.id != current.application_id {
            return Err(StoreError::Conflict(format!(
                "version belongs to application {:?}, but this deployment runs {:?}",
                app.name, current.application_name
            )));
        }
        let mut tx = self.write.begin().await?;
        if let Some(enabled) = logs_enabled {
            sqlx::query("UPDATE deployments SET logs_enabled = $1 WHERE id = $2")
                .bind(enabled)
                .bind(deployment.to_string())
                .execute(&mut *tx)
                .await?;
        }
        Self::insert_revision(&mut tx, deployment, spec, now).await?;
        Self::bump_generation(&mut tx, org).await?;
        tx.commit().await?;
        Ok(self.deployment_in(org, deployment).await?.0)
    }

    async fn deployments(&self, org: Uuid, target: Option<Uuid>) -> StoreResult<Vec<DeploymentRecord>> {
        let rows = match target {
            Some(t) => {
                sqlx::query(concat!(
                    deployment_select!(),
                    "WHERE d.organization_id = $1 AND d.target_id = $2 ORDER BY d.created_at DESC"
                ))
                .bind(org.to_string())
                .bind(t.to_string())
                .fetch_all(&self.read)
                .await?
            }
            None => {
                sqlx::query(concat!(deployment_select!(), "WHERE d.organization_id = $1 ORDER BY d.created_at DESC"))
                    .bind(org.to_string())
                    .fetch_all(&self.read)
                    .await?
            }
        };
        rows.iter().map(|r| deployment_from(r).map(|(d, _)| d)).collect()
    }

    async fn deployment(&self, org: Uuid, id: Uuid) -> StoreResult<DeploymentRecord> {
        Ok(self.deployment_in(org, id).await?.0)
    }

    async fn delete_deployment(&self, org: Uuid, id: Uuid) -> StoreResult<()> {
        self.delete_desired(
            "DELETE FROM deployments WHERE organization_id = $1 AND id = $2",
            "deployment",
            org,
            id.to_string(),
        )
        .await
    }

    async fn revisions(&self, org: Uuid, deployment: Uuid) -> StoreResult<Vec<RevisionRecord>> {
        self.ensure_deployment(org, deployment).await?;
        sqlx::query(concat!(
            "SELECT r.id AS r_id, r.seq AS r_seq, r.env_file, r.values_yaml, r.docker_type, r.force_restart, \
             r.image_cleanup_enabled, r.ignore_revision_skew, r.helm_options, r.registry_auth, r.registry_hosts, \
             r.created_at AS r_created_at, ",
            version_columns!(),
            " FROM deployment_revisions r JOIN application_versions v ON v.id = r.application_version_id \
             WHERE r.deployment_id = $1 ORDER BY r.seq DESC"
        ))
        .bind(deployment.to_string())
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|row| {
            Ok(RevisionRecord {
                id: get_uuid(row, "r_id")?,
                deployment_id: deployment,
                seq: row.try_get("r_seq")?,
                application_version_id: get_uuid(row, "v_id")?,
                application_version_name: row.try_get("v_name")?,
                spec: revision_spec_from(row)?,
                created_at: get_time(row, "r_created_at")?,
            })
        })
        .collect()
    }

    async fn desired(&self, org: Uuid, target: Uuid) -> StoreResult<Vec<DesiredDeployment>> {
        sqlx::query(concat!(
            deployment_select!(),
            "WHERE d.organization_id = $1 AND d.target_id = $2 ORDER BY d.created_at"
        ))
        .bind(org.to_string())
        .bind(target.to_string())
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|r| deployment_from(r).map(|(deployment, version)| DesiredDeployment { deployment, version }))
        .collect()
    }

    async fn record_status(&self, org: Uuid, target: Uuid, update: &StatusUpdate) -> StoreResult<()> {
        // Ownership is read on a reader; the writer then runs one statement in the common
        // case (a repeat of the latest status) and two when the status changed.
        let deployment: String = sqlx::query(
            "SELECT r.deployment_id FROM deployment_revisions r JOIN deployments d ON d.id = r.deployment_id \
             WHERE r.id = $1 AND d.target_id = $2 AND d.organization_id = $3",
        )
        .bind(update.revision_id.to_string())
        .bind(target.to_string())
        .bind(org.to_string())
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound("revision"))?
        .try_get("deployment_id")?;
        let folded = sqlx::query(
            "UPDATE deployment_statuses SET count = count + 1, \
             last_seen_at = CASE WHEN last_seen_at < $5 THEN $5 ELSE last_seen_at END \
             WHERE id = (SELECT MAX(id) FROM deployment_statuses WHERE deployment_id = $1) \
             AND revision_id = $2 AND type = $3 AND message = $4",
        )
        .bind(deployment.clone())
        .bind(update.revision_id.to_string())
        .bind(update.kind.as_str().to_string())
        .bind(update.message.clone())
        .bind(nanos(update.at))
        .execute(&self.write)
        .await?;
        if folded.rows_affected() > 0 {
            return Ok(());
        }
        let inserted = sqlx::query(
            "INSERT INTO deployment_statuses (deployment_id, revision_id, type, message, count, \
             first_seen_at, last_seen_at) VALUES ($1, $2, $3, $4, 1, $5, $5)",
        )
        .bind(deployment)
        .bind(update.revision_id.to_string())
        .bind(update.kind.as_str().to_string())
        .bind(update.message.clone())
        .bind(nanos(update.at))
        .execute(&self.write)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            // The deployment was undeployed between the check and the insert.
            Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => Err(StoreError::NotFound("revision")),
            Err(e) => Err(e.into()),
        }
    }

    async fn statuses(
        &self,
        org: Uuid,
        deployment: Uuid,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Page<DeploymentStatus>> {
        self.ensure_deployment(org, deployment).await?;
        let items = sqlx::query(
            "SELECT id, revision_id, type, message, count, first_seen_at, last_seen_at FROM deployment_statuses \
             WHERE deployment_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(deployment.to_string())
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|r| status_from(r, STATUS_COLUMNS))
        .collect::<StoreResult<Vec<_>>>()?;
        let next = (items.len() as i64 == limit).then(|| items.last().map(|s| s.id.to_string())).flatten();
        Ok(Page { items, next })
    }

    async fn insert_logs(&self, org: Uuid, target: Uuid, lines: &[LogRecord]) -> StoreResult<usize> {
        let owned: HashSet<(String, String)> = sqlx::query(
            "SELECT r.deployment_id, r.id FROM deployment_revisions r JOIN deployments d ON d.id = r.deployment_id \
             WHERE d.target_id = $1 AND d.organization_id = $2",
        )
        .bind(target.to_string())
        .bind(org.to_string())
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("deployment_id")?, r.try_get("id")?)))
        .collect::<StoreResult<_>>()?;
        let accepted: Vec<&LogRecord> = lines
            .iter()
            .filter(|l| owned.contains(&(l.deployment_id.to_string(), l.deployment_revision_id.to_string())))
            .collect();
        if accepted.is_empty() {
            return Ok(0);
        }
        let mut tx = self.write.begin().await?;
        for line in &accepted {
            sqlx::query(
                "INSERT INTO deployment_logs (deployment_id, revision_id, resource, ts, severity, body) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(line.deployment_id.to_string())
            .bind(line.deployment_revision_id.to_string())
            .bind(line.resource.clone())
            .bind(nanos(line.timestamp))
            .bind(line.severity.clone())
            .bind(line.body.clone())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(accepted.len())
    }

    async fn logs(&self, org: Uuid, deployment: Uuid, query: &LogQuery) -> StoreResult<LogPage<LogLine>> {
        self.ensure_deployment(org, deployment).await?;
        let since = query.since.map(nanos).unwrap_or(i64::MIN);
        let until = query.until.map(nanos).unwrap_or(i64::MAX);
        let resource = query.resource.clone().unwrap_or_default();
        let rows = match query.after {
            Some(after) => {
                sqlx::query(
                    "SELECT id, deployment_id, revision_id, resource, ts, severity, body FROM deployment_logs \
                     WHERE deployment_id = $1 AND id > $2 AND ts >= $3 AND ts < $4 AND ($5 = '' OR resource = $5) \
                     ORDER BY id ASC LIMIT $6",
                )
                .bind(deployment.to_string())
                .bind(after)
                .bind(since)
                .bind(until)
                .bind(resource)
                .bind(query.limit)
                .fetch_all(&self.read)
                .await?
            }
            None => {
                let mut rows = sqlx::query(
                    "SELECT id, deployment_id, revision_id, resource, ts, severity, body FROM deployment_logs \
                     WHERE deployment_id = $1 AND ts >= $2 AND ts < $3 AND ($4 = '' OR resource = $4) \
                     ORDER BY id DESC LIMIT $5",
                )
                .bind(deployment.to_string())
                .bind(since)
                .bind(until)
                .bind(resource)
                .bind(query.limit)
                .fetch_all(&self.read)
                .await?;
                rows.reverse();
                rows
            }
        };
        let items = rows
            .iter()
            .map(|r| {
                Ok(LogLine {
                    id: r.try_get("id")?,
                    deployment_id: get_uuid(r, "deployment_id")?,
                    revision_id: get_uuid(r, "revision_id")?,
                    resource: r.try_get("resource")?,
                    timestamp: get_time(r, "ts")?,
                    severity: r.try_get("severity")?,
                    body: r.try_get("body")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let cursor = items.last().map(|l| l.id).or(query.after).unwrap_or(0);
        Ok(LogPage { items, cursor })
    }

    async fn log_resources(&self, org: Uuid, deployment: Uuid) -> StoreResult<Vec<String>> {
        self.ensure_deployment(org, deployment).await?;
        sqlx::query("SELECT DISTINCT resource FROM deployment_logs WHERE deployment_id = $1 ORDER BY resource")
            .bind(deployment.to_string())
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| Ok(r.try_get("resource")?))
            .collect()
    }

    async fn insert_agent_logs(&self, target: Uuid, lines: &[AgentLogRecord]) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        for line in lines {
            sqlx::query("INSERT INTO agent_logs (target_id, ts, severity, body) VALUES ($1, $2, $3, $4)")
                .bind(target.to_string())
                .bind(nanos(line.timestamp))
                .bind(line.severity.clone())
                .bind(line.body.clone())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn agent_logs(
        &self,
        org: Uuid,
        target: Uuid,
        after: Option<i64>,
        limit: i64,
    ) -> StoreResult<LogPage<AgentLogLine>> {
        self.ensure_target(org, target).await?;
        let rows = match after {
            Some(after) => {
                sqlx::query(
                    "SELECT id, ts, severity, body FROM agent_logs WHERE target_id = $1 AND id > $2 \
                     ORDER BY id ASC LIMIT $3",
                )
                .bind(target.to_string())
                .bind(after)
                .bind(limit)
                .fetch_all(&self.read)
                .await?
            }
            None => {
                let mut rows = sqlx::query(
                    "SELECT id, ts, severity, body FROM agent_logs WHERE target_id = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(target.to_string())
                .bind(limit)
                .fetch_all(&self.read)
                .await?;
                rows.reverse();
                rows
            }
        };
        let items = rows
            .iter()
            .map(|r| {
                Ok(AgentLogLine {
                    id: r.try_get("id")?,
                    timestamp: get_time(r, "ts")?,
                    severity: r.try_get("severity")?,
                    body: r.try_get("body")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let cursor = items.last().map(|l| l.id).or(after).unwrap_or(0);
        Ok(LogPage { items, cursor })
    }

    async fn insert_metrics(&self, target: Uuid, at: OffsetDateTime, report: &MetricsReport) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO target_metrics (target_id, at, resolution, cpu_cores_millis, cpu_usage, memory_bytes, \
             memory_usage, disk_metrics) VALUES ($1, $2, 'raw', $3, $4, $5, $6, $7)",
        )
        .bind(target.to_string())
        .bind(nanos(at))
        .bind(report.cpu_cores_millis.min(i64::MAX as u64) as i64)
        .bind(report.cpu_usage)
        .bind(report.memory_bytes.min(i64::MAX as u64) as i64)
        .bind(report.memory_usage)
        .bind(serde_json::to_string(&report.disk_metrics).unwrap_or_else(|_| "[]".into()))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    async fn metrics(
        &self,
        org: Uuid,
        target: Uuid,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> StoreResult<(Option<MetricsSample>, Vec<MetricsSample>)> {
        self.ensure_target(org, target).await?;
        let sample = |r: &AnyRow| -> StoreResult<MetricsSample> {
            let disks: Vec<DiskMetric> = get_json(r, "disk_metrics")?.unwrap_or_default();
            Ok(MetricsSample {
                at: get_time(r, "at")?,
                metrics: MetricsReport {
                    cpu_cores_millis: r.try_get::<i64, _>("cpu_cores_millis")?.max(0) as u64,
                    cpu_usage: r.try_get("cpu_usage")?,
                    memory_bytes: r.try_get::<i64, _>("memory_bytes")?.max(0) as u64,
                    memory_usage: r.try_get("memory_usage")?,
                    disk_metrics: disks,
                },
            })
        };
        let latest = sqlx::query(
            "SELECT at, cpu_cores_millis, cpu_usage, memory_bytes, memory_usage, disk_metrics FROM target_metrics \
             WHERE target_id = $1 AND resolution = 'raw' ORDER BY at DESC LIMIT 1",
        )
        .bind(target.to_string())
        .fetch_optional(&self.read)
        .await?
        .as_ref()
        .map(sample)
        .transpose()?;
        let history = sqlx::query(
            "SELECT at, cpu_cores_millis, cpu_usage, memory_bytes, memory_usage, disk_metrics FROM target_metrics \
             WHERE target_id = $1 AND at >= $2 AND at < $3 ORDER BY at ASC",
        )
        .bind(target.to_string())
        .bind(nanos(from))
        .bind(nanos(to))
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(sample)
        .collect::<StoreResult<Vec<_>>>()?;
        Ok((latest, history))
    }

    async fn put_secret(&self, org: Uuid, key: &str, sealed: &[u8], now: OffsetDateTime) -> StoreResult<SecretInfo> {
        let mut tx = self.write.begin().await?;
        let row = sqlx::query(
            "INSERT INTO secrets (organization_id, key, value, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
             ON CONFLICT (organization_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at \
             RETURNING key, created_at, updated_at",
        )
        .bind(org.to_string())
        .bind(key.to_string())
        .bind(sealed.to_vec())
        .bind(nanos(now))
        .fetch_one(&mut *tx)
        .await?;
        Self::bump_generation(&mut tx, org).await?;
        tx.commit().await?;
        Ok(SecretInfo {
            key: row.try_get("key")?,
            created_at: get_time(&row, "created_at")?,
            updated_at: get_time(&row, "updated_at")?,
        })
    }

    async fn delete_secret(&self, org: Uuid, key: &str) -> StoreResult<()> {
        self.delete_desired(
            "DELETE FROM secrets WHERE organization_id = $1 AND key = $2",
            "secret",
            org,
            key.to_string(),
        )
        .await
    }

    async fn secrets(&self, org: Uuid) -> StoreResult<Vec<SecretInfo>> {
        sqlx::query("SELECT key, created_at, updated_at FROM secrets WHERE organization_id = $1 ORDER BY key")
            .bind(org.to_string())
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| {
                Ok(SecretInfo {
                    key: r.try_get("key")?,
                    created_at: get_time(r, "created_at")?,
                    updated_at: get_time(r, "updated_at")?,
                })
            })
            .collect()
    }

    async fn sealed_secrets(&self, org: Uuid) -> StoreResult<BTreeMap<String, Vec<u8>>> {
        sqlx::query("SELECT key, value FROM secrets WHERE organization_id = $1")
            .bind(org.to_string())
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("key")?, r.try_get("value")?)))
            .collect()
    }

    async fn current_revisions(&self, org: Uuid) -> StoreResult<Vec<DeploymentRecord>> {
        self.deployments(org, None).await
    }

    async fn prune(&self, now: OffsetDateTime, retention: &Retention) -> StoreResult<Pruned> {
        const HOUR: i64 = 3_600_000_000_000;
        let mut pruned = Pruned::default();

        // Fold raw metrics of whole hours past the raw retention into hourly averages.
        let cutoff = nanos(now - retention.metrics_raw).div_euclid(HOUR) * HOUR;
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO target_metrics (target_id, at, resolution, cpu_cores_millis, cpu_usage, memory_bytes, \
             memory_usage, disk_metrics) \
             SELECT target_id, (at / 3600000000000) * 3600000000000, 'hour', CAST(AVG(cpu_cores_millis) AS BIGINT), \
             AVG(cpu_usage), CAST(AVG(memory_bytes) AS BIGINT), AVG(memory_usage), '[]' \
             FROM target_metrics WHERE resolution = 'raw' AND at < $1 \
             GROUP BY target_id, (at / 3600000000000) * 3600000000000",
        )
        .bind(cutoff)
        .execute(&mut *tx)
        .await?;
        pruned.metrics = sqlx::query("DELETE FROM target_metrics WHERE resolution = 'raw' AND at < $1")
            .bind(cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM target_metrics WHERE resolution = 'hour' AND at < $1")
            .bind(nanos(now - retention.metrics_hourly))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;

        pruned.logs = self
            .delete_in_chunks(
                "SELECT id FROM deployment_logs WHERE ts < $1 ORDER BY id LIMIT 5000",
                "DELETE FROM deployment_logs WHERE id >= $1 AND id <= $2 AND ts < $3",
                nanos(now - retention.logs),
            )
            .await?;
        pruned.logs += self
            .cap_rows(
                "SELECT deployment_id AS owner FROM deployment_logs GROUP BY deployment_id HAVING COUNT(*) > $1",
                "SELECT id FROM deployment_logs WHERE deployment_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2",
                "DELETE FROM deployment_logs WHERE deployment_id = $1 AND id <= $2",
                retention.logs_per_deployment,
            )
            .await?;
        pruned.agent_logs = self
            .delete_in_chunks(
                "SELECT id FROM agent_logs WHERE ts < $1 ORDER BY id LIMIT 5000",
                "DELETE FROM agent_logs WHERE id >= $1 AND id <= $2 AND ts < $3",
                nanos(now - retention.agent_logs),
            )
            .await?;
        pruned.agent_logs += self
            .cap_rows(
                "SELECT target_id AS owner FROM agent_logs GROUP BY target_id HAVING COUNT(*) > $1",
                "SELECT id FROM agent_logs WHERE target_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2",
                "DELETE FROM agent_logs WHERE target_id = $1 AND id <= $2",
                retention.agent_logs_per_target,
            )
            .await?;
        pruned.statuses = sqlx::query(
            "DELETE FROM deployment_statuses WHERE last_seen_at < $1 \
             AND id NOT IN (SELECT MAX(id) FROM deployment_statuses GROUP BY deployment_id)",
        )
        .bind(nanos(now - retention.statuses))
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(pruned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_redacted() {
        assert_eq!(redact_url("postgres://ferry:pw@db:5432/ferry"), "postgres://ferry:***@db:5432/ferry");
        assert_eq!(redact_url("postgres://db/ferry"), "postgres://db/ferry");
    }

    #[test]
    fn times_round_trip_through_nanoseconds() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        assert_eq!(from_nanos(nanos(t)), t);
    }
}
