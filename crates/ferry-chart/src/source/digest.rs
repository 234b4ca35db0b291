//! SHA-256 content digests in OCI notation (`sha256:<64 hex>`).

use std::fmt;

use sha2::{Digest as _, Sha256};

/// A SHA-256 digest. The only algorithm Helm charts use in practice; others
/// are refused rather than left unverified.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Digest {
    hex: String,
}

impl Digest {
    /// Parses `sha256:<hex>` or a bare 64-digit hex string (index.yaml's
    /// `digest` field); upper-case hex is accepted.
    pub fn parse(text: &str) -> Result<Digest, String> {
        let hex = match text.split_once(':') {
            Some(("sha256", hex)) => hex,
            Some((alg, _)) => return Err(format!("unsupported digest algorithm {alg:?} in {text:?}")),
            None => text,
        };
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("malformed sha256 digest {text:?}"));
        }
        Ok(Digest { hex: hex.to_ascii_lowercase() })
    }

    /// The 64 lower-case hex digits.
    pub fn hex(&self) -> &str {
        &self.hex
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex)
    }
}

/// The SHA-256 digest of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> Digest {
    let sum = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in sum {
        hex.push_str(&format!("{b:02x}"));
    }
    Digest { hex }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_hash() {
        let d = sha256_digest(b"");
        assert_eq!(d.to_string(), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(Digest::parse(&d.to_string()).unwrap(), d);
        assert_eq!(Digest::parse(&d.hex().to_ascii_uppercase()).unwrap(), d);
        assert!(Digest::parse("sha512:abcd").is_err());
        assert!(Digest::parse("sha256:xyz").is_err());
    }
}
