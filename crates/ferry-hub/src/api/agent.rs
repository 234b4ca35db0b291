//! The agent API (PROTOCOL.md §2–§8). Every authenticated call is checked against the
//! caller's own target: a token names one target, and every write must concern it.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::Router;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use base64::Engine as _;
use ferry_proto::agent::{AgentLogRecord, LogRecord, LoginResponse, MetricsReport, StatusReport};
use ferry_proto::api::{PlatformType, Scope};
use ferry_proto::manifest::{self, AgentInstall};
use serde::Deserialize;
use uuid::Uuid;

use super::error::{AgentBody, AgentError};
use super::{AppState, CachedEtag, Hub};
use crate::desired;
use crate::presence::agent_version_from_user_agent;
use crate::store::{StatusUpdate, TargetRecord};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/connect", get(connect))
        .route("/api/v1/agent/login", post(login))
        .route("/api/v1/agent/manifest", get(agent_manifest))
        .route("/api/v1/agent/resources", get(resources))
        .route("/api/v1/agent/status", post(status))
        .route("/api/v1/agent/metrics", post(metrics))
        .route("/api/v1/agent/logs", put(logs))
        .route("/api/v1/agent/deployment-target-logs", put(agent_logs))
}

fn parse_target_id(text: &str) -> Result<Uuid, AgentError> {
    Uuid::parse_str(text).map_err(|_| AgentError::bad_request("targetId is not a valid UUID"))
}

/// Checks a target id and secret (login and connect): rate limit first, so guessing costs
/// the guesser, then the Argon2id hash.
async fn authenticate_secret(
    hub: &Hub,
    limiter: &crate::ratelimit::Limiter<Uuid>,
    target_id: &str,
    secret: &str,
) -> Result<TargetRecord, AgentError> {
    let id = parse_target_id(target_id)?;
    limiter.check(&id, Instant::now()).map_err(AgentError::rate_limited)?;
    let denied = || AgentError::unauthorized("invalid target id or secret");
    let target = hub.store.target_by_id(id).await?.ok_or_else(denied)?;
    let hash = target.secret_hash.clone().ok_or_else(denied)?;
    if secret.is_empty() || !hub.hasher.verify(secret.to_string(), hash).await {
        return Err(denied());
    }
    Ok(target)
}

/// The install manifest of a target, with or without its secret.
pub(crate) fn render_manifest(hub: &Hub, target: &TargetRecord, secret: Option<&str>) -> String {
    let id = target.id.to_string();
    let version_id = target.agent_version.id.to_string();
    let spec = AgentInstall {
        hub_url: &hub.settings.public_url,
        target_id: &id,
        target_secret: secret,
        agent_version_id: &version_id,
        image: &target.agent_version.image,
        interval: &hub.settings.agent_interval,
        registry_host: hub.settings.registry_host.as_deref(),
    };
    match target.kind {
        PlatformType::Docker => manifest::docker_compose(&spec),
        PlatformType::Kubernetes => manifest::kubernetes(
            &spec,
            target.namespace.as_deref().unwrap_or("default"),
            target.scope.unwrap_or(Scope::Namespace),
        ),
    }
}

fn yaml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/yaml")], body).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConnectQuery {
    #[serde(default)]
    target_id: String,
    #[serde(default)]
    target_secret: String,
}

async fn connect(State(hub): State<AppState>, Query(q): Query<ConnectQuery>) -> Result<Response, AgentError> {
    let target = authenticate_secret(&hub, &hub.limits.connect, &q.target_id, &q.target_secret).await?;
    Ok(yaml(render_manifest(&hub, &target, Some(&q.target_secret))))
}

async fn login(State(hub): State<AppState>, headers: HeaderMap) -> Result<Response, AgentError> {
    let (id, secret) = basic_credentials(&headers)
        .ok_or_else(|| AgentError::unauthorized("send the target id and secret as HTTP Basic credentials"))?;
    let target = authenticate_secret(&hub, &hub.limits.login, &id, &secret).await?;
    let now = hub.clock.now();
    hub.presence.saw(target.id, now, user_agent_version(&headers));
    let token = hub
        .tokens
        .issue(target.id, target.organization_id, now, hub.settings.token_lifetime)
        .map_err(|e| AgentError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(axum::Json(LoginResponse { token }).into_response())
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

fn user_agent_version(headers: &HeaderMap) -> Option<String> {
    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).and_then(agent_version_from_user_agent)
}

/// An authenticated agent: the JWT checked, the target loaded, its rate limit applied.
pub(super) struct Agent {
    target: TargetRecord,
    generation: i64,
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = AgentError;

    async fn from_request_parts(parts: &mut Parts, hub: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .ok_or_else(|| AgentError::unauthorized("missing bearer token; log in first"))?;
        let claims = hub
            .tokens
            .verify(token.trim())
            .ok_or_else(|| AgentError::unauthorized("invalid or expired token; log in again"))?;
        hub.limits.agent.check(&claims.sub, Instant::now()).map_err(AgentError::rate_limited)?;
        let view = hub
            .store
            .agent_view(claims.org, claims.sub)
            .await?
            .ok_or_else(|| AgentError::unauthorized("the token's target no longer exists"))?;
        // A token issued before the current secret belongs to whoever held the old one.
        if view.target.secret_issued_at.is_some_and(|issued| claims.iat < issued.unix_timestamp()) {
            return Err(AgentError::unauthorized("the target's secret was replaced; log in with the new one"));
        }
        hub.presence.saw(view.target.id, hub.clock.now(), user_agent_version(&parts.headers));
        Ok(Agent { target: view.target, generation: view.generation })
    }
}

async fn agent_manifest(State(hub): State<AppState>, agent: Agent) -> Response {
    yaml(render_manifest(&hub, &agent.target, None))
}

async fn resources(State(hub): State<AppState>, agent: Agent, headers: HeaderMap) -> Result<Response, AgentError> {
    let client_etag = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    let cached = {
        let etags = hub.etags.lock().unwrap_or_else(|e| e.into_inner());
        etags.get(&agent.target.id).filter(|c| c.generation == agent.generation).map(|c| c.etag.clone())
    };
    if let (Some(cached), Some(client)) = (&cached, client_etag)
        && etag_matches(client, cached)
    {
        return Ok(not_modified(cached));
    }
    let body = desired_body(&hub, &agent.target).await?;
    let etag = desired::etag(&body);
    hub.etags
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(agent.target.id, CachedEtag { generation: agent.generation, etag: etag.clone() });
    if client_etag.is_some_and(|c| etag_matches(c, &etag)) {
        return Ok(not_modified(&etag));
    }
    Ok(([(header::CONTENT_TYPE, "application/json"), (header::ETAG, etag.as_str())], body).into_response())
}

fn etag_matches(header_value: &str, etag: &str) -> bool {
    header_value.split(',').map(str::trim).any(|t| t == etag || t == "*" || t.strip_prefix("W/") == Some(etag))
}

fn not_modified(etag: &str) -> Response {
    (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response()
}

/// Computes the JSON desired state of a target, unsealing what it needs.
pub(crate) async fn desired_body(hub: &Hub, target: &TargetRecord) -> Result<Vec<u8>, AgentError> {
    let desired = hub.store.desired(target.organization_id, target.id).await?;
    let internal = |e: String| AgentError::new(StatusCode::INTERNAL_SERVER_ERROR, e);
    let needs_secrets = desired.iter().any(|d| {
        let r = &d.deployment.revision.spec;
        d.deployment.revision.spec.registry_auth_sealed.is_some()
            || [r.env_file.as_deref(), r.values.as_deref(), d.version.spec.base_values.as_deref()]
                .into_iter()
                .flatten()
                .any(|t| !crate::template::references(t).is_empty())
    });
    let secrets = if needs_secrets {
        crate::secrets::load(hub, target.organization_id).await.map_err(|e| internal(e.to_string()))?
    } else {
        BTreeMap::new()
    };
    let mut deployments = Vec::with_capacity(desired.len());
    for d in &desired {
        let auth =
            crate::secrets::unseal_registry_auth(&hub.sealer, target.organization_id, &d.deployment.revision.spec)
                .map_err(|e| internal(e.to_string()))?;
        let deployment = desired::agent_deployment(target, d, auth, &secrets)
            .map_err(|e| internal(format!("deployment {}: {e}", d.deployment.id)))?;
        deployments.push(deployment);
    }
    serde_json::to_vec(&desired::resources(target, deployments)).map_err(|e| internal(e.to_string()))
}

async fn status(
    State(hub): State<AppState>,
    agent: Agent,
    AgentBody(report): AgentBody<StatusReport>,
) -> Result<StatusCode, AgentError> {
    if report.message.len() > 64 * 1024 {
        return Err(AgentError::bad_request("status message longer than 64 KiB"));
    }
    let update = StatusUpdate {
        revision_id: report.revision_id,
        kind: report.kind,
        message: report.message,
        at: hub.clock.now(),
    };
    match hub.store.record_status(agent.target.organization_id, agent.target.id, &update).await {
        Ok(()) => Ok(StatusCode::OK),
        Err(crate::store::StoreError::NotFound(_)) => Err(AgentError::bad_request(format!(
            "revision {} does not belong to a deployment of this target",
            report.revision_id
        ))),
        Err(e) => Err(e.into()),
    }
}

async fn metrics(
    State(hub): State<AppState>,
    agent: Agent,
    AgentBody(report): AgentBody<MetricsReport>,
) -> Result<StatusCode, AgentError> {
    let fraction = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
    if !fraction(report.cpu_usage) || !fraction(report.memory_usage) {
        return Err(AgentError::bad_request("cpuUsage and memoryUsage must be fractions between 0 and 1"));
    }
    if report.disk_metrics.len() > 256 {
        return Err(AgentError::bad_request("at most 256 diskMetrics entries"));
    }
    hub.store.insert_metrics(agent.target.id, hub.clock.now(), &report).await?;
    Ok(StatusCode::OK)
}

async fn logs(
    State(hub): State<AppState>,
    agent: Agent,
    AgentBody(lines): AgentBody<Vec<LogRecord>>,
) -> Result<StatusCode, AgentError> {
    let stored = hub.store.insert_logs(agent.target.organization_id, agent.target.id, &lines).await?;
    if stored < lines.len() {
        tracing::debug!(target_id = %agent.target.id, dropped = lines.len() - stored, "dropped log lines of foreign deployments");
    }
    Ok(StatusCode::NO_CONTENT)
}

/// One record or a batch: Distr's agent sends batches, the protocol text shows one object.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<AgentLogRecord>),
    One(AgentLogRecord),
}

async fn agent_logs(
    State(hub): State<AppState>,
    agent: Agent,
    AgentBody(lines): AgentBody<OneOrMany>,
) -> Result<StatusCode, AgentError> {
    let lines = match lines {
        OneOrMany::Many(v) => v,
        OneOrMany::One(one) => vec![one],
    };
    hub.store.insert_agent_logs(agent.target.id, &lines).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_match_lists_and_weak_forms() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("\"x\", \"abc\"", "\"abc\""));
        assert!(etag_matches("W/\"abc\"", "\"abc\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
    }

    #[test]
    fn basic_credentials_are_decoded() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Basic aWQ6c2VjcmV0OndpdGg6Y29sb25z".parse().unwrap());
        assert_eq!(basic_credentials(&h), Some(("id".into(), "secret:with:colons".into())));
        h.insert(header::AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert_eq!(basic_credentials(&h), None);
    }
}
