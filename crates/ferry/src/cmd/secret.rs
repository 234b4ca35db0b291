//! `ferry secret`: organization secrets, referenced as `{{ .Secrets.KEY }}`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::output::{self, Cell, OutputArgs, Table};
use super::session;

/// Set, list and delete organization secrets.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Secrets are stored encrypted by the hub and never shown again. Env files, values and registry
credentials refer to them as {{ .Secrets.KEY }}; agents receive the filled-in text.

Examples:
  ferry secret set DB_PASSWORD --from-file db-password.txt
  printf %s \"$DB_PASSWORD\" | ferry secret set DB_PASSWORD
  ferry secret list
  ferry secret delete DB_PASSWORD")]
pub struct Args {
    #[command(subcommand)]
    command: SecretCommand,
}

#[derive(Debug, Subcommand)]
enum SecretCommand {
    /// Create or replace a secret.
    #[command(after_long_help = "\
The value comes from VALUE, --from-file (taken exactly), or stdin (asked for on a terminal; one
trailing newline is dropped). A VALUE on the command line ends up in your shell history.

Examples:
  ferry secret set API_KEY --from-file api-key.txt
  echo s3cret | ferry secret set DB_PASSWORD")]
    Set {
        /// Key: letters, digits and '_', not starting with a digit.
        key: String,
        /// The value (prefer --from-file or stdin).
        #[arg(conflicts_with = "from_file")]
        value: Option<String>,
        /// Read the value from this file.
        #[arg(long, value_name = "FILE")]
        from_file: Option<PathBuf>,
    },
    /// List secret keys (values are never shown).
    #[command(after_long_help = "Examples:\n  ferry secret list\n  ferry secret list -o json")]
    List {
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Delete a secret (refused while a deployment uses it).
    #[command(after_long_help = "Example:\n  ferry secret delete DB_PASSWORD")]
    Delete {
        /// Key.
        key: String,
    },
}

/// Runs `ferry secret`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    Ok(session::finish(execute(args).await))
}

async fn execute(args: Args) -> anyhow::Result<()> {
    match args.command {
        SecretCommand::Set { key, value, from_file } => {
            let value = match (value, from_file) {
                (Some(v), _) => v,
                (None, Some(path)) => session::read_file(&path, "secret file")?,
                (None, None) => session::read_stdin_value(&format!("Value for {key}: "))?,
            };
            let client = session::client()?;
            let info = client.put_secret(&key, &value).await?;
            let key = output::clean(&info.key);
            println!("Saved secret {key}. Refer to it as {{{{ .Secrets.{key} }}}}.");
        }
        SecretCommand::List { output } => {
            let secrets = session::client()?.secrets().await?;
            if output.json() {
                return output::print_json(&secrets);
            }
            if secrets.is_empty() {
                println!("No secrets yet: `ferry secret set KEY` creates one.");
                return Ok(());
            }
            let mut table = Table::new(&["KEY", "UPDATED", "CREATED"]);
            for s in &secrets {
                table.row(vec![
                    Cell::from(&s.key),
                    Cell::from(output::timestamp(s.updated_at)),
                    Cell::from(output::timestamp(s.created_at)),
                ]);
            }
            print!("{}", table.render(output::colour()));
        }
        SecretCommand::Delete { key } => {
            session::client()?.delete_secret(&key).await?;
            println!("Deleted secret {}.", output::clean(&key));
        }
    }
    Ok(())
}
