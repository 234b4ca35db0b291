//! Go's `time.Time` as `encoding/json` writes and reads it (RFC 3339 with
//! nanoseconds, trailing zeros trimmed, the writer's own UTC offset kept).

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::macros::datetime;
use time::{OffsetDateTime, UtcOffset};

/// An instant with the UTC offset it was recorded in, like Go's `time.Time`.
///
/// [`Timestamp::ZERO`] is Go's zero time (`0001-01-01T00:00:00Z`), which Helm
/// uses for "not set" (`IsZero`). Equality compares instants, as Go's
/// `Time.Equal` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

/// A timestamp text that is not RFC 3339, or an instant Go cannot write.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("timestamp {text:?}: {reason}")]
pub struct TimestampError {
    /// The offending text (or the instant, for formatting errors).
    pub text: String,
    /// Why it was refused.
    pub reason: String,
}

impl Timestamp {
    /// Go's zero `time.Time`.
    pub const ZERO: Timestamp = Timestamp(datetime!(0001-01-01 00:00:00 UTC));

    /// Wraps an instant.
    pub fn new(at: OffsetDateTime) -> Timestamp {
        Timestamp(at)
    }

    /// The current time in UTC.
    pub fn now_utc() -> Timestamp {
        Timestamp(OffsetDateTime::now_utc())
    }

    /// Seconds since the Unix epoch (Go's `Time.Unix`), as Helm writes into
    /// the `createdAt` / `modifiedAt` labels.
    pub fn unix(&self) -> i64 {
        self.0.unix_timestamp()
    }

    /// Whether this is Go's zero time (`Time.IsZero`).
    pub fn is_zero(&self) -> bool {
        *self == Timestamp::ZERO
    }

    /// The wrapped instant.
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.0
    }

    /// Go's `Time.Format(time.RFC3339Nano)`, which `MarshalJSON` uses; like
    /// Go, years outside 0..=9999 cannot be written.
    pub fn to_rfc3339_nano(&self) -> Result<String, TimestampError> {
        let t = self.0;
        let year = t.year();
        if !(0..=9999).contains(&year) {
            return Err(TimestampError { text: format!("{t}"), reason: "year outside of range [0,9999]".into() });
        }
        let mut s = format!(
            "{year:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        );
        let nanos = t.nanosecond();
        if nanos != 0 {
            let frac = format!("{nanos:09}");
            s.push('.');
            s.push_str(frac.trim_end_matches('0'));
        }
        s.push_str(&offset_text(t.offset()));
        Ok(s)
    }

    /// Parses RFC 3339 text as Go's `Time.UnmarshalJSON` does.
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, TimestampError> {
        OffsetDateTime::parse(text, &Rfc3339)
            .map(Timestamp)
            .map_err(|e| TimestampError { text: text.to_string(), reason: format!("not RFC 3339: {e}") })
    }
}

impl Default for Timestamp {
    fn default() -> Self {
        Timestamp::ZERO
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(at: OffsetDateTime) -> Self {
        Timestamp(at)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_rfc3339_nano() {
            Ok(s) => f.write_str(&s),
            Err(_) => write!(f, "{}", self.0),
        }
    }
}

/// `MarshalJSON`: RFC 3339 with nanoseconds; years Go cannot write are errors.
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = self.to_rfc3339_nano().map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }
}

/// `UnmarshalJSON` as Helm meets it: RFC 3339, and `""` (what Helm 3 wrote
/// for unset times) or `null` as the zero time.
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Rfc3339Text;
        impl serde::de::Visitor<'_> for Rfc3339Text {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("time.Time")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Timestamp, E> {
                Ok(Timestamp::ZERO)
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
                if text.is_empty() {
                    return Ok(Timestamp::ZERO);
                }
                Timestamp::parse_rfc3339(text).map_err(|e| {
                    // Go's own `time.Parse` message, when its parser agrees the text is bad.
                    match ferry_sprig::gotime::parse_in_location(
                        "2006-01-02T15:04:05Z07:00",
                        text,
                        &ferry_sprig::gotime::Location::utc(),
                    ) {
                        Err(go) => E::custom(go),
                        Ok(_) => E::custom(e),
                    }
                })
            }
        }
        // `deserialize_str`, not `_string`: sigs.k8s.io/yaml turns numbers
        // into strings only for string fields, and a time is not one.
        d.deserialize_str(Rfc3339Text)
    }
}

// Go's "Z07:00": `Z` for UTC, else ±hh:mm (seconds of the offset are dropped).
fn offset_text(offset: UtcOffset) -> String {
    if offset.is_utc() {
        return "Z".to_string();
    }
    let (h, m, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_like_go_rfc3339_nano() {
        let cases = [
            (datetime!(2024-03-05 07:08:09 UTC), "2024-03-05T07:08:09Z"),
            (datetime!(2024-03-05 07:08:09.5 UTC), "2024-03-05T07:08:09.5Z"),
            (datetime!(2024-03-05 07:08:09.123456789 +01:30), "2024-03-05T07:08:09.123456789+01:30"),
            (datetime!(2024-03-05 07:08:09.000001 -07:00), "2024-03-05T07:08:09.000001-07:00"),
            (datetime!(0001-01-01 00:00:00 UTC), "0001-01-01T00:00:00Z"),
        ];
        for (t, want) in cases {
            assert_eq!(Timestamp::new(t).to_rfc3339_nano().unwrap(), want);
            let back = Timestamp::parse_rfc3339(want).unwrap();
            assert_eq!(back, Timestamp::new(t));
            assert_eq!(back.as_offset_date_time().offset(), t.offset());
        }
    }

    #[test]
    fn zero_and_errors() {
        assert!(Timestamp::ZERO.is_zero());
        assert!(Timestamp::default().is_zero());
        assert!(!Timestamp::now_utc().is_zero());
        assert!(Timestamp::parse_rfc3339("2024-13-01T00:00:00Z").is_err());
        assert!(Timestamp::parse_rfc3339("yesterday").is_err());
        let far = Timestamp::new(datetime!(-0001-01-01 00:00:00 UTC));
        assert!(far.to_rfc3339_nano().is_err());
    }
}
