//! Pruning old telemetry in small chunks.

use async_trait::async_trait;
use sqlx::Row;
use time::OffsetDateTime;

use super::*;

impl SqlStore {
    /// Deletes rows chosen by `select_ids` (a query returning `id`, bound to `cutoff`) in
    /// chunks, so a large purge never holds the SQLite writer for long.
    pub(super) async fn delete_in_chunks(
        &self,
        select_ids: &'static str,
        delete: &'static str,
        arg: i64,
    ) -> StoreResult<u64> {
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
    pub(super) async fn cap_rows(
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

#[async_trait]
impl RetentionStore for SqlStore {
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
