//! The loop that runs a [`Connection`] over a WebSocket: read (unless the peer's budget is
//! spent), write, run timers, and hand events and commands to a [`Handler`]. The socket is
//! anything that yields [`WsIn`] and takes binary messages, so the hub (axum) and the agent
//! (tungstenite over a reqwest upgrade) share it through a small adapter each.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{Sink, SinkExt as _, Stream, StreamExt as _};
use tokio::sync::mpsc;

use crate::connection::{Connection, Event};
use crate::frame::Code;

/// A received WebSocket message, as far as the stream cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsIn {
    /// A binary message: one frame.
    Binary(Bytes),
    /// A text message (not part of the protocol).
    Text,
    /// A WebSocket-level ping or pong (answered by the WebSocket library).
    Control,
    /// The peer closed the WebSocket.
    Close(Option<String>),
}

/// Reacts to events and commands, with the connection at hand. Must not block: work that
/// takes time goes to another task, which reports back through a command.
pub trait Handler {
    /// Commands from other tasks.
    type Command: Send;

    /// One event.
    fn event(&mut self, connection: &mut Connection, event: Event, now: Instant);

    /// One command.
    fn command(&mut self, connection: &mut Connection, command: Self::Command, now: Instant);

    /// Nothing will send commands any more (every sender dropped). Closes the connection
    /// unless the handler decides otherwise.
    fn commands_closed(&mut self, connection: &mut Connection) {
        connection.close(Code::Normal, "closing");
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Why.
    pub code: Code,
    /// Why, in words.
    pub reason: String,
    /// The peer ended it (GoAway, Refused, WebSocket close), or the socket failed.
    pub by_peer: bool,
    /// The handshake had completed.
    pub established: bool,
}

fn now() -> Instant {
    // Tokio's clock, so tests with a paused clock drive the connection's timers too.
    tokio::time::Instant::now().into_std()
}

/// Runs `connection` over `socket` until it ends.
pub async fn run<S, E, H>(
    mut connection: Connection,
    mut socket: S,
    handler: &mut H,
    commands: &mut mpsc::Receiver<H::Command>,
) -> Outcome
where
    S: Stream<Item = Result<WsIn, E>> + Sink<Bytes> + Unpin,
    E: std::fmt::Display,
    <S as Sink<Bytes>>::Error: std::fmt::Display,
    H: Handler,
{
    let mut closed: Option<Outcome> = None;
    let mut established = false;
    let mut commands_open = true;
    // A peer (or proxy) that stops reading must not stall us for ever: writes have a deadline.
    let write_timeout = Duration::from_secs(30);
    loop {
        // Let the handler react, then write what it and the connection produced.
        loop {
            let mut progressed = false;
            while let Some(event) = connection.poll_event() {
                progressed = true;
                match &event {
                    Event::Established(_) | Event::Hello(_) => established = true,
                    Event::Closed { code, reason, by_peer } => {
                        closed.get_or_insert(Outcome {
                            code: *code,
                            reason: reason.clone(),
                            by_peer: *by_peer,
                            established,
                        });
                    }
                    _ => {}
                }
                handler.event(&mut connection, event, now());
            }
            let mut wrote = false;
            while let Some(frame) = connection.poll_transmit() {
                wrote = true;
                let sent = tokio::time::timeout(write_timeout, socket.feed(frame)).await;
                if let Some(failure) = write_failure(sent, established) {
                    return closed.unwrap_or(failure);
                }
            }
            if wrote {
                let flushed = tokio::time::timeout(write_timeout, socket.flush()).await;
                if let Some(failure) = write_failure(flushed, established) {
                    return closed.unwrap_or(failure);
                }
                progressed = true;
            }
            if !progressed {
                break;
            }
        }
        if let Some(outcome) = closed {
            let _ = tokio::time::timeout(Duration::from_secs(2), socket.close()).await;
            return outcome;
        }
        let at = now();
        let paused = connection.read_paused_until(at);
        let wake = connection.poll_timeout();
        let sleep_until = |t: Option<Instant>| async move {
            match t {
                Some(t) => tokio::time::sleep_until(tokio::time::Instant::from_std(t)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            incoming = socket.next(), if paused.is_none() => match incoming {
                Some(Ok(WsIn::Binary(bytes))) => {
                    // A protocol error closes the connection with a GoAway saying why, and
                    // surfaces as the Closed event handled above.
                    let _ = connection.handle(bytes, now());
                }
                Some(Ok(WsIn::Control)) => {}
                Some(Ok(WsIn::Text)) => {
                    connection.close(Code::Protocol, "text messages are not part of the stream protocol; send binary frames");
                }
                Some(Ok(WsIn::Close(reason))) => {
                    return closed.unwrap_or(Outcome {
                        code: Code::Normal,
                        reason: reason.unwrap_or_else(|| "the peer closed the WebSocket".into()),
                        by_peer: true,
                        established,
                    });
                }
                Some(Err(e)) => {
                    return closed.unwrap_or(Outcome { code: Code::Internal, reason: format!("connection lost: {e}"), by_peer: true, established });
                }
                None => {
                    return closed.unwrap_or(Outcome { code: Code::Internal, reason: "connection lost".into(), by_peer: true, established });
                }
            },
            () = sleep_until(paused), if paused.is_some() => {}
            command = commands.recv(), if commands_open => match command {
                Some(c) => handler.command(&mut connection, c, now()),
                None => {
                    commands_open = false;
                    handler.commands_closed(&mut connection);
                }
            },
            () = sleep_until(wake) => connection.handle_timeout(now()),
        }
    }
}

fn write_failure<T, E: std::fmt::Display>(
    result: Result<Result<T, E>, tokio::time::error::Elapsed>,
    established: bool,
) -> Option<Outcome> {
    match result {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => {
            Some(Outcome { code: Code::Internal, reason: format!("cannot write: {e}"), by_peer: true, established })
        }
        Err(_) => Some(Outcome {
            code: Code::Timeout,
            reason: "the peer stopped reading (write blocked for 30 s)".into(),
            by_peer: true,
            established,
        }),
    }
}
