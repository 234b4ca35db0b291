//! The three patch formats of `PATCH`: JSON merge patch (RFC 7386), JSON patch
//! (RFC 6902) and Kubernetes' strategic merge patch for built-in kinds.

use serde_json::{Map, Value};

/// Why a patch could not be applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PatchError {
    /// The patch document is not of the expected shape.
    #[error("invalid patch: {0}")]
    Malformed(String),
    /// A JSON patch operation failed (missing path, failed `test`).
    #[error("{0}")]
    Operation(String),
}

/// Applies a JSON merge patch in place.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let map = target.as_object_mut().expect("made an object above");
    for (key, value) in patch {
        if value.is_null() {
            map.remove(key);
        } else {
            merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn pointer_parent<'a>(doc: &'a mut Value, path: &str) -> Result<(&'a mut Value, String), PatchError> {
    if path.is_empty() {
        return Err(PatchError::Operation("the root of the document cannot be the target of this operation".into()));
    }
    let (parent, last) =
        path.rsplit_once('/').ok_or_else(|| PatchError::Malformed(format!("path {path:?} does not start with /")))?;
    let parent_value = doc
        .pointer_mut(parent)
        .ok_or_else(|| PatchError::Operation(format!("doc is missing path: \"{parent}\": missing value")))?;
    Ok((parent_value, unescape(last)))
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), PatchError> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, key) = pointer_parent(doc, path)?;
    match parent {
        Value::Object(map) => {
            map.insert(key, value);
        }
        Value::Array(items) => {
            let index = if key == "-" {
                items.len()
            } else {
                key.parse::<usize>().ok().filter(|i| *i <= items.len()).ok_or_else(|| {
                    PatchError::Operation(format!("add operation does not apply: doc is missing path: \"{path}\""))
                })?
            };
            items.insert(index, value);
        }
        _ => {
            return Err(PatchError::Operation(format!(
                "add operation does not apply: doc is missing path: \"{path}\""
            )));
        }
    }
    Ok(())
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, PatchError> {
    let missing = || {
        PatchError::Operation(format!(
            "remove operation does not apply: doc is missing path: \"{path}\": missing value"
        ))
    };
    let (parent, key) = pointer_parent(doc, path)?;
    match parent {
        Value::Object(map) => map.remove(&key).ok_or_else(missing),
        Value::Array(items) => {
            let index = key.parse::<usize>().ok().filter(|i| *i < items.len()).ok_or_else(missing)?;
            Ok(items.remove(index))
        }
        _ => Err(missing()),
    }
}

/// Applies an RFC 6902 JSON patch in place (all or nothing).
pub fn json_patch(target: &mut Value, patch: &Value) -> Result<(), PatchError> {
    let ops =
        patch.as_array().ok_or_else(|| PatchError::Malformed("a JSON patch must be an array of operations".into()))?;
    let mut doc = target.clone();
    for op in ops {
        let kind = op["op"].as_str().ok_or_else(|| PatchError::Malformed(format!("operation {op} has no \"op\"")))?;
        let path =
            op["path"].as_str().ok_or_else(|| PatchError::Malformed(format!("operation {op} has no \"path\"")))?;
        let value = || {
            op.get("value").cloned().ok_or_else(|| PatchError::Malformed(format!("operation {op} has no \"value\"")))
        };
        let from =
            || op["from"].as_str().ok_or_else(|| PatchError::Malformed(format!("operation {op} has no \"from\"")));
        match kind {
            "add" => add(&mut doc, path, value()?)?,
            "remove" => {
                remove(&mut doc, path)?;
            }
            "replace" => {
                if doc.pointer(path).is_none() {
                    return Err(PatchError::Operation(format!(
                        "replace operation does not apply: doc is missing key: {path}: missing value"
                    )));
                }
                *doc.pointer_mut(path).expect("checked above") = value()?;
            }
            "move" => {
                let moved = remove(&mut doc, from()?)?;
                add(&mut doc, path, moved)?;
            }
            "copy" => {
                let copied = doc.pointer(from()?).cloned().ok_or_else(|| {
                    PatchError::Operation(format!(
                        "copy operation does not apply: doc is missing from path: {}",
                        op["from"]
                    ))
                })?;
                add(&mut doc, path, copied)?;
            }
            "test" => {
                let expected = value()?;
                if doc.pointer(path) != Some(&expected) {
                    return Err(PatchError::Operation(format!("testing value {path} failed: test failed")));
                }
            }
            other => return Err(PatchError::Malformed(format!("unexpected kind of operation: {other:?}"))),
        }
    }
    *target = doc;
    Ok(())
}

/// The merge key of a list field in built-in kinds (`patchMergeKey`), if it merges.
pub fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    let key = match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "secrets"
        | "resourceClaims" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "ownerReferences" => "uid",
        "conditions" => "type",
        "topologySpreadConstraints" => "topologyKey",
        "readinessGates" => "conditionType",
        "ports" => {
            if items.iter().any(|i| i.get("containerPort").is_some()) {
                "containerPort"
            } else {
                "port"
            }
        }
        _ => return None,
    };
    Some(key)
}

/// Primitive lists that merge as sets under strategic merge patch.
fn merges_as_set(field: &str) -> bool {
    field == "finalizers"
}

/// Applies a strategic merge patch in place, with the `$patch`, `$retainKeys`,
/// `$deleteFromPrimitiveList` and `$setElementOrder` directives.
pub fn strategic_merge(target: &mut Value, patch: &Value) -> Result<(), PatchError> {
    let Value::Object(patch) = patch else {
        return Err(PatchError::Malformed("a strategic merge patch must be an object".into()));
    };
    if patch.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut replaced = patch.clone();
        replaced.remove("$patch");
        *target = Value::Object(replaced);
        return Ok(());
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let map = target.as_object_mut().expect("made an object above");
    for (key, value) in patch {
        if key == "$patch" || key == "$retainKeys" || key.starts_with("$setElementOrder/") {
            continue;
        }
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(items)), Some(drop)) = (map.get_mut(field), value.as_array()) {
                items.retain(|i| !drop.contains(i));
            }
            continue;
        }
        match value {
            Value::Null => {
                map.remove(key);
            }
            Value::Object(inner) if inner.get("$patch").and_then(Value::as_str) == Some("delete") => {
                map.remove(key);
            }
            Value::Object(_) => strategic_merge(map.entry(key.clone()).or_insert(Value::Null), value)?,
            Value::Array(items) => {
                let current = map.entry(key.clone()).or_insert(Value::Array(vec![]));
                merge_list(key, current, items)?;
            }
            _ => {
                map.insert(key.clone(), value.clone());
            }
        }
    }
    if let Some(retain) = patch.get("$retainKeys").and_then(Value::as_array) {
        map.retain(|k, _| retain.iter().any(|r| r.as_str() == Some(k)));
    }
    Ok(())
}

fn merge_list(field: &str, current: &mut Value, items: &[Value]) -> Result<(), PatchError> {
    if items.iter().any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace")) {
        *current = Value::Array(items.iter().filter(|i| i.get("$patch").is_none()).cloned().collect());
        return Ok(());
    }
    if merges_as_set(field) && items.iter().all(|i| !i.is_object()) {
        let list = current.as_array_mut().ok_or_else(|| PatchError::Malformed(format!("{field} is not a list")))?;
        for item in items {
            if !list.contains(item) {
                list.push(item.clone());
            }
        }
        return Ok(());
    }
    let Some(key) = merge_key(field, items).filter(|_| items.iter().all(Value::is_object)) else {
        *current = Value::Array(items.to_vec());
        return Ok(());
    };
    if !current.is_array() {
        *current = Value::Array(vec![]);
    }
    let list = current.as_array_mut().expect("made a list above");
    for item in items {
        let id = item.get(key).cloned().unwrap_or(Value::Null);
        let position = list.iter().position(|existing| existing.get(key) == Some(&id));
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (position, delete) {
            (Some(i), true) => {
                list.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => strategic_merge(&mut list[i], item)?,
            (None, false) => {
                let mut fresh = Value::Null;
                strategic_merge(&mut fresh, item)?;
                list.push(fresh);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merge_patch_removes_nulls_and_replaces_lists() {
        let mut doc = json!({"a": {"b": 1, "c": 2}, "l": [1, 2]});
        merge_patch(&mut doc, &json!({"a": {"b": null, "d": 3}, "l": [3]}));
        assert_eq!(doc, json!({"a": {"c": 2, "d": 3}, "l": [3]}));
    }

    #[test]
    fn json_patch_is_all_or_nothing() {
        let mut doc = json!({"metadata": {"labels": {"a": "1"}}, "items": [1, 2]});
        json_patch(
            &mut doc,
            &json!([
                {"op": "add", "path": "/metadata/labels/b~1c", "value": "2"},
                {"op": "remove", "path": "/metadata/labels/a"},
                {"op": "add", "path": "/items/-", "value": 3},
                {"op": "test", "path": "/items/0", "value": 1},
            ]),
        )
        .unwrap();
        assert_eq!(doc, json!({"metadata": {"labels": {"b/c": "2"}}, "items": [1, 2, 3]}));
        let before = doc.clone();
        let err = json_patch(
            &mut doc,
            &json!([{"op": "remove", "path": "/items/0"}, {"op": "test", "path": "/x", "value": 1}]),
        );
        assert!(err.is_err());
        assert_eq!(doc, before);
    }

    #[test]
    fn strategic_merge_merges_containers_by_name() {
        let mut doc = json!({"spec": {"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}],
            "finalizers": ["x"]}});
        strategic_merge(
            &mut doc,
            &json!({"spec": {
                "$setElementOrder/containers": [{"name": "a"}, {"name": "c"}],
                "containers": [{"name": "a", "image": "a:2"}, {"name": "b", "$patch": "delete"}, {"name": "c", "image": "c:1"}],
                "finalizers": ["y"],
            }}),
        )
        .unwrap();
        assert_eq!(
            doc,
            json!({"spec": {"containers": [{"name": "a", "image": "a:2"}, {"name": "c", "image": "c:1"}], "finalizers": ["x", "y"]}})
        );
    }

    #[test]
    fn strategic_merge_honours_retain_keys_and_replace() {
        let mut doc = json!({"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}, "m": {"a": 1}});
        strategic_merge(
            &mut doc,
            &json!({"strategy": {"$retainKeys": ["type"], "type": "Recreate"}, "m": {"$patch": "replace", "b": 2}}),
        )
        .unwrap();
        assert_eq!(doc, json!({"strategy": {"type": "Recreate"}, "m": {"b": 2}}));
    }
}
