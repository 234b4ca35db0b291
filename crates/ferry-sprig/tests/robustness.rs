//! Every Sprig function, called through a template with random argument values
//! of random types and counts, must return or fail with an error — never panic
//! or hang.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferry_gotmpl::{IntKind, TemplateSet, Type, UintKind, Value};
use proptest::prelude::*;

/// Functions whose cost comes from their purpose (RSA/DSA key generation,
/// bcrypt and scrypt work factors) or that need the network; they are
/// exercised by the upstream tables instead.
const SLOW_OR_NETWORK: &[&str] = &[
    "genPrivateKey",
    "genCA",
    "genSelfSignedCert",
    "genSignedCert",
    "bcrypt",
    "htpasswd",
    "derivePassword",
    "getHostByName",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Invalid),
        Just(Value::nil()),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::int),
        (-3i64..40).prop_map(Value::int),
        any::<i64>().prop_map(Value::int64),
        any::<i32>().prop_map(|i| Value::Int(i64::from(i), IntKind::Int32)),
        any::<u64>().prop_map(|u| Value::Uint(u, UintKind::Uint64)),
        any::<f64>().prop_map(Value::float64),
        Just(Value::float64(f64::NAN)),
        Just(Value::float64(f64::INFINITY)),
        ".{0,12}".prop_map(Value::from),
        "[a-z0-9._/:@%$()\\[\\]*+?^-]{0,10}".prop_map(Value::from),
        "[0-9x._-]{0,8}".prop_map(Value::from),
        prop::collection::vec(any::<u8>(), 0..8).prop_map(|b| Value::Bytes(Arc::from(b))),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(2, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::list),
            prop::collection::vec("[a-z]{0,3}".prop_map(Value::from), 0..4)
                .prop_map(|v| Value::typed_list(Type::Slice(Arc::new(Type::String)), v)),
            prop::collection::btree_map("[a-z]{0,3}", inner, 0..4).prop_map(Value::map),
        ]
    })
}

fn call(name: &str, args: &[Value]) {
    let mut set = TemplateSet::new("t");
    set.add_funcs(ferry_sprig::functions());
    let refs: Vec<String> = (0..args.len()).map(|i| format!(".a{i}")).collect();
    let text = format!("{{{{ {name} {} }}}}", refs.join(" "));
    if set.parse("t", &text).is_err() {
        return;
    }
    let data: BTreeMap<String, Value> = args.iter().enumerate().map(|(i, v)| (format!("a{i}"), v.clone())).collect();
    // Errors are fine; panics and hangs are not.
    let _ = set.execute("t", &Value::map(data));
}

fn names() -> Vec<String> {
    ferry_sprig::functions().into_keys().filter(|n| !SLOW_OR_NETWORK.contains(&n.as_str())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn no_function_panics(pick in any::<prop::sample::Index>(), args in prop::collection::vec(value(), 0..5)) {
        let names = names();
        let name = &names[pick.index(names.len())];
        call(name, &args);
    }
}

#[test]
fn every_function_survives_edge_arguments() {
    let edges = [
        Value::Invalid,
        Value::nil(),
        Value::from(""),
        Value::from("["),
        Value::int(-1),
        Value::int(i64::MIN),
        Value::int(i64::MAX),
        Value::float64(f64::NAN),
        Value::list(vec![]),
        Value::map(BTreeMap::new()),
    ];
    for name in names() {
        for a in &edges {
            for n in 0..4 {
                call(&name, &vec![a.clone(); n]);
            }
        }
    }
}

/// A value of the declared Go type, drawn from `seed` values (so the executor
/// accepts it and the function body runs).
fn typed(ty: &Type, s: &str, i: i64, any: &Value) -> Value {
    match ty {
        Type::String => Value::from(s),
        Type::Int => Value::int(i),
        Type::Int64 => Value::int64(i),
        Type::Uint32 => Value::Uint(u64::from(i as u32), UintKind::Uint32),
        Type::Float64 => Value::float64(i as f64 / 7.0),
        Type::Bool => Value::Bool(i % 2 == 0),
        Type::Slice(e) if **e == Type::Interface => Value::list(vec![Value::from(s), any.clone()]),
        Type::Map(..) => {
            let mut m = BTreeMap::new();
            m.insert(s.to_string(), any.clone());
            m.insert("scheme".into(), Value::from(s));
            Value::map(m)
        }
        Type::Object(name) if &**name == "time.Time" => {
            ferry_sprig::objects::TimeValue::value(ferry_sprig::gotime::Time::from_unix(i / 4, i % 1000))
        }
        Type::Object(name) if &**name == "sprig.certificate" => {
            Value::object(ferry_sprig::objects::CertificateValue(ferry_sprig::crypto::Certificate {
                cert: s.to_string(),
                key: s.to_string(),
            }))
        }
        _ => any.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn no_function_panics_with_well_typed_arguments(
        pick in any::<prop::sample::Index>(),
        s in prop_oneof![".{0,16}", "[a-z0-9._/:@%$(){}\\[\\]*+?^|-]{0,12}", "[0-9.x=<>~^|, -]{0,10}"],
        i in prop_oneof![any::<i64>(), -5i64..50],
        anys in prop::collection::vec(value(), 0..4),
    ) {
        let funcs = ferry_sprig::functions();
        let names = names();
        let name = &names[pick.index(names.len())];
        let Some(f) = funcs.get(name) else { return Ok(()) };
        let any = anys.first().cloned().unwrap_or(Value::Invalid);
        let mut args: Vec<Value> = f.params().iter().map(|t| typed(t, &s, i, &any)).collect();
        if let Some(rest) = f.variadic_type() {
            args.extend(anys.iter().map(|a| typed(rest, &s, i, a)));
        }
        call(name, &args);
    }
}
