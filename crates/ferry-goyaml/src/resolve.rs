//! Plain-scalar resolution: a port of go-yaml v2's `resolve.go`, plus the
//! pieces of Go's standard library it leans on (`strconv.ParseInt`/
//! `ParseUint`/`ParseFloat` with base 0, `time.Parse` for the four
//! timestamp layouts, `base64.StdEncoding`).

pub(crate) const NULL_TAG: &str = "tag:yaml.org,2002:null";
pub(crate) const BOOL_TAG: &str = "tag:yaml.org,2002:bool";
pub(crate) const STR_TAG: &str = "tag:yaml.org,2002:str";
pub(crate) const INT_TAG: &str = "tag:yaml.org,2002:int";
pub(crate) const FLOAT_TAG: &str = "tag:yaml.org,2002:float";
pub(crate) const TIMESTAMP_TAG: &str = "tag:yaml.org,2002:timestamp";
pub(crate) const BINARY_TAG: &str = "tag:yaml.org,2002:binary";
pub(crate) const MERGE_TAG: &str = "tag:yaml.org,2002:merge";

const LONG_TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// go-yaml's `shortTag`: `tag:yaml.org,2002:x` becomes `!!x`.
pub(crate) fn short_tag(tag: &str) -> String {
    match tag.strip_prefix(LONG_TAG_PREFIX) {
        Some(rest) => format!("!!{rest}"),
        None => tag.to_string(),
    }
}

/// What a scalar resolved to (the Go dynamic type of `resolve`'s result).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str,
    Timestamp,
    Merge,
}

fn resolvable_tag(tag: &str) -> bool {
    matches!(tag, "" | STR_TAG | BOOL_TAG | INT_TAG | FLOAT_TAG | NULL_TAG | TIMESTAMP_TAG)
}

fn resolve_map(s: &str) -> Option<(&'static str, Resolved)> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            (BOOL_TAG, Resolved::Bool(true))
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            (BOOL_TAG, Resolved::Bool(false))
        }
        "" | "~" | "null" | "Null" | "NULL" => (NULL_TAG, Resolved::Null),
        ".nan" | ".NaN" | ".NAN" => (FLOAT_TAG, Resolved::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => (FLOAT_TAG, Resolved::Float(f64::INFINITY)),
        "-.inf" | "-.Inf" | "-.INF" => (FLOAT_TAG, Resolved::Float(f64::NEG_INFINITY)),
        "<<" => (MERGE_TAG, Resolved::Merge),
        _ => return None,
    })
}

fn hint(b: u8) -> u8 {
    match b {
        b'+' | b'-' => b'S',
        b'0'..=b'9' => b'D',
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => b'M',
        b'.' => b'.',
        _ => 0,
    }
}

/// go-yaml's `resolve(tag, in)`. `Err` carries the `failf` message (without
/// the `yaml: ` prefix).
pub(crate) fn resolve<'t>(tag: &'t str, input: &str) -> Result<(&'t str, Resolved), String> {
    if !resolvable_tag(tag) {
        // Custom, binary and collection tags keep the text as a string.
        return Ok((tag, Resolved::Str));
    }
    let (rtag, out) = resolve_plain(tag, input);
    // The deferred check in resolve(): an explicit tag must agree.
    if tag.is_empty() || tag == rtag || tag == STR_TAG || tag == BINARY_TAG {
        return Ok((rtag, out));
    }
    if tag == FLOAT_TAG
        && rtag == INT_TAG
        && let Resolved::Int(v) = out
    {
        return Ok((FLOAT_TAG, Resolved::Float(v as f64)));
    }
    Err(format!("cannot decode {} `{}` as a {}", short_tag(rtag), input, short_tag(tag)))
}

fn resolve_plain(tag: &str, input: &str) -> (&'static str, Resolved) {
    let h = match input.as_bytes().first() {
        None => b'N',
        Some(&b) => hint(b),
    };
    if h != 0 && tag != STR_TAG && tag != BINARY_TAG {
        if let Some(item) = resolve_map(input) {
            return item;
        }
        match h {
            b'.' => {
                if let Some(f) = parse_float(input) {
                    return (FLOAT_TAG, Resolved::Float(f));
                }
            }
            b'D' | b'S' => {
                if (tag.is_empty() || tag == TIMESTAMP_TAG) && parse_timestamp(input) {
                    return (TIMESTAMP_TAG, Resolved::Timestamp);
                }
                let plain: String = input.chars().filter(|&c| c != '_').collect();
                if let Some(i) = parse_int(&plain) {
                    return (INT_TAG, Resolved::Int(i));
                }
                if let Some(u) = parse_uint(&plain, 0) {
                    return (INT_TAG, Resolved::Uint(u));
                }
                if is_yaml_style_float(&plain)
                    && let Some(f) = parse_float(&plain)
                {
                    return (FLOAT_TAG, Resolved::Float(f));
                }
                if let Some(rest) = plain.strip_prefix("0b") {
                    if let Some(i) = parse_int_base(rest, 2) {
                        return (INT_TAG, Resolved::Int(i));
                    }
                    if let Some(u) = parse_uint(rest, 2) {
                        return (INT_TAG, Resolved::Uint(u));
                    }
                } else if let Some(rest) = plain.strip_prefix("-0b")
                    && let Some(i) = parse_int_base(&format!("-{rest}"), 2)
                {
                    return (INT_TAG, Resolved::Int(i));
                }
            }
            _ => {}
        }
    }
    (STR_TAG, Resolved::Str)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseUint(s, base, 64)` for base 0 or an explicit base;
/// `None` on any error (syntax or range). Underscores are not accepted
/// (go-yaml strips them before calling).
pub(crate) fn parse_uint(s: &str, base: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let b = s.as_bytes();
    let (base, digits) = if base == 0 {
        if b[0] == b'0' {
            if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'b') {
                (2, &b[2..])
            } else if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'o') {
                (8, &b[2..])
            } else if b.len() >= 3 && b[1].eq_ignore_ascii_case(&b'x') {
                (16, &b[2..])
            } else {
                (8, &b[1..])
            }
        } else {
            (10, b)
        }
    } else {
        (base, b)
    };
    let mut n: u64 = 0;
    for &c in digits {
        let d = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'a'..=b'z' => u32::from(c - b'a') + 10,
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
pub(crate) fn parse_int(s: &str) -> Option<i64> {
    parse_int_base(s, 0)
}

fn parse_int_base(s: &str, base: u32) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let (neg, rest) = match s.as_bytes()[0] {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    let un = parse_uint(rest, base)?;
    const CUTOFF: u64 = 1 << 63;
    if !neg && un >= CUTOFF {
        return None;
    }
    if neg && un > CUTOFF {
        return None;
    }
    Some(if neg { (un as i64).wrapping_neg() } else { un as i64 })
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    if !b.is_empty() && (b[0] == b'-' || b[0] == b'+') {
        b = &b[1..];
    }
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

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms go-yaml can pass
/// (and the special words); `None` on syntax or range error.
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Some(if s.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY });
    }
    if lower == "nan" {
        return Some(f64::NAN);
    }
    if body.starts_with("0x") || body.starts_with("0X") {
        return parse_hex_float(s);
    }
    let cleaned;
    let text = if s.contains('_') {
        if !underscore_ok(s) {
            return None;
        }
        cleaned = s.replace('_', "");
        cleaned.as_str()
    } else {
        s
    };
    // Rust accepts exactly Go's decimal syntax except words handled above.
    if !text.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-')) {
        return None;
    }
    let f: f64 = text.parse().ok()?;
    if f.is_infinite() {
        return None;
    }
    Some(f)
}

fn parse_hex_float(s: &str) -> Option<f64> {
    // Go syntax: 0x<hexmantissa>[.<hex>]p<exp>; the exponent is mandatory.
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let body = body.get(2..)?.replace('_', "");
    let (mant, exp) = body.split_once(['p', 'P'])?;
    let exp: i32 = exp.parse().ok()?;
    let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int_part.chars() {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        v += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    let v = v * 2f64.powi(exp);
    if v.is_infinite() {
        return None;
    }
    Some(if neg { -v } else { v })
}

// ------------------------------------------------------------ timestamps

fn getnum(v: &[u8], fixed: bool) -> Option<(u32, &[u8])> {
    let d0 = *v.first()?;
    if !d0.is_ascii_digit() {
        return None;
    }
    match v.get(1) {
        Some(d1) if d1.is_ascii_digit() => Some((u32::from(d0 - b'0') * 10 + u32::from(d1 - b'0'), &v[2..])),
        _ if fixed => None,
        _ => Some((u32::from(d0 - b'0'), &v[1..])),
    }
}

fn days_in(month: u32, year: i64) -> u32 {
    match month {
        2 => {
            if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) {
                29
            } else {
                28
            }
        }
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Matches a literal layout separator the way `time.Parse`'s `skip` does
/// (a space matches any run of spaces, including none at end of input).
fn skip_literal<'v>(mut v: &'v [u8], mut lit: &[u8]) -> Option<&'v [u8]> {
    while let Some(&c) = lit.first() {
        if c == b' ' {
            if let Some(&f) = v.first()
                && f != b' '
            {
                return None;
            }
            while lit.first() == Some(&b' ') {
                lit = &lit[1..];
            }
            while v.first() == Some(&b' ') {
                v = &v[1..];
            }
            continue;
        }
        if v.first() != Some(&c) {
            return None;
        }
        lit = &lit[1..];
        v = &v[1..];
    }
    Some(v)
}

#[derive(Clone, Copy, PartialEq)]
enum Layout {
    DateTimeZ(u8),
    DateTimeSpace,
    Date,
}

fn parse_layout(s: &[u8], layout: Layout) -> Option<()> {
    // 2006
    let year_digits = s.get(..4)?;
    let year: i64 = std::str::from_utf8(year_digits).ok()?.parse().ok()?;
    let v = skip_literal(&s[4..], b"-")?;
    let (month, v) = getnum(v, false)?;
    if !(1..=12).contains(&month) {
        return None;
    }
    let v = skip_literal(v, b"-")?;
    let (day, mut v) = getnum(v, false)?;
    if layout != Layout::Date {
        v = match layout {
            Layout::DateTimeZ(t) => skip_literal(v, &[t])?,
            _ => skip_literal(v, b" ")?,
        };
        let (hour, rest) = getnum(v, false)?;
        if hour >= 24 {
            return None;
        }
        let rest = skip_literal(rest, b":")?;
        let (min, rest) = getnum(rest, false)?;
        if min >= 60 {
            return None;
        }
        let rest = skip_literal(rest, b":")?;
        let (sec, mut rest) = getnum(rest, false)?;
        if sec >= 60 {
            return None;
        }
        // .999999999: optional fraction, any number of digits.
        if rest.len() >= 2 && (rest[0] == b'.' || rest[0] == b',') && rest[1].is_ascii_digit() {
            let mut i = 1;
            while i < rest.len() && rest[i].is_ascii_digit() {
                i += 1;
            }
            rest = &rest[i..];
        }
        if let Layout::DateTimeZ(_) = layout {
            if rest.first() == Some(&b'Z') {
                rest = &rest[1..];
            } else {
                if rest.len() < 6 || rest[3] != b':' {
                    return None;
                }
                let sign = rest[0];
                let (hr, _) = getnum(&rest[1..3], true)?;
                let (mm, _) = getnum(&rest[4..6], true)?;
                if sign != b'+' && sign != b'-' {
                    return None;
                }
                if hr > 24 || mm > 60 {
                    return None;
                }
                rest = &rest[6..];
            }
        }
        v = rest;
    }
    if !v.is_empty() {
        return None;
    }
    if day < 1 || day > days_in(month, year) {
        return None;
    }
    Some(())
}

/// go-yaml's `parseTimestamp` (only whether it succeeds matters here).
pub(crate) fn parse_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let i = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if i != 4 || i == b.len() || b[i] != b'-' {
        return false;
    }
    [Layout::DateTimeZ(b'T'), Layout::DateTimeZ(b't'), Layout::DateTimeSpace, Layout::Date]
        .into_iter()
        .any(|l| parse_layout(b, l).is_some())
}

// ---------------------------------------------------------------- base64

/// Go's `base64.StdEncoding.DecodeString` (newlines ignored, padding required).
pub(crate) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let clean: Vec<u8> = s.bytes().filter(|&c| c != b'\r' && c != b'\n').collect();
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    let groups = clean.len() / 4;
    for (gi, g) in clean.chunks(4).enumerate() {
        let last = gi + 1 == groups;
        let pad = g.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &g[..4 - pad] {
            n = (n << 6) | val(c)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_follow_go_time_parse() {
        for ok in [
            "2001-12-14",
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14T21:59:43.10Z",
            "2001-12-14 21:59:43.10",
            "2001-12-14  21:59:43.10",
            "2002-1-2",
            "2000-02-29",
            "2015-02-24T18:19:39Z",
            "2001-12-14 21:59:43",
        ] {
            assert!(parse_timestamp(ok), "{ok}");
        }
        for bad in [
            "2001-12-14 21:59:43.10 -5",
            "2001-02-29",
            "2001-13-01",
            "20011-12-14",
            "2001-12-14x",
            "2001-12-14T25:00:00Z",
            "1.2.3",
        ] {
            assert!(!parse_timestamp(bad), "{bad}");
        }
    }

    #[test]
    fn go_parse_int_base_zero() {
        assert_eq!(parse_int("0x1F"), Some(31));
        assert_eq!(parse_int("0o17"), Some(15));
        assert_eq!(parse_int("017"), Some(15));
        assert_eq!(parse_int("0b101"), Some(5));
        assert_eq!(parse_int("09"), None);
        assert_eq!(parse_int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_int("9223372036854775808"), None);
        assert_eq!(parse_uint("9223372036854775808", 0), Some(1 << 63));
        assert_eq!(parse_int("+"), None);
        assert_eq!(parse_int("0"), Some(0));
    }

    #[test]
    fn base64_round_trip() {
        assert_eq!(decode_base64("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(decode_base64("aGVs\nbG8="), Some(b"hello".to_vec()));
        assert_eq!(decode_base64("aGVsbG8"), None);
    }
}
