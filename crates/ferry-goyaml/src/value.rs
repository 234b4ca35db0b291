//! The plain data tree shared by the YAML and JSON sides.

/// A decoded document, shaped like the Go values go-yaml v2 produces when it
/// decodes into `interface{}`.
///
/// * `Int` is Go's `int` (go-yaml's choice for every integer that fits
///   64 bits signed); `Uint` is `uint64`, used only above `i64::MAX`.
/// * `Map` keeps insertion order; a key appears at most once (Go map
///   semantics: a repeated key overwrites the value in place). Encoders sort
///   keys the way Go does, so the order never reaches the output.
/// * Timestamps and `!!binary` data decode to `Str`, as go-yaml does for
///   `interface{}` targets.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~`, empty scalar (Go `nil`).
    Null,
    /// A boolean (`true`, `yes`, `on`, ... in YAML 1.1).
    Bool(bool),
    /// A signed integer (Go `int`).
    Int(i64),
    /// An unsigned integer above `i64::MAX` (Go `uint64`).
    Uint(u64),
    /// A floating-point number (Go `float64`).
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence (Go `[]interface{}`).
    Seq(Vec<Value>),
    /// A mapping (Go `map[interface{}]interface{}` or `map[string]interface{}`).
    Map(Vec<(Value, Value)>),
}

impl Value {
    /// Whether two values are the same Go map key (`==` on interface values:
    /// same dynamic type and equal value; NaN never equals itself).
    pub fn same_key(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Uint(a), Value::Uint(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            _ => false,
        }
    }

    /// The string inside a `Str`, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Looks up a string key in a `Map`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Go's `%#v` rendering of the equivalent Go value, as it appears in
    /// go-yaml's and sigs.k8s.io/yaml's error messages.
    pub fn go_syntax(&self) -> String {
        let mut out = String::new();
        go_syntax_into(self, false, &mut out);
        out
    }
}

/// Inserts or overwrites `key` in a map's entry list (Go map assignment).
pub(crate) fn map_set(entries: &mut Vec<(Value, Value)>, key: Value, value: Value) {
    if let Some(slot) = entries.iter_mut().find(|(k, _)| k.same_key(&key)) {
        slot.1 = value;
    } else {
        entries.push((key, value));
    }
}

pub(crate) fn map_contains(entries: &[(Value, Value)], key: &Value) -> bool {
    entries.iter().any(|(k, _)| k.same_key(key))
}

fn go_syntax_into(v: &Value, in_interface: bool, out: &mut String) {
    match v {
        Value::Null => out.push_str(if in_interface { "interface {}(nil)" } else { "<nil>" }),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Uint(u) => out.push_str(&format!("0x{u:x}")),
        Value::Float(f) => out.push_str(&ferry_gostd::strconv::format_float(*f, b'g', -1, 64)),
        Value::Str(s) => out.push_str(&ferry_gostd::strconv::quote(s)),
        Value::Seq(items) => {
            out.push_str("[]interface {}{");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                go_syntax_into(item, true, out);
            }
            out.push('}');
        }
        Value::Map(entries) => {
            out.push_str("map[interface {}]interface {}{");
            let mut sorted: Vec<&(Value, Value)> = entries.iter().collect();
            sorted.sort_by(|a, b| fmtsort_cmp(&a.0, &b.0));
            for (i, (k, val)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                go_syntax_into(k, true, out);
                out.push(':');
                go_syntax_into(val, true, out);
            }
            out.push('}');
        }
    }
}

/// Key order of Go's `internal/fmtsort` for same-typed keys; mixed types are
/// ordered by a fixed type rank (Go orders them by type descriptor address).
fn fmtsort_cmp(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Int(_) => 2,
            Value::Uint(_) => 3,
            Value::Float(_) => 4,
            Value::Str(_) => 5,
            Value::Seq(_) => 6,
            Value::Map(_) => 7,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Uint(x), Value::Uint(y)) => x.cmp(y),
        (Value::Float(x), Value::Float(y)) => match (x.is_nan(), y.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            _ => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        },
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_syntax_matches_fmt() {
        let v = Value::Map(vec![
            (
                Value::Str("b".into()),
                Value::Seq(vec![
                    Value::Float(1.0),
                    Value::Float(2.5),
                    Value::Null,
                    Value::Str("x\n".into()),
                    Value::Uint(5),
                    Value::Bool(true),
                    Value::Map(vec![]),
                ]),
            ),
            (Value::Str("a".into()), Value::Int(1)),
        ]);
        assert_eq!(
            v.go_syntax(),
            "map[interface {}]interface {}{\"a\":1, \"b\":[]interface {}{1, 2.5, interface {}(nil), \"x\\n\", 0x5, true, map[interface {}]interface {}{}}}"
        );
        assert_eq!(Value::Null.go_syntax(), "<nil>");
    }
}
