//! `helm template` and `helm install --dry-run` as a library: name and
//! values handling, loading, dependency and schema checks, rendering,
//! hooks, NOTES, CRDs, `--show-only`, `--output-dir`, and Helm's output
//! format (`pkg/cmd/template.go`, `pkg/cmd/install.go`,
//! `pkg/action/install.go`, `pkg/action/action.go`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use ferry_gotmpl::{Map, Type, Value};
use regex::Regex;

use crate::chart::Chart;
use crate::engine::{Capabilities, Engine, KubeVersion};
use crate::manifest::{self, Hook, Whitespace};
use crate::values::{self, Warnings};

/// What `helm template` / `helm install --dry-run` was asked to do: the
/// command line, as data.
#[derive(Debug, Clone, Default)]
pub struct TemplateRequest {
    /// The positional arguments: `[NAME] CHART`.
    pub args: Vec<String>,
    /// `--name-template`: a template (with Sprig functions) for the release name.
    pub name_template: Option<String>,
    /// `--generate-name`: name the release after the chart and the time.
    pub generate_name: bool,
    /// The release name used when none is given (`release-name` for `helm template`).
    pub default_release_name: Option<String>,
    /// `-n/--namespace` (default `default`).
    pub namespace: String,
    /// `-f`, `--set` and friends.
    pub values: ValueOptions,
    /// `--kube-version`.
    pub kube_version: Option<String>,
    /// `-a/--api-versions` (each may be a comma-separated list).
    pub api_versions: Vec<String>,
    /// `--include-crds`.
    pub include_crds: bool,
    /// `--skip-tests`.
    pub skip_tests: bool,
    /// `--no-hooks`.
    pub disable_hooks: bool,
    /// `-s/--show-only` patterns.
    pub show_only: Vec<String>,
    /// `--output-dir`.
    pub output_dir: Option<PathBuf>,
    /// `--release-name`: put files under `<output-dir>/<release name>/`.
    pub use_release_name: bool,
    /// `--is-upgrade`.
    pub is_upgrade: bool,
    /// `.Release.Revision` (1 when `None`, as for `helm template` and a first install; an
    /// upgrade renders with the revision it creates).
    pub revision: Option<i64>,
    /// `--debug`: print what rendered even when the output is invalid.
    pub debug: bool,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
    /// `--render-subchart-notes`.
    pub subchart_notes: bool,
    /// `--hide-secret` (install dry run).
    pub hide_secret: bool,
    /// `--hide-notes` (install dry run).
    pub hide_notes: bool,
    /// Print like `helm install NAME CHART --dry-run` (release header, hooks,
    /// manifest, notes) instead of like `helm template`.
    pub install_dry_run: bool,
    /// Which Helm release's output whitespace to reproduce.
    pub whitespace: Whitespace,
}

/// Values from files and `--set` flags (Helm's `values.Options`).
#[derive(Debug, Clone, Default)]
pub struct ValueOptions {
    /// `-f/--values` files (`-` is standard input).
    pub value_files: Vec<String>,
    /// `--set`.
    pub values: Vec<String>,
    /// `--set-string`.
    pub string_values: Vec<String>,
    /// `--set-file`.
    pub file_values: Vec<String>,
    /// `--set-json`.
    pub json_values: Vec<String>,
    /// `--set-literal`.
    pub literal_values: Vec<String>,
}

/// What the outside world provides: files, the chart, the clock, output files.
pub trait Environment {
    /// Reads a values file or a `--set-file` file (`-` is standard input).
    fn read_file(&self, path: &str) -> Result<Vec<u8>, String>;
    /// Loads the chart at `path` (directory or archive).
    fn load_chart(&self, path: &str) -> Result<Chart, String>;
    /// Whether `path` exists (Helm's chart path check).
    fn exists(&self, path: &str) -> bool;
    /// Seconds since the Unix epoch (for `--generate-name` and `LAST DEPLOYED`).
    fn now_unix(&self) -> i64;
    /// Whether times are shown in UTC rather than the local time zone.
    fn utc(&self) -> bool {
        false
    }
    /// Whether an output file exists (hooks are appended to existing files).
    fn output_exists(&self, path: &Path) -> bool;
    /// Creates (`append` false) or appends to an output file, creating its directory.
    fn write_output(&mut self, path: &Path, data: &str, append: bool) -> Result<(), String>;
}

/// The files and clock of the machine.
#[derive(Debug, Default)]
pub struct FsEnvironment {
    /// A fixed time instead of the clock (e.g. from `SOURCE_DATE_EPOCH`).
    pub fixed_time: Option<i64>,
}

impl Environment for FsEnvironment {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, String> {
        if path.trim() == "-" {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map_err(|e| e.to_string())?;
            return Ok(buf);
        }
        std::fs::read(path).map_err(|e| io_error("open", path, &e))
    }

    fn load_chart(&self, path: &str) -> Result<Chart, String> {
        crate::load::load(Path::new(path)).map_err(|e| e.to_string())
    }

    fn exists(&self, path: &str) -> bool {
        Path::new(path).exists()
    }

    fn now_unix(&self) -> i64 {
        self.fixed_time.unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
        })
    }

    fn utc(&self) -> bool {
        self.fixed_time.is_some()
    }

    fn output_exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn write_output(&mut self, path: &Path, data: &str, append: bool) -> Result<(), String> {
        use std::io::Write;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io_error("mkdir", &dir.display().to_string(), &e))?;
        }
        let mut f =
            if append { std::fs::OpenOptions::new().append(true).open(path) } else { std::fs::File::create(path) }
                .map_err(|e| io_error("open", &path.display().to_string(), &e))?;
        f.write_all(data.as_bytes()).map_err(|e| io_error("write", &path.display().to_string(), &e))
    }
}

fn io_error(op: &str, path: &str, e: &std::io::Error) -> String {
    crate::load::go_io_error(op, Path::new(path), e)
}

/// What the command prints: standard output, and the error (printed as
/// `Error: ...` on standard error, exit status 1) if it failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Everything for standard output.
    pub stdout: String,
    /// The error message, if the command failed.
    pub error: Option<String>,
    /// Messages Helm would log (warnings while coalescing, unknown hooks).
    pub warnings: Vec<String>,
}

/// A rendered release (the parts of Helm's `release.Release` that
/// rendering produces).
#[derive(Debug, Clone, Default)]
pub struct Release {
    /// The release name.
    pub name: String,
    /// The namespace.
    pub namespace: String,
    /// The manifest text (`---\n# Source: ...` documents).
    pub manifest: String,
    /// Hooks, sorted by kind.
    pub hooks: Vec<Hook>,
    /// The rendered NOTES.txt.
    pub notes: String,
    /// The chart as rendered (dependencies processed).
    pub chart: Chart,
    /// The values the user supplied.
    pub config: Value,
}

/// Helm's release name rule.
static VALID_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$").unwrap_or_else(|e| panic!("{e}"))
});
static SOURCE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"# Source: [^/]+/(.+)").unwrap_or_else(|e| panic!("{e}")));

const MAX_RELEASE_NAME_LEN: usize = 53;

/// Helm's `ValidateReleaseName`.
pub fn validate_release_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("no name provided".to_string());
    }
    if name.len() > MAX_RELEASE_NAME_LEN || !VALID_NAME.is_match(name) {
        return Err(format!(
            "invalid release name, must match regex {} and the length must not be longer than 53",
            VALID_NAME.as_str()
        ));
    }
    Ok(())
}

/// Renders `--name-template` with Sprig (Helm's `TemplateName`).
pub fn template_name(name_template: &str) -> Result<String, String> {
    if name_template.is_empty() {
        return Ok(String::new());
    }
    let mut set = ferry_gotmpl::TemplateSet::new("name-template");
    set.add_funcs(ferry_sprig::functions());
    set.parse("name-template", name_template).map_err(|e| e.to_string())?;
    set.execute("name-template", &Value::Invalid).map_err(|e| e.to_string())
}

impl ValueOptions {
    /// Helm's `Options.MergeValues`: files, then `--set-json`, `--set`,
    /// `--set-string`, `--set-file`, `--set-literal`.
    pub fn merge(&self, env: &dyn Environment) -> Result<Value, String> {
        let mut base: BTreeMap<String, Value> = BTreeMap::new();
        for path in &self.value_files {
            let raw = env.read_file(path)?;
            let current = values::load_values(&raw).map_err(|e| format!("failed to parse {path}: {e}"))?;
            let entries = current.as_map().map(|m| m.to_btree()).unwrap_or_default();
            base = values::merge_maps(base, entries);
        }
        let base = Map::new(Type::map_of_interface(), base);
        for value in &self.json_values {
            let trimmed = value.trim();
            if trimmed.starts_with('{') {
                let Ok(ferry_goyaml::Value::Map(entries)) = ferry_goyaml::decode_json(trimmed) else {
                    return Err(format!("failed parsing --set-json data JSON: {value}"));
                };
                let merged = values::merge_maps(base.to_btree(), crate::govalue::yaml_entries(&entries));
                for k in base.keys() {
                    base.remove(&k);
                }
                for (k, v) in merged {
                    base.insert(k, v);
                }
            } else if crate::strvals::parse_json(value, &base).is_err() {
                return Err(format!("failed parsing --set-json data {value}"));
            }
        }
        for value in &self.values {
            crate::strvals::parse_into(value, &base).map_err(|e| format!("failed parsing --set data: {e}"))?;
        }
        for value in &self.string_values {
            crate::strvals::parse_into_string(value, &base)
                .map_err(|e| format!("failed parsing --set-string data: {e}"))?;
        }
        for value in &self.file_values {
            let read = |p: &str| env.read_file(p).map(|b| String::from_utf8_lossy(&b).into_owned());
            crate::strvals::parse_into_file(value, &base, &read)
                .map_err(|e| format!("failed parsing --set-file data: {e}"))?;
        }
        for value in &self.literal_values {
            crate::strvals::parse_literal_into(value, &base)
                .map_err(|e| format!("failed parsing --set-literal data: {e}"))?;
        }
        Ok(Value::Map(base))
    }
}

/// Helm's `CheckDependencies`.
fn check_dependencies(c: &Chart) -> Result<(), String> {
    let Some(reqs) = &c.metadata.dependencies else { return Ok(()) };
    let missing: Vec<&str> = reqs
        .iter()
        .flatten()
        .filter(|r| !c.dependencies.iter().any(|d| d.name() == r.name))
        .map(|r| r.name.as_str())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("found in Chart.yaml, but missing in charts/ directory: {}", missing.join(", ")))
    }
}

/// `.Release` (Helm's `ReleaseOptions`).
#[derive(Debug, Clone, Default)]
pub struct ReleaseOptions {
    /// `.Release.Name`
    pub name: String,
    /// `.Release.Namespace`
    pub namespace: String,
    /// `.Release.IsUpgrade` (and not `.Release.IsInstall`).
    pub is_upgrade: bool,
    /// `.Release.Revision` (0 is read as 1).
    pub revision: i64,
}

/// The render values (Helm's `ToRenderValues`): `Chart`, `Capabilities`,
/// `Release` and the coalesced `Values` (validated against the chart's
/// schemas unless `skip_schema_validation`).
pub fn render_values(
    chart: &Chart,
    user_values: &Value,
    options: &ReleaseOptions,
    caps: &Capabilities,
    skip_schema_validation: bool,
    warnings: &Warnings,
) -> Result<Value, String> {
    let mut release = BTreeMap::new();
    release.insert("Name".to_string(), Value::from(options.name.as_str()));
    release.insert("Namespace".to_string(), Value::from(options.namespace.as_str()));
    release.insert("IsUpgrade".to_string(), Value::Bool(options.is_upgrade));
    release.insert("IsInstall".to_string(), Value::Bool(!options.is_upgrade));
    release.insert("Revision".to_string(), Value::int(options.revision.max(1)));
    release.insert("Service".to_string(), Value::from("Helm"));
    let vals = values::coalesce_values(chart, user_values, warnings).map_err(|e| e.to_string())?;
    if !skip_schema_validation && let Err(e) = crate::schema::validate_against_schema(chart, &vals) {
        return Err(format!("values don't meet the specifications of the schema(s) in the following chart(s):\n{e}"));
    }
    let mut top = BTreeMap::new();
    top.insert("Chart".to_string(), crate::engine::chart_metadata_value(chart, true));
    top.insert("Capabilities".to_string(), caps.to_value());
    top.insert("Release".to_string(), Value::map(release));
    top.insert("Values".to_string(), vals);
    Ok(Value::map(top))
}

struct Failure {
    release: Option<Box<Release>>,
    message: String,
}

fn fail(message: impl Into<String>) -> Failure {
    Failure { release: None, message: message.into() }
}

/// The output file of a template (`<dir>/<chart>/templates/x.yaml`).
fn output_path(dir: &Path, name: &str) -> PathBuf {
    PathBuf::from(format!("{}{}{name}", dir.display(), std::path::MAIN_SEPARATOR))
}

/// `writeToFile`: writes one document and returns the `wrote ...` line.
fn write_to_file(
    env: &mut dyn Environment,
    dir: &Path,
    name: &str,
    data: &str,
    append: bool,
) -> Result<String, String> {
    let path = output_path(dir, name);
    env.write_output(&path, &format!("---\n# Source: {name}\n{data}\n"), append)?;
    Ok(format!("wrote {}\n", path.display()))
}

struct Rendered {
    hooks: Vec<Hook>,
    manifest: String,
    notes: String,
}

/// `renderResources`.
#[allow(clippy::too_many_arguments)]
fn render_resources(
    chart: &Chart,
    top: &Value,
    caps: &Capabilities,
    req: &TemplateRequest,
    release_name: &str,
    env: &mut dyn Environment,
    stdout: &mut String,
    warnings: &mut Vec<String>,
) -> Result<Rendered, (String, String)> {
    let mut b = String::new();
    if !chart.metadata.kube_version.is_empty()
        && !crate::dependencies::is_compatible_range(&chart.metadata.kube_version, &caps.kube_version.normalized)
    {
        return Err((
            b,
            format!(
                "chart requires kubeVersion: {} which is incompatible with Kubernetes {}",
                chart.metadata.kube_version, caps.kube_version.normalized
            ),
        ));
    }
    let mut files = Engine::default().render(chart, top).map_err(|e| (String::new(), e.0))?;

    let root_notes = format!("{}/templates/NOTES.txt", chart.name());
    let mut notes = String::new();
    let note_keys: Vec<String> = files.keys().filter(|k| k.ends_with("NOTES.txt")).cloned().collect();
    for k in note_keys {
        let v = files.remove(&k).unwrap_or_default();
        if req.subchart_notes || k == root_notes {
            if !notes.is_empty() {
                notes.push('\n');
            }
            notes.push_str(&v);
        }
    }

    let sorted = match manifest::sort_manifests(&files, req.whitespace) {
        Ok(s) => s,
        Err(e) => {
            for (name, content) in &files {
                if content.trim().is_empty() {
                    continue;
                }
                b.push_str(&format!("---\n# Source: {name}\n{content}\n"));
            }
            return Err((b, e.to_string()));
        }
    };
    warnings.extend(sorted.warnings.iter().cloned());

    let mut file_written: BTreeMap<String, bool> = BTreeMap::new();
    if req.include_crds {
        for crd in chart.crd_objects() {
            let data = String::from_utf8_lossy(&crd.data).into_owned();
            match &req.output_dir {
                None => b.push_str(&format!("---\n# Source: {}\n{data}\n", crd.filename)),
                Some(dir) => {
                    let append = file_written.get(&crd.filename).copied().unwrap_or(false);
                    stdout
                        .push_str(&write_to_file(env, dir, &crd.filename, &data, append).map_err(|e| (b.clone(), e))?);
                    file_written.insert(crd.filename.clone(), true);
                }
            }
        }
    }
    for m in &sorted.manifests {
        match &req.output_dir {
            None => {
                if req.hide_secret && m.head.kind == "Secret" && m.head.version == "v1" {
                    b.push_str(&format!(
                        "---\n# Source: {}\n# HIDDEN: The Secret output has been suppressed\n",
                        m.name
                    ));
                } else {
                    b.push_str(&format!("---\n# Source: {}\n{}\n", m.name, m.content));
                }
            }
            Some(dir) => {
                let dir = if req.use_release_name { dir.join(release_name) } else { dir.clone() };
                let append = file_written.get(&m.name).copied().unwrap_or(false);
                stdout.push_str(&write_to_file(env, &dir, &m.name, &m.content, append).map_err(|e| (b.clone(), e))?);
                file_written.insert(m.name.clone(), true);
            }
        }
    }
    Ok(Rendered { hooks: sorted.hooks, manifest: b, notes })
}

/// `install.RunWithContext` for a dry run: renders the release.
fn run_install(
    mut chart: Chart,
    user_values: &Value,
    release_name: &str,
    req: &TemplateRequest,
    env: &mut dyn Environment,
    stdout: &mut String,
    warnings: &mut Vec<String>,
) -> Result<Release, Failure> {
    if let Err(e) = validate_release_name(release_name) {
        return Err(fail(format!(
            "release name check failed: release name {}: {e}",
            ferry_goyaml::go_quote(release_name)
        )));
    }
    let coalesce_warnings: Warnings = Warnings::default();
    crate::dependencies::process_dependencies(&mut chart, user_values, &coalesce_warnings)
        .map_err(|e| fail(format!("chart dependencies processing failed: {e}")))?;

    let mut caps = Capabilities::default();
    if let Some(kv) = &req.kube_version {
        caps.kube_version = KubeVersion::parse(kv).map_err(|e| fail(format!("invalid kube version '{kv}': {e}")))?;
    }
    for a in &req.api_versions {
        caps.api_versions.extend(a.split(',').filter(|s| !s.is_empty()).map(str::to_string));
    }

    let options = ReleaseOptions {
        name: release_name.to_string(),
        namespace: req.namespace.clone(),
        is_upgrade: req.is_upgrade,
        revision: req.revision.unwrap_or(1),
    };
    let top = render_values(&chart, user_values, &options, &caps, req.skip_schema_validation, &coalesce_warnings)
        .map_err(fail)?;
    warnings.extend(coalesce_warnings.borrow().iter().cloned());

    let mut release = Release {
        name: release_name.to_string(),
        namespace: req.namespace.clone(),
        chart: chart.clone(),
        config: user_values.clone(),
        ..Release::default()
    };
    match render_resources(&chart, &top, &caps, req, release_name, env, stdout, warnings) {
        Ok(r) => {
            release.hooks = r.hooks;
            release.manifest = r.manifest;
            release.notes = r.notes;
            Ok(release)
        }
        Err((manifest, message)) => {
            release.manifest = manifest;
            Err(Failure { release: Some(Box::new(release)), message })
        }
    }
}

/// An environment for rendering without files: no output directory, no clock.
struct NoFiles;

impl Environment for NoFiles {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, String> {
        Err(format!("open {path}: no such file or directory"))
    }
    fn load_chart(&self, path: &str) -> Result<Chart, String> {
        Err(format!("path {} not found", ferry_goyaml::go_quote(path)))
    }
    fn exists(&self, _path: &str) -> bool {
        false
    }
    fn now_unix(&self) -> i64 {
        0
    }
    fn output_exists(&self, _path: &Path) -> bool {
        false
    }
    fn write_output(&mut self, path: &Path, _data: &str, _append: bool) -> Result<(), String> {
        Err(format!("cannot write {}: no output directory", path.display()))
    }
}

/// Renders a loaded chart into a release, as `helm install` does before it
/// talks to the cluster (dependencies, values, schema, templates, hooks,
/// NOTES). `user_values` are the merged user-supplied values; `req` supplies
/// the namespace, capabilities (`kube_version`, `api_versions`),
/// `include_crds`, `subchart_notes`, `whitespace` and the like (its `args`
/// and `output_dir` are ignored). On a rendering error, the error message
/// and whatever rendered (the manifest text Helm shows with `--debug`).
pub fn render_release(
    chart: Chart,
    user_values: &Value,
    release_name: &str,
    req: &TemplateRequest,
) -> Result<Release, ReleaseError> {
    let mut req = req.clone();
    req.output_dir = None;
    let (mut stdout, mut warnings) = (String::new(), Vec::new());
    run_install(chart, user_values, release_name, &req, &mut NoFiles, &mut stdout, &mut warnings)
        .map_err(|f| ReleaseError { message: f.message, partial_manifest: f.release.map(|r| r.manifest) })
}

/// Why a release could not be rendered: Helm's message, and what rendered
/// before the error (the manifest Helm prints with `--debug`), if anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ReleaseError {
    /// The error, worded as Helm words it.
    pub message: String,
    /// The manifest text rendered before the error (YAML parse errors).
    pub partial_manifest: Option<String>,
}

/// Helm's `NameAndChart`.
fn name_and_chart(req: &TemplateRequest, now: i64) -> Result<(String, String), String> {
    let args = &req.args;
    if args.is_empty() {
        return Err("requires at least 1 argument".to_string());
    }
    if args.len() > 2 {
        return Err(format!("expected at most two arguments, unexpected arguments: {}", args[2..].join(", ")));
    }
    if args.len() == 2 {
        if req.generate_name {
            return Err("cannot set --generate-name and also specify a name".to_string());
        }
        if req.name_template.as_deref().is_some_and(|t| !t.is_empty()) {
            return Err("cannot set --name-template and also specify a name".to_string());
        }
        return Ok((args[0].clone(), args[1].clone()));
    }
    if let Some(t) = req.name_template.as_deref().filter(|t| !t.is_empty()) {
        return Ok((template_name(t)?, args[0].clone()));
    }
    // `helm template` sets its release name before this, so --generate-name has no effect there.
    if let Some(name) = req.default_release_name.as_deref().filter(|n| !n.is_empty()) {
        return Ok((name.to_string(), args[0].clone()));
    }
    if !req.generate_name {
        return Err("must either provide a name or specify --generate-name".to_string());
    }
    let mut base = crate::gopath::base(&args[0].replace('\\', "/")).to_string();
    if base == "." || base.is_empty() {
        base = "chart".to_string();
    }
    if let Some(i) = base.find('.') {
        base.truncate(i);
    }
    Ok((format!("{base}-{now}"), args[0].clone()))
}

/// Runs `helm template` (or, with `install_dry_run`, `helm install --dry-run`).
pub fn run(req: &TemplateRequest, env: &mut dyn Environment) -> Outcome {
    let mut out = Outcome::default();
    let mut warnings = Vec::new();
    let result = run_inner(req, env, &mut out.stdout, &mut warnings);
    out.warnings = warnings;
    if let Err(e) = result {
        out.error = Some(e);
    }
    out
}

fn run_inner(
    req: &TemplateRequest,
    env: &mut dyn Environment,
    stdout: &mut String,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    let now = env.now_unix();
    let (name, chart_ref) = name_and_chart(req, now)?;
    let chart_ref = chart_ref.trim().to_string();
    if !env.exists(&chart_ref) {
        return Err(format!("path {} not found", ferry_goyaml::go_quote(&chart_ref)));
    }
    let user_values = req.values.merge(env)?;
    let chart = env.load_chart(&chart_ref)?;
    match chart.metadata.chart_type.as_str() {
        "" | "application" => {}
        t => return Err(format!("{t} charts are not installable")),
    }
    if chart.metadata.deprecated {
        warnings.push("this chart is deprecated".to_string());
    }
    check_dependencies(&chart).map_err(|e| {
        format!("an error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: {e}")
    })?;

    let mut files_out = String::new();
    let result = run_install(chart, &user_values, &name, req, env, &mut files_out, warnings);
    stdout.push_str(&files_out);
    if req.install_dry_run {
        return print_install(result, req, now, env.utc(), stdout);
    }
    let (release, err) = match result {
        Ok(r) => (Some(r), None),
        Err(f) => (f.release.map(|r| *r), Some(f.message)),
    };
    if let Some(e) = &err
        && !req.debug
    {
        if release.is_some() {
            return Err(format!("{e}\n\nUse --debug flag to render out invalid YAML"));
        }
        return Err(e.clone());
    }
    let Some(release) = release else {
        return Err(err.unwrap_or_default());
    };

    let mut manifests = String::new();
    manifests.push_str(release.manifest.trim_matches(crate::validate::is_go_space));
    manifests.push('\n');
    if !req.disable_hooks {
        let mut file_written: BTreeMap<String, bool> = BTreeMap::new();
        for h in &release.hooks {
            if req.skip_tests && h.is_test() {
                continue;
            }
            match &req.output_dir {
                None => manifests.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest)),
                Some(dir) => {
                    let dir = if req.use_release_name { dir.join(&name) } else { dir.clone() };
                    if env.output_exists(&output_path(&dir, &h.path)) {
                        file_written.insert(h.path.clone(), true);
                    }
                    let append = file_written.get(&h.path).copied().unwrap_or(false);
                    stdout.push_str(&write_to_file(env, &dir, &h.path, &h.manifest, append)?);
                }
            }
        }
    }

    if !req.show_only.is_empty() {
        let docs = manifest::split_manifests(&manifests, req.whitespace);
        let mut to_render = Vec::new();
        for f in &req.show_only {
            let f = f.replace('\\', "/");
            let mut missing = true;
            for m in &docs {
                let Some(c) = SOURCE_RE.captures(m) else { continue };
                let manifest_path = c.get(1).map(|g| g.as_str()).unwrap_or("");
                if !crate::gopath::matches(&f, manifest_path).unwrap_or(false) {
                    continue;
                }
                to_render.push(m.clone());
                missing = false;
            }
            if missing {
                if let Some(e) = err {
                    return Err(e);
                }
                return Err(format!("could not find template {f} in chart"));
            }
        }
        for m in to_render {
            stdout.push_str(&format!("---\n{m}\n"));
        }
    } else {
        stdout.push_str(&manifests);
    }
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Go's `time.ANSIC` layout.
const ANSIC: &str = "Mon Jan _2 15:04:05 2006";

/// `helm install --dry-run` output (Helm's `statusPrinter.WriteTable`).
fn print_install(
    result: Result<Release, Failure>,
    req: &TemplateRequest,
    now: i64,
    utc: bool,
    stdout: &mut String,
) -> Result<(), String> {
    let release = match result {
        Ok(r) => r,
        Err(f) => return Err(f.message),
    };
    let local = if utc { ferry_sprig::gotime::Location::utc() } else { ferry_sprig::gotime::Location::local() };
    let deployed = ferry_sprig::gotime::Time::from_unix(now, 0).in_location(&local);
    stdout.push_str(&format!("NAME: {}\n", release.name));
    stdout.push_str(&format!("LAST DEPLOYED: {}\n", deployed.format(ANSIC)));
    stdout.push_str(&format!("NAMESPACE: {}\n", release.namespace));
    stdout.push_str("STATUS: pending-install\n");
    stdout.push_str("REVISION: 1\n");
    stdout.push_str("DESCRIPTION: Dry run complete\n");
    stdout.push_str("TEST SUITE: None\n");
    if req.debug {
        stdout.push_str("USER-SUPPLIED VALUES:\n");
        stdout.push_str(&crate::engine::funcs::to_yaml(&release.config));
        stdout.push_str("\n\n");
        let warnings = Warnings::default();
        let computed =
            values::coalesce_values(&release.chart, &release.config, &warnings).map_err(|e| e.to_string())?;
        stdout.push_str("COMPUTED VALUES:\n");
        stdout.push_str(&crate::engine::funcs::to_yaml(&computed));
        stdout.push_str("\n\n");
    }
    stdout.push_str("HOOKS:\n");
    for h in &release.hooks {
        stdout.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest));
    }
    stdout.push_str(&format!("MANIFEST:\n{}\n", release.manifest));
    if !req.hide_notes && !release.notes.is_empty() {
        stdout.push_str(&format!("NOTES:\n{}\n", release.notes.trim_matches(crate::validate::is_go_space)));
    }
    Ok(())
}
