//! What every vendor command shares: the saved login, the hub client built from it, finding
//! targets and applications by name, asking the person at the terminal, and turning errors
//! into messages and exit codes.

use std::ffi::OsString;
use std::io::{BufRead as _, IsTerminal as _, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use ferry_client::api::{Application, ApplicationVersion, Deployment, Target};
use ferry_client::{Client, ClientError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Exit code: the command failed for another reason.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code: bad arguments (clap uses it too).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: not logged in, or the hub refused the token.
pub const EXIT_NOT_LOGGED_IN: u8 = 3;
/// Exit code: the target, application, version or deployment does not exist.
pub const EXIT_NOT_FOUND: u8 = 4;

/// A failure the CLI itself detects (the hub's own errors arrive as [`ClientError`]).
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// No hub URL or token, from the environment or the saved login.
    #[error("not logged in: run `ferry login <hub-url>` first (or set FERRY_HUB_URL and FERRY_TOKEN)")]
    NotLoggedIn,
    /// The saved login cannot be read.
    #[error("the saved login in {path} is unreadable ({reason}); run `ferry login <hub-url>` again")]
    BadLogin {
        /// The config file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A named object does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Arguments that parse but do not make sense together.
    #[error("{0}")]
    Usage(String),
    /// The person said no.
    #[error("cancelled; nothing was changed")]
    Cancelled,
}

/// The login `ferry login` saves: `{"hubUrl", "token"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedLogin {
    /// The hub's base URL.
    pub hub_url: String,
    /// The API token.
    pub token: String,
}

/// Where the login is saved: `$FERRY_CONFIG_DIR/config.json`, else
/// `<user config dir>/ferry/config.json`.
pub fn config_path(ferry_config_dir: Option<OsString>, user_config_dir: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match ferry_config_dir.filter(|d| !d.is_empty()) {
        Some(dir) => Ok(PathBuf::from(dir).join("config.json")),
        None => user_config_dir.map(|d| d.join("ferry").join("config.json")).context(
            "cannot tell where to keep the login: this system has no user config directory; set FERRY_CONFIG_DIR",
        ),
    }
}

/// The config file of this process.
pub fn config_file() -> anyhow::Result<PathBuf> {
    config_path(std::env::var_os("FERRY_CONFIG_DIR"), dirs::config_dir())
}

/// Reads the saved login; `None` when there is none.
pub fn load_login(path: &Path) -> Result<Option<SavedLogin>, Failure> {
    let bad = |reason: String| Failure::BadLogin { path: path.to_path_buf(), reason };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(bad(e.to_string())),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| bad(e.to_string()))
}

/// Saves the login readable by the user only (file 0600, a directory it creates 0700),
/// replacing the previous one atomically.
pub fn save_login(path: &Path, login: &SavedLogin) -> anyhow::Result<()> {
    let dir = path.parent().context("the config file has no directory")?;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let text = serde_json::to_string_pretty(login)? + "\n";
    let temp = dir.join(format!(".config.json.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        anyhow::anyhow!("cannot save the login to {}: {e}", path.display())
    })
}

/// Deletes the saved login; false when there was none.
pub fn remove_login(path: &Path) -> anyhow::Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(anyhow::anyhow!("cannot remove {}: {e}", path.display())),
    }
}

/// Hub URL and token: `FERRY_HUB_URL` and `FERRY_TOKEN` win over the saved login, each on
/// its own, so CI can pass just a token for a saved hub or both without any file.
pub fn credentials(
    env_url: Option<String>,
    env_token: Option<String>,
    saved: Option<SavedLogin>,
) -> Result<SavedLogin, Failure> {
    let non_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let (saved_url, saved_token) = saved.map(|s| (Some(s.hub_url), Some(s.token))).unwrap_or_default();
    match (non_empty(env_url).or(saved_url), non_empty(env_token).or(saved_token)) {
        (Some(hub_url), Some(token)) => Ok(SavedLogin { hub_url, token }),
        _ => Err(Failure::NotLoggedIn),
    }
}

/// A client for the hub this process is logged in to.
pub fn client() -> anyhow::Result<Client> {
    let env = |name| std::env::var(name).ok();
    let (env_url, env_token) = (env("FERRY_HUB_URL"), env("FERRY_TOKEN"));
    // Only read the file when the environment does not say everything.
    let saved = if env_url.is_some() && env_token.is_some() { None } else { load_login(&config_file()?)? };
    let login = credentials(env_url, env_token, saved)?;
    Ok(Client::new(&login.hub_url, &login.token)?)
}

// --- finding things by name -----------------------------------------------------------------

/// The item whose name is `wanted`, else whose id is `wanted`.
pub fn find<'a, T>(items: &'a [T], wanted: &str, name: impl Fn(&T) -> &str, id: impl Fn(&T) -> Uuid) -> Option<&'a T> {
    items.iter().find(|i| name(i) == wanted).or_else(|| {
        let wanted = Uuid::parse_str(wanted).ok()?;
        items.iter().find(|i| id(i) == wanted)
    })
}

/// A target by name or id.
pub async fn target(client: &Client, wanted: &str) -> anyhow::Result<Target> {
    let targets = client.targets().await?;
    find(&targets, wanted, |t| &t.name, |t| t.id)
        .cloned()
        .ok_or_else(|| Failure::NotFound(format!("no target named {wanted:?}; `ferry target list` shows them")).into())
}

/// An application (with its versions) by name or id.
pub async fn application(client: &Client, wanted: &str) -> anyhow::Result<Application> {
    let apps = client.applications().await?;
    find(&apps, wanted, |a| &a.name, |a| a.id).cloned().ok_or_else(|| {
        Failure::NotFound(format!("no application named {wanted:?}; `ferry app list` shows them")).into()
    })
}

/// A version of `app` by name or id.
pub fn version<'a>(app: &'a Application, wanted: &str) -> Result<&'a ApplicationVersion, Failure> {
    find(&app.versions, wanted, |v| &v.spec.name, |v| v.id).ok_or_else(|| {
        Failure::NotFound(format!(
            "application {:?} has no version {wanted:?}; `ferry version list {}` shows them",
            app.name, app.name
        ))
    })
}

/// The deployment of an application (by name or id) on a target (by name or id).
pub async fn deployment(client: &Client, target_wanted: &str, app_wanted: &str) -> anyhow::Result<Deployment> {
    let target = target(client, target_wanted).await?;
    let deployments = client.deployments(Some(target.id)).await?;
    find(&deployments, app_wanted, |d| &d.application_name, |d| d.application_id).cloned().ok_or_else(|| {
        Failure::NotFound(format!(
            "{app_wanted:?} is not deployed to {:?}; `ferry status {}` shows what is",
            target.name, target.name
        ))
        .into()
    })
}

/// A deployment named as `TARGET APP`, `TARGET/APP`, or by its id.
pub async fn deployment_ref(client: &Client, first: &str, app: Option<&str>) -> anyhow::Result<Deployment> {
    if let Some(app) = app {
        return deployment(client, first, app).await;
    }
    if let Ok(id) = Uuid::parse_str(first) {
        return client.deployment(id).await.map_err(|e| {
            if e.is_not_found() {
                Failure::NotFound(format!("no deployment with id {id}; `ferry status` lists them")).into()
            } else {
                anyhow::Error::from(e)
            }
        });
    }
    match first.rsplit_once('/') {
        Some((target, app)) if !target.is_empty() && !app.is_empty() => deployment(client, target, app).await,
        _ => Err(Failure::Usage(format!(
            "{first:?} names no deployment: give TARGET APP, TARGET/APP, or a deployment id"
        ))
        .into()),
    }
}

// --- the person at the terminal -------------------------------------------------------------

/// Whether stdin is a terminal (someone can answer questions).
pub fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

/// Asks a yes/no question on stderr; only call when [`interactive`].
pub fn confirm(question: &str) -> anyhow::Result<bool> {
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// Asks unless `--yes` was given or nobody is at the terminal; errors with
/// [`Failure::Cancelled`] on no.
pub fn confirm_or_cancel(question: &str, yes: bool) -> anyhow::Result<()> {
    if yes || !interactive() || confirm(question)? { Ok(()) } else { Err(Failure::Cancelled.into()) }
}

/// Largest value read from stdin (tokens, secrets).
const STDIN_LIMIT: u64 = 1024 * 1024;

/// A value from stdin: one line after a prompt when it is a terminal, else everything
/// piped in. One trailing newline is dropped either way (what `echo` adds).
pub fn read_stdin_value(prompt: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let mut text = String::new();
    if stdin.is_terminal() {
        eprint!("{prompt}");
        std::io::stderr().flush()?;
        stdin.lock().read_line(&mut text)?;
    } else {
        stdin.lock().take(STDIN_LIMIT + 1).read_to_string(&mut text).context("cannot read stdin")?;
        anyhow::ensure!(text.len() as u64 <= STDIN_LIMIT, "stdin is larger than {STDIN_LIMIT} bytes");
    }
    Ok(strip_one_newline(text))
}

/// Drops one trailing `\n` or `\r\n`.
pub fn strip_one_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}

/// Reads a file the user named, saying which on failure.
pub fn read_file(path: &Path, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read the {what} {}", path.display()))
}

// --- errors to messages and exit codes ------------------------------------------------------

/// The exit code for an error.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    for cause in error.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return match f {
                Failure::NotLoggedIn | Failure::BadLogin { .. } => EXIT_NOT_LOGGED_IN,
                Failure::NotFound(_) => EXIT_NOT_FOUND,
                Failure::Usage(_) => EXIT_USAGE,
                Failure::Cancelled => EXIT_FAILURE,
            };
        }
        if let Some(c) = cause.downcast_ref::<ClientError>() {
            return if c.is_unauthorized() {
                EXIT_NOT_LOGGED_IN
            } else if c.is_not_found() {
                EXIT_NOT_FOUND
            } else {
                EXIT_FAILURE
            };
        }
    }
    EXIT_FAILURE
}

/// The message for an error: the context, then the hub's own message (and field) when the
/// hub answered, else the whole chain of causes.
pub fn message(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        if let Some(body) = cause.downcast_ref::<ClientError>().and_then(ClientError::api_error) {
            let mut text = body.error.clone();
            if let Some(field) = &body.field {
                text.push_str(&format!(" (field: {field})"));
            }
            parts.push(text);
            break;
        }
        parts.push(cause.to_string());
    }
    parts.join(": ")
}

/// Prints the outcome of a command and gives its exit code.
pub fn finish(result: anyhow::Result<()>) -> ExitCode {
    let Err(error) = result else { return ExitCode::SUCCESS };
    let code = exit_code(&error);
    eprintln!("error: {}", message(&error));
    if code == EXIT_NOT_LOGGED_IN && !matches!(error.downcast_ref::<Failure>(), Some(Failure::NotLoggedIn)) {
        eprintln!(
            "hint: log in with `ferry login <hub-url> --token <token>`; FERRY_HUB_URL and FERRY_TOKEN override the saved login"
        );
    }
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_client::StatusCode;
    use ferry_client::api::ApiError;

    fn api(status: StatusCode, error: &str, field: Option<&str>) -> anyhow::Error {
        ClientError::Api {
            method: ferry_client::Method::GET,
            url: "http://hub/api/v1/x".into(),
            status,
            body: ApiError { error: error.into(), field: field.map(Into::into) },
        }
        .into()
    }

    #[test]
    fn env_overrides_the_saved_login_field_by_field() {
        let saved = SavedLogin { hub_url: "https://saved".into(), token: "saved-token".into() };
        let login = credentials(None, Some("env-token".into()), Some(saved.clone())).unwrap();
        assert_eq!(login, SavedLogin { hub_url: "https://saved".into(), token: "env-token".into() });
        let login = credentials(Some("https://env".into()), Some("t".into()), None).unwrap();
        assert_eq!(login.hub_url, "https://env");
        assert_eq!(credentials(Some("".into()), None, Some(saved.clone())).unwrap(), saved);
        assert!(matches!(credentials(Some("https://env".into()), None, None), Err(Failure::NotLoggedIn)));
        assert!(matches!(credentials(None, None, None), Err(Failure::NotLoggedIn)));
    }

    #[test]
    fn config_path_prefers_ferry_config_dir() {
        let p = config_path(Some("/etc/x".into()), Some("/home/u/.config".into())).unwrap();
        assert_eq!(p, PathBuf::from("/etc/x/config.json"));
        let p = config_path(Some("".into()), Some("/home/u/.config".into())).unwrap();
        assert_eq!(p, PathBuf::from("/home/u/.config/ferry/config.json"));
        assert!(config_path(None, None).unwrap_err().to_string().contains("FERRY_CONFIG_DIR"));
    }

    #[test]
    fn saved_login_round_trips_privately() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new").join("config.json");
        assert_eq!(load_login(&path).unwrap(), None);
        let login = SavedLogin { hub_url: "http://h".into(), token: "t".into() };
        save_login(&path, &login).unwrap();
        save_login(&path, &login).unwrap();
        assert_eq!(load_login(&path).unwrap(), Some(login));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"hubUrl\": \"http://h\""), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            assert_eq!(std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        }
        std::fs::write(&path, "{not json").unwrap();
        assert!(matches!(load_login(&path), Err(Failure::BadLogin { .. })));
        assert!(remove_login(&path).unwrap());
        assert!(!remove_login(&path).unwrap());
    }

    #[test]
    fn names_win_over_ids() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        // A target may be named like another target's id; the name wins.
        let items = [(a, b.to_string()), (b, "web".to_string())];
        let found = |w: &str| find(&items, w, |i| &i.1, |i| i.0).map(|i| i.0);
        assert_eq!(found("web"), Some(b));
        assert_eq!(found(&b.to_string()), Some(a));
        assert_eq!(found(&a.to_string()), Some(a));
        assert_eq!(found("nope"), None);
    }

    #[test]
    fn errors_map_to_exit_codes_and_hub_messages() {
        let e = api(StatusCode::NOT_FOUND, "target not found", None).context("showing target edge");
        assert_eq!(exit_code(&e), EXIT_NOT_FOUND);
        assert_eq!(message(&e), "showing target edge: target not found");
        let e = api(StatusCode::BAD_REQUEST, "name is required", Some("name"));
        assert_eq!((exit_code(&e), message(&e)), (EXIT_FAILURE, "name is required (field: name)".to_string()));
        assert_eq!(exit_code(&api(StatusCode::UNAUTHORIZED, "no", None)), EXIT_NOT_LOGGED_IN);
        assert_eq!(exit_code(&Failure::NotLoggedIn.into()), EXIT_NOT_LOGGED_IN);
        assert_eq!(exit_code(&Failure::NotFound("x".into()).into()), EXIT_NOT_FOUND);
        assert_eq!(exit_code(&Failure::Usage("x".into()).into()), EXIT_USAGE);
        assert_eq!(exit_code(&anyhow::anyhow!("disk full")), EXIT_FAILURE);
    }

    #[test]
    fn one_trailing_newline_is_dropped() {
        assert_eq!(strip_one_newline("tok\n".into()), "tok");
        assert_eq!(strip_one_newline("tok\r\n".into()), "tok");
        assert_eq!(strip_one_newline("a\n\n".into()), "a\n");
        assert_eq!(strip_one_newline("a".into()), "a");
    }

    /// The vendor commands this module serves.
    const VENDOR_COMMANDS: [&str; 12] = [
        "login",
        "logout",
        "app",
        "version",
        "target",
        "deploy",
        "undeploy",
        "status",
        "logs",
        "history",
        "secret",
        "agent-version",
    ];

    #[test]
    fn every_vendor_command_has_a_summary_and_an_example() {
        use clap::CommandFactory as _;
        let cli = crate::Cli::command();
        cli.clone().debug_assert();
        fn check(cmd: &clap::Command, path: &str) {
            let path = format!("{path} {}", cmd.get_name());
            let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
            assert!(!about.is_empty() && !about.contains('\n'), "{path}: one-line summary, got {about:?}");
            let long = cmd.get_after_long_help().map(|h| h.to_string()).unwrap_or_default();
            assert!(long.contains("Example"), "{path}: no example in the long help");
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                check(sub, &path);
            }
        }
        for name in VENDOR_COMMANDS {
            let cmd = cli.find_subcommand(name).unwrap_or_else(|| panic!("ferry {name} is not wired into main.rs"));
            check(cmd, "ferry");
        }
    }
}
