//! Liveness for orchestrators: the agent beats after every reconcile tick and while an apply
//! makes progress, and a tiny HTTP endpoint (`GET /healthz`) answers 200 while the beats are
//! recent and 503 once they stop, so Kubernetes restarts an agent that hangs.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use tokio::time::Instant;

/// The shortest time without a beat after which the agent counts as hung. Removals and
/// observations run inside a tick without beating, and the hub backoff waits up to a
/// minute, so this is generous.
pub const MIN_STALE_AFTER: Duration = Duration::from_secs(600);

/// When the agent last made progress. Cheap to clone; all clones share one clock.
#[derive(Clone, Debug)]
pub struct Heartbeat {
    last: Arc<Mutex<Instant>>,
}

impl Default for Heartbeat {
    /// Starts beating now: a fresh agent is live until proven otherwise.
    fn default() -> Self {
        Heartbeat { last: Arc::new(Mutex::new(Instant::now())) }
    }
}

impl Heartbeat {
    /// Records progress.
    pub fn beat(&self) {
        if let Ok(mut last) = self.last.lock() {
            *last = Instant::now();
        }
    }

    /// Time since the last beat.
    pub fn age(&self) -> Duration {
        self.last.lock().map(|l| l.elapsed()).unwrap_or(Duration::MAX)
    }
}

/// How long without a beat means hung, for a reconcile interval.
pub fn stale_after(interval: Duration) -> Duration {
    (interval * 3).max(MIN_STALE_AFTER)
}

/// The answer to one probe: status code and body.
pub fn probe(path: &str, age: Duration, stale_after: Duration) -> (u16, String) {
    match path {
        "/" | "/healthz" | "/readyz" if age <= stale_after => (200, "ok\n".into()),
        "/" | "/healthz" | "/readyz" => {
            (503, format!("no progress for {}s (limit {}s)\n", age.as_secs(), stale_after.as_secs()))
        }
        _ => (404, "not found; probe /healthz\n".into()),
    }
}

/// Answers probes on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, heartbeat: Heartbeat, stale_after: Duration) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else { continue };
        let heartbeat = heartbeat.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 1024];
            let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await;
            let Ok(Ok(n)) = read else { return };
            let request = String::from_utf8_lossy(&buf[..n]);
            let path = request.split_whitespace().nth(1).unwrap_or("/");
            let path = path.split('?').next().unwrap_or(path);
            let (code, body) = probe(path, heartbeat.age(), stale_after);
            let reason = match code {
                200 => "OK",
                404 => "Not Found",
                _ => "Service Unavailable",
            };
            let response = format!(
                "HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_follow_the_heartbeat() {
        let limit = stale_after(Duration::from_secs(5));
        assert_eq!(limit, MIN_STALE_AFTER);
        assert_eq!(stale_after(Duration::from_secs(300)), Duration::from_secs(900));
        assert_eq!(probe("/healthz", Duration::from_secs(1), limit).0, 200);
        let (code, body) = probe("/healthz", limit + Duration::from_secs(1), limit);
        assert_eq!(code, 503);
        assert!(body.contains("no progress for 601s"), "{body}");
        assert_eq!(probe("/metrics", Duration::ZERO, limit).0, 404);
    }

    #[tokio::test(start_paused = true)]
    async fn the_endpoint_answers_over_tcp() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let heartbeat = Heartbeat::default();
        let server = tokio::spawn(serve(listener, heartbeat.clone(), Duration::from_secs(10)));
        let get = || async move {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).await.unwrap();
            out
        };
        assert!(get().await.starts_with("HTTP/1.1 200 OK\r\n"));
        tokio::time::advance(Duration::from_secs(11)).await;
        assert!(get().await.starts_with("HTTP/1.1 503 "));
        heartbeat.beat();
        assert!(get().await.starts_with("HTTP/1.1 200 OK\r\n"));
        server.abort();
    }
}
