//! Properties of the wire format and the connection under arbitrary input, interleavings and
//! reconnects.

mod support;

use std::collections::BTreeMap;

use bytes::Bytes;
use ferry_stream::connection::{Config, Event};
use ferry_stream::frame::{ChannelKind, Code, Frame};
use proptest::prelude::*;
use support::{Pair, small};

fn frame() -> impl Strategy<Value = Frame> {
    let bytes = || proptest::collection::vec(any::<u8>(), 0..64).prop_map(Bytes::from);
    let name = "[a-z][a-z0-9-]{0,20}";
    let channel = 1u32..1000;
    prop_oneof![
        (channel.clone(), prop_oneof![Just(ChannelKind::Messages), Just(ChannelKind::Bytes)], name, bytes())
            .prop_map(|(channel, kind, name, meta)| Frame::Open { channel, kind, name, meta }),
        (channel.clone(), any::<bool>(), bytes()).prop_map(|(channel, fin, payload)| Frame::Data {
            channel,
            fin,
            payload
        }),
        (channel.clone(), 1u64.., bytes()).prop_map(|(channel, seq, payload)| Frame::Message { channel, seq, payload }),
        (channel.clone(), any::<u64>()).prop_map(|(channel, seq)| Frame::Ack { channel, seq }),
        (channel.clone(), any::<u32>()).prop_map(|(channel, bytes)| Frame::Credit { channel, bytes }),
        (channel, any::<u16>(), ".{0,30}").prop_map(|(channel, code, reason)| Frame::Close {
            channel,
            code: Code::from_u16(code),
            reason
        }),
        any::<u64>().prop_map(|id| Frame::Ping { id }),
        any::<u64>().prop_map(|id| Frame::Pong { id }),
        (any::<u16>(), ".{0,30}").prop_map(|(code, reason)| Frame::GoAway { code: Code::from_u16(code), reason }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn frames_round_trip(f in frame()) {
        prop_assert_eq!(Frame::decode(f.encode(), usize::MAX).unwrap(), f);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_decoder(b in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Frame::decode(Bytes::from(b), 1 << 20);
    }

    /// Whatever a hostile peer sends after the handshake, the hub either takes it or ends the
    /// connection with a reason; it never panics and never answers after the end.
    #[test]
    fn hostile_frames_end_cleanly(frames in proptest::collection::vec(frame(), 1..30)) {
        let mut p = Pair::established(Config::default(), Config::default(), BTreeMap::new());
        for f in frames {
            let closed_before = p.hub.is_closed();
            let result = p.hub.handle(f.encode(), p.now);
            if closed_before {
                prop_assert!(result.is_ok());
            }
            if let Err(e) = result {
                prop_assert!(!e.reason.is_empty());
                prop_assert!(p.hub.is_closed());
            }
            while p.hub.poll_transmit().is_some() {}
        }
        if p.hub.is_closed() {
            prop_assert!(p.hub.poll_transmit().is_none());
        }
    }

    /// Messages on two channels with random sizes, windows and processing order all arrive,
    /// each once, in order per channel, and flow control is never violated.
    #[test]
    fn messages_arrive_once_in_order_under_any_pacing(
        sizes in proptest::collection::vec((0usize..2, 0usize..900), 1..60),
        window in 1024u32..4096,
        process_every in 1usize..5,
    ) {
        let mut p = Pair::established(small(4096), small(window), BTreeMap::new());
        let chans = [
            p.agent.open("status", ChannelKind::Messages, Bytes::new()).unwrap(),
            p.agent.open("logs", ChannelKind::Messages, Bytes::new()).unwrap(),
        ];
        let mut expected: [Vec<(u64, usize)>; 2] = [vec![], vec![]];
        for (i, (c, size)) in sizes.iter().enumerate() {
            let seq = (i as u64 + 1) * 3;
            p.agent.send_message(chans[*c], seq, Bytes::from(vec![*c as u8; *size])).unwrap();
            expected[*c].push((seq, *size));
        }
        let mut got: [Vec<(u64, usize)>; 2] = [vec![], vec![]];
        let mut backlog: Vec<(u32, u64, usize)> = vec![];
        for _ in 0..2000 {
            p.pump();
            for e in p.take_hub() {
                if let Event::Message { channel, seq, payload } = e {
                    let c = chans.iter().position(|x| *x == channel).unwrap();
                    got[c].push((seq, payload.len()));
                    backlog.push((channel, seq, payload.len()));
                }
            }
            // The hub processes a few at a time, as a slow database would.
            for (channel, seq, len) in backlog.drain(..backlog.len().min(process_every)) {
                p.hub.ack(channel, seq);
                p.hub.release(channel, len);
            }
            if got[0].len() + got[1].len() == sizes.len() && backlog.is_empty() {
                break;
            }
        }
        p.pump();
        prop_assert_eq!(&got, &expected);
        let acked: Vec<u64> = chans.iter().map(|c| p.agent.channel(*c).unwrap().peer_acked).collect();
        for c in 0..2 {
            prop_assert_eq!(acked[c], expected[c].last().map_or(0, |(s, _)| *s));
        }
    }

    /// A byte stream arrives intact whatever the window and write sizes.
    #[test]
    fn bytes_arrive_intact(writes in proptest::collection::vec(0usize..5000, 1..20), window in 1024u32..8192) {
        let mut p = Pair::established(small(8192), small(window), BTreeMap::new());
        let ch = p.agent.open("docker", ChannelKind::Bytes, Bytes::new()).unwrap();
        let mut sent = Vec::new();
        for (i, n) in writes.iter().enumerate() {
            let chunk: Vec<u8> = (0..*n).map(|j| (i * 31 + j) as u8).collect();
            sent.extend_from_slice(&chunk);
            p.agent.send_data(ch, Bytes::from(chunk), i + 1 == writes.len()).unwrap();
        }
        let mut got = Vec::new();
        let mut fin = false;
        for _ in 0..5000 {
            p.pump();
            for e in p.take_hub() {
                if let Event::Data { channel, payload, fin: f } = e {
                    got.extend_from_slice(&payload);
                    fin |= f;
                    p.hub.release(channel, payload.len());
                }
            }
            if fin {
                break;
            }
        }
        prop_assert!(fin);
        prop_assert_eq!(got, sent);
    }

    /// The agent keeps its messages until they are acknowledged (its outbox); the hub records
    /// the last message it processed durably before acknowledging. Whatever point the
    /// connection is cut at — frames in flight lost, acknowledgements lost, the hub crashed
    /// after processing but before acknowledging — every message is processed exactly once,
    /// in order.
    #[test]
    fn reconnects_lose_nothing_and_duplicate_nothing(
        count in 1u64..80,
        cuts in proptest::collection::vec((1usize..40, any::<bool>()), 0..6),
        process_every in 1usize..4,
    ) {
        let outbox_all: Vec<u64> = (1..=count).map(|i| i * 2 + 5).collect();
        let mut outbox: Vec<u64> = outbox_all.clone();
        let mut durable_last = 0u64; // the hub's database
        let mut processed: Vec<u64> = vec![];
        let mut cuts = cuts.into_iter();
        loop {
            let resume = BTreeMap::from([("status".to_string(), durable_last)]);
            let mut p = Pair::established(small(65536), small(2048), resume);
            // The agent drops what the hub says it already has, then offers the rest.
            outbox.retain(|s| *s > durable_last);
            let ch = p.agent.open("status", ChannelKind::Messages, Bytes::new()).unwrap();
            for seq in &outbox {
                p.agent.send_message(ch, *seq, Bytes::from(vec![1u8; 300])).unwrap();
            }
            let (cut_after, crash_before_ack) = cuts.next().unwrap_or((usize::MAX, false));
            let mut steps = 0usize;
            let mut backlog: Vec<(u32, u64)> = vec![];
            let mut cut = false;
            while !outbox.is_empty() {
                // Move one frame at a time so a cut can fall anywhere.
                if let Some(b) = p.agent.poll_transmit() {
                    p.hub.handle(b, p.now).unwrap();
                }
                while let Some(e) = p.hub.poll_event() {
                    if let Event::Message { channel, seq, .. } = e {
                        backlog.push((channel, seq));
                    }
                }
                for (channel, seq) in backlog.drain(..backlog.len().min(process_every)) {
                    prop_assert!(seq > durable_last, "{seq} processed twice");
                    processed.push(seq);
                    durable_last = seq;
                    if crash_before_ack && steps >= cut_after {
                        cut = true;
                        break;
                    }
                    p.hub.ack(channel, seq);
                    p.hub.release(channel, 300);
                }
                if cut {
                    break;
                }
                if let Some(b) = p.hub.poll_transmit() {
                    p.agent.handle(b, p.now).unwrap();
                }
                while let Some(e) = p.agent.poll_event() {
                    if let Event::Acked { seq, .. } = e {
                        outbox.retain(|s| *s > seq);
                    }
                }
                steps += 1;
                if steps >= cut_after {
                    break;
                }
                if steps > 100_000 {
                    prop_assert!(false, "no progress");
                }
            }
            if outbox.is_empty() {
                break;
            }
        }
        prop_assert_eq!(processed, outbox_all);
    }
}
