//! `.Files`: Helm's `type files map[string][]byte` with `Get`, `GetBytes`,
//! `Glob`, `Lines`, `AsConfig` and `AsSecrets` (`pkg/engine/files.go`).

use std::collections::BTreeMap;
use std::sync::Arc;

use ferry_gotmpl::{FuncError, Function, Type, Value};

use super::glob::Glob;
use crate::chart::File;

/// The Go type name of `.Files`.
pub(crate) const FILES_TYPE: &str = "engine.files";

fn files_type() -> Type {
    Type::named(FILES_TYPE, Type::Map(Arc::new(Type::String), Arc::new(Type::Slice(Arc::new(Type::Uint8)))))
}

fn bytes_type() -> Type {
    Type::Slice(Arc::new(Type::Uint8))
}

/// Builds `.Files` from a chart's files.
pub(crate) fn new_files(files: &[File]) -> Value {
    let entries: BTreeMap<String, Value> =
        files.iter().map(|f| (f.name.clone(), Value::Bytes(Arc::from(&f.data[..])))).collect();
    Value::typed_map(files_type(), entries)
}

fn entries(recv: &Value) -> Vec<(String, Value)> {
    recv.as_map().map(|m| m.entries()).unwrap_or_default()
}

fn file_bytes(recv: &Value, name: &str) -> Option<Arc<[u8]>> {
    match recv.as_map().and_then(|m| m.get(name)) {
        Some(Value::Bytes(b)) => Some(b),
        _ => None,
    }
}

fn to_yaml_string_map(m: BTreeMap<String, Value>) -> String {
    super::funcs::to_yaml(&Value::map(m))
}

/// The methods of `.Files`, declared on the template set.
pub(crate) fn files_method(recv: &Value, name: &str) -> Option<Function> {
    let recv = recv.clone();
    Some(match name {
        "Get" => Function::new([Type::String], move |_, a| {
            let name = a[0].as_str().unwrap_or("");
            Ok(Value::from(
                file_bytes(&recv, name).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default(),
            ))
        })
        .returns(Type::String),
        "GetBytes" => Function::new([Type::String], move |_, a| {
            let name = a[0].as_str().unwrap_or("");
            Ok(match file_bytes(&recv, name) {
                Some(b) => Value::Bytes(b),
                None => Value::Nil(bytes_type()),
            })
        })
        .returns(bytes_type()),
        "Glob" => Function::new([Type::String], move |_, a| {
            let pattern = a[0].as_str().unwrap_or("");
            // An invalid pattern matches everything, as gobwas' "**" does.
            let g = Glob::compile(pattern);
            let matched: BTreeMap<String, Value> =
                entries(&recv).into_iter().filter(|(name, _)| g.as_ref().is_none_or(|g| g.matches(name))).collect();
            Ok(Value::typed_map(files_type(), matched))
        })
        .returns(files_type()),
        "Lines" => Function::new([Type::String], move |_, a| {
            let path = a[0].as_str().unwrap_or("");
            let Some(b) = file_bytes(&recv, path) else {
                return Ok(Value::string_list(Vec::<String>::new()));
            };
            let mut s = String::from_utf8_lossy(&b).into_owned();
            if s.is_empty() {
                // Go indexes s[len(s)-1] and panics; text/template reports the panic.
                return Err(FuncError::new("runtime error: index out of range [-1]"));
            }
            if s.ends_with('\n') {
                s.pop();
            }
            Ok(Value::string_list(s.split('\n').map(str::to_string).collect::<Vec<_>>()))
        })
        .returns(Type::Slice(Arc::new(Type::String))),
        "AsConfig" => Function::new([], move |_, _| {
            let mut m = BTreeMap::new();
            for (k, v) in entries(&recv) {
                if let Value::Bytes(b) = v {
                    m.insert(
                        crate::gopath::base(&k).to_string(),
                        Value::from(String::from_utf8_lossy(&b).into_owned()),
                    );
                }
            }
            Ok(Value::from(to_yaml_string_map(m)))
        })
        .returns(Type::String),
        "AsSecrets" => Function::new([], move |_, _| {
            let mut m = BTreeMap::new();
            for (k, v) in entries(&recv) {
                if let Value::Bytes(b) = v {
                    m.insert(crate::gopath::base(&k).to_string(), Value::from(crate::govalue::base64_encode(&b)));
                }
            }
            Ok(Value::from(to_yaml_string_map(m)))
        })
        .returns(Type::String),
        _ => return None,
    })
}
