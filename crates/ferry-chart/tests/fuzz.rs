//! Property tests through the whole `helm template` path: random templates
//! (Helm-flavoured actions mixed with random text) and random values YAML
//! must render or fail with an error — never panic, never hang. Bounded to
//! a few seconds so that it runs in CI.

use std::collections::BTreeMap;
use std::path::Path;

use ferry_chart::template::{self, Environment, TemplateRequest, ValueOptions};
use ferry_chart::{Chart, File, Metadata};
use proptest::prelude::*;

struct MemEnv {
    chart: Chart,
    values: Vec<u8>,
}

impl Environment for MemEnv {
    fn read_file(&self, _path: &str) -> Result<Vec<u8>, String> {
        Ok(self.values.clone())
    }
    fn load_chart(&self, _path: &str) -> Result<Chart, String> {
        Ok(self.chart.clone())
    }
    fn exists(&self, _path: &str) -> bool {
        true
    }
    fn now_unix(&self) -> i64 {
        0
    }
    fn output_exists(&self, _path: &Path) -> bool {
        false
    }
    fn write_output(&mut self, _path: &Path, _data: &str, _append: bool) -> Result<(), String> {
        Ok(())
    }
}

fn snippet() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("{{ .Values.a }}".to_string()),
        4 => Just("{{ .Values.a.b.c }}".to_string()),
        4 => Just("{{- range $k, $v := .Values }}{{ $k }}={{ $v }}\n{{- end }}".to_string()),
        4 => Just("{{ toYaml .Values | nindent 2 }}".to_string()),
        4 => Just("{{ include \"x\" . }}".to_string()),
        4 => Just("{{ define \"x\" }}{{ include \"x\" . }}{{ end }}".to_string()),
        4 => Just("{{ define \"x\" }}X{{ .Release.Name }}{{ end }}".to_string()),
        4 => Just("{{ tpl .Values.t . }}".to_string()),
        4 => Just("{{ required \"need a\" .Values.a }}".to_string()),
        4 => Just("{{ fail \"boom\" }}".to_string()),
        4 => Just("{{ .Files.Get \"f.txt\" }}{{ range .Files.Lines \"f.txt\" }}[{{.}}]{{ end }}".to_string()),
        4 => Just("{{ .Capabilities.APIVersions.Has \"v1\" }}".to_string()),
        4 => Just("{{ fromYaml .Values.t | toJson }}".to_string()),
        4 => Just("{{ toToml .Values }}".to_string()),
        4 => Just("---\n".to_string()),
        4 => Just("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n".to_string()),
        4 => Just("metadata:\n  annotations:\n    helm.sh/hook: test\n".to_string()),
        1 => Just("{{".to_string()),
        1 => Just("}}".to_string()),
        2 => "[ -~\n]{0,12}".prop_map(|s| s),
        6 => "[a-z: \n-]{0,12}".prop_map(|s| s),
    ]
}

/// Snippets that always render: the output is a stream of valid documents.
fn safe_document() -> impl Strategy<Value = String> {
    let name = "[a-z]{1,8}";
    let kind = prop_oneof![Just("ConfigMap"), Just("Service"), Just("Deployment"), Just("Widget"), Just("Namespace")];
    let extra = prop_oneof![
        Just(String::new()),
        Just("data:\n  v: {{ .Values.a | default \"d\" | quote }}\n".to_string()),
        Just("data:\n{{ toYaml .Values | indent 2 }}\n".to_string()),
        Just("data:\n  f: {{ .Files.Get \"f.txt\" | quote }}\n  r: {{ .Release.Name }}\n".to_string()),
        Just("  annotations:\n    helm.sh/hook: test\n".to_string()),
    ];
    (name, kind, extra, any::<bool>()).prop_map(|(n, k, e, sep)| {
        let doc = format!("kind: {k}\nmetadata:\n  name: {n}\n{e}");
        if sep { format!("---\n{doc}") } else { doc }
    })
}

fn template_text() -> impl Strategy<Value = String> {
    prop::collection::vec(snippet(), 0..8).prop_map(|parts| parts.concat())
}

fn values_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("1".to_string()),
        Just("null".to_string()),
        Just("true".to_string()),
        Just("\"{{ .Values.a }}\"".to_string()),
        Just("[1, 2]".to_string()),
        Just("{b: {c: 3}}".to_string()),
        "[a-z]{0,10}".prop_map(|s| s),
    ];
    prop::collection::vec((prop_oneof![Just("a"), Just("t"), Just("global"), Just("sub"), Just("x")], leaf), 0..5)
        .prop_map(|kv| kv.into_iter().map(|(k, v)| format!("{k}: {v}\n")).collect::<String>())
}

fn chart_with(templates: Vec<String>, values: &str) -> Chart {
    let mut files: Vec<File> = templates
        .into_iter()
        .enumerate()
        .map(|(i, t)| File::new(format!("templates/t{i}.yaml"), t.into_bytes()))
        .collect();
    files.push(File::new("templates/_helpers.tpl", b"{{ define \"h\" }}H{{ end }}".to_vec()));
    let sub = Chart {
        metadata: Metadata {
            name: "sub".into(),
            version: "1.0.0".into(),
            api_version: "v2".into(),
            ..Metadata::default()
        },
        templates: vec![File::new("templates/s.yaml", b"s: {{ .Values.x }}".to_vec())],
        values: ferry_chart::values::load_values(b"x: 1\n")
            .unwrap_or_else(|_| ferry_gotmpl::Value::map(BTreeMap::new())),
        ..Chart::default()
    };
    Chart {
        metadata: Metadata {
            name: "fuzz".into(),
            version: "0.1.0".into(),
            api_version: "v2".into(),
            ..Metadata::default()
        },
        templates: files,
        values: ferry_chart::values::load_values(values.as_bytes())
            .unwrap_or_else(|_| ferry_gotmpl::Value::map(BTreeMap::new())),
        files: vec![File::new("f.txt", b"one\ntwo\n".to_vec())],
        dependencies: vec![sub],
        ..Chart::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn full_render_path_never_panics(
        templates in prop::collection::vec(template_text(), 1..4),
        chart_values in values_text(),
        user_values in values_text(),
        set in prop_oneof![Just(String::new()), "[a-z]{1,3}=[0-9a-z]{1,3}", "[a-z.\\[\\]0-9=,{}]{0,16}"],
        debug in any::<bool>(),
    ) {
        let mut env = MemEnv { chart: chart_with(templates, &chart_values), values: user_values.into_bytes() };
        let req = TemplateRequest {
            args: vec!["chart".into()],
            default_release_name: Some("release-name".into()),
            namespace: "default".into(),
            debug,
            values: ValueOptions { value_files: vec!["v.yaml".into()], values: vec![set], ..ValueOptions::default() },
            ..TemplateRequest::default()
        };
        let out = template::run(&req, &mut env);
        // Either way the command says something: output, or an error.
        prop_assert!(out.error.is_some() || out.stdout.ends_with('\n'));
    }

    #[test]
    fn valid_charts_render(
        docs in prop::collection::vec(prop::collection::vec(safe_document(), 1..4), 1..4),
        chart_values in values_text(),
        keep in any::<bool>(),
    ) {
        let templates: Vec<String> = docs.into_iter().map(|d| d.join("\n")).collect();
        // `sub` is the subchart's table; a scalar there is Helm's type mismatch error.
        let chart_values: String = chart_values.lines().filter(|l| !l.starts_with("sub:")).map(|l| format!("{l}\n")).collect();
        let mut env = MemEnv { chart: chart_with(templates, &chart_values), values: Vec::new() };
        let req = TemplateRequest {
            args: vec!["chart".into()],
            default_release_name: Some("release-name".into()),
            namespace: "default".into(),
            whitespace: if keep { ferry_chart::manifest::Whitespace::Keep } else { ferry_chart::manifest::Whitespace::Trim },
            ..TemplateRequest::default()
        };
        let out = template::run(&req, &mut env);
        prop_assert!(out.error.is_none(), "{:?}", out.error);
        prop_assert!(out.stdout.starts_with("---\n# Source: "));
    }

    #[test]
    fn values_and_manifests_never_panic(text in "[ -~\n]{0,200}") {
        let _ = ferry_chart::values::load_values(text.as_bytes());
        let _ = ferry_chart::manifest::split_manifests(&text, ferry_chart::manifest::Whitespace::Keep);
        let _ = ferry_chart::manifest::parse_head(&text);
        let _ = ferry_chart::strvals::parse(&text);
        let m = ferry_gotmpl::Map::new(ferry_gotmpl::Type::map_of_interface(), BTreeMap::new());
        let _ = ferry_chart::strvals::parse_json(&text, &m);
        let _ = ferry_chart::strvals::parse_literal_into(&text, &m);
    }
}
