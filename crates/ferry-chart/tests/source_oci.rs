//! Chart pulls from an OCI registry: a minimal OCI distribution server
//! (manifests, blobs, tag listing with pagination, basic auth and the
//! bearer token flow) runs on 127.0.0.1 inside the test.

mod source_support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use ferry_chart::source::{
    ChartCache, ChartFetcher, ChartRequest, ChartSource, Credentials, FetchOptions, SourceError,
};
use source_support::{Server, archive_files, chart_archive, http_client, sha256};

const CONFIG_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
const LAYER_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";

#[derive(Clone)]
enum Auth {
    Anonymous,
    Basic,
    Bearer,
}

#[derive(Default)]
struct Repo {
    /// tag or digest -> manifest bytes
    manifests: BTreeMap<String, Vec<u8>>,
    blobs: BTreeMap<String, Vec<u8>>,
}

struct Registry {
    auth: Auth,
    repos: Mutex<BTreeMap<String, Repo>>,
    /// Requests per path, to see what was fetched.
    hits: Mutex<Vec<String>>,
    /// Blobs served with different bytes than their digest.
    tamper: Mutex<bool>,
    tag_page_size: usize,
}

const USER: &str = "alice";
const PASSWORD: &str = "s3cret";
const TOKEN: &str = "tok-123";

type Shared = Arc<Registry>;

fn basic_ok(headers: &HeaderMap) -> bool {
    let want = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}")));
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) == Some(want.as_str())
}

/// The 401 to send, or `None` when the request may proceed.
fn denial(reg: &Registry, headers: &HeaderMap, addr: &str, repo: &str) -> Option<Response> {
    match reg.auth {
        Auth::Anonymous => None,
        Auth::Basic if basic_ok(headers) => None,
        Auth::Basic => Some(
            (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Basic realm=\"test-registry\"".to_string())])
                .into_response(),
        ),
        Auth::Bearer => {
            let bearer = format!("Bearer {TOKEN}");
            if headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) == Some(bearer.as_str()) {
                return None;
            }
            let challenge = format!(
                "Bearer realm=\"http://{addr}/token\",service=\"test-registry\",scope=\"repository:{repo}:pull\""
            );
            Some((StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, challenge)]).into_response())
        }
    }
}

async fn token(State(reg): State<Shared>, headers: HeaderMap, Query(q): Query<BTreeMap<String, String>>) -> Response {
    reg.hits.lock().unwrap().push(format!("token scope={}", q.get("scope").cloned().unwrap_or_default()));
    if q.get("service").map(String::as_str) != Some("test-registry") {
        return StatusCode::BAD_REQUEST.into_response();
    }
    if !basic_ok(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    axum::Json(serde_json::json!({"token": TOKEN})).into_response()
}

async fn v2(State(reg): State<Shared>, headers: HeaderMap, Path(rest): Path<String>) -> Response {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default().to_string();
    reg.hits.lock().unwrap().push(rest.clone());
    let (repo, kind, reference) = if let Some(repo) = rest.strip_suffix("/tags/list") {
        (repo.to_string(), "tags", String::new())
    } else if let Some((repo, r)) = rest.split_once("/manifests/") {
        (repo.to_string(), "manifests", r.to_string())
    } else if let Some((repo, r)) = rest.split_once("/blobs/") {
        (repo.to_string(), "blobs", r.to_string())
    } else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(denied) = denial(&reg, &headers, &host, &repo) {
        return denied;
    }
    let repos = reg.repos.lock().unwrap();
    let Some(r) = repos.get(&repo) else {
        return (StatusCode::NOT_FOUND, r#"{"errors":[{"code":"NAME_UNKNOWN"}]}"#).into_response();
    };
    match kind {
        "tags" => tag_page(&reg, &repo, r),
        "manifests" => match r.manifests.get(&reference) {
            Some(m) => {
                ([(header::CONTENT_TYPE, "application/vnd.oci.image.manifest.v1+json")], m.clone()).into_response()
            }
            None => StatusCode::NOT_FOUND.into_response(),
        },
        _ => match r.blobs.get(&reference) {
            Some(b) => {
                let mut body = b.clone();
                if *reg.tamper.lock().unwrap()
                    && let Some(last) = body.last_mut()
                {
                    *last ^= 0xff;
                }
                body.into_response()
            }
            None => StatusCode::NOT_FOUND.into_response(),
        },
    }
}

// The first page of tags; a `Link` header points at the rest when there
// are more than `tag_page_size`, as Docker's registry paginates.
fn tag_page(reg: &Registry, repo: &str, r: &Repo) -> Response {
    let mut tags: Vec<String> = r.manifests.keys().filter(|k| !k.starts_with("sha256:")).cloned().collect();
    tags.sort();
    let page: Vec<String> = tags.iter().take(reg.tag_page_size).cloned().collect();
    let body = axum::Json(serde_json::json!({"name": repo, "tags": page}));
    if tags.len() > reg.tag_page_size {
        let next = format!("</v2/{repo}/tags/list?page2=1>; rel=\"next\"");
        return ([(header::LINK, next)], body).into_response();
    }
    body.into_response()
}

struct Fixture {
    server: Server,
    registry: Shared,
}

impl Fixture {
    fn reference(&self, repo: &str) -> String {
        format!("oci://{}/{repo}", self.server.addr)
    }

    fn push(&self, repo: &str, tag: &str, archive: &[u8], layer_type: &str, config_type: &str) -> String {
        let config = br#"{"name":"web","version":"1.0.0"}"#.to_vec();
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": config_type, "digest": sha256(&config), "size": config.len()},
            "layers": [{"mediaType": layer_type, "digest": sha256(archive), "size": archive.len()}],
        });
        let manifest = serde_json::to_vec(&manifest).unwrap();
        let manifest_digest = sha256(&manifest);
        let mut repos = self.registry.repos.lock().unwrap();
        let r = repos.entry(repo.to_string()).or_default();
        r.blobs.insert(sha256(&config), config);
        r.blobs.insert(sha256(archive), archive.to_vec());
        r.manifests.insert(tag.to_string(), manifest.clone());
        r.manifests.insert(manifest_digest.clone(), manifest);
        manifest_digest
    }

    fn hits(&self) -> Vec<String> {
        self.registry.hits.lock().unwrap().clone()
    }
}

async fn registry(auth: Auth) -> Fixture {
    registry_with_pages(auth, 1000).await
}

async fn registry_with_pages(auth: Auth, tag_page_size: usize) -> Fixture {
    let registry = Arc::new(Registry {
        auth,
        repos: Mutex::new(BTreeMap::new()),
        hits: Mutex::new(Vec::new()),
        tamper: Mutex::new(false),
        tag_page_size,
    });
    let router =
        Router::new().route("/token", get(token)).route("/v2/{*rest}", get(v2_or_page2)).with_state(registry.clone());
    Fixture { server: Server::start(router).await, registry }
}

// The second tag page: everything after the first `tag_page_size` tags.
async fn v2_or_page2(
    State(reg): State<Shared>,
    headers: HeaderMap,
    Path(rest): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if q.contains_key("page2")
        && let Some(repo) = rest.strip_suffix("/tags/list")
    {
        reg.hits.lock().unwrap().push(format!("{rest}?page2"));
        let repos = reg.repos.lock().unwrap();
        let mut tags: Vec<String> = repos
            .get(repo)
            .map(|r| r.manifests.keys().filter(|k| !k.starts_with("sha256:")).cloned().collect())
            .unwrap_or_default();
        tags.sort();
        let rest: Vec<String> = tags.into_iter().skip(reg.tag_page_size).collect();
        return axum::Json(serde_json::json!({"name": repo, "tags": rest})).into_response();
    }
    v2(State(reg), headers, Path(rest)).await
}

fn creds() -> Option<Credentials> {
    Some(Credentials { username: USER.into(), password: PASSWORD.into() })
}

fn fetcher() -> ChartFetcher<ferry_chart::source::ReqwestClient> {
    ChartFetcher::new(http_client())
}

#[tokio::test]
async fn anonymous_pull_of_an_exact_version_with_build_metadata() {
    let f = registry(Auth::Anonymous).await;
    let archive = chart_archive("web", "1.2.3+build.5");
    f.push("charts/web", "1.2.3_build.5", &archive, LAYER_TYPE, CONFIG_TYPE);
    let request = ChartRequest::parse(&f.reference("charts/web"), "", "1.2.3+build.5").unwrap();
    let chart = fetcher().fetch(&request, &FetchOptions::default()).await.unwrap();
    assert_eq!(chart.archive, archive);
    assert_eq!(chart.digest.to_string(), sha256(&archive));
    assert_eq!((chart.name.as_str(), chart.version.as_str()), ("web", "1.2.3+build.5"));
    assert!(!chart.from_cache);
    assert!(chart.warnings.is_empty());
    let files = archive_files(&chart.archive);
    assert!(files.iter().any(|(p, b)| p == "web/Chart.yaml" && b.contains("version: 1.2.3+build.5")));
    assert!(f.hits().contains(&"charts/web/manifests/1.2.3_build.5".to_string()), "{:?}", f.hits());
}

#[tokio::test]
async fn bearer_token_flow_with_credentials() {
    let f = registry(Auth::Bearer).await;
    let archive = chart_archive("web", "2.0.0");
    f.push("charts/web", "2.0.0", &archive, LAYER_TYPE, CONFIG_TYPE);
    let request = ChartRequest::parse(&f.reference("charts/web"), "", "2.0.0").unwrap();
    let options = FetchOptions { credentials: creds(), ..FetchOptions::default() };
    let chart = fetcher().fetch(&request, &options).await.unwrap();
    assert_eq!(chart.archive, archive);
    // One token for the manifest, reused for the blob.
    let tokens: Vec<String> = f.hits().into_iter().filter(|h| h.starts_with("token")).collect();
    assert_eq!(tokens, vec!["token scope=repository:charts/web:pull".to_string()]);

    let err = fetcher().fetch(&request, &FetchOptions::default()).await.unwrap_err();
    assert!(matches!(err, SourceError::AuthRequired { rejected: false, .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(&format!("authentication required for oci://{}/charts/web", f.server.addr)),
        "{err}"
    );

    let wrong = FetchOptions {
        credentials: Some(Credentials { username: USER.into(), password: "nope".into() }),
        ..FetchOptions::default()
    };
    let err = fetcher().fetch(&request, &wrong).await.unwrap_err();
    assert!(matches!(err, SourceError::AuthRequired { rejected: true, .. }), "{err:?}");
}

#[tokio::test]
async fn basic_auth_registry() {
    let f = registry(Auth::Basic).await;
    let archive = chart_archive("db", "0.1.0");
    f.push("db", "0.1.0", &archive, LAYER_TYPE, CONFIG_TYPE);
    let request = ChartRequest::parse(&f.reference("db"), "", "0.1.0").unwrap();
    let options = FetchOptions { credentials: creds(), ..FetchOptions::default() };
    assert_eq!(fetcher().fetch(&request, &options).await.unwrap().archive, archive);
    let err = fetcher().fetch(&request, &FetchOptions::default()).await.unwrap_err();
    assert!(err.to_string().contains("authentication required"), "{err}");
}

#[tokio::test]
async fn constraints_resolve_through_paginated_tag_lists() {
    let f = registry_with_pages(Auth::Bearer, 2).await;
    for v in ["1.0.0", "1.1.0", "1.2.0", "2.0.0-rc.1", "1.1.5"] {
        f.push("charts/web", &v.replace('+', "_"), &chart_archive("web", v), LAYER_TYPE, CONFIG_TYPE);
    }
    let options = FetchOptions { credentials: creds(), ..FetchOptions::default() };
    let cases = [("", "1.2.0"), ("~1.1", "1.1.5"), ("^1.0.0 <1.1.0", "1.0.0"), (">=2.0.0-0", "2.0.0-rc.1")];
    for (wanted, got) in cases {
        let request = ChartRequest::parse(&f.reference("charts/web"), "", wanted).unwrap();
        let chart = fetcher().fetch(&request, &options).await.unwrap();
        assert_eq!(chart.version, got, "{wanted}");
        assert!(archive_files(&chart.archive).iter().any(|(_, b)| b.contains(&format!("version: {got}"))));
    }
    assert!(f.hits().iter().any(|h| h.ends_with("tags/list?page2")), "second page fetched: {:?}", f.hits());

    let request = ChartRequest::parse(&f.reference("charts/web"), "", "~3.0").unwrap();
    let err = fetcher().fetch(&request, &options).await.unwrap_err();
    assert_eq!(err.to_string(), format!("chart web version ~3.0 not found in oci://{}/charts/web", f.server.addr));
}

#[tokio::test]
async fn missing_charts_and_versions() {
    let f = registry(Auth::Anonymous).await;
    f.push("charts/web", "1.0.0", &chart_archive("web", "1.0.0"), LAYER_TYPE, CONFIG_TYPE);
    let request = ChartRequest::parse(&f.reference("charts/web"), "", "9.9.9").unwrap();
    let err = fetcher().fetch(&request, &FetchOptions::default()).await.unwrap_err();
    assert_eq!(err.to_string(), format!("chart web version 9.9.9 not found in oci://{}/charts/web", f.server.addr));
    let request = ChartRequest::parse(&f.reference("charts/nothing"), "", "").unwrap();
    let err = fetcher().fetch(&request, &FetchOptions::default()).await.unwrap_err();
    assert!(matches!(err, SourceError::ChartNotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn media_types_are_checked() {
    let f = registry(Auth::Anonymous).await;
    let archive = chart_archive("web", "1.0.0");
    f.push("legacy", "1.0.0", &archive, "application/tar+gzip", CONFIG_TYPE);
    f.push(
        "image",
        "1.0.0",
        &archive,
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.config.v1+json",
    );
    f.push("nolayer", "1.0.0", &archive, "application/octet-stream", CONFIG_TYPE);

    let legacy = ChartRequest::parse(&f.reference("legacy"), "", "1.0.0").unwrap();
    let chart = fetcher().fetch(&legacy, &FetchOptions::default()).await.unwrap();
    assert_eq!(chart.archive, archive);
    assert_eq!(chart.warnings, vec!["chart media type application/tar+gzip is deprecated".to_string()]);

    let image = ChartRequest::parse(&f.reference("image"), "", "1.0.0").unwrap();
    let err = fetcher().fetch(&image, &FetchOptions::default()).await.unwrap_err();
    assert!(
        err.to_string().contains("could not load config with mediatype application/vnd.cncf.helm.config.v1+json"),
        "{err}"
    );

    let nolayer = ChartRequest::parse(&f.reference("nolayer"), "", "1.0.0").unwrap();
    let err = fetcher().fetch(&nolayer, &FetchOptions::default()).await.unwrap_err();
    assert!(err.to_string().contains("manifest does not contain a layer with mediatype"), "{err}");
}

#[tokio::test]
async fn blob_digest_and_size_limits_are_enforced() {
    let f = registry(Auth::Anonymous).await;
    let archive = chart_archive("web", "1.0.0");
    f.push("web", "1.0.0", &archive, LAYER_TYPE, CONFIG_TYPE);
    let request = ChartRequest::parse(&f.reference("web"), "", "1.0.0").unwrap();

    *f.registry.tamper.lock().unwrap() = true;
    let err = fetcher().fetch(&request, &FetchOptions::default()).await.unwrap_err();
    assert!(matches!(err, SourceError::DigestMismatch { .. }), "{err:?}");
    assert!(err.to_string().contains(&format!("expected {}", sha256(&archive))), "{err}");
    *f.registry.tamper.lock().unwrap() = false;

    let small = FetchOptions { max_archive_bytes: 100, ..FetchOptions::default() };
    let err = fetcher().fetch(&request, &small).await.unwrap_err();
    assert!(matches!(err, SourceError::TooLarge { limit: 100, .. }), "{err:?}");
    let blobs = f.hits().iter().filter(|h| h.contains("/blobs/")).count();
    assert_eq!(blobs, 1, "the oversized layer is refused before downloading it");
}

#[tokio::test]
async fn digest_pins_are_verified() {
    let f = registry(Auth::Anonymous).await;
    let archive = chart_archive("web", "1.0.0");
    let manifest_digest = f.push("web", "1.0.0", &archive, LAYER_TYPE, CONFIG_TYPE);
    let pinned = format!("{}@{manifest_digest}", f.reference("web"));
    let request = ChartRequest::parse(&pinned, "", "").unwrap();
    assert_eq!(fetcher().fetch(&request, &FetchOptions::default()).await.unwrap().archive, archive);
    // A pin naming other content: the registry has no such manifest.
    let other = format!("{}@{}", f.reference("web"), sha256(b"other"));
    let request = ChartRequest::parse(&other, "", "").unwrap();
    assert!(fetcher().fetch(&request, &FetchOptions::default()).await.is_err());
}

#[tokio::test]
async fn cache_serves_known_digests_and_works_offline() {
    let dir = tempfile::tempdir().unwrap();
    let f = registry(Auth::Bearer).await;
    let archive = chart_archive("web", "1.0.0");
    f.push("charts/web", "1.0.0", &archive, LAYER_TYPE, CONFIG_TYPE);
    let request = ChartRequest::parse(&f.reference("charts/web"), "", "1.0.0").unwrap();
    let options = FetchOptions { credentials: creds(), ..FetchOptions::default() };
    let cached = ChartFetcher::new(http_client()).with_cache(ChartCache::open(dir.path()).unwrap());

    let first = cached.fetch(&request, &options).await.unwrap();
    assert!(!first.from_cache);
    let blob_fetches = |f: &Fixture| f.hits().iter().filter(|h| h.contains("/blobs/")).count();
    assert_eq!(blob_fetches(&f), 1);
    // Online again: the manifest is re-resolved, the blob comes from the cache.
    let second = cached.fetch(&request, &options).await.unwrap();
    assert_eq!(second.archive, archive);
    assert!(!second.from_cache);
    assert_eq!(blob_fetches(&f), 1, "cached digest is not downloaded again");

    let addr = f.server.addr;
    f.server.stop().await;
    let offline = cached.fetch(&request, &options).await.unwrap();
    assert!(offline.from_cache);
    assert_eq!(offline.archive, archive);
    assert_eq!(offline.version, "1.0.0");
    assert!(offline.warnings[0].contains("using the cached chart"), "{:?}", offline.warnings);

    // A request never resolved before has nothing to fall back on.
    let unknown = ChartRequest::parse(&format!("oci://{addr}/charts/web"), "", "2.0.0").unwrap();
    let err = cached.fetch(&unknown, &options).await.unwrap_err();
    assert!(matches!(err, SourceError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains(&format!("oci://{addr}/charts/web version 2.0.0")), "{err}");
}
