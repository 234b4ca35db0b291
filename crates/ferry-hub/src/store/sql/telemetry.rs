//! What agents report: statuses, application and agent logs, metrics.

use std::collections::HashSet;

use async_trait::async_trait;
use ferry_proto::agent::{AgentLogRecord, DiskMetric, LogRecord, MetricsReport};
use ferry_proto::api::{AgentLogLine, DeploymentStatus, LogLine, LogPage, MetricsSample, Page};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::rows::*;
use super::*;

#[async_trait]
impl TelemetryStore for SqlStore {
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
}
