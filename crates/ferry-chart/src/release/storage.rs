//! Helm's Secret storage driver (`pkg/storage/driver/secrets.go`, `util.go`):
//! the release is JSON, gzipped at best compression, base64-encoded into
//! the Secret's `release` key (which Kubernetes base64-encodes once more on
//! the wire).

use std::collections::BTreeMap;
use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::GzBuilder;
use flate2::read::MultiGzDecoder;

use super::ReleaseError;
use super::model::Release;
use super::secret::Secret;
use crate::timestamp::Timestamp;

/// The Secret `type` Helm 3 and 4 give release Secrets.
pub const HELM_RELEASE_SECRET_TYPE: &str = "helm.sh/release.v1";
/// The data key holding the encoded release.
pub const RELEASE_DATA_KEY: &str = "release";
/// The prefix of release Secret names (`sh.helm.release.v1.<name>.v<rev>`).
pub const HELM_RELEASE_SECRET_PREFIX: &str = "sh.helm.release.v1.";
/// The `owner` label value Helm selects its Secrets by.
pub const HELM_OWNER: &str = "helm";
/// Labels Helm manages itself; all others are the release's custom labels.
pub const SYSTEM_LABELS: [&str; 6] = ["name", "owner", "status", "version", "createdAt", "modifiedAt"];
/// The largest decompressed release JSON accepted (a gzip bomb guard; real
/// releases are bounded by the 1 MiB Secret size limit, compressed).
pub const MAX_RELEASE_JSON_BYTES: u64 = 128 << 20;

const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

/// Whether Helm is creating a new revision Secret or rewriting an existing
/// one; it decides between the `createdAt` and `modifiedAt` label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageWrite {
    /// `Secrets.Create`: labels the Secret `createdAt=<unix seconds>`.
    Create,
    /// `Secrets.Update`: labels the Secret `modifiedAt=<unix seconds>`.
    Update,
}

/// `sh.helm.release.v1.<name>.v<version>` (Helm's `makeKey`).
pub fn release_secret_name(release_name: &str, version: i64) -> String {
    format!("{HELM_RELEASE_SECRET_PREFIX}{release_name}.v{version}")
}

/// Splits a release Secret name into release name and revision.
pub fn parse_release_secret_name(secret_name: &str) -> Option<(&str, i64)> {
    let rest = secret_name.strip_prefix(HELM_RELEASE_SECRET_PREFIX)?;
    let (name, version) = rest.rsplit_once(".v")?;
    if name.is_empty() || version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((name, version.parse().ok()?))
}

/// Helm's `encodeRelease`: `base64(gzip(json))`, gzip at best compression
/// with Go's header (no name, mtime 0, OS "unknown").
pub fn encode_release(release: &Release) -> Result<String, ReleaseError> {
    let json = release.to_json()?;
    let mut gz = GzBuilder::new().operating_system(255).write(Vec::new(), Compression::best());
    gz.write_all(json.as_bytes()).map_err(|e| ReleaseError::Gzip(e.to_string()))?;
    let compressed = gz.finish().map_err(|e| ReleaseError::Gzip(e.to_string()))?;
    Ok(STANDARD.encode(compressed))
}

/// Helm's `decodeRelease`: base64, then gunzip when the gzip magic is
/// present (releases stored before compression are plain JSON), then JSON.
pub fn decode_release(data: &[u8]) -> Result<Release, ReleaseError> {
    let json = release_json(data)?;
    Release::from_json(&String::from_utf8_lossy(&json))
}

/// The JSON document inside encoded release data, without parsing it.
pub fn release_json(data: &[u8]) -> Result<Vec<u8>, ReleaseError> {
    // Go's StdEncoding skips CR and LF inside the text.
    let clean: Vec<u8> = data.iter().copied().filter(|b| *b != b'\r' && *b != b'\n').collect();
    let raw = STANDARD.decode(&clean).map_err(|e| ReleaseError::Base64(e.to_string()))?;
    if !raw.starts_with(&GZIP_MAGIC) {
        return Ok(raw);
    }
    let mut out = Vec::new();
    MultiGzDecoder::new(raw.as_slice())
        .take(MAX_RELEASE_JSON_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| ReleaseError::Gzip(e.to_string()))?;
    if out.len() as u64 > MAX_RELEASE_JSON_BYTES {
        return Err(ReleaseError::TooLarge { limit: MAX_RELEASE_JSON_BYTES });
    }
    Ok(out)
}

/// Helm's `newSecretsObject` with the labels `Create`/`Update` add: the
/// release's custom labels, then `createdAt`/`modifiedAt`, then `name`,
/// `owner=helm`, `status` and `version`. The namespace is the release's.
pub fn release_to_secret(release: &Release, write: StorageWrite, now: Timestamp) -> Result<Secret, ReleaseError> {
    let encoded = encode_release(release)?;
    let mut labels = release.labels.clone();
    let stamp = match write {
        StorageWrite::Create => "createdAt",
        StorageWrite::Update => "modifiedAt",
    };
    labels.insert(stamp.to_string(), now.unix().to_string());
    labels.insert("name".into(), release.name.clone());
    labels.insert("owner".into(), HELM_OWNER.into());
    let status = release.info.as_ref().and_then(|i| i.status.as_ref()).map_or("", |s| s.as_str());
    labels.insert("status".into(), status.to_string());
    labels.insert("version".into(), release.version.to_string());
    Ok(Secret {
        name: release_secret_name(&release.name, release.version),
        namespace: release.namespace.clone(),
        labels,
        secret_type: HELM_RELEASE_SECRET_TYPE.into(),
        data: BTreeMap::from([(RELEASE_DATA_KEY.to_string(), encoded.into_bytes())]),
    })
}

/// Helm's `Secrets.Get`: decodes the `release` key and takes the Secret's
/// non-system labels as the release's custom labels.
pub fn release_from_secret(secret: &Secret) -> Result<Release, ReleaseError> {
    let data = secret
        .data
        .get(RELEASE_DATA_KEY)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| ReleaseError::MissingData { secret: secret.name.clone(), key: RELEASE_DATA_KEY })?;
    let mut release = decode_release(data).map_err(|e| e.in_secret(&secret.name))?;
    release.labels = custom_labels(&secret.labels);
    Ok(release)
}

/// Helm's `filterSystemLabels`.
pub fn custom_labels(labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    labels.iter().filter(|(k, _)| !SYSTEM_LABELS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        assert_eq!(release_secret_name("web", 3), "sh.helm.release.v1.web.v3");
        assert_eq!(parse_release_secret_name("sh.helm.release.v1.web.v3"), Some(("web", 3)));
        assert_eq!(parse_release_secret_name("sh.helm.release.v1.a.v2.v10"), Some(("a.v2", 10)));
        assert_eq!(parse_release_secret_name("sh.helm.release.v1.web.vx"), None);
        assert_eq!(parse_release_secret_name("sh.helm.release.v1..v1"), None);
        assert_eq!(parse_release_secret_name("other.web.v1"), None);
    }

    #[test]
    fn gzip_header_matches_go() {
        let r = Release { name: "x".into(), version: 1, ..Release::default() };
        let raw = STANDARD.decode(encode_release(&r).unwrap()).unwrap();
        // ID1 ID2 CM FLG MTIME(4) XFL=2 (best compression) OS=255 (unknown)
        assert_eq!(&raw[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
    }

    #[test]
    fn uncompressed_and_broken_data() {
        let plain = STANDARD.encode(br#"{"name":"old","version":2}"#);
        let r = decode_release(plain.as_bytes()).unwrap();
        assert_eq!((r.name.as_str(), r.version), ("old", 2));
        assert!(matches!(decode_release(b"!!!"), Err(ReleaseError::Base64(_))));
        let truncated = STANDARD.encode([0x1f, 0x8b, 0x08, 0, 0]);
        assert!(matches!(decode_release(truncated.as_bytes()), Err(ReleaseError::Gzip(_))));
        assert!(matches!(decode_release(b""), Err(ReleaseError::Decode(_))));
    }
}
