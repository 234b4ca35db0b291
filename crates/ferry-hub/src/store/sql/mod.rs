//! [`Store`] over SQL, for SQLite and PostgreSQL alike. Both speak the same SQL here
//! (`$n` parameters, `ON CONFLICT`, `RETURNING`); ids are TEXT, times BIGINT nanoseconds,
//! and only connection setup and migrations differ per dialect.
//!
//! SQLite gets one writer connection and a pool of readers: writes queue in-process instead
//! of failing with "database is locked", and WAL lets readers proceed alongside.

use std::path::Path;

use async_trait::async_trait;
use ferry_proto::api::PlatformType;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::*;

macro_rules! target_select {
    () => {
        "SELECT t.id, t.organization_id, t.name, t.type, t.namespace, t.scope, t.metrics_enabled, \
         t.logs_enabled, t.secret_hash, t.secret_issued_at, t.reported_agent_version, t.last_seen_at, \
         t.created_at, v.id AS av_id, v.name AS av_name, v.image AS av_image, v.created_at AS av_created_at \
         FROM targets t JOIN agent_versions v ON v.id = t.agent_version_id "
    };
}
macro_rules! version_columns {
    () => {
        "v.id AS v_id, v.application_id AS v_application_id, v.name AS v_name, v.compose_file, \
         v.env_template, v.chart_type, v.chart_url, v.chart_name, v.chart_version, v.base_values, \
         v.values_template, v.archived_at AS v_archived_at, v.created_at AS v_created_at"
    };
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

mod access;
mod agent_versions;
mod applications;
mod deployments;
mod retention;
mod rows;
mod secrets;
mod targets;
mod telemetry;

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
fn platform(row: &AnyRow, col: &'static str) -> StoreResult<PlatformType> {
    let text: String = row.try_get(col)?;
    PlatformType::parse(&text).ok_or_else(|| corrupt(col, text))
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
