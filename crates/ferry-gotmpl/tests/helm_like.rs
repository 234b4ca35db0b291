//! How the Helm layer uses the engine: `include`/`tpl` re-entering the
//! running template set, Helm's include recursion guard, `missingkey=zero`
//! behaviour, and the execution error shape of Helm's
//! `template-with-invalid-template-expr` golden.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use ferry_gotmpl::{Error, FuncError, Function, TemplateSet, Type, Value};

/// Helm's `include` with its per-name recursion guard (pkg/engine/engine.go,
/// recursionMaxNums = 1000).
fn include(counts: Arc<Mutex<HashMap<String, usize>>>) -> Function {
    Function::new([Type::String, Type::Interface], move |ctx, a| {
        let name = a[0].as_str().unwrap_or("").to_string();
        {
            let mut c = counts.lock().map_err(|_| FuncError::new("poisoned"))?;
            let n = c.entry(name.clone()).or_insert(0);
            if *n > 1000 {
                return Err(FuncError::new(format!(
                    "rendering template has a nested reference name: {name}: unable to execute template"
                )));
            }
            *n += 1;
        }
        let result = ctx.execute_template(&name, &a[1]);
        if let Ok(mut c) = counts.lock()
            && let Some(n) = c.get_mut(&name)
        {
            *n -= 1;
        }
        Ok(Value::from(result?))
    })
    .returns(Type::String)
}

/// Helm's `tpl`: clone the running set, parse the text under the parent's
/// name, execute it.
fn tpl() -> Function {
    Function::new([Type::String, Type::Interface], |ctx, a| {
        let mut t = ctx.templates().clone();
        let name = t.name().to_string();
        t.parse(&name, a[0].as_str().unwrap_or(""))?;
        Ok(Value::from(t.execute(&name, &a[1])?))
    })
    .returns(Type::String)
}

fn helm_set() -> TemplateSet {
    let mut set = TemplateSet::new("gotpl");
    set.option("missingkey=zero").unwrap();
    let counts = Arc::new(Mutex::new(HashMap::new()));
    set.add_func("include", include(counts));
    set.add_func("tpl", tpl());
    set.add_func(
        "b64enc",
        Function::new([Type::String], |_, a| Ok(Value::from(format!("b64({})", a[0].as_str().unwrap_or(""))))),
    );
    set
}

fn values(pairs: &[(&str, Value)]) -> Value {
    let m: BTreeMap<String, Value> = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    Value::typed_map(Type::named("chartutil.Values", Type::map_of_interface()), m)
}

#[test]
fn include_sees_defines_from_other_files() {
    let mut set = helm_set();
    set.parse("c/templates/_helpers.tpl", r#"{{- define "c.name" -}}{{ .Values.name | default_ }}{{- end -}}"#)
        .unwrap_err();
    // `default_` is not defined: the parser reports it like Go.
    let mut set = helm_set();
    set.parse("c/templates/_helpers.tpl", r#"{{- define "c.name" -}}name-{{ .Values.name }}{{- end -}}"#).unwrap();
    set.parse("c/templates/cm.yaml", "metadata:\n  name: {{ include \"c.name\" . | quote_ }}").unwrap_err();
    set.parse("c/templates/cm.yaml", "metadata:\n  name: {{ include \"c.name\" . }}").unwrap();
    let data = values(&[("Values", values(&[("name", Value::from("x"))]))]);
    assert_eq!(set.execute("c/templates/cm.yaml", &data).unwrap(), "metadata:\n  name: name-x");
}

#[test]
fn later_definitions_replace_earlier_ones_but_empty_ones_do_not() {
    let mut set = helm_set();
    set.parse("a.tpl", r#"{{define "x"}}first{{end}}"#).unwrap();
    set.parse("b.tpl", r#"{{define "x"}}second{{end}}"#).unwrap();
    set.parse("c.tpl", r#"{{define "x"}}  {{/* nothing */}}{{end}}"#).unwrap();
    set.parse("main", r#"{{template "x"}}"#).unwrap();
    assert_eq!(set.execute("main", &Value::Invalid).unwrap(), "second");
}

#[test]
fn tpl_defines_are_visible_to_include_inside_tpl_only() {
    let mut set = helm_set();
    set.parse(
        "t",
        r#"{{ tpl "{{define \"inner\"}}in-{{.}}{{end}}{{include \"inner\" .}}" "v" }}|{{ include "t2" . }}"#,
    )
    .unwrap();
    set.parse("t2", "t2").unwrap();
    assert_eq!(set.execute("t", &Value::Invalid).unwrap(), "in-v|t2");
    assert!(!set.has_template("inner"));
}

#[test]
fn tpl_errors_name_the_parent_template() {
    let mut set = helm_set();
    set.parse("t", r#"{{ tpl "{{ .x.y }}" "str" }}"#).unwrap();
    let err = set.execute("t", &Value::Invalid).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"template: t:1:3: executing "t" at <tpl "{{ .x.y }}" "str">: error calling tpl: template: gotpl:1:5: executing "gotpl" at <.x.y>: can't evaluate field x in type string"#
    );
    let cause = err.as_exec().and_then(|e| e.cause.as_deref()).and_then(Error::as_exec).unwrap();
    assert_eq!(cause.location.as_deref(), Some("gotpl:1:5"));
}

#[test]
fn runaway_include_stops_at_helms_limit_without_overflowing() {
    let mut set = helm_set();
    set.parse("loop", r#"{{ include "loop" . }}"#).unwrap();
    let err = set.execute("loop", &Value::Invalid).unwrap_err().to_string();
    assert!(
        err.ends_with("rendering template has a nested reference name: loop: unable to execute template"),
        "{}",
        &err[err.len().saturating_sub(200)..]
    );
    assert_eq!(err.matches("error calling include").count(), 1002);
}

#[test]
fn missingkey_zero_yields_nil_interface_like_helm() {
    let mut set = helm_set();
    set.parse("t", "[{{ .Values.missing }}] [{{ .Values.nil }}] {{ .Values.nil.x }}").unwrap();
    let data = values(&[("Values", values(&[("nil", Value::nil())]))]);
    let err = set.execute("t", &data).unwrap_err().to_string();
    assert_eq!(err, r#"template: t:1:54: executing "t" at <.Values.nil.x>: nil pointer evaluating interface {}.x"#);
    let mut set = helm_set();
    set.parse("t", "[{{ .Values.missing }}] [{{ .Values.nil }}]").unwrap();
    assert_eq!(set.execute("t", &data).unwrap(), "[<no value>] [<no value>]");
}

#[test]
fn eq_on_float_and_int_is_an_error_as_in_helm() {
    let mut set = helm_set();
    set.parse("t", "{{ if eq .Values.replicas 1 }}one{{ end }}").unwrap();
    let data = values(&[("Values", values(&[("replicas", Value::float64(1.0))]))]);
    let err = set.execute("t", &data).unwrap_err().to_string();
    assert!(err.ends_with("error calling eq: incompatible types for comparison: float64 and int"), "{err}");
}

fn conformance_dir() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/conformance"));
    if dir.is_dir() {
        return Some(dir.to_path_buf());
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "conformance corpus missing at {}", dir.display());
    None
}

/// Helm's golden `template-with-invalid-template-expr-debug-show-only.txt`
/// re-formats Go's ExecError pieces; the pieces must match exactly.
#[test]
fn invalid_template_expr_error_matches_helm_golden() {
    let Some(dir) = conformance_dir() else { return };
    let chart = "chart-with-template-with-invalid-template-expr";
    let name = format!("{chart}/templates/alpine-pod.yaml");
    let text =
        std::fs::read_to_string(dir.join("helm/testcharts").join(chart).join("templates/alpine-pod.yaml")).unwrap();
    let golden =
        std::fs::read_to_string(dir.join("helm/output/template-with-invalid-template-expr-debug-show-only.txt"))
            .unwrap()
            .replace("\r\n", "\n");
    let mut set = helm_set();
    set.parse(&name, &text).unwrap();
    let data = values(&[
        ("Values", values(&[("Name", Value::from("my-alpine"))])),
        ("Release", values(&[("Name", Value::from("release-name"))])),
    ]);
    let err = set.execute(&name, &data).unwrap_err();
    let e = err.as_exec().unwrap();
    let helm = format!(
        "Error: {}\n  executing {} at <{}>:\n    {}\n",
        e.location.as_deref().unwrap(),
        ferry_gostd::strconv::quote(&e.template),
        e.context.as_deref().unwrap(),
        e.message
    );
    assert_eq!(helm, golden);
    assert_eq!(
        err.to_string(),
        format!(r#"template: {name}:7:38: executing "{name}" at <b64enc>: invalid value; expected string"#)
    );
}

/// Helm's `.Files` is `type files map[string][]byte` with methods, and
/// `.Capabilities.APIVersions` a `[]string` type with `Has`: methods win over
/// map keys, while `range`, `index` and key access still see the map.
#[test]
fn methods_on_named_map_and_slice_types() {
    let files_ty =
        Type::named("engine.files", Type::Map(Arc::new(Type::String), Arc::new(Type::Slice(Arc::new(Type::Uint8)))));
    let vs_ty = Type::named("common.VersionSet", Type::Slice(Arc::new(Type::String)));
    let mut set = helm_set();
    set.add_type_methods("engine.files", |recv, name| {
        let recv = recv.clone();
        (name == "Get").then(|| {
            Function::new([Type::String], move |_, a| {
                let key = a[0].as_str().unwrap_or("");
                Ok(match recv.as_map().and_then(|m| m.get(key)) {
                    Some(Value::Bytes(b)) => Value::from(String::from_utf8_lossy(&b).into_owned()),
                    _ => Value::from(""),
                })
            })
        })
    });
    set.add_type_methods("common.VersionSet", |recv, name| {
        let recv = recv.clone();
        (name == "Has").then(|| {
            Function::new([Type::String], move |_, a| {
                let want = a[0].as_str().unwrap_or("");
                Ok(Value::Bool(recv.as_list().is_some_and(|l| l.items.iter().any(|i| i.as_str() == Some(want)))))
            })
        })
    });
    let mut files = BTreeMap::new();
    files.insert("a.txt".to_string(), Value::Bytes(Arc::from(&b"A"[..])));
    files.insert("Get".to_string(), Value::Bytes(Arc::from(&b"key"[..])));
    let data = values(&[
        ("Files", Value::typed_map(files_ty, files)),
        ("V", Value::typed_list(vs_ty, vec![Value::from("v1"), Value::from("apps/v1")])),
    ]);
    set.parse(
        "t",
        r#"{{ .Files.Get "a.txt" }}|{{ .Files.Get "nope" }}|{{ range $k, $v := .Files }}{{ $k }} {{ end }}|{{ index .Files "Get" | printf "%s" }}|{{ .V.Has "apps/v1" }} {{ .V.Has "x" }} {{ len .V }}"#,
    )
    .unwrap();
    assert_eq!(set.execute("t", &data).unwrap(), "A||Get a.txt |key|true false 2");
}
