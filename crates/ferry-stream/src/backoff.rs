//! Reconnect delays: exponential with jitter, so a fleet that lost its hub at the same moment
//! does not come back at the same moment.

use std::time::Duration;

/// Delays between attempts: the n-th is between half and all of `min(max, base · 2ⁿ)`.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
    state: u64,
}

impl Backoff {
    /// Starts at `base`, never above `max`; `seed` drives the jitter (tests fix it).
    pub fn new(base: Duration, max: Duration, seed: u64) -> Self {
        Backoff { base, max: max.max(base), attempt: 0, state: seed | 1 }
    }

    /// Seeded from the OS.
    pub fn random(base: Duration, max: Duration) -> Self {
        let mut seed = [0u8; 8];
        let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut seed);
        Self::new(base, max, u64::from_le_bytes(seed))
    }

    /// Attempts since the last success.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// The delay before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let cap = self.base.saturating_mul(1u32 << self.attempt.min(20)).min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let half = cap / 2;
        half + half.mul_f64(self.unit())
    }

    /// A success: start from `base` again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// A uniform number in [0, 1) (xorshift64*).
    pub fn unit(&mut self) -> f64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let x = self.state.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_with_jitter_and_caps() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(30), 42);
        let delays: Vec<Duration> = (0..8).map(|_| b.next_delay()).collect();
        for (n, d) in delays.iter().enumerate() {
            let cap = Duration::from_secs(1 << n).min(Duration::from_secs(30));
            assert!(*d >= cap / 2 && *d <= cap, "attempt {n}: {d:?} not within [{:?}, {cap:?}]", cap / 2);
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_secs(1));
        // Two agents with different seeds do not retry in lockstep.
        let mut a = Backoff::new(Duration::from_secs(1), Duration::from_secs(30), 1);
        let mut c = Backoff::new(Duration::from_secs(1), Duration::from_secs(30), 2);
        let same = (0..6).filter(|_| a.next_delay() == c.next_delay()).count();
        assert!(same < 6);
    }
}
