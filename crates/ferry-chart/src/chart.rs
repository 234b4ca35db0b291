//! The chart model: what `Chart.yaml`, `values.yaml`, `templates/`, `crds/`,
//! `charts/` and the other files of a Helm chart load into (Helm's
//! `pkg/chart/v2` `Chart`, `Metadata`, `Dependency`, `Lock`).

use std::collections::BTreeMap;

use ferry_gotmpl::Value;
use serde::{Deserialize, Serialize};

use crate::gojson;
use crate::timestamp::Timestamp;

/// `apiVersion: v1` (Helm 2 charts; dependencies may live in `requirements.yaml`).
pub const API_VERSION_V1: &str = "v1";
/// `apiVersion: v2` (Helm 3+ charts).
pub const API_VERSION_V2: &str = "v2";

// The structs below are Helm's, field for field and in Go's field order; the
// serde attributes are their Go JSON tags (`omitempty` is
// `skip_serializing_if`, a nil slice without it is `nil_if_empty`). The
// same types are the loaded chart and the chart a release stores.

/// A file of a chart (Helm 4's `common.File`): its path relative to the
/// chart root (always with `/`) and its bytes (a leading UTF-8 BOM already
/// removed, as Helm does).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "common.File", default)]
pub struct File {
    /// Path relative to the chart directory, e.g. `templates/service.yaml`.
    pub name: String,
    /// The file's contents.
    #[serde(with = "gojson::bytes")]
    pub data: Vec<u8>,
    /// Helm 4's modification time (`modtime`, omitted when zero).
    #[serde(rename = "modtime", skip_serializing_if = "Timestamp::is_zero")]
    pub mod_time: Timestamp,
}

impl File {
    /// A file with no modification time.
    pub fn new(name: impl Into<String>, data: impl Into<Vec<u8>>) -> File {
        File { name: name.into(), data: data.into(), mod_time: Timestamp::ZERO }
    }
}

/// A chart maintainer (`maintainers:` entries of `Chart.yaml`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "v2.Maintainer", default)]
pub struct Maintainer {
    /// A user name or organization name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// An optional email address.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// An optional URL.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub url: String,
}

/// A dependency of a chart (`dependencies:` of `Chart.yaml` or
/// `requirements.yaml`, and the entries of `Chart.lock`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "v2.Dependency", default)]
pub struct Dependency {
    /// The chart name (replaced by the alias once dependencies are processed).
    pub name: String,
    /// A SemVer constraint the dependency's version must satisfy.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// The repository URL or alias.
    pub repository: String,
    /// Comma-separated values paths whose first boolean enables the dependency.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub condition: String,
    /// Tags: the dependency is disabled when only `false` tags are set.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Whether the dependency is enabled (set while processing dependencies).
    #[serde(skip_serializing_if = "gojson::is_false")]
    pub enabled: bool,
    /// `import-values`: strings (`exports.<name>`) or `{child, parent}` maps,
    /// as `encoding/json` reads them into `[]interface{}` (numbers are
    /// float64). Processing dependencies rewrites every entry to a
    /// `{child, parent}` map of strings, as Helm does.
    #[serde(rename = "import-values", skip_serializing_if = "Vec::is_empty", with = "gojson::any::list")]
    pub import_values: Vec<ferry_goyaml::Value>,
    /// An alternative name for the dependency.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub alias: String,
}

/// `Chart.yaml`: Helm's `chart.Metadata`. Fields keep the order of the Go
/// struct, which is the order `.Chart` shows them in and JSON encodes them in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "v2.Metadata", default)]
pub struct Metadata {
    /// The chart name. Required.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The URL of a relevant project page.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub home: String,
    /// URLs of the source code.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// A SemVer 2 version. Required.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// A one-sentence description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Keywords.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// Maintainers (`None` entries are YAML nulls, which fail validation).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub maintainers: Vec<Option<Maintainer>>,
    /// The URL of an icon.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub icon: String,
    /// The chart API version (`v1` or `v2`). Required.
    #[serde(rename = "apiVersion", skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// A condition (unused by Helm since v3, kept for compatibility).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub condition: String,
    /// Tags (unused by Helm since v3, kept for compatibility).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tags: String,
    /// The version of the packaged application.
    #[serde(rename = "appVersion", skip_serializing_if = "String::is_empty")]
    pub app_version: String,
    /// Whether the chart is deprecated.
    #[serde(skip_serializing_if = "gojson::is_false")]
    pub deprecated: bool,
    /// Free-form annotations (`None` when absent, as a nil Go map).
    #[serde(skip_serializing_if = "gojson::is_none_or_empty")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// A SemVer constraint on the Kubernetes version.
    #[serde(rename = "kubeVersion", skip_serializing_if = "String::is_empty")]
    pub kube_version: String,
    /// Dependencies (`None` when absent, as a nil Go slice, which Helm's
    /// import-values processing tells apart from an empty list; `None`
    /// entries are YAML nulls, which fail validation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<Vec<Option<Dependency>>>,
    /// `application` (or empty) or `library`.
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub chart_type: String,
}

/// `Chart.lock` / `requirements.lock`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "v2.Lock", default)]
pub struct Lock {
    /// When the lock was generated.
    pub generated: Timestamp,
    /// A digest of the dependency requirements.
    pub digest: String,
    /// The resolved dependencies.
    #[serde(with = "gojson::nil_if_empty")]
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

/// An import-values entry as templates see it: after processing, every
/// entry is Helm's `map[string]string{"child": .., "parent": ..}`.
fn import_value(v: &ferry_goyaml::Value) -> Value {
    use ferry_goyaml::Value as Y;
    match v {
        Y::Map(entries) if entries.iter().all(|(k, v)| matches!((k, v), (Y::Str(_), Y::Str(_)))) => {
            let strings = ferry_gotmpl::Type::Map(
                std::sync::Arc::new(ferry_gotmpl::Type::String),
                std::sync::Arc::new(ferry_gotmpl::Type::String),
            );
            Value::typed_map(strings, crate::govalue::yaml_entries(entries))
        }
        other => crate::govalue::from_yaml(other),
    }
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
        data.insert("import-values".to_string(), Value::list(d.import_values.iter().map(import_value).collect()));
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
            .with_field("ImportValues", Value::list(d.import_values.iter().map(import_value).collect()))
            .with_field("Alias", Value::from(d.alias.as_str()))
            .with_data(dependency_json(d)),
    )
}
