//! Sprig `strings.go` and the string entries of `functions.go`.

use ferry_gostd::strconv;
use ferry_gotmpl::{Function, Type, Value, gofmt};

use super::{FuncMap, add, arg, fail, int, ok_str, s, t_any, t_int, t_str, t_strings};
use crate::cast::{is_nil_interface, strslice, strval};
use crate::crypto as c;
use crate::strings as st;

fn s1(f: fn(&str) -> String) -> Function {
    Function::new(vec![t_str()], move |_, a| ok_str(f(s(a, 0)))).returns(t_str())
}

fn s2(f: fn(&str, &str) -> String) -> Function {
    Function::new(vec![t_str(), t_str()], move |_, a| ok_str(f(s(a, 0), s(a, 1)))).returns(t_str())
}

fn b2(f: fn(&str, &str) -> bool) -> Function {
    Function::new(vec![t_str(), t_str()], move |_, a| Ok(Value::Bool(f(s(a, 0), s(a, 1))))).returns(Type::Bool)
}

fn rand(f: fn(i64) -> String) -> Function {
    Function::new(vec![t_int()], move |_, a| ok_str(f(int(a, 0)))).returns(t_str())
}

fn split_map(parts: Vec<String>) -> Value {
    let entries = parts.into_iter().enumerate().map(|(i, p)| (format!("_{i}"), Value::from(p))).collect();
    Value::typed_map(Type::Map(std::sync::Arc::new(Type::String), std::sync::Arc::new(Type::String)), entries)
}

pub(super) fn register(m: &mut FuncMap) {
    add(m, "hello", Function::new(Vec::<Type>::new(), |_, _| ok_str("Hello!")).returns(t_str()));
    add(m, "abbrev", Function::new(vec![t_int(), t_str()], |_, a| ok_str(st::abbrev(int(a, 0), s(a, 1)))));
    add(
        m,
        "abbrevboth",
        Function::new(vec![t_int(), t_int(), t_str()], |_, a| ok_str(st::abbrevboth(int(a, 0), int(a, 1), s(a, 2)))),
    );
    add(m, "trunc", Function::new(vec![t_int(), t_str()], |_, a| ok_str(st::trunc(int(a, 0), s(a, 1)))));
    add(m, "trim", s1(|x| x.trim().to_string()));
    add(m, "upper", s1(st::upper));
    add(m, "lower", s1(st::lower));
    add(m, "title", s1(st::title));
    add(m, "untitle", s1(st::uncapitalize));
    add(
        m,
        "substr",
        Function::new(vec![t_int(), t_int(), t_str()], |_, a| {
            st::substr(int(a, 0), int(a, 1), s(a, 2)).map(Value::from).or_else(fail)
        }),
    );
    add(
        m,
        "repeat",
        Function::new(vec![t_int(), t_str()], |_, a| st::repeat(s(a, 1), int(a, 0)).map(Value::from).or_else(fail)),
    );
    for name in ["trimall", "trimAll"] {
        add(m, name, s2(|cut, x| st::trim_cutset(x, cut)));
    }
    add(m, "trimSuffix", s2(|suf, x| x.strip_suffix(suf).unwrap_or(x).to_string()));
    add(m, "trimPrefix", s2(|pre, x| x.strip_prefix(pre).unwrap_or(x).to_string()));
    add(m, "nospace", s1(st::delete_white_space));
    add(m, "initials", s1(st::initials));
    add(m, "randAlphaNum", rand(c::rand_alpha_num));
    add(m, "randAlpha", rand(c::rand_alpha));
    add(m, "randAscii", rand(c::rand_ascii));
    add(m, "randNumeric", rand(c::rand_numeric));
    add(m, "swapcase", s1(st::swap_case));
    add(m, "shuffle", s1(c::shuffle));
    add(m, "snakecase", s1(st::to_snake_case));
    add(m, "camelcase", s1(st::to_camel_case));
    add(m, "kebabcase", s1(st::to_kebab_case));
    add(
        m,
        "wrap",
        Function::new(vec![t_int(), t_str()], |_, a| ok_str(st::wrap_custom(s(a, 1), int(a, 0), "", false))),
    );
    add(
        m,
        "wrapWith",
        Function::new(vec![t_int(), t_str(), t_str()], |_, a| {
            ok_str(st::wrap_custom(s(a, 2), int(a, 0), s(a, 1), true))
        }),
    );
    add(m, "contains", b2(|sub, x| x.contains(sub)));
    add(m, "hasPrefix", b2(|pre, x| x.starts_with(pre)));
    add(m, "hasSuffix", b2(|suf, x| x.ends_with(suf)));
    add(
        m,
        "quote",
        Function::variadic(Vec::<Type>::new(), t_any(), |_, a| {
            let parts: Vec<String> =
                a.iter().filter(|v| !is_nil_interface(v)).map(|v| strconv::quote(&strval(v))).collect();
            ok_str(parts.join(" "))
        }),
    );
    add(
        m,
        "squote",
        Function::variadic(Vec::<Type>::new(), t_any(), |_, a| {
            let parts: Vec<String> = a
                .iter()
                .filter(|v| !is_nil_interface(v))
                .map(|v| format!("'{}'", gofmt::sprint(std::slice::from_ref(v))))
                .collect();
            ok_str(parts.join(" "))
        }),
    );
    add(
        m,
        "cat",
        Function::variadic(Vec::<Type>::new(), t_any(), |_, a| {
            let parts: Vec<String> =
                a.iter().filter(|v| !is_nil_interface(v)).map(|v| gofmt::sprint(std::slice::from_ref(v))).collect();
            ok_str(parts.join(" "))
        }),
    );
    add(
        m,
        "indent",
        Function::new(vec![t_int(), t_str()], |_, a| st::indent(int(a, 0), s(a, 1)).map(Value::from).or_else(fail)),
    );
    add(
        m,
        "nindent",
        Function::new(vec![t_int(), t_str()], |_, a| st::nindent(int(a, 0), s(a, 1)).map(Value::from).or_else(fail)),
    );
    add(
        m,
        "replace",
        Function::new(vec![t_str(), t_str(), t_str()], |_, a| {
            let (old, new, src) = (s(a, 0), s(a, 1), s(a, 2));
            if old.is_empty() {
                // Go's Replace with an empty old string inserts `new` around every rune.
                let mut out = String::from(new);
                for ch in src.chars() {
                    out.push(ch);
                    out.push_str(new);
                }
                return ok_str(out);
            }
            ok_str(src.replace(old, new))
        }),
    );
    add(
        m,
        "plural",
        Function::new(vec![t_str(), t_str(), t_int()], |_, a| ok_str(if int(a, 2) == 1 { s(a, 0) } else { s(a, 1) })),
    );
    add(m, "sha1sum", s1(c::sha1sum));
    add(m, "sha256sum", s1(c::sha256sum));
    add(m, "sha512sum", s1(c::sha512sum));
    add(m, "adler32sum", s1(c::adler32sum));
    add(m, "toString", Function::new(vec![t_any()], |_, a| ok_str(strval(arg(a, 0)))).returns(t_str()));
    add(m, "split", Function::new(vec![t_str(), t_str()], |_, a| Ok(split_map(st::split_n(s(a, 1), s(a, 0), -1)))));
    add(
        m,
        "splitn",
        Function::new(vec![t_str(), t_int(), t_str()], |_, a| Ok(split_map(st::split_n(s(a, 2), s(a, 0), int(a, 1))))),
    );
    add(
        m,
        "splitList",
        Function::new(vec![t_str(), t_str()], |_, a| Ok(Value::string_list(st::split_n(s(a, 1), s(a, 0), -1))))
            .returns(t_strings()),
    );
    add(
        m,
        "toStrings",
        Function::new(vec![t_any()], |_, a| Ok(Value::string_list(strslice(arg(a, 0))))).returns(t_strings()),
    );
    add(
        m,
        "join",
        Function::new(vec![t_str(), t_any()], |_, a| ok_str(strslice(arg(a, 1)).join(s(a, 0)))).returns(t_str()),
    );
    add(
        m,
        "sortAlpha",
        Function::new(vec![t_any()], |_, a| {
            let v = arg(a, 0);
            let mut items = match v {
                Value::List(_) | Value::Bytes(_) => strslice(v),
                Value::Nil(t) if t.kind() == ferry_gotmpl::Kind::Slice => Vec::new(),
                other => return Ok(Value::string_list([strval(other)])),
            };
            items.sort();
            Ok(Value::string_list(items))
        })
        .returns(t_strings()),
    );
}
