//! Test harness: a real hub on 127.0.0.1:0 over SQLite, or over a real PostgreSQL server
//! started from the machine's PostgreSQL binaries (one server per test binary, one database
//! per test).

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use ferry_hub::clock::SystemClock;
use ferry_hub::crypto::HashCost;
use ferry_hub::server::{self, Config, RunningHub};
use ferry_hub::settings::Settings;
use ferry_hub::store::Retention;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

/// Which store a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestHub {
    pub running: Option<RunningHub>,
    pub url: String,
    pub token: String,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
    pub config: Config,
    pub backend: Backend,
}

/// The hub's log goes to the test's captured output, so a failure shows why.
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn,ferry_hub=info"))
        .with_test_writer()
        .try_init();
}

pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub fn http_client() -> reqwest::Client {
    install_crypto();
    reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("client")
}

pub fn config_for(dir: &Path, database_url: Option<String>) -> Config {
    Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.to_path_buf(),
        database_url,
        database_max_connections: 8,
        public_url: None,
        agent_image: "ferry-agent".into(),
        agent_tag: "test".into(),
        secret_key: None,
        hash_cost: HashCost::FAST,
        retention: Retention::DEFAULT,
        admin_email: "admin@example.com".into(),
        organization_name: "Acme".into(),
        settings: Settings::default(),
    }
}

impl TestHub {
    pub async fn start(backend: Backend) -> TestHub {
        Self::start_with(backend, |_| {}).await
    }

    pub async fn start_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestHub {
        init_logging();
        let dir = tempfile::tempdir().expect("tempdir");
        let database_url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(postgres_database().await),
        };
        let mut config = config_for(dir.path(), database_url);
        tweak(&mut config);
        let running = server::start(config.clone(), Arc::new(SystemClock)).await.expect("hub starts");
        let token = running.first_start.as_ref().expect("first start").token.clone();
        TestHub {
            url: format!("http://{}", running.addr),
            running: Some(running),
            token,
            http: http_client(),
            dir,
            config,
            backend,
        }
    }

    pub fn hub(&self) -> &ferry_hub::api::Hub {
        &self.running.as_ref().expect("running").hub
    }

    /// Stops the hub and starts it again on the same data (and port-independent URL).
    pub async fn restart(&mut self) -> Option<ferry_hub::server::FirstStart> {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        let running = server::start(self.config.clone(), Arc::new(SystemClock)).await.expect("hub restarts");
        self.url = format!("http://{}", running.addr);
        let first = running.first_start.clone();
        self.running = Some(running);
        first
    }

    pub fn api(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.url)).bearer_auth(&self.token)
    }

    pub async fn json(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.api(method, path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.json(method.clone(), path, body).await;
        assert!(status.is_success(), "{method} {path} -> {status}: {value}");
        value
    }

    pub async fn docker_app(&self, name: &str) -> (String, String) {
        let app = self.ok(Method::POST, "/api/v1/applications", Some(json!({"name": name, "type": "docker"}))).await;
        let app_id = app["id"].as_str().unwrap().to_string();
        let version = self
            .ok(
                Method::POST,
                &format!("/api/v1/applications/{app_id}/versions"),
                Some(json!({
                    "name": "1.0.0",
                    "composeFile": "services:\n  web:\n    image: nginx:1.27\n    env_file: .env\n",
                    "envTemplate": "GREETING=hello\n"
                })),
            )
            .await;
        (app_id, version["id"].as_str().unwrap().to_string())
    }

    pub async fn target(&self, name: &str, kind: &str) -> String {
        let mut body = json!({"name": name, "type": kind});
        if kind == "kubernetes" {
            body["namespace"] = json!("apps");
        }
        let t = self.ok(Method::POST, "/api/v1/targets", Some(body)).await;
        t["id"].as_str().unwrap().to_string()
    }

    pub async fn access(&self, target: &str) -> Value {
        self.ok(Method::POST, &format!("/api/v1/targets/{target}/access"), None).await
    }

    /// A target with a secret, logged in: (target id, secret, jwt).
    pub async fn agent(&self, name: &str) -> (String, String, String) {
        let target = self.target(name, "docker").await;
        let access = self.access(&target).await;
        let secret = access["targetSecret"].as_str().unwrap().to_string();
        let jwt = self.login(&target, &secret).await.expect("login");
        (target, secret, jwt)
    }

    pub async fn login(&self, target: &str, secret: &str) -> Result<String, (StatusCode, String)> {
        let res = self
            .http
            .post(format!("{}/api/v1/agent/login", self.url))
            .basic_auth(target, Some(secret))
            .header("User-Agent", "FerryAgent/9.9.9")
            .send()
            .await
            .expect("login request");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        if status != StatusCode::OK {
            return Err((status, text));
        }
        let v: Value = serde_json::from_str(&text).expect("login json");
        Ok(v["token"].as_str().unwrap().to_string())
    }

    pub fn agent_req(&self, method: Method, path: &str, jwt: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(jwt)
            .header("User-Agent", "FerryAgent/9.9.9")
    }

    pub async fn deploy(&self, target: &str, version: &str, extra: Value) -> Value {
        let mut body = json!({"targetId": target, "applicationVersionId": version});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        self.ok(Method::POST, "/api/v1/deployments", Some(body)).await
    }

    pub async fn resources(&self, jwt: &str) -> Value {
        let res = self.agent_req(Method::GET, "/api/v1/agent/resources", jwt).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}

// --- PostgreSQL -----------------------------------------------------------------------------

struct PgServer {
    port: u16,
    _dir: PathBuf,
}

static PG: OnceLock<Result<PgServer, String>> = OnceLock::new();

fn pg_bindir() -> Option<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return Some(dir);
        }
    }
    for v in ["17", "16", "15", "14"] {
        let dir = PathBuf::from(format!("/usr/lib/postgresql/{v}/bin"));
        if dir.join("initdb").exists() {
            return Some(dir);
        }
    }
    None
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Runs a PostgreSQL binary, as `nobody` when we are root (PostgreSQL refuses root).
fn pg_command(bin: &Path, pdeathsig: bool) -> Command {
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        if pdeathsig {
            c.arg("--pdeathsig=INT");
        }
        c.arg("--").arg(bin);
        c
    } else {
        Command::new(bin)
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_pg() -> Result<PgServer, String> {
    let Some(bindir) = pg_bindir() else {
        return Err("PostgreSQL binaries (initdb, postgres) not found; install postgresql-15".into());
    };
    let dir = std::env::temp_dir().join(format!("ferry-pg-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    if is_root() {
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).map_err(|e| e.to_string())?;
    }
    let data = dir.join("data");
    let out = pg_command(&bindir.join("initdb"), false)
        .args(["-D", data.to_str().unwrap(), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"])
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let port = free_port();
    let log = dir.join("postgres.log");
    let (tx, rx) = std::sync::mpsc::channel();
    let bin = bindir.join("postgres");
    let data2 = data.clone();
    let dir2 = dir.clone();
    // The server is spawned from a thread that never ends, so the parent-death signal fires
    // only when the test process exits, never when one test's thread does.
    std::thread::spawn(move || {
        let log_file = std::fs::File::create(&log).ok();
        let child = pg_command(&bin, true)
            .args(["-D", data2.to_str().unwrap(), "-p", &port.to_string(), "-k", dir2.to_str().unwrap()])
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=400"])
            .stdout(Stdio::null())
            .stderr(log_file.map(Stdio::from).unwrap_or(Stdio::null()))
            .spawn();
        let _ = tx.send(child.map(|_| ()).map_err(|e| e.to_string()));
        loop {
            std::thread::park();
        }
    });
    rx.recv().map_err(|e| e.to_string())??;
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("postgres.log")).unwrap_or_default();
            return Err(format!("PostgreSQL did not start: {log}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(PgServer { port, _dir: dir })
}

/// A fresh database on the shared test server; its URL.
pub async fn postgres_database() -> String {
    let server = match PG.get_or_init(start_pg) {
        Ok(s) => s,
        Err(e) => panic!("PostgreSQL is required for the PostgreSQL test suite: {e}"),
    };
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let admin = format!("postgres://postgres@127.0.0.1:{}/postgres", server.port);
    sqlx::any::install_default_drivers();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match sqlx::AnyPool::connect(&admin).await {
            Ok(pool) => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&pool)
                    .await
                    .expect("create database");
                pool.close().await;
                break;
            }
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot connect to the test PostgreSQL: {e}"),
        }
    }
    format!("postgres://postgres@127.0.0.1:{}/{name}", server.port)
}
