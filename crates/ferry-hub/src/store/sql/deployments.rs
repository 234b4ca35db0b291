//! Deployments, their immutable revisions, and the desired state agents fetch.

use async_trait::async_trait;
use ferry_proto::api::{ApplicationVersion, DockerType};
use sqlx::Row;
use time::OffsetDateTime;
use uuid::Uuid;

use super::rows::*;
use super::*;

impl SqlStore {
    pub(super) async fn deployment_in(
        &self,
        org: Uuid,
        id: Uuid,
    ) -> StoreResult<(DeploymentRecord, ApplicationVersion)> {
        let row = sqlx::query(concat!(deployment_select!(), "WHERE d.organization_id = $1 AND d.id = $2"))
            .bind(org.to_string())
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound("deployment"))?;
        deployment_from(&row)
    }
    pub(super) async fn insert_revision(
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
    pub(super) async fn deploy_once(
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
}

#[async_trait]
impl DeploymentStore for SqlStore {
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
    async fn current_revisions(&self, org: Uuid) -> StoreResult<Vec<DeploymentRecord>> {
        self.deployments(org, None).await
    }
}
