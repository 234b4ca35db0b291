//! `ferry login` and `ferry logout`: the saved hub URL and API token.

use std::process::ExitCode;

use anyhow::Context as _;
use ferry_client::Client;

use super::session::{self, SavedLogin};

/// Log in to a hub.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
The token is checked against the hub (GET /api/v1/me), then saved with the hub URL in
$FERRY_CONFIG_DIR/config.json, else <your config dir>/ferry/config.json, readable by you only.
Every other command uses it; FERRY_HUB_URL and FERRY_TOKEN override it (for scripts and CI).
The hub prints an API token on its first start.

Examples:
  ferry login https://hub.example.com --token ferry_0123...
  echo \"$TOKEN\" | ferry login https://hub.example.com
  ferry login http://localhost:8080          # asks for the token")]
pub struct Args {
    /// The hub's URL, e.g. https://hub.example.com.
    hub_url: String,

    /// API token. Without it, the token is read from stdin (asked for on a terminal).
    #[arg(long, env = "FERRY_TOKEN", hide_env_values = true)]
    token: Option<String>,
}

/// Forget the saved login.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Deletes the saved hub URL and token. FERRY_HUB_URL and FERRY_TOKEN still work afterwards.

Example:
  ferry logout")]
pub struct LogoutArgs {}

/// Runs `ferry login`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    Ok(session::finish(login(args).await))
}

async fn login(args: Args) -> anyhow::Result<()> {
    let token = match args.token.filter(|t| !t.trim().is_empty()) {
        Some(t) => t,
        None => session::read_stdin_value("API token: ")?,
    };
    let token = token.trim().to_string();
    anyhow::ensure!(!token.is_empty(), "no API token given: pass --token, set FERRY_TOKEN or pipe it to stdin");
    let client = Client::new(&args.hub_url, &token)?;
    let me = client.me().await.with_context(|| format!("checking the token with {}", client.hub_url()))?;
    let path = session::config_file()?;
    session::save_login(&path, &SavedLogin { hub_url: client.hub_url().to_string(), token })?;
    println!(
        "Logged in to {} as {} (organization {}).",
        client.hub_url(),
        super::output::clean(&me.email),
        super::output::clean(&me.organization_name)
    );
    println!("Saved to {}.", path.display());
    Ok(())
}

/// Runs `ferry logout`.
pub async fn run_logout(_args: LogoutArgs) -> anyhow::Result<ExitCode> {
    Ok(session::finish(logout()))
}

fn logout() -> anyhow::Result<()> {
    let path = session::config_file()?;
    if session::remove_login(&path)? {
        println!("Logged out: removed {}.", path.display());
    } else {
        println!("Not logged in (no {}).", path.display());
    }
    Ok(())
}
