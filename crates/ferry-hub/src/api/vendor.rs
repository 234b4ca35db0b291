//! The vendor REST API: applications, versions, targets, deployments, secrets, and the
//! reads (status history, logs, metrics). Organization-scoped by the caller's API token.

use std::collections::BTreeSet;

use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use ferry_proto::api::{
    AgentVersion, Application, ApplicationVersion, DeployRequest, Deployment, DeploymentState, Identity,
    NewAgentVersion, NewApplication, NewApplicationVersion, NewTarget, PlatformType, Revision, Scope, SecretInfo,
    SecretValue, Target, TargetAccess, TargetMetrics, TargetPatch, TargetState,
};
use ferry_proto::api::{DockerType, MetricsSample};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::error::{ApiError, Body, Query, parse_id};
use super::{AppState, Hub};
use crate::crypto::{new_api_token, new_target_secret, token_digest};
use crate::store::{
    DeploymentRecord, LogQuery, RevisionRecord, RevisionSpec, TargetChanges, TargetRecord, TargetSpec, TokenOwner,
};
use crate::{secrets, template, validate};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/tokens", post(create_token))
        .route("/api/v1/applications", get(list_applications).post(create_application))
        .route("/api/v1/applications/{app}", get(get_application).delete(delete_application))
        .route("/api/v1/applications/{app}/versions", get(list_versions).post(create_version))
        .route("/api/v1/applications/{app}/versions/{version}", get(get_version))
        .route("/api/v1/applications/{app}/versions/{version}/archive", post(archive_version))
        .route("/api/v1/applications/{app}/versions/{version}/unarchive", post(unarchive_version))
        .route("/api/v1/targets", get(list_targets).post(create_target))
        .route("/api/v1/targets/{target}", get(get_target).patch(update_target).delete(delete_target))
        .route("/api/v1/targets/{target}/access", post(target_access))
        .route("/api/v1/targets/{target}/metrics", get(target_metrics))
        .route("/api/v1/targets/{target}/logs", get(target_logs))
        .route("/api/v1/agent-versions", get(list_agent_versions).post(create_agent_version))
        .route("/api/v1/deployments", get(list_deployments).post(create_deployment))
        .route("/api/v1/deployments/{deployment}", get(get_deployment).put(update_deployment).delete(delete_deployment))
        .route("/api/v1/deployments/{deployment}/revisions", get(list_revisions))
        .route("/api/v1/deployments/{deployment}/status", get(status_history))
        .route("/api/v1/deployments/{deployment}/logs", get(deployment_logs))
        .route("/api/v1/deployments/{deployment}/resources", get(log_resources))
        .route("/api/v1/secrets", get(list_secrets))
        .route("/api/v1/secrets/{key}", put(put_secret).delete(delete_secret))
}

/// The authenticated caller of a vendor route.
pub(crate) struct Caller(pub TokenOwner);

impl Caller {
    fn org(&self) -> Uuid {
        self.0.organization_id
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, hub: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        let owner = hub.store.token_owner(&token_digest(token)).await?.ok_or_else(ApiError::unauthorized)?;
        Ok(Caller(owner))
    }
}

type ApiResult<T> = Result<T, ApiError>;

fn created<T: Serialize>(value: T) -> Response {
    (StatusCode::CREATED, axum::Json(value)).into_response()
}

async fn me(State(hub): State<AppState>, caller: Caller) -> ApiResult<axum::Json<Identity>> {
    let (organization_name, email) = hub.store.identity(caller.0).await?;
    Ok(axum::Json(Identity { organization_id: caller.org(), organization_name, user_id: caller.0.user_id, email }))
}

#[derive(Deserialize)]
struct NewToken {
    name: String,
}

#[derive(Serialize)]
struct IssuedToken {
    name: String,
    token: String,
}

async fn create_token(State(hub): State<AppState>, caller: Caller, Body(req): Body<NewToken>) -> ApiResult<Response> {
    validate::name("name", &req.name)?;
    let token = new_api_token()?;
    hub.store.add_api_token(caller.0, &req.name, &token_digest(&token), hub.clock.now()).await?;
    Ok(created(IssuedToken { name: req.name, token }))
}

// --- applications ---------------------------------------------------------------------------

async fn list_applications(State(hub): State<AppState>, caller: Caller) -> ApiResult<axum::Json<Vec<Application>>> {
    Ok(axum::Json(hub.store.applications(caller.org()).await?))
}

async fn create_application(
    State(hub): State<AppState>,
    caller: Caller,
    Body(req): Body<NewApplication>,
) -> ApiResult<Response> {
    Ok(created(add_application(&hub, caller.org(), &req).await?))
}

/// Validates and creates an application (REST API and web UI).
pub(crate) async fn add_application(hub: &Hub, org: Uuid, req: &NewApplication) -> ApiResult<Application> {
    validate::name("name", &req.name)?;
    Ok(hub.store.create_application(org, &req.name, req.kind, hub.clock.now()).await?)
}

async fn get_application(
    State(hub): State<AppState>,
    caller: Caller,
    Path(app): Path<String>,
) -> ApiResult<axum::Json<Application>> {
    let id = parse_id("application", &app)?;
    Ok(axum::Json(hub.store.application(caller.org(), id).await?))
}

async fn delete_application(
    State(hub): State<AppState>,
    caller: Caller,
    Path(app): Path<String>,
) -> ApiResult<StatusCode> {
    hub.store.delete_application(caller.org(), parse_id("application", &app)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_versions(
    State(hub): State<AppState>,
    caller: Caller,
    Path(app): Path<String>,
) -> ApiResult<axum::Json<Vec<ApplicationVersion>>> {
    let id = parse_id("application", &app)?;
    Ok(axum::Json(hub.store.application(caller.org(), id).await?.versions))
}

async fn create_version(
    State(hub): State<AppState>,
    caller: Caller,
    Path(app): Path<String>,
    Body(spec): Body<NewApplicationVersion>,
) -> ApiResult<Response> {
    Ok(created(add_version(&hub, caller.org(), parse_id("application", &app)?, spec).await?))
}

/// Validates and adds a version to an application (REST API and web UI).
pub(crate) async fn add_version(
    hub: &Hub,
    org: Uuid,
    app: Uuid,
    mut spec: NewApplicationVersion,
) -> ApiResult<ApplicationVersion> {
    let app = hub.store.application(org, app).await?;
    validate::application_version(app.kind, &mut spec)?;
    Ok(hub.store.create_version(org, app.id, &spec, hub.clock.now()).await?)
}

async fn get_version(
    State(hub): State<AppState>,
    caller: Caller,
    Path((app, version)): Path<(String, String)>,
) -> ApiResult<axum::Json<ApplicationVersion>> {
    let (owner, version) = hub.store.version(caller.org(), parse_id("application version", &version)?).await?;
    if owner.id != parse_id("application", &app)? {
        return Err(ApiError::not_found("application version"));
    }
    Ok(axum::Json(version))
}

async fn archive_version(
    State(hub): State<AppState>,
    caller: Caller,
    Path((app, version)): Path<(String, String)>,
) -> ApiResult<axum::Json<ApplicationVersion>> {
    let (app, version) = (parse_id("application", &app)?, parse_id("application version", &version)?);
    Ok(axum::Json(hub.store.set_version_archived(caller.org(), app, version, Some(hub.clock.now())).await?))
}

async fn unarchive_version(
    State(hub): State<AppState>,
    caller: Caller,
    Path((app, version)): Path<(String, String)>,
) -> ApiResult<axum::Json<ApplicationVersion>> {
    let (app, version) = (parse_id("application", &app)?, parse_id("application version", &version)?);
    Ok(axum::Json(hub.store.set_version_archived(caller.org(), app, version, None).await?))
}

// --- targets --------------------------------------------------------------------------------

/// A stored target as the API shows it, with presence this hub observed merged in.
pub(crate) fn target_view(hub: &Hub, record: TargetRecord) -> Target {
    let seen_here = hub.presence.last_seen(record.id);
    let last_seen_at = match (record.last_seen_at, seen_here) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    Target {
        id: record.id,
        name: record.name,
        kind: record.kind,
        namespace: record.namespace,
        scope: record.scope,
        metrics_enabled: record.metrics_enabled,
        logs_enabled: record.logs_enabled,
        agent_version: record.agent_version,
        reported_agent_version: hub.presence.version(record.id).or(record.reported_agent_version),
        last_seen_at,
        state: TargetState::at(last_seen_at, hub.clock.now()),
        has_secret: record.secret_hash.is_some(),
        created_at: record.created_at,
    }
}

async fn list_targets(State(hub): State<AppState>, caller: Caller) -> ApiResult<axum::Json<Vec<Target>>> {
    let targets = hub.store.targets(caller.org()).await?;
    Ok(axum::Json(targets.into_iter().map(|t| target_view(&hub, t)).collect()))
}

async fn create_target(State(hub): State<AppState>, caller: Caller, Body(req): Body<NewTarget>) -> ApiResult<Response> {
    Ok(created(add_target(&hub, caller.org(), req).await?))
}

/// Validates and creates a target (REST API and web UI).
pub(crate) async fn add_target(hub: &Hub, org: Uuid, req: NewTarget) -> ApiResult<Target> {
    validate::name("name", &req.name)?;
    let (namespace, scope) = match req.kind {
        PlatformType::Docker => {
            if req.namespace.is_some() || req.scope.is_some() {
                return Err(ApiError::field("namespace", "namespace and scope are for kubernetes targets"));
            }
            (None, None)
        }
        PlatformType::Kubernetes => {
            let namespace = req.namespace.clone().unwrap_or_else(|| "default".to_string());
            validate::dns_label("namespace", &namespace, 63)?;
            (Some(namespace), Some(req.scope.unwrap_or(Scope::Namespace)))
        }
    };
    let spec = TargetSpec {
        name: req.name,
        kind: req.kind,
        namespace,
        scope,
        metrics_enabled: req.metrics_enabled.unwrap_or(true),
        logs_enabled: req.logs_enabled.unwrap_or(true),
        agent_version_id: req.agent_version_id.unwrap_or(hub.default_agent_version.id),
    };
    let target = hub.store.create_target(org, &spec, hub.clock.now()).await?;
    Ok(target_view(hub, target))
}

async fn get_target(
    State(hub): State<AppState>,
    caller: Caller,
    Path(target): Path<String>,
) -> ApiResult<axum::Json<Target>> {
    let record = hub.store.target(caller.org(), parse_id("target", &target)?).await?;
    Ok(axum::Json(target_view(&hub, record)))
}

async fn update_target(
    State(hub): State<AppState>,
    caller: Caller,
    Path(target): Path<String>,
    Body(patch): Body<TargetPatch>,
) -> ApiResult<axum::Json<Target>> {
    Ok(axum::Json(change_target(&hub, caller.org(), parse_id("target", &target)?, patch).await?))
}

/// Validates and applies changes to a target (REST API and web UI).
pub(crate) async fn change_target(hub: &Hub, org: Uuid, target: Uuid, patch: TargetPatch) -> ApiResult<Target> {
    if let Some(name) = &patch.name {
        validate::name("name", name)?;
    }
    let changes = TargetChanges {
        name: patch.name,
        metrics_enabled: patch.metrics_enabled,
        logs_enabled: patch.logs_enabled,
        agent_version_id: patch.agent_version_id,
    };
    let record = hub.store.update_target(org, target, &changes).await?;
    Ok(target_view(hub, record))
}

async fn delete_target(
    State(hub): State<AppState>,
    caller: Caller,
    Path(target): Path<String>,
) -> ApiResult<StatusCode> {
    hub.store.delete_target(caller.org(), parse_id("target", &target)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The connect command a customer runs for a target.
pub(crate) fn connect_command(kind: PlatformType, namespace: Option<&str>, url: &str) -> String {
    match kind {
        // `-p ferry` pins the project name without a top-level `name:` in the manifest,
        // which Compose v1 would reject.
        PlatformType::Docker => format!("curl -fsSL '{url}' | docker compose -p ferry -f - up -d"),
        PlatformType::Kubernetes => format!("kubectl apply -n {} -f \"{url}\"", namespace.unwrap_or("default")),
    }
}

/// Issues a new secret for a target (invalidating the old one) and returns it once.
pub(crate) async fn issue_access(hub: &Hub, org: Uuid, target: Uuid) -> ApiResult<TargetAccess> {
    let record = hub.store.target(org, target).await?;
    let secret = new_target_secret()?;
    let hash = hub.hasher.hash(secret.clone()).await?;
    hub.store.set_target_secret(org, target, &hash, hub.clock.now()).await?;
    let connect_url =
        format!("{}/api/v1/connect?targetId={}&targetSecret={}", hub.settings.public_url, record.id, secret);
    Ok(TargetAccess {
        target_id: record.id,
        connect_command: connect_command(record.kind, record.namespace.as_deref(), &connect_url),
        target_secret: secret,
        connect_url,
    })
}

async fn target_access(State(hub): State<AppState>, caller: Caller, Path(target): Path<String>) -> ApiResult<Response> {
    let access = issue_access(&hub, caller.org(), parse_id("target", &target)?).await?;
    let mut response = created(access);
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(response)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Window {
    #[serde(default, with = "time::serde::rfc3339::option")]
    since: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    until: Option<OffsetDateTime>,
}

async fn target_metrics(
    State(hub): State<AppState>,
    caller: Caller,
    Path(target): Path<String>,
    Query(window): Query<Window>,
) -> ApiResult<axum::Json<TargetMetrics>> {
    let now = hub.clock.now();
    let until = window.until.unwrap_or(now + time::Duration::seconds(1));
    let since = window.since.unwrap_or(until - time::Duration::hours(24));
    let (latest, history): (Option<MetricsSample>, Vec<MetricsSample>) =
        hub.store.metrics(caller.org(), parse_id("target", &target)?, since, until).await?;
    Ok(axum::Json(TargetMetrics { latest, history }))
}

#[derive(Deserialize)]
struct Tail {
    after: Option<i64>,
    limit: Option<i64>,
}

async fn target_logs(
    State(hub): State<AppState>,
    caller: Caller,
    Path(target): Path<String>,
    Query(tail): Query<Tail>,
) -> ApiResult<Response> {
    let limit = tail.limit.unwrap_or(200).clamp(1, 5000);
    let page = hub.store.agent_logs(caller.org(), parse_id("target", &target)?, tail.after, limit).await?;
    Ok(axum::Json(page).into_response())
}

// --- agent versions -------------------------------------------------------------------------

async fn list_agent_versions(State(hub): State<AppState>, _caller: Caller) -> ApiResult<axum::Json<Vec<AgentVersion>>> {
    Ok(axum::Json(hub.store.agent_versions().await?))
}

async fn create_agent_version(
    State(hub): State<AppState>,
    _caller: Caller,
    Body(req): Body<NewAgentVersion>,
) -> ApiResult<Response> {
    validate::name("name", &req.name)?;
    if req.image.trim().is_empty() || req.image.chars().any(char::is_whitespace) {
        return Err(ApiError::field(
            "image",
            "image must be an image reference such as ghcr.io/acme/ferry-agent:1.2.3",
        ));
    }
    Ok(created(hub.store.create_agent_version(&req.name, &req.image, hub.clock.now()).await?))
}

// --- deployments ----------------------------------------------------------------------------

/// A stored deployment as the API shows it.
pub(crate) fn deployment_view(hub: &Hub, d: DeploymentRecord) -> Deployment {
    let state = DeploymentState::at(d.status.as_ref().map(|s| (s.kind, s.last_seen_at)), hub.clock.now());
    Deployment {
        id: d.id,
        target_id: d.target_id,
        target_name: d.target_name,
        application_id: d.application_id,
        application_name: d.application_name,
        release_name: d.release_name,
        logs_enabled: d.logs_enabled,
        created_at: d.created_at,
        revision: revision_view(d.revision),
        status: d.status,
        state,
    }
}

fn revision_view(r: RevisionRecord) -> Revision {
    Revision {
        id: r.id,
        deployment_id: r.deployment_id,
        application_version_id: r.application_version_id,
        application_version_name: r.application_version_name,
        env_file: r.spec.env_file,
        values: r.spec.values,
        docker_type: r.spec.docker_type,
        force_restart: r.spec.force_restart,
        image_cleanup_enabled: r.spec.image_cleanup_enabled,
        ignore_revision_skew: r.spec.ignore_revision_skew,
        helm_options: r.spec.helm_options,
        registry_hosts: r.spec.registry_hosts,
        created_at: r.created_at,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeploymentFilter {
    target_id: Option<Uuid>,
}

async fn list_deployments(
    State(hub): State<AppState>,
    caller: Caller,
    Query(filter): Query<DeploymentFilter>,
) -> ApiResult<axum::Json<Vec<Deployment>>> {
    let list = hub.store.deployments(caller.org(), filter.target_id).await?;
    Ok(axum::Json(list.into_iter().map(|d| deployment_view(&hub, d)).collect()))
}

/// Validates a deploy request against the version and target and builds the revision.
/// `existing` is the deployment being updated, if any.
pub(crate) async fn plan_revision(
    hub: &Hub,
    org: Uuid,
    target: &TargetRecord,
    req: &DeployRequest,
    existing: Option<&DeploymentRecord>,
) -> ApiResult<(RevisionSpec, Option<String>)> {
    let (app, version) = hub.store.version(org, req.application_version_id).await.map_err(|e| match e {
        crate::store::StoreError::NotFound(_) => ApiError::field(
            "applicationVersionId",
            format!("application version {} not found", req.application_version_id),
        ),
        other => other.into(),
    })?;
    let redeploying_same = existing.is_some_and(|d| d.revision.application_version_id == version.id);
    if version.archived_at.is_some() && !redeploying_same {
        return Err(ApiError::field(
            "applicationVersionId",
            format!("version {:?} of {:?} is archived; unarchive it or pick another", version.spec.name, app.name),
        ));
    }
    if app.kind != target.kind {
        return Err(ApiError::field(
            "applicationVersionId",
            format!(
                "{:?} is a {} application but target {:?} is a {} target",
                app.name, app.kind, target.name, target.kind
            ),
        ));
    }
    let mut texts: Vec<(&str, String)> = Vec::new();
    let release_name;
    let (env_file, values) = match app.kind {
        PlatformType::Docker => {
            for (field, set) in [
                ("values", req.values.is_some()),
                ("releaseName", req.release_name.is_some()),
                ("helmOptions", req.helm_options.is_some()),
                ("ignoreRevisionSkew", req.ignore_revision_skew),
            ] {
                if set {
                    return Err(ApiError::field(field, format!("{field} is for kubernetes deployments")));
                }
            }
            let env = req.env_file.clone().or_else(|| version.spec.env_template.clone());
            if let Some(env) = &env {
                validate::env_file("envFile", &template::placeholder_secrets(env))?;
                texts.push(("envFile", env.clone()));
            }
            release_name = None;
            (env, None)
        }
        PlatformType::Kubernetes => {
            for (field, set) in [("envFile", req.env_file.is_some()), ("dockerType", req.docker_type.is_some())] {
                if set {
                    return Err(ApiError::field(field, format!("{field} is for docker deployments")));
                }
            }
            let values = req.values.clone().or_else(|| version.spec.values_template.clone());
            if let Some(v) = &values {
                validate::values("values", &template::placeholder_secrets(v))?;
                texts.push(("values", v.clone()));
            }
            let name = match (existing, &req.release_name) {
                (Some(d), Some(asked)) if *asked != d.release_name => {
                    return Err(ApiError::field(
                        "releaseName",
                        format!("the release name is fixed at {:?} for this deployment", d.release_name),
                    ));
                }
                (Some(d), _) => d.release_name.clone(),
                (None, Some(asked)) => asked.clone(),
                (None, None) => app.name.to_lowercase(),
            };
            validate::dns_label("releaseName", &name, 53).map_err(|e| {
                if req.release_name.is_none() && existing.is_none() {
                    ApiError::field("releaseName", format!("{}; pass releaseName explicitly", e.message))
                } else {
                    e.into()
                }
            })?;
            if let Some(options) = &req.helm_options {
                validate::helm_options(options)?;
            }
            release_name = Some(name);
            (None, values)
        }
    };
    if let Some(auth) = &req.registry_auth {
        for (host, creds) in auth {
            validate::registry_host(host)?;
            texts.push(("registryAuth", creds.username.clone()));
            texts.push(("registryAuth", creds.password.clone()));
        }
    }
    // Every referenced secret must exist, and values must still be a YAML map once the
    // secrets are in: find out now rather than on the customer's machine.
    let referenced: BTreeSet<String> = texts.iter().flat_map(|(_, t)| template::references(t)).collect();
    if !referenced.is_empty() {
        let known = secrets::load(hub, org)
            .await
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        for (field, text) in &texts {
            let rendered = template::render(text, &known).map_err(|e| ApiError::field(*field, e.to_string()))?;
            if *field == "values" {
                validate::values("values", &rendered).map_err(|e| {
                    ApiError::field(
                        "values",
                        format!("values are not a YAML map once secrets are filled in: {}", e.message),
                    )
                })?;
            }
        }
    }
    let registry_auth_sealed = req
        .registry_auth
        .as_ref()
        .filter(|a| !a.is_empty())
        .map(|auth| secrets::seal_registry_auth(&hub.sealer, org, auth))
        .transpose()?;
    let spec = RevisionSpec {
        application_version_id: version.id,
        env_file,
        values,
        docker_type: match app.kind {
            PlatformType::Docker => Some(req.docker_type.unwrap_or(DockerType::Compose)),
            PlatformType::Kubernetes => None,
        },
        force_restart: req.force_restart,
        image_cleanup_enabled: req.image_cleanup_enabled,
        ignore_revision_skew: req.ignore_revision_skew,
        helm_options: req.helm_options.clone(),
        registry_auth_sealed,
        registry_hosts: req.registry_auth.as_ref().map(|a| a.keys().cloned().collect()).unwrap_or_default(),
    };
    Ok((spec, release_name))
}

async fn create_deployment(
    State(hub): State<AppState>,
    caller: Caller,
    Body(req): Body<DeployRequest>,
) -> ApiResult<Response> {
    let (view, was_created) = deploy(&hub, caller.org(), &req).await?;
    Ok(if was_created { created(view) } else { axum::Json(view).into_response() })
}

/// Deploys a version to a target: creates the deployment, or adds a revision to the target's
/// deployment of the same application. Returns it and whether it was created.
pub(crate) async fn deploy(hub: &Hub, org: Uuid, req: &DeployRequest) -> ApiResult<(Deployment, bool)> {
    let target_id = req.target_id.ok_or_else(|| ApiError::field("targetId", "targetId is required"))?;
    let target = hub.store.target(org, target_id).await.map_err(|e| match e {
        crate::store::StoreError::NotFound(_) => ApiError::field("targetId", format!("target {target_id} not found")),
        other => other.into(),
    })?;
    let (app, _) = hub.store.version(org, req.application_version_id).await.map_err(|e| match e {
        crate::store::StoreError::NotFound(_) => ApiError::field(
            "applicationVersionId",
            format!("application version {} not found", req.application_version_id),
        ),
        other => other.into(),
    })?;
    let existing = hub.store.deployments(org, Some(target.id)).await?.into_iter().find(|d| d.application_id == app.id);
    let (spec, release_name) = plan_revision(hub, org, &target, req, existing.as_ref()).await?;
    let (deployment, was_created) =
        hub.store.deploy(org, target.id, release_name.as_deref(), req.logs_enabled, &spec, hub.clock.now()).await?;
    Ok((deployment_view(hub, deployment), was_created))
}

async fn get_deployment(
    State(hub): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Deployment>> {
    let d = hub.store.deployment(caller.org(), parse_id("deployment", &id)?).await?;
    Ok(axum::Json(deployment_view(&hub, d)))
}

async fn update_deployment(
    State(hub): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(req): Body<DeployRequest>,
) -> ApiResult<axum::Json<Deployment>> {
    Ok(axum::Json(redeploy(&hub, caller.org(), parse_id("deployment", &id)?, &req).await?))
}

/// Adds a revision to an existing deployment (REST API and web UI).
pub(crate) async fn redeploy(hub: &Hub, org: Uuid, deployment: Uuid, req: &DeployRequest) -> ApiResult<Deployment> {
    let current = hub.store.deployment(org, deployment).await?;
    if req.target_id.is_some_and(|t| t != current.target_id) {
        return Err(ApiError::field("targetId", "a deployment cannot move to another target; deploy there instead"));
    }
    let target = hub.store.target(org, current.target_id).await?;
    let (spec, _) = plan_revision(hub, org, &target, req, Some(&current)).await?;
    let updated = hub.store.add_revision(org, current.id, req.logs_enabled, &spec, hub.clock.now()).await?;
    Ok(deployment_view(hub, updated))
}

async fn delete_deployment(
    State(hub): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    hub.store.delete_deployment(caller.org(), parse_id("deployment", &id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_revisions(
    State(hub): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<Revision>>> {
    let revisions = hub.store.revisions(caller.org(), parse_id("deployment", &id)?).await?;
    Ok(axum::Json(revisions.into_iter().map(revision_view).collect()))
}

#[derive(Deserialize)]
struct PageQuery {
    before: Option<i64>,
    limit: Option<i64>,
}

async fn status_history(
    State(hub): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(page): Query<PageQuery>,
) -> ApiResult<Response> {
    let limit = page.limit.unwrap_or(50).clamp(1, 500);
    let statuses = hub.store.statuses(caller.org(), parse_id("deployment", &id)?, page.before, limit).await?;
    Ok(axum::Json(statuses).into_response())
}

#[derive(Deserialize)]
struct LogFilter {
    resource: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    since: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    until: Option<OffsetDateTime>,
    after: Option<i64>,
    limit: Option<i64>,
}

async fn deployment_logs(
    State(hub): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(filter): Query<LogFilter>,
) -> ApiResult<Response> {
    let query = LogQuery {
        resource: filter.resource.filter(|r| !r.is_empty()),
        since: filter.since,
        until: filter.until,
        after: filter.after,
        limit: filter.limit.unwrap_or(200).clamp(1, 5000),
    };
    let page = hub.store.logs(caller.org(), parse_id("deployment", &id)?, &query).await?;
    Ok(axum::Json(page).into_response())
}

async fn log_resources(
    State(hub): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<String>>> {
    Ok(axum::Json(hub.store.log_resources(caller.org(), parse_id("deployment", &id)?).await?))
}

// --- secrets --------------------------------------------------------------------------------

async fn list_secrets(State(hub): State<AppState>, caller: Caller) -> ApiResult<axum::Json<Vec<SecretInfo>>> {
    Ok(axum::Json(hub.store.secrets(caller.org()).await?))
}

async fn put_secret(
    State(hub): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Body(req): Body<SecretValue>,
) -> ApiResult<axum::Json<SecretInfo>> {
    Ok(axum::Json(store_secret(&hub, caller.org(), &key, &req.value).await?))
}

/// Validates, seals and stores a secret (REST API and web UI).
pub(crate) async fn store_secret(hub: &Hub, org: Uuid, key: &str, value: &str) -> ApiResult<SecretInfo> {
    validate::secret_key(key)?;
    if value.len() > 64 * 1024 {
        return Err(ApiError::field("value", "secret values are limited to 64 KiB"));
    }
    let sealed = hub.sealer.seal(&secrets::secret_context(org, key), value.as_bytes())?;
    Ok(hub.store.put_secret(org, key, &sealed, hub.clock.now()).await?)
}

async fn delete_secret(State(hub): State<AppState>, caller: Caller, Path(key): Path<String>) -> ApiResult<StatusCode> {
    remove_secret(&hub, caller.org(), &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a secret unless a current deployment still references it (REST API and web UI).
pub(crate) async fn remove_secret(hub: &Hub, org: Uuid, key: &str) -> ApiResult<()> {
    let mut users = Vec::new();
    for d in hub.store.current_revisions(org).await? {
        let spec = &d.revision.spec;
        let mut texts: Vec<String> = [spec.env_file.clone(), spec.values.clone()].into_iter().flatten().collect();
        if let Some(auth) = secrets::unseal_registry_auth(&hub.sealer, org, spec)? {
            texts.extend(auth.into_values().flat_map(|c| [c.username, c.password]));
        }
        if texts.iter().any(|t| template::references(t).contains(key)) {
            users.push(format!("{} on {}", d.application_name, d.target_name));
        }
    }
    if !users.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("secret {key:?} is used by deployment(s): {}; redeploy them without it first", users.join(", ")),
        ));
    }
    Ok(hub.store.delete_secret(org, key).await?)
}
