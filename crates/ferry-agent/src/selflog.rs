//! The agent's own log, shipped to the hub (`PUT /api/v1/agent/deployment-target-logs`) so
//! a vendor can see why an agent misbehaves without access to the customer's machine.
//! A tracing layer copies Ferry's own events (INFO and above) into a bounded buffer; a task
//! ships them. When the hub is away the oldest lines are dropped, never the process's memory.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_proto::agent::AgentLogRecord;
use time::OffsetDateTime;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use crate::hub::HubApi;

/// Lines kept while the hub is unreachable.
const CAPACITY: usize = 2000;
/// Lines per request.
const BATCH: usize = 500;

/// The buffer between the tracing layer and the shipper.
#[derive(Clone, Default)]
pub struct SelfLog {
    buffer: Arc<Mutex<VecDeque<AgentLogRecord>>>,
}

impl SelfLog {
    /// A tracing layer feeding this buffer.
    pub fn layer(&self) -> SelfLogLayer {
        SelfLogLayer { buffer: self.buffer.clone() }
    }

    fn push(&self, record: AgentLogRecord) {
        push_bounded(&self.buffer, record);
    }

    /// Ships buffered lines every `period` until `shutdown`.
    pub async fn ship(self, hub: Arc<dyn HubApi>, period: Duration, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(period) => {}
            }
            loop {
                let batch: Vec<AgentLogRecord> = {
                    let Ok(buffer) = self.buffer.lock() else { return };
                    buffer.iter().take(BATCH).cloned().collect()
                };
                if batch.is_empty() {
                    break;
                }
                if hub.agent_logs(&batch).await.is_err() {
                    // Kept for the next period; the buffer bound protects memory meanwhile.
                    break;
                }
                if let Ok(mut buffer) = self.buffer.lock() {
                    let n = batch.len().min(buffer.len());
                    buffer.drain(..n);
                }
            }
        }
    }
}

fn push_bounded(buffer: &Mutex<VecDeque<AgentLogRecord>>, record: AgentLogRecord) {
    if let Ok(mut b) = buffer.lock() {
        if b.len() >= CAPACITY {
            b.pop_front();
        }
        b.push_back(record);
    }
}

/// Copies Ferry's own events into a [`SelfLog`].
pub struct SelfLogLayer {
    buffer: Arc<Mutex<VecDeque<AgentLogRecord>>>,
}

struct Fields(String, String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.1, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.1, " {}={value}", field.name());
        }
    }
}

impl<S: Subscriber> Layer<S> for SelfLogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        // Ferry's own events only: library chatter (HTTP, TLS) would drown the useful lines.
        if *meta.level() > Level::INFO || !meta.target().starts_with("ferry") {
            return;
        }
        let mut fields = Fields(String::new(), String::new());
        event.record(&mut fields);
        let record = AgentLogRecord {
            timestamp: OffsetDateTime::now_utc(),
            severity: meta.level().to_string(),
            body: format!("{}{}", fields.0, fields.1),
        };
        push_bounded(&self.buffer, record);
    }
}

impl SelfLog {
    /// Adds a line directly (for messages logged before tracing is set up).
    pub fn note(&self, severity: &str, body: impl Into<String>) {
        self.push(AgentLogRecord {
            timestamp: OffsetDateTime::now_utc(),
            severity: severity.into(),
            body: body.into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn captures_ferry_events_with_fields_and_stays_bounded() {
        let log = SelfLog::default();
        let subscriber = tracing_subscriber::registry().with(log.layer());
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "ferry_agent::agent", deployment = "abc", "applied");
            tracing::debug!(target: "ferry_agent::agent", "too chatty");
            tracing::warn!(target: "hyper::client", "not ours");
        });
        let lines: Vec<_> = log.buffer.lock().unwrap().iter().cloned().collect();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].severity, "INFO");
        assert_eq!(lines[0].body, "applied deployment=abc");
        for i in 0..CAPACITY + 10 {
            log.note("INFO", format!("line {i}"));
        }
        let b = log.buffer.lock().unwrap();
        assert_eq!(b.len(), CAPACITY);
        assert_eq!(b.back().unwrap().body, format!("line {}", CAPACITY + 9));
    }
}
