//! Keyed rate limits (GCRA): logins and connects per target id, agent calls per target,
//! so one misbehaving agent or a password-guessing client cannot crowd out the rest.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A rate: `burst` requests at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Sustained requests per minute.
    pub per_minute: u32,
    /// How many may arrive at once.
    pub burst: u32,
}

/// A GCRA limiter over keys. Memory stays bounded: idle keys are forgotten.
pub struct Limiter<K> {
    rate: Rate,
    state: Mutex<HashMap<K, Instant>>,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    /// A limiter with the given rate.
    pub fn new(rate: Rate) -> Self {
        Limiter { rate, state: Mutex::new(HashMap::new()) }
    }

    fn interval(&self) -> Duration {
        Duration::from_secs(60) / self.rate.per_minute.max(1)
    }

    /// Admits one request for `key` at `now`, or says how long to wait.
    pub fn check(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let interval = self.interval();
        let tolerance = interval * self.rate.burst.saturating_sub(1);
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.len() > 100_000 {
            // Forget keys whose theoretical arrival time has passed: they are at full burst.
            state.retain(|_, tat| *tat > now);
        }
        let tat = state.get(key).copied().unwrap_or(now).max(now);
        let allow_at = tat.checked_sub(tolerance).unwrap_or(now);
        if now < allow_at {
            return Err(allow_at - now);
        }
        state.insert(key.clone(), tat + interval);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_refills() {
        let limiter = Limiter::new(Rate { per_minute: 60, burst: 3 });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(&"a", t0).is_ok());
        }
        let wait = limiter.check(&"a", t0).unwrap_err();
        assert!(wait <= Duration::from_secs(1) && wait > Duration::ZERO);
        assert!(limiter.check(&"b", t0).is_ok(), "keys are independent");
        assert!(limiter.check(&"a", t0 + Duration::from_secs(1)).is_ok());
        assert!(limiter.check(&"a", t0 + Duration::from_secs(1)).is_err());
    }
}
