//! Random and mutated templates and data never panic, hang or overflow:
//! parse and execute either succeed or return an error.

use std::collections::BTreeMap;

use ferry_gotmpl::{Function, TemplateSet, Type, Value};
use proptest::prelude::*;

/// Fragments that exercise every grammar corner when glued together at random.
const PIECES: &[&str] = &[
    "{{",
    "}}",
    "{{-",
    "-}}",
    " ",
    "\n",
    ".",
    ".a",
    ".a.b",
    "$",
    "$x",
    ":=",
    "=",
    "|",
    "(",
    ")",
    "if",
    "else",
    "end",
    "range",
    "with",
    "define",
    "template",
    "block",
    "break",
    "continue",
    "nil",
    "true",
    "\"s\"",
    "`raw`",
    "'c'",
    "1",
    "-2",
    "0x1F",
    "1e400",
    "1.5",
    "3i",
    "1+2i",
    "99999999999999999999",
    "and",
    "or",
    "not",
    "len",
    "index",
    "slice",
    "print",
    "printf",
    "\"%d %s %v %q %x %!\"",
    "println",
    "html",
    "js",
    "urlquery",
    "call",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "echo",
    "fail",
    "/*",
    "*/",
    ",",
    "{{/* c */}}",
    "\"x\"",
    "text",
    "é",
    "\\",
];

fn data() -> Value {
    let mut inner = BTreeMap::new();
    inner.insert("b".to_string(), Value::list(vec![Value::int(1), Value::from("two"), Value::nil()]));
    let mut m = BTreeMap::new();
    m.insert("a".to_string(), Value::map(inner));
    m.insert("n".to_string(), Value::nil());
    m.insert("f".to_string(), Value::float64(1e6));
    Value::map(m)
}

fn set() -> TemplateSet {
    let mut set = TemplateSet::new("fuzz");
    set.add_func("echo", Function::new([Type::Interface], |_, a| Ok(a[0].clone())));
    set.add_func("fail", Function::new([], |_, _| Err("boom".into())));
    // Cheap recursion so runaway templates end quickly.
    set.set_max_exec_depth(200);
    set
}

fn run(text: &str) {
    let mut set = set();
    if set.parse("t", text).is_ok() {
        let _ = set.execute("t", &data());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn glued_fragments_never_panic(parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..40)) {
        run(&parts.concat());
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        run(&text);
        run(&format!("{{{{{text}}}}}"));
    }

    #[test]
    fn printf_never_panics(format in "[%#+ 0-9.*\\[\\]a-zA-Z!]{0,30}", n in any::<i64>(), f in any::<f64>()) {
        let _ = ferry_gotmpl::gofmt::sprintf(&format, &[Value::int(n), Value::float64(f), Value::from("s"), Value::nil()]);
    }
}

#[test]
fn deeply_nested_constructs_are_bounded() {
    // Deep nesting in the parser and executor runs on growable stacks.
    let deep_if = format!("{}x{}", "{{if true}}".repeat(5000), "{{end}}".repeat(5000));
    let mut s = set();
    s.parse("t", &deep_if).unwrap();
    assert_eq!(s.execute("t", &Value::Invalid).unwrap(), "x");
    let deep_parens = format!("{{{{{}1{}}}}}", "(".repeat(20000), ")".repeat(20000));
    let err = set().parse("t", &deep_parens).unwrap_err().to_string();
    assert!(err.ends_with("max expression depth exceeded"), "{err}");
    let mut s = set();
    s.parse("t", r#"{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}"#).unwrap();
    let err = s.execute("t", &Value::Invalid).unwrap_err().to_string();
    assert!(err.ends_with("exceeded maximum template depth (200)"), "{err}");
}
