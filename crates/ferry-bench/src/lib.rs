//! A load generator for the hub: N simulated agents log in, poll their desired state with
//! ETags at the agent interval, report a status and metrics every 30 s, as real agents do.
//! It measures request rate and latency from the agents' side and, when it knows the hub's
//! process id, the hub's peak RSS and CPU from `/proc`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use serde_json::{Value, json};
use tokio::sync::Mutex;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Hub base URL.
    pub hub_url: String,
    /// Vendor API token (to create the targets).
    pub token: String,
    /// Simulated agents (one target and one deployment each).
    pub agents: usize,
    /// Poll interval of each agent.
    pub interval: Duration,
    /// Settling time after every agent has logged in and polled once, so the burst of first
    /// statuses a fleet sends when it starts is not measured as steady state.
    pub warmup: Duration,
    /// Measurement window, after the warm-up.
    pub duration: Duration,
    /// HTTP connections shared by the simulated agents.
    pub connections: usize,
    /// The hub's process id, for memory and CPU figures.
    pub hub_pid: Option<u32>,
}

/// Load generator failures.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// An HTTP call failed during setup.
    #[error("{what}: {detail}")]
    Setup {
        /// What was being set up.
        what: String,
        /// Why it failed.
        detail: String,
    },
}

fn setup_err(what: impl Into<String>, detail: impl ToString) -> BenchError {
    BenchError::Setup { what: what.into(), detail: detail.to_string() }
}

/// Latency samples of one request kind, in microseconds.
#[derive(Debug, Default, Clone)]
pub struct Samples {
    micros: Vec<u32>,
    /// Non-2xx/304 answers and transport failures.
    pub errors: u64,
}

impl Samples {
    fn record(&mut self, elapsed: Duration) {
        self.micros.push(elapsed.as_micros().min(u32::MAX as u128) as u32);
    }

    /// Number of successful requests.
    pub fn count(&self) -> usize {
        self.micros.len()
    }

    /// The `q` quantile (0..=1) in milliseconds, nearest-rank.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.micros.is_empty() {
            return 0.0;
        }
        let mut sorted = self.micros.clone();
        sorted.sort_unstable();
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1] as f64 / 1000.0
    }
}

/// Measured figures.
#[derive(Debug, Default)]
pub struct Report {
    /// Agents simulated.
    pub agents: usize,
    /// Measurement window.
    pub window: Duration,
    /// Resource polls.
    pub polls: Samples,
    /// Of which answered 304.
    pub not_modified: u64,
    /// Status reports.
    pub statuses: Samples,
    /// Metrics reports.
    pub metrics: Samples,
    /// Logins (during warm-up).
    pub logins: Samples,
    /// Hub peak resident memory (VmHWM), bytes.
    pub hub_peak_rss: Option<u64>,
    /// Hub CPU time used during the window, as a fraction of one core.
    pub hub_cpu_cores: Option<f64>,
    /// Server-side latency over the window from the hub's own histogram: route → (p50, p99)
    /// as histogram bucket upper bounds in ms. Free of the load generator's scheduling delays.
    pub server_side: Vec<(String, f64, f64, u64)>,
}

impl Report {
    /// All requests in the window.
    pub fn total(&self) -> usize {
        self.polls.count() + self.statuses.count() + self.metrics.count()
    }

    /// Human summary.
    pub fn render(&self) -> String {
        let secs = self.window.as_secs_f64().max(1e-9);
        let line = |name: &str, s: &Samples| {
            format!(
                "  {name:<10} {:>9.1} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>8.2} ms   errors {}\n",
                s.count() as f64 / secs,
                s.quantile_ms(0.50),
                s.quantile_ms(0.99),
                s.quantile_ms(1.0),
                s.errors
            )
        };
        let mut all = Samples::default();
        for s in [&self.polls, &self.statuses, &self.metrics] {
            all.micros.extend(&s.micros);
            all.errors += s.errors;
        }
        let mut out = format!(
            "{} agents, {:.0} s window: {:.1} requests/s ({} polls answered 304)\n",
            self.agents,
            secs,
            self.total() as f64 / secs,
            self.not_modified
        );
        out += &line("all", &all);
        out += &line("resources", &self.polls);
        out += &line("status", &self.statuses);
        out += &line("metrics", &self.metrics);
        out += &format!(
            "  login      {:>9} during warm-up   p50 {:>7.2} ms   p99 {:>7.2} ms   errors {}\n",
            self.logins.count(),
            self.logins.quantile_ms(0.5),
            self.logins.quantile_ms(0.99),
            self.logins.errors
        );
        if !self.server_side.is_empty() {
            out += "  hub-side latency over the window (bucket upper bounds):\n";
            for (route, p50, p99, count) in &self.server_side {
                out += &format!("    {route:<40} {count:>8} requests   p50 <= {p50} ms   p99 <= {p99} ms\n");
            }
        }
        if let Some(rss) = self.hub_peak_rss {
            out += &format!("  hub peak RSS {:.1} MiB\n", rss as f64 / 1024.0 / 1024.0);
        }
        if let Some(cpu) = self.hub_cpu_cores {
            out += &format!("  hub CPU {:.0}% of one core\n", cpu * 100.0);
        }
        out
    }
}

fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Cumulative latency histogram buckets per route from the hub's `/metrics` text.
pub fn parse_histograms(text: &str) -> std::collections::BTreeMap<String, Vec<(f64, u64)>> {
    let mut out: std::collections::BTreeMap<String, Vec<(f64, u64)>> = Default::default();
    for line in text.lines().filter(|l| l.starts_with("ferry_http_request_duration_seconds_bucket{")) {
        let Some((labels, count)) = line.rsplit_once(' ') else { continue };
        let route = labels.split("route=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("");
        let le = labels.split("le=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("");
        let bound = if le == "+Inf" { f64::INFINITY } else { le.parse().unwrap_or(f64::INFINITY) };
        out.entry(route.to_string()).or_default().push((bound, count.parse().unwrap_or(0)));
    }
    out
}

/// (p50, p99, count) in ms over the difference of two histogram snapshots of one route.
pub fn histogram_quantiles(before: &[(f64, u64)], after: &[(f64, u64)]) -> Option<(f64, f64, u64)> {
    let delta: Vec<(f64, u64)> = after
        .iter()
        .map(|(b, n)| (*b, n - before.iter().find(|(bb, _)| bb == b).map(|(_, m)| *m).unwrap_or(0)))
        .collect();
    let total = delta.iter().map(|(_, n)| *n).max()?;
    if total == 0 {
        return None;
    }
    let q = |q: f64| {
        let want = (q * total as f64).ceil() as u64;
        delta.iter().find(|(_, n)| *n >= want).map(|(b, _)| b * 1000.0).unwrap_or(f64::INFINITY)
    };
    Some((q(0.5), q(0.99), total))
}

/// Peak resident set size of a process (VmHWM), bytes.
pub fn peak_rss(pid: u32) -> Option<u64> {
    proc_status_kib(pid, "VmHWM:")
}

/// Current resident set size of a process (VmRSS), bytes.
pub fn rss(pid: u32) -> Option<u64> {
    proc_status_kib(pid, "VmRSS:")
}

fn rss_note(pid: Option<u32>) -> String {
    pid.and_then(rss).map(|b| format!(" (hub RSS {:.0} MiB)", b as f64 / 1048576.0)).unwrap_or_default()
}

/// CPU time (user + system) of a process so far, from `/proc/<pid>/stat`.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // Linux reports clock ticks; USER_HZ is 100 on every architecture Ferry targets.
    Some(Duration::from_millis((utime + stime) * 10))
}

struct Agent {
    target: String,
    secret: String,
    revision: String,
}

async fn check(res: reqwest::Result<reqwest::Response>, what: &str) -> Result<Value, BenchError> {
    let res = res.map_err(|e| setup_err(what, e))?;
    let status = res.status();
    let text = res.text().await.map_err(|e| setup_err(what, e))?;
    if !status.is_success() {
        return Err(setup_err(what, format!("{status}: {text}")));
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Creates the application, N targets with secrets and one deployment each.
async fn provision(http: &reqwest::Client, opts: &Options) -> Result<Vec<Agent>, BenchError> {
    let api = |p: &str| format!("{}{p}", opts.hub_url);
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let app = check(
        http.post(api("/api/v1/applications"))
            .bearer_auth(&opts.token)
            .json(&json!({"name": format!("bench-{suffix}"), "type": "docker"}))
            .send()
            .await,
        "create application",
    )
    .await?;
    let app_id = app["id"].as_str().unwrap_or_default().to_string();
    let version = check(
        http.post(api(&format!("/api/v1/applications/{app_id}/versions")))
            .bearer_auth(&opts.token)
            .json(&json!({"name": "1.0.0", "composeFile": "services:\n  web:\n    image: nginx:1.27\n    env_file: .env\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n", "envTemplate": "MODE=bench\n"}))
            .send()
            .await,
        "create version",
    )
    .await?;
    let version_id = version["id"].as_str().unwrap_or_default().to_string();
    let made = futures_util::stream::iter(0..opts.agents)
        .map(|i| {
            let (http, api, token, version_id, suffix) =
                (http.clone(), api(""), opts.token.clone(), version_id.clone(), suffix.clone());
            async move {
                let t = check(
                    http.post(format!("{api}/api/v1/targets"))
                        .bearer_auth(&token)
                        .json(&json!({"name": format!("bench-{suffix}-{i}"), "type": "docker"}))
                        .send()
                        .await,
                    "create target",
                )
                .await?;
                let target = t["id"].as_str().unwrap_or_default().to_string();
                let access = check(
                    http.post(format!("{api}/api/v1/targets/{target}/access")).bearer_auth(&token).send().await,
                    "target access",
                )
                .await?;
                let d = check(
                    http.post(format!("{api}/api/v1/deployments"))
                        .bearer_auth(&token)
                        .json(&json!({"targetId": target, "applicationVersionId": version_id}))
                        .send()
                        .await,
                    "deploy",
                )
                .await?;
                Ok::<_, BenchError>(Agent {
                    target,
                    secret: access["targetSecret"].as_str().unwrap_or_default().to_string(),
                    revision: d["revision"]["id"].as_str().unwrap_or_default().to_string(),
                })
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    made.into_iter().collect()
}

#[derive(Default)]
struct Shared {
    polls: Samples,
    statuses: Samples,
    metrics: Samples,
    logins: Samples,
}

/// What every simulated agent shares with the run.
struct Fleet {
    url: String,
    interval: Duration,
    shared: Mutex<Shared>,
    measuring: AtomicBool,
    stop: AtomicBool,
    not_modified: AtomicU64,
    ready: AtomicU64,
}

/// Runs the simulation and returns the figures.
pub async fn run(opts: Options, progress: impl Fn(&str)) -> Result<Report, BenchError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let clients: Vec<reqwest::Client> = (0..opts.connections.max(1))
        .map(|_| {
            reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(1)
                .user_agent("FerryBench/1.0")
                .build()
                .map_err(|e| setup_err("HTTP client", e))
        })
        .collect::<Result<_, _>>()?;
    progress(&format!("creating {} targets with one deployment each…", opts.agents));
    let agents = provision(&clients[0], &opts).await?;

    let fleet = Arc::new(Fleet {
        url: opts.hub_url.clone(),
        interval: opts.interval,
        shared: Mutex::new(Shared::default()),
        measuring: AtomicBool::new(false),
        stop: AtomicBool::new(false),
        not_modified: AtomicU64::new(0),
        ready: AtomicU64::new(0),
    });
    let n = agents.len();
    progress(&format!("logging {n} agents in and starting their poll loops…{}", rss_note(opts.hub_pid)));
    let mut tasks = Vec::with_capacity(n);
    for (i, agent) in agents.into_iter().enumerate() {
        let http = clients[i % clients.len()].clone();
        let fleet = fleet.clone();
        // Agents start spread over one interval, as a real fleet is.
        let offset = opts.interval.mul_f64(i as f64 / n.max(1) as f64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(offset).await;
            simulate(agent, http, &fleet).await;
        }));
    }
    while (fleet.ready.load(Ordering::Relaxed) as usize) < n {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    progress(&format!("all agents polling; settling for {:?}…{}", opts.warmup, rss_note(opts.hub_pid)));
    tokio::time::sleep(opts.warmup).await;
    progress(&format!("measuring for {:?}…{}", opts.duration, rss_note(opts.hub_pid)));
    let cpu_before = opts.hub_pid.and_then(cpu_time);
    let metrics_url = format!("{}/metrics", opts.hub_url);
    let scrape = |http: reqwest::Client, url: String| async move {
        let text = http.get(url).send().await.ok()?.text().await.ok()?;
        Some(parse_histograms(&text))
    };
    let hist_before = scrape(clients[0].clone(), metrics_url.clone()).await;
    let started = Instant::now();
    fleet.measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(opts.duration).await;
    fleet.measuring.store(false, Ordering::Relaxed);
    let window = started.elapsed();
    progress(&format!("done{}", rss_note(opts.hub_pid)));
    let cpu_after = opts.hub_pid.and_then(cpu_time);
    let hist_after = scrape(clients[0].clone(), metrics_url).await;
    let mut server_side = Vec::new();
    if let (Some(before), Some(after)) = (&hist_before, &hist_after) {
        for (route, buckets) in after.iter().filter(|(r, _)| r.starts_with("/api/v1/agent/")) {
            let empty = Vec::new();
            if let Some((p50, p99, n)) = histogram_quantiles(before.get(route).unwrap_or(&empty), buckets) {
                server_side.push((route.clone(), p50, p99, n));
            }
        }
    }
    fleet.stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.abort();
    }
    let shared = std::mem::take(&mut *fleet.shared.lock().await);
    Ok(Report {
        agents: n,
        window,
        polls: shared.polls,
        not_modified: fleet.not_modified.load(Ordering::Relaxed),
        statuses: shared.statuses,
        metrics: shared.metrics,
        logins: shared.logins,
        hub_peak_rss: opts.hub_pid.and_then(peak_rss),
        hub_cpu_cores: match (cpu_before, cpu_after) {
            (Some(a), Some(b)) => Some((b - a).as_secs_f64() / window.as_secs_f64()),
            _ => None,
        },
        server_side,
    })
}

async fn simulate(agent: Agent, http: reqwest::Client, fleet: &Fleet) {
    let (url, interval, shared) = (&fleet.url, fleet.interval, &fleet.shared);
    let (measuring, stop, not_modified, ready) = (&fleet.measuring, &fleet.stop, &fleet.not_modified, &fleet.ready);
    let started = Instant::now();
    let login =
        http.post(format!("{url}/api/v1/agent/login")).basic_auth(&agent.target, Some(&agent.secret)).send().await;
    let token = match login {
        Ok(r) if r.status().is_success() => {
            let v: Value = r.json().await.unwrap_or(Value::Null);
            shared.lock().await.logins.record(started.elapsed());
            v["token"].as_str().unwrap_or_default().to_string()
        }
        _ => {
            shared.lock().await.logins.errors += 1;
            ready.fetch_add(1, Ordering::Relaxed);
            return;
        }
    };
    let mut etag: Option<String> = None;
    let reports_every = (Duration::from_secs(30).as_secs_f64() / interval.as_secs_f64()).round().max(1.0) as u64;
    let mut tick: u64 = 0;
    let mut first = true;
    let mut next = tokio::time::Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let counting = measuring.load(Ordering::Relaxed);
        let t0 = Instant::now();
        let mut req = http.get(format!("{url}/api/v1/agent/resources")).bearer_auth(&token);
        if let Some(e) = &etag {
            req = req.header("If-None-Match", e);
        }
        let res = req.send().await;
        let elapsed = t0.elapsed();
        let ok = match res {
            Ok(r) if r.status() == reqwest::StatusCode::NOT_MODIFIED => {
                if counting {
                    not_modified.fetch_add(1, Ordering::Relaxed);
                }
                true
            }
            Ok(r) if r.status().is_success() => {
                etag = r.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_string);
                let _ = r.bytes().await;
                true
            }
            _ => false,
        };
        if counting {
            let mut s = shared.lock().await;
            if ok { s.polls.record(elapsed) } else { s.polls.errors += 1 }
        }
        if first {
            ready.fetch_add(1, Ordering::Relaxed);
            first = false;
        }
        // Status and metrics every ~30 s, at different ticks so they do not coincide.
        if tick.is_multiple_of(reports_every) {
            let t0 = Instant::now();
            let res = http
                .post(format!("{url}/api/v1/agent/status"))
                .bearer_auth(&token)
                .json(&json!({"revisionId": agent.revision, "type": "healthy", "message": "all services healthy"}))
                .send()
                .await;
            record(shared, counting, |s| &mut s.statuses, res, t0).await;
        }
        if tick % reports_every == reports_every / 2 {
            let t0 = Instant::now();
            let res = http
                .post(format!("{url}/api/v1/agent/metrics"))
                .bearer_auth(&token)
                .json(&json!({"cpuCoresMillis": 4000, "cpuUsage": 0.2, "memoryBytes": 8_589_934_592u64, "memoryUsage": 0.4,
                              "diskMetrics": [{"device": "/dev/sda1", "path": "/", "fsType": "ext4", "bytesTotal": 100_000_000_000u64, "bytesUsed": 40_000_000_000u64}]}))
                .send()
                .await;
            record(shared, counting, |s| &mut s.metrics, res, t0).await;
        }
        tick += 1;
        next += interval;
        tokio::time::sleep_until(next).await;
    }
}

async fn record(
    shared: &Mutex<Shared>,
    counting: bool,
    pick: impl FnOnce(&mut Shared) -> &mut Samples,
    res: reqwest::Result<reqwest::Response>,
    t0: Instant,
) {
    let ok = matches!(&res, Ok(r) if r.status().is_success());
    if let Ok(r) = res {
        let _ = r.bytes().await;
    }
    let elapsed = t0.elapsed();
    if counting {
        let mut s = shared.lock().await;
        let samples = pick(&mut s);
        if ok { samples.record(elapsed) } else { samples.errors += 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let mut s = Samples::default();
        for ms in 1..=100 {
            s.record(Duration::from_millis(ms));
        }
        assert_eq!(s.quantile_ms(0.5), 50.0);
        assert_eq!(s.quantile_ms(0.99), 99.0);
        assert_eq!(s.quantile_ms(1.0), 100.0);
        assert_eq!(Samples::default().quantile_ms(0.5), 0.0);
    }

    #[test]
    fn histogram_deltas_give_bucket_quantiles() {
        let text = "ferry_http_request_duration_seconds_bucket{route=\"/r\",le=\"0.001\"} 10\n\
                    ferry_http_request_duration_seconds_bucket{route=\"/r\",le=\"0.01\"} 20\n\
                    ferry_http_request_duration_seconds_bucket{route=\"/r\",le=\"+Inf\"} 20\n";
        let before = parse_histograms(text);
        let after_text = text.replace("} 10", "} 108").replace("} 20", "} 120");
        let after = parse_histograms(&after_text);
        // 98 of 100 new requests under 1 ms, 2 under 10 ms.
        assert_eq!(histogram_quantiles(&before["/r"], &after["/r"]), Some((1.0, 10.0, 100)));
    }

    #[test]
    fn reads_this_process_from_proc() {
        let pid = std::process::id();
        assert!(peak_rss(pid).unwrap() > 1024 * 1024);
        assert!(cpu_time(pid).is_some());
        assert!(peak_rss(u32::MAX).is_none());
    }
}
