//! sigs.k8s.io/yaml semantics on top of the go-yaml port: YAML → JSON (with
//! its key conversion) → `float64`-numbered tree, and `Marshal` (JSON →
//! go-yaml decode → go-yaml encode), as Helm uses them.

use crate::decode;
use crate::encode;
use crate::error::Error;
use crate::json::{self, JsonOptions};
use crate::resolve::{self, Resolved};
use crate::value::{Value, map_set};

const CONVERT: &str = "error converting YAML to JSON: ";

/// `fmt.Errorf("Unsupported map key of type: %s, key: %+#v, value: %+#v", reflect.TypeOf(k), k, v)`.
fn unsupported_key(k: &Value, v: &Value) -> String {
    format!("Unsupported map key of type: {}, key: {}, value: {}", go_type_name(k), k.go_syntax(), v.go_syntax())
}

fn go_type_name(v: &Value) -> &'static str {
    match v {
        // `%s` of a nil reflect.Type.
        Value::Null => "%!s(<nil>)",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Uint(_) => "uint64",
        Value::Float(_) => "float64",
        Value::Str(_) => "string",
        Value::Seq(_) => "[]interface {}",
        Value::Map(_) => "map[interface {}]interface {}",
    }
}

/// `convertToJSONableObject` followed by the effect of `json.Marshal` and
/// `json.Unmarshal` into `interface{}`: keys become strings, numbers `Float`.
fn to_jsonable(v: Value, depth: usize) -> Result<Value, Error> {
    if depth > decode::MAX_DEPTH {
        return Err(Error::Limit(format!("{CONVERT}exceeded max depth of {}", decode::MAX_DEPTH)));
    }
    Ok(match v {
        Value::Map(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, val) in entries {
                let key = match &k {
                    Value::Str(s) => s.clone(),
                    Value::Int(i) => i.to_string(),
                    Value::Float(f) => crate::encode::yaml_float(*f, 32),
                    Value::Bool(b) => b.to_string(),
                    _ => return Err(Error::Sigs(format!("{CONVERT}{}", unsupported_key(&k, &val)))),
                };
                let val = to_jsonable(val, depth + 1)?;
                map_set(&mut out, Value::Str(key), val);
            }
            Value::Map(out)
        }
        Value::Seq(items) => {
            Value::Seq(items.into_iter().map(|i| to_jsonable(i, depth + 1)).collect::<Result<_, _>>()?)
        }
        Value::Int(i) => Value::Float(i as f64),
        Value::Uint(u) => Value::Float(u as f64),
        other => other,
    })
}

/// `json.Marshal` refuses NaN and infinities; sigs reports that after the
/// key conversion, walking maps in key order.
fn check_json_floats(v: &Value) -> Result<(), Error> {
    match v {
        Value::Float(f) if !f.is_finite() => Err(Error::Sigs(format!(
            "{CONVERT}json: unsupported value: {}",
            ferry_gostd::strconv::format_float(*f, b'g', -1, 64)
        ))),
        Value::Seq(items) => items.iter().try_for_each(check_json_floats),
        Value::Map(entries) => {
            let mut sorted: Vec<&(Value, Value)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
            sorted.into_iter().try_for_each(|(_, v)| check_json_floats(v))
        }
        _ => Ok(()),
    }
}

fn wrap(e: Error) -> Error {
    match e {
        Error::Yaml(m) => Error::Sigs(format!("{CONVERT}{m}")),
        other => other,
    }
}

/// sigs.k8s.io/yaml `Unmarshal` into `interface{}`: the first YAML document,
/// converted to JSON and back, so every number is a `Float` and every key a
/// `Str`. Errors read `error converting YAML to JSON: yaml: line 3: ...`.
pub fn unmarshal(input: &[u8]) -> Result<Value, Error> {
    unmarshal_with(input, false)
}

/// Like [`unmarshal`] with go-yaml's strict mode (duplicate keys are errors),
/// as `UnmarshalStrict` / `YAMLToJSONStrict`.
pub fn unmarshal_strict(input: &[u8]) -> Result<Value, Error> {
    unmarshal_with(input, true)
}

fn unmarshal_with(input: &[u8], strict: bool) -> Result<Value, Error> {
    let v = decode::unmarshal(input, strict).map_err(wrap)?;
    let v = to_jsonable(v, 0)?;
    check_json_floats(&v)?;
    Ok(v)
}

/// sigs.k8s.io/yaml `Unmarshal` into `map[string]interface{}` (Helm's values
/// files and `fromYaml`): a non-mapping document is a JSON type error.
pub fn unmarshal_object(input: &[u8]) -> Result<Vec<(Value, Value)>, Error> {
    match unmarshal(input)? {
        Value::Map(m) => Ok(m),
        Value::Null => Ok(Vec::new()),
        other => Err(Error::Sigs(format!(
            "error unmarshaling JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json::json_kind(&other)
        ))),
    }
}

/// sigs.k8s.io/yaml `Unmarshal` into `[]interface{}` (Helm's `fromYamlArray`).
pub fn unmarshal_array(input: &[u8]) -> Result<Vec<Value>, Error> {
    match unmarshal(input)? {
        Value::Seq(s) => Ok(s),
        Value::Null => Ok(Vec::new()),
        other => Err(Error::Sigs(format!(
            "error unmarshaling JSON: json: cannot unmarshal {} into Go value of type []interface {{}}",
            json::json_kind(&other)
        ))),
    }
}

/// sigs.k8s.io/yaml `YAMLToJSON`: the JSON text (`json.Marshal` output).
/// Errors are go-yaml's and encoding/json's own (`YAMLToJSON` does not wrap them).
pub fn yaml_to_json(input: &[u8]) -> Result<String, Error> {
    let v = decode::unmarshal(input, false)?;
    let v = to_jsonable_keep_ints(v, 0)?;
    json::encode_json(&v, JsonOptions::MARSHAL)
}

/// Key conversion only (YAMLToJSON keeps go-yaml's integer types in the text).
fn to_jsonable_keep_ints(v: Value, depth: usize) -> Result<Value, Error> {
    match v {
        Value::Map(_) | Value::Seq(_) => {}
        other => return Ok(other),
    }
    if depth > decode::MAX_DEPTH {
        return Err(Error::Limit(format!("{CONVERT}exceeded max depth of {}", decode::MAX_DEPTH)));
    }
    Ok(match v {
        Value::Map(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, val) in entries {
                let key = match &k {
                    Value::Str(s) => s.clone(),
                    Value::Int(i) => i.to_string(),
                    Value::Float(f) => crate::encode::yaml_float(*f, 32),
                    Value::Bool(b) => b.to_string(),
                    _ => return Err(Error::Sigs(unsupported_key(&k, &val))),
                };
                map_set(&mut out, Value::Str(key), to_jsonable_keep_ints(val, depth + 1)?);
            }
            Value::Map(out)
        }
        Value::Seq(items) => {
            Value::Seq(items.into_iter().map(|i| to_jsonable_keep_ints(i, depth + 1)).collect::<Result<_, _>>()?)
        }
        other => other,
    })
}

/// Whether `c`, left raw in a JSON string, reads back unchanged through
/// go-yaml: the reader rejects some characters, and NEL is a line break.
fn reader_allows(c: char) -> bool {
    let v = c as u32;
    v == 0x09
        || v == 0x0A
        || v == 0x0D
        || (0x20..=0x7E).contains(&v)
        || (0xA0..=0xD7FF).contains(&v)
        || (0xE000..=0xFFFD).contains(&v)
        || v >= 0x10000
}

/// Simple keys longer than this many characters stop being keys in go-yaml
/// (`simple_key.mark.index+1024 < parser.mark.index`).
const SIMPLE_KEY_LIMIT: usize = 1024 - 8;

/// The tree go-yaml gets back when it decodes `json.Marshal(v)`, or `None`
/// when the text would hit one of the YAML reader's or scanner's limits and
/// only the literal round trip can tell what happens.
fn json_round_trip(v: &Value, depth: usize) -> Result<Option<Value>, Error> {
    if depth > decode::MAX_DEPTH {
        return Ok(None);
    }
    Ok(Some(match v {
        Value::Null => Value::Null,
        Value::Bool(b) => Value::Bool(*b),
        Value::Int(i) => Value::Int(*i),
        Value::Uint(u) => match i64::try_from(*u) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Uint(*u),
        },
        Value::Float(f) => {
            let text = ferry_gostd::json::format_float(*f, 64)
                .map_err(|e| Error::Sigs(format!("error marshaling into JSON: {e}")))?;
            match resolve::resolve("", &text) {
                Ok((_, Resolved::Int(i))) => Value::Int(i),
                Ok((_, Resolved::Uint(u))) => Value::Uint(u),
                Ok((_, Resolved::Float(f))) => Value::Float(f),
                _ => return Ok(None),
            }
        }
        Value::Str(s) => {
            if !s.chars().all(reader_allows) {
                return Ok(None);
            }
            Value::Str(s.clone())
        }
        Value::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match json_round_trip(item, depth + 1)? {
                    Some(x) => out.push(x),
                    None => return Ok(None),
                }
            }
            Value::Seq(out)
        }
        Value::Map(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, val) in entries {
                let Value::Str(ks) = k else {
                    return Err(Error::Sigs(
                        "error marshaling into JSON: json: unsupported type: map[interface {}]interface {}".to_string(),
                    ));
                };
                if ks.len() > SIMPLE_KEY_LIMIT / 6 && json_len(ks) > SIMPLE_KEY_LIMIT {
                    return Ok(None);
                }
                if !ks.chars().all(reader_allows) {
                    return Ok(None);
                }
                match json_round_trip(val, depth + 1)? {
                    Some(x) => out.push((Value::Str(ks.clone()), x)),
                    None => return Ok(None),
                }
            }
            Value::Map(out)
        }
    }))
}

fn json_len(s: &str) -> usize {
    ferry_gostd::json::quote(s, true).chars().count()
}

/// sigs.k8s.io/yaml `Marshal` (Helm's `toYaml`, before Helm trims the final
/// newline): `json.Marshal`, then go-yaml decodes that JSON (numbers regain
/// int/float types) and encodes it with its key order, quoting, indentation
/// and 80-column folding.
pub fn marshal(v: &Value) -> Result<String, Error> {
    match json_round_trip(v, 0)? {
        Some(tree) => Ok(encode::marshal_docs(&[&tree])),
        None => marshal_literally(v),
    }
}

/// The literal sigs pipeline, text included; used when the fast path cannot
/// vouch for the result.
pub(crate) fn marshal_literally(v: &Value) -> Result<String, Error> {
    let j = json::encode_json(v, JsonOptions::MARSHAL).map_err(|e| match e {
        Error::Json(m) => Error::Sigs(format!("error marshaling into JSON: {m}")),
        other => other,
    })?;
    let tree = decode::unmarshal(j.as_bytes(), false).map_err(|e| match e {
        Error::Yaml(m) => Error::Sigs(format!("error converting JSON to YAML: {m}")),
        other => other,
    })?;
    Ok(encode::marshal_docs(&[&tree]))
}
