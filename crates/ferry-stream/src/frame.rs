//! Frames: what one WebSocket binary message carries. The handshake frames have a JSON body
//! (they are rare and must be able to grow new fields); everything else is a compact binary
//! layout, because log batches and tunnelled bytes cross it all day.
//!
//! Layout (integers big-endian; "rest" is the remainder of the WebSocket message):
//!
//! | type | name | fields |
//! |---|---|---|
//! | `0x01` | Challenge | JSON (hub → agent) |
//! | `0x02` | Hello | JSON (agent → hub) |
//! | `0x03` | Welcome | JSON (hub → agent) |
//! | `0x04` | Refused | JSON (hub → agent) |
//! | `0x10` | Open | channel u32, kind u8, name length u8, name, meta (rest) |
//! | `0x11` | Data | channel u32, flags u8 (bit 0: fin), payload (rest) |
//! | `0x12` | Message | channel u32, seq u64, payload (rest) |
//! | `0x13` | Ack | channel u32, seq u64 |
//! | `0x14` | Credit | channel u32, bytes u32 |
//! | `0x15` | Close | channel u32, code u16, reason (rest, UTF-8) |
//! | `0x20` | Ping | id u64 |
//! | `0x21` | Pong | id u64 |
//! | `0x22` | GoAway | code u16, reason (rest, UTF-8) |

use bytes::{BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use crate::handshake::{Challenge, Hello, Refusal, Welcome};

/// The protocol version this crate speaks; the hub refuses others with a clear message.
pub const PROTOCOL_VERSION: u32 = 1;

/// Longest channel name.
pub const MAX_NAME: usize = 64;

/// A channel's number on one connection. The agent opens odd numbers, the hub even ones, so
/// both can open channels without agreeing first; 0 is never a channel.
pub type ChannelId = u32;

/// What a channel carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// Numbered messages, acknowledged by the receiver once processed; the sender keeps what
    /// is not acknowledged and offers it again on the next connection (statuses, logs,
    /// metrics, desired state).
    Messages,
    /// An ordered byte stream with a half-close in each direction, bound to this connection
    /// (a tunnelled HTTP request, a hijacked Docker API connection, a log follow).
    Bytes,
}

impl ChannelKind {
    fn to_u8(self) -> u8 {
        match self {
            ChannelKind::Messages => 1,
            ChannelKind::Bytes => 2,
        }
    }

    fn from_u8(v: u8) -> Option<Self> {
        match v {
            1 => Some(ChannelKind::Messages),
            2 => Some(ChannelKind::Bytes),
            _ => None,
        }
    }
}

/// Why a channel or a connection ended. Sent as a number with a human sentence beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// Done, nothing wrong.
    Normal,
    /// The peer broke the protocol (malformed, unknown or unexpected frame).
    Protocol,
    /// Credentials missing, wrong, or no longer valid.
    Unauthorized,
    /// The peer sent faster than allowed.
    RateLimited,
    /// A newer connection with the same connection id replaced this one.
    Superseded,
    /// The key this connection authenticated with was removed.
    KeyRemoved,
    /// The hub is stopping; reconnect (to another replica).
    ShuttingDown,
    /// Nothing arrived within the idle timeout.
    Timeout,
    /// A frame or message above the size limit.
    TooLarge,
    /// The peer sent more than its credit allowed.
    FlowControl,
    /// The receiver cannot handle this channel (unknown name, no handler).
    Unsupported,
    /// Something failed inside the peer.
    Internal,
    /// A code this version does not know (kept so newer peers can add codes).
    Other(u16),
}

impl Code {
    /// The number on the wire.
    pub fn to_u16(self) -> u16 {
        match self {
            Code::Normal => 0,
            Code::Protocol => 1,
            Code::Unauthorized => 2,
            Code::RateLimited => 3,
            Code::Superseded => 4,
            Code::KeyRemoved => 5,
            Code::ShuttingDown => 6,
            Code::Timeout => 7,
            Code::TooLarge => 8,
            Code::FlowControl => 9,
            Code::Unsupported => 10,
            Code::Internal => 11,
            Code::Other(n) => n,
        }
    }

    /// The code of a number.
    pub fn from_u16(n: u16) -> Self {
        match n {
            0 => Code::Normal,
            1 => Code::Protocol,
            2 => Code::Unauthorized,
            3 => Code::RateLimited,
            4 => Code::Superseded,
            5 => Code::KeyRemoved,
            6 => Code::ShuttingDown,
            7 => Code::Timeout,
            8 => Code::TooLarge,
            9 => Code::FlowControl,
            10 => Code::Unsupported,
            11 => Code::Internal,
            n => Code::Other(n),
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Code::Normal => "normal",
            Code::Protocol => "protocol error",
            Code::Unauthorized => "unauthorized",
            Code::RateLimited => "rate limited",
            Code::Superseded => "superseded",
            Code::KeyRemoved => "key removed",
            Code::ShuttingDown => "shutting down",
            Code::Timeout => "timeout",
            Code::TooLarge => "too large",
            Code::FlowControl => "flow control violated",
            Code::Unsupported => "unsupported",
            Code::Internal => "internal error",
            Code::Other(n) => return write!(f, "code {n}"),
        };
        f.write_str(name)
    }
}

/// One frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// The hub's first frame: a fresh nonce the agent must sign.
    Challenge(Challenge),
    /// The agent's answer: who it is and the proof.
    Hello(Hello),
    /// The hub accepted the agent.
    Welcome(Welcome),
    /// The hub refused the agent; the connection ends.
    Refused(Refusal),
    /// Opens a channel.
    Open {
        /// Its number.
        channel: ChannelId,
        /// What it carries.
        kind: ChannelKind,
        /// What it is for (`status`, `desired`, `docker`, …).
        name: String,
        /// Opening parameters (a request head, say); meaning depends on the name.
        meta: Bytes,
    },
    /// Bytes on a [`ChannelKind::Bytes`] channel.
    Data {
        /// The channel.
        channel: ChannelId,
        /// The sender sends nothing more on this channel after this frame.
        fin: bool,
        /// The bytes.
        payload: Bytes,
    },
    /// A numbered message on a [`ChannelKind::Messages`] channel.
    Message {
        /// The channel.
        channel: ChannelId,
        /// Strictly increasing per channel name and sender, across connections.
        seq: u64,
        /// The message.
        payload: Bytes,
    },
    /// Every message up to `seq` on the channel was processed.
    Ack {
        /// The channel.
        channel: ChannelId,
        /// Highest processed sequence number.
        seq: u64,
    },
    /// The receiver can take `bytes` more on the channel.
    Credit {
        /// The channel.
        channel: ChannelId,
        /// More bytes allowed.
        bytes: u32,
    },
    /// Ends a channel in both directions at once.
    Close {
        /// The channel.
        channel: ChannelId,
        /// Why.
        code: Code,
        /// Why, for people.
        reason: String,
    },
    /// Are you there?
    Ping {
        /// Echoed in the pong.
        id: u64,
    },
    /// I am.
    Pong {
        /// The ping's id.
        id: u64,
    },
    /// The sender ends the connection, and says why.
    GoAway {
        /// Why.
        code: Code,
        /// Why, for people.
        reason: String,
    },
}

/// Why bytes are not a frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Empty message.
    #[error("empty frame")]
    Empty,
    /// The type byte names no frame.
    #[error("unknown frame type 0x{0:02x}")]
    UnknownType(u8),
    /// A fixed-size field runs past the end.
    #[error("{frame} frame truncated: {need} bytes needed, {have} present")]
    Truncated {
        /// Which frame.
        frame: &'static str,
        /// Bytes the layout needs.
        need: usize,
        /// Bytes present.
        have: usize,
    },
    /// Bytes after the last field of a fixed-size frame.
    #[error("{frame} frame has {extra} unexpected trailing bytes")]
    Trailing {
        /// Which frame.
        frame: &'static str,
        /// How many.
        extra: usize,
    },
    /// A field holds a value the protocol forbids.
    #[error("{frame} frame: {reason}")]
    Invalid {
        /// Which frame.
        frame: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Above the size limit.
    #[error("frame of {size} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
}

impl Frame {
    /// The frame's name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Frame::Challenge(_) => "Challenge",
            Frame::Hello(_) => "Hello",
            Frame::Welcome(_) => "Welcome",
            Frame::Refused(_) => "Refused",
            Frame::Open { .. } => "Open",
            Frame::Data { .. } => "Data",
            Frame::Message { .. } => "Message",
            Frame::Ack { .. } => "Ack",
            Frame::Credit { .. } => "Credit",
            Frame::Close { .. } => "Close",
            Frame::Ping { .. } => "Ping",
            Frame::Pong { .. } => "Pong",
            Frame::GoAway { .. } => "GoAway",
        }
    }

    /// The frame as one WebSocket binary message.
    pub fn encode(&self) -> Bytes {
        let json = |kind: u8, value: &dyn erased::Json| {
            let mut out = vec![kind];
            value.write(&mut out);
            Bytes::from(out)
        };
        match self {
            Frame::Challenge(c) => json(0x01, c),
            Frame::Hello(h) => json(0x02, h),
            Frame::Welcome(w) => json(0x03, w),
            Frame::Refused(r) => json(0x04, r),
            Frame::Open { channel, kind, name, meta } => {
                let name = truncate_utf8(name, MAX_NAME);
                let mut b = BytesMut::with_capacity(7 + name.len() + meta.len());
                b.put_u8(0x10);
                b.put_u32(*channel);
                b.put_u8(kind.to_u8());
                b.put_u8(name.len() as u8);
                b.put_slice(name.as_bytes());
                b.put_slice(meta);
                b.freeze()
            }
            Frame::Data { channel, fin, payload } => {
                let mut b = BytesMut::with_capacity(6 + payload.len());
                b.put_u8(0x11);
                b.put_u32(*channel);
                b.put_u8(u8::from(*fin));
                b.put_slice(payload);
                b.freeze()
            }
            Frame::Message { channel, seq, payload } => {
                let mut b = BytesMut::with_capacity(13 + payload.len());
                b.put_u8(0x12);
                b.put_u32(*channel);
                b.put_u64(*seq);
                b.put_slice(payload);
                b.freeze()
            }
            Frame::Ack { channel, seq } => {
                let mut b = BytesMut::with_capacity(13);
                b.put_u8(0x13);
                b.put_u32(*channel);
                b.put_u64(*seq);
                b.freeze()
            }
            Frame::Credit { channel, bytes } => {
                let mut b = BytesMut::with_capacity(9);
                b.put_u8(0x14);
                b.put_u32(*channel);
                b.put_u32(*bytes);
                b.freeze()
            }
            Frame::Close { channel, code, reason } => {
                let mut b = BytesMut::with_capacity(7 + reason.len());
                b.put_u8(0x15);
                b.put_u32(*channel);
                b.put_u16(code.to_u16());
                b.put_slice(reason.as_bytes());
                b.freeze()
            }
            Frame::Ping { id } | Frame::Pong { id } => {
                let mut b = BytesMut::with_capacity(9);
                b.put_u8(if matches!(self, Frame::Ping { .. }) { 0x20 } else { 0x21 });
                b.put_u64(*id);
                b.freeze()
            }
            Frame::GoAway { code, reason } => {
                let mut b = BytesMut::with_capacity(3 + reason.len());
                b.put_u8(0x22);
                b.put_u16(code.to_u16());
                b.put_slice(reason.as_bytes());
                b.freeze()
            }
        }
    }

    /// Reads one frame from one WebSocket binary message of at most `max` bytes. Payloads
    /// share `bytes`' buffer (no copy).
    pub fn decode(bytes: Bytes, max: usize) -> Result<Frame, FrameError> {
        if bytes.len() > max {
            return Err(FrameError::TooLarge { size: bytes.len(), max });
        }
        let Some(&kind) = bytes.first() else { return Err(FrameError::Empty) };
        let body = bytes.slice(1..);
        let mut r = Reader { frame: "", bytes: body };
        Ok(match kind {
            0x01 => Frame::Challenge(json_body("Challenge", &r.bytes)?),
            0x02 => Frame::Hello(json_body("Hello", &r.bytes)?),
            0x03 => Frame::Welcome(json_body("Welcome", &r.bytes)?),
            0x04 => Frame::Refused(json_body("Refused", &r.bytes)?),
            0x10 => {
                r.frame = "Open";
                let channel = r.channel()?;
                let kind_byte = r.u8()?;
                let kind = ChannelKind::from_u8(kind_byte).ok_or_else(|| FrameError::Invalid {
                    frame: "Open",
                    reason: format!("unknown channel kind {kind_byte}"),
                })?;
                let len = usize::from(r.u8()?);
                let name = r.take(len)?;
                let name = std::str::from_utf8(&name)
                    .map_err(|_| FrameError::Invalid { frame: "Open", reason: "channel name is not UTF-8".into() })?;
                if name.is_empty() || len > MAX_NAME {
                    return Err(FrameError::Invalid {
                        frame: "Open",
                        reason: format!("channel names are 1 to {MAX_NAME} bytes"),
                    });
                }
                Frame::Open { channel, kind, name: name.to_string(), meta: r.rest() }
            }
            0x11 => {
                r.frame = "Data";
                let channel = r.channel()?;
                let flags = r.u8()?;
                if flags > 1 {
                    return Err(FrameError::Invalid { frame: "Data", reason: format!("unknown flags 0x{flags:02x}") });
                }
                Frame::Data { channel, fin: flags == 1, payload: r.rest() }
            }
            0x12 => {
                r.frame = "Message";
                let channel = r.channel()?;
                let seq = r.u64()?;
                if seq == 0 {
                    return Err(FrameError::Invalid { frame: "Message", reason: "sequence numbers start at 1".into() });
                }
                Frame::Message { channel, seq, payload: r.rest() }
            }
            0x13 => {
                r.frame = "Ack";
                let frame = Frame::Ack { channel: r.channel()?, seq: r.u64()? };
                r.end()?;
                frame
            }
            0x14 => {
                r.frame = "Credit";
                let frame = Frame::Credit { channel: r.channel()?, bytes: r.u32()? };
                r.end()?;
                frame
            }
            0x15 => {
                r.frame = "Close";
                let channel = r.channel()?;
                let code = Code::from_u16(r.u16()?);
                Frame::Close { channel, code, reason: r.text()? }
            }
            0x20 | 0x21 => {
                r.frame = if kind == 0x20 { "Ping" } else { "Pong" };
                let id = r.u64()?;
                r.end()?;
                if kind == 0x20 { Frame::Ping { id } } else { Frame::Pong { id } }
            }
            0x22 => {
                r.frame = "GoAway";
                let code = Code::from_u16(r.u16()?);
                Frame::GoAway { code, reason: r.text()? }
            }
            other => return Err(FrameError::UnknownType(other)),
        })
    }
}

fn json_body<T: for<'de> Deserialize<'de>>(frame: &'static str, body: &[u8]) -> Result<T, FrameError> {
    serde_json::from_slice(body).map_err(|e| FrameError::Invalid { frame, reason: e.to_string() })
}

/// Cuts a string at a character boundary at or below `max` bytes.
pub(crate) fn truncate_utf8(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

mod erased {
    /// Serializes handshake bodies through one function without generics in `encode`.
    pub trait Json {
        fn write(&self, out: &mut Vec<u8>);
    }

    impl<T: serde::Serialize> Json for T {
        fn write(&self, out: &mut Vec<u8>) {
            // Plain structs of strings and numbers: serializing cannot fail.
            let _ = serde_json::to_writer(out, self);
        }
    }
}

struct Reader {
    frame: &'static str,
    bytes: Bytes,
}

impl Reader {
    fn take(&mut self, n: usize) -> Result<Bytes, FrameError> {
        if self.bytes.len() < n {
            return Err(FrameError::Truncated { frame: self.frame, need: n, have: self.bytes.len() });
        }
        Ok(self.bytes.split_to(n))
    }

    fn u8(&mut self) -> Result<u8, FrameError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, FrameError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, FrameError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, FrameError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(&b);
        Ok(u64::from_be_bytes(a))
    }

    fn channel(&mut self) -> Result<ChannelId, FrameError> {
        let id = self.u32()?;
        if id == 0 {
            return Err(FrameError::Invalid { frame: self.frame, reason: "channel 0 does not exist".into() });
        }
        Ok(id)
    }

    fn rest(&mut self) -> Bytes {
        std::mem::take(&mut self.bytes)
    }

    fn text(&mut self) -> Result<String, FrameError> {
        let frame = self.frame;
        String::from_utf8(self.rest().to_vec())
            .map_err(|_| FrameError::Invalid { frame, reason: "reason is not UTF-8".into() })
    }

    fn end(&self) -> Result<(), FrameError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(FrameError::Trailing { frame: self.frame, extra: self.bytes.len() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_frames_round_trip() {
        let frames = [
            Frame::Open {
                channel: 3,
                kind: ChannelKind::Bytes,
                name: "docker".into(),
                meta: Bytes::from_static(b"GET /"),
            },
            Frame::Data { channel: 5, fin: true, payload: Bytes::from_static(b"hello") },
            Frame::Data { channel: 5, fin: false, payload: Bytes::new() },
            Frame::Message { channel: 1, seq: u64::MAX, payload: Bytes::from_static(b"{}") },
            Frame::Ack { channel: 1, seq: 7 },
            Frame::Credit { channel: 2, bytes: 65536 },
            Frame::Close { channel: 9, code: Code::Unsupported, reason: "no docker here".into() },
            Frame::Ping { id: 42 },
            Frame::Pong { id: 42 },
            Frame::GoAway { code: Code::Other(999), reason: "é".into() },
        ];
        for f in frames {
            assert_eq!(Frame::decode(f.encode(), 1 << 20).unwrap(), f);
        }
    }

    #[test]
    fn bad_frames_name_the_problem() {
        let e = |b: &[u8]| Frame::decode(Bytes::copy_from_slice(b), 64).unwrap_err().to_string();
        assert_eq!(e(&[]), "empty frame");
        assert_eq!(e(&[0x7f]), "unknown frame type 0x7f");
        assert_eq!(e(&[0x13, 0, 0, 0, 1]), "Ack frame truncated: 8 bytes needed, 0 present");
        assert_eq!(e(&[0x20, 0, 0, 0, 0, 0, 0, 0, 1, 9]), "Ping frame has 1 unexpected trailing bytes");
        assert_eq!(e(&[0x11, 0, 0, 0, 0, 0]), "Data frame: channel 0 does not exist");
        assert_eq!(e(&[0x11, 0, 0, 0, 1, 4]), "Data frame: unknown flags 0x04");
        assert_eq!(e(&[0x12, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]), "Message frame: sequence numbers start at 1");
        assert_eq!(e(&[0x10, 0, 0, 0, 1, 3, 0]), "Open frame: unknown channel kind 3");
        assert_eq!(e(&[0x10, 0, 0, 0, 1, 1, 0]), "Open frame: channel names are 1 to 64 bytes");
        assert!(e(&[0x02, b'{']).starts_with("Hello frame: EOF while parsing"));
        assert_eq!(e(&[0u8; 65]), "frame of 65 bytes exceeds the limit of 64 bytes");
    }
}
