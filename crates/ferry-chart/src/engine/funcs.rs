//! Helm's template functions on top of Sprig (`pkg/engine/funcs.go`):
//! `toYaml`, `fromYaml`, `toJson`, `fromJson`, `toToml`, `fromToml`,
//! `required`, `fail`, `lookup` and the rest. `include` and `tpl` live in
//! the engine because they re-enter it.

use std::collections::BTreeMap;

use ferry_gotmpl::{FuncError, Function, Type, Value};

/// Marks a message from `required`/`fail` so that Helm's error cleanup can
/// extract it (`HELM_ERR_START...HELM_ERR_END`).
pub(crate) const WARN_START: &str = "HELM_ERR_START";
/// See [`WARN_START`].
pub(crate) const WARN_END: &str = "HELM_ERR_END";

fn warn_wrap(msg: &str) -> String {
    format!("{WARN_START}{msg}{WARN_END}")
}

fn map_type() -> Type {
    Type::map_of_interface()
}

/// `toYaml`: `sigs.k8s.io/yaml.Marshal` without the final newline; "" on error.
pub(crate) fn to_yaml(v: &Value) -> String {
    must_to_yaml(v).unwrap_or_default()
}

fn must_to_yaml(v: &Value) -> Result<String, String> {
    let tree = crate::govalue::to_json_tree(v).map_err(|e| format!("error marshaling into JSON: {}", e.0))?;
    let mut out = ferry_goyaml::sigs::marshal(&tree).map_err(|e| e.to_string())?;
    if out.ends_with('\n') {
        out.pop();
    }
    Ok(out)
}

/// `toYamlPretty`: Helm encodes the value itself (no JSON round trip, so a
/// float64 `1000000` stays `1e+06`) with go-yaml v3 and a 2-space indent,
/// which indents sequences under their keys. go-yaml v2's encoder formats
/// scalars the same way; the sequence indentation is added afterwards.
fn to_yaml_pretty(v: &Value) -> String {
    let Ok(tree) = crate::govalue::to_json_tree(v) else { return String::new() };
    let mut plain = ferry_goyaml::encode(&tree);
    if plain.ends_with('\n') {
        plain.pop();
    }
    indent_block_sequences(&plain)
}

/// Re-indents `key:\n- item` as `key:\n  - item` (go-yaml v3's sequence
/// style), leaving block scalars alone.
fn indent_block_sequences(text: &str) -> String {
    // For each line: the indentation added to it, computed from the stack of
    // sequences opened directly under a mapping key.
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    // (indent of the "- " items, extra spaces to add)
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut scalar_indent: Option<usize> = None;
    let mut prev_key_indent: Option<usize> = None;
    for line in text.split('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let content = &line[indent..];
        if let Some(si) = scalar_indent {
            if content.is_empty() || indent > si {
                let extra = stack.iter().map(|s| s.1).sum::<usize>();
                out.push_str(&" ".repeat(extra));
                out.push_str(line);
                out.push('\n');
                continue;
            }
            scalar_indent = None;
        }
        while let Some(&(seq_indent, _)) = stack.last() {
            let is_item = content.starts_with("- ") || content == "-";
            if indent < seq_indent || (indent == seq_indent && !is_item) {
                stack.pop();
            } else {
                break;
            }
        }
        let is_item = content.starts_with("- ") || content == "-";
        if is_item && prev_key_indent == Some(indent) && stack.last().is_none_or(|s| s.0 != indent) {
            stack.push((indent, 2));
        }
        let extra = stack.iter().map(|s| s.1).sum::<usize>();
        out.push_str(&" ".repeat(extra));
        out.push_str(line);
        out.push('\n');
        prev_key_indent = if content.ends_with(':')
            || (content.contains(": ")
                && (content.ends_with(": |") || content.ends_with(": |-") || content.ends_with(": >")))
        {
            Some(if is_item { indent + 2 } else { indent })
        } else {
            None
        };
        if content.ends_with('|')
            || content.ends_with("|-")
            || content.ends_with("|+")
            || content.ends_with('>')
            || content.ends_with(">-")
        {
            scalar_indent = Some(if is_item { indent + 2 } else { indent });
            prev_key_indent = None;
        }
    }
    out.pop();
    out
}

/// `fromYaml`: a map, or `{"Error": message}`.
fn from_yaml(s: &str) -> Value {
    match ferry_goyaml::sigs::unmarshal_object(s.as_bytes()) {
        Ok(entries) => Value::map(crate::govalue::yaml_entries(&entries)),
        Err(e) => {
            let mut m = BTreeMap::new();
            m.insert("Error".to_string(), Value::from(e.to_string()));
            Value::map(m)
        }
    }
}

/// `fromYamlArray`: a list, or `[message]`.
fn from_yaml_array(s: &str) -> Value {
    match ferry_goyaml::sigs::unmarshal_array(s.as_bytes()) {
        Ok(items) => Value::list(items.iter().map(crate::govalue::from_yaml).collect()),
        Err(e) => Value::list(vec![Value::from(e.to_string())]),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "bool",
        Value::Float(..) | Value::Int(..) | Value::Uint(..) => "number",
        Value::String(_) => "string",
        Value::List(_) => "array",
        _ => "object",
    }
}

/// `fromJson`: a map, or `{"Error": message}`.
fn from_json(s: &str) -> Value {
    let err = match ferry_sprig::json::unmarshal(s) {
        Ok(Value::Map(m)) => return Value::Map(m),
        Ok(Value::Nil(_)) | Ok(Value::Invalid) => return Value::map(BTreeMap::new()),
        Ok(other) => {
            format!("json: cannot unmarshal {} into Go value of type map[string]interface {{}}", json_kind(&other))
        }
        Err(e) => e,
    };
    let mut m = BTreeMap::new();
    m.insert("Error".to_string(), Value::from(err));
    Value::map(m)
}

/// `fromJsonArray`: a list, or `[message]`.
fn from_json_array(s: &str) -> Value {
    let err = match ferry_sprig::json::unmarshal(s) {
        Ok(Value::List(l)) => return Value::List(l),
        Ok(Value::Nil(_)) | Ok(Value::Invalid) => return Value::list(Vec::new()),
        Ok(other) => format!("json: cannot unmarshal {} into Go value of type []interface {{}}", json_kind(&other)),
        Err(e) => e,
    };
    Value::list(vec![Value::from(err)])
}

fn arg_str(a: &[Value], i: usize) -> &str {
    a.get(i).and_then(Value::as_str).unwrap_or("")
}

/// Helm's functions (without `include` and `tpl`), to be added over Sprig's.
pub(crate) fn helm_functions() -> Vec<(&'static str, Function)> {
    let s = || Type::String;
    vec![
        ("toYaml", Function::new([Type::Interface], |_, a| Ok(Value::from(to_yaml(&a[0])))).returns(s())),
        (
            "mustToYaml",
            Function::new([Type::Interface], |_, a| must_to_yaml(&a[0]).map(Value::from).map_err(FuncError::new))
                .returns(s()),
        ),
        ("toYamlPretty", Function::new([Type::Interface], |_, a| Ok(Value::from(to_yaml_pretty(&a[0])))).returns(s())),
        ("fromYaml", Function::new([Type::String], |_, a| Ok(from_yaml(arg_str(a, 0)))).returns(map_type())),
        (
            "fromYamlArray",
            Function::new([Type::String], |_, a| Ok(from_yaml_array(arg_str(a, 0))))
                .returns(Type::slice_of_interface()),
        ),
        (
            "toJson",
            Function::new([Type::Interface], |_, a| {
                Ok(Value::from(ferry_sprig::json::marshal(&a[0]).unwrap_or_default()))
            })
            .returns(s()),
        ),
        (
            "mustToJson",
            Function::new([Type::Interface], |_, a| {
                ferry_sprig::json::marshal(&a[0]).map(Value::from).map_err(FuncError::new)
            })
            .returns(s()),
        ),
        ("fromJson", Function::new([Type::String], |_, a| Ok(from_json(arg_str(a, 0)))).returns(map_type())),
        (
            "fromJsonArray",
            Function::new([Type::String], |_, a| Ok(from_json_array(arg_str(a, 0))))
                .returns(Type::slice_of_interface()),
        ),
        ("toToml", Function::new([Type::Interface], |_, a| Ok(Value::from(crate::toml::encode(&a[0])))).returns(s())),
        (
            "fromToml",
            Function::new([Type::String], |_, a| Ok(crate::toml::from_toml(arg_str(a, 0)))).returns(map_type()),
        ),
        (
            "lookup",
            Function::new([Type::String, Type::String, Type::String, Type::String], |_, _| {
                Ok(Value::map(BTreeMap::new()))
            })
            .returns(map_type()),
        ),
        (
            "required",
            Function::new([Type::String, Type::Interface], |_, a| {
                let warn = arg_str(a, 0);
                match &a[1] {
                    Value::Nil(Type::Interface) | Value::Invalid => Err(FuncError::new(warn_wrap(warn))),
                    Value::String(s) if s.is_empty() => Err(FuncError::new(warn_wrap(warn))),
                    v => Ok(v.clone()),
                }
            }),
        ),
        ("fail", Function::new([Type::String], |_, a| Err(FuncError::new(warn_wrap(arg_str(a, 0))))).returns(s())),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_indents_sequences_under_keys() {
        assert_eq!(indent_block_sequences("a:\n- 1\n- b:\n  - x\nc: 2"), "a:\n  - 1\n  - b:\n      - x\nc: 2");
        assert_eq!(indent_block_sequences("s: |\n  - not a list\nl:\n- 1"), "s: |\n  - not a list\nl:\n  - 1");
    }

    #[test]
    fn pretty_keeps_float_formatting() {
        let v = crate::values::load_values(b"a: 1000000\nb: [x]\nc: 1.5\n").unwrap();
        assert_eq!(to_yaml_pretty(&v), "a: 1e+06\nb:\n  - x\nc: 1.5");
        assert_eq!(to_yaml(&v), "a: 1000000\nb:\n- x\nc: 1.5");
    }

    #[test]
    fn from_json_and_yaml_errors_land_in_the_map() {
        assert_eq!(
            from_json("[1]").to_string(),
            "map[Error:json: cannot unmarshal array into Go value of type map[string]interface {}]"
        );
        assert_eq!(from_json("{\"a\":1}").to_string(), "map[a:1]");
        assert!(from_yaml("a: [").to_string().starts_with("map[Error:error converting YAML to JSON: yaml: line"));
        assert_eq!(from_yaml_array("- 1\n- a").to_string(), "[1 a]");
    }
}
