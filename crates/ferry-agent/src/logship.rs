//! Shipping application logs (PROTOCOL.md §7) beside the reconcile loop, never blocking it.
//!
//! Lines are read from the platform each cycle, from a per-deployment watermark persisted in
//! `<state>/log-cursors.json`: the newest timestamp shipped plus fingerprints of the lines at
//! exactly that timestamp, so nothing is shipped twice or lost across agent restarts. The
//! watermark moves only after the hub accepted the batch (or refused it as malformed, which
//! retrying cannot fix). Memory stays bounded: unshipped lines are not kept, they are read
//! again from the platform next time.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ferry_proto::agent::LogRecord;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::sync::watch;
use uuid::Uuid;

use crate::driver::{Driver, Installed, LogLine, TargetContext};
use crate::hub::{HubApi, HubError};
use crate::state::{StateError, StateFile};

/// What to ship, as the reconcile loop last saw it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogTargets {
    /// The target ships logs at all.
    pub enabled: bool,
    /// Never ship lines older than this.
    pub after: Option<OffsetDateTime>,
    /// The target the deployments run on.
    pub target: TargetContext,
    /// Installed deployments, each with its own logs switch.
    pub deployments: Vec<(Installed, bool)>,
}

/// Where shipping of one deployment stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cursor {
    /// The newest timestamp shipped.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    /// Fingerprints of the lines shipped with exactly that timestamp.
    pub at_since: Vec<u64>,
}

/// FNV-1a: a fingerprint that is stable across builds, unlike std's hasher.
fn fingerprint(line: &LogLine) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in line.resource.bytes().chain([0]).chain(line.severity.bytes()).chain([0]).chain(line.body.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Keeps the lines newer than `cursor` (and not older than `after`), oldest first, and the
/// cursor after them.
pub fn select_new(
    lines: Vec<LogLine>,
    cursor: Option<&Cursor>,
    after: Option<OffsetDateTime>,
) -> (Vec<LogLine>, Option<Cursor>) {
    let mut next = cursor.cloned();
    let mut fresh = Vec::new();
    for line in lines {
        if after.is_some_and(|a| line.timestamp < a) {
            continue;
        }
        let print = fingerprint(&line);
        if let Some(c) = cursor
            && (line.timestamp < c.since || (line.timestamp == c.since && c.at_since.contains(&print)))
        {
            continue;
        }
        match &mut next {
            Some(n) if line.timestamp == n.since => n.at_since.push(print),
            Some(n) if line.timestamp < n.since => {}
            _ => next = Some(Cursor { since: line.timestamp, at_since: vec![print] }),
        }
        fresh.push(line);
    }
    (fresh, next)
}

/// Ships logs of the installed deployments.
pub struct LogShipper {
    hub: Arc<dyn HubApi>,
    driver: Arc<dyn Driver>,
    file: StateFile,
    cursors: BTreeMap<Uuid, Cursor>,
    /// Most lines per request.
    pub batch: usize,
}

impl LogShipper {
    /// A shipper keeping its watermarks under `state_dir`.
    pub fn new(hub: Arc<dyn HubApi>, driver: Arc<dyn Driver>, state_dir: &std::path::Path) -> Result<Self, StateError> {
        let file = StateFile::open(state_dir, "log-cursors.json")?;
        let cursors = file.load()?;
        Ok(LogShipper { hub, driver, file, cursors, batch: 1000 })
    }

    /// One pass: read, ship, advance. Returns the lines shipped.
    pub async fn cycle(&mut self, targets: &LogTargets) -> Result<usize, HubError> {
        let before = self.cursors.len();
        self.cursors.retain(|id, _| targets.deployments.iter().any(|(d, _)| d.id == *id));
        let mut dirty = self.cursors.len() != before;
        if !targets.enabled {
            self.persist(dirty);
            return Ok(0);
        }
        let mut records = Vec::new();
        let mut advanced = Vec::new();
        for (installed, enabled) in &targets.deployments {
            if !enabled || records.len() >= self.batch {
                continue;
            }
            let cursor = self.cursors.get(&installed.id);
            let room = self.batch - records.len();
            let lines = match self.driver.logs(&targets.target, installed, cursor.map(|c| c.since), room).await {
                Ok(lines) => lines,
                Err(e) => {
                    tracing::debug!(deployment = %installed.id, error = %e, "cannot read logs");
                    continue;
                }
            };
            let (fresh, next) = select_new(lines, cursor, targets.after);
            records.extend(fresh.into_iter().map(|l| LogRecord {
                deployment_id: installed.id,
                deployment_revision_id: installed.revision_id,
                resource: l.resource,
                timestamp: l.timestamp,
                severity: l.severity,
                body: l.body,
            }));
            if let Some(next) = next
                && Some(&next) != cursor
            {
                advanced.push((installed.id, next));
            }
        }
        if records.is_empty() {
            self.persist(dirty);
            return Ok(0);
        }
        match self.hub.logs(&records).await {
            Ok(()) => {}
            Err(HubError::Rejected { status, message }) => {
                tracing::warn!(status, %message, lines = records.len(), "the hub refused a log batch; dropping it");
            }
            Err(e) => {
                self.persist(dirty);
                return Err(e);
            }
        }
        for (id, cursor) in advanced {
            self.cursors.insert(id, cursor);
            dirty = true;
        }
        self.persist(dirty);
        Ok(records.len())
    }

    fn persist(&self, dirty: bool) {
        if dirty && let Err(e) = self.file.save(&self.cursors) {
            tracing::warn!(error = %e, "cannot save log watermarks");
        }
    }

    /// Ships every `period` until `shutdown`; backs off (up to 5 min) while the hub fails.
    pub async fn run(
        mut self,
        mut targets: watch::Receiver<LogTargets>,
        period: Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        let mut wait = period;
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(wait) => {}
            }
            let current = targets.borrow_and_update().clone();
            wait = match self.cycle(&current).await {
                Ok(n) if n >= self.batch => Duration::ZERO,
                Ok(_) => period,
                Err(e) => {
                    let next = (wait.max(period) * 2).min(Duration::from_secs(300));
                    tracing::warn!(error = %e, retry_in = ?next, "cannot ship logs");
                    next
                }
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(secs: i64, body: &str) -> LogLine {
        LogLine {
            resource: "web-1".into(),
            timestamp: OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(secs),
            severity: "Log".into(),
            body: body.into(),
        }
    }

    #[test]
    fn nothing_twice_nothing_lost_at_equal_timestamps() {
        let (first, cursor) = select_new(vec![line(1, "a"), line(2, "b"), line(2, "c")], None, None);
        assert_eq!(first.len(), 3);
        let cursor = cursor.unwrap();
        assert_eq!(cursor.since, OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(2));
        assert_eq!(cursor.at_since.len(), 2);
        // The platform returns lines at or after `since`: b and c again, plus a new line at the
        // same second and a later one.
        let again = vec![line(2, "b"), line(2, "c"), line(2, "d"), line(3, "e")];
        let (second, cursor2) = select_new(again, Some(&cursor), None);
        let bodies: Vec<_> = second.iter().map(|l| l.body.as_str()).collect();
        assert_eq!(bodies, ["d", "e"]);
        assert_eq!(cursor2.unwrap().at_since.len(), 1);
    }

    #[test]
    fn lines_before_the_cutoff_are_never_shipped() {
        let after = Some(OffsetDateTime::UNIX_EPOCH + time::Duration::seconds(5));
        let (kept, _) = select_new(vec![line(4, "old"), line(5, "new")], None, after);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].body, "new");
    }
}
