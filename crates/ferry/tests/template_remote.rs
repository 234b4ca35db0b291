//! `ferry template` with charts from a repository: the same output as the same chart on disk.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

fn write(path: &std::path::Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn chart_archive(dir: &std::path::Path) -> Vec<u8> {
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()));
    tar.append_dir_all("web", dir).unwrap();
    tar.into_inner().unwrap().finish().unwrap()
}

/// Serves `routes` (path → body) over HTTP until the process ends; returns the base URL.
fn serve(routes: Vec<(String, Vec<u8>)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]);
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let body = routes.iter().find(|(p, _)| *p == path).map(|(_, b)| b.clone());
            let (status, body) = match body {
                Some(b) => ("200 OK", b),
                None => ("404 Not Found", b"not found".to_vec()),
            };
            let head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    base
}

#[test]
fn a_repository_chart_renders_like_the_same_chart_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("web");
    write(&chart.join("Chart.yaml"), "apiVersion: v2\nname: web\nversion: 1.2.3\n");
    write(&chart.join("values.yaml"), "replicas: 2\nimage: nginx\n");
    write(
        &chart.join("templates/deployment.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-{{ .Chart.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n",
    );
    let archive = chart_archive(&chart);
    let digest = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(&archive))
    };
    let index = format!(
        "apiVersion: v1\nentries:\n  web:\n  - name: web\n    version: 1.2.3\n    digest: {digest}\n    urls: [\"charts/web-1.2.3.tgz\"]\n  - name: web\n    version: 1.0.0\n    urls: [\"charts/web-1.0.0.tgz\"]\n"
    );
    let base = serve(vec![("/index.yaml".into(), index.into_bytes()), ("/charts/web-1.2.3.tgz".into(), archive)]);

    let ferry = env!("CARGO_BIN_EXE_ferry");
    let cache = dir.path().join("cache");
    let run = |args: &[&str]| {
        let out = Command::new(ferry).args(args).env("XDG_CACHE_HOME", &cache).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let local = run(&["template", "shop", chart.to_str().unwrap(), "--set", "replicas=3"]);
    assert_eq!(local.0, Some(0), "{}", local.2);
    assert!(local.1.contains("name: shop-web") && local.1.contains("replicas: 3"), "{}", local.1);
    let remote = run(&["template", "shop", "web", "--repo", &base, "--version", "^1.2", "--set", "replicas=3"]);
    assert_eq!(remote.0, Some(0), "{}", remote.2);
    assert_eq!(remote.1, local.1, "a repository chart renders exactly like the same chart on disk");

    let missing = run(&["template", "shop", "web", "--repo", &base, "--version", "9.9.9"]);
    assert_eq!(missing.0, Some(1));
    assert!(missing.2.contains("9.9.9"), "the error names the version: {}", missing.2);
}
