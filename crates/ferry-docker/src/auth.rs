//! Registry credentials of one deployment, as a Docker CLI configuration directory
//! (`DOCKER_CONFIG`) that Compose and `docker stack deploy` read. The directory is 0700 and
//! `config.json` 0600; nothing here ever logs a credential.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ferry_agent::driver::HubRegistry;
use ferry_proto::agent::RegistryCredentials;
use serde_json::json;

/// The key Docker uses for Docker Hub in `config.json`.
const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

fn config_key(host: &str) -> &str {
    match host {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => DOCKER_HUB_KEY,
        other => other,
    }
}

/// The `config.json` text for the deployment's registries plus the hub's registry (the hub's
/// wins when a host appears in both: its token is the agent's own).
pub fn config_json(
    registries: Option<&BTreeMap<String, RegistryCredentials>>,
    hub: Option<&HubRegistry>,
) -> Option<String> {
    let mut auths = serde_json::Map::new();
    for (host, creds) in registries.into_iter().flatten() {
        let token = STANDARD.encode(format!("{}:{}", creds.username, creds.password));
        auths.insert(config_key(host.trim()).to_string(), json!({ "auth": token }));
    }
    if let Some(hub) = hub {
        let token = STANDARD.encode(format!("-:{}", hub.token));
        auths.insert(config_key(hub.host.trim()).to_string(), json!({ "auth": token }));
    }
    (!auths.is_empty()).then(|| json!({ "auths": auths }).to_string())
}

/// The secrets in these credentials, to be scrubbed from any text shown to people.
pub fn secrets(registries: Option<&BTreeMap<String, RegistryCredentials>>, hub: Option<&HubRegistry>) -> Vec<String> {
    let mut out = Vec::new();
    for creds in registries.into_iter().flat_map(|r| r.values()) {
        out.push(creds.password.clone());
        out.push(STANDARD.encode(format!("{}:{}", creds.username, creds.password)));
    }
    if let Some(hub) = hub {
        out.push(hub.token.clone());
        out.push(STANDARD.encode(format!("-:{}", hub.token)));
    }
    out.retain(|s| s.len() >= 4);
    out
}

/// Replaces every secret in `text` with `***`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_string(), |t, s| t.replace(s.as_str(), "***"))
}

/// Writes `config.json` into `dir` (created 0700) with mode 0600, atomically. When the host's
/// Docker configuration has CLI plugins (e.g. the Compose v2 plugin), they stay reachable.
pub fn write_config_dir(dir: &Path, config: &str, host_config: Option<&Path>) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    let tmp = dir.join("config.json.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
    file.write_all(config.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, dir.join("config.json"))?;
    if let Some(plugins) = host_config.map(|h| h.join("cli-plugins")).filter(|p| p.is_dir()) {
        let link = dir.join("cli-plugins");
        if std::fs::symlink_metadata(&link).is_err() {
            std::os::unix::fs::symlink(plugins, link)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(u: &str, p: &str) -> RegistryCredentials {
        RegistryCredentials { username: u.into(), password: p.into() }
    }

    #[test]
    fn config_holds_deployment_and_hub_registries() {
        let mut regs = BTreeMap::new();
        regs.insert("registry.example.com".to_string(), creds("alice", "s3cret"));
        regs.insert("docker.io".to_string(), creds("bob", "hub-pass"));
        let hub = HubRegistry { host: "hub.example.com".into(), token: "jwt.token.here".into() };
        let text = config_json(Some(&regs), Some(&hub)).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["auths"]["registry.example.com"]["auth"], STANDARD.encode("alice:s3cret"));
        assert_eq!(v["auths"][DOCKER_HUB_KEY]["auth"], STANDARD.encode("bob:hub-pass"));
        assert_eq!(v["auths"]["hub.example.com"]["auth"], STANDARD.encode("-:jwt.token.here"));
        assert_eq!(config_json(None, None), None);
    }

    #[test]
    fn secrets_are_redacted() {
        let mut regs = BTreeMap::new();
        regs.insert("r".to_string(), creds("alice", "s3cret"));
        let s = secrets(Some(&regs), None);
        let text = format!("login with s3cret failed; header {}", STANDARD.encode("alice:s3cret"));
        assert_eq!(redact(&text, &s), "login with *** failed; header ***");
    }

    #[test]
    fn config_dir_is_private() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("docker");
        write_config_dir(&dir, "{\"auths\":{}}", None).unwrap();
        write_config_dir(&dir, "{\"auths\":{\"x\":{}}}", None).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("config.json")), 0o600);
        assert_eq!(std::fs::read_to_string(dir.join("config.json")).unwrap(), "{\"auths\":{\"x\":{}}}");
    }
}
