//! The conversions Sprig takes from spf13/cast v1.7 (`toInt64`, `toInt`,
//! `toFloat64`) and its own `strval`/`strslice`, over template values.

use ferry_gostd::strconv::{self, NumError};
use ferry_gotmpl::{Type, Value, gofmt};

/// cast's `trimZeroDecimal`: `"12.000"` → `"12"`, anything else unchanged.
fn trim_zero_decimal(s: &str) -> &str {
    let b = s.as_bytes();
    let mut found_zero = false;
    for i in (1..=b.len()).rev() {
        match b[i - 1] {
            b'.' => {
                if found_zero {
                    return &s[..i - 1];
                }
            }
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// Go's `int64(f)` on amd64: out-of-range and NaN give the minimum int64.
pub fn float_to_i64(f: f64) -> i64 {
    // 2^63 as f64; amd64's CVTTSD2SI yields the "integer indefinite" value outside the range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) { i64::MIN } else { f as i64 }
}

/// `cast.ToInt64E` (also `ToIntE`: Go's `int` is 64-bit). Strings parse with
/// `strconv.ParseInt(s, 0, 0)`, so `"0x1F"` is 31 and `"08"` is an error.
pub fn to_int64_e(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i, _) => Ok(*i),
        Value::Uint(u, _) => Ok(*u as i64),
        Value::Float(f, _) => Ok(float_to_i64(*f)),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::String(s) => strconv::parse_int(trim_zero_decimal(s), 0).map_err(|_| {
            format!("unable to cast {} of type string to int64", gofmt::sprintf("%#v", std::slice::from_ref(v)))
        }),
        Value::Invalid | Value::Nil(Type::Interface) => Ok(0),
        other => Err(format!(
            "unable to cast {} of type {} to int64",
            gofmt::sprintf("%#v", std::slice::from_ref(other)),
            other.type_name()
        )),
    }
}

/// `cast.ToInt64` (errors give 0).
pub fn to_int64(v: &Value) -> i64 {
    to_int64_e(v).unwrap_or(0)
}

/// `cast.ToFloat64E`.
pub fn to_float64_e(v: &Value) -> Result<f64, String> {
    match v {
        Value::Int(i, _) => Ok(*i as f64),
        Value::Uint(u, _) => Ok(*u as f64),
        Value::Float(f, _) => Ok(*f),
        Value::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => strconv::parse_float(s).map_err(|_| {
            format!("unable to cast {} of type string to float64", gofmt::sprintf("%#v", std::slice::from_ref(v)))
        }),
        Value::Invalid | Value::Nil(Type::Interface) => Ok(0.0),
        other => Err(format!(
            "unable to cast {} of type {} to float64",
            gofmt::sprintf("%#v", std::slice::from_ref(other)),
            other.type_name()
        )),
    }
}

/// `cast.ToFloat64` (errors give 0).
pub fn to_float64(v: &Value) -> f64 {
    to_float64_e(v).unwrap_or(0.0)
}

/// Go's `strconv.Atoi` as Sprig's `atoi` uses it: errors give 0, except that an
/// out-of-range number gives the clamped value ParseInt returns.
pub fn atoi(s: &str) -> i64 {
    if s.is_empty() {
        return 0;
    }
    let (neg, digits) = match s.as_bytes()[0] {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return 0;
    }
    match digits.parse::<i64>() {
        Ok(n) => {
            if neg {
                -n
            } else {
                n
            }
        }
        // Out of range: ParseInt's clamped value comes back with the error.
        Err(_) if neg => i64::MIN,
        Err(_) => i64::MAX,
    }
}

/// Sprig's `toDecimal`: the value's `%v` text read as an octal number, 0 on error.
pub fn to_decimal(v: &Value) -> i64 {
    let text = gofmt::sprint(std::slice::from_ref(v));
    let (neg, digits) = match text.as_bytes().first() {
        Some(b'+') => (false, &text[1..]),
        Some(b'-') => (true, &text[1..]),
        _ => (false, text.as_str()),
    };
    if digits.is_empty() || !digits.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
        return 0;
    }
    match i64::from_str_radix(digits, 8) {
        Ok(n) => {
            if neg {
                -n
            } else {
                n
            }
        }
        Err(_) => 0,
    }
}

/// Sprig's `strval`: strings as-is, `[]byte` as text, `String()`/`Error()`
/// methods, otherwise `fmt.Sprintf("%v")`.
pub fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Object(o) => o.string().unwrap_or_else(|| gofmt::sprint(std::slice::from_ref(v))),
        _ => gofmt::sprint(std::slice::from_ref(v)),
    }
}

/// Whether a value is a nil `interface {}` (what `v != nil` tests in Sprig).
pub fn is_nil_interface(v: &Value) -> bool {
    matches!(v, Value::Invalid | Value::Nil(Type::Interface))
}

/// The elements of a slice-kinded value (`[]T`, `[]byte`, typed nil slices).
pub fn slice_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) => Some(l.items.clone()),
        Value::Bytes(b) => Some(b.iter().map(|&x| Value::Uint(u64::from(x), ferry_gotmpl::UintKind::Uint8)).collect()),
        Value::Nil(t) if t.kind() == ferry_gotmpl::Kind::Slice => Some(Vec::new()),
        _ => None,
    }
}

/// Sprig's `strslice` (`toStrings`).
pub fn strslice(v: &Value) -> Vec<String> {
    if let Value::List(l) = v
        && l.ty.elem() == Some(&Type::String)
    {
        return l.items.iter().map(strval).collect();
    }
    match slice_items(v) {
        Some(items) => items.iter().filter(|i| !is_nil_interface(i)).map(strval).collect(),
        None if is_nil_interface(v) => Vec::new(),
        None => vec![strval(v)],
    }
}

/// Maps a `NumError` to Go's `strconv` wording for `fn` and input `s`.
pub fn num_error(func: &str, s: &str, e: NumError) -> String {
    let what = match e {
        NumError::Syntax => "invalid syntax",
        NumError::Range => "value out of range",
    };
    format!("strconv.{func}: parsing {}: {what}", strconv::quote(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cast_follows_spf13_cast() {
        assert_eq!(to_int64(&Value::from("08")), 0);
        assert_eq!(to_int64(&Value::from("0x1F")), 31);
        assert_eq!(to_int64(&Value::from("12.000")), 12);
        assert_eq!(to_int64(&Value::from("12.5")), 0);
        assert_eq!(to_int64(&Value::from("1_000")), 1000);
        assert_eq!(to_int64(&Value::float64(3.9)), 3);
        assert_eq!(to_int64(&Value::Bool(true)), 1);
        assert_eq!(to_int64(&Value::nil()), 0);
        assert_eq!(to_float64(&Value::from("1.5")), 1.5);
        assert_eq!(atoi("42"), 42);
        assert_eq!(atoi("4x"), 0);
        assert_eq!(atoi("99999999999999999999"), i64::MAX);
        assert_eq!(to_decimal(&Value::from("0777")), 511);
        assert_eq!(to_decimal(&Value::int(777)), 511);
        assert_eq!(to_decimal(&Value::from("8")), 0);
    }
}
