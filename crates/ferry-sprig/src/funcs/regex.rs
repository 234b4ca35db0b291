//! Sprig `regex.go`. The plain variants use `regexp.MustCompile`, whose panic
//! text becomes the call's error; the `must` variants return the compile error.

use ferry_gotmpl::{FuncError, Function, Type, Value};

use super::{FuncMap, add, int, ok_str, s, t_int, t_str, t_strings};
use crate::regexp::{self as re, RegexError};

fn panic_err(pattern: &str) -> impl Fn(RegexError) -> FuncError + '_ {
    move |e| FuncError::new(e.must_compile_message(pattern))
}

fn plain_err(e: RegexError) -> FuncError {
    FuncError::new(e.to_string())
}

pub(super) fn register(m: &mut FuncMap) {
    add(
        m,
        "regexMatch",
        Function::new(vec![t_str(), t_str()], |_, a| Ok(Value::Bool(re::is_match(s(a, 0), s(a, 1)).unwrap_or(false))))
            .returns(Type::Bool),
    );
    add(
        m,
        "mustRegexMatch",
        Function::new(vec![t_str(), t_str()], |_, a| {
            re::is_match(s(a, 0), s(a, 1)).map(Value::Bool).map_err(plain_err)
        })
        .returns(Type::Bool),
    );
    add(
        m,
        "regexFindAll",
        Function::new(vec![t_str(), t_str(), t_int()], |_, a| {
            re::find_all(s(a, 0), s(a, 1), int(a, 2)).map(Value::string_list).map_err(panic_err(s(a, 0)))
        })
        .returns(t_strings()),
    );
    add(
        m,
        "mustRegexFindAll",
        Function::new(vec![t_str(), t_str(), t_int()], |_, a| {
            re::find_all(s(a, 0), s(a, 1), int(a, 2)).map(Value::string_list).map_err(plain_err)
        })
        .returns(t_strings()),
    );
    add(
        m,
        "regexFind",
        Function::new(vec![t_str(), t_str()], |_, a| {
            re::find(s(a, 0), s(a, 1)).map(Value::from).map_err(panic_err(s(a, 0)))
        })
        .returns(t_str()),
    );
    add(
        m,
        "mustRegexFind",
        Function::new(vec![t_str(), t_str()], |_, a| re::find(s(a, 0), s(a, 1)).map(Value::from).map_err(plain_err))
            .returns(t_str()),
    );
    add(
        m,
        "regexReplaceAll",
        Function::new(vec![t_str(), t_str(), t_str()], |_, a| {
            re::replace_all(s(a, 0), s(a, 1), s(a, 2)).map(Value::from).map_err(panic_err(s(a, 0)))
        })
        .returns(t_str()),
    );
    add(
        m,
        "mustRegexReplaceAll",
        Function::new(vec![t_str(), t_str(), t_str()], |_, a| {
            re::replace_all(s(a, 0), s(a, 1), s(a, 2)).map(Value::from).map_err(plain_err)
        })
        .returns(t_str()),
    );
    add(
        m,
        "regexReplaceAllLiteral",
        Function::new(vec![t_str(), t_str(), t_str()], |_, a| {
            re::replace_all_literal(s(a, 0), s(a, 1), s(a, 2)).map(Value::from).map_err(panic_err(s(a, 0)))
        })
        .returns(t_str()),
    );
    add(
        m,
        "mustRegexReplaceAllLiteral",
        Function::new(vec![t_str(), t_str(), t_str()], |_, a| {
            re::replace_all_literal(s(a, 0), s(a, 1), s(a, 2)).map(Value::from).map_err(plain_err)
        })
        .returns(t_str()),
    );
    add(
        m,
        "regexSplit",
        Function::new(vec![t_str(), t_str(), t_int()], |_, a| {
            re::split(s(a, 0), s(a, 1), int(a, 2)).map(Value::string_list).map_err(panic_err(s(a, 0)))
        })
        .returns(t_strings()),
    );
    add(
        m,
        "mustRegexSplit",
        Function::new(vec![t_str(), t_str(), t_int()], |_, a| {
            re::split(s(a, 0), s(a, 1), int(a, 2)).map(Value::string_list).map_err(plain_err)
        })
        .returns(t_strings()),
    );
    add(m, "regexQuoteMeta", Function::new(vec![t_str()], |_, a| ok_str(re::quote_meta(s(a, 0)))).returns(t_str()));
}
