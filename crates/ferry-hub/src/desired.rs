//! What an agent is told to run (PROTOCOL.md §4), computed from stored deployments. Pure:
//! the API layer fetches and unseals, this module decides.

use std::collections::BTreeMap;

use ferry_proto::agent::{AgentDeployment, AgentResources, AgentVersionRef, DockerType};
use ferry_proto::api::PlatformType;
use serde_json::{Map, Value};

use crate::store::{DesiredDeployment, RegistryAuth, TargetRecord};
use crate::template::{self, MissingSecret};

/// The Compose project name of a Docker deployment: `ferry-` and the id's first 8 hex chars.
pub fn compose_project(deployment_id: uuid::Uuid) -> String {
    format!("ferry-{}", &deployment_id.simple().to_string()[..8])
}

/// Deep-merges `over` into `base`: maps merge recursively, anything else replaces.
pub fn merge_values(base: &mut Map<String, Value>, over: Map<String, Value>) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Object(b)), Value::Object(o)) => merge_values(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Sets the Compose file's top-level `name`, keeping the rest of the text (comments, anchors,
/// formatting) as the vendor wrote it.
pub fn with_project_name(compose: &str, project: &str) -> String {
    let first = compose
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('%') && *l != "---");
    if first.is_some_and(|l| l.starts_with('{')) {
        // A flow-style document: edit it as data and emit JSON, which is valid YAML.
        if let Ok(Value::Object(mut doc)) = serde_saphyr::from_str::<Value>(compose) {
            doc.insert("name".into(), Value::String(project.into()));
            return Value::Object(doc).to_string();
        }
    }
    let mut out = String::with_capacity(compose.len() + project.len() + 8);
    let mut inserted = false;
    let mut skipping_old_name = false;
    let header_done = |line: &str| {
        let t = line.trim();
        !(t.is_empty() || t.starts_with('#') || t.starts_with('%') || t == "---")
    };
    for line in compose.lines() {
        // A top-level key starts in column 0; a value continued on following lines is
        // indented, so those lines belong to the old `name` too.
        if skipping_old_name {
            if line.starts_with([' ', '\t']) || line.trim().is_empty() {
                continue;
            }
            skipping_old_name = false;
        }
        if line.starts_with("name:") || line.starts_with("name :") {
            skipping_old_name = true;
            continue;
        }
        if !inserted && header_done(line) {
            out.push_str(&format!("name: {project}\n"));
            inserted = true;
        }
        out.push_str(line);
        out.push('\n');
    }
    if !inserted {
        out.push_str(&format!("name: {project}\n"));
    }
    out
}

/// One deployment as the agent must see it, secrets resolved.
pub fn agent_deployment(
    target: &TargetRecord,
    desired: &DesiredDeployment,
    registry_auth: Option<RegistryAuth>,
    secrets: &BTreeMap<String, String>,
) -> Result<AgentDeployment, MissingSecret> {
    let deployment = &desired.deployment;
    let revision = &deployment.revision.spec;
    let version = &desired.version.spec;
    let registry_auth = registry_auth
        .map(|auth| {
            auth.into_iter()
                .map(|(host, mut creds)| {
                    creds.username = template::render(&creds.username, secrets)?;
                    creds.password = template::render(&creds.password, secrets)?;
                    Ok((host, creds))
                })
                .collect::<Result<RegistryAuth, MissingSecret>>()
        })
        .transpose()?;
    let mut out = AgentDeployment {
        id: deployment.id,
        revision_id: deployment.revision.id,
        registry_auth,
        logs_enabled: target.logs_enabled && deployment.logs_enabled,
        force_restart: revision.force_restart,
        compose_file: None,
        env_file: None,
        docker_type: None,
        image_cleanup_enabled: revision.image_cleanup_enabled,
        release_name: String::new(),
        chart_url: String::new(),
        chart_name: String::new(),
        chart_version: String::new(),
        values: None,
        ignore_revision_skew: false,
        helm_options: None,
    };
    match target.kind {
        PlatformType::Docker => {
            let compose = version.compose_file.as_deref().unwrap_or_default();
            out.compose_file = Some(with_project_name(compose, &deployment.release_name).into_bytes());
            let env = revision.env_file.as_deref().unwrap_or_default();
            out.env_file = Some(template::render(env, secrets)?.into_bytes());
            out.docker_type = Some(revision.docker_type.unwrap_or(DockerType::Compose));
        }
        PlatformType::Kubernetes => {
            out.release_name = deployment.release_name.clone();
            out.chart_url = version.chart_url.clone().unwrap_or_default();
            out.chart_name = version.chart_name.clone().unwrap_or_default();
            out.chart_version = version.chart_version.clone().unwrap_or_default();
            // Both were validated as YAML maps when stored; a secret value that breaks the
            // YAML would have been caught at deploy time, so an empty map is the fallback.
            let mut values = parse_map(version.base_values.as_deref().unwrap_or_default(), secrets)?;
            merge_values(&mut values, parse_map(revision.values.as_deref().unwrap_or_default(), secrets)?);
            out.values = Some(values);
            out.ignore_revision_skew = revision.ignore_revision_skew;
            out.helm_options = revision.helm_options.clone();
        }
    }
    Ok(out)
}

fn parse_map(text: &str, secrets: &BTreeMap<String, String>) -> Result<Map<String, Value>, MissingSecret> {
    let rendered = template::render(text, secrets)?;
    Ok(crate::validate::values("values", &rendered).unwrap_or_default())
}

/// The whole desired state of a target.
pub fn resources(target: &TargetRecord, deployments: Vec<AgentDeployment>) -> AgentResources {
    AgentResources {
        version: AgentVersionRef {
            id: target.agent_version.id,
            created_at: target.agent_version.created_at,
            name: target.agent_version.name.clone(),
        },
        namespace: match target.kind {
            PlatformType::Kubernetes => target.namespace.clone(),
            PlatformType::Docker => None,
        },
        metrics_enabled: target.metrics_enabled,
        deployment_logs_enabled: target.logs_enabled,
        deployment_logs_after: None,
        deployments,
    }
}

/// A strong ETag for a response body.
pub fn etag(body: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&ring::digest::digest(&ring::digest::SHA256, body).as_ref()[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_name_is_prepended_or_replaced() {
        assert_eq!(with_project_name("services:\n  a: {}\n", "ferry-1"), "name: ferry-1\nservices:\n  a: {}\n");
        assert_eq!(
            with_project_name("# hi\n---\nname: old\nservices: {}\n", "ferry-1"),
            "# hi\n---\nname: ferry-1\nservices: {}\n"
        );
        assert_eq!(
            with_project_name("services:\n  a:\n    name: keep\nname:\n  old\n", "p"),
            "name: p\nservices:\n  a:\n    name: keep\n"
        );
        let flow = with_project_name("{\"services\": {\"a\": {\"image\": \"x\"}}}", "p");
        let v: Value = serde_json::from_str(&flow).unwrap();
        assert_eq!(v["name"], "p");
        assert_eq!(v["services"]["a"]["image"], "x");
    }

    #[test]
    fn values_merge_deeply_and_deployment_wins() {
        let mut base: Map<String, Value> = serde_json::from_str(r#"{"a":{"b":1,"c":2},"l":[1,2],"s":"x"}"#).unwrap();
        let over: Map<String, Value> = serde_json::from_str(r#"{"a":{"c":3,"d":4},"l":[9],"s":{"k":1}}"#).unwrap();
        merge_values(&mut base, over);
        assert_eq!(Value::Object(base), serde_json::json!({"a":{"b":1,"c":3,"d":4},"l":[9],"s":{"k":1}}));
    }

    #[test]
    fn project_names_use_eight_hex_chars() {
        let id = uuid::Uuid::parse_str("6f1d1b7e-3a5c-4a63-9a58-0c2a8a5d4e11").unwrap();
        assert_eq!(compose_project(id), "ferry-6f1d1b7e");
    }
}
