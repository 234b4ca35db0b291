//! Images the tests need, built locally because nothing can be pulled here:
//!
//! - the workload image: `FROM scratch` plus Debian's static busybox (`httpd`, `sh`, `sleep`,
//!   `wget` give servers, health checks and one-shot jobs), tagged by the binary's hash so it
//!   is built once per machine;
//! - the agent image: `scripts/build-agent-image.sh` (a debootstrap base with the docker CLI
//!   and Compose, cached by recipe hash, plus the `ferry` binary).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::sh;

/// Debian's busybox-static.
pub const BUSYBOX: &str = "/bin/busybox";

static BUILD: Mutex<()> = Mutex::new(());

/// The workload image: busybox's applets as links, and a `/tmp`.
const DOCKERFILE: &str = "FROM scratch\nCOPY busybox /bin/busybox\n\
    RUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox --install -s /bin && mkdir -p /tmp && chmod 1777 /tmp\"]\n\
    LABEL dev.ferry.image=test-busybox\nCMD [\"sh\"]\n";

fn image_exists(tag: &str) -> bool {
    super::runs("docker", &["image", "inspect", tag])
}

/// The busybox workload image's tag, built when missing.
pub fn busybox() -> String {
    let binary = std::fs::read(BUSYBOX).expect("read /bin/busybox (Debian's busybox-static)");
    let mut hasher = Sha256::new();
    hasher.update(&binary);
    hasher.update(DOCKERFILE.as_bytes());
    let hash = format!("{:x}", hasher.finalize());
    let tag = format!("ferry-test-busybox:{}", &hash[..12]);
    let _one_at_a_time = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    if image_exists(&tag) {
        return tag;
    }
    let context = tempfile::tempdir().expect("tempdir");
    let copy = context.path().join("busybox");
    std::fs::write(&copy, &binary).expect("copy busybox");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).expect("chmod busybox");
    std::fs::write(context.path().join("Dockerfile"), DOCKERFILE).expect("write Dockerfile");
    sh("docker", &["build", "-q", "--force-rm", "-t", &tag, &context.path().to_string_lossy()]);
    tag
}

/// Tags `source` as `tag` (a variant of an image, e.g. for a registry).
pub fn tag(source: &str, tag: &str) {
    sh("docker", &["tag", source, tag]);
}

/// The script that builds the agent image.
pub fn agent_image_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/build-agent-image.sh")
}

/// Builds an agent image from a `ferry` binary and returns its tag.
pub fn agent(ferry_binary: &Path, tag: &str) -> String {
    let _one_at_a_time = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let script = agent_image_script();
    sh("bash", &[&script.to_string_lossy(), &ferry_binary.to_string_lossy(), tag]).trim().to_string()
}
