//! Keys and secrets: the hub's master key and what derives from it (JWT signing, sealing
//! secrets at rest), Argon2id hashes of target secrets and passwords, and random tokens.
//!
//! Everything here uses ring (already present through rustls) so the hub carries one crypto
//! stack; jsonwebtoken gets a small HS256 provider over ring instead of its RustCrypto
//! backend, which would pull in the `rsa` crate for nothing.

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::signature::{Signer, Verifier};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::sync::Semaphore;
use uuid::Uuid;

/// What can go wrong with keys and secrets.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The master key is not 32 bytes of hex.
    #[error("the hub secret key must be 64 hex characters (32 bytes), got {0} characters")]
    BadMasterKey(usize),
    /// A sealed value could not be opened: wrong key or tampered data.
    #[error(
        "cannot decrypt a stored secret: the hub secret key differs from the one it was sealed with, or the data was altered"
    )]
    Unseal,
    /// The OS random generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// Argon2 refused its parameters or input.
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// A JWT could not be signed.
    #[error("signing a token failed: {0}")]
    Sign(String),
}

/// Fills a fresh array with random bytes.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    SystemRandom::new().fill(&mut out).map_err(|_| CryptoError::Random)?;
    Ok(out)
}

/// A new target secret: 16 random bytes as 32 lowercase hex characters (PROTOCOL.md §1).
pub fn new_target_secret() -> Result<String, CryptoError> {
    Ok(hex::encode(random_bytes::<16>()?))
}

/// A new vendor API token. The prefix makes leaked tokens recognisable to secret scanners.
pub fn new_api_token() -> Result<String, CryptoError> {
    Ok(format!("ferry_{}", hex::encode(random_bytes::<24>()?)))
}

/// SHA-256 of a high-entropy token, hex; what the store keeps instead of the token.
pub fn token_digest(token: &str) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, token.as_bytes()))
}

/// The hub's root secret, from which the JWT and sealing keys derive.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// A new random key.
    pub fn generate() -> Result<Self, CryptoError> {
        Ok(MasterKey(random_bytes()?))
    }

    /// Parses 64 hex characters (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        let text = text.trim();
        let bytes = hex::decode(text).map_err(|_| CryptoError::BadMasterKey(text.len()))?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadMasterKey(text.len()))?;
        Ok(MasterKey(key))
    }

    /// The key as hex, for writing the key file.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A subkey for one purpose; HMAC of a label is a sound KDF for a uniformly random key.
    fn derive(&self, label: &str) -> [u8; 32] {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.0);
        let tag = hmac::sign(&key, label.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }
}

/// Seals small values (organization secrets, registry credentials) with AES-256-GCM.
/// The associated data binds a value to the row it belongs to, so ciphertexts cannot be
/// swapped between secrets or organizations.
pub struct Sealer {
    key: LessSafeKey,
}

const SEAL_VERSION: u8 = 1;

impl Sealer {
    /// Derives the sealing key from the master key.
    pub fn new(master: &MasterKey) -> Self {
        let raw = master.derive("ferry/seal/v1");
        let unbound = UnboundKey::new(&AES_256_GCM, &raw).expect("AES-256 key is 32 bytes");
        Sealer { key: LessSafeKey::new(unbound) }
    }

    /// Encrypts `plain`, bound to `context`.
    pub fn seal(&self, context: &str, plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let nonce_bytes = random_bytes::<NONCE_LEN>()?;
        let mut buf = plain.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(context.as_bytes()),
                &mut buf,
            )
            .map_err(|_| CryptoError::Random)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + buf.len());
        out.push(SEAL_VERSION);
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&buf);
        Ok(out)
    }

    /// Decrypts what [`Sealer::seal`] produced for the same `context`.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let (&version, rest) = sealed.split_first().ok_or(CryptoError::Unseal)?;
        if version != SEAL_VERSION || rest.len() < NONCE_LEN {
            return Err(CryptoError::Unseal);
        }
        let (nonce, cipher) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Unseal)?;
        let mut buf = cipher.to_vec();
        let plain =
            self.key.open_in_place(nonce, Aad::from(context.as_bytes()), &mut buf).map_err(|_| CryptoError::Unseal)?;
        Ok(plain.to_vec())
    }
}

/// Cost of Argon2id hashing. The default is Distr's (t=1, m=64 MiB, p=4, 32-byte output).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for HashCost {
    fn default() -> Self {
        HashCost { memory_kib: 64 * 1024, iterations: 1, parallelism: 4 }
    }
}

impl HashCost {
    /// A cheap setting for tests and load generators, never for production.
    pub const FAST: HashCost = HashCost { memory_kib: 1024, iterations: 1, parallelism: 1 };
}

/// Argon2id hashing of secrets and passwords, run off the async threads and limited to one
/// hash per core at a time: a login flood must queue, not allocate 64 MiB per request.
#[derive(Clone)]
pub struct SecretHasher {
    cost: HashCost,
    permits: Arc<Semaphore>,
}

impl SecretHasher {
    /// A hasher with the given cost.
    pub fn new(cost: HashCost) -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        SecretHasher { cost, permits: Arc::new(Semaphore::new(cores)) }
    }

    fn argon2(&self) -> Result<Argon2<'static>, CryptoError> {
        let params = Params::new(self.cost.memory_kib, self.cost.iterations, self.cost.parallelism, Some(32))
            .map_err(|e| CryptoError::Hash(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Hashes `secret` with a fresh 16-byte salt; returns the PHC string.
    pub async fn hash(&self, secret: String) -> Result<String, CryptoError> {
        let _permit = self.permits.acquire().await.map_err(|_| CryptoError::Random)?;
        let argon2 = self.argon2()?;
        let salt = random_bytes::<16>()?;
        tokio::task::spawn_blocking(move || {
            argon2
                .hash_password_with_salt(secret.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| CryptoError::Hash(e.to_string()))
        })
        .await
        .map_err(|e| CryptoError::Hash(e.to_string()))?
    }

    /// Checks `secret` against a PHC string (its own parameters apply); constant time.
    pub async fn verify(&self, secret: String, phc: String) -> bool {
        let Ok(_permit) = self.permits.acquire().await else { return false };
        let Ok(argon2) = self.argon2() else { return false };
        tokio::task::spawn_blocking(move || argon2.verify_password(secret.as_bytes(), phc.as_str()).is_ok())
            .await
            .unwrap_or(false)
    }
}

/// Claims of an agent JWT (PROTOCOL.md §3).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AgentClaims {
    /// Target id.
    pub sub: Uuid,
    /// Always `agent`.
    pub aud: String,
    /// Organization id.
    pub org: Uuid,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expiry.
    pub exp: i64,
}

/// The audience of agent tokens.
pub const AGENT_AUDIENCE: &str = "agent";

/// Issues and checks agent JWTs (HS256 with a key derived from the master key).
pub struct TokenIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenIssuer {
    /// Derives the signing key from the master key.
    pub fn new(master: &MasterKey) -> Self {
        install_jwt_provider();
        let key = master.derive("ferry/jwt/v1");
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.set_audience(&[AGENT_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        TokenIssuer { encoding: EncodingKey::from_secret(&key), decoding: DecodingKey::from_secret(&key), validation }
    }

    /// Signs a token for `target` valid for `lifetime` from `now`.
    pub fn issue(
        &self,
        target: Uuid,
        org: Uuid,
        now: OffsetDateTime,
        lifetime: std::time::Duration,
    ) -> Result<String, CryptoError> {
        let iat = now.unix_timestamp();
        self.sign(&AgentClaims {
            sub: target,
            aud: AGENT_AUDIENCE.to_string(),
            org,
            iat,
            nbf: iat,
            exp: iat + lifetime.as_secs() as i64,
        })
    }

    /// Signs arbitrary claims (tests use it to forge tokens the hub must refuse).
    pub fn sign(&self, claims: &AgentClaims) -> Result<String, CryptoError> {
        jsonwebtoken::encode(&Header::new(jsonwebtoken::Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| CryptoError::Sign(e.to_string()))
    }

    /// Checks signature, algorithm, audience and time claims.
    pub fn verify(&self, token: &str) -> Option<AgentClaims> {
        jsonwebtoken::decode::<AgentClaims>(token, &self.decoding, &self.validation).ok().map(|data| data.claims)
    }
}

struct HmacSigner(hmac::Key);
struct HmacVerifier(hmac::Key);

impl Signer<Vec<u8>> for HmacSigner {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, jsonwebtoken::signature::Error> {
        Ok(hmac::sign(&self.0, msg).as_ref().to_vec())
    }
}

impl JwtSigner for HmacSigner {
    fn algorithm(&self) -> jsonwebtoken::Algorithm {
        jsonwebtoken::Algorithm::HS256
    }
}

impl Verifier<Vec<u8>> for HmacVerifier {
    fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> Result<(), jsonwebtoken::signature::Error> {
        // ring compares in constant time.
        hmac::verify(&self.0, msg, sig).map_err(|_| jsonwebtoken::signature::Error::new())
    }
}

impl JwtVerifier for HmacVerifier {
    fn algorithm(&self) -> jsonwebtoken::Algorithm {
        jsonwebtoken::Algorithm::HS256
    }
}

static JWT_PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: |alg, key| {
        if *alg != jsonwebtoken::Algorithm::HS256 {
            return Err(ErrorKind::InvalidAlgorithm.into());
        }
        Ok(Box::new(HmacSigner(hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes()))))
    },
    verifier_factory: |alg, key| {
        if *alg != jsonwebtoken::Algorithm::HS256 {
            return Err(ErrorKind::InvalidAlgorithm.into());
        }
        let bytes = key.try_get_as_bytes()?;
        Ok(Box::new(HmacVerifier(hmac::Key::new(hmac::HMAC_SHA256, bytes))))
    },
    key_utils: KeyUtils::new_unimplemented(),
};

/// Installs the ring HS256 provider for jsonwebtoken once per process.
fn install_jwt_provider() {
    // A second install (another hub in the same test process) is refused harmlessly.
    let _ = JWT_PROVIDER.install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_in_their_context() {
        let sealer = Sealer::new(&MasterKey::generate().unwrap());
        let sealed = sealer.seal("org-a/DB_PASSWORD", b"hunter2").unwrap();
        assert!(!sealed.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(sealer.open("org-a/DB_PASSWORD", &sealed).unwrap(), b"hunter2");
        assert!(sealer.open("org-b/DB_PASSWORD", &sealed).is_err());
        let other = Sealer::new(&MasterKey::generate().unwrap());
        assert!(other.open("org-a/DB_PASSWORD", &sealed).is_err());
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(sealer.open("org-a/DB_PASSWORD", &tampered).is_err());
    }

    #[test]
    fn master_key_round_trips_and_rejects_garbage() {
        let key = MasterKey::generate().unwrap();
        assert_eq!(MasterKey::from_hex(&format!(" {}\n", key.to_hex())).unwrap().0, key.0);
        assert!(MasterKey::from_hex("abcd").unwrap_err().to_string().contains("64 hex"));
        assert!(MasterKey::from_hex(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn target_secret_is_32_lowercase_hex() {
        let s = new_target_secret().unwrap();
        assert_eq!(s.len(), 32);
        assert!(s.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(s, new_target_secret().unwrap());
    }

    #[tokio::test]
    async fn argon2id_hash_verifies_and_rejects() {
        let hasher = SecretHasher::new(HashCost::FAST);
        let phc = hasher.hash("s3cret".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert!(hasher.verify("s3cret".into(), phc.clone()).await);
        assert!(!hasher.verify("s3creT".into(), phc.clone()).await);
        assert!(!hasher.verify("s3cret".into(), "not a hash".into()).await);
    }

    #[test]
    fn default_cost_is_distrs() {
        assert_eq!(HashCost::default(), HashCost { memory_kib: 65536, iterations: 1, parallelism: 4 });
    }

    #[test]
    fn tokens_verify_only_with_the_right_key_audience_and_time() {
        let master = MasterKey::generate().unwrap();
        let issuer = TokenIssuer::new(&master);
        let (target, org) = (Uuid::new_v4(), Uuid::new_v4());
        let now = OffsetDateTime::now_utc();
        let day = std::time::Duration::from_secs(86_400);
        let token = issuer.issue(target, org, now, day).unwrap();
        let claims = issuer.verify(&token).unwrap();
        assert_eq!((claims.sub, claims.org, claims.aud.as_str()), (target, org, "agent"));

        let other = TokenIssuer::new(&MasterKey::generate().unwrap());
        assert!(other.verify(&token).is_none(), "forged with another key");

        let expired = issuer.issue(target, org, now - 2 * day, day).unwrap();
        assert!(issuer.verify(&expired).is_none(), "expired");

        let future = issuer.issue(target, org, now + day, day).unwrap();
        assert!(issuer.verify(&future).is_none(), "not yet valid");

        let key = master.derive("ferry/jwt/v1");
        let wrong_aud = jsonwebtoken::encode(
            &Header::new(jsonwebtoken::Algorithm::HS256),
            &serde_json::json!({"sub": target, "aud": "user", "org": org,
                "iat": now.unix_timestamp(), "nbf": now.unix_timestamp(),
                "exp": now.unix_timestamp() + 60}),
            &EncodingKey::from_secret(&key),
        )
        .unwrap();
        assert!(issuer.verify(&wrong_aud).is_none(), "wrong audience");

        // alg=none and garbage never pass.
        let parts: Vec<&str> = token.split('.').collect();
        let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1]);
        assert!(issuer.verify(&none).is_none());
        assert!(issuer.verify("a.b.c").is_none());
    }
}
