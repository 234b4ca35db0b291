//! One stream connection as a state machine, without I/O (in the manner of quinn-proto): the
//! caller feeds it received WebSocket messages and the time, and takes out frames to write,
//! events to act on, and the next instant it wants to be woken at.
//!
//! What it enforces:
//! - the handshake order (Challenge → Hello → Welcome | Refused) and a deadline for it;
//! - channels: who may open which number, how many, what each kind may carry;
//! - flow control: each side grants the other a window of bytes per channel and more only as
//!   its application consumes ([`Connection::release`]); sending past it is a violation;
//! - numbered messages: strictly increasing per channel, duplicates (a resend after a
//!   reconnect of something already processed) dropped and acknowledged again;
//! - heartbeats and an idle timeout; a frame size limit; an inbound rate budget that pauses
//!   reading rather than failing.
//!
//! Every violation ends the connection with a GoAway that says what was wrong.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::frame::{ChannelId, ChannelKind, Code, Frame, FrameError, MAX_NAME, PROTOCOL_VERSION};
use crate::handshake::{Challenge, Hello, Refusal, Welcome};
use crate::limit::{Budget, Rate};

/// Bytes of framing around a Message payload (type, channel, seq).
pub const MESSAGE_OVERHEAD: usize = 13;
/// Bytes of framing around a Data payload (type, channel, flags).
pub const DATA_OVERHEAD: usize = 6;

/// Limits and timers of one side of a connection.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest frame accepted (and sent).
    pub max_frame: usize,
    /// Bytes of credit this side grants per channel.
    pub window: u32,
    /// Most channels the peer may have open at once.
    pub max_channels: usize,
    /// Send a ping after this long (the agent pings; the hub only answers).
    pub heartbeat: Option<Duration>,
    /// The connection is dead when nothing arrived for this long.
    pub idle_timeout: Duration,
    /// The handshake must be done within this.
    pub handshake_timeout: Duration,
    /// What the peer may send.
    pub inbound: Rate,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_frame: 1 << 20,
            window: 256 * 1024,
            max_channels: 256,
            heartbeat: None,
            idle_timeout: Duration::from_secs(60),
            handshake_timeout: Duration::from_secs(15),
            inbound: Rate::AGENT_DEFAULT,
        }
    }
}

/// Which end of the connection this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Dials out, answers the challenge, opens odd channels.
    Agent,
    /// Accepts, challenges, opens even channels.
    Hub,
}

/// Something the application must act on.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// (Agent) The hub's challenge: answer with [`Connection::hello`].
    Challenge(Challenge),
    /// (Hub) The agent's hello: check it, then [`Connection::accept`] or [`Connection::refuse`].
    Hello(Hello),
    /// (Agent) Accepted.
    Established(Welcome),
    /// (Agent) Refused; the connection is over.
    Refused(Refusal),
    /// The peer opened a channel.
    Opened {
        /// Its number.
        channel: ChannelId,
        /// Its name.
        name: String,
        /// Its kind.
        kind: ChannelKind,
        /// Opening parameters.
        meta: Bytes,
    },
    /// Bytes on a byte channel; release them once consumed.
    Data {
        /// Channel.
        channel: ChannelId,
        /// The bytes (may be empty with `fin`).
        payload: Bytes,
        /// The peer sends nothing more.
        fin: bool,
    },
    /// A new message (never a duplicate); acknowledge and release it once processed.
    Message {
        /// Channel.
        channel: ChannelId,
        /// Its number.
        seq: u64,
        /// The message.
        payload: Bytes,
    },
    /// The peer processed every message up to `seq`.
    Acked {
        /// Channel.
        channel: ChannelId,
        /// Highest processed.
        seq: u64,
    },
    /// The peer gave more credit on a channel.
    Writable {
        /// Channel.
        channel: ChannelId,
    },
    /// A channel ended (aborted by either side, or both sides finished).
    ChannelClosed {
        /// Channel.
        channel: ChannelId,
        /// Why.
        code: Code,
        /// Why, in words.
        reason: String,
    },
    /// A pong arrived: the round-trip time.
    Rtt(Duration),
    /// The connection is over; write out what [`Connection::poll_transmit`] still has, then
    /// close the socket.
    Closed {
        /// Why.
        code: Code,
        /// Why, in words.
        reason: String,
        /// The peer ended it (GoAway or Refused), rather than this side.
        by_peer: bool,
    },
}

/// A send the connection cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Not established, or over.
    #[error("the connection is not open")]
    NotOpen,
    /// No such channel (closed already, or never opened).
    #[error("channel {0} is not open")]
    NoChannel(ChannelId),
    /// Message frame on a byte channel or the other way round.
    #[error("channel {channel} carries {kind:?}, not this")]
    WrongKind {
        /// Channel.
        channel: ChannelId,
        /// What it carries.
        kind: ChannelKind,
    },
    /// A message that could never fit the peer's window or frame limit.
    #[error("message of {size} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Sequence numbers must increase.
    #[error("message {seq} on channel {channel} is not after {last}")]
    OutOfOrder {
        /// Channel.
        channel: ChannelId,
        /// The number given.
        seq: u64,
        /// The last number sent.
        last: u64,
    },
    /// The channel was finished with `fin`.
    #[error("channel {0} was already finished")]
    Finished(ChannelId),
    /// A channel name over [`MAX_NAME`] bytes or empty.
    #[error("channel names are 1 to {MAX_NAME} bytes")]
    BadName,
}

/// Why the connection ended because of what the peer sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {reason}")]
pub struct ConnectionError {
    /// The code sent to the peer.
    pub code: Code,
    /// What was wrong.
    pub reason: String,
}

#[derive(Debug)]
enum Pending {
    Data { payload: Bytes, fin: bool },
    Message { seq: u64, payload: Bytes },
}

#[derive(Debug)]
struct Channel {
    name: String,
    kind: ChannelKind,
    /// Bytes this side may still send.
    send_credit: u64,
    /// Bytes the peer may still send.
    recv_window: u64,
    /// Released by the application, not yet granted in a Credit frame.
    unreleased: u64,
    queue: VecDeque<Pending>,
    queued_bytes: usize,
    fin_queued: bool,
    fin_sent: bool,
    fin_received: bool,
    last_sent_seq: u64,
    peer_acked: u64,
    last_received_seq: u64,
    acked: u64,
    ack_due: bool,
}

impl Channel {
    fn new(name: String, kind: ChannelKind, send_credit: u32, recv_window: u32) -> Self {
        Channel {
            name,
            kind,
            send_credit: u64::from(send_credit),
            recv_window: u64::from(recv_window),
            unreleased: 0,
            queue: VecDeque::new(),
            queued_bytes: 0,
            fin_queued: false,
            fin_sent: false,
            fin_received: false,
            last_sent_seq: 0,
            peer_acked: 0,
            last_received_seq: 0,
            acked: 0,
            ack_due: false,
        }
    }
}

/// What the application can see of a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelInfo {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: ChannelKind,
    /// Bytes that may be sent now.
    pub send_credit: u64,
    /// Bytes accepted by [`Connection::send_data`]/[`Connection::send_message`] and not yet
    /// written because of credit.
    pub queued: usize,
    /// The last message number sent.
    pub last_sent_seq: u64,
    /// The peer processed everything up to this.
    pub peer_acked: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    AwaitChallenge,
    AwaitHello,
    Deciding,
    AwaitWelcome,
    Open,
    Closed,
}

/// Counters for monitoring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Frames received.
    pub frames_in: u64,
    /// Bytes received.
    pub bytes_in: u64,
    /// Frames written.
    pub frames_out: u64,
    /// Bytes written.
    pub bytes_out: u64,
    /// Duplicate messages dropped.
    pub duplicates: u64,
}

/// One side of one connection.
#[derive(Debug)]
pub struct Connection {
    side: Side,
    config: Config,
    state: State,
    /// Frames that go out before any channel data (handshake, open, ack, credit, …).
    control: VecDeque<Frame>,
    events: VecDeque<Event>,
    channels: HashMap<ChannelId, Channel>,
    /// Channels with queued data, served in turn so none starves another.
    ready: VecDeque<ChannelId>,
    next_local: ChannelId,
    highest_remote: ChannelId,
    remote_open: usize,
    /// Credit the peer grants per channel (from its Hello or Welcome).
    peer_window: u32,
    peer_max_frame: usize,
    /// (Hub) For agent→hub channels by name: messages up to here were processed before.
    resume: BTreeMap<String, u64>,
    budget: Budget,
    last_received: Instant,
    deadline: Option<Instant>,
    next_ping: Option<Instant>,
    heartbeat: Option<Duration>,
    idle_timeout: Duration,
    ping_id: u64,
    ping_sent: Option<(u64, Instant)>,
    stats: Stats,
}

impl Connection {
    /// The agent's side, waiting for the hub's challenge.
    pub fn agent(config: Config, now: Instant) -> Self {
        Self::new(Side::Agent, config, State::AwaitChallenge, now)
    }

    /// The hub's side; the challenge goes out first.
    pub fn hub(config: Config, challenge: Challenge, now: Instant) -> Self {
        let mut c = Self::new(Side::Hub, config, State::AwaitHello, now);
        c.control.push_back(Frame::Challenge(challenge));
        c
    }

    fn new(side: Side, config: Config, state: State, now: Instant) -> Self {
        Connection {
            side,
            state,
            control: VecDeque::new(),
            events: VecDeque::new(),
            channels: HashMap::new(),
            ready: VecDeque::new(),
            next_local: if side == Side::Agent { 1 } else { 2 },
            highest_remote: 0,
            remote_open: 0,
            peer_window: config.window,
            peer_max_frame: config.max_frame,
            resume: BTreeMap::new(),
            budget: Budget::new(config.inbound, now),
            last_received: now,
            deadline: Some(now + config.handshake_timeout),
            next_ping: None,
            heartbeat: config.heartbeat,
            idle_timeout: config.idle_timeout,
            ping_id: 0,
            ping_sent: None,
            stats: Stats::default(),
            config,
        }
    }

    /// Which side this is.
    pub fn side(&self) -> Side {
        self.side
    }

    /// Handshake done and not closed.
    pub fn is_open(&self) -> bool {
        self.state == State::Open
    }

    /// Over: nothing more is read; write out what is left and close the socket.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// A channel's state, if open.
    pub fn channel(&self, id: ChannelId) -> Option<ChannelInfo> {
        self.channels.get(&id).map(|c| ChannelInfo {
            name: c.name.clone(),
            kind: c.kind,
            send_credit: c.send_credit,
            queued: c.queued_bytes,
            last_sent_seq: c.last_sent_seq,
            peer_acked: c.peer_acked,
        })
    }

    /// Open channels, by number.
    pub fn channels(&self) -> impl Iterator<Item = (ChannelId, &str)> {
        self.channels.iter().map(|(id, c)| (*id, c.name.as_str()))
    }

    /// The largest message payload the peer accepts on one frame and one window.
    pub fn max_message(&self) -> usize {
        (self.peer_max_frame.saturating_sub(MESSAGE_OVERHEAD)).min(self.peer_window as usize)
    }

    // --- the handshake ------------------------------------------------------------------

    /// (Agent) Answers the challenge.
    pub fn hello(&mut self, hello: Hello) {
        if self.side == Side::Agent && self.state == State::AwaitChallenge {
            self.control.push_back(Frame::Hello(hello));
            self.state = State::AwaitWelcome;
        }
    }

    /// (Hub) Accepts the agent. `welcome.resume` is applied to the channels the agent opens:
    /// messages up to those numbers are dropped as duplicates.
    pub fn accept(&mut self, welcome: Welcome, now: Instant) {
        if self.side != Side::Hub || self.state != State::Deciding {
            return;
        }
        self.resume = welcome.resume.clone();
        self.idle_timeout = Duration::from_millis(welcome.idle_timeout_ms).max(Duration::from_secs(1));
        self.control.push_back(Frame::Welcome(welcome));
        self.establish(now);
    }

    /// (Hub) Refuses the agent, saying why.
    pub fn refuse(&mut self, refusal: Refusal) {
        if self.side != Side::Hub || self.is_closed() {
            return;
        }
        let (code, reason) = (refusal.code, refusal.message.clone());
        self.control.push_back(Frame::Refused(refusal));
        self.finish(code, reason, false);
    }

    fn establish(&mut self, now: Instant) {
        self.state = State::Open;
        self.deadline = None;
        self.last_received = now;
        self.next_ping = self.heartbeat.map(|h| now + h);
    }

    // --- sending ------------------------------------------------------------------------

    /// Opens a channel; data and messages may be sent on it at once.
    pub fn open(&mut self, name: &str, kind: ChannelKind, meta: Bytes) -> Result<ChannelId, SendError> {
        if !self.is_open() {
            return Err(SendError::NotOpen);
        }
        if name.is_empty() || name.len() > MAX_NAME {
            return Err(SendError::BadName);
        }
        if meta.len() + 7 + name.len() > self.peer_max_frame {
            return Err(SendError::TooLarge { size: meta.len(), max: self.peer_max_frame - 7 - name.len() });
        }
        let id = self.next_local;
        self.next_local = self.next_local.saturating_add(2);
        self.channels.insert(id, Channel::new(name.to_string(), kind, self.peer_window, self.config.window));
        self.control.push_back(Frame::Open { channel: id, kind, name: name.to_string(), meta });
        Ok(id)
    }

    fn sendable(&mut self, id: ChannelId, kind: ChannelKind) -> Result<&mut Channel, SendError> {
        if !self.is_open() {
            return Err(SendError::NotOpen);
        }
        let c = self.channels.get_mut(&id).ok_or(SendError::NoChannel(id))?;
        if c.kind != kind {
            return Err(SendError::WrongKind { channel: id, kind: c.kind });
        }
        if c.fin_queued {
            return Err(SendError::Finished(id));
        }
        Ok(c)
    }

    /// Queues bytes on a byte channel; they go out as credit allows, split to fit.
    pub fn send_data(&mut self, id: ChannelId, payload: Bytes, fin: bool) -> Result<(), SendError> {
        let c = self.sendable(id, ChannelKind::Bytes)?;
        c.queued_bytes += payload.len();
        c.fin_queued = fin;
        c.queue.push_back(Pending::Data { payload, fin });
        self.mark_ready(id);
        Ok(())
    }

    /// Queues a numbered message; it goes out whole once the channel has credit for it.
    pub fn send_message(&mut self, id: ChannelId, seq: u64, payload: Bytes) -> Result<(), SendError> {
        let max = self.max_message();
        let c = self.sendable(id, ChannelKind::Messages)?;
        if payload.len() > max {
            return Err(SendError::TooLarge { size: payload.len(), max });
        }
        if seq <= c.last_sent_seq {
            return Err(SendError::OutOfOrder { channel: id, seq, last: c.last_sent_seq });
        }
        c.last_sent_seq = seq;
        c.queued_bytes += payload.len();
        c.queue.push_back(Pending::Message { seq, payload });
        self.mark_ready(id);
        Ok(())
    }

    fn mark_ready(&mut self, id: ChannelId) {
        if !self.ready.contains(&id) {
            self.ready.push_back(id);
        }
    }

    /// Acknowledges every message up to `seq` on a channel as processed.
    pub fn ack(&mut self, id: ChannelId, seq: u64) {
        if let Some(c) = self.channels.get_mut(&id)
            && seq > c.acked
            && seq <= c.last_received_seq
        {
            c.acked = seq;
            c.ack_due = true;
        }
    }

    /// Gives back `bytes` of a channel's window: the application consumed them.
    pub fn release(&mut self, id: ChannelId, bytes: usize) {
        let window = u64::from(self.config.window);
        if let Some(c) = self.channels.get_mut(&id) {
            c.unreleased = (c.unreleased + bytes as u64).min(window - c.recv_window.min(window));
        }
    }

    /// (Receiver) Messages up to `seq` on this channel were processed on an earlier connection.
    pub fn resume_after(&mut self, id: ChannelId, seq: u64) {
        if let Some(c) = self.channels.get_mut(&id) {
            c.last_received_seq = c.last_received_seq.max(seq);
            c.acked = c.acked.max(seq);
        }
    }

    /// Aborts a channel in both directions.
    pub fn close_channel(&mut self, id: ChannelId, code: Code, reason: &str) {
        if self.remove_channel(id) && !self.is_closed() {
            self.control.push_back(Frame::Close { channel: id, code, reason: reason.to_string() });
        }
    }

    /// Ends the connection, telling the peer why.
    pub fn close(&mut self, code: Code, reason: &str) {
        if self.is_closed() {
            return;
        }
        self.control.push_back(Frame::GoAway { code, reason: reason.to_string() });
        self.finish(code, reason.to_string(), false);
    }

    fn finish(&mut self, code: Code, reason: String, by_peer: bool) {
        self.state = State::Closed;
        self.deadline = None;
        self.next_ping = None;
        self.ready.clear();
        self.events.push_back(Event::Closed { code, reason, by_peer });
    }

    fn remove_channel(&mut self, id: ChannelId) -> bool {
        if self.channels.remove(&id).is_none() {
            return false;
        }
        if !self.is_local(id) {
            self.remote_open = self.remote_open.saturating_sub(1);
        }
        self.ready.retain(|r| *r != id);
        true
    }

    fn is_local(&self, id: ChannelId) -> bool {
        (id % 2 == 1) == (self.side == Side::Agent)
    }

    // --- output -------------------------------------------------------------------------

    /// The next frame to write, if any: control frames first, then channel data in turn.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        let frame = self.next_frame()?;
        let bytes = frame.encode();
        self.stats.frames_out += 1;
        self.stats.bytes_out += bytes.len() as u64;
        Some(bytes)
    }

    fn next_frame(&mut self) -> Option<Frame> {
        if let Some(f) = self.control.pop_front() {
            return Some(f);
        }
        if self.is_closed() {
            return None;
        }
        if let Some(f) = self.due_credit_or_ack() {
            return Some(f);
        }
        while let Some(id) = self.ready.pop_front() {
            let max_data = self.peer_max_frame.saturating_sub(DATA_OVERHEAD).max(1);
            let Some(c) = self.channels.get_mut(&id) else { continue };
            let Some(front) = c.queue.front_mut() else { continue };
            let frame = match front {
                Pending::Message { seq, payload } => {
                    if (payload.len() as u64) > c.send_credit {
                        continue; // waits for credit; the Credit frame makes it ready again
                    }
                    c.send_credit -= payload.len() as u64;
                    c.queued_bytes -= payload.len();
                    let frame = Frame::Message { channel: id, seq: *seq, payload: payload.clone() };
                    c.queue.pop_front();
                    frame
                }
                Pending::Data { payload, fin } => {
                    let room = (c.send_credit as usize).min(max_data);
                    if room == 0 && !payload.is_empty() {
                        continue;
                    }
                    if payload.len() <= room {
                        c.send_credit -= payload.len() as u64;
                        c.queued_bytes -= payload.len();
                        let frame = Frame::Data { channel: id, fin: *fin, payload: payload.clone() };
                        if *fin {
                            c.fin_sent = true;
                        }
                        c.queue.pop_front();
                        frame
                    } else {
                        let part = payload.split_to(room);
                        c.send_credit -= part.len() as u64;
                        c.queued_bytes -= part.len();
                        Frame::Data { channel: id, fin: false, payload: part }
                    }
                }
            };
            let more = !c.queue.is_empty();
            let both_done = c.fin_sent && c.fin_received;
            if more {
                self.ready.push_back(id);
            }
            if both_done {
                self.remove_channel(id);
            }
            return Some(frame);
        }
        None
    }

    fn due_credit_or_ack(&mut self) -> Option<Frame> {
        for (id, c) in self.channels.iter_mut() {
            if c.ack_due {
                c.ack_due = false;
                return Some(Frame::Ack { channel: *id, seq: c.acked });
            }
            // Everything released is granted at once: a threshold (grant only half a window at
            // a time) could leave a sender waiting for credit for a message larger than what
            // is left, for ever. Releases made while handling one batch of frames still go out
            // as one Credit frame, because this runs when that batch is written out.
            if c.unreleased > 0 {
                let grant = c.unreleased.min(u64::from(u32::MAX));
                c.unreleased -= grant;
                c.recv_window += grant;
                return Some(Frame::Credit { channel: *id, bytes: grant as u32 });
            }
        }
        None
    }

    /// The next thing the application must act on.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    // --- time ---------------------------------------------------------------------------

    /// When [`Connection::handle_timeout`] wants to run next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.is_closed() {
            return None;
        }
        let idle = (self.state == State::Open).then(|| self.last_received + self.idle_timeout);
        [self.deadline, self.next_ping, idle].into_iter().flatten().min()
    }

    /// Runs timers: handshake deadline, heartbeat, idle timeout.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.is_closed() {
            return;
        }
        if self.deadline.is_some_and(|d| now >= d) {
            self.close(Code::Timeout, "the handshake did not finish in time");
            return;
        }
        if self.state == State::Open && now >= self.last_received + self.idle_timeout {
            let secs = self.idle_timeout.as_secs();
            self.close(Code::Timeout, &format!("nothing received from the peer for {secs} s"));
            return;
        }
        if let (Some(at), Some(every)) = (self.next_ping, self.heartbeat)
            && now >= at
        {
            self.ping_id += 1;
            self.ping_sent = Some((self.ping_id, now));
            self.control.push_back(Frame::Ping { id: self.ping_id });
            self.next_ping = Some(now + every);
        }
    }

    /// When reading may go on after the peer used up its budget (`None`: now).
    pub fn read_paused_until(&self, now: Instant) -> Option<Instant> {
        self.budget.resume_at(now)
    }

    // --- input --------------------------------------------------------------------------

    /// Handles one received WebSocket binary message. An error ends the connection (a GoAway
    /// saying why is queued) and is returned for logging.
    pub fn handle(&mut self, bytes: Bytes, now: Instant) -> Result<(), ConnectionError> {
        if self.is_closed() {
            return Ok(());
        }
        self.stats.frames_in += 1;
        self.stats.bytes_in += bytes.len() as u64;
        self.budget.charge(bytes.len(), now);
        self.last_received = now;
        let frame = match Frame::decode(bytes, self.config.max_frame) {
            Ok(f) => f,
            Err(e) => {
                let code = if matches!(e, FrameError::TooLarge { .. }) { Code::TooLarge } else { Code::Protocol };
                return Err(self.fail(code, e.to_string()));
            }
        };
        self.on_frame(frame, now)
    }

    fn fail(&mut self, code: Code, reason: String) -> ConnectionError {
        self.close(code, &reason);
        ConnectionError { code, reason }
    }

    fn unexpected(&mut self, frame: &Frame) -> ConnectionError {
        let when = match self.state {
            State::AwaitChallenge => "before the challenge",
            State::AwaitHello => "before the hello",
            State::Deciding => "while the hello is being checked",
            State::AwaitWelcome => "before the welcome",
            State::Open => "after the handshake",
            State::Closed => "after the end",
        };
        let side = match self.side {
            Side::Agent => "an agent",
            Side::Hub => "the hub",
        };
        self.fail(Code::Protocol, format!("unexpected {} frame {when} (sent to {side})", frame.name()))
    }

    fn on_frame(&mut self, frame: Frame, now: Instant) -> Result<(), ConnectionError> {
        match (self.state, frame) {
            (_, Frame::GoAway { code, reason }) => {
                self.finish(code, reason, true);
                Ok(())
            }
            (State::AwaitChallenge, Frame::Challenge(c)) => {
                if c.protocol != PROTOCOL_VERSION {
                    return Err(self.fail(
                        Code::Protocol,
                        format!("the hub speaks stream protocol {}, this agent {PROTOCOL_VERSION}", c.protocol),
                    ));
                }
                self.events.push_back(Event::Challenge(c));
                Ok(())
            }
            (State::AwaitHello, Frame::Hello(h)) => {
                if h.protocol != PROTOCOL_VERSION {
                    return Err(self.fail(
                        Code::Protocol,
                        format!(
                            "this hub speaks stream protocol {PROTOCOL_VERSION}, the agent {}; update the agent",
                            h.protocol
                        ),
                    ));
                }
                if h.window < 1024 {
                    return Err(self.fail(Code::Protocol, format!("window of {} bytes is below 1024", h.window)));
                }
                self.peer_window = h.window;
                self.state = State::Deciding;
                self.events.push_back(Event::Hello(h));
                Ok(())
            }
            (State::AwaitWelcome, Frame::Welcome(w)) => {
                if w.window < 1024 || (w.max_frame as usize) < 1024 {
                    return Err(self.fail(Code::Protocol, "the hub's window or frame limit is below 1024".into()));
                }
                self.peer_window = w.window;
                self.peer_max_frame = (w.max_frame as usize).min(self.config.max_frame);
                self.idle_timeout = Duration::from_millis(w.idle_timeout_ms).max(Duration::from_secs(1));
                if w.heartbeat_ms > 0 {
                    self.heartbeat = Some(Duration::from_millis(w.heartbeat_ms));
                }
                self.establish(now);
                self.events.push_back(Event::Established(w));
                Ok(())
            }
            (State::AwaitWelcome, Frame::Refused(r)) => {
                let (code, reason) = (r.code, r.message.clone());
                self.events.push_back(Event::Refused(r));
                self.finish(code, reason, true);
                Ok(())
            }
            (State::Open, frame) => self.on_open_frame(frame, now),
            (_, frame) => Err(self.unexpected(&frame)),
        }
    }

    fn on_open_frame(&mut self, frame: Frame, now: Instant) -> Result<(), ConnectionError> {
        match frame {
            Frame::Open { channel, kind, name, meta } => {
                if self.is_local(channel) || channel <= self.highest_remote {
                    return Err(self.fail(
                        Code::Protocol,
                        format!("channel {channel} cannot be opened by the peer (reused, or the wrong parity)"),
                    ));
                }
                self.highest_remote = channel;
                if self.remote_open >= self.config.max_channels {
                    let reason = format!("too many open channels (limit {})", self.config.max_channels);
                    self.control.push_back(Frame::Close { channel, code: Code::RateLimited, reason });
                    return Ok(());
                }
                self.remote_open += 1;
                let mut c = Channel::new(name.clone(), kind, self.peer_window, self.config.window);
                if kind == ChannelKind::Messages
                    && let Some(seq) = self.resume.get(&name)
                {
                    c.last_received_seq = *seq;
                    c.acked = *seq;
                }
                self.channels.insert(channel, c);
                self.events.push_back(Event::Opened { channel, name, kind, meta });
                Ok(())
            }
            Frame::Data { channel, fin, payload } => {
                let Some(c) = self.receiving(channel, ChannelKind::Bytes)? else { return Ok(()) };
                if c.fin_received {
                    return Err(self.fail(Code::Protocol, format!("data on channel {channel} after its end")));
                }
                let len = payload.len() as u64;
                if len > c.recv_window {
                    let window = c.recv_window;
                    return Err(self.fail(
                        Code::FlowControl,
                        format!("{len} bytes on channel {channel} exceed its remaining credit of {window}"),
                    ));
                }
                c.recv_window -= len;
                c.fin_received = fin;
                let done = fin && c.fin_sent;
                self.events.push_back(Event::Data { channel, payload, fin });
                if done {
                    self.remove_channel(channel);
                }
                Ok(())
            }
            Frame::Message { channel, seq, payload } => {
                let Some(c) = self.receiving(channel, ChannelKind::Messages)? else { return Ok(()) };
                let len = payload.len() as u64;
                if len > c.recv_window {
                    let window = c.recv_window;
                    return Err(self.fail(
                        Code::FlowControl,
                        format!("{len} bytes on channel {channel} exceed its remaining credit of {window}"),
                    ));
                }
                c.recv_window -= len;
                if seq <= c.last_received_seq {
                    // Sent again after a reconnect: already processed (or being processed).
                    c.unreleased += len;
                    if c.acked > 0 {
                        c.ack_due = true;
                    }
                    self.stats.duplicates += 1;
                    return Ok(());
                }
                c.last_received_seq = seq;
                self.events.push_back(Event::Message { channel, seq, payload });
                Ok(())
            }
            Frame::Ack { channel, seq } => {
                let Some(c) = self.channels.get_mut(&channel) else { return self.late(channel) };
                if c.kind != ChannelKind::Messages || seq > c.last_sent_seq || seq < c.peer_acked {
                    let (last, acked) = (c.last_sent_seq, c.peer_acked);
                    return Err(self.fail(
                        Code::Protocol,
                        format!("ack {seq} on channel {channel} is outside the messages sent ({acked}..={last})"),
                    ));
                }
                if seq > c.peer_acked {
                    c.peer_acked = seq;
                    self.events.push_back(Event::Acked { channel, seq });
                }
                Ok(())
            }
            Frame::Credit { channel, bytes } => {
                let Some(c) = self.channels.get_mut(&channel) else { return self.late(channel) };
                c.send_credit = c.send_credit.saturating_add(u64::from(bytes));
                if c.send_credit > (1 << 40) {
                    return Err(self.fail(Code::FlowControl, format!("credit on channel {channel} overflows")));
                }
                let queued = !c.queue.is_empty();
                if queued {
                    self.mark_ready(channel);
                }
                self.events.push_back(Event::Writable { channel });
                Ok(())
            }
            Frame::Close { channel, code, reason } => {
                if self.remove_channel(channel) {
                    self.events.push_back(Event::ChannelClosed { channel, code, reason });
                }
                Ok(())
            }
            Frame::Ping { id } => {
                self.control.push_back(Frame::Pong { id });
                Ok(())
            }
            Frame::Pong { id } => {
                if let Some((sent, at)) = self.ping_sent
                    && sent == id
                {
                    self.ping_sent = None;
                    self.events.push_back(Event::Rtt(now.saturating_duration_since(at)));
                }
                Ok(())
            }
            other => Err(self.unexpected(&other)),
        }
    }

    /// The channel a data or message frame names; `None` when it was closed a moment ago
    /// (frames in flight are dropped quietly); an error when it never existed.
    fn receiving(&mut self, channel: ChannelId, kind: ChannelKind) -> Result<Option<&mut Channel>, ConnectionError> {
        let exists = self.channels.get(&channel).map(|c| c.kind);
        match exists {
            Some(k) if k == kind => Ok(self.channels.get_mut(&channel)),
            Some(k) => Err(self
                .fail(Code::Protocol, format!("channel {channel} carries {k:?}, but a {kind:?} frame arrived on it"))),
            None => self.late(channel).map(|()| None),
        }
    }

    fn late(&mut self, channel: ChannelId) -> Result<(), ConnectionError> {
        let known = if self.is_local(channel) { channel < self.next_local } else { channel <= self.highest_remote };
        if known { Ok(()) } else { Err(self.fail(Code::Protocol, format!("channel {channel} was never opened"))) }
    }
}
