//! Talking to the hub (PROTOCOL.md §2–§8): log in with the target secret, keep a JWT fresh,
//! fetch desired state with ETags, send statuses, metrics and logs.

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use ferry_proto::agent::{AgentLogRecord, AgentResources, LogRecord, LoginResponse, MetricsReport, StatusReport};
use reqwest::{Method, StatusCode, header};
use time::OffsetDateTime;
use tokio::sync::Mutex;

use crate::config::AgentConfig;

/// Desired state, if it changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Desired {
    /// Same as the ETag given.
    Unchanged,
    /// New desired state.
    Changed {
        /// The state.
        resources: Box<AgentResources>,
        /// Its ETag, for the next request.
        etag: Option<String>,
    },
}

/// How a hub call failed; decides whether the agent retries, drops, or backs off.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HubError {
    /// Network failure, timeout or 5xx: try later, touch nothing.
    #[error("the hub at {url} is unreachable: {reason}")]
    Unreachable {
        /// Which URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The secret or token was refused even after logging in again.
    #[error("the hub refused this agent's credentials: {0}")]
    Unauthorized(String),
    /// The hub refused the request itself (400, 404, 413): retrying will not help.
    #[error("the hub rejected the request ({status}): {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// The hub's explanation.
        message: String,
    },
    /// 429.
    #[error("the hub asks this agent to slow down for {0:?}")]
    RateLimited(Duration),
}

/// The hub, as the agent uses it.
#[async_trait]
pub trait HubApi: Send + Sync {
    /// Desired state; `etag` from the previous answer.
    async fn resources(&self, etag: Option<&str>) -> Result<Desired, HubError>;
    /// One deployment status.
    async fn status(&self, report: &StatusReport) -> Result<(), HubError>;
    /// Host or cluster metrics.
    async fn metrics(&self, report: &MetricsReport) -> Result<(), HubError>;
    /// Application log lines.
    async fn logs(&self, lines: &[LogRecord]) -> Result<(), HubError>;
    /// The agent's own log lines.
    async fn agent_logs(&self, lines: &[AgentLogRecord]) -> Result<(), HubError>;
    /// The install manifest without the secret (for self-update).
    async fn manifest(&self) -> Result<String, HubError>;
    /// A valid token, logging in if needed (the hub registry's password).
    async fn token(&self) -> Result<String, HubError>;
}

/// Agent tokens are refreshed this long before they expire.
const REFRESH_BEFORE: Duration = Duration::from_secs(30);

struct Token {
    jwt: String,
    expires: Option<OffsetDateTime>,
}

/// The hub over HTTP.
pub struct HttpHub {
    http: reqwest::Client,
    base: String,
    target_id: String,
    secret: crate::config::Secret,
    token: Mutex<Option<Token>>,
}

/// The `exp` claim of a JWT, read without verifying (the agent only needs to know when to
/// refresh; the hub verifies).
pub fn token_expiry(jwt: &str) -> Option<OffsetDateTime> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    OffsetDateTime::from_unix_timestamp(claims.get("exp")?.as_i64()?).ok()
}

fn needs_refresh(token: &Token, now: OffsetDateTime) -> bool {
    token.expires.is_some_and(|exp| exp - now < REFRESH_BEFORE)
}

impl HttpHub {
    /// A client for the configured hub.
    pub fn new(config: &AgentConfig, user_agent: &str) -> Result<Self, HubError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| HubError::Unreachable { url: config.hub_url.clone(), reason: e.to_string() })?;
        Ok(HttpHub {
            http,
            base: config.hub_url.clone(),
            target_id: config.target_id.to_string(),
            secret: config.target_secret.clone(),
            token: Mutex::new(None),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn login(&self) -> Result<Token, HubError> {
        let url = self.url("/api/v1/agent/login");
        let res = self
            .http
            .post(&url)
            .basic_auth(&self.target_id, Some(self.secret.expose()))
            .send()
            .await
            .map_err(|e| unreachable(&url, e))?;
        match res.status() {
            s if s.is_success() => {
                let body: LoginResponse =
                    res.json().await.map_err(|e| HubError::Rejected { status: 200, message: e.to_string() })?;
                Ok(Token { expires: token_expiry(&body.token), jwt: body.token })
            }
            StatusCode::UNAUTHORIZED => Err(HubError::Unauthorized(body_text(res).await)),
            _ => Err(classify(&url, res).await),
        }
    }

    async fn current_token(&self, force: bool) -> Result<String, HubError> {
        let mut token = self.token.lock().await;
        let stale = match token.as_ref() {
            None => true,
            Some(t) => force || needs_refresh(t, OffsetDateTime::now_utc()),
        };
        if stale {
            *token = Some(self.login().await?);
        }
        Ok(token.as_ref().map(|t| t.jwt.clone()).unwrap_or_default())
    }

    /// Sends a request with the token; on 401 logs in again and retries once.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        headers: &[(header::HeaderName, String)],
    ) -> Result<reqwest::Response, HubError> {
        let url = self.url(path);
        for attempt in 0..2 {
            let token = self.current_token(attempt > 0).await?;
            let mut req = self.http.request(method.clone(), &url).bearer_auth(token);
            for (name, value) in headers {
                req = req.header(name, value);
            }
            if let Some(body) = &body {
                req = req.header(header::CONTENT_TYPE, "application/json").body(body.clone());
            }
            let res = req.send().await.map_err(|e| unreachable(&url, e))?;
            if res.status() == StatusCode::UNAUTHORIZED && attempt == 0 {
                *self.token.lock().await = None;
                continue;
            }
            if res.status() == StatusCode::UNAUTHORIZED {
                return Err(HubError::Unauthorized(body_text(res).await));
            }
            if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
                return Ok(res);
            }
            return Err(classify(&url, res).await);
        }
        Err(HubError::Unauthorized("login succeeded but the token was refused".into()))
    }

    async fn post_json<T: serde::Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        value: &T,
    ) -> Result<(), HubError> {
        let body = serde_json::to_vec(value).map_err(|e| HubError::Rejected { status: 0, message: e.to_string() })?;
        self.call(method, path, Some(body), &[]).await.map(|_| ())
    }
}

fn unreachable(url: &str, e: reqwest::Error) -> HubError {
    // reqwest's Display omits the cause chain (connection refused, DNS, TLS): walk it.
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        reason = format!("{reason}: {s}");
        source = s.source();
    }
    HubError::Unreachable { url: url.to_string(), reason }
}

async fn body_text(res: reqwest::Response) -> String {
    res.text().await.unwrap_or_default().trim().chars().take(500).collect()
}

async fn classify(url: &str, res: reqwest::Response) -> HubError {
    let status = res.status();
    let retry_after =
        res.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let message = body_text(res).await;
    if status == StatusCode::TOO_MANY_REQUESTS {
        return HubError::RateLimited(Duration::from_secs(retry_after.unwrap_or(30)));
    }
    if status.is_server_error() {
        return HubError::Unreachable { url: url.to_string(), reason: format!("{status}: {message}") };
    }
    HubError::Rejected { status: status.as_u16(), message }
}

#[async_trait]
impl HubApi for HttpHub {
    async fn resources(&self, etag: Option<&str>) -> Result<Desired, HubError> {
        let headers: Vec<_> = etag.map(|e| (header::IF_NONE_MATCH, e.to_string())).into_iter().collect();
        let res = self.call(Method::GET, "/api/v1/agent/resources", None, &headers).await?;
        if res.status() == StatusCode::NOT_MODIFIED {
            return Ok(Desired::Unchanged);
        }
        let etag = res.headers().get(header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_string);
        let url = self.url("/api/v1/agent/resources");
        let bytes = res.bytes().await.map_err(|e| unreachable(&url, e))?;
        let resources: AgentResources = serde_json::from_slice(&bytes)
            .map_err(|e| HubError::Rejected { status: 200, message: format!("unreadable desired state: {e}") })?;
        Ok(Desired::Changed { resources: Box::new(resources), etag })
    }

    async fn status(&self, report: &StatusReport) -> Result<(), HubError> {
        self.post_json(Method::POST, "/api/v1/agent/status", report).await
    }

    async fn metrics(&self, report: &MetricsReport) -> Result<(), HubError> {
        self.post_json(Method::POST, "/api/v1/agent/metrics", report).await
    }

    async fn logs(&self, lines: &[LogRecord]) -> Result<(), HubError> {
        self.post_json(Method::PUT, "/api/v1/agent/logs", lines).await
    }

    async fn agent_logs(&self, lines: &[AgentLogRecord]) -> Result<(), HubError> {
        self.post_json(Method::PUT, "/api/v1/agent/deployment-target-logs", lines).await
    }

    async fn manifest(&self) -> Result<String, HubError> {
        let res = self.call(Method::GET, "/api/v1/agent/manifest", None, &[]).await?;
        let url = self.url("/api/v1/agent/manifest");
        res.text().await.map_err(|e| unreachable(&url, e))
    }

    async fn token(&self) -> Result<String, HubError> {
        self.current_token(false).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(exp: i64) -> String {
        let payload =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{{\"exp\":{exp},\"sub\":\"x\"}}"));
        format!("eyJhbGciOiJIUzI1NiJ9.{payload}.sig")
    }

    #[test]
    fn reads_expiry_and_refreshes_early() {
        let now = OffsetDateTime::now_utc();
        let soon = Token { jwt: jwt(now.unix_timestamp() + 10), expires: None };
        let soon = Token { expires: token_expiry(&soon.jwt), ..soon };
        assert!(needs_refresh(&soon, now));
        let later = jwt(now.unix_timestamp() + 3600);
        let later = Token { expires: token_expiry(&later), jwt: later };
        assert!(!needs_refresh(&later, now));
        assert_eq!(token_expiry("garbage"), None);
    }
}
