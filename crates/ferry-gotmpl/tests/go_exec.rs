//! Table-driven tests ported from Go's `src/text/template/exec_test.go`
//! (execTests, cmpTests, TestExecError, TestMissingMapKey, TestBlock,
//! TestDelims, TestTree, TestInterfaceValues, TestExecutePanicDuringCall,
//! TestFunctionCheckDuringCall, TestMaxExecDepth, ...). Expected outputs are
//! Go's. Go's test struct `T` is rebuilt as a [`Struct`] object; cases that
//! need Go features this value model does not have (pointers to basic
//! types, channels, iterator funcs, non-empty interface types, unsafe
//! pointers, int-keyed map printing) are left out.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferry_gotmpl::{FuncError, Function, IntKind, Struct, TemplateSet, Type, UintKind, Value};

fn ints(v: &[i64]) -> Value {
    Value::typed_list(Type::Slice(Arc::new(Type::Int)), v.iter().map(|&i| Value::int(i)).collect())
}

fn msi(pairs: &[(&str, i64)]) -> Value {
    let m: BTreeMap<String, Value> = pairs.iter().map(|(k, v)| (k.to_string(), Value::int(*v))).collect();
    Value::typed_map(Type::Map(Arc::new(Type::String), Arc::new(Type::Int)), m)
}

fn int_keyed(key: Type, pairs: &[(i64, &str)]) -> Value {
    let m: BTreeMap<String, Value> = pairs.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect();
    Value::typed_map(Type::Map(Arc::new(key), Arc::new(Type::String)), m)
}

fn u(v: &str) -> Value {
    Value::object(Struct::new("*template.U").with_field("V", Value::from(v)).with_method(
        "TrueFalse",
        Function::new([Type::Bool], |_, a| Ok(Value::from(if a[0].is_true() { "true" } else { "" }))),
    ))
}

fn t_val() -> Value {
    let string = Type::String;
    let bin = Function::new([string.clone(), string.clone()], |_, a| {
        Ok(Value::from(format!("[{}={}]", a[0].as_str().unwrap_or(""), a[1].as_str().unwrap_or(""))))
    })
    .returns(Type::String);
    let var = Function::variadic([], Type::String, |_, a| {
        let parts: Vec<&str> = a.iter().map(|v| v.as_str().unwrap_or("")).collect();
        Ok(Value::from(format!("<{}>", parts.join("+"))))
    })
    .returns(Type::String);
    let var_int = Function::variadic([Type::Int], Type::String, |_, a| {
        let parts: Vec<&str> = a[1..].iter().map(|v| v.as_str().unwrap_or("")).collect();
        Ok(Value::from(format!("{}=<{}>", a[0], parts.join("+"))))
    });
    let nil_ok = Function::new([Type::Pointer(Arc::new(Type::Int))], |_, a| Ok(Value::Bool(a[0].is_nil())));
    let err_func = Function::new([], |_, _| Ok(Value::from("bla")));
    let panic_func = Function::new([], |_, _| Err(FuncError::new("test panic")));
    let u_obj = u("v");
    let base = Struct::new("*template.T")
        .with_field("True", Value::Bool(true))
        .with_field("I", Value::int(17))
        .with_field("U16", Value::Uint(16, UintKind::Uint16))
        .with_field("X", Value::from("x"))
        .with_field("S", Value::from("xyz"))
        .with_field("FloatZero", Value::float64(0.0))
        .with_field("ComplexZero", Value::Complex(0.0, 0.0))
        .with_field("U", u_obj.clone())
        .with_field("V0", Value::object(Struct::new("template.V").with_string("<6666>")))
        .with_field("V1", Value::object(Struct::new("*template.V").with_string("<7777>")))
        .with_field("V2", Value::object(Struct::new("*template.V").with_string("nilV")))
        .with_field("W0", Value::object(Struct::new("template.W").with_string("[888]")))
        .with_field("W1", Value::object(Struct::new("*template.W").with_string("[999]")))
        .with_field("W2", Value::object(Struct::new("*template.W").with_string("nilW")))
        .with_field("SI", ints(&[3, 4, 5]))
        .with_field("SIEmpty", ints(&[]))
        .with_field(
            "SB",
            Value::typed_list(Type::Slice(Arc::new(Type::Bool)), vec![Value::Bool(true), Value::Bool(false)]),
        )
        .with_field(
            "AI",
            Value::typed_list(
                Type::named("[3]int", Type::Slice(Arc::new(Type::Int))),
                vec![Value::int(3), Value::int(4), Value::int(5)],
            ),
        )
        .with_field("MSI", msi(&[("one", 1), ("two", 2), ("three", 3)]))
        .with_field("MSIone", msi(&[("one", 1)]))
        .with_field("MSIEmpty", msi(&[]))
        .with_field(
            "MXI",
            Value::typed_map(
                Type::Map(Arc::new(Type::Interface), Arc::new(Type::Int)),
                [("one".to_string(), Value::int(1))].into_iter().collect(),
            ),
        )
        .with_field(
            "MII",
            Value::typed_map(
                Type::Map(Arc::new(Type::Int), Arc::new(Type::Int)),
                [("1".to_string(), Value::int(1))].into_iter().collect(),
            ),
        )
        .with_field("MI32S", int_keyed(Type::Int32, &[(1, "one"), (2, "two")]))
        .with_field("MI64S", int_keyed(Type::Int64, &[(2, "i642"), (3, "i643")]))
        .with_field("MUI64S", int_keyed(Type::Uint64, &[(2, "ui642"), (3, "ui643")]))
        .with_field("MI8S", int_keyed(Type::Int8, &[(2, "i82"), (3, "i83")]))
        .with_field("MUI8S", int_keyed(Type::Uint8, &[(2, "u82"), (3, "u83")]))
        .with_field(
            "SMSI",
            Value::typed_list(
                Type::Slice(Arc::new(Type::Map(Arc::new(Type::String), Arc::new(Type::Int)))),
                vec![msi(&[("one", 1), ("two", 2)]), msi(&[("eleven", 11), ("twelve", 12)])],
            ),
        )
        .with_field("Empty0", Value::nil())
        .with_field("Empty1", Value::int(3))
        .with_field("Empty2", Value::from("empty2"))
        .with_field("Empty3", ints(&[7, 8]))
        .with_field("Empty4", u("UinEmpty"))
        .with_field("Str", Value::object(Struct::new("*bytes.Buffer").with_string("foozle")))
        .with_field("Err", Value::object(Struct::new("*errors.errorString").with_string("erroozle")))
        .with_field("NIL", Value::Nil(Type::Pointer(Arc::new(Type::Int))))
        .with_field("PS", Value::Nil(Type::Pointer(Arc::new(Type::String))))
        .with_field("BinaryFunc", Value::Func(bin))
        .with_field("VariadicFunc", Value::Func(var))
        .with_field("VariadicFuncInt", Value::Func(var_int))
        .with_field("NilOKFunc", Value::Func(nil_ok))
        .with_field("ErrFunc", Value::Func(err_func))
        .with_field("PanicFunc", Value::Func(panic_func));
    let methods = base
        .clone()
        .with_method("Method0", Function::new([], |_, _| Ok(Value::from("M0"))))
        .with_method("Method1", Function::new([Type::Int], |_, a| Ok(a[0].clone())))
        .with_method(
            "Method2",
            Function::new([Type::Uint16, Type::String], |_, a| {
                Ok(Value::from(format!("Method2: {} {}", a[0], a[1].as_str().unwrap_or(""))))
            }),
        )
        .with_method(
            "Method3",
            Function::new([Type::Interface], |_, a| {
                Ok(Value::from(format!("Method3: {}", ferry_gotmpl::gofmt::sprint(&a[..1]))))
            }),
        )
        .with_method(
            "MAdd",
            Function::new([Type::Int, Type::Slice(Arc::new(Type::Int))], |_, a| {
                let Value::Int(n, _) = a[0] else { return Err("bad".into()) };
                let items = a[1].as_list().map(|l| l.items.clone()).unwrap_or_default();
                let out: Vec<i64> = items.iter().map(|v| if let Value::Int(x, _) = v { x + n } else { 0 }).collect();
                Ok(ints(&out))
            }),
        )
        .with_method(
            "MyError",
            Function::new([Type::Bool], |_, a| {
                if a[0].is_true() { Err(FuncError::new("my error")) } else { Ok(Value::Bool(false)) }
            }),
        )
        .with_method("GetU", Function::new([], move |_, _| Ok(u_obj.clone())));
    let copy = Value::object(methods.clone());
    Value::object(methods.with_method("Copy", Function::new([], move |_, _| Ok(copy.clone()))))
}

fn funcs() -> Vec<(&'static str, Function)> {
    vec![
        (
            "add",
            Function::variadic([], Type::Int, |_, a| {
                Ok(Value::int(a.iter().map(|v| if let Value::Int(i, _) = v { *i } else { 0 }).sum()))
            }),
        ),
        (
            "dddArg",
            Function::variadic([Type::Int], Type::String, |_, a| Ok(Value::from(format!("{} {:?}\n", a[0], &a[1..])))),
        ),
        ("die", Function::new([], |_, _| Err(FuncError::new("die")))),
        ("echo", Function::new([Type::Interface], |_, a| Ok(a[0].clone()))),
        (
            "makemap",
            Function::variadic([], Type::String, |_, a| {
                if a.len() % 2 != 0 {
                    return Err("bad makemap".into());
                }
                let m: BTreeMap<String, Value> =
                    a.chunks(2).map(|p| (p[0].as_str().unwrap_or("").to_string(), p[1].clone())).collect();
                Ok(Value::typed_map(Type::Map(Arc::new(Type::String), Arc::new(Type::String)), m))
            }),
        ),
        ("mapOfThree", Function::new([], |_, _| Ok(msi(&[("three", 3)])))),
        (
            "oneArg",
            Function::new([Type::String], |_, a| Ok(Value::from(format!("oneArg={}", a[0].as_str().unwrap_or(""))))),
        ),
        ("returnInt", Function::new([], |_, _| Ok(Value::int(7)))),
        (
            "twoArgs",
            Function::new([Type::String, Type::String], |_, a| {
                Ok(Value::from(format!("twoArgs={}{}", a[0].as_str().unwrap_or(""), a[1].as_str().unwrap_or(""))))
            }),
        ),
        ("typeOf", Function::new([Type::Interface], |_, a| Ok(Value::from(a[0].type_name())))),
        ("valueString", Function::new([Type::String], |_, _| Ok(Value::from("value is ignored")))),
        ("zeroArgs", Function::new([], |_, _| Ok(Value::from("zeroArgs")))),
    ]
}

fn run(name: &str, input: &str, data: &Value) -> Result<String, ferry_gotmpl::Error> {
    let mut set = TemplateSet::new(name);
    set.add_funcs(funcs());
    set.parse(name, input)?;
    set.execute(name, data)
}

/// Go's `execTests` (the applicable ones): (name, input, output, data, ok).
#[test]
fn exec_tests() {
    let t = t_val();
    let nil = Value::Invalid;
    let big_int = format!("0x{:x}", i64::MAX);
    let big_uint = format!("0x{:x}", 1u64 << 63);
    let ideal_int = format!("{{{{typeOf {big_int}}}}}");
    let ideal_too_big = format!("{{{{typeOf {big_uint}}}}}");
    let tests: Vec<(&str, &str, &str, Value, bool)> = vec![
        ("empty", "", "", nil.clone(), true),
        ("text", "some text", "some text", nil.clone(), true),
        ("nil action", "{{nil}}", "", nil.clone(), false),
        ("ideal int", "{{typeOf 3}}", "int", Value::int(0), true),
        ("ideal float", "{{typeOf 1.0}}", "float64", Value::int(0), true),
        ("ideal exp float", "{{typeOf 1e1}}", "float64", Value::int(0), true),
        ("ideal complex", "{{typeOf 1i}}", "complex128", Value::int(0), true),
        ("ideal int", &ideal_int, "int", Value::int(0), true),
        ("ideal too big", &ideal_too_big, "", Value::int(0), false),
        ("ideal nil without type", "{{nil}}", "", Value::int(0), false),
        (".X", "-{{.X}}-", "-x-", t.clone(), true),
        (".U.V", "-{{.U.V}}-", "-v-", t.clone(), true),
        (".unexported", "{{.unexported}}", "", t.clone(), false),
        ("map .one", "{{.MSI.one}}", "1", t.clone(), true),
        ("map .two", "{{.MSI.two}}", "2", t.clone(), true),
        ("map .NO", "{{.MSI.NO}}", "<no value>", t.clone(), true),
        ("map .one interface", "{{.MXI.one}}", "1", t.clone(), true),
        ("map .WRONG args", "{{.MSI.one 1}}", "", t.clone(), false),
        ("map .WRONG type", "{{.MII.one}}", "", t.clone(), false),
        ("dot int", "<{{.}}>", "<13>", Value::int(13), true),
        ("dot uint", "<{{.}}>", "<14>", Value::Uint(14, UintKind::Uint), true),
        ("dot float", "<{{.}}>", "<15.1>", Value::float64(15.1), true),
        ("dot bool", "<{{.}}>", "<true>", Value::Bool(true), true),
        ("dot complex", "<{{.}}>", "<(16.2-17i)>", Value::Complex(16.2, -17.0), true),
        ("dot string", "<{{.}}>", "<hello>", Value::from("hello"), true),
        ("dot slice", "<{{.}}>", "<[-1 -2 -3]>", ints(&[-1, -2, -3]), true),
        ("dot map", "<{{.}}>", "<map[two:22]>", msi(&[("two", 22)]), true),
        (
            "dot struct",
            "<{{.}}>",
            "<{7 seven}>",
            Value::object(
                Struct::new("struct { a int; b string }")
                    .with_field("a", Value::int(7))
                    .with_field("b", Value::from("seven")),
            ),
            true,
        ),
        ("$ int", "{{$}}", "123", Value::int(123), true),
        ("$.I", "{{$.I}}", "17", t.clone(), true),
        ("$.U.V", "{{$.U.V}}", "v", t.clone(), true),
        ("declare in action", "{{$x := $.U.V}}{{$x}}", "v", t.clone(), true),
        ("simple assignment", "{{$x := 2}}{{$x = 3}}{{$x}}", "3", t.clone(), true),
        ("nested assignment", "{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{$x}}", "3", t.clone(), true),
        (
            "nested assignment changes the last declaration",
            "{{$x := 1}}{{if true}}{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{end}}{{$x}}",
            "1",
            t.clone(),
            true,
        ),
        ("V{6666}.String()", "-{{.V0}}-", "-<6666>-", t.clone(), true),
        ("&V{7777}.String()", "-{{.V1}}-", "-<7777>-", t.clone(), true),
        ("(*V)(nil).String()", "-{{.V2}}-", "-nilV-", t.clone(), true),
        ("W{888}.Error()", "-{{.W0}}-", "-[888]-", t.clone(), true),
        ("&W{999}.Error()", "-{{.W1}}-", "-[999]-", t.clone(), true),
        ("(*W)(nil).Error()", "-{{.W2}}-", "-nilW-", t.clone(), true),
        ("NIL", "{{.NIL}}", "<nil>", t.clone(), true),
        ("empty nil", "{{.Empty0}}", "<no value>", t.clone(), true),
        ("empty with int", "{{.Empty1}}", "3", t.clone(), true),
        ("empty with string", "{{.Empty2}}", "empty2", t.clone(), true),
        ("empty with slice", "{{.Empty3}}", "[7 8]", t.clone(), true),
        ("empty with struct", "{{.Empty4}}", "{UinEmpty}", t.clone(), true),
        ("empty with struct, field", "{{.Empty4.V}}", "UinEmpty", t.clone(), true),
        ("field on interface", "{{.foo}}", "<no value>", nil.clone(), true),
        ("field on parenthesized interface", "{{(.).foo}}", "<no value>", nil.clone(), true),
        ("unparenthesized non-function", "{{1 2}}", "", nil.clone(), false),
        ("parenthesized non-function", "{{(1) 2}}", "", nil.clone(), false),
        ("parenthesized non-function with no args", "{{(1)}}", "1", nil.clone(), true),
        (".Method0", "-{{.Method0}}-", "-M0-", t.clone(), true),
        (".Method1(1234)", "-{{.Method1 1234}}-", "-1234-", t.clone(), true),
        (".Method1(.I)", "-{{.Method1 .I}}-", "-17-", t.clone(), true),
        (".Method2(3, .X)", "-{{.Method2 3 .X}}-", "-Method2: 3 x-", t.clone(), true),
        (".Method2(.U16, `str`)", "-{{.Method2 .U16 `str`}}-", "-Method2: 16 str-", t.clone(), true),
        (".Method2(.U16, $x)", "{{if $x := .X}}-{{.Method2 .U16 $x}}{{end}}-", "-Method2: 16 x-", t.clone(), true),
        (".Method3(nil constant)", "-{{.Method3 nil}}-", "-Method3: <nil>-", t.clone(), true),
        (".Method3(nil value)", "-{{.Method3 .MXI.unset}}-", "-Method3: <nil>-", t.clone(), true),
        ("method on var", "{{if $x := .}}-{{$x.Method2 .U16 $x.X}}{{end}}-", "-Method2: 16 x-", t.clone(), true),
        (
            "method on chained var",
            "{{range .MSIone}}{{if $.U.TrueFalse $.True}}{{$.U.TrueFalse $.True}}{{else}}WRONG{{end}}{{end}}",
            "true",
            t.clone(),
            true,
        ),
        (
            "chained method",
            "{{range .MSIone}}{{if $.GetU.TrueFalse $.True}}{{$.U.TrueFalse $.True}}{{else}}WRONG{{end}}{{end}}",
            "true",
            t.clone(),
            true,
        ),
        (
            "chained method on variable",
            "{{with $x := .}}{{with .SI}}{{$.GetU.TrueFalse $.True}}{{end}}{{end}}",
            "true",
            t.clone(),
            true,
        ),
        (".NilOKFunc nil", "{{call .NilOKFunc nil}}", "true", t.clone(), true),
        (".BinaryFunc", "{{call .BinaryFunc `1` `2`}}", "[1=2]", t.clone(), true),
        (".VariadicFunc0", "{{call .VariadicFunc}}", "<>", t.clone(), true),
        (".VariadicFunc2", "{{call .VariadicFunc `he` `llo`}}", "<he+llo>", t.clone(), true),
        (".VariadicFuncInt", "{{call .VariadicFuncInt 33 `he` `llo`}}", "33=<he+llo>", t.clone(), true),
        ("if .BinaryFunc call", "{{ if .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{end}}", "[1=2]", t.clone(), true),
        (
            "if not .BinaryFunc call",
            "{{ if not .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{else}}No{{end}}",
            "No",
            t.clone(),
            true,
        ),
        (".ErrFunc", "{{call .ErrFunc}}", "bla", t.clone(), true),
        ("call nil", "{{call nil}}", "", t.clone(), false),
        ("empty call", "{{call}}", "", t.clone(), false),
        ("empty call after pipe valid", "{{.ErrFunc | call}}", "bla", t.clone(), true),
        ("empty call after pipe invalid", "{{1 | call}}", "", t.clone(), false),
        (".BinaryFuncTooFew", "{{call .BinaryFunc `1`}}", "", t.clone(), false),
        (".BinaryFuncTooMany", "{{call .BinaryFunc `1` `2` `3`}}", "", t.clone(), false),
        (".BinaryFuncBad0", "{{call .BinaryFunc 1 3}}", "", t.clone(), false),
        (".BinaryFuncBad1", "{{call .BinaryFunc `1` 3}}", "", t.clone(), false),
        (".VariadicFuncBad0", "{{call .VariadicFunc 3}}", "", t.clone(), false),
        (".VariadicFuncIntBad0", "{{call .VariadicFuncInt}}", "", t.clone(), false),
        (".VariadicFuncIntBad`", "{{call .VariadicFuncInt `x`}}", "", t.clone(), false),
        (".VariadicFuncNilBad", "{{call .VariadicFunc nil}}", "", t.clone(), false),
        ("pipeline", "-{{.Method0 | .Method2 .U16}}-", "-Method2: 16 M0-", t.clone(), true),
        ("pipeline func", "-{{call .VariadicFunc `llo` | call .VariadicFunc `he` }}-", "-<he+<llo>>-", t.clone(), true),
        ("nil pipeline", "{{ .Empty0 | call .NilOKFunc }}", "true", t.clone(), true),
        ("nil call arg", "{{ call .NilOKFunc .Empty0 }}", "true", t.clone(), true),
        ("bad nil pipeline", "{{ .Empty0 | .VariadicFunc }}", "", t.clone(), false),
        ("parens in pipeline", "{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}", "1 5 15", t.clone(), true),
        ("parens: $ in paren", "{{($).X}}", "x", t.clone(), true),
        ("parens: $.GetU in paren", "{{($.GetU).V}}", "v", t.clone(), true),
        ("parens: $ in paren in pipe", "{{($ | echo).X}}", "x", t.clone(), true),
        ("parens: spaces and args", r#"{{(makemap "up" "down" "left" "right").left}}"#, "right", t.clone(), true),
        ("if true", "{{if true}}TRUE{{end}}", "TRUE", t.clone(), true),
        ("if false", "{{if false}}TRUE{{else}}FALSE{{end}}", "FALSE", t.clone(), true),
        ("if nil", "{{if nil}}TRUE{{end}}", "", t.clone(), false),
        ("if 1", "{{if 1}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO", t.clone(), true),
        ("if 0", "{{if 0}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", t.clone(), true),
        ("if 1.5", "{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO", t.clone(), true),
        ("if 0.0", "{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", t.clone(), true),
        ("if 1.5i", "{{if 1.5i}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO", t.clone(), true),
        ("if 0.0i", "{{if .ComplexZero}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", t.clone(), true),
        ("if nilPointer", "{{if .NIL}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", t.clone(), true),
        ("if emptystring", "{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", t.clone(), true),
        ("if string", "{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", t.clone(), true),
        ("if emptyslice", "{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", t.clone(), true),
        ("if slice", "{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", t.clone(), true),
        ("if emptymap", "{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY", t.clone(), true),
        ("if map", "{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY", t.clone(), true),
        ("if map unset", "{{if .MXI.none}}NON-ZERO{{else}}ZERO{{end}}", "ZERO", t.clone(), true),
        ("if map not unset", "{{if not .MXI.none}}ZERO{{else}}NON-ZERO{{end}}", "ZERO", t.clone(), true),
        (
            "if $x with $y int",
            "{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}",
            "true,17",
            t.clone(),
            true,
        ),
        (
            "if $x with $x int",
            "{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}",
            "17,true",
            t.clone(),
            true,
        ),
        ("if else if", "{{if false}}FALSE{{else if true}}TRUE{{end}}", "TRUE", t.clone(), true),
        ("if else chain", "{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}", "3", t.clone(), true),
        ("print", r#"{{print "hello, print"}}"#, "hello, print", t.clone(), true),
        ("print 123", "{{print 1 2 3}}", "1 2 3", t.clone(), true),
        ("print nil", "{{print nil}}", "<nil>", t.clone(), true),
        ("println", "{{println 1 2 3}}", "1 2 3\n", t.clone(), true),
        ("printf int", r#"{{printf "%04x" 127}}"#, "007f", t.clone(), true),
        ("printf float", r#"{{printf "%g" 3.5}}"#, "3.5", t.clone(), true),
        ("printf complex", r#"{{printf "%g" 1+7i}}"#, "(1+7i)", t.clone(), true),
        ("printf string", r#"{{printf "%s" "hello"}}"#, "hello", t.clone(), true),
        ("printf function", r#"{{printf "%#q" zeroArgs}}"#, "`zeroArgs`", t.clone(), true),
        ("printf field", r#"{{printf "%s" .U.V}}"#, "v", t.clone(), true),
        ("printf method", r#"{{printf "%s" .Method0}}"#, "M0", t.clone(), true),
        ("printf dot", r#"{{with .I}}{{printf "%d" .}}{{end}}"#, "17", t.clone(), true),
        ("printf var", r#"{{with $x := .I}}{{printf "%d" $x}}{{end}}"#, "17", t.clone(), true),
        (
            "printf lots",
            r#"{{printf "%d %s %g %s" 127 "hello" 7-3i .Method0}}"#,
            "127 hello (7-3i) M0",
            t.clone(),
            true,
        ),
        (
            "html",
            r#"{{html "<script>alert(\"XSS\");</script>"}}"#,
            "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;",
            nil.clone(),
            true,
        ),
        (
            "html pipeline",
            r#"{{printf "<script>alert(\"XSS\");</script>" | html}}"#,
            "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;",
            nil.clone(),
            true,
        ),
        ("html typed nil", "{{html .NIL}}", "&lt;nil&gt;", t.clone(), true),
        ("html untyped nil", "{{html .Empty0}}", "&lt;no value&gt;", t.clone(), true),
        ("js", "{{js .}}", r"It\'d be nice.", Value::from("It'd be nice."), true),
        ("urlquery", r#"{{"http://www.example.org/"|urlquery}}"#, "http%3A%2F%2Fwww.example.org%2F", nil.clone(), true),
        ("not", "{{not true}} {{not false}}", "false true", nil.clone(), true),
        ("and", "{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}", "false 0 0 1", nil.clone(), true),
        ("or", "{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}", "0 1 true 1", nil.clone(), true),
        ("or short-circuit", "{{or 0 1 (die)}}", "1", nil.clone(), true),
        ("and short-circuit", "{{and 1 0 (die)}}", "0", nil.clone(), true),
        ("or short-circuit2", "{{or 0 0 (die)}}", "", nil.clone(), false),
        ("and short-circuit2", "{{and 1 1 (die)}}", "", nil.clone(), false),
        ("and pipe-true", "{{1 | and 1}}", "1", nil.clone(), true),
        ("and pipe-false", "{{0 | and 1}}", "0", nil.clone(), true),
        ("or pipe-true", "{{1 | or 0}}", "1", nil.clone(), true),
        ("or pipe-false", "{{0 | or 0}}", "0", nil.clone(), true),
        ("and undef", "{{and 1 .Unknown}}", "<no value>", nil.clone(), true),
        ("or undef", "{{or 0 .Unknown}}", "<no value>", nil.clone(), true),
        ("boolean if", "{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}", "TRUE", t.clone(), true),
        ("boolean if not", "{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}", "FALSE", nil.clone(), true),
        ("boolean if pipe", "{{if true | not | and 1}}TRUE{{else}}FALSE{{end}}", "FALSE", nil.clone(), true),
        ("slice[0]", "{{index .SI 0}}", "3", t.clone(), true),
        ("slice[1]", "{{index .SI 1}}", "4", t.clone(), true),
        ("slice[HUGE]", "{{index .SI 10}}", "", t.clone(), false),
        ("slice[WRONG]", "{{index .SI `hello`}}", "", t.clone(), false),
        ("slice[nil]", "{{index .SI nil}}", "", t.clone(), false),
        ("map[one]", "{{index .MSI `one`}}", "1", t.clone(), true),
        ("map[two]", "{{index .MSI `two`}}", "2", t.clone(), true),
        ("map[NO]", "{{index .MSI `XXX`}}", "0", t.clone(), true),
        ("map[nil]", "{{index .MSI nil}}", "", t.clone(), false),
        ("map[``]", "{{index .MSI ``}}", "0", t.clone(), true),
        ("map[WRONG]", "{{index .MSI 10}}", "", t.clone(), false),
        ("double index", "{{index .SMSI 1 `eleven`}}", "11", t.clone(), true),
        ("nil[1]", "{{index nil 1}}", "", t.clone(), false),
        ("map MI64S", "{{index .MI64S 2}}", "i642", t.clone(), true),
        ("map MI32S", "{{index .MI32S 2}}", "two", t.clone(), true),
        ("map MUI64S", "{{index .MUI64S 3}}", "ui643", t.clone(), true),
        ("map MI8S", "{{index .MI8S 3}}", "i83", t.clone(), true),
        ("map MUI8S", "{{index .MUI8S 2}}", "u82", t.clone(), true),
        ("index of an interface field", "{{index .Empty3 0}}", "7", t.clone(), true),
        ("slice[:]", "{{slice .SI}}", "[3 4 5]", t.clone(), true),
        ("slice[1:]", "{{slice .SI 1}}", "[4 5]", t.clone(), true),
        ("slice[1:2]", "{{slice .SI 1 2}}", "[4]", t.clone(), true),
        ("slice[-1:]", "{{slice .SI -1}}", "", t.clone(), false),
        ("slice[1:-2]", "{{slice .SI 1 -2}}", "", t.clone(), false),
        ("slice[1:2:-1]", "{{slice .SI 1 2 -1}}", "", t.clone(), false),
        ("slice[2:1]", "{{slice .SI 2 1}}", "", t.clone(), false),
        ("slice[2:2:1]", "{{slice .SI 2 2 1}}", "", t.clone(), false),
        ("out of range", "{{slice .SI 4 5}}", "", t.clone(), false),
        ("out of range", "{{slice .SI 2 2 5}}", "", t.clone(), false),
        ("array[:]", "{{slice .AI}}", "[3 4 5]", t.clone(), true),
        ("array[1:]", "{{slice .AI 1}}", "[4 5]", t.clone(), true),
        ("array[1:2]", "{{slice .AI 1 2}}", "[4]", t.clone(), true),
        ("string[:]", "{{slice .S}}", "xyz", t.clone(), true),
        ("string[0:1]", "{{slice .S 0 1}}", "x", t.clone(), true),
        ("string[1:]", "{{slice .S 1}}", "yz", t.clone(), true),
        ("string[1:2]", "{{slice .S 1 2}}", "y", t.clone(), true),
        ("out of range", "{{slice .S 1 5}}", "", t.clone(), false),
        ("3-index slice of string", "{{slice .S 1 2 2}}", "", t.clone(), false),
        ("slice of an interface field", "{{slice .Empty3 0 1}}", "[7]", t.clone(), true),
        ("slice", "{{len .SI}}", "3", t.clone(), true),
        ("map", "{{len .MSI }}", "3", t.clone(), true),
        ("len of int", "{{len 3}}", "", t.clone(), false),
        ("len of nothing", "{{len .Empty0}}", "", t.clone(), false),
        ("len of an interface field", "{{len .Empty3}}", "2", t.clone(), true),
        ("with true", "{{with true}}{{.}}{{end}}", "true", t.clone(), true),
        ("with false", "{{with false}}{{.}}{{else}}FALSE{{end}}", "FALSE", t.clone(), true),
        ("with 1", "{{with 1}}{{.}}{{else}}ZERO{{end}}", "1", t.clone(), true),
        ("with 0", "{{with 0}}{{.}}{{else}}ZERO{{end}}", "ZERO", t.clone(), true),
        ("with 1.5", "{{with 1.5}}{{.}}{{else}}ZERO{{end}}", "1.5", t.clone(), true),
        ("with 0.0", "{{with .FloatZero}}{{.}}{{else}}ZERO{{end}}", "ZERO", t.clone(), true),
        ("with 1.5i", "{{with 1.5i}}{{.}}{{else}}ZERO{{end}}", "(0+1.5i)", t.clone(), true),
        ("with 0.0i", "{{with .ComplexZero}}{{.}}{{else}}ZERO{{end}}", "ZERO", t.clone(), true),
        ("with emptystring", "{{with ``}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", t.clone(), true),
        ("with string", "{{with `notempty`}}{{.}}{{else}}EMPTY{{end}}", "notempty", t.clone(), true),
        ("with emptyslice", "{{with .SIEmpty}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", t.clone(), true),
        ("with slice", "{{with .SI}}{{.}}{{else}}EMPTY{{end}}", "[3 4 5]", t.clone(), true),
        ("with emptymap", "{{with .MSIEmpty}}{{.}}{{else}}EMPTY{{end}}", "EMPTY", t.clone(), true),
        ("with map", "{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}", "map[one:1]", t.clone(), true),
        ("with empty interface, struct field", "{{with .Empty4}}{{.V}}{{end}}", "UinEmpty", t.clone(), true),
        ("with $x int", "{{with $x := .I}}{{$x}}{{end}}", "17", t.clone(), true),
        ("with $x struct.U.V", "{{with $x := $}}{{$x.U.V}}{{end}}", "v", t.clone(), true),
        ("with variable and action", "{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}", "v", t.clone(), true),
        ("with else with", "{{with 0}}{{.}}{{else with true}}{{.}}{{end}}", "true", t.clone(), true),
        (
            "with else with chain",
            "{{with 0}}{{.}}{{else with false}}{{.}}{{else with `notempty`}}{{.}}{{end}}",
            "notempty",
            t.clone(),
            true,
        ),
        ("range []int", "{{range .SI}}-{{.}}-{{end}}", "-3--4--5-", t.clone(), true),
        ("range empty no else", "{{range .SIEmpty}}-{{.}}-{{end}}", "", t.clone(), true),
        ("range []int else", "{{range .SI}}-{{.}}-{{else}}EMPTY{{end}}", "-3--4--5-", t.clone(), true),
        ("range empty else", "{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", "EMPTY", t.clone(), true),
        (
            "range []int break else",
            "{{range .SI}}-{{.}}-{{break}}NOTREACHED{{else}}EMPTY{{end}}",
            "-3-",
            t.clone(),
            true,
        ),
        (
            "range []int continue else",
            "{{range .SI}}-{{.}}-{{continue}}NOTREACHED{{else}}EMPTY{{end}}",
            "-3--4--5-",
            t.clone(),
            true,
        ),
        ("range []bool", "{{range .SB}}-{{.}}-{{end}}", "-true--false-", t.clone(), true),
        ("range []int method", "{{range .SI | .MAdd .I}}-{{.}}-{{end}}", "-20--21--22-", t.clone(), true),
        ("range map", "{{range .MSI}}-{{.}}-{{end}}", "-1--3--2-", t.clone(), true),
        ("range empty map no else", "{{range .MSIEmpty}}-{{.}}-{{end}}", "", t.clone(), true),
        ("range map else", "{{range .MSI}}-{{.}}-{{else}}EMPTY{{end}}", "-1--3--2-", t.clone(), true),
        ("range empty map else", "{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}", "EMPTY", t.clone(), true),
        ("range empty interface", "{{range .Empty3}}-{{.}}-{{else}}EMPTY{{end}}", "-7--8-", t.clone(), true),
        ("range empty nil", "{{range .Empty0}}-{{.}}-{{end}}", "", t.clone(), true),
        ("range $x SI", "{{range $x := .SI}}<{{$x}}>{{end}}", "<3><4><5>", t.clone(), true),
        ("range $x $y SI", "{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}", "<0=3><1=4><2=5>", t.clone(), true),
        ("range $x MSIone", "{{range $x := .MSIone}}<{{$x}}>{{end}}", "<1>", t.clone(), true),
        ("range $x $y MSIone", "{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}", "<one=1>", t.clone(), true),
        (
            "range uintptr(0)",
            "{{range $v := .}}{{print $v}}{{else}}empty{{end}}",
            "empty",
            Value::Uint(0, UintKind::Uintptr),
            true,
        ),
        ("or as if true", r#"{{or .SI "slice is empty"}}"#, "[3 4 5]", t.clone(), true),
        ("or as if false", r#"{{or .SIEmpty "slice is empty"}}"#, "slice is empty", t.clone(), true),
        ("error method, error", "{{.MyError true}}", "", t.clone(), false),
        ("error method, no error", "{{.MyError false}}", "false", t.clone(), true),
        ("decimal", "{{print 1234}}", "1234", t.clone(), true),
        ("decimal _", "{{print 12_34}}", "1234", t.clone(), true),
        ("binary", "{{print 0b101}}", "5", t.clone(), true),
        ("binary _", "{{print 0b_1_0_1}}", "5", t.clone(), true),
        ("BINARY", "{{print 0B101}}", "5", t.clone(), true),
        ("octal0", "{{print 0377}}", "255", t.clone(), true),
        ("octal", "{{print 0o377}}", "255", t.clone(), true),
        ("octal _", "{{print 0o_3_7_7}}", "255", t.clone(), true),
        ("OCTAL", "{{print 0O377}}", "255", t.clone(), true),
        ("hex", "{{print 0x123}}", "291", t.clone(), true),
        ("hex _", "{{print 0x1_23}}", "291", t.clone(), true),
        ("HEX", "{{print 0X123ABC}}", "1194684", t.clone(), true),
        ("float", "{{print 123.4}}", "123.4", t.clone(), true),
        ("float _", "{{print 0_0_1_2_3.4}}", "123.4", t.clone(), true),
        ("hex float", "{{print +0x1.ep+2}}", "7.5", t.clone(), true),
        ("hex float _", "{{print +0x_1.e_0p+0_2}}", "7.5", t.clone(), true),
        ("HEX float", "{{print +0X1.EP+2}}", "7.5", t.clone(), true),
        ("print multi", "{{print 1_2_3_4 7.5_00_00_00}}", "1234 7.5", t.clone(), true),
        ("print multi2", "{{print 1234 0x0_1.e_0p+02}}", "1234 7.5", t.clone(), true),
        ("bug0", "{{range .MSIone}}{{if $.Method1 .}}X{{end}}{{end}}", "X", t.clone(), true),
        ("bug3", "{{with $}}{{.Method0}}{{end}}", "M0", t.clone(), true),
        ("bug4", "{{if .Empty0}}non-nil{{else}}nil{{end}}", "nil", t.clone(), true),
        ("bug5", "{{.Str}}", "foozle", t.clone(), true),
        ("bug5a", "{{.Err}}", "erroozle", t.clone(), true),
        ("bug7a", "{{3 2}}", "", t.clone(), false),
        ("bug7b", "{{$x := 1}}{{$x 2}}", "", t.clone(), false),
        ("bug7c", "{{$x := 1}}{{3 | $x}}", "", t.clone(), false),
        ("bug8a", "{{3|oneArg}}", "", t.clone(), false),
        ("bug8b", "{{4|dddArg 3}}", "", t.clone(), false),
        (
            "bug9",
            "{{.cause}}",
            "neglect",
            Value::typed_map(
                Type::Map(Arc::new(Type::String), Arc::new(Type::String)),
                [("cause".to_string(), Value::from("neglect"))].into_iter().collect(),
            ),
            true,
        ),
        ("bug10", "{{mapOfThree.three}}-{{(mapOfThree).three}}", "3-3", Value::int(0), true),
        ("bug11", "{{valueString .PS}}", "", t.clone(), false),
        ("bug12xe", "{{printf `%T` 0xef}}", "int", t.clone(), true),
        ("bug12xE", "{{printf `%T` 0xEE}}", "int", t.clone(), true),
        ("bug12Xe", "{{printf `%T` 0Xef}}", "int", t.clone(), true),
        ("bug12XE", "{{printf `%T` 0XEE}}", "int", t.clone(), true),
        ("bug13", "{{print (.Copy).I}}", "17", t.clone(), true),
        ("bug14a", "{{(nil).True}}", "", t.clone(), false),
        ("bug14b", "{{$x := nil}}{{$x.anything}}", "", t.clone(), false),
        ("bug14c", r#"{{$x := (1.0)}}{{$y := ("hello")}}{{$x.anything}}{{$y.true}}"#, "", t.clone(), false),
        ("bug15", "{{valueString returnInt}}", "", t.clone(), false),
        ("bug16a", "{{true|printf}}", "", t.clone(), false),
        ("bug16b", "{{1|printf}}", "", t.clone(), false),
        ("bug16c", "{{1.1|printf}}", "", t.clone(), false),
        ("bug16d", "{{'x'|printf}}", "", t.clone(), false),
        ("bug16e", "{{0i|printf}}", "", t.clone(), false),
        ("bug16f", "{{true|twoArgs \"xxx\"}}", "", t.clone(), false),
        ("bug16g", "{{\"aaa\" |twoArgs \"bbb\"}}", "twoArgs=bbbaaa", t.clone(), true),
        ("bug16h", "{{1|oneArg}}", "", t.clone(), false),
        ("bug16i", "{{\"aaa\"|oneArg}}", "oneArg=aaa", t.clone(), true),
        ("bug16j", "{{1+2i|printf \"%v\"}}", "(1+2i)", t.clone(), true),
        ("bug16k", "{{\"aaa\"|printf }}", "aaa", t.clone(), true),
        ("bug18a", "{{eq . '.'}}", "true", Value::Int('.' as i64, IntKind::Int32), true),
        ("bug18b", "{{eq . 'e'}}", "true", Value::Int('e' as i64, IntKind::Int32), true),
        ("bug18c", "{{eq . 'P'}}", "true", Value::Int('P' as i64, IntKind::Int32), true),
        ("issue56490", "{{$i := 0}}{{$x := 0}}{{range $i = .AI}}{{end}}{{$i}}", "5", t.clone(), true),
        (
            "issue60801",
            "{{$k := 0}}{{$v := 0}}{{range $k, $v = .AI}}{{$k}}={{$v}} {{end}}",
            "0=3 1=4 2=5 ",
            t.clone(),
            true,
        ),
    ];
    let mut failures = Vec::new();
    for (name, input, output, data, ok) in &tests {
        let mut set = TemplateSet::new(name);
        set.add_funcs(funcs());
        if let Err(e) = set.parse(name, input) {
            failures.push(format!("{name}: parse error: {e}"));
            continue;
        }
        let mut out = String::new();
        let result = set.execute_into(name, data, &mut out);
        match (ok, &result) {
            (false, Ok(())) => failures.push(format!("{name}: expected error; got none")),
            (true, Err(e)) => failures.push(format!("{name}: unexpected execute error: {e}")),
            _ => {}
        }
        if out != *output {
            failures.push(format!("{name}: expected {output:?} got {out:?}"));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// Go's `rangeTestInt` cases: ranging over an integer yields values of its type.
#[test]
fn range_over_integers() {
    let tmpl = r#"{{range $v := .}}{{printf "%T%d" $v $v}}{{end}}"#;
    let cases: Vec<(Value, &str)> = vec![
        (Value::Int(5, IntKind::Int8), "int8"),
        (Value::Int(5, IntKind::Int16), "int16"),
        (Value::Int(5, IntKind::Int32), "int32"),
        (Value::Int(5, IntKind::Int64), "int64"),
        (Value::int(5), "int"),
        (Value::Uint(5, UintKind::Uint8), "uint8"),
        (Value::Uint(5, UintKind::Uint16), "uint16"),
        (Value::Uint(5, UintKind::Uint32), "uint32"),
        (Value::Uint(5, UintKind::Uint64), "uint64"),
        (Value::Uint(5, UintKind::Uint), "uint"),
        (Value::Uint(5, UintKind::Uintptr), "uintptr"),
    ];
    for (data, ty) in cases {
        let want: String = (0..5).map(|i| format!("{ty}{i}")).collect();
        assert_eq!(run("range", tmpl, &data).unwrap(), want);
    }
    let want: String = (0..5).map(|i| format!("int{i}")).collect();
    assert_eq!(run("range 5", r#"{{range $v := 5}}{{printf "%T%d" $v $v}}{{end}}"#, &Value::Invalid).unwrap(), want);
    let err = run("two", "{{range $i, $v := 3}}{{end}}", &Value::Invalid).unwrap_err().to_string();
    assert!(err.ends_with("can't use 3 to iterate over more than one variable"), "{err}");
}

/// Go's `cmpTests` (TestComparison), minus cases needing non-nil `*int`
/// or struct value equality.
#[test]
fn comparisons() {
    let iface1 = Value::object(Struct::new("*strings.Builder"));
    let cmp = Value::object(
        Struct::new("*struct { Uthree uint; ... }")
            .with_field("Uthree", Value::Uint(3, UintKind::Uint))
            .with_field("Ufour", Value::Uint(4, UintKind::Uint))
            .with_field("NegOne", Value::int(-1))
            .with_field("Three", Value::int(3))
            .with_field("NilPtr", Value::Nil(Type::Pointer(Arc::new(Type::Int))))
            .with_field(
                "NonNilMap",
                Value::typed_map(Type::Map(Arc::new(Type::Int), Arc::new(Type::Int)), BTreeMap::new()),
            )
            .with_field("Map", Value::Nil(Type::Map(Arc::new(Type::Int), Arc::new(Type::Int))))
            .with_field("V1", Value::object(Struct::new("template.V")))
            .with_field("Iface1", iface1)
            .with_field("NilIface", Value::Nil(Type::Interface)),
    );
    let tests: &[(&str, &str, bool)] = &[
        ("eq true true", "true", true),
        ("eq true false", "false", true),
        ("eq 1+2i 1+2i", "true", true),
        ("eq 1+2i 1+3i", "false", true),
        ("eq 1.5 1.5", "true", true),
        ("eq 1.5 2.5", "false", true),
        ("eq 1 1", "true", true),
        ("eq 1 2", "false", true),
        ("eq `xy` `xy`", "true", true),
        ("eq `xy` `xyz`", "false", true),
        ("eq .Uthree .Uthree", "true", true),
        ("eq .Uthree .Ufour", "false", true),
        ("eq 3 4 5 6 3", "true", true),
        ("eq 3 4 5 6 7", "false", true),
        ("ne true true", "false", true),
        ("ne true false", "true", true),
        ("ne 1+2i 1+2i", "false", true),
        ("ne 1+2i 1+3i", "true", true),
        ("ne 1.5 1.5", "false", true),
        ("ne 1.5 2.5", "true", true),
        ("ne 1 1", "false", true),
        ("ne 1 2", "true", true),
        ("ne `xy` `xy`", "false", true),
        ("ne `xy` `xyz`", "true", true),
        ("ne .Uthree .Uthree", "false", true),
        ("ne .Uthree .Ufour", "true", true),
        ("lt 1.5 1.5", "false", true),
        ("lt 1.5 2.5", "true", true),
        ("lt 1 1", "false", true),
        ("lt 1 2", "true", true),
        ("lt `xy` `xy`", "false", true),
        ("lt `xy` `xyz`", "true", true),
        ("lt .Uthree .Uthree", "false", true),
        ("lt .Uthree .Ufour", "true", true),
        ("le 1.5 1.5", "true", true),
        ("le 1.5 2.5", "true", true),
        ("le 2.5 1.5", "false", true),
        ("le 1 1", "true", true),
        ("le 1 2", "true", true),
        ("le 2 1", "false", true),
        ("le `xy` `xy`", "true", true),
        ("le `xy` `xyz`", "true", true),
        ("le `xyz` `xy`", "false", true),
        ("le .Uthree .Uthree", "true", true),
        ("le .Uthree .Ufour", "true", true),
        ("le .Ufour .Uthree", "false", true),
        ("gt 1.5 1.5", "false", true),
        ("gt 1.5 2.5", "false", true),
        ("gt 1 1", "false", true),
        ("gt 2 1", "true", true),
        ("gt 1 2", "false", true),
        ("gt `xy` `xy`", "false", true),
        ("gt `xy` `xyz`", "false", true),
        ("gt .Uthree .Uthree", "false", true),
        ("gt .Uthree .Ufour", "false", true),
        ("gt .Ufour .Uthree", "true", true),
        ("ge 1.5 1.5", "true", true),
        ("ge 1.5 2.5", "false", true),
        ("ge 2.5 1.5", "true", true),
        ("ge 1 1", "true", true),
        ("ge 1 2", "false", true),
        ("ge 2 1", "true", true),
        ("ge `xy` `xy`", "true", true),
        ("ge `xy` `xyz`", "false", true),
        ("ge `xyz` `xy`", "true", true),
        ("ge .Uthree .Uthree", "true", true),
        ("ge .Uthree .Ufour", "false", true),
        ("ge .Ufour .Uthree", "true", true),
        ("eq .Uthree .Three", "true", true),
        ("eq .Three .Uthree", "true", true),
        ("le .Uthree .Three", "true", true),
        ("le .Three .Uthree", "true", true),
        ("ge .Uthree .Three", "true", true),
        ("ge .Three .Uthree", "true", true),
        ("lt .Uthree .Three", "false", true),
        ("lt .Three .Uthree", "false", true),
        ("gt .Uthree .Three", "false", true),
        ("gt .Three .Uthree", "false", true),
        ("eq .Ufour .Three", "false", true),
        ("lt .Ufour .Three", "false", true),
        ("gt .Ufour .Three", "true", true),
        ("eq .NegOne .Uthree", "false", true),
        ("eq .Uthree .NegOne", "false", true),
        ("ne .NegOne .Uthree", "true", true),
        ("ne .Uthree .NegOne", "true", true),
        ("lt .NegOne .Uthree", "true", true),
        ("lt .Uthree .NegOne", "false", true),
        ("le .NegOne .Uthree", "true", true),
        ("le .Uthree .NegOne", "false", true),
        ("gt .NegOne .Uthree", "false", true),
        ("gt .Uthree .NegOne", "true", true),
        ("ge .NegOne .Uthree", "false", true),
        ("ge .Uthree .NegOne", "true", true),
        ("eq (index `x` 0) 'x'", "true", true),
        ("eq (index `x` 0) 'y'", "false", true),
        ("eq .NilPtr .NilPtr", "true", true),
        ("eq .Iface1 .Iface1", "true", true),
        ("eq .Iface1 .NilIface", "false", true),
        ("eq .NilIface .NilIface", "true", true),
        ("eq .NilIface .Iface1", "false", true),
        ("eq .NilIface 0", "false", true),
        ("eq 0 .NilIface", "false", true),
        ("eq .Map .Map", "true", true),
        ("eq .Map nil", "true", true),
        ("eq nil .Map", "true", true),
        ("eq .Map .NonNilMap", "false", true),
        ("eq `xy` 1", "", false),
        ("eq 2 2.0", "", false),
        ("lt true true", "", false),
        ("lt 1+0i 1+0i", "", false),
        ("eq .NilPtr .NegOne", "", false),
        ("eq .Map .V1", "", false),
        ("eq .NonNilMap .NonNilMap", "", false),
    ];
    for (expr, truth, ok) in tests {
        let text = format!("{{{{if {expr}}}}}true{{{{else}}}}false{{{{end}}}}");
        let mut set = TemplateSet::new("empty");
        set.parse("empty", &text).unwrap();
        let mut out = String::new();
        let result = set.execute_into("empty", &cmp, &mut out);
        assert_eq!(result.is_ok(), *ok, "{expr}: {result:?}");
        assert_eq!(out, *truth, "{expr}");
    }
}

/// TestExecError: an error in a nested template names that template and position.
#[test]
fn exec_error_in_nested_template() {
    let text = "line 1\nline 2\nline 3\n{{template \"one\" .}}\n{{define \"one\"}}{{template \"two\" .}}{{end}}\n{{define \"two\"}}{{template \"three\" .}}{{end}}\n{{define \"three\"}}{{index \"hi\" $}}{{end}}";
    let err = run("top", text, &Value::int(5)).unwrap_err().to_string();
    assert_eq!(
        err,
        r#"template: top:7:20: executing "three" at <index "hi" $>: error calling index: index out of range: 5"#
    );
}

/// TestExecuteError / TestExecuteGivesExecError.
#[test]
fn errors_from_methods_and_fields() {
    let err = run("error", "{{.MyError true}}", &t_val()).unwrap_err().to_string();
    assert!(err.contains("my error"), "{err}");
    let err = run("X", "hello, {{.X.Y}}", &Value::int(0)).unwrap_err();
    assert!(err.as_exec().is_some());
    assert!(err.to_string().contains("field X in type int"), "{err}");
}

/// TestMissingMapKey.
#[test]
fn missing_map_key() {
    let data = Value::typed_map(
        Type::Map(Arc::new(Type::String), Arc::new(Type::Int)),
        [("x".to_string(), Value::int(99))].into_iter().collect(),
    );
    let mut set = TemplateSet::new("t1");
    set.parse("t1", "{{.x}} {{.y}}").unwrap();
    assert_eq!(set.execute("t1", &data).unwrap(), "99 <no value>");
    set.option("missingkey=default").unwrap();
    assert_eq!(set.execute("t1", &data).unwrap(), "99 <no value>");
    set.option("missingkey=zero").unwrap();
    assert_eq!(set.execute("t1", &data).unwrap(), "99 0");
    set.option("missingkey=error").unwrap();
    let err = set.execute("t1", &data).unwrap_err().to_string();
    assert_eq!(err, r#"template: t1:1:9: executing "t1" at <.y>: map has no entry for key "y""#);
    let err = set.execute("t1", &Value::Invalid).unwrap_err().to_string();
    assert!(err.ends_with(r#"nil data; no entry for key "x""#), "{err}");
    assert!(set.option("missingkey=bogus").is_err());
}

/// TestUnterminatedStringError.
#[test]
fn unterminated_string_error_names_opening_line() {
    let mut set = TemplateSet::new("X");
    let err = set.parse("X", "hello\n\n{{`unterminated\n\n\n\n}}\n some more\n\n").unwrap_err().to_string();
    assert!(err.contains("X:3: unterminated raw quoted string"), "{err}");
}

/// TestBlock: block defines a template that a clone can redefine.
#[test]
fn block_and_clone() {
    let mut set = TemplateSet::new("outer");
    set.parse("outer", r#"a({{block "inner" .}}bar({{.}})baz{{end}})b"#).unwrap();
    let mut set2 = set.clone();
    set2.parse("outer", r#"{{define "inner"}}foo({{.}})bar{{end}}"#).unwrap();
    assert_eq!(set.execute("outer", &Value::from("hello")).unwrap(), "a(bar(hello)baz)b");
    assert_eq!(set2.execute("outer", &Value::from("goodbye")).unwrap(), "a(foo(goodbye)bar)b");
}

/// TestDelims.
#[test]
fn delimiters() {
    let value = Value::object(Struct::new("struct { Str string }").with_field("Str", Value::from("Hello, world")));
    for (left, right) in [("", ""), ("{{", "}}"), ("<<", ">>"), ("|", "|"), ("(日)", "(本)")] {
        let tl = if left.is_empty() { "{{" } else { left };
        let tr = if right.is_empty() { "}}" } else { right };
        let text = format!("{tl}.Str{tr}{tl}/*comment*/{tr}{tl}\"{tl}\"{tr}");
        let mut set = TemplateSet::new("delims");
        set.delims(left, right);
        set.parse("delims", &text).unwrap();
        assert_eq!(set.execute("delims", &value).unwrap(), format!("Hello, world{tl}"));
    }
}

/// TestTree: recursive templates with custom delimiters and trim markers.
#[test]
fn binary_tree() {
    fn node(val: i64, left: Option<Value>, right: Option<Value>) -> Value {
        let nil = || Value::Nil(Type::Pointer(Arc::new(Type::Object(Arc::from("template.Tree")))));
        Value::object(
            Struct::new("*template.Tree")
                .with_field("Val", Value::int(val))
                .with_field("Left", left.unwrap_or_else(nil))
                .with_field("Right", right.unwrap_or_else(nil)),
        )
    }
    let tree = node(
        1,
        Some(node(2, Some(node(3, Some(node(4, None, None)), None)), Some(node(5, Some(node(6, None, None)), None)))),
        Some(node(7, Some(node(8, Some(node(9, None, None)), None)), Some(node(10, Some(node(11, None, None)), None)))),
    );
    let text = "\n\t(- define \"tree\" -)\n\t[\n\t\t(- .Val -)\n\t\t(- with .Left -)\n\t\t\t(template \"tree\" . -)\n\t\t(- end -)\n\t\t(- with .Right -)\n\t\t\t(- template \"tree\" . -)\n\t\t(- end -)\n\t]\n\t(- end -)\n";
    let mut set = TemplateSet::new("root");
    set.delims("(", ")");
    set.parse("root", text).unwrap();
    assert_eq!(set.execute("tree", &tree).unwrap(), "[1[2[3[4]][5[6]]][7[8[9]][10[11]]]]");
}

/// TestInterfaceValues.
#[test]
fn interface_values() {
    let plus_one = Function::new([Type::Int], |_, a| {
        let Value::Int(n, _) = a[0] else { return Err("bad".into()) };
        Ok(Value::int(n + 1))
    });
    let mut m = BTreeMap::new();
    m.insert("PlusOne".to_string(), Value::Func(plus_one));
    m.insert("Slice".to_string(), ints(&[0, 1, 2, 3]));
    m.insert("One".to_string(), Value::int(1));
    m.insert("Two".to_string(), Value::int(2));
    m.insert("Nil".to_string(), Value::nil());
    m.insert("Zero".to_string(), Value::int(0));
    let data = Value::map(m);
    let tests: &[(&str, &str)] = &[
        ("{{index .Nil 1}}", "ERROR: index of untyped nil"),
        ("{{index .Slice 2}}", "2"),
        ("{{index .Slice .Two}}", "2"),
        ("{{call .Nil 1}}", "ERROR: call of nil"),
        ("{{call .PlusOne 1}}", "2"),
        ("{{call .PlusOne .One}}", "2"),
        ("{{and (index .Slice 0) true}}", "0"),
        ("{{and .Zero true}}", "0"),
        ("{{and (index .Slice 1) false}}", "false"),
        ("{{and .One false}}", "false"),
        ("{{or (index .Slice 0) false}}", "false"),
        ("{{or .Zero false}}", "false"),
        ("{{or (index .Slice 1) true}}", "1"),
        ("{{or .One true}}", "1"),
        ("{{not (index .Slice 0)}}", "true"),
        ("{{not .Zero}}", "true"),
        ("{{not (index .Slice 1)}}", "false"),
        ("{{not .One}}", "false"),
        ("{{eq (index .Slice 0) .Zero}}", "true"),
        ("{{eq (index .Slice 1) .One}}", "true"),
        ("{{ne (index .Slice 0) .Zero}}", "false"),
        ("{{ne (index .Slice 1) .One}}", "false"),
        ("{{ge (index .Slice 0) .One}}", "false"),
        ("{{ge (index .Slice 1) .Zero}}", "true"),
        ("{{gt (index .Slice 0) .One}}", "false"),
        ("{{gt (index .Slice 1) .Zero}}", "true"),
        ("{{le (index .Slice 0) .One}}", "true"),
        ("{{le (index .Slice 1) .Zero}}", "false"),
        ("{{lt (index .Slice 0) .One}}", "true"),
        ("{{lt (index .Slice 1) .Zero}}", "false"),
    ];
    for (text, want) in tests {
        let result = run("tmpl", text, &data);
        if let Some(e) = want.strip_prefix("ERROR:") {
            let err = result.expect_err(text).to_string();
            assert!(err.contains(e.trim()), "{text}: {err}");
        } else {
            assert_eq!(result.unwrap(), *want, "{text}");
        }
    }
}

/// TestExecutePanicDuringCall (Go panics become function errors here) and
/// TestFunctionCheckDuringCall: exact error texts and positions.
#[test]
fn call_errors_are_positioned_like_go() {
    let mut set = TemplateSet::new("t");
    set.add_func("doPanic", Function::new([], |_, _| Err(FuncError::new("custom panic string"))));
    let cases: &[(&str, &str)] = &[
        ("{{doPanic}}", r#"template: t:1:2: executing "t" at <doPanic>: error calling doPanic: custom panic string"#),
        (
            "{{call doPanic}}",
            r#"template: t:1:7: executing "t" at <doPanic>: error calling doPanic: custom panic string"#,
        ),
        (
            "{{call .PanicFunc}}",
            r#"template: t:1:2: executing "t" at <call .PanicFunc>: error calling call: test panic"#,
        ),
        ("{{call}}", "wrong number of args for call: want at least 1 got 0"),
        ("{{call .True}}", "error calling call: non-function .True of type bool"),
        ("{{call .BinaryFunc 1}}", "error calling call: wrong number of args for .BinaryFunc: got 1 want 2"),
        (
            "{{call .VariadicFuncInt}}",
            "error calling call: wrong number of args for .VariadicFuncInt: got 0 want at least 1",
        ),
        (r#"{{call (len "test")}}"#, "error calling call: non-function len \"test\" of type int"),
    ];
    for (input, want) in cases {
        let mut s = set.clone();
        s.parse("t", input).unwrap();
        let err = s.execute("t", &t_val()).unwrap_err().to_string();
        assert!(err.contains(want), "{input}: got {err}");
    }
}

/// TestEvalFieldErrors (the nil map pointer case).
#[test]
fn nil_pointer_field_error() {
    let data = Value::Nil(Type::Pointer(Arc::new(Type::Map(Arc::new(Type::String), Arc::new(Type::String)))));
    let err = run("tmpl", "{{.MissingKey}}", &data).unwrap_err().to_string();
    assert!(err.ends_with("nil pointer evaluating *map[string]string.MissingKey"), "{err}");
}

/// TestMaxExecDepth: runaway template recursion stops with Go's error
/// instead of overflowing the stack.
#[test]
fn max_exec_depth() {
    let err = run("tmpl", r#"{{template "tmpl" .}}"#, &Value::Invalid).unwrap_err().to_string();
    assert!(err.contains("exceeded maximum template depth (100000)"), "{err}");
}

/// TestJSEscaping.
#[test]
fn js_escaping() {
    let cases = [
        ("a", "a"),
        ("'foo", r"\'foo"),
        (r#"Go "jump" \"#, r#"Go \"jump\" \\"#),
        ("Yukihiro says \"今日は世界\"", "Yukihiro says \\\"今日は世界\\\""),
        ("unprintable \u{FFFE}", r"unprintable \uFFFE"),
        ("<html>", r"\u003Chtml\u003E"),
        ("no = in attributes", r"no \u003D in attributes"),
        ("&#x27; does not become HTML entity", r"\u0026#x27; does not become HTML entity"),
    ];
    for (input, want) in cases {
        assert_eq!(ferry_gotmpl::js_escape(input), want);
    }
}

/// TestIssue31810 and TestFinalForPrintf.
#[test]
fn parenthesized_first_word_and_final_printf() {
    assert_eq!(run("t", "{{ (.)  }}", &Value::from("result")).unwrap(), "result");
    assert_eq!(run("t", r#"{{"x" | printf}}"#, &Value::int(0)).unwrap(), "x");
}
