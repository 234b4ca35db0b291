//! Sprig `list.go`. Lists arrive as any slice value (Go uses reflection), and
//! results are `[]interface {}` as in Sprig.

use std::sync::Arc;

use ferry_gotmpl::{FuncError, Function, Type, Value};

use super::reflect::{deep_equal, empty, kind_name};
use super::{FuncMap, NIL_DEREF, add, arg, fail, int, t_any, t_int, t_list};
use crate::cast::{is_nil_interface, slice_items, to_int64};

/// The slice's items, or Sprig's "Cannot <what> on type <kind>" error.
fn items(v: &Value, what: &str) -> Result<Vec<Value>, FuncError> {
    if is_nil_interface(v) {
        return fail(NIL_DEREF);
    }
    slice_items(v).ok_or_else(|| FuncError::new(format!("Cannot {what} on type {}", kind_name(v))))
}

fn list(items: Vec<Value>) -> Value {
    Value::list(items)
}

/// A `[]interface {}(nil)` result.
fn nil_list() -> Value {
    Value::Nil(t_list())
}

/// Registers `name` and `mustName` with the same behaviour: Sprig's plain
/// variants panic with the error the `must` variants return, and text/template
/// reports both the same way.
fn both(m: &mut FuncMap, name: &str, must: &str, f: Function) {
    add(m, name, f.clone());
    add(m, must, f);
}

pub(super) fn register(m: &mut FuncMap) {
    let list_fn = Function::variadic(Vec::<Type>::new(), t_any(), |_, a| Ok(list(a.to_vec()))).returns(t_list());
    add(m, "list", list_fn.clone());
    add(m, "tuple", list_fn);
    let push = Function::new(vec![t_any(), t_any()], |_, a| {
        let mut l = items(arg(a, 0), "push")?;
        l.push(arg(a, 1).clone());
        Ok(list(l))
    });
    for name in ["append", "push", "mustAppend", "mustPush"] {
        add(m, name, push.clone());
    }
    both(
        m,
        "prepend",
        "mustPrepend",
        Function::new(vec![t_any(), t_any()], |_, a| {
            let mut l = items(arg(a, 0), "prepend")?;
            l.insert(0, arg(a, 1).clone());
            Ok(list(l))
        }),
    );
    both(
        m,
        "first",
        "mustFirst",
        Function::new(vec![t_any()], |_, a| {
            Ok(items(arg(a, 0), "find first")?.first().cloned().unwrap_or_else(Value::nil))
        }),
    );
    both(
        m,
        "last",
        "mustLast",
        Function::new(vec![t_any()], |_, a| {
            Ok(items(arg(a, 0), "find last")?.last().cloned().unwrap_or_else(Value::nil))
        }),
    );
    both(
        m,
        "rest",
        "mustRest",
        Function::new(vec![t_any()], |_, a| {
            let l = items(arg(a, 0), "find rest")?;
            Ok(if l.is_empty() { nil_list() } else { list(l[1..].to_vec()) })
        }),
    );
    both(
        m,
        "initial",
        "mustInitial",
        Function::new(vec![t_any()], |_, a| {
            let l = items(arg(a, 0), "find initial")?;
            Ok(if l.is_empty() { nil_list() } else { list(l[..l.len() - 1].to_vec()) })
        }),
    );
    both(
        m,
        "reverse",
        "mustReverse",
        Function::new(vec![t_any()], |_, a| {
            let mut l = items(arg(a, 0), "find reverse")?;
            l.reverse();
            Ok(list(l))
        }),
    );
    both(
        m,
        "compact",
        "mustCompact",
        Function::new(vec![t_any()], |_, a| {
            Ok(list(items(arg(a, 0), "compact")?.into_iter().filter(|v| !empty(v)).collect()))
        }),
    );
    both(
        m,
        "uniq",
        "mustUniq",
        Function::new(vec![t_any()], |_, a| {
            let mut out: Vec<Value> = Vec::new();
            for v in items(arg(a, 0), "find uniq")? {
                if !out.iter().any(|o| deep_equal(&v, o)) {
                    out.push(v);
                }
            }
            Ok(list(out))
        }),
    );
    both(
        m,
        "without",
        "mustWithout",
        Function::variadic(vec![t_any()], t_any(), |_, a| {
            let omit = &a[1.min(a.len())..];
            let l = items(arg(a, 0), "find without")?;
            Ok(list(l.into_iter().filter(|v| !omit.iter().any(|o| deep_equal(v, o))).collect()))
        }),
    );
    both(
        m,
        "has",
        "mustHas",
        Function::new(vec![t_any(), t_any()], |_, a| {
            let hay = arg(a, 1);
            if is_nil_interface(hay) {
                // Sprig checks for a nil haystack before reflecting on it.
                return Ok(Value::Bool(false));
            }
            let l = items(hay, "find has")?;
            Ok(Value::Bool(l.iter().any(|v| deep_equal(arg(a, 0), v))))
        }),
    );
    both(
        m,
        "slice",
        "mustSlice",
        Function::variadic(vec![t_any()], t_any(), |_, a| {
            let v = arg(a, 0);
            if is_nil_interface(v) {
                return fail(NIL_DEREF);
            }
            let Some(l) = slice_items(v) else {
                return fail(format!("list should be type of slice or array but {}", kind_name(v)));
            };
            if l.is_empty() {
                return Ok(Value::nil());
            }
            let start = a.get(1).map(to_int64).unwrap_or(0);
            let end = a.get(2).map(to_int64).unwrap_or(l.len() as i64);
            if start < 0 || end < start || end > l.len() as i64 {
                return fail("reflect.Value.Slice: slice index out of range");
            }
            let part = l[start as usize..end as usize].to_vec();
            Ok(match v {
                Value::List(orig) => Value::typed_list(orig.ty.clone(), part),
                Value::Bytes(b) => Value::Bytes(Arc::from(&b[start as usize..end as usize])),
                _ => list(part),
            })
        }),
    );
    add(
        m,
        "concat",
        Function::variadic(Vec::<Type>::new(), t_any(), |_, a| {
            let mut out = Vec::new();
            for v in a {
                if is_nil_interface(v) {
                    return fail(NIL_DEREF);
                }
                match slice_items(v) {
                    Some(l) => out.extend(l),
                    None => return fail(format!("Cannot concat type {} as list", kind_name(v))),
                }
            }
            Ok(if out.is_empty() { nil_list() } else { list(out) })
        }),
    );
    both(
        m,
        "chunk",
        "mustChunk",
        Function::new(vec![t_int(), t_any()], |_, a| {
            let size = int(a, 0);
            let v = arg(a, 1);
            if is_nil_interface(v) {
                return fail(NIL_DEREF);
            }
            let Some(l) = slice_items(v) else {
                return fail(format!("Cannot chunk type {}", kind_name(v)));
            };
            if size <= 0 {
                // Go computes a negative or non-finite chunk count and make() panics.
                return fail("runtime error: makeslice: len out of range");
            }
            let chunks: Vec<Value> = l.chunks(size as usize).map(|c| list(c.to_vec())).collect();
            Ok(Value::typed_list(Type::Slice(Arc::new(t_list())), chunks))
        }),
    );
}
