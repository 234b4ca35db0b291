//! Field ownership (`metadata.managedFields`, `FieldsV1`) and server-side apply.
//!
//! Simplified from structured-merge-diff: lists are associative when built-in
//! Kubernetes merges them by a key (containers by name, …) or when every item has a
//! `name`; other lists are atomic. Conflicts, shared ownership, `force` and the removal
//! of fields an applier stops applying follow Kubernetes.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::patch::merge_key;

/// One owned field: path elements in FieldsV1 spelling (`f:spec`, `k:{"name":"web"}`).
pub type FieldPath = Vec<String>;
/// A set of owned fields.
pub type FieldSet = BTreeSet<FieldPath>;

/// Which part of an object a write may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Everything (kinds without a status subresource).
    Whole,
    /// Everything but `.status` (main resource of a kind with a status subresource).
    NoStatus,
    /// Only `.status` (the status subresource).
    StatusOnly,
}

const UNTRACKED_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
];

fn list_key(field: &str, items: &[Value]) -> Option<&'static str> {
    if items.is_empty() || !items.iter().all(Value::is_object) {
        return None;
    }
    merge_key(field, items).or_else(|| items.iter().all(|i| i.get("name").is_some()).then_some("name"))
}

fn item_element(key: &str, item: &Value) -> String {
    format!("k:{}", json!({ key: item.get(key).cloned().unwrap_or(Value::Null) }))
}

fn collect(value: &Value, field: &str, prefix: &mut FieldPath, out: &mut FieldSet) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                prefix.push(format!("f:{k}"));
                collect(v, k, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => match list_key(field, items) {
            Some(key) => {
                for item in items {
                    prefix.push(item_element(key, item));
                    out.insert(prefix.clone());
                    collect(item, "", prefix, out);
                    prefix.pop();
                }
            }
            None => {
                out.insert(prefix.clone());
            }
        },
        _ => {
            out.insert(prefix.clone());
        }
    }
}

/// The trackable part of an object: without identity, bookkeeping and the part a write may not touch.
pub fn trackable(object: &Value, part: Part) -> Value {
    let mut copy = object.clone();
    let Some(map) = copy.as_object_mut() else { return Value::Object(Map::new()) };
    map.remove("apiVersion");
    map.remove("kind");
    match part {
        Part::Whole => {}
        Part::NoStatus => {
            map.remove("status");
        }
        Part::StatusOnly => map.retain(|k, _| k == "status"),
    }
    if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.retain(|k, _| !UNTRACKED_METADATA.contains(&k.as_str()));
        if part == Part::StatusOnly || meta.is_empty() {
            map.remove("metadata");
        }
    }
    copy
}

/// Every field an object sets.
pub fn field_set(object: &Value, part: Part) -> FieldSet {
    let mut out = FieldSet::new();
    if let Value::Object(map) = trackable(object, part) {
        for (k, v) in &map {
            let mut prefix = vec![format!("f:{k}")];
            collect(v, k, &mut prefix, &mut out);
        }
    }
    out
}

/// The value at a field path, if the object has it.
pub fn value_at<'a>(object: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut current = object;
    for element in path {
        if let Some(name) = element.strip_prefix("f:") {
            current = current.get(name)?;
        } else if let Some(key_json) = element.strip_prefix("k:") {
            let wanted: Value = serde_json::from_str(key_json).ok()?;
            let (key, id) = wanted.as_object()?.iter().next()?;
            let items = current.as_array()?;
            current = items.iter().find(|i| i.get(key) == Some(id))?;
        } else {
            return None;
        }
    }
    Some(current)
}

/// Removes the field at a path; returns whether something was removed.
pub fn remove_at(object: &mut Value, path: &[String]) -> bool {
    let Some((last, parents)) = path.split_last() else { return false };
    let mut current = object;
    for element in parents {
        let next = if let Some(name) = element.strip_prefix("f:") {
            current.get_mut(name)
        } else if let Some(key_json) = element.strip_prefix("k:") {
            let Ok(wanted) = serde_json::from_str::<Value>(key_json) else { return false };
            let Some((key, id)) = wanted.as_object().and_then(|o| o.iter().next()).map(|(k, v)| (k.clone(), v.clone()))
            else {
                return false;
            };
            current.as_array_mut().and_then(|items| items.iter_mut().find(|i| i.get(&key) == Some(&id)))
        } else {
            None
        };
        match next {
            Some(n) => current = n,
            None => return false,
        }
    }
    if let Some(name) = last.strip_prefix("f:") {
        current.as_object_mut().and_then(|m| m.remove(name)).is_some()
    } else if let Some(key_json) = last.strip_prefix("k:") {
        let Ok(wanted) = serde_json::from_str::<Value>(key_json) else { return false };
        let Some((key, id)) = wanted.as_object().and_then(|o| o.iter().next()) else { return false };
        let Some(items) = current.as_array_mut() else { return false };
        let before = items.len();
        items.retain(|i| i.get(key) != Some(id));
        items.len() != before
    } else {
        false
    }
}

/// `.spec.containers[name="web"].image`, as conflict messages print paths.
pub fn display_path(path: &[String]) -> String {
    let mut out = String::new();
    for element in path {
        if let Some(name) = element.strip_prefix("f:") {
            out.push('.');
            out.push_str(name);
        } else if let Some(key_json) = element.strip_prefix("k:") {
            let parsed: Value = serde_json::from_str(key_json).unwrap_or(Value::Null);
            let parts: Vec<String> =
                parsed.as_object().into_iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
            out.push_str(&format!("[{}]", parts.join(",")));
        }
    }
    out
}

/// FieldsV1 JSON of a set.
pub fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Value::Object(Map::new());
    for path in set {
        let mut node = &mut root;
        for element in path {
            node = node.as_object_mut().expect("nodes are objects").entry(element.clone()).or_insert_with(|| json!({}));
        }
    }
    // A path that is owned and also has owned children is marked with ".".
    for path in set {
        let node = path.iter().try_fold(&mut root, |node, e| node.get_mut(e));
        if let Some(Value::Object(children)) = node
            && !children.is_empty()
            && !children.contains_key(".")
        {
            children.insert(".".into(), json!({}));
        }
    }
    root
}

/// The set a FieldsV1 JSON describes.
pub fn from_fields_v1(value: &Value) -> FieldSet {
    fn walk(node: &Value, prefix: &mut FieldPath, out: &mut FieldSet) {
        let Some(children) = node.as_object() else { return };
        if children.is_empty() && !prefix.is_empty() {
            out.insert(prefix.clone());
        }
        for (k, v) in children {
            if k == "." {
                out.insert(prefix.clone());
                continue;
            }
            prefix.push(k.clone());
            walk(v, prefix, out);
            prefix.pop();
        }
    }
    let mut out = FieldSet::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Manager {
    /// Field manager name.
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    /// apiVersion the manager wrote with.
    pub api_version: String,
    /// RFC 3339 time of its last change.
    pub time: String,
    /// `status` for writes through the status subresource.
    pub subresource: String,
    /// Owned fields.
    pub fields: FieldSet,
}

impl Manager {
    fn same_identity(&self, manager: &str, operation: &str, subresource: &str) -> bool {
        self.manager == manager && self.operation == operation && self.subresource == subresource
    }

    fn to_json(&self) -> Value {
        let mut entry = json!({
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": to_fields_v1(&self.fields),
        });
        if !self.subresource.is_empty() {
            entry["subresource"] = json!(self.subresource);
        }
        entry
    }

    /// How conflict messages name this manager.
    fn describe(&self) -> String {
        let mut name = format!("{:?}", self.manager);
        if !self.subresource.is_empty() {
            name = format!("{name} with subresource {:?}", self.subresource);
        }
        if self.operation == "Update" {
            name = format!("{name} using {}", self.api_version);
        }
        name
    }
}

/// Reads `metadata.managedFields`.
pub fn managers(object: &Value) -> Vec<Manager> {
    object["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| Manager {
            manager: e["manager"].as_str().unwrap_or_default().into(),
            operation: e["operation"].as_str().unwrap_or("Update").into(),
            api_version: e["apiVersion"].as_str().unwrap_or_default().into(),
            time: e["time"].as_str().unwrap_or_default().into(),
            subresource: e["subresource"].as_str().unwrap_or_default().into(),
            fields: from_fields_v1(&e["fieldsV1"]),
        })
        .collect()
}

fn store_managers(object: &mut Value, managers: &[Manager]) {
    let entries: Vec<Value> = managers.iter().filter(|m| !m.fields.is_empty()).map(Manager::to_json).collect();
    if entries.is_empty() {
        if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("managedFields");
        }
    } else {
        object["metadata"]["managedFields"] = Value::Array(entries);
    }
}

/// Who is writing, for the ownership bookkeeping.
#[derive(Debug, Clone)]
pub struct Writer<'a> {
    /// Field manager.
    pub manager: &'a str,
    /// apiVersion of the request.
    pub api_version: &'a str,
    /// Current time, RFC 3339.
    pub now: &'a str,
    /// Which part the write may touch.
    pub part: Part,
}

impl Writer<'_> {
    fn subresource(&self) -> &'static str {
        if self.part == Part::StatusOnly { "status" } else { "" }
    }
}

/// Records an `Update` (create, update, patch) in `new`'s managedFields: the writer
/// takes ownership of what it changed; fields that disappeared lose their owners.
pub fn record_update(old: Option<&Value>, new: &mut Value, writer: &Writer) {
    let empty = Value::Null;
    let old = old.unwrap_or(&empty);
    let mut list = managers(old);
    let after = field_set(new, Part::Whole);
    let changed: FieldSet = field_set(new, writer.part)
        .into_iter()
        .filter(|p| {
            let is_item = p.last().is_some_and(|e| e.starts_with("k:"));
            match value_at(old, p) {
                None => true,
                Some(before) => !is_item && Some(before) != value_at(new, p),
            }
        })
        .collect();
    for m in &mut list {
        m.fields.retain(|p| after.contains(p) && !changed.contains(p));
    }
    if !changed.is_empty() {
        let subresource = writer.subresource();
        match list.iter_mut().find(|m| m.same_identity(writer.manager, "Update", subresource)) {
            Some(m) => {
                m.fields.extend(changed);
                m.time = writer.now.to_string();
                m.api_version = writer.api_version.to_string();
            }
            None => list.push(Manager {
                manager: writer.manager.to_string(),
                operation: "Update".into(),
                api_version: writer.api_version.to_string(),
                time: writer.now.to_string(),
                subresource: subresource.to_string(),
                fields: changed,
            }),
        }
    }
    store_managers(new, &list);
}

/// An apply conflict: a field another manager owns with a different value.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// How the owning manager is named in messages.
    pub manager: String,
    /// The contested field, as `.spec.replicas`.
    pub field: String,
}

/// Merges an apply configuration into an object (maps merge, associative lists merge by key).
pub fn apply_merge(target: &mut Value, config: &Value, field: &str) {
    match (target, config) {
        (Value::Object(t), Value::Object(c)) => {
            for (k, v) in c {
                match t.get_mut(k) {
                    Some(existing) => apply_merge(existing, v, k),
                    None => {
                        t.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(t), Value::Array(c)) if list_key(field, c).is_some() && t.iter().all(Value::is_object) => {
            let key = list_key(field, c).expect("checked in the guard");
            for item in c {
                match t.iter_mut().find(|e| e.get(key) == item.get(key)) {
                    Some(existing) => apply_merge(existing, item, ""),
                    None => t.push(item.clone()),
                }
            }
        }
        (t, c) => *t = c.clone(),
    }
}

/// Server-side apply of `config` by `writer` onto `current` (None: the object is new).
/// Returns the new object with its managedFields, or the conflicts when `force` is false.
pub fn apply(current: Option<&Value>, config: &Value, writer: &Writer, force: bool) -> Result<Value, Vec<Conflict>> {
    let mut list = current.map(managers).unwrap_or_default();
    let subresource = writer.subresource();
    let applied = field_set(config, writer.part);
    let empty = Value::Null;
    let current_value = current.unwrap_or(&empty);

    let mut conflicts = Vec::new();
    for m in list.iter_mut().filter(|m| m.manager != writer.manager) {
        let contested: Vec<FieldPath> = m
            .fields
            .iter()
            .filter(|p| applied.contains(*p) && !p.last().is_some_and(|e| e.starts_with("k:")))
            .filter(|p| value_at(current_value, p) != value_at(config, p))
            .cloned()
            .collect();
        for path in contested {
            if force {
                m.fields.remove(&path);
            } else {
                conflicts.push(Conflict { manager: m.describe(), field: display_path(&path) });
            }
        }
    }
    if !conflicts.is_empty() {
        return Err(conflicts);
    }

    let mut object = current.cloned().unwrap_or_else(|| json!({}));
    let config_part = trackable(config, writer.part);
    apply_merge(&mut object, &config_part, "");

    let previous = list
        .iter()
        .position(|m| m.same_identity(writer.manager, "Apply", subresource))
        .map(|i| list.remove(i).fields)
        .unwrap_or_default();
    let mut dropped: Vec<&FieldPath> = previous.iter().filter(|p| !applied.contains(*p)).collect();
    dropped.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for path in dropped {
        let owned_elsewhere = list.iter().any(|m| m.fields.iter().any(|o| o.starts_with(path)));
        if !owned_elsewhere {
            remove_at(&mut object, path);
        }
    }
    let after = field_set(&object, Part::Whole);
    for m in &mut list {
        m.fields.retain(|p| after.contains(p));
    }
    list.push(Manager {
        manager: writer.manager.to_string(),
        operation: "Apply".into(),
        api_version: writer.api_version.to_string(),
        time: writer.now.to_string(),
        subresource: subresource.to_string(),
        fields: applied,
    });
    store_managers(&mut object, &list);
    Ok(object)
}

/// The message Kubernetes gives for apply conflicts.
pub fn conflict_message(conflicts: &[Conflict]) -> String {
    if let [only] = conflicts {
        return format!("Apply failed with 1 conflict: conflict with {}: {}", only.manager, only.field);
    }
    let mut managers: Vec<&str> = conflicts.iter().map(|c| c.manager.as_str()).collect();
    managers.sort();
    managers.dedup();
    let mut lines = Vec::new();
    for manager in managers {
        lines.push(format!("conflicts with {manager}:"));
        for c in conflicts.iter().filter(|c| c.manager == manager) {
            lines.push(format!("- {}", c.field));
        }
    }
    format!("Apply failed with {} conflicts: {}", conflicts.len(), lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer(manager: &str) -> Writer<'_> {
        Writer { manager, api_version: "apps/v1", now: "2026-01-01T00:00:00Z", part: Part::NoStatus }
    }

    #[test]
    fn fields_v1_round_trips_with_item_markers() {
        let obj = json!({"metadata": {"name": "x", "labels": {"a": "1"}},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}}});
        let set = field_set(&obj, Part::NoStatus);
        let v1 = to_fields_v1(&set);
        assert_eq!(v1["spec"], Value::Null);
        assert!(v1["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"]["."].is_object());
        assert!(v1["f:metadata"]["f:name"].is_null(), "identity fields are not tracked");
        assert_eq!(from_fields_v1(&v1), set);
    }

    #[test]
    fn apply_conflicts_with_other_owner_unless_forced_and_shares_equal_values() {
        let first = json!({"spec": {"replicas": 1, "paused": false}});
        let obj = apply(None, &first, &writer("a"), false).unwrap();
        let second = json!({"spec": {"replicas": 2, "paused": false}});
        let conflicts = apply(Some(&obj), &second, &writer("b"), false).unwrap_err();
        assert_eq!(conflicts, vec![Conflict { manager: "\"a\"".into(), field: ".spec.replicas".into() }]);
        assert_eq!(conflict_message(&conflicts), "Apply failed with 1 conflict: conflict with \"a\": .spec.replicas");
        let forced = apply(Some(&obj), &second, &writer("b"), true).unwrap();
        assert_eq!(forced["spec"]["replicas"], 2);
        let owners = managers(&forced);
        let a = owners.iter().find(|m| m.manager == "a").unwrap();
        assert!(!a.fields.contains(&vec!["f:spec".to_string(), "f:replicas".to_string()]));
        assert!(a.fields.contains(&vec!["f:spec".to_string(), "f:paused".to_string()]), "equal values are shared");
    }

    #[test]
    fn apply_removes_fields_the_manager_stopped_applying() {
        let obj = apply(None, &json!({"metadata": {"labels": {"a": "1", "b": "2"}}}), &writer("a"), false).unwrap();
        let obj = apply(Some(&obj), &json!({"metadata": {"labels": {"a": "1"}}}), &writer("a"), false).unwrap();
        assert_eq!(obj["metadata"]["labels"], json!({"a": "1"}));
    }

    #[test]
    fn update_takes_changed_fields_from_appliers() {
        let obj = apply(None, &json!({"spec": {"replicas": 1}}), &writer("a"), false).unwrap();
        let mut new = obj.clone();
        new["spec"]["replicas"] = json!(3);
        record_update(Some(&obj), &mut new, &writer("kubectl"));
        let owners = managers(&new);
        assert_eq!(owners.len(), 1, "{owners:?}");
        assert_eq!(owners[0].manager, "kubectl");
        let conflicts = apply(Some(&new), &json!({"spec": {"replicas": 1}}), &writer("a"), false).unwrap_err();
        assert_eq!(conflicts[0].manager, "\"kubectl\" using apps/v1");
    }
}
