//! A private registry for the tests: Debian's `docker-registry` on 127.0.0.1 (which the
//! engine treats as insecure-allowed) with htpasswd (bcrypt) authentication.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::sh;

/// A running registry; stopped when dropped.
pub struct Registry {
    /// `127.0.0.1:<port>`.
    pub host: String,
    user: String,
    password: String,
    child: Child,
    dir: tempfile::TempDir,
}

impl Registry {
    /// Starts a registry that admits `user` with `password`.
    pub fn start(user: &str, password: &str) -> Registry {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let htpasswd = sh("htpasswd", &["-Bbn", user, password]);
        std::fs::write(dir.path().join("htpasswd"), htpasswd).unwrap();
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {root}\n\
             http:\n  addr: 127.0.0.1:{port}\nauth:\n  htpasswd:\n    realm: ferry-test\n    path: {root}/htpasswd\n",
            root = dir.path().display()
        );
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let child = Command::new("docker-registry")
            .args(["serve", &config_path.to_string_lossy()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry");
        let host = format!("127.0.0.1:{port}");
        let start = Instant::now();
        while std::net::TcpStream::connect(&host).is_err() {
            assert!(start.elapsed() < Duration::from_secs(20), "docker-registry did not listen on {host}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Registry { host, user: user.into(), password: password.into(), child, dir }
    }

    /// Pushes a local image tag with the registry's credentials, kept in a private client
    /// configuration (the host's `~/.docker` is left alone).
    pub fn push(&self, image: &str) {
        let config = self.dir.path().join("client");
        std::fs::create_dir_all(&config).unwrap();
        let config = config.to_string_lossy().into_owned();
        let mut login = Command::new("docker")
            .args(["--config", &config, "login", "-u", &self.user, "--password-stdin", &self.host])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("docker login");
        use std::io::Write;
        login.stdin.take().unwrap().write_all(self.password.as_bytes()).unwrap();
        assert!(login.wait().unwrap().success(), "docker login to the test registry");
        sh("docker", &["--config", &config, "push", image]);
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
