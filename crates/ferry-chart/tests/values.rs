//! Helm's `pkg/chart/common/util/coalesce_test.go` cases, ported, plus
//! `--set`/`-f` merging through the public API.

use std::collections::BTreeMap;

use ferry_chart::{Chart, Metadata, values};
use ferry_gotmpl::{TemplateSet, Value};

fn chart(name: &str, vals: &str, deps: Vec<Chart>) -> Chart {
    Chart {
        metadata: Metadata {
            name: name.into(),
            version: "0.1.0".into(),
            api_version: "v2".into(),
            ..Metadata::default()
        },
        values: values::load_values(vals.as_bytes()).unwrap(),
        dependencies: deps,
        ..Chart::default()
    }
}

fn ttpl(tpl: &str, v: &Value) -> String {
    let mut t = TemplateSet::new("t");
    t.parse("t", tpl).unwrap();
    t.execute("t", v).unwrap()
}

const TEST_COALESCE_VALUES_YAML: &str = "
top: yup
bottom: null
right: Null
left: NULL
front: ~
back: \"\"
nested:
  boat: null

global:
  name: Ishmael
  subject: Queequeg
  nested:
    boat: true

pequod:
  boat: null
  global:
    name: Stinky
    harpooner: Tashtego
    nested:
      boat: false
      sail: true
      foo2: null
  ahab:
    scope: whale
    boat: null
    nested:
      foo: true
      boat: null
    object: null
";

fn moby(merge_variant: bool) -> Chart {
    let ahab = if merge_variant {
        chart(
            "ahab",
            "global:\n  nested:\n    foo: bar\n  nested2:\n    l2: ahab\nscope: ahab\nname: ahab\nboat: true\nnested:\n  foo: false\n  bar: true\n",
            vec![],
        )
    } else {
        chart(
            "ahab",
            "global:\n  nested:\n    foo: bar\n    foo2: bar2\n  nested2:\n    l2: ahab\nscope: ahab\nname: ahab\nboat: true\nnested:\n  foo: false\n  boat: true\nobject:\n  foo: bar\n",
            vec![],
        )
    };
    let pequod_vals = if merge_variant {
        "name: pequod\nscope: pequod\nglobal:\n  nested2:\n    l1: pequod\n"
    } else {
        "name: pequod\nscope: pequod\nglobal:\n  nested2:\n    l1: pequod\nboat: false\nahab:\n  boat: false\n  nested:\n    boat: false\n"
    };
    let pequod = chart("pequod", pequod_vals, vec![ahab]);
    let spouter = chart("spouter", "scope: spouter\nglobal:\n  nested2:\n    l1: spouter\n", vec![]);
    let moby_vals = if merge_variant {
        "back: exists\nbottom: exists\nfront: exists\nleft: exists\nname: moby\nnested:\n  boat: true\noverride: bad\nright: exists\nscope: moby\ntop: nope\nglobal:\n  nested2:\n    l0: moby\n"
    } else {
        "back: exists\nbottom: exists\nfront: exists\nleft: exists\nname: moby\nnested:\n  boat: true\noverride: bad\nright: exists\nscope: moby\ntop: nope\nglobal:\n  nested2:\n    l0: moby\npequod:\n  boat: maybe\n  ahab:\n    boat: maybe\n    nested:\n      boat: maybe\n"
    };
    chart("moby", moby_vals, vec![pequod, spouter])
}

const EXPECTATIONS: &[(&str, &str)] = &[
    ("{{.top}}", "yup"),
    ("{{.back}}", ""),
    ("{{.name}}", "moby"),
    ("{{.global.name}}", "Ishmael"),
    ("{{.global.subject}}", "Queequeg"),
    ("{{.global.harpooner}}", "<no value>"),
    ("{{.pequod.name}}", "pequod"),
    ("{{.pequod.ahab.name}}", "ahab"),
    ("{{.pequod.ahab.scope}}", "whale"),
    ("{{.pequod.ahab.nested.foo}}", "true"),
    ("{{.pequod.ahab.global.name}}", "Ishmael"),
    ("{{.pequod.ahab.global.nested.foo}}", "bar"),
    ("{{.pequod.ahab.global.subject}}", "Queequeg"),
    ("{{.pequod.ahab.global.harpooner}}", "Tashtego"),
    ("{{.pequod.global.name}}", "Ishmael"),
    ("{{.pequod.global.nested.foo}}", "<no value>"),
    ("{{.pequod.global.subject}}", "Queequeg"),
    ("{{.spouter.global.name}}", "Ishmael"),
    ("{{.spouter.global.harpooner}}", "<no value>"),
    ("{{.global.nested.boat}}", "true"),
    ("{{.pequod.global.nested.boat}}", "true"),
    ("{{.spouter.global.nested.boat}}", "true"),
    ("{{.pequod.global.nested.sail}}", "true"),
    ("{{.spouter.global.nested.sail}}", "<no value>"),
    ("{{.global.nested2.l0}}", "moby"),
    ("{{.global.nested2.l1}}", "<no value>"),
    ("{{.global.nested2.l2}}", "<no value>"),
    ("{{.pequod.global.nested2.l0}}", "moby"),
    ("{{.pequod.global.nested2.l1}}", "pequod"),
    ("{{.pequod.global.nested2.l2}}", "<no value>"),
    ("{{.pequod.ahab.global.nested2.l0}}", "moby"),
    ("{{.pequod.ahab.global.nested2.l1}}", "pequod"),
    ("{{.pequod.ahab.global.nested2.l2}}", "ahab"),
    ("{{.spouter.global.nested2.l0}}", "moby"),
    ("{{.spouter.global.nested2.l1}}", "spouter"),
    ("{{.spouter.global.nested2.l2}}", "<no value>"),
];

fn has(v: &Value, path: &[&str]) -> bool {
    let mut cur = v.clone();
    for p in path {
        let Some(m) = cur.as_map() else { return false };
        let Some(next) = m.get(p) else { return false };
        cur = next;
    }
    true
}

#[test]
fn coalesce_values() {
    let c = moby(false);
    let vals = values::load_values(TEST_COALESCE_VALUES_YAML.as_bytes()).unwrap();
    let before = ferry_sprig::json::marshal(&vals).unwrap();
    let warnings = values::Warnings::default();
    let v = values::coalesce_values(&c, &vals, &warnings).unwrap();
    for (tpl, want) in EXPECTATIONS {
        assert_eq!(ttpl(tpl, &v), *want, "{tpl}");
    }
    for key in ["bottom", "right", "left", "front"] {
        assert!(!has(&v, &[key]), "{key} should be removed");
    }
    assert!(!has(&v, &["nested", "boat"]));
    assert!(!has(&v, &["pequod", "boat"]));
    assert!(!has(&v, &["pequod", "ahab", "boat"]));
    assert!(!has(&v, &["pequod", "ahab", "nested", "boat"]));
    assert!(!has(&v, &["pequod", "ahab", "object"]));
    // The user's values are not changed.
    assert_eq!(ferry_sprig::json::marshal(&vals).unwrap(), before);
}

#[test]
fn merge_values_keeps_nulls() {
    let c = moby(true);
    let vals = values::load_values(TEST_COALESCE_VALUES_YAML.as_bytes()).unwrap();
    let warnings = values::Warnings::default();
    let v = values::merge_values(&c, &vals, &warnings).unwrap();
    for (tpl, want) in EXPECTATIONS.iter().filter(|(t, _)| !t.contains("nested.foo2")) {
        assert_eq!(ttpl(tpl, &v), *want, "{tpl}");
    }
    for key in ["bottom", "right", "left", "front"] {
        assert!(has(&v, &[key]), "{key} should be kept");
        assert!(matches!(v.as_map().unwrap().get(key), Some(Value::Nil(_))));
    }
    assert!(has(&v, &["nested", "boat"]));
    assert!(has(&v, &["pequod", "ahab", "boat"]));
    assert!(has(&v, &["pequod", "ahab", "nested", "bar"]));
}

fn map(v: &Value) -> ferry_gotmpl::Map {
    v.as_map().unwrap().clone()
}

#[test]
fn coalesce_tables() {
    let dst = values::load_values(
        b"name: Ishmael\naddress:\n  street: 123 Spouter Inn Ct.\n  city: Nantucket\n  country: null\ndetails:\n  friends: [Tashtego]\nboat: pequod\nhole: null\n",
    )
    .unwrap();
    let src = values::load_values(
        b"occupation: whaler\naddress:\n  state: MA\n  street: 234 Spouter Inn Ct.\n  country: US\ndetails: empty\nboat:\n  mast: true\nhole: black\n",
    )
    .unwrap();
    let warnings = values::Warnings::default();
    let d = map(&dst);
    values::coalesce_tables(&d, &map(&src), false, &warnings);
    let v = Value::Map(d);
    assert_eq!(
        ttpl("{{.name}}|{{.occupation}}|{{.address.street}}|{{.address.city}}|{{.address.state}}|{{.boat}}", &v),
        "Ishmael|whaler|123 Spouter Inn Ct.|Nantucket|MA|pequod"
    );
    assert!(!has(&v, &["address", "country"]));
    assert!(!has(&v, &["hole"]));
    assert!(has(&v, &["details", "friends"]));
    assert!(!warnings.borrow().is_empty());

    // MergeTables keeps the nulls.
    let d = map(&dst.deep_copy().unwrap());
    values::coalesce_tables(&d, &map(&src), true, &warnings);
    let v = Value::Map(d);
    assert!(has(&v, &["address", "country"]));
    assert!(has(&v, &["hole"]));
}

#[test]
fn subchart_tables_must_be_tables() {
    let c = chart("parent", "", vec![chart("sub", "a: 1\n", vec![])]);
    let warnings = values::Warnings::default();
    let err = values::coalesce_values(&c, &values::load_values(b"sub: text\n").unwrap(), &warnings).unwrap_err();
    assert_eq!(err.to_string(), "type mismatch on sub: %!t(string=text)");
    let ok = values::coalesce_values(&c, &Value::map(BTreeMap::new()), &warnings).unwrap();
    assert_eq!(ttpl("{{.sub.a}}", &ok), "1");
}
