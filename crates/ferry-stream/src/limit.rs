//! The per-connection inbound budget: a token bucket on bytes and one on frames. A peer
//! that sends faster is not cut off but slowed down: the connection stops reading until the
//! budget recovers, so TCP pushes back on that peer alone and every other connection is
//! unaffected.

use std::time::{Duration, Instant};

/// How much one connection may send.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Sustained bytes per second.
    pub bytes_per_sec: u64,
    /// Sustained frames per second.
    pub frames_per_sec: u64,
    /// How many seconds' worth may arrive at once.
    pub burst_secs: u64,
}

impl Rate {
    /// Generous for an agent (a full log batch every second), small enough that one agent
    /// cannot occupy a hub.
    pub const AGENT_DEFAULT: Rate = Rate { bytes_per_sec: 4 << 20, frames_per_sec: 2_000, burst_secs: 4 };
}

#[derive(Debug, Clone)]
struct Bucket {
    per_sec: f64,
    capacity: f64,
    level: f64,
}

impl Bucket {
    fn new(per_sec: u64, burst_secs: u64) -> Self {
        let capacity = (per_sec.saturating_mul(burst_secs.max(1))) as f64;
        Bucket { per_sec: per_sec.max(1) as f64, capacity, level: capacity }
    }

    fn refill(&mut self, elapsed: Duration) {
        self.level = (self.level + elapsed.as_secs_f64() * self.per_sec).min(self.capacity);
    }

    /// How long until the level is back to zero.
    fn debt(&self) -> Duration {
        if self.level >= 0.0 { Duration::ZERO } else { Duration::from_secs_f64(-self.level / self.per_sec) }
    }
}

/// Token buckets for one connection's inbound traffic.
#[derive(Debug, Clone)]
pub struct Budget {
    bytes: Bucket,
    frames: Bucket,
    at: Instant,
}

impl Budget {
    /// A full budget.
    pub fn new(rate: Rate, now: Instant) -> Self {
        Budget {
            bytes: Bucket::new(rate.bytes_per_sec, rate.burst_secs),
            frames: Bucket::new(rate.frames_per_sec, rate.burst_secs),
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at);
        self.at = now;
        self.bytes.refill(elapsed);
        self.frames.refill(elapsed);
    }

    /// Charges one received frame of `len` bytes (it has arrived: the budget may go into debt).
    pub fn charge(&mut self, len: usize, now: Instant) {
        self.refill(now);
        self.bytes.level -= len as f64;
        self.frames.level -= 1.0;
    }

    /// When reading may go on: `None` now, else the instant the debt is paid.
    pub fn resume_at(&self, now: Instant) -> Option<Instant> {
        let mut copy = self.clone();
        copy.refill(now);
        let wait = copy.bytes.debt().max(copy.frames.debt());
        (!wait.is_zero()).then(|| now + wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_slowed_to_the_rate() {
        let t0 = Instant::now();
        let mut b = Budget::new(Rate { bytes_per_sec: 1000, frames_per_sec: 10, burst_secs: 1 }, t0);
        for _ in 0..10 {
            b.charge(10, t0);
        }
        assert_eq!(b.resume_at(t0), None, "the burst fits");
        b.charge(10, t0);
        let at = b.resume_at(t0).expect("over the frame budget");
        assert!(at - t0 >= Duration::from_millis(99) && at - t0 <= Duration::from_millis(101));
        assert_eq!(b.resume_at(t0 + Duration::from_millis(100)), None);
        // One huge frame costs its bytes.
        let mut b = Budget::new(Rate { bytes_per_sec: 1000, frames_per_sec: 10, burst_secs: 1 }, t0);
        b.charge(3000, t0);
        assert_eq!(b.resume_at(t0), Some(t0 + Duration::from_secs(2)));
    }
}
