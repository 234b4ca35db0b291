//! The OpenAPI documents kubectl and helm fetch. Deliberately small: kubectl learns
//! from them that the server validates fields itself (so it does no client-side
//! schema validation) and that strategic merge is not described (so it computes
//! patches from its compiled-in types); `kubectl explain` gets a schema per kind.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::resources::{Registry, ResourceType};
use crate::store::State;

/// `GET /openapi/v2`: an empty Swagger 2.0 document, as protobuf when asked (kubectl does).
pub fn v2(headers: &HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if accept.contains("protobuf") {
        // openapi_v2.Document { swagger: "2.0" }: field 1, wire type 2, length 3.
        let body: &[u8] = &[0x0a, 0x03, b'2', b'.', b'0'];
        // Go's mime parser rejects the '@' of the requested media type, so answer as bytes.
        return (StatusCode::OK, [(header::CONTENT_TYPE, "application/octet-stream")], body).into_response();
    }
    let doc =
        json!({"swagger": "2.0", "info": {"title": "Kubernetes", "version": "v1"}, "paths": {}, "definitions": {}});
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], doc.to_string()).into_response()
}

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() { format!("api/{version}") } else { format!("apis/{group}/{version}") }
}

/// `GET /openapi/v3`: one entry per group version, with a hash that changes when its kinds do.
pub fn v3_root(registry: &Registry) -> Value {
    let mut paths = Map::new();
    for (group, versions) in registry.groups() {
        for version in versions {
            let path = gv_path(&group, &version);
            let kinds: Vec<String> = registry
                .all()
                .iter()
                .filter(|t| t.group == group && t.version == version)
                .map(|t| format!("{}/{}/{}", t.kind, t.plural, t.custom))
                .collect();
            let hash = hex_digest(kinds.join(",").as_bytes());
            paths.insert(path.clone(), json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={hash}")}));
        }
    }
    json!({"paths": paths})
}

fn hex_digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().take(16).map(|b| format!("{b:02X}")).collect()
}

fn schema_name(rt: &ResourceType) -> String {
    let group =
        if rt.group.is_empty() { "core".to_string() } else { rt.group.split('.').rev().collect::<Vec<_>>().join(".") };
    if rt.custom {
        format!("{group}.{}.{}", rt.version, rt.kind)
    } else {
        format!("io.k8s.api.{group}.{}.{}", rt.version, rt.kind)
    }
}

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

fn object_meta_schema() -> Value {
    let string = |d: &str| json!({"type": "string", "description": d});
    let map = |d: &str| json!({"type": "object", "additionalProperties": {"type": "string", "default": ""}, "description": d});
    json!({
        "type": "object",
        "description": "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
        "properties": {
            "name": string("Name must be unique within a namespace."),
            "generateName": string("GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided."),
            "namespace": string("Namespace defines the space within which each name must be unique."),
            "labels": map("Map of string keys and values that can be used to organize and categorize (scope and select) objects."),
            "annotations": map("Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata."),
            "uid": string("UID is the unique in time and space value for this object."),
            "resourceVersion": string("An opaque value that represents the internal version of this object."),
            "generation": {"type": "integer", "format": "int64", "description": "A sequence number representing a specific generation of the desired state."},
            "creationTimestamp": string("CreationTimestamp is a timestamp representing the server time when this object was created."),
            "deletionTimestamp": string("DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted."),
            "finalizers": {"type": "array", "items": {"type": "string", "default": ""}, "description": "Must be empty before the object is deleted from the registry."},
            "ownerReferences": {"type": "array", "items": {"type": "object"}, "description": "List of objects depended by this object."},
            "managedFields": {"type": "array", "items": {"type": "object"}, "description": "ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow."},
        },
    })
}

fn kind_schema(rt: &ResourceType, crd_schema: Option<&Value>) -> Value {
    let mut schema = crd_schema.cloned().unwrap_or_else(|| {
        json!({
            "type": "object",
            "description": format!("{} is a {} object served by kubesim; its fields are not described here.", rt.kind, rt.api_version()),
            "properties": {
                "spec": {"type": "object", "description": format!("Desired state of the {}.", rt.kind), "x-kubernetes-preserve-unknown-fields": true},
                "status": {"type": "object", "description": format!("Most recently observed status of the {}.", rt.kind), "x-kubernetes-preserve-unknown-fields": true},
            },
        })
    });
    if !schema["properties"].is_object() {
        schema["properties"] = json!({});
    }
    schema["properties"]["apiVersion"] = json!({"type": "string", "description": "APIVersion defines the versioned schema of this representation of an object."});
    schema["properties"]["kind"] = json!({"type": "string", "description": "Kind is a string value representing the REST resource this object represents."});
    schema["properties"]["metadata"] = json!({"allOf": [{"$ref": format!("#/components/schemas/{OBJECT_META}")}], "default": {}, "description": "Standard object's metadata."});
    schema["x-kubernetes-group-version-kind"] = json!([{"group": rt.group, "version": rt.version, "kind": rt.kind}]);
    schema
}

fn operation(rt: &ResourceType, action: &str, verb: &str) -> Value {
    let mut op = json!({
        "operationId": format!("{verb}{}", rt.kind),
        "description": format!("{verb} a {}", rt.kind),
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{}", schema_name(rt))}}}}},
    });
    let query = |name: &str| json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}});
    match action {
        "patch" => {
            op["parameters"] = json!([query("dryRun"), query("fieldManager"), query("fieldValidation"), {"name": "force", "in": "query", "schema": {"type": "boolean"}}]);
            // No application/strategic-merge-patch+json here on purpose: kubectl then
            // computes strategic patches from its compiled-in types (merge patches for CRDs).
            op["requestBody"] = json!({"content": {
                "application/apply-patch+yaml": {"schema": {"type": "object"}},
                "application/json-patch+json": {"schema": {"type": "object"}},
                "application/merge-patch+json": {"schema": {"type": "object"}},
            }, "required": true});
        }
        "post" | "put" => {
            op["parameters"] = json!([query("dryRun"), query("fieldManager"), query("fieldValidation")]);
            op["requestBody"] = json!({"content": {"*/*": {"schema": {"$ref": format!("#/components/schemas/{}", schema_name(rt))}}}, "required": true});
        }
        _ => {}
    }
    op
}

/// `GET /openapi/v3/{api/v1 | apis/group/version}`.
pub fn v3_group_version(state: &State, path: &[&str]) -> Option<Value> {
    let (group, version) = match path {
        ["api", version] => ("", *version),
        ["apis", group, version] => (*group, *version),
        _ => return None,
    };
    let types: Vec<&ResourceType> =
        state.registry.all().iter().filter(|t| t.group == group && t.version == version).collect();
    if types.is_empty() {
        return None;
    }
    let crds = state.registry.by_storage_key("apiextensions.k8s.io", "customresourcedefinitions").cloned();
    let mut paths = Map::new();
    let mut schemas = Map::new();
    schemas.insert(OBJECT_META.into(), object_meta_schema());
    for rt in types {
        let base = format!("/{}", gv_path(group, version));
        let collection = if rt.namespaced {
            format!("{base}/namespaces/{{namespace}}/{}", rt.plural)
        } else {
            format!("{base}/{}", rt.plural)
        };
        let mut item = json!({"get": operation(rt, "get", "read")});
        let mut list = json!({"get": operation(rt, "list", "list")});
        if rt.verbs.iter().any(|v| v == "patch") {
            item["put"] = operation(rt, "put", "replace");
            item["patch"] = operation(rt, "patch", "patch");
            item["delete"] = operation(rt, "delete", "delete");
            list["post"] = operation(rt, "post", "create");
        }
        paths.insert(format!("{collection}/{{name}}"), item);
        paths.insert(collection, list);
        let crd_schema = if rt.custom {
            crds.as_ref().and_then(|crd_type| {
                let crd = state.raw(crd_type, "", &format!("{}.{}", rt.plural, rt.group))?;
                crd["spec"]["versions"]
                    .as_array()?
                    .iter()
                    .find(|v| v["name"] == rt.version.as_str())
                    .map(|v| v["schema"]["openAPIV3Schema"].clone())
            })
        } else {
            None
        };
        schemas.insert(schema_name(rt), kind_schema(rt, crd_schema.as_ref().filter(|s| s.is_object())));
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.35.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }))
}
