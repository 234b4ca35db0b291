//! Values: reading `values.yaml` and `-f` files (every YAML document merged),
//! and Helm's coalescing of user values with chart defaults and subcharts
//! (`pkg/chart/common/util/coalesce.go`): `null` removes a key, `global`
//! flows down to subcharts, subchart defaults fill in below the parent's.
//!
//! Warnings Helm prints while coalescing (tables over scalars and the like)
//! are collected in a [`Warnings`] list instead of being logged.

use std::cell::RefCell;
use std::collections::BTreeMap;

use ferry_gotmpl::Value;

use ferry_gotmpl::Map;

use crate::chart::Chart;
use crate::govalue::{self, as_table, copy_table, is_nil, new_table, values_type};

/// Why values could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValuesError {
    /// A document of a values file is not valid YAML or not a mapping.
    #[error("cannot unmarshal yaml document: {0}")]
    Unmarshal(String),
    /// A `---` line followed by something other than a comment.
    #[error("error reading yaml document: invalid Yaml document separator: {0}")]
    Separator(String),
    /// A subchart's values are not a table (Go prints the value with `%t`).
    #[error("type mismatch on {name}: {value}")]
    TypeMismatch {
        /// The subchart name.
        name: String,
        /// The value found, formatted with Go's `%t`.
        value: String,
    },
}

/// Messages Helm logs while coalescing (`warning: skipped value for ...`).
pub type Warnings = RefCell<Vec<String>>;

/// Splits a YAML stream into documents the way Kubernetes'
/// `utilyaml.YAMLReader` does: a line starting with `---` ends a document
/// (only spaces and a comment may follow on that line).
pub fn split_yaml_documents(data: &[u8]) -> Result<Vec<&[u8]>, ValuesError> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    while pos < data.len() {
        let end = data[pos..].iter().position(|&b| b == b'\n').map(|i| pos + i + 1).unwrap_or(data.len());
        let line = &data[pos..end];
        if line.starts_with(b"---") {
            let rest = String::from_utf8_lossy(&line[3..]);
            let trimmed = rest.trim_matches(|c: char| c.is_whitespace());
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(ValuesError::Separator(trimmed.to_string()));
            }
            if pos > start {
                docs.push(&data[start..pos]);
            }
            start = end;
        }
        pos = end;
    }
    if data.len() > start {
        docs.push(&data[start..]);
    }
    Ok(docs)
}

/// Helm's `loader.LoadValues`: every document of a values file, decoded
/// with `sigs.k8s.io/yaml` and merged with [`merge_maps`] in order.
pub fn load_values(data: &[u8]) -> Result<Value, ValuesError> {
    let mut values: BTreeMap<String, Value> = BTreeMap::new();
    for doc in split_yaml_documents(data)? {
        let entries = ferry_goyaml::sigs::unmarshal_object(doc).map_err(|e| ValuesError::Unmarshal(e.to_string()))?;
        let current = govalue::yaml_entries(&entries);
        values = merge_maps(values, current);
    }
    Ok(Value::map(values))
}

/// Helm's `loader.MergeMaps`: keys of `b` win; tables present in both are merged.
pub fn merge_maps(a: BTreeMap<String, Value>, b: BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    let mut out = a;
    for (k, v) in b {
        if let (Some(vm), Some(bv)) = (as_table(&v), out.get(&k).and_then(as_table)) {
            let merged = merge_maps(bv.to_btree(), vm.to_btree());
            out.insert(k, Value::map(merged));
            continue;
        }
        out.insert(k, v);
    }
    out
}

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() { b.to_string() } else { format!("{a}.{b}") }
}

/// The coalescing context: Helm's `printf` for warnings.
pub(crate) struct Coalescer<'a> {
    pub(crate) warnings: &'a Warnings,
}

impl Coalescer<'_> {
    fn warn(&self, msg: String) {
        self.warnings.borrow_mut().push(msg);
    }

    /// `coalesce`: chart values, then dependencies.
    pub(crate) fn coalesce(&self, ch: &Chart, dest: &Map, prefix: &str, merge: bool) -> Result<(), ValuesError> {
        self.coalesce_values(ch, dest, prefix, merge);
        self.coalesce_deps(ch, dest, prefix, merge)
    }

    fn coalesce_deps(&self, ch: &Chart, dest: &Map, prefix: &str, merge: bool) -> Result<(), ValuesError> {
        for sub in &ch.dependencies {
            let name = sub.name().to_string();
            let dvmap = match dest.get(&name) {
                None => {
                    let m = new_table();
                    dest.insert(name.clone(), Value::Map(m.clone()));
                    m
                }
                Some(v) => match as_table(&v) {
                    Some(m) => m.clone(),
                    None => {
                        let value = ferry_gotmpl::gofmt::sprintf("%t", &[v]);
                        return Err(ValuesError::TypeMismatch { name, value });
                    }
                },
            };
            let sub_prefix = concat_prefix(prefix, ch.name());
            self.coalesce_globals(&dvmap, dest, &sub_prefix);
            self.coalesce(sub, &dvmap, &sub_prefix, merge)?;
            dest.insert(name, Value::Map(dvmap));
        }
        Ok(())
    }

    /// `coalesceGlobals`: copies the globals of `src` into `dest`'s globals.
    fn coalesce_globals(&self, dest: &Map, src: &Map, prefix: &str) {
        let dg = match dest.get(GLOBAL_KEY) {
            None => new_table(),
            Some(v) => match as_table(&v) {
                Some(m) => m.clone(),
                None => {
                    self.warn(format!("warning: skipping globals because destination {GLOBAL_KEY} is not a table."));
                    return;
                }
            },
        };
        let sg = match src.get(GLOBAL_KEY) {
            None => new_table(),
            Some(v) => match as_table(&v) {
                Some(m) => m.clone(),
                None => {
                    self.warn(format!("warning: skipping globals because source {GLOBAL_KEY} is not a table."));
                    return;
                }
            },
        };
        for (key, val) in sg.entries() {
            if let Some(vm) = as_table(&val) {
                // copyMap: a shallow copy; nested tables stay shared.
                let vv = vm.shallow_copy();
                match dg.get(&key) {
                    None => {
                        dg.insert(key, Value::Map(vv));
                    }
                    Some(destv) => match as_table(&destv) {
                        Some(destvmap) => {
                            let sub_prefix = concat_prefix(prefix, &key);
                            self.coalesce_tables_full_key(&vv, Some(destvmap), &sub_prefix, true);
                            dg.insert(key, Value::Map(vv));
                        }
                        None => {
                            self.warn(format!(
                                "Conflict: cannot merge map onto non-map for {}. Skipping.",
                                ferry_goyaml::go_quote(&key)
                            ));
                        }
                    },
                }
            } else if dg.get(&key).is_some_and(|dv| as_table(&dv).is_some()) {
                self.warn(format!("key {key} is table. Skipping"));
            } else {
                dg.insert(key, val);
            }
        }
        dest.insert(GLOBAL_KEY, Value::Map(dg));
    }

    /// `coalesceValues`: fills `v` with the chart's default values.
    fn coalesce_values(&self, ch: &Chart, v: &Map, prefix: &str, merge: bool) {
        let sub_prefix = concat_prefix(prefix, ch.name());
        let vc = copy_table(&ch.values);
        for (key, val) in vc.entries() {
            match v.get(&key) {
                Some(value) => {
                    if is_nil(&value) && !merge {
                        v.remove(&key);
                    } else if let Some(dest) = as_table(&value) {
                        match as_table(&val) {
                            Some(src) => {
                                let merge = child_chart_merge_true(ch, &key, merge);
                                if !merge && !prefix.is_empty() {
                                    clean_nil_values(src);
                                }
                                self.coalesce_tables_full_key(
                                    dest,
                                    Some(src),
                                    &concat_prefix(&sub_prefix, &key),
                                    merge,
                                );
                            }
                            None => {
                                if !is_nil(&val) {
                                    self.warn(format!("warning: skipped value for {sub_prefix}.{key}: Not a table."));
                                }
                            }
                        }
                    }
                }
                None => {
                    if !merge && !prefix.is_empty() {
                        if is_nil(&val) {
                            continue;
                        }
                        if let Some(sub) = as_table(&val) {
                            clean_nil_values(sub);
                        }
                    }
                    v.insert(key, val);
                }
            }
        }
    }

    /// `coalesceTablesFullKey`: merges `src` into `dst`; `dst` wins.
    pub(crate) fn coalesce_tables_full_key(&self, dst: &Map, src: Option<&Map>, prefix: &str, merge: bool) {
        let Some(src) = src else { return };
        let src_original_non_nil: std::collections::HashSet<String> =
            src.entries().into_iter().filter(|(_, v)| !is_nil(v)).map(|(k, _)| k).collect();
        for (k, v) in dst.entries() {
            if is_nil(&v) {
                src.insert(k, Value::nil());
            }
        }
        for (key, val) in src.entries() {
            let fullkey = concat_prefix(prefix, &key);
            match dst.get(&key) {
                Some(dv) if is_nil(&dv) && !merge && src_original_non_nil.contains(&key) => {
                    dst.remove(&key);
                }
                None => {
                    dst.insert(key, val);
                }
                Some(dv) => {
                    if let Some(vm) = as_table(&val) {
                        if let Some(dm) = as_table(&dv) {
                            if !dm.ptr_eq(vm) {
                                self.coalesce_tables_full_key(dm, Some(vm), &fullkey, merge);
                            }
                        } else {
                            self.warn(format!(
                                "warning: cannot overwrite table with non table for {fullkey} ({})",
                                sprint(&val)
                            ));
                        }
                    } else if as_table(&dv).is_some() && !is_nil(&val) {
                        self.warn(format!(
                            "warning: destination for {fullkey} is a table. Ignoring non-table value ({})",
                            sprint(&val)
                        ));
                    }
                }
            }
        }
    }
}

fn sprint(v: &Value) -> String {
    ferry_gotmpl::gofmt::sprint(std::slice::from_ref(v))
}

/// Helm's key for global values.
pub const GLOBAL_KEY: &str = "global";

fn child_chart_merge_true(ch: &Chart, key: &str, merge: bool) -> bool {
    ch.dependencies.iter().any(|d| d.name() == key) || merge
}

/// `cleanNilValues`: removes nils from a table, recursively, in place.
fn clean_nil_values(m: &Map) {
    for (key, val) in m.entries() {
        if is_nil(&val) {
            m.remove(&key);
        } else if let Some(sub) = as_table(&val) {
            clean_nil_values(sub);
        }
    }
}

/// Helm's `CoalesceValues`: the chart's values (and its subcharts')
/// under the user-supplied `vals`, with `null`s removing keys. The result
/// is a fresh `common.Values` map.
pub fn coalesce_values(chart: &Chart, vals: &Value, warnings: &Warnings) -> Result<Value, ValuesError> {
    let dest = copy_values(vals);
    Coalescer { warnings }.coalesce(chart, &dest, "", false)?;
    Ok(Value::Map(dest))
}

/// Helm's `MergeValues`: like [`coalesce_values`] but `null`s are kept.
pub fn merge_values(chart: &Chart, vals: &Value, warnings: &Warnings) -> Result<Value, ValuesError> {
    let dest = copy_values(vals);
    Coalescer { warnings }.coalesce(chart, &dest, "", true)?;
    Ok(Value::Map(dest))
}

/// A deep copy of user values as a `common.Values` map.
fn copy_values(vals: &Value) -> Map {
    let t = copy_table(vals);
    Map::new(values_type(), t.to_btree())
}

/// Helm's `CoalesceTables` (`merge` false) / `MergeTables` (`merge` true):
/// merges `src` into `dst` in place; `dst` wins.
pub fn coalesce_tables(dst: &Map, src: &Map, merge: bool, warnings: &Warnings) {
    Coalescer { warnings }.coalesce_tables_full_key(dst, Some(src), "", merge);
}

/// Looks up a table by a dotted path (Helm's `Values.Table`): every
/// element must be a `map[string]interface{}`. An empty path is the values
/// themselves.
pub fn table(values: &Value, path: &str) -> Option<Map> {
    let mut cur = match values {
        Value::Map(m) => m.clone(),
        _ => return None,
    };
    for part in path.split('.') {
        let next = cur.get(part)?;
        // Helm's tableLookup takes map[string]interface{} and Values alike.
        cur = match &next {
            Value::Map(m) if govalue::is_table_type(m.ty()) => m.clone(),
            _ => return None,
        };
    }
    Some(cur)
}

/// Helm's `Values.PathValue`: the non-table value at a dotted path.
pub fn path_value(values: &Value, path: &str) -> Option<Value> {
    if path.is_empty() {
        return None;
    }
    let t = match path.rsplit_once('.') {
        Some((tp, key)) => (table(values, tp)?, key),
        None => (values.as_map()?.clone(), path),
    };
    let v = t.0.get(t.1)?;
    if as_table(&v).is_some() { None } else { Some(v) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(s: &str) -> Value {
        load_values(s.as_bytes()).unwrap()
    }

    #[test]
    fn documents_split_like_kubernetes_yaml_reader() {
        let docs = split_yaml_documents(b"a: 1\n---\nb: 2\n--- # c\nc: 3\n").unwrap();
        assert_eq!(docs, vec![&b"a: 1\n"[..], &b"b: 2\n"[..], &b"c: 3\n"[..]]);
        assert_eq!(
            split_yaml_documents(b"a: 1\n--- x\n").unwrap_err().to_string(),
            "error reading yaml document: invalid Yaml document separator: x"
        );
        assert!(split_yaml_documents(b"---\n---\n").unwrap().is_empty());
    }

    #[test]
    fn multi_document_values_merge() {
        let v = yaml("a:\n  b: 1\n  c: [1]\n---\na:\n  d: 2\n  c: [2]\n");
        assert_eq!(v.to_string(), "map[a:map[b:1 c:[2] d:2]]");
    }

    #[test]
    fn table_and_path_value() {
        let v = yaml("a:\n  b:\n    c: x\n  s: 1\n");
        assert_eq!(path_value(&v, "a.b.c").unwrap().to_string(), "x");
        assert!(path_value(&v, "a.b").is_none());
        assert_eq!(path_value(&v, "a.s").unwrap().to_string(), "1");
        assert!(table(&v, "a.s").is_none());
        assert!(table(&v, "a.b").is_some());
    }
}
