//! `.Capabilities`: the Kubernetes version, the API versions the cluster
//! serves and Helm's build information (Helm's `common.Capabilities`).

use std::collections::BTreeMap;
use std::sync::Arc;

use ferry_gotmpl::{Function, Object, Type, Value};

/// Helm's built-in API version list (`zz_generated_known_versions.go`):
/// what `.Capabilities.APIVersions` holds when no cluster is asked.
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "lifecycle.k8s.io/v1alpha1",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// The Kubernetes version Helm 4.2 assumes when no cluster is asked: the
/// version matching the client-go it is built with.
pub const DEFAULT_KUBE_VERSION: &str = "v1.35.0";

/// `.Capabilities.KubeVersion`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeVersion {
    /// The full version as given, with a `v` prefix (`v1.33.4-gke.1245000`).
    pub version: String,
    /// The version used for constraint checks (`v1.33.4`).
    pub normalized: String,
    /// The major version.
    pub major: String,
    /// The minor version.
    pub minor: String,
}

/// Why a Kubernetes version string was rejected (k8s.io/apimachinery's messages).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KubeVersionError(pub String);

impl KubeVersion {
    /// Helm's `ParseKubeVersion` (k8s `ParseGeneric`): `1.29`, `v1.29.3`,
    /// `1.33.4-gke.1245000`.
    pub fn parse(version: &str) -> Result<KubeVersion, KubeVersionError> {
        let quoted = ferry_goyaml::go_quote(version);
        let s = version.trim_start_matches([' ', '\t', '\n', '\r', '\x0C']);
        let s = s.strip_prefix('v').unwrap_or(s);
        let numbers_end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
        let mut numbers = &s[..numbers_end];
        // The numeric part must end on a digit (`1.` leaves `.` to the extra part).
        while numbers.ends_with('.') {
            numbers = &numbers[..numbers.len() - 1];
        }
        if numbers.is_empty() || !numbers.starts_with(|c: char| c.is_ascii_digit()) || numbers.contains("..") {
            return Err(KubeVersionError(format!("could not parse {quoted} as version")));
        }
        let components: Vec<&str> = numbers.split('.').collect();
        if components.len() < 2 {
            return Err(KubeVersionError(format!("illegal version string {quoted}")));
        }
        let mut nums = Vec::with_capacity(components.len());
        for (i, comp) in components.iter().enumerate() {
            if i == 0 && comp.starts_with('0') && *comp != "0" {
                return Err(KubeVersionError(format!(
                    "illegal zero-prefixed version component {} in {quoted}",
                    ferry_goyaml::go_quote(comp)
                )));
            }
            let n: u64 = comp.parse().map_err(|_| {
                KubeVersionError(format!(
                    "illegal non-numeric version component {} in {quoted}: strconv.ParseUint: parsing {}: value out of range",
                    ferry_goyaml::go_quote(comp),
                    ferry_goyaml::go_quote(comp)
                ))
            })?;
            nums.push(n.to_string());
        }
        let git = if version.starts_with('v') { version.to_string() } else { format!("v{version}") };
        Ok(KubeVersion {
            version: git,
            normalized: format!("v{}", nums.join(".")),
            major: nums[0].clone(),
            minor: nums[1].clone(),
        })
    }
}

/// Helm's build information (`.Capabilities.HelmVersion`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelmVersion {
    /// The Helm version Ferry emulates.
    pub version: String,
    /// The git commit of that version.
    pub git_commit: String,
    /// `clean` or `dirty`.
    pub git_tree_state: String,
    /// The Go version Helm was built with.
    pub go_version: String,
    /// The client-go version.
    pub kube_client_version: String,
}

impl Default for HelmVersion {
    fn default() -> HelmVersion {
        HelmVersion {
            version: "v4.2.4".into(),
            git_commit: String::new(),
            git_tree_state: "clean".into(),
            go_version: "go1.25.0".into(),
            kube_client_version: "v1.35".into(),
        }
    }
}

/// `.Capabilities`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// The Kubernetes version.
    pub kube_version: KubeVersion,
    /// The API versions (`group/version` and `group/version/Kind`).
    pub api_versions: Vec<String>,
    /// Helm's build information.
    pub helm_version: HelmVersion,
}

impl Default for Capabilities {
    fn default() -> Capabilities {
        Capabilities {
            kube_version: KubeVersion::parse(DEFAULT_KUBE_VERSION).unwrap_or_else(|_| KubeVersion {
                version: DEFAULT_KUBE_VERSION.into(),
                normalized: DEFAULT_KUBE_VERSION.into(),
                major: "1".into(),
                minor: "35".into(),
            }),
            api_versions: DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect(),
            helm_version: HelmVersion::default(),
        }
    }
}

/// The type name of `.Capabilities.APIVersions`.
pub(crate) const VERSION_SET_TYPE: &str = "common.VersionSet";

fn version_set_type() -> Type {
    Type::named(VERSION_SET_TYPE, Type::Slice(Arc::new(Type::String)))
}

/// `VersionSet.Has`, declared on the template set.
pub(crate) fn version_set_method(recv: &Value, name: &str) -> Option<Function> {
    if name != "Has" {
        return None;
    }
    let recv = recv.clone();
    Some(
        Function::new([Type::String], move |_, a| {
            let want = a[0].as_str().unwrap_or("");
            Ok(Value::Bool(recv.as_list().is_some_and(|l| l.items.iter().any(|i| i.as_str() == Some(want)))))
        })
        .returns(Type::Bool),
    )
}

#[derive(Debug)]
struct KubeVersionObject(KubeVersion);

impl Object for KubeVersionObject {
    fn type_name(&self) -> &str {
        "common.KubeVersion"
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::from(match name {
            "Version" => self.0.version.as_str(),
            "Major" => self.0.major.as_str(),
            "Minor" => self.0.minor.as_str(),
            _ => return None,
        }))
    }
    fn method(&self, name: &str) -> Option<Function> {
        let s = match name {
            "String" => self.0.normalized.clone(),
            "GitVersion" => self.0.version.clone(),
            _ => return None,
        };
        Some(Function::new([], move |_, _| Ok(Value::from(s.as_str()))).returns(Type::String))
    }
    fn string(&self) -> Option<String> {
        Some(self.0.normalized.clone())
    }
    fn struct_fields(&self) -> Vec<(String, Value)> {
        vec![
            ("Version".into(), Value::from(self.0.version.as_str())),
            ("normalizedVersion".into(), Value::from(self.0.normalized.as_str())),
            ("Major".into(), Value::from(self.0.major.as_str())),
            ("Minor".into(), Value::from(self.0.minor.as_str())),
        ]
    }
    fn to_data(&self) -> Option<Value> {
        let mut m = BTreeMap::new();
        m.insert("Version".into(), Value::from(self.0.version.as_str()));
        m.insert("Major".into(), Value::from(self.0.major.as_str()));
        m.insert("Minor".into(), Value::from(self.0.minor.as_str()));
        Some(Value::map(m))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[derive(Debug)]
struct HelmVersionObject(HelmVersion);

impl HelmVersionObject {
    fn fields(&self) -> Vec<(&'static str, &'static str, &str)> {
        vec![
            ("Version", "version", &self.0.version),
            ("GitCommit", "git_commit", &self.0.git_commit),
            ("GitTreeState", "git_tree_state", &self.0.git_tree_state),
            ("GoVersion", "go_version", &self.0.go_version),
            ("KubeClientVersion", "kube_client_version", &self.0.kube_client_version),
        ]
    }
}

impl Object for HelmVersionObject {
    fn type_name(&self) -> &str {
        "version.BuildInfo"
    }
    fn field(&self, name: &str) -> Option<Value> {
        self.fields().into_iter().find(|(f, _, _)| *f == name).map(|(_, _, v)| Value::from(v))
    }
    fn struct_fields(&self) -> Vec<(String, Value)> {
        self.fields().into_iter().map(|(f, _, v)| (f.to_string(), Value::from(v))).collect()
    }
    fn to_data(&self) -> Option<Value> {
        let mut m = BTreeMap::new();
        for (_, tag, v) in self.fields() {
            if !v.is_empty() || tag == "kube_client_version" {
                m.insert(tag.to_string(), Value::from(v));
            }
        }
        Some(Value::map(m))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[derive(Debug)]
struct CapabilitiesObject {
    kube: Value,
    apis: Value,
    helm: Value,
}

impl Object for CapabilitiesObject {
    fn type_name(&self) -> &str {
        "*common.Capabilities"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(self.kube.clone()),
            "APIVersions" => Some(self.apis.clone()),
            "HelmVersion" => Some(self.helm.clone()),
            _ => None,
        }
    }
    fn struct_fields(&self) -> Vec<(String, Value)> {
        vec![
            ("KubeVersion".into(), self.kube.clone()),
            ("APIVersions".into(), self.apis.clone()),
            ("HelmVersion".into(), self.helm.clone()),
        ]
    }
    fn to_data(&self) -> Option<Value> {
        let mut m = BTreeMap::new();
        m.insert("KubeVersion".into(), self.kube.clone());
        m.insert("APIVersions".into(), self.apis.clone());
        m.insert("HelmVersion".into(), self.helm.clone());
        Some(Value::map(m))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Capabilities {
    /// The template value of `.Capabilities`.
    pub fn to_value(&self) -> Value {
        let apis =
            Value::typed_list(version_set_type(), self.api_versions.iter().map(|s| Value::from(s.as_str())).collect());
        Value::object(CapabilitiesObject {
            kube: Value::object(KubeVersionObject(self.kube_version.clone())),
            apis,
            helm: Value::object(HelmVersionObject(self.helm_version.clone())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_k8s_parse_generic() {
        let v = KubeVersion::parse("1.29").unwrap();
        assert_eq!(
            (v.version.as_str(), v.normalized.as_str(), v.major.as_str(), v.minor.as_str()),
            ("v1.29", "v1.29", "1", "29")
        );
        let v = KubeVersion::parse("v1.33.4-gke.1245000").unwrap();
        assert_eq!((v.version.as_str(), v.normalized.as_str()), ("v1.33.4-gke.1245000", "v1.33.4"));
        assert_eq!(KubeVersion::parse("abc").unwrap_err().to_string(), "could not parse \"abc\" as version");
        assert_eq!(KubeVersion::parse("1").unwrap_err().to_string(), "illegal version string \"1\"");
        assert!(KubeVersion::parse("01.2").is_err());
    }
}
