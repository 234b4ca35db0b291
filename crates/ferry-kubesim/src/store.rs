//! The in-memory object store: one map per resource, a global resourceVersion
//! counter, a bounded event history for watches, and the write pipeline every
//! change goes through (validation, defaults, bookkeeping, ownership, events).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use crate::error::ApiError;
use crate::fields::{self, Part, Writer};
use crate::resources::{Registry, ResourceType};

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Created.
    Added,
    /// Changed.
    Modified,
    /// Removed.
    Deleted,
}

impl EventKind {
    /// The watch event type.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "ADDED",
            Self::Modified => "MODIFIED",
            Self::Deleted => "DELETED",
        }
    }
}

/// One change, as watches and controllers see it.
#[derive(Debug, Clone)]
pub struct Event {
    /// resourceVersion of the change.
    pub rv: u64,
    /// API group of the object.
    pub group: String,
    /// Resource (plural) of the object.
    pub plural: String,
    /// What happened.
    pub kind: EventKind,
    /// The object after the change (its last state for deletions).
    pub object: Value,
    /// The object before the change.
    pub previous: Option<Value>,
}

impl Event {
    /// Namespace of the object ("" when cluster-scoped).
    pub fn namespace(&self) -> &str {
        self.object["metadata"]["namespace"].as_str().unwrap_or_default()
    }

    /// Name of the object.
    pub fn name(&self) -> &str {
        self.object["metadata"]["name"].as_str().unwrap_or_default()
    }
}

type ObjectKey = (String, String);

/// Options of one write.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// Field manager recorded in managedFields.
    pub manager: String,
    /// Validate and compute, but store nothing (`dryRun=All`).
    pub dry_run: bool,
    /// Internal writes (controllers, seeding) may set status on create.
    pub internal: bool,
}

impl WriteOptions {
    /// A write by a simulated controller or the test API.
    pub fn internal(manager: &str) -> Self {
        Self { manager: manager.to_string(), dry_run: false, internal: true }
    }
}

/// Options of one delete.
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    /// `Background` (default), `Foreground` or `Orphan`.
    pub propagation: Option<String>,
    /// Precondition on the uid.
    pub uid: Option<String>,
    /// Precondition on the resourceVersion.
    pub resource_version: Option<String>,
    /// Store nothing.
    pub dry_run: bool,
}

/// The store and everything that must change atomically with it.
pub struct State {
    /// Served resource types (CRDs change it).
    pub registry: Registry,
    rv: u64,
    objects: HashMap<(String, String), BTreeMap<ObjectKey, Value>>,
    history: VecDeque<Arc<Event>>,
    history_limit: usize,
    /// Watches from a resourceVersion below this one are too old.
    oldest_rv: u64,
    events: broadcast::Sender<Arc<Event>>,
    name_counter: u64,
    /// Owner uid → the objects whose ownerReferences name it (GC and controllers look
    /// dependents up often; scanning every object each time was quadratic).
    by_owner: HashMap<String, BTreeSet<StoredKey>>,
}

/// Where an object is stored: (group, resource) and (namespace, name).
type StoredKey = ((String, String), ObjectKey);

fn owner_uids(object: &Value) -> impl Iterator<Item = &str> {
    object["metadata"]["ownerReferences"].as_array().into_iter().flatten().filter_map(|r| r["uid"].as_str())
}

/// RFC 3339 UTC time with second precision, as Kubernetes timestamps are written.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

fn valid_dns_subdomain(name: &str) -> bool {
    name.len() <= 253
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && name.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
}

fn valid_path_segment(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains('/') && !name.contains('%')
}

/// Everything outside metadata and status: what `generation` counts changes of.
fn desired_part(object: &Value) -> Value {
    let mut copy = object.clone();
    if let Some(map) = copy.as_object_mut() {
        for k in ["metadata", "status", "apiVersion", "kind"] {
            map.remove(k);
        }
    }
    copy
}

impl State {
    /// An empty store with the built-in namespaces.
    pub fn new(registry: Registry, history_limit: usize, events: broadcast::Sender<Arc<Event>>) -> Self {
        Self {
            registry,
            rv: 0,
            objects: HashMap::new(),
            history: VecDeque::new(),
            history_limit: history_limit.max(1),
            oldest_rv: 0,
            events,
            name_counter: 0,
            by_owner: HashMap::new(),
        }
    }

    /// The current (newest) resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    /// The oldest resourceVersion a watch may start from.
    pub fn oldest_watchable(&self) -> u64 {
        self.oldest_rv
    }

    /// Forgets the event history: every earlier resourceVersion becomes too old.
    pub fn compact(&mut self) {
        self.history.clear();
        self.oldest_rv = self.rv;
    }

    /// A new receiver of every committed event.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.events.subscribe()
    }

    /// Retained events after `rv` (the caller checked `rv` is not too old).
    pub fn events_since(&self, rv: u64) -> Vec<Arc<Event>> {
        self.history.iter().filter(|e| e.rv > rv).cloned().collect()
    }

    /// An object as stored (apiVersion as written).
    pub fn raw(&self, rt: &ResourceType, namespace: &str, name: &str) -> Option<&Value> {
        self.objects.get(&rt.storage_key())?.get(&(namespace.to_string(), name.to_string()))
    }

    /// An object as served at `rt`'s version.
    pub fn get(&self, rt: &ResourceType, namespace: &str, name: &str) -> Result<Value, ApiError> {
        self.raw(rt, namespace, name).map(|o| present(rt, o)).ok_or_else(|| ApiError::not_found(rt, name))
    }

    /// Objects of a resource, in one namespace or all, in key order.
    pub fn list(&self, rt: &ResourceType, namespace: Option<&str>) -> Vec<Value> {
        self.select(rt, namespace, |_| true)
    }

    /// The objects of a resource that `keep` selects (only those are copied).
    pub fn select(&self, rt: &ResourceType, namespace: Option<&str>, keep: impl Fn(&Value) -> bool) -> Vec<Value> {
        let Some(map) = self.objects.get(&rt.storage_key()) else { return vec![] };
        map.iter()
            .filter(|((ns, _), o)| namespace.is_none_or(|n| n == ns) && keep(o))
            .map(|(_, o)| present(rt, o))
            .collect()
    }

    /// Stored objects of any type that `keep` selects, with their types (GC, namespace cleanup).
    pub fn select_all(&self, keep: impl Fn(&ResourceType, &Value) -> bool) -> Vec<(ResourceType, Value)> {
        let mut out = Vec::new();
        for ((group, plural), map) in &self.objects {
            if let Some(rt) = self.registry.by_storage_key(group, plural) {
                out.extend(map.values().filter(|o| keep(rt, o)).map(|o| (rt.clone(), o.clone())));
            }
        }
        out
    }

    fn random_suffix(&mut self) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        let seed = uuid::Uuid::new_v4().as_u128() ^ u128::from(self.name_counter);
        self.name_counter += 1;
        (0..5).map(|i| ALPHABET[((seed >> (i * 8)) % ALPHABET.len() as u128) as usize] as char).collect()
    }

    fn check_namespace(&self, rt: &ResourceType, namespace: &str, name: &str) -> Result<(), ApiError> {
        if !rt.namespaced {
            return Ok(());
        }
        let ns_type = self.registry.find("", "v1", "namespaces").expect("namespaces are built in").clone();
        match self.raw(&ns_type, "", namespace) {
            None => Err(ApiError::not_found(&ns_type, namespace)),
            Some(ns) if !ns["metadata"]["deletionTimestamp"].is_null() => {
                Err(ApiError::namespace_terminating(rt, name, namespace))
            }
            Some(_) => Ok(()),
        }
    }

    fn validate(&self, rt: &ResourceType, namespace: &str, object: &Value) -> Result<String, ApiError> {
        if !object.is_object() {
            return Err(ApiError::bad_request(format!("the body of a {} must be a JSON or YAML object", rt.kind)));
        }
        if let Some(kind) = object["kind"].as_str()
            && kind != rt.kind
        {
            return Err(ApiError::bad_request(format!(
                "the kind of the provided object ({kind}) does not match the resource {} ({})",
                rt.qualified(),
                rt.kind
            )));
        }
        let name = object["metadata"]["name"].as_str().unwrap_or_default().to_string();
        if name.is_empty() {
            return Err(ApiError::invalid(
                rt,
                "",
                "metadata.name",
                "FieldValueRequired",
                "Required value: name or generateName is required",
            ));
        }
        let lenient = rt.group == "rbac.authorization.k8s.io";
        if !(valid_path_segment(&name) && (lenient || valid_dns_subdomain(&name))) {
            return Err(ApiError::invalid(
                rt,
                &name,
                "metadata.name",
                "FieldValueInvalid",
                &format!(
                    "Invalid value: {name:?}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
                ),
            ));
        }
        if rt.namespaced
            && let Some(ns) = object["metadata"]["namespace"].as_str()
            && !ns.is_empty()
            && ns != namespace
        {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        for key in ["labels", "annotations"] {
            if let Some(map) = object["metadata"][key].as_object()
                && let Some((k, _)) = map.iter().find(|(_, v)| !v.is_string())
            {
                return Err(ApiError::bad_request(format!(
                    "unable to decode the object: metadata.{key}.{k}: expected a string value"
                )));
            }
        }
        Ok(name)
    }

    /// Creates an object (`POST`). `generateName` is honoured.
    pub fn create(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        mut object: Value,
        opts: &WriteOptions,
    ) -> Result<Value, ApiError> {
        let namespace = if rt.namespaced { namespace } else { "" };
        if object["metadata"]["name"].as_str().unwrap_or_default().is_empty()
            && let Some(prefix) = object["metadata"]["generateName"].as_str().map(String::from)
        {
            let suffix = self.random_suffix();
            object["metadata"]["name"] = json!(format!("{prefix}{suffix}"));
        }
        let name = self.validate(rt, namespace, &object)?;
        self.check_namespace(rt, namespace, &name)?;
        if self.raw(rt, namespace, &name).is_some() {
            return Err(ApiError::already_exists(rt, &name));
        }
        if rt.status_subresource && !opts.internal && rt.kind != "Node" {
            object.as_object_mut().expect("validated as object").remove("status");
        }
        let part = Part::Whole;
        let writer = Writer { manager: &opts.manager, api_version: &rt.api_version(), now: &now_rfc3339(), part };
        if object["metadata"]["managedFields"].is_null() {
            fields::record_update(None, &mut object, &writer);
        }
        self.commit(rt, namespace, None, object, opts)
    }

    /// Replaces an object (`PUT`), or only its status through the status subresource.
    /// A missing object is `404 NotFound`; a stale `resourceVersion` is `409 Conflict`.
    pub fn update(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        mut object: Value,
        status_only: bool,
        opts: &WriteOptions,
    ) -> Result<Value, ApiError> {
        let namespace = if rt.namespaced { namespace } else { "" };
        if object["metadata"]["name"].is_null() {
            object["metadata"]["name"] = json!(name);
        }
        let body_name = self.validate(rt, namespace, &object)?;
        if body_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        let Some(old) = self.raw(rt, namespace, name).cloned() else {
            return Err(ApiError::not_found(rt, name));
        };
        if let Some(rv) = object["metadata"]["resourceVersion"].as_str()
            && !rv.is_empty()
            && Some(rv) != old["metadata"]["resourceVersion"].as_str()
        {
            return Err(ApiError::modified(rt, name));
        }
        let part = if status_only {
            Part::StatusOnly
        } else if rt.status_subresource && !opts.internal {
            Part::NoStatus
        } else {
            Part::Whole
        };
        self.write(rt, namespace, old, object, part, opts, true)
    }

    /// Writes a changed object computed from `old`: keeps what the part may not touch,
    /// records ownership (unless `track` is false: apply did), bumps generation.
    #[allow(clippy::too_many_arguments)]
    pub fn write(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        old: Value,
        mut object: Value,
        part: Part,
        opts: &WriteOptions,
        track: bool,
    ) -> Result<Value, ApiError> {
        match part {
            Part::StatusOnly => {
                let status = object.get("status").cloned();
                let managed = object["metadata"]["managedFields"].clone();
                object = old.clone();
                match status {
                    Some(s) => object["status"] = s,
                    None => {
                        object.as_object_mut().expect("stored objects are objects").remove("status");
                    }
                }
                object["metadata"]["managedFields"] = managed;
            }
            Part::NoStatus => match old.get("status") {
                Some(s) => object["status"] = s.clone(),
                None => {
                    object.as_object_mut().expect("validated as object").remove("status");
                }
            },
            Part::Whole => {}
        }
        // Identity and bookkeeping come from the stored object, never from the client.
        for key in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"] {
            match old["metadata"].get(key) {
                Some(v) => object["metadata"][key] = v.clone(),
                None => {
                    if let Some(meta) = object["metadata"].as_object_mut() {
                        meta.remove(key);
                    }
                }
            }
        }
        object["metadata"]["name"] = old["metadata"]["name"].clone();
        if rt.namespaced {
            object["metadata"]["namespace"] = json!(namespace);
        }
        // Omitting managedFields keeps them; sending other ones replaces them (kubectl's
        // client-side to server-side apply migration does that with a JSON patch).
        if object["metadata"]["managedFields"].is_null() && !old["metadata"]["managedFields"].is_null() {
            object["metadata"]["managedFields"] = old["metadata"]["managedFields"].clone();
        }
        let managed_changed = object["metadata"]["managedFields"] != old["metadata"]["managedFields"];
        if track && !managed_changed {
            let writer = Writer { manager: &opts.manager, api_version: &rt.api_version(), now: &now_rfc3339(), part };
            fields::record_update(Some(&old), &mut object, &writer);
        }
        if (rt.status_subresource || rt.custom) && desired_part(&object) != desired_part(&old) {
            let generation = old["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
            object["metadata"]["generation"] = json!(generation);
        }
        let finalizers_empty = object["metadata"]["finalizers"].as_array().is_none_or(Vec::is_empty);
        if !old["metadata"]["deletionTimestamp"].is_null() && finalizers_empty && rt.kind != "Namespace" {
            return self.remove(rt, namespace, old["metadata"]["name"].as_str().unwrap_or_default(), opts.dry_run);
        }
        let mut unchanged = object.clone();
        unchanged["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"].clone();
        if unchanged == old {
            // A no-op write does not bump the resourceVersion or notify watchers.
            return Ok(present(rt, &old));
        }
        self.commit(rt, namespace, Some(old), object, opts)
    }

    /// Admission defaults and the final bookkeeping, then stores and announces.
    fn commit(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        old: Option<Value>,
        mut object: Value,
        opts: &WriteOptions,
    ) -> Result<Value, ApiError> {
        let name = object["metadata"]["name"].as_str().unwrap_or_default().to_string();
        if old.is_none() {
            object["metadata"]["uid"] = json!(uuid::Uuid::new_v4().to_string());
            object["metadata"]["creationTimestamp"] = json!(now_rfc3339());
            if rt.status_subresource || rt.custom {
                object["metadata"]["generation"] = json!(1);
            }
            for key in ["deletionTimestamp", "deletionGracePeriodSeconds"] {
                if let Some(meta) = object["metadata"].as_object_mut() {
                    meta.remove(key);
                }
            }
        }
        if rt.namespaced {
            object["metadata"]["namespace"] = json!(namespace);
        } else if let Some(meta) = object["metadata"].as_object_mut() {
            meta.remove("namespace");
        }
        crate::admission::default(rt, &mut object, old.as_ref(), self.rv);
        if rt.group == "apiextensions.k8s.io" && rt.kind == "CustomResourceDefinition" {
            crate::admission::validate_crd(rt, &object)?;
        }
        object["apiVersion"] = json!(rt.api_version());
        object["kind"] = json!(rt.kind);
        if opts.dry_run {
            object["metadata"]["resourceVersion"] = json!(self.rv.to_string());
            return Ok(object);
        }
        self.rv += 1;
        object["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        let kind = if old.is_some() { EventKind::Modified } else { EventKind::Added };
        let key = (rt.storage_key(), (namespace.to_string(), name));
        if let Some(previous) = &old {
            self.unindex(previous, &key);
        }
        for uid in owner_uids(&object) {
            self.by_owner.entry(uid.to_string()).or_default().insert(key.clone());
        }
        self.objects.entry(key.0).or_default().insert(key.1, object.clone());
        if rt.kind == "CustomResourceDefinition" && rt.group == "apiextensions.k8s.io" {
            let crd_name = object["metadata"]["name"].as_str().unwrap_or_default().to_string();
            self.registry.set_crd(&crd_name, Some(&object));
        }
        self.announce(rt, kind, object.clone(), old);
        Ok(object)
    }

    fn announce(&mut self, rt: &ResourceType, kind: EventKind, object: Value, previous: Option<Value>) {
        let event =
            Arc::new(Event { rv: self.rv, group: rt.group.clone(), plural: rt.plural.clone(), kind, object, previous });
        self.history.push_back(event.clone());
        while self.history.len() > self.history_limit {
            if let Some(dropped) = self.history.pop_front() {
                self.oldest_rv = dropped.rv;
            }
        }
        // No receiver is fine: nobody watches yet.
        let _ = self.events.send(event);
    }

    /// Removes an object now (no finalizers left), announcing `DELETED`.
    pub fn remove(&mut self, rt: &ResourceType, namespace: &str, name: &str, dry_run: bool) -> Result<Value, ApiError> {
        let key = (namespace.to_string(), name.to_string());
        let Some(existing) = self.objects.get(&rt.storage_key()).and_then(|m| m.get(&key)).cloned() else {
            return Err(ApiError::not_found(rt, name));
        };
        if dry_run {
            return Ok(present(rt, &existing));
        }
        self.objects.get_mut(&rt.storage_key()).map(|m| m.remove(&key));
        self.unindex(&existing, &(rt.storage_key(), key.clone()));
        self.rv += 1;
        let mut last = existing.clone();
        last["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        if rt.kind == "CustomResourceDefinition" && rt.group == "apiextensions.k8s.io" {
            for old in self.registry.set_crd(name, None) {
                self.objects.remove(&old.storage_key());
            }
        }
        self.announce(rt, EventKind::Deleted, last.clone(), Some(existing));
        Ok(present(rt, &last))
    }

    /// `DELETE` of one object: preconditions, finalizers, propagation policy.
    pub fn delete(
        &mut self,
        rt: &ResourceType,
        namespace: &str,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<Value, ApiError> {
        let namespace = if rt.namespaced { namespace } else { "" };
        let Some(old) = self.raw(rt, namespace, name).cloned() else {
            return Err(ApiError::not_found(rt, name));
        };
        if let Some(uid) = &opts.uid
            && old["metadata"]["uid"].as_str() != Some(uid.as_str())
        {
            return Err(ApiError::conflict(
                rt,
                name,
                &format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                    old["metadata"]["uid"].as_str().unwrap_or_default()
                ),
            ));
        }
        if let Some(rv) = &opts.resource_version
            && old["metadata"]["resourceVersion"].as_str() != Some(rv.as_str())
        {
            return Err(ApiError::conflict(
                rt,
                name,
                &format!(
                    "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                    old["metadata"]["resourceVersion"].as_str().unwrap_or_default()
                ),
            ));
        }
        let write_opts = WriteOptions { manager: "kubesim-deleter".into(), dry_run: opts.dry_run, internal: true };
        if !old["metadata"]["deletionTimestamp"].is_null() {
            return Ok(present(rt, &old));
        }
        let mut marked = old.clone();
        marked["metadata"]["deletionTimestamp"] = json!(now_rfc3339());
        marked["metadata"]["deletionGracePeriodSeconds"] = json!(0);
        if rt.kind == "Namespace" && rt.group.is_empty() {
            marked["status"]["phase"] = json!("Terminating");
            return self.commit(rt, namespace, Some(old), marked, &write_opts);
        }
        let policy = opts.propagation.as_deref().unwrap_or("Background");
        if policy == "Orphan" && !opts.dry_run {
            self.orphan_dependents(&old);
        }
        if policy == "Foreground" {
            let finalizers = marked["metadata"]["finalizers"].as_array_mut();
            match finalizers {
                Some(list) => {
                    if !list.iter().any(|f| f == "foregroundDeletion") {
                        list.push(json!("foregroundDeletion"));
                    }
                }
                None => marked["metadata"]["finalizers"] = json!(["foregroundDeletion"]),
            }
        }
        if marked["metadata"]["finalizers"].as_array().is_some_and(|f| !f.is_empty()) {
            return self.commit(rt, namespace, Some(old), marked, &write_opts);
        }
        self.remove(rt, namespace, name, opts.dry_run)
    }

    fn orphan_dependents(&mut self, owner: &Value) {
        let Some(uid) = owner["metadata"]["uid"].as_str().map(String::from) else { return };
        for (rt, dependent) in self.dependents(&uid) {
            let mut changed = dependent.clone();
            if let Some(refs) = changed["metadata"]["ownerReferences"].as_array_mut() {
                refs.retain(|r| r["uid"].as_str() != Some(uid.as_str()));
            }
            let ns = dependent["metadata"]["namespace"].as_str().unwrap_or_default().to_string();
            let opts = WriteOptions::internal("kube-controller-manager");
            let _ = self.write(&rt, &ns, dependent, changed, Part::Whole, &opts, true);
        }
    }

    fn unindex(&mut self, object: &Value, key: &StoredKey) {
        for uid in owner_uids(object) {
            if let Some(set) = self.by_owner.get_mut(uid) {
                set.remove(key);
                if set.is_empty() {
                    self.by_owner.remove(uid);
                }
            }
        }
    }

    /// Objects that name `uid` among their ownerReferences.
    pub fn dependents(&self, uid: &str) -> Vec<(ResourceType, Value)> {
        let Some(keys) = self.by_owner.get(uid) else { return vec![] };
        keys.iter()
            .filter_map(|((group, plural), object_key)| {
                let rt = self.registry.by_storage_key(group, plural)?;
                let object = self.objects.get(&(group.clone(), plural.clone()))?.get(object_key)?;
                Some((rt.clone(), object.clone()))
            })
            .collect()
    }
}

/// An object as served at `rt`'s version (stored objects keep the version they were written at).
pub fn present(rt: &ResourceType, object: &Value) -> Value {
    let mut out = object.clone();
    if let Some(map) = out.as_object_mut() {
        map.insert("apiVersion".into(), json!(rt.api_version()));
        map.insert("kind".into(), json!(rt.kind));
    }
    out
}

/// A `…List` object of `items` at `resource_version`, with the pagination fields.
pub fn list_object(
    rt: &ResourceType,
    items: Vec<Value>,
    resource_version: u64,
    continue_token: Option<String>,
    remaining: Option<usize>,
) -> Value {
    let mut metadata = Map::new();
    metadata.insert("resourceVersion".into(), json!(resource_version.to_string()));
    if let Some(token) = continue_token {
        metadata.insert("continue".into(), json!(token));
    }
    if let Some(remaining) = remaining {
        metadata.insert("remainingItemCount".into(), json!(remaining));
    }
    json!({"kind": format!("{}List", rt.kind), "apiVersion": rt.api_version(), "metadata": metadata, "items": items})
}
