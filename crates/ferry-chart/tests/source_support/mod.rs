//! Shared helpers of the chart source tests: chart archives built in
//! memory, servers on 127.0.0.1:0, and a real HTTP client.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use ferry_chart::source::{HttpConfig, ReqwestClient};
use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest as _, Sha256};

/// A chart `.tgz` with `Chart.yaml`, `values.yaml` and one template, built
/// as `helm package` lays it out (`<name>/...`).
pub fn chart_archive(name: &str, version: &str) -> Vec<u8> {
    let files = [
        (
            format!("{name}/Chart.yaml"),
            format!("apiVersion: v2\nname: {name}\nversion: {version}\ntype: application\n"),
        ),
        (format!("{name}/values.yaml"), "replicas: 1\n".to_string()),
        (
            format!("{name}/templates/cm.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n".to_string(),
        ),
    ];
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for (path, body) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_700_000_000);
        header.set_cksum();
        builder.append_data(&mut header, path, body.as_bytes()).expect("append");
    }
    builder.into_inner().expect("tar").finish().expect("gzip")
}

/// Unpacks an archive and returns `(path, contents)` of every file.
pub fn archive_files(archive: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    for entry in ar.entries().expect("entries") {
        let mut entry = entry.expect("entry");
        let path = entry.path().expect("path").to_string_lossy().into_owned();
        let mut body = String::new();
        std::io::Read::read_to_string(&mut entry, &mut body).expect("read");
        out.push((path, body));
    }
    out
}

/// `sha256:<hex>` of `bytes`, computed independently of the crate.
pub fn sha256(bytes: &[u8]) -> String {
    let sum = Sha256::digest(bytes);
    let hex: String = sum.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// A server on 127.0.0.1:0; [`Server::stop`] shuts it down gracefully,
/// which also closes idle keep-alive connections, so later requests find
/// nothing listening.
pub struct Server {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    pub async fn start(router: Router) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await
                .expect("serve");
        });
        Server { addr, shutdown: Some(tx), task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let finished = tokio::time::timeout(Duration::from_secs(10), &mut self.task).await;
        assert!(finished.is_ok(), "server did not shut down");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn http_client() -> ReqwestClient {
    let config = HttpConfig {
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(30),
        ..HttpConfig::default()
    };
    ReqwestClient::new(&config).expect("http client")
}
