//! Binding of every Sprig function to ferry-gotmpl, grouped as upstream groups
//! them. Parameter types are Sprig's Go signatures, so the executor converts
//! and rejects arguments as Go's `text/template` does; results carry Sprig's
//! Go result types.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferry_gotmpl::{FuncError, FuncResult, Function, Map, Type, Value};

mod crypto;
mod date;
mod defaults;
mod dicts;
mod encoding;
mod flow;
mod lists;
mod network;
mod numeric;
mod paths;
mod reflect;
mod regex;
mod semver;
mod strings;
mod url;
mod uuid;

pub use reflect::{deep_equal, empty, kind_name};

/// Function name → function, as `TemplateSet::add_funcs` takes them.
pub type FuncMap = BTreeMap<String, Function>;

/// Every function of Sprig v3.3's `TxtFuncMap`, except `env` and `expandenv`
/// (which Helm removes), under its Sprig name and aliases.
pub fn functions() -> FuncMap {
    let mut m = FuncMap::new();
    strings::register(&mut m);
    lists::register(&mut m);
    dicts::register(&mut m);
    numeric::register(&mut m);
    date::register(&mut m);
    defaults::register(&mut m);
    encoding::register(&mut m);
    crypto::register(&mut m);
    semver::register(&mut m);
    reflect::register(&mut m);
    network::register(&mut m);
    url::register(&mut m);
    regex::register(&mut m);
    paths::register(&mut m);
    flow::register(&mut m);
    uuid::register(&mut m);
    m
}

pub(crate) fn add(m: &mut FuncMap, name: &str, f: Function) {
    m.insert(name.to_string(), f);
}

/// `string`
pub(crate) fn t_str() -> Type {
    Type::String
}

/// `int`
pub(crate) fn t_int() -> Type {
    Type::Int
}

/// `interface {}`
pub(crate) fn t_any() -> Type {
    Type::Interface
}

/// `map[string]interface {}`
pub(crate) fn t_map() -> Type {
    Type::map_of_interface()
}

/// `[]interface {}`
pub(crate) fn t_list() -> Type {
    Type::slice_of_interface()
}

/// `[]string`
pub(crate) fn t_strings() -> Type {
    Type::Slice(Arc::new(Type::String))
}

/// `[]int`
pub(crate) fn t_ints() -> Type {
    Type::Slice(Arc::new(Type::Int))
}

static INVALID: Value = Value::Invalid;

/// The i-th argument (Invalid if absent; the executor guarantees arity).
pub(crate) fn arg(a: &[Value], i: usize) -> &Value {
    a.get(i).unwrap_or(&INVALID)
}

/// The i-th argument as a string (parameters typed `string`).
pub(crate) fn s(a: &[Value], i: usize) -> &str {
    arg(a, i).as_str().unwrap_or("")
}

/// The i-th argument as an integer (parameters typed `int`, `int64`, `uint32`...).
pub(crate) fn int(a: &[Value], i: usize) -> i64 {
    match arg(a, i) {
        Value::Int(v, _) => *v,
        Value::Uint(v, _) => *v as i64,
        _ => 0,
    }
}

/// The i-th argument as a bool.
pub(crate) fn boolean(a: &[Value], i: usize) -> bool {
    matches!(arg(a, i), Value::Bool(true))
}

/// A snapshot of the entries of a map argument (empty for a nil map).
pub(crate) fn map_arg(a: &[Value], i: usize) -> BTreeMap<String, Value> {
    arg(a, i).as_map().map(Map::to_btree).unwrap_or_default()
}

/// A `string` result.
pub(crate) fn ok_str(s: impl Into<Arc<str>>) -> FuncResult {
    Ok(Value::String(s.into()))
}

/// Go's message when a method is called through a nil interface in reflect
/// (`reflect.TypeOf(nil).Kind()`), which Sprig's list functions reach.
pub(crate) const NIL_DEREF: &str = "runtime error: invalid memory address or nil pointer dereference";

/// An error result.
pub(crate) fn fail<T>(msg: impl Into<String>) -> Result<T, FuncError> {
    Err(FuncError::new(msg.into()))
}
