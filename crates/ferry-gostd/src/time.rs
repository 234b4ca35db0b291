//! Go's `time.Duration`: `ParseDuration`, `String` and `Round`, with Go's
//! error texts. The same duration text must mean the same thing to Ferry as
//! to Go programs (Helm's `--timeout`, a Distr agent's interval, Sprig's
//! `dateModify`).

use std::fmt;
use std::fmt::Write as _;

/// Why a duration text did not parse; displays Go's own message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// `time: invalid duration "x"` (no number, overflow, stray characters).
    #[error("time: invalid duration {}", quote(.0))]
    Invalid(String),
    /// `time: missing unit in duration "5"`.
    #[error("time: missing unit in duration {}", quote(.0))]
    MissingUnit(String),
    /// `time: unknown unit "d" in duration "1d"`.
    #[error("time: unknown unit {} in duration {}", quote(.unit), quote(.input))]
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The whole duration text.
        input: String,
    },
}

/// A `time.Duration`: signed nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Duration(pub i64);

/// Nanoseconds per unit, as Go's constants.
pub const NANOSECOND: i64 = 1;
/// One microsecond.
pub const MICROSECOND: i64 = 1_000;
/// One millisecond.
pub const MILLISECOND: i64 = 1_000_000;
/// One second.
pub const SECOND: i64 = 1_000_000_000;
/// One minute.
pub const MINUTE: i64 = 60 * SECOND;
/// One hour.
pub const HOUR: i64 = 60 * MINUTE;

fn fmt_frac(out: &mut Vec<u8>, mut v: u64, prec: usize) -> u64 {
    // Digits are produced right to left, as Go's fmtFrac does.
    let mut print = false;
    for _ in 0..prec {
        let digit = v % 10;
        print = print || digit != 0;
        if print {
            out.push(b'0' + digit as u8);
        }
        v /= 10;
    }
    if print {
        out.push(b'.');
    }
    v
}

fn fmt_int(out: &mut Vec<u8>, mut v: u64) {
    if v == 0 {
        out.push(b'0');
    }
    while v > 0 {
        out.push(b'0' + (v % 10) as u8);
        v /= 10;
    }
}

impl Duration {
    /// Go's `Duration.String`, e.g. `1h2m3.5s`, `1.5ms`, `0s` (also what
    /// `Display` prints).
    pub fn go_string(self) -> String {
        let neg = self.0 < 0;
        let mut u = self.0.unsigned_abs();
        // Built reversed, then flipped.
        let mut rev: Vec<u8> = Vec::with_capacity(32);
        if u < SECOND as u64 {
            rev.push(b's');
            let prec;
            if u == 0 {
                return "0s".to_string();
            } else if u < MICROSECOND as u64 {
                prec = 0;
                rev.push(b'n');
            } else if u < MILLISECOND as u64 {
                prec = 3;
                // "µ" (U+00B5) reversed byte-wise.
                rev.push(0xB5);
                rev.push(0xC2);
            } else {
                prec = 6;
                rev.push(b'm');
            }
            u = fmt_frac(&mut rev, u, prec);
            fmt_int(&mut rev, u);
        } else {
            rev.push(b's');
            u = fmt_frac(&mut rev, u, 9);
            fmt_int(&mut rev, u % 60);
            u /= 60;
            if u > 0 {
                rev.push(b'm');
                fmt_int(&mut rev, u % 60);
                u /= 60;
                if u > 0 {
                    rev.push(b'h');
                    fmt_int(&mut rev, u);
                }
            }
        }
        if neg {
            rev.push(b'-');
        }
        rev.reverse();
        String::from_utf8_lossy(&rev).into_owned()
    }

    /// `Duration.Round(m)`.
    pub fn round(self, m: Duration) -> Duration {
        let (d, m) = (self.0, m.0);
        if m <= 0 {
            return self;
        }
        let less_than_half = |x: i64, y: i64| (x as u64).wrapping_add(x as u64) < y as u64;
        let mut r = d % m;
        if d < 0 {
            r = -r;
            if less_than_half(r, m) {
                return Duration(d + r);
            }
            return match d.checked_sub(m).map(|x| x + r) {
                Some(d1) if d1 < d => Duration(d1),
                _ => Duration(i64::MIN),
            };
        }
        if less_than_half(r, m) {
            return Duration(d - r);
        }
        match d.checked_add(m - r) {
            Some(d1) if d1 > d => Duration(d1),
            _ => Duration(i64::MAX),
        }
    }
}

/// Go's `time.quote`, used in its error messages: ASCII kept, other bytes
/// as `\xNN`.
pub fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if (c as u32) >= 0x80 || c < ' ' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "\\x{b:02x}");
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Go's `time.ParseDuration`: a sequence of decimal numbers with units
/// (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`), optionally signed; `0` needs no unit.
pub fn parse_duration(orig: &str) -> Result<Duration, DurationError> {
    let invalid = || DurationError::Invalid(orig.to_string());
    let mut s = orig.as_bytes();
    let mut neg = false;
    if let Some(&c) = s.first()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        s = &s[1..];
    }
    if s == b"0" {
        return Ok(Duration(0));
    }
    if s.is_empty() {
        return Err(invalid());
    }
    const LIMIT: u64 = 1 << 63;
    let mut d: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }
        // Leading integer.
        let mut v: u64 = 0;
        let mut i = 0;
        while i < s.len() && s[i].is_ascii_digit() {
            if v > LIMIT / 10 {
                return Err(invalid());
            }
            v = v * 10 + u64::from(s[i] - b'0');
            if v > LIMIT {
                return Err(invalid());
            }
            i += 1;
        }
        let pre = i > 0;
        s = &s[i..];
        // Optional fraction.
        let (mut f, mut scale, mut post) = (0u64, 1f64, false);
        if s.first() == Some(&b'.') {
            s = &s[1..];
            let mut i = 0;
            let mut overflow = false;
            while i < s.len() && s[i].is_ascii_digit() {
                if !overflow {
                    if f > (LIMIT - 1) / 10 {
                        overflow = true;
                    } else {
                        let y = f * 10 + u64::from(s[i] - b'0');
                        if y > LIMIT {
                            overflow = true;
                        } else {
                            f = y;
                            scale *= 10.0;
                        }
                    }
                }
                i += 1;
            }
            post = i > 0;
            s = &s[i..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        let unit_len = s.iter().position(|&c| c == b'.' || c.is_ascii_digit()).unwrap_or(s.len());
        if unit_len == 0 {
            return Err(DurationError::MissingUnit(orig.to_string()));
        }
        let u = String::from_utf8_lossy(&s[..unit_len]).into_owned();
        s = &s[unit_len..];
        let unit: u64 = match u.as_str() {
            "ns" => 1,
            "us" | "\u{00b5}s" | "\u{03bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(DurationError::UnknownUnit { unit: u, input: orig.to_string() }),
        };
        if v > LIMIT / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        d += v;
        if d > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        return Ok(Duration((d as i64).wrapping_neg()));
    }
    if d > LIMIT - 1 {
        return Err(invalid());
    }
    Ok(Duration(d as i64))
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.go_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_like_go() {
        // Cases from Go's time_test.go durationTests.
        let cases = [
            ("0s", 0),
            ("1ns", 1),
            ("1.1\u{00b5}s", 1100),
            ("2.2ms", 2_200_000),
            ("3.3s", 3_300_000_000),
            ("4m5s", 4 * MINUTE + 5 * SECOND),
            ("4m5.001s", 4 * MINUTE + 5001 * MILLISECOND),
            ("5h6m7.001s", 5 * HOUR + 6 * MINUTE + 7001 * MILLISECOND),
            ("8m0.000000001s", 8 * MINUTE + 1),
            ("2562047h47m16.854775807s", i64::MAX),
            ("-2562047h47m16.854775808s", i64::MIN),
        ];
        for (want, d) in cases {
            assert_eq!(Duration(d).go_string(), want);
        }
    }

    #[test]
    fn durations_parse_like_go() {
        // Cases from Go's time_test.go parseDurationTests.
        let ok = [
            ("0", 0),
            ("5s", 5 * SECOND),
            ("30s", 30 * SECOND),
            ("1478s", 1478 * SECOND),
            ("-5s", -5 * SECOND),
            ("+5s", 5 * SECOND),
            ("-0", 0),
            ("+0", 0),
            ("5.0s", 5 * SECOND),
            ("5.6s", 5 * SECOND + 600 * MILLISECOND),
            ("5.s", 5 * SECOND),
            (".5s", 500 * MILLISECOND),
            ("1.0s", SECOND),
            ("1.00s", SECOND),
            ("1.004s", SECOND + 4 * MILLISECOND),
            ("100.00100s", 100 * SECOND + MILLISECOND),
            ("10ns", 10),
            ("11us", 11 * MICROSECOND),
            ("12\u{00b5}s", 12 * MICROSECOND),
            ("12\u{03bc}s", 12 * MICROSECOND),
            ("13ms", 13 * MILLISECOND),
            ("14s", 14 * SECOND),
            ("15m", 15 * MINUTE),
            ("16h", 16 * HOUR),
            ("3h30m", 3 * HOUR + 30 * MINUTE),
            ("10.5s4m", 4 * MINUTE + 10 * SECOND + 500 * MILLISECOND),
            ("-2m3.4s", -(2 * MINUTE + 3 * SECOND + 400 * MILLISECOND)),
            ("1h2m3s4ms5us6ns", HOUR + 2 * MINUTE + 3 * SECOND + 4 * MILLISECOND + 5 * MICROSECOND + 6),
            ("39h9m14.425s", 39 * HOUR + 9 * MINUTE + 14 * SECOND + 425 * MILLISECOND),
            ("52763797000ns", 52_763_797_000),
            ("0.3333333333333333333h", 20 * MINUTE),
            ("9007199254740993ns", (1 << 53) + 1),
            ("9223372036854775807ns", i64::MAX),
            ("9223372036854775.807us", i64::MAX),
            ("9223372036s854ms775us807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("-9223372036854775.808us", i64::MIN),
            ("0.100000000000000000000h", 6 * MINUTE),
            ("0.830103483285477580700h", 49 * MINUTE + 48 * SECOND + 372_539_827),
        ];
        for (s, want) in ok {
            assert_eq!(parse_duration(s), Ok(Duration(want)), "{s}");
        }
        for bad in [
            "",
            "3",
            "-",
            "s",
            ".",
            "-.",
            ".s",
            "+.s",
            "1d",
            "\u{0085}\u{0085}",
            "9223372036854775808ns",
            "-9223372036854775809ns",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_duration("3").map_err(|e| e.to_string()),
            Err("time: missing unit in duration \"3\"".to_string())
        );
        assert_eq!(
            parse_duration("1d").map_err(|e| e.to_string()),
            Err("time: unknown unit \"d\" in duration \"1d\"".to_string())
        );
    }

    #[test]
    fn rounding_follows_go() {
        assert_eq!(Duration(1_499_999_999).round(Duration(SECOND)), Duration(SECOND));
        assert_eq!(Duration(1_500_000_000).round(Duration(SECOND)), Duration(2 * SECOND));
        assert_eq!(Duration(-1_500_000_000).round(Duration(SECOND)), Duration(-2 * SECOND));
    }

    #[test]
    fn quotes_like_go_time() {
        assert_eq!(quote("a\"µ\n"), "\"a\\\"\\xc2\\xb5\\x0a\"");
        assert_eq!(
            parse_duration("1µd").unwrap_err().to_string(),
            "time: unknown unit \"\\xc2\\xb5d\" in duration \"1\\xc2\\xb5d\""
        );
    }
}
