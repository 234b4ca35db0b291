//! Go's `encoding/json` for serde types: the chart model and the release
//! record derive `Serialize`/`Deserialize` with their Go struct tags as serde
//! attributes, and this module supplies what serde lacks to match Go byte
//! for byte and error for error.
//!
//! * [`to_string`] writes with [`GoFormatter`]: Go's escaping (`<`, `>`, `&`,
//!   U+2028, U+2029) and Go's float text.
//! * [`from_str`] reads with Go's rules: field names match exactly, then
//!   case-insensitively; unknown fields are ignored; a repeated field keeps
//!   its last value; `null` is the zero value; a value of the wrong kind is
//!   `json: cannot unmarshal string into Go struct field Metadata.chart.metadata.keywords of type []string`
//!   (Go names the innermost struct and the whole field path).
//! * [`from_yaml`] reads a YAML document the way `sigs.k8s.io/yaml.Unmarshal`
//!   does (Helm's `Chart.yaml`): through JSON, with numbers and booleans
//!   becoming strings where the Go field is a string.
//! * `with` modules for the field shapes Go has and serde does not:
//!   `interface{}` trees ([`any`], [`object`]), `[]byte` ([`bytes`],
//!   [`opt_bytes`]), nil slices ([`nil_if_empty`]) and Go string types whose
//!   empty text means unset ([`opt_text`]).
//!
//! Struct names are given as Go prints their types (`#[serde(rename =
//! "v2.Metadata")]`); they never appear in the JSON, only in error messages.

use std::fmt;

use ferry_goyaml::Value;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

// ------------------------------------------------------------------ writing

/// serde_json's formatter with Go's string escaping and float text.
pub(crate) struct GoFormatter;

impl serde_json::ser::Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(&mut self, w: &mut W, fragment: &str) -> std::io::Result<()> {
        // serde_json escapes quotes, backslashes and control characters
        // itself; the fragments between them get Go's extra escapes.
        let mut out = String::with_capacity(fragment.len());
        ferry_gostd::json::write_string_contents(&mut out, fragment, true);
        w.write_all(out.as_bytes())
    }

    fn write_f64<W: ?Sized + std::io::Write>(&mut self, w: &mut W, value: f64) -> std::io::Result<()> {
        let text = ferry_gostd::json::format_float(value, 64).map_err(std::io::Error::other)?;
        w.write_all(text.as_bytes())
    }

    fn write_f32<W: ?Sized + std::io::Write>(&mut self, w: &mut W, value: f32) -> std::io::Result<()> {
        let text = ferry_gostd::json::format_float(f64::from(value), 32).map_err(std::io::Error::other)?;
        w.write_all(text.as_bytes())
    }
}

/// `json.Marshal(v)`.
pub(crate) fn to_string<T: Serialize + ?Sized>(v: &T) -> Result<String, serde_json::Error> {
    let mut out = Vec::new();
    v.serialize(&mut serde_json::Serializer::with_formatter(&mut out, GoFormatter))?;
    // The formatter only ever writes UTF-8.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

// ------------------------------------------------------------------ reading

/// Why a document did not decode, worded as Go's `encoding/json` words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError {
    kind: ErrorKind,
    /// JSON field names from the innermost out.
    fields: Vec<&'static str>,
    /// The innermost struct around the failing field (what Go names).
    innermost: Option<&'static str>,
    /// The outermost struct (for messages Go gives no context to).
    root: Option<&'static str>,
    /// Whether to name the field of an error Go gives no context to (a
    /// malformed time): Ferry's release reader does, Helm's YAML reading
    /// does not.
    context: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ErrorKind {
    /// `UnmarshalTypeError`: a JSON kind that does not fit the Go type.
    Type { value: &'static str, go_type: String },
    /// A syntax error or a value a type refused (a malformed time).
    Other(String),
}

impl DecodeError {
    fn type_error(value: &'static str, go_type: impl Into<String>) -> DecodeError {
        DecodeError {
            kind: ErrorKind::Type { value, go_type: go_type.into() },
            fields: Vec::new(),
            innermost: None,
            root: None,
            context: false,
        }
    }

    fn in_field(mut self, field: &'static str, strukt: &'static str) -> DecodeError {
        // Go's `Type.Name()`: `v2.Metadata` is `Metadata`; an anonymous
        // `struct { ... }` has no name.
        let short = if strukt.starts_with("struct ") { "" } else { strukt.rsplit('.').next().unwrap_or(strukt) };
        self.fields.push(field);
        self.innermost.get_or_insert(short);
        self.root = Some(short);
        self
    }

    fn path(&self) -> String {
        self.fields.iter().rev().copied().collect::<Vec<_>>().join(".")
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Type { value, go_type } => match self.innermost {
                Some(s) => write!(
                    f,
                    "json: cannot unmarshal {value} into Go struct field {s}.{} of type {go_type}",
                    self.path()
                ),
                None => write!(f, "json: cannot unmarshal {value} into Go value of type {go_type}"),
            },
            // Go gives these no context; the field path is Ferry's addition.
            ErrorKind::Other(msg) => match self.root {
                Some(r) if self.context => write!(f, "{r}.{}: {msg}", self.path()),
                _ => f.write_str(msg),
            },
        }
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DecodeError {
            kind: ErrorKind::Other(msg.to_string()),
            fields: Vec::new(),
            innermost: None,
            root: None,
            context: false,
        }
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        DecodeError::type_error(json_kind(&unexp), go_type_of(&exp.to_string()))
    }
}

/// The JSON kind word Go uses in `cannot unmarshal X into ...`.
fn json_kind(u: &de::Unexpected<'_>) -> &'static str {
    use de::Unexpected as U;
    match u {
        U::Bool(_) => "bool",
        U::Unsigned(_) | U::Signed(_) | U::Float(_) => "number",
        U::Str(_) | U::Char(_) => "string",
        U::Unit | U::Option => "null",
        U::Seq => "array",
        U::Map => "object",
        _ => "value",
    }
}

fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Uint(_) | Value::Float(_) => "number",
        Value::Str(_) => "string",
        Value::Seq(_) => "array",
        Value::Map(_) => "object",
    }
}

/// The Go type for serde's description of what a visitor expected; the
/// visitors of this module describe themselves in Go terms already.
fn go_type_of(expected: &str) -> String {
    match expected {
        "a string" => "string".into(),
        "a boolean" => "bool".into(),
        "i64" | "i32" | "u64" | "u32" => "int".into(),
        "a map" => "map[string]string".into(),
        other => other.strip_prefix("struct ").unwrap_or(other).to_string(),
    }
}

/// `json.Unmarshal(text, &v)`; errors Go gives no field to (a malformed
/// time) name the field here.
pub(crate) fn from_str<T: de::DeserializeOwned>(text: &str) -> Result<T, DecodeError> {
    let doc = ferry_goyaml::decode_json(text).map_err(<DecodeError as de::Error>::custom)?;
    T::deserialize(GoValue { v: &doc, sigs: false }).map_err(|e| DecodeError { context: true, ..e })
}

/// The first half of `sigs.k8s.io/yaml.Unmarshal`: YAML decoded as go-yaml
/// v2 decodes it, then made JSON-able (`convertToJSONableObject`): every
/// map key becomes a string (numbers and booleans by their text), a
/// repeated key keeps its last value. Errors carry sigs' wording.
pub(crate) fn yaml_to_json(data: &[u8]) -> Result<Value, String> {
    let doc = ferry_goyaml::decode(data).map_err(|e| format!("error converting YAML to JSON: {e}"))?;
    json_keys(&doc).map_err(|e| format!("error converting YAML to JSON: {e}"))
}

fn json_keys(v: &Value) -> Result<Value, String> {
    Ok(match v {
        Value::Seq(items) => Value::Seq(items.iter().map(json_keys).collect::<Result<_, _>>()?),
        Value::Map(entries) => {
            let mut out: Vec<(Value, Value)> = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let key = Value::Str(match k {
                    Value::Str(s) => s.clone(),
                    Value::Int(i) => i.to_string(),
                    Value::Uint(u) => u.to_string(),
                    Value::Float(f) => yaml_float_key(*f),
                    Value::Bool(b) => b.to_string(),
                    // go-yaml refuses collection keys itself; only nil is left.
                    other => {
                        return Err(format!(
                            "unsupported map key of type: %!s(<nil>), key: {}, value: {}",
                            other.go_syntax(),
                            v.go_syntax()
                        ));
                    }
                });
                let v = json_keys(v)?;
                match out.iter_mut().find(|(ek, _)| *ek == key) {
                    Some(slot) => slot.1 = v,
                    None => out.push((key, v)),
                }
            }
            Value::Map(out)
        }
        other => other.clone(),
    })
}

/// sigs' float map keys: go-yaml's float text at 32 bits.
fn yaml_float_key(f: f64) -> String {
    match ferry_gostd::strconv::format_float(f, b'g', -1, 32).as_str() {
        "+Inf" => ".inf".into(),
        "-Inf" => "-.inf".into(),
        "NaN" => ".nan".into(),
        s => s.to_string(),
    }
}

/// The second half of `sigs.k8s.io/yaml.Unmarshal` on [`yaml_to_json`]'s
/// result: numbers and booleans read into string fields become their text
/// (sigs converts them for string targets), and an object's keys are
/// visited in sorted order, as the JSON sigs writes has them.
pub(crate) fn from_yaml<T: de::DeserializeOwned>(doc: &Value) -> Result<T, String> {
    T::deserialize(GoValue { v: doc, sigs: true })
        .map_err(|e| format!("error unmarshaling JSON: while decoding JSON: {e}"))
}

/// A decoded JSON (or sigs-converted YAML) value being read into a Go type.
#[derive(Clone, Copy)]
struct GoValue<'a> {
    v: &'a Value,
    sigs: bool,
}

impl<'a> GoValue<'a> {
    fn at(&self, v: &'a Value) -> GoValue<'a> {
        GoValue { v, sigs: self.sigs }
    }

    /// Hands the value to the visitor as it is; the visitor refuses what
    /// does not fit its type (and names the type in its `expecting`).
    fn forward<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.v {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Uint(u) => visitor.visit_u64(*u),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Str(s) => visitor.visit_str(s),
            Value::Seq(items) => visitor.visit_seq(Items { items: items.iter(), of: self }),
            Value::Map(entries) => visitor.visit_map(Entries { entries: entries.iter(), value: None, of: self }),
        }
    }
}

impl<'de> Deserializer<'de> for GoValue<'_> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.forward(visitor)
    }

    // Go's `null` into a string, number or bool leaves the zero value.
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.v {
            Value::Null => visitor.visit_bool(false),
            _ => self.forward(visitor),
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.v {
            Value::Null => visitor.visit_i64(0),
            // JSON numbers arrive as float64; an integral one fits an int.
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => visitor.visit_i64(*f as i64),
            _ => self.forward(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.v {
            Value::Null => visitor.visit_str(""),
            _ => self.forward(visitor),
        }
    }

    /// A Go `string` field. Under sigs, scalars become their text; types
    /// that only look like strings in JSON (`time.Time`) read with
    /// `deserialize_str` and so are not converted, as sigs does not.
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.v {
            Value::Int(i) if self.sigs => visitor.visit_string(i.to_string()),
            Value::Uint(u) if self.sigs => visitor.visit_string(u.to_string()),
            Value::Float(f) if self.sigs => visitor.visit_string(ferry_gostd::strconv::format_float(*f, b'g', -1, 32)),
            Value::Bool(b) if self.sigs => visitor.visit_string(b.to_string()),
            _ => self.deserialize_str(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.v {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.v {
            Value::Null => visitor.visit_seq(Items { items: [].iter(), of: self }),
            Value::Seq(_) => self.forward(visitor),
            // Go names the slice type; serde knows only "a sequence". One
            // probe element learns the element type from what it is asked.
            other => visitor.visit_seq(Probe { kind: value_kind(other), used: false }),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.v {
            Value::Null => visitor.visit_map(Entries { entries: [].iter(), value: None, of: self }),
            _ => self.forward(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        let entries: &[(Value, Value)] = match self.v {
            Value::Null => &[],
            Value::Map(entries) => entries,
            other => return Err(DecodeError::type_error(value_kind(other), name)),
        };
        let mut matched: Vec<(&str, &'static str, &Value)> = entries
            .iter()
            .filter_map(|(k, v)| {
                let key = k.as_str()?;
                let field = fields
                    .iter()
                    .find(|f| **f == key)
                    .or_else(|| fields.iter().find(|f| f.eq_ignore_ascii_case(key)))?;
                Some((key, *field, v))
            })
            .collect();
        if self.sigs {
            matched.sort_by(|a, b| a.0.cmp(b.0));
        }
        // A repeated field keeps its last value.
        let mut fields_out: Vec<(&'static str, &Value)> = Vec::with_capacity(matched.len());
        for (_, field, v) in matched {
            match fields_out.iter_mut().find(|(f, _)| *f == field) {
                Some(slot) => slot.1 = v,
                None => fields_out.push((field, v)),
            }
        }
        visitor.visit_map(Fields { fields: fields_out.into_iter(), value: None, name, of: self })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _: &'static str, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit unit_struct
        tuple tuple_struct enum identifier ignored_any
    }
}

/// The entries of a Go struct: known fields only, each once.
struct Fields<'a, I> {
    fields: I,
    value: Option<(&'static str, &'a Value)>,
    name: &'static str,
    of: GoValue<'a>,
}

impl<'de, 'a, I: Iterator<Item = (&'static str, &'a Value)>> MapAccess<'de> for Fields<'a, I> {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DecodeError> {
        let Some((field, v)) = self.fields.next() else { return Ok(None) };
        self.value = Some((field, v));
        seed.deserialize(de::value::StrDeserializer::<DecodeError>::new(field)).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, DecodeError> {
        let Some((field, v)) = self.value.take() else {
            return Err(de::Error::custom("value requested before key"));
        };
        seed.deserialize(self.of.at(v)).map_err(|e| e.in_field(field, self.name))
    }
}

/// The entries of a JSON object read into a Go map or `interface{}`.
struct Entries<'a, I> {
    entries: I,
    value: Option<&'a Value>,
    of: GoValue<'a>,
}

impl<'de, 'a, I: Iterator<Item = &'a (Value, Value)>> MapAccess<'de> for Entries<'a, I> {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DecodeError> {
        let Some((k, v)) = self.entries.next() else { return Ok(None) };
        self.value = Some(v);
        seed.deserialize(GoValue { v: k, sigs: false }).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, DecodeError> {
        let v = self.value.take().ok_or_else(|| de::Error::custom("value requested before key"))?;
        seed.deserialize(self.of.at(v))
    }
}

/// The elements of a JSON array.
struct Items<'a, I> {
    items: I,
    of: GoValue<'a>,
}

impl<'de, 'a, I: Iterator<Item = &'a Value>> SeqAccess<'de> for Items<'a, I> {
    type Error = DecodeError;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, DecodeError> {
        match self.items.next() {
            Some(v) => seed.deserialize(self.of.at(v)).map(Some),
            None => Ok(None),
        }
    }
}

/// A non-array where a slice belongs: its one element fails with Go's
/// message once the element type is known.
struct Probe {
    kind: &'static str,
    used: bool,
}

impl<'de> SeqAccess<'de> for Probe {
    type Error = DecodeError;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, DecodeError> {
        if std::mem::replace(&mut self.used, true) {
            return Ok(None);
        }
        seed.deserialize(ProbeElement(self.kind)).map(Some)
    }
}

struct ProbeElement(&'static str);

impl ProbeElement {
    fn fail<T>(&self, elem: &str) -> Result<T, DecodeError> {
        Err(DecodeError::type_error(self.0, format!("[]{elem}")))
    }
}

impl<'de> Deserializer<'de> for ProbeElement {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DecodeError> {
        self.fail("interface {}")
    }

    fn deserialize_str<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DecodeError> {
        self.fail("string")
    }

    fn deserialize_string<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DecodeError> {
        self.fail("string")
    }

    fn deserialize_i64<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DecodeError> {
        self.fail("int")
    }

    fn deserialize_bool<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DecodeError> {
        self.fail("bool")
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_some(self)
    }

    // Go's struct slices are slices of pointers.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, DecodeError> {
        self.fail(&format!("*{name}"))
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit unit_struct
        newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

// ------------------------------------------------------------ field shapes

/// `omitempty` on a `bool`.
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

/// `omitempty` on an `int`.
pub(crate) fn is_zero(i: &i64) -> bool {
    *i == 0
}

/// `omitempty` on a `map[string]string` that may be nil.
pub(crate) fn is_none_or_empty<K, V>(m: &Option<std::collections::BTreeMap<K, V>>) -> bool {
    m.as_ref().is_none_or(|m| m.is_empty())
}

/// `omitempty` on a `map[string]interface{}`: nil and empty maps are left out.
pub(crate) fn is_empty_object(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}

/// An `interface{}` tree (`import-values`, an element of `[]interface{}`):
/// maps with string keys written in Go's sorted order, Go's float text,
/// NaN and infinities refused; read back as `encoding/json` reads into
/// `interface{}` (every number a float64).
pub(crate) mod any {
    use super::*;

    /// Borrows a tree for serialization.
    pub(crate) struct Ser<'a>(pub(crate) &'a Value);

    impl Serialize for Ser<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            serialize(self.0, s)
        }
    }

    pub(crate) fn serialize<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error as _;
        match v {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Uint(u) => s.serialize_u64(*u),
            Value::Float(f) => match ferry_gostd::json::format_float(*f, 64) {
                Ok(_) => s.serialize_f64(*f),
                Err(e) => Err(S::Error::custom(e)),
            },
            Value::Str(t) => s.serialize_str(t),
            Value::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Ser(item))?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let mut keyed = Vec::with_capacity(entries.len());
                for (k, val) in entries {
                    let Value::Str(k) = k else {
                        return Err(S::Error::custom("json: unsupported type: map[interface {}]interface {}"));
                    };
                    keyed.push((k.as_str(), val));
                }
                keyed.sort_by(|a, b| a.0.cmp(b.0));
                let mut map = s.serialize_map(Some(keyed.len()))?;
                for (k, val) in keyed {
                    map.serialize_entry(k, &Ser(val))?;
                }
                map.end()
            }
        }
    }

    /// Builds the tree; `expecting` is the Go type named in errors.
    pub(crate) struct Build(pub(crate) &'static str);

    impl<'de> Visitor<'de> for Build {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
            Ok(Value::Bool(b))
        }

        fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
            Ok(Value::Float(i as f64))
        }

        fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
            Ok(Value::Float(u as f64))
        }

        fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
            Ok(Value::Float(f))
        }

        fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
            Ok(Value::Str(s.to_string()))
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element_seed(Seed)? {
                items.push(item);
            }
            Ok(Value::Seq(items))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut entries = Vec::new();
            while let Some(k) = map.next_key::<String>()? {
                let v = map.next_value_seed(Seed)?;
                // A repeated key keeps its first place and last value, as in a Go map.
                match entries.iter_mut().find(|(ek, _): &&mut (Value, Value)| ek.as_str() == Some(k.as_str())) {
                    Some(slot) => slot.1 = v,
                    None => entries.push((Value::Str(k), v)),
                }
            }
            Ok(Value::Map(entries))
        }
    }

    struct Seed;

    impl<'de> DeserializeSeed<'de> for Seed {
        type Value = Value;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(Build("interface {}"))
        }
    }

    /// A `[]interface{}` field.
    pub(crate) mod list {
        use super::*;

        pub(crate) fn serialize<S: Serializer>(items: &[Value], s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(items.iter().map(Ser))
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
            struct Items;
            impl<'de> Visitor<'de> for Items {
                type Value = Vec<Value>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("[]interface {}")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Value>, A::Error> {
                    let mut out = Vec::new();
                    while let Some(v) = seq.next_element_seed(Seed)? {
                        out.push(v);
                    }
                    Ok(out)
                }
            }
            d.deserialize_seq(Items)
        }
    }
}

/// A `map[string]interface{}` field: an object or `null` (nil).
pub(crate) mod object {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
        any::serialize(v, s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        struct Object;
        impl<'de> Visitor<'de> for Object {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("map[string]interface {}")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
                any::Build("map[string]interface {}").visit_map(map)
            }
        }
        d.deserialize_any(Object)
    }
}

/// Go's `base64.StdEncoding`, which skips CR and LF inside the text.
fn decode_base64<E: de::Error>(s: &str) -> Result<Vec<u8>, E> {
    use base64::Engine as _;
    let clean: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    base64::engine::general_purpose::STANDARD
        .decode(clean.as_bytes())
        .map_err(|e| E::custom(format!("illegal base64 data: {e}")))
}

struct Base64;

impl Visitor<'_> for Base64 {
    type Value = Option<Vec<u8>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[]uint8")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        decode_base64(s).map(Some)
    }
}

/// A `[]byte` that is never nil: standard base64.
pub(crate) mod bytes {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        use base64::Engine as _;
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(b))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Ok(d.deserialize_any(Base64)?.unwrap_or_default())
    }
}

/// A `[]byte` that may be nil (`null`).
pub(crate) mod opt_bytes {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(b: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match b {
            Some(b) => bytes::serialize(b, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        d.deserialize_any(Base64)
    }
}

/// A slice without `omitempty`: empty is Go's nil slice, written `null`.
pub(crate) mod nil_if_empty {
    use super::*;

    pub(crate) fn serialize<S: Serializer, T: Serialize>(items: &[T], s: S) -> Result<S::Ok, S::Error> {
        if items.is_empty() { s.serialize_none() } else { s.collect_seq(items) }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
        Vec::deserialize(d)
    }
}

/// A Go string type with named values ([`GoText`]) where the empty text
/// means "not set": `None` is written as `""` and `""` reads as `None`.
pub(crate) mod opt_text {
    use super::*;

    pub(crate) fn serialize<S: Serializer, T: GoText>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.as_ref().map_or("", T::as_str))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: GoText>(d: D) -> Result<Option<T>, D::Error> {
        let text = String::deserialize(d)?;
        Ok((!text.is_empty()).then(|| T::parse(&text)))
    }
}

/// A Go string type with named values, kept verbatim when unknown.
pub(crate) trait GoText {
    /// The text Go writes.
    fn as_str(&self) -> &str;
    /// The value for a text (never fails).
    fn parse(text: &str) -> Self;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename = "v1.Outer", default)]
    struct Outer {
        name: String,
        #[serde(skip_serializing_if = "is_zero")]
        count: i64,
        inner: Option<Inner>,
        tags: Vec<String>,
        #[serde(with = "object")]
        values: Value,
    }

    impl Default for Outer {
        fn default() -> Self {
            Outer { name: String::new(), count: 0, inner: None, tags: Vec::new(), values: Value::Null }
        }
    }

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(rename = "v2.Inner", default)]
    struct Inner {
        #[serde(rename = "kubeVersion")]
        kube_version: String,
        list: Vec<Option<Inner>>,
        notes: BTreeMap<String, String>,
    }

    fn err(text: &str) -> String {
        from_str::<Outer>(text).unwrap_err().to_string()
    }

    #[test]
    fn writes_like_go() {
        let o = Outer {
            name: "<a&b>\u{2028}\u{7f}\n".into(),
            count: 0,
            inner: None,
            tags: vec![],
            values: ferry_goyaml::decode_json(r#"{"z":1e21,"a":0.5,"m":1e-7,"n":null}"#).unwrap(),
        };
        assert_eq!(
            to_string(&o).unwrap(),
            r#"{"name":"\u003ca\u0026b\u003e\u2028"#.to_string()
                + "\u{7f}"
                + r#"\n","inner":null,"tags":[],"values":{"a":0.5,"m":1e-7,"n":null,"z":1e+21}}"#
        );
        let nan =
            Outer { values: Value::Map(vec![(Value::Str("x".into()), Value::Float(f64::NAN))]), ..Outer::default() };
        assert_eq!(to_string(&nan).unwrap_err().to_string(), "json: unsupported value: NaN");
    }

    #[test]
    fn reads_like_go() {
        let o: Outer = from_str(
            r#"{"NAME":"x","name":"y","count":3.0,"unknown":[1],"inner":{"KubeVersion":"1.2","list":[null,{}],"notes":null},"tags":null,"values":{"a":1}}"#,
        )
        .unwrap();
        assert_eq!(o.name, "y", "a repeated field keeps its last value");
        assert_eq!(o.count, 3);
        let inner = o.inner.unwrap();
        assert_eq!(inner.kube_version, "1.2");
        assert_eq!(inner.list, vec![None, Some(Inner::default())]);
        assert_eq!(o.values, Value::Map(vec![(Value::Str("a".into()), Value::Float(1.0))]));
        assert_eq!(from_str::<Outer>("null").unwrap(), Outer::default());
    }

    #[test]
    fn type_errors_name_the_innermost_struct_and_the_path() {
        assert_eq!(
            err(r#"{"count":"2"}"#),
            "json: cannot unmarshal string into Go struct field Outer.count of type int"
        );
        assert_eq!(
            err(r#"{"count":2.5}"#),
            "json: cannot unmarshal number into Go struct field Outer.count of type int"
        );
        assert_eq!(
            err(r#"{"tags":"x"}"#),
            "json: cannot unmarshal string into Go struct field Outer.tags of type []string"
        );
        assert_eq!(
            err(r#"{"tags":[1]}"#),
            "json: cannot unmarshal number into Go struct field Outer.tags of type string"
        );
        assert_eq!(
            err(r#"{"inner":{"list":{}}}"#),
            "json: cannot unmarshal object into Go struct field Inner.inner.list of type []*v2.Inner"
        );
        assert_eq!(
            err(r#"{"inner":{"list":[7]}}"#),
            "json: cannot unmarshal number into Go struct field Inner.inner.list of type v2.Inner"
        );
        assert_eq!(
            err(r#"{"inner":[]}"#),
            "json: cannot unmarshal array into Go struct field Outer.inner of type v2.Inner"
        );
        assert_eq!(
            err(r#"{"inner":{"notes":[]}}"#),
            "json: cannot unmarshal array into Go struct field Inner.inner.notes of type map[string]string"
        );
        assert_eq!(
            err(r#"{"values":[]}"#),
            "json: cannot unmarshal array into Go struct field Outer.values of type map[string]interface {}"
        );
        assert_eq!(err("[1]"), "json: cannot unmarshal array into Go value of type v1.Outer");
        assert_eq!(err("{"), "unexpected end of JSON input");
    }

    #[test]
    fn sigs_turns_scalars_into_strings_for_string_fields() {
        let doc =
            ferry_goyaml::decode(b"name: 1.10\ncount: 2\ntags: [true, 3]\ninner: {kubeVersion: 1234567890}\n").unwrap();
        let o: Outer = from_yaml(&doc).unwrap();
        assert_eq!((o.name.as_str(), o.count), ("1.1", 2));
        assert_eq!(o.tags, ["true", "3"]);
        assert_eq!(o.inner.unwrap().kube_version, "1234567890");
        let doc = yaml_to_json(b"tags: {}\nname: []\n").unwrap();
        // Keys are visited in sorted order: `name` fails first.
        assert_eq!(
            from_yaml::<Outer>(&doc).unwrap_err(),
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field Outer.name of type string"
        );
        // Keys become strings as sigs makes them; a nil key is refused with sigs' text.
        assert_eq!(
            yaml_to_json(b"{1: a, 1.5: b, true: c, .inf: d}").unwrap(),
            ferry_goyaml::decode(br#"{"1": a, "1.5": b, "true": c, ".inf": d}"#).unwrap()
        );
        assert_eq!(
            yaml_to_json(b"~: x\n").unwrap_err(),
            "error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: <nil>, value: \"x\""
        );
    }
}
