//! The hub's signature on desired state. The hub holds an Ed25519 key (derived from its
//! master key, so every replica sharing that key signs alike); its public key is written into
//! connect manifests. An agent that has it verifies every desired state before applying: a
//! tampered database row or a proxy rewriting responses cannot make it run what the hub did
//! not sign.
//!
//! The signature covers [`state_message`]: the target, the signing time and the SHA-256 of the
//! exact JSON body, and travels as `t=<unix>,key=<fingerprint>,sig=<base64>` — in the
//! `Ferry-Signature` header of `GET /api/v1/agent/resources` and beside the body on the stream.

use ring::signature::{Ed25519KeyPair, KeyPair as _};
use uuid::Uuid;

use crate::identity::{ProofError, PublicKey};

/// The HTTP header that carries the signature.
pub const HEADER: &str = "ferry-signature";

/// The hub's signing key.
pub struct HubKey {
    pair: Ed25519KeyPair,
    public: PublicKey,
}

impl std::fmt::Debug for HubKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HubKey({})", self.public.fingerprint())
    }
}

impl HubKey {
    /// The key of a 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        // A 32-byte seed is always a valid Ed25519 private key.
        let pair = Ed25519KeyPair::from_seed_unchecked(seed).expect("32-byte Ed25519 seed");
        let public = PublicKey::ed25519(pair.public_key().as_ref());
        HubKey { pair, public }
    }

    /// The public key agents verify with.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Signs a target's desired state `body` at `time` (Unix seconds).
    pub fn sign(&self, target: Uuid, time: i64, body: &[u8]) -> StateSignature {
        let sig = self.pair.sign(&state_message(target, time, body));
        StateSignature {
            time,
            key: self.public.fingerprint(),
            signature: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, sig.as_ref()),
        }
    }
}

/// What is signed: the target, the time, and the digest of the body.
pub fn state_message(target: Uuid, time: i64, body: &[u8]) -> Vec<u8> {
    let digest = ring::digest::digest(&ring::digest::SHA256, body);
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("ferry-desired-state-v1\ntarget={target}\ntime={time}\nsha256={hex}\n").into_bytes()
}

/// A signature on desired state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateSignature {
    /// When the hub signed (Unix seconds).
    pub time: i64,
    /// Fingerprint of the hub key.
    pub key: String,
    /// Base64 Ed25519 signature.
    pub signature: String,
}

/// Why desired state was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// No signature came with it.
    #[error(
        "the desired state is not signed, but this agent requires the hub's signature (FERRY_HUB_KEY); refusing to apply it"
    )]
    Unsigned,
    /// The signature header cannot be read.
    #[error("the desired state's signature is malformed ({0}); refusing to apply it")]
    Malformed(String),
    /// Signed by another key.
    #[error("the desired state is signed by key {found}, not by this agent's hub key {expected}; refusing to apply it")]
    OtherKey {
        /// The key named.
        found: String,
        /// The key the agent trusts.
        expected: String,
    },
    /// Does not verify.
    #[error(
        "the desired state's signature does not verify (altered on the way or in the hub's database); refusing to apply it"
    )]
    Invalid,
}

impl StateSignature {
    /// `t=<unix>,key=<fingerprint>,sig=<base64>`.
    pub fn to_header(&self) -> String {
        format!("t={},key={},sig={}", self.time, self.key, self.signature)
    }

    /// Reads the header form.
    pub fn parse(text: &str) -> Result<Self, StateError> {
        let (mut time, mut key, mut signature) = (None, None, None);
        for part in text.split(',') {
            let (name, value) = part
                .trim()
                .split_once('=')
                .ok_or_else(|| StateError::Malformed(format!("{part:?} is not name=value")))?;
            match name {
                "t" => time = Some(value.parse::<i64>().map_err(|_| StateError::Malformed(format!("t={value}")))?),
                "key" => key = Some(value.to_string()),
                "sig" => signature = Some(value.to_string()),
                _ => {}
            }
        }
        match (time, key, signature) {
            (Some(time), Some(key), Some(signature)) => Ok(StateSignature { time, key, signature }),
            _ => Err(StateError::Malformed("t, key and sig are all required".into())),
        }
    }

    /// Checks this signature on `body` for `target` with the hub's public key.
    pub fn verify(&self, hub: &PublicKey, target: Uuid, body: &[u8]) -> Result<(), StateError> {
        let expected = hub.fingerprint();
        if self.key != expected {
            return Err(StateError::OtherKey { found: self.key.clone(), expected });
        }
        hub.verify(&state_message(target, self.time, body), &self.signature).map_err(|e| match e {
            ProofError::Encoding => StateError::Malformed("sig is not base64".into()),
            _ => StateError::Invalid,
        })
    }
}

/// Verifies desired state as an agent configured with `hub` must: a signature is required.
pub fn verify_state(hub: &PublicKey, target: Uuid, body: &[u8], header: Option<&str>) -> Result<(), StateError> {
    StateSignature::parse(header.ok_or(StateError::Unsigned)?)?.verify(hub, target, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_state_verifies_and_tampering_is_caught() {
        let key = HubKey::from_seed(&[7u8; 32]);
        let target = Uuid::from_u128(1);
        let body = br#"{"deployments":[]}"#;
        let header = key.sign(target, 1_700_000_000, body).to_header();
        let public = PublicKey::parse(&key.public_key().to_pem()).unwrap();
        assert_eq!(verify_state(&public, target, body, Some(&header)), Ok(()));
        assert_eq!(verify_state(&public, target, br#"{"deployments":[{}]}"#, Some(&header)), Err(StateError::Invalid));
        assert_eq!(verify_state(&public, Uuid::from_u128(2), body, Some(&header)), Err(StateError::Invalid));
        assert_eq!(verify_state(&public, target, body, None), Err(StateError::Unsigned));
        let other = HubKey::from_seed(&[8u8; 32]);
        let forged = other.sign(target, 1_700_000_000, body).to_header();
        assert!(matches!(verify_state(&public, target, body, Some(&forged)), Err(StateError::OtherKey { .. })));
        // Claiming the right key does not help a forger.
        let claimed = forged.replace(&other.public_key().fingerprint(), &public.fingerprint());
        assert_eq!(verify_state(&public, target, body, Some(&claimed)), Err(StateError::Invalid));
        assert!(matches!(verify_state(&public, target, body, Some("garbage")), Err(StateError::Malformed(_))));
    }

    #[test]
    fn the_same_seed_is_the_same_key() {
        assert_eq!(HubKey::from_seed(&[1; 32]).public_key(), HubKey::from_seed(&[1; 32]).public_key());
        assert_ne!(HubKey::from_seed(&[1; 32]).public_key(), HubKey::from_seed(&[2; 32]).public_key());
    }
}
