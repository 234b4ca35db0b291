//! The web UI over plain HTTP (no browser), on SQLite and on PostgreSQL: sessions, cookies,
//! CSRF, the first-run token check, and that pages need a session.

mod support;

use std::collections::HashMap;
use std::sync::Arc;

use ferry_hub::clock::{Clock, ManualClock};
use ferry_hub::server::{self, Config, RunningHub};
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use support::Backend;
use time::OffsetDateTime;

macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::Postgres).await
                }
            )*
        }
    };
}

on_both_stores!(
    pages_need_a_session,
    first_run_needs_the_console_token,
    login_refuses_wrong_passwords_and_limits_attempts,
    every_form_needs_its_csrf_token,
    sessions_expire_and_end_at_logout,
    cookies_are_secure_behind_https,
    forms_show_api_errors_and_the_connect_command_once,
    secrets_are_added_rotated_and_deleted,
    deletes_and_archives_say_what_blocks_them,
);

/// A hub on a clock the test moves.
struct Hub {
    running: Option<RunningHub>,
    clock: Arc<ManualClock>,
    url: String,
    token: String,
    _dir: tempfile::TempDir,
}

impl Hub {
    async fn start(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Hub {
        support::init_logging();
        let dir = tempfile::tempdir().unwrap();
        let database_url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(support::postgres_database().await),
        };
        let mut config = support::config_for(dir.path(), database_url);
        tweak(&mut config);
        let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
        let running = server::start(config, clock.clone()).await.expect("hub starts");
        let token = running.first_start.as_ref().expect("first start").token.clone();
        Hub { url: format!("http://{}", running.addr), running: Some(running), clock, token, _dir: dir }
    }

    fn store(&self) -> &dyn ferry_hub::store::Store {
        self.running.as_ref().unwrap().hub.store.as_ref()
    }

    fn browser(&self) -> Browser {
        support::install_crypto();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { http, url: self.url.clone(), cookies: HashMap::new() }
    }

    /// A browser logged in as the admin (the password set through the first-run page).
    async fn logged_in(&self) -> Browser {
        let mut b = self.browser();
        let page = b.get("/setup").await;
        let csrf = csrf_of(&page.text);
        let res = b
            .post("/setup", &[("_csrf", &csrf), ("token", &self.token), ("password", PASSWORD), ("confirm", PASSWORD)])
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        b
    }

    async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}

const PASSWORD: &str = "correct horse battery";

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().into_iter().find(|c| c.starts_with(&format!("{name}=")))
    }
}

/// A cookie-keeping HTTP client that does not follow redirects.
struct Browser {
    http: reqwest::Client,
    url: String,
    cookies: HashMap<String, String>,
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let res = req.header("Cookie", self.cookie_header()).send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let page = Page { status, headers, text };
        for c in page.set_cookies() {
            let pair = c.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() || c.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
        page
    }

    async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.url));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self.http.request(Method::POST, format!("{}{path}", self.url));
        self.send(with_form(req, form)).await
    }

    /// Loads `page_path`, then posts `form` to `action` with that page's CSRF token.
    async fn submit(&mut self, page_path: &str, action: &str, form: &[(&str, &str)]) -> Page {
        let page = self.get(page_path).await;
        assert_eq!(page.status, StatusCode::OK, "{page_path}: {}", page.text);
        let csrf = csrf_of(&page.text);
        let mut fields: Vec<(&str, &str)> = vec![("_csrf", &csrf)];
        fields.extend_from_slice(form);
        self.post(action, &fields).await
    }
}

fn with_form(req: reqwest::RequestBuilder, form: &[(&str, &str)]) -> reqwest::RequestBuilder {
    req.header("Content-Type", "application/x-www-form-urlencoded").body(serde_urlencoded::to_string(form).unwrap())
}

fn csrf_of(html: &str) -> String {
    let marker = r#"name="_csrf" value=""#;
    let start = html.find(marker).map(|i| i + marker.len()).expect("page has a CSRF field");
    html[start..].split('"').next().unwrap().to_string()
}

async fn pages_need_a_session(backend: Backend) {
    let hub = Hub::start(backend, |_| {}).await;
    let mut b = hub.browser();
    let id = uuid::Uuid::new_v4();
    for path in
        ["/", "/applications", "/secrets", "/targets/new", &format!("/targets/{id}"), &format!("/deployments/{id}")]
    {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert!(page.location().starts_with("/login"), "{path} -> {}", page.location());
    }
    assert_eq!(b.get("/targets/new").await.location(), "/login?next=/targets/new");
    let live = b.get("/ui/live/state").await;
    assert_eq!(live.status, StatusCode::UNAUTHORIZED);
    assert!(live.text.contains("session has ended"));
    assert_eq!(b.get(&format!("/ui/live/deployments/{id}/logs")).await.status, StatusCode::UNAUTHORIZED);
    // A form posted without a session changes nothing.
    let res = b.post("/applications", &[("name", "sneaky"), ("type", "docker")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().starts_with("/login"));
    let org =
        hub.store().token_owner(&ferry_hub::crypto::token_digest(&hub.token)).await.unwrap().unwrap().organization_id;
    assert!(hub.store().applications(org).await.unwrap().is_empty());
    // Until a password exists, the login page sends people to the first-run page.
    assert_eq!(b.get("/login").await.location(), "/setup");
    // Unknown pages get the HTML 404 page; unknown API routes keep their JSON error.
    let missing = b.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text.contains("Page not found"), "{}", missing.text);
    assert!(missing.headers.get("content-security-policy").is_some());
    let api = b.get("/api/v1/nope").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.text.starts_with("{\"error\""), "{}", api.text);
    // Assets are served from the binary.
    let css = b.get("/assets/app.css?v=1").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/css"));
    assert_eq!(b.get("/favicon.ico").await.headers.get("content-type").unwrap(), "image/svg+xml");
    hub.stop().await;
}

async fn first_run_needs_the_console_token(backend: Backend) {
    let hub = Hub::start(backend, |_| {}).await;
    let mut b = hub.browser();
    let page = b.get("/setup").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("API token"), "{}", page.text);
    let csrf = csrf_of(&page.text);

    // Whoever reaches the hub first cannot claim the admin without the console's token.
    for token in ["", "ferry_000000000000000000000000000000000000000000000000", "guess"] {
        let res = b
            .post("/setup", &[("_csrf", &csrf), ("token", token), ("password", PASSWORD), ("confirm", PASSWORD)])
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{token}");
        assert!(res.text.contains("not an API token of this hub"), "{}", res.text);
        assert!(
            res.text.contains(r#"id="setup-token" name="token" type="password" value="""#),
            "never echoed: {}",
            res.text
        );
        assert!(res.cookie("ferry_session").is_none());
    }
    assert!(!hub.store().any_password().await.unwrap(), "no password was set");

    // The right token with a weak or mistyped password is refused, naming the field.
    let res =
        b.post("/setup", &[("_csrf", &csrf), ("token", &hub.token), ("password", "short"), ("confirm", "short")]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.text.contains("at least 10 characters"), "{}", res.text);
    let res = b
        .post(
            "/setup",
            &[("_csrf", &csrf), ("token", &hub.token), ("password", PASSWORD), ("confirm", "correct horse")],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.text.contains("The two passwords differ"));
    assert!(!hub.store().any_password().await.unwrap());

    let res = b
        .post("/setup", &[("_csrf", &csrf), ("token", &hub.token), ("password", PASSWORD), ("confirm", PASSWORD)])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    assert_eq!(res.location(), "/");
    assert!(res.cookie("ferry_session").is_some(), "logged in at once");
    let overview = b.get("/").await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.text.contains("Password set. You are logged in as admin@example.com."), "{}", overview.text);
    assert!(overview.text.contains("Create your first target"));
    // The notice is shown once.
    assert!(!b.get("/").await.text.contains("Password set"));

    // The token cannot reset a password that exists.
    let mut other = hub.browser();
    let csrf = csrf_of(&other.get("/setup").await.text);
    let res = other
        .post(
            "/setup",
            &[
                ("_csrf", &csrf),
                ("token", &hub.token),
                ("password", "another password"),
                ("confirm", "another password"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.text.contains("already has a password"));
    // The password works for logging in; the login page is the way in from now on.
    let login = other.get("/login").await;
    assert_eq!(login.status, StatusCode::OK);
    let csrf = csrf_of(&login.text);
    let res = other
        .post(
            "/login",
            &[("_csrf", &csrf), ("email", "admin@example.com"), ("password", PASSWORD), ("next", "/secrets")],
        )
        .await;
    assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/secrets"));
    hub.stop().await;
}

async fn login_refuses_wrong_passwords_and_limits_attempts(backend: Backend) {
    let hub = Hub::start(backend, |_| {}).await;
    drop(hub.logged_in().await);
    let mut b = hub.browser();
    let csrf = csrf_of(&b.get("/login").await.text);
    let res =
        b.post("/login", &[("_csrf", &csrf), ("email", "admin@example.com"), ("password", "wrong password")]).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.text.contains("Wrong email or password."));
    assert!(res.text.contains(r#"value="admin@example.com""#), "the email is kept");
    assert!(res.cookie("ferry_session").is_none());
    let res = b.post("/login", &[("_csrf", &csrf), ("email", "nobody@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "unknown emails get the same answer");
    assert!(res.text.contains("Wrong email or password."));
    // An offsite `next` is ignored.
    let res = b
        .post(
            "/login",
            &[("_csrf", &csrf), ("email", "admin@example.com"), ("password", PASSWORD), ("next", "//evil.example/")],
        )
        .await;
    assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/"));

    // Guessing is limited per email: a burst, then 429 even for the right password.
    let mut limited = None;
    for i in 0..10 {
        let res =
            b.post("/login", &[("_csrf", &csrf), ("email", "admin@example.com"), ("password", "guess guess")]).await;
        if res.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(i);
            assert!(res.text.contains("Too many login attempts"), "{}", res.text);
            break;
        }
    }
    assert!(limited.is_some(), "login attempts are rate limited");
    let res = b.post("/login", &[("_csrf", &csrf), ("email", "admin@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    let res = b.post("/login", &[("_csrf", &csrf), ("email", "other@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "other emails are not limited");
    hub.stop().await;
}

async fn every_form_needs_its_csrf_token(backend: Backend) {
    let hub = Hub::start(backend, |_| {}).await;
    let mut b = hub.logged_in().await;
    let org =
        hub.store().token_owner(&ferry_hub::crypto::token_digest(&hub.token)).await.unwrap().unwrap().organization_id;

    let missing = b.post("/applications", &[("name", "shop"), ("type", "docker")]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.text.contains("This form has expired"), "{}", missing.text);
    let wrong =
        b.post("/applications", &[("_csrf", "0".repeat(64).as_str()), ("name", "shop"), ("type", "docker")]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert!(hub.store().applications(org).await.unwrap().is_empty(), "nothing was created");

    // Another session's token does not work with this session.
    let mut other = hub.browser();
    let csrf = csrf_of(&other.get("/login").await.text);
    let res = other.post("/login", &[("_csrf", &csrf), ("email", "admin@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let other_csrf = csrf_of(&other.get("/applications").await.text);
    let res = b.post("/applications", &[("_csrf", &other_csrf), ("name", "shop"), ("type", "docker")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    let ok = b.submit("/applications", "/applications", &[("name", "shop"), ("type", "docker")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    assert_eq!(hub.store().applications(org).await.unwrap().len(), 1);

    // Logout and login are forms too.
    let res = b.post("/logout", &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/").await.status, StatusCode::OK, "still logged in");
    let mut fresh = hub.browser();
    let res = fresh.post("/login", &[("email", "admin@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "login without the pre-login token");
    let res = fresh
        .post("/setup", &[("_csrf", "abc"), ("token", &hub.token), ("password", PASSWORD), ("confirm", PASSWORD)])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    hub.stop().await;
}

async fn sessions_expire_and_end_at_logout(backend: Backend) {
    let hub = Hub::start(backend, |_| {}).await;
    let mut b = hub.logged_in().await;
    let token = b.cookies.get("ferry_session").cloned().unwrap();
    // Only the digest is stored.
    assert!(hub.store().session(&token).await.unwrap().is_none());
    assert!(hub.store().session(&ferry_hub::crypto::token_digest(&token)).await.unwrap().is_some());

    // Idle: 11 h between requests is fine, 12 h and a second is not.
    hub.clock.advance(time::Duration::hours(11));
    assert_eq!(b.get("/").await.status, StatusCode::OK);
    hub.clock.advance(time::Duration::hours(11));
    assert_eq!(b.get("/").await.status, StatusCode::OK);
    hub.clock.advance(time::Duration::hours(12) + time::Duration::seconds(1));
    let res = b.get("/").await;
    assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/login"));
    assert!(
        hub.store().session(&ferry_hub::crypto::token_digest(&token)).await.unwrap().is_none(),
        "expired sessions are deleted"
    );

    // Absolute: used every 6 h, a session still ends after 7 days.
    let csrf = csrf_of(&b.get("/login").await.text);
    assert_eq!(
        b.post("/login", &[("_csrf", &csrf), ("email", "admin@example.com"), ("password", PASSWORD)]).await.status,
        StatusCode::SEE_OTHER
    );
    let started = hub.clock.now();
    while hub.clock.now() - started < time::Duration::days(7) - time::Duration::hours(6) {
        hub.clock.advance(time::Duration::hours(6));
        assert_eq!(b.get("/").await.status, StatusCode::OK, "at {}", hub.clock.now() - started);
    }
    hub.clock.advance(time::Duration::hours(7));
    assert_eq!(b.get("/").await.status, StatusCode::SEE_OTHER, "past 7 days");

    // Logout deletes the session: the old cookie no longer works.
    let csrf = csrf_of(&b.get("/login").await.text);
    assert_eq!(
        b.post("/login", &[("_csrf", &csrf), ("email", "admin@example.com"), ("password", PASSWORD)]).await.status,
        StatusCode::SEE_OTHER
    );
    let token = b.cookies.get("ferry_session").cloned().unwrap();
    let page = b.get("/").await;
    let res = b.post("/logout", &[("_csrf", &csrf_of(&page.text))]).await;
    assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/login?logged_out=1"));
    let cleared = res.cookie("ferry_session").expect("cookie cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(hub.store().session(&ferry_hub::crypto::token_digest(&token)).await.unwrap().is_none());
    b.cookies.insert("ferry_session".into(), token);
    assert_eq!(b.get("/").await.status, StatusCode::SEE_OTHER);
    assert!(b.get("/login?logged_out=1").await.text.contains("You have logged out."));
    hub.stop().await;
}

async fn cookies_are_secure_behind_https(backend: Backend) {
    let hub = Hub::start(backend, |_| {}).await;
    let mut b = hub.browser();
    let setup = b.get("/setup").await;
    let pre = setup.cookie("ferry_login_csrf").expect("pre-login cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(pre.contains(flag), "{pre}");
    }
    assert!(!pre.contains("Secure"), "plain http: {pre}");
    let csrf = csrf_of(&setup.text);
    let res = b
        .post("/setup", &[("_csrf", &csrf), ("token", &hub.token), ("password", PASSWORD), ("confirm", PASSWORD)])
        .await;
    let session = res.cookie("ferry_session").unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=604800"] {
        assert!(session.contains(flag), "{session}");
    }
    assert!(!session.contains("Secure"), "{session}");
    assert_eq!(res.headers.get("cache-control").unwrap(), "no-store");

    // Behind a proxy that terminated https.
    let mut proxied = hub.browser();
    let page = proxied.get("/login").await;
    let csrf = csrf_of(&page.text);
    let req = proxied.http.post(format!("{}/login", hub.url)).header("X-Forwarded-Proto", "https");
    let req = with_form(req, &[("_csrf", csrf.as_str()), ("email", "admin@example.com"), ("password", PASSWORD)]);
    let res = proxied.send(req).await;
    assert!(res.cookie("ferry_session").unwrap().contains("; Secure"), "{:?}", res.set_cookies());
    hub.stop().await;

    // A hub whose public URL is https.
    let hub = Hub::start(backend, |c| c.public_url = Some("https://hub.example.com".into())).await;
    let mut b = hub.browser();
    let setup = b.get("/setup").await;
    assert!(setup.cookie("ferry_login_csrf").unwrap().contains("; Secure"));
    let csrf = csrf_of(&setup.text);
    let res = b
        .post("/setup", &[("_csrf", &csrf), ("token", &hub.token), ("password", PASSWORD), ("confirm", PASSWORD)])
        .await;
    assert!(res.cookie("ferry_session").unwrap().contains("; Secure"));
    hub.stop().await;
}

async fn forms_show_api_errors_and_the_connect_command_once(backend: Backend) {
    let hub = Hub::start(backend, |_| {}).await;
    let mut b = hub.logged_in().await;
    let res = b.submit("/applications", "/applications", &[("name", "shop"), ("type", "docker")]).await;
    let app_page = res.location().split('#').next().unwrap().to_string();
    assert!(app_page.starts_with("/applications/"), "{}", res.location());

    // The API's {error, field} lands next to the field.
    let res = b
        .submit(&app_page, &format!("{app_page}/versions"), &[("name", "1.0.0"), ("composeFile", "services: {}\r\n")])
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let field = res.text.split(r#"id="version-composeFile""#).nth(1).expect("compose field");
    assert!(field.contains(r#"aria-invalid="true""#), "{}", res.text);
    assert!(
        res.text
            .contains(r#"<p class="field-error" id="version-composeFile-error">composeFile defines no services</p>"#),
        "{}",
        res.text
    );
    assert!(res.text.contains(r#"value="1.0.0""#), "input is kept");
    let res = b
        .submit(
            &app_page,
            &format!("{app_page}/versions"),
            &[
                ("name", "1.0.0"),
                ("composeFile", "services:\r\n  web:\r\n    image: nginx:1.27\r\n"),
                ("envTemplate", "A=1\r\n"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let org =
        hub.store().token_owner(&ferry_hub::crypto::token_digest(&hub.token)).await.unwrap().unwrap().organization_id;
    let apps = hub.store().applications(org).await.unwrap();
    assert_eq!(apps[0].versions[0].spec.env_template.as_deref(), Some("A=1\n"), "CRLF from textareas is normalised");

    // A duplicate name is a conflict shown above the form.
    let res = b.submit("/applications", "/applications", &[("name", "shop"), ("type", "docker")]).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.text.contains("already exists"));

    // Creating a target shows its connect command once.
    let res =
        b.submit("/targets/new", "/targets", &[("name", "edge-1"), ("type", "docker"), ("metricsEnabled", "on")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text.split("<main").nth(1).unwrap_or(&res.text));
    let target_page = res.location().to_string();
    let first = b.get(&target_page).await;
    assert!(first.text.contains("docker compose -p ferry -f - up -d"), "{}", first.text);
    assert!(first.text.contains("targetSecret="));
    assert_eq!(first.headers.get("cache-control").unwrap(), "no-store");
    let again = b.get(&target_page).await;
    assert!(!again.text.contains("targetSecret="), "shown once");
    assert!(again.text.contains("Reconnecting invalidates the old secret"));
    // Reconnect shows a new one, once.
    let res = b.submit(&target_page, &format!("{target_page}/reconnect"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = b.get(&target_page).await;
    assert!(page.text.contains("targetSecret=") && page.text.contains("New secret issued"));
    hub.stop().await;
}

async fn secrets_are_added_rotated_and_deleted(backend: Backend) {
    let hub = Hub::start(backend, |_| {}).await;
    let mut b = hub.logged_in().await;
    let org =
        hub.store().token_owner(&ferry_hub::crypto::token_digest(&hub.token)).await.unwrap().unwrap().organization_id;

    let res = b.submit("/secrets", "/secrets", &[("key", "not a key"), ("value", "x")]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.text.contains(r#"id="secret-key-error""#), "{}", res.text);
    let res = b.submit("/secrets", "/secrets", &[("key", "DB_PASSWORD"), ("value", "first-value")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let page = b.get("/secrets").await;
    assert!(page.text.contains("Secret DB_PASSWORD saved"));
    assert!(!page.text.contains("first-value"), "values are never shown");
    let first = sealed(&hub, org).await.expect("stored");
    let res = b.submit("/secrets", "/secrets", &[("key", "DB_PASSWORD"), ("value", "again")]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "adding twice points to Rotate");
    assert!(res.text.contains("Use Rotate"));

    let res = b.submit("/secrets", "/secrets/DB_PASSWORD/rotate", &[("value", "second-value")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(b.get("/secrets").await.text.contains("Secret DB_PASSWORD rotated"));
    assert_ne!(sealed(&hub, org).await.unwrap(), first, "a new value was stored");

    // A secret in use by a deployment is not deleted; the page says by what.
    let res = b.submit("/applications", "/applications", &[("name", "shop"), ("type", "docker")]).await;
    let app_page = res.location().split('#').next().unwrap().to_string();
    b.submit(
        &app_page,
        &format!("{app_page}/versions"),
        &[("name", "1"), ("composeFile", "services:\n  web:\n    image: a\n")],
    )
    .await;
    let target =
        b.submit("/targets/new", "/targets", &[("name", "edge"), ("type", "docker")]).await.location().to_string();
    let version = hub.store().applications(org).await.unwrap()[0].versions[0].id.to_string();
    let res = b
        .submit(
            &target,
            &format!("{target}/deploy"),
            &[("applicationVersionId", &version), ("envFile", "P={{ .Secrets.DB_PASSWORD }}")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let res = b.submit("/secrets", "/secrets/DB_PASSWORD/delete", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = b.get("/secrets").await;
    assert!(page.text.contains("DB_PASSWORD was not deleted") && page.text.contains("shop on edge"), "{}", page.text);
    assert!(sealed(&hub, org).await.is_some());
    // A deploy that names a missing secret is refused on the form.
    let res = b
        .submit(
            &target,
            &format!("{target}/deploy"),
            &[("applicationVersionId", &version), ("envFile", "P={{ .Secrets.NOPE }}")],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.text.contains("NOPE"), "{}", res.text);
    hub.stop().await;
}

async fn sealed(hub: &Hub, org: uuid::Uuid) -> Option<Vec<u8>> {
    hub.store().sealed_secrets(org).await.unwrap().get("DB_PASSWORD").cloned()
}

async fn deletes_and_archives_say_what_blocks_them(backend: Backend) {
    let hub = Hub::start(backend, |_| {}).await;
    let mut b = hub.logged_in().await;
    let org =
        hub.store().token_owner(&ferry_hub::crypto::token_digest(&hub.token)).await.unwrap().unwrap().organization_id;
    let res = b.submit("/applications", "/applications", &[("name", "shop"), ("type", "docker")]).await;
    let app_page = res.location().split('#').next().unwrap().to_string();
    b.submit(
        &app_page,
        &format!("{app_page}/versions"),
        &[("name", "1"), ("composeFile", "services:\n  web:\n    image: a\n")],
    )
    .await;
    let target =
        b.submit("/targets/new", "/targets", &[("name", "edge"), ("type", "docker")]).await.location().to_string();
    let version = hub.store().applications(org).await.unwrap()[0].versions[0].id.to_string();
    let res = b.submit(&target, &format!("{target}/deploy"), &[("applicationVersionId", &version)]).await;
    let deployment = res.location().to_string();
    assert!(deployment.starts_with("/deployments/"), "{}", res.text);

    // Archived versions leave the deploy form but stay where they run.
    let res = b.submit(&app_page, &format!("{app_page}/versions/{version}/archive"), &[("archived", "true")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(b.get(&app_page).await.text.contains("archived"));
    assert!(b.get(&target).await.text.contains("No versions to deploy yet"));
    assert!(b.get(&deployment).await.text.contains("1 (current)"), "still offered where it runs");
    b.submit(&app_page, &format!("{app_page}/versions/{version}/archive"), &[("archived", "false")]).await;
    assert!(b.get(&app_page).await.text.contains("Version 1 restored."));

    // Deployed things cannot be deleted; the page says why.
    b.submit(&app_page, &format!("{app_page}/delete"), &[]).await;
    assert!(b.get(&app_page).await.text.contains("shop was not deleted"));
    b.submit(&target, &format!("{target}/delete"), &[]).await;
    assert!(b.get(&target).await.text.contains("edge was not deleted"));

    // After undeploying, both go.
    let res = b.submit(&deployment, &format!("{deployment}/undeploy"), &[]).await;
    assert_eq!(res.location(), target);
    assert!(b.get(&target).await.text.contains("Undeployed shop from edge"));
    assert_eq!(b.get(&deployment).await.status, StatusCode::NOT_FOUND);
    let res = b.submit(&target, &format!("{target}/delete"), &[]).await;
    assert_eq!(res.location(), "/");
    assert!(b.get("/").await.text.contains("Target edge deleted."));
    let res = b.submit(&app_page, &format!("{app_page}/delete"), &[]).await;
    assert_eq!(res.location(), "/applications");
    assert!(hub.store().applications(org).await.unwrap().is_empty());
    assert_eq!(b.get(&app_page).await.status, StatusCode::NOT_FOUND);
    hub.stop().await;
}
