//! The `helm template` / `helm install --dry-run` flow end to end on
//! in-memory charts: names, values flags, errors and their wording,
//! hooks, NOTES, `--show-only`, `--output-dir` and the whitespace modes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ferry_chart::manifest::Whitespace;
use ferry_chart::template::{self, Environment, TemplateRequest, ValueOptions};
use ferry_chart::{Chart, File, load_files};

struct MemEnv {
    chart: Result<Chart, String>,
    files: BTreeMap<String, Vec<u8>>,
    outputs: BTreeMap<PathBuf, String>,
}

impl Environment for MemEnv {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, String> {
        self.files.get(path).cloned().ok_or_else(|| format!("open {path}: no such file or directory"))
    }
    fn load_chart(&self, _path: &str) -> Result<Chart, String> {
        self.chart.clone()
    }
    fn exists(&self, path: &str) -> bool {
        path != "missing"
    }
    fn now_unix(&self) -> i64 {
        242_085_845
    }
    fn utc(&self) -> bool {
        true
    }
    fn output_exists(&self, path: &Path) -> bool {
        self.outputs.contains_key(path)
    }
    fn write_output(&mut self, path: &Path, data: &str, append: bool) -> Result<(), String> {
        let slot = self.outputs.entry(path.to_path_buf()).or_default();
        if !append {
            slot.clear();
        }
        slot.push_str(data);
        Ok(())
    }
}

fn chart(files: &[(&str, &str)]) -> Chart {
    let mut all = vec![File::new("Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 0.1.0\n".to_vec())];
    all.extend(files.iter().map(|(n, d)| File::new(n.to_string(), d.as_bytes().to_vec())));
    load_files(all).unwrap()
}

fn env(c: Chart) -> MemEnv {
    MemEnv { chart: Ok(c), files: BTreeMap::new(), outputs: BTreeMap::new() }
}

fn req(args: &[&str]) -> TemplateRequest {
    TemplateRequest {
        args: args.iter().map(|s| s.to_string()).collect(),
        default_release_name: Some("release-name".into()),
        namespace: "default".into(),
        ..TemplateRequest::default()
    }
}

const CM: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  v: {{ .Values.v | quote }}\n";

#[test]
fn renders_with_values_and_sets() {
    let mut e = env(chart(&[("values.yaml", "v: from-chart\n"), ("templates/cm.yaml", CM)]));
    e.files.insert("prod.yaml".into(), b"v: from-file\n".to_vec());
    let mut r = req(&["myrel", "demo"]);
    r.values = ValueOptions { value_files: vec!["prod.yaml".into()], ..ValueOptions::default() };
    let out = template::run(&r, &mut e);
    assert_eq!(out.error, None);
    assert_eq!(
        out.stdout,
        "---\n# Source: demo/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: myrel\ndata:\n  v: \"from-file\"\n"
    );
    r.values.values = vec!["v=x\\,y".into()];
    assert!(template::run(&r, &mut e).stdout.contains("v: \"x,y\""));
    r.values.values = vec!["a,b".into()];
    assert_eq!(
        template::run(&r, &mut e).error.as_deref(),
        Some("failed parsing --set data: key \"a\" has no value (cannot end with ,)")
    );
    r.values.values.clear();
    r.values.value_files = vec!["nope.yaml".into()];
    assert_eq!(template::run(&r, &mut e).error.as_deref(), Some("open nope.yaml: no such file or directory"));
}

#[test]
fn names_and_their_errors() {
    let mut e = env(chart(&[("templates/cm.yaml", CM)]));
    let mut r = req(&["demo"]);
    r.name_template = Some("x-{{ \"ABC\" | lower }}".into());
    assert!(template::run(&r, &mut e).stdout.contains("name: x-abc"));
    let r = req(&["Bad_Name", "demo"]);
    assert_eq!(
        template::run(&r, &mut e).error.as_deref(),
        Some(
            "release name check failed: release name \"Bad_Name\": invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53"
        )
    );
    let mut r = req(&["a", "demo"]);
    r.name_template = Some("x".into());
    assert_eq!(template::run(&r, &mut e).error.as_deref(), Some("cannot set --name-template and also specify a name"));
    let r = req(&["a", "b", "c"]);
    assert_eq!(
        template::run(&r, &mut e).error.as_deref(),
        Some("expected at most two arguments, unexpected arguments: c")
    );
    let r = req(&["missing"]);
    assert_eq!(template::run(&r, &mut e).error.as_deref(), Some("path \"missing\" not found"));
    let mut r = req(&["./demo-1.2.3.tgz"]);
    r.default_release_name = None;
    r.generate_name = true;
    assert!(template::run(&r, &mut e).stdout.contains("name: demo-1-242085845"));
}

#[test]
fn chart_level_errors() {
    let mut c = chart(&[("templates/cm.yaml", CM)]);
    c.metadata.kube_version = ">=1.99.0".into();
    let mut e = env(c);
    assert_eq!(
        template::run(&req(&["demo"]), &mut e).error.as_deref(),
        Some(
            "chart requires kubeVersion: >=1.99.0 which is incompatible with Kubernetes v1.35.0\n\nUse --debug flag to render out invalid YAML"
        )
    );
    let mut c = chart(&[]);
    c.metadata.chart_type = "library".into();
    assert_eq!(
        template::run(&req(&["demo"]), &mut env(c)).error.as_deref(),
        Some("library charts are not installable")
    );
    let mut e = env(chart(&[(
        "Chart.yaml",
        "apiVersion: v2\nname: demo\nversion: 0.1.0\ndependencies:\n- name: gone\n  version: 1.0.0\n",
    )]));
    assert_eq!(
        template::run(&req(&["demo"]), &mut e).error.as_deref(),
        Some(
            "an error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: gone"
        )
    );
    let mut e = env(chart(&[
        ("values.schema.json", r#"{"properties": {"v": {"type": "integer"}}}"#),
        ("values.yaml", "v: text\n"),
    ]));
    assert_eq!(
        template::run(&req(&["demo"]), &mut e).error.as_deref(),
        Some(
            "values don't meet the specifications of the schema(s) in the following chart(s):\ndemo:\n- at '/v': got string, want integer\n"
        )
    );
}

#[test]
fn invalid_yaml_with_and_without_debug() {
    let mut e = env(chart(&[("templates/bad.yaml", "a: b\nc\n")]));
    let out = template::run(&req(&["demo"]), &mut e);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.error.as_deref(),
        Some(
            "YAML parse error on demo/templates/bad.yaml: error converting YAML to JSON: yaml: line 3: could not find expected ':'\n\nUse --debug flag to render out invalid YAML"
        )
    );
    let mut r = req(&["demo"]);
    r.debug = true;
    let out = template::run(&r, &mut e);
    assert_eq!(out.stdout, "---\n# Source: demo/templates/bad.yaml\na: b\nc\n");
    assert!(out.error.unwrap().starts_with("YAML parse error on demo/templates/bad.yaml"));
}

const HOOK: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test\n";

#[test]
fn hooks_tests_and_show_only() {
    let c = chart(&[
        ("templates/cm.yaml", CM),
        ("templates/tests/t.yaml", HOOK),
        ("templates/NOTES.txt", "notes for {{ .Release.Name }}"),
    ]);
    let mut e = env(c);
    let out = template::run(&req(&["demo"]), &mut e);
    assert!(out.stdout.ends_with("---\n# Source: demo/templates/tests/t.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations:\n    helm.sh/hook: test\n\n"));
    assert!(!out.stdout.contains("notes for"));
    let mut r = req(&["demo"]);
    r.skip_tests = true;
    assert!(!template::run(&r, &mut e).stdout.contains("tests/t.yaml"));
    let mut r = req(&["demo"]);
    r.disable_hooks = true;
    assert!(!template::run(&r, &mut e).stdout.contains("tests/t.yaml"));
    let mut r = req(&["demo"]);
    r.show_only = vec!["templates/tests/*".into()];
    assert_eq!(template::run(&r, &mut e).stdout, format!("---\n# Source: demo/templates/tests/t.yaml\n{HOOK}\n\n"));
    r.show_only = vec!["templates/nope.yaml".into()];
    assert_eq!(
        template::run(&r, &mut e).error.as_deref(),
        Some("could not find template templates/nope.yaml in chart")
    );
}

#[test]
fn install_dry_run_prints_release_and_notes() {
    let c = chart(&[
        ("templates/cm.yaml", CM),
        ("templates/tests/t.yaml", HOOK),
        ("templates/NOTES.txt", "\n  notes for {{ .Release.Name }}  \n"),
    ]);
    let mut e = env(c);
    let mut r = req(&["rel", "demo"]);
    r.install_dry_run = true;
    let out = template::run(&r, &mut e);
    assert_eq!(out.error, None);
    let want = format!(
        "NAME: rel\nLAST DEPLOYED: Fri Sep  2 22:04:05 1977\nNAMESPACE: default\nSTATUS: pending-install\nREVISION: 1\nDESCRIPTION: Dry run complete\nTEST SUITE: None\nHOOKS:\n---\n# Source: demo/templates/tests/t.yaml\n{HOOK}\nMANIFEST:\n---\n# Source: demo/templates/cm.yaml\n{}\n\nNOTES:\nnotes for rel\n",
        CM.replace("{{ .Release.Name }}", "rel").replace("{{ .Values.v | quote }}", "")
    );
    assert_eq!(out.stdout, want);
}

#[test]
fn output_dir_writes_and_appends_like_helm() {
    let c = chart(&[
        ("templates/two.yaml", "kind: A\n---\nkind: B\n"),
        ("templates/tests/t.yaml", HOOK),
        ("crds/crd.yaml", "kind: CustomResourceDefinition\n"),
    ]);
    let mut e = env(c);
    let mut r = req(&["demo"]);
    r.output_dir = Some(PathBuf::from("out"));
    r.include_crds = true;
    let out = template::run(&r, &mut e);
    assert_eq!(out.error, None);
    assert_eq!(
        out.stdout,
        "wrote out/demo/crds/crd.yaml\nwrote out/demo/templates/two.yaml\nwrote out/demo/templates/two.yaml\nwrote out/demo/templates/tests/t.yaml\n\n"
    );
    assert_eq!(
        e.outputs[Path::new("out/demo/templates/two.yaml")],
        "---\n# Source: demo/templates/two.yaml\nkind: A\n\n---\n# Source: demo/templates/two.yaml\nkind: B\n\n"
    );
    // A second run truncates manifests but appends hooks to existing files, as Helm does.
    template::run(&r, &mut e);
    assert_eq!(e.outputs[Path::new("out/demo/templates/tests/t.yaml")].matches("# Source").count(), 2);
    let mut r = req(&["demo"]);
    r.output_dir = Some(PathBuf::from("trimmed"));
    r.whitespace = Whitespace::Trim;
    template::run(&r, &mut e);
    assert_eq!(
        e.outputs[Path::new("trimmed/demo/templates/two.yaml")],
        "---\n# Source: demo/templates/two.yaml\nkind: A\n---\n# Source: demo/templates/two.yaml\nkind: B\n"
    );
}

#[test]
fn exec_errors_get_helms_hint() {
    let mut e = env(chart(&[("templates/cm.yaml", "{{ .Values.a.b }}")]));
    assert_eq!(
        template::run(&req(&["demo"]), &mut e).error.as_deref(),
        Some(
            "demo/templates/cm.yaml:1:10\n  executing \"demo/templates/cm.yaml\" at <.Values.a.b>:\n    nil pointer evaluating interface {}.b\n\nUse --debug flag to render out invalid YAML"
        )
    );
    let mut e = env(chart(&[("templates/cm.yaml", "{{ semver \"x\" }}")]));
    assert_eq!(
        template::run(&req(&["demo"]), &mut e).error.as_deref(),
        Some(
            "template: demo/templates/cm.yaml:1:3: executing \"demo/templates/cm.yaml\" at <semver \"x\">: error calling semver: invalid semantic version\n\nUse --debug flag to render out invalid YAML"
        )
    );
}

#[test]
fn hostile_templates_fail_cleanly() {
    // `template` recursion stops at Go's depth limit; `include` recursion at Helm's.
    let mut e =
        env(chart(&[("templates/a.yaml", "{{ define \"a\" }}{{ template \"a\" . }}{{ end }}{{ template \"a\" . }}")]));
    let err = template::run(&req(&["demo"]), &mut e).error.unwrap();
    assert!(err.contains("exceeded maximum template depth (100000)"), "{}", &err[..err.len().min(300)]);
    let mut e =
        env(chart(&[("templates/a.yaml", "{{ define \"a\" }}{{ include \"a\" . }}{{ end }}{{ include \"a\" . }}")]));
    let err = template::run(&req(&["demo"]), &mut e).error.unwrap();
    assert!(err.contains("rendering template has a nested reference name: a: unable to execute template"));
    // Unknown functions and syntax errors name the file and line.
    let mut e = env(chart(&[("templates/a.yaml", "ok\n{{ nope }}")]));
    assert_eq!(
        template::run(&req(&["demo"]), &mut e).error.as_deref(),
        Some(
            "parse error at (demo/templates/a.yaml:2): function \"nope\" not defined\n\nUse --debug flag to render out invalid YAML"
        )
    );
    let mut e = env(chart(&[("templates/a.yaml", "{{ if }}")]));
    assert_eq!(
        template::run(&req(&["demo"]), &mut e).error.as_deref(),
        Some(
            "parse error at (demo/templates/a.yaml:1): missing value for if\n\nUse --debug flag to render out invalid YAML"
        )
    );
    // Deeply nested values and large outputs are handled without overflow.
    let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    let files = vec![
        File::new("Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 0.1.0\n".to_vec()),
        File::new("values.yaml", format!("v: {deep}\n").into_bytes()),
    ];
    let err = load_files(files).unwrap_err().to_string();
    assert!(
        err.starts_with("cannot load values.yaml: cannot unmarshal yaml document:") && err.contains("max depth"),
        "{err}"
    );
    let deep = format!("{}1{}", "[".repeat(300), "]".repeat(300));
    let mut e =
        env(chart(&[("values.yaml", &format!("v: {deep}\n")), ("templates/a.yaml", "{{ toYaml .Values | len }}")]));
    let out = template::run(&req(&["demo"]), &mut e);
    assert!(out.error.is_some() || out.stdout.contains("# Source"));
    let mut e = env(chart(&[("templates/a.yaml", "{{ range until 200000 }}x: y\n{{ end }}")]));
    let out = template::run(&req(&["demo"]), &mut e);
    assert_eq!(out.error, None);
}

#[test]
fn render_release_for_drivers() {
    let c = chart(&[
        ("templates/cm.yaml", CM),
        ("templates/tests/t.yaml", HOOK),
        ("templates/NOTES.txt", "hi {{ .Release.Namespace }}"),
    ]);
    let mut r = req(&[]);
    r.namespace = "prod".into();
    let rel = template::render_release(c, &ferry_gotmpl::Value::map(BTreeMap::new()), "app", &r).unwrap();
    assert_eq!(rel.name, "app");
    assert_eq!(rel.notes, "hi prod");
    assert_eq!(rel.hooks.len(), 1);
    assert!(rel.manifest.starts_with("---\n# Source: demo/templates/cm.yaml\n"));
    let bad = chart(&[("templates/bad.yaml", "a: b\nc\n")]);
    let err = template::render_release(bad, &ferry_gotmpl::Value::map(BTreeMap::new()), "app", &r).unwrap_err();
    assert!(err.message.starts_with("YAML parse error on demo/templates/bad.yaml"));
    assert_eq!(err.partial_manifest.as_deref(), Some("---\n# Source: demo/templates/bad.yaml\na: b\nc\n\n"));
}

#[test]
fn upgrades_render_with_their_revision() {
    let c = chart(&[(
        "templates/cm.yaml",
        "kind: ConfigMap\nrevision: {{ .Release.Revision }}\nupgrade: {{ .Release.IsUpgrade }}\n",
    )]);
    let mut r = req(&[]);
    let first = template::render_release(c.clone(), &ferry_gotmpl::Value::map(BTreeMap::new()), "app", &r).unwrap();
    assert!(first.manifest.contains("revision: 1\nupgrade: false"), "{}", first.manifest);
    r.is_upgrade = true;
    r.revision = Some(7);
    let upgrade = template::render_release(c, &ferry_gotmpl::Value::map(BTreeMap::new()), "app", &r).unwrap();
    assert!(upgrade.manifest.contains("revision: 7\nupgrade: true"), "{}", upgrade.manifest);
}
