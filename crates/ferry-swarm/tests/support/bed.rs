//! The test bed: a multi-node Docker Swarm on this one machine.
//!
//! Every node is a real `dockerd` in a network namespace of its own (and a UTS namespace, so
//! each engine has its own host name), with its own data directory, exec root, cgroup parent
//! and Unix socket. The namespaces hang off a bridge that lives in a namespace of its own (the
//! "switch"), so the host's firewall (br_netfilter with a FORWARD policy of DROP, set by the
//! host's engine) never sees the bed's traffic; one veth pair joins the host to the switch so
//! the tests reach every node. Nodes have no default route: nothing inside can reach out,
//! and a pull fails at once instead of waiting for DNS.
//!
//! Names: everything starts with `swarm-<run>` (namespaces `swarm-<run>-sw` and
//! `swarm-<run>-n1`…, the host's veth `swarm-<run>h`, data under `$TMPDIR/swarm-<run>/`,
//! cgroup parents `/swarm-<run>-n1`…). A bed whose test process died is torn down by the next
//! bed that starts (its directory holds the owner's pid and start time).

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// One node of the bed.
#[derive(Debug, Clone)]
pub struct Node {
    /// Host name of the node's engine (`docker info`'s Name, the Swarm node's hostname).
    pub name: String,
    /// The node's network namespace.
    pub netns: String,
    /// The node's address on the bed's network.
    pub ip: Ipv4Addr,
    /// The node engine's Unix socket.
    pub socket: PathBuf,
    /// The node's data directory.
    pub dir: PathBuf,
    /// Whether the node is a Swarm manager.
    pub manager: bool,
}

impl Node {
    /// `unix://<socket>`, for `DOCKER_HOST`.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// Runs the docker CLI against this node's engine.
    pub fn docker(&self, args: &[&str]) -> Result<String, String> {
        run("docker", &[&["-H", &self.docker_host()], args].concat())
    }

    /// The engine's Swarm node id.
    pub fn swarm_node_id(&self) -> Result<String, String> {
        self.docker(&["info", "--format", "{{.Swarm.NodeID}}"]).map(|s| s.trim().to_string())
    }
}

/// What bed to build.
#[derive(Debug, Clone)]
pub struct Spec {
    /// How many nodes (the first `managers` are managers).
    pub nodes: usize,
    /// How many managers.
    pub managers: usize,
    /// Images (tags on the host's engine) every node loads.
    pub images: Vec<String>,
}

/// A running bed; torn down on drop.
pub struct Bed {
    /// The bed's id (4 hex digits).
    pub run: String,
    /// The nodes.
    pub nodes: Vec<Node>,
    /// The host's address on the bed's network.
    pub host_ip: Ipv4Addr,
    /// The storage driver the nested engines use.
    pub storage_driver: String,
    dir: PathBuf,
    dockerds: Mutex<Vec<Child>>,
    torn_down: AtomicBool,
}

/// Runs a program; its stdout, or an error naming the command and its output.
pub fn run(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`{program} {}` failed ({}): {}{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn quiet(program: &str, args: &[&str]) {
    let _ = Command::new(program).args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status();
}

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What the bed needs from the machine, as a list of what is missing.
pub fn missing_prerequisites() -> Vec<String> {
    let mut missing = Vec::new();
    let uid = std::fs::read_to_string("/proc/self/status").ok().and_then(|s| {
        s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1).unwrap_or("").to_string())
    });
    if uid.as_deref() != Some("0") {
        missing.push("root (network namespaces and nested engines need it)".into());
    }
    for (program, args, what) in [
        ("ip", &["-V"][..], "iproute2 (`ip`)"),
        ("nsenter", &["--version"][..], "util-linux's nsenter"),
        ("unshare", &["--version"][..], "util-linux's unshare"),
        ("dockerd", &["--version"][..], "the Docker engine (`dockerd`, Debian's docker.io)"),
        ("docker", &["--version"][..], "the docker CLI"),
        ("docker", &["info"][..], "a running Docker engine on the host (its images are loaded into the nodes)"),
    ] {
        if !runs(program, args) {
            missing.push(what.into());
        }
    }
    missing
}

/// The storage driver a nested engine can use here: fuse-overlayfs when FUSE is there (the
/// host's own engine uses it; overlayfs on overlayfs is not possible), else vfs (slow, but
/// it works everywhere).
fn storage_driver() -> String {
    if Path::new("/dev/fuse").exists() && runs("fuse-overlayfs", &["--version"]) {
        "fuse-overlayfs".into()
    } else {
        "vfs".into()
    }
}

fn random_u32() -> u32 {
    let mut bytes = [0u8; 4];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = std::io::Read::read_exact(&mut f, &mut bytes);
    }
    u32::from_le_bytes(bytes) ^ std::process::id()
}

/// `pid start-time` of a process, to tell a live owner from a reused pid.
fn process_identity(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces; fields after the closing parenthesis are plain.
    let rest = &stat[stat.rfind(')')? + 2..];
    let start = rest.split_whitespace().nth(19)?;
    Some(format!("{pid} {start}"))
}

fn root_dir() -> PathBuf {
    std::env::temp_dir()
}

impl Bed {
    /// Builds a bed: namespaces, engines, a swarm, images loaded.
    pub fn start(spec: &Spec) -> Result<Bed, String> {
        reap_stale_beds();
        let random = random_u32();
        let run = format!("{:04x}", random & 0xffff);
        let subnet = free_subnet(random)?;
        let dir = root_dir().join(format!("swarm-{run}"));
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        let owner = process_identity(std::process::id()).unwrap_or_default();
        std::fs::write(dir.join("owner"), owner).map_err(|e| format!("write owner: {e}"))?;
        let nodes = (1..=spec.nodes)
            .map(|i| Node {
                name: format!("swarm-{run}-n{i}"),
                netns: format!("swarm-{run}-n{i}"),
                ip: Ipv4Addr::new(10, 231, subnet, 10 + i as u8),
                socket: dir.join(format!("n{i}")).join("docker.sock"),
                dir: dir.join(format!("n{i}")),
                manager: i <= spec.managers,
            })
            .collect();
        let bed = Bed {
            run,
            nodes,
            host_ip: Ipv4Addr::new(10, 231, subnet, 1),
            storage_driver: storage_driver(),
            dir,
            dockerds: Mutex::new(Vec::new()),
            torn_down: AtomicBool::new(false),
        };
        let started = Instant::now();
        bed.wire()?;
        bed.start_engines()?;
        bed.form_swarm()?;
        bed.load_images(&spec.images)?;
        eprintln!(
            "swarm bed {}: {} nodes ({} driver) on 10.231.{subnet}.0/24 ready in {:.1}s",
            bed.run,
            bed.nodes.len(),
            bed.storage_driver,
            started.elapsed().as_secs_f64()
        );
        Ok(bed)
    }

    fn switch(&self) -> String {
        format!("swarm-{}-sw", self.run)
    }

    fn host_veth(&self) -> String {
        format!("swarm-{}h", self.run)
    }

    /// The switch, the host's leg, and every node's leg.
    fn wire(&self) -> Result<(), String> {
        let sw = self.switch();
        run("ip", &["netns", "add", &sw])?;
        run("ip", &["-n", &sw, "link", "add", "br0", "type", "bridge"])?;
        run("ip", &["-n", &sw, "link", "set", "br0", "up"])?;
        run("ip", &["-n", &sw, "link", "set", "lo", "up"])?;
        let host = self.host_veth();
        run("ip", &["link", "add", &host, "type", "veth", "peer", "name", "host", "netns", &sw])?;
        run("ip", &["-n", &sw, "link", "set", "host", "master", "br0", "up"])?;
        run("ip", &["addr", "add", &format!("{}/24", self.host_ip), "dev", &host])?;
        run("ip", &["link", "set", &host, "up"])?;
        for (i, node) in self.nodes.iter().enumerate() {
            let leg = format!("n{}", i + 1);
            run("ip", &["netns", "add", &node.netns])?;
            run("ip", &["-n", &sw, "link", "add", &leg, "type", "veth", "peer", "name", "eth0", "netns", &node.netns])?;
            run("ip", &["-n", &sw, "link", "set", &leg, "master", "br0", "up"])?;
            run("ip", &["-n", &node.netns, "addr", "add", &format!("{}/24", node.ip), "dev", "eth0"])?;
            run("ip", &["-n", &node.netns, "link", "set", "eth0", "up"])?;
            run("ip", &["-n", &node.netns, "link", "set", "lo", "up"])?;
        }
        Ok(())
    }

    fn start_engines(&self) -> Result<(), String> {
        for node in &self.nodes {
            std::fs::create_dir_all(&node.dir).map_err(|e| format!("create {}: {e}", node.dir.display()))?;
            // An empty configuration file: the host's /etc/docker/daemon.json names the host's
            // data root and would clash with the flags.
            let config = node.dir.join("daemon.json");
            std::fs::write(&config, "{}\n").map_err(|e| format!("write {}: {e}", config.display()))?;
            let log = std::fs::File::create(node.dir.join("dockerd.log")).map_err(|e| format!("dockerd.log: {e}"))?;
            let netns = format!("--net=/run/netns/{}", node.netns);
            let script = format!(
                "hostname {name} && exec dockerd --config-file {config} --data-root {dir}/data --exec-root {dir}/exec \
                 --pidfile {dir}/docker.pid -H unix://{socket} --storage-driver {driver} --cgroup-parent /{name} \
                 --log-level warn",
                name = node.name,
                config = config.display(),
                dir = node.dir.display(),
                socket = node.socket.display(),
                driver = self.storage_driver,
            );
            // nsenter (not `ip netns exec`, which remounts /sys and hides the cgroup mounts
            // dockerd needs), then a UTS namespace for the node's own host name.
            let child = Command::new("nsenter")
                .args([&netns, "unshare", "--uts", "sh", "-c", &script])
                .stdin(Stdio::null())
                .stdout(log.try_clone().map_err(|e| e.to_string())?)
                .stderr(log)
                .spawn()
                .map_err(|e| format!("start dockerd for {}: {e}", node.name))?;
            self.dockerds.lock().unwrap().push(child);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        for node in &self.nodes {
            loop {
                if node.docker(&["version", "--format", "{{.Server.Version}}"]).is_ok() {
                    break;
                }
                if Instant::now() > deadline {
                    let log = std::fs::read_to_string(node.dir.join("dockerd.log")).unwrap_or_default();
                    let tail: Vec<&str> = log.lines().rev().take(15).collect();
                    return Err(format!(
                        "the engine of {} did not start within 60 s; dockerd.log ends with:\n{}",
                        node.name,
                        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                    ));
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        Ok(())
    }

    fn form_swarm(&self) -> Result<(), String> {
        let first = &self.nodes[0];
        let addr = first.ip.to_string();
        first.docker(&[
            "swarm",
            "init",
            "--advertise-addr",
            &addr,
            "--listen-addr",
            &format!("{addr}:2377"),
            // Overlay subnets out of the bed's own 10.231.0.0/16.
            "--default-addr-pool",
            "10.232.0.0/16",
        ])?;
        let manager_token = first.docker(&["swarm", "join-token", "-q", "manager"])?.trim().to_string();
        let worker_token = first.docker(&["swarm", "join-token", "-q", "worker"])?.trim().to_string();
        for node in &self.nodes[1..] {
            let token = if node.manager { &manager_token } else { &worker_token };
            let own = node.ip.to_string();
            node.docker(&[
                "swarm",
                "join",
                "--token",
                token,
                "--advertise-addr",
                &own,
                "--listen-addr",
                &format!("{own}:2377"),
                &format!("{addr}:2377"),
            ])?;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = first.docker(&["node", "ls", "--format", "{{.Hostname}} {{.Status}}"])?;
            if ready.lines().filter(|l| l.ends_with(" Ready")).count() == self.nodes.len() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("the swarm did not become ready within 30 s:\n{ready}"));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Loads host images into every node (`docker save | docker load`: nothing can be pulled).
    pub fn load_images(&self, images: &[String]) -> Result<(), String> {
        if images.is_empty() {
            return Ok(());
        }
        let tar = self.dir.join("images.tar");
        let tar_text = tar.to_string_lossy().to_string();
        let mut args = vec!["save", "-o", tar_text.as_str()];
        args.extend(images.iter().map(String::as_str));
        run("docker", &args)?;
        let results: Vec<Result<String, String>> = std::thread::scope(|s| {
            let handles: Vec<_> =
                self.nodes.iter().map(|node| s.spawn(|| node.docker(&["load", "-q", "-i", &tar_text]))).collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("panicked".into()))).collect()
        });
        let _ = std::fs::remove_file(&tar);
        for result in results {
            result?;
        }
        Ok(())
    }

    /// Cuts a node off the bed's network (its leg on the switch goes down).
    pub fn cut(&self, node: usize) -> Result<(), String> {
        run("ip", &["-n", &self.switch(), "link", "set", &format!("n{}", node + 1), "down"]).map(|_| ())
    }

    /// Puts a cut node back.
    pub fn heal(&self, node: usize) -> Result<(), String> {
        run("ip", &["-n", &self.switch(), "link", "set", &format!("n{}", node + 1), "up"]).map(|_| ())
    }

    /// Runs a program inside a node's network namespace.
    pub fn command_in(&self, node: usize, program: &Path) -> Command {
        let mut command = Command::new("nsenter");
        command.arg(format!("--net=/run/netns/{}", self.nodes[node].netns)).arg(program);
        command
    }

    /// Tears everything down (also done on drop).
    pub fn teardown(&self) {
        if self.torn_down.swap(true, Ordering::SeqCst) {
            return;
        }
        let mut dockerds = std::mem::take(&mut *self.dockerds.lock().unwrap_or_else(|e| e.into_inner()));
        std::thread::scope(|s| {
            for node in &self.nodes {
                s.spawn(move || {
                    // Containers first: an engine that stops leaves running containers behind.
                    if let Ok(ids) = node.docker(&["ps", "-aq"]) {
                        let ids: Vec<&str> = ids.split_whitespace().collect();
                        if !ids.is_empty() {
                            let _ = node.docker(&[&["rm", "-f", "-v"][..], &ids].concat());
                        }
                    }
                    let _ = node.docker(&["swarm", "leave", "--force"]);
                });
            }
        });
        for child in &dockerds {
            quiet("kill", &["-TERM", &child.id().to_string()]);
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        for child in &mut dockerds {
            while !matches!(child.try_wait(), Ok(Some(_))) {
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        teardown_by_name(&self.run, &self.dir);
    }
}

impl Drop for Bed {
    fn drop(&mut self) {
        self.teardown();
    }
}

/// A /24 in 10.231.0.0/16 that no interface of the host uses.
fn free_subnet(random: u32) -> Result<u8, String> {
    let addresses = run("ip", &["-4", "-o", "addr", "show"])?;
    for step in 0..254u32 {
        let candidate = ((random >> 16).wrapping_add(step) % 254 + 1) as u8;
        if !addresses.contains(&format!("10.231.{candidate}.")) {
            return Ok(candidate);
        }
    }
    Err("no free /24 in 10.231.0.0/16".into())
}

/// Processes whose command line or cgroup names the bed (engines, containerd, shims,
/// fuse-overlayfs, container processes).
fn bed_processes(run_id: &str, dir: &Path) -> Vec<u32> {
    let dir_text = dir.to_string_lossy().to_string();
    let cgroup = format!("/swarm-{run_id}-n");
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| *pid != me)
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            let cgroups = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
            cmdline.contains(&dir_text) || cgroups.contains(&cgroup)
        })
        .collect()
}

/// Removes every trace of bed `run_id`: processes, mounts, files, namespaces, cgroups.
fn teardown_by_name(run_id: &str, dir: &Path) {
    for _ in 0..20 {
        let pids = bed_processes(run_id, dir);
        if pids.is_empty() {
            break;
        }
        for pid in pids {
            quiet("kill", &["-KILL", &pid.to_string()]);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // Mounts the engines left (overlay roots, network namespace files), deepest first.
    let prefix = dir.to_string_lossy().to_string();
    let mut mounts: Vec<String> = std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().nth(4).map(str::to_string))
        .filter(|m| m.starts_with(&prefix))
        .collect();
    mounts.sort_by_key(|m| std::cmp::Reverse(m.len()));
    for mount in mounts {
        quiet("umount", &["-l", &mount]);
    }
    let _ = std::fs::remove_dir_all(dir);
    let namespaces = run("ip", &["netns", "list"]).unwrap_or_default();
    for line in namespaces.lines() {
        if let Some(name) = line.split_whitespace().next()
            && name.starts_with(&format!("swarm-{run_id}-"))
        {
            quiet("ip", &["netns", "del", name]);
        }
    }
    quiet("ip", &["link", "del", &format!("swarm-{run_id}h")]);
    // The engines' cgroup parents, children first.
    if let Ok(controllers) = std::fs::read_dir("/sys/fs/cgroup") {
        for controller in controllers.flatten() {
            let Ok(groups) = std::fs::read_dir(controller.path()) else { continue };
            for group in groups.flatten() {
                if group.file_name().to_string_lossy().starts_with(&format!("swarm-{run_id}-n")) {
                    remove_cgroup(&group.path());
                }
            }
        }
    }
}

fn remove_cgroup(path: &Path) {
    if let Ok(children) = std::fs::read_dir(path) {
        for child in children.flatten() {
            if child.file_type().is_ok_and(|t| t.is_dir()) {
                remove_cgroup(&child.path());
            }
        }
    }
    let _ = std::fs::remove_dir(path);
}

/// Tears down beds whose owning test process is gone.
fn reap_stale_beds() {
    let Ok(entries) = std::fs::read_dir(root_dir()) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(run_id) = name.strip_prefix("swarm-") else { continue };
        if run_id.len() != 4 || !run_id.chars().all(|c| c.is_ascii_hexdigit()) {
            continue;
        }
        let owner = std::fs::read_to_string(entry.path().join("owner")).unwrap_or_default();
        let alive = owner
            .split_whitespace()
            .next()
            .and_then(|pid| pid.parse::<u32>().ok())
            .and_then(process_identity)
            .is_some_and(|now| now == owner.trim());
        if !alive {
            eprintln!("tearing down stale swarm bed {run_id}");
            teardown_by_name(run_id, &entry.path());
        }
    }
}
