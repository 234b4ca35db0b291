//! Splitting rendered templates into YAML documents, separating hooks and
//! sorting manifests in install order (Helm's `pkg/release/v1/util`:
//! `SplitManifests`, `SortManifests`, `InstallOrder`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

/// How rendered documents keep their whitespace: Helm 4.2 keeps a
/// document's trailing newlines; Helm 4.0 trimmed every document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Whitespace {
    /// Helm 4.1 and later: documents keep their trailing whitespace.
    #[default]
    Keep,
    /// Helm 4.0 (and 3): documents are trimmed.
    Trim,
}

static SEP_KEEP: LazyLock<Regex> = LazyLock::new(|| compile(r"(?m)^---"));
static SEP_TRIM: LazyLock<Regex> = LazyLock::new(|| compile(r"(?:^|[\t\n\x0C\r ]*\n)---[\t\n\x0C\r ]*"));

fn compile(p: &str) -> Regex {
    // Constant patterns, exercised by every test.
    Regex::new(p).unwrap_or_else(|e| panic!("manifest pattern {p}: {e}"))
}

fn is_go_space(c: char) -> bool {
    crate::validate::is_go_space(c)
}

/// Helm's `SplitManifests`: the YAML documents of a stream, in order,
/// leading whitespace removed (and trailing whitespace too in
/// [`Whitespace::Trim`] mode). Empty documents are dropped.
pub fn split_manifests(big_file: &str, ws: Whitespace) -> Vec<String> {
    let mut out = Vec::new();
    match ws {
        Whitespace::Keep => {
            let text = big_file.trim_start_matches(is_go_space);
            for d in go_split(&SEP_KEEP, text) {
                if d.trim_matches(is_go_space).is_empty() {
                    continue;
                }
                out.push(d.trim_start_matches(is_go_space).to_string());
            }
        }
        Whitespace::Trim => {
            let text = big_file.trim_matches(is_go_space);
            for d in go_split(&SEP_TRIM, text) {
                if d.is_empty() {
                    continue;
                }
                out.push(d.trim_matches(is_go_space).to_string());
            }
        }
    }
    out
}

/// Go's `regexp.Split(s, -1)`.
fn go_split<'a>(re: &Regex, s: &'a str) -> Vec<&'a str> {
    if s.is_empty() {
        return vec![""];
    }
    let mut parts = Vec::new();
    let mut beg = 0;
    let mut end = 0;
    for m in re.find_iter(s) {
        end = m.start();
        if m.end() != 0 {
            parts.push(&s[beg..end]);
        }
        beg = m.end();
    }
    if end != s.len() {
        parts.push(&s[beg..]);
    }
    parts
}

/// Helm's `InstallOrder`.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The head of a manifest (Helm's `SimpleHead`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename = "util.SimpleHead", default)]
pub struct SimpleHead {
    /// `apiVersion`
    #[serde(rename = "apiVersion")]
    pub version: String,
    /// `kind`
    pub kind: String,
    /// `metadata`, if present.
    pub metadata: Option<HeadMetadata>,
}

/// `metadata.name` and `metadata.annotations` of a manifest (an anonymous
/// struct in Helm, named in errors by its type's text).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(
    rename = "struct { Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }",
    default
)]
pub struct HeadMetadata {
    /// `metadata.name`
    pub name: String,
    /// `metadata.annotations` (`None` when absent or null).
    pub annotations: Option<BTreeMap<String, String>>,
}

/// A rendered resource that is not a hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The template it came from (`mychart/templates/x.yaml`).
    pub name: String,
    /// The document.
    pub content: String,
    /// Its head.
    pub head: SimpleHead,
}

/// Hook events (`helm.sh/hook`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookEvent {
    /// `pre-install`
    PreInstall,
    /// `post-install`
    PostInstall,
    /// `pre-delete`
    PreDelete,
    /// `post-delete`
    PostDelete,
    /// `pre-upgrade`
    PreUpgrade,
    /// `post-upgrade`
    PostUpgrade,
    /// `pre-rollback`
    PreRollback,
    /// `post-rollback`
    PostRollback,
    /// `test` (also `test-success`)
    Test,
}

impl HookEvent {
    fn parse(s: &str) -> Option<HookEvent> {
        Some(match s {
            "pre-install" => HookEvent::PreInstall,
            "post-install" => HookEvent::PostInstall,
            "pre-delete" => HookEvent::PreDelete,
            "post-delete" => HookEvent::PostDelete,
            "pre-upgrade" => HookEvent::PreUpgrade,
            "post-upgrade" => HookEvent::PostUpgrade,
            "pre-rollback" => HookEvent::PreRollback,
            "post-rollback" => HookEvent::PostRollback,
            "test" | "test-success" => HookEvent::Test,
            _ => return None,
        })
    }

    /// The annotation value of the event.
    pub fn as_str(self) -> &'static str {
        match self {
            HookEvent::PreInstall => "pre-install",
            HookEvent::PostInstall => "post-install",
            HookEvent::PreDelete => "pre-delete",
            HookEvent::PostDelete => "post-delete",
            HookEvent::PreUpgrade => "pre-upgrade",
            HookEvent::PostUpgrade => "post-upgrade",
            HookEvent::PreRollback => "pre-rollback",
            HookEvent::PostRollback => "post-rollback",
            HookEvent::Test => "test",
        }
    }
}

/// A hook resource (Helm's `release.Hook`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    /// `metadata.name`
    pub name: String,
    /// `kind`
    pub kind: String,
    /// The template it came from.
    pub path: String,
    /// The document.
    pub manifest: String,
    /// Its events.
    pub events: Vec<HookEvent>,
    /// `helm.sh/hook-weight` (0 if absent or not an integer).
    pub weight: i64,
    /// `helm.sh/hook-delete-policy` values.
    pub delete_policies: Vec<String>,
    /// `helm.sh/hook-output-log-policy` values.
    pub output_log_policies: Vec<String>,
}

impl Hook {
    /// Whether the hook is a test.
    pub fn is_test(&self) -> bool {
        self.events.contains(&HookEvent::Test)
    }
}

/// A manifest that does not parse (`YAML parse error on FILE: ...`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("YAML parse error on {file}: {message}")]
pub struct ManifestError {
    /// The template.
    pub file: String,
    /// The parser's message.
    pub message: String,
}

/// `yaml.Unmarshal(doc, &SimpleHead{})` with `sigs.k8s.io/yaml` semantics:
/// scalars become strings for string fields, keys match case-insensitively.
pub fn parse_head(doc: &str) -> Result<SimpleHead, String> {
    crate::gojson::from_yaml(&crate::gojson::yaml_to_json(doc.as_bytes())?)
}

/// Hooks and manifests of a render, sorted as Helm sorts them.
#[derive(Debug, Clone, Default)]
pub struct Sorted {
    /// Hook resources, sorted by kind.
    pub hooks: Vec<Hook>,
    /// Other resources, sorted by kind (stable: file path, then document order).
    pub manifests: Vec<Manifest>,
    /// Messages Helm logs (unknown hook types).
    pub warnings: Vec<String>,
}

fn kind_rank(kind: &str) -> Option<usize> {
    INSTALL_ORDER.iter().position(|k| *k == kind)
}

/// Helm's `lessByKind` as an ordering for a stable sort.
fn cmp_kind(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (kind_rank(a), kind_rank(b)) {
        (None, None) => a.cmp(b),
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) => x.cmp(&y),
    }
}

/// Helm's `SortManifests` with `InstallOrder`: files in path order (partials
/// and blank files skipped), documents in file order, hooks split out by
/// `helm.sh/hook`, both lists stably sorted by kind.
pub fn sort_manifests(files: &BTreeMap<String, String>, ws: Whitespace) -> Result<Sorted, ManifestError> {
    let mut result = Sorted::default();
    for (path, content) in files {
        if crate::gopath::base(path).starts_with('_') || content.trim_matches(is_go_space).is_empty() {
            continue;
        }
        for m in split_manifests(content, ws) {
            let head = parse_head(&m).map_err(|message| ManifestError { file: path.clone(), message })?;
            let annotations = head.metadata.as_ref().and_then(|md| md.annotations.as_ref()).filter(|a| !a.is_empty());
            let hook_types = annotations.and_then(|a| a.get("helm.sh/hook"));
            let Some(hook_types) = hook_types else {
                result.manifests.push(Manifest { name: path.clone(), content: m, head });
                continue;
            };
            let annotations = annotations.cloned().unwrap_or_default();
            let weight = annotations.get("helm.sh/hook-weight").and_then(|w| go_atoi(w)).unwrap_or(0);
            let mut events = Vec::new();
            let mut unknown = false;
            for t in hook_types.split(',') {
                match HookEvent::parse(&t.trim().to_lowercase()) {
                    Some(e) => events.push(e),
                    None => {
                        unknown = true;
                        break;
                    }
                }
            }
            if unknown {
                result.warnings.push(format!("skipping unknown hooks: {hook_types}"));
                continue;
            }
            let policies = |key: &str| -> Vec<String> {
                annotations
                    .get(key)
                    .map(|v| v.split(',').map(|p| p.trim().to_lowercase()).collect())
                    .unwrap_or_default()
            };
            result.hooks.push(Hook {
                name: head.metadata.as_ref().map(|m| m.name.clone()).unwrap_or_default(),
                kind: head.kind.clone(),
                path: path.clone(),
                manifest: m,
                events,
                weight,
                delete_policies: policies("helm.sh/hook-delete-policy"),
                output_log_policies: policies("helm.sh/hook-output-log-policy"),
            });
        }
    }
    result.manifests.sort_by(|a, b| cmp_kind(&a.head.kind, &b.head.kind));
    result.hooks.sort_by(|a, b| cmp_kind(&a.kind, &b.kind));
    Ok(result)
}

/// Go's `strconv.Atoi`.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What helm 4.1.4 prints for malformed heads: Go names the innermost
    /// struct (the anonymous metadata struct has no name) and leaves map
    /// keys out of the field path.
    #[test]
    fn head_errors_like_helm() {
        let err = |doc: &str| parse_head(doc).unwrap_err();
        let prefix = "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal";
        assert_eq!(
            err("kind: ConfigMap\nmetadata:\n  name: [1]\n"),
            format!("{prefix} array into Go struct field .metadata.name of type string")
        );
        assert_eq!(
            err("kind: ConfigMap\nmetadata:\n  annotations:\n    a: [1]\n"),
            format!("{prefix} array into Go struct field .metadata.annotations of type string")
        );
        assert_eq!(
            err("apiVersion: v1\nkind: [ConfigMap]\n"),
            format!("{prefix} array into Go struct field SimpleHead.kind of type string")
        );
        assert_eq!(
            err("kind: ConfigMap\nmetadata: 5\n"),
            format!(
                "{prefix} number into Go struct field SimpleHead.metadata of type struct {{ Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }}"
            )
        );
        assert_eq!(
            err("data:\n  ~: x\n"),
            "error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: <nil>, value: \"x\""
        );
        let head = parse_head("apiVersion: 1.10\nKIND: Pod\nmetadata:\n  name: 7\n  annotations:\n    w: 5\n").unwrap();
        assert_eq!((head.version.as_str(), head.kind.as_str()), ("1.1", "Pod"));
        let md = head.metadata.unwrap();
        assert_eq!(md.name, "7");
        assert_eq!(md.annotations.unwrap().get("w").map(String::as_str), Some("5"));
    }

    /// Helm's `manifest_test.go` (`TestSplitManifest`).
    #[test]
    fn split_like_helm() {
        let input = "apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Service\n";
        assert_eq!(
            split_manifests(input, Whitespace::Trim),
            vec!["apiVersion: v1\nkind: Pod", "apiVersion: v1\nkind: Service"]
        );
        assert_eq!(
            split_manifests(input, Whitespace::Keep),
            vec!["apiVersion: v1\nkind: Pod\n", "apiVersion: v1\nkind: Service\n"]
        );
        // A separator glued to content still splits (templates with `---\n{{-`).
        assert_eq!(split_manifests("a: 1\n---b: 2\n", Whitespace::Keep), vec!["a: 1\n", "b: 2\n"]);
        assert_eq!(split_manifests("\n\n---\n\n", Whitespace::Keep), Vec::<String>::new());
        assert_eq!(split_manifests("a: 1\n\n---\n\n# c\nb: 2", Whitespace::Keep), vec!["a: 1\n\n", "# c\nb: 2"]);
    }

    fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// Helm's `manifest_sorter_test.go` (`TestSortManifests`, reduced).
    #[test]
    fn sorts_hooks_and_manifests() {
        let data = files(&[
            (
                "one",
                "apiVersion: v1\nkind: Job\nmetadata:\n  name: first\n  annotations:\n    \"helm.sh/hook\": pre-install\n",
            ),
            (
                "two",
                "kind: ReplicaSet\napiVersion: v1beta1\nmetadata:\n  name: second\n  annotations:\n    \"helm.sh/hook\": post-install\n",
            ),
            (
                "three",
                "kind: ReplicaSet\napiVersion: v1beta1\nmetadata:\n  name: third\n  annotations:\n    \"helm.sh/hook\": no-such-hook\n",
            ),
            ("four", "kind: Pod\napiVersion: v1\nmetadata:\n  name: fourth\n  annotations:\n    nothing: here"),
            (
                "five",
                "kind: ReplicaSet\napiVersion: v1beta1\nmetadata:\n  name: fifth\n  annotations:\n    \"helm.sh/hook\": post-delete, post-install\n",
            ),
            (
                "six",
                "kind: ReplicaSet\napiVersion: v1beta1\nmetadata:\n  name: sixth\n  annotations:\n    \"helm.sh/hook\": pre-install\n    \"helm.sh/hook-weight\": \"-2\"\n",
            ),
            ("templates/_partial", "kind: Nope"),
            (
                "seven",
                "kind: Service\napiVersion: v1\nmetadata:\n  name: seventh\n---\nkind: Namespace\napiVersion: v1\nmetadata:\n  name: eighth\n",
            ),
        ]);
        let s = sort_manifests(&data, Whitespace::Keep).unwrap();
        let hooks: Vec<(&str, i64)> = s.hooks.iter().map(|h| (h.name.as_str(), h.weight)).collect();
        assert_eq!(hooks, vec![("fifth", 0), ("sixth", -2), ("second", 0), ("first", 0)]);
        let manifests: Vec<&str> =
            s.manifests.iter().map(|m| m.head.metadata.as_ref().unwrap().name.as_str()).collect();
        assert_eq!(manifests, vec!["eighth", "seventh", "fourth"]);
        assert_eq!(s.warnings.len(), 1);
    }

    #[test]
    fn unknown_kinds_sort_last_alphabetically() {
        let data = files(&[("a", "kind: Zeta\n---\nkind: Alpha\n---\nkind: Deployment\n---\nkind: Alpha\nx: 2\n")]);
        let s = sort_manifests(&data, Whitespace::Trim).unwrap();
        let kinds: Vec<&str> = s.manifests.iter().map(|m| m.head.kind.as_str()).collect();
        assert_eq!(kinds, vec!["Deployment", "Alpha", "Alpha", "Zeta"]);
        assert!(s.manifests[2].content.ends_with("x: 2"));
    }

    #[test]
    fn invalid_yaml_names_the_file() {
        let err = sort_manifests(&files(&[("c/templates/x.yaml", "a: b\nc\n")]), Whitespace::Keep).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("YAML parse error on c/templates/x.yaml: error converting YAML to JSON: yaml: line"),
            "{err}"
        );
    }
}
