//! Maps are Go reference values: a change made through one handle (Sprig's
//! `set`/`unset`, here minimal stand-ins) is seen through every variable,
//! field, nested map and later execution holding the same map.

use std::collections::BTreeMap;

use ferry_gotmpl::{Function, Map, TemplateSet, Type, Value};

fn map_type() -> Type {
    Type::map_of_interface()
}

/// Sprig's `set`/`unset`: change the argument in place and return it.
fn set_with_mutators() -> TemplateSet {
    let mut set = TemplateSet::new("gotpl");
    set.add_func(
        "set",
        Function::new([map_type(), Type::String, Type::Interface], |_, a| {
            if let Some(m) = a[0].as_map() {
                m.insert(a[1].as_str().unwrap_or(""), a[2].clone());
            }
            Ok(a[0].clone())
        })
        .returns(map_type()),
    );
    set.add_func(
        "unset",
        Function::new([map_type(), Type::String], |_, a| {
            if let Some(m) = a[0].as_map() {
                m.remove(a[1].as_str().unwrap_or(""));
            }
            Ok(a[0].clone())
        })
        .returns(map_type()),
    );
    set.add_func(
        "dict",
        Function::variadic([], Type::Interface, |_, a| {
            let entries = a.chunks(2).map(|p| (p[0].to_string(), p.get(1).cloned().unwrap_or_else(Value::nil)));
            Ok(Value::map(entries.collect()))
        }),
    );
    set.add_func(
        "include",
        Function::new([Type::String, Type::Interface], |ctx, a| {
            Ok(Value::from(ctx.execute_template(a[0].as_str().unwrap_or(""), &a[1])?))
        }),
    );
    set
}

fn run(text: &str, data: &Value) -> String {
    let mut set = set_with_mutators();
    set.parse("t", text).unwrap_or_else(|e| panic!("{e}"));
    set.execute("t", data).unwrap_or_else(|e| panic!("{e}"))
}

fn entries(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

#[test]
fn a_change_is_seen_through_another_variable() {
    let out = run(
        r#"{{ $a := dict "one" 1 }}{{ $b := $a }}{{ $_ := set $b "two" 2 }}{{ $_ := unset $b "one" }}{{ $a }} {{ len $a }}"#,
        &Value::Invalid,
    );
    assert_eq!(out, "map[two:2] 1");
}

#[test]
fn a_change_to_a_nested_map_is_seen_through_its_parent() {
    let data = Value::map(entries(&[("outer", Value::map(entries(&[("inner", Value::map(BTreeMap::new()))])))]));
    let out = run(
        r#"{{ $in := .outer.inner }}{{ $_ := set $in "k" "v" }}{{ .outer.inner.k }} {{ index . "outer" "inner" "k" }} {{ .outer }}"#,
        &data,
    );
    assert_eq!(out, "v v map[inner:map[k:v]]");
    // The caller's handle sees it too: the data was changed, not a copy.
    let outer = data.as_map().and_then(|m| m.get("outer")).unwrap();
    assert_eq!(outer.to_string(), "map[inner:map[k:v]]");
}

#[test]
fn maps_inside_lists_are_shared() {
    let inner = Value::map(BTreeMap::new());
    let data = Value::map(entries(&[("items", Value::list(vec![inner.clone()]))]));
    let out = run(r#"{{ $_ := set (index .items 0) "k" 1 }}{{ range .items }}{{ .k }}{{ end }}"#, &data);
    assert_eq!(out, "1");
    assert_eq!(inner.to_string(), "map[k:1]");
}

#[test]
fn values_changed_in_one_execution_are_seen_by_the_next() {
    // Helm renders every template of a chart with the same values map.
    let mut set = set_with_mutators();
    set.parse("a.yaml", r#"{{- $_ := set .Values "fromA" "yes" -}}a"#).unwrap();
    set.parse("b.yaml", r#"b:{{ .Values.fromA }}"#).unwrap();
    let values = Value::typed_map(Type::named("chartutil.Values", map_type()), BTreeMap::new());
    let data = Value::map(entries(&[("Values", values)]));
    assert_eq!(set.execute("b.yaml", &data).unwrap(), "b:<no value>");
    assert_eq!(set.execute("a.yaml", &data).unwrap(), "a");
    assert_eq!(set.execute("b.yaml", &data).unwrap(), "b:yes");
}

#[test]
fn passing_a_named_map_type_converts_it_but_keeps_the_map() {
    // reflect's Call converts chartutil.Values to the parameter's
    // map[string]interface {}; the function returns that same map.
    let values = Value::typed_map(Type::named("chartutil.Values", map_type()), BTreeMap::new());
    let data = Value::map(entries(&[("Values", values.clone())]));
    let out = run(r#"{{ $r := set .Values "k" 1 }}{{ printf "%T %T" .Values $r }} {{ .Values.k }}"#, &data);
    assert_eq!(out, "chartutil.Values map[string]interface {} 1");

    let m = values.as_map().unwrap();
    let plain = m.retyped(map_type());
    plain.insert("other", Value::int(2));
    assert!(plain.ptr_eq(m) && plain.id() == m.id());
    assert_eq!(values.to_string(), "map[k:1 other:2]");
    assert_eq!(Value::Map(plain).type_name(), "map[string]interface {}");
}

#[test]
fn include_passes_the_map_itself() {
    let out = run(
        r#"{{- define "mark" }}{{ $_ := set . "marked" true }}{{ end -}}
{{- $d := dict "a" 1 }}{{ include "mark" $d }}{{ $d.marked }}"#,
        &Value::Invalid,
    );
    assert_eq!(out, "true");
}

#[test]
fn range_iterates_over_a_snapshot() {
    // Go's range sorts the entries first (fmtsort.Sort): keys added or removed
    // by the body do not change the iteration, but are visible afterwards.
    let out = run(
        r#"{{ $d := dict "a" 1 "b" 2 }}{{ range $k, $v := $d }}{{ $k }}{{ $v }};{{ $_ := set $d "z" 9 }}{{ $_ := unset $d "b" }}{{ end }} {{ $d }}"#,
        &Value::Invalid,
    );
    assert_eq!(out, "a1;b2; map[a:1 z:9]");
}

#[test]
fn a_map_containing_itself_prints_and_terminates() {
    let out = run(
        r#"{{ $d := dict "a" 1 }}{{ $_ := set $d "self" $d }}{{ $d }}|{{ printf "%#v" $d }}|{{ $d.self.self.a }}"#,
        &Value::Invalid,
    );
    assert_eq!(
        out,
        "map[a:1 self:%!v(CYCLE=map[string]interface {})]|map[string]interface {}{\"a\":1, \"self\":%!v(CYCLE=map[string]interface {})}|1"
    );
    // Two references to the same (acyclic) map are printed in full.
    let shared = Value::map(entries(&[("x", Value::int(1))]));
    let twice = Value::map(entries(&[("a", shared.clone()), ("b", shared)]));
    assert_eq!(twice.to_string(), "map[a:map[x:1] b:map[x:1]]");
}

#[test]
fn clones_share_and_copies_do_not() {
    let m = Map::new(map_type(), entries(&[("k", Value::int(1))]));
    let alias = m.clone();
    assert!(alias.ptr_eq(&m));
    alias.insert("k", Value::int(2));
    assert_eq!(m.get("k").map(|v| v.to_string()), Some("2".into()));

    let shallow = m.shallow_copy();
    shallow.insert("k", Value::int(3));
    assert_eq!(m.get("k").map(|v| v.to_string()), Some("2".into()));
    assert_eq!(shallow.ty(), m.ty());
}

#[test]
fn deep_copy_is_independent_at_every_level() {
    let inner = Value::map(entries(&[("x", Value::int(1))]));
    let list = Value::list(vec![inner.clone()]);
    let typed = Value::typed_map(
        Type::named("chartutil.Values", map_type()),
        entries(&[("inner", inner.clone()), ("list", list)]),
    );
    let copy = typed.deep_copy().unwrap();
    assert_eq!(copy.type_name(), "chartutil.Values");
    assert_eq!(copy.to_string(), typed.to_string());

    inner.as_map().unwrap().insert("x", Value::int(2));
    assert_eq!(typed.to_string(), "map[inner:map[x:2] list:[map[x:2]]]");
    assert_eq!(copy.to_string(), "map[inner:map[x:1] list:[map[x:1]]]");
    let copied_inner = copy.as_map().and_then(|m| m.get("inner")).unwrap();
    assert!(!copied_inner.as_map().unwrap().ptr_eq(inner.as_map().unwrap()));
}

#[test]
fn deep_copy_of_a_cycle_is_an_error() {
    let m = Map::new(map_type(), BTreeMap::new());
    m.insert("self", Value::Map(m.clone()));
    let err = Value::Map(m.clone()).deep_copy().unwrap_err();
    assert_eq!(err.to_string(), "encountered a cycle via map[string]interface {}");
    // Debug output terminates too.
    assert!(format!("{m:?}").contains("<cycle>"));
    // Breaking the cycle lets the map be freed.
    m.remove("self");
}

#[test]
fn maps_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Value>();
    let m = Map::new(map_type(), BTreeMap::new());
    std::thread::scope(|s| {
        for i in 0..4 {
            let m = m.clone();
            s.spawn(move || m.insert(format!("k{i}"), Value::int(i)));
        }
    });
    assert_eq!(m.keys(), ["k0", "k1", "k2", "k3"]);
}
