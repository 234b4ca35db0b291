//! Key-pair identity. An agent may hold a private key (Ed25519, or RSA of 2048 to 4096 bits
//! as `openssl genrsa 4096` writes it); the vendor registers its public key with the hub. The
//! stream handshake and the key login sign [`hello_message`]: a fresh hub nonce, the target,
//! the connection id and the time, so a captured proof is useless elsewhere or later.
//!
//! Keys are read from PEM: `PRIVATE KEY` (PKCS#8, Ed25519 or RSA), `RSA PRIVATE KEY` (PKCS#1),
//! `PUBLIC KEY` (SubjectPublicKeyInfo), `RSA PUBLIC KEY` (PKCS#1). A key's fingerprint is
//! `SHA256:` and the unpadded base64 of the SHA-256 of its SubjectPublicKeyInfo DER, so
//! `openssl pkey -pubin -in key.pub -outform DER | openssl dgst -sha256 -binary | base64`
//! shows the same characters.

use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{self, Ed25519KeyPair, KeyPair as _, RsaKeyPair, UnparsedPublicKey};
use uuid::Uuid;

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// How far an agent's clock may be from the hub's.
pub const DEFAULT_SKEW: i64 = 300;

/// Key problems, each saying what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not PEM, or no block of a usable type.
    #[error("no {wanted} found: expected a PEM block such as -----BEGIN {example}-----")]
    NoPem {
        /// What was looked for.
        wanted: &'static str,
        /// A block type that would do.
        example: &'static str,
    },
    /// A passphrase-protected key.
    #[error("the private key is encrypted; decrypt it first: openssl pkey -in key.pem -out plain.pem")]
    Encrypted,
    /// The PEM body is not base64 or the DER inside is malformed.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// Which structure.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An algorithm other than Ed25519 and RSA.
    #[error("unsupported key algorithm; use Ed25519 (openssl genpkey -algorithm ed25519) or RSA (openssl genrsa 4096)")]
    Algorithm,
    /// RSA below 2048 or above 8192 bits.
    #[error("RSA keys must have 2048 to 8192 bits (4096 recommended), this one has {0}")]
    RsaSize(usize),
    /// ring refused the key.
    #[error("the key was rejected: {0}")]
    Rejected(String),
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// Not valid base64.
    #[error("the signature is not base64")]
    Encoding,
    /// Does not verify with the key.
    #[error("the signature does not verify with key {0}")]
    BadSignature(String),
    /// Too far from the hub's clock.
    #[error("the signing time is {delta} s from the hub's clock (allowed: {allowed} s); fix the agent's clock (NTP)")]
    Skew {
        /// Agent time minus hub time.
        delta: i64,
        /// The window.
        allowed: i64,
    },
}

/// The algorithm of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// Ed25519.
    Ed25519,
    /// RSA, signatures RSASSA-PSS with SHA-256.
    Rsa,
}

impl Algorithm {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Ed25519 => "ed25519",
            Algorithm::Rsa => "rsa",
        }
    }
}

/// A public key an agent's proofs are checked with.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    algorithm: Algorithm,
    /// SubjectPublicKeyInfo DER.
    spki: Vec<u8>,
    /// What ring verifies with: the 32 raw bytes (Ed25519) or the RSAPublicKey DER.
    raw: Vec<u8>,
    bits: usize,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({} {})", self.describe(), self.fingerprint())
    }
}

impl PublicKey {
    /// Reads a PEM public key (SubjectPublicKeyInfo or PKCS#1 RSA), or bare base64 of the
    /// SubjectPublicKeyInfo DER (convenient in an environment variable).
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let trimmed = text.trim();
        if !trimmed.contains("-----BEGIN") {
            let der = base64::engine::general_purpose::STANDARD
                .decode(trimmed.split_whitespace().collect::<String>())
                .map_err(|_| KeyError::NoPem { wanted: "public key", example: "PUBLIC KEY" })?;
            return Self::from_spki(&der);
        }
        if let Some(der) = pem_block(text, "PUBLIC KEY")? {
            return Self::from_spki(&der);
        }
        if let Some(der) = pem_block(text, "RSA PUBLIC KEY")? {
            return Self::from_rsa_public(&der);
        }
        if pem_block(text, "PRIVATE KEY")?.is_some() || pem_block(text, "RSA PRIVATE KEY")?.is_some() {
            return Err(KeyError::Malformed {
                what: "public key",
                reason: "this is a private key; register the public half (openssl pkey -in key.pem -pubout)".into(),
            });
        }
        Err(KeyError::NoPem { wanted: "public key", example: "PUBLIC KEY" })
    }

    /// From SubjectPublicKeyInfo DER.
    pub fn from_spki(der: &[u8]) -> Result<Self, KeyError> {
        let bad = |reason: &str| KeyError::Malformed { what: "SubjectPublicKeyInfo", reason: reason.into() };
        let mut outer = Der::new(der).sequence().map_err(|e| bad(&e))?;
        let mut alg = outer.sequence().map_err(|e| bad(&e))?;
        let oid = alg.expect(0x06).map_err(|e| bad(&e))?;
        let bits = outer.expect(0x03).map_err(|e| bad(&e))?;
        let (unused, key) = bits.split_first().ok_or_else(|| bad("empty key"))?;
        if *unused != 0 {
            return Err(bad("key bits are not whole bytes"));
        }
        match oid {
            o if o == OID_ED25519 => {
                if key.len() != 32 {
                    return Err(bad("an Ed25519 key has 32 bytes"));
                }
                Ok(PublicKey { algorithm: Algorithm::Ed25519, spki: der.to_vec(), raw: key.to_vec(), bits: 256 })
            }
            o if o == OID_RSA => {
                let bits = rsa_modulus_bits(key)?;
                Ok(PublicKey { algorithm: Algorithm::Rsa, spki: der.to_vec(), raw: key.to_vec(), bits })
            }
            _ => Err(KeyError::Algorithm),
        }
    }

    fn from_rsa_public(pkcs1: &[u8]) -> Result<Self, KeyError> {
        let bits = rsa_modulus_bits(pkcs1)?;
        Ok(PublicKey { algorithm: Algorithm::Rsa, spki: rsa_spki(pkcs1), raw: pkcs1.to_vec(), bits })
    }

    pub(crate) fn ed25519(raw: &[u8]) -> Self {
        let mut spki = vec![0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
        spki.extend_from_slice(raw);
        PublicKey { algorithm: Algorithm::Ed25519, spki, raw: raw.to_vec(), bits: 256 }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// `ed25519` or `rsa-4096`.
    pub fn describe(&self) -> String {
        match self.algorithm {
            Algorithm::Ed25519 => "ed25519".into(),
            Algorithm::Rsa => format!("rsa-{}", self.bits),
        }
    }

    /// `SHA256:` and unpadded base64 of the SHA-256 of the SubjectPublicKeyInfo DER.
    pub fn fingerprint(&self) -> String {
        let digest = ring::digest::digest(&ring::digest::SHA256, &self.spki);
        format!("SHA256:{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest.as_ref()))
    }

    /// SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// As a `PUBLIC KEY` PEM block.
    pub fn to_pem(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&self.spki);
        let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            out.push('\n');
        }
        out.push_str("-----END PUBLIC KEY-----\n");
        out
    }

    /// Checks a base64 signature over `message`.
    pub fn verify(&self, message: &[u8], signature_b64: &str) -> Result<(), ProofError> {
        let sig = base64::engine::general_purpose::STANDARD.decode(signature_b64).map_err(|_| ProofError::Encoding)?;
        let alg: &dyn signature::VerificationAlgorithm = match self.algorithm {
            Algorithm::Ed25519 => &signature::ED25519,
            Algorithm::Rsa => &signature::RSA_PSS_2048_8192_SHA256,
        };
        UnparsedPublicKey::new(alg, &self.raw)
            .verify(message, &sig)
            .map_err(|_| ProofError::BadSignature(self.fingerprint()))
    }
}

/// A private key an agent signs with.
pub enum PrivateKey {
    /// Ed25519.
    Ed25519(Ed25519KeyPair),
    /// RSA.
    Rsa(RsaKeyPair),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({})", self.public_key().fingerprint())
    }
}

impl PrivateKey {
    /// Reads a PEM private key: `PRIVATE KEY` (PKCS#8, Ed25519 or RSA) or `RSA PRIVATE KEY`.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        if text.contains("ENCRYPTED") {
            return Err(KeyError::Encrypted);
        }
        if let Some(der) = pem_block(text, "PRIVATE KEY")? {
            return Self::from_pkcs8(&der);
        }
        if let Some(der) = pem_block(text, "RSA PRIVATE KEY")? {
            let pair = RsaKeyPair::from_der(&der).map_err(|e| rsa_rejected(&e.to_string()))?;
            return Ok(PrivateKey::Rsa(pair));
        }
        Err(KeyError::NoPem { wanted: "private key", example: "PRIVATE KEY" })
    }

    fn from_pkcs8(der: &[u8]) -> Result<Self, KeyError> {
        let bad = |reason: &str| KeyError::Malformed { what: "PKCS#8 private key", reason: reason.into() };
        let mut outer = Der::new(der).sequence().map_err(|e| bad(&e))?;
        outer.expect(0x02).map_err(|e| bad(&e))?;
        let mut alg = outer.sequence().map_err(|e| bad(&e))?;
        let oid = alg.expect(0x06).map_err(|e| bad(&e))?;
        if oid == OID_ED25519 {
            let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                .map_err(|e| KeyError::Rejected(format!("Ed25519: {e}")))?;
            Ok(PrivateKey::Ed25519(pair))
        } else if oid == OID_RSA {
            let pair = RsaKeyPair::from_pkcs8(der).map_err(|e| rsa_rejected(&e.to_string()))?;
            Ok(PrivateKey::Rsa(pair))
        } else {
            Err(KeyError::Algorithm)
        }
    }

    /// A new Ed25519 key as PKCS#8 PEM (what `ferry target key generate` writes).
    pub fn generate_ed25519_pem() -> Result<String, KeyError> {
        let doc =
            Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|e| KeyError::Rejected(e.to_string()))?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(doc.as_ref());
        let mut out = String::from("-----BEGIN PRIVATE KEY-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            out.push('\n');
        }
        out.push_str("-----END PRIVATE KEY-----\n");
        Ok(out)
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        match self {
            PrivateKey::Ed25519(k) => PublicKey::ed25519(k.public_key().as_ref()),
            PrivateKey::Rsa(k) => {
                let pkcs1 = k.public().as_ref().to_vec();
                PublicKey {
                    algorithm: Algorithm::Rsa,
                    spki: rsa_spki(&pkcs1),
                    bits: k.public().modulus_len() * 8,
                    raw: pkcs1,
                }
            }
        }
    }

    /// Signs `message`; base64.
    pub fn sign(&self, message: &[u8]) -> Result<String, KeyError> {
        let sig = match self {
            PrivateKey::Ed25519(k) => k.sign(message).as_ref().to_vec(),
            PrivateKey::Rsa(k) => {
                let mut sig = vec![0u8; k.public().modulus_len()];
                k.sign(&signature::RSA_PSS_SHA256, &SystemRandom::new(), message, &mut sig)
                    .map_err(|e| KeyError::Rejected(format!("RSA signing failed: {e}")))?;
                sig
            }
        };
        Ok(base64::engine::general_purpose::STANDARD.encode(sig))
    }
}

fn rsa_rejected(reason: &str) -> KeyError {
    KeyError::Rejected(format!("RSA ({reason}); ring takes RSA keys of 2048 to 4096 bits"))
}

/// What an agent signs to prove it holds its key, on one connection (or one key login).
pub fn hello_message(nonce: &str, target: Uuid, connection_id: &str, time: i64) -> Vec<u8> {
    format!("ferry-stream-hello-v1\nnonce={nonce}\ntarget={target}\nconnection={connection_id}\ntime={time}\n")
        .into_bytes()
}

/// Checks a key proof: the time within `allowed` seconds of `now`, then the signature over
/// [`hello_message`] of the nonce this hub issued.
#[allow(clippy::too_many_arguments)]
pub fn verify_hello(
    key: &PublicKey,
    nonce: &str,
    target: Uuid,
    connection_id: &str,
    time: i64,
    signature: &str,
    now: i64,
    allowed: i64,
) -> Result<(), ProofError> {
    let delta = time - now;
    if delta.abs() > allowed {
        return Err(ProofError::Skew { delta, allowed });
    }
    key.verify(&hello_message(nonce, target, connection_id, time), signature)
}

/// A fresh nonce: 32 random bytes, base64url.
pub fn new_nonce() -> String {
    let mut bytes = [0u8; 32];
    // The OS generator failing is not recoverable in any useful way; a zero nonce would be
    // worse than an error, so fall back to a time-and-address mix only to never panic.
    if ring::rand::SecureRandom::fill(&SystemRandom::new(), &mut bytes).is_err() {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        bytes[..16].copy_from_slice(&t.to_le_bytes());
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

// --- PEM and DER, just enough ----------------------------------------------------------------

/// The DER of the first PEM block labelled exactly `label`, if any.
fn pem_block(text: &str, label: &str) -> Result<Option<Vec<u8>>, KeyError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let Some(start) = text.find(&begin) else { return Ok(None) };
    let body = &text[start + begin.len()..];
    let Some(stop) = body.find(&end) else {
        return Err(KeyError::Malformed { what: "PEM", reason: format!("no {end} line") });
    };
    let body = &body[..stop];
    if body.contains("Proc-Type:") {
        return Err(KeyError::Encrypted);
    }
    let b64: String = body.split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map(Some)
        .map_err(|e| KeyError::Malformed { what: "PEM", reason: format!("body is not base64: {e}") })
}

struct Der<'a> {
    bytes: &'a [u8],
}

impl<'a> Der<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Der { bytes }
    }

    fn next(&mut self) -> Result<(u8, &'a [u8]), String> {
        let [tag, first, rest @ ..] = self.bytes else { return Err("truncated".into()) };
        let (len, rest) = if *first < 0x80 {
            (usize::from(*first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return Err("bad length".into());
            }
            let len = rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, &rest[n..])
        };
        if rest.len() < len {
            return Err(format!("element of {len} bytes runs past the end"));
        }
        let (value, after) = rest.split_at(len);
        self.bytes = after;
        Ok((*tag, value))
    }

    fn expect(&mut self, tag: u8) -> Result<&'a [u8], String> {
        let (t, v) = self.next()?;
        if t != tag {
            return Err(format!("expected tag 0x{tag:02x}, found 0x{t:02x}"));
        }
        Ok(v)
    }

    fn sequence(&mut self) -> Result<Der<'a>, String> {
        self.expect(0x30).map(Der::new)
    }
}

fn rsa_modulus_bits(pkcs1: &[u8]) -> Result<usize, KeyError> {
    let bad = |reason: String| KeyError::Malformed { what: "RSA public key", reason };
    let mut seq = Der::new(pkcs1).sequence().map_err(bad)?;
    let n = seq.expect(0x02).map_err(bad)?;
    seq.expect(0x02).map_err(bad)?;
    let n = match n {
        [0, rest @ ..] => rest,
        n => n,
    };
    let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
    if !(2048..=8192).contains(&bits) {
        return Err(KeyError::RsaSize(bits));
    }
    Ok(bits)
}

fn der_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
}

fn der_element(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    der_len(value.len(), &mut out);
    out.extend_from_slice(value);
    out
}

/// Wraps a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo.
fn rsa_spki(pkcs1: &[u8]) -> Vec<u8> {
    let mut alg = der_element(0x06, OID_RSA);
    alg.extend([0x05, 0x00]);
    let mut bits = vec![0u8];
    bits.extend_from_slice(pkcs1);
    let mut body = der_element(0x30, &alg);
    body.extend(der_element(0x03, &bits));
    der_element(0x30, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ed25519() -> PrivateKey {
        PrivateKey::parse(&PrivateKey::generate_ed25519_pem().unwrap()).unwrap()
    }

    #[test]
    fn ed25519_keys_sign_and_verify_and_round_trip_through_pem() {
        let key = ed25519();
        let public = key.public_key();
        assert_eq!(public.describe(), "ed25519");
        let again = PublicKey::parse(&public.to_pem()).unwrap();
        assert_eq!(again, public);
        assert!(public.fingerprint().starts_with("SHA256:"));
        assert_eq!(public.fingerprint().len(), 7 + 43);
        let target = Uuid::from_u128(7);
        let sig = key.sign(&hello_message("n1", target, "host-a", 1000)).unwrap();
        assert_eq!(verify_hello(&public, "n1", target, "host-a", 1000, &sig, 1010, DEFAULT_SKEW), Ok(()));
        // Another nonce, target, connection or time: refused.
        let refused = |r: Result<(), ProofError>| assert!(matches!(r, Err(ProofError::BadSignature(_))), "{r:?}");
        refused(verify_hello(&public, "n2", target, "host-a", 1000, &sig, 1000, DEFAULT_SKEW));
        refused(verify_hello(&public, "n1", Uuid::from_u128(8), "host-a", 1000, &sig, 1000, DEFAULT_SKEW));
        refused(verify_hello(&public, "n1", target, "host-b", 1000, &sig, 1000, DEFAULT_SKEW));
        refused(verify_hello(&public, "n1", target, "host-a", 1001, &sig, 1000, DEFAULT_SKEW));
        // Another key: refused.
        refused(verify_hello(&ed25519().public_key(), "n1", target, "host-a", 1000, &sig, 1000, DEFAULT_SKEW));
        assert_eq!(
            verify_hello(&public, "n1", target, "host-a", 1000, &sig, 1301, DEFAULT_SKEW),
            Err(ProofError::Skew { delta: -301, allowed: 300 })
        );
        assert_eq!(
            verify_hello(&public, "n1", target, "host-a", 1000, "!!", 1000, DEFAULT_SKEW),
            Err(ProofError::Encoding)
        );
    }

    #[test]
    fn bare_base64_spki_is_accepted() {
        let public = ed25519().public_key();
        let b64 = base64::engine::general_purpose::STANDARD.encode(public.spki_der());
        assert_eq!(PublicKey::parse(&b64).unwrap(), public);
    }

    #[test]
    fn bad_keys_get_clear_errors() {
        assert_eq!(
            PublicKey::parse("hello").unwrap_err().to_string(),
            "no public key found: expected a PEM block such as -----BEGIN PUBLIC KEY-----"
        );
        let private = PrivateKey::generate_ed25519_pem().unwrap();
        assert!(PublicKey::parse(&private).unwrap_err().to_string().contains("register the public half"));
        assert_eq!(
            PrivateKey::parse("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA==\n-----END ENCRYPTED PRIVATE KEY-----")
                .unwrap_err(),
            KeyError::Encrypted
        );
        let broken = "-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----\n";
        assert!(PublicKey::parse(broken).unwrap_err().to_string().starts_with("malformed SubjectPublicKeyInfo"));
        // A P-256 key: a well-formed SubjectPublicKeyInfo of another algorithm.
        let mut alg = der_element(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);
        alg.extend(der_element(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]));
        let mut point = vec![0u8, 4];
        point.extend([7u8; 64]);
        let mut body = der_element(0x30, &alg);
        body.extend(der_element(0x03, &point));
        let p256 = base64::engine::general_purpose::STANDARD.encode(der_element(0x30, &body));
        assert_eq!(PublicKey::parse(&p256).unwrap_err(), KeyError::Algorithm);
    }

    #[test]
    fn nonces_are_fresh() {
        let (a, b) = (new_nonce(), new_nonce());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
    }
}
