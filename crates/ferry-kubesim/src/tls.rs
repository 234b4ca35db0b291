//! TLS for the served API: a fresh CA and a server certificate for the loopback names,
//! so clients verify the server with the kubeconfig's `certificate-authority-data`.
//! kubectl and helm send bearer tokens only over TLS.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Generating the CA or server certificate failed.
    #[error("cannot generate the kubesim certificates: {0}")]
    Certificate(#[from] rcgen::Error),
    /// rustls refused the generated certificate.
    #[error("cannot configure TLS with the generated certificate: {0}")]
    Config(#[from] rustls::Error),
}

/// A CA (PEM, for kubeconfigs) and the server configuration its certificate signs.
pub(crate) struct Identity {
    pub ca_pem: String,
    pub server: Arc<rustls::ServerConfig>,
}

pub(crate) fn identity() -> Result<Identity, TlsError> {
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "kubesim-ca");
    ca_params.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key)?;

    let names = ["localhost", "127.0.0.1", "::1", "kubernetes", "kubernetes.default", "kubernetes.default.svc"];
    let server_key = KeyPair::generate()?;
    let mut server_params = CertificateParams::new(names.map(String::from).to_vec())?;
    server_params.distinguished_name.push(DnType::CommonName, "kubesim");
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server_params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    let server_cert = server_params.signed_by(&server_key, &ca)?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain =
        vec![CertificateDer::from(server_cert.der().to_vec()), CertificateDer::from(ca.as_ref().der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    // HTTP/1.1 only: every watch gets its own connection, which is all a test needs.
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Identity { ca_pem: ca.as_ref().pem(), server: Arc::new(server) })
}
