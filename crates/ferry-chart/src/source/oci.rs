//! Pulling a chart from an OCI registry as Helm does (`pkg/registry`):
//! resolve the tag (`+` in versions becomes `_`), fetch the manifest, check
//! the Helm media types, fetch the chart layer and verify its digest.
//! Registry auth: anonymous, basic, and the bearer token flow.

use serde::Deserialize;
use url::{Host, Url};

use super::cache::ChartCache;
use super::digest::{Digest, sha256_digest};
use super::http::{HttpClient, HttpError, HttpRequest, HttpResponse};
use super::{ChartRef, ChartRequest, Credentials, FetchOptions, Resolved, SourceError, select_version, status_error};

/// Media type of a Helm chart's config blob.
pub const OCI_CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
/// Media type of the chart archive layer.
pub const OCI_CHART_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// The deprecated chart layer media type Helm still accepts.
pub const OCI_LEGACY_CHART_LAYER_MEDIA_TYPE: &str = "application/tar+gzip";
/// OCI image manifest media type.
pub const OCI_MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_MANIFEST_MEDIA_TYPE: &str = "application/vnd.docker.distribution.manifest.v2+json";
const MAX_MANIFEST_BYTES: u64 = 4 << 20;
const MAX_TOKEN_BYTES: u64 = 1 << 20;
const MAX_TAG_LIST_BYTES: u64 = 16 << 20;
const MAX_TAG_PAGES: usize = 100;

#[derive(Deserialize)]
struct Manifest {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
    #[serde(default)]
    manifests: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    #[serde(default)]
    digest: String,
    #[serde(default)]
    size: i64,
}

#[derive(Deserialize)]
struct TagList {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    token: String,
    #[serde(default)]
    access_token: String,
}

/// One conversation with a registry about one repository; remembers the
/// `Authorization` header once a challenge has been answered.
struct Session<'a, H> {
    http: &'a H,
    base: Url,
    repository: &'a str,
    credentials: Option<&'a Credentials>,
    authorization: Option<String>,
    reference: String,
}

fn is_loopback(registry: &str) -> bool {
    let host = Url::parse(&format!("http://{registry}/")).ok().and_then(|u| u.host().map(|h| h.to_owned()));
    match host {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Splits a `WWW-Authenticate` value into its scheme and parameters.
fn parse_challenge(header: &str) -> (String, Vec<(String, String)>) {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    let mut params = Vec::new();
    let mut chars = rest.chars().peekable();
    // Bounded by the header length: every iteration consumes input.
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect::<String>().trim().to_string();
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.peek().copied() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
            value = value.trim().to_string();
        }
        params.push((key.to_ascii_lowercase(), value));
    }
    (scheme.to_ascii_lowercase(), params)
}

impl<H: HttpClient> Session<'_, H> {
    fn url(&self, tail: &str) -> Result<Url, SourceError> {
        self.base
            .join(&format!("/v2/{}/{tail}", self.repository))
            .map_err(|e| SourceError::InvalidReference { reference: self.reference.clone(), reason: e.to_string() })
    }

    fn unreachable(&self, source: HttpError) -> SourceError {
        SourceError::Unreachable { reference: self.reference.clone(), source }
    }

    async fn send(&self, url: &Url, accept: &str, limit: u64) -> Result<HttpResponse, SourceError> {
        let mut headers = vec![("Accept".to_string(), accept.to_string())];
        if let Some(a) = &self.authorization {
            headers.push(("Authorization".to_string(), a.clone()));
        }
        self.http
            .get(HttpRequest { url: url.clone(), headers, max_body_bytes: limit })
            .await
            .map_err(|e| self.unreachable(e))
    }

    /// GET with one round of authentication when the registry asks for it.
    async fn get(&mut self, url: &Url, accept: &str, limit: u64) -> Result<HttpResponse, SourceError> {
        let response = self.send(url, accept, limit).await?;
        if response.status != 401 {
            return Ok(response);
        }
        let challenge = response.header("www-authenticate").unwrap_or("").to_string();
        self.authenticate(&challenge).await?;
        let response = self.send(url, accept, limit).await?;
        if response.status == 401 {
            return Err(SourceError::AuthRequired {
                reference: self.reference.clone(),
                rejected: self.credentials.is_some(),
            });
        }
        Ok(response)
    }

    async fn authenticate(&mut self, challenge: &str) -> Result<(), SourceError> {
        let auth_required = |rejected| SourceError::AuthRequired { reference: self.reference.clone(), rejected };
        let (scheme, params) = parse_challenge(challenge);
        let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        match scheme.as_str() {
            "bearer" => {
                let realm = param("realm").ok_or_else(|| auth_required(false))?;
                let mut token_url = Url::parse(realm).map_err(|e| SourceError::InvalidReference {
                    reference: self.reference.clone(),
                    reason: format!("registry token realm {realm:?}: {e}"),
                })?;
                let default_scope = format!("repository:{}:pull", self.repository);
                {
                    let mut q = token_url.query_pairs_mut();
                    if let Some(service) = param("service") {
                        q.append_pair("service", service);
                    }
                    q.append_pair("scope", param("scope").unwrap_or(&default_scope));
                }
                let mut headers = Vec::new();
                if let Some(c) = self.credentials {
                    headers.push(("Authorization".to_string(), c.basic_header()));
                }
                let response = self
                    .http
                    .get(HttpRequest { url: token_url.clone(), headers, max_body_bytes: MAX_TOKEN_BYTES })
                    .await
                    .map_err(|e| self.unreachable(e))?;
                match response.status {
                    200..=299 => {}
                    401 | 403 => return Err(auth_required(self.credentials.is_some())),
                    status => {
                        return Err(SourceError::Http {
                            reference: self.reference.clone(),
                            url: token_url.to_string(),
                            status,
                        });
                    }
                }
                let token: TokenResponse =
                    serde_json::from_slice(&response.body).map_err(|e| SourceError::InvalidReference {
                        reference: self.reference.clone(),
                        reason: format!("token endpoint {token_url} returned malformed JSON: {e}"),
                    })?;
                let token = if token.token.is_empty() { token.access_token } else { token.token };
                if token.is_empty() {
                    return Err(auth_required(self.credentials.is_some()));
                }
                self.authorization = Some(format!("Bearer {token}"));
                Ok(())
            }
            "basic" => match self.credentials {
                Some(c) if self.authorization.is_none() => {
                    self.authorization = Some(c.basic_header());
                    Ok(())
                }
                _ => Err(auth_required(self.credentials.is_some())),
            },
            _ => Err(auth_required(self.credentials.is_some())),
        }
    }

    fn status_error(&self, url: &Url, status: u16, not_found: SourceError) -> SourceError {
        status_error(&self.reference, self.credentials.is_some(), url, status, not_found)
    }

    /// All tags of the repository, following `Link: <...>; rel="next"`.
    async fn tags(&mut self, chart_not_found: impl Fn() -> SourceError) -> Result<Vec<String>, SourceError> {
        let mut url = self.url("tags/list")?;
        let mut tags = Vec::new();
        for _ in 0..MAX_TAG_PAGES {
            let response = self.get(&url, "application/json", MAX_TAG_LIST_BYTES).await?;
            if !(200..300).contains(&response.status) {
                return Err(self.status_error(&url, response.status, chart_not_found()));
            }
            let page: TagList = serde_json::from_slice(&response.body).map_err(|e| SourceError::NotAChart {
                reference: self.reference.clone(),
                reason: format!("malformed tag list: {e}"),
            })?;
            tags.extend(page.tags.unwrap_or_default());
            let next = response
                .header("link")
                .and_then(|l| l.split_once('<'))
                .and_then(|(_, rest)| rest.split_once('>'))
                .filter(|(_, attrs)| attrs.contains("rel=\"next\"") || attrs.contains("rel=next"))
                .and_then(|(target, _)| url.join(target).ok());
            match next {
                Some(n) => url = n,
                None => return Ok(tags),
            }
        }
        Ok(tags)
    }
}

pub(crate) async fn fetch<H: HttpClient>(
    http: &H,
    request: &ChartRequest,
    options: &FetchOptions,
    cache: Option<&ChartCache>,
) -> Result<Resolved, SourceError> {
    let ChartRef::Oci { registry, repository, tag, digest: pin } = &request.reference else {
        return Err(SourceError::InvalidReference {
            reference: request.reference.location(),
            reason: "not an oci:// reference".into(),
        });
    };
    let location = request.reference.location();
    let name = request.reference.chart_name().to_string();
    let scheme = if options.plain_http || is_loopback(registry) { "http" } else { "https" };
    let base = Url::parse(&format!("{scheme}://{registry}/")).map_err(|e| SourceError::InvalidReference {
        reference: location.clone(),
        reason: format!("registry {registry:?}: {e}"),
    })?;
    let mut session = Session {
        http,
        base,
        repository,
        credentials: options.credentials.as_ref(),
        authorization: None,
        reference: request.to_string(),
    };
    let wanted = if request.version.is_empty() { tag.clone().unwrap_or_default() } else { request.version.clone() };
    let version_not_found = |v: &str| SourceError::VersionNotFound {
        name: name.clone(),
        version: if v.is_empty() { "(latest)".into() } else { v.to_string() },
        repo: location.clone(),
    };

    // Which manifest: a digest pin, an exact version, or the best tag.
    let (manifest_ref, version) = if let Some(d) = pin {
        (d.to_string(), wanted.clone())
    } else if ferry_sprig::semver::Version::parse(&wanted).is_ok() {
        (wanted.replace('+', "_"), wanted.clone())
    } else {
        let chart_not_found = || SourceError::ChartNotFound { name: name.clone(), repo: location.clone() };
        let tags = session.tags(chart_not_found).await?;
        let versions: Vec<String> = tags.iter().map(|t| t.replace('_', "+")).collect();
        let chosen = select_version(versions.iter().map(String::as_str), &wanted).map_err(|reason| {
            SourceError::InvalidVersion { reference: location.clone(), version: wanted.clone(), reason }
        })?;
        let chosen = chosen.ok_or_else(|| version_not_found(&wanted))?.to_string();
        (chosen.replace('+', "_"), chosen)
    };

    let manifest_url = session.url(&format!("manifests/{manifest_ref}"))?;
    let accept = format!("{OCI_MANIFEST_MEDIA_TYPE}, {DOCKER_MANIFEST_MEDIA_TYPE}");
    let response = match session.get(&manifest_url, &accept, MAX_MANIFEST_BYTES).await {
        Err(SourceError::Unreachable { source: HttpError::TooLarge { .. }, .. }) => {
            return Err(SourceError::TooLarge {
                reference: session.reference.clone(),
                what: "manifest",
                limit: MAX_MANIFEST_BYTES,
            });
        }
        other => other?,
    };
    if !(200..300).contains(&response.status) {
        return Err(session.status_error(&manifest_url, response.status, version_not_found(&version)));
    }
    if let Some(d) = pin {
        let actual = sha256_digest(&response.body);
        if actual != *d {
            return Err(SourceError::DigestMismatch {
                reference: session.reference.clone(),
                expected: d.to_string(),
                actual: actual.to_string(),
            });
        }
    }
    let reference = session.reference.clone();
    let not_a_chart = |reason: String| SourceError::NotAChart { reference: reference.clone(), reason };
    let manifest: Manifest =
        serde_json::from_slice(&response.body).map_err(|e| not_a_chart(format!("malformed manifest: {e}")))?;
    if manifest.manifests.is_some() || manifest.media_type.contains("index") || manifest.media_type.contains("list") {
        return Err(not_a_chart("the reference is an image index, not a chart manifest".into()));
    }
    if manifest.config.as_ref().is_none_or(|c| c.media_type != OCI_CONFIG_MEDIA_TYPE) {
        return Err(not_a_chart(format!("could not load config with mediatype {OCI_CONFIG_MEDIA_TYPE}")));
    }
    let mut warnings = Vec::new();
    let layer = match manifest.layers.iter().find(|l| l.media_type == OCI_CHART_LAYER_MEDIA_TYPE) {
        Some(l) => l,
        None => {
            let legacy =
                manifest.layers.iter().find(|l| l.media_type == OCI_LEGACY_CHART_LAYER_MEDIA_TYPE).ok_or_else(
                    || {
                        not_a_chart(format!(
                            "manifest does not contain a layer with mediatype {OCI_CHART_LAYER_MEDIA_TYPE}"
                        ))
                    },
                )?;
            warnings.push(format!("chart media type {OCI_LEGACY_CHART_LAYER_MEDIA_TYPE} is deprecated"));
            legacy
        }
    };
    let layer_digest = Digest::parse(&layer.digest).map_err(not_a_chart)?;
    let too_large = || SourceError::TooLarge {
        reference: reference.clone(),
        what: "chart archive",
        limit: options.max_archive_bytes,
    };
    if layer.size < 0 || layer.size as u64 > options.max_archive_bytes {
        return Err(too_large());
    }
    let origin = format!("{location}@{layer_digest}");

    if let Some(archive) = cache.and_then(|c| c.get(&layer_digest)) {
        return Ok(Resolved { archive, digest: layer_digest, version, origin, warnings });
    }
    let blob_url = session.url(&format!("blobs/{layer_digest}"))?;
    let response = match session.get(&blob_url, "*/*", options.max_archive_bytes).await {
        Err(SourceError::Unreachable { source: HttpError::TooLarge { .. }, .. }) => return Err(too_large()),
        other => other?,
    };
    if !(200..300).contains(&response.status) {
        let missing = not_a_chart(format!("chart layer {layer_digest} is missing from the registry"));
        return Err(session.status_error(&blob_url, response.status, missing));
    }
    let actual = sha256_digest(&response.body);
    if actual != layer_digest {
        return Err(SourceError::DigestMismatch {
            reference: session.reference.clone(),
            expected: layer_digest.to_string(),
            actual: actual.to_string(),
        });
    }
    if response.body.len() as u64 != layer.size as u64 {
        return Err(not_a_chart(format!(
            "chart layer is {} bytes, the manifest says {}",
            response.body.len(),
            layer.size
        )));
    }
    Ok(Resolved { archive: response.body, digest: layer_digest, version, origin, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        let (scheme, params) = parse_challenge(
            r#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push""#,
        );
        assert_eq!(scheme, "bearer");
        assert_eq!(
            params,
            vec![
                ("realm".into(), "https://auth.example.com/token".into()),
                ("service".into(), "registry.example.com".into()),
                ("scope".into(), "repository:a/b:pull,push".into()),
            ]
        );
        let (scheme, params) = parse_challenge(r#"Basic realm=registry"#);
        assert_eq!((scheme.as_str(), params), ("basic", vec![("realm".into(), "registry".into())]));
        assert_eq!(parse_challenge("").0, "");
    }

    #[test]
    fn loopback_hosts() {
        for h in ["localhost", "localhost:5000", "127.0.0.1", "127.0.0.1:41234", "[::1]:5000", "[::1]"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["registry.example.com", "10.0.0.1:5000", "localhost.example.com"] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
