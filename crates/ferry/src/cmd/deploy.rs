//! `ferry deploy` and `ferry undeploy`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use ferry_client::api::{DeployRequest, DockerType};
use ferry_proto::agent::RegistryCredentials;

use super::output;
use super::session::{self, Failure};

/// Deploy an application version to a target.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
The first deploy of an application to a target creates its deployment; deploying it again
(another version, other settings) adds a new revision to that deployment. The target's agent
applies it on its next poll. Without --env-file/--values the version's template is used.
Secrets are written {{ .Secrets.KEY }} in env files, values and registry credentials.

Examples:
  ferry deploy edge-1 shop 1.0.0
  ferry deploy edge-1 shop 1.1.0 --env-file prod.env --force-restart
  ferry deploy edge-1 shop 1.1.0 --registry-auth 'registry.example.com=ci:{{ .Secrets.REGISTRY_TOKEN }}'
  ferry deploy acme-prod shop-k8s 2.0.0 --values prod-values.yaml --release-name shop")]
pub struct Args {
    /// Target (name or id).
    target: String,
    /// Application (name or id).
    app: String,
    /// Version (name or id).
    #[arg(id = "version_name", value_name = "VERSION")]
    version: String,

    /// Docker: the env file for this deployment (replaces the version's env template).
    #[arg(long, value_name = "FILE")]
    env_file: Option<PathBuf>,

    /// Kubernetes: values (YAML) for this deployment (replaces the version's values template).
    #[arg(long, value_name = "FILE")]
    values: Option<PathBuf>,

    /// Kubernetes: Helm release name (default: the application's name); fixed once created.
    #[arg(long, value_name = "NAME")]
    release_name: Option<String>,

    /// Docker: deploy as a Swarm stack instead of with Compose.
    #[arg(long)]
    swarm: bool,

    /// Recreate the containers even if nothing changed.
    #[arg(long)]
    force_restart: bool,

    /// Credentials for pulling from a private registry, as HOST=USER:PASSWORD (repeatable).
    /// Write the password as {{ .Secrets.KEY }} to keep it out of your shell history.
    #[arg(long, value_name = "HOST=USER:PASSWORD", value_parser = parse_registry_auth)]
    registry_auth: Vec<(String, RegistryCredentials)>,
}

/// Remove an application from a target.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
The deployment and its history are deleted; the target's agent stops and removes the
application on its next poll.

Examples:
  ferry undeploy edge-1 shop
  ferry undeploy edge-1 shop --yes     # no question (scripts)")]
pub struct UndeployArgs {
    /// Target (name or id).
    target: String,
    /// Application (name or id).
    app: String,
    /// Do not ask for confirmation.
    #[arg(short, long)]
    yes: bool,
}

/// Parses `HOST=USER:PASSWORD`. The host ends at the first `=`, the user at the next `:`; the
/// password may contain both.
pub fn parse_registry_auth(text: &str) -> Result<(String, RegistryCredentials), String> {
    let usage = "expected HOST=USER:PASSWORD, e.g. registry.example.com=ci:{{ .Secrets.REGISTRY_TOKEN }}";
    let (host, credentials) = text.split_once('=').ok_or_else(|| format!("missing '=': {usage}"))?;
    let (username, password) =
        credentials.split_once(':').ok_or_else(|| format!("missing ':' between user and password: {usage}"))?;
    let host = host.trim();
    if host.is_empty() {
        return Err(format!("empty registry host: {usage}"));
    }
    if username.is_empty() {
        return Err(format!("empty user name: {usage}"));
    }
    Ok((host.to_string(), RegistryCredentials { username: username.to_string(), password: password.to_string() }))
}

/// The `registryAuth` map, refusing a host given twice.
fn registry_auth(
    pairs: Vec<(String, RegistryCredentials)>,
) -> Result<Option<BTreeMap<String, RegistryCredentials>>, Failure> {
    let mut map = BTreeMap::new();
    for (host, credentials) in pairs {
        if map.insert(host.clone(), credentials).is_some() {
            return Err(Failure::Usage(format!("--registry-auth gives {host} twice")));
        }
    }
    Ok((!map.is_empty()).then_some(map))
}

/// Runs `ferry deploy`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    Ok(session::finish(deploy(args).await))
}

async fn deploy(args: Args) -> anyhow::Result<()> {
    let registry_auth = registry_auth(args.registry_auth)?;
    let env_file = args.env_file.as_deref().map(|p| session::read_file(p, "env file")).transpose()?;
    let values = args.values.as_deref().map(|p| session::read_file(p, "values file")).transpose()?;
    let client = session::client()?;
    let (target, app) =
        tokio::try_join!(session::target(&client, &args.target), session::application(&client, &args.app))?;
    let version = session::version(&app, &args.version)?;
    let request = DeployRequest {
        target_id: Some(target.id),
        application_version_id: version.id,
        env_file,
        values,
        docker_type: args.swarm.then_some(DockerType::Swarm),
        force_restart: args.force_restart,
        release_name: args.release_name,
        registry_auth,
        ..Default::default()
    };
    let outcome = client.deploy(&request).await?;
    let d = &outcome.deployment;
    let (app_name, target_name) = (output::clean(&d.application_name), output::clean(&d.target_name));
    let version_name = output::clean(&d.revision.application_version_name);
    if outcome.created {
        println!(
            "Created deployment of {app_name} {version_name} on {target_name} (revision {}).",
            output::short_id(d.revision.id)
        );
    } else {
        println!(
            "Updated the deployment of {app_name} on {target_name}: new revision {} with version {version_name}.",
            output::short_id(d.revision.id)
        );
    }
    println!("The agent applies it on its next poll; follow it with `ferry status {target_name}`.");
    Ok(())
}

/// Runs `ferry undeploy`.
pub async fn run_undeploy(args: UndeployArgs) -> anyhow::Result<ExitCode> {
    Ok(session::finish(undeploy(args).await))
}

async fn undeploy(args: UndeployArgs) -> anyhow::Result<()> {
    let client = session::client()?;
    let d = session::deployment(&client, &args.target, &args.app).await?;
    let (app_name, target_name) = (output::clean(&d.application_name), output::clean(&d.target_name));
    session::confirm_or_cancel(
        &format!("Remove {app_name} from {target_name}? Its containers/resources will be deleted."),
        args.yes,
    )?;
    client.delete_deployment(d.id).await?;
    println!("Undeployed {app_name} from {target_name}; the agent removes it on its next poll.");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_auth_splits_at_the_first_equals_and_colon() {
        let (host, c) = parse_registry_auth("registry.example.com:5000=ci:p@ss:w=rd").unwrap();
        assert_eq!(host, "registry.example.com:5000");
        assert_eq!((c.username.as_str(), c.password.as_str()), ("ci", "p@ss:w=rd"));
        let (_, c) = parse_registry_auth("ghcr.io=bot:{{ .Secrets.TOKEN }}").unwrap();
        assert_eq!(c.password, "{{ .Secrets.TOKEN }}");
        let (_, c) = parse_registry_auth("h=u:").unwrap();
        assert_eq!(c.password, "", "an empty password is the registry's business");
        for (bad, why) in [
            ("ghcr.io", "missing '='"),
            ("ghcr.io=bot", "missing ':'"),
            ("=u:p", "empty registry host"),
            ("h=:p", "empty user"),
        ] {
            let err = parse_registry_auth(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn a_host_given_twice_is_a_usage_error() {
        let pair = |h: &str| parse_registry_auth(&format!("{h}=u:p")).unwrap();
        assert_eq!(registry_auth(vec![]).unwrap(), None);
        assert_eq!(registry_auth(vec![pair("a"), pair("b")]).unwrap().map(|m| m.len()), Some(2));
        assert!(matches!(registry_auth(vec![pair("a"), pair("a")]), Err(Failure::Usage(_))));
    }
}
