//! Dependency processing before rendering (Helm's `ProcessDependencies`,
//! `pkg/chart/v2/util/dependencies.go`): aliases, `condition` and `tags`
//! enable or drop subcharts, and `import-values` copies child values into
//! the parent's defaults.

use std::collections::BTreeMap;

use ferry_gotmpl::{Map, Value};

use crate::chart::{Chart, Dependency};
use crate::govalue::{as_table, copy_table, new_table};
use crate::values::{self, ValuesError, Warnings};

/// Helm's `IsCompatibleRange`: whether `version` satisfies the SemVer
/// `constraint` (false if either does not parse).
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    let Ok(v) = ferry_sprig::semver::Version::parse(version) else { return false };
    let Ok(c) = ferry_sprig::semver::Constraints::parse(constraint) else { return false };
    c.check(&v)
}

/// Helm's `ProcessDependencies`: drops disabled subcharts (conditions,
/// tags), applies aliases, and imports values from children.
pub fn process_dependencies(c: &mut Chart, vals: &Value, warnings: &Warnings) -> Result<(), ValuesError> {
    process_dependency_enabled(c, vals, "", warnings)?;
    process_dependency_import_values(c, false, warnings)
}

fn alias_dependency(charts: &[Chart], dep: &Dependency) -> Option<Chart> {
    for c in charts {
        if c.name() != dep.name {
            continue;
        }
        if !is_compatible_range(&dep.version, &c.metadata.version) {
            continue;
        }
        let mut out = c.clone();
        if !dep.alias.is_empty() {
            out.metadata.name = dep.alias.clone();
        }
        return Some(out);
    }
    None
}

fn process_dependency_enabled(c: &mut Chart, v: &Value, path: &str, warnings: &Warnings) -> Result<(), ValuesError> {
    let Some(reqs) = c.metadata.dependencies.clone() else { return Ok(()) };
    let mut reqs: Vec<Dependency> = reqs.into_iter().flatten().collect();

    let mut chart_dependencies: Vec<Chart> = Vec::new();
    for existing in &c.dependencies {
        let listed = reqs
            .iter()
            .any(|req| existing.name() == req.name && is_compatible_range(&req.version, &existing.metadata.version));
        if !listed {
            chart_dependencies.push(existing.clone());
        }
    }
    for req in &mut reqs {
        if let Some(dep) = alias_dependency(&c.dependencies, req) {
            chart_dependencies.push(dep);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    c.dependencies = chart_dependencies;

    for r in &mut reqs {
        r.enabled = true;
    }
    let cvals = values::coalesce_values(c, v, warnings)?;
    process_dependency_tags(&mut reqs, &cvals, warnings);
    process_dependency_conditions(&mut reqs, &cvals, path, warnings);

    let removed: Vec<String> = reqs.iter().filter(|r| !r.enabled).map(|r| r.name.clone()).collect();
    let mut kept: Vec<Chart> =
        std::mem::take(&mut c.dependencies).into_iter().filter(|d| !removed.contains(&d.metadata.name)).collect();
    let kept_meta: Vec<Option<Dependency>> =
        reqs.into_iter().filter(|r| !removed.contains(&r.name)).map(Some).collect();

    for t in &mut kept {
        let subpath = format!("{path}{}.", t.metadata.name);
        process_dependency_enabled(t, &cvals, &subpath, warnings)?;
    }
    c.metadata.dependencies = Some(kept_meta);
    c.dependencies = kept;
    Ok(())
}

fn process_dependency_tags(reqs: &mut [Dependency], cvals: &Value, warnings: &Warnings) {
    let Some(vt) = values::table(cvals, "tags") else { return };
    for r in reqs.iter_mut() {
        let (mut has_true, mut has_false) = (false, false);
        for k in &r.tags {
            if let Some(b) = vt.get(k) {
                match b {
                    Value::Bool(true) => has_true = true,
                    Value::Bool(false) => has_false = true,
                    _ => warnings.borrow_mut().push(format!("returned non-bool value tag={k} chart={}", r.name)),
                }
            }
        }
        if !has_true && has_false {
            r.enabled = false;
        } else if has_true || !has_false {
            r.enabled = true;
        }
    }
}

fn process_dependency_conditions(reqs: &mut [Dependency], cvals: &Value, cpath: &str, warnings: &Warnings) {
    for r in reqs.iter_mut() {
        let condition = r.condition.trim().to_string();
        for cond in condition.split(',') {
            if cond.is_empty() {
                continue;
            }
            if let Some(vv) = values::path_value(cvals, &format!("{cpath}{cond}")) {
                if let Value::Bool(b) = vv {
                    r.enabled = b;
                    break;
                }
                warnings.borrow_mut().push(format!("returned non-bool value path={cond} chart={}", r.name));
            }
        }
    }
}

/// `pathToMap`: nests `data` under a dotted path.
fn path_to_map(path: &str, data: Map) -> Map {
    if path == "." {
        return data;
    }
    let mut cur = data;
    for part in path.split('.').rev() {
        let mut m = BTreeMap::new();
        m.insert(part.to_string(), Value::Map(cur));
        cur = Map::new(ferry_gotmpl::Type::map_of_interface(), m);
    }
    cur
}

fn trim_nil_values(m: &Map) -> Map {
    let copy = copy_table(&Value::Map(m.clone()));
    trim_in_place(&copy);
    copy
}

fn trim_in_place(m: &Map) {
    for (k, v) in m.entries() {
        if crate::govalue::is_nil(&v) {
            m.remove(&k);
        } else if let Some(t) = as_table(&v) {
            trim_in_place(t);
        }
    }
}

fn process_import_values(c: &mut Chart, merge: bool, warnings: &Warnings) -> Result<(), ValuesError> {
    if c.metadata.dependencies.is_none() {
        return Ok(());
    }
    let empty = Value::map(BTreeMap::new());
    let cvals =
        if merge { values::merge_values(c, &empty, warnings)? } else { values::coalesce_values(c, &empty, warnings)? };
    let Some(deps) = c.metadata.dependencies.as_mut() else { return Ok(()) };
    let b = new_table();
    for r in deps.iter_mut().flatten() {
        let mut outiv = Vec::new();
        for riv in &r.import_values {
            use ferry_goyaml::Value as Y;
            let (child, parent) = match riv {
                Y::Map(iv) => {
                    let field = |name: &str| {
                        let v = iv.iter().find(|(k, _)| k.as_str() == Some(name)).map(|(_, v)| v);
                        ferry_gotmpl::gofmt::sprint(&[v.map(crate::govalue::from_yaml).unwrap_or(Value::nil())])
                    };
                    (field("child"), field("parent"))
                }
                Y::Str(iv) => (format!("exports.{iv}"), ".".to_string()),
                _ => continue,
            };
            outiv.push(Y::Map(vec![
                (Y::Str("child".into()), Y::Str(child.clone())),
                (Y::Str("parent".into()), Y::Str(parent.clone())),
            ]));
            let Some(vv) = values::table(&cvals, &format!("{}.{child}", r.name)) else {
                warnings.borrow_mut().push(match riv {
                    Y::Str(_) => format!("ImportValues missing table {child}"),
                    _ => format!("ImportValues missing table from chart {}", r.name),
                });
                continue;
            };
            let src = if matches!(riv, Y::Str(_)) {
                Map::new(ferry_gotmpl::Type::map_of_interface(), vv.to_btree())
            } else {
                path_to_map(&parent, Map::new(ferry_gotmpl::Type::map_of_interface(), vv.to_btree()))
            };
            values::coalesce_tables(&b, &src, merge, warnings);
        }
        r.import_values = outiv;
    }
    // Imported values rank below the parent's own: b is merged into cvals.
    let Value::Map(cv) = cvals else { return Ok(()) };
    let dst = if merge { copy_table(&Value::Map(cv)) } else { trim_nil_values(&cv) };
    values::coalesce_tables(&dst, &b, merge, warnings);
    c.values = Value::Map(dst);
    Ok(())
}

fn process_dependency_import_values(c: &mut Chart, merge: bool, warnings: &Warnings) -> Result<(), ValuesError> {
    for d in &mut c.dependencies {
        process_dependency_import_values(d, merge, warnings)?;
    }
    process_import_values(c, merge, warnings)
}
