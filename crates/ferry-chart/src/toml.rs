//! TOML for Helm's `toToml` (the encoder of `github.com/BurntSushi/toml`,
//! ported for the values templates meet: maps, lists, scalars) and
//! `fromToml` (parsed with the `toml` crate into the values BurntSushi's
//! decoder produces: `int64`, `float64`, strings, lists, maps).

use std::collections::BTreeMap;

use ferry_gotmpl::Value;

/// `toToml`: the TOML text, or the encoder's error message.
pub fn encode(v: &Value) -> String {
    let mut enc = Encoder { out: String::new(), has_written: false };
    match enc.encode_top(v) {
        Ok(()) => enc.out,
        Err(e) => e,
    }
}

struct Encoder {
    out: String,
    has_written: bool,
}

#[derive(PartialEq)]
enum TomlType {
    Table,
    ArrayOfTables,
    Other,
}

fn toml_type(v: &Value) -> Option<TomlType> {
    Some(match v {
        Value::Invalid | Value::Nil(_) => return None,
        Value::Map(_) => TomlType::Table,
        Value::Object(o) => match o.to_data() {
            Some(d) => return toml_type(&d),
            None => TomlType::Table,
        },
        Value::List(l) => {
            if !l.items.is_empty() && l.items.iter().all(|i| toml_type(i) == Some(TomlType::Table)) {
                TomlType::ArrayOfTables
            } else {
                TomlType::Other
            }
        }
        _ => TomlType::Other,
    })
}

fn is_bare_key(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn quote_key(k: &str) -> String {
    if is_bare_key(k) { k.to_string() } else { quote_string(k) }
}

fn key_string(key: &[String]) -> String {
    key.iter().map(|k| quote_key(k)).collect::<Vec<_>>().join(".")
}

fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn format_float(f: f64, bits: u32) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let s = ferry_gostd::strconv::format_float(f, b'f', -1, bits);
    if s.contains('.') { s } else { format!("{s}.0") }
}

fn entries_of(v: &Value) -> Vec<(String, Value)> {
    match v {
        Value::Map(m) => m.entries(),
        Value::Object(o) => o.to_data().and_then(|d| d.as_map().map(|m| m.entries())).unwrap_or_default(),
        _ => Vec::new(),
    }
}

impl Encoder {
    fn wf(&mut self, s: &str) {
        self.out.push_str(s);
        self.has_written = true;
    }

    fn newline(&mut self) {
        if self.has_written {
            self.wf("\n");
        }
    }

    fn indent(key: &[String]) -> String {
        "  ".repeat(key.len().saturating_sub(1))
    }

    fn encode_top(&mut self, v: &Value) -> Result<(), String> {
        match toml_type(v) {
            Some(TomlType::Table) => self.e_map(&[], v, false),
            None => Ok(()),
            _ => Err("toml: top-level values must be Go maps or structs".to_string()),
        }
    }

    fn encode(&mut self, key: &[String], v: &Value) -> Result<(), String> {
        match v {
            Value::Invalid | Value::Nil(_) => Ok(()),
            Value::Map(_) | Value::Object(_) => self.e_table(key, v),
            Value::List(_) if toml_type(v) == Some(TomlType::ArrayOfTables) => self.e_array_of_tables(key, v),
            Value::Func(_) | Value::Complex(..) => {
                Err(format!("toml: unsupported type for key '{}': {}", key_string(key), v.kind_name()))
            }
            _ => self.write_key_value(key, v, false),
        }
    }

    fn e_table(&mut self, key: &[String], v: &Value) -> Result<(), String> {
        if key.len() == 1 {
            self.newline();
        }
        if !key.is_empty() {
            let line = format!("{}[{}]", Self::indent(key), key_string(key));
            self.wf(&line);
            self.newline();
        }
        self.e_map(key, v, false)
    }

    fn e_array_of_tables(&mut self, key: &[String], v: &Value) -> Result<(), String> {
        let Some(l) = v.as_list() else { return Ok(()) };
        for item in &l.items {
            if item.is_nil() {
                continue;
            }
            self.newline();
            let line = format!("{}[[{}]]", Self::indent(key), key_string(key));
            self.wf(&line);
            self.newline();
            self.e_map(key, item, false)?;
        }
        Ok(())
    }

    fn e_map(&mut self, key: &[String], v: &Value, inline: bool) -> Result<(), String> {
        let entries = entries_of(v);
        let mut direct: Vec<(String, Value)> = Vec::new();
        let mut sub: Vec<(String, Value)> = Vec::new();
        for (k, val) in entries {
            match toml_type(&val) {
                Some(TomlType::Table) | Some(TomlType::ArrayOfTables) => sub.push((k, val)),
                _ => direct.push((k, val)),
            }
        }
        if inline {
            self.wf("{");
        }
        let has_sub = !sub.is_empty();
        self.write_map_keys(key, &direct, inline, has_sub)?;
        self.write_map_keys(key, &sub, inline, false)?;
        if inline {
            self.wf("}");
        }
        Ok(())
    }

    fn write_map_keys(
        &mut self,
        key: &[String],
        keys: &[(String, Value)],
        inline: bool,
        trail_comma: bool,
    ) -> Result<(), String> {
        for (i, (k, val)) in keys.iter().enumerate() {
            if val.is_nil() {
                continue;
            }
            if inline {
                self.write_key_value(std::slice::from_ref(k), val, true)?;
                if trail_comma || i != keys.len() - 1 {
                    self.wf(", ");
                }
            } else {
                let mut sub = key.to_vec();
                sub.push(k.clone());
                self.encode(&sub, val)?;
            }
        }
        Ok(())
    }

    fn write_key_value(&mut self, key: &[String], v: &Value, inline: bool) -> Result<(), String> {
        let last = key.last().map(|k| quote_key(k)).unwrap_or_default();
        let prefix = format!("{}{} = ", if inline { String::new() } else { Self::indent(key) }, last);
        self.wf(&prefix);
        self.e_element(v)?;
        if !inline {
            self.newline();
        }
        Ok(())
    }

    fn e_element(&mut self, v: &Value) -> Result<(), String> {
        match v {
            Value::String(s) => {
                let q = quote_string(s);
                self.wf(&q);
            }
            Value::Bool(b) => self.wf(if *b { "true" } else { "false" }),
            Value::Int(i, _) => self.wf(&i.to_string()),
            Value::Uint(u, _) => self.wf(&u.to_string()),
            Value::Float(f, k) => {
                let bits = if *k == ferry_gotmpl::FloatKind::Float32 { 32 } else { 64 };
                self.wf(&format_float(*f, bits));
            }
            Value::Bytes(b) => {
                let q = quote_string(&String::from_utf8_lossy(b));
                self.wf(&q);
            }
            Value::List(l) => {
                self.wf("[");
                for (i, item) in l.items.iter().enumerate() {
                    if i > 0 {
                        self.wf(", ");
                    }
                    self.e_element(item)?;
                }
                self.wf("]");
            }
            Value::Map(_) | Value::Object(_) => self.e_map(&[], v, true)?,
            Value::Invalid | Value::Nil(_) => self.wf("\"\""),
            other => return Err(format!("toml: unsupported type: {}", other.type_name())),
        }
        Ok(())
    }
}

trait KindName {
    fn kind_name(&self) -> String;
}

impl KindName for Value {
    fn kind_name(&self) -> String {
        format!("{:?}", self.kind()).to_lowercase()
    }
}

/// `fromToml`: a map, or `{"Error": message}`.
pub fn from_toml(s: &str) -> Value {
    match s.parse::<toml::Table>() {
        Ok(t) => Value::map(table_entries(&t)),
        Err(e) => {
            let mut m = BTreeMap::new();
            m.insert("Error".to_string(), Value::from(format!("toml: {}", e.message())));
            Value::map(m)
        }
    }
}

fn table_entries(t: &toml::Table) -> BTreeMap<String, Value> {
    t.iter().map(|(k, v)| (k.clone(), toml_value(v))).collect()
}

fn toml_value(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::from(s.as_str()),
        toml::Value::Integer(i) => Value::int64(*i),
        toml::Value::Float(f) => Value::float64(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::from(d.to_string()),
        toml::Value::Array(a) => Value::list(a.iter().map(toml_value).collect()),
        toml::Value::Table(t) => Value::map(table_entries(t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    /// Helm's `TestFuncs` toToml cases.
    #[test]
    fn helm_to_toml_cases() {
        assert_eq!(encode(&map(&[("foo", Value::from("bar"))])), "foo = \"bar\"\n");
        let v = map(&[("foo", map(&[("bar", Value::from("baz"))]))]);
        assert_eq!(encode(&v), "[foo]\n  bar = \"baz\"\n");
        let v = map(&[("foo", Value::list(vec![Value::int(1), Value::int(2), Value::int(3)]))]);
        assert_eq!(encode(&v), "foo = [1, 2, 3]\n");
        let v = map(&[
            ("a", Value::float64(1.0)),
            ("t", map(&[("x", Value::Bool(true))])),
            ("u", map(&[("y", Value::from("z"))])),
        ]);
        assert_eq!(encode(&v), "a = 1.0\n\n[t]\n  x = true\n\n[u]\n  y = \"z\"\n");
    }

    #[test]
    fn from_toml_values() {
        assert_eq!(
            from_toml("hello = \"world\"\n[t]\nn = 1\nf = 1.5\n").to_string(),
            "map[hello:world t:map[f:1.5 n:1]]"
        );
        assert!(from_toml("bad = ").to_string().starts_with("map[Error:toml: "));
    }
}
