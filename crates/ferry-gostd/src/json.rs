//! Go's `encoding/json` text rules, shared by every JSON writer and reader of
//! the chart engine: string escaping, the float encoder, and `Unmarshal` into
//! `interface{}` with Go's syntax errors. The trees themselves (template
//! values, YAML values, release records) stay with their crates; a reader
//! builds them through [`Builder`].

use crate::strconv;

/// The nesting depth Go's decoder allows (`maxNestingDepth`).
pub const MAX_NESTING_DEPTH: usize = 10_000;

/// Appends `s` as a JSON string literal the way Go's encoder writes it:
/// `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other control characters as
/// `\u00xx`, U+2028 and U+2029 escaped, and `<`, `>`, `&` as `\u003c`,
/// `\u003e`, `\u0026` when `escape_html` (Go's default; `SetEscapeHTML(false)`
/// turns it off). DEL and all other characters are written as they are.
pub fn write_string(out: &mut String, s: &str, escape_html: bool) {
    out.reserve(s.len() + 2);
    out.push('"');
    write_string_contents(out, s, escape_html);
    out.push('"');
}

/// [`write_string`] without the surrounding quotes.
pub fn write_string_contents(out: &mut String, s: &str, escape_html: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let short = match c {
            '\\' => "\\\\",
            '"' => "\\\"",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{2028}' => "\\u2028",
            '\u{2029}' => "\\u2029",
            '<' | '>' | '&' if escape_html => "",
            c if c < ' ' => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if short.is_empty() {
            let b = c as u8;
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
        } else {
            out.push_str(short);
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
}

/// `s` as a JSON string literal (see [`write_string`]).
pub fn quote(s: &str, escape_html: bool) -> String {
    let mut out = String::new();
    write_string(&mut out, s, escape_html);
    out
}

/// A float JSON cannot represent: Go's `json: unsupported value: NaN`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("json: unsupported value: {}", strconv::format_float(*.0, b'g', -1, 64))]
pub struct UnsupportedFloat(pub f64);

/// Go's float encoder (`floatEncoder`): the shortest text that reads back
/// as the same float of `bits` (32 or 64) bits, `%f`-style except below
/// 1e-6 or from 1e21 on, where exponents are written without a leading
/// zero (`1e-7`, `1e+21`). NaN and infinities are errors.
pub fn format_float(f: f64, bits: u32) -> Result<String, UnsupportedFloat> {
    if !f.is_finite() {
        return Err(UnsupportedFloat(f));
    }
    let abs = f.abs();
    let exponent = abs != 0.0 && {
        if bits == 32 {
            let a = abs as f32;
            !(1e-6..1e21).contains(&a)
        } else {
            !(1e-6..1e21).contains(&abs)
        }
    };
    let mut s = strconv::format_float(f, if exponent { b'e' } else { b'f' }, -1, bits);
    if exponent {
        // e-07 becomes e-7.
        let n = s.len();
        if n >= 4 && &s.as_bytes()[n - 4..n - 1] == b"e-0" {
            s.remove(n - 2);
        }
    }
    Ok(s)
}

/// Go's `quoteChar`: how syntax errors show the offending byte.
pub fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => {
            let q = strconv::quote(&char::from(c).to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

/// A JSON text Go's `json.Unmarshal` refuses; the message is Go's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SyntaxError(pub String);

/// Builds the tree a JSON text decodes into, as Go's `Unmarshal` into
/// `interface{}` sees it: numbers are `float64`, objects are string-keyed
/// maps (a repeated key keeps the last value; the builder decides how).
pub trait Builder {
    /// The tree's node type.
    type Value;
    /// `null`.
    fn null(&mut self) -> Self::Value;
    /// `true` or `false`.
    fn bool(&mut self, b: bool) -> Self::Value;
    /// A number, as Go's `float64`.
    fn number(&mut self, f: f64) -> Self::Value;
    /// A string.
    fn string(&mut self, s: String) -> Self::Value;
    /// An array.
    fn array(&mut self, items: Vec<Self::Value>) -> Self::Value;
    /// An object, its entries in text order (later duplicates included).
    fn object(&mut self, entries: Vec<(String, Self::Value)>) -> Self::Value;
}

/// Go's `json.Unmarshal(data, &v)` with `v` an `interface{}`: Go's syntax
/// errors (`invalid character 'x' looking for beginning of value`,
/// `unexpected end of JSON input`), a number out of `float64` range is
/// `json: cannot unmarshal number 1e400 into Go value of type float64`.
/// Nesting deeper than `max_depth` is refused as Go refuses nesting beyond
/// [`MAX_NESTING_DEPTH`].
pub fn unmarshal<B: Builder>(input: &str, max_depth: usize, builder: &mut B) -> Result<B::Value, SyntaxError> {
    let mut p = Parser { b: input.as_bytes(), pos: 0, depth: 0, max_depth, number_error: None };
    let v = p.value(builder)?;
    p.skip_ws();
    if let Some(c) = p.peek() {
        return Err(p.syntax(c, "after top-level value"));
    }
    // Go reports a number it cannot store only after the whole text proved
    // well-formed.
    if let Some(e) = p.number_error {
        return Err(SyntaxError(e));
    }
    Ok(v)
}

const EOF_MSG: &str = "unexpected end of JSON input";

struct Parser<'a> {
    b: &'a [u8],
    pos: usize,
    depth: usize,
    max_depth: usize,
    number_error: Option<String>,
}

impl Parser<'_> {
    fn syntax(&self, c: u8, context: &str) -> SyntaxError {
        let shown = if c >= 0x80 {
            // Go shows the whole character, not its first byte.
            let ch = std::str::from_utf8(&self.b[self.pos..])
                .ok()
                .and_then(|s| s.chars().next())
                .or_else(|| String::from_utf8_lossy(&self.b[self.pos..]).chars().next())
                .unwrap_or('\u{fffd}');
            format!("'{ch}'")
        } else {
            quote_char(c)
        };
        SyntaxError(format!("invalid character {shown} {context}"))
    }

    fn eof() -> SyntaxError {
        SyntaxError(EOF_MSG.to_string())
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// At the end of input Go's scanner is fed one space (`scanner.eof`), so
    /// a state that refuses spaces reports `invalid character ' '`.
    fn peek_or_space(&self) -> u8 {
        self.peek().unwrap_or(b' ')
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn next_non_ws(&mut self) -> Result<u8, SyntaxError> {
        self.skip_ws();
        self.peek().ok_or_else(Self::eof)
    }

    fn value<B: Builder>(&mut self, b: &mut B) -> Result<B::Value, SyntaxError> {
        let c = self.next_non_ws()?;
        match c {
            b'{' => self.object(b),
            b'[' => self.array(b),
            b'"' => Ok(b.string(self.string()?)),
            b'-' | b'0'..=b'9' => self.number(b),
            b't' => self.literal(b"true").map(|()| b.bool(true)),
            b'f' => self.literal(b"false").map(|()| b.bool(false)),
            b'n' => self.literal(b"null").map(|()| b.null()),
            _ => Err(self.syntax(c, "looking for beginning of value")),
        }
    }

    fn enter(&mut self, c: u8) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(self.syntax(c, "exceeded max depth"));
        }
        Ok(())
    }

    fn object<B: Builder>(&mut self, b: &mut B) -> Result<B::Value, SyntaxError> {
        self.enter(b'{')?;
        self.pos += 1;
        let mut entries = Vec::new();
        let mut c = self.next_non_ws()?;
        if c == b'}' {
            self.pos += 1;
            self.depth -= 1;
            return Ok(b.object(entries));
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
            let val = self.value(b)?;
            entries.push((key, val));
            c = self.next_non_ws()?;
            match c {
                b',' => {
                    self.pos += 1;
                    c = self.next_non_ws()?;
                }
                b'}' => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(b.object(entries));
                }
                _ => return Err(self.syntax(c, "after object key:value pair")),
            }
        }
    }

    fn array<B: Builder>(&mut self, b: &mut B) -> Result<B::Value, SyntaxError> {
        self.enter(b'[')?;
        self.pos += 1;
        let mut items = Vec::new();
        if self.next_non_ws()? == b']' {
            self.pos += 1;
            self.depth -= 1;
            return Ok(b.array(items));
        }
        loop {
            items.push(self.value(b)?);
            let c = self.next_non_ws()?;
            match c {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(b.array(items));
                }
                _ => return Err(self.syntax(c, "after array element")),
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), SyntaxError> {
        let name = std::str::from_utf8(word).unwrap_or("");
        self.pos += 1;
        for &expect in &word[1..] {
            let c = self.peek_or_space();
            if c != expect {
                return Err(self.syntax(c, &format!("in literal {name} (expecting {})", quote_char(expect))));
            }
            self.pos += 1;
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let c = self.peek_or_space();
            let d = char::from(c).to_digit(16).ok_or_else(|| self.syntax(c, "in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
            self.pos += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = self.peek().ok_or_else(Self::eof)?;
            match c {
                b'"' => {
                    self.pos += 1;
                    // Invalid UTF-8 becomes U+FFFD, as Go's decoder does.
                    return Ok(match String::from_utf8(out) {
                        Ok(s) => s,
                        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                    });
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
                                // A surrogate pair; a lone half is U+FFFD.
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
                        _ => {
                            self.pos -= 1;
                            return Err(self.syntax(e, "in string escape code"));
                        }
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

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect_digit(&mut self, context: &str) -> Result<(), SyntaxError> {
        match self.peek() {
            Some(b'0'..=b'9') => Ok(()),
            other => Err(self.syntax(other.unwrap_or(b' '), context)),
        }
    }

    fn number<B: Builder>(&mut self, b: &mut B) -> Result<B::Value, SyntaxError> {
        let text = self.number_text()?;
        let f: f64 = text.parse().unwrap_or(f64::INFINITY);
        if f.is_infinite() {
            self.number_error
                .get_or_insert_with(|| format!("json: cannot unmarshal number {text} into Go value of type float64"));
            return Ok(b.null());
        }
        Ok(b.number(f))
    }

    fn number_text(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
            self.expect_digit("in numeric literal")?;
        }
        if self.peek() == Some(b'0') {
            self.pos += 1;
        } else {
            self.digits();
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.expect_digit("after decimal point in numeric literal")?;
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.expect_digit("in exponent of numeric literal")?;
            self.digits();
        }
        Ok(String::from_utf8_lossy(&self.b[start..self.pos]).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A builder that writes the tree back as compact JSON.
    struct Echo;

    impl Builder for Echo {
        type Value = String;
        fn null(&mut self) -> String {
            "null".into()
        }
        fn bool(&mut self, b: bool) -> String {
            b.to_string()
        }
        fn number(&mut self, f: f64) -> String {
            format_float(f, 64).unwrap_or_default()
        }
        fn string(&mut self, s: String) -> String {
            quote(&s, false)
        }
        fn array(&mut self, items: Vec<String>) -> String {
            format!("[{}]", items.join(","))
        }
        fn object(&mut self, entries: Vec<(String, String)>) -> String {
            let parts: Vec<String> = entries.into_iter().map(|(k, v)| format!("{}:{v}", quote(&k, false))).collect();
            format!("{{{}}}", parts.join(","))
        }
    }

    fn decode(s: &str) -> Result<String, String> {
        unmarshal(s, 512, &mut Echo).map_err(|e| e.to_string())
    }

    #[test]
    fn floats_like_go() {
        let f = |v| format_float(v, 64).unwrap();
        assert_eq!(f(1.0), "1");
        assert_eq!(f(1e21), "1e+21");
        assert_eq!(f(1e20), "100000000000000000000");
        assert_eq!(f(1e-7), "1e-7");
        assert_eq!(f(1.5e-7), "1.5e-7");
        assert_eq!(f(0.000001), "0.000001");
        assert_eq!(f(-0.0), "-0");
        assert_eq!(f(1e-10), "1e-10");
        assert_eq!(format_float(f64::from(1e21f32), 32).unwrap(), "1e+21");
        assert_eq!(format_float(f64::NAN, 64).unwrap_err().to_string(), "json: unsupported value: NaN");
        assert_eq!(format_float(f64::NEG_INFINITY, 64).unwrap_err().to_string(), "json: unsupported value: -Inf");
    }

    #[test]
    fn strings_escape_like_go() {
        // DEL is in Go's safe set; <, >, & and U+2028 are not.
        assert_eq!(
            quote("a<b>&c\"d\\e\n\t\u{1}\u{7f}\u{2028}é", true),
            "\"a\\u003cb\\u003e\\u0026c\\\"d\\\\e\\n\\t\\u0001\u{7f}\\u2028é\""
        );
        assert_eq!(quote("<a&b>\u{2029}\u{8}\u{c}\r", false), "\"<a&b>\\u2029\\b\\f\\r\"");
    }

    #[test]
    fn decodes_like_go() {
        assert_eq!(
            decode(r#" {"a": [1, "x\u00e9\ud83d\ude00\ud800", true, null], "b": {"c": 2.5e3}, "a": 0} "#).unwrap(),
            "{\"a\":[1,\"xé😀\u{fffd}\",true,null],\"b\":{\"c\":2500},\"a\":0}"
        );
    }

    #[test]
    fn syntax_errors_like_go() {
        let cases = [
            ("", "unexpected end of JSON input"),
            ("{", "unexpected end of JSON input"),
            ("x", "invalid character 'x' looking for beginning of value"),
            ("é", "invalid character 'é' looking for beginning of value"),
            ("{a", "invalid character 'a' looking for beginning of object key string"),
            ("{\"a\" 1", "invalid character '1' after object key"),
            ("{\"a\":1 2", "invalid character '2' after object key:value pair"),
            ("[1 2", "invalid character '2' after array element"),
            ("[1,]", "invalid character ']' looking for beginning of value"),
            ("1 2", "invalid character '2' after top-level value"),
            ("tru", "invalid character ' ' in literal true (expecting 'e')"),
            ("\"abc", "unexpected end of JSON input"),
            ("\"\\u12", "invalid character ' ' in \\u hexadecimal character escape"),
            ("1.", "invalid character ' ' after decimal point in numeric literal"),
            ("trux", "invalid character 'x' in literal true (expecting 'e')"),
            ("\"\\x\"", "invalid character 'x' in string escape code"),
            ("\"a\tb\"", "invalid character '\\t' in string literal"),
            ("-x", "invalid character 'x' in numeric literal"),
            ("1.x", "invalid character 'x' after decimal point in numeric literal"),
            ("1ex", "invalid character 'x' in exponent of numeric literal"),
            ("01", "invalid character '1' after top-level value"),
            ("'", "invalid character '\\'' looking for beginning of value"),
            ("1e400", "json: cannot unmarshal number 1e400 into Go value of type float64"),
            ("[1e400, x]", "invalid character 'x' looking for beginning of value"),
        ];
        for (input, want) in cases {
            assert_eq!(decode(input).unwrap_err(), want, "{input:?}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        assert_eq!(decode(&"[".repeat(100_000)).unwrap_err(), "invalid character '[' exceeded max depth");
        let deep = format!("{}{}", "[".repeat(512), "]".repeat(512));
        assert!(decode(&deep).is_ok());
    }
}
