//! The HTTP surface: path routing, verbs, content negotiation (JSON, `Table`,
//! `PartialObjectMetadata`), patches, server-side apply, watches, logs and metrics.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::Sim;
use crate::error::ApiError;
use crate::faults::{FaultAction, RequestInfo};
use crate::fields::{self, Part, Writer};
use crate::patch;
use crate::resources::{METRICS_GROUP, ResourceType};
use crate::selector::{FieldSelector, LabelSelector};
use crate::store::{DeleteOptions, Event, EventKind, State as Store, WriteOptions, list_object, now_rfc3339, present};
use crate::table;

/// Largest request body accepted (the API server's limit is 3 MiB per object; lists are bigger).
const BODY_LIMIT: usize = 32 * 1024 * 1024;

pub(crate) fn router(sim: Sim) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(sim)
}

fn json_response(code: u16, value: &Value) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, "application/json")], value.to_string()).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.code, &self.status())
    }
}

type Query = HashMap<String, String>;

fn flag(query: &Query, key: &str) -> bool {
    query.get(key).is_some_and(|v| v == "true" || v == "1")
}

/// How the client wants objects shaped, from its `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Full,
    Table,
    Metadata,
}

fn shape(headers: &HeaderMap) -> Shape {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    // The first acceptable media type wins, as the API server negotiates.
    for media in accept.split(',') {
        let media = media.trim();
        if media.contains("as=Table") {
            return Shape::Table;
        }
        if media.contains("as=PartialObjectMetadata") {
            return Shape::Metadata;
        }
        if media.starts_with("application/json") || media.starts_with("*/*") || media.starts_with("application/yaml") {
            return Shape::Full;
        }
    }
    Shape::Full
}

fn partial_metadata(object: &Value) -> Value {
    json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": object["metadata"]})
}

fn user_agent_manager(headers: &HeaderMap) -> String {
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("unknown");
    let manager: String = agent.split('/').next().unwrap_or(agent).chars().take(128).collect();
    if manager.is_empty() { "unknown".into() } else { manager }
}

struct Target {
    rt: ResourceType,
    namespace: Option<String>,
    name: Option<String>,
    subresource: Option<String>,
    watch_path: bool,
}

fn parse_target(sim: &Sim, group: &str, version: &str, rest: &[&str]) -> Result<Target, ApiError> {
    let (watch_path, rest) = match rest {
        ["watch", tail @ ..] => (true, tail),
        _ => (false, rest),
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns, resource, tail @ ..]
            if !(group.is_empty() && matches!(*resource, "status" | "finalize")) =>
        {
            (Some(ns.to_string()), [&[*resource][..], tail].concat())
        }
        _ => (None, rest.to_vec()),
    };
    let state = sim.state();
    let (resource, name, subresource) = match rest.as_slice() {
        [resource] => (*resource, None, None),
        [resource, name] => (*resource, Some(name.to_string()), None),
        [resource, name, sub] => (*resource, Some(name.to_string()), Some(sub.to_string())),
        _ => return Err(ApiError::path_not_found()),
    };
    let rt = state.registry.find(group, version, resource).cloned().ok_or_else(ApiError::path_not_found)?;
    if !rt.namespaced && namespace.is_some() {
        return Err(ApiError::path_not_found());
    }
    Ok(Target { rt, namespace, name, subresource, watch_path })
}

fn verb_of(method: &Method, target: &Target, query: &Query) -> Result<&'static str, ApiError> {
    Ok(match (method.as_str(), target.name.is_some()) {
        ("GET", true) if target.watch_path || flag(query, "watch") => "watch",
        ("GET", true) => "get",
        ("GET", false) if target.watch_path || flag(query, "watch") => "watch",
        ("GET", false) => "list",
        ("POST", false) => "create",
        ("PUT", true) => "update",
        ("PATCH", true) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        (m, _) => return Err(ApiError::method_not_allowed(m)),
    })
}

async fn handle(State(sim): State<Sim>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let query: Query = serde_urlencoded::from_str(parts.uri.query().unwrap_or_default()).unwrap_or_default();
    let body = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(e) => {
            return ApiError::new(413, "RequestEntityTooLarge", format!("request body too large or unreadable: {e}"))
                .into_response();
        }
    };
    let path = parts.uri.path().to_string();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let headers = parts.headers;
    tracing::debug!(
        method = %parts.method,
        uri = %parts.uri,
        content_type = ?headers.get(header::CONTENT_TYPE),
        accept = ?headers.get(header::ACCEPT),
        user_agent = ?headers.get(header::USER_AGENT),
        "request"
    );
    let aggregated = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.split(',').next().is_some_and(|first| first.contains("as=APIGroupDiscoveryList")));
    match (parts.method.as_str(), segments.as_slice()) {
        ("GET", []) => json_response(
            200,
            &json!({"paths": ["/api", "/api/v1", "/apis", "/openapi/v2", "/openapi/v3", "/version", "/healthz"]}),
        ),
        ("GET", ["version"]) => json_response(200, &crate::version_info(&sim.options().version)),
        ("GET", ["healthz" | "livez" | "readyz", ..]) => (StatusCode::OK, "ok").into_response(),
        ("GET", ["api"]) if aggregated => aggregated_response(sim.state().registry.aggregated(true)),
        ("GET", ["apis"]) if aggregated => aggregated_response(sim.state().registry.aggregated(false)),
        ("GET", ["api"]) => json_response(200, &sim.state().registry.api_versions()),
        ("GET", ["apis"]) => json_response(200, &sim.state().registry.api_group_list()),
        ("GET", ["api", version]) => discovery(sim.state().registry.api_resource_list("", version)),
        ("GET", ["apis", group]) => discovery(sim.state().registry.api_group(group)),
        ("GET", ["apis", group, version]) => discovery(sim.state().registry.api_resource_list(group, version)),
        ("GET", ["openapi", "v2"]) => crate::openapi::v2(&headers),
        ("GET", ["openapi", "v3"]) => json_response(200, &crate::openapi::v3_root(&sim.state().registry)),
        ("GET", ["openapi", "v3", rest @ ..]) => match crate::openapi::v3_group_version(&sim.state(), rest) {
            Some(doc) => json_response(200, &doc),
            None => ApiError::path_not_found().into_response(),
        },
        (_, ["api", version, rest @ ..]) => {
            resource_request(sim, parts.method, &headers, query, body, "", version, rest).await
        }
        (_, ["apis", group, version, rest @ ..]) => {
            resource_request(sim, parts.method, &headers, query, body, group, version, rest).await
        }
        _ => ApiError::path_not_found().into_response(),
    }
}

fn aggregated_response(doc: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")],
        doc.to_string(),
    )
        .into_response()
}

fn discovery(doc: Option<Value>) -> Response {
    match doc {
        Some(doc) => json_response(200, &doc),
        None => ApiError::path_not_found().into_response(),
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

#[allow(clippy::too_many_arguments)]
async fn resource_request(
    sim: Sim,
    method: Method,
    headers: &HeaderMap,
    query: Query,
    body: Bytes,
    group: &str,
    version: &str,
    rest: &[&str],
) -> Response {
    let target = match parse_target(&sim, group, version, rest) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let verb = match verb_of(&method, &target, &query) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let user = sim.access().user_for(bearer(headers));
    let resource = match &target.subresource {
        Some(sub) => format!("{}/{sub}", target.rt.plural),
        None => target.rt.plural.clone(),
    };
    let info = RequestInfo {
        verb: verb.to_string(),
        group: target.rt.group.clone(),
        resource,
        namespace: target.namespace.clone(),
        name: target.name.clone(),
        user: user.clone(),
    };
    sim.record(&info);
    let review = target.rt.kind.ends_with("Review");
    if !review && !sim.access().allows(&info) {
        return ApiError::forbidden(&target.rt, target.name.as_deref(), &user, verb, target.namespace.as_deref())
            .into_response();
    }
    let mut drop_after = None;
    for action in sim.faults().take(&info) {
        match action {
            FaultAction::Delay(d) => tokio::time::sleep(d).await,
            FaultAction::Error(e) => return e.into_response(),
            FaultAction::DropWatchAfter(n) => drop_after = Some(n),
        }
    }
    let ctx = Ctx { sim, headers, query, user, target };
    let result = match verb {
        "watch" => return watch(ctx, drop_after),
        "get" => ctx.get().await,
        "list" => ctx.list(),
        "create" => ctx.create(&body),
        "update" => ctx.update(&body),
        "patch" => ctx.patch(&body),
        "delete" => ctx.delete(&body),
        "deletecollection" => ctx.delete_collection(&body),
        _ => Err(ApiError::method_not_allowed(verb)),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

struct Ctx<'a> {
    sim: Sim,
    headers: &'a HeaderMap,
    query: Query,
    user: String,
    target: Target,
}

fn parse_body(body: &[u8], content_type: &str) -> Result<Value, ApiError> {
    if body.starts_with(b"k8s\0") || content_type.starts_with(crate::protobuf::PROTOBUF) {
        crate::protobuf::decode(body)
            .map_err(|e| ApiError::unsupported_media_type(content_type, &format!("application/json ({e})")))
    } else if content_type.contains("yaml") {
        let text = std::str::from_utf8(body)
            .map_err(|e| ApiError::bad_request(format!("the request body is not UTF-8: {e}")))?;
        serde_saphyr::from_str(text).map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding the request body as JSON: {e}")))
    }
}

impl Ctx<'_> {
    fn ns(&self) -> &str {
        self.target.namespace.as_deref().unwrap_or_default()
    }

    fn name(&self) -> &str {
        self.target.name.as_deref().unwrap_or_default()
    }

    fn content_type(&self) -> String {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .to_ascii_lowercase()
    }

    fn write_options(&self) -> WriteOptions {
        let manager = self.query.get("fieldManager").cloned().unwrap_or_else(|| user_agent_manager(self.headers));
        let dry_run = self.query.get("dryRun").is_some_and(|v| v == "All");
        WriteOptions { manager, dry_run, internal: false }
    }

    fn respond(&self, code: u16, object: Value) -> Result<Response, ApiError> {
        let shaped = match shape(self.headers) {
            Shape::Full => object,
            Shape::Metadata => partial_metadata(&object),
            Shape::Table => {
                let rv = object["metadata"]["resourceVersion"].as_str().unwrap_or_default().to_string();
                table::table(&self.target.rt, std::slice::from_ref(&object), &rv, None, include_object(&self.query))
            }
        };
        Ok(json_response(code, &shaped))
    }

    fn subresource(&self) -> Result<Option<&str>, ApiError> {
        match self.target.subresource.as_deref() {
            None => Ok(None),
            Some("status") if self.target.rt.status_subresource => Ok(Some("status")),
            Some("scale") if self.target.rt.scale_subresource => Ok(Some("scale")),
            Some("log") if self.target.rt.plural == "pods" && self.target.rt.group.is_empty() => Ok(Some("log")),
            Some(_) => Err(ApiError::path_not_found()),
        }
    }

    async fn get(&self) -> Result<Response, ApiError> {
        if self.target.rt.group == METRICS_GROUP {
            let item = crate::metrics::get(&self.sim, &self.target.rt, self.target.namespace.as_deref(), self.name())?;
            return self.respond(200, item);
        }
        match self.subresource()? {
            Some("log") => return crate::http_logs::pod_log(&self.sim, self.ns(), self.name(), &self.query).await,
            Some("scale") => {
                let object = self.sim.state().get(&self.target.rt, self.ns(), self.name())?;
                return Ok(json_response(200, &scale_of(&object)));
            }
            _ => {}
        }
        let object = self.sim.state().get(&self.target.rt, self.ns(), self.name())?;
        self.respond(200, object)
    }

    fn list(&self) -> Result<Response, ApiError> {
        if self.target.rt.group == METRICS_GROUP {
            let items = crate::metrics::list(&self.sim, &self.target.rt, self.target.namespace.as_deref())?;
            let labels = LabelSelector::parse(self.query.get("labelSelector").map(String::as_str).unwrap_or_default())?;
            let items: Vec<Value> = items.into_iter().filter(|i| labels.matches(i)).collect();
            let rv = self.sim.state().resource_version();
            return Ok(json_response(200, &list_object(&self.target.rt, items, rv, None, None)));
        }
        let (items, rv, token, remaining) = list_page(&self.sim.state(), &self.target, &self.query)?;
        let shaped = match shape(self.headers) {
            Shape::Full => list_object(&self.target.rt, items, rv, token, remaining),
            Shape::Metadata => {
                let mut list =
                    list_object(&self.target.rt, items.iter().map(partial_metadata).collect(), rv, token, remaining);
                list["kind"] = json!("PartialObjectMetadataList");
                list["apiVersion"] = json!("meta.k8s.io/v1");
                list
            }
            Shape::Table => table::table(&self.target.rt, &items, &rv.to_string(), token, include_object(&self.query)),
        };
        Ok(json_response(200, &shaped))
    }

    fn create(&self, body: &[u8]) -> Result<Response, ApiError> {
        let object = parse_body(body, &self.content_type())?;
        if self.target.rt.kind.ends_with("Review") {
            return Ok(json_response(201, &crate::review(&self.sim, &self.user, &self.target.rt, object)));
        }
        if self.target.subresource.is_some() {
            return Err(ApiError::method_not_allowed("create"));
        }
        let created = self.sim.state().create(&self.target.rt, self.ns(), object, &self.write_options())?;
        self.respond(201, created)
    }

    fn update(&self, body: &[u8]) -> Result<Response, ApiError> {
        let object = parse_body(body, &self.content_type())?;
        let opts = self.write_options();
        let rt = &self.target.rt;
        let mut state = self.sim.state();
        let updated = match self.subresource()? {
            Some("scale") => {
                let current = state.get(rt, self.ns(), self.name())?;
                let mut next = current.clone();
                next["spec"]["replicas"] = object["spec"]["replicas"].clone();
                let updated = state.write(rt, self.ns(), current, next, Part::NoStatus, &opts, true)?;
                return Ok(json_response(200, &scale_of(&updated)));
            }
            Some("log") => return Err(ApiError::method_not_allowed("update")),
            status => state.update(rt, self.ns(), self.name(), object, status.is_some(), &opts)?,
        };
        drop(state);
        self.respond(200, updated)
    }

    fn patch(&self, body: &[u8]) -> Result<Response, ApiError> {
        let content_type = self.content_type();
        let patch_doc = parse_body(body, &content_type)?;
        let rt = &self.target.rt;
        let opts = self.write_options();
        let sub = self.subresource()?;
        if sub == Some("log") {
            return Err(ApiError::method_not_allowed("patch"));
        }
        let part = match sub {
            Some("status") => Part::StatusOnly,
            _ if rt.status_subresource => Part::NoStatus,
            _ => Part::Whole,
        };
        let mut state = self.sim.state();
        if content_type.starts_with("application/apply-patch") {
            if sub == Some("scale") {
                return Err(ApiError::unsupported_media_type(&content_type, "application/merge-patch+json"));
            }
            let manager = self.query.get("fieldManager").cloned().ok_or_else(|| {
                ApiError::invalid(
                    &ResourceType { kind: "PatchOptions".into(), group: "meta.k8s.io".into(), ..rt.clone() },
                    "",
                    "fieldManager",
                    "FieldValueRequired",
                    "Required value: is required for apply patch",
                )
            })?;
            let force = flag(&self.query, "force");
            let (object, created) = server_side_apply(
                &mut state,
                rt,
                self.ns(),
                self.name(),
                patch_doc,
                &manager,
                force,
                part,
                opts.dry_run,
            )?;
            drop(state);
            return self.respond(if created { 201 } else { 200 }, object);
        }
        let old = state.raw(rt, self.ns(), self.name()).cloned().ok_or_else(|| ApiError::not_found(rt, self.name()))?;
        let mut current = if sub == Some("scale") { scale_of(&old) } else { present(rt, &old) };
        let before_rv = current["metadata"]["resourceVersion"].clone();
        let patched = match content_type.split(';').next().unwrap_or_default() {
            "application/json-patch+json" => patch::json_patch(&mut current, &patch_doc).map_err(|e| {
                ApiError::new(
                    422,
                    "Invalid",
                    format!("the server rejected our request due to an error in our request: {e}"),
                )
            }),
            "application/merge-patch+json" => {
                patch::merge_patch(&mut current, &patch_doc);
                Ok(())
            }
            "application/strategic-merge-patch+json" if !rt.custom => {
                patch::strategic_merge(&mut current, &patch_doc).map_err(|e| ApiError::bad_request(e.to_string()))
            }
            other => Err(ApiError::unsupported_media_type(
                other,
                "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
            )),
        };
        patched?;
        if current["metadata"]["resourceVersion"] != before_rv && !current["metadata"]["resourceVersion"].is_null() {
            return Err(ApiError::modified(rt, self.name()));
        }
        let next = if sub == Some("scale") {
            let mut next = old.clone();
            next["spec"]["replicas"] = current["spec"]["replicas"].clone();
            next
        } else {
            current
        };
        let updated = state.write(rt, self.ns(), old, next, part, &opts, true)?;
        drop(state);
        if sub == Some("scale") {
            return Ok(json_response(200, &scale_of(&updated)));
        }
        self.respond(200, updated)
    }

    fn delete_options(&self, body: &[u8]) -> Result<DeleteOptions, ApiError> {
        let from_body =
            if body.iter().all(u8::is_ascii_whitespace) { json!({}) } else { parse_body(body, &self.content_type())? };
        let text = |key: &str| from_body[key].as_str().map(String::from).or_else(|| self.query.get(key).cloned());
        let mut propagation = text("propagationPolicy");
        if propagation.is_none()
            && let Some(orphan) = from_body["orphanDependents"]
                .as_bool()
                .or_else(|| self.query.get("orphanDependents").map(|v| v == "true"))
        {
            propagation = Some(if orphan { "Orphan" } else { "Background" }.into());
        }
        if let Some(p) = &propagation
            && !["Background", "Foreground", "Orphan"].contains(&p.as_str())
        {
            return Err(ApiError::bad_request(format!(
                "unsupported propagationPolicy {p:?}: use Background, Foreground or Orphan"
            )));
        }
        let dry_run = from_body["dryRun"].as_array().is_some_and(|d| d.iter().any(|v| v == "All"))
            || self.query.get("dryRun").is_some_and(|v| v == "All");
        Ok(DeleteOptions {
            propagation,
            uid: from_body["preconditions"]["uid"].as_str().map(String::from),
            resource_version: from_body["preconditions"]["resourceVersion"].as_str().map(String::from),
            dry_run,
        })
    }

    fn delete(&self, body: &[u8]) -> Result<Response, ApiError> {
        if self.target.subresource.is_some() {
            return Err(ApiError::method_not_allowed("delete"));
        }
        let opts = self.delete_options(body)?;
        let deleted = self.sim.state().delete(&self.target.rt, self.ns(), self.name(), &opts)?;
        let pending = !deleted["metadata"]["deletionTimestamp"].is_null()
            && self.sim.state().raw(&self.target.rt, self.ns(), self.name()).is_some();
        self.respond(if pending { 202 } else { 200 }, deleted)
    }

    fn delete_collection(&self, body: &[u8]) -> Result<Response, ApiError> {
        let opts = self.delete_options(body)?;
        let mut state = self.sim.state();
        let (items, rv, _, _) = list_page(&state, &self.target, &self.query)?;
        let mut deleted = Vec::new();
        for item in items {
            let ns = item["metadata"]["namespace"].as_str().unwrap_or_default().to_string();
            let name = item["metadata"]["name"].as_str().unwrap_or_default().to_string();
            match state.delete(&self.target.rt, &ns, &name, &opts) {
                Ok(d) => deleted.push(d),
                Err(e) if e.code == 404 => {}
                Err(e) => return Err(e),
            }
        }
        Ok(json_response(200, &list_object(&self.target.rt, deleted, rv, None, None)))
    }
}

fn include_object(query: &Query) -> &str {
    query.get("includeObject").map(String::as_str).unwrap_or("PartialObjectMetadata")
}

fn scale_of(object: &Value) -> Value {
    let labels: Vec<String> = object["spec"]["selector"]["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": object["metadata"]["name"],
            "namespace": object["metadata"]["namespace"],
            "uid": object["metadata"]["uid"],
            "resourceVersion": object["metadata"]["resourceVersion"],
            "creationTimestamp": object["metadata"]["creationTimestamp"],
        },
        "spec": {"replicas": object["spec"]["replicas"].as_i64().unwrap_or(0)},
        "status": {"replicas": object["status"]["replicas"].as_i64().unwrap_or(0), "selector": labels.join(",")},
    })
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn server_side_apply(
    state: &mut Store,
    rt: &ResourceType,
    namespace: &str,
    name: &str,
    config: Value,
    manager: &str,
    force: bool,
    part: Part,
    dry_run: bool,
) -> Result<(Value, bool), ApiError> {
    if !config.is_object() {
        return Err(ApiError::bad_request("an apply configuration must be an object"));
    }
    let api_version = config["apiVersion"].as_str().unwrap_or_default().to_string();
    let kind = config["kind"].as_str().unwrap_or_default();
    if api_version.is_empty() || kind.is_empty() {
        return Err(ApiError::bad_request(format!(
            "invalid object: apiVersion and kind must be set in an apply configuration (got apiVersion {api_version:?}, kind {kind:?})"
        )));
    }
    if kind != rt.kind || api_version != rt.api_version() {
        return Err(ApiError::bad_request(format!(
            "the apply configuration is a {api_version} {kind}, but the request is for {} {}",
            rt.api_version(),
            rt.kind
        )));
    }
    if let Some(body_name) = config["metadata"]["name"].as_str()
        && body_name != name
    {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    if !config["metadata"]["managedFields"].is_null() {
        return Err(ApiError::bad_request("metadata.managedFields must be nil in an apply configuration"));
    }
    let now = now_rfc3339();
    let writer = Writer { manager, api_version: &api_version, now: &now, part };
    let opts = WriteOptions { manager: manager.to_string(), dry_run, internal: false };
    let conflict = |conflicts: Vec<fields::Conflict>| {
        let causes: Vec<Value> = conflicts
            .iter()
            .map(|c| json!({"reason": "FieldManagerConflict", "message": format!("conflict with {}", c.manager), "field": c.field}))
            .collect();
        let mut error = ApiError::new(409, "Conflict", fields::conflict_message(&conflicts));
        error.details = Some(json!({"causes": causes}));
        error
    };
    match state.raw(rt, namespace, name).cloned() {
        None => {
            if part == Part::StatusOnly {
                return Err(ApiError::not_found(rt, name));
            }
            let mut object = fields::apply(None, &config, &writer, force).map_err(conflict)?;
            object["metadata"]["name"] = json!(name);
            object["apiVersion"] = json!(api_version);
            object["kind"] = json!(rt.kind);
            Ok((state.create(rt, namespace, object, &opts)?, true))
        }
        Some(old) => {
            let object = fields::apply(Some(&old), &config, &writer, force).map_err(conflict)?;
            Ok((state.write(rt, namespace, old, object, part, &opts, false)?, false))
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ContinueToken {
    rv: u64,
    start: String,
}

type Page = (Vec<Value>, u64, Option<String>, Option<usize>);

fn list_page(state: &Store, target: &Target, query: &Query) -> Result<Page, ApiError> {
    let labels = LabelSelector::parse(query.get("labelSelector").map(String::as_str).unwrap_or_default())?;
    let fields = FieldSelector::parse(query.get("fieldSelector").map(String::as_str).unwrap_or_default())?;
    let rv = state.resource_version();
    let mut start = String::new();
    let mut list_rv = rv;
    if let Some(token) = query.get("continue").filter(|t| !t.is_empty()) {
        let parsed: ContinueToken = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| ApiError::bad_request(format!("continue key is not valid: {token:?}")))?;
        if parsed.rv < state.oldest_watchable() {
            return Err(ApiError::expired(
                "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
            ));
        }
        start = parsed.start;
        list_rv = parsed.rv;
    }
    if let Some(requested) = query.get("resourceVersion").and_then(|v| v.parse::<u64>().ok())
        && query.get("resourceVersionMatch").is_some_and(|m| m == "Exact")
        && requested < state.oldest_watchable()
    {
        return Err(ApiError::expired(format!("too old resource version: {requested} ({})", state.oldest_watchable())));
    }
    let key_of = |o: &Value| {
        format!(
            "{}/{}",
            o["metadata"]["namespace"].as_str().unwrap_or_default(),
            o["metadata"]["name"].as_str().unwrap_or_default()
        )
    };
    // Field selectors may name apiVersion/kind, which stored objects have as written; the
    // resource's own are the same for every item, so they are checked on the served form.
    let mut items: Vec<Value> = state
        .select(&target.rt, target.namespace.as_deref(), |o| {
            labels.matches(o)
                && (target.name.is_none() || o["metadata"]["name"].as_str() == target.name.as_deref())
                && (start.is_empty() || key_of(o) > start)
        })
        .into_iter()
        .filter(|o| fields.matches(o))
        .collect();
    let limit = query.get("limit").and_then(|l| l.parse::<usize>().ok()).filter(|l| *l > 0);
    let mut token = None;
    let mut remaining = None;
    if let Some(limit) = limit
        && items.len() > limit
    {
        let rest = items.split_off(limit);
        let last = key_of(items.last().expect("limit is positive"));
        let encoded = serde_json::to_vec(&ContinueToken { rv: list_rv, start: last }).expect("plain struct serializes");
        token = Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(encoded));
        if labels.is_empty() && !query.contains_key("fieldSelector") {
            remaining = Some(rest.len());
        }
    }
    Ok((items, list_rv, token, remaining))
}

fn event_line(kind: &str, object: &Value) -> Bytes {
    let mut line = json!({"type": kind, "object": object}).to_string();
    line.push('\n');
    Bytes::from(line)
}

fn watch(ctx: Ctx<'_>, drop_after: Option<usize>) -> Response {
    let Ctx { sim, headers, query, target, .. } = ctx;
    let labels = match LabelSelector::parse(query.get("labelSelector").map(String::as_str).unwrap_or_default()) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let mut fields = match FieldSelector::parse(query.get("fieldSelector").map(String::as_str).unwrap_or_default()) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    if let Some(name) = &target.name {
        fields = match FieldSelector::parse(&format!(
            "{},metadata.name={name}",
            query.get("fieldSelector").cloned().unwrap_or_default()
        )) {
            Ok(s) => s,
            Err(e) => return e.into_response(),
        };
    }
    let shape = shape(headers);
    let rt = target.rt.clone();
    let namespace = target.namespace.clone();
    let matches = move |o: &Value| {
        namespace.as_deref().is_none_or(|ns| o["metadata"]["namespace"].as_str() == Some(ns))
            && labels.matches(o)
            && fields.matches(o)
    };
    let send_initial = query.get("sendInitialEvents").map(|v| v == "true");
    let bookmarks = flag(&query, "allowWatchBookmarks");
    let timeout = query.get("timeoutSeconds").and_then(|t| t.parse::<u64>().ok()).map(Duration::from_secs);
    let requested = query.get("resourceVersion").cloned().unwrap_or_default();

    let (initial, mut events, start_rv, error) = {
        let state = sim.state();
        let events = state.subscribe();
        let current = state.resource_version();
        let mut initial: Vec<(&'static str, Value)> = Vec::new();
        let mut error = None;
        if send_initial == Some(true) || (send_initial.is_none() && (requested.is_empty() || requested == "0")) {
            initial = state.list(&rt, None).into_iter().filter(|o| matches(o)).map(|o| ("ADDED", o)).collect();
        } else if let Ok(from) = requested.parse::<u64>() {
            if from < state.oldest_watchable() {
                error =
                    Some(ApiError::expired(format!("too old resource version: {from} ({})", state.oldest_watchable())));
            } else {
                for event in state.events_since(from) {
                    if event.group == rt.group && event.plural == rt.plural {
                        initial.extend(translate(&event, &matches).map(|(k, o)| (k, present(&rt, &o))));
                    }
                }
            }
        } else {
            error = Some(ApiError::bad_request(format!("invalid resourceVersion {requested:?}")));
        }
        (initial, events, current, error)
    };

    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let render_rt = rt.clone();
    let render = move |kind: &str, object: &Value| -> Bytes {
        let object = match shape {
            Shape::Full => object.clone(),
            Shape::Metadata => partial_metadata(object),
            Shape::Table => {
                let rv = object["metadata"]["resourceVersion"].as_str().unwrap_or_default().to_string();
                table::table(&render_rt, std::slice::from_ref(object), &rv, None, "PartialObjectMetadata")
            }
        };
        event_line(kind, &object)
    };
    let bookmark_rt = target.rt.clone();
    let bookmark = move |rv: u64, initial_end: bool| -> Bytes {
        let mut metadata = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        event_line(
            "BOOKMARK",
            &json!({"kind": bookmark_rt.kind, "apiVersion": bookmark_rt.api_version(), "metadata": metadata}),
        )
    };
    let interval = sim.options().bookmark_interval;
    let mut drops = sim.faults().drops.subscribe();
    tokio::spawn(async move {
        if let Some(e) = error {
            let _ = tx.send(event_line("ERROR", &e.status())).await;
            return;
        }
        let mut sent = 0usize;
        let exhausted = |sent: usize| drop_after.is_some_and(|n| sent >= n);
        let mut last_rv = start_rv;
        for (kind, object) in initial {
            if exhausted(sent) || tx.send(render(kind, &object)).await.is_err() {
                return;
            }
            sent += 1;
        }
        if send_initial == Some(true) && tx.send(bookmark(start_rv, true)).await.is_err() {
            return;
        }
        let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        drops.borrow_and_update();
        loop {
            if exhausted(sent) {
                return;
            }
            tokio::select! {
                received = events.recv() => match received {
                    Ok(event) => {
                        if event.group != rt.group || event.plural != rt.plural || event.rv <= start_rv {
                            continue;
                        }
                        last_rv = event.rv;
                        if let Some((kind, object)) = translate(&event, &matches) {
                            if tx.send(render(kind, &present(&rt, &object))).await.is_err() {
                                return;
                            }
                            sent += 1;
                        }
                    }
                    // A watcher that falls behind is closed, as the API server does; clients re-watch.
                    Err(_) => return,
                },
                _ = ticker.tick(), if bookmarks => {
                    let rv = last_rv.max(start_rv);
                    if tx.send(bookmark(rv, false)).await.is_err() {
                        return;
                    }
                }
                _ = drops.changed() => return,
                _ = async { match deadline { Some(d) => tokio::time::sleep_until(d).await, None => std::future::pending().await } } => return,
                _ = tx.closed() => return,
            }
        }
    });
    let stream =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx)) });
    Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-cache, private")
        .body(Body::from_stream(stream))
        .expect("static response parts are valid")
}

/// What a watcher with a selector sees of an event: objects entering the selection
/// are ADDED, leaving it DELETED.
fn translate(event: &Event, matches: &impl Fn(&Value) -> bool) -> Option<(&'static str, Value)> {
    let now = matches(&event.object);
    let before = event.previous.as_ref().is_some_and(matches);
    match event.kind {
        EventKind::Added if now => Some(("ADDED", event.object.clone())),
        EventKind::Modified if now && before => Some(("MODIFIED", event.object.clone())),
        EventKind::Modified if now => Some(("ADDED", event.object.clone())),
        EventKind::Modified if before => Some(("DELETED", event.object.clone())),
        EventKind::Deleted if before || now => Some(("DELETED", event.object.clone())),
        _ => None,
    }
}
