//! Chart repositories (`pkg/repo`): `index.yaml`, version selection,
//! relative chart URLs, basic auth kept to the repository's own host unless
//! `pass_credentials_to_all_domains`, digest verification.

use std::collections::BTreeMap;

use serde::Deserialize;
use url::Url;

use super::cache::ChartCache;
use super::digest::{Digest, sha256_digest};
use super::http::{HttpClient, HttpError, HttpRequest};
use super::{ChartRef, ChartRequest, FetchOptions, Resolved, SourceError, select_version, status_error};

/// One chart version listed in `index.yaml` (the fields fetching needs).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct IndexEntry {
    /// Chart name.
    pub name: String,
    /// Chart version.
    pub version: String,
    /// Download URLs, absolute or relative to the repository URL; Helm uses
    /// the first.
    pub urls: Vec<String>,
    /// SHA-256 of the archive (hex, as `helm repo index` writes it), or empty.
    pub digest: String,
}

/// A parsed `index.yaml`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RepoIndex {
    /// `apiVersion`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// Chart name to its versions (`null` entries are skipped).
    pub entries: BTreeMap<String, Vec<Option<IndexEntry>>>,
}

impl RepoIndex {
    /// Parses `index.yaml` (YAML or JSON).
    pub fn parse(bytes: &[u8]) -> Result<RepoIndex, String> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err("index.yaml is empty".into());
        }
        let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
        // The default budget is sized for config files; real indexes (tens
        // of MB) have millions of nodes. Scale it with the input, which the
        // caller has already bounded.
        let mut budget = serde_saphyr::Budget::default();
        budget.max_events = budget.max_events.max(text.len());
        budget.max_nodes = budget.max_nodes.max(text.len());
        budget.max_total_scalar_bytes = budget.max_total_scalar_bytes.max(text.len());
        let mut options = serde_saphyr::Options::default();
        options.budget = Some(budget);
        let index: RepoIndex = serde_saphyr::from_str_with_options(text, options).map_err(|e| e.to_string())?;
        if index.api_version.is_empty() {
            return Err("no API version specified".into());
        }
        Ok(index)
    }

    /// Helm's `IndexFile.Get`: the entry for `name` whose version equals
    /// `version`, else the newest satisfying it as a constraint (`""`: the
    /// newest stable version).
    pub fn find(&self, name: &str, version: &str) -> Result<Option<&IndexEntry>, String> {
        let Some(entries) = self.entries.get(name) else { return Ok(None) };
        let entries: Vec<&IndexEntry> = entries.iter().flatten().collect();
        let chosen = select_version(entries.iter().map(|e| e.version.as_str()), version)?;
        Ok(chosen.and_then(|v| entries.into_iter().find(|e| e.version == v)))
    }
}

/// Helm's `ResolveReferenceURL`: an absolute chart URL is kept; a relative
/// one is resolved against the repository URL taken as a directory, and
/// carries the repository URL's query string.
pub fn resolve_reference_url(base: &Url, reference: &str) -> Result<Url, url::ParseError> {
    match Url::parse(reference) {
        Ok(absolute) => return Ok(absolute),
        Err(url::ParseError::RelativeUrlWithoutBase) => {}
        Err(e) => return Err(e),
    }
    let mut dir = base.clone();
    let path = format!("{}/", base.path().trim_end_matches('/'));
    dir.set_path(&path);
    let mut resolved = dir.join(reference)?;
    resolved.set_query(base.query());
    Ok(resolved)
}

fn index_url(repo: &Url) -> Url {
    let mut u = repo.clone();
    let path = format!("{}/index.yaml", repo.path().trim_end_matches('/'));
    u.set_path(&path);
    u
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme() && a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

pub(crate) async fn fetch<H: HttpClient>(
    http: &H,
    request: &ChartRequest,
    options: &FetchOptions,
    cache: Option<&ChartCache>,
) -> Result<Resolved, SourceError> {
    let ChartRef::Repo { url: repo, chart } = &request.reference else {
        return Err(SourceError::InvalidReference {
            reference: request.reference.location(),
            reason: "not a chart repository reference".into(),
        });
    };
    let reference = request.to_string();
    let repo_text = repo.to_string();
    let auth = |url: &Url| -> Vec<(String, String)> {
        match &options.credentials {
            Some(c) if options.pass_credentials_to_all_domains || same_origin(repo, url) => {
                vec![("Authorization".to_string(), c.basic_header())]
            }
            _ => Vec::new(),
        }
    };
    let sent_credentials = |url: &Url| !auth(url).is_empty();
    let transport = |source: HttpError, what: &'static str, limit: u64| match source {
        HttpError::TooLarge { .. } => SourceError::TooLarge { reference: reference.clone(), what, limit },
        source => SourceError::Unreachable { reference: reference.clone(), source },
    };

    let idx_url = index_url(repo);
    let response = http
        .get(HttpRequest { url: idx_url.clone(), headers: auth(&idx_url), max_body_bytes: options.max_index_bytes })
        .await
        .map_err(|e| transport(e, "index.yaml", options.max_index_bytes))?;
    if !(200..300).contains(&response.status) {
        let not_found = SourceError::InvalidIndex {
            url: idx_url.to_string(),
            reason: format!("HTTP 404: {repo_text} is not a chart repository"),
        };
        return Err(status_error(&reference, sent_credentials(&idx_url), &idx_url, response.status, not_found));
    }
    let index = RepoIndex::parse(&response.body)
        .map_err(|reason| SourceError::InvalidIndex { url: idx_url.to_string(), reason })?;
    if !index.entries.contains_key(chart) {
        return Err(SourceError::ChartNotFound { name: chart.clone(), repo: repo_text });
    }
    let entry = index
        .find(chart, &request.version)
        .map_err(|reason| SourceError::InvalidVersion {
            reference: reference.clone(),
            version: request.version.clone(),
            reason,
        })?
        .ok_or_else(|| SourceError::VersionNotFound {
            name: chart.clone(),
            version: if request.version.is_empty() { "(latest)".into() } else { request.version.clone() },
            repo: repo_text.clone(),
        })?;
    let first_url = entry.urls.first().ok_or_else(|| SourceError::InvalidIndex {
        url: idx_url.to_string(),
        reason: format!("chart {chart} version {} has no download URL", entry.version),
    })?;
    let chart_url = resolve_reference_url(repo, first_url).map_err(|e| SourceError::InvalidIndex {
        url: idx_url.to_string(),
        reason: format!("chart URL {first_url:?}: {e}"),
    })?;
    let expected = if entry.digest.is_empty() {
        None
    } else {
        Some(
            Digest::parse(&entry.digest)
                .map_err(|reason| SourceError::InvalidIndex { url: idx_url.to_string(), reason })?,
        )
    };
    let version = entry.version.clone();
    let origin = chart_url.to_string();

    if let Some(archive) = expected.as_ref().and_then(|d| cache.and_then(|c| c.get(d))) {
        let digest = sha256_digest(&archive);
        return Ok(Resolved { archive, digest, version, origin, warnings: Vec::new() });
    }
    let response = http
        .get(HttpRequest {
            url: chart_url.clone(),
            headers: auth(&chart_url),
            max_body_bytes: options.max_archive_bytes,
        })
        .await
        .map_err(|e| transport(e, "chart archive", options.max_archive_bytes))?;
    if !(200..300).contains(&response.status) {
        let not_found = SourceError::VersionNotFound {
            name: chart.clone(),
            version: version.clone(),
            repo: format!("{repo_text} (the index lists {chart_url}, which does not exist)"),
        };
        return Err(status_error(&reference, sent_credentials(&chart_url), &chart_url, response.status, not_found));
    }
    let digest = sha256_digest(&response.body);
    if let Some(expected) = expected
        && expected != digest
    {
        return Err(SourceError::DigestMismatch {
            reference,
            expected: expected.to_string(),
            actual: digest.to_string(),
        });
    }
    Ok(Resolved { archive: response.body, digest, version, origin, warnings: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_helm() {
        let base = Url::parse("https://charts.example.com/stable?token=t").unwrap();
        let cases = [
            ("web-1.0.0.tgz", "https://charts.example.com/stable/web-1.0.0.tgz?token=t"),
            ("charts/web-1.0.0.tgz", "https://charts.example.com/stable/charts/web-1.0.0.tgz?token=t"),
            ("/abs/web.tgz", "https://charts.example.com/abs/web.tgz?token=t"),
            ("https://cdn.example.com/web.tgz", "https://cdn.example.com/web.tgz"),
        ];
        for (r, want) in cases {
            assert_eq!(resolve_reference_url(&base, r).unwrap().as_str(), want, "{r}");
        }
        let slash = Url::parse("https://charts.example.com/stable/").unwrap();
        assert_eq!(resolve_reference_url(&slash, "a.tgz").unwrap().as_str(), "https://charts.example.com/stable/a.tgz");
        assert_eq!(index_url(&slash).as_str(), "https://charts.example.com/stable/index.yaml");
        assert_eq!(index_url(&base).as_str(), "https://charts.example.com/stable/index.yaml?token=t");
    }

    #[test]
    fn parses_index() {
        let yaml = br#"
apiVersion: v1
entries:
  web:
  - name: web
    version: 1.0.0
    urls: [web-1.0.0.tgz]
    digest: abc
    created: "2024-01-01T00:00:00Z"
    keywords: [a, b]
  - name: web
    version: 1.1.0
    urls: [web-1.1.0.tgz]
  - null
  other: []
generated: "2024-01-01T00:00:00Z"
"#;
        let index = RepoIndex::parse(yaml).unwrap();
        assert_eq!(index.find("web", "").unwrap().unwrap().version, "1.1.0");
        assert_eq!(index.find("web", "~1.0").unwrap().unwrap().digest, "abc");
        assert_eq!(index.find("web", "2.0.0").unwrap(), None);
        assert_eq!(index.find("nope", "").unwrap(), None);
        assert!(RepoIndex::parse(b"entries: {}").unwrap_err().contains("API version"));
        assert!(RepoIndex::parse(b"  ").is_err());
        assert!(RepoIndex::parse(b"apiVersion: [").is_err());
        let json = br#"{"apiVersion":"v1","entries":{"web":[{"name":"web","version":"0.1.0","urls":["w.tgz"]}]}}"#;
        assert_eq!(RepoIndex::parse(json).unwrap().find("web", "").unwrap().unwrap().urls, ["w.tgz"]);
    }

    #[test]
    fn numeric_versions_stay_text() {
        let index =
            RepoIndex::parse(b"apiVersion: v1\nentries:\n  web:\n  - version: 1.10\n    urls: [a.tgz]\n").unwrap();
        assert_eq!(index.entries["web"][0].as_ref().unwrap().version, "1.10");
    }
}
