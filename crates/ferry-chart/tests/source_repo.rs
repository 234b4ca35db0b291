//! Chart downloads from `index.yaml` repositories served on 127.0.0.1 by
//! the test, with basic auth, relative and absolute chart URLs, digests and
//! the local cache.

mod source_support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use ferry_chart::source::{
    CachedRef, ChartCache, ChartFetcher, ChartRequest, ChartSource, Credentials, Digest, FetchOptions, ReqwestClient,
    SourceError,
};
use source_support::{Server, archive_files, chart_archive, http_client, sha256};

const USER: &str = "bob";
const PASSWORD: &str = "hunter2";

/// A file server; `None` credentials means no auth. Records the
/// `Authorization` header of every request.
struct Files {
    files: Mutex<BTreeMap<String, Vec<u8>>>,
    credentials: Option<(&'static str, &'static str)>,
    seen: Mutex<Vec<(String, Option<String>)>>,
}

async fn serve_file(State(s): State<Arc<Files>>, headers: HeaderMap, Path(path): Path<String>) -> Response {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_string);
    s.seen.lock().unwrap().push((path.clone(), auth.clone()));
    if let Some((u, p)) = s.credentials {
        let want = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}")));
        if auth.as_deref() != Some(want.as_str()) {
            return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Basic realm=\"charts\"")]).into_response();
        }
    }
    match s.files.lock().unwrap().get(&path) {
        Some(body) => body.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

struct Repo {
    server: Server,
    state: Arc<Files>,
}

impl Repo {
    async fn start(credentials: Option<(&'static str, &'static str)>) -> Repo {
        let state = Arc::new(Files { files: Mutex::new(BTreeMap::new()), credentials, seen: Mutex::new(Vec::new()) });
        let router = Router::new().route("/{*path}", get(serve_file)).with_state(state.clone());
        Repo { server: Server::start(router).await, state }
    }

    fn put(&self, path: &str, body: Vec<u8>) {
        self.state.files.lock().unwrap().insert(path.to_string(), body);
    }

    fn seen(&self) -> Vec<(String, Option<String>)> {
        self.state.seen.lock().unwrap().clone()
    }

    fn downloads(&self, path: &str) -> usize {
        self.seen().iter().filter(|(p, _)| p == path).count()
    }
}

/// `index.yaml` listing `(version, url, digest)` entries of chart `web`.
fn index(entries: &[(&str, &str, Option<String>)]) -> Vec<u8> {
    let mut y = String::from("apiVersion: v1\nentries:\n  web:\n");
    for (version, url, digest) in entries {
        y.push_str(&format!(
            "  - apiVersion: v2\n    name: web\n    version: {version}\n    created: \"2024-05-01T10:00:00.123Z\"\n    urls:\n    - {url}\n"
        ));
        if let Some(d) = digest {
            // helm repo index writes the bare hex digest.
            y.push_str(&format!("    digest: {}\n", d.trim_start_matches("sha256:")));
        }
    }
    y.push_str("generated: \"2024-05-01T10:00:00Z\"\n");
    y.into_bytes()
}

fn fetcher() -> ChartFetcher<ReqwestClient> {
    ChartFetcher::new(http_client())
}

fn creds() -> FetchOptions {
    FetchOptions {
        credentials: Some(Credentials { username: USER.into(), password: PASSWORD.into() }),
        ..FetchOptions::default()
    }
}

#[tokio::test]
async fn fetches_by_exact_version_constraint_and_latest() {
    let repo = Repo::start(Some((USER, PASSWORD))).await;
    let v1 = chart_archive("web", "1.0.0");
    let v11 = chart_archive("web", "1.1.0");
    let rc = chart_archive("web", "2.0.0-rc.1");
    repo.put("stable/web-1.0.0.tgz", v1.clone());
    repo.put("stable/charts/web-1.1.0.tgz", v11.clone());
    repo.put("stable/web-2.0.0-rc.1.tgz", rc.clone());
    repo.put(
        "stable/index.yaml",
        index(&[
            ("2.0.0-rc.1", "web-2.0.0-rc.1.tgz", Some(sha256(&rc))),
            ("1.1.0", "charts/web-1.1.0.tgz", Some(sha256(&v11))),
            ("1.0.0", "web-1.0.0.tgz", None),
        ]),
    );
    let url = format!("{}/stable", repo.server.url());
    for (wanted, archive, version) in
        [("1.0.0", &v1, "1.0.0"), ("", &v11, "1.1.0"), ("~1.0", &v1, "1.0.0"), (">=2.0.0-0", &rc, "2.0.0-rc.1")]
    {
        let request = ChartRequest::parse(&url, "web", wanted).unwrap();
        let chart = fetcher().fetch(&request, &creds()).await.unwrap();
        assert_eq!(&chart.archive, archive, "{wanted}");
        assert_eq!(chart.version, version);
        assert_eq!(chart.digest.to_string(), sha256(archive));
        assert!(archive_files(&chart.archive).iter().any(|(p, b)| p == "web/Chart.yaml" && b.contains(version)));
    }
    assert_eq!(repo.downloads("stable/charts/web-1.1.0.tgz"), 1, "relative URL resolved under the repo path");
    // Every request carried the credentials: same host as the repository.
    assert!(repo.seen().iter().all(|(_, auth)| auth.is_some()));
}

#[tokio::test]
async fn clear_errors() {
    let repo = Repo::start(Some((USER, PASSWORD))).await;
    let v1 = chart_archive("web", "1.0.0");
    repo.put("index.yaml", index(&[("1.0.0", "web-1.0.0.tgz", Some(sha256(b"something else")))]));
    repo.put("web-1.0.0.tgz", v1);
    let url = repo.server.url();

    let request = ChartRequest::parse(&url, "web", "1.0.0").unwrap();
    let err = fetcher().fetch(&request, &FetchOptions::default()).await.unwrap_err();
    assert!(matches!(err, SourceError::AuthRequired { rejected: false, .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(&format!("authentication required for chart web version 1.0.0 from {url}")),
        "{err}"
    );

    let err = fetcher().fetch(&request, &creds()).await.unwrap_err();
    assert!(matches!(err, SourceError::DigestMismatch { .. }), "{err:?}");
    assert!(err.to_string().contains(&format!("expected {}", sha256(b"something else"))), "{err}");

    let missing = ChartRequest::parse(&url, "web", "9.9.9").unwrap();
    let err = fetcher().fetch(&missing, &creds()).await.unwrap_err();
    assert_eq!(err.to_string(), format!("chart web version 9.9.9 not found in {url}/"));

    let unknown = ChartRequest::parse(&url, "db", "").unwrap();
    let err = fetcher().fetch(&unknown, &creds()).await.unwrap_err();
    assert_eq!(err.to_string(), format!("chart db not found in {url}/"));

    let bad_constraint = ChartRequest::parse(&url, "web", ">>1").unwrap();
    let err = fetcher().fetch(&bad_constraint, &creds()).await.unwrap_err();
    assert!(matches!(err, SourceError::InvalidVersion { .. }), "{err:?}");

    let not_a_repo = ChartRequest::parse(&format!("{url}/nowhere"), "web", "").unwrap();
    let err = fetcher().fetch(&not_a_repo, &creds()).await.unwrap_err();
    assert!(err.to_string().contains("is not a chart repository"), "{err}");

    let small = FetchOptions { max_index_bytes: 10, ..creds() };
    let err = fetcher().fetch(&request, &small).await.unwrap_err();
    assert!(matches!(err, SourceError::TooLarge { what: "index.yaml", limit: 10, .. }), "{err:?}");
}

#[tokio::test]
async fn archive_size_limit() {
    let repo = Repo::start(None).await;
    let v1 = chart_archive("web", "1.0.0");
    repo.put("index.yaml", index(&[("1.0.0", "web-1.0.0.tgz", None)]));
    repo.put("web-1.0.0.tgz", v1.clone());
    let request = ChartRequest::parse(&repo.server.url(), "web", "1.0.0").unwrap();
    let small = FetchOptions { max_archive_bytes: (v1.len() - 1) as u64, ..FetchOptions::default() };
    let err = fetcher().fetch(&request, &small).await.unwrap_err();
    assert!(matches!(err, SourceError::TooLarge { what: "chart archive", .. }), "{err:?}");
    assert!(err.to_string().contains("exceeds the limit"), "{err}");
    let exact = FetchOptions { max_archive_bytes: v1.len() as u64, ..FetchOptions::default() };
    assert_eq!(fetcher().fetch(&request, &exact).await.unwrap().archive, v1);
}

#[tokio::test]
async fn credentials_stay_on_the_repository_host() {
    let repo = Repo::start(None).await;
    let cdn = Repo::start(None).await;
    let v1 = chart_archive("web", "1.0.0");
    cdn.put("dl/web-1.0.0.tgz", v1.clone());
    let absolute = format!("{}/dl/web-1.0.0.tgz", cdn.server.url());
    repo.put("index.yaml", index(&[("1.0.0", &absolute, Some(sha256(&v1)))]));
    let request = ChartRequest::parse(&repo.server.url(), "web", "1.0.0").unwrap();

    assert_eq!(fetcher().fetch(&request, &creds()).await.unwrap().archive, v1);
    assert!(repo.seen().iter().all(|(_, a)| a.is_some()), "repository got credentials");
    assert_eq!(cdn.seen(), vec![("dl/web-1.0.0.tgz".to_string(), None)], "another host (port) gets none");

    let pass_all = FetchOptions { pass_credentials_to_all_domains: true, ..creds() };
    assert_eq!(fetcher().fetch(&request, &pass_all).await.unwrap().archive, v1);
    assert!(cdn.seen()[1].1.is_some(), "--pass-credentials sends them everywhere");
}

#[tokio::test]
async fn cache_skips_downloads_survives_outages_and_drops_corrupt_entries() {
    let dir = tempfile::tempdir().unwrap();
    let cache = ChartCache::open(dir.path()).unwrap();
    let repo = Repo::start(Some((USER, PASSWORD))).await;
    let v1 = chart_archive("web", "1.0.0");
    let v2 = chart_archive("web", "1.1.0");
    repo.put("index.yaml", index(&[("1.1.0", "web-1.1.0.tgz", None), ("1.0.0", "web-1.0.0.tgz", Some(sha256(&v1)))]));
    repo.put("web-1.0.0.tgz", v1.clone());
    repo.put("web-1.1.0.tgz", v2.clone());
    let cached = ChartFetcher::new(http_client()).with_cache(cache.clone());
    let url = repo.server.url();
    let exact = ChartRequest::parse(&url, "web", "1.0.0").unwrap();
    let latest = ChartRequest::parse(&url, "web", "").unwrap();

    assert!(!cached.fetch(&exact, &creds()).await.unwrap().from_cache);
    assert_eq!(cached.fetch(&latest, &creds()).await.unwrap().version, "1.1.0");
    assert_eq!(repo.downloads("web-1.0.0.tgz"), 1);
    // The index's digest is in the cache: no second download.
    assert_eq!(cached.fetch(&exact, &creds()).await.unwrap().archive, v1);
    assert_eq!(repo.downloads("web-1.0.0.tgz"), 1);
    assert_eq!(repo.downloads("index.yaml"), 3, "the index is always re-read");

    // The cache is content-addressed on disk, with the reference mapping.
    let digest = Digest::parse(&sha256(&v1)).unwrap();
    let blob = dir.path().join("blobs/sha256").join(digest.hex());
    assert_eq!(std::fs::read(&blob).unwrap(), v1);
    let entry: CachedRef = cache.get_ref(&exact.cache_key()).unwrap();
    assert_eq!((entry.digest.as_str(), entry.version.as_str()), (sha256(&v1).as_str(), "1.0.0"));

    // A corrupt blob is discarded and fetched again.
    std::fs::write(&blob, b"garbage").unwrap();
    assert_eq!(cached.fetch(&exact, &creds()).await.unwrap().archive, v1);
    assert_eq!(repo.downloads("web-1.0.0.tgz"), 2);
    assert_eq!(std::fs::read(&blob).unwrap(), v1);

    // Repository down: both requests are served from what they resolved to.
    repo.server.stop().await;
    let offline = cached.fetch(&exact, &creds()).await.unwrap();
    assert!(offline.from_cache);
    assert_eq!(offline.archive, v1);
    let offline = cached.fetch(&latest, &creds()).await.unwrap();
    assert_eq!((offline.version.as_str(), offline.archive == v2), ("1.1.0", true));
    // Without a cache the outage is an error naming the reference.
    let err = fetcher().fetch(&exact, &creds()).await.unwrap_err();
    assert!(matches!(err, SourceError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().starts_with("cannot fetch chart web version 1.0.0 from"), "{err}");

    // Corrupt and offline: nothing trustworthy to serve.
    std::fs::write(&blob, b"garbage").unwrap();
    assert!(cached.fetch(&exact, &creds()).await.is_err());
}

#[tokio::test]
async fn chart_source_is_object_safe() {
    let repo = Repo::start(None).await;
    let v1 = chart_archive("web", "1.0.0");
    repo.put("index.yaml", index(&[("1.0.0", "web-1.0.0.tgz", Some(sha256(&v1)))]));
    repo.put("web-1.0.0.tgz", v1.clone());
    let source: Arc<dyn ChartSource> = Arc::new(fetcher());
    let request = ChartRequest::parse(&repo.server.url(), "web", "1.0.0").unwrap();
    assert_eq!(source.fetch(&request, &FetchOptions::default()).await.unwrap().archive, v1);
}
