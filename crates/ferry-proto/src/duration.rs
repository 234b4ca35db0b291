//! Go-style durations (`5s`, `1m30s`, `500ms`), as the agent's `FERRY_INTERVAL` and Helm's
//! `timeout` are written: the same text must mean the same thing to a Distr agent.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A duration parsed from and printed as Go's `time.Duration` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoDuration(pub Duration);

/// Why a duration text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {input:?}: {reason} (examples: 5s, 1m30s, 500ms, 2h)")]
pub struct DurationError {
    input: String,
    reason: &'static str,
}

impl FromStr for GoDuration {
    type Err = DurationError;

    /// Parses like Go's `time.ParseDuration`, except that negative durations are refused
    /// (nothing in Ferry can wait a negative time).
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason| DurationError { input: input.to_string(), reason };
        let mut s = input.strip_prefix('+').unwrap_or(input);
        if s.starts_with('-') {
            return Err(err("negative durations are not allowed"));
        }
        if s == "0" {
            return Ok(GoDuration(Duration::ZERO));
        }
        if s.is_empty() {
            return Err(err("empty"));
        }
        let mut total_nanos: u128 = 0;
        while !s.is_empty() {
            let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
            let (int_part, rest) = s.split_at(int_len);
            let (frac_part, rest) = match rest.strip_prefix('.') {
                Some(after) => {
                    let n = after.bytes().take_while(u8::is_ascii_digit).count();
                    after.split_at(n)
                }
                None => ("", rest),
            };
            if int_part.is_empty() && frac_part.is_empty() {
                return Err(err("expected a number"));
            }
            let unit_len = rest.bytes().take_while(|b| !b.is_ascii_digit() && *b != b'.').count();
            let (unit, rest) = rest.split_at(unit_len);
            let unit_nanos: u128 = match unit {
                "ns" => 1,
                "us" | "µs" | "μs" => 1_000,
                "ms" => 1_000_000,
                "s" => 1_000_000_000,
                "m" => 60_000_000_000,
                "h" => 3_600_000_000_000,
                "" => return Err(err("missing unit")),
                _ => return Err(err("unknown unit")),
            };
            let whole: u128 =
                if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| err("number too large"))? };
            let mut nanos = whole.checked_mul(unit_nanos).ok_or_else(|| err("number too large"))?;
            if !frac_part.is_empty() {
                // Go keeps at most 18 fractional digits' worth of precision; so do we.
                let digits = &frac_part[..frac_part.len().min(18)];
                let frac: u128 = digits.parse().map_err(|_| err("bad fraction"))?;
                nanos += frac * unit_nanos / 10u128.pow(digits.len() as u32);
            }
            total_nanos = total_nanos.checked_add(nanos).ok_or_else(|| err("number too large"))?;
            s = rest;
        }
        if total_nanos > i64::MAX as u128 {
            return Err(err("number too large"));
        }
        Ok(GoDuration(Duration::from_nanos(total_nanos as u64)))
    }
}

impl fmt::Display for GoDuration {
    /// Prints as Go's `Duration.String()`: `1h2m3.5s`, `1.5ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.0.as_nanos();
        if nanos == 0 {
            return f.write_str("0s");
        }
        if nanos < 1_000_000_000 {
            let (div, unit) = if nanos < 1_000 {
                (1, "ns")
            } else if nanos < 1_000_000 {
                (1_000, "µs")
            } else {
                (1_000_000, "ms")
            };
            return write!(f, "{}{}", fraction(nanos, div), unit);
        }
        let hours = nanos / 3_600_000_000_000;
        let minutes = (nanos / 60_000_000_000) % 60;
        let secs_nanos = nanos % 60_000_000_000;
        if hours > 0 {
            write!(f, "{hours}h{minutes}m")?;
        } else if minutes > 0 {
            write!(f, "{minutes}m")?;
        }
        write!(f, "{}s", fraction(secs_nanos, 1_000_000_000))
    }
}

/// `value / div` with the fraction's trailing zeros removed.
fn fraction(value: u128, div: u128) -> String {
    let whole = value / div;
    let rem = value % div;
    if rem == 0 {
        return whole.to_string();
    }
    let width = div.ilog10() as usize;
    let digits = format!("{rem:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Duration {
        s.parse::<GoDuration>().unwrap().0
    }

    #[test]
    fn parses_go_examples() {
        assert_eq!(parse("5s"), Duration::from_secs(5));
        assert_eq!(parse("1m30s"), Duration::from_secs(90));
        assert_eq!(parse("1.5h"), Duration::from_secs(5400));
        assert_eq!(parse("300ms"), Duration::from_millis(300));
        assert_eq!(parse("2h45m"), Duration::from_secs(9900));
        assert_eq!(parse("1µs"), Duration::from_micros(1));
        assert_eq!(parse(".5s"), Duration::from_millis(500));
        assert_eq!(parse("0"), Duration::ZERO);
    }

    #[test]
    fn refuses_what_go_refuses_and_negatives() {
        for bad in ["", "5", "s", "5x", "1.s5", "-5s", "9999999999h"] {
            let e = bad.parse::<GoDuration>().unwrap_err().to_string();
            assert!(e.contains("invalid duration"), "{bad}: {e}");
        }
    }

    #[test]
    fn prints_like_go() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_secs(5), "5s"),
            (Duration::from_secs(300), "5m0s"),
            (Duration::from_secs(3723), "1h2m3s"),
            (Duration::from_millis(1500), "1.5s"),
            (Duration::from_micros(1500), "1.5ms"),
            (Duration::from_nanos(12), "12ns"),
            (Duration::from_nanos(1_500), "1.5µs"),
        ];
        for (d, want) in cases {
            assert_eq!(GoDuration(d).to_string(), want);
        }
    }
}
