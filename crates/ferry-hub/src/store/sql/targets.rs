//! Deployment targets, their secrets and presence.

use async_trait::async_trait;
use sqlx::Row;
use time::OffsetDateTime;
use uuid::Uuid;

use super::rows::*;
use super::*;

/// Rows per presence UPDATE (three parameters each, well under both databases' limits).
const SIGHTINGS_PER_STATEMENT: usize = 500;

#[async_trait]
impl TargetStore for SqlStore {
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
}
