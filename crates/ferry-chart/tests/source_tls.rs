//! HTTPS: a chart repository served over TLS (rustls, ring) on 127.0.0.1
//! with a certificate from a test CA, trusted through
//! `HttpConfig::extra_root_certificates_pem`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use ferry_chart::source::{
    ChartFetcher, ChartRequest, ChartSource, FetchOptions, HttpConfig, ReqwestClient, SourceError, sha256_digest,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else { continue };
            // A client that rejects the certificate aborts the handshake;
            // keep serving the others.
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

const ARCHIVE: &[u8] = b"not really a tgz, but bytes with a digest";

#[tokio::test]
async fn https_repository_with_a_private_ca() {
    let ca = ferry_sprig::crypto::gen_ca("ferry test CA", 1, None).expect("CA");
    let leaf = ferry_sprig::crypto::gen_signed_cert("127.0.0.1", &["127.0.0.1".to_string()], &[], 1, &ca, None)
        .expect("server certificate");
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(leaf.cert.as_bytes()).collect::<Result<_, _>>().expect("cert pem");
    let key = PrivateKeyDer::from_pem_slice(leaf.key.as_bytes()).expect("key pem");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
    let tcp = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = tcp.local_addr().expect("addr");
    let listener = TlsListener { tcp, acceptor: TlsAcceptor::from(Arc::new(config)) };
    let digest = sha256_digest(ARCHIVE);
    let index = format!(
        "apiVersion: v1\nentries:\n  web:\n  - name: web\n    version: 1.0.0\n    digest: {}\n    urls: [web-1.0.0.tgz]\n",
        digest.hex()
    );
    let router = Router::new()
        .route("/index.yaml", get(move || async move { index }))
        .route("/web-1.0.0.tgz", get(|| async { ARCHIVE }));
    let server = tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });

    let request = ChartRequest::parse(&format!("https://{addr}"), "web", "1.0.0").unwrap();
    let trusting = HttpConfig {
        timeout: Duration::from_secs(30),
        extra_root_certificates_pem: vec![ca.cert.clone().into_bytes()],
        ..HttpConfig::default()
    };
    let fetcher = ChartFetcher::new(ReqwestClient::new(&trusting).expect("client"));
    let chart = fetcher.fetch(&request, &FetchOptions::default()).await.expect("fetch over https");
    assert_eq!(chart.archive, ARCHIVE);
    assert_eq!(chart.digest, digest);
    assert_eq!(chart.origin, format!("https://{addr}/web-1.0.0.tgz"));

    // Without the CA the certificate is not trusted.
    let plain = HttpConfig { timeout: Duration::from_secs(30), ..HttpConfig::default() };
    let fetcher = ChartFetcher::new(ReqwestClient::new(&plain).expect("client"));
    let err = fetcher.fetch(&request, &FetchOptions::default()).await.unwrap_err();
    assert!(matches!(err, SourceError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().to_lowercase().contains("certificate"), "{err}");
    server.abort();
}
