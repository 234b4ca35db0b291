//! `GET /metrics` in Prometheus text format: requests by route and status, a latency
//! histogram per route, and how many agents called in the last minute. Routes are the
//! matched templates (`/api/v1/targets/{id}`), so label cardinality stays bounded.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

/// Request counters and latency histograms.
#[derive(Debug, Default)]
pub struct Telemetry {
    inner: Mutex<Inner>,
}

impl Telemetry {
    /// Records one finished request.
    pub fn observe(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *inner.requests.entry((route.to_string(), method.to_string(), status)).or_default() += 1;
        let h = inner.latency.entry(route.to_string()).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// The exposition text, with the gauges the caller knows.
    pub fn render(&self, agents_last_minute: usize, version: &str) -> String {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP ferry_build_info Hub version.\n# TYPE ferry_build_info gauge\n");
        let _ = writeln!(out, "ferry_build_info{{version=\"{}\"}} 1", escape(version));
        out.push_str("# HELP ferry_agents_seen_last_minute Agents that called this hub in the last 60 s.\n");
        out.push_str("# TYPE ferry_agents_seen_last_minute gauge\n");
        let _ = writeln!(out, "ferry_agents_seen_last_minute {agents_last_minute}");
        out.push_str("# HELP ferry_http_requests_total HTTP requests by route, method and status.\n");
        out.push_str("# TYPE ferry_http_requests_total counter\n");
        for ((route, method, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "ferry_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                escape(route),
                escape(method)
            );
        }
        out.push_str("# HELP ferry_http_request_duration_seconds HTTP request latency by route.\n");
        out.push_str("# TYPE ferry_http_request_duration_seconds histogram\n");
        for (route, h) in &inner.latency {
            let route = escape(route);
            for (bound, n) in BUCKETS.iter().zip(h.counts.iter()) {
                let _ =
                    writeln!(out, "ferry_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}");
            }
            let _ = writeln!(
                out,
                "ferry_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "ferry_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "ferry_http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count);
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let t = Telemetry::default();
        t.observe("/api/v1/agent/resources", "GET", 200, Duration::from_millis(3));
        t.observe("/api/v1/agent/resources", "GET", 304, Duration::from_millis(30));
        let text = t.render(7, "0.1.0");
        assert!(text.contains("ferry_agents_seen_last_minute 7\n"));
        assert!(text.contains(
            "ferry_http_requests_total{route=\"/api/v1/agent/resources\",method=\"GET\",status=\"304\"} 1\n"
        ));
        assert!(text.contains(
            "ferry_http_request_duration_seconds_bucket{route=\"/api/v1/agent/resources\",le=\"0.005\"} 1\n"
        ));
        assert!(
            text.contains(
                "ferry_http_request_duration_seconds_bucket{route=\"/api/v1/agent/resources\",le=\"0.05\"} 2\n"
            )
        );
        assert!(text.contains("ferry_http_request_duration_seconds_count{route=\"/api/v1/agent/resources\"} 2\n"));
    }
}
