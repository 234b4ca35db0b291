//! Go's `encoding/json` over template values: `Marshal`, `MarshalIndent`, an
//! `Encoder` without HTML escaping (Sprig's `toRawJson`), and `Unmarshal` into
//! `interface {}` (objects → `map[string]interface {}`, arrays →
//! `[]interface {}`, numbers → `float64`). Helm overrides `toJson` with its own
//! wrapper, so [`marshal`] is public.

use std::collections::BTreeMap;

use ferry_gostd::json as gojson;
use ferry_gotmpl::{CycleError, Value};

/// Encoding options: `escape_html` is `json.Marshal`'s default; `indent` is
/// `MarshalIndent(v, "", indent)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Escape `<`, `>` and `&` as `\u003c` etc.
    pub escape_html: bool,
    /// The indent string, if pretty-printing.
    pub indent: Option<&'a str>,
}

/// Nesting beyond this depth is refused (Go reports a cycle at a similar depth).
const MAX_DEPTH: usize = 1000;

/// `json.Marshal(v)`.
pub fn marshal(v: &Value) -> Result<String, String> {
    encode(v, Options { escape_html: true, indent: None })
}

/// Encodes with the given options.
pub fn encode(v: &Value, opts: Options<'_>) -> Result<String, String> {
    let mut out = String::new();
    write_value(&mut out, v, opts, &mut Vec::new(), 0)?;
    Ok(match opts.indent {
        Some(indent) => reindent(&out, indent),
        None => out,
    })
}

/// Go's float encoder: like `%g` but with ES6 exponent cut-offs.
pub fn format_float(f: f64, bits: u32) -> Result<String, String> {
    gojson::format_float(f, bits).map_err(|e| e.to_string())
}

/// `path` holds the ids of the maps being encoded, outermost first.
fn write_value(
    out: &mut String,
    v: &Value,
    opts: Options<'_>,
    path: &mut Vec<usize>,
    depth: usize,
) -> Result<(), String> {
    // Only containers nest (Go counts map, slice and pointer levels).
    if depth > MAX_DEPTH && matches!(v, Value::Map(_) | Value::List(_) | Value::Object(_)) {
        // Go names the map met again once it starts checking for cycles.
        return Err(match v {
            Value::Map(m) if path.contains(&m.id()) => {
                format!("json: unsupported value: {}", CycleError { ty: m.ty().clone() })
            }
            _ => "json: unsupported value: encountered a cycle".into(),
        });
    }
    match v {
        Value::Invalid | Value::Nil(_) => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, _) => out.push_str(&i.to_string()),
        Value::Uint(u, _) => out.push_str(&u.to_string()),
        Value::Float(f, kind) => {
            let bits = if *kind == ferry_gotmpl::FloatKind::Float32 { 32 } else { 64 };
            out.push_str(&format_float(*f, bits)?);
        }
        Value::Complex(..) => return Err(format!("json: unsupported type: {}", v.type_name())),
        Value::String(s) => gojson::write_string(out, s, opts.escape_html),
        Value::Bytes(b) => {
            use base64::Engine as _;
            out.push('"');
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
            out.push('"');
        }
        Value::List(l) => {
            out.push('[');
            for (i, item) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, opts, path, depth + 1)?;
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            path.push(m.id());
            for (i, (k, item)) in m.entries().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                gojson::write_string(out, k, opts.escape_html);
                out.push(':');
                write_value(out, item, opts, path, depth + 1)?;
            }
            path.pop();
            out.push('}');
        }
        Value::Object(o) => match o.to_data() {
            Some(data) => write_value(out, &data, opts, path, depth + 1)?,
            None => out.push_str("{}"),
        },
        Value::Func(_) => return Err(format!("json: unsupported type: {}", v.type_name())),
    }
    Ok(())
}

/// Go's `json.Indent` with an empty prefix, applied to compact output.
fn reindent(compact: &str, indent: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut need_indent = false;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(indent);
        }
    };
    for c in compact.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if need_indent && c != ']' && c != '}' {
            need_indent = false;
            depth += 1;
            newline(&mut out, depth);
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                need_indent = true;
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            '}' | ']' => {
                if need_indent {
                    // An empty object or array stays compact.
                    need_indent = false;
                } else {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Decoding.

/// Builds template values: `map[string]interface {}`, `[]interface {}`,
/// `float64`, as Go's `Unmarshal` into `interface{}` does.
struct TemplateValues;

impl gojson::Builder for TemplateValues {
    type Value = Value;

    fn null(&mut self) -> Value {
        Value::nil()
    }

    fn bool(&mut self, b: bool) -> Value {
        Value::Bool(b)
    }

    fn number(&mut self, f: f64) -> Value {
        Value::float64(f)
    }

    fn string(&mut self, s: String) -> Value {
        Value::from(s)
    }

    fn array(&mut self, items: Vec<Value>) -> Value {
        Value::list(items)
    }

    fn object(&mut self, entries: Vec<(String, Value)>) -> Value {
        // A repeated key keeps its last value.
        Value::map(entries.into_iter().collect::<BTreeMap<_, _>>())
    }
}

/// `json.Unmarshal([]byte(s), &interface{})`.
pub fn unmarshal(s: &str) -> Result<Value, String> {
    gojson::unmarshal(s, MAX_DEPTH, &mut TemplateValues).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn encodes_like_go() {
        let v = obj(&[
            ("b", Value::list(vec![Value::int(1), Value::float64(1.5), Value::float64(1e21), Value::float64(1e-7)])),
            ("a", Value::from("<&>")),
            ("n", Value::nil()),
            ("e", obj(&[])),
        ]);
        assert_eq!(marshal(&v).as_deref(), Ok(r#"{"a":"\u003c\u0026\u003e","b":[1,1.5,1e+21,1e-7],"e":{},"n":null}"#));
        let raw = encode(&v, Options { escape_html: false, indent: None });
        assert_eq!(raw.as_deref(), Ok(r#"{"a":"<&>","b":[1,1.5,1e+21,1e-7],"e":{},"n":null}"#));
        let pretty = encode(
            &obj(&[("a", Value::list(vec![Value::int(1)])), ("e", Value::list(vec![]))]),
            Options { escape_html: true, indent: Some("  ") },
        );
        assert_eq!(pretty.as_deref(), Ok("{\n  \"a\": [\n    1\n  ],\n  \"e\": []\n}"));
        assert_eq!(marshal(&Value::float64(f64::NAN)), Err("json: unsupported value: NaN".to_string()));
    }

    #[test]
    fn decodes_like_go() {
        let v = unmarshal(r#"{"a": [1, "x\u00e9", true, null], "b": {"c": 2.5e3}}"#).unwrap_or_default();
        assert_eq!(marshal(&v).as_deref(), Ok(r#"{"a":[1,"xé",true,null],"b":{"c":2500}}"#));
        assert_eq!(unmarshal("{").err().as_deref(), Some("unexpected end of JSON input"));
        assert_eq!(unmarshal("x").err().as_deref(), Some("invalid character 'x' looking for beginning of value"));
        assert_eq!(unmarshal("[1,]").err().as_deref(), Some("invalid character ']' looking for beginning of value"));
        assert_eq!(unmarshal("1 2").err().as_deref(), Some("invalid character '2' after top-level value"));
        // Deep nesting is refused, not a stack overflow.
        assert!(unmarshal(&"[".repeat(100_000)).is_err());
        let deep = unmarshal(&format!("{}{}", "[".repeat(900), "]".repeat(900))).unwrap_or_default();
        assert!(marshal(&deep).is_ok());
    }
}
