//! The web UI in headless Chromium, driven over WebDriver (chromedriver, started by the test)
//! against a real hub on SQLite, with an agent simulated over HTTP. Every page visited is
//! saved as a PNG under `<target dir>/ui-screenshots/` for a person to look at.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the tests skip with a
//! message, except under `CI=true`, where that is a failure.

mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::Method;
use serde_json::{Value, json};
use support::{Backend, TestHub};

/// Chromium is heavy on a small machine: one browser test at a time.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const PASSWORD: &str = "a long enough password";
const WAIT: Duration = Duration::from_secs(20);

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file()))
}

/// chromedriver and chromium, or `None` (skip) outside CI.
fn browser_programs() -> Option<(PathBuf, PathBuf)> {
    let driver = find_program(&["chromedriver"]);
    let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]);
    match (driver, chromium) {
        (Some(d), Some(c)) => Some((d, c)),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("chromium and chromedriver are required on CI: apt-get install -y chromium chromium-driver")
        }
        _ => {
            eprintln!(
                "skipping browser test: install chromium and chromium-driver (apt-get install -y chromium chromium-driver)"
            );
            None
        }
    }
}

/// A chromedriver process on a free port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start(program: &Path) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }

    /// A headless browser; `phone` makes it a 390 px wide touch screen (Chrome's window
    /// cannot be that narrow, so the viewport is emulated).
    async fn browser(&self, chromium: &Path, phone: bool) -> Client {
        let (width, height) = if phone { (390, 844) } else { (1280, 900) };
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--hide-scrollbars", format!("--window-size={width},{height}")],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("WebDriver session");
        if phone {
            let metrics = json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": true});
            cdp(&client, "Emulation.setDeviceMetricsOverride", metrics).await;
        }
        client
    }
}

/// A Chrome DevTools command through chromedriver.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(json!({"cmd": self.cmd, "params": self.params}).to_string()))
    }
}

async fn cdp(c: &Client, cmd: &'static str, params: Value) -> Value {
    c.issue_cmd(Cdp { cmd, params }).await.unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

/// Saves numbered screenshots of every page a test visits.
struct Camera {
    dir: PathBuf,
    count: usize,
}

impl Camera {
    fn new(test: &str) -> Camera {
        // CARGO_TARGET_TMPDIR is <target>/tmp; the pictures go beside it.
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().to_path_buf();
        let dir = target.join("ui-screenshots").join(test);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Camera { dir, count: 0 }
    }

    /// A screenshot of the whole page, not just the part in the window.
    async fn shot(&mut self, c: &Client, name: &str) {
        self.count += 1;
        let shot = cdp(c, "Page.captureScreenshot", json!({"format": "png", "captureBeyondViewport": true})).await;
        let png = base64_decode(shot["data"].as_str().expect("screenshot data"));
        std::fs::write(self.dir.join(format!("{:02}-{name}.png", self.count)), png).unwrap();
    }
}

async fn find(c: &Client, css: &str) -> Element {
    c.wait().at_most(WAIT).for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"))
}

async fn text(c: &Client, css: &str) -> String {
    find(c, css).await.text().await.unwrap()
}

async fn fill(c: &Client, css: &str, value: &str) {
    let el = find(c, css).await;
    el.clear().await.unwrap();
    el.send_keys(value).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    find(c, css).await.click().await.unwrap();
}

/// Waits until `css` matches and its text contains `wanted`.
async fn wait_text(c: &Client, css: &str, wanted: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let now = match c.find(Locator::Css(css)).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if now.contains(wanted) {
            return;
        }
        assert!(Instant::now() < deadline, "{css}: wanted {wanted:?}, have {now:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn path(c: &Client) -> String {
    c.current_url().await.unwrap().path().to_string()
}

/// Marks the page so a later check can tell it was not reloaded.
async fn mark_page(c: &Client) {
    c.execute("window.__ferryNoReload = true", vec![]).await.unwrap();
}

async fn assert_not_reloaded(c: &Client) {
    let marked = c.execute("return window.__ferryNoReload === true", vec![]).await.unwrap();
    assert_eq!(marked, Value::Bool(true), "the page was reloaded; it should have updated in place");
}

/// An agent simulated over HTTP, as PROTOCOL.md describes it.
struct Agent<'a> {
    hub: &'a TestHub,
    jwt: String,
}

impl Agent<'_> {
    async fn send(&self, method: Method, path: &str, body: Value) {
        let res = self.hub.agent_req(method, path, &self.jwt).json(&body).send().await.unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
    }

    async fn status(&self, revision: &str, kind: &str, message: &str) {
        self.send(
            Method::POST,
            "/api/v1/agent/status",
            json!({"revisionId": revision, "type": kind, "message": message}),
        )
        .await;
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendor_journey_in_a_browser() {
    let Some((driver_bin, chromium)) = browser_programs() else { return };
    let _one = ONE_BROWSER.lock().await;
    let hub = TestHub::start(Backend::Sqlite).await;
    let driver = Driver::start(&driver_bin);
    let c = driver.browser(&chromium, false).await;
    let mut cam = Camera::new("journey");
    let url = |p: &str| format!("{}{p}", hub.url);

    // First run: the hub sends a fresh visitor to the first-run page, which wants the token.
    c.goto(&url("/")).await.unwrap();
    assert_eq!(path(&c).await, "/setup");
    cam.shot(&c, "setup").await;
    fill(&c, "#setup-token", "ferry_not_the_token").await;
    fill(&c, "#setup-password", PASSWORD).await;
    fill(&c, "#setup-confirm", PASSWORD).await;
    click(&c, "form[action='/setup'] button[type=submit]").await;
    wait_text(&c, "#setup-token-error", "not an API token of this hub").await;
    assert_eq!(find(&c, "#setup-token").await.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    cam.shot(&c, "setup-wrong-token").await;
    fill(&c, "#setup-token", &hub.token).await;
    fill(&c, "#setup-password", PASSWORD).await;
    fill(&c, "#setup-confirm", PASSWORD).await;
    click(&c, "form[action='/setup'] button[type=submit]").await;
    wait_text(&c, ".alert-success", "Password set").await;
    wait_text(&c, ".empty-state", "Create your first target").await;
    cam.shot(&c, "overview-empty").await;

    // Log out, then a wrong password is refused and the right one lets us in.
    click(&c, "form[action='/logout'] button").await;
    wait_text(&c, ".alert-success", "You have logged out.").await;
    fill(&c, "#login-email", "admin@example.com").await;
    fill(&c, "#login-password", "not my password").await;
    click(&c, "form[action='/login'] button[type=submit]").await;
    wait_text(&c, "#login-password-error", "Wrong email or password.").await;
    cam.shot(&c, "login-wrong-password").await;
    fill(&c, "#login-password", PASSWORD).await;
    click(&c, "form[action='/login'] button[type=submit]").await;
    wait_text(&c, "h1", "Overview").await;

    // An application, then a version: first a refused compose file, then one loaded from a file.
    click(&c, "nav.main-nav a[href='/applications']").await;
    wait_text(&c, ".empty-state", "Create your first application").await;
    cam.shot(&c, "applications-empty").await;
    fill(&c, "#app-name", "shop").await;
    click(&c, "#app-type-docker").await;
    click(&c, "form[action='/applications'] button[type=submit]").await;
    wait_text(&c, ".alert-success", "Application shop created").await;
    fill(&c, "#version-name", "1.0.0").await;
    fill(&c, "#version-composeFile", "services:\n  web:\n    build: .\n").await;
    click(&c, "#new-version button[type=submit]").await;
    wait_text(&c, "#version-composeFile-error", "has no `image`").await;
    assert_eq!(find(&c, "#version-composeFile").await.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    cam.shot(&c, "version-invalid").await;
    let compose = hub.dir.path().join("compose.yaml");
    std::fs::write(&compose, "services:\n  web:\n    image: nginx:1.27\n    env_file: .env\n").unwrap();
    find(&c, "#version-composeFile-file").await.send_keys(compose.to_str().unwrap()).await.unwrap();
    let deadline = Instant::now() + WAIT;
    while !find(&c, "#version-composeFile")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
        .contains("nginx:1.27")
    {
        assert!(Instant::now() < deadline, "the compose file was not loaded into the textarea");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    fill(&c, "#version-envTemplate", "GREETING=hello").await;
    click(&c, "#new-version button[type=submit]").await;
    wait_text(&c, ".alert-success", "Version 1.0.0 added").await;
    cam.shot(&c, "application").await;

    // A secret.
    click(&c, "nav.main-nav a[href='/secrets']").await;
    fill(&c, "#secret-key", "DB_PASSWORD").await;
    fill(&c, "#secret-value", "s3cret-value").await;
    click(&c, "form[action='/secrets'] button[type=submit]").await;
    wait_text(&c, ".alert-success", "Secret DB_PASSWORD saved").await;
    assert!(!c.source().await.unwrap().contains("s3cret-value"), "values are never shown");
    cam.shot(&c, "secrets").await;

    // A target: the connect command appears once.
    c.goto(&url("/targets/new")).await.unwrap();
    assert!(
        find(&c, ".kube-only").await.attr("hidden").await.unwrap().is_some(),
        "kubernetes fields hidden for docker"
    );
    cam.shot(&c, "target-new").await;
    fill(&c, "#target-name", "edge-1").await;
    click(&c, "form[action='/targets'] button[type=submit]").await;
    let command = text(&c, "#connect-command").await;
    assert!(command.contains("docker compose -p ferry -f - up -d"), "{command}");
    cam.shot(&c, "target-connect-once").await;
    let target_path = path(&c).await;
    let target_id = target_path.trim_start_matches("/targets/").to_string();
    let secret = command.split("targetSecret=").nth(1).unwrap()[..32].to_string();
    c.refresh().await.unwrap();
    wait_text(&c, "#agent-title", "Agent").await;
    assert!(c.find(Locator::Css("#connect-command")).await.is_err(), "the command is gone on reload");
    assert!(!c.source().await.unwrap().contains(&secret));
    assert!(text(&c, "[data-live='target-state']").await.contains("Never seen"));
    cam.shot(&c, "target-after-reload").await;

    // Deploy from the target page.
    find(&c, "#deploy-applicationVersionId").await.select_by_label("shop 1.0.0").await.unwrap();
    fill(&c, "#deploy-envFile", "GREETING=hello\nDB_PASSWORD={{ .Secrets.DB_PASSWORD }}").await;
    click(&c, "form[action$='/deploy'] button[type=submit]").await;
    wait_text(&c, ".alert-success", "Deployed shop 1.0.0 to edge-1").await;
    let deployment_id = path(&c).await.trim_start_matches("/deployments/").to_string();
    wait_text(&c, ".page-head .badge", "No status").await;
    cam.shot(&c, "deployment-new").await;
    let deployments = hub.ok(Method::GET, "/api/v1/deployments", None).await;
    let revision = deployments[0]["revision"]["id"].as_str().unwrap().to_string();

    // The agent connects and reports; the overview changes colour without a reload.
    c.goto(&url("/")).await.unwrap();
    let dot = format!("[data-target-id='{target_id}'] [data-live='target-state']");
    let badge = format!("[data-deployment-id='{deployment_id}'] .badge");
    assert!(find(&c, &dot).await.attr("class").await.unwrap().unwrap().contains("never-seen"));
    mark_page(&c).await;
    let jwt = hub.login(&target_id, &secret).await.expect("agent login");
    let agent = Agent { hub: &hub, jwt };
    let resources = hub.resources(&agent.jwt).await;
    let env = String::from_utf8(base64_decode(resources["deployments"][0]["envFile"].as_str().unwrap())).unwrap();
    assert!(env.contains("DB_PASSWORD=s3cret-value"), "the hub resolved the secret: {env}");
    agent.status(&revision, "progressing", "pulling nginx:1.27").await;
    find(&c, &format!("{dot}.online")).await;
    wait_text(&c, &dot, "Online").await;
    find(&c, &format!("{badge}.progressing")).await;
    wait_text(&c, &badge, "Progressing").await;
    cam.shot(&c, "overview-progressing").await;
    agent.status(&revision, "healthy", "1/1 containers healthy").await;
    find(&c, &format!("{badge}.healthy")).await;
    wait_text(&c, &badge, "Healthy").await;
    wait_text(&c, &format!("[data-deployment-id='{deployment_id}'] .status-message"), "1/1 containers healthy").await;
    assert_not_reloaded(&c).await;
    cam.shot(&c, "overview-healthy").await;

    // On the deployment page: running, then error, live; logs appear live and filter by resource.
    c.goto(&url(&format!("/deployments/{deployment_id}"))).await.unwrap();
    mark_page(&c).await;
    agent.status(&revision, "running", "1 running, no health check").await;
    find(&c, ".page-head .badge.running").await;
    wait_text(&c, ".page-head .badge", "Running").await;
    let lines = |resource: &str, body: &str| {
        json!({"deploymentId": deployment_id, "deploymentRevisionId": revision, "resource": resource,
               "timestamp": now_rfc3339(), "severity": "Log", "body": body})
    };
    agent
        .send(
            Method::PUT,
            "/api/v1/agent/logs",
            json!([lines("web", "GET / 200"), lines("db", "ready to accept connections")]),
        )
        .await;
    wait_text(&c, "#logs .log", "GET / 200").await;
    wait_text(&c, "#logs .log", "ready to accept connections").await;
    agent
        .send(
            Method::PUT,
            "/api/v1/agent/logs",
            json!([{"deploymentId": deployment_id, "deploymentRevisionId": revision,
        "resource": "web", "timestamp": now_rfc3339(), "severity": "Err", "body": "upstream timed out"}]),
        )
        .await;
    wait_text(&c, "#logs .log-line.sev-err", "upstream timed out").await;
    agent.status(&revision, "error", "container web exited with code 1").await;
    find(&c, ".page-head .badge.error").await;
    wait_text(&c, ".page-head .status-message", "exited with code 1").await;
    assert_not_reloaded(&c).await;
    cam.shot(&c, "deployment-live").await;
    find(&c, "#log-resource").await.select_by_value("db").await.unwrap();
    wait_text(&c, "#log-resource option:checked", "db").await;
    let log = text(&c, "#logs .log").await;
    assert!(log.contains("ready to accept connections") && !log.contains("GET / 200"), "{log}");
    agent
        .send(Method::PUT, "/api/v1/agent/logs", json!([lines("web", "web line"), lines("db", "db checkpoint")]))
        .await;
    wait_text(&c, "#logs .log", "db checkpoint").await;
    assert!(!text(&c, "#logs .log").await.contains("web line"), "the filter holds for live lines");
    cam.shot(&c, "deployment-log-filter").await;

    // Redeploy with a changed env file.
    fill(&c, "#redeploy-envFile", "GREETING=hi there").await;
    click(&c, "form[action$='/redeploy'] button[type=submit]").await;
    wait_text(&c, ".alert-success", "Redeployed shop 1.0.0").await;
    wait_text(&c, "table", "#2").await;
    let resources = hub.resources(&agent.jwt).await;
    let env = String::from_utf8(base64_decode(resources["deployments"][0]["envFile"].as_str().unwrap())).unwrap();
    assert_eq!(env, "GREETING=hi there");
    cam.shot(&c, "deployment-redeployed").await;

    // Metrics and the agent's own log on the target page.
    for (cpu, mem) in [(0.12, 0.40), (0.35, 0.42), (0.22, 0.45)] {
        agent
            .send(
                Method::POST,
                "/api/v1/agent/metrics",
                json!({"cpuCoresMillis": 4000, "cpuUsage": cpu, "memoryBytes": 8_589_934_592u64,
                "memoryUsage": mem, "diskMetrics": [{"device": "/dev/sda1", "path": "/", "fsType": "ext4",
                "bytesTotal": 107_374_182_400u64, "bytesUsed": 42_949_672_960u64}]}),
            )
            .await;
    }
    // Six hours of history before that, every five minutes, so the charts have lines to draw.
    let now = time::OffsetDateTime::now_utc();
    for i in 1..=72i64 {
        let wave = ((i as f64) / 6.0).sin();
        let report = ferry_proto::agent::MetricsReport {
            cpu_cores_millis: 4000,
            cpu_usage: 0.3 + 0.2 * wave,
            memory_bytes: 8_589_934_592,
            memory_usage: 0.4 + 0.05 * wave,
            disk_metrics: vec![ferry_proto::agent::DiskMetric {
                device: "/dev/sda1".into(),
                path: "/".into(),
                fs_type: "ext4".into(),
                bytes_total: 107_374_182_400,
                bytes_used: 40_000_000_000 + 30_000_000 * (72 - i) as u64,
            }],
        };
        let target_uuid = target_id.parse().unwrap();
        hub.hub().store.insert_metrics(target_uuid, now - time::Duration::minutes(5 * i), &report).await.unwrap();
    }
    c.goto(&url(&target_path)).await.unwrap();
    mark_page(&c).await;
    assert_eq!(c.find_all(Locator::Css("#metrics svg polyline")).await.unwrap().len(), 3, "CPU, memory and disk lines");
    wait_text(&c, "#metrics .stats", "of 4.0 cores").await;
    agent
        .send(
            Method::PUT,
            "/api/v1/agent/deployment-target-logs",
            json!([{"timestamp": now_rfc3339(), "severity": "INFO",
        "body": "applied deployment shop"}]),
        )
        .await;
    wait_text(&c, "#agent-log .log", "applied deployment shop").await;
    assert_not_reloaded(&c).await;
    wait_text(&c, "[data-live='reported-version']", "9.9.9").await;
    cam.shot(&c, "target-live").await;

    // Update the agent: choose another registered version.
    hub.ok(Method::POST, "/api/v1/agent-versions", Some(json!({"name": "0.2.0", "image": "ferry-agent:0.2.0"}))).await;
    c.refresh().await.unwrap();
    find(&c, "#agent-version").await.select_by_label("0.2.0 (ferry-agent:0.2.0)").await.unwrap();
    click(&c, "form[action$='/agent-version'] button[type=submit]").await;
    wait_text(&c, ".alert-success", "Agent version set to 0.2.0").await;
    assert_eq!(hub.resources(&agent.jwt).await["version"]["name"], "0.2.0", "the agent is told to update itself");
    cam.shot(&c, "target-agent-update").await;

    // Keyboard: the first Tab reaches the skip link.
    find(&c, "body").await.send_keys(&Key::Tab).await.unwrap();
    let active = c.active_element().await.unwrap();
    assert_eq!(active.text().await.unwrap(), "Skip to content");

    // Undeploy, behind a confirmation.
    c.goto(&url(&format!("/deployments/{deployment_id}"))).await.unwrap();
    click(&c, ".danger-zone summary").await;
    cam.shot(&c, "undeploy-confirm").await;
    click(&c, "form[action$='/undeploy'] button").await;
    wait_text(&c, ".alert-success", "Undeployed shop from edge-1").await;
    assert_eq!(path(&c).await, target_path);
    wait_text(&c, "#deployments-title + p", "Nothing is deployed here yet.").await;
    assert!(hub.resources(&agent.jwt).await.get("deployments").is_none(), "gone from the desired state");
    cam.shot(&c, "target-undeployed").await;

    c.close().await.unwrap();
    drop(driver);
    hub.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_fit_a_phone_and_fail_kindly() {
    let Some((driver_bin, chromium)) = browser_programs() else { return };
    let _one = ONE_BROWSER.lock().await;
    let hub = TestHub::start(Backend::Sqlite).await;
    // Something on every page: an application with a version, a deployed target with a status.
    let (_, version) = hub.docker_app("shop").await;
    let (target, _secret, jwt) = hub.agent("acme-production-eu-west").await;
    let deployment = hub.deploy(&target, &version, json!({})).await;
    let revision = deployment["revision"]["id"].as_str().unwrap();
    let res = hub
        .agent_req(Method::POST, "/api/v1/agent/status", &jwt)
        .json(&json!({"revisionId": revision, "type": "healthy", "message": "all 3 containers healthy"}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    hub.ok(Method::PUT, "/api/v1/secrets/API_KEY", Some(json!({"value": "x"}))).await;
    let kube =
        hub.ok(Method::POST, "/api/v1/applications", Some(json!({"name": "charts", "type": "kubernetes"}))).await;
    let kube_id = kube["id"].as_str().unwrap();

    let driver = Driver::start(&driver_bin);
    let c = driver.browser(&chromium, true).await;
    let mut cam = Camera::new("phone");
    let url = |p: &str| format!("{}{p}", hub.url);

    c.goto(&url("/setup")).await.unwrap();
    fill(&c, "#setup-token", &hub.token).await;
    fill(&c, "#setup-password", PASSWORD).await;
    fill(&c, "#setup-confirm", PASSWORD).await;
    click(&c, "form[action='/setup'] button[type=submit]").await;
    wait_text(&c, "h1", "Overview").await;

    let deployment_id = deployment["id"].as_str().unwrap();
    for (page, name) in [
        ("/".to_string(), "overview"),
        (format!("/targets/{target}"), "target"),
        (format!("/deployments/{deployment_id}"), "deployment"),
        ("/applications".to_string(), "applications"),
        (format!("/applications/{}", deployment["applicationId"].as_str().unwrap()), "application"),
        (format!("/applications/{kube_id}"), "application-kubernetes"),
        ("/secrets".to_string(), "secrets"),
        ("/targets/new".to_string(), "target-new"),
        ("/does/not/exist".to_string(), "not-found"),
    ] {
        c.goto(&url(&page)).await.unwrap();
        find(&c, "h1").await;
        let overflow = c
            .execute("return document.documentElement.scrollWidth - window.innerWidth", vec![])
            .await
            .unwrap()
            .as_i64()
            .unwrap();
        cam.shot(&c, name).await;
        assert!(overflow <= 0, "{page} is {overflow}px wider than a phone");
    }
    wait_text(&c, "h1", "Page not found").await;
    assert!(text(&c, ".error-page").await.contains("Go to the overview"));

    // The overview shows the state in words as well as colour.
    c.goto(&url("/")).await.unwrap();
    wait_text(&c, ".deployment-row .badge.healthy", "Healthy").await;
    wait_text(&c, ".target-card .target-state.online", "Online").await;

    // Kubernetes fields appear when Kubernetes is chosen; the API's refusal lands on the field.
    c.goto(&url("/targets/new")).await.unwrap();
    click(&c, "label[for='target-type-kubernetes']").await;
    let kube_fields = find(&c, ".kube-only").await;
    assert!(kube_fields.attr("hidden").await.unwrap().is_none(), "shown for kubernetes");
    fill(&c, "#target-name", "cluster-1").await;
    fill(&c, "#target-namespace", "Not_A_Label").await;
    click(&c, "form[action='/targets'] button[type=submit]").await;
    wait_text(&c, "#target-namespace-error", "not a valid DNS label").await;
    assert_eq!(find(&c, "#target-namespace").await.prop("value").await.unwrap().as_deref(), Some("Not_A_Label"));
    cam.shot(&c, "target-new-invalid").await;
    fill(&c, "#target-namespace", "apps").await;
    click(&c, "#target-scope-cluster").await;
    click(&c, "form[action='/targets'] button[type=submit]").await;
    wait_text(&c, "#connect-command", "kubectl apply -n apps -f").await;
    cam.shot(&c, "target-kubernetes-connect").await;

    c.close().await.unwrap();
    drop(driver);
    hub.stop().await;
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).unwrap()
}
