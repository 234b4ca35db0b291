//! Sprig `dict.go` and the mergo-based `merge` family.
//!
//! ferry-gotmpl maps are shared references like Go maps, so `set`, `unset`,
//! `merge` and `mergeOverwrite` change their argument in place and every
//! variable holding that map sees the change, as in Go.

use std::collections::BTreeMap;

use ferry_gotmpl::{FuncError, Function, Map, Type, Value};

use super::reflect::empty;
use super::{FuncMap, add, arg, fail, map_arg, s, t_any, t_list, t_map, t_str, t_strings};
use crate::cast::strval;

/// Nested maps deeper than this stop merging (mergo has no limit; this keeps recursion bounded).
const MAX_MERGE_DEPTH: usize = 512;

fn is_map(v: &Value) -> bool {
    matches!(v, Value::Map(_))
}

/// mergo's `deepMerge` for `map[string]interface {}` (mergo v1.0 as Sprig 3.3
/// uses it): changes `dst`, and maps nested in it, in place.
pub fn merge_maps(dst: &Map, src: &Map, overwrite: bool) {
    merge_into(dst, src, overwrite, &mut Vec::new());
}

/// `path` holds the (dst, src) pairs being merged: merging a pair again
/// (maps containing themselves) has nothing left to add, and would not end.
fn merge_into(dst: &Map, src: &Map, overwrite: bool, path: &mut Vec<(usize, usize)>) {
    let pair = (dst.id(), src.id());
    if path.len() > MAX_MERGE_DEPTH || path.contains(&pair) {
        return;
    }
    path.push(pair);
    // A snapshot of src: dst may be src itself.
    for (k, sv) in src.entries() {
        if matches!(sv, Value::Nil(_) | Value::Invalid) {
            if overwrite {
                dst.insert(k, sv);
            }
            continue;
        }
        let dv = dst.get(&k);
        if let (Value::Map(sm), Some(Value::Map(dm))) = (&sv, &dv) {
            merge_into(dm, sm, overwrite, path);
            if !dm.is_empty() {
                continue;
            }
        }
        let dst_set = dv.as_ref().is_some_and(|d| !empty(d));
        if dst_set
            && (matches!(sv, Value::List(_) | Value::Bytes(_)) || (is_map(&sv) && dv.as_ref().is_some_and(is_map)))
        {
            if overwrite && matches!(sv, Value::List(_) | Value::Bytes(_)) {
                dst.insert(k, sv);
            }
            continue;
        }
        if overwrite || !dst_set {
            // Go stores the src value itself: a map stays shared with src.
            dst.insert(k, sv);
        }
    }
    path.pop();
}

fn merge_fn(overwrite: bool, must: bool) -> Function {
    Function::variadic(vec![t_map()], t_map(), move |_, a| {
        let srcs: Option<Vec<&Map>> = a.iter().skip(1).map(Value::as_map).collect();
        let Some(srcs) = srcs else {
            return if must { fail("src and dst must be of same type") } else { Ok(Value::from("")) };
        };
        // mergo replaces a nil dst with a new map before merging into it.
        let dst = match arg(a, 0) {
            Value::Map(m) => m.clone(),
            _ => Map::new(t_map(), BTreeMap::new()),
        };
        for src in srcs {
            merge_maps(&dst, src, overwrite);
        }
        Ok(Value::Map(dst))
    })
}

fn keys_of(a: &[Value]) -> Vec<String> {
    a.iter().filter_map(Value::as_map).flat_map(Map::keys).collect()
}

pub(super) fn register(m: &mut FuncMap) {
    add(
        m,
        "get",
        Function::new(vec![t_map(), t_str()], |_, a| {
            Ok(arg(a, 0).as_map().and_then(|d| d.get(s(a, 1))).unwrap_or_else(|| Value::from("")))
        }),
    );
    add(
        m,
        "set",
        Function::new(vec![t_map(), t_str(), t_any()], |_, a| match arg(a, 0) {
            Value::Map(d) => {
                d.insert(s(a, 1), arg(a, 2).clone());
                Ok(arg(a, 0).clone())
            }
            // Go's runtime panic, which text/template reports as the call's error.
            _ => fail("assignment to entry in nil map"),
        })
        .returns(t_map()),
    );
    add(
        m,
        "unset",
        Function::new(vec![t_map(), t_str()], |_, a| {
            // delete on a nil map does nothing.
            if let Value::Map(d) = arg(a, 0) {
                d.remove(s(a, 1));
            }
            Ok(arg(a, 0).clone())
        })
        .returns(t_map()),
    );
    add(
        m,
        "hasKey",
        Function::new(vec![t_map(), t_str()], |_, a| {
            Ok(Value::Bool(arg(a, 0).as_map().is_some_and(|d| d.contains_key(s(a, 1)))))
        })
        .returns(Type::Bool),
    );
    add(
        m,
        "pluck",
        Function::variadic(vec![t_str()], t_map(), |_, a| {
            let key = s(a, 0);
            let found = a.iter().skip(1).filter_map(Value::as_map).filter_map(|d| d.get(key)).collect();
            Ok(Value::list(found))
        })
        .returns(t_list()),
    );
    // Go map iteration order is random; sorted key order is one of its outcomes.
    add(
        m,
        "keys",
        Function::variadic(Vec::<Type>::new(), t_map(), |_, a| Ok(Value::string_list(keys_of(a)))).returns(t_strings()),
    );
    add(
        m,
        "pick",
        Function::variadic(vec![t_map()], t_str(), |_, a| {
            let d = map_arg(a, 0);
            let picked =
                a.iter().skip(1).filter_map(Value::as_str).filter_map(|k| d.get(k).map(|v| (k.to_string(), v.clone())));
            Ok(Value::map(picked.collect()))
        })
        .returns(t_map()),
    );
    add(
        m,
        "omit",
        Function::variadic(vec![t_map()], t_str(), |_, a| {
            let omit: Vec<&str> = a.iter().skip(1).filter_map(Value::as_str).collect();
            let kept = map_arg(a, 0).into_iter().filter(|(k, _)| !omit.contains(&k.as_str()));
            Ok(Value::map(kept.collect()))
        })
        .returns(t_map()),
    );
    add(
        m,
        "dict",
        Function::variadic(Vec::<Type>::new(), t_any(), |_, a| {
            let mut d = BTreeMap::new();
            for pair in a.chunks(2) {
                let key = strval(&pair[0]);
                d.insert(key, pair.get(1).cloned().unwrap_or_else(|| Value::from("")));
            }
            Ok(Value::map(d))
        })
        .returns(t_map()),
    );
    add(m, "merge", merge_fn(false, false));
    add(m, "mustMerge", merge_fn(false, true));
    add(m, "mergeOverwrite", merge_fn(true, false));
    add(m, "mustMergeOverwrite", merge_fn(true, true));
    add(
        m,
        "values",
        Function::new(vec![t_map()], |_, a| Ok(Value::list(map_arg(a, 0).into_values().collect()))).returns(t_list()),
    );
    add(
        m,
        "dig",
        Function::variadic(Vec::<Type>::new(), t_any(), |_, a| {
            if a.len() < 3 {
                return fail("dig needs at least three arguments");
            }
            let dict = &a[a.len() - 1];
            let default = a[a.len() - 2].clone();
            let mut keys = Vec::with_capacity(a.len() - 2);
            for k in &a[..a.len() - 2] {
                match k {
                    Value::String(s) => keys.push(s.to_string()),
                    other => return Err(assertion(other, "string")),
                }
            }
            let mut cur = dict.clone();
            for (i, k) in keys.iter().enumerate() {
                let Some(m) = as_plain_map(&cur) else {
                    return Err(assertion(&cur, "map[string]interface {}"));
                };
                match m.get(k) {
                    None => return Ok(default),
                    Some(step) if i + 1 == keys.len() => return Ok(step),
                    Some(step) => cur = step,
                }
            }
            Ok(default)
        }),
    );
}

/// The map if the value's dynamic type is exactly `map[string]interface {}`
/// (Go's type assertion in `dig`).
fn as_plain_map(v: &Value) -> Option<&Map> {
    v.as_map().filter(|m| *m.ty() == t_map())
}

/// Go's failed type assertion panic.
fn assertion(v: &Value, want: &str) -> FuncError {
    let got = match v {
        Value::Invalid | Value::Nil(Type::Interface) => "nil".to_string(),
        other => other.type_name(),
    };
    FuncError::new(format!("interface conversion: interface {{}} is {got}, not {want}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pairs: &[(&str, Value)]) -> Map {
        Map::new(t_map(), pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    fn show(d: &Map) -> String {
        Value::Map(d.clone()).to_string()
    }

    // Expectations follow mergo v1.0's deepMerge for maps, as Sprig 3.3 calls it.
    #[test]
    fn merge_keeps_set_values_and_recurses() {
        let src = m(&[("a", Value::int(3)), ("b", Value::Map(m(&[("d", Value::int(4))]))), ("e", Value::int(5))]);
        let dst = || m(&[("a", Value::int(1)), ("b", Value::Map(m(&[("c", Value::int(2))])))]);
        let merged = dst();
        merge_maps(&merged, &src, false);
        assert_eq!(show(&merged), "map[a:1 b:map[c:2 d:4] e:5]");
        let over = dst();
        merge_maps(&over, &src, true);
        assert_eq!(show(&over), "map[a:3 b:map[c:2 d:4] e:5]");
    }

    #[test]
    fn merge_fills_empty_destination_values() {
        // mergo treats false, 0, "" and empty collections in dst as unset.
        let d = m(&[("x", Value::Bool(false)), ("y", Value::from("")), ("z", Value::list(vec![]))]);
        let src = m(&[("x", Value::Bool(true)), ("y", Value::from("s")), ("z", Value::list(vec![Value::int(1)]))]);
        merge_maps(&d, &src, false);
        assert_eq!(show(&d), "map[x:true y:s z:[1]]");
        // A nil in src never overwrites without override, and does with it.
        let keep = m(&[("k", Value::int(1))]);
        merge_maps(&keep, &m(&[("k", Value::nil())]), false);
        assert_eq!(show(&keep), "map[k:1]");
        let cleared = m(&[("k", Value::int(1))]);
        merge_maps(&cleared, &m(&[("k", Value::nil())]), true);
        assert_eq!(show(&cleared), "map[k:<nil>]");
    }

    #[test]
    fn merge_changes_nested_destination_maps_in_place() {
        let nested = m(&[("c", Value::int(2))]);
        let dst = m(&[("b", Value::Map(nested.clone()))]);
        let added = m(&[("x", Value::int(1))]);
        merge_maps(
            &dst,
            &m(&[("b", Value::Map(m(&[("d", Value::int(4))]))), ("new", Value::Map(added.clone()))]),
            false,
        );
        assert_eq!(show(&nested), "map[c:2 d:4]");
        // A map dst lacked is stored as is: dst and src now share it (as in Go).
        added.insert("y", Value::int(2));
        assert_eq!(show(&dst), "map[b:map[c:2 d:4] new:map[x:1 y:2]]");
    }

    #[test]
    fn merging_maps_that_contain_themselves_terminates() {
        let d = m(&[("a", Value::int(1))]);
        d.insert("self", Value::Map(d.clone()));
        d.insert("again", Value::Map(d.clone()));
        merge_maps(&d, &d, true);
        let other = m(&[("a", Value::int(2))]);
        other.insert("self", Value::Map(other.clone()));
        merge_maps(&d, &other, false);
        merge_maps(&other, &d, true);
        assert_eq!(d.get("a").map(|v| v.to_string()), Some("1".into()));
        assert_eq!(other.get("a").map(|v| v.to_string()), Some("1".into()));
    }
}
