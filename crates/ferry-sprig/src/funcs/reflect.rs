//! Sprig `reflect.go`, plus the reflection helpers other groups share:
//! Go's kind names, `reflect.DeepEqual` and Sprig's `empty`.

use std::collections::HashSet;

use ferry_gotmpl::{Function, Type, Value};

use super::{FuncMap, add, arg, s, t_any, t_str};

/// `reflect.Value.Kind().String()` of a value passed as `interface {}`.
pub fn kind_name(v: &Value) -> &'static str {
    let Some(ty) = v.type_of() else { return "invalid" };
    if matches!(v, Value::Nil(Type::Interface)) {
        return "invalid";
    }
    match ty.underlying() {
        Type::Bool => "bool",
        Type::Int => "int",
        Type::Int8 => "int8",
        Type::Int16 => "int16",
        Type::Int32 => "int32",
        Type::Int64 => "int64",
        Type::Uint => "uint",
        Type::Uint8 => "uint8",
        Type::Uint16 => "uint16",
        Type::Uint32 => "uint32",
        Type::Uint64 => "uint64",
        Type::Uintptr => "uintptr",
        Type::Float32 => "float32",
        Type::Float64 => "float64",
        Type::Complex64 => "complex64",
        Type::Complex128 => "complex128",
        Type::String => "string",
        Type::Interface | Type::Error => "interface",
        Type::ReflectValue => "struct",
        Type::Slice(_) => "slice",
        Type::Map(..) => "map",
        Type::Pointer(_) => "ptr",
        Type::Object(name) if name.starts_with('*') => "ptr",
        Type::Object(_) => "struct",
        Type::Func(_) => "func",
        Type::Named(..) => "invalid",
    }
}

/// Go's `reflect.DeepEqual` over template values: types must be identical.
pub fn deep_equal(a: &Value, b: &Value) -> bool {
    deep_value_equal(a, b, &mut HashSet::new())
}

/// `visited` holds the map pairs already under comparison: meeting one again
/// (maps containing themselves) counts as equal, as in Go.
fn deep_value_equal(a: &Value, b: &Value, visited: &mut HashSet<(usize, usize)>) -> bool {
    if a.type_of() != b.type_of() {
        return false;
    }
    match (a, b) {
        (Value::Invalid, Value::Invalid) => true,
        (Value::Nil(_), Value::Nil(_)) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x, _), Value::Int(y, _)) => x == y,
        (Value::Uint(x, _), Value::Uint(y, _)) => x == y,
        (Value::Float(x, _), Value::Float(y, _)) => x == y,
        (Value::Complex(a1, b1), Value::Complex(a2, b2)) => a1 == a2 && b1 == b2,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.items.len() == y.items.len() && x.items.iter().zip(&y.items).all(|(p, q)| deep_value_equal(p, q, visited))
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.ptr_eq(y) || !visited.insert((x.id(), y.id())) {
                return true;
            }
            let (xs, ys) = (x.to_btree(), y.to_btree());
            xs.len() == ys.len() && xs.iter().all(|(k, v)| ys.get(k).is_some_and(|w| deep_value_equal(v, w, visited)))
        }
        (Value::Object(x), Value::Object(y)) => {
            std::sync::Arc::ptr_eq(x, y)
                || (x.string().is_some() && x.string() == y.string())
                || match (x.to_data(), y.to_data()) {
                    (Some(p), Some(q)) => deep_value_equal(&p, &q, visited),
                    _ => false,
                }
        }
        // Go's DeepEqual treats two non-nil funcs as unequal.
        _ => false,
    }
}

/// Sprig's `empty`: the zero value of its type (structs never are).
pub fn empty(v: &Value) -> bool {
    match v {
        Value::Invalid | Value::Nil(_) => true,
        Value::Bool(b) => !b,
        Value::Int(i, _) => *i == 0,
        Value::Uint(u, _) => *u == 0,
        Value::Float(f, _) => *f == 0.0,
        Value::Complex(r, i) => *r == 0.0 && *i == 0.0,
        Value::String(s) => s.is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::List(l) => l.items.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Object(_) | Value::Func(_) => false,
    }
}

pub(super) fn register(m: &mut FuncMap) {
    add(m, "typeOf", Function::new(vec![t_any()], |_, a| Ok(Value::from(arg(a, 0).type_name()))).returns(t_str()));
    add(
        m,
        "typeIs",
        Function::new(vec![t_str(), t_any()], |_, a| Ok(Value::Bool(s(a, 0) == arg(a, 1).type_name())))
            .returns(Type::Bool),
    );
    add(
        m,
        "typeIsLike",
        Function::new(vec![t_str(), t_any()], |_, a| {
            let t = arg(a, 1).type_name();
            let target = s(a, 0);
            Ok(Value::Bool(target == t || format!("*{target}") == t))
        })
        .returns(Type::Bool),
    );
    add(m, "kindOf", Function::new(vec![t_any()], |_, a| Ok(Value::from(kind_name(arg(a, 0))))).returns(t_str()));
    add(
        m,
        "kindIs",
        Function::new(vec![t_str(), t_any()], |_, a| Ok(Value::Bool(s(a, 0) == kind_name(arg(a, 1)))))
            .returns(Type::Bool),
    );
    add(
        m,
        "deepEqual",
        Function::new(vec![t_any(), t_any()], |_, a| Ok(Value::Bool(deep_equal(arg(a, 0), arg(a, 1)))))
            .returns(Type::Bool),
    );
}
