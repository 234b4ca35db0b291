//! Plain-scalar resolution: a port of go-yaml v2's `resolve.go`, plus the
//! pieces of Go's standard library it leans on that `ferry-gostd` does not
//! carry (`time.Parse` for the four timestamp layouts, `base64.StdEncoding`).

use ferry_gostd::strconv;

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
                if let Ok(f) = strconv::parse_float(input) {
                    return (FLOAT_TAG, Resolved::Float(f));
                }
            }
            b'D' | b'S' => {
                if (tag.is_empty() || tag == TIMESTAMP_TAG) && parse_timestamp(input) {
                    return (TIMESTAMP_TAG, Resolved::Timestamp);
                }
                let plain: String = input.chars().filter(|&c| c != '_').collect();
                if let Ok(i) = strconv::parse_int(&plain, 0) {
                    return (INT_TAG, Resolved::Int(i));
                }
                if let Ok(u) = strconv::parse_uint(&plain, 0) {
                    return (INT_TAG, Resolved::Uint(u));
                }
                if is_yaml_style_float(&plain)
                    && let Ok(f) = strconv::parse_float(&plain)
                {
                    return (FLOAT_TAG, Resolved::Float(f));
                }
                if let Some(rest) = plain.strip_prefix("0b") {
                    if let Ok(i) = strconv::parse_int(rest, 2) {
                        return (INT_TAG, Resolved::Int(i));
                    }
                    if let Ok(u) = strconv::parse_uint(rest, 2) {
                        return (INT_TAG, Resolved::Uint(u));
                    }
                } else if let Some(rest) = plain.strip_prefix("-0b")
                    && let Ok(i) = strconv::parse_int(&format!("-{rest}"), 2)
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
    fn base64_round_trip() {
        assert_eq!(decode_base64("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(decode_base64("aGVs\nbG8="), Some(b"hello".to_vec()));
        assert_eq!(decode_base64("aGVsbG8"), None);
    }
}
