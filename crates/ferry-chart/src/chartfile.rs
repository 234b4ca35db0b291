//! Decoding `Chart.yaml`, `requirements.yaml` and `Chart.lock` into the
//! chart model exactly as `sigs.k8s.io/yaml.Unmarshal` decodes them into
//! Helm's Go structs: YAML numbers and booleans become strings where the
//! field is a string (`appVersion: 1.10` is `"1.1"`, formatted as a
//! float32), keys match JSON tags case-insensitively, and type mismatches
//! fail with `encoding/json`'s messages.

use ferry_goyaml::Value as Y;

use crate::chart::{Lock, Metadata};
use crate::gojson;

/// A decoding error, worded as `sigs.k8s.io/yaml` words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

fn parse_yaml(data: &[u8]) -> Result<Y, DecodeError> {
    gojson::yaml_to_json(data).map_err(DecodeError)
}

fn unmarshal<T: serde::de::DeserializeOwned>(doc: &Y) -> Result<T, DecodeError> {
    gojson::from_yaml(doc).map_err(DecodeError)
}

/// Decodes `Chart.yaml` (or `requirements.yaml`) into `md`, as
/// `yaml.Unmarshal(data, md)` does: fields absent from the file keep
/// their current values.
pub fn decode_metadata(data: &[u8], md: &mut Metadata) -> Result<(), DecodeError> {
    let doc = parse_yaml(data)?;
    let decoded: Metadata = unmarshal(&doc)?;
    let Y::Map(entries) = &doc else { return Ok(()) };
    // Go decodes into the existing struct: only the fields the file names
    // change (`requirements.yaml` adds dependencies to `Chart.yaml`'s).
    for (key, _) in entries {
        let Some(key) = key.as_str() else { continue };
        let field = METADATA_FIELDS
            .iter()
            .find(|f| **f == key)
            .or_else(|| METADATA_FIELDS.iter().find(|f| f.eq_ignore_ascii_case(key)));
        match field.copied() {
            Some("name") => md.name.clone_from(&decoded.name),
            Some("home") => md.home.clone_from(&decoded.home),
            Some("sources") => md.sources.clone_from(&decoded.sources),
            Some("version") => md.version.clone_from(&decoded.version),
            Some("description") => md.description.clone_from(&decoded.description),
            Some("keywords") => md.keywords.clone_from(&decoded.keywords),
            Some("maintainers") => md.maintainers.clone_from(&decoded.maintainers),
            Some("icon") => md.icon.clone_from(&decoded.icon),
            Some("apiVersion") => md.api_version.clone_from(&decoded.api_version),
            Some("condition") => md.condition.clone_from(&decoded.condition),
            Some("tags") => md.tags.clone_from(&decoded.tags),
            Some("appVersion") => md.app_version.clone_from(&decoded.app_version),
            Some("deprecated") => md.deprecated = decoded.deprecated,
            // A Go map decoded into an existing one keeps its other keys.
            Some("annotations") => match (&mut md.annotations, &decoded.annotations) {
                (Some(existing), Some(new)) => existing.extend(new.clone()),
                (slot, new) => slot.clone_from(new),
            },
            Some("kubeVersion") => md.kube_version.clone_from(&decoded.kube_version),
            Some("dependencies") => md.dependencies.clone_from(&decoded.dependencies),
            Some(_) => md.chart_type.clone_from(&decoded.chart_type),
            None => {}
        }
    }
    Ok(())
}

/// The JSON names of `Metadata`'s fields.
const METADATA_FIELDS: &[&str] = &[
    "name",
    "home",
    "sources",
    "version",
    "description",
    "keywords",
    "maintainers",
    "icon",
    "apiVersion",
    "condition",
    "tags",
    "appVersion",
    "deprecated",
    "annotations",
    "kubeVersion",
    "dependencies",
    "type",
];

/// Decodes `Chart.lock` / `requirements.lock`.
pub fn decode_lock(data: &[u8]) -> Result<Lock, DecodeError> {
    unmarshal(&parse_yaml(data)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_become_strings_like_sigs_yaml() {
        let mut md = Metadata::default();
        decode_metadata(
            b"name: x\nversion: 1.0\nappVersion: 1.10\nkubeVersion: 1234567890\nannotations:\n  a: 1\n  b: true\n",
            &mut md,
        )
        .unwrap();
        assert_eq!(md.version, "1");
        assert_eq!(md.app_version, "1.1");
        assert_eq!(md.kube_version, "1234567890");
        assert_eq!(md.annotations, Some([("a".into(), "1".into()), ("b".into(), "true".into())].into()));
    }

    #[test]
    fn keys_match_case_insensitively_and_types_are_checked() {
        let mut md = Metadata::default();
        decode_metadata(b"Name: x\nAPIVERSION: v2\n", &mut md).unwrap();
        assert_eq!((md.name.as_str(), md.api_version.as_str()), ("x", "v2"));
        let err = decode_metadata(b"name: [a]\n", &mut md).unwrap_err();
        assert_eq!(
            err.to_string(),
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field Metadata.name of type string"
        );
        let err = decode_metadata(b"dependencies:\n- name: a\n  enabled: yes please\n", &mut md).unwrap_err();
        assert!(err.to_string().ends_with("Go struct field Dependency.dependencies.enabled of type bool"), "{err}");
        let err = decode_metadata(b"- a\n", &mut md).unwrap_err();
        assert!(err.to_string().ends_with("cannot unmarshal array into Go value of type v2.Metadata"), "{err}");
        let err = decode_metadata(b"a: [\n", &mut md).unwrap_err();
        assert!(err.to_string().starts_with("error converting YAML to JSON: yaml: line"), "{err}");
    }

    /// helm 4.1.4 refuses a lock whose time is not RFC 3339 while loading.
    #[test]
    fn lock_times_are_go_times() {
        let lock =
            decode_lock(b"digest: sha256:abc\ngenerated: \"2024-02-03T04:05:06.789Z\"\ndependencies: []\n").unwrap();
        assert_eq!(lock.generated.to_string(), "2024-02-03T04:05:06.789Z");
        let err = decode_lock(b"dependencies: []\ndigest: sha256:abc\ngenerated: \"yesterday\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "error unmarshaling JSON: while decoding JSON: parsing time \"yesterday\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"yesterday\" as \"2006\""
        );
        let err = decode_lock(b"generated: 5\n").unwrap_err();
        assert!(
            err.to_string().ends_with("cannot unmarshal number into Go struct field Lock.generated of type time.Time"),
            "{err}"
        );
    }

    #[test]
    fn dependencies_and_import_values() {
        let mut md = Metadata::default();
        decode_metadata(
            b"dependencies:\n- name: a\n  version: 0.1.0\n  tags: [x, 1]\n  import-values:\n  - child: c\n    parent: p\n  - data\n- null\n",
            &mut md,
        )
        .unwrap();
        let deps = md.dependencies.unwrap();
        let a = deps[0].as_ref().unwrap();
        assert_eq!(a.tags, vec!["x", "1"]);
        assert_eq!(a.import_values.len(), 2);
        assert_eq!(crate::govalue::from_yaml(&a.import_values[0]).to_string(), "map[child:c parent:p]");
        assert!(deps[1].is_none());
    }
}
