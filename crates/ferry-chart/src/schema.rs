//! `values.schema.json` validation (Helm 4 validates with
//! santhosh-tekuri/jsonschema v6 and prints its error tree). This is a
//! validator for the JSON Schema keywords charts use (drafts 4 to
//! 2020-12: types, properties, required, additional/pattern properties,
//! items, enums, numeric and string limits, combinators, conditionals,
//! local `$ref`s), with that library's messages:
//!
//! ```text
//! mychart:
//! - at '/replicaCount': got string, want integer
//! ```

use std::collections::BTreeMap;

use ferry_gotmpl::Value;
use ferry_goyaml::Value as J;

use crate::chart::Chart;

/// A validation failure: one line, maybe with nested causes.
#[derive(Debug, Clone, PartialEq)]
struct Failure {
    location: String,
    message: String,
    causes: Vec<Failure>,
}

fn quote(s: &str) -> String {
    let q = ferry_goyaml::go_quote(s);
    let inner = &q[1..q.len() - 1];
    format!("'{}'", inner.replace("\\\"", "\"").replace('\'', "\\'"))
}

fn pointer(path: &[String]) -> String {
    if path.is_empty() {
        return String::new();
    }
    path.iter().map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1"))).collect()
}

/// A value in JSON terms, for comparisons and messages.
#[derive(Debug, Clone, PartialEq)]
enum Inst {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Inst>),
    Obj(BTreeMap<String, Inst>),
}

fn inst_from_value(v: &Value, depth: usize) -> Inst {
    if depth > 512 {
        return Inst::Null;
    }
    match v {
        Value::Invalid | Value::Nil(_) => Inst::Null,
        Value::Bool(b) => Inst::Bool(*b),
        Value::Int(i, _) => Inst::Num(*i as f64),
        Value::Uint(u, _) => Inst::Num(*u as f64),
        Value::Float(f, _) => Inst::Num(*f),
        Value::String(s) => Inst::Str(s.to_string()),
        Value::Bytes(b) => Inst::Str(crate::govalue::base64_encode(b)),
        Value::List(l) => Inst::Arr(l.items.iter().map(|i| inst_from_value(i, depth + 1)).collect()),
        Value::Map(m) => Inst::Obj(m.entries().into_iter().map(|(k, v)| (k, inst_from_value(&v, depth + 1))).collect()),
        Value::Object(o) => o.to_data().map(|d| inst_from_value(&d, depth + 1)).unwrap_or(Inst::Null),
        Value::Complex(..) | Value::Func(_) => Inst::Null,
    }
}

fn inst_from_json(v: &J) -> Inst {
    match v {
        J::Null => Inst::Null,
        J::Bool(b) => Inst::Bool(*b),
        J::Int(i) => Inst::Num(*i as f64),
        J::Uint(u) => Inst::Num(*u as f64),
        J::Float(f) => Inst::Num(*f),
        J::Str(s) => Inst::Str(s.clone()),
        J::Seq(items) => Inst::Arr(items.iter().map(inst_from_json).collect()),
        J::Map(entries) => Inst::Obj(
            entries.iter().map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), inst_from_json(v))).collect(),
        ),
    }
}

fn type_name(i: &Inst) -> &'static str {
    match i {
        Inst::Null => "null",
        Inst::Bool(_) => "boolean",
        Inst::Num(f) if f.fract() == 0.0 && f.is_finite() => "integer",
        Inst::Num(_) => "number",
        Inst::Str(_) => "string",
        Inst::Arr(_) => "array",
        Inst::Obj(_) => "object",
    }
}

fn display(i: &Inst) -> String {
    match i {
        Inst::Str(s) => quote(s),
        Inst::Arr(_) | Inst::Obj(_) => "value".to_string(),
        Inst::Null => "null".to_string(),
        Inst::Bool(b) => b.to_string(),
        Inst::Num(f) => num(*f),
    }
}

fn num(f: f64) -> String {
    ferry_gostd::strconv::format_float(f, b'g', -1, 64)
}

fn get<'a>(schema: &'a [(J, J)], key: &str) -> Option<&'a J> {
    schema.iter().rev().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v)
}

fn as_f64(v: &J) -> Option<f64> {
    match v {
        J::Int(i) => Some(*i as f64),
        J::Uint(u) => Some(*u as f64),
        J::Float(f) => Some(*f),
        _ => None,
    }
}

struct Validator<'a> {
    root: &'a J,
    depth: usize,
    steps: usize,
    /// Set when the limits are hit: everything after is abandoned.
    aborted: bool,
}

const MAX_DEPTH: usize = 256;
/// Bounds the work on schemas that reference themselves through combinators.
const MAX_STEPS: usize = 2_000_000;

impl Validator<'_> {
    fn resolve(&self, reference: &str) -> Option<&J> {
        let frag = reference.strip_prefix('#')?;
        let mut cur = self.root;
        if frag.is_empty() {
            return Some(cur);
        }
        for part in frag.trim_start_matches('/').split('/') {
            let part = percent_decode(part).replace("~1", "/").replace("~0", "~");
            cur = match cur {
                J::Map(e) => get(e, &part)?,
                J::Seq(items) => items.get(part.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    fn validate(&mut self, schema: &J, inst: &Inst, path: &mut Vec<String>, out: &mut Vec<Failure>) {
        self.steps += 1;
        if self.aborted || self.depth > MAX_DEPTH || self.steps > MAX_STEPS {
            self.aborted = true;
            return;
        }
        self.depth += 1;
        self.validate_inner(schema, inst, path, out);
        self.depth -= 1;
    }

    fn fail(path: &[String], message: String, out: &mut Vec<Failure>) {
        out.push(Failure { location: pointer(path), message, causes: vec![] });
    }

    fn is_valid(&mut self, schema: &J, inst: &Inst, path: &mut Vec<String>) -> Vec<Failure> {
        let mut errs = Vec::new();
        self.validate(schema, inst, path, &mut errs);
        errs
    }

    fn validate_inner(&mut self, schema: &J, inst: &Inst, path: &mut Vec<String>, out: &mut Vec<Failure>) {
        let s = match schema {
            J::Bool(true) => return,
            J::Bool(false) => return Self::fail(path, "false schema".into(), out),
            J::Map(s) => s,
            _ => return,
        };
        if let Some(J::Str(r)) = get(s, "$ref") {
            match self.resolve(r) {
                Some(target) => {
                    let target = target.clone();
                    self.validate(&target, inst, path, out);
                }
                None => Self::fail(path, format!("unresolved $ref {}", quote(r)), out),
            }
        }
        if let Some(t) = get(s, "type") {
            let wants: Vec<&str> = match t {
                J::Str(x) => vec![x.as_str()],
                J::Seq(items) => items.iter().filter_map(|i| i.as_str()).collect(),
                _ => vec![],
            };
            let got = type_name(inst);
            let ok = wants.iter().any(|w| *w == got || (*w == "number" && got == "integer"));
            if !wants.is_empty() && !ok {
                let got = if got == "integer" { "number" } else { got };
                Self::fail(path, format!("got {got}, want {}", wants.join(" or ")), out);
            }
        }
        if let Some(J::Seq(items)) = get(s, "enum") {
            let want: Vec<Inst> = items.iter().map(inst_from_json).collect();
            if !want.iter().any(|w| w == inst) {
                let primitive = want.iter().all(|w| !matches!(w, Inst::Arr(_) | Inst::Obj(_)));
                let msg = if !primitive {
                    "enum failed".to_string()
                } else if want.len() == 1 {
                    format!("value must be {}", display(&want[0]))
                } else {
                    format!("value must be one of {}", want.iter().map(display).collect::<Vec<_>>().join(", "))
                };
                Self::fail(path, msg, out);
            }
        }
        if let Some(c) = get(s, "const") {
            let want = inst_from_json(c);
            if want != *inst {
                Self::fail(path, format!("value must be {}", display(&want)), out);
            }
        }
        match inst {
            Inst::Num(n) => self.numeric(s, *n, path, out),
            Inst::Str(st) => self.string(s, st, path, out),
            Inst::Arr(items) => self.array(s, items, path, out),
            Inst::Obj(obj) => self.object(s, obj, path, out),
            _ => {}
        }
        if let Some(J::Seq(subs)) = get(s, "allOf") {
            let mut causes = Vec::new();
            for sub in subs {
                causes.extend(self.is_valid(sub, inst, path));
            }
            if !causes.is_empty() {
                out.push(Failure { location: pointer(path), message: "allOf failed".into(), causes });
            }
        }
        if let Some(J::Seq(subs)) = get(s, "anyOf") {
            let mut causes = Vec::new();
            let mut matched = false;
            for sub in subs {
                let e = self.is_valid(sub, inst, path);
                if e.is_empty() {
                    matched = true;
                    break;
                }
                causes.extend(e);
            }
            if !matched {
                out.push(Failure { location: pointer(path), message: "anyOf failed".into(), causes });
            }
        }
        if let Some(J::Seq(subs)) = get(s, "oneOf") {
            let mut causes = Vec::new();
            let mut matched = Vec::new();
            for (i, sub) in subs.iter().enumerate() {
                let e = self.is_valid(sub, inst, path);
                if e.is_empty() {
                    matched.push(i);
                } else {
                    causes.extend(e);
                }
            }
            if matched.is_empty() {
                out.push(Failure { location: pointer(path), message: "oneOf failed, none matched".into(), causes });
            } else if matched.len() > 1 {
                Self::fail(path, format!("oneOf failed, subschemas {}, {} matched", matched[0], matched[1]), out);
            }
        }
        if let Some(n) = get(s, "not")
            && self.is_valid(n, inst, path).is_empty()
        {
            Self::fail(path, "not failed".into(), out);
        }
        if let Some(cond) = get(s, "if") {
            let branch = if self.is_valid(cond, inst, path).is_empty() { get(s, "then") } else { get(s, "else") };
            if let Some(b) = branch {
                self.validate(b, inst, path, out);
            }
        }
    }

    fn numeric(&mut self, s: &[(J, J)], n: f64, path: &[String], out: &mut Vec<Failure>) {
        let draft4_excl = |key: &str| matches!(get(s, key), Some(J::Bool(true)));
        if let Some(min) = get(s, "minimum").and_then(as_f64) {
            if draft4_excl("exclusiveMinimum") {
                if n <= min {
                    Self::fail(path, format!("exclusiveMinimum: got {}, want {}", num(n), num(min)), out);
                }
            } else if n < min {
                Self::fail(path, format!("minimum: got {}, want {}", num(n), num(min)), out);
            }
        }
        if let Some(max) = get(s, "maximum").and_then(as_f64) {
            if draft4_excl("exclusiveMaximum") {
                if n >= max {
                    Self::fail(path, format!("exclusiveMaximum: got {}, want {}", num(n), num(max)), out);
                }
            } else if n > max {
                Self::fail(path, format!("maximum: got {}, want {}", num(n), num(max)), out);
            }
        }
        if let Some(min) = get(s, "exclusiveMinimum").and_then(as_f64)
            && n <= min
        {
            Self::fail(path, format!("exclusiveMinimum: got {}, want {}", num(n), num(min)), out);
        }
        if let Some(max) = get(s, "exclusiveMaximum").and_then(as_f64)
            && n >= max
        {
            Self::fail(path, format!("exclusiveMaximum: got {}, want {}", num(n), num(max)), out);
        }
        if let Some(m) = get(s, "multipleOf").and_then(as_f64)
            && m > 0.0
        {
            let q = n / m;
            if (q - q.round()).abs() > 1e-9 {
                Self::fail(path, format!("{} not multipleOf {}", num(n), num(m)), out);
            }
        }
    }

    fn string(&mut self, s: &[(J, J)], st: &str, path: &[String], out: &mut Vec<Failure>) {
        let len = st.chars().count() as f64;
        if let Some(min) = get(s, "minLength").and_then(as_f64)
            && len < min
        {
            Self::fail(path, format!("minLength: got {}, want {}", num(len), num(min)), out);
        }
        if let Some(max) = get(s, "maxLength").and_then(as_f64)
            && len > max
        {
            Self::fail(path, format!("maxLength: got {}, want {}", num(len), num(max)), out);
        }
        if let Some(J::Str(p)) = get(s, "pattern") {
            match regex::Regex::new(p) {
                Ok(re) => {
                    if !re.is_match(st) {
                        Self::fail(path, format!("{} does not match pattern {}", quote(st), quote(p)), out);
                    }
                }
                Err(_) => Self::fail(path, format!("invalid regex pattern {}", quote(p)), out),
            }
        }
    }

    fn array(&mut self, s: &[(J, J)], items: &[Inst], path: &mut Vec<String>, out: &mut Vec<Failure>) {
        let len = items.len() as f64;
        if let Some(min) = get(s, "minItems").and_then(as_f64)
            && len < min
        {
            Self::fail(path, format!("minItems: got {}, want {}", num(len), num(min)), out);
        }
        if let Some(max) = get(s, "maxItems").and_then(as_f64)
            && len > max
        {
            Self::fail(path, format!("maxItems: got {}, want {}", num(len), num(max)), out);
        }
        if matches!(get(s, "uniqueItems"), Some(J::Bool(true))) {
            'outer: for i in 0..items.len() {
                for j in i + 1..items.len() {
                    if items[i] == items[j] {
                        Self::fail(path, format!("items at {i} and {j} are equal"), out);
                        break 'outer;
                    }
                }
            }
        }
        let mut start = 0;
        if let Some(J::Seq(prefix)) = get(s, "prefixItems") {
            for (i, (sub, item)) in prefix.iter().zip(items).enumerate() {
                path.push(i.to_string());
                self.validate(sub, item, path, out);
                path.pop();
            }
            start = prefix.len();
        }
        match get(s, "items") {
            Some(J::Seq(tuple)) => {
                for (i, (sub, item)) in tuple.iter().zip(items).enumerate() {
                    path.push(i.to_string());
                    self.validate(sub, item, path, out);
                    path.pop();
                }
                if let Some(extra) = get(s, "additionalItems") {
                    for (i, item) in items.iter().enumerate().skip(tuple.len()) {
                        path.push(i.to_string());
                        self.validate(extra, item, path, out);
                        path.pop();
                    }
                }
            }
            Some(sub) => {
                for (i, item) in items.iter().enumerate().skip(start) {
                    path.push(i.to_string());
                    self.validate(sub, item, path, out);
                    path.pop();
                }
            }
            None => {}
        }
        if let Some(c) = get(s, "contains") {
            let count = items
                .iter()
                .enumerate()
                .filter(|(i, item)| {
                    path.push(i.to_string());
                    let ok = self.is_valid(c, item, path).is_empty();
                    path.pop();
                    ok
                })
                .count() as f64;
            let min = get(s, "minContains").and_then(as_f64).unwrap_or(1.0);
            if count == 0.0 && min > 0.0 {
                // The library reports why each item failed under the contains error.
                let mut causes = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    causes.extend(self.is_valid(c, item, path));
                    path.pop();
                }
                out.push(Failure { location: pointer(path), message: "no items match contains schema".into(), causes });
            } else if count < min {
                Self::fail(path, format!("minContains: got {}, want {}", num(count), num(min)), out);
            }
            if let Some(max) = get(s, "maxContains").and_then(as_f64)
                && count > max
            {
                Self::fail(path, format!("maxContains: got {}, want {}", num(count), num(max)), out);
            }
        }
    }

    fn object(&mut self, s: &[(J, J)], obj: &BTreeMap<String, Inst>, path: &mut Vec<String>, out: &mut Vec<Failure>) {
        let len = obj.len() as f64;
        if let Some(min) = get(s, "minProperties").and_then(as_f64)
            && len < min
        {
            Self::fail(path, format!("minProperties: got {}, want {}", num(len), num(min)), out);
        }
        if let Some(max) = get(s, "maxProperties").and_then(as_f64)
            && len > max
        {
            Self::fail(path, format!("maxProperties: got {}, want {}", num(len), num(max)), out);
        }
        if let Some(J::Seq(req)) = get(s, "required") {
            let missing: Vec<String> =
                req.iter().filter_map(|r| r.as_str()).filter(|r| !obj.contains_key(*r)).map(quote).collect();
            match missing.len() {
                0 => {}
                1 => Self::fail(path, format!("missing property {}", missing[0]), out),
                _ => Self::fail(path, format!("missing properties {}", missing.join(", ")), out),
            }
        }
        if let Some(J::Map(dr)) = get(s, "dependentRequired").or_else(|| get(s, "dependencies")) {
            for (k, v) in dr {
                let Some(k) = k.as_str() else { continue };
                if !obj.contains_key(k) {
                    continue;
                }
                match v {
                    J::Seq(names) => {
                        let missing: Vec<String> = names
                            .iter()
                            .filter_map(|n| n.as_str())
                            .filter(|n| !obj.contains_key(*n))
                            .map(quote)
                            .collect();
                        if !missing.is_empty() {
                            Self::fail(
                                path,
                                format!("properties {} required, if {} exists", missing.join(", "), quote(k)),
                                out,
                            );
                        }
                    }
                    sub => self.validate(sub, &Inst::Obj(obj.clone()), path, out),
                }
            }
        }
        let props = match get(s, "properties") {
            Some(J::Map(p)) => p.as_slice(),
            _ => &[],
        };
        let patterns: Vec<(regex::Regex, &J)> = match get(s, "patternProperties") {
            Some(J::Map(pp)) => {
                pp.iter().filter_map(|(k, v)| Some((regex::Regex::new(k.as_str()?).ok()?, v))).collect()
            }
            _ => Vec::new(),
        };
        let mut additional = Vec::new();
        for (key, val) in obj {
            let mut evaluated = false;
            if let Some(sub) = get(props, key) {
                evaluated = true;
                path.push(key.clone());
                self.validate(sub, val, path, out);
                path.pop();
            }
            for (re, sub) in &patterns {
                if re.is_match(key) {
                    evaluated = true;
                    path.push(key.clone());
                    self.validate(sub, val, path, out);
                    path.pop();
                }
            }
            if !evaluated {
                additional.push(key.clone());
            }
            if let Some(pn) = get(s, "propertyNames")
                && !self.is_valid(pn, &Inst::Str(key.clone()), path).is_empty()
            {
                Self::fail(path, format!("invalid propertyName {}", quote(key)), out);
            }
        }
        match get(s, "additionalProperties") {
            Some(J::Bool(false)) if !additional.is_empty() => {
                let names: Vec<String> = additional.iter().map(|a| quote(a)).collect();
                Self::fail(path, format!("additional properties {} not allowed", names.join(", ")), out);
            }
            Some(sub @ J::Map(_)) => {
                for key in additional {
                    if let Some(val) = obj.get(&key) {
                        path.push(key.clone());
                        self.validate(sub, val, path, out);
                        path.pop();
                    }
                }
            }
            _ => {}
        }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn render(failures: &[Failure], indent: usize, out: &mut String) {
    for f in failures {
        out.push_str(&"  ".repeat(indent));
        out.push_str(&format!("- at {}: {}\n", quote(&f.location), f.message));
        render(&f.causes, indent + 1, out);
    }
}

/// Helm's `ValidateAgainstSingleSchema`: the error text (ending with a
/// newline) if `values` do not satisfy `schema`.
pub fn validate_against_single_schema(values: &Value, schema: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(schema);
    let root = ferry_goyaml::decode_json(&text).map_err(|e| e.to_string())?;
    let inst = inst_from_value(values, 0);
    let mut v = Validator { root: &root, depth: 0, steps: 0, aborted: false };
    let mut failures = Vec::new();
    let mut path = Vec::new();
    v.validate(&root, &inst, &mut path, &mut failures);
    if v.aborted {
        return Err("- at '': schema too deeply nested or recursive\n".to_string());
    }
    if failures.is_empty() {
        return Ok(());
    }
    let mut out = String::new();
    render(&failures, 0, &mut out);
    Err(out)
}

/// Helm's `ValidateAgainstSchema`: the chart's schema, then each
/// subchart's against its part of the values.
pub fn validate_against_schema(chart: &Chart, values: &Value) -> Result<(), String> {
    let mut sb = String::new();
    if let Some(schema) = &chart.schema
        && let Err(e) = validate_against_single_schema(values, schema)
    {
        sb.push_str(&format!("{}:\n{e}", chart.name()));
    }
    for sub in &chart.dependencies {
        let raw = values.as_map().and_then(|m| m.get(sub.name()));
        let Some(raw) = raw else { continue };
        if matches!(raw, Value::Nil(_) | Value::Invalid) {
            continue;
        }
        if crate::govalue::as_table(&raw).is_none() {
            sb.push_str(&format!(
                "{}:\ninvalid type for values: expected object (map), got {}\n",
                sub.name(),
                raw.type_name()
            ));
            continue;
        }
        if let Err(e) = validate_against_schema(sub, &raw) {
            sb.push_str(&e);
        }
    }
    if sb.is_empty() { Ok(()) } else { Err(sb) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(schema: &str, values: &str) -> Result<(), String> {
        let v = crate::values::load_values(values.as_bytes()).unwrap();
        validate_against_single_schema(&v, schema.as_bytes())
    }

    /// Cases after Helm's `jsonschema_test.go`.
    #[test]
    fn helm_schema_cases() {
        let schema = r#"{
          "$schema": "http://json-schema.org/draft-07/schema#",
          "properties": {
            "addresses": {"items": {"type": "string"}, "type": "array"},
            "age": {"minimum": 0, "type": "integer"},
            "employmentInfo": {"properties": {"salary": {"minimum": 0, "type": "number"}, "title": {"type": "string"}}, "required": ["salary"], "type": "object"},
            "firstname": {"type": "string"},
            "likesCoffee": {"type": "boolean"},
            "phoneNumbers": {"items": {"properties": {"number": {"type": "string"}, "type": {"type": "string"}}, "type": "object"}, "type": "array"}
          },
          "required": ["firstname", "lastname"],
          "type": "object"
        }"#;
        let ok = "firstname: John\nlastname: Doe\nage: 25\nlikesCoffee: true\nemploymentInfo:\n  title: Software Developer\n  salary: 100000\naddresses:\n  - one\nphoneNumbers:\n  - number: \"555\"\n    type: home\n";
        assert_eq!(check(schema, ok), Ok(()));
        let bad = "firstname: John\nlastname: Doe\nage: -5\nlikesCoffee: true\nemploymentInfo:\n  title: Software Developer\n  salary: 100000\n";
        assert_eq!(check(schema, bad).unwrap_err(), "- at '/age': minimum: got -5, want 0\n");
        assert_eq!(check(schema, "lastname: Doe\n").unwrap_err(), "- at '': missing property 'firstname'\n");
        // Helm's TestValidateAgainstSingleSchemaNegative: root errors first, then properties.
        let schema_required = schema.replace(
            r#""required": ["firstname", "lastname"]"#,
            r#""required": ["firstname", "lastname", "employmentInfo"]"#,
        );
        assert_eq!(
            check(&schema_required, "firstname: John\nlastname: Doe\nage: -5\n").unwrap_err(),
            "- at '': missing property 'employmentInfo'\n- at '/age': minimum: got -5, want 0\n"
        );
        let bomb = r##"{"anyOf": [{"$ref": "#"}, {"$ref": "#"}]}"##;
        assert!(check(bomb, "a: 1\n").unwrap_err().contains("too deeply nested or recursive"));
        let contains = r#"{"properties": {"data": {"type": "array", "contains": {"type": "string"}}}}"#;
        assert_eq!(
            check(contains, "data: [12]\n").unwrap_err(),
            "- at '/data': no items match contains schema\n  - at '/data/0': got number, want string\n"
        );
        assert_eq!(
            check(schema, "firstname: 5\nlastname: x\n").unwrap_err(),
            "- at '/firstname': got number, want string\n"
        );
    }

    #[test]
    fn enums_refs_and_combinators() {
        let schema = r##"{"$defs": {"ios": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
          "additionalProperties": false,
          "properties": {"mode": {"enum": ["a", "b"]}, "port": {"$ref": "#/$defs/ios"}}}"##;
        assert_eq!(check(schema, "mode: a\nport: 80\n"), Ok(()));
        assert_eq!(check(schema, "mode: c\n").unwrap_err(), "- at '/mode': value must be one of 'a', 'b'\n");
        assert_eq!(check(schema, "extra: 1\n").unwrap_err(), "- at '': additional properties 'extra' not allowed\n");
        assert_eq!(
            check(schema, "port: true\n").unwrap_err(),
            "- at '/port': anyOf failed\n  - at '/port': got boolean, want string\n  - at '/port': got boolean, want integer\n"
        );
    }
}
