//! How rows become records.

use ferry_proto::agent::StatusType;
use ferry_proto::api::{
    AgentVersion, ApplicationVersion, ChartType, DeploymentStatus, DockerType, NewApplicationVersion, Scope,
};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::*;

pub(super) fn agent_version_from(
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
pub(super) fn target_from(row: &AnyRow) -> StoreResult<TargetRecord> {
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
pub(super) fn version_from(row: &AnyRow) -> StoreResult<ApplicationVersion> {
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
pub(super) fn revision_spec_from(row: &AnyRow) -> StoreResult<RevisionSpec> {
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
pub(super) fn status_from(row: &AnyRow, p: [&'static str; 7]) -> StoreResult<DeploymentStatus> {
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
pub(super) const STATUS_COLUMNS: [&str; 7] =
    ["id", "revision_id", "type", "message", "count", "first_seen_at", "last_seen_at"];
pub(super) fn deployment_from(row: &AnyRow) -> StoreResult<(DeploymentRecord, ApplicationVersion)> {
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
