//! `ferry target`: deployment targets and their agent install command.

use std::process::ExitCode;

use clap::Subcommand;
use ferry_client::Client;
use ferry_client::api::{NewTarget, Scope, Target, TargetAccess, TargetPatch};
use time::OffsetDateTime;

use super::app::Platform;
use super::output::{self, Cell, OutputArgs, Table};
use super::session;

/// What a Kubernetes agent may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ScopeArg {
    /// Only its own namespace.
    Namespace,
    /// The whole cluster (cluster-admin).
    Cluster,
}

/// Create deployment targets and manage their agents.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
A target is one place your applications run: a Docker host or a Kubernetes namespace/cluster
of a customer. An agent installed there dials out to the hub; `ferry target create` prints the
one command that installs it.

Examples:
  ferry target create edge-1 --type docker
  ferry target create acme-prod --type kubernetes --namespace shop
  ferry target list
  ferry target show edge-1
  ferry target reconnect edge-1")]
pub struct Args {
    #[command(subcommand)]
    command: TargetCommand,
}

#[derive(Debug, Subcommand)]
enum TargetCommand {
    /// Create a target and print the command that installs its agent.
    Create(CreateArgs),
    /// Issue a new secret and install command; the old secret stops working.
    #[command(after_long_help = "\
Use it when the install command was lost or leaked, or to move the agent to another machine.
The agent running with the old secret is locked out at its next login.

Example:
  ferry target reconnect edge-1")]
    Reconnect {
        /// Target (name or id).
        target: String,
        /// Do not ask for confirmation.
        #[arg(short, long)]
        yes: bool,
    },
    /// List targets with their agent's state.
    #[command(after_long_help = "Examples:\n  ferry target list\n  ferry target list -o json")]
    List {
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Show one target.
    #[command(after_long_help = "Examples:\n  ferry target show edge-1\n  ferry target show edge-1 -o json")]
    Show {
        /// Target (name or id).
        target: String,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Delete a target (undeploy its applications first).
    #[command(after_long_help = "Example:\n  ferry target delete edge-1 --yes")]
    Delete {
        /// Target (name or id).
        target: String,
        /// Do not ask for confirmation.
        #[arg(short, long)]
        yes: bool,
    },
    /// Move a target to another agent version; its agent updates itself.
    #[command(after_long_help = "\
The version must be registered first (`ferry agent-version list|add`).

Example:
  ferry target update-agent edge-1 1.4.0")]
    UpdateAgent {
        /// Target (name or id).
        target: String,
        /// Agent version (name or id).
        agent_version: String,
    },
}

/// Create a target.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
The install command printed at the end contains the target's secret: it is shown once.
Run `ferry target reconnect <name>` for a new one.

Examples:
  ferry target create edge-1 --type docker
  ferry target create acme-prod --type kubernetes --namespace shop --scope namespace
  ferry target create lab --type docker --no-metrics --no-logs")]
struct CreateArgs {
    /// Name, unique in your organization.
    name: String,
    /// What the target runs.
    #[arg(long = "type", value_name = "TYPE", value_enum)]
    kind: Platform,
    /// Kubernetes: the agent's namespace (default: default).
    #[arg(long)]
    namespace: Option<String>,
    /// Kubernetes: what the agent may touch (default: namespace).
    #[arg(long, value_enum)]
    scope: Option<ScopeArg>,
    /// Do not send host/cluster metrics.
    #[arg(long)]
    no_metrics: bool,
    /// Do not ship application logs.
    #[arg(long)]
    no_logs: bool,
}

/// Runs `ferry target`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    Ok(session::finish(execute(args).await))
}

async fn execute(args: Args) -> anyhow::Result<()> {
    let client = session::client()?;
    match args.command {
        TargetCommand::Create(create) => {
            let new = NewTarget {
                name: create.name,
                kind: create.kind.into(),
                namespace: create.namespace,
                scope: create.scope.map(|s| match s {
                    ScopeArg::Namespace => Scope::Namespace,
                    ScopeArg::Cluster => Scope::Cluster,
                }),
                metrics_enabled: create.no_metrics.then_some(false),
                logs_enabled: create.no_logs.then_some(false),
                agent_version_id: None,
            };
            let target = client.create_target(&new).await?;
            let access = client.target_access(target.id).await.map_err(|e| {
                anyhow::Error::new(e).context(format!(
                    "target {} was created, but its install command could not be issued; \
                     run `ferry target reconnect {}`",
                    output::clean(&target.name),
                    output::clean(&target.name)
                ))
            })?;
            println!("Created {} target {} ({}).", target.kind, output::clean(&target.name), target.id);
            print_access(&target, &access);
        }
        TargetCommand::Reconnect { target, yes } => {
            let target = session::target(&client, &target).await?;
            if target.has_secret {
                session::confirm_or_cancel(
                    &format!(
                        "Issue a new secret for {}? Its agent is locked out until reinstalled.",
                        output::clean(&target.name)
                    ),
                    yes,
                )?;
            }
            let access = client.target_access(target.id).await?;
            if target.has_secret {
                eprintln!(
                    "warning: the previous secret of {} no longer works; the agent using it stops at its next login.",
                    output::clean(&target.name)
                );
            }
            print_access(&target, &access);
        }
        TargetCommand::List { output } => {
            let targets = client.targets().await?;
            if output.json() {
                return output::print_json(&targets);
            }
            print!("{}", targets_table(&targets, OffsetDateTime::now_utc()).render(output::colour()));
        }
        TargetCommand::Show { target, output } => {
            let target = session::target(&client, &target).await?;
            if output.json() {
                return output::print_json(&target);
            }
            show(&client, &target).await?;
        }
        TargetCommand::Delete { target, yes } => {
            let target = session::target(&client, &target).await?;
            session::confirm_or_cancel(&format!("Delete target {}?", output::clean(&target.name)), yes)?;
            client.delete_target(target.id).await?;
            println!(
                "Deleted target {}. Its agent can no longer log in; remove it from the machine.",
                output::clean(&target.name)
            );
        }
        TargetCommand::UpdateAgent { target, agent_version } => {
            let target = session::target(&client, &target).await?;
            let versions = client.agent_versions().await?;
            let version = session::find(&versions, &agent_version, |v| &v.name, |v| v.id).ok_or_else(|| {
                session::Failure::NotFound(format!(
                    "no agent version {agent_version:?}; `ferry agent-version list` shows them, `ferry agent-version add` registers one"
                ))
            })?;
            let patch = TargetPatch { agent_version_id: Some(version.id), ..Default::default() };
            client.update_target(target.id, &patch).await?;
            println!(
                "Target {} moves to agent {} ({}); the agent updates itself on its next poll.",
                output::clean(&target.name),
                output::clean(&version.name),
                output::clean(&version.image)
            );
        }
    }
    Ok(())
}

/// The install command, once, with what it means.
fn print_access(target: &Target, access: &TargetAccess) {
    let name = output::clean(&target.name);
    println!();
    println!(
        "Install the agent by running this on the target{}:",
        match target.namespace.as_deref() {
            Some(ns) => format!(" (with kubectl access to namespace {})", output::clean(ns)),
            None => " machine".to_string(),
        }
    );
    println!();
    println!("    {}", access.connect_command);
    println!();
    println!("This command contains the target's secret and is shown only now: treat it like a password.");
    println!("Lost or leaked? `ferry target reconnect {name}` issues a new one (the old one stops working).");
}

fn targets_table(targets: &[Target], now: OffsetDateTime) -> Table {
    let mut table = Table::new(&["NAME", "TYPE", "STATE", "LAST SEEN", "AGENT", "ID"]);
    for t in targets {
        table.row(vec![
            Cell::from(&t.name),
            Cell::from(match &t.namespace {
                Some(ns) => format!("{} ({ns})", t.kind),
                None => t.kind.to_string(),
            }),
            Cell::painted(t.state.label(), output::target_paint(t.state)),
            Cell::from(output::ago_or_never(t.last_seen_at, now)),
            Cell::from(agent_label(t)),
            Cell::from(t.id.to_string()),
        ]);
    }
    table
}

/// The agent version a target runs, and the one it should when they differ.
pub fn agent_label(t: &Target) -> String {
    match t.reported_agent_version.as_deref() {
        Some(running) if running != t.agent_version.name => format!("{running} (updating to {})", t.agent_version.name),
        Some(running) => running.to_string(),
        None => format!("{} (not reported)", t.agent_version.name),
    }
}

async fn show(client: &Client, t: &Target) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    let colour = output::colour();
    let on_off = |b: bool| if b { "on" } else { "off" };
    let mut rows: Vec<(&str, String)> =
        vec![("Name", output::clean(&t.name)), ("ID", t.id.to_string()), ("Type", t.kind.to_string())];
    if let Some(ns) = &t.namespace {
        rows.push(("Namespace", output::clean(ns)));
    }
    if let Some(scope) = t.scope {
        rows.push(("Scope", scope.as_str().to_string()));
    }
    rows.extend([
        ("State", output::target_paint(t.state).apply(t.state.label(), colour)),
        ("Last seen", output::ago_or_never(t.last_seen_at, now)),
        ("Agent", output::clean(&agent_label(t))),
        ("Agent image", output::clean(&t.agent_version.image)),
        (
            "Installed",
            if t.has_secret { "secret issued".into() } else { "no secret yet: run `ferry target reconnect`".into() },
        ),
        ("Metrics", on_off(t.metrics_enabled).into()),
        ("Logs", on_off(t.logs_enabled).into()),
        ("Created", output::timestamp(t.created_at)),
    ]);
    for (key, value) in rows {
        println!("{:<14}{value}", format!("{key}:"));
    }
    let deployments = client.deployments(Some(t.id)).await?;
    if !deployments.is_empty() {
        println!();
        print!("{}", super::status::deployments_table(&deployments, false, now).render(colour));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_client::api::{AgentVersion, PlatformType, TargetState};
    use uuid::Uuid;

    fn target(reported: Option<&str>) -> Target {
        Target {
            id: Uuid::nil(),
            name: "edge\x1b[31m".into(),
            kind: PlatformType::Kubernetes,
            namespace: Some("apps".into()),
            scope: Some(Scope::Namespace),
            metrics_enabled: true,
            logs_enabled: true,
            agent_version: AgentVersion {
                id: Uuid::nil(),
                name: "1.1.0".into(),
                image: "img".into(),
                created_at: OffsetDateTime::UNIX_EPOCH,
            },
            reported_agent_version: reported.map(Into::into),
            last_seen_at: None,
            state: TargetState::NeverSeen,
            has_secret: false,
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn agent_label_says_when_an_update_is_pending() {
        assert_eq!(agent_label(&target(Some("1.1.0"))), "1.1.0");
        assert_eq!(agent_label(&target(Some("1.0.0"))), "1.0.0 (updating to 1.1.0)");
        assert_eq!(agent_label(&target(None)), "1.1.0 (not reported)");
    }

    #[test]
    fn target_rows_are_escaped_and_show_never_seen() {
        let text = targets_table(&[target(None)], OffsetDateTime::UNIX_EPOCH).render(false);
        let row = text.lines().nth(1).unwrap();
        assert!(row.starts_with("edge\\u{1b}[31m   kubernetes (apps)   never seen   never"), "{row}");
    }
}
