//! Masterminds/sprig v3's own `*_test.go` tables, executed through ferry-gotmpl
//! with `ferry_sprig::functions()` exactly as Sprig's `runt`/`runtv` do
//! (`template.New("test").Funcs(TxtFuncMap()).Parse(tpl)`, data
//! `map[string]string{}` unless the test gives its own).

use std::collections::BTreeMap;
use std::sync::Arc;

use ferry_gotmpl::{TemplateSet, Type, Value};

fn run(tpl: &str, data: &Value) -> Result<String, String> {
    let mut set = TemplateSet::new("test");
    set.add_funcs(ferry_sprig::functions());
    set.parse("test", tpl).map_err(|e| e.to_string())?;
    set.execute("test", data).map_err(|e| e.to_string())
}

fn empty_data() -> Value {
    Value::typed_map(Type::Map(Arc::new(Type::String), Arc::new(Type::String)), BTreeMap::new())
}

fn data(pairs: &[(&str, Value)]) -> Value {
    Value::map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

/// Runs a table; every row must render its expected text. Returns the row count.
fn table(rows: &[(&str, &str)]) -> usize {
    table_with(rows, &empty_data())
}

fn table_with(rows: &[(&str, &str)], data: &Value) -> usize {
    let mut failures = Vec::new();
    for &(tpl, want) in rows {
        match run(tpl, data) {
            Ok(got) if got == want => {}
            Ok(got) => failures.push(format!("{tpl}\n   want {want:?}\n    got {got:?}")),
            Err(e) => failures.push(format!("{tpl}\n   want {want:?}\n  error {e}")),
        }
    }
    assert!(failures.is_empty(), "{} of {} rows failed:\n{}", failures.len(), rows.len(), failures.join("\n"));
    rows.len()
}

// list_test.go
#[test]
fn list_tests() {
    let rows: &[(&str, &str)] = &[
        (r#"{{$t := tuple 1 "a" "foo"}}{{index $t 2}}{{index $t 0 }}{{index $t 1}}"#, "foo1a"),
        (r#"{{$t := list 1 "a" "foo"}}{{index $t 2}}{{index $t 0 }}{{index $t 1}}"#, "foo1a"),
        (r#"{{ $t := tuple 1 2 3  }}{{ append $t 4 | len }}"#, "4"),
        (r#"{{ $t := tuple 1 2 3 4  }}{{ append $t 5 | join "-" }}"#, "1-2-3-4-5"),
        (r#"{{ $t := regexSplit "/" "foo/bar/baz" -1 }}{{ append $t "qux" | join "-" }}"#, "foo-bar-baz-qux"),
        (r#"{{ $t := tuple 1 2 3  }}{{ mustAppend $t 4 | len }}"#, "4"),
        (r#"{{ $t := tuple 1 2 3 4  }}{{ mustAppend $t 5 | join "-" }}"#, "1-2-3-4-5"),
        (r#"{{ $t := regexSplit "/" "foo/bar/baz" -1 }}{{ mustPush $t "qux" | join "-" }}"#, "foo-bar-baz-qux"),
        (r#"{{ $t := tuple 1 2 3  }}{{ prepend $t 0 | len }}"#, "4"),
        (r#"{{ $t := tuple 1 2 3 4  }}{{ prepend $t 0 | join "-" }}"#, "0-1-2-3-4"),
        (r#"{{ $t := regexSplit "/" "foo/bar/baz" -1 }}{{ prepend $t "qux" | join "-" }}"#, "qux-foo-bar-baz"),
        (r#"{{ $t := tuple 1 2 3  }}{{ mustPrepend $t 0 | len }}"#, "4"),
        (r#"{{ $t := tuple 1 2 3 4  }}{{ mustPrepend $t 0 | join "-" }}"#, "0-1-2-3-4"),
        (r#"{{ $t := regexSplit "/" "foo/bar/baz" -1 }}{{ mustPrepend $t "qux" | join "-" }}"#, "qux-foo-bar-baz"),
        (r#"{{ list 1 2 3 | first }}"#, "1"),
        (r#"{{ list | first }}"#, "<no value>"),
        (r#"{{ regexSplit "/src/" "foo/src/bar" -1 | first }}"#, "foo"),
        (r#"{{ list 1 2 3 | mustFirst }}"#, "1"),
        (r#"{{ list | mustFirst }}"#, "<no value>"),
        (r#"{{ regexSplit "/src/" "foo/src/bar" -1 | mustFirst }}"#, "foo"),
        (r#"{{ list 1 2 3 | last }}"#, "3"),
        (r#"{{ list | last }}"#, "<no value>"),
        (r#"{{ regexSplit "/src/" "foo/src/bar" -1 | last }}"#, "bar"),
        (r#"{{ list 1 2 3 | mustLast }}"#, "3"),
        (r#"{{ list | mustLast }}"#, "<no value>"),
        (r#"{{ regexSplit "/src/" "foo/src/bar" -1 | mustLast }}"#, "bar"),
        (r#"{{ list 1 2 3 | initial | len }}"#, "2"),
        (r#"{{ list 1 2 3 | initial | last }}"#, "2"),
        (r#"{{ list 1 2 3 | initial | first }}"#, "1"),
        (r#"{{ list | initial }}"#, "[]"),
        (r#"{{ regexSplit "/" "foo/bar/baz" -1 | initial }}"#, "[foo bar]"),
        (r#"{{ list 1 2 3 | mustInitial | len }}"#, "2"),
        (r#"{{ list 1 2 3 | mustInitial | last }}"#, "2"),
        (r#"{{ list 1 2 3 | mustInitial | first }}"#, "1"),
        (r#"{{ list | mustInitial }}"#, "[]"),
        (r#"{{ regexSplit "/" "foo/bar/baz" -1 | mustInitial }}"#, "[foo bar]"),
        (r#"{{ list 1 2 3 | rest | len }}"#, "2"),
        (r#"{{ list 1 2 3 | rest | last }}"#, "3"),
        (r#"{{ list 1 2 3 | rest | first }}"#, "2"),
        (r#"{{ list | rest }}"#, "[]"),
        (r#"{{ regexSplit "/" "foo/bar/baz" -1 | rest }}"#, "[bar baz]"),
        (r#"{{ list 1 2 3 | mustRest | len }}"#, "2"),
        (r#"{{ list 1 2 3 | mustRest | last }}"#, "3"),
        (r#"{{ list 1 2 3 | mustRest | first }}"#, "2"),
        (r#"{{ list | mustRest }}"#, "[]"),
        (r#"{{ regexSplit "/" "foo/bar/baz" -1 | mustRest }}"#, "[bar baz]"),
        (r#"{{ list 1 2 3 | reverse | first }}"#, "3"),
        (r#"{{ list 1 2 3 | reverse | rest | first }}"#, "2"),
        (r#"{{ list 1 2 3 | reverse | last }}"#, "1"),
        (r#"{{ list 1 2 3 4 | reverse }}"#, "[4 3 2 1]"),
        (r#"{{ list 1 | reverse }}"#, "[1]"),
        (r#"{{ list | reverse }}"#, "[]"),
        (r#"{{ regexSplit "/" "foo/bar/baz" -1 | reverse }}"#, "[baz bar foo]"),
        (r#"{{ list 1 2 3 | mustReverse | first }}"#, "3"),
        (r#"{{ list 1 2 3 4 | mustReverse }}"#, "[4 3 2 1]"),
        (r#"{{ list | mustReverse }}"#, "[]"),
        (r#"{{ list 1 0 "" "hello" | compact }}"#, "[1 hello]"),
        (r#"{{ list "" "" | compact }}"#, "[]"),
        (r#"{{ list | compact }}"#, "[]"),
        (r#"{{ regexSplit "/" "foo//bar" -1 | compact }}"#, "[foo bar]"),
        (r#"{{ list 1 0 "" "hello" | mustCompact }}"#, "[1 hello]"),
        (r#"{{ list 1 2 3 4 | uniq }}"#, "[1 2 3 4]"),
        (r#"{{ list "a" "b" "c" "d" | uniq }}"#, "[a b c d]"),
        (r#"{{ list 1 1 1 1 2 2 2 2 | uniq }}"#, "[1 2]"),
        (r#"{{ list "foo" 1 1 1 1 "foo" "foo" | uniq }}"#, "[foo 1]"),
        (r#"{{ list | uniq }}"#, "[]"),
        (r#"{{ regexSplit "/" "foo/foo/bar" -1 | uniq }}"#, "[foo bar]"),
        (r#"{{ list 1 1 1 1 2 2 2 2 | mustUniq }}"#, "[1 2]"),
        (r#"{{ without (list 1 2 3 4) 1 }}"#, "[2 3 4]"),
        (r#"{{ without (list "a" "b" "c" "d") "a" }}"#, "[b c d]"),
        (r#"{{ without (list 1 1 1 1 2) 1 }}"#, "[2]"),
        (r#"{{ without (list) 1 }}"#, "[]"),
        (r#"{{ without (list 1 2 3) }}"#, "[1 2 3]"),
        (r#"{{ without list }}"#, "[]"),
        (r#"{{ without (regexSplit "/" "foo/bar/baz" -1 ) "foo" }}"#, "[bar baz]"),
        (r#"{{ mustWithout (list 1 2 3 4) 1 }}"#, "[2 3 4]"),
        (r#"{{ list 1 2 3 | has 1 }}"#, "true"),
        (r#"{{ list 1 2 3 | has 4 }}"#, "false"),
        (r#"{{ regexSplit "/" "foo/bar/baz" -1 | has "bar" }}"#, "true"),
        (r#"{{ has "bar" nil }}"#, "false"),
        (r#"{{ list 1 2 3 | mustHas 1 }}"#, "true"),
        (r#"{{ mustHas "bar" nil }}"#, "false"),
        (r#"{{ slice (list 1 2 3) }}"#, "[1 2 3]"),
        (r#"{{ slice (list 1 2 3) 0 1 }}"#, "[1]"),
        (r#"{{ slice (list 1 2 3) 1 3 }}"#, "[2 3]"),
        (r#"{{ slice (list 1 2 3) 1 }}"#, "[2 3]"),
        (r#"{{ slice (regexSplit "/" "foo/bar/baz" -1) 1 2 }}"#, "[bar]"),
        (r#"{{ mustSlice (list 1 2 3) 1 }}"#, "[2 3]"),
        (r#"{{ concat (list 1 2 3) }}"#, "[1 2 3]"),
        (r#"{{ concat (list 1 2 3) (list 4 5) }}"#, "[1 2 3 4 5]"),
        (r#"{{ concat (list 1 2 3) (list 4 5) (list) }}"#, "[1 2 3 4 5]"),
        (r#"{{ concat (list 1 2 3) (list 4 5) (list nil) }}"#, "[1 2 3 4 5 <nil>]"),
        (r#"{{ concat (list 1 2 3) (list 4 5) (list ( list "foo" ) ) }}"#, "[1 2 3 4 5 [foo]]"),
    ];
    assert_eq!(table(rows), 93);
}

// defaults_test.go (Sprig's own rows; safeDefault/safeCoalesce/nonNil belong to a fork).
#[test]
fn defaults_tests() {
    let rows: &[(&str, &str)] = &[
        (r#"{{"" | default "foo"}}"#, "foo"),
        (r#"{{default "foo" 234}}"#, "234"),
        (r#"{{default "foo" 2.34}}"#, "2.34"),
        (r#"{{ .Nothing | default "123" }}"#, "123"),
        (r#"{{ default "123" }}"#, "123"),
        (r#"{{if empty 1}}1{{else}}0{{end}}"#, "0"),
        (r#"{{if empty 0}}1{{else}}0{{end}}"#, "1"),
        (r#"{{if empty ""}}1{{else}}0{{end}}"#, "1"),
        (r#"{{if empty 0.0}}1{{else}}0{{end}}"#, "1"),
        (r#"{{if empty false}}1{{else}}0{{end}}"#, "1"),
        (r#"{{ coalesce 1 }}"#, "1"),
        (r#"{{ coalesce "" 0 nil 2 }}"#, "2"),
        (r#"{{ $two := 2 }}{{ coalesce "" 0 nil $two }}"#, "2"),
        (r#"{{ $two := 2 }}{{ coalesce "" $two 0 0 0 }}"#, "2"),
        (r#"{{ $two := 2 }}{{ coalesce "" $two 3 4 5 }}"#, "2"),
        (r#"{{ coalesce }}"#, "<no value>"),
        (r#"{{ all 1 }}"#, "true"),
        (r#"{{ all "" 0 nil 2 }}"#, "false"),
        (r#"{{ $two := 2 }}{{ all "" 0 nil $two }}"#, "false"),
        (r#"{{ $two := 2 }}{{ all "" $two 0 0 0 }}"#, "false"),
        (r#"{{ $two := 2 }}{{ all "" $two 3 4 5 }}"#, "false"),
        (r#"{{ all }}"#, "true"),
        (r#"{{ any 1 }}"#, "true"),
        (r#"{{ any "" 0 nil 2 }}"#, "true"),
        (r#"{{ $two := 2 }}{{ any "" 0 nil $two }}"#, "true"),
        (r#"{{ $two := 2 }}{{ any "" $two 3 4 5 }}"#, "true"),
        (r#"{{ $zero := 0 }}{{ any "" $zero 0 0 0 }}"#, "false"),
        (r#"{{ any }}"#, "false"),
        (r#"{{true | ternary "foo" "bar"}}"#, "foo"),
        (r#"{{ternary "foo" "bar" true}}"#, "foo"),
        (r#"{{false | ternary "foo" "bar"}}"#, "bar"),
        (r#"{{ternary "foo" "bar" false}}"#, "bar"),
    ];
    let mut n = table(rows);
    let top = data(&[("top", Value::map(BTreeMap::new()))]);
    let with_top: &[(&str, &str)] = &[
        (r#"{{if empty .top.NoSuchThing}}1{{else}}0{{end}}"#, "1"),
        (r#"{{if empty .bottom.NoSuchThing}}1{{else}}0{{end}}"#, "1"),
        (r#"{{ coalesce .top.NoSuchThing .bottom .bottom.dollar "airplane"}}"#, "airplane"),
        (r#"{{ all .top.NoSuchThing .bottom .bottom.dollar "airplane"}}"#, "false"),
        (r#"{{ any .top.NoSuchThing .bottom .bottom.dollar "airplane"}}"#, "true"),
    ];
    n += table_with(with_top, &top);
    let input = data(&[("Input", Value::from(r#"{"foo": 55}"#))]);
    n += table_with(&[("{{.Input | fromJson}}", "map[foo:55]"), ("{{(.Input | fromJson).foo}}", "55")], &input);
    let json_top = data(&[(
        "Top",
        data(&[("bool", Value::Bool(true)), ("string", Value::from("test")), ("number", Value::int(42))]),
    )]);
    n += table_with(
        &[
            ("{{.Top | toJson}}", r#"{"bool":true,"number":42,"string":"test"}"#),
            ("{{.Top | toPrettyJson}}", "{\n  \"bool\": true,\n  \"number\": 42,\n  \"string\": \"test\"\n}"),
        ],
        &json_top,
    );
    let raw = data(&[(
        "Top",
        data(&[
            ("bool", Value::Bool(true)),
            ("string", Value::from("test")),
            ("number", Value::int(42)),
            ("html", Value::from("<HEAD>")),
        ]),
    )]);
    n += table_with(&[("{{.Top | toRawJson}}", r#"{"bool":true,"html":"<HEAD>","number":42,"string":"test"}"#)], &raw);
    assert_eq!(n, 42);
}

// dict_test.go (rows that do not depend on in-place mutation).
#[test]
fn dict_tests() {
    let rows: &[(&str, &str)] = &[
        (r#"{{$t := dict "I" "shot" "the" "albatross"}}{{$t.the}} {{$t.I}}"#, "albatross shot"),
        ("{{- $d := dict \"one\" 1 \"two\" 222222 -}}\n\t{{- if hasKey $d \"one\" -}}1{{- end -}}\n\t", "1"),
        (
            "\n\t{{- $d := dict \"one\" 1 \"two\" 222222 -}}\n\t{{- $d2 := dict \"one\" 1 \"two\" 33333 -}}\n\t{{- $d3 := dict \"one\" 1 -}}\n\t{{- $d4 := dict \"one\" 1 \"two\" 4444 -}}\n\t{{- pluck \"two\" $d $d2 $d3 $d4 -}}\n\t",
            "[222222 33333 4444]",
        ),
        (r#"{{ dict "foo" 1 "bar" 2 | keys | sortAlpha }}"#, "[bar foo]"),
        (r#"{{ dict | keys }}"#, "[]"),
        (r#"{{ keys (dict "foo" 1) (dict "bar" 2) (dict "bar" 3) | uniq | sortAlpha }}"#, "[bar foo]"),
        (r#"{{- $d := dict "one" 1 "two" 222222 }}{{ pick $d "two" | len -}}"#, "1"),
        (r#"{{- $d := dict "one" 1 "two" 222222 }}{{ pick $d "two" -}}"#, "map[two:222222]"),
        (r#"{{- $d := dict "one" 1 "two" 222222 }}{{ pick $d "one" "two" | len -}}"#, "2"),
        (r#"{{- $d := dict "one" 1 "two" 222222 }}{{ pick $d "one" "two" "three" | len -}}"#, "2"),
        (r#"{{- $d := dict }}{{ pick $d "two" | len -}}"#, "0"),
        (r#"{{- $d := dict "one" 1 "two" 222222 }}{{ omit $d "one" | len -}}"#, "1"),
        (r#"{{- $d := dict "one" 1 "two" 222222 }}{{ omit $d "one" -}}"#, "map[two:222222]"),
        (r#"{{- $d := dict "one" 1 "two" 222222 }}{{ omit $d "one" "two" | len -}}"#, "0"),
        (r#"{{- $d := dict "one" 1 "two" 222222 }}{{ omit $d "two" "three" | len -}}"#, "1"),
        (r#"{{- $d := dict }}{{ omit $d "two" | len -}}"#, "0"),
        (r#"{{- $d := dict "one" 1 }}{{ get $d "one" -}}"#, "1"),
        (r#"{{- $d := dict "one" 1 "two" "2" }}{{ get $d "two" -}}"#, "2"),
        (r#"{{- $d := dict }}{{ get $d "two" -}}"#, ""),
        (r#"{{- $d := dict "a" 1 "b" 2 }}{{ values $d | sortAlpha | join "," }}"#, "1,2"),
        (r#"{{- $d := dict "a" "first" "b" 2 }}{{ values $d | sortAlpha | join "," }}"#, "2,first"),
    ];
    assert_eq!(table(rows), 21);
    // TestDict: ordering is not guaranteed, so Sprig checks pieces.
    let out = run(r#"{{$d := dict 1 2 "three" "four" 5}}{{range $k, $v := $d}}{{$k}}{{$v}}{{end}}"#, &empty_data())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.len(), 12);
    assert!(out.contains("12") && out.contains("threefour") && out.contains('5'), "{out}");
}

// dict_test.go TestSet / TestUnset observe the argument after the call.
#[test]
fn dict_mutation_tests() {
    let rows: &[(&str, &str)] = &[
        (
            "{{- $d := dict \"one\" 1 \"two\" 222222 -}}\n\t{{- $_ := unset $d \"two\" -}}\n\t{{- range $k, $v := $d}}{{$k}}{{$v}}{{- end -}}\n\t",
            "one1",
        ),
        (
            "{{- $d := dict \"one\" 1 \"two\" 222222 -}}\n\t{{- $_ := set $d \"two\" 2 -}}\n\t{{- $_ := set $d \"three\" 3 -}}\n\t{{- if hasKey $d \"one\" -}}{{$d.one}}{{- end -}}\n\t{{- if hasKey $d \"two\" -}}{{$d.two}}{{- end -}}\n\t{{- if hasKey $d \"three\" -}}{{$d.three}}{{- end -}}\n\t",
            "123",
        ),
    ];
    assert_eq!(table(rows), 2);
}

/// The fixture of dict_test.go TestMerge / TestMergeOverwrite (Sprig's guard
/// against mergo behaviour changes); `[]int` slices keep their type.
fn merge_fixture() -> (Value, Value) {
    let ints =
        |v: &[i64]| Value::typed_list(Type::Slice(Arc::new(Type::Int)), v.iter().map(|&i| Value::int(i)).collect());
    let dst = data(&[
        ("a", Value::from("one")),
        ("c", Value::int(3)),
        ("d", data(&[("f", Value::int(5))])),
        ("g", ints(&[8, 9])),
        ("i", Value::from("eye")),
        ("k", data(&[("l", Value::Bool(true))])),
    ]);
    let src1 = data(&[
        ("a", Value::int(1)),
        ("b", Value::int(2)),
        ("d", data(&[("e", Value::from("four"))])),
        ("g", ints(&[6, 7])),
        ("i", Value::from("aye")),
        ("j", Value::from("jay")),
        ("k", data(&[("l", Value::Bool(false))])),
    ]);
    let src2 = data(&[("h", Value::int(10)), ("i", Value::from("i")), ("j", Value::from("j"))]);
    let dict = data(&[("dst", dst.clone()), ("src1", src1), ("src2", src2)]);
    (dict, dst)
}

// dict_test.go TestMerge / TestMergeOverwrite: the result is read from the
// caller's dst map after the call, which merge changed in place.
#[test]
fn merge_changes_dst_in_place() {
    let (dict, dst) = merge_fixture();
    run("{{merge .dst .src1 .src2}}", &dict).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(dst.to_string(), "map[a:one b:2 c:3 d:map[e:four f:5] g:[8 9] h:10 i:eye j:jay k:map[l:true]]");

    let (dict, dst) = merge_fixture();
    run("{{mergeOverwrite .dst .src1 .src2}}", &dict).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(dst.to_string(), "map[a:1 b:2 c:3 d:map[e:four f:5] g:[6 7] h:10 i:i j:j k:map[l:false]]");

    // The result is dst itself, and the same map is seen through any variable.
    let out = run(
        r#"{{ $d := dict "a" 1 }}{{ $alias := $d }}{{ $r := merge $d (dict "b" 2) }}{{ $_ := set $r "c" 3 }}{{ $alias }} {{ mustMergeOverwrite $d (dict "a" 9) }} {{ $alias.a }}"#,
        &empty_data(),
    );
    assert_eq!(out.as_deref(), Ok("map[a:1 b:2 c:3] map[a:9 b:2 c:3] 9"));
    // A nil dst gets a new map, as mergo does.
    assert_eq!(run(r#"{{ merge .missing (dict "a" 1) }}"#, &data(&[])).as_deref(), Ok("map[a:1]"));
}

// Helm renders all templates of a chart with one values map: a change made
// by `set .Values` in one template is seen by templates rendered after it.
#[test]
fn values_changed_by_one_template_are_seen_by_the_next() {
    let mut set = TemplateSet::new("gotpl");
    set.add_funcs(ferry_sprig::functions());
    set.parse("a", r#"{{- $_ := set .Values "image" (dict "tag" "1.0") -}}{{- $_ := set .Values.nested "k" "v" -}}"#)
        .unwrap();
    set.parse("b", r#"{{ .Values.image.tag }} {{ .Values.nested.k }} {{ toJson .Values }}"#).unwrap();
    let nested = data(&[]);
    let values = Value::typed_map(
        Type::named("chartutil.Values", Type::map_of_interface()),
        [("nested".to_string(), nested.clone())].into(),
    );
    let root = data(&[("Values", values)]);
    let exec = |name: &str| set.execute(name, &root).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(exec("b"), r#"<no value> <no value> {"nested":{}}"#);
    assert_eq!(exec("a"), "");
    assert_eq!(exec("b"), r#"1.0 v {"image":{"tag":"1.0"},"nested":{"k":"v"}}"#);
    assert_eq!(nested.to_string(), "map[k:v]");
}

#[test]
fn deep_copy_is_independent_of_the_original() {
    let out = run(
        r#"{{ $d := dict "a" (dict "b" 1) "l" (list (dict "c" 2)) }}{{ $c := deepCopy $d }}{{ $m := mustDeepCopy $d }}{{ $_ := set $d.a "b" 9 }}{{ $_ := set (index $d.l 0) "c" 8 }}{{ $d }} {{ $c }} {{ $m }} {{ deepCopy (list 1 "x") }}"#,
        &empty_data(),
    );
    assert_eq!(
        out.as_deref(),
        Ok("map[a:map[b:9] l:[map[c:8]]] map[a:map[b:1] l:[map[c:2]]] map[a:map[b:1] l:[map[c:2]]] [1 x]")
    );
}

// Go would recurse until its stack overflows on a map containing itself
// (encoding/json detects it); here everything terminates.
#[test]
fn maps_containing_themselves_terminate() {
    let cyclic = r#"{{- $d := dict "a" 1 }}{{ $_ := set $d "self" $d }}"#;
    let ok = |body: &str| run(&format!("{cyclic}{body}"), &empty_data());
    assert_eq!(ok("{{ $d }}").as_deref(), Ok("map[a:1 self:%!v(CYCLE=map[string]interface {})]"));
    assert_eq!(ok("[{{ toJson $d }}]").as_deref(), Ok("[]"));
    assert_eq!(
        ok("{{ $d.self.self.a }} {{ keys $d | sortAlpha }} {{ has $d (list $d) }}").as_deref(),
        Ok("1 [a self] true")
    );
    assert_eq!(
        ok("{{ $_ := merge $d $d }}{{ $_ := mergeOverwrite $d (dict \"self\" (dict \"x\" 1)) }}{{ $d.a }}").as_deref(),
        Ok("1")
    );
    let err = |body: &str| ok(body).err().unwrap_or_default();
    assert!(err("{{ mustToJson $d }}").contains(
        "error calling mustToJson: json: unsupported value: encountered a cycle via map[string]interface {}"
    ));
    assert!(
        err("{{ deepCopy $d }}")
            .contains("error calling deepCopy: deepCopy error: encountered a cycle via map[string]interface {}")
    );
    assert!(
        err("{{ mustDeepCopy $d }}")
            .contains("error calling mustDeepCopy: encountered a cycle via map[string]interface {}")
    );
}

// numeric_test.go
#[test]
fn numeric_tests() {
    let rows: &[(&str, &str)] = &[
        ("{{range $i, $e := until 5}}{{$i}}{{$e}}{{end}}", "0011223344"),
        ("{{range $i, $e := until -5}}{{$i}}{{$e}} {{end}}", "00 1-1 2-2 3-3 4-4 "),
        ("{{range $i, $e := untilStep 0 5 1}}{{$i}}{{$e}}{{end}}", "0011223344"),
        ("{{range $i, $e := untilStep 3 6 1}}{{$i}}{{$e}}{{end}}", "031425"),
        ("{{range $i, $e := untilStep 0 -10 -2}}{{$i}}{{$e}} {{end}}", "00 1-2 2-4 3-6 4-8 "),
        ("{{range $i, $e := untilStep 3 0 1}}{{$i}}{{$e}}{{end}}", ""),
        ("{{range $i, $e := untilStep 3 99 0}}{{$i}}{{$e}}{{end}}", ""),
        ("{{range $i, $e := untilStep 3 99 -1}}{{$i}}{{$e}}{{end}}", ""),
        ("{{range $i, $e := untilStep 3 0 0}}{{$i}}{{$e}}{{end}}", ""),
        ("{{ biggest 1 2 3 345 5 6 7}}", "345"),
        ("{{ max 345}}", "345"),
        ("{{ maxf 1 2 3 345.7 5 6 7}}", "345.7"),
        ("{{ min 1 2 3 345 5 6 7}}", "1"),
        ("{{ min 345}}", "345"),
        ("{{ minf 1.4 2 3 345.6 5 6 7}}", "1.4"),
        ("{{ minf 345 }}", "345"),
        ("{{ 3 | add1 }}", "4"),
        ("{{ 3.4 | add1f }}", "4.4"),
        ("{{ 3 | add 1 2}}", "6"),
        ("{{ 3 | addf 1.5 2.2}}", "6.7"),
        ("{{ 4 | div 5 }}", "1"),
        ("{{ 2 | divf 5 4 }}", "0.625"),
        (r#"{{ 1 | mul "2" 3 "4"}}"#, "24"),
        (r#"{{ 1.2 | mulf "2.4" 10 "4"}}"#, "115.2"),
        ("{{ 3 | sub 14 }}", "11"),
        ("{{ 3 | subf 4.5 1 }}", "0.5"),
        ("{{seq 0 1 3}}", "0 1 2 3"),
        ("{{seq 0 3 10}}", "0 3 6 9"),
        ("{{seq 3 3 2}}", ""),
        ("{{seq 3 -3 2}}", "3"),
        ("{{seq}}", ""),
        ("{{seq 0 4}}", "0 1 2 3 4"),
        ("{{seq 5}}", "1 2 3 4 5"),
        ("{{seq -5}}", "1 0 -1 -2 -3 -4 -5"),
        ("{{seq 0}}", "1 0"),
        ("{{seq 0 1 2 3}}", ""),
        ("{{seq 0 -4}}", "0 -1 -2 -3 -4"),
        // TestCeil / TestFloor / TestRound / TestToDecimal, through the template functions.
        ("{{ ceil 123 }} {{ ceil \"123\" }} {{ ceil 123.01 }} {{ ceil \"123.01\" }}", "123 123 124 124"),
        ("{{ floor 123 }} {{ floor \"123\" }} {{ floor 123.9999 }} {{ floor \"123.9999\" }}", "123 123 123 123"),
        ("{{ round 123.5555 3 }}", "123.556"),
        ("{{ round \"123.55555\" 3 }}", "123.556"),
        ("{{ round 123.500001 0 }}", "124"),
        ("{{ round 123.49999999 0 }}", "123"),
        ("{{ round 123.2329999 2 .3 }}", "123.23"),
        ("{{ round 123.233 2 .3 }}", "123.24"),
        ("{{ toDecimal \"777\" }} {{ toDecimal 777 }} {{ toDecimal 770 }} {{ toDecimal 755 }}", "511 511 504 493"),
    ];
    assert_eq!(table(rows), 46);
    for (min, max) in [(10, 11), (10, 13), (0, 1), (5, 50)] {
        let out = run(&format!("{{{{ randInt {min} {max} }}}}"), &empty_data()).unwrap_or_else(|e| panic!("{e}"));
        let r: i64 = out.parse().unwrap_or(-1);
        assert!(r >= min && r < max, "randInt {min} {max} gave {out}");
    }
}

// strings_test.go and functions_test.go
#[test]
fn strings_tests() {
    let rows: &[(&str, &str)] = &[
        (r#"{{"fooo" | substr 0 3 }}"#, "foo"),
        (r#"{{"foo" | substr 0 10 }}"#, "foo"),
        (r#"{{ "foooooo" | trunc 3 }}"#, "foo"),
        (r#"{{ "baaaaaar" | trunc -3 }}"#, "aar"),
        (r#"{{ "baaaaaar" | trunc -999 }}"#, "baaaaaar"),
        (r#"{{ "baaaaaz" | trunc 0 }}"#, ""),
        (r#"{{quote "a" "b" "c"}}"#, r#""a" "b" "c""#),
        (r#"{{quote "\"a\"" "b" "c"}}"#, r#""\"a\"" "b" "c""#),
        (r#"{{quote 1 2 3 }}"#, r#""1" "2" "3""#),
        (r#"{{squote "a" "b" "c"}}"#, "'a' 'b' 'c'"),
        (r#"{{squote 1 2 3 }}"#, "'1' '2' '3'"),
        (r#"{{if contains "cat" "fair catch"}}1{{end}}"#, "1"),
        (r#"{{if hasPrefix "cat" "catch"}}1{{end}}"#, "1"),
        (r#"{{if hasSuffix "cat" "ducat"}}1{{end}}"#, "1"),
        (r#"{{trim "   5.00   "}}"#, "5.00"),
        (r#"{{trimAll "$" "$5.00$"}}"#, "5.00"),
        (r#"{{trimPrefix "$" "$5.00"}}"#, "5.00"),
        (r#"{{trimSuffix "$" "5.00$"}}"#, "5.00"),
        (r#"{{"$foo$" | trimall "$"}}"#, "foo"),
        (r#"{{$v := "foo$bar$baz" | split "$"}}{{$v._0}}"#, "foo"),
        (r#"{{$v := "foo$bar$baz" | splitn "$" 2}}{{$v._0}}"#, "foo"),
        (r#"{{ $s := list 1 2 3 | toStrings }}{{ index $s 1 | kindOf }}"#, "string"),
        (r#"{{ tuple "a" "b" "c" | join "-" }}"#, "a-b-c"),
        (r#"{{ tuple 1 2 3 | join "-" }}"#, "1-2-3"),
        (r#"{{ list "c" "a" "b" | sortAlpha | join "" }}"#, "abc"),
        (r#"{{ list 2 1 4 3 | sortAlpha | join "" }}"#, "1234"),
        (r#"{{b64enc "coffee"}}"#, "Y29mZmVl"),
        (r#"{{b64dec "Y29mZmVl"}}"#, "coffee"),
        (r#"{{b32enc "coffee"}}"#, "MNXWMZTFMU======"),
        (r#"{{b32dec "MNXWMZTFMU======"}}"#, "coffee"),
        (r#"{{abbrev 5 "hello world"}}"#, "he..."),
        (r#"{{abbrevboth 5 10 "1234 5678 9123"}}"#, "...5678..."),
        (r#"{{nospace "h e l l o "}}"#, "hello"),
        (r#"{{untitle "First Try"}}"#, "first try"),
        (r#"{{initials "First Try"}}"#, "FT"),
        (r#"{{wrap 5 "Hello World"}}"#, "Hello\nWorld"),
        (r#"{{wrapWith 5 "\t" "Hello World"}}"#, "Hello\tWorld"),
        (r#"{{$b := "b"}}{{"c" | cat "a" $b}}"#, "a b c"),
        (r#"{{indent 4 "a\nb\nc"}}"#, "    a\n    b\n    c"),
        (r#"{{nindent 4 "a\nb\nc"}}"#, "\n    a\n    b\n    c"),
        (r#"{{"I Am Henry VIII" | replace " " "-"}}"#, "I-Am-Henry-VIII"),
        (r#"{{$num := len "two"}}{{$num}} {{$num | plural "1 char" "chars"}}"#, "3 chars"),
        (r#"{{len "t" | plural "cheese" "%d chars"}}"#, "cheese"),
        (r#"{{"foobar" | contains "foo"}}"#, "true"),
        (r#"{{ htmlDate 0}}"#, "1970-01-01"),
        (r#"{{"abc" | sha256sum}}"#, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (r#"{{"abc" | sha1sum}}"#, "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (r#"{{"abc" | adler32sum}}"#, "38600999"),
    ];
    assert_eq!(table(rows), 48);
    let nil_value = data(&[("value", Value::nil())]);
    let n = table_with(
        &[
            ("{{ .value | quote }}", ""),
            ("{{ .value | squote }}", ""),
            (r#"{{ .value | cat "a" "b"}}"#, "a b"),
            ("{{ list 1 .value 2 | toStrings }}", "[1 2]"),
        ],
        &nil_value,
    );
    assert_eq!(n, 4);
    let joins = [
        (Value::string_list(["a", "b", "c"]), "a-b-c"),
        (Value::from("abc"), "abc"),
        (
            Value::typed_list(Type::Slice(Arc::new(Type::Int)), vec![Value::int(1), Value::int(2), Value::int(3)]),
            "1-2-3",
        ),
        (Value::list(vec![Value::from("1"), Value::nil(), Value::from("2")]), "1-2"),
    ];
    for (v, want) in joins {
        table_with(&[(r#"{{ join "-" .V }}"#, want)], &data(&[("V", v)]));
    }
    for v in [Value::from("string"), Value::Bytes(Arc::from(&b"bytes"[..]))] {
        table_with(&[("{{ toString .Value| kindOf }}", "string")], &data(&[("Value", v)]));
    }
    for (tpl, len) in
        [("{{randAlphaNum 5}}", 5), ("{{randAlpha 5}}", 5), ("{{randAscii 5}}", 5), ("{{randNumeric 5}}", 5)]
    {
        let out = run(tpl, &empty_data()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.chars().count(), len, "{tpl}");
    }
}

// regex_test.go, through the template functions.
#[test]
fn regex_tests() {
    let email = r#""[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}""#;
    let mut rows: Vec<(String, &str)> = Vec::new();
    for f in ["regexMatch", "mustRegexMatch"] {
        for (s, want) in [
            ("test@acme.com", "true"),
            ("Test@Acme.Com", "true"),
            ("test", "false"),
            ("test.com", "false"),
            ("test@acme", "false"),
        ] {
            rows.push((format!("{{{{ {f} {email} \"{s}\" }}}}"), want));
        }
    }
    for f in ["regexFindAll", "mustRegexFindAll"] {
        for (s, n, want) in [("aa", -1, "1"), ("aaaaaaaa", 1, "1"), ("aaaa", -1, "2"), ("none", -1, "0")] {
            rows.push((format!("{{{{ {f} \"a{{2}}\" \"{s}\" {n} | len }}}}"), want));
        }
    }
    for f in ["regexFind", "mustRegexFind"] {
        for (s, want) in [("foorbar", "foo"), ("foo foe fome", "foo"), ("none", "")] {
            rows.push((format!("{{{{ {f} \"fo.?\" \"{s}\" }}}}"), want));
        }
    }
    for f in ["regexReplaceAll", "mustRegexReplaceAll"] {
        for (repl, want) in [("T", "-T-T-"), ("$1", "--xx-"), ("$1W", "---"), ("${1}W", "-W-xxW-")] {
            rows.push((format!("{{{{ {f} \"a(x*)b\" \"-ab-axxb-\" \"{repl}\" }}}}"), want));
        }
    }
    for f in ["regexReplaceAllLiteral", "mustRegexReplaceAllLiteral"] {
        for (repl, want) in [("T", "-T-T-"), ("$1", "-$1-$1-"), ("${1}", "-${1}-${1}-")] {
            rows.push((format!("{{{{ {f} \"a(x*)b\" \"-ab-axxb-\" \"{repl}\" }}}}"), want));
        }
    }
    for f in ["regexSplit", "mustRegexSplit"] {
        for (re, s, n, want) in [
            ("a", "banana", -1, "4"),
            ("a", "banana", 0, "0"),
            ("a", "banana", 1, "1"),
            ("a", "banana", 2, "2"),
            ("z+", "pizza", -1, "2"),
            ("z+", "pizza", 0, "0"),
            ("z+", "pizza", 1, "1"),
            ("z+", "pizza", 2, "2"),
        ] {
            rows.push((format!("{{{{ {f} \"{re}\" \"{s}\" {n} | len }}}}"), want));
        }
    }
    rows.push((r#"{{ regexQuoteMeta "1.2.3" }}"#.to_string(), r"1\.2\.3"));
    rows.push((r#"{{ regexQuoteMeta "pretzel" }}"#.to_string(), "pretzel"));
    let borrowed: Vec<(&str, &str)> = rows.iter().map(|(t, w)| (t.as_str(), *w)).collect();
    assert_eq!(table(&borrowed), 56);
}

// semver_test.go
#[test]
fn semver_tests() {
    let rows: &[(&str, &str)] = &[
        (r#"{{ semverCompare "1.2.3" "1.2.3" }}"#, "true"),
        (r#"{{ semverCompare "^1.2.0" "1.2.3" }}"#, "true"),
        (r#"{{ semverCompare "^1.2.0" "2.2.3" }}"#, "false"),
        (r#"{{ $s := semver "1.2.3-beta.1+c0ff33" }}{{ $s.Prerelease }}"#, "beta.1"),
        (r#"{{ $s := semver "1.2.3-beta.1+c0ff33" }}{{ $s.Major}}"#, "1"),
        (r#"{{ semver "1.2.3" | (semver "1.2.3").Compare }}"#, "0"),
        (r#"{{ semver "1.2.3" | (semver "1.3.3").Compare }}"#, "1"),
        (r#"{{ semver "1.4.3" | (semver "1.2.3").Compare }}"#, "-1"),
    ];
    assert_eq!(table(rows), 8);
    for tpl in [r#"{{ semverCompare "badConstraint" "1.2.3" }}"#, r#"{{ semverCompare "1.2.0" "badVersion" }}"#] {
        assert!(run(tpl, &empty_data()).is_err(), "{tpl} should fail");
    }
}

// crypto_test.go
#[test]
fn crypto_tests() {
    let rows: &[(&str, &str)] = &[
        (r#"{{derivePassword 1 "long" "password" "user" "example.com"}}"#, "ZedaFaxcZaso9*"),
        (r#"{{derivePassword 2 "long" "password" "user" "example.com"}}"#, "Fovi2@JifpTupx"),
        (r#"{{derivePassword 1 "maximum" "password" "user" "example.com"}}"#, "pf4zS1LjCg&LjhsZ7T2~"),
        (r#"{{derivePassword 1 "medium" "password" "user" "example.com"}}"#, "ZedJuz8$"),
        (r#"{{derivePassword 1 "basic" "password" "user" "example.com"}}"#, "pIS54PLs"),
        (r#"{{derivePassword 1 "short" "password" "user" "example.com"}}"#, "Zed5"),
        (r#"{{derivePassword 1 "pin" "password" "user" "example.com"}}"#, "6685"),
        (r#"{{genPrivateKey "bad"}}"#, "Unknown type bad"),
        (r#"{{"plaintext" | encryptAES "secretkey" | decryptAES "secretkey"}}"#, "plaintext"),
    ];
    assert_eq!(table(rows), 9);
    let ec = run(r#"{{genPrivateKey "ecdsa"}}"#, &empty_data()).unwrap_or_default();
    assert!(ec.contains("EC PRIVATE KEY"));
    let uuid1 = run("{{uuidv4}}", &empty_data()).unwrap_or_default();
    let uuid2 = run("{{uuidv4}}", &empty_data()).unwrap_or_default();
    assert_eq!(uuid1.len(), 36);
    assert_ne!(uuid1, uuid2);
    for (user, pass, valid) in [
        ("myUser", "myPassword", true),
        ("special'o79Cv_*qFe,)<user", "special<j7+3p#6-.Jx2U:m8G;kGypassword", true),
        ("wrongus:er", "doesn'tmatter", false),
    ] {
        let d = data(&[("Username", Value::from(user)), ("Password", Value::from(pass))]);
        let out = run("{{htpasswd .Username .Password}}", &d).unwrap_or_else(|e| panic!("{e}"));
        let (u, hash) = out.split_once(':').unwrap_or(("", ""));
        if valid {
            assert_eq!(u, user);
            assert!(bcrypt::verify(pass, hash).unwrap_or(false), "{out}");
        } else {
            assert_eq!(out, format!("invalid username: {user}"));
        }
    }
}

// crypto_test.go TestGenCA / TestGenSelfSignedCert / TestGenSignedCert / TestBuildCustomCert.
#[test]
fn certificate_tests() {
    use x509_cert::der::Decode as _;
    let parse = |pem: &str| {
        let (kind, der) = ferry_sprig::crypto::pem_decode(pem).unwrap_or_default();
        assert_eq!(kind, "CERTIFICATE");
        x509_cert::Certificate::from_der(&der).unwrap_or_else(|e| panic!("{e}"))
    };
    let ca_pem =
        run("{{- $ca := genCA \"foo-ca\" 365 }}\n{{ $ca.Cert }}\n", &empty_data()).unwrap_or_else(|e| panic!("{e}"));
    assert!(ca_pem.contains("-----BEGIN CERTIFICATE-----") && ca_pem.contains("-----END CERTIFICATE-----"));
    let ca = parse(ca_pem.trim_start());
    assert_eq!(ca.tbs_certificate.subject.to_string(), "CN=foo-ca");
    let tpl = "{{- $ca := genCA \"foo\" 365 }}\n{{- $cert := genSignedCert \"foo.com\" (list \"10.0.0.1\" \"10.0.0.2\") (list \"bar.com\" \"bat.com\") 365 $ca }}\n{{ $cert.Cert }}\n";
    let leaf = parse(run(tpl, &empty_data()).unwrap_or_else(|e| panic!("{e}")).trim_start());
    assert_eq!(leaf.tbs_certificate.subject.to_string(), "CN=foo.com");
    assert_eq!(leaf.tbs_certificate.issuer.to_string(), "CN=foo");
    let self_signed = "{{- $cert := genSelfSignedCert \"foo.com\" (list \"10.0.0.1\" \"10.0.0.2\") (list \"bar.com\" \"bat.com\") 365 }}\n{{ $cert.Cert }}";
    let cert = parse(run(self_signed, &empty_data()).unwrap_or_else(|e| panic!("{e}")).trim_start());
    assert_eq!(cert.tbs_certificate.subject.to_string(), "CN=foo.com");
}

// functions_test.go TestTypeOf / TestKindOf / TestTypeIs / TestTypeIsLike / TestKindIs, with
// template values standing in for Go's fixture (a slice, a string, a map).
#[test]
fn reflect_tests() {
    let n = table_with(&[("{{typeOf .}}", "[]string"), ("{{kindOf .}}", "slice")], &Value::string_list(["hello"]))
        + table_with(
            &[
                (r#"{{if typeIsLike "string" .}}t{{else}}f{{end}}"#, "t"),
                (r#"{{if typeIs "*sprig.fixtureTO" .}}t{{else}}f{{end}}"#, "f"),
                (r#"{{if kindIs "ptr" .}}t{{else}}f{{end}}"#, "f"),
            ],
            &Value::from("hello"),
        );
    assert_eq!(n, 5);
}

// date_test.go
#[test]
fn date_tests() {
    let n = table(&[(r#"{{toDate "2006-01-02" "2017-12-31" | date "02/01/2006"}}"#, "31/12/2017")]);
    assert_eq!(n, 1);
    let rows: &[(&str, &str)] =
        &[(r#"{{ date_in_zone "02 Jan 06 15:04 -0700" .Time "UTC" }}"#, "13 Jun 19 20:39 +0000")];
    for t in [
        Value::int64(1_560_458_379),
        Value::int(1_560_458_379),
        Value::Int(1_560_458_379, ferry_gotmpl::IntKind::Int32),
    ] {
        table_with(rows, &data(&[("Time", t)]));
    }
}

// Errors surface as Go's text/template reports a function's error or panic.
#[test]
fn errors_read_like_go() {
    let cases = [
        (r#"{{ fail "boom" }}"#, "error calling fail: boom"),
        (
            r#"{{ regexFind "[" "x" }}"#,
            "error calling regexFind: regexp: Compile(`[`): error parsing regexp: missing closing ]: `[`",
        ),
        (r#"{{ mustRegexFind "[" "x" }}"#, "error calling mustRegexFind: error parsing regexp: missing closing ]: `[`"),
        (r#"{{ substr 5 3 "foo" }}"#, "error calling substr: runtime error: slice bounds out of range [5:3]"),
        (r#"{{ div 1 0 }}"#, "error calling div: runtime error: integer divide by zero"),
        (r#"{{ first 3 }}"#, "error calling first: Cannot find first on type int"),
        (
            r#"{{ mustToDate "2006-01-02" "x" }}"#,
            r#"error calling mustToDate: parsing time "x" as "2006-01-02": cannot parse "x" as "2006""#,
        ),
        (
            r#"{{ semverCompare "badConstraint" "1.2.3" }}"#,
            "error calling semverCompare: improper constraint: badConstraint",
        ),
        (r#"{{ semverCompare "1.2.0" "badVersion" }}"#, "error calling semverCompare: invalid semantic version"),
        (r#"{{ upper 1 }}"#, "expected string; found 1"),
        (r#"{{ set nil "k" 1 }}"#, "error calling set: assignment to entry in nil map"),
    ];
    for (tpl, want) in cases {
        let err = run(tpl, &empty_data()).err().unwrap_or_default();
        assert!(err.contains(want), "{tpl}\n  want …{want}\n  got  {err}");
    }
}
