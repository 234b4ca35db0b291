//! Go `encoding/json` for the tree: `Marshal`, `MarshalIndent`, the
//! non-HTML-escaping encoder, and `Unmarshal` into `interface{}` (numbers as
//! `float64`), with Go's error texts.

use crate::decode::MAX_DEPTH;
use crate::error::Error;
use crate::gofmt;
use crate::value::{Value, map_set};

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

/// Go's JSON float text (`floatEncoder` for 64-bit floats). The value must be finite.
pub(crate) fn go_json_float(f: f64) -> String {
    let abs = f.abs();
    let fmt = if abs != 0.0 && !(1e-6..1e21).contains(&abs) { b'e' } else { b'f' };
    let mut s = gofmt::format_float(f, fmt, 64);
    if fmt == b'e' {
        // Go turns e-09 into e-9.
        let b = s.as_bytes();
        let n = b.len();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            s.remove(n - 2);
        }
    }
    s
}

fn unsupported_float(f: f64) -> Error {
    Error::Json(format!("json: unsupported value: {}", gofmt::format_float(f, b'g', 64)))
}

pub(crate) fn write_json_string(out: &mut String, s: &str, escape_html: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc: Option<String> = match c {
            '\\' => Some("\\\\".into()),
            '"' => Some("\\\"".into()),
            '\u{8}' => Some("\\b".into()),
            '\u{c}' => Some("\\f".into()),
            '\n' => Some("\\n".into()),
            '\r' => Some("\\r".into()),
            '\t' => Some("\\t".into()),
            '<' | '>' | '&' if escape_html => {
                let b = c as u8;
                Some(format!("\\u00{}{}", HEX[(b >> 4) as usize] as char, HEX[(b & 0xF) as usize] as char))
            }
            c if (c as u32) < 0x20 => {
                let b = c as u8;
                Some(format!("\\u00{}{}", HEX[(b >> 4) as usize] as char, HEX[(b & 0xF) as usize] as char))
            }
            '\u{2028}' => Some("\\u2028".into()),
            '\u{2029}' => Some("\\u2029".into()),
            _ => None,
        };
        if let Some(e) = esc {
            out.push_str(&s[start..i]);
            out.push_str(&e);
            start = i + c.len_utf8();
        }
    }
    out.push_str(&s[start..]);
    out.push('"');
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
            if !f.is_finite() {
                return Err(unsupported_float(*f));
            }
            out.push_str(&go_json_float(*f));
        }
        Value::Str(s) => write_json_string(out, s, opts.escape_html),
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
                write_json_string(out, k, opts.escape_html);
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

fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => {
            let q = gofmt::quote(&char::from(c).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

struct JsonParser<'a> {
    b: &'a [u8],
    pos: usize,
    depth: usize,
    number_error: Option<String>,
}

const EOF_MSG: &str = "unexpected end of JSON input";

impl JsonParser<'_> {
    fn syntax(&self, c: u8, context: &str) -> Error {
        Error::Json(format!("invalid character {} {context}", quote_char(c)))
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// At end of input Go's scanner is fed one space (`scanner.eof`), so a
    /// state that rejects spaces reports `invalid character ' '`.
    fn peek_or_space(&self) -> u8 {
        self.peek().unwrap_or(b' ')
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn next_non_ws(&mut self) -> Result<u8, Error> {
        self.skip_ws();
        self.peek().ok_or_else(|| Error::Json(EOF_MSG.to_string()))
    }

    fn value(&mut self) -> Result<Value, Error> {
        let c = self.next_non_ws()?;
        match c {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => self.string().map(Value::Str),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'n' => self.literal(b"null", Value::Null),
            _ => Err(self.syntax(c, "looking for beginning of value")),
        }
    }

    fn enter(&mut self, c: u8) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.syntax(c, "exceeded max depth"));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Value, Error> {
        self.enter(b'{')?;
        self.pos += 1;
        let mut entries = Vec::new();
        let mut c = self.next_non_ws()?;
        if c == b'}' {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Map(entries));
        }
        loop {
            if c != b'"' {
                return Err(self.syntax(c, "looking for beginning of object key string"));
            }
            let key = self.string()?;
            c = self.next_non_ws()?;
            if c != b':' {
                return Err(self.syntax(c, "after object key"));
            }
            self.pos += 1;
            let val = self.value()?;
            map_set(&mut entries, Value::Str(key), val);
            c = self.next_non_ws()?;
            match c {
                b',' => {
                    self.pos += 1;
                    c = self.next_non_ws()?;
                }
                b'}' => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Value::Map(entries));
                }
                _ => return Err(self.syntax(c, "after object key:value pair")),
            }
        }
    }

    fn array(&mut self) -> Result<Value, Error> {
        self.enter(b'[')?;
        self.pos += 1;
        let mut items = Vec::new();
        let c = self.next_non_ws()?;
        if c == b']' {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::Seq(items));
        }
        loop {
            items.push(self.value()?);
            let c = self.next_non_ws()?;
            match c {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Value::Seq(items));
                }
                _ => return Err(self.syntax(c, "after array element")),
            }
        }
    }

    fn literal(&mut self, word: &[u8], v: Value) -> Result<Value, Error> {
        let name = std::str::from_utf8(word).unwrap_or("");
        self.pos += 1;
        for &expect in &word[1..] {
            let c = self.peek_or_space();
            if c != expect {
                return Err(self.syntax(c, &format!("in literal {name} (expecting {})", quote_char(expect))));
            }
            self.pos += 1;
        }
        Ok(v)
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut v = 0u32;
        for _ in 0..4 {
            let c = self.peek_or_space();
            let d = (c as char).to_digit(16).ok_or_else(|| self.syntax(c, "in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
            self.pos += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, Error> {
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = self.peek().ok_or_else(|| Error::Json(EOF_MSG.to_string()))?;
            match c {
                b'"' => {
                    self.pos += 1;
                    return Ok(
                        String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
                    );
                }
                b'\\' => {
                    self.pos += 1;
                    let e = self.peek_or_space();
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0C),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut r = self.hex4()?;
                            if (0xD800..0xDC00).contains(&r)
                                && self.b.get(self.pos) == Some(&b'\\')
                                && self.b.get(self.pos + 1) == Some(&b'u')
                            {
                                // A surrogate pair; Go validates the second
                                // escape during the syntax scan as well.
                                let save = self.pos;
                                self.pos += 2;
                                let r2 = self.hex4()?;
                                if (0xDC00..0xE000).contains(&r2) {
                                    r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
                                } else {
                                    self.pos = save;
                                    r = 0xFFFD;
                                }
                            }
                            let ch = char::from_u32(r).unwrap_or('\u{FFFD}');
                            let mut tmp = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                        }
                        _ => return Err(self.syntax(e, "in string escape code")),
                    }
                }
                c if c < 0x20 => return Err(self.syntax(c, "in string literal")),
                _ => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
            match self.peek() {
                Some(b'0'..=b'9') => {}
                Some(c) => return Err(self.syntax(c, "in numeric literal")),
                None => return Err(self.syntax(b' ', "in numeric literal")),
            }
        }
        if self.peek() == Some(b'0') {
            self.pos += 1;
        } else {
            self.digits();
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            match self.peek() {
                Some(b'0'..=b'9') => {
                    self.digits();
                }
                Some(c) => return Err(self.syntax(c, "after decimal point in numeric literal")),
                None => return Err(self.syntax(b' ', "after decimal point in numeric literal")),
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            match self.peek() {
                Some(b'0'..=b'9') => {
                    self.digits();
                }
                Some(c) => return Err(self.syntax(c, "in exponent of numeric literal")),
                None => return Err(self.syntax(b' ', "in exponent of numeric literal")),
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.pos]).unwrap_or("0");
        let f: f64 = text.parse().unwrap_or(f64::INFINITY);
        if f.is_infinite() {
            if self.number_error.is_none() {
                self.number_error = Some(format!("json: cannot unmarshal number {text} into Go value of type float64"));
            }
            return Ok(Value::Null);
        }
        Ok(Value::Float(f))
    }
}

/// Go's `json.Unmarshal` into `interface{}`: objects become `Map` with
/// `Str` keys (a repeated key keeps the last value), numbers `Float`.
pub fn decode_json(input: &str) -> Result<Value, Error> {
    let mut p = JsonParser { b: input.as_bytes(), pos: 0, depth: 0, number_error: None };
    let v = p.value()?;
    p.skip_ws();
    if let Some(c) = p.peek() {
        return Err(p.syntax(c, "after top-level value"));
    }
    if let Some(e) = p.number_error {
        return Err(Error::Json(e));
    }
    Ok(v)
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
    fn floats_like_go() {
        assert_eq!(go_json_float(1.0), "1");
        assert_eq!(go_json_float(1e21), "1e+21");
        assert_eq!(go_json_float(1e20), "100000000000000000000");
        assert_eq!(go_json_float(1e-7), "1e-7");
        assert_eq!(go_json_float(1.5e-7), "1.5e-7");
        assert_eq!(go_json_float(0.000001), "0.000001");
        assert_eq!(go_json_float(-0.0), "-0");
        assert_eq!(go_json_float(1e-10), "1e-10");
    }

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
