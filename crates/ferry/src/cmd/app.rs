//! `ferry app`: applications.

use std::process::ExitCode;

use clap::Subcommand;
use ferry_client::api::{NewApplication, PlatformType};

use super::output::{self, Cell, OutputArgs, Table};
use super::session;

/// What an application or target runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Platform {
    /// Docker Compose (or Swarm).
    Docker,
    /// Helm charts on Kubernetes.
    Kubernetes,
}

impl From<Platform> for PlatformType {
    fn from(p: Platform) -> Self {
        match p {
            Platform::Docker => PlatformType::Docker,
            Platform::Kubernetes => PlatformType::Kubernetes,
        }
    }
}

/// Create and list applications.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
An application is what you ship: a Docker Compose file or a Helm chart, in versions
(see `ferry version`).

Examples:
  ferry app create shop --type docker
  ferry app list")]
pub struct Args {
    #[command(subcommand)]
    command: AppCommand,
}

#[derive(Debug, Subcommand)]
enum AppCommand {
    /// Create an application.
    #[command(
        after_long_help = "Examples:\n  ferry app create shop --type docker\n  ferry app create shop-k8s --type kubernetes"
    )]
    Create {
        /// Name, unique in your organization.
        name: String,
        /// What it is deployed with; only targets of the same type can run it.
        #[arg(long = "type", value_name = "TYPE", value_enum)]
        kind: Platform,
    },
    /// List applications with their versions.
    #[command(after_long_help = "Examples:\n  ferry app list\n  ferry app list -o json")]
    List {
        #[command(flatten)]
        output: OutputArgs,
    },
}

/// Runs `ferry app`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    Ok(session::finish(execute(args).await))
}

async fn execute(args: Args) -> anyhow::Result<()> {
    let client = session::client()?;
    match args.command {
        AppCommand::Create { name, kind } => {
            let app = client.create_application(&NewApplication { name, kind: kind.into() }).await?;
            println!("Created {} application {} ({}).", app.kind, output::clean(&app.name), app.id);
            println!(
                "Next: ferry version add {} <version> {}",
                output::clean(&app.name),
                match app.kind {
                    PlatformType::Docker => "--compose compose.yaml",
                    PlatformType::Kubernetes => "--chart-type oci --chart-url oci://... --chart-version <v>",
                }
            );
        }
        AppCommand::List { output } => {
            let apps = client.applications().await?;
            if output.json() {
                return output::print_json(&apps);
            }
            if apps.is_empty() {
                println!("No applications yet: create one with `ferry app create <name> --type docker`.");
                return Ok(());
            }
            let mut table = Table::new(&["NAME", "TYPE", "VERSIONS", "LATEST", "CREATED", "ID"]);
            for app in &apps {
                let latest = app.versions.iter().find(|v| v.archived_at.is_none()).map(|v| v.spec.name.as_str());
                table.row(vec![
                    Cell::from(&app.name),
                    Cell::from(app.kind.as_str()),
                    Cell::from(app.versions.len().to_string()),
                    Cell::from(latest.unwrap_or("-")),
                    Cell::from(output::timestamp(app.created_at)),
                    Cell::from(app.id.to_string()),
                ]);
            }
            print!("{}", table.render(output::colour()));
        }
    }
    Ok(())
}
