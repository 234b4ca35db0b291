//! The HTTP side effect behind chart sources: one GET at a time, with the
//! body read up to a limit. [`ReqwestClient`] is the real implementation
//! (rustls with the ring provider); tests substitute their own.

use std::time::Duration;

use async_trait::async_trait;
use url::Url;

/// A GET request.
#[derive(Clone, Debug)]
pub struct HttpRequest {
    /// Where to send it.
    pub url: Url,
    /// Extra headers (`Accept`, `Authorization`, ...).
    pub headers: Vec<(String, String)>,
    /// Bodies larger than this are refused with [`HttpError::TooLarge`].
    pub max_body_bytes: u64,
}

/// A response with its whole body.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Why no response was obtained.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// The server could not be reached (DNS, connection refused, TLS).
    #[error("cannot reach {url}: {reason}")]
    Unreachable {
        /// The requested URL.
        url: String,
        /// The underlying error.
        reason: String,
    },
    /// The request or the body took too long.
    #[error("request to {url} timed out")]
    Timeout {
        /// The requested URL.
        url: String,
    },
    /// The body exceeds the request's limit.
    #[error("response from {url} exceeds {limit} bytes")]
    TooLarge {
        /// The requested URL.
        url: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// Any other transport failure (broken body, bad redirect, ...).
    #[error("request to {url} failed: {reason}")]
    Failed {
        /// The requested URL.
        url: String,
        /// The underlying error.
        reason: String,
    },
}

/// Sends GET requests. Implementations follow redirects and must not send
/// credentials to a different host than the one requested.
#[async_trait]
pub trait HttpClient: Send + Sync {
    /// Sends `request` and reads the body (any status code is a response).
    async fn get(&self, request: HttpRequest) -> Result<HttpResponse, HttpError>;
}

/// Settings of [`ReqwestClient`].
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole request including its body.
    pub timeout: Duration,
    /// `User-Agent` header.
    pub user_agent: String,
    /// Extra trusted CA certificates (PEM), for private registries.
    pub extra_root_certificates_pem: Vec<Vec<u8>>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(15),
            timeout: Duration::from_secs(300),
            user_agent: concat!("Ferry/", env!("CARGO_PKG_VERSION")).to_string(),
            extra_root_certificates_pem: Vec::new(),
        }
    }
}

/// The real [`HttpClient`]: reqwest over rustls with the ring provider and
/// the platform's trust store.
#[derive(Clone, Debug)]
pub struct ReqwestClient {
    client: reqwest::Client,
}

impl ReqwestClient {
    /// Builds a client, installing rustls' ring provider as the process
    /// default if no provider is installed yet.
    pub fn new(config: &HttpConfig) -> Result<ReqwestClient, HttpError> {
        // Err means another provider is already installed, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let setup = |reason: String| HttpError::Failed { url: String::new(), reason };
        let mut builder = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::limited(10));
        for pem in &config.extra_root_certificates_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| setup(format!("invalid CA certificate: {e}")))?;
            builder = builder.tls_certs_merge(certs);
        }
        let client = builder.build().map_err(|e| setup(format!("building HTTP client: {e}")))?;
        Ok(ReqwestClient { client })
    }
}

fn classify(url: &Url, e: &reqwest::Error) -> HttpError {
    let url = url.to_string();
    // The source chain carries the useful part (connection refused, DNS).
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        reason = format!("{reason}: {s}");
        source = s.source();
    }
    if e.is_timeout() {
        HttpError::Timeout { url }
    } else if e.is_connect() {
        HttpError::Unreachable { url, reason }
    } else {
        HttpError::Failed { url, reason }
    }
}

#[async_trait]
impl HttpClient for ReqwestClient {
    async fn get(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let mut builder = self.client.get(request.url.clone());
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        let mut response = builder.send().await.map_err(|e| classify(&request.url, &e))?;
        let too_large = || HttpError::TooLarge { url: request.url.to_string(), limit: request.max_body_bytes };
        if response.content_length().is_some_and(|n| n > request.max_body_bytes) {
            return Err(too_large());
        }
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&request.url, &e))? {
            if body.len() as u64 + chunk.len() as u64 > request.max_body_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse { status, headers, body })
    }
}
