//! Sprig `semver.go`.

use ferry_gotmpl::{Function, Type, Value};

use super::{FuncMap, add, fail, s, t_str};
use crate::objects::{VersionValue, version_type};
use crate::semver::{Version, semver_compare};

pub(super) fn register(m: &mut FuncMap) {
    add(
        m,
        "semver",
        Function::new(vec![t_str()], |_, a| {
            Version::parse(s(a, 0)).map(|v| Value::object(VersionValue(v))).or_else(|e| fail(e.to_string()))
        })
        .returns(version_type()),
    );
    add(
        m,
        "semverCompare",
        Function::new(vec![t_str(), t_str()], |_, a| {
            semver_compare(s(a, 0), s(a, 1)).map(Value::Bool).or_else(|e| fail(e.to_string()))
        })
        .returns(Type::Bool),
    );
}
