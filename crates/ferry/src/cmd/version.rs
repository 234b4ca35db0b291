//! `ferry version`: versions of an application.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use ferry_client::api::{ApplicationVersion, ChartType, NewApplicationVersion};

use super::output::{self, Cell, OutputArgs, Paint, Table};
use super::session;

/// Where a Helm chart comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ChartSource {
    /// A classic chart repository (index.yaml); give --chart-name too.
    Repository,
    /// An OCI registry: --chart-url oci://host/repo/chart.
    Oci,
}

/// Add, list, archive and unarchive application versions.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
A version of a Docker application is a Compose file (and optionally the env file deployments
start from); a version of a Kubernetes application is a Helm chart reference (and optionally
base values and the values deployments start from). Env files and values may use
{{ .Secrets.KEY }} (see `ferry secret`).

Examples:
  ferry version add shop 1.0.0 --compose compose.yaml --env-template .env
  ferry version add shop-k8s 1.0.0 --chart-type oci --chart-url oci://ghcr.io/acme/charts/shop --chart-version 1.0.0
  ferry version list shop
  ferry version archive shop 0.9.0")]
pub struct Args {
    #[command(subcommand)]
    command: VersionCommand,
}

#[derive(Debug, Subcommand)]
enum VersionCommand {
    /// Add a version to an application.
    Add(AddArgs),
    /// List an application's versions, newest first.
    #[command(after_long_help = "Examples:\n  ferry version list shop\n  ferry version list shop -o json")]
    List {
        /// Application (name or id).
        app: String,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Archive a version: it can no longer be newly deployed (running deployments stay).
    #[command(after_long_help = "Example:\n  ferry version archive shop 0.9.0")]
    Archive(VersionRef),
    /// Make an archived version deployable again.
    #[command(after_long_help = "Example:\n  ferry version unarchive shop 0.9.0")]
    Unarchive(VersionRef),
}

#[derive(Debug, clap::Args)]
struct VersionRef {
    /// Application (name or id).
    app: String,
    /// Version (name or id).
    #[arg(id = "version_name", value_name = "VERSION")]
    version: String,
}

/// Add a version: a Compose file, or a Helm chart reference.
#[derive(Debug, clap::Args)]
#[command(
    group(clap::ArgGroup::new("content").required(true).args(["compose", "chart_type"])),
    after_long_help = "\
Give either --compose (Docker applications) or --chart-type, --chart-url and --chart-version
(Kubernetes applications).

Examples:
  ferry version add shop 1.0.0 --compose compose.yaml
  ferry version add shop 1.1.0 --compose compose.yaml --env-template .env.template
  ferry version add shop-k8s 2.0.0 --chart-type repository --chart-url https://charts.example.com \\
      --chart-name shop --chart-version 2.0.0 --values values.yaml"
)]
struct AddArgs {
    /// Application (name or id).
    app: String,

    /// Name of the new version, e.g. 1.2.0; unique within the application.
    #[arg(id = "version_name", value_name = "VERSION")]
    version: String,

    /// Docker: the Compose file.
    #[arg(long, value_name = "FILE", help_heading = "Docker application")]
    compose: Option<PathBuf>,

    /// Docker: the env file deployments start from (may use {{ .Secrets.KEY }}).
    #[arg(long, value_name = "FILE", requires = "compose", help_heading = "Docker application")]
    env_template: Option<PathBuf>,

    /// Kubernetes: where the chart comes from.
    #[arg(long, value_enum, requires_all = ["chart_url", "chart_version"], help_heading = "Kubernetes application")]
    chart_type: Option<ChartSource>,

    /// Kubernetes: the chart repository URL, or oci://host/repo/chart.
    #[arg(long, value_name = "URL", requires = "chart_type", help_heading = "Kubernetes application")]
    chart_url: Option<String>,

    /// Kubernetes: the chart's name in the repository (default for OCI: the URL's last part).
    #[arg(long, value_name = "NAME", requires = "chart_type", help_heading = "Kubernetes application")]
    chart_name: Option<String>,

    /// Kubernetes: the chart version.
    #[arg(long, value_name = "VERSION", requires = "chart_type", help_heading = "Kubernetes application")]
    chart_version: Option<String>,

    /// Kubernetes: base values (YAML), merged under every deployment's values.
    #[arg(long, value_name = "FILE", requires = "chart_type", help_heading = "Kubernetes application")]
    values: Option<PathBuf>,

    /// Kubernetes: the values deployments start from (may use {{ .Secrets.KEY }}).
    #[arg(long, value_name = "FILE", requires = "chart_type", help_heading = "Kubernetes application")]
    values_template: Option<PathBuf>,
}

impl AddArgs {
    fn spec(&self) -> anyhow::Result<NewApplicationVersion> {
        let read =
            |path: &Option<PathBuf>, what: &str| path.as_deref().map(|p| session::read_file(p, what)).transpose();
        Ok(NewApplicationVersion {
            name: self.version.clone(),
            compose_file: read(&self.compose, "Compose file")?,
            env_template: read(&self.env_template, "env template")?,
            chart_type: self.chart_type.map(|c| match c {
                ChartSource::Repository => ChartType::Repository,
                ChartSource::Oci => ChartType::Oci,
            }),
            chart_url: self.chart_url.clone(),
            chart_name: self.chart_name.clone(),
            chart_version: self.chart_version.clone(),
            base_values: read(&self.values, "values file")?,
            values_template: read(&self.values_template, "values template")?,
        })
    }
}

/// Runs `ferry version`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    Ok(session::finish(execute(args).await))
}

async fn execute(args: Args) -> anyhow::Result<()> {
    let client = session::client()?;
    match args.command {
        VersionCommand::Add(add) => {
            let spec = add.spec()?;
            let app = session::application(&client, &add.app).await?;
            let v = client.create_version(app.id, &spec).await?;
            println!("Added version {} to {} ({}).", output::clean(&v.spec.name), output::clean(&app.name), v.id);
            println!("Deploy it: ferry deploy <target> {} {}", output::clean(&app.name), output::clean(&v.spec.name));
        }
        VersionCommand::List { app, output } => {
            let app = session::application(&client, &app).await?;
            if output.json() {
                return output::print_json(&app.versions);
            }
            if app.versions.is_empty() {
                println!("{} has no versions yet: add one with `ferry version add`.", output::clean(&app.name));
                return Ok(());
            }
            let mut table = Table::new(&["VERSION", "CONTENT", "CREATED", "ARCHIVED", "ID"]);
            for v in &app.versions {
                table.row(vec![
                    Cell::from(&v.spec.name),
                    Cell::from(content(v)),
                    Cell::from(output::timestamp(v.created_at)),
                    match v.archived_at {
                        Some(t) => Cell::painted(output::timestamp(t), Paint::Dim),
                        None => Cell::from("-"),
                    },
                    Cell::from(v.id.to_string()),
                ]);
            }
            print!("{}", table.render(output::colour()));
        }
        VersionCommand::Archive(r) => {
            let (app, version) = resolve(&client, &r).await?;
            client.archive_version(app, version.id).await?;
            println!(
                "Archived {} {}: it can no longer be newly deployed.",
                output::clean(&r.app),
                output::clean(&version.spec.name)
            );
        }
        VersionCommand::Unarchive(r) => {
            let (app, version) = resolve(&client, &r).await?;
            client.unarchive_version(app, version.id).await?;
            println!("Unarchived {} {}.", output::clean(&r.app), output::clean(&version.spec.name));
        }
    }
    Ok(())
}

async fn resolve(client: &ferry_client::Client, r: &VersionRef) -> anyhow::Result<(uuid::Uuid, ApplicationVersion)> {
    let app = session::application(client, &r.app).await?;
    let version = session::version(&app, &r.version)?.clone();
    Ok((app.id, version))
}

/// What a version ships, in a few words.
fn content(v: &ApplicationVersion) -> String {
    let s = &v.spec;
    if s.compose_file.is_some() {
        return if s.env_template.is_some() { "compose + env template".into() } else { "compose".into() };
    }
    let chart = s.chart_name.as_deref().or(s.chart_url.as_deref()).unwrap_or("?");
    format!("chart {chart} {}", s.chart_version.as_deref().unwrap_or("?"))
}
