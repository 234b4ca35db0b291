//! The slice of Go's `encoding/json` the release types need: an object
//! writer that emits fields in struct order with Go's escaping, and readers
//! that apply Go's decoding rules (case-insensitive field names, `null`
//! leaves the zero value, wrong kinds are errors).

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ferry_goyaml::{JsonOptions, Value};

use super::ReleaseError;
use super::timestamp::Timestamp;

/// Appends `s` as a JSON string the way Go's `json.Marshal` does.
fn write_string(out: &mut String, s: &str) {
    ferry_gostd::json::write_string(out, s, true);
}

/// Writes one JSON object field by field; the caller decides omission the
/// way the Go struct tags do.
pub(crate) struct ObjectWriter<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> ObjectWriter<'a> {
    pub(crate) fn open(out: &'a mut String) -> ObjectWriter<'a> {
        out.push('{');
        ObjectWriter { out, first: true }
    }

    pub(crate) fn close(self) {
        self.out.push('}');
    }

    /// Starts a field and returns the buffer to write its value into.
    pub(crate) fn key(&mut self, name: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_string(self.out, name);
        self.out.push(':');
        self.out
    }

    pub(crate) fn string(&mut self, name: &str, v: &str) {
        write_string(self.key(name), v);
    }

    pub(crate) fn string_omitempty(&mut self, name: &str, v: &str) {
        if !v.is_empty() {
            self.string(name, v);
        }
    }

    pub(crate) fn int_omitempty(&mut self, name: &str, v: i64) {
        if v != 0 {
            let out = self.key(name);
            out.push_str(&v.to_string());
        }
    }

    pub(crate) fn bool_omitempty(&mut self, name: &str, v: bool) {
        if v {
            self.key(name).push_str("true");
        }
    }

    pub(crate) fn strings_omitempty<S: AsRef<str>>(&mut self, name: &str, v: &[S]) {
        if v.is_empty() {
            return;
        }
        let out = self.key(name);
        out.push('[');
        for (i, s) in v.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(out, s.as_ref());
        }
        out.push(']');
    }

    pub(crate) fn string_map_omitempty(&mut self, name: &str, v: &BTreeMap<String, String>) {
        if v.is_empty() {
            return;
        }
        let out = self.key(name);
        let mut obj = ObjectWriter::open(out);
        // BTreeMap order is byte order, which is Go's sorted map-key order.
        for (k, val) in v {
            obj.string(k, val);
        }
        obj.close();
    }

    pub(crate) fn time(&mut self, name: &str, v: &Timestamp) -> Result<(), ReleaseError> {
        let text = v.to_rfc3339_nano()?;
        write_string(self.key(name), &text);
        Ok(())
    }

    /// `omitzero` on a `time.Time` (Helm 4 omits unset times).
    pub(crate) fn time_omitzero(&mut self, name: &str, v: &Timestamp) -> Result<(), ReleaseError> {
        if v.is_zero() {
            return Ok(());
        }
        self.time(name, v)
    }

    /// A Go `[]byte`: standard base64, `null` when nil.
    pub(crate) fn bytes(&mut self, name: &str, v: Option<&[u8]>) {
        let out = self.key(name);
        match v {
            Some(b) => write_string(out, &STANDARD.encode(b)),
            None => out.push_str("null"),
        }
    }

    /// An `interface{}` value (values, config, import-values): Go's map key
    /// order and number text.
    pub(crate) fn value(&mut self, name: &str, v: &Value) -> Result<(), ReleaseError> {
        let text = ferry_goyaml::encode_json(v, JsonOptions::MARSHAL)
            .map_err(|e| ReleaseError::Encode(format!("{name}: {e}")))?;
        self.key(name).push_str(&text);
        Ok(())
    }

    /// A slice of structs, `null` when empty (Go's nil slice).
    pub(crate) fn list<T>(
        &mut self,
        name: &str,
        items: &[T],
        mut write: impl FnMut(&T, &mut String) -> Result<(), ReleaseError>,
    ) -> Result<(), ReleaseError> {
        let out = self.key(name);
        if items.is_empty() {
            out.push_str("null");
            return Ok(());
        }
        out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write(item, out)?;
        }
        out.push(']');
        Ok(())
    }

    /// A slice of structs under `omitempty`.
    pub(crate) fn list_omitempty<T>(
        &mut self,
        name: &str,
        items: &[T],
        write: impl FnMut(&T, &mut String) -> Result<(), ReleaseError>,
    ) -> Result<(), ReleaseError> {
        if items.is_empty() {
            return Ok(());
        }
        self.list(name, items, write)
    }
}

// ------------------------------------------------------------------ reading

/// Where a value sits in the release document, for error messages
/// (`Release.chart.metadata.version`).
#[derive(Clone, Copy)]
pub(crate) struct Path<'a> {
    pub(crate) parent: &'a str,
    pub(crate) field: &'a str,
}

impl Path<'_> {
    /// `Parent.field`: the prefix for the fields of a nested struct.
    pub(crate) fn child(&self) -> String {
        format!("{}.{}", self.parent, self.field)
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Uint(_) | Value::Float(_) => "number",
        Value::Str(_) => "string",
        Value::Seq(_) => "array",
        Value::Map(_) => "object",
    }
}

pub(crate) fn type_error(v: &Value, at: Path<'_>, go_type: &str) -> ReleaseError {
    if at.field.is_empty() {
        return ReleaseError::Decode(format!("json: cannot unmarshal {} into Go value of type {go_type}", kind(v)));
    }
    ReleaseError::Decode(format!(
        "json: cannot unmarshal {} into Go struct field {} of type {go_type}",
        kind(v),
        at.child()
    ))
}

/// The entries of a JSON object; `None` for `null` (the zero value stays).
pub(crate) fn object<'v>(
    v: &'v Value,
    at: Path<'_>,
    go_type: &str,
) -> Result<Option<&'v [(Value, Value)]>, ReleaseError> {
    match v {
        Value::Null => Ok(None),
        Value::Map(entries) => Ok(Some(entries)),
        other => Err(type_error(other, at, go_type)),
    }
}

/// Matches a JSON key to a field name as Go does: exact first, then
/// case-insensitively.
pub(crate) fn field<'n>(key: &Value, names: &[&'n str]) -> Option<&'n str> {
    let key = key.as_str()?;
    names.iter().find(|n| **n == key).or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(key))).copied()
}

pub(crate) fn string(v: &Value, at: Path<'_>, slot: &mut String) -> Result<(), ReleaseError> {
    match v {
        Value::Null => Ok(()),
        Value::Str(s) => {
            slot.clone_from(s);
            Ok(())
        }
        other => Err(type_error(other, at, "string")),
    }
}

pub(crate) fn int(v: &Value, at: Path<'_>, slot: &mut i64) -> Result<(), ReleaseError> {
    match v {
        Value::Null => Ok(()),
        Value::Int(i) => {
            *slot = *i;
            Ok(())
        }
        // Integral floats within int64: Go parses the literal text; the
        // decoder hands us float64, exact up to 2^53, which covers revisions
        // and hook weights.
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => {
            *slot = *f as i64;
            Ok(())
        }
        other => Err(type_error(other, at, "int")),
    }
}

pub(crate) fn boolean(v: &Value, at: Path<'_>, slot: &mut bool) -> Result<(), ReleaseError> {
    match v {
        Value::Null => Ok(()),
        Value::Bool(b) => {
            *slot = *b;
            Ok(())
        }
        other => Err(type_error(other, at, "bool")),
    }
}

pub(crate) fn strings(v: &Value, at: Path<'_>, slot: &mut Vec<String>) -> Result<(), ReleaseError> {
    match v {
        Value::Null => {
            slot.clear();
            Ok(())
        }
        Value::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let mut s = String::new();
                string(item, at, &mut s)?;
                out.push(s);
            }
            *slot = out;
            Ok(())
        }
        other => Err(type_error(other, at, "[]string")),
    }
}

pub(crate) fn string_map(v: &Value, at: Path<'_>, slot: &mut BTreeMap<String, String>) -> Result<(), ReleaseError> {
    let Some(entries) = object(v, at, "map[string]string")? else {
        slot.clear();
        return Ok(());
    };
    for (k, val) in entries {
        let Some(k) = k.as_str() else { continue };
        let mut s = String::new();
        string(val, at, &mut s)?;
        slot.insert(k.to_string(), s);
    }
    Ok(())
}

/// A Go `[]byte` (standard base64; Go ignores CR and LF inside it).
pub(crate) fn bytes(v: &Value, at: Path<'_>) -> Result<Option<Vec<u8>>, ReleaseError> {
    match v {
        Value::Null => Ok(None),
        Value::Str(s) => {
            let clean: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
            STANDARD
                .decode(clean.as_bytes())
                .map(Some)
                .map_err(|e| ReleaseError::Decode(format!("{}: illegal base64 data: {e}", at.child())))
        }
        other => Err(type_error(other, at, "[]uint8")),
    }
}

/// A `time.Time` as Helm reads it: `null` and `""` are the zero time.
pub(crate) fn time(v: &Value, at: Path<'_>, slot: &mut Timestamp) -> Result<(), ReleaseError> {
    match v {
        Value::Null => Ok(()),
        Value::Str(s) if s.is_empty() => {
            *slot = Timestamp::ZERO;
            Ok(())
        }
        Value::Str(s) => {
            *slot = Timestamp::parse_rfc3339(s).map_err(|e| ReleaseError::Decode(format!("{}: {e}", at.child())))?;
            Ok(())
        }
        other => Err(type_error(other, at, "time.Time")),
    }
}

/// A slice of structs; `null` elements (nil pointers) are dropped.
pub(crate) fn list<T>(
    v: &Value,
    at: Path<'_>,
    go_type: &str,
    mut read: impl FnMut(&Value) -> Result<Option<T>, ReleaseError>,
) -> Result<Vec<T>, ReleaseError> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if let Some(t) = read(item)? {
                    out.push(t);
                }
            }
            Ok(out)
        }
        other => Err(type_error(other, at, go_type)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_match_case_insensitively() {
        let names = ["name", "description"];
        assert_eq!(field(&Value::Str("Description".into()), &names), Some("description"));
        assert_eq!(field(&Value::Str("NAME".into()), &names), Some("name"));
        assert_eq!(field(&Value::Str("other".into()), &names), None);
        assert_eq!(field(&Value::Int(1), &names), None);
    }

    #[test]
    fn readers_apply_go_rules() {
        let at = Path { parent: "Release", field: "version" };
        let mut n = 7;
        int(&Value::Null, at, &mut n).unwrap();
        assert_eq!(n, 7);
        int(&Value::Float(3.0), at, &mut n).unwrap();
        assert_eq!(n, 3);
        let err = int(&Value::Float(1.5), at, &mut n).unwrap_err().to_string();
        assert!(err.contains("Release.version of type int"), "{err}");
        let err = int(&Value::Str("3".into()), at, &mut n).unwrap_err().to_string();
        assert!(err.contains("cannot unmarshal string"), "{err}");
        let mut t = Timestamp::now_utc();
        time(&Value::Str(String::new()), at, &mut t).unwrap();
        assert!(t.is_zero());
        assert_eq!(bytes(&Value::Str("aGk=\n".into()), at).unwrap(), Some(b"hi".to_vec()));
        assert!(bytes(&Value::Str("***".into()), at).is_err());
    }
}
