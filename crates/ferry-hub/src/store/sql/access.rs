//! Organizations, users, API tokens and web sessions.

use async_trait::async_trait;
use sqlx::Row;
use time::OffsetDateTime;
use uuid::Uuid;

use super::*;

impl SqlStore {
    pub(super) async fn insert_org_user_token(
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
}

#[async_trait]
impl AccessStore for SqlStore {
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
}
