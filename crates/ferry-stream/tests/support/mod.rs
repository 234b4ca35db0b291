//! Two connections wired back to back, with the network in the test's hands.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferry_stream::PROTOCOL_VERSION;
use ferry_stream::connection::{Config, Connection, Event};
use ferry_stream::handshake::{Auth, Challenge, Hello, Role, Welcome};
use uuid::Uuid;

pub fn challenge() -> Challenge {
    Challenge { protocol: PROTOCOL_VERSION, nonce: "nonce".into(), time: 0 }
}

pub fn hello(window: u32) -> Hello {
    Hello {
        protocol: PROTOCOL_VERSION,
        target: Uuid::from_u128(1),
        connection_id: "host-a".into(),
        agent: "FerryAgent/test".into(),
        auth: Auth::Token { token: "jwt".into() },
        origin: Uuid::from_u128(2),
        window,
        desired: None,
        serves: vec![],
    }
}

pub fn welcome(window: u32, resume: BTreeMap<String, u64>) -> Welcome {
    Welcome {
        session: Uuid::from_u128(3),
        window,
        heartbeat_ms: 20_000,
        idle_timeout_ms: 60_000,
        max_frame: 1 << 20,
        resume,
        role: Role::Active,
    }
}

pub struct Pair {
    pub agent: Connection,
    pub hub: Connection,
    pub now: Instant,
    pub agent_events: Vec<Event>,
    pub hub_events: Vec<Event>,
}

impl Pair {
    /// A connection through the handshake; `resume` goes into the welcome.
    pub fn established(agent: Config, hub: Config, resume: BTreeMap<String, u64>) -> Pair {
        let now = Instant::now();
        let (aw, hw) = (agent.window, hub.window);
        let mut p = Pair {
            agent: Connection::agent(agent, now),
            hub: Connection::hub(hub, challenge(), now),
            now,
            agent_events: vec![],
            hub_events: vec![],
        };
        p.pump();
        assert!(matches!(p.agent_events.as_slice(), [Event::Challenge(_)]), "{:?}", p.agent_events);
        p.agent.hello(hello(aw));
        p.pump();
        assert!(matches!(p.hub_events.as_slice(), [Event::Hello(_)]), "{:?}", p.hub_events);
        p.hub.accept(welcome(hw, resume), now);
        p.pump();
        assert!(matches!(p.agent_events.last(), Some(Event::Established(_))), "{:?}", p.agent_events);
        assert!(p.agent.is_open() && p.hub.is_open());
        p.agent_events.clear();
        p.hub_events.clear();
        p
    }

    /// Moves frames both ways until neither side has anything to say; collects events.
    /// Protocol errors are not expected here and fail the test.
    pub fn pump(&mut self) {
        loop {
            let mut moved = false;
            while let Some(bytes) = self.agent.poll_transmit() {
                moved = true;
                if let Err(e) = self.hub.handle(bytes, self.now) {
                    panic!("hub refused a frame: {e}");
                }
            }
            while let Some(bytes) = self.hub.poll_transmit() {
                moved = true;
                if let Err(e) = self.agent.handle(bytes, self.now) {
                    panic!("agent refused a frame: {e}");
                }
            }
            while let Some(e) = self.agent.poll_event() {
                self.agent_events.push(e);
            }
            while let Some(e) = self.hub.poll_event() {
                self.hub_events.push(e);
            }
            if !moved {
                return;
            }
        }
    }

    pub fn advance(&mut self, d: Duration) {
        self.now += d;
        self.agent.handle_timeout(self.now);
        self.hub.handle_timeout(self.now);
    }

    pub fn take_hub(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.hub_events)
    }

    pub fn take_agent(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.agent_events)
    }
}

pub fn small(window: u32) -> Config {
    Config { window, ..Config::default() }
}

pub fn bytes(n: usize, fill: u8) -> Bytes {
    Bytes::from(vec![fill; n])
}
