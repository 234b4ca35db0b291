//! A content-addressed chart cache on local disk.
//!
//! ```text
//! <root>/blobs/sha256/<hex>      chart archives, named by their digest
//! <root>/refs/<hex of key>.json  reference -> digest, for offline use
//! ```
//!
//! Files are written to a temporary name and renamed into place, so a
//! reader never sees half a file; blobs are re-hashed on every read and a
//! corrupt one is deleted.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::digest::{Digest, sha256_digest};

/// What the cache remembers about a resolved reference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedRef {
    /// The reference as requested (see [`crate::source::ChartRequest::cache_key`]).
    pub key: String,
    /// Digest of the archive it resolved to.
    pub digest: String,
    /// Chart name.
    pub name: String,
    /// Chart version it resolved to.
    pub version: String,
    /// Where the archive came from.
    pub origin: String,
}

/// The cache directory. Cheap to clone; safe to share between processes
/// (writes are atomic renames of complete files).
#[derive(Clone, Debug)]
pub struct ChartCache {
    root: PathBuf,
}

/// A cache read or write failed.
#[derive(Debug, thiserror::Error)]
#[error("chart cache {path}: {reason}")]
pub struct CacheError {
    /// The file or directory involved.
    pub path: String,
    /// What failed.
    pub reason: String,
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> CacheError {
    CacheError { path: path.display().to_string(), reason: e.to_string() }
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl ChartCache {
    /// Opens (and creates) a cache rooted at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<ChartCache, CacheError> {
        let root = root.into();
        for dir in [root.join("blobs").join("sha256"), root.join("refs")] {
            fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        }
        Ok(ChartCache { root })
    }

    /// The cache directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.root.join("blobs").join("sha256").join(digest.hex())
    }

    fn ref_path(&self, key: &str) -> PathBuf {
        let name = sha256_digest(key.as_bytes());
        self.root.join("refs").join(format!("{}.json", name.hex()))
    }

    /// The archive with `digest`, if cached and intact. A file whose content
    /// does not hash to its name is deleted.
    pub fn get(&self, digest: &Digest) -> Option<Vec<u8>> {
        let path = self.blob_path(digest);
        let bytes = fs::read(&path).ok()?;
        if sha256_digest(&bytes) == *digest {
            Some(bytes)
        } else {
            let _ = fs::remove_file(&path);
            None
        }
    }

    /// Stores an archive under its digest and returns the digest.
    pub fn put(&self, bytes: &[u8]) -> Result<Digest, CacheError> {
        let digest = sha256_digest(bytes);
        let path = self.blob_path(&digest);
        if self.get(&digest).is_none() {
            write_atomic(&path, bytes)?;
        }
        Ok(digest)
    }

    /// The remembered resolution of `key`, if any.
    pub fn get_ref(&self, key: &str) -> Option<CachedRef> {
        let bytes = fs::read(self.ref_path(key)).ok()?;
        let entry: CachedRef = serde_json::from_slice(&bytes).ok()?;
        // A hash collision on the file name, or a hand-edited file.
        (entry.key == key).then_some(entry)
    }

    /// Remembers what a reference resolved to.
    pub fn put_ref(&self, entry: &CachedRef) -> Result<(), CacheError> {
        let path = self.ref_path(&entry.key);
        let json = serde_json::to_vec_pretty(entry).map_err(|e| io_error(&path, e))?;
        write_atomic(&path, &json)
    }

    /// The archive a reference last resolved to, if both are cached.
    pub fn get_by_ref(&self, key: &str) -> Option<(CachedRef, Vec<u8>)> {
        let entry = self.get_ref(key)?;
        let digest = Digest::parse(&entry.digest).ok()?;
        let bytes = self.get(&digest)?;
        Some((entry, bytes))
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CacheError> {
    let dir = path.parent().ok_or_else(|| io_error(path, "no parent directory"))?;
    let tmp = dir.join(format!(".tmp-{}-{}", std::process::id(), TMP_COUNTER.fetch_add(1, Ordering::Relaxed)));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(io_error(path, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_root(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ferry-chart-cache-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn put_get_and_corruption() {
        let root = temp_root("unit");
        let cache = ChartCache::open(&root).unwrap();
        let d = cache.put(b"archive").unwrap();
        assert_eq!(cache.get(&d).unwrap(), b"archive");
        fs::write(cache.blob_path(&d), b"tampered").unwrap();
        assert!(cache.get(&d).is_none());
        assert!(!cache.blob_path(&d).exists(), "corrupt blob is removed");
        let entry = CachedRef {
            key: "k".into(),
            digest: cache.put(b"archive").unwrap().to_string(),
            name: "c".into(),
            version: "1.0.0".into(),
            origin: "o".into(),
        };
        cache.put_ref(&entry).unwrap();
        assert_eq!(cache.get_by_ref("k").unwrap(), (entry, b"archive".to_vec()));
        assert!(cache.get_ref("other").is_none());
        let leftovers: Vec<_> = fs::read_dir(root.join("refs")).unwrap().flatten().collect();
        assert_eq!(leftovers.len(), 1, "no temporary files remain");
        let _ = fs::remove_dir_all(&root);
    }
}
