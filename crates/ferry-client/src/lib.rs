//! A typed async client for the Ferry hub's vendor REST API (`/api/v1/...`).
//!
//! One method per endpoint, taking and returning the [`ferry_proto::api`] types the hub
//! itself uses, so the client and the hub cannot drift apart. Errors keep the hub's
//! `{"error", "field"}` body and HTTP status ([`ClientError::Api`]); network failures name
//! the URL that could not be reached.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ferry_client::ClientError> {
//! use ferry_client::Client;
//! use ferry_client::api::{NewApplication, PlatformType};
//!
//! let hub = Client::new("https://hub.example.com", "ferry_...")?;
//! let me = hub.me().await?;
//! println!("logged in as {} ({})", me.email, me.organization_name);
//! let app = hub.create_application(&NewApplication { name: "shop".into(), kind: PlatformType::Docker }).await?;
//! println!("created {}", app.id);
//! # Ok(()) }
//! ```

mod error;

use std::fmt;
use std::sync::Once;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{AUTHORIZATION, HeaderValue, USER_AGENT};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

pub use error::ClientError;
/// The request and response types of the vendor API.
pub use ferry_proto::api;
/// HTTP types that appear in [`ClientError`].
pub use reqwest::{Method, StatusCode};

use api::{
    AgentLogLine, AgentVersion, Application, ApplicationVersion, DeployRequest, Deployment, DeploymentStatus, Identity,
    LogLine, LogPage, NewAgentVersion, NewApplication, NewApplicationVersion, NewTarget, Page, Revision, SecretInfo,
    SecretValue, Target, TargetAccess, TargetMetrics, TargetPatch,
};

/// The `User-Agent` this client sends unless told otherwise.
pub const USER_AGENT_VALUE: &str = concat!("ferry-cli/", env!("CARGO_PKG_VERSION"));

/// How the client talks to the hub.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Limit for a whole request, answer included.
    pub timeout: Duration,
    /// Limit for establishing the connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: USER_AGENT_VALUE.to_string(),
        }
    }
}

/// `POST /api/v1/tokens`: a new API token, shown once.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IssuedToken {
    /// The name given.
    pub name: String,
    /// The token.
    pub token: String,
}

/// What `POST /api/v1/deployments` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployOutcome {
    /// The deployment, with its new current revision.
    pub deployment: Deployment,
    /// True when a new deployment was created, false when an existing deployment of the same
    /// application on the same target got a new revision.
    pub created: bool,
}

/// Which log lines `GET /api/v1/deployments/{id}/logs` returns. Without `after`, the newest
/// `limit` lines of the window; with `after`, the lines that arrived after that cursor,
/// oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Only this container, service or object.
    pub resource: Option<String>,
    /// Lines written at or after this time.
    pub since: Option<OffsetDateTime>,
    /// Lines written before this time.
    pub until: Option<OffsetDateTime>,
    /// Lines that arrived after this cursor ([`LogPage::cursor`]).
    pub after: Option<i64>,
    /// At most this many lines (the hub allows 1..=5000, default 200).
    pub limit: Option<i64>,
}

/// A connection to one hub as one API token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    authorization: HeaderValue,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token stays out of logs and panic messages.
        f.debug_struct("Client").field("base", &self.base.as_str()).finish_non_exhaustive()
    }
}

/// reqwest is built without a TLS provider of its own; ring is the one Ferry uses.
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another part of the process may have installed one already; that one serves.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Parses and checks a hub URL: http or https, no query or fragment; a trailing slash is
/// dropped so that `https://hub/` and `https://hub` mean the same.
pub fn parse_hub_url(text: &str) -> Result<Url, ClientError> {
    let invalid = |reason: &str| ClientError::InvalidUrl { url: text.to_string(), reason: reason.to_string() };
    let mut url = Url::parse(text.trim())
        .map_err(|e| invalid(&format!("{e} (write it with its scheme, e.g. https://hub.example.com)")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    let path = url.path().trim_end_matches('/').to_string();
    url.set_path(&path);
    Ok(url)
}

impl Client {
    /// A client for the hub at `hub_url` (e.g. `https://hub.example.com`) using an API token,
    /// with default timeouts.
    pub fn new(hub_url: &str, token: &str) -> Result<Self, ClientError> {
        Self::with_options(hub_url, token, ClientOptions::default())
    }

    /// Like [`Client::new`], with explicit options.
    pub fn with_options(hub_url: &str, token: &str, options: ClientOptions) -> Result<Self, ClientError> {
        let base = parse_hub_url(hub_url)?;
        let token = token.trim();
        if token.is_empty() {
            return Err(ClientError::InvalidToken("it is empty"));
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| ClientError::InvalidToken("it contains characters that cannot go in an HTTP header"))?;
        authorization.set_sensitive(true);
        let user_agent = HeaderValue::from_str(&options.user_agent).map_err(|_| ClientError::InvalidUrl {
            url: hub_url.to_string(),
            reason: format!("user agent {:?} cannot go in an HTTP header", options.user_agent),
        })?;
        install_crypto_provider();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(USER_AGENT, user_agent);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            .build()
            .map_err(ClientError::Setup)?;
        Ok(Client { http, base, authorization })
    }

    /// The hub's base URL, without a trailing slash.
    pub fn hub_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    // --- identity and tokens ---------------------------------------------------------------

    /// `GET /api/v1/me`: who the token belongs to (also how a token is verified).
    pub async fn me(&self) -> Result<Identity, ClientError> {
        self.get(&["me"], &[]).await
    }

    /// `POST /api/v1/tokens`: issues another API token for the caller.
    pub async fn create_token(&self, name: &str) -> Result<IssuedToken, ClientError> {
        #[derive(Serialize)]
        struct NewToken<'a> {
            name: &'a str,
        }
        self.send(Method::POST, &["tokens"], &[], Some(&NewToken { name })).await.map(|(_, v)| v)
    }

    // --- applications and versions ---------------------------------------------------------

    /// `GET /api/v1/applications`, each with its versions, newest first.
    pub async fn applications(&self) -> Result<Vec<Application>, ClientError> {
        self.get(&["applications"], &[]).await
    }

    /// `GET /api/v1/applications/{id}`.
    pub async fn application(&self, id: Uuid) -> Result<Application, ClientError> {
        self.get(&["applications", &id.to_string()], &[]).await
    }

    /// `POST /api/v1/applications`.
    pub async fn create_application(&self, new: &NewApplication) -> Result<Application, ClientError> {
        self.post(&["applications"], new).await
    }

    /// `DELETE /api/v1/applications/{id}` (409 while it is deployed).
    pub async fn delete_application(&self, id: Uuid) -> Result<(), ClientError> {
        self.delete(&["applications", &id.to_string()]).await
    }

    /// `GET /api/v1/applications/{id}/versions`, newest first.
    pub async fn versions(&self, application: Uuid) -> Result<Vec<ApplicationVersion>, ClientError> {
        self.get(&["applications", &application.to_string(), "versions"], &[]).await
    }

    /// `GET /api/v1/applications/{id}/versions/{vid}`.
    pub async fn version(&self, application: Uuid, version: Uuid) -> Result<ApplicationVersion, ClientError> {
        self.get(&["applications", &application.to_string(), "versions", &version.to_string()], &[]).await
    }

    /// `POST /api/v1/applications/{id}/versions`.
    pub async fn create_version(
        &self,
        application: Uuid,
        new: &NewApplicationVersion,
    ) -> Result<ApplicationVersion, ClientError> {
        self.post(&["applications", &application.to_string(), "versions"], new).await
    }

    /// `POST .../versions/{vid}/archive`: the version can no longer be newly deployed.
    pub async fn archive_version(&self, application: Uuid, version: Uuid) -> Result<ApplicationVersion, ClientError> {
        self.version_action(application, version, "archive").await
    }

    /// `POST .../versions/{vid}/unarchive`.
    pub async fn unarchive_version(&self, application: Uuid, version: Uuid) -> Result<ApplicationVersion, ClientError> {
        self.version_action(application, version, "unarchive").await
    }

    async fn version_action(
        &self,
        application: Uuid,
        version: Uuid,
        action: &str,
    ) -> Result<ApplicationVersion, ClientError> {
        let path = ["applications", &application.to_string(), "versions", &version.to_string(), action];
        self.send(Method::POST, &path, &[], None::<&()>).await.map(|(_, v)| v)
    }

    // --- targets ---------------------------------------------------------------------------

    /// `GET /api/v1/targets`.
    pub async fn targets(&self) -> Result<Vec<Target>, ClientError> {
        self.get(&["targets"], &[]).await
    }

    /// `GET /api/v1/targets/{id}`.
    pub async fn target(&self, id: Uuid) -> Result<Target, ClientError> {
        self.get(&["targets", &id.to_string()], &[]).await
    }

    /// `POST /api/v1/targets`. The target has no secret yet: see [`Client::target_access`].
    pub async fn create_target(&self, new: &NewTarget) -> Result<Target, ClientError> {
        self.post(&["targets"], new).await
    }

    /// `PATCH /api/v1/targets/{id}`.
    pub async fn update_target(&self, id: Uuid, patch: &TargetPatch) -> Result<Target, ClientError> {
        self.send(Method::PATCH, &["targets", &id.to_string()], &[], Some(patch)).await.map(|(_, v)| v)
    }

    /// `DELETE /api/v1/targets/{id}` (409 while it has deployments).
    pub async fn delete_target(&self, id: Uuid) -> Result<(), ClientError> {
        self.delete(&["targets", &id.to_string()]).await
    }

    /// `POST /api/v1/targets/{id}/access`: a new secret and the connect command embedding
    /// it. The previous secret stops working; the hub shows this secret only now.
    pub async fn target_access(&self, id: Uuid) -> Result<TargetAccess, ClientError> {
        self.send(Method::POST, &["targets", &id.to_string(), "access"], &[], None::<&()>).await.map(|(_, v)| v)
    }

    /// `GET /api/v1/targets/{id}/metrics` over a window (default: the last 24 hours).
    pub async fn target_metrics(
        &self,
        id: Uuid,
        since: Option<OffsetDateTime>,
        until: Option<OffsetDateTime>,
    ) -> Result<TargetMetrics, ClientError> {
        let mut query = Vec::new();
        push_time(&mut query, "since", since)?;
        push_time(&mut query, "until", until)?;
        self.get(&["targets", &id.to_string(), "metrics"], &query).await
    }

    /// `GET /api/v1/targets/{id}/logs`: the agent's own log, oldest first.
    pub async fn target_logs(
        &self,
        id: Uuid,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<LogPage<AgentLogLine>, ClientError> {
        let mut query = Vec::new();
        push(&mut query, "after", after);
        push(&mut query, "limit", limit);
        self.get(&["targets", &id.to_string(), "logs"], &query).await
    }

    // --- agent versions --------------------------------------------------------------------

    /// `GET /api/v1/agent-versions`.
    pub async fn agent_versions(&self) -> Result<Vec<AgentVersion>, ClientError> {
        self.get(&["agent-versions"], &[]).await
    }

    /// `POST /api/v1/agent-versions`.
    pub async fn create_agent_version(&self, new: &NewAgentVersion) -> Result<AgentVersion, ClientError> {
        self.post(&["agent-versions"], new).await
    }

    // --- deployments -----------------------------------------------------------------------

    /// `GET /api/v1/deployments[?targetId=]`, with current revision, latest status and state.
    pub async fn deployments(&self, target: Option<Uuid>) -> Result<Vec<Deployment>, ClientError> {
        let mut query = Vec::new();
        push(&mut query, "targetId", target);
        self.get(&["deployments"], &query).await
    }

    /// `GET /api/v1/deployments/{id}`.
    pub async fn deployment(&self, id: Uuid) -> Result<Deployment, ClientError> {
        self.get(&["deployments", &id.to_string()], &[]).await
    }

    /// `POST /api/v1/deployments`: deploys an application version to a target
    /// (`target_id` is required), creating the deployment or adding a revision to the
    /// target's existing deployment of that application.
    pub async fn deploy(&self, request: &DeployRequest) -> Result<DeployOutcome, ClientError> {
        let (status, deployment) = self.send(Method::POST, &["deployments"], &[], Some(request)).await?;
        Ok(DeployOutcome { deployment, created: status == StatusCode::CREATED })
    }

    /// `PUT /api/v1/deployments/{id}`: a new revision of an existing deployment.
    pub async fn update_deployment(&self, id: Uuid, request: &DeployRequest) -> Result<Deployment, ClientError> {
        self.send(Method::PUT, &["deployments", &id.to_string()], &[], Some(request)).await.map(|(_, v)| v)
    }

    /// `DELETE /api/v1/deployments/{id}`: the agent removes it on its next poll.
    pub async fn delete_deployment(&self, id: Uuid) -> Result<(), ClientError> {
        self.delete(&["deployments", &id.to_string()]).await
    }

    /// `GET /api/v1/deployments/{id}/revisions`.
    pub async fn revisions(&self, deployment: Uuid) -> Result<Vec<Revision>, ClientError> {
        self.get(&["deployments", &deployment.to_string(), "revisions"], &[]).await
    }

    /// `GET /api/v1/deployments/{id}/status`: one page of status history, newest first.
    /// Pass the page's `next` as `before` for the following (older) page.
    pub async fn status_history(
        &self,
        deployment: Uuid,
        before: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Page<DeploymentStatus>, ClientError> {
        let mut query = Vec::new();
        push(&mut query, "before", before);
        push(&mut query, "limit", limit);
        self.get(&["deployments", &deployment.to_string(), "status"], &query).await
    }

    /// `GET /api/v1/deployments/{id}/logs`.
    pub async fn deployment_logs(&self, deployment: Uuid, filter: &LogFilter) -> Result<LogPage<LogLine>, ClientError> {
        let mut query = Vec::new();
        push(&mut query, "resource", filter.resource.as_deref());
        push_time(&mut query, "since", filter.since)?;
        push_time(&mut query, "until", filter.until)?;
        push(&mut query, "after", filter.after);
        push(&mut query, "limit", filter.limit);
        self.get(&["deployments", &deployment.to_string(), "logs"], &query).await
    }

    /// `GET /api/v1/deployments/{id}/resources`: the resources that have logged.
    pub async fn log_resources(&self, deployment: Uuid) -> Result<Vec<String>, ClientError> {
        self.get(&["deployments", &deployment.to_string(), "resources"], &[]).await
    }

    // --- secrets ---------------------------------------------------------------------------

    /// `GET /api/v1/secrets` (keys only; values are never returned).
    pub async fn secrets(&self) -> Result<Vec<SecretInfo>, ClientError> {
        self.get(&["secrets"], &[]).await
    }

    /// `PUT /api/v1/secrets/{key}`: creates or replaces a secret.
    pub async fn put_secret(&self, key: &str, value: &str) -> Result<SecretInfo, ClientError> {
        let body = SecretValue { value: value.to_string() };
        self.send(Method::PUT, &["secrets", key], &[], Some(&body)).await.map(|(_, v)| v)
    }

    /// `DELETE /api/v1/secrets/{key}` (409 while a deployment references it).
    pub async fn delete_secret(&self, key: &str) -> Result<(), ClientError> {
        self.delete(&["secrets", key]).await
    }

    // --- plumbing --------------------------------------------------------------------------

    /// `<base>/api/v1/<segments...>?<query>`, each segment percent-encoded.
    fn url(&self, segments: &[&str], query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        // parse_hub_url only accepts http(s) URLs with a host, which always have segments.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["api", "v1"]).extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    async fn get<T: DeserializeOwned>(&self, segments: &[&str], query: &[(&str, String)]) -> Result<T, ClientError> {
        self.send(Method::GET, segments, query, None::<&()>).await.map(|(_, v)| v)
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        segments: &[&str],
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(Method::POST, segments, &[], Some(body)).await.map(|(_, v)| v)
    }

    async fn delete(&self, segments: &[&str]) -> Result<(), ClientError> {
        self.call(Method::DELETE, segments, &[], None::<&()>).await.map(|_| ())
    }

    async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&B>,
    ) -> Result<(StatusCode, T), ClientError> {
        let (status, url, bytes) = self.call(method.clone(), segments, query, body).await?;
        let value = serde_json::from_slice(&bytes).map_err(|source| ClientError::Decode { method, url, source })?;
        Ok((status, value))
    }

    /// Sends one request; a non-2xx answer becomes [`ClientError::Api`] (or
    /// [`ClientError::UnexpectedStatus`] when the body is not the hub's error JSON).
    async fn call<B: Serialize + ?Sized>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&B>,
    ) -> Result<(StatusCode, String, Vec<u8>), ClientError> {
        let url = self.url(segments, query);
        let shown = url.to_string();
        let mut request = self.http.request(method.clone(), url).header(AUTHORIZATION, self.authorization.clone());
        if let Some(body) = body {
            request = request.json(body);
        }
        let transport = |source: reqwest::Error| ClientError::Transport {
            method: method.clone(),
            url: shown.clone(),
            source: source.without_url(),
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport)?.to_vec();
        if status.is_success() {
            return Ok((status, shown, bytes));
        }
        Err(match serde_json::from_slice::<api::ApiError>(&bytes) {
            Ok(body) => ClientError::Api { method, url: shown, status, body },
            Err(_) => {
                ClientError::UnexpectedStatus { method, url: shown, status, excerpt: error::excerpt(&bytes, 200) }
            }
        })
    }
}

fn push<T: ToString>(query: &mut Vec<(&'static str, String)>, key: &'static str, value: Option<T>) {
    if let Some(v) = value {
        query.push((key, v.to_string()));
    }
}

fn push_time(
    query: &mut Vec<(&'static str, String)>,
    key: &'static str,
    value: Option<OffsetDateTime>,
) -> Result<(), ClientError> {
    if let Some(t) = value {
        let text = t.format(&Rfc3339).map_err(|e| ClientError::InvalidUrl {
            url: String::new(),
            reason: format!("{key} time {t} cannot be written as RFC 3339: {e}"),
        })?;
        query.push((key, text));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> Client {
        Client::new(base, "ferry_token").unwrap()
    }

    #[test]
    fn urls_keep_a_path_prefix_and_escape_segments() {
        let c = client("https://hub.example.com/ferry/");
        assert_eq!(c.hub_url(), "https://hub.example.com/ferry");
        assert_eq!(
            c.url(&["secrets", "A/B C"], &[]).as_str(),
            "https://hub.example.com/ferry/api/v1/secrets/A%2FB%20C"
        );
        let c = client("http://127.0.0.1:8080");
        assert_eq!(c.hub_url(), "http://127.0.0.1:8080");
        let q = [("since", "2026-01-01T00:00:00+01:00".to_string()), ("resource", "web 1&x".to_string())];
        assert_eq!(
            c.url(&["deployments"], &q).as_str(),
            "http://127.0.0.1:8080/api/v1/deployments?since=2026-01-01T00%3A00%3A00%2B01%3A00&resource=web+1%26x"
        );
    }

    #[test]
    fn bad_urls_and_tokens_are_refused_with_reasons() {
        for (url, reason) in [
            ("hub.example.com", "with its scheme"),
            ("ftp://hub.example.com", "http or https"),
            ("https://hub.example.com/?x=1", "query"),
        ] {
            let err = Client::new(url, "t").unwrap_err();
            assert!(matches!(err, ClientError::InvalidUrl { .. }), "{url}: {err}");
            assert!(err.to_string().contains(reason), "{url}: {err}");
        }
        assert!(matches!(Client::new("http://h", " "), Err(ClientError::InvalidToken(_))));
        assert!(matches!(Client::new("http://h", "a\nb"), Err(ClientError::InvalidToken(_))));
    }

    #[test]
    fn debug_output_hides_the_token() {
        let shown = format!("{:?}", Client::new("http://h", "ferry_secret_token").unwrap());
        assert!(!shown.contains("ferry_secret_token"), "{shown}");
        assert!(shown.contains("http://h/"), "{shown}");
    }
}
