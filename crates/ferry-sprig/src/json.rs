//! Go's `encoding/json` over template values: `Marshal`, `MarshalIndent`, an
//! `Encoder` without HTML escaping (Sprig's `toRawJson`), and `Unmarshal` into
//! `interface {}` (objects → `map[string]interface {}`, arrays →
//! `[]interface {}`, numbers → `float64`). Helm overrides `toJson` with its own
//! wrapper, so [`marshal`] is public.

use std::collections::BTreeMap;

use ferry_gotmpl::{CycleError, Value, strconv};

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

fn write_string(out: &mut String, s: &str, escape_html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if escape_html => out.push_str(&format!("\\u00{:02x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u00{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's float encoder: like `%g` but with ES6 exponent cut-offs.
pub fn format_float(f: f64, bits: u32) -> Result<String, String> {
    if f.is_nan() || f.is_infinite() {
        return Err(format!("json: unsupported value: {}", strconv::format_float(f, b'g', -1, bits)));
    }
    let abs = f.abs();
    let mut fmt = b'f';
    if abs != 0.0 {
        let (small, large) =
            if bits == 32 { ((abs as f32) < 1e-6, (abs as f32) >= 1e21) } else { (abs < 1e-6, abs >= 1e21) };
        if small || large {
            fmt = b'e';
        }
    }
    let mut s = strconv::format_float(f, fmt, -1, bits);
    if fmt == b'e' {
        let b = s.as_bytes();
        let n = b.len();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            s.remove(n - 2);
        }
    }
    Ok(s)
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
        Value::String(s) => write_string(out, s, opts.escape_html),
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
                write_string(out, k, opts.escape_html);
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

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

fn describe(c: u8) -> String {
    // Go's quoteChar.
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        c => {
            let q = strconv::quote(&(c as char).to_string());
            format!("'{}'", q.get(1..q.len().saturating_sub(1)).unwrap_or(""))
        }
    }
}

impl<'a> Parser<'a> {
    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn err_char(&self, context: &str) -> String {
        match self.s.get(self.pos) {
            None => "unexpected end of JSON input".into(),
            Some(&c) => {
                let shown = if c >= 0x80 {
                    let ch = self.text[self.pos..].chars().next().unwrap_or('\u{fffd}');
                    format!("'{ch}'")
                } else {
                    describe(c)
                };
                format!("invalid character {shown} {context}")
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err("exceeded max depth".into());
        }
        self.skip_ws();
        match self.s.get(self.pos) {
            None => Err("unexpected end of JSON input".into()),
            Some(b'{') => {
                self.pos += 1;
                let mut map = BTreeMap::new();
                self.skip_ws();
                if self.s.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                    return Ok(Value::map(map));
                }
                loop {
                    self.skip_ws();
                    if self.s.get(self.pos) != Some(&b'"') {
                        return Err(self.err_char("looking for beginning of object key string"));
                    }
                    let key = self.string()?;
                    self.skip_ws();
                    if self.s.get(self.pos) != Some(&b':') {
                        return Err(self.err_char("after object key"));
                    }
                    self.pos += 1;
                    let v = self.value(depth + 1)?;
                    map.insert(key, v);
                    self.skip_ws();
                    match self.s.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Value::map(map));
                        }
                        _ => return Err(self.err_char("after object key:value pair")),
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.s.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                    return Ok(Value::list(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    match self.s.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Value::list(items));
                        }
                        _ => return Err(self.err_char("after array element")),
                    }
                }
            }
            Some(b'"') => Ok(Value::from(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::nil()),
            Some(c) if *c == b'-' || c.is_ascii_digit() => self.number(),
            Some(_) => Err(self.err_char("looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
        for (i, expected) in word.bytes().enumerate() {
            match self.s.get(self.pos) {
                Some(&c) if c == expected => self.pos += 1,
                Some(_) => {
                    let ctx = format!("in literal {word} (expecting {})", describe(word.as_bytes()[i]));
                    return Err(self.err_char(&ctx));
                }
                None => return Err("unexpected end of JSON input".into()),
            }
        }
        Ok(v)
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.pos;
        if self.s.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        match self.s.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(c) if c.is_ascii_digit() => {
                while self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
                    self.pos += 1;
                }
            }
            _ => return Err(self.err_char("in numeric literal")),
        }
        if self.s.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
                return Err(self.err_char("after decimal point in numeric literal"));
            }
            while self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
                self.pos += 1;
            }
        }
        if matches!(self.s.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.s.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
                return Err(self.err_char("in exponent of numeric literal"));
            }
            while self.s.get(self.pos).is_some_and(u8::is_ascii_digit) {
                self.pos += 1;
            }
        }
        let lit = &self.text[start..self.pos];
        strconv::parse_float(lit)
            .map(Value::float64)
            .map_err(|_| format!("json: cannot unmarshal number {lit} into Go value of type float64"))
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                return Err("unexpected end of JSON input".into());
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(&e) = self.s.get(self.pos) else {
                        return Err("unexpected end of JSON input".into());
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            if (0xD800..0xDC00).contains(&hi)
                                && self.s.get(self.pos) == Some(&b'\\')
                                && self.s.get(self.pos + 1) == Some(&b'u')
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                    out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                                    continue;
                                }
                                self.pos = save;
                            }
                            out.push(char::from_u32(hi).unwrap_or('\u{fffd}'));
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.err_char("in string escape code"));
                        }
                    }
                }
                c if c < 0x20 => return Err(self.err_char("in string literal")),
                _ => {
                    let ch = self.text[self.pos..].chars().next().unwrap_or('\u{fffd}');
                    out.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(&c) = self.s.get(self.pos) else {
                return Err("unexpected end of JSON input".into());
            };
            let d = (c as char).to_digit(16).ok_or_else(|| self.err_char("in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
            self.pos += 1;
        }
        Ok(v)
    }
}

/// `json.Unmarshal([]byte(s), &interface{})`.
pub fn unmarshal(s: &str) -> Result<Value, String> {
    let mut p = Parser { s: s.as_bytes(), text: s, pos: 0 };
    let v = p.value(0)?;
    p.skip_ws();
    if p.pos < p.s.len() {
        return Err(p.err_char("after top-level value"));
    }
    Ok(v)
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
