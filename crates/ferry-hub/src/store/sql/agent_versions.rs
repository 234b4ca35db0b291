//! Agent versions (the images agents run).

use async_trait::async_trait;
use ferry_proto::api::AgentVersion;
use time::OffsetDateTime;
use uuid::Uuid;

use super::rows::*;
use super::*;

#[async_trait]
impl AgentVersionStore for SqlStore {
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
}
