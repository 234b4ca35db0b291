//! Go-style durations (`5s`, `1m30s`, `500ms`), as the agent's `FERRY_INTERVAL` and Helm's
//! `timeout` are written: the same text must mean the same thing to a Distr agent.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use ferry_gostd::time as gotime;

/// A duration parsed from and printed as Go's `time.Duration` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoDuration(pub Duration);

/// Why a duration text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {input:?}: {reason} (examples: 5s, 1m30s, 500ms, 2h)")]
pub struct DurationError {
    input: String,
    reason: String,
}

impl FromStr for GoDuration {
    type Err = DurationError;

    /// Parses like Go's `time.ParseDuration`, except that negative durations are refused
    /// (nothing in Ferry can wait a negative time).
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| DurationError { input: input.to_string(), reason };
        let nanos = gotime::parse_duration(input).map_err(|e| err(e.to_string()))?.0;
        let nanos = u64::try_from(nanos).map_err(|_| err("negative durations are not allowed".into()))?;
        Ok(GoDuration(Duration::from_nanos(nanos)))
    }
}

impl fmt::Display for GoDuration {
    /// Prints as Go's `Duration.String()`: `1h2m3.5s`, `1.5ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Durations beyond Go's int64 nanoseconds (292 years) print as the longest Go can.
        let nanos = i64::try_from(self.0.as_nanos()).unwrap_or(i64::MAX);
        fmt::Display::fmt(&gotime::Duration(nanos), f)
    }
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
