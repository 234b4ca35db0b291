//! Go `encoding/json` for the tree: `Marshal`, `MarshalIndent`, the
//! non-HTML-escaping encoder, and `Unmarshal` into `interface{}` (numbers as
//! `float64`), with Go's error texts.

use crate::decode::MAX_DEPTH;
use crate::error::Error;
use crate::value::{Value, map_set};
use ferry_gostd::json as gojson;

/// How [`encode_json`] lays out its output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonOptions {
    /// Escape `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026` (Go's default).
    pub escape_html: bool,
    /// `MarshalIndent(v, "", "  ")` layout instead of compact output.
    pub indent: bool,
}

impl JsonOptions {
    /// `json.Marshal`: compact, HTML-escaped (Sprig/Helm `toJson`).
    pub const MARSHAL: JsonOptions = JsonOptions { escape_html: true, indent: false };
    /// `json.MarshalIndent(v, "", "  ")` (Sprig `toPrettyJson`).
    pub const PRETTY: JsonOptions = JsonOptions { escape_html: true, indent: true };
    /// An encoder with `SetEscapeHTML(false)`, trailing newline trimmed
    /// (Sprig `toRawJson`).
    pub const RAW: JsonOptions = JsonOptions { escape_html: false, indent: false };
}

fn newline_indent(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn encode_into(v: &Value, opts: JsonOptions, depth: usize, out: &mut String) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Err(Error::Limit(format!("json: exceeded max depth of {MAX_DEPTH}")));
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Uint(u) => out.push_str(&u.to_string()),
        Value::Float(f) => {
            out.push_str(&gojson::format_float(*f, 64).map_err(|e| Error::Json(e.to_string()))?);
        }
        Value::Str(s) => gojson::write_string(out, s, opts.escape_html),
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if opts.indent {
                    newline_indent(out, depth + 1);
                }
                encode_into(item, opts, depth + 1, out)?;
            }
            if opts.indent && !items.is_empty() {
                newline_indent(out, depth);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            let mut keyed: Vec<(&str, &Value)> = Vec::with_capacity(entries.len());
            for (k, val) in entries {
                match k {
                    Value::Str(s) => keyed.push((s.as_str(), val)),
                    _ => return Err(Error::Json("json: unsupported type: map[interface {}]interface {}".to_string())),
                }
            }
            keyed.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, val)) in keyed.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if opts.indent {
                    newline_indent(out, depth + 1);
                }
                gojson::write_string(out, k, opts.escape_html);
                out.push(':');
                if opts.indent {
                    out.push(' ');
                }
                encode_into(val, opts, depth + 1, out)?;
            }
            if opts.indent && !keyed.is_empty() {
                newline_indent(out, depth);
            }
            out.push('}');
        }
    }
    Ok(())
}

/// Encodes `v` as Go's `encoding/json` would (map keys sorted, Go float
/// text, Go escaping). Maps must have string keys, as Go's `json.Marshal`
/// requires of `map[string]interface{}`; NaN and infinities are errors.
pub fn encode_json(v: &Value, opts: JsonOptions) -> Result<String, Error> {
    let mut out = String::new();
    encode_into(v, opts, 0, &mut out)?;
    Ok(out)
}

// ------------------------------------------------------------- decoding

/// Builds the tree Go's `Unmarshal` into `interface{}` makes: `Map` with
/// `Str` keys (a repeated key keeps its first position and last value, as
/// a Go map would), numbers `Float`.
struct Tree;

impl gojson::Builder for Tree {
    type Value = Value;

    fn null(&mut self) -> Value {
        Value::Null
    }

    fn bool(&mut self, b: bool) -> Value {
        Value::Bool(b)
    }

    fn number(&mut self, f: f64) -> Value {
        Value::Float(f)
    }

    fn string(&mut self, s: String) -> Value {
        Value::Str(s)
    }

    fn array(&mut self, items: Vec<Value>) -> Value {
        Value::Seq(items)
    }

    fn object(&mut self, entries: Vec<(String, Value)>) -> Value {
        let mut map = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            map_set(&mut map, Value::Str(k), v);
        }
        Value::Map(map)
    }
}

/// Go's `json.Unmarshal` into `interface{}`: objects become `Map` with
/// `Str` keys (a repeated key keeps the last value), numbers `Float`.
pub fn decode_json(input: &str) -> Result<Value, Error> {
    ferry_gostd::json::unmarshal(input, MAX_DEPTH, &mut Tree).map_err(|e| Error::Json(e.0))
}

/// The JSON kind word Go uses in `cannot unmarshal X into Go value of type T`.
pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Uint(_) | Value::Float(_) => "number",
        Value::Str(_) => "string",
        Value::Seq(_) => "array",
        Value::Map(_) => "object",
    }
}

/// `json.Unmarshal` into a `map[string]interface{}` (Helm's `fromJson`):
/// `null` leaves the map empty; other non-objects are type errors.
pub fn decode_json_object(input: &str) -> Result<Vec<(Value, Value)>, Error> {
    match decode_json(input)? {
        Value::Map(m) => Ok(m),
        Value::Null => Ok(Vec::new()),
        other => Err(Error::Json(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(&other)
        ))),
    }
}

/// `json.Unmarshal` into a `[]interface{}` (Helm's `fromJsonArray`).
pub fn decode_json_array(input: &str) -> Result<Vec<Value>, Error> {
    match decode_json(input)? {
        Value::Seq(s) => Ok(s),
        Value::Null => Ok(Vec::new()),
        other => Err(Error::Json(format!(
            "json: cannot unmarshal {} into Go value of type []interface {{}}",
            json_kind(&other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_like_go() {
        let cases = [
            ("", "unexpected end of JSON input"),
            ("{", "unexpected end of JSON input"),
            ("x", "invalid character 'x' looking for beginning of value"),
            ("{a", "invalid character 'a' looking for beginning of object key string"),
            ("{\"a\" 1", "invalid character '1' after object key"),
            ("{\"a\":1 2", "invalid character '2' after object key:value pair"),
            ("[1 2", "invalid character '2' after array element"),
            ("1 2", "invalid character '2' after top-level value"),
            ("tru", "invalid character ' ' in literal true (expecting 'e')"),
            ("\"abc", "unexpected end of JSON input"),
            ("\"\\u12", "invalid character ' ' in \\u hexadecimal character escape"),
            ("1.", "invalid character ' ' after decimal point in numeric literal"),
            ("trux", "invalid character 'x' in literal true (expecting 'e')"),
            ("\"\\x\"", "invalid character 'x' in string escape code"),
            ("-x", "invalid character 'x' in numeric literal"),
            ("1.x", "invalid character 'x' after decimal point in numeric literal"),
            ("1ex", "invalid character 'x' in exponent of numeric literal"),
            ("01", "invalid character '1' after top-level value"),
            ("'", "invalid character '\\'' looking for beginning of value"),
            ("1e400", "json: cannot unmarshal number 1e400 into Go value of type float64"),
        ];
        for (input, want) in cases {
            assert_eq!(decode_json(input).unwrap_err().to_string(), want, "{input:?}");
        }
    }

    #[test]
    fn html_escaping() {
        let v = Value::Str("<a&b>\u{2028}\u{7f}\u{1}".into());
        assert_eq!(encode_json(&v, JsonOptions::MARSHAL).unwrap(), "\"\\u003ca\\u0026b\\u003e\\u2028\u{7f}\\u0001\"");
        assert_eq!(encode_json(&v, JsonOptions::RAW).unwrap(), "\"<a&b>\\u2028\u{7f}\\u0001\"");
    }
}
