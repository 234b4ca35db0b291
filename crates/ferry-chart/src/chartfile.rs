//! Decoding `Chart.yaml`, `requirements.yaml` and `Chart.lock` into the
//! chart model exactly as `sigs.k8s.io/yaml.Unmarshal` decodes them into
//! Helm's Go structs: YAML numbers and booleans become strings where the
//! field is a string (`appVersion: 1.10` is `"1.1"`, formatted as a
//! float32), keys match JSON tags case-insensitively, and type mismatches
//! fail with `encoding/json`'s messages.

use ferry_gotmpl::Value;
use ferry_goyaml::Value as Y;

use crate::chart::{Dependency, Lock, Maintainer, Metadata};

/// A decoding error, worded as `sigs.k8s.io/yaml` words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

struct Ctx {
    /// The innermost Go struct type name (`Metadata`, `Dependency`).
    strukt: &'static str,
    /// JSON field path from the root.
    path: Vec<String>,
    /// First type error (encoding/json keeps decoding and reports the first).
    first_error: Option<String>,
}

impl Ctx {
    fn type_error(&mut self, json_kind: &str, go_type: &str) {
        if self.first_error.is_none() {
            self.first_error = Some(format!(
                "json: cannot unmarshal {json_kind} into Go struct field {}.{} of type {go_type}",
                self.strukt,
                self.path.join(".")
            ));
        }
    }
}

fn json_kind(v: &Y) -> &'static str {
    match v {
        Y::Null => "null",
        Y::Bool(_) => "bool",
        Y::Int(_) | Y::Uint(_) | Y::Float(_) => "number",
        Y::Str(_) => "string",
        Y::Seq(_) => "array",
        Y::Map(_) => "object",
    }
}

/// What a scalar becomes when the Go field is a string (`sigs.k8s.io/yaml`
/// converts numbers and booleans using the target type).
fn to_string_target(v: &Y, ctx: &mut Ctx) -> Option<String> {
    match v {
        Y::Null => None,
        Y::Str(s) => Some(s.clone()),
        Y::Int(i) => Some(i.to_string()),
        Y::Uint(u) => Some(u.to_string()),
        Y::Float(f) => Some(ferry_gostd::strconv::format_float(*f, b'g', -1, 32)),
        Y::Bool(b) => Some(b.to_string()),
        other => {
            ctx.type_error(json_kind(other), "string");
            None
        }
    }
}

fn to_bool(v: &Y, ctx: &mut Ctx) -> Option<bool> {
    match v {
        Y::Null => None,
        Y::Bool(b) => Some(*b),
        other => {
            ctx.type_error(json_kind(other), "bool");
            None
        }
    }
}

fn to_string_list(v: &Y, ctx: &mut Ctx) -> Option<Vec<String>> {
    match v {
        Y::Null => Some(Vec::new()),
        Y::Seq(items) => Some(items.iter().map(|i| to_string_target(i, ctx).unwrap_or_default()).collect()),
        other => {
            ctx.type_error(json_kind(other), "[]string");
            None
        }
    }
}

/// A map key as `sigs.k8s.io/yaml` turns it into a JSON object key.
fn key_string(k: &Y) -> Result<String, DecodeError> {
    Ok(match k {
        Y::Str(s) => s.clone(),
        Y::Int(i) => i.to_string(),
        Y::Uint(u) => u.to_string(),
        Y::Float(f) => ferry_gostd::strconv::format_float(*f, b'g', -1, 32),
        Y::Bool(b) => b.to_string(),
        other => {
            return Err(DecodeError(format!(
                "error converting YAML to JSON: Unsupported map key of type: {}, key: {}",
                json_kind(other),
                other.go_syntax()
            )));
        }
    })
}

/// The object's entries keyed as JSON keys, sorted (sigs marshals a Go map
/// to JSON text, so keys arrive in sorted order; later duplicates win).
fn object_entries(entries: &[(Y, Y)]) -> Result<Vec<(String, &Y)>, DecodeError> {
    let mut out: Vec<(String, &Y)> = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let key = key_string(k)?;
        if let Some(slot) = out.iter_mut().find(|(ek, _)| *ek == key) {
            slot.1 = v;
        } else {
            out.push((key, v));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// encoding/json's field lookup: an exact name match, else a
/// case-insensitive one.
fn find_field<'f>(fields: &[&'f str], key: &str) -> Option<&'f str> {
    fields.iter().find(|f| **f == key).or_else(|| fields.iter().find(|f| f.eq_ignore_ascii_case(key))).copied()
}

const METADATA_FIELDS: &[&str] = &[
    "name",
    "home",
    "sources",
    "version",
    "description",
    "keywords",
    "maintainers",
    "icon",
    "apiVersion",
    "condition",
    "tags",
    "appVersion",
    "deprecated",
    "annotations",
    "kubeVersion",
    "dependencies",
    "type",
];

const DEPENDENCY_FIELDS: &[&str] =
    &["name", "version", "repository", "condition", "tags", "enabled", "import-values", "alias"];

const MAINTAINER_FIELDS: &[&str] = &["name", "email", "url"];

fn with_field<T>(ctx: &mut Ctx, strukt: &'static str, field: &str, f: impl FnOnce(&mut Ctx) -> T) -> T {
    let saved = ctx.strukt;
    ctx.strukt = strukt;
    ctx.path.push(field.to_string());
    let out = f(ctx);
    ctx.path.pop();
    ctx.strukt = saved;
    out
}

fn decode_maintainer(v: &Y, ctx: &mut Ctx) -> Result<Option<Maintainer>, DecodeError> {
    let entries = match v {
        Y::Null => return Ok(None),
        Y::Map(e) => e,
        other => {
            ctx.type_error(json_kind(other), "v2.Maintainer");
            return Ok(Some(Maintainer::default()));
        }
    };
    let mut m = Maintainer::default();
    for (key, val) in object_entries(entries)? {
        let Some(field) = find_field(MAINTAINER_FIELDS, &key) else { continue };
        let s = with_field(ctx, "Maintainer", field, |ctx| to_string_target(val, ctx));
        if let Some(s) = s {
            match field {
                "name" => m.name = s,
                "email" => m.email = s,
                _ => m.url = s,
            }
        }
    }
    Ok(Some(m))
}

fn decode_dependency(v: &Y, ctx: &mut Ctx) -> Result<Option<Dependency>, DecodeError> {
    let entries = match v {
        Y::Null => return Ok(None),
        Y::Map(e) => e,
        other => {
            ctx.type_error(json_kind(other), "v2.Dependency");
            return Ok(Some(Dependency::default()));
        }
    };
    let mut d = Dependency::default();
    for (key, val) in object_entries(entries)? {
        let Some(field) = find_field(DEPENDENCY_FIELDS, &key) else { continue };
        with_field(ctx, "Dependency", field, |ctx| match field {
            "tags" => {
                if let Some(t) = to_string_list(val, ctx) {
                    d.tags = t;
                }
            }
            "enabled" => {
                if let Some(b) = to_bool(val, ctx) {
                    d.enabled = b;
                }
            }
            "import-values" => match val {
                Y::Null => d.import_values = Vec::new(),
                Y::Seq(items) => d.import_values = items.iter().map(json_value).collect(),
                other => ctx.type_error(json_kind(other), "[]interface {}"),
            },
            _ => {
                if let Some(s) = to_string_target(val, ctx) {
                    match field {
                        "name" => d.name = s,
                        "version" => d.version = s,
                        "repository" => d.repository = s,
                        "condition" => d.condition = s,
                        _ => d.alias = s,
                    }
                }
            }
        });
    }
    Ok(Some(d))
}

/// A YAML value as JSON would carry it into an `interface{}`: numbers become
/// float64, keys strings.
fn json_value(v: &Y) -> Value {
    match v {
        Y::Int(i) => Value::float64(*i as f64),
        Y::Uint(u) => Value::float64(*u as f64),
        Y::Seq(items) => Value::list(items.iter().map(json_value).collect()),
        Y::Map(entries) => Value::map(
            entries
                .iter()
                .map(|(k, v)| {
                    (
                        key_string(k).unwrap_or_else(|_| ferry_gotmpl::gofmt::sprint(&[crate::govalue::from_yaml(k)])),
                        json_value(v),
                    )
                })
                .collect(),
        ),
        other => crate::govalue::from_yaml(other),
    }
}

fn decode_dependency_list(val: &Y, ctx: &mut Ctx) -> Result<Option<Vec<Option<Dependency>>>, DecodeError> {
    match val {
        Y::Null => Ok(None),
        Y::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(decode_dependency(i, ctx)?);
            }
            Ok(Some(out))
        }
        other => {
            ctx.type_error(json_kind(other), "[]*v2.Dependency");
            Ok(None)
        }
    }
}

fn parse_yaml(data: &[u8]) -> Result<Y, DecodeError> {
    ferry_goyaml::decode(data).map_err(|e| DecodeError(format!("error converting YAML to JSON: {e}")))
}

fn top_object<'a>(v: &'a Y, go_type: &str) -> Result<Option<&'a [(Y, Y)]>, DecodeError> {
    match v {
        Y::Null => Ok(None),
        Y::Map(entries) => Ok(Some(entries)),
        other => Err(DecodeError(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type {go_type}",
            json_kind(other)
        ))),
    }
}

fn finish(ctx: Ctx) -> Result<(), DecodeError> {
    match ctx.first_error {
        Some(e) => Err(DecodeError(format!("error unmarshaling JSON: while decoding JSON: {e}"))),
        None => Ok(()),
    }
}

/// Decodes `Chart.yaml` (or `requirements.yaml`) into `md`, as
/// `yaml.Unmarshal(data, md)` does: fields absent from the file keep
/// their current values.
pub fn decode_metadata(data: &[u8], md: &mut Metadata) -> Result<(), DecodeError> {
    let doc = parse_yaml(data)?;
    let Some(entries) = top_object(&doc, "v2.Metadata")? else { return Ok(()) };
    let mut ctx = Ctx { strukt: "Metadata", path: Vec::new(), first_error: None };
    for (key, val) in object_entries(entries)? {
        let Some(field) = find_field(METADATA_FIELDS, &key) else { continue };
        ctx.path.push(field.to_string());
        match field {
            "sources" => {
                if let Some(l) = to_string_list(val, &mut ctx) {
                    md.sources = l;
                }
            }
            "keywords" => {
                if let Some(l) = to_string_list(val, &mut ctx) {
                    md.keywords = l;
                }
            }
            "deprecated" => {
                if let Some(b) = to_bool(val, &mut ctx) {
                    md.deprecated = b;
                }
            }
            "maintainers" => match val {
                Y::Null => md.maintainers = Vec::new(),
                Y::Seq(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for i in items {
                        out.push(decode_maintainer(i, &mut ctx)?);
                    }
                    md.maintainers = out;
                }
                other => ctx.type_error(json_kind(other), "[]*v2.Maintainer"),
            },
            "annotations" => match val {
                Y::Null => md.annotations = None,
                Y::Map(entries) => {
                    let mut out: Vec<(String, String)> = md.annotations.take().unwrap_or_default();
                    for (k, v) in object_entries(entries)? {
                        ctx.path.push(k.clone());
                        let s = to_string_target(v, &mut ctx);
                        ctx.path.pop();
                        let s = s.unwrap_or_default();
                        if let Some(slot) = out.iter_mut().find(|(ek, _)| *ek == k) {
                            slot.1 = s;
                        } else {
                            out.push((k, s));
                        }
                    }
                    out.sort();
                    md.annotations = Some(out);
                }
                other => ctx.type_error(json_kind(other), "map[string]string"),
            },
            "dependencies" => {
                md.dependencies = decode_dependency_list(val, &mut ctx)?;
            }
            _ => {
                if let Some(s) = to_string_target(val, &mut ctx) {
                    match field {
                        "name" => md.name = s,
                        "home" => md.home = s,
                        "version" => md.version = s,
                        "description" => md.description = s,
                        "icon" => md.icon = s,
                        "apiVersion" => md.api_version = s,
                        "condition" => md.condition = s,
                        "tags" => md.tags = s,
                        "appVersion" => md.app_version = s,
                        "kubeVersion" => md.kube_version = s,
                        _ => md.chart_type = s,
                    }
                }
            }
        }
        ctx.path.pop();
    }
    finish(ctx)
}

/// Decodes `Chart.lock` / `requirements.lock`.
pub fn decode_lock(data: &[u8]) -> Result<Lock, DecodeError> {
    let doc = parse_yaml(data)?;
    let mut lock = Lock::default();
    let Some(entries) = top_object(&doc, "v2.Lock")? else { return Ok(lock) };
    let mut ctx = Ctx { strukt: "Lock", path: Vec::new(), first_error: None };
    for (key, val) in object_entries(entries)? {
        let Some(field) = find_field(&["generated", "digest", "dependencies"], &key) else { continue };
        ctx.path.push(field.to_string());
        match field {
            "dependencies" => {
                lock.dependencies =
                    decode_dependency_list(val, &mut ctx)?.unwrap_or_default().into_iter().flatten().collect();
            }
            "digest" => {
                if let Some(s) = to_string_target(val, &mut ctx) {
                    lock.digest = s;
                }
            }
            _ => match val {
                Y::Str(s) => lock.generated = s.clone(),
                Y::Null => {}
                other => ctx.type_error(json_kind(other), "time.Time"),
            },
        }
        ctx.path.pop();
    }
    finish(ctx)?;
    Ok(lock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_become_strings_like_sigs_yaml() {
        let mut md = Metadata::default();
        decode_metadata(
            b"name: x\nversion: 1.0\nappVersion: 1.10\nkubeVersion: 1234567890\nannotations:\n  a: 1\n  b: true\n",
            &mut md,
        )
        .unwrap();
        assert_eq!(md.version, "1");
        assert_eq!(md.app_version, "1.1");
        assert_eq!(md.kube_version, "1234567890");
        assert_eq!(md.annotations, Some(vec![("a".into(), "1".into()), ("b".into(), "true".into())]));
    }

    #[test]
    fn keys_match_case_insensitively_and_types_are_checked() {
        let mut md = Metadata::default();
        decode_metadata(b"Name: x\nAPIVERSION: v2\n", &mut md).unwrap();
        assert_eq!((md.name.as_str(), md.api_version.as_str()), ("x", "v2"));
        let err = decode_metadata(b"name: [a]\n", &mut md).unwrap_err();
        assert_eq!(
            err.to_string(),
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field Metadata.name of type string"
        );
        let err = decode_metadata(b"dependencies:\n- name: a\n  enabled: yes please\n", &mut md).unwrap_err();
        assert!(err.to_string().ends_with("Go struct field Dependency.dependencies.enabled of type bool"), "{err}");
        let err = decode_metadata(b"- a\n", &mut md).unwrap_err();
        assert!(err.to_string().ends_with("cannot unmarshal array into Go value of type v2.Metadata"), "{err}");
        let err = decode_metadata(b"a: [\n", &mut md).unwrap_err();
        assert!(err.to_string().starts_with("error converting YAML to JSON: yaml: line"), "{err}");
    }

    #[test]
    fn dependencies_and_import_values() {
        let mut md = Metadata::default();
        decode_metadata(
            b"dependencies:\n- name: a\n  version: 0.1.0\n  tags: [x, 1]\n  import-values:\n  - child: c\n    parent: p\n  - data\n- null\n",
            &mut md,
        )
        .unwrap();
        let deps = md.dependencies.unwrap();
        let a = deps[0].as_ref().unwrap();
        assert_eq!(a.tags, vec!["x", "1"]);
        assert_eq!(a.import_values.len(), 2);
        assert_eq!(a.import_values[0].to_string(), "map[child:c parent:p]");
        assert!(deps[1].is_none());
    }
}
