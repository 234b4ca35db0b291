//! The connection state machine, two ends back to back.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferry_stream::connection::{Config, Connection, Event, SendError};
use ferry_stream::frame::{ChannelKind, Code, Frame};
use ferry_stream::handshake::Refusal;
use support::{Pair, bytes, challenge, hello, small};

fn goaway_of(conn: &mut Connection) -> (Code, String) {
    let mut last = None;
    while let Some(b) = conn.poll_transmit() {
        if let Ok(Frame::GoAway { code, reason }) = Frame::decode(b, usize::MAX) {
            last = Some((code, reason));
        }
    }
    last.expect("a GoAway frame")
}

#[test]
fn handshake_then_refusal_reaches_the_agent() {
    let now = Instant::now();
    let mut hub = Connection::hub(Config::default(), challenge(), now);
    let mut agent = Connection::agent(Config::default(), now);
    agent.handle(hub.poll_transmit().unwrap(), now).unwrap();
    assert!(matches!(agent.poll_event(), Some(Event::Challenge(_))));
    agent.hello(hello(65536));
    hub.handle(agent.poll_transmit().unwrap(), now).unwrap();
    assert!(matches!(hub.poll_event(), Some(Event::Hello(_))));
    hub.refuse(Refusal { code: Code::Unauthorized, message: "key SHA256:x is not registered".into() });
    agent.handle(hub.poll_transmit().unwrap(), now).unwrap();
    assert!(matches!(agent.poll_event(), Some(Event::Refused(r)) if r.message.contains("not registered")));
    assert!(matches!(agent.poll_event(), Some(Event::Closed { code: Code::Unauthorized, by_peer: true, .. })));
    assert!(agent.is_closed() && hub.is_closed());
}

#[test]
fn frames_out_of_order_in_the_handshake_are_refused_with_a_reason() {
    let now = Instant::now();
    let mut hub = Connection::hub(Config::default(), challenge(), now);
    let _ = hub.poll_transmit();
    let data = Frame::Data { channel: 1, fin: false, payload: Bytes::from_static(b"x") }.encode();
    let err = hub.handle(data, now).unwrap_err();
    assert_eq!(err.code, Code::Protocol);
    assert_eq!(err.reason, "unexpected Data frame before the hello (sent to the hub)");
    assert_eq!(goaway_of(&mut hub), (Code::Protocol, err.reason));

    let mut old = hello(65536);
    old.protocol = 99;
    let mut hub = Connection::hub(Config::default(), challenge(), now);
    let err = hub.handle(Frame::Hello(old).encode(), now).unwrap_err();
    assert!(err.reason.contains("the agent 99; update the agent"), "{err}");
}

#[test]
fn handshake_must_finish_in_time() {
    let now = Instant::now();
    let config = Config { handshake_timeout: Duration::from_secs(5), ..Config::default() };
    let mut hub = Connection::hub(config, challenge(), now);
    assert_eq!(hub.poll_timeout(), Some(now + Duration::from_secs(5)));
    hub.handle_timeout(now + Duration::from_secs(5));
    assert!(hub.is_closed());
    assert_eq!(goaway_of(&mut hub), (Code::Timeout, "the handshake did not finish in time".into()));
}

#[test]
fn messages_are_numbered_acknowledged_and_flow_controlled() {
    let mut p = Pair::established(small(4096), small(1024), BTreeMap::new());
    let ch = p.agent.open("status", ChannelKind::Messages, Bytes::new()).unwrap();
    // The hub grants 1024 bytes: three 400-byte messages do not all fit.
    for seq in 1..=3 {
        p.agent.send_message(ch, seq, bytes(400, seq as u8)).unwrap();
    }
    p.pump();
    let events = p.take_hub();
    assert!(matches!(&events[0], Event::Opened { name, kind: ChannelKind::Messages, .. } if name == "status"));
    let seqs: Vec<u64> =
        events.iter().filter_map(|e| if let Event::Message { seq, .. } = e { Some(*seq) } else { None }).collect();
    assert_eq!(seqs, [1, 2], "the third waits for credit");
    assert_eq!(p.agent.channel(ch).unwrap().queued, 400);
    // Processing both gives their bytes back in one credit frame; the third goes out.
    p.hub.ack(ch, 1);
    p.hub.release(ch, 400);
    p.hub.ack(ch, 2);
    p.hub.release(ch, 400);
    p.pump();
    assert_eq!(p.take_agent(), vec![Event::Acked { channel: ch, seq: 2 }, Event::Writable { channel: ch }]);
    let events = p.take_hub();
    assert!(matches!(events.as_slice(), [Event::Message { seq: 3, payload, .. }] if payload[0] == 3));
    // Numbers must increase.
    assert_eq!(p.agent.send_message(ch, 3, bytes(1, 0)), Err(SendError::OutOfOrder { channel: ch, seq: 3, last: 3 }));
    // A message that could never fit the window is refused at once.
    assert_eq!(p.agent.send_message(ch, 9, bytes(1025, 0)), Err(SendError::TooLarge { size: 1025, max: 1024 }));
}

#[test]
fn resumed_channels_drop_what_was_processed_before_and_acknowledge_it_again() {
    let resume = BTreeMap::from([("logs".to_string(), 7u64)]);
    let mut p = Pair::established(Config::default(), Config::default(), resume);
    let ch = p.agent.open("logs", ChannelKind::Messages, Bytes::new()).unwrap();
    for seq in [6, 7, 8] {
        p.agent.send_message(ch, seq, bytes(10, seq as u8)).unwrap();
    }
    p.pump();
    let events = p.take_hub();
    let seqs: Vec<u64> =
        events.iter().filter_map(|e| if let Event::Message { seq, .. } = e { Some(*seq) } else { None }).collect();
    assert_eq!(seqs, [8], "6 and 7 were processed on an earlier connection");
    assert_eq!(p.hub.stats().duplicates, 2);
    assert!(p.take_agent().contains(&Event::Acked { channel: ch, seq: 7 }), "duplicates are acknowledged again");
}

#[test]
fn byte_channels_split_to_fit_credit_and_close_when_both_sides_finish() {
    let mut p = Pair::established(small(8192), small(2048), BTreeMap::new());
    let ch = p.agent.open("docker", ChannelKind::Bytes, Bytes::from_static(b"GET /containers/json")).unwrap();
    let body: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
    p.agent.send_data(ch, Bytes::from(body.clone()), true).unwrap();
    let mut received = Vec::new();
    let mut fin = false;
    for _ in 0..10 {
        p.pump();
        for e in p.take_hub() {
            if let Event::Data { channel, payload, fin: f } = e {
                assert!(payload.len() <= 2048);
                received.extend_from_slice(&payload);
                fin |= f;
                p.hub.release(channel, payload.len());
            }
        }
    }
    assert_eq!(received, body);
    assert!(fin);
    assert!(p.hub.channel(ch).is_some(), "half-closed: the hub may still answer");
    p.hub.send_data(ch, Bytes::from_static(b"HTTP/1.1 200 OK"), true).unwrap();
    p.pump();
    assert!(p.take_agent().iter().any(|e| matches!(e, Event::Data { fin: true, .. })));
    assert!(p.hub.channel(ch).is_none() && p.agent.channel(ch).is_none());
    assert_eq!(p.agent.send_data(ch, bytes(1, 0), false), Err(SendError::NoChannel(ch)));
}

#[test]
fn aborting_a_channel_tells_the_peer_and_late_frames_are_dropped() {
    let mut p = Pair::established(Config::default(), Config::default(), BTreeMap::new());
    let ch = p.agent.open("docker", ChannelKind::Bytes, Bytes::new()).unwrap();
    p.pump();
    p.take_hub();
    p.agent.send_data(ch, bytes(10, 1), false).unwrap();
    // The hub aborts before the data arrives; the data then arrives for a closed channel.
    p.hub.close_channel(ch, Code::Unsupported, "no Docker engine on this target");
    p.pump();
    assert!(p.take_hub().is_empty(), "late data is dropped quietly");
    assert_eq!(
        p.take_agent(),
        vec![Event::ChannelClosed {
            channel: ch,
            code: Code::Unsupported,
            reason: "no Docker engine on this target".into()
        }]
    );
    assert!(p.agent.is_open() && p.hub.is_open());
}

#[test]
fn violations_end_the_connection_with_a_clear_reason() {
    let cases: Vec<(Frame, &str)> = vec![
        (Frame::Data { channel: 9, fin: false, payload: bytes(1, 0) }, "channel 9 was never opened"),
        (Frame::Ack { channel: 1, seq: 5 }, "ack 5 on channel 1 is outside the messages sent (0..=0)"),
        (
            Frame::Open { channel: 2, kind: ChannelKind::Bytes, name: "x".into(), meta: Bytes::new() },
            "channel 2 cannot be opened by the peer (reused, or the wrong parity)",
        ),
        (Frame::Message { channel: 1, seq: 1, payload: bytes(1, 0) }, "channel 1 carries Bytes, but a Messages frame"),
        (Frame::Welcome(support::welcome(1024, BTreeMap::new())), "unexpected Welcome frame after the handshake"),
        (Frame::Data { channel: 1, fin: false, payload: bytes(70_000, 0) }, "exceed its remaining credit of 65536"),
    ];
    for (frame, expected) in cases {
        let mut p = Pair::established(small(65536), small(65536), BTreeMap::new());
        let ch = p.agent.open("docker", ChannelKind::Bytes, Bytes::new()).unwrap();
        assert_eq!(ch, 1);
        p.pump();
        let err = p.hub.handle(frame.encode(), p.now).unwrap_err();
        assert!(err.reason.contains(expected), "{err} does not contain {expected:?}");
        assert!(p.hub.is_closed());
        let (_, reason) = goaway_of(&mut p.hub);
        assert_eq!(reason, err.reason, "the peer is told why");
    }
}

#[test]
fn oversized_and_garbage_frames_are_refused() {
    let mut p = Pair::established(Config::default(), Config { max_frame: 4096, ..Config::default() }, BTreeMap::new());
    let err = p.hub.handle(bytes(5000, 0x11), p.now).unwrap_err();
    assert_eq!(err.code, Code::TooLarge);
    assert_eq!(err.reason, "frame of 5000 bytes exceeds the limit of 4096 bytes");
    let mut p = Pair::established(Config::default(), Config::default(), BTreeMap::new());
    let err = p.hub.handle(Bytes::from_static(&[0xee, 1, 2]), p.now).unwrap_err();
    assert_eq!(err.reason, "unknown frame type 0xee");
}

#[test]
fn too_many_channels_are_refused_one_by_one() {
    let mut p = Pair::established(Config::default(), Config { max_channels: 2, ..Config::default() }, BTreeMap::new());
    let ids: Vec<u32> = (0..3).map(|_| p.agent.open("docker", ChannelKind::Bytes, Bytes::new()).unwrap()).collect();
    p.pump();
    let closed = p.take_agent();
    assert_eq!(
        closed,
        vec![Event::ChannelClosed {
            channel: ids[2],
            code: Code::RateLimited,
            reason: "too many open channels (limit 2)".into()
        }]
    );
    assert!(p.hub.is_open());
}

#[test]
fn heartbeats_measure_rtt_and_silence_ends_the_connection() {
    let agent = Config { heartbeat: Some(Duration::from_secs(20)), ..Config::default() };
    let mut p = Pair::established(agent, Config::default(), BTreeMap::new());
    // The welcome says 20 s heartbeats, 60 s idle timeout.
    p.advance(Duration::from_secs(20));
    p.pump();
    assert!(matches!(p.take_agent().as_slice(), [Event::Rtt(_)]));
    // Then the hub goes silent (a stalled proxy): nothing reaches the agent any more.
    for _ in 0..3 {
        p.now += Duration::from_secs(20);
        p.agent.handle_timeout(p.now);
        while p.agent.poll_transmit().is_some() {}
    }
    assert!(p.agent.is_closed());
    assert!(matches!(
        p.agent.poll_event(),
        Some(Event::Closed { code: Code::Timeout, by_peer: false, reason }) if reason == "nothing received from the peer for 60 s"
    ));
}

#[test]
fn a_flooding_peer_is_paused_not_cut_off() {
    let hub = Config {
        inbound: ferry_stream::limit::Rate { bytes_per_sec: 10_000, frames_per_sec: 100, burst_secs: 1 },
        ..Config::default()
    };
    let mut p = Pair::established(Config::default(), hub, BTreeMap::new());
    for i in 0..150 {
        p.hub.handle(Frame::Ping { id: i }.encode(), p.now).unwrap();
    }
    let until = p.hub.read_paused_until(p.now).expect("reading paused");
    assert!(until > p.now && until <= p.now + Duration::from_millis(600), "{:?}", until - p.now);
    assert!(p.hub.is_open());
    assert_eq!(p.hub.read_paused_until(until), None);
}
