//! `ferry agent-version`: the agent versions targets can be moved to.

use std::process::ExitCode;

use clap::Subcommand;
use ferry_client::api::NewAgentVersion;

use super::output::{self, Cell, OutputArgs, Table};
use super::session;

/// List and register agent versions.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Targets run the hub's own agent version unless moved with `ferry target update-agent`.

Examples:
  ferry agent-version list
  ferry agent-version add 1.4.0 ghcr.io/acme/ferry-agent:1.4.0")]
pub struct Args {
    #[command(subcommand)]
    command: AgentVersionCommand,
}

#[derive(Debug, Subcommand)]
enum AgentVersionCommand {
    /// List registered agent versions.
    #[command(after_long_help = "Examples:\n  ferry agent-version list\n  ferry agent-version list -o json")]
    List {
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Register an agent version (a name and its container image).
    #[command(after_long_help = "Example:\n  ferry agent-version add 1.4.0 ghcr.io/acme/ferry-agent:1.4.0")]
    Add {
        /// Version name, unique.
        name: String,
        /// Container image agents of this version run.
        image: String,
    },
}

/// Runs `ferry agent-version`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    Ok(session::finish(execute(args).await))
}

async fn execute(args: Args) -> anyhow::Result<()> {
    let client = session::client()?;
    match args.command {
        AgentVersionCommand::List { output } => {
            let versions = client.agent_versions().await?;
            if output.json() {
                return output::print_json(&versions);
            }
            let mut table = Table::new(&["NAME", "IMAGE", "CREATED", "ID"]);
            for v in &versions {
                table.row(vec![
                    Cell::from(&v.name),
                    Cell::from(&v.image),
                    Cell::from(output::timestamp(v.created_at)),
                    Cell::from(v.id.to_string()),
                ]);
            }
            print!("{}", table.render(output::colour()));
        }
        AgentVersionCommand::Add { name, image } => {
            let v = client.create_agent_version(&NewAgentVersion { name, image }).await?;
            println!("Registered agent version {} ({}).", output::clean(&v.name), output::clean(&v.image));
            println!("Move a target to it: ferry target update-agent <target> {}", output::clean(&v.name));
        }
    }
    Ok(())
}
