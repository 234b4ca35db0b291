//! The Go struct values Sprig functions hand to templates: `time.Time`,
//! `*semver.Version` and `sprig.certificate`, with the methods and fields
//! templates reach on them.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use ferry_gotmpl::{FuncError, Function, Object, Type, Value};

use crate::crypto::Certificate;
use crate::gotime::{Duration, Location, Time};
use crate::semver::Version;

/// Go's `time.Time` as a template value.
#[derive(Debug, Clone)]
pub struct TimeValue(pub Time);

/// The Go type of [`TimeValue`].
pub fn time_type() -> Type {
    Type::Object(Arc::from("time.Time"))
}

/// The RFC 3339 layout with nanoseconds (`time.RFC3339Nano`), used by `MarshalJSON`.
pub const RFC3339_NANO: &str = "2006-01-02T15:04:05.999999999Z07:00";

impl TimeValue {
    /// Wraps a time as a template value.
    pub fn value(t: Time) -> Value {
        Value::object(TimeValue(t))
    }
}

/// The `time.Time` inside a value, if it is one.
pub fn as_time(v: &Value) -> Option<&Time> {
    v.as_object().and_then(|o| o.as_any().downcast_ref::<TimeValue>()).map(|t| &t.0)
}

fn method0(f: impl Fn() -> Value + Send + Sync + 'static) -> Function {
    Function::new(Vec::<Type>::new(), move |_, _| Ok(f()))
}

impl Object for TimeValue {
    fn type_name(&self) -> &str {
        "time.Time"
    }

    fn method(&self, name: &str) -> Option<Function> {
        let t = self.0.clone();
        let fields = || {
            let s = t.format("2006 1 2 15 4 5 002");
            s.split(' ').map(|p| p.parse::<i64>().unwrap_or(0)).collect::<Vec<_>>()
        };
        let field = |i: usize| fields().get(i).copied().unwrap_or(0);
        Some(match name {
            "Format" => Function::new(vec![Type::String], move |_, a| {
                Ok(Value::from(t.format(a.first().and_then(Value::as_str).unwrap_or(""))))
            }),
            "String" => method0(move || Value::from(t.go_string())),
            "Unix" => method0(move || Value::int64(t.unix())),
            "UnixNano" => method0(move || {
                Value::int64(t.unix().wrapping_mul(1_000_000_000).wrapping_add(i64::from(t.nanosecond())))
            }),
            "UnixMilli" => {
                method0(move || Value::int64(t.unix().wrapping_mul(1000) + i64::from(t.nanosecond() / 1_000_000)))
            }
            "UTC" => method0(move || TimeValue::value(t.in_location(&Location::utc()))),
            "Local" => method0(move || TimeValue::value(t.in_location(&Location::local()))),
            "IsZero" => method0(move || Value::Bool(t.is_zero())),
            "Year" => {
                let v = field(0);
                method0(move || Value::int(v))
            }
            "Day" => {
                let v = field(2);
                method0(move || Value::int(v))
            }
            "Hour" => {
                let v = field(3);
                method0(move || Value::int(v))
            }
            "Minute" => {
                let v = field(4);
                method0(move || Value::int(v))
            }
            "Second" => {
                let v = field(5);
                method0(move || Value::int(v))
            }
            "YearDay" => {
                let v = field(6);
                method0(move || Value::int(v))
            }
            "Nanosecond" => method0(move || Value::int(i64::from(t.nanosecond()))),
            "Add" => Function::new(vec![Type::named("time.Duration", Type::Int64)], move |_, a| {
                let d = match a.first() {
                    Some(Value::Int(i, _)) => *i,
                    _ => 0,
                };
                Ok(TimeValue::value(t.add(Duration(d))))
            }),
            "Before" | "After" | "Equal" => {
                let which = name.to_string();
                Function::new(vec![time_type()], move |_, a| {
                    let other = a.first().and_then(as_time).ok_or_else(|| FuncError::new("expected time.Time"))?;
                    let d = t.sub(other).0;
                    Ok(Value::Bool(match which.as_str() {
                        "Before" => d < 0,
                        "After" => d > 0,
                        _ => d == 0,
                    }))
                })
            }
            _ => return None,
        })
    }

    fn string(&self) -> Option<String> {
        Some(self.0.go_string())
    }

    fn to_data(&self) -> Option<Value> {
        Some(Value::from(self.0.format(RFC3339_NANO)))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Masterminds' `*semver.Version` as a template value.
#[derive(Debug, Clone)]
pub struct VersionValue(pub Version);

/// The Go type of [`VersionValue`].
pub fn version_type() -> Type {
    Type::Object(Arc::from("*semver.Version"))
}

fn as_version(v: &Value) -> Option<&Version> {
    v.as_object().and_then(|o| o.as_any().downcast_ref::<VersionValue>()).map(|v| &v.0)
}

impl Object for VersionValue {
    fn type_name(&self) -> &str {
        "*semver.Version"
    }

    fn method(&self, name: &str) -> Option<Function> {
        let v = self.0.clone();
        Some(match name {
            "Major" => method0(move || Value::uint64(v.major())),
            "Minor" => method0(move || Value::uint64(v.minor())),
            "Patch" => method0(move || Value::uint64(v.patch())),
            "Prerelease" => method0(move || Value::from(v.prerelease())),
            "Metadata" => method0(move || Value::from(v.metadata())),
            "Original" => method0(move || Value::from(v.original())),
            "String" => method0(move || Value::from(v.to_string())),
            "Compare" | "LessThan" | "GreaterThan" | "Equal" | "LessThanEqual" | "GreaterThanEqual" => {
                let which = name.to_string();
                Function::new(vec![version_type()], move |_, a| {
                    let o = a.first().and_then(as_version).ok_or_else(|| FuncError::new("expected *semver.Version"))?;
                    let c = v.compare(o);
                    Ok(match which.as_str() {
                        "Compare" => Value::int(i64::from(c)),
                        "LessThan" => Value::Bool(c < 0),
                        "GreaterThan" => Value::Bool(c > 0),
                        "LessThanEqual" => Value::Bool(c <= 0),
                        "GreaterThanEqual" => Value::Bool(c >= 0),
                        _ => Value::Bool(c == 0),
                    })
                })
            }
            _ => return None,
        })
    }

    fn string(&self) -> Option<String> {
        Some(self.0.to_string())
    }

    fn to_data(&self) -> Option<Value> {
        Some(Value::from(self.0.to_string()))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Sprig's `certificate` struct as a template value.
#[derive(Debug, Clone)]
pub struct CertificateValue(pub Certificate);

/// The Go type of [`CertificateValue`].
pub fn certificate_type() -> Type {
    Type::Object(Arc::from("sprig.certificate"))
}

/// The certificate inside a value, if it is one.
pub fn as_certificate(v: &Value) -> Option<&Certificate> {
    v.as_object().and_then(|o| o.as_any().downcast_ref::<CertificateValue>()).map(|c| &c.0)
}

impl Object for CertificateValue {
    fn type_name(&self) -> &str {
        "sprig.certificate"
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::from(self.0.cert.as_str())),
            "Key" => Some(Value::from(self.0.key.as_str())),
            _ => None,
        }
    }

    fn struct_fields(&self) -> Vec<(String, Value)> {
        vec![("Cert".into(), Value::from(self.0.cert.as_str())), ("Key".into(), Value::from(self.0.key.as_str()))]
    }

    fn to_data(&self) -> Option<Value> {
        let mut m = BTreeMap::new();
        m.insert("Cert".to_string(), Value::from(self.0.cert.as_str()));
        m.insert("Key".to_string(), Value::from(self.0.key.as_str()));
        Some(Value::map(m))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
