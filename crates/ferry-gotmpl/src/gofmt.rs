//! Go's `fmt` printing over [`Value`]s, ported from `src/fmt/print.go` and
//! `src/fmt/format.go`: `Sprint`, `Sprintln`, `Sprintf` with every verb and
//! flag templates and Sprig can reach, and Go's error notations
//! (`%!d(string=x)`, `%!v(MISSING)`, `%!(EXTRA ...)`).

use std::sync::Arc;

use crate::value::{FloatKind, Kind, Type, UintKind, Value};
use ferry_gostd::strconv;

/// Go's `fmt.Sprint`: spaces between operands when neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut p = Printer::new();
    p.do_print(args);
    p.finish()
}

/// How template output prints a value (exec.go's `printableValue` then
/// `fmt.Fprint`): pointers are followed, so a pointer-to-struct object
/// prints as `{...}` rather than `&{...}`.
pub fn sprint_indirect(v: &Value) -> String {
    let mut p = Printer::new();
    p.deref_top = true;
    p.print_arg(v, 'v');
    p.finish()
}

/// Go's `fmt.Sprintln`: spaces between all operands and a trailing newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut p = Printer::new();
    p.do_println(args);
    p.finish()
}

/// Go's `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut p = Printer::new();
    p.do_printf(format, args);
    p.finish()
}

const LDIGITS: &[u8; 17] = b"0123456789abcdefx";
const UDIGITS: &[u8; 17] = b"0123456789ABCDEFX";

#[derive(Clone, Copy, Default)]
struct Flags {
    wid_present: bool,
    prec_present: bool,
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
}

struct Printer {
    buf: Vec<u8>,
    f: Flags,
    wid: i64,
    prec: i64,
    reordered: bool,
    good_arg_num: bool,
    erroring: bool,
    /// The operand being printed, for `%!verb(type=value)`; `None` is nil.
    cur: Option<Value>,
    /// Print a top-level pointer object as its struct (no `&`).
    deref_top: bool,
    /// Ids of the maps being printed, outermost first: a map met again inside
    /// itself is a cycle, which Go would follow until its stack overflows.
    map_path: Vec<usize>,
}

fn is_nil_arg(v: &Value) -> bool {
    matches!(v, Value::Invalid | Value::Nil(Type::Interface))
}

fn too_large(x: i64) -> bool {
    !(-1_000_000..=1_000_000).contains(&x)
}

/// Go's `parsenum`.
fn parse_num(s: &[u8], start: usize, end: usize) -> (i64, bool, usize) {
    if start >= end {
        return (0, false, end);
    }
    let mut num: i64 = 0;
    let mut isnum = false;
    let mut i = start;
    while i < end && s[i].is_ascii_digit() {
        if too_large(num) {
            return (0, false, end);
        }
        num = num * 10 + i64::from(s[i] - b'0');
        isnum = true;
        i += 1;
    }
    (num, isnum, i)
}

fn rune_count(b: &[u8]) -> i64 {
    String::from_utf8_lossy(b).chars().count() as i64
}

impl Printer {
    fn new() -> Printer {
        Printer {
            buf: Vec::new(),
            f: Flags::default(),
            wid: 0,
            prec: 0,
            reordered: false,
            good_arg_num: true,
            erroring: false,
            cur: None,
            deref_top: false,
            map_path: Vec::new(),
        }
    }

    fn finish(self) -> String {
        match String::from_utf8(self.buf) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }

    fn clear_flags(&mut self) {
        self.f = Flags::default();
        self.wid = 0;
        self.prec = 0;
    }

    fn write_str(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn write_padding(&mut self, n: i64) {
        if n <= 0 {
            return;
        }
        let pad = if self.f.zero && !self.f.minus { b'0' } else { b' ' };
        self.buf.extend(std::iter::repeat_n(pad, n as usize));
    }

    fn pad(&mut self, b: &[u8]) {
        if !self.f.wid_present || self.wid == 0 {
            self.buf.extend_from_slice(b);
            return;
        }
        let width = self.wid - rune_count(b);
        if !self.f.minus {
            self.write_padding(width);
            self.buf.extend_from_slice(b);
        } else {
            self.buf.extend_from_slice(b);
            self.write_padding(width);
        }
    }

    fn pad_string(&mut self, s: &str) {
        self.pad(s.as_bytes());
    }

    fn fmt_boolean(&mut self, v: bool) {
        self.pad_string(if v { "true" } else { "false" });
    }

    fn fmt_unicode(&mut self, u: u64) {
        let mut prec: i64 = 4;
        if self.f.prec_present && self.prec > 4 {
            prec = self.prec;
        }
        let mut s = String::from("U+");
        let hex = format!("{u:X}");
        for _ in hex.len() as i64..prec {
            s.push('0');
        }
        s.push_str(&hex);
        if self.f.sharp
            && u <= 0x10FFFF
            && let Some(c) = char::from_u32(u as u32).filter(|&c| strconv::is_print(c))
        {
            s.push_str(" '");
            s.push(c);
            s.push('\'');
        }
        let old_zero = self.f.zero;
        self.f.zero = false;
        self.pad_string(&s);
        self.f.zero = old_zero;
    }

    fn fmt_integer_raw(&mut self, u: u64, base: u64, is_signed: bool, verb: char, digits: &[u8; 17]) {
        let negative = is_signed && (u as i64) < 0;
        let mut u = if negative { (u as i64).unsigned_abs() } else { u };
        let mut prec: i64 = 0;
        if self.f.prec_present {
            prec = self.prec;
            // Precision of 0 and value of 0 means "print nothing" but padding.
            if prec == 0 && u == 0 {
                let old_zero = self.f.zero;
                self.f.zero = false;
                self.write_padding(self.wid);
                self.f.zero = old_zero;
                return;
            }
        } else if self.f.zero && !self.f.minus && self.f.wid_present {
            prec = self.wid;
            if negative || self.f.plus || self.f.space {
                prec -= 1; // leave room for sign
            }
        }
        let mut buf: Vec<u8> = Vec::new();
        loop {
            buf.push(digits[(u % base) as usize]);
            u /= base;
            if u == 0 {
                break;
            }
        }
        while (buf.len() as i64) < prec {
            buf.push(b'0');
        }
        if self.f.sharp {
            match base {
                2 => buf.extend_from_slice(b"b0"),
                8 if buf.last() != Some(&b'0') => {
                    buf.push(b'0');
                }
                16 => {
                    buf.push(digits[16]);
                    buf.push(b'0');
                }
                _ => {}
            }
        }
        if verb == 'O' {
            buf.extend_from_slice(b"o0");
        }
        if negative {
            buf.push(b'-');
        } else if self.f.plus {
            buf.push(b'+');
        } else if self.f.space {
            buf.push(b' ');
        }
        buf.reverse();
        let old_zero = self.f.zero;
        self.f.zero = false;
        self.pad(&buf);
        self.f.zero = old_zero;
    }

    fn truncate_str<'s>(&self, s: &'s str) -> &'s str {
        if self.f.prec_present {
            let mut n = self.prec;
            for (i, _) in s.char_indices() {
                n -= 1;
                if n < 0 {
                    return &s[..i];
                }
            }
        }
        s
    }

    fn truncate_bytes<'b>(&self, b: &'b [u8]) -> &'b [u8] {
        if self.f.prec_present {
            let mut n = self.prec;
            let mut i = 0;
            while i < b.len() {
                n -= 1;
                if n < 0 {
                    return &b[..i];
                }
                let wid = if b[i] < 0x80 {
                    1
                } else {
                    match std::str::from_utf8(&b[i..b.len().min(i + 4)]) {
                        Ok(s) => s.chars().next().map(char::len_utf8).unwrap_or(1),
                        Err(e) if e.valid_up_to() > 0 => std::str::from_utf8(&b[i..i + e.valid_up_to()])
                            .ok()
                            .and_then(|s| s.chars().next())
                            .map(char::len_utf8)
                            .unwrap_or(1),
                        Err(_) => 1,
                    }
                };
                i += wid;
            }
        }
        b
    }

    fn fmt_s(&mut self, s: &str) {
        let s = self.truncate_str(s).to_string();
        self.pad_string(&s);
    }

    fn fmt_bs(&mut self, b: &[u8]) {
        let b = self.truncate_bytes(b).to_vec();
        self.pad(&b);
    }

    fn fmt_sbx(&mut self, b: &[u8], digits: &[u8; 17]) {
        let mut length = b.len() as i64;
        if self.f.prec_present && self.prec < length {
            length = self.prec;
        }
        let mut width = 2 * length;
        if width > 0 {
            if self.f.space {
                if self.f.sharp {
                    width *= 2;
                }
                width += length - 1;
            } else if self.f.sharp {
                width += 2;
            }
        } else {
            if self.f.wid_present {
                self.write_padding(self.wid);
            }
            return;
        }
        if self.f.wid_present && self.wid > width && !self.f.minus {
            self.write_padding(self.wid - width);
        }
        if self.f.sharp {
            self.buf.push(b'0');
            self.buf.push(digits[16]);
        }
        for (i, &c) in b.iter().take(length as usize).enumerate() {
            if self.f.space && i > 0 {
                self.buf.push(b' ');
                if self.f.sharp {
                    self.buf.push(b'0');
                    self.buf.push(digits[16]);
                }
            }
            self.buf.push(digits[(c >> 4) as usize]);
            self.buf.push(digits[(c & 0xF) as usize]);
        }
        if self.f.wid_present && self.wid > width && self.f.minus {
            self.write_padding(self.wid - width);
        }
    }

    fn fmt_q_bytes(&mut self, s: &[u8]) {
        let s = self.truncate_bytes(s).to_vec();
        if self.f.sharp
            && let Ok(text) = std::str::from_utf8(&s)
            && strconv::can_backquote(text)
        {
            self.pad_string(&format!("`{text}`"));
            return;
        }
        let q = strconv::quote_bytes(&s, b'"', self.f.plus);
        self.pad_string(&q);
    }

    fn fmt_c(&mut self, c: u64) {
        let r = if c > 0x10FFFF { '\u{FFFD}' } else { char::from_u32(c as u32).unwrap_or('\u{FFFD}') };
        let mut tmp = [0u8; 4];
        let s = r.encode_utf8(&mut tmp).to_string();
        self.pad_string(&s);
    }

    fn fmt_qc(&mut self, c: u64) {
        let r = if c > 0x10FFFF { 0xFFFD } else { c as u32 };
        let q = strconv::quote_rune(r, self.f.plus);
        self.pad_string(&q);
    }

    fn fmt_float_raw(&mut self, v: f64, size: u32, verb: char, prec: i64) {
        let prec = if self.f.prec_present { self.prec } else { prec };
        let s = strconv::format_float(v, verb as u8, prec, size);
        let mut num: Vec<u8> = Vec::with_capacity(s.len() + 1);
        if s.starts_with('-') || s.starts_with('+') {
            num.extend_from_slice(s.as_bytes());
        } else {
            num.push(b'+');
            num.extend_from_slice(s.as_bytes());
        }
        if self.f.space && num[0] == b'+' && !self.f.plus {
            num[0] = b' ';
        }
        // Special handling for infinities and NaN, which don't look like a
        // number so shouldn't be padded with zeros.
        if num.get(1) == Some(&b'I') || num.get(1) == Some(&b'N') {
            let old_zero = self.f.zero;
            self.f.zero = false;
            if num[1] == b'N' && !self.f.space && !self.f.plus {
                num.remove(0);
            }
            self.pad(&num);
            self.f.zero = old_zero;
            return;
        }
        // The sharp flag forces printing a decimal point for non-binary
        // formats and retains trailing zeros, which we may need to restore.
        if self.f.sharp && verb != 'b' {
            let mut digits: i64 = 0;
            if matches!(verb, 'v' | 'g' | 'G' | 'x') {
                digits = prec;
                if digits == -1 {
                    digits = 6;
                }
            }
            let mut tail: Vec<u8> = Vec::new();
            let mut has_decimal_point = false;
            let mut saw_nonzero_digit = false;
            let mut i = 1;
            while i < num.len() {
                match num[i] {
                    b'.' => has_decimal_point = true,
                    b'p' | b'P' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                        break;
                    }
                    b'e' | b'E' if verb != 'x' && verb != 'X' => {
                        tail.extend_from_slice(&num[i..]);
                        num.truncate(i);
                        break;
                    }
                    c => {
                        if c != b'0' {
                            saw_nonzero_digit = true;
                        }
                        if saw_nonzero_digit {
                            digits -= 1;
                        }
                    }
                }
                i += 1;
            }
            if !has_decimal_point {
                if num.len() == 2 && num[1] == b'0' {
                    digits -= 1;
                }
                num.push(b'.');
            }
            while digits > 0 {
                num.push(b'0');
                digits -= 1;
            }
            num.extend_from_slice(&tail);
        }
        if self.f.plus || num[0] != b'+' {
            if self.f.zero && !self.f.minus && self.f.wid_present && self.wid > num.len() as i64 {
                self.buf.push(num[0]);
                self.write_padding(self.wid - num.len() as i64);
                self.buf.extend_from_slice(&num[1..]);
                return;
            }
            self.pad(&num);
            return;
        }
        self.pad(&num[1..]);
    }

    // --- print.go level ---

    fn bad_verb(&mut self, verb: char) {
        self.erroring = true;
        self.write_str("%!");
        self.push_char(verb);
        self.buf.push(b'(');
        match self.cur.clone() {
            Some(v) => {
                self.write_str(&v.type_name());
                self.buf.push(b'=');
                self.print_arg(&v, 'v');
            }
            None => self.write_str("<nil>"),
        }
        self.buf.push(b')');
        self.erroring = false;
    }

    fn push_char(&mut self, c: char) {
        let mut tmp = [0u8; 4];
        self.buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
    }

    fn fmt_bool(&mut self, v: bool, verb: char) {
        match verb {
            't' | 'v' => self.fmt_boolean(v),
            _ => self.bad_verb(verb),
        }
    }

    fn fmt_0x64(&mut self, v: u64, leading0x: bool) {
        let sharp = self.f.sharp;
        self.f.sharp = leading0x;
        self.fmt_integer_raw(v, 16, false, 'v', LDIGITS);
        self.f.sharp = sharp;
    }

    fn fmt_integer(&mut self, v: u64, is_signed: bool, verb: char) {
        match verb {
            'v' => {
                if self.f.sharp_v && !is_signed {
                    self.fmt_0x64(v, true);
                } else {
                    self.fmt_integer_raw(v, 10, is_signed, verb, LDIGITS);
                }
            }
            'd' => self.fmt_integer_raw(v, 10, is_signed, verb, LDIGITS),
            'b' => self.fmt_integer_raw(v, 2, is_signed, verb, LDIGITS),
            'o' | 'O' => self.fmt_integer_raw(v, 8, is_signed, verb, LDIGITS),
            'x' => self.fmt_integer_raw(v, 16, is_signed, verb, LDIGITS),
            'X' => self.fmt_integer_raw(v, 16, is_signed, verb, UDIGITS),
            'c' => self.fmt_c(v),
            'q' => self.fmt_qc(v),
            'U' => self.fmt_unicode(v),
            _ => self.bad_verb(verb),
        }
    }

    fn fmt_float(&mut self, v: f64, size: u32, verb: char) {
        match verb {
            'v' => self.fmt_float_raw(v, size, 'g', -1),
            'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float_raw(v, size, verb, -1),
            'f' | 'e' | 'E' => self.fmt_float_raw(v, size, verb, 6),
            'F' => self.fmt_float_raw(v, size, 'f', 6),
            _ => self.bad_verb(verb),
        }
    }

    fn fmt_complex(&mut self, re: f64, im: f64, size: u32, verb: char) {
        match verb {
            'v' | 'b' | 'g' | 'G' | 'x' | 'X' | 'f' | 'F' | 'e' | 'E' => {
                let old_plus = self.f.plus;
                self.buf.push(b'(');
                self.fmt_float(re, size / 2, verb);
                // Imaginary part always has a sign.
                self.f.plus = true;
                self.fmt_float(im, size / 2, verb);
                self.write_str("i)");
                self.f.plus = old_plus;
            }
            _ => self.bad_verb(verb),
        }
    }

    fn fmt_string(&mut self, v: &str, verb: char) {
        match verb {
            'v' => {
                if self.f.sharp_v {
                    self.fmt_q_bytes(v.as_bytes());
                } else {
                    self.fmt_s(v);
                }
            }
            's' => self.fmt_s(v),
            'x' => self.fmt_sbx(v.as_bytes(), LDIGITS),
            'X' => self.fmt_sbx(v.as_bytes(), UDIGITS),
            'q' => self.fmt_q_bytes(v.as_bytes()),
            _ => self.bad_verb(verb),
        }
    }

    fn fmt_bytes(&mut self, v: &[u8], verb: char, type_string: &str, is_nil: bool) {
        match verb {
            'v' | 'd' => {
                if self.f.sharp_v {
                    self.write_str(type_string);
                    if is_nil {
                        self.write_str("(nil)");
                        return;
                    }
                    self.buf.push(b'{');
                    for (i, &c) in v.iter().enumerate() {
                        if i > 0 {
                            self.write_str(", ");
                        }
                        self.fmt_0x64(u64::from(c), true);
                    }
                    self.buf.push(b'}');
                } else {
                    self.buf.push(b'[');
                    for (i, &c) in v.iter().enumerate() {
                        if i > 0 {
                            self.buf.push(b' ');
                        }
                        self.fmt_integer_raw(u64::from(c), 10, false, verb, LDIGITS);
                    }
                    self.buf.push(b']');
                }
            }
            's' => self.fmt_bs(v),
            'x' => self.fmt_sbx(v, LDIGITS),
            'X' => self.fmt_sbx(v, UDIGITS),
            'q' => self.fmt_q_bytes(v),
            _ => {
                // Go: p.printValue(reflect.ValueOf(v), verb, 0) — element-wise.
                let items: Vec<Value> = v.iter().map(|&b| Value::Uint(u64::from(b), UintKind::Uint8)).collect();
                let list = Value::typed_list(Type::Slice(Arc::new(Type::Uint8)), items);
                self.print_value(&list, verb, 0);
            }
        }
    }

    fn fmt_pointer(&mut self, value: &Value, verb: char) {
        let u: u64 = match value {
            Value::Nil(t) if matches!(t.kind(), Kind::Func | Kind::Map | Kind::Pointer | Kind::Slice) => 0,
            Value::Map(m) => m.id() as u64,
            Value::List(l) => Arc::as_ptr(l) as *const u8 as usize as u64,
            Value::Bytes(b) => b.as_ptr() as usize as u64,
            Value::Object(o) if o.type_name().starts_with('*') => Arc::as_ptr(o) as *const u8 as usize as u64,
            Value::Func(f) => f as *const _ as usize as u64,
            _ => {
                self.bad_verb(verb);
                return;
            }
        };
        match verb {
            'v' => {
                if self.f.sharp_v {
                    self.buf.push(b'(');
                    self.write_str(&value.type_name());
                    self.write_str(")(");
                    if u == 0 {
                        self.write_str("nil");
                    } else {
                        self.fmt_0x64(u, true);
                    }
                    self.buf.push(b')');
                } else if u == 0 {
                    self.pad_string("<nil>");
                } else {
                    let sharp = !self.f.sharp;
                    self.fmt_0x64(u, sharp);
                }
            }
            'p' => {
                let sharp = !self.f.sharp;
                self.fmt_0x64(u, sharp);
            }
            'b' | 'o' | 'd' | 'x' | 'X' => self.fmt_integer(u, false, verb),
            _ => self.bad_verb(verb),
        }
    }

    fn handle_methods(&mut self, arg: &Value, verb: char) -> bool {
        if self.erroring {
            return false;
        }
        let Value::Object(o) = arg else {
            return false;
        };
        if self.f.sharp_v {
            return false;
        }
        if matches!(verb, 'v' | 's' | 'x' | 'X' | 'q')
            && let Some(s) = o.string()
        {
            self.fmt_string(&s, verb);
            return true;
        }
        false
    }

    fn print_arg(&mut self, arg: &Value, verb: char) {
        self.cur = if is_nil_arg(arg) { None } else { Some(arg.clone()) };
        if is_nil_arg(arg) {
            match verb {
                'T' | 'v' => self.pad_string("<nil>"),
                _ => self.bad_verb(verb),
            }
            return;
        }
        match verb {
            'T' => {
                let t = arg.type_name();
                self.fmt_s(&t);
                return;
            }
            'p' => {
                self.fmt_pointer(arg, 'p');
                return;
            }
            _ => {}
        }
        match arg {
            Value::Bool(b) => self.fmt_bool(*b, verb),
            Value::Float(f, FloatKind::Float32) => self.fmt_float(*f, 32, verb),
            Value::Float(f, FloatKind::Float64) => self.fmt_float(*f, 64, verb),
            Value::Complex(re, im) => self.fmt_complex(*re, *im, 128, verb),
            Value::Int(i, _) => self.fmt_integer(*i as u64, true, verb),
            Value::Uint(u, _) => self.fmt_integer(*u, false, verb),
            Value::String(s) => self.fmt_string(s, verb),
            Value::Bytes(b) => self.fmt_bytes(b, verb, "[]byte", false),
            // A typed nil []byte is still a []byte to printArg.
            Value::Nil(Type::Slice(e)) if **e == Type::Uint8 => self.fmt_bytes(&[], verb, "[]byte", true),
            other => {
                if !self.handle_methods(other, verb) {
                    self.print_value(other, verb, 0);
                }
            }
        }
    }

    fn print_value(&mut self, value: &Value, verb: char, depth: usize) {
        // Handle values with special methods if not already handled by printArg.
        if depth > 0 && !matches!(value, Value::Invalid) && self.handle_methods(value, verb) {
            return;
        }
        self.cur = if matches!(value, Value::Invalid) { None } else { Some(value.clone()) };
        match value {
            Value::Invalid => {
                if depth == 0 {
                    self.write_str("<invalid reflect.Value>");
                } else if verb == 'v' {
                    self.write_str("<nil>");
                } else {
                    self.bad_verb(verb);
                }
            }
            Value::Nil(t) => match t.kind() {
                Kind::Interface => {
                    if self.f.sharp_v {
                        self.write_str(&t.to_string());
                        self.write_str("(nil)");
                    } else {
                        self.write_str("<nil>");
                    }
                }
                Kind::Map => {
                    if self.f.sharp_v {
                        self.write_str(&t.to_string());
                        self.write_str("(nil)");
                    } else {
                        self.write_str("map[]");
                    }
                }
                Kind::Slice => {
                    if matches!(verb, 's' | 'q' | 'x' | 'X')
                        && t.elem().map(|e| e.underlying() == &Type::Uint8).unwrap_or(false)
                    {
                        self.fmt_bytes(&[], verb, &t.to_string(), true);
                    } else if self.f.sharp_v {
                        self.write_str(&t.to_string());
                        self.write_str("(nil)");
                    } else {
                        self.write_str("[]");
                    }
                }
                _ => self.fmt_pointer(value, verb),
            },
            Value::Bool(b) => self.fmt_bool(*b, verb),
            Value::Int(i, _) => self.fmt_integer(*i as u64, true, verb),
            Value::Uint(u, _) => self.fmt_integer(*u, false, verb),
            Value::Float(f, FloatKind::Float32) => self.fmt_float(*f, 32, verb),
            Value::Float(f, FloatKind::Float64) => self.fmt_float(*f, 64, verb),
            Value::Complex(re, im) => self.fmt_complex(*re, *im, 128, verb),
            Value::String(s) => self.fmt_string(s, verb),
            Value::Bytes(b) => {
                if matches!(verb, 's' | 'q' | 'x' | 'X') {
                    self.fmt_bytes(b, verb, "[]uint8", false);
                } else {
                    let items: Vec<Value> = b.iter().map(|&c| Value::Uint(u64::from(c), UintKind::Uint8)).collect();
                    self.print_list(&Type::Slice(Arc::new(Type::Uint8)), &items, verb, depth);
                }
            }
            Value::Map(m) => {
                if self.map_path.contains(&m.id()) {
                    // Not Go (which crashes): an fmt-style annotation instead.
                    self.write_str("%!");
                    self.push_char(verb);
                    self.write_str("(CYCLE=");
                    self.write_str(&m.ty().to_string());
                    self.buf.push(b')');
                    return;
                }
                if self.f.sharp_v {
                    self.write_str(&m.ty().to_string());
                    self.buf.push(b'{');
                } else {
                    self.write_str("map[");
                }
                self.map_path.push(m.id());
                // Go prints a sorted snapshot (fmtsort); no lock is held while
                // printing, so the values may be any maps, including this one.
                for (i, (k, v)) in m.entries().iter().enumerate() {
                    if i > 0 {
                        if self.f.sharp_v {
                            self.write_str(", ");
                        } else {
                            self.buf.push(b' ');
                        }
                    }
                    self.print_value(&Value::string(k.as_str()), verb, depth + 1);
                    self.buf.push(b':');
                    self.print_value(v, verb, depth + 1);
                }
                self.map_path.pop();
                self.buf.push(if self.f.sharp_v { b'}' } else { b']' });
            }
            Value::List(l) => {
                if matches!(verb, 's' | 'q' | 'x' | 'X')
                    && l.ty.elem().map(|e| e.underlying() == &Type::Uint8).unwrap_or(false)
                {
                    let bytes: Vec<u8> = l
                        .items
                        .iter()
                        .map(|v| match v {
                            Value::Uint(u, _) => *u as u8,
                            _ => 0,
                        })
                        .collect();
                    self.fmt_bytes(&bytes, verb, &l.ty.to_string(), false);
                    return;
                }
                self.print_list(&l.ty, &l.items, verb, depth);
            }
            Value::Object(o) => {
                let pointer = o.type_name().starts_with('*');
                if pointer && depth > 0 {
                    self.fmt_pointer(value, verb);
                    return;
                }
                if pointer && !self.deref_top {
                    self.buf.push(b'&');
                }
                if self.f.sharp_v {
                    self.write_str(o.type_name().trim_start_matches('*'));
                }
                self.buf.push(b'{');
                for (i, (name, v)) in o.struct_fields().iter().enumerate() {
                    if i > 0 {
                        if self.f.sharp_v {
                            self.write_str(", ");
                        } else {
                            self.buf.push(b' ');
                        }
                    }
                    if self.f.plus_v || self.f.sharp_v {
                        self.write_str(name);
                        self.buf.push(b':');
                    }
                    self.print_value(v, verb, depth + 1);
                }
                self.buf.push(b'}');
            }
            Value::Func(_) => self.fmt_pointer(value, verb),
        }
    }

    fn print_list(&mut self, ty: &Type, items: &[Value], verb: char, depth: usize) {
        if self.f.sharp_v {
            self.write_str(&ty.to_string());
            self.buf.push(b'{');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    self.write_str(", ");
                }
                self.print_value(v, verb, depth + 1);
            }
            self.buf.push(b'}');
        } else {
            self.buf.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    self.buf.push(b' ');
                }
                self.print_value(v, verb, depth + 1);
            }
            self.buf.push(b']');
        }
    }

    /// Go's `intFromArg`.
    fn int_from_arg(args: &[Value], arg_num: usize) -> (i64, bool, usize) {
        let mut new_arg_num = arg_num;
        let mut num = 0;
        let mut is_int = false;
        if let Some(a) = args.get(arg_num) {
            match a {
                Value::Int(n, _) => {
                    num = *n;
                    is_int = true;
                }
                Value::Uint(n, _) if *n <= i64::MAX as u64 => {
                    num = *n as i64;
                    is_int = true;
                }
                _ => {}
            }
            new_arg_num = arg_num + 1;
            if too_large(num) {
                num = 0;
                is_int = false;
            }
        }
        (num, is_int, new_arg_num)
    }

    /// Go's `argNumber`.
    fn arg_number(&mut self, arg_num: usize, format: &[u8], i: usize, num_args: usize) -> (usize, usize, bool) {
        if format.len() <= i || format[i] != b'[' {
            return (arg_num, i, false);
        }
        self.reordered = true;
        let (index, wid, ok) = parse_arg_number(&format[i..]);
        if ok && index >= 0 && (index as usize) < num_args {
            return (index as usize, i + wid, true);
        }
        self.good_arg_num = false;
        (arg_num, i + wid, ok)
    }

    fn do_printf(&mut self, format: &str, a: &[Value]) {
        let fb = format.as_bytes();
        let end = fb.len();
        let mut arg_num = 0usize;
        let mut after_index;
        self.reordered = false;
        let mut i = 0;
        'format_loop: while i < end {
            self.good_arg_num = true;
            let lasti = i;
            while i < end && fb[i] != b'%' {
                i += 1;
            }
            if i > lasti {
                self.buf.extend_from_slice(&fb[lasti..i]);
            }
            if i >= end {
                break;
            }
            i += 1;
            self.clear_flags();
            // Flags, and the fast path for simple verbs.
            while i < end {
                let c = fb[i];
                match c {
                    b'#' => self.f.sharp = true,
                    b'0' => self.f.zero = true,
                    b'+' => self.f.plus = true,
                    b'-' => self.f.minus = true,
                    b' ' => self.f.space = true,
                    _ => {
                        if c.is_ascii_lowercase() && arg_num < a.len() {
                            if c == b'v' || c == b'w' {
                                self.f.sharp_v = self.f.sharp;
                                self.f.sharp = false;
                                self.f.plus_v = self.f.plus;
                                self.f.plus = false;
                            }
                            let verb = if c == b'w' { 'w' } else { c as char };
                            self.print_verb(&a[arg_num], verb);
                            arg_num += 1;
                            i += 1;
                            continue 'format_loop;
                        }
                        break;
                    }
                }
                i += 1;
            }

            // Do we have an explicit argument index?
            (arg_num, i, after_index) = self.arg_number(arg_num, fb, i, a.len());

            // Do we have width?
            if i < end && fb[i] == b'*' {
                i += 1;
                let (w, ok, n) = Printer::int_from_arg(a, arg_num);
                self.wid = w;
                self.f.wid_present = ok;
                arg_num = n;
                if !self.f.wid_present {
                    self.write_str("%!(BADWIDTH)");
                }
                if self.wid < 0 {
                    self.wid = -self.wid;
                    self.f.minus = true;
                    self.f.zero = false;
                }
                after_index = false;
            } else {
                let (w, ok, ni) = parse_num(fb, i, end);
                self.wid = w;
                self.f.wid_present = ok;
                i = ni;
                if after_index && self.f.wid_present {
                    self.good_arg_num = false;
                }
            }

            // Do we have precision?
            if i + 1 < end && fb[i] == b'.' {
                i += 1;
                if after_index {
                    self.good_arg_num = false;
                }
                (arg_num, i, after_index) = self.arg_number(arg_num, fb, i, a.len());
                if i < end && fb[i] == b'*' {
                    i += 1;
                    let (p, ok, n) = Printer::int_from_arg(a, arg_num);
                    self.prec = p;
                    self.f.prec_present = ok;
                    arg_num = n;
                    if self.prec < 0 {
                        self.prec = 0;
                        self.f.prec_present = false;
                    }
                    if !self.f.prec_present {
                        self.write_str("%!(BADPREC)");
                    }
                    after_index = false;
                } else {
                    let (p, ok, ni) = parse_num(fb, i, end);
                    self.prec = p;
                    self.f.prec_present = ok;
                    i = ni;
                    if !self.f.prec_present {
                        self.prec = 0;
                        self.f.prec_present = true;
                    }
                }
            }

            if !after_index {
                (arg_num, i, _) = self.arg_number(arg_num, fb, i, a.len());
            }

            if i >= end {
                self.write_str("%!(NOVERB)");
                break;
            }

            let rest = &format[i..];
            let verb = rest.chars().next().unwrap_or('\u{FFFD}');
            i += verb.len_utf8();

            if verb == '%' {
                self.buf.push(b'%');
            } else if !self.good_arg_num {
                self.write_str("%!");
                self.push_char(verb);
                self.write_str("(BADINDEX)");
            } else if arg_num >= a.len() {
                self.write_str("%!");
                self.push_char(verb);
                self.write_str("(MISSING)");
            } else {
                if verb == 'v' || verb == 'w' {
                    self.f.sharp_v = self.f.sharp;
                    self.f.sharp = false;
                    self.f.plus_v = self.f.plus;
                    self.f.plus = false;
                }
                self.print_verb(&a[arg_num], verb);
                arg_num += 1;
            }
        }

        // Check for extra arguments unless the call accessed the arguments
        // out of order.
        if !self.reordered && arg_num < a.len() {
            self.clear_flags();
            self.write_str("%!(EXTRA ");
            for (i, arg) in a[arg_num..].iter().enumerate() {
                if i > 0 {
                    self.write_str(", ");
                }
                if is_nil_arg(arg) {
                    self.write_str("<nil>");
                } else {
                    self.write_str(&arg.type_name());
                    self.buf.push(b'=');
                    self.print_arg(arg, 'v');
                }
            }
            self.buf.push(b')');
        }
    }

    /// `%w` is only valid in `Errorf`; elsewhere it is a bad verb.
    fn print_verb(&mut self, arg: &Value, verb: char) {
        if verb == 'w' {
            self.cur = if is_nil_arg(arg) { None } else { Some(arg.clone()) };
            self.bad_verb('w');
            return;
        }
        self.print_arg(arg, verb);
    }

    fn do_print(&mut self, a: &[Value]) {
        let mut prev_string = false;
        for (arg_num, arg) in a.iter().enumerate() {
            let is_string = matches!(arg, Value::String(_));
            // Add a space between two non-string arguments.
            if arg_num > 0 && !is_string && !prev_string {
                self.buf.push(b' ');
            }
            self.print_arg(arg, 'v');
            prev_string = is_string;
        }
    }

    fn do_println(&mut self, a: &[Value]) {
        for (arg_num, arg) in a.iter().enumerate() {
            if arg_num > 0 {
                self.buf.push(b' ');
            }
            self.print_arg(arg, 'v');
        }
        self.buf.push(b'\n');
    }
}

/// Go's `parseArgNumber`: `[n]` → (n-1, bytes consumed, ok).
fn parse_arg_number(format: &[u8]) -> (i64, usize, bool) {
    if format.len() < 3 {
        return (0, 1, false);
    }
    for i in 1..format.len() {
        if format[i] == b']' {
            let (width, ok, newi) = parse_num(format, 1, i);
            if !ok || newi != i {
                return (0, i + 1, false);
            }
            return (width - 1, i + 1, true);
        }
    }
    (0, 1, false)
}
