//! Container logs of simulated pods: lines with timestamps, read through
//! `/api/v1/namespaces/{ns}/pods/{name}/log` (with `follow`, `sinceTime`,
//! `sinceSeconds`, `tailLines`, `timestamps`, `limitBytes`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One log line.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// When the container wrote it.
    pub time: OffsetDateTime,
    /// The text, without the newline.
    pub text: String,
}

impl LogLine {
    /// The line as the kubelet serves it, with the RFC 3339 nanosecond timestamp when asked.
    pub fn render(&self, timestamps: bool) -> String {
        if timestamps { format!("{} {}\n", rfc3339_nanos(self.time), self.text) } else { format!("{}\n", self.text) }
    }
}

/// `2026-01-02T03:04:05.123456789Z`.
pub fn rfc3339_nanos(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond()
    )
}

/// Parses an RFC 3339 time (`sinceTime`).
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// (namespace, pod) → container → lines: forgetting a pod is one removal.
type PodLogs = HashMap<(String, String), HashMap<String, Vec<LogLine>>>;

/// The log store of a simulator.
#[derive(Clone)]
pub struct Logs {
    lines: Arc<Mutex<PodLogs>>,
    written: Arc<tokio::sync::watch::Sender<u64>>,
}

impl Default for Logs {
    fn default() -> Self {
        Self { lines: Arc::default(), written: Arc::new(tokio::sync::watch::channel(0).0) }
    }
}

impl Logs {
    /// Appends a line to a container's log, now.
    pub fn write(&self, namespace: &str, pod: &str, container: &str, text: &str) {
        self.write_at(namespace, pod, container, text, OffsetDateTime::now_utc());
    }

    /// Appends a line with a chosen time (for `sinceTime` tests).
    pub fn write_at(&self, namespace: &str, pod: &str, container: &str, text: &str, time: OffsetDateTime) {
        let mut lines = self.lines.lock().expect("log store poisoned");
        let log = lines
            .entry((namespace.to_string(), pod.to_string()))
            .or_default()
            .entry(container.to_string())
            .or_default();
        for part in text.lines() {
            log.push(LogLine { time, text: part.to_string() });
        }
        drop(lines);
        self.written.send_modify(|n| *n += 1);
    }

    /// The lines of a container so far.
    pub fn lines(&self, namespace: &str, pod: &str, container: &str) -> Vec<LogLine> {
        let key = (namespace.to_string(), pod.to_string());
        let lines = self.lines.lock().expect("log store poisoned");
        lines.get(&key).and_then(|containers| containers.get(container)).cloned().unwrap_or_default()
    }

    /// Forgets a pod's logs (the pod is gone).
    pub(crate) fn forget_pod(&self, namespace: &str, pod: &str) {
        self.lines.lock().expect("log store poisoned").remove(&(namespace.to_string(), pod.to_string()));
    }

    /// Wakes when any line is written.
    pub(crate) fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.written.subscribe()
    }
}
