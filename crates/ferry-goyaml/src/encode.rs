//! Encoding the tree as go-yaml v2's `Marshal` does (`encode.go` and
//! `sorter.go`): key order, scalar style choice, then the emitter.

use std::borrow::Cow;

use crate::decode::resolves_to_str;
use crate::emitter::{Emitter, Ev, Style};
use crate::gosort::go_sort;
use crate::value::Value;

/// reflect.Kind numbers, which go-yaml's key sorter compares.
fn kind(v: &Value) -> u8 {
    match v {
        Value::Bool(_) => 1,
        Value::Int(_) => 2,
        Value::Uint(_) => 11,
        Value::Float(_) => 14,
        Value::Null => 20,
        Value::Map(_) => 21,
        Value::Seq(_) => 23,
        Value::Str(_) => 24,
    }
}

fn key_float(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Uint(u) => Some(*u as f64),
        Value::Float(f) => Some(*f),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

fn num_less(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x < y,
        (Value::Uint(x), Value::Uint(y)) => x < y,
        (Value::Float(x), Value::Float(y)) => x < y,
        (Value::Bool(x), Value::Bool(y)) => !x && *y,
        _ => false,
    }
}

/// Go's `unicode.IsLetter` (exact for ASCII; Unicode letters otherwise).
fn is_letter(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_alphabetic() } else { c.is_alphabetic() && !c.is_numeric() }
}

/// Go's `unicode.IsDigit`, for ASCII (non-ASCII decimal digits, which Go
/// also counts, are treated as non-digits).
fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}

/// A map key prepared for sorting: go-yaml compares strings rune by rune.
pub(crate) struct SortKey<'a> {
    value: &'a Value,
    runes: Vec<char>,
}

impl<'a> SortKey<'a> {
    pub(crate) fn new(value: &'a Value) -> SortKey<'a> {
        let runes = match value {
            Value::Str(s) => s.chars().collect(),
            _ => Vec::new(),
        };
        SortKey { value, runes }
    }
}

/// go-yaml's `keyList.Less`.
pub(crate) fn key_less(a: &SortKey, b: &SortKey) -> bool {
    let (av, bv) = (a.value, b.value);
    let (ak, bk) = (kind(av), kind(bv));
    if let (Some(af), Some(bf)) = (key_float(av), key_float(bv)) {
        if af != bf {
            return af < bf;
        }
        if ak != bk {
            return ak < bk;
        }
        return num_less(av, bv);
    }
    if !matches!((av, bv), (Value::Str(_), Value::Str(_))) {
        return ak < bk;
    }
    let (ar, br) = (&a.runes, &b.runes);
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = is_letter(ar[i]);
        let bl = is_letter(br[i]);
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && is_digit(ar[j - 1]) {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && is_digit(ar[ai]) {
            an = an.wrapping_mul(10).wrapping_add(i64::from(ar[ai] as u32) - i64::from(b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && is_digit(br[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(i64::from(br[bi] as u32) - i64::from(b'0'));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// go-yaml's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&c) = b.first() else { return false };
    if !(c == b'+' || c == b'-' || c.is_ascii_digit()) || !s.contains(':') {
        return false;
    }
    let mut i = 0;
    if c == b'+' || c == b'-' {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        // [0-5]?[0-9]
        let d1 = b.get(i).copied();
        let d2 = b.get(i + 1).copied();
        match (d1, d2) {
            (Some(x @ b'0'..=b'5'), Some(y)) if y.is_ascii_digit() => {
                let _ = x;
                i += 2;
            }
            (Some(x), _) if x.is_ascii_digit() => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// The style go-yaml's `stringv` asks the emitter for.
fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if resolves_to_str(s) && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::DoubleQuoted
    }
}

fn events<'a>(v: &'a Value, out: &mut Vec<Ev<'a>>) {
    match v {
        Value::Null => out.push(Ev::Scalar(Cow::Borrowed("null"), Style::Plain)),
        Value::Bool(b) => out.push(Ev::Scalar(Cow::Borrowed(if *b { "true" } else { "false" }), Style::Plain)),
        Value::Int(i) => out.push(Ev::Scalar(Cow::Owned(i.to_string()), Style::Plain)),
        Value::Uint(u) => out.push(Ev::Scalar(Cow::Owned(u.to_string()), Style::Plain)),
        Value::Float(f) => out.push(Ev::Scalar(Cow::Owned(yaml_float(*f, 64)), Style::Plain)),
        Value::Str(s) => out.push(Ev::Scalar(Cow::Borrowed(s), string_style(s))),
        Value::Seq(items) => {
            out.push(Ev::SequenceStart);
            for item in items {
                events(item, out);
            }
            out.push(Ev::SequenceEnd);
        }
        Value::Map(entries) => {
            out.push(Ev::MappingStart);
            let mut sorted: Vec<(SortKey, &Value)> = entries.iter().map(|(k, v)| (SortKey::new(k), v)).collect();
            go_sort(&mut sorted, |a, b| key_less(&a.0, &b.0));
            for (key, val) in sorted {
                let k = key.value;
                events(k, out);
                // Go's MapIndex never finds a NaN key, so its value marshals as null.
                if matches!(k, Value::Float(f) if f.is_nan()) {
                    out.push(Ev::Scalar(Cow::Borrowed("null"), Style::Plain));
                } else {
                    events(val, out);
                }
            }
            out.push(Ev::MappingEnd);
        }
    }
}

fn count_events(v: &Value) -> usize {
    match v {
        Value::Seq(items) => 2 + items.iter().map(count_events).sum::<usize>(),
        Value::Map(entries) => 2 + entries.iter().map(|(k, v)| count_events(k) + count_events(v)).sum::<usize>(),
        _ => 1,
    }
}

/// go-yaml v2 `Marshal` of each document in turn (documents after the first
/// are preceded by `---`, as `Encoder.Encode` does).
pub(crate) fn marshal_docs(docs: &[&Value]) -> String {
    let n: usize = docs.iter().map(|d| count_events(d) + 2).sum::<usize>() + 2;
    let mut evs = Vec::with_capacity(n);
    evs.push(Ev::StreamStart);
    for d in docs {
        evs.push(Ev::DocumentStart);
        events(d, &mut evs);
        evs.push(Ev::DocumentEnd);
    }
    evs.push(Ev::StreamEnd);
    let out = Emitter::new(evs, n * 8).run();
    // The emitter only ever copies whole UTF-8 characters from valid strings.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// go-yaml's float text: `strconv.FormatFloat(f, 'g', -1, bits)` with
/// `.inf`, `-.inf` and `.nan` for the special values.
pub(crate) fn yaml_float(f: f64, bits: u32) -> String {
    let s = ferry_gostd::strconv::format_float(f, b'g', -1, bits);
    match s.as_str() {
        "+Inf" => ".inf".to_string(),
        "-Inf" => "-.inf".to_string(),
        "NaN" => ".nan".to_string(),
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base60() {
        assert!(is_base60_float("1:20"));
        assert!(is_base60_float("190:20:30.15"));
        assert!(is_base60_float("-1:2"));
        assert!(!is_base60_float("1:60"));
        assert!(!is_base60_float("a:1"));
        assert!(!is_base60_float("1:"));
        assert!(is_base60_float("12:59"));
    }

    #[test]
    fn natural_key_order() {
        let s = |x: &str| Value::Str(x.into());
        let less = |a: &Value, b: &Value| key_less(&SortKey::new(a), &SortKey::new(b));
        assert!(less(&s("a2"), &s("a10")));
        assert!(less(&s("1"), &s("01")));
        assert!(less(&Value::Int(1), &s("a")));
        assert!(less(&Value::Bool(true), &Value::Int(1)));
        assert!(less(&Value::Null, &s("a")));
    }
}
