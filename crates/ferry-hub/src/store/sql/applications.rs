//! Applications and their versions.

use std::collections::HashMap;

use async_trait::async_trait;
use ferry_proto::api::{Application, ApplicationVersion, NewApplicationVersion, PlatformType};
use sqlx::Row;
use time::OffsetDateTime;
use uuid::Uuid;

use super::rows::*;
use super::*;

#[async_trait]
impl ApplicationStore for SqlStore {
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
}
