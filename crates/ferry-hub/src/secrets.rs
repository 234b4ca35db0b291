//! Organization secrets and registry credentials at rest: sealed with the hub key, each
//! bound to the row it belongs to, opened only to build what an agent receives.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::api::Hub;
use crate::crypto::{CryptoError, Sealer};
use crate::store::{RegistryAuth, RevisionSpec, StoreError};

/// What the sealing of one organization secret is bound to.
pub fn secret_context(org: Uuid, key: &str) -> String {
    format!("secret/{org}/{key}")
}

fn registry_context(org: Uuid) -> String {
    format!("registry-auth/{org}")
}

/// Why secrets could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A value could not be opened.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// All secrets of an organization, opened.
pub async fn load(hub: &Hub, org: Uuid) -> Result<BTreeMap<String, String>, SecretsError> {
    let mut out = BTreeMap::new();
    for (key, sealed) in hub.store.sealed_secrets(org).await? {
        let plain = hub.sealer.open(&secret_context(org, &key), &sealed)?;
        out.insert(key, String::from_utf8_lossy(&plain).into_owned());
    }
    Ok(out)
}

/// Seals registry credentials for a revision of `org`.
pub fn seal_registry_auth(sealer: &Sealer, org: Uuid, auth: &RegistryAuth) -> Result<Vec<u8>, CryptoError> {
    let json = serde_json::to_vec(auth).map_err(|e| CryptoError::Hash(e.to_string()))?;
    sealer.seal(&registry_context(org), &json)
}

/// Opens a revision's registry credentials, if it has any.
pub fn unseal_registry_auth(
    sealer: &Sealer,
    org: Uuid,
    spec: &RevisionSpec,
) -> Result<Option<RegistryAuth>, CryptoError> {
    spec.registry_auth_sealed
        .as_deref()
        .map(|sealed| {
            let plain = sealer.open(&registry_context(org), sealed)?;
            serde_json::from_slice(&plain).map_err(|_| CryptoError::Unseal)
        })
        .transpose()
}
