//! Helm's `pkg/engine/engine_test.go` cases, ported: rendering order,
//! nested values and globals, `.Template`, `.Subcharts`, `include`/`tpl`
//! redefinition rules, the include recursion limit, and Helm's error texts.

use std::collections::BTreeMap;

use ferry_chart::engine::Engine;
use ferry_chart::{Chart, File, Metadata, values};
use ferry_gotmpl::Value;

fn chart(name: &str, templates: &[(&str, &str)]) -> Chart {
    Chart {
        metadata: Metadata {
            name: name.into(),
            version: "1.2.3".into(),
            api_version: "v2".into(),
            ..Metadata::default()
        },
        templates: templates.iter().map(|(n, d)| File::new(n.to_string(), d.as_bytes().to_vec())).collect(),
        values: Value::map(BTreeMap::new()),
        ..Chart::default()
    }
}

fn yaml(s: &str) -> Value {
    values::load_values(s.as_bytes()).unwrap()
}

fn top(vals: Value, release: &str) -> Value {
    let mut rel = BTreeMap::new();
    rel.insert("Name".to_string(), Value::from(release));
    let mut m = BTreeMap::new();
    m.insert("Values".to_string(), vals);
    m.insert("Release".to_string(), Value::map(rel));
    Value::map(m)
}

fn render(c: &Chart, vals: Value) -> Result<BTreeMap<String, String>, String> {
    let warnings = values::Warnings::default();
    let v = values::coalesce_values(c, &vals, &warnings).unwrap();
    Engine::default().render(c, &top(v, "TestRelease")).map_err(|e| e.0)
}

#[test]
fn render_values_and_functions() {
    let mut c = chart(
        "moby",
        &[
            ("templates/test1", "{{.Values.outer | title }} {{.Values.inner | title}}"),
            ("templates/test2", "{{.Values.global.callme | lower }}"),
            ("templates/test3", "{{.noValue}}"),
            ("templates/test4", "{{toJson .Values}}"),
        ],
    );
    c.values = yaml("outer: DEFAULT\ninner: DEFAULT\n");
    let out = render(&c, yaml("outer: spouter\ninner: inn\nglobal:\n  callme: Ishmael\n")).unwrap();
    assert_eq!(out["moby/templates/test1"], "Spouter Inn");
    assert_eq!(out["moby/templates/test2"], "ishmael");
    assert_eq!(out["moby/templates/test3"], "");
    assert_eq!(out["moby/templates/test4"], r#"{"global":{"callme":"Ishmael"},"inner":"inn","outer":"spouter"}"#);
}

#[test]
fn parent_definitions_win_over_subchart_ones() {
    let mut parent = chart(
        "parent",
        &[
            ("templates/_helpers.tpl", r#"{{- define "test" -}}parent value{{- end -}}"#),
            ("templates/test.yaml", r#"{{ tpl "{{ include \"test\" . }}" . }}"#),
        ],
    );
    parent
        .dependencies
        .push(chart("child", &[("templates/_helpers.tpl", r#"{{- define "test" -}}child value{{- end -}}"#)]));
    for _ in 0..20 {
        assert_eq!(render(&parent, Value::map(BTreeMap::new())).unwrap()["parent/templates/test.yaml"], "parent value");
    }
}

#[test]
fn parse_and_exec_errors_read_like_helm() {
    let c = chart("c", &[("templates/undefined_function", "{{foo}}")]);
    assert_eq!(
        render(&c, Value::map(BTreeMap::new())).unwrap_err(),
        "parse error at (c/templates/undefined_function:1): function \"foo\" not defined"
    );
    let cases = [
        ("{{required \"foo is required\" .Values.foo}}", "execution error at (c/templates/t:1:2): foo is required"),
        (
            "{{required \":this: message: has many: colons:\" .Values.foo}}",
            "execution error at (c/templates/t:1:2): :this: message: has many: colons:",
        ),
        (
            "{{ $someEmptyValue := \"\" }}\n{{ $myvar := \"abc\" }}\n{{- required (printf \"%s: something is missing\" $myvar) $someEmptyValue | repeat 0 }}",
            "execution error at (c/templates/t:3:4): abc: something is missing",
        ),
        (
            "{{required \"foo is required\\nmore info after the break\" .Values.foo}}",
            "execution error at (c/templates/t:1:2): foo is required\nmore info after the break",
        ),
        (
            "{{fail \"something is wrong\\nlinebreak\"}}",
            "execution error at (c/templates/t:1:2): something is wrong\nlinebreak",
        ),
        (
            "All your base are belong to us{{ fail \"This is an error\" }}",
            "execution error at (c/templates/t:1:33): This is an error",
        ),
    ];
    for (tpl, want) in cases {
        let c = chart("c", &[("templates/t", tpl)]);
        assert_eq!(render(&c, Value::map(BTreeMap::new())).unwrap_err(), want, "{tpl}");
    }
}

#[test]
fn is_root_and_subcharts() {
    let mut c = chart("parent", &[("templates/isroot", "{{.Chart.IsRoot}}")]);
    c.dependencies.push(chart("child", &[("templates/isroot", "{{.Chart.IsRoot}}")]));
    let out = render(&c, Value::map(BTreeMap::new())).unwrap();
    assert_eq!(out["parent/templates/isroot"], "true");
    assert_eq!(out["parent/charts/child/templates/isroot"], "false");
}

#[test]
fn defines_from_dependencies_are_visible() {
    let mut c = chart("outerchart", &[("templates/outer", r#"Hello {{template "myblock"}}"#)]);
    c.dependencies.push(chart("innerchart", &[("templates/inner", r#"{{define "myblock"}}World{{end}}"#)]));
    let out = render(&c, Value::map(BTreeMap::new())).unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out["outerchart/templates/outer"], "Hello World");
}

#[test]
fn nested_values_globals_and_subcharts() {
    let mut deepest = chart(
        "deepest",
        &[
            ("templates/inner.tpl", "And this same {{.Values.what}} that smiles {{.Values.global.when}}"),
            ("templates/release.tpl", "Tomorrow will be {{default \"happy\" .Release.Name }}"),
        ],
    );
    deepest.values = yaml("what: milkshake\nwhere: here\n");
    let mut inner = chart("herrick", &[("templates/inner.tpl", "Old {{.Values.who}} is still a-flyin'")]);
    inner.values = yaml("who: Robert\nwhat: glasses\n");
    inner.dependencies.push(deepest);
    let mut outer = chart(
        "top",
        &[
            ("templates/outer.tpl", "Gather ye {{.Values.what}} while ye may"),
            (
                "templates/subcharts.tpl",
                "The glorious Lamp of {{.Subcharts.herrick.Subcharts.deepest.Values.where}}, the {{.Subcharts.herrick.Values.what}}",
            ),
        ],
    );
    outer.values = yaml("what: stinkweed\nwho: me\nherrick:\n  who: time\n  what: Sun\n");
    outer.dependencies.push(inner);
    let warnings = values::Warnings::default();
    let v = values::coalesce_values(
        &outer,
        &yaml("what: rosebuds\nherrick:\n  deepest:\n    what: flower\n    where: Heaven\nglobal:\n  when: to-day\n"),
        &warnings,
    )
    .unwrap();
    let out = Engine::default().render(&outer, &top(v, "dyin")).unwrap();
    assert_eq!(out["top/templates/outer.tpl"], "Gather ye rosebuds while ye may");
    assert_eq!(out["top/charts/herrick/templates/inner.tpl"], "Old time is still a-flyin'");
    assert_eq!(out["top/charts/herrick/charts/deepest/templates/inner.tpl"], "And this same flower that smiles to-day");
    assert_eq!(out["top/charts/herrick/charts/deepest/templates/release.tpl"], "Tomorrow will be dyin");
    assert_eq!(out["top/templates/subcharts.tpl"], "The glorious Lamp of Heaven, the Sun");
}

#[test]
fn builtin_values_template_and_files() {
    let mut inner = chart(
        "Latium",
        &[
            ("templates/Lavinia", "{{.Template.Name}}{{.Chart.Name}}{{.Release.Name}}"),
            ("templates/From", "{{.Files.author | printf \"%s\"}} {{.Files.Get \"book/title.txt\"}}"),
        ],
    );
    inner.files = vec![File::new("author", b"Virgil".to_vec()), File::new("book/title.txt", b"Aeneid".to_vec())];
    let mut outer = chart(
        "Troy",
        &[
            ("templates/Aeneas", "{{.Template.Name}}{{.Chart.Name}}{{.Release.Name}}"),
            ("templates/Amata", "{{.Subcharts.Latium.Chart.Name}} {{.Subcharts.Latium.Files.author | printf \"%s\"}}"),
        ],
    );
    outer.dependencies.push(inner);
    let out = Engine::default().render(&outer, &top(Value::from(""), "Aeneid")).unwrap();
    assert_eq!(out["Troy/charts/Latium/templates/Lavinia"], "Troy/charts/Latium/templates/LaviniaLatiumAeneid");
    assert_eq!(out["Troy/templates/Aeneas"], "Troy/templates/AeneasTroyAeneid");
    assert_eq!(out["Troy/templates/Amata"], "Latium Virgil");
    assert_eq!(out["Troy/charts/Latium/templates/From"], "Virgil Aeneid");
}

#[test]
fn include_and_its_recursion_limit() {
    let c = chart(
        "conrad",
        &[
            ("templates/quote", r#"{{include "conrad/templates/_partial" . | indent 2}} dead."#),
            ("templates/_partial", "{{.Release.Name}} - he"),
        ],
    );
    let out = Engine::default().render(&c, &top(Value::from(""), "Mistah Kurtz")).unwrap();
    assert_eq!(out["conrad/templates/quote"], "  Mistah Kurtz - he dead.");

    let c = chart(
        "bad",
        &[
            ("templates/base", r#"{{include "recursion" . }}"#),
            ("templates/recursion", r#"{{define "recursion"}}{{include "recursion" . }}{{end}}"#),
        ],
    );
    let err = Engine::default().render(&c, &top(Value::from(""), "TestRelease")).unwrap_err().0;
    assert!(
        err.ends_with("rendering template has a nested reference name: recursion: unable to execute template"),
        "{}",
        &err[err.len() - 200..]
    );

    let phrase = "All work and no play makes Jack a dull boy";
    let c = chart(
        "overlook",
        &[
            ("templates/quote", &r#"{{include "overlook" . }}"#.repeat(4000)),
            ("templates/_function", &format!("{{{{define \"overlook\"}}}}{{{{printf \"{phrase}\\n\"}}}}{{{{end}}}}")),
        ],
    );
    let out = Engine::default().render(&c, &top(Value::from(""), "TestRelease")).unwrap();
    assert_eq!(out["overlook/templates/quote"], format!("{phrase}\n").repeat(4000));
}

#[test]
fn required_passes_values_through() {
    let c = chart(
        "conan",
        &[
            (
                "templates/quote",
                r#"All your base are belong to {{ required "A valid 'who' is required" .Values.who }}"#,
            ),
            ("templates/bases", r#"All {{ required "A valid 'bases' is required" .Values.bases }} of them!"#),
        ],
    );
    let out = render(&c, yaml("who: us\nbases: 2\n")).unwrap();
    assert_eq!(out["conan/templates/quote"], "All your base are belong to us");
    assert_eq!(out["conan/templates/bases"], "All 2 of them!");
}

#[test]
fn tpl_cases() {
    let c = chart(
        "TplFunction",
        &[
            ("templates/base", r#"Evaluate tpl {{tpl "Value: {{ .Values.value}}" .}}"#),
            ("templates/quoted", r#"Evaluate tpl {{tpl "Value: {{ .Values.value | quote}}" .}}"#),
            ("templates/inc", "{{ tpl \"{{include `TplFunction/templates/_partial` .  | quote }}\" .}}"),
            ("templates/_partial", "{{.Template.Name}}"),
            ("templates/missing", r#"missingValue: {{tpl "{{.Values.noSuchKey}}" .}}"#),
            ("templates/empty-string", r#"{{tpl "" .}}"#),
            ("templates/empty-action", r#"{{tpl "{{ \"\"}}" .}}"#),
            ("templates/only-defines", r#"{{tpl "{{define \"not-invoked\"}}not-rendered{{end}}" .}}"#),
            ("templates/default-basepath", r#"{{tpl "{{ .Template.BasePath }}" .}}"#),
            ("templates/modified-name", r#"{{tpl "{{ .Template.Name }}" .Values.dot}}"#),
        ],
    );
    let out = render(&c, yaml("value: myvalue\ndot:\n  Template:\n    Name: name-of-template\n")).unwrap();
    assert_eq!(out["TplFunction/templates/base"], "Evaluate tpl Value: myvalue");
    assert_eq!(out["TplFunction/templates/quoted"], "Evaluate tpl Value: \"myvalue\"");
    assert_eq!(out["TplFunction/templates/inc"], "\"TplFunction/templates/inc\"");
    assert_eq!(out["TplFunction/templates/missing"], "missingValue: ");
    assert_eq!(out["TplFunction/templates/empty-string"], "");
    assert_eq!(out["TplFunction/templates/empty-action"], "");
    assert_eq!(out["TplFunction/templates/only-defines"], "");
    assert_eq!(out["TplFunction/templates/default-basepath"], "TplFunction/templates");
    assert_eq!(out["TplFunction/templates/modified-name"], "name-of-template");
}

#[test]
fn tpl_loads_templates_from_files() {
    let mut c = chart(
        "TplLoadFromFile",
        &[
            ("templates/base", "{{ tpl (.Files.Get .Values.filename) . }}"),
            ("templates/_function", r#"{{define "test-function"}}test-function{{end}}"#),
        ],
    );
    c.files = vec![
        File::new("test", b"{{ tpl (.Files.Get .Values.filename2) .}}".to_vec()),
        File::new("test2", br#"{{include "test-function" .}}{{define "nested-define"}}nested-define-content{{end}} {{include "nested-define" .}}"#.to_vec()),
    ];
    let out = render(&c, yaml("filename: test\nfilename2: test2\n")).unwrap();
    assert_eq!(out["TplLoadFromFile/templates/base"], "test-function nested-define-content");
}

#[test]
fn tpl_redefinitions_stay_inside_tpl() {
    let c = chart(
        "TplRedefines",
        &[
            ("templates/_partials", r#"{{define "partial"}}original-in-partial{{end}}"#),
            (
                "templates/partial",
                "before: {{include \"partial\" .}}\n{{tpl .Values.partialText .}}\nafter: {{include \"partial\" .}}",
            ),
            (
                "templates/manifest",
                "{{define \"manifest\"}}original-in-manifest{{end}}before: {{include \"manifest\" .}}\n{{tpl .Values.manifestText .}}\nafter: {{include \"manifest\" .}}",
            ),
        ],
    );
    let vals = yaml(
        "partialText: '{{define \"partial\"}}redefined-in-tpl{{end}}tpl: {{include \"partial\" .}}'\nmanifestText: '{{define \"manifest\"}}redefined-in-tpl{{end}}tpl: {{include \"manifest\" .}}'\n",
    );
    let out = render(&c, vals).unwrap();
    assert_eq!(
        out["TplRedefines/templates/partial"],
        "before: original-in-partial\ntpl: redefined-in-tpl\nafter: original-in-partial"
    );
    assert_eq!(
        out["TplRedefines/templates/manifest"],
        "before: original-in-manifest\ntpl: redefined-in-tpl\nafter: original-in-manifest"
    );
}

#[test]
fn strict_mode_reports_missing_keys() {
    let c =
        chart("TplMissingKeyStrict", &[("templates/manifest", r#"missingValue: {{tpl "{{.Values.noSuchKey}}" .}}"#)]);
    let warnings = values::Warnings::default();
    let v = values::coalesce_values(&c, &Value::map(BTreeMap::new()), &warnings).unwrap();
    let err = Engine { strict: true, ..Engine::default() }.render(&c, &top(v, "r")).unwrap_err().0;
    assert!(err.contains("noSuchKey"), "{err}");
}

#[test]
fn nested_helpers_produce_multiline_stacktrace() {
    let c = chart(
        "NestedHelperFunctions",
        &[
            ("templates/svc.yaml", r#"name: {{ include "nested_helper.name" . }}"#),
            (
                "templates/_helpers_1.tpl",
                r#"{{- define "nested_helper.name" -}}{{- include "common.names.get_name" . -}}{{- end -}}"#,
            ),
            (
                "charts/common/templates/_helpers_2.tpl",
                r#"{{- define "common.names.get_name" -}}{{- .Values.nonexistant.key | trunc 63 | trimSuffix "-" -}}{{- end -}}"#,
            ),
        ],
    );
    let want = "NestedHelperFunctions/templates/svc.yaml:1:9
  executing \"NestedHelperFunctions/templates/svc.yaml\" at <include \"nested_helper.name\" .>:
    error calling include:
NestedHelperFunctions/templates/_helpers_1.tpl:1:39
  executing \"nested_helper.name\" at <include \"common.names.get_name\" .>:
    error calling include:
NestedHelperFunctions/charts/common/templates/_helpers_2.tpl:1:49
  executing \"common.names.get_name\" at <.Values.nonexistant.key>:
    nil pointer evaluating interface {}.key";
    assert_eq!(render(&c, Value::map(BTreeMap::new())).unwrap_err(), want);
}

#[test]
fn missing_include_target_error() {
    let c = chart(
        "multiline",
        &[
            ("templates/svc.yaml", r#"name: {{ include "nested_helper.name" . }}"#),
            ("templates/test.yaml", "{{ toYaml .Values }}"),
        ],
    );
    let want = "multiline/templates/svc.yaml:1:9
  executing \"multiline/templates/svc.yaml\" at <include \"nested_helper.name\" .>:
    error calling include:
template: no template \"nested_helper.name\" associated with template \"gotpl\"";
    assert_eq!(render(&c, Value::map(BTreeMap::new())).unwrap_err(), want);
}

#[test]
fn subchart_default_nils_do_not_stringify() {
    let mut child = chart(
        "child",
        &[(
            "templates/test.yaml",
            r#"{{- if hasKey .Values.keyMapping "password" -}}{{- printf "subPath: %s" (index .Values.keyMapping "password") -}}{{- else -}}subPath: fallback{{- end -}}"#,
        )],
    );
    child.values = yaml("keyMapping:\n  password: null\n");
    let mut parent = chart("parent", &[]);
    parent.dependencies.push(child);
    let out = render(&parent, Value::map(BTreeMap::new())).unwrap();
    assert_eq!(out["parent/charts/child/templates/test.yaml"], "subPath: fallback");
}

#[test]
fn library_charts_only_contribute_partials() {
    let mut lib = chart(
        "lib",
        &[("templates/_x.tpl", r#"{{define "lib.x"}}from lib{{end}}"#), ("templates/cm.yaml", "should not render")],
    );
    lib.metadata.chart_type = "library".into();
    let mut app = chart("app", &[("templates/a.yaml", r#"{{ include "lib.x" . }}"#)]);
    app.dependencies.push(lib);
    let out = render(&app, Value::map(BTreeMap::new())).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(out["app/templates/a.yaml"], "from lib");
}

#[test]
fn files_methods() {
    let mut c = chart(
        "f",
        &[
            ("templates/glob", r#"{{ range $p, $_ := .Files.Glob "ship/*" }}{{ $p }} {{ end }}"#),
            ("templates/lines", r#"{{ range .Files.Lines "ship/captain.txt" }}[{{ . }}]{{ end }}"#),
            ("templates/config", r#"{{ (.Files.Glob "ship/*").AsConfig }}"#),
            ("templates/secrets", r#"{{ (.Files.Glob "ship/stowaway.txt").AsSecrets }}"#),
            ("templates/bytes", r#"{{ .Files.GetBytes "ship/stowaway.txt" | printf "%s" }}|{{ .Files.Get "nope" }}"#),
        ],
    );
    c.files = vec![
        File::new("ship/captain.txt", b"The Captain\nof the ship\n".to_vec()),
        File::new("ship/stowaway.txt", b"Legatt".to_vec()),
        File::new("story/author.txt", b"Joseph Conrad".to_vec()),
    ];
    let out = render(&c, Value::map(BTreeMap::new())).unwrap();
    assert_eq!(out["f/templates/glob"], "ship/captain.txt ship/stowaway.txt ");
    assert_eq!(out["f/templates/lines"], "[The Captain][of the ship]");
    assert_eq!(out["f/templates/config"], "captain.txt: |\n  The Captain\n  of the ship\nstowaway.txt: Legatt");
    assert_eq!(out["f/templates/secrets"], "stowaway.txt: TGVnYXR0");
    assert_eq!(out["f/templates/bytes"], "Legatt|");
}

#[test]
fn capabilities_and_helm_functions() {
    let c = chart(
        "caps",
        &[
            (
                "templates/caps",
                r#"{{ .Capabilities.KubeVersion }} {{ .Capabilities.KubeVersion.Major }} {{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "nope/v1" }}"#,
            ),
            (
                "templates/yaml",
                "{{ toYaml .Values.m }}|{{ (fromYaml \"a: 1\").a }}|{{ fromYamlArray \"[1, b]\" }}|{{ (fromJson \"{\\\"x\\\": [1]}\").x }}|{{ lookup \"v1\" \"Pod\" \"ns\" \"n\" }}",
            ),
            ("templates/toml", "{{ toToml .Values.m }}"),
        ],
    );
    let vals = yaml("m:\n  b: [1, 2]\n  a: x\n");
    let warnings = values::Warnings::default();
    let v = values::coalesce_values(&c, &vals, &warnings).unwrap();
    let mut t = BTreeMap::new();
    t.insert("Values".to_string(), v);
    t.insert("Capabilities".to_string(), ferry_chart::engine::Capabilities::default().to_value());
    let out = Engine::default().render(&c, &Value::map(t)).unwrap();
    assert_eq!(out["caps/templates/caps"], "v1.35.0 1 true false");
    assert_eq!(out["caps/templates/yaml"], "a: x\nb:\n- 1\n- 2|1|[1 b]|[1]|map[]");
    assert_eq!(out["caps/templates/toml"], "a = \"x\"\nb = [1.0, 2.0]\n");
}
