//! Conformance with Helm: every case of Helm's own `helm template` goldens
//! (`conformance/helm/cases.tsv`) and every rendered example of the
//! OpenTelemetry Collector chart, byte for byte. Prints `N passed, M failed`
//! per corpus and fails on any mismatch. The corpus lives outside the
//! repository; without it the test fails when `CI=true` and skips otherwise.

use std::path::{Path, PathBuf};

use ferry_chart::manifest::Whitespace;
use ferry_chart::template::{self, Environment, FsEnvironment, TemplateRequest};

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/conformance"));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "conformance corpus missing at {}", dir.display());
    eprintln!("conformance corpus missing at {}; skipping", dir.display());
    None
}

/// An environment rooted at a directory (relative paths resolve there),
/// with Helm's test clock (1977-09-02 22:04:05 UTC).
struct RootedEnv {
    root: PathBuf,
    fs: FsEnvironment,
}

impl RootedEnv {
    fn path(&self, p: &str) -> String {
        if Path::new(p).is_absolute() { p.to_string() } else { self.root.join(p).display().to_string() }
    }
}

impl Environment for RootedEnv {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, String> {
        self.fs.read_file(&self.path(path))
    }
    fn load_chart(&self, path: &str) -> Result<ferry_chart::Chart, String> {
        self.fs.load_chart(&self.path(path))
    }
    fn exists(&self, path: &str) -> bool {
        self.fs.exists(&self.path(path))
    }
    fn now_unix(&self) -> i64 {
        242_085_845
    }
    fn utc(&self) -> bool {
        true
    }
    fn output_exists(&self, path: &Path) -> bool {
        self.fs.output_exists(path)
    }
    fn write_output(&mut self, path: &Path, data: &str, append: bool) -> Result<(), String> {
        self.fs.write_output(path, data, append)
    }
}

/// Splits a flags column into arguments: whitespace separates them, except
/// inside `{{ ... }}` (the goldens' `--name-template` value).
fn split_flags(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0;
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '{' && chars.get(i + 1) == Some(&'{') {
            depth += 1;
            cur.push_str("{{");
            i += 2;
            continue;
        }
        if c == '}' && chars.get(i + 1) == Some(&'}') && depth > 0 {
            depth -= 1;
            cur.push_str("}}");
            i += 2;
            continue;
        }
        if c.is_whitespace() && depth == 0 {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
        i += 1;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Maps `helm template` flags onto a request (the subset Helm's goldens use,
/// in both `--flag value` and `--flag=value` forms).
fn request(chart: &str, flags: &str) -> TemplateRequest {
    let mut req = TemplateRequest {
        namespace: "default".into(),
        default_release_name: Some("release-name".into()),
        kube_version: Some("1.20.0".into()),
        ..TemplateRequest::default()
    };
    let mut words = split_flags(flags).into_iter().peekable();
    let mut positional = Vec::new();
    if words.peek().map(String::as_str) == Some("install") {
        words.next();
        req.install_dry_run = true;
        req.default_release_name = None;
    }
    while let Some(w) = words.next() {
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) if f.starts_with('-') => (f.to_string(), Some(v.to_string())),
            _ => (w.clone(), None),
        };
        let value = |words: &mut std::iter::Peekable<std::vec::IntoIter<String>>| {
            inline.clone().or_else(|| words.next()).unwrap_or_default()
        };
        match flag.as_str() {
            "--set" => req.values.values.push(value(&mut words)),
            "--set-string" => req.values.string_values.push(value(&mut words)),
            "--set-file" => req.values.file_values.push(value(&mut words)),
            "-f" | "--values" => req.values.value_files.push(value(&mut words)),
            "--name-template" => req.name_template = Some(value(&mut words)),
            "--kube-version" => req.kube_version = Some(value(&mut words)),
            "-a" | "--api-versions" => req.api_versions.push(value(&mut words)),
            "-s" | "--show-only" => req.show_only.push(value(&mut words)),
            "--include-crds" => req.include_crds = true,
            "--skip-tests" => req.skip_tests = true,
            "--debug" => req.debug = true,
            "--dry-run" => {}
            "--hide-secret" => req.hide_secret = true,
            other if other.starts_with('-') => panic!("unsupported flag in corpus: {other}"),
            _ => positional.push(w),
        }
    }
    positional.push(chart.to_string());
    req.args = positional;
    req
}

fn show_diff(name: &str, want: &str, got: &str) {
    eprintln!("--- {name}: mismatch");
    let (w, g): (Vec<&str>, Vec<&str>) = (want.split('\n').collect(), got.split('\n').collect());
    for i in 0..w.len().max(g.len()) {
        let (a, b) = (w.get(i).copied(), g.get(i).copied());
        if a != b {
            eprintln!("    line {}: want {:?}\n    line {}:  got {:?}", i + 1, a, i + 1, b);
            break;
        }
    }
}

#[test]
fn helm_goldens() {
    let Some(dir) = corpus() else { return };
    let helm = dir.join("helm");
    let cases = std::fs::read_to_string(helm.join("cases.tsv")).expect("cases.tsv");
    let (mut passed, mut failed) = (0, 0);
    for line in cases.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 4 {
            continue;
        }
        let (golden, chart, flags, expect) = (cols[0], cols[1], cols[2], cols[3]);
        let want = std::fs::read_to_string(helm.join(golden)).expect("golden").replace("\r\n", "\n");
        let mut env = RootedEnv { root: helm.clone(), fs: FsEnvironment::default() };
        let req = request(chart, flags);
        let out = template::run(&req, &mut env);
        let mut got = out.stdout.clone();
        if let Some(e) = &out.error {
            got.push_str(&format!("Error: {e}\n"));
        }
        let ok = got == want && (expect == "error") == out.error.is_some();
        if ok {
            passed += 1;
        } else {
            failed += 1;
            show_diff(golden, &want, &got);
        }
    }
    println!("helm goldens: {passed} passed, {failed} failed");
    assert_eq!(failed, 0, "{failed} helm goldens differ");
}

#[test]
fn otel_collector_examples() {
    let Some(dir) = corpus() else { return };
    let otel = dir.join("otel-collector");
    let mut examples: Vec<PathBuf> =
        std::fs::read_dir(otel.join("examples")).expect("examples").filter_map(|e| e.ok()).map(|e| e.path()).collect();
    examples.sort();
    let (mut passed, mut failed) = (0, 0);
    for example in examples {
        let name = example.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let out_dir = tempfile::tempdir().expect("tempdir");
        let req = TemplateRequest {
            args: vec!["example".into(), otel.join("chart").display().to_string()],
            namespace: "default".into(),
            kube_version: Some("1.29".into()),
            output_dir: Some(out_dir.path().to_path_buf()),
            whitespace: Whitespace::Trim,
            values: template::ValueOptions {
                value_files: vec![example.join("values.yaml").display().to_string()],
                ..Default::default()
            },
            ..TemplateRequest::default()
        };
        let mut env = FsEnvironment::default();
        let out = template::run(&req, &mut env);
        if let Some(e) = &out.error {
            failed += 1;
            eprintln!("--- {name}: error: {e}");
            continue;
        }
        let rendered_dir = out_dir.path().join("opentelemetry-collector/templates");
        let mut got_files: Vec<String> = std::fs::read_dir(&rendered_dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        got_files.sort();
        let mut want_files: Vec<String> = std::fs::read_dir(example.join("rendered"))
            .expect("rendered")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        want_files.sort();
        let mut ok = got_files == want_files;
        if !ok {
            eprintln!("--- {name}: files differ: want {want_files:?}, got {got_files:?}");
        }
        for f in &want_files {
            let want =
                std::fs::read_to_string(example.join("rendered").join(f)).unwrap_or_default().replace("\r\n", "\n");
            let got = std::fs::read_to_string(rendered_dir.join(f)).unwrap_or_default();
            if want != got {
                ok = false;
                show_diff(&format!("{name}/{f}"), &want, &got);
            }
        }
        if ok {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    println!("otel-collector examples: {passed} passed, {failed} failed");
    assert_eq!(failed, 0, "{failed} otel-collector examples differ");
}
