//! Sealed organization secrets.

use std::collections::BTreeMap;

use async_trait::async_trait;
use ferry_proto::api::SecretInfo;
use sqlx::Row;
use time::OffsetDateTime;
use uuid::Uuid;

use super::*;

#[async_trait]
impl SecretStore for SqlStore {
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
}
