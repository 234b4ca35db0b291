//! The workload image, built locally because nothing can be pulled here: `FROM scratch` plus
//! Debian's static busybox. Same recipe and tag as the Docker driver's tests, so a machine
//! builds it once for both.

use std::io::Write as _;
use std::process::{Command, Stdio};

/// Debian's busybox-static.
pub const BUSYBOX: &str = "/bin/busybox";

const DOCKERFILE: &str = "FROM scratch\nCOPY busybox /bin/busybox\n\
    RUN [\"/bin/busybox\", \"sh\", \"-c\", \"/bin/busybox --install -s /bin && mkdir -p /tmp && chmod 1777 /tmp\"]\n\
    LABEL dev.ferry.image=test-busybox\nCMD [\"sh\"]\n";

/// The busybox image's tag, built when missing.
pub fn busybox() -> Result<String, String> {
    let binary = std::fs::read(BUSYBOX).map_err(|e| format!("read {BUSYBOX} (Debian's busybox-static): {e}"))?;
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    context.update(&binary);
    context.update(DOCKERFILE.as_bytes());
    let hash: String = context.finish().as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let tag = format!("ferry-test-busybox:{}", &hash[..12]);
    if super::bed::run("docker", &["image", "inspect", &tag]).is_ok() {
        return Ok(tag);
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let copy = dir.path().join("busybox");
    std::fs::write(&copy, &binary).map_err(|e| e.to_string())?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
    let mut file = std::fs::File::create(dir.path().join("Dockerfile")).map_err(|e| e.to_string())?;
    file.write_all(DOCKERFILE.as_bytes()).map_err(|e| e.to_string())?;
    let status = Command::new("docker")
        .args(["build", "-q", "--force-rm", "-t", &tag])
        .arg(dir.path())
        .stdout(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("docker build of {tag} failed"));
    }
    Ok(tag)
}
