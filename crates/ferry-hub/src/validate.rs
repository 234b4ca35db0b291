//! Input rules for the vendor API, as pure functions. Every refusal names the field and says
//! what would be accepted, because the person reading it has to fix their request.

use ferry_proto::GoDuration;
use ferry_proto::api::{ChartType, HelmOptions, NewApplicationVersion, PlatformType};
use serde_json::{Map, Value};

/// A refused input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    /// The request field at fault.
    pub field: String,
    /// What is wrong and what would be right.
    pub message: String,
}

/// Shorthand for a refusal.
pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Invalid {
    Invalid { field: field.into(), message: message.into() }
}

/// Display names: anything printable (quotes and SQL included, stored verbatim), 1–200 chars.
pub fn name(field: &str, value: &str) -> Result<(), Invalid> {
    if value.trim().is_empty() {
        return Err(invalid(field, format!("{field} must not be empty")));
    }
    if value.chars().count() > 200 {
        return Err(invalid(field, format!("{field} must be at most 200 characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(field, format!("{field} must not contain control characters such as newlines")));
    }
    Ok(())
}

/// An RFC 1123 DNS label (Kubernetes namespaces, Helm release names).
pub fn dns_label(field: &str, value: &str, max: usize) -> Result<(), Invalid> {
    let ok_chars = value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let ok_ends = value.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && value.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric());
    if value.is_empty() || value.len() > max || !ok_chars || !ok_ends {
        return Err(invalid(
            field,
            format!(
                "{field} {value:?} is not a valid DNS label: use at most {max} lowercase letters, digits \
                 and '-', starting and ending with a letter or digit"
            ),
        ));
    }
    Ok(())
}

/// Secret keys are used as `{{ .Secrets.KEY }}`, so they must be template identifiers.
pub fn secret_key(value: &str) -> Result<(), Invalid> {
    let mut chars = value.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || value.len() > 128 || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(invalid(
            "key",
            format!(
                "secret key {value:?} must start with a letter or '_' and contain only letters, digits and '_' (max 128)"
            ),
        ));
    }
    Ok(())
}

/// Parses YAML text into JSON-shaped data, naming the field on error.
pub fn parse_yaml(field: &str, text: &str) -> Result<Value, Invalid> {
    serde_saphyr::from_str::<Value>(text).map_err(|e| invalid(field, format!("{field} is not valid YAML: {e}")))
}

/// A Compose file: a YAML map whose `services` is a non-empty map of services that each name
/// an image (the agent cannot build: it has no build context).
pub fn compose_file(text: &str) -> Result<(), Invalid> {
    const F: &str = "composeFile";
    let doc = parse_yaml(F, text)?;
    let Value::Object(top) = doc else {
        return Err(invalid(F, "composeFile must be a YAML map with a `services` key"));
    };
    let services = match top.get("services") {
        Some(Value::Object(s)) if !s.is_empty() => s,
        Some(Value::Object(_)) => return Err(invalid(F, "composeFile defines no services")),
        Some(_) => return Err(invalid(F, "`services` in composeFile must be a map of service names to services")),
        None => return Err(invalid(F, "composeFile has no `services` key")),
    };
    for (service_name, service) in services {
        let Value::Object(service) = service else {
            return Err(invalid(F, format!("service {service_name:?} in composeFile must be a map")));
        };
        match service.get("image") {
            Some(Value::String(image)) if !image.trim().is_empty() => {}
            _ => {
                return Err(invalid(
                    F,
                    format!("service {service_name:?} has no `image`; agents pull images and cannot build them"),
                ));
            }
        }
    }
    Ok(())
}

/// An env file as Compose reads it: `KEY=VALUE` lines (or a bare `KEY`), comments, blanks.
pub fn env_file(field: &str, text: &str) -> Result<(), Invalid> {
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let key = line.split('=').next().unwrap_or("").trim_end();
        let mut chars = key.chars();
        let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !ok {
            return Err(invalid(
                field,
                format!("{field} line {}: expected KEY=VALUE, found {:?}", n + 1, truncate(line, 60)),
            ));
        }
    }
    Ok(())
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_string() } else { format!("{}…", s.chars().take(max).collect::<String>()) }
}

/// Helm values: empty, or a YAML map. Returns the map.
pub fn values(field: &str, text: &str) -> Result<Map<String, Value>, Invalid> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match parse_yaml(field, text)? {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(invalid(field, format!("{field} must be a YAML map of values, not a {}", json_kind(&other)))),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "map",
    }
}

/// Checks an application version against its application's type, filling derived fields.
pub fn application_version(kind: PlatformType, spec: &mut NewApplicationVersion) -> Result<(), Invalid> {
    name("name", &spec.name)?;
    match kind {
        PlatformType::Docker => {
            for (field, set) in [
                ("chartType", spec.chart_type.is_some()),
                ("chartUrl", spec.chart_url.is_some()),
                ("chartName", spec.chart_name.is_some()),
                ("chartVersion", spec.chart_version.is_some()),
                ("baseValues", spec.base_values.is_some()),
                ("valuesTemplate", spec.values_template.is_some()),
            ] {
                if set {
                    return Err(invalid(field, format!("{field} is for kubernetes applications; this one is docker")));
                }
            }
            let compose = spec
                .compose_file
                .as_deref()
                .ok_or_else(|| invalid("composeFile", "a docker application version needs a composeFile"))?;
            compose_file(compose)?;
            if let Some(env) = &spec.env_template {
                env_file("envTemplate", env)?;
            }
        }
        PlatformType::Kubernetes => {
            for (field, set) in
                [("composeFile", spec.compose_file.is_some()), ("envTemplate", spec.env_template.is_some())]
            {
                if set {
                    return Err(invalid(field, format!("{field} is for docker applications; this one is kubernetes")));
                }
            }
            let chart_type =
                spec.chart_type.ok_or_else(|| invalid("chartType", "chartType is required: `repository` or `oci`"))?;
            let url = spec.chart_url.as_deref().unwrap_or("").trim().to_string();
            let version = spec.chart_version.as_deref().unwrap_or("").trim().to_string();
            if version.is_empty() {
                return Err(invalid("chartVersion", "chartVersion is required, e.g. 1.2.3"));
            }
            match chart_type {
                ChartType::Oci => {
                    let Some(rest) = url.strip_prefix("oci://") else {
                        return Err(invalid(
                            "chartUrl",
                            "an oci chart's chartUrl must look like oci://registry.example.com/charts/name",
                        ));
                    };
                    let derived = rest.rsplit('/').next().unwrap_or("");
                    if !rest.contains('/') || derived.is_empty() {
                        return Err(invalid(
                            "chartUrl",
                            "an oci chartUrl must include the chart's repository path, e.g. oci://ghcr.io/acme/charts/web",
                        ));
                    }
                    match spec.chart_name.as_deref() {
                        None | Some("") => spec.chart_name = Some(derived.to_string()),
                        Some(n) if n == derived => {}
                        Some(n) => {
                            return Err(invalid(
                                "chartName",
                                format!("chartName {n:?} does not match the chart {derived:?} in chartUrl"),
                            ));
                        }
                    }
                }
                ChartType::Repository => {
                    if !(url.starts_with("https://") || url.starts_with("http://")) {
                        return Err(invalid(
                            "chartUrl",
                            "a repository chart's chartUrl must be the repository's http(s) URL (where index.yaml lives)",
                        ));
                    }
                    if spec.chart_name.as_deref().unwrap_or("").trim().is_empty() {
                        return Err(invalid("chartName", "chartName is required for repository charts"));
                    }
                }
            }
            spec.chart_url = Some(url);
            spec.chart_version = Some(version);
            if let Some(base) = &spec.base_values {
                values("baseValues", base)?;
            }
            if let Some(template) = &spec.values_template {
                // A template may reference secrets, which only resolve at deploy time; it must
                // still be YAML once they are, so check it with placeholders.
                values("valuesTemplate", &crate::template::placeholder_secrets(template))?;
            }
        }
    }
    Ok(())
}

/// Helm options as Helm would accept them.
pub fn helm_options(options: &HelmOptions) -> Result<(), Invalid> {
    if let Some(timeout) = &options.timeout {
        timeout.parse::<GoDuration>().map_err(|e| invalid("helmOptions.timeout", e.to_string()))?;
    }
    if let Some(strategy) = &options.wait_strategy
        && !matches!(strategy.as_str(), "watcher" | "legacy" | "hookOnly")
    {
        return Err(invalid(
            "helmOptions.waitStrategy",
            format!("waitStrategy {strategy:?} is not one of watcher, legacy, hookOnly"),
        ));
    }
    Ok(())
}

/// A registry host as Docker writes it in `config.json` (`host[:port]`, no scheme or path).
pub fn registry_host(host: &str) -> Result<(), Invalid> {
    let ok = !host.is_empty()
        && host.len() <= 253
        && !host.contains("://")
        && !host.contains('/')
        && !host.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(invalid(
            "registryAuth",
            format!("registry host {host:?} must be a host name with an optional port, e.g. registry.example.com:5000"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_accept_quotes_and_sql_but_not_newlines() {
        assert!(name("name", "Robert'); DROP TABLE targets;--\"").is_ok());
        assert_eq!(name("name", "  ").unwrap_err().field, "name");
        assert!(name("name", "a\nb").unwrap_err().message.contains("control"));
        assert!(name("name", &"x".repeat(201)).is_err());
    }

    #[test]
    fn dns_labels() {
        assert!(dns_label("releaseName", "web-1", 53).is_ok());
        for bad in ["", "Web", "-web", "web-", "we_b", &"a".repeat(54)] {
            assert!(dns_label("releaseName", bad, 53).is_err(), "{bad}");
        }
    }

    #[test]
    fn compose_files_must_parse_and_name_images() {
        assert!(compose_file("services:\n  web:\n    image: nginx\n").is_ok());
        let e = compose_file("services:\n  web:\n    image: [unclosed\n").unwrap_err();
        assert_eq!(e.field, "composeFile");
        assert!(e.message.contains("not valid YAML"), "{}", e.message);
        assert!(compose_file("- a\n- b\n").unwrap_err().message.contains("YAML map"));
        assert!(compose_file("version: '3'\n").unwrap_err().message.contains("no `services`"));
        assert!(compose_file("services: {}\n").unwrap_err().message.contains("no services"));
        assert!(
            compose_file("services:\n  web:\n    build: .\n").unwrap_err().message.contains("\"web\" has no `image`")
        );
    }

    #[test]
    fn env_files_name_the_bad_line() {
        assert!(env_file("envFile", "# c\n\nA=1\nexport B=two words\nC\nD.E-F=x\n").is_ok());
        let e = env_file("envFile", "A=1\n=oops\n").unwrap_err();
        assert!(e.message.contains("line 2"), "{}", e.message);
    }

    #[test]
    fn values_must_be_a_map() {
        assert!(values("values", "").unwrap().is_empty());
        assert_eq!(values("values", "a: 1\n").unwrap()["a"], 1);
        assert!(values("values", "- 1\n").unwrap_err().message.contains("not a list"));
        assert!(values("values", "a: [\n").unwrap_err().message.contains("not valid YAML"));
    }

    #[test]
    fn kubernetes_versions_need_chart_fields() {
        let mut oci = NewApplicationVersion {
            name: "1.0.0".into(),
            chart_type: Some(ChartType::Oci),
            chart_url: Some("oci://ghcr.io/acme/charts/web".into()),
            chart_version: Some("1.0.0".into()),
            ..Default::default()
        };
        application_version(PlatformType::Kubernetes, &mut oci).unwrap();
        assert_eq!(oci.chart_name.as_deref(), Some("web"));

        let mut repo = NewApplicationVersion {
            name: "1".into(),
            chart_type: Some(ChartType::Repository),
            chart_url: Some("https://charts.example.com".into()),
            chart_version: Some("1".into()),
            ..Default::default()
        };
        assert_eq!(application_version(PlatformType::Kubernetes, &mut repo).unwrap_err().field, "chartName");

        let mut compose_on_kube =
            NewApplicationVersion { name: "1".into(), compose_file: Some("services: {}".into()), ..Default::default() };
        assert_eq!(
            application_version(PlatformType::Kubernetes, &mut compose_on_kube).unwrap_err().field,
            "composeFile"
        );
    }

    #[test]
    fn helm_timeouts_are_go_durations() {
        assert!(helm_options(&HelmOptions { timeout: Some("5m0s".into()), ..Default::default() }).is_ok());
        let e = helm_options(&HelmOptions { timeout: Some("5 minutes".into()), ..Default::default() }).unwrap_err();
        assert_eq!(e.field, "helmOptions.timeout");
    }
}
