//! The vendor CLI end to end: the real `ferry hub` binary as a subprocess on 127.0.0.1, the
//! `ferry` commands against it with their own config directory, and an agent simulated over
//! the agent API.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

const FERRY: &str = env!("CARGO_BIN_EXE_ferry");

/// A hub process with its own data directory, killed on drop.
struct Hub {
    child: Child,
    url: String,
    token: String,
    _data: tempfile::TempDir,
}

impl Hub {
    fn start() -> Hub {
        let data = tempfile::tempdir().unwrap();
        let mut child = Command::new(FERRY)
            .args(["hub", "--listen", "127.0.0.1:0", "--insecure-fast-hashing", "--data-dir"])
            .arg(data.path().join("hub"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("FERRY_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("ferry hub starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        // Keep draining the hub's stdout so it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut banner = Vec::new();
        let login = loop {
            match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    if let Some(rest) = line.trim().strip_prefix("ferry login ") {
                        break rest.to_string();
                    }
                    banner.push(line);
                }
                Err(e) => {
                    let _ = child.kill();
                    panic!("the hub printed no login line ({e}): {banner:#?}");
                }
            }
        };
        // "ferry login <url> --token <token>"
        let (url, token) = login.split_once(" --token ").expect("login line shape");
        Hub { child, url: url.to_string(), token: token.to_string(), _data: data }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The CLI with a private config directory (not yet created) and a clean environment.
struct Cli {
    home: tempfile::TempDir,
}

impl Cli {
    fn new() -> Cli {
        Cli { home: tempfile::tempdir().unwrap() }
    }

    fn config_dir(&self) -> PathBuf {
        self.home.path().join("config")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(FERRY);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("FERRY_CONFIG_DIR", self.config_dir())
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("ferry runs")
    }

    fn run_with_stdin(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write as _;
        let mut child =
            self.command(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs a command that must succeed; returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "ferry {args:?} failed: {}", show(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command with `-o json`.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("ferry {all:?} printed no JSON ({e}): {text}"))
    }

    /// Runs a command that must fail with `code`; returns its stderr.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(code), "ferry {args:?}: {}", show(&out));
        String::from_utf8(out.stderr).unwrap()
    }
}

fn show(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The agent side, over HTTP like a real agent.
struct Agent {
    http: reqwest::Client,
    rt: tokio::runtime::Runtime,
    url: String,
    jwt: String,
}

impl Agent {
    fn login(url: &str, target: &str, secret: &str) -> Agent {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        // reqwest arms its timeout when the request is sent: inside the runtime.
        let body: Value = rt.block_on(async {
            let res =
                http.post(format!("{url}/api/v1/agent/login")).basic_auth(target, Some(secret)).send().await.unwrap();
            assert_eq!(res.status(), reqwest::StatusCode::OK);
            res.json().await.unwrap()
        });
        let jwt = body["token"].as_str().unwrap().to_string();
        Agent { http, rt, url: url.to_string(), jwt }
    }

    fn send(&self, method: reqwest::Method, path: &str, body: Value) -> reqwest::StatusCode {
        let req = self.http.request(method, format!("{}{path}", self.url)).bearer_auth(&self.jwt).json(&body);
        self.rt.block_on(async { req.send().await.unwrap().status() })
    }

    fn status(&self, revision: &str, kind: &str, message: &str) {
        let s = self.send(
            reqwest::Method::POST,
            "/api/v1/agent/status",
            json!({"revisionId": revision, "type": kind, "message": message}),
        );
        assert!(s.is_success(), "status report: {s}");
    }

    fn log(&self, deployment: &Value, body: &str) {
        let now = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap();
        let line = json!([{"deploymentId": deployment["id"], "deploymentRevisionId": deployment["revision"]["id"],
                           "resource": "web-1", "timestamp": now, "severity": "Log", "body": body}]);
        let s = self.send(reqwest::Method::PUT, "/api/v1/agent/logs", line);
        assert!(s.is_success(), "log upload: {s}");
    }
}

/// `key=value` of the connect URL in the printed connect command.
fn query_param(text: &str, key: &str) -> String {
    let start = text.find(&format!("{key}=")).unwrap_or_else(|| panic!("no {key} in {text}")) + key.len() + 1;
    text[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_vendor_ships_an_application_with_the_cli() {
    let hub = Hub::start();
    let cli = Cli::new();
    let files = tempfile::tempdir().unwrap();

    // Not logged in yet.
    let err = cli.fails(&["status"], 3);
    assert!(err.contains("ferry login"), "{err}");

    // A wrong token is refused and nothing is saved; the right one (from stdin) is.
    let err = cli.fails(&["login", &hub.url, "--token", "ferry_wrong"], 3);
    assert!(err.contains("error: ") && err.contains("invalid API token"), "{err}");
    assert!(!cli.config_dir().join("config.json").exists());
    let out = cli.run_with_stdin(&["login", &hub.url], &format!("{}\n", hub.token));
    assert!(out.status.success(), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("as admin@localhost"), "{}", show(&out));
    let config = cli.config_dir().join("config.json");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(saved, json!({"hubUrl": hub.url, "token": hub.token}));
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&config).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(cli.config_dir()).unwrap().permissions().mode() & 0o777, 0o700);
    }

    // Application and version.
    let out = cli.ok(&["app", "create", "web", "--type", "docker"]);
    assert!(out.contains("Created docker application web"), "{out}");
    let compose = write(files.path(), "compose.yaml", "services:\n  web:\n    image: nginx:1.27\n    env_file: .env\n");
    let env = write(files.path(), "env.template", "GREETING=hello\n");
    cli.ok(&["version", "add", "web", "1.0.0", "--compose", &compose, "--env-template", &env]);
    let versions = cli.json(&["version", "list", "web"]);
    assert_eq!(versions[0]["name"], "1.0.0");
    assert_eq!(versions[0]["envTemplate"], "GREETING=hello\n");
    let apps = cli.json(&["app", "list"]);
    assert_eq!((apps[0]["name"].as_str(), apps[0]["versions"].as_array().map(Vec::len)), (Some("web"), Some(1)));
    // The hub's validation comes back with its field.
    let bad = write(files.path(), "bad.yaml", "services:\n  web: [\n");
    let err = cli.fails(&["version", "add", "web", "2.0.0", "--compose", &bad], 1);
    assert!(err.starts_with("error: ") && err.contains("(field: composeFile)"), "{err}");

    // Target: the connect command is printed once and points at the hub.
    let out = cli.ok(&["target", "create", "edge-1", "--type", "docker"]);
    let command_lines: Vec<&str> = out.lines().filter(|l| l.contains("/api/v1/connect?")).collect();
    assert_eq!(command_lines.len(), 1, "{out}");
    assert!(command_lines[0].contains(&format!("{}/api/v1/connect?targetId=", hub.url)), "{out}");
    assert!(command_lines[0].contains("docker compose"), "{out}");
    assert_eq!(out.matches("targetSecret=").count(), 1, "{out}");
    assert!(out.contains("shown only now") && out.contains("ferry target reconnect edge-1"), "{out}");
    let target_id = query_param(command_lines[0], "targetId");
    let secret = query_param(command_lines[0], "targetSecret");
    assert!(cli.ok(&["target", "list"]).contains("never seen"));

    // Deploy twice: created, then a new revision.
    let out = cli.ok(&["deploy", "edge-1", "web", "1.0.0", "--registry-auth", "registry.example.com=ci:p:w"]);
    assert!(out.contains("Created deployment of web 1.0.0 on edge-1"), "{out}");
    let out = cli.ok(&["deploy", "edge-1", "web", "1.0.0", "--force-restart"]);
    assert!(out.contains("new revision"), "{out}");

    let table = cli.ok(&["status"]);
    let row = table.lines().find(|l| l.starts_with("edge-1   web")).unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains("1.0.0") && row.contains("No status") && row.contains("never"), "{row}");
    assert!(!table.contains('\x1b'), "no colour when stdout is not a terminal");
    let status = cli.json(&["status"]);
    assert_eq!(status["targets"][0]["name"], "edge-1");
    let deployment = status["deployments"][0].clone();
    assert_eq!(
        (deployment["state"].as_str(), deployment["applicationName"].as_str()),
        (Some("no-status"), Some("web"))
    );

    // The agent logs in, reports and ships a log line.
    let agent = Agent::login(&hub.url, &target_id, &secret);
    let revision = deployment["revision"]["id"].as_str().unwrap().to_string();
    agent.status(&revision, "progressing", "pulling nginx");
    agent.status(&revision, "healthy", "all 1 containers healthy");
    agent.log(&deployment, "hello from web");

    let table = cli.ok(&["status"]);
    let row = table.lines().find(|l| l.starts_with("edge-1   web")).unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains("Healthy") && row.contains("all 1 containers healthy"), "{row}");
    assert!(row.contains(&revision[..8]), "{row}");
    let target_row = table.lines().find(|l| l.starts_with("edge-1   docker")).unwrap_or_else(|| panic!("{table}"));
    assert!(target_row.contains("online"), "{target_row}");
    let one = cli.json(&["status", "edge-1"]);
    assert_eq!(
        (one["target"]["state"].as_str(), one["deployments"][0]["state"].as_str()),
        (Some("online"), Some("healthy"))
    );
    assert!(cli.ok(&["status", &target_id]).contains("Healthy"), "targets are found by id too");

    let logs = cli.ok(&["logs", "edge-1", "web"]);
    assert!(logs.lines().any(|l| l.ends_with(" web-1 hello from web")), "{logs}");
    let json_line: Value =
        serde_json::from_str(cli.ok(&["logs", "edge-1", "web", "--since", "10m", "-o", "json"]).trim()).unwrap();
    assert_eq!(json_line["body"], "hello from web");
    assert_eq!(cli.ok(&["logs", "edge-1", "web", "--resource", "db"]), "");
    // A deployment can also be named by its id or as TARGET/APP.
    let deployment_id = deployment["id"].as_str().unwrap();
    assert_eq!(cli.ok(&["logs", deployment_id]), logs);
    assert_eq!(cli.ok(&["logs", "edge-1/web"]), logs);
    cli.fails(&["logs", "just-a-name"], 2);

    let history = cli.ok(&["history", "edge-1", "web"]);
    let lines: Vec<&str> = history.lines().collect();
    assert!(lines[1].contains("Healthy") && lines[1].contains("1.0.0"), "{history}");
    assert!(lines[2].contains("Progressing") && lines[2].contains("pulling nginx"), "{history}");
    let page = cli.json(&["history", "edge-1", "web", "--limit", "1"]);
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
    let next = page["next"].as_str().unwrap();
    let older = cli.json(&["history", "edge-1", "web", "--limit", "1", "--before", next]);
    assert_eq!(older["items"][0]["message"], "pulling nginx");
    assert!(cli.ok(&["history", "edge-1", "web", "--limit", "1"]).contains(&format!("--before {next}")));

    // --follow shows a line that arrives after it started.
    let mut follow = cli
        .command(&["logs", "edge-1", "web", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = follow.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(30)).expect("follow prints the existing line");
    assert!(first.ends_with("hello from web"), "{first}");
    agent.log(&deployment, "a line written later");
    let later = rx.recv_timeout(Duration::from_secs(30)).expect("follow prints the new line");
    assert!(later.ends_with("a line written later"), "{later}");
    assert_eq!(follow.try_wait().unwrap(), None, "--follow keeps running");
    // Ctrl-C ends it cleanly.
    let interrupted = Command::new("kill").args(["-INT", &follow.id().to_string()]).status().unwrap();
    assert!(interrupted.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = follow.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            follow.kill().unwrap();
            panic!("--follow ignored SIGINT");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "--follow exits 0 on Ctrl-C: {status:?}");

    // Exit codes: 4 for unknown things, 2 for usage errors, 3 for a refused token.
    let err = cli.fails(&["target", "show", "nope"], 4);
    assert!(err.contains("no target named \"nope\""), "{err}");
    cli.fails(&["deploy", "edge-1", "web", "9.9.9"], 4);
    cli.fails(&["logs", "edge-1", "nope"], 4);
    cli.fails(&["app", "create", "x"], 2);
    cli.fails(&["logs", "edge-1", "web", "--since", "yesterday"], 2);
    cli.fails(&["deploy", "edge-1", "web", "1.0.0", "--registry-auth", "no-credentials"], 2);
    let mut wrong = cli.command(&["status"]);
    let out = wrong.env("FERRY_TOKEN", "ferry_revoked").output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hint: log in with `ferry login"), "{}", show(&out));

    // Secrets and agent versions.
    cli.ok(&["secret", "set", "DB_PASSWORD", "s3cret"]);
    let secret_file = write(files.path(), "token.txt", "from-a-file");
    cli.ok(&["secret", "set", "API_KEY", "--from-file", &secret_file]);
    let out = cli.run_with_stdin(&["secret", "set", "PIPED"], "piped\n");
    assert!(out.status.success(), "{}", show(&out));
    let mut keys: Vec<String> = cli
        .json(&["secret", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap().to_string())
        .collect();
    keys.sort();
    assert_eq!(keys, ["API_KEY", "DB_PASSWORD", "PIPED"]);
    assert!(!cli.ok(&["secret", "list"]).contains("s3cret"));
    cli.ok(&["secret", "delete", "PIPED"]);
    cli.ok(&["agent-version", "add", "99.0.0", "ferry-agent:99"]);
    assert!(cli.ok(&["agent-version", "list"]).contains("ferry-agent:99"));
    cli.ok(&["target", "update-agent", "edge-1", "99.0.0"]);
    assert_eq!(cli.json(&["target", "show", "edge-1"])["agentVersion"]["name"], "99.0.0");

    // Reconnect: the old secret stops working, the new one works.
    let out = cli.run(&["target", "reconnect", "edge-1"]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no longer works"), "{}", show(&out));
    let new_secret = query_param(&String::from_utf8_lossy(&out.stdout), "targetSecret");
    assert_ne!(new_secret, secret);
    Agent::login(&hub.url, &target_id, &new_secret);

    // Undeploy, then the target can go.
    let out = cli.ok(&["undeploy", "edge-1", "web", "--yes"]);
    assert!(out.contains("Undeployed web from edge-1"), "{out}");
    assert_eq!(cli.json(&["status"])["deployments"], json!([]));
    cli.fails(&["undeploy", "edge-1", "web", "--yes"], 4);
    cli.ok(&["target", "delete", "edge-1", "--yes"]);
    assert_eq!(cli.json(&["target", "list"]), json!([]));

    // Environment overrides work without a saved login; logout forgets it.
    assert!(cli.ok(&["logout"]).contains("Logged out"));
    assert!(!config.exists());
    cli.fails(&["app", "list"], 3);
    let out =
        cli.command(&["app", "list"]).env("FERRY_HUB_URL", &hub.url).env("FERRY_TOKEN", &hub.token).output().unwrap();
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("web"), "{}", show(&out));
}

#[test]
fn usage_errors_and_missing_login_need_no_hub() {
    let cli = Cli::new();
    cli.fails(&["target", "create", "x", "--type", "podman"], 2);
    cli.fails(&["version", "add", "web", "1.0.0"], 2);
    let both = ["--compose", "c.yaml", "--chart-type", "oci", "--chart-url", "oci://x/y", "--chart-version", "1"];
    cli.fails(&[&["version", "add", "web", "1.0.0"][..], &both].concat(), 2);
    cli.fails(&["version", "add", "web", "1.0.0", "--chart-type", "oci"], 2);
    cli.fails(&["history", "t", "a", "--limit", "0"], 2);
    let err = cli.fails(&["app", "list"], 3);
    assert!(err.contains("not logged in"), "{err}");
    // An unreachable hub is named in the error.
    let out =
        cli.command(&["status"]).env("FERRY_HUB_URL", "http://127.0.0.1:9").env("FERRY_TOKEN", "t").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("http://127.0.0.1:9/api/v1/"), "{}", show(&out));
    let help = cli.ok(&["deploy", "--help"]);
    assert!(help.contains("Examples:") && help.contains("--registry-auth <HOST=USER:PASSWORD>"), "{help}");
}
