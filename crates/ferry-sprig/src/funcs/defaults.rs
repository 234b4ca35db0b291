//! Sprig `defaults.go`: `default`, `empty`, `coalesce`, `all`, `any`,
//! `ternary`, the JSON family and `deepCopy`.

use ferry_gotmpl::{Function, Type, Value};

use super::reflect::empty;
use super::{FuncMap, add, arg, boolean, fail, ok_str, s, t_any, t_str};
use crate::json;

fn encoder(escape_html: bool, indent: Option<&'static str>, must: bool) -> Function {
    Function::new(vec![t_any()], move |_, a| match json::encode(arg(a, 0), json::Options { escape_html, indent }) {
        Ok(out) => ok_str(out),
        Err(e) if must => fail(e),
        Err(_) => ok_str(""),
    })
    .returns(t_str())
}

pub(super) fn register(m: &mut FuncMap) {
    add(
        m,
        "default",
        Function::variadic(vec![t_any()], t_any(), |_, a| {
            let given = a.get(1);
            Ok(match given {
                Some(g) if !empty(g) => g.clone(),
                _ => arg(a, 0).clone(),
            })
        }),
    );
    add(m, "empty", Function::new(vec![t_any()], |_, a| Ok(Value::Bool(empty(arg(a, 0))))).returns(Type::Bool));
    add(
        m,
        "coalesce",
        Function::variadic(Vec::<Type>::new(), t_any(), |_, a| {
            Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or_else(Value::nil))
        }),
    );
    add(
        m,
        "all",
        Function::variadic(Vec::<Type>::new(), t_any(), |_, a| Ok(Value::Bool(a.iter().all(|v| !empty(v)))))
            .returns(Type::Bool),
    );
    add(
        m,
        "any",
        Function::variadic(Vec::<Type>::new(), t_any(), |_, a| Ok(Value::Bool(a.iter().any(|v| !empty(v)))))
            .returns(Type::Bool),
    );
    add(
        m,
        "fromJson",
        Function::new(vec![t_str()], |_, a| Ok(json::unmarshal(s(a, 0)).unwrap_or_else(|_| Value::nil()))),
    );
    add(m, "mustFromJson", Function::new(vec![t_str()], |_, a| json::unmarshal(s(a, 0)).or_else(fail)));
    add(m, "toJson", encoder(true, None, false));
    add(m, "mustToJson", encoder(true, None, true));
    add(m, "toPrettyJson", encoder(true, Some("  "), false));
    add(m, "mustToPrettyJson", encoder(true, Some("  "), true));
    add(m, "toRawJson", encoder(false, None, false));
    add(m, "mustToRawJson", encoder(false, None, true));
    add(
        m,
        "ternary",
        Function::new(vec![t_any(), t_any(), Type::Bool], |_, a| {
            Ok(if boolean(a, 2) { arg(a, 0) } else { arg(a, 1) }.clone())
        }),
    );
    // copystructure.Copy; Go would overflow its stack on a map containing
    // itself, which deepCopy turns into a panic and mustDeepCopy an error.
    add(
        m,
        "deepCopy",
        Function::new(vec![t_any()], |_, a| arg(a, 0).deep_copy().or_else(|e| fail(format!("deepCopy error: {e}")))),
    );
    add(m, "mustDeepCopy", Function::new(vec![t_any()], |_, a| arg(a, 0).deep_copy().or_else(|e| fail(e.to_string()))));
}
