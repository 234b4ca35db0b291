//! Host metrics (PROTOCOL.md §6) from `/proc`: CPU from `/proc/stat` deltas between calls,
//! memory from `/proc/meminfo`, disks from `/proc/mounts` and `statvfs`. Parsing is pure.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Mutex;

use ferry_proto::agent::{DiskMetric, MetricsReport};

/// Cumulative CPU time counters of all CPUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpuSample {
    /// Time spent doing anything.
    pub total: u64,
    /// Time spent idle or waiting for I/O.
    pub idle: u64,
    /// Number of CPUs.
    pub cpus: u64,
}

/// Reads the aggregate `cpu` line and counts the `cpuN` lines.
pub fn parse_stat(text: &str) -> Option<CpuSample> {
    let mut sample = None;
    let mut cpus = 0;
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        match fields.next() {
            Some("cpu") => {
                let values: Vec<u64> = fields.filter_map(|f| f.parse().ok()).collect();
                // user nice system idle iowait irq softirq steal (guest time is in user).
                let total: u64 = values.iter().take(8).sum();
                let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
                sample = Some(CpuSample { total, idle, cpus: 0 });
            }
            Some(name) if name.starts_with("cpu") && name[3..].bytes().all(|b| b.is_ascii_digit()) => cpus += 1,
            _ => {}
        }
    }
    sample.map(|s| CpuSample { cpus: cpus.max(1), ..s })
}

/// Busy fraction between two samples (0..1).
pub fn cpu_usage(before: CpuSample, after: CpuSample) -> f64 {
    let total = after.total.saturating_sub(before.total);
    let idle = after.idle.saturating_sub(before.idle);
    if total == 0 {
        return 0.0;
    }
    (total.saturating_sub(idle) as f64 / total as f64).clamp(0.0, 1.0)
}

/// `(MemTotal, MemAvailable)` in bytes.
pub fn parse_meminfo(text: &str) -> Option<(u64, u64)> {
    let field = |name: &str| {
        text.lines().find_map(|l| {
            let rest = l.strip_prefix(name)?.strip_prefix(':')?;
            let kib: u64 = rest.split_whitespace().next()?.parse().ok()?;
            Some(kib.saturating_mul(1024))
        })
    };
    let total = field("MemTotal")?;
    let available = field("MemAvailable").or_else(|| field("MemFree"))?;
    Some((total, available.min(total)))
}

/// One mounted filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Device.
    pub device: String,
    /// Mount point.
    pub path: String,
    /// Filesystem type.
    pub fs_type: String,
}

const PSEUDO: [&str; 22] = [
    "proc",
    "sysfs",
    "tmpfs",
    "devtmpfs",
    "devpts",
    "cgroup",
    "cgroup2",
    "mqueue",
    "overlay",
    "fuse-overlayfs",
    "securityfs",
    "debugfs",
    "tracefs",
    "pstore",
    "bpf",
    "autofs",
    "hugetlbfs",
    "configfs",
    "fusectl",
    "nsfs",
    "squashfs",
    "ramfs",
];

/// Mounted real filesystems: block devices, first mount point of each device.
pub fn parse_mounts(text: &str) -> Vec<Mount> {
    let mut seen = HashSet::new();
    let unescape = |s: &str| s.replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\");
    text.lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace();
            let (device, path, fs_type) = (f.next()?, f.next()?, f.next()?);
            let real = device.starts_with('/') && !PSEUDO.contains(&fs_type);
            (real && seen.insert(device.to_string())).then(|| Mount {
                device: unescape(device),
                path: unescape(path),
                fs_type: fs_type.to_string(),
            })
        })
        .collect()
}

/// Measures the host; remembers the last CPU sample so each call reports usage since the
/// previous one.
#[derive(Debug)]
pub struct HostMetrics {
    proc_dir: std::path::PathBuf,
    last: Mutex<Option<CpuSample>>,
}

/// A metric could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read host metrics from {path}: {reason}")]
pub struct MetricsError {
    path: String,
    reason: String,
}

impl HostMetrics {
    /// Reads from `proc_dir` (normally `/proc`).
    pub fn new(proc_dir: impl Into<std::path::PathBuf>) -> Self {
        HostMetrics { proc_dir: proc_dir.into(), last: Mutex::new(None) }
    }

    fn read(&self, name: &str) -> Result<String, MetricsError> {
        let path = self.proc_dir.join(name);
        std::fs::read_to_string(&path)
            .map_err(|e| MetricsError { path: path.display().to_string(), reason: e.to_string() })
    }

    /// Takes a measurement.
    pub fn measure(&self) -> Result<MetricsReport, MetricsError> {
        let bad = |name: &str| MetricsError {
            path: self.proc_dir.join(name).display().to_string(),
            reason: "unexpected format".into(),
        };
        let now = parse_stat(&self.read("stat")?).ok_or_else(|| bad("stat"))?;
        let before = self.last.lock().ok().and_then(|mut l| l.replace(now));
        // The first call has no previous sample: usage since boot.
        let usage = cpu_usage(before.unwrap_or_default(), now);
        let (mem_total, mem_available) = parse_meminfo(&self.read("meminfo")?).ok_or_else(|| bad("meminfo"))?;
        let disk_metrics = parse_mounts(&self.read("mounts")?)
            .into_iter()
            .filter_map(|m| {
                let st = rustix::fs::statvfs(Path::new(&m.path)).ok()?;
                let frsize = st.f_frsize;
                let total = st.f_blocks.saturating_mul(frsize);
                let used = st.f_blocks.saturating_sub(st.f_bfree).saturating_mul(frsize);
                (total > 0).then_some(DiskMetric {
                    device: m.device,
                    path: m.path,
                    fs_type: m.fs_type,
                    bytes_total: total,
                    bytes_used: used,
                })
            })
            .collect();
        Ok(MetricsReport {
            cpu_cores_millis: now.cpus * 1000,
            cpu_usage: usage,
            memory_bytes: mem_total,
            memory_usage: if mem_total == 0 { 0.0 } else { 1.0 - mem_available as f64 / mem_total as f64 },
            disk_metrics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\ncpu1 50 0 25 400 25 0 0 0 0 0\nintr 1\nctxt 2\n";

    #[test]
    fn cpu_from_stat_deltas() {
        let a = parse_stat(STAT).unwrap();
        assert_eq!(a, CpuSample { total: 1000, idle: 850, cpus: 2 });
        let b = CpuSample { total: 1200, idle: 950, cpus: 2 };
        assert!((cpu_usage(a, b) - 0.5).abs() < 1e-9);
        assert_eq!(cpu_usage(b, b), 0.0);
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn memory_from_meminfo() {
        let text = "MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    250 kB\n";
        assert_eq!(parse_meminfo(text), Some((1_024_000, 256_000)));
        assert_eq!(parse_meminfo("MemTotal: x kB"), None);
    }

    #[test]
    fn only_real_filesystems_once_each() {
        let text = "proc /proc proc rw 0 0\n/dev/vda / ext4 rw 0 0\n/dev/vda /var/lib/docker ext4 rw 0 0\n\
                    tmpfs /run tmpfs rw 0 0\n/dev/sdb1 /mnt/my\\040disk xfs rw 0 0\noverlay /x overlay rw 0 0\n";
        let mounts = parse_mounts(text);
        assert_eq!(mounts.len(), 2);
        assert_eq!(mounts[0], Mount { device: "/dev/vda".into(), path: "/".into(), fs_type: "ext4".into() });
        assert_eq!(mounts[1].path, "/mnt/my disk");
    }

    #[test]
    fn measures_this_host() {
        let m = HostMetrics::new("/proc");
        let first = m.measure().unwrap();
        let second = m.measure().unwrap();
        assert!(first.cpu_cores_millis >= 1000);
        assert!(first.memory_bytes > 0 && (0.0..=1.0).contains(&first.memory_usage));
        assert!((0.0..=1.0).contains(&second.cpu_usage));
        assert!(first.disk_metrics.iter().all(|d| d.bytes_used <= d.bytes_total));
    }
}
