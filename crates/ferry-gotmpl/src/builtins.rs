//! Go's builtin template functions (`funcs.go`): `and or not len index slice
//! print printf println html js urlquery call eq ne lt le gt ge`.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::func::{Context, FuncError, FuncResult, Function};
use crate::gofmt;
use crate::value::{Kind, Type, UintKind, Value};

/// Builtins the executor treats specially.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    And,
    Or,
    Call,
    Other,
}

type Table = HashMap<&'static str, (Function, Builtin)>;

pub(crate) fn lookup(name: &str) -> Option<&'static (Function, Builtin)> {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(table).get(name)
}

fn table() -> Table {
    let rv = || Type::ReflectValue;
    let mut t: Table = HashMap::new();
    let mut add = |name: &'static str, f: Function, b: Builtin| {
        t.insert(name, (f, b));
    };
    // and/or are evaluated by the executor (short-circuit); these bodies
    // only run if they are reached through `call`.
    add("and", Function::variadic([rv()], rv(), |_, a| Ok(and_or(a, false))), Builtin::And);
    add("or", Function::variadic([rv()], rv(), |_, a| Ok(and_or(a, true))), Builtin::Or);
    add("call", Function::variadic([rv()], rv(), call), Builtin::Call);
    add(
        "html",
        Function::variadic([], Type::Interface, |_, a| Ok(Value::from(html_escape(&eval_args(a)))))
            .returns(Type::String),
        Builtin::Other,
    );
    add(
        "js",
        Function::variadic([], Type::Interface, |_, a| Ok(Value::from(js_escape(&eval_args(a))))).returns(Type::String),
        Builtin::Other,
    );
    add(
        "urlquery",
        Function::variadic([], Type::Interface, |_, a| Ok(Value::from(query_escape(&eval_args(a)))))
            .returns(Type::String),
        Builtin::Other,
    );
    add("index", Function::variadic([rv()], rv(), |_, a| index(a)).returns(rv()), Builtin::Other);
    add("slice", Function::variadic([rv()], rv(), |_, a| slice(a)).returns(rv()), Builtin::Other);
    add("len", Function::new([rv()], |_, a| length(a)).returns(Type::Int), Builtin::Other);
    add("not", Function::new([rv()], |_, a| Ok(Value::Bool(!arg(a, 0).is_true()))).returns(Type::Bool), Builtin::Other);
    add(
        "print",
        Function::variadic([], Type::Interface, |_, a| Ok(Value::from(gofmt::sprint(a)))).returns(Type::String),
        Builtin::Other,
    );
    add(
        "printf",
        Function::variadic([Type::String], Type::Interface, |_, a| {
            let format = arg(a, 0).as_str().unwrap_or("").to_string();
            Ok(Value::from(gofmt::sprintf(&format, a.get(1..).unwrap_or(&[]))))
        })
        .returns(Type::String),
        Builtin::Other,
    );
    add(
        "println",
        Function::variadic([], Type::Interface, |_, a| Ok(Value::from(gofmt::sprintln(a)))).returns(Type::String),
        Builtin::Other,
    );
    add(
        "eq",
        Function::variadic([rv()], rv(), |_, a| eq(arg(a, 0), a.get(1..).unwrap_or(&[])).map(Value::Bool))
            .returns(Type::Bool),
        Builtin::Other,
    );
    add(
        "ne",
        Function::new([rv(), rv()], |_, a| eq(arg(a, 0), a.get(1..).unwrap_or(&[])).map(|b| Value::Bool(!b)))
            .returns(Type::Bool),
        Builtin::Other,
    );
    add(
        "lt",
        Function::new([rv(), rv()], |_, a| lt(arg(a, 0), arg(a, 1)).map(Value::Bool)).returns(Type::Bool),
        Builtin::Other,
    );
    add(
        "le",
        Function::new([rv(), rv()], |_, a| le(arg(a, 0), arg(a, 1)).map(Value::Bool)).returns(Type::Bool),
        Builtin::Other,
    );
    add(
        "gt",
        Function::new([rv(), rv()], |_, a| le(arg(a, 0), arg(a, 1)).map(|b| Value::Bool(!b))).returns(Type::Bool),
        Builtin::Other,
    );
    add(
        "ge",
        Function::new([rv(), rv()], |_, a| lt(arg(a, 0), arg(a, 1)).map(|b| Value::Bool(!b))).returns(Type::Bool),
        Builtin::Other,
    );
    t
}

fn arg(a: &[Value], i: usize) -> &Value {
    static INVALID: Value = Value::Invalid;
    a.get(i).unwrap_or(&INVALID)
}

/// Go's `indirectInterface`: a nil interface is no value.
fn indirect_interface(v: &Value) -> Value {
    match v {
        Value::Nil(Type::Interface) => Value::Invalid,
        other => other.clone(),
    }
}

fn and_or(a: &[Value], is_or: bool) -> Value {
    let mut v = arg(a, 0).clone();
    if v.is_true() == is_or {
        return v;
    }
    for x in a.iter().skip(1) {
        v = x.clone();
        if v.is_true() == is_or {
            break;
        }
    }
    v
}

/// Go's `call(name, fn, args...)`: calls a function value.
fn call(ctx: &mut Context<'_>, a: &[Value]) -> FuncResult {
    let name = arg(a, 0).as_str().unwrap_or("").to_string();
    let f = match indirect_interface(arg(a, 1)) {
        Value::Invalid => return Err("call of nil".into()),
        Value::Func(f) => f,
        other => return Err(format!("non-function {name} of type {}", other.type_name()).into()),
    };
    let args = a.get(2..).unwrap_or(&[]);
    let num_in = f.params().len();
    if f.variadic_type().is_some() {
        if args.len() < num_in {
            return Err(format!("wrong number of args for {name}: got {} want at least {num_in}", args.len()).into());
        }
    } else if args.len() != num_in {
        return Err(format!("wrong number of args for {name}: got {} want {num_in}", args.len()).into());
    }
    let mut argv = Vec::with_capacity(args.len());
    for (i, x) in args.iter().enumerate() {
        let x = indirect_interface(x);
        let t = f.params().get(i).or(f.variadic_type()).cloned().unwrap_or(Type::Interface);
        match prepare_arg(x, &t) {
            Ok(v) => argv.push(v),
            Err(e) => return Err(format!("arg {i}: {e}").into()),
        }
    }
    f.call(ctx, &argv)
}

/// Go's `prepareArg`: checks a value fits an argument type, converting between integer types.
fn prepare_arg(value: Value, t: &Type) -> Result<Value, String> {
    let Some(vt) = value.type_of() else {
        if !t.can_be_nil() {
            return Err(format!("value is nil; should be of type {t}"));
        }
        return Ok(t.zero());
    };
    if *t == Type::ReflectValue || vt.assignable_to(t) {
        return Ok(value);
    }
    let int_like = |k: Kind| matches!(k, Kind::Int | Kind::Uint);
    if int_like(vt.kind()) && int_like(t.kind()) {
        return Ok(convert_int(&value, t));
    }
    Err(format!("value has type {vt}; should be {t}"))
}

fn convert_int(v: &Value, t: &Type) -> Value {
    let bits: u64 = match v {
        Value::Int(i, _) => *i as u64,
        Value::Uint(u, _) => *u,
        _ => 0,
    };
    match t.zero() {
        Value::Int(_, k) => Value::Int(k.wrap(bits as i64), k),
        Value::Uint(_, k) => Value::Uint(k.wrap(bits), k),
        other => other,
    }
}

/// Go's `indexArg`.
fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x: i64 = match index {
        Value::Int(i, _) => *i,
        Value::Uint(u, _) => *u as i64,
        Value::Invalid => return Err("cannot index slice/array with nil".into()),
        other => return Err(format!("cannot index slice/array with type {}", other.type_name())),
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

fn index(a: &[Value]) -> FuncResult {
    let mut item = indirect_interface(arg(a, 0));
    if let Value::Invalid = item {
        return Err("index of untyped nil".into());
    }
    for i in a.iter().skip(1) {
        let i = indirect_interface(i);
        item = match &item {
            Value::Nil(t) if matches!(t.kind(), Kind::Pointer | Kind::Interface) => {
                return Err("index of nil pointer".into());
            }
            Value::List(l) => {
                let x = index_arg(&i, l.items.len())?;
                match l.items.get(x) {
                    Some(v) => v.clone(),
                    None => return Err("reflect: slice index out of range".into()),
                }
            }
            Value::Bytes(b) => {
                let x = index_arg(&i, b.len())?;
                match b.get(x) {
                    Some(&c) => Value::Uint(u64::from(c), UintKind::Uint8),
                    None => return Err("reflect: slice index out of range".into()),
                }
            }
            Value::String(s) => {
                let x = index_arg(&i, s.len())?;
                match s.as_bytes().get(x) {
                    Some(&c) => Value::Uint(u64::from(c), UintKind::Uint8),
                    None => return Err("reflect: string index out of range".into()),
                }
            }
            Value::Nil(t) if t.kind() == Kind::Slice => {
                index_arg(&i, 0)?;
                return Err("reflect: slice index out of range".into());
            }
            Value::Map(m) => {
                let key_type = match m.ty().underlying() {
                    Type::Map(k, _) => (**k).clone(),
                    _ => Type::String,
                };
                let key = map_key(&prepare_arg(i, &key_type)?);
                m.get(&key).unwrap_or_else(|| m.elem_type().zero())
            }
            Value::Nil(t) if t.kind() == Kind::Map => {
                prepare_arg(i, &Type::String)?;
                t.elem().cloned().unwrap_or(Type::Interface).zero()
            }
            other => return Err(format!("can't index item of type {}", other.type_name()).into()),
        };
    }
    Ok(item)
}

/// Maps with integer keys store them in decimal (entries are string-keyed).
fn map_key(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Int(i, _) => i.to_string(),
        Value::Uint(u, _) => u.to_string(),
        other => gofmt::sprint(std::slice::from_ref(other)),
    }
}

fn slice(a: &[Value]) -> FuncResult {
    let item = indirect_interface(arg(a, 0));
    if let Value::Invalid = item {
        return Err("slice of untyped nil".into());
    }
    let indexes = a.get(1..).unwrap_or(&[]);
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()).into());
    }
    let len = match &item {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::List(l) => l.items.len(),
        Value::Bytes(b) => b.len(),
        Value::Nil(t) if t.kind() == Kind::Slice => 0,
        other => return Err(format!("can't slice item of type {}", other.type_name()).into()),
    };
    let mut idx = [0usize, len, len];
    for (i, index) in indexes.iter().enumerate() {
        idx[i] = index_arg(index, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]).into());
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]).into());
    }
    let (lo, hi) = (idx[0], idx[1]);
    Ok(match &item {
        Value::String(s) => Value::from(String::from_utf8_lossy(&s.as_bytes()[lo..hi]).into_owned()),
        Value::List(l) => Value::typed_list(l.ty.clone(), l.items[lo..hi].to_vec()),
        Value::Bytes(b) => Value::Bytes(Arc::from(&b[lo..hi])),
        other => other.clone(),
    })
}

fn length(a: &[Value]) -> FuncResult {
    match arg(a, 0) {
        Value::Nil(t) if matches!(t.kind(), Kind::Pointer | Kind::Interface) => Err("len of nil pointer".into()),
        Value::Invalid => Err("reflect: call of reflect.Value.Type on zero Value".into()),
        v => match v.len() {
            Some(n) => Ok(Value::int(n as i64)),
            None => Err(format!("len of type {}", v.type_name()).into()),
        },
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum BasicKind {
    Invalid,
    Bool,
    Complex,
    Int,
    Float,
    String,
    Uint,
}

fn basic_kind(v: &Value) -> BasicKind {
    match v {
        Value::Bool(_) => BasicKind::Bool,
        Value::Int(..) => BasicKind::Int,
        Value::Uint(..) => BasicKind::Uint,
        Value::Float(..) => BasicKind::Float,
        Value::Complex(..) => BasicKind::Complex,
        Value::String(_) => BasicKind::String,
        _ => BasicKind::Invalid,
    }
}

fn type_str(v: &Value) -> String {
    v.type_of().map(|t| t.to_string()).unwrap_or_else(|| "<nil>".into())
}

fn comparable(v: &Value) -> bool {
    !matches!(v, Value::List(_) | Value::Map(_) | Value::Bytes(_) | Value::Func(_))
}

/// Go's `eq`: arg1 == arg2 || arg1 == arg3 ...
pub(crate) fn eq(arg1: &Value, rest: &[Value]) -> Result<bool, FuncError> {
    let arg1 = indirect_interface(arg1);
    if rest.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(&arg1);
    for x in rest {
        let x = indirect_interface(x);
        let k2 = basic_kind(&x);
        let truth = if k1 != k2 {
            // Special case: Can compare integer values regardless of type's sign.
            match (&arg1, &x) {
                (Value::Int(i, _), Value::Uint(u, _)) => *i >= 0 && *i as u64 == *u,
                (Value::Uint(u, _), Value::Int(i, _)) => *i >= 0 && *u == *i as u64,
                _ => {
                    if !matches!(arg1, Value::Invalid) && !matches!(x, Value::Invalid) {
                        return Err(format!(
                            "incompatible types for comparison: {} and {}",
                            type_str(&arg1),
                            type_str(&x)
                        )
                        .into());
                    }
                    false
                }
            }
        } else {
            match (&arg1, &x) {
                (Value::Bool(a), Value::Bool(b)) => a == b,
                (Value::Complex(ar, ai), Value::Complex(br, bi)) => ar == br && ai == bi,
                (Value::Float(a, _), Value::Float(b, _)) => a == b,
                (Value::Int(a, _), Value::Int(b, _)) => a == b,
                (Value::String(a), Value::String(b)) => a == b,
                (Value::Uint(a, _), Value::Uint(b, _)) => a == b,
                _ => {
                    let (n1, n2) = (arg1.is_nil(), x.is_nil());
                    let same_kind =
                        arg1.kind() == x.kind() || matches!(arg1, Value::Invalid) || matches!(x, Value::Invalid);
                    if !same_kind {
                        return Err(format!(
                            "non-comparable types {}: {}, {}: {}",
                            gofmt::sprint(std::slice::from_ref(&arg1)),
                            type_str(&arg1),
                            type_str(&x),
                            gofmt::sprint(std::slice::from_ref(&x))
                        )
                        .into());
                    }
                    if n1 || n2 {
                        n1 == n2
                    } else if !comparable(&x) {
                        return Err(format!(
                            "non-comparable type {}: {}",
                            gofmt::sprint(std::slice::from_ref(&x)),
                            type_str(&x)
                        )
                        .into());
                    } else {
                        match (&arg1, &x) {
                            (Value::Object(a), Value::Object(b)) => Arc::ptr_eq(a, b),
                            _ => false,
                        }
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Go's `lt`.
pub(crate) fn lt(arg1: &Value, arg2: &Value) -> Result<bool, FuncError> {
    let arg1 = indirect_interface(arg1);
    let k1 = basic_kind(&arg1);
    if k1 == BasicKind::Invalid {
        return Err("invalid type for comparison".into());
    }
    let arg2 = indirect_interface(arg2);
    let k2 = basic_kind(&arg2);
    if k2 == BasicKind::Invalid {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return match (&arg1, &arg2) {
            (Value::Int(i, _), Value::Uint(u, _)) => Ok(*i < 0 || (*i as u64) < *u),
            (Value::Uint(u, _), Value::Int(i, _)) => Ok(*i >= 0 && *u < *i as u64),
            _ => Err(format!("incompatible types for comparison: {} and {}", type_str(&arg1), type_str(&arg2)).into()),
        };
    }
    match (&arg1, &arg2) {
        (Value::Float(a, _), Value::Float(b, _)) => Ok(a < b),
        (Value::Int(a, _), Value::Int(b, _)) => Ok(a < b),
        (Value::String(a), Value::String(b)) => Ok(a < b),
        (Value::Uint(a, _), Value::Uint(b, _)) => Ok(a < b),
        _ => Err("invalid type for comparison".into()),
    }
}

/// Go's `le`: lt || eq.
pub(crate) fn le(arg1: &Value, arg2: &Value) -> Result<bool, FuncError> {
    if lt(arg1, arg2)? {
        return Ok(true);
    }
    eq(arg1, std::slice::from_ref(arg2))
}

/// Go's `evalArgs`: the fmt.Sprint of the arguments, a lone string as is,
/// missing values as `<no value>`.
fn eval_args(args: &[Value]) -> String {
    if let [Value::String(s)] = args {
        return s.to_string();
    }
    let printable: Vec<Value> = args
        .iter()
        .map(|a| match a {
            // printableValue(reflect.ValueOf(nil)) is "<no value>".
            Value::Invalid | Value::Nil(Type::Interface) => Value::from("<no value>"),
            other => other.clone(),
        })
        .collect();
    gofmt::sprint(&printable)
}

/// Go's `HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `JSEscapeString`.
pub fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u00{:02X}", c as u32));
            }
            c if c.is_ascii() => out.push(c),
            c if ferry_gostd::strconv::is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
