//! Compose files and the Compose command line: the project name, the file as Compose v1
//! accepts it, the commands to run and the progress they print. Pure functions only.

use serde_json::Value;
use uuid::Uuid;

/// Which Compose is installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComposeCli {
    /// The `docker compose` plugin.
    V2 {
        /// The docker CLI.
        docker: String,
    },
    /// The standalone Python `docker-compose` (1.x).
    V1 {
        /// The `docker-compose` program.
        program: String,
    },
}

impl ComposeCli {
    /// `v2` or `v1`, for logs and facts.
    pub fn version_name(&self) -> &'static str {
        match self {
            ComposeCli::V2 { .. } => "v2",
            ComposeCli::V1 { .. } => "v1",
        }
    }

    /// Program and leading arguments of every Compose command for `project`, file `file`.
    pub fn base(&self, project: &str, file: &str) -> (String, Vec<String>) {
        let tail = ["-p", project, "-f", file].map(String::from);
        match self {
            ComposeCli::V2 { docker } => (docker.clone(), std::iter::once("compose".to_string()).chain(tail).collect()),
            ComposeCli::V1 { program } => (program.clone(), tail.to_vec()),
        }
    }

    /// Arguments of `up`.
    pub fn up_args(force_recreate: bool) -> Vec<String> {
        let mut args = vec!["up", "-d", "--remove-orphans"];
        if force_recreate {
            args.push("--force-recreate");
        }
        args.into_iter().map(String::from).collect()
    }

    /// Arguments of `down` (named volumes are kept: PROTOCOL.md §10).
    pub fn down_args() -> Vec<String> {
        ["down", "--remove-orphans"].map(String::from).to_vec()
    }
}

/// A Compose file the driver cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeFileError {
    /// The deployment carries no Compose file.
    #[error("the deployment has no Compose file")]
    Missing,
    /// Not UTF-8.
    #[error("the Compose file is not UTF-8 text")]
    NotText,
    /// The top-level `name` cannot be a Compose project name.
    #[error(
        "the Compose file's name {0:?} is not a valid project name (lowercase letters, digits, '-' and '_', starting with a letter or digit)"
    )]
    BadName(String),
}

/// Whether `name` is a valid Compose project name.
pub fn valid_project_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// The project name: the file's top-level `name` (the hub sets `ferry-<8 hex>`), else
/// `ferry-` and the first 8 hex digits of the deployment id.
pub fn project_name(compose: &str, deployment: Uuid) -> Result<String, ComposeFileError> {
    let name = match serde_saphyr::from_str::<Value>(compose) {
        Ok(Value::Object(doc)) => doc.get("name").and_then(Value::as_str).map(str::to_string),
        // Compose itself reports a file it cannot read, with its own words, when it runs.
        _ => top_level_name_line(compose),
    };
    match name {
        Some(n) if valid_project_name(&n) => Ok(n),
        Some(n) => Err(ComposeFileError::BadName(n)),
        None => Ok(format!("ferry-{}", &deployment.simple().to_string()[..8])),
    }
}

fn top_level_name_line(compose: &str) -> Option<String> {
    compose.lines().find_map(|l| {
        let rest = l.strip_prefix("name:")?.trim();
        let unquoted = rest.trim_matches(|c| c == '"' || c == '\'');
        (!unquoted.is_empty()).then(|| unquoted.to_string())
    })
}

fn is_flow_document(compose: &str) -> bool {
    compose
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('%') && *l != "---")
        .is_some_and(|l| l.starts_with('{'))
}

/// The file without its top-level `name`, which Compose v1 and `docker stack deploy` reject;
/// the project name goes on the command line instead. Keeps the rest of the text as written.
pub fn without_name(compose: &str) -> String {
    if is_flow_document(compose)
        && let Ok(Value::Object(mut doc)) = serde_saphyr::from_str::<Value>(compose)
    {
        doc.remove("name");
        return Value::Object(doc).to_string();
    }
    let mut out = String::with_capacity(compose.len());
    let mut skipping = false;
    for line in compose.lines() {
        // A value continued on following lines is indented; those lines go with the key.
        if skipping {
            if line.starts_with([' ', '\t']) || line.trim().is_empty() {
                continue;
            }
            skipping = false;
        }
        if line.starts_with("name:") || line.starts_with("name :") {
            skipping = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `docker stack deploy` of older CLIs insists on a `version`; Compose files of today often
/// have none. Adds `version: "3.8"` when missing.
pub fn with_stack_version(compose: &str) -> String {
    let has_version = match serde_saphyr::from_str::<Value>(compose) {
        Ok(Value::Object(doc)) => doc.contains_key("version"),
        _ => compose.lines().any(|l| l.starts_with("version:")),
    };
    if has_version {
        return compose.to_string();
    }
    if is_flow_document(compose)
        && let Ok(Value::Object(mut doc)) = serde_saphyr::from_str::<Value>(compose)
    {
        doc.insert("version".into(), Value::String("3.8".into()));
        return Value::Object(doc).to_string();
    }
    format!("version: \"3.8\"\n{compose}")
}

/// Parses a `.env` file as Compose does for the common cases: `KEY=VALUE`, optional
/// `export `, comments, single or double quotes. Used to hand the variables to
/// `docker stack deploy`, which interpolates from its environment only.
pub fn parse_env_file(text: &str) -> Vec<(String, String)> {
    let mut vars = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-') {
            continue;
        }
        let value = value.trim();
        let value = if value.len() >= 2
            && ((value.starts_with('"') && value.ends_with('"')) || (value.starts_with('\'') && value.ends_with('\'')))
        {
            value[1..value.len() - 1].to_string()
        } else {
            // An unquoted value ends at ` #`.
            value.split(" #").next().unwrap_or("").trim_end().to_string()
        };
        vars.push((key.to_string(), value));
    }
    vars
}

const V1_VERBS: [&str; 8] =
    ["Pulling", "Creating", "Recreating", "Starting", "Stopping", "Removing", "Updating", "Waiting"];

/// A progress message ("pulling web", "starting ferry-1a2b_web_1") from one line of
/// Compose (v1 or v2) or `docker stack deploy` output; `None` for other lines.
pub fn progress_message(line: &str) -> Option<String> {
    let line = line.trim().trim_start_matches(['✔', '⠿', '✘', '⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']).trim();
    let words: Vec<&str> = line.split_whitespace().collect();
    let first = *words.first()?;
    // v1: `Pulling web (image)...`, `Creating p_web_1 ... done`, `Creating network "p_default" …`
    if V1_VERBS.contains(&first) && words.len() >= 2 {
        let (object, rest) = match words.get(1) {
            Some(&kind @ ("network" | "volume" | "service")) => {
                (format!("{kind} {}", words.get(2)?.trim_matches('"')), 3)
            }
            Some(name) => ((*name).trim_matches('"').to_string(), 2),
            None => return None,
        };
        let done = words[rest..].contains(&"done");
        let verb = first.to_ascii_lowercase();
        return Some(if done { format!("{verb} {object}: done") } else { format!("{verb} {object}") });
    }
    // v2: `Container p-web-1  Started`, `Network p_default  Creating`, `web Pulling`.
    if let [kind @ ("Container" | "Network" | "Volume"), name, state, ..] = words.as_slice() {
        return Some(format!(
            "{} {} {}",
            state.to_ascii_lowercase(),
            kind.to_ascii_lowercase(),
            name.trim_matches('"')
        ));
    }
    if let [service, state @ ("Pulling" | "Pulled" | "Skipped")] = words.as_slice() {
        return Some(format!("{} {service}", state.to_ascii_lowercase()));
    }
    None
}

/// The part of a failed Compose run worth showing a person: its error lines when it printed
/// any, else its last lines (progress included: "Pulling web (image)" names what failed).
pub fn failure_summary(lines: &[String]) -> String {
    const MAX_LINES: usize = 12;
    const MAX_CHARS: usize = 2000;
    let errors: Vec<&String> = lines
        .iter()
        .filter(|l| {
            let lower = l.to_ascii_lowercase();
            lower.starts_with("error") || lower.contains("error:") || lower.contains("error response")
        })
        .collect();
    let chosen: Vec<&String> = if errors.is_empty() { lines.iter().collect() } else { errors };
    let start = chosen.len().saturating_sub(MAX_LINES);
    let mut text = chosen[start..].iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n");
    if text.len() > MAX_CHARS {
        let mut cut = text.len() - MAX_CHARS;
        while !text.is_char_boundary(cut) {
            cut += 1;
        }
        text = format!("…{}", &text[cut..]);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> Uuid {
        Uuid::parse_str("1a2b3c4d-0000-4000-8000-000000000000").unwrap()
    }

    #[test]
    fn project_name_comes_from_the_file_or_the_deployment() {
        assert_eq!(project_name("name: ferry-abcdef12\nservices: {}\n", id()).unwrap(), "ferry-abcdef12");
        assert_eq!(project_name("services: {}\n", id()).unwrap(), "ferry-1a2b3c4d");
        assert_eq!(project_name("{\"name\":\"ferry-x\",\"services\":{}}", id()).unwrap(), "ferry-x");
        assert!(matches!(project_name("name: Bad Name\n", id()), Err(ComposeFileError::BadName(_))));
        // Unparseable files keep their name line; Compose reports the rest.
        assert_eq!(project_name("name: ferry-abc\nservices: [\n", id()).unwrap(), "ferry-abc");
    }

    #[test]
    fn name_is_stripped_for_compose_v1_keeping_the_rest() {
        let file = "# app\nname: ferry-abc\nservices:\n  web:\n    image: x # keep\n";
        assert_eq!(without_name(file), "# app\nservices:\n  web:\n    image: x # keep\n");
        let multi = "name:\n  ferry-abc\nservices: {}\n";
        assert_eq!(without_name(multi), "services: {}\n");
        let flow = "{\"name\": \"ferry-abc\", \"services\": {}}";
        assert_eq!(without_name(flow), "{\"services\":{}}");
        // A service's own `name` key is indented and stays.
        let nested = "services:\n  web:\n    name: keep\n";
        assert_eq!(without_name(nested), nested);
    }

    #[test]
    fn stack_files_get_a_version_when_missing() {
        assert_eq!(with_stack_version("services: {}\n"), "version: \"3.8\"\nservices: {}\n");
        assert_eq!(with_stack_version("version: '3.7'\nservices: {}\n"), "version: '3.7'\nservices: {}\n");
    }

    #[test]
    fn compose_commands_always_name_the_project() {
        let v1 = ComposeCli::V1 { program: "docker-compose".into() };
        assert_eq!(
            v1.base("p", "c.yaml"),
            ("docker-compose".into(), vec!["-p".into(), "p".into(), "-f".into(), "c.yaml".into()])
        );
        let v2 = ComposeCli::V2 { docker: "docker".into() };
        assert_eq!(v2.base("p", "c.yaml").1[0], "compose");
        assert_eq!(ComposeCli::up_args(true), ["up", "-d", "--remove-orphans", "--force-recreate"]);
        assert!(!ComposeCli::down_args().iter().any(|a| a.contains("volumes") || a == "-v"));
    }

    #[test]
    fn env_file_parsing() {
        let vars = parse_env_file("# c\nA=1\nexport B = two \nC=\"x y\"\nD='z'\nE=v # note\nbad line\n=x\n");
        assert_eq!(
            vars,
            [("A", "1"), ("B", "two"), ("C", "x y"), ("D", "z"), ("E", "v")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
    }

    #[test]
    fn progress_from_v1_v2_and_stack_output() {
        let cases = [
            ("Pulling web (registry/x:1)...", Some("pulling web")),
            ("Creating network \"p_default\" with the default driver", Some("creating network p_default")),
            ("Creating volume \"p_data\" with default driver", Some("creating volume p_data")),
            ("Creating p_web_1 ... ", Some("creating p_web_1")),
            ("Creating p_web_1 ... done", Some("creating p_web_1: done")),
            ("Recreating p_web_1 ... done", Some("recreating p_web_1: done")),
            ("Starting p_db_1 ...", Some("starting p_db_1")),
            (" Container p-web-1  Started", Some("started container p-web-1")),
            (" ✔ Network p_default  Created", Some("created network p_default")),
            (" web Pulling ", Some("pulling web")),
            ("Creating service p_web", Some("creating service p_web")),
            ("Updating service p_web (id: abc)", Some("updating service p_web")),
            ("ERROR: something broke", None),
            ("", None),
        ];
        for (line, want) in cases {
            assert_eq!(progress_message(line).as_deref(), want, "{line}");
        }
    }

    #[test]
    fn failure_summary_prefers_error_lines() {
        let lines: Vec<String> =
            ["Creating p_web_1 ...", "ERROR: for web  pull access denied", "ERROR: pull access denied"]
                .map(String::from)
                .to_vec();
        assert_eq!(failure_summary(&lines), "ERROR: for web  pull access denied\nERROR: pull access denied");
        let other: Vec<String> =
            ["Pulling web (reg/x:1)...", "Get \"http://reg/v2/\": refused"].map(String::from).to_vec();
        assert_eq!(failure_summary(&other), "Pulling web (reg/x:1)...\nGet \"http://reg/v2/\": refused");
        let long: Vec<String> = vec!["x".repeat(5000)];
        assert!(failure_summary(&long).chars().count() <= 2001);
    }
}
