//! `ferry`: one binary for the hub, the agents, the chart engine and the vendor CLI.
//! Argument parsing and wiring only; the work happens in the library crates.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Ship applications into environments you do not control.
///
/// A hub holds your applications, their versions and the deployment targets of your
/// customers; a small agent on each target dials out to the hub and makes the target run what
/// the hub says.
#[derive(Parser)]
#[command(name = "ferry", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process; boxing the variants would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run the hub (the control plane) on embedded SQLite or PostgreSQL.
    Hub(cmd::hub::Args),
    /// Run an agent on this machine (normally started by the hub's connect command).
    Agent(cmd::agent::Args),
    /// Render a Helm chart locally, like `helm template`.
    Template(cmd::template::Args),
    /// Load-test a hub with simulated agents.
    Bench(cmd::bench::Args),
    /// Log in to a hub and save the API token for the other commands.
    Login(cmd::login::Args),
    /// Forget the saved hub login.
    Logout(cmd::login::LogoutArgs),
    /// Create and list applications.
    App(cmd::app::Args),
    /// Add, list, archive and unarchive application versions.
    Version(cmd::version::Args),
    /// Create deployment targets and print their agent install command.
    Target(cmd::target::Args),
    /// Deploy an application version to a target.
    Deploy(cmd::deploy::Args),
    /// Remove an application from a target.
    Undeploy(cmd::deploy::UndeployArgs),
    /// Show deployments with their state, and the targets' agents.
    Status(cmd::status::Args),
    /// Show or follow an application's logs on a target.
    Logs(cmd::logs::Args),
    /// Show the status history of an application on a target.
    History(cmd::history::Args),
    /// Set, list and delete secrets used as {{ .Secrets.KEY }}.
    Secret(cmd::secret::Args),
    /// List and register agent versions.
    AgentVersion(cmd::agent_version::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Hub(args) => cmd::hub::run(args).await,
            Command::Agent(args) => cmd::agent::run(args).await,
            Command::Template(args) => cmd::template::run(args).await,
            Command::Bench(args) => cmd::bench::run(args).await,
            Command::Login(args) => cmd::login::run(args).await,
            Command::Logout(args) => cmd::login::run_logout(args).await,
            Command::App(args) => cmd::app::run(args).await,
            Command::Version(args) => cmd::version::run(args).await,
            Command::Target(args) => cmd::target::run(args).await,
            Command::Deploy(args) => cmd::deploy::run(args).await,
            Command::Undeploy(args) => cmd::deploy::run_undeploy(args).await,
            Command::Status(args) => cmd::status::run(args).await,
            Command::Logs(args) => cmd::logs::run(args).await,
            Command::History(args) => cmd::history::run(args).await,
            Command::Secret(args) => cmd::secret::run(args).await,
            Command::AgentVersion(args) => cmd::agent_version::run(args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
