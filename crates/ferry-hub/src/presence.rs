//! When agents were last seen. Every agent call updates memory; a background task flushes
//! changes to the store in one batch, so polling does not turn into a write per request.

use std::collections::HashMap;
use std::sync::Mutex;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::store::Sighting;

/// Writes are skipped while the stored time is fresher than this. Staleness is judged at
/// 60 s, and this hub answers from memory anyway, so the store may lag by this much (plus
/// the 5 s flush period) without any target looking stale.
const FLUSH_GRANULARITY: time::Duration = time::Duration::seconds(30);

#[derive(Debug, Clone)]
struct Seen {
    at: OffsetDateTime,
    version: Option<String>,
    flushed_at: Option<OffsetDateTime>,
    flushed_version: Option<String>,
}

/// In-memory presence of agents.
#[derive(Debug, Default)]
pub struct Presence {
    seen: Mutex<HashMap<Uuid, Seen>>,
}

impl Presence {
    /// Notes a call from `target`'s agent.
    pub fn saw(&self, target: Uuid, at: OffsetDateTime, version: Option<String>) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let entry = seen.entry(target).or_insert(Seen { at, version: None, flushed_at: None, flushed_version: None });
        entry.at = entry.at.max(at);
        if version.is_some() {
            entry.version = version;
        }
    }

    /// The last time `target` was seen by this hub, if it was.
    pub fn last_seen(&self, target: Uuid) -> Option<OffsetDateTime> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).get(&target).map(|s| s.at)
    }

    /// The agent version `target` last reported to this hub.
    pub fn version(&self, target: Uuid) -> Option<String> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).get(&target).and_then(|s| s.version.clone())
    }

    /// How many agents called within `window` of `now`.
    pub fn active(&self, now: OffsetDateTime, window: time::Duration) -> usize {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.values().filter(|s| now - s.at <= window).count()
    }

    /// What should be written to the store now; marks it as written.
    pub fn take_unflushed(&self) -> Vec<Sighting> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        for (id, s) in seen.iter_mut() {
            let stale = s.flushed_at.is_none_or(|f| s.at - f >= FLUSH_GRANULARITY);
            let version_changed = s.version != s.flushed_version;
            if stale || version_changed {
                out.push(Sighting { target_id: *id, at: s.at, agent_version: s.version.clone() });
                s.flushed_at = Some(s.at);
                s.flushed_version = s.version.clone();
            }
        }
        out
    }

    /// Puts back sightings whose write failed, so the next flush retries them.
    pub fn restore(&self, failed: &[Sighting]) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        for f in failed {
            if let Some(s) = seen.get_mut(&f.target_id) {
                s.flushed_at = None;
                s.flushed_version = None;
            }
        }
    }
}

/// The version part of an agent's `User-Agent` (`FerryAgent/1.2.3`, `DistrAgentClient/1.2.3`).
pub fn agent_version_from_user_agent(user_agent: &str) -> Option<String> {
    let token = user_agent.split_whitespace().next()?;
    let (product, version) = token.split_once('/')?;
    let known = matches!(product, "FerryAgent" | "DistrAgentClient" | "FerryBench");
    (known && !version.is_empty() && version.len() <= 64).then(|| version.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn flushes_only_meaningful_changes() {
        let p = Presence::default();
        let t = Uuid::new_v4();
        let t0 = datetime!(2026-01-01 0:00 UTC);
        p.saw(t, t0, Some("1.0.0".into()));
        assert_eq!(p.take_unflushed().len(), 1);
        p.saw(t, t0 + time::Duration::seconds(29), None);
        assert!(p.take_unflushed().is_empty(), "within granularity");
        p.saw(t, t0 + time::Duration::seconds(31), None);
        assert_eq!(p.take_unflushed().len(), 1);
        p.saw(t, t0 + time::Duration::seconds(32), Some("1.1.0".into()));
        let flushed = p.take_unflushed();
        assert_eq!(flushed[0].agent_version.as_deref(), Some("1.1.0"));
        p.restore(&flushed);
        assert_eq!(p.take_unflushed().len(), 1, "failed writes are retried");
        assert_eq!(p.active(t0 + time::Duration::seconds(60), time::Duration::seconds(60)), 1);
        assert_eq!(p.active(t0 + time::Duration::seconds(200), time::Duration::seconds(60)), 0);
    }

    #[test]
    fn reads_versions_from_user_agents() {
        assert_eq!(agent_version_from_user_agent("FerryAgent/0.3.1").as_deref(), Some("0.3.1"));
        assert_eq!(agent_version_from_user_agent("DistrAgentClient/1.9.0 (linux)").as_deref(), Some("1.9.0"));
        assert_eq!(agent_version_from_user_agent("curl/8.0"), None);
        assert_eq!(agent_version_from_user_agent("FerryAgent/"), None);
    }
}
