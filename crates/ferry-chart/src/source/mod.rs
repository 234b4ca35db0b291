//! Chart sources: fetch a chart archive (`.tgz`) from an OCI registry or an
//! `index.yaml` chart repository the way Helm does, verify its digest, and
//! keep it in a content-addressed local cache that also serves charts when
//! the source is unreachable.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use ferry_chart::source::*;
//! let fetcher = ChartFetcher::new(ReqwestClient::new(&HttpConfig::default())?)
//!     .with_cache(ChartCache::open("/var/lib/ferry/charts")?);
//! let request = ChartRequest::parse("oci://registry.example.com/charts/web", "", "1.2.3")?;
//! let chart = fetcher.fetch(&request, &FetchOptions::default()).await?;
//! println!("{} {} {}", chart.name, chart.version, chart.digest);
//! # Ok(()) }
//! ```
//!
//! Side effects sit behind two traits: [`HttpClient`] (one GET; the real
//! one is [`ReqwestClient`]) and [`ChartSource`] (the whole fetch, so the
//! agent can be tested with a fake).

mod cache;
mod digest;
mod http;
mod oci;
mod repo;

use std::fmt;

use async_trait::async_trait;
use url::Url;

pub use cache::{CacheError, CachedRef, ChartCache};
pub use digest::{Digest, sha256_digest};
pub use http::{HttpClient, HttpConfig, HttpError, HttpRequest, HttpResponse, ReqwestClient};
pub use oci::{
    OCI_CHART_LAYER_MEDIA_TYPE, OCI_CONFIG_MEDIA_TYPE, OCI_LEGACY_CHART_LAYER_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE,
};
pub use repo::{IndexEntry, RepoIndex, resolve_reference_url};

/// Archives above this size are refused unless configured otherwise.
pub const DEFAULT_MAX_ARCHIVE_BYTES: u64 = 20 << 20;
/// `index.yaml` files above this size are refused unless configured otherwise.
pub const DEFAULT_MAX_INDEX_BYTES: u64 = 64 << 20;

/// Where a chart lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChartRef {
    /// `oci://<registry>/<repository>[:tag|@digest]`.
    Oci {
        /// `host[:port]`.
        registry: String,
        /// Repository path; its last segment is the chart name.
        repository: String,
        /// A tag written into the reference itself (used when no version is asked).
        tag: Option<String>,
        /// A manifest digest pin (`@sha256:...`).
        digest: Option<Digest>,
    },
    /// A chart repository serving `index.yaml`.
    Repo {
        /// The repository URL.
        url: Url,
        /// The chart's name in the index.
        chart: String,
    },
}

impl ChartRef {
    /// Reads the hub's `chartUrl` / `chartName` pair: an `oci://` URL names
    /// the chart itself (the name is then ignored); an `http(s)://` URL is a
    /// repository and needs the chart name.
    pub fn parse(chart_url: &str, chart_name: &str) -> Result<ChartRef, SourceError> {
        let invalid = |reason: &str| SourceError::InvalidReference {
            reference: chart_url.to_string(),
            reason: reason.to_string(),
        };
        let chart_url = chart_url.trim();
        if let Some(rest) = chart_url.strip_prefix("oci://") {
            let (registry, path) =
                rest.split_once('/').ok_or_else(|| invalid("no repository path after the registry"))?;
            if registry.is_empty() || path.is_empty() {
                return Err(invalid("expected oci://<registry>/<repository>"));
            }
            let (path, digest) = match path.split_once('@') {
                Some((p, d)) => (p, Some(Digest::parse(d).map_err(|e| invalid(&e))?)),
                None => (path, None),
            };
            let (repository, tag) = match path.rsplit_once('/') {
                Some((dir, last)) => match last.split_once(':') {
                    Some((name, tag)) => (format!("{dir}/{name}"), Some(tag.to_string())),
                    None => (path.to_string(), None),
                },
                None => match path.split_once(':') {
                    Some((name, tag)) => (name.to_string(), Some(tag.to_string())),
                    None => (path.to_string(), None),
                },
            };
            let repository = repository.trim_end_matches('/').to_string();
            if repository.is_empty() || repository.split('/').any(str::is_empty) || tag.as_deref() == Some("") {
                return Err(invalid("malformed repository path"));
            }
            return Ok(ChartRef::Oci { registry: registry.to_string(), repository, tag, digest });
        }
        let url = Url::parse(chart_url).map_err(|e| invalid(&format!("not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("expected an oci://, https:// or http:// URL"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("the URL has no host"));
        }
        let chart = chart_name.trim();
        if chart.is_empty() {
            return Err(invalid("a chart repository URL needs a chart name"));
        }
        Ok(ChartRef::Repo { url, chart: chart.to_string() })
    }

    /// The chart's name.
    pub fn chart_name(&self) -> &str {
        match self {
            ChartRef::Oci { repository, .. } => repository.rsplit('/').next().unwrap_or(repository),
            ChartRef::Repo { chart, .. } => chart,
        }
    }

    /// Where the chart is looked up, for messages (`oci://host/repo` or the
    /// repository URL).
    pub fn location(&self) -> String {
        match self {
            ChartRef::Oci { registry, repository, .. } => format!("oci://{registry}/{repository}"),
            ChartRef::Repo { url, .. } => url.to_string(),
        }
    }
}

/// A chart to fetch: where, and which version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartRequest {
    /// Where the chart lives.
    pub reference: ChartRef,
    /// An exact version, a semver constraint (`^1.2`, `>=1.0 <2.0`), or
    /// empty for the newest stable version — as Helm's `--version`.
    pub version: String,
}

impl ChartRequest {
    /// [`ChartRef::parse`] plus the version.
    pub fn parse(chart_url: &str, chart_name: &str, version: &str) -> Result<ChartRequest, SourceError> {
        Ok(ChartRequest { reference: ChartRef::parse(chart_url, chart_name)?, version: version.trim().to_string() })
    }

    /// The key under which the cache remembers what this request resolved to.
    pub fn cache_key(&self) -> String {
        match &self.reference {
            ChartRef::Oci { registry, repository, tag, digest } => format!(
                "oci://{registry}/{repository}|tag={}|digest={}|version={}",
                tag.as_deref().unwrap_or(""),
                digest.as_ref().map(Digest::to_string).unwrap_or_default(),
                self.version
            ),
            ChartRef::Repo { url, chart } => format!("repo {url}|chart={chart}|version={}", self.version),
        }
    }
}

impl fmt::Display for ChartRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let version = if self.version.is_empty() { "(latest)" } else { &self.version };
        match &self.reference {
            ChartRef::Oci { .. } => write!(f, "{} version {version}", self.reference.location()),
            ChartRef::Repo { url, chart } => write!(f, "chart {chart} version {version} from {url}"),
        }
    }
}

/// A username and password (registry or repository basic auth).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Password or token.
    pub password: String,
}

impl Credentials {
    /// The `Authorization` header value for HTTP basic auth.
    pub(crate) fn basic_header(&self) -> String {
        use base64::Engine as _;
        let raw = format!("{}:{}", self.username, self.password);
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).finish_non_exhaustive()
    }
}

/// How to fetch.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    /// Credentials for the registry or repository.
    pub credentials: Option<Credentials>,
    /// Helm's `--pass-credentials`: also send repository credentials when a
    /// chart URL points at another host. Off by default.
    pub pass_credentials_to_all_domains: bool,
    /// Talk plain HTTP to an OCI registry that is not on a loopback address
    /// (Helm's `--plain-http`). Loopback registries always use HTTP.
    pub plain_http: bool,
    /// Largest accepted archive.
    pub max_archive_bytes: u64,
    /// Largest accepted `index.yaml`.
    pub max_index_bytes: u64,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            credentials: None,
            pass_credentials_to_all_domains: false,
            plain_http: false,
            max_archive_bytes: DEFAULT_MAX_ARCHIVE_BYTES,
            max_index_bytes: DEFAULT_MAX_INDEX_BYTES,
        }
    }
}

/// A fetched chart archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedChart {
    /// The `.tgz` bytes, verified against `digest`.
    pub archive: Vec<u8>,
    /// SHA-256 of `archive`.
    pub digest: Digest,
    /// Chart name.
    pub name: String,
    /// The version the request resolved to.
    pub version: String,
    /// The URL or OCI reference the archive came from.
    pub origin: String,
    /// Whether the archive came from the cache because the source could not
    /// be reached.
    pub from_cache: bool,
    /// Things worth telling the user (deprecated media type, cache trouble,
    /// offline fallback).
    pub warnings: Vec<String>,
}

/// Fetches charts.
#[async_trait]
pub trait ChartSource: Send + Sync {
    /// Fetches the archive `request` names.
    async fn fetch(&self, request: &ChartRequest, options: &FetchOptions) -> Result<FetchedChart, SourceError>;
}

/// Why a chart could not be fetched. Every message names the reference.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The chart URL or name is unusable.
    #[error("invalid chart reference {reference:?}: {reason}")]
    InvalidReference {
        /// The reference as given.
        reference: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The version is neither a version nor a semver constraint.
    #[error("invalid chart version {version:?} for {reference}: {reason}")]
    InvalidVersion {
        /// The reference.
        reference: String,
        /// The version text.
        version: String,
        /// The parser's complaint.
        reason: String,
    },
    /// The server wants credentials (none given, or they were rejected).
    #[error("authentication required for {reference}{}", if *.rejected { " (the credentials were rejected)" } else { " (configure registry credentials)" })]
    AuthRequired {
        /// The reference.
        reference: String,
        /// Whether credentials were sent and refused.
        rejected: bool,
    },
    /// The credentials do not grant access (HTTP 403).
    #[error("access to {reference} denied")]
    AccessDenied {
        /// The reference.
        reference: String,
    },
    /// No such chart in the repository or registry.
    #[error("chart {name} not found in {repo}")]
    ChartNotFound {
        /// Chart name.
        name: String,
        /// Repository URL or OCI repository.
        repo: String,
    },
    /// The chart exists but not in a matching version.
    #[error("chart {name} version {version} not found in {repo}")]
    VersionNotFound {
        /// Chart name.
        name: String,
        /// The requested version or constraint.
        version: String,
        /// Repository URL or OCI repository.
        repo: String,
    },
    /// The downloaded bytes do not match the published digest.
    #[error("digest mismatch for {reference}: expected {expected}, got {actual}")]
    DigestMismatch {
        /// The reference.
        reference: String,
        /// Published digest.
        expected: String,
        /// Digest of what arrived.
        actual: String,
    },
    /// The archive or index exceeds the configured limit.
    #[error("{what} for {reference} exceeds the limit of {limit} bytes (raise the limit to allow it)")]
    TooLarge {
        /// The reference.
        reference: String,
        /// Archive, manifest, index.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// The source could not be reached (and nothing was cached).
    #[error("cannot fetch {reference}: {source}")]
    Unreachable {
        /// The reference.
        reference: String,
        /// The transport error.
        source: HttpError,
    },
    /// An unexpected HTTP status.
    #[error("cannot fetch {reference}: {url} answered HTTP {status}")]
    Http {
        /// The reference.
        reference: String,
        /// The URL requested.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The registry's manifest is not a Helm chart.
    #[error("{reference} is not a Helm chart: {reason}")]
    NotAChart {
        /// The reference.
        reference: String,
        /// What is wrong.
        reason: String,
    },
    /// The repository's `index.yaml` is unreadable.
    #[error("invalid index.yaml at {url}: {reason}")]
    InvalidIndex {
        /// The index URL.
        url: String,
        /// The parse error.
        reason: String,
    },
}

impl SourceError {
    /// Whether the failure means the source is unreachable or failing (so a
    /// cached copy may stand in), as opposed to an authoritative answer.
    pub fn is_unavailable(&self) -> bool {
        match self {
            SourceError::Unreachable { source, .. } => !matches!(source, HttpError::TooLarge { .. }),
            SourceError::Http { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// What `oci` and `repo` hand back: the verified archive and what the
/// request resolved to, before the fetcher caches it.
pub(crate) struct Resolved {
    pub(crate) archive: Vec<u8>,
    pub(crate) digest: Digest,
    pub(crate) version: String,
    pub(crate) origin: String,
    pub(crate) warnings: Vec<String>,
}

/// The error for a non-success status: 401/403 are about credentials, 404
/// is `not_found`, anything else is reported with the URL.
pub(crate) fn status_error(
    reference: &str,
    sent_credentials: bool,
    url: &Url,
    status: u16,
    not_found: SourceError,
) -> SourceError {
    match status {
        401 => SourceError::AuthRequired { reference: reference.to_string(), rejected: sent_credentials },
        403 => SourceError::AccessDenied { reference: reference.to_string() },
        404 => not_found,
        status => SourceError::Http { reference: reference.to_string(), url: url.to_string(), status },
    }
}

/// The real [`ChartSource`]: OCI registries and chart repositories over an
/// [`HttpClient`], with an optional [`ChartCache`].
#[derive(Clone, Debug)]
pub struct ChartFetcher<H> {
    http: H,
    cache: Option<ChartCache>,
}

impl<H: HttpClient> ChartFetcher<H> {
    /// A fetcher without a cache.
    pub fn new(http: H) -> ChartFetcher<H> {
        ChartFetcher { http, cache: None }
    }

    /// Adds a cache: archives are stored by digest, downloads of cached
    /// digests are skipped, and an unreachable source falls back to the
    /// archive the same request resolved to last time.
    pub fn with_cache(mut self, cache: ChartCache) -> ChartFetcher<H> {
        self.cache = Some(cache);
        self
    }

    async fn resolve(&self, request: &ChartRequest, options: &FetchOptions) -> Result<Resolved, SourceError> {
        match &request.reference {
            ChartRef::Oci { .. } => oci::fetch(&self.http, request, options, self.cache.as_ref()).await,
            ChartRef::Repo { .. } => repo::fetch(&self.http, request, options, self.cache.as_ref()).await,
        }
    }
}

#[async_trait]
impl<H: HttpClient> ChartSource for ChartFetcher<H> {
    async fn fetch(&self, request: &ChartRequest, options: &FetchOptions) -> Result<FetchedChart, SourceError> {
        let key = request.cache_key();
        let name = request.reference.chart_name().to_string();
        match self.resolve(request, options).await {
            Ok(r) => {
                let mut warnings = r.warnings;
                if let Some(cache) = &self.cache {
                    let stored = cache.put(&r.archive).and_then(|digest| {
                        cache.put_ref(&CachedRef {
                            key,
                            digest: digest.to_string(),
                            name: name.clone(),
                            version: r.version.clone(),
                            origin: r.origin.clone(),
                        })
                    });
                    if let Err(e) = stored {
                        warnings.push(format!("could not cache {request}: {e}"));
                    }
                }
                Ok(FetchedChart {
                    archive: r.archive,
                    digest: r.digest,
                    name,
                    version: r.version,
                    origin: r.origin,
                    from_cache: false,
                    warnings,
                })
            }
            Err(e) if e.is_unavailable() => {
                let Some((entry, archive)) = self.cache.as_ref().and_then(|c| c.get_by_ref(&key)) else {
                    return Err(e);
                };
                let digest = sha256_digest(&archive);
                Ok(FetchedChart {
                    archive,
                    digest,
                    name: entry.name,
                    version: entry.version,
                    origin: entry.origin,
                    from_cache: true,
                    warnings: vec![format!("using the cached chart: {e}")],
                })
            }
            Err(e) => Err(e),
        }
    }
}

/// Picks a version as Helm does (`IndexFile.Get`,
/// `GetTagMatchingVersionOrConstraint`): an exact text match wins; otherwise
/// the newest version satisfying the constraint (`""` means `*`, which skips
/// prereleases). Candidates that are not semver only match exactly.
pub fn select_version<'a>(
    candidates: impl IntoIterator<Item = &'a str>,
    wanted: &str,
) -> Result<Option<&'a str>, String> {
    use ferry_sprig::semver::{Constraints, Version};
    let candidates: Vec<&str> = candidates.into_iter().collect();
    if !wanted.is_empty()
        && let Some(exact) = candidates.iter().find(|c| **c == wanted)
    {
        return Ok(Some(exact));
    }
    let constraint = Constraints::parse(if wanted.is_empty() { "*" } else { wanted }).map_err(|e| e.to_string())?;
    let mut versions: Vec<(Version, &str)> =
        candidates.iter().filter_map(|c| Version::parse(c).ok().map(|v| (v, *c))).collect();
    // Newest first; the sort is stable so equal versions keep their order.
    versions.sort_by(|a, b| b.0.compare(&a.0).cmp(&0));
    Ok(versions.into_iter().find(|(v, _)| constraint.check(v)).map(|(_, c)| c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        let r = ChartRef::parse("oci://localhost:5000/charts/web", "ignored").unwrap();
        assert_eq!(
            r,
            ChartRef::Oci {
                registry: "localhost:5000".into(),
                repository: "charts/web".into(),
                tag: None,
                digest: None
            }
        );
        assert_eq!(r.chart_name(), "web");
        let r = ChartRef::parse("oci://r.example.com/web:1.2.3", "").unwrap();
        assert!(
            matches!(r, ChartRef::Oci { ref repository, tag: Some(ref t), .. } if repository == "web" && t == "1.2.3")
        );
        let pin = format!("oci://r.example.com/a/web@{}", sha256_digest(b"x"));
        assert!(matches!(ChartRef::parse(&pin, "").unwrap(), ChartRef::Oci { digest: Some(_), .. }));
        let r = ChartRef::parse("https://charts.example.com/stable", "web").unwrap();
        assert_eq!(r.chart_name(), "web");
        for bad in ["oci://", "oci://host", "oci://host/", "oci://host/a//b", "ftp://x/y", "https://x", "nonsense"] {
            assert!(ChartRef::parse(bad, "").is_err(), "{bad}");
        }
        assert!(ChartRef::parse("https://charts.example.com", " ").is_err());
    }

    #[test]
    fn selects_versions_like_helm() {
        let c = ["1.0.0", "2.0.0-rc.1", "1.10.0", "1.2.0", "not-semver", "1.2.0+build"];
        assert_eq!(select_version(c, "").unwrap(), Some("1.10.0"));
        assert_eq!(select_version(c, "1.2.0+build").unwrap(), Some("1.2.0+build"));
        assert_eq!(select_version(c, "not-semver").unwrap(), Some("not-semver"));
        assert_eq!(select_version(c, "~1.2").unwrap(), Some("1.2.0"));
        assert_eq!(select_version(c, ">=2.0.0-0").unwrap(), Some("2.0.0-rc.1"));
        assert_eq!(select_version(c, "3.x").unwrap(), None);
        assert!(select_version(c, "!!").is_err());
    }

    #[test]
    fn unavailable_errors() {
        let http = |status| SourceError::Http { reference: "r".into(), url: "u".into(), status };
        assert!(http(503).is_unavailable());
        assert!(!http(404).is_unavailable());
        let down = HttpError::Unreachable { url: "u".into(), reason: "refused".into() };
        assert!(SourceError::Unreachable { reference: "r".into(), source: down }.is_unavailable());
        assert!(!SourceError::AuthRequired { reference: "r".into(), rejected: false }.is_unavailable());
    }
}
