//! Go's number and string formatting, as far as YAML and JSON output need it:
//! `strconv.FormatFloat(f, fmt, -1, bits)` (shortest representation) and
//! `strconv.Quote`.

/// Shortest decimal digits of `f` (finite, non-zero) and the decimal point
/// position (`digs.dp` in Go's ftoa).
fn shortest_digits(f: f64, bits: u32) -> (Vec<u8>, i32) {
    // Rust's `{:e}` yields the shortest digits that round-trip, picking the
    // closest candidate, which is what Go's Ryū-based shortest mode does.
    let s = if bits == 32 { format!("{:e}", (f as f32).abs()) } else { format!("{:e}", f.abs()) };
    let (mant, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    (digits, exp + 1)
}

fn fmt_e(out: &mut String, digits: &[u8], dp: i32, prec: usize) {
    let nd = digits.len();
    out.push(if nd == 0 { '0' } else { digits[0] as char });
    if prec > 0 {
        out.push('.');
        let mut i = 1;
        let m = nd.min(prec + 1);
        if i < m {
            for &d in &digits[i..m] {
                out.push(d as char);
            }
            i = m;
        }
        while i <= prec {
            out.push('0');
            i += 1;
        }
    }
    out.push('e');
    let mut exp = dp - 1;
    if nd == 0 {
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
}

fn fmt_f(out: &mut String, digits: &[u8], dp: i32, prec: usize) {
    let nd = digits.len() as i32;
    if dp > 0 {
        let m = nd.min(dp);
        for &d in &digits[..m as usize] {
            out.push(d as char);
        }
        for _ in m..dp {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec as i32 {
            let j = dp + i - 1;
            let ch = if 0 <= j && j < nd { digits[j as usize] as char } else { '0' };
            out.push(ch);
        }
    }
}

/// `strconv.FormatFloat(f, fmt, -1, bits)` for `fmt` in `'e'`, `'f'`, `'g'`.
pub(crate) fn format_float(f: f64, fmt: u8, bits: u32) -> String {
    let f = if bits == 32 { f64::from(f as f32) } else { f };
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let mut out = String::with_capacity(24);
    if f.is_sign_negative() {
        out.push('-');
    }
    let (digits, dp) = if f == 0.0 { (Vec::new(), 0) } else { shortest_digits(f, bits) };
    let nd = digits.len() as i32;
    match fmt {
        b'e' => fmt_e(&mut out, &digits, dp, (nd - 1).max(0) as usize),
        b'f' => fmt_f(&mut out, &digits, dp, (nd - dp).max(0) as usize),
        _ => {
            let mut prec = nd;
            let exp = dp - 1;
            if !(-4..6).contains(&exp) {
                if prec > nd {
                    prec = nd;
                }
                fmt_e(&mut out, &digits, dp, (prec - 1).max(0) as usize);
            } else {
                if prec > dp {
                    prec = nd;
                }
                fmt_f(&mut out, &digits, dp, (prec - dp).max(0) as usize);
            }
        }
    }
    out
}

/// go-yaml's float rendering: `FormatFloat(f, 'g', -1, bits)` with
/// `.inf`, `-.inf` and `.nan` for the special values.
pub(crate) fn yaml_float(f: f64, bits: u32) -> String {
    let s = format_float(f, b'g', bits);
    match s.as_str() {
        "+Inf" => ".inf".to_string(),
        "-Inf" => "-.inf".to_string(),
        "NaN" => ".nan".to_string(),
        _ => s,
    }
}

/// Go's `strconv.Quote`.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x20 || c as u32 == 0x7F => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `strconv.IsPrint` (letters, marks, numbers,
/// punctuation, symbols and the ASCII space): control, format, private-use,
/// unassigned and separator characters other than U+0020 are not printable.
fn is_go_printable(c: char) -> bool {
    let u = c as u32;
    if u < 0x20 || u == 0x7F || (0x80..0xA0).contains(&u) {
        return false;
    }
    if c == ' ' {
        return true;
    }
    if c.is_whitespace() {
        return false;
    }
    !matches!(u,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E
        | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF | 0xFFFE | 0xFFFF
        | 0xF0000..=0x10FFFF | 0xD800..=0xDFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_float_matches_go() {
        let cases: &[(f64, u8, u32, &str)] = &[
            (1.0, b'g', 64, "1"),
            (0.0, b'g', 64, "0"),
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
            (f64::INFINITY, b'g', 64, "+Inf"),
            (123456789.0, b'g', 64, "1.23456789e+08"),
        ];
        for &(f, fmt, bits, want) in cases {
            assert_eq!(format_float(f, fmt, bits), want, "{f} {} {bits}", fmt as char);
        }
    }

    #[test]
    fn quote_matches_go() {
        assert_eq!(quote("a\"b\\c\n\u{1}é\u{7f}"), "\"a\\\"b\\\\c\\n\\x01é\\x7f\"");
    }
}
