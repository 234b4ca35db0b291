//! Go's `strconv`: quoting (`Quote`, `QuoteRune`, `CanBackquote`, `Unquote`),
//! number parsing with Go's base prefixes and underscores (`ParseInt`,
//! `ParseUint`, `ParseFloat`), and float formatting (`FormatFloat` with formats
//! `b e E f g G x X`).

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";
const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and
/// the ASCII space.
pub fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    matches!(
        c.general_category_group(),
        GeneralCategoryGroup::Letter
            | GeneralCategoryGroup::Mark
            | GeneralCategoryGroup::Number
            | GeneralCategoryGroup::Punctuation
            | GeneralCategoryGroup::Symbol
    )
}

/// Go's `strconv.Quote`.
pub fn quote(s: &str) -> String {
    quote_bytes(s.as_bytes(), b'"', false)
}

/// Go's `strconv.QuoteToASCII`.
pub fn quote_to_ascii(s: &str) -> String {
    quote_bytes(s.as_bytes(), b'"', true)
}

/// Go's quoting of a byte string that may not be valid UTF-8.
pub fn quote_bytes(s: &[u8], quote: u8, ascii_only: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote as char);
    let mut i = 0;
    while i < s.len() {
        let (r, width) = decode_rune(&s[i..]);
        if width == 1 && r.is_none() {
            out.push_str("\\x");
            out.push(LOWER_HEX[(s[i] >> 4) as usize] as char);
            out.push(LOWER_HEX[(s[i] & 0xF) as usize] as char);
            i += 1;
            continue;
        }
        if let Some(c) = r {
            append_escaped_rune(&mut out, c as u32, quote, ascii_only);
        }
        i += width;
    }
    out.push(quote as char);
    out
}

/// Go's `strconv.QuoteRune` / `QuoteRuneToASCII` for any rune value (invalid
/// ones print as `'\ufffd'`-style escapes or U+FFFD).
pub fn quote_rune(r: u32, ascii_only: bool) -> String {
    let r = if char::from_u32(r).is_none() { 0xFFFD } else { r };
    let mut out = String::from("'");
    append_escaped_rune(&mut out, r, b'\'', ascii_only);
    out.push('\'');
    out
}

/// Decodes one UTF-8 sequence: `(Some(char), len)` or `(None, 1)` if invalid.
fn decode_rune(b: &[u8]) -> (Option<char>, usize) {
    let n = match b.first() {
        None => return (None, 0),
        Some(&c) if c < 0x80 => return (Some(c as char), 1),
        Some(&c) if c & 0xE0 == 0xC0 => 2,
        Some(&c) if c & 0xF0 == 0xE0 => 3,
        Some(&c) if c & 0xF8 == 0xF0 => 4,
        _ => return (None, 1),
    };
    match b.get(..n).and_then(|s| std::str::from_utf8(s).ok()) {
        Some(s) => (s.chars().next(), n),
        None => (None, 1),
    }
}

fn append_escaped_rune(out: &mut String, r: u32, quote: u8, ascii_only: bool) {
    if r == u32::from(quote) || r == u32::from(b'\\') {
        out.push('\\');
        out.push(quote_char(r));
        return;
    }
    let c = char::from_u32(r);
    if let Some(c) = c {
        if ascii_only {
            if c.is_ascii() && is_print(c) {
                out.push(c);
                return;
            }
        } else if is_print(c) {
            out.push(c);
            return;
        }
    }
    match r {
        0x07 => out.push_str("\\a"),
        0x08 => out.push_str("\\b"),
        0x0C => out.push_str("\\f"),
        0x0A => out.push_str("\\n"),
        0x0D => out.push_str("\\r"),
        0x09 => out.push_str("\\t"),
        0x0B => out.push_str("\\v"),
        _ if r < 0x20 || r == 0x7F => {
            out.push_str("\\x");
            out.push(LOWER_HEX[((r >> 4) & 0xF) as usize] as char);
            out.push(LOWER_HEX[(r & 0xF) as usize] as char);
        }
        _ => {
            let r = if c.is_none() { 0xFFFD } else { r };
            if r < 0x10000 {
                out.push_str("\\u");
                for s in (0..4).rev() {
                    out.push(LOWER_HEX[((r >> (s * 4)) & 0xF) as usize] as char);
                }
            } else {
                out.push_str("\\U");
                for s in (0..8).rev() {
                    out.push(LOWER_HEX[((r >> (s * 4)) & 0xF) as usize] as char);
                }
            }
        }
    }
}

fn quote_char(r: u32) -> char {
    char::from_u32(r).unwrap_or('\u{FFFD}')
}

/// Go's `strconv.CanBackquote`.
pub fn can_backquote(s: &str) -> bool {
    s.chars().all(|c| c != '`' && c != '\u{FEFF}' && (c == '\t' || !(c < ' ' || c == '\u{7F}')))
}

const ERR_SYNTAX: &str = "invalid syntax";

/// Go's `strconv.UnquoteChar`: one (possibly escaped) character of a quoted
/// literal. Returns the rune (or byte, for `\x`/octal escapes) and the rest.
pub fn unquote_char(s: &str, quote: u8) -> Result<(u32, &str), &'static str> {
    unquote_char_full(s, quote).map(|(v, _, rest)| (v, rest))
}

/// [`unquote_char`] that also reports whether the value is a multibyte rune
/// (raw non-ASCII or `\u`/`\U` escape) rather than a single byte.
fn unquote_char_full(s: &str, quote: u8) -> Result<(u32, bool, &str), &'static str> {
    let bytes = s.as_bytes();
    let Some(&c) = bytes.first() else {
        return Err(ERR_SYNTAX);
    };
    if c == quote && (quote == b'\'' || quote == b'"') {
        return Err(ERR_SYNTAX);
    }
    if c >= 0x80 {
        let ch = s.chars().next().ok_or(ERR_SYNTAX)?;
        return Ok((ch as u32, true, &s[ch.len_utf8()..]));
    }
    if c != b'\\' {
        return Ok((u32::from(c), false, &s[1..]));
    }
    // A non-ASCII byte after the backslash is no escape (and slicing after
    // it would split a character).
    let Some(&c) = bytes.get(1).filter(|c| c.is_ascii()) else {
        return Err(ERR_SYNTAX);
    };
    let mut rest = &s[2..];
    let mut multibyte = false;
    let value = match c {
        b'a' => 0x07,
        b'b' => 0x08,
        b'f' => 0x0C,
        b'n' => 0x0A,
        b'r' => 0x0D,
        b't' => 0x09,
        b'v' => 0x0B,
        b'x' | b'u' | b'U' => {
            let n = match c {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let digits = rest.get(..n).ok_or(ERR_SYNTAX)?;
            let mut v: u32 = 0;
            for d in digits.bytes() {
                let x = (d as char).to_digit(16).ok_or(ERR_SYNTAX)?;
                v = (v << 4) | x;
            }
            rest = &rest[n..];
            if c != b'x' {
                if char::from_u32(v).is_none() {
                    return Err(ERR_SYNTAX);
                }
                multibyte = true;
            }
            v
        }
        b'0'..=b'7' => {
            let mut v = u32::from(c - b'0');
            let digits = rest.get(..2).ok_or(ERR_SYNTAX)?;
            for d in digits.bytes() {
                if !(b'0'..=b'7').contains(&d) {
                    return Err(ERR_SYNTAX);
                }
                v = (v << 3) | u32::from(d - b'0');
            }
            rest = &rest[2..];
            if v > 255 {
                return Err(ERR_SYNTAX);
            }
            v
        }
        b'\\' => u32::from(b'\\'),
        b'\'' | b'"' => {
            if c != quote {
                return Err(ERR_SYNTAX);
            }
            u32::from(c)
        }
        _ => return Err(ERR_SYNTAX),
    };
    Ok((value, multibyte, rest))
}

/// Go's `strconv.Unquote` for `"..."`, `` `...` `` and `'.'` literals.
/// Byte escapes that do not form valid UTF-8 become U+FFFD (Rust strings are
/// always UTF-8).
pub fn unquote(s: &str) -> Result<String, &'static str> {
    let b = s.as_bytes();
    let n = b.len();
    if n < 2 {
        return Err(ERR_SYNTAX);
    }
    let quote = b[0];
    if quote != b[n - 1] {
        return Err(ERR_SYNTAX);
    }
    let inner = &s[1..n - 1];
    if quote == b'`' {
        if inner.contains('`') {
            return Err(ERR_SYNTAX);
        }
        // Carriage returns are discarded from raw strings.
        return Ok(inner.replace('\r', ""));
    }
    if quote != b'"' && quote != b'\'' {
        return Err(ERR_SYNTAX);
    }
    if inner.contains('\n') {
        return Err(ERR_SYNTAX);
    }
    let mut buf: Vec<u8> = Vec::with_capacity(inner.len());
    let mut rest = inner;
    while !rest.is_empty() {
        let (c, multibyte, tail) = unquote_char_full(rest, quote)?;
        rest = tail;
        if c < 0x80 || !multibyte {
            buf.push(c as u8);
        } else {
            push_rune(&mut buf, c);
        }
        if quote == b'\'' && !rest.is_empty() {
            // Single-quoted literals must hold a single character.
            return Err(ERR_SYNTAX);
        }
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn push_rune(buf: &mut Vec<u8>, r: u32) {
    let c = char::from_u32(r).unwrap_or('\u{FFFD}');
    let mut tmp = [0u8; 4];
    buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
}

/// Go's `underscoreOK`: underscores only between digits (or after a base
/// prefix), as Go number literals allow them.
pub fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let b = if !b.is_empty() && (b[0] == b'-' || b[0] == b'+') { &b[1..] } else { b };
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.to_ascii_lowercase().is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// Why a number did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumError {
    /// Not a number (`invalid syntax`).
    Syntax,
    /// Out of range for the type (`value out of range`).
    Range,
}

/// Go's `strconv.ParseUint(s, base, 64)`: `base` 0 reads Go's prefixes
/// (`0x`, `0o`, `0b`, a leading `0` for octal) and allows underscores
/// between digits; bases 2 to 36 read plain digits.
pub fn parse_uint(s: &str, base: u32) -> Result<u64, NumError> {
    if s.is_empty() || base == 1 || base > 36 {
        return Err(NumError::Syntax);
    }
    let base0 = base == 0;
    let b = s.as_bytes();
    let (base, digits): (u64, &[u8]) = if !base0 {
        (u64::from(base), b)
    } else if b[0] == b'0' {
        match b.get(1).map(u8::to_ascii_lowercase) {
            Some(b'b') if b.len() >= 3 => (2, &b[2..]),
            Some(b'o') if b.len() >= 3 => (8, &b[2..]),
            Some(b'x') if b.len() >= 3 => (16, &b[2..]),
            _ => (8, &b[1..]),
        }
    } else {
        (10, b)
    };
    let mut n: u64 = 0;
    let mut underscores = false;
    let mut overflow = false;
    for &c in digits {
        let d = match c {
            b'_' if base0 => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => u64::from(c - b'0'),
            b'a'..=b'z' | b'A'..=b'Z' => u64::from(c.to_ascii_lowercase() - b'a') + 10,
            _ => return Err(NumError::Syntax),
        };
        if d >= base {
            return Err(NumError::Syntax);
        }
        if overflow {
            continue;
        }
        match n.checked_mul(base).and_then(|m| m.checked_add(d)) {
            Some(v) => n = v,
            None => overflow = true,
        }
    }
    if underscores && !underscore_ok(s) {
        return Err(NumError::Syntax);
    }
    if overflow {
        return Err(NumError::Range);
    }
    Ok(n)
}

/// Go's `strconv.ParseInt(s, base, 64)`: an optional sign, then
/// [`parse_uint`]'s syntax.
pub fn parse_int(s: &str, base: u32) -> Result<i64, NumError> {
    let (neg, body) = match s.as_bytes().first() {
        None => return Err(NumError::Syntax),
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let un = parse_uint(body, base)?;
    let cutoff: u64 = 1 << 63;
    if (!neg && un >= cutoff) || (neg && un > cutoff) {
        return Err(NumError::Range);
    }
    Ok(if neg { (un as i64).wrapping_neg() } else { un as i64 })
}

/// Go's `strconv.ParseFloat(s, 64)`, including hex floats (`0x1p-2`),
/// underscores, `inf`/`infinity`/`nan`. Out-of-range values are an error.
pub fn parse_float(s: &str) -> Result<f64, NumError> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Err(NumError::Syntax);
    }
    let (neg, body) = match b[0] {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Ok(if neg { f64::NEG_INFINITY } else { f64::INFINITY });
    }
    if lower == "nan" && body.len() == s.len() {
        return Ok(f64::NAN);
    }
    if body.contains('_') && !underscore_ok(s) {
        return Err(NumError::Syntax);
    }
    let clean: String = body.chars().filter(|&c| c != '_').collect();
    let v = if clean.len() > 2 && clean.as_bytes()[0] == b'0' && clean.as_bytes()[1].eq_ignore_ascii_case(&b'x') {
        parse_hex_float(&clean[2..])?
    } else {
        // Go accepts only digits, one '.', and an exponent: validate before
        // handing to Rust (which also accepts "inf", "nan", etc.).
        let mut seen_digit = false;
        let mut seen_dot = false;
        let mut chars = clean.bytes().peekable();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_digit() {
                seen_digit = true;
            } else if c == b'.' && !seen_dot {
                seen_dot = true;
            } else {
                break;
            }
            chars.next();
        }
        if !seen_digit {
            return Err(NumError::Syntax);
        }
        if let Some(&c) = chars.peek() {
            if c != b'e' && c != b'E' {
                return Err(NumError::Syntax);
            }
            chars.next();
            if let Some(&c) = chars.peek()
                && (c == b'+' || c == b'-')
            {
                chars.next();
            }
            let mut exp_digit = false;
            for c in chars {
                if !c.is_ascii_digit() {
                    return Err(NumError::Syntax);
                }
                exp_digit = true;
            }
            if !exp_digit {
                return Err(NumError::Syntax);
            }
        }
        clean.parse::<f64>().map_err(|_| NumError::Syntax)?
    };
    if v.is_infinite() {
        return Err(NumError::Range);
    }
    Ok(if neg { -v } else { v })
}

/// A hex float after its `0x` prefix (`1.8p3`), correctly rounded to the
/// nearest double, ties to even, as Go's `atofHex` does. The `p` exponent
/// is required.
fn parse_hex_float(s: &str) -> Result<f64, NumError> {
    let (mant_part, exp_part) = s.split_once(['p', 'P']).ok_or(NumError::Syntax)?;
    let mut mant: u64 = 0;
    let mut exp: i64 = 0;
    let mut seen_dot = false;
    let mut seen_digit = false;
    let mut sticky = false;
    for c in mant_part.bytes() {
        if c == b'.' {
            if seen_dot {
                return Err(NumError::Syntax);
            }
            seen_dot = true;
            continue;
        }
        let d = (c as char).to_digit(16).ok_or(NumError::Syntax)?;
        seen_digit = true;
        if mant >> 60 == 0 {
            mant = (mant << 4) | u64::from(d);
            if seen_dot {
                exp -= 4;
            }
        } else {
            // Digits beyond 64 bits only decide rounding.
            sticky |= d != 0;
            if !seen_dot {
                exp += 4;
            }
        }
    }
    if !seen_digit {
        return Err(NumError::Syntax);
    }
    let e: i64 = exp_part.parse().map_err(|_| NumError::Syntax)?;
    if mant == 0 {
        return Ok(0.0);
    }
    // value = mant × 2^exp; normalise mant to [2^63, 2^64).
    let lz = mant.leading_zeros();
    let mant = mant << lz;
    let exp2 = exp.saturating_add(e).saturating_sub(i64::from(lz));
    // The binary exponent of the value, and how many low bits of `mant` the
    // 53-bit significand (fewer for a subnormal) cannot hold.
    let e2 = exp2.saturating_add(63);
    if e2 > 1023 {
        return Err(NumError::Range);
    }
    let shift = if e2 < -1022 { 11 + (-1022 - e2) } else { 11 } as u32;
    let wide = u128::from(mant);
    let (mut sig, rem, half) = if shift >= 128 {
        (0u128, wide, 1u128 << 127)
    } else {
        (wide >> shift, wide & ((1u128 << shift) - 1), 1u128 << (shift - 1))
    };
    let rem_nonzero_beyond_half = rem > half || (rem == half && sticky);
    if rem_nonzero_beyond_half || (rem == half && sig & 1 == 1) {
        sig += 1;
    }
    let bits = if e2 < -1022 {
        // Subnormal (a carry into 2^52 makes it the smallest normal, which
        // the same bit pattern encodes).
        sig as u64
    } else {
        let mut e2 = e2;
        if sig == 1 << 53 {
            sig >>= 1;
            e2 += 1;
            if e2 > 1023 {
                return Err(NumError::Range);
            }
        }
        (((e2 + 1023) as u64) << 52) | (sig as u64 & ((1 << 52) - 1))
    };
    Ok(f64::from_bits(bits))
}

/// Parses a Go complex literal such as `1+2i` (the template lexer's complex item).
pub fn parse_complex(s: &str) -> Option<(f64, f64)> {
    let body = s.strip_suffix('i')?;
    let bytes = body.as_bytes();
    let mut split = None;
    for i in (1..bytes.len()).rev() {
        if (bytes[i] == b'+' || bytes[i] == b'-') && !matches!(bytes[i - 1], b'e' | b'E' | b'p' | b'P') {
            split = Some(i);
            break;
        }
    }
    let i = split?;
    let re = parse_float(&body[..i]).ok()?;
    let im = parse_float(&body[i..]).ok()?;
    Some((re, im))
}

/// A decimal digit string with a decimal point position, as in Go's
/// `strconv.decimal`: value = 0.d[0]d[1]... × 10^dp, no trailing zeros.
struct Decimal {
    d: Vec<u8>,
    dp: i32,
}

impl Decimal {
    /// Exact decimal expansion of a finite non-negative float.
    fn exact(v: f64) -> Decimal {
        if v == 0.0 {
            return Decimal { d: Vec::new(), dp: 0 };
        }
        // 780 digits exceed the longest exact expansion of an f64 (767).
        Decimal::from_sci(&format!("{:.780e}", v))
    }

    /// Shortest digits that round-trip (Go's shortest mode).
    fn shortest(v: f64, bit_size: u32) -> Decimal {
        if v == 0.0 {
            return Decimal { d: Vec::new(), dp: 0 };
        }
        if bit_size == 32 {
            Decimal::from_sci(&format!("{:e}", v as f32))
        } else {
            Decimal::from_sci(&format!("{v:e}"))
        }
    }

    fn from_sci(s: &str) -> Decimal {
        let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let mut d: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
        while d.last() == Some(&b'0') {
            d.pop();
        }
        let lead = d.iter().take_while(|&&c| c == b'0').count();
        d.drain(..lead);
        Decimal { dp: exp + 1, d }
    }

    fn should_round_up(&self, nd: usize) -> bool {
        match self.d.get(nd) {
            None => false,
            Some(&b'5') if nd + 1 == self.d.len() => nd > 0 && (self.d[nd - 1] - b'0') % 2 == 1,
            Some(&c) => c >= b'5',
        }
    }

    /// Rounds to `nd` digits (Go's `decimal.Round`).
    fn round(&mut self, nd: i64) {
        if nd < 0 || nd as usize >= self.d.len() {
            return;
        }
        let nd = nd as usize;
        if self.should_round_up(nd) {
            let mut i = nd;
            loop {
                if i == 0 {
                    self.d.clear();
                    self.d.push(b'1');
                    self.dp += 1;
                    return;
                }
                i -= 1;
                if self.d[i] < b'9' {
                    self.d[i] += 1;
                    self.d.truncate(i + 1);
                    return;
                }
            }
        } else {
            self.d.truncate(nd);
            while self.d.last() == Some(&b'0') {
                self.d.pop();
            }
            if self.d.is_empty() {
                self.dp = 0;
            }
        }
    }

    fn nd(&self) -> i64 {
        self.d.len() as i64
    }
}

/// Go's `strconv.FormatFloat(v, fmt, prec, bitSize)`.
pub fn format_float(v: f64, fmt: u8, prec: i64, bit_size: u32) -> String {
    let bits = if bit_size == 32 { u64::from((v as f32).to_bits()) } else { v.to_bits() };
    let (mantbits, expbits, bias): (u32, u32, i64) = if bit_size == 32 { (23, 8, -127) } else { (52, 11, -1023) };
    let neg = (bits >> (expbits + mantbits)) != 0;
    let mut exp = ((bits >> mantbits) & ((1u64 << expbits) - 1)) as i64;
    let mut mant = bits & ((1u64 << mantbits) - 1);
    if exp == (1i64 << expbits) - 1 {
        return if mant != 0 {
            "NaN".into()
        } else if neg {
            "-Inf".into()
        } else {
            "+Inf".into()
        };
    }
    if exp == 0 {
        exp += 1; // denormalized
    } else {
        mant |= 1u64 << mantbits;
    }
    exp += bias;
    if fmt == b'b' {
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        out.push_str(&mant.to_string());
        out.push('p');
        let e = exp - i64::from(mantbits);
        if e >= 0 {
            out.push('+');
        }
        out.push_str(&e.to_string());
        return out;
    }
    if fmt == b'x' || fmt == b'X' {
        return fmt_x(prec, fmt, neg, mant, exp, mantbits);
    }
    let abs = v.abs();
    let shortest = prec < 0;
    let mut prec = prec;
    let digs = if shortest {
        let d = Decimal::shortest(abs, bit_size);
        prec = match fmt {
            b'e' | b'E' => d.nd() - 1,
            b'f' => (d.nd() - i64::from(d.dp)).max(0),
            _ => d.nd(),
        };
        d
    } else {
        let mut d = Decimal::exact(abs);
        match fmt {
            b'e' | b'E' => d.round(prec + 1),
            b'f' => d.round(i64::from(d.dp) + prec),
            b'g' | b'G' => {
                if prec == 0 {
                    prec = 1;
                }
                d.round(prec);
            }
            _ => {}
        }
        d
    };
    format_digits(shortest, neg, &digs, prec, fmt)
}

fn format_digits(shortest: bool, neg: bool, digs: &Decimal, prec: i64, fmt: u8) -> String {
    match fmt {
        b'e' | b'E' => fmt_e(neg, digs, prec, fmt),
        b'f' => fmt_f(neg, digs, prec),
        b'g' | b'G' => {
            let mut eprec = prec;
            if eprec > digs.nd() && digs.nd() >= i64::from(digs.dp) {
                eprec = digs.nd();
            }
            // %e is used if the exponent from the conversion is less than -4
            // or greater than or equal to the precision. If precision was the
            // shortest possible, use precision 6 for this decision.
            if shortest {
                eprec = 6;
            }
            let exp = i64::from(digs.dp) - 1;
            let mut prec = prec;
            if exp < -4 || exp >= eprec {
                if prec > digs.nd() {
                    prec = digs.nd();
                }
                return fmt_e(neg, digs, prec - 1, fmt + b'e' - b'g');
            }
            if prec > i64::from(digs.dp) {
                prec = digs.nd();
            }
            fmt_f(neg, digs, (prec - i64::from(digs.dp)).max(0))
        }
        _ => format!("%{}", fmt as char),
    }
}

fn fmt_e(neg: bool, d: &Decimal, prec: i64, fmt: u8) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push(d.d.first().map(|&c| c as char).unwrap_or('0'));
    if prec > 0 {
        out.push('.');
        let mut i: i64 = 1;
        let m = d.nd().min(prec + 1);
        while i < m {
            out.push(d.d[i as usize] as char);
            i += 1;
        }
        while i <= prec {
            out.push('0');
            i += 1;
        }
    }
    out.push(fmt as char);
    let mut exp = i64::from(d.dp) - 1;
    if d.d.is_empty() {
        exp = 0;
    }
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
    out
}

fn fmt_f(neg: bool, d: &Decimal, prec: i64) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if d.dp > 0 {
        let mut m = i64::from(d.dp).min(d.nd());
        for &c in &d.d[..m as usize] {
            out.push(c as char);
        }
        while m < i64::from(d.dp) {
            out.push('0');
            m += 1;
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            let j = i64::from(d.dp) + i - 1;
            let ch = if 0 <= j && j < d.nd() { d.d[j as usize] as char } else { '0' };
            out.push(ch);
        }
    }
    out
}

/// Go's `fmtX`: `-0x1.yyyyyyp±dd`.
fn fmt_x(prec: i64, fmt: u8, neg: bool, mut mant: u64, mut exp: i64, mantbits: u32) -> String {
    if mant == 0 {
        exp = 0;
    }
    // Shift digits so leading 1 (if any) is at bit 1<<60.
    mant <<= 60 - mantbits;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    // Round if requested.
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            // Wrapped around.
            mant >>= 1;
            exp += 1;
        }
    }
    let hex = if fmt == b'X' { UPPER_HEX } else { LOWER_HEX };
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push('0');
    out.push(fmt as char);
    out.push((b'0' + ((mant >> 60) & 1) as u8) as char);
    mant <<= 4; // remove leading 0 or 1
    if prec < 0 && mant != 0 {
        out.push('.');
        while mant != 0 {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    }
    out.push(if fmt == b'X' { 'P' } else { 'p' });
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values from Go's src/strconv/ftoa_test.go (ftoatests table).
    #[test]
    fn ftoa_table() {
        let cases: &[(f64, u8, i64, &str)] = &[
            (1.0, b'e', 5, "1.00000e+00"),
            (1.0, b'f', 5, "1.00000"),
            (1.0, b'g', 5, "1"),
            (1.0, b'g', -1, "1"),
            (20.0, b'g', -1, "20"),
            (1234567.8, b'g', -1, "1.2345678e+06"),
            (200000.0, b'g', -1, "200000"),
            (2000000.0, b'g', -1, "2e+06"),
            (1e10, b'g', -1, "1e+10"),
            (400.0, b'g', 2, "4e+02"),
            (40.0, b'g', 2, "40"),
            (4.0, b'g', 2, "4"),
            (0.4, b'g', 2, "0.4"),
            (0.04, b'g', 2, "0.04"),
            (0.004, b'g', 2, "0.004"),
            (0.0004, b'g', 2, "0.0004"),
            (0.00004, b'g', 2, "4e-05"),
            (0.000004, b'g', 2, "4e-06"),
            (0.0, b'e', 5, "0.00000e+00"),
            (0.0, b'f', 5, "0.00000"),
            (0.0, b'g', 5, "0"),
            (0.0, b'g', -1, "0"),
            (-1.0, b'e', 5, "-1.00000e+00"),
            (-1.0, b'f', 5, "-1.00000"),
            (-1.0, b'g', 5, "-1"),
            (-1.0, b'g', -1, "-1"),
            (12.0, b'e', 5, "1.20000e+01"),
            (12.0, b'f', 5, "12.00000"),
            (12.0, b'g', 5, "12"),
            (12.0, b'g', -1, "12"),
            (123456700.0, b'e', 5, "1.23457e+08"),
            (123456700.0, b'f', 5, "123456700.00000"),
            (123456700.0, b'g', 5, "1.2346e+08"),
            (123456700.0, b'g', -1, "1.234567e+08"),
            (1.2345e6, b'e', 5, "1.23450e+06"),
            (1.2345e6, b'f', 5, "1234500.00000"),
            (1.2345e6, b'g', 5, "1.2345e+06"),
            (1e23, b'e', 17, "9.99999999999999916e+22"),
            (1e23, b'f', 17, "99999999999999991611392.00000000000000000"),
            (1e23, b'g', 17, "9.9999999999999992e+22"),
            (1e23, b'e', -1, "1e+23"),
            (1e23, b'f', -1, "100000000000000000000000"),
            (1e23, b'g', -1, "1e+23"),
            (100.0, b'x', -1, "0x1.9p+06"),
            (100.0, b'y', -1, "%y"),
            (f64::INFINITY, b'g', -1, "+Inf"),
            (f64::NEG_INFINITY, b'g', -1, "-Inf"),
            (f64::NAN, b'g', -1, "NaN"),
            (-1.0, b'b', -1, "-4503599627370496p-52"),
            (0.5, b'f', 0, "0"),
            (1.5, b'f', 0, "2"),
            (2.5, b'f', 0, "2"),
            (1.0, b'x', -1, "0x1p+00"),
            (1.0, b'x', 0, "0x1p+00"),
            (1.0, b'x', 5, "0x1.00000p+00"),
            (3.999, b'x', 0, "0x1p+02"),
        ];
        for &(v, f, p, want) in cases {
            assert_eq!(format_float(v, f, p, 64), want, "FormatFloat({v}, {}, {p})", f as char);
        }
    }

    // Shortest formatting as go-yaml and encoding/json use it, 32-bit included.
    #[test]
    fn shortest_matches_go() {
        let cases: &[(f64, u8, u32, &str)] = &[
            (-0.0, b'g', 64, "-0"),
            (1e21, b'g', 64, "1e+21"),
            (1e20, b'g', 64, "1e+20"),
            (123456.0, b'g', 64, "123456"),
            (1234567.0, b'g', 64, "1.234567e+06"),
            (0.0001, b'g', 64, "0.0001"),
            (0.00001, b'g', 64, "1e-05"),
            (1.5e-7, b'e', 64, "1.5e-07"),
            (1e20, b'f', 64, "100000000000000000000"),
            (0.1, b'f', 64, "0.1"),
            (16777217.0, b'g', 32, "1.6777216e+07"),
            (0.1, b'g', 32, "0.1"),
            (123456789.0, b'g', 64, "1.23456789e+08"),
        ];
        for &(f, fmt, bits, want) in cases {
            assert_eq!(format_float(f, fmt, -1, bits), want, "{f} {} {bits}", fmt as char);
        }
    }

    // From Go's src/strconv/quote_test.go (quotetests).
    #[test]
    fn quote_table() {
        assert_eq!(quote("\x07\x08\x0c\r\n\t\x0b"), r#""\a\b\f\r\n\t\v""#);
        assert_eq!(quote("\\"), r#""\\""#);
        assert_eq!(quote("abc\u{ff}def"), "\"abc\u{ff}def\"");
        assert_eq!(quote("\u{263a}"), "\"\u{263a}\"");
        assert_eq!(quote("\u{10ffff}"), r#""\U0010ffff""#);
        assert_eq!(quote("\x04"), r#""\x04""#);
        assert_eq!(quote("!\u{00a0}!\u{2000}!\u{3000}!"), r#""!\u00a0!\u2000!\u3000!""#);
        assert_eq!(quote("\x7f"), r#""\x7f""#);
        assert_eq!(quote_to_ascii("\u{263a}"), r#""\u263a""#);
        assert_eq!(quote_bytes(b"abc\xffdef", b'"', false), r#""abc\xffdef""#);
        assert_eq!(quote("a\"b\\c\n\u{1}é\u{7f}"), "\"a\\\"b\\\\c\\n\\x01é\\x7f\"");
        // Format characters and private use are not printable.
        assert_eq!(quote("\u{ad}\u{200b}\u{e000}"), r#""\u00ad\u200b\ue000""#);
    }

    #[test]
    fn unquote_table() {
        assert_eq!(unquote(r#""a\tb""#).as_deref(), Ok("a\tb"));
        assert_eq!(unquote("`a\\tb`").as_deref(), Ok("a\\tb"));
        assert_eq!(unquote(r#""\u263a""#).as_deref(), Ok("\u{263a}"));
        assert_eq!(unquote(r#""\z""#), Err("invalid syntax"));
        assert_eq!(unquote(r#"'ab'"#), Err("invalid syntax"));
        assert_eq!(unquote_char("\\n'", b'\''), Ok((10, "'")));
    }

    #[test]
    fn parse_numbers_like_go() {
        assert_eq!(parse_uint("0x1F", 0), Ok(31));
        assert_eq!(parse_uint("0o17", 0), Ok(15));
        assert_eq!(parse_uint("017", 0), Ok(15));
        assert_eq!(parse_uint("0b101", 0), Ok(5));
        assert_eq!(parse_uint("1_000", 0), Ok(1000));
        assert_eq!(parse_uint("1__000", 0), Err(NumError::Syntax));
        assert_eq!(parse_uint("08", 0), Err(NumError::Syntax));
        assert_eq!(parse_uint("18446744073709551616", 0), Err(NumError::Range));
        assert_eq!(parse_int("-0x10", 0), Ok(-16));
        assert_eq!(parse_int("9223372036854775808", 0), Err(NumError::Range));
        assert_eq!(parse_float("0x1p-2"), Ok(0.25));
        assert_eq!(parse_float("1e400"), Err(NumError::Range));
        assert_eq!(parse_float("1.5e3"), Ok(1500.0));
        assert_eq!(parse_float("."), Err(NumError::Syntax));
        assert_eq!(parse_int("09", 0), Err(NumError::Syntax));
        assert_eq!(parse_int("+", 0), Err(NumError::Syntax));
        assert_eq!(parse_int("0", 0), Ok(0));
        assert_eq!(parse_uint("9223372036854775808", 0), Ok(1 << 63));
    }

    #[test]
    fn explicit_bases_take_no_prefix_or_underscores() {
        assert_eq!(parse_uint("101", 2), Ok(5));
        assert_eq!(parse_uint("1_0", 2), Err(NumError::Syntax));
        assert_eq!(parse_uint("0x10", 16), Err(NumError::Syntax));
        assert_eq!(parse_int("-ff", 16), Ok(-255));
        assert_eq!(parse_int("-9223372036854775808", 0), Ok(i64::MIN));
        assert_eq!(parse_int("", 0), Err(NumError::Syntax));
        assert_eq!(parse_uint("1", 37), Err(NumError::Syntax));
    }

    // Go's atof_test.go hex cases: rounding to nearest even, subnormals, range.
    #[test]
    fn hex_floats_round_like_go() {
        assert_eq!(parse_float("0x1p0"), Ok(1.0));
        assert_eq!(parse_float("0x1.8p1"), Ok(3.0));
        assert_eq!(parse_float("-0x.8p1"), Ok(-1.0));
        assert_eq!(parse_float("0x1fffffffffffffp0"), Ok(9007199254740991.0));
        // 2^53 + 1 is a tie: rounds to the even 2^53; 2^53 + 3 rounds up.
        assert_eq!(parse_float("0x20000000000001p0"), Ok(9007199254740992.0));
        assert_eq!(parse_float("0x20000000000003p0"), Ok(9007199254740996.0));
        // A tie broken by a non-zero digit beyond 64 bits rounds up.
        assert_eq!(parse_float("0x200000000000010000000001p-40"), Ok(9007199254740994.0));
        assert_eq!(parse_float("0x1p-1074"), Ok(f64::from_bits(1)));
        assert_eq!(parse_float("0x1p-1075"), Ok(0.0));
        assert_eq!(parse_float("0x1.8p-1074"), Ok(f64::from_bits(2)));
        assert_eq!(parse_float("0x1p1023"), Ok(2f64.powi(1023)));
        assert_eq!(parse_float("0x1p1024"), Err(NumError::Range));
        assert_eq!(parse_float("0x1.fffffffffffff8p1023"), Err(NumError::Range));
        assert_eq!(parse_float("0x1"), Err(NumError::Syntax));
    }
}
