//! Conversions between template values and YAML/JSON trees, and helpers
//! for Helm's `map[string]interface{}` tables. Template maps are shared
//! references like Go maps, so Helm's coalescing code can be ported with
//! its aliasing intact; [`Value::deep_copy`] is Go's `copystructure.Copy`.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferry_gotmpl::{FloatKind, IntKind, Map, Type, UintKind, Value};

/// Helm's `common.Values` type.
pub(crate) fn values_type() -> Type {
    Type::named("common.Values", Type::map_of_interface())
}

/// Go's `v.(map[string]interface{})` (Helm's `istable`).
pub(crate) fn as_table(v: &Value) -> Option<&Map> {
    match v {
        Value::Map(m) if *m.ty() == Type::map_of_interface() => Some(m),
        _ => None,
    }
}

/// `map[string]interface{}` or Helm's `common.Values`.
pub(crate) fn is_table_type(t: &Type) -> bool {
    *t == Type::map_of_interface() || *t == values_type()
}

/// Whether a value is a nil `interface{}` (Go's `v == nil` on an `interface{}`).
pub(crate) fn is_nil(v: &Value) -> bool {
    matches!(v, Value::Nil(Type::Interface) | Value::Invalid)
}

/// A new empty `map[string]interface{}`.
pub(crate) fn new_table() -> Map {
    Map::new(Type::map_of_interface(), BTreeMap::new())
}

/// A deep copy of a map value as a plain `map[string]interface{}` table
/// (what Helm gets from `copystructure.Copy` of a `Values`); anything that is
/// not a map gives an empty table.
pub(crate) fn copy_table(v: &Value) -> Map {
    match v {
        Value::Map(m) => {
            let copied = Value::Map(m.clone()).deep_copy().ok();
            match copied {
                Some(Value::Map(c)) => Map::new(Type::map_of_interface(), c.to_btree()),
                _ => new_table(),
            }
        }
        _ => new_table(),
    }
}

/// Converts a YAML/JSON tree (as `sigs.k8s.io/yaml` produces it: float64
/// numbers, string keys) into a template value.
pub fn from_yaml(v: &ferry_goyaml::Value) -> Value {
    use ferry_goyaml::Value as Y;
    match v {
        Y::Null => Value::nil(),
        Y::Bool(b) => Value::Bool(*b),
        Y::Int(i) => Value::Int(*i, IntKind::Int),
        Y::Uint(u) => Value::Uint(*u, UintKind::Uint64),
        Y::Float(f) => Value::Float(*f, FloatKind::Float64),
        Y::Str(s) => Value::String(Arc::from(s.as_str())),
        Y::Seq(items) => Value::list(items.iter().map(from_yaml).collect()),
        Y::Map(entries) => Value::map(yaml_entries(entries)),
    }
}

/// The entries of a YAML mapping as template values (keys printed with `%v`
/// when they are not strings, which `sigs.k8s.io/yaml` never produces).
pub fn yaml_entries(entries: &[(ferry_goyaml::Value, ferry_goyaml::Value)]) -> BTreeMap<String, Value> {
    entries
        .iter()
        .map(|(k, v)| {
            let key = match k {
                ferry_goyaml::Value::Str(s) => s.clone(),
                other => ferry_gotmpl::gofmt::sprint(&[from_yaml(other)]),
            };
            (key, from_yaml(v))
        })
        .collect()
}

/// Error of [`to_json_tree`]: what `encoding/json` would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError(pub String);

/// The tree `json.Marshal` would write for a template value, as a YAML/JSON
/// value (for `toYaml`, which is `json.Marshal` followed by a YAML
/// re-encoding). Bytes become base64 strings, objects their JSON data.
pub fn to_json_tree(v: &Value) -> Result<ferry_goyaml::Value, JsonError> {
    to_json_tree_depth(v, 0)
}

const MAX_JSON_DEPTH: usize = 1000;

fn to_json_tree_depth(v: &Value, depth: usize) -> Result<ferry_goyaml::Value, JsonError> {
    use ferry_goyaml::Value as Y;
    if depth > MAX_JSON_DEPTH {
        return Err(JsonError(format!("json: unsupported value: encountered a cycle via {}", v.type_name())));
    }
    Ok(match v {
        Value::Invalid | Value::Nil(_) => Y::Null,
        Value::Bool(b) => Y::Bool(*b),
        Value::Int(i, _) => Y::Int(*i),
        Value::Uint(u, _) => match i64::try_from(*u) {
            Ok(i) => Y::Int(i),
            Err(_) => Y::Uint(*u),
        },
        Value::Float(f, kind) => {
            if !f.is_finite() {
                let bits = if *kind == FloatKind::Float32 { 32 } else { 64 };
                return Err(JsonError(format!(
                    "json: unsupported value: {}",
                    ferry_gostd::strconv::format_float(*f, b'g', -1, bits)
                )));
            }
            if *kind == FloatKind::Float32 {
                // encoding/json formats float32 with 32-bit precision.
                let text = ferry_sprig::json::format_float(*f, 32).map_err(JsonError)?;
                Y::Float(text.parse::<f64>().unwrap_or(*f))
            } else {
                Y::Float(*f)
            }
        }
        Value::Complex(..) => return Err(JsonError("json: unsupported type: complex128".to_string())),
        Value::String(s) => Y::Str(s.to_string()),
        Value::Bytes(b) => Y::Str(base64_std(b)),
        Value::List(l) => {
            if l.ty.elem() == Some(&Type::Uint8) {
                // A []uint8 built from a list is still bytes to encoding/json.
                let bytes: Vec<u8> = l
                    .items
                    .iter()
                    .map(|i| match i {
                        Value::Uint(u, _) => *u as u8,
                        Value::Int(i, _) => *i as u8,
                        _ => 0,
                    })
                    .collect();
                Y::Str(base64_std(&bytes))
            } else {
                Y::Seq(l.items.iter().map(|i| to_json_tree_depth(i, depth + 1)).collect::<Result<_, _>>()?)
            }
        }
        Value::Map(m) => Y::Map(
            m.entries()
                .into_iter()
                .map(|(k, v)| Ok((Y::Str(k), to_json_tree_depth(&v, depth + 1)?)))
                .collect::<Result<_, JsonError>>()?,
        ),
        Value::Object(o) => match o.to_data() {
            Some(data) => to_json_tree_depth(&data, depth + 1)?,
            None => Y::Map(Vec::new()),
        },
        Value::Func(f) => return Err(JsonError(format!("json: unsupported type: {}", f.type_name()))),
    })
}

fn base64_std(b: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = match chunk.len() {
            1 => u32::from(chunk[0]) << 16,
            2 => (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8),
            _ => (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]),
        };
        let idx = |shift: u32| ALPHABET[((n >> shift) & 63) as usize] as char;
        out.push(idx(18));
        out.push(idx(12));
        out.push(if chunk.len() > 1 { idx(6) } else { '=' });
        out.push(if chunk.len() > 2 { idx(0) } else { '=' });
    }
    out
}

/// Standard base64 with padding (Go's `base64.StdEncoding`).
pub(crate) fn base64_encode(b: &[u8]) -> String {
    base64_std(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_go() {
        assert_eq!(base64_std(b""), "");
        assert_eq!(base64_std(b"f"), "Zg==");
        assert_eq!(base64_std(b"fo"), "Zm8=");
        assert_eq!(base64_std(b"foobar"), "Zm9vYmFy");
    }
}
