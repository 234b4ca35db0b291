//! The chart model: what `Chart.yaml`, `values.yaml`, `templates/`, `crds/`,
//! `charts/` and the other files of a Helm chart load into (Helm's
//! `pkg/chart/v2` `Chart`, `Metadata`, `Dependency`, `Lock`).

use ferry_gotmpl::Value;

/// `apiVersion: v1` (Helm 2 charts; dependencies may live in `requirements.yaml`).
pub const API_VERSION_V1: &str = "v1";
/// `apiVersion: v2` (Helm 3+ charts).
pub const API_VERSION_V2: &str = "v2";

/// A file of a chart: its path relative to the chart root (always with `/`)
/// and its bytes (a leading UTF-8 BOM already removed, as Helm does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Path relative to the chart directory, e.g. `templates/service.yaml`.
    pub name: String,
    /// The file's contents.
    pub data: Vec<u8>,
}

/// A chart maintainer (`maintainers:` entries of `Chart.yaml`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Maintainer {
    /// A user name or organization name.
    pub name: String,
    /// An optional email address.
    pub email: String,
    /// An optional URL.
    pub url: String,
}

/// A dependency of a chart (`dependencies:` of `Chart.yaml` or
/// `requirements.yaml`, and the entries of `Chart.lock`).
#[derive(Debug, Clone, Default)]
pub struct Dependency {
    /// The chart name (replaced by the alias once dependencies are processed).
    pub name: String,
    /// A SemVer constraint the dependency's version must satisfy.
    pub version: String,
    /// The repository URL or alias.
    pub repository: String,
    /// Comma-separated values paths whose first boolean enables the dependency.
    pub condition: String,
    /// Tags: the dependency is disabled when only `false` tags are set.
    pub tags: Vec<String>,
    /// Whether the dependency is enabled (set while processing dependencies).
    pub enabled: bool,
    /// `import-values`: strings (`exports.<name>`) or `{child, parent}` maps.
    pub import_values: Vec<Value>,
    /// An alternative name for the dependency.
    pub alias: String,
}

/// `Chart.yaml`: Helm's `chart.Metadata`. Fields keep the order of the Go
/// struct, which is the order `.Chart` shows them in and JSON encodes them in.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    /// The chart name. Required.
    pub name: String,
    /// The URL of a relevant project page.
    pub home: String,
    /// URLs of the source code.
    pub sources: Vec<String>,
    /// A SemVer 2 version. Required.
    pub version: String,
    /// A one-sentence description.
    pub description: String,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Maintainers (`None` entries are YAML nulls, which fail validation).
    pub maintainers: Vec<Option<Maintainer>>,
    /// The URL of an icon.
    pub icon: String,
    /// The chart API version (`v1` or `v2`). Required.
    pub api_version: String,
    /// A condition (unused by Helm since v3, kept for compatibility).
    pub condition: String,
    /// Tags (unused by Helm since v3, kept for compatibility).
    pub tags: String,
    /// The version of the packaged application.
    pub app_version: String,
    /// Whether the chart is deprecated.
    pub deprecated: bool,
    /// Free-form annotations (`None` when absent, as a nil Go map).
    pub annotations: Option<Vec<(String, String)>>,
    /// A SemVer constraint on the Kubernetes version.
    pub kube_version: String,
    /// Dependencies (`None` entries are YAML nulls, which fail validation).
    pub dependencies: Option<Vec<Option<Dependency>>>,
    /// `application` (or empty) or `library`.
    pub chart_type: String,
}

/// `Chart.lock` / `requirements.lock`.
#[derive(Debug, Clone, Default)]
pub struct Lock {
    /// When the lock was generated (RFC 3339 text as written in the file).
    pub generated: String,
    /// A digest of the dependency requirements.
    pub digest: String,
    /// The resolved dependencies.
    pub dependencies: Vec<Dependency>,
}

/// A loaded chart: Helm's `chart.Chart`.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    /// `Chart.yaml` (plus `requirements.yaml` dependencies for v1 charts).
    pub metadata: Metadata,
    /// `Chart.lock` or `requirements.lock`, if present.
    pub lock: Option<Lock>,
    /// Files under `templates/`.
    pub templates: Vec<File>,
    /// The default values (`values.yaml`, all documents merged): a
    /// `map[string]interface {}` value.
    pub values: Value,
    /// `values.schema.json`, if present.
    pub schema: Option<Vec<u8>>,
    /// Every other file (README, `crds/`, files read with `.Files`, ...).
    pub files: Vec<File>,
    /// Every file as loaded, in load order (what Helm keeps in `Raw`).
    pub raw: Vec<File>,
    /// Subcharts from `charts/` (directories and `.tgz` archives).
    pub dependencies: Vec<Chart>,
}

/// A CRD file of a chart or subchart, with its path from the top chart
/// (`mychart/charts/sub/crds/x.yaml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrdFile {
    /// The path shown in `# Source:` headers.
    pub filename: String,
    /// The file's contents.
    pub data: Vec<u8>,
}

impl Chart {
    /// The chart name (`Metadata.name`).
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Whether the chart is a library chart (type `library`, case-insensitive as Helm compares it).
    pub fn is_library(&self) -> bool {
        self.metadata.chart_type.eq_ignore_ascii_case("library")
    }

    /// The CRDs of the chart and all its subcharts (Helm's `CRDObjects`):
    /// files under `crds/`, then each dependency's, depth first.
    pub fn crd_objects(&self) -> Vec<CrdFile> {
        let mut out = Vec::new();
        self.collect_crds(self.name(), &mut out);
        out
    }

    fn collect_crds(&self, full_path: &str, out: &mut Vec<CrdFile>) {
        for f in &self.files {
            if f.name.starts_with("crds/") && is_yaml_ext(&f.name) {
                out.push(CrdFile { filename: format!("{full_path}/{}", f.name), data: f.data.clone() });
            }
        }
        for dep in &self.dependencies {
            dep.collect_crds(&format!("{full_path}/charts/{}", dep.name()), out);
        }
    }
}

/// Helm only treats `.yaml`, `.yml` and `.json` files under `crds/` as CRDs.
fn is_yaml_ext(name: &str) -> bool {
    let ext = crate::gopath::ext(name);
    [".yaml", ".yml", ".json"].iter().any(|e| ext.eq_ignore_ascii_case(e))
}

fn str_list(v: &[String]) -> Value {
    Value::string_list(v.iter().map(String::as_str))
}

/// A maintainer as templates see it (a `*v2.Maintainer`).
pub(crate) fn maintainer_value(m: &Maintainer) -> Value {
    let mut data = std::collections::BTreeMap::new();
    for (k, v) in [("name", &m.name), ("email", &m.email), ("url", &m.url)] {
        if !v.is_empty() {
            data.insert(k.to_string(), Value::from(v.as_str()));
        }
    }
    Value::object(
        ferry_gotmpl::Struct::new("*v2.Maintainer")
            .with_field("Name", Value::from(m.name.as_str()))
            .with_field("Email", Value::from(m.email.as_str()))
            .with_field("URL", Value::from(m.url.as_str()))
            .with_data(Value::map(data)),
    )
}

/// A dependency's JSON form (Helm's json tags).
pub fn dependency_json(d: &Dependency) -> Value {
    let mut data = std::collections::BTreeMap::new();
    data.insert("name".to_string(), Value::from(d.name.as_str()));
    if !d.version.is_empty() {
        data.insert("version".to_string(), Value::from(d.version.as_str()));
    }
    data.insert("repository".to_string(), Value::from(d.repository.as_str()));
    if !d.condition.is_empty() {
        data.insert("condition".to_string(), Value::from(d.condition.as_str()));
    }
    if !d.tags.is_empty() {
        data.insert("tags".to_string(), str_list(&d.tags));
    }
    if d.enabled {
        data.insert("enabled".to_string(), Value::Bool(true));
    }
    if !d.import_values.is_empty() {
        data.insert("import-values".to_string(), Value::list(d.import_values.clone()));
    }
    if !d.alias.is_empty() {
        data.insert("alias".to_string(), Value::from(d.alias.as_str()));
    }
    Value::map(data)
}

/// A dependency as templates see it (a `*v2.Dependency`).
pub(crate) fn dependency_value(d: &Dependency) -> Value {
    Value::object(
        ferry_gotmpl::Struct::new("*v2.Dependency")
            .with_field("Name", Value::from(d.name.as_str()))
            .with_field("Version", Value::from(d.version.as_str()))
            .with_field("Repository", Value::from(d.repository.as_str()))
            .with_field("Condition", Value::from(d.condition.as_str()))
            .with_field("Tags", str_list(&d.tags))
            .with_field("Enabled", Value::Bool(d.enabled))
            .with_field("ImportValues", Value::list(d.import_values.clone()))
            .with_field("Alias", Value::from(d.alias.as_str()))
            .with_data(dependency_json(d)),
    )
}

/// `Chart.yaml` metadata as `encoding/json` encodes Helm's `Metadata`
/// (json tags, `omitempty`): what a release's `chart.metadata` holds.
pub fn metadata_json(md: &Metadata) -> Value {
    let mut data = std::collections::BTreeMap::new();
    let mut put = |k: &str, v: &str| {
        if !v.is_empty() {
            data.insert(k.to_string(), Value::from(v));
        }
    };
    put("name", &md.name);
    put("home", &md.home);
    put("version", &md.version);
    put("description", &md.description);
    put("icon", &md.icon);
    put("apiVersion", &md.api_version);
    put("condition", &md.condition);
    put("tags", &md.tags);
    put("appVersion", &md.app_version);
    put("kubeVersion", &md.kube_version);
    put("type", &md.chart_type);
    if !md.sources.is_empty() {
        data.insert("sources".into(), str_list(&md.sources));
    }
    if !md.keywords.is_empty() {
        data.insert("keywords".into(), str_list(&md.keywords));
    }
    if !md.maintainers.is_empty() {
        let items = md
            .maintainers
            .iter()
            .map(|m| match m {
                Some(m) => maintainer_value(m).as_object().and_then(|o| o.to_data()).unwrap_or(Value::nil()),
                None => Value::nil(),
            })
            .collect();
        data.insert("maintainers".into(), Value::list(items));
    }
    if md.deprecated {
        data.insert("deprecated".into(), Value::Bool(true));
    }
    if let Some(a) = &md.annotations
        && !a.is_empty()
    {
        data.insert(
            "annotations".into(),
            Value::map(a.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect()),
        );
    }
    if let Some(deps) = &md.dependencies
        && !deps.is_empty()
    {
        data.insert(
            "dependencies".into(),
            Value::list(deps.iter().map(|d| d.as_ref().map(dependency_json).unwrap_or(Value::nil())).collect()),
        );
    }
    Value::map(data)
}
