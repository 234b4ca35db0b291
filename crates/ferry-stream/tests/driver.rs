//! The async driver over an in-memory WebSocket whose far end the test controls.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferry_stream::PROTOCOL_VERSION;
use ferry_stream::connection::{Config, Connection, Event};
use ferry_stream::driver::{Handler, Outcome, WsIn, run};
use ferry_stream::frame::{ChannelKind, Code};
use ferry_stream::handshake::{Auth, Challenge, Hello, Role, Welcome};
use futures_util::{Sink, Stream};
use tokio::sync::mpsc;
use uuid::Uuid;

/// One end of an in-memory WebSocket. When `stalled` is set, what this end writes vanishes
/// (a proxy that stopped forwarding).
struct End {
    tx: mpsc::UnboundedSender<Bytes>,
    rx: mpsc::UnboundedReceiver<Bytes>,
    stalled: Arc<AtomicBool>,
}

fn socket_pair() -> (End, End, Arc<AtomicBool>) {
    let (a_tx, b_rx) = mpsc::unbounded_channel();
    let (b_tx, a_rx) = mpsc::unbounded_channel();
    let stalled = Arc::new(AtomicBool::new(false));
    (
        End { tx: a_tx, rx: a_rx, stalled: Arc::new(AtomicBool::new(false)) },
        End { tx: b_tx, rx: b_rx, stalled: stalled.clone() },
        stalled,
    )
}

impl Stream for End {
    type Item = Result<WsIn, String>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx).map(|m| m.map(|b| Ok(WsIn::Binary(b))))
    }
}

impl Sink<Bytes> for End {
    type Error = String;
    fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), String>> {
        Poll::Ready(Ok(()))
    }
    fn start_send(self: Pin<&mut Self>, item: Bytes) -> Result<(), String> {
        if !self.stalled.load(Ordering::SeqCst) {
            let _ = self.tx.send(item);
        }
        Ok(())
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), String>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), String>> {
        Poll::Ready(Ok(()))
    }
}

#[derive(Default)]
struct AgentSide {
    acked: Vec<u64>,
    established: bool,
    to_send: u64,
    close_when_acked: bool,
}

impl Handler for AgentSide {
    type Command = ();
    fn event(&mut self, c: &mut Connection, event: Event, _: Instant) {
        match event {
            Event::Challenge(ch) => c.hello(Hello {
                protocol: PROTOCOL_VERSION,
                target: Uuid::from_u128(1),
                connection_id: "a".into(),
                agent: "test".into(),
                auth: Auth::Token { token: ch.nonce },
                origin: Uuid::from_u128(2),
                window: 65536,
                desired: None,
                serves: vec![],
            }),
            Event::Established(_) => {
                self.established = true;
                let ch = c.open("status", ChannelKind::Messages, Bytes::new()).unwrap();
                for seq in 1..=self.to_send {
                    c.send_message(ch, seq, Bytes::from(format!("status {seq}"))).unwrap();
                }
            }
            Event::Acked { seq, .. } => {
                self.acked.push(seq);
                if self.close_when_acked && seq == self.to_send {
                    c.close(Code::Normal, "done");
                }
            }
            _ => {}
        }
    }
    fn command(&mut self, _: &mut Connection, _: (), _: Instant) {}
}

#[derive(Default)]
struct HubSide {
    received: Vec<String>,
}

impl Handler for HubSide {
    type Command = ();
    fn event(&mut self, c: &mut Connection, event: Event, now: Instant) {
        match event {
            Event::Hello(h) => {
                assert!(matches!(h.auth, Auth::Token { ref token } if token == "n1"));
                c.accept(
                    Welcome {
                        session: Uuid::nil(),
                        window: 65536,
                        heartbeat_ms: 10_000,
                        idle_timeout_ms: 30_000,
                        max_frame: 1 << 20,
                        resume: BTreeMap::new(),
                        role: Role::Active,
                    },
                    now,
                )
            }
            Event::Message { channel, seq, payload } => {
                self.received.push(String::from_utf8(payload.to_vec()).unwrap());
                c.ack(channel, seq);
                c.release(channel, payload.len());
            }
            _ => {}
        }
    }
    fn command(&mut self, _: &mut Connection, _: (), _: Instant) {}
}

fn challenge() -> Challenge {
    Challenge { protocol: PROTOCOL_VERSION, nonce: "n1".into(), time: 0 }
}

#[tokio::test]
async fn a_session_runs_end_to_end() {
    let (agent_end, hub_end, _) = socket_pair();
    let now = tokio::time::Instant::now().into_std();
    let hub_conn = Connection::hub(Config::default(), challenge(), now);
    let agent_conn = Connection::agent(Config::default(), now);
    let hub = tokio::spawn(async move {
        let (_tx, mut rx) = mpsc::channel::<()>(1);
        let mut h = HubSide::default();
        let outcome = run(hub_conn, hub_end, &mut h, &mut rx).await;
        (h, outcome)
    });
    let (_tx, mut rx) = mpsc::channel::<()>(1);
    let mut a = AgentSide { to_send: 5, close_when_acked: true, ..Default::default() };
    let outcome = run(agent_conn, agent_end, &mut a, &mut rx).await;
    assert_eq!(outcome, Outcome { code: Code::Normal, reason: "done".into(), by_peer: false, established: true });
    assert_eq!(a.acked.last(), Some(&5));
    let (h, hub_outcome) = hub.await.unwrap();
    assert_eq!(h.received, (1..=5).map(|i| format!("status {i}")).collect::<Vec<_>>());
    assert_eq!(hub_outcome.code, Code::Normal);
    assert!(hub_outcome.by_peer);
}

#[tokio::test(start_paused = true)]
async fn a_stalled_hub_is_noticed_by_the_agent_within_the_idle_timeout() {
    let (agent_end, hub_end, hub_stalled) = socket_pair();
    let now = tokio::time::Instant::now().into_std();
    let hub_conn = Connection::hub(Config::default(), challenge(), now);
    let agent_conn = Connection::agent(Config::default(), now);
    let _hub = tokio::spawn(async move {
        let (_tx, mut rx) = mpsc::channel::<()>(1);
        let mut h = HubSide::default();
        run(hub_conn, hub_end, &mut h, &mut rx).await
    });
    let (_tx, mut rx) = mpsc::channel::<()>(1);
    let mut a = AgentSide { to_send: 1, ..Default::default() };
    let agent = tokio::spawn(async move {
        let started = tokio::time::Instant::now();
        let outcome = run(agent_conn, agent_end, &mut a, &mut rx).await;
        (outcome, started.elapsed())
    });
    tokio::time::sleep(Duration::from_secs(15)).await;
    hub_stalled.store(true, Ordering::SeqCst);
    let (outcome, elapsed) = agent.await.unwrap();
    assert_eq!(outcome.code, Code::Timeout);
    assert_eq!(outcome.reason, "nothing received from the peer for 30 s");
    assert!(outcome.established);
    // The last pong arrived at 10 s; the idle timeout is 30 s.
    assert!(elapsed >= Duration::from_secs(40) && elapsed <= Duration::from_secs(46), "{elapsed:?}");
}
