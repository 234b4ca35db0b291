//! `Chart.yaml` validation (Helm's `Metadata.Validate`): required fields,
//! SemVer version, chart type, dependency aliases; strings are sanitized
//! (whitespace becomes a space, unprintable characters are dropped).

use crate::chart::{Dependency, Metadata};

/// A validation failure; displays as Helm's `validation: ...`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("validation: {0}")]
pub struct ValidationError(pub String);

/// Go's `unicode.IsSpace`.
pub(crate) fn is_go_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{85}' | '\u{A0}')
        || (c as u32 > 0xFF && c.is_whitespace())
}

/// Helm's `sanitizeString`.
fn sanitize(s: &mut String) {
    if s.chars().all(|c| !is_go_space(c) || c == ' ') && s.chars().all(ferry_gostd::strconv::is_print) {
        return;
    }
    *s = s
        .chars()
        .filter_map(|c| {
            if is_go_space(c) {
                Some(' ')
            } else if ferry_gostd::strconv::is_print(c) {
                Some(c)
            } else {
                None
            }
        })
        .collect();
}

fn validate_dependency(d: &mut Dependency) -> Result<(), ValidationError> {
    sanitize(&mut d.name);
    sanitize(&mut d.version);
    sanitize(&mut d.repository);
    sanitize(&mut d.condition);
    for t in &mut d.tags {
        sanitize(t);
    }
    if !d.alias.is_empty() && !d.alias.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(ValidationError(format!(
            "dependency {} has disallowed characters in the alias",
            ferry_goyaml::go_quote(&d.name)
        )));
    }
    Ok(())
}

/// Validates and sanitizes chart metadata as Helm does when loading.
pub fn validate_metadata(md: &mut Metadata) -> Result<(), ValidationError> {
    for s in [
        &mut md.name,
        &mut md.description,
        &mut md.home,
        &mut md.icon,
        &mut md.condition,
        &mut md.tags,
        &mut md.app_version,
        &mut md.kube_version,
    ] {
        sanitize(s);
    }
    for s in md.sources.iter_mut().chain(md.keywords.iter_mut()) {
        sanitize(s);
    }
    if md.api_version.is_empty() {
        return Err(ValidationError("chart.metadata.apiVersion is required".into()));
    }
    if md.name.is_empty() {
        return Err(ValidationError("chart.metadata.name is required".into()));
    }
    if md.name != crate::gopath::base(&md.name) {
        return Err(ValidationError(format!("chart.metadata.name {} is invalid", ferry_goyaml::go_quote(&md.name))));
    }
    if md.version.is_empty() {
        return Err(ValidationError("chart.metadata.version is required".into()));
    }
    if ferry_sprig::semver::Version::parse(&md.version).is_err() {
        return Err(ValidationError(format!(
            "chart.metadata.version {} is invalid",
            ferry_goyaml::go_quote(&md.version)
        )));
    }
    if !matches!(md.chart_type.as_str(), "" | "application" | "library") {
        return Err(ValidationError("chart.metadata.type must be application or library".into()));
    }
    for m in &mut md.maintainers {
        match m {
            None => return Err(ValidationError("maintainers must not contain empty or null nodes".into())),
            Some(m) => {
                sanitize(&mut m.name);
                sanitize(&mut m.email);
                sanitize(&mut m.url);
            }
        }
    }
    let mut seen: Vec<String> = Vec::new();
    if let Some(deps) = &mut md.dependencies {
        for d in deps.iter_mut() {
            let Some(d) = d else {
                return Err(ValidationError("dependencies must not contain empty or null nodes".into()));
            };
            validate_dependency(d)?;
            let key = if d.alias.is_empty() { d.name.clone() } else { d.alias.clone() };
            if seen.contains(&key) {
                return Err(ValidationError(format!(
                    "more than one dependency with name or alias {}. Try using distinct aliases for dependencies with the same chart name.",
                    ferry_goyaml::go_quote(&key)
                )));
            }
            seen.push(key);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(name: &str, version: &str) -> Metadata {
        Metadata { name: name.into(), version: version.into(), api_version: "v2".into(), ..Metadata::default() }
    }

    /// Cases from Helm's `metadata_test.go` (`TestValidate`).
    #[test]
    fn helm_validate_table() {
        let cases: Vec<(Metadata, Option<&str>)> = vec![
            (Metadata::default(), Some("validation: chart.metadata.apiVersion is required")),
            (
                Metadata { api_version: "v2".into(), ..Metadata::default() },
                Some("validation: chart.metadata.name is required"),
            ),
            (md("../../test", "1.0"), Some("validation: chart.metadata.name \"../../test\" is invalid")),
            (md("test", ""), Some("validation: chart.metadata.version is required")),
            (md("test", "1.2.3.4"), Some("validation: chart.metadata.version \"1.2.3.4\" is invalid")),
            (
                Metadata { chart_type: "test".into(), ..md("test", "1.0") },
                Some("validation: chart.metadata.type must be application or library"),
            ),
            (md("test", "1.0"), None),
            (
                Metadata { maintainers: vec![None], ..md("test", "1.0") },
                Some("validation: maintainers must not contain empty or null nodes"),
            ),
            (
                Metadata {
                    dependencies: Some(vec![Some(Dependency {
                        name: "bad".into(),
                        alias: "Wrong!".into(),
                        ..Default::default()
                    })]),
                    ..md("test", "1.0")
                },
                Some("validation: dependency \"bad\" has disallowed characters in the alias"),
            ),
            (
                Metadata {
                    dependencies: Some(vec![
                        Some(Dependency { name: "foo".into(), alias: "bar".into(), ..Default::default() }),
                        Some(Dependency { name: "bar".into(), ..Default::default() }),
                    ]),
                    ..md("test", "1.0")
                },
                Some(
                    "validation: more than one dependency with name or alias \"bar\". Try using distinct aliases for dependencies with the same chart name.",
                ),
            ),
            (
                Metadata { dependencies: Some(vec![None]), ..md("test", "1.0") },
                Some("validation: dependencies must not contain empty or null nodes"),
            ),
        ];
        for (mut m, want) in cases {
            let got = validate_metadata(&mut m).err().map(|e| e.to_string());
            assert_eq!(got.as_deref(), want);
        }
    }

    #[test]
    fn sanitizes_strings() {
        let mut m = Metadata { description: "a\tb\u{7}c".into(), ..md("test", "1.0") };
        validate_metadata(&mut m).unwrap();
        assert_eq!(m.description, "a bc");
    }
}
